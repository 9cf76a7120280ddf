/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The local APIC, emulated once for both vendors (x86/lapic.c): a vCPU's
 * part (struct pvhv_lapic, in struct pvhv_x86_vcpu) and the register
 * layout (Intel SDM vol. 3A ch. 11 "Advanced Programmable Interrupt
 * Controller (APIC)", Table 11-1 "Local APIC Register Address Map"; the
 * x2APIC MSRs, Table 11-6, are 0x800 + offset / 16).
 *
 * Locking: none. What other contexts write (IRR and TMR: another vCPU's
 * IPI, the event-channel upcall, the timer's hrtimer in hardirq context)
 * are atomic bit operations; everything else belongs to the vCPU's own
 * thread, and the few fields another context reads (enabled, IDs and
 * destination format for IPIs, the timer's LVT and period for its
 * hrtimer) are written with WRITE_ONCE and read with READ_ONCE, as
 * their "read by" notes say. The hrtimer is cancelled before the thread
 * changes what its callback reads.
 */
#ifndef PVHV_X86_LAPIC_H
#define PVHV_X86_LAPIC_H

#include <linux/hrtimer.h>
#include <linux/types.h>

/* Register offsets in the xAPIC page (SDM Table 11-1). */
#define PVHV_LAPIC_ID		0x020
#define PVHV_LAPIC_VER		0x030
#define PVHV_LAPIC_TPR		0x080
#define PVHV_LAPIC_APR		0x090
#define PVHV_LAPIC_PPR		0x0a0
#define PVHV_LAPIC_EOI		0x0b0
#define PVHV_LAPIC_RRD		0x0c0
#define PVHV_LAPIC_LDR		0x0d0
#define PVHV_LAPIC_DFR		0x0e0
#define PVHV_LAPIC_SVR		0x0f0
#define PVHV_LAPIC_ISR		0x100	/* 8 registers, 0x100-0x170 */
#define PVHV_LAPIC_TMR		0x180
#define PVHV_LAPIC_IRR		0x200
#define PVHV_LAPIC_ESR		0x280
#define PVHV_LAPIC_LVT_CMCI	0x2f0
#define PVHV_LAPIC_ICR		0x300
#define PVHV_LAPIC_ICR2		0x310
#define PVHV_LAPIC_LVTT		0x320	/* the LVT: timer, thermal, PMC, LINT0, LINT1, error */
#define PVHV_LAPIC_LVTERR	0x370
#define PVHV_LAPIC_TMICT		0x380
#define PVHV_LAPIC_TMCCT		0x390
#define PVHV_LAPIC_TDCR		0x3e0
#define PVHV_LAPIC_SELF_IPI	0x3f0	/* x2APIC only */

#define PVHV_LAPIC_NR_LVT	6	/* Xen's VLAPIC_LVT_NUM; no CMCI */
#define PVHV_LAPIC_DEFAULT_BASE	0xfee00000ULL
#define PVHV_LAPIC_MSR_FIRST	0x800
#define PVHV_LAPIC_MSR_LAST	0x8ff

struct pvhv_lapic {
	/* Pending (IRR) and level-triggered (TMR) vectors: atomic bitops, any context. */
	unsigned long irr[256 / BITS_PER_LONG];
	unsigned long tmr[256 / BITS_PER_LONG];
	/* In service: the vCPU's thread only. */
	unsigned long isr[256 / BITS_PER_LONG];
	/* IA32_APIC_BASE; the vCPU's thread writes (WRITE_ONCE), IPI senders read. */
	u64 base;
	/* SVR, LDR, DFR: the thread writes (WRITE_ONCE), IPI senders read. */
	u32 svr, ldr, dfr;
	/* The vCPU's thread only. */
	u32 tpr, esr, esr_pending, icr, icr2, tmict, tdcr;
	/* LVT entries; LVTT is read by the timer's hrtimer (READ_ONCE). */
	u32 lvt[PVHV_LAPIC_NR_LVT];
	/*
	 * The timer: one-shot and periodic count from @start (host
	 * CLOCK_MONOTONIC) in @count_ns per round; @period_ns is what the
	 * hrtimer re-arms with (0: one-shot), written before it is started.
	 * TSC-deadline mode arms it at @tsc_deadline, which the callback
	 * clears once it fired (SDM 11.5.4.1).
	 */
	struct hrtimer timer;
	ktime_t start;
	u64 count_ns;
	u64 period_ns;
	u64 tsc_deadline;
	/* INIT received, a SIPI may start the vCPU (SDM 8.4.4 "wait-for-SIPI"); atomic. */
	bool wait_sipi;
};

#endif /* PVHV_X86_LAPIC_H */
