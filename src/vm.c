// SPDX-License-Identifier: GPL-2.0
/*
 * The VM: its parameters, creation and destruction. Destruction is a zap_all
 * and a wait for every deferred free, so this file sits above the requests
 * layer.
 */

#include <linux/gfp.h>
#include <linux/io.h>
#include <linux/math64.h>
#include <linux/mm.h>
#include <linux/slab.h>
#include <linux/vmalloc.h>

#include "backing.h"
#include "fail.h"
#include "pt.h"

static atomic_t tdpr_vm_ids = ATOMIC_INIT(0);
static atomic_t tdpr_vms_live = ATOMIC_INIT(0);

int tdpr_vm_count(void)
{
	return atomic_read(&tdpr_vms_live);
}

/*
 * @bytes for a message in SIZE's units: exactly, in the largest unit that
 * divides it ("1536M", "5000"), or with @approx in the largest unit it
 * reaches, to one decimal ("3.8G").
 */
static const char *tdpr_size_str(char *buf, size_t len, u64 bytes, bool approx)
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

int tdpr_vm_params_check(const struct tdpr_vm_params *p, const char *name)
{
	unsigned int block_order = tdpr_block_order(p->leaf_level);
	u64 leaf_bytes = PAGE_SIZE << tdpr_leaf_shift(p->leaf_level);
	u64 block_bytes = PAGE_SIZE << block_order;
	u64 width = tdpr_max_gfn(p->levels) << PAGE_SHIFT;
	u64 ram = (u64)totalram_pages() << PAGE_SHIFT;
	char mem[24], backing[24], limit[24];

	if (p->levels != 4 && p->levels != 5) {
		pr_warn_ratelimited("create %s: levels=%d is not 4 or 5\n", name, p->levels);
		return -EINVAL;
	}
	if (!p->ad && p->format == TDPR_FMT_NPT) {
		pr_warn_ratelimited("create %s: ad=0 is for ept only: npt always sets A/D bits\n",
				    name);
		return -EINVAL;
	}
	tdpr_size_str(mem, sizeof(mem), p->mem_bytes, false);
	tdpr_size_str(backing, sizeof(backing), p->backing_bytes, false);
	if (!p->mem_bytes || !p->backing_bytes) {
		pr_warn_ratelimited("create %s: mem=%s backing=%s: a VM needs both\n",
				    name, mem, backing);
		return -EINVAL;
	}
	if (p->mem_bytes % leaf_bytes) {
		pr_warn_ratelimited("create %s: mem=%s is not a multiple of the leaf size (%s)\n",
				    name, mem,
				    tdpr_size_str(limit, sizeof(limit), leaf_bytes, false));
		return -EINVAL;
	}
	if (p->mem_bytes > width) {
		pr_warn_ratelimited("create %s: mem=%s is more than %d levels map (%s)\n",
				    name, mem, p->levels,
				    tdpr_size_str(limit, sizeof(limit), width, false));
		return -EINVAL;
	}
	if (p->backing_bytes % block_bytes) {
		pr_warn_ratelimited("create %s: backing=%s is not a multiple of the block size (%s)\n",
				    name, backing,
				    tdpr_size_str(limit, sizeof(limit), block_bytes, false));
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
				    name, backing, tdpr_size_str(limit, sizeof(limit), ram, true));
		return -ENOMEM;
	}
	return 0;
}

struct tdpr_vm *tdpr_vm_create(const struct tdpr_vm_params *params, const char *name)
{
	struct tdpr_vm *vm;
	int ret;

	ret = tdpr_vm_params_check(params, name);
	if (ret)
		return ERR_PTR(ret);

	if (tdpr_should_fail(TDPR_FAIL_VM))
		return ERR_PTR(-ENOMEM);
	vm = kzalloc(sizeof(*vm), GFP_KERNEL_ACCOUNT);
	if (!vm)
		return ERR_PTR(-ENOMEM);

	strscpy(vm->name, name, sizeof(vm->name));
	vm->id = atomic_inc_return(&tdpr_vm_ids);
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

	ret = tdpr_stats_init(&vm->stats);
	if (ret) {
		kfree(vm);
		return ERR_PTR(ret);
	}
	ret = tdpr_backing_alloc(vm);
	if (ret) {
		pr_warn_ratelimited("vm %s: cannot allocate %llu bytes of backing memory\n",
				    name, params->backing_bytes);
		tdpr_backing_free(vm);
		tdpr_stats_free(&vm->stats);
		kfree(vm);
		return ERR_PTR(ret);
	}
	atomic_inc(&tdpr_vms_live);
	return vm;
}

void tdpr_vm_destroy(struct tdpr_vm *vm)
{
	struct tdpr_stats *s = &vm->stats;
	bool leaked;

	TDPR_WARN(vm, !list_empty(&vm->clients));
	tdpr_vm_zap_all(vm);
	rcu_barrier();

	leaked = TDPR_WARN(vm, atomic_read(&vm->pending_frees)) ||
		 TDPR_WARN(vm, !list_empty(&vm->roots)) ||
		 TDPR_WARN(vm, tdpr_stat_read(s, TDPR_STAT_roots_allocated) !=
			      tdpr_stat_read(s, TDPR_STAT_roots_freed)) ||
		 TDPR_WARN(vm, tdpr_stat_read(s, TDPR_STAT_pt_pages_allocated) !=
			      tdpr_stat_read(s, TDPR_STAT_pt_pages_freed)) ||
		 TDPR_WARN(vm, tdpr_stat_read(s, TDPR_STAT_leaf_sptes));
	/* Every invalidation started has ended: nobody is left to end it. */
	TDPR_WARN(vm, vm->mmu_invalidate_in_progress);
	atomic_dec(&tdpr_vms_live);
	if (leaked) {
		/* Something may still point into it: keep it rather than free it. */
		pr_err("vm %s: roots or tables outlived it; leaking the VM\n",
		       vm->name);
		return;
	}
	tdpr_backing_free(vm);
	tdpr_stats_free(&vm->stats);
	kfree(vm);
}

void tdpr_vm_kill(struct tdpr_vm *vm)
{
	WRITE_ONCE(vm->dying, true);
}

void tdpr_vm_sync(struct tdpr_vm *vm)
{
	tdpr_wait_frees(vm);
}

u64 tdpr_vm_nr_gfns(const struct tdpr_vm *vm)
{
	return vm->nr_gfns;
}

struct tdpr_stats *tdpr_vm_stats(struct tdpr_vm *vm)
{
	return &vm->stats;
}

