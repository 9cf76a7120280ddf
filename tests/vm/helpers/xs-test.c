// SPDX-License-Identifier: GPL-2.0-only
/*
 * xs-test: checks of the host side that need the real module, run inside
 * the test VM; "ok - ..." / "not ok - ..." lines as pvhv-test prints them.
 *
 *   xs-test alloc-unbound   PVHV_DOMAIN_ALLOC_UNBOUND: ports offered to the
 *                           host that the host binds; hostile arguments
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "libpvhv.h"

static int failures;

#define CHECK(cond, ...) do {						\
	if (cond) {							\
		printf("ok - ");					\
		printf(__VA_ARGS__);					\
		printf("\n");						\
	} else {							\
		failures++;						\
		printf("not ok - ");					\
		printf(__VA_ARGS__);					\
		printf(" (%s:%d)\n", __FILE__, __LINE__);		\
	}								\
	fflush(stdout);							\
} while (0)

static long raw(int fd, struct pvhv_alloc_unbound *req)
{
	return ioctl(fd, PVHV_DOMAIN_ALLOC_UNBOUND, req) < 0 ? -errno : 0;
}

static int alloc_unbound(void)
{
	struct pvhv_domain_config cfg = { .name = "xs-test-au", .memory_bytes = 4 << 20 };
	struct pvhv_alloc_unbound req;
	uint32_t p1 = 0, p2 = 0, hp = 0, n;
	uint64_t cap = 0;
	int fd = pvhv_open(NULL), dfd, efd;

	if (fd < 0) {
		printf("not ok - open /dev/pvhv: %s\n", strerror(-fd));
		return 1;
	}
	CHECK(!pvhv_check_extension(fd, PVHV_CAP_ALLOC_UNBOUND, &cap) && cap == 1,
	      "PVHV_CAP_ALLOC_UNBOUND is advertised");
	dfd = pvhv_domain_create(fd, &cfg, NULL);
	if (dfd < 0) {
		printf("not ok - create a domain: %s\n", strerror(-dfd));
		return 1;
	}
	CHECK(pvhv_domain_alloc_unbound(dfd, 0, &p1) == 0 && p1, "a port offered to the host: %u", p1);
	CHECK(pvhv_domain_alloc_unbound(dfd, 0, &p2) == 0 && p2 && p2 != p1, "another one: %u", p2);
	efd = pvhv_evtchn_open(dfd);
	CHECK(efd >= 0 && pvhv_evtchn_bind(efd, p1, &hp) == 0, "the host binds it (host port %u)", hp);
	CHECK(pvhv_evtchn_bind(efd, p1, &hp) == -EINVAL, "a second bind of the same port: EINVAL");
	CHECK(pvhv_domain_alloc_unbound(dfd, 7, &n) == 0, "one offered to domain 7 (%u)", n);
	CHECK(pvhv_evtchn_bind(efd, n, &hp) == -EINVAL, "the host cannot bind domain 7's port");
	memset(&req, 0, sizeof(req));
	req.flags = 1;
	CHECK(raw(dfd, &req) == -EINVAL, "flags set: EINVAL");
	memset(&req, 0, sizeof(req));
	req.reserved[1] = 1;
	CHECK(raw(dfd, &req) == -EINVAL, "reserved set: EINVAL");
	memset(&req, 0, sizeof(req));
	req.port = 5;
	CHECK(raw(dfd, &req) == -EINVAL, "port set on input: EINVAL");
	memset(&req, 0, sizeof(req));
	req.remote_dom = PVHV_DOMID_MAX + 1;
	CHECK(raw(dfd, &req) == -EINVAL, "remote domain out of range: EINVAL");
	CHECK(ioctl(dfd, PVHV_DOMAIN_ALLOC_UNBOUND, (void *)8) < 0 && errno == EFAULT,
	      "a bad pointer: EFAULT");
	CHECK(pvhv_domain_alloc_unbound(dfd, 0, NULL) == -EINVAL, "libpvhv: no port pointer: EINVAL");
	/* The port table is bounded: ENOSPC, then a close frees none, destroy frees all. */
	for (n = 0; n < 5000; n++) {
		uint32_t p;

		if (pvhv_domain_alloc_unbound(dfd, 0, &p))
			break;
	}
	memset(&req, 0, sizeof(req));
	CHECK(n < 5000 && raw(dfd, &req) == -ENOSPC, "the port table fills: ENOSPC after %u more", n);
	if (efd >= 0)
		close(efd);
	CHECK(pvhv_domain_destroy(dfd) == 0, "destroy the domain");
	CHECK(pvhv_domain_alloc_unbound(dfd, 0, &n) != 0, "no ports on a destroyed domain");
	pvhv_close(dfd);
	pvhv_close(fd);
	return failures ? 1 : 0;
}

int main(int argc, char **argv)
{
	if (argc == 2 && !strcmp(argv[1], "alloc-unbound"))
		return alloc_unbound();
	fprintf(stderr, "usage: xs-test alloc-unbound\n");
	return 2;
}
