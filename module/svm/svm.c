// SPDX-License-Identifier: GPL-2.0-only
/*
 * pvhv AMD SVM backend: detection and per-CPU enable.
 *
 * References: AMD64 Architecture Programmer's Manual vol. 2 (24593), ch. 15
 * "Secure Virtual Machine": 15.4 "Enabling SVM", 15.5 "VMRUN", 15.9-15.13
 * (intercepts: instructions, I/O 15.10, MSRs 15.11), 15.16 "TLB Control",
 * 15.17 "Global Interrupt Flag", 15.20 "Event Injection", 15.21 "Interrupt
 * and LDT virtualization", 15.25 "Nested Paging", 15.30.1 "VM_CR MSR",
 * 15.30.4 "VM_HSAVE_PA MSR"; Appendix B (VMCB layout), C (exit codes).
 *
 * Locking: the per-CPU state (svm_hsave, svm_host_save, svm_enabled) is
 * written only by the CPU hotplug and syscore callbacks, which the core
 * serializes. The module-wide tables (svm_iopm, svm_msrpm) are written once
 * in hardware_setup. ASIDs come from an IDA (its own lock). A vCPU's VMCB
 * belongs to its thread; the nested page tables are x86/npt.c's.
 *
 * What is here is what only AMD has: the VMCB, VMRUN, the decoding of its
 * exits into the x86 layer's terms (x86/vcpu.h), ASID flushes. The rules
 * for what a guest may do are the x86 layer's (x86/).
 */
#define pr_fmt(fmt) "pvhv: svm: " fmt

#include <linux/gfp.h>
#include <linux/idr.h>
#include <linux/list.h>
#include <linux/mm.h>
#include <linux/percpu.h>
#include <linux/ratelimit.h>
#include <linux/slab.h>
#include <linux/smp.h>
#include <linux/topology.h>
#include <asm/debugreg.h>
#include <asm/fpu/api.h>
#include <asm/fpu/xcr.h>
#include <asm/io.h>
#include <asm/msr.h>
#include <asm/msr-index.h>
#include <asm/processor.h>
#include <asm/special_insns.h>
#include <asm/trapnr.h>
#include <xen/interface/xen.h>
#include <xen/interface/hvm/hvm_vcpu.h>

#include "../compat.h"
#include "../core.h"
#include "../x86/x86.h"
#include "vmcb.h"

/* CPUID Fn8000_0001_ECX[2]: SVM (APM vol. 2, 15.4). */
#define SVM_CPUID_EXT_FEATURES		0x80000001
#define SVM_CPUID_ECX_SVM		BIT(2)
/* CPUID Fn8000_000A: SVM revision and features; EDX[0] = nested paging. */
#define SVM_CPUID_FEATURES		0x8000000a
#define SVM_CPUID_EDX_NP		BIT(0)
/* VM_CR MSR C001_0114h (APM vol. 2, 15.30.1): LOCK bit 3, SVMDIS bit 4. */
#define SVM_VM_CR_LOCK			BIT(3)
#define SVM_VM_CR_SVMDIS		BIT(4)

/* CPUID Fn8000_000A: EBX number of ASIDs; EDX[6] FlushByAsid. */
#define SVM_CPUID_EDX_FLUSH_BY_ASID	BIT(6)

/* The host save area of each CPU (APM 15.30.4); owned by that CPU. */
static DEFINE_PER_CPU(struct page *, svm_hsave);
/* Where VMSAVE puts the host's FS/GS/TR/... around a guest entry. */
static DEFINE_PER_CPU(struct page *, svm_host_save);
/* Whether this CPU has EFER.SVME set by us. */
static DEFINE_PER_CPU(bool, svm_enabled);
/*
 * The vCPU that last entered a guest on this CPU; written and read by this
 * CPU with interrupts off. Compared, never dereferenced.
 */
static DEFINE_PER_CPU(const void *, svm_last_vcpu);

static int svm_probe(char *reason, size_t len)
{
	u32 eax, ebx, ecx, edx;
	u64 vm_cr;

	if (cpuid_eax(0x80000000) < SVM_CPUID_FEATURES) {
		snprintf(reason, len, "SVM not present");
		return -ENODEV;
	}
	cpuid(SVM_CPUID_EXT_FEATURES, &eax, &ebx, &ecx, &edx);
	if (!(ecx & SVM_CPUID_ECX_SVM)) {
		snprintf(reason, len, "SVM not present");
		return -ENODEV;
	}
	if (rdmsrl_safe(MSR_VM_CR, &vm_cr)) {
		snprintf(reason, len, "SVM present but VM_CR unreadable");
		return -ENODEV;
	}
	if (vm_cr & SVM_VM_CR_SVMDIS) {
		snprintf(reason, len, "SVM disabled by firmware (VM_CR.SVMDIS%s)",
			 (vm_cr & SVM_VM_CR_LOCK) ? ", locked" : "");
		return -EPERM;
	}
	cpuid(SVM_CPUID_FEATURES, &eax, &ebx, &ecx, &edx);
	if (!(edx & SVM_CPUID_EDX_NP)) {
		snprintf(reason, len, "SVM without nested paging (NPT)");
		return -ENODEV;
	}
	return 0;
}

