// SPDX-License-Identifier: GPL-2.0
/*
 * AMD SVM for tdproot's hardware vCPUs (svm.h). The VMCB is addressed by the
 * offsets of APM vol. 2, appendix B; only the fields a flat 32-bit guest
 * with nested paging needs are written. The first user switches SVM on in
 * every online CPU, the last one off. Nothing is cached per CPU: before each
 * VMRUN, with interrupts off, EFER.SVME and VM_HSAVE_PA say whether SVM is
 * on there and whose it is, so a CPU that came online (or back from
 * suspend) without it is switched on then, and one that another hypervisor
 * took is refused.
 */

#include <linux/bits.h>
#include <linux/cc_platform.h>
#include <linux/cpu.h>
#include <linux/cpumask.h>
#include <linux/gfp.h>
#include <linux/mm.h>
#include <linux/mutex.h>
#include <linux/percpu.h>
#include <linux/slab.h>
#include <linux/smp.h>

#include <asm/cpufeature.h>
#include <asm/debugreg.h>
#include <asm/io.h>
#include <asm/msr.h>
#include <asm/pgtable.h>
#include <asm/processor.h>

#include "svm.h"

/* Control area (offset 0). */
#define VMCB_INTERCEPT_CR	0x000
#define VMCB_INTERCEPT_EXC	0x008
#define VMCB_INTERCEPT_MISC1	0x00c
#define VMCB_INTERCEPT_MISC2	0x010
#define VMCB_IOPM_BASE		0x040
#define VMCB_MSRPM_BASE		0x048
#define VMCB_ASID		0x058
#define VMCB_TLB_CONTROL	0x05c
#define VMCB_INT_CTL		0x060
#define VMCB_EXITCODE		0x070
#define VMCB_EXITINFO1		0x078
#define VMCB_EXITINFO2		0x080
#define VMCB_NP_ENABLE		0x090
#define VMCB_EVENTINJ		0x0a8
#define VMCB_NCR3		0x0b0
#define VMCB_CLEAN		0x0c0

/* State save area (offset 0x400). */
#define VMCB_ES			0x400
#define VMCB_CS			0x410
#define VMCB_SS			0x420
#define VMCB_DS			0x430
#define VMCB_GDTR		0x460
#define VMCB_IDTR		0x480
#define VMCB_CPL		0x4cb
#define VMCB_EFER		0x4d0
#define VMCB_CR4		0x548
#define VMCB_CR3		0x550
#define VMCB_CR0		0x558
#define VMCB_DR7		0x560
#define VMCB_DR6		0x568
#define VMCB_RFLAGS		0x570
#define VMCB_RIP		0x578
#define VMCB_RSP		0x5d8
#define VMCB_RAX		0x5f8
#define VMCB_G_PAT		0x668

/* Intercept vector 3 (MISC1) and 4 (MISC2) bits. */
#define MISC1_INTR		BIT(0)
#define MISC1_NMI		BIT(1)
#define MISC1_SMI		BIT(2)
#define MISC1_INIT		BIT(3)
#define MISC1_CPUID		BIT(18)
#define MISC1_INVD		BIT(22)
#define MISC1_HLT		BIT(24)
#define MISC1_IOIO_PROT		BIT(27)
#define MISC1_MSR_PROT		BIT(28)
#define MISC1_SHUTDOWN		BIT(31)
#define MISC2_VMRUN		BIT(0)
#define MISC2_VMMCALL		BIT(1)
#define MISC2_VMLOAD		BIT(2)
#define MISC2_VMSAVE		BIT(3)
#define MISC2_STGI		BIT(4)
#define MISC2_CLGI		BIT(5)
#define MISC2_SKINIT		BIT(6)

#define INT_CTL_V_INTR_MASKING	BIT(24)
#define TLB_CONTROL_FLUSH_ALL	1
#define TLB_CONTROL_FLUSH_ASID	3

/* Segment attributes: type, S, DPL 0, P, D/B, G. */
#define SEG_CODE32		0xc9b
#define SEG_DATA32		0xc93

#define MSR_VM_CR_SVMDIS	BIT_ULL(4)

/* IOPM is 12 KiB, MSRPM 8 KiB; all ones: every port and MSR is intercepted. */
#define IOPM_ORDER		2
#define MSRPM_ORDER		1

struct tdpr_svm {
	struct page *vmcb;
	int last_cpu;
	/* For a dead guest's report: the last VMRUN's RIP and host save area. */
	u64 entry_rip, exit_hsave;
};

/* svm_vmrun.S reads and writes the registers at these offsets. */
static_assert(offsetof(struct tdpr_svm_regs, rbx) == 0);
static_assert(offsetof(struct tdpr_svm_regs, rbp) == 40);
static_assert(offsetof(struct tdpr_svm_regs, r8) == 48);
static_assert(offsetof(struct tdpr_svm_regs, r15) == 104);

static DEFINE_MUTEX(tdpr_svm_lock);	/* users, the bitmaps, switching on and off */
static unsigned int tdpr_svm_users;
static struct page *tdpr_svm_iopm, *tdpr_svm_msrpm;
static DEFINE_PER_CPU(struct page *, tdpr_svm_hsave);

static void *vmcb_field(struct tdpr_svm *s, unsigned int off)
{
	return page_address(s->vmcb) + off;
}

#define VMCB_W(s, off, type, val)	(*(type *)vmcb_field(s, off) = (val))
#define VMCB_R(s, off, type)		(*(type *)vmcb_field(s, off))

int tdpr_svm_check(const char *who, int *npt_levels)
{
	u64 vm_cr;

	if (!boot_cpu_has(X86_FEATURE_SVM) || !boot_cpu_has(X86_FEATURE_NPT)) {
		pr_warn_ratelimited("%s: vcpu=svm needs a CPU with SVM and nested paging\n", who);
		return -ENODEV;
	}
	/* Every address the CPU is given would need the encryption bit. */
	if (cc_platform_has(CC_ATTR_HOST_MEM_ENCRYPT)) {
		pr_warn_ratelimited("%s: vcpu=svm: host memory encryption (SME) is on; tdproot's roots carry no C-bit\n",
				    who);
		return -ENODEV;
	}
	rdmsrl(MSR_VM_CR, vm_cr);
	if (vm_cr & MSR_VM_CR_SVMDIS) {
		pr_warn_ratelimited("%s: vcpu=svm: SVM is disabled by the firmware (VM_CR.SVMDIS)\n",
				    who);
		return -ENODEV;
	}
	*npt_levels = pgtable_l5_enabled() ? 5 : 4;
	return 0;
}

u32 tdpr_svm_first_asid(void)
{
	/* With SEV, the lowest ASIDs are the encrypted guests'. */
	if (boot_cpu_has(X86_FEATURE_SEV) && cpuid_eax(0x80000000) >= 0x8000001f)
		return cpuid_ecx(0x8000001f) + 1;
	return 1;
}

u32 tdpr_svm_nr_asids(void)
{
	return cpuid_ebx(0x8000000a);
}

/*
 * With interrupts off: is SVM on in this CPU and ours (our host save area)?
 * Switch it on if it is off; false if another hypervisor has it.
 */
static bool tdpr_svm_cpu_on(void)
{
	u64 hsave = page_to_phys(this_cpu_read(tdpr_svm_hsave)), efer, pa;

	lockdep_assert_irqs_disabled();
	rdmsrl(MSR_EFER, efer);
	if (efer & EFER_SVME) {
		rdmsrl(MSR_VM_HSAVE_PA, pa);
		return pa == hsave;
	}
	wrmsrl(MSR_VM_HSAVE_PA, hsave);
	wrmsrl(MSR_EFER, efer | EFER_SVME);
	return true;
}

static void tdpr_svm_cpu_on_ipi(void *busy)
{
	if (!tdpr_svm_cpu_on())
		atomic_inc(busy);
}

/* Only if it is ours: another hypervisor's SVM stays on. */
static void tdpr_svm_cpu_off(void *unused)
{
	u64 efer, pa;

	rdmsrl(MSR_EFER, efer);
	rdmsrl(MSR_VM_HSAVE_PA, pa);
	if (!(efer & EFER_SVME) || pa != page_to_phys(this_cpu_read(tdpr_svm_hsave)))
		return;
	wrmsrl(MSR_EFER, efer & ~EFER_SVME);
	wrmsrl(MSR_VM_HSAVE_PA, 0);
}

static void tdpr_svm_free_pages(void)
{
	int cpu;

	for_each_possible_cpu(cpu) {
		if (per_cpu(tdpr_svm_hsave, cpu))
			__free_page(per_cpu(tdpr_svm_hsave, cpu));
		per_cpu(tdpr_svm_hsave, cpu) = NULL;
	}
	if (tdpr_svm_iopm)
		__free_pages(tdpr_svm_iopm, IOPM_ORDER);
	if (tdpr_svm_msrpm)
		__free_pages(tdpr_svm_msrpm, MSRPM_ORDER);
	tdpr_svm_iopm = NULL;
	tdpr_svm_msrpm = NULL;
}

static int tdpr_svm_alloc_pages(void)
{
	int cpu;

	for_each_possible_cpu(cpu) {
		per_cpu(tdpr_svm_hsave, cpu) = alloc_page(GFP_KERNEL | __GFP_ZERO);
		if (!per_cpu(tdpr_svm_hsave, cpu))
			return -ENOMEM;
	}
	tdpr_svm_iopm = alloc_pages(GFP_KERNEL, IOPM_ORDER);
	tdpr_svm_msrpm = alloc_pages(GFP_KERNEL, MSRPM_ORDER);
	if (!tdpr_svm_iopm || !tdpr_svm_msrpm)
		return -ENOMEM;
	memset(page_address(tdpr_svm_iopm), 0xff, PAGE_SIZE << IOPM_ORDER);
	memset(page_address(tdpr_svm_msrpm), 0xff, PAGE_SIZE << MSRPM_ORDER);
	return 0;
}

int tdpr_svm_get(const char *who)
{
	atomic_t busy = ATOMIC_INIT(0);
	int ret = 0;

	mutex_lock(&tdpr_svm_lock);
	if (tdpr_svm_users++)
		goto out;
	ret = tdpr_svm_alloc_pages();
	if (ret) {
		pr_warn_ratelimited("%s: vcpu=svm: no memory for the SVM save areas\n", who);
		goto fail;
	}
	cpus_read_lock();
	on_each_cpu(tdpr_svm_cpu_on_ipi, &busy, 1);
	if (atomic_read(&busy)) {
		/* Only the CPUs switched on here: the save area tells. */
		on_each_cpu(tdpr_svm_cpu_off, NULL, 1);
		cpus_read_unlock();
		pr_warn_ratelimited("%s: vcpu=svm: SVM is in use by another hypervisor (EFER.SVME set, kvm_amd loaded?)\n",
				    who);
		ret = -EBUSY;
		goto fail;
	}
	cpus_read_unlock();
	goto out;
fail:
	tdpr_svm_free_pages();
	tdpr_svm_users--;
out:
	mutex_unlock(&tdpr_svm_lock);
	return ret;
}

void tdpr_svm_put(void)
{
	mutex_lock(&tdpr_svm_lock);
	if (!WARN_ON_ONCE(!tdpr_svm_users) && !--tdpr_svm_users) {
		cpus_read_lock();
		on_each_cpu(tdpr_svm_cpu_off, NULL, 1);
		cpus_read_unlock();
		tdpr_svm_free_pages();
	}
	mutex_unlock(&tdpr_svm_lock);
}

static void tdpr_svm_seg(struct tdpr_svm *s, unsigned int off, u16 attrib)
{
	VMCB_W(s, off, u16, 0);			/* selector */
	VMCB_W(s, off + 2, u16, attrib);
	VMCB_W(s, off + 4, u32, attrib ? 0xffffffff : 0);
	VMCB_W(s, off + 8, u64, 0);		/* base */
}

struct tdpr_svm *tdpr_svm_alloc(u32 asid)
{
	struct tdpr_svm *s = kzalloc(sizeof(*s), GFP_KERNEL);

	if (!s)
		return NULL;
	s->vmcb = alloc_page(GFP_KERNEL | __GFP_ZERO);
	if (!s->vmcb) {
		kfree(s);
		return NULL;
	}
	s->last_cpu = -1;
	tdpr_svm_init_state(s, asid);
	return s;
}

void tdpr_svm_init_state(struct tdpr_svm *s, u32 asid)
{
	memset(page_address(s->vmcb), 0, PAGE_SIZE);
	/* Every exception, and everything a flat workload never does, exits. */
	VMCB_W(s, VMCB_INTERCEPT_EXC, u32, 0xffffffff);
	VMCB_W(s, VMCB_INTERCEPT_MISC1, u32, MISC1_INTR | MISC1_NMI | MISC1_SMI | MISC1_INIT |
	       MISC1_CPUID | MISC1_INVD | MISC1_HLT | MISC1_IOIO_PROT | MISC1_MSR_PROT |
	       MISC1_SHUTDOWN);
	VMCB_W(s, VMCB_INTERCEPT_MISC2, u32, MISC2_VMRUN | MISC2_VMMCALL | MISC2_VMLOAD |
	       MISC2_VMSAVE | MISC2_STGI | MISC2_CLGI | MISC2_SKINIT);
	VMCB_W(s, VMCB_IOPM_BASE, u64, page_to_phys(tdpr_svm_iopm));
	VMCB_W(s, VMCB_MSRPM_BASE, u64, page_to_phys(tdpr_svm_msrpm));
	VMCB_W(s, VMCB_ASID, u32, asid);
	/* Physical interrupts exit the guest whatever its IF. */
	VMCB_W(s, VMCB_INT_CTL, u32, INT_CTL_V_INTR_MASKING);
	VMCB_W(s, VMCB_NP_ENABLE, u64, 1);

	/* Flat 32-bit protected mode, no paging: a linear address is a GPA. */
	tdpr_svm_seg(s, VMCB_ES, SEG_DATA32);
	tdpr_svm_seg(s, VMCB_CS, SEG_CODE32);
	tdpr_svm_seg(s, VMCB_SS, SEG_DATA32);
	tdpr_svm_seg(s, VMCB_DS, SEG_DATA32);
	tdpr_svm_seg(s, VMCB_GDTR, 0);
	tdpr_svm_seg(s, VMCB_IDTR, 0);
	VMCB_W(s, VMCB_CPL, u8, 0);
	VMCB_W(s, VMCB_EFER, u64, EFER_SVME);
	VMCB_W(s, VMCB_CR0, u64, X86_CR0_PE | X86_CR0_ET | X86_CR0_NE);
	VMCB_W(s, VMCB_CR3, u64, 0);
	VMCB_W(s, VMCB_CR4, u64, 0);
	VMCB_W(s, VMCB_DR7, u64, 0x400);
	VMCB_W(s, VMCB_DR6, u64, 0xffff0ff0);
	VMCB_W(s, VMCB_RFLAGS, u64, X86_EFLAGS_FIXED);
	VMCB_W(s, VMCB_G_PAT, u64, 0x0007040600070406ULL);
}

void tdpr_svm_free(struct tdpr_svm *s)
{
	if (!s)
		return;
	__free_page(s->vmcb);
	kfree(s);
}

void tdpr_svm_set_entry(struct tdpr_svm *s, u32 rip, u32 rsp, u32 rax)
{
	VMCB_W(s, VMCB_RIP, u64, rip);
	VMCB_W(s, VMCB_RSP, u64, rsp);
	VMCB_W(s, VMCB_RAX, u64, rax);
}

u64 tdpr_svm_rip(struct tdpr_svm *s)
{
	return VMCB_R(s, VMCB_RIP, u64);
}

void tdpr_svm_set_rip(struct tdpr_svm *s, u64 rip)
{
	VMCB_W(s, VMCB_RIP, u64, rip);
}

u32 tdpr_svm_rsp(struct tdpr_svm *s)
{
	return VMCB_R(s, VMCB_RSP, u64);
}

u64 tdpr_svm_entry_rip(struct tdpr_svm *s)
{
	return s->entry_rip;
}

u64 tdpr_svm_exit_hsave(struct tdpr_svm *s)
{
	return s->exit_hsave;
}

u64 tdpr_svm_rax(struct tdpr_svm *s)
{
	return VMCB_R(s, VMCB_RAX, u64);
}

bool tdpr_svm_holds_host_state(struct tdpr_svm *s)
{
	return VMCB_R(s, VMCB_RIP, u64) == (unsigned long)tdpr_svm_vmrun_resume &&
	       VMCB_R(s, VMCB_RAX, u64) == page_to_phys(s->vmcb) &&
	       s->exit_hsave != page_to_phys(s->vmcb);
}

void tdpr_svm_plant_host_state(struct tdpr_svm *s)
{
	VMCB_W(s, VMCB_RIP, u64, (unsigned long)tdpr_svm_vmrun_resume);
	VMCB_W(s, VMCB_RAX, u64, page_to_phys(s->vmcb));
}

static void tdpr_svm_read_hsave(void *pa)
{
	rdmsrl(MSR_VM_HSAVE_PA, *(u64 *)pa);
}

void tdpr_svm_describe(struct tdpr_svm *s)
{
	int cpu;

	pr_err("vcpu=svm: VMCB at 0x%llx, last run on CPU %d\n",
	       (u64)page_to_phys(s->vmcb), s->last_cpu);
	cpus_read_lock();
	for_each_online_cpu(cpu) {
		u64 pa = 0;

		smp_call_function_single(cpu, tdpr_svm_read_hsave, &pa, 1);
		pr_err("vcpu=svm: CPU %d: host save area 0x%llx, VM_HSAVE_PA 0x%llx\n", cpu,
		       per_cpu(tdpr_svm_hsave, cpu) ?
		       (u64)page_to_phys(per_cpu(tdpr_svm_hsave, cpu)) : 0, pa);
	}
	cpus_read_unlock();
}

void tdpr_svm_set_rsp(struct tdpr_svm *s, u32 rsp)
{
	VMCB_W(s, VMCB_RSP, u64, rsp);
}

/* svm_vmrun.S */
void tdpr_svm_vmrun(u64 vmcb_pa, struct tdpr_svm_regs *regs);

u64 tdpr_svm_run(struct tdpr_svm *s, struct tdpr_svm_regs *regs, u64 ncr3, bool flush,
		 u64 *info1, u64 *info2)
{
	int cpu = smp_processor_id();
	u64 code;
	u8 tlb = 0;

	lockdep_assert_preemption_disabled();
	local_irq_disable();
	if (!tdpr_svm_cpu_on()) {
		local_irq_enable();
		return TDPR_SVM_EXIT_NOT_OURS;
	}
	/* This ASID may hold translations of an older root on this CPU. */
	if (flush || cpu != s->last_cpu)
		tlb = boot_cpu_has(X86_FEATURE_FLUSHBYASID) ? TLB_CONTROL_FLUSH_ASID :
							      TLB_CONTROL_FLUSH_ALL;
	s->last_cpu = cpu;
	VMCB_W(s, VMCB_TLB_CONTROL, u8, tlb);
	VMCB_W(s, VMCB_NCR3, u64, ncr3);
	VMCB_W(s, VMCB_EVENTINJ, u64, 0);
	VMCB_W(s, VMCB_CLEAN, u32, 0);	/* nothing cached: every field is read */

	/*
	 * GIF clear holds every interrupt and NMI off from here to stgi, so
	 * IF can be set in C: with V_INTR_MASKING a host interrupt that comes
	 * in guest mode exits, and is taken once GIF and IF are set again.
	 * (No sti right before VMRUN: its shadow would reach the guest.)
	 */
	s->entry_rip = VMCB_R(s, VMCB_RIP, u64);
	asm volatile("clgi" ::: "memory");
	raw_local_irq_enable();
	tdpr_svm_vmrun(page_to_phys(s->vmcb), regs);
	raw_local_irq_disable();
	/*
	 * #VMEXIT loaded the host from VM_HSAVE_PA: still this CPU's save
	 * area, as tdpr_svm_cpu_on() found it (nothing may change it with
	 * GIF clear). Kept for tdpr_svm_holds_host_state().
	 */
	rdmsrl(MSR_VM_HSAVE_PA, s->exit_hsave);
	code = VMCB_R(s, VMCB_EXITCODE, u64);
	/* #VMEXIT cleared DR7: give the host its breakpoints back. */
	if (hw_breakpoint_active())
		hw_breakpoint_restore();
	asm volatile("stgi" ::: "memory");
	/* A machine check in guest mode is the host's: run its handler. */
	if (code == TDPR_SVM_EXIT_MC)
		asm volatile("int $0x12");
	local_irq_enable();

	*info1 = VMCB_R(s, VMCB_EXITINFO1, u64);
	*info2 = VMCB_R(s, VMCB_EXITINFO2, u64);
	if (WARN_ON_ONCE(s->exit_hsave != page_to_phys(this_cpu_read(tdpr_svm_hsave))))
		return TDPR_SVM_EXIT_NOT_OURS;
	return code;
}
