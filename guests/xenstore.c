// SPDX-License-Identifier: GPL-2.0-only
/*
 * xenstore from a guest, over the ring the toolstack set up
 * (HVM_PARAM_STORE_PFN/EVTCHN). cmdline "role=...":
 *   self     its own keys, write, mkdir, directory, a watch fired by a host
 *            write (it prints "xs: waiting for the host" and waits for
 *            data/from-host), a transaction conflict (EAGAIN) and retry,
 *            permission denials, quotas, and last garbage on the ring: the
 *            server cuts it off (error field), the guest ends.
 *   share-a peer=B   shares data/shared with domain B (b for B), posts "ping"
 *            and waits for B's "pong"; B cannot touch A's other keys.
 *   share-b  learns A's domid from data/peer (the host writes it), answers.
 *   shutdown waits for control/shutdown (as Linux does: watch, read, clear)
 *            and shuts down with that reason.
 */
#include "xsring.h"

static char out[XENSTORE_PAYLOAD_MAX + 1];
static struct xsg xs;
static uint32_t domid;

static unsigned long arg(const char *c, const char *key)
{
	size_t n = rt_strlen(key);
	unsigned long v = 0;
	const char *p;

	for (p = c; *p; p++) {
		if ((p == c || p[-1] == ' ') && !rt_strncmp(p, key, n) && p[n] == '=') {
			for (p += n + 1; *p >= '0' && *p <= '9'; p++)
				v = v * 10 + (unsigned long)(*p - '0');
			return v;
		}
	}
	return 0;
}

static uint32_t num(const char *s)
{
	uint32_t v = 0;

	while (*s >= '0' && *s <= '9')
		v = v * 10 + (uint32_t)(*s++ - '0');
	return v;
}

static bool has(const char *c, const char *word)
{
	size_t n = rt_strlen(word);
	const char *p;

	for (p = c; *p; p++)
		if ((p == c || p[-1] == ' ') && !rt_strncmp(p, word, n) && (!p[n] || p[n] == ' '))
			return true;
	return false;
}

static bool names_have(const char *names, uint32_t len, const char *name)
{
	uint32_t off;

	for (off = 0; off < len; off += (uint32_t)rt_strlen(names + off) + 1)
		if (!xsg_strcmp(names + off, name))
			return true;
	return false;
}

