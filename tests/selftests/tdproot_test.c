// SPDX-License-Identifier: GPL-2.0
/*
 * tdproot's test suite, run as root in a booted test kernel with the module
 * loaded. Every test asserts counters the module reports through debugfs.
 */
#include <ftw.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <sys/wait.h>

#include "tdp_test.h"

/* ---- module load, debugfs, unload ---- */

static int bad_modes;

static int check_mode(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	if ((st->st_mode & 077) || st->st_uid != 0) {
		fprintf(stderr, "# not root-only: %s mode %o uid %d\n", path,
			st->st_mode & 0777, st->st_uid);
		bad_modes++;
	}
	return 0;
}

TEST(debugfs_root_only)
{
	int files_before = bad_modes;

	tdp_clean_slate(_metadata);
	ASSERT_EQ(0, tdp_write(TDP_DIR "/create", "modes mem=4M"));
	ASSERT_EQ(0, nftw(TDP_DIR, check_mode, 16, FTW_PHYS));
	ASSERT_EQ(0, tdp_write(TDP_DIR "/destroy", "modes"));
	ASSERT_EQ(files_before, bad_modes);
	/* The walk saw the per-VM files and the histograms. */
	ASSERT_EQ(0, access(TDP_DIR "/stats", F_OK));
}

static int run_status(const char *cmd)
{
	int status = system(cmd);

	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

TEST(unload_and_reload)
{
	struct stat st;

	tdp_clean_slate(_metadata);
	ASSERT_EQ(0, tdp_write(TDP_DIR "/create", "gone mem=4M"));
	ASSERT_EQ(0, tdp_writef("gone/populate", "0 64"));
	/* Unloading with a VM alive must tear it down cleanly. */
	ASSERT_EQ(0, syscall(SYS_delete_module, "tdproot", O_NONBLOCK));
	ASSERT_EQ(-1, stat(TDP_DIR, &st));
	ASSERT_EQ(ENOENT, errno);
	/* The stress tool says what is missing and exits 2. */
	ASSERT_EQ(2, run_status("tdproot-stress --duration 1 >/dev/null 2>&1"));
	ASSERT_EQ(0, load_module());
	ASSERT_EQ(0, stat(TDP_DIR "/create", &st));
	ASSERT_EQ(-EEXIST, load_module());
	/* A fresh module starts from zero. */
	ASSERT_EQ(0, gstat("roots_allocated"));
	assert_module_balanced(_metadata);
}

/* ---- exact page-table and leaf counts after populate ---- */

FIXTURE(counts) {
	char name[32];
};

FIXTURE_VARIANT(counts) {
	const char *args;
	unsigned long long nr;		/* frames to populate from 0 */
	long long pt_pages;		/* root included */
	long long leaves;
};

FIXTURE_VARIANT_ADD(counts, ept4_4k) {
	.args = "format=ept levels=4 huge=4k mem=16M", .nr = 1024,
	.pt_pages = 1 + 2 + 2, .leaves = 1024,
};

FIXTURE_VARIANT_ADD(counts, ept5_4k) {
	.args = "format=ept levels=5 huge=4k mem=16M", .nr = 1024,
	.pt_pages = 1 + 3 + 2, .leaves = 1024,
};

FIXTURE_VARIANT_ADD(counts, npt4_4k) {
	.args = "format=npt levels=4 huge=4k mem=16M backing=1M", .nr = 4096,
	.pt_pages = 1 + 2 + 8, .leaves = 4096,
};

FIXTURE_VARIANT_ADD(counts, npt5_4k) {
	.args = "format=npt levels=5 huge=4k mem=16M", .nr = 1,
	.pt_pages = 1 + 4, .leaves = 1,
};

FIXTURE_VARIANT_ADD(counts, ept4_2m) {
	.args = "format=ept levels=4 huge=2m mem=64M backing=4M", .nr = 16384,
	.pt_pages = 1 + 2, .leaves = 32,
};

FIXTURE_VARIANT_ADD(counts, npt5_2m) {
	.args = "format=npt levels=5 huge=2m mem=64M backing=4M", .nr = 16384,
	.pt_pages = 1 + 3, .leaves = 32,
};

FIXTURE_VARIANT_ADD(counts, ept4_1g) {
	.args = "format=ept levels=4 huge=1g mem=4G backing=2M", .nr = 1ULL << 20,
	.pt_pages = 1 + 1, .leaves = 4,
};

FIXTURE_VARIANT_ADD(counts, npt5_1g) {
	.args = "format=npt levels=5 huge=1g mem=4G backing=2M", .nr = 1ULL << 20,
	.pt_pages = 1 + 2, .leaves = 4,
};

FIXTURE_SETUP(counts)
{
	tdp_clean_slate(_metadata);
	snprintf(self->name, sizeof(self->name), "counts");
	ASSERT_EQ(0, tdp_writef("create", "%s policy=pinned %s", self->name, variant->args));
}

FIXTURE_TEARDOWN(counts)
{
	EXPECT_EQ(0, tdp_writef("destroy", "%s", self->name));
	assert_module_balanced(_metadata);
}

TEST_F(counts, populate_then_zap_all)
{
	char path[128], *roots;
	long long pt;
	int refs, invalid, n;

	ASSERT_EQ(0, tdp_writef("counts/populate", "0 %llu", variant->nr));
	ASSERT_EQ(variant->pt_pages, tdp_vm_stat(self->name, "pt_pages_live"));
	ASSERT_EQ(variant->leaves, tdp_vm_stat(self->name, "leaf_sptes"));
	ASSERT_EQ(1, tdp_vm_stat(self->name, "roots_live"));
	ASSERT_EQ(1, tdp_vm_stat(self->name, "roots_valid"));

	/* Populating again finds everything mapped. */
	ASSERT_EQ(0, tdp_writef("counts/populate", "0 %llu", variant->nr));
	ASSERT_EQ(variant->pt_pages, tdp_vm_stat(self->name, "pt_pages_live"));

	/* The dump walks the root and agrees; only the MMU holds it. */
	snprintf(path, sizeof(path), TDP_DIR "/%s/roots", self->name);
	roots = tdp_read(path);
	ASSERT_NE(NULL, roots);
	n = sscanf(strchr(roots, '\n') + 1, "%*u %*s %d %d %lld", &refs, &invalid, &pt);
	ASSERT_EQ(3, n);
	free(roots);
	ASSERT_EQ(1, refs);
	ASSERT_EQ(0, invalid);
	ASSERT_EQ(variant->pt_pages, pt);

	ASSERT_EQ(0, tdp_writef("counts/zap_all", "1"));
	ASSERT_EQ(0, tdp_vm_stat(self->name, "roots_valid"));
	ASSERT_EQ(0, tdp_vm_stat(self->name, "roots_live"));
	ASSERT_EQ(0, tdp_vm_stat(self->name, "pt_pages_live"));
	ASSERT_EQ(0, tdp_vm_stat(self->name, "leaf_sptes"));
	ASSERT_EQ(1, tdp_vm_stat(self->name, "root_zaps"));
	ASSERT_EQ(1, tdp_vm_stat(self->name, "roots_freed"));
}

/* ---- the two policies ---- */

FIXTURE(policy) {
	char name[32];
};

FIXTURE_VARIANT(policy) {
	const char *policy;
	bool seed;
};

FIXTURE_VARIANT_ADD(policy, seed) { .policy = "seed", .seed = true };

FIXTURE_VARIANT_ADD(policy, pinned) { .policy = "pinned", .seed = false };

FIXTURE_SETUP(policy)
{
	tdp_clean_slate(_metadata);
	snprintf(self->name, sizeof(self->name), "pol");
	ASSERT_EQ(0, tdp_writef("create", "pol mem=64M backing=8M policy=%s", variant->policy));
}

FIXTURE_TEARDOWN(policy)
{
	EXPECT_EQ(0, tdp_writef("pol/vcpus", "0"));
	EXPECT_EQ(0, tdp_writef("destroy", "pol"));
	EXPECT_EQ(0, gstat("vms"));
	EXPECT_EQ(0, gstat("roots_live"));
	EXPECT_EQ(0, gstat("pt_pages_live"));
	EXPECT_EQ(0, gstat("integrity_errors"));
	EXPECT_EQ(0, gstat("invariant_errors"));
}

/*
 * The seed's put path: populate holds the only reference, so its final put
 * is a last put on a valid root: invalidate, zap once, free.
 */
TEST_F(policy, populate_last_put)
{
	ASSERT_EQ(0, tdp_writef("pol/populate", "0 2048"));
	ASSERT_EQ(1, tdp_vm_stat("pol", "roots_allocated"));
	ASSERT_EQ(2048, tdp_vm_stat("pol", "faults"));
	if (variant->seed) {
		ASSERT_EQ(1, tdp_vm_stat("pol", "root_invalidations"));
		ASSERT_EQ(1, tdp_vm_stat("pol", "root_zaps"));
		ASSERT_EQ(1, tdp_vm_stat("pol", "roots_freed"));
		ASSERT_EQ(0, tdp_vm_stat("pol", "pt_pages_live"));
		ASSERT_EQ(0, tdp_vm_stat("pol", "leaf_sptes"));
	} else {
		/* The MMU's reference keeps the root and its mappings. */
		ASSERT_EQ(0, tdp_vm_stat("pol", "root_zaps"));
		ASSERT_EQ(1, tdp_vm_stat("pol", "roots_live"));
		ASSERT_EQ(2048, tdp_vm_stat("pol", "leaf_sptes"));
	}
	/* A zap_all finds nothing valid (seed) or ends the root (pinned). */
	ASSERT_EQ(0, tdp_writef("pol/zap_all", "1"));
	ASSERT_EQ(1, tdp_vm_stat("pol", "root_zaps"));
	ASSERT_EQ(0, tdp_vm_stat("pol", "roots_live"));
	ASSERT_EQ(0, tdp_vm_stat("pol", "pt_pages_live"));
	ASSERT_EQ(0, tdp_vm_stat("pol", "invariant_errors"));
}

/* vCPUs reload onto one fresh shared root; the old one is zapped and freed. */
TEST_F_TIMEOUT(policy, zap_all_reloads_vcpus, 90)
{
	char *roots, path[64] = TDP_DIR "/pol/roots";
	unsigned long long id_before, id_after;
	long long reloads;
	int n;

	ASSERT_EQ(0, tdp_writef("pol/workload", "pattern=random write_pct=50"));
	ASSERT_EQ(0, tdp_writef("pol/vcpus", "3"));
	ASSERT_LT(1000, tdp_wait_stat("pol", "faults", 1000, 20));
	ASSERT_EQ(1, tdp_vm_stat("pol", "roots_live"));
	roots = tdp_read(path);
	n = sscanf(strchr(roots, '\n') + 1, "%llu", &id_before);
	ASSERT_EQ(1, n);
	free(roots);

	reloads = tdp_vm_stat("pol", "vcpu_reloads");
	ASSERT_EQ(0, tdp_writef("pol/zap_all", "1"));
	/* Returned only after every vCPU reloaded and the old root was freed. */
	ASSERT_LE(reloads + 3, tdp_vm_stat("pol", "vcpu_reloads"));
	ASSERT_EQ(1, tdp_vm_stat("pol", "roots_live"));
	ASSERT_EQ(1, tdp_vm_stat("pol", "root_zaps"));
	roots = tdp_read(path);
	n = sscanf(strchr(roots, '\n') + 1, "%llu", &id_after);
	ASSERT_EQ(1, n);
	free(roots);
	ASSERT_LT(id_before, id_after);

	/* The vCPUs keep running on the new root. */
	reloads = tdp_vm_stat("pol", "accesses");
	if (tdp_wait_stat("pol", "accesses", reloads + 1000, 20) < reloads + 1000)
		TH_LOG("vCPUs made no progress after zap_all: %lld accesses in 20 s",
		       tdp_vm_stat("pol", "accesses") - reloads);
	ASSERT_LE(reloads + 1000, tdp_vm_stat("pol", "accesses"));

	ASSERT_EQ(0, tdp_writef("pol/vcpus", "0"));
	if (variant->seed) {
		/* The last vCPU's put was the root's last put. */
		ASSERT_EQ(0, tdp_vm_stat("pol", "roots_live"));
		ASSERT_EQ(2, tdp_vm_stat("pol", "root_zaps"));
	} else {
		ASSERT_EQ(1, tdp_vm_stat("pol", "roots_live"));
	}
	ASSERT_EQ(0, tdp_vm_stat("pol", "integrity_errors"));
}

/*
 * Idle vCPUs answer zap_all's reload without touching memory: the root they
 * take must be a new one. Were it the invalid root they left, everyone who
 * loads the VM's root after them (populate here, a vCPU's next fault) would
 * be handed it again, fault, reload and never finish.
 */
TEST_F_TIMEOUT(policy, idle_vcpus_leave_the_invalid_root, 60)
{
	ASSERT_EQ(0, tdp_writef("pol/workload", "pattern=idle"));
	ASSERT_EQ(0, tdp_writef("pol/vcpus", "2"));
	ASSERT_EQ(1, tdp_wait_stat("pol", "roots_live", 1, 10));
	ASSERT_EQ(0, tdp_writef("pol/populate", "0 4096"));
	ASSERT_EQ(4096, tdp_vm_stat("pol", "leaf_sptes"));

	ASSERT_EQ(0, tdp_writef("pol/zap_all", "1"));
	ASSERT_EQ(0, tdp_vm_stat("pol", "leaf_sptes"));
	ASSERT_EQ(0, tdp_writef("pol/populate", "0 4096"));
	ASSERT_EQ(4096, tdp_vm_stat("pol", "leaf_sptes"));
	ASSERT_EQ(1, tdp_vm_stat("pol", "roots_live"));
	ASSERT_EQ(1, tdp_vm_stat("pol", "roots_valid"));
	ASSERT_EQ(0, tdp_vm_stat("pol", "integrity_errors"));
}

/* zap_range removes exactly the range, in every root, and flushes every TLB. */
TEST_F_TIMEOUT(policy, zap_range_flushes, 90)
{
	long long flushes, leaves;

	ASSERT_EQ(0, tdp_writef("pol/workload", "pattern=idle"));
	ASSERT_EQ(0, tdp_writef("pol/vcpus", "2"));
	ASSERT_EQ(1, tdp_wait_stat("pol", "roots_live", 1, 10));
	ASSERT_EQ(0, tdp_writef("pol/populate", "0 4096"));
	/* The idle vCPUs hold the root, so it survives populate's put. */
	ASSERT_EQ(4096, tdp_vm_stat("pol", "leaf_sptes"));
	flushes = tdp_vm_stat("pol", "tlb_flushes");
	ASSERT_EQ(0, tdp_writef("pol/zap_range", "100 1000"));
	ASSERT_EQ(3096, tdp_vm_stat("pol", "leaf_sptes"));
	EXPECT_EQ(flushes + 2, tdp_vm_stat("pol", "tlb_flushes"));

	/*
	 * Running vCPUs flush too, and fault the range back in. They hit
	 * their TLBs on the hot frames: an entry used after a zap_range of it
	 * returned is an integrity error.
	 */
	ASSERT_EQ(0, tdp_writef("pol/workload", "pattern=hot"));
	leaves = tdp_wait_stat("pol", "accesses", 10000, 20);
	ASSERT_LE(10000, leaves);
	for (int i = 0; i < 20; i++) {
		flushes = tdp_vm_stat("pol", "tlb_flushes");
		ASSERT_EQ(0, tdp_writef("pol/zap_range", "0 512"));
		usleep(10000);
		ASSERT_EQ(0, tdp_vm_stat("pol", "integrity_errors"));
		EXPECT_LE(flushes + 2, tdp_vm_stat("pol", "tlb_flushes"));
	}
	ASSERT_EQ(21, tdp_vm_stat("pol", "zaps_range"));
}

/* ---- concurrency ---- */

static pid_t spawn(void (*fn)(const char *), const char *arg)
{
	pid_t pid = fork();

	if (pid == 0) {
		fn(arg);
		_exit(0);
	}
	return pid;
}

/* Background loops run until killed; they exit 1 only if a write fails. */
static void loop_setup(void)
{
	srand(getpid());
}

static void zap_all_loop(const char *vm)
{
	loop_setup();
	for (;;) {
		if (tdp_writef("stress/zap_all", "1"))
			_exit(1);
		usleep(rand() % 20000);
	}
}

static void zap_range_loop(const char *file)
{
	loop_setup();
	for (;;) {
		if (tdp_writef(file, "%d %d", rand() % 14000, 1 + rand() % 2048))
			_exit(1);
		usleep(rand() % 5000);
	}
}

static void churn_loop(const char *policy)
{
	loop_setup();
	for (;;) {
		if (tdp_writef("create", "churn mem=32M backing=2M policy=%s", policy) ||
		    tdp_writef("churn/workload", "pattern=random flip_ms=2") ||
		    tdp_writef("churn/vcpus", "2") ||
		    tdp_writef("churn/populate", "0 1024"))
			_exit(1);
		usleep(rand() % 50000);
		if (tdp_writef("destroy", "churn"))
			_exit(1);
	}
}

static void migrate_loop(const char *file)
{
	loop_setup();
	for (;;)
		if (tdp_writef(file, "%d %d", rand() % 1000, 1 + rand() % 24))
			_exit(1);
}

/* Reads @file (a dirty log) every few ms; exits 1 if a read fails. */
static void dirty_loop(const char *file)
{
	char path[128], *log;

	snprintf(path, sizeof(path), TDP_DIR "/%s", file);
	for (;;) {
		log = tdp_read(path);
		if (!log || strncmp(log, "frames ", 7))
			_exit(1);
		free(log);
		usleep(20000);
	}
}

static void stop_all(struct __test_metadata *_metadata, pid_t *pids, int n)
{
	int i, status;

	for (i = 0; i < n; i++)
		kill(pids[i], SIGKILL);
	for (i = 0; i < n; i++) {
		ASSERT_EQ(pids[i], waitpid(pids[i], &status, 0));
		/* Killed mid-loop, not exited after a failed write. */
		EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
	}
}

FIXTURE(stress) {
	int unused;
};

FIXTURE_VARIANT(stress) {
	const char *policy;
	const char *args;
};

FIXTURE_VARIANT_ADD(stress, seed) { .policy = "seed", .args = "mem=64M backing=4M" };

FIXTURE_VARIANT_ADD(stress, pinned) { .policy = "pinned", .args = "mem=64M backing=4M" };

FIXTURE_VARIANT_ADD(stress, seed_npt_2m) {
	.policy = "seed", .args = "mem=64M backing=4M format=npt huge=2m",
};

FIXTURE_VARIANT_ADD(stress, pinned_npt_4k) {
	.policy = "pinned", .args = "mem=64M backing=4M format=npt levels=5",
};

FIXTURE_VARIANT_ADD(stress, pinned_ept_1g) {
	.policy = "pinned", .args = "mem=2G backing=2M huge=1g",
};

FIXTURE_SETUP(stress)
{
	tdp_clean_slate(_metadata);
	ASSERT_EQ(0, race_amplifier(TDP_RACE_DELAY_US));
	ASSERT_EQ(0, tdp_writef("create", "stress %s policy=%s", variant->args, variant->policy));
}

FIXTURE_TEARDOWN(stress)
{
	tdp_writef("stress/vcpus", "0");
	tdp_writef("destroy", "stress");
	tdp_writef("destroy", "churn");
	race_amplifier(0);
	assert_module_balanced(_metadata);
}

TEST_F_TIMEOUT(stress, flips_zaps_churn, 120)
{
	pid_t pids[5];
	double end;
	char *log;

	ASSERT_EQ(0, tdp_writef("stress/workload", "pattern=random write_pct=30 flip_ms=3"));
	ASSERT_EQ(0, tdp_writef("stress/vcpus", "4"));
	pids[0] = spawn(zap_all_loop, NULL);
	pids[1] = spawn(zap_range_loop, "stress/zap_range");
	pids[2] = spawn(churn_loop, variant->policy);
	pids[3] = spawn(migrate_loop, "stress/migrate");
	pids[4] = spawn(dirty_loop, "stress/dirty");
	end = tdp_now() + 10;
	while (tdp_now() < end)
		usleep(100000);
	stop_all(_metadata, pids, 5);
	/* The last harvest, with the vCPUs stopped: nothing written may be missing. */
	ASSERT_EQ(0, tdp_writef("stress/vcpus", "0"));
	log = tdp_read(TDP_DIR "/stress/dirty");
	ASSERT_NE(NULL, log);
	free(log);

	ASSERT_LT(0, tdp_vm_stat("stress", "migrated_frames"));
	ASSERT_LT(0, tdp_vm_stat("stress", "dirty_frames"));
	ASSERT_EQ(0, tdp_vm_stat("stress", "lost_writes"));
	ASSERT_LT(0, tdp_vm_stat("stress", "zaps_all"));
	ASSERT_LT(0, tdp_vm_stat("stress", "zaps_range"));
	ASSERT_LT(0, tdp_vm_stat("stress", "role_flips"));
	ASSERT_LT(0, tdp_vm_stat("stress", "accesses"));
	ASSERT_EQ(0, tdp_vm_stat("stress", "integrity_errors"));
	ASSERT_EQ(0, tdp_vm_stat("stress", "invariant_errors"));
	TH_LOG("faults %lld accesses %lld zaps_all %lld zaps_range %lld",
	       tdp_vm_stat("stress", "faults"), tdp_vm_stat("stress", "accesses"),
	       tdp_vm_stat("stress", "zaps_all"), tdp_vm_stat("stress", "zaps_range"));
	TH_LOG("flips %lld roots %lld yields %lld",
	       tdp_vm_stat("stress", "role_flips"), tdp_vm_stat("stress", "roots_allocated"),
	       tdp_vm_stat("stress", "zap_yields"));
	TH_LOG("migrated %lld fault_retries_invalidate %lld dirty_frames %lld",
	       tdp_vm_stat("stress", "migrated_frames"),
	       tdp_vm_stat("stress", "fault_retries_invalidate"),
	       tdp_vm_stat("stress", "dirty_frames"));

	ASSERT_EQ(0, tdp_writef("stress/vcpus", "0"));
	ASSERT_EQ(0, tdp_writef("destroy", "stress"));
	tdp_writef("destroy", "churn");
	/* Every root and table allocated anywhere was freed. */
	ASSERT_EQ(gstat("roots_allocated"), gstat("roots_freed"));
	ASSERT_EQ(gstat("pt_pages_allocated"), gstat("pt_pages_freed"));
}

/* A big root zapped while vCPUs and a range zapper compete for CPU and lock. */
static bool preempt_rt(void)
{
	struct utsname u;

	return !uname(&u) && strstr(u.version, "PREEMPT_RT");
}

FIXTURE(bigzap) {
	int unused;
};

FIXTURE_SETUP(bigzap)
{
	tdp_clean_slate(_metadata);
	/*
	 * Big enough that its zap spans several scheduler ticks even on a fast,
	 * idle host: a zap that ends within one tick may never be asked to
	 * resched (6.12's voluntary model never reports a waiting writer).
	 */
	ASSERT_EQ(0, tdp_writef("create", "bigzap mem=8G backing=4M policy=pinned"));
}

FIXTURE_TEARDOWN(bigzap)
{
	tdp_writef("bigzap/vcpus", "0");
	tdp_writef("destroy", "bigzap");
	assert_module_balanced(_metadata);
}

/* A big root zapped while vCPUs and a range zapper compete for CPU and lock. */
TEST_F_TIMEOUT(bigzap, yields_under_contention, 300)
{
	long long yields, accesses, zap_ns, longest_hold_ns;
	pid_t pid;

	ASSERT_EQ(0, tdp_writef("bigzap/populate", "0 2097152"));
	ASSERT_EQ(2097152, tdp_vm_stat("bigzap", "leaf_sptes"));
	/* More runnable vCPUs than CPUs: the zapper is asked to resched. */
	ASSERT_EQ(0, tdp_writef("bigzap/workload", "pattern=random"));
	ASSERT_EQ(0, tdp_writef("bigzap/vcpus", "4"));
	pid = spawn(zap_range_loop, "bigzap/zap_range");
	yields = tdp_vm_stat("bigzap", "zap_yields");
	accesses = tdp_vm_stat("bigzap", "accesses");
	zap_ns = tdp_vm_stat("bigzap", "root_zap_ns");
	ASSERT_EQ(0, tdp_writef("bigzap/hist/lock_hold_shared", "0"));
	ASSERT_EQ(0, tdp_writef("bigzap/zap_all", "1"));
	longest_hold_ns = tdp_stat("bigzap/hist/lock_hold_shared", "max");
	stop_all(_metadata, &pid, 1);
	yields = tdp_vm_stat("bigzap", "zap_yields") - yields;
	accesses = tdp_vm_stat("bigzap", "accesses") - accesses;
	zap_ns = tdp_vm_stat("bigzap", "root_zap_ns") - zap_ns;
	TH_LOG("during the zap: %lld yields, %lld vCPU accesses", yields, accesses);
	TH_LOG("zap %lld ns, longest shared hold %lld ns", zap_ns, longest_hold_ns);
	ASSERT_EQ(1, tdp_vm_stat("bigzap", "root_zaps"));
	if (preempt_rt()) {
		/*
		 * PREEMPT_RT: mmu_lock holders are preemptible and
		 * rwlock_needbreak() is always false, so the scheduler, not
		 * cond_resched, lets the vCPUs in: they keep running.
		 */
		ASSERT_LT(0, accesses);
	} else {
		/*
		 * The zap (the only whole-root zap here, under the read lock)
		 * gave mmu_lock up along the way: no single hold, the one a
		 * waiting writer and every fault behind it sit out, lasted
		 * three quarters of it (the histogram's maximum is an upper
		 * bound, at most 25% above). Without yielding that hold is
		 * the whole zap, the soft lockup of a huge guest in small.
		 */
		ASSERT_GT(zap_ns * 3 / 4, longest_hold_ns);
		ASSERT_LT(0, yields);
	}
	ASSERT_EQ(0, tdp_vm_stat("bigzap", "invariant_errors"));
}

/* ---- bad input ---- */

TEST(bad_input_refused)
{
	static const char *const bad_create[] = {
		" ", "a b", "x mem=", "x mem=12Q", "x mem=-4M", "x mem=4M mem=4M",
		"x format=arm", "x levels=3", "x levels=6", "x policy=lazy", "x huge=4m",
		"x mem=99999999999999999999999", "x mem=17179869184T", "x mem=5K",
		"x mem=4M backing=8M", "x mem=3M huge=2m", "x unknown=1", "x =1",
		"create", "stats", "x/y", ".x", "-x", "1x", "_x",
		"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
	};
	char big[8192];
	unsigned int i;
	int fd;

	tdp_clean_slate(_metadata);
	for (i = 0; i < ARRAY_SIZE(bad_create); i++) {
		int ret = tdp_writef("create", "%s", bad_create[i]);

		EXPECT_EQ(-EINVAL, ret) TH_LOG("create '%s' gave %d", bad_create[i], ret);
	}
	/* Well-formed, but more than this machine has. */
	ASSERT_EQ(-ENOMEM, tdp_writef("create", "x mem=1T backing=1T"));
	ASSERT_EQ(0, gstat("vms"));

	ASSERT_EQ(-EINVAL, tdp_write_raw(TDP_DIR "/create", "a\0b", 3));
	memset(big, 'a', sizeof(big));
	ASSERT_EQ(-EINVAL, tdp_write_raw(TDP_DIR "/create", big, sizeof(big)));
	ASSERT_EQ(-ENOENT, tdp_writef("destroy", "nosuchvm"));

	ASSERT_EQ(0, tdp_writef("create", "bad mem=4M"));
	ASSERT_EQ(-EEXIST, tdp_writef("create", "bad mem=4M"));
	ASSERT_EQ(-EINVAL, tdp_writef("bad/populate", "0 1025"));
	ASSERT_EQ(-EINVAL, tdp_writef("bad/populate", "1024 1"));
	ASSERT_EQ(-EINVAL, tdp_writef("bad/populate", "0 0"));
	ASSERT_EQ(-EINVAL, tdp_writef("bad/populate", "1 2 3"));
	ASSERT_EQ(-EINVAL, tdp_writef("bad/populate", "-1 2"));
	ASSERT_EQ(-EINVAL, tdp_writef("bad/populate", "18446744073709551615 2"));
	ASSERT_EQ(-EINVAL, tdp_writef("bad/zap_range", "1 18446744073709551615"));
	ASSERT_EQ(-EINVAL, tdp_writef("bad/zap_range", "x"));
	ASSERT_EQ(-EINVAL, tdp_writef("bad/zap_all", "2"));
	ASSERT_EQ(-EINVAL, tdp_writef("bad/vcpus", "65"));
	ASSERT_EQ(-EINVAL, tdp_writef("bad/vcpus", "-1"));
	ASSERT_EQ(-EINVAL, tdp_writef("bad/workload", "write_pct=5"));
	ASSERT_EQ(-EINVAL, tdp_writef("bad/workload", "pattern=seq write_pct=101"));
	ASSERT_EQ(-EINVAL, tdp_writef("bad/workload", "pattern=seq pattern=seq"));
	ASSERT_EQ(-EINVAL, tdp_writef("bad/workload", "pattern=fast"));
	ASSERT_EQ(-EINVAL, tdp_writef("bad/workload", "pattern=seq frames=1025"));
	ASSERT_EQ(-EINVAL, tdp_writef("bad/workload", "pattern=seq frames=1k"));
	ASSERT_EQ(-EINVAL, tdp_writef("bad/workload", "pattern=seq frames=-1"));
	ASSERT_EQ(-EINVAL, tdp_writef("bad/hist/lock_hold", "1"));
	/* Nothing above changed the VM. */
	ASSERT_EQ(0, tdp_vm_stat("bad", "roots_allocated"));
	ASSERT_EQ(0, tdp_vm_stat("bad", "vcpus"));

	/* Write-only files cannot be read, read-only ones cannot be written. */
	fd = open(TDP_DIR "/bad/zap_all", O_RDONLY);
	ASSERT_EQ(-1, fd);
	ASSERT_EQ(EPERM, errno);
	ASSERT_EQ(-EPERM, tdp_writef("bad/stats", "1"));
	ASSERT_EQ(-EPERM, tdp_writef("stats", "1"));

	ASSERT_EQ(0, tdp_writef("destroy", "bad"));
	assert_module_balanced(_metadata);
}

/* ---- the stress tool's command line ---- */

TEST(stress_tool_cli)
{
	static const char *const options[] = {
		"--duration", "--vcpus", "--mem", "--backing", "--format", "--levels",
		"--policy", "--huge", "--pattern", "--write-pct", "--flip-ms", "--zappers",
		"--frames", "--range-zappers", "--churn", "--seed", "--migrators", "--migrate-ms",
		"--dirty-ms", "--help",
	};
	static const char short_run[] =
		"tdproot-stress --duration 2 --vcpus 2 --mem 64M --backing 4M >/tmp/run 2>&1";
	unsigned int i;
	int missing = 0;
	char *help;

	tdp_clean_slate(_metadata);
	ASSERT_EQ(0, run_status("tdproot-stress --help >/tmp/help 2>&1"));
	help = tdp_read("/tmp/help");
	ASSERT_NE(NULL, help);
	for (i = 0; i < ARRAY_SIZE(options); i++) {
		if (!strstr(help, options[i])) {
			fprintf(stderr, "# --help lacks %s\n", options[i]);
			missing++;
		}
	}
	free(help);
	ASSERT_EQ(0, missing);
	ASSERT_EQ(2, run_status("tdproot-stress --bogus 2>/dev/null"));
	ASSERT_EQ(2, run_status("tdproot-stress --vcpus 65 2>/dev/null"));
	ASSERT_EQ(2, run_status("tdproot-stress --mem 12Q 2>/dev/null"));
	ASSERT_EQ(2, run_status("tdproot-stress --policy lazy 2>/dev/null"));
	ASSERT_EQ(2, run_status("tdproot-stress extra 2>/dev/null"));
	/*
	 * A short real run, race windows held open, passes and ends with the
	 * machine-readable line.
	 */
	ASSERT_EQ(0, race_amplifier(TDP_RACE_DELAY_US));
	ASSERT_EQ(0, run_status(short_run));
	ASSERT_EQ(0, race_amplifier(0));
	help = tdp_read("/tmp/run");
	ASSERT_NE(NULL, help);
	ASSERT_NE(NULL, strstr(help, "\nRESULT pass duration_s="));
	/* Migrators and the dirty-log reader are on by default. */
	ASSERT_NE(NULL, strstr(help, " lost_writes=0 "));
	/* Software vCPUs by default: no hardware guest ran. */
	ASSERT_NE(NULL, strstr(help, " guest_accesses=0 npf_exits=0\n"));
	ASSERT_EQ(NULL, strstr(help, " migrated_frames=0 "));
	free(help);
	assert_module_balanced(_metadata);
}

/* ---- tracepoints and histograms ---- */

#define TRACING "/sys/kernel/tracing"

/* The lifecycle events of @vm in the trace buffer, space-separated, yields left out. */
static void trace_sequence(const char *vm, char *out, size_t len, long long *leaves)
{
	char *buf = tdp_read(TRACING "/trace"), *line, *save, key[48];

	*out = '\0';
	snprintf(key, sizeof(key), " vm=%s ", vm);
	for (line = strtok_r(buf ? buf : "", "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		char *ev = strstr(line, ": tdproot_");
		char *colon = ev ? strchr(ev + 2, ':') : NULL;
		char *l = strstr(line, "leaves=");

		if (!colon || !strstr(line, key) || strncmp(ev, ": tdproot_root_", 15))
			continue;
		*colon = '\0';
		strncat(out, ev + 15, len - strlen(out) - 2);
		strcat(out, " ");
		if (l)
			*leaves = strtoll(l + 7, NULL, 10);
	}
	free(buf);
}

FIXTURE(trace) {
	int unused;
};

FIXTURE_SETUP(trace)
{
	tdp_clean_slate(_metadata);
}

FIXTURE_TEARDOWN(trace)
{
	tdp_write(TRACING "/events/tdproot/enable", "0");
	tdp_writef("destroy", "tr1");
	tdp_writef("destroy", "tr2");
	assert_module_balanced(_metadata);
}

TEST_F(trace, lifecycle_events_in_order)
{
	const char *expect = "alloc invalidate zap_begin zap_end free ";
	long long leaves = -1;
	char seq[512];
	int fd;

	ASSERT_EQ(0, tdp_write(TRACING "/events/tdproot/enable", "1"));
	fd = open(TRACING "/trace", O_WRONLY | O_TRUNC);
	ASSERT_LE(0, fd);
	close(fd);

	/* seed: populate's put is the last put. */
	ASSERT_EQ(0, tdp_writef("create", "tr1 mem=16M policy=seed"));
	ASSERT_EQ(0, tdp_writef("tr1/populate", "0 512"));
	/* pinned: the root lives until zap_all. */
	ASSERT_EQ(0, tdp_writef("create", "tr2 mem=16M policy=pinned"));
	ASSERT_EQ(0, tdp_writef("tr2/populate", "0 700"));
	ASSERT_EQ(0, tdp_writef("tr2/zap_all", "1"));
	ASSERT_EQ(0, tdp_write(TRACING "/events/tdproot/enable", "0"));

	trace_sequence("tr1", seq, sizeof(seq), &leaves);
	ASSERT_STREQ(expect, seq);
	ASSERT_EQ(512, leaves);
	trace_sequence("tr2", seq, sizeof(seq), &leaves);
	ASSERT_STREQ(expect, seq);
	ASSERT_EQ(700, leaves);
}

static long long hist_samples(const char *file)
{
	char path[128], *buf, *p;
	long long n = -1;

	snprintf(path, sizeof(path), TDP_DIR "/%s", file);
	buf = tdp_read(path);
	if (buf && strstr(buf, "\np50 ") && strstr(buf, "\np99 ") && strstr(buf, "\nmax ")) {
		p = strstr(buf, ": ");
		if (p)
			n = strtoll(p + 2, NULL, 10);
	}
	free(buf);
	return n;
}

TEST(histograms)
{
	long long before;

	tdp_clean_slate(_metadata);
	ASSERT_EQ(0, tdp_writef("create", "hist mem=16M policy=pinned"));
	ASSERT_EQ(0, tdp_writef("hist/populate", "0 4096"));
	ASSERT_LT(0, hist_samples("hist/hist/lock_hold"));
	ASSERT_EQ(0, tdp_writef("hist/hist/lock_hold", "0"));
	ASSERT_EQ(0, hist_samples("hist/hist/lock_hold"));
	ASSERT_EQ(0, hist_samples("hist/hist/vcpu_stall"));

	ASSERT_EQ(0, tdp_writef("hist/workload", "pattern=random"));
	ASSERT_EQ(0, tdp_writef("hist/vcpus", "2"));
	ASSERT_LE(1000, tdp_wait_stat("hist", "accesses", 1000, 10));
	ASSERT_EQ(0, tdp_writef("hist/zap_all", "1"));
	/* Each vCPU's first access after its reload ends one stall. */
	before = tdp_vm_stat("hist", "accesses");
	ASSERT_LE(before + 1000, tdp_wait_stat("hist", "accesses", before + 1000, 10));
	ASSERT_LE(2, hist_samples("hist/hist/vcpu_stall"));
	ASSERT_LT(0, hist_samples("hist/hist/lock_hold"));
	ASSERT_EQ(0, tdp_writef("hist/vcpus", "0"));
	ASSERT_EQ(0, tdp_writef("destroy", "hist"));
}

/* A software vCPU's working set: frames= bounds what it faults in. */
TEST(workload_frames_bound_the_working_set)
{
	char *text;

	tdp_clean_slate(_metadata);
	/* Pinned: the root and its leaves outlive the vCPUs' references. */
	ASSERT_EQ(0, tdp_writef("create", "ws mem=4M policy=pinned"));
	ASSERT_EQ(0, tdp_writef("ws/workload", "pattern=random write_pct=50 frames=16"));
	text = tdp_read(TDP_DIR "/ws/workload");
	ASSERT_NE(NULL, text);
	ASSERT_EQ(0, strcmp(text, "pattern=random write_pct=50 flip_ms=0 frames=16\n"));
	free(text);
	ASSERT_EQ(0, tdp_writef("ws/vcpus", "2"));
	ASSERT_LE(20000, tdp_wait_stat("ws", "accesses", 20000, 30));
	ASSERT_EQ(0, tdp_writef("ws/vcpus", "0"));
	ASSERT_EQ(16, tdp_vm_stat("ws", "leaf_sptes"));
	ASSERT_EQ(0, tdp_vm_stat("ws", "integrity_errors"));
	ASSERT_EQ(0, tdp_writef("destroy", "ws"));
	assert_module_balanced(_metadata);
}

static const char *const lock_sites[] = {
	"fault", "populate", "root_load", "root_put", "invalidate_all", "zap_root",
	"zap_range", "invalidate_end", "dirty_log",
};

/* Holds of each site from VM's lock_hold_by_site, in lock_sites' order; returns their sum. */
static long long site_holds(struct __test_metadata *_metadata, const char *vm, long long *holds)
{
	char path[128], *buf, *line, *save;
	long long sum = 0;
	unsigned int i, seen = 0;

	snprintf(path, sizeof(path), TDP_DIR "/%s/hist/lock_hold_by_site", vm);
	buf = tdp_read(path);
	EXPECT_NE(NULL, buf);
	if (!buf)
		return -1;
	for (line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		unsigned long long n = 0, p50 = 0, p99 = 0, max = 0;
		char site[32] = "";
		int fields;

		if (line[0] == '#')
			continue;
		fields = sscanf(line, "%31s %llu %llu %llu %llu", site, &n, &p50, &p99, &max);
		EXPECT_EQ(5, fields) TH_LOG("bad line '%s'", line);
		EXPECT_LT(seen, ARRAY_SIZE(lock_sites));
		if (seen >= ARRAY_SIZE(lock_sites))
			break;
		/* One line per site, in order; a site with no hold prints zeros. */
		EXPECT_STREQ(lock_sites[seen], site);
		EXPECT_TRUE(n ? p50 <= p99 && p99 <= max && max > 0 : !p50 && !p99 && !max);
		holds[seen++] = n;
		sum += n;
	}
	free(buf);
	EXPECT_EQ(ARRAY_SIZE(lock_sites), seen);
	for (i = seen; i < ARRAY_SIZE(lock_sites); i++)
		holds[i] = 0;
	return sum;
}

/* Only the sites named in @want (a count, or -1 for "at least one") have holds. */
static void expect_sites(struct __test_metadata *_metadata, const char *vm, const char *what,
			 const long long *want)
{
	long long holds[ARRAY_SIZE(lock_sites)], sum;
	char path[128];
	unsigned int i;

	sum = site_holds(_metadata, vm, holds);
	for (i = 0; i < ARRAY_SIZE(lock_sites); i++) {
		if (want[i] < 0) {
			EXPECT_LT(0, holds[i]) TH_LOG("%s: no %s hold", what, lock_sites[i]);
		} else {
			EXPECT_EQ(want[i], holds[i]) TH_LOG("%s: %lld %s holds, want %lld", what,
							    holds[i], lock_sites[i], want[i]);
		}
	}
	/* lock_hold is the total of every site. */
	snprintf(path, sizeof(path), "%s/hist/lock_hold", vm);
	EXPECT_EQ(sum, hist_samples(path)) TH_LOG("%s: sites and lock_hold differ", what);
}

static void reset_holds(struct __test_metadata *_metadata, const char *vm)
{
	char file[128];

	snprintf(file, sizeof(file), "%s/hist/lock_hold", vm);
	ASSERT_EQ(0, tdp_writef(file, "0"));
	snprintf(file, sizeof(file), "%s/hist/lock_hold_by_site", vm);
	ASSERT_EQ(0, tdp_writef(file, "0"));
	snprintf(file, sizeof(file), "%s/hist/lock_wait_exclusive", vm);
	ASSERT_EQ(0, tdp_writef(file, "0"));
}

/* Every hold of mmu_lock is charged to the path that took it, and only to it. */
TEST(lock_holds_by_site)
{
	/* fault populate root_load root_put inv_all zap_root zap_range inv_end dirty_log */
	static const long long populate[] = { 0, -1, 1, 1, 0, 0, 0, 0, 0 };
	static const long long zap_all[] = { 0, 0, 0, 0, 1, -1, 0, 0, 0 };
	static const long long zap_range[] = { 0, 0, 0, 0, 0, 0, 1, 1, 0 };
	static const long long dirty[] = { 0, 0, 0, 0, 0, 0, 0, 0, -1 };
	long long holds[ARRAY_SIZE(lock_sites)];
	char *buf;

	tdp_clean_slate(_metadata);
	ASSERT_EQ(0, tdp_writef("create", "sites mem=16M policy=pinned"));
	/* A new VM has held nothing. */
	ASSERT_EQ(0, site_holds(_metadata, "sites", holds));

	/* 4096 frames need 8 last-level tables: a batch ends at each. */
	ASSERT_EQ(0, tdp_writef("sites/populate", "0 4096"));
	expect_sites(_metadata, "sites", "populate", populate);
	site_holds(_metadata, "sites", holds);
	EXPECT_LE(8, holds[1]);
	/* populate takes mmu_lock for read only: no writer waited. */
	EXPECT_EQ(0, hist_samples("sites/hist/lock_wait_exclusive"));

	reset_holds(_metadata, "sites");
	ASSERT_EQ(0, site_holds(_metadata, "sites", holds));
	/* One write hold marks the root invalid, then the zap holds the read lock. */
	ASSERT_EQ(0, tdp_writef("sites/zap_all", "1"));
	expect_sites(_metadata, "sites", "zap_all", zap_all);
	EXPECT_EQ(1, hist_samples("sites/hist/lock_wait_exclusive"));
	EXPECT_LE(0, tdp_vm_stat("sites", "max_lock_wait_exclusive_ns"));
	/* The root's one 1 GiB-level subtree was torn down in one step. */
	EXPECT_LT(0, tdp_vm_stat("sites", "max_zap_step_ns"));

	reset_holds(_metadata, "sites");
	ASSERT_EQ(0, tdp_writef("sites/zap_range", "0 16"));
	expect_sites(_metadata, "sites", "zap_range", zap_range);
	EXPECT_EQ(2, hist_samples("sites/hist/lock_wait_exclusive"));

	reset_holds(_metadata, "sites");
	buf = tdp_read(TDP_DIR "/sites/dirty");
	ASSERT_NE(NULL, buf);
	free(buf);
	expect_sites(_metadata, "sites", "dirty log", dirty);

	ASSERT_EQ(0, tdp_writef("destroy", "sites"));
}

/* ---- liveness and semantics (issue 12) ---- */

FIXTURE(live) {
	int unused;
};

FIXTURE_SETUP(live)
{
	tdp_clean_slate(_metadata);
}

FIXTURE_TEARDOWN(live)
{
	static const char *const vms[] = {
		"lastput", "sr", "wide", "huge", "other", "storm", "zm",
	};
	unsigned int i;
	char file[64];

	tdp_write(TRACING "/events/tdproot/enable", "0");
	for (i = 0; i < ARRAY_SIZE(vms); i++) {
		snprintf(file, sizeof(file), "%s/vcpus", vms[i]);
		tdp_writef(file, "0");
		tdp_writef("destroy", "%s", vms[i]);
	}
	assert_module_balanced(_metadata);
}

/*
 * Under seed, a vCPU's last put of a big root zaps it; a zap_all that starts
 * meanwhile must not return before that zap is over: nothing older than the
 * zap_all may still map memory when it returns.
 */
TEST_F_TIMEOUT(live, zap_all_waits_for_last_put_zap, 300)
{
	long long leaves_at_start, inv;
	pid_t pid;
	int status;

	ASSERT_EQ(0, tdp_writef("create", "lastput mem=8G backing=4M policy=seed"));
	ASSERT_EQ(0, tdp_writef("lastput/vcpus", "1"));
	ASSERT_EQ(1, tdp_wait_stat("lastput", "roots_live", 1, 10));
	ASSERT_EQ(0, tdp_writef("lastput/populate", "0 2097152"));
	/* The idle vCPU holds the root: populate's put was not the last. */
	ASSERT_EQ(2097152, tdp_vm_stat("lastput", "leaf_sptes"));
	ASSERT_EQ(0, tdp_vm_stat("lastput", "root_invalidations"));

	/* Stopping the vCPU is the root's last put, which zaps 2M leaves. */
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0)
		_exit(tdp_writef("lastput/vcpus", "0") ? 1 : 0);
	do
		inv = tdp_vm_stat("lastput", "root_invalidations");
	while (inv < 1 && waitpid(pid, &status, WNOHANG) == 0);
	leaves_at_start = tdp_vm_stat("lastput", "leaf_sptes");
	ASSERT_EQ(0, tdp_writef("lastput/zap_all", "1"));
	/* The put's zap has ended: nothing of the old root is mapped. */
	EXPECT_EQ(0, tdp_vm_stat("lastput", "leaf_sptes"));
	EXPECT_EQ(1, tdp_vm_stat("lastput", "root_zaps"));
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_EQ(0, WEXITSTATUS(status));
	TH_LOG("zap_all started with %lld of 2097152 leaves still mapped", leaves_at_start);
	/* The race this test is about happened: the zap was under way. */
	ASSERT_EQ(1, inv);
	ASSERT_LT(0, leaves_at_start);
	ASSERT_EQ(0, tdp_vm_stat("lastput", "pt_pages_live"));
	ASSERT_EQ(0, tdp_vm_stat("lastput", "invariant_errors"));
	ASSERT_EQ(0, tdp_writef("destroy", "lastput"));
}

static void zap_all_storm_loop(const char *file)
{
	for (;;)
		if (tdp_writef(file, "1"))
			_exit(1);
}

/*
 * Root allocation against invalidation: under seed every flip of a lone
 * vCPU allocates a root, and zap_all runs back to back, race windows held
 * open. A root allocated before an invalidation must be invalidated by it:
 * one that escapes stays valid and in use after zap_all returned (an
 * integrity error).
 */
TEST_F_TIMEOUT(live, zap_all_storm_against_allocation, 60)
{
	pid_t pid;

	ASSERT_EQ(0, race_amplifier(TDP_RACE_DELAY_US));
	ASSERT_EQ(0, tdp_writef("create", "storm mem=16M backing=1M policy=seed"));
	ASSERT_EQ(0, tdp_writef("storm/workload", "pattern=random flip_ms=1"));
	ASSERT_EQ(0, tdp_writef("storm/vcpus", "3"));
	pid = spawn(zap_all_storm_loop, "storm/zap_all");
	sleep(10);
	stop_all(_metadata, &pid, 1);
	ASSERT_EQ(0, race_amplifier(0));
	TH_LOG("%lld zap_alls, %lld roots allocated", tdp_vm_stat("storm", "zaps_all"),
	       tdp_vm_stat("storm", "roots_allocated"));
	ASSERT_LT(0, tdp_vm_stat("storm", "zaps_all"));
	ASSERT_EQ(0, tdp_vm_stat("storm", "integrity_errors"));
	ASSERT_EQ(0, tdp_writef("storm/vcpus", "0"));
	ASSERT_EQ(0, tdp_writef("destroy", "storm"));
}

static void populate_storm_loop(const char *file)
{
	loop_setup();
	for (;;)
		if (tdp_writef(file, "%d 16", rand() % (4096 - 16)))
			_exit(1);
}

/*
 * The same race without vCPUs, so that zap_all waits for nobody: populate
 * allocates a root after every zap_all, and under pinned a root that
 * escaped an invalidation stays listed, valid, until the next one. The
 * windows are held open as long as the amplifier allows.
 */
TEST_F_TIMEOUT(live, zap_all_storm_against_populate, 60)
{
	pid_t pids[2];

	ASSERT_EQ(0, race_amplifier(100));
	ASSERT_EQ(0, tdp_writef("create", "storm mem=16M backing=1M policy=pinned"));
	pids[0] = spawn(populate_storm_loop, "storm/populate");
	pids[1] = spawn(zap_all_storm_loop, "storm/zap_all");
	sleep(8);
	stop_all(_metadata, pids, 2);
	ASSERT_EQ(0, race_amplifier(0));
	TH_LOG("%lld zap_alls, %lld roots allocated", tdp_vm_stat("storm", "zaps_all"),
	       tdp_vm_stat("storm", "roots_allocated"));
	ASSERT_LT(100, tdp_vm_stat("storm", "zaps_all"));
	ASSERT_LT(100, tdp_vm_stat("storm", "roots_allocated"));
	ASSERT_EQ(0, tdp_vm_stat("storm", "integrity_errors"));
	ASSERT_EQ(0, tdp_writef("destroy", "storm"));
}

/* Each migrate is bracketed by trace markers, so the trace shows when it ran. */
static void migrate_storm_loop(const char *file)
{
	int fd = open(TRACING "/trace_marker", O_WRONLY);

	if (fd < 0)
		_exit(1);
	loop_setup();
	for (;;) {
		dprintf(fd, "tdp-migrate begin\n");
		if (tdp_writef(file, "%d 1", rand() % (16 << 18)))
			_exit(1);
		dprintf(fd, "tdp-migrate end\n");
	}
}

/*
 * zap_all zaps the root it invalidated 1 GiB at a time under the shared
 * lock, and migrate takes mmu_lock between two steps: the invalid root still
 * maps the frame migrate moves, in the GiBs not zapped yet. migrate must zap
 * it there too; if it did not, the root would keep a page migrate took back
 * until its zap reached it (an integrity error), and a vCPU that had not
 * reloaded yet would read and write that page. Every frame (backing=1M) is
 * mapped in each of the 16 GiBs, so every migrate that runs inside the zap
 * moves a frame the invalid root maps further on. The trace proves some did.
 */
/* The zap_all's zap of its invalid root, and the migrates that ran inside it. */
static int migrates_inside_zap(struct __test_metadata *_metadata)
{
	bool zapping = false, done = false, begun = false;
	char *buf, *line, *save;
	int inside = 0, fd;

	fd = open(TRACING "/trace", O_WRONLY | O_TRUNC);
	ASSERT_LE(0, fd);
	close(fd);
	ASSERT_EQ(0, tdp_writef("zm/zap_all", "1"));
	buf = tdp_read(TRACING "/trace");
	ASSERT_NE(NULL, buf);
	for (line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		if (strstr(line, "tdproot_root_zap_begin:") && strstr(line, " vm=zm "))
			zapping = !done;
		else if (strstr(line, "tdproot_root_zap_end:") && strstr(line, " vm=zm "))
			zapping = false, done = true;
		else if (strstr(line, "tdp-migrate begin"))
			begun = zapping;
		else if (strstr(line, "tdp-migrate end"))
			inside += begun && zapping;
	}
	free(buf);
	ASSERT_TRUE(done);
	return inside;
}

TEST_F_TIMEOUT(live, migrate_inside_zap_all_zaps_the_invalid_root, 150)
{
	int inside = 0, rounds = 0, i;
	pid_t pid;

	/*
	 * PREEMPT_RT: rwlock_needbreak() is always false and readers queue
	 * behind a waiting writer, so the zap holds mmu_lock to its end and
	 * migrate runs after it: the window this test is about never opens.
	 */
	if (preempt_rt())
		SKIP(return, "PREEMPT_RT: the zap never yields mmu_lock to a writer");
	ASSERT_EQ(0, tdp_writef("create", "zm mem=16G backing=1M policy=pinned"));
	for (i = 0; i < 16; i++)
		ASSERT_EQ(0, tdp_writef("zm/populate", "%d 16384", i << 18));
	ASSERT_EQ(16 * 16384, tdp_vm_stat("zm", "leaf_sptes"));

	ASSERT_EQ(0, tdp_write(TRACING "/events/tdproot/tdproot_root_zap_begin/enable", "1"));
	ASSERT_EQ(0, tdp_write(TRACING "/events/tdproot/tdproot_root_zap_end/enable", "1"));
	pid = spawn(migrate_storm_loop, "zm/migrate");
	/* Let migrate split the blocks first: the storm is under way. */
	while (tdp_vm_stat("zm", "migrated_frames") < 4)
		usleep(10000);
	/* A few zap_alls of a root mapped as before, until migrates ran inside one. */
	while (!inside && rounds++ < 3) {
		if (rounds > 1)
			for (i = 0; i < 16; i++)
				ASSERT_EQ(0, tdp_writef("zm/populate", "%d 16384", i << 18));
		inside = migrates_inside_zap(_metadata);
	}
	usleep(100000);
	stop_all(_metadata, &pid, 1);
	ASSERT_EQ(0, tdp_write(TRACING "/events/tdproot/enable", "0"));

	TH_LOG("%d migrates ran inside zap_all %d's zap of the invalid root, %lld frames moved",
	       inside, rounds, tdp_vm_stat("zm", "migrated_frames"));
	ASSERT_LT(0, inside);
	ASSERT_EQ(0, tdp_vm_stat("zm", "integrity_errors"));
	ASSERT_EQ(0, tdp_vm_stat("zm", "invariant_errors"));
	ASSERT_EQ(0, tdp_vm_stat("zm", "leaf_sptes"));
	ASSERT_EQ(0, tdp_writef("destroy", "zm"));
}

/*
 * Reading NAME/stats takes no root reference, so it can never be the last
 * put that zaps a seed root: no root is invalidated by the reading task
 * while a vCPU flips address spaces (every flip a last put) next to it.
 * Its count of valid roots walks the root list without a lock while those
 * roots leave it, lingering on each (the race amplifier): a root unlinked
 * without RCU would send it into the poisoned link.
 */
TEST_F_TIMEOUT(live, stats_read_never_zaps, 60)
{
	const char *ev = TRACING "/events/tdproot/tdproot_root_invalidate/enable";
	long long by_reader = 0, by_others = 0;
	char *buf, *line, *save;
	double end;
	pid_t pid;
	int fd;

	/* The reader lingers on each root it walks past, as roots leave the list. */
	ASSERT_EQ(0, race_amplifier(TDP_RACE_DELAY_US));
	ASSERT_EQ(0, tdp_writef("create", "sr mem=16M policy=seed"));
	ASSERT_EQ(0, tdp_writef("sr/workload", "pattern=idle flip_ms=1"));
	ASSERT_EQ(0, tdp_write(ev, "1"));
	fd = open(TRACING "/trace", O_WRONLY | O_TRUNC);
	ASSERT_LE(0, fd);
	close(fd);
	ASSERT_EQ(0, tdp_writef("sr/vcpus", "1"));

	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		prctl(PR_SET_NAME, "tdp-statsread");
		for (;;)
			if (tdp_vm_stat("sr", "roots_valid") < 0)
				_exit(1);
	}
	end = tdp_now() + 8;
	while (tdp_now() < end)
		usleep(100000);
	stop_all(_metadata, &pid, 1);
	ASSERT_EQ(0, race_amplifier(0));
	ASSERT_EQ(0, tdp_writef("sr/vcpus", "0"));
	ASSERT_EQ(0, tdp_write(ev, "0"));

	buf = tdp_read(TRACING "/trace");
	ASSERT_NE(NULL, buf);
	for (line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		if (!strstr(line, "tdproot_root_invalidate:") || !strstr(line, " vm=sr "))
			continue;
		if (strstr(line, "tdp-statsread"))
			by_reader++;
		else
			by_others++;
	}
	free(buf);
	TH_LOG("root invalidations: %lld by the vCPU, %lld by the stats reader",
	       by_others, by_reader);
	ASSERT_LT(100, by_others);
	ASSERT_EQ(0, by_reader);
	ASSERT_EQ(0, tdp_vm_stat("sr", "invariant_errors"));
}

