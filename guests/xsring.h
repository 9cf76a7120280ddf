/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The test guests' side of xenstore and the PV console, as a PVH guest
 * finds them: HVM_PARAM_STORE/CONSOLE_PFN and _EVTCHN (set by the
 * toolstack), rings in those pages, event channels to domain 0. Waiting is
 * SCHEDOP_poll on the port with a pvclock deadline, so a silent host makes a
 * check fail instead of hanging the guest. Header-only: each guest is one
 * source file.
 */
#ifndef PVHV_GUEST_XSRING_H
#define PVHV_GUEST_XSRING_H

#include <stdbool.h>

#include "rt.h"
#include <xen/event_channel.h>
#include <xen/hvm/hvm_op.h>
#include <xen/hvm/params.h>
#include <xen/memory.h>
#include <xen/io/console.h>

/* Linux's values, for xs_wire.h's table of error names. */
#define EPERM 1
#define ENOENT 2
#define EIO 5
#define E2BIG 7
#define EAGAIN 11
#define ENOMEM 12
#define EACCES 13
#define EBUSY 16
#define EEXIST 17
#define EISDIR 21
#define EINVAL 22
#define ENOSPC 28
#define EROFS 30
#define ENOSYS 38
#define ENOTEMPTY 39
#define EISCONN 106
#define ETIMEDOUT 110	/* the guest gave up waiting */
#include <xen/io/xs_wire.h>

#define XSG_SHINFO_GFN	0x500
#define XSG_MS		1000000ULL

static volatile struct shared_info *const xsg_sh = (volatile void *)(XSG_SHINFO_GFN << 12);

static inline long xsg_evtchn_op(int cmd, void *arg)
{
	return rt_hypercall(__HYPERVISOR_event_channel_op, cmd, (unsigned long)arg, 0);
}

static inline long xsg_get_param(uint32_t index, uint64_t *value)
{
	struct xen_hvm_param p = { .domid = DOMID_SELF, .index = index };
	long r = rt_hypercall(__HYPERVISOR_hvm_op, HVMOP_get_param, (unsigned long)&p, 0);

	*value = p.value;
	return r;
}

static inline void xsg_notify(uint32_t port)
{
	struct evtchn_send s = { .port = port };

	xsg_evtchn_op(EVTCHNOP_send, &s);
}

/* shared_info for pvclock and the pending bits (no upcalls: ports are polled). */
static inline void xsg_init_shinfo(void)
{
	struct xen_add_to_physmap xatp = { .domid = DOMID_SELF, .space = XENMAPSPACE_shared_info,
					   .gpfn = XSG_SHINFO_GFN };

	ASSERT(rt_hypercall(__HYPERVISOR_memory_op, XENMEM_add_to_physmap, (unsigned long)&xatp, 0) == 0);
}

static inline uint64_t xsg_now(void)
{
	return rt_pvclock_ns(&xsg_sh->vcpu_info[0].time, 0);
}

/* Sleep until @port fires or @deadline (pvclock ns); clears the pending bit. */
static inline void xsg_wait(uint32_t port, uint64_t deadline)
{
	evtchn_port_t p = port;
	struct sched_poll sp = { .nr_ports = 1, .timeout = deadline };

	set_xen_guest_handle(sp.ports, &p);
	sched_op(SCHEDOP_poll, &sp);
	__atomic_and_fetch(&xsg_sh->evtchn_pending[port / 64], ~(1UL << (port % 64)),
			   __ATOMIC_SEQ_CST);
}

/* --- xenstore ------------------------------------------------------------ */

struct xsg {
	volatile struct xenstore_domain_interface *ring;
	uint32_t port;
	uint32_t req_id;
	/* watch events seen while waiting for replies */
	unsigned int nevents;
	char ev_path[8][128], ev_token[8][32];
	unsigned int ev_head;
};

static inline int xsg_strcmp(const char *a, const char *b)
{
	while (*a && *a == *b)
		a++, b++;
	return (unsigned char)*a - (unsigned char)*b;
}

static inline void xsg_copy(char *dst, const char *src, size_t n)
{
	size_t i;

	for (i = 0; i + 1 < n && src[i]; i++)
		dst[i] = src[i];
	dst[i] = '\0';
}

static inline void xsg_init(struct xsg *x)
{
	uint64_t pfn = 0, port = 0;

	memset(x, 0, sizeof(*x));
	ASSERT(xsg_get_param(HVM_PARAM_STORE_PFN, &pfn) == 0 && pfn);
	ASSERT(xsg_get_param(HVM_PARAM_STORE_EVTCHN, &port) == 0 && port);
	x->ring = (volatile void *)(uintptr_t)(pfn << 12);
	x->port = (uint32_t)port;
}

