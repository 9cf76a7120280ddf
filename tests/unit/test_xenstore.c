// SPDX-License-Identifier: GPL-2.0-only
/*
 * libpvhv's xenstored without any module: the store through direct requests
 * (domain 0), guests through an in-memory xenstore_domain_interface ring
 * (permissions, relative paths, watches, quotas, transactions, hostile ring
 * indexes and payloads), the unix socket through libpvhv's client and
 * through Debian's real xenstore-* tools, and save/load.
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <sys/un.h>
#include <fcntl.h>
#include <poll.h>
#include <unistd.h>

#include <stdint.h>
#include <xen/io/xs_wire.h>

#include "pvhv_xenstore.h"
#include "unit.h"

/* --- a guest's end of a ring, in memory ---------------------------------- */

struct tring {
	struct pvhv_xs *xs;
	uint32_t domid;
	struct xenstore_domain_interface *intf;
	int notifies;
	/* bytes read from rsp, not yet parsed */
	uint8_t rbuf[65536];
	size_t rlen;
	/* watch events seen while waiting for replies: "path token" lines */
	char events[16384];
	size_t elen;
	int nevents;
};

static void tr_notify(void *o)
{
	((struct tring *)o)->notifies++;
}

static struct pvhv_xs *new_store(void)
{
	struct pvhv_xs *xs;

	ck_assert_int_eq(pvhv_xs_new(NULL, NULL, &xs), 0);
	return xs;
}

/* Introduce @domid with an in-memory ring; the toolstack's skeleton too. */
static struct tring *tr_new(struct pvhv_xs *xs, uint32_t domid)
{
	struct tring *t = calloc(1, sizeof(*t));
	char path[64], perms[32];

	ck_assert_ptr_nonnull(t);
	t->intf = calloc(1, 4096);
	t->xs = xs;
	t->domid = domid;
	snprintf(path, sizeof(path), "/local/domain/%u", domid);
	ck_assert_int_eq(pvhv_xs_mkdir(xs, path), 0);
	snprintf(perms, sizeof(perms), "n%u r0", domid);
	ck_assert_int_eq(pvhv_xs_set_perms(xs, path, perms), 0);
	ck_assert_int_eq(pvhv_xs_introduce(xs, domid, 0x1234, 5), 0);
	ck_assert_int_eq(pvhv_xs_attach_ring(xs, domid, t->intf, tr_notify, t), 0);
	return t;
}

static void tr_free(struct tring *t)
{
	free(t->intf);
	free(t);
}

static void tr_put(struct tring *t, const void *data, size_t len)
{
	const uint8_t *p = data;

	while (len) {
		uint32_t prod = t->intf->req_prod, cons = t->intf->req_cons;
		uint32_t space = XENSTORE_RING_SIZE - (prod - cons), at = MASK_XENSTORE_IDX(prod);
		uint32_t n = (uint32_t)len;

		if (!space) {
			ck_assert_int_eq(pvhv_xs_ring_event(t->xs, t->domid), 0);
			ck_assert_msg(t->intf->req_cons != cons, "the server does not consume");
			continue;
		}
		if (n > space)
			n = space;
		if (n > XENSTORE_RING_SIZE - at)
			n = XENSTORE_RING_SIZE - at;
		memcpy(t->intf->req + at, p, n);
		__atomic_store_n(&t->intf->req_prod, prod + n, __ATOMIC_RELEASE);
		p += n;
		len -= n;
	}
}

/* Pull what the server wrote into rbuf. */
static void tr_drain(struct tring *t)
{
	uint32_t cons = t->intf->rsp_cons, prod = __atomic_load_n(&t->intf->rsp_prod, __ATOMIC_ACQUIRE);

	while (cons != prod && t->rlen < sizeof(t->rbuf)) {
		t->rbuf[t->rlen++] = (uint8_t)t->intf->rsp[MASK_XENSTORE_IDX(cons)];
		cons++;
	}
	__atomic_store_n(&t->intf->rsp_cons, cons, __ATOMIC_RELEASE);
}

/* The next complete message from rbuf (after kicking the server). */
static int tr_next(struct tring *t, struct xsd_sockmsg *h, char *payload)
{
	int tries;

	for (tries = 0; tries < 64; tries++) {
		tr_drain(t);
		if (t->rlen >= sizeof(*h)) {
			memcpy(h, t->rbuf, sizeof(*h));
			ck_assert_uint_le(h->len, XENSTORE_PAYLOAD_MAX);
			if (t->rlen >= sizeof(*h) + h->len) {
				memcpy(payload, t->rbuf + sizeof(*h), h->len);
				payload[h->len] = '\0';
				t->rlen -= sizeof(*h) + h->len;
				memmove(t->rbuf, t->rbuf + sizeof(*h) + h->len, t->rlen);
				return 0;
			}
		}
		pvhv_xs_ring_event(t->xs, t->domid);
	}
	return -ETIMEDOUT;
}

static void note_event(struct tring *t, const char *payload, uint32_t len)
{
	size_t pl = strnlen(payload, len);
	int n = snprintf(t->events + t->elen, sizeof(t->events) - t->elen, "%s %s\n", payload,
			 pl + 1 < len ? payload + pl + 1 : "?");

	if (n > 0 && t->elen + (size_t)n < sizeof(t->events))
		t->elen += (size_t)n;
	t->nevents++;
}

/* A request over the ring; the reply payload in @out (>= 4097 bytes). */
static int tr_req(struct tring *t, uint32_t type, uint32_t tx, const void *payload, uint32_t len,
		  char *out, uint32_t *olen)
{
	static uint32_t req_id = 100;
	struct xsd_sockmsg h = { .type = type, .req_id = ++req_id, .tx_id = tx, .len = len };
	struct xsd_sockmsg r;
	char buf[XENSTORE_PAYLOAD_MAX + 1];

	tr_put(t, &h, sizeof(h));
	tr_put(t, payload, len);
	ck_assert_int_eq(pvhv_xs_ring_event(t->xs, t->domid), 0);
	for (;;) {
		ck_assert_int_eq(tr_next(t, &r, buf), 0);
		if (r.type == XS_WATCH_EVENT) {
			ck_assert_uint_eq(r.req_id, 0);
			note_event(t, buf, r.len);
			continue;
		}
		ck_assert_uint_eq(r.req_id, h.req_id);
		ck_assert_uint_eq(r.tx_id, tx);
		if (out) {
			memcpy(out, buf, r.len + 1);
			if (olen)
				*olen = r.len;
		}
		if (r.type == XS_ERROR)
			return -pvhv_xs_errno(buf);
		ck_assert_uint_eq(r.type, type);
		return 0;
	}
}

static int tr_path(struct tring *t, uint32_t type, uint32_t tx, const char *path)
{
	char out[XENSTORE_PAYLOAD_MAX + 1];

	return tr_req(t, type, tx, path, (uint32_t)strlen(path) + 1, out, NULL);
}

static void tr_clear(struct tring *t)
{
	t->nevents = 0;
	t->elen = 0;
	t->events[0] = '\0';
}

static int tr_write(struct tring *t, uint32_t tx, const char *path, const char *val)
{
	char buf[XENSTORE_PAYLOAD_MAX];
	size_t pl = strlen(path) + 1, vl = strlen(val);

	memcpy(buf, path, pl);
	memcpy(buf + pl, val, vl);
	return tr_req(t, XS_WRITE, tx, buf, (uint32_t)(pl + vl), NULL, NULL);
}

static int tr_read(struct tring *t, uint32_t tx, const char *path, char *out)
{
	return tr_req(t, XS_READ, tx, path, (uint32_t)strlen(path) + 1, out, NULL);
}

static int tr_two(struct tring *t, uint32_t type, const char *a, const char *b)
{
	char buf[XENSTORE_PAYLOAD_MAX];
	size_t al = strlen(a) + 1, bl = strlen(b) + 1;

	memcpy(buf, a, al);
	memcpy(buf + al, b, bl);
	return tr_req(t, type, 0, buf, (uint32_t)(al + bl), NULL, NULL);
}

static uint32_t tr_tx_start(struct tring *t)
{
	char out[XENSTORE_PAYLOAD_MAX + 1];

	ck_assert_int_eq(tr_req(t, XS_TRANSACTION_START, 0, "", 1, out, NULL), 0);
	return (uint32_t)strtoul(out, NULL, 10);
}