static double time_read(const char *path, char **out)
{
	double t = tdp_now();

	*out = tdp_read(path);
	return tdp_now() - t;
}

/*
 * The roots dump reads counters, not the tables: its cost does not grow
 * with what a root maps (it runs in one RCU read-side section).
 */
TEST_F_TIMEOUT(live, roots_dump_is_bounded, 300)
{
	const long long gigs = 8192, tables = 1 + 16 + 2 * gigs;
	double best = 1e9, t;
	long long i, pt = -1;
	char *roots;
	int n;

	ASSERT_EQ(0, tdp_writef("create", "wide mem=8T backing=4M policy=pinned"));
	/* One frame per GiB: a wide, sparse tree of 16401 tables. */
	for (i = 0; i < gigs; i++)
		ASSERT_EQ(0, tdp_writef("wide/populate", "%lld 1", i << 18));
	ASSERT_EQ(tables, tdp_vm_stat("wide", "pt_pages_live"));
	for (i = 0; i < 5; i++) {
		t = time_read(TDP_DIR "/wide/roots", &roots);
		ASSERT_NE(NULL, roots);
		n = sscanf(strchr(roots, '\n') + 1, "%*u %*s %*d %*d %lld", &pt);
		free(roots);
		ASSERT_EQ(1, n);
		ASSERT_EQ(tables, pt);
		if (t < best)
			best = t;
	}
	TH_LOG("roots dump of a %lld-table root: %.3f ms", tables, best * 1e3);
	ASSERT_GT(0.02, best);
	ASSERT_EQ(0, tdp_writef("destroy", "wide"));
}

