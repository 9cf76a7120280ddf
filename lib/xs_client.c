// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * A small client of the xenstored unix socket (the wire protocol of
 * xs_wire.h), for vmmctl and the tests: requests wait for their reply by
 * req_id; watch events arriving meanwhile are queued (bounded) for
 * pvhv_xsc_next_event(). Replies are as untrusted as any input: a payload
 * above XENSTORE_PAYLOAD_MAX or a closed socket gives -EIO.
 */
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "xs_internal.h"

#define XSC_MAX_EVENTS	4096
#define XSC_REPLY_MS	30000	/* a local server answers well within this */

struct xsc_event {
	struct xsc_event *next;
	char *buf;		/* path NUL token NUL */
	char *token;
};

struct pvhv_xsc {
	int fd;
	uint32_t req_id;
	struct xsc_event *ev, **ev_tail;
	size_t nev;
};

PVHV_API int pvhv_xsc_open(const char *path, struct pvhv_xsc **out)
{
	struct sockaddr_un sa;
	struct pvhv_xsc *c;
	int fd, ret;

	if (!out)
		return -EINVAL;
	if (!path)
		path = pvhv_xs_socket_path();
	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	strcpy(sa.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		ret = -errno;
		close(fd);
		return ret;
	}
	c = calloc(1, sizeof(*c));
	if (!c) {
		close(fd);
		return -ENOMEM;
	}
	c->fd = fd;
	c->ev_tail = &c->ev;
	*out = c;
	return 0;
}

PVHV_API void pvhv_xsc_close(struct pvhv_xsc *c)
{
	struct xsc_event *e, *next;

	if (!c)
		return;
	for (e = c->ev; e; e = next) {
		next = e->next;
		free(e->buf);
		free(e);
	}
	close(c->fd);
	free(c);
}

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Read exactly @len bytes before @deadline (-1: none). */
static int read_full(struct pvhv_xsc *c, void *buf, size_t len, int64_t deadline)
{
	size_t got = 0;

	while (got < len) {
		struct pollfd p = { .fd = c->fd, .events = POLLIN };
		int t = deadline < 0 ? -1 : (int)(deadline - now_ms());
		ssize_t r;

		if (deadline >= 0 && t < 0)
			t = 0;
		r = poll(&p, 1, t);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -errno;
		if (r == 0)
			return got ? -EIO : -ETIMEDOUT;	/* half a message is broken */
		r = read(c->fd, (char *)buf + got, len - got);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return -EIO;
		got += (size_t)r;
	}
	return 0;
}

static int write_full(struct pvhv_xsc *c, const void *buf, size_t len)
{
	size_t done = 0;

	while (done < len) {
		ssize_t w = send(c->fd, (const char *)buf + done, len - done, MSG_NOSIGNAL);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -EIO;
		done += (size_t)w;
	}
	return 0;
}

/* One message; *payload malloc()ed and NUL-terminated. */
static int read_msg(struct pvhv_xsc *c, struct xsd_sockmsg *h, char **payload, int64_t deadline)
{
	int ret = read_full(c, h, sizeof(*h), deadline);

	if (ret)
		return ret;
	if (h->len > XENSTORE_PAYLOAD_MAX)
		return -EIO;
	*payload = malloc(h->len + 1);
	if (!*payload)
		return -ENOMEM;
	ret = read_full(c, *payload, h->len, deadline < 0 ? -1 : now_ms() + XSC_REPLY_MS);
	if (ret) {
		free(*payload);
		return ret == -ETIMEDOUT ? -EIO : ret;
	}
	(*payload)[h->len] = '\0';
	return 0;
}

static void queue_event(struct pvhv_xsc *c, char *payload, uint32_t len)
{
	struct xsc_event *e;
	size_t pl = strnlen(payload, len);

	if (pl + 1 >= len || c->nev >= XSC_MAX_EVENTS || !(e = calloc(1, sizeof(*e)))) {
		free(payload);	/* malformed, or too many unread: dropped */
		return;
	}
	e->buf = payload;
	e->token = payload + pl + 1;
	*c->ev_tail = e;
	c->ev_tail = &e->next;
	c->nev++;
}

