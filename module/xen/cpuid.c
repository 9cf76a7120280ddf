// SPDX-License-Identifier: GPL-2.0-only
/*
 * What a Xen guest sees of the CPU: the CPUID policy (host leaves filtered
 * to what pvhv virtualizes, plus Xen's leaves 0x40000000..0x40000004), the
 * Xen MSR that installs the hypercall page, and I/O ports (0xE9 is a debug
 * console; there are no emulated devices).
 *
 * Locking: runs on the vCPU's own thread; no locks.
 */
#define pr_fmt(fmt) "pvhv: xen: " fmt

#include <linux/errno.h>
#include <linux/kernel.h>
#include <linux/ratelimit.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <asm/processor.h>
#include <asm/tsc.h>
#include <asm/xen/cpuid.h>
#include <xen/interface/xen.h>

#include "../core.h"

#define PVHV_XEN_CPUID_MAX	XEN_CPUID_LEAF(4)
#define PVHV_XEN_MSR_HCALL_PAGE	0x40000000	/* reported in leaf 2 EBX */
#define PVHV_DEBUG_PORT		0xe9

/* XCR0 features a guest may enable: x87, SSE, AVX. */
#define PVHV_GUEST_XCR0_MASK	0x7ULL

static void pvhv_xen_leaves(struct pvhv_vcpu *v, u32 leaf, u32 subleaf, u32 out[4])
{
	switch (leaf - XEN_CPUID_FIRST_LEAF) {
	case 0:
		out[0] = PVHV_XEN_CPUID_MAX;
		out[1] = XEN_CPUID_SIGNATURE_EBX;
		out[2] = XEN_CPUID_SIGNATURE_ECX;
		out[3] = XEN_CPUID_SIGNATURE_EDX;
		break;
	case 1:
		out[0] = (4 << 16) | 17;	/* Xen 4.17, as XENVER_version */
		break;
	case 2:
		out[0] = 1;			/* hypercall pages */
		out[1] = PVHV_XEN_MSR_HCALL_PAGE;
		break;
	case 3:
		/* Time: sub-leaf 0 ECX/2 EAX carry the TSC frequency in kHz. */
		if (subleaf == 0)
			out[2] = tsc_khz;
		else if (subleaf == 2)
			out[0] = tsc_khz;
		break;
	case 4:
		if (subleaf == 0) {
			out[0] = XEN_HVM_CPUID_VCPU_ID_PRESENT | XEN_HVM_CPUID_DOMID_PRESENT |
				 XEN_HVM_CPUID_UPCALL_VECTOR;
			out[1] = v->id;
			out[2] = v->d->domid;
		}
		break;
	}
}