/*
 * Destroying a VM during a populate of a huge range stops the populate at
 * its next batch and returns within seconds; meanwhile the global guests
 * lock is free, so creating another VM does not wait.
 */
static pid_t spawn_write(const char *file, const char *text)
{
	pid_t pid = fork();

	if (pid == 0) {
		int ret = tdp_writef(file, "%s", text);

		_exit(ret == -ENODEV ? 3 : ret == -EINTR ? 4 : ret ? 1 : 0);
	}
	return pid;
}

/* Wait for @pid at most @secs; its exit status, or -1 if it is still running. */
static int wait_for(pid_t pid, double secs)
{
	double end = tdp_now() + secs;
	int status;

	do {
		if (waitpid(pid, &status, WNOHANG) == pid)
			return WIFEXITED(status) ? WEXITSTATUS(status) : 128;
		usleep(10000);
	} while (tdp_now() < end);
	return -1;
}

TEST_F_TIMEOUT(live, destroy_stops_long_populate, 120)
{
	pid_t pop, des, cre;
	int pop_st, des_st, cre_st;
	double t;

	ASSERT_EQ(0, tdp_writef("create", "huge mem=64T backing=4M policy=pinned"));
	/* 2^34 frames: hours of faulting if nothing stopped it. */
	pop = spawn_write("huge/populate", "0 17179869184");
	ASSERT_LE(0, pop);
	ASSERT_LE(20000, tdp_wait_stat("huge", "faults", 20000, 30));

	t = tdp_now();
	des = spawn_write("destroy", "huge");
	usleep(200000);
	cre = spawn_write("create", "other mem=4M");
	cre_st = wait_for(cre, 3);
	des_st = wait_for(des, 5);
	pop_st = wait_for(pop, 5);
	t = tdp_now() - t;
	/* Whatever happened, nothing is left running. */
	if (pop_st < 0) {
		kill(pop, SIGKILL);
		waitpid(pop, NULL, 0);
	}
	if (des_st < 0)
		des_st = wait_for(des, 60);
	if (cre_st < 0)
		cre_st = wait_for(cre, 60);
	TH_LOG("create %d, destroy %d, populate %d after %.2f s", cre_st, des_st, pop_st, t);
	EXPECT_EQ(0, tdp_writef("destroy", "other"));
	ASSERT_EQ(0, cre_st);
	ASSERT_EQ(0, des_st);
	ASSERT_EQ(3, pop_st);	/* -ENODEV: the VM went away */
	ASSERT_GT(6.0, t);
	ASSERT_EQ(0, gstat("vms"));
}

