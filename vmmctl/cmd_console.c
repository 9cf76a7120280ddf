// SPDX-License-Identifier: GPL-2.0-only
/*
 * vmmctl console DOMAIN: the domain's console log from its oldest kept byte,
 * then live until the domain stops (Ctrl-C detaches). Exits with the code
 * of "create -c" once the guest has stopped.
 */
#include <stdio.h>

#include "vmmctl.h"

int cmd_console(int argc, char **argv)
{
	uint32_t domid, state, reason;
	int dfd, ret;

	dfd = vmm_domain_arg("console", argc, argv, &domid);
	if (dfd < 0)
		return -dfd;
	ret = vmm_follow_console(dfd, 1, &state, &reason);
	pvhv_close(dfd);
	return ret ? VMM_EXIT_FAIL : vmm_shutdown_exit_code(state, reason);
}
