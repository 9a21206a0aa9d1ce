// SPDX-License-Identifier: GPL-2.0
/*
 * /sys/kernel/debug/tdproot/: the files that create and destroy VMs, drive
 * them and read their statistics, and what every file shares (permission
 * checks, bounded writes). Every file is root-only. Parsing is in
 * debugfs_parse.c, the VMs by name in guests.c; only the API in include/
 * is used of the MMU and the vCPUs.
 */

#include <linux/debugfs.h>
#include <linux/err.h>
#include <linux/fs.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/uaccess.h>

#include "debugfs.h"
#include "debugfs_parse.h"
#include "guests.h"

/* One debugfs file: what it shows and what it accepts. */
struct tdpr_file_op {
	const char *name;
	umode_t mode;
	bool in_hist;
	int (*show)(struct seq_file *m, struct tdpr_guest *g, int arg);
	int (*store)(struct tdpr_guest *g, char *buf, int arg);
	int arg;
	/* The buffer show needs, if one call must fit: it has side effects. */
	size_t (*size)(struct tdpr_guest *g);
};

static struct dentry *tdpr_debugfs_dir;

/* ---- per-VM files ---- */

static int tdpr_vcpus_file_show(struct seq_file *m, struct tdpr_guest *g, int arg)
{
	seq_printf(m, "%u\n", tdpr_vcpus_count(g->vcpus));
	return 0;
}

static int tdpr_vcpus_file_store(struct tdpr_guest *g, char *buf, int arg)
{
	u64 nr;

	if (tdpr_parse_u64(buf, &nr) || nr > TDPR_MAX_VCPUS) {
		pr_warn_ratelimited("%s/vcpus: '%.40s' is not 0..%d\n",
				    g->name, buf, TDPR_MAX_VCPUS);
		return -EINVAL;
	}
	return tdpr_vcpus_set_count(g->vcpus, nr);
}

static int tdpr_workload_file_show(struct seq_file *m, struct tdpr_guest *g, int arg)
{
	struct tdpr_workload wl;

	tdpr_vcpus_get_workload(g->vcpus, &wl);
	seq_printf(m, "pattern=%s write_pct=%u flip_ms=%u frames=%llu\n",
		   tdpr_pattern_names[wl.pattern], wl.write_pct, wl.flip_ms, wl.frames);
	return 0;
}

static int tdpr_workload_file_store(struct tdpr_guest *g, char *buf, int arg)
{
	struct tdpr_workload wl;
	char who[48];

	snprintf(who, sizeof(who), "%s/workload", g->name);
	if (tdpr_parse_workload(who, buf, &wl))
		return -EINVAL;
	return tdpr_vcpus_set_workload(g->vcpus, &wl);
}

static int tdpr_populate_file_store(struct tdpr_guest *g, char *buf, int arg)
{
	char who[48];
	u64 gfn, nr;

	snprintf(who, sizeof(who), "%s/populate", g->name);
	if (tdpr_parse_range(who, buf, tdpr_vm_nr_gfns(g->vm), &gfn, &nr))
		return -EINVAL;
	return tdpr_vm_populate(g->vm, gfn, nr);
}

static int tdpr_zap_all_file_store(struct tdpr_guest *g, char *buf, int arg)
{
	if (strcmp(buf, "1")) {
		pr_warn_ratelimited("%s/zap_all: '%.40s' is not 1\n", g->name, buf);
		return -EINVAL;
	}
	return tdpr_vm_zap_all(g->vm);
}

static int tdpr_zap_range_file_store(struct tdpr_guest *g, char *buf, int arg)
{
	char who[48];
	u64 gfn, nr;

	snprintf(who, sizeof(who), "%s/zap_range", g->name);
	if (tdpr_parse_range(who, buf, tdpr_vm_nr_gfns(g->vm), &gfn, &nr))
		return -EINVAL;
	return tdpr_vm_zap_range(g->vm, gfn, nr);
}

static int tdpr_migrate_file_store(struct tdpr_guest *g, char *buf, int arg)
{
	char who[48];
	u64 gfn, nr;

	snprintf(who, sizeof(who), "%s/migrate", g->name);
	if (tdpr_parse_range(who, buf, tdpr_vm_nr_gfns(g->vm), &gfn, &nr))
		return -EINVAL;
	return tdpr_vm_migrate(g->vm, gfn, nr);
}

static int tdpr_dirty_file_show(struct seq_file *m, struct tdpr_guest *g, int arg)
{
	return tdpr_vm_dirty_log(m, g->vm);
}

static size_t tdpr_dirty_file_size(struct tdpr_guest *g)
{
	return tdpr_vm_dirty_log_size(g->vm);
}

