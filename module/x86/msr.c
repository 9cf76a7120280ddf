// SPDX-License-Identifier: GPL-2.0-only
/*
 * Platform MSRs a guest kernel reads on its way up, as Xen answers an HVM
 * or PVH guest (xen/arch/x86/msr.c guest_rdmsr()/guest_wrmsr(),
 * xen/arch/x86/hvm/mtrr.c), so that what CPUID offers is backed by MSRs
 * that exist and Linux logs no "unchecked MSR access":
 *
 * - MTRRs (CPUID 1 EDX[12]; SDM vol. 3A 12.11, APM vol. 2 7.7): IA32_MTRRCAP
 *   as Xen's (8 variable ranges, fixed ranges, write-combining), the
 *   default type, 8 variable and 11 fixed-range registers, per vCPU, with
 *   the reserved-bit and memory-type checks of a write (#GP). The guest
 *   starts with MTRRs enabled and write-back as the default type, what Xen
 *   gives a PVH guest (there is no firmware to program them). They describe
 *   what the guest believes; nested paging maps its RAM write-back whatever
 *   they say (no device is assigned to it).
 * - Machine check: IA32_MCG_CAP with no banks and no MCG_CTL, IA32_MCG_STATUS
 *   0 (writable with 0 only): nothing is reported to a guest.
 * - Intel: IA32_MISC_ENABLE (BTS and PEBS unavailable; a write may only
 *   keep it), IA32_FEATURE_CONTROL (locked, nothing enabled: no VMX/SMX
 *   for the guest), IA32_PLATFORM_ID 0.
 * - AMD: HWCR (TscFreqSel: the TSC runs at the P0 frequency), SYSCFG 0 (no
 *   MTRR extensions, no memory encryption), DE_CFG with LFENCE serializing
 *   (as Xen and KVM report it); writes to them are ignored, as Xen does.
 * - Both: the microcode revision (IA32_BIOS_SIGN_ID / PATCH_LEVEL) reads 0;
 *   writes are ignored (Intel's "write 0, CPUID, read" sequence).
 *
 * Locking: the vCPU's own thread; the MTRR state is its alone.
 */
#define pr_fmt(fmt) "pvhv: x86: " fmt

#include <linux/errno.h>
#include <linux/nospec.h>
#include <asm/mtrr.h>
#include <asm/msr-index.h>
#include <asm/processor.h>

#include "x86.h"

#define X86_MTRR_VCNT		8
/* IA32_MTRRCAP: VCNT, FIX (bit 8), WC (bit 10), as Xen's hvm_vcpu_cacheattr_init(). */
#define X86_MTRR_CAP		(X86_MTRR_VCNT | BIT(8) | BIT(10))
#define X86_MTRR_DEF_FE		BIT(10)
#define X86_MTRR_DEF_E		BIT(11)
#define X86_MTRR_VALID		BIT(11)		/* IA32_MTRR_PHYSMASKn.V */

#define X86_DE_CFG_LFENCE	BIT(1)		/* MSR_AMD64_DE_CFG_LFENCE_SERIALIZE */
#define X86_HWCR_TSC_FREQ_SEL	BIT(24)
#define X86_FEAT_CTL_LOCKED	BIT(0)

void pvhv_x86_mtrr_reset(struct pvhv_x86_mtrr *m)
{
	memset(m, 0, sizeof(*m));
	m->def_type = X86_MTRR_DEF_E | MTRR_TYPE_WRBACK;
}

/* The memory types an MTRR may hold (SDM vol. 3A Table 12-8): UC, WC, WT, WP, WB. */
static bool x86_mtrr_type_ok(u64 type)
{
	return type == MTRR_TYPE_UNCACHABLE || type == MTRR_TYPE_WRCOMB ||
	       type == MTRR_TYPE_WRTHROUGH || type == MTRR_TYPE_WRPROT ||
	       type == MTRR_TYPE_WRBACK;
}

/* Physical-address bits the guest's CPUID gives (leaf 0x80000008 EAX[7:0]). */
static u64 x86_phys_mask(struct pvhv_vcpu *v)
{
	u32 out[4];

	pvhv_x86_cpuid(v, 0x80000008, 0, out);
	return GENMASK_ULL((out[0] & 0xff) - 1, 12);
}

/* The fixed-range MTRRs in the order struct pvhv_x86_mtrr keeps them; -1: not one. */
static int x86_mtrr_fixed_index(u32 msr)
{
	switch (msr) {
	case MSR_MTRRfix64K_00000:
		return 0;
	case MSR_MTRRfix16K_80000:
		return 1;
	case MSR_MTRRfix16K_A0000:
		return 2;
	case MSR_MTRRfix4K_C0000 ... MSR_MTRRfix4K_F8000:
		return 3 + msr - MSR_MTRRfix4K_C0000;
	}
	return -1;
}

