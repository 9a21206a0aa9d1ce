/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Second-level page-table entries (SPTEs) in the hardware layouts tdproot
 * builds: Intel EPT and AMD NPT. Both are 512-entry, 9-bits-per-level radix
 * trees of 4 KiB pages; they differ only in the bits of an entry.
 */
#ifndef _TDPROOT_SPTE_H
#define _TDPROOT_SPTE_H

#include <linux/bits.h>
#include <linux/cache.h>
#include <linux/types.h>

#include <tdproot/format.h>

#define TDPR_PT_SHIFT		9
#define TDPR_PT_ENTRIES		BIT(TDPR_PT_SHIFT)

/* EPT entry (SDM vol. 3, "EPT Translation Mechanism"). */
#define EPT_READABLE		BIT_ULL(0)
#define EPT_WRITABLE		BIT_ULL(1)
#define EPT_EXECUTABLE		BIT_ULL(2)
#define EPT_MEMTYPE_MASK	GENMASK_ULL(5, 3)
#define EPT_MEMTYPE_WB		6ULL
#define EPT_IGNORE_PAT		BIT_ULL(6)
#define EPT_LARGE		BIT_ULL(7)
#define EPT_ACCESSED		BIT_ULL(8)
#define EPT_DIRTY		BIT_ULL(9)
#define EPT_SUPPRESS_VE		BIT_ULL(63)
#define EPT_RWX			(EPT_READABLE | EPT_WRITABLE | EPT_EXECUTABLE)

/* EPTP: memory type of the paging structures and the walk length. */
#define EPTP_MEMTYPE_WB		6ULL
#define EPTP_WALK_SHIFT		3
#define EPTP_AD_ENABLE		BIT_ULL(6)

/* NPT entry: the ordinary x86-64 page-table layout. */
#define NPT_PRESENT		BIT_ULL(0)
#define NPT_WRITABLE		BIT_ULL(1)
#define NPT_USER		BIT_ULL(2)
#define NPT_ACCESSED		BIT_ULL(5)
#define NPT_DIRTY		BIT_ULL(6)
#define NPT_LARGE		BIT_ULL(7)
#define NPT_NX			BIT_ULL(63)

/* Bit 7 means "maps a large page" in both formats above level 1. */
#define TDPR_SPTE_LARGE		BIT_ULL(7)

#define TDPR_SPTE_PFN_MASK	GENMASK_ULL(51, 12)

/*
 * Bit 11 is ignored by both walkers; tdproot sets it in every entry it
 * considers present, so "present" means the same thing in both formats and
 * a frozen entry (below) can never look present.
 */
#define TDPR_SPTE_SW_PRESENT	BIT_ULL(11)

/*
 * An entry that one thread owns while it changes it. The value is
 * non-present for both hardware walkers (EPT R/W/X and NPT P are clear),
 * lacks the software present bit, and is never produced by any other path,
 * so an atomic writer that reads it knows to back off and retry.
 */
#define TDPR_SPTE_FROZEN		(BIT_ULL(62) | BIT_ULL(9) | BIT_ULL(8) | \
				 BIT_ULL(7) | BIT_ULL(5))

/*
 * What a table page holds between its grace period and the page allocator:
 * never seen by a reader that entered its RCU read side before the table
 * was unlinked, so a walker that reads it has walked a freed table.
 *
 * The software walker compares the whole value. For a CPU's walk the
 * poison is an entry that is present (NPT P, EPT R) with physical address
 * bit 51 set, which is reserved on every CPU whose physical addresses are
 * narrower than 52 bits: the walk stops there with a reserved-bit fault
 * (an NPF with RSVD, an EPT misconfiguration), the hardware's own report
 * of a freed table. Where bit 51 is a real address bit the poison stays
 * non-present, so no CPU follows it into memory that does not exist. A
 * kernel that clears or poisons pages as they are freed (init_on_free=1,
 * page_poison=1) overwrites it at once: walks of freed tables then read
 * that kernel's pattern, non-present for both walkers.
 */
