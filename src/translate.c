// SPDX-License-Identifier: GPL-2.0
/*
 * The vCPU's translation: a walk of its root for one frame the way hardware
 * walks, without mmu_lock, inside an RCU read-side section. A non-present
 * entry on the way is an exit to the fault path. Like the CPU, the walk sets
 * the accessed bit of the leaf it uses, and the dirty bit for a write, with
 * a compare-exchange on the live entry, at any time, whatever lock a zap
 * holds: a zap that changes a leaf of a live root must exchange it, never
 * read it and store over it, or a dirty bit set in between is lost.
 */

#include <linux/rcupdate.h>

#include "mmu_internal.h"
#include "race.h"
#include "walk.h"

int tdpr_translate(struct tdpr_vm *vm, struct tdpr_root *root, u64 gfn, bool write, u64 *pfn)
{
	u64 ad = tdpr_spte_accessed(vm->p.format, vm->p.ad) |
		 (write ? tdpr_spte_dirty(vm->p.format, vm->p.ad) : 0);
	struct tdpr_iter iter;
	int ret = -EFAULT;

	/* No mmu_lock: like hardware, only the tables' RCU lifetime holds. */
	rcu_read_lock();
	for_each_tdpr_pte(iter, root->pt, root->role.levels, gfn, gfn + 1) {
		/* Like hardware reading a page the allocator already took back. */
		if (unlikely(iter.old_spte == tdpr_spte_freed)) {
			tdpr_stat_inc(&vm->stats, TDPR_STAT_integrity_errors);
			WARN_ONCE(1, "vm %s: a vCPU walked a freed table (gfn 0x%llx, level %d)\n",
				  vm->name, gfn, iter.level);
			break;
		}
		if (!tdpr_spte_present(iter.old_spte))
			break;
		if (tdpr_spte_leaf(iter.old_spte, iter.level)) {
			u64 offset = gfn & (tdpr_level_pages(iter.level) - 1);

			/*
			 * A failed exchange means the entry changed (a zap
			 * froze it): an exit, and the fault path sorts it out.
			 */
			if ((iter.old_spte & ad) != ad &&
			    !try_cmpxchg64(iter.sptep, &iter.old_spte, iter.old_spte | ad))
				break;

			/* Blocks never exceed 2 MiB; see tdpr_backing_pfn(). */
			offset &= (1ULL << vm->block_order) - 1;
			*pfn = tdpr_spte_pfn(iter.old_spte) + offset;
			ret = 0;
			break;
		}
		/* Test only: a zap of this root may free the table the walk is in. */
		if (iter.level == root->role.levels - 1)
			tdpr_race_hold_walk(READ_ONCE(root->invalid) ||
					    mutex_is_locked(&vm->zap_all_mutex),
					    root->pt + tdpr_spte_index(gfn, root->role.levels));
	}
	rcu_read_unlock();
	return ret;
}

u64 tdpr_root_audit(struct tdpr_vm *vm, struct tdpr_root *root, u64 *bad_gfn, u64 *bad_pfn)
{
	u64 block = (1ULL << vm->block_order) - 1;
	struct tdpr_iter iter;
	struct tdpr_lock lk;
	u64 gfn, end, pfn, bad = 0;

	/* Charged to the dirty-log site: the other walk of every leaf. */
	tdpr_vm_lock(vm, &lk, false, TDPR_SITE_DIRTY_LOG);
	rcu_read_lock();
	for_each_tdpr_pte(iter, root->pt, root->role.levels, 0, vm->nr_gfns) {
		if (iter.old_spte == tdpr_spte_freed) {
			/* A table freed under a live root: every frame below is wrong. */
			if (!bad++) {
				*bad_gfn = iter.gfn;
				*bad_pfn = 0;
			}
			continue;
		}
		if (!tdpr_spte_present(iter.old_spte) || !tdpr_spte_leaf(iter.old_spte, iter.level))
			continue;
		end = min(iter.gfn + tdpr_level_pages(iter.level), vm->nr_gfns);
		for (gfn = iter.gfn; gfn < end; gfn++) {
			/* As tdpr_translate(): blocks never exceed 2 MiB. */
			pfn = tdpr_spte_pfn(iter.old_spte) + ((gfn - iter.gfn) & block);
			if (pfn == tdpr_backing_pfn(vm, gfn))
				continue;
			if (!bad++) {
				*bad_gfn = gfn;
				*bad_pfn = pfn;
			}
		}
	}
	rcu_read_unlock();
	tdpr_lock_release(&lk);
	return bad;
}
