/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The hardware side of a vcpu=svm vCPU: a guest program that the CPU runs
 * on the vCPU's root as its nested page table, and the exits it takes.
 */
#ifndef _TDPROOT_VCPU_SVM_H
#define _TDPROOT_VCPU_SVM_H

#include <tdproot/mmu.h>
#include <tdproot/vcpu.h>

/* Guest frames at the top of guest memory: the program, then one log per vCPU. */
#define TDPR_SVM_RESERVED_FRAMES	(1 + TDPR_MAX_VCPUS)

struct tdpr_svm_vcpu;

/* The guest program, svm_guest.S: bytes the vCPU copies into guest memory. */
extern const u8 tdpr_svm_guest_start[], tdpr_svm_guest_end[];

/**
 * tdpr_svm_vm_check() - Whether a VM can have vcpu=svm vCPUs on this machine.
 * @p: the VM's parameters.
 * @name: the VM's name, for messages.
 *
 * Return: 0, -EINVAL for parameters the CPU cannot run (not NPT, another
 * depth than the CPU walks, more than 4 GiB, fewer than 1 MiB of guest or
 * backing memory, 1 GiB leaves) or -ENODEV, each with a ratelimited message.
 */
int tdpr_svm_vm_check(const struct tdpr_vm_params *p, const char *name);

/**
 * tdpr_svm_vm_get() - Switch SVM on for one more vcpu=svm VM.
 * @name: the VM's name, for messages.
 *
 * Return: 0, -EBUSY (another hypervisor owns SVM) or -ENOMEM.
 */
int tdpr_svm_vm_get(const char *name);

/**
 * tdpr_svm_vm_put() - A vcpu=svm VM is gone; the last switches SVM off.
 */
void tdpr_svm_vm_put(void);

/**
 * tdpr_svm_work_frames() - The frames a hardware vCPU's workload may touch.
 * @vm: the VM.
 *
 * Return: the frames below the program and the vCPUs' logs, from 0.
 */
u64 tdpr_svm_work_frames(struct tdpr_vm *vm);

/**
 * tdpr_svm_vcpu_create() - The guest of vCPU @idx of @vm, ready to run.
 * @vm: the VM.
 * @idx: the vCPU's index, which picks its log frame.
 *
 * Return: the vCPU's hardware state or NULL (no memory or no ASID left).
 */
struct tdpr_svm_vcpu *tdpr_svm_vcpu_create(struct tdpr_vm *vm, unsigned int idx);
void tdpr_svm_vcpu_free(struct tdpr_svm_vcpu *sv);

/**
 * tdpr_svm_vcpu_flush() - Flush the guest's TLB entries before its next run.
 * @sv: the vCPU.
 *
 * On a flush request, and whenever the vCPU puts or loads a root: the TLB
 * is tagged by ASID, not by root, and a freed root's page may come back as
 * the next root.
 */
void tdpr_svm_vcpu_flush(struct tdpr_svm_vcpu *sv);

/**
 * tdpr_svm_vcpu_run() - Run the guest on @root until its next exit, and handle it.
 * @sv: the vCPU.
 * @root: the root the caller holds, valid when loaded.
 * @client: the vCPU's requests: one pending now means no VMRUN (return 0).
 * @wl: the workload the guest performs.
 * @cache: the vCPU's page-table cache, for the fault path.
 *
 * Return: the number of guest accesses checked (a full log), 0 after an
 * exit that needs nothing more or when a request came first, or what the fault path returned for a
 * nested page fault it could not resolve (-EAGAIN: the root was invalidated;
 * -EBUSY: an invalidation covers the frame; -ENOMEM), -EBUSY also when a
 * migrate keeps the log from being read (take the requests: the next call
 * reads it before the guest runs again), or -EIO if the guest stopped (an
 * exception, a shutdown, a RIP outside its program, a log it could not have
 * written: integrity_errors counts it, and the first is explained in full:
 * the last exits, the VMCB and host save areas, and where the root maps the
 * program) or the emulator broke it (emulator_faults counts it; README).
 */
int tdpr_svm_vcpu_run(struct tdpr_svm_vcpu *sv, struct tdpr_root *root, struct tdpr_client *client,
		      const struct tdpr_workload *wl, struct tdpr_pt_cache *cache);

/**
 * tdpr_svm_vcpu_reset() - Start the guest program again from its entry.
 * @sv: the vCPU.
 */
void tdpr_svm_vcpu_reset(struct tdpr_svm_vcpu *sv);

#endif /* _TDPROOT_VCPU_SVM_H */