void pvhv_xen_cpuid(struct pvhv_vcpu *v, u32 leaf, u32 subleaf, u32 out[4])
{
	struct pvhv_paging pg;

	memset(out, 0, 4 * sizeof(u32));
	if (leaf >= XEN_CPUID_FIRST_LEAF && leaf <= PVHV_XEN_CPUID_MAX) {
		pvhv_xen_leaves(v, leaf, subleaf, out);
		return;
	}
	if (leaf > 0x1f && leaf < 0x80000000)
		return;
	if (leaf >= 0x80000000 && leaf > cpuid_eax(0x80000000))
		return;
	cpuid_count(leaf, subleaf, &out[0], &out[1], &out[2], &out[3]);

	switch (leaf) {
	case 0x1:
		/* ECX: no MONITOR(3), VMX(5), SMX(6), x2APIC(21), TSC-deadline(24),
		 * PCID(17); OSXSAVE(27) mirrors the guest's CR4; hypervisor(31). */
		out[2] &= ~(BIT(3) | BIT(5) | BIT(6) | BIT(17) | BIT(21) | BIT(24) | BIT(27));
		pvhv_vendor->get_paging(v, &pg);
		if (pg.cr4 & X86_CR4_OSXSAVE)
			out[2] |= BIT(27);
		out[2] |= BIT(31);
		/* EBX[31:24]: initial APIC id = vCPU id; [23:16] logical count 1. */
		out[1] = (out[1] & 0xffff) | (1 << 16) | (v->id << 24);
		/* EDX: no APIC(9) until it is emulated, no ACPI/TM/PBE (22, 29, 31). */
		out[3] &= ~(BIT(9) | BIT(22) | BIT(29) | BIT(31));
		break;
	case 0x6: case 0x5: case 0xa: case 0xb: case 0x1f:
		/* Power management, MONITOR, PMU and topology are not virtualized. */
		memset(out, 0, 4 * sizeof(u32));
		break;
	case 0x7:
		if (subleaf == 0) {
			/* EBX: FSGSBASE, BMI1, AVX2, SMEP, BMI2, ERMS, ADX, SMAP,
			 * CLFLUSHOPT, SHA. No AVX-512 (not in XCR0), no PKU. */
			out[0] = 0;
			out[1] &= BIT(0) | BIT(3) | BIT(5) | BIT(7) | BIT(8) | BIT(9) |
				  BIT(19) | BIT(20) | BIT(23) | BIT(29);
			out[2] = 0;
			out[3] = 0;
		} else {
			memset(out, 0, 4 * sizeof(u32));
		}
		break;
	case 0xd:
		if (subleaf == 0) {
			out[0] &= PVHV_GUEST_XCR0_MASK;
			out[3] = 0;
			/* EBX (size for the current XCR0) and ECX (for all of them)
			 * come from the host with AVX at most. */
			out[2] = (out[0] & BIT(2)) ? 576 + 256 : 576;
			out[1] = out[2];
		} else if (subleaf == 1) {
			out[0] &= BIT(0);	/* XSAVEOPT only; no XSAVES/XSS */
			out[1] = out[2] = out[3] = 0;
		} else if (subleaf != 2) {
			memset(out, 0, 4 * sizeof(u32));
		}
		break;
	case 0x80000001:
		/* ECX: no SVM(2), no SKINIT(12), no WDT(13), no perfctr(23).
		 * EDX: no RDTSCP(27): IA32_TSC_AUX is not switched, the guest
		 * would read the host's (both backends make RDTSCP #UD). */
		out[2] &= ~(BIT(2) | BIT(12) | BIT(13) | BIT(23));
		out[3] &= ~BIT(27);
		break;
	case 0x8000000a:
		memset(out, 0, 4 * sizeof(u32));	/* no nested SVM */
		break;
	}
}

static int pvhv_install_hypercall_page(struct pvhv_vcpu *v, u64 val)
{
	u8 *page;
	int i, ret;

	if (val & 0xfff)
		return -EINVAL;		/* only page 0 exists (leaf 2 EAX = 1) */
	page = kmalloc(PAGE_SIZE, GFP_KERNEL);
	if (!page)
		return -ENOMEM;
	memset(page, 0xcc, PAGE_SIZE);	/* int3 between the stubs */
	for (i = 0; i < PAGE_SIZE / 32; i++) {
		u8 *p = page + i * 32;

		p[0] = 0xb8;		/* mov $i, %eax */
		p[1] = i;
		p[2] = p[3] = p[4] = 0;
		memcpy(p + 5, pvhv_vendor->hypercall_insn, 3);
		p[8] = 0xc3;		/* ret */
	}
	/* As Xen: no HYPERVISOR_iret for HVM guests, a ud2 there. */
	page[__HYPERVISOR_iret * 32] = 0x0f;
	page[__HYPERVISOR_iret * 32 + 1] = 0x0b;
	ret = pvhv_write_gpa(v->d, val, page, PAGE_SIZE);
	kfree(page);
	if (!ret) {
		struct pvhv_paging pg;

		pvhv_vendor->get_paging(v, &pg);
		pvhv_xen_latch_shinfo(v, !pg.mode64);	/* as Xen's hypercall page init */
	}
	return ret;
}

int pvhv_xen_wrmsr(struct pvhv_vcpu *v, u32 msr, u64 val)
{
	if (msr == PVHV_XEN_MSR_HCALL_PAGE)
		return pvhv_install_hypercall_page(v, val) ? -EINVAL : 0;
	return -ENOENT;
}

int pvhv_xen_rdmsr(struct pvhv_vcpu *v, u32 msr, u64 *val)
{
	return -ENOENT;	/* the hypercall-page MSR is write-only, as on Xen */
}

void pvhv_xen_io(struct pvhv_vcpu *v, u16 port, u8 size, bool in, u32 *val)
{
	char c;

	if (port == PVHV_DEBUG_PORT && size == 1) {
		if (in) {
			*val = PVHV_DEBUG_PORT;	/* bochs' convention: reads 0xE9 */
		} else {
			c = *val;
			pvhv_console_write(v->d, &c, 1);
		}
		return;
	}
	/* No emulated devices: reads float high, writes are dropped. */
	if (in)
		*val = size == 4 ? 0xffffffff : (1U << (size * 8)) - 1;
}
