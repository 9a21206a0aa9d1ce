/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A held mmu_lock. Every acquisition goes through these helpers so each hold
 * (acquire to release, or acquire to yield) is timed into
 * max_lock_hold_{shared,exclusive}_ns, the matching lock_hold histogram and
 * the histogram of its site, each wait of a writer for the lock into
 * max_lock_wait_exclusive_ns and lock_wait_exclusive, and so code deep in a
 * walk knows whether it holds the lock shared or exclusive when it has to
 * yield.
 */
#ifndef _TDPROOT_LOCK_H
#define _TDPROOT_LOCK_H

#include <linux/lockdep.h>
#include <linux/spinlock.h>

#include <tdproot/stats.h>

struct tdpr_lock {
	rwlock_t *rwlock;	/* the VM's mmu_lock */
	struct tdpr_stats *stats; /* where hold times are recorded */
	const char *name;	/* owner, for trace events */
	unsigned int frees;	/* roots or tables this holder queued for freeing */
	u64 start_ns;		/* when the current hold began */
	enum tdpr_lock_site site; /* whom the hold is charged to */
	bool shared;		/* held for read */
};

/**
 * tdpr_lock_acquire() - Take mmu_lock and start timing the hold.
 * @lk: the caller's lock record, usually on its stack.
 * @rwlock: the lock.
 * @stats: statistics that receive the hold time.
 * @shared: take it for read (faults, zaps of invalid roots) or write.
 * @site: the code path taking it, charged with the hold.
 *
 * A writer's wait for the lock is recorded too: the time a zap or a fault
 * kept it from running.
 */
void tdpr_lock_acquire(struct tdpr_lock *lk, rwlock_t *rwlock, struct tdpr_stats *stats,
		       bool shared, enum tdpr_lock_site site) __acquires(rwlock);

/**
 * tdpr_lock_release() - Record the hold time and drop mmu_lock.
 * @lk: the record filled by tdpr_lock_acquire().
 */
void tdpr_lock_release(struct tdpr_lock *lk) __releases(lk->rwlock);

/**
 * tdpr_lock_yield() - Let waiters and the scheduler in, then retake the lock.
 * @lk: the held lock.
 *
 * The lock is retaken in the same mode. The caller must not be in an RCU
 * read-side section and must revalidate everything it read under the lock.
 *
 * Return: how long the lock had been held, in nanoseconds.
 */
u64 tdpr_lock_yield(struct tdpr_lock *lk);

/**
 * tdpr_lock_contended() - Whether a holder should yield now.
 * @lk: the held lock.
 *
 * Return: true if the task should reschedule or a waiter wants the lock.
 */
bool tdpr_lock_contended(const struct tdpr_lock *lk);

static inline void tdpr_lock_assert_held(const struct tdpr_lock *lk)
{
	if (lk->shared)
		lockdep_assert_held_read(lk->rwlock);
	else
		lockdep_assert_held_write(lk->rwlock);
}

/**
 * tdpr_lock_charge() - Charge the current hold, and those after a yield, to @site.
 * @lk: the held lock.
 * @site: the code path now doing the work, e.g. the zap of a root reached
 *        from a last put.
 */
static inline void tdpr_lock_charge(struct tdpr_lock *lk, enum tdpr_lock_site site)
{
	tdpr_lock_assert_held(lk);
	lk->site = site;
}

#endif /* _TDPROOT_LOCK_H */
