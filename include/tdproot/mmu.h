/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The TDP MMU of a simulated VM: its roots, their lifecycle, faults and
 * zaps. This is the whole API the vCPU shim and the debugfs interface use;
 * the structures behind it are private to the MMU.
 */
#ifndef _TDPROOT_MMU_H
#define _TDPROOT_MMU_H

#include <linux/list.h>
#include <linux/seq_file.h>
#include <linux/types.h>
#include <linux/wait.h>

#include <tdproot/format.h>
#include <tdproot/stats.h>

struct tdpr_vm;
struct tdpr_root;
struct tdpr_client;
struct page;

/* A VM's name, its NUL included: debugfs names, messages, trace events. */
#define TDPR_NAME_MAX	32

/*
 * seed:   the design from the 2022 discussion: the last put of a valid root
 *         invalidates and zaps it, then puts again.
 * pinned: the MMU owns a reference to every valid root; only invalidation
 *         ends a root, and the last put only frees it.
 */
enum tdpr_policy {
	TDPR_POLICY_SEED,
	TDPR_POLICY_PINNED,
	TDPR_POLICY_NR
};

struct tdpr_vm_params {
	u64 mem_bytes;		/* guest memory */
	u64 backing_bytes;	/* real memory behind it; guest frames alias it */
	enum tdpr_format format;
	int levels;		/* 4 or 5 */
	enum tdpr_policy policy;
	int leaf_level;		/* TDPR_PG_LEVEL_4K, _2M or _1G */
	bool ad;		/* the walker sets accessed/dirty bits (EPT: ad=0 turns them off) */
	bool svm;		/* vcpu=svm: the CPU walks the roots (the vCPU layer's) */
};

/**
 * tdpr_vm_create() - Create a VM and allocate its backing memory.
 * @params: validated parameters (see tdpr_vm_params_check()).
 * @name: short name used in messages and trace events.
 *
 * Return: the VM or an ERR_PTR (-ENOMEM).
 */
struct tdpr_vm *tdpr_vm_create(const struct tdpr_vm_params *params, const char *name);

/**
 * tdpr_vm_params_check() - Validate VM parameters.
 * @params: the parameters.
 * @name: the VM's name, for messages.
 *
 * The ranges first, then whether this machine has the memory.
 *
 * Return: 0, -EINVAL for a value out of range or -ENOMEM for backing
 * memory above half of RAM, each with a ratelimited message that names the
 * value.
 */
int tdpr_vm_params_check(const struct tdpr_vm_params *params, const char *name);

/**
 * tdpr_vm_count() - Number of VMs that exist.
 *
 * Return: VMs created and not yet destroyed.
 */
int tdpr_vm_count(void);

/**
 * tdpr_vm_destroy() - Tear down a VM and release its memory.
 * @vm: a VM with no registered clients (all vCPUs stopped).
 *
 * Invalidates and zaps every root, waits for every deferred free, then
 * releases the backing memory and the VM.
 */
void tdpr_vm_destroy(struct tdpr_vm *vm);

/**
 * tdpr_vm_kill() - Mark a VM as being destroyed.
 * @vm: the VM.
 *
 * Populate stops at its next batch with -ENODEV, so a destroy waiting for
 * it does not wait long.
 */
void tdpr_vm_kill(struct tdpr_vm *vm);

/**
 * tdpr_vm_nr_gfns() - Size of the guest in 4 KiB frames.
 * @vm: the VM.
 *
 * Return: the number of guest frames.
 */
u64 tdpr_vm_nr_gfns(const struct tdpr_vm *vm);

/**
 * tdpr_vm_stats() - The VM's counters and histograms.
 * @vm: the VM.
 *
 * Return: the statistics, valid until tdpr_vm_destroy().
 */
struct tdpr_stats *tdpr_vm_stats(struct tdpr_vm *vm);

/**
 * tdpr_vm_populate() - Fault guest frames into address space 0's root.
 * @vm: the VM.
 * @gfn: first frame.
 * @nr: number of frames; [@gfn, @gfn + @nr) must lie inside the guest.
 *
 * Loads (or allocates) the root, faults every frame through the fault path
 * under mmu_lock for read, then puts the root; under the seed policy that put
 * is the root's last one if no vCPU holds it. Returns after deferred frees.
 *
 * Return: 0, -EINVAL for a bad range, -ENOMEM, -EINTR on a fatal signal, or
 * -ENODEV once tdpr_vm_kill() was called.
 */
int tdpr_vm_populate(struct tdpr_vm *vm, u64 gfn, u64 nr);

