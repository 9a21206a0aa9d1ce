// SPDX-License-Identifier: GPL-2.0
/*
 * Page-table pages: allocation ahead of the lock, deferred freeing, and the
 * teardown of entries and whole subtrees. A table that is unlinked may still
 * be read by lockless walkers (vCPUs) until a grace period has passed, so it
 * is frozen entry by entry and only then handed to RCU.
 */

#include <linux/gfp.h>
#include <linux/io.h>
#include <linux/ktime.h>
#include <linux/mm.h>
#include <linux/rcupdate.h>

#include <tdproot/fail.h>

#include "mmu_internal.h"
#include "tdproot_trace.h"

int tdp_pt_cache_topup(struct tdp_pt_cache *cache, int min)
{
	while (cache->nr < min) {
		struct page *page = NULL;

		if (!tdp_should_fail(TDP_FAIL_PT))
			page = alloc_page(GFP_KERNEL_ACCOUNT | __GFP_ZERO);

		if (!page)
			return -ENOMEM;
		cache->pages[cache->nr++] = page;
	}
	return 0;
}

void tdp_pt_cache_free(struct tdp_pt_cache *cache)
{
	while (cache->nr)
		__free_page(cache->pages[--cache->nr]);
}

void tdp_free_deferred(struct tdp_vm *vm, struct rcu_head *head, rcu_callback_t fn)
{
	atomic_inc(&vm->pending_frees);
#ifdef TDPROOT_MUTANT_free_without_rcu
	fn(head);
#else
	call_rcu(head, fn);
#endif
}

void tdp_free_done(struct tdp_vm *vm)
{
	atomic_dec(&vm->pending_frees);
}

void tdp_wait_frees(struct tdp_vm *vm)
{
#ifndef TDPROOT_MUTANT_no_rcu_barrier
	/* Waits for every callback queued so far, ours among them. */
	if (atomic_read(&vm->pending_frees))
		rcu_barrier();
#endif
}

void tdp_pt_poison(u64 *pt)
{
	memset64(pt, TDP_SPTE_FREED, TDP_PT_ENTRIES);
}

static void tdp_pt_free_rcu(struct rcu_head *head)
{
	struct page *page = container_of(head, struct page, rcu_head);
	struct tdp_vm *vm = (struct tdp_vm *)page_private(page);

	tdp_pt_poison(page_address(page));
	set_page_private(page, 0);
	__free_page(page);
	tdp_stat_inc(&vm->stats, TDP_STAT_pt_pages_freed);
	tdp_free_done(vm);
}

/* Count a page as a page table of @vm; it is freed by tdp_pt_uninstall(). */
void tdp_pt_account(struct tdp_vm *vm, struct page *page)
{
	set_page_private(page, (unsigned long)vm);
	tdp_stat_inc(&vm->stats, TDP_STAT_pt_pages_allocated);
}

struct page *tdp_pt_cache_pop(struct tdp_pt_cache *cache)
{
	return cache->nr ? cache->pages[--cache->nr] : NULL;
}

void tdp_pt_uninstall(struct tdp_vm *vm, u64 *pt)
{
	tdp_free_deferred(vm, &virt_to_page(pt)->rcu_head, tdp_pt_free_rcu);
}

/*
 * Take ownership of an entry of an unlinked table. Tables are unlinked only
 * by whole-root zaps, and only invalid roots are zapped whole: nothing
 * faults into them, and each is zapped by one thread, so no other writer
 * can reach this table and plain stores do. (KVM needs an xchg here because
 * hardware sets accessed/dirty bits concurrently; tdproot's vCPUs only read.)
 * Lockless walkers that still hold a pointer read FROZEN and take an exit.
 */
static u64 tdp_freeze_spte(struct tdp_vm *vm, u64 *sptep)
{
	u64 old = tdp_read_spte(sptep);

	TDP_WARN(vm, tdp_spte_frozen(old));
	WRITE_ONCE(*sptep, TDP_SPTE_FROZEN);
	return old;
}

/*
 * Tear down the unlinked table @pt at @level; returns the leaves it held and
 * adds the tables freed, @pt included, to *@tables. This recursion, not the
 * walker, visits an unlinked subtree: it is at most TDP_MAX_LEVEL deep and
 * nobody else can reach the subtree, so it never yields.
 */
