// SPDX-License-Identifier: GPL-2.0
/*
 * /sys/kernel/debug/tdproot/: create and destroy VMs, drive them, read
 * their statistics. Every file is root-only. Input is parsed strictly: a
 * malformed write changes nothing and fails with -EINVAL (-EEXIST for a
 * duplicate VM name, -ENOENT for an unknown one). Only the API in include/
 * is used here.
 */

#include <linux/ctype.h>
#include <linux/debugfs.h>
#include <linux/err.h>
#include <linux/fs.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/uaccess.h>

#include "debugfs.h"
#include <tdproot/mmu.h>
#include <tdproot/vcpu.h>

#define TDP_GUEST_NAME_MAX	32
#define TDP_DEFAULT_MEM		(128ULL << 20)
#define TDP_MAX_FLIP_MS		60000

struct tdp_guest;

/* One debugfs file: what it shows and what it accepts. */
struct tdp_file_op {
	const char *name;
	umode_t mode;
	bool in_hist;
	int (*show)(struct seq_file *m, struct tdp_guest *g, int arg);
	int (*store)(struct tdp_guest *g, char *buf, int arg);
	int arg;
};

struct tdp_file {
	struct tdp_guest *g;		/* NULL for the top-level files */
	const struct tdp_file_op *op;
};

struct tdp_guest {
	struct list_head node;		/* tdp_guests */
	char name[TDP_GUEST_NAME_MAX];
	struct tdp_vm *vm;
	struct tdp_vcpus *vcpus;
	struct dentry *dir;
	bool dying;			/* a destroy is tearing it down */
	struct tdp_file files[];
};

static struct dentry *tdp_debugfs_dir;
static LIST_HEAD(tdp_guests);
/*
 * Guards tdp_guests. Never held while waiting for a VM's operations: a
 * destroy marks its guest dying under it and tears it down without it.
 */
static DEFINE_MUTEX(tdp_guests_lock);

/* ---- parsing ---- */

/*
 * Every refusal logs one ratelimited line that names the file and the piece
 * of input it refuses, and README.md's error table lists them all: a test
 * walks that table, so change both together.
 */

/* Next whitespace-separated token of *s, or NULL at the end. */
static char *tdp_next_token(char **s)
{
	char *tok;

	while ((tok = strsep(s, " \t\n")))
		if (*tok)
			return tok;
	return NULL;
}

static int tdp_parse_u64(const char *s, u64 *out)
{
	/* Digits only (0x for hex): no sign, no suffix. */
	if (!isdigit(*s) || kstrtoull(s, 0, out))
		return -EINVAL;
	return 0;
}

/* SIZE: digits with an optional K, M, G or T suffix (powers of 1024). */
static int tdp_parse_size(const char *s, u64 *out)
{
	static const char suffixes[] = "KMGT";
	size_t len = strlen(s);
	unsigned int shift = 0;
	const char *suffix;
	char digits[24];
	u64 v;

	if (!len || len >= sizeof(digits))
		return -EINVAL;
	suffix = strchr(suffixes, toupper(s[len - 1]));
	if (suffix && *suffix) {
		shift = 10 * (suffix - suffixes + 1);
		len--;
	}
	memcpy(digits, s, len);
	digits[len] = '\0';
	if (!len || strspn(digits, "0123456789") != len || kstrtoull(digits, 10, &v))
		return -EINVAL;
	if (v > (U64_MAX >> shift))
		return -EINVAL;
	*out = v << shift;
	return 0;
}

/* Index of @s in @names, or -EINVAL. */
static int tdp_parse_choice(const char *s, const char *const *names, int nr)
{
	int i;

	for (i = 0; i < nr; i++)
		if (names[i] && !strcmp(s, names[i]))
			return i;
	return -EINVAL;
}

/*
 * Split "key=value" and check the key is known and new; returns its index
 * in @keys, and points *val at the value. @who names the file in messages.
 */
