// SPDX-License-Identifier: GPL-2.0-only
/*
 * The local APIC, once for both vendors: IA32_APIC_BASE and its xAPIC /
 * x2APIC modes, the x2APIC MSRs (0x800-0x8ff) and the xAPIC page (MMIO
 * at the base, reached through nested-page faults and the MMIO decoder,
 * x86/exit.c), interrupt acceptance (IRR, ISR, TMR, TPR/PPR, EOI), the
 * LVT timer (one-shot, periodic, TSC-deadline) on an hrtimer, and IPIs
 * between the domain's vCPUs (fixed, lowest priority as fixed to the
 * first match, INIT and SIPI).
 *
 * The Xen event-channel upcall comes through it as on Xen: the per-vCPU
 * upcall vector (HVMOP_set_evtchn_upcall_vector) is an edge-triggered
 * fixed interrupt set into the IRR (Xen's hvm_assert_evtchn_irq() ->
 * vlapic_set_irq(), xen/arch/x86/hvm/irq.c), taken only while the APIC is
 * enabled and needing an EOI; the domain-wide HVM_PARAM_CALLBACK_IRQ
 * vector bypasses it (hvm_vcpu_has_pending_irq(): hvm_intack_vector,
 * checked before the vlapic, never in the ISR).
 *
 * References: Intel SDM vol. 3A ch. 11 (11.4 "Local APIC", 11.5.4 "APIC
 * Timer", 11.6 "Issuing Interprocessor Interrupts", 11.8 "Handling
 * Interrupts", 11.12 "Extended XAPIC (x2APIC)"), 8.4.4 (INIT-SIPI-SIPI);
 * Xen xen/arch/x86/hvm/vlapic.c (reset values, the version 0x50014, the
 * 100 MHz bus clock, the write masks, guest_wrmsr_x2apic()'s #GP rules).
 *
 * Locking: none; see lapic.h for who writes and reads which field.
 */
#define pr_fmt(fmt) "pvhv: x86: lapic: " fmt

#include <linux/bitops.h>
#include <linux/math64.h>
#include <linux/nospec.h>
#include <linux/ratelimit.h>
#include <asm/tsc.h>

#include "x86.h"

#define APIC_VERSION		0x00050014	/* Xen's VLAPIC_VERSION: 6 LVTs, version 0x14 */
#define APIC_BUS_CYCLE_NS	10		/* Xen's 100 MHz APIC bus clock */
/*
 * The shortest period a periodic timer re-arms with: a guest cannot make
 * the host take timer interrupts faster (KVM's min_timer_period_us, 200).
 */
#define APIC_MIN_PERIOD_NS	200000ULL

#define BASE_BSP		BIT_ULL(8)
#define BASE_EXTD		BIT_ULL(10)
#define BASE_EN			BIT_ULL(11)

#define LVT_MASKED		BIT(16)
#define LVT_TIMER_MODE		(3U << 17)
#define LVT_TIMER_PERIODIC	(1U << 17)
#define LVT_TIMER_TSCDEADLINE	(2U << 17)
#define LVT_VECTOR		0xffU
#define LVT_DELIVERY_STATUS	BIT(12)

/* Writable bits of each LVT entry (Xen's vlapic_lvt_mask[]). */
static const u32 lapic_lvt_mask[PVHV_LAPIC_NR_LVT] = {
	LVT_MASKED | LVT_VECTOR | LVT_TIMER_MODE,		/* timer */
	LVT_MASKED | LVT_VECTOR | (7 << 8),			/* thermal */
	LVT_MASKED | LVT_VECTOR | (7 << 8),			/* PMC */
	LVT_MASKED | LVT_VECTOR | (7 << 8) | BIT(13) | BIT(15),	/* LINT0 */
	LVT_MASKED | LVT_VECTOR | (7 << 8) | BIT(13) | BIT(15),	/* LINT1 */
	LVT_MASKED | LVT_VECTOR,				/* error */
};

/* ICR fields (SDM Figure 11-12, 11-28). */
#define ICR_VECTOR(icr)		((icr) & 0xff)
#define ICR_MODE(icr)		(((icr) >> 8) & 7)
#define ICR_LOGICAL		BIT(11)
#define ICR_ASSERT		BIT(14)
#define ICR_LEVEL		BIT(15)
#define ICR_SHORTHAND(icr)	(((icr) >> 18) & 3)
enum { DM_FIXED, DM_LOWEST, DM_SMI, DM_REMRD, DM_NMI, DM_INIT, DM_STARTUP, DM_EXTINT };
enum { SH_NONE, SH_SELF, SH_ALL, SH_OTHERS };

/* ESR bits (SDM Figure 11-9). */
#define ESR_SEND_ILLEGAL	BIT(5)
#define ESR_RECV_ILLEGAL	BIT(6)
#define ESR_ILLEGAL_REG		BIT(7)

