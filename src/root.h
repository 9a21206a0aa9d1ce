/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The roots layer: references to roots, the root list and walks of it that
 * may yield mmu_lock. The last put of a root frees it (and, under seed,
 * first invalidates and zaps it).
 */
#ifndef _TDPROOT_ROOT_H
#define _TDPROOT_ROOT_H

#include "mmu_internal.h"

/**
 * tdpr_get_root() - Take a reference to a valid root.
 * @vm: the VM.
 * @root: a root found on the list under RCU.
 * @lk: mmu_lock, held in either mode.
 *
 * Return: true if the reference was taken; false if the root is invalid or
 * in its last put.
 */
bool tdpr_get_root(struct tdpr_vm *vm, struct tdpr_root *root, struct tdpr_lock *lk);

/**
 * tdpr_put_root() - Put a reference to a root.
 * @vm: the VM.
 * @root: the root.
 * @lk: mmu_lock, held in either mode.
 *
 * The last put unlists the root and frees it after a grace period; under
 * seed, the last put of a valid root invalidates and zaps it first.
 */
void tdpr_put_root(struct tdpr_vm *vm, struct tdpr_root *root, struct tdpr_lock *lk);

/* A walk of the root list that may yield mmu_lock between roots. */
struct tdpr_root_iter {
	struct tdpr_vm *vm;
	struct tdpr_lock *lk;
	struct tdpr_root *cur;	/* referenced while the body runs */
	bool only_valid;
};

struct tdpr_root_iter tdpr_root_iter_start(struct tdpr_vm *vm, struct tdpr_lock *lk,
					   bool only_valid);
void tdpr_root_iter_next(struct tdpr_root_iter *ri);

/*
 * Walk the root list holding a reference to the current root, so the body
 * may yield mmu_lock. Leaving the body with break leaks that reference.
 */
#define for_each_tdpr_root_yield_safe(root, vm, lk)				\
	for (struct tdpr_root_iter __ri = tdpr_root_iter_start(vm, lk, false);	\
	     ((root) = __ri.cur); tdpr_root_iter_next(&__ri))

#define for_each_valid_tdpr_root_yield_safe(root, vm, lk)			\
	for (struct tdpr_root_iter __ri = tdpr_root_iter_start(vm, lk, true);	\
	     ((root) = __ri.cur); tdpr_root_iter_next(&__ri))

#endif /* _TDPROOT_ROOT_H */