static int tr_tx_end(struct tring *t, uint32_t tx, int commit)
{
	return tr_req(t, XS_TRANSACTION_END, tx, commit ? "T" : "F", 2, NULL, NULL);
}

static char *xs_get(struct pvhv_xs *xs, const char *path)
{
	char *v = NULL;
	int ret = pvhv_xs_read(xs, path, &v, NULL);

	return ret ? NULL : v;
}

/* --- the store through direct requests ------------------------------------ */

START_TEST(test_basic)
{
	struct pvhv_xs *xs = new_store();
	char *v, *names;
	size_t len;

	ck_assert_int_eq(pvhv_xs_write_str(xs, "/a/b/c", "hello"), 0);
	v = xs_get(xs, "/a/b/c");
	ck_assert_str_eq(v, "hello");
	free(v);
	/* WRITE made the parents, empty. */
	v = xs_get(xs, "/a/b");
	ck_assert_str_eq(v, "");
	free(v);
	ck_assert_int_eq(pvhv_xs_read(xs, "/a/x", &v, &len), -ENOENT);
	/* Binary values keep their NULs and length. */
	ck_assert_int_eq(pvhv_xs_write(xs, "/bin", "x\0y", 3), 0);
	ck_assert_int_eq(pvhv_xs_read(xs, "/bin", &v, &len), 0);
	ck_assert_uint_eq(len, 3);
	ck_assert_int_eq(memcmp(v, "x\0y", 3), 0);
	free(v);
	/* MKDIR keeps an existing value. */
	ck_assert_int_eq(pvhv_xs_mkdir(xs, "/a/b/c"), 0);
	v = xs_get(xs, "/a/b/c");
	ck_assert_str_eq(v, "hello");
	free(v);
	ck_assert_int_eq(pvhv_xs_mkdir(xs, "/a/d"), 0);
	/* DIRECTORY: leaf names, NUL-separated. */
	ck_assert_int_eq(pvhv_xs_request(xs, XS_DIRECTORY, "/a", 3, (void **)&names, &len), 0);
	ck_assert_uint_eq(len, 4);
	ck_assert_int_eq(memcmp(names, "b\0d\0", 4), 0);
	free(names);
	ck_assert_int_eq(pvhv_xs_request(xs, XS_DIRECTORY, "/a/b/c", 7, (void **)&names, &len), 0);
	ck_assert_uint_eq(len, 0);
	free(names);
	/* RM removes the subtree; removing what is not there is fine if the parent is. */
	ck_assert_int_eq(pvhv_xs_rm(xs, "/a/b"), 0);
	ck_assert_int_eq(pvhv_xs_read(xs, "/a/b/c", &v, &len), -ENOENT);
	ck_assert_int_eq(pvhv_xs_rm(xs, "/a/b"), 0);
	ck_assert_int_eq(pvhv_xs_rm(xs, "/a/b/c"), -ENOENT);
	ck_assert_int_eq(pvhv_xs_rm(xs, "/"), -EINVAL);
	pvhv_xs_free(xs);
}
END_TEST

START_TEST(test_paths)
{
	struct pvhv_xs *xs = new_store();
	char long_path[XENSTORE_ABS_PATH_MAX + 16];
	size_t i;

	ck_assert_int_eq(pvhv_xs_write_str(xs, "/a//b", "x"), -EINVAL);
	ck_assert_int_eq(pvhv_xs_write_str(xs, "/a/", "x"), -EINVAL);
	ck_assert_int_eq(pvhv_xs_write_str(xs, "/a b", "x"), -EINVAL);
	ck_assert_int_eq(pvhv_xs_write_str(xs, "/a.b", "x"), -EINVAL);
	ck_assert_int_eq(pvhv_xs_write_str(xs, "", "x"), -EINVAL);
	/* Relative paths are for domains, not domain 0's socket. */
	ck_assert_int_eq(pvhv_xs_write_str(xs, "rel", "x"), -EINVAL);
	ck_assert_int_eq(pvhv_xs_write_str(xs, "/A-z_0@9", "x"), 0);
	long_path[0] = '/';
	for (i = 1; i < sizeof(long_path) - 1; i++)
		long_path[i] = (i % 100) ? 'p' : '/';
	long_path[sizeof(long_path) - 1] = '\0';
	ck_assert_int_eq(pvhv_xs_mkdir(xs, long_path), -EINVAL);
	/* Special paths only where watches and permissions take them. */
	ck_assert_int_eq(pvhv_xs_write_str(xs, "@releaseDomain", "x"), -EINVAL);
	pvhv_xs_free(xs);
}
END_TEST

START_TEST(test_wire_errors)
{
	struct pvhv_xs *xs = new_store();
	void *r;
	size_t len;

	/* Xen's error strings, both ways. */
	ck_assert_str_eq(pvhv_xs_errstr(ENOENT), "ENOENT");
	ck_assert_str_eq(pvhv_xs_errstr(-EAGAIN), "EAGAIN");
	ck_assert_str_eq(pvhv_xs_errstr(EPERM), "EPERM");
	ck_assert_str_eq(pvhv_xs_errstr(EBADF), "EINVAL");
	ck_assert_int_eq(pvhv_xs_errno("EACCES"), EACCES);
	ck_assert_int_eq(pvhv_xs_errno("bogus"), EINVAL);
	/* Malformed payloads: no NUL, two strings for one, none at all. */
	ck_assert_int_eq(pvhv_xs_request(xs, XS_READ, "/a", 2, &r, &len), -EINVAL);
	ck_assert_int_eq(pvhv_xs_request(xs, XS_READ, "/\0/", 4, &r, &len), -EINVAL);
	ck_assert_int_eq(pvhv_xs_request(xs, XS_WRITE, "/abc", 4, &r, &len), -EINVAL);
	ck_assert_int_eq(pvhv_xs_request(xs, XS_SET_PERMS, "/\0", 2, &r, &len), -EINVAL);
	ck_assert_int_eq(pvhv_xs_request(xs, XS_SET_PERMS, "/\0x0\0", 5, &r, &len), -EINVAL);
	ck_assert_int_eq(pvhv_xs_request(xs, XS_SET_PERMS, "/\0r99999\0", 9, &r, &len), -EINVAL);
	ck_assert_int_eq(pvhv_xs_request(xs, XS_SET_PERMS, "/\0r1", 4, &r, &len), -EINVAL);
	/* Types a client may not send, the removed RESTRICT, unknown ones. */
	ck_assert_int_eq(pvhv_xs_request(xs, XS_WATCH_EVENT, "/\0t\0", 4, &r, &len), -ENOSYS);
	ck_assert_int_eq(pvhv_xs_request(xs, XS_ERROR, "", 0, &r, &len), -ENOSYS);
	ck_assert_int_eq(pvhv_xs_request(xs, 20, "", 0, &r, &len), -ENOSYS);
	ck_assert_int_eq(pvhv_xs_request(xs, 9999, "", 0, &r, &len), -ENOSYS);
	/* Unknown transaction id on a request that uses one. */
	pvhv_xs_free(xs);
}
END_TEST

START_TEST(test_directory_part)
{
	struct pvhv_xs *xs = new_store();
	char path[128], *r, *all;
	size_t len, total = 0, off = 0, expect = 0;
	int i, parts = 0;

	/* 600 children of 12 bytes: > 4096, so DIRECTORY says E2BIG. */
	for (i = 0; i < 600; i++) {
		snprintf(path, sizeof(path), "/many/child-%05d", i);
		ck_assert_int_eq(pvhv_xs_mkdir(xs, path), 0);
		expect += strlen(path) - 6 + 1;
	}
	ck_assert_int_eq(pvhv_xs_request(xs, XS_DIRECTORY, "/many", 6, (void **)&r, &len), -E2BIG);
	all = malloc(expect + 1);
	for (;;) {
		char req[64];
		int rl = snprintf(req, sizeof(req), "/many%c%zu", 0, off) + 1;
		size_t gl;

		ck_assert_int_eq(pvhv_xs_request(xs, XS_DIRECTORY_PART, req, (size_t)rl,
						 (void **)&r, &len), 0);
		ck_assert_uint_le(len, XENSTORE_PAYLOAD_MAX);
		gl = strlen(r) + 1;
		ck_assert_uint_gt(strtoull(r, NULL, 10), 0);
		parts++;
		if (len - gl >= 2 && r[len - 1] == 0 && r[len - 2] == 0) {
			memcpy(all + total, r + gl, len - gl - 1);
			total += len - gl - 1;
			free(r);
			break;
		}
		ck_assert_uint_gt(len - gl, 0);
		memcpy(all + total, r + gl, len - gl);
		total += len - gl;
		off += len - gl;
		free(r);
	}
	ck_assert_uint_eq(total, expect);
	ck_assert_int_ge(parts, 2);
	ck_assert_int_eq(memcmp(all, "child-00000", 12), 0);
	/* Past the end: the generation and one empty string. */
	ck_assert_int_eq(pvhv_xs_request(xs, XS_DIRECTORY_PART, "/many\0" "99999", 12,
					 (void **)&r, &len), 0);
	ck_assert_uint_eq(len, strlen(r) + 2);
	free(r);
	free(all);
	pvhv_xs_free(xs);
}
END_TEST

