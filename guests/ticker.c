// SPDX-License-Identifier: GPL-2.0-only
/*
 * A timer ticker: VIRQ_TIMER bound, then forever: set_timer_op "period=MS"
 * (default 100) ahead, wait for it, "tick N" to the hypervisor console. The wait is SCHEDOP_poll
 * on the (masked) timer port with no timeout, or with "block=1" on the
 * command line SCHEDOP_block with interrupts off (the port unmasked, so it
 * raises evtchn_upcall_pending). Only the timer ends either: a timer lost
 * across a pause stops the ticks for good, and a wait that returns with
 * nothing pending is said ("ticker: ... returned with nothing pending").
 */
#include "xsring.h"

#define BIT(p)	(1UL << ((p) % 64))

void guest_main(const struct hvm_start_info *si)
{
	const char *c = si->cmdline_paddr ? (const char *)(uintptr_t)si->cmdline_paddr : "";
	struct evtchn_bind_virq bv = { .virq = VIRQ_TIMER, .vcpu = 0 };
	volatile struct vcpu_info *vi = &xsg_sh->vcpu_info[0];
	bool block = rt_arg(c, "block") == 1;
	unsigned long period = rt_arg(c, "period"), n;
	evtchn_port_t tp;

	xsg_init_shinfo();
	ASSERT(xsg_evtchn_op(EVTCHNOP_bind_virq, &bv) == 0);
	tp = bv.port;
	if (!period)
		period = 100;
	if (!block)	/* polled, never delivered */
		__atomic_or_fetch(&xsg_sh->evtchn_mask[tp / 64], BIT(tp), __ATOMIC_SEQ_CST);
	rt_printf("ticker: timer port %u, every %lu ms, waiting with %s\n", tp, period,
		  block ? "SCHEDOP_block" : "SCHEDOP_poll");
	for (n = 1;; n++) {
		struct sched_poll sp = { .nr_ports = 1, .timeout = 0 };
		bool pending;

		set_xen_guest_handle(sp.ports, &tp);
		rt_hypercall(__HYPERVISOR_set_timer_op, xsg_now() + period * XSG_MS, 0, 0);
		if (block) {
			sched_op(SCHEDOP_block, 0);
			pending = vi->evtchn_upcall_pending;
			vi->evtchn_upcall_pending = 0;
			__atomic_and_fetch(&vi->evtchn_pending_sel, 0UL, __ATOMIC_SEQ_CST);
		} else {
			sched_op(SCHEDOP_poll, &sp);
			pending = xsg_sh->evtchn_pending[tp / 64] & BIT(tp);
		}
		__atomic_and_fetch(&xsg_sh->evtchn_pending[tp / 64], ~BIT(tp), __ATOMIC_SEQ_CST);
		if (!pending)
			rt_printf("ticker: %s returned with nothing pending\n",
				  block ? "SCHEDOP_block" : "SCHEDOP_poll");
		rt_printf("tick %lu\n", n);
	}
}