static struct pvhv_vcpu *lapic_vcpu(struct pvhv_lapic *a)
{
	return container_of(a, struct pvhv_vcpu, x86.lapic);
}

static bool lapic_hw_enabled(u64 base)
{
	return base & BASE_EN;
}

static bool lapic_x2apic(u64 base)
{
	return (base & (BASE_EN | BASE_EXTD)) == (BASE_EN | BASE_EXTD);
}

/* Globally (IA32_APIC_BASE) and software (SVR bit 8) enabled: it accepts and delivers. */
static bool lapic_enabled(struct pvhv_lapic *a)
{
	return lapic_hw_enabled(READ_ONCE(a->base)) && (READ_ONCE(a->svr) & BIT(8));
}

/* x2APIC logical ID from the x2APIC ID (SDM 11.12.10.2). */
static u32 lapic_x2apic_ldr(u32 id)
{
	return ((id >> 4) << 16) | (1U << (id & 0xf));
}

static int lapic_highest(const unsigned long *bm)
{
	int i;

	for (i = 256 / BITS_PER_LONG - 1; i >= 0; i--) {
		unsigned long w = READ_ONCE(bm[i]);

		if (w)
			return i * BITS_PER_LONG + __fls(w);
	}
	return -1;
}

/* PPR (SDM 11.8.3.1): TPR, or the class of the highest vector in service if above it. */
static u32 lapic_ppr(struct pvhv_lapic *a)
{
	int isr = lapic_highest(a->isr);
	u32 isrv = isr < 0 ? 0 : isr;

	if ((a->tpr & 0xf0) >= (isrv & 0xf0))
		return a->tpr & 0xff;
	return isrv & 0xf0;
}

/* The 32 bits of a 256-bit register array at @idx (0-7). */
static u32 lapic_bm_word(const unsigned long *bm, unsigned int idx)
{
	return READ_ONCE(bm[idx * 32 / BITS_PER_LONG]) >> (idx * 32 % BITS_PER_LONG);
}

/* --- acceptance and delivery ---------------------------------------------------- */

/* A fixed interrupt into @t's IRR, then the vCPU kicked (any context). */
static void lapic_set_irr(struct pvhv_vcpu *t, u8 vector, bool level)
{
	struct pvhv_lapic *a = &t->x86.lapic;

	if (level)
		set_bit(vector, a->tmr);
	else
		clear_bit(vector, a->tmr);
	if (!test_and_set_bit(vector, a->irr))
		pvhv_vcpu_kick(t);
}

/*
 * The per-vCPU upcall (Xen's hvm_assert_evtchn_irq() with an upcall vector):
 * an edge-triggered fixed interrupt, which an APIC that is not enabled does
 * not take; enabling it raises the vector again while evtchn_upcall_pending
 * is set (lapic_enabled_now(), as Xen's vlapic does on the SVR write that
 * enables it, and KVM's Xen emulation since "inject vCPU upcall vector when
 * local APIC is enabled"). Linux binds the vector before setup_local_APIC(),
 * which would otherwise find it in IRR ("APIC: Stale IRR"). Vectors 0-15
 * are illegal (ignored).
 */
void pvhv_x86_apic_set_irq(struct pvhv_vcpu *v, u8 vector)
{
	if (vector >= 16 && lapic_enabled(&v->x86.lapic))
		lapic_set_irr(v, vector, false);
}

/* The APIC of @v (its own thread) just became enabled: a pending upcall comes in now. */
static void lapic_enabled_now(struct pvhv_vcpu *v)
{
	u8 vector = READ_ONCE(v->upcall_vector);

	/*
	 * The enable is visible before the flag is read; a raiser sets the
	 * flag (xchg, a full barrier) before it reads the enable: one of the
	 * two sees the other.
	 */
	smp_mb();
	if (vector >= 16 && pvhv_xen_event_pending(v))
		lapic_set_irr(v, vector, false);
}

/* The highest pending vector the APIC may deliver now (SDM 11.8.3.1), or 0. */
static u8 lapic_pending(struct pvhv_lapic *a)
{
	int irr;

	if (!lapic_enabled(a))
		return 0;
	irr = lapic_highest(a->irr);
	if (irr < 16 || (irr & 0xf0) <= (lapic_ppr(a) & 0xf0))
		return 0;
	return irr;
}

/*
 * The vector to inject before the next entry (interrupts off), as Xen's
 * hvm_vcpu_has_pending_irq(): the domain-wide callback vector while an
 * event is pending (no APIC state), then the APIC's.
 */
u8 pvhv_x86_pending_irq(struct pvhv_vcpu *v)
{
	u8 vector = pvhv_xen_upcall_vector(v);

	v->x86.irq_from_apic = !vector;
	if (vector)
		return vector;
	return lapic_pending(&v->x86.lapic);
}

