// SPDX-License-Identifier: GPL-2.0-only
/*
 * Event channels, 2-level ABI (Xen's public/event_channel.h and
 * common/event_channel.c semantics and errno values): ports, VIRQs, IPIs and
 * interdomain channels (within a domain, and between domains: each end holds
 * a reference on the other domain until closed); pending/mask bits and
 * the per-vCPU selector in shared_info; the upcall vector
 * (HVM_PARAM_CALLBACK_IRQ of type vector); the timers that raise VIRQ_TIMER.
 *
 * Channels with the host (domid 0) end in an evtchn fd (../host_evtchn.c).
 * Not yet: FIFO (Linux falls back to 2-level on -ENOSYS from init_control).
 * The bitmaps and selectors are in the domain's shared_info layout, native
 * or compat (compat.h): a compat domain has 1024 ports.
 *
 * Locking: pvhv_domain.evtchn_lock (spinlock, irqsave: timers raise events
 * from hardirq context) protects the port table, the VIRQ bindings and the
 * callback parameter; pending/mask/selector bits are atomic bit operations on
 * the shared_info page, as the guest's are. It nests inside nothing else.
 */
#define pr_fmt(fmt) "pvhv: xen: " fmt

#include <linux/bitops.h>
#include <linux/errno.h>
#include <linux/hrtimer.h>
#include <linux/kthread.h>
#include <linux/timekeeping.h>
#include <linux/wait.h>
#include <linux/mm.h>
#include <linux/nospec.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <xen/interface/xen.h>
#include <xen/interface/event_channel.h>
#include <xen/interface/hvm/hvm_op.h>
#include <xen/interface/hvm/params.h>
#include <xen/interface/sched.h>

#include "../core.h"
#include "compat.h"

#define CALLBACK_VIA_TYPE_SHIFT	56

static struct shared_info *shinfo(struct pvhv_domain *d)
{
	return page_address(d->shinfo);
}

static bool shinfo_compat(struct pvhv_domain *d)
{
	return READ_ONCE(d->shinfo_compat);
}

/* How many ports a layout has room for (Xen's max_evtchns for 2-level). */
static u32 layout_ports(bool compat)
{
	return compat ? PVHV_COMPAT_EVTCHN_PORTS : PVHV_EVTCHN_PORTS;
}

static u32 nr_ports(struct pvhv_domain *d)
{
	return layout_ports(shinfo_compat(d));
}

/* The pending bitmap starts at the same offset in both layouts. */
static unsigned long *evtchn_pending(struct pvhv_domain *d)
{
	return (unsigned long *)shinfo(d)->evtchn_pending;
}

/*
 * The callers read the layout once and check @port against it. A latch on
 * another vCPU may change the layout meanwhile: the bits then land in the
 * wrong place of the guest's own shared_info page, never outside it.
 */
static unsigned long *evtchn_mask(struct pvhv_domain *d, bool compat)
{
	if (compat)
		return (unsigned long *)((struct compat_shared_info *)shinfo(d))->evtchn_mask;
	return (unsigned long *)shinfo(d)->evtchn_mask;
}

/*
 * Set the selector bit of @port's word in @vi; true if it was clear. The
 * compat selector is bits 32..63 of vcpu_info's first 8 bytes (x86 is
 * little-endian): one locked instruction either way, on an 8-byte-aligned
 * word (register_vcpu_info refuses other offsets: no split locks).
 */
static bool sel_test_and_set(struct vcpu_info *vi, u32 port, bool compat)
{
	if (compat) {
		BUILD_BUG_ON(offsetof(struct compat_vcpu_info, evtchn_pending_sel) != 4);
		return !test_and_set_bit(32 + (port / 32) % 32, (unsigned long *)vi);
	}
	return !test_and_set_bit(port / BITS_PER_LONG, (unsigned long *)&vi->evtchn_pending_sel);
}

/*
 * A port in use. One bound before a switch to the compat layout may lie
 * beyond it: it stays valid (it can be closed), but has no bits to raise.
 */
static bool port_valid(struct pvhv_domain *d, u32 *port)
{
	if (!*port || *port >= PVHV_EVTCHN_PORTS)
		return false;
	/*
	 * From here the guest's number indexes the table: never past it, not
	 * even speculatively (Documentation/staging/speculation.rst).
	 */
	*port = array_index_nospec(*port, PVHV_EVTCHN_PORTS);
	return d->evtchn[*port].state != EVTCHNSTAT_closed;
}

/* A port SCHEDOP_poll and EVTCHNOP_status may name: in the layout, or in use. */
static bool port_addressable(struct pvhv_domain *d, u32 *port)
{
	if (!*port || !(*port < nr_ports(d) || port_valid(d, port)))
		return false;
	*port = array_index_nospec(*port, PVHV_EVTCHN_PORTS);
	return true;
}

/*
 * The layout of shared_info, vcpu_info and the runstate areas follows the
 * mode of the guest's vCPU when it sets HVM_PARAM_CALLBACK_IRQ or installs
 * the hypercall page (Xen's hvm_latch_shinfo_size()). As Xen, a change
 * converts nothing but the wallclock, which is written again.
 */
