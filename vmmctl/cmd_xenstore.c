// SPDX-License-Identifier: GPL-2.0-only
/*
 * vmmctl xenstore ls [-p] [PATH] | read PATH... | write PATH VALUE... |
 *                 rm PATH... | watch [-n COUNT] PATH
 * The store through the daemon's unix socket, as domain 0 (Debian's
 * xenstore-* tools work against the same socket).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <stdint.h>
#include <xen/io/xs_wire.h>

#include "pvhv_xenstore.h"
#include "vmmctl.h"

#define LS_MAX_DEPTH 64

/* A value as text: printable bytes as they are, others escaped. */
static void print_value(const char *v, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)v[i];

		if (c == '\\' || c == '"')
			printf("\\%c", c);
		else if (c < 0x20 || c >= 0x7f)
			printf("\\x%02x", c);
		else
			putchar(c);
	}
}

static int ls(struct pvhv_xsc *c, const char *path, int depth, int perms)
{
	char *names, *v, child[XENSTORE_ABS_PATH_MAX + 1];
	size_t len, n, off, vlen;
	int ret;

	if (depth > LS_MAX_DEPTH)
		return 0;
	ret = pvhv_xsc_directory(c, 0, path, &names, &len, &n);
	if (ret)
		return ret;
	for (off = 0; off < len; off += strlen(names + off) + 1) {
		if ((size_t)snprintf(child, sizeof(child), "%s/%s", strcmp(path, "/") ? path : "",
				     names + off) >= sizeof(child))
			continue;
		printf("%*s%s = \"", depth, "", names + off);
		if (!pvhv_xsc_read(c, 0, child, &v, &vlen)) {
			print_value(v, vlen);
			free(v);
		}
		printf("\"");
		if (perms) {
			char *p;
			size_t plen, i;

			if (!pvhv_xsc_request(c, XS_GET_PERMS, 0, child, strlen(child) + 1, &p, &plen)) {
				printf("  (");
				for (i = 0; i + 1 < plen; i++)
					putchar(p[i] ? p[i] : ',');
				printf(")");
				free(p);
			}
		}
		printf("\n");
		ls(c, child, depth + 1, perms);
	}
	free(names);
	return 0;
}

static int fail(const char *what, const char *path, int ret)
{
	vmm_err("xenstore %s %s: %s (%s)", what, path, strerror(-ret), pvhv_xs_errstr(ret));
	return VMM_EXIT_FAIL;
}

int cmd_xenstore(int argc, char **argv)
{
	struct pvhv_xsc *c;
	const char *sub = argc > 1 ? argv[1] : "";
	int i, ret = VMM_EXIT_OK, r;

	if (strcmp(sub, "ls") && strcmp(sub, "read") && strcmp(sub, "write") && strcmp(sub, "rm") &&
	    strcmp(sub, "watch"))
		return vmm_usage("xenstore", "%s%s%s", *sub ? "unknown operation '" : "which operation? ",
				 *sub ? sub : "(ls, read, write, rm, watch)", *sub ? "'" : "");
	if (!strcmp(sub, "write") && (argc < 4 || (argc - 2) % 2))
		return vmm_usage("xenstore", "write takes PATH VALUE pairs");
	if ((!strcmp(sub, "read") || !strcmp(sub, "rm")) && argc < 3)
		return vmm_usage("xenstore", "%s needs a PATH", sub);
	if (vmm_xs_open(&c))
		return VMM_EXIT_FAIL;
	if (!strcmp(sub, "ls")) {
		int perms = argc > 2 && !strcmp(argv[2], "-p");
		const char *path = argc > 2 + perms ? argv[2 + perms] : "/";

		r = ls(c, path, 0, perms);
		if (r)
			ret = fail("ls", path, r);
	} else if (!strcmp(sub, "read")) {
		for (i = 2; i < argc; i++) {
			char *v;
			size_t len;

			r = pvhv_xsc_read(c, 0, argv[i], &v, &len);
			if (r) {
				ret = fail("read", argv[i], r);
				break;
			}
			fwrite(v, 1, len, stdout);
			putchar('\n');
			free(v);
		}
	} else if (!strcmp(sub, "write")) {
		for (i = 2; i + 1 < argc; i += 2) {
			r = pvhv_xsc_write(c, 0, argv[i], argv[i + 1], strlen(argv[i + 1]));
			if (r) {
				ret = fail("write", argv[i], r);
				break;
			}
		}
	} else if (!strcmp(sub, "rm")) {
		for (i = 2; i < argc; i++) {
			r = pvhv_xsc_rm(c, 0, argv[i]);
			if (r) {
				ret = fail("rm", argv[i], r);
				break;
			}
		}
	} else {
		uint32_t count = 0, seen = 0;
		const char *path = NULL;

		for (i = 2; i < argc; i++) {
			if (!strcmp(argv[i], "-n") && i + 1 < argc) {
				if (pvhv_parse_u32(argv[++i], 1, UINT32_MAX, &count)) {
					pvhv_xsc_close(c);
					return vmm_usage("xenstore", "invalid count '%s'", argv[i]);
				}
			} else if (!path) {
				path = argv[i];
			} else {
				pvhv_xsc_close(c);
				return vmm_usage("xenstore", "watch takes one PATH");
			}
		}
		if (!path) {
			pvhv_xsc_close(c);
			return vmm_usage("xenstore", "watch needs a PATH");
		}
		r = pvhv_xsc_watch(c, path, "vmmctl");
		if (r)
			ret = fail("watch", path, r);
		while (!r && (!count || seen < count)) {
			char *p, *tok;

			r = pvhv_xsc_next_event(c, -1, &p, &tok);
			if (r) {
				ret = fail("watch", path, r);
				break;
			}
			printf("%s\n", p);
			fflush(stdout);
			free(p);
			seen++;
		}
	}
	pvhv_xsc_close(c);
	return ret;
}
