// SPDX-License-Identifier: GPL-2.0-only
/*
 * The CPUID policy: what a guest sees of the host CPU, filtered to what pvhv
 * virtualizes (Intel SDM vol. 2A "CPUID"; AMD APM vol. 3 appendix E), with
 * Xen's own leaves (0x40000000..) answered by xen/cpuid.c. The control
 * bits a guest may set follow from it (pvhv_x86_cr4_allowed), so a feature
 * CPUID does not offer cannot be switched on either.
 *
 * Maximum leaves. Leaf 0 EAX is the host's clamped to 0xb..0x1f: at least
 * the topology leaf, which pvhv makes up, at most what the policy knows.
 * Leaf 0x80000000 EAX is the host's, at most 0x80000021 (Xen's
 * CPUID_GUEST_NR_EXTD_AMD): 0x80000022 and up (PerfMonV2, memory
 * encryption, the extended topology leaf 0x80000026) do not exist for the
 * guest. A leaf past either maximum, or one up to the guest's maximum that
 * the host does not have (Intel would repeat its highest basic leaf), reads
 * all zeros, the AMD rule Xen's guest_cpuid() follows.
 *
 * Topology. Whatever the host's, the guest has one package of N cores of
 * one thread each, N = the domain's vCPUs (all of them in the MADT, lib/
 * acpi.c). Xen's rule for HVM/PVH guests fixes the APIC IDs: vCPU n has
 * APIC ID 2n (PVHV_APIC_ID(), Xen's vlapic "vcpu_id * 2", the MADT, the
 * local APIC's ID register), "the illusion of no SMT" (tools/libs/guest/
 * xg_cpuid_x86.c): bit 0 numbers a sibling thread that is never there. So
 * the SMT level is 1 APIC ID bit wide with 1 thread, and the core level
 * covers C = 1 + order_base_2(N) bits: N = 1 -> C = 1, 2 -> 2, 3-4 -> 3,
 * 5-8 -> 4. Every vCPU answers alike but for its own APIC ID, so a guest's
 * secondary CPUs find the shifts its boot CPU found. Xen itself derives
 * these fields from the host's and doubles the counts (xg_cpuid_x86.c,
 * "TODO: Rework topology logic" in xen/arch/x86/cpuid.c); the values here
 * are those of its rework's x86_topo_from_parts() (threads/core 1,
 * cores/package N; xen-devel, "xen/lib: Add topology generator for x86",
 * v7) laid over the 2n APIC IDs. They are what Linux parses (6.1:
 * arch/x86/kernel/cpu/topology.c detect_extended_topology(), amd.c
 * amd_get_topology(); 6.12: topology_common.c, topology_ext.c,
 * topology_amd.c): no "APIC ID mismatch", no "Topology domain shift"
 * firmware bug, N cores of one package, core IDs 0..N-1 (2n on AMD
 * without TopoExt, which then has no leaf saying the SMT bit is empty).
 *
 *   1 EBX[31:24]	initial APIC ID (its low 8 bits, as Xen)
 *   1 EBX[23:16]	addressable logical IDs of the package: 2^C (at most
 *			255), so its count order is C (SDM vol. 3A 9.9 / 10.9)
 *   1 EDX[28]		HTT: 1, as Xen gives every HVM guest (the field valid)
 *   4 EAX[31:26]	addressable core IDs less one: 2^(C-1) - 1 (at most 63)
 *   4 EAX[25:14]	addressable IDs sharing the cache less one: L1/L2 are
 *			a core's, 2^1 - 1; L3 and up the package's, 2^C - 1.
 *			Intel's leaf (and other non-AMD vendors'); reserved on
 *			AMD/Hygon: zeros, as Xen
 *   0xb, 0x1f		subleaf 0: EAX 1 (shift), EBX 1 (thread), ECX 0x100
 *			(SMT, level 0); subleaf 1: EAX C, EBX N, ECX 0x201
 *			(core, level 1); subleaf 2 and up: EAX = EBX = 0, ECX
 *			the level number, type 0 (invalid). EDX: the x2APIC
 *			ID in every subleaf (SDM "Extended Topology
 *			Enumeration Leaf"). 0x1f is 0xb again (it exists when
 *			the host's maximum reaches it). For every vendor: AMD
 *			documents 0xb as well, and Xen offers it with the
 *			x2APIC; Linux reads it on AMD when TopoExt is set
 *   0x80000001 ECX	CmpLegacy(1): 1 on AMD/Hygon, the package's logical
 *			processors are cores (QEMU and x86_topo_from_parts set
 *			it; Xen 4.17's toolstack clears it); TopoExt(22) the
 *			host's (0x8000001d/0x8000001e are made up below);
 *			NodeId(19) never (its MSR is not emulated)
 *   0x80000008 ECX	AMD/Hygon: NC[7:0] = N - 1 (at most 255),
 *			ApicIdCoreIdSize[15:12] = C (at most 8, as
 *			x86_topo_from_parts; Xen 4.17 stops at 7), PerfTscSize
 *			[17:16] the host's, the rest 0 (APM E.4.7). Reserved on
 *			Intel: 0
 *   0x8000001d		AMD/Hygon with TopoExt: the host's caches, EAX[25:14]
 *			(NumSharingCache) as leaf 4's, the APIC ID range Linux
 *			takes it for (cacheinfo.c). Otherwise 0
 *   0x8000001e		AMD/Hygon with TopoExt: EAX the x2APIC ID (extended
 *			APIC ID), EBX[7:0] the core ID n, EBX[15:8]
 *			ThreadsPerCore - 1 = 0, ECX node 0 of 1 (APM E.4.15).
 *			Otherwise 0 (Xen hides TopoExt and this leaf)
 *   0x80000026		past the maximum: 0
 *
 * The fields saturate with more than 64 (leaf 4) or 128 vCPUs (leaf 1,
 * 0x80000008: 8-bit APIC IDs, ApicIdCoreIdSize 8), as Xen's do; leaves
 * 0xb/0x1f stay exact (EBX holds 16 bits, pvhv_max_vcpus at most 4096).
 *
 * Locking: runs on the vCPU's own thread (or its creator's); no locks.
 */
