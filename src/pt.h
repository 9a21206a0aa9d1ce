/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The tables layer: page-table pages, allocated ahead of mmu_lock, freed
 * after a grace period, and the teardown of subtrees a zap unlinked.
 */
#ifndef _TDPROOT_PT_H
#define _TDPROOT_PT_H

#include "mmu_internal.h"

/**
 * tdp_pt_cache_topup() - Fill a page cache outside mmu_lock.
 * @cache: the cache.
 * @min: pages it must hold afterwards.
 *
 * Return: 0 or -ENOMEM.
 */
int tdp_pt_cache_topup(struct tdp_pt_cache *cache, int min);

/**
 * tdp_pt_cache_pop() - Take a zeroed page from a cache.
 * @cache: the cache.
 *
 * Return: the page, or NULL if the cache is empty.
 */
struct page *tdp_pt_cache_pop(struct tdp_pt_cache *cache);

/**
 * tdp_pt_account() - Count a page as a page table of @vm.
 * @vm: the VM.
 * @page: the page, freed later by tdp_pt_uninstall().
 */
void tdp_pt_account(struct tdp_vm *vm, struct page *page);

/**
 * tdp_pt_uninstall() - Free an unlinked table after a grace period.
 * @vm: the VM.
 * @pt: the table.
 */
void tdp_pt_uninstall(struct tdp_vm *vm, u64 *pt);

/**
 * tdp_pt_poison() - Fill a table whose grace period is over with FREED.
 * @pt: the table.
 */
void tdp_pt_poison(u64 *pt);

/**
 * tdp_pt_teardown() - Freeze and free an unlinked subtree.
 * @vm: the VM.
 * @pt: the unlinked table.
 * @level: its level.
 * @tables: incremented by the number of tables freed, @pt included.
 *
 * A recursion, not the walker: at most TDP_MAX_LEVEL deep, and nobody else
 * can reach the subtree, so it never yields.
 *
 * Return: the number of leaves the subtree held.
 */
u64 tdp_pt_teardown(struct tdp_vm *vm, u64 *pt, int level, int *tables);

/**
 * tdp_free_deferred() - Queue a free after a grace period, counted as pending.
 * @vm: the VM.
 * @head: the rcu_head of the object.
 * @fn: the callback, which must call tdp_free_done().
 */
void tdp_free_deferred(struct tdp_vm *vm, struct rcu_head *head, rcu_callback_t fn);

/**
 * tdp_free_done() - Count a deferred free as run.
 * @vm: the VM.
 */
void tdp_free_done(struct tdp_vm *vm);

/**
 * tdp_wait_frees() - Wait until every free queued so far has run.
 * @vm: the VM.
 */
void tdp_wait_frees(struct tdp_vm *vm);

#endif /* _TDPROOT_PT_H */