static int x86_mtrr_write(struct pvhv_vcpu *v, u32 msr, u64 val)
{
	struct pvhv_x86_mtrr *m = &v->x86.mtrr;
	int i, b;

	if (msr == MSR_MTRRdefType) {
		if (val & ~(0xffULL | X86_MTRR_DEF_FE | X86_MTRR_DEF_E) ||
		    !x86_mtrr_type_ok(val & 0xff))
			return -EINVAL;
		m->def_type = val;
		return 0;
	}
	i = x86_mtrr_fixed_index(msr);
	if (i >= 0) {
		for (b = 0; b < 64; b += 8)
			if (!x86_mtrr_type_ok((val >> b) & 0xff))
				return -EINVAL;
		m->fixed[i] = val;
		return 0;
	}
	i = msr - MTRRphysBase_MSR(0);
	if (i & 1) {	/* PHYSMASKn */
		if (val & ~(x86_phys_mask(v) | X86_MTRR_VALID))
			return -EINVAL;
	} else if (val & ~(x86_phys_mask(v) | 0xff) || !x86_mtrr_type_ok(val & 0xff)) {
		return -EINVAL;
	}
	m->var[array_index_nospec(i, 2 * X86_MTRR_VCNT)] = val;
	return 0;
}

/* Xen's guest_misc_enable(): the host's fast-strings bit, BTS and PEBS unavailable. */
static u64 x86_misc_enable(void)
{
	u64 host = 0;

	rdmsrl_safe(MSR_IA32_MISC_ENABLE, &host);
	return (host & MSR_IA32_MISC_ENABLE_FAST_STRING) |
	       MSR_IA32_MISC_ENABLE_BTS_UNAVAIL | MSR_IA32_MISC_ENABLE_PEBS_UNAVAIL;
}

static bool x86_amd(void)
{
	return boot_cpu_data.x86_vendor == X86_VENDOR_AMD ||
	       boot_cpu_data.x86_vendor == X86_VENDOR_HYGON;
}

int pvhv_x86_platform_msr(struct pvhv_vcpu *v, u32 msr, bool write, u64 *val)
{
	struct pvhv_x86_mtrr *m = &v->x86.mtrr;
	bool amd = x86_amd();
	int i;

	switch (msr) {
	case MSR_MTRRcap:
		if (write)
			return -EINVAL;
		*val = X86_MTRR_CAP;
		return 0;
	case MSR_MTRRdefType:
	case MTRRphysBase_MSR(0) ... MTRRphysMask_MSR(X86_MTRR_VCNT - 1):
	case MSR_MTRRfix64K_00000:
	case MSR_MTRRfix16K_80000:
	case MSR_MTRRfix16K_A0000:
	case MSR_MTRRfix4K_C0000 ... MSR_MTRRfix4K_F8000:
		if (write)
			return x86_mtrr_write(v, msr, *val);
		if (msr == MSR_MTRRdefType) {
			*val = m->def_type;
		} else {
			i = x86_mtrr_fixed_index(msr);
			if (i >= 0)
				*val = m->fixed[i];
			else
				*val = m->var[array_index_nospec(msr - MTRRphysBase_MSR(0),
								 2 * X86_MTRR_VCNT)];
		}
		return 0;
	case MSR_IA32_MCG_CAP:
		if (write)
			return -EINVAL;
		*val = 0;	/* no banks, no MCG_CTL */
		return 0;
	case MSR_IA32_MCG_STATUS:
		if (write)
			return *val ? -EINVAL : 0;
		*val = 0;
		return 0;
	case MSR_IA32_UCODE_REV:	/* MSR_AMD64_PATCH_LEVEL on AMD */
		if (!write)
			*val = 0;
		return 0;
	case MSR_IA32_MISC_ENABLE:
		if (amd)
			return -EINVAL;
		if (write)
			return *val == x86_misc_enable() ? 0 : -EINVAL;
		*val = x86_misc_enable();
		return 0;
	case MSR_IA32_FEAT_CTL:
		if (amd || write)
			return -EINVAL;
		*val = X86_FEAT_CTL_LOCKED;
		return 0;
	case MSR_IA32_PLATFORM_ID:
		if (amd || write)
			return -EINVAL;
		*val = 0;
		return 0;
	case MSR_K7_HWCR:
		if (!amd)
			return -EINVAL;
		if (!write)
			*val = boot_cpu_data.x86 >= 0x10 ? X86_HWCR_TSC_FREQ_SEL : 0;
		return 0;
	case MSR_AMD64_SYSCFG:
		if (!amd)
			return -EINVAL;
		if (!write)
			*val = 0;
		return 0;
	case MSR_AMD64_DE_CFG:
		if (!amd)
			return -EINVAL;
		if (!write)
			*val = X86_DE_CFG_LFENCE;
		return 0;
	}
	return -ENOENT;
}