/*
 * populate holds mmu_lock only shared, zap_range exclusive: each lands in
 * its own maximum and histogram, and lock_hold is their sum.
 */
TEST(lock_hold_shared_and_exclusive)
{
	long long shared, excl, max_shared, max_excl;

	tdp_clean_slate(_metadata);
	ASSERT_EQ(0, tdp_writef("create", "split mem=16M policy=pinned"));
	ASSERT_EQ(0, tdp_writef("split/populate", "0 4096"));
	shared = hist_samples("split/hist/lock_hold_shared");
	ASSERT_LT(0, shared);
	ASSERT_EQ(0, hist_samples("split/hist/lock_hold_exclusive"));
	ASSERT_EQ(shared, hist_samples("split/hist/lock_hold"));
	ASSERT_LT(0, tdp_vm_stat("split", "max_lock_hold_shared_ns"));
	ASSERT_EQ(0, tdp_vm_stat("split", "max_lock_hold_exclusive_ns"));
	ASSERT_EQ(tdp_vm_stat("split", "max_lock_hold_shared_ns"),
		  tdp_vm_stat("split", "max_lock_hold_ns"));

	ASSERT_EQ(0, tdp_writef("split/zap_range", "0 4096"));
	excl = hist_samples("split/hist/lock_hold_exclusive");
	ASSERT_LT(0, excl);
	shared = hist_samples("split/hist/lock_hold_shared");
	ASSERT_EQ(shared + excl, hist_samples("split/hist/lock_hold"));
	max_shared = tdp_vm_stat("split", "max_lock_hold_shared_ns");
	max_excl = tdp_vm_stat("split", "max_lock_hold_exclusive_ns");
	ASSERT_LT(0, max_excl);
	ASSERT_EQ(max_shared > max_excl ? max_shared : max_excl,
		  tdp_vm_stat("split", "max_lock_hold_ns"));

	/* Resetting one leaves the other; resetting lock_hold empties both. */
	ASSERT_EQ(0, tdp_writef("split/hist/lock_hold_shared", "0"));
	ASSERT_EQ(0, hist_samples("split/hist/lock_hold_shared"));
	ASSERT_EQ(excl, hist_samples("split/hist/lock_hold_exclusive"));
	ASSERT_EQ(excl, hist_samples("split/hist/lock_hold"));
	ASSERT_EQ(0, tdp_writef("split/hist/lock_hold", "0"));
	ASSERT_EQ(0, hist_samples("split/hist/lock_hold_exclusive"));
	ASSERT_EQ(0, hist_samples("split/hist/lock_hold"));
	ASSERT_EQ(0, tdp_writef("destroy", "split"));
	assert_module_balanced(_metadata);
}

