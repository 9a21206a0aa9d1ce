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

/*
 * Each switch answers the question of the one place that asks it: the yield
 * decision (zap.c, populate.c) and the mode faults take mmu_lock in
 * (fault.h). Neither the lock helper nor the fault path asks.
 */
#ifdef TDPROOT_BENCH
bool tdpr_bench_may_yield(void);
bool tdpr_bench_faults_shared(void);
#else
/* Holders of mmu_lock yield when asked to: always, outside a benchmark. */
static inline bool tdpr_bench_may_yield(void)
{
	return true;
}

/* Faults take mmu_lock for read: always, outside a benchmark. */
static inline bool tdpr_bench_faults_shared(void)
{
	return true;
}
#endif

#endif /* _TDPROOT_BENCH_H */
