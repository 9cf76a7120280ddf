// SPDX-License-Identifier: GPL-2.0-only
/*
 * SMP guest (run with vcpus = 5): VCPUOP_initialise/up/down/is_up, the vCPU
 * id in CPUID, IPIs between vCPUs through bind_ipi ports with upcalls on the
 * receiving vCPU, and pvclock monotonic across vCPUs (what the receiver
 * reads is never before what the sender read). vCPU 4 stays uninitialised
 * for the error checks.
 */
#include "rt.h"
#include <xen/event_channel.h>
#include <xen/hvm/hvm_op.h>
#include <xen/hvm/params.h>
#include <xen/memory.h>

#define EFAULT 14
#define EINVAL 22
#define ENOENT 2
#define EEXIST 17
#define NAP 3		/* vCPUs 1..3 run; 4 is never initialised */
#define ROUNDS 200
#define VECTOR 0xf3
#define SHINFO_GFN 0x500

static volatile struct shared_info *sh = (volatile void *)(SHINFO_GFN << 12);
static uint8_t stacks[NAP + 1][16384] __attribute__((aligned(16)));
static volatile unsigned int count[4096];
static volatile uint32_t alive[NAP + 1], seen_id[NAP + 1];
static volatile uint64_t sent_at[NAP + 1], got_at[NAP + 1];
static volatile unsigned int backwards;
static unsigned int to_ap[NAP + 1], to_bsp[NAP + 1];

static uint32_t my_id(void)
{
	uint32_t r[4];

	rt_cpuid(0x40000004, 0, r);
	return r[1];
}

static uint64_t now_ns(uint32_t id)
{
	return rt_pvclock_ns(&sh->vcpu_info[id].time, NULL);
}

static void upcall(void)
{
	rt_evtchn_scan(sh, &sh->vcpu_info[my_id()], count, NULL);
}

static int send(unsigned int p)
{
	struct evtchn_send s = { .port = p };

	return (int)rt_evtchn_op(EVTCHNOP_send, &s);
}

/* Each AP: answer every event on its port, after reading its clock. */
static void ap_main(unsigned int id)
{
	unsigned int handled = 0;

	seen_id[id] = my_id();
	alive[id] = 1;
	for (;;) {
		RT_WAIT_UNTIL(!(count[to_ap[id]] == handled));
		handled++;
		got_at[id] = now_ns(id);
		if (got_at[id] < sent_at[id])
			backwards++;
		send(to_bsp[id]);
	}
}

void guest_main(const struct hvm_start_info *si)
{
	struct xen_add_to_physmap xatp = { .domid = DOMID_SELF, .space = XENMAPSPACE_shared_info,
					   .gpfn = SHINFO_GFN };
	struct xen_hvm_param hp = { .domid = DOMID_SELF, .index = HVM_PARAM_CALLBACK_IRQ,
				    .value = (2ULL << 56) | VECTOR };
	struct vcpu_hvm_context bad;
	unsigned int id, r, ok;
	uint64_t t0;
	long rc;

	(void)si;
	CHECK(rt_hypercall(__HYPERVISOR_memory_op, XENMEM_add_to_physmap, (unsigned long)&xatp, 0) == 0 &&
	      rt_hypercall(__HYPERVISOR_hvm_op, HVMOP_set_param, (unsigned long)&hp, 0) == 0,
	      "shared_info and the callback vector");
	rt_set_upcall(VECTOR, upcall);
	CHECK(rt_vcpu_op(VCPUOP_is_up, 0, 0) == 1 && rt_vcpu_op(VCPUOP_is_up, 1, 0) == 0,
	      "VCPUOP_is_up: vCPU 0 up, vCPU 1 not");
	for (id = 1; id <= NAP; id++) {
		struct evtchn_bind_ipi b = { .vcpu = id };

		rc = rt_init_ap(id, stacks[id] + sizeof(stacks[id]), ap_main);
		CHECK(rc == 0, "VCPUOP_initialise(vCPU %u, 64-bit) (%ld)", id, rc);
		CHECK(rt_init_ap(id, stacks[id] + sizeof(stacks[id]), ap_main) == -EEXIST,
		      "VCPUOP_initialise of vCPU %u again: -EEXIST", id);
		rc = rt_evtchn_op(EVTCHNOP_bind_ipi, &b);
		to_ap[id] = b.port;
		b.vcpu = 0;
		rc |= rt_evtchn_op(EVTCHNOP_bind_ipi, &b);
		to_bsp[id] = b.port;
		CHECK(rc == 0, "IPI ports to vCPU %u (%u) and back (%u)", id, to_ap[id], to_bsp[id]);
		CHECK(rt_vcpu_op(VCPUOP_up, id, 0) == 0 && rt_vcpu_op(VCPUOP_is_up, id, 0) == 1,
		      "VCPUOP_up(vCPU %u)", id);
	}
	asm volatile("sti");
	t0 = now_ns(0);
	for (ok = 0; ok < NAP && now_ns(0) - t0 < 5000000000ULL;)
		for (ok = 0, id = 1; id <= NAP; id++)
			ok += alive[id];
	CHECK(ok == NAP, "%u secondary vCPUs are running", ok);
	for (ok = 0, id = 1; id <= NAP; id++)
		ok += seen_id[id] == id;
	CHECK(ok == NAP, "each vCPU sees its own id in CPUID 0x40000004");

	/* Ping-pong with every AP, ROUNDS times. */
	for (r = 0; r < ROUNDS; r++) {
		for (id = 1; id <= NAP; id++) {
			unsigned int before = count[to_bsp[id]];

			sent_at[id] = now_ns(0);
			send(to_ap[id]);
			t0 = now_ns(0);
			RT_WAIT_UNTIL(!(count[to_bsp[id]] == before && now_ns(0) - t0 < 2000000000ULL));
		}
	}
	for (ok = 0, id = 1; id <= NAP; id++)
		ok += count[to_ap[id]] == ROUNDS && count[to_bsp[id]] == ROUNDS;
	CHECK(ok == NAP, "%u IPI ping-pongs with each of %u vCPUs: every event arrived once", ROUNDS, NAP);
	CHECK(backwards == 0, "pvclock never ran backwards from one vCPU to another (%u times)", backwards);

	CHECK(rt_vcpu_op(VCPUOP_down, 3, 0) == 0 && rt_vcpu_op(VCPUOP_is_up, 3, 0) == 0,
	      "VCPUOP_down(vCPU 3)");
	CHECK(rt_vcpu_op(VCPUOP_up, 3, 0) == 0 && rt_vcpu_op(VCPUOP_is_up, 3, 0) == 1,
	      "  ... and up again");

	/* Per-vCPU VIRQs bind on any vCPU (Linux binds VIRQ_DEBUG on each), global ones on 0. */
	{
		struct evtchn_bind_virq bv = { .virq = VIRQ_DEBUG, .vcpu = 1 };

		rc = rt_evtchn_op(EVTCHNOP_bind_virq, &bv);
		CHECK(rc == 0 && bv.port, "bind_virq(VIRQ_DEBUG) on vCPU 1: port %u", bv.port);
		bv.vcpu = 2;
		CHECK(rt_evtchn_op(EVTCHNOP_bind_virq, &bv) == 0, "  ... and on vCPU 2");
		bv.virq = VIRQ_TIMER;
		CHECK(rt_evtchn_op(EVTCHNOP_bind_virq, &bv) == 0, "bind_virq(VIRQ_TIMER) on vCPU 2");
		bv.virq = VIRQ_CONSOLE;
		CHECK(rt_evtchn_op(EVTCHNOP_bind_virq, &bv) == -EINVAL,
		      "bind_virq(VIRQ_CONSOLE, a global one) on vCPU 2: -EINVAL");
	}

	/* Errors. */
	CHECK(rt_vcpu_op(VCPUOP_up, 4, 0) == -EINVAL, "VCPUOP_up of an uninitialised vCPU: -EINVAL");
	CHECK(rt_vcpu_op(VCPUOP_up, 9, 0) == -ENOENT, "VCPUOP_up of vCPU 9 (none): -ENOENT");
	CHECK(rt_init_ap(9, stacks[0], ap_main) == -ENOENT, "VCPUOP_initialise of vCPU 9: -ENOENT");
	memset(&bad, 0, sizeof(bad));
	bad.mode = 7;
	CHECK(rt_vcpu_op(VCPUOP_initialise, 4, &bad) == -EINVAL, "VCPUOP_initialise, mode 7: -EINVAL");
	bad.mode = VCPU_HVM_MODE_64B;
	bad.cpu_regs.x86_64.cr0 = 1;	/* long mode without paging */
	bad.cpu_regs.x86_64.efer = 0x500;
	CHECK(rt_vcpu_op(VCPUOP_initialise, 4, &bad) == -EINVAL,
	      "VCPUOP_initialise, 64-bit without paging: -EINVAL");
	bad.cpu_regs.x86_64.cr0 = 0x80000011;
	bad.cpu_regs.x86_64.cr4 = 0x20 | (1 << 13);	/* PAE | VMXE */
	CHECK(rt_vcpu_op(VCPUOP_initialise, 4, &bad) == -EINVAL,
	      "VCPUOP_initialise, CR4.VMXE: -EINVAL");
	CHECK(rt_vcpu_op(VCPUOP_initialise, 4, (void *)0x100000000ULL) == -EFAULT,
	      "VCPUOP_initialise from an unmapped address: -EFAULT");
	CHECK(rt_vcpu_op(99, 0, 0) == -38, "vcpu_op(99): -ENOSYS");
}
