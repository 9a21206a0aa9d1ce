// SPDX-License-Identifier: GPL-2.0
/*
 * Page-table pages: allocation ahead of the lock, deferred freeing, and the
 * teardown of subtrees that a zap unlinked. A table that is unlinked may
 * still be read by lockless walkers (vCPUs) until a grace period has passed,
 * so it is frozen entry by entry and only then handed to RCU.
 */

#include <linux/bitmap.h>
#include <linux/gfp.h>
#include <linux/io.h>
#include <linux/ktime.h>
#include <linux/mm.h>
#include <linux/rcupdate.h>

#include "backing.h"
#include "fail.h"

#include "pt.h"
#include "race.h"
#include "spte.h"
#include "walk.h"

int tdpr_pt_cache_topup(struct tdpr_pt_cache *cache, int min)
{
	while (cache->nr < min) {
		struct page *page = NULL;

		if (!tdpr_should_fail(TDPR_FAIL_PT))
			page = alloc_page(GFP_KERNEL_ACCOUNT | __GFP_ZERO);

		if (!page)
			return -ENOMEM;
		cache->pages[cache->nr++] = page;
	}
	return 0;
}

void tdpr_pt_cache_free(struct tdpr_pt_cache *cache)
{
	while (cache->nr)
		__free_page(cache->pages[--cache->nr]);
}

void tdpr_free_deferred(struct tdpr_vm *vm, struct rcu_head *head, rcu_callback_t fn)
{
	atomic_inc(&vm->pending_frees);
	call_rcu(head, fn);
}

void tdpr_free_done(struct tdpr_vm *vm)
{
	atomic_dec(&vm->pending_frees);
}

void tdpr_wait_frees(struct tdpr_vm *vm)
{
	/* Waits for every callback queued so far, ours among them. */
	if (atomic_read(&vm->pending_frees))
		rcu_barrier();
}

void tdpr_pt_poison(u64 *pt)
{
	memset64(pt, tdpr_spte_freed, TDPR_PT_ENTRIES);
}

static void tdpr_pt_free_rcu(struct rcu_head *head)
{
	struct page *page = container_of(head, struct page, rcu_head);
	struct tdpr_vm *vm = (struct tdpr_vm *)page_private(page);
	u64 start = ktime_get_ns();

	tdpr_pt_poison(page_address(page));
	set_page_private(page, 0);
	__free_page(page);
	tdpr_stat_inc(&vm->stats, TDPR_STAT_pt_pages_freed);
	tdpr_stat_add(&vm->stats, TDPR_STAT_pt_free_ns, ktime_get_ns() - start);
	tdpr_free_done(vm);
}

/* Count a page as a page table of @vm; it is freed by tdpr_pt_uninstall(). */
void tdpr_pt_account(struct tdpr_vm *vm, struct page *page)
{
	set_page_private(page, (unsigned long)vm);
	tdpr_stat_inc(&vm->stats, TDPR_STAT_pt_pages_allocated);
}

struct page *tdpr_pt_cache_pop(struct tdpr_pt_cache *cache)
{
	return cache->nr ? cache->pages[--cache->nr] : NULL;
}

void tdpr_pt_uninstall(struct tdpr_vm *vm, u64 *pt)
{
	tdpr_free_deferred(vm, &virt_to_page(pt)->rcu_head, tdpr_pt_free_rcu);
}

/*
 * Take ownership of an entry of an unlinked table. Tables are unlinked only
 * by whole-root zaps, and only invalid roots are zapped whole: nothing
 * faults into them, and each is zapped by one thread, so no other software
 * writer can reach this table. A vCPU that was already walking below the
 * unlinked entry may still set a leaf's dirty bit, as hardware does until
 * its TLB is flushed: a leaf without it is exchanged, so the bit is either
 * in the value returned or never set. A set dirty bit cannot be lost (only
 * the harvest clears it, with a compare-exchange that then fails), and
 * tables carry none, so those take a plain store, which keeps the zap cheap.
 * Lockless walkers that still hold a pointer read FROZEN and take an exit.
 */