/*
 * The vendor injected @vector (an external interrupt) from
 * pvhv_x86_pending_irq(): an APIC one moves from IRR to ISR (SDM 11.8.4,
 * "interrupt acceptance"; Xen's vlapic_ack_pending_irq()).
 */
void pvhv_x86_irq_injected(struct pvhv_vcpu *v, u8 vector)
{
	struct pvhv_lapic *a = &v->x86.lapic;

	if (!v->x86.irq_from_apic)
		return;
	clear_bit(vector, a->irr);
	__set_bit(vector, a->isr);
}

/* HLT ends: an event for the Xen ABI, or an interrupt the APIC would deliver. */
bool pvhv_x86_irq_wakeup(struct pvhv_vcpu *v)
{
	return pvhv_xen_event_pending(v) || lapic_pending(&v->x86.lapic);
}

/* EOI (SDM 11.8.5): the highest vector in service is done. */
static void lapic_eoi(struct pvhv_lapic *a)
{
	int isr = lapic_highest(a->isr);

	if (isr < 0)
		return;
	__clear_bit(isr, a->isr);
	clear_bit(isr, a->tmr);	/* level-triggered: no I/O APIC to tell */
}

/* --- the timer ---------------------------------------------------------------- */

static bool lapic_tscdeadline_mode(u32 lvtt)
{
	return (lvtt & LVT_TIMER_MODE) == LVT_TIMER_TSCDEADLINE;
}

/* The divide configuration (SDM Figure 11-10): bits 0, 1, 3; 111b divides by 1. */
static u32 lapic_divisor(u32 tdcr)
{
	u32 n = (tdcr & 3) | ((tdcr & 8) >> 1);

	return n == 7 ? 1 : 2U << n;
}

static enum hrtimer_restart lapic_timer_fire(struct hrtimer *t)
{
	struct pvhv_lapic *a = container_of(t, struct pvhv_lapic, timer);
	u32 lvtt = READ_ONCE(a->lvt[0]);
	u64 period = READ_ONCE(a->period_ns);

	if (lapic_tscdeadline_mode(lvtt))
		WRITE_ONCE(a->tsc_deadline, 0);
	if (!(lvtt & LVT_MASKED) && (lvtt & LVT_VECTOR) >= 16)
		lapic_set_irr(lapic_vcpu(a), lvtt & LVT_VECTOR, false);
	if (!period)
		return HRTIMER_NORESTART;
	hrtimer_forward_now(t, ns_to_ktime(period));
	return HRTIMER_RESTART;
}

/* Initial count @tmict written (SDM 11.5.4): count down from now; 0 stops the timer. */
static void lapic_timer_start(struct pvhv_lapic *a)
{
	hrtimer_cancel(&a->timer);
	WRITE_ONCE(a->period_ns, 0);
	if (!a->tmict || lapic_tscdeadline_mode(a->lvt[0]))
		return;
	a->count_ns = (u64)a->tmict * lapic_divisor(a->tdcr) * APIC_BUS_CYCLE_NS;
	a->start = ktime_get();
	if (a->lvt[0] & LVT_TIMER_PERIODIC)
		WRITE_ONCE(a->period_ns, max(a->count_ns, APIC_MIN_PERIOD_NS));
	hrtimer_start(&a->timer, ktime_add_ns(a->start, a->count_ns), HRTIMER_MODE_ABS);
}

/* Current count (SDM 11.5.4): counts down from the initial count, stays 0 when one-shot ends. */
static u32 lapic_tmcct(struct pvhv_lapic *a)
{
	u64 elapsed, period = READ_ONCE(a->period_ns);

	if (!a->tmict || lapic_tscdeadline_mode(a->lvt[0]))
		return 0;
	elapsed = ktime_to_ns(ktime_sub(ktime_get(), a->start));
	if (period)
		div64_u64_rem(elapsed, period, &elapsed);
	if (elapsed >= a->count_ns)
		return 0;
	return div_u64(a->count_ns - elapsed, lapic_divisor(a->tdcr) * APIC_BUS_CYCLE_NS);
}

/*
 * IA32_TSC_DEADLINE (SDM 11.5.4.1): in TSC-deadline mode a write arms the
 * timer at that TSC value (the guest's TSC is the host's, x86/exit.c),
 * 0 disarms it; a deadline already passed fires at once, without a host
 * timer. Outside that mode writes are ignored.
 */
static void lapic_set_deadline(struct pvhv_vcpu *v, u64 tsc)
{
	struct pvhv_lapic *a = &v->x86.lapic;
	u64 now, ns;

	if (!lapic_tscdeadline_mode(a->lvt[0]))
		return;
	hrtimer_cancel(&a->timer);
	WRITE_ONCE(a->period_ns, 0);
	WRITE_ONCE(a->tsc_deadline, tsc);
	if (!tsc)
		return;
	now = rdtsc();
	if (tsc <= now || !tsc_khz) {
		WRITE_ONCE(a->tsc_deadline, 0);
		if (!(a->lvt[0] & LVT_MASKED) && (a->lvt[0] & LVT_VECTOR) >= 16)
			lapic_set_irr(v, a->lvt[0] & LVT_VECTOR, false);
		return;
	}
	ns = mul_u64_u32_div(min(tsc - now, (u64)U32_MAX * 1000), 1000000, tsc_khz);
	hrtimer_start(&a->timer, ktime_add_ns(ktime_get(), ns), HRTIMER_MODE_ABS);
}

/* --- IPIs ----------------------------------------------------------------------- */

/*
 * Does vCPU @id (its APIC @t, NULL: not created yet, so in its reset
 * state) match the destination (SDM 11.6.2; x2APIC: 11.12.9)? The sender's
 * mode says how @dest reads.
 */
static bool lapic_match(struct pvhv_vcpu *src, u32 id, struct pvhv_vcpu *t, u32 sh,
			u32 dest, bool logical, bool x2apic)
{
	u32 apic_id = pvhv_x86_apic_id(id), ldr, dfr;

	switch (sh) {
	case SH_SELF:
		return id == src->id;
	case SH_ALL:
		return true;
	case SH_OTHERS:
		return id != src->id;
	}
	if (!logical) {
		if (x2apic)
			return dest == 0xffffffff || dest == apic_id;
		return dest == 0xff || dest == apic_id;
	}
	if (!t)
		return false;	/* LDR 0 at reset */
	if (x2apic) {
		ldr = lapic_x2apic_ldr(apic_id);
		return dest == 0xffffffff ||
		       ((dest >> 16) == (ldr >> 16) && (dest & ldr & 0xffff));
	}
	ldr = READ_ONCE(t->x86.lapic.ldr) >> 24;
	dfr = READ_ONCE(t->x86.lapic.dfr);
	if (dest == 0xff)
		return true;
	if ((dfr >> 28) == 0xf)		/* flat */
		return ldr & dest;
	return (ldr >> 4) == (dest >> 4) && (ldr & dest & 0xf);	/* cluster */
}

/*
 * The real-mode state a SIPI starts a vCPU in (SDM 8.4.4.1, Table 9-1):
 * CS = vector << 8 (base vector << 12), IP 0, 64 KiB segments, paging and
 * protection off; CR0 = ET only, as Xen's hvm_vcpu_reset_state() (not the
 * power-up CD|NW: guest memory stays write-back).
 */
static void lapic_sipi_state(struct pvhv_x86_state *st, u8 vector)
{
	static const struct pvhv_x86_seg data = { .attr = 0x93, .limit = 0xffff };

	memset(st, 0, sizeof(*st));
	st->cs = (struct pvhv_x86_seg){ .sel = vector << 8, .base = (u64)vector << 12,
					 .attr = 0x9b, .limit = 0xffff };
	st->ds = st->es = st->ss = st->fs = st->gs = data;
	st->tr = (struct pvhv_x86_seg){ .attr = 0x8b, .limit = 0xffff };
	st->ldtr = (struct pvhv_x86_seg){ .attr = 0x82, .limit = 0xffff };
	st->gdt_limit = 0xffff;
	st->idt_limit = 0xffff;
	st->cr0 = X86_CR0_ET;
	st->rflags = X86_EFLAGS_FIXED;
}

/*
 * INIT (SDM 8.4.4, 11.6.1): the target (created if it was not yet) waits
 * for a SIPI. One that runs is not reset here
 * (refused, rate-limited), nor is an INIT level de-assert anything
 * (Xen's vlapic_accept_irq()).
 */
static void lapic_init_ipi(struct pvhv_vcpu *src, u32 id, u32 icr)
{
	struct pvhv_vcpu *t = pvhv_vcpu_lookup(src->d, id);

	if ((icr & ICR_LEVEL) && !(icr & ICR_ASSERT))
		return;
	if (t && pvhv_vcpu_is_up(src->d, id) > 0) {
		pr_warn_ratelimited("domain %u: INIT to running vCPU %u ignored\n",
				    src->d->domid, id);
		return;
	}
	if (!t)
		t = pvhv_vcpu_get(src->d, id, true);	/* created, not started */
	if (!IS_ERR(t))
		WRITE_ONCE(t->x86.lapic.wait_sipi, true);
}

/*
 * SIPI (SDM 8.4.4.1): a vCPU waiting for one starts in real mode at
 * @vector's page; the others ignore it (the second SIPI of INIT-SIPI-SIPI).
 * A vCPU never initialised is initialised and brought up the way
 * VCPUOP_initialise and VCPUOP_up do; one stopped with VCPUOP_down keeps
 * its thread and state, and is not restarted this way.
 */
