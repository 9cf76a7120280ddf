// SPDX-License-Identifier: GPL-2.0-only
/*
 * SMP guest (run with vcpus = 5): VCPUOP_initialise/up/down/is_up, the vCPU
 * id in CPUID, IPIs between vCPUs through bind_ipi ports with upcalls on the
 * receiving vCPU, and pvclock monotonic across vCPUs (what the receiver
 * reads is never before what the sender read). vCPU 4 stays uninitialised
 * for the error checks. Each running vCPU reads its own topology leaves
 * (x86/cpuid.c): its APIC ID the same in CPUID 1, the x2APIC ID register
 * and every leaf 0xb subleaf (0x8000001e on AMD), one package of 5 cores.
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
#define NR_VCPUS 5	/* the domain's: vcpus = 5 (tests/vm/t/40-guests.sh) */

static volatile struct shared_info *sh = (volatile void *)(SHINFO_GFN << 12);
static uint8_t stacks[NAP + 1][16384] __attribute__((aligned(16)));
static volatile unsigned int count[4096];
static volatile uint32_t alive[NAP + 1], seen_id[NAP + 1];
static volatile uint64_t sent_at[NAP + 1], got_at[NAP + 1];
static volatile unsigned int backwards;
static unsigned int to_ap[NAP + 1], to_bsp[NAP + 1];

/* What one vCPU read of its topology. */
static struct topo {
	uint32_t l1[4], b[3][4], f[3][4], l4, e8, e1e[4];
	uint64_t x2apic_id;
} topo[NAP + 1];

static uint64_t rdmsr(uint32_t msr)
{
	uint32_t lo, hi;

	asm volatile("rdmsr" : "=a" (lo), "=d" (hi) : "c" (msr));
	return ((uint64_t)hi << 32) | lo;
}

/* Runs on vCPU @id: x2APIC mode for its ID register (the upcall vector bypasses the APIC). */
static void read_topo(unsigned int id)
{
	struct topo *t = &topo[id];
	uint32_t r[4];
	uint64_t base = rdmsr(0x1b);
	unsigned int i;

	asm volatile("wrmsr" : : "c" (0x1b), "a" ((uint32_t)base | 0x400), "d" ((uint32_t)(base >> 32)));
	t->x2apic_id = rdmsr(0x802);
	rt_cpuid(1, 0, t->l1);
	rt_cpuid(0, 0, r);
	for (i = 0; i < 3; i++) {
		rt_cpuid(0xb, i, t->b[i]);
		if (r[0] >= 0x1f)
			rt_cpuid(0x1f, i, t->f[i]);
	}
	rt_cpuid(4, 0, r);
	t->l4 = r[0];
	rt_cpuid(0x80000008, 0, r);
	t->e8 = r[2];
	rt_cpuid(0x8000001e, 0, t->e1e);
	asm volatile("" ::: "memory");	/* in memory before alive[] says so, or read */
}

/* The count order of @n (its log2, rounded up). */
static unsigned int order(unsigned int n)
{
	unsigned int o = 0;

	while ((1u << o) < n)
		o++;
	return o;
}

static void check_topo(void)
{
	unsigned int id, ok, core = 1 + order(NR_VCPUS), cores = 0, max;
	uint32_t r[4], l1x;
	int amd = !rt_cpu_is_intel(), topoext;

	rt_cpuid(0, 0, r);
	max = r[0];
	rt_cpuid(0x80000001, 0, r);
	l1x = r[2];
	topoext = amd && (l1x & (1 << 22));
	for (id = 0; id <= NAP; id++) {
		const struct topo *t = &topo[id];
		uint32_t apic = 2 * id;

		CHECK((t->l1[1] >> 24) == apic && t->x2apic_id == apic && t->b[0][3] == apic &&
		      t->b[1][3] == apic && t->b[2][3] == apic && (!topoext || t->e1e[0] == apic),
		      "vCPU %u: APIC ID %u in CPUID 1 (%u), the x2APIC ID register (%lu), 0xb EDX "
		      "(%u %u %u)%s", id, apic, t->l1[1] >> 24, (unsigned long)t->x2apic_id,
		      t->b[0][3], t->b[1][3], t->b[2][3], topoext ? ", 0x8000001e EAX" : "");
		if ((t->x2apic_id >> t->b[0][0]) < 32)
			cores |= 1u << (t->x2apic_id >> t->b[0][0]);
	}
	for (ok = 0, id = 0; id <= NAP; id++) {
		const struct topo *t = &topo[id];

		ok += t->b[0][0] == 1 && t->b[0][1] == 1 && t->b[0][2] == 0x100 &&
		      t->b[1][0] == core && t->b[1][1] == NR_VCPUS && t->b[1][2] == 0x201 &&
		      t->b[2][0] == 0 && t->b[2][1] == 0 && t->b[2][2] == 2 &&
		      (t->x2apic_id >> t->b[1][0]) == 0;
	}
	CHECK(ok == NAP + 1, "each vCPU's 0xb: SMT shift 1 with 1 thread, core shift %u with %u "
	      "vCPUs, level 2 invalid, package 0 (%u of %u)", core, NR_VCPUS, ok, NAP + 1);
	CHECK(cores == 0xf, "core IDs (x2APIC ID >> SMT shift) 0-3, one each (%#x)", cores);
	if (max >= 0x1f) {
		for (ok = 0, id = 0; id <= NAP; id++)
			ok += !rt_memcmp(topo[id].f, topo[id].b, sizeof(topo[id].b));
		CHECK(ok == NAP + 1, "each vCPU's 0x1f is its 0xb (%u of %u)", ok, NAP + 1);
	}
	for (ok = 0, id = 0; id <= NAP; id++) {
		const struct topo *t = &topo[id];
		unsigned int lppp = (t->l1[1] >> 16) & 0xff;

		ok += (t->l1[3] & (1u << 28)) && order(lppp) == core;
	}
	CHECK(ok == NAP + 1, "each vCPU's CPUID 1: HTT, addressable logical IDs of order %u (%u)",
	      core, (topo[0].l1[1] >> 16) & 0xff);
	if (amd) {
		for (ok = 0, id = 0; id <= NAP; id++) {
			const struct topo *t = &topo[id];

			ok += (t->e8 & 0xff) + 1 == NR_VCPUS && ((t->e8 >> 12) & 0xf) == core &&
			      (!topoext || (t->e1e[1] == id && t->e1e[2] == 0));
		}
		CHECK(ok == NAP + 1, "each vCPU's 0x80000008 ECX: %u cores, ApicIdCoreIdSize %u (%#x)%s",
		      NR_VCPUS, core, topo[0].e8,
		      topoext ? "; 0x8000001e: its core ID, 1 thread, node 0" : "");
		CHECK(l1x & (1 << 1), "CPUID 0x80000001: CmpLegacy (the logical processors are cores)");
	} else if (topo[0].l4 & 0x1f) {
		for (ok = 0, id = 0; id <= NAP; id++)
			ok += order((topo[id].l4 >> 26) + 1) == core - 1;
		CHECK(ok == NAP + 1, "each vCPU's CPUID 4 EAX[31:26]: %u core IDs (%#x)",
		      1u << (core - 1), topo[0].l4);
	} else {
		SKIP("CPUID 4 EAX[31:26]", "this CPU describes no cache in leaf 4");
	}
}

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
	read_topo(id);
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
	read_topo(0);
	check_topo();

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
