// SPDX-License-Identifier: GPL-2.0
/*
 * The VM: parameters, backing memory, requests to its clients, teardown.
 *
 * Backing memory is a pool of blocks of 2^block_order pages, as large as a
 * leaf (4 KiB or 2 MiB; 1 GiB leaves use 2 MiB blocks, as the page allocator
 * cannot hand out 1 GiB). Guest frames alias the pool when backing < mem,
 * leaf by leaf, so a small host can map a huge guest. Every page starts with
 * a stamp naming its block and index, which a vCPU checks after each
 * translation.
 */

#include <linux/gfp.h>
#include <linux/io.h>
#include <linux/math64.h>
#include <linux/mm.h>
#include <linux/slab.h>
#include <linux/vmalloc.h>

#include <tdproot/fail.h>

#include "mmu_internal.h"

#define TDP_STAMP_MAGIC		0x7464707230303030ULL	/* "tdpr0000" */
#define TDP_MAX_BLOCK_ORDER	9

static atomic_t tdp_vm_ids = ATOMIC_INIT(0);
static atomic_t tdp_vms_live = ATOMIC_INIT(0);

int tdp_vm_count(void)
{
	return atomic_read(&tdp_vms_live);
}

static unsigned int tdp_leaf_shift(int leaf_level)
{
	return (leaf_level - 1) * TDP_PT_SHIFT;
}

/*
 * @bytes for a message in SIZE's units: exactly, in the largest unit that
 * divides it ("1536M", "5000"), or with @approx in the largest unit it
 * reaches, to one decimal ("3.8G").
 */
static const char *tdp_size_str(char *buf, size_t len, u64 bytes, bool approx)
{
	static const char units[] = "KMGT";
	int u;

	for (u = sizeof(units) - 2; u >= 0; u--) {
		unsigned int shift = 10 * (u + 1);
		u64 rest = bytes & ((1ULL << shift) - 1);

		if (bytes < (1ULL << shift) || (rest && !approx))
			continue;
		if (rest)	/* the one decimal: rest * 10 < 10 << shift */
			snprintf(buf, len, "%llu.%c%c", bytes >> shift,
				 '0' + (char)((rest * 10) >> shift), units[u]);
		else
			snprintf(buf, len, "%llu%c", bytes >> shift, units[u]);
		return buf;
	}
	snprintf(buf, len, "%llu", bytes);
	return buf;
}

int tdp_vm_params_check(const struct tdp_vm_params *p, const char *name)
{
	unsigned int block_order = min(tdp_leaf_shift(p->leaf_level), TDP_MAX_BLOCK_ORDER);
	u64 leaf_bytes = PAGE_SIZE << tdp_leaf_shift(p->leaf_level);
	u64 block_bytes = PAGE_SIZE << block_order;
	u64 width = tdp_max_gfn(p->levels) << PAGE_SHIFT;
	u64 ram = (u64)totalram_pages() << PAGE_SHIFT;
	char mem[24], backing[24], limit[24];

	if (p->levels != 4 && p->levels != 5) {
		pr_warn_ratelimited("create %s: levels=%d is not 4 or 5\n", name, p->levels);
		return -EINVAL;
	}
	tdp_size_str(mem, sizeof(mem), p->mem_bytes, false);
	tdp_size_str(backing, sizeof(backing), p->backing_bytes, false);
	if (!p->mem_bytes || !p->backing_bytes) {
		pr_warn_ratelimited("create %s: mem=%s backing=%s: a VM needs both\n",
				    name, mem, backing);
		return -EINVAL;
	}
	if (p->mem_bytes % leaf_bytes) {
		pr_warn_ratelimited("create %s: mem=%s is not a multiple of the leaf size (%s)\n",
				    name, mem,
				    tdp_size_str(limit, sizeof(limit), leaf_bytes, false));
		return -EINVAL;
	}
	if (p->mem_bytes > width) {
		pr_warn_ratelimited("create %s: mem=%s is more than %d levels map (%s)\n",
				    name, mem, p->levels,
				    tdp_size_str(limit, sizeof(limit), width, false));
		return -EINVAL;
	}
	if (p->backing_bytes % block_bytes) {
		pr_warn_ratelimited("create %s: backing=%s is not a multiple of the block size (%s)\n",
				    name, backing,
				    tdp_size_str(limit, sizeof(limit), block_bytes, false));
		return -EINVAL;
	}
	if (p->backing_bytes > p->mem_bytes) {
		pr_warn_ratelimited("create %s: backing=%s is more than mem=%s\n",
				    name, backing, mem);
		return -EINVAL;
	}
	/* Last: the only check that depends on the machine. */
	if (p->backing_bytes > ram / 2) {
		pr_warn_ratelimited("create %s: backing=%s is more than half of RAM (%s)\n",
				    name, backing, tdp_size_str(limit, sizeof(limit), ram, true));
		return -ENOMEM;
	}
	return 0;
}

