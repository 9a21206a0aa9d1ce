// SPDX-License-Identifier: GPL-2.0
/*
 * The guest's memory: its frames and the real pages behind them.
 *
 * Backing memory is a pool of blocks of 2^block_order pages, as large as a
 * leaf (4 KiB or 2 MiB; 1 GiB leaves use 2 MiB blocks, as the page allocator
 * cannot hand out 1 GiB). Guest frames alias the pool when backing < mem,
 * leaf by leaf, so a small host can map a huge guest. The pages of the pool,
 * in order, are the backing frames; migrate moves a frame to a page of its
 * own (the xarray @moved), and a block with a moved frame is no longer
 * contiguous, so it is mapped by 4K leaves from then on.
 *
 * Every page starts with a stamp naming its frame, which a vCPU checks after
 * each translation; a page migrate left behind is retired (its stamp says
 * so). The second word is the frame's data: a tag naming the frame and a
 * count of the writes to it, which migrate copies and every read checks.
 */

#include <linux/bitmap.h>
#include <linux/gfp.h>
#include <linux/math64.h>
#include <linux/mm.h>
#include <linux/slab.h>

#include "backing.h"
#include "fail.h"

#define TDPR_STAMP_MAGIC		0x7464707230303030ULL	/* "tdpr0000" */
/* What a retired page's stamp has flipped. */
#define TDPR_STAMP_RETIRED		BIT_ULL(63)
/* The data word: the frame's tag above, the count of writes below. */
#define TDPR_DATA_TAG_SHIFT		40

static u64 tdpr_stamp(struct tdpr_vm *vm, u64 frame)
{
	return (TDPR_STAMP_MAGIC ^ ((u64)vm->id << 44) ^ frame) & ~TDPR_STAMP_RETIRED;
}

static u64 tdpr_data_tag(u64 frame)
{
	return frame & GENMASK_ULL(63 - TDPR_DATA_TAG_SHIFT, 0);
}

static unsigned long *tdpr_bitmap_alloc(u64 bits)
{
	return kvcalloc(BITS_TO_LONGS(bits), sizeof(unsigned long), GFP_KERNEL_ACCOUNT);
}

void tdpr_backing_free(struct tdpr_vm *vm)
{
	struct page *page;
	unsigned long i;

	xa_for_each(&vm->moved, i, page)
		__free_page(page);
	xa_destroy(&vm->moved);
	for (i = 0; i < TDPR_RETIRED_KEPT; i++)
		if (vm->retired[i])
			__free_page(vm->retired[i]);
	kvfree(vm->split);
	kvfree(vm->dirty);
	kvfree(vm->written);
	if (!vm->blocks)	/* the array itself could not be allocated */
		return;
	for (i = 0; i < vm->nr_blocks && vm->blocks[i]; i++)
		__free_pages(vm->blocks[i], vm->block_order);
	kvfree(vm->blocks);
}

int tdpr_backing_alloc(struct tdpr_vm *vm)
{
	gfp_t gfp = GFP_KERNEL_ACCOUNT | __GFP_NOWARN | __GFP_RETRY_MAYFAIL;
	u64 i, j;

	xa_init(&vm->moved);
	mutex_init(&vm->migrate_mutex);
	mutex_init(&vm->dirty_mutex);
	vm->block_order = tdpr_block_order(vm->p.leaf_level);
	vm->nr_blocks = vm->p.backing_bytes >> (PAGE_SHIFT + vm->block_order);
	vm->nr_frames = vm->nr_blocks << vm->block_order;
	if (tdpr_should_fail(TDPR_FAIL_VM))
		return -ENOMEM;
	vm->split = tdpr_bitmap_alloc(vm->nr_blocks);
	vm->dirty = tdpr_bitmap_alloc(vm->nr_frames);
	vm->written = tdpr_bitmap_alloc(vm->nr_frames);
	if (!vm->split || !vm->dirty || !vm->written)
		return -ENOMEM;
	vm->blocks = kvcalloc(vm->nr_blocks, sizeof(*vm->blocks), GFP_KERNEL_ACCOUNT);
	if (!vm->blocks)
		return -ENOMEM;

	for (i = 0; i < vm->nr_blocks; i++) {
		if (tdpr_should_fail(TDPR_FAIL_VM))
			return -ENOMEM;
		vm->blocks[i] = alloc_pages(gfp, vm->block_order);
		if (!vm->blocks[i])
			return -ENOMEM;
		for (j = 0; j < (1ULL << vm->block_order); j++) {
			u64 frame = (i << vm->block_order) + j;
			u64 *p = page_address(vm->blocks[i] + j);

			p[0] = tdpr_stamp(vm, frame);
			p[1] = tdpr_data_tag(frame) << TDPR_DATA_TAG_SHIFT;
		}
		cond_resched();
	}
	return 0;
}