void pvhv_xen_latch_shinfo(struct pvhv_vcpu *v, bool compat)
{
	pvhv_compat_layout_check();
	WRITE_ONCE(v->d->shinfo_compat, compat);
	pvhv_xen_update_wallclock(v->d);
}

struct vcpu_info *pvhv_xen_vcpu_info(struct pvhv_vcpu *v)
{
	struct vcpu_info *vi = READ_ONCE(v->vcpu_info);

	if (vi)
		return vi;
	return v->id < MAX_VIRT_CPUS ? &shinfo(v->d)->vcpu_info[v->id] : NULL;
}

/* Wake every vCPU in SCHEDOP_poll: they recheck their ports. */
static void pvhv_wake_pollers(struct pvhv_domain *d)
{
	u32 i;

	if (!atomic_read(&d->pollers))
		return;
	for (i = 0; i < d->max_vcpus; i++) {
		struct pvhv_vcpu *v = READ_ONCE(d->vcpus[i]);

		if (v && READ_ONCE(v->nr_poll_ports))
			wake_up_interruptible(&v->wq);
	}
}

/*
 * The upcall is due on @v (Xen's hvm_assert_evtchn_irq(), called when
 * evtchn_upcall_pending goes to 1, xen/arch/x86/hvm/irq.c): with a
 * per-vCPU upcall vector, an edge-triggered interrupt into its local APIC
 * (which needs an EOI); otherwise a kick, the domain-wide callback vector
 * being injected while evtchn_upcall_pending is set (pvhv_xen_upcall_vector()).
 */
static void pvhv_xen_assert_upcall(struct pvhv_vcpu *v)
{
	u8 vector = READ_ONCE(v->upcall_vector);

	if (vector)
		pvhv_x86_apic_set_irq(v, vector);
	else
		pvhv_vcpu_kick(v);
}

/* Raise @port: pending, then (unless masked) the selector and the upcall. */
static void pvhv_evtchn_set_pending(struct pvhv_domain *d, u32 port)
{
	struct shared_info *s = shinfo(d);
	u32 vcpu = d->evtchn[port].vcpu;
	struct pvhv_vcpu *v = vcpu < d->max_vcpus ? READ_ONCE(d->vcpus[vcpu]) : NULL;
	bool compat = shinfo_compat(d);
	struct vcpu_info *vi;

	if (port >= layout_ports(compat))
		return;	/* bound before a switch to the compat layout: no room */
	if (test_and_set_bit(port, evtchn_pending(d)))
		return;
	/* A poller waits for its ports, masked or not (Xen's SCHEDOP_poll). */
	pvhv_wake_pollers(d);
	if (test_bit(port, evtchn_mask(d, compat)))
		return;
	vi = v ? pvhv_xen_vcpu_info(v) : vcpu < MAX_VIRT_CPUS ? &s->vcpu_info[vcpu] : NULL;
	if (!vi)
		return;
	/* As Xen's vcpu_mark_events_pending(): the upcall on its 0 -> 1 edge. */
	if (sel_test_and_set(vi, port, compat) && !xchg(&vi->evtchn_upcall_pending, 1) && v)
		pvhv_xen_assert_upcall(v);
	else if (v)
		pvhv_vcpu_kick(v);
}

void pvhv_evtchn_raise(struct pvhv_domain *d, u32 port)
{
	pvhv_evtchn_set_pending(d, port);
}

bool pvhv_xen_event_pending(struct pvhv_vcpu *v)
{
	struct vcpu_info *vi = pvhv_xen_vcpu_info(v);

	return vi && READ_ONCE(vi->evtchn_upcall_pending);
}

/*
 * HVM_PARAM_CALLBACK_IRQ of type vector: injected as is while an event is
 * pending, before anything the local APIC holds and never in its ISR
 * (Xen's hvm_vcpu_has_pending_irq(), hvm_intack_vector). The per-vCPU
 * upcall vector goes through the APIC instead (pvhv_xen_assert_upcall()).
 */
u8 pvhv_xen_upcall_vector(struct pvhv_vcpu *v)
{
	u64 cb = READ_ONCE(v->d->callback_irq);

	if ((cb >> CALLBACK_VIA_TYPE_SHIFT) != HVM_PARAM_CALLBACK_TYPE_VECTOR || !pvhv_xen_event_pending(v))
		return 0;
	return (u8)cb;
}

/*
 * VCPUOP_register_vcpu_info: the vCPU's vcpu_info moves into a RAM page of
 * the guest's choosing (once). As Xen, the old contents come along and
 * everything is marked pending so no event is lost in the move.
 */
long pvhv_xen_register_vcpu_info(struct pvhv_vcpu *t, u64 gfn, u32 offset)
{
	struct pvhv_domain *d = t->d;
	struct vcpu_info *old, *new;
	unsigned long flags;
	struct page *page;
	long ret = 0;

	/* Inside the page, and aligned: the selector takes locked bit operations. */
	if (offset > PAGE_SIZE - sizeof(struct vcpu_info) || (offset & 7))
		return -EINVAL;
	/* The physmap lock keeps the page from being ballooned away meanwhile;
	 * our reference keeps it alive for the vCPU's lifetime, as Xen's. */
	mutex_lock(&d->lock);
	page = pvhv_gfn_to_ram(d, gfn);
	if (!page || gfn == READ_ONCE(d->shinfo_gfn)) {
		mutex_unlock(&d->lock);
		return -EINVAL;
	}
	new = page_address(page) + offset;
	spin_lock_irqsave(&d->evtchn_lock, flags);
	if (t->vcpu_info) {
		ret = -EINVAL;	/* already placed */
	} else {
		get_page(page);
		t->vcpu_info_page = page;
		old = pvhv_xen_vcpu_info(t);
		if (old)
			memcpy(new, old, sizeof(*new));
		else
			memset(new, 0, sizeof(*new));
		new->evtchn_upcall_pending = 1;
		if (shinfo_compat(d))
			((struct compat_vcpu_info *)new)->evtchn_pending_sel = ~0U;
		else
			new->evtchn_pending_sel = ~0UL;
		WRITE_ONCE(t->vcpu_info, new);
	}
	spin_unlock_irqrestore(&d->evtchn_lock, flags);
	mutex_unlock(&d->lock);
	if (!ret) {
		WRITE_ONCE(t->time_cpu, -1);	/* pvclock rewritten there on next entry */
		pvhv_xen_assert_upcall(t);	/* as Xen's arch_evtchn_inject() */
	}
	return ret;
}

/* Compat (32-bit caller) layout of struct sched_poll. */
struct compat_sched_poll {
	u32 ports;
	u32 nr_ports;
	u64 timeout;
};

static bool pvhv_poll_done(struct pvhv_vcpu *v)
{
	unsigned long *pending = evtchn_pending(v->d);
	u32 i;

	for (i = 0; i < v->nr_poll_ports; i++)
		if (v->poll_ports[i] < nr_ports(v->d) &&
		    test_bit(array_index_nospec(v->poll_ports[i], nr_ports(v->d)), pending))
			return true;
	return false;
}

/*
 * SCHEDOP_poll: sleep until one of the ports is pending (masked or not) or
 * the absolute system time @timeout (0: none) passes. As Xen: at most 128
 * ports, each a valid port; returns 0 either way. One sleep per execution:
 * woken for anything else (a pause, the thread stopping), the poll is
 * continued with the same arguments (../core.h), so its thread parks or
 * stops in its own loop, and the poll goes on after an unpause (re-reading
 * its ports; its timeout is absolute).
 */
long pvhv_xen_poll(struct pvhv_vcpu *v, u64 arg, bool compat)
{
	bool expired = false;
	u64 ports, timeout;
	u32 nr, i;
	long ret = 0;

	if (compat) {
		struct compat_sched_poll p;

		if (pvhv_copy_from_guest(v, &p, arg, sizeof(p)))
			return -EFAULT;
		ports = p.ports, nr = p.nr_ports, timeout = p.timeout;
	} else {
		struct sched_poll p;

		if (pvhv_copy_from_guest(v, &p, arg, sizeof(p)))
			return -EFAULT;
		ports = (u64)(unsigned long)p.ports, nr = p.nr_ports, timeout = p.timeout;
	}
	if (nr > ARRAY_SIZE(v->poll_ports))
		return -EINVAL;
	if (pvhv_copy_from_guest(v, v->poll_ports, ports, nr * sizeof(u32)))
		return -EFAULT;
	for (i = 0; i < nr; i++)
		if (!port_addressable(v->d, &v->poll_ports[i]))
			return -EINVAL;

	atomic_inc(&v->d->pollers);
	WRITE_ONCE(v->nr_poll_ports, nr);
	if (pvhv_poll_done(v) || (timeout && timeout <= pvhv_xen_now(v->d)))
		goto out;
	if (!READ_ONCE(v->d->runnable) || kthread_should_stop() || signal_pending(current))
		goto cont;	/* pausing or stopping: not now */
	pvhv_xen_runstate(v, RUNSTATE_blocked);
	if (timeout) {
		ktime_t left = ktime_sub(pvhv_xen_to_host(v->d, timeout), ktime_get());

		expired = wait_event_interruptible_hrtimeout(v->wq, pvhv_poll_done(v) ||
							     !READ_ONCE(v->d->runnable) ||
							     kthread_should_stop(),
							     left) == -ETIME;
	} else {
		wait_event_interruptible(v->wq, pvhv_poll_done(v) || !READ_ONCE(v->d->runnable) ||
					 kthread_should_stop());
	}
	pvhv_xen_runstate(v, RUNSTATE_running);
	if (expired || pvhv_poll_done(v) || (timeout && timeout <= pvhv_xen_now(v->d)))
		goto out;
cont:
	ret = pvhv_hcall_continue(v);	/* the same arguments again */
out:
	WRITE_ONCE(v->nr_poll_ports, 0);
	atomic_dec(&v->d->pollers);
	return ret;
}

void pvhv_xen_send_virq(struct pvhv_vcpu *v, u32 virq)
{
	struct pvhv_domain *d = v->d;
	unsigned long flags;
	u32 port;

	spin_lock_irqsave(&d->evtchn_lock, flags);
	port = v->virq_port[virq];
	if (port)
		pvhv_evtchn_set_pending(d, port);
	spin_unlock_irqrestore(&d->evtchn_lock, flags);
}

/* A free port, or -ENOSPC. evtchn_lock held. */
static int get_free_port(struct pvhv_domain *d)
{
	u32 p;

	for (p = 1; p < nr_ports(d); p++)
		if (d->evtchn[p].state == EVTCHNSTAT_closed)
			return p;
	return -ENOSPC;
}

static long check_dom(struct pvhv_vcpu *v, domid_t dom)
{
	if (dom == DOMID_SELF || dom == v->d->domid)
		return 0;
	return pvhv_domid_exists(dom) ? -EPERM : -ESRCH;
}

/* Both domains' locks, lower domid first (core.h); the same domain once. */
static void lock_pair(struct pvhv_domain *a, struct pvhv_domain *b, unsigned long *flags)
{
	if (a == b) {
		spin_lock_irqsave(&a->evtchn_lock, *flags);
		return;
	}
	if (a->domid > b->domid)
		swap(a, b);
	spin_lock_irqsave(&a->evtchn_lock, *flags);
	spin_lock_nested(&b->evtchn_lock, SINGLE_DEPTH_NESTING);
}

static void unlock_pair(struct pvhv_domain *a, struct pvhv_domain *b, unsigned long flags)
{
	if (a == b) {
		spin_unlock_irqrestore(&a->evtchn_lock, flags);
		return;
	}
	if (a->domid > b->domid)
		swap(a, b);
	spin_unlock(&b->evtchn_lock);
	spin_unlock_irqrestore(&a->evtchn_lock, flags);
}

/* Close @port, evtchn_lock held; the peer of a loopback goes back to unbound. */
static long close_port(struct pvhv_domain *d, u32 port)
{
	struct pvhv_evtchn *c = &d->evtchn[port];
	struct pvhv_vcpu *v;

	if (!port_valid(d, &port))
		return -EINVAL;
	switch (c->state) {
	case EVTCHNSTAT_virq:
		v = c->vcpu < d->max_vcpus ? d->vcpus[c->vcpu] : NULL;
		if (v && v->virq_port[c->virq] == port)
			v->virq_port[c->virq] = 0;
		break;
	case EVTCHNSTAT_interdomain:
		if (c->host) {
			pvhv_host_evtchn_detach(c->host, c->remote_port);
		} else if (!c->rd && port_valid(d, &c->remote_port) &&
			   d->evtchn[c->remote_port].state == EVTCHNSTAT_interdomain) {
			d->evtchn[c->remote_port].state = EVTCHNSTAT_unbound;
			d->evtchn[c->remote_port].remote_domid = d->domid;
		}
		break;
	}
	memset(c, 0, sizeof(*c));
	if (port < nr_ports(d))
		clear_bit(port, evtchn_pending(d));
	return 0;
}

static long pvhv_evtchn_op_locked(struct pvhv_vcpu *v, int cmd, void *a)
{
	struct pvhv_domain *d = v->d;
	struct pvhv_evtchn *c;
	long ret;
	int p;

	switch (cmd) {
	case EVTCHNOP_alloc_unbound: {
		struct evtchn_alloc_unbound *u = a;

		ret = check_dom(v, u->dom);
		if (ret)
			return ret;
		p = get_free_port(d);
		if (p < 0)
			return p;
		c = &d->evtchn[p];
		c->state = EVTCHNSTAT_unbound;
		c->remote_domid = u->remote_dom == DOMID_SELF ? d->domid : u->remote_dom;
		u->port = p;
		return 0;
	}
	case EVTCHNOP_bind_interdomain: {
		struct evtchn_bind_interdomain *b = a;
		domid_t rdom = b->remote_dom == DOMID_SELF ? d->domid : b->remote_dom;

		if (rdom != d->domid)
			return -EXDEV;	/* handled by bind_interdomain_foreign() */
		if (!port_valid(d, &b->remote_port))
			return -EINVAL;
		c = &d->evtchn[b->remote_port];
		if (c->state != EVTCHNSTAT_unbound || c->remote_domid != d->domid)
			return -EINVAL;
		p = get_free_port(d);
		if (p < 0)
			return p;
		d->evtchn[p].state = EVTCHNSTAT_interdomain;
		d->evtchn[p].remote_port = b->remote_port;
		d->evtchn[p].remote_domid = d->domid;
		c->state = EVTCHNSTAT_interdomain;
		c->remote_port = p;
		b->local_port = p;
		/* As Xen: the new channel starts pending, the binder may have missed an event. */
		pvhv_evtchn_set_pending(d, p);
		return 0;
	}
	case EVTCHNOP_bind_virq: {
		struct evtchn_bind_virq *b = a;
		struct pvhv_vcpu *t;

		if (b->virq >= NR_VIRQS)
			return -EINVAL;
		b->virq = array_index_nospec(b->virq, NR_VIRQS);
		if (b->virq != VIRQ_TIMER && b->virq != VIRQ_DEBUG && b->virq != VIRQ_CONSOLE &&
		    b->virq != VIRQ_DOM_EXC)
			return -EINVAL;
		/* Per-vCPU VIRQs as Xen's virq_is_global() (common/event_channel.c); global ones on vCPU 0. */
		if (b->virq != VIRQ_TIMER && b->virq != VIRQ_DEBUG && b->vcpu != 0)
			return -EINVAL;
		t = pvhv_vcpu_lookup(d, b->vcpu);
		if (!t)
			return -ENOENT;
		if (t->virq_port[b->virq])
			return -EEXIST;
		p = get_free_port(d);
		if (p < 0)
			return p;
		d->evtchn[p].state = EVTCHNSTAT_virq;
		d->evtchn[p].virq = b->virq;
		d->evtchn[p].vcpu = b->vcpu;
		t->virq_port[b->virq] = p;
		b->port = p;
		return 0;
	}
	case EVTCHNOP_bind_ipi: {
		struct evtchn_bind_ipi *b = a;

		if (!pvhv_vcpu_lookup(d, b->vcpu))
			return -ENOENT;
		p = get_free_port(d);
		if (p < 0)
			return p;
		d->evtchn[p].state = EVTCHNSTAT_ipi;
		d->evtchn[p].vcpu = b->vcpu;
		b->port = p;
		return 0;
	}
	case EVTCHNOP_status: {
		struct evtchn_status *st = a;

		ret = check_dom(v, st->dom);
		if (ret)
			return ret;
		if (!port_addressable(d, &st->port))
			return -EINVAL;	/* as Xen: beyond the layout's ports, unless in use */
		c = &d->evtchn[st->port];
		memset(&st->u, 0, sizeof(st->u));
		st->status = c->state;
		st->vcpu = c->vcpu;
		if (c->state == EVTCHNSTAT_unbound) {
			st->u.unbound.dom = c->remote_domid;
		} else if (c->state == EVTCHNSTAT_interdomain) {
			st->u.interdomain.dom = c->remote_domid;
			st->u.interdomain.port = c->remote_port;
		} else if (c->state == EVTCHNSTAT_virq) {
			st->u.virq = c->virq;
		}
		return 0;
	}
	case EVTCHNOP_bind_vcpu: {
		struct evtchn_bind_vcpu *b = a;

		if (!port_valid(d, &b->port))
			return -EINVAL;
		if (!pvhv_vcpu_lookup(d, b->vcpu))
			return -ENOENT;
		c = &d->evtchn[b->port];
		if (c->state == EVTCHNSTAT_ipi ||
		    (c->state == EVTCHNSTAT_virq && c->virq == VIRQ_TIMER))
			return -EINVAL;	/* per-vCPU by nature */
		c->vcpu = b->vcpu;
		return 0;
	}
	case EVTCHNOP_unmask: {
		u32 port = ((struct evtchn_unmask *)a)->port;
		bool compat = shinfo_compat(d);

		if (!port_valid(d, &port))
			return -EINVAL;
		if (port >= layout_ports(compat))
			return 0;	/* no bits in this layout */
		if (test_and_clear_bit(port, evtchn_mask(d, compat)) &&
		    test_bit(port, evtchn_pending(d))) {
			/* Re-raise through the selector and upcall. */
			clear_bit(port, evtchn_pending(d));
			pvhv_evtchn_set_pending(d, port);
		}
		return 0;
	}
	default:
		return -ENOSYS;
	}
}

static long bind_interdomain_foreign(struct pvhv_domain *d, struct evtchn_bind_interdomain *b)
{
	struct pvhv_domain *rd = pvhv_domain_get_by_id(b->remote_dom);
	struct pvhv_evtchn *rc, *lc;
	unsigned long flags;
	long ret = -EINVAL;
	int p;

	if (!rd)
		return -ESRCH;	/* the host (0) and unknown domains */
	if (rd == d) {		/* our own id, not DOMID_SELF: a loopback */
		pvhv_domain_unref(rd);
		return -EXDEV;
	}
	lock_pair(d, rd, &flags);
	if (!port_valid(rd, &b->remote_port))
		goto out_unlock;
	rc = &rd->evtchn[b->remote_port];
	if (rc->state != EVTCHNSTAT_unbound || rc->remote_domid != d->domid)
		goto out_unlock;
	p = get_free_port(d);
	if (p < 0) {
		ret = p;
		goto out_unlock;
	}
	lc = &d->evtchn[p];
	lc->state = EVTCHNSTAT_interdomain;
	lc->remote_domid = rd->domid;
	lc->remote_port = b->remote_port;
	lc->rd = rd;			/* keeps the lookup's reference */
	rc->state = EVTCHNSTAT_interdomain;
	rc->remote_domid = d->domid;
	rc->remote_port = p;
	rc->rd = d;
	pvhv_domain_ref(d);		/* the peer's end holds one on us */
	b->local_port = p;
	pvhv_evtchn_set_pending(d, p);
	ret = 0;
out_unlock:
	unlock_pair(d, rd, flags);
	if (ret)
		pvhv_domain_unref(rd);	/* on success the channel keeps it */
	return ret;
}

/* Send: the peer of a channel to another domain is raised under its own lock. */
static long pvhv_evtchn_send(struct pvhv_domain *d, u32 port)
{
	struct pvhv_domain *rd = NULL;
	unsigned long flags;
	u32 rport = 0;
	long ret = 0;

	spin_lock_irqsave(&d->evtchn_lock, flags);
	if (!port_valid(d, &port)) {
		ret = -EINVAL;
	} else {
		struct pvhv_evtchn *c = &d->evtchn[port];

		switch (c->state) {
		case EVTCHNSTAT_interdomain:
			if (c->host) {
				pvhv_host_evtchn_fire(c->host, c->remote_port);
			} else if (c->rd) {
				rd = c->rd;
				rport = c->remote_port;
				pvhv_domain_ref(rd);
			} else {
				pvhv_evtchn_set_pending(d, c->remote_port);
			}
			break;
		case EVTCHNSTAT_ipi:
			pvhv_evtchn_set_pending(d, port);
			break;
		case EVTCHNSTAT_unbound:
			break;	/* silently dropped, as Xen */
		default:
			ret = -EINVAL;
		}
	}
	spin_unlock_irqrestore(&d->evtchn_lock, flags);
	if (!rd)
		return ret;
	spin_lock_irqsave(&rd->evtchn_lock, flags);
	if (rd->evtchn[rport].state == EVTCHNSTAT_interdomain && rd->evtchn[rport].rd == d &&
	    rd->evtchn[rport].remote_port == port)
		pvhv_evtchn_set_pending(rd, rport);
	spin_unlock_irqrestore(&rd->evtchn_lock, flags);
	pvhv_domain_unref(rd);
	return 0;
}

/* Close: a channel to another domain leaves the peer's end unbound. */
static long pvhv_evtchn_close(struct pvhv_domain *d, u32 port)
{
	struct pvhv_domain *rd = NULL, *drop[2] = { NULL, NULL };
	unsigned long flags;
	long ret;

	spin_lock_irqsave(&d->evtchn_lock, flags);
	if (port_valid(d, &port) && d->evtchn[port].state == EVTCHNSTAT_interdomain &&
	    d->evtchn[port].rd) {
		rd = d->evtchn[port].rd;
		pvhv_domain_ref(rd);
	}
	spin_unlock_irqrestore(&d->evtchn_lock, flags);

	lock_pair(d, rd ? rd : d, &flags);
	if (rd && d->evtchn[port].state == EVTCHNSTAT_interdomain && d->evtchn[port].rd == rd) {
		struct pvhv_evtchn *rc = &rd->evtchn[d->evtchn[port].remote_port];

		if (rc->state == EVTCHNSTAT_interdomain && rc->rd == d && rc->remote_port == port) {
			rc->state = EVTCHNSTAT_unbound;
			rc->remote_domid = d->domid;
			rc->remote_port = 0;
			rc->rd = NULL;
			drop[0] = d;	/* the peer's reference on us */
		}
		drop[1] = rd;		/* ours on the peer */
		d->evtchn[port].rd = NULL;
		d->evtchn[port].state = EVTCHNSTAT_unbound;	/* close_port() clears it */
	}
	ret = close_port(d, port);
	unlock_pair(d, rd ? rd : d, flags);
	if (drop[0])
		pvhv_domain_unref(drop[0]);
	if (drop[1])
		pvhv_domain_unref(drop[1]);
	if (rd)
		pvhv_domain_unref(rd);
	return ret;
}

void pvhv_xen_evtchn_destroy(struct pvhv_domain *d)
{
	u32 p;

	for (p = 1; p < PVHV_EVTCHN_PORTS; p++)
		if (READ_ONCE(d->evtchn[p].state) != EVTCHNSTAT_closed)
			pvhv_evtchn_close(d, p);
}

