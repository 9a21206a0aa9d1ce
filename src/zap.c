// SPDX-License-Identifier: GPL-2.0
/*
 * Zaps within one root: of an entry (and the subtree below it), of a whole
 * invalid root, of the leaves of a range. The walks here hold mmu_lock and
 * yield it; the walker itself knows nothing of locks.
 */

#include <linux/io.h>
#include <linux/ktime.h>
#include <linux/rcupdate.h>

#include "backing.h"
#include "bench.h"
#include "pt.h"
#include "race.h"
#include "walk.h"
#include "zap.h"
#include "tdproot_trace.h"

/*
 * Yield mmu_lock and the RCU read side if someone needs the CPU or the
 * lock, unless the walk already yielded at this frame; returns true if it
 * yielded. After a yield the caller must not act on the current entry: it
 * continues its loop, and the next step restarts the walk from the root at
 * iter->next_gfn. Like upstream's tdp_mmu_iter_cond_resched(), this lives
 * with the lock holders, not with the walker.
 */
static bool __must_check tdpr_iter_cond_resched(struct tdpr_iter *iter, struct tdpr_lock *lk)
{
	u64 held;

	if (iter->next_gfn == iter->yielded_gfn || !tdpr_bench_may_yield() ||
	    !tdpr_lock_contended(lk))
		return false;

	rcu_read_unlock();
	held = tdpr_lock_yield(lk);
	rcu_read_lock();

	trace_tdproot_zap_yield(lk->name, iter->next_gfn, iter->level, held);
	tdpr_stat_inc(lk->stats, TDPR_STAT_zap_yields);
	iter->yielded_gfn = iter->next_gfn;
	iter->yielded = true;
	return true;
}

static bool tdpr_zap_spte(struct tdpr_vm *vm, struct tdpr_root *root, struct tdpr_iter *iter,
			  u64 *zapped)
{
	u64 old = iter->old_spte;
	u64 leaves = 1;
	int tables = 0;

	/*
	 * After a yield the entry may have changed or been unlinked: the
	 * caller must step the walk (which restarts it) before acting again.
	 */
	if (TDPR_WARN(vm, iter->yielded))
		return true;

	/*
	 * A vCPU may set the dirty bit of a clean leaf at any moment (KVM's
	 * "volatile bits"): the amplifier holds that window open.
	 */
	if (tdpr_spte_leaf(old, iter->level) && !tdpr_spte_frozen(old) &&
	    tdpr_spte_dirty(vm->p.format, vm->p.ad) &&
	    !(old & tdpr_spte_dirty(vm->p.format, vm->p.ad)))
		tdpr_race_window(TDPR_RACE_ZAP_SPTE);

	/*
	 * Freeze first: from here until the final store this thread owns the
	 * entry, and concurrent atomic writers see FROZEN and retry.
	 */
	if (tdpr_spte_frozen(old) || !try_cmpxchg64(iter->sptep, &iter->old_spte,
						    TDPR_SPTE_FROZEN)) {
		cpu_relax();
		iter->old_spte = tdpr_read_spte(iter->sptep);
		return false;
	}

	if (iter->level == TDPR_PG_LEVEL_4K && tdpr_spte_leaf(old, iter->level))
		tdpr_backing_zap_check(vm, iter->gfn, tdpr_spte_pfn(old));
	if (!tdpr_spte_leaf(old, iter->level)) {
		leaves = tdpr_pt_teardown(vm, phys_to_virt(old & TDPR_SPTE_PFN_MASK),
					  iter->level - 1, iter->gfn, &tables);
		atomic_sub(tables, &root->pt_pages);
	} else if (old & tdpr_spte_dirty(vm->p.format, vm->p.ad)) {
		/*
		 * The exchange above took the dirty bit with the entry: a vCPU
		 * that set it a moment before made the exchange fail and retry.
		 */
		tdpr_backing_mark_dirty(vm, iter->gfn, iter->level);
	}
	tdpr_stat_add(&vm->stats, TDPR_STAT_leaf_sptes, -(s64)leaves);
	*zapped += leaves;

	/* Pairs with the READ_ONCE of lockless walkers: the entry is now empty. */
	smp_store_release(iter->sptep, 0);
	iter->old_spte = 0;
	return true;
}

