// SPDX-License-Identifier: GPL-2.0-only
/*
 * HLT with interrupts off (run with vcpus = 2), as Xen's hvm_hlt(): the
 * vCPU goes down (VCPUOP_is_up 0), VCPUOP_up resumes it after the HLT,
 * and once the last vCPU halts that way the domain powers off (the harness
 * checks the shutdown reason; a hypervisor that only sleeps leaves the
 * domain running and the test times out).
 */
#include "rt.h"

static uint8_t stack[16384] __attribute__((aligned(16)));
static volatile unsigned int runs;

/* Returns into rt_ap_entry's CLI; HLT loop. */
static void ap_main(unsigned int id)
{
	(void)id;
	runs++;
}

static int wait_down(unsigned int id)
{
	for (unsigned long i = 0; i < 200000000UL; i++)
		if (rt_vcpu_op(VCPUOP_is_up, id, 0) == 0)
			return 1;
	return 0;
}

void guest_main(const struct hvm_start_info *si)
{
	int down;

	(void)si;
	CHECK(rt_init_ap(1, stack + sizeof(stack), ap_main) == 0 &&
	      rt_vcpu_op(VCPUOP_up, 1, 0) == 0, "vCPU 1 initialised and up");
	down = wait_down(1);
	CHECK(down && runs == 1, "vCPU 1 ran (%u time) and its CLI; HLT took it down", runs);
	CHECK(rt_vcpu_op(VCPUOP_up, 1, 0) == 0 && wait_down(1) && runs == 1,
	      "VCPUOP_up: it resumed after the HLT, halted again and is down again");
	rt_printf("hltoff: vCPU 0 halts with interrupts off\n");
	for (;;)
		asm volatile("cli; hlt");
}
