// SPDX-License-Identifier: GPL-2.0
/*
 * Invalidation: the page-table work of the operations that span every root.
 * zap_all's fast invalidation marks each valid root invalid under mmu_lock
 * for write and then zaps them under the read lock; zap_range zaps a range
 * of leaves in every root. The requests that make vCPUs reload or flush, and
 * the waits for their acknowledgements, are the requests layer's (above).
 */

#include <linux/wait.h>

#include "backing.h"
#include "invalidate.h"
#include "race.h"
#include "root.h"
#include "zap.h"
#include "tdproot_trace.h"

/*
 * Under mmu_lock for write nobody else holds the lock, so the list is
 * stable and every root on it has a non-zero count (a last put unlinks the
 * root before it drops the lock). Mark each valid root invalid and make
 * sure a reference is owned by the zap to come: under pinned that is the
 * MMU's own reference, under seed a new one. Roots the seed's last put
 * invalidated are left to the put that is zapping them.
 */
static void tdpr_invalidate_roots(struct tdpr_vm *vm, struct tdpr_lock *lk)
{
	struct tdpr_root *root;

	lockdep_assert_held_write(&vm->mmu_lock);
	/* One invalidation at a time: the to_zap flags belong to one zap_all. */
	lockdep_assert_held(&vm->zap_all_mutex);

	list_for_each_entry(root, &vm->roots, link) {
		if (READ_ONCE(root->invalid))
			continue;
		if (vm->p.policy == TDPR_POLICY_SEED &&
		    TDPR_WARN(vm, !refcount_inc_not_zero(&root->count)))
			continue;
		xchg(&root->invalid, true);
		WRITE_ONCE(root->to_zap, true);
		tdpr_stat_inc(&vm->stats, TDPR_STAT_root_invalidations);
		trace_tdproot_root_invalidate(vm->name, root->id, root->role.as_id,
					      refcount_read(&root->count));
	}
}

/* Zap each root tdpr_invalidate_roots() flagged, once, and drop its reference. */
static void tdpr_zap_invalidated_roots(struct tdpr_vm *vm, struct tdpr_lock *lk)
{
	struct tdpr_root *root;

	lockdep_assert_held(&vm->zap_all_mutex);
	for_each_tdpr_root_yield_safe(root, vm, lk) {
		if (!xchg(&root->to_zap, false))
			continue;
		tdpr_zap_root(vm, root, lk);
		tdpr_put_root(vm, root, lk);
	}
}

/*
 * Whether every root invalidated by zap_all's generation @gen has been
 * zapped. Only invalid roots are waited for: a valid root that old would be
 * an invariant error, reported once by the caller, never a wait forever.
 */
static bool tdpr_old_roots_zapped(struct tdpr_vm *vm, u64 gen)
{
	struct tdpr_root *root;
	bool done = true;

	rcu_read_lock();
	list_for_each_entry_rcu(root, &vm->roots, link) {
		if (root->id <= gen && READ_ONCE(root->invalid) &&
		    /* Pairs with the release at the end of tdpr_zap_root(). */
		    !smp_load_acquire(&root->zapped)) {
			done = false;
			break;
		}
	}
	rcu_read_unlock();
	return done;
}

/* Whether a root of generation @gen or older escaped invalidation. */
static bool tdpr_old_root_valid(struct tdpr_vm *vm, u64 gen)
{
	struct tdpr_root *root;
	bool found = false;

	rcu_read_lock();
	list_for_each_entry_rcu(root, &vm->roots, link) {
		if (root->id <= gen && !READ_ONCE(root->invalid)) {
			found = true;
			break;
		}
	}
	rcu_read_unlock();
	return found;
}

u64 tdpr_invalidate_all(struct tdpr_vm *vm, struct tdpr_lock *lk)
{
	/* Roots are allocated under the read lock: every id up to gen is listed or gone. */
	u64 gen = atomic64_read(&vm->next_root_id);

	tdpr_invalidate_roots(vm, lk);
	return gen;
}