static u64 tdp_pt_teardown(struct tdp_vm *vm, u64 *pt, int level, int *tables)
{
	u64 leaves = 0;
	int i;

	for (i = 0; i < TDP_PT_ENTRIES; i++) {
		u64 old = tdp_freeze_spte(vm, pt + i);

		if (!tdp_spte_present(old))
			continue;
		if (tdp_spte_leaf(old, level))
			leaves++;
		else
			leaves += tdp_pt_teardown(vm, phys_to_virt(old & TDP_SPTE_PFN_MASK),
						  level - 1, tables);
	}
	tdp_pt_uninstall(vm, pt);
	(*tables)++;
	return leaves;
}

bool tdp_zap_spte(struct tdp_vm *vm, struct tdp_root *root, struct tdp_iter *iter,
		  u64 *zapped)
{
	u64 old = iter->old_spte;
	u64 leaves = 1;
	int tables = 0;

	/*
	 * After a yield the entry may have changed or been unlinked: the
	 * caller must step the walk (which restarts it) before acting again.
	 */
	if (TDP_WARN(vm, iter->yielded))
		return true;

	/*
	 * Freeze first: from here until the final store this thread owns the
	 * entry, and concurrent atomic writers see FROZEN and retry.
	 */
	if (tdp_spte_frozen(old) || !try_cmpxchg64(iter->sptep, &iter->old_spte,
						   TDP_SPTE_FROZEN)) {
		cpu_relax();
		iter->old_spte = tdp_read_spte(iter->sptep);
		return false;
	}

	if (!tdp_spte_leaf(old, iter->level)) {
		leaves = tdp_pt_teardown(vm, phys_to_virt(old & TDP_SPTE_PFN_MASK),
					 iter->level - 1, &tables);
		atomic_sub(tables, &root->pt_pages);
	}
	tdp_stat_add(&vm->stats, TDP_STAT_leaf_sptes, -(s64)leaves);
	*zapped += leaves;

	/* Pairs with the READ_ONCE of lockless walkers: the entry is now empty. */
	smp_store_release(iter->sptep, 0);
	iter->old_spte = 0;
	return true;
}

/* Zap every entry at @zap_level or above whose subtree is at most that level. */
static void tdp_zap_root_level(struct tdp_vm *vm, struct tdp_root *root,
			       int zap_level, struct tdp_lock *lk, u64 *zapped)
{
	int levels = root->role.levels;
	struct tdp_iter iter;

	for_each_tdp_pte_min_level(iter, root->pt, levels, zap_level, 0,
				   tdp_max_gfn(levels)) {
retry:
		if (tdp_iter_cond_resched(&iter, lk))
			continue;
		if (!tdp_spte_present(iter.old_spte) && !tdp_spte_frozen(iter.old_spte))
			continue;
		if (iter.level > zap_level)
			continue;
		if (!tdp_zap_spte(vm, root, &iter, zapped))
			goto retry;
	}
}

void tdp_zap_root(struct tdp_vm *vm, struct tdp_root *root, struct tdp_lock *lk)
{
	u64 start = ktime_get_ns();
	u64 zapped = 0;

	tdp_lock_assert_held(lk);
	TDP_WARN(vm, !READ_ONCE(root->invalid));
	TDP_WARN(vm, atomic_inc_return(&root->zaps) != 1);
	trace_tdproot_root_zap_begin(vm->name, root->id, root->role.as_id,
				     refcount_read(&root->count));

	/*
	 * Two passes keep every step bounded: first each 1 GiB-level subtree
	 * (at most 512 tables), then the upper levels, which are by then a
	 * handful of empty tables.
	 */
	rcu_read_lock();
	tdp_zap_root_level(vm, root, TDP_PG_LEVEL_1G, lk, &zapped);
	tdp_zap_root_level(vm, root, root->role.levels, lk, &zapped);
	rcu_read_unlock();

	/* Tables went to call_rcu(): a writer that must wait for them can. */
	lk->frees++;
	/* Pairs with the acquire in tdp_old_roots_zapped(). */
	smp_store_release(&root->zapped, true);
	wake_up_all(&vm->zap_wq);

	start = ktime_get_ns() - start;
	tdp_stat_inc(&vm->stats, TDP_STAT_root_zaps);
	tdp_stat_add(&vm->stats, TDP_STAT_root_zap_ns, start);
	trace_tdproot_root_zap_end(vm->name, root->id, root->role.as_id,
				   refcount_read(&root->count), zapped, start);
}
