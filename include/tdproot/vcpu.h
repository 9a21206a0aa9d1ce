/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Simulated vCPUs: kernel threads that load a root, "run the guest" by
 * translating guest frames through it without mmu_lock, fault on exits and
 * honour reload and flush requests.
 */
#ifndef _TDPROOT_VCPU_H
#define _TDPROOT_VCPU_H

#include <linux/types.h>

#include <tdproot/mmu.h>

#define TDP_MAX_VCPUS	64

enum tdp_pattern {
	TDP_PATTERN_IDLE,	/* hold a root, touch nothing */
	TDP_PATTERN_SEQ,	/* walk the guest frame by frame */
	TDP_PATTERN_RANDOM,	/* uniform over the guest */
	TDP_PATTERN_HOT,	/* 90% in the first 512 frames */
	TDP_PATTERN_NR
};

struct tdp_workload {
	enum tdp_pattern pattern;
	unsigned int write_pct;	/* 0..100 */
	unsigned int flip_ms;	/* switch address space this often; 0: never */
};

extern const char *const tdp_pattern_names[TDP_PATTERN_NR];

struct tdp_vcpus;

/**
 * tdp_vcpus_create() - Create an empty set of vCPUs for @vm, idle workload.
 * @vm: the VM.
 * @name: VM name, for thread names.
 *
 * Return: the set or NULL.
 */
struct tdp_vcpus *tdp_vcpus_create(struct tdp_vm *vm, const char *name);

/**
 * tdp_vcpus_destroy() - Stop every vCPU and free the set.
 * @vs: the set.
 */
void tdp_vcpus_destroy(struct tdp_vcpus *vs);

/**
 * tdp_vcpus_set_count() - Start or stop vCPU threads until @nr run.
 * @vs: the set.
 * @nr: 0..TDP_MAX_VCPUS.
 *
 * Returns once the stopped threads have exited and put their roots.
 *
 * Return: 0, -EINVAL or -ENOMEM.
 */
int tdp_vcpus_set_count(struct tdp_vcpus *vs, unsigned int nr);

/**
 * tdp_vcpus_count() - Number of running vCPU threads.
 * @vs: the set.
 *
 * Return: the count.
 */
unsigned int tdp_vcpus_count(struct tdp_vcpus *vs);

/**
 * tdp_vcpus_set_workload() - Change what every vCPU does.
 * @vs: the set.
 * @wl: a validated workload.
 *
 * Running threads pick it up at their next batch.
 */
void tdp_vcpus_set_workload(struct tdp_vcpus *vs, const struct tdp_workload *wl);

/**
 * tdp_vcpus_get_workload() - Read the current workload.
 * @vs: the set.
 * @wl: filled in.
 */
void tdp_vcpus_get_workload(struct tdp_vcpus *vs, struct tdp_workload *wl);

#endif /* _TDPROOT_VCPU_H */
