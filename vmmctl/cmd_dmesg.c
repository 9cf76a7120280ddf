// SPDX-License-Identifier: GPL-2.0-only
/* vmmctl dmesg DOMAIN: print the domain's hypervisor console log as kept so far. */
#include <stdio.h>

#include "vmmctl.h"

int cmd_dmesg(int argc, char **argv)
{
	struct vmm_console_end end;
	uint32_t domid;
	int dfd, ret;

	dfd = vmm_domain_arg("dmesg", argc, argv, &domid);
	if (dfd < 0)
		return -dfd;
	ret = vmm_follow_console(dfd, domid, 0, &end);
	pvhv_close(end.dfd);
	return ret ? VMM_EXIT_FAIL : VMM_EXIT_OK;
}
