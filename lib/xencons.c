// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The PV console backend (see pvhv_console.h). The server keeps its own
 * out_cons and in_prod; the guest's out_prod and in_cons are read once per
 * pass and must not claim more than a ring's worth.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <xen/xen.h>
#include <xen/io/console.h>

#include "pvhv_console.h"

#define PVHV_API __attribute__((visibility("default")))

struct pvhv_cons {
	struct xencons_interface *intf;
	void (*notify)(void *opaque);
	void *opaque;
	uint32_t out_cons, in_prod;	/* ours */
	bool failed;
	uint8_t *log;
	size_t log_size;
	uint64_t head;			/* stream position after the newest byte */
	uint8_t input[PVHV_CONS_INPUT_MAX];
	size_t in_len;
};

static uint32_t load_acquire(volatile uint32_t *p)
{
	return __atomic_load_n(p, __ATOMIC_ACQUIRE);
}

static void store_release(volatile uint32_t *p, uint32_t v)
{
	__atomic_store_n(p, v, __ATOMIC_RELEASE);
}

PVHV_API int pvhv_cons_new(struct xencons_interface *intf, void (*notify)(void *opaque),
			   void *opaque, size_t log_size, struct pvhv_cons **out)
{
	struct pvhv_cons *c;

	if (!intf || !out || log_size < 4096 || log_size > (64u << 20))
		return -EINVAL;
	c = calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	c->log = malloc(log_size);
	if (!c->log) {
		free(c);
		return -ENOMEM;
	}
	c->intf = intf;
	c->notify = notify;
	c->opaque = opaque;
	c->log_size = log_size;
	/* Continue where a previous backend (a restarted daemon) left off. */
	c->out_cons = load_acquire(&intf->out_cons);
	c->in_prod = load_acquire(&intf->in_prod);
	*out = c;
	return 0;
}

PVHV_API void pvhv_cons_free(struct pvhv_cons *c)
{
	if (!c)
		return;
	free(c->log);
	free(c);
}

PVHV_API void pvhv_cons_log_append(struct pvhv_cons *c, const void *buf, size_t len)
{
	const uint8_t *p = buf;

	if (!c || !buf)
		return;
	if (len > c->log_size) {	/* only the newest fit */
		p += len - c->log_size;
		c->head += len - c->log_size;
		len = c->log_size;
	}
	while (len) {
		size_t at = (size_t)(c->head % c->log_size), n = c->log_size - at;

		if (n > len)
			n = len;
		memcpy(c->log + at, p, n);
		p += n;
		len -= n;
		c->head += n;
	}
}

PVHV_API int pvhv_cons_event(struct pvhv_cons *c)
{
	struct xencons_interface *intf;
	uint32_t prod, cons, n, i;
	bool kick = false;
	uint8_t buf[sizeof(intf->out)];

	if (!c)
		return -EINVAL;
	if (c->failed)
		return -EPROTO;
	intf = c->intf;
	/* Output: the guest's out_prod against our out_cons. */
	prod = load_acquire(&intf->out_prod);
	n = prod - c->out_cons;
	if (n > sizeof(intf->out)) {
		c->failed = true;
		return -EPROTO;
	}
	for (i = 0; i < n; i++)
		buf[i] = (uint8_t)intf->out[MASK_XENCONS_IDX(c->out_cons + i, intf->out)];
	if (n) {
		c->out_cons = prod;
		store_release(&intf->out_cons, c->out_cons);
		pvhv_cons_log_append(c, buf, n);
		kick = true;
	}
	/* Input: our in_prod against the guest's in_cons. */
	cons = load_acquire(&intf->in_cons);
	if (c->in_prod - cons > sizeof(intf->in)) {
		c->failed = true;
		return -EPROTO;
	}
	if (c->in_len) {
		uint32_t space = (uint32_t)sizeof(intf->in) - (c->in_prod - cons), k;

		if (space > c->in_len)
			space = (uint32_t)c->in_len;
		for (k = 0; k < space; k++)
			intf->in[MASK_XENCONS_IDX(c->in_prod + k, intf->in)] = (char)c->input[k];
		if (space) {
			memmove(c->input, c->input + space, c->in_len - space);
			c->in_len -= space;
			c->in_prod += space;
			store_release(&intf->in_prod, c->in_prod);
			kick = true;
		}
	}
	if (kick && c->notify)
		c->notify(c->opaque);
	return (int)n;
}

PVHV_API size_t pvhv_cons_input(struct pvhv_cons *c, const void *buf, size_t len)
{
	size_t n;

	if (!c || !buf || c->failed)
		return 0;
	n = sizeof(c->input) - c->in_len;
	if (n > len)
		n = len;
	memcpy(c->input + c->in_len, buf, n);
	c->in_len += n;
	return n;
}

PVHV_API size_t pvhv_cons_input_pending(const struct pvhv_cons *c)
{
	return c ? c->in_len : 0;
}

PVHV_API uint64_t pvhv_cons_head(const struct pvhv_cons *c)
{
	return c ? c->head : 0;
}

PVHV_API uint64_t pvhv_cons_tail(const struct pvhv_cons *c)
{
	if (!c)
		return 0;
	return c->head > c->log_size ? c->head - c->log_size : 0;
}

PVHV_API size_t pvhv_cons_read(const struct pvhv_cons *c, uint64_t *pos, void *buf, size_t len,
			       uint64_t *lost)
{
	uint64_t tail, p;
	size_t got = 0;

	if (lost)
		*lost = 0;
	if (!c || !pos || (!buf && len))
		return 0;
	tail = pvhv_cons_tail(c);
	p = *pos;
	if (p < tail) {
		if (lost)
			*lost = tail - p;
		p = tail;
	}
	if (p > c->head)
		p = c->head;
	while (got < len && p < c->head) {
		size_t at = (size_t)(p % c->log_size), n = c->log_size - at;

		if (n > len - got)
			n = len - got;
		if (n > c->head - p)
			n = (size_t)(c->head - p);
		memcpy((uint8_t *)buf + got, c->log + at, n);
		got += n;
		p += n;
	}
	*pos = p;
	return got;
}
