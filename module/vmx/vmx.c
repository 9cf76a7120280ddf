// SPDX-License-Identifier: GPL-2.0-only
/*
 * pvhv Intel VMX backend: detection and per-CPU VMXON/VMXOFF.
 *
 * References: Intel SDM vol. 3C: 24.7 "Enabling and entering VMX operation",
 * 24.11.5 "VMXON region", 25.8 "Restrictions on VMX operation" (CR0/CR4
 * fixed bits), A.1 "Basic VMX information", A.3.3 / A.3.2 (processor-based
 * controls), A.10 "VPID and EPT capabilities".
 *
 * This backend is exercised only under bochs (issue: VMX backend); QEMU TCG
 * does not emulate VMX.
 *
 * Locking: none. The per-CPU state (vmx_vmxon_page, vmx_enabled) is written
 * only by the CPU hotplug and syscore callbacks, which the core serializes.
 */
#define pr_fmt(fmt) "pvhv: vmx: " fmt

#include <linux/gfp.h>
#include <linux/mm.h>
#include <linux/percpu.h>
#include <linux/smp.h>
#include <linux/topology.h>
#include <asm/asm.h>
#include <asm/io.h>
#include <asm/msr.h>
#include <asm/msr-index.h>
#include <asm/processor.h>
#include <asm/special_insns.h>
#include <asm/tlbflush.h>

#include "../core.h"

/* CPUID.01H:ECX[5] = VMX (SDM 24.6 "Discovering support for VMX"). */
#define VMX_CPUID_ECX_VMX		BIT(5)
/* IA32_FEATURE_CONTROL (3AH): bit 0 lock, bit 2 VMX outside SMX (SDM 24.7). */
#define VMX_FEAT_CTL_LOCKED		BIT_ULL(0)
#define VMX_FEAT_CTL_OUTSIDE_SMX	BIT_ULL(2)
/* Allowed-1 settings are the high dword of the control MSRs (SDM A.3). */
#define VMX_PROC_ACTIVATE_SECONDARY	BIT_ULL(32 + 31)
#define VMX_PROC2_EPT			BIT_ULL(32 + 1)
#define VMX_PROC2_UNRESTRICTED		BIT_ULL(32 + 7)
/* IA32_VMX_EPT_VPID_CAP (48CH), SDM A.10. */
#define VMX_EPT_CAP_PWL4		BIT_ULL(6)
#define VMX_EPT_CAP_WB			BIT_ULL(14)
/* IA32_VMX_BASIC (480H), SDM A.1. */
#define VMX_BASIC_REVISION_MASK		0x7fffffffULL
#define VMX_BASIC_32BIT_ADDR		BIT_ULL(48)

static DEFINE_PER_CPU(struct page *, vmx_vmxon_page);
/* Whether this CPU is in VMX operation because of us. */
static DEFINE_PER_CPU(bool, vmx_enabled);

static int vmx_probe(char *reason, size_t len)
{
	u64 feat, proc, proc2, ept;

	if (!(cpuid_ecx(1) & VMX_CPUID_ECX_VMX)) {
		snprintf(reason, len, "VMX not present");
		return -ENODEV;
	}
	if (rdmsrl_safe(MSR_IA32_FEAT_CTL, &feat)) {
		snprintf(reason, len, "VMX present but IA32_FEATURE_CONTROL unreadable");
		return -ENODEV;
	}
	if (!(feat & VMX_FEAT_CTL_LOCKED) || !(feat & VMX_FEAT_CTL_OUTSIDE_SMX)) {
		snprintf(reason, len,
			 "VMX disabled by firmware (IA32_FEATURE_CONTROL=%#llx)", feat);
		return -EPERM;
	}
	if (rdmsrl_safe(MSR_IA32_VMX_PROCBASED_CTLS, &proc) ||
	    !(proc & VMX_PROC_ACTIVATE_SECONDARY) ||
	    rdmsrl_safe(MSR_IA32_VMX_PROCBASED_CTLS2, &proc2) ||
	    !(proc2 & VMX_PROC2_EPT)) {
		snprintf(reason, len, "VMX without EPT");
		return -ENODEV;
	}
	if (!(proc2 & VMX_PROC2_UNRESTRICTED)) {
		snprintf(reason, len, "VMX without unrestricted guest");
		return -ENODEV;
	}
	if (rdmsrl_safe(MSR_IA32_VMX_EPT_VPID_CAP, &ept) ||
	    !(ept & VMX_EPT_CAP_PWL4) || !(ept & VMX_EPT_CAP_WB)) {
		snprintf(reason, len, "EPT without 4-level walks or write-back tables");
		return -ENODEV;
	}
	return 0;
}

