/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Allocation-failure injection, for testing the error paths on kernels
 * without CONFIG_FAULT_INJECTION. Module parameters:
 *
 *   fail_alloc_every=N   make every Nth allocation at an enabled site fail
 *                        (0, the default, disables injection)
 *   fail_alloc_sites=M   bitmask of TDPR_FAIL_* sites (default: all)
 */
#ifndef _TDPROOT_FAIL_H
#define _TDPROOT_FAIL_H

#include <linux/types.h>

#define TDPR_FAIL_ROOT	BIT(0)	/* a root and its top-level table */
#define TDPR_FAIL_PT	BIT(1)	/* page-table pages for a fault */
#define TDPR_FAIL_VM	BIT(2)	/* a VM and its backing memory */

/**
 * tdpr_should_fail() - Whether an allocation at @site should fail now.
 * @site: one TDPR_FAIL_* bit.
 *
 * Return: true if the caller must behave as if the allocation failed.
 */
bool tdpr_should_fail(unsigned int site);

#endif /* _TDPROOT_FAIL_H */
