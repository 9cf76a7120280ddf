// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * xenstored: the node tree, Xen's permission model, quotas and optimistic
 * transactions.
 *
 * Nodes live in one tree; each carries a generation number that changes
 * whenever its value, permissions or list of children change.
 *
 * A transaction does not copy the store. It keeps an overlay of the paths it
 * touched: for each, the generation the store had at first access (or
 * "absent"), and for the paths it changed, their new state (value and
 * permissions, or deleted). Reads outside the overlay see the store. At
 * commit every recorded generation is compared with the store's: any
 * difference means another client changed something this transaction read
 * or wrote, and the commit fails with EAGAIN; otherwise the changes are
 * applied parents first and fire their watches. So only conflicting writes
 * fail a transaction, and its memory is bounded by what it touched
 * (quota tx_nodes entries, and for domains a bound on the bytes held).
 *
 * Permissions (Xen's): entry 0 names the owner and the access of every
 * domain not listed; later entries give listed domains their access. Domain
 * 0 (privileged) and the owner have full access; only they may change the
 * permissions, and a domain may not give its node away. A new node inherits
 * its parent's permissions, owned by its creator when that is a domain.
 * Nodes are charged to their owner's quota.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xs_internal.h"

#define TX_DOMAIN_BYTES	65536	/* values a domain's transaction may hold */

const char *const xs_special_names[XS_NR_SPECIAL] = { "@introduceDomain", "@releaseDomain" };

/* --- paths ------------------------------------------------------------- */

static bool valid_chars(const char *p)
{
	for (; *p; p++) {
		char ch = *p;

		if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
		      (ch >= '0' && ch <= '9') || ch == '-' || ch == '/' || ch == '_' || ch == '@'))
			return false;
	}
	return true;
}

/* Length of a leading "/local/domain/N/", else 0. */
static size_t local_prefix(const char *p)
{
	static const char pre[] = "/local/domain/";
	size_t i = sizeof(pre) - 1;

	if (strncmp(p, pre, i))
		return 0;
	if (p[i] < '0' || p[i] > '9')
		return 0;
	while (p[i] >= '0' && p[i] <= '9' && i < sizeof(pre) + 5)
		i++;
	return p[i] == '/' ? i + 1 : 0;
}

int xs_canon(const struct xs_ctx *c, const char *in, char *out, bool allow_special)
{
	size_t n = strlen(in);

	if (!n)
		return -EINVAL;
	if (in[0] == '@') {
		if (!allow_special || n > 64 || !valid_chars(in + 1) || strchr(in, '/'))
			return -EINVAL;
		memcpy(out, in, n + 1);
		return 0;
	}
	if (in[0] == '/') {
		if (n > XENSTORE_ABS_PATH_MAX)
			return -EINVAL;
		memcpy(out, in, n + 1);
	} else {
		/* Relative paths are a domain's, below its home. */
		if (!c->conn || c->conn->kind != XS_CONN_RING || n > XENSTORE_REL_PATH_MAX)
			return -EINVAL;
		snprintf(out, XS_PATH_BUF, "/local/domain/%u/%s", c->domid, in);
		n = strlen(out);
	}
	if ((n > 1 && out[n - 1] == '/') || strstr(out, "//") || !valid_chars(out))
		return -EINVAL;
	if (n > XENSTORE_ABS_PATH_MAX || n > local_prefix(out) + c->xs->q.path_len)
		return -EINVAL;
	return 0;
}

/* "/a/b" -> "/a", "/a" -> "/" into @buf (XS_PATH_BUF). */
static void parent_of(const char *path, char *buf)
{
	const char *s = strrchr(path, '/');
	size_t n = s && s != path ? (size_t)(s - path) : 1;

	memcpy(buf, path, n);
	buf[n] = '\0';
}

static const char *leaf_of(const char *path)
{
	return strrchr(path, '/') + 1;
}

static uint32_t depth_of(const char *path)
{
	uint32_t d = 0;

	if (!strcmp(path, "/"))
		return 0;
	for (; *path; path++)
		d += *path == '/';
	return d;
}

/* --- request payloads ---------------------------------------------------- */

int xs_payload_write(char *buf, size_t size, const char *path, const void *val, size_t len)
{
	size_t pl;

	if (!path || (len && !val))
		return -EINVAL;
	pl = strlen(path) + 1;
	if (pl + len > size || pl + len > XENSTORE_PAYLOAD_MAX)
		return -E2BIG;
	memcpy(buf, path, pl);
	if (len)
		memcpy(buf + pl, val, len);
	return (int)(pl + len);
}

