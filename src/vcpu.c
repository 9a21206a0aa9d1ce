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
#include <linux/mutex.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/wait.h>

#include <tdproot/vcpu.h>

#include "vcpu_svm.h"

#define TDPR_TLB_SIZE		64
#define TDPR_BATCH		256
#define TDPR_HOT_FRAMES		512
#define TDPR_NO_GFN		(~0ULL)
/* How long a hardware vCPU waits for an invalidation in its way. */
#define TDPR_SVM_BUSY_US	50

const char *const tdpr_pattern_names[TDPR_PATTERN_NR] = {
	[TDPR_PATTERN_IDLE] = "idle",
	[TDPR_PATTERN_SEQ] = "seq",
	[TDPR_PATTERN_RANDOM] = "random",
	[TDPR_PATTERN_HOT] = "hot",
};

struct tdpr_tlb_entry {
	u64 gfn;
	u64 pfn;
	u64 gen;	/* tdpr_client_tlb_gen() when it was filled */
	/* Filled by a write: the leaf's dirty bit was set, writes need no walk. */
	bool dirty;
};

struct tdpr_vcpu {
	struct tdpr_vcpus *vs;
	struct tdpr_vm *vm;
	struct task_struct *task;
	struct tdpr_client *client;
	struct tdpr_root *root;		/* referenced, or NULL */
	struct tdpr_svm_vcpu *sv;	/* vcpu=svm: the CPU runs the guest */
	struct tdpr_pt_cache cache;
	int as_id;
	u64 rng;
	u64 seq_gfn;
	unsigned long next_flip;
	struct tdpr_tlb_entry tlb[TDPR_TLB_SIZE];
};

struct tdpr_vcpus {
	struct tdpr_vm *vm;
	char name[TDPR_NAME_MAX];
	struct mutex lock;		/* serialises starting and stopping */
	bool svm;			/* vcpu=svm */
	unsigned int nr;
	struct tdpr_vcpu *vcpu[TDPR_MAX_VCPUS];
	/* The workload: written under lock, read by vCPUs with READ_ONCE. */
	struct tdpr_workload wl;
};

static u64 tdpr_vcpu_rand(struct tdpr_vcpu *v)
{
	/* xorshift64*: cheap, per-thread, reproducible from the seed. */
	v->rng ^= v->rng >> 12;
	v->rng ^= v->rng << 25;
	v->rng ^= v->rng >> 27;
	return v->rng * 0x2545F4914F6CDD1DULL;
}

static void tdpr_tlb_flush(struct tdpr_vcpu *v)
{
	int i;

	for (i = 0; i < TDPR_TLB_SIZE; i++)
		v->tlb[i].gfn = TDPR_NO_GFN;
}

static void tdpr_vcpu_put_root(struct tdpr_vcpu *v)
{
	if (v->root)
		tdpr_root_release(v->vm, v->root);
	v->root = NULL;
	tdpr_tlb_flush(v);
	if (v->sv)
		tdpr_svm_vcpu_flush(v->sv);
}

static int tdpr_vcpu_load_root(struct tdpr_vcpu *v)
{
	struct tdpr_root *root = tdpr_root_load(v->vm, v->as_id);

	if (IS_ERR(root))
		return PTR_ERR(root);
	v->root = root;
	return 0;
}

static void tdpr_vcpu_reload(struct tdpr_vcpu *v)
{
	tdpr_vcpu_put_root(v);
	tdpr_vcpu_load_root(v);
	tdpr_stat_inc(tdpr_vm_stats(v->vm), TDPR_STAT_vcpu_reloads);
}

/* Returns true if the root changed, so a walk in progress must restart. */
static bool tdpr_vcpu_handle_requests(struct tdpr_vcpu *v)
{
	unsigned int reqs = tdpr_client_pending(v->vm, v->client);

	if (reqs & TDPR_REQ_RELOAD)
		tdpr_vcpu_reload(v);
	if (reqs & TDPR_REQ_FLUSH) {
		tdpr_tlb_flush(v);
		if (v->sv)
			tdpr_svm_vcpu_flush(v->sv);
		tdpr_stat_inc(tdpr_vm_stats(v->vm), TDPR_STAT_tlb_flushes);
	}
	tdpr_client_done(v->vm, v->client, reqs);
	return reqs & TDPR_REQ_RELOAD;
}

