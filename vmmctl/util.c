// SPDX-License-Identifier: GPL-2.0-only
/* vmmctl: error reporting and the device/domain openers every command uses. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "vmmctl.h"

void vmm_err(const char *fmt, ...)
{
	va_list ap;

	fputs("vmmctl: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

int vmm_usage(const char *cmd, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "vmmctl %s: ", cmd);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, " (see vmmctl %s --help)\n", cmd);
	return VMM_EXIT_USAGE;
}

int vmm_wants_help(int argc, char **argv)
{
	int i;

	for (i = 1; i < argc; i++)
		if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help"))
			return 1;
	return 0;
}

int vmm_open_dev(void)
{
	int fd = pvhv_open(vmm_device);

	if (fd >= 0)
		return fd;
	switch (-fd) {
	case ENOENT:
	case ENODEV:
	case ENXIO:
		vmm_err("%s not found: the pvhv module is not loaded (load it with 'insmod module/pvhv.ko')",
			vmm_device);
		break;
	case EACCES:
	case EPERM:
		vmm_err("permission denied on %s: run as root or as a member of group 'pvhv'",
			vmm_device);
		break;
	default:
		vmm_err("cannot open %s: %s", vmm_device, strerror(-fd));
	}
	return -1;
}

int vmm_open_domain(int fd, const char *spec, uint32_t *domid)
{
	int ret;

	ret = pvhv_domain_find(fd, spec, domid);
	if (ret == 0)
		ret = pvhv_domain_open(fd, *domid);
	if (ret >= 0)
		return ret;
	if (ret == -ESRCH || ret == -EINVAL)
		vmm_err("no such domain: '%s'", spec);
	else
		vmm_err("cannot open domain '%s': %s", spec, strerror(-ret));
	return -1;
}

int vmm_mkdir_p(const char *dir)
{
	char buf[4096];
	char *s;

	if ((size_t)snprintf(buf, sizeof(buf), "%s", dir) >= sizeof(buf))
		return -ENAMETOOLONG;
	for (s = buf + 1; *s; s++) {
		if (*s != '/')
			continue;
		*s = '\0';
		if (mkdir(buf, 0755) && errno != EEXIST)
			return -errno;
		*s = '/';
	}
	if (mkdir(buf, 0755) && errno != EEXIST)
		return -errno;
	return 0;
}

int vmm_open_domid(uint32_t domid)
{
	int fd = vmm_open_dev(), dfd;

	if (fd < 0)
		return -1;
	dfd = pvhv_domain_open(fd, domid);
	pvhv_close(fd);
	if (dfd < 0) {
		vmm_err("cannot open domain %u: %s", domid, strerror(-dfd));
		return -1;
	}
	return dfd;
}

int vmm_domain_arg(const char *cmd, int argc, char **argv, uint32_t *domid)
{
	int fd, dfd;

	if (argc != 2)
		return -vmm_usage(cmd, "%s", argc < 2 ? "which domain? (id or name)" :
							"only one domain at a time");
	fd = vmm_open_dev();
	if (fd < 0)
		return -VMM_EXIT_FAIL;
	dfd = vmm_open_domain(fd, argv[1], domid);
	pvhv_close(fd);
	return dfd < 0 ? -VMM_EXIT_FAIL : dfd;
}
