// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * xenstored: connections, the wire protocol's requests, watches, domains,
 * and the two transports (unix socket, guest ring).
 *
 * Every byte a client sends is untrusted: a message is a struct xsd_sockmsg
 * and at most XENSTORE_PAYLOAD_MAX bytes of payload; a longer one cuts the
 * client off (as xenstored does), anything else malformed gets an ERROR
 * reply. On a guest ring the indexes are untrusted too: the server keeps its
 * own req_cons and rsp_prod, reads the guest's req_prod and rsp_cons once per
 * pass and cuts the domain off if they claim more than a ring's worth.
 *
 * Bounded: replies and events queued per connection (quota out_bytes: a
 * client that does not read stops being read; watch events beyond it are
 * dropped and counted), requests handled per ring event, socket clients.
 *
 * Connections are only freed by reap(), at the end of each entry point, so
 * that firing watches while handling a request never sees freed memory.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "xs_internal.h"

#define HDR_LEN		((uint32_t)sizeof(struct xsd_sockmsg))
#define RING_BATCH	32	/* requests per ring event before yielding */
#define SOCK_BATCH	32	/* requests per socket wakeup */
#define PRIV_MAX_TX	1024	/* transactions a domain 0 client may hold */
#define PRIV_MAX_WATCHES 65536
#define TOKEN_MAX	1024

/* --- errors --------------------------------------------------------------- */

PVHV_API const char *pvhv_xs_errstr(int err)
{
	size_t i;

	if (err < 0)
		err = -err;
	for (i = 0; i < sizeof(xsd_errors) / sizeof(xsd_errors[0]); i++)
		if (xsd_errors[i].errnum == err)
			return xsd_errors[i].errstring;
	return "EINVAL";	/* as xenstored: untranslatable errors are EINVAL */
}

PVHV_API int pvhv_xs_errno(const char *s)
{
	size_t i;

	for (i = 0; s && i < sizeof(xsd_errors) / sizeof(xsd_errors[0]); i++)
		if (!strcmp(xsd_errors[i].errstring, s))
			return xsd_errors[i].errnum;
	return EINVAL;
}

/* --- output --------------------------------------------------------------- */

static struct xs_msg *msg_new(uint32_t type, uint32_t req_id, uint32_t tx_id, const void *a,
			      uint32_t alen, const void *b, uint32_t blen)
{
	struct xs_msg *m = malloc(sizeof(*m) + HDR_LEN + alen + blen);

	if (!m)
		return NULL;
	m->next = NULL;
	m->hdr.type = type;
	m->hdr.req_id = req_id;
	m->hdr.tx_id = tx_id;
	m->hdr.len = alen + blen;
	m->len = HDR_LEN + alen + blen;
	memcpy(m->data, &m->hdr, HDR_LEN);
	if (alen)
		memcpy(m->data + HDR_LEN, a, alen);
	if (blen)
		memcpy(m->data + HDR_LEN + alen, b, blen);
	return m;
}

static void conn_queue(struct xs_conn *conn, struct xs_msg *m)
{
	if (conn->kind == XS_CONN_LOCAL) {
		free(conn->local_reply);
		conn->local_reply = m;
		return;
	}
	*conn->out_tail = m;
	conn->out_tail = &m->next;
	conn->out_bytes += m->len;
}

static void ring_flush(struct xs_conn *conn);
static void sock_flush(struct xs_conn *conn);

static void conn_flush(struct xs_conn *conn)
{
	if (conn->dead)
		return;
	if (conn->kind == XS_CONN_RING)
		ring_flush(conn);
	else if (conn->kind == XS_CONN_SOCKET)
		sock_flush(conn);
}

static void reply(struct xs_conn *conn, const struct xsd_sockmsg *req, uint32_t type,
		  const void *a, uint32_t alen, const void *b, uint32_t blen)
{
	struct xs_msg *m;

	if (alen + blen > XENSTORE_PAYLOAD_MAX) {
		const char *e = pvhv_xs_errstr(E2BIG);

		m = msg_new(XS_ERROR, req->req_id, req->tx_id, e, (uint32_t)strlen(e) + 1, NULL, 0);
	} else {
		m = msg_new(type, req->req_id, req->tx_id, a, alen, b, blen);
	}
	if (!m) {
		const char *e = pvhv_xs_errstr(ENOMEM);

		m = msg_new(XS_ERROR, req->req_id, req->tx_id, e, (uint32_t)strlen(e) + 1, NULL, 0);
		if (!m)
			return;	/* the client waits; nothing else we can do */
	}
	conn_queue(conn, m);
}

static void reply_err(struct xs_conn *conn, const struct xsd_sockmsg *req, int err)
{
	const char *e = pvhv_xs_errstr(err);

	reply(conn, req, XS_ERROR, e, (uint32_t)strlen(e) + 1, NULL, 0);
}

static void reply_ok(struct xs_conn *conn, const struct xsd_sockmsg *req)
{
	reply(conn, req, req->type, "OK", 3, NULL, 0);
}

/* --- watches -------------------------------------------------------------- */

static bool is_child(const char *child, const char *parent)
{
	size_t l = strlen(parent);

	if (!strcmp(parent, "/"))
		return child[0] == '/';
	return !strncmp(child, parent, l) && (child[l] == '\0' || child[l] == '/');
}

static void watch_event(struct xs_conn *conn, const struct xs_watch *w, const char *path)
{
	struct xs_msg *m;
	const char *p = path;

	if (w->rel && strlen(path) > w->rel)
		p = path + w->rel;	/* relative watch: relative event path */
	m = msg_new(XS_WATCH_EVENT, 0, 0, p, (uint32_t)strlen(p) + 1, w->token,
		    (uint32_t)strlen(w->token) + 1);
	if (!m || (conn->kind != XS_CONN_LOCAL &&
		   conn->out_bytes + m->len > conn->xs->q.out_bytes)) {
		free(m);
		conn->events_dropped++;
		return;
	}
	conn_queue(conn, m);
}

static int special_perm_index(const char *path)
{
	int i;

	for (i = 0; i < XS_NR_SPECIAL; i++)
		if (!strcmp(path, xs_special_names[i]))
			return i;
	return -1;
}