static void lapic_sipi(struct pvhv_vcpu *src, u32 id, u8 vector)
{
	struct pvhv_domain *d = src->d;
	struct pvhv_vcpu *t = pvhv_vcpu_lookup(d, id);
	struct pvhv_x86_state st;
	u64 regs[8] = { 0 };
	long ret;

	if (!t || !xchg(&t->x86.lapic.wait_sipi, false))
		return;
	lapic_sipi_state(&st, vector);
	ret = pvhv_vcpu_initialise(d, id, &st, regs);
	if (!ret)
		ret = pvhv_vcpu_up(d, id);
	if (ret)
		pr_warn_ratelimited("domain %u: SIPI to vCPU %u: not started (%ld)\n",
				    d->domid, id, ret);
}

/* An IPI from @v's ICR (SDM 11.6.1): @dest is ICR[63:56] (xAPIC) or ICR[63:32] (x2APIC). */
static void lapic_send_ipi(struct pvhv_vcpu *v, u32 icr, u32 dest)
{
	struct pvhv_lapic *a = &v->x86.lapic;
	bool x2apic = lapic_x2apic(a->base);
	u32 mode = ICR_MODE(icr), sh = ICR_SHORTHAND(icr), id;
	u8 vector = ICR_VECTOR(icr);
	struct pvhv_vcpu *t;

	if ((mode == DM_FIXED || mode == DM_LOWEST) && vector < 16) {
		a->esr_pending |= ESR_SEND_ILLEGAL;
		return;
	}
	for (id = 0; id < v->d->max_vcpus; id++) {
		t = pvhv_vcpu_lookup(v->d, id);
		if (!lapic_match(v, id, t, sh, dest, icr & ICR_LOGICAL, x2apic))
			continue;
		switch (mode) {
		case DM_FIXED:
		case DM_LOWEST:
			/* A disabled APIC does not accept it (Xen's vlapic_accept_irq()). */
			if (t && lapic_enabled(&t->x86.lapic))
				lapic_set_irr(t, vector, icr & ICR_LEVEL);
			if (mode == DM_LOWEST && t)
				return;		/* the first match takes it */
			break;
		case DM_INIT:
			lapic_init_ipi(v, id, icr);
			break;
		case DM_STARTUP:
			lapic_sipi(v, id, vector);
			break;
		default:
			pr_warn_ratelimited("domain %u: IPI delivery mode %u not emulated, dropped\n",
					    v->d->domid, mode);
			return;
		}
	}
}

/* --- registers ------------------------------------------------------------------ */

/* The power-up/reset state (SDM 11.4.7.1; Xen's vlapic_reset()), @base kept. */
static void lapic_reset_regs(struct pvhv_lapic *a)
{
	int i;

	hrtimer_cancel(&a->timer);
	WRITE_ONCE(a->period_ns, 0);
	memset(a->irr, 0, sizeof(a->irr));
	memset(a->isr, 0, sizeof(a->isr));
	memset(a->tmr, 0, sizeof(a->tmr));
	WRITE_ONCE(a->svr, 0xff);
	WRITE_ONCE(a->ldr, 0);
	WRITE_ONCE(a->dfr, 0xffffffff);
	a->tpr = a->esr = a->esr_pending = a->icr = a->icr2 = 0;
	a->tmict = a->tdcr = 0;
	a->tsc_deadline = 0;
	for (i = 0; i < PVHV_LAPIC_NR_LVT; i++)
		WRITE_ONCE(a->lvt[i], LVT_MASKED);
}

void pvhv_x86_lapic_init(struct pvhv_vcpu *v)
{
	struct pvhv_lapic *a = &v->x86.lapic;

	hrtimer_init(&a->timer, CLOCK_MONOTONIC, HRTIMER_MODE_ABS);
	a->timer.function = lapic_timer_fire;
	lapic_reset_regs(a);
	/* xAPIC mode at the default base; vCPU 0 is the BSP (SDM 11.4.4, 8.4.1). */
	WRITE_ONCE(a->base, PVHV_LAPIC_DEFAULT_BASE | BASE_EN | (v->id ? 0 : BASE_BSP));
}

void pvhv_x86_lapic_stop(struct pvhv_vcpu *v)
{
	hrtimer_cancel(&v->x86.lapic.timer);
}

/*
 * A register read: 0 and *@val, or -EINVAL where the register does not
 * exist in this mode (x2APIC: #GP, SDM 11.12.1.2; xAPIC reads 0).
 */