/* --- domains over the ring ------------------------------------------------- */

START_TEST(test_ring_perms)
{
	struct pvhv_xs *xs = new_store();
	struct tring *a = tr_new(xs, 5), *b = tr_new(xs, 6);
	char out[XENSTORE_PAYLOAD_MAX + 1];
	uint32_t olen;

	ck_assert_int_eq(pvhv_xs_write_str(xs, "/local/domain/5/name", "guest5"), 0);
	/* A domain reads its own keys, by absolute and by relative path. */
	ck_assert_int_eq(tr_read(a, 0, "/local/domain/5/name", out), 0);
	ck_assert_str_eq(out, "guest5");
	ck_assert_int_eq(tr_read(a, 0, "name", out), 0);
	ck_assert_str_eq(out, "guest5");
	/* It owns its home: writes there, and what it creates is its own. */
	ck_assert_int_eq(tr_write(a, 0, "data/x", "1"), 0);
	ck_assert_int_eq(tr_req(a, XS_GET_PERMS, 0, "data/x", 7, out, &olen), 0);
	ck_assert_int_eq(memcmp(out, "n5\0r0\0", 6), 0);
	/* Another domain's home is closed: EACCES, also for missing nodes. */
	ck_assert_int_eq(tr_read(b, 0, "/local/domain/5/name", out), -EACCES);
	ck_assert_int_eq(tr_read(b, 0, "/local/domain/5/nothing", out), -EACCES);
	ck_assert_int_eq(tr_write(b, 0, "/local/domain/5/name", "evil"), -EACCES);
	ck_assert_int_eq(tr_path(b, XS_RM, 0, "/local/domain/5/data"), -EACCES);
	ck_assert_int_eq(tr_path(b, XS_DIRECTORY, 0, "/local/domain/5"), -EACCES);
	ck_assert_int_eq(tr_write(a, 0, "/local/domain/6/x", "1"), -EACCES);
	/* The store outside the homes belongs to domain 0. */
	ck_assert_int_eq(tr_write(a, 0, "/vm/x", "1"), -EACCES);
	ck_assert_int_eq(tr_path(a, XS_DIRECTORY, 0, "/"), -EACCES);
	/* Missing below a readable node: ENOENT. */
	ck_assert_int_eq(tr_read(a, 0, "nothing", out), -ENOENT);
	/* Granting: 5 lets 6 read one key, and 6 writes where 5 gave 'b'. */
	ck_assert_int_eq(tr_req(a, XS_SET_PERMS, 0, "data/x\0n5\0r6", 13, NULL, NULL), 0);
	ck_assert_int_eq(tr_read(b, 0, "/local/domain/5/data/x", out), 0);
	ck_assert_str_eq(out, "1");
	ck_assert_int_eq(tr_write(b, 0, "/local/domain/5/data/x", "2"), -EACCES);
	ck_assert_int_eq(tr_req(a, XS_SET_PERMS, 0, "data\0n5\0b6", 11, NULL, NULL), 0);
	ck_assert_int_eq(tr_write(b, 0, "/local/domain/5/data/y", "from6"), 0);
	/* ...and owns what it created there, so 5 cannot read it. */
	ck_assert_int_eq(tr_req(b, XS_GET_PERMS, 0, "/local/domain/5/data/y", 23, out, &olen), 0);
	ck_assert_int_eq(memcmp(out, "n6\0b6\0", 6), 0);
	ck_assert_int_eq(tr_read(a, 0, "data/y", out), -EACCES);
	/* Only the owner changes permissions; nobody gives a node away. */
	ck_assert_int_eq(tr_two(b, XS_SET_PERMS, "/local/domain/5/data", "b6"), -EACCES);
	ck_assert_int_eq(tr_two(a, XS_SET_PERMS, "data/x", "n6"), -EPERM);
	/* Domains may not introduce, release, or use CONTROL. */
	ck_assert_int_eq(tr_req(a, XS_INTRODUCE, 0, "7\0" "1\0" "1", 6, NULL, NULL), -EACCES);
	ck_assert_int_eq(tr_path(a, XS_RELEASE, 0, "6"), -EACCES);
	ck_assert_int_eq(tr_path(a, XS_CONTROL, 0, "print"), -EACCES);
	ck_assert_int_eq(tr_two(a, XS_SET_PERMS, "@releaseDomain", "r5"), -EACCES);
	/* GET_DOMAIN_PATH and IS_DOMAIN_INTRODUCED answer anyone. */
	ck_assert_int_eq(tr_req(a, XS_GET_DOMAIN_PATH, 0, "6", 2, out, NULL), 0);
	ck_assert_str_eq(out, "/local/domain/6");
	ck_assert_int_eq(tr_req(a, XS_IS_DOMAIN_INTRODUCED, 0, "6", 2, out, NULL), 0);
	ck_assert_str_eq(out, "T");
	ck_assert_int_eq(tr_req(a, XS_IS_DOMAIN_INTRODUCED, 0, "9", 2, out, NULL), 0);
	ck_assert_str_eq(out, "F");
	ck_assert_int_gt(a->notifies, 0);
	tr_free(a);
	tr_free(b);
	pvhv_xs_free(xs);
}
END_TEST

START_TEST(test_ring_watches)
{
	struct pvhv_xs *xs = new_store();
	struct tring *a = tr_new(xs, 5), *b = tr_new(xs, 6);
	char out[XENSTORE_PAYLOAD_MAX + 1];

	ck_assert_int_eq(pvhv_xs_mkdir(xs, "/local/domain/5/control"), 0);
	/* A relative watch fires at once, then for host writes, relative. */
	ck_assert_int_eq(tr_two(a, XS_WATCH, "control", "tok1"), 0);
	ck_assert_int_eq(tr_read(a, 0, "control", out), 0);	/* collects events */
	ck_assert_int_eq(a->nevents, 1);
	ck_assert_str_eq(a->events, "control tok1\n");
	ck_assert_int_eq(pvhv_xs_write_str(xs, "/local/domain/5/control/shutdown", "poweroff"), 0);
	ck_assert_int_eq(tr_read(a, 0, "control", out), 0);
	ck_assert_int_eq(a->nevents, 2);
	ck_assert_ptr_nonnull(strstr(a->events, "control/shutdown tok1\n"));
	/* The same watch twice: EEXIST; unknown unwatch: ENOENT. */
	ck_assert_int_eq(tr_two(a, XS_WATCH, "control", "tok1"), -EEXIST);
	ck_assert_int_eq(tr_two(a, XS_UNWATCH, "control", "nope"), -ENOENT);
	/* Watches are filtered by read permission: 6 sees nothing of 5's home. */
	ck_assert_int_eq(tr_two(b, XS_WATCH, "/local/domain/5", "spy"), 0);
	ck_assert_int_eq(tr_read(b, 0, "/local/domain/6", out), 0);
	b->nevents = 0;
	ck_assert_int_eq(pvhv_xs_write_str(xs, "/local/domain/5/control/x", "1"), 0);
	ck_assert_int_eq(tr_read(b, 0, "/local/domain/6", out), 0);
	ck_assert_int_eq(b->nevents, 0);
	/* Removal fires for the removed node (and watches exactly below it). */
	ck_assert_int_eq(tr_two(a, XS_WATCH, "/local/domain/5/control/x", "exact"), 0);
	ck_assert_int_eq(tr_read(a, 0, "control", out), 0);
	tr_clear(a);
	ck_assert_int_eq(pvhv_xs_rm(xs, "/local/domain/5/control"), 0);
	ck_assert_int_eq(tr_read(a, 0, "name", out), -ENOENT);
	ck_assert_ptr_nonnull(strstr(a->events, "control tok1\n"));
	ck_assert_ptr_nonnull(strstr(a->events, "/local/domain/5/control/x exact\n"));
	/* Special watches: closed to domains until domain 0 grants them. */
	ck_assert_int_eq(tr_two(a, XS_WATCH, "@releaseDomain", "rel"), 0);
	ck_assert_int_eq(tr_read(a, 0, "/local/domain/5", out), 0);
	a->nevents = 0;
	ck_assert_int_eq(pvhv_xs_fire_special(xs, "@releaseDomain"), 0);
	ck_assert_int_eq(tr_read(a, 0, "/local/domain/5", out), 0);
	ck_assert_int_eq(a->nevents, 0);
	ck_assert_int_eq(pvhv_xs_set_perms(xs, "@releaseDomain", "n0 r5"), 0);
	ck_assert_int_eq(pvhv_xs_fire_special(xs, "@releaseDomain"), 0);
	ck_assert_int_eq(tr_read(a, 0, "/local/domain/5", out), 0);
	ck_assert_int_eq(a->nevents, 1);
	/* RESET_WATCHES forgets them all. */
	ck_assert_int_eq(tr_req(a, XS_RESET_WATCHES, 0, "", 1, NULL, NULL), 0);
	a->nevents = 0;
	ck_assert_int_eq(pvhv_xs_write_str(xs, "/local/domain/5/y", "1"), 0);
	ck_assert_int_eq(tr_read(a, 0, "y", out), 0);
	ck_assert_int_eq(a->nevents, 0);
	tr_free(a);
	tr_free(b);
	pvhv_xs_free(xs);
}
END_TEST

