// SPDX-License-Identifier: GPL-2.0
/*
 * Reliability tests: hostile input to every debugfs file, permissions for
 * non-root users, unloading under load, and injected allocation failures.
 * Run as root in a booted test kernel with tdproot loaded.
 */
#include <ctype.h>
#include <dirent.h>
#include <ftw.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include "tdp_test.h"

#define PARAMS "/sys/module/tdproot/parameters/"

/* ---- hostile input ---- */

struct hostile {
	const char *name;
	const char *buf;
	size_t len;
};

#define H(n, s) { n, s, sizeof(s) - 1 }

static const struct hostile cases[] = {
	H("whitespace", " \t\n "),
	H("garbage", "\x01\xff\x80\x7f\x1b[0m\xfe"),
	H("negative", "-1"),
	H("negative pair", "-1 -1"),
	H("2^64", "18446744073709551616"),
	H("2^64 pair", "18446744073709551616 1"),
	H("unknown key", "unknown=1"),
	H("key twice", "pattern=seq pattern=seq"),
	H("nul inside", "1\0 2"),
	H("huge size", "x mem=18446744073709551615K"),
	H("key no value", "mem="),
	H("only equals", "="),
	H("trailing junk", "1 2 x"),
};

/* Writable files and, for each, what must still be true after the attack. */
static const char *const writable[] = {
	"create", "destroy", "h/vcpus", "h/workload", "h/populate", "h/zap_all",
	"h/zap_range", "h/hist/lock_hold", "h/hist/lock_hold_shared",
	"h/hist/lock_hold_exclusive", "h/hist/vcpu_stall",
};

static const char *const read_only[] = { "stats", "h/stats", "h/roots" };
static const char *const write_only[] = {
	"create", "destroy", "h/populate", "h/zap_all", "h/zap_range",
};

TEST(hostile_input_every_file)
{
	char path[128], *page;
	unsigned int f, c;
	int ret, fd;

	ASSERT_EQ(0, tdp_writef("create", "h mem=16M policy=pinned"));
	page = malloc(8192);
	ASSERT_NE(NULL, page);
	memset(page, '1', 8192);

	for (f = 0; f < ARRAY_SIZE(writable); f++) {
		snprintf(path, sizeof(path), TDP_DIR "/%s", writable[f]);
		for (c = 0; c < ARRAY_SIZE(cases); c++) {
			ret = tdp_write_raw(path, cases[c].buf, cases[c].len);
			EXPECT_GT(0, ret) TH_LOG("%s: '%s' accepted", writable[f], cases[c].name);
		}
		ret = tdp_write_raw(path, page, 4096);
		EXPECT_EQ(-EINVAL, ret) TH_LOG("%s: a page of input gave %d", writable[f], ret);
		ret = tdp_write_raw(path, page, 8192);
		EXPECT_EQ(-EINVAL, ret) TH_LOG("%s: two pages of input gave %d", writable[f], ret);
		ret = tdp_write_raw(path, "", 0);
		EXPECT_EQ(-EINVAL, ret) TH_LOG("%s: an empty write gave %d", writable[f], ret);
	}
	free(page);

	for (f = 0; f < ARRAY_SIZE(write_only); f++) {
		snprintf(path, sizeof(path), TDP_DIR "/%s", write_only[f]);
		fd = open(path, O_RDONLY);
		EXPECT_EQ(-1, fd);
		EXPECT_EQ(EPERM, errno) TH_LOG("reading %s", write_only[f]);
		if (fd >= 0)
			close(fd);
	}
	for (f = 0; f < ARRAY_SIZE(read_only); f++) {
		snprintf(path, sizeof(path), TDP_DIR "/%s", read_only[f]);
		EXPECT_EQ(-EPERM, tdp_write(path, "1")) TH_LOG("writing %s", read_only[f]);
	}

	/* Nothing above changed anything. */
	ASSERT_EQ(1, gstat("vms"));
	ASSERT_EQ(0, tdp_vm_stat("h", "roots_allocated"));
	ASSERT_EQ(0, tdp_vm_stat("h", "vcpus"));
	ASSERT_EQ(0, tdp_vm_stat("h", "zaps_all"));
	ASSERT_EQ(0, tdp_writef("destroy", "h"));
	assert_module_balanced(_metadata);
}