static struct page *svm_alloc_page(int node)
{
	struct page *page = alloc_pages_node(node, GFP_KERNEL | __GFP_ZERO, 0);

	if (page)
		atomic64_inc(&pvhv_counters.objects);
	return page;
}

static void svm_free_page(struct page *page)
{
	if (!page)
		return;
	__free_page(page);
	atomic64_dec(&pvhv_counters.objects);
}

static void svm_cpu_unprepare(unsigned int cpu)
{
	svm_free_page(per_cpu(svm_hsave, cpu));
	per_cpu(svm_hsave, cpu) = NULL;
	svm_free_page(per_cpu(svm_host_save, cpu));
	per_cpu(svm_host_save, cpu) = NULL;
}

static int svm_cpu_prepare(unsigned int cpu)
{
	if (!per_cpu(svm_hsave, cpu))
		per_cpu(svm_hsave, cpu) = svm_alloc_page(cpu_to_node(cpu));
	if (!per_cpu(svm_host_save, cpu))
		per_cpu(svm_host_save, cpu) = svm_alloc_page(cpu_to_node(cpu));
	if (!per_cpu(svm_hsave, cpu) || !per_cpu(svm_host_save, cpu)) {
		svm_cpu_unprepare(cpu);
		return -ENOMEM;
	}
	return 0;
}

static int svm_cpu_enable(char *reason, size_t len)
{
	struct page *hsave = this_cpu_read(svm_hsave);
	u64 efer;

	rdmsrl(MSR_EFER, efer);
	if (efer & EFER_SVME) {
		snprintf(reason, len,
			 "SVM is in use by another hypervisor (EFER.SVME already set on CPU %d; kvm_amd?)",
			 raw_smp_processor_id());
		return -EBUSY;
	}
	if (!hsave) {
		snprintf(reason, len, "no host save area for CPU %d", raw_smp_processor_id());
		return -ENOMEM;
	}
	/* APM 15.4: set EFER.SVME, then VM_HSAVE_PA before the first VMRUN. */
	wrmsrl(MSR_EFER, efer | EFER_SVME);
	wrmsrl(MSR_VM_HSAVE_PA, page_to_phys(hsave));
	this_cpu_write(svm_enabled, true);
	return 0;
}

static void svm_cpu_disable(void)
{
	u64 efer;

	if (!this_cpu_read(svm_enabled))
		return;
	wrmsrl(MSR_VM_HSAVE_PA, 0);
	rdmsrl(MSR_EFER, efer);
	wrmsrl(MSR_EFER, efer & ~EFER_SVME);
	this_cpu_write(svm_enabled, false);
}

/* --- module-wide tables ------------------------------------------------ */

static struct page *svm_iopm;		/* 12 KiB, all ones: every port intercepted */
static struct page *svm_msrpm;		/* 8 KiB: MSRs intercepted but the VMLOAD ones */
static DEFINE_IDA(svm_asids);
static u32 svm_nr_asids;
static bool svm_flush_by_asid;

/* MSRPM (APM 15.11): two bits per MSR, three 2 KiB ranges. */
static void svm_msrpm_passthrough(u8 *map, u32 msr)
{
	u32 base, off;

	if (msr <= 0x1fff)
		base = 0, off = 0;
	else if (msr >= 0xc0000000 && msr <= 0xc0001fff)
		base = 0xc0000000, off = 0x800;
	else
		base = 0xc0010000, off = 0x1000;
	off = off * 8 + (msr - base) * 2;
	map[off / 8] &= ~(3 << (off % 8));
}

static int svm_hardware_setup(char *reason, size_t len)
{
	static const u32 passthrough[] = {
		MSR_FS_BASE, MSR_GS_BASE, MSR_KERNEL_GS_BASE, MSR_STAR, MSR_LSTAR,
		MSR_CSTAR, MSR_SYSCALL_MASK, MSR_IA32_SYSENTER_CS,
		MSR_IA32_SYSENTER_ESP, MSR_IA32_SYSENTER_EIP,
	};
	u8 *msrpm;
	int i;

	svm_nr_asids = cpuid_ebx(SVM_CPUID_FEATURES);
	svm_flush_by_asid = cpuid_edx(SVM_CPUID_FEATURES) & SVM_CPUID_EDX_FLUSH_BY_ASID;
	if (svm_nr_asids < 2) {
		snprintf(reason, len, "SVM without guest ASIDs");
		return -ENODEV;
	}

	svm_iopm = alloc_pages(GFP_KERNEL, 2);
	svm_msrpm = alloc_pages(GFP_KERNEL, 1);
	if (!svm_iopm || !svm_msrpm) {
		if (svm_iopm)
			__free_pages(svm_iopm, 2);
		if (svm_msrpm)
			__free_pages(svm_msrpm, 1);
		snprintf(reason, len, "out of memory for the I/O and MSR permission maps");
		return -ENOMEM;
	}
	memset(page_address(svm_iopm), 0xff, 4 * PAGE_SIZE);
	msrpm = page_address(svm_msrpm);
	memset(msrpm, 0xff, 2 * PAGE_SIZE);
	/* Switched by VMLOAD/VMSAVE on every entry: safe to give the guest. */
	for (i = 0; i < ARRAY_SIZE(passthrough); i++)
		svm_msrpm_passthrough(msrpm, passthrough[i]);
	atomic64_add(6, &pvhv_counters.objects);
	return 0;
}

