// SPDX-License-Identifier: GPL-2.0
/*
 * The vCPU shim. Each vCPU is a kernel thread that behaves like a CPU in
 * guest mode: it walks its root without mmu_lock (inside an RCU read-side
 * section, as hardware walks without KVM's locks), caches translations in a
 * small TLB, and leaves "guest mode" on a non-present entry to run the fault
 * path. Requests (reload, flush) are honoured at every exit and between
 * batches of accesses. Only the API in include/ is used here.
 */

#include <linux/delay.h>
#include <linux/err.h>
#include <linux/jiffies.h>
#include <linux/kthread.h>
#include <linux/ktime.h>
#include <linux/mutex.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/wait.h>

#include <tdproot/vcpu.h>

#define TDP_TLB_SIZE		64
#define TDP_BATCH		256
#define TDP_HOT_FRAMES		512
#define TDP_NO_GFN		(~0ULL)

const char *const tdp_pattern_names[TDP_PATTERN_NR] = {
	[TDP_PATTERN_IDLE] = "idle",
	[TDP_PATTERN_SEQ] = "seq",
	[TDP_PATTERN_RANDOM] = "random",
	[TDP_PATTERN_HOT] = "hot",
};

struct tdp_tlb_entry {
	u64 gfn;
	u64 pfn;
	u64 gen;	/* tdp_client_tlb_gen() when it was filled */
};

struct tdp_vcpu {
	struct tdp_vcpus *vs;
	struct tdp_vm *vm;
	struct task_struct *task;
	struct tdp_client *client;
	struct tdp_root *root;		/* referenced, or NULL */
	struct tdp_pt_cache cache;
	int as_id;
	u64 rng;
	u64 seq_gfn;
	unsigned long next_flip;
	struct tdp_tlb_entry tlb[TDP_TLB_SIZE];
};

struct tdp_vcpus {
	struct tdp_vm *vm;
	char name[TDP_NAME_MAX];
	struct mutex lock;		/* serialises starting and stopping */
	unsigned int nr;
	struct tdp_vcpu *vcpu[TDP_MAX_VCPUS];
	/* The workload: written under lock, read by vCPUs with READ_ONCE. */
	struct tdp_workload wl;
};

static u64 tdp_vcpu_rand(struct tdp_vcpu *v)
{
	/* xorshift64*: cheap, per-thread, reproducible from the seed. */
	v->rng ^= v->rng >> 12;
	v->rng ^= v->rng << 25;
	v->rng ^= v->rng >> 27;
	return v->rng * 0x2545F4914F6CDD1DULL;
}

static void tdp_tlb_flush(struct tdp_vcpu *v)
{
	int i;

	for (i = 0; i < TDP_TLB_SIZE; i++)
		v->tlb[i].gfn = TDP_NO_GFN;
}

static void tdp_vcpu_put_root(struct tdp_vcpu *v)
{
	if (v->root)
		tdp_root_release(v->vm, v->root);
	v->root = NULL;
	tdp_tlb_flush(v);
}

static int tdp_vcpu_load_root(struct tdp_vcpu *v)
{
	struct tdp_root *root = tdp_root_load(v->vm, v->as_id);

	if (IS_ERR(root))
		return PTR_ERR(root);
	v->root = root;
	return 0;
}

static void tdp_vcpu_reload(struct tdp_vcpu *v)
{
	tdp_vcpu_put_root(v);
	tdp_vcpu_load_root(v);
	tdp_stat_inc(tdp_vm_stats(v->vm), TDP_STAT_vcpu_reloads);
}

/* Returns true if the root changed, so a walk in progress must restart. */
static bool tdp_vcpu_handle_requests(struct tdp_vcpu *v)
{
	unsigned int reqs = tdp_client_pending(v->vm, v->client);

	if (reqs & TDP_REQ_RELOAD)
		tdp_vcpu_reload(v);
	if (reqs & TDP_REQ_FLUSH) {
		tdp_tlb_flush(v);
		tdp_stat_inc(tdp_vm_stats(v->vm), TDP_STAT_tlb_flushes);
	}
	tdp_client_done(v->vm, v->client, reqs);
	return reqs & TDP_REQ_RELOAD;
}