/* ---- permissions ---- */

static int nonroot_opens;

static int try_as_user(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	int fd;

	if (flag != FTW_F)
		return 0;
	fd = open(path, O_RDONLY);
	if (fd >= 0 || errno != EACCES) {
		fprintf(stderr, "# uid 1000 could read %s (errno %d)\n", path, errno);
		nonroot_opens++;
	}
	if (fd >= 0)
		close(fd);
	fd = open(path, O_WRONLY);
	if (fd >= 0 || errno != EACCES) {
		fprintf(stderr, "# uid 1000 could write %s (errno %d)\n", path, errno);
		nonroot_opens++;
	}
	if (fd >= 0)
		close(fd);
	return 0;
}

static int chmod_tree(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	/* Open the directories to others so only the files' own modes decide. */
	if (flag == FTW_D)
		chmod(path, 0755);
	return 0;
}

static int restore_tree(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	if (flag == FTW_D || flag == FTW_DP)
		chmod(path, 0700);
	return 0;
}

TEST(non_root_locked_out)
{
	struct stat st;
	int status, files = 0;
	pid_t pid;

	ASSERT_EQ(0, tdp_writef("create", "perm mem=4M"));
	/* Before the test opens anything up: every file and directory is root-only. */
	ASSERT_EQ(0, stat(TDP_DIR, &st));
	ASSERT_EQ(0U, st.st_mode & 077);
	ASSERT_EQ(0, stat(TDP_DIR "/perm/hist", &st));
	ASSERT_EQ(0U, st.st_mode & 077);

	ASSERT_EQ(0, chmod("/sys/kernel/debug", 0755));
	ASSERT_EQ(0, nftw(TDP_DIR, chmod_tree, 16, FTW_PHYS));
	pid = fork();
	if (pid == 0) {
		if (setgid(1000) || setuid(1000))
			_exit(99);
		nftw(TDP_DIR, try_as_user, 16, FTW_PHYS);
		_exit(nonroot_opens ? 1 : 0);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	nftw(TDP_DIR, restore_tree, 16, FTW_PHYS | FTW_DEPTH);
	chmod("/sys/kernel/debug", 0700);
	ASSERT_TRUE(WIFEXITED(status));
	ASSERT_EQ(0, WEXITSTATUS(status));

	/* The walk really visited files (as root, the same tree). */
	files = access(TDP_DIR "/perm/zap_all", F_OK) == 0;
	ASSERT_EQ(1, files);
	ASSERT_EQ(0, tdp_writef("destroy", "perm"));
}

/* ---- unload and teardown under load ---- */

static void writer_loop(const char *file, const char *text)
{
	/*
	 * Runs until killed; errors are expected once the module goes away.
	 * An open file pins the module, so rest as long as each write took:
	 * on a slow (debug) kernel, writers that never rest would keep some
	 * file open all the time and rmmod could never get in.
	 */
	for (;;) {
		double t = tdp_now();

		tdp_writef(file, "%s", text);
		usleep(500 + (tdp_now() - t) * 1e6);
	}
}

static pid_t spawn_writer(const char *file, const char *text)
{
	pid_t pid = fork();

	if (pid == 0) {
		writer_loop(file, text);
		_exit(0);
	}
	return pid;
}

static void reap(pid_t *pids, int n)
{
	int i;

	for (i = 0; i < n; i++)
		kill(pids[i], SIGKILL);
	for (i = 0; i < n; i++)
		waitpid(pids[i], NULL, 0);
}

static void start_load(struct __test_metadata *_metadata, const char *vm, const char *policy)
{
	char file[64];

	ASSERT_EQ(0, tdp_writef("create", "%s mem=256M backing=4M policy=%s", vm, policy));
	snprintf(file, sizeof(file), "%s/workload", vm);
	ASSERT_EQ(0, tdp_writef(file, "pattern=random write_pct=50 flip_ms=2"));
	snprintf(file, sizeof(file), "%s/vcpus", vm);
	ASSERT_EQ(0, tdp_writef(file, "4"));
}

/* Long tests; teardown leaves no VM behind even after a failed assertion. */
FIXTURE(load) {
	int unused;
};

FIXTURE_SETUP(load)
{
}

FIXTURE_TEARDOWN(load)
{
	static const char *const vms[] = { "u1", "u2", "u3", "d1" };
	unsigned int i;

	if (access(TDP_DIR, F_OK))
		load_module();
	tdp_write(PARAMS "fail_alloc_every", "0");
	tdp_write("/sys/kernel/debug/failslab/probability", "0");
	tdp_write("/sys/kernel/debug/fail_page_alloc/probability", "0");
	tdp_write("/proc/self/make-it-fail", "0");
	for (i = 0; i < ARRAY_SIZE(vms); i++)
		tdp_writef("destroy", "%s", vms[i]);
	for (i = 0; i < 20; i++)
		tdp_writef("destroy", "f%u", i);
}

TEST_F_TIMEOUT(load, unload_under_load, 180)
{
	pid_t pids[4];
	int tries = 0, ret;
	struct stat st;
	double start;

	start_load(_metadata, "u1", "seed");
	start_load(_metadata, "u2", "pinned");
	ASSERT_EQ(0, tdp_writef("u2/populate", "0 20000"));
	pids[0] = spawn_writer("u1/zap_all", "1");
	pids[1] = spawn_writer("u2/zap_range", "0 30000");
	pids[2] = spawn_writer("u2/populate", "0 50000");
	pids[3] = spawn_writer("destroy", "u1");
	usleep(300000);

	/* Open files pin the module: retry until it lets go, without stopping the load. */
	start = tdp_now();
	do {
		ret = syscall(SYS_delete_module, "tdproot", O_NONBLOCK);
		if (ret)
			usleep(200);
		tries++;
	} while (ret && (errno == EWOULDBLOCK || errno == EBUSY) && tdp_now() - start < 90);
	ASSERT_EQ(0, ret) TH_LOG("delete_module: %s after %d tries", strerror(errno), tries);
	TH_LOG("rmmod got in after %d tries, %.1fs", tries, tdp_now() - start);
	reap(pids, 4);
	ASSERT_EQ(-1, stat(TDP_DIR, &st));

	/* Load again and run again. */
	ASSERT_EQ(0, load_module());
	start_load(_metadata, "u3", "seed");
	ASSERT_LE(1000, tdp_wait_stat("u3", "accesses", 1000, 20));
	ASSERT_EQ(0, tdp_writef("u3/zap_all", "1"));
	ASSERT_EQ(0, tdp_writef("destroy", "u3"));
	assert_module_balanced(_metadata);
}

TEST_F_TIMEOUT(load, destroy_while_zapping, 120)
{
	pid_t pids[2];
	int i;

	for (i = 0; i < 5; i++) {
		start_load(_metadata, "d1", i % 2 ? "seed" : "pinned");
		ASSERT_EQ(0, tdp_writef("d1/populate", "0 30000"));
		pids[0] = spawn_writer("d1/zap_all", "1");
		pids[1] = spawn_writer("d1/zap_range", "0 65536");
		usleep(50000 + i * 20000);
		/* Waits for the zaps in flight, stops the vCPUs, tears down. */
		ASSERT_EQ(0, tdp_writef("destroy", "d1"));
		reap(pids, 2);
	}
	assert_module_balanced(_metadata);
}

/* ---- allocation failure ---- */

static void set_param(struct __test_metadata *_metadata, const char *name, const char *val)
{
	char path[128];

	snprintf(path, sizeof(path), PARAMS "%s", name);
	ASSERT_EQ(0, tdp_write(path, val));
}

TEST_F_TIMEOUT(load, allocation_failures, 120)
{
	int enomem = 0, ok = 0, i, ret;

	set_param(_metadata, "fail_alloc_sites", "7");
	set_param(_metadata, "fail_alloc_every", "13");

	/* VM creation fails cleanly or succeeds. */
	for (i = 0; i < 20; i++) {
		ret = tdp_writef("create", "f%d mem=16M backing=16K", i);
		if (ret == -ENOMEM)
			enomem++;
		else if (!ret)
			ok++;
		else
			ASSERT_EQ(0, ret);
	}
	ASSERT_LT(0, enomem);
	ASSERT_LT(0, ok);

	/* Faults under failing allocations: populate returns -ENOMEM or succeeds. */
	for (i = 0; i < 20; i++) {
		char file[32];

		snprintf(file, sizeof(file), "f%d/populate", i);
		ret = tdp_writef(file, "0 4096");
		ASSERT_TRUE(ret == 0 || ret == -ENOMEM || ret == -ENOENT)
			TH_LOG("populate: %d", ret);
		snprintf(file, sizeof(file), "f%d/vcpus", i);
		if (!tdp_writef(file, "2")) {
			snprintf(file, sizeof(file), "f%d/workload", i);
			ASSERT_EQ(0, tdp_writef(file, "pattern=random flip_ms=1"));
		}
	}
	sleep(3);
	for (i = 0; i < 20; i++) {
		char file[32];

		snprintf(file, sizeof(file), "f%d/zap_all", i);
		tdp_writef(file, "1");
	}
	set_param(_metadata, "fail_alloc_every", "0");
	ASSERT_LT(0, gstat("faults"));
	for (i = 0; i < 20; i++) {
		ret = tdp_writef("destroy", "f%d", i);
		ASSERT_TRUE(ret == 0 || ret == -ENOENT);
	}
	assert_module_balanced(_metadata);
	ASSERT_EQ(gstat("roots_allocated"), gstat("roots_freed"));
	ASSERT_EQ(gstat("pt_pages_allocated"), gstat("pt_pages_freed"));
}

/*
 * Point the kernel's fault injection at @pid (0: this task). Once this task
 * is marked, its own syscalls fail too, turning it off included: retry.
 */
static int make_it_fail(pid_t pid, const char *on)
{
	char path[64];
	int i, ret = -ENOMEM;

	if (pid)
		snprintf(path, sizeof(path), "/proc/%d/make-it-fail", pid);
	else
		snprintf(path, sizeof(path), "/proc/self/make-it-fail");
	for (i = 0; i < 1000 && ret == -ENOMEM; i++)
		ret = tdp_write(path, on);
	return ret;
}

/* access() under injection: -ENOMEM is an answer about memory, not the file. */
static int exists_under_injection(const char *path)
{
	int i;

	for (i = 0; i < 1000; i++) {
		if (!access(path, F_OK))
			return 0;
		if (errno != ENOMEM)
			return -errno;
	}
	return -ENOMEM;
}

/* Every vCPU thread of @vm: their comm is "tdproot/VM/N". */
static int mark_vcpus(const char *vm, const char *on)
{
	char prefix[32], path[300], *comm;
	struct dirent *d;
	DIR *proc;
	int n = 0;

	snprintf(prefix, sizeof(prefix), "tdproot/%s/", vm);
	proc = opendir("/proc");
	while (proc && (d = readdir(proc))) {
		if (!isdigit(d->d_name[0]))
			continue;
		snprintf(path, sizeof(path), "/proc/%s/comm", d->d_name);
		comm = tdp_read(path);
		if (comm && !strncmp(comm, prefix, strlen(prefix)) &&
		    !make_it_fail(atoi(d->d_name), on))
			n++;
		free(comm);
	}
	if (proc)
		closedir(proc);
	return n;
}

static void fault_attr(const char *attr, const char *prob)
{
	static const char *const knobs[][2] = {
		{ "interval", "1" }, { "times", "-1" }, { "task-filter", "Y" },
		{ "verbose", "0" },
	};
	char path[128];
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(knobs); i++) {
		snprintf(path, sizeof(path), "/sys/kernel/debug/%s/%s", attr, knobs[i][0]);
		tdp_write(path, knobs[i][1]);
	}
	snprintf(path, sizeof(path), "/sys/kernel/debug/%s/ignore-gfp-wait", attr);
	tdp_write(path, "N");
	snprintf(path, sizeof(path), "/sys/kernel/debug/%s/probability", attr);
	tdp_write(path, prob);
}

