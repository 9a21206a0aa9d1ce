// SPDX-License-Identifier: GPL-2.0
/* mmu_lock acquisition with hold-time accounting. */

#include <linux/ktime.h>
#include <linux/sched.h>

#include "lock.h"

static u64 tdpr_lock_account(struct tdpr_lock *lk)
{
	u64 held = ktime_get_ns() - lk->start_ns;

	if (lk->shared) {
		tdpr_stat_max(lk->stats, TDPR_STAT_max_lock_hold_shared_ns, held);
		tdpr_hist_record(lk->stats, TDPR_HIST_LOCK_HOLD_SHARED, held);
	} else {
		tdpr_stat_max(lk->stats, TDPR_STAT_max_lock_hold_exclusive_ns, held);
		tdpr_hist_record(lk->stats, TDPR_HIST_LOCK_HOLD_EXCLUSIVE, held);
	}
	tdpr_hist_record(lk->stats, TDPR_HIST_SITE + lk->site, held);
	return held;
}

void tdpr_lock_acquire(struct tdpr_lock *lk, rwlock_t *rwlock, struct tdpr_stats *stats,
		       bool shared, enum tdpr_lock_site site) __acquires(rwlock)
{
	u64 wait;

	lk->rwlock = rwlock;
	lk->stats = stats;
	lk->shared = shared;
	lk->site = site;
	lk->name = "";
	lk->frees = 0;
	wait = ktime_get_ns();
	if (shared)
		read_lock(rwlock);
	else
		write_lock(rwlock);
	lk->start_ns = ktime_get_ns();
	if (!shared) {
		wait = lk->start_ns - wait;
		tdpr_stat_max(stats, TDPR_STAT_max_lock_wait_exclusive_ns, wait);
		tdpr_hist_record(stats, TDPR_HIST_LOCK_WAIT_EXCLUSIVE, wait);
	}
}

void tdpr_lock_release(struct tdpr_lock *lk) __releases(lk->rwlock)
{
	tdpr_lock_account(lk);
	if (lk->shared)
		read_unlock(lk->rwlock);
	else
		write_unlock(lk->rwlock);
}

bool tdpr_lock_contended(const struct tdpr_lock *lk)
{
	return need_resched() || rwlock_needbreak(lk->rwlock);
}

u64 tdpr_lock_yield(struct tdpr_lock *lk)
{
	u64 held;

	tdpr_lock_assert_held(lk);
	held = tdpr_lock_account(lk);
	if (lk->shared)
		cond_resched_rwlock_read(lk->rwlock);
	else
		cond_resched_rwlock_write(lk->rwlock);
	lk->start_ns = ktime_get_ns();
	return held;
}