static u64 tdp_stamp(struct tdp_vm *vm, u64 block, u64 index)
{
	return TDP_STAMP_MAGIC ^ ((u64)vm->id << 40) ^ (block << TDP_MAX_BLOCK_ORDER) ^ index;
}

static void tdp_backing_free(struct tdp_vm *vm)
{
	u64 i;

	if (!vm->blocks)	/* the array itself could not be allocated */
		return;
	for (i = 0; i < vm->nr_blocks && vm->blocks[i]; i++)
		__free_pages(vm->blocks[i], vm->block_order);
	kvfree(vm->blocks);
}

static int tdp_backing_alloc(struct tdp_vm *vm)
{
	gfp_t gfp = GFP_KERNEL_ACCOUNT | __GFP_NOWARN | __GFP_RETRY_MAYFAIL;
	u64 i, j;

	vm->block_order = min(tdp_leaf_shift(vm->p.leaf_level), TDP_MAX_BLOCK_ORDER);
	vm->nr_blocks = vm->p.backing_bytes >> (PAGE_SHIFT + vm->block_order);
	if (tdp_should_fail(TDP_FAIL_VM))
		return -ENOMEM;
	vm->blocks = kvcalloc(vm->nr_blocks, sizeof(*vm->blocks), GFP_KERNEL_ACCOUNT);
	if (!vm->blocks)
		return -ENOMEM;

	for (i = 0; i < vm->nr_blocks; i++) {
		if (tdp_should_fail(TDP_FAIL_VM))
			return -ENOMEM;
		vm->blocks[i] = alloc_pages(gfp, vm->block_order);
		if (!vm->blocks[i])
			return -ENOMEM;
		for (j = 0; j < (1ULL << vm->block_order); j++) {
			u64 *p = page_address(vm->blocks[i] + j);

			p[0] = tdp_stamp(vm, i, j);
			p[1] = 0;
		}
		cond_resched();
	}
	return 0;
}

/* Block of the pool behind the leaf that maps @gfn, and the page in it. */
static void tdp_backing_locate(struct tdp_vm *vm, u64 gfn, u64 *block, u64 *index)
{
	div64_u64_rem(gfn >> tdp_leaf_shift(vm->p.leaf_level), vm->nr_blocks, block);
	*index = gfn & ((1ULL << vm->block_order) - 1);
}

u64 tdp_backing_pfn(struct tdp_vm *vm, u64 gfn)
{
	u64 block, index;

	tdp_backing_locate(vm, gfn, &block, &index);
	return page_to_pfn(vm->blocks[block]) + index;
}

bool tdp_backing_check(struct tdp_vm *vm, u64 gfn, u64 pfn, bool write)
{
	u64 block, index, *p;

	tdp_backing_locate(vm, gfn, &block, &index);
	if (pfn_valid(pfn)) {
		p = page_address(pfn_to_page(pfn));
		if (READ_ONCE(p[0]) == tdp_stamp(vm, block, index)) {
			if (write)
				WRITE_ONCE(p[1], READ_ONCE(p[1]) + 1);
			return true;
		}
	}
	tdp_stat_inc(&vm->stats, TDP_STAT_integrity_errors);
	WARN_ONCE(1, "vm %s: gfn 0x%llx translated to pfn 0x%llx, not its backing page\n",
		  vm->name, gfn, pfn);
	return false;
}

bool tdp_tlb_check(struct tdp_vm *vm, u64 gen)
{
	if (likely((s64)(gen - atomic64_read(&vm->flush_done_seq)) >= 0))
		return true;
	tdp_stat_inc(&vm->stats, TDP_STAT_integrity_errors);
	WARN_ONCE(1, "vm %s: a vCPU used a translation cached before zap_range %lld returned\n",
		  vm->name, atomic64_read(&vm->flush_done_seq));
	return false;
}

