// SPDX-License-Identifier: GPL-2.0-only
/*
 * The domain builder shared by "vmmctl create" and the daemon (restarts):
 * create the domain, load the PVH image, give it xenstore and console pages
 * and event channels as Xen's toolstack does (special pages at the end of
 * RAM, channels allocated in the guest and offered to domain 0, their
 * places in HVM_PARAM_STORE/CONSOLE_PFN/EVTCHN: PVH guests find them there,
 * the PVH start_info has no field for them), write the /local/domain/<id>
 * skeleton with libxl's permissions and the toolstack's own record under
 * /pvhv/domain/<id>, introduce the domain to xenstored, then start vCPU 0.
 * On any failure the domain is destroyed and nothing is left behind.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include <stdint.h>
#include <xen/xen.h>
#include <xen/hvm/params.h>

#include "vmmctl.h"

static int __attribute__((format(printf, 3, 4)))
berr(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return -1;
}

/* Why PVHV_CREATE_DOMAIN failed, in one line. */
void vmm_create_error(int fd, const char *name, uint64_t bytes, uint32_t vcpus, int ret,
		      char *err, size_t errlen)
{
	unsigned long long mib = (unsigned long long)(bytes >> 20);
	uint64_t lim = 0;

	switch (-ret) {
	case E2BIG:
		pvhv_check_extension(fd, PVHV_CAP_MAX_MEM_MB, &lim);
		berr(err, errlen, "memory %llu MiB exceeds the per-domain limit of %llu MiB (module parameter max_domain_mb)",
		     mib, (unsigned long long)lim);
		break;
	case ENOMEM:
		pvhv_check_extension(fd, PVHV_CAP_TOTAL_MEM_MB, &lim);
		berr(err, errlen, "not enough memory for %llu MiB (all domains may use %llu MiB; module parameter max_total_mb)",
		     mib, (unsigned long long)lim);
		break;
	case EEXIST:
		berr(err, errlen, "a domain named '%s' already exists", name);
		break;
	case ENOSPC:
		pvhv_check_extension(fd, PVHV_CAP_MAX_DOMAINS, &lim);
		berr(err, errlen, "too many domains (the limit is %llu; module parameter max_domains)",
		     (unsigned long long)lim);
		break;
	case EINVAL:
		pvhv_check_extension(fd, PVHV_CAP_MAX_VCPUS, &lim);
		if (vcpus > lim)
			berr(err, errlen, "%u vCPUs exceed the limit of %llu", vcpus,
			     (unsigned long long)lim);
		else
			berr(err, errlen, "invalid domain name '%s' (printable characters without spaces or '/', not all digits)",
			     name);
		break;
	default:
		berr(err, errlen, "cannot create domain '%s': %s", name, strerror(-ret));
	}
}

static int zero_page(int dfd, uint64_t gfn)
{
	void *p;
	int ret = pvhv_domain_map(dfd, gfn << 12, 4096, PROT_READ | PROT_WRITE, &p);

	if (ret)
		return ret;
	memset(p, 0, 4096);
	pvhv_domain_unmap(p, 4096);
	return 0;
}