static void svm_hardware_unsetup(void)
{
	__free_pages(svm_iopm, 2);
	__free_pages(svm_msrpm, 1);
	atomic64_sub(6, &pvhv_counters.objects);
	ida_destroy(&svm_asids);
}

/* --- nested paging (APM 15.25; the tables are x86/npt.c's) ------------------ */

#define NPT_P		BIT_ULL(0)
#define NPT_RW		BIT_ULL(1)
#define NPT_US		BIT_ULL(2)	/* nested walks are user accesses (APM 15.25.5) */
#define NPF_P		BIT_ULL(0)	/* nested fault error code: the entry was present */
#define NPF_RW		BIT_ULL(1)	/* ... on a write */
#define NPF_ID		BIT_ULL(4)	/* ... on an instruction fetch */
#define NPF_GPT		BIT_ULL(33)	/* ... on the guest's page-table walk */

/* APM 15.25.3: nested tables use the host's paging mode, 5-level with LA57. */
static bool svm_npt_five_level(void)
{
	return __read_cr4() & X86_CR4_LA57;
}

static int svm_domain_init(struct pvhv_domain *d)
{
	return 0;	/* nothing per domain beyond the tables */
}

static void svm_domain_free(struct pvhv_domain *d)
{
}

/* --- vCPUs ------------------------------------------------------------ */

struct svm_vcpu {
	struct vmcb *vmcb;
	u64 vmcb_pa;
	u32 asid;
	int npt_gen;		/* pvhv_npt.gen when this ASID was last flushed */
	bool flush;		/* an emulated CR write: flush this ASID */
	u64 last_exit;		/* the previous exit's code, for reports */
};

asmlinkage void pvhv_svm_vmrun(u64 *regs, u64 vmcb_pa, u64 host_save_pa);
extern const char pvhv_svm_vmrun_exit[];

static int svm_vcpu_create(struct pvhv_vcpu *v)
{
	struct svm_vcpu *s;
	struct vmcb_ctrl *c;
	struct page *page;
	int asid;

	s = kzalloc(sizeof(*s), GFP_KERNEL_ACCOUNT);
	if (!s)
		return -ENOMEM;
	asid = ida_alloc_range(&svm_asids, 1, svm_nr_asids - 1, GFP_KERNEL);
	if (asid < 0)
		goto err_free_s;
	page = svm_alloc_page(NUMA_NO_NODE);
	if (!page)
		goto err_free_asid;
	s->vmcb = page_address(page);
	s->vmcb_pa = page_to_phys(page);
	s->asid = asid;

	c = &s->vmcb->ctrl;
	/*
	 * MOV to CR4: the CPU would accept any bit the host's hardware has,
	 * the x86 layer only what the guest's CPUID offers. CR0 has no such
	 * bits (its reserved ones the CPU checks itself) and is not intercepted.
	 * CR8 is the local APIC's TPR, which the x86 layer holds (x86/lapic.c):
	 * both directions exit, as with VMX's CR8-load/store exiting (the CR8
	 * intercepts come before V_TPR is used, as KVM's CR8 write intercept
	 * relies on; APM 15.21.4).
	 */
	c->intercept_cr = SVM_INTERCEPT_CR_WRITE(4) | SVM_INTERCEPT_CR_READ(8) |
			  SVM_INTERCEPT_CR_WRITE(8);
	/*
	 * #UD: VMCALL from a guest written for VMX. #DB and #AC are reflected
	 * back (x86/exit.c): a guest can make the delivery of either raise
	 * itself again (a misaligned CPL 3 stack, a DR7 breakpoint on the IDT
	 * or stack), a loop inside one event delivery that never lets a host
	 * interrupt in and hangs the CPU (CVE-2015-5307, CVE-2015-8104; APM
	 * 15.12 "Exception intercepts"). Intercepted, each is a #VMEXIT.
	 */
	c->intercept_exc = BIT(X86_TRAP_DB) | BIT(X86_TRAP_UD) | BIT(X86_TRAP_AC);
	/* Every MOV from/to DR0-7 (VMCB 004h, APM vol. 2 Table B-1): the x86 layer's DRs. */
	c->intercept_dr = 0x00ff00ff;
	c->intercept_misc1 = SVM_MISC1_INTR | SVM_MISC1_NMI | SVM_MISC1_SMI | SVM_MISC1_INIT |
			     SVM_MISC1_CPUID | SVM_MISC1_INVD | SVM_MISC1_HLT |
			     SVM_MISC1_INVLPGA | SVM_MISC1_IOIO | SVM_MISC1_MSR |
			     SVM_MISC1_TASKSW | SVM_MISC1_SHUTDOWN;
	c->intercept_misc2 = SVM_MISC2_VMRUN | SVM_MISC2_VMMCALL | SVM_MISC2_VMLOAD |
			     SVM_MISC2_VMSAVE | SVM_MISC2_STGI | SVM_MISC2_CLGI |
			     SVM_MISC2_SKINIT | SVM_MISC2_RDTSCP | SVM_MISC2_MONITOR | SVM_MISC2_MWAIT |
			     SVM_MISC2_MWAIT_COND | SVM_MISC2_XSETBV | SVM_MISC2_RDPRU;
	c->iopm_base_pa = page_to_phys(svm_iopm);
	c->msrpm_base_pa = page_to_phys(svm_msrpm);
	c->asid = s->asid;
	c->tlb_control = SVM_TLB_CONTROL_FLUSH_ALL;
	c->int_ctl = SVM_INT_CTL_V_INTR_MASKING;
	c->nested_ctl = SVM_NESTED_CTL_NP_ENABLE;
	c->n_cr3 = page_to_phys(v->d->npt.root);
	v->arch = s;
	return 0;

err_free_asid:
	ida_free(&svm_asids, asid);
err_free_s:
	kfree(s);
	return -ENOMEM;
}