/*
 * The fault found the root this vCPU holds invalid. Only zap_all can have
 * marked it (a seed last put cannot happen while this vCPU holds its
 * reference), and zap_all asked every vCPU to reload in the same exclusive
 * section, then zapped the root before waiting for them: so the request is
 * pending now, and taking it moves the vCPU to a new root. Like KVM's stale
 * fault (RET_PF_RETRY), the fault path itself drops no root: a vCPU whose
 * request did not come (an invariant broken, counted) retries on the root
 * it still holds a reference to, never walks away from it.
 */
static void tdpr_vcpu_stale_fault(struct tdpr_vcpu *v)
{
	if (WARN_ON_ONCE(!tdpr_vcpu_handle_requests(v)))
		tdpr_stat_inc(tdpr_vm_stats(v->vm), TDPR_STAT_invariant_errors);
	cond_resched();
}

static void tdpr_vcpu_maybe_flip(struct tdpr_vcpu *v, unsigned int flip_ms)
{
	if (!flip_ms || time_before(jiffies, v->next_flip))
		return;
	v->next_flip = jiffies + msecs_to_jiffies(flip_ms);
	/* Under seed, dropping the only reference is a root's last put. */
	tdpr_vcpu_put_root(v);
	v->as_id ^= 1;
	tdpr_vcpu_load_root(v);
	tdpr_stat_inc(tdpr_vm_stats(v->vm), TDPR_STAT_role_flips);
}

static u64 tdpr_vcpu_next_gfn(struct tdpr_vcpu *v, const struct tdpr_workload *wl)
{
	u64 nr = wl->frames ?: tdpr_vm_nr_gfns(v->vm);

	switch (wl->pattern) {
	case TDPR_PATTERN_SEQ:
		if (++v->seq_gfn >= nr)
			v->seq_gfn = 0;
		return v->seq_gfn;
	case TDPR_PATTERN_HOT:
		if (tdpr_vcpu_rand(v) % 10)
			return tdpr_vcpu_rand(v) % min_t(u64, nr, TDPR_HOT_FRAMES);
		fallthrough;
	default:
		return tdpr_vcpu_rand(v) % nr;
	}
}

/*
 * One guest access. Returns 0 when it completed, 1 when it must be retried
 * (an exit changed the root), or a negative error from the fault path.
 */
static int tdpr_vcpu_access(struct tdpr_vcpu *v, const struct tdpr_workload *wl)
{
	u64 gfn = tdpr_vcpu_next_gfn(v, wl);
	struct tdpr_tlb_entry *e = &v->tlb[gfn % TDPR_TLB_SIZE];
	bool write = tdpr_vcpu_rand(v) % 100 < wl->write_pct;
	u64 pfn;
	int ret;

	if (e->gfn == gfn && (e->dirty || !write)) {
		pfn = e->pfn;
		tdpr_tlb_check(v->vm, e->gen);
	} else {
		/* Like the CPU, a write through a clean entry walks to set the dirty bit. */
		while (tdpr_translate(v->vm, v->root, gfn, write, &pfn)) {
			/* An exit: requests first, then the fault. */
			if (tdpr_vcpu_handle_requests(v))
				return 1;
			ret = tdpr_fault(v->vm, v->root, gfn, write, &v->cache);
			if (ret == -EBUSY) {
				/*
				 * An invalidation overlaps the frame: take its
				 * flush request, let it end, and retry.
				 */
				tdpr_vcpu_handle_requests(v);
				cond_resched();
				return 1;
			}
			if (ret == -EAGAIN) {
				/* A stale fault: see tdpr_vcpu_stale_fault(). */
				tdpr_vcpu_stale_fault(v);
				return 1;
			}
			if (ret)
				return ret;
		}
		e->gfn = gfn;
		e->pfn = pfn;
		e->gen = tdpr_client_tlb_gen(v->client);
		e->dirty = write;
	}

	tdpr_backing_check(v->vm, gfn, pfn, write);
	tdpr_client_stall_end(v->vm, v->client);
	return 0;
}

