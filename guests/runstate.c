// SPDX-License-Identifier: GPL-2.0-only
/*
 * Runstate and the time memory area: vm_assist(runstate_update_flag),
 * VCPUOP_register_runstate_memory_area (written at once and at each change,
 * blocked time accounted across a SCHEDOP_poll sleep, the update flag clear
 * between updates), VCPUOP_get_runstate_info for ourselves and for a vCPU
 * that is not up (offline), VCPUOP_register_vcpu_time_memory_area (a second
 * pvclock that agrees with vcpu_info's), and bad arguments to each.
 */
#include "rt.h"
#include <xen/event_channel.h>
#include <xen/memory.h>
#include <xen/vcpu.h>

#define EFAULT 14
#define EINVAL 22
#define ENOENT 2
#define ENOSYS 38

#define SHINFO_GFN 0x500UL

static volatile struct vcpu_runstate_info rs, rs1;
static volatile struct vcpu_time_info ta;

static long vm_assist(unsigned int cmd, unsigned int type)
{
	return rt_hypercall(__HYPERVISOR_vm_assist, cmd, type, 0);
}

static long register_area(int cmd, unsigned int vcpu, volatile void *p)
{
	uint64_t addr = (uint64_t)(unsigned long)p;

	return rt_vcpu_op(cmd, vcpu, &addr);
}

static uint64_t total(const volatile struct vcpu_runstate_info *r)
{
	return r->time[0] + r->time[1] + r->time[2] + r->time[3];
}