static int lapic_read(struct pvhv_vcpu *v, u32 off, bool x2apic, u64 *val)
{
	struct pvhv_lapic *a = &v->x86.lapic;
	u32 id = pvhv_x86_apic_id(v->id);

	switch (off) {
	case PVHV_LAPIC_ID:
		*val = x2apic ? id : id << 24;
		break;
	case PVHV_LAPIC_VER:
		*val = APIC_VERSION;
		break;
	case PVHV_LAPIC_TPR:
		*val = a->tpr;
		break;
	case PVHV_LAPIC_PPR:
		*val = lapic_ppr(a);
		break;
	case PVHV_LAPIC_LDR:
		*val = a->ldr;
		break;
	case PVHV_LAPIC_SVR:
		*val = a->svr;
		break;
	case PVHV_LAPIC_ISR ... PVHV_LAPIC_ISR + 0x70:
		*val = lapic_bm_word(a->isr, (off - PVHV_LAPIC_ISR) >> 4);
		break;
	case PVHV_LAPIC_TMR ... PVHV_LAPIC_TMR + 0x70:
		*val = lapic_bm_word(a->tmr, (off - PVHV_LAPIC_TMR) >> 4);
		break;
	case PVHV_LAPIC_IRR ... PVHV_LAPIC_IRR + 0x70:
		*val = lapic_bm_word(a->irr, (off - PVHV_LAPIC_IRR) >> 4);
		break;
	case PVHV_LAPIC_ESR:
		*val = a->esr;
		break;
	case PVHV_LAPIC_ICR:
		*val = x2apic ? ((u64)a->icr2 << 32) | a->icr : a->icr;
		break;
	case PVHV_LAPIC_LVTT ... PVHV_LAPIC_LVTERR:
		*val = a->lvt[array_index_nospec((off - PVHV_LAPIC_LVTT) >> 4, PVHV_LAPIC_NR_LVT)];
		break;
	case PVHV_LAPIC_TMICT:
		*val = a->tmict;
		break;
	case PVHV_LAPIC_TMCCT:
		*val = lapic_tmcct(a);
		break;
	case PVHV_LAPIC_TDCR:
		*val = a->tdcr;
		break;
	case PVHV_LAPIC_DFR:
		if (x2apic)
			return -EINVAL;		/* no DFR in x2APIC mode */
		*val = a->dfr;
		break;
	case PVHV_LAPIC_ICR2:
		if (x2apic)
			return -EINVAL;		/* one 64-bit ICR */
		*val = a->icr2;
		break;
	default:
		/* APR, RRD, EOI, SELF IPI (write-only), CMCI, reserved. */
		if (x2apic)
			return -EINVAL;
		*val = 0;
	}
	return 0;
}

static void lapic_write_lvt(struct pvhv_lapic *a, unsigned int i, u32 val)
{
	u32 old = a->lvt[i];

	val &= lapic_lvt_mask[i];
	if (!(a->svr & BIT(8)))
		val |= LVT_MASKED;	/* software-disabled: masked (SDM 11.4.7.2) */
	if (i) {
		WRITE_ONCE(a->lvt[i], val);
		return;
	}
	if ((val & LVT_TIMER_MODE) == LVT_TIMER_MODE)
		val &= ~LVT_TIMER_MODE;		/* reserved mode: one-shot */
	/* Into or out of TSC-deadline mode disarms the timer (SDM 11.5.4.1). */
	if (lapic_tscdeadline_mode(old) != lapic_tscdeadline_mode(val)) {
		hrtimer_cancel(&a->timer);
		WRITE_ONCE(a->period_ns, 0);
		WRITE_ONCE(a->tsc_deadline, 0);
		a->tmict = 0;
	}
	WRITE_ONCE(a->lvt[0], val);
	/* One-shot <-> periodic: the running count goes on in the new mode. */
	if (!lapic_tscdeadline_mode(val) && ((old ^ val) & LVT_TIMER_PERIODIC) &&
	    hrtimer_active(&a->timer))
		WRITE_ONCE(a->period_ns, (val & LVT_TIMER_PERIODIC) ?
			   max(a->count_ns, APIC_MIN_PERIOD_NS) : 0);
}

/*
 * A register write: 0, or -EINVAL for #GP (x2APIC only: read-only and
 * absent registers, reserved bits, a non-zero EOI or ESR write; SDM
 * 11.12.1.2-3, Xen's guest_wrmsr_x2apic()). xAPIC writes to read-only
 * registers are dropped.
 */
