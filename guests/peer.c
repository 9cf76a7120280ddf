// SPDX-License-Identifier: GPL-2.0-only
/*
 * Two domains ping-pong over an interdomain event channel.
 *   cmdline "role=server peer=C rounds=N": offers port 1 to domain C, then
 *     answers N events.
 *   cmdline "role=client rounds=N": finds the server (the next few domids)
 *     by binding to its port 1, sends N events, times the round trips.
 *   cmdline "role=host rounds=N": offers a port to the host (domid 0), waits
 *     for the host to bind it, then the same as a client.
 */
#include "rt.h"
#include <xen/event_channel.h>
#include <xen/hvm/hvm_op.h>
#include <xen/hvm/params.h>
#include <xen/memory.h>

#define VECTOR 0xf3
#define SHINFO_GFN 0x500

static volatile struct shared_info *sh = (volatile void *)(SHINFO_GFN << 12);
static volatile unsigned int count[4096];

static void upcall(void)
{
	rt_evtchn_scan(sh, &sh->vcpu_info[0], count, NULL);
}

static void wait_for(unsigned int port, unsigned int n)
{
	RT_WAIT_UNTIL(!(count[port] < n));
}

void guest_main(const struct hvm_start_info *si)
{
	const char *c = si->cmdline_paddr ? (const char *)(uintptr_t)si->cmdline_paddr : "";
	struct xen_add_to_physmap xatp = { .domid = DOMID_SELF, .space = XENMAPSPACE_shared_info,
					   .gpfn = SHINFO_GFN };
	struct xen_hvm_param hp = { .domid = DOMID_SELF, .index = HVM_PARAM_CALLBACK_IRQ,
				    .value = (2ULL << 56) | VECTOR };
	unsigned long rounds = rt_arg(c, "rounds"), i;
	struct evtchn_send snd;
	uint32_t r[4];

	rt_cpuid(0x40000004, 0, r);
	ASSERT(rt_hypercall(__HYPERVISOR_memory_op, XENMEM_add_to_physmap, (unsigned long)&xatp, 0) == 0);
	ASSERT(rt_hypercall(__HYPERVISOR_hvm_op, HVMOP_set_param, (unsigned long)&hp, 0) == 0);
	rt_set_upcall(VECTOR, upcall);
	asm volatile("sti");

	if (!rt_strncmp(c, "role=server", 11)) {
		struct evtchn_alloc_unbound au = { .dom = DOMID_SELF, .remote_dom = (domid_t)rt_arg(c, "peer") };
		struct evtchn_status st = { .dom = DOMID_SELF, .port = 1 };
		long rc = rt_evtchn_op(EVTCHNOP_alloc_unbound, &au);

		CHECK(rc == 0 && au.port == 1, "server (domain %u): port %u offered to domain %u",
		      r[2], au.port, au.remote_dom);
		rt_printf("server: ready\n");
		snd.port = au.port;
		for (i = 1; i <= rounds; i++) {
			wait_for(au.port, i);
			rt_evtchn_op(EVTCHNOP_send, &snd);
		}
		/* The client may already have closed its end after its last answer. */
		rc = rt_evtchn_op(EVTCHNOP_status, &st);
		CHECK(rc == 0 && (st.status == EVTCHNSTAT_interdomain || st.status == EVTCHNSTAT_unbound),
		      "server: answered %lu events (port now %s)", rounds,
		      st.status == EVTCHNSTAT_interdomain ? "bound" : "unbound: the client closed");
		/* Wait until the client closes its end: ours becomes unbound. */
		for (i = 0; i < 5000; i++) {
			rt_evtchn_op(EVTCHNOP_status, &st);
			if (st.status == EVTCHNSTAT_unbound)
				break;
			sched_op(SCHEDOP_yield, 0);
		}
		CHECK(st.status == EVTCHNSTAT_unbound, "server: the client's close left our end unbound");
		return;
	}

	if (!rt_strncmp(c, "role=host", 9)) {
		struct evtchn_alloc_unbound au = { .dom = DOMID_SELF, .remote_dom = 0 };
		struct evtchn_status st = { .dom = DOMID_SELF };
		struct evtchn_close cl;
		uint64_t t0, total = 0;
		long rc = rt_evtchn_op(EVTCHNOP_alloc_unbound, &au);

		CHECK(rc == 0, "guest: port %u offered to the host", au.port);
		rt_printf("host-port: %u\n", au.port);
		st.port = au.port;
		for (i = 0; i < 2000000; i++) {
			if (rt_evtchn_op(EVTCHNOP_status, &st) == 0 && st.status == EVTCHNSTAT_interdomain)
				break;
			sched_op(SCHEDOP_yield, 0);
		}
		CHECK(st.status == EVTCHNSTAT_interdomain && st.u.interdomain.dom == 0,
		      "guest: the host bound it (host port %u)", st.u.interdomain.port);
		snd.port = au.port;
		wait_for(snd.port, 1);	/* the host's "go" */
		for (i = 1; i <= rounds; i++) {
			t0 = rdtsc();
			rt_evtchn_op(EVTCHNOP_send, &snd);
			wait_for(snd.port, i + 1);
			total += rdtsc() - t0;
		}
		CHECK(count[snd.port] == rounds + 1, "guest: %lu round trips with the host", rounds);
		rt_printf("bench: guest-host event round trip: %lu cycles average (%lu rounds)\n",
			  (unsigned long)(total / (rounds ? rounds : 1)), rounds);
		cl.port = snd.port;
		CHECK(rt_evtchn_op(EVTCHNOP_close, &cl) == 0, "guest: closed its end");
		return;
	}

	{
		struct evtchn_bind_interdomain bi = { .remote_port = 1 };
		struct evtchn_close cl;
		uint64_t t0, best = ~0ULL, total = 0, t;
		unsigned int tries, dom;
		long rc = -1;

		/* The server is one of the next domids; retry until it has offered port 1. */
		for (tries = 0; rc && tries < 200000; tries++) {
			for (dom = r[2] + 1; rc && dom < r[2] + 4; dom++) {
				bi.remote_dom = (domid_t)dom;
				rc = rt_evtchn_op(EVTCHNOP_bind_interdomain, &bi);
			}
			if (rc)
				sched_op(SCHEDOP_yield, 0);
		}
		CHECK(rc == 0, "client (domain %u): bound to domain %u port 1 as port %u",
		      r[2], bi.remote_dom, bi.local_port);
		snd.port = bi.local_port;
		count[snd.port] = 0;	/* the new port starts pending: not an answer */
		for (i = 1; i <= rounds; i++) {
			t0 = rdtsc();
			rt_evtchn_op(EVTCHNOP_send, &snd);
			wait_for(snd.port, i);
			t = rdtsc() - t0;
			total += t;
			if (t < best)
				best = t;
		}
		CHECK(count[snd.port] == rounds, "client: %lu round trips, every answer arrived", rounds);
		rt_printf("bench: interdomain event round trip: %lu cycles average, %lu best (%lu rounds)\n",
			  (unsigned long)(total / (rounds ? rounds : 1)), (unsigned long)best, rounds);
		cl.port = snd.port;
		CHECK(rt_evtchn_op(EVTCHNOP_close, &cl) == 0, "client: closed its end");
	}
}
