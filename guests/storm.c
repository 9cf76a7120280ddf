// SPDX-License-Identifier: GPL-2.0-only
/*
 * Event storm: N domains in a ring (cmdline "idx=K n=N secs=S"; the domids
 * are consecutive, so ours minus K is the ring's first), 2 vCPUs each. vCPU v
 * of domain K pings vCPU v of domain K+1 over an interdomain channel for S
 * seconds, one event in flight at a time, while answering the pings of
 * domain K-1; so every vCPU of every domain sends and receives at once. A
 * second channel carries "finished". Each vCPU reports what it sent, the
 * answers it got and the pings it answered: the harness checks that every
 * ping sent was counted by its receiver.
 */
#include "rt.h"
#include <xen/event_channel.h>
#include <xen/hvm/hvm_op.h>
#include <xen/hvm/params.h>
#include <xen/memory.h>

#define VECTOR 0xf3
#define SHINFO_GFN 0x500
#define NV 2

static volatile struct shared_info *sh = (volatile void *)(SHINFO_GFN << 12);
static uint8_t stack1[16384] __attribute__((aligned(16)));
static volatile unsigned int count[4096];
static unsigned long mine[NV][4096 / 64];	/* the ports each vCPU handles */
static evtchn_port_t ping[NV], fin_out[NV], echo[NV], fin_in[NV];
static volatile int finished[NV];
static volatile uint64_t sent[NV], pongs[NV], echoed[NV];
static uint64_t secs;

static long evtchn_op(int cmd, void *arg)
{
	return rt_hypercall(__HYPERVISOR_event_channel_op, cmd, (unsigned long)arg, 0);
}

static uint32_t my_vcpu(void)
{
	uint32_t r[4];

	rt_cpuid(0x40000004, 0, r);
	return r[1];
}

static uint64_t now_ns(void)
{
	return rt_pvclock_ns(&sh->vcpu_info[0].time, NULL);
}

static void send(evtchn_port_t p)
{
	struct evtchn_send s = { .port = p };

	evtchn_op(EVTCHNOP_send, &s);
}

/* The 2-level upcall, for this vCPU's own ports only (as Linux's per-CPU masks). */
static void upcall(void)
{
	uint32_t v = my_vcpu();
	volatile struct vcpu_info *vi = &sh->vcpu_info[v];

	while (vi->evtchn_upcall_pending) {
		unsigned long sel;

		vi->evtchn_upcall_pending = 0;
		sel = __atomic_exchange_n(&vi->evtchn_pending_sel, 0, __ATOMIC_SEQ_CST);
		while (sel) {
			int w = __builtin_ctzl(sel);
			unsigned long pend;

			sel &= sel - 1;
			pend = sh->evtchn_pending[w] & ~sh->evtchn_mask[w] & mine[v][w];
			while (pend) {
				int b = __builtin_ctzl(pend);

				pend &= pend - 1;
				__atomic_and_fetch(&sh->evtchn_pending[w], ~(1UL << b), __ATOMIC_SEQ_CST);
				__atomic_add_fetch(&count[w * 64 + b], 1, __ATOMIC_SEQ_CST);
			}
		}
	}
}

static unsigned long arg(const char *cmdline, const char *key)
{
	size_t n = rt_strlen(key);
	unsigned long v = 0;
	const char *p;

	for (p = cmdline; *p; p++) {
		if ((p == cmdline || p[-1] == ' ') && !rt_strncmp(p, key, n) && p[n] == '=') {
			for (p += n + 1; *p >= '0' && *p <= '9'; p++)
				v = v * 10 + (unsigned long)(*p - '0');
			return v;
		}
	}
	return 0;
}

static void own(unsigned int v, evtchn_port_t p)
{
	struct evtchn_bind_vcpu bv = { .port = p, .vcpu = v };

	mine[v][p / 64] |= 1UL << (p % 64);
	ASSERT(evtchn_op(EVTCHNOP_bind_vcpu, &bv) == 0);
}

/* Bind the port @rport that domain @dom offered us, retrying until it has. */
static evtchn_port_t bind_from(domid_t dom, evtchn_port_t rport)
{
	struct evtchn_bind_interdomain b = { .remote_dom = dom, .remote_port = rport };
	uint64_t t0 = now_ns();
	long rc;

	do {
		rc = evtchn_op(EVTCHNOP_bind_interdomain, &b);
		if (rc)
			sched_op(SCHEDOP_yield, 0);
	} while (rc && now_ns() - t0 < 60000000000ULL);
	ASSERT(rc == 0);
	/* A new binding starts pending (as Xen's); we start from a clean slate. */
	__atomic_and_fetch(&sh->evtchn_pending[b.local_port / 64], ~(1UL << (b.local_port % 64)),
			   __ATOMIC_SEQ_CST);
	return b.local_port;
}