static int tdp_parse_kv(const char *who, char *tok, const char *const *keys, int nr,
			unsigned long *seen, char **val)
{
	char *eq = strchr(tok, '=');
	int k;

	if (!eq || eq == tok || !eq[1]) {
		pr_warn_ratelimited("%s: '%.40s' is not key=value\n", who, tok);
		return -EINVAL;
	}
	*eq = '\0';
	*val = eq + 1;
	k = tdp_parse_choice(tok, keys, nr);
	if (k < 0) {
		pr_warn_ratelimited("%s: unknown key '%.40s'\n", who, tok);
		return -EINVAL;
	}
	if (__test_and_set_bit(k, seen)) {
		pr_warn_ratelimited("%s: %s= given twice\n", who, tok);
		return -EINVAL;
	}
	return k;
}

/* One number of "GFN NR"; @what is "GFN" or "NR". */
static int tdp_parse_range_u64(const char *who, const char *what, const char *tok, u64 *out)
{
	if (!tdp_parse_u64(tok, out))
		return 0;
	pr_warn_ratelimited("%s: %s '%.40s' is not a number below 2^64\n", who, what, tok);
	return -EINVAL;
}

/* "GFN NR" and nothing else, inside a guest of @nr_gfns frames. */
static int tdp_parse_range(const char *who, char *buf, u64 nr_gfns, u64 *gfn, u64 *nr)
{
	char *a = tdp_next_token(&buf);
	char *b = tdp_next_token(&buf);
	char *c = tdp_next_token(&buf);

	if (!b) {
		pr_warn_ratelimited("%s: '%.40s' is not GFN NR\n", who, a ? a : "");
		return -EINVAL;
	}
	if (c) {
		pr_warn_ratelimited("%s: '%.40s' after GFN NR\n", who, c);
		return -EINVAL;
	}
	if (tdp_parse_range_u64(who, "GFN", a, gfn) || tdp_parse_range_u64(who, "NR", b, nr))
		return -EINVAL;
	if (!*nr) {
		pr_warn_ratelimited("%s: NR is 0\n", who);
		return -EINVAL;
	}
	if (*gfn >= nr_gfns || *nr > nr_gfns - *gfn) {
		pr_warn_ratelimited("%s: GFN %llu NR %llu is not inside the guest's %llu frames\n",
				    who, *gfn, *nr, nr_gfns);
		return -EINVAL;
	}
	return 0;
}

/*
 * A VM name: a letter, then letters, digits, '_', '-', '.'; not a top-level
 * file. Create and destroy share the check and its messages.
 */
static bool tdp_name_ok(const char *name)
{
	size_t i, len = strlen(name);
	bool ok = len && len < TDP_GUEST_NAME_MAX && isalpha(name[0]);

	for (i = 1; ok && i < len; i++)
		ok = isalnum(name[i]) || strchr("_.-", name[i]);
	if (!ok) {
		pr_warn_ratelimited("bad name '%.40s': a letter first, then up to %d of [A-Za-z0-9_.-]\n",
				    name, TDP_GUEST_NAME_MAX - 2);
		return false;
	}
	if (!strcmp(name, "create") || !strcmp(name, "destroy") || !strcmp(name, "stats")) {
		pr_warn_ratelimited("bad name '%s': a file of tdproot's has it\n", name);
		return false;
	}
	return true;
}

enum { K_MEM, K_BACKING, K_FORMAT, K_LEVELS, K_POLICY, K_HUGE, K_NR };

static const char *const tdp_create_keys[K_NR] = {
	"mem", "backing", "format", "levels", "policy", "huge",
};

static const char *const tdp_policy_names[] = { "seed", "pinned" };
static const char *const tdp_huge_names[] = { NULL, "4k", "2m", "1g" };
static const char *const tdp_level_names[] = { "4", "5" };

