// SPDX-License-Identifier: GPL-2.0-only
/* vmmctl destroy DOMAIN: destroy a domain given by id or name. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "vmmctl.h"

int cmd_destroy(int argc, char **argv)
{
	uint32_t domid;
	int dfd, ret;

	dfd = vmm_domain_arg("destroy", argc, argv, &domid);
	if (dfd < 0)
		return -dfd;
	ret = pvhv_domain_destroy(dfd);
	pvhv_close(dfd);
	if (ret == -ESRCH) {
		vmm_err("no such domain: '%s' (already destroyed)", argv[1]);
		return VMM_EXIT_FAIL;
	} else if (ret) {
		vmm_err("cannot destroy domain '%s': %s", argv[1], strerror(-ret));
		return VMM_EXIT_FAIL;
	}
	printf("destroyed domain %u\n", domid);
	return VMM_EXIT_OK;
}