static void svm_vcpu_free(struct pvhv_vcpu *v)
{
	struct svm_vcpu *s = v->arch;

	if (!s)
		return;
	svm_free_page(virt_to_page(s->vmcb));
	ida_free(&svm_asids, s->asid);
	kfree(s);
	v->arch = NULL;
}

static struct vmcb *svm_vmcb(struct pvhv_vcpu *v)
{
	return ((struct svm_vcpu *)v->arch)->vmcb;
}

static void svm_load_seg(struct vmcb_seg *seg, const struct pvhv_x86_seg *x)
{
	seg->selector = x->sel;
	seg->attrib = x->attr;	/* the VMCB packs them as Xen does */
	seg->limit = x->limit;
	seg->base = x->base;
}

/*
 * A whole state the x86 layer checked. EFER.SVME must be set in a guest's
 * VMCB (APM 15.5.1); the guest reads EFER through an intercept that hides
 * it. DR6/DR7 stay at their reset values: the guest's are the x86 layer's.
 */
static void svm_set_state(struct pvhv_vcpu *v, const struct pvhv_x86_state *x)
{
	struct svm_vcpu *s = v->arch;
	struct vmcb_save *st = &s->vmcb->save;

	memset(st, 0, sizeof(*st));
	svm_load_seg(&st->cs, &x->cs);
	svm_load_seg(&st->ds, &x->ds);
	svm_load_seg(&st->es, &x->es);
	svm_load_seg(&st->ss, &x->ss);
	svm_load_seg(&st->fs, &x->fs);
	svm_load_seg(&st->gs, &x->gs);
	svm_load_seg(&st->tr, &x->tr);
	svm_load_seg(&st->ldtr, &x->ldtr);
	st->gdtr.base = x->gdt_base;
	st->gdtr.limit = x->gdt_limit;
	st->idtr.base = x->idt_base;
	st->idtr.limit = x->idt_limit;
	st->cpl = PVHV_X86_SEG_DPL(x->ss.attr);
	st->cr0 = x->cr0;
	st->cr3 = x->cr3;
	st->cr4 = x->cr4;
	st->efer = x->efer | EFER_SVME;
	st->rflags = x->rflags;
	st->rip = x->rip;
	st->dr6 = DR6_RESERVED;
	st->dr7 = 0x400;
	st->g_pat = 0x0007040600070406ULL;	/* the architectural reset PAT */
	s->vmcb->ctrl.event_inj = 0;
	s->vmcb->ctrl.int_state = 0;
	s->flush = true;
}

static void svm_get_paging(struct pvhv_vcpu *v, struct pvhv_paging *pg)
{
	struct vmcb_save *st = &svm_vmcb(v)->save;

	pg->cr0 = st->cr0;
	pg->cr3 = st->cr3;
	pg->cr4 = st->cr4;
	pg->efer = st->efer & ~EFER_SVME;	/* the guest's view */
	pg->cs_l = st->cs.attrib & BIT(9);
	pg->cs_db = st->cs.attrib & BIT(10);
	pg->mode64 = (st->efer & EFER_LMA) && pg->cs_l;
	pg->cpl = st->cpl;
	pg->cs_base = st->cs.base;
	pg->rip = st->rip;
	pg->rflags = st->rflags;
}

