// SPDX-License-Identifier: GPL-2.0
/*
 * The pre-order page-table walker. A step is one of:
 *
 *  1. down: the entry points to a table and the walk may go lower, so move
 *     to the entry of that table that covers next_gfn;
 *  2. sideways: move to the next entry of the same table;
 *  3. up: the table is exhausted, go back to its parent entry and try 2.
 *
 * When neither down nor sideways works at the root level the walk is over.
 */

#include <linux/io.h>
#include <linux/math.h>

#include "walk.h"

static u64 *tdpr_spte_child(u64 spte)
{
	return phys_to_virt(spte & TDPR_SPTE_PFN_MASK);
}

static void tdpr_iter_load(struct tdpr_iter *iter)
{
	iter->sptep = iter->pt_path[iter->level - 1] +
		      tdpr_spte_index(iter->gfn, iter->level);
	iter->old_spte = tdpr_read_spte(iter->sptep);
}

static void tdpr_iter_restart(struct tdpr_iter *iter)
{
	iter->yielded = false;
	iter->level = iter->root_level;
	iter->gfn = round_down(iter->next_gfn, tdpr_level_pages(iter->level));
	iter->valid = true;
	tdpr_iter_load(iter);
}

struct tdpr_iter *tdpr_iter_start(struct tdpr_iter *iter, u64 *root_pt, int root_level,
				  int min_level, u64 start, u64 end)
{
	iter->pt_path[root_level - 1] = root_pt;
	iter->root_level = root_level;
	iter->min_level = min_level;
	iter->next_gfn = start;
	iter->yielded_gfn = start;
	iter->end_gfn = end;
	tdpr_iter_restart(iter);
	return iter;
}

/* Step 1: returns false if the current entry is not a table to descend into. */
static bool tdpr_iter_step_down(struct tdpr_iter *iter)
{
	if (iter->level == iter->min_level)
		return false;
	/*
	 * The caller may have acted on the entry since it was read, or a
	 * concurrent zap may have unlinked the table it pointed to: descend
	 * through what the entry holds now, not through the old value.
	 */
	iter->old_spte = tdpr_read_spte(iter->sptep);
	if (!tdpr_spte_present(iter->old_spte) ||
	    tdpr_spte_leaf(iter->old_spte, iter->level))
		return false;

	iter->level--;
	iter->pt_path[iter->level - 1] = tdpr_spte_child(iter->old_spte);
	iter->gfn = round_down(iter->next_gfn, tdpr_level_pages(iter->level));
	tdpr_iter_load(iter);
	return true;
}

/* Step 2: returns false if the current entry is the last of its table. */
static bool tdpr_iter_step_side(struct tdpr_iter *iter)
{
	if (tdpr_spte_index(iter->gfn, iter->level) == TDPR_PT_ENTRIES - 1)
		return false;

	iter->gfn += tdpr_level_pages(iter->level);
	iter->next_gfn = iter->gfn;
	iter->sptep++;
	iter->old_spte = tdpr_read_spte(iter->sptep);
	return true;
}

/* Step 3: returns false at the root, where there is no parent. */
static bool tdpr_iter_step_up(struct tdpr_iter *iter)
{
	if (iter->level == iter->root_level)
		return false;

	iter->level++;
	iter->gfn = round_down(iter->gfn, tdpr_level_pages(iter->level));
	tdpr_iter_load(iter);
	return true;
}

void tdpr_iter_next(struct tdpr_iter *iter)
{
	if (iter->yielded) {
		tdpr_iter_restart(iter);
		return;
	}
	if (tdpr_iter_step_down(iter))
		return;
	do {
		if (tdpr_iter_step_side(iter))
			return;
	} while (tdpr_iter_step_up(iter));
	iter->valid = false;
}
