/* SPDX-License-Identifier: GPL-2.0 */
/*
 * VMRUN for tdproot's hardware vCPUs (svm.h). VMRUN switches RAX, RSP, RIP,
 * RFLAGS, the control and segment registers; the other general-purpose
 * registers keep whatever they hold, so they are loaded from and saved to
 * struct tdpr_svm_regs here, and the host's callee-saved ones kept on the
 * stack (#VMEXIT restores RSP to its value at VMRUN).
 *
 * void tdpr_svm_vmrun(u64 vmcb_pa, struct tdpr_svm_regs *regs)
 *
 * Called with GIF clear and IF set (svm.c): with V_INTR_MASKING a host
 * interrupt in guest mode exits; GIF is clear again after #VMEXIT, so the
 * interrupt waits for the caller's stgi.
 */
#include <linux/linkage.h>
#include <linux/objtool.h>

/* Offsets in struct tdpr_svm_regs. */
#define R_RBX	0
#define R_RCX	8
#define R_RDX	16
#define R_RSI	24
#define R_RDI	32
#define R_RBP	40
#define R_R8	48
#define R_R9	56
#define R_R10	64
#define R_R11	72
#define R_R12	80
#define R_R13	88
#define R_R14	96
#define R_R15	104

	.text
SYM_FUNC_START(tdpr_svm_vmrun)
	push	%rbp
	push	%r15
	push	%r14
	push	%r13
	push	%r12
	push	%rbx
	/* The regs pointer, found again after #VMEXIT. */
	push	%rsi

	mov	%rdi, %rax
	mov	R_RBX(%rsi), %rbx
	mov	R_RCX(%rsi), %rcx
	mov	R_RDX(%rsi), %rdx
	mov	R_RDI(%rsi), %rdi
	mov	R_RBP(%rsi), %rbp
	mov	R_R8(%rsi), %r8
	mov	R_R9(%rsi), %r9
	mov	R_R10(%rsi), %r10
	mov	R_R11(%rsi), %r11
	mov	R_R12(%rsi), %r12
	mov	R_R13(%rsi), %r13
	mov	R_R14(%rsi), %r14
	mov	R_R15(%rsi), %r15
	mov	R_RSI(%rsi), %rsi

	vmrun	%rax
	/* Where #VMEXIT resumes the host: the RIP of its save area. */
SYM_INNER_LABEL(tdpr_svm_vmrun_resume, SYM_L_GLOBAL)
	ANNOTATE_NOENDBR	/* its address is compared, never jumped to */

	/* RAX is the VMCB address again; everything else is the guest's. */
	mov	(%rsp), %rax
	mov	%rbx, R_RBX(%rax)
	mov	%rcx, R_RCX(%rax)
	mov	%rdx, R_RDX(%rax)
	mov	%rsi, R_RSI(%rax)
	mov	%rdi, R_RDI(%rax)
	mov	%rbp, R_RBP(%rax)
	mov	%r8, R_R8(%rax)
	mov	%r9, R_R9(%rax)
	mov	%r10, R_R10(%rax)
	mov	%r11, R_R11(%rax)
	mov	%r12, R_R12(%rax)
	mov	%r13, R_R13(%rax)
	mov	%r14, R_R14(%rax)
	mov	%r15, R_R15(%rax)

	pop	%rsi
	pop	%rbx
	pop	%r12
	pop	%r13
	pop	%r14
	pop	%r15
	pop	%rbp
	/* No guest value may steer speculation after the return. */
	xor	%eax, %eax
	xor	%ecx, %ecx
	xor	%edx, %edx
	xor	%edi, %edi
	xor	%r8d, %r8d
	xor	%r9d, %r9d
	xor	%r10d, %r10d
	xor	%r11d, %r11d
	RET
SYM_FUNC_END(tdpr_svm_vmrun)
