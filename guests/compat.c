// SPDX-License-Identifier: GPL-2.0-only
/*
 * A 32-bit (i386) guest, compat32: Xen's compat ABI end to end. Built with -m32, so
 * Xen's public headers give it the compat layouts (4-byte xen_ulong_t,
 * 4-byte-aligned uint64_t): shared_info with 32-bit event words and
 * wc_sec_hi in the arch part, vcpu_info with a 32-bit selector, a 44-byte
 * vcpu_runstate_info. The hypervisor latched that layout when rt_main()
 * installed the hypercall page from 32-bit mode, and again when we set
 * HVM_PARAM_CALLBACK_IRQ. A hypervisor that wrote the native layout fails
 * these checks: the selector, mask and wallclock would not be where we read.
 */
#include "rt.h"
#include <xen/event_channel.h>
#include <xen/hvm/hvm_op.h>
#include <xen/hvm/params.h>
#include <xen/memory.h>
#include <xen/vcpu.h>

#define EINVAL 22
#define ENOSPC 28
#define VECTOR 0xf3
#define SHINFO_GFN 0x500
#define VINFO_GFN 0x601
#define PORTS 1024		/* 32 words of 32 bits */

_Static_assert(sizeof(unsigned long) == 4, "built as a 32-bit guest");
_Static_assert(offsetof(struct shared_info, wc_version) == 2304, "compat shared_info");
_Static_assert(offsetof(struct vcpu_info, evtchn_pending_sel) == 4, "compat vcpu_info");
_Static_assert(sizeof(struct vcpu_runstate_info) == 44, "compat runstate");

static volatile struct shared_info *sh = (volatile void *)(SHINFO_GFN << 12);
static volatile struct vcpu_info *vinfo = (volatile void *)(SHINFO_GFN << 12);
static volatile unsigned int upcalls, count[PORTS];
static volatile struct {
	struct vcpu_runstate_info rs;
	uint32_t canary;
} area = { .canary = 0xc0ffee };

static void upcall(void)
{
	upcalls++;
	rt_evtchn_scan(sh, vinfo, count, NULL);
}

static long evtchn(int cmd, void *arg)
{
	return rt_evtchn_op(cmd, arg);
}

static int bit(volatile unsigned long *map, unsigned int port)
{
	return !!(map[port / 32] & (1UL << (port % 32)));
}

static void test_wallclock_and_time(void)
{
	uint64_t t0, t1, ns0, ns1, want, got, diff;
	uint32_t r[4], odd = 0;

	CHECK(!(sh->wc_version & 1) && sh->wc_version >= 2 && sh->wc_sec > 1600000000 &&
	      sh->wc_nsec < 1000000000,
	      "compat wallclock at offset 2304: version %u, wc_sec %u, wc_nsec %u",
	      sh->wc_version, sh->wc_sec, sh->wc_nsec);
	CHECK(sh->arch.wc_sec_hi == 0, "compat wc_sec_hi (in arch_shared_info) is 0 until 2106");
	rt_cpuid(0x40000003, 0, r);
	CHECK(!(vinfo->time.version & 1) && vinfo->time.tsc_to_system_mul,
	      "pvclock at vcpu_info + 32: version even, mul %u", vinfo->time.tsc_to_system_mul);
	/* Both times at the TSC values they were computed from: an exit between reads cannot skew them. */
	ns0 = rt_pvclock_read(&vinfo->time, &odd, &t0);
	for (unsigned int i = 0; i < 200000; i++)
		rt_pvclock_ns(&vinfo->time, &odd);
	ns1 = rt_pvclock_read(&vinfo->time, &odd, &t1);
	want = (t1 - t0) * 1000000ULL / r[2];
	got = ns1 - ns0;
	diff = got > want ? got - want : want - got;
	CHECK(got > 0 && diff * 100 <= want, "pvclock agrees with the TSC: %lu us vs %lu us",
	      (unsigned long)(got / 1000), (unsigned long)(want / 1000));
}

