// SPDX-License-Identifier: GPL-2.0
/* Encoding of EPT and NPT entries; the bit names live in spte.h. */

#include <linux/bitfield.h>
#include <linux/build_bug.h>
#include <linux/mm.h>

#include "spte.h"

static_assert(EPT_LARGE == TDP_SPTE_LARGE && NPT_LARGE == TDP_SPTE_LARGE);
static_assert(!(TDP_SPTE_FROZEN & (EPT_RWX | NPT_PRESENT | TDP_SPTE_SW_PRESENT)));
static_assert(!(TDP_SPTE_FREED & (EPT_RWX | NPT_PRESENT | TDP_SPTE_SW_PRESENT)));
static_assert(TDP_SPTE_FREED != TDP_SPTE_FROZEN);

const char *const tdp_format_names[TDP_FMT_NR] = {
	[TDP_FMT_EPT] = "ept",
	[TDP_FMT_NPT] = "npt",
};

u64 tdp_make_leaf_spte(enum tdp_format fmt, u64 pfn, int level, bool write)
{
	u64 spte = TDP_SPTE_SW_PRESENT | ((pfn << PAGE_SHIFT) & TDP_SPTE_PFN_MASK);

	if (level > TDP_PG_LEVEL_4K)
		spte |= TDP_SPTE_LARGE;

	if (fmt == TDP_FMT_EPT) {
		spte |= EPT_RWX | EPT_IGNORE_PAT | EPT_ACCESSED |
			FIELD_PREP(EPT_MEMTYPE_MASK, EPT_MEMTYPE_WB);
		if (write)
			spte |= EPT_DIRTY;
	} else {
		spte |= NPT_PRESENT | NPT_WRITABLE | NPT_USER | NPT_ACCESSED;
		if (write)
			spte |= NPT_DIRTY;
	}
	return spte;
}

u64 tdp_make_table_spte(enum tdp_format fmt, phys_addr_t table_pa)
{
	u64 spte = TDP_SPTE_SW_PRESENT | (table_pa & TDP_SPTE_PFN_MASK);

	if (fmt == TDP_FMT_EPT)
		return spte | EPT_RWX;
	return spte | NPT_PRESENT | NPT_WRITABLE | NPT_USER | NPT_ACCESSED;
}

u64 tdp_root_pointer(enum tdp_format fmt, int levels, phys_addr_t root_pa)
{
	if (fmt == TDP_FMT_NPT)
		return root_pa;
	return root_pa | EPTP_MEMTYPE_WB | EPTP_AD_ENABLE |
	       ((u64)(levels - 1) << EPTP_WALK_SHIFT);
}
