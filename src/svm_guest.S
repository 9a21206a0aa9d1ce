/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The guest program of tdproot's hardware vCPUs: flat 32-bit protected
 * mode, no paging (a linear address is a guest-physical address), no stack.
 * The vCPU copies these bytes into a guest frame it reserves and starts the
 * guest at them; they are data to the module, never run by the host.
 *
 * Each access picks a guest frame by the workload's pattern, reads the
 * frame's stamp (word 0) and, for a write, atomically counts the write in
 * word 1 and reads the stamp again; otherwise it reads word 1's upper half
 * (the frame's data tag). It logs { gfn | write << 31, stamp low, stamp
 * high, after } in the vCPU's log page, and VMMCALLs when the page is full:
 * the host checks every record against what the frame must hold, and sets
 * ESP back to the first record.
 *
 * Registers, set by the host:
 *   EDI  guest frames the workload covers (from 0)
 *   EBP  pattern (bits 0-7: 1 seq, 2 random, 3 hot) | write_pct << 8
 *   ESI  xorshift32 state, non-zero
 *   EBX  the last frame of the sequential pattern
 *   ESP  the next log record (the log ends at a page boundary)
 */

#define PATTERN_SEQ	1
#define PATTERN_HOT	3
#define HOT_FRAMES	512

	.section .rodata, "a"
	.code32
	.globl	tdpr_svm_guest_start
	.globl	tdpr_svm_guest_end
tdpr_svm_guest_start:
.Lnext:
	/* Advance the generator: every access uses a fresh value. */
	movl	%esi, %edx
	shll	$13, %edx
	xorl	%edx, %esi
	movl	%esi, %edx
	shrl	$17, %edx
	xorl	%edx, %esi
	movl	%esi, %edx
	shll	$5, %edx
	xorl	%edx, %esi

	movl	%ebp, %eax
	andl	$0xff, %eax
	cmpl	$PATTERN_SEQ, %eax
	jne	.Lpick
	incl	%ebx
	cmpl	%edi, %ebx
	jb	.Lchosen
	xorl	%ebx, %ebx
	jmp	.Lchosen
.Lpick:
	movl	%edi, %ecx
	cmpl	$PATTERN_HOT, %eax
	jne	.Luniform
	/* Hot: nine in ten accesses go to the first 512 frames. */
	movl	%esi, %eax
	shrl	$8, %eax
	xorl	%edx, %edx
	movl	$10, %ecx
	divl	%ecx
	movl	%edi, %ecx
	testl	%edx, %edx
	jz	.Luniform
	cmpl	$HOT_FRAMES, %ecx
	jbe	.Luniform
	movl	$HOT_FRAMES, %ecx
.Luniform:
	movl	%esi, %eax
	xorl	%edx, %edx
	divl	%ecx
	movl	%edx, %ebx
.Lchosen:
	/* A write when (generator >> 16) % 100 < write_pct. */
	movl	%esi, %eax
	shrl	$16, %eax
	xorl	%edx, %edx
	movl	$100, %ecx
	divl	%ecx
	movl	%ebp, %ecx
	shrl	$8, %ecx
	andl	$0xff, %ecx
	movl	%ebx, %eax
	shll	$12, %eax
	cmpl	%ecx, %edx
	jb	.Lwrite

	movl	(%eax), %ecx
	movl	%ecx, 4(%esp)
	movl	4(%eax), %ecx
	movl	%ecx, 8(%esp)
	movl	12(%eax), %ecx
	movl	%ecx, 12(%esp)
	movl	%ebx, (%esp)
	jmp	.Llogged
.Lwrite:
	movl	(%eax), %ecx
	movl	%ecx, 4(%esp)
	movl	4(%eax), %ecx
	movl	%ecx, 8(%esp)
	/* A locked add is a full barrier: the stamp is read after it. */
	lock incl 8(%eax)
	movl	4(%eax), %ecx
	movl	%ecx, 12(%esp)
	movl	%ebx, %ecx
	orl	$0x80000000, %ecx
	movl	%ecx, (%esp)
.Llogged:
	addl	$16, %esp
	testl	$0xfff, %esp
	jnz	.Lnext
	vmmcall
	jmp	.Lnext
tdpr_svm_guest_end:
