// SPDX-License-Identifier: GPL-2.0-only
/*
 * vcpu_op: bringing secondary vCPUs up (VCPUOP_initialise with a PVH/HVM
 * context, up, down, is_up), the per-vCPU timers, vcpu_info placement and
 * the runstate / time areas (runstate.c). Semantics and
 * errno values as Xen's common/domain.c do_vcpu_op.
 *
 * VCPUOP_initialise's context is checked here against Xen's rules
 * (xen/arch/x86/hvm/domain.c arch_set_info_hvm_guest and check_segment) and
 * handed on as a plain x86 state, which the x86 layer checks against the
 * CPU's (x86/state.c): the vendors see no Xen types and refuse nothing.
 *
 * Locking: the vCPU lifecycle calls take pvhv_domain.lock (vcpu.c).
 */
#define pr_fmt(fmt) "pvhv: xen: " fmt

#include <linux/errno.h>
#include <linux/hrtimer.h>
#include <linux/timekeeping.h>
#include <asm/msr-index.h>
#include <asm/processor-flags.h>
#include <xen/interface/xen.h>
#include <xen/interface/sched.h>
#include <xen/interface/vcpu.h>
#include <xen/interface/hvm/hvm_vcpu.h>

#include "../core.h"

/* Xen's segment_register attribute bits (public/hvm/hvm_vcpu.h: the VMCB's packing). */
#define XEN_SEG_TYPE(a)		((a) & 0xf)
#define XEN_SEG_S		BIT(4)
#define XEN_SEG_P		BIT(7)
#define XEN_SEG_G		BIT(11)
#define XEN_SEG_TSS_BUSY	0xb

enum { XEN_SEG_CS, XEN_SEG_DS, XEN_SEG_SS, XEN_SEG_ES, XEN_SEG_TR };

/*
 * One segment of a 32-bit context, as Xen's check_segment(): no attribute
 * bits 12-15; null only for DS/ES; TR a busy 32-bit TSS, the others code or
 * data; present; CS code, SS writable data, DS/ES readable. Present ones
 * get their accessed (TR: busy) bit, as Xen sets it. The limit is byte
 * granular and must agree with G (what VM entry checks, Intel SDM vol. 3C
 * 26.3.1.2: with G the low 12 bits are ones, without it the top 12 zero).
 */
static int xen_ctx_seg(struct pvhv_x86_seg *s, int which, u32 base, u32 limit, u16 attr)
{
	u8 type;

	if (attr & 0xf000)
		return -EINVAL;
	s->sel = 0;
	s->base = base;
	s->limit = limit;
	s->attr = attr;
	if (!attr)
		return which == XEN_SEG_DS || which == XEN_SEG_ES ? 0 : -EINVAL;
	if (attr & XEN_SEG_P)
		s->attr |= which == XEN_SEG_TR ? 2 : 1;
	type = XEN_SEG_TYPE(s->attr);
	if (which == XEN_SEG_TR ? (attr & XEN_SEG_S) || type != XEN_SEG_TSS_BUSY :
				  !(attr & XEN_SEG_S))
		return -EINVAL;
	if (!(attr & XEN_SEG_P))
		return -EINVAL;
	if ((which == XEN_SEG_CS && !(type & 8)) ||
	    (which == XEN_SEG_SS && ((type & 8) || !(type & 2))) ||
	    ((which == XEN_SEG_DS || which == XEN_SEG_ES) && (type & 8) && !(type & 2)))
		return -EINVAL;
	if ((attr & XEN_SEG_G) ? (limit & 0xfff) != 0xfff : limit >> 20)
		return -EINVAL;
	return 0;
}