/* ---- migrate: KVM's invalidation protocol; the dirty log ---- */

FIXTURE(migrate) {
	int unused;
};

FIXTURE_VARIANT(migrate) {
	const char *args;
};

FIXTURE_VARIANT_ADD(migrate, seed) { .args = "policy=seed" };

FIXTURE_VARIANT_ADD(migrate, pinned) { .args = "policy=pinned" };

FIXTURE_VARIANT_ADD(migrate, npt_seed) { .args = "policy=seed format=npt" };

FIXTURE_SETUP(migrate)
{
	tdp_clean_slate(_metadata);
	/* 1024 frames, backing = mem: guest frame N is backing frame N. */
	ASSERT_EQ(0, tdp_writef("create", "mig mem=4M %s", variant->args));
}

FIXTURE_TEARDOWN(migrate)
{
	EXPECT_EQ(0, tdp_writef("mig/vcpus", "0"));
	EXPECT_EQ(0, tdp_vm_stat("mig", "integrity_errors"));
	EXPECT_EQ(0, tdp_vm_stat("mig", "invariant_errors"));
	EXPECT_EQ(0, tdp_vm_stat("mig", "lost_writes"));
	EXPECT_EQ(0, tdp_writef("destroy", "mig"));
	assert_module_balanced(_metadata);
}