/* The arguments after NAME; the ranges are tdp_vm_params_check()'s. */
static int tdp_parse_create(char *buf, const char *name, struct tdp_vm_params *p)
{
	unsigned long seen = 0;
	char who[48], *tok, *val;
	const char *want;
	int k, v;

	snprintf(who, sizeof(who), "create %s", name);
	*p = (struct tdp_vm_params) {
		.mem_bytes = TDP_DEFAULT_MEM,
		.format = TDP_FMT_EPT,
		.levels = 4,
		.policy = TDP_POLICY_SEED,
		.leaf_level = TDP_PG_LEVEL_4K,
	};

	while ((tok = tdp_next_token(&buf))) {
		k = tdp_parse_kv(who, tok, tdp_create_keys, K_NR, &seen, &val);
		switch (k) {
		case K_MEM:
			v = tdp_parse_size(val, &p->mem_bytes);
			want = "a SIZE (digits, then K, M, G or T if you like; below 16E)";
			break;
		case K_BACKING:
			v = tdp_parse_size(val, &p->backing_bytes);
			want = "a SIZE (digits, then K, M, G or T if you like; below 16E)";
			break;
		case K_FORMAT:
			v = tdp_parse_choice(val, tdp_format_names, ARRAY_SIZE(tdp_format_names));
			p->format = v;
			want = "ept or npt";
			break;
		case K_LEVELS:
			v = tdp_parse_choice(val, tdp_level_names, ARRAY_SIZE(tdp_level_names));
			p->levels = v + 4;
			want = "4 or 5";
			break;
		case K_POLICY:
			v = tdp_parse_choice(val, tdp_policy_names, ARRAY_SIZE(tdp_policy_names));
			p->policy = v;
			want = "seed or pinned";
			break;
		case K_HUGE:
			v = tdp_parse_choice(val, tdp_huge_names, ARRAY_SIZE(tdp_huge_names));
			p->leaf_level = v;
			want = "4k, 2m or 1g";
			break;
		default:
			return -EINVAL;	/* tdp_parse_kv() said why */
		}
		if (v < 0) {
			pr_warn_ratelimited("%s: %s=%.40s is not %s\n", who, tok, val, want);
			return -EINVAL;
		}
	}
	if (!test_bit(K_BACKING, &seen))
		p->backing_bytes = p->mem_bytes;
	return 0;
}

enum { W_PATTERN, W_WRITE_PCT, W_FLIP_MS, W_NR };

static const char *const tdp_workload_keys[W_NR] = { "pattern", "write_pct", "flip_ms" };

static int tdp_parse_workload(const char *who, char *buf, struct tdp_workload *wl)
{
	unsigned long seen = 0;
	char *tok, *val;
	u64 n;
	int k;

	*wl = (struct tdp_workload) { .pattern = TDP_PATTERN_IDLE };
	while ((tok = tdp_next_token(&buf))) {
		k = tdp_parse_kv(who, tok, tdp_workload_keys, W_NR, &seen, &val);
		if (k < 0)
			return -EINVAL;	/* tdp_parse_kv() said why */
		if (k == W_PATTERN) {
			k = tdp_parse_choice(val, tdp_pattern_names, TDP_PATTERN_NR);
			if (k < 0)
				pr_warn_ratelimited("%s: pattern=%.40s is not idle, seq, random or hot\n",
						    who, val);
			wl->pattern = k;
		} else if (k == W_WRITE_PCT) {
			if (tdp_parse_u64(val, &n) || n > 100) {
				pr_warn_ratelimited("%s: write_pct=%.40s is not 0..100\n",
						    who, val);
				k = -EINVAL;
			}
			wl->write_pct = n;
		} else if (k == W_FLIP_MS) {
			if (tdp_parse_u64(val, &n) || n > TDP_MAX_FLIP_MS) {
				pr_warn_ratelimited("%s: flip_ms=%.40s is not 0..%d\n",
						    who, val, TDP_MAX_FLIP_MS);
				k = -EINVAL;
			}
			wl->flip_ms = n;
		}
		if (k < 0)
			return -EINVAL;
	}
	if (!test_bit(W_PATTERN, &seen)) {
		pr_warn_ratelimited("%s: pattern= is missing\n", who);
		return -EINVAL;
	}
	return 0;
}