static int xen_ctx_32(const struct vcpu_hvm_x86_32 *r, struct pvhv_x86_state *st, u64 regs[8])
{
	if (r->pad1 || r->pad2[0] || r->pad2[1] || r->pad2[2])
		return -EINVAL;
	if (xen_ctx_seg(&st->cs, XEN_SEG_CS, r->cs_base, r->cs_limit, r->cs_ar) ||
	    xen_ctx_seg(&st->ds, XEN_SEG_DS, r->ds_base, r->ds_limit, r->ds_ar) ||
	    xen_ctx_seg(&st->ss, XEN_SEG_SS, r->ss_base, r->ss_limit, r->ss_ar) ||
	    xen_ctx_seg(&st->es, XEN_SEG_ES, r->es_base, r->es_limit, r->es_ar) ||
	    xen_ctx_seg(&st->tr, XEN_SEG_TR, r->tr_base, r->tr_limit, r->tr_ar))
		return -EINVAL;
	/* Xen's sanity checks: EIP within CS, SS.DPL = CS.DPL, DS/ES.DPL <= CS.DPL, no LMA without LME. */
	if (r->eip > st->cs.limit ||
	    PVHV_X86_SEG_DPL(st->ss.attr) != PVHV_X86_SEG_DPL(st->cs.attr) ||
	    ((st->ds.attr & XEN_SEG_P) &&
	     PVHV_X86_SEG_DPL(st->ds.attr) > PVHV_X86_SEG_DPL(st->cs.attr)) ||
	    ((st->es.attr & XEN_SEG_P) &&
	     PVHV_X86_SEG_DPL(st->es.attr) > PVHV_X86_SEG_DPL(st->cs.attr)) ||
	    ((r->efer & EFER_LMA) && !(r->efer & EFER_LME)))
		return -EINVAL;
	st->fs = st->gs = st->ds;
	st->cr0 = r->cr0;
	st->cr3 = r->cr3;
	st->cr4 = r->cr4;
	st->efer = r->efer;
	st->rip = r->eip;
	st->rflags = r->eflags;
	regs[0] = r->eax, regs[1] = r->ecx, regs[2] = r->edx, regs[3] = r->ebx;
	regs[4] = r->esp, regs[5] = r->ebp, regs[6] = r->esi, regs[7] = r->edi;
	return 0;
}

/* 64-bit mode: paging, PAE and LME on, a canonical RIP; flat segments, as Xen sets them. */
static int xen_ctx_64(const struct vcpu_hvm_x86_64 *r, struct pvhv_x86_state *st, u64 regs[8])
{
	if (!(r->cr0 & X86_CR0_PG) || !(r->cr4 & X86_CR4_PAE) || !(r->efer & EFER_LME) ||
	    ((s64)r->rip << 16 >> 16) != (s64)r->rip)
		return -EINVAL;
	st->cs = (struct pvhv_x86_seg){ .attr = 0xa9b, .limit = ~0U };	/* 64-bit code */
	st->ds = (struct pvhv_x86_seg){ .attr = 0xc93, .limit = ~0U };
	st->es = st->ss = st->fs = st->gs = st->ds;
	st->tr = (struct pvhv_x86_seg){ .attr = 0x8b, .limit = 0x67 };	/* busy TSS */
	st->cr0 = r->cr0;
	st->cr3 = r->cr3;
	st->cr4 = r->cr4;
	st->efer = r->efer;
	st->rip = r->rip;
	st->rflags = r->rflags;
	regs[0] = r->rax, regs[1] = r->rcx, regs[2] = r->rdx, regs[3] = r->rbx;
	regs[4] = r->rsp, regs[5] = r->rbp, regs[6] = r->rsi, regs[7] = r->rdi;
	return 0;
}

/* VCPUOP_initialise: -EINVAL for a context Xen (or the CPU) would refuse. */
static long xen_vcpu_initialise(struct pvhv_domain *d, u32 id, const struct vcpu_hvm_context *ctx)
{
	struct pvhv_x86_state st = {
		.ldtr = { .attr = 0x082, .limit = 0xffff },
		.gdt_limit = 0xffff,
		.idt_limit = 0xffff,
	};
	u64 regs[8];
	int ret;

	if (ctx->pad)
		return -EINVAL;
	if (ctx->mode == VCPU_HVM_MODE_32B)
		ret = xen_ctx_32(&ctx->cpu_regs.x86_32, &st, regs);
	else if (ctx->mode == VCPU_HVM_MODE_64B)
		ret = xen_ctx_64(&ctx->cpu_regs.x86_64, &st, regs);
	else
		ret = -EINVAL;
	if (ret)
		return ret;
	/* As Xen: EFER.LME means long mode once paging is on. */
	if ((st.efer & EFER_LME) && (st.cr0 & X86_CR0_PG))
		st.efer |= EFER_LMA;
	return pvhv_vcpu_initialise(d, id, &st, regs);
}

