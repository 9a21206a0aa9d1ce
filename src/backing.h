/* SPDX-License-Identifier: GPL-2.0 */
/* The guest's memory: its frames and the pool of real pages behind them. */
#ifndef _TDPROOT_BACKING_H
#define _TDPROOT_BACKING_H

#include <linux/minmax.h>

#include "mmu_internal.h"
#include "spte.h"

/* Blocks of the pool are at most 2 MiB: the page allocator's limit. */
#define TDP_MAX_BLOCK_ORDER	9

/* log2 of the 4 KiB frames one leaf at @leaf_level maps. */
static inline unsigned int tdp_leaf_shift(int leaf_level)
{
	return (leaf_level - 1) * TDP_PT_SHIFT;
}

/* log2 of the pages in one block of the pool. */
static inline unsigned int tdp_block_order(int leaf_level)
{
	return min(tdp_leaf_shift(leaf_level), TDP_MAX_BLOCK_ORDER);
}

/**
 * tdp_backing_alloc() - Allocate and stamp the pool.
 * @vm: a VM with id and parameters set.
 *
 * On failure the caller still calls tdp_backing_free().
 *
 * Return: 0 or -ENOMEM.
 */
int tdp_backing_alloc(struct tdp_vm *vm);

/**
 * tdp_backing_free() - Release what tdp_backing_alloc() allocated.
 * @vm: the VM.
 */
void tdp_backing_free(struct tdp_vm *vm);

/**
 * tdp_backing_pfn() - The host frame behind a guest frame.
 * @vm: the VM.
 * @gfn: the guest frame.
 *
 * Return: the host frame.
 */
u64 tdp_backing_pfn(struct tdp_vm *vm, u64 gfn);

/**
 * tdp_range_ok() - Whether [@gfn, @gfn + @nr) lies inside the guest.
 * @vm: the VM.
 * @gfn: first frame.
 * @nr: number of frames.
 *
 * Return: true if it does; otherwise false, with a ratelimited message.
 */
bool tdp_range_ok(struct tdp_vm *vm, u64 gfn, u64 nr);

#endif /* _TDPROOT_BACKING_H */