void xs_fire(struct pvhv_xs *xs, const char *path, const struct xs_perm *p, uint32_t n,
	     bool exact)
{
	struct xs_conn *conn;
	struct xs_watch *w;
	struct xs_ctx c;

	if (path[0] == '@') {
		int i = special_perm_index(path);

		if (i < 0)
			return;
		p = xs->special_perms[i];
		n = xs->special_nperms[i];
	}
	for (conn = xs->conns; conn; conn = conn->next) {
		bool any = false;

		if (conn->dead)
			continue;
		xs_ctx_init(&c, conn);
		for (w = conn->watches; w; w = w->next) {
			bool match;

			if (path[0] == '@' || w->path[0] == '@')
				match = !strcmp(w->path, path);
			else
				match = exact ? !strcmp(w->path, path) : is_child(path, w->path);
			if (!match || !(xs_perm_for(&c, p, n) & XS_PERM_READ))
				continue;
			watch_event(conn, w, path);
			any = true;
		}
		if (any)
			conn_flush(conn);
	}
}

static void watch_free(struct xs_watch *w)
{
	free(w->path);
	free(w->token);
	free(w);
}

static void watches_free(struct xs_watch *w)
{
	struct xs_watch *next;

	for (; w; w = next) {
		next = w->next;
		watch_free(w);
	}
}

static void conn_reset(struct xs_conn *conn)
{
	struct xs_tx *tx, *next;

	watches_free(conn->watches);
	conn->watches = NULL;
	conn->nwatches = 0;
	for (tx = conn->txs; tx; tx = next) {
		next = tx->next;
		xs_tx_free(tx);
	}
	conn->txs = NULL;
	conn->ntxs = 0;
	if (conn->kind == XS_CONN_RING)
		conn->xs->dirty = true;	/* saved watches changed */
}

/* --- connections ---------------------------------------------------------- */

void xs_ctx_init(struct xs_ctx *c, struct xs_conn *conn)
{
	struct xs_dom *d = conn->priv ? NULL : xs_dom_get(conn->xs, conn->domid, false);

	memset(c, 0, sizeof(*c));
	c->xs = conn->xs;
	c->conn = conn;
	c->domid = conn->domid;
	c->priv = conn->priv;
	c->target = d ? d->target : XS_DOMID_LIMIT;
}

static struct xs_conn *conn_new(struct pvhv_xs *xs, int kind, uint32_t domid)
{
	struct xs_conn *conn = calloc(1, sizeof(*conn));

	if (!conn)
		return NULL;
	conn->xs = xs;
	conn->kind = kind;
	conn->domid = domid;
	conn->priv = kind != XS_CONN_RING;
	conn->fd = -1;
	conn->out_tail = &conn->out;
	conn->next_txid = 1;
	if (kind != XS_CONN_LOCAL) {
		conn->next = xs->conns;
		xs->conns = conn;
	}
	return conn;
}

static void conn_free(struct xs_conn *conn)
{
	struct xs_msg *m, *next;

	conn_reset(conn);
	for (m = conn->out; m; m = next) {
		next = m->next;
		free(m);
	}
	free(conn->local_reply);
	if (conn->fd >= 0)
		close(conn->fd);
	free(conn);
}

/* Cut a connection off; freed by reap(). */
static void conn_kill(struct xs_conn *conn)
{
	struct xs_dom *d;

	if (conn->dead)
		return;
	conn->dead = true;
	if (conn->kind == XS_CONN_SOCKET && conn->xs->nsock)
		conn->xs->nsock--;
	if (conn->kind == XS_CONN_RING) {
		d = xs_dom_get(conn->xs, conn->domid, false);
		if (d && d->conn == conn)
			d->conn = NULL;
		if (conn->xs->ops.disconnect)
			conn->xs->ops.disconnect(conn->xs->opaque, conn->domid);
	}
}

static void reap(struct pvhv_xs *xs)
{
	struct xs_conn **pp, *c;

	if (xs->in_dispatch)
		return;
	for (pp = &xs->conns; (c = *pp);) {
		if (c->dead) {
			*pp = c->next;
			conn_free(c);
		} else {
			pp = &c->next;
		}
	}
}

/* --- requests -------------------------------------------------------------- */

/* The payload as exactly one NUL-terminated string, else NULL. */
static const char *onearg(const char *p, uint32_t len)
{
	if (!len || p[len - 1] || memchr(p, 0, len) != p + len - 1)
		return NULL;
	return p;
}

/* Split into NUL-terminated strings; the count, or -1 if the last is open. */
static int strings(const char *p, uint32_t len, const char **v, int max)
{
	uint32_t off = 0;
	int n = 0;

	while (off < len) {
		const char *e = memchr(p + off, 0, len - off);

		if (!e)
			return -1;
		if (n < max)
			v[n] = p + off;
		n++;
		off = (uint32_t)(e - p) + 1;
	}
	return n;
}

static int parse_num(const char *s, uint64_t max, uint64_t *out)
{
	uint64_t v = 0;

	if (!*s)
		return -EINVAL;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return -EINVAL;
		v = v * 10 + (uint64_t)(*s - '0');
		if (v > max)
			return -EINVAL;
	}
	*out = v;
	return 0;
}

static int parse_domid(const char *s, uint32_t *domid)
{
	uint64_t v;

	if (!s || parse_num(s, 65535, &v))
		return -EINVAL;
	*domid = (uint32_t)v;
	return 0;
}

static struct xs_tx *tx_get(struct xs_conn *conn, uint32_t id)
{
	struct xs_tx *tx;

	for (tx = conn->txs; tx; tx = tx->next)
		if (tx->id == id)
			return tx;
	return NULL;
}

static void tx_remove(struct xs_conn *conn, struct xs_tx *tx)
{
	struct xs_tx **pp;

	for (pp = &conn->txs; *pp && *pp != tx; pp = &(*pp)->next)
		;
	if (*pp) {
		*pp = tx->next;
		conn->ntxs--;
	}
	xs_tx_free(tx);
}

