/* SPDX-License-Identifier: GPL-2.0 */
/* The guest's memory: its frames and the pool of real pages behind them. */
#ifndef _TDPROOT_BACKING_H
#define _TDPROOT_BACKING_H

#include <linux/minmax.h>

#include "mmu_internal.h"
#include "spte.h"

/* Blocks of the pool are at most 2 MiB: the page allocator's limit. */
#define TDPR_MAX_BLOCK_ORDER	9

/* log2 of the 4 KiB frames one leaf at @leaf_level maps. */
static inline unsigned int tdpr_leaf_shift(int leaf_level)
{
	return (leaf_level - 1) * TDPR_PT_SHIFT;
}

/* log2 of the pages in one block of the pool. */
static inline unsigned int tdpr_block_order(int leaf_level)
{
	return min(tdpr_leaf_shift(leaf_level), TDPR_MAX_BLOCK_ORDER);
}

/**
 * tdpr_backing_alloc() - Allocate and stamp the pool.
 * @vm: a VM with id and parameters set.
 *
 * On failure the caller still calls tdpr_backing_free().
 *
 * Return: 0 or -ENOMEM.
 */
int tdpr_backing_alloc(struct tdpr_vm *vm);

/**
 * tdpr_backing_free() - Release what tdpr_backing_alloc() allocated.
 * @vm: the VM.
 */
void tdpr_backing_free(struct tdpr_vm *vm);

/**
 * tdpr_backing_pfn() - The host frame behind a guest frame.
 * @vm: the VM.
 * @gfn: the guest frame.
 *
 * Return: the host frame.
 */
u64 tdpr_backing_pfn(struct tdpr_vm *vm, u64 gfn);

/**
 * tdpr_range_ok() - Whether [@gfn, @gfn + @nr) lies inside the guest.
 * @vm: the VM.
 * @gfn: first frame.
 * @nr: number of frames.
 *
 * Return: true if it does; otherwise false, with a ratelimited message.
 */
bool tdpr_range_ok(struct tdpr_vm *vm, u64 gfn, u64 nr);

#endif /* _TDPROOT_BACKING_H */
