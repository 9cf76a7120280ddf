// SPDX-License-Identifier: GPL-2.0-only
/*
 * Null-hypercall benchmark: xen_version(XENVER_version) in a tight loop; and
 * the cost of a CPUID exit (leaf 0, answered by the x86 layer's policy).
 */
#include "rt.h"

#define ROUNDS 5
#define CALLS 20000

void guest_main(const struct hvm_start_info *si)
{
	uint64_t best = ~0ULL, t0, t1;
	uint32_t r4[4];
	int r, i;

	(void)si;
	for (r = 0; r < ROUNDS; r++) {
		t0 = rdtsc();
		for (i = 0; i < CALLS; i++)
			xen_version(XENVER_version, 0);
		t1 = rdtsc();
		if ((t1 - t0) / CALLS < best)
			best = (t1 - t0) / CALLS;
	}
	rt_printf("bench: pvhv null hypercall: %lu cycles/call (best of %d x %d)\n",
		  (unsigned long)best, ROUNDS, CALLS);
	best = ~0ULL;
	for (r = 0; r < ROUNDS; r++) {
		t0 = rdtsc();
		for (i = 0; i < CALLS; i++)
			rt_cpuid(0, 0, r4);
		t1 = rdtsc();
		if ((t1 - t0) / CALLS < best)
			best = (t1 - t0) / CALLS;
	}
	rt_printf("bench: pvhv CPUID exit: %lu cycles/exit (best of %d x %d)\n",
		  (unsigned long)best, ROUNDS, CALLS);
}
