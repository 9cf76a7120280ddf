// SPDX-License-Identifier: GPL-2.0-only
/*
 * pvhv AMD SVM backend: detection and per-CPU enable.
 *
 * References: AMD64 Architecture Programmer's Manual vol. 2 (24593), ch. 15
 * "Secure Virtual Machine": 15.4 "Enabling SVM", 15.30.1 "VM_CR MSR",
 * 15.30.4 "VM_HSAVE_PA MSR", 15.25 "Nested Paging".
 *
 * Locking: none. The per-CPU state (svm_hsave, svm_enabled) is written only
 * by the CPU hotplug and syscore callbacks, which the core serializes.
 */
#define pr_fmt(fmt) "pvhv: svm: " fmt

#include <linux/gfp.h>
#include <linux/mm.h>
#include <linux/percpu.h>
#include <linux/smp.h>
#include <linux/topology.h>
#include <asm/io.h>
#include <asm/msr.h>
#include <asm/msr-index.h>
#include <asm/processor.h>

#include "../core.h"

/* CPUID Fn8000_0001_ECX[2]: SVM (APM vol. 2, 15.4). */
#define SVM_CPUID_EXT_FEATURES		0x80000001
#define SVM_CPUID_ECX_SVM		BIT(2)
/* CPUID Fn8000_000A: SVM revision and features; EDX[0] = nested paging. */
#define SVM_CPUID_FEATURES		0x8000000a
#define SVM_CPUID_EDX_NP		BIT(0)
/* VM_CR MSR C001_0114h (APM vol. 2, 15.30.1): LOCK bit 3, SVMDIS bit 4. */
#define SVM_VM_CR_LOCK			BIT(3)
#define SVM_VM_CR_SVMDIS		BIT(4)

/* The host save area of each CPU (APM 15.30.4); owned by that CPU. */
static DEFINE_PER_CPU(struct page *, svm_hsave);
/* Whether this CPU has EFER.SVME set by us. */
static DEFINE_PER_CPU(bool, svm_enabled);

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

static int svm_cpu_prepare(unsigned int cpu)
{
	struct page *hsave;

	if (per_cpu(svm_hsave, cpu))
		return 0;
	hsave = alloc_pages_node(cpu_to_node(cpu), GFP_KERNEL | __GFP_ZERO, 0);
	if (!hsave)
		return -ENOMEM;
	per_cpu(svm_hsave, cpu) = hsave;
	atomic64_inc(&pvhv_counters.objects);
	return 0;
}

static void svm_cpu_unprepare(unsigned int cpu)
{
	struct page *hsave = per_cpu(svm_hsave, cpu);

	if (!hsave)
		return;
	per_cpu(svm_hsave, cpu) = NULL;
	__free_page(hsave);
	atomic64_dec(&pvhv_counters.objects);
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

const struct pvhv_vendor_ops pvhv_svm_ops = {
	.name = "svm",
	.npt_name = "npt",
	.vendor = PVHV_VENDOR_SVM,
	.probe = svm_probe,
	.cpu_prepare = svm_cpu_prepare,
	.cpu_unprepare = svm_cpu_unprepare,
	.cpu_enable = svm_cpu_enable,
	.cpu_disable = svm_cpu_disable,
};