START_TEST(test_ring_quotas)
{
	struct pvhv_xs *xs = new_store();
	struct pvhv_xs_quota q;
	struct tring *a;
	char path[64], big[3000];
	int i, ret = 0;
	uint32_t tx[16];

	pvhv_xs_get_quota(xs, &q);
	ck_assert_uint_eq(q.nodes_per_domain, 1000);
	q.nodes_per_domain = 20;
	q.watches_per_domain = 4;
	ck_assert_int_eq(pvhv_xs_set_quota(xs, &q), 0);
	a = tr_new(xs, 5);
	/* Nodes: the domain owns its home and what it creates; the 20th new one fails. */
	for (i = 0; i < 30 && !ret; i++) {
		snprintf(path, sizeof(path), "n%d", i);
		ret = tr_write(a, 0, path, "v");
	}
	ck_assert_int_eq(ret, -ENOSPC);
	ck_assert_int_eq(i, 20);
	/* Removing gives the quota back. */
	ck_assert_int_eq(tr_path(a, XS_RM, 0, "n0"), 0);
	ck_assert_int_eq(tr_write(a, 0, "again", "v"), 0);
	/* Value size. */
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	ck_assert_int_eq(tr_write(a, 0, "n1", big), -ENOSPC);
	big[2048] = '\0';
	ck_assert_int_eq(tr_write(a, 0, "n1", big), 0);
	/* Watches: E2BIG after the quota. */
	for (i = 0, ret = 0; i < 10 && !ret; i++) {
		snprintf(path, sizeof(path), "w%d", i);
		ret = tr_two(a, XS_WATCH, "n1", path);
	}
	ck_assert_int_eq(ret, -E2BIG);
	ck_assert_int_eq(i, 5);
	/* Transactions: 10 open at once, the 11th ENOSPC (Xen's quota error). */
	for (i = 0; i < 10; i++)
		tx[i] = tr_tx_start(a);
	ck_assert_int_eq(tr_req(a, XS_TRANSACTION_START, 0, "", 1, NULL, NULL), -ENOSPC);
	for (i = 0; i < 10; i++)
		ck_assert_int_eq(tr_tx_end(a, tx[i], 0), 0);
	/* Permission entries per node. */
	ck_assert_int_eq(tr_req(a, XS_SET_PERMS, 0, "n1\0n5\0r1\0r2\0r3\0r4\0r6", 21, NULL, NULL),
			 -ENOSPC);
	ck_assert_int_eq(tr_req(a, XS_SET_PERMS, 0, "n1\0n5\0r1\0r2\0r3\0r4", 18, NULL, NULL), 0);
	/* Path length below the home. */
	memset(big, 'p', 2100);
	big[2100] = '\0';
	ck_assert_int_eq(tr_write(a, 0, big, "v"), -EINVAL);
	/* Domain 0 is not bound by domain quotas. */
	for (i = 0; i < 50; i++) {
		snprintf(path, sizeof(path), "/tool/n%d", i);
		ck_assert_int_eq(pvhv_xs_write_str(xs, path, "v"), 0);
	}
	tr_free(a);
	pvhv_xs_free(xs);
}
END_TEST

START_TEST(test_transactions)
{
	struct pvhv_xs *xs = new_store();
	struct tring *a = tr_new(xs, 5), *b = tr_new(xs, 6);
	char out[XENSTORE_PAYLOAD_MAX + 1], *v;
	uint32_t t1, t2, olen;

	ck_assert_int_eq(pvhv_xs_write_str(xs, "/local/domain/5/counter", "1"), 0);
	ck_assert_int_eq(pvhv_xs_set_perms(xs, "/local/domain/5/counter", "n5 b6"), 0);
	/* Isolation: a transaction's writes are invisible until commit. */
	t1 = tr_tx_start(a);
	ck_assert_uint_gt(t1, 0);
	ck_assert_int_eq(tr_write(a, t1, "counter", "2"), 0);
	ck_assert_int_eq(tr_write(a, t1, "new/deep", "x"), 0);
	ck_assert_int_eq(tr_read(a, t1, "counter", out), 0);
	ck_assert_str_eq(out, "2");
	ck_assert_int_eq(tr_read(a, 0, "counter", out), 0);
	ck_assert_str_eq(out, "1");
	ck_assert_int_eq(tr_read(a, 0, "new/deep", out), -ENOENT);
	/* DIRECTORY inside the transaction shows its own new node. */
	ck_assert_int_eq(tr_req(a, XS_DIRECTORY, t1, "/local/domain/5", 16, out, &olen), 0);
	ck_assert_ptr_nonnull(memmem(out, olen, "new\0", 4));
	ck_assert_int_eq(tr_tx_end(a, t1, 1), 0);
	v = xs_get(xs, "/local/domain/5/new/deep");
	ck_assert_str_eq(v, "x");
	free(v);
	/* Conflict: both read the counter, both write it; the second gets EAGAIN. */
	t1 = tr_tx_start(a);
	t2 = tr_tx_start(b);
	ck_assert_int_eq(tr_read(a, t1, "counter", out), 0);
	ck_assert_int_eq(tr_read(b, t2, "/local/domain/5/counter", out), 0);
	ck_assert_int_eq(tr_write(a, t1, "counter", "3"), 0);
	ck_assert_int_eq(tr_write(b, t2, "/local/domain/5/counter", "30"), 0);
	ck_assert_int_eq(tr_tx_end(a, t1, 1), 0);
	ck_assert_int_eq(tr_tx_end(b, t2, 1), -EAGAIN);
	v = xs_get(xs, "/local/domain/5/counter");
	ck_assert_str_eq(v, "3");
	free(v);
	/* The id is gone after END either way; the retry succeeds. */
	ck_assert_int_eq(tr_read(b, t2, "/local/domain/5/counter", out), -ENOENT);
	t2 = tr_tx_start(b);
	ck_assert_int_eq(tr_read(b, t2, "/local/domain/5/counter", out), 0);
	ck_assert_int_eq(tr_write(b, t2, "/local/domain/5/counter", "4"), 0);
	ck_assert_int_eq(tr_tx_end(b, t2, 1), 0);
	/* Not a conflict: a write to a node the transaction never touched. */
	t1 = tr_tx_start(a);
	ck_assert_int_eq(tr_write(a, t1, "mine", "m"), 0);
	ck_assert_int_eq(pvhv_xs_write_str(xs, "/local/domain/5/counter", "5"), 0);
	ck_assert_int_eq(tr_tx_end(a, t1, 1), 0);
	/* A directory listed in a transaction conflicts with a new child. */
	t1 = tr_tx_start(a);
	ck_assert_int_eq(tr_req(a, XS_DIRECTORY, t1, "new", 4, out, &olen), 0);
	ck_assert_int_eq(tr_write(a, t1, "new/other", "o"), 0);
	ck_assert_int_eq(pvhv_xs_write_str(xs, "/local/domain/5/new/third", "t"), 0);
	ck_assert_int_eq(tr_tx_end(a, t1, 1), -EAGAIN);
	/* RM inside a transaction, then re-create below: applied in order. */
	t1 = tr_tx_start(a);
	ck_assert_int_eq(tr_path(a, XS_RM, t1, "new"), 0);
	ck_assert_int_eq(tr_read(a, t1, "new/deep", out), -ENOENT);
	ck_assert_int_eq(tr_write(a, t1, "new/fresh", "f"), 0);
	ck_assert_int_eq(tr_req(a, XS_DIRECTORY, t1, "new", 4, out, &olen), 0);
	ck_assert_uint_eq(olen, 6);
	ck_assert_int_eq(memcmp(out, "fresh\0", 6), 0);
	ck_assert_int_eq(tr_tx_end(a, t1, 1), 0);
	ck_assert_int_eq(pvhv_xs_read(xs, "/local/domain/5/new/deep", &v, NULL), -ENOENT);
	v = xs_get(xs, "/local/domain/5/new/fresh");
	ck_assert_str_eq(v, "f");
	free(v);
	/* Abort discards. */
	t1 = tr_tx_start(a);
	ck_assert_int_eq(tr_write(a, t1, "aborted", "a"), 0);
	ck_assert_int_eq(tr_tx_end(a, t1, 0), 0);
	ck_assert_int_eq(pvhv_xs_read(xs, "/local/domain/5/aborted", &v, NULL), -ENOENT);
	/* Permissions apply inside transactions too. */
	t2 = tr_tx_start(b);
	ck_assert_int_eq(tr_write(b, t2, "/local/domain/5/mine", "x"), -EACCES);
	ck_assert_int_eq(tr_tx_end(b, t2, 0), 0);
	/* Bad ends: unknown id, bad argument, nested start. */
	ck_assert_int_eq(tr_tx_end(a, 999, 1), -ENOENT);
	t1 = tr_tx_start(a);
	ck_assert_int_eq(tr_req(a, XS_TRANSACTION_END, t1, "X", 2, NULL, NULL), -EINVAL);
	ck_assert_int_eq(tr_req(a, XS_TRANSACTION_START, t1, "", 1, NULL, NULL), -EBUSY);
	ck_assert_int_eq(tr_tx_end(a, t1, 0), 0);
	tr_free(a);
	tr_free(b);
	pvhv_xs_free(xs);
}
END_TEST

