/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What every tdproot test program shares: the kselftest harness, the
 * debugfs helpers, module (re)loading and the module-wide balance check.
 */
#ifndef TDP_TEST_H
#define TDP_TEST_H

#include <dirent.h>
#include <limits.h>
#include <sys/syscall.h>

#include "kselftest_harness.h"
#include "tdp_util.h"

#define MODULE_PATH "/tdproot.ko"

static inline long long gstat(const char *key)
{
	return tdp_stat("stats", key);
}

/* Every counter that must net to zero once all VMs are gone. */
static inline void assert_module_balanced(struct __test_metadata *_metadata)
{
	ASSERT_EQ(0, gstat("vms"));
	ASSERT_EQ(0, gstat("roots_live"));
	ASSERT_EQ(0, gstat("pt_pages_live"));
	ASSERT_EQ(0, gstat("leaf_sptes"));
	ASSERT_EQ(0, gstat("integrity_errors"));
	ASSERT_EQ(0, gstat("invariant_errors"));
}

/*
 * The race amplifier (module parameter race_delay_us): every stress test runs
 * with the lifecycle's race windows held open this long, the unmodified
 * module as much as the mutants of tests/mutants/.
 */
#define TDP_RACE_DELAY_US 20

static inline int race_amplifier(unsigned int us)
{
	char buf[16];

	snprintf(buf, sizeof(buf), "%u", us);
	return tdp_write("/sys/module/tdproot/parameters/race_delay_us", buf);
}

/* finit_module() the module the init script put in the initramfs. */
static inline int load_module(void)
{
	int fd = open(MODULE_PATH, O_RDONLY | O_CLOEXEC);
	int ret;

	if (fd < 0)
		return -errno;
	ret = syscall(SYS_finit_module, fd, "", 0);
	close(fd);
	return ret ? -errno : 0;
}

/*
 * The harness kills a test that overruns its timeout together with its
 * teardown, so that test's VMs outlive it and every later test would fail
 * on them. Each test starts here: any VM still present is reported with
 * its statistics and roots (the post-mortem of the test that left it,
 * which already failed) and destroyed, and a module it left unloaded is
 * loaded again, so one failure stays one failure.
 */
static inline void tdp_clean_slate(struct __test_metadata *_metadata)
{
	static const char *const files[] = { "stats", "roots" };
	char names[16][NAME_MAX + 1], path[PATH_MAX], *text;
	unsigned int i, f, n = 0;
	struct dirent *e;
	DIR *d;

	/* Name the test in the kernel log: a splat is then traced to it. */
	snprintf(path, sizeof(path), "tdproot-test: %s.%s begins\n",
		 _metadata->fixture->name, _metadata->name);
	tdp_write("/dev/kmsg", path);
	if (access(TDP_DIR, F_OK)) {
		TH_LOG("an earlier test left the module unloaded");
		ASSERT_EQ(0, load_module());
	}
	d = opendir(TDP_DIR);
	ASSERT_NE(NULL, d);
	while ((e = readdir(d)) && n < ARRAY_SIZE(names)) {
		if (e->d_type == DT_DIR && e->d_name[0] != '.')
			snprintf(names[n++], sizeof(names[0]), "%s", e->d_name);
	}
	closedir(d);
	for (i = 0; i < n; i++) {
		for (f = 0; f < ARRAY_SIZE(files); f++) {
			if (snprintf(path, sizeof(path), TDP_DIR "/%s/%s", names[i],
				     files[f]) >= (int)sizeof(path))
				continue;
			text = tdp_read(path);
			TH_LOG("VM %s outlived its test; its %s:\n%s", names[i], files[f],
			       text ? text : "(unreadable)");
			free(text);
		}
		ASSERT_EQ(0, tdp_writef("destroy", "%s", names[i]));
	}
	ASSERT_EQ(0, gstat("vms"));
}

#endif /* TDP_TEST_H */