int xs_payload_perms(char *buf, size_t size, const char *path, const char *perms)
{
	size_t pl, i, o;

	if (!path || !perms)
		return -EINVAL;
	pl = strlen(path) + 1;
	if (pl + strlen(perms) + 1 > size || pl + strlen(perms) + 1 > XENSTORE_PAYLOAD_MAX)
		return -E2BIG;
	memcpy(buf, path, pl);
	for (i = 0, o = pl; perms[i]; i++) {
		if (perms[i] != ' ')
			buf[o++] = perms[i];
		else if (o > pl && buf[o - 1])
			buf[o++] = '\0';
	}
	if (o == pl)
		return -EINVAL;
	if (buf[o - 1])
		buf[o++] = '\0';
	return (int)o;
}

/* --- permissions -------------------------------------------------------- */

int xs_parse_perms(const char *s, size_t len, struct xs_perm **perms, uint32_t *n)
{
	struct xs_perm *p;
	uint32_t cnt = 0, i = 0;
	size_t off;

	/* Every entry is NUL-terminated within len. */
	for (off = 0; off < len; off++)
		cnt += !s[off];
	if (!cnt || (len && s[len - 1]))
		return -EINVAL;
	p = calloc(cnt, sizeof(*p));
	if (!p)
		return -ENOMEM;
	for (off = 0; i < cnt; i++) {
		const char *e = s + off;
		uint32_t id = 0;
		size_t k;

		switch (e[0]) {
		case 'n': p[i].perm = 0; break;
		case 'r': p[i].perm = XS_PERM_READ; break;
		case 'w': p[i].perm = XS_PERM_WRITE; break;
		case 'b': p[i].perm = XS_PERM_READ | XS_PERM_WRITE; break;
		default: goto bad;
		}
		if (!e[1])
			goto bad;
		for (k = 1; e[k]; k++) {
			if (e[k] < '0' || e[k] > '9' || k > 5)
				goto bad;
			id = id * 10 + (uint32_t)(e[k] - '0');
		}
		if (id > 65535)
			goto bad;
		p[i].id = id;
		off += k + 1;
	}
	*perms = p;
	*n = cnt;
	return 0;
bad:
	free(p);
	return -EINVAL;
}

int xs_format_perms(const struct xs_perm *p, uint32_t n, char *buf, size_t len)
{
	static const char letters[] = "nrwb";
	size_t off = 0;
	uint32_t i;

	for (i = 0; i < n; i++) {
		int w = snprintf(buf + off, len - off, "%c%u", letters[p[i].perm & 3], p[i].id);

		if (w < 0 || (size_t)w + 1 > len - off)
			return -E2BIG;
		off += (size_t)w + 1;	/* keep the NUL */
	}
	return (int)off;
}

unsigned int xs_perm_for(const struct xs_ctx *c, const struct xs_perm *p, uint32_t n)
{
	const unsigned int all = XS_PERM_READ | XS_PERM_WRITE | XS_PERM_OWNER;
	uint32_t i;

	if (c->priv || !n)
		return c->priv ? all : 0;
	if (p[0].id == c->domid || (c->target != XS_DOMID_LIMIT && p[0].id == c->target))
		return all;
	for (i = 1; i < n; i++)
		if (p[i].id == c->domid || (c->target != XS_DOMID_LIMIT && p[i].id == c->target))
			return p[i].perm & (XS_PERM_READ | XS_PERM_WRITE);
	return p[0].perm & (XS_PERM_READ | XS_PERM_WRITE);
}

static struct xs_perm *perms_dup(const struct xs_perm *p, uint32_t n)
{
	struct xs_perm *d = malloc((n ? n : 1) * sizeof(*d));

	if (d && n)
		memcpy(d, p, n * sizeof(*d));
	return d;
}

/* --- the store ----------------------------------------------------------- */

struct xs_dom *xs_dom_get(struct pvhv_xs *xs, uint32_t domid, bool create)
{
	struct xs_dom *d;

	for (d = xs->doms; d; d = d->next)
		if (d->domid == domid)
			return d;
	if (!create)
		return NULL;
	d = calloc(1, sizeof(*d));
	if (!d)
		return NULL;
	d->domid = domid;
	d->target = XS_DOMID_LIMIT;
	d->next = xs->doms;
	xs->doms = d;
	return d;
}

static void account(struct pvhv_xs *xs, const struct xs_node *n, int delta)
{
	struct xs_dom *d;

	if (!n->nperms || !n->perms[0].id)
		return;
	d = xs_dom_get(xs, n->perms[0].id, true);
	if (d)	/* without memory the count is lost, never the node */
		d->nodes = delta < 0 && !d->nodes ? 0 : d->nodes + (uint32_t)delta;
}

