// SPDX-License-Identifier: GPL-2.0-only
/*
 * vmmctl create CONFIG [-c] [key=value...]: build a PVH domain from an
 * xl.cfg file and start it; with -c, stay attached to its console, apply
 * on_poweroff/on_reboot/on_crash when it stops and exit with a code that
 * tells why it stopped.
 * vmmctl create --name NAME --memory SIZE [--vcpus N]: an empty domain.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vmmctl.h"

/* Turn a failure of PVHV_CREATE_DOMAIN into one clear line. */
static void create_error(int fd, const char *name, uint64_t bytes, uint32_t vcpus, int err)
{
	unsigned long long mib = (unsigned long long)(bytes >> 20);
	uint64_t lim = 0;

	switch (-err) {
	case E2BIG:
		pvhv_check_extension(fd, PVHV_CAP_MAX_MEM_MB, &lim);
		vmm_err("memory %llu MiB exceeds the per-domain limit of %llu MiB (module parameter max_domain_mb)",
			mib, (unsigned long long)lim);
		break;
	case ENOMEM:
		pvhv_check_extension(fd, PVHV_CAP_TOTAL_MEM_MB, &lim);
		vmm_err("not enough memory for %llu MiB (all domains may use %llu MiB; module parameter max_total_mb)",
			mib, (unsigned long long)lim);
		break;
	case EEXIST:
		vmm_err("a domain named '%s' already exists", name);
		break;
	case ENOSPC:
		pvhv_check_extension(fd, PVHV_CAP_MAX_DOMAINS, &lim);
		vmm_err("too many domains (the limit is %llu; module parameter max_domains)",
			(unsigned long long)lim);
		break;
	case EINVAL:
		pvhv_check_extension(fd, PVHV_CAP_MAX_VCPUS, &lim);
		if (vcpus > lim)
			vmm_err("%u vCPUs exceed the limit of %llu", vcpus, (unsigned long long)lim);
		else
			vmm_err("invalid domain name '%s' (printable characters without spaces or '/', not all digits)",
				name);
		break;
	default:
		vmm_err("cannot create domain '%s': %s", name, strerror(-err));
	}
}

static int create_domain(int fd, const char *name, uint64_t bytes, uint32_t vcpus, uint32_t *domid)
{
	struct pvhv_domain_config cfg = { .name = name, .memory_bytes = bytes, .max_vcpus = vcpus };
	int dfd = pvhv_domain_create(fd, &cfg, domid);

	if (dfd < 0)
		create_error(fd, name, bytes, vcpus, dfd);
	return dfd;
}

static char *read_text(const char *path)
{
	FILE *f = fopen(path, "r");
	char *buf;
	long n;

	if (!f)
		return NULL;
	if (fseek(f, 0, SEEK_END) || (n = ftell(f)) < 0 || n > (1 << 20) ||
	    fseek(f, 0, SEEK_SET)) {
		fclose(f);
		errno = EFBIG;
		return NULL;
	}
	buf = calloc(1, (size_t)n + 1);
	if (buf && fread(buf, 1, (size_t)n, f) != (size_t)n) {
		free(buf);
		buf = NULL;
		errno = EIO;
	}
	fclose(f);
	return buf;
}

static int load_config(const struct vmm_create_opts *o, struct vmm_config *c)
{
	char err[256], *text;
	int i;

	vmm_config_init(c);
	text = read_text(o->config);
	if (!text) {
		vmm_err("cannot read %s: %s", o->config, strerror(errno));
		return -1;
	}
	if (vmm_config_parse(c, text, err, sizeof(err))) {
		vmm_err("%s: %s", o->config, err);
		free(text);
		return -1;
	}
	free(text);
	for (i = 0; i < o->noverrides; i++) {
		if (vmm_config_override(c, o->overrides[i], err, sizeof(err))) {
			vmm_err("%s", err);
			return -1;
		}
	}
	if (o->name)
		snprintf(c->name, sizeof(c->name), "%s", o->name);
	if (o->memory_bytes)
		c->memory_mib = (uint32_t)(o->memory_bytes >> 20);
	if (o->vcpus)
		c->vcpus = o->vcpus;
	if (vmm_config_check(c, err, sizeof(err))) {
		vmm_err("%s: %s", o->config, err);
		return -1;
	}
	for (i = 0; i < c->nr_unknown && i < VMM_CONFIG_MAX_UNKNOWN; i++)
		fprintf(stderr, "vmmctl: %s: '%s' is not supported yet, ignored\n", o->config,
			c->unknown[i]);
	return 0;
}

