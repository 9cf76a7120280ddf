// SPDX-License-Identifier: GPL-2.0-only
/*
 * vmmctl shutdown|reboot [-w] [-t SECONDS] DOMAIN: ask the guest as xl does,
 * through xenstore (control/shutdown = poweroff|reboot). A guest that has
 * not taken the request (cleared the key or stopped) within the timeout
 * (default 10 s) is shut down by the hypervisor instead (PVHV_DOMAIN_SHUTDOWN,
 * Xen's remote_shutdown). With -w, wait until the domain has stopped.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <stdint.h>
#include <xen/xen.h>
#include <xen/sched.h>

#include "pvhv_xenstore.h"
#include "vmmctl.h"

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* 1 once the domain no longer runs (stopped, or destroyed by the daemon). */
static int domain_stopped(int dfd)
{
	struct pvhv_domain_info info;

	if (pvhv_domain_get_info(dfd, &info))
		return 1;
	return info.state != PVHV_STATE_RUNNING && info.state != PVHV_STATE_CREATED &&
	       info.state != PVHV_STATE_PAUSED;
}

static int do_shutdown(const char *cmd, int argc, char **argv, const char *what,
		       uint32_t reason)
{
	const struct timespec tick = { 0, 100 * 1000 * 1000 };
	uint32_t domid, timeout = 10;
	struct pvhv_xsc *xsc = NULL;
	char path[64], *v, *dom_argv[2];
	int wait = 0, i, dfd, ret, acked = 0;
	int64_t deadline;

	for (i = 1; i < argc && argv[i][0] == '-'; i++) {
		if (!strcmp(argv[i], "-w")) {
			wait = 1;
		} else if (!strcmp(argv[i], "-t") && i + 1 < argc) {
			if (pvhv_parse_u32(argv[++i], 0, 3600, &timeout))
				return vmm_usage(cmd, "invalid timeout '%s' (0..3600 seconds)", argv[i]);
		} else {
			return vmm_usage(cmd, "unknown option '%s'", argv[i]);
		}
	}
	if (argc - i != 1)
		return vmm_usage(cmd, "%s", argc - i < 1 ? "which domain? (id or name)" :
							"only one domain at a time");
	dom_argv[0] = (char *)cmd;
	dom_argv[1] = argv[i];
	dfd = vmm_domain_arg(cmd, 2, dom_argv, &domid);
	if (dfd < 0)
		return -dfd;
	if (domain_stopped(dfd)) {
		vmm_err("domain '%s' is not running", argv[i]);
		pvhv_close(dfd);
		return VMM_EXIT_FAIL;
	}
	snprintf(path, sizeof(path), "/local/domain/%u/control/shutdown", domid);
	ret = pvhv_xsc_open(NULL, &xsc);
	if (!ret)
		ret = pvhv_xsc_write(xsc, 0, path, what, strlen(what));
	if (ret) {
		fprintf(stderr, "vmmctl: no xenstore request possible (%s): asking the hypervisor\n",
			strerror(-ret));
	} else {
		printf("%s domain %u: control/shutdown = %s\n", cmd, domid, what);
		fflush(stdout);
		/* Taken when the guest clears the key, or stops. */
		deadline = now_ms() + (int64_t)timeout * 1000;
		while (!acked && now_ms() < deadline) {
			if (domain_stopped(dfd)) {
				acked = 1;
				break;
			}
			if (!pvhv_xsc_read(xsc, 0, path, &v, NULL)) {
				acked = !v[0];
				free(v);
			} else {
				acked = 1;	/* the key is gone with the domain */
			}
			if (!acked)
				nanosleep(&tick, NULL);
		}
	}
	if (xsc)
		pvhv_xsc_close(xsc);
	if (!acked) {
		if (!ret)
			fprintf(stderr, "vmmctl: domain %u did not take the request within %u s: "
				"shutting it down from the hypervisor\n", domid, timeout);
		ret = pvhv_domain_shutdown(dfd, reason);
		if (ret && !domain_stopped(dfd)) {
			vmm_err("cannot shut domain %u down: %s", domid, strerror(-ret));
			pvhv_close(dfd);
			return VMM_EXIT_FAIL;
		}
	}
	while (wait && !domain_stopped(dfd))
		nanosleep(&tick, NULL);
	if (wait)
		printf("domain %u has stopped\n", domid);
	pvhv_close(dfd);
	return VMM_EXIT_OK;
}

int cmd_shutdown(int argc, char **argv)
{
	return do_shutdown("shutdown", argc, argv, "poweroff", SHUTDOWN_poweroff);
}

int cmd_reboot(int argc, char **argv)
{
	return do_shutdown("reboot", argc, argv, "reboot", SHUTDOWN_reboot);
}