static int lapic_write(struct pvhv_vcpu *v, u32 off, bool x2apic, u64 val)
{
	struct pvhv_lapic *a = &v->x86.lapic;
	bool was_on;
	u32 lo = val;
	int i;

	if (x2apic && off != PVHV_LAPIC_ICR && (val >> 32))
		return -EINVAL;
	switch (off) {
	case PVHV_LAPIC_TPR:
		if (x2apic && (lo & ~0xffU))
			return -EINVAL;
		a->tpr = lo & 0xff;
		break;
	case PVHV_LAPIC_EOI:
		if (x2apic && lo)
			return -EINVAL;
		lapic_eoi(a);
		break;
	case PVHV_LAPIC_LDR:
		if (x2apic)
			return -EINVAL;
		WRITE_ONCE(a->ldr, lo & 0xff000000);
		break;
	case PVHV_LAPIC_DFR:
		if (x2apic)
			return -EINVAL;
		WRITE_ONCE(a->dfr, lo | 0x0fffffff);
		break;
	case PVHV_LAPIC_SVR:
		if (x2apic && (lo & ~0x3ffU))
			return -EINVAL;
		was_on = a->svr & BIT(8);
		WRITE_ONCE(a->svr, lo & 0x3ff);
		if (!(lo & BIT(8)))
			for (i = 0; i < PVHV_LAPIC_NR_LVT; i++)
				WRITE_ONCE(a->lvt[i], a->lvt[i] | LVT_MASKED);
		else if (!was_on && lapic_hw_enabled(a->base))
			lapic_enabled_now(v);
		break;
	case PVHV_LAPIC_ESR:
		if (x2apic && lo)
			return -EINVAL;
		/* A write latches the errors seen since the last one (SDM 11.5.3). */
		a->esr = a->esr_pending;
		a->esr_pending = 0;
		break;
	case PVHV_LAPIC_ICR:
		if (x2apic) {
			if (val & ~(0xfffULL | ICR_ASSERT | ICR_LEVEL | (3 << 18) | GENMASK_ULL(63, 32)))
				return -EINVAL;
			a->icr2 = val >> 32;
		}
		a->icr = lo & ~LVT_DELIVERY_STATUS;	/* sent at once: never pending */
		lapic_send_ipi(v, a->icr, x2apic ? a->icr2 : a->icr2 >> 24);
		break;
	case PVHV_LAPIC_ICR2:
		if (x2apic)
			return -EINVAL;
		a->icr2 = lo & 0xff000000;
		break;
	case PVHV_LAPIC_LVTT ... PVHV_LAPIC_LVTERR:
		i = array_index_nospec((off - PVHV_LAPIC_LVTT) >> 4, PVHV_LAPIC_NR_LVT);
		/* x2APIC: beyond the writable bits only the read-only status ones. */
		if (x2apic && (lo & ~(lapic_lvt_mask[i] | LVT_DELIVERY_STATUS |
				      (i == 3 || i == 4 ? BIT(14) : 0))))
			return -EINVAL;
		if (x2apic && i == 0 && (lo & LVT_TIMER_MODE) == LVT_TIMER_MODE)
			return -EINVAL;
		lapic_write_lvt(a, i, lo);
		break;
	case PVHV_LAPIC_TMICT:
		if (lapic_tscdeadline_mode(a->lvt[0]))
			break;		/* ignored in TSC-deadline mode (SDM 11.5.4.1) */
		a->tmict = lo;
		lapic_timer_start(a);
		break;
	case PVHV_LAPIC_TDCR:
		if (x2apic && (lo & ~0xbU))
			return -EINVAL;
		a->tdcr = lo & 0xb;
		break;
	case PVHV_LAPIC_SELF_IPI:
		if (!x2apic)
			break;		/* x2APIC only (SDM 11.12.11) */
		if (lo & ~0xffU)
			return -EINVAL;
		if (lo < 16)
			a->esr_pending |= ESR_SEND_ILLEGAL;
		else
			lapic_set_irr(v, lo, false);
		break;
	default:
		/* ID, version, PPR, ISR/TMR/IRR, current count: read-only; the rest absent. */
		if (x2apic)
			return -EINVAL;
	}
	return 0;
}

/*
 * IA32_APIC_BASE (SDM 11.4.4, 11.12.5 Figure 11-28): EN and EXTD move
 * between disabled, xAPIC and x2APIC only along the allowed edges (never
 * EXTD without EN, never x2APIC straight to xAPIC or from disabled to
 * x2APIC); reserved bits are #GP; BSP is read-only here; the base does not
 * move (relocation is refused with #GP: the xAPIC page is emulated at the
 * default base only). Disabling resets the APIC (Xen's vlapic_msr_set()).
 */