u64 tdpr_backing_frame(struct tdpr_vm *vm, u64 gfn)
{
	u64 block;

	div64_u64_rem(gfn >> tdpr_leaf_shift(vm->p.leaf_level), vm->nr_blocks, &block);
	return (block << vm->block_order) + (gfn & ((1ULL << vm->block_order) - 1));
}

/* The page behind @frame now. */
static struct page *tdpr_frame_page(struct tdpr_vm *vm, u64 frame)
{
	struct page *page = xa_load(&vm->moved, frame);

	if (page)
		return page;
	return vm->blocks[frame >> vm->block_order] + (frame & ((1ULL << vm->block_order) - 1));
}

int tdpr_backing_resolve(struct tdpr_vm *vm, u64 gfn, u64 *pfn)
{
	u64 frame = tdpr_backing_frame(vm, gfn);
	u64 block = frame >> vm->block_order;

	if (vm->p.leaf_level > TDPR_PG_LEVEL_4K && !test_bit(block, vm->split)) {
		/* The leaf maps the whole block, from its first page. */
		*pfn = page_to_pfn(vm->blocks[block]);
		return vm->p.leaf_level;
	}
	*pfn = page_to_pfn(tdpr_frame_page(vm, frame));
	return TDPR_PG_LEVEL_4K;
}

u64 tdpr_backing_alias_period(struct tdpr_vm *vm)
{
	return vm->nr_blocks << tdpr_leaf_shift(vm->p.leaf_level);
}

u64 tdpr_backing_frames_in(struct tdpr_vm *vm, u64 gfn, u64 nr, unsigned long *frames)
{
	u64 leaf = 1ULL << tdpr_leaf_shift(vm->p.leaf_level);
	u64 block_frames = 1ULL << vm->block_order;
	u64 end = gfn + nr;

	if (nr >= tdpr_backing_alias_period(vm)) {
		bitmap_fill(frames, vm->nr_frames);
		return vm->nr_frames;
	}
	while (gfn < end) {
		u64 stop = min(end, round_down(gfn, leaf) + leaf);
		u64 frame = tdpr_backing_frame(vm, gfn);

		if (stop - gfn >= block_frames) {
			/* As many frames as the block has: all of it, wrapping for 1G. */
			bitmap_set(frames, round_down(frame, block_frames), block_frames);
			gfn = stop;
		} else {
			set_bit(frame, frames);
			gfn++;
		}
	}
	return bitmap_weight(frames, vm->nr_frames);
}

int tdpr_backing_move(struct tdpr_vm *vm, u64 frame)
{
	u64 stamp = tdpr_stamp(vm, frame);
	struct page *old, *new;
	bool single;
	u64 *op;
	int ret;

	lockdep_assert_held(&vm->migrate_mutex);
	old = tdpr_frame_page(vm, frame);
	single = xa_load(&vm->moved, frame);
	new = alloc_page(GFP_KERNEL_ACCOUNT | __GFP_NOWARN | __GFP_ZERO);
	if (!new)
		return -ENOMEM;
	*(u64 *)page_address(new) = stamp;
	/* Nobody can reach the new page before the invalidation's end. */
	ret = xa_err(xa_store(&vm->moved, frame, new, GFP_KERNEL_ACCOUNT));
	if (ret) {
		__free_page(new);
		return ret;
	}

	/*
	 * Retire, then copy. A vCPU's write is an atomic add followed by a
	 * fresh read of the stamp; with a full barrier on both sides, either
	 * the copy below sees the write or the writer sees the retired stamp.
	 * With the protocol intact no vCPU can reach the old page any more.
	 */
	op = page_address(old);
	WRITE_ONCE(op[0], stamp ^ TDPR_STAMP_RETIRED);
	smp_mb();	/* retire, then copy: pairs with tdpr_backing_check()'s */
	atomic64_set((atomic64_t *)page_address(new) + 1, atomic64_read((atomic64_t *)op + 1));
	/* The rest of the page is guest data too (a hardware vCPU's program, its log). */
	memcpy(page_address(new) + TDPR_BACKING_DATA, (void *)op + TDPR_BACKING_DATA,
	       PAGE_SIZE - TDPR_BACKING_DATA);

	if (single) {
		struct page **slot = &vm->retired[vm->retired_next++ % TDPR_RETIRED_KEPT];

		if (*slot)
			__free_page(*slot);
		*slot = old;
	} else {
		/* A page of a block: freed with the block; the block is split. */
		set_bit(frame >> vm->block_order, vm->split);
	}
	tdpr_stat_inc(&vm->stats, TDPR_STAT_migrated_frames);
	return 0;
}

