// SPDX-License-Identifier: GPL-2.0-only
/*
 * Event channels on one vCPU: the upcall vector (HVM_PARAM_CALLBACK_IRQ),
 * loopback interdomain channels, IPIs, masking, VIRQ_TIMER from
 * set_timer_op and the singleshot timer (never early), SCHEDOP_block, the
 * status/close rules, port exhaustion and reset, and bad arguments to all.
 */
#include "rt.h"
#include <xen/event_channel.h>
#include <xen/hvm/hvm_op.h>
#include <xen/hvm/params.h>
#include <xen/memory.h>
#include <xen/vcpu.h>
#include <xen/sched.h>

#define EFAULT 14
#define EPERM 1
#define EINVAL 22
#define ESRCH 3
#define ENOENT 2
#define EEXIST 17
#define ENOSPC 28
#define ENOSYS 38
#define ETIME 62
#define VECTOR 0xf3
#define SHINFO_GFN 0x500

static volatile struct shared_info *sh = (volatile void *)(SHINFO_GFN << 12);
/* vCPU 0's vcpu_info: in shared_info, until VCPUOP_register_vcpu_info moves it. */
static volatile struct vcpu_info *vinfo = (volatile void *)(SHINFO_GFN << 12);
static volatile unsigned int upcalls, count[4096];

static long hvm_op(int cmd, void *arg)
{
	return rt_hypercall(__HYPERVISOR_hvm_op, cmd, (unsigned long)arg, 0);
}

static long vcpu_op(int cmd, int vcpu, void *arg)
{
	return rt_hypercall(__HYPERVISOR_vcpu_op, cmd, vcpu, (unsigned long)arg);
}

/* The guest's side of the 2-level ABI, as Linux's xen_evtchn_do_upcall. */
static void upcall(void)
{
	upcalls++;
	rt_evtchn_scan(sh, vinfo, count, NULL);
}

static uint64_t now_ns(void)
{
	return rt_pvclock_ns(&vinfo->time, NULL);
}

static int send(evtchn_port_t p)
{
	struct evtchn_send s = { .port = p };

	return (int)rt_evtchn_op(EVTCHNOP_send, &s);
}

static int do_close(evtchn_port_t p)
{
	struct evtchn_close c = { .port = p };

	return (int)rt_evtchn_op(EVTCHNOP_close, &c);
}

static void test_timers(void)
{
	struct evtchn_bind_virq bv = { .virq = VIRQ_TIMER, .vcpu = 0 };
	struct vcpu_set_singleshot_timer st;
	uint64_t deadline, t, worst_late = 0;
	unsigned int c, i, early = 0;
	long rc;

	rc = rt_evtchn_op(EVTCHNOP_bind_virq, &bv);
	CHECK(rc == 0 && bv.port, "bind_virq(VIRQ_TIMER) = port %u", bv.port);
	CHECK(rt_evtchn_op(EVTCHNOP_bind_virq, &bv) == -EEXIST, "bind_virq(VIRQ_TIMER) twice: -EEXIST");
	for (i = 0; i < 10; i++) {
		c = count[bv.port];
		deadline = now_ns() + 2000000 + i * 500000;	/* 2 .. 6.5 ms */
		rt_hypercall(__HYPERVISOR_set_timer_op, deadline, 0, 0);
		RT_WAIT_UNTIL(!(count[bv.port] == c));
		t = now_ns();
		if (t < deadline)
			early++;
		else if (t - deadline > worst_late)
			worst_late = t - deadline;
	}
	CHECK(early == 0, "VIRQ_TIMER from set_timer_op: 10 deadlines, none early (worst late %lu us)",
	      (unsigned long)(worst_late / 1000));
	st.timeout_abs_ns = now_ns() - 1000;
	st.flags = VCPU_SSHOTTMR_future;
	CHECK(vcpu_op(VCPUOP_set_singleshot_timer, 0, &st) == -ETIME,
	      "singleshot timer in the past with VCPU_SSHOTTMR_future: -ETIME");
	c = count[bv.port];
	st.timeout_abs_ns = now_ns() + 3000000;
	st.flags = 0;
	CHECK(vcpu_op(VCPUOP_set_singleshot_timer, 0, &st) == 0, "singleshot timer in 3 ms");
	/* SCHEDOP_block with interrupts off: returns once the event is pending. */
	asm volatile("cli");
	CHECK(sched_op(SCHEDOP_block, 0) == 0 && now_ns() >= st.timeout_abs_ns,
	      "SCHEDOP_block returns when the timer event is pending, not before");
	asm volatile("sti; nop" ::: "memory");
	CHECK(count[bv.port] == c + 1, "  ... and the upcall delivers it once interrupts are on");
	st.timeout_abs_ns = now_ns() + 1000000000ULL;
	vcpu_op(VCPUOP_set_singleshot_timer, 0, &st);
	CHECK(vcpu_op(VCPUOP_stop_singleshot_timer, 0, 0) == 0, "stop_singleshot_timer");
	{
		struct vcpu_set_periodic_timer pt = { .period_ns = 100000 };
		uint64_t t1;

		CHECK(vcpu_op(VCPUOP_set_periodic_timer, 0, &pt) == -EINVAL,
		      "periodic timer of 100 us: -EINVAL (1 ms at least)");
		pt.period_ns = 2000000;
		c = count[bv.port];
		t = now_ns();
		CHECK(vcpu_op(VCPUOP_set_periodic_timer, 0, &pt) == 0, "periodic timer every 2 ms");
		RT_WAIT_UNTIL(count[bv.port] >= c + 5);
		t1 = now_ns();
		CHECK(t1 - t >= 5 * 2000000ULL, "  ... 5 ticks took %lu us (>= 10000)", (unsigned long)((t1 - t) / 1000));
		CHECK(vcpu_op(VCPUOP_stop_periodic_timer, 0, 0) == 0, "stop_periodic_timer");
		c = count[bv.port];
		t = now_ns();
		while (now_ns() - t < 20000000ULL)
			;
		CHECK(count[bv.port] <= c + 1, "  ... no more ticks (%u)", count[bv.port] - c);
	}
	CHECK(vcpu_op(VCPUOP_set_singleshot_timer, 1, &st) == -ENOENT,
	      "singleshot timer for a vCPU that does not exist: -ENOENT");
	CHECK(vcpu_op(VCPUOP_set_singleshot_timer, 0, (void *)0x100000000ULL) == -EFAULT,
	      "singleshot timer from an unmapped address: -EFAULT");
}

