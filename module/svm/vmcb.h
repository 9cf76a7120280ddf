/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The VMCB, as AMD APM vol. 2 (24593) Appendix B "Layout of VMCB" defines
 * it: control area (Table B-1) at 000h, state save area (Table B-2) at 400h.
 * Defined here from the manual (rather than borrowed from the kernel's KVM
 * header) so pvhv does not depend on KVM-internal names; offsets asserted.
 */
#ifndef PVHV_SVM_VMCB_H
#define PVHV_SVM_VMCB_H

#include <linux/build_bug.h>
#include <linux/stddef.h>
#include <linux/types.h>

struct vmcb_ctrl {
	u32 intercept_cr;	/* 000h: [15:0] CR reads, [31:16] CR writes */
	u32 intercept_dr;	/* 004h */
	u32 intercept_exc;	/* 008h: one bit per exception vector */
	u32 intercept_misc1;	/* 00Ch */
	u32 intercept_misc2;	/* 010h */
	u32 intercept_misc3;	/* 014h */
	u8 rsvd0[0x3c - 0x18];
	u16 pause_filter_thresh; /* 03Ch */
	u16 pause_filter_count;	/* 03Eh */
	u64 iopm_base_pa;	/* 040h */
	u64 msrpm_base_pa;	/* 048h */
	u64 tsc_offset;		/* 050h */
	u32 asid;		/* 058h */
	u8 tlb_control;		/* 05Ch */
	u8 rsvd1[3];
	u32 int_ctl;		/* 060h: V_TPR, V_IRQ, ..., V_INTR_MASKING (bit 24) */
	u32 int_vector;		/* 064h */
	u64 int_state;		/* 068h: bit 0 interrupt shadow */
	u64 exit_code;		/* 070h */
	u64 exit_info1;		/* 078h */
	u64 exit_info2;		/* 080h */
	u64 exit_int_info;	/* 088h */
	u64 nested_ctl;		/* 090h: bit 0 NP_ENABLE */
	u64 avic_apic_bar;	/* 098h */
	u64 ghcb_gpa;		/* 0A0h */
	u64 event_inj;		/* 0A8h */
	u64 n_cr3;		/* 0B0h */
	u64 virt_ext;		/* 0B8h */
	u32 clean;		/* 0C0h: VMCB clean bits */
	u32 rsvd2;
	u64 next_rip;		/* 0C8h */
	u8 insn_len;		/* 0D0h */
	u8 insn_bytes[15];	/* 0D1h */
	u8 rsvd3[0x400 - 0xe0];
} __packed;

struct vmcb_seg {
	u16 selector;
	u16 attrib;	/* descriptor bits 8..15 and 52..55 packed: type S DPL P AVL L DB G */
	u32 limit;
	u64 base;
} __packed;

struct vmcb_save {
	struct vmcb_seg es, cs, ss, ds, fs, gs, gdtr, ldtr, idtr, tr; /* 400h..49Fh */
	u8 rsvd0[0x4cb - 0x4a0];
	u8 cpl;			/* 4CBh */
	u32 rsvd1;
	u64 efer;		/* 4D0h */
	u8 rsvd2[0x548 - 0x4d8];
	u64 cr4;		/* 548h */
	u64 cr3;		/* 550h */
	u64 cr0;		/* 558h */
	u64 dr7;		/* 560h */
	u64 dr6;		/* 568h */
	u64 rflags;		/* 570h */
	u64 rip;		/* 578h */
	u8 rsvd3[0x5d8 - 0x580];
	u64 rsp;		/* 5D8h */
	u64 s_cet, ssp, isst_addr; /* 5E0h */
	u64 rax;		/* 5F8h */
	u64 star, lstar, cstar, sfmask, kernel_gs_base; /* 600h */
	u64 sysenter_cs, sysenter_esp, sysenter_eip; /* 628h */
	u64 cr2;		/* 640h */
	u8 rsvd4[0x668 - 0x648];
	u64 g_pat;		/* 668h */
	u64 dbgctl;		/* 670h */
	u8 rsvd5[0x1000 - 0x678];
} __packed;

struct vmcb {
	struct vmcb_ctrl ctrl;
	struct vmcb_save save;
} __packed;

static_assert(offsetof(struct vmcb_ctrl, iopm_base_pa) == 0x40);
static_assert(offsetof(struct vmcb_ctrl, asid) == 0x58);
static_assert(offsetof(struct vmcb_ctrl, int_ctl) == 0x60);
static_assert(offsetof(struct vmcb_ctrl, exit_code) == 0x70);
static_assert(offsetof(struct vmcb_ctrl, nested_ctl) == 0x90);
static_assert(offsetof(struct vmcb_ctrl, event_inj) == 0xa8);
static_assert(offsetof(struct vmcb_ctrl, n_cr3) == 0xb0);
static_assert(offsetof(struct vmcb_ctrl, next_rip) == 0xc8);
static_assert(sizeof(struct vmcb_ctrl) == 0x400);
static_assert(offsetof(struct vmcb, save.cpl) == 0x4cb);
static_assert(offsetof(struct vmcb, save.efer) == 0x4d0);
static_assert(offsetof(struct vmcb, save.cr4) == 0x548);
static_assert(offsetof(struct vmcb, save.rip) == 0x578);
static_assert(offsetof(struct vmcb, save.rsp) == 0x5d8);
static_assert(offsetof(struct vmcb, save.rax) == 0x5f8);
static_assert(offsetof(struct vmcb, save.cr2) == 0x640);
static_assert(offsetof(struct vmcb, save.g_pat) == 0x668);
static_assert(sizeof(struct vmcb) == 0x1000);