/*
 * Under injection even opening "destroy" can fail (the open allocates), so
 * -ENOMEM is a clean answer that leaves the VM in place: try again. Any other
 * error, or a VM that never goes away, fails the test.
 */
static int destroy_under_injection(struct __test_metadata *_metadata, const char *vm)
{
	char seq[256] = "";
	int i, ret = -ENOMEM;
	size_t len = 0;

	for (i = 0; i < 1000 && ret == -ENOMEM; i++) {
		ret = tdp_writef("destroy", vm);
		if (len < sizeof(seq) - 16)
			len += snprintf(seq + len, sizeof(seq) - len, " %d", ret);
	}
	EXPECT_TRUE(ret == 0 || ret == -ENOMEM) TH_LOG("destroy %s answered:%s", vm, seq);
	return ret;
}

/* The debug kernel's failslab and fail_page_alloc, aimed at tdproot's tasks. */
TEST_F_TIMEOUT(load, failslab_and_fail_page_alloc, 300)
{
	int i, ret, enomem = 0, created = 0;

	if (access("/sys/kernel/debug/failslab", F_OK) ||
	    access("/sys/kernel/debug/fail_page_alloc", F_OK))
		SKIP(return, "kernel without FAILSLAB and FAIL_PAGE_ALLOC");

	ASSERT_EQ(0, tdp_writef("create", "d1 mem=64M backing=1M policy=seed"));
	ASSERT_EQ(0, tdp_writef("d1/workload", "pattern=random flip_ms=1"));
	ASSERT_EQ(0, tdp_writef("d1/vcpus", "2"));
	ASSERT_EQ(2, mark_vcpus("d1", "1"));
	fault_attr("failslab", "10");
	fault_attr("fail_page_alloc", "10");
	ASSERT_EQ(0, make_it_fail(0, "1"));
	for (i = 0; i < 20; i++) {
		ret = tdp_writef("d1/populate", "0 4096");
		enomem += ret == -ENOMEM;
		ASSERT_TRUE(ret == 0 || ret == -ENOMEM) TH_LOG("populate: %d", ret);
		ret = tdp_writef("create", "u1 mem=4M");
		ASSERT_TRUE(ret == 0 || ret == -ENOMEM) TH_LOG("create: %d", ret);
		if (ret)
			continue;
		created++;
		ASSERT_EQ(0, exists_under_injection(TDP_DIR "/u1/stats"));
		ASSERT_EQ(0, destroy_under_injection(_metadata, "u1"));
	}
	ASSERT_EQ(0, make_it_fail(0, "0"));
	sleep(1);
	mark_vcpus("d1", "0");
	fault_attr("failslab", "0");
	fault_attr("fail_page_alloc", "0");
	TH_LOG("%d of 20 populates failed with -ENOMEM; %d of 20 creates succeeded",
	       enomem, created);
	ASSERT_LT(0, enomem);
	ASSERT_EQ(0, tdp_writef("d1/vcpus", "0"));
	ASSERT_EQ(0, tdp_writef("destroy", "d1"));
	ASSERT_EQ(-ENOENT, tdp_writef("destroy", "u1"));
	assert_module_balanced(_metadata);
}

TEST_HARNESS_MAIN
