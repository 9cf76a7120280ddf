// SPDX-License-Identifier: GPL-2.0-only
/*
 * Domain lifecycle events over generic netlink (uapi/pvhv.h: family "pvhv",
 * multicast group "lifecycle"): created, paused, unpaused, shutdown (with the
 * reason), crashed, destroyed, as they happen. Nothing is built when nobody listens. Sent with
 * GFP_ATOMIC: the hooks may run where sleeping is not allowed.
 */
#define pr_fmt(fmt) "pvhv: genl: " fmt

#include <net/genetlink.h>

#include "core.h"

static const struct genl_multicast_group pvhv_genl_mcgrps[] = {
	{ .name = PVHV_GENL_MCGRP },
};

static struct genl_family pvhv_genl_family = {
	.name = PVHV_GENL_NAME,
	.version = PVHV_GENL_VERSION,
	.maxattr = PVHV_GENL_A_MAX,
	.module = THIS_MODULE,
	.mcgrps = pvhv_genl_mcgrps,
	.n_mcgrps = ARRAY_SIZE(pvhv_genl_mcgrps),
};

int pvhv_genl_init(void)
{
	return genl_register_family(&pvhv_genl_family);
}

void pvhv_genl_exit(void)
{
	genl_unregister_family(&pvhv_genl_family);
}

void pvhv_genl_event(struct pvhv_domain *d, u32 event, u32 reason)
{
	struct sk_buff *skb;
	void *hdr;

	if (!genl_has_listeners(&pvhv_genl_family, &init_net, 0))
		return;
	skb = genlmsg_new(nla_total_size(sizeof(u32)) * 3 + nla_total_size(PVHV_NAME_LEN),
			  GFP_ATOMIC);
	if (!skb)
		return;
	hdr = genlmsg_put(skb, 0, 0, &pvhv_genl_family, 0, PVHV_GENL_CMD_EVENT);
	if (!hdr || nla_put_u32(skb, PVHV_GENL_A_DOMID, d->domid) ||
	    nla_put_u32(skb, PVHV_GENL_A_EVENT, event) ||
	    nla_put_u32(skb, PVHV_GENL_A_REASON, reason) ||
	    nla_put_string(skb, PVHV_GENL_A_NAME, d->name)) {
		nlmsg_free(skb);
		return;
	}
	genlmsg_end(skb, hdr);
	genlmsg_multicast(&pvhv_genl_family, skb, 0, 0, GFP_ATOMIC);
}
