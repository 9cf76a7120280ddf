// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * libpvhv: ioctl wrappers over /dev/pvhv and domain fds.
 * Returns -errno on failure; never prints or exits.
 */
#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <poll.h>
#include <sys/mman.h>
#include <unistd.h>

#include <xen/xen.h>
#include <xen/sched.h>
#include <xen/grant_table.h>

#include "libpvhv.h"
#include "pvhv_check.h"

#define PVHV_API __attribute__((visibility("default")))

static int neg_errno(void)
{
	return errno ? -errno : -EIO;
}

static int xioctl(int fd, unsigned long req, void *arg)
{
	int ret;

	if (fd < 0)
		return -EBADF;
	do {
		ret = ioctl(fd, req, arg);
	} while (ret < 0 && errno == EINTR);
	return ret < 0 ? neg_errno() : ret;
}

PVHV_API int pvhv_open(const char *path)
{
	int fd = open(path ? path : PVHV_DEVICE_PATH, O_RDWR | O_CLOEXEC);

	return fd < 0 ? neg_errno() : fd;
}

PVHV_API int pvhv_close(int fd)
{
	if (fd < 0)
		return -EBADF;
	return close(fd) ? neg_errno() : 0;
}

PVHV_API int pvhv_api_version(int fd)
{
	return xioctl(fd, PVHV_GET_API_VERSION, NULL);
}

PVHV_API int pvhv_check_extension(int fd, uint32_t cap, uint64_t *value)
{
	int ret;

	if (!value)
		return -EINVAL;
	if (fd < 0)
		return -EBADF;
	do {
		ret = ioctl(fd, PVHV_CHECK_EXTENSION, (unsigned long)cap);
	} while (ret < 0 && errno == EINTR);
	if (ret < 0)
		return neg_errno();
	*value = (uint64_t)ret;
	return 0;
}

PVHV_API int pvhv_get_stats(int fd, struct pvhv_stats *stats)
{
	if (!stats)
		return -EINVAL;
	memset(stats, 0, sizeof(*stats));
	return xioctl(fd, PVHV_GET_STATS, stats);
}

PVHV_API int pvhv_domain_create(int fd, const struct pvhv_domain_config *cfg, uint32_t *domid)
{
	struct pvhv_create_domain req;
	int ret;

	/* The module checks the name's characters; here only that it fits. */
	if (!cfg || !cfg->name || !cfg->name[0] || strlen(cfg->name) >= PVHV_NAME_LEN)
		return -EINVAL;
	if (!cfg->memory_bytes || cfg->memory_bytes % 4096)
		return -EINVAL;
	memset(&req, 0, sizeof(req));
	req.max_vcpus = cfg->max_vcpus ? cfg->max_vcpus : 1;
	req.memory_bytes = cfg->memory_bytes;
	memcpy(req.name, cfg->name, strlen(cfg->name));
	ret = xioctl(fd, PVHV_CREATE_DOMAIN, &req);
	if (ret >= 0 && domid)
		*domid = req.domid;
	return ret;
}

PVHV_API int pvhv_domain_open(int fd, uint32_t domid)
{
	struct pvhv_open_domain req;

	memset(&req, 0, sizeof(req));
	req.domid = domid;
	return xioctl(fd, PVHV_OPEN_DOMAIN, &req);
}

static int cmp_domid(const void *a, const void *b)
{
	const struct pvhv_domain_info *x = a, *y = b;

	return (x->domid > y->domid) - (x->domid < y->domid);
}

PVHV_API int pvhv_domain_list(int fd, struct pvhv_domain_info **infos, size_t *count)
{
	struct pvhv_domain_info *buf = NULL;
	struct pvhv_list_domains req;
	uint32_t room = 16;
	int ret, tries;

	if (!infos || !count)
		return -EINVAL;
	*infos = NULL;
	*count = 0;
	/* Domains come and go between calls: retry while the array was too small. */
	for (tries = 0; tries < 8; tries++) {
		struct pvhv_domain_info *nbuf = realloc(buf, room * sizeof(*buf));

		if (!nbuf) {
			free(buf);
			return -ENOMEM;
		}
		buf = nbuf;
		memset(&req, 0, sizeof(req));
		req.count = room;
		req.info_ptr = (uintptr_t)buf;
		ret = xioctl(fd, PVHV_LIST_DOMAINS, &req);
		if (ret < 0) {
			free(buf);
			return ret;
		}
		if (req.count <= room) {
			qsort(buf, req.count, sizeof(*buf), cmp_domid);
			*infos = buf;
			*count = req.count;
			return 0;
		}
		room = req.count + 16;
	}
	free(buf);
	return -EAGAIN;
}