static volatile unsigned int upcalls_f4;

/* The per-vCPU upcall is a local APIC interrupt: it needs an EOI, as on Xen. */
static void upcall_f4(void)
{
	upcalls_f4++;
	upcall();
	asm volatile("wrmsr" : : "c" (0x80b), "a" (0), "d" (0));	/* x2APIC EOI */
}

static long sched_poll(evtchn_port_t *ports, unsigned int n, uint64_t timeout)
{
	struct sched_poll p = { .nr_ports = n, .timeout = timeout };

	set_xen_guest_handle(p.ports, ports);
	return sched_op(SCHEDOP_poll, &p);
}

static void test_poll_and_placement(void)
{
	struct evtchn_bind_virq bv = { .virq = VIRQ_TIMER, .vcpu = 0 };
	struct evtchn_status st = { .dom = DOMID_SELF };
	struct vcpu_register_vcpu_info ri;
	evtchn_port_t ports[130];
	uint64_t t0, t;
	unsigned int n, i, tp = 0;
	uint32_t r[4];

	/* Find the timer port again (bound earlier) through EVTCHNOP_status. */
	for (i = 1; i < 64 && !tp; i++) {
		st.port = i;
		if (rt_evtchn_op(EVTCHNOP_status, &st) == 0 && st.status == EVTCHNSTAT_virq &&
		    st.u.virq == VIRQ_TIMER)
			tp = i;
	}
	if (!tp && rt_evtchn_op(EVTCHNOP_bind_virq, &bv) == 0)
		tp = bv.port;
	CHECK(tp, "the VIRQ_TIMER port (%u)", tp);

	/* SCHEDOP_poll on a masked port: woken by the timer, not by an upcall. */
	__atomic_or_fetch(&sh->evtchn_mask[tp / 64], 1UL << (tp % 64), __ATOMIC_SEQ_CST);
	__atomic_and_fetch(&sh->evtchn_pending[tp / 64], ~(1UL << (tp % 64)), __ATOMIC_SEQ_CST);
	ports[0] = tp;
	t0 = now_ns();
	rt_hypercall(__HYPERVISOR_set_timer_op, t0 + 3000000, 0, 0);
	CHECK(sched_poll(ports, 1, t0 + 2000000000ULL) == 0, "SCHEDOP_poll on the masked timer port");
	t = now_ns();
	CHECK((sh->evtchn_pending[tp / 64] & (1UL << (tp % 64))) && t >= t0 + 3000000 &&
	      t < t0 + 1000000000ULL, "  ... returned when it became pending (after %lu us)",
	      (unsigned long)((t - t0) / 1000));
	CHECK(sched_poll(ports, 1, 0) == 0, "SCHEDOP_poll with a port already pending returns at once");
	__atomic_and_fetch(&sh->evtchn_pending[tp / 64], ~(1UL << (tp % 64)), __ATOMIC_SEQ_CST);
	t0 = now_ns();
	CHECK(sched_poll(ports, 1, t0 + 4000000) == 0 && now_ns() >= t0 + 4000000,
	      "SCHEDOP_poll times out at its absolute deadline, not before");
	__atomic_and_fetch(&sh->evtchn_mask[tp / 64], ~(1UL << (tp % 64)), __ATOMIC_SEQ_CST);
	for (n = 0; n < 130; n++)
		ports[n] = tp;
	CHECK(sched_poll(ports, 129, 1) == -EINVAL, "SCHEDOP_poll with 129 ports: -EINVAL");
	ports[0] = 0;
	CHECK(sched_poll(ports, 1, 1) == -EINVAL, "SCHEDOP_poll on port 0: -EINVAL");
	CHECK(sched_poll((evtchn_port_t *)0x100000000ULL, 1, 1) == -EFAULT,
	      "SCHEDOP_poll with an unmapped port list: -EFAULT");

	/* Misaligned, the selector would take split locks in the host. */
	ri = (struct vcpu_register_vcpu_info){ .mfn = 0x601, .offset = 60 };
	CHECK(rt_vcpu_op(VCPUOP_register_vcpu_info, 0, &ri) == -EINVAL,
	      "register_vcpu_info at an offset not 8-byte aligned (60): -EINVAL");
	/* vcpu_info moves to a page of ours; events and pvclock follow it. */
	ri = (struct vcpu_register_vcpu_info){ .mfn = 0x601, .offset = 64 };
	CHECK(rt_vcpu_op(VCPUOP_register_vcpu_info, 0, &ri) == 0, "VCPUOP_register_vcpu_info at gfn 0x601+64");
	vinfo = (volatile void *)((0x601UL << 12) + 64);
	CHECK(rt_vcpu_op(VCPUOP_register_vcpu_info, 0, &ri) == -EINVAL, "  ... only once: -EINVAL");
	n = count[tp];
	rt_hypercall(__HYPERVISOR_set_timer_op, now_ns() + 2000000, 0, 0);
	RT_WAIT_UNTIL(!(count[tp] == n));
	CHECK(count[tp] == n + 1 && !(vinfo->time.version & 1) && vinfo->time.tsc_to_system_mul,
	      "timer event and pvclock arrive at the new place");
	ri = (struct vcpu_register_vcpu_info){ .mfn = 0x602, .offset = 4090 };
	CHECK(rt_vcpu_op(VCPUOP_register_vcpu_info, 0, &ri) == -EINVAL ||
	      rt_vcpu_op(VCPUOP_register_vcpu_info, 0, &ri) == -EINVAL,
	      "register_vcpu_info across a page end: -EINVAL");

	/*
	 * A per-vCPU upcall vector, as Linux uses it: no domain-wide callback,
	 * the local APIC enabled (x2APIC mode), an EOI per upcall.
	 */
	rt_cpuid(0x40000004, 0, r);
	CHECK(r[0] & (1 << 6), "CPUID 0x40000004: upcall vector supported");
	{
		struct xen_hvm_evtchn_upcall_vector uv = { .vcpu = 0, .vector = 0xf4 };
		struct xen_hvm_param hp = { .domid = DOMID_SELF, .index = HVM_PARAM_CALLBACK_IRQ };
		unsigned int before = upcalls;
		uint32_t lo, hi;

		CHECK(hvm_op(HVMOP_set_param, &hp) == 0, "HVM_PARAM_CALLBACK_IRQ = 0 (none)");
		asm volatile("rdmsr" : "=a" (lo), "=d" (hi) : "c" (0x1b));
		asm volatile("wrmsr" : : "c" (0x1b), "a" (lo | (1 << 10)), "d" (hi));
		rt_set_upcall(0xf4, upcall_f4);
		/*
		 * Bound while the APIC is still software-disabled (SVR 0xff), as
		 * Linux does before setup_local_APIC(): a disabled APIC takes no
		 * upcall; enabling it brings the pending one in (Xen's vlapic).
		 */
		asm volatile("cli" ::: "memory");
		CHECK(hvm_op(HVMOP_set_evtchn_upcall_vector, &uv) == 0, "HVMOP_set_evtchn_upcall_vector(0xf4)");
		n = count[tp];
		rt_hypercall(__HYPERVISOR_set_timer_op, now_ns() + 1000000, 0, 0);
		while (!vinfo->evtchn_upcall_pending)
			asm volatile("pause" ::: "memory");
		asm volatile("rdmsr" : "=a" (lo), "=d" (hi) : "c" (0x827));	/* IRR 224-255 */
		CHECK(!(lo & (1u << (0xf4 - 224))), "  ... an upcall while the APIC is disabled: not in IRR");
		asm volatile("wrmsr" : : "c" (0x80f), "a" (0x1ff), "d" (0));	/* SVR: enabled */
		asm volatile("rdmsr" : "=a" (lo), "=d" (hi) : "c" (0x827));
		CHECK(lo & (1u << (0xf4 - 224)), "  ... enabling the APIC brings it in (IRR)");
		asm volatile("sti; nop" ::: "memory");
		RT_WAIT_UNTIL(!(count[tp] == n));
		CHECK(upcalls_f4 > 0, "  ... and it is delivered (%u)", upcalls_f4);
		n = count[tp];
		rt_hypercall(__HYPERVISOR_set_timer_op, now_ns() + 2000000, 0, 0);
		RT_WAIT_UNTIL(!(count[tp] == n));
		CHECK(upcalls_f4 > 0, "  ... upcalls arrive on vector 0xf4 (%u)", upcalls_f4);
		n = count[tp];
		rt_hypercall(__HYPERVISOR_set_timer_op, now_ns() + 2000000, 0, 0);
		RT_WAIT_UNTIL(!(count[tp] == n));
		CHECK(upcalls - before == upcalls_f4, "  ... again after the EOI, and none on %#x", VECTOR);
		uv.vector = 5;
		CHECK(hvm_op(HVMOP_set_evtchn_upcall_vector, &uv) == -EINVAL, "upcall vector 5: -EINVAL");
		uv.vector = 0xf4;
		uv.vcpu = 9;
		CHECK(hvm_op(HVMOP_set_evtchn_upcall_vector, &uv) == -ENOENT, "upcall vector for vCPU 9: -ENOENT");
	}
}

