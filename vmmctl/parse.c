// SPDX-License-Identifier: GPL-2.0-only
/* vmmctl: command-line parsing of the subcommands (unit-tested). */
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "vmmctl.h"

#define VMM_MAX_VCPUS_ARG 4096

static int __attribute__((format(printf, 3, 4)))
fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

int vmm_parse_create(int argc, char **argv, struct vmm_create_opts *o, char *err, size_t errlen)
{
	static const struct option opts[] = {
		{ "name", required_argument, NULL, 'n' },
		{ "memory", required_argument, NULL, 'm' },
		{ "vcpus", required_argument, NULL, 'v' },
		{ "console", no_argument, NULL, 'c' },
		{ NULL, 0, NULL, 0 },
	};
	int c, i;

	memset(o, 0, sizeof(*o));
	optind = 0;	/* glibc: full reset, so the parser can run more than once */
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":n:m:v:c", opts, NULL)) != -1) {
		switch (c) {
		case 'n':
			if (!optarg[0] || strlen(optarg) >= PVHV_NAME_LEN)
				return fail(err, errlen, "invalid name '%s' (1..63 characters)", optarg);
			o->name = optarg;
			break;
		case 'm':
			if (pvhv_parse_memory(optarg, &o->memory_bytes))
				return fail(err, errlen,
					    "invalid memory size '%s' (e.g. 256, 256M, 1G)", optarg);
			if (!o->memory_bytes)
				return fail(err, errlen, "memory must be greater than 0 (got '%s')",
					    optarg);
			if (o->memory_bytes % 4096)
				return fail(err, errlen,
					    "memory must be a multiple of 4 KiB (got '%s')", optarg);
			break;
		case 'v':
			if (pvhv_parse_u32(optarg, 1, VMM_MAX_VCPUS_ARG, &o->vcpus))
				return fail(err, errlen, "invalid vCPU count '%s' (1..4096)", optarg);
			break;
		case 'c':
			o->console = 1;
			break;
		case ':':
			return fail(err, errlen, "option '%s' needs a value", argv[optind - 1]);
		default:
			return fail(err, errlen, "unknown option '%s'", argv[optind - 1]);
		}
	}
	/* CONFIG, then key=value overrides (xl's "create CONFIG [key=value...]"). */
	for (i = optind; i < argc; i++) {
		if (strchr(argv[i], '=')) {
			if (!o->overrides)
				o->overrides = argv + i;
			else if (o->overrides + o->noverrides != argv + i)
				return fail(err, errlen, "unexpected argument '%s'", argv[i]);
			o->noverrides++;
		} else if (!o->config && !o->overrides) {
			o->config = argv[i];
		} else {
			return fail(err, errlen, "unexpected argument '%s'", argv[i]);
		}
	}
	if (o->config)
		return 0;
	if (o->overrides)
		return fail(err, errlen, "key=value overrides need a CONFIG file");
	if (o->console)
		return fail(err, errlen, "-c needs a CONFIG file with a kernel");
	if (!o->name)
		return fail(err, errlen, "a name is required (--name NAME, or a CONFIG file)");
	if (!o->memory_bytes)
		return fail(err, errlen, "a memory size is required (--memory SIZE)");
	if (!o->vcpus)
		o->vcpus = 1;
	return 0;
}

int vmm_parse_list(int argc, char **argv, struct vmm_list_opts *o, char *err, size_t errlen)
{
	int i;

	memset(o, 0, sizeof(*o));
	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--json") || !strcmp(argv[i], "-j"))
			o->json = 1;
		else
			return fail(err, errlen, "unexpected argument '%s'", argv[i]);
	}
	return 0;
}

int vmm_json_string(const char *s, size_t maxlen, char *out, size_t outlen)
{
	size_t o = 0, i;

#define PUT(c) do { if (o + 1 >= outlen) return -ENOSPC; out[o++] = (c); } while (0)
	PUT('"');
	for (i = 0; i < maxlen && s[i]; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '"' || c == '\\') {
			PUT('\\');
			PUT((char)c);
		} else if (c < 0x20 || c >= 0x7f) {
			if (o + 7 >= outlen)
				return -ENOSPC;
			o += (size_t)snprintf(out + o, outlen - o, "\\u%04x", c);
		} else {
			PUT((char)c);
		}
	}
	PUT('"');
#undef PUT
	out[o] = '\0';
	return 0;
}