#define pr_fmt(fmt) "pvhv: x86: " fmt

#include <linux/build_bug.h>
#include <linux/log2.h>
#include <linux/minmax.h>
#include <linux/string.h>
#include <asm/cpufeature.h>
#include <asm/processor.h>

#include "x86.h"

#define X86_BASIC_MIN		0xbU		/* the topology leaf is always there */
#define X86_BASIC_MAX		0x1fU
#define X86_EXTD_MAX		0x80000021U
#define X86_SMT_SHIFT		1		/* APIC ID = vCPU id << 1 */

/* The guest's topology, as seen from one vCPU (the comment above). */
struct x86_topo {
	u32 apic_id;
	u32 nr;			/* vCPUs: the package's cores */
	u32 core_shift;		/* C: APIC ID bits below the package */
};

static void x86_topo(struct pvhv_vcpu *v, struct x86_topo *t)
{
	BUILD_BUG_ON(PVHV_APIC_ID(1) != BIT(X86_SMT_SHIFT));
	t->apic_id = pvhv_x86_apic_id(v->id);
	t->nr = v->d->max_vcpus;
	t->core_shift = X86_SMT_SHIFT + order_base_2(t->nr);
}

static bool x86_amd(void)
{
	return boot_cpu_data.x86_vendor == X86_VENDOR_AMD ||
	       boot_cpu_data.x86_vendor == X86_VENDOR_HYGON;
}

/* Leaves 0xb and 0x1f: SMT level, core level, then invalid ones. */
static void x86_topo_leaf(const struct x86_topo *t, u32 subleaf, u32 out[4])
{
	out[2] = subleaf & 0xff;	/* the level number, whatever the level */
	out[3] = t->apic_id;
	switch (subleaf) {
	case 0:
		out[0] = X86_SMT_SHIFT;
		out[1] = 1;
		out[2] |= 1 << 8;	/* SMT */
		break;
	case 1:
		out[0] = t->core_shift;
		out[1] = min(t->nr, 0xffffU);
		out[2] |= 2 << 8;	/* core */
		break;
	}
}

/*
 * Leaf 4 and 0x8000001d EAX[25:14], the IDs sharing a cache less one:
 * a core's for L1 and L2 (EAX[7:5]), the package's for the rest.
 */
static u32 x86_cache_sharing(u32 eax, const struct x86_topo *t)
{
	u32 shift = ((eax >> 5) & 7) <= 2 ? X86_SMT_SHIFT : t->core_shift;

	return (eax & ~GENMASK(25, 14)) | (min(BIT(shift) - 1, 0xfffUL) << 14);
}

