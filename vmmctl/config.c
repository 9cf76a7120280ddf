// SPDX-License-Identifier: GPL-2.0-only
/*
 * xl.cfg syntax (Xen's docs/man/xl.cfg.5): "key = value" settings, one per
 * line or separated by ';', values quoted strings ('..' or ".."), numbers or
 * [lists], '#' comments. The keys pvhv understands so far are parsed into
 * struct vmm_config; others are remembered so vmmctl can warn about them.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vmmctl.h"

static int __attribute__((format(printf, 4, 5)))
cfg_err(char *err, size_t errlen, int line, const char *fmt, ...)
{
	va_list ap;
	int n = line ? snprintf(err, errlen, "line %d: ", line) : 0;

	if (n < 0 || (size_t)n >= errlen)
		n = 0;
	va_start(ap, fmt);
	vsnprintf(err + n, errlen - (size_t)n, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

static const char *const vmm_action_names[] = {
	[VMM_ACTION_DESTROY] = "destroy",
	[VMM_ACTION_RESTART] = "restart",
	[VMM_ACTION_PRESERVE] = "preserve",
};

const char *vmm_action_name(int a)
{
	return a >= 0 && a < (int)(sizeof(vmm_action_names) / sizeof(vmm_action_names[0])) ?
	       vmm_action_names[a] : "?";
}

void vmm_config_init(struct vmm_config *c)
{
	memset(c, 0, sizeof(*c));
	c->vcpus = 1;
	c->memory_mib = 128;
	c->on_poweroff = VMM_ACTION_DESTROY;
	c->on_reboot = VMM_ACTION_RESTART;
	c->on_crash = VMM_ACTION_DESTROY;
}

static int set_string(char *dst, size_t size, const char *v, int is_str, int line,
		      const char *key, char *err, size_t errlen)
{
	if (!is_str)
		return cfg_err(err, errlen, line, "%s: expected a quoted string", key);
	if (strlen(v) >= size)
		return cfg_err(err, errlen, line, "%s: too long (%zu bytes at most)", key, size - 1);
	strcpy(dst, v);
	return 0;
}

static int set_action(int *dst, const char *v, int line, const char *key, char *err, size_t errlen)
{
	int i;

	for (i = 0; i < (int)(sizeof(vmm_action_names) / sizeof(vmm_action_names[0])); i++)
		if (!strcmp(v, vmm_action_names[i])) {
			*dst = i;
			return 0;
		}
	return cfg_err(err, errlen, line, "%s: '%s' is not destroy, restart or preserve", key, v);
}

/* One "key = value" setting; value already unquoted (is_str says it was quoted). */
static int apply(struct vmm_config *c, const char *key, const char *v, int is_str, int line,
		 char *err, size_t errlen)
{
	uint32_t n;

	if (!strcmp(key, "name"))
		return set_string(c->name, sizeof(c->name), v, is_str, line, key, err, errlen);
	if (!strcmp(key, "kernel"))
		return set_string(c->kernel, sizeof(c->kernel), v, is_str, line, key, err, errlen);
	if (!strcmp(key, "ramdisk"))
		return set_string(c->ramdisk, sizeof(c->ramdisk), v, is_str, line, key, err, errlen);
	if (!strcmp(key, "cmdline"))
		return set_string(c->cmdline, sizeof(c->cmdline), v, is_str, line, key, err, errlen);
	if (!strcmp(key, "extra"))
		return set_string(c->extra, sizeof(c->extra), v, is_str, line, key, err, errlen);
	if (!strcmp(key, "type")) {
		if (strcmp(v, "pvh"))
			return cfg_err(err, errlen, line, "type: only \"pvh\" guests are supported, not \"%s\"", v);
		return 0;
	}
	if (!strcmp(key, "memory") || !strcmp(key, "maxmem")) {
		if (pvhv_parse_u32(v, 1, 16 * 1024 * 1024, &n))
			return cfg_err(err, errlen, line, "%s: '%s' is not a size in MiB", key, v);
		if (!strcmp(key, "memory"))
			c->memory_mib = n;
		return 0;
	}
	if (!strcmp(key, "vcpus") || !strcmp(key, "maxvcpus")) {
		if (pvhv_parse_u32(v, 1, 4096, &n))
			return cfg_err(err, errlen, line, "%s: '%s' is not a vCPU count (1..4096)", key, v);
		if (!strcmp(key, "vcpus"))
			c->vcpus = n;
		return 0;
	}
	if (!strcmp(key, "on_poweroff"))
		return set_action(&c->on_poweroff, v, line, key, err, errlen);
	if (!strcmp(key, "on_reboot"))
		return set_action(&c->on_reboot, v, line, key, err, errlen);
	if (!strcmp(key, "on_crash"))
		return set_action(&c->on_crash, v, line, key, err, errlen);
	if (c->nr_unknown < VMM_CONFIG_MAX_UNKNOWN)
		snprintf(c->unknown[c->nr_unknown], sizeof(c->unknown[0]), "%s", key);
	c->nr_unknown++;
	return 0;
}

