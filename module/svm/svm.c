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
 * and FPU area belong to its thread; a domain's nested page tables are built
 * before its first vCPU starts and are immutable until it is freed.
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
#include "../x86.h"
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
static u64 svm_host_xcr0;

/* XCR0 features a guest may enable: x87, SSE, AVX (see xen/cpuid.c). */
#define SVM_GUEST_XCR0_MASK	0x7ULL
#define SVM_XSAVE_AREA_SIZE	PAGE_SIZE

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
	if (!(cpuid_ecx(1) & BIT(26)) || !(__read_cr4() & X86_CR4_OSXSAVE)) {
		snprintf(reason, len, "the host does not use XSAVE");
		return -ENODEV;
	}
	svm_host_xcr0 = xgetbv(0);
	if ((svm_host_xcr0 & 3) != 3) {
		snprintf(reason, len, "host XCR0 lacks x87/SSE");
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

/* --- nested page tables (APM 15.25) ------------------------------------ */

struct svm_domain {
	struct page *root;		/* PML4, or PML5 when the host uses 5-level paging */
	u64 *l4;			/* the PML4 (below the PML5 if there is one) */
	struct list_head tables;	/* every table page, through page->lru; domain lock */
	atomic_t gen;			/* bumped when a mapping goes away or changes */
};

#define NPT_P		BIT_ULL(0)
#define NPT_RW		BIT_ULL(1)
#define NPT_US		BIT_ULL(2)	/* nested walks are user accesses (APM 15.25.5) */
#define NPT_ADDR	0x000ffffffffff000ULL
#define NPF_P		BIT_ULL(0)	/* nested fault error code: the entry was present */
#define NPF_RW		BIT_ULL(1)	/* ... on a write */

static u64 *svm_npt_next(struct svm_domain *sd, u64 *table, unsigned int idx)
{
	struct page *page;

	if (table[idx] & NPT_P)
		return page_address(pfn_to_page((table[idx] & NPT_ADDR) >> PAGE_SHIFT));
	page = svm_alloc_page(NUMA_NO_NODE);
	if (!page)
		return NULL;
	list_add(&page->lru, &sd->tables);
	table[idx] = page_to_phys(page) | NPT_P | NPT_RW | NPT_US;
	return page_address(page);
}

static void svm_domain_free(struct pvhv_domain *d)
{
	struct svm_domain *sd = d->arch;
	struct page *page, *tmp;

	if (!sd)
		return;
	list_for_each_entry_safe(page, tmp, &sd->tables, lru) {
		list_del(&page->lru);
		svm_free_page(page);
	}
	kfree(sd);
	d->arch = NULL;
	atomic64_dec(&pvhv_counters.objects);
}

/* Map guest-physical [0, RAM) to the domain's own pages, 4 KiB, write-back. */
static int svm_domain_init(struct pvhv_domain *d)
{
	struct svm_domain *sd;
	u64 gfn, *l4, *l3, *l2, *l1;

	if (d->arch)
		return 0;
	sd = kzalloc(sizeof(*sd), GFP_KERNEL_ACCOUNT);
	if (!sd)
		return -ENOMEM;
	atomic64_inc(&pvhv_counters.objects);
	INIT_LIST_HEAD(&sd->tables);
	d->arch = sd;
	sd->root = svm_alloc_page(NUMA_NO_NODE);
	if (!sd->root)
		goto err_free;
	list_add(&sd->root->lru, &sd->tables);
	l4 = page_address(sd->root);
	/* APM 15.25.3: nested tables use the host's paging mode, 5-level with LA57. */
	if (__read_cr4() & X86_CR4_LA57) {
		l4 = svm_npt_next(sd, l4, 0);
		if (!l4)
			goto err_free;
	}
	sd->l4 = l4;
	for (gfn = 0; gfn < d->nr_pages; gfn++) {
		l3 = svm_npt_next(sd, l4, (gfn >> 27) & 511);
		l2 = l3 ? svm_npt_next(sd, l3, (gfn >> 18) & 511) : NULL;
		l1 = l2 ? svm_npt_next(sd, l2, (gfn >> 9) & 511) : NULL;
		if (!l1)
			goto err_free;
		l1[gfn & 511] = page_to_phys(d->pages[gfn]) | NPT_P | NPT_RW | NPT_US;
		if (!(gfn & 4095))
			cond_resched();
	}
	return 0;

err_free:
	svm_domain_free(d);
	return -ENOMEM;
}

/* Domain lock held: one 4 KiB mapping changes, every vCPU flushes its ASID. */
static int svm_npt_set(struct pvhv_domain *d, u64 gfn, struct page *page, bool writable)
{
	struct svm_domain *sd = d->arch;
	u64 *l3, *l2, *l1;

	if (!sd)
		return -EINVAL;
	l3 = svm_npt_next(sd, sd->l4, (gfn >> 27) & 511);
	l2 = l3 ? svm_npt_next(sd, l3, (gfn >> 18) & 511) : NULL;
	l1 = l2 ? svm_npt_next(sd, l2, (gfn >> 9) & 511) : NULL;
	if (!l1)
		return -ENOMEM;
	WRITE_ONCE(l1[gfn & 511], page ? page_to_phys(page) | NPT_P | NPT_US |
					(writable ? NPT_RW : 0) : 0);
	atomic_inc(&sd->gen);
	/* A vCPU in the guest exits on the kick and flushes before it re-enters. */
	pvhv_domain_kick_all(d);
	return 0;
}

/* --- vCPUs ------------------------------------------------------------ */

struct svm_vcpu {
	struct vmcb *vmcb;
	u64 vmcb_pa;
	u32 asid;
	u64 xcr0;		/* the guest's XCR0 */
	void *xsave;		/* the guest's x87/SSE/AVX state (XSAVE format) */
	int npt_gen;		/* svm_domain.gen when this ASID was last flushed */
	u64 last_exit;		/* the previous exit's code, for reports */
	struct pvhv_x86_debugregs dr;	/* emulated, never loaded: svm_handle_dr */
};

asmlinkage void pvhv_svm_vmrun(u64 *regs, u64 vmcb_pa, u64 host_save_pa);
extern const char pvhv_svm_vmrun_exit[];

static int svm_vcpu_create(struct pvhv_vcpu *v)
{
	struct svm_domain *sd = v->d->arch;
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
	s->xsave = (void *)get_zeroed_page(GFP_KERNEL_ACCOUNT);
	if (!s->xsave)
		goto err_free_vmcb;
	atomic64_inc(&pvhv_counters.objects);
	s->vmcb = page_address(page);
	s->vmcb_pa = page_to_phys(page);
	s->asid = asid;
	s->xcr0 = 1;	/* x87 only, the reset value */

	c = &s->vmcb->ctrl;
	/*
	 * #UD: VMCALL from a guest written for VMX. #DB and #AC are reflected
	 * back (svm_handle_exit): a guest can make the delivery of either raise
	 * itself again (a misaligned CPL 3 stack, a DR7 breakpoint on the IDT
	 * or stack), a loop inside one event delivery that never lets a host
	 * interrupt in and hangs the CPU (CVE-2015-5307, CVE-2015-8104; APM
	 * 15.12 "Exception intercepts"). Intercepted, each is a #VMEXIT.
	 */
	c->intercept_exc = BIT(X86_TRAP_DB) | BIT(X86_TRAP_UD) | BIT(X86_TRAP_AC);
	/* Every MOV from/to DR0-7 (VMCB 004h, APM vol. 2 Table B-1): svm_handle_dr. */
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
	c->n_cr3 = page_to_phys(sd->root);
	v->arch = s;
	return 0;

err_free_vmcb:
	svm_free_page(page);
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
	free_page((unsigned long)s->xsave);
	atomic64_dec(&pvhv_counters.objects);
	ida_free(&svm_asids, s->asid);
	kfree(s);
	v->arch = NULL;
}

static void svm_set_seg(struct vmcb_seg *seg, u16 sel, u16 attrib, u32 limit)
{
	seg->selector = sel;
	seg->attrib = attrib;
	seg->limit = limit;
	seg->base = 0;
}

/*
 * Xen's PVH entry state (docs/misc/pvh.pandoc): 32-bit flat protected mode,
 * paging off, CR0 = PE|ET, CR4 = 0, flat 4 GiB CS/DS/ES/SS/FS/GS, TR a 32-bit
 * TSS with base 0 and limit 0x67, EFLAGS with only the reserved bit 1,
 * EBX = start_info. EFER.SVME must be set in a guest's VMCB (APM 15.5.1); the
 * guest reads EFER through an intercept that hides it.
 */
static void svm_vcpu_reset_pvh(struct pvhv_vcpu *v, u32 entry, u32 ebx)
{
	struct svm_vcpu *s = v->arch;
	struct vmcb_save *st = &s->vmcb->save;

	memset(st, 0, sizeof(*st));
	svm_set_seg(&st->cs, 0x08, 0xc9b, 0xffffffff);	/* code, R/X, accessed, DB, G */
	svm_set_seg(&st->ds, 0x10, 0xc93, 0xffffffff);	/* data, R/W, accessed, DB, G */
	st->es = st->ss = st->fs = st->gs = st->ds;
	svm_set_seg(&st->tr, 0x18, 0x08b, 0x67);	/* 32-bit busy TSS */
	svm_set_seg(&st->ldtr, 0, 0x082, 0xffff);
	svm_set_seg(&st->gdtr, 0, 0, 0xffff);
	svm_set_seg(&st->idtr, 0, 0, 0xffff);
	st->cr0 = X86_CR0_PE | X86_CR0_ET;
	st->efer = EFER_SVME;
	st->rflags = X86_EFLAGS_FIXED;
	st->rip = entry;
	st->dr6 = DR6_RESERVED;
	st->dr7 = 0x400;	/* and so it stays: the guest's is s->dr */
	pvhv_x86_debugregs_reset(&s->dr);
	st->g_pat = 0x0007040600070406ULL;	/* the architectural reset PAT */
	memset(v->regs, 0, sizeof(v->regs));
	v->regs[PVHV_RBX] = ebx;
	s->xcr0 = 1;
	pvhv_x86_xsave_reset(s->xsave);
}

/* CR4 bits a guest may start with: VME..OSXMMEXCPT, FSGSBASE, OSXSAVE, SMEP, SMAP. */
#define SVM_GUEST_CR4_OK	(0x7ffULL | BIT(16) | BIT(18) | BIT(20) | BIT(21))
#define SVM_GUEST_EFER_OK	(EFER_SCE | EFER_LME | EFER_LMA | EFER_NX)

static void svm_load_seg(struct vmcb_seg *seg, u32 base, u32 limit, u16 ar)
{
	seg->selector = 0;
	seg->base = base;
	seg->limit = limit;
	seg->attrib = ar;
}

/*
 * VCPUOP_initialise with Xen's vcpu_hvm_context (public/hvm/hvm_vcpu.h):
 * 32-bit mode takes the segments as given (attributes in the same packed
 * form as the VMCB's), 64-bit mode starts in long mode with flat segments.
 * State VMRUN would refuse is refused here with -EINVAL instead.
 */
static int svm_vcpu_set_context(struct pvhv_vcpu *v, const struct vcpu_hvm_context *ctx)
{
	struct svm_vcpu *s = v->arch;
	struct vmcb_save *st = &s->vmcb->save;
	u64 cr0, cr4, efer;

	svm_vcpu_reset_pvh(v, 0, 0);	/* defaults for everything not given */
	if (ctx->mode == VCPU_HVM_MODE_64B) {
		const struct vcpu_hvm_x86_64 *r = &ctx->cpu_regs.x86_64;

		cr0 = r->cr0, cr4 = r->cr4, efer = r->efer;
		if ((cr0 & (X86_CR0_PE | X86_CR0_PG)) != (X86_CR0_PE | X86_CR0_PG) ||
		    !(cr4 & X86_CR4_PAE) || !(efer & EFER_LME) ||
		    ((s64)r->rip << 16 >> 16) != (s64)r->rip)
			return -EINVAL;
		svm_set_seg(&st->cs, 0x08, 0xa9b, 0xffffffff);	/* 64-bit code: L, not DB */
		st->cr3 = r->cr3;
		st->rip = r->rip;
		st->rflags = r->rflags | X86_EFLAGS_FIXED;
		efer |= EFER_LMA;
		v->regs[PVHV_RAX] = r->rax, v->regs[PVHV_RCX] = r->rcx;
		v->regs[PVHV_RDX] = r->rdx, v->regs[PVHV_RBX] = r->rbx;
		v->regs[PVHV_RSP] = r->rsp, v->regs[PVHV_RBP] = r->rbp;
		v->regs[PVHV_RSI] = r->rsi, v->regs[PVHV_RDI] = r->rdi;
	} else if (ctx->mode == VCPU_HVM_MODE_32B) {
		const struct vcpu_hvm_x86_32 *r = &ctx->cpu_regs.x86_32;

		cr0 = r->cr0, cr4 = r->cr4, efer = r->efer;
		/* A present code segment; no long mode from a 32-bit context. */
		if (!(cr0 & X86_CR0_PE) || (r->cs_ar & 0x98) != 0x98 ||
		    ((cr0 & X86_CR0_PG) && (efer & EFER_LME)))
			return -EINVAL;
		svm_load_seg(&st->cs, r->cs_base, r->cs_limit, r->cs_ar);
		svm_load_seg(&st->ds, r->ds_base, r->ds_limit, r->ds_ar);
		svm_load_seg(&st->ss, r->ss_base, r->ss_limit, r->ss_ar);
		svm_load_seg(&st->es, r->es_base, r->es_limit, r->es_ar);
		if (r->tr_ar)
			svm_load_seg(&st->tr, r->tr_base, r->tr_limit, r->tr_ar);
		st->cr3 = r->cr3;
		st->rip = r->eip;
		st->rflags = r->eflags | X86_EFLAGS_FIXED;
		v->regs[PVHV_RAX] = r->eax, v->regs[PVHV_RCX] = r->ecx;
		v->regs[PVHV_RDX] = r->edx, v->regs[PVHV_RBX] = r->ebx;
		v->regs[PVHV_RSP] = r->esp, v->regs[PVHV_RBP] = r->ebp;
		v->regs[PVHV_RSI] = r->esi, v->regs[PVHV_RDI] = r->edi;
	} else {
		return -EINVAL;
	}
	if ((cr4 & ~SVM_GUEST_CR4_OK) || (efer & ~SVM_GUEST_EFER_OK) ||
	    ((cr0 & X86_CR0_NW) && !(cr0 & X86_CR0_CD)) || (cr0 >> 32) ||
	    ((cr4 & X86_CR4_OSXSAVE) && !(cpuid_ecx(1) & BIT(26))))
		return -EINVAL;
	st->cr0 = cr0 | X86_CR0_ET;
	st->cr4 = cr4;
	st->efer = efer | EFER_SVME;
	return 0;
}

static void svm_get_paging(struct pvhv_vcpu *v, struct pvhv_paging *pg)
{
	struct vmcb_save *st = &((struct svm_vcpu *)v->arch)->vmcb->save;

	pg->cr0 = st->cr0;
	pg->cr3 = st->cr3;
	pg->cr4 = st->cr4;
	pg->efer = st->efer;
	pg->mode64 = (st->efer & EFER_LMA) && (st->cs.attrib & BIT(9));	/* CS.L */
	pg->cpl = st->cpl;
	pg->cs_base = st->cs.base;
}

static void svm_inject_exception(struct pvhv_vcpu *v, u8 vector, bool has_error, u32 error)
{
	struct vmcb_ctrl *c = &((struct svm_vcpu *)v->arch)->vmcb->ctrl;

	c->event_inj = vector | SVM_EVTINJ_TYPE_EXCEPTION | SVM_EVTINJ_VALID |
		       (has_error ? SVM_EVTINJ_ERR_VALID | ((u64)error << 32) : 0);
}


static void svm_skip(struct vmcb *vmcb, unsigned int len)
{
	vmcb->save.rip += len;
	vmcb->ctrl.int_state &= ~1ULL;	/* the instruction ends any STI/MOV SS shadow */
}

static void svm_hypercall(struct pvhv_vcpu *v, struct vmcb *vmcb)
{
	svm_skip(vmcb, 3);
	pvhv_xen_hypercall(v);
}

/* #UD: a VMCALL (Intel's hypercall instruction) is a hypercall here too. */
static void svm_handle_ud(struct pvhv_vcpu *v, struct vmcb *vmcb)
{
	struct pvhv_paging pg;
	u8 insn[3];
	u64 rip;

	svm_get_paging(v, &pg);
	rip = pg.mode64 ? vmcb->save.rip : (u32)(pg.cs_base + vmcb->save.rip);
	if (!pvhv_copy_from_guest(v, insn, rip, sizeof(insn)) &&
	    insn[0] == 0x0f && insn[1] == 0x01 && insn[2] == 0xc1) {
		svm_hypercall(v, vmcb);
		return;
	}
	svm_inject_exception(v, X86_TRAP_UD, false, 0);
}

/*
 * MOV from/to DRn, intercepted (exit codes 20h-3Fh, APM vol. 2 App. C): the
 * guest's debug registers are emulated (pvhv_x86_mov_dr), so the DR0-3 the
 * CPU holds (the host's, or another guest's) are never the guest's to read
 * or set. EXITINFO1 names the GPR only with decode assists (CPUID
 * Fn8000_000A EDX[7], APM vol. 2 "Decode Assists"), which QEMU does not
 * offer: the instruction is decoded from guest memory (APM vol. 3 "MOV
 * (DRn)": legacy prefixes, REX in 64-bit mode, 0F 21/23, ModRM with reg the
 * DR and r/m the GPR). Bytes that no longer say what the exit said (another
 * vCPU rewrote them) are run again, not guessed at.
 */
static void svm_handle_dr(struct pvhv_vcpu *v, struct vmcb *vmcb)
{
	struct svm_vcpu *s = v->arch;
	bool write = vmcb->ctrl.exit_code >= SVM_EXIT_WRITE_DR0;
	unsigned int len, gpr, dr, rex = 0;
	struct pvhv_paging pg;
	u8 insn[15], b;
	u64 rip, val = 0;
	int trap;

	svm_get_paging(v, &pg);
	rip = pg.mode64 ? vmcb->save.rip : (u32)(pg.cs_base + vmcb->save.rip);
	for (len = 0; len < sizeof(insn); len++) {
		if (pvhv_copy_from_guest(v, &insn[len], pg.mode64 ? rip + len : (u32)(rip + len), 1))
			goto err_fetch;
		b = insn[len];
		if (len + 3 > sizeof(insn))
			return;		/* too long: the CPU's #GP when run again */
		if (b == 0x26 || b == 0x2e || b == 0x36 || b == 0x3e || b == 0x64 ||
		    b == 0x65 || b == 0x66 || b == 0x67 || b == 0xf0 || b == 0xf2 || b == 0xf3) {
			rex = 0;	/* a REX before a legacy prefix is ignored */
			continue;
		}
		if (pg.mode64 && (b & 0xf0) == 0x40) {
			rex = b;
			continue;
		}
		break;
	}
	if (b != 0x0f || pvhv_copy_from_guest(v, &insn[len + 1], pg.mode64 ? rip + len + 1 :
					      (u32)(rip + len + 1), 2))
		return;
	if (insn[len + 1] != (write ? 0x23 : 0x21))
		return;
	dr = ((insn[len + 2] >> 3) & 7) | (rex & 4 ? 8 : 0);
	gpr = (insn[len + 2] & 7) | (rex & 1 ? 8 : 0);
	if (dr != (vmcb->ctrl.exit_code & 15))
		return;
	if (write)
		val = pg.mode64 ? v->regs[gpr] : (u32)v->regs[gpr];
	trap = pvhv_x86_mov_dr(&s->dr, dr, write, &val, pg.cr4 & X86_CR4_DE, pg.mode64);
	if (trap) {
		svm_inject_exception(v, trap, trap == X86_TRAP_GP, 0);
		return;
	}
	if (!write)
		v->regs[gpr] = val;
	svm_skip(vmcb, len + 3);
	return;

err_fetch:
	pvhv_domain_crash(v->d, "MOV DR exit at rip %#llx: the instruction cannot be read",
			  vmcb->save.rip);
}

static bool svm_pat_valid(u64 pat)
{
	int i;

	for (i = 0; i < 8; i++) {
		u8 t = pat >> (i * 8);

		if (t == 2 || t == 3 || t > 7)
			return false;
	}
	return true;
}

static void svm_handle_msr(struct pvhv_vcpu *v, struct vmcb *vmcb)
{
	u32 msr = v->regs[PVHV_RCX];
	bool write = vmcb->ctrl.exit_info1 & 1;
	u64 val = ((u64)(u32)v->regs[PVHV_RDX] << 32) | (u32)v->regs[PVHV_RAX];
	int ret = 0;

	switch (msr) {
	case MSR_EFER:
		if (!write) {
			val = vmcb->save.efer & ~EFER_SVME;
		} else if (val & ~(u64)(EFER_SCE | EFER_LME | EFER_LMA | EFER_NX) ||
			   ((val ^ vmcb->save.efer) & EFER_LME && vmcb->save.cr0 & X86_CR0_PG)) {
			ret = -EINVAL;
		} else {
			/* LMA is the CPU's to set; SVME must stay set in a guest. */
			vmcb->save.efer = (val & ~EFER_LMA) | (vmcb->save.efer & EFER_LMA) |
					  EFER_SVME;
		}
		break;
	case MSR_IA32_CR_PAT:
		if (!write)
			val = vmcb->save.g_pat;
		else if (svm_pat_valid(val))
			vmcb->save.g_pat = val;
		else
			ret = -EINVAL;
		break;
	case MSR_IA32_TSC:
		if (write)
			ret = -EINVAL;	/* TSC writes are not virtualized yet */
		else
			val = rdtsc() + vmcb->ctrl.tsc_offset;
		break;
	default:
		ret = write ? pvhv_xen_wrmsr(v, msr, val) : pvhv_xen_rdmsr(v, msr, &val);
	}
	if (ret) {
		svm_inject_exception(v, X86_TRAP_GP, true, 0);
		return;
	}
	if (!write) {
		v->regs[PVHV_RAX] = (u32)val;
		v->regs[PVHV_RDX] = val >> 32;
	}
	svm_skip(vmcb, 2);
}

static void svm_handle_xsetbv(struct pvhv_vcpu *v, struct vmcb *vmcb)
{
	struct svm_vcpu *s = v->arch;
	u64 val = ((u64)(u32)v->regs[PVHV_RDX] << 32) | (u32)v->regs[PVHV_RAX];
	u64 allowed = SVM_GUEST_XCR0_MASK & svm_host_xcr0;

	/* SDM/APM XSETBV: XCR0 only, x87 always on, AVX needs SSE. */
	if ((u32)v->regs[PVHV_RCX] != 0 || vmcb->save.cpl || !(val & 1) || (val & ~allowed) ||
	    ((val & 4) && !(val & 2))) {
		svm_inject_exception(v, X86_TRAP_GP, true, 0);
		return;
	}
	s->xcr0 = val;
	svm_skip(vmcb, 3);
}

static void svm_handle_io(struct pvhv_vcpu *v, struct vmcb *vmcb)
{
	u64 info = vmcb->ctrl.exit_info1;
	u16 port = info >> 16;
	u8 size = (info >> SVM_IOIO_SIZE_SHIFT) & 7;	/* one-hot: 1, 2 or 4 bytes */
	bool in = info & SVM_IOIO_IN;
	u32 val = v->regs[PVHV_RAX];

	if (info & (SVM_IOIO_STR | SVM_IOIO_REP) || !(size == 1 || size == 2 || size == 4)) {
		pvhv_domain_crash(v->d, "string I/O to port %#x is not emulated", port);
		return;
	}
	pvhv_xen_io(v, port, size, in, &val);
	if (in) {
		if (size == 4)
			v->regs[PVHV_RAX] = val;	/* 32-bit results zero-extend */
		else
			v->regs[PVHV_RAX] = (v->regs[PVHV_RAX] & ~((1ULL << (size * 8)) - 1)) |
					    (val & ((1U << (size * 8)) - 1));
	}
	vmcb->save.rip = vmcb->ctrl.exit_info2;	/* the next RIP, for every IOIO exit */
}

/*
 * The event-channel upcall (APM 15.20 event injection, 15.21.4 virtual
 * interrupts): inject the callback vector if the guest can take an
 * interrupt now, else ask for an exit (VINTR) as soon as it can.
 */
static void svm_deliver_upcall(struct pvhv_vcpu *v, struct vmcb *vmcb)
{
	u8 vector = pvhv_xen_upcall_vector(v);

	if (!vector || (vmcb->ctrl.event_inj & SVM_EVTINJ_VALID))
		return;
	if ((vmcb->save.rflags & X86_EFLAGS_IF) && !(vmcb->ctrl.int_state & 1)) {
		vmcb->ctrl.event_inj = vector | SVM_EVTINJ_VALID;	/* type 0: INTR */
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
			  vmcb->ctrl.n_cr3 == page_to_phys(((struct svm_domain *)v->d->arch)->root) ?
			  "ok" : "WRONG", st->rflags,
			  st->idtr.base, st->idtr.limit, (u64)vmcb->ctrl.exit_int_info,
			  (u64)vmcb->ctrl.int_ctl, v->last_cpu, svm_guest_walk(v, st->rip),
			  svm_guest_walk(v, st->rsp - 8), svm_guest_walk(v, st->idtr.base));
}

static int svm_handle_exit(struct pvhv_vcpu *v, struct vmcb *vmcb)
{
	u64 code = vmcb->ctrl.exit_code;
	u32 out[4];

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
		/* The guest can take an interrupt: the upcall goes in on entry. */
		vmcb->ctrl.int_ctl &= ~(SVM_INT_CTL_V_IRQ | SVM_INT_CTL_V_INTR_PRIO |
					SVM_INT_CTL_V_IGN_TPR);
		vmcb->ctrl.intercept_misc1 &= ~SVM_MISC1_VINTR;
		break;
	case SVM_EXIT_VMMCALL:
		svm_hypercall(v, vmcb);
		break;
	case SVM_EXIT_EXCP_BASE + X86_TRAP_UD:
		svm_handle_ud(v, vmcb);
		break;
	case SVM_EXIT_EXCP_BASE + X86_TRAP_DB:
		/*
		 * The VMCB's DR6 says why (as KVM's db_interception() reads
		 * it): into the guest's emulated DR6, the VMCB's back to its
		 * reset value for the next. RIP is where the delivery would
		 * have pushed it (a trap: after the instruction).
		 */
		pvhv_x86_dr6_event(&((struct svm_vcpu *)v->arch)->dr, vmcb->save.dr6);
		vmcb->save.dr6 = DR6_RESERVED;
		svm_inject_exception(v, X86_TRAP_DB, false, 0);
		break;
	case SVM_EXIT_READ_DR0 ... SVM_EXIT_WRITE_DR0 + 15:
		svm_handle_dr(v, vmcb);
		break;
	case SVM_EXIT_EXCP_BASE + X86_TRAP_AC:
		/* EXITINFO1: the error code (APM 15.12), always 0 for #AC. */
		svm_inject_exception(v, X86_TRAP_AC, true, vmcb->ctrl.exit_info1);
		break;
	case SVM_EXIT_CPUID:
		pvhv_xen_cpuid(v, v->regs[PVHV_RAX], v->regs[PVHV_RCX], out);
		v->regs[PVHV_RAX] = out[0];
		v->regs[PVHV_RBX] = out[1];
		v->regs[PVHV_RCX] = out[2];
		v->regs[PVHV_RDX] = out[3];
		svm_skip(vmcb, 2);
		break;
	case SVM_EXIT_MSR:
		svm_handle_msr(v, vmcb);
		break;
	case SVM_EXIT_IOIO:
		svm_handle_io(v, vmcb);
		break;
	case SVM_EXIT_XSETBV:
		svm_handle_xsetbv(v, vmcb);
		break;
	case SVM_EXIT_HLT:
		svm_skip(vmcb, 1);
		pvhv_vcpu_halt(v);
		break;
	case SVM_EXIT_INVD:
		svm_skip(vmcb, 2);	/* as WBINVD would: never drop dirty host lines */
		break;
	case SVM_EXIT_VMRUN: case SVM_EXIT_VMLOAD: case SVM_EXIT_VMSAVE:
	case SVM_EXIT_STGI: case SVM_EXIT_CLGI: case SVM_EXIT_SKINIT:
	case SVM_EXIT_RDTSCP:	/* it would read the host's TSC_AUX (its CPU number) */
	case SVM_EXIT_INVLPGA: case SVM_EXIT_MONITOR: case SVM_EXIT_MWAIT:
	case SVM_EXIT_MWAIT_COND: case SVM_EXIT_RDPRU:
		svm_inject_exception(v, X86_TRAP_UD, false, 0);	/* not offered (CPUID) */
		break;
	case SVM_EXIT_SHUTDOWN:
		svm_triple_fault(v, vmcb);
		break;
	case SVM_EXIT_NPF:
		/* APM 15.25.6: EXITINFO1 is a #PF error code (P, RW), EXITINFO2 the address. */
		if ((vmcb->ctrl.exit_info1 & (NPF_P | NPF_RW)) == (NPF_P | NPF_RW) &&
		    pvhv_gfn_is_readonly(v->d, vmcb->ctrl.exit_info2 >> PAGE_SHIFT)) {
			/* A write to a read-only grant mapping: #GP, as Xen does. */
			svm_inject_exception(v, X86_TRAP_GP, true, 0);
			break;
		}
		pvhv_domain_crash(v->d, "access to guest-physical %#llx outside RAM (error %#llx) at rip %#llx",
				  vmcb->ctrl.exit_info2, vmcb->ctrl.exit_info1, vmcb->save.rip);
		break;
	case SVM_EXIT_INVALID:
		pvhv_domain_crash(v->d, "VMRUN refused the guest state (VMEXIT_INVALID) at rip %#llx",
				  vmcb->save.rip);
		break;
	default:
		pvhv_domain_crash(v->d, "unexpected exit %#llx (info %#llx %#llx) at rip %#llx",
				  code, vmcb->ctrl.exit_info1, vmcb->ctrl.exit_info2,
				  vmcb->save.rip);
	}
	return 0;
}

