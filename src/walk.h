/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The page-table walker. Faults, zaps, range zaps and the vCPU's lockless
 * translation move through a live root with it; only the teardown of a
 * subtree that is already unlinked (tdpr_pt_teardown()) is a recursion of its
 * own.
 *
 * The walk is pre-order: an entry is visited, then (if it points to a table
 * and the walk may go below its level) the entries of that table, then its
 * right sibling. A caller holding mmu_lock may yield between entries (it
 * sets @yielded; the walker itself knows nothing of locks); the walk then
 * restarts from the root at the frame it had reached.
 */
#ifndef _TDPROOT_WALK_H
#define _TDPROOT_WALK_H

#include <linux/types.h>

#include "spte.h"

struct tdpr_iter {
	/* Table being walked at each level; pt_path[level - 1]. */
	u64 *pt_path[TDPR_MAX_LEVEL];
	/* The entry the walk is at, and the value last read from it. */
	u64 *sptep;
	u64 old_spte;
	/* First guest frame mapped by *sptep. */
	u64 gfn;
	/*
	 * The frame the walk has reached at the lowest level it visits; a
	 * restart resumes here. Only moves forward.
	 */
	u64 next_gfn;
	/* Frames at or past this one are not visited. */
	u64 end_gfn;
	/* next_gfn at the last yield: never yield twice at the same frame. */
	u64 yielded_gfn;
	int level;
	int root_level;
	/* The walk does not go below this level. */
	int min_level;
	/* False once the walk has left the range or the root. */
	bool valid;
	/* The lock was dropped: the next step restarts from the root. */
	bool yielded;
};

/**
 * tdpr_read_spte() - Read an entry of a table that may be unlinked concurrently.
 * @sptep: the entry.
 *
 * Tables are freed only after an RCU grace period, so inside an RCU read-side
 * section the memory stays a table page even if it was unlinked a moment ago;
 * the value read may be stale (frozen entries included), never garbage.
 *
 * Return: the entry's value.
 */
static inline u64 tdpr_read_spte(u64 *sptep)
{
	return READ_ONCE(*sptep);
}

/**
 * tdpr_iter_start() - Position a walk on the root entry covering @start.
 * @iter: the iterator.
 * @root_pt: the root's top-level table.
 * @root_level: 4 or 5.
 * @min_level: lowest level the walk visits.
 * @start: first guest frame of interest.
 * @end: first guest frame past the range.
 *
 * Locking: the caller is in an RCU read-side section for the whole walk.
 *
 * Return: @iter.
 */
struct tdpr_iter *tdpr_iter_start(struct tdpr_iter *iter, u64 *root_pt, int root_level,
				  int min_level, u64 start, u64 end);

/**
 * tdpr_iter_next() - Step to the next entry in pre-order.
 * @iter: the iterator.
 *
 * Or, after a yield, restart from the root at @iter->next_gfn.
 */
void tdpr_iter_next(struct tdpr_iter *iter);

/**
 * tdpr_iter_valid() - Whether the walk is still inside the root and the range.
 * @iter: the iterator.
 *
 * Return: true while there is an entry to visit.
 */
static inline bool tdpr_iter_valid(const struct tdpr_iter *iter)
{
	return iter->valid && iter->gfn < iter->end_gfn;
}

/* Visit, in pre-order, every entry at or above @min_level mapping [start, end). */
#define for_each_tdpr_pte_min_level(iter, root_pt, root_level, min_level, start, end) \
	for (struct tdpr_iter *__iter = tdpr_iter_start(&(iter), root_pt, root_level, \
						      min_level, start, end);	 \
	     tdpr_iter_valid(__iter); tdpr_iter_next(__iter))

#define for_each_tdpr_pte(iter, root_pt, root_level, start, end)		\
	for_each_tdpr_pte_min_level(iter, root_pt, root_level, TDPR_PG_LEVEL_4K, start, end)

#endif /* _TDPROOT_WALK_H */
