// SPDX-License-Identifier: GPL-2.0-only
/*
 * A vCPU's x86 state: its XSAVE area, XCR0 and debug registers (the parts
 * neither VMCB nor VMCS holds), the state it starts from (Xen's PVH entry),
 * and the x86 rules a whole new state must meet before a vendor loads it
 * (VCPUOP_initialise: xen/vcpu.c checks Xen's rules, this the CPU's), so
 * both vendors accept and refuse exactly the same states.
 *
 * References: Xen docs/misc/pvh.pandoc (the entry state); Intel SDM vol. 3A
 * 2.5 (control registers), 4.4.1 (PDPTEs), 9.8.5 (IA-32e mode); AMD APM
 * vol. 2 14.6 (long mode), 3.1.7 (EFER).
 *
 * Locking: the vCPU's own thread, or its creator under the domain lock
 * before the thread runs.
 */
#define pr_fmt(fmt) "pvhv: x86: " fmt

#include <linux/gfp.h>
#include <linux/mm.h>

#include "x86.h"

int pvhv_x86_vcpu_init(struct pvhv_vcpu *v)
{
	v->x86.xsave = (void *)get_zeroed_page(GFP_KERNEL_ACCOUNT);
	if (!v->x86.xsave)
		return -ENOMEM;
	atomic64_inc(&pvhv_counters.objects);
	v->x86.xcr0 = 1;	/* x87 only, the reset value */
	pvhv_x86_xsave_reset(v->x86.xsave);
	pvhv_x86_debugregs_reset(&v->x86.dr);
	pvhv_x86_lapic_init(v);
	pvhv_x86_mtrr_reset(&v->x86.mtrr);
	return 0;
}

void pvhv_x86_vcpu_free(struct pvhv_vcpu *v)
{
	if (!v->x86.xsave)
		return;
	pvhv_x86_lapic_stop(v);
	free_page((unsigned long)v->x86.xsave);
	v->x86.xsave = NULL;
	atomic64_dec(&pvhv_counters.objects);
}

/* What a reset leaves in the state only the x86 layer holds. */
static void x86_reset_common(struct pvhv_vcpu *v)
{
	v->x86.xcr0 = 1;
	pvhv_x86_xsave_reset(v->x86.xsave);
	pvhv_x86_debugregs_reset(&v->x86.dr);
}

static void x86_flat(struct pvhv_x86_seg *s, u16 sel, u16 attr)
{
	s->sel = sel;
	s->attr = attr;
	s->limit = 0xffffffff;
	s->base = 0;
}

/*
 * Xen's PVH entry state (docs/misc/pvh.pandoc): 32-bit flat protected mode,
 * paging off, CR0 = PE|ET, CR4 = 0, flat 4 GiB CS/DS/ES/SS/FS/GS, TR a
 * 32-bit busy TSS with base 0 and limit 0x67, EFLAGS with only the reserved
 * bit 1, EBX = start_info, the other registers 0.
 */
void pvhv_x86_reset_pvh(struct pvhv_vcpu *v, u32 entry, u32 ebx)
{
	struct pvhv_x86_state st = {
		.tr = { .sel = 0x18, .attr = 0x08b, .limit = 0x67 },	/* 32-bit busy TSS */
		.ldtr = { .attr = 0x082, .limit = 0xffff },
		.gdt_limit = 0xffff,
		.idt_limit = 0xffff,
		.cr0 = X86_CR0_PE | X86_CR0_ET,
		.rip = entry,
		.rflags = X86_EFLAGS_FIXED,
	};

	x86_flat(&st.cs, 0x08, 0xc9b);	/* code, R/X, accessed, DB, G */
	x86_flat(&st.ds, 0x10, 0xc93);	/* data, R/W, accessed, DB, G */
	st.es = st.ss = st.fs = st.gs = st.ds;
	memset(v->regs, 0, sizeof(v->regs));
	v->regs[PVHV_RBX] = ebx;
	x86_reset_common(v);
	pvhv_vendor->set_state(v, &st);
}

/*
 * The CPU's rules for a whole state: CR0 (no bits 63:32, PG needs PE, NW
 * needs CD), CR4 only what CPUID offers, EFER only what CPUID offers and
 * LMA exactly when LME and PG (then PAE on, CS not both L and D), CS.L only
 * in long mode, CR3 below MAXPHYADDR, RIP canonical, no virtual-8086 mode,
 * readable PDPTEs for PAE paging. RFLAGS' reserved bits are forced.
 */
int pvhv_x86_set_state(struct pvhv_vcpu *v, struct pvhv_x86_state *st, const u64 regs[8])
{
	bool lma = (st->efer & EFER_LME) && (st->cr0 & X86_CR0_PG);
	u32 ext[4];

	pvhv_x86_cpuid(v, 0x80000001, 0, ext);
	if ((st->cr0 >> 32) || ((st->cr0 & X86_CR0_PG) && !(st->cr0 & X86_CR0_PE)) ||
	    ((st->cr0 & X86_CR0_NW) && !(st->cr0 & X86_CR0_CD)))
		return -EINVAL;
	if (st->cr4 & ~v->x86.cr4_allowed)
		return -EINVAL;
	if ((st->efer & ~PVHV_X86_GUEST_EFER) ||
	    ((st->efer & EFER_SCE) && !(ext[3] & BIT(11))) ||
	    ((st->efer & EFER_NX) && !(ext[3] & BIT(20))) ||
	    ((st->efer & EFER_LME) && !(ext[3] & BIT(29))))
		return -EINVAL;
	if (!!(st->efer & EFER_LMA) != lma)
		return -EINVAL;
	if (lma && (!(st->cr4 & X86_CR4_PAE) ||
		    ((st->cs.attr & PVHV_X86_SEG_L) && (st->cs.attr & PVHV_X86_SEG_DB))))
		return -EINVAL;
	if (!lma && (st->cs.attr & PVHV_X86_SEG_L))
		return -EINVAL;
	if (st->cr3 & GENMASK_ULL(63, boot_cpu_data.x86_phys_bits))
		return -EINVAL;
	if (lma ? !pvhv_x86_canonical(st->rip) : st->rip >> 32)
		return -EINVAL;
	if (st->rflags & X86_EFLAGS_VM)
		return -EINVAL;
	st->rflags = (st->rflags & PVHV_X86_RFLAGS_OK) | X86_EFLAGS_FIXED;
	st->cr0 |= X86_CR0_ET;
	st->pae_pdptes = pvhv_x86_pae_paging(st->cr0, st->cr4, st->efer);
	if (st->pae_pdptes && pvhv_x86_read_pdptes(v, st->cr3, st->pdpte))
		return -EINVAL;
	memset(v->regs, 0, sizeof(v->regs));
	memcpy(v->regs, regs, 8 * sizeof(u64));
	x86_reset_common(v);
	pvhv_vendor->set_state(v, st);
	return 0;
}
