/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The page-table half of zap_all and zap_range, for the requests layer,
 * which adds the requests to vCPUs and the waits for them.
 */
#ifndef _TDPROOT_INVALIDATE_H
#define _TDPROOT_INVALIDATE_H

#include "mmu_internal.h"

/**
 * tdpr_invalidate_all() - Invalidate every valid root for zap_all.
 * @vm: the VM.
 * @lk: mmu_lock, held for write.
 *
 * Each root invalidated is flagged for tdpr_zap_invalidated() and owns a
 * reference for it. Locking: @vm->zap_all_mutex held, until the matching
 * tdpr_zap_invalidated() returns.
 *
 * Return: the invalidation's generation: every root up to it is invalid.
 */
u64 tdpr_invalidate_all(struct tdpr_vm *vm, struct tdpr_lock *lk);

/**
 * tdpr_zap_invalidated() - Zap the roots tdpr_invalidate_all() flagged.
 * @vm: the VM.
 * @gen: what tdpr_invalidate_all() returned.
 *
 * Zaps each flagged root once under mmu_lock for read, then waits until
 * every root of generation @gen or older is zapped, those a concurrent seed
 * last put is zapping included. Locking: mmu_lock not held;
 * @vm->zap_all_mutex held.
 */
void tdpr_zap_invalidated(struct tdpr_vm *vm, u64 gen);

/**
 * tdpr_zap_range_locked() - Zap the leaves of a range in every root.
 * @vm: the VM.
 * @start: first guest frame.
 * @end: first guest frame past the range.
 * @lk: mmu_lock, held for write; yielded as needed.
 *
 * Invalid roots too. A put in the walk may be a seed last put, which zaps
 * and frees a root: @lk->frees counts it.
 */
void tdpr_zap_range_locked(struct tdpr_vm *vm, u64 start, u64 end, struct tdpr_lock *lk);

/**
 * tdpr_invalidate_range_start() - KVM's invalidate_range_start, page-table half.
 * @vm: the VM.
 * @start: first guest frame.
 * @end: first guest frame past the range.
 * @aliases: the backing of the range changes: round it out to whole
 *	leaves and zap every guest range that aliases it too.
 * @lk: mmu_lock, held for write; yielded as needed.
 *
 * Raises the in-progress count and widens the in-progress range before it
 * zaps, so a fault that runs while the zap yields does not install.
 */
void tdpr_invalidate_range_start(struct tdpr_vm *vm, u64 start, u64 end, bool aliases,
				 struct tdpr_lock *lk);

/**
 * tdpr_invalidate_range_end() - KVM's invalidate_range_end.
 * @vm: the VM.
 * @lk: mmu_lock, held for write.
 *
 * Bumps the sequence, then lowers the in-progress count.
 */
void tdpr_invalidate_range_end(struct tdpr_vm *vm, struct tdpr_lock *lk);

/**
 * tdpr_harvest_dirty_all() - Take the dirty bits of every root's leaves.
 * @vm: the VM.
 * @lk: mmu_lock, held for read; yielded as needed.
 * @cand: as for tdpr_harvest_dirty().
 *
 * Invalid roots too: a vCPU that has not reloaded may still write through one.
 */
void tdpr_harvest_dirty_all(struct tdpr_vm *vm, struct tdpr_lock *lk, unsigned long *cand);

/**
 * tdpr_wait_invalid_zapped() - Wait until every invalid root listed now is zapped.
 * @vm: the VM.
 *
 * Whole-root zaps record the dirty bits they take when they run; once a
 * root is zapped, its leaves' bits are in the dirty bitmap. Locking:
 * mmu_lock not held.
 */
void tdpr_wait_invalid_zapped(struct tdpr_vm *vm);

#endif /* _TDPROOT_INVALIDATE_H */