/* Create and boot one instance of the configuration; the domain fd or -1. */
static int boot_config(int fd, const struct vmm_config *c, uint32_t *domid)
{
	struct pvhv_pvh_image img;
	int dfd, ret;

	dfd = create_domain(fd, c->name, (uint64_t)c->memory_mib << 20, c->vcpus, domid);
	if (dfd < 0)
		return -1;
	ret = pvhv_domain_boot_pvh(dfd, c->kernel, c->ramdisk[0] ? c->ramdisk : NULL,
				   c->cmdline[0] ? c->cmdline : c->extra, &img);
	if (ret) {
		vmm_err("cannot boot %s: %s%s%s", c->kernel, img.error ? img.error : "",
			img.error ? ": " : "", strerror(-ret));
		pvhv_domain_destroy(dfd);
		pvhv_close(dfd);
		return -1;
	}
	return dfd;
}

static int create_from_config(int fd, const struct vmm_create_opts *o)
{
	struct vmm_config c;
	uint32_t domid, state, reason;
	int dfd, action, code;

	if (load_config(o, &c))
		return VMM_EXIT_FAIL;
	for (;;) {
		dfd = boot_config(fd, &c, &domid);
		if (dfd < 0)
			return VMM_EXIT_FAIL;
		fprintf(o->console ? stderr : stdout, "created domain %u (%s)\n", domid, c.name);
		if (!o->console) {
			/* Without -c nobody watches: the domain stays when it stops. */
			pvhv_close(dfd);
			return VMM_EXIT_OK;
		}
		if (vmm_follow_console(dfd, 1, &state, &reason)) {
			pvhv_close(dfd);
			return VMM_EXIT_FAIL;
		}
		code = vmm_shutdown_exit_code(state, reason);
		action = state == PVHV_STATE_CRASHED || reason == 3 ? c.on_crash :
			 reason == 1 ? c.on_reboot : c.on_poweroff;
		fprintf(stderr, "vmmctl: domain %u (%s) %s%s%s; on that: %s\n", domid, c.name,
			pvhv_state_name(state), state == PVHV_STATE_SHUTDOWN ? ": " : "",
			state == PVHV_STATE_SHUTDOWN ? pvhv_shutdown_reason_name(reason) : "",
			vmm_action_name(action));
		if (action != VMM_ACTION_PRESERVE)
			pvhv_domain_destroy(dfd);
		pvhv_close(dfd);
		if (action != VMM_ACTION_RESTART || state != PVHV_STATE_SHUTDOWN || reason != 1)
			return code;
	}
}

int cmd_create(int argc, char **argv)
{
	struct vmm_create_opts o;
	uint32_t domid;
	char err[128];
	int fd, dfd, ret;

	if (vmm_parse_create(argc, argv, &o, err, sizeof(err)))
		return vmm_usage("create", "%s", err);
	fd = vmm_open_dev();
	if (fd < 0)
		return VMM_EXIT_FAIL;
	if (o.config) {
		ret = create_from_config(fd, &o);
		pvhv_close(fd);
		return ret;
	}
	dfd = create_domain(fd, o.name, o.memory_bytes, o.vcpus, &domid);
	pvhv_close(fd);
	if (dfd < 0)
		return VMM_EXIT_FAIL;
	/* The domain outlives this fd, as on Xen; vmmctl destroy ends it. */
	pvhv_close(dfd);
	printf("created domain %u (%s)\n", domid, o.name);
	return VMM_EXIT_OK;
}