long pvhv_xen_evtchn_op(struct pvhv_vcpu *v, u64 cmd, u64 arg)
{
	static const u8 size[] = {
		[EVTCHNOP_bind_interdomain] = sizeof(struct evtchn_bind_interdomain),
		[EVTCHNOP_bind_virq] = sizeof(struct evtchn_bind_virq),
		[EVTCHNOP_close] = sizeof(struct evtchn_close),
		[EVTCHNOP_send] = sizeof(struct evtchn_send),
		[EVTCHNOP_status] = sizeof(struct evtchn_status),
		[EVTCHNOP_alloc_unbound] = sizeof(struct evtchn_alloc_unbound),
		[EVTCHNOP_bind_ipi] = sizeof(struct evtchn_bind_ipi),
		[EVTCHNOP_bind_vcpu] = sizeof(struct evtchn_bind_vcpu),
		[EVTCHNOP_unmask] = sizeof(struct evtchn_unmask),
		[EVTCHNOP_reset] = sizeof(struct evtchn_reset),
	};
	struct pvhv_domain *d = v->d;
	unsigned long flags;
	u8 buf[64];
	long ret;

	if (cmd == EVTCHNOP_init_control) {
		struct evtchn_init_control ic;

		/* No FIFO ABI: -EINVAL for a bad control gfn, else -ENOSYS (2-level). */
		if (pvhv_copy_from_guest(v, &ic, arg, sizeof(ic)))
			return -EFAULT;
		return ic.control_gfn >= d->nr_pages ? -EINVAL : -ENOSYS;
	}
	if (cmd >= ARRAY_SIZE(size) || !size[cmd])
		return -ENOSYS;
	if (pvhv_copy_from_guest(v, buf, arg, size[cmd]))
		return -EFAULT;
	switch (cmd) {
	case EVTCHNOP_send:
		return pvhv_evtchn_send(d, ((struct evtchn_send *)buf)->port);
	case EVTCHNOP_close:
		return pvhv_evtchn_close(d, ((struct evtchn_close *)buf)->port);
	case EVTCHNOP_reset: {
		u32 p, closed = 0;

		ret = check_dom(v, ((struct evtchn_reset *)buf)->dom);
		if (ret)
			return ret;
		/* Continued as Xen's evtchn_reset(): again from the start, where
		 * the ports closed already are skipped. */
		for (p = 1; p < PVHV_EVTCHN_PORTS; p++) {
			if (READ_ONCE(d->evtchn[p].state) == EVTCHNSTAT_closed)
				continue;
			if (closed++ && pvhv_hcall_preempt_check(v))
				return pvhv_hcall_continue(v);
			pvhv_evtchn_close(d, p);
			pvhv_hcall_work(v, 1);
		}
		return 0;
	}
	}
	spin_lock_irqsave(&d->evtchn_lock, flags);
	ret = pvhv_evtchn_op_locked(v, (int)cmd, buf);
	spin_unlock_irqrestore(&d->evtchn_lock, flags);
	if (ret == -EXDEV)
		ret = bind_interdomain_foreign(d, (struct evtchn_bind_interdomain *)buf);
	/* Results (ports, status) go back; as Xen, after the operation. */
	if (!ret && cmd != EVTCHNOP_unmask &&
	    pvhv_copy_to_guest(v, arg, buf, size[cmd]))
		return -EFAULT;
	return ret;
}

/* --- hvm_op: parameters ------------------------------------------------ */

/* Which parameters a guest may read or write itself (Xen's hvm_allow_*_param). */
static bool guest_may_set(u32 index)
{
	switch (index) {
	case HVM_PARAM_CALLBACK_IRQ:
	case HVM_PARAM_STORE_EVTCHN:
	case HVM_PARAM_CONSOLE_EVTCHN:
	case 15:	/* HVM_PARAM_VM86_TSS */
	case 19:	/* HVM_PARAM_ACPI_IOPORTS_LOCATION */
	case 34:	/* HVM_PARAM_VM_GENERATION_ID_ADDR */
	case 36:	/* HVM_PARAM_X87_FIP_WIDTH */
	case 37:	/* HVM_PARAM_VM86_TSS_SIZED */
		return true;
	default:
		return false;
	}
}

static bool guest_may_get(u32 index)
{
	return guest_may_set(index) || index == HVM_PARAM_STORE_PFN ||
	       index == HVM_PARAM_CONSOLE_PFN || index == 35 /* HVM_PARAM_ALTP2M */;
}

/* Set a parameter (evtchn_lock held); the callback gets its own checks. */
static long set_param_locked(struct pvhv_domain *d, u32 index, u64 value)
{
	if (index == HVM_PARAM_CALLBACK_IRQ) {
		u64 type = value >> CALLBACK_VIA_TYPE_SHIFT;

		/*
		 * The vector form is delivered. A GSI or PCI INTx callback is
		 * accepted and delivers nothing, as Xen's hvm_set_callback_via()
		 * (arch/x86/hvm/irq.c) does for a domain without a virtual
		 * IOAPIC and PIC, such as a PVH one: Linux sets GSI 1 right
		 * after its per-vCPU upcall vector, "to trick the toolstack".
		 */
		if (type != HVM_PARAM_CALLBACK_TYPE_GSI &&
		    type != HVM_PARAM_CALLBACK_TYPE_PCI_INTX &&
		    (type != HVM_PARAM_CALLBACK_TYPE_VECTOR || (u8)value < 0x10))
			return -EINVAL;
		WRITE_ONCE(d->callback_irq, value);
	}
	d->hvm_params[index] = value;
	return 0;
}