static void role_self(void)
{
	char path[128], val[16];
	unsigned int seen = 0;
	uint32_t len, tx;
	int r, n;

	CHECK(xs.ring->server_features & XENSTORE_SERVER_FEATURE_ERROR,
	      "the server advertises the error field (features %#x)", xs.ring->server_features);
	/* Its own keys, relative and absolute. */
	r = xsg_read(&xs, 0, "domid", out);
	rt_snprintf(val, sizeof(val), "%u", domid);
	CHECK(r == 0 && !xsg_strcmp(out, val), "read domid: '%s' (CPUID says %u)", out, domid);
	rt_snprintf(path, sizeof(path), "/local/domain/%u/name", domid);
	r = xsg_read(&xs, 0, path, out);
	CHECK(r == 0 && !xsg_strcmp(out, "xsguest"), "read %s: '%s'", path, out);
	r = xsg_read(&xs, 0, "memory/target", out);
	CHECK(r == 0 && out[0] >= '1' && out[0] <= '9', "memory/target = %s KiB", out);
	/* Write, read back, mkdir, directory. */
	CHECK(xsg_write(&xs, 0, "data/test", "hello") == 0, "write data/test");
	r = xsg_read(&xs, 0, "data/test", out);
	CHECK(r == 0 && !xsg_strcmp(out, "hello"), "read data/test back: '%s'", out);
	CHECK(xsg_path_op(&xs, XS_MKDIR, 0, "data/dir") == 0, "mkdir data/dir");
	r = xsg_req(&xs, XS_DIRECTORY, 0, "data", 5, out, &len);
	CHECK(r == 0 && names_have(out, len, "dir") && names_have(out, len, "test"),
	      "directory data lists dir and test");
	r = xsg_read(&xs, 0, "data/nothing", out);
	CHECK(r == -ENOENT, "a missing key: ENOENT (%d)", r);
	/* A watch: fires at once, then when the host writes. */
	CHECK(xsg_two(&xs, XS_WATCH, "data/from-host", "w1") == 0, "watch data/from-host");
	CHECK(xsg_wait_event(&xs, "data/from-host", "w1", &seen, 5000 * XSG_MS) == 0,
	      "the watch fired once when set");
	rt_printf("xs: waiting for the host\n");
	r = xsg_wait_event(&xs, "data/from-host", "w1", &seen, 60000 * XSG_MS);
	CHECK(r == 0, "the watch fired for the host's write (relative path)");
	r = xsg_read(&xs, 0, "data/from-host", out);
	CHECK(r == 0 && !xsg_strcmp(out, "hello-guest"), "the host wrote '%s'", out);
	CHECK(xsg_two(&xs, XS_UNWATCH, "data/from-host", "w1") == 0, "unwatch");
	/* A transaction that conflicts with a write outside it, then a retry. */
	CHECK(xsg_write(&xs, 0, "data/counter", "1") == 0, "write data/counter");
	r = xsg_req(&xs, XS_TRANSACTION_START, 0, "", 1, out, 0);
	tx = num(out);
	CHECK(r == 0 && tx, "transaction started (%u)", tx);
	r = xsg_read(&xs, tx, "data/counter", out);
	CHECK(r == 0 && !xsg_strcmp(out, "1"), "read in the transaction");
	CHECK(xsg_write(&xs, tx, "data/counter", "2") == 0, "write in the transaction");
	CHECK(xsg_write(&xs, 0, "data/counter", "10") == 0, "a write outside it");
	r = xsg_req(&xs, XS_TRANSACTION_END, tx, "T", 2, out, 0);
	CHECK(r == -EAGAIN, "commit: EAGAIN (%d)", r);
	for (n = 0; n < 5; n++) {
		r = xsg_req(&xs, XS_TRANSACTION_START, 0, "", 1, out, 0);
		tx = num(out);
		xsg_read(&xs, tx, "data/counter", out);
		xsg_write(&xs, tx, "data/counter", "11");
		r = xsg_req(&xs, XS_TRANSACTION_END, tx, "T", 2, out, 0);
		if (r != -EAGAIN)
			break;
	}
	CHECK(r == 0, "the retry commits (%d)", r);
	r = xsg_read(&xs, 0, "data/counter", out);
	CHECK(r == 0 && !xsg_strcmp(out, "11"), "data/counter = %s", out);
	/* Domain 0's nodes: denied. */
	rt_snprintf(path, sizeof(path), "/pvhv/domain/%u/kernel", domid);
	r = xsg_read(&xs, 0, path, out);
	CHECK(r == -EACCES, "read the toolstack's record: EACCES (%d)", r);
	r = xsg_write(&xs, 0, "name", "renamed");
	CHECK(r == -EACCES, "write its own name (domain 0's node): EACCES (%d)", r);
	r = xsg_write(&xs, 0, "/tool/x", "1");
	CHECK(r == -EACCES, "write outside its home: EACCES (%d)", r);
	r = xsg_read(&xs, 0, "/local/domain/0/name", out);
	CHECK(r == -EACCES || r == -ENOENT, "read domain 0's home: denied (%d)", r);
	r = xsg_req(&xs, XS_INTRODUCE, 0, "9\0" "1\0" "1", 6, out, 0);
	CHECK(r == -EACCES, "INTRODUCE from a domain: EACCES (%d)", r);
	/* Quotas: a value above 2048 bytes, then nodes until ENOSPC. */
	{
		static char big[3000];

		memset(big, 'b', sizeof(big) - 1);
		r = xsg_write(&xs, 0, "data/big", big);
		CHECK(r == -ENOSPC, "a 2999-byte value: ENOSPC (%d)", r);
	}
	for (n = 0, r = 0; n < 1100 && !r; n++) {
		rt_snprintf(path, sizeof(path), "data/q/%d", n);
		r = xsg_write(&xs, 0, path, "x");
	}
	CHECK(r == -ENOSPC && n > 900 && n < 1000, "node quota: ENOSPC after %d nodes (%d)", n - 1, r);
	CHECK(xsg_path_op(&xs, XS_RM, 0, "data/q") == 0, "rm data/q gives the quota back");
	CHECK(xsg_write(&xs, 0, "data/after-quota", "ok") == 0, "a write works again");
	for (n = 0, r = 0; n < 200 && !r; n++) {
		rt_snprintf(val, sizeof(val), "t%d", n);
		r = xsg_two(&xs, XS_WATCH, "data", val);
	}
	CHECK(r == -E2BIG && n == 129, "watch quota: E2BIG after %d watches (%d)", n - 1, r);
	CHECK(xsg_req(&xs, XS_RESET_WATCHES, 0, "", 1, out, 0) == 0, "RESET_WATCHES");
	/* Transactions: 10 open at once; the 11th is over the quota. */
	{
		uint32_t txs[10];
		int opened = 0, ended = 0;

		for (n = 0; n < 10; n++) {
			txs[n] = 0;
			if (!xsg_req(&xs, XS_TRANSACTION_START, 0, "", 1, out, 0))
				txs[n] = num(out), opened++;
		}
		r = xsg_req(&xs, XS_TRANSACTION_START, 0, "", 1, out, 0);
		CHECK(opened == 10 && r == -ENOSPC, "transaction quota: %d open, the 11th ENOSPC (%d)",
		      opened, r);
		if (!r)
			xsg_req(&xs, XS_TRANSACTION_END, num(out), "F", 2, out, 0);
		for (n = 0; n < 10; n++)
			if (txs[n] && !xsg_req(&xs, XS_TRANSACTION_END, txs[n], "F", 2, out, 0))
				ended++;
		CHECK(ended == opened, "the %d transactions end (%d)", opened, ended);
	}
	/* Garbage: a req_prod far ahead. The server cuts us off and says why. */
	rt_printf("xs: sending garbage\n");
	__atomic_store_n(&xs.ring->req_prod, xs.ring->req_cons + 5000, __ATOMIC_RELEASE);
	xsg_notify(xs.port);
	{
		uint64_t deadline = xsg_now() + 10000 * XSG_MS;

		while (!xs.ring->error && xsg_now() < deadline)
			xsg_wait(xs.port, xsg_now() + 10 * XSG_MS);
	}
	CHECK(xs.ring->error == XENSTORE_ERROR_RINGIDX, "the server dropped us: error %u (RINGIDX)",
	      xs.ring->error);
}

