/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Parsing of debugfs writes. Each refusal logs one ratelimited message
 * naming the file (@who, e.g. "vm0/populate") and the input it refuses.
 */
#ifndef _TDPROOT_DEBUGFS_PARSE_H
#define _TDPROOT_DEBUGFS_PARSE_H

#include <linux/types.h>

#include <tdproot/mmu.h>
#include <tdproot/vcpu.h>

/**
 * tdpr_next_token() - Split off the next whitespace-separated token.
 * @s: the rest of the input; advanced past the token.
 *
 * Return: the token, or NULL at the end.
 */
char *tdpr_next_token(char **s);

/**
 * tdpr_parse_u64() - Parse digits only (0x for hex): no sign, no suffix.
 * @s: the text.
 * @out: the number.
 *
 * Return: 0 or -EINVAL, without a message.
 */
int tdpr_parse_u64(const char *s, u64 *out);

/**
 * tdpr_parse_range() - Parse "GFN NR" and nothing else.
 * @who: the file, for messages.
 * @buf: the input.
 * @nr_gfns: the guest's size in frames; the range must lie inside it.
 * @gfn: the first frame.
 * @nr: the number of frames, not 0.
 *
 * Return: 0 or -EINVAL.
 */
int tdpr_parse_range(const char *who, char *buf, u64 nr_gfns, u64 *gfn, u64 *nr);

/**
 * tdpr_name_ok() - Check a VM name, for create and destroy alike.
 * @name: a letter, then letters, digits, '_', '-' or '.'; not the name of a
 *        top-level file.
 *
 * Return: true if the name may be used.
 */
bool tdpr_name_ok(const char *name);

/**
 * tdpr_parse_create() - Parse the key=value arguments of create after NAME.
 * @buf: the arguments.
 * @name: the VM's name, for messages.
 * @p: the parameters, defaults for keys not given.
 *
 * The ranges of the values are tdpr_vm_params_check()'s.
 *
 * Return: 0 or -EINVAL.
 */
int tdpr_parse_create(char *buf, const char *name, struct tdpr_vm_params *p);

/**
 * tdpr_parse_workload() - Parse a workload: pattern= and optional keys.
 * @who: the file, for messages.
 * @buf: the input.
 * @wl: the workload.
 *
 * Return: 0 or -EINVAL.
 */
int tdpr_parse_workload(const char *who, char *buf, struct tdpr_workload *wl);

#endif /* _TDPROOT_DEBUGFS_PARSE_H */
