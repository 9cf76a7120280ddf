// SPDX-License-Identifier: GPL-2.0-only
/*
 * vmmctl monitor [-n COUNT]: the module's domain lifecycle events (generic
 * netlink family "pvhv", group "lifecycle"), one line each, as they happen:
 *   domain 3 (web): created | paused | unpaused | shutdown (poweroff) | crashed |
 *                   destroyed
 * "listening" is printed once subscribed; with -n it exits after COUNT events.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <netlink/genl/ctrl.h>
#include <netlink/genl/genl.h>
#include <netlink/netlink.h>

#include "vmmctl.h"

struct monitor {
	uint32_t count, seen;
	int done;
};

static const char *event_name(uint32_t e)
{
	switch (e) {
	case PVHV_EVENT_CREATED: return "created";
	case PVHV_EVENT_PAUSED: return "paused";
	case PVHV_EVENT_UNPAUSED: return "unpaused";
	case PVHV_EVENT_SHUTDOWN: return "shutdown";
	case PVHV_EVENT_CRASHED: return "crashed";
	case PVHV_EVENT_DESTROYED: return "destroyed";
	default: return "unknown";
	}
}

static int on_event(struct nl_msg *msg, void *arg)
{
	static struct nla_policy policy[PVHV_GENL_A_MAX + 1] = {
		[PVHV_GENL_A_DOMID] = { .type = NLA_U32 },
		[PVHV_GENL_A_EVENT] = { .type = NLA_U32 },
		[PVHV_GENL_A_REASON] = { .type = NLA_U32 },
		[PVHV_GENL_A_NAME] = { .type = NLA_STRING, .maxlen = PVHV_NAME_LEN },
	};
	struct nlattr *a[PVHV_GENL_A_MAX + 1];
	struct monitor *m = arg;
	uint32_t event, reason;

	if (genlmsg_parse(nlmsg_hdr(msg), 0, a, PVHV_GENL_A_MAX, policy) ||
	    !a[PVHV_GENL_A_DOMID] || !a[PVHV_GENL_A_EVENT])
		return NL_SKIP;	/* not ours to judge: skip what does not parse */
	event = nla_get_u32(a[PVHV_GENL_A_EVENT]);
	reason = a[PVHV_GENL_A_REASON] ? nla_get_u32(a[PVHV_GENL_A_REASON]) : 0;
	printf("domain %u (%s): %s", nla_get_u32(a[PVHV_GENL_A_DOMID]),
	       a[PVHV_GENL_A_NAME] ? nla_get_string(a[PVHV_GENL_A_NAME]) : "?", event_name(event));
	if (event == PVHV_EVENT_SHUTDOWN)
		printf(" (%s)", pvhv_shutdown_reason_name(reason));
	printf("\n");
	fflush(stdout);
	if (m->count && ++m->seen >= m->count)
		m->done = 1;
	return NL_OK;
}

int cmd_monitor(int argc, char **argv)
{
	struct monitor m = { 0 };
	struct nl_sock *sk;
	int grp, ret;

	if (argc == 3 && !strcmp(argv[1], "-n")) {
		if (pvhv_parse_u32(argv[2], 1, UINT32_MAX, &m.count))
			return vmm_usage("monitor", "invalid count '%s'", argv[2]);
	} else if (argc > 1) {
		return vmm_usage("monitor", "unexpected argument '%s'", argv[1]);
	}
	sk = nl_socket_alloc();
	if (!sk) {
		vmm_err("monitor: out of memory");
		return VMM_EXIT_FAIL;
	}
	ret = genl_connect(sk);
	grp = ret ? ret : genl_ctrl_resolve_grp(sk, PVHV_GENL_NAME, PVHV_GENL_MCGRP);
	if (grp < 0) {
		if (grp == -NLE_OBJ_NOTFOUND)
			vmm_err("monitor: no lifecycle events: the pvhv module is not loaded or too old (no generic netlink family '%s')",
				PVHV_GENL_NAME);
		else
			vmm_err("monitor: cannot reach generic netlink: %s", nl_geterror(grp));
		nl_socket_free(sk);
		return VMM_EXIT_FAIL;
	}
	nl_socket_disable_seq_check(sk);
	nl_socket_modify_cb(sk, NL_CB_VALID, NL_CB_CUSTOM, on_event, &m);
	ret = nl_socket_add_membership(sk, grp);
	if (ret) {
		vmm_err("monitor: cannot subscribe: %s", nl_geterror(ret));
		nl_socket_free(sk);
		return VMM_EXIT_FAIL;
	}
	printf("listening\n");
	fflush(stdout);
	while (!m.done) {
		ret = nl_recvmsgs_default(sk);
		if (ret < 0 && ret != -NLE_INTR && ret != -NLE_AGAIN) {
			vmm_err("monitor: %s", nl_geterror(ret));
			break;
		}
	}
	nl_socket_free(sk);
	return m.done ? VMM_EXIT_OK : VMM_EXIT_FAIL;
}
