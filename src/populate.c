// SPDX-License-Identifier: GPL-2.0
/*
 * Populate: fault a range of guest frames into address space 0's root from
 * outside any vCPU, in batches of faults per hold of mmu_lock.
 */

#include <linux/err.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>

#include "backing.h"
#include "fault.h"
#include "pt.h"

/*
 * Whether to end a batch early: only for the scheduler. A batch ends anyway
 * when the page cache runs dry, at the first new table (at most 512 faults),
 * so a task waiting for mmu_lock waits one batch at most, in either lock
 * mode. Ending it whenever a task waits would hand the lock over after every
 * fault when faults take it for write (another populate always waits) but
 * not when they take it for read: the two modes would batch differently.
 */
static bool tdpr_populate_should_break(void)
{
	return tdpr_bench_may_yield() && need_resched();
}

int tdpr_vm_populate(struct tdpr_vm *vm, u64 gfn, u64 nr)
{
	struct tdpr_pt_cache cache = { 0 };
	bool stale = false;
	struct tdpr_root *root;
	u64 end = gfn + nr;
	struct tdpr_lock lk;
	int ret = 0;

	if (!tdpr_range_ok(vm, gfn, nr))
		return -EINVAL;

	root = tdpr_root_load(vm, 0);
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
		ret = tdpr_pt_cache_topup(&cache, tdpr_fault_pages(vm));
		if (ret)
			break;

		/*
		 * Fault a batch per lock hold, until the cache runs dry or
		 * the scheduler wants the CPU.
		 */
		tdpr_fault_lock(vm, &lk, TDPR_SITE_POPULATE);
		while (gfn < end && cache.nr >= tdpr_fault_pages(vm)) {
			struct tdpr_fault_in f;

			/* Under the read lock the sequence cannot move, but may be in progress. */
			tdpr_fault_prepare(vm, &f, gfn, true);
			ret = tdpr_fault_locked(vm, root, &f, &cache, &lk);
			if (ret == TDPR_FAULT_STALE) {
				/* Let the invalidation end: it needs the write lock. */
				ret = 0;
				stale = true;
				break;
			}
			if (ret == TDPR_FAULT_RETRY) {
				ret = 0;
				if (tdpr_populate_should_break())
					break;
				continue;
			}
			if (ret)
				break;
			gfn = round_down(gfn, tdpr_level_pages(f.level));
			gfn += tdpr_level_pages(f.level);
			if (tdpr_populate_should_break())
				break;
		}
		tdpr_lock_release(&lk);

		if (ret == -EAGAIN) {
			/* A zap_all invalidated the root: carry on in a new one. */
			tdpr_root_release(vm, root);
			root = tdpr_root_load(vm, 0);
			if (IS_ERR(root)) {
				tdpr_pt_cache_free(&cache);
				return PTR_ERR(root);
			}
			ret = 0;
		}
		if (stale) {
			stale = false;
			schedule_timeout_uninterruptible(1);
		}
		cond_resched();
	}

	tdpr_pt_cache_free(&cache);
	tdpr_root_release(vm, root);
	tdpr_wait_frees(vm);
	return ret;
}
