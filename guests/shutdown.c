// SPDX-License-Identifier: GPL-2.0-only
/* shutdown: SCHEDOP_shutdown with the reason given as "reason=N" on the command line. */
#include "rt.h"

void guest_main(const struct hvm_start_info *si)
{
	const char *c = si->cmdline_paddr ? (const char *)(uintptr_t)si->cmdline_paddr : "";
	struct sched_shutdown ss = { .reason = 0 };

	if (!rt_strncmp(c, "reason=", 7))
		for (c += 7; *c >= '0' && *c <= '9'; c++)
			ss.reason = ss.reason * 10 + (unsigned int)(*c - '0');
	rt_printf("shutdown: reason %u\n", ss.reason);
	sched_op(SCHEDOP_shutdown, &ss);
	rt_printf("not ok - shutdown returned\n");
	rt_shutdown(SHUTDOWN_crash);
}
