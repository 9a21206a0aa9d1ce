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
 * tdpr_backing_free() - Release what tdpr_backing_alloc() and migrate allocated.
 * @vm: the VM.
 */
void tdpr_backing_free(struct tdpr_vm *vm);

/**
 * tdpr_backing_frame() - The backing frame behind a guest frame.
 * @vm: the VM.
 * @gfn: the guest frame.
 *
 * Return: the frame's index in the pool, below @vm->nr_frames.
 */
u64 tdpr_backing_frame(struct tdpr_vm *vm, u64 gfn);

/**
 * tdpr_backing_resolve() - The page a fault maps a guest frame to, and how.
 * @vm: the VM.
 * @gfn: the faulting frame.
 * @pfn: set to the host frame of the leaf's first guest frame.
 *
 * A block one of whose frames migrate moved is no longer contiguous: its
 * guest frames are mapped by 4K leaves. Called after the fault sampled
 * @vm->mmu_invalidate_seq; the fault installs the result only if no
 * invalidation overlapped it since (tdpr_fault_is_stale()).
 *
 * Return: the level of the leaf to install.
 */
int tdpr_backing_resolve(struct tdpr_vm *vm, u64 gfn, u64 *pfn);

/**
 * tdpr_backing_alias_period() - Guest frames after which the pool repeats.
 * @vm: the VM.
 *
 * Guest frames @gfn and @gfn + k * period share their backing frame; when
 * backing == mem (and leaves are 4K or 2M) the period is the guest itself.
 *
 * Return: the period in guest frames.
 */
u64 tdpr_backing_alias_period(struct tdpr_vm *vm);

/**
 * tdpr_backing_frames_in() - Mark the backing frames behind a range.
 * @vm: the VM.
 * @gfn: first guest frame.
 * @nr: number of guest frames.
 * @frames: a bitmap of @vm->nr_frames bits, set here.
 *
 * Return: the number of frames marked.
 */
u64 tdpr_backing_frames_in(struct tdpr_vm *vm, u64 gfn, u64 nr, unsigned long *frames);

/**
 * tdpr_backing_move() - Move one backing frame to a new page.
 * @vm: the VM.
 * @frame: the backing frame.
 *
 * Copies the frame's data to a new page and switches the frame to it; the
 * old page is retired first (its stamp says so), so a write that lands on it
 * is either copied or sees the retired stamp. Locking: @vm->migrate_mutex,
 * between an invalidation's start (every translation of the frame gone,
 * every TLB flushed) and its end.
 *
 * Return: 0 or -ENOMEM (nothing changed).
 */
int tdpr_backing_move(struct tdpr_vm *vm, u64 frame);

/**
 * tdpr_backing_mark_dirty() - Record the frames behind a dirty leaf.
 * @vm: the VM.
 * @gfn: a guest frame the leaf maps.
 * @level: the leaf's level.
 */
void tdpr_backing_mark_dirty(struct tdpr_vm *vm, u64 gfn, int level);

/**
 * tdpr_backing_mark_dirty_table() - Record the frames behind dirty 4K leaves.
 * @vm: the VM.
 * @gfn: the first guest frame of the level-1 table that held them.
 * @leaves: a bitmap of TDPR_PT_ENTRIES bits, the dirty leaves' indexes.
 */
void tdpr_backing_mark_dirty_table(struct tdpr_vm *vm, u64 gfn, const unsigned long *leaves);

/**
 * tdpr_backing_zap_check() - Check the page behind a 4K leaf being zapped.
 * @vm: the VM.
 * @gfn: the guest frame the leaf maps.
 * @pfn: the page it maps.
 *
 * KVM's zap of a leaf marks its page accessed or dirty. A page a migration
 * has already retired must not be reachable from any root, valid or not,
 * by then; finding one is an integrity error (in KVM, a write to a page
 * the primary MMU has freed). Only once the VM has migrated a frame.
 */
void tdpr_backing_zap_check(struct tdpr_vm *vm, u64 gfn, u64 pfn);

/**
 * tdpr_backing_zap_checks() - Whether zaps must check the pages they unmap.
 * @vm: the VM.
 *
 * Return: true once the VM has migrated a frame (tdpr_backing_zap_check()
 * finds nothing before); a teardown asks once per table.
 */
static inline bool tdpr_backing_zap_checks(struct tdpr_vm *vm)
{
	return !xa_empty(&vm->moved);
}

/**
 * tdpr_backing_unmark() - Clear the frames behind a leaf in a bitmap.
 * @vm: the VM.
 * @gfn: a guest frame the leaf maps.
 * @level: the leaf's level.
 * @frames: a bitmap of @vm->nr_frames bits.
 */
void tdpr_backing_unmark(struct tdpr_vm *vm, u64 gfn, int level, unsigned long *frames);

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
