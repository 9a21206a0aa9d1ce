// SPDX-License-Identifier: GPL-2.0
/*
 * Roots: allocation, references and the end of a root's life.
 *
 * A root lives on vm->roots from allocation until its last reference is
 * put. Writers of the list hold roots_lock (and mmu_lock in some mode);
 * readers walk it under RCU. The root and its top-level table are freed
 * only after a grace period, so a reader that found a root on the list may
 * keep looking at it until it leaves its read-side section.
 */

#include <linux/gfp.h>
#include <linux/io.h>
#include <linux/mm.h>
#include <linux/slab.h>

#include "fail.h"

#include "pt.h"
#include "race.h"
#include "root.h"
#include "spte.h"
#include "zap.h"
#include "tdproot_trace.h"

static bool tdpr_role_equal(struct tdpr_role a, struct tdpr_role b)
{
	return a.format == b.format && a.levels == b.levels && a.as_id == b.as_id;
}

static void tdpr_root_free_rcu(struct rcu_head *head)
{
	struct tdpr_root *root = container_of(head, struct tdpr_root, rcu);
	struct page *page = virt_to_page(root->pt);
	struct tdpr_vm *vm = root->vm;

	tdpr_pt_poison(root->pt);
	set_page_private(page, 0);
	__free_page(page);
	kfree(root);
	tdpr_stat_inc(&vm->stats, TDPR_STAT_pt_pages_freed);
	tdpr_stat_inc(&vm->stats, TDPR_STAT_roots_freed);
	tdpr_free_done(vm);
}

bool tdpr_get_root(struct tdpr_vm *vm, struct tdpr_root *root, struct tdpr_lock *lk)
{
	if (READ_ONCE(root->invalid))
		return false;
	if (!refcount_inc_not_zero(&root->count))
		return false;
	tdpr_race_window(TDPR_RACE_GET);
	/*
	 * The seed's last put sets the count back to 1 after its xchg made the
	 * root invalid; a reader whose increment lands on that 1 must see the
	 * flag. Pairs with the full barrier of the xchg in tdpr_put_root().
	 */
	smp_rmb();
	if (READ_ONCE(root->invalid)) {
		tdpr_put_root(vm, root, lk);
		return false;
	}
	return true;
}

void tdpr_put_root(struct tdpr_vm *vm, struct tdpr_root *root, struct tdpr_lock *lk)
{
	tdpr_lock_assert_held(lk);
again:
	if (!refcount_dec_and_test(&root->count))
		return;
	tdpr_race_window(TDPR_RACE_LAST_PUT);

	if (vm->p.policy == TDPR_POLICY_SEED && !xchg(&root->invalid, true)) {
		/*
		 * Last reference to a root that still maps memory. It is
		 * invalid now, so no reader can take a new reference, and the
		 * count's visit to zero was never seen by a successful
		 * inc_not_zero: this thread may own it again while it zaps.
		 * Writers iterating all roots may take and drop references
		 * while the zap yields, so the final put decides who frees.
		 */
		refcount_set(&root->count, 1);
		tdpr_stat_inc(&vm->stats, TDPR_STAT_root_invalidations);
		trace_tdproot_root_invalidate(vm->name, root->id, root->role.as_id, 1);
		tdpr_zap_root(vm, root, lk);
		goto again;
	}

	/* pinned: the MMU's own reference goes only with invalidation. */
	TDPR_WARN(vm, !READ_ONCE(root->invalid));
	TDPR_WARN(vm, atomic_read(&root->zaps) != 1);

	spin_lock(&vm->roots_lock);
	list_del_rcu(&root->link);
	spin_unlock(&vm->roots_lock);

	/* Every table below the root went with its zap; only its own is left. */
	TDPR_WARN(vm, atomic_read(&root->pt_pages) != 1);
	trace_tdproot_root_free(vm->name, root->id, root->role.as_id,
				atomic_read(&root->pt_pages));
	tdpr_free_deferred(vm, &root->rcu, tdpr_root_free_rcu);
	lk->frees++;
}

