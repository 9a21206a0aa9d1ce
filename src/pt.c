// SPDX-License-Identifier: GPL-2.0
/*
 * Page-table pages: allocation ahead of the lock, deferred freeing, and the
 * teardown of subtrees that a zap unlinked. A table that is unlinked may
 * still be read by lockless walkers (vCPUs) until a grace period has passed,
 * so it is frozen entry by entry and only then handed to RCU.
 */

#include <linux/gfp.h>
#include <linux/io.h>
#include <linux/mm.h>
#include <linux/rcupdate.h>

#include "fail.h"

#include "pt.h"
#include "spte.h"
#include "walk.h"

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
u64 tdp_pt_teardown(struct tdp_vm *vm, u64 *pt, int level, int *tables)
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
