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

#include <linux/compiler.h>
#include <linux/delay.h>
#include <linux/minmax.h>

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

extern unsigned int tdpr_race_delay_us;

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

#endif /* _TDPROOT_RACE_H */
