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
	int fd, dfd, ret;

	if (argc != 2)
		return vmm_usage("console", "%s", argc < 2 ? "which domain? (id or name)" :
						     "only one domain at a time");
	fd = vmm_open_dev();
	if (fd < 0)
		return VMM_EXIT_FAIL;
	dfd = vmm_open_domain(fd, argv[1], &domid);
	pvhv_close(fd);
	if (dfd < 0)
		return VMM_EXIT_FAIL;
	ret = vmm_follow_console(dfd, 1, &state, &reason);
	pvhv_close(dfd);
	return ret ? VMM_EXIT_FAIL : vmm_shutdown_exit_code(state, reason);
}