static inline int xsg_put(struct xsg *x, const void *data, uint32_t len, uint64_t deadline)
{
	const char *p = data;

	while (len) {
		uint32_t cons = __atomic_load_n(&x->ring->req_cons, __ATOMIC_ACQUIRE);
		uint32_t prod = x->ring->req_prod, space = XENSTORE_RING_SIZE - (prod - cons), n, i;

		if (!space) {
			if (xsg_now() > deadline)
				return -1;
			xsg_wait(x->port, xsg_now() + 10 * XSG_MS);
			continue;
		}
		n = len < space ? len : space;
		for (i = 0; i < n; i++)
			x->ring->req[MASK_XENSTORE_IDX(prod + i)] = p[i];
		__atomic_store_n(&x->ring->req_prod, prod + n, __ATOMIC_RELEASE);
		xsg_notify(x->port);
		p += n;
		len -= n;
	}
	return 0;
}

static inline int xsg_get(struct xsg *x, void *data, uint32_t len, uint64_t deadline)
{
	char *p = data;

	while (len) {
		uint32_t prod = __atomic_load_n(&x->ring->rsp_prod, __ATOMIC_ACQUIRE);
		uint32_t cons = x->ring->rsp_cons, avail = prod - cons, n, i;

		if (!avail) {
			if (xsg_now() > deadline)
				return -1;
			xsg_wait(x->port, xsg_now() + 10 * XSG_MS);
			continue;
		}
		n = len < avail ? len : avail;
		for (i = 0; i < n; i++)
			p[i] = x->ring->rsp[MASK_XENSTORE_IDX(cons + i)];
		__atomic_store_n(&x->ring->rsp_cons, cons + n, __ATOMIC_RELEASE);
		xsg_notify(x->port);
		p += n;
		len -= n;
	}
	return 0;
}

/* Read one message; watch events are recorded. 0, or -1 on timeout. */
static inline int xsg_msg(struct xsg *x, struct xsd_sockmsg *h, char *buf, uint64_t deadline)
{
	if (xsg_get(x, h, sizeof(*h), deadline))
		return -1;
	ASSERT(h->len <= XENSTORE_PAYLOAD_MAX);
	if (xsg_get(x, buf, h->len, deadline))
		return -1;
	buf[h->len] = '\0';
	if (h->type == XS_WATCH_EVENT) {
		unsigned int slot = x->ev_head++ % 8;
		size_t pl = rt_strlen(buf);

		xsg_copy(x->ev_path[slot], buf, sizeof(x->ev_path[0]));
		xsg_copy(x->ev_token[slot], pl + 1 < h->len ? buf + pl + 1 : "",
			 sizeof(x->ev_token[0]));
		x->nevents++;
	}
	return 0;
}

/* -errno from an ERROR reply's name. */
static inline int xsg_errno(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(xsd_errors) / sizeof(xsd_errors[0]); i++)
		if (!xsg_strcmp(xsd_errors[i].errstring, name))
			return -xsd_errors[i].errnum;
	return -EIO;
}

/* One request; reply payload in @out (XENSTORE_PAYLOAD_MAX + 1 bytes). */
static inline int xsg_req(struct xsg *x, uint32_t type, uint32_t tx, const void *payload,
			  uint32_t len, char *out, uint32_t *olen)
{
	struct xsd_sockmsg h = { .type = type, .req_id = ++x->req_id, .tx_id = tx, .len = len };
	static char buf[XENSTORE_PAYLOAD_MAX + 1];
	uint64_t deadline = xsg_now() + 10000 * XSG_MS;
	struct xsd_sockmsg r;

	if (xsg_put(x, &h, sizeof(h), deadline) || xsg_put(x, payload, len, deadline))
		return -ETIMEDOUT;
	for (;;) {
		if (xsg_msg(x, &r, buf, deadline))
			return -ETIMEDOUT;
		if (r.type == XS_WATCH_EVENT)
			continue;
		if (r.req_id != h.req_id)
			continue;
		if (out) {
			memcpy(out, buf, r.len + 1);
			if (olen)
				*olen = r.len;
		}
		return r.type == XS_ERROR ? xsg_errno(buf) : 0;
	}
}

static inline uint32_t xsg_cat(char *buf, uint32_t at, const char *s)
{
	size_t n = rt_strlen(s);

	memcpy(buf + at, s, n + 1);
	return at + (uint32_t)n + 1;
}

static inline int xsg_read(struct xsg *x, uint32_t tx, const char *path, char *out)
{
	return xsg_req(x, XS_READ, tx, path, (uint32_t)rt_strlen(path) + 1, out, 0);
}

static inline int xsg_write(struct xsg *x, uint32_t tx, const char *path, const char *val)
{
	static char buf[XENSTORE_PAYLOAD_MAX];
	uint32_t n = xsg_cat(buf, 0, path), vl = (uint32_t)rt_strlen(val);

	memcpy(buf + n, val, vl);
	return xsg_req(x, XS_WRITE, tx, buf, n + vl, 0, 0);
}

static inline int xsg_path_op(struct xsg *x, uint32_t type, uint32_t tx, const char *path)
{
	static char out[XENSTORE_PAYLOAD_MAX + 1];

	return xsg_req(x, type, tx, path, (uint32_t)rt_strlen(path) + 1, out, 0);
}

static inline int xsg_two(struct xsg *x, uint32_t type, const char *a, const char *b)
{
	static char buf[XENSTORE_PAYLOAD_MAX];
	uint32_t n = xsg_cat(buf, 0, a);

	n = xsg_cat(buf, n, b);
	return xsg_req(x, type, 0, buf, n, 0, 0);
}

/* Wait for a watch event with @token whose path is @path; 0 or -1. */
static inline int xsg_wait_event(struct xsg *x, const char *path, const char *token,
				 unsigned int *seen, uint64_t timeout_ns)
{
	static char buf[XENSTORE_PAYLOAD_MAX + 1];
	uint64_t deadline = xsg_now() + timeout_ns;
	struct xsd_sockmsg r;

	for (;;) {
		while (*seen < x->nevents) {
			unsigned int slot = (*seen)++ % 8;

			if (!xsg_strcmp(x->ev_path[slot], path) && !xsg_strcmp(x->ev_token[slot], token))
				return 0;
		}
		if (xsg_msg(x, &r, buf, deadline))
			return -1;
	}
}

/* --- the PV console -------------------------------------------------------- */

struct xsg_cons {
	volatile struct xencons_interface *ring;
	uint32_t port;
};

static inline void xsg_cons_init(struct xsg_cons *c)
{
	uint64_t pfn = 0, port = 0;

	ASSERT(xsg_get_param(HVM_PARAM_CONSOLE_PFN, &pfn) == 0 && pfn);
	ASSERT(xsg_get_param(HVM_PARAM_CONSOLE_EVTCHN, &port) == 0 && port);
	c->ring = (volatile void *)(uintptr_t)(pfn << 12);
	c->port = (uint32_t)port;
}

static inline void xsg_cons_write(struct xsg_cons *c, const char *s, size_t n)
{
	while (n) {
		uint32_t cons = __atomic_load_n(&c->ring->out_cons, __ATOMIC_ACQUIRE);
		uint32_t prod = c->ring->out_prod, space = sizeof(c->ring->out) - (prod - cons), k;

		if (!space) {
			xsg_notify(c->port);
			xsg_wait(c->port, xsg_now() + 10 * XSG_MS);
			continue;
		}
		if (space > n)
			space = (uint32_t)n;
		for (k = 0; k < space; k++)
			c->ring->out[MASK_XENCONS_IDX(prod + k, c->ring->out)] = s[k];
		__atomic_store_n(&c->ring->out_prod, prod + space, __ATOMIC_RELEASE);
		s += space;
		n -= space;
	}
	xsg_notify(c->port);
}

static inline void xsg_cons_puts(struct xsg_cons *c, const char *s)
{
	xsg_cons_write(c, s, rt_strlen(s));
}

/* One input byte, or -1 after @deadline. */
static inline int xsg_cons_getc(struct xsg_cons *c, uint64_t deadline)
{
	for (;;) {
		uint32_t prod = __atomic_load_n(&c->ring->in_prod, __ATOMIC_ACQUIRE);
		uint32_t cons = c->ring->in_cons;

		if (prod != cons) {
			char ch = c->ring->in[MASK_XENCONS_IDX(cons, c->ring->in)];

			__atomic_store_n(&c->ring->in_cons, cons + 1, __ATOMIC_RELEASE);
			xsg_notify(c->port);
			return (unsigned char)ch;
		}
		if (xsg_now() > deadline)
			return -1;
		xsg_wait(c->port, xsg_now() + 50 * XSG_MS);
	}
}

#endif