/**
 * tdpr_vm_zap_all() - Fast invalidation of every root.
 * @vm: the VM.
 *
 * Invalidates every valid root under mmu_lock for write, asks every client
 * to reload, zaps each invalidated root once under mmu_lock for read, waits
 * until every root older than the invalidation is zapped (seed: also those a
 * concurrent last put is zapping), the clients have reloaded and every
 * deferred free has run.
 *
 * Return: 0.
 */
int tdpr_vm_zap_all(struct tdpr_vm *vm);

/**
 * tdpr_vm_zap_range() - Zap a range of leaves in every root.
 * @vm: the VM.
 * @gfn: first frame.
 * @nr: number of frames.
 *
 * Zaps the leaves mapping [@gfn, @gfn + @nr) in every root (valid or not),
 * then makes every client flush its translation cache.
 *
 * Return: 0 or -EINVAL for a range outside the guest.
 */
int tdpr_vm_zap_range(struct tdpr_vm *vm, u64 gfn, u64 nr);

/**
 * tdpr_vm_migrate() - Move the backing of a range to new pages.
 * @vm: the VM.
 * @gfn: first frame.
 * @nr: number of frames.
 *
 * KVM's invalidation protocol around a page migration: the start raises
 * the in-progress count, zaps the leaves mapping the range's backing
 * frames (aliases included) in every root and waits until every client
 * flushed its TLB; then each frame's data is copied to a new page and the
 * old page retired; the end bumps the sequence and lowers the count.
 *
 * Return: 0, -EINVAL for a bad range or -ENOMEM (frames moved so far stay
 * moved; the invalidation is ended either way).
 */
int tdpr_vm_migrate(struct tdpr_vm *vm, u64 gfn, u64 nr);

/**
 * tdpr_vm_dirty_log() - Print and clear the dirty log.
 * @m: the seq_file of a debugfs read.
 * @vm: the VM.
 *
 * Takes the dirty bits of every live leaf (clearing them), makes every
 * client flush its TLB, then prints and clears the frames whose dirty bit
 * a zap, a migrate or this harvest took: "frames N", then "FRAME NR" per
 * run. Checks the oracle: a frame a vCPU wrote since the last harvest that
 * is neither in the log nor dirty in a live leaf counts in lost_writes.
 *
 * Return: 0 or -ENOMEM.
 */
int tdpr_vm_dirty_log(struct seq_file *m, struct tdpr_vm *vm);

/**
 * tdpr_vm_dirty_log_size() - The longest tdpr_vm_dirty_log() can print.
 * @vm: the VM.
 *
 * Return: a size in bytes, for a seq_file that must not call it twice.
 */
size_t tdpr_vm_dirty_log_size(struct tdpr_vm *vm);

/**
 * tdpr_vm_valid_roots() - Count the valid roots.
 * @vm: the VM.
 *
 * Under RCU, without taking a reference: a reader's put could otherwise be
 * a seed last put.
 *
 * Return: the number of valid roots.
 */
u64 tdpr_vm_valid_roots(struct tdpr_vm *vm);

/**
 * tdpr_vm_sync() - Wait for every deferred free queued so far.
 * @vm: the VM.
 *
 * Every root and table freed so far is then back in the page allocator, so
 * statistics read next are exact.
 */
void tdpr_vm_sync(struct tdpr_vm *vm);

/**
 * tdpr_vm_show_roots() - Print one line per root on the VM's list.
 * @m: the seq_file of a debugfs read.
 * @vm: the VM.
 *
 * The line holds id, role, refcount, invalid, page-table pages (the root's
 * counter, its own table included) and the root pointer hardware would
 * load. Walks no tables, so its RCU read-side section is as long as the
 * root list.
 */
void tdpr_vm_show_roots(struct seq_file *m, struct tdpr_vm *vm);

/*
 * A client is a user of the VM's roots that must hear about invalidation:
 * a vCPU. Requests are sequence numbers; a client has handled a request
 * once its "seen" number reaches the VM's.
 */
#define TDPR_REQ_RELOAD	BIT(0)	/* the root was invalidated: load another */
#define TDPR_REQ_FLUSH	BIT(1)	/* a range was zapped: empty the TLB */

/**
 * tdpr_client_register() - Start receiving requests.
 * @vm: the VM.
 *
 * Requests made before this call are not delivered.
 *
 * Return: the client, or NULL (-ENOMEM).
 */
struct tdpr_client *tdpr_client_register(struct tdpr_vm *vm);

/**
 * tdpr_client_unregister() - Stop receiving requests and free the client.
 * @vm: the VM.
 * @c: a registered client that holds no root.
 *
 * Waiters stop waiting for this client.
 */