void tdpr_root_iter_next(struct tdpr_root_iter *ri)
{
	struct tdpr_root *prev = ri->cur, *next;
	struct tdpr_vm *vm = ri->vm;

	tdpr_lock_assert_held(ri->lk);

	/*
	 * prev is referenced, so it is still on the list; take the next
	 * reference before dropping that one so the walk never loses its
	 * place while the caller yields.
	 */
	rcu_read_lock();
	if (prev)
		next = list_next_or_null_rcu(&vm->roots, &prev->link,
					     struct tdpr_root, link);
	else
		next = list_first_or_null_rcu(&vm->roots, struct tdpr_root, link);

	while (next) {
		if (ri->only_valid ? tdpr_get_root(vm, next, ri->lk) :
				     refcount_inc_not_zero(&next->count))
			break;
		next = list_next_or_null_rcu(&vm->roots, &next->link,
					     struct tdpr_root, link);
	}
	rcu_read_unlock();

	tdpr_race_window(TDPR_RACE_ITER);
	if (prev)
		tdpr_put_root(vm, prev, ri->lk);
	ri->cur = next;
}

struct tdpr_root_iter tdpr_root_iter_start(struct tdpr_vm *vm, struct tdpr_lock *lk,
					   bool only_valid)
{
	struct tdpr_root_iter ri = { .vm = vm, .lk = lk, .only_valid = only_valid };

	tdpr_root_iter_next(&ri);
	return ri;
}

static struct tdpr_root *tdpr_find_valid_root(struct tdpr_vm *vm, struct tdpr_role role,
					      struct tdpr_lock *lk)
{
	struct tdpr_root *root;

	rcu_read_lock();
	list_for_each_entry_rcu(root, &vm->roots, link) {
		if (tdpr_role_equal(root->role, role) && tdpr_get_root(vm, root, lk)) {
			rcu_read_unlock();
			return root;
		}
	}
	rcu_read_unlock();
	return NULL;
}

/*
 * Under roots_lock: get a valid root of @role. A root whose count is zero
 * is in the middle of a seed last put that is about to invalidate it: skip
 * it, so a loader never waits for another thread's put. A root that turned
 * invalid under our increment cannot have our last reference put here (a
 * final put takes roots_lock): it is handed back in *@drop, and the caller
 * puts it after unlocking and searches again. That repeats at most once per
 * root, as an invalid root stays invalid.
 */
static struct tdpr_root *tdpr_get_valid_root_locked(struct tdpr_vm *vm, struct tdpr_role role,
						    struct tdpr_root **drop)
{
	struct tdpr_root *root;

	lockdep_assert_held(&vm->roots_lock);
	*drop = NULL;
	list_for_each_entry(root, &vm->roots, link) {
		if (!tdpr_role_equal(root->role, role) || READ_ONCE(root->invalid) ||
		    !refcount_inc_not_zero(&root->count))
			continue;
		tdpr_race_window(TDPR_RACE_GET);
		/* Pairs with the full barrier of the xchg in tdpr_put_root(). */
		smp_rmb();
		if (!READ_ONCE(root->invalid))
			return root;
		/* Not the last reference while it is listed and we hold ours. */
		if (!refcount_dec_not_one(&root->count)) {
			*drop = root;
			return NULL;
		}
	}
	return NULL;
}

struct tdpr_root *tdpr_root_load(struct tdpr_vm *vm, int as_id)
{
	struct tdpr_role role = {
		.format = vm->p.format,
		.levels = vm->p.levels,
		.as_id = as_id,
	};
	struct tdpr_root *root, *new, *drop;
	struct page *page;
	struct tdpr_lock lk;

	/* Allocate before taking mmu_lock; most loads find a root and free it. */
	new = kzalloc(sizeof(*new), GFP_KERNEL_ACCOUNT);
	page = alloc_page(GFP_KERNEL_ACCOUNT | __GFP_ZERO);
	if (!new || !page || tdpr_should_fail(TDPR_FAIL_ROOT)) {
		kfree(new);
		if (page)
			__free_page(page);
		return ERR_PTR(-ENOMEM);
	}
	tdpr_race_window(TDPR_RACE_ALLOC);

