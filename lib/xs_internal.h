/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libpvhv's xenstored, internal: the node tree and transactions (xs_tree.c),
 * connections, watches, domains and transports (xenstored.c), persistence
 * (xs_save.c).
 */
#ifndef PVHV_XS_INTERNAL_H
#define PVHV_XS_INTERNAL_H

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <xen/io/xs_wire.h>

#include "pvhv_xenstore.h"

#define PVHV_API __attribute__((visibility("default")))

/* Permission bits of one entry ('n' 0, 'r' READ, 'w' WRITE, 'b' both). */
#define XS_PERM_READ	1u
#define XS_PERM_WRITE	2u
#define XS_PERM_OWNER	4u	/* computed, never stored */

/* Domain ids on the wire: 0..65535; real domains below DOMID_FIRST_RESERVED. */
#define XS_DOMID_LIMIT	0x7FF0u

/* A path as canonicalised, with room for the "/local/domain/N/" prefix. */
#define XS_PATH_BUF	(XENSTORE_ABS_PATH_MAX + 32)

struct xs_perm {
	uint32_t id;
	uint32_t perm;		/* XS_PERM_READ | XS_PERM_WRITE */
};

struct xs_node {
	char *name;			/* leaf name; "" for the root */
	struct xs_node *parent;
	struct xs_node **kids;		/* sorted by name */
	uint32_t nkids, kcap;
	char *value;
	uint32_t vlen;
	struct xs_perm *perms;		/* [0]: owner and everyone else's access */
	uint32_t nperms;
	uint64_t gen;			/* changes with value, perms or children */
};

/* One path a transaction has seen or changed. */
enum { TXE_READ, TXE_SET, TXE_DEL };
struct xs_txent {
	struct xs_txent *hnext;		/* hash chain */
	struct xs_txent *lnext;		/* in order of first access */
	char *path;
	uint64_t base_gen;		/* the store's generation then; 0: absent */
	uint8_t state;			/* TXE_* */
	uint8_t check;			/* compare base_gen at commit */
	uint8_t fresh;			/* SET replacing a node this transaction removed */
	uint8_t existed;		/* READ: the node existed at first access */
	char *value;			/* SET */
	uint32_t vlen;
	struct xs_perm *perms;		/* SET */
	uint32_t nperms;
};

#define XS_TX_BUCKETS 64
struct xs_tx {
	struct xs_tx *next;
	uint32_t id;
	uint32_t nents;
	uint32_t new_nodes;		/* created in the transaction (quota) */
	uint32_t bytes;			/* values held (bounded for domains) */
	struct xs_txent *hash[XS_TX_BUCKETS];
	struct xs_txent *list, **tail;
};

struct xs_watch {
	struct xs_watch *next;
	char *path;			/* absolute, or "@special" */
	char *token;
	uint32_t rel;			/* bytes of prefix to strip for a relative watch */
};

struct xs_msg {
	struct xs_msg *next;
	struct xsd_sockmsg hdr;
	uint32_t len;			/* hdr + payload bytes */
	uint8_t data[];			/* header then payload */
};

enum { XS_CONN_SOCKET, XS_CONN_RING, XS_CONN_LOCAL };

struct xs_conn {
	struct xs_conn *next;
	struct pvhv_xs *xs;
	int kind;
	uint32_t domid;
	bool priv;
	bool dead;			/* cut off; freed at a safe point */
	int fd;				/* socket */
	/* ring */
	struct xenstore_domain_interface *intf;
	void (*notify)(void *opaque);
	void *nopaque;
	uint32_t req_cons, rsp_prod;	/* our copies: the page's are untrusted */
	bool kick;			/* requests may be waiting */
	/* input: one message at a time */
	uint8_t in[sizeof(struct xsd_sockmsg) + XENSTORE_PAYLOAD_MAX] __attribute__((aligned(8)));
	uint32_t in_used;
	/* output */
	struct xs_msg *out, **out_tail;
	uint32_t out_off;		/* bytes of the first message already sent */
	uint32_t out_bytes;
	uint64_t events_dropped;
	/* local connection: the last reply */
	struct xs_msg *local_reply;
	struct xs_watch *watches;
	uint32_t nwatches;
	struct xs_tx *txs;
	uint32_t ntxs;
	uint32_t next_txid;
};