static int do_tx_start(struct xs_conn *conn, const struct xsd_sockmsg *h)
{
	struct xs_tx *tx;
	char buf[16];
	uint32_t limit = conn->priv ? PRIV_MAX_TX : conn->xs->q.transactions_per_conn;

	if (h->tx_id)
		return -EBUSY;	/* no nesting */
	if (conn->ntxs >= limit)
		return -ENOSPC;	/* the quota, as Xen's do_transaction_start() */
	tx = calloc(1, sizeof(*tx));
	if (!tx)
		return -ENOMEM;
	do {
		tx->id = conn->next_txid++;
	} while (!tx->id || tx_get(conn, tx->id));
	tx->tail = &tx->list;
	tx->next = conn->txs;
	conn->txs = tx;
	conn->ntxs++;
	snprintf(buf, sizeof(buf), "%u", tx->id);
	reply(conn, h, h->type, buf, (uint32_t)strlen(buf) + 1, NULL, 0);
	return 0;
}

static int do_watch(struct xs_conn *conn, const struct xsd_sockmsg *h, const char *payload,
		    bool add)
{
	struct xs_watch *w, **pp;
	char path[XS_PATH_BUF];
	const char *v[2];
	struct xs_ctx c;
	int n = strings(payload, h->len, v, 2), ret;
	uint32_t limit;

	if (n < 2)
		return -EINVAL;
	if (strlen(v[1]) > TOKEN_MAX)
		return -EINVAL;
	xs_ctx_init(&c, conn);
	ret = xs_canon(&c, v[0], path, true);
	if (ret)
		return ret;
	for (pp = &conn->watches; (w = *pp); pp = &w->next)
		if (!strcmp(w->path, path) && !strcmp(w->token, v[1]))
			break;
	if (!add) {
		if (!w)
			return -ENOENT;
		*pp = w->next;
		watch_free(w);
		conn->nwatches--;
		if (conn->kind == XS_CONN_RING)
			conn->xs->dirty = true;
		reply_ok(conn, h);
		return 0;
	}
	if (w)
		return -EEXIST;
	if (conn->kind == XS_CONN_LOCAL)
		return -EINVAL;	/* nobody to tell */
	limit = conn->priv ? PRIV_MAX_WATCHES : conn->xs->q.watches_per_domain;
	if (conn->nwatches >= limit)
		return -E2BIG;
	w = calloc(1, sizeof(*w));
	if (!w || !(w->path = strdup(path)) || !(w->token = strdup(v[1]))) {
		if (w)
			free(w->path);
		free(w);
		return -ENOMEM;
	}
	if (v[0][0] != '/' && v[0][0] != '@')
		w->rel = (uint32_t)(strlen(path) - strlen(v[0]));
	w->next = conn->watches;
	conn->watches = w;
	conn->nwatches++;
	if (conn->kind == XS_CONN_RING)
		conn->xs->dirty = true;
	reply_ok(conn, h);
	/* A new watch fires once straight away, with its own path. */
	watch_event(conn, w, path);
	return 0;
}

static int do_introduce(struct pvhv_xs *xs, uint32_t domid, uint64_t gfn, uint32_t port);

static int do_directory_part(struct xs_conn *conn, struct xs_ctx *c,
			     const struct xsd_sockmsg *h, const char *payload)
{
	char path[XS_PATH_BUF], gen[24], *names;
	const char *v[2];
	uint32_t nlen, genlen, off, len = 0, maxlen;
	uint64_t g, o;
	int ret;

	if (strings(payload, h->len, v, 2) != 2 || parse_num(v[1], UINT32_MAX, &o))
		return -EINVAL;
	ret = xs_canon(c, v[0], path, false);
	if (!ret)
		ret = xs_op_directory(c, path, &names, &nlen, &g);
	if (ret)
		return ret;
	off = (uint32_t)o;
	genlen = (uint32_t)snprintf(gen, sizeof(gen), "%llu", (unsigned long long)g) + 1;
	if (off >= nlen) {
		/* Past the end: the generation and an empty string. */
		reply(conn, h, h->type, gen, genlen, "", 1);
		free(names);
		return 0;
	}
	maxlen = XENSTORE_PAYLOAD_MAX - genlen - 1;
	while (off + len < nlen) {
		uint32_t l = (uint32_t)strnlen(names + off + len, nlen - off - len);

		if (len + l >= maxlen)
			break;
		len += l + 1;
	}
	if (off + len >= nlen) {
		/* The end of the list: terminated by an empty string. */
		char *tmp = malloc(len + 1);

		if (!tmp) {
			free(names);
			return -ENOMEM;
		}
		memcpy(tmp, names + off, len);
		tmp[len] = '\0';
		reply(conn, h, h->type, gen, genlen, tmp, len + 1);
		free(tmp);
	} else {
		reply(conn, h, h->type, gen, genlen, names + off, len);
	}
	free(names);
	return 0;
}

