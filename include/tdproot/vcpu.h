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

#define TDPR_MAX_VCPUS	64

enum tdpr_pattern {
	TDPR_PATTERN_IDLE,	/* hold a root, touch nothing */
	TDPR_PATTERN_SEQ,	/* walk the guest frame by frame */
	TDPR_PATTERN_RANDOM,	/* uniform over the guest */
	TDPR_PATTERN_HOT,	/* 90% in the first 512 frames */
	TDPR_PATTERN_NR
};

struct tdpr_workload {
	enum tdpr_pattern pattern;
	unsigned int write_pct;	/* 0..100 */
	unsigned int flip_ms;	/* switch address space this often; 0: never */
	u64 frames;		/* the working set, frames 0..frames-1; 0: all */
};

extern const char *const tdpr_pattern_names[TDPR_PATTERN_NR];

struct tdpr_vcpus;

/**
 * tdpr_vcpus_create() - Create an empty set of vCPUs for @vm, idle workload.
 * @vm: the VM.
 * @name: VM name, for thread names.
 * @svm: the vCPUs run a guest on the CPU (vcpu=svm, see vcpu_svm.h), not the
 *       software walker.
 *
 * Return: the set or NULL.
 */
struct tdpr_vcpus *tdpr_vcpus_create(struct tdpr_vm *vm, const char *name, bool svm);

/**
 * tdpr_vcpus_destroy() - Stop every vCPU and free the set.
 * @vs: the set.
 */
void tdpr_vcpus_destroy(struct tdpr_vcpus *vs);

/**
 * tdpr_vcpus_set_count() - Start or stop vCPU threads until @nr run.
 * @vs: the set.
 * @nr: 0..TDPR_MAX_VCPUS.
 *
 * Returns once the stopped threads have exited and put their roots.
 *
 * Return: 0, -EINVAL or -ENOMEM.
 */
int tdpr_vcpus_set_count(struct tdpr_vcpus *vs, unsigned int nr);

/**
 * tdpr_vcpus_count() - Number of running vCPU threads.
 * @vs: the set.
 *
 * Return: the count.
 */
unsigned int tdpr_vcpus_count(struct tdpr_vcpus *vs);

/**
 * tdpr_vcpus_set_workload() - Change what every vCPU does.
 * @vs: the set.
 * @wl: a parsed workload.
 *
 * Running threads pick it up at their next batch.
 *
 * Return: 0, or -EINVAL if the working set is larger than the frames the
 * vCPUs may touch (a hardware vCPU's program and logs are not among them).
 */
int tdpr_vcpus_set_workload(struct tdpr_vcpus *vs, const struct tdpr_workload *wl);

/**
 * tdpr_vcpus_get_workload() - Read the current workload.
 * @vs: the set.
 * @wl: filled in.
 */
void tdpr_vcpus_get_workload(struct tdpr_vcpus *vs, struct tdpr_workload *wl);

#endif /* _TDPROOT_VCPU_H */