/* ---- per-VM files ---- */

static int tdp_vcpus_file_show(struct seq_file *m, struct tdp_guest *g, int arg)
{
	seq_printf(m, "%u\n", tdp_vcpus_count(g->vcpus));
	return 0;
}

static int tdp_vcpus_file_store(struct tdp_guest *g, char *buf, int arg)
{
	u64 nr;

	if (tdp_parse_u64(buf, &nr) || nr > TDP_MAX_VCPUS) {
		pr_warn_ratelimited("%s/vcpus: '%.40s' is not 0..%d\n",
				    g->name, buf, TDP_MAX_VCPUS);
		return -EINVAL;
	}
	return tdp_vcpus_set_count(g->vcpus, nr);
}

static int tdp_workload_file_show(struct seq_file *m, struct tdp_guest *g, int arg)
{
	struct tdp_workload wl;

	tdp_vcpus_get_workload(g->vcpus, &wl);
	seq_printf(m, "pattern=%s write_pct=%u flip_ms=%u\n",
		   tdp_pattern_names[wl.pattern], wl.write_pct, wl.flip_ms);
	return 0;
}

static int tdp_workload_file_store(struct tdp_guest *g, char *buf, int arg)
{
	struct tdp_workload wl;
	char who[48];

	snprintf(who, sizeof(who), "%s/workload", g->name);
	if (tdp_parse_workload(who, buf, &wl))
		return -EINVAL;
	tdp_vcpus_set_workload(g->vcpus, &wl);
	return 0;
}

static int tdp_populate_file_store(struct tdp_guest *g, char *buf, int arg)
{
	char who[48];
	u64 gfn, nr;

	snprintf(who, sizeof(who), "%s/populate", g->name);
	if (tdp_parse_range(who, buf, tdp_vm_nr_gfns(g->vm), &gfn, &nr))
		return -EINVAL;
	return tdp_vm_populate(g->vm, gfn, nr);
}

static int tdp_zap_all_file_store(struct tdp_guest *g, char *buf, int arg)
{
	if (strcmp(buf, "1")) {
		pr_warn_ratelimited("%s/zap_all: '%.40s' is not 1\n", g->name, buf);
		return -EINVAL;
	}
	return tdp_vm_zap_all(g->vm);
}

static int tdp_zap_range_file_store(struct tdp_guest *g, char *buf, int arg)
{
	char who[48];
	u64 gfn, nr;

	snprintf(who, sizeof(who), "%s/zap_range", g->name);
	if (tdp_parse_range(who, buf, tdp_vm_nr_gfns(g->vm), &gfn, &nr))
		return -EINVAL;
	return tdp_vm_zap_range(g->vm, gfn, nr);
}

static int tdp_stats_file_show(struct seq_file *m, struct tdp_guest *g, int arg)
{
	tdp_stats_show(m, tdp_vm_stats(g->vm));
	seq_printf(m, "roots_valid %llu\nvcpus %u\nguest_frames %llu\n",
		   tdp_vm_valid_roots(g->vm), tdp_vcpus_count(g->vcpus),
		   tdp_vm_nr_gfns(g->vm));
	return 0;
}

static int tdp_roots_file_show(struct seq_file *m, struct tdp_guest *g, int arg)
{
	tdp_vm_show_roots(m, g->vm);
	return 0;
}

static int tdp_hist_file_show(struct seq_file *m, struct tdp_guest *g, int arg)
{
	tdp_hist_show(m, tdp_vm_stats(g->vm), arg);
	return 0;
}

static int tdp_hist_file_store(struct tdp_guest *g, char *buf, int arg)
{
	if (strcmp(buf, "0")) {
		pr_warn_ratelimited("%s/hist/%s: '%.40s' is not 0 (0 resets it)\n",
				    g->name, tdp_hist_names[arg], buf);
		return -EINVAL;
	}
	tdp_hist_reset(tdp_vm_stats(g->vm), arg);
	return 0;
}

