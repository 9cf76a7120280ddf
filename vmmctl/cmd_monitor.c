// SPDX-License-Identifier: GPL-2.0-only
/*
 * vmmctl monitor: domain lifecycle events, live. They are to come from the
 * module over generic netlink; this module sends none yet, and this says so
 * rather than imitating them.
 */
#include <stdio.h>

#include "vmmctl.h"

int cmd_monitor(int argc, char **argv)
{
	if (argc > 1)
		return vmm_usage("monitor", "unexpected argument '%s'", argv[1]);
	(void)argv;
	vmm_err("monitor: not supported by the pvhv module yet (no generic netlink lifecycle events)");
	return VMM_EXIT_FAIL;
}
