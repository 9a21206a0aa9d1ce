/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The MMU's structures, from the tables layer up: the VM and its roots.
 * Functions live in the header beside the file that defines them; the vCPU
 * shim and debugfs never include this file.
 */
#ifndef _TDPROOT_MMU_INTERNAL_H
#define _TDPROOT_MMU_INTERNAL_H

#include <linux/bug.h>
#include <linux/mutex.h>
#include <linux/rculist.h>
#include <linux/refcount.h>
#include <linux/spinlock.h>
#include <linux/xarray.h>

#include <tdproot/mmu.h>

#include "lock.h"

/* Pages retired by migrate kept before they are freed, so a stale access finds their stamp. */
#define TDPR_RETIRED_KEPT	256

/* Which of the two address spaces (like SMM) and which hardware format. */
struct tdpr_role {
	u8 format;
	u8 levels;
	u8 as_id;
};

struct tdpr_root {
	struct list_head link;		/* vm->roots: spinlock + RCU */
	struct rcu_head rcu;
	struct tdpr_vm *vm;
	u64 *pt;			/* top-level table */
	struct tdpr_role role;
	u64 id;
	refcount_t count;
	/*
	 * Set once, by xchg, never cleared: no reference to an invalid root
	 * is handed to readers and nothing is faulted into it.
	 */
	bool invalid;
	/* Invalidated by zap_all, which owns a reference until it zaps it. */
	bool to_zap;
	/* Whole-root zaps begun; exactly one before the root is freed. */
	atomic_t zaps;
	/* Its zap has run to the end (release; zap_all waits on it). */
	bool zapped;
	/* Tables reachable from the root, its own included. */
	atomic_t pt_pages;
};

struct tdpr_vm {
	char name[TDPR_NAME_MAX];
	u32 id;
	struct tdpr_vm_params p;
	u64 nr_gfns;

	/* Faults take it for read, invalidation and range zaps for write. */
	rwlock_t mmu_lock;
	/* Serialises writers of the root list; readers use RCU. */
	spinlock_t roots_lock;
	struct list_head roots;
	atomic64_t next_root_id;
	/* One fast invalidation at a time, like KVM's slots_lock. */
	struct mutex zap_all_mutex;

	/* Backing memory: nr_blocks blocks of 2^block_order pages. */
	struct page **blocks;
	u64 nr_blocks;
	unsigned int block_order;
	/* Backing frames: the pages of the blocks, in order; nr_blocks << block_order. */
	u64 nr_frames;
	/*
	 * The page behind each frame migrate moved, by frame; a frame not in
	 * it is still its block's page. Written between an invalidation's
	 * start and end, read by faults under the retry rule.
	 */
	struct xarray moved;
	/* Blocks with a moved frame: no longer contiguous, mapped at 4K. */
	unsigned long *split;
	/* One migrate at a time: its frames, the retired pages below. */
	struct mutex migrate_mutex;
	/* Single pages retired by migrate, freed oldest first. */
	struct page *retired[TDPR_RETIRED_KEPT];
	unsigned int retired_next;

	/*
	 * KVM's mmu_invalidate_*: an invalidation's start raises in_progress
	 * and widens [start, end); its end bumps seq, then lowers in_progress.
	 * Written under mmu_lock for write; faults read them under the read
	 * lock, seq also before they resolve a frame's page.
	 */
	u64 mmu_invalidate_seq;
	long mmu_invalidate_in_progress;
	u64 mmu_invalidate_start, mmu_invalidate_end;

	/* Frames whose dirty bit a zap or a harvest took from a leaf. */
	unsigned long *dirty;
	/* The oracle's shadow: frames vCPUs wrote since the last harvest. */
	unsigned long *written;
	/* One reader of NAME/dirty at a time. */
	struct mutex dirty_mutex;

	/* Requests to clients (vCPUs). */
	spinlock_t clients_lock;
	struct list_head clients;
	atomic64_t reload_seq;
	atomic64_t reload_req_ns;	/* when the last reload was requested */
	atomic64_t flush_seq;
	/* Highest flush request every client had acknowledged when zap_range returned. */
	atomic64_t flush_done_seq;
	wait_queue_head_t kick_wq;
	wait_queue_head_t ack_wq;

	/* RCU callbacks queued and not yet run. */
	atomic_t pending_frees;
	/* Woken whenever a whole-root zap ends. */
	wait_queue_head_t zap_wq;
	/* Being destroyed: long operations stop at their next batch. */
	bool dying;

	struct tdpr_stats stats;
};

/*
 * An invariant of the root lifecycle: warn once and count it, so a test
 * sees it even where panic_on_warn is off.
 */
#define TDPR_WARN(vm, cond) ({						\
	bool __c = !!(cond);						\
	if (WARN_ON_ONCE(__c))						\
		tdpr_stat_inc(&(vm)->stats, TDPR_STAT_invariant_errors);	\
	__c;								\
})

static inline void tdpr_vm_lock(struct tdpr_vm *vm, struct tdpr_lock *lk, bool shared,
				enum tdpr_lock_site site)
	__acquires(&vm->mmu_lock)
{
	tdpr_lock_acquire(lk, &vm->mmu_lock, &vm->stats, shared, site);
	lk->name = vm->name;
}

#endif /* _TDPROOT_MMU_INTERNAL_H */