/* Handle conn->in (complete); queues the reply. */
static void handle(struct xs_conn *conn)
{
	const struct xsd_sockmsg *h = (const void *)conn->in;
	const char *payload = (const char *)conn->in + HDR_LEN;
	struct pvhv_xs *xs = conn->xs;
	char path[XS_PATH_BUF];
	const char *a, *v[4];
	struct xs_ctx c;
	struct xs_tx *tx = NULL;
	uint32_t domid;
	int ret = 0;

	xs_ctx_init(&c, conn);
	switch (h->type) {
	case XS_READ: case XS_WRITE: case XS_MKDIR: case XS_RM: case XS_DIRECTORY:
	case XS_DIRECTORY_PART: case XS_GET_PERMS: case XS_SET_PERMS: case XS_TRANSACTION_END:
		if (h->tx_id) {
			tx = tx_get(conn, h->tx_id);
			if (!tx) {
				reply_err(conn, h, ENOENT);
				return;
			}
			c.tx = tx;
		}
		break;
	}

	switch (h->type) {
	case XS_READ: {
		char *val;
		uint32_t len;

		a = onearg(payload, h->len);
		ret = a ? xs_canon(&c, a, path, false) : -EINVAL;
		if (!ret)
			ret = xs_op_read(&c, path, &val, &len);
		if (!ret) {
			reply(conn, h, h->type, val, len, NULL, 0);
			free(val);
		}
		break;
	}
	case XS_WRITE: {
		const char *nul = h->len ? memchr(payload, 0, h->len) : NULL;

		ret = nul ? xs_canon(&c, payload, path, false) : -EINVAL;
		if (!ret)
			ret = xs_op_write(&c, path, nul + 1, h->len - (uint32_t)(nul + 1 - payload),
					  false);
		if (!ret)
			reply_ok(conn, h);
		break;
	}
	case XS_MKDIR:
	case XS_RM:
		a = onearg(payload, h->len);
		ret = a ? xs_canon(&c, a, path, false) : -EINVAL;
		if (!ret)
			ret = h->type == XS_RM ? xs_op_rm(&c, path) : xs_op_write(&c, path, "", 0, true);
		if (!ret)
			reply_ok(conn, h);
		break;
	case XS_DIRECTORY: {
		char *names;
		uint32_t len;
		uint64_t gen;

		a = onearg(payload, h->len);
		ret = a ? xs_canon(&c, a, path, false) : -EINVAL;
		if (!ret)
			ret = xs_op_directory(&c, path, &names, &len, &gen);
		if (!ret) {
			reply(conn, h, h->type, names, len, NULL, 0);
			free(names);
		}
		break;
	}
	case XS_DIRECTORY_PART:
		ret = do_directory_part(conn, &c, h, payload);
		break;
	case XS_GET_PERMS: {
		struct xs_perm *p;
		uint32_t n;
		char buf[XENSTORE_PAYLOAD_MAX];
		int len;

		a = onearg(payload, h->len);
		ret = a ? xs_canon(&c, a, path, true) : -EINVAL;
		if (!ret)
			ret = xs_op_get_perms(&c, path, &p, &n);
		if (!ret) {
			len = xs_format_perms(p, n, buf, sizeof(buf));
			free(p);
			if (len < 0)
				ret = len;
			else
				reply(conn, h, h->type, buf, (uint32_t)len, NULL, 0);
		}
		break;
	}
	case XS_SET_PERMS: {
		const char *nul = h->len ? memchr(payload, 0, h->len) : NULL;
		struct xs_perm *p = NULL;
		uint32_t n, off;

		if (!nul) {
			ret = -EINVAL;
			break;
		}
		off = (uint32_t)(nul + 1 - payload);
		ret = xs_parse_perms(nul + 1, h->len - off, &p, &n);
		if (!ret)
			ret = xs_canon(&c, payload, path, true);
		if (!ret)
			ret = xs_op_set_perms(&c, path, p, n);
		free(p);
		if (!ret)
			reply_ok(conn, h);
		break;
	}
	case XS_WATCH:
	case XS_UNWATCH:
		ret = do_watch(conn, h, payload, h->type == XS_WATCH);
		break;
	case XS_RESET_WATCHES:
		conn_reset(conn);
		reply_ok(conn, h);
		break;
	case XS_TRANSACTION_START:
		ret = do_tx_start(conn, h);
		break;
	case XS_TRANSACTION_END:
		a = onearg(payload, h->len);
		if (!tx || !a || (strcmp(a, "T") && strcmp(a, "F"))) {
			ret = tx ? -EINVAL : -ENOENT;
			break;
		}
		ret = !strcmp(a, "T") ? xs_tx_commit(&c) : 0;
		tx_remove(conn, tx);	/* gone after END, committed or not */
		if (!ret)
			reply_ok(conn, h);
		break;
	case XS_INTRODUCE: {
		uint64_t gfn, port;

		if (!conn->priv) {
			ret = -EACCES;
			break;
		}
		if (strings(payload, h->len, v, 4) < 3 || parse_domid(v[0], &domid) ||
		    parse_num(v[1], UINT64_MAX / 10, &gfn) || parse_num(v[2], UINT32_MAX, &port) ||
		    !domid || domid >= XS_DOMID_LIMIT) {
			ret = -EINVAL;
			break;
		}
		ret = do_introduce(xs, domid, gfn, (uint32_t)port);
		if (!ret)
			reply_ok(conn, h);
		break;
	}
	case XS_RELEASE:
	case XS_RESUME:
		if (!conn->priv) {
			ret = -EACCES;
			break;
		}
		if (parse_domid(onearg(payload, h->len), &domid) || !domid) {
			ret = -EINVAL;
			break;
		}
		if (h->type == XS_RELEASE)
			ret = pvhv_xs_release(xs, domid);
		else
			ret = pvhv_xs_is_introduced(xs, domid) ? 0 : -ENOENT;
		if (!ret)
			reply_ok(conn, h);
		break;
	case XS_IS_DOMAIN_INTRODUCED:
		if (parse_domid(onearg(payload, h->len), &domid)) {
			ret = -EINVAL;
			break;
		}
		reply(conn, h, h->type, pvhv_xs_is_introduced(xs, domid) ? "T" : "F", 2, NULL, 0);
		break;
	case XS_GET_DOMAIN_PATH:
		if (parse_domid(onearg(payload, h->len), &domid)) {
			ret = -EINVAL;
			break;
		}
		snprintf(path, sizeof(path), "/local/domain/%u", domid);
		reply(conn, h, h->type, path, (uint32_t)strlen(path) + 1, NULL, 0);
		break;
	case XS_SET_TARGET: {
		uint32_t target;
		struct xs_dom *d;

		if (!conn->priv) {
			ret = -EACCES;
			break;
		}
		if (strings(payload, h->len, v, 2) != 2 || parse_domid(v[0], &domid) ||
		    parse_domid(v[1], &target) || !domid || domid >= XS_DOMID_LIMIT ||
		    target >= XS_DOMID_LIMIT) {
			ret = -EINVAL;
			break;
		}
		d = xs_dom_get(xs, domid, true);
		if (!d) {
			ret = -ENOMEM;
			break;
		}
		d->target = target;
		xs->dirty = true;
		reply_ok(conn, h);
		break;
	}
	case XS_CONTROL:
		/* Implementation-specific commands: none are provided. */
		ret = conn->priv ? -ENOSYS : -EACCES;
		break;
	default:
		/* WATCH_EVENT, ERROR, the removed RESTRICT and unknown types. */
		ret = -ENOSYS;
		break;
	}
	if (ret)
		reply_err(conn, h, -ret);
}

/* --- the guest ring ------------------------------------------------------- */

static uint32_t load_acquire(volatile uint32_t *p)
{
	return __atomic_load_n(p, __ATOMIC_ACQUIRE);
}

