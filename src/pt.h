/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The tables layer: page-table pages, allocated ahead of mmu_lock, freed
 * after a grace period, and the teardown of subtrees a zap unlinked.
 */
#ifndef _TDPROOT_PT_H
#define _TDPROOT_PT_H

#include "mmu_internal.h"

/**
 * tdpr_pt_cache_topup() - Fill a page cache outside mmu_lock.
 * @cache: the cache.
 * @min: pages it must hold afterwards.
 *
 * Return: 0 or -ENOMEM.
 */
int tdpr_pt_cache_topup(struct tdpr_pt_cache *cache, int min);

/**
 * tdpr_pt_cache_pop() - Take a zeroed page from a cache.
 * @cache: the cache.
 *
 * Return: the page, or NULL if the cache is empty.
 */
struct page *tdpr_pt_cache_pop(struct tdpr_pt_cache *cache);

/**
 * tdpr_pt_account() - Count a page as a page table of @vm.
 * @vm: the VM.
 * @page: the page, freed later by tdpr_pt_uninstall().
 */
void tdpr_pt_account(struct tdpr_vm *vm, struct page *page);

/**
 * tdpr_pt_uninstall() - Free an unlinked table after a grace period.
 * @vm: the VM.
 * @pt: the table.
 */
void tdpr_pt_uninstall(struct tdpr_vm *vm, u64 *pt);

/**
 * tdpr_pt_poison() - Fill a table whose grace period is over with FREED.
 * @pt: the table.
 */
void tdpr_pt_poison(u64 *pt);

/**
 * tdpr_pt_teardown() - Freeze and free an unlinked subtree.
 * @vm: the VM.
 * @pt: the unlinked table.
 * @level: its level.
 * @gfn: the first guest frame it maps.
 * @tables: incremented by the number of tables freed, @pt included.
 *
 * A recursion, not the walker: at most TDPR_MAX_LEVEL deep, and nobody else
 * can reach the subtree, so it never yields. A leaf a vCPU may still dirty
 * is exchanged, and the frames of a dirty leaf go to the dirty log.
 *
 * Return: the number of leaves the subtree held.
 */
u64 tdpr_pt_teardown(struct tdpr_vm *vm, u64 *pt, int level, u64 gfn, int *tables);

/**
 * tdpr_free_deferred() - Queue a free after a grace period, counted as pending.
 * @vm: the VM.
 * @head: the rcu_head of the object.
 * @fn: the callback, which must call tdpr_free_done().
 */
void tdpr_free_deferred(struct tdpr_vm *vm, struct rcu_head *head, rcu_callback_t fn);

/**
 * tdpr_free_done() - Count a deferred free as run.
 * @vm: the VM.
 */
void tdpr_free_done(struct tdpr_vm *vm);

/**
 * tdpr_wait_frees() - Wait until every free queued so far has run.
 * @vm: the VM.
 */
void tdpr_wait_frees(struct tdpr_vm *vm);

#endif /* _TDPROOT_PT_H */