static uint32_t failed_domid;
static const char *failed_why;
static int disconnects;

static void on_failed(void *o, uint32_t domid, const char *why)
{
	(void)o;
	failed_domid = domid;
	failed_why = why;
}

static void on_disconnect(void *o, uint32_t domid)
{
	(void)o;
	(void)domid;
	disconnects++;
}

static struct pvhv_xs *store_with_ops(void)
{
	static const struct pvhv_xs_ops ops = { .failed = on_failed, .disconnect = on_disconnect };
	struct pvhv_xs *xs;

	failed_domid = 0;
	failed_why = NULL;
	disconnects = 0;
	ck_assert_int_eq(pvhv_xs_new(&ops, NULL, &xs), 0);
	return xs;
}

START_TEST(test_ring_garbage)
{
	struct pvhv_xs *xs = store_with_ops();
	struct tring *a = tr_new(xs, 5), *b = tr_new(xs, 6), *c = tr_new(xs, 7);
	struct xsd_sockmsg h = { .type = XS_READ, .len = XENSTORE_PAYLOAD_MAX + 1 };
	char out[XENSTORE_PAYLOAD_MAX + 1];

	ck_assert_uint_eq(a->intf->server_features & XENSTORE_SERVER_FEATURE_ERROR,
			  XENSTORE_SERVER_FEATURE_ERROR);
	/* A req_prod more than a ring ahead: cut off with RINGIDX. */
	a->intf->req_prod = a->intf->req_cons + XENSTORE_RING_SIZE + 1;
	ck_assert_int_eq(pvhv_xs_ring_event(xs, 5), 0);
	ck_assert_uint_eq(failed_domid, 5);
	ck_assert_ptr_nonnull(failed_why);
	ck_assert_uint_eq(a->intf->error, XENSTORE_ERROR_RINGIDX);
	ck_assert_int_eq(disconnects, 1);
	ck_assert_int_eq(pvhv_xs_ring_event(xs, 5), -ENOENT);
	/* A payload above 4096 bytes: PROTO. */
	tr_put(b, &h, sizeof(h));
	ck_assert_int_eq(pvhv_xs_ring_event(xs, 6), 0);
	ck_assert_uint_eq(failed_domid, 6);
	ck_assert_uint_eq(b->intf->error, XENSTORE_ERROR_PROTO);
	/* A rsp_cons beyond what was produced: found when a reply is written. */
	c->intf->rsp_cons = c->intf->rsp_prod + 5000;
	h.len = 2;
	tr_put(c, &h, sizeof(h));
	tr_put(c, "x", 2);
	ck_assert_int_eq(pvhv_xs_ring_event(xs, 7), 0);
	ck_assert_uint_eq(failed_domid, 7);
	ck_assert_uint_eq(c->intf->error, XENSTORE_ERROR_RINGIDX);
	ck_assert_int_eq(disconnects, 3);
	/* The domains stay introduced (RELEASE still works); the store is fine. */
	ck_assert_int_eq(pvhv_xs_is_introduced(xs, 5), 1);
	ck_assert_int_eq(pvhv_xs_write_str(xs, "/after", "ok"), 0);
	ck_assert_int_eq(pvhv_xs_release(xs, 5), 0);
	(void)out;
	tr_free(a);
	tr_free(b);
	tr_free(c);
	pvhv_xs_free(xs);
}
END_TEST

START_TEST(test_ring_survives)
{
	struct pvhv_xs *xs = store_with_ops();
	struct tring *a = tr_new(xs, 5), *b = tr_new(xs, 6);
	char out[XENSTORE_PAYLOAD_MAX + 1];
	unsigned int seed = 12345, i;

	/* Random bytes as requests: errors or a cut-off, never a crash. */
	for (i = 0; i < 20000 && failed_domid != 5; i++) {
		uint8_t junk[64];
		uint32_t j;

		for (j = 0; j < sizeof(junk); j++)
			junk[j] = (uint8_t)rand_r(&seed);
		if (i % 7 == 0) {	/* plausible headers with small lengths */
			struct xsd_sockmsg h = { .type = junk[0] % 30, .req_id = i, .tx_id = junk[1] % 3,
						 .len = junk[2] % 48 };

			memcpy(junk, &h, sizeof(h));
		}
		tr_put(a, junk, sizeof(junk));
		pvhv_xs_ring_event(xs, 5);
		tr_drain(a);
		a->rlen = 0;
	}
	/* The store and the other domain are unharmed. */
	ck_assert_int_eq(tr_write(b, 0, "still", "here"), 0);
	ck_assert_int_eq(tr_read(b, 0, "still", out), 0);
	ck_assert_str_eq(out, "here");
	tr_free(a);
	tr_free(b);
	pvhv_xs_free(xs);
}
END_TEST

START_TEST(test_ring_reconnect)
{
	struct pvhv_xs *xs = new_store();
	struct tring *a = tr_new(xs, 5);
	char out[XENSTORE_PAYLOAD_MAX + 1];

	ck_assert_int_eq(tr_two(a, XS_WATCH, "x", "t"), 0);
	ck_assert_int_eq(tr_read(a, 0, "/local/domain/5", out), 0);
	/* Half a request, then the guest asks to start over. */
	tr_put(a, "\x02\0\0\0", 4);
	pvhv_xs_ring_event(xs, 5);
	a->intf->connection = XENSTORE_RECONNECT;
	ck_assert_int_eq(pvhv_xs_ring_event(xs, 5), 0);
	ck_assert_uint_eq(a->intf->connection, XENSTORE_CONNECTED);
	ck_assert_uint_eq(a->intf->req_prod, 0);
	ck_assert_uint_eq(a->intf->rsp_prod, 0);
	a->rlen = 0;
	a->nevents = 0;
	ck_assert_int_eq(tr_write(a, 0, "x", "1"), 0);
	ck_assert_int_eq(tr_read(a, 0, "x", out), 0);
	ck_assert_str_eq(out, "1");
	ck_assert_int_eq(a->nevents, 0);	/* the watch went with the reset */
	tr_free(a);
	pvhv_xs_free(xs);
}
END_TEST