static void svm_skip(struct pvhv_vcpu *v, u32 len)
{
	struct vmcb *vmcb = svm_vmcb(v);

	vmcb->save.rip += len;
	vmcb->ctrl.int_state &= ~1ULL;	/* the instruction ends any STI/MOV SS shadow */
}

/*
 * A CR the x86 layer checked. The CPU did not see the write, so it did not
 * flush either: the ASID is flushed before the next entry, as the
 * instruction's own TLB effects (CR4.PGE/PAE/PSE/SMEP, CR0.PG/WP) require
 * (APM vol. 2 5.5.3).
 */
static void svm_set_cr(struct pvhv_vcpu *v, unsigned int cr, u64 val)
{
	struct svm_vcpu *s = v->arch;
	struct vmcb_save *st = &s->vmcb->save;

	if (cr == 0)
		st->cr0 = val;
	else if (cr == 3)
		st->cr3 = val;
	else if (cr == 4)
		st->cr4 = val;
	if (cr == 2) {
		st->cr2 = val;
		return;
	}
	s->flush = true;
}

/* VMSAVE after each exit keeps FS and GS in the VMCB current (vmrun.S). */
static u64 svm_seg_base(struct pvhv_vcpu *v, unsigned int seg)
{
	struct vmcb_save *st = &svm_vmcb(v)->save;
	const struct vmcb_seg *segs[] = { &st->es, &st->cs, &st->ss, &st->ds, &st->fs, &st->gs };

	return seg < ARRAY_SIZE(segs) ? segs[seg]->base : 0;
}

static void svm_set_efer(struct pvhv_vcpu *v, u64 efer)
{
	svm_vmcb(v)->save.efer = efer | EFER_SVME;	/* SVME must stay set in a guest */
}

/* The CPU loads PAE PDPTEs itself under nested paging: nothing to hold. */
static void svm_set_pdptes(struct pvhv_vcpu *v, const u64 pdpte[4])
{
}

/* MSRs the VMCB's state save area holds (switched by VMRUN and VMLOAD/VMSAVE). */
static u64 *svm_msr_slot(struct vmcb_save *st, u32 msr)
{
	switch (msr) {
	case MSR_IA32_CR_PAT:		return &st->g_pat;
	case MSR_STAR:			return &st->star;
	case MSR_LSTAR:			return &st->lstar;
	case MSR_CSTAR:			return &st->cstar;
	case MSR_SYSCALL_MASK:		return &st->sfmask;
	case MSR_KERNEL_GS_BASE:	return &st->kernel_gs_base;
	case MSR_IA32_SYSENTER_CS:	return &st->sysenter_cs;
	case MSR_IA32_SYSENTER_ESP:	return &st->sysenter_esp;
	case MSR_IA32_SYSENTER_EIP:	return &st->sysenter_eip;
	case MSR_FS_BASE:		return &st->fs.base;
	case MSR_GS_BASE:		return &st->gs.base;
	default:			return NULL;
	}
}

static int svm_get_msr(struct pvhv_vcpu *v, u32 msr, u64 *val)
{
	u64 *slot = svm_msr_slot(&svm_vmcb(v)->save, msr);

	if (!slot)
		return -ENOENT;
	*val = *slot;
	return 0;
}

static int svm_set_msr(struct pvhv_vcpu *v, u32 msr, u64 val)
{
	u64 *slot = svm_msr_slot(&svm_vmcb(v)->save, msr);

	if (!slot)
		return -ENOENT;
	*slot = val;
	return 0;
}

static void svm_inject_exception(struct pvhv_vcpu *v, u8 vector, bool has_error, u32 error)
{
	struct vmcb_ctrl *c = &svm_vmcb(v)->ctrl;

	c->event_inj = vector | SVM_EVTINJ_TYPE_EXCEPTION | SVM_EVTINJ_VALID |
		       (has_error ? SVM_EVTINJ_ERR_VALID | ((u64)error << 32) : 0);
}

/*
 * The pending interrupt (APM 15.20 event injection, 15.21.4 virtual
 * interrupts): inject it if the guest can take an interrupt now, else ask
 * for an exit (VINTR) as soon as it can.
 */
static void svm_deliver_irq(struct pvhv_vcpu *v, struct vmcb *vmcb)
{
	u8 vector = pvhv_x86_pending_irq(v);

	/*
	 * V_TPR mirrors the APIC's TPR[7:4]: a CPU may serve a CR8 read from
	 * it despite the read intercept (QEMU's TCG does), and then reads
	 * what the x86 layer holds.
	 */
	vmcb->ctrl.int_ctl = (vmcb->ctrl.int_ctl & ~0xfU) | pvhv_x86_lapic_cr8(v);
	if (!vector || (vmcb->ctrl.event_inj & SVM_EVTINJ_VALID))
		return;
	if ((vmcb->save.rflags & X86_EFLAGS_IF) && !(vmcb->ctrl.int_state & 1)) {
		vmcb->ctrl.event_inj = vector | SVM_EVTINJ_VALID;	/* type 0: INTR */
		pvhv_x86_irq_injected(v, vector);
		return;
	}
	vmcb->ctrl.int_ctl |= SVM_INT_CTL_V_IRQ | SVM_INT_CTL_V_INTR_PRIO | SVM_INT_CTL_V_IGN_TPR;
	vmcb->ctrl.intercept_misc1 |= SVM_MISC1_VINTR;
}

