// SPDX-License-Identifier: GPL-2.0
/*
 * Requests to the VM's clients (vCPUs) and the operations that wait for
 * them. A request is a sequence number the requester bumps and each client
 * copies once it has handled it: reload (its root was invalidated) or flush
 * (a range was zapped: empty the TLB). zap_all and zap_range are the page-
 * table work of the layers below plus a request and the wait for every
 * client's acknowledgment, composed here, so nothing below calls up.
 */

#include <linux/ktime.h>
#include <linux/slab.h>
#include <linux/wait.h>

#include "invalidate.h"
#include "pt.h"
#include "backing.h"
#include "tdproot_trace.h"

struct tdpr_client {
	struct list_head node;		/* vm->clients, under clients_lock */
	u64 reload_seen, reload_want;
	u64 flush_seen, flush_want;
	/* when the oldest reload request not yet followed by an access was made */
	u64 stall_start_ns;
};

struct tdpr_client *tdpr_client_register(struct tdpr_vm *vm)
{
	struct tdpr_client *c = kzalloc(sizeof(*c), GFP_KERNEL);

	if (!c)
		return NULL;
	spin_lock(&vm->clients_lock);
	c->reload_seen = atomic64_read(&vm->reload_seq);
	c->flush_seen = atomic64_read(&vm->flush_seq);
	c->stall_start_ns = 0;
	list_add(&c->node, &vm->clients);
	spin_unlock(&vm->clients_lock);
	return c;
}

void tdpr_client_unregister(struct tdpr_vm *vm, struct tdpr_client *c)
{
	spin_lock(&vm->clients_lock);
	list_del(&c->node);
	spin_unlock(&vm->clients_lock);
	kfree(c);
	wake_up_all(&vm->ack_wq);
}

unsigned int tdpr_client_pending(struct tdpr_vm *vm, struct tdpr_client *c)
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
		reqs |= TDPR_REQ_RELOAD;
		if (!c->stall_start_ns)
			c->stall_start_ns = atomic64_read(&vm->reload_req_ns);
	}
	if (c->flush_want != READ_ONCE(c->flush_seen))
		reqs |= TDPR_REQ_FLUSH;
	return reqs;
}

void tdpr_client_done(struct tdpr_vm *vm, struct tdpr_client *c, unsigned int reqs)
{
	if (!reqs)
		return;
	spin_lock(&vm->clients_lock);
	if (reqs & TDPR_REQ_RELOAD)
		WRITE_ONCE(c->reload_seen, c->reload_want);
	if (reqs & TDPR_REQ_FLUSH)
		WRITE_ONCE(c->flush_seen, c->flush_want);
	spin_unlock(&vm->clients_lock);
	wake_up_all(&vm->ack_wq);
}

u64 tdpr_client_tlb_gen(const struct tdpr_client *c)
{
	return READ_ONCE(c->flush_seen);
}

void tdpr_client_stall_end(struct tdpr_vm *vm, struct tdpr_client *c)
{
	u64 start = c->stall_start_ns, ns;

	if (!start)
		return;
	c->stall_start_ns = 0;
	ns = ktime_get_ns() - start;
	tdpr_hist_record(&vm->stats, TDPR_HIST_VCPU_STALL, ns);
	trace_tdproot_vcpu_stall(vm->name, ns);
}

bool tdpr_tlb_check(struct tdpr_vm *vm, u64 gen)
{
	if (likely((s64)(gen - atomic64_read(&vm->flush_done_seq)) >= 0))
		return true;
	tdpr_stat_inc(&vm->stats, TDPR_STAT_integrity_errors);
	WARN_ONCE(1, "vm %s: a vCPU used a translation cached before flush %lld (zap_range, migrate, dirty log) returned\n",
		  vm->name, atomic64_read(&vm->flush_done_seq));
	return false;
}

wait_queue_head_t *tdpr_vm_kick_wq(struct tdpr_vm *vm)
{
	return &vm->kick_wq;
}

