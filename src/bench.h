/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Benchmark switches: module parameters of every build, all off by default
 * (test variants are parameters, never #ifdef). make bench turns them on one
 * case at a time:
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
/* Whether holders of mmu_lock yield when asked to: unless bench_no_yield. */
bool tdpr_bench_may_yield(void);

/* Whether faults take mmu_lock for read: unless bench_exclusive_faults. */
bool tdpr_bench_faults_shared(void);

#endif /* _TDPROOT_BENCH_H */