/*
 * migrate zaps exactly the range in every root, waits for every vCPU's TLB
 * flush, and from then on every access to the range reaches the new pages:
 * a vCPU access that reached a retired page would be an integrity error.
 */
TEST_F_TIMEOUT(migrate, vcpus_see_new_pages, 120)
{
	long long flushes, accesses;

	/* Idle vCPUs hold the root: migrate must still get their flushes. */
	ASSERT_EQ(0, tdp_writef("mig/workload", "pattern=idle"));
	ASSERT_EQ(0, tdp_writef("mig/vcpus", "2"));
	ASSERT_EQ(1, tdp_wait_stat("mig", "roots_live", 1, 10));
	ASSERT_EQ(0, tdp_writef("mig/populate", "0 1024"));
	ASSERT_EQ(1024, tdp_vm_stat("mig", "leaf_sptes"));
	flushes = tdp_vm_stat("mig", "tlb_flushes");
	ASSERT_EQ(0, tdp_writef("mig/migrate", "100 412"));
	ASSERT_EQ(612, tdp_vm_stat("mig", "leaf_sptes"));
	ASSERT_EQ(412, tdp_vm_stat("mig", "migrated_frames"));
	ASSERT_EQ(1, tdp_vm_stat("mig", "invalidations"));
	ASSERT_EQ(flushes + 2, tdp_vm_stat("mig", "tlb_flushes"));
	ASSERT_EQ(0, tdp_vm_stat("mig", "zaps_range"));

	/* Every frame, read and written, several times over. */
	ASSERT_EQ(0, tdp_writef("mig/workload", "pattern=seq write_pct=50"));
	accesses = tdp_wait_stat("mig", "accesses", 8192, 30);
	ASSERT_LE(8192, accesses);
	ASSERT_EQ(1024, tdp_vm_stat("mig", "leaf_sptes"));
	ASSERT_EQ(0, tdp_vm_stat("mig", "integrity_errors"));

	/* Busy vCPUs: the whole guest moves twice under them. */
	ASSERT_EQ(0, tdp_writef("mig/migrate", "0 1024"));
	ASSERT_EQ(0, tdp_writef("mig/migrate", "0 1024"));
	ASSERT_EQ(412 + 2048, tdp_vm_stat("mig", "migrated_frames"));
	ASSERT_EQ(3, tdp_vm_stat("mig", "invalidations"));
	accesses = tdp_vm_stat("mig", "accesses");
	ASSERT_LE(accesses + 8192, tdp_wait_stat("mig", "accesses", accesses + 8192, 30));
	ASSERT_EQ(0, tdp_vm_stat("mig", "integrity_errors"));
	ASSERT_EQ(0, tdp_vm_stat("mig", "invariant_errors"));
}

/*
 * Faults race migrations: a fault that sampled the sequence before an
 * invalidation retries (the counter shows it) and never installs a page
 * the invalidation replaced (no integrity error), nor loses a dirty bit.
 */
TEST_F_TIMEOUT(migrate, fault_race_retries, 120)
{
	long long retries;
	char *log;
	pid_t pid;

	ASSERT_EQ(0, tdp_writef("mig/workload", "pattern=random write_pct=30"));
	ASSERT_EQ(0, tdp_writef("mig/vcpus", "2"));
	pid = spawn(migrate_loop, "mig/migrate");
	retries = tdp_wait_stat("mig", "fault_retries_invalidate", 20, 60);
	/* Long enough for the dirty log to be read under load, too. */
	log = tdp_read(TDP_DIR "/mig/dirty");
	free(log);
	stop_all(_metadata, &pid, 1);
	TH_LOG("fault_retries_invalidate %lld migrated_frames %lld invalidations %lld",
	       retries, tdp_vm_stat("mig", "migrated_frames"),
	       tdp_vm_stat("mig", "invalidations"));
	ASSERT_LE(20, retries);
	ASSERT_EQ(0, tdp_writef("mig/vcpus", "0"));
	log = tdp_read(TDP_DIR "/mig/dirty");
	ASSERT_NE(NULL, log);
	free(log);
	ASSERT_EQ(0, tdp_vm_stat("mig", "lost_writes"));
	ASSERT_EQ(0, tdp_vm_stat("mig", "integrity_errors"));
	ASSERT_EQ(0, tdp_vm_stat("mig", "invariant_errors"));
}

/*
 * A huge leaf whose range is partly migrated is zapped whole; its block is
 * no longer contiguous, so it is faulted back at 4K.
 */
FIXTURE(huge_migrate) {
	int unused;
};

FIXTURE_VARIANT(huge_migrate) {
	const char *args;
	unsigned long long populate;	/* frames populate maps from 0 */
	long long huge_leaves;		/* leaves before migrate */
	long long pt_pages;		/* tables before migrate, root included */
};

FIXTURE_VARIANT_ADD(huge_migrate, ept_2m) {
	.args = "mem=8M huge=2m", .populate = 2048, .huge_leaves = 4, .pt_pages = 3,
};

FIXTURE_VARIANT_ADD(huge_migrate, npt_1g) {
	.args = "mem=2G backing=2M huge=1g format=npt", .populate = 1ULL << 19,
	.huge_leaves = 2, .pt_pages = 2,
};

FIXTURE_SETUP(huge_migrate)
{
	tdp_clean_slate(_metadata);
	ASSERT_EQ(0, tdp_writef("create", "hm policy=pinned %s", variant->args));
}

FIXTURE_TEARDOWN(huge_migrate)
{
	EXPECT_EQ(0, tdp_writef("hm/vcpus", "0"));
	EXPECT_EQ(0, tdp_writef("destroy", "hm"));
	assert_module_balanced(_metadata);
}

TEST_F_TIMEOUT(huge_migrate, zapped_whole_refaulted_at_4k, 150)
{
	long long accesses;

	ASSERT_EQ(0, tdp_writef("hm/populate", "0 %llu", variant->populate));
	ASSERT_EQ(variant->huge_leaves, tdp_vm_stat("hm", "leaf_sptes"));
	ASSERT_EQ(variant->pt_pages, tdp_vm_stat("hm", "pt_pages_live"));
	/* One frame of the first leaf's block. */
	ASSERT_EQ(0, tdp_writef("hm/migrate", "5 1"));
	ASSERT_EQ(1, tdp_vm_stat("hm", "migrated_frames"));
	if (variant->huge_leaves == 2) {
		/* 1G leaves alias one 2M block: both leaves map frame 5. */
		ASSERT_EQ(0, tdp_vm_stat("hm", "leaf_sptes"));
	} else {
		ASSERT_EQ(variant->huge_leaves - 1, tdp_vm_stat("hm", "leaf_sptes"));
	}
	/* The first 2 MiB again: 512 leaves of 4K, in one new table (two for 1G). */
	ASSERT_EQ(0, tdp_writef("hm/populate", "0 512"));
	if (variant->huge_leaves == 2) {
		ASSERT_EQ(512, tdp_vm_stat("hm", "leaf_sptes"));
		ASSERT_EQ(variant->pt_pages + 2, tdp_vm_stat("hm", "pt_pages_live"));
	} else {
		ASSERT_EQ(variant->huge_leaves - 1 + 512, tdp_vm_stat("hm", "leaf_sptes"));
		ASSERT_EQ(variant->pt_pages + 1, tdp_vm_stat("hm", "pt_pages_live"));
	}
	/* vCPUs over the whole guest: 4K and huge leaves side by side, all sound. */
	ASSERT_EQ(0, tdp_writef("hm/workload", "pattern=hot write_pct=50"));
	ASSERT_EQ(0, tdp_writef("hm/vcpus", "2"));
	accesses = tdp_wait_stat("hm", "accesses", 20000, 30);
	ASSERT_LE(20000, accesses);
	ASSERT_EQ(0, tdp_writef("hm/migrate", "0 600"));
	ASSERT_LE(accesses + 20000, tdp_wait_stat("hm", "accesses", accesses + 20000, 30));
	ASSERT_EQ(0, tdp_vm_stat("hm", "integrity_errors"));
	ASSERT_EQ(0, tdp_vm_stat("hm", "invariant_errors"));
}

/* NAME/dirty: "frames N", then "FRAME NR" per run of dirty backing frames. */
FIXTURE(dirty) {
	int unused;
};

FIXTURE_VARIANT(dirty) {
	const char *args;
	bool ad;
};

