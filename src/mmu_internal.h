/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Structures and helpers private to the MMU (pt, root, fault, zap, vm).
 * The vCPU shim and debugfs never include this file.
 */
#ifndef _TDPROOT_MMU_INTERNAL_H
#define _TDPROOT_MMU_INTERNAL_H

#include <linux/bug.h>
#include <linux/mutex.h>
#include <linux/rculist.h>
#include <linux/refcount.h>
#include <linux/spinlock.h>

#include <tdproot/lock.h>
#include <tdproot/mmu.h>
#include <tdproot/walk.h>

#define TDP_NAME_MAX	32

/* Which of the two address spaces (like SMM) and which hardware format. */
struct tdp_role {
	u8 format;
	u8 levels;
	u8 as_id;
};

struct tdp_root {
	struct list_head link;		/* vm->roots: spinlock + RCU */
	struct rcu_head rcu;
	struct tdp_vm *vm;
	u64 *pt;			/* top-level table */
	struct tdp_role role;
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

struct tdp_vm {
	char name[TDP_NAME_MAX];
	u32 id;
	struct tdp_vm_params p;
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

	struct tdp_stats stats;
};

/*
 * An invariant of the root lifecycle: warn once and count it, so a test
 * sees it even where panic_on_warn is off.
 */
#define TDP_WARN(vm, cond) ({						\
	bool __c = !!(cond);						\
	if (WARN_ON_ONCE(__c))						\
		tdp_stat_inc(&(vm)->stats, TDP_STAT_invariant_errors);	\
	__c;								\
})

static inline void tdp_vm_lock(struct tdp_vm *vm, struct tdp_lock *lk, bool shared)
	__acquires(&vm->mmu_lock)
{
	tdp_lock_acquire(lk, &vm->mmu_lock, &vm->stats, shared);
	lk->name = vm->name;
}

static inline bool tdp_role_equal(struct tdp_role a, struct tdp_role b)
{
	return a.format == b.format && a.levels == b.levels && a.as_id == b.as_id;
}

/* pt.c: page-table pages and the teardown of unlinked subtrees. */
int tdp_pt_cache_topup(struct tdp_pt_cache *cache, int min);
struct page *tdp_pt_cache_pop(struct tdp_pt_cache *cache);
void tdp_pt_account(struct tdp_vm *vm, struct page *page);
void tdp_pt_uninstall(struct tdp_vm *vm, u64 *pt);
void tdp_pt_poison(u64 *pt);
u64 tdp_pt_teardown(struct tdp_vm *vm, u64 *pt, int level, int *tables);
void tdp_free_deferred(struct tdp_vm *vm, struct rcu_head *head, rcu_callback_t fn);
void tdp_free_done(struct tdp_vm *vm);
void tdp_wait_frees(struct tdp_vm *vm);

/* zap.c: entries and whole roots. */
void tdp_zap_root(struct tdp_vm *vm, struct tdp_root *root, struct tdp_lock *lk);

/* root.c: references, the root list and its iterators. */
bool tdp_get_root(struct tdp_vm *vm, struct tdp_root *root, struct tdp_lock *lk);
void tdp_put_root(struct tdp_vm *vm, struct tdp_root *root, struct tdp_lock *lk);

/* A walk of the root list that may yield mmu_lock between roots. */
struct tdp_root_iter {
	struct tdp_vm *vm;
	struct tdp_lock *lk;
	struct tdp_root *cur;	/* referenced while the body runs */
	bool only_valid;
};

struct tdp_root_iter tdp_root_iter_start(struct tdp_vm *vm, struct tdp_lock *lk,
					 bool only_valid);
void tdp_root_iter_next(struct tdp_root_iter *ri);

/*
 * Walk the root list holding a reference to the current root, so the body
 * may yield mmu_lock. Leaving the body with break leaks that reference.
 */
#define for_each_tdp_root_yield_safe(root, vm, lk)				\
	for (struct tdp_root_iter __ri = tdp_root_iter_start(vm, lk, false);	\
	     ((root) = __ri.cur); tdp_root_iter_next(&__ri))

#define for_each_valid_tdp_root_yield_safe(root, vm, lk)			\
	for (struct tdp_root_iter __ri = tdp_root_iter_start(vm, lk, true);	\
	     ((root) = __ri.cur); tdp_root_iter_next(&__ri))

/* fault.c */
int tdp_fault_locked(struct tdp_vm *vm, struct tdp_root *root, u64 gfn,
		     bool write, struct tdp_pt_cache *cache);

/* vm.c: backing memory and requests. */
u64 tdp_backing_pfn(struct tdp_vm *vm, u64 gfn);
void tdp_vm_request(struct tdp_vm *vm, atomic64_t *seq);
void tdp_vm_wait_clients(struct tdp_vm *vm, bool reload, u64 target);
bool tdp_range_ok(struct tdp_vm *vm, u64 gfn, u64 nr);

#endif /* _TDPROOT_MMU_INTERNAL_H */