/* Per-domain accounting and the introduced state. */
struct xs_dom {
	struct xs_dom *next;
	uint32_t domid;
	uint32_t nodes;			/* nodes it owns */
	uint32_t target;		/* SET_TARGET; XS_DOMID_LIMIT: none */
	bool introduced;
	uint64_t gfn;
	uint32_t port;
	struct xs_conn *conn;		/* the ring connection, when attached */
	struct xs_watch *saved_watches;	/* loaded, until the ring is attached */
	uint32_t nsaved_watches;
};

#define XS_NR_SPECIAL 2
struct pvhv_xs {
	struct pvhv_xs_ops ops;
	void *opaque;
	struct pvhv_xs_quota q;
	struct xs_node *root;
	uint64_t gen;
	uint32_t nodes;
	struct xs_conn *conns;
	uint32_t nsock;
	struct xs_dom *doms;
	int listen_fd;
	char *listen_path;
	bool dirty;
	bool in_dispatch;		/* conns are reaped after, not during */
	/* @introduceDomain, @releaseDomain: permissions only */
	struct xs_perm *special_perms[XS_NR_SPECIAL];
	uint32_t special_nperms[XS_NR_SPECIAL];
	struct xs_conn *local;		/* for pvhv_xs_request() */
};

extern const char *const xs_special_names[XS_NR_SPECIAL];

/* What one request runs as. */
struct xs_ctx {
	struct pvhv_xs *xs;
	struct xs_conn *conn;
	struct xs_tx *tx;		/* NULL: the store itself */
	uint32_t domid;
	uint32_t target;		/* XS_DOMID_LIMIT: none */
	bool priv;
};

/* xs_tree.c: paths */
int xs_canon(const struct xs_ctx *c, const char *in, char *out, bool allow_special);
/* xs_tree.c: request payloads for the direct API and the client */
/* path NUL value: the length, or -E2BIG when it exceeds @size. */
int xs_payload_write(char *buf, size_t size, const char *path, const void *val, size_t len);
/* path NUL perm NUL ... from "n5 r0" (xenstore-chmod's form); length or -errno. */
int xs_payload_perms(char *buf, size_t size, const char *path, const char *perms);
/* xs_tree.c: permissions as strings */
int xs_parse_perms(const char *s, size_t len, struct xs_perm **perms, uint32_t *n);
int xs_format_perms(const struct xs_perm *p, uint32_t n, char *buf, size_t len);
unsigned int xs_perm_for(const struct xs_ctx *c, const struct xs_perm *p, uint32_t n);
/* xs_tree.c: the store */
struct xs_node *xs_node_new_root(void);
void xs_node_free(struct xs_node *n);
struct xs_node *xs_lookup(struct pvhv_xs *xs, const char *path);
struct xs_dom *xs_dom_get(struct pvhv_xs *xs, uint32_t domid, bool create);
/* xs_tree.c: the operations, in or out of a transaction */
int xs_op_read(struct xs_ctx *c, const char *path, char **val, uint32_t *len);
int xs_op_write(struct xs_ctx *c, const char *path, const char *val, uint32_t len, bool mkdir);
int xs_op_rm(struct xs_ctx *c, const char *path);
/* Children names, each NUL-terminated, in a malloc()ed buffer. */
int xs_op_directory(struct xs_ctx *c, const char *path, char **buf, uint32_t *len,
		    uint64_t *gen);
int xs_op_get_perms(struct xs_ctx *c, const char *path, struct xs_perm **p, uint32_t *n);
int xs_op_set_perms(struct xs_ctx *c, const char *path, const struct xs_perm *p, uint32_t n);
/* Store-level node creation with given permissions (load, skeleton). */
int xs_main_set(struct pvhv_xs *xs, const char *path, const char *val, uint32_t vlen,
		const struct xs_perm *perms, uint32_t nperms, bool set_value, bool fire);
/* transactions */
void xs_tx_free(struct xs_tx *tx);
int xs_tx_commit(struct xs_ctx *c);
/* Give domid's nodes to domain 0 and drop its permission entries. */
void xs_forget_domain(struct pvhv_xs *xs, uint32_t domid);

/* xenstored.c: watches fire on a change at @path whose permissions were @p */
void xs_fire(struct pvhv_xs *xs, const char *path, const struct xs_perm *p, uint32_t n,
	     bool exact);
/* The context a connection's request runs in. */
void xs_ctx_init(struct xs_ctx *c, struct xs_conn *conn);

#endif /* PVHV_XS_INTERNAL_H */
