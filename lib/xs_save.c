// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * xenstored persistence, so that a restarted daemon finds the store, the
 * introduced domains and their watches as they were (guests keep running
 * while the daemon is away). A binary file of records, parents before
 * children: "PVHVXS01", then
 *   'N' path value perms	a node
 *   'D' domid flags gfn port target	a domain (introduced or with a target)
 *   'W' domid rel path token	a watch of a domain's ring connection
 *   'S' index perms	permissions of a special path
 *   'Z'	the end
 * Strings and values are a u32 length and the bytes; perms a u32 count and
 * (id, perm) pairs. Loading checks every length and value.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "xs_internal.h"

static const char magic[8] = "PVHVXS01";

#define MAX_PERMS	4096
#define MAX_VALUE	(1u << 20)

static int put(FILE *f, const void *p, size_t n)
{
	return n && fwrite(p, 1, n, f) != n ? -EIO : 0;
}

static int put_u32(FILE *f, uint32_t v)
{
	return put(f, &v, sizeof(v));
}

static int put_blob(FILE *f, const void *p, uint32_t n)
{
	return put_u32(f, n) ?: put(f, p, n);
}

static int put_perms(FILE *f, const struct xs_perm *p, uint32_t n)
{
	uint32_t i;
	int ret = put_u32(f, n);

	for (i = 0; i < n && !ret; i++)
		ret = put_u32(f, p[i].id) ?: put_u32(f, p[i].perm);
	return ret;
}

static int save_node(FILE *f, const struct xs_node *n, char *buf, size_t off)
{
	uint32_t i;
	int ret;

	ret = put(f, "N", 1) ?: put_blob(f, off ? buf : "/", off ? (uint32_t)off : 1);
	if (!ret)
		ret = put_blob(f, n->value, n->vlen) ?: put_perms(f, n->perms, n->nperms);
	for (i = 0; i < n->nkids && !ret; i++) {
		size_t l = strlen(n->kids[i]->name);

		if (off + 1 + l >= XS_PATH_BUF)
			return -ENAMETOOLONG;
		buf[off] = '/';
		memcpy(buf + off + 1, n->kids[i]->name, l + 1);
		ret = save_node(f, n->kids[i], buf, off + 1 + l);
		buf[off] = '\0';
	}
	return ret;
}

static int save_watches(FILE *f, uint32_t domid, const struct xs_watch *w)
{
	int ret = 0;

	for (; w && !ret; w = w->next)
		ret = put(f, "W", 1) ?: put_u32(f, domid) ?: put_u32(f, w->rel) ?:
		      put_blob(f, w->path, (uint32_t)strlen(w->path)) ?:
		      put_blob(f, w->token, (uint32_t)strlen(w->token));
	return ret;
}

PVHV_API int pvhv_xs_save(struct pvhv_xs *xs, const char *path)
{
	char tmp[4096], buf[XS_PATH_BUF];
	struct xs_dom *d;
	FILE *f;
	int ret, i;

	if (!xs || !path || strlen(path) + 5 > sizeof(tmp))
		return -EINVAL;
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	f = fopen(tmp, "we");
	if (!f)
		return -errno;
	buf[0] = '\0';
	ret = put(f, magic, sizeof(magic)) ?: save_node(f, xs->root, buf, 0);
	for (d = xs->doms; d && !ret; d = d->next) {
		if (!d->introduced && d->target == XS_DOMID_LIMIT)
			continue;
		ret = put(f, "D", 1) ?: put_u32(f, d->domid) ?: put_u32(f, d->introduced) ?:
		      put(f, &d->gfn, sizeof(d->gfn)) ?: put_u32(f, d->port) ?:
		      put_u32(f, d->target);
		if (!ret && d->introduced)
			ret = save_watches(f, d->domid, d->conn ? d->conn->watches : d->saved_watches);
	}
	for (i = 0; i < XS_NR_SPECIAL && !ret; i++)
		ret = put(f, "S", 1) ?: put_u32(f, (uint32_t)i) ?:
		      put_perms(f, xs->special_perms[i], xs->special_nperms[i]);
	if (!ret)
		ret = put(f, "Z", 1);
	if (fflush(f) || fsync(fileno(f)))
		ret = ret ?: -EIO;
	if (fclose(f))
		ret = ret ?: -EIO;
	if (!ret && rename(tmp, path))
		ret = -errno;
	if (ret)
		unlink(tmp);
	else
		xs->dirty = false;
	return ret;
}

static int get(FILE *f, void *p, size_t n)
{
	return n && fread(p, 1, n, f) != n ? -EINVAL : 0;
}

static int get_u32(FILE *f, uint32_t *v)
{
	return get(f, v, sizeof(*v));
}

/* A length-prefixed blob of at most @max bytes, NUL-terminated in *out. */
static int get_blob(FILE *f, char **out, uint32_t *len, uint32_t max)
{
	uint32_t n;
	int ret = get_u32(f, &n);

	if (ret)
		return ret;
	if (n > max)
		return -EINVAL;
	*out = malloc(n + 1);
	if (!*out)
		return -ENOMEM;
	ret = get(f, *out, n);
	if (ret) {
		free(*out);
		return ret;
	}
	(*out)[n] = '\0';
	if (len)
		*len = n;
	return 0;
}