struct xs_node *xs_node_new_root(void)
{
	struct xs_node *r = calloc(1, sizeof(*r));

	if (!r)
		return NULL;
	r->name = strdup("");
	r->perms = calloc(1, sizeof(*r->perms));	/* "n0" */
	r->nperms = 1;
	if (!r->name || !r->perms) {
		free(r->name);
		free(r->perms);
		free(r);
		return NULL;
	}
	return r;
}

void xs_node_free(struct xs_node *n)
{
	uint32_t i;

	if (!n)
		return;
	for (i = 0; i < n->nkids; i++)
		xs_node_free(n->kids[i]);
	free(n->kids);
	free(n->name);
	free(n->value);
	free(n->perms);
	free(n);
}

/* Index of kid [name, name + len) in n->kids, or where it would go (*found 0). */
static uint32_t kid_index(const struct xs_node *n, const char *name, size_t len, bool *found)
{
	uint32_t lo = 0, hi = n->nkids;

	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;
		const char *k = n->kids[mid]->name;
		int cmp = strncmp(k, name, len);

		if (!cmp)
			cmp = k[len] ? 1 : 0;
		if (!cmp) {
			*found = true;
			return mid;
		}
		if (cmp < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	*found = false;
	return lo;
}

static struct xs_node *kid_find(const struct xs_node *n, const char *name, size_t len)
{
	bool found;
	uint32_t i = kid_index(n, name, len, &found);

	return found ? n->kids[i] : NULL;
}

struct xs_node *xs_lookup(struct pvhv_xs *xs, const char *path)
{
	struct xs_node *n = xs->root;
	const char *p = path + 1;

	if (path[0] != '/')
		return NULL;
	while (n && *p) {
		const char *e = strchrnul(p, '/');

		n = kid_find(n, p, (size_t)(e - p));
		p = *e ? e + 1 : e;
	}
	return n;
}

/* Full path of @n into @buf (XS_PATH_BUF). */
static void path_of(const struct xs_node *n, char *buf)
{
	const struct xs_node *chain[XENSTORE_ABS_PATH_MAX / 2 + 1];
	size_t depth = 0, off = 0;

	for (; n && n->parent; n = n->parent)
		chain[depth++] = n;
	if (!depth) {
		strcpy(buf, "/");
		return;
	}
	while (depth--) {
		size_t l = strlen(chain[depth]->name);

		buf[off++] = '/';
		memcpy(buf + off, chain[depth]->name, l);
		off += l;
	}
	buf[off] = '\0';
}

/*
 * Create or update @path in the store: its parent must exist. @perms (NULL:
 * keep, or the parent's for a new node) and, with @set_value, the value.
 * With @fire, fires the watches of the change.
 */
int xs_main_set(struct pvhv_xs *xs, const char *path, const char *val, uint32_t vlen,
		const struct xs_perm *perms, uint32_t nperms, bool set_value, bool fire)
{
	struct xs_node *n = xs_lookup(xs, path), *parent;
	char *nv = NULL;
	struct xs_perm *np = NULL;

	if (set_value && vlen) {
		nv = malloc(vlen);
		if (!nv)
			return -ENOMEM;
		memcpy(nv, val, vlen);
	}
	if (!n) {
		char pbuf[XS_PATH_BUF];
		const char *leaf = leaf_of(path);
		struct xs_node **kids;
		uint32_t at;
		bool found;

		parent_of(path, pbuf);
		parent = xs_lookup(xs, pbuf);
		if (!parent || !strcmp(path, "/")) {
			free(nv);
			return -ENOENT;
		}
		if (xs->nodes >= xs->q.total_nodes) {
			free(nv);
			return -ENOSPC;
		}
		if (!perms) {
			perms = parent->perms;
			nperms = parent->nperms;
		}
		n = calloc(1, sizeof(*n));
		np = perms_dup(perms, nperms);
		if (n)
			n->name = strdup(leaf);
		if (parent->nkids == parent->kcap) {
			uint32_t cap = parent->kcap ? parent->kcap * 2 : 4;

			kids = realloc(parent->kids, cap * sizeof(*kids));
			if (kids) {
				parent->kids = kids;
				parent->kcap = cap;
			}
		}
		if (!n || !n->name || !np || parent->nkids == parent->kcap) {
			if (n)
				free(n->name);
			free(n);
			free(np);
			free(nv);
			return -ENOMEM;
		}
		at = kid_index(parent, leaf, strlen(leaf), &found);
		memmove(parent->kids + at + 1, parent->kids + at,
			(parent->nkids - at) * sizeof(*parent->kids));
		parent->kids[at] = n;
		parent->nkids++;
		parent->gen = ++xs->gen;
		n->parent = parent;
		n->perms = np;
		n->nperms = nperms;
		n->value = nv;
		n->vlen = set_value ? vlen : 0;
		xs->nodes++;
		account(xs, n, 1);
	} else {
		if (perms) {
			np = perms_dup(perms, nperms);
			if (!np) {
				free(nv);
				return -ENOMEM;
			}
			account(xs, n, -1);
			free(n->perms);
			n->perms = np;
			n->nperms = nperms;
			account(xs, n, 1);
		}
		if (set_value) {
			free(n->value);
			n->value = nv;
			n->vlen = vlen;
		}
	}
	n->gen = ++xs->gen;
	xs->dirty = true;
	if (fire)
		xs_fire(xs, path, n->perms, n->nperms, false);
	return 0;
}

/* Watches exactly on the removed descendants, then free them. */
static void rm_subtree(struct pvhv_xs *xs, struct xs_node *n, char *buf, size_t off, bool top)
{
	uint32_t i;

	for (i = 0; i < n->nkids; i++) {
		size_t l = strlen(n->kids[i]->name);

		if (off + 1 + l >= XS_PATH_BUF)
			continue;	/* cannot happen: paths are bounded */
		buf[off] = '/';
		memcpy(buf + off + 1, n->kids[i]->name, l + 1);
		rm_subtree(xs, n->kids[i], buf, off + 1 + l, false);
		buf[off] = '\0';
	}
	if (!top)
		xs_fire(xs, buf, n->perms, n->nperms, true);
	account(xs, n, -1);
	xs->nodes--;
	for (i = 0; i < n->nkids; i++)
		n->kids[i] = NULL;
	n->nkids = 0;
	xs_node_free(n);
}

static void xs_main_rm(struct pvhv_xs *xs, struct xs_node *n)
{
	struct xs_node *parent = n->parent;
	char buf[XS_PATH_BUF];
	uint32_t i;

	if (!parent)
		return;
	path_of(n, buf);
	xs_fire(xs, buf, n->perms, n->nperms, false);
	for (i = 0; i < parent->nkids && parent->kids[i] != n; i++)
		;
	memmove(parent->kids + i, parent->kids + i + 1,
		(parent->nkids - i - 1) * sizeof(*parent->kids));
	parent->nkids--;
	parent->gen = ++xs->gen;
	xs->dirty = true;
	rm_subtree(xs, n, buf, strlen(buf), true);
}

static void forget_node(struct pvhv_xs *xs, struct xs_node *n, uint32_t domid)
{
	uint32_t i, j;

	if (n->nperms && n->perms[0].id == domid) {
		account(xs, n, -1);
		n->perms[0].id = 0;
		n->gen = ++xs->gen;
	}
	for (i = j = 1; i < n->nperms; i++)
		if (n->perms[i].id != domid)
			n->perms[j++] = n->perms[i];
	if (n->nperms > 1)
		n->nperms = j;
	/* Recursion depth is bounded by the path length limit. */
	for (i = 0; i < n->nkids; i++)
		forget_node(xs, n->kids[i], domid);
}

void xs_forget_domain(struct pvhv_xs *xs, uint32_t domid)
{
	uint32_t i, j, k;

	if (!domid)
		return;
	forget_node(xs, xs->root, domid);
	for (k = 0; k < XS_NR_SPECIAL; k++) {
		struct xs_perm *p = xs->special_perms[k];

		if (p[0].id == domid)
			p[0].id = 0;
		for (i = j = 1; i < xs->special_nperms[k]; i++)
			if (p[i].id != domid)
				p[j++] = p[i];
		if (xs->special_nperms[k] > 1)
			xs->special_nperms[k] = j;
	}
	xs->dirty = true;
}

/* --- transactions: the overlay ------------------------------------------- */

static uint32_t hash_path(const char *p)
{
	uint32_t h = 2166136261u;

	for (; *p; p++)
		h = (h ^ (uint8_t)*p) * 16777619u;
	return h % XS_TX_BUCKETS;
}

static struct xs_txent *tx_find(struct xs_tx *tx, const char *path)
{
	struct xs_txent *e;

	for (e = tx->hash[hash_path(path)]; e; e = e->hnext)
		if (!strcmp(e->path, path))
			return e;
	return NULL;
}

static void txent_free(struct xs_txent *e)
{
	free(e->path);
	free(e->value);
	free(e->perms);
	free(e);
}

static int tx_add(struct pvhv_xs *xs, struct xs_tx *tx, const char *path, struct xs_txent **out)
{
	struct xs_node *n = xs_lookup(xs, path);
	struct xs_txent *e;
	uint32_t h;

	if (tx->nents >= xs->q.tx_nodes)
		return -ENOSPC;
	e = calloc(1, sizeof(*e));
	if (!e || !(e->path = strdup(path))) {
		free(e);
		return -ENOMEM;
	}
	e->state = TXE_READ;
	e->check = 1;
	e->base_gen = n ? n->gen : 0;
	e->existed = n != NULL;
	h = hash_path(path);
	e->hnext = tx->hash[h];
	tx->hash[h] = e;
	*tx->tail = e;
	tx->tail = &e->lnext;
	tx->nents++;
	*out = e;
	return 0;
}

/* Remove every entry below @path ("path/..."). */
static void tx_drop_below(struct xs_tx *tx, const char *path)
{
	size_t l = strcmp(path, "/") ? strlen(path) : 0;
	struct xs_txent **pp, *e;
	uint32_t h;

	for (pp = &tx->list; (e = *pp);) {
		if (!strncmp(e->path, path, l) && e->path[l] == '/' && e->path[l + 1]) {
			struct xs_txent **hp;

			*pp = e->lnext;
			h = hash_path(e->path);
			for (hp = &tx->hash[h]; *hp != e; hp = &(*hp)->hnext)
				;
			*hp = e->hnext;
			tx->nents--;
			tx->bytes -= e->vlen;
			txent_free(e);
		} else {
			pp = &e->lnext;
		}
	}
	tx->tail = &tx->list;
	while (*tx->tail)
		tx->tail = &(*tx->tail)->lnext;
}

/* Is @path hidden by a change to one of its ancestors in this transaction? */
static bool tx_shadowed(struct xs_tx *tx, const char *path)
{
	char buf[XS_PATH_BUF];
	struct xs_txent *e;

	strcpy(buf, path);
	while (strcmp(buf, "/")) {
		parent_of(buf, buf);
		e = tx_find(tx, buf);
		if (e)
			return e->state == TXE_DEL || (e->state == TXE_SET && e->fresh) ||
			       (e->state == TXE_READ && !e->existed);
	}
	return false;
}

void xs_tx_free(struct xs_tx *tx)
{
	struct xs_txent *e, *next;

	if (!tx)
		return;
	for (e = tx->list; e; e = next) {
		next = e->lnext;
		txent_free(e);
	}
	free(tx);
}

/* --- the view: the store, or the store through a transaction ------------- */

struct xs_view {
	bool exists;
	const char *value;
	uint32_t vlen;
	const struct xs_perm *perms;
	uint32_t nperms;
	uint64_t gen;
	struct xs_node *node;		/* the store's node, if any */
	struct xs_txent *e;		/* the transaction's entry, if any */
};

/* The view of @path as the store has it now. */
static void view_of_node(struct xs_view *v, struct xs_node *n)
{
	if (!n)
		return;
	v->exists = true;
	v->value = n->value;
	v->vlen = n->vlen;
	v->perms = n->perms;
	v->nperms = n->nperms;
	v->gen = n->gen;
	v->node = n;
}

static int view_get(struct xs_ctx *c, const char *path, struct xs_view *v)
{
	struct xs_txent *e;
	int ret;

	memset(v, 0, sizeof(*v));
	if (!c->tx) {
		view_of_node(v, xs_lookup(c->xs, path));
		return 0;
	}
	e = tx_find(c->tx, path);
	if (!e) {
		if (tx_shadowed(c->tx, path))
			return 0;
		ret = tx_add(c->xs, c->tx, path, &e);
		if (ret)
			return ret;
	}
	v->e = e;
	if (e->state == TXE_SET) {
		v->exists = true;
		v->value = e->value;
		v->vlen = e->vlen;
		v->perms = e->perms;
		v->nperms = e->nperms;
		v->gen = e->base_gen;
		v->node = e->fresh ? NULL : xs_lookup(c->xs, path);
	} else if (e->state == TXE_READ && e->existed) {
		/* The store as it is now: if it changed, the commit fails anyway. */
		view_of_node(v, xs_lookup(c->xs, path));
	}
	return 0;
}

/* Set @path's whole state (value, permissions) in the caller's view. */
static int view_set(struct xs_ctx *c, const char *path, const char *val, uint32_t vlen,
		    const struct xs_perm *perms, uint32_t nperms, bool created, bool fire)
{
	struct xs_tx *tx = c->tx;
	struct xs_txent *e;
	struct xs_perm *np;
	char *nv = NULL;
	int ret;

	if (!tx)
		return xs_main_set(c->xs, path, val, vlen, perms, nperms, true, fire);
	e = tx_find(tx, path);
	if (!e) {
		/* Below a node this transaction removed or replaced. */
		ret = tx_add(c->xs, tx, path, &e);
		if (ret)
			return ret;
		e->check = 0;
		e->fresh = 1;
	} else if (e->state == TXE_DEL) {
		e->fresh = 1;
	}
	if (!c->priv && tx->bytes - e->vlen + vlen > TX_DOMAIN_BYTES)
		return -ENOSPC;
	np = perms_dup(perms, nperms);
	if (vlen)
		nv = malloc(vlen);
	if (!np || (vlen && !nv)) {
		free(np);
		free(nv);
		return -ENOMEM;
	}
	if (vlen)
		memcpy(nv, val, vlen);
	tx->bytes = tx->bytes - e->vlen + vlen;
	free(e->value);
	free(e->perms);
	e->value = nv;
	e->vlen = vlen;
	e->perms = np;
	e->nperms = nperms;
	e->state = TXE_SET;
	if (created)
		tx->new_nodes++;
	return 0;
}

static int view_del(struct xs_ctx *c, const char *path, struct xs_view *v)
{
	struct xs_txent *e = v->e;

	if (!c->tx) {
		xs_main_rm(c->xs, v->node);
		return 0;
	}
	if (!e)
		return -ENOENT;	/* cannot happen: it exists in the view */
	c->tx->bytes -= e->vlen;
	free(e->value);
	free(e->perms);
	e->value = NULL;
	e->vlen = 0;
	e->perms = NULL;
	e->nperms = 0;
	e->state = TXE_DEL;
	e->fresh = 0;
	tx_drop_below(c->tx, path);
	return 0;
}

/* Why @path (absent) cannot be used: ENOENT, or EACCES if its parents say so. */
static int err_missing(struct xs_ctx *c, const char *path, unsigned int want)
{
	char buf[XS_PATH_BUF];
	struct xs_view v;
	int ret;

	strcpy(buf, path);
	do {
		parent_of(buf, buf);
		ret = view_get(c, buf, &v);
		if (ret)
			return ret;
	} while (!v.exists && strcmp(buf, "/"));
	if (!v.exists)
		return -ENOENT;
	return (xs_perm_for(c, v.perms, v.nperms) & want) == want ? -ENOENT : -EACCES;
}

/* --- the operations ------------------------------------------------------- */

int xs_op_read(struct xs_ctx *c, const char *path, char **val, uint32_t *len)
{
	struct xs_view v;
	int ret = view_get(c, path, &v);

	if (ret)
		return ret;
	if (!v.exists)
		return err_missing(c, path, XS_PERM_READ);
	if (!(xs_perm_for(c, v.perms, v.nperms) & XS_PERM_READ))
		return -EACCES;
	*val = malloc(v.vlen + 1);
	if (!*val)
		return -ENOMEM;
	if (v.vlen)
		memcpy(*val, v.value, v.vlen);
	(*val)[v.vlen] = '\0';
	*len = v.vlen;
	return 0;
}

static uint32_t dom_nodes(struct xs_ctx *c)
{
	struct xs_dom *d = xs_dom_get(c->xs, c->domid, false);

	return (d ? d->nodes : 0) + (c->tx ? c->tx->new_nodes : 0);
}

int xs_op_write(struct xs_ctx *c, const char *path, const char *val, uint32_t len, bool mkdir)
{
	char buf[XS_PATH_BUF], pbuf[XS_PATH_BUF];
	struct xs_perm *inherit;
	struct xs_view v;
	uint32_t missing = 0, ninherit, i;
	size_t at;
	int ret;

	ret = view_get(c, path, &v);
	if (ret)
		return ret;
	if (!c->priv && len > c->xs->q.node_size)
		return -ENOSPC;
	if (v.exists) {
		struct xs_perm *keep;

		if (!(xs_perm_for(c, v.perms, v.nperms) & XS_PERM_WRITE))
			return -EACCES;
		if (mkdir)
			return 0;
		/* The view's permissions may be freed by the set: copy them. */
		keep = perms_dup(v.perms, v.nperms);
		if (!keep)
			return -ENOMEM;
		ret = view_set(c, path, val, len, keep, v.nperms, false, true);
		free(keep);
		return ret;
	}
	/* Find the nearest existing ancestor; count the nodes to create. */
	strcpy(buf, path);
	do {
		missing++;
		parent_of(buf, buf);
		ret = view_get(c, buf, &v);
		if (ret)
			return ret;
	} while (!v.exists && strcmp(buf, "/"));
	if (!v.exists)
		return -ENOENT;
	if (!(xs_perm_for(c, v.perms, v.nperms) & XS_PERM_WRITE))
		return -EACCES;
	if (!c->priv && dom_nodes(c) + missing > c->xs->q.nodes_per_domain)
		return -ENOSPC;
	if (c->xs->nodes + missing + (c->tx ? c->tx->new_nodes : 0) > c->xs->q.total_nodes)
		return -ENOSPC;
	inherit = perms_dup(v.perms, v.nperms);
	ninherit = v.nperms;
	if (!inherit)
		return -ENOMEM;
	if (!c->priv)
		inherit[0].id = c->domid;
	/* Create the missing nodes top-down: the ancestor's path is a prefix. */
	at = strlen(buf);
	if (at == 1)
		at = 0;
	for (i = 0; i < missing; i++) {
		const char *slash = strchr(path + at + 1, '/');
		size_t end = slash ? (size_t)(slash - path) : strlen(path);

		memcpy(pbuf, path, end);
		pbuf[end] = '\0';
		if (i + 1 < missing)
			ret = view_set(c, pbuf, "", 0, inherit, ninherit, true, false);
		else
			ret = view_set(c, pbuf, mkdir ? "" : val, mkdir ? 0 : len, inherit, ninherit,
				       true, true);
		if (ret)
			break;
		at = end;
	}
	free(inherit);
	return ret;
}

int xs_op_rm(struct xs_ctx *c, const char *path)
{
	char pbuf[XS_PATH_BUF];
	struct xs_view v;
	int ret;

	if (!strcmp(path, "/"))
		return -EINVAL;
	ret = view_get(c, path, &v);
	if (ret)
		return ret;
	if (!v.exists) {
		/* Not there: fine, if its parent is. */
		parent_of(path, pbuf);
		ret = view_get(c, pbuf, &v);
		if (ret)
			return ret;
		return v.exists ? 0 : err_missing(c, pbuf, XS_PERM_WRITE);
	}
	if (!(xs_perm_for(c, v.perms, v.nperms) & XS_PERM_WRITE))
		return -EACCES;
	if (c->tx) {
		/* The parent's list of children changes: part of the read set. */
		struct xs_view pv;

		parent_of(path, pbuf);
		ret = view_get(c, pbuf, &pv);
		if (ret)
			return ret;
	}
	return view_del(c, path, &v);
}

struct namebuf {
	char *buf;
	uint32_t len, cap;
};

static int nb_add(struct namebuf *nb, const char *name)
{
	uint32_t l = (uint32_t)strlen(name) + 1;

	if (nb->len + l > nb->cap) {
		uint32_t cap = nb->cap ? nb->cap * 2 : 256;
		char *b;

		while (cap < nb->len + l)
			cap *= 2;
		b = realloc(nb->buf, cap);
		if (!b)
			return -ENOMEM;
		nb->buf = b;
		nb->cap = cap;
	}
	memcpy(nb->buf + nb->len, name, l);
	nb->len += l;
	return 0;
}

int xs_op_directory(struct xs_ctx *c, const char *path, char **buf, uint32_t *len, uint64_t *gen)
{
	struct namebuf nb = { NULL, 0, 0 };
	char cbuf[XS_PATH_BUF];
	struct xs_view v;
	struct xs_node *n;
	uint32_t i;
	int ret = view_get(c, path, &v);

	if (ret)
		return ret;
	if (!v.exists)
		return err_missing(c, path, XS_PERM_READ);
	if (!(xs_perm_for(c, v.perms, v.nperms) & XS_PERM_READ))
		return -EACCES;
	n = v.node;
	for (i = 0; n && i < n->nkids && !ret; i++) {
		if (c->tx) {
			struct xs_txent *ce;

			snprintf(cbuf, sizeof(cbuf), "%s/%s", strcmp(path, "/") ? path : "",
				 n->kids[i]->name);
			ce = tx_find(c->tx, cbuf);
			if (ce && (ce->state == TXE_DEL || (ce->state == TXE_READ && !ce->existed)))
				continue;
		}
		ret = nb_add(&nb, n->kids[i]->name);
	}
	if (c->tx) {
		struct xs_txent *e;
		char pbuf[XS_PATH_BUF];

		for (e = c->tx->list; e && !ret; e = e->lnext) {
			const char *leaf;

			if (e->state != TXE_SET || !strcmp(e->path, "/"))
				continue;
			parent_of(e->path, pbuf);
			if (strcmp(pbuf, path))
				continue;
			leaf = leaf_of(e->path);
			if (n && kid_find(n, leaf, strlen(leaf)))
				continue;	/* listed above */
			ret = nb_add(&nb, leaf);
		}
	}
	if (ret) {
		free(nb.buf);
		return ret;
	}
	if (!nb.buf && !(nb.buf = malloc(1))) {
		return -ENOMEM;
	}
	*buf = nb.buf;
	*len = nb.len;
	*gen = v.gen;
	return 0;
}

static int special_index(const char *path)
{
	int i;

	for (i = 0; i < XS_NR_SPECIAL; i++)
		if (!strcmp(path, xs_special_names[i]))
			return i;
	return -1;
}

int xs_op_get_perms(struct xs_ctx *c, const char *path, struct xs_perm **p, uint32_t *n)
{
	const struct xs_perm *src;
	uint32_t cnt;
	struct xs_view v;
	int ret;

	if (path[0] == '@') {
		int i = special_index(path);

		if (i < 0)
			return -ENOENT;
		src = c->xs->special_perms[i];
		cnt = c->xs->special_nperms[i];
	} else {
		ret = view_get(c, path, &v);
		if (ret)
			return ret;
		if (!v.exists)
			return err_missing(c, path, XS_PERM_READ);
		src = v.perms;
		cnt = v.nperms;
	}
	if (!(xs_perm_for(c, src, cnt) & XS_PERM_READ))
		return -EACCES;
	*p = perms_dup(src, cnt);
	if (!*p)
		return -ENOMEM;
	*n = cnt;
	return 0;
}

int xs_op_set_perms(struct xs_ctx *c, const char *path, const struct xs_perm *p, uint32_t n)
{
	struct xs_view v;
	char *val;
	int ret;

	if (!c->priv && n > c->xs->q.perms_per_node)
		return -ENOSPC;
	if (path[0] == '@') {
		int i = special_index(path);
		struct xs_perm *np;

		if (i < 0)
			return -ENOENT;
		if (!c->priv)
			return -EACCES;
		np = perms_dup(p, n);
		if (!np)
			return -ENOMEM;
		free(c->xs->special_perms[i]);
		c->xs->special_perms[i] = np;
		c->xs->special_nperms[i] = n;
		c->xs->dirty = true;
		return 0;
	}
	ret = view_get(c, path, &v);
	if (ret)
		return ret;
	if (!v.exists)
		return err_missing(c, path, XS_PERM_WRITE);
	if (!(xs_perm_for(c, v.perms, v.nperms) & XS_PERM_OWNER))
		return -EACCES;
	if (!c->priv && p[0].id != v.perms[0].id)
		return -EPERM;
	/* The value is kept: copy it, the view's copy may be replaced. */
	val = malloc(v.vlen + 1);
	if (!val)
		return -ENOMEM;
	if (v.vlen)
		memcpy(val, v.value, v.vlen);
	ret = view_set(c, path, val, v.vlen, p, n, false, true);
	free(val);
	return ret;
}

/* --- commit ---------------------------------------------------------------- */

struct ordered {
	struct xs_txent *e;
	uint32_t depth, seq;
};

static int cmp_ordered(const void *a, const void *b)
{
	const struct ordered *x = a, *y = b;

	if (x->depth != y->depth)
		return x->depth < y->depth ? -1 : 1;
	return (x->seq > y->seq) - (x->seq < y->seq);
}

int xs_tx_commit(struct xs_ctx *c)
{
	struct pvhv_xs *xs = c->xs;
	struct xs_tx *tx = c->tx;
	struct ordered *ord;
	struct xs_txent *e;
	uint32_t n = 0, i;
	int ret = 0;

	for (e = tx->list; e; e = e->lnext) {
		struct xs_node *node;

		if (!e->check)
			continue;
		node = xs_lookup(xs, e->path);
		if ((node ? node->gen : 0) != e->base_gen)
			return -EAGAIN;
	}
	if (!c->priv && dom_nodes(c) > xs->q.nodes_per_domain)
		return -ENOSPC;
	if (xs->nodes + tx->new_nodes > xs->q.total_nodes)
		return -ENOSPC;
	ord = calloc(tx->nents ? tx->nents : 1, sizeof(*ord));
	if (!ord)
		return -ENOMEM;
	for (e = tx->list; e; e = e->lnext, n++) {
		ord[n].e = e;
		ord[n].depth = depth_of(e->path);
		ord[n].seq = n;
	}
	qsort(ord, n, sizeof(*ord), cmp_ordered);
	for (i = 0; i < n; i++) {
		struct xs_node *node;

		e = ord[i].e;
		if (e->state == TXE_READ)
			continue;
		node = xs_lookup(xs, e->path);
		if (node && (e->state == TXE_DEL || e->fresh))
			xs_main_rm(xs, node);
		if (e->state == TXE_SET) {
			int r = xs_main_set(xs, e->path, e->value, e->vlen, e->perms, e->nperms, true,
					    true);

			/* Only memory can fail here; the rest is applied. */
			if (r && !ret)
				ret = r;
		}
	}
	free(ord);
	return ret;
}