#define TDPR_SPTE_FREED_BASE	(BIT_ULL(62) | BIT_ULL(61) | BIT_ULL(9) | BIT_ULL(5))
#define TDPR_SPTE_FREED_RSVD	(BIT_ULL(51) | BIT_ULL(0))

extern u64 tdpr_spte_freed __ro_after_init;

/* Pick the poison for this CPU; see TDPR_SPTE_FREED_BASE. */
void tdpr_spte_init(void);

static inline bool tdpr_spte_present(u64 spte)
{
	return spte & TDPR_SPTE_SW_PRESENT;
}

static inline bool tdpr_spte_frozen(u64 spte)
{
	return spte == TDPR_SPTE_FROZEN;
}

static inline bool tdpr_spte_leaf(u64 spte, int level)
{
	return level == TDPR_PG_LEVEL_4K || (spte & TDPR_SPTE_LARGE);
}

static inline u64 tdpr_spte_pfn(u64 spte)
{
	return (spte & TDPR_SPTE_PFN_MASK) >> PAGE_SHIFT;
}

/* Number of 4 KiB frames mapped by one entry at @level. */
static inline u64 tdpr_level_pages(int level)
{
	return 1ULL << ((level - 1) * TDPR_PT_SHIFT);
}

static inline unsigned int tdpr_spte_index(u64 gfn, int level)
{
	return (gfn >> ((level - 1) * TDPR_PT_SHIFT)) & (TDPR_PT_ENTRIES - 1);
}

/* Guest frames a root of @levels levels can address (48 or 57 bits). */
static inline u64 tdpr_max_gfn(int levels)
{
	return 1ULL << (levels * TDPR_PT_SHIFT);
}

/* The accessed bit the walker sets on a leaf it uses; 0 for EPT without A/D. */
static inline u64 tdpr_spte_accessed(enum tdpr_format fmt, bool ad)
{
	if (fmt == TDPR_FMT_NPT)
		return NPT_ACCESSED;
	return ad ? EPT_ACCESSED : 0;
}

/* The dirty bit the walker sets on a leaf it writes through; 0 for EPT without A/D. */
static inline u64 tdpr_spte_dirty(enum tdpr_format fmt, bool ad)
{
	if (fmt == TDPR_FMT_NPT)
		return NPT_DIRTY;
	return ad ? EPT_DIRTY : 0;
}

/**
 * tdpr_make_leaf_spte() - Build a present leaf entry.
 * @fmt: EPT or NPT.
 * @ad: EPT with accessed/dirty bits (NPT always has them).
 * @pfn: first host frame of the mapping.
 * @level: 1 (4 KiB), 2 (2 MiB) or 3 (1 GiB).
 * @write: the access that faulted it in was a write (sets the dirty bit).
 *
 * Return: the entry, readable, writable and executable, write-back memory,
 * accessed (as the access that faulted it in will use it).
 */
u64 tdpr_make_leaf_spte(enum tdpr_format fmt, bool ad, u64 pfn, int level, bool write);

/**
 * tdpr_make_table_spte() - Build an entry that points to a lower table.
 * @fmt: EPT or NPT.
 * @table_pa: physical address of the 4 KiB child table.
 *
 * Return: the entry, permissive so the leaf alone decides access rights.
 */
u64 tdpr_make_table_spte(enum tdpr_format fmt, phys_addr_t table_pa);

/**
 * tdpr_root_pointer() - The value hardware would load to walk a root.
 * @fmt: EPT or NPT.
 * @ad: EPT with accessed/dirty bits.
 * @levels: 4 or 5.
 * @root_pa: physical address of the top-level table.
 *
 * Return: an EPTP (walk length, WB, A/D enabled if @ad) or an nCR3.
 */
u64 tdpr_root_pointer(enum tdpr_format fmt, bool ad, int levels, phys_addr_t root_pa);

#endif /* _TDPROOT_SPTE_H */