static void tdp_vcpu_maybe_flip(struct tdp_vcpu *v, unsigned int flip_ms)
{
	if (!flip_ms || time_before(jiffies, v->next_flip))
		return;
	v->next_flip = jiffies + msecs_to_jiffies(flip_ms);
	/* Under seed, dropping the only reference is a root's last put. */
	tdp_vcpu_put_root(v);
	v->as_id ^= 1;
	tdp_vcpu_load_root(v);
	tdp_stat_inc(tdp_vm_stats(v->vm), TDP_STAT_role_flips);
}

static u64 tdp_vcpu_next_gfn(struct tdp_vcpu *v, enum tdp_pattern pattern)
{
	u64 nr = tdp_vm_nr_gfns(v->vm);

	switch (pattern) {
	case TDP_PATTERN_SEQ:
		if (++v->seq_gfn >= nr)
			v->seq_gfn = 0;
		return v->seq_gfn;
	case TDP_PATTERN_HOT:
		if (tdp_vcpu_rand(v) % 10)
			return tdp_vcpu_rand(v) % min_t(u64, nr, TDP_HOT_FRAMES);
		fallthrough;
	default:
		return tdp_vcpu_rand(v) % nr;
	}
}

/*
 * One guest access. Returns 0 when it completed, 1 when it must be retried
 * (an exit changed the root), or a negative error from the fault path.
 */
static int tdp_vcpu_access(struct tdp_vcpu *v, enum tdp_pattern pattern,
			   unsigned int write_pct)
{
	u64 gfn = tdp_vcpu_next_gfn(v, pattern);
	struct tdp_tlb_entry *e = &v->tlb[gfn % TDP_TLB_SIZE];
	bool write = tdp_vcpu_rand(v) % 100 < write_pct;
	u64 pfn, stall_start;
	int ret;

	if (e->gfn == gfn) {
		pfn = e->pfn;
		tdp_tlb_check(v->vm, e->gen);
	} else {
		while (tdp_translate(v->vm, v->root, gfn, &pfn)) {
			/* An exit: requests first, then the fault. */
			if (tdp_vcpu_handle_requests(v))
				return 1;
			ret = tdp_fault(v->vm, v->root, gfn, write, &v->cache);
			if (ret == -EAGAIN) {
				/*
				 * The root was invalidated after the check
				 * above; the reload request is visible now.
				 */
				if (!tdp_vcpu_handle_requests(v))
					tdp_vcpu_reload(v);
				return 1;
			}
			if (ret)
				return ret;
		}
		e->gfn = gfn;
		e->pfn = pfn;
		e->gen = tdp_client_tlb_gen(v->client);
	}

	tdp_backing_check(v->vm, gfn, pfn, write);
	stall_start = tdp_client_stall_end(v->client);
	if (stall_start)
		tdp_hist_record(tdp_vm_stats(v->vm), TDP_HIST_VCPU_STALL,
				ktime_get_ns() - stall_start);
	return 0;
}

static bool tdp_vcpu_idle_wake(struct tdp_vcpu *v)
{
	return kthread_should_stop() || tdp_client_pending(v->vm, v->client) ||
	       READ_ONCE(v->vs->wl.pattern) != TDP_PATTERN_IDLE;
}

static int tdp_vcpu_thread(void *data)
{
	struct tdp_vcpu *v = data;
	struct tdp_workload *wl = &v->vs->wl;

	while (!kthread_should_stop()) {
		enum tdp_pattern pattern = READ_ONCE(wl->pattern);
		unsigned int write_pct = READ_ONCE(wl->write_pct);
		unsigned int flip_ms = READ_ONCE(wl->flip_ms);
		u64 done = 0;
		int ret = 0;

		tdp_vcpu_handle_requests(v);
		tdp_vcpu_maybe_flip(v, flip_ms);
		if (!v->root && tdp_vcpu_load_root(v)) {
			msleep_interruptible(10);
			continue;
		}

		if (pattern == TDP_PATTERN_IDLE) {
			long timeout = flip_ms ? msecs_to_jiffies(flip_ms) : HZ;

			wait_event_interruptible_timeout(*tdp_vm_kick_wq(v->vm),
							 tdp_vcpu_idle_wake(v), timeout);
			continue;
		}

		while (done < TDP_BATCH && v->root && !need_resched()) {
			ret = tdp_vcpu_access(v, pattern, write_pct);
			if (ret < 0)
				break;
			done += !ret;
		}
		tdp_stat_add(tdp_vm_stats(v->vm), TDP_STAT_accesses, done);
		if (ret == -ENOMEM)
			msleep_interruptible(10);
		cond_resched();
	}
	return 0;
}