void tdpr_client_unregister(struct tdpr_vm *vm, struct tdpr_client *c);

/**
 * tdpr_client_pending() - Snapshot the requests made to this client.
 * @vm: the VM.
 * @c: the client.
 *
 * Return: a mask of TDPR_REQ_* not yet handled.
 */
unsigned int tdpr_client_pending(struct tdpr_vm *vm, struct tdpr_client *c);

/**
 * tdpr_client_done() - Report requests as handled and wake their waiters.
 * @vm: the VM.
 * @c: the client.
 * @reqs: the mask that the last tdpr_client_pending() returned.
 */
void tdpr_client_done(struct tdpr_vm *vm, struct tdpr_client *c, unsigned int reqs);

/**
 * tdpr_client_tlb_gen() - Generation to tag a translation cached now with.
 * @c: the client.
 *
 * Return: the last flush request the client handled.
 */
u64 tdpr_client_tlb_gen(const struct tdpr_client *c);

/**
 * tdpr_client_stall_end() - End the stall of a client that just made an access.
 * @vm: the VM.
 * @c: the client.
 *
 * If a reload request was seen since the client's last access, the time
 * since the oldest such request was made goes to the VM's vcpu_stall
 * histogram and the tdproot_vcpu_stall event; the next call records nothing
 * until another reload request is seen.
 */
void tdpr_client_stall_end(struct tdpr_vm *vm, struct tdpr_client *c);

/**
 * tdpr_tlb_check() - Check that a cached translation is still usable.
 * @vm: the VM.
 * @gen: the tdpr_client_tlb_gen() the translation was cached with.
 *
 * A translation older than a zap_range that has already returned is stale:
 * such a zap promised every client had flushed. A stale one bumps
 * integrity_errors and warns once.
 *
 * Return: true if the translation may be used.
 */
bool tdpr_tlb_check(struct tdpr_vm *vm, u64 gen);

/**
 * tdpr_vm_kick_wq() - Wait queue woken whenever a request is made.
 * @vm: the VM.
 *
 * Return: the wait queue.
 */
wait_queue_head_t *tdpr_vm_kick_wq(struct tdpr_vm *vm);

/**
 * tdpr_root_load() - Get a reference to a valid root for address space
 * @as_id of the VM's role, allocating one if none exists.
 * @vm: the VM.
 * @as_id: 0 or 1.
 *
 * Return: a referenced valid root, or an ERR_PTR (-ENOMEM).
 */
struct tdpr_root *tdpr_root_load(struct tdpr_vm *vm, int as_id);

/**
 * tdpr_root_release() - Put a reference taken by tdpr_root_load().
 * @vm: the VM.
 * @root: the root.
 *
 * Takes mmu_lock for read. Under the seed policy this may be the last put of
 * a valid root, which zaps it here, yielding as needed.
 */
void tdpr_root_release(struct tdpr_vm *vm, struct tdpr_root *root);

/* Page-table pages allocated before mmu_lock is taken, for one fault. */
struct tdpr_pt_cache {
	int nr;
	struct page *pages[TDPR_MAX_LEVEL];
};

/**
 * tdpr_pt_cache_free() - Return the unused pages of a cache.
 * @cache: the cache.
 */
void tdpr_pt_cache_free(struct tdpr_pt_cache *cache);

/**
 * tdpr_fault() - Map @gfn in @root through the fault path.
 * @vm: the VM.
 * @root: a referenced root.
 * @gfn: the faulting frame.
 * @write: a write access.
 * @cache: page cache topped up here, outside the lock.
 *
 * Takes mmu_lock for read and RCU; installs missing tables and the leaf with
 * 64-bit compare-exchange, retrying lost races.
 *
 * Return: 0 when mapped, -EAGAIN if @root is invalid (a stale fault: a vCPU
 * takes the reload request that invalidation made; populate, no vCPU, loads
 * another root),
 * -EBUSY if an invalidation overlapped the fault (handle requests, then
 * retry the access), -ENOMEM.
 */
int tdpr_fault(struct tdpr_vm *vm, struct tdpr_root *root, u64 gfn, bool write,
	       struct tdpr_pt_cache *cache);

/**
 * tdpr_translate() - Walk a root for one frame the way hardware does.
 * @vm: the VM.
 * @root: a referenced root.
 * @gfn: the frame.
 * @write: a write: set the leaf's dirty bit too.
 * @pfn: set to the host frame on success.
 *
 * Without mmu_lock, inside an RCU read-side section. Sets the leaf's
 * accessed bit (and dirty bit) with a compare-exchange, as the CPU does.
 *
 * Return: 0, or -EFAULT if an entry on the way is not present or changed
 * under the walk (an exit).
 */
