// SPDX-License-Identifier: GPL-2.0
/*
 * Benchmark switches and the memory floor: module parameters of every build,
 * off by default, so the module make bench measures is the one users load.
 */

#include <linux/gfp.h>
#include <linux/ktime.h>
#include <linux/mm.h>
#include <linux/moduleparam.h>
#include <linux/slab.h>
#include <linux/sysfs.h>

#include "bench.h"
#include "spte.h"

static bool bench_no_yield;
module_param(bench_no_yield, bool, 0600);
MODULE_PARM_DESC(bench_no_yield, "Benchmark baseline: zaps never yield");

static bool bench_exclusive_faults;
module_param(bench_exclusive_faults, bool, 0600);
MODULE_PARM_DESC(bench_exclusive_faults, "Benchmark baseline: faults take mmu_lock for write");

bool tdpr_bench_may_yield(void)
{
	return !READ_ONCE(bench_no_yield);
}

bool tdpr_bench_faults_shared(void)
{
	return !READ_ONCE(bench_exclusive_faults);
}

static u64 bench_floor_pages, bench_floor_ns;

/*
 * The floor of a zap: one tight pass that reads and clears every byte of as
 * many table-sized pages as the zap freed, the least a zap that inspects
 * every entry must do, and nothing else: no atomics, no accounting, no
 * freeing, no resched inside the timed pass.
 */
static int bench_floor_set(const char *val, const struct kernel_param *kp)
{
	u64 npages, i, sum = 0, start;
	void **pages;
	int ret, j;

	ret = kstrtoull(val, 0, &npages);
	if (ret || !npages || npages > (1ULL << 20))
		return -EINVAL;
	pages = kvcalloc(npages, sizeof(*pages), GFP_KERNEL);
	if (!pages)
		return -ENOMEM;
	for (i = 0; i < npages; i++) {
		pages[i] = (void *)__get_free_page(GFP_KERNEL);
		if (!pages[i]) {
			ret = -ENOMEM;
			goto out;
		}
		memset(pages[i], 0x5a, PAGE_SIZE);
	}

	start = ktime_get_ns();
	for (i = 0; i < npages; i++) {
		u64 *pt = pages[i];

		for (j = 0; j < TDPR_PT_ENTRIES; j++) {
			sum += pt[j];
			pt[j] = 0;
		}
	}
	bench_floor_ns = ktime_get_ns() - start;
	bench_floor_pages = npages;
	/* Keep the reads: the sum of 0x5a.. patterns is never 0. */
	ret = sum ? 0 : -EIO;
out:
	for (i = 0; i < npages && pages[i]; i++)
		free_page((unsigned long)pages[i]);
	kvfree(pages);
	return ret;
}

static int bench_floor_get(char *buf, const struct kernel_param *kp)
{
	return sysfs_emit(buf, "%llu %llu\n", bench_floor_pages, bench_floor_ns);
}

static const struct kernel_param_ops bench_floor_ops = {
	.set = bench_floor_set,
	.get = bench_floor_get,
};

module_param_cb(bench_floor, &bench_floor_ops, NULL, 0600);
MODULE_PARM_DESC(bench_floor, "Write NPAGES: time a read-and-clear pass; read: NPAGES NS");