static const char *skip_ws(const char *p)
{
	while (*p == ' ' || *p == '\t' || *p == '\r')
		p++;
	return p;
}

int vmm_config_parse(struct vmm_config *c, const char *text, char *err, size_t errlen)
{
	const char *p = text;
	char key[64], val[4096];
	int line = 1;

	while (*p) {
		size_t k = 0, v = 0;
		int is_str = 0, ret;

		p = skip_ws(p);
		if (*p == '#') {
			while (*p && *p != '\n')
				p++;
		}
		if (*p == '\n' || *p == ';') {
			line += *p == '\n';
			p++;
			continue;
		}
		if (!*p)
			break;
		while ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		       (*p >= '0' && *p <= '9') || *p == '_') {
			if (k + 1 >= sizeof(key))
				return cfg_err(err, errlen, line, "setting name too long");
			key[k++] = *p++;
		}
		key[k] = '\0';
		if (!k)
			return cfg_err(err, errlen, line, "expected a setting name, found '%c'", *p);
		p = skip_ws(p);
		if (*p != '=')
			return cfg_err(err, errlen, line, "expected '=' after '%s'", key);
		p = skip_ws(p + 1);
		if (*p == '"' || *p == '\'') {
			char q = *p++;

			is_str = 1;
			while (*p && *p != q && *p != '\n') {
				char ch = *p++;

				if (ch == '\\' && *p && *p != '\n')
					ch = *p == 'n' ? '\n' : *p, p++;
				if (v + 1 >= sizeof(val))
					return cfg_err(err, errlen, line, "%s: value too long", key);
				val[v++] = ch;
			}
			if (*p != q)
				return cfg_err(err, errlen, line, "%s: unterminated string", key);
			p++;
		} else if (*p == '[') {
			/* Lists (disk, vif, ...) are not used yet: keep them whole. */
			while (*p && *p != ']') {
				line += *p == '\n';
				if (v + 1 < sizeof(val))
					val[v++] = *p;
				p++;
			}
			if (*p != ']')
				return cfg_err(err, errlen, line, "%s: unterminated list", key);
			p++;
			is_str = 2;
		} else {
			while (*p && *p != '\n' && *p != ';' && *p != '#' && *p != ' ' && *p != '\t' &&
			       *p != '\r') {
				if (v + 1 >= sizeof(val))
					return cfg_err(err, errlen, line, "%s: value too long", key);
				val[v++] = *p++;
			}
			if (!v)
				return cfg_err(err, errlen, line, "%s: missing value", key);
		}
		val[v] = '\0';
		p = skip_ws(p);
		if (*p && *p != '\n' && *p != ';' && *p != '#')
			return cfg_err(err, errlen, line, "%s: unexpected '%c' after the value", key, *p);
		ret = apply(c, key, val, is_str == 1, line, err, errlen);
		if (ret)
			return ret;
	}
	return 0;
}

int vmm_config_override(struct vmm_config *c, const char *kv, char *err, size_t errlen)
{
	char buf[4200];
	const char *eq = strchr(kv, '=');
	const char *v;

	if (!eq || eq == kv)
		return cfg_err(err, errlen, 0, "override '%s' is not key=value", kv);
	v = eq + 1;
	/* Unquoted string values are accepted on the command line. */
	if (*v && *v != '"' && *v != '\'' && *v != '[' &&
	    strspn(v, "0123456789") != strlen(v))
		snprintf(buf, sizeof(buf), "%.*s=\"%s\"", (int)(eq - kv), kv, v);
	else
		snprintf(buf, sizeof(buf), "%s", kv);
	return vmm_config_parse(c, buf, err, errlen);
}

int vmm_config_check(const struct vmm_config *c, char *err, size_t errlen)
{
	if (!c->name[0])
		return cfg_err(err, errlen, 0, "the configuration has no name");
	if (!c->kernel[0])
		return cfg_err(err, errlen, 0, "the configuration has no kernel");
	return 0;
}

/* Which on_* applies to a domain that stopped in @state for @reason. */
int vmm_stop_action(const struct vmm_config *c, uint32_t state, uint32_t reason)
{
	if (state == PVHV_STATE_CRASHED || reason == 3 /* SHUTDOWN_crash */)
		return c->on_crash;
	return reason == 1 /* SHUTDOWN_reboot */ ? c->on_reboot : c->on_poweroff;
}

/*
 * Exit codes once a guest has stopped: 0 poweroff, 3 reboot, 4 suspend,
 * 5 crash (also a domain pvhv crashed), 6 watchdog, 7 soft_reset.
 * (1 and 2 are vmmctl's own failure and usage codes.)
 */
int vmm_shutdown_exit_code(uint32_t state, uint32_t reason)
{
	if (state == PVHV_STATE_CRASHED)
		return 5;
	if (state != PVHV_STATE_SHUTDOWN)
		return VMM_EXIT_FAIL;
	return reason == 0 ? 0 : reason <= 5 ? (int)reason + 2 : VMM_EXIT_FAIL;
}
