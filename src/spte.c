// SPDX-License-Identifier: GPL-2.0
/* Encoding of EPT and NPT entries; the bit names live in spte.h. */

#include <linux/bitfield.h>
#include <linux/build_bug.h>
#include <linux/init.h>
#include <linux/mm.h>

#include <asm/processor.h>

#include "spte.h"

static_assert(EPT_LARGE == TDPR_SPTE_LARGE && NPT_LARGE == TDPR_SPTE_LARGE);
static_assert(!(TDPR_SPTE_FROZEN & (EPT_RWX | NPT_PRESENT | TDPR_SPTE_SW_PRESENT)));
static_assert(!(TDPR_SPTE_FREED_BASE & (EPT_RWX | NPT_PRESENT | TDPR_SPTE_SW_PRESENT)));
static_assert(!((TDPR_SPTE_FREED_BASE | TDPR_SPTE_FREED_RSVD) & TDPR_SPTE_SW_PRESENT));
static_assert((TDPR_SPTE_FREED_RSVD & EPT_READABLE) && (TDPR_SPTE_FREED_RSVD & NPT_PRESENT));
static_assert((TDPR_SPTE_FREED_RSVD & TDPR_SPTE_PFN_MASK) == BIT_ULL(51));
static_assert(TDPR_SPTE_FREED_BASE != TDPR_SPTE_FROZEN);
static_assert((TDPR_SPTE_FREED_BASE | TDPR_SPTE_FREED_RSVD) != TDPR_SPTE_FROZEN);

u64 tdpr_spte_freed __ro_after_init = TDPR_SPTE_FREED_BASE;

void __init tdpr_spte_init(void)
{
	/* The CPU's own width: the kernel's x86_phys_bits subtracts SME's bits. */
	unsigned int phys_bits = 36;

	if (cpuid_eax(0x80000000) >= 0x80000008)
		phys_bits = cpuid_eax(0x80000008) & 0xff;
	if (phys_bits < 52)
		tdpr_spte_freed = TDPR_SPTE_FREED_BASE | TDPR_SPTE_FREED_RSVD;
}

const char *const tdpr_format_names[TDPR_FMT_NR] = {
	[TDPR_FMT_EPT] = "ept",
	[TDPR_FMT_NPT] = "npt",
};

u64 tdpr_make_leaf_spte(enum tdpr_format fmt, bool ad, u64 pfn, int level, bool write)
{
	u64 spte = TDPR_SPTE_SW_PRESENT | ((pfn << PAGE_SHIFT) & TDPR_SPTE_PFN_MASK);

	if (level > TDPR_PG_LEVEL_4K)
		spte |= TDPR_SPTE_LARGE;

	if (fmt == TDPR_FMT_EPT)
		spte |= EPT_RWX | EPT_IGNORE_PAT | FIELD_PREP(EPT_MEMTYPE_MASK, EPT_MEMTYPE_WB);
	else
		spte |= NPT_PRESENT | NPT_WRITABLE | NPT_USER;
	spte |= tdpr_spte_accessed(fmt, ad);
	if (write)
		spte |= tdpr_spte_dirty(fmt, ad);
	return spte;
}

u64 tdpr_make_table_spte(enum tdpr_format fmt, phys_addr_t table_pa)
{
	u64 spte = TDPR_SPTE_SW_PRESENT | (table_pa & TDPR_SPTE_PFN_MASK);

	if (fmt == TDPR_FMT_EPT)
		return spte | EPT_RWX;
	return spte | NPT_PRESENT | NPT_WRITABLE | NPT_USER | NPT_ACCESSED;
}

u64 tdpr_root_pointer(enum tdpr_format fmt, bool ad, int levels, phys_addr_t root_pa)
{
	if (fmt == TDPR_FMT_NPT)
		return root_pa;
	return root_pa | EPTP_MEMTYPE_WB | (ad ? EPTP_AD_ENABLE : 0) |
	       ((u64)(levels - 1) << EPTP_WALK_SHIFT);
}
