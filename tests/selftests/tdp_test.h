/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What every tdproot test program shares: the kselftest harness, the
 * debugfs helpers, module (re)loading and the module-wide balance check.
 */
#ifndef TDP_TEST_H
#define TDP_TEST_H

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

#endif /* TDP_TEST_H */