static int xs_w(const struct vmm_xs *xs, int *ret, const char *path, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static int xs_w(const struct vmm_xs *xs, int *ret, const char *path, const char *fmt, ...)
{
	char val[4096];
	va_list ap;

	if (*ret)
		return *ret;
	va_start(ap, fmt);
	vsnprintf(val, sizeof(val), fmt, ap);
	va_end(ap);
	*ret = xs->write(xs->opaque, path, val);
	return *ret;
}

static int xs_p(const struct vmm_xs *xs, int *ret, const char *path, const char *perms)
{
	if (!*ret)
		*ret = xs->set_perms(xs->opaque, path, perms);
	return *ret;
}

/* Keys of /pvhv/domain/<id>: the configuration, for restarts. */
static const char *const action_key[] = { "on_poweroff", "on_reboot", "on_crash" };

int vmm_write_skeleton(const struct vmm_xs *xs, uint32_t domid, const struct vmm_config *c,
		       const struct vmm_built *b)
{
	char d[64], p[128], rw[16], ro[24];
	const int *actions[] = { &c->on_poweroff, &c->on_reboot, &c->on_crash };
	int ret = 0;
	uint32_t i;
	static const char *const guest_owned[] = {
		"control/shutdown", "control/feature-poweroff", "control/feature-reboot",
		"control/feature-suspend", "control/sysrq", "data", "drivers", "feature", "attr",
		"error",
	};

	snprintf(d, sizeof(d), "/local/domain/%u", domid);
	snprintf(rw, sizeof(rw), "n%u", domid);		/* the guest's own */
	snprintf(ro, sizeof(ro), "n0 r%u", domid);	/* domain 0's, the guest reads */
	xs_w(xs, &ret, d, "%s", "");
	xs_p(xs, &ret, d, ro);
#define K(key) (snprintf(p, sizeof(p), "%s/%s", d, key), p)
	xs_w(xs, &ret, K("name"), "%s", c->name);
	xs_w(xs, &ret, K("domid"), "%u", domid);
	xs_w(xs, &ret, K("memory/static-max"), "%llu", (unsigned long long)c->memory_mib << 10);
	xs_w(xs, &ret, K("memory/target"), "%llu", (unsigned long long)c->memory_mib << 10);
	for (i = 0; i < c->vcpus && i < 512; i++) {
		char key[48];

		snprintf(key, sizeof(key), "cpu/%u/availability", i);
		xs_w(xs, &ret, K(key), "online");
	}
	xs_w(xs, &ret, K("control/platform-feature-xs_reset_watches"), "1");
	xs_w(xs, &ret, K("device"), "%s", "");
	for (i = 0; i < sizeof(guest_owned) / sizeof(guest_owned[0]); i++) {
		xs_w(xs, &ret, K(guest_owned[i]), "%s", "");
		xs_p(xs, &ret, p, rw);
	}
	xs_w(xs, &ret, K("store/ring-ref"), "%llu", (unsigned long long)b->store_gfn);
	xs_w(xs, &ret, K("store/port"), "%u", b->store_port);
	xs_w(xs, &ret, K("console/ring-ref"), "%llu", (unsigned long long)b->cons_gfn);
	xs_w(xs, &ret, K("console/port"), "%u", b->cons_port);
	xs_w(xs, &ret, K("console/type"), "xenconsoled");
	xs_w(xs, &ret, K("console/output"), "pty");
	xs_w(xs, &ret, K("console/limit"), "%u", VMM_CONSOLE_LOG);
#undef K
	/* The toolstack's record: domain 0 only ("n0", inherited from /). */
	snprintf(d, sizeof(d), "/pvhv/domain/%u", domid);
#define K(key) (snprintf(p, sizeof(p), "%s/%s", d, key), p)
	xs_w(xs, &ret, K("name"), "%s", c->name);
	xs_w(xs, &ret, K("memory"), "%u", c->memory_mib);
	xs_w(xs, &ret, K("vcpus"), "%u", c->vcpus);
	xs_w(xs, &ret, K("kernel"), "%s", c->kernel);
	xs_w(xs, &ret, K("ramdisk"), "%s", c->ramdisk);
	xs_w(xs, &ret, K("cmdline"), "%s", c->cmdline);
	xs_w(xs, &ret, K("extra"), "%s", c->extra);
	for (i = 0; i < 3; i++)
		xs_w(xs, &ret, K(action_key[i]), "%s", vmm_action_name(*actions[i]));
#undef K
	return ret;
}

/* The configuration a domain was built from, back from /pvhv/domain/<id>. */
int vmm_read_config(const struct vmm_xs *xs, uint32_t domid, struct vmm_config *c)
{
	struct {
		const char *key;
		char *dst;
		size_t size;
	} strs[] = {
		{ "name", c->name, sizeof(c->name) },
		{ "kernel", c->kernel, sizeof(c->kernel) },
		{ "ramdisk", c->ramdisk, sizeof(c->ramdisk) },
		{ "cmdline", c->cmdline, sizeof(c->cmdline) },
		{ "extra", c->extra, sizeof(c->extra) },
	};
	int *actions[] = { &c->on_poweroff, &c->on_reboot, &c->on_crash };
	char p[128], *v, err[64];
	size_t i;
	int ret;

	vmm_config_init(c);
	for (i = 0; i < sizeof(strs) / sizeof(strs[0]); i++) {
		snprintf(p, sizeof(p), "/pvhv/domain/%u/%s", domid, strs[i].key);
		ret = xs->read(xs->opaque, p, &v);
		if (ret)
			return ret;
		if (strlen(v) >= strs[i].size) {
			free(v);
			return -E2BIG;
		}
		strcpy(strs[i].dst, v);
		free(v);
	}
	snprintf(p, sizeof(p), "/pvhv/domain/%u/memory", domid);
	ret = xs->read(xs->opaque, p, &v);
	if (ret)
		return ret;
	ret = pvhv_parse_u32(v, 1, UINT32_MAX >> 1, &c->memory_mib);
	free(v);
	snprintf(p, sizeof(p), "/pvhv/domain/%u/vcpus", domid);
	if (!ret && !(ret = xs->read(xs->opaque, p, &v))) {
		ret = pvhv_parse_u32(v, 1, 4096, &c->vcpus);
		free(v);
	}
	for (i = 0; !ret && i < 3; i++) {
		char kv[64];

		snprintf(p, sizeof(p), "/pvhv/domain/%u/%s", domid, action_key[i]);
		ret = xs->read(xs->opaque, p, &v);
		if (ret)
			break;
		snprintf(kv, sizeof(kv), "%s=\"%s\"", action_key[i], v);
		free(v);
		if (vmm_config_parse(c, kv, err, sizeof(err)))
			ret = -EINVAL;
	}
	(void)actions;
	return ret;
}

void vmm_remove_skeleton(const struct vmm_xs *xs, uint32_t domid)
{
	char p[64];

	snprintf(p, sizeof(p), "/local/domain/%u", domid);
	xs->rm(xs->opaque, p);
	snprintf(p, sizeof(p), "/pvhv/domain/%u", domid);
	xs->rm(xs->opaque, p);
}

int vmm_build(int fd, const struct vmm_config *c, const struct vmm_xs *xs, struct vmm_built *b,
	      char *err, size_t errlen)
{
	struct pvhv_domain_config dc = { .name = c->name, .memory_bytes = (uint64_t)c->memory_mib << 20,
					 .max_vcpus = c->vcpus };
	uint64_t pages = dc.memory_bytes >> 12;
	const char *step = NULL;
	int dfd, ret = 0;
	bool skeleton = false;

	memset(b, 0, sizeof(*b));
	dfd = pvhv_domain_create(fd, &dc, &b->domid);
	if (dfd < 0) {
		vmm_create_error(fd, c->name, dc.memory_bytes, c->vcpus, dfd, err, errlen);
		return -1;
	}
	ret = pvhv_domain_load_pvh(dfd, c->kernel, c->ramdisk[0] ? c->ramdisk : NULL,
				   c->cmdline[0] ? c->cmdline : c->extra, &b->img);
	if (ret) {
		berr(err, errlen, "cannot boot %s: %s%s%s", c->kernel, b->img.error ? b->img.error : "",
		     b->img.error ? ": " : "", strerror(-ret));
		goto fail_quiet;
	}
	/* The special pages: console last, xenstore before it. */
	b->cons_gfn = pages - 1;
	b->store_gfn = pages - 2;
	step = "cannot clear the xenstore and console pages";
	ret = zero_page(dfd, b->store_gfn);
	if (!ret)
		ret = zero_page(dfd, b->cons_gfn);
	if (!ret) {
		step = "cannot allocate the xenstore and console event channels";
		ret = pvhv_domain_alloc_unbound(dfd, 0, &b->store_port);
	}
	if (!ret)
		ret = pvhv_domain_alloc_unbound(dfd, 0, &b->cons_port);
	if (!ret) {
		step = "cannot set the HVM parameters";
		ret = pvhv_domain_set_param(dfd, HVM_PARAM_STORE_PFN, b->store_gfn);
	}
	if (!ret)
		ret = pvhv_domain_set_param(dfd, HVM_PARAM_STORE_EVTCHN, b->store_port);
	if (!ret)
		ret = pvhv_domain_set_param(dfd, HVM_PARAM_CONSOLE_PFN, b->cons_gfn);
	if (!ret)
		ret = pvhv_domain_set_param(dfd, HVM_PARAM_CONSOLE_EVTCHN, b->cons_port);
	if (!ret) {
		step = "cannot write the domain's xenstore entries";
		skeleton = true;
		ret = vmm_write_skeleton(xs, b->domid, c, b);
	}
	if (!ret) {
		step = "the daemon could not attach the domain's xenstore ring";
		ret = xs->introduce(xs->opaque, b->domid, b->store_gfn, b->store_port);
	}
	if (!ret) {
		step = "the module refused to start the domain";
		ret = pvhv_domain_start_pvh(dfd, b->img.entry, b->img.start_info);
	}
	if (ret) {
		if (ret == -ENOTTY && !strncmp(step, "cannot allocate", 15))
			berr(err, errlen, "%s: this pvhv module lacks PVHV_DOMAIN_ALLOC_UNBOUND", step);
		else
			berr(err, errlen, "%s: %s", step, strerror(-ret));
		goto fail_quiet;
	}
	b->dfd = dfd;
	return 0;

fail_quiet:
	pvhv_domain_destroy(dfd);
	pvhv_close(dfd);
	if (skeleton) {
		if (xs->release)
			xs->release(xs->opaque, b->domid);
		vmm_remove_skeleton(xs, b->domid);
	}
	return -1;
}