	/*
	 * Allocating under mmu_lock for read orders the new root against
	 * zap_all, which invalidates under the lock for write: a root is
	 * either on the list before an invalidation (and invalidated by it)
	 * or allocated after it.
	 */
	tdpr_vm_lock(vm, &lk, true, TDPR_SITE_ROOT_LOAD);
	root = tdpr_find_valid_root(vm, role, &lk);
	/*
	 * Neither invalidation path can run now: zap_all needs the lock for
	 * write, and the seed's last put needs our reference gone.
	 */
	if (root && TDPR_WARN(vm, READ_ONCE(root->invalid))) {
		tdpr_put_root(vm, root, &lk);
		root = NULL;
	}
	if (!root) {
		/*
		 * The search and the insertion are one critical section: a
		 * second loader finds this root, and nobody loops waiting for
		 * another thread's put to finish.
		 */
		tdpr_race_window(TDPR_RACE_INSERT);
again:
		spin_lock(&vm->roots_lock);
		root = tdpr_get_valid_root_locked(vm, role, &drop);
		if (!root && !drop) {
			root = new;
			new = NULL;
			root->vm = vm;
			root->pt = page_address(page);
			root->role = role;
			root->id = atomic64_inc_return(&vm->next_root_id);
			/* pinned: one reference for the caller, one for the MMU. */
			refcount_set(&root->count,
				     vm->p.policy == TDPR_POLICY_PINNED ? 2 : 1);
			atomic_set(&root->pt_pages, 1);
			tdpr_pt_account(vm, page);
			list_add_rcu(&root->link, &vm->roots);
			tdpr_stat_inc(&vm->stats, TDPR_STAT_roots_allocated);
			trace_tdproot_root_alloc(vm->name, root->id, as_id,
						 refcount_read(&root->count),
						 role.format, role.levels);
		}
		spin_unlock(&vm->roots_lock);
		if (drop) {
			tdpr_put_root(vm, drop, &lk);
			goto again;
		}
	}
	tdpr_lock_release(&lk);

	if (new) {
		__free_page(page);
		kfree(new);
	}
	return root;
}

phys_addr_t tdpr_root_hpa(struct tdpr_root *root)
{
	return virt_to_phys(root->pt);
}

void tdpr_root_release(struct tdpr_vm *vm, struct tdpr_root *root)
{
	struct tdpr_lock lk;

	tdpr_vm_lock(vm, &lk, true, TDPR_SITE_ROOT_PUT);
	tdpr_put_root(vm, root, &lk);
	tdpr_lock_release(&lk);
}

u64 tdpr_vm_valid_roots(struct tdpr_vm *vm)
{
	struct tdpr_root *root;
	u64 n = 0;

	/*
	 * Count without taking references: under seed a reader's put could
	 * be a root's last and zap it. A root whose count is zero is in a
	 * last put that is about to invalidate it.
	 */
	rcu_read_lock();
	list_for_each_entry_rcu(root, &vm->roots, link) {
		if (!READ_ONCE(root->invalid) && refcount_read(&root->count))
			n++;
		/* The root may leave the list now: its link must still lead on. */
		tdpr_race_window(TDPR_RACE_LIST_WALK);
	}
	rcu_read_unlock();
	return n;
}

void tdpr_vm_show_roots(struct seq_file *m, struct tdpr_vm *vm)
{
	struct tdpr_root *root;

	/*
	 * One line per root from counters, no walk of its tables: the RCU
	 * read-side section lasts as long as the list, whatever the roots map.
	 */
	seq_puts(m, "# id role refcount invalid pt_pages root_pointer\n");
	rcu_read_lock();
	list_for_each_entry_rcu(root, &vm->roots, link) {
		seq_printf(m, "%llu %s/%u/as%u %u %d %d 0x%llx\n", root->id,
			   tdpr_format_names[root->role.format],
			   root->role.levels, root->role.as_id,
			   refcount_read(&root->count), READ_ONCE(root->invalid),
			   atomic_read(&root->pt_pages),
			   tdpr_root_pointer(root->role.format, vm->p.ad, root->role.levels,
					     virt_to_phys(root->pt)));
	}
	rcu_read_unlock();
}
