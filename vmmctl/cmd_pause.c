// SPDX-License-Identifier: GPL-2.0-only
/*
 * vmmctl pause|unpause DOMAIN: not available yet. The module has the state
 * (PVHV_STATE_PAUSED) but no ioctl that stops or resumes a domain's vCPUs;
 * this says so instead of pretending.
 */
#include <stdio.h>

#include "vmmctl.h"

static int unsupported(const char *cmd, int argc, char **argv)
{
	uint32_t domid;
	int dfd = vmm_domain_arg(cmd, argc, argv, &domid);

	if (dfd < 0)
		return -dfd;
	pvhv_close(dfd);
	vmm_err("%s: not supported by the pvhv module yet (it has no ioctl to %s a domain's vCPUs)",
		cmd, cmd);
	return VMM_EXIT_FAIL;
}

int cmd_pause(int argc, char **argv)
{
	return unsupported("pause", argc, argv);
}

int cmd_unpause(int argc, char **argv)
{
	return unsupported("unpause", argc, argv);
}