FIXTURE_VARIANT_ADD(dirty, ept) { .args = "format=ept", .ad = true };

FIXTURE_VARIANT_ADD(dirty, npt) { .args = "format=npt", .ad = true };

FIXTURE_VARIANT_ADD(dirty, ept_ad0) { .args = "format=ept ad=0", .ad = false };

FIXTURE_SETUP(dirty)
{
	tdp_clean_slate(_metadata);
	ASSERT_EQ(0, tdp_writef("create", "dl mem=4M policy=pinned %s", variant->args));
}

FIXTURE_TEARDOWN(dirty)
{
	race_amplifier(0);
	tdp_writef("dz/vcpus", "0");
	tdp_writef("destroy", "dz");
	EXPECT_EQ(0, tdp_writef("dl/vcpus", "0"));
	EXPECT_EQ(0, tdp_vm_stat("dl", "lost_writes"));
	EXPECT_EQ(0, tdp_vm_stat("dl", "integrity_errors"));
	EXPECT_EQ(0, tdp_writef("destroy", "dl"));
	assert_module_balanced(_metadata);
}

static void expect_dirty(struct __test_metadata *_metadata, const char *want)
{
	char *log = tdp_read(TDP_DIR "/dl/dirty");

	ASSERT_NE(NULL, log);
	EXPECT_STREQ(want, log);
	free(log);
}

static void wide_zap_loop(const char *file)
{
	loop_setup();
	for (;;) {
		if (tdp_writef(file, "%d %d", rand() % (4096 - 256), 1 + rand() % 256))
			_exit(1);
		usleep(rand() % 1000);
	}
}

/*
 * The CPU sets a dirty bit whenever it writes through a clean leaf,
 * whatever lock a zap holds. Frequent harvests keep the leaves clean, each
 * frame is written some twenty times a second (so a lost bit is often not
 * covered by the next write before the harvest), and short zap_ranges take
 * leaves away under the vCPUs' writes, race windows held open as long as
 * the amplifier allows: every frame written must still reach the log. A
 * zap that stores over a clean leaf instead of exchanging it loses the bit.
 */
TEST_F_TIMEOUT(dirty, zaps_under_writes_keep_dirty_bits, 60)
{
	pid_t pids[2];
	char *log;

	/* Without A/D bits there is no dirty bit to lose: nothing to judge. */
	if (!variant->ad)
		SKIP(return, "EPT without A/D bits has no dirty bit");
	ASSERT_EQ(0, race_amplifier(100));
	ASSERT_EQ(0, tdp_writef("create", "dz mem=16M policy=pinned %s", variant->args));
	ASSERT_EQ(0, tdp_writef("dz/workload", "pattern=random write_pct=50"));
	ASSERT_EQ(0, tdp_writef("dz/vcpus", "2"));
	pids[0] = spawn(wide_zap_loop, "dz/zap_range");
	pids[1] = spawn(dirty_loop, "dz/dirty");
	sleep(10);
	stop_all(_metadata, pids, 2);
	/* The last harvest, with the vCPUs stopped. */
	ASSERT_EQ(0, tdp_writef("dz/vcpus", "0"));
	log = tdp_read(TDP_DIR "/dz/dirty");
	ASSERT_NE(NULL, log);
	free(log);
	ASSERT_EQ(0, race_amplifier(0));
	TH_LOG("%lld zap_ranges, %lld accesses, %lld dirty frames",
	       tdp_vm_stat("dz", "zaps_range"), tdp_vm_stat("dz", "accesses"),
	       tdp_vm_stat("dz", "dirty_frames"));
	ASSERT_LT(20, tdp_vm_stat("dz", "zaps_range"));
	ASSERT_EQ(0, tdp_vm_stat("dz", "lost_writes"));
	ASSERT_EQ(0, tdp_vm_stat("dz", "integrity_errors"));
	ASSERT_EQ(0, tdp_writef("destroy", "dz"));
}

/* vCPUs write every frame once over: run, then stop them. */
static void write_everything(struct __test_metadata *_metadata)
{
	long long accesses = tdp_vm_stat("dl", "accesses");

	ASSERT_EQ(0, tdp_writef("dl/workload", "pattern=seq write_pct=100"));
	ASSERT_EQ(0, tdp_writef("dl/vcpus", "1"));
	ASSERT_LE(accesses + 2048, tdp_wait_stat("dl", "accesses", accesses + 2048, 30));
	ASSERT_EQ(0, tdp_writef("dl/vcpus", "0"));
}

TEST_F_TIMEOUT(dirty, every_written_frame_is_logged, 90)
{
	const char *all = variant->ad ? "frames 1024\n0 1024\n" : "frames 0\n";
	unsigned long long pointer;
	char *roots;
	int n;

	expect_dirty(_metadata, "frames 0\n");
	/* populate faults as a write: its leaves start dirty. */
	ASSERT_EQ(0, tdp_writef("dl/populate", "10 6"));
	expect_dirty(_metadata, variant->ad ? "frames 6\n10 6\n" : "frames 0\n");
	expect_dirty(_metadata, "frames 0\n");

	/* Dirty bits the vCPU set on live leaves: the read takes and clears them. */
	write_everything(_metadata);
	ASSERT_EQ(1024, tdp_vm_stat("dl", "leaf_sptes"));
	expect_dirty(_metadata, all);
	expect_dirty(_metadata, "frames 0\n");

	/* Dirty bits a zap took with the entries. */
	write_everything(_metadata);
	ASSERT_EQ(0, tdp_writef("dl/zap_range", "0 1024"));
	ASSERT_EQ(0, tdp_vm_stat("dl", "leaf_sptes"));
	expect_dirty(_metadata, all);

	/* And those a migrate took; the data moved with them. */
	write_everything(_metadata);
	ASSERT_EQ(0, tdp_writef("dl/migrate", "0 1024"));
	expect_dirty(_metadata, all);
	expect_dirty(_metadata, "frames 0\n");
	ASSERT_EQ(1024, tdp_vm_stat("dl", "migrated_frames"));
	ASSERT_EQ(variant->ad ? 3078 : 0, tdp_vm_stat("dl", "dirty_frames"));

	/* The root pointer says whether EPT's A/D bits are on. */
	roots = tdp_read(TDP_DIR "/dl/roots");
	ASSERT_NE(NULL, roots);
	n = sscanf(strrchr(roots, ' '), " 0x%llx", &pointer);
	ASSERT_EQ(1, n);
	free(roots);
	if (strstr(variant->args, "ept"))
		ASSERT_EQ(variant->ad, !!(pointer & (1 << 6)));
	ASSERT_EQ(0, tdp_vm_stat("dl", "lost_writes"));
}

/* ---- vcpu=svm: the CPU walks the roots (issue 16) ---- */

/* mem=16M: 4096 frames, of which the program's and 64 logs' at the top. */
#define SVM_FRAMES	4096
#define SVM_WORK	(SVM_FRAMES - 65)

static bool cpuinfo_has(const char *flag)
{
	char *info = tdp_read("/proc/cpuinfo"), key[32];
	bool has;

	snprintf(key, sizeof(key), " %s", flag);
	has = info && strstr(info, key);
	free(info);
	return has;
}

FIXTURE(svm) {
	int levels;
	long long leaves;	/* what the guest faults in: all it touches */
	long long tables;	/* the tables that map them */
};

FIXTURE_VARIANT(svm) {
	const char *policy;
	bool huge;	/* 2M leaves: the guest's 16 MiB in 8 of them */
};

FIXTURE_VARIANT_ADD(svm, seed) { .policy = "seed" };

FIXTURE_VARIANT_ADD(svm, pinned) { .policy = "pinned" };

FIXTURE_VARIANT_ADD(svm, pinned_2m) { .policy = "pinned", .huge = true };

FIXTURE_SETUP(svm)
{
	tdp_clean_slate(_metadata);
	if (!cpuinfo_has("svm") || !cpuinfo_has("npt"))
		SKIP(return, "no SVM with nested paging on this CPU");
	/* Nested page tables are as deep as the host's own paging. */
	self->levels = cpuinfo_has("la57") ? 5 : 4;
	/*
	 * 4K: every workload frame, the program's and vCPU 0's log, in one
	 * table per level down to 2 MiB, then eight 4K tables; 2M: eight leaves.
	 */
	self->leaves = variant->huge ? 8 : SVM_WORK + 2;
	self->tables = self->levels - 1 + (variant->huge ? 0 : 8);
	ASSERT_EQ(0, tdp_writef("create", "hw mem=16M format=npt levels=%d vcpu=svm %s=%s huge=%s",
				self->levels, "policy", variant->policy,
				variant->huge ? "2m" : "4k"));
}

FIXTURE_TEARDOWN(svm)
{
	tdp_writef("hw/vcpus", "0");
	EXPECT_EQ(0, tdp_vm_stat("hw", "integrity_errors"));
	EXPECT_EQ(0, tdp_vm_stat("hw", "invariant_errors"));
	tdp_writef("destroy", "hw");
	assert_module_balanced(_metadata);
}

/* The guest sweeps its frames @sweeps times more, writing half of the time. */
static void svm_sweep(struct __test_metadata *_metadata, int sweeps)
{
	long long want = tdp_vm_stat("hw", "guest_accesses") + (long long)sweeps * SVM_WORK;

	ASSERT_LE(want, tdp_wait_stat("hw", "guest_accesses", want, 60)) {
		TH_LOG("the guest made %lld accesses, %lld NPF exits, %lld VMRUNs",
		       tdp_vm_stat("hw", "guest_accesses"), tdp_vm_stat("hw", "npf_exits"),
		       tdp_vm_stat("hw", "vmruns"));
	}
}

/* The CPU faults each leaf exactly once, into the fewest tables. */
TEST_F_TIMEOUT(svm, guest_faults_each_frame_once, 120)
{
	ASSERT_EQ(0, tdp_writef("hw/workload", "pattern=seq write_pct=50"));
	ASSERT_EQ(0, tdp_writef("hw/vcpus", "1"));
	svm_sweep(_metadata, 3);
	ASSERT_EQ(self->leaves, tdp_vm_stat("hw", "leaf_sptes"));
	ASSERT_EQ(self->leaves, tdp_vm_stat("hw", "npf_exits"));
	ASSERT_EQ(self->leaves, tdp_vm_stat("hw", "faults"));
	ASSERT_EQ(self->tables, tdp_vm_stat("hw", "pt_pages_live"));
	ASSERT_EQ(1, tdp_vm_stat("hw", "roots_allocated"));
	ASSERT_LT(0, tdp_vm_stat("hw", "vmruns"));
	ASSERT_EQ(0, tdp_vm_stat("hw", "integrity_errors"));
}

/*
 * zap_all: the vCPU reloads, the CPU gets the new root as nCR3 and faults
 * every frame again into it; the old root is zapped and freed.
 */
TEST_F_TIMEOUT(svm, zap_all_moves_the_guest_to_a_new_root, 120)
{
	double end;

	ASSERT_EQ(0, tdp_writef("hw/workload", "pattern=seq write_pct=50"));
	ASSERT_EQ(0, tdp_writef("hw/vcpus", "1"));
	svm_sweep(_metadata, 2);
	ASSERT_EQ(self->leaves, tdp_vm_stat("hw", "npf_exits"));
	ASSERT_EQ(0, tdp_writef("hw/zap_all", "1"));
	svm_sweep(_metadata, 3);
	ASSERT_EQ(1, tdp_vm_stat("hw", "vcpu_reloads"));
	ASSERT_EQ(2, tdp_vm_stat("hw", "roots_allocated"));
	ASSERT_EQ(1, tdp_vm_stat("hw", "root_zaps"));
	ASSERT_EQ(self->leaves, tdp_vm_stat("hw", "leaf_sptes"));
	ASSERT_EQ(2 * self->leaves, tdp_vm_stat("hw", "faults"));
	/* At most one exit on the zapped old root, which sent the vCPU to reload. */
	ASSERT_LE(2 * self->leaves, tdp_vm_stat("hw", "npf_exits"));
	ASSERT_GE(2 * self->leaves + 1, tdp_vm_stat("hw", "npf_exits"));
	/* The old root's tables go after a grace period. */
	end = tdp_now() + 10;
	while (tdp_vm_stat("hw", "roots_live") != 1 && tdp_now() < end)
		usleep(10000);
	ASSERT_EQ(1, tdp_vm_stat("hw", "roots_live"));
	ASSERT_EQ(self->tables, tdp_vm_stat("hw", "pt_pages_live"));
}