static int get_perms(FILE *f, struct xs_perm **p, uint32_t *n)
{
	uint32_t i;
	int ret = get_u32(f, n);

	if (ret)
		return ret;
	if (!*n || *n > MAX_PERMS)
		return -EINVAL;
	*p = calloc(*n, sizeof(**p));
	if (!*p)
		return -ENOMEM;
	for (i = 0; i < *n && !ret; i++) {
		ret = get_u32(f, &(*p)[i].id) ?: get_u32(f, &(*p)[i].perm);
		if (!ret && ((*p)[i].id > 65535 || (*p)[i].perm > 3))
			ret = -EINVAL;
	}
	if (ret)
		free(*p);
	return ret;
}

static int load_node(struct pvhv_xs *xs, FILE *f)
{
	struct xs_ctx c = { .xs = xs, .priv = true, .target = XS_DOMID_LIMIT };
	char *path = NULL, *val = NULL, canon[XS_PATH_BUF];
	struct xs_perm *p = NULL;
	uint32_t plen, vlen, n;
	int ret;

	ret = get_blob(f, &path, &plen, XENSTORE_ABS_PATH_MAX);
	if (!ret)
		ret = get_blob(f, &val, &vlen, MAX_VALUE);
	if (!ret)
		ret = get_perms(f, &p, &n);
	if (!ret && (path[0] != '/' || xs_canon(&c, path, canon, false)))
		ret = -EINVAL;
	if (!ret && !strcmp(path, "/")) {
		struct xs_node *r = xs->root;

		free(r->perms);
		free(r->value);
		r->perms = p;
		r->nperms = n;
		r->value = vlen ? val : NULL;
		r->vlen = vlen;
		p = NULL;
		if (vlen)
			val = NULL;
	} else if (!ret) {
		ret = xs_main_set(xs, path, val, vlen, p, n, true, false);
	}
	free(path);
	free(val);
	free(p);
	return ret;
}

static int load_watch(struct pvhv_xs *xs, FILE *f)
{
	struct xs_watch *w = calloc(1, sizeof(*w));
	struct xs_dom *d;
	uint32_t domid;
	int ret;

	if (!w)
		return -ENOMEM;
	ret = get_u32(f, &domid) ?: get_u32(f, &w->rel);
	if (!ret)
		ret = get_blob(f, &w->path, NULL, XS_PATH_BUF - 1);
	if (!ret)
		ret = get_blob(f, &w->token, NULL, 4096);
	d = ret ? NULL : xs_dom_get(xs, domid, false);
	if (!ret && (!d || !d->introduced || w->rel > strlen(w->path)))
		ret = -EINVAL;
	if (ret) {
		free(w->path);
		free(w->token);
		free(w);
		return ret;
	}
	w->next = d->saved_watches;
	d->saved_watches = w;
	d->nsaved_watches++;
	return 0;
}

PVHV_API int pvhv_xs_load(struct pvhv_xs *xs, const char *path)
{
	char m[sizeof(magic)];
	struct xs_dom *d;
	FILE *f;
	int ret;

	if (!xs || !path)
		return -EINVAL;
	if (xs->root->nkids || xs->doms)
		return -EBUSY;	/* only into an empty store */
	f = fopen(path, "re");
	if (!f)
		return -errno;
	ret = get(f, m, sizeof(m));
	if (!ret && memcmp(m, magic, sizeof(m)))
		ret = -EINVAL;
	while (!ret) {
		char t;

		ret = get(f, &t, 1);
		if (ret)
			break;
		if (t == 'Z')
			break;
		if (t == 'N') {
			ret = load_node(xs, f);
		} else if (t == 'D') {
			uint32_t domid, intro, port, target;
			uint64_t gfn;

			ret = get_u32(f, &domid) ?: get_u32(f, &intro) ?: get(f, &gfn, sizeof(gfn)) ?:
			      get_u32(f, &port) ?: get_u32(f, &target);
			if (!ret && (!domid || domid >= XS_DOMID_LIMIT || intro > 1 ||
				     target > XS_DOMID_LIMIT))
				ret = -EINVAL;
			d = ret ? NULL : xs_dom_get(xs, domid, true);
			if (!ret && !d)
				ret = -ENOMEM;
			if (!ret) {
				d->introduced = intro;
				d->gfn = gfn;
				d->port = port;
				d->target = target;
			}
		} else if (t == 'W') {
			ret = load_watch(xs, f);
		} else if (t == 'S') {
			uint32_t i, n;
			struct xs_perm *p;

			ret = get_u32(f, &i) ?: get_perms(f, &p, &n);
			if (!ret && i >= XS_NR_SPECIAL) {
				free(p);
				ret = -EINVAL;
			}
			if (!ret) {
				free(xs->special_perms[i]);
				xs->special_perms[i] = p;
				xs->special_nperms[i] = n;
			}
		} else {
			ret = -EINVAL;
		}
	}
	fclose(f);
	if (ret)
		return ret;
	xs->dirty = false;
	/* Reconnect the rings of the introduced domains. */
	for (d = xs->doms; d; d = d->next) {
		if (!d->introduced || !xs->ops.connect)
			continue;
		if (xs->ops.connect(xs->opaque, d->domid, d->gfn, d->port)) {
			d->introduced = false;	/* gone while we were away */
			xs->dirty = true;
		}
	}
	return 0;
}
