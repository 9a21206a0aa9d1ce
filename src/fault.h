/* SPDX-License-Identifier: GPL-2.0 */
/* The fault path, for its two callers: a vCPU's exit and populate. */
#ifndef _TDPROOT_FAULT_H
#define _TDPROOT_FAULT_H

#include "bench.h"
#include "mmu_internal.h"

/* A racing thread changed an entry on our path: walk again from the root. */
#define TDPR_FAULT_RETRY		1

/* Enough pages for every table between the root and the leaf. */
static inline int tdpr_fault_pages(struct tdpr_vm *vm)
{
	return vm->p.levels - vm->p.leaf_level;
}

/**
 * tdpr_fault_lock() - Take mmu_lock in the mode faults take it.
 * @vm: the VM.
 * @lk: the caller's lock record.
 *
 * For read, so faults run in parallel; for write in the bench baseline.
 */
static inline void tdpr_fault_lock(struct tdpr_vm *vm, struct tdpr_lock *lk)
	__acquires(&vm->mmu_lock)
{
	tdpr_vm_lock(vm, lk, tdpr_bench_faults_shared());
}

/**
 * tdpr_fault_locked() - Map one guest frame in a root.
 * @vm: the VM.
 * @root: a referenced root.
 * @gfn: the frame.
 * @write: a write access.
 * @cache: pages for missing tables, topped up by the caller.
 * @lk: mmu_lock, taken with tdpr_fault_lock().
 *
 * Return: 0 when mapped, TDPR_FAULT_RETRY after a lost race, -EAGAIN if
 * @root is invalid, -ENOMEM if @cache ran dry, -EFAULT on a corrupt table.
 */
int tdpr_fault_locked(struct tdpr_vm *vm, struct tdpr_root *root, u64 gfn,
		      bool write, struct tdpr_pt_cache *cache, struct tdpr_lock *lk);

#endif /* _TDPROOT_FAULT_H */