static int lapic_set_base(struct pvhv_vcpu *v, u64 val)
{
	struct pvhv_lapic *a = &v->x86.lapic;
	u64 addr_mask = GENMASK_ULL(boot_cpu_data.x86_phys_bits - 1, 12);
	u64 old = a->base;
	bool en = val & BASE_EN, extd = val & BASE_EXTD;

	if (val & ~(addr_mask | BASE_EN | BASE_EXTD | BASE_BSP))
		return -EINVAL;
	if (extd && !en)
		return -EINVAL;
	if (lapic_x2apic(old) && en && !extd)
		return -EINVAL;
	if (!lapic_hw_enabled(old) && extd)
		return -EINVAL;
	if ((val & addr_mask) != (old & addr_mask)) {
		pr_warn_ratelimited("domain %u: APIC base relocation to %#llx refused\n",
				    v->d->domid, val & addr_mask);
		return -EINVAL;
	}
	val = (val & ~BASE_BSP) | (old & BASE_BSP);
	if (!en && lapic_hw_enabled(old))
		lapic_reset_regs(a);
	else if (extd && !lapic_x2apic(old))
		WRITE_ONCE(a->ldr, lapic_x2apic_ldr(pvhv_x86_apic_id(v->id)));
	WRITE_ONCE(a->base, val);
	if (en && !lapic_hw_enabled(old) && (a->svr & BIT(8)))
		lapic_enabled_now(v);
	return 0;
}

/*
 * The APIC's MSRs: 0, -EINVAL (#GP), or -ENOENT (not one of them). The
 * x2APIC range only in x2APIC mode (SDM 11.12.1.2: #GP otherwise).
 */
int pvhv_x86_lapic_rdmsr(struct pvhv_vcpu *v, u32 msr, u64 *val)
{
	struct pvhv_lapic *a = &v->x86.lapic;

	if (msr >= PVHV_LAPIC_MSR_FIRST && msr <= PVHV_LAPIC_MSR_LAST) {
		if (!lapic_x2apic(a->base))
			return -EINVAL;
		return lapic_read(v, (msr - PVHV_LAPIC_MSR_FIRST) << 4, true, val);
	}
	switch (msr) {
	case MSR_IA32_APICBASE:
		*val = a->base;
		return 0;
	case MSR_IA32_TSC_DEADLINE:
		*val = lapic_tscdeadline_mode(a->lvt[0]) ? READ_ONCE(a->tsc_deadline) : 0;
		return 0;
	}
	return -ENOENT;
}

int pvhv_x86_lapic_wrmsr(struct pvhv_vcpu *v, u32 msr, u64 val)
{
	struct pvhv_lapic *a = &v->x86.lapic;

	if (msr >= PVHV_LAPIC_MSR_FIRST && msr <= PVHV_LAPIC_MSR_LAST) {
		if (!lapic_x2apic(a->base))
			return -EINVAL;
		return lapic_write(v, (msr - PVHV_LAPIC_MSR_FIRST) << 4, true, val);
	}
	switch (msr) {
	case MSR_IA32_APICBASE:
		return lapic_set_base(v, val);
	case MSR_IA32_TSC_DEADLINE:
		lapic_set_deadline(v, val);
		return 0;
	}
	return -ENOENT;
}

/* Is @gpa in @v's xAPIC page (enabled, not in x2APIC mode: SDM 11.12.1.2)? */
bool pvhv_x86_lapic_mmio(struct pvhv_vcpu *v, u64 gpa)
{
	u64 base = v->x86.lapic.base;

	return lapic_hw_enabled(base) && !lapic_x2apic(base) &&
	       (gpa & PAGE_MASK) == (base & GENMASK_ULL(51, 12));
}

/*
 * An access of @size bytes at @gpa in the xAPIC page. Registers are 32
 * bits wide at 16-byte strides (SDM 11.4.1: "all registers must be
 * accessed using 128-bit aligned 32-bit loads or stores"); narrower
 * reads see part of one, as Xen's vlapic_read() gives them; other
 * accesses read 0s and are dropped (rate-limited note).
 */
void pvhv_x86_lapic_mmio_access(struct pvhv_vcpu *v, u64 gpa, u8 size, bool write, u64 *val)
{
	u32 off = gpa & ~PAGE_MASK, reg = off & ~0xfU, in = off & 0xf;
	u64 r = 0;

	if (write) {
		if (size == 4 && !in)
			lapic_write(v, reg, false, (u32)*val);
		else
			pr_warn_ratelimited("domain %u: %u-byte APIC write at %#x dropped\n",
					    v->d->domid, size, off);
		return;
	}
	if (in + size > 4) {
		*val = 0;
		return;
	}
	lapic_read(v, reg, false, &r);
	*val = (r >> (in * 8)) & (size == 4 ? 0xffffffffULL : BIT_ULL(size * 8) - 1);
}

/* MOV CR8 (SDM 10.8.6.1 / 11.8.6.1 "TPR": CR8[3:0] is TPR[7:4]). */
u8 pvhv_x86_lapic_cr8(struct pvhv_vcpu *v)
{
	return v->x86.lapic.tpr >> 4;
}

void pvhv_x86_lapic_set_cr8(struct pvhv_vcpu *v, u8 val)
{
	v->x86.lapic.tpr = (val & 0xf) << 4;
}