long pvhv_xen_hvm_op(struct pvhv_vcpu *v, u64 cmd, u64 arg, bool compat)
{
	struct pvhv_domain *d = v->d;
	struct xen_hvm_param p;
	unsigned long flags;
	long ret;

	if (cmd == HVMOP_set_evtchn_upcall_vector) {
		struct xen_hvm_evtchn_upcall_vector uv;
		struct pvhv_vcpu *t;

		if (pvhv_copy_from_guest(v, &uv, arg, sizeof(uv)))
			return -EFAULT;
		if (uv.vector < 0x10)
			return -EINVAL;
		t = pvhv_vcpu_get(d, uv.vcpu, true);
		if (IS_ERR(t))
			return PTR_ERR(t);
		WRITE_ONCE(t->upcall_vector, uv.vector);
		pvhv_xen_assert_upcall(t);	/* as Xen's hvmop_set_evtchn_upcall_vector() */
		return 0;
	}
	if (cmd != HVMOP_set_param && cmd != HVMOP_get_param)
		return -ENOSYS;
	if (pvhv_copy_from_guest(v, &p, arg, sizeof(p)))
		return -EFAULT;
	ret = check_dom(v, p.domid);
	if (ret)
		return ret;
	if (p.index >= PVHV_HVM_NR_PARAMS)
		return -EINVAL;
	p.index = array_index_nospec(p.index, PVHV_HVM_NR_PARAMS);
	if (cmd == HVMOP_set_param) {
		if (!guest_may_set(p.index))
			return -EPERM;
		spin_lock_irqsave(&d->evtchn_lock, flags);
		ret = set_param_locked(d, p.index, p.value);
		spin_unlock_irqrestore(&d->evtchn_lock, flags);
		if (!ret && p.index == HVM_PARAM_CALLBACK_IRQ)
			pvhv_xen_latch_shinfo(v, compat);
		return ret;
	}
	if (!guest_may_get(p.index))
		return -EPERM;
	spin_lock_irqsave(&d->evtchn_lock, flags);
	p.value = d->hvm_params[p.index];
	spin_unlock_irqrestore(&d->evtchn_lock, flags);
	return pvhv_copy_to_guest(v, arg, &p, sizeof(p)) ? -EFAULT : 0;
}

long pvhv_hvm_param_ioctl(struct pvhv_domain *d, unsigned int cmd, void __user *arg)
{
	struct pvhv_hvm_param p;
	unsigned long flags;
	long ret = 0;

	if (copy_from_user(&p, arg, sizeof(p)))
		return -EFAULT;
	if (p.flags || !pvhv_all_zero(p.reserved, sizeof(p.reserved)) ||
	    p.index >= PVHV_HVM_NR_PARAMS)
		return -EINVAL;
	p.index = array_index_nospec(p.index, PVHV_HVM_NR_PARAMS);
	spin_lock_irqsave(&d->evtchn_lock, flags);
	if (cmd == PVHV_DOMAIN_SET_HVM_PARAM)
		ret = set_param_locked(d, p.index, p.value);
	else
		p.value = d->hvm_params[p.index];
	spin_unlock_irqrestore(&d->evtchn_lock, flags);
	if (ret || cmd == PVHV_DOMAIN_SET_HVM_PARAM)
		return ret;
	return copy_to_user(arg, &p, sizeof(p)) ? -EFAULT : 0;
}

/* --- timers ------------------------------------------------------------ */

static enum hrtimer_restart pvhv_timer_fire(struct hrtimer *t)
{
	struct pvhv_vcpu *v = container_of(t, struct pvhv_vcpu, timer);

	pvhv_xen_send_virq(v, VIRQ_TIMER);
	return HRTIMER_NORESTART;
}

static enum hrtimer_restart pvhv_periodic_fire(struct hrtimer *t)
{
	struct pvhv_vcpu *v = container_of(t, struct pvhv_vcpu, periodic);

	pvhv_xen_send_virq(v, VIRQ_TIMER);
	hrtimer_forward_now(t, ns_to_ktime(READ_ONCE(v->period_ns)));
	return HRTIMER_RESTART;
}

void pvhv_xen_timer_init(struct pvhv_vcpu *v)
{
	hrtimer_init(&v->timer, CLOCK_MONOTONIC, HRTIMER_MODE_ABS);
	v->timer.function = pvhv_timer_fire;
	hrtimer_init(&v->periodic, CLOCK_MONOTONIC, HRTIMER_MODE_REL);
	v->periodic.function = pvhv_periodic_fire;
}

void pvhv_xen_timer_stop(struct pvhv_vcpu *v)
{
	hrtimer_cancel(&v->timer);
	hrtimer_cancel(&v->periodic);
}

/* As Xen: a period below 1 ms is refused (-EINVAL); 0 stops the timer. */
long pvhv_xen_set_periodic(struct pvhv_vcpu *v, u64 period_ns)
{
	hrtimer_cancel(&v->periodic);
	if (!period_ns)
		return 0;
	if (period_ns < NSEC_PER_MSEC || period_ns > (u64)KTIME_MAX / 2)
		return -EINVAL;
	WRITE_ONCE(v->period_ns, period_ns);
	hrtimer_start(&v->periodic, ns_to_ktime(period_ns), HRTIMER_MODE_REL);
	return 0;
}

/*
 * Absolute guest system time (ns); 0 stops the timer. A deadline that has
 * passed raises VIRQ_TIMER now, as Xen's set_timer() of a past time does
 * (its timer softirq runs at once): no host timer interrupt for a guest that
 * re-arms its timer in the past in a loop.
 */
long pvhv_xen_set_timer(struct pvhv_vcpu *v, u64 deadline)
{
	if (!deadline || deadline <= pvhv_xen_now(v->d)) {
		hrtimer_cancel(&v->timer);
		if (deadline)
			pvhv_xen_send_virq(v, VIRQ_TIMER);
		return 0;
	}
	hrtimer_start(&v->timer, pvhv_xen_to_host(v->d, deadline), HRTIMER_MODE_ABS);
	return 0;
}