/* Intercept bits (APM Table B-1). */
#define SVM_MISC1_INTR		BIT(0)
#define SVM_MISC1_NMI		BIT(1)
#define SVM_MISC1_SMI		BIT(2)
#define SVM_MISC1_INIT		BIT(3)
#define SVM_MISC1_VINTR		BIT(4)
#define SVM_MISC1_CPUID		BIT(18)
#define SVM_MISC1_INVD		BIT(22)
#define SVM_MISC1_HLT		BIT(24)
#define SVM_MISC1_INVLPGA	BIT(26)
#define SVM_MISC1_IOIO		BIT(27)
#define SVM_MISC1_MSR		BIT(28)
#define SVM_MISC1_TASKSW	BIT(29)
#define SVM_MISC1_SHUTDOWN	BIT(31)
#define SVM_MISC2_VMRUN		BIT(0)
#define SVM_MISC2_VMMCALL	BIT(1)
#define SVM_MISC2_VMLOAD	BIT(2)
#define SVM_MISC2_VMSAVE	BIT(3)
#define SVM_MISC2_STGI		BIT(4)
#define SVM_MISC2_CLGI		BIT(5)
#define SVM_MISC2_SKINIT	BIT(6)
#define SVM_MISC2_RDTSCP	BIT(7)
#define SVM_MISC2_MONITOR	BIT(10)
#define SVM_MISC2_MWAIT		BIT(11)
#define SVM_MISC2_MWAIT_COND	BIT(12)
#define SVM_MISC2_XSETBV	BIT(13)
#define SVM_MISC2_RDPRU		BIT(14)

#define SVM_INT_CTL_V_IRQ		BIT(8)
#define SVM_INT_CTL_V_INTR_PRIO		(0xfU << 16)
#define SVM_INT_CTL_V_IGN_TPR		BIT(20)
#define SVM_INT_CTL_V_INTR_MASKING	BIT(24)
#define SVM_NESTED_CTL_NP_ENABLE	BIT_ULL(0)
#define SVM_TLB_CONTROL_NONE		0
#define SVM_TLB_CONTROL_FLUSH_ALL	1
#define SVM_TLB_CONTROL_FLUSH_ASID	3

/* EVENTINJ (APM 15.20). */
#define SVM_EVTINJ_VALID		BIT_ULL(31)
#define SVM_EVTINJ_ERR_VALID		BIT_ULL(11)
#define SVM_EVTINJ_TYPE_EXCEPTION	(3ULL << 8)

/* intercept_cr: reads of CRn are bit n, writes bit 16 + n (APM Table B-1). */
#define SVM_INTERCEPT_CR_READ(n)	BIT(n)
#define SVM_INTERCEPT_CR_WRITE(n)	BIT(16 + (n))

/* Exit codes (APM Appendix C). */
#define SVM_EXIT_READ_CR0	0x00	/* ..0Fh: MOV from CR0-15 */
#define SVM_EXIT_WRITE_CR0	0x10	/* ..1Fh: MOV to CR0-15 */
#define SVM_EXIT_READ_DR0	0x20	/* ..2Fh: MOV from DR0-15 */
#define SVM_EXIT_WRITE_DR0	0x30	/* ..3Fh: MOV to DR0-15 */
#define SVM_EXIT_EXCP_BASE	0x40
#define SVM_EXIT_INTR		0x60
#define SVM_EXIT_NMI		0x61
#define SVM_EXIT_SMI		0x62
#define SVM_EXIT_INIT		0x63
#define SVM_EXIT_VINTR		0x64
#define SVM_EXIT_CPUID		0x72
#define SVM_EXIT_INVD		0x76
#define SVM_EXIT_HLT		0x78
#define SVM_EXIT_INVLPGA	0x7a
#define SVM_EXIT_IOIO		0x7b
#define SVM_EXIT_MSR		0x7c
#define SVM_EXIT_TASKSW		0x7d
#define SVM_EXIT_SHUTDOWN	0x7f
#define SVM_EXIT_VMRUN		0x80
#define SVM_EXIT_VMMCALL	0x81
#define SVM_EXIT_VMLOAD		0x82
#define SVM_EXIT_VMSAVE		0x83
#define SVM_EXIT_STGI		0x84
#define SVM_EXIT_CLGI		0x85
#define SVM_EXIT_SKINIT		0x86
#define SVM_EXIT_RDTSCP		0x87
#define SVM_EXIT_MONITOR	0x8a
#define SVM_EXIT_MWAIT		0x8b
#define SVM_EXIT_MWAIT_COND	0x8c
#define SVM_EXIT_XSETBV		0x8d
#define SVM_EXIT_RDPRU		0x8e
#define SVM_EXIT_NPF		0x400
#define SVM_EXIT_INVALID	((u64)-1)

/* IOIO EXITINFO1 (APM 15.10.2). */
#define SVM_IOIO_IN		BIT(0)
#define SVM_IOIO_STR		BIT(2)
#define SVM_IOIO_REP		BIT(3)
#define SVM_IOIO_SIZE_SHIFT	4	/* bits 4..6: SZ8, SZ16, SZ32 */

#endif /* PVHV_SVM_VMCB_H */