/* The ring keeps working through wrap-around and replies larger than it. */
START_TEST(test_ring_big)
{
	struct pvhv_xs *xs = new_store();
	struct tring *a = tr_new(xs, 5);
	char out[XENSTORE_PAYLOAD_MAX + 1], val[2049];
	int i;

	memset(val, 'v', 2048);
	val[2048] = '\0';
	for (i = 0; i < 50; i++) {
		val[0] = (char)('a' + i % 26);
		ck_assert_int_eq(tr_write(a, 0, "big", val), 0);
		ck_assert_int_eq(tr_read(a, 0, "big", out), 0);
		ck_assert_uint_eq(strlen(out), 2048);
		ck_assert_int_eq(out[0], 'a' + i % 26);
	}
	tr_free(a);
	pvhv_xs_free(xs);
}
END_TEST

/* A guest that does not read its replies is not read either, and costs no spinning. */
START_TEST(test_ring_backpressure)
{
	struct pvhv_xs *xs = new_store();
	struct pvhv_xs_quota q;
	struct tring *a;
	struct xsd_sockmsg h = { .type = XS_READ, .len = 4 };
	char val[2001], buf[XENSTORE_PAYLOAD_MAX + 1];
	struct pollfd fds[4];
	int i, timeout, replies = 0, sent = 0;

	pvhv_xs_get_quota(xs, &q);
	q.out_bytes = 2 * (16 + XENSTORE_PAYLOAD_MAX);
	ck_assert_int_eq(pvhv_xs_set_quota(xs, &q), 0);
	a = tr_new(xs, 5);
	memset(val, 'v', 2000);
	val[2000] = '\0';
	ck_assert_int_eq(tr_write(a, 0, "big", val), 0);
	/* As many requests as the ring holds, nobody reading the replies. */
	for (i = 0; a->intf->req_prod - a->intf->req_cons + 20 <= XENSTORE_RING_SIZE; i++) {
		h.req_id = 1000 + (uint32_t)i;
		tr_put(a, &h, sizeof(h));
		tr_put(a, "big", 4);
		sent++;
	}
	ck_assert_int_eq(pvhv_xs_ring_event(xs, 5), 0);
	ck_assert_uint_ne(a->intf->req_cons, a->intf->req_prod);	/* it stopped reading */
	timeout = -1;
	pvhv_xs_poll_fill(xs, fds, 4, &timeout);
	ck_assert_int_eq(timeout, -1);	/* and asks for no busy turn */
	/* The guest reads and notifies: the rest comes. */
	for (i = 0; i < 1000 && replies < sent; i++) {
		struct xsd_sockmsg r;

		tr_drain(a);
		while (a->rlen >= sizeof(r)) {
			memcpy(&r, a->rbuf, sizeof(r));
			if (a->rlen < sizeof(r) + r.len)
				break;
			ck_assert_uint_eq(r.type, XS_READ);
			ck_assert_uint_eq(r.len, 2000);
			a->rlen -= sizeof(r) + r.len;
			memmove(a->rbuf, a->rbuf + sizeof(r) + r.len, a->rlen);
			replies++;
		}
		pvhv_xs_ring_event(xs, 5);
	}
	ck_assert_int_eq(replies, sent);
	(void)buf;
	tr_free(a);
	pvhv_xs_free(xs);
}
END_TEST

/* --- domains ------------------------------------------------------------- */

static int connects;

static int on_connect(void *o, uint32_t domid, uint64_t gfn, uint32_t port)
{
	(void)o;
	connects++;
	return domid == 13 || gfn != 77 || port != 3 ? -EINVAL : 0;
}

START_TEST(test_domains)
{
	static const struct pvhv_xs_ops ops = { .connect = on_connect, .disconnect = on_disconnect };
	struct pvhv_xs *xs;
	struct tring *w;
	char out[XENSTORE_PAYLOAD_MAX + 1];
	uint32_t *ids;
	size_t n;
	void *r;

	connects = 0;
	ck_assert_int_eq(pvhv_xs_new(&ops, NULL, &xs), 0);
	/* A watcher domain, allowed to see @introduceDomain. */
	ck_assert_int_eq(pvhv_xs_write_str(xs, "/local/domain/5", ""), 0);
	ck_assert_int_eq(pvhv_xs_set_perms(xs, "/local/domain/5", "n5"), 0);
	w = calloc(1, sizeof(*w));
	w->intf = calloc(1, 4096);
	w->xs = xs;
	w->domid = 5;
	ck_assert_int_eq(pvhv_xs_request(xs, XS_INTRODUCE, "5\0" "77\0" "3", 7, &r, &n), 0);
	free(r);
	ck_assert_int_eq(connects, 1);
	ck_assert_int_eq(pvhv_xs_attach_ring(xs, 5, w->intf, tr_notify, w), 0);
	ck_assert_int_eq(pvhv_xs_attach_ring(xs, 5, w->intf, tr_notify, w), -EBUSY);
	ck_assert_int_eq(pvhv_xs_set_perms(xs, "@introduceDomain", "n0 r5"), 0);
	ck_assert_int_eq(tr_two(w, XS_WATCH, "@introduceDomain", "intro"), 0);
	ck_assert_int_eq(tr_read(w, 0, "/local/domain/5", out), 0);
	tr_clear(w);
	/* INTRODUCE: bad arguments, refused by the embedder, accepted. */
	ck_assert_int_eq(pvhv_xs_request(xs, XS_INTRODUCE, "0\0" "77\0" "3", 7, &r, &n), -EINVAL);
	ck_assert_int_eq(pvhv_xs_request(xs, XS_INTRODUCE, "x\0" "77\0" "3", 7, &r, &n), -EINVAL);
	ck_assert_int_eq(pvhv_xs_request(xs, XS_INTRODUCE, "7\0" "77", 5, &r, &n), -EINVAL);
	ck_assert_int_eq(pvhv_xs_request(xs, XS_INTRODUCE, "13\0" "77\0" "3", 8, &r, &n), -EINVAL);
	ck_assert_int_eq(pvhv_xs_is_introduced(xs, 13), 0);
	ck_assert_int_eq(pvhv_xs_request(xs, XS_INTRODUCE, "7\0" "77\0" "3", 7, &r, &n), 0);
	free(r);
	ck_assert_int_eq(pvhv_xs_is_introduced(xs, 7), 1);
	ck_assert_int_eq(tr_read(w, 0, "/local/domain/5", out), 0);
	ck_assert_int_eq(w->nevents, 1);
	ck_assert_str_eq(w->events, "@introduceDomain intro\n");
	ck_assert_int_eq(pvhv_xs_domains(xs, &ids, &n), 0);
	ck_assert_uint_eq(n, 2);
	free(ids);
	/* RESUME and RELEASE; RELEASE of an unknown domain: ENOENT. */
	ck_assert_int_eq(pvhv_xs_request(xs, XS_RESUME, "7", 2, &r, &n), 0);
	free(r);
	ck_assert_int_eq(pvhv_xs_request(xs, XS_RELEASE, "7", 2, &r, &n), 0);
	free(r);
	ck_assert_int_eq(pvhv_xs_request(xs, XS_RELEASE, "7", 2, &r, &n), -ENOENT);
	ck_assert_int_eq(pvhv_xs_request(xs, XS_RESUME, "7", 2, &r, &n), -ENOENT);
	ck_assert_int_eq(pvhv_xs_is_introduced(xs, 7), 0);
	/* A gone domain's nodes become domain 0's; its grants vanish. */
	ck_assert_int_eq(pvhv_xs_write_str(xs, "/shared", "s"), 0);
	ck_assert_int_eq(pvhv_xs_set_perms(xs, "/shared", "n7 r5 b7"), 0);
	ck_assert_int_eq(pvhv_xs_domain_gone(xs, 7), 0);
	ck_assert_int_eq(pvhv_xs_request(xs, XS_GET_PERMS, "/shared", 8, &r, &n), 0);
	ck_assert_uint_eq(n, 6);
	ck_assert_int_eq(memcmp(r, "n0\0r5\0", 6), 0);
	free(r);
	/* SET_TARGET: domain 5 acts for domain 8 on its nodes. */
	ck_assert_int_eq(pvhv_xs_write_str(xs, "/for8", "x"), 0);
	ck_assert_int_eq(pvhv_xs_set_perms(xs, "/for8", "n8"), 0);
	ck_assert_int_eq(tr_read(w, 0, "/for8", out), -EACCES);
	ck_assert_int_eq(pvhv_xs_request(xs, XS_SET_TARGET, "5\0" "8", 4, &r, &n), 0);
	free(r);
	ck_assert_int_eq(tr_read(w, 0, "/for8", out), 0);
	tr_free(w);
	pvhv_xs_free(xs);
}
END_TEST