/*
 * The guest's own page walk of an address, for a crash report: its
 * guest-physical address, or ~0 if the guest's tables do not map it.
 */
static u64 svm_guest_walk(struct pvhv_vcpu *v, u64 gva)
{
	struct pvhv_paging pg;
	u64 gpa;

	svm_get_paging(v, &pg);
	return pvhv_gva_to_gpa(v, &pg, gva, false, &gpa) ? ~0ULL : gpa;
}

/* SHUTDOWN (APM 15.12): the report says where and, walked by us, whether the guest's tables map it. */
static void svm_triple_fault(struct pvhv_vcpu *v, struct vmcb *vmcb)
{
	struct vmcb_save *st = &vmcb->save;

	pvhv_domain_crash(v->d,
			  "triple fault at rip %#llx (rsp %#llx cr0 %#llx cr2 %#llx cr3 %#llx cr4 %#llx efer %#llx cs %#x/%#x ncr3 %s rflags %#llx idtr %#llx/%#x exitintinfo %#llx int_ctl %#llx cpu %d; the guest's tables map rip to %#llx, rsp to %#llx, idtr to %#llx)",
			  st->rip, st->rsp, st->cr0, st->cr2, st->cr3, st->cr4, st->efer,
			  st->cs.selector, st->cs.attrib,
			  vmcb->ctrl.n_cr3 == page_to_phys(v->d->npt.root) ? "ok" : "WRONG",
			  st->rflags, st->idtr.base, st->idtr.limit, (u64)vmcb->ctrl.exit_int_info,
			  (u64)vmcb->ctrl.int_ctl, v->last_cpu, svm_guest_walk(v, st->rip),
			  svm_guest_walk(v, st->rsp - 8), svm_guest_walk(v, st->idtr.base));
}

static void svm_exception(struct pvhv_x86_exit *ex, u8 vector)
{
	ex->kind = PVHV_X86_EXIT_EXCEPTION;
	ex->exc.vector = vector;
}

