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

/* Whether to end a batch: someone needs the lock or the CPU. */
static bool tdp_populate_should_break(const struct tdp_lock *lk)
{
	return tdp_bench_may_yield() && tdp_lock_contended(lk);
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
		tdp_fault_lock(vm, &lk);
		while (gfn < end && cache.nr >= tdp_fault_pages(vm)) {
			ret = tdp_fault_locked(vm, root, gfn, true, &cache, &lk);
			if (ret == TDP_FAULT_RETRY) {
				ret = 0;
				if (tdp_populate_should_break(&lk))
					break;
				continue;
			}
			if (ret)
				break;
			gfn = round_down(gfn, step) + step;
			if (tdp_populate_should_break(&lk))
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