/*
 * zap_range and migrate while two guests write: each waits for the vCPUs'
 * flush (taken between two VMRUNs, the next one flushes the ASID), so no
 * guest reads or writes a page migrate took back.
 */
TEST_F_TIMEOUT(svm, zap_range_and_migrate_under_the_guest, 120)
{
	long long flushes, migrated;
	double end;

	ASSERT_EQ(0, tdp_writef("hw/workload", "pattern=random write_pct=30"));
	ASSERT_EQ(0, tdp_writef("hw/vcpus", "2"));
	svm_sweep(_metadata, 2);
	flushes = tdp_vm_stat("hw", "tlb_flushes");
	migrated = tdp_vm_stat("hw", "migrated_frames");
	srand(1);
	for (end = tdp_now() + 3; tdp_now() < end;) {
		ASSERT_EQ(0, tdp_writef("hw/zap_range", "%d 16", rand() % (SVM_WORK - 16)));
		ASSERT_EQ(0, tdp_writef("hw/migrate", "%d 8", rand() % (SVM_WORK - 8)));
	}
	svm_sweep(_metadata, 2);
	TH_LOG("%lld flushes, %lld frames migrated",
	       tdp_vm_stat("hw", "tlb_flushes") - flushes,
	       tdp_vm_stat("hw", "migrated_frames") - migrated);
	ASSERT_LT(flushes, tdp_vm_stat("hw", "tlb_flushes"));
	ASSERT_LT(migrated, tdp_vm_stat("hw", "migrated_frames"));
	ASSERT_EQ(0, tdp_vm_stat("hw", "integrity_errors"));
}

static void svm_migrate_loop(const char *file)
{
	loop_setup();
	for (;;)
		if (tdp_writef(file, "%d 4", rand() % (SVM_WORK - 4)))
			_exit(1);
}

static void svm_zap_range_loop(const char *file)
{
	loop_setup();
	for (;;) {
		if (tdp_writef(file, "%d %d", rand() % (SVM_WORK / 2), 1 + rand() % (SVM_WORK / 2)))
			_exit(1);
		usleep(rand() % 2000);
	}
}

/* A working set that stays in the CPU's TLB for the whole of a guest run. */
#define SVM_HOT		8

static void svm_migrate_hot_loop(const char *file)
{
	loop_setup();
	for (;;)
		if (tdp_writef(file, "%d 1", rand() % SVM_HOT))
			_exit(1);
}

/*
 * Migrate the frames a running guest keeps writing. The guest's TLB holds
 * every one of them for as long as it runs, so a migrate that copied a frame
 * before the guest's flush had left a stale translation behind would see
 * the guest write the retired page: its log shows the retired stamp, or the
 * copy misses the write. The guest touches no other frame.
 */
TEST_F_TIMEOUT(svm, migrate_a_running_guests_working_set, 120)
{
	long long moved, accesses;
	pid_t pid;

	ASSERT_EQ(0, tdp_writef("hw/workload", "pattern=random write_pct=50 frames=%d", SVM_HOT));
	ASSERT_EQ(0, tdp_writef("hw/vcpus", "1"));
	ASSERT_LE(1000, tdp_wait_stat("hw", "guest_accesses", 1000, 60));
	/* The working set and the program's and log's frames, nothing more. */
	ASSERT_EQ(variant->huge ? 2 : SVM_HOT + 2, tdp_vm_stat("hw", "leaf_sptes"));
	ASSERT_EQ(variant->huge ? 2 : SVM_HOT + 2, tdp_vm_stat("hw", "npf_exits"));
	accesses = tdp_vm_stat("hw", "guest_accesses");
	pid = spawn(svm_migrate_hot_loop, "hw/migrate");
	sleep(4);
	stop_all(_metadata, &pid, 1);
	moved = tdp_vm_stat("hw", "migrated_frames");
	TH_LOG("%lld frames moved, %lld accesses, %lld VMRUNs", moved,
	       tdp_vm_stat("hw", "guest_accesses") - accesses, tdp_vm_stat("hw", "vmruns"));
	ASSERT_EQ(0, tdp_vm_stat("hw", "integrity_errors"));
	ASSERT_LT(100, moved);
	/* The guest ran on between moves. */
	ASSERT_LT(moved, tdp_vm_stat("hw", "guest_accesses") - accesses);
	ASSERT_EQ(0, tdp_writef("hw/vcpus", "0"));
}

/*
 * The stress mix on hardware: guests flipping address spaces every
 * millisecond (under seed each flip frees the root left behind), zap_all
 * back to back, range zaps over every root and migrate beside them, the
 * race windows held open.
 */
TEST_F_TIMEOUT(svm, flips_zaps_and_migrations, 120)
{
	pid_t pids[3];

	ASSERT_EQ(0, race_amplifier(TDP_RACE_DELAY_US));
	ASSERT_EQ(0, tdp_writef("hw/workload", "pattern=random write_pct=20 flip_ms=1"));
	ASSERT_EQ(0, tdp_writef("hw/vcpus", "2"));
	pids[0] = spawn(zap_all_storm_loop, "hw/zap_all");
	pids[1] = spawn(svm_migrate_loop, "hw/migrate");
	pids[2] = spawn(svm_zap_range_loop, "hw/zap_range");
	sleep(6);
	stop_all(_metadata, pids, 3);
	ASSERT_EQ(0, race_amplifier(0));
	TH_LOG("%lld zap_alls, %lld ranges, %lld reloads, %lld flips, %lld moved, %lld accesses",
	       tdp_vm_stat("hw", "zaps_all"), tdp_vm_stat("hw", "zaps_range"),
	       tdp_vm_stat("hw", "vcpu_reloads"), tdp_vm_stat("hw", "role_flips"),
	       tdp_vm_stat("hw", "migrated_frames"), tdp_vm_stat("hw", "guest_accesses"));
	TH_LOG("%lld emulator faults (README, \"What the emulator did\")",
	       tdp_vm_stat("hw", "emulator_faults"));
	ASSERT_LT(10, tdp_vm_stat("hw", "zaps_all"));
	ASSERT_LT(10, tdp_vm_stat("hw", "zaps_range"));
	ASSERT_LT(10, tdp_vm_stat("hw", "vcpu_reloads"));
	ASSERT_LT(10, tdp_vm_stat("hw", "role_flips"));
	ASSERT_LT(10, tdp_vm_stat("hw", "migrated_frames"));
	ASSERT_LT(1000, tdp_vm_stat("hw", "guest_accesses"));
	ASSERT_EQ(0, tdp_vm_stat("hw", "integrity_errors"));
	/* Every guest stops at its next interrupt: vcpus 0 returns at once. */
	ASSERT_EQ(0, tdp_writef("hw/vcpus", "0"));
}

#define SVM_PLANT "/sys/module/tdproot/parameters/svm_plant_emulator_fault"

/*
 * What the emulator did is told apart from tdproot's failures (README,
 * "What the emulator did"): each form, planted at one exit by the module's
 * test hook, counts once in emulator_faults and is no integrity error; the
 * guest starts again and runs on. Had the classification failed, the
 * planted exit would have been a guest death: a WARN, and with
 * panic_on_warn the end of the boot.
 */
TEST_F_TIMEOUT(svm, emulator_faults_told_apart, 120)
{
	long long before;
	char *val;
	int form;

	ASSERT_EQ(-EINVAL, tdp_write(SVM_PLANT, "3"));
	ASSERT_EQ(0, tdp_writef("hw/workload", "pattern=seq write_pct=50"));
	ASSERT_EQ(0, tdp_writef("hw/vcpus", "1"));
	svm_sweep(_metadata, 1);
	for (form = 1; form <= 2; form++) {
		before = tdp_vm_stat("hw", "emulator_faults");
		ASSERT_EQ(0, tdp_write(SVM_PLANT, form == 1 ? "1" : "2"));
		ASSERT_EQ(before + 1, tdp_wait_stat("hw", "emulator_faults", before + 1, 30));
		val = tdp_read(SVM_PLANT);
		ASSERT_NE(NULL, val);
		ASSERT_EQ(0, atoi(val));
		free(val);
		svm_sweep(_metadata, 1);
		ASSERT_EQ(before + 1, tdp_vm_stat("hw", "emulator_faults"));
		ASSERT_EQ(0, tdp_vm_stat("hw", "integrity_errors"));
	}
}

/*
 * KVM and tdproot take turns with SVM, as two hypervisors must: while one
 * of KVM's VMs exists (6.12's kvm_amd takes SVM when it loads, 6.1's with
 * its first VM) creating a vcpu=svm VM fails with -EBUSY; while tdproot's
 * exists KVM cannot have SVM; after it is destroyed KVM runs a VM again,
 * so tdproot left the CPUs as it found them. check.sh puts the test
 * kernel's KVM modules in /kmod.
 */
#define KVM_CREATE_VM_IOCTL	0xae01	/* _IO(KVMIO, 0x01) */

static int kvm_load(void)
{
	static const char *const mods[] = { "irqbypass", "ccp", "kvm", "kvm-amd" };
	char cmd[64];
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(mods); i++) {
		snprintf(cmd, sizeof(cmd), "insmod /kmod/%s.ko 2>/dev/null", mods[i]);
		if (system(cmd))
			return -1;
	}
	return 0;
}

static void kvm_unload(void)
{
	if (system("rmmod kvm_amd 2>/dev/null; rmmod kvm; rmmod ccp; rmmod irqbypass"))
		return;	/* whichever were loaded are gone */
}

FIXTURE(svm_kvm) {
	int unused;
};

FIXTURE_SETUP(svm_kvm)
{
	tdp_clean_slate(_metadata);
}

FIXTURE_TEARDOWN(svm_kvm)
{
	tdp_writef("kv/vcpus", "0");
	tdp_writef("destroy", "kv");
	kvm_unload();
	assert_module_balanced(_metadata);
}

TEST_F_TIMEOUT(svm_kvm, take_turns_with_svm, 120)
{
	char create[96];
	int kvm, vm;

	if (!cpuinfo_has("svm") || !cpuinfo_has("npt"))
		SKIP(return, "no SVM with nested paging on this CPU");
	if (access("/kmod/kvm-amd.ko", R_OK))
		SKIP(return, "no KVM modules in this test host (the debug kernel has no KVM)");
	snprintf(create, sizeof(create), "kv mem=16M format=npt levels=%d vcpu=svm",
		 cpuinfo_has("la57") ? 5 : 4);

	/* Nothing owns SVM yet: KVM loads unless this kernel refuses the CPU. */
	if (kvm_load()) {
		kvm_unload();
		/* 6.12-rt's KVM wants a constant TSC, which QEMU's TCG CPU lacks. */
		SKIP(return, "KVM does not load in this test host (see its message in dmesg)");
	}
	kvm = open("/dev/kvm", O_RDWR);
	ASSERT_LE(0, kvm);
	vm = ioctl(kvm, KVM_CREATE_VM_IOCTL, 0);
	ASSERT_LE(0, vm);
	ASSERT_EQ(-EBUSY, tdp_writef("create", "%s", create));
	close(vm);
	close(kvm);
	kvm_unload();

	ASSERT_EQ(0, tdp_writef("create", "%s", create));
	ASSERT_EQ(0, tdp_writef("kv/workload", "pattern=random write_pct=20"));
	ASSERT_EQ(0, tdp_writef("kv/vcpus", "1"));
	ASSERT_LT(1000, tdp_wait_stat("kv", "guest_accesses", 1001, 30));
	if (kvm_load() == 0) {
		/* 6.1: KVM asks for SVM with its first VM, and is refused. */
		kvm = open("/dev/kvm", O_RDWR);
		ASSERT_LE(0, kvm);
		EXPECT_EQ(-1, ioctl(kvm, KVM_CREATE_VM_IOCTL, 0));
		EXPECT_EQ(EBUSY, errno);
		close(kvm);
	}
	kvm_unload();
	ASSERT_EQ(0, tdp_vm_stat("kv", "integrity_errors"));
	ASSERT_EQ(0, tdp_writef("kv/vcpus", "0"));
	ASSERT_EQ(0, tdp_writef("destroy", "kv"));

	ASSERT_EQ(0, kvm_load());
	kvm = open("/dev/kvm", O_RDWR);
	ASSERT_LE(0, kvm);
	vm = ioctl(kvm, KVM_CREATE_VM_IOCTL, 0);
	EXPECT_LE(0, vm);
	close(vm);
	close(kvm);
	kvm_unload();
}

TEST_HARNESS_MAIN
