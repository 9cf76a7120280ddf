// SPDX-License-Identifier: GPL-2.0-only
/*
 * vmmctl console DOMAIN: the domain's console (hypervisor console log and
 * PV console, from their oldest kept byte), live until the domain stops or
 * Ctrl-] detaches; input goes to the PV console. After a stop it exits with
 * the code of "create -c"; after Ctrl-] with 0.
 */
#include <stdio.h>

#include "vmmctl.h"

int cmd_console(int argc, char **argv)
{
	struct vmm_console_end end;
	uint32_t domid;
	int dfd, ret;

	dfd = vmm_domain_arg("console", argc, argv, &domid);
	if (dfd < 0)
		return -dfd;
	ret = vmm_follow_console(dfd, domid, 1, &end);
	pvhv_close(end.dfd);
	if (ret)
		return VMM_EXIT_FAIL;
	return end.detached ? VMM_EXIT_OK : vmm_shutdown_exit_code(end.state, end.reason);
}
