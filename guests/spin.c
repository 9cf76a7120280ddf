// SPDX-License-Identifier: GPL-2.0-only
/* Spins forever with interrupts off: destroy must still stop it at once. */
#include "rt.h"

void guest_main(const struct hvm_start_info *si)
{
	(void)si;
	rt_printf("spin: spinning\n");
	asm volatile("cli; 1: jmp 1b");
}
