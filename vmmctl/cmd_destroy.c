// SPDX-License-Identifier: GPL-2.0-only
/*
 * vmmctl destroy DOMAIN: destroy a domain given by id or name. With the
 * daemon running it does it, and answers once it let go of the domain (its
 * rings, mappings, xenstore entries): nothing is left when this returns.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "vmmctl.h"

int cmd_destroy(int argc, char **argv)
{
	char req[32], reply[256];
	uint32_t domid;
	int dfd, ret;

	dfd = vmm_domain_arg("destroy", argc, argv, &domid);
	if (dfd < 0)
		return -dfd;
	snprintf(req, sizeof(req), "destroy %u", domid);
	if (vmm_daemon_running()) {
		pvhv_close(dfd);	/* ours would keep it half alive */
		ret = vmm_ctl_request(req, reply, sizeof(reply), 10000);
		if (ret) {
			vmm_err("cannot destroy domain '%s': the daemon did not answer: %s", argv[1],
				strerror(-ret));
			return VMM_EXIT_FAIL;
		}
		if (!strncmp(reply, "err ", 4)) {
			vmm_err("cannot destroy domain '%s': %s", argv[1], reply + 4);
			return VMM_EXIT_FAIL;
		}
		ret = 0;
	} else {
		ret = pvhv_domain_destroy(dfd);
		pvhv_close(dfd);
	}
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