void pvhv_x86_cpuid(struct pvhv_vcpu *v, u32 leaf, u32 subleaf, u32 out[4])
{
	u32 basic_max = clamp_t(u32, boot_cpu_data.cpuid_level, X86_BASIC_MIN, X86_BASIC_MAX);
	u32 extd_max = min(boot_cpu_data.extended_cpuid_level, X86_EXTD_MAX);
	struct pvhv_paging pg;
	struct x86_topo t;

	memset(out, 0, 4 * sizeof(u32));
	if (pvhv_xen_cpuid(v, leaf, subleaf, out))
		return;
	if (leaf < 0x80000000) {
		if (leaf > basic_max)
			return;
		if (leaf == 0xb || leaf == 0x1f) {
			x86_topo(v, &t);
			x86_topo_leaf(&t, subleaf, out);
			return;
		}
		if (leaf > boot_cpu_data.cpuid_level)
			return;
	} else if (leaf > extd_max) {
		return;
	}
	cpuid_count(leaf, subleaf, &out[0], &out[1], &out[2], &out[3]);

	switch (leaf) {
	case 0x0:
		out[0] = basic_max;
		break;
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
		 * the local APIC (its low 8 bits, as Xen); [23:16] the package's
		 * addressable logical IDs. */
		x86_topo(v, &t);
		out[1] = (out[1] & 0xffff) | (min(BIT(t.core_shift), 0xffUL) << 16) |
			 ((t.apic_id & 0xff) << 24);
		/* EDX: the APIC(9), emulated; HTT(28); no ACPI/TM/PBE (22, 29, 31). */
		out[3] &= ~(BIT(22) | BIT(29) | BIT(31));
		out[3] |= BIT(9) | BIT(28);
		break;
	case 0x4:
		if (x86_amd() || !(out[0] & 0x1f)) {
			memset(out, 0, 4 * sizeof(u32));	/* reserved, or no such cache */
			break;
		}
		x86_topo(v, &t);
		out[0] = (x86_cache_sharing(out[0], &t) & ~GENMASK(31, 26)) |
			 (min(BIT(t.core_shift - X86_SMT_SHIFT) - 1, 63UL) << 26);
		break;
	case 0x6: case 0x5: case 0xa:
		/* Power management, MONITOR and PMU are not virtualized. */
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
	case 0x80000000:
		out[0] = extd_max;
		break;
	case 0x80000001:
		/* ECX: no SVM(2), no SKINIT(12), no WDT(13), no NodeId(19), no
		 * perfctr(23); CmpLegacy(1) on AMD/Hygon, TopoExt(22) as the
		 * host has it (the topology above).
		 * EDX: no RDTSCP(27): IA32_TSC_AUX is not switched, the guest
		 * would read the host's (both backends make RDTSCP #UD). */
		out[2] &= ~(BIT(1) | BIT(2) | BIT(12) | BIT(13) | BIT(19) | BIT(22) | BIT(23));
		if (x86_amd()) {
			out[2] |= BIT(1);
			if (boot_cpu_has(X86_FEATURE_TOPOEXT))
				out[2] |= BIT(22);
		}
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
		/* ECX: AMD's core count and APIC ID core bits; Intel's is reserved. */
		if (x86_amd()) {
			x86_topo(v, &t);
			out[2] = (out[2] & GENMASK(17, 16)) | (min(t.core_shift, 8U) << 12) |
				 min(t.nr - 1, 0xffU);
		} else {
			out[2] = 0;
		}
		break;
	case 0x8000000a:
		memset(out, 0, 4 * sizeof(u32));	/* no nested SVM */
		break;
	case 0x8000001d:
		if (!x86_amd() || !boot_cpu_has(X86_FEATURE_TOPOEXT) || !(out[0] & 0x1f)) {
			memset(out, 0, 4 * sizeof(u32));
			break;
		}
		x86_topo(v, &t);
		out[0] = x86_cache_sharing(out[0], &t);
		break;
	case 0x8000001e:
		memset(out, 0, 4 * sizeof(u32));
		if (!x86_amd() || !boot_cpu_has(X86_FEATURE_TOPOEXT))
			break;
		x86_topo(v, &t);
		out[0] = t.apic_id;
		out[1] = v->id & 0xff;	/* core ID; 1 thread per core */
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
