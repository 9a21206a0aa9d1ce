/* SPDX-License-Identifier: GPL-2.0 */
/* The fault path, for its two callers: a vCPU's exit and populate. */
#ifndef _TDPROOT_FAULT_H
#define _TDPROOT_FAULT_H

#include "bench.h"
#include "mmu_internal.h"

/* A racing thread changed an entry on our path: walk again from the root. */
#define TDPR_FAULT_RETRY		1
/*
 * An invalidation overlapped the fault since it sampled the sequence: the
 * page it resolved may be stale. Drop mmu_lock, handle requests, start over.
 */
#define TDPR_FAULT_STALE		2

/*
 * Enough pages for every table between the root and a 4K leaf: a huge VM
 * maps a block that migrate split at 4K.
 */
static inline int tdpr_fault_pages(struct tdpr_vm *vm)
{
	return vm->p.levels - TDPR_PG_LEVEL_4K;
}

/* One fault: what it maps, and what it resolved under which sequence. */
struct tdpr_fault_in {
	u64 gfn;
	bool write;
	/* vm->mmu_invalidate_seq, sampled before the page was resolved. */
	u64 mmu_seq;
	/* The leaf to install: its first host frame and its level. */
	u64 pfn;
	int level;
};

/**
 * tdpr_fault_prepare() - Sample the invalidation sequence, then resolve the page.
 * @vm: the VM.
 * @f: filled in.
 * @gfn: the faulting frame.
 * @write: a write access.
 *
 * Without mmu_lock or with it held for read, as KVM resolves the pfn.
 */
void tdpr_fault_prepare(struct tdpr_vm *vm, struct tdpr_fault_in *f, u64 gfn, bool write);

/**
 * tdpr_fault_lock() - Take mmu_lock in the mode faults take it.
 * @vm: the VM.
 * @lk: the caller's lock record.
 * @site: a vCPU's fault or populate.
 *
 * For read, so faults run in parallel; for write in the bench baseline.
 */
static inline void tdpr_fault_lock(struct tdpr_vm *vm, struct tdpr_lock *lk,
				   enum tdpr_lock_site site)
	__acquires(&vm->mmu_lock)
{
	tdpr_vm_lock(vm, lk, tdpr_bench_faults_shared(), site);
}

/**
 * tdpr_fault_locked() - Map one guest frame in a root.
 * @vm: the VM.
 * @root: a referenced root.
 * @f: the fault, from tdpr_fault_prepare().
 * @cache: pages for missing tables, topped up by the caller.
 * @lk: mmu_lock, taken with tdpr_fault_lock().
 *
 * Return: 0 when mapped, TDPR_FAULT_RETRY after a lost race,
 * TDPR_FAULT_STALE if an invalidation overlapped it (nothing installed),
 * -EAGAIN if @root is invalid, -ENOMEM if @cache ran dry, -EFAULT on a
 * corrupt table.
 */
int tdpr_fault_locked(struct tdpr_vm *vm, struct tdpr_root *root,
		      const struct tdpr_fault_in *f, struct tdpr_pt_cache *cache,
		      struct tdpr_lock *lk);

#endif /* _TDPROOT_FAULT_H */