static bool tdpr_clients_caught_up(struct tdpr_vm *vm, bool reload, u64 target)
{
	struct tdpr_client *c;
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

static void tdpr_vm_wait_clients(struct tdpr_vm *vm, bool reload, u64 target)
{
	/* Clients need mmu_lock to reload: waiting while holding it deadlocks. */
	lockdep_assert_not_held(&vm->mmu_lock);
	wait_event(vm->ack_wq, tdpr_clients_caught_up(vm, reload, target));
}

int tdpr_vm_zap_all(struct tdpr_vm *vm)
{
	struct tdpr_lock lk;
	u64 target, gen;

	mutex_lock(&vm->zap_all_mutex);

	tdpr_vm_lock(vm, &lk, false, TDPR_SITE_INVALIDATE_ALL);
	gen = tdpr_invalidate_all(vm, &lk);
	atomic64_set(&vm->reload_req_ns, ktime_get_ns());
	target = atomic64_inc_return(&vm->reload_seq);
	tdpr_lock_release(&lk);
	wake_up_all(&vm->kick_wq);

	tdpr_zap_invalidated(vm, gen);
	tdpr_vm_wait_clients(vm, true, target);
	tdpr_wait_frees(vm);
	tdpr_stat_inc(&vm->stats, TDPR_STAT_zaps_all);

	mutex_unlock(&vm->zap_all_mutex);
	return 0;
}

/*
 * KVM's invalidate_range_start: under mmu_lock for write, the in-progress
 * count up and the range's leaves zapped in every root; then a flush
 * request and the wait until every client has flushed its TLB (KVM's
 * remote TLB flush waits for every vCPU to leave guest mode). When it
 * returns no vCPU can reach the range's old pages, and no fault installs a
 * translation of them until the end.
 */
static void tdpr_invalidate_begin(struct tdpr_vm *vm, u64 gfn, u64 nr, bool aliases)
{
	struct tdpr_lock lk;
	u64 target;

	tdpr_vm_lock(vm, &lk, false, TDPR_SITE_ZAP_RANGE);
	tdpr_invalidate_range_start(vm, gfn, gfn + nr, aliases, &lk);
	target = atomic64_inc_return(&vm->flush_seq);
	tdpr_lock_release(&lk);

	wake_up_all(&vm->kick_wq);
	tdpr_vm_wait_clients(vm, false, target);
	/* From here on, a translation cached before this zap is a bug. */
	tdpr_atomic64_max(&vm->flush_done_seq, target);
	/*
	 * Leaves free nothing; a seed last put in the root walk zaps a whole
	 * root (its tables are queued then, whoever puts the root last) and
	 * may free it: lk.frees counts both.
	 */
	if (lk.frees)
		tdpr_wait_frees(vm);
}

/* KVM's invalidate_range_end: the sequence up, then the in-progress count down. */
static void tdpr_invalidate_finish(struct tdpr_vm *vm)
{
	struct tdpr_lock lk;

	tdpr_vm_lock(vm, &lk, false, TDPR_SITE_INVALIDATE_END);
	tdpr_invalidate_range_end(vm, &lk);
	tdpr_lock_release(&lk);
}

int tdpr_vm_zap_range(struct tdpr_vm *vm, u64 gfn, u64 nr)
{
	if (!tdpr_range_ok(vm, gfn, nr))
		return -EINVAL;

	tdpr_invalidate_begin(vm, gfn, nr, false);
	tdpr_invalidate_finish(vm);
	tdpr_stat_inc(&vm->stats, TDPR_STAT_zaps_range);
	return 0;
}

static unsigned long *tdpr_frame_bitmap(struct tdpr_vm *vm)
{
	return kvcalloc(BITS_TO_LONGS(vm->nr_frames), sizeof(unsigned long), GFP_KERNEL);
}

int tdpr_vm_migrate(struct tdpr_vm *vm, u64 gfn, u64 nr)
{
	unsigned long *frames, frame;
	int ret = 0;

	if (!tdpr_range_ok(vm, gfn, nr))
		return -EINVAL;
	frames = tdpr_frame_bitmap(vm);
	if (!frames)
		return -ENOMEM;
	tdpr_backing_frames_in(vm, gfn, nr, frames);

	mutex_lock(&vm->migrate_mutex);
	tdpr_invalidate_begin(vm, gfn, nr, true);
	for_each_set_bit(frame, frames, vm->nr_frames) {
		ret = tdpr_backing_move(vm, frame);
		if (ret)
			break;
		cond_resched();
	}
	tdpr_invalidate_finish(vm);
	mutex_unlock(&vm->migrate_mutex);

	kvfree(frames);
	return ret;
}

/* Copy @src to @dst and clear it, a word at a time, each word atomically. */
static void tdpr_bitmap_take(unsigned long *dst, unsigned long *src, u64 bits)
{
	u64 i;

	for (i = 0; i < BITS_TO_LONGS(bits); i++)
		dst[i] = xchg(&src[i], 0);
}

/*
 * The oracle. A vCPU's write sets the leaf's dirty bit (or uses a TLB entry
 * that did), writes, and only then marks the frame in vm->written. The
 * harvest clears the dirty bits and takes the log, then flushes every TLB
 * and waits, then takes the written bitmap: a write that used a leaf before
 * its bit was cleared or zapped has marked its frame by then, and the frame
 * is in the log. A frame written but not in the log must then be dirty in a
 * live leaf (written again after the clear; it is in the next log) or in
 * vm->dirty (zapped since): checked in that order, the leaves first, as a
 * zap moves the bit from a leaf to vm->dirty. Anything else is a write
 * whose dirty bit was lost.
 */
static u64 tdpr_dirty_lost(struct tdpr_vm *vm, unsigned long *cand)
{
	struct tdpr_lock lk;
	u64 lost;

	tdpr_vm_lock(vm, &lk, true, TDPR_SITE_DIRTY_LOG);
	tdpr_harvest_dirty_all(vm, &lk, cand);
	tdpr_lock_release(&lk);
	if (lk.frees)
		tdpr_wait_frees(vm);
	/*
	 * A zap may have taken a bit the walk did not see and not recorded it
	 * yet: a whole-root zap (of a root the walk skipped, in its last put,
	 * or one it found frozen) records by the time the root is zapped; a
	 * range zap records each leaf in the same hold of mmu_lock.
	 */
	tdpr_wait_invalid_zapped(vm);
	tdpr_vm_lock(vm, &lk, true, TDPR_SITE_DIRTY_LOG);
	bitmap_andnot(cand, cand, vm->dirty, vm->nr_frames);
	tdpr_lock_release(&lk);
	lost = bitmap_weight(cand, vm->nr_frames);
	if (lost) {
		tdpr_stat_add(&vm->stats, TDPR_STAT_lost_writes, lost);
		tdpr_stat_add(&vm->stats, TDPR_STAT_integrity_errors, lost);
		WARN_ONCE(1, "vm %s: %llu written frames missing from the dirty log, frame 0x%lx first\n",
			  vm->name, lost, find_first_bit(cand, vm->nr_frames));
	}
	return lost;
}

size_t tdpr_vm_dirty_log_size(struct tdpr_vm *vm)
{
	size_t digits = 1;
	u64 n;

	for (n = vm->nr_frames; n >= 10; n /= 10)
		digits++;
	/* "frames N", then at most one run per two frames of "FRAME NR". */
	return 32 + (vm->nr_frames + 1) / 2 * (2 * digits + 2);
}

int tdpr_vm_dirty_log(struct seq_file *m, struct tdpr_vm *vm)
{
	unsigned long *log, *cand, start, end;
	struct tdpr_lock lk;
	u64 target;

	log = tdpr_frame_bitmap(vm);
	cand = tdpr_frame_bitmap(vm);
	if (!log || !cand) {
		kvfree(log);
		kvfree(cand);
		return -ENOMEM;
	}

	mutex_lock(&vm->dirty_mutex);
	if (vm->p.ad) {
		tdpr_vm_lock(vm, &lk, true, TDPR_SITE_DIRTY_LOG);
		tdpr_harvest_dirty_all(vm, &lk, NULL);
		/*
		 * Under the lock: a range zap whose dirty bits the log takes
		 * has made its flush request too, and a zap_all its reload
		 * request, so the flush below waits for every write through a
		 * TLB entry those zaps left behind (KVM flushes before it
		 * drops mmu_lock, so no GET_DIRTY_LOG runs in between).
		 */
		tdpr_bitmap_take(log, vm->dirty, vm->nr_frames);
		target = atomic64_inc_return(&vm->flush_seq);
		tdpr_lock_release(&lk);
		wake_up_all(&vm->kick_wq);
		tdpr_vm_wait_clients(vm, false, target);
		tdpr_atomic64_max(&vm->flush_done_seq, target);
		if (lk.frees)
			tdpr_wait_frees(vm);

		tdpr_bitmap_take(cand, vm->written, vm->nr_frames);
		if (bitmap_andnot(cand, cand, log, vm->nr_frames))
			tdpr_dirty_lost(vm, cand);
	}
	mutex_unlock(&vm->dirty_mutex);

	seq_printf(m, "frames %u\n", bitmap_weight(log, vm->nr_frames));
	for_each_set_bitrange(start, end, log, vm->nr_frames)
		seq_printf(m, "%lu %lu\n", start, end - start);
	tdpr_stat_add(&vm->stats, TDPR_STAT_dirty_frames, bitmap_weight(log, vm->nr_frames));
	kvfree(log);
	kvfree(cand);
	return 0;
}
