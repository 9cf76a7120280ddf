// SPDX-License-Identifier: GPL-2.0-only
/*
 * The CPUID policy: what a guest sees of the host CPU, filtered to what pvhv
 * virtualizes (Intel SDM vol. 2A "CPUID"; AMD APM vol. 3 appendix E), with
 * Xen's own leaves (0x40000000..) answered by xen/cpuid.c. The control
 * bits a guest may set follow from it (pvhv_x86_cr4_allowed), so a feature
 * CPUID does not offer cannot be switched on either.
 *
 * Locking: runs on the vCPU's own thread (or its creator's); no locks.
 */
#define pr_fmt(fmt) "pvhv: x86: " fmt

#include <linux/string.h>
#include <asm/processor.h>

#include "x86.h"

void pvhv_x86_cpuid(struct pvhv_vcpu *v, u32 leaf, u32 subleaf, u32 out[4])
{
	struct pvhv_paging pg;

	memset(out, 0, 4 * sizeof(u32));
	if (pvhv_xen_cpuid(v, leaf, subleaf, out))
		return;
	if (leaf > 0x1f && leaf < 0x80000000)
		return;
	if (leaf >= 0x80000000 && leaf > cpuid_eax(0x80000000))
		return;
	cpuid_count(leaf, subleaf, &out[0], &out[1], &out[2], &out[3]);

	switch (leaf) {
	case 0x1:
		/* ECX: no MONITOR(3), VMX(5), SMX(6), PCID(17); OSXSAVE(27)
		 * mirrors the guest's CR4; hypervisor(31); x2APIC(21) and
		 * TSC-deadline(24), whatever the host has: both are emulated
		 * (x86/lapic.c). */
		out[2] &= ~(BIT(3) | BIT(5) | BIT(6) | BIT(17) | BIT(27));
		pvhv_vendor->get_paging(v, &pg);
		if (pg.cr4 & X86_CR4_OSXSAVE)
			out[2] |= BIT(27);
		out[2] |= BIT(21) | BIT(24) | BIT(31);
		/* EBX[31:24]: initial APIC id, PVHV_APIC_ID() as in the MADT and
		 * the local APIC (its low 8 bits, as Xen); [23:16] logical count 1. */
		out[1] = (out[1] & 0xffff) | (1 << 16) | ((PVHV_APIC_ID(v->id) & 0xff) << 24);
		/* EDX: the APIC(9), emulated; no ACPI/TM/PBE (22, 29, 31). */
		out[3] &= ~(BIT(22) | BIT(29) | BIT(31));
		out[3] |= BIT(9);
		break;
	case 0x6: case 0x5: case 0xa: case 0xb: case 0x1f:
		/* Power management, MONITOR, PMU and topology are not virtualized. */
		memset(out, 0, 4 * sizeof(u32));
		break;
	case 0x7:
		if (subleaf == 0) {
			/* EBX: FSGSBASE, BMI1, AVX2, SMEP, BMI2, ERMS, ADX, SMAP,
			 * CLFLUSHOPT, SHA. No AVX-512 (not in XCR0), no PKU, no
			 * UMIP, no speculation controls (EDX): none is switched. */
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
			out[0] &= PVHV_X86_GUEST_XCR0;
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
	case 0x80000008:
		/*
		 * EBX: CLZERO(0), RstrFpErrPtrs(2), WBNOINVD(9) only. Not the
		 * speculation controls (IBPB 12, IBRS 14, STIBP 15, SSBD 24, ...):
		 * SPEC_CTRL/PRED_CMD are not the guest's to write, and a CPUID
		 * bit for them would make its writes #GP. Not RDPRU (4): it #UDs.
		 */
		out[1] &= BIT(0) | BIT(2) | BIT(9);
		break;
	case 0x8000000a:
		memset(out, 0, 4 * sizeof(u32));	/* no nested SVM */
		break;
	}
}

/*
 * CR4 bits the guest may set, as its CPUID offers them (SDM vol. 3A 2.5:
 * setting a bit whose feature is absent is #GP): VME..OSXMMEXCPT (bits 0-10,
 * every 64-bit CPU has their features), FSGSBASE, OSXSAVE, SMEP, SMAP, UMIP
 * when leaves 1 and 7 say so. Never VMXE, SMXE, PCIDE, PKE, LA57, CET.
 */
u64 pvhv_x86_cr4_allowed(struct pvhv_vcpu *v)
{
	u64 allowed = 0x7ff;
	u32 l1[4], l7[4];

	pvhv_x86_cpuid(v, 1, 0, l1);
	pvhv_x86_cpuid(v, 7, 0, l7);
	if (l1[2] & BIT(26))
		allowed |= X86_CR4_OSXSAVE;
	if (l7[1] & BIT(0))
		allowed |= X86_CR4_FSGSBASE;
	if (l7[1] & BIT(7))
		allowed |= X86_CR4_SMEP;
	if (l7[1] & BIT(20))
		allowed |= X86_CR4_SMAP;
	if (l7[2] & BIT(2))
		allowed |= X86_CR4_UMIP;
	return allowed & PVHV_X86_GUEST_CR4;
}