static void worker(unsigned int v)
{
	uint64_t end, p;
	int done = 0;

	asm volatile("sti");
	send(echo[v]);				/* "ready" to our pinger */
	RT_WAIT_UNTIL(count[ping[v]] >= 1);	/* our ring successor is ready */
	end = now_ns() + secs * 1000000000ULL;
	sent[v] = 1;
	send(ping[v]);
	for (;;) {
		RT_WAIT_UNTIL(count[ping[v]] - 1 != pongs[v] || count[echo[v]] != echoed[v] ||
			      (done && count[fin_in[v]]));
		while (count[echo[v]] > echoed[v]) {
			echoed[v]++;
			send(echo[v]);
		}
		p = count[ping[v]] - 1;
		if (!done && p != pongs[v]) {
			pongs[v] = p;
			if (now_ns() < end) {
				sent[v]++;
				send(ping[v]);
			} else {
				done = 1;
				send(fin_out[v]);
			}
		}
		if (done && count[fin_in[v]])
			break;
	}
	finished[v] = 1;
	if (v)
		for (;;)
			asm volatile("cli; hlt");
}

void guest_main(const struct hvm_start_info *si)
{
	const char *c = si->cmdline_paddr ? (const char *)(uintptr_t)si->cmdline_paddr : "";
	struct xen_add_to_physmap xatp = { .domid = DOMID_SELF, .space = XENMAPSPACE_shared_info,
					   .gpfn = SHINFO_GFN };
	struct xen_hvm_param hp = { .domid = DOMID_SELF, .index = HVM_PARAM_CALLBACK_IRQ,
				    .value = (2ULL << 56) | VECTOR };
	unsigned long idx = arg(c, "idx"), n = arg(c, "n");
	domid_t self, base, next, prev;
	unsigned int v;
	uint32_t r[4];

	secs = arg(c, "secs");
	ASSERT(n >= 2 && idx < n && secs > 0);
	rt_cpuid(0x40000004, 0, r);
	self = (domid_t)r[2];
	base = self - idx;
	next = base + (idx + 1) % n;
	prev = base + (idx + n - 1) % n;
	ASSERT(rt_hypercall(__HYPERVISOR_memory_op, XENMEM_add_to_physmap, (unsigned long)&xatp, 0) == 0);
	ASSERT(rt_hypercall(__HYPERVISOR_hvm_op, HVMOP_set_param, (unsigned long)&hp, 0) == 0);
	rt_set_upcall(VECTOR, upcall);

	/* Interrupts stay off until every port is bound and owned. Ours to the
	 * successor are ports 1..2N (pings, then fins); we bind our
	 * predecessor's the same way. */
	for (v = 0; v < 2 * NV; v++) {
		struct evtchn_alloc_unbound au = { .dom = DOMID_SELF, .remote_dom = next };

		ASSERT(evtchn_op(EVTCHNOP_alloc_unbound, &au) == 0 && au.port == v + 1);
	}
	for (v = 0; v < NV; v++) {
		ping[v] = v + 1;
		fin_out[v] = NV + v + 1;
		echo[v] = bind_from(prev, v + 1);
		fin_in[v] = bind_from(prev, NV + v + 1);
		own(v, ping[v]);
		own(v, fin_out[v]);
		own(v, echo[v]);
		own(v, fin_in[v]);
	}
	rt_printf("storm: domain %u (ring %lu of %lu) bound to %u and %u\n", self, idx, n, prev, next);
	ASSERT(rt_init_ap(1, stack1 + sizeof(stack1), worker) == 0);
	ASSERT(rt_vcpu_op(VCPUOP_up, 1, 0) == 0);
	worker(0);
	while (!finished[1])
		sched_op(SCHEDOP_yield, 0);
	for (v = 0; v < NV; v++) {
		CHECK(sent[v] == pongs[v], "domain %u vCPU %u: every ping answered (%lu sent, %lu answers)",
		      self, v, (unsigned long)sent[v], (unsigned long)pongs[v]);
		rt_printf("storm: domain %u vcpu %u sent %lu to %u; answered %lu from %u\n", self, v,
			  (unsigned long)sent[v], next, (unsigned long)echoed[v], prev);
	}
}