bool tdp_range_ok(struct tdp_vm *vm, u64 gfn, u64 nr)
{
	if (nr && gfn < vm->nr_gfns && nr <= vm->nr_gfns - gfn)
		return true;
	pr_warn_ratelimited("vm %s: range [0x%llx, +0x%llx) is not inside the guest's 0x%llx frames\n",
			    vm->name, gfn, nr, vm->nr_gfns);
	return false;
}

struct tdp_vm *tdp_vm_create(const struct tdp_vm_params *params, const char *name)
{
	struct tdp_vm *vm;
	int ret;

	ret = tdp_vm_params_check(params, name);
	if (ret)
		return ERR_PTR(ret);

	if (tdp_should_fail(TDP_FAIL_VM))
		return ERR_PTR(-ENOMEM);
	vm = kzalloc(sizeof(*vm), GFP_KERNEL_ACCOUNT);
	if (!vm)
		return ERR_PTR(-ENOMEM);

	strscpy(vm->name, name, sizeof(vm->name));
	vm->id = atomic_inc_return(&tdp_vm_ids);
	vm->p = *params;
	vm->nr_gfns = params->mem_bytes >> PAGE_SHIFT;
	rwlock_init(&vm->mmu_lock);
	spin_lock_init(&vm->roots_lock);
	INIT_LIST_HEAD(&vm->roots);
	mutex_init(&vm->zap_all_mutex);
	spin_lock_init(&vm->clients_lock);
	INIT_LIST_HEAD(&vm->clients);
	init_waitqueue_head(&vm->kick_wq);
	init_waitqueue_head(&vm->ack_wq);
	init_waitqueue_head(&vm->zap_wq);

	ret = tdp_stats_init(&vm->stats);
	if (ret) {
		kfree(vm);
		return ERR_PTR(ret);
	}
	ret = tdp_backing_alloc(vm);
	if (ret) {
		pr_warn_ratelimited("vm %s: cannot allocate %llu bytes of backing memory\n",
				    name, params->backing_bytes);
		tdp_backing_free(vm);
		tdp_stats_free(&vm->stats);
		kfree(vm);
		return ERR_PTR(ret);
	}
	atomic_inc(&tdp_vms_live);
	return vm;
}

void tdp_vm_destroy(struct tdp_vm *vm)
{
	struct tdp_stats *s = &vm->stats;
	bool leaked;

	TDP_WARN(vm, !list_empty(&vm->clients));
	tdp_vm_zap_all(vm);
#ifndef TDPROOT_MUTANT_no_rcu_barrier
	rcu_barrier();
#endif

	leaked = TDP_WARN(vm, atomic_read(&vm->pending_frees)) ||
		 TDP_WARN(vm, !list_empty(&vm->roots)) ||
		 TDP_WARN(vm, tdp_stat_read(s, TDP_STAT_roots_allocated) !=
			      tdp_stat_read(s, TDP_STAT_roots_freed)) ||
		 TDP_WARN(vm, tdp_stat_read(s, TDP_STAT_pt_pages_allocated) !=
			      tdp_stat_read(s, TDP_STAT_pt_pages_freed)) ||
		 TDP_WARN(vm, tdp_stat_read(s, TDP_STAT_leaf_sptes));
	atomic_dec(&tdp_vms_live);
	if (leaked) {
		/* Something may still point into it: keep it rather than free it. */
		pr_err("vm %s: roots or tables outlived it; leaking the VM\n",
		       vm->name);
		return;
	}
	tdp_backing_free(vm);
	tdp_stats_free(&vm->stats);
	kfree(vm);
}

u64 tdp_vm_valid_roots(struct tdp_vm *vm)
{
	struct tdp_root *root;
	u64 n = 0;

	/*
	 * Count without taking references: under seed a reader's put could
	 * be a root's last and zap it. A root whose count is zero is in a
	 * last put that is about to invalidate it.
	 */
	rcu_read_lock();
	list_for_each_entry_rcu(root, &vm->roots, link)
		if (!READ_ONCE(root->invalid) && refcount_read(&root->count))
			n++;
	rcu_read_unlock();
	return n;
}

void tdp_vm_kill(struct tdp_vm *vm)
{
	WRITE_ONCE(vm->dying, true);
}