static const struct tdp_file_op tdp_vm_file_ops[] = {
	{ "vcpus", 0600, false, tdp_vcpus_file_show, tdp_vcpus_file_store },
	{ "workload", 0600, false, tdp_workload_file_show, tdp_workload_file_store },
	{ "populate", 0200, false, NULL, tdp_populate_file_store },
	{ "zap_all", 0200, false, NULL, tdp_zap_all_file_store },
	{ "zap_range", 0200, false, NULL, tdp_zap_range_file_store },
	{ "stats", 0400, false, tdp_stats_file_show, NULL },
	{ "roots", 0400, false, tdp_roots_file_show, NULL },
	{ "lock_hold", 0600, true, tdp_hist_file_show, tdp_hist_file_store,
	  TDP_HIST_LOCK_HOLD },
	{ "lock_hold_shared", 0600, true, tdp_hist_file_show, tdp_hist_file_store,
	  TDP_HIST_LOCK_HOLD_SHARED },
	{ "lock_hold_exclusive", 0600, true, tdp_hist_file_show, tdp_hist_file_store,
	  TDP_HIST_LOCK_HOLD_EXCLUSIVE },
	{ "vcpu_stall", 0600, true, tdp_hist_file_show, tdp_hist_file_store,
	  TDP_HIST_VCPU_STALL },
};

/* ---- file operations shared by every file ---- */

/* How messages name @f: "create", "vm0/vcpus", "vm0/hist/lock_hold". */
static const char *tdp_file_path(const struct tdp_file *f, char *buf, size_t len)
{
	if (f->g)
		snprintf(buf, len, "%s/%s%s", f->g->name, f->op->in_hist ? "hist/" : "",
			 f->op->name);
	else
		strscpy(buf, f->op->name, len);
	return buf;
}

static int tdp_file_show(struct seq_file *m, void *unused)
{
	struct tdp_file *f = m->private;

	return f->op->show(m, f->g, f->op->arg);
}

static int tdp_file_open(struct inode *inode, struct file *file)
{
	struct tdp_file *f = inode->i_private;
	char path[64];

	/* Root bypasses the mode bits, so refuse the unsupported direction here. */
	if ((file->f_mode & FMODE_READ) && !f->op->show) {
		pr_warn_ratelimited("%s is write-only\n", tdp_file_path(f, path, sizeof(path)));
		return -EPERM;
	}
	if ((file->f_mode & FMODE_WRITE) && !f->op->store) {
		pr_warn_ratelimited("%s is read-only\n", tdp_file_path(f, path, sizeof(path)));
		return -EPERM;
	}
	return single_open(file, tdp_file_show, f);
}

static ssize_t tdp_file_write(struct file *file, const char __user *ubuf,
			      size_t count, loff_t *ppos)
{
	struct tdp_file *f = ((struct seq_file *)file->private_data)->private;
	char path[64], *buf;
	int ret;

	if (!count) {
		pr_warn_ratelimited("%s: empty write\n", tdp_file_path(f, path, sizeof(path)));
		return -EINVAL;
	}
	if (count >= PAGE_SIZE) {
		pr_warn_ratelimited("%s: %zu bytes, more than %lu\n",
				    tdp_file_path(f, path, sizeof(path)), count, PAGE_SIZE - 1);
		return -EINVAL;
	}
	buf = memdup_user_nul(ubuf, count);
	if (IS_ERR(buf))
		return PTR_ERR(buf);
	/* A NUL inside the write is malformed, not a terminator. */
	if (strlen(buf) != count) {
		pr_warn_ratelimited("%s: a NUL at byte %zu of %zu\n",
				    tdp_file_path(f, path, sizeof(path)), strlen(buf), count);
		ret = -EINVAL;
	} else {
		ret = f->op->store(f->g, strim(buf), f->op->arg);
	}
	kfree(buf);
	return ret ? ret : count;
}

