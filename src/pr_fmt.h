/* SPDX-License-Identifier: GPL-2.0 */
/* Included first in every object (see Kbuild): one prefix for every message. */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt
