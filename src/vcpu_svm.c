// SPDX-License-Identifier: GPL-2.0
/*
 * vcpu=svm: the CPU, not tdproot's walker, translates the guest's accesses
 * through the vCPU's root, loaded as the nested page table (nCR3). The guest
 * is svm_guest.S, copied into a frame the VM reserves; each vCPU logs its
 * accesses in a frame of its own, which the host checks when the guest
 * reports a full log with VMMCALL. A nested page fault enters tdproot's
 * fault path as a software vCPU's walk failure does.
 *
 * Guest memory, top down: one log frame per possible vCPU, the program's
 * frame below them; the workload covers the frames underneath. Guest
 * frames alias the backing (gfn modulo the pool), and the guest touches
 * only the first two words of workload frames, so the program and the logs
 * live past TDPR_BACKING_DATA in their frames.
 */

#include <linux/idr.h>
#include <linux/moduleparam.h>
#include <linux/preempt.h>
#include <linux/slab.h>
#include <linux/sizes.h>

#include "svm.h"
#include "vcpu_svm.h"

/* Where the program and the records start in their frames. */
#define TDPR_SVM_CODE_OFF	64
#define TDPR_SVM_LOG_OFF	64
#define TDPR_SVM_RECORD		16
#define TDPR_SVM_LOG_RECORDS	((PAGE_SIZE - TDPR_SVM_LOG_OFF) / TDPR_SVM_RECORD)
#define TDPR_SVM_REC_WRITE	BIT(31)
#define TDPR_VMMCALL_LEN	3
/* The last exits, which a dead guest's report lists. */
#define TDPR_SVM_EXITS_KEPT	16U

static DEFINE_IDA(tdpr_svm_asids);

struct tdpr_svm_vcpu {
	struct tdpr_vm *vm;
	struct tdpr_svm *svm;
	struct tdpr_svm_regs regs;
	unsigned int idx;
	u32 asid;
	u64 code_gfn, log_gfn, work_gfns;
	bool flush;
	bool log_full;		/* a VMMCALL waits for its log to be read */
	struct tdpr_svm_exit {
		u64 code, info1, info2, rip, rax, entry_rip, hsave;
		u32 rsp;
	} exits[TDPR_SVM_EXITS_KEPT];
	unsigned int nr_exits;
	u32 rec[TDPR_SVM_LOG_RECORDS][TDPR_SVM_RECORD / sizeof(u32)];
};

int tdpr_svm_vm_check(const struct tdpr_vm_params *p, const char *name)
{
	char who[TDPR_NAME_MAX + 8];
	int levels, ret;

	if (p->format != TDPR_FMT_NPT) {
		pr_warn_ratelimited("create %s: vcpu=svm needs format=npt: the CPU walks NPT roots\n",
				    name);
		return -EINVAL;
	}
	snprintf(who, sizeof(who), "create %s", name);
	ret = tdpr_svm_check(who, &levels);
	if (ret)
		return ret;
	if (p->levels != levels) {
		pr_warn_ratelimited("create %s: vcpu=svm: this CPU walks %d-level nested page tables, not levels=%d\n",
				    name, levels, p->levels);
		return -EINVAL;
	}
	if (p->mem_bytes > SZ_4G || p->mem_bytes < SZ_1M || p->backing_bytes < SZ_1M) {
		pr_warn_ratelimited("create %s: vcpu=svm: the flat 32-bit guest needs 1M..4G of memory and 1M of backing\n",
				    name);
		return -EINVAL;
	}
	if (p->leaf_level > TDPR_PG_LEVEL_2M) {
		pr_warn_ratelimited("create %s: vcpu=svm: huge=1g leaves wrap inside a smaller block, which only the software walker can do\n",
				    name);
		return -EINVAL;
	}
	return 0;
}

int tdpr_svm_vm_get(const char *name)
{
	char who[TDPR_NAME_MAX + 8];

	snprintf(who, sizeof(who), "create %s", name);
	return tdpr_svm_get(who);
}

void tdpr_svm_vm_put(void)
{
	tdpr_svm_put();
}

void tdpr_svm_vcpu_reset(struct tdpr_svm_vcpu *sv)
{
	tdpr_svm_init_state(sv->svm, sv->asid);
	memset(&sv->regs, 0, sizeof(sv->regs));
	sv->log_full = false;
	/* xorshift32 must not start at 0. */
	sv->regs.rsi = (0x9e3779b9U * (sv->idx + 1)) | 1;
	tdpr_svm_set_entry(sv->svm, (sv->code_gfn << PAGE_SHIFT) + TDPR_SVM_CODE_OFF,
			   (sv->log_gfn << PAGE_SHIFT) + TDPR_SVM_LOG_OFF, 0);
	sv->flush = true;
}

u64 tdpr_svm_work_frames(struct tdpr_vm *vm)
{
	u64 nr = tdpr_vm_nr_gfns(vm);

	return nr > TDPR_SVM_RESERVED_FRAMES ? nr - TDPR_SVM_RESERVED_FRAMES : 0;
}

struct tdpr_svm_vcpu *tdpr_svm_vcpu_create(struct tdpr_vm *vm, unsigned int idx)
{
	size_t len = tdpr_svm_guest_end - tdpr_svm_guest_start;
	u64 nr = tdpr_vm_nr_gfns(vm);
	struct tdpr_svm_vcpu *sv;
	int asid;

	if (WARN_ON_ONCE(idx >= TDPR_MAX_VCPUS || nr <= TDPR_SVM_RESERVED_FRAMES))
		return NULL;
	sv = kzalloc(sizeof(*sv), GFP_KERNEL);
	if (!sv)
		return NULL;
	asid = ida_alloc_range(&tdpr_svm_asids, tdpr_svm_first_asid(), tdpr_svm_nr_asids() - 1,
			       GFP_KERNEL);
	if (asid < 0)
		goto fail;
	sv->asid = asid;
	sv->svm = tdpr_svm_alloc(asid);
	if (!sv->svm)
		goto fail;
	sv->vm = vm;
	sv->idx = idx;
	sv->work_gfns = tdpr_svm_work_frames(vm);
	sv->code_gfn = sv->work_gfns;
	sv->log_gfn = sv->code_gfn + 1 + idx;
	/* vCPU 0 starts first, while no guest runs the program. */
	if (!idx &&
	    tdpr_backing_write(vm, sv->code_gfn, TDPR_SVM_CODE_OFF, tdpr_svm_guest_start, len))
		goto fail;
	tdpr_svm_vcpu_reset(sv);
	return sv;
fail:
	tdpr_svm_vcpu_free(sv);
	return NULL;
}

void tdpr_svm_vcpu_free(struct tdpr_svm_vcpu *sv)
{
	if (!sv)
		return;
	tdpr_svm_free(sv->svm);
	if (sv->asid)
		ida_free(&tdpr_svm_asids, sv->asid);
	kfree(sv);
}

void tdpr_svm_vcpu_flush(struct tdpr_svm_vcpu *sv)
{
	sv->flush = true;
}

/*
 * One guest frame as the root maps it now, against the page behind it: a
 * root that maps another page is tdproot's bug; a right translation the
 * guest did not use is an older one the CPU still held.
 */
static void tdpr_svm_explain_gfn(struct tdpr_svm_vcpu *sv, struct tdpr_root *root,
				 const char *what, u64 gfn)
{
	u64 pfn, want;

	if (gfn >= tdpr_vm_nr_gfns(sv->vm)) {
		pr_err("vcpu=svm: %s: gfn 0x%llx is outside guest memory\n", what, gfn);
		return;
	}
	want = tdpr_backing_pfn(sv->vm, gfn);
	if (tdpr_translate(sv->vm, root, gfn, false, &pfn))
		pr_err("vcpu=svm: %s: gfn 0x%llx is not mapped now (its page: pfn 0x%llx)\n",
		       what, gfn, want);
	else
		pr_err("vcpu=svm: %s: gfn 0x%llx maps pfn 0x%llx, its page is pfn 0x%llx%s\n",
		       what, gfn, pfn, want, pfn == want ? "" : ": THE ROOT MAPS ANOTHER PAGE");
}

/* Whether the program's page still holds it: 1, 0, or -EBUSY (a migrate holds the pool). */
static int tdpr_svm_program_intact(struct tdpr_svm_vcpu *sv, size_t *differs)
{
	size_t len = tdpr_svm_guest_end - tdpr_svm_guest_start, i;
	u8 *prog = kmalloc(len, GFP_KERNEL);
	int ret;

	if (!prog)
		return -ENOMEM;
	/* Not waiting: a migrate holding the pool waits for this vCPU. */
	ret = tdpr_backing_try_read(sv->vm, sv->code_gfn, TDPR_SVM_CODE_OFF, prog, len);
	if (!ret) {
		for (i = 0; i < len && prog[i] == tdpr_svm_guest_start[i]; i++)
			;
		*differs = i;
		ret = i == len;
	}
	kfree(prog);
	return ret;
}

/*
 * With the reason, the guest's registers and what a KVM user could not
 * see: where the vCPU's root maps the program's frame and the one the
 * guest last executed in, and whether the program is still in its page.
 */
static void tdpr_svm_explain(struct tdpr_svm_vcpu *sv, struct tdpr_root *root)
{
	size_t len = tdpr_svm_guest_end - tdpr_svm_guest_start;
	u64 rip = tdpr_svm_rip(sv->svm);
	size_t i;
	int ret;

	pr_err("vcpu=svm: vCPU %u (asid %u): rip 0x%llx rsp 0x%x rbx 0x%llx rsi 0x%llx rdi 0x%llx rbp 0x%llx, nCR3 0x%llx\n",
	       sv->idx, sv->asid, rip, tdpr_svm_rsp(sv->svm), sv->regs.rbx, sv->regs.rsi,
	       sv->regs.rdi, sv->regs.rbp, (u64)tdpr_root_hpa(root));
	for (i = min(sv->nr_exits, TDPR_SVM_EXITS_KEPT); i > 0; i--) {
		const struct tdpr_svm_exit *e =
			&sv->exits[(sv->nr_exits - i) % TDPR_SVM_EXITS_KEPT];

		pr_err("vcpu=svm: exit -%zu: 0x%llx info 0x%llx 0x%llx at rip 0x%llx rsp 0x%x rax 0x%llx %pS (entered at 0x%llx, VM_HSAVE_PA 0x%llx)\n",
		       i, e->code, e->info1, e->info2, e->rip, e->rsp, e->rax,
		       (void *)(unsigned long)e->rip, e->entry_rip, e->hsave);
	}
	tdpr_svm_describe(sv->svm);
	tdpr_svm_explain_gfn(sv, root, "program", sv->code_gfn);
	if (rip >> PAGE_SHIFT != sv->code_gfn)
		tdpr_svm_explain_gfn(sv, root, "rip", rip >> PAGE_SHIFT);
	ret = tdpr_svm_program_intact(sv, &i);
	if (ret == 1)
		pr_err("vcpu=svm: the program's page holds the program\n");
	else if (!ret)
		pr_err("vcpu=svm: the program's page differs from the program at byte %zu of %zu\n",
		       i, len);
	else
		pr_err("vcpu=svm: the program's page was not read (%d: a migrate holds the pool)\n",
		       ret);
}

/* The guest cannot go on: a user of KVM would see it crash. */
static int tdpr_svm_guest_died(struct tdpr_svm_vcpu *sv, struct tdpr_root *root,
			       const char *fmt, ...)
{
	static bool warned;	/* as WARN_ONCE(), with the explanation */
	struct va_format vaf;
	va_list args;

	tdpr_stat_inc(tdpr_vm_stats(sv->vm), TDPR_STAT_integrity_errors);
	if (READ_ONCE(warned))
		return -EIO;
	WRITE_ONCE(warned, true);
	/* First: with panic_on_warn the WARN is the last line printed. */
	tdpr_svm_explain(sv, root);
	va_start(args, fmt);
	vaf.fmt = fmt;
	vaf.va = &args;
	WARN(1, "vcpu=svm: %pV\n", &vaf);
	va_end(args);
	return -EIO;
}

/*
 * The guest ran outside its program. On a CPU that is a translation of the
 * program's frame to another page, or a program overwritten; QEMU 7.2's
 * TCG did it with neither (README, "Hardware vCPUs"). Told apart by an audit
 * of the root the guest ran on, under mmu_lock for write: if every leaf maps
 * its frame's page and the program is intact (or cannot be read now), the
 * emulator's, counted in emulator_faults; else a death.
 */
static int tdpr_svm_left_program(struct tdpr_svm_vcpu *sv, struct tdpr_root *root, u64 code,
				 u64 info1, u64 info2)
{
	u64 rip = tdpr_svm_rip(sv->svm), bad_gfn = 0, bad_pfn = 0, bad;
	static bool explained;
	size_t differs;

	bad = tdpr_root_audit(sv->vm, root, &bad_gfn, &bad_pfn);
	if (bad)
		return tdpr_svm_guest_died(sv, root,
					   "the guest stopped: exit 0x%llx info 0x%llx 0x%llx at rip 0x%llx, outside its program; the root maps %llu frames elsewhere, gfn 0x%llx to pfn 0x%llx first",
					   code, info1, info2, rip, bad, bad_gfn, bad_pfn);
	if (!tdpr_svm_program_intact(sv, &differs))
		return tdpr_svm_guest_died(sv, root,
					   "the guest stopped: exit 0x%llx info 0x%llx 0x%llx at rip 0x%llx, outside its program, which differs at byte %zu",
					   code, info1, info2, rip, differs);
	tdpr_stat_inc(tdpr_vm_stats(sv->vm), TDPR_STAT_emulator_faults);
	pr_warn_ratelimited("vcpu=svm: emulator fault: exit 0x%llx at rip 0x%llx (entered at 0x%llx), outside the program, while the root maps every frame to its page; the guest starts again\n",
			    code, rip, tdpr_svm_entry_rip(sv->svm));
	if (!xchg(&explained, true))
		tdpr_svm_explain(sv, root);
	return -EIO;
}

/*
 * The guest reported a full log: check every record, start the log again
 * and step over the VMMCALL.
 */
static int tdpr_svm_check_log(struct tdpr_svm_vcpu *sv, struct tdpr_root *root)
{
	u32 start = (sv->log_gfn << PAGE_SHIFT) + TDPR_SVM_LOG_OFF;
	u32 n = (tdpr_svm_rsp(sv->svm) - start) / TDPR_SVM_RECORD;
	struct tdpr_stats *stats = tdpr_vm_stats(sv->vm);
	int ret;
	u32 i;

	if (n > TDPR_SVM_LOG_RECORDS)
		return tdpr_svm_guest_died(sv, root,
					   "the guest stopped at rip 0x%llx: its log pointer left the log",
					   tdpr_svm_rip(sv->svm));
	ret = tdpr_backing_try_read(sv->vm, sv->log_gfn, TDPR_SVM_LOG_OFF, sv->rec,
				    n * TDPR_SVM_RECORD);
	if (ret)
		return ret;	/* -EBUSY: VMMCALL runs again after the requests */
	for (i = 0; i < n; i++) {
		u32 *r = sv->rec[i];
		u64 gfn = r[0] & ~TDPR_SVM_REC_WRITE;

		if (gfn >= sv->work_gfns)
			return tdpr_svm_guest_died(sv, root,
						   "the guest stopped at rip 0x%llx: it logged a frame outside its workload",
						   tdpr_svm_rip(sv->svm));
		/* A bad record is counted there; the guest goes on. */
		tdpr_backing_check_guest(sv->vm, gfn, r[0] & TDPR_SVM_REC_WRITE,
					 r[1] | (u64)r[2] << 32, r[3]);
	}
	tdpr_svm_set_rsp(sv->svm, start);
	tdpr_svm_set_rip(sv->svm, tdpr_svm_rip(sv->svm) + TDPR_VMMCALL_LEN);
	sv->log_full = false;
	tdpr_stat_add(stats, TDPR_STAT_guest_accesses, n);
	return n;
}

/*
 * Test hook: the next exit of any svm vCPU is made to look like one of the
 * emulator's faults (README, "What the emulator did"), so the suite checks
 * that each is told apart from a death of tdproot's: 1 the host's state in
 * the VMCB, 2 a RIP outside the program. Reads 0 again once planted.
 */
static unsigned int svm_plant_emulator_fault;

static int tdpr_svm_plant_set(const char *val, const struct kernel_param *kp)
{
	unsigned int form;

	if (kstrtouint(val, 0, &form) || form > 2) {
		pr_warn_ratelimited("svm_plant_emulator_fault: '%s' is not 0, 1 or 2\n", val);
		return -EINVAL;
	}
	WRITE_ONCE(svm_plant_emulator_fault, form);
	return 0;
}

static const struct kernel_param_ops tdpr_svm_plant_ops = {
	.set = tdpr_svm_plant_set,
	.get = param_get_uint,
};

module_param_cb(svm_plant_emulator_fault, &tdpr_svm_plant_ops, &svm_plant_emulator_fault, 0600);
MODULE_PARM_DESC(svm_plant_emulator_fault,
		 "Test: make the next svm exit look like emulator fault 1 (host state in the VMCB) or 2 (RIP outside the program)");

static void tdpr_svm_plant(struct tdpr_svm_vcpu *sv, u64 program_end)
{
	if (likely(!READ_ONCE(svm_plant_emulator_fault)))
		return;
	switch (xchg(&svm_plant_emulator_fault, 0)) {
	case 1:
		tdpr_svm_plant_host_state(sv->svm);
		break;
	case 2:
		/* Where form 2 was seen: a page past the program's end. */
		tdpr_svm_set_rip(sv->svm, program_end + PAGE_SIZE);
		break;
	}
}

int tdpr_svm_vcpu_run(struct tdpr_svm_vcpu *sv, struct tdpr_root *root, struct tdpr_client *client,
		      const struct tdpr_workload *wl, struct tdpr_pt_cache *cache)
{
	struct tdpr_stats *stats = tdpr_vm_stats(sv->vm);
	phys_addr_t ncr3 = tdpr_root_hpa(root);
	u64 prog_len = tdpr_svm_guest_end - tdpr_svm_guest_start;
	u64 prog = sv->code_gfn << PAGE_SHIFT;
	u64 code, info1, info2, gfn, rip;

	/*
	 * A hypercall completes before the guest runs again: a log a migrate
	 * kept from being read is read now, not by running VMMCALL once more.
	 */
	if (sv->log_full)
		return tdpr_svm_check_log(sv, root);

	sv->regs.rdi = wl->frames ?: sv->work_gfns;
	sv->regs.rbp = wl->pattern | wl->write_pct << 8;

	/*
	 * The last look at the requests, in the same RCU read-side section
	 * (preemption off) as VMRUN: a zap_all that asks for a reload after
	 * it frees the old root's tables only after this guest run exits, and
	 * the next pass of the vCPU loop takes the request first.
	 */
	preempt_disable();
	if (tdpr_client_pending(sv->vm, client)) {
		preempt_enable();
		return 0;
	}
	code = tdpr_svm_run(sv->svm, &sv->regs, ncr3, sv->flush, &info1, &info2);
	preempt_enable();
	if (code == TDPR_SVM_EXIT_NOT_OURS) {
		tdpr_stat_inc(stats, TDPR_STAT_invariant_errors);
		WARN_ONCE(1, "vcpu=svm: another hypervisor took SVM on a CPU; the guest waits\n");
		return -EIO;
	}
	sv->flush = false;
	tdpr_stat_inc(stats, TDPR_STAT_vmruns);
	tdpr_svm_plant(sv, prog + TDPR_SVM_CODE_OFF + prog_len);
	sv->exits[sv->nr_exits++ % TDPR_SVM_EXITS_KEPT] = (struct tdpr_svm_exit) {
		.code = code, .info1 = info1, .info2 = info2,
		.rip = tdpr_svm_rip(sv->svm), .rsp = tdpr_svm_rsp(sv->svm),
		.rax = tdpr_svm_rax(sv->svm),
		.entry_rip = tdpr_svm_entry_rip(sv->svm),
		.hsave = tdpr_svm_exit_hsave(sv->svm),
	};

	/*
	 * The VMCB holds the host's state as VMRUN saved it, while this CPU's
	 * host save area is elsewhere: no CPU does that, QEMU 7.2's TCG did
	 * (README, "Hardware vCPUs"). Not the lifecycle's failure: counted
	 * apart, reported once in full, and the guest starts again.
	 */
	if (tdpr_svm_holds_host_state(sv->svm)) {
		static bool explained;

		tdpr_stat_inc(stats, TDPR_STAT_emulator_faults);
		pr_warn_ratelimited("vcpu=svm: emulator fault: after exit 0x%llx the VMCB holds the host's state (RIP %pS, RAX the VMCB); VM_HSAVE_PA is 0x%llx; the guest starts again\n",
				    code, tdpr_svm_vmrun_resume,
				    tdpr_svm_exit_hsave(sv->svm));
		if (!xchg(&explained, true))
			tdpr_svm_explain(sv, root);
		return -EIO;
	}

	/* The program is all the guest may run: anything else is a wild jump. */
	rip = tdpr_svm_rip(sv->svm) - prog;
	if (code != TDPR_SVM_EXIT_INVALID &&
	    (rip < TDPR_SVM_CODE_OFF || rip >= TDPR_SVM_CODE_OFF + prog_len))
		return tdpr_svm_left_program(sv, root, code, info1, info2);

	switch (code) {
	case TDPR_SVM_EXIT_INTR:
	case TDPR_SVM_EXIT_NMI:
	case TDPR_SVM_EXIT_SMI:
	case TDPR_SVM_EXIT_INIT:
	case TDPR_SVM_EXIT_MC:
		return 0;	/* the host's: taken when interrupts came back on */
	case TDPR_SVM_EXIT_VMMCALL:
		sv->log_full = true;
		return tdpr_svm_check_log(sv, root);
	case TDPR_SVM_EXIT_NPF:
		tdpr_stat_inc(stats, TDPR_STAT_npf_exits);
		gfn = info2 >> PAGE_SHIFT;
		/*
		 * Reserved bits: no tdproot path writes them into a live entry,
		 * only the poison of a table whose grace period ended.
		 */
		if (info1 & TDPR_SVM_NPF_RSVD)
			return tdpr_svm_guest_died(sv, root,
						   "a vCPU walked a freed table (the CPU's nested walk for gpa 0x%llx under nCR3 0x%llx: NPF with reserved bits)",
						   info2, (u64)ncr3);
		if (gfn >= tdpr_vm_nr_gfns(sv->vm))
			break;
		return tdpr_fault(sv->vm, root, gfn, info1 & TDPR_SVM_NPF_WRITE, cache);
	case TDPR_SVM_EXIT_INVALID:
		/* A VMCB the CPU refused: tdproot's bug, not the guest's. */
		tdpr_stat_inc(stats, TDPR_STAT_invariant_errors);
		WARN_ONCE(1, "vcpu=svm: VMRUN refused the VMCB\n");
		return -EIO;
	}
	/* An exception, a shutdown, or a fault outside guest memory: the guest died. */
	return tdpr_svm_guest_died(sv, root,
				   "the guest stopped: exit 0x%llx info 0x%llx 0x%llx at rip 0x%llx",
				   code, info1, info2, tdpr_svm_rip(sv->svm));
}