/* --- save and load ----------------------------------------------------------- */

START_TEST(test_save_load)
{
	static const struct pvhv_xs_ops ops = { .connect = on_connect };
	char file[] = "/tmp/pvhv-xs-save-XXXXXX", out[XENSTORE_PAYLOAD_MAX + 1], *v;
	struct pvhv_xs *xs, *xs2;
	struct tring *w;
	size_t len;
	int fd = mkstemp(file);
	void *r;

	ck_assert_int_ge(fd, 0);
	close(fd);
	connects = 0;
	ck_assert_int_eq(pvhv_xs_new(&ops, NULL, &xs), 0);
	ck_assert_int_eq(pvhv_xs_write(xs, "/a/bin", "1\0" "2", 3), 0);
	ck_assert_int_eq(pvhv_xs_mkdir(xs, "/local/domain/5"), 0);
	ck_assert_int_eq(pvhv_xs_set_perms(xs, "/local/domain/5", "n5 r0"), 0);
	ck_assert_int_eq(pvhv_xs_write_str(xs, "/local/domain/5/name", "five"), 0);
	ck_assert_int_eq(pvhv_xs_set_perms(xs, "@releaseDomain", "n0 r5"), 0);
	ck_assert_int_eq(pvhv_xs_request(xs, XS_INTRODUCE, "5\0" "77\0" "3", 7, &r, &len), 0);
	free(r);
	w = calloc(1, sizeof(*w));
	w->intf = calloc(1, 4096);
	w->xs = xs;
	w->domid = 5;
	ck_assert_int_eq(pvhv_xs_attach_ring(xs, 5, w->intf, tr_notify, w), 0);
	ck_assert_int_eq(tr_two(w, XS_WATCH, "name", "tok"), 0);
	ck_assert_int_eq(pvhv_xs_dirty(xs), 1);
	ck_assert_int_eq(pvhv_xs_save(xs, file), 0);
	ck_assert_int_eq(pvhv_xs_dirty(xs), 0);
	pvhv_xs_free(xs);

	/* A new instance: same nodes, permissions, domain, and the watch. */
	ck_assert_int_eq(pvhv_xs_new(&ops, NULL, &xs2), 0);
	ck_assert_int_eq(pvhv_xs_load(xs2, file), 0);
	ck_assert_int_eq(connects, 2);	/* introduce, then the reconnect */
	ck_assert_int_eq(pvhv_xs_read(xs2, "/a/bin", &v, &len), 0);
	ck_assert_uint_eq(len, 3);
	ck_assert_int_eq(memcmp(v, "1\0" "2", 3), 0);
	free(v);
	ck_assert_int_eq(pvhv_xs_request(xs2, XS_GET_PERMS, "/local/domain/5/name", 21, &r, &len), 0);
	ck_assert_int_eq(memcmp(r, "n5\0r0\0", 6), 0);
	free(r);
	ck_assert_int_eq(pvhv_xs_is_introduced(xs2, 5), 1);
	w->xs = xs2;
	w->rlen = 0;
	tr_clear(w);
	ck_assert_int_eq(pvhv_xs_attach_ring(xs2, 5, w->intf, tr_notify, w), 0);
	ck_assert_int_eq(pvhv_xs_write_str(xs2, "/local/domain/5/name", "5"), 0);
	ck_assert_int_eq(tr_read(w, 0, "name", out), 0);
	ck_assert_int_eq(w->nevents, 1);
	ck_assert_str_eq(w->events, "name tok\n");
	/* Not into a store that has content; a corrupt file is refused. */
	ck_assert_int_eq(pvhv_xs_load(xs2, file), -EBUSY);
	pvhv_xs_free(xs2);
	fd = open(file, O_WRONLY | O_TRUNC);
	ck_assert_int_eq(write(fd, "PVHVXS01N\xff\xff\xff\xff", 13), 13);
	close(fd);
	ck_assert_int_eq(pvhv_xs_new(NULL, NULL, &xs2), 0);
	ck_assert_int_eq(pvhv_xs_load(xs2, file), -EINVAL);
	pvhv_xs_free(xs2);
	unlink(file);
	tr_free(w);
}
END_TEST

/* --- the unix socket ----------------------------------------------------------- */

struct server {
	struct pvhv_xs *xs;
	int stop[2];
	pthread_t thread;
	char dir[64], path[128];
};

static void *serve(void *arg)
{
	struct server *s = arg;

	for (;;) {
		struct pollfd fds[80];
		int timeout = -1;
		size_t n = pvhv_xs_poll_fill(s->xs, fds, 79, &timeout);

		if (n > 79)
			n = 79;
		fds[n] = (struct pollfd){ .fd = s->stop[0], .events = POLLIN };
		if (poll(fds, n + 1, timeout) < 0)
			continue;
		if (fds[n].revents)
			return NULL;
		pvhv_xs_poll_handle(s->xs, fds, n);
	}
}