PVHV_API int pvhv_domain_get_info(int dfd, struct pvhv_domain_info *info)
{
	if (!info)
		return -EINVAL;
	return xioctl(dfd, PVHV_DOMAIN_GET_INFO, info);
}

PVHV_API int pvhv_domain_destroy(int dfd)
{
	return xioctl(dfd, PVHV_DOMAIN_DESTROY, NULL);
}

PVHV_API int pvhv_domain_map(int dfd, uint64_t gpa, size_t len, int prot, void **addr)
{
	void *p;

	if (!addr || !len || gpa % 4096 || gpa > (uint64_t)INT64_MAX - len)
		return -EINVAL;
	if (dfd < 0)
		return -EBADF;
	p = mmap(NULL, len, prot, MAP_SHARED, dfd, (off_t)gpa);
	if (p == MAP_FAILED)
		return neg_errno();
	*addr = p;
	return 0;
}

PVHV_API int pvhv_domain_unmap(void *addr, size_t len)
{
	if (!addr || !len)
		return -EINVAL;
	return munmap(addr, len) ? neg_errno() : 0;
}

PVHV_API int pvhv_domain_find(int fd, const char *id_or_name, uint32_t *domid)
{
	struct pvhv_domain_info *infos;
	size_t n, i;
	uint32_t id;
	int ret, byid;

	if (!id_or_name || !domid || !*id_or_name)
		return -EINVAL;
	byid = pvhv_parse_domid(id_or_name, &id) == 0;
	ret = pvhv_domain_list(fd, &infos, &n);
	if (ret)
		return ret;
	ret = -ESRCH;
	for (i = 0; i < n; i++) {
		if (byid ? infos[i].domid == id :
			   !strncmp((const char *)infos[i].name, id_or_name, PVHV_NAME_LEN)) {
			*domid = infos[i].domid;
			ret = 0;
			break;
		}
	}
	free(infos);
	return ret;
}

static int parse_u64(const char *s, const char **end, uint64_t *out)
{
	uint64_t v = 0;

	if (*s < '0' || *s > '9')
		return -EINVAL;
	for (; *s >= '0' && *s <= '9'; s++) {
		if (v > (UINT64_MAX - (uint64_t)(*s - '0')) / 10)
			return -ERANGE;
		v = v * 10 + (uint64_t)(*s - '0');
	}
	*end = s;
	*out = v;
	return 0;
}

PVHV_API int pvhv_parse_memory(const char *s, uint64_t *bytes)
{
	uint64_t v, shift = 20;
	const char *end;
	int ret;

	if (!s || !bytes)
		return -EINVAL;
	ret = parse_u64(s, &end, &v);
	if (ret)
		return ret;
	switch (*end) {
	case '\0':
		break;
	case 'b': case 'B':
		shift = 0;
		end++;
		break;
	case 'k': case 'K':
		shift = 10;
		end++;
		break;
	case 'm': case 'M':
		end++;
		break;
	case 'g': case 'G':
		shift = 30;
		end++;
		break;
	case 't': case 'T':
		shift = 40;
		end++;
		break;
	default:
		return -EINVAL;
	}
	/* Accept the long suffixes "KiB", "MiB", "GiB", "TiB" too. */
	if (shift && (*end == 'i' || *end == 'I') && (end[1] == 'b' || end[1] == 'B'))
		end += 2;
	if (*end)
		return -EINVAL;
	if (v > (UINT64_MAX >> shift))
		return -ERANGE;
	*bytes = v << shift;
	return 0;
}

PVHV_API int pvhv_parse_u32(const char *s, uint32_t min, uint32_t max, uint32_t *out)
{
	const char *end;
	uint64_t v;
	int ret;

	if (!s || !out)
		return -EINVAL;
	ret = parse_u64(s, &end, &v);
	if (ret)
		return ret;
	if (*end)
		return -EINVAL;
	if (v < min || v > max)
		return -ERANGE;
	*out = (uint32_t)v;
	return 0;
}