static void store_release(volatile uint32_t *p, uint32_t v)
{
	__atomic_store_n(p, v, __ATOMIC_RELEASE);
}

static void ring_fail(struct xs_conn *conn, uint32_t code, const char *why)
{
	struct pvhv_xs *xs = conn->xs;
	uint32_t domid = conn->domid;

	if (conn->dead)
		return;
	store_release(&conn->intf->error, code);
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	if (conn->notify)
		conn->notify(conn->nopaque);
	if (xs->ops.failed)
		xs->ops.failed(xs->opaque, domid, why);
	conn_kill(conn);
}

static void ring_flush(struct xs_conn *conn)
{
	struct xenstore_domain_interface *intf = conn->intf;
	bool wrote = false;

	while (conn->out && !conn->dead) {
		struct xs_msg *m = conn->out;
		uint32_t cons = load_acquire(&intf->rsp_cons);
		uint32_t used = conn->rsp_prod - cons, space, n, at, chunk;

		if (used > XENSTORE_RING_SIZE) {
			ring_fail(conn, XENSTORE_ERROR_RINGIDX, "response ring index out of range");
			return;
		}
		space = XENSTORE_RING_SIZE - used;
		if (!space)
			break;
		n = m->len - conn->out_off;
		if (n > space)
			n = space;
		at = MASK_XENSTORE_IDX(conn->rsp_prod);
		chunk = XENSTORE_RING_SIZE - at < n ? XENSTORE_RING_SIZE - at : n;
		memcpy(intf->rsp + at, m->data + conn->out_off, chunk);
		memcpy(intf->rsp, m->data + conn->out_off + chunk, n - chunk);
		conn->out_off += n;
		conn->rsp_prod += n;
		wrote = true;
		if (conn->out_off == m->len) {
			conn->out = m->next;
			if (!conn->out)
				conn->out_tail = &conn->out;
			conn->out_bytes -= m->len;
			conn->out_off = 0;
			free(m);
		}
	}
	if (wrote && !conn->dead) {
		store_release(&intf->rsp_prod, conn->rsp_prod);
		if (conn->notify)
			conn->notify(conn->nopaque);
	}
}

/* The guest asked to start over (XENSTORE_RECONNECT): drop all its state. */
static void ring_reconnect(struct xs_conn *conn)
{
	struct xenstore_domain_interface *intf = conn->intf;
	struct xs_msg *m, *next;

	conn_reset(conn);
	for (m = conn->out; m; m = next) {
		next = m->next;
		free(m);
	}
	conn->out = NULL;
	conn->out_tail = &conn->out;
	conn->out_bytes = conn->out_off = 0;
	conn->in_used = 0;
	conn->req_cons = conn->rsp_prod = 0;
	intf->req_cons = intf->req_prod = intf->rsp_cons = intf->rsp_prod = 0;
	store_release(&intf->error, XENSTORE_ERROR_NONE);
	store_release(&intf->connection, XENSTORE_CONNECTED);
	if (conn->notify)
		conn->notify(conn->nopaque);
}

/* Read requests; at most RING_BATCH handled, then conn->kick says "more". */
static void ring_io(struct xs_conn *conn)
{
	struct xenstore_domain_interface *intf = conn->intf;
	int handled = 0;
	bool consumed = false;

	conn->kick = false;
	if (load_acquire(&intf->connection) == XENSTORE_RECONNECT) {
		ring_reconnect(conn);
		return;
	}
	ring_flush(conn);
	while (!conn->dead) {
		uint32_t prod = load_acquire(&intf->req_prod);
		uint32_t avail = prod - conn->req_cons, need, n, at, chunk;
		const struct xsd_sockmsg *h = (const void *)conn->in;

		if (avail > XENSTORE_RING_SIZE) {
			ring_fail(conn, XENSTORE_ERROR_RINGIDX, "request ring index out of range");
			return;
		}
		if (!avail)
			break;
		/*
		 * Replies piling up: wait for the guest to take them (it notifies,
		 * which brings us back); no busy turn on its behalf.
		 */
		if (conn->out_bytes > conn->xs->q.out_bytes)
			break;
		if (handled >= RING_BATCH) {
			conn->kick = true;	/* fairness: the rest on the next turn */
			break;
		}
		need = conn->in_used < HDR_LEN ? HDR_LEN - conn->in_used :
						HDR_LEN + h->len - conn->in_used;
		n = avail < need ? avail : need;
		at = MASK_XENSTORE_IDX(conn->req_cons);
		chunk = XENSTORE_RING_SIZE - at < n ? XENSTORE_RING_SIZE - at : n;
		memcpy(conn->in + conn->in_used, intf->req + at, chunk);
		memcpy(conn->in + conn->in_used + chunk, intf->req, n - chunk);
		conn->in_used += n;
		conn->req_cons += n;
		consumed = true;
		if (conn->in_used == HDR_LEN && h->len > XENSTORE_PAYLOAD_MAX) {
			ring_fail(conn, XENSTORE_ERROR_PROTO, "request payload above 4096 bytes");
			return;
		}
		if (conn->in_used >= HDR_LEN && conn->in_used == HDR_LEN + h->len) {
			/* The ring has room again before the (maybe slow) request. */
			store_release(&intf->req_cons, conn->req_cons);
			handle(conn);
			conn->in_used = 0;
			handled++;
			ring_flush(conn);
		}
	}
	if (consumed && !conn->dead) {
		store_release(&intf->req_cons, conn->req_cons);
		__atomic_thread_fence(__ATOMIC_SEQ_CST);
		if (conn->notify)
			conn->notify(conn->nopaque);
	}
}

