// SPDX-License-Identifier: GPL-2.0-only
/*
 * vmmctl pause|unpause DOMAIN: stop a running domain's vCPUs (they are out
 * of the guest when this returns; its timers and events wait for it) and let
 * them go on again (PVHV_DOMAIN_PAUSE/UNPAUSE, as xl pause/unpause).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "vmmctl.h"

/* Why @dfd's domain cannot be (un)paused from the state it is in. */
static void say_state(const char *cmd, const char *spec, int dfd)
{
	struct pvhv_domain_info info;

	if (pvhv_domain_get_info(dfd, &info)) {
		vmm_err("cannot %s domain '%s': not in a state that allows it", cmd, spec);
		return;
	}
	if (info.state == PVHV_STATE_SHUTDOWN)
		vmm_err("cannot %s domain '%s': it has shut down (%s)", cmd, spec,
			pvhv_shutdown_reason_name(info.shutdown_reason));
	else if (info.state == PVHV_STATE_PAUSED || info.state == PVHV_STATE_RUNNING)
		vmm_err("cannot %s domain '%s': it is %s%s", cmd, spec,
			info.state == PVHV_STATE_PAUSED ? "already paused" : "running",
			info.state == PVHV_STATE_RUNNING ? ", not paused" : "");
	else
		vmm_err("cannot %s domain '%s': it is %s", cmd, spec, pvhv_state_name(info.state));
}

static int do_pause(const char *cmd, int argc, char **argv, int pause)
{
	uint32_t domid;
	int dfd, ret;

	dfd = vmm_domain_arg(cmd, argc, argv, &domid);
	if (dfd < 0)
		return -dfd;
	ret = pause ? pvhv_domain_pause(dfd) : pvhv_domain_unpause(dfd);
	if (ret == -EINVAL)
		say_state(cmd, argv[1], dfd);
	else if (ret == -ESRCH)
		vmm_err("no such domain: '%s' (already destroyed)", argv[1]);
	else if (ret == -ENOTTY)
		vmm_err("%s: the loaded pvhv module cannot pause domains (too old)", cmd);
	else if (ret == -ETIMEDOUT)
		vmm_err("cannot pause domain '%s': a vCPU did not stop in time (it runs on)",
			argv[1]);
	else if (ret)
		vmm_err("cannot %s domain '%s': %s", cmd, argv[1], strerror(-ret));
	pvhv_close(dfd);
	if (ret)
		return VMM_EXIT_FAIL;
	printf("%s domain %u\n", pause ? "paused" : "unpaused", domid);
	return VMM_EXIT_OK;
}

int cmd_pause(int argc, char **argv)
{
	return do_pause("pause", argc, argv, 1);
}

int cmd_unpause(int argc, char **argv)
{
	return do_pause("unpause", argc, argv, 0);
}
