// SPDX-License-Identifier: GPL-2.0
/*
 * The fault path: map one guest frame under mmu_lock for read. Many faults
 * run at once, so every change to a live entry is a 64-bit compare-exchange
 * against the value the walk read; losing a race means starting over.
 */

#include <linux/io.h>
#include <linux/mm.h>

#include "backing.h"
#include "fault.h"
#include "pt.h"
#include "race.h"
#include "walk.h"

void tdpr_fault_prepare(struct tdpr_vm *vm, struct tdpr_fault_in *f, u64 gfn, bool write)
{
	f->gfn = gfn;
	f->write = write;
	f->mmu_seq = READ_ONCE(vm->mmu_invalidate_seq);
	/*
	 * The page is resolved after the sample: an invalidation that moves
	 * it ends by bumping the sequence under the write lock, so a fault
	 * that resolved the old page sees the new sequence or the invalidation
	 * still in progress (tdpr_fault_is_stale()).
	 */
	smp_rmb();
	f->level = tdpr_backing_resolve(vm, gfn, &f->pfn);
	tdpr_race_window(TDPR_RACE_FAULT);
}

/*
 * KVM's mmu_invalidate_retry_gfn(): whether the page @f resolved may be
 * stale, because an invalidation overlapping the leaf is in progress or one
 * ended since the sample. Between the sample and the install, the one
 * decision point of the retry rule.
 */
static bool tdpr_fault_is_stale(struct tdpr_vm *vm, const struct tdpr_fault_in *f)
{
	u64 nr = tdpr_level_pages(f->level);
	u64 base = round_down(f->gfn, nr);

	/* Start and end change them under the write lock. */
	lockdep_assert_held(&vm->mmu_lock);
	if (unlikely(vm->mmu_invalidate_in_progress) &&
	    base < vm->mmu_invalidate_end && base + nr > vm->mmu_invalidate_start)
		return true;
	return vm->mmu_invalidate_seq != f->mmu_seq;
}

int tdpr_fault_locked(struct tdpr_vm *vm, struct tdpr_root *root,
		      const struct tdpr_fault_in *f, struct tdpr_pt_cache *cache,
		      struct tdpr_lock *lk)
{
	int target = f->level;
	u64 gfn = f->gfn;
	struct tdpr_iter iter;
	int ret = 0;

	/* For read, but see tdpr_fault_lock(). */
	tdpr_lock_assert_held(lk);

	/*
	 * Invalidation happens under mmu_lock for write, or (seed) in the
	 * last put, which cannot run while the caller holds its reference:
	 * a root that is valid now stays valid until the lock is dropped.
	 */
	if (READ_ONCE(root->invalid))
		return -EAGAIN;

	rcu_read_lock();
	for_each_tdpr_pte(iter, root->pt, root->role.levels, gfn, gfn + 1) {
		struct page *page;
		u64 new;

		if (tdpr_spte_frozen(iter.old_spte)) {
			ret = TDPR_FAULT_RETRY;
			break;
		}

		if (iter.level == target) {
			if (tdpr_spte_present(iter.old_spte)) {
				/* Another vCPU mapped it first. */
				tdpr_stat_inc(&vm->stats, TDPR_STAT_spurious_faults);
				break;
			}
			if (tdpr_fault_is_stale(vm, f)) {
				ret = TDPR_FAULT_STALE;
				break;
			}
			new = tdpr_make_leaf_spte(vm->p.format, vm->p.ad, f->pfn, target,
						  f->write);
			if (!try_cmpxchg64(iter.sptep, &iter.old_spte, new)) {
				ret = TDPR_FAULT_RETRY;
				break;
			}
			tdpr_stat_inc(&vm->stats, TDPR_STAT_leaf_sptes);
			break;
		}

		if (tdpr_spte_present(iter.old_spte)) {
			/* A table on the way down; a leaf here would be a bug. */
			if (TDPR_WARN(vm, tdpr_spte_leaf(iter.old_spte, iter.level))) {
				ret = -EFAULT;
				break;
			}
			continue;
		}

		page = tdpr_pt_cache_pop(cache);
		if (TDPR_WARN(vm, !page)) {
			ret = -ENOMEM;
			break;
		}
		new = tdpr_make_table_spte(vm->p.format, page_to_phys(page));
		if (!try_cmpxchg64(iter.sptep, &iter.old_spte, new)) {
			/* Never visible to anyone: no grace period needed. */
			__free_page(page);
			ret = TDPR_FAULT_RETRY;
			break;
		}
		tdpr_pt_account(vm, page);
		atomic_inc(&root->pt_pages);
		/* Step into the table just installed. */
		iter.old_spte = new;
	}
	rcu_read_unlock();

	if (ret == TDPR_FAULT_RETRY)
		tdpr_stat_inc(&vm->stats, TDPR_STAT_fault_retries);
	else if (ret == TDPR_FAULT_STALE)
		tdpr_stat_inc(&vm->stats, TDPR_STAT_fault_retries_invalidate);
	else if (!ret)
		tdpr_stat_inc(&vm->stats, TDPR_STAT_faults);
	return ret;
}

int tdpr_fault(struct tdpr_vm *vm, struct tdpr_root *root, u64 gfn, bool write,
	       struct tdpr_pt_cache *cache)
{
	struct tdpr_fault_in f;
	struct tdpr_lock lk;
	int ret;

	do {
		if (tdpr_pt_cache_topup(cache, tdpr_fault_pages(vm)))
			return -ENOMEM;
		tdpr_fault_prepare(vm, &f, gfn, write);
		tdpr_fault_lock(vm, &lk, TDPR_SITE_FAULT);
		ret = tdpr_fault_locked(vm, root, &f, cache, &lk);
		tdpr_lock_release(&lk);
	} while (ret == TDPR_FAULT_RETRY);
	/* The vCPU must see requests (the invalidation's flush) before it retries. */
	return ret == TDPR_FAULT_STALE ? -EBUSY : ret;
}

