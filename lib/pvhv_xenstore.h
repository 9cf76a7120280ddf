/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libpvhv's xenstored: the Xen store as a library, so a toolstack daemon
 * (vmmctl daemon) or any other program can host it, and a small client for
 * the unix socket.
 *
 * The server speaks the wire protocol of Xen's io/xs_wire.h: READ, WRITE,
 * MKDIR, RM, DIRECTORY, DIRECTORY_PART, GET_PERMS, SET_PERMS, WATCH,
 * UNWATCH, RESET_WATCHES, TRANSACTION_START/END, INTRODUCE, RELEASE,
 * IS_DOMAIN_INTRODUCED, GET_DOMAIN_PATH, RESUME, SET_TARGET, with Xen's
 * permission model and per-domain quotas, over two transports: a unix socket
 * (wire-compatible with libxenstore; every socket client is domain 0) and a
 * guest's xenstore_domain_interface ring, reached through a mapped page and
 * a notify callback so that it runs against an in-memory ring in the tests.
 *
 * Conventions as the rest of libpvhv: -errno returns, nothing printed, no
 * exit. One thread drives one instance; nothing here is thread-safe.
 */
#ifndef PVHV_XENSTORE_H
#define PVHV_XENSTORE_H

#include <poll.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

struct pvhv_xs;
struct xenstore_domain_interface;

/* libxenstore's default socket, used unless $XENSTORED_PATH says otherwise. */
#define PVHV_XS_DEFAULT_SOCKET "/var/run/xenstored/socket"

/*
 * Limits. Those for domains follow xenstored's defaults; the privileged
 * (domain 0) connections are bounded only by the global ones.
 */
struct pvhv_xs_quota {
	uint32_t nodes_per_domain;	/* nodes a domain may own (1000); ENOSPC */
	uint32_t watches_per_domain;	/* (128); E2BIG */
	uint32_t transactions_per_conn;	/* open at once (10); ENOSPC */
	uint32_t node_size;		/* value bytes a domain may write (2048); ENOSPC */
	uint32_t perms_per_node;	/* SET_PERMS entries from a domain (5); ENOSPC */
	uint32_t path_len;		/* below /local/domain/N/ (2048); EINVAL */
	uint32_t tx_nodes;		/* nodes one transaction may touch (1024); ENOSPC */
	uint32_t out_bytes;		/* queued replies/events per connection (65536) */
	uint32_t total_nodes;		/* the whole store (262144); ENOSPC */
	uint32_t socket_conns;		/* unix socket clients at once (64) */
};

struct pvhv_xs_ops {
	/*
	 * A privileged client sent INTRODUCE (or pvhv_xs_load() restored an
	 * introduced domain): map @gfn of @domid, bind its event channel
	 * @port and call pvhv_xs_attach_ring(). A negative errno refuses it.
	 */
	int (*connect)(void *opaque, uint32_t domid, uint64_t gfn, uint32_t port);
	/* The domain's ring is no longer served (RELEASE, failure, free). */
	void (*disconnect)(void *opaque, uint32_t domid);
	/* A domain broke the ring protocol and was cut off (why: static text). */
	void (*failed)(void *opaque, uint32_t domid, const char *why);
};

/* Create an empty store ("/" owned by domain 0, "n0"); ops may be NULL. */
int pvhv_xs_new(const struct pvhv_xs_ops *ops, void *opaque, struct pvhv_xs **out);
void pvhv_xs_free(struct pvhv_xs *xs);
void pvhv_xs_get_quota(const struct pvhv_xs *xs, struct pvhv_xs_quota *q);
int pvhv_xs_set_quota(struct pvhv_xs *xs, const struct pvhv_xs_quota *q);

/* --- the unix socket ---------------------------------------------------- */

/* Socket path for clients and servers: $XENSTORED_PATH or the default. */
const char *pvhv_xs_socket_path(void);
/*
 * Listen on @path (NULL: pvhv_xs_socket_path()), creating its directory;
 * a stale socket file is replaced, a live server gives -EADDRINUSE.
 */
int pvhv_xs_listen(struct pvhv_xs *xs, const char *path);
/* Serve an already connected stream socket as a domain 0 client. */
int pvhv_xs_add_fd(struct pvhv_xs *xs, int fd);

/*
 * Poll integration: fill @fds (up to @max) with what the store waits on
 * and return how many it needs (call again with more room if that is above
 * @max); *timeout_ms is lowered to 0 when rings have work left. Then, after
 * poll(), hand the same array back.
 */
size_t pvhv_xs_poll_fill(struct pvhv_xs *xs, struct pollfd *fds, size_t max, int *timeout_ms);
void pvhv_xs_poll_handle(struct pvhv_xs *xs, const struct pollfd *fds, size_t n);

/* --- guest rings --------------------------------------------------------- */

/*
 * Serve @domid's ring at @intf (a mapped page); @notify(@opaque) raises the
 * guest's event channel. The domain must be introduced. The ring indexes and
 * everything the guest writes are untrusted: garbage cuts the domain off
 * (ops->failed), never the store.
 */
int pvhv_xs_attach_ring(struct pvhv_xs *xs, uint32_t domid,
			struct xenstore_domain_interface *intf,
			void (*notify)(void *opaque), void *opaque);
