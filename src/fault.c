// SPDX-License-Identifier: GPL-2.0
/*
 * The fault path: map one guest frame under mmu_lock for read. Many faults
 * run at once, so every change to a live entry is a 64-bit compare-exchange
 * against the value the walk read; losing a race means starting over.
 */

#include <linux/io.h>
#include <linux/mm.h>
#include <linux/sched/signal.h>

#include <tdproot/bench.h>

#include "mmu_internal.h"

/* A racing thread changed an entry on our path: walk again from the root. */
#define TDP_FAULT_RETRY		1

int tdp_fault_locked(struct tdp_vm *vm, struct tdp_root *root, u64 gfn,
		     bool write, struct tdp_pt_cache *cache)
{
	int target = vm->p.leaf_level;
	u64 base = round_down(gfn, tdp_level_pages(target));
	struct tdp_iter iter;
	int ret = 0;

	if (tdp_bench_exclusive_faults())
		lockdep_assert_held_write(&vm->mmu_lock);
	else
		lockdep_assert_held_read(&vm->mmu_lock);

	/*
	 * Invalidation happens under mmu_lock for write, or (seed) in the
	 * last put, which cannot run while the caller holds its reference:
	 * a root that is valid now stays valid until the lock is dropped.
	 */
	if (READ_ONCE(root->invalid))
		return -EAGAIN;

	rcu_read_lock();
	for_each_tdp_pte(iter, root->pt, root->role.levels, gfn, gfn + 1) {
		struct page *page;
		u64 new;

		if (tdp_spte_frozen(iter.old_spte)) {
			ret = TDP_FAULT_RETRY;
			break;
		}

		if (iter.level == target) {
			if (tdp_spte_present(iter.old_spte)) {
				/* Another vCPU mapped it first. */
				tdp_stat_inc(&vm->stats, TDP_STAT_spurious_faults);
				break;
			}
			new = tdp_make_leaf_spte(vm->p.format, tdp_backing_pfn(vm, base),
						 target, write);
			if (!try_cmpxchg64(iter.sptep, &iter.old_spte, new)) {
				ret = TDP_FAULT_RETRY;
				break;
			}
			tdp_stat_inc(&vm->stats, TDP_STAT_leaf_sptes);
			break;
		}

		if (tdp_spte_present(iter.old_spte)) {
			/* A table on the way down; a leaf here would be a bug. */
			if (TDP_WARN(vm, tdp_spte_leaf(iter.old_spte, iter.level))) {
				ret = -EFAULT;
				break;
			}
			continue;
		}

		page = tdp_pt_cache_pop(cache);
		if (TDP_WARN(vm, !page)) {
			ret = -ENOMEM;
			break;
		}
		new = tdp_make_table_spte(vm->p.format, page_to_phys(page));
		if (!try_cmpxchg64(iter.sptep, &iter.old_spte, new)) {
			/* Never visible to anyone: no grace period needed. */
			__free_page(page);
			ret = TDP_FAULT_RETRY;
			break;
		}
		tdp_pt_account(vm, page);
		atomic_inc(&root->pt_pages);
		/* Step into the table just installed. */
		iter.old_spte = new;
	}
	rcu_read_unlock();

	if (ret == TDP_FAULT_RETRY)
		tdp_stat_inc(&vm->stats, TDP_STAT_fault_retries);
	else if (!ret)
		tdp_stat_inc(&vm->stats, TDP_STAT_faults);
	return ret;
}

/* Enough pages for every table between the root and the leaf. */
static int tdp_fault_pages(struct tdp_vm *vm)
{
	return vm->p.levels - vm->p.leaf_level;
}

int tdp_fault(struct tdp_vm *vm, struct tdp_root *root, u64 gfn, bool write,
	      struct tdp_pt_cache *cache)
{
	struct tdp_lock lk;
	int ret;

	do {
		if (tdp_pt_cache_topup(cache, tdp_fault_pages(vm)))
			return -ENOMEM;
		tdp_vm_lock(vm, &lk, !tdp_bench_exclusive_faults());
		ret = tdp_fault_locked(vm, root, gfn, write, cache);
		tdp_lock_release(&lk);
	} while (ret == TDP_FAULT_RETRY);
	return ret;
}

int tdp_translate(struct tdp_vm *vm, struct tdp_root *root, u64 gfn, u64 *pfn)
{
	struct tdp_iter iter;
	int ret = -EFAULT;

	/* No mmu_lock: like hardware, only the tables' RCU lifetime holds. */
	rcu_read_lock();
	for_each_tdp_pte(iter, root->pt, root->role.levels, gfn, gfn + 1) {
		/* Like hardware reading a page the allocator already took back. */
		if (unlikely(iter.old_spte == TDP_SPTE_FREED)) {
			tdp_stat_inc(&vm->stats, TDP_STAT_integrity_errors);
			WARN_ONCE(1, "vm %s: a vCPU walked a freed table (gfn 0x%llx, level %d)\n",
				  vm->name, gfn, iter.level);
			break;
		}
		if (!tdp_spte_present(iter.old_spte))
			break;
		if (tdp_spte_leaf(iter.old_spte, iter.level)) {
			u64 offset = gfn & (tdp_level_pages(iter.level) - 1);

			/* Blocks never exceed 2 MiB; see tdp_backing_pfn(). */
			offset &= (1ULL << vm->block_order) - 1;
			*pfn = tdp_spte_pfn(iter.old_spte) + offset;
			ret = 0;
			break;
		}
	}
	rcu_read_unlock();
	return ret;
}

int tdp_vm_populate(struct tdp_vm *vm, u64 gfn, u64 nr)
{
	u64 step = tdp_level_pages(vm->p.leaf_level);
	struct tdp_pt_cache cache = { 0 };
	struct tdp_root *root;
	u64 end = gfn + nr;
	struct tdp_lock lk;
	int ret = 0;

	if (!tdp_range_ok(vm, gfn, nr))
		return -EINVAL;

	root = tdp_root_load(vm, 0);
	if (IS_ERR(root))
		return PTR_ERR(root);

	while (gfn < end && !ret) {
		if (fatal_signal_pending(current)) {
			ret = -EINTR;
			break;
		}
		/* Destroy waits for this write: let it in. */
		if (READ_ONCE(vm->dying)) {
			ret = -ENODEV;
			break;
		}
		ret = tdp_pt_cache_topup(&cache, tdp_fault_pages(vm));
		if (ret)
			break;

		/*
		 * Fault a batch per lock hold, until the cache runs dry or
		 * someone else needs the lock or the CPU.
		 */
		tdp_vm_lock(vm, &lk, !tdp_bench_exclusive_faults());
		while (gfn < end && cache.nr >= tdp_fault_pages(vm)) {
			ret = tdp_fault_locked(vm, root, gfn, true, &cache);
			if (ret == TDP_FAULT_RETRY) {
				ret = 0;
				if (tdp_lock_contended(&lk))
					break;
				continue;
			}
			if (ret)
				break;
			gfn = round_down(gfn, step) + step;
			if (tdp_lock_contended(&lk))
				break;
		}
		tdp_lock_release(&lk);

		if (ret == -EAGAIN) {
			/* A zap_all invalidated the root: carry on in a new one. */
			tdp_root_release(vm, root);
			root = tdp_root_load(vm, 0);
			if (IS_ERR(root)) {
				tdp_pt_cache_free(&cache);
				return PTR_ERR(root);
			}
			ret = 0;
		}
		cond_resched();
	}

	tdp_pt_cache_free(&cache);
	tdp_root_release(vm, root);
	tdp_wait_frees(vm);
	return ret;
}
