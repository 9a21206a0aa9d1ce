/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Benchmark-only switches (make bench builds with TDPROOT_BENCH). Normal
 * builds compile them to constants, so the switches cannot be turned on
 * outside a benchmark. Module parameters of a bench build:
 *
 *   bench_no_yield=1          zaps never yield (the pre-5.13 baseline)
 *   bench_exclusive_faults=1  faults take mmu_lock for write
 *   bench_floor=NPAGES        run the memory floor pass; reading gives
 *                             "NPAGES NS" of the last pass
 */
#ifndef _TDPROOT_BENCH_H
#define _TDPROOT_BENCH_H

#include <linux/types.h>

#ifdef TDPROOT_BENCH
bool tdp_bench_no_yield(void);
bool tdp_bench_exclusive_faults(void);
#else
static inline bool tdp_bench_no_yield(void)
{
	return false;
}

static inline bool tdp_bench_exclusive_faults(void)
{
	return false;
}
#endif

#endif /* _TDPROOT_BENCH_H */