void guest_main(const struct hvm_start_info *si)
{
	volatile struct shared_info *sh = (volatile void *)(SHINFO_GFN << 12);
	struct xen_add_to_physmap xatp = {
		.domid = DOMID_SELF, .space = XENMAPSPACE_shared_info, .gpfn = SHINFO_GFN,
	};
	struct evtchn_alloc_unbound au = { .dom = DOMID_SELF, .remote_dom = DOMID_SELF };
	struct vcpu_runstate_info got;
	struct sched_poll poll = { .nr_ports = 1 };
	uint64_t now, blocked0, entry0, a, b;
	evtchn_port_t port;
	long ret;

	(void)si;
	CHECK(rt_hypercall(__HYPERVISOR_memory_op, XENMEM_add_to_physmap, (unsigned long)&xatp, 0) == 0,
	      "shared_info placed");

	/* vm_assist: HVM/PVH guests may enable runstate_update_flag only. */
	CHECK(vm_assist(VMASST_CMD_enable, VMASST_TYPE_runstate_update_flag) == 0,
	      "vm_assist(enable, runstate_update_flag)");
	CHECK(vm_assist(VMASST_CMD_enable, VMASST_TYPE_writable_pagetables) == -EINVAL,
	      "vm_assist(enable, writable_pagetables): -EINVAL on HVM/PVH");
	CHECK(vm_assist(VMASST_CMD_enable, 64) == -EINVAL, "vm_assist type 64: -EINVAL");
	CHECK(vm_assist(7, VMASST_TYPE_runstate_update_flag) == -ENOSYS, "vm_assist cmd 7: -ENOSYS");

	/* Registered: written at once, running, flag clear. */
	ret = register_area(VCPUOP_register_runstate_memory_area, 0, &rs);
	CHECK(ret == 0, "register_runstate_memory_area for vCPU 0 (%ld)", ret);
	/*
	 * The entry time first, then the clock: pvhv writes the area again
	 * before any entry that follows steal time (a host preemption), so
	 * read the other way round a newer entry time can follow "now".
	 */
	entry0 = rs.state_entry_time;
	now = rt_pvclock_ns(&sh->vcpu_info[0].time, 0);
	CHECK(rs.state == RUNSTATE_running, "runstate: running (%d)", rs.state);
	CHECK(!(entry0 & XEN_RUNSTATE_UPDATE) && entry0 > 0 && entry0 <= now,
	      "runstate: entry time %lu <= now %lu, update flag clear",
	      (unsigned long)entry0, (unsigned long)now);
	CHECK(rs.time[RUNSTATE_running] > 0, "runstate: %lu ns running so far",
	      (unsigned long)rs.time[RUNSTATE_running]);

	/* A 20 ms sleep in SCHEDOP_poll counts as blocked. */
	CHECK(rt_hypercall(__HYPERVISOR_event_channel_op, EVTCHNOP_alloc_unbound,
			   (unsigned long)&au, 0) == 0, "a port nobody will signal");
	port = au.port;
	set_xen_guest_handle(poll.ports, &port);
	blocked0 = rs.time[RUNSTATE_blocked];
	entry0 = rs.state_entry_time;
	poll.timeout = rt_pvclock_ns(&sh->vcpu_info[0].time, 0) + 20000000ULL;
	CHECK(sched_op(SCHEDOP_poll, &poll) == 0, "SCHEDOP_poll with a 20 ms timeout");
	CHECK(rs.state == RUNSTATE_running && rs.state_entry_time > entry0 &&
	      !(rs.state_entry_time & XEN_RUNSTATE_UPDATE), "runstate: running again, newer entry time");
	CHECK(rs.time[RUNSTATE_blocked] - blocked0 >= 19000000ULL,
	      "runstate: %lu ns more blocked (>= 19 ms)",
	      (unsigned long)(rs.time[RUNSTATE_blocked] - blocked0));

	/* get_runstate_info agrees and counts up to now. */
	a = total(&rs);
	ret = rt_vcpu_op(VCPUOP_get_runstate_info, 0, &got);
	b = got.time[0] + got.time[1] + got.time[2] + got.time[3];
	CHECK(ret == 0 && got.state == RUNSTATE_running && b >= a &&
	      got.time[RUNSTATE_blocked] >= rs.time[RUNSTATE_blocked],
	      "get_runstate_info(vCPU 0): running, %lu ns in all", (unsigned long)b);
	ret = rt_vcpu_op(VCPUOP_get_runstate_info, 1, &got);
	CHECK(ret == 0 && got.state == RUNSTATE_offline,
	      "get_runstate_info(vCPU 1, never up): offline (%ld, state %d)", ret, got.state);
	CHECK(register_area(VCPUOP_register_runstate_memory_area, 1, &rs1) == 0,
	      "register_runstate_memory_area for vCPU 1 (not up)");

	/* The time memory area: a second pvclock, the same clock. */
	ret = register_area(VCPUOP_register_vcpu_time_memory_area, 0, &ta);
	CHECK(ret == 0, "register_vcpu_time_memory_area (%ld)", ret);
	sched_op(SCHEDOP_yield, 0);	/* an entry after registering refreshes it */
	CHECK(ta.version && !(ta.version & 1) &&
	      ta.tsc_to_system_mul == sh->vcpu_info[0].time.tsc_to_system_mul,
	      "time area: version %u even, same scale as vcpu_info", ta.version);
	a = rt_pvclock_ns(&ta, 0);
	b = rt_pvclock_ns(&sh->vcpu_info[0].time, 0);
	CHECK((a > b ? a - b : b - a) < 1000000ULL, "time area and vcpu_info agree within 1 ms (%lu vs %lu)",
	      (unsigned long)a, (unsigned long)b);

	/* Bad arguments. */
	CHECK(rt_vcpu_op(VCPUOP_register_runstate_memory_area, 0, (void *)0x100000000ULL) == -EFAULT,
	      "register_runstate_memory_area from an unreadable argument: -EFAULT");
	CHECK(register_area(VCPUOP_register_runstate_memory_area, 99, &rs) == -ENOENT,
	      "register_runstate_memory_area for vCPU 99: -ENOENT");
	CHECK(rt_vcpu_op(VCPUOP_get_runstate_info, 0, (void *)0x100000000ULL) == -EFAULT,
	      "get_runstate_info into an unmapped buffer: -EFAULT");
	CHECK(register_area(VCPUOP_register_vcpu_time_memory_area, 0, (void *)0xdead00000000ULL) == 0,
	      "a time area at an unmapped address is accepted, as on Xen");
	CHECK(register_area(VCPUOP_register_runstate_memory_area, 0, (void *)0xdead00000000ULL) == 0,
	      "so is a runstate area");
	poll.timeout = rt_pvclock_ns(&sh->vcpu_info[0].time, 0) + 2000000ULL;
	CHECK(sched_op(SCHEDOP_poll, &poll) == 0, "  ... and the domain lives on through updates to them");
	CHECK(register_area(VCPUOP_register_runstate_memory_area, 0, &rs) == 0 &&
	      rs.state == RUNSTATE_running, "back to a good runstate area");
	CHECK(register_area(VCPUOP_register_runstate_memory_area, 0, 0) == 0,
	      "runstate area 0: unregistered");
	entry0 = rs.state_entry_time;
	poll.timeout = rt_pvclock_ns(&sh->vcpu_info[0].time, 0) + 2000000ULL;
	sched_op(SCHEDOP_poll, &poll);	/* blocked and running again, unseen */
	CHECK(rs.state_entry_time == entry0, "  ... no longer written");
}
