// SPDX-License-Identifier: GPL-2.0-only
/*
 * The toolstack's event-channel operation on a domain (PVHV_DOMAIN_ALLOC_UNBOUND):
 * allocate a port in the domain, unbound and offered to a remote domain, as
 * dom0's EVTCHNOP_alloc_unbound on another domain (libxc's
 * xc_evtchn_alloc_unbound) does on Xen. The toolstack uses it for the
 * xenstore and console channels (remote domain 0, the host) before the guest
 * starts, and hands the port to the guest in HVM_PARAM_STORE/CONSOLE_EVTCHN;
 * the host binds it with PVHV_EVTCHN_BIND.
 *
 * Unlike the guest's own EVTCHNOP_alloc_unbound (the lowest free port), the
 * toolstack's ports are taken from the top of the range that 32-bit guests
 * can address too (below 1024): a guest's own allocations then start at 1 as
 * in an empty domain, and no guest depends on which port the toolstack's
 * channels got (it reads them from HVM parameters).
 *
 * Locking: the domain's evtchn_lock, as every port-table change.
 */
#define pr_fmt(fmt) "pvhv: toolstack: " fmt

#include <linux/mutex.h>
#include <linux/spinlock.h>
#include <linux/uaccess.h>
#include <xen/interface/event_channel.h>

#include "core.h"
#include "xen/compat.h"

/* The highest port a 32-bit guest's 2-level ABI reaches: 32 words of 32 bits. */
#define PVHV_TOOLSTACK_PORT_TOP	1023

long pvhv_toolstack_alloc_unbound(struct pvhv_domain *d, void __user *arg)
{
	struct pvhv_alloc_unbound req;
	unsigned long flags;
	struct pvhv_evtchn *c;
	long ret = -ENOSPC;
	u32 p;

	BUILD_BUG_ON(PVHV_TOOLSTACK_PORT_TOP >= PVHV_COMPAT_EVTCHN_PORTS);	/* both layouts */
	if (copy_from_user(&req, arg, sizeof(req)))
		return -EFAULT;
	if (req.flags || req.port || req.pad || !pvhv_all_zero(req.reserved, sizeof(req.reserved)))
		return -EINVAL;
	if (req.remote_dom > PVHV_DOMID_MAX)
		return -EINVAL;
	mutex_lock(&d->lock);
	ret = d->state == PVHV_STATE_DYING ? -ESRCH : 0;
	mutex_unlock(&d->lock);
	if (ret)
		return ret;	/* destroyed: its ports are being closed */
	ret = -ENOSPC;
	spin_lock_irqsave(&d->evtchn_lock, flags);
	for (p = PVHV_TOOLSTACK_PORT_TOP; p > 0; p--) {
		c = &d->evtchn[p];
		if (c->state != EVTCHNSTAT_closed)
			continue;
		memset(c, 0, sizeof(*c));
		c->state = EVTCHNSTAT_unbound;
		c->remote_domid = req.remote_dom;
		req.port = p;
		ret = 0;
		break;
	}
	spin_unlock_irqrestore(&d->evtchn_lock, flags);
	if (ret)
		return ret;
	return copy_to_user(arg, &req, sizeof(req)) ? -EFAULT : 0;
}
