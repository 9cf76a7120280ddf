// SPDX-License-Identifier: GPL-2.0-only
/*
 * The host's (domid 0) end of event channels with one domain: an "evtchn fd"
 * (anon inode) from PVHV_DOMAIN_EVTCHN_OPEN on a domain fd, modelled on
 * Linux's /dev/xen/evtchn: bind to a port the guest offered to domain 0,
 * notify it, read() the host ports that fired, poll() for them.
 *
 * Locking: pvhv_domain.evtchn_lock protects the binding (both the guest
 * channel and pvhv_host_port.guest_port); pvhv_host_evtchn.lock protects the
 * ring of fired ports and the queued flags and nests inside evtchn_lock.
 */
#define pr_fmt(fmt) "pvhv: evtchn-host: " fmt

#include <linux/anon_inodes.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/mm.h>
#include <linux/poll.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/vmalloc.h>
#include <linux/wait.h>
#include <xen/interface/event_channel.h>

#include "core.h"

struct pvhv_host_port {
	u32 guest_port;		/* 0: not bound; protected by the domain's evtchn_lock */
	bool queued;		/* in the ring; protected by pvhv_host_evtchn.lock */
};

struct pvhv_host_evtchn {
	struct pvhv_domain *d;		/* referenced; immutable */
	spinlock_t lock;		/* ring, head, count, queued */
	wait_queue_head_t wq;
	u32 ring[PVHV_HOST_PORTS];
	u32 head, count;
	struct pvhv_host_port ports[PVHV_HOST_PORTS];
};

/* The guest raised a channel bound to host port @port: queue it once. */
void pvhv_host_evtchn_fire(struct pvhv_host_evtchn *he, u32 port)
{
	unsigned long flags;

	spin_lock_irqsave(&he->lock, flags);
	if (!he->ports[port].queued && he->count < PVHV_HOST_PORTS) {
		he->ports[port].queued = true;
		he->ring[(he->head + he->count++) % PVHV_HOST_PORTS] = port;
	}
	spin_unlock_irqrestore(&he->lock, flags);
	wake_up_interruptible(&he->wq);
}

/* The guest closed its end (evtchn_lock held): the host port is unbound. */
void pvhv_host_evtchn_detach(struct pvhv_host_evtchn *he, u32 port)
{
	he->ports[port].guest_port = 0;
}

static long pvhv_host_bind(struct pvhv_host_evtchn *he, void __user *arg)
{
	struct pvhv_domain *d = he->d;
	struct pvhv_evtchn_bind req;
	struct pvhv_evtchn *c;
	unsigned long flags;
	long ret = -EINVAL;
	u32 p;

	if (copy_from_user(&req, arg, sizeof(req)))
		return -EFAULT;
	if (req.flags || req.pad || !pvhv_all_zero(req.reserved, sizeof(req.reserved)))
		return -EINVAL;
	if (!req.remote_port || req.remote_port >= PVHV_EVTCHN_PORTS)
		return -EINVAL;
	spin_lock_irqsave(&d->evtchn_lock, flags);
	c = &d->evtchn[req.remote_port];
	if (c->state != EVTCHNSTAT_unbound || c->remote_domid != PVHV_DOMID_HOST)
		goto out_unlock;	/* not offered to the host */
	for (p = 1; p < PVHV_HOST_PORTS && he->ports[p].guest_port; p++)
		;
	if (p == PVHV_HOST_PORTS) {
		ret = -ENOSPC;
		goto out_unlock;
	}
	he->ports[p].guest_port = req.remote_port;
	c->state = EVTCHNSTAT_interdomain;
	c->remote_port = p;
	c->host = he;
	req.port = p;
	ret = 0;
out_unlock:
	spin_unlock_irqrestore(&d->evtchn_lock, flags);
	if (ret)
		return ret;
	/* As Xen's bind_interdomain: the binder's new port starts pending. */
	pvhv_host_evtchn_fire(he, p);
	return copy_to_user(arg, &req, sizeof(req)) ? -EFAULT : 0;
}

static long pvhv_host_port_op(struct pvhv_host_evtchn *he, unsigned int cmd, void __user *arg)
{
	struct pvhv_domain *d = he->d;
	struct pvhv_evtchn_port req;
	unsigned long flags;
	struct pvhv_evtchn *c;
	long ret = 0;
	u32 gp;

	if (copy_from_user(&req, arg, sizeof(req)))
		return -EFAULT;
	if (req.flags || !pvhv_all_zero(req.reserved, sizeof(req.reserved)) ||
	    !req.port || req.port >= PVHV_HOST_PORTS)
		return -EINVAL;
	spin_lock_irqsave(&d->evtchn_lock, flags);
	gp = he->ports[req.port].guest_port;
	c = gp ? &d->evtchn[gp] : NULL;
	if (!c || c->state != EVTCHNSTAT_interdomain || c->host != he || c->remote_port != req.port) {
		ret = -EINVAL;		/* never bound, unbound, or the guest closed it */
	} else if (cmd == PVHV_EVTCHN_NOTIFY) {
		pvhv_evtchn_raise(d, gp);
	} else {
		c->state = EVTCHNSTAT_unbound;
		c->remote_domid = PVHV_DOMID_HOST;
		c->remote_port = 0;
		c->host = NULL;
		he->ports[req.port].guest_port = 0;
	}
	spin_unlock_irqrestore(&d->evtchn_lock, flags);
	return ret;
}