static const struct file_operations tdp_file_fops = {
	.owner = THIS_MODULE,
	.open = tdp_file_open,
	.read = seq_read,
	.llseek = seq_lseek,
	.write = tdp_file_write,
	.release = single_release,
};

/* ---- VMs ---- */

/* debugfs makes directories 0755; tdproot's are root-only like its files. */
static struct dentry *tdp_debugfs_mkdir(const char *name, struct dentry *parent)
{
	struct dentry *d = debugfs_create_dir(name, parent);

	if (!IS_ERR(d))
		d_inode(d)->i_mode = S_IFDIR | 0700;
	return d;
}

static struct tdp_guest *tdp_guest_find(const char *name)
{
	struct tdp_guest *g;

	lockdep_assert_held(&tdp_guests_lock);
	list_for_each_entry(g, &tdp_guests, node)
		if (!strcmp(g->name, name))
			return g;
	return NULL;
}

/* Tear down a guest's files, vCPUs and VM; the guest itself stays. */
static void tdp_guest_teardown(struct tdp_guest *g)
{
	/* Waits for every operation in flight on this guest's files. */
	debugfs_remove_recursive(g->dir);
	g->dir = NULL;
	if (g->vcpus)
		tdp_vcpus_destroy(g->vcpus);
	g->vcpus = NULL;
	if (g->vm)
		tdp_vm_destroy(g->vm);
	g->vm = NULL;
}

/* Tear down and free a guest already off the list. */
static void tdp_guest_free(struct tdp_guest *g)
{
	tdp_guest_teardown(g);
	kfree(g);
}

static int tdp_guest_files(struct tdp_guest *g)
{
	struct dentry *hist = tdp_debugfs_mkdir("hist", g->dir);
	int i;

	if (IS_ERR(hist))
		return PTR_ERR(hist);
	for (i = 0; i < ARRAY_SIZE(tdp_vm_file_ops); i++) {
		const struct tdp_file_op *op = &tdp_vm_file_ops[i];
		struct dentry *d;

		g->files[i] = (struct tdp_file) { .g = g, .op = op };
		d = debugfs_create_file(op->name, op->mode, op->in_hist ? hist : g->dir,
					&g->files[i], &tdp_file_fops);
		if (IS_ERR(d))
			return PTR_ERR(d);
	}
	return 0;
}

/*
 * Every refusal of a create that costs nothing, in the order README.md's
 * table lists them: the name, whether it is taken, the arguments and their
 * ranges, and last whether this machine has the memory. A taken name is
 * -EEXIST whatever follows it.
 */
static int tdp_create_check(char *buf, char **name, struct tdp_vm_params *params)
{
	int ret;

	lockdep_assert_held(&tdp_guests_lock);
	*name = tdp_next_token(&buf);
	if (!*name) {
		pr_warn_ratelimited("create: no NAME; create takes NAME [key=value]...\n");
		return -EINVAL;
	}
	if (!tdp_name_ok(*name))
		return -EINVAL;
	if (tdp_guest_find(*name)) {
		pr_warn_ratelimited("create: %s exists\n", *name);
		return -EEXIST;
	}
	ret = tdp_parse_create(buf, *name, params);
	if (ret)
		return ret;
	return tdp_vm_params_check(params, *name);
}