static int svm_vcpu_run(struct pvhv_vcpu *v)
{
	struct svm_domain *sd = v->d->arch;
	struct svm_vcpu *s = v->arch;
	struct vmcb *vmcb = s->vmcb;
	int cpu;

	vmcb->save.rax = v->regs[PVHV_RAX];
	vmcb->save.rsp = v->regs[PVHV_RSP];

	kernel_fpu_begin();	/* also disables preemption */
	local_irq_disable();
	cpu = smp_processor_id();
	pvhv_vcpu_enter_guest(v, cpu);	/* before the reads a kick announces */
	svm_deliver_upcall(v, vmcb);
	pvhv_x86_enter_domain(v->d);
	pvhv_xen_update_time(v, cpu);
	if (cpu != v->last_cpu || s->npt_gen != atomic_read(&sd->gen) ||
	    this_cpu_read(svm_last_vcpu) != s) {
		/*
		 * APM 15.16: this ASID may hold stale translations on this CPU,
		 * or a nested mapping changed since the last flush. And when
		 * another vCPU ran here in between: with ASIDs that is not
		 * needed, but a CPU that does not tag its TLB by ASID would
		 * otherwise hand this guest the other guest's translations.
		 * Under QEMU's TCG emulation of SVM guests triple-faulted on
		 * their own stacks under load without this flush (3 of 6
		 * stress runs) and never with it (8 runs). The cost is one
		 * flush per switch between vCPUs on a CPU.
		 */
		vmcb->ctrl.tlb_control = svm_flush_by_asid ? SVM_TLB_CONTROL_FLUSH_ASID :
							     SVM_TLB_CONTROL_FLUSH_ALL;
		s->npt_gen = atomic_read(&sd->gen);
		WRITE_ONCE(v->last_cpu, cpu);
		this_cpu_write(svm_last_vcpu, s);
	}
	vmcb->ctrl.clean = 0;
	asm volatile("clgi" ::: "memory");
	pvhv_x86_xrstor(s->xsave, SVM_GUEST_XCR0_MASK & svm_host_xcr0);
	if (s->xcr0 != svm_host_xcr0)
		xsetbv(0, s->xcr0);
	pvhv_clear_cpu_buffers();
	pvhv_svm_vmrun(v->regs, s->vmcb_pa, page_to_phys(this_cpu_read(svm_host_save)));
	pvhv_vcpu_exit_guest(v);
	if (s->xcr0 != svm_host_xcr0)
		xsetbv(0, svm_host_xcr0);
	pvhv_x86_xsave(s->xsave, SVM_GUEST_XCR0_MASK & svm_host_xcr0);
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
		return 0;
	}
	s->last_exit = vmcb->ctrl.exit_code;
	v->regs[PVHV_RAX] = vmcb->save.rax;
	v->regs[PVHV_RSP] = vmcb->save.rsp;
	/* RAX/RSP go back into the VMCB at the top of the next entry. */
	svm_handle_exit(v, vmcb);
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
	.domain_init = svm_domain_init,
	.domain_free = svm_domain_free,
	.npt_set = svm_npt_set,
	.vcpu_create = svm_vcpu_create,
	.vcpu_free = svm_vcpu_free,
	.vcpu_reset_pvh = svm_vcpu_reset_pvh,
	.vcpu_set_context = svm_vcpu_set_context,
	.vcpu_run = svm_vcpu_run,
	.get_paging = svm_get_paging,
	.inject_exception = svm_inject_exception,
	.hypercall_insn = { 0x0f, 0x01, 0xd9 },	/* VMMCALL */
};