static long pvhv_host_evtchn_ioctl(struct file *file, unsigned int cmd, unsigned long arg)
{
	struct pvhv_host_evtchn *he = file->private_data;

	switch (cmd) {
	case PVHV_EVTCHN_BIND:
		return pvhv_host_bind(he, (void __user *)arg);
	case PVHV_EVTCHN_NOTIFY:
	case PVHV_EVTCHN_UNBIND:
		return pvhv_host_port_op(he, cmd, (void __user *)arg);
	default:
		return -ENOTTY;
	}
}

static ssize_t pvhv_host_evtchn_read(struct file *file, char __user *buf, size_t len, loff_t *ppos)
{
	struct pvhv_host_evtchn *he = file->private_data;
	u32 out[64];
	size_t n = 0;
	long ret;

	len = min(len / sizeof(u32), ARRAY_SIZE(out));
	if (!len)
		return -EINVAL;
	for (;;) {
		spin_lock_irq(&he->lock);
		while (n < len && he->count) {
			u32 p = he->ring[he->head];

			he->head = (he->head + 1) % PVHV_HOST_PORTS;
			he->count--;
			he->ports[p].queued = false;
			out[n++] = p;
		}
		spin_unlock_irq(&he->lock);
		if (n)
			break;
		if (file->f_flags & O_NONBLOCK)
			return -EAGAIN;
		ret = wait_event_interruptible(he->wq, READ_ONCE(he->count));
		if (ret)
			return ret;
	}
	return copy_to_user(buf, out, n * sizeof(u32)) ? -EFAULT : n * sizeof(u32);
}

static __poll_t pvhv_host_evtchn_poll(struct file *file, poll_table *wait)
{
	struct pvhv_host_evtchn *he = file->private_data;

	poll_wait(file, &he->wq, wait);
	return READ_ONCE(he->count) ? EPOLLIN | EPOLLRDNORM : 0;
}

static int pvhv_host_evtchn_release(struct inode *inode, struct file *file)
{
	struct pvhv_host_evtchn *he = file->private_data;
	struct pvhv_domain *d = he->d;
	unsigned long flags;
	u32 p;

	/* Every guest channel bound here goes back to unbound (offered to 0). */
	spin_lock_irqsave(&d->evtchn_lock, flags);
	for (p = 1; p < PVHV_HOST_PORTS; p++) {
		u32 gp = he->ports[p].guest_port;

		if (gp && d->evtchn[gp].host == he) {
			d->evtchn[gp].state = EVTCHNSTAT_unbound;
			d->evtchn[gp].remote_domid = PVHV_DOMID_HOST;
			d->evtchn[gp].remote_port = 0;
			d->evtchn[gp].host = NULL;
		}
	}
	spin_unlock_irqrestore(&d->evtchn_lock, flags);
	vfree(he);
	atomic64_dec(&pvhv_counters.objects);
	pvhv_domain_unref(d);
	return 0;
}

static const struct file_operations pvhv_host_evtchn_fops = {
	.owner = THIS_MODULE,
	.unlocked_ioctl = pvhv_host_evtchn_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
	.read = pvhv_host_evtchn_read,
	.poll = pvhv_host_evtchn_poll,
	.release = pvhv_host_evtchn_release,
	.llseek = noop_llseek,
};

/* PVHV_DOMAIN_EVTCHN_OPEN: a new evtchn fd for @d. */
long pvhv_host_evtchn_open(struct pvhv_domain *d)
{
	struct pvhv_host_evtchn *he;
	int fd;

	he = vzalloc(sizeof(*he));
	if (!he)
		return -ENOMEM;
	atomic64_inc(&pvhv_counters.objects);
	spin_lock_init(&he->lock);
	init_waitqueue_head(&he->wq);
	he->d = d;
	pvhv_domain_ref(d);
	fd = anon_inode_getfd("pvhv-evtchn", &pvhv_host_evtchn_fops, he, O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		pvhv_domain_unref(d);
		vfree(he);
		atomic64_dec(&pvhv_counters.objects);
	}
	return fd;
}