long pvhv_xen_vcpu_op(struct pvhv_vcpu *v, u64 cmd, u64 vcpuid, u64 arg, bool compat)
{
	struct pvhv_domain *d = v->d;
	struct vcpu_set_singleshot_timer st;
	struct vcpu_register_vcpu_info ri;
	struct vcpu_hvm_context ctx;
	struct pvhv_vcpu *t;

	if (vcpuid >= d->max_vcpus)
		return -ENOENT;
	switch (cmd) {
	case VCPUOP_initialise:
		if (pvhv_copy_from_guest(v, &ctx, arg, sizeof(ctx)))
			return -EFAULT;
		return xen_vcpu_initialise(d, vcpuid, &ctx);
	case VCPUOP_up:
		return pvhv_vcpu_up(d, vcpuid);
	case VCPUOP_down:
		return pvhv_vcpu_down(d, vcpuid);
	case VCPUOP_is_up:
		return pvhv_vcpu_is_up(d, vcpuid);
	case VCPUOP_set_singleshot_timer:
		if (vcpuid != v->id)
			return -EINVAL;
		if (pvhv_copy_from_guest(v, &st, arg, sizeof(st)))
			return -EFAULT;
		if ((st.flags & VCPU_SSHOTTMR_future) && st.timeout_abs_ns < pvhv_xen_now(d))
			return -ETIME;
		return pvhv_xen_set_timer(v, st.timeout_abs_ns);
	case VCPUOP_stop_singleshot_timer:
		if (vcpuid != v->id)
			return -EINVAL;
		return pvhv_xen_set_timer(v, 0);
	case VCPUOP_set_periodic_timer: {
		struct vcpu_set_periodic_timer pt;

		if (vcpuid != v->id)
			return -EINVAL;
		if (pvhv_copy_from_guest(v, &pt, arg, sizeof(pt)))
			return -EFAULT;
		return pt.period_ns ? pvhv_xen_set_periodic(v, pt.period_ns) : -EINVAL;
	}
	case VCPUOP_stop_periodic_timer:
		if (vcpuid != v->id)
			return -EINVAL;
		return pvhv_xen_set_periodic(v, 0);
	case VCPUOP_register_vcpu_info:
		if (pvhv_copy_from_guest(v, &ri, arg, sizeof(ri)))
			return -EFAULT;
		t = pvhv_vcpu_get(d, vcpuid, true);
		if (IS_ERR(t))
			return PTR_ERR(t);
		return pvhv_xen_register_vcpu_info(t, ri.mfn, ri.offset);
	case VCPUOP_register_runstate_memory_area:
	case VCPUOP_register_vcpu_time_memory_area:
	case VCPUOP_get_runstate_info:
		t = pvhv_vcpu_get(d, vcpuid, true);
		if (IS_ERR(t))
			return PTR_ERR(t);
		return pvhv_xen_runstate_op(v, cmd, t, arg, compat);
	default:
		return -ENOSYS;
	}
}

/*
 * HLT with interrupts disabled, as Xen's hvm_hlt() -> hvm_vcpu_down()
 * (xen/arch/x86/hvm/hvm.c): only an NMI could end it on a real CPU, and the
 * guest means to stop. The vCPU goes down as by VCPUOP_down (VCPUOP_up
 * resumes it after the HLT); once no vCPU of the domain is up, the domain
 * powers off ("All CPUs offline -- powering off"). That is how `poweroff`
 * ends a PVH Linux guest: every CPU halts with interrupts off.
 */
void pvhv_xen_hlt_down(struct pvhv_vcpu *v)
{
	struct pvhv_domain *d = v->d;

	pvhv_vcpu_down(d, v->id);
	if (!READ_ONCE(d->online_vcpus))
		pvhv_domain_shutdown(d, PVHV_STATE_SHUTDOWN, SHUTDOWN_poweroff);
}