static int tdpr_stats_file_show(struct seq_file *m, struct tdpr_guest *g, int arg)
{
	tdpr_stats_show(m, tdpr_vm_stats(g->vm));
	seq_printf(m, "roots_valid %llu\nvcpus %u\nguest_frames %llu\n",
		   tdpr_vm_valid_roots(g->vm), tdpr_vcpus_count(g->vcpus),
		   tdpr_vm_nr_gfns(g->vm));
	return 0;
}

static int tdpr_roots_file_show(struct seq_file *m, struct tdpr_guest *g, int arg)
{
	tdpr_vm_show_roots(m, g->vm);
	return 0;
}

static int tdpr_hist_file_show(struct seq_file *m, struct tdpr_guest *g, int arg)
{
	tdpr_hist_show(m, tdpr_vm_stats(g->vm), arg);
	return 0;
}

static int tdpr_sites_file_show(struct seq_file *m, struct tdpr_guest *g, int arg)
{
	tdpr_hist_show_sites(m, tdpr_vm_stats(g->vm));
	return 0;
}

static int tdpr_hist_file_store(struct tdpr_guest *g, char *buf, int arg)
{
	if (strcmp(buf, "0")) {
		pr_warn_ratelimited("%s/hist/%s: '%.40s' is not 0 (0 resets it)\n",
				    g->name, tdpr_hist_names[arg], buf);
		return -EINVAL;
	}
	tdpr_hist_reset(tdpr_vm_stats(g->vm), arg);
	return 0;
}

static const struct tdpr_file_op tdpr_vm_file_ops[] = {
	{ "vcpus", 0600, false, tdpr_vcpus_file_show, tdpr_vcpus_file_store },
	{ "workload", 0600, false, tdpr_workload_file_show, tdpr_workload_file_store },
	{ "populate", 0200, false, NULL, tdpr_populate_file_store },
	{ "zap_all", 0200, false, NULL, tdpr_zap_all_file_store },
	{ "zap_range", 0200, false, NULL, tdpr_zap_range_file_store },
	{ "migrate", 0200, false, NULL, tdpr_migrate_file_store },
	{ "dirty", 0400, false, tdpr_dirty_file_show, NULL, 0, tdpr_dirty_file_size },
	{ "stats", 0400, false, tdpr_stats_file_show, NULL },
	{ "roots", 0400, false, tdpr_roots_file_show, NULL },
	{ "lock_hold", 0600, true, tdpr_hist_file_show, tdpr_hist_file_store,
	  TDPR_HIST_LOCK_HOLD },
	{ "lock_hold_shared", 0600, true, tdpr_hist_file_show, tdpr_hist_file_store,
	  TDPR_HIST_LOCK_HOLD_SHARED },
	{ "lock_hold_exclusive", 0600, true, tdpr_hist_file_show, tdpr_hist_file_store,
	  TDPR_HIST_LOCK_HOLD_EXCLUSIVE },
	{ "vcpu_stall", 0600, true, tdpr_hist_file_show, tdpr_hist_file_store,
	  TDPR_HIST_VCPU_STALL },
	{ "lock_wait_exclusive", 0600, true, tdpr_hist_file_show, tdpr_hist_file_store,
	  TDPR_HIST_LOCK_WAIT_EXCLUSIVE },
	{ "lock_hold_by_site", 0600, true, tdpr_sites_file_show, tdpr_hist_file_store,
	  TDPR_HIST_LOCK_HOLD_BY_SITE },
};

/* ---- file operations shared by every file ---- */

/* How messages name @f: "create", "vm0/vcpus", "vm0/hist/lock_hold". */
static const char *tdpr_file_path(const struct tdpr_file *f, char *buf, size_t len)
{
	if (f->g)
		snprintf(buf, len, "%s/%s%s", f->g->name, f->op->in_hist ? "hist/" : "",
			 f->op->name);
	else
		strscpy(buf, f->op->name, len);
	return buf;
}

static int tdpr_file_show(struct seq_file *m, void *unused)
{
	struct tdpr_file *f = m->private;

	return f->op->show(m, f->g, f->op->arg);
}

static int tdpr_file_open(struct inode *inode, struct file *file)
{
	struct tdpr_file *f = inode->i_private;
	char path[64];

	/* Root bypasses the mode bits, so refuse the unsupported direction here. */
	if ((file->f_mode & FMODE_READ) && !f->op->show) {
		pr_warn_ratelimited("%s is write-only\n", tdpr_file_path(f, path, sizeof(path)));
		return -EPERM;
	}
	if ((file->f_mode & FMODE_WRITE) && !f->op->store) {
		pr_warn_ratelimited("%s is read-only\n", tdpr_file_path(f, path, sizeof(path)));
		return -EPERM;
	}
	if (f->op->size && (file->f_mode & FMODE_READ))
		return single_open_size(file, tdpr_file_show, f, f->op->size(f->g));
	return single_open(file, tdpr_file_show, f);
}