static void role_share_a(uint32_t peer)
{
	char owner[16], grant[16], buf[64];
	unsigned int seen = 0;
	uint32_t n;
	int r;

	CHECK(xsg_path_op(&xs, XS_MKDIR, 0, "data/shared") == 0, "A: mkdir data/shared");
	rt_snprintf(owner, sizeof(owner), "n%u", domid);
	rt_snprintf(grant, sizeof(grant), "b%u", peer);
	n = xsg_cat(buf, 0, "data/shared");
	n = xsg_cat(buf, n, owner);
	n = xsg_cat(buf, n, grant);
	r = xsg_req(&xs, XS_SET_PERMS, 0, buf, n, out, 0);
	CHECK(r == 0, "A: data/shared is n%u b%u (%d)", domid, peer, r);
	CHECK(xsg_write(&xs, 0, "data/shared/reply", "") == 0, "A: an empty reply node, ours");
	CHECK(xsg_two(&xs, XS_WATCH, "data/shared/reply", "reply") == 0, "A: watch the reply");
	CHECK(xsg_wait_event(&xs, "data/shared/reply", "reply", &seen, 5000 * XSG_MS) == 0,
	      "A: initial event");
	CHECK(xsg_write(&xs, 0, "data/shared/msg", "ping") == 0, "A: post ping");
	rt_printf("share-a: ping posted\n");
	for (r = -1; r; ) {
		if (xsg_wait_event(&xs, "data/shared/reply", "reply", &seen, 60000 * XSG_MS))
			break;
		if (!xsg_read(&xs, 0, "data/shared/reply", out) && !xsg_strcmp(out, "pong"))
			r = 0;
	}
	CHECK(r == 0, "A: B answered pong through the shared node");
}