PVHV_API int pvhv_xsc_request(struct pvhv_xsc *c, uint32_t type, uint32_t tx, const void *payload,
			      size_t len, char **reply, size_t *reply_len)
{
	struct xsd_sockmsg h = { .type = type, .tx_id = tx };
	char buf[sizeof(h) + XENSTORE_PAYLOAD_MAX], *p;
	int64_t deadline = now_ms() + XSC_REPLY_MS;
	int ret;

	if (!c || len > XENSTORE_PAYLOAD_MAX || (len && !payload))
		return -EINVAL;
	h.req_id = ++c->req_id;
	h.len = (uint32_t)len;
	memcpy(buf, &h, sizeof(h));
	if (len)
		memcpy(buf + sizeof(h), payload, len);
	ret = write_full(c, buf, sizeof(h) + len);
	if (ret)
		return ret;
	for (;;) {
		struct xsd_sockmsg r;

		ret = read_msg(c, &r, &p, deadline);
		if (ret)
			return ret;
		if (r.type == XS_WATCH_EVENT) {
			queue_event(c, p, r.len);
			continue;
		}
		if (r.req_id != h.req_id) {
			free(p);	/* a stale reply: not ours */
			continue;
		}
		if (r.type == XS_ERROR) {
			ret = -pvhv_xs_errno(p);
			free(p);
			return ret;
		}
		if (r.type != type) {
			free(p);
			return -EIO;
		}
		if (reply)
			*reply = p;
		else
			free(p);
		if (reply_len)
			*reply_len = r.len;
		return 0;
	}
}

static int path_req(struct pvhv_xsc *c, uint32_t type, uint32_t tx, const char *path)
{
	if (!path)
		return -EINVAL;
	return pvhv_xsc_request(c, type, tx, path, strlen(path) + 1, NULL, NULL);
}

PVHV_API int pvhv_xsc_read(struct pvhv_xsc *c, uint32_t tx, const char *path, char **value,
			   size_t *len)
{
	if (!path || !value)
		return -EINVAL;
	return pvhv_xsc_request(c, XS_READ, tx, path, strlen(path) + 1, value, len);
}

PVHV_API int pvhv_xsc_write(struct pvhv_xsc *c, uint32_t tx, const char *path, const void *value,
			    size_t len)
{
	char buf[XENSTORE_PAYLOAD_MAX];
	int n = xs_payload_write(buf, sizeof(buf), path, value, len);

	return n < 0 ? n : pvhv_xsc_request(c, XS_WRITE, tx, buf, (size_t)n, NULL, NULL);
}

PVHV_API int pvhv_xsc_mkdir(struct pvhv_xsc *c, uint32_t tx, const char *path)
{
	return path_req(c, XS_MKDIR, tx, path);
}

PVHV_API int pvhv_xsc_rm(struct pvhv_xsc *c, uint32_t tx, const char *path)
{
	return path_req(c, XS_RM, tx, path);
}

PVHV_API int pvhv_xsc_set_perms(struct pvhv_xsc *c, uint32_t tx, const char *path,
				const char *perms)
{
	char buf[XENSTORE_PAYLOAD_MAX];
	int n = xs_payload_perms(buf, sizeof(buf), path, perms);

	return n < 0 ? n : pvhv_xsc_request(c, XS_SET_PERMS, tx, buf, (size_t)n, NULL, NULL);
}

static size_t count_names(const char *b, size_t len)
{
	size_t n = 0, i;

	for (i = 0; i < len; i++)
		n += !b[i];
	return n;
}