void guest_main(const struct hvm_start_info *si)
{
	struct xen_add_to_physmap xatp = { .domid = DOMID_SELF, .space = XENMAPSPACE_shared_info,
					   .idx = 0, .gpfn = SHINFO_GFN };
	struct xen_hvm_param hp = { .domid = DOMID_SELF, .index = HVM_PARAM_CALLBACK_IRQ };
	struct evtchn_alloc_unbound au = { .dom = DOMID_SELF, .remote_dom = DOMID_SELF };
	struct evtchn_bind_interdomain bi;
	struct evtchn_bind_ipi bip = { .vcpu = 0 };
	struct evtchn_status st;
	unsigned int a, b, c, n;
	uint16_t self;
	long rc;
	uint32_t r[4];

	(void)si;
	rt_cpuid(0x40000004, 0, r);
	self = (uint16_t)r[2];
	CHECK(rt_hypercall(__HYPERVISOR_memory_op, XENMEM_add_to_physmap, (unsigned long)&xatp, 0) == 0,
	      "shared_info mapped");
	rt_set_upcall(VECTOR, upcall);
	hp.value = (2ULL << 56) | VECTOR;
	CHECK(hvm_op(HVMOP_set_param, &hp) == 0, "HVM_PARAM_CALLBACK_IRQ = vector %#x", VECTOR);
	hp.value = 0;
	CHECK(hvm_op(HVMOP_get_param, &hp) == 0 && hp.value == ((2ULL << 56) | VECTOR),
	      "  ... and reads back");

	rc = rt_evtchn_op(EVTCHNOP_alloc_unbound, &au);
	CHECK(rc == 0 && au.port, "alloc_unbound = port %u", au.port);
	a = au.port;
	st = (struct evtchn_status){ .dom = DOMID_SELF, .port = a };
	rc = rt_evtchn_op(EVTCHNOP_status, &st);
	CHECK(rc == 0 && st.status == EVTCHNSTAT_unbound && st.u.unbound.dom == self,
	      "status: unbound, for domain %u", st.u.unbound.dom);
	bi = (struct evtchn_bind_interdomain){ .remote_dom = DOMID_SELF, .remote_port = a };
	asm volatile("sti");
	rc = rt_evtchn_op(EVTCHNOP_bind_interdomain, &bi);
	CHECK(rc == 0 && bi.local_port, "bind_interdomain (loopback) = port %u", bi.local_port);
	b = bi.local_port;
	CHECK(count[b] == 1, "the new port starts pending and the upcall saw it (%u)", count[b]);
	c = upcalls;
	CHECK(send(a) == 0 && count[b] == 2, "send(a) raises b at once (%u)", count[b]);
	CHECK(send(b) == 0 && count[a] == 1, "send(b) raises a");
	CHECK(upcalls > c, "upcalls arrived through vector %#x (%u)", VECTOR, upcalls);
	st.port = b;
	rc = rt_evtchn_op(EVTCHNOP_status, &st);
	CHECK(rc == 0 && st.status == EVTCHNSTAT_interdomain && st.u.interdomain.port == a,
	      "status: interdomain, peer port %u", st.u.interdomain.port);

	/* Masking holds an event back; unmask delivers it. */
	__atomic_or_fetch(&sh->evtchn_mask[b / 64], 1UL << (b % 64), __ATOMIC_SEQ_CST);
	n = count[b];
	send(a);
	CHECK(count[b] == n && (sh->evtchn_pending[b / 64] & (1UL << (b % 64))),
	      "a masked port stays pending, no upcall");
	{
		struct evtchn_unmask um = { .port = b };

		CHECK(rt_evtchn_op(EVTCHNOP_unmask, &um) == 0 && count[b] == n + 1,
		      "EVTCHNOP_unmask delivers it");
	}

	rc = rt_evtchn_op(EVTCHNOP_bind_ipi, &bip);
	CHECK(rc == 0 && bip.port, "bind_ipi = port %u", bip.port);
	CHECK(send(bip.port) == 0 && count[bip.port] == 1, "send on an IPI port raises it");

	test_timers();
	test_poll_and_placement();

	/* Closing one end unbinds the other. */
	CHECK(do_close(b) == 0, "close(b)");
	st.port = a;
	CHECK(rt_evtchn_op(EVTCHNOP_status, &st) == 0 && st.status == EVTCHNSTAT_unbound,
	      "  ... a is unbound again");
	CHECK(do_close(b) == -EINVAL, "close of a closed port: -EINVAL");
	CHECK(send(b) == -EINVAL, "send on a closed port: -EINVAL");
	CHECK(send(a) == 0, "send on an unbound port: 0, dropped");
	CHECK(do_close(0) == -EINVAL && do_close(5000) == -EINVAL && do_close(0xffffffff) == -EINVAL,
	      "close of port 0, 5000, 2^32-1: -EINVAL");

	/* Bad arguments. */
	{
		struct evtchn_bind_virq bv = { .virq = 99 };
		struct evtchn_alloc_unbound bad = { .dom = 777, .remote_dom = DOMID_SELF };
		struct evtchn_init_control ic = { .control_gfn = 1ULL << 40 };

		CHECK(rt_evtchn_op(EVTCHNOP_bind_virq, &bv) == -EINVAL, "bind_virq(99): -EINVAL");
		bv.virq = VIRQ_TIMER;
		bv.vcpu = 5;
		CHECK(rt_evtchn_op(EVTCHNOP_bind_virq, &bv) == -ENOENT, "bind_virq on vCPU 5 (none): -ENOENT");
		bip.vcpu = 9;
		CHECK(rt_evtchn_op(EVTCHNOP_bind_ipi, &bip) == -ENOENT, "bind_ipi on vCPU 9 (none): -ENOENT");
		bi.remote_dom = DOMID_SELF;
		bi.remote_port = 4000;
		CHECK(rt_evtchn_op(EVTCHNOP_bind_interdomain, &bi) == -EINVAL,
		      "bind_interdomain to a closed port: -EINVAL");
		bi.remote_dom = 777;
		CHECK(rt_evtchn_op(EVTCHNOP_bind_interdomain, &bi) == -ESRCH,
		      "bind_interdomain to domain 777 (none): -ESRCH");
		CHECK(rt_evtchn_op(EVTCHNOP_alloc_unbound, &bad) == -ESRCH, "alloc_unbound for domain 777: -ESRCH");
		CHECK(rt_evtchn_op(99, &bad) == -ENOSYS, "unknown event channel op: -ENOSYS");
		CHECK(rt_evtchn_op(EVTCHNOP_init_control, &ic) == -EINVAL,
		      "init_control (FIFO) with a bad control gfn: -EINVAL");
		ic.control_gfn = 0x600;
		CHECK(rt_evtchn_op(EVTCHNOP_init_control, &ic) == -ENOSYS,
		      "init_control (FIFO) otherwise: -ENOSYS, 2-level it is");
		CHECK(rt_evtchn_op(EVTCHNOP_expand_array, &ic) == -ENOSYS, "expand_array: -ENOSYS");
		CHECK(rt_evtchn_op(EVTCHNOP_alloc_unbound, (void *)0x100000000ULL) == -EFAULT,
		      "alloc_unbound from an unmapped address: -EFAULT");
		hp.index = 99;
		CHECK(hvm_op(HVMOP_set_param, &hp) == -EINVAL, "set_param(99): -EINVAL");
		hp.index = HVM_PARAM_STORE_PFN;
		CHECK(hvm_op(HVMOP_set_param, &hp) == -EPERM, "set_param(STORE_PFN) by the guest: -EPERM");
		/* The toolstack (vmmctl create) has set it: readable, whatever its value. */
		CHECK(hvm_op(HVMOP_get_param, &hp) == 0,
		      "get_param(STORE_PFN) by the guest: readable");
		hp.index = 12;	/* HVM_PARAM_IDENT_PT */
		CHECK(hvm_op(HVMOP_get_param, &hp) == -EPERM, "get_param(IDENT_PT) by the guest: -EPERM");
		hp.index = HVM_PARAM_STORE_EVTCHN;
		hp.value = 5;
		CHECK(hvm_op(HVMOP_set_param, &hp) == 0 && hvm_op(HVMOP_get_param, &hp) == 0 &&
		      hp.value == 5, "set/get_param(STORE_EVTCHN) by the guest");
		hp.index = HVM_PARAM_CALLBACK_IRQ;
		hp.value = (2ULL << 56) | 5;
		CHECK(hvm_op(HVMOP_set_param, &hp) == -EINVAL, "callback vector 5: -EINVAL");
		hp.value = (3ULL << 56) | 0x40;
		CHECK(hvm_op(HVMOP_set_param, &hp) == -EINVAL, "callback of type 3: -EINVAL");
		/*
		 * GSI 1 and a PCI INTx line: accepted, nothing delivered (no
		 * virtual IOAPIC), as Xen; Linux sets GSI 1 after its per-vCPU
		 * vector.
		 */
		hp.value = 1;
		CHECK(hvm_op(HVMOP_set_param, &hp) == 0 && hvm_op(HVMOP_get_param, &hp) == 0 &&
		      hp.value == 1, "callback GSI 1: accepted, reads back");
		hp.value = (1ULL << 56) | (3 << 8) | 1;
		CHECK(hvm_op(HVMOP_set_param, &hp) == 0, "callback PCI INTx (00:00.3 INTB): accepted");
		hp.value = (2ULL << 56) | VECTOR;
		CHECK(hvm_op(HVMOP_set_param, &hp) == 0, "callback vector %#x again", VECTOR);
		hp.domid = 777;
		CHECK(hvm_op(HVMOP_get_param, &hp) == -ESRCH, "get_param of domain 777: -ESRCH");
	}

	/* Exhaust the ports, then EVTCHNOP_reset gives them all back. */
	for (n = 0; n < 5000; n++) {
		au = (struct evtchn_alloc_unbound){ .dom = DOMID_SELF, .remote_dom = DOMID_SELF };
		if (rt_evtchn_op(EVTCHNOP_alloc_unbound, &au))
			break;
	}
	CHECK(rt_evtchn_op(EVTCHNOP_alloc_unbound, &au) == -ENOSPC && n > 4000,
	      "ports run out after %u more: -ENOSPC", n);
	{
		struct evtchn_reset rs = { .dom = DOMID_SELF };

		CHECK(rt_evtchn_op(EVTCHNOP_reset, &rs) == 0, "EVTCHNOP_reset");
	}
	au = (struct evtchn_alloc_unbound){ .dom = DOMID_SELF, .remote_dom = DOMID_SELF };
	rc = rt_evtchn_op(EVTCHNOP_alloc_unbound, &au);
	CHECK(rc == 0 && au.port == 1, "  ... and port 1 is free again (%u)", au.port);
}