/* The exit, as the x86 layer sees it (APM Appendix C; EXITINFO per 15.7-15.12). */
static void svm_decode_exit(struct pvhv_vcpu *v, struct vmcb *vmcb, struct pvhv_x86_exit *ex)
{
	u64 code = vmcb->ctrl.exit_code, info1 = vmcb->ctrl.exit_info1;

	memset(ex, 0, sizeof(*ex));
	/* An event whose delivery the exit interrupted is delivered again. */
	if (vmcb->ctrl.exit_int_info & SVM_EVTINJ_VALID)
		vmcb->ctrl.event_inj = vmcb->ctrl.exit_int_info;

	switch (code) {
	case SVM_EXIT_INTR:
	case SVM_EXIT_NMI:
	case SVM_EXIT_SMI:
	case SVM_EXIT_INIT:
		break;	/* the host took it once GIF was set again */
	case SVM_EXIT_VINTR:
		vmcb->ctrl.int_ctl &= ~(SVM_INT_CTL_V_IRQ | SVM_INT_CTL_V_INTR_PRIO |
					SVM_INT_CTL_V_IGN_TPR);
		vmcb->ctrl.intercept_misc1 &= ~SVM_MISC1_VINTR;
		ex->kind = PVHV_X86_EXIT_INTR_WINDOW;
		break;
	case SVM_EXIT_VMMCALL:
		ex->kind = PVHV_X86_EXIT_HYPERCALL;
		ex->insn_len = 3;
		break;
	case SVM_EXIT_EXCP_BASE + X86_TRAP_UD:
		svm_exception(ex, X86_TRAP_UD);
		break;
	case SVM_EXIT_EXCP_BASE + X86_TRAP_DB:
		/*
		 * The VMCB's DR6 says why (as KVM's db_interception() reads
		 * it), and goes back to its reset value for the next. RIP is
		 * where the delivery would have pushed it.
		 */
		svm_exception(ex, X86_TRAP_DB);
		ex->exc.dr6 = vmcb->save.dr6;
		vmcb->save.dr6 = DR6_RESERVED;
		break;
	case SVM_EXIT_EXCP_BASE + X86_TRAP_AC:
		svm_exception(ex, X86_TRAP_AC);
		ex->exc.has_error = true;
		ex->exc.error = info1;	/* the error code (APM 15.12), always 0 for #AC */
		break;
	case SVM_EXIT_READ_DR0 ... SVM_EXIT_WRITE_DR0 + 15:
		/* EXITINFO1 names the GPR only with decode assists: the x86 layer decodes. */
		ex->kind = PVHV_X86_EXIT_DR;
		ex->dr.dr = code & 15;
		ex->dr.write = code >= SVM_EXIT_WRITE_DR0;
		ex->dr.gpr = PVHV_X86_GPR_DECODE;
		break;
	case SVM_EXIT_WRITE_CR0 + 4:
	case SVM_EXIT_WRITE_CR0 + 8:
	case SVM_EXIT_READ_CR0 + 8:
		ex->kind = PVHV_X86_EXIT_CR;
		ex->cr.cr = code & 15;
		ex->cr.type = code >= SVM_EXIT_WRITE_CR0 ? PVHV_X86_CR_WRITE : PVHV_X86_CR_READ;
		ex->cr.gpr = PVHV_X86_GPR_DECODE;
		break;
	case SVM_EXIT_CPUID:
		ex->kind = PVHV_X86_EXIT_CPUID;
		ex->insn_len = 2;
		break;
	case SVM_EXIT_MSR:
		ex->kind = PVHV_X86_EXIT_MSR;
		ex->msr.write = info1 & 1;
		ex->insn_len = 2;
		break;
	case SVM_EXIT_IOIO:
		ex->kind = PVHV_X86_EXIT_IO;
		ex->io.port = info1 >> 16;
		ex->io.size = (info1 >> SVM_IOIO_SIZE_SHIFT) & 7;	/* one-hot: 1, 2 or 4 */
		ex->io.in = info1 & SVM_IOIO_IN;
		ex->io.string = info1 & SVM_IOIO_STR;
		ex->io.rep = info1 & SVM_IOIO_REP;
		/* EXITINFO2 is the next RIP, for every IOIO exit (APM 15.10.2). */
		ex->insn_len = vmcb->ctrl.exit_info2 - vmcb->save.rip;
		break;
	case SVM_EXIT_XSETBV:
		ex->kind = PVHV_X86_EXIT_XSETBV;
		ex->insn_len = 3;
		break;
	case SVM_EXIT_HLT:
		ex->kind = PVHV_X86_EXIT_HLT;
		ex->insn_len = 1;
		break;
	case SVM_EXIT_INVD:
		ex->kind = PVHV_X86_EXIT_NOP;
		ex->insn_len = 2;
		break;
	case SVM_EXIT_VMRUN: case SVM_EXIT_VMLOAD: case SVM_EXIT_VMSAVE:
	case SVM_EXIT_STGI: case SVM_EXIT_CLGI: case SVM_EXIT_SKINIT:
	case SVM_EXIT_RDTSCP:	/* it would read the host's TSC_AUX (its CPU number) */
	case SVM_EXIT_INVLPGA: case SVM_EXIT_MONITOR: case SVM_EXIT_MWAIT:
	case SVM_EXIT_MWAIT_COND: case SVM_EXIT_RDPRU:
		ex->kind = PVHV_X86_EXIT_UD;
		break;
	case SVM_EXIT_SHUTDOWN:
		svm_triple_fault(v, vmcb);
		break;
	case SVM_EXIT_NPF:
		/*
		 * APM 15.25.6: EXITINFO1 is a #PF error code (P, RW, ID) with
		 * bit 33 set for an access of the guest's page walk; EXITINFO2
		 * the address.
		 */
		ex->kind = PVHV_X86_EXIT_NPF;
		ex->npf.gpa = vmcb->ctrl.exit_info2;
		ex->npf.write = info1 & NPF_RW;
		ex->npf.present = info1 & NPF_P;
		ex->npf.fetch = info1 & NPF_ID;
		ex->npf.walk = info1 & NPF_GPT;
		break;
	case SVM_EXIT_INVALID:
		pvhv_domain_crash(v->d, "VMRUN refused the guest state (VMEXIT_INVALID) at rip %#llx",
				  vmcb->save.rip);
		break;
	default:
		pvhv_domain_crash(v->d, "unexpected exit %#llx (info %#llx %#llx) at rip %#llx",
				  code, info1, vmcb->ctrl.exit_info2, vmcb->save.rip);
	}
}

