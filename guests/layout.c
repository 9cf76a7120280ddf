// SPDX-License-Identifier: GPL-2.0-only
/*
 * A 64-bit guest that switches its shared_info layout, as Xen latches it:
 * HVM_PARAM_CALLBACK_IRQ set from compatibility mode picks the compat
 * layout (the wallclock moves to offset 2304, the domain has 1024 ports),
 * set again from 64-bit mode picks the native one. Ports bound beyond 1023
 * before the switch stay valid and closable but raise nothing (hostile
 * input: nothing outside the shared_info page may change, and the domain's
 * teardown must not leak them). The hypercalls from compatibility mode also
 * exercise the 32-bit ABI of a 64-bit guest (Xen's "mode 4").
 */
#include "rt.h"
#include <xen/event_channel.h>
#include <xen/hvm/hvm_op.h>
#include <xen/hvm/params.h>
#include <xen/memory.h>

#define EINVAL 22
#define ENOSPC 28
#define VECTOR 0xf3
#define SHINFO_GFN 0x500
#define HIGH_PORT 1100

static volatile struct shared_info *sh = (volatile void *)(SHINFO_GFN << 12);
static volatile uint8_t *page = (volatile void *)(SHINFO_GFN << 12);
static volatile unsigned int upcalls;

/* Upcalls come only in the native layout here: take the selector, count. */
static void upcall(void)
{
	upcalls++;
	sh->vcpu_info[0].evtchn_upcall_pending = 0;
	__atomic_exchange_n(&sh->vcpu_info[0].evtchn_pending_sel, 0, __ATOMIC_SEQ_CST);
}

static long set_callback(int compat)
{
	static struct xen_hvm_param hp = { .domid = DOMID_SELF, .index = HVM_PARAM_CALLBACK_IRQ,
					   .value = (2ULL << 56) | VECTOR };

	if (compat)
		return rt_hypercall_compat(__HYPERVISOR_hvm_op, HVMOP_set_param, (unsigned long)&hp, 0);
	return rt_hypercall(__HYPERVISOR_hvm_op, HVMOP_set_param, (unsigned long)&hp, 0);
}

static long evtchn_port_op(int cmd, evtchn_port_t port)
{
	struct evtchn_send s = { .port = port };	/* send, close, unmask: just a port */

	return rt_evtchn_op(cmd, &s);
}

static uint32_t rd32(unsigned int off)
{
	return *(volatile uint32_t *)(page + off);
}

/* The wallclock of a layout: version at @off, then wc_sec, wc_nsec. */
static int wallclock_ok(unsigned int off)
{
	return !(rd32(off) & 1) && rd32(off) >= 2 && rd32(off + 4) > 1600000000 &&
	       rd32(off + 8) < 1000000000;
}

void guest_main(const struct hvm_start_info *si)
{
	struct xen_add_to_physmap xatp = { .domid = DOMID_SELF, .space = XENMAPSPACE_shared_info,
					   .gpfn = SHINFO_GFN };
	struct evtchn_alloc_unbound au = { .dom = DOMID_SELF, .remote_dom = DOMID_SELF };
	struct evtchn_bind_ipi bi = { .vcpu = 0 };
	struct evtchn_status st = { .dom = DOMID_SELF };
	unsigned int n = 0, before;
	uint8_t tail[1024];
	long rc;

	(void)si;
	CHECK(rt_hypercall(__HYPERVISOR_memory_op, XENMEM_add_to_physmap, (unsigned long)&xatp, 0) == 0,
	      "shared_info placed");
	CHECK(set_callback(0) == 0 && wallclock_ok(3072), "native layout: the wallclock at 3072");
	rt_set_upcall(VECTOR, upcall);
	asm volatile("sti");

	/* Native: ports up to HIGH_PORT - 1 allocated, an IPI on HIGH_PORT. */
	while (n < HIGH_PORT - 1 && rt_evtchn_op(EVTCHNOP_alloc_unbound, &au) == 0 &&
	       au.port < HIGH_PORT - 1)
		n++;
	rc = rt_evtchn_op(EVTCHNOP_bind_ipi, &bi);
	CHECK(rc == 0 && bi.port >= 1024, "native: an IPI bound beyond 1023 (port %u)", bi.port);
	before = upcalls;
	CHECK(evtchn_port_op(EVTCHNOP_send, bi.port) == 0, "native: send on it");
	RT_WAIT_UNTIL(upcalls > before);
	CHECK(sh->evtchn_pending[bi.port / 64] & (1UL << (bi.port % 64)), "  ... it is pending");
	__atomic_and_fetch(&sh->evtchn_pending[bi.port / 64], ~(1UL << (bi.port % 64)),
			   __ATOMIC_SEQ_CST);

	/* Compat, from compatibility mode. */
	rc = set_callback(1);
	CHECK(rc == 0 && wallclock_ok(2304), "CALLBACK_IRQ from compatibility mode (%ld): the wallclock moved to 2304",
	      rc);
	memcpy(tail, (const void *)(page + 3072), sizeof(tail));
	before = upcalls;
	CHECK(evtchn_port_op(EVTCHNOP_send, bi.port) == 0 && evtchn_port_op(EVTCHNOP_unmask, bi.port) == 0,
	      "compat: send and unmask on port %u answer 0 ...", bi.port);
	CHECK(upcalls == before && !rt_memcmp(tail, (const void *)(page + 3072), sizeof(tail)) &&
	      !(sh->evtchn_pending[bi.port / 64] & (1UL << (bi.port % 64))),
	      "  ... and raise nothing: no upcall, no bit written beyond the compat layout");
	st.port = bi.port;
	CHECK(rt_evtchn_op(EVTCHNOP_status, &st) == 0 && st.status == EVTCHNSTAT_ipi,
	      "compat: the port in use stays visible to EVTCHNOP_status");
	st.port = 2000;
	CHECK(rt_evtchn_op(EVTCHNOP_status, &st) == -EINVAL, "compat: status of a free port 2000: -EINVAL");
	CHECK(rt_evtchn_op(EVTCHNOP_alloc_unbound, &au) == -ENOSPC,
	      "compat: no new port (1..1023 all taken): -ENOSPC");
	CHECK(evtchn_port_op(EVTCHNOP_close, bi.port) == 0, "compat: closing the port beyond 1023 works");
	rc = rt_evtchn_op(EVTCHNOP_bind_ipi, &bi);
	CHECK(rc == -ENOSPC, "compat: and it is not handed out again (%ld)", rc);

	/* Native again: the wallclock moves back, the high ports come back. */
	CHECK(set_callback(0) == 0 && wallclock_ok(3072), "CALLBACK_IRQ from 64-bit mode: native again");
	rc = rt_evtchn_op(EVTCHNOP_bind_ipi, &bi);
	CHECK(rc == 0 && bi.port >= 1024, "native: a port beyond 1023 again (%u)", bi.port);
	before = upcalls;
	evtchn_port_op(EVTCHNOP_send, bi.port);
	RT_WAIT_UNTIL(upcalls > before);
	CHECK(upcalls == before + 1, "  ... and it raises the upcall");
	/* Left bound, with 1100 others, for the teardown to close. */
}