/*
 * vcpu=svm: one VMRUN and its exit. The exits that need the lifecycle are
 * the software walk's: a fault the root cannot take, an invalidation in
 * the way. A guest that stopped is started again after a pause (its
 * failure is already counted).
 */
static void tdpr_vcpu_guest(struct tdpr_vcpu *v, const struct tdpr_workload *wl)
{
	int ret = tdpr_svm_vcpu_run(v->sv, v->root, v->client, wl, &v->cache);

	if (ret > 0) {
		tdpr_stat_add(tdpr_vm_stats(v->vm), TDPR_STAT_accesses, ret);
		tdpr_client_stall_end(v->vm, v->client);
	} else if (ret == -EBUSY) {
		/*
		 * An invalidation (a migrate holding the log, or a range over
		 * the faulting frame) is under way: take its requests and give
		 * it a moment, rather than entering a guest that can only exit
		 * again at once.
		 */
		tdpr_vcpu_handle_requests(v);
		usleep_range(TDPR_SVM_BUSY_US, 2 * TDPR_SVM_BUSY_US);
	} else if (ret == -EAGAIN) {
		tdpr_vcpu_stale_fault(v);
	} else if (ret == -EIO) {
		tdpr_svm_vcpu_reset(v->sv);
		msleep_interruptible(10);
	} else if (ret < 0) {
		msleep_interruptible(10);
	}
}

static bool tdpr_vcpu_idle_wake(struct tdpr_vcpu *v)
{
	return kthread_should_stop() || tdpr_client_pending(v->vm, v->client) ||
	       READ_ONCE(v->vs->wl.pattern) != TDPR_PATTERN_IDLE;
}

static int tdpr_vcpu_thread(void *data)
{
	struct tdpr_vcpu *v = data;
	struct tdpr_workload *wl = &v->vs->wl;

	while (!kthread_should_stop()) {
		struct tdpr_workload now = {
			.pattern = READ_ONCE(wl->pattern),
			.write_pct = READ_ONCE(wl->write_pct),
			.flip_ms = READ_ONCE(wl->flip_ms),
			.frames = READ_ONCE(wl->frames),
		};
		u64 done = 0;
		int ret = 0;

		tdpr_vcpu_handle_requests(v);
		tdpr_vcpu_maybe_flip(v, now.flip_ms);
		if (!v->root && tdpr_vcpu_load_root(v)) {
			msleep_interruptible(10);
			continue;
		}

		if (now.pattern == TDPR_PATTERN_IDLE) {
			long timeout = now.flip_ms ? msecs_to_jiffies(now.flip_ms) : HZ;

			wait_event_interruptible_timeout(*tdpr_vm_kick_wq(v->vm),
							 tdpr_vcpu_idle_wake(v), timeout);
			continue;
		}

		if (v->sv) {
			tdpr_vcpu_guest(v, &now);
			cond_resched();
			continue;
		}
		while (done < TDPR_BATCH && v->root && !need_resched()) {
			ret = tdpr_vcpu_access(v, &now);
			if (ret < 0)
				break;
			done += !ret;
		}
		tdpr_stat_add(tdpr_vm_stats(v->vm), TDPR_STAT_accesses, done);
		if (ret == -ENOMEM)
			msleep_interruptible(10);
		cond_resched();
	}
	return 0;
}

struct tdpr_vcpus *tdpr_vcpus_create(struct tdpr_vm *vm, const char *name, bool svm)
{
	struct tdpr_vcpus *vs = kzalloc(sizeof(*vs), GFP_KERNEL);

	if (!vs)
		return NULL;
	vs->vm = vm;
	vs->svm = svm;
	strscpy(vs->name, name, sizeof(vs->name));
	mutex_init(&vs->lock);
	vs->wl.pattern = TDPR_PATTERN_IDLE;
	return vs;
}

