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

#include "pvhv_xenstore.h"
#include "vmmctl.h"

static int create_domain(int fd, const char *name, uint64_t bytes, uint32_t vcpus, uint32_t *domid)
{
	struct pvhv_domain_config cfg = { .name = name, .memory_bytes = bytes, .max_vcpus = vcpus };
	int dfd = pvhv_domain_create(fd, &cfg, domid);
	char err[256];

	if (dfd < 0) {
		vmm_create_error(fd, name, bytes, vcpus, dfd, err, sizeof(err));
		vmm_err("%s", err);
	}
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

static int create_from_config(int fd, const struct vmm_create_opts *o)
{
	struct vmm_console_end end;
	struct vmm_config c;
	struct vmm_built b;
	struct pvhv_xsc *xsc;
	struct vmm_xs x;
	char err[512];
	int ret, code;

	if (load_config(o, &c))
		return VMM_EXIT_FAIL;
	/* The daemon hosts xenstored and the consoles: start it if need be. */
	if (vmm_daemon_ensure() || vmm_xs_open(&xsc))
		return VMM_EXIT_FAIL;
	x = vmm_xs_socket(xsc);
	ret = vmm_build(fd, &c, &x, &b, err, sizeof(err));
	pvhv_xsc_close(xsc);
	if (ret) {
		vmm_err("%s", err);
		return VMM_EXIT_FAIL;
	}
	fprintf(o->console ? stderr : stdout, "created domain %u (%s)\n", b.domid, c.name);
	if (!o->console) {
		/* The daemon applies on_poweroff/on_reboot/on_crash. */
		pvhv_close(b.dfd);
		return VMM_EXIT_OK;
	}
	ret = vmm_follow_console(b.dfd, b.domid, 1, &end);
	pvhv_close(end.dfd);
	if (ret)
		return VMM_EXIT_FAIL;
	if (end.detached)
		return VMM_EXIT_OK;
	code = vmm_shutdown_exit_code(end.state, end.reason);
	fprintf(stderr, "vmmctl: domain %u (%s) %s%s%s; on that: %s\n", end.domid, c.name,
		pvhv_state_name(end.state), end.state == PVHV_STATE_SHUTDOWN ? ": " : "",
		end.state == PVHV_STATE_SHUTDOWN ? pvhv_shutdown_reason_name(end.reason) : "",
		vmm_action_name(vmm_stop_action(&c, end.state, end.reason)));
	return code;
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