/*
 * Atomically: zaps and the harvest record frames concurrently. A bit found
 * set is left alone: only a harvest clears it, taking it into its log, and
 * that log covers this zap's write too. Saves a locked operation per leaf.
 */
static void tdpr_dirty_set(struct tdpr_vm *vm, u64 frame)
{
	if (!test_bit(frame, vm->dirty))
		set_bit(frame, vm->dirty);
}

/* A huge leaf maps its whole block (1G leaves wrap inside it). */
void tdpr_backing_mark_dirty(struct tdpr_vm *vm, u64 gfn, int level)
{
	u64 frame = tdpr_backing_frame(vm, gfn);
	u64 first = round_down(frame, 1ULL << vm->block_order);
	u64 i;

	if (level == TDPR_PG_LEVEL_4K) {
		tdpr_dirty_set(vm, frame);
		return;
	}
	for (i = first; i < first + (1ULL << vm->block_order); i++)
		tdpr_dirty_set(vm, i);
}

void tdpr_backing_mark_dirty_table(struct tdpr_vm *vm, u64 gfn, const unsigned long *leaves)
{
	u64 frame = tdpr_backing_frame(vm, gfn);
	unsigned int i, prev = 0;

	/*
	 * The 4K frames of one table are consecutive backing frames: within
	 * one block for a huge VM, modulo the pool for a 4K one. No division
	 * per leaf: a whole-root zap records every dirty leaf. When they start
	 * on a word of the bitmap and do not wrap, record a word of leaves at a
	 * time, with one compare-exchange if any bit is new: a bit search and
	 * a test per leaf made the teardown of dirty tables cost several times
	 * the walk itself.
	 */
	if (IS_ALIGNED(frame, BITS_PER_LONG) && frame + TDPR_PT_ENTRIES <= vm->nr_frames) {
		unsigned long *word = vm->dirty + BIT_WORD(frame);

		for (i = 0; i < BITS_TO_LONGS(TDPR_PT_ENTRIES); i++) {
			unsigned long old = READ_ONCE(word[i]);

			/* A bit found set is left alone, as tdpr_dirty_set() does. */
			while ((leaves[i] & ~old) && !try_cmpxchg(&word[i], &old, old | leaves[i]))
				;
		}
		return;
	}
	for_each_set_bit(i, leaves, TDPR_PT_ENTRIES) {
		frame += i - prev;
		prev = i;
		while (frame >= vm->nr_frames)
			frame -= vm->nr_frames;
		tdpr_dirty_set(vm, frame);
	}
}

void tdpr_backing_unmark(struct tdpr_vm *vm, u64 gfn, int level, unsigned long *frames)
{
	u64 frame = tdpr_backing_frame(vm, gfn);
	u64 block_frames = 1ULL << vm->block_order;

	if (level == TDPR_PG_LEVEL_4K)
		clear_bit(frame, frames);
	else
		bitmap_clear(frames, round_down(frame, block_frames), block_frames);
}

void tdpr_backing_zap_check(struct tdpr_vm *vm, u64 gfn, u64 pfn)
{
	u64 frame, stamp, s;
	const char *what;

	/* Only zaps check, and every zap holds mmu_lock. */
	lockdep_assert_held(&vm->mmu_lock);
	if (xa_empty(&vm->moved) || !pfn_valid(pfn))
		return;
	frame = tdpr_backing_frame(vm, gfn);
	stamp = tdpr_stamp(vm, frame);
	s = READ_ONCE(*(u64 *)page_address(pfn_to_page(pfn)));
	if (likely(s == stamp))
		return;
	what = s == (stamp ^ TDPR_STAMP_RETIRED) ? "a page migrate retired" :
						   "not its backing page";
	tdpr_stat_inc(&vm->stats, TDPR_STAT_integrity_errors);
	WARN_ONCE(1, "vm %s: zap: gfn 0x%llx (frame 0x%llx) still on pfn 0x%llx, %s\n",
		  vm->name, gfn, frame, pfn, what);
}

/* What is wrong with a stamp @seen where @stamp belongs, or NULL. */
static const char *tdpr_stamp_verdict(u64 seen, u64 stamp, bool write)
{
	if (seen == (stamp ^ TDPR_STAMP_RETIRED))
		return write ? "a page migrate retired, and wrote it" : "a page migrate retired";
	if (seen != stamp)
		return "not its backing page";
	return NULL;
}