static int tdp_create_store(struct tdp_guest *unused, char *buf, int arg)
{
	struct tdp_vm_params params;
	struct tdp_guest *g;
	char *name;
	int ret;

	mutex_lock(&tdp_guests_lock);
	ret = tdp_create_check(buf, &name, &params);
	if (ret)
		goto unlock;
	g = kzalloc(struct_size(g, files, ARRAY_SIZE(tdp_vm_file_ops)), GFP_KERNEL);
	if (!g) {
		ret = -ENOMEM;
		goto unlock;
	}
	strscpy(g->name, name, sizeof(g->name));

	g->vm = tdp_vm_create(&params, name);
	if (IS_ERR(g->vm)) {
		ret = PTR_ERR(g->vm);
		g->vm = NULL;
		goto fail;
	}
	g->vcpus = tdp_vcpus_create(g->vm, name);
	if (!g->vcpus) {
		ret = -ENOMEM;
		goto fail;
	}
	g->dir = tdp_debugfs_mkdir(name, tdp_debugfs_dir);
	if (IS_ERR(g->dir)) {
		ret = PTR_ERR(g->dir);
		g->dir = NULL;
		goto fail;
	}
	ret = tdp_guest_files(g);
	if (ret)
		goto fail;
	list_add_tail(&g->node, &tdp_guests);
	mutex_unlock(&tdp_guests_lock);
	return 0;

fail:
	/* A write may already be in flight on the files made so far: stop it. */
	if (g->vm)
		tdp_vm_kill(g->vm);
	tdp_guest_free(g);
unlock:
	mutex_unlock(&tdp_guests_lock);
	return ret;
}

static int tdp_destroy_store(struct tdp_guest *unused, char *buf, int arg)
{
	struct tdp_guest *g;

	if (!tdp_name_ok(buf))
		return -EINVAL;

	/*
	 * The name stays taken (create gets -EEXIST) until the teardown is
	 * over; a second destroy of it gets -ENOENT.
	 */
	mutex_lock(&tdp_guests_lock);
	g = tdp_guest_find(buf);
	if (g && !g->dying) {
		g->dying = true;
		tdp_vm_kill(g->vm);
	} else {
		g = NULL;
	}
	mutex_unlock(&tdp_guests_lock);
	if (!g)
		return -ENOENT;

	/*
	 * Waits for the writes in flight, which stop at their next batch; the
	 * guest leaves the list, freeing its name, only once its VM is gone.
	 */
	tdp_guest_teardown(g);
	mutex_lock(&tdp_guests_lock);
	list_del(&g->node);
	mutex_unlock(&tdp_guests_lock);
	kfree(g);
	return 0;
}

static int tdp_global_stats_show(struct seq_file *m, struct tdp_guest *unused, int arg)
{
	seq_printf(m, "vms %d\n", tdp_vm_count());
	tdp_stats_show(m, &tdp_global_stats);
	return 0;
}

static const struct tdp_file_op tdp_top_file_ops[] = {
	{ "create", 0200, false, NULL, tdp_create_store },
	{ "destroy", 0200, false, NULL, tdp_destroy_store },
	{ "stats", 0400, false, tdp_global_stats_show, NULL },
};

static struct tdp_file tdp_top_files[ARRAY_SIZE(tdp_top_file_ops)];

int tdp_debugfs_init(void)
{
	int i;

	tdp_debugfs_dir = tdp_debugfs_mkdir(KBUILD_MODNAME, NULL);
	if (IS_ERR(tdp_debugfs_dir))
		return PTR_ERR(tdp_debugfs_dir);
	for (i = 0; i < ARRAY_SIZE(tdp_top_file_ops); i++) {
		struct dentry *d;

		tdp_top_files[i].op = &tdp_top_file_ops[i];
		d = debugfs_create_file(tdp_top_file_ops[i].name, tdp_top_file_ops[i].mode,
					tdp_debugfs_dir, &tdp_top_files[i], &tdp_file_fops);
		if (IS_ERR(d)) {
			debugfs_remove_recursive(tdp_debugfs_dir);
			return PTR_ERR(d);
		}
	}
	return 0;
}

void tdp_debugfs_exit(void)
{
	struct tdp_guest *g, *tmp;

	/* Open files pin the module, so no operation is in flight here. */
	debugfs_remove_recursive(tdp_debugfs_dir);
	mutex_lock(&tdp_guests_lock);
	list_for_each_entry_safe(g, tmp, &tdp_guests, node) {
		list_del(&g->node);
		g->dir = NULL;	/* removed with the top directory */
		tdp_guest_free(g);
	}
	mutex_unlock(&tdp_guests_lock);
}