PVHV_API int pvhv_xs_attach_ring(struct pvhv_xs *xs, uint32_t domid,
				 struct xenstore_domain_interface *intf,
				 void (*notify)(void *opaque), void *opaque)
{
	struct xs_dom *d;
	struct xs_conn *conn;
	uint32_t req_prod, req_cons, rsp_prod, rsp_cons;

	if (!xs || !intf)
		return -EINVAL;
	d = xs_dom_get(xs, domid, false);
	if (!d || !d->introduced)
		return -ENOENT;
	if (d->conn)
		return -EBUSY;
	/* Indexes left by a previous server (a restart) must make sense. */
	req_prod = load_acquire(&intf->req_prod);
	req_cons = load_acquire(&intf->req_cons);
	rsp_prod = load_acquire(&intf->rsp_prod);
	rsp_cons = load_acquire(&intf->rsp_cons);
	if (req_prod - req_cons > XENSTORE_RING_SIZE || rsp_prod - rsp_cons > XENSTORE_RING_SIZE)
		return -EPROTO;
	conn = conn_new(xs, XS_CONN_RING, domid);
	if (!conn)
		return -ENOMEM;
	conn->intf = intf;
	conn->notify = notify;
	conn->nopaque = opaque;
	conn->req_cons = req_cons;
	conn->rsp_prod = rsp_prod;
	conn->watches = d->saved_watches;
	conn->nwatches = d->nsaved_watches;
	d->saved_watches = NULL;
	d->nsaved_watches = 0;
	d->conn = conn;
	store_release(&intf->server_features,
		      XENSTORE_SERVER_FEATURE_RECONNECTION | XENSTORE_SERVER_FEATURE_ERROR);
	conn->kick = true;
	xs->in_dispatch = true;
	ring_io(conn);
	xs->in_dispatch = false;
	reap(xs);
	return 0;
}

PVHV_API int pvhv_xs_ring_event(struct pvhv_xs *xs, uint32_t domid)
{
	struct xs_dom *d;

	if (!xs)
		return -EINVAL;
	d = xs_dom_get(xs, domid, false);
	if (!d || !d->conn)
		return -ENOENT;
	xs->in_dispatch = true;
	ring_io(d->conn);
	xs->in_dispatch = false;
	reap(xs);
	return 0;
}

/* --- the unix socket ------------------------------------------------------ */

static void sock_flush(struct xs_conn *conn)
{
	while (conn->out && !conn->dead) {
		struct xs_msg *m = conn->out;
		ssize_t w = send(conn->fd, m->data + conn->out_off, m->len - conn->out_off,
				 MSG_DONTWAIT | MSG_NOSIGNAL);

		if (w < 0) {
			if (errno == EAGAIN || errno == EINTR)
				return;
			conn_kill(conn);
			return;
		}
		conn->out_off += (uint32_t)w;
		if (conn->out_off == m->len) {
			conn->out = m->next;
			if (!conn->out)
				conn->out_tail = &conn->out;
			conn->out_bytes -= m->len;
			conn->out_off = 0;
			free(m);
		}
	}
}

static void sock_read(struct xs_conn *conn)
{
	int handled = 0;

	while (!conn->dead && handled < SOCK_BATCH && conn->out_bytes <= conn->xs->q.out_bytes) {
		const struct xsd_sockmsg *h = (const void *)conn->in;
		uint32_t need = conn->in_used < HDR_LEN ? HDR_LEN - conn->in_used :
							 HDR_LEN + h->len - conn->in_used;
		ssize_t r = recv(conn->fd, conn->in + conn->in_used, need, MSG_DONTWAIT);

		if (r < 0 && (errno == EAGAIN || errno == EINTR))
			return;
		if (r <= 0) {
			conn_kill(conn);
			return;
		}
		conn->in_used += (uint32_t)r;
		if (conn->in_used == HDR_LEN && h->len > XENSTORE_PAYLOAD_MAX) {
			conn_kill(conn);	/* as xenstored: too long is fatal */
			return;
		}
		if (conn->in_used >= HDR_LEN && conn->in_used == HDR_LEN + h->len) {
			handle(conn);
			conn->in_used = 0;
			handled++;
			sock_flush(conn);
		}
	}
}

PVHV_API int pvhv_xs_add_fd(struct pvhv_xs *xs, int fd)
{
	struct xs_conn *conn;

	if (!xs || fd < 0)
		return -EINVAL;
	if (xs->nsock >= xs->q.socket_conns)
		return -EMFILE;
	conn = conn_new(xs, XS_CONN_SOCKET, 0);
	if (!conn)
		return -ENOMEM;
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
	fcntl(fd, F_SETFD, FD_CLOEXEC);
	conn->fd = fd;
	xs->nsock++;
	return 0;
}

PVHV_API const char *pvhv_xs_socket_path(void)
{
	const char *p = getenv("XENSTORED_PATH");

	return p && *p ? p : PVHV_XS_DEFAULT_SOCKET;
}

static int mkdirs(const char *path)
{
	char buf[sizeof(((struct sockaddr_un *)0)->sun_path)];
	char *s;

	snprintf(buf, sizeof(buf), "%s", path);
	s = strrchr(buf, '/');
	if (!s || s == buf)
		return 0;
	*s = '\0';
	for (s = buf + 1; *s; s++) {
		if (*s != '/')
			continue;
		*s = '\0';
		if (mkdir(buf, 0755) && errno != EEXIST)
			return -errno;
		*s = '/';
	}
	if (mkdir(buf, 0755) && errno != EEXIST)
		return -errno;
	return 0;
}

PVHV_API int pvhv_xs_listen(struct pvhv_xs *xs, const char *path)
{
	struct sockaddr_un sa;
	int fd, ret;

	if (!xs)
		return -EINVAL;
	if (xs->listen_fd >= 0)
		return -EBUSY;
	if (!path)
		path = pvhv_xs_socket_path();
	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	strcpy(sa.sun_path, path);
	ret = mkdirs(path);
	if (ret)
		return ret;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return -errno;
	/* A live server answers; a stale file does not and is replaced. */
	if (!connect(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		close(fd);
		return -EADDRINUSE;
	}
	unlink(path);
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) || chmod(path, 0600) ||
	    listen(fd, 64)) {
		ret = -errno;
		close(fd);
		return ret;
	}
	xs->listen_path = strdup(path);
	xs->listen_fd = fd;
	return 0;
}

PVHV_API size_t pvhv_xs_poll_fill(struct pvhv_xs *xs, struct pollfd *fds, size_t max,
				  int *timeout_ms)
{
	struct xs_conn *conn;
	size_t n = 0;

	if (!xs)
		return 0;
	if (xs->listen_fd >= 0) {
		if (n < max)
			fds[n] = (struct pollfd){ .fd = xs->listen_fd, .events = POLLIN };
		n++;
	}
	for (conn = xs->conns; conn; conn = conn->next) {
		if (conn->dead)
			continue;
		if (conn->kind == XS_CONN_RING) {
			if (conn->kick && timeout_ms)
				*timeout_ms = 0;
			continue;
		}
		if (n < max) {
			fds[n].fd = conn->fd;
			fds[n].events = (short)((conn->out_bytes <= xs->q.out_bytes ? POLLIN : 0) |
						(conn->out ? POLLOUT : 0));
			fds[n].revents = 0;
		}
		n++;
	}
	return n;
}

