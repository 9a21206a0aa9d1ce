/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The race amplifier, a test-only switch compiled into every build: module
 * parameter race_delay_us (0, the default, disables it) holds the windows
 * between the lifecycle's decisions open for that long, so that a stress
 * run hits the interleavings a suite run would otherwise reach only by
 * luck. The unmodified module must survive it; tests/mutants/ are judged
 * under the same setting. The delay busy-waits: most windows are under
 * mmu_lock or a spinlock.
 */
#ifndef _TDPROOT_RACE_H
#define _TDPROOT_RACE_H

#include <linux/atomic.h>
#include <linux/compiler.h>
#include <linux/delay.h>
#include <linux/jiffies.h>
#include <linux/minmax.h>
#include <linux/rcupdate.h>
#include <linux/types.h>

/* Where a window is held open; the caller names its decision point. */
enum tdpr_race_site {
	TDPR_RACE_LAST_PUT,	/* a last dec_and_test, before the xchg of invalid */
	TDPR_RACE_GET,		/* inc_not_zero, before invalid is read again */
	TDPR_RACE_ITER,		/* the next root referenced, the previous not yet put */
	TDPR_RACE_INVALIDATE,	/* roots invalidated, not yet zapped */
	TDPR_RACE_ALLOC,	/* a root allocated, mmu_lock not yet taken to list it */
	TDPR_RACE_INSERT,	/* no valid root found, the new one not yet listed */
	TDPR_RACE_FAULT,	/* a fault's sequence sampled, its entry not installed */
	TDPR_RACE_ZAP_SPTE,	/* a clean writable leaf read by a zap, not yet exchanged */
	TDPR_RACE_LIST_WALK,	/* a lockless walker on a root, its next link not yet read */
};

#define TDPR_RACE_MAX_US	100
/* How long a vCPU's walk may be held across a zap, and how often it looks. */
#define TDPR_RACE_WALK_MS	50
#define TDPR_RACE_WALK_POLL_US	10

extern unsigned int tdpr_race_delay_us;
extern atomic_t tdpr_race_walks_held;

/**
 * tdpr_race_window() - Hold a race window open if the amplifier is on.
 * @site: the decision point (documentation; every site gets the same delay).
 */
static inline void tdpr_race_window(enum tdpr_race_site site)
{
	unsigned int us = READ_ONCE(tdpr_race_delay_us);

	if (unlikely(us))
		udelay(min_t(unsigned int, us, TDPR_RACE_MAX_US));
}

/**
 * tdpr_race_hold_walk() - Hold a vCPU's lockless walk across a grace period.
 * @doomed: the walk's root is invalid, or a zap_all is under way
 * @link: the entry of the root's own table that links the table the walk
 *	  stands in
 *
 * A microsecond window is far shorter than an RCU grace period, so this
 * one waits for events instead: with the amplifier on, one walk at a time
 * that stands in a table just below a root that is invalid or may be next
 * (a zap_all is under way) waits until a zap unlinks that table, then until
 * a grace period has passed since, then 2 ms for the callbacks that free
 * tables; TDPR_RACE_WALK_MS at most. A walk inside its RCU read-side
 * section, as it must be, holds that grace period off: it waits the whole
 * time and its table is still there when it goes on. A walk outside one
 * goes on in a freed table.
 */
static inline void tdpr_race_hold_walk(bool doomed, u64 *link)
{
	unsigned long end, cookie;
	u64 old;

	if (likely(!READ_ONCE(tdpr_race_delay_us)) || !doomed ||
	    !atomic_add_unless(&tdpr_race_walks_held, 1, 1))
		return;
	end = jiffies + msecs_to_jiffies(TDPR_RACE_WALK_MS);
	old = READ_ONCE(*link);
	while (READ_ONCE(*link) == old && time_before(jiffies, end))
		udelay(TDPR_RACE_WALK_POLL_US);
	if (READ_ONCE(*link) != old) {
		cookie = get_state_synchronize_rcu();
		while (!poll_state_synchronize_rcu(cookie) && time_before(jiffies, end))
			udelay(TDPR_RACE_WALK_POLL_US);
		if (time_before(jiffies, end))
			mdelay(2);
	}
	atomic_dec(&tdpr_race_walks_held);
}

#endif /* _TDPROOT_RACE_H */
