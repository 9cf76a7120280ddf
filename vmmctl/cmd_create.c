// SPDX-License-Identifier: GPL-2.0-only
/* vmmctl create --name NAME --memory SIZE [--vcpus N]: create a domain. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "vmmctl.h"

/* Turn a failure of PVHV_CREATE_DOMAIN into one clear line. */
static void create_error(int fd, const struct vmm_create_opts *o, int err)
{
	unsigned long long mib = (unsigned long long)(o->memory_bytes >> 20);
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
		vmm_err("a domain named '%s' already exists", o->name);
		break;
	case ENOSPC:
		pvhv_check_extension(fd, PVHV_CAP_MAX_DOMAINS, &lim);
		vmm_err("too many domains (the limit is %llu; module parameter max_domains)",
			(unsigned long long)lim);
		break;
	case EINVAL:
		pvhv_check_extension(fd, PVHV_CAP_MAX_VCPUS, &lim);
		if (o->vcpus > lim)
			vmm_err("%u vCPUs exceed the limit of %llu", o->vcpus,
				(unsigned long long)lim);
		else
			vmm_err("invalid domain name '%s' (printable characters without spaces or '/', not all digits)",
				o->name);
		break;
	default:
		vmm_err("cannot create domain '%s': %s", o->name, strerror(-err));
	}
}

int cmd_create(int argc, char **argv)
{
	struct pvhv_domain_config cfg;
	struct vmm_create_opts o;
	uint32_t domid;
	char err[128];
	int fd, dfd;

	if (vmm_parse_create(argc, argv, &o, err, sizeof(err)))
		return vmm_usage("create", "%s", err);
	fd = vmm_open_dev();
	if (fd < 0)
		return VMM_EXIT_FAIL;
	cfg.name = o.name;
	cfg.memory_bytes = o.memory_bytes;
	cfg.max_vcpus = o.vcpus;
	dfd = pvhv_domain_create(fd, &cfg, &domid);
	if (dfd < 0) {
		create_error(fd, &o, dfd);
		pvhv_close(fd);
		return VMM_EXIT_FAIL;
	}
	/* The domain outlives this fd, as on Xen; vmmctl destroy ends it. */
	pvhv_close(dfd);
	pvhv_close(fd);
	printf("created domain %u (%s)\n", domid, o.name);
	return VMM_EXIT_OK;
}
