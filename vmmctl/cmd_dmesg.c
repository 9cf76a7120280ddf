// SPDX-License-Identifier: GPL-2.0-only
/* vmmctl dmesg DOMAIN: print the domain's console log as kept so far. */
#include <stdio.h>

#include "vmmctl.h"

int cmd_dmesg(int argc, char **argv)
{
	uint32_t domid;
	int fd, dfd, ret;

	if (argc != 2)
		return vmm_usage("dmesg", "%s", argc < 2 ? "which domain? (id or name)" :
						   "only one domain at a time");
	fd = vmm_open_dev();
	if (fd < 0)
		return VMM_EXIT_FAIL;
	dfd = vmm_open_domain(fd, argv[1], &domid);
	pvhv_close(fd);
	if (dfd < 0)
		return VMM_EXIT_FAIL;
	ret = vmm_follow_console(dfd, 0, NULL, NULL);
	pvhv_close(dfd);
	return ret ? VMM_EXIT_FAIL : VMM_EXIT_OK;
}