/* Ports 1..1023 and no more; then an IPI on port 1000, in word 31. */
static void test_events(void)
{
	static uint8_t mine[PORTS];
	struct evtchn_alloc_unbound au = { .dom = DOMID_SELF, .remote_dom = DOMID_SELF };
	struct evtchn_bind_ipi bi = { .vcpu = 0 };
	struct evtchn_status st = { .dom = DOMID_SELF };
	struct evtchn_unmask um;
	struct evtchn_send snd;
	struct evtchn_close cl;
	unsigned int n = 0, used = 0, last = 0, p, before;
	long rc;

	/* The toolstack's xenstore and console ports are in use already. */
	for (p = 1; p < PORTS; p++) {
		st.port = p;
		if (evtchn(EVTCHNOP_status, &st) == 0 && st.status != EVTCHNSTAT_closed)
			used++;
	}
	while ((rc = evtchn(EVTCHNOP_alloc_unbound, &au)) == 0 && n < 5000) {
		n++;
		mine[au.port] = 1;
		if (au.port > last)
			last = au.port;
	}
	CHECK(rc == -ENOSPC && n + used == PORTS - 1 && last < PORTS,
	      "a compat domain has ports 1..1023: %u allocated (%u in use before), highest %u, then %ld",
	      n, used, last, rc);
	st.port = PORTS;
	CHECK(evtchn(EVTCHNOP_status, &st) == -EINVAL, "EVTCHNOP_status of port 1024: -EINVAL");
	for (p = 1000; p < PORTS; p++) {
		cl.port = p;
		if (mine[p] && evtchn(EVTCHNOP_close, &cl) == 0)
			mine[p] = 0;
	}
	rc = evtchn(EVTCHNOP_bind_ipi, &bi);
	CHECK(rc == 0 && bi.port == 1000, "bind_ipi after closing ours from 1000 up: port %u", bi.port);
	mine[bi.port] = 1;
	snd.port = bi.port;
	before = upcalls;
	CHECK(evtchn(EVTCHNOP_send, &snd) == 0, "send on port 1000");
	RT_WAIT_UNTIL(count[1000] >= 1);
	CHECK(count[1000] == 1 && upcalls == before + 1,
	      "the upcall came, and the 32-bit selector (bit 31) led to port 1000");

	/* Masked in the compat mask bitmap (after 32 words of pending). */
	__atomic_or_fetch(&sh->evtchn_mask[31], 1UL << 8, __ATOMIC_SEQ_CST);
	CHECK(evtchn(EVTCHNOP_send, &snd) == 0 && bit(sh->evtchn_pending, 1000) &&
	      count[1000] == 1 && upcalls == before + 1,
	      "masked: pending set, no upcall (the compat mask is where we set it)");
	um.port = bi.port;
	CHECK(evtchn(EVTCHNOP_unmask, &um) == 0, "EVTCHNOP_unmask");
	RT_WAIT_UNTIL(count[1000] >= 2);
	CHECK(count[1000] == 2 && !bit(sh->evtchn_pending, 1000), "unmasking delivered it");

	for (p = 1; p < PORTS; p++) {
		cl.port = p;
		if (mine[p])
			evtchn(EVTCHNOP_close, &cl);
	}
}

/* vcpu_info moved to a RAM page: the selector and time record go with it. */
static void test_vcpu_info(void)
{
	struct vcpu_register_vcpu_info ri = { .mfn = VINFO_GFN, .offset = 64 };
	volatile struct vcpu_info *nv = (volatile void *)((VINFO_GFN << 12) + 64);
	struct evtchn_bind_ipi bi = { .vcpu = 0 };
	struct evtchn_send snd;
	unsigned int before;
	long rc;

	asm volatile("cli" ::: "memory");
	CHECK(rt_vcpu_op(VCPUOP_register_vcpu_info, 0, &ri) == 0, "VCPUOP_register_vcpu_info");
	CHECK(nv->evtchn_upcall_pending == 1 && nv->evtchn_pending_sel == 0xffffffffUL,
	      "  ... everything marked pending in the 32-bit selector (%#lx)", nv->evtchn_pending_sel);
	vinfo = nv;
	asm volatile("sti" ::: "memory");
	CHECK(!(nv->time.version & 1) && nv->time.tsc_to_system_mul &&
	      rt_pvclock_ns(&nv->time, NULL) > 0, "  ... and the pvclock is there");
	rc = evtchn(EVTCHNOP_bind_ipi, &bi);
	CHECK(rc == 0, "bind_ipi: port %u", bi.port);
	snd.port = bi.port;
	before = count[bi.port];
	evtchn(EVTCHNOP_send, &snd);
	RT_WAIT_UNTIL(count[bi.port] > before);
	CHECK(count[bi.port] == before + 1, "an event arrives through the moved vcpu_info");
}