bool tdpr_backing_check(struct tdpr_vm *vm, u64 gfn, u64 pfn, bool write)
{
	u64 frame = tdpr_backing_frame(vm, gfn);
	u64 stamp = tdpr_stamp(vm, frame);
	const char *what;
	u64 *p, s;

	if (!pfn_valid(pfn)) {
		what = "no RAM";
		goto bad;
	}
	p = page_address(pfn_to_page(pfn));
	s = READ_ONCE(p[0]);
	what = tdpr_stamp_verdict(s, stamp, write);
	if (what)
		goto bad;
	if (!write) {
		if ((READ_ONCE(p[1]) >> TDPR_DATA_TAG_SHIFT) != tdpr_data_tag(frame)) {
			what = "a page holding another frame's data";
			goto bad;
		}
		return true;
	}
	atomic64_inc((atomic64_t *)p + 1);
	/* Pairs with the barrier between retire and copy in tdpr_backing_move(). */
	smp_mb__after_atomic();
	if (READ_ONCE(p[0]) != stamp) {
		what = "a page migrate retired while the write was done: the write is lost";
		goto bad;
	}
	/* After the dirty bit and the data, as the dirty log's oracle wants. */
	if (vm->p.ad)
		set_bit(frame, vm->written);
	return true;
bad:
	tdpr_stat_inc(&vm->stats, TDPR_STAT_integrity_errors);
	WARN_ONCE(1, "vm %s: gfn 0x%llx (frame 0x%llx) translated to pfn 0x%llx: %s\n",
		  vm->name, gfn, frame, pfn, what);
	return false;
}

bool tdpr_backing_check_guest(struct tdpr_vm *vm, u64 gfn, bool write, u64 seen, u32 after)
{
	u64 frame = tdpr_backing_frame(vm, gfn);
	u64 stamp = tdpr_stamp(vm, frame);
	const char *what = tdpr_stamp_verdict(seen, stamp, write);

	if (what)
		goto bad;
	if (!write && (u64)after << 32 >> TDPR_DATA_TAG_SHIFT != tdpr_data_tag(frame)) {
		what = "a page holding another frame's data";
		goto bad;
	}
	if (write && after != upper_32_bits(stamp)) {
		what = "a page migrate retired while the write was done: the write is lost";
		goto bad;
	}
	return true;
bad:
	tdpr_stat_inc(&vm->stats, TDPR_STAT_integrity_errors);
	WARN_ONCE(1, "vm %s: the guest's %s of gfn 0x%llx (frame 0x%llx) found stamp 0x%llx: %s\n",
		  vm->name, write ? "write" : "read", gfn, frame, seen, what);
	return false;
}

/* @off and @len inside the page, past the words the backing owns. */
static struct page *tdpr_guest_page(struct tdpr_vm *vm, u64 gfn, unsigned int off, size_t len)
{
	lockdep_assert_held(&vm->migrate_mutex);
	if (WARN_ON_ONCE(gfn >= vm->nr_gfns || off < TDPR_BACKING_DATA || off > PAGE_SIZE ||
			 len > PAGE_SIZE - off))
		return NULL;
	return tdpr_frame_page(vm, tdpr_backing_frame(vm, gfn));
}

u64 tdpr_backing_pfn(struct tdpr_vm *vm, u64 gfn)
{
	return page_to_pfn(tdpr_frame_page(vm, tdpr_backing_frame(vm, gfn)));
}

int tdpr_backing_write(struct tdpr_vm *vm, u64 gfn, unsigned int off, const void *src, size_t len)
{
	struct page *page;

	mutex_lock(&vm->migrate_mutex);
	page = tdpr_guest_page(vm, gfn, off, len);
	if (page)
		memcpy(page_address(page) + off, src, len);
	mutex_unlock(&vm->migrate_mutex);
	return page ? 0 : -EINVAL;
}

int tdpr_backing_try_read(struct tdpr_vm *vm, u64 gfn, unsigned int off, void *dst, size_t len)
{
	struct page *page;

	/* migrate holds it while it waits for the reader's own flush. */
	if (!mutex_trylock(&vm->migrate_mutex))
		return -EBUSY;
	page = tdpr_guest_page(vm, gfn, off, len);
	if (page)
		memcpy(dst, page_address(page) + off, len);
	mutex_unlock(&vm->migrate_mutex);
	return page ? 0 : -EINVAL;
}

bool tdpr_range_ok(struct tdpr_vm *vm, u64 gfn, u64 nr)
{
	if (nr && gfn < vm->nr_gfns && nr <= vm->nr_gfns - gfn)
		return true;
	pr_warn_ratelimited("vm %s: range [0x%llx, +0x%llx) is not inside the guest's 0x%llx frames\n",
			    vm->name, gfn, nr, vm->nr_gfns);
	return false;
}
