/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The zap layer: clearing entries of one root under mmu_lock, yielding the
 * lock as the walk goes. Below the roots layer, because the seed policy's
 * last put of a root zaps it in the put itself.
 */
#ifndef _TDPROOT_ZAP_H
#define _TDPROOT_ZAP_H

#include "mmu_internal.h"

/**
 * tdpr_zap_root() - Zap every entry of an invalid root, once in its life.
 * @vm: the VM.
 * @root: an invalid root the caller holds a reference to.
 * @lk: mmu_lock, held in either mode; yielded as needed.
 *
 * The tables go to call_rcu() and @lk->frees counts them; waiters on
 * @vm->zap_wq are woken when the zap is over.
 */
void tdpr_zap_root(struct tdpr_vm *vm, struct tdpr_root *root, struct tdpr_lock *lk);

/**
 * tdpr_zap_leafs() - Zap the leaves mapping [@start, @end) in one root.
 * @vm: the VM.
 * @root: a root the caller holds a reference to, valid or not.
 * @start: first guest frame.
 * @end: first guest frame past the range.
 * @lk: mmu_lock, held for write; yielded as needed.
 */
void tdpr_zap_leafs(struct tdpr_vm *vm, struct tdpr_root *root, u64 start, u64 end,
		    struct tdpr_lock *lk);

/**
 * tdpr_harvest_dirty() - Take the dirty bits of one root's leaves.
 * @vm: the VM.
 * @root: a root the caller holds a reference to, valid or not.
 * @lk: mmu_lock, held in either mode; yielded as needed.
 * @cand: NULL to clear every dirty bit (a compare-exchange: vCPUs set bits
 *	concurrently) and record the leaf's frames in the dirty log; or a
 *	bitmap of frames from which the frames of every dirty leaf are
 *	cleared, the tables left unchanged.
 */
void tdpr_harvest_dirty(struct tdpr_vm *vm, struct tdpr_root *root, struct tdpr_lock *lk,
			unsigned long *cand);

#endif /* _TDPROOT_ZAP_H */
