// SPDX-License-Identifier: GPL-2.0-only
/* vmmctl dmesg DOMAIN: print the domain's console log as kept so far. */
#include <stdio.h>

#include "vmmctl.h"

int cmd_dmesg(int argc, char **argv)
{
	uint32_t domid;
	int dfd, ret;

	dfd = vmm_domain_arg("dmesg", argc, argv, &domid);
	if (dfd < 0)
		return -dfd;
	ret = vmm_follow_console(dfd, 0, NULL, NULL);
	pvhv_close(dfd);
	return ret ? VMM_EXIT_FAIL : VMM_EXIT_OK;
}
