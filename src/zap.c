// SPDX-License-Identifier: GPL-2.0
/*
 * Zaps that span roots: fast invalidation of the whole VM (zap_all) and the
 * removal of a range of leaves from every root (zap_range).
 */

#include <linux/ktime.h>

#include "mmu_internal.h"
#include "tdproot_trace.h"

/*
 * Under mmu_lock for write nobody else holds the lock, so the list is
 * stable and every root on it has a non-zero count (a last put unlinks the
 * root before it drops the lock). Mark each valid root invalid and make
 * sure a reference is owned by the zap to come: under pinned that is the
 * MMU's own reference, under seed a new one. Roots the seed's last put
 * invalidated are left to the put that is zapping them.
 */
static void tdp_invalidate_roots(struct tdp_vm *vm, struct tdp_lock *lk)
{
	struct tdp_root *root;

	lockdep_assert_held_write(&vm->mmu_lock);
	/* One invalidation at a time: the to_zap flags belong to one zap_all. */
	lockdep_assert_held(&vm->zap_all_mutex);

	list_for_each_entry(root, &vm->roots, link) {
		if (READ_ONCE(root->invalid))
			continue;
#ifdef TDPROOT_MUTANT_missed_invalidate
		/* Upstream's race: the newest root escapes the invalidation. */
		if (root->id == atomic64_read(&vm->next_root_id))
			continue;
#endif
		if (vm->p.policy == TDP_POLICY_SEED &&
		    TDP_WARN(vm, !refcount_inc_not_zero(&root->count)))
			continue;
		xchg(&root->invalid, true);
		WRITE_ONCE(root->to_zap, true);
		tdp_stat_inc(&vm->stats, TDP_STAT_root_invalidations);
		trace_tdproot_root_invalidate(vm->name, root->id, root->role.as_id,
					      refcount_read(&root->count));
	}
}

/* Zap each root tdp_invalidate_roots() flagged, once, and drop its reference. */
static void tdp_zap_invalidated_roots(struct tdp_vm *vm, struct tdp_lock *lk)
{
	struct tdp_root *root;

	lockdep_assert_held(&vm->zap_all_mutex);
	for_each_tdp_root_yield_safe(root, vm, lk) {
		if (!xchg(&root->to_zap, false))
			continue;
		tdp_zap_root(vm, root, lk);
		tdp_put_root(vm, root, lk);
	}
}

/*
 * Whether every root allocated up to id @gen has been zapped to its end. A
 * root that is no longer listed was zapped before it was unlinked.
 */
/*
 * Whether every root invalidated by zap_all's generation @gen has been
 * zapped. Only invalid roots are waited for: a valid root that old would be
 * an invariant error, reported once by the caller, never a wait forever.
 */
static bool tdp_old_roots_zapped(struct tdp_vm *vm, u64 gen)
{
	struct tdp_root *root;
	bool done = true;

	rcu_read_lock();
	list_for_each_entry_rcu(root, &vm->roots, link) {
		if (root->id <= gen && READ_ONCE(root->invalid) &&
		    /* Pairs with the release at the end of tdp_zap_root(). */
		    !smp_load_acquire(&root->zapped)) {
			done = false;
			break;
		}
	}
	rcu_read_unlock();
	return done;
}

/* Whether a root of generation @gen or older escaped invalidation. */
static bool tdp_old_root_valid(struct tdp_vm *vm, u64 gen)
{
	struct tdp_root *root;
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

int tdp_vm_zap_all(struct tdp_vm *vm)
{
	struct tdp_lock lk;
	u64 target, gen;

	mutex_lock(&vm->zap_all_mutex);

	tdp_vm_lock(vm, &lk, false);
	/* Roots are allocated under the read lock: every id up to gen is listed or gone. */
	gen = atomic64_read(&vm->next_root_id);
	tdp_invalidate_roots(vm, &lk);
	atomic64_set(&vm->reload_req_ns, ktime_get_ns());
	target = atomic64_inc_return(&vm->reload_seq);
	tdp_lock_release(&lk);
	wake_up_all(&vm->kick_wq);

	/* vCPUs reload onto new roots while the old ones are zapped. */
	tdp_vm_lock(vm, &lk, true);
	tdp_zap_invalidated_roots(vm, &lk);
	tdp_lock_release(&lk);

	/*
	 * Under seed, a root older than the invalidation may have been
	 * invalidated by a concurrent last put (a flip, a stopping vCPU,
	 * populate, zap_range) that is still zapping it: wait for that zap
	 * too, so nothing older than this call maps memory when it returns.
	 */
	/* The zaps waited for take mmu_lock. */
	lockdep_assert_not_held(&vm->mmu_lock);
	wait_event(vm->zap_wq, tdp_old_roots_zapped(vm, gen));
	TDP_WARN(vm, tdp_old_root_valid(vm, gen));
	tdp_vm_wait_clients(vm, true, target);
	tdp_wait_frees(vm);
	tdp_stat_inc(&vm->stats, TDP_STAT_zaps_all);

	mutex_unlock(&vm->zap_all_mutex);
	return 0;
}

static void tdp_zap_leafs(struct tdp_vm *vm, struct tdp_root *root, u64 start,
			  u64 end, struct tdp_lock *lk)
{
	struct tdp_iter iter;
	u64 zapped = 0;

	/* Leaves of valid roots change only under the write lock: no fault races. */
	lockdep_assert_held_write(&vm->mmu_lock);
	rcu_read_lock();
	for_each_tdp_pte(iter, root->pt, root->role.levels, start, end) {
retry:
		if (tdp_iter_cond_resched(&iter, lk))
			continue;
		if (!tdp_spte_present(iter.old_spte) ||
		    !tdp_spte_leaf(iter.old_spte, iter.level))
			continue;
		if (!tdp_zap_spte(vm, root, &iter, &zapped))
			goto retry;
	}
	rcu_read_unlock();
}

int tdp_vm_zap_range(struct tdp_vm *vm, u64 gfn, u64 nr)
{
	struct tdp_root *root;
	struct tdp_lock lk;
	u64 target;

	if (!tdp_range_ok(vm, gfn, nr))
		return -EINVAL;

	/*
	 * Every root, invalid ones included: a vCPU that has not reloaded yet
	 * may still translate through an invalid root.
	 */
	tdp_vm_lock(vm, &lk, false);
	for_each_tdp_root_yield_safe(root, vm, &lk)
		tdp_zap_leafs(vm, root, gfn, gfn + nr, &lk);
	target = atomic64_inc_return(&vm->flush_seq);
	tdp_lock_release(&lk);

	wake_up_all(&vm->kick_wq);
#ifndef TDPROOT_MUTANT_stale_tlb
	tdp_vm_wait_clients(vm, false, target);
#endif
	/* From here on, a translation cached before this zap is a bug. */
	tdp_atomic64_max(&vm->flush_done_seq, target);
	/*
	 * Leaves free nothing; a seed last put in the root walk zaps a whole
	 * root (its tables are queued then, whoever puts the root last) and
	 * may free it: lk.frees counts both.
	 */
	if (lk.frees)
		tdp_wait_frees(vm);
	tdp_stat_inc(&vm->stats, TDP_STAT_zaps_range);
	return 0;
}