PVHV_API int pvhv_parse_domid(const char *s, uint32_t *domid)
{
	return pvhv_parse_u32(s, PVHV_DOMID_FIRST, PVHV_DOMID_MAX, domid);
}

PVHV_API const char *pvhv_state_name(uint32_t state)
{
	static const char *const names[] = {
		[PVHV_STATE_CREATED] = "created",
		[PVHV_STATE_RUNNING] = "running",
		[PVHV_STATE_PAUSED] = "paused",
		[PVHV_STATE_SHUTDOWN] = "shutdown",
		[PVHV_STATE_CRASHED] = "crashed",
		[PVHV_STATE_DYING] = "dying",
	};

	return state < sizeof(names) / sizeof(names[0]) ? names[state] : "unknown";
}

PVHV_API const char *pvhv_vendor_name(uint64_t vendor)
{
	switch (vendor) {
	case PVHV_VENDOR_SVM:
		return "svm";
	case PVHV_VENDOR_VMX:
		return "vmx";
	default:
		return "none";
	}
}

PVHV_API const char *pvhv_shutdown_reason_name(uint32_t reason)
{
	static const char *const names[] = {
		[SHUTDOWN_poweroff] = "poweroff",
		[SHUTDOWN_reboot] = "reboot",
		[SHUTDOWN_suspend] = "suspend",
		[SHUTDOWN_crash] = "crash",
		[SHUTDOWN_watchdog] = "watchdog",
		[SHUTDOWN_soft_reset] = "soft_reset",
	};

	return reason < sizeof(names) / sizeof(names[0]) ? names[reason] : "unknown";
}

/* --- the host's end of event channels ---------------------------------- */

PVHV_API int pvhv_evtchn_open(int dfd)
{
	return xioctl(dfd, PVHV_DOMAIN_EVTCHN_OPEN, NULL);
}

PVHV_API int pvhv_evtchn_bind(int efd, uint32_t remote_port, uint32_t *port)
{
	struct pvhv_evtchn_bind req;
	int ret;

	if (!port)
		return -EINVAL;
	memset(&req, 0, sizeof(req));
	req.remote_port = remote_port;
	ret = xioctl(efd, PVHV_EVTCHN_BIND, &req);
	if (!ret)
		*port = req.port;
	return ret;
}

static int evtchn_port_op(int efd, unsigned long req, uint32_t port)
{
	struct pvhv_evtchn_port p;

	memset(&p, 0, sizeof(p));
	p.port = port;
	return xioctl(efd, req, &p);
}

PVHV_API int pvhv_evtchn_notify(int efd, uint32_t port)
{
	return evtchn_port_op(efd, PVHV_EVTCHN_NOTIFY, port);
}

PVHV_API int pvhv_evtchn_unbind(int efd, uint32_t port)
{
	return evtchn_port_op(efd, PVHV_EVTCHN_UNBIND, port);
}

PVHV_API int pvhv_evtchn_wait(int efd, uint32_t *ports, size_t max, int timeout_ms)
{
	struct pollfd pfd = { .fd = efd, .events = POLLIN };
	ssize_t n;
	int r;

	if (!ports || !max)
		return -EINVAL;
	if (efd < 0)
		return -EBADF;
	do {
		r = poll(&pfd, 1, timeout_ms);
	} while (r < 0 && errno == EINTR);
	if (r < 0)
		return neg_errno();
	if (r == 0)
		return -ETIMEDOUT;
	n = read(efd, ports, max * sizeof(*ports));
	if (n < 0)
		return errno == EAGAIN ? -ETIMEDOUT : neg_errno();
	return (int)(n / (ssize_t)sizeof(*ports));
}

PVHV_API int pvhv_domain_set_param(int dfd, uint32_t index, uint64_t value)
{
	struct pvhv_hvm_param p;

	memset(&p, 0, sizeof(p));
	p.index = index;
	p.value = value;
	return xioctl(dfd, PVHV_DOMAIN_SET_HVM_PARAM, &p);
}

