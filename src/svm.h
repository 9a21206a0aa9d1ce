/* SPDX-License-Identifier: GPL-2.0 */
/*
 * AMD SVM, as much of it as a vCPU needs to run a guest on a tdproot NPT
 * root: SVM enabled in every CPU while some VM wants it, one VMCB per
 * vCPU, and VMRUN. Written from the AMD64 Architecture Programmer's Manual,
 * volume 2, chapter 15 ("Secure Virtual Machine") and appendix B (the VMCB
 * layout); nothing here knows about roots or VMs.
 */
#ifndef _TDPROOT_SVM_H
#define _TDPROOT_SVM_H

#include <linux/types.h>

#include <asm/trapnr.h>

/* #VMEXIT codes (APM vol. 2, appendix C) tdproot handles. */
#define TDPR_SVM_EXIT_EXCP_BASE		0x040	/* + vector, 0x40..0x5f */
#define TDPR_SVM_EXIT_MC		(TDPR_SVM_EXIT_EXCP_BASE + X86_TRAP_MC)
#define TDPR_SVM_EXIT_INTR		0x060
#define TDPR_SVM_EXIT_NMI		0x061
#define TDPR_SVM_EXIT_SHUTDOWN		0x07f
#define TDPR_SVM_EXIT_VMMCALL		0x081
#define TDPR_SVM_EXIT_NPF		0x400
#define TDPR_SVM_EXIT_SMI		0x062
#define TDPR_SVM_EXIT_INIT		0x063
#define TDPR_SVM_EXIT_INVALID		(~0ULL)
/* Not the CPU's: SVM on this CPU belongs to another hypervisor now. */
#define TDPR_SVM_EXIT_NOT_OURS		(~1ULL)

/* EXITINFO1 of a nested page fault: the error code. */
#define TDPR_SVM_NPF_WRITE		BIT_ULL(1)
#define TDPR_SVM_NPF_RSVD		BIT_ULL(3)

/* The guest's general-purpose registers VMRUN does not switch (RAX and RSP are in the VMCB). */
struct tdpr_svm_regs {
	u64 rbx, rcx, rdx, rsi, rdi, rbp;
	u64 r8, r9, r10, r11, r12, r13, r14, r15;
};

struct tdpr_svm;

/**
 * tdpr_svm_check() - Whether this machine can run tdproot's SVM vCPUs.
 * @who: what to name in the message.
 * @npt_levels: set to the depth of the nested page tables the CPU walks
 *              (that of the host's own paging: 5 with LA57, else 4).
 *
 * Return: 0, or -ENODEV (no SVM, no nested paging, or SVM disabled by the
 * firmware), with a ratelimited message.
 */
int tdpr_svm_check(const char *who, int *npt_levels);

/**
 * tdpr_svm_get() - Enable SVM in every online CPU, or count one more user.
 * @who: what to name in a message.
 *
 * Return: 0; -EBUSY if another hypervisor already owns SVM (EFER.SVME set,
 * e.g. kvm_amd loaded) or -ENOMEM, with a ratelimited message. Every CPU is
 * left as it was on failure.
 */
int tdpr_svm_get(const char *who);

/**
 * tdpr_svm_put() - Drop a user; the last one switches SVM off everywhere.
 */
void tdpr_svm_put(void);

/**
 * tdpr_svm_alloc() - A VMCB set up for a flat 32-bit guest with nested paging.
 * @asid: the guest's address-space id, non-zero.
 *
 * Return: the VMCB or NULL.
 */
struct tdpr_svm *tdpr_svm_alloc(u32 asid);
void tdpr_svm_free(struct tdpr_svm *s);

/**
 * tdpr_svm_init_state() - Set the VMCB up again from nothing (after a
 *                         shutdown the guest state is undefined).
 * @s: the VMCB.
 * @asid: the guest's address-space id.
 */
void tdpr_svm_init_state(struct tdpr_svm *s, u32 asid);

/* The guest state a vCPU sets up and reads back. */
void tdpr_svm_set_entry(struct tdpr_svm *s, u32 rip, u32 rsp, u32 rax);
u64 tdpr_svm_rip(struct tdpr_svm *s);
void tdpr_svm_set_rip(struct tdpr_svm *s, u64 rip);
u32 tdpr_svm_rsp(struct tdpr_svm *s);
u64 tdpr_svm_rax(struct tdpr_svm *s);
u64 tdpr_svm_entry_rip(struct tdpr_svm *s);
u64 tdpr_svm_exit_hsave(struct tdpr_svm *s);

/*
 * Whether the VMCB's save area holds the host's own state as of the
 * instruction after VMRUN (RIP there, RAX the VMCB): what a CPU writes only
 * into its host save area, which is not this VMCB.
 */
bool tdpr_svm_holds_host_state(struct tdpr_svm *s);
/* Test hook: write into the VMCB what tdpr_svm_holds_host_state() looks for. */
void tdpr_svm_plant_host_state(struct tdpr_svm *s);
/* svm_vmrun.S: the instruction after VMRUN, where #VMEXIT resumes the host. */
extern const u8 tdpr_svm_vmrun_resume[];

/* For a dead guest's report: where its VMCB is, and every CPU's host save area. */
void tdpr_svm_describe(struct tdpr_svm *s);
void tdpr_svm_set_rsp(struct tdpr_svm *s, u32 rsp);

/**
 * tdpr_svm_run() - Run the guest until its next #VMEXIT.
 * @s: the VMCB.
 * @regs: the guest's other registers, loaded before and saved after.
 * @ncr3: the nested page table root (physical address).
 * @flush: flush this ASID's TLB entries first.
 * @info1: set to EXITINFO1.
 * @info2: set to EXITINFO2.
 *
 * Preemption must be off (SVM state is per CPU); interrupts are taken as
 * #VMEXIT(INTR) and serviced when this returns, a machine check in the
 * guest by the host's handler.
 *
 * Return: the exit code, or TDPR_SVM_EXIT_NOT_OURS if another hypervisor
 * took SVM on this CPU (nothing ran).
 */
u64 tdpr_svm_run(struct tdpr_svm *s, struct tdpr_svm_regs *regs, u64 ncr3, bool flush,
		 u64 *info1, u64 *info2);

/* The first ASID a plain guest may use (0 is the host's, SEV guests' next). */
u32 tdpr_svm_first_asid(void);
/* One more than the last ASID. */
u32 tdpr_svm_nr_asids(void);

#endif /* _TDPROOT_SVM_H */