void tdpr_zap_invalidated(struct tdpr_vm *vm, u64 gen)
{
	struct tdpr_lock lk;

	tdpr_race_window(TDPR_RACE_INVALIDATE);
	/* vCPUs reload onto new roots while the old ones are zapped. */
	tdpr_vm_lock(vm, &lk, true, TDPR_SITE_ZAP_ROOT);
	tdpr_zap_invalidated_roots(vm, &lk);
	tdpr_lock_release(&lk);

	/*
	 * Under seed, a root older than the invalidation may have been
	 * invalidated by a concurrent last put (a flip, a stopping vCPU,
	 * populate, zap_range) that is still zapping it: wait for that zap
	 * too, so nothing older than this call maps memory when it returns.
	 */
	/* The zaps waited for take mmu_lock. */
	lockdep_assert_not_held(&vm->mmu_lock);
	wait_event(vm->zap_wq, tdpr_old_roots_zapped(vm, gen));
	/*
	 * A root older than the invalidation that is still valid keeps the
	 * translations zap_all promised to end: vCPUs load it again.
	 */
	if (unlikely(tdpr_old_root_valid(vm, gen))) {
		tdpr_stat_inc(&vm->stats, TDPR_STAT_integrity_errors);
		WARN_ONCE(1, "vm %s: a root older than zap_all %llu escaped it and stays in use\n",
			  vm->name, gen);
	}
}

void tdpr_zap_range_locked(struct tdpr_vm *vm, u64 start, u64 end, struct tdpr_lock *lk)
{
	struct tdpr_root *root;

	/*
	 * Every root, invalid ones included: a vCPU that has not reloaded yet
	 * may still translate through an invalid root.
	 */
	for_each_tdpr_root_yield_safe(root, vm, lk)
		tdpr_zap_leafs(vm, root, start, end, lk);
}

/* Zap [@start, @end) in every root, and widen the in-progress range by it. */
static void tdpr_invalidate_one(struct tdpr_vm *vm, u64 start, u64 end, struct tdpr_lock *lk)
{
	struct tdpr_root *root;

	vm->mmu_invalidate_start = min(vm->mmu_invalidate_start, start);
	vm->mmu_invalidate_end = max(vm->mmu_invalidate_end, end);
	for_each_tdpr_root_yield_safe(root, vm, lk)
		tdpr_zap_leafs(vm, root, start, end, lk);
}

void tdpr_invalidate_range_start(struct tdpr_vm *vm, u64 start, u64 end, bool aliases,
				 struct tdpr_lock *lk)
{
	u64 period = vm->nr_gfns;

	lockdep_assert_held_write(&vm->mmu_lock);
	if (!vm->mmu_invalidate_in_progress++) {
		vm->mmu_invalidate_start = start;
		vm->mmu_invalidate_end = end;
	}
	tdpr_stat_inc(&vm->stats, TDPR_STAT_invalidations);

	if (aliases) {
		u64 leaf = tdpr_level_pages(vm->p.leaf_level);

		/* A huge leaf of the range is zapped whole, and refaulted. */
		start = round_down(start, leaf);
		end = min(round_up(end, leaf), vm->nr_gfns);
		period = tdpr_backing_alias_period(vm);
	}
	if (end - start >= period) {
		tdpr_invalidate_one(vm, 0, vm->nr_gfns, lk);
		return;
	}
	/*
	 * Guest frames a period apart share their backing frames: every
	 * copy of the range, the one that wraps below the first included.
	 */
	end = start % period + (end - start);
	start %= period;
	if (end > period)
		tdpr_invalidate_one(vm, 0, end - period, lk);
	for (; start < vm->nr_gfns; start += period, end += period)
		tdpr_invalidate_one(vm, start, min(end, vm->nr_gfns), lk);
}

void tdpr_invalidate_range_end(struct tdpr_vm *vm, struct tdpr_lock *lk)
{
	lockdep_assert_held_write(&vm->mmu_lock);
	/* Faults that sampled the old sequence retry from here on. */
	vm->mmu_invalidate_seq++;
	if (TDPR_WARN(vm, vm->mmu_invalidate_in_progress <= 0))
		return;
	vm->mmu_invalidate_in_progress--;
}

void tdpr_harvest_dirty_all(struct tdpr_vm *vm, struct tdpr_lock *lk, unsigned long *cand)
{
	struct tdpr_root *root;

	tdpr_lock_assert_held(lk);
	for_each_tdpr_root_yield_safe(root, vm, lk)
		tdpr_harvest_dirty(vm, root, lk, cand);
}

void tdpr_wait_invalid_zapped(struct tdpr_vm *vm)
{
	u64 gen = atomic64_read(&vm->next_root_id);

	/* The zaps waited for take mmu_lock. */
	lockdep_assert_not_held(&vm->mmu_lock);
	wait_event(vm->zap_wq, tdpr_old_roots_zapped(vm, gen));
}