PVHV_API int pvhv_xsc_directory(struct pvhv_xsc *c, uint32_t tx, const char *path, char **names,
				size_t *len, size_t *n)
{
	char gen[32] = "", *all = NULL, *p;
	size_t alen = 0, plen, rl;
	int ret, restarts = 0;

	if (!path || !names || !len || !n)
		return -EINVAL;
	ret = pvhv_xsc_request(c, XS_DIRECTORY, tx, path, strlen(path) + 1, names, len);
	if (ret != -E2BIG) {
		if (!ret)
			*n = count_names(*names, *len);
		return ret;
	}
	/* Too many children for one reply: DIRECTORY_PART, same generation. */
	plen = strlen(path) + 1;
	for (;;) {
		char req[XENSTORE_PAYLOAD_MAX];
		size_t gl;

		if (plen + 12 > sizeof(req)) {
			free(all);
			return -E2BIG;
		}
		memcpy(req, path, plen);
		rl = plen + (size_t)snprintf(req + plen, 12, "%zu", alen) + 1;
		ret = pvhv_xsc_request(c, XS_DIRECTORY_PART, tx, req, rl, &p, &rl);
		if (ret) {
			free(all);
			return ret;
		}
		gl = strnlen(p, rl) + 1;
		if (gl > rl || gl > sizeof(gen)) {
			free(p);
			free(all);
			return -EIO;
		}
		if (alen && strcmp(gen, p)) {
			/* The directory changed between parts: start over. */
			free(p);
			free(all);
			all = NULL;
			alen = 0;
			if (++restarts > 16)
				return -EAGAIN;
			continue;
		}
		memcpy(gen, p, gl);
		{
			size_t dl = rl - gl;
			bool end = dl == 0 || (dl >= 1 && p[rl - 1] == '\0' &&
					       (dl == 1 || p[rl - 2] == '\0'));
			char *na;

			if (end && dl)
				dl--;	/* the terminating empty string */
			na = realloc(all, alen + dl + 1);
			if (!na) {
				free(p);
				free(all);
				return -ENOMEM;
			}
			all = na;
			memcpy(all + alen, p + gl, dl);
			alen += dl;
			free(p);
			if (end || !dl)
				break;
		}
	}
	all[alen] = '\0';
	*names = all;
	*len = alen;
	*n = count_names(all, alen);
	return 0;
}

static int two_strings(struct pvhv_xsc *c, uint32_t type, const char *a, const char *b)
{
	char buf[XENSTORE_PAYLOAD_MAX];
	size_t al, bl;

	if (!a || !b)
		return -EINVAL;
	al = strlen(a) + 1;
	bl = strlen(b) + 1;
	if (al + bl > sizeof(buf))
		return -E2BIG;
	memcpy(buf, a, al);
	memcpy(buf + al, b, bl);
	return pvhv_xsc_request(c, type, 0, buf, al + bl, NULL, NULL);
}

PVHV_API int pvhv_xsc_watch(struct pvhv_xsc *c, const char *path, const char *token)
{
	return two_strings(c, XS_WATCH, path, token);
}

PVHV_API int pvhv_xsc_unwatch(struct pvhv_xsc *c, const char *path, const char *token)
{
	return two_strings(c, XS_UNWATCH, path, token);
}

PVHV_API int pvhv_xsc_tx_start(struct pvhv_xsc *c, uint32_t *tx)
{
	char *r;
	size_t l;
	int ret;
	unsigned long v;

	if (!tx)
		return -EINVAL;
	ret = pvhv_xsc_request(c, XS_TRANSACTION_START, 0, "", 1, &r, &l);
	if (ret)
		return ret;
	v = strtoul(r, NULL, 10);
	free(r);
	if (!v || v > UINT32_MAX)
		return -EIO;
	*tx = (uint32_t)v;
	return 0;
}

PVHV_API int pvhv_xsc_tx_end(struct pvhv_xsc *c, uint32_t tx, int commit)
{
	return pvhv_xsc_request(c, XS_TRANSACTION_END, tx, commit ? "T" : "F", 2, NULL, NULL);
}

PVHV_API int pvhv_xsc_next_event(struct pvhv_xsc *c, int timeout_ms, char **path, char **token)
{
	int64_t deadline = timeout_ms < 0 ? -1 : now_ms() + timeout_ms;
	struct xsc_event *e;

	if (!c || !path || !token)
		return -EINVAL;
	while (!c->ev) {
		struct xsd_sockmsg h;
		char *p;
		int ret = read_msg(c, &h, &p, deadline);

		if (ret)
			return ret;
		if (h.type == XS_WATCH_EVENT)
			queue_event(c, p, h.len);
		else
			free(p);	/* a reply nobody waits for */
	}
	e = c->ev;
	c->ev = e->next;
	if (!c->ev)
		c->ev_tail = &c->ev;
	c->nev--;
	*path = e->buf;
	*token = e->token;
	free(e);
	return 0;
}
