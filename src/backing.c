// SPDX-License-Identifier: GPL-2.0
/*
 * The guest's memory: its frames and the real pages behind them.
 *
 * Backing memory is a pool of blocks of 2^block_order pages, as large as a
 * leaf (4 KiB or 2 MiB; 1 GiB leaves use 2 MiB blocks, as the page allocator
 * cannot hand out 1 GiB). Guest frames alias the pool when backing < mem,
 * leaf by leaf, so a small host can map a huge guest. Every page starts with
 * a stamp naming its block and index, which a vCPU checks after each
 * translation.
 */

#include <linux/gfp.h>
#include <linux/math64.h>
#include <linux/mm.h>
#include <linux/slab.h>

#include "backing.h"
#include "fail.h"

#define TDPR_STAMP_MAGIC		0x7464707230303030ULL	/* "tdpr0000" */

static u64 tdpr_stamp(struct tdpr_vm *vm, u64 block, u64 index)
{
	return TDPR_STAMP_MAGIC ^ ((u64)vm->id << 40) ^ (block << TDPR_MAX_BLOCK_ORDER) ^ index;
}

void tdpr_backing_free(struct tdpr_vm *vm)
{
	u64 i;

	if (!vm->blocks)	/* the array itself could not be allocated */
		return;
	for (i = 0; i < vm->nr_blocks && vm->blocks[i]; i++)
		__free_pages(vm->blocks[i], vm->block_order);
	kvfree(vm->blocks);
}

int tdpr_backing_alloc(struct tdpr_vm *vm)
{
	gfp_t gfp = GFP_KERNEL_ACCOUNT | __GFP_NOWARN | __GFP_RETRY_MAYFAIL;
	u64 i, j;

	vm->block_order = tdpr_block_order(vm->p.leaf_level);
	vm->nr_blocks = vm->p.backing_bytes >> (PAGE_SHIFT + vm->block_order);
	if (tdpr_should_fail(TDPR_FAIL_VM))
		return -ENOMEM;
	vm->blocks = kvcalloc(vm->nr_blocks, sizeof(*vm->blocks), GFP_KERNEL_ACCOUNT);
	if (!vm->blocks)
		return -ENOMEM;

	for (i = 0; i < vm->nr_blocks; i++) {
		if (tdpr_should_fail(TDPR_FAIL_VM))
			return -ENOMEM;
		vm->blocks[i] = alloc_pages(gfp, vm->block_order);
		if (!vm->blocks[i])
			return -ENOMEM;
		for (j = 0; j < (1ULL << vm->block_order); j++) {
			u64 *p = page_address(vm->blocks[i] + j);

			p[0] = tdpr_stamp(vm, i, j);
			p[1] = 0;
		}
		cond_resched();
	}
	return 0;
}

/* Block of the pool behind the leaf that maps @gfn, and the page in it. */
static void tdpr_backing_locate(struct tdpr_vm *vm, u64 gfn, u64 *block, u64 *index)
{
	div64_u64_rem(gfn >> tdpr_leaf_shift(vm->p.leaf_level), vm->nr_blocks, block);
	*index = gfn & ((1ULL << vm->block_order) - 1);
}

u64 tdpr_backing_pfn(struct tdpr_vm *vm, u64 gfn)
{
	u64 block, index;

	tdpr_backing_locate(vm, gfn, &block, &index);
	return page_to_pfn(vm->blocks[block]) + index;
}

bool tdpr_backing_check(struct tdpr_vm *vm, u64 gfn, u64 pfn, bool write)
{
	u64 block, index, *p;

	tdpr_backing_locate(vm, gfn, &block, &index);
	if (pfn_valid(pfn)) {
		p = page_address(pfn_to_page(pfn));
		if (READ_ONCE(p[0]) == tdpr_stamp(vm, block, index)) {
			if (write)
				WRITE_ONCE(p[1], READ_ONCE(p[1]) + 1);
			return true;
		}
	}
	tdpr_stat_inc(&vm->stats, TDPR_STAT_integrity_errors);
	WARN_ONCE(1, "vm %s: gfn 0x%llx translated to pfn 0x%llx, not its backing page\n",
		  vm->name, gfn, pfn);
	return false;
}

bool tdpr_range_ok(struct tdpr_vm *vm, u64 gfn, u64 nr)
{
	if (nr && gfn < vm->nr_gfns && nr <= vm->nr_gfns - gfn)
		return true;
	pr_warn_ratelimited("vm %s: range [0x%llx, +0x%llx) is not inside the guest's 0x%llx frames\n",
			    vm->name, gfn, nr, vm->nr_gfns);
	return false;
}