struct tdp_vcpus *tdp_vcpus_create(struct tdp_vm *vm, const char *name)
{
	struct tdp_vcpus *vs = kzalloc(sizeof(*vs), GFP_KERNEL);

	if (!vs)
		return NULL;
	vs->vm = vm;
	strscpy(vs->name, name, sizeof(vs->name));
	mutex_init(&vs->lock);
	vs->wl.pattern = TDP_PATTERN_IDLE;
	return vs;
}

static struct tdp_vcpu *tdp_vcpu_start(struct tdp_vcpus *vs, unsigned int idx)
{
	struct tdp_vcpu *v = kzalloc(sizeof(*v), GFP_KERNEL);

	if (!v)
		return NULL;
	v->vs = vs;
	v->vm = vs->vm;
	v->rng = 0x9E3779B97F4A7C15ULL * (idx + 1);
	v->next_flip = jiffies;
	tdp_tlb_flush(v);

	/* Registered before it runs: no request made from now on is missed. */
	v->client = tdp_client_register(v->vm);
	if (!v->client) {
		kfree(v);
		return NULL;
	}
	v->task = kthread_create(tdp_vcpu_thread, v, "tdproot/%s/%u", vs->name, idx);
	if (IS_ERR(v->task)) {
		tdp_client_unregister(v->vm, v->client);
		kfree(v);
		return NULL;
	}
	wake_up_process(v->task);
	return v;
}

static void tdp_vcpu_stop(struct tdp_vcpu *v)
{
	/* The thread may never have run; everything it owns is released here. */
	kthread_stop(v->task);
	tdp_vcpu_put_root(v);
	tdp_pt_cache_free(&v->cache);
	tdp_client_unregister(v->vm, v->client);
	kfree(v);
}

int tdp_vcpus_set_count(struct tdp_vcpus *vs, unsigned int nr)
{
	int ret = 0;

	if (nr > TDP_MAX_VCPUS)
		return -EINVAL;

	mutex_lock(&vs->lock);
	while (vs->nr < nr) {
		struct tdp_vcpu *v = tdp_vcpu_start(vs, vs->nr);

		if (!v) {
			ret = -ENOMEM;
			break;
		}
		vs->vcpu[vs->nr++] = v;
	}
	while (vs->nr > nr)
		tdp_vcpu_stop(vs->vcpu[--vs->nr]);
	mutex_unlock(&vs->lock);
	/* A stopped vCPU's put may have been a root's last. */
	tdp_vm_sync(vs->vm);
	return ret;
}

unsigned int tdp_vcpus_count(struct tdp_vcpus *vs)
{
	return READ_ONCE(vs->nr);
}

void tdp_vcpus_set_workload(struct tdp_vcpus *vs, const struct tdp_workload *wl)
{
	mutex_lock(&vs->lock);
	WRITE_ONCE(vs->wl.write_pct, wl->write_pct);
	WRITE_ONCE(vs->wl.flip_ms, wl->flip_ms);
	WRITE_ONCE(vs->wl.pattern, wl->pattern);
	mutex_unlock(&vs->lock);
	wake_up_all(tdp_vm_kick_wq(vs->vm));
}

void tdp_vcpus_get_workload(struct tdp_vcpus *vs, struct tdp_workload *wl)
{
	mutex_lock(&vs->lock);
	*wl = vs->wl;
	mutex_unlock(&vs->lock);
}

void tdp_vcpus_destroy(struct tdp_vcpus *vs)
{
	tdp_vcpus_set_count(vs, 0);
	kfree(vs);
}
