// SPDX-License-Identifier: GPL-2.0
/*
 * tdproot: a lab for the lifecycle of two-dimensional-paging roots as KVM's
 * x86 TDP MMU runs it, outside KVM.
 */

#include <linux/module.h>
#include <linux/rcupdate.h>

#include "debugfs.h"
#include "spte.h"
#include <tdproot/stats.h>

static int __init tdproot_init(void)
{
	int ret;

	tdpr_spte_init();
	ret = tdpr_stats_init(&tdpr_global_stats);
	if (ret)
		return ret;
	ret = tdpr_debugfs_init();
	if (ret) {
		pr_err("cannot create the debugfs interface: %d\n", ret);
		tdpr_stats_free(&tdpr_global_stats);
	}
	return ret;
}

static void __exit tdproot_exit(void)
{
	tdpr_debugfs_exit();
	/* Every root and table freed by call_rcu() runs module code. */
	rcu_barrier();
	tdpr_stats_free(&tdpr_global_stats);
}

module_init(tdproot_init);
module_exit(tdproot_exit);

MODULE_LICENSE("GPL");
MODULE_VERSION(TDPROOT_VERSION);
MODULE_AUTHOR("The tdproot developers");
MODULE_DESCRIPTION("Lifecycle of two-dimensional-paging roots, as KVM's x86 MMU runs it");