PVHV_API void pvhv_xs_poll_handle(struct pvhv_xs *xs, const struct pollfd *fds, size_t n)
{
	struct xs_conn *conn;
	size_t i;

	if (!xs)
		return;
	xs->in_dispatch = true;
	for (i = 0; i < n; i++) {
		if (!fds[i].revents)
			continue;
		if (fds[i].fd == xs->listen_fd) {
			for (;;) {
				int fd = accept4(xs->listen_fd, NULL, NULL,
						 SOCK_CLOEXEC | SOCK_NONBLOCK);

				if (fd < 0)
					break;
				if (pvhv_xs_add_fd(xs, fd))
					close(fd);
			}
			continue;
		}
		for (conn = xs->conns; conn; conn = conn->next) {
			if (conn->dead || conn->kind != XS_CONN_SOCKET || conn->fd != fds[i].fd)
				continue;
			if (fds[i].revents & POLLOUT)
				sock_flush(conn);
			if (fds[i].revents & (POLLIN | POLLHUP | POLLERR))
				sock_read(conn);
			break;
		}
	}
	/* Rings with work left from an earlier turn, or drained replies. */
	for (conn = xs->conns; conn; conn = conn->next)
		if (!conn->dead && conn->kind == XS_CONN_RING && conn->kick)
			ring_io(conn);
	xs->in_dispatch = false;
	reap(xs);
}

/* --- domains ---------------------------------------------------------------- */

static int do_introduce(struct pvhv_xs *xs, uint32_t domid, uint64_t gfn, uint32_t port)
{
	struct xs_dom *d = xs_dom_get(xs, domid, true);
	int ret = 0;

	if (!d)
		return -ENOMEM;
	if (d->introduced && d->conn && d->gfn == gfn && d->port == port)
		return 0;	/* again, the same ring: nothing to do */
	if (d->conn)
		conn_kill(d->conn);
	d->introduced = true;
	d->gfn = gfn;
	d->port = port;
	if (xs->ops.connect)
		ret = xs->ops.connect(xs->opaque, domid, gfn, port);
	if (ret) {
		d->introduced = false;
		return ret;
	}
	xs->dirty = true;
	xs_fire(xs, "@introduceDomain", NULL, 0, false);
	return 0;
}

PVHV_API int pvhv_xs_introduce(struct pvhv_xs *xs, uint32_t domid, uint64_t gfn, uint32_t port)
{
	int ret;

	if (!xs || !domid || domid >= XS_DOMID_LIMIT)
		return -EINVAL;
	xs->in_dispatch = true;
	ret = do_introduce(xs, domid, gfn, port);
	xs->in_dispatch = false;
	reap(xs);
	return ret;
}

PVHV_API int pvhv_xs_release(struct pvhv_xs *xs, uint32_t domid)
{
	struct xs_dom *d;
	bool outer;

	if (!xs)
		return -EINVAL;
	d = xs_dom_get(xs, domid, false);
	if (!d || !d->introduced)
		return -ENOENT;
	outer = !xs->in_dispatch;
	xs->in_dispatch = true;
	if (d->conn)
		conn_kill(d->conn);
	d->introduced = false;
	watches_free(d->saved_watches);
	d->saved_watches = NULL;
	d->nsaved_watches = 0;
	xs->dirty = true;
	xs_fire(xs, "@releaseDomain", NULL, 0, false);
	if (outer) {
		xs->in_dispatch = false;
		reap(xs);
	}
	return 0;
}

PVHV_API int pvhv_xs_domain_gone(struct pvhv_xs *xs, uint32_t domid)
{
	struct xs_dom **pp, *d;

	if (!xs || !domid)
		return -EINVAL;
	if (pvhv_xs_is_introduced(xs, domid))
		pvhv_xs_release(xs, domid);
	xs_forget_domain(xs, domid);
	for (pp = &xs->doms; (d = *pp); pp = &d->next) {
		if (d->domid == domid) {
			*pp = d->next;
			free(d);
			break;
		}
	}
	/* Anyone's SET_TARGET pointing at it is void too. */
	for (d = xs->doms; d; d = d->next)
		if (d->target == domid)
			d->target = XS_DOMID_LIMIT;
	return 0;
}

PVHV_API int pvhv_xs_fire_special(struct pvhv_xs *xs, const char *name)
{
	if (!xs || !name || special_perm_index(name) < 0)
		return -EINVAL;
	xs->in_dispatch = true;
	xs_fire(xs, name, NULL, 0, false);
	xs->in_dispatch = false;
	reap(xs);
	return 0;
}

PVHV_API int pvhv_xs_is_introduced(struct pvhv_xs *xs, uint32_t domid)
{
	struct xs_dom *d = xs ? xs_dom_get(xs, domid, false) : NULL;

	return d && d->introduced;
}

PVHV_API int pvhv_xs_domains(struct pvhv_xs *xs, uint32_t **domids, size_t *count)
{
	struct xs_dom *d;
	size_t n = 0;

	if (!xs || !domids || !count)
		return -EINVAL;
	for (d = xs->doms; d; d = d->next)
		n += d->introduced;
	*domids = malloc((n ? n : 1) * sizeof(**domids));
	if (!*domids)
		return -ENOMEM;
	n = 0;
	for (d = xs->doms; d; d = d->next)
		if (d->introduced)
			(*domids)[n++] = d->domid;
	*count = n;
	return 0;
}

/* --- the instance ----------------------------------------------------------- */

static const struct pvhv_xs_quota default_quota = {
	.nodes_per_domain = 1000,
	.watches_per_domain = 128,
	.transactions_per_conn = 10,
	.node_size = 2048,
	.perms_per_node = 5,
	.path_len = XENSTORE_REL_PATH_MAX,
	.tx_nodes = 1024,
	.out_bytes = 65536,
	.total_nodes = 262144,
	.socket_conns = 64,
};