int tdpr_translate(struct tdpr_vm *vm, struct tdpr_root *root, u64 gfn, bool write, u64 *pfn);

/**
 * tdpr_root_audit() - Check every leaf of a root against the backing.
 * @vm: the VM.
 * @root: a referenced root.
 * @bad_gfn: set to the first frame whose leaf maps another page.
 * @bad_pfn: set to the page that leaf maps.
 *
 * Under mmu_lock for write, so no fault or zap changes a leaf meanwhile and
 * no migrate moves a mapped frame (it zaps first): a present leaf must map
 * its frame's page now; so must a table be live, not freed. One walk of
 * the root, the lock held throughout: for a dead guest's diagnosis, not for
 * a hot path.
 *
 * Return: the number of frames whose leaf maps another page than theirs.
 */
u64 tdpr_root_audit(struct tdpr_vm *vm, struct tdpr_root *root, u64 *bad_gfn, u64 *bad_pfn);

/**
 * tdpr_backing_check() - Check that a translation reached the right page.
 * @vm: the VM.
 * @gfn: the guest frame.
 * @pfn: the host frame a translation produced.
 * @write: whether to write to the page.
 *
 * @pfn must be the backing page of @gfn by its stamp, not one migrate
 * retired; a read checks the data belongs to the frame; a write bumps the
 * frame's write count, checks the page was not retired meanwhile and marks
 * the frame written for the dirty-log oracle. A failure bumps
 * integrity_errors and warns once.
 *
 * Return: true if the access was sound.
 */
bool tdpr_backing_check(struct tdpr_vm *vm, u64 gfn, u64 pfn, bool write);

/*
 * The first two words of every backing page are the frame's stamp and its
 * data word (tag and write count); guest data may follow from here.
 */
#define TDPR_BACKING_DATA	16

/**
 * tdpr_backing_check_guest() - Check what a hardware guest read from a frame.
 * @vm: the VM.
 * @gfn: the guest frame the guest accessed.
 * @write: the guest counted a write in the frame's data word.
 * @seen: the stamp (word 0) the guest read before.
 * @after: for a write, the upper half of the stamp read after it; for a
 *         read, the upper half of the data word.
 *
 * The guest's view of what tdpr_backing_check() checks on a software walk:
 * the stamp of the frame's backing page, not a retired page's, the frame's
 * own data, and a write that migrate did not lose.
 *
 * Return: true if the access was sound; else integrity_errors is bumped.
 */
bool tdpr_backing_check_guest(struct tdpr_vm *vm, u64 gfn, bool write, u64 seen, u32 after);

/**
 * tdpr_backing_pfn() - The host frame behind a guest frame now.
 * @vm: the VM.
 * @gfn: the guest frame, inside the guest.
 *
 * What a leaf for @gfn installed now would translate it to; a diagnosis
 * compares it with what a root holds.
 *
 * Return: the pfn.
 */
u64 tdpr_backing_pfn(struct tdpr_vm *vm, u64 gfn);

/**
 * tdpr_backing_write() - Write into a guest frame's backing page.
 * @vm: the VM.
 * @gfn: the guest frame.
 * @off: the offset in the page, at least TDPR_BACKING_DATA.
 * @src: the bytes.
 * @len: how many, inside the page.
 *
 * Serialised against migrate, which copies the whole page.
 *
 * Return: 0 or -EINVAL (out of range, and a warning).
 */
int tdpr_backing_write(struct tdpr_vm *vm, u64 gfn, unsigned int off, const void *src, size_t len);

/**
 * tdpr_backing_try_read() - Read from a guest frame's backing page, unless
 *                           a migrate is under way.
 * @vm: the VM.
 * @gfn: the guest frame.
 * @off: the offset in the page, at least TDPR_BACKING_DATA.
 * @dst: where to.
 * @len: how many, inside the page.
 *
 * A vCPU reads here; a migrate waits for the vCPUs' flushes while it holds
 * off page moves, so the vCPU must not wait for it: it takes its requests
 * and tries again.
 *
 * Return: 0, -EBUSY (a migrate holds the pool) or -EINVAL.
 */
int tdpr_backing_try_read(struct tdpr_vm *vm, u64 gfn, unsigned int off, void *dst,
			  size_t len);

/**
 * tdpr_root_hpa() - The physical address of a root's top table.
 * @root: a root the caller holds a reference to.
 *
 * Return: what a CPU's nested-paging root pointer (nCR3) takes.
 */
phys_addr_t tdpr_root_hpa(struct tdpr_root *root);

#endif /* _TDPROOT_MMU_H */
