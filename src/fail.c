// SPDX-License-Identifier: GPL-2.0
/* Allocation-failure injection through two module parameters. */

#include <linux/atomic.h>
#include <linux/moduleparam.h>

#include "fail.h"

static unsigned int fail_alloc_every;
module_param(fail_alloc_every, uint, 0600);
MODULE_PARM_DESC(fail_alloc_every, "Fail every Nth allocation at an enabled site (0: never)");

static unsigned int fail_alloc_sites = TDPR_FAIL_ROOT | TDPR_FAIL_PT | TDPR_FAIL_VM;
module_param(fail_alloc_sites, uint, 0600);
MODULE_PARM_DESC(fail_alloc_sites, "Sites that may fail: 1 roots, 2 page tables, 4 VMs");

static atomic_t tdpr_alloc_count = ATOMIC_INIT(0);

bool tdpr_should_fail(unsigned int site)
{
	unsigned int every = READ_ONCE(fail_alloc_every);

	if (!every || !(READ_ONCE(fail_alloc_sites) & site))
		return false;
	return atomic_inc_return(&tdpr_alloc_count) % every == 0;
}