static u64 tdpr_freeze_spte(struct tdpr_vm *vm, u64 *sptep, int level, u64 dirty)
{
	u64 old = tdpr_read_spte(sptep);

	TDPR_WARN(vm, tdpr_spte_frozen(old));
	if (dirty && tdpr_spte_present(old) && tdpr_spte_leaf(old, level) && !(old & dirty)) {
		/* The CPU may set the dirty bit until the exchange. */
		tdpr_race_window(TDPR_RACE_ZAP_SPTE);
		return xchg(sptep, TDPR_SPTE_FROZEN);
	}
	WRITE_ONCE(*sptep, TDPR_SPTE_FROZEN);
	return old;
}

/*
 * A table of 4K leaves, most of the pages of any big root. What depends on
 * the VM only is read once per table, so an entry costs a read, a store and
 * a few bit tests (make bench's P2 compares this with a read-and-clear
 * pass over the same pages).
 */
static u64 tdpr_pt_teardown_leaves(struct tdpr_vm *vm, u64 *pt, u64 gfn)
{
	u64 dirty = tdpr_spte_dirty(vm->p.format, vm->p.ad);
	bool check = tdpr_backing_zap_checks(vm);
	DECLARE_BITMAP(dirty_4k, TDPR_PT_ENTRIES);
	u64 leaves = 0;
	int i;

	bitmap_zero(dirty_4k, TDPR_PT_ENTRIES);
	for (i = 0; i < TDPR_PT_ENTRIES; i++) {
		u64 old = tdpr_freeze_spte(vm, pt + i, TDPR_PG_LEVEL_4K, dirty);

		if (!tdpr_spte_present(old))
			continue;
		leaves++;
		if (old & dirty)
			__set_bit(i, dirty_4k);
		if (unlikely(check))
			tdpr_backing_zap_check(vm, gfn + i, tdpr_spte_pfn(old));
	}
	if (!bitmap_empty(dirty_4k, TDPR_PT_ENTRIES))
		tdpr_backing_mark_dirty_table(vm, gfn, dirty_4k);
	return leaves;
}

/*
 * Tear down the unlinked table @pt at @level, which maps from @gfn on;
 * returns the leaves it held and adds the tables freed, @pt included, to
 * *@tables. A dirty leaf's frames go to the dirty log. This recursion, not
 * the walker, visits an unlinked subtree: it is at most TDPR_MAX_LEVEL deep
 * and nobody else can reach the subtree, so it never yields.
 */
u64 tdpr_pt_teardown(struct tdpr_vm *vm, u64 *pt, int level, u64 gfn, int *tables)
{
	u64 dirty, leaves = 0;
	int i;

	/*
	 * Every teardown is a zap's, under mmu_lock: a migrate's check of the
	 * pages unmapped (tdpr_backing_zap_check()) relies on it.
	 */
	lockdep_assert_held(&vm->mmu_lock);
	if (level == TDPR_PG_LEVEL_4K) {
		leaves = tdpr_pt_teardown_leaves(vm, pt, gfn);
		goto out;
	}
	dirty = tdpr_spte_dirty(vm->p.format, vm->p.ad);
	for (i = 0; i < TDPR_PT_ENTRIES; i++) {
		u64 old = tdpr_freeze_spte(vm, pt + i, level, dirty);
		u64 at = gfn + i * tdpr_level_pages(level);

		if (!tdpr_spte_present(old))
			continue;
		if (!tdpr_spte_leaf(old, level)) {
			leaves += tdpr_pt_teardown(vm, phys_to_virt(old & TDPR_SPTE_PFN_MASK),
						  level - 1, at, tables);
			continue;
		}
		leaves++;
		if (old & dirty)
			tdpr_backing_mark_dirty(vm, at, level);
	}
out:
	tdpr_pt_uninstall(vm, pt);
	(*tables)++;
	return leaves;
}
