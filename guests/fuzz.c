// SPDX-License-Identifier: GPL-2.0-only
/*
 * Hypercall fuzzer: random commands and arguments (pointers into a scratch
 * buffer, junk, unmapped and non-canonical addresses, random counts) to every
 * hypercall pvhv implements, except the calls whose effect on this guest is
 * legitimately fatal to it (shutdown, vCPU down, moving vcpu_info or
 * shared_info over its own code, upcalls to vectors it has no handler for).
 * The domain must survive every call with an errno, and the host stay clean.
 * Built twice: fuzz (64-bit) and fuzz32 (i386: the compat ABI and layouts).
 */
#include "rt.h"

#define CALLS 20000

/*
 * Hypercalls write their results into scratch; those given a pointer that
 * runs off its end write into the guard that follows, not into our own data.
 */
static struct {
	uint8_t scratch[4 * 4096];
	uint8_t guard[4096];
} mem __attribute__((aligned(4096)));
#define scratch mem.scratch
/* What console_io may print: no newline, nothing the harness could read as a result line. */
static char xbuf[4096 + 512];
static uint64_t seed = 0x9e3779b97f4a7c15ULL;

static uint64_t rnd(void)
{
	seed ^= seed << 13;
	seed ^= seed >> 7;
	seed ^= seed << 17;
	return seed;
}

static uint64_t rnd_ptr(void)
{
	switch (rnd() % 6) {
	case 0:
		return (uintptr_t)scratch + rnd() % (sizeof(scratch) - 64);
	case 1:
		return (uintptr_t)scratch + sizeof(scratch) - 1 - rnd() % 8;	/* runs off the end */
#ifdef __x86_64__
	case 2:
		return 0x100000000ULL + (rnd() & 0xffffff);		/* unmapped */
	case 3:
		return 0x8000000000000000ULL | rnd();			/* non-canonical */
	case 4:
		return rnd();
#else
	/* fuzz32: paging is off, every address is guest-physical. */
	case 2:
		return 0xc0000000U + (rnd() & 0xffffff);		/* beyond RAM */
	case 3:
		return 0xfffff000U + (rnd() & 0xfff);			/* runs past 4 GiB */
	case 4:
		return (uint32_t)rnd() | 0x40000000U;			/* not our RAM */
#endif
	default:
		return 0;
	}
}

static uint64_t rnd_arg(void)
{
	switch (rnd() % 4) {
	case 0:
		return rnd() % 64;
	case 1:
		return rnd() & 0xffff;
	case 2:
		return rnd();
	default:
		return (uint64_t)-1;
	}
}

void guest_main(const struct hvm_start_info *si)
{
	unsigned int i, ok = 0, errs = 0;
	long r;

	(void)si;
	memset(xbuf, 'x', sizeof(xbuf));
	seed ^= rdtsc();
	rt_printf("fuzz: seed %#lx\n", (unsigned long)seed);
	for (i = 0; i < CALLS; i++) {
		uint64_t a1, a2, a3;
		unsigned int nr;

		for (a1 = 0; a1 < sizeof(scratch) / 8; a1 += 1 + rnd() % 64)
			((uint64_t *)scratch)[a1] = rnd();
		a2 = rnd_ptr();
		a3 = rnd_ptr();
		switch (rnd() % 11) {
		case 0:
			nr = __HYPERVISOR_xen_version;
			a1 = rnd() % 16;
			break;
		case 1:
			nr = __HYPERVISOR_console_io;
			a1 = rnd() % 4;
			a2 = rnd() % 3 ? rnd() % 300 : rnd_arg();	/* count */
			a3 = rnd_ptr();
			if (a3 >= (uintptr_t)scratch && a3 < (uintptr_t)scratch + sizeof(scratch))
				a3 = (uintptr_t)xbuf + rnd() % 512;
			break;
		case 2:
			/* memory_op without add_to_physmap (7) and its batch (23),
			 * decrease_reservation (1) and remove_from_physmap (15):
			 * moving shared_info or grant frames over, or ballooning
			 * out, our own code is the guest's own undoing. */
			nr = __HYPERVISOR_memory_op;
			do {
				a1 = rnd() % 32;
			} while (a1 == 7 || a1 == 23 || a1 == 1 || a1 == 15);
			break;
		case 3:
			nr = __HYPERVISOR_event_channel_op;
			a1 = rnd() % 16;
			break;
		case 4:
			/* vcpu_op without down (2), register_vcpu_info (10) and the
			 * runstate / time areas (5, 13): Xen writes those wherever
			 * the guest says, our own code included. */
			nr = __HYPERVISOR_vcpu_op;
			do {
				a1 = rnd() % 16;
			} while (a1 == 2 || a1 == 10 || a1 == 5 || a1 == 13);
			a2 = rnd() % 3 ? 0 : rnd_arg();	/* vCPU id */
			a3 = rnd_ptr();
			break;
		case 5:
			/* hvm_op: get_param only; the callback vector would point
			 * upcalls at vectors this guest has no handler for. */
			nr = __HYPERVISOR_hvm_op;
			a1 = rnd() % 2 ? 1 : 2 + rnd() % 40;
			if (a1 == 23)	/* set_evtchn_upcall_vector */
				a1 = 1;
			break;
		case 6:
			/* sched_op: yield and unknown commands; not shutdown,
			 * block or poll (they may sleep for good). */
			nr = __HYPERVISOR_sched_op;
			a1 = rnd() % 2 ? 0 : 5 + rnd() % 100;
			break;
		case 7:
			nr = __HYPERVISOR_set_timer_op;
			a1 = rnd_arg();
			break;
		case 9:
			/* grant_table_op without map (0), unmap (1), setup_table
			 * (2), transfer (4), copy (5) and unmap_and_replace (7):
			 * they write a status per op (or a frame list) for as many
			 * ops as asked, through whatever follows the pointer: our
			 * own stack, say. That is the guest's own undoing, as on Xen. */
			nr = __HYPERVISOR_grant_table_op;
			do {
				a1 = rnd() % 16;
			} while (a1 <= 2 || a1 == 4 || a1 == 5 || a1 == 7);
			a3 = rnd() % 3 ? rnd() % 4 : rnd_arg();	/* count */
			break;
		case 8:
			nr = __HYPERVISOR_vm_assist;
			a1 = rnd() % 3;
			a2 = rnd() % 2 ? rnd() % 8 : rnd_arg();
			break;
		default:
			/* Hypercall numbers pvhv does not implement. */
			do {
				nr = rnd() % 128;
			} while (nr == __HYPERVISOR_xen_version || nr == __HYPERVISOR_console_io ||
				 nr == __HYPERVISOR_memory_op || nr == __HYPERVISOR_event_channel_op ||
				 nr == __HYPERVISOR_vcpu_op || nr == __HYPERVISOR_hvm_op ||
				 nr == __HYPERVISOR_sched_op || nr == __HYPERVISOR_set_timer_op ||
				 nr == __HYPERVISOR_vm_assist || nr == __HYPERVISOR_grant_table_op ||
				 nr == __HYPERVISOR_iret);
			a1 = rnd_arg();
			break;
		}
		r = rt_hypercall(nr, a1, a2, a3);
		if (r < 0)
			errs++;
		else
			ok++;
	}
	rt_printf("\n");	/* end whatever console_io left unterminated */
	CHECK(ok + errs == CALLS, "%u random hypercalls: %u succeeded, %u errors, the domain lives on",
	      CALLS, ok, errs);
	CHECK(xen_version(XENVER_version, 0) == ((4 << 16) | 17), "and hypercalls still work");
}
