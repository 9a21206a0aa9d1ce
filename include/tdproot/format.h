/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What a VM's page tables look like from outside the MMU: the hardware
 * format and the page sizes. A VM is created with them (debugfs parses
 * them); the SPTE layer builds its entries from them.
 */
#ifndef _TDPROOT_FORMAT_H
#define _TDPROOT_FORMAT_H

enum tdpr_format {
	TDPR_FMT_EPT,
	TDPR_FMT_NPT,
	TDPR_FMT_NR
};

/* "ept", "npt": what debugfs accepts and the roots file prints. */
extern const char *const tdpr_format_names[TDPR_FMT_NR];

/* Levels count from the leaf: 1 maps 4 KiB, 2 maps 2 MiB, 3 maps 1 GiB. */
#define TDPR_PG_LEVEL_4K		1
#define TDPR_PG_LEVEL_2M		2
#define TDPR_PG_LEVEL_1G		3
#define TDPR_MAX_LEVEL		5

#endif /* _TDPROOT_FORMAT_H */
