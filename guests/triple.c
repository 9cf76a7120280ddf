// SPDX-License-Identifier: GPL-2.0-only
/* Triple fault: an empty IDT, then an exception. The domain must end crashed. */
#include "rt.h"

void guest_main(const struct hvm_start_info *si)
{
	struct {
		uint16_t limit;
		uint64_t base;
	} __attribute__((packed)) empty = { 0, 0 };

	(void)si;
	rt_printf("triple: faulting now\n");
	asm volatile("lidt %0; int3" : : "m" (empty));
	rt_printf("not ok - triple: still running\n");
}
