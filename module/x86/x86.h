/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The x86 layer: the CPU and platform rules, written once for both vendors.
 * An exit flows top-down: the vendor (svm/, vmx/) decodes its VMCB/VMCS
 * into a struct pvhv_x86_exit (x86/vcpu.h); pvhv_x86_handle_exit() applies
 * the x86 rules (exit.c: CR/EFER/XCR0/PAT, the MSR and I/O port policy,
 * debug registers, exception reflection; cpuid.c: the CPUID policy;
 * decode.c: the instructions an exit does not describe) and calls xen/ for
 * what the Xen ABI owns (hypercalls, its CPUID leaves and MSRs); the
 * resulting guest state goes back through the vendor's state operations
 * (vendor.h). One nested-paging implementation serves both (npt.c).
 * Vendor-neutral (Intel SDM vol. 1 ch. 13 "XSAVE", vol. 3A 2.5 "Control
 * registers", 11.12.2 "IA32_PAT"; AMD APM vol. 2 3.1 and 7.8).
 *
 * Locking: none of its own; a vCPU's state belongs to its thread, the
 * nested tables change under the domain lock (npt.h).
 */
#ifndef PVHV_X86_H
#define PVHV_X86_H

#include <linux/percpu.h>
#include <linux/string.h>
#include <linux/types.h>
#include <asm/debugreg.h>
#include <asm/msr-index.h>
#include <asm/nospec-branch.h>
#include <asm/processor-flags.h>
#include <asm/trapnr.h>
#include <asm/fpu/xcr.h>
#include <asm/msr.h>

#include "../core.h"

/* XCR0 features a guest may enable: x87, SSE, AVX (what xen/cpuid.c offers). */
#define PVHV_X86_GUEST_XCR0	0x7ULL
/* The guest's XSAVE area: legacy 512 + header 64 + AVX 256 bytes fit a page. */
#define PVHV_X86_XSAVE_SIZE	PAGE_SIZE

/* CR4 bits a guest may hold: VME..OSXMMEXCPT, FSGSBASE, OSXSAVE, SMEP, SMAP. */
#define PVHV_X86_GUEST_CR4	(0x7ffULL | BIT_ULL(16) | BIT_ULL(18) | BIT_ULL(20) | BIT_ULL(21))
#define PVHV_X86_GUEST_EFER	((u64)(EFER_SCE | EFER_LME | EFER_LMA | EFER_NX))

/* The host's XCR0, read at load (pvhv_x86_setup); immutable afterwards. */
extern u64 pvhv_x86_host_xcr0;
/* The XSAVE components switched at each entry. */
#define PVHV_X86_XSAVE_MASK	(PVHV_X86_GUEST_XCR0 & pvhv_x86_host_xcr0)

/* x86/exit.c */
int pvhv_x86_setup(char *reason, size_t len);	/* at load, after the vendor's probe */
void pvhv_x86_handle_exit(struct pvhv_vcpu *v, const struct pvhv_x86_exit *ex);
/* PAE paging's four PDPTEs at @cr3: -EINVAL if unreadable or one has a reserved bit (#GP). */
int pvhv_x86_read_pdptes(struct pvhv_vcpu *v, u64 cr3, u64 pdpte[4]);
/*
 * Interrupt injection, both vendors alike (interrupts off, before the
 * entry): pvhv_x86_pending_irq() gives the vector to inject, or 0; once
 * the vendor wrote it into the entry's event injection it calls
 * pvhv_x86_irq_injected() with it (an APIC vector goes in service then).
 */
u8 pvhv_x86_pending_irq(struct pvhv_vcpu *v);
void pvhv_x86_irq_injected(struct pvhv_vcpu *v, u8 vector);
/* x86/lapic.c */
void pvhv_x86_lapic_init(struct pvhv_vcpu *v);
void pvhv_x86_lapic_stop(struct pvhv_vcpu *v);		/* its timer, before the vCPU goes */
int pvhv_x86_lapic_rdmsr(struct pvhv_vcpu *v, u32 msr, u64 *val);	/* -ENOENT: not its MSR */
int pvhv_x86_lapic_wrmsr(struct pvhv_vcpu *v, u32 msr, u64 val);
bool pvhv_x86_lapic_mmio(struct pvhv_vcpu *v, u64 gpa);		/* in its xAPIC page? */
void pvhv_x86_lapic_mmio_access(struct pvhv_vcpu *v, u64 gpa, u8 size, bool write, u64 *val);
u8 pvhv_x86_lapic_cr8(struct pvhv_vcpu *v);
void pvhv_x86_lapic_set_cr8(struct pvhv_vcpu *v, u8 val);
/* x86/state.c */
int pvhv_x86_vcpu_init(struct pvhv_vcpu *v);
void pvhv_x86_vcpu_free(struct pvhv_vcpu *v);
/* Xen's PVH entry state (docs/misc/pvh.pandoc): 32-bit flat protected mode, EBX = start_info. */
void pvhv_x86_reset_pvh(struct pvhv_vcpu *v, u32 entry, u32 ebx);
/*
 * Start the vCPU from @st with general registers @regs (RAX..RDI, 8 of
 * them): -EINVAL if the state breaks an x86 rule (the same on both vendors).
 */
int pvhv_x86_set_state(struct pvhv_vcpu *v, struct pvhv_x86_state *st, const u64 regs[8]);
/* x86/hostmsr.c: host MSRs the guest reaches without exits (TSC_AUX, XSS). */
extern u64 pvhv_x86_host_xss;
void pvhv_x86_hostmsr_setup(void);
void pvhv_x86_load_guest_msrs(void);	/* before an entry, interrupts off */
void pvhv_x86_cpu_disable(void);	/* the CPU leaves our use, interrupts off */
/* x86/msr.c: platform MSRs (MTRRs, machine check, vendor ones); -ENOENT: not one. */
void pvhv_x86_mtrr_reset(struct pvhv_x86_mtrr *m);
int pvhv_x86_platform_msr(struct pvhv_vcpu *v, u32 msr, bool write, u64 *val);
/* x86/cpuid.c */
void pvhv_x86_cpuid(struct pvhv_vcpu *v, u32 leaf, u32 subleaf, u32 out[4]);
u64 pvhv_x86_cr4_allowed(struct pvhv_vcpu *v);
/* x86/decode.c: MOV to/from CRn/DRn at the guest's RIP: the register operand. */
int pvhv_x86_decode_mov_crdr(struct pvhv_vcpu *v, const struct pvhv_paging *pg, bool dr,
			     bool write, u8 num, u8 *gpr, u32 *len);
/* x86/decode.c: INS/OUTS at the guest's RIP (the exit gave the port and size). */
struct pvhv_x86_string_io {
	u8 seg;		/* PVHV_X86_ES..GS */
	u8 addr_size;	/* 2, 4, 8 */
	u32 len;
};
int pvhv_x86_decode_string_io(struct pvhv_vcpu *v, const struct pvhv_paging *pg, bool in,
			      struct pvhv_x86_string_io *out);
/* x86/decode.c: a MOV to or from memory at the guest's RIP (an MMIO access). */
#define PVHV_X86_MMIO_IMM	0xff	/* reg: the source is imm */
enum { PVHV_X86_MMIO_MOV, PVHV_X86_MMIO_ZEXT, PVHV_X86_MMIO_SEXT };
struct pvhv_x86_mmio {
	u8 size;	/* of the memory access: 1, 2, 4, 8 */
	u8 dst_size;	/* of the register loaded (MOVZX/MOVSX: wider) */
	bool write;
	u8 reg;		/* the register (0-15), or PVHV_X86_MMIO_IMM */
	bool byte_high;	/* AH, CH, DH, BH: bits 15:8 of reg */
	u8 ext;		/* PVHV_X86_MMIO_* for loads */
	u64 imm;
	u32 len;
};
int pvhv_x86_decode_mmio(struct pvhv_vcpu *v, const struct pvhv_paging *pg,
			 struct pvhv_x86_mmio *m);

/* Bits a guest may hold in RFLAGS (the rest read 0; bit 1 reads 1). */
#define PVHV_X86_RFLAGS_OK	0x3f7fd7ULL

static inline bool pvhv_x86_canonical(u64 va)
{
	return ((s64)va << 16 >> 16) == (s64)va;
}

static inline bool pvhv_x86_pae_paging(u64 cr0, u64 cr4, u64 efer)
{
	return (cr0 & X86_CR0_PG) && (cr4 & X86_CR4_PAE) && !(efer & EFER_LMA);
}

DECLARE_PER_CPU(u64, pvhv_x86_last_domain);

/*
 * Before entering a guest of @v's domain on @cpu (interrupts off), what is
 * not the vendor's: an IBPB if this CPU last ran another domain's guest, so
 * one guest's branch-target training cannot steer another's speculation
 * (Spectre v2; kernel Documentation/admin-guide/hw-vuln/spectre.rst; KVM
 * issues the same barrier when a CPU switches vCPUs;
 * indirect_branch_prediction_barrier() is patched to nothing unless the
 * kernel enabled IBPB), and the guest's clock (xen/time.c).
 */
static inline void pvhv_x86_prepare_entry(struct pvhv_vcpu *v, int cpu)
{
	if (this_cpu_read(pvhv_x86_last_domain) != v->d->serial) {
		indirect_branch_prediction_barrier();
		this_cpu_write(pvhv_x86_last_domain, v->d->serial);
	}
	pvhv_xen_update_time(v, cpu);
}

/* XRSTOR/XSAVE of the guest's state for the components in @mask (64-bit forms). */
static inline void pvhv_x86_xrstor(void *area, u64 mask)
{
	asm volatile("xrstor64 %0" : : "m" (*(u8 *)area), "a" ((u32)mask),
		     "d" ((u32)(mask >> 32)) : "memory");
}

static inline void pvhv_x86_xsave(void *area, u64 mask)
{
	asm volatile("xsave64 %0" : "+m" (*(u8 *)area) : "a" ((u32)mask),
		     "d" ((u32)(mask >> 32)) : "memory");
}

/*
 * A vCPU's XSAVE area at reset (SDM vol. 1 13.6 "Processor tracking of XSAVE-
 * managed state", 13.8 "XRSTOR"): every component in its initial state
 * (XSTATE_BV 0) and the power-up FCW 0x37f, MXCSR 0x1f80 (all SIMD
 * exceptions masked). XRSTOR loads MXCSR from the area whenever SSE or AVX
 * is requested, init state or not: a zero there would unmask them all.
 */
static inline void pvhv_x86_xsave_reset(void *area)
{
	memset(area, 0, PVHV_X86_XSAVE_SIZE);
	*(u16 *)area = 0x37f;			/* FCW, offset 0 */
	*(u32 *)((u8 *)area + 24) = 0x1f80;	/* MXCSR, offset 24 */
}

/*
 * After a guest ran: DR6 back to its reserved value (vol. 3B "Debug Status
 * Register (DR6)") unless it already is, so the host's #DB handler never
 * sees status bits of the guest's making; as hw_breakpoint_restore() does.
 */
static inline void pvhv_x86_reset_dr6(void)
{
	unsigned long dr6;

	get_debugreg(dr6, 6);
	if (dr6 != DR6_RESERVED)
		set_debugreg(DR6_RESERVED, 6);
}

static inline void pvhv_x86_debugregs_reset(struct pvhv_x86_debugregs *r)
{
	memset(r->db, 0, sizeof(r->db));
	r->dr6 = DR6_RESERVED;
	r->dr7 = 0x400;
}

/* A #DB's status (B0-B3, BD, BS) into the guest's DR6, as its delivery would (SDM vol. 3B 18.2.3). */
static inline void pvhv_x86_dr6_event(struct pvhv_x86_debugregs *r, u64 status)
{
	r->dr6 = (r->dr6 & ~(u64)DR_TRAP_BITS) | DR6_RESERVED |
		 (status & (DR_TRAP_BITS | BIT(13) | DR_STEP));
}

/*
 * MOV to (@write) or from DR@dr of the guest, the value in *@val; the CPU
 * already checked CPL 0 before the intercept. With DR7.GD set the access is
 * a #DB fault instead, DR6.BD set and GD cleared for the handler (SDM vol. 3B
 * 18.2.4, 18.3.1.2). DR4/DR5 alias DR6/DR7 unless CR4.DE makes them #UD;
 * DR6/DR7 bits 63:32 set on a write are #GP (SDM vol. 2 "MOV-Move to/from
 * Debug Registers"); DR7's reserved bits 12, 14, 15 read 0. Returns 0, or
 * the vector to raise instead.
 */
static inline int pvhv_x86_mov_dr(struct pvhv_x86_debugregs *r, unsigned int dr, bool write,
				  u64 *val, bool cr4_de, bool mode64)
{
	if (r->dr7 & BIT(13)) {		/* GD */
		r->dr7 &= ~BIT_ULL(13);
		pvhv_x86_dr6_event(r, BIT(13));		/* BD */
		return X86_TRAP_DB;
	}
	if (dr == 4 || dr == 5) {
		if (cr4_de)
			return X86_TRAP_UD;
		dr += 2;
	}
	if (dr > 7)
		return X86_TRAP_UD;
	if (!write) {
		*val = dr < 4 ? r->db[dr] : dr == 6 ? r->dr6 : r->dr7;
		if (!mode64)
			*val = (u32)*val;
		return 0;
	}
	if (dr >= 6 && (*val >> 32))
		return X86_TRAP_GP;
	if (dr < 4)
		r->db[dr] = mode64 ? *val : (u32)*val;
	else if (dr == 6)
		r->dr6 = *val | DR6_RESERVED;
	else
		r->dr7 = (*val & ~0xd000ULL) | 0x400;
	return 0;
}

/* XSETBV (SDM vol. 2 XSETBV): XCR0 only, from CPL 0, x87 always on, AVX needs SSE. */
static inline bool pvhv_x86_xsetbv_ok(u32 index, u8 cpl, u64 val, u64 host_xcr0)
{
	u64 allowed = PVHV_X86_GUEST_XCR0 & host_xcr0;

	return index == 0 && !cpl && (val & 1) && !(val & ~allowed) &&
	       (!(val & 4) || (val & 2));
}

/* IA32_PAT (SDM 11.12.2): eight memory types, 2 and 3 reserved, none above 7. */
static inline bool pvhv_x86_pat_ok(u64 pat)
{
	int i;

	for (i = 0; i < 8; i++) {
		u8 t = pat >> (i * 8);

		if (t == 2 || t == 3 || t > 7)
			return false;
	}
	return true;
}

/*
 * An IN of @size bytes (1, 2 or 4) completes into RAX: 32-bit results
 * zero-extend, 8- and 16-bit ones keep the rest of the register.
 */
static inline void pvhv_x86_in_result(struct pvhv_vcpu *v, u8 size, u32 val)
{
	u64 mask = (1ULL << (size * 8)) - 1;

	if (size == 4)
		v->regs[PVHV_RAX] = val;
	else
		v->regs[PVHV_RAX] = (v->regs[PVHV_RAX] & ~mask) | (val & mask);
}

/*
 * Around the guest's run (interrupts off, kernel_fpu_begin() done): its
 * XSAVE state and XCR0 in, and back out with the host's.
 */
static inline void pvhv_x86_load_guest_fpu(struct pvhv_vcpu *v)
{
	pvhv_x86_xrstor(v->x86.xsave, PVHV_X86_XSAVE_MASK);
	if (v->x86.xcr0 != pvhv_x86_host_xcr0)
		xsetbv(0, v->x86.xcr0);
	if (unlikely(pvhv_x86_host_xss))
		wrmsrl(MSR_IA32_XSS, 0);	/* no supervisor state for XSAVES (x86/hostmsr.c) */
}

static inline void pvhv_x86_put_guest_fpu(struct pvhv_vcpu *v)
{
	if (unlikely(pvhv_x86_host_xss))
		wrmsrl(MSR_IA32_XSS, pvhv_x86_host_xss);
	if (v->x86.xcr0 != pvhv_x86_host_xcr0)
		xsetbv(0, pvhv_x86_host_xcr0);
	pvhv_x86_xsave(v->x86.xsave, PVHV_X86_XSAVE_MASK);
}

#endif /* PVHV_X86_H */