static void role_share_b(void)
{
	char path[128];
	unsigned int seen = 0;
	uint32_t a = 0;
	int r, i;

	CHECK(xsg_two(&xs, XS_WATCH, "data/peer", "peer") == 0, "B: watch data/peer");
	rt_printf("share-b: waiting for the peer's domid\n");
	for (i = 0; i < 600 && !a; i++) {
		if (!xsg_read(&xs, 0, "data/peer", out))
			a = num(out);
		if (!a)
			xsg_wait_event(&xs, "data/peer", "peer", &seen, 100 * XSG_MS);
	}
	CHECK(a != 0, "B: the peer is domain %u", a);
	rt_snprintf(path, sizeof(path), "/local/domain/%u/data/shared/msg", a);
	for (i = 0, r = -1; i < 600 && r; i++) {
		r = xsg_read(&xs, 0, path, out);
		if (!r && xsg_strcmp(out, "ping"))
			r = -1;
		if (r)
			xsg_wait(xs.port, xsg_now() + 100 * XSG_MS);
	}
	CHECK(r == 0, "B: read A's ping (%d)", r);
	rt_snprintf(path, sizeof(path), "/local/domain/%u/data/shared/reply", a);
	CHECK(xsg_write(&xs, 0, path, "pong") == 0, "B: wrote pong into A's shared node");
	rt_snprintf(path, sizeof(path), "/local/domain/%u/data/private", a);
	r = xsg_write(&xs, 0, path, "intruder");
	CHECK(r == -EACCES, "B: A's other keys are closed: EACCES (%d)", r);
	rt_snprintf(path, sizeof(path), "/local/domain/%u/name", a);
	r = xsg_read(&xs, 0, path, out);
	CHECK(r == -EACCES, "B: reading A's name: EACCES (%d)", r);
}

static void role_shutdown(void)
{
	unsigned int seen = 0;
	int r;

	CHECK(xsg_two(&xs, XS_WATCH, "control/shutdown", "sd") == 0, "watch control/shutdown");
	CHECK(xsg_write(&xs, 0, "control/feature-poweroff", "1") == 0, "feature-poweroff");
	rt_printf("shutdown: ready\n");
	for (;;) {
		if (xsg_wait_event(&xs, "control/shutdown", "sd", &seen, 600000 * XSG_MS)) {
			CHECK(0, "no shutdown request came");
			return;
		}
		r = xsg_read(&xs, 0, "control/shutdown", out);
		if (r || !out[0])
			continue;
		rt_printf("shutdown: request '%s'\n", out);
		CHECK(xsg_write(&xs, 0, "control/shutdown", "") == 0, "cleared control/shutdown");
		if (!xsg_strcmp(out, "poweroff"))
			rt_shutdown(rt_failures ? SHUTDOWN_crash : SHUTDOWN_poweroff);
		if (!xsg_strcmp(out, "reboot"))
			rt_shutdown(SHUTDOWN_reboot);
	}
}

void guest_main(const struct hvm_start_info *si)
{
	const char *c = si->cmdline_paddr ? (const char *)(uintptr_t)si->cmdline_paddr : "";
	uint32_t r[4];

	rt_cpuid(0x40000004, 0, r);
	domid = r[2];
	xsg_init_shinfo();
	xsg_init(&xs);
	rt_printf("xs: domain %u, store port %u\n", domid, xs.port);
	if (has(c, "role=share-a"))
		role_share_a((uint32_t)arg(c, "peer"));
	else if (has(c, "role=share-b"))
		role_share_b();
	else if (has(c, "role=shutdown"))
		role_shutdown();
	else
		role_self();
}
