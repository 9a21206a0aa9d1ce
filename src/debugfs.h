/* SPDX-License-Identifier: GPL-2.0 */
/* The debugfs interface, /sys/kernel/debug/tdproot/. */
#ifndef _TDPROOT_DEBUGFS_H
#define _TDPROOT_DEBUGFS_H

/**
 * tdpr_debugfs_init() - Create the top-level directory and its files.
 *
 * Return: 0 or a negative errno.
 */
int tdpr_debugfs_init(void);

/**
 * tdpr_debugfs_exit() - Remove the interface, then destroy every VM.
 *
 * Removing the files waits for every operation in flight on them.
 */
void tdpr_debugfs_exit(void);

#endif /* _TDPROOT_DEBUGFS_H */