static struct tdpr_vcpu *tdpr_vcpu_start(struct tdpr_vcpus *vs, unsigned int idx)
{
	struct tdpr_vcpu *v = kzalloc(sizeof(*v), GFP_KERNEL);

	if (!v)
		return NULL;
	v->vs = vs;
	v->vm = vs->vm;
	v->rng = 0x9E3779B97F4A7C15ULL * (idx + 1);
	v->next_flip = jiffies;
	tdpr_tlb_flush(v);
	if (vs->svm) {
		v->sv = tdpr_svm_vcpu_create(v->vm, idx);
		if (!v->sv) {
			kfree(v);
			return NULL;
		}
	}

	/* Registered before it runs: no request made from now on is missed. */
	v->client = tdpr_client_register(v->vm);
	if (!v->client) {
		tdpr_svm_vcpu_free(v->sv);
		kfree(v);
		return NULL;
	}
	v->task = kthread_create(tdpr_vcpu_thread, v, "tdproot/%s/%u", vs->name, idx);
	if (IS_ERR(v->task)) {
		tdpr_client_unregister(v->vm, v->client);
		tdpr_svm_vcpu_free(v->sv);
		kfree(v);
		return NULL;
	}
	wake_up_process(v->task);
	return v;
}

static void tdpr_vcpu_stop(struct tdpr_vcpu *v)
{
	/* The thread may never have run; everything it owns is released here. */
	kthread_stop(v->task);
	tdpr_vcpu_put_root(v);
	tdpr_pt_cache_free(&v->cache);
	tdpr_client_unregister(v->vm, v->client);
	tdpr_svm_vcpu_free(v->sv);
	kfree(v);
}

int tdpr_vcpus_set_count(struct tdpr_vcpus *vs, unsigned int nr)
{
	int ret = 0;

	if (nr > TDPR_MAX_VCPUS)
		return -EINVAL;

	mutex_lock(&vs->lock);
	while (vs->nr < nr) {
		struct tdpr_vcpu *v = tdpr_vcpu_start(vs, vs->nr);

		if (!v) {
			ret = -ENOMEM;
			break;
		}
		vs->vcpu[vs->nr++] = v;
	}
	while (vs->nr > nr)
		tdpr_vcpu_stop(vs->vcpu[--vs->nr]);
	mutex_unlock(&vs->lock);
	/* A stopped vCPU's put may have been a root's last. */
	tdpr_vm_sync(vs->vm);
	return ret;
}

unsigned int tdpr_vcpus_count(struct tdpr_vcpus *vs)
{
	return READ_ONCE(vs->nr);
}

int tdpr_vcpus_set_workload(struct tdpr_vcpus *vs, const struct tdpr_workload *wl)
{
	u64 max = vs->svm ? tdpr_svm_work_frames(vs->vm) : tdpr_vm_nr_gfns(vs->vm);

	if (wl->frames > max) {
		pr_warn_ratelimited("%s/workload: frames=%llu is more than the %llu the vCPUs may touch\n",
				    vs->name, wl->frames, max);
		return -EINVAL;
	}
	mutex_lock(&vs->lock);
	WRITE_ONCE(vs->wl.write_pct, wl->write_pct);
	WRITE_ONCE(vs->wl.flip_ms, wl->flip_ms);
	WRITE_ONCE(vs->wl.frames, wl->frames);
	WRITE_ONCE(vs->wl.pattern, wl->pattern);
	mutex_unlock(&vs->lock);
	wake_up_all(tdpr_vm_kick_wq(vs->vm));
	return 0;
}

void tdpr_vcpus_get_workload(struct tdpr_vcpus *vs, struct tdpr_workload *wl)
{
	mutex_lock(&vs->lock);
	*wl = vs->wl;
	mutex_unlock(&vs->lock);
}

void tdpr_vcpus_destroy(struct tdpr_vcpus *vs)
{
	tdpr_vcpus_set_count(vs, 0);
	kfree(vs);
}