static void test_runstate(void)
{
	struct vcpu_register_runstate_memory_area ra;
	struct {
		struct vcpu_runstate_info rs;
		uint32_t canary;
	} got = { .canary = 0xfeed };
	uint64_t now, entry;

	ra.addr.p = 0;
	ra.addr.v = (struct vcpu_runstate_info *)&area.rs;
	CHECK(rt_hypercall(__HYPERVISOR_vm_assist, VMASST_CMD_enable,
			   VMASST_TYPE_runstate_update_flag, 0) == 0, "vm_assist(runstate_update_flag)");
	CHECK(rt_vcpu_op(VCPUOP_register_runstate_memory_area, 0, &ra) == 0,
	      "VCPUOP_register_runstate_memory_area");
	/* The entry time before the clock (see guests/runstate.c). */
	entry = area.rs.state_entry_time;
	now = rt_pvclock_ns(&vinfo->time, NULL);
	CHECK(area.rs.state == RUNSTATE_running && entry > 0 && entry <= now &&
	      area.rs.time[RUNSTATE_running] > 0,
	      "the 44-byte compat record: running since %lu ms, %lu ms running",
	      (unsigned long)(entry / 1000000),
	      (unsigned long)(area.rs.time[RUNSTATE_running] / 1000000));
	CHECK(!(entry & XEN_RUNSTATE_UPDATE), "  ... the update flag clear");
	CHECK(area.canary == 0xc0ffee, "  ... and nothing written past its 44 bytes");
	CHECK(rt_vcpu_op(VCPUOP_get_runstate_info, 0, &got) == 0 &&
	      got.rs.state == RUNSTATE_running && got.rs.state_entry_time > 0 &&
	      got.rs.time[RUNSTATE_running] >= area.rs.time[RUNSTATE_running] && got.canary == 0xfeed,
	      "VCPUOP_get_runstate_info in the compat layout (44 bytes)");
}

/* MOV DR in 32-bit mode (no REX, 32-bit operands), emulated as in 64-bit mode. */
static void test_debugregs(void)
{
	uint32_t dr1, dr7;

	asm volatile("mov %2, %%dr1; mov %%dr1, %0; mov %%dr7, %1"
		     : "=r" (dr1), "=r" (dr7) : "r" (0x12345678u) : "memory");
	CHECK(dr1 == 0x12345678 && dr7 == 0x400, "32-bit MOV DR1 reads back %#x, DR7 %#x", dr1, dr7);
	asm volatile("mov %0, %%dr1" : : "r" (0u));
}

void guest_main(const struct hvm_start_info *si)
{
	struct xen_add_to_physmap xatp = { .domid = DOMID_SELF, .space = XENMAPSPACE_shared_info,
					   .gpfn = SHINFO_GFN };
	struct xen_hvm_param hp = { .domid = DOMID_SELF, .index = HVM_PARAM_CALLBACK_IRQ,
				    .value = (2ULL << 56) | VECTOR };

	(void)si;
	CHECK(rt_hypercall(__HYPERVISOR_memory_op, XENMEM_add_to_physmap, (unsigned long)&xatp, 0) == 0,
	      "compat add_to_physmap(shared_info)");
	test_wallclock_and_time();
	test_debugregs();
	CHECK(rt_hypercall(__HYPERVISOR_hvm_op, HVMOP_set_param, (unsigned long)&hp, 0) == 0,
	      "HVM_PARAM_CALLBACK_IRQ from 32-bit mode");
	rt_set_upcall(VECTOR, upcall);
	asm volatile("sti");
	test_events();
	test_runstate();
	test_vcpu_info();
}