PVHV_API int pvhv_domain_get_param(int dfd, uint32_t index, uint64_t *value)
{
	struct pvhv_hvm_param p;
	int ret;

	if (!value)
		return -EINVAL;
	memset(&p, 0, sizeof(p));
	p.index = index;
	ret = xioctl(dfd, PVHV_DOMAIN_GET_HVM_PARAM, &p);
	if (!ret)
		*value = p.value;
	return ret;
}

PVHV_API int pvhv_domain_alloc_unbound(int dfd, uint32_t remote_dom, uint32_t *port)
{
	struct pvhv_alloc_unbound req;
	int ret;

	if (!port)
		return -EINVAL;
	memset(&req, 0, sizeof(req));
	req.remote_dom = remote_dom;
	ret = xioctl(dfd, PVHV_DOMAIN_ALLOC_UNBOUND, &req);
	if (!ret)
		*port = req.port;
	return ret;
}

PVHV_API int pvhv_domain_shutdown(int dfd, uint32_t reason)
{
	struct pvhv_domain_shutdown req;

	memset(&req, 0, sizeof(req));
	req.reason = reason;
	return xioctl(dfd, PVHV_DOMAIN_SHUTDOWN, &req);
}

PVHV_API int pvhv_domain_pause(int dfd)
{
	return xioctl(dfd, PVHV_DOMAIN_PAUSE, NULL);
}

PVHV_API int pvhv_domain_unpause(int dfd)
{
	return xioctl(dfd, PVHV_DOMAIN_UNPAUSE, NULL);
}

PVHV_API int pvhv_gnt_open(int dfd)
{
	return xioctl(dfd, PVHV_DOMAIN_GNT_OPEN, NULL);
}

/* PVHV_GNT_UNMAP: the grants at @index go with their last mapping. */
static int gnt_release(int gfd, uint64_t index)
{
	struct pvhv_gnt_unmap un;

	memset(&un, 0, sizeof(un));
	un.index = index;
	return xioctl(gfd, PVHV_GNT_UNMAP, &un);
}

PVHV_API int pvhv_gnt_map(int gfd, const uint32_t *refs, uint32_t count, uint32_t flags,
			  void **addr, uint32_t *failed, int32_t *status)
{
	struct pvhv_gnt_map req;
	void *p;
	int ret;

	if (!refs || !addr || !count)
		return -EINVAL;
	memset(&req, 0, sizeof(req));
	req.flags = flags;
	req.count = count;
	req.refs_ptr = (uintptr_t)refs;
	ret = xioctl(gfd, PVHV_GNT_MAP, &req);
	if (failed)
		*failed = req.failed;
	if (status)
		*status = req.status;
	if (ret)
		return ret;
	ret = pvhv_domain_map(gfd, req.index, (size_t)count * 4096,
			      PROT_READ | (flags & PVHV_GNT_MAP_READONLY ? 0 : PROT_WRITE), &p);
	if (ret) {
		gnt_release(gfd, req.index);
		return ret;
	}
	/* From now on the mapping alone holds the grants: munmap() frees them. */
	ret = gnt_release(gfd, req.index);
	if (ret) {
		munmap(p, (size_t)count * 4096);
		return ret;
	}
	*addr = p;
	return 0;
}

PVHV_API int pvhv_gnt_unmap(int gfd, void *addr, uint32_t count)
{
	(void)gfd;	/* the grants go with the mapping */
	return pvhv_domain_unmap(addr, (size_t)count * 4096);
}

PVHV_API int pvhv_gnt_copy(int gfd, struct pvhv_gnt_copy_seg *segs, uint32_t count)
{
	struct pvhv_gnt_copy req;

	if (!segs || !count)
		return -EINVAL;
	memset(&req, 0, sizeof(req));
	req.count = count;
	req.segs_ptr = (uintptr_t)segs;
	return xioctl(gfd, PVHV_GNT_COPY, &req);
}

PVHV_API const char *pvhv_gntst_message(int32_t status)
{
	static const char *const msgs[] = GNTTABOP_error_msgs;
	uint32_t i = (uint32_t)-status;

	return status <= 0 && i < sizeof(msgs) / sizeof(msgs[0]) ? msgs[i] : "unknown status";
}
