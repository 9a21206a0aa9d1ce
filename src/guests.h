/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The guest registry: every VM debugfs created, with its vCPUs and its
 * directory, by name.
 */
#ifndef _TDPROOT_GUESTS_H
#define _TDPROOT_GUESTS_H

#include <linux/list.h>

#include <tdproot/mmu.h>
#include <tdproot/vcpu.h>

#include "vcpu_svm.h"

struct dentry;
struct tdpr_file_op;

/* One debugfs file of tdproot's: what it does (debugfs.c's) and for whom. */
struct tdpr_file {
	struct tdpr_guest *g;		/* NULL for the top-level files */
	const struct tdpr_file_op *op;
};

struct tdpr_guest {
	struct list_head node;		/* the registry */
	char name[TDPR_NAME_MAX];
	struct tdpr_vm *vm;
	struct tdpr_vcpus *vcpus;
	struct dentry *dir;
	bool dying;			/* a destroy is tearing it down */
	bool svm;			/* holds SVM on (vcpu=svm) */
	struct tdpr_file files[];
};

/**
 * tdpr_guest_create() - Create a VM and its vCPUs from a create write.
 * @buf: "NAME [key=value]...".
 * @nr_files: entries of the guest's files[].
 * @add_files: makes the guest's directory and files; called last, before
 *             the guest is listed.
 *
 * Every refusal that costs nothing comes first, in the order of README.md's
 * table: the name, whether it is taken (-EEXIST whatever follows), the
 * arguments and their ranges, and last whether this machine has the memory.
 *
 * Return: 0, -EINVAL, -EEXIST, -ENOMEM or what @add_files returned.
 */
int tdpr_guest_create(char *buf, size_t nr_files, int (*add_files)(struct tdpr_guest *g));

/**
 * tdpr_guest_destroy() - Destroy a guest: its files, vCPUs and VM.
 * @name: the guest's name.
 *
 * The name stays taken until the teardown is over.
 *
 * Return: 0, -EINVAL for a bad name, -ENOENT for an unknown one or one
 * already being destroyed.
 */
int tdpr_guest_destroy(const char *name);

/**
 * tdpr_guests_destroy_all() - Destroy every guest, at module exit.
 *
 * The debugfs tree is already gone, so no operation is in flight.
 */
void tdpr_guests_destroy_all(void);

#endif /* _TDPROOT_GUESTS_H */