static void server_start(struct server *s)
{
	memset(s, 0, sizeof(*s));
	strcpy(s->dir, "/tmp/pvhv-xs-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(s->dir));
	snprintf(s->path, sizeof(s->path), "%s/run/socket", s->dir);
	s->xs = new_store();
	ck_assert_int_eq(pvhv_xs_listen(s->xs, s->path), 0);
	ck_assert_int_eq(pipe(s->stop), 0);
	ck_assert_int_eq(pthread_create(&s->thread, NULL, serve, s), 0);
}

static void server_stop(struct server *s)
{
	char rundir[160];

	ck_assert_int_eq(write(s->stop[1], "x", 1), 1);
	pthread_join(s->thread, NULL);
	pvhv_xs_free(s->xs);
	snprintf(rundir, sizeof(rundir), "%s/run", s->dir);
	rmdir(rundir);
	rmdir(s->dir);
	close(s->stop[0]);
	close(s->stop[1]);
}

START_TEST(test_socket_client)
{
	struct server s;
	struct pvhv_xsc *c, *c2;
	char *v, *p, *tok, *names;
	size_t len, n;
	uint32_t tx;
	struct pvhv_xs *other;

	server_start(&s);
	ck_assert_int_eq(pvhv_xsc_open(s.path, &c), 0);
	ck_assert_int_eq(pvhv_xsc_open(s.path, &c2), 0);
	/* A second server on the same path is refused. */
	other = new_store();
	ck_assert_int_eq(pvhv_xs_listen(other, s.path), -EADDRINUSE);
	pvhv_xs_free(other);
	ck_assert_int_eq(pvhv_xsc_write(c, 0, "/x/y", "val", 3), 0);
	ck_assert_int_eq(pvhv_xsc_read(c, 0, "/x/y", &v, &len), 0);
	ck_assert_str_eq(v, "val");
	free(v);
	ck_assert_int_eq(pvhv_xsc_read(c, 0, "/nope", &v, &len), -ENOENT);
	/* Watch from one client, write from the other. */
	ck_assert_int_eq(pvhv_xsc_watch(c, "/x", "T"), 0);
	ck_assert_int_eq(pvhv_xsc_next_event(c, 2000, &p, &tok), 0);
	ck_assert_str_eq(p, "/x");
	ck_assert_str_eq(tok, "T");
	free(p);
	ck_assert_int_eq(pvhv_xsc_write(c2, 0, "/x/z", "1", 1), 0);
	ck_assert_int_eq(pvhv_xsc_next_event(c, 2000, &p, &tok), 0);
	ck_assert_str_eq(p, "/x/z");
	free(p);
	ck_assert_int_eq(pvhv_xsc_next_event(c, 100, &p, &tok), -ETIMEDOUT);
	/* Transactions over the socket, with a conflict. */
	ck_assert_int_eq(pvhv_xsc_tx_start(c, &tx), 0);
	ck_assert_int_eq(pvhv_xsc_read(c, tx, "/x/z", &v, &len), 0);
	free(v);
	ck_assert_int_eq(pvhv_xsc_write(c, tx, "/x/z", "2", 1), 0);
	ck_assert_int_eq(pvhv_xsc_write(c2, 0, "/x/z", "3", 1), 0);
	ck_assert_int_eq(pvhv_xsc_tx_end(c, tx, 1), -EAGAIN);
	/* A big directory comes back through DIRECTORY_PART. */
	for (n = 0; n < 400; n++) {
		char path[64];

		snprintf(path, sizeof(path), "/big/a-rather-long-child-name-%04zu", n);
		ck_assert_int_eq(pvhv_xsc_mkdir(c2, 0, path), 0);
	}
	ck_assert_int_eq(pvhv_xsc_directory(c, 0, "/big", &names, &len, &n), 0);
	ck_assert_uint_eq(n, 400);
	ck_assert_uint_gt(len, XENSTORE_PAYLOAD_MAX);
	free(names);
	ck_assert_int_eq(pvhv_xsc_rm(c, 0, "/big"), 0);
	pvhv_xsc_close(c2);
	pvhv_xsc_close(c);
	server_stop(&s);
}
END_TEST

START_TEST(test_socket_hostile)
{
	struct server s;
	struct pvhv_xsc *c;
	struct sockaddr_un sa;
	struct xsd_sockmsg h = { .type = XS_READ, .len = XENSTORE_PAYLOAD_MAX + 1 };
	char buf[16];
	int fd;
	char *v;
	size_t len;

	server_start(&s);
	/* A payload above the maximum: the server hangs up. */
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	strcpy(sa.sun_path, s.path);
	ck_assert_int_eq(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	ck_assert_int_eq(write(fd, &h, sizeof(h)), sizeof(h));
	ck_assert_int_eq(read(fd, buf, sizeof(buf)), 0);
	close(fd);
	/* The server still serves others. */
	ck_assert_int_eq(pvhv_xsc_open(s.path, &c), 0);
	ck_assert_int_eq(pvhv_xsc_write(c, 0, "/ok", "1", 1), 0);
	ck_assert_int_eq(pvhv_xsc_read(c, 0, "/ok", &v, &len), 0);
	free(v);
	pvhv_xsc_close(c);
	server_stop(&s);
}
END_TEST

/* Debian's xenstore-* tools (libxenstore) against our socket. */
static int run(const char *cmd, char *out, size_t outlen)
{
	FILE *f = popen(cmd, "r");
	size_t n;

	ck_assert_msg(f != NULL, "popen %s", cmd);
	n = fread(out, 1, outlen - 1, f);
	out[n] = '\0';
	return pclose(f);
}

START_TEST(test_real_clients)
{
	struct server s;
	char cmd[512], out[4096];
	struct pvhv_xsc *c;
	int i;

	ck_assert_msg(!access("/usr/bin/xenstore-write", X_OK) && !access("/usr/bin/xenstore-ls", X_OK),
		      "Debian's xenstore-utils are missing: run scripts/setup-deps");
	server_start(&s);
	setenv("XENSTORED_PATH", s.path, 1);
	ck_assert_int_eq(run("xenstore-write /tool/a 1 /tool/b/c 'two words' 2>&1", out, sizeof(out)), 0);
	ck_assert_int_eq(run("xenstore-read /tool/a /tool/b/c 2>&1", out, sizeof(out)), 0);
	ck_assert_str_eq(out, "1\ntwo words\n");
	ck_assert_int_eq(run("xenstore-exists /tool/b 2>&1", out, sizeof(out)), 0);
	ck_assert_int_ne(run("xenstore-read /tool/none 2>/dev/null", out, sizeof(out)), 0);
	ck_assert_int_eq(run("xenstore-chmod /tool/a n3 r0 2>&1", out, sizeof(out)), 0);
	ck_assert_int_eq(run("xenstore-ls -p /tool 2>&1", out, sizeof(out)), 0);
	ck_assert_msg(strstr(out, "a = \"1\"") && strstr(out, "(n3,r0)") &&
		      strstr(out, "c = \"two words\""), "xenstore-ls printed: %s", out);
	ck_assert_int_eq(run("xenstore-list /tool 2>&1", out, sizeof(out)), 0);
	ck_assert_str_eq(out, "a\nb\n");
	/* A directory too big for one reply: xenstore-list uses DIRECTORY_PART. */
	ck_assert_int_eq(pvhv_xsc_open(s.path, &c), 0);
	for (i = 0; i < 400; i++) {
		char p[64];

		snprintf(p, sizeof(p), "/big/a-rather-long-child-name-%04d", i);
		ck_assert_int_eq(pvhv_xsc_mkdir(c, 0, p), 0);
	}
	ck_assert_int_eq(run("xenstore-list /big | wc -l", out, sizeof(out)), 0);
	ck_assert_int_eq(atoi(out), 400);
	/* xenstore-watch: the initial event, then one for a write. */
	snprintf(cmd, sizeof(cmd), "timeout 10 xenstore-watch -n 2 /tool/b > %s/watch.out 2>&1 &",
		 s.dir);
	ck_assert_int_eq(system(cmd), 0);
	for (i = 0; i < 100; i++) {
		char p[160], *v;
		size_t l;

		snprintf(p, sizeof(p), "%s/watch.out", s.dir);
		/* Write until the watcher has seen an event after registering. */
		ck_assert_int_eq(pvhv_xsc_write(c, 0, "/tool/b/c", "new", 3), 0);
		usleep(50000);
		snprintf(cmd, sizeof(cmd), "cat %s/watch.out", s.dir);
		run(cmd, out, sizeof(out));
		if (strstr(out, "/tool/b/c"))
			break;
		(void)v;
		(void)l;
	}
	ck_assert_msg(strstr(out, "/tool/b\n") && strstr(out, "/tool/b/c"),
		      "xenstore-watch printed: %s", out);
	ck_assert_int_eq(run("xenstore-rm /tool/b 2>&1", out, sizeof(out)), 0);
	ck_assert_int_ne(run("xenstore-read /tool/b/c 2>/dev/null", out, sizeof(out)), 0);
	/* Transactions inside the tools (xenstore-write -t... not all have it): via rm -t. */
	ck_assert_int_eq(run("xenstore-rm -t /tool/a 2>&1", out, sizeof(out)), 0);
	ck_assert_int_ne(run("xenstore-exists /tool/a 2>/dev/null", out, sizeof(out)), 0);
	snprintf(cmd, sizeof(cmd), "rm -f %s/watch.out", s.dir);
	ck_assert_int_eq(system(cmd), 0);
	pvhv_xsc_close(c);
	server_stop(&s);
}
END_TEST

Suite *xenstore_suite(void)
{
	Suite *s = suite_create("xenstore");
	TCase *tc = tcase_create("store");
	TCase *ring = tcase_create("ring");
	TCase *sock = tcase_create("socket");

	tcase_add_test(tc, test_basic);
	tcase_add_test(tc, test_paths);
	tcase_add_test(tc, test_wire_errors);
	tcase_add_test(tc, test_directory_part);
	tcase_add_test(tc, test_domains);
	tcase_add_test(tc, test_save_load);
	suite_add_tcase(s, tc);
	tcase_add_test(ring, test_ring_perms);
	tcase_add_test(ring, test_ring_watches);
	tcase_add_test(ring, test_ring_quotas);
	tcase_add_test(ring, test_transactions);
	tcase_add_test(ring, test_ring_garbage);
	tcase_add_test(ring, test_ring_survives);
	tcase_add_test(ring, test_ring_reconnect);
	tcase_add_test(ring, test_ring_big);
	tcase_add_test(ring, test_ring_backpressure);
	tcase_set_timeout(ring, 60);
	suite_add_tcase(s, ring);
	tcase_add_test(sock, test_socket_client);
	tcase_add_test(sock, test_socket_hostile);
	tcase_add_test(sock, test_real_clients);
	tcase_set_timeout(sock, 60);
	suite_add_tcase(s, sock);
	return s;
}