PVHV_API int pvhv_xs_new(const struct pvhv_xs_ops *ops, void *opaque, struct pvhv_xs **out)
{
	struct pvhv_xs *xs;
	int i;

	if (!out)
		return -EINVAL;
	xs = calloc(1, sizeof(*xs));
	if (!xs)
		return -ENOMEM;
	if (ops)
		xs->ops = *ops;
	xs->opaque = opaque;
	xs->q = default_quota;
	xs->listen_fd = -1;
	xs->root = xs_node_new_root();
	xs->local = conn_new(xs, XS_CONN_LOCAL, 0);
	for (i = 0; i < XS_NR_SPECIAL; i++) {
		xs->special_perms[i] = calloc(1, sizeof(struct xs_perm));	/* "n0" */
		xs->special_nperms[i] = 1;
	}
	if (!xs->root || !xs->local || !xs->special_perms[0] || !xs->special_perms[1]) {
		pvhv_xs_free(xs);
		return -ENOMEM;
	}
	xs->root->gen = ++xs->gen;
	xs->nodes = 1;
	*out = xs;
	return 0;
}

PVHV_API void pvhv_xs_free(struct pvhv_xs *xs)
{
	struct xs_conn *conn, *cnext;
	struct xs_dom *d, *dnext;
	int i;

	if (!xs)
		return;
	for (conn = xs->conns; conn; conn = cnext) {
		cnext = conn->next;
		if (conn->kind == XS_CONN_RING && !conn->dead && xs->ops.disconnect)
			xs->ops.disconnect(xs->opaque, conn->domid);
		conn_free(conn);
	}
	if (xs->local)
		conn_free(xs->local);
	for (d = xs->doms; d; d = dnext) {
		dnext = d->next;
		watches_free(d->saved_watches);
		free(d);
	}
	if (xs->listen_fd >= 0) {
		close(xs->listen_fd);
		if (xs->listen_path)
			unlink(xs->listen_path);
	}
	free(xs->listen_path);
	xs_node_free(xs->root);
	for (i = 0; i < XS_NR_SPECIAL; i++)
		free(xs->special_perms[i]);
	free(xs);
}

PVHV_API void pvhv_xs_get_quota(const struct pvhv_xs *xs, struct pvhv_xs_quota *q)
{
	if (xs && q)
		*q = xs->q;
}

PVHV_API int pvhv_xs_set_quota(struct pvhv_xs *xs, const struct pvhv_xs_quota *q)
{
	if (!xs || !q || !q->tx_nodes || !q->out_bytes || !q->total_nodes ||
	    q->path_len > XENSTORE_ABS_PATH_MAX || q->out_bytes < 2 * (HDR_LEN + XENSTORE_PAYLOAD_MAX))
		return -EINVAL;
	xs->q = *q;
	return 0;
}

PVHV_API int pvhv_xs_dirty(const struct pvhv_xs *xs)
{
	return xs && xs->dirty;
}

/* --- direct requests as domain 0 -------------------------------------------- */

PVHV_API int pvhv_xs_request(struct pvhv_xs *xs, uint32_t type, const void *payload, size_t len,
			     void **out, size_t *out_len)
{
	struct xs_conn *conn;
	struct xsd_sockmsg h = { .type = type };
	struct xs_msg *m;
	int ret = 0;

	if (!xs || (len && !payload) || len > XENSTORE_PAYLOAD_MAX)
		return -EINVAL;
	conn = xs->local;
	h.len = (uint32_t)len;
	memcpy(conn->in, &h, HDR_LEN);
	if (len)
		memcpy(conn->in + HDR_LEN, payload, len);
	xs->in_dispatch = true;
	handle(conn);
	xs->in_dispatch = false;
	reap(xs);
	m = conn->local_reply;
	conn->local_reply = NULL;
	if (!m)
		return -EIO;
	if (m->hdr.type == XS_ERROR) {
		ret = -pvhv_xs_errno((const char *)m->data + HDR_LEN);
	} else if (out) {
		*out = malloc(m->hdr.len + 1);
		if (!*out) {
			ret = -ENOMEM;
		} else {
			memcpy(*out, m->data + HDR_LEN, m->hdr.len);
			((char *)*out)[m->hdr.len] = '\0';
			if (out_len)
				*out_len = m->hdr.len;
		}
	}
	free(m);
	return ret;
}

static int path_req(struct pvhv_xs *xs, uint32_t type, const char *path)
{
	if (!path)
		return -EINVAL;
	return pvhv_xs_request(xs, type, path, strlen(path) + 1, NULL, NULL);
}

PVHV_API int pvhv_xs_write(struct pvhv_xs *xs, const char *path, const void *value, size_t len)
{
	char buf[XENSTORE_PAYLOAD_MAX];
	int n = xs_payload_write(buf, sizeof(buf), path, value, len);

	return n < 0 ? n : pvhv_xs_request(xs, XS_WRITE, buf, (size_t)n, NULL, NULL);
}

PVHV_API int pvhv_xs_write_str(struct pvhv_xs *xs, const char *path, const char *value)
{
	return pvhv_xs_write(xs, path, value, value ? strlen(value) : 0);
}

PVHV_API int pvhv_xs_mkdir(struct pvhv_xs *xs, const char *path)
{
	return path_req(xs, XS_MKDIR, path);
}

PVHV_API int pvhv_xs_rm(struct pvhv_xs *xs, const char *path)
{
	return path_req(xs, XS_RM, path);
}

PVHV_API int pvhv_xs_read(struct pvhv_xs *xs, const char *path, char **value, size_t *len)
{
	size_t l = 0;
	int ret;

	if (!path || !value)
		return -EINVAL;
	ret = pvhv_xs_request(xs, XS_READ, path, strlen(path) + 1, (void **)value, &l);
	if (!ret && len)
		*len = l;
	return ret;
}

PVHV_API int pvhv_xs_set_perms(struct pvhv_xs *xs, const char *path, const char *perms)
{
	char buf[XENSTORE_PAYLOAD_MAX];
	int n = xs_payload_perms(buf, sizeof(buf), path, perms);

	return n < 0 ? n : pvhv_xs_request(xs, XS_SET_PERMS, buf, (size_t)n, NULL, NULL);
}