static int svm_vcpu_run(struct pvhv_vcpu *v, struct pvhv_x86_exit *ex)
{
	struct svm_vcpu *s = v->arch;
	struct vmcb *vmcb = s->vmcb;
	int cpu, gen;

	vmcb->save.rax = v->regs[PVHV_RAX];
	vmcb->save.rsp = v->regs[PVHV_RSP];

	kernel_fpu_begin();	/* also disables preemption */
	local_irq_disable();
	cpu = smp_processor_id();
	if (!pvhv_vcpu_enter_guest(v, cpu)) {	/* before the reads a kick announces */
		local_irq_enable();	/* the host wants the CPU, or must stop us */
		kernel_fpu_end();
		memset(ex, 0, sizeof(*ex));
		return 0;
	}
	svm_deliver_irq(v, vmcb);
	pvhv_x86_prepare_entry(v, cpu);
	gen = atomic_read(&v->d->npt.gen);
	if (cpu != v->last_cpu || s->npt_gen != gen || s->flush ||
	    this_cpu_read(svm_last_vcpu) != s) {
		/*
		 * APM 15.16: this ASID may hold stale translations on this CPU,
		 * a nested mapping changed since the last flush, or an emulated
		 * CR write asks for one. And when another vCPU ran here in
		 * between: with ASIDs that is not needed, but a CPU that does
		 * not tag its TLB by ASID would otherwise hand this guest the
		 * other guest's translations. Under QEMU's TCG emulation of SVM
		 * guests triple-faulted on their own stacks under load without
		 * this flush (3 of 6 stress runs) and never with it (8 runs).
		 */
		vmcb->ctrl.tlb_control = svm_flush_by_asid ? SVM_TLB_CONTROL_FLUSH_ASID :
							     SVM_TLB_CONTROL_FLUSH_ALL;
		s->npt_gen = gen;
		s->flush = false;
		WRITE_ONCE(v->last_cpu, cpu);
		this_cpu_write(svm_last_vcpu, s);
	}
	vmcb->ctrl.clean = 0;
	asm volatile("clgi" ::: "memory");
	pvhv_x86_load_guest_msrs();
	pvhv_x86_load_guest_fpu(v);
	pvhv_clear_cpu_buffers();
	pvhv_svm_vmrun(v->regs, s->vmcb_pa, page_to_phys(this_cpu_read(svm_host_save)));
	pvhv_vcpu_exit_guest(v);
#ifndef PVHV_HAVE_UNTRAIN_RET_VM
	/* The IBPB on exit the host asks for (SRSO "ibpb-vmexit"); newer kernels do it in UNTRAIN_RET_VM. */
	if (cpu_feature_enabled(X86_FEATURE_IBPB_ON_VMEXIT))
		indirect_branch_prediction_barrier();
#endif
	pvhv_x86_put_guest_fpu(v);
	pvhv_x86_reset_dr6();
	/* #VMEXIT leaves DR7 disabled; put back the host's breakpoints. */
	if (hw_breakpoint_active())
		hw_breakpoint_restore();
	asm volatile("stgi" ::: "memory");
	local_irq_enable();
	kernel_fpu_end();

	vmcb->ctrl.tlb_control = SVM_TLB_CONTROL_NONE;
	if (unlikely(vmcb->save.rip == (unsigned long)pvhv_svm_vmrun_exit)) {
		/*
		 * The guest state a #VMEXIT saved is the host's own (RIP right
		 * after our VMRUN): seen only under QEMU's multi-threaded TCG,
		 * never single-threaded. Entering it again would run the host's
		 * state as the guest; stop here, with what we know.
		 */
		pvhv_domain_crash(v->d,
				  "the exit (code %#llx, info %#llx %#llx) saved the host's state as the guest's (cr3 %#llx) on cpu %d; the exit before: %#llx",
				  vmcb->ctrl.exit_code, vmcb->ctrl.exit_info1, vmcb->ctrl.exit_info2,
				  vmcb->save.cr3, cpu, s->last_exit);
		memset(ex, 0, sizeof(*ex));
		return 0;
	}
	s->last_exit = vmcb->ctrl.exit_code;
	v->regs[PVHV_RAX] = vmcb->save.rax;
	v->regs[PVHV_RSP] = vmcb->save.rsp;
	/* RAX/RSP go back into the VMCB at the top of the next entry. */
	svm_decode_exit(v, vmcb, ex);
	return 0;
}

const struct pvhv_vendor_ops pvhv_svm_ops = {
	.name = "svm",
	.npt_name = "npt",
	.vendor = PVHV_VENDOR_SVM,
	.probe = svm_probe,
	.cpu_prepare = svm_cpu_prepare,
	.cpu_unprepare = svm_cpu_unprepare,
	.cpu_enable = svm_cpu_enable,
	.cpu_disable = svm_cpu_disable,
	.hardware_setup = svm_hardware_setup,
	.hardware_unsetup = svm_hardware_unsetup,
	.npt_table_bits = NPT_P | NPT_RW | NPT_US,
	.npt_leaf_bits = NPT_P | NPT_RW | NPT_US,
	.npt_five_level = svm_npt_five_level,
	.domain_init = svm_domain_init,
	.domain_free = svm_domain_free,
	.vcpu_create = svm_vcpu_create,
	.vcpu_free = svm_vcpu_free,
	.vcpu_run = svm_vcpu_run,
	.get_paging = svm_get_paging,
	.set_state = svm_set_state,
	.skip = svm_skip,
	.set_cr = svm_set_cr,
	.seg_base = svm_seg_base,
	.set_efer = svm_set_efer,
	.set_pdptes = svm_set_pdptes,
	.get_msr = svm_get_msr,
	.set_msr = svm_set_msr,
	.inject_exception = svm_inject_exception,
	.hypercall_insn = { 0x0f, 0x01, 0xd9 },	/* VMMCALL */
};
