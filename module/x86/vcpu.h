/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The x86 layer's part of a vCPU (struct pvhv_vcpu.x86) and the plain
 * descriptions the vendor backends exchange with it: a decoded exit
 * (struct pvhv_x86_exit) and a full register state to load (struct
 * pvhv_x86_state). No VMCB/VMCS and no Xen types here: the vendors fill
 * and apply these, x86/ holds the rules (x86.h), xen/ the ABI.
 *
 * Locking: all of it belongs to the vCPU's own thread (or to its creator
 * before the thread starts, under the domain lock).
 */
#ifndef PVHV_X86_VCPU_H
#define PVHV_X86_VCPU_H

#include <linux/types.h>

#include "lapic.h"

/*
 * A guest's debug registers, kept per vCPU but never loaded into the CPU:
 * the guest reads back what it wrote, no guest breakpoint is armed, and
 * neither the host's DR0-3 nor another guest's are ever visible to it (both
 * vendors intercept every MOV DR). Reset values: SDM vol. 3B 18.2, APM vol. 2
 * 13.1.1.
 */
struct pvhv_x86_debugregs {
	u64 db[4];
	u64 dr6;
	u64 dr7;
};

/* The guest's MTRRs (x86/msr.c): what it programmed; nested paging maps RAM write-back. */
struct pvhv_x86_mtrr {
	u64 def_type;			/* IA32_MTRR_DEF_TYPE */
	u64 var[16];			/* IA32_MTRR_PHYSBASE0/PHYSMASK0 ... 7 */
	u64 fixed[11];			/* FIX64K_00000, FIX16K_80000/A0000, FIX4K_C0000..F8000 */
};

struct pvhv_x86_vcpu {
	u64 xcr0;			/* the guest's XCR0 (XSETBV) */
	void *xsave;			/* its x87/SSE/AVX state, XSAVE format, a page */
	struct pvhv_x86_debugregs dr;
	struct pvhv_lapic lapic;	/* the local APIC (lapic.h has its rules) */
	bool irq_from_apic;		/* pvhv_x86_pending_irq()'s answer came from the APIC */
	struct pvhv_x86_mtrr mtrr;
	u64 cr4_allowed;		/* CR4 bits its CPUID offers (x86/cpuid.c); immutable */
};

/* A segment as Xen's vcpu_hvm_context and the VMCB carry it (attr: type S DPL P AVL L DB G). */
struct pvhv_x86_seg {
	u16 sel;
	u16 attr;		/* 0: unusable / null */
	u32 limit;		/* byte granular */
	u64 base;
};

#define PVHV_X86_SEG_P		BIT(7)
#define PVHV_X86_SEG_S		BIT(4)
#define PVHV_X86_SEG_L		BIT(9)
#define PVHV_X86_SEG_DB		BIT(10)
#define PVHV_X86_SEG_G		BIT(11)
#define PVHV_X86_SEG_DPL(a)	(((a) >> 5) & 3)

/*
 * The whole state a vCPU (re)starts from (PVH entry, VCPUOP_initialise),
 * checked by the x86 layer before a vendor applies it with set_state.
 */
struct pvhv_x86_state {
	struct pvhv_x86_seg cs, ds, es, ss, fs, gs, tr, ldtr;
	u64 gdt_base, idt_base;
	u16 gdt_limit, idt_limit;
	u64 cr0, cr3, cr4, efer, rip, rflags;
	bool pae_pdptes;	/* PAE paging outside long mode: pdpte[] is loaded */
	u64 pdpte[4];
};

/* What a VM exit asks of the x86 layer; the vendor decodes its own format into this. */
enum pvhv_x86_exit_kind {
	PVHV_X86_EXIT_NONE,		/* nothing (a host interrupt or NMI, handled by the vendor) */
	PVHV_X86_EXIT_HYPERCALL,	/* VMMCALL / VMCALL */
	PVHV_X86_EXIT_CPUID,
	PVHV_X86_EXIT_MSR,
	PVHV_X86_EXIT_IO,
	PVHV_X86_EXIT_CR,
	PVHV_X86_EXIT_DR,
	PVHV_X86_EXIT_XSETBV,
	PVHV_X86_EXIT_HLT,
	PVHV_X86_EXIT_NPF,		/* nested page fault / EPT violation */
	PVHV_X86_EXIT_EXCEPTION,	/* an intercepted exception */
	PVHV_X86_EXIT_INTR_WINDOW,	/* the guest can take an interrupt now */
	PVHV_X86_EXIT_NOP,		/* INVD, WBINVD: nothing to do but skip it */
	PVHV_X86_EXIT_UD,		/* an instruction the guest's CPUID does not offer */
	PVHV_X86_EXIT_GP,		/* an instruction that #GPs here (RDPMC: no PMU) */
};

/* MOV CR access types, as the VMX qualification numbers them (SDM Table 28-3). */
enum { PVHV_X86_CR_WRITE, PVHV_X86_CR_READ, PVHV_X86_CR_CLTS, PVHV_X86_CR_LMSW };

/* Segment registers as instructions number them (the sreg field, SDM vol. 2 appendix B). */
enum { PVHV_X86_ES, PVHV_X86_CS, PVHV_X86_SS, PVHV_X86_DS, PVHV_X86_FS, PVHV_X86_GS };

#define PVHV_X86_GPR_DECODE	0xff	/* the vendor did not say: decode the instruction */

struct pvhv_x86_exit {
	u32 kind;			/* PVHV_X86_EXIT_* */
	u32 insn_len;			/* of the exiting instruction, where the exit has one */
	union {
		struct {
			bool write;
		} msr;
		struct {
			u16 port;
			u8 size;	/* 1, 2, 4 */
			bool in, string, rep;
		} io;
		struct {
			u8 cr;
			u8 type;	/* PVHV_X86_CR_* */
			u8 gpr;		/* or PVHV_X86_GPR_DECODE */
			u16 lmsw;	/* LMSW's source */
		} cr;
		struct {
			u8 dr;
			bool write;
			u8 gpr;		/* or PVHV_X86_GPR_DECODE */
		} dr;
		struct {
			u64 gpa;
			bool write;
			bool present;	/* a translation existed (a permission fault) */
			bool walk;	/* on the guest's own page-table walk */
			bool fetch;	/* an instruction fetch */
		} npf;
		struct {
			u8 vector;
			bool has_error;
			u32 error;
			u64 dr6;	/* #DB: the status bits the delivery would set */
			bool icebp;	/* #DB from INT1: a trap past the instruction */
		} exc;
	};
};

#endif /* PVHV_X86_VCPU_H */