static ssize_t tdpr_file_write(struct file *file, const char __user *ubuf,
			       size_t count, loff_t *ppos)
{
	struct tdpr_file *f = ((struct seq_file *)file->private_data)->private;
	char path[64], *buf;
	int ret;

	if (!count) {
		pr_warn_ratelimited("%s: empty write\n", tdpr_file_path(f, path, sizeof(path)));
		return -EINVAL;
	}
	if (count >= PAGE_SIZE) {
		pr_warn_ratelimited("%s: %zu bytes, more than %lu\n",
				    tdpr_file_path(f, path, sizeof(path)), count, PAGE_SIZE - 1);
		return -EINVAL;
	}
	buf = memdup_user_nul(ubuf, count);
	if (IS_ERR(buf))
		return PTR_ERR(buf);
	/* A NUL inside the write is malformed, not a terminator. */
	if (strlen(buf) != count) {
		pr_warn_ratelimited("%s: a NUL at byte %zu of %zu\n",
				    tdpr_file_path(f, path, sizeof(path)), strlen(buf), count);
		ret = -EINVAL;
	} else {
		ret = f->op->store(f->g, strim(buf), f->op->arg);
	}
	kfree(buf);
	return ret ? ret : count;
}

static const struct file_operations tdpr_file_fops = {
	.owner = THIS_MODULE,
	.open = tdpr_file_open,
	.read = seq_read,
	.llseek = seq_lseek,
	.write = tdpr_file_write,
	.release = single_release,
};

/* debugfs makes directories 0755; tdproot's are root-only like its files. */
static struct dentry *tdpr_debugfs_mkdir(const char *name, struct dentry *parent)
{
	struct dentry *d = debugfs_create_dir(name, parent);

	if (!IS_ERR(d))
		d_inode(d)->i_mode = S_IFDIR | 0700;
	return d;
}

/* Make a new guest's directory and files: tdpr_guest_create()'s last step. */
static int tdpr_guest_files(struct tdpr_guest *g)
{
	struct dentry *hist;
	int i;

	g->dir = tdpr_debugfs_mkdir(g->name, tdpr_debugfs_dir);
	if (IS_ERR(g->dir)) {
		int ret = PTR_ERR(g->dir);

		g->dir = NULL;
		return ret;
	}
	hist = tdpr_debugfs_mkdir("hist", g->dir);
	if (IS_ERR(hist))
		return PTR_ERR(hist);
	for (i = 0; i < ARRAY_SIZE(tdpr_vm_file_ops); i++) {
		const struct tdpr_file_op *op = &tdpr_vm_file_ops[i];
		struct dentry *d;

		g->files[i] = (struct tdpr_file) { .g = g, .op = op };
		d = debugfs_create_file(op->name, op->mode, op->in_hist ? hist : g->dir,
					&g->files[i], &tdpr_file_fops);
		if (IS_ERR(d))
			return PTR_ERR(d);
	}
	return 0;
}

static int tdpr_create_store(struct tdpr_guest *unused, char *buf, int arg)
{
	return tdpr_guest_create(buf, ARRAY_SIZE(tdpr_vm_file_ops), tdpr_guest_files);
}

static int tdpr_destroy_store(struct tdpr_guest *unused, char *buf, int arg)
{
	return tdpr_guest_destroy(buf);
}

static int tdpr_global_stats_show(struct seq_file *m, struct tdpr_guest *unused, int arg)
{
	seq_printf(m, "vms %d\n", tdpr_vm_count());
	tdpr_stats_show(m, &tdpr_global_stats);
	return 0;
}

static const struct tdpr_file_op tdpr_top_file_ops[] = {
	{ "create", 0200, false, NULL, tdpr_create_store },
	{ "destroy", 0200, false, NULL, tdpr_destroy_store },
	{ "stats", 0400, false, tdpr_global_stats_show, NULL },
};

static struct tdpr_file tdpr_top_files[ARRAY_SIZE(tdpr_top_file_ops)];

int tdpr_debugfs_init(void)
{
	int i;

	tdpr_debugfs_dir = tdpr_debugfs_mkdir(KBUILD_MODNAME, NULL);
	if (IS_ERR(tdpr_debugfs_dir))
		return PTR_ERR(tdpr_debugfs_dir);
	for (i = 0; i < ARRAY_SIZE(tdpr_top_file_ops); i++) {
		struct dentry *d;

		tdpr_top_files[i].op = &tdpr_top_file_ops[i];
		d = debugfs_create_file(tdpr_top_file_ops[i].name, tdpr_top_file_ops[i].mode,
					tdpr_debugfs_dir, &tdpr_top_files[i], &tdpr_file_fops);
		if (IS_ERR(d)) {
			debugfs_remove_recursive(tdpr_debugfs_dir);
			return PTR_ERR(d);
		}
	}
	return 0;
}

void tdpr_debugfs_exit(void)
{
	/* Open files pin the module, so no operation is in flight here. */
	debugfs_remove_recursive(tdpr_debugfs_dir);
	tdpr_guests_destroy_all();
}