void tdp_vm_sync(struct tdp_vm *vm)
{
	tdp_wait_frees(vm);
}

u64 tdp_vm_nr_gfns(const struct tdp_vm *vm)
{
	return vm->nr_gfns;
}

struct tdp_stats *tdp_vm_stats(struct tdp_vm *vm)
{
	return &vm->stats;
}

wait_queue_head_t *tdp_vm_kick_wq(struct tdp_vm *vm)
{
	return &vm->kick_wq;
}

void tdp_client_register(struct tdp_vm *vm, struct tdp_client *c)
{
	spin_lock(&vm->clients_lock);
	c->reload_seen = atomic64_read(&vm->reload_seq);
	c->flush_seen = atomic64_read(&vm->flush_seq);
	c->stall_start_ns = 0;
	list_add(&c->node, &vm->clients);
	spin_unlock(&vm->clients_lock);
}

void tdp_client_unregister(struct tdp_vm *vm, struct tdp_client *c)
{
	spin_lock(&vm->clients_lock);
	list_del(&c->node);
	spin_unlock(&vm->clients_lock);
	wake_up_all(&vm->ack_wq);
}

unsigned int tdp_client_pending(struct tdp_vm *vm, struct tdp_client *c)
{
	unsigned int reqs = 0;

	/*
	 * Acquire: the entries this vCPU reads after handling a request must
	 * be at least as new as the invalidation or zap that made it (the
	 * requester's value-returning atomic_inc is fully ordered).
	 */
	c->reload_want = atomic64_read_acquire(&vm->reload_seq);
	c->flush_want = atomic64_read_acquire(&vm->flush_seq);
	if (c->reload_want != READ_ONCE(c->reload_seen)) {
		reqs |= TDP_REQ_RELOAD;
		if (!c->stall_start_ns)
			c->stall_start_ns = atomic64_read(&vm->reload_req_ns);
	}
	if (c->flush_want != READ_ONCE(c->flush_seen))
		reqs |= TDP_REQ_FLUSH;
	return reqs;
}

void tdp_client_done(struct tdp_vm *vm, struct tdp_client *c, unsigned int reqs)
{
	if (!reqs)
		return;
	spin_lock(&vm->clients_lock);
	if (reqs & TDP_REQ_RELOAD)
		WRITE_ONCE(c->reload_seen, c->reload_want);
	if (reqs & TDP_REQ_FLUSH)
		WRITE_ONCE(c->flush_seen, c->flush_want);
	spin_unlock(&vm->clients_lock);
	wake_up_all(&vm->ack_wq);
}

static bool tdp_clients_caught_up(struct tdp_vm *vm, bool reload, u64 target)
{
	struct tdp_client *c;
	bool done = true;

	spin_lock(&vm->clients_lock);
	list_for_each_entry(c, &vm->clients, node) {
		if ((s64)((reload ? c->reload_seen : c->flush_seen) - target) < 0) {
			done = false;
			break;
		}
	}
	spin_unlock(&vm->clients_lock);
	return done;
}

void tdp_vm_wait_clients(struct tdp_vm *vm, bool reload, u64 target)
{
	/* Clients need mmu_lock to reload: waiting while holding it deadlocks. */
	lockdep_assert_not_held(&vm->mmu_lock);
	wait_event(vm->ack_wq, tdp_clients_caught_up(vm, reload, target));
}

void tdp_vm_show_roots(struct seq_file *m, struct tdp_vm *vm)
{
	struct tdp_root *root;

	/*
	 * One line per root from counters, no walk of its tables: the RCU
	 * read-side section lasts as long as the list, whatever the roots map.
	 */
	seq_puts(m, "# id role refcount invalid pt_pages root_pointer\n");
	rcu_read_lock();
	list_for_each_entry_rcu(root, &vm->roots, link) {
		seq_printf(m, "%llu %s/%u/as%u %u %d %d 0x%llx\n", root->id,
			   root->role.format == TDP_FMT_EPT ? "ept" : "npt",
			   root->role.levels, root->role.as_id,
			   refcount_read(&root->count), READ_ONCE(root->invalid),
			   atomic_read(&root->pt_pages),
			   tdp_root_pointer(root->role.format, root->role.levels,
					    virt_to_phys(root->pt)));
	}
	rcu_read_unlock();
}