static int vmx_cpu_prepare(unsigned int cpu)
{
	struct page *page;
	u64 basic;

	if (per_cpu(vmx_vmxon_page, cpu))
		return 0;
	rdmsrl(MSR_IA32_VMX_BASIC, basic);
	/* SDM A.1: with bit 48 set, VMXON/VMCS regions must lie below 4 GiB. */
	page = alloc_pages_node(cpu_to_node(cpu),
				GFP_KERNEL | __GFP_ZERO |
				((basic & VMX_BASIC_32BIT_ADDR) ? GFP_DMA32 : 0), 0);
	if (!page)
		return -ENOMEM;
	/* SDM 24.11.5: the region starts with the VMCS revision identifier. */
	*(u32 *)page_address(page) = basic & VMX_BASIC_REVISION_MASK;
	per_cpu(vmx_vmxon_page, cpu) = page;
	atomic64_inc(&pvhv_counters.objects);
	return 0;
}

static void vmx_cpu_unprepare(unsigned int cpu)
{
	struct page *page = per_cpu(vmx_vmxon_page, cpu);

	if (!page)
		return;
	per_cpu(vmx_vmxon_page, cpu) = NULL;
	__free_page(page);
	atomic64_dec(&pvhv_counters.objects);
}

static bool vmx_cr_fixed_ok(unsigned long val, u32 fixed0_msr, u32 fixed1_msr)
{
	u64 fixed0, fixed1;

	rdmsrl(fixed0_msr, fixed0);
	rdmsrl(fixed1_msr, fixed1);
	/* SDM A.7/A.8: bits set in FIXED0 must be 1, bits clear in FIXED1 must be 0. */
	return (val & fixed0) == fixed0 && !(val & ~fixed1);
}

/* Interrupts disabled (cr4_set_bits requires it). */
static int vmx_cpu_enable(char *reason, size_t len)
{
	struct page *page = this_cpu_read(vmx_vmxon_page);
	int cpu = raw_smp_processor_id();
	u64 pa;

	if (__read_cr4() & X86_CR4_VMXE) {
		snprintf(reason, len,
			 "VMX is in use by another hypervisor (CR4.VMXE already set on CPU %d; kvm_intel?)",
			 cpu);
		return -EBUSY;
	}
	if (!page) {
		snprintf(reason, len, "no VMXON region for CPU %d", cpu);
		return -ENOMEM;
	}
	if (!vmx_cr_fixed_ok(read_cr0(), MSR_IA32_VMX_CR0_FIXED0, MSR_IA32_VMX_CR0_FIXED1) ||
	    !vmx_cr_fixed_ok(__read_cr4() | X86_CR4_VMXE,
			     MSR_IA32_VMX_CR4_FIXED0, MSR_IA32_VMX_CR4_FIXED1)) {
		snprintf(reason, len, "host CR0/CR4 violate the VMX fixed bits on CPU %d", cpu);
		return -EIO;
	}

	cr4_set_bits(X86_CR4_VMXE);
	pa = page_to_phys(page);
	asm goto("1: vmxon %[pa]\n\t"
		 "jna %l[fail]\n\t"
		 _ASM_EXTABLE(1b, %l[fail])
		 : : [pa] "m" (pa) : "memory", "cc" : fail);
	this_cpu_write(vmx_enabled, true);
	return 0;

fail:
	cr4_clear_bits(X86_CR4_VMXE);
	snprintf(reason, len, "VMXON failed on CPU %d", cpu);
	return -EIO;
}

/* Interrupts disabled. */
static void vmx_cpu_disable(void)
{
	if (!this_cpu_read(vmx_enabled))
		return;
	asm volatile("vmxoff" : : : "memory", "cc");
	cr4_clear_bits(X86_CR4_VMXE);
	this_cpu_write(vmx_enabled, false);
}

const struct pvhv_vendor_ops pvhv_vmx_ops = {
	.name = "vmx",
	.npt_name = "ept",
	.vendor = PVHV_VENDOR_VMX,
	.probe = vmx_probe,
	.cpu_prepare = vmx_cpu_prepare,
	.cpu_unprepare = vmx_cpu_unprepare,
	.cpu_enable = vmx_cpu_enable,
	.cpu_disable = vmx_cpu_disable,
};