/* Zap every entry at @zap_level or above whose subtree is at most that level. */
static void tdpr_zap_root_level(struct tdpr_vm *vm, struct tdpr_root *root,
				int zap_level, struct tdpr_lock *lk, u64 *zapped)
{
	int levels = root->role.levels;
	struct tdpr_iter iter;

	for_each_tdpr_pte_min_level(iter, root->pt, levels, zap_level, 0,
				    tdpr_max_gfn(levels)) {
		u64 step;
retry:
		if (tdpr_iter_cond_resched(&iter, lk))
			continue;
		if (!tdpr_spte_present(iter.old_spte) && !tdpr_spte_frozen(iter.old_spte))
			continue;
		if (iter.level > zap_level)
			continue;
		/*
		 * One step: nothing yields between two checks above, so a
		 * waiter for mmu_lock waits for one step at most.
		 */
		step = ktime_get_ns();
		if (!tdpr_zap_spte(vm, root, &iter, zapped))
			goto retry;
		tdpr_stat_max(&vm->stats, TDPR_STAT_max_zap_step_ns, ktime_get_ns() - step);
	}
}

void tdpr_zap_root(struct tdpr_vm *vm, struct tdpr_root *root, struct tdpr_lock *lk)
{
	u64 start = ktime_get_ns();
	u64 zapped = 0;

	tdpr_lock_assert_held(lk);
	/* From here the hold is the zap's, whoever took the lock. */
	tdpr_lock_charge(lk, TDPR_SITE_ZAP_ROOT);
	TDPR_WARN(vm, !READ_ONCE(root->invalid));
	TDPR_WARN(vm, atomic_inc_return(&root->zaps) != 1);
	trace_tdproot_root_zap_begin(vm->name, root->id, root->role.as_id,
				     refcount_read(&root->count));

	/*
	 * Two passes keep every step bounded: first each 1 GiB-level subtree
	 * (at most 512 tables), then the upper levels, which are by then a
	 * handful of empty tables.
	 */
	rcu_read_lock();
	tdpr_zap_root_level(vm, root, TDPR_PG_LEVEL_1G, lk, &zapped);
	tdpr_zap_root_level(vm, root, root->role.levels, lk, &zapped);
	rcu_read_unlock();

	/* Tables went to call_rcu(): a writer that must wait for them can. */
	lk->frees++;
	/* Pairs with the acquire in tdpr_old_roots_zapped(). */
	smp_store_release(&root->zapped, true);
	wake_up_all(&vm->zap_wq);

	start = ktime_get_ns() - start;
	tdpr_stat_inc(&vm->stats, TDPR_STAT_root_zaps);
	tdpr_stat_add(&vm->stats, TDPR_STAT_root_zap_ns, start);
	trace_tdproot_root_zap_end(vm->name, root->id, root->role.as_id,
				   refcount_read(&root->count), zapped, start);
}

void tdpr_zap_leafs(struct tdpr_vm *vm, struct tdpr_root *root, u64 start, u64 end,
		    struct tdpr_lock *lk)
{
	struct tdpr_iter iter;
	u64 zapped = 0;

	/* Leaves of valid roots change only under the write lock: no fault races. */
	lockdep_assert_held_write(&vm->mmu_lock);
	rcu_read_lock();
	for_each_tdpr_pte(iter, root->pt, root->role.levels, start, end) {
retry:
		if (tdpr_iter_cond_resched(&iter, lk))
			continue;
		if (!tdpr_spte_present(iter.old_spte) ||
		    !tdpr_spte_leaf(iter.old_spte, iter.level))
			continue;
		if (!tdpr_zap_spte(vm, root, &iter, &zapped))
			goto retry;
	}
	rcu_read_unlock();
}

void tdpr_harvest_dirty(struct tdpr_vm *vm, struct tdpr_root *root, struct tdpr_lock *lk,
			unsigned long *cand)
{
	u64 dirty = tdpr_spte_dirty(vm->p.format, vm->p.ad);
	struct tdpr_iter iter;

	tdpr_lock_assert_held(lk);
	rcu_read_lock();
	for_each_tdpr_pte(iter, root->pt, root->role.levels, 0, vm->nr_gfns) {
retry:
		if (tdpr_iter_cond_resched(&iter, lk))
			continue;
		if (!tdpr_spte_present(iter.old_spte) ||
		    !tdpr_spte_leaf(iter.old_spte, iter.level) || !(iter.old_spte & dirty))
			continue;
		if (cand) {
			tdpr_backing_unmark(vm, iter.gfn, iter.level, cand);
			continue;
		}
		/* A vCPU may set bits at any time: clear with an exchange, retry if it moved. */
		if (!try_cmpxchg64(iter.sptep, &iter.old_spte, iter.old_spte & ~dirty))
			goto retry;
		tdpr_backing_mark_dirty(vm, iter.gfn, iter.level);
	}
	rcu_read_unlock();
}