/* The guest notified its event channel: read requests, write replies. */
int pvhv_xs_ring_event(struct pvhv_xs *xs, uint32_t domid);

/* --- domains (the toolstack's side) ------------------------------------- */

/* As INTRODUCE from domain 0: ops->connect, then @introduceDomain. */
int pvhv_xs_introduce(struct pvhv_xs *xs, uint32_t domid, uint64_t gfn, uint32_t port);
/* As RELEASE: the ring is dropped, @releaseDomain fires. -ENOENT if unknown. */
int pvhv_xs_release(struct pvhv_xs *xs, uint32_t domid);
/*
 * The domain is gone for good: release it if introduced, give what it owned
 * to domain 0 and drop it from every permission list (a later domain with
 * the same id inherits nothing).
 */
int pvhv_xs_domain_gone(struct pvhv_xs *xs, uint32_t domid);
/* Fire a special watch, e.g. "@releaseDomain" when a domain shuts down. */
int pvhv_xs_fire_special(struct pvhv_xs *xs, const char *name);
int pvhv_xs_is_introduced(struct pvhv_xs *xs, uint32_t domid);	/* 1, 0 */
/* The introduced domains (malloc()ed, free() it). */
int pvhv_xs_domains(struct pvhv_xs *xs, uint32_t **domids, size_t *count);

/* --- direct access as domain 0 (same code as the wire requests) ---------- */

/* One request of type XS_*; the reply payload in a malloc()ed buffer. */
int pvhv_xs_request(struct pvhv_xs *xs, uint32_t type, const void *payload, size_t len,
		    void **reply, size_t *reply_len);
int pvhv_xs_write(struct pvhv_xs *xs, const char *path, const void *value, size_t len);
int pvhv_xs_write_str(struct pvhv_xs *xs, const char *path, const char *value);
int pvhv_xs_mkdir(struct pvhv_xs *xs, const char *path);
int pvhv_xs_rm(struct pvhv_xs *xs, const char *path);
/* *value is NUL-terminated (not counted in *len); free() it. */
int pvhv_xs_read(struct pvhv_xs *xs, const char *path, char **value, size_t *len);
/* @perms: space-separated as xenstore-chmod's arguments, e.g. "n5 r0". */
int pvhv_xs_set_perms(struct pvhv_xs *xs, const char *path, const char *perms);

/* --- persistence across a daemon restart --------------------------------- */

/*
 * Save nodes, introduced domains and the watches of domain connections to
 * @path (written to a temporary file and renamed); load them into an empty
 * store, calling ops->connect for each introduced domain.
 */
int pvhv_xs_save(struct pvhv_xs *xs, const char *path);
int pvhv_xs_load(struct pvhv_xs *xs, const char *path);
/* Store changed since the last save (node, watch or domain). */
int pvhv_xs_dirty(const struct pvhv_xs *xs);

/* --- a client of the unix socket ----------------------------------------- */

struct pvhv_xsc;

/* Connect to @path (NULL: pvhv_xs_socket_path()). */
int pvhv_xsc_open(const char *path, struct pvhv_xsc **out);
void pvhv_xsc_close(struct pvhv_xsc *c);
/*
 * One request; the reply's payload (NUL-terminated, not counted) in a
 * malloc()ed *reply. An ERROR reply gives its -errno. Watch events that
 * arrive meanwhile are kept for pvhv_xsc_next_event().
 */
int pvhv_xsc_request(struct pvhv_xsc *c, uint32_t type, uint32_t tx, const void *payload,
		     size_t len, char **reply, size_t *reply_len);
int pvhv_xsc_read(struct pvhv_xsc *c, uint32_t tx, const char *path, char **value, size_t *len);
int pvhv_xsc_write(struct pvhv_xsc *c, uint32_t tx, const char *path, const void *value,
		   size_t len);
int pvhv_xsc_mkdir(struct pvhv_xsc *c, uint32_t tx, const char *path);
int pvhv_xsc_rm(struct pvhv_xsc *c, uint32_t tx, const char *path);
int pvhv_xsc_set_perms(struct pvhv_xsc *c, uint32_t tx, const char *path, const char *perms);
/* Children as one buffer of NUL-terminated names; *n how many. */
int pvhv_xsc_directory(struct pvhv_xsc *c, uint32_t tx, const char *path, char **names,
		       size_t *len, size_t *n);
int pvhv_xsc_watch(struct pvhv_xsc *c, const char *path, const char *token);
int pvhv_xsc_unwatch(struct pvhv_xsc *c, const char *path, const char *token);
int pvhv_xsc_tx_start(struct pvhv_xsc *c, uint32_t *tx);
int pvhv_xsc_tx_end(struct pvhv_xsc *c, uint32_t tx, int commit);
/*
 * The next watch event (path and token in one malloc()ed buffer: *path,
 * then *token points after its NUL); waits up to @timeout_ms (-1: forever).
 * -ETIMEDOUT when none came.
 */
int pvhv_xsc_next_event(struct pvhv_xsc *c, int timeout_ms, char **path, char **token);

/* Xen's error string ("ENOENT") for an errno value, and back. */
const char *pvhv_xs_errstr(int err);
int pvhv_xs_errno(const char *s);

#ifdef __cplusplus
}
#endif

#endif /* PVHV_XENSTORE_H */
