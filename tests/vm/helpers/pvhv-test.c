// SPDX-License-Identifier: GPL-2.0-only
/*
 * pvhv-test: ioctl-level checks run inside the test VM against the real
 * module. Each subcommand prints "ok - what" / "not ok - what: detail" lines
 * that tests/vm/lib.sh numbers into TAP, and exits 1 if any check failed.
 *
 *   pvhv-test badinput            hostile/invalid ioctl arguments
 *   pvhv-test mmap DOMID          guest RAM through two mappings
 *   pvhv-test lifetime            domain lifetime vs fds, mappings, destroy
 *   pvhv-test evtchn-host DOMID PORT ROUNDS   the host end of a guest's channel
 *   pvhv-test notify DOMID PORT               bind a guest's port, send one event
 *   pvhv-test gnt-host DOMID PORT             map/copy the grants of guests/hostgnt.c
 *   pvhv-test shutdown DOMID REASON   the toolstack's remote shutdown
 *   pvhv-test pause DOMID         PAUSE/UNPAUSE of a running domain, bad arguments
 *   pvhv-test stats               prints the module's leak counters
 *   pvhv-test run-as UID GID[,GID...] CMD [ARGS]   exec CMD with those ids
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>
#include <xen/grant_table.h>

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

/* ioctl returning -errno, bypassing libpvhv's own argument checks. */
static long raw_ioctl(int fd, unsigned long req, void *arg)
{
	long r = ioctl(fd, req, arg);

	return r < 0 ? -errno : r;
}

static int open_dev(void)
{
	int fd = pvhv_open(NULL);

	if (fd < 0) {
		fprintf(stderr, "pvhv-test: cannot open /dev/pvhv: %s\n", strerror(-fd));
		exit(1);
	}
	return fd;
}

static void init_create(struct pvhv_create_domain *c, const char *name, uint64_t bytes)
{
	memset(c, 0, sizeof(*c));
	c->max_vcpus = 1;
	c->memory_bytes = bytes;
	snprintf((char *)c->name, sizeof(c->name), "%s", name);
}

static int cmd_badinput(void)
{
	struct pvhv_create_domain c;
	struct pvhv_open_domain od;
	struct pvhv_list_domains ld;
	uint64_t max_mb, v;
	uint32_t dup_domid;
	long r;
	int fd = open_dev(), dfd, dfd2;

	CHECK(pvhv_check_extension(fd, PVHV_CAP_MAX_MEM_MB, &max_mb) == 0 && max_mb > 0,
	      "CHECK_EXTENSION(MAX_MEM_MB) = %llu", (unsigned long long)max_mb);
	CHECK(pvhv_check_extension(fd, 0xdead, &v) == 0 && v == 0,
	      "CHECK_EXTENSION(unknown cap) = 0");
	r = ioctl(fd, PVHV_GET_API_VERSION, 1UL) < 0 ? -errno : 0;
	CHECK(r == -EINVAL, "GET_API_VERSION with an argument -> EINVAL (%ld)", r);
	CHECK(raw_ioctl(fd, _IO(PVHV_IO_MAGIC, 0x3f), NULL) == -ENOTTY,
	      "unknown ioctl on /dev/pvhv -> ENOTTY");
	CHECK(raw_ioctl(fd, _IOR('X', 1, int), NULL) == -ENOTTY,
	      "foreign-magic ioctl on /dev/pvhv -> ENOTTY");
	CHECK(raw_ioctl(fd, PVHV_DOMAIN_DESTROY, NULL) == -ENOTTY,
	      "domain ioctl on /dev/pvhv -> ENOTTY");

	init_create(&c, "bad", 1 << 20);
	c.flags = 1;
	CHECK(raw_ioctl(fd, PVHV_CREATE_DOMAIN, &c) == -EINVAL, "CREATE flags != 0 -> EINVAL");
	init_create(&c, "bad", 1 << 20);
	c.reserved[3] = 1;
	CHECK(raw_ioctl(fd, PVHV_CREATE_DOMAIN, &c) == -EINVAL, "CREATE reserved != 0 -> EINVAL");
	init_create(&c, "bad", 1 << 20);
	c.pad0 = 1;
	CHECK(raw_ioctl(fd, PVHV_CREATE_DOMAIN, &c) == -EINVAL, "CREATE pad != 0 -> EINVAL");
	init_create(&c, "bad", 0);
	CHECK(raw_ioctl(fd, PVHV_CREATE_DOMAIN, &c) == -EINVAL, "CREATE memory 0 -> EINVAL");
	init_create(&c, "bad", 4096 + 1);
	CHECK(raw_ioctl(fd, PVHV_CREATE_DOMAIN, &c) == -EINVAL, "CREATE unaligned memory -> EINVAL");
	init_create(&c, "bad", (max_mb + 1) << 20);
	CHECK(raw_ioctl(fd, PVHV_CREATE_DOMAIN, &c) == -E2BIG, "CREATE memory over limit -> E2BIG");
	init_create(&c, "bad", UINT64_MAX & ~4095ULL);
	CHECK(raw_ioctl(fd, PVHV_CREATE_DOMAIN, &c) == -E2BIG, "CREATE memory 2^64-4K -> E2BIG");
	init_create(&c, "bad", 1 << 20);
	c.max_vcpus = 0;
	CHECK(raw_ioctl(fd, PVHV_CREATE_DOMAIN, &c) == -EINVAL, "CREATE 0 vCPUs -> EINVAL");
	c.max_vcpus = 100000;
	CHECK(raw_ioctl(fd, PVHV_CREATE_DOMAIN, &c) == -EINVAL, "CREATE 100000 vCPUs -> EINVAL");
	init_create(&c, "bad name", 1 << 20);
	CHECK(raw_ioctl(fd, PVHV_CREATE_DOMAIN, &c) == -EINVAL, "CREATE name with space -> EINVAL");
	init_create(&c, "1234", 1 << 20);
	CHECK(raw_ioctl(fd, PVHV_CREATE_DOMAIN, &c) == -EINVAL, "CREATE all-digit name -> EINVAL");
	init_create(&c, "x", 1 << 20);
	memset(c.name, 'a', sizeof(c.name));
	CHECK(raw_ioctl(fd, PVHV_CREATE_DOMAIN, &c) == -EINVAL, "CREATE unterminated name -> EINVAL");
	init_create(&c, "x", 1 << 20);
	c.name[10] = 'z';	/* junk after the NUL */
	CHECK(raw_ioctl(fd, PVHV_CREATE_DOMAIN, &c) == -EINVAL, "CREATE junk after name -> EINVAL");
	CHECK(raw_ioctl(fd, PVHV_CREATE_DOMAIN, (void *)8) == -EFAULT, "CREATE bad pointer -> EFAULT");

	init_create(&c, "dup", 1 << 20);
	dfd = (int)raw_ioctl(fd, PVHV_CREATE_DOMAIN, &c);
	CHECK(dfd >= 0, "CREATE 'dup' (%d)", dfd);
	dup_domid = c.domid;
	init_create(&c, "dup", 1 << 20);
	CHECK(raw_ioctl(fd, PVHV_CREATE_DOMAIN, &c) == -EEXIST, "CREATE duplicate name -> EEXIST");
	CHECK(raw_ioctl(dfd, _IO(PVHV_IO_MAGIC, 0x7f), NULL) == -ENOTTY,
	      "unknown ioctl on a domain fd -> ENOTTY");
	{
		/* PVHV_DOMAIN_SET_MEMORY_MAP: checked whole before it replaces anything. */
		struct pvhv_memory_map_entry e[3] = {
			{ .addr = 0, .size = 0xa0000, .type = PVHV_E820_RAM },
			{ .addr = 0x100000, .size = 0x100000, .type = PVHV_E820_RAM },
			{ .addr = 0x200000, .size = 0x1000, .type = PVHV_E820_ACPI },
		};
		struct pvhv_memory_map m = { .nr_entries = 3, .entries_ptr = (uintptr_t)e };
		uint64_t mmax = 0;

		CHECK(pvhv_check_extension(fd, PVHV_CAP_MEMORY_MAP, &mmax) == 0 && mmax >= 3,
		      "CHECK_EXTENSION(MEMORY_MAP) = %llu entries at most", (unsigned long long)mmax);
		CHECK(raw_ioctl(dfd, PVHV_DOMAIN_SET_MEMORY_MAP, &m) == 0, "SET_MEMORY_MAP of 3 entries");
		CHECK(raw_ioctl(dfd, PVHV_DOMAIN_SET_MEMORY_MAP, &m) == 0, "  ... again: replaces it");
		m.flags = 1;
		CHECK(raw_ioctl(dfd, PVHV_DOMAIN_SET_MEMORY_MAP, &m) == -EINVAL, "SET_MEMORY_MAP flags -> EINVAL");
		m.flags = 0;
		m.reserved[1] = 1;
		CHECK(raw_ioctl(dfd, PVHV_DOMAIN_SET_MEMORY_MAP, &m) == -EINVAL,
		      "SET_MEMORY_MAP reserved != 0 -> EINVAL");
		m.reserved[1] = 0;
		m.nr_entries = 0;
		CHECK(raw_ioctl(dfd, PVHV_DOMAIN_SET_MEMORY_MAP, &m) == -EINVAL, "SET_MEMORY_MAP of 0 entries -> EINVAL");
		m.nr_entries = (uint32_t)mmax + 1;
		CHECK(raw_ioctl(dfd, PVHV_DOMAIN_SET_MEMORY_MAP, &m) == -EINVAL,
		      "SET_MEMORY_MAP over the maximum -> EINVAL");
		m.nr_entries = 0xffffffffu;
		CHECK(raw_ioctl(dfd, PVHV_DOMAIN_SET_MEMORY_MAP, &m) == -EINVAL,
		      "SET_MEMORY_MAP of 2^32-1 entries -> EINVAL");
		m.nr_entries = 3;
		m.entries_ptr = 8;
		CHECK(raw_ioctl(dfd, PVHV_DOMAIN_SET_MEMORY_MAP, &m) == -EFAULT,
		      "SET_MEMORY_MAP entries at a bad pointer -> EFAULT");
		m.entries_ptr = (uintptr_t)e;
		CHECK(raw_ioctl(dfd, PVHV_DOMAIN_SET_MEMORY_MAP, (void *)8) == -EFAULT,
		      "SET_MEMORY_MAP bad pointer -> EFAULT");
		e[1].addr = 0x80000;
		CHECK(raw_ioctl(dfd, PVHV_DOMAIN_SET_MEMORY_MAP, &m) == -EINVAL,
		      "SET_MEMORY_MAP overlapping entries -> EINVAL");
		e[1].addr = 0x100000;
		e[2].size = 0;
		CHECK(raw_ioctl(dfd, PVHV_DOMAIN_SET_MEMORY_MAP, &m) == -EINVAL,
		      "SET_MEMORY_MAP an empty entry -> EINVAL");
		e[2].size = UINT64_MAX - 0x1000;
		CHECK(raw_ioctl(dfd, PVHV_DOMAIN_SET_MEMORY_MAP, &m) == -EINVAL,
		      "SET_MEMORY_MAP an entry past 2^64 -> EINVAL");
		e[2].size = 0x1000;
		e[2].type = 99;
		CHECK(raw_ioctl(dfd, PVHV_DOMAIN_SET_MEMORY_MAP, &m) == -EINVAL,
		      "SET_MEMORY_MAP an unknown type -> EINVAL");
		e[2].type = PVHV_E820_ACPI;
		e[0].pad = 1;
		CHECK(raw_ioctl(dfd, PVHV_DOMAIN_SET_MEMORY_MAP, &m) == -EINVAL,
		      "SET_MEMORY_MAP entry pad != 0 -> EINVAL");
	}
	CHECK(raw_ioctl(dfd, PVHV_CREATE_DOMAIN, &c) == -ENOTTY,
	      "device ioctl on a domain fd -> ENOTTY");
	r = ioctl(dfd, PVHV_DOMAIN_DESTROY, 1UL) < 0 ? -errno : 0;
	CHECK(r == -EINVAL, "DESTROY with an argument -> EINVAL");
	CHECK(raw_ioctl(dfd, PVHV_DOMAIN_GET_INFO, (void *)8) == -EFAULT,
	      "GET_INFO bad pointer -> EFAULT");

	memset(&od, 0, sizeof(od));
	od.domid = 31999;
	CHECK(raw_ioctl(fd, PVHV_OPEN_DOMAIN, &od) == -ESRCH, "OPEN unknown domid -> ESRCH");
	od.domid = 40000;
	CHECK(raw_ioctl(fd, PVHV_OPEN_DOMAIN, &od) == -ESRCH, "OPEN domid above range -> ESRCH");
	od.domid = 0;
	CHECK(raw_ioctl(fd, PVHV_OPEN_DOMAIN, &od) == -EINVAL, "OPEN domid 0 (host) -> EINVAL");
	od.domid = dup_domid;
	od.flags = 2;
	CHECK(raw_ioctl(fd, PVHV_OPEN_DOMAIN, &od) == -EINVAL, "OPEN flags != 0 -> EINVAL");
	od.flags = 0;
	od.reserved[1] = 9;
	CHECK(raw_ioctl(fd, PVHV_OPEN_DOMAIN, &od) == -EINVAL, "OPEN reserved != 0 -> EINVAL");

	memset(&ld, 0, sizeof(ld));
	ld.count = 4;
	ld.info_ptr = 8;
	CHECK(raw_ioctl(fd, PVHV_LIST_DOMAINS, &ld) == -EFAULT, "LIST bad array -> EFAULT");
	memset(&ld, 0, sizeof(ld));
	ld.reserved[0] = 1;
	CHECK(raw_ioctl(fd, PVHV_LIST_DOMAINS, &ld) == -EINVAL, "LIST reserved != 0 -> EINVAL");
	memset(&ld, 0, sizeof(ld));
	ld.count = 0xffffffff;
	ld.info_ptr = 8;
	CHECK(raw_ioctl(fd, PVHV_LIST_DOMAINS, &ld) == -EFAULT,
	      "LIST huge count with bad array -> EFAULT, no huge allocation");
	memset(&ld, 0, sizeof(ld));
	CHECK(raw_ioctl(fd, PVHV_LIST_DOMAINS, &ld) == 0 && ld.count >= 1,
	      "LIST count 0 reports the number of domains (%u)", ld.count);

	{
		struct pvhv_start_pvh sp;
		struct pvhv_console_read cr;

		memset(&sp, 0, sizeof(sp));
		sp.entry = 0x100000;
		sp.start_info = 0x1000;
		sp.flags = 1;
		CHECK(raw_ioctl(dfd, PVHV_DOMAIN_START_PVH, &sp) == -EINVAL, "START_PVH flags != 0: EINVAL");
		sp.flags = 0;
		sp.vcpu = 1;
		CHECK(raw_ioctl(dfd, PVHV_DOMAIN_START_PVH, &sp) == -EINVAL, "START_PVH vcpu 1: EINVAL");
		sp.vcpu = 0;
		sp.reserved[2] = 5;
		CHECK(raw_ioctl(dfd, PVHV_DOMAIN_START_PVH, &sp) == -EINVAL, "START_PVH reserved != 0: EINVAL");
		sp.reserved[2] = 0;
		sp.entry = 1 << 20;	/* the domain has 1 MiB: entry at its end */
		CHECK(raw_ioctl(dfd, PVHV_DOMAIN_START_PVH, &sp) == -EINVAL, "START_PVH entry outside RAM: EINVAL");
		sp.entry = 0x1000;
		sp.start_info = 1ULL << 40;
		CHECK(raw_ioctl(dfd, PVHV_DOMAIN_START_PVH, &sp) == -EINVAL,
		      "START_PVH start_info outside RAM: EINVAL");
		CHECK(raw_ioctl(dfd, PVHV_DOMAIN_START_PVH, (void *)8) == -EFAULT, "START_PVH bad pointer: EFAULT");
		memset(&cr, 0, sizeof(cr));
		cr.reserved[1] = 1;
		CHECK(raw_ioctl(dfd, PVHV_DOMAIN_CONSOLE_READ, &cr) == -EINVAL, "CONSOLE_READ reserved != 0: EINVAL");
		memset(&cr, 0, sizeof(cr));
		cr.len = 4096;
		cr.buf_ptr = 8;
		CHECK(raw_ioctl(dfd, PVHV_DOMAIN_CONSOLE_READ, &cr) == 0 && cr.len == 0,
		      "CONSOLE_READ of an empty log with a bad buffer: nothing copied");
		CHECK(ioctl(dfd, PVHV_DOMAIN_EVTCHN_OPEN, 1UL) < 0 && errno == EINVAL,
		      "EVTCHN_OPEN with an argument: EINVAL");
		CHECK(ioctl(dfd, PVHV_DOMAIN_PAUSE, 1UL) < 0 && errno == EINVAL,
		      "PAUSE with an argument: EINVAL");
		CHECK(ioctl(dfd, PVHV_DOMAIN_UNPAUSE, 1UL) < 0 && errno == EINVAL,
		      "UNPAUSE with an argument: EINVAL");
		CHECK(pvhv_domain_pause(dfd) == -EINVAL, "PAUSE of a domain that never ran: EINVAL");
		CHECK(pvhv_domain_unpause(dfd) == -EINVAL, "UNPAUSE of a domain that never ran: EINVAL");
		CHECK(pvhv_domain_shutdown(dfd, 0) == -EINVAL, "SHUTDOWN of a domain that never ran: EINVAL");
		CHECK(pvhv_domain_shutdown(dfd, 99) == -EINVAL, "SHUTDOWN reason 99: EINVAL");
	}
	{
		struct pvhv_hvm_param hp;
		uint64_t val = 0;

		CHECK(pvhv_domain_set_param(dfd, 1 /* STORE_PFN */, 0x1234) == 0 &&
		      pvhv_domain_get_param(dfd, 1, &val) == 0 && val == 0x1234,
		      "SET/GET_HVM_PARAM round trip (STORE_PFN)");
		CHECK(pvhv_domain_set_param(dfd, PVHV_HVM_NR_PARAMS, 1) == -EINVAL,
		      "SET_HVM_PARAM index 39: EINVAL");
		CHECK(pvhv_domain_set_param(dfd, 0, (3ULL << 56) | 0x40) == -EINVAL,
		      "SET_HVM_PARAM callback of an unsupported type (3): EINVAL");
		CHECK(pvhv_domain_set_param(dfd, 0, 7) == 0,
		      "SET_HVM_PARAM callback GSI 7: accepted, delivering nothing (no IOAPIC, as Xen)");
		memset(&hp, 0, sizeof(hp));
		hp.index = 1;
		hp.reserved[0] = 1;
		CHECK(raw_ioctl(dfd, PVHV_DOMAIN_GET_HVM_PARAM, &hp) == -EINVAL,
		      "GET_HVM_PARAM reserved != 0: EINVAL");
		CHECK(raw_ioctl(dfd, PVHV_DOMAIN_GET_HVM_PARAM, (void *)8) == -EFAULT,
		      "GET_HVM_PARAM bad pointer: EFAULT");
	}

	/* Destroy, then every use of the stale fd is a clean error. */
	CHECK(pvhv_domain_destroy(dfd) == 0, "DESTROY 'dup'");
	CHECK(pvhv_domain_destroy(dfd) == -ESRCH, "DESTROY twice -> ESRCH");
	CHECK(pvhv_domain_pause(dfd) == -ESRCH, "PAUSE of a destroyed domain -> ESRCH");
	CHECK(pvhv_domain_unpause(dfd) == -ESRCH, "UNPAUSE of a destroyed domain -> ESRCH");
	od.domid = dup_domid;
	od.reserved[1] = 0;
	CHECK(raw_ioctl(fd, PVHV_OPEN_DOMAIN, &od) == -ESRCH, "OPEN destroyed domid -> ESRCH");
	dfd2 = (int)raw_ioctl(fd, PVHV_CREATE_DOMAIN, &c);
	CHECK(dfd2 >= 0, "name of a destroyed domain can be reused");
	if (dfd2 >= 0) {
		pvhv_domain_destroy(dfd2);
		close(dfd2);
	}
	close(dfd);
	close(fd);
	return failures ? 1 : 0;
}

static uint64_t pattern(uint32_t domid, uint64_t off)
{
	return (off * 0x9e3779b97f4a7c15ULL) ^ ((uint64_t)domid << 48) ^ 0x5a5a;
}

static int cmd_mmap(uint32_t domid)
{
	struct pvhv_domain_info info;
	int fd = open_dev(), a, b, ret;
	uint64_t *pa = NULL, *pb = NULL, *pc = NULL, i, n, bad = 0, nonzero = 0;
	size_t len;
	void *p;

	a = pvhv_domain_open(fd, domid);
	b = pvhv_domain_open(fd, domid);
	CHECK(a >= 0 && b >= 0, "open domain %u twice", domid);
	if (a < 0 || b < 0)
		return 1;
	CHECK(pvhv_domain_get_info(a, &info) == 0, "GET_INFO domain %u", domid);
	len = info.memory_bytes;
	n = len / sizeof(uint64_t);

	CHECK(pvhv_domain_map(a, 0, len, PROT_READ | PROT_WRITE, &p) == 0,
	      "map all %zu MiB through fd A", len >> 20);
	pa = p;
	CHECK(pvhv_domain_map(b, 0, len, PROT_READ, &p) == 0, "map all through fd B");
	pb = p;
	if (!pa || !pb)
		return 1;
	for (i = 0; i < n; i++)
		nonzero += pb[i] != 0;
	CHECK(nonzero == 0, "fresh guest RAM reads as zeros (%llu nonzero words)",
	      (unsigned long long)nonzero);
	for (i = 0; i < n; i++)
		pa[i] = pattern(domid, i);
	for (i = 0; i < n; i++)
		bad += pb[i] != pattern(domid, i);
	CHECK(bad == 0, "pattern written through A reads back through B (%llu mismatches)",
	      (unsigned long long)bad);

	/* A window at an offset sees the same pages (file offset = guest-physical). */
	ret = pvhv_domain_map(b, len / 2, 8192, PROT_READ, &p);
	pc = p;
	CHECK(ret == 0 && pc[0] == pattern(domid, n / 2) && pc[1023] == pattern(domid, n / 2 + 1023),
	      "mapping at gpa %#zx sees the same data", len / 2);
	if (!ret)
		pvhv_domain_unmap(pc, 8192);

	ret = pvhv_domain_map(a, 0, len + 4096, PROT_READ, &p);
	CHECK(ret == -EINVAL, "mapping past the end of guest RAM -> EINVAL (%d)", ret);
	ret = pvhv_domain_map(a, len, 4096, PROT_READ, &p);
	CHECK(ret == -EINVAL, "mapping at the end of guest RAM -> EINVAL (%d)", ret);
	p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE, a, 0);
	CHECK(p == MAP_FAILED && errno == EINVAL, "MAP_PRIVATE -> EINVAL");
	if (p != MAP_FAILED)
		munmap(p, 4096);
	p = mremap(pa, len, len * 2, MREMAP_MAYMOVE);
	CHECK(p == MAP_FAILED, "mremap cannot grow the mapping");

	pvhv_domain_unmap(pa, len);
	pvhv_domain_unmap(pb, len);
	close(a);
	close(b);
	close(fd);
	return failures ? 1 : 0;
}

static int cmd_lifetime(void)
{
	struct pvhv_domain_config cfg = { .name = "lifetime", .memory_bytes = 4 << 20 };
	struct pvhv_domain_info info;
	struct pvhv_stats st0, st;
	int fd = open_dev(), dfd, dfd2;
	uint32_t domid, found;
	uint64_t *m;
	void *p;

	CHECK(pvhv_get_stats(fd, &st0) == 0, "GET_STATS");
	dfd = pvhv_domain_create(fd, &cfg, &domid);
	CHECK(dfd >= 0, "create 'lifetime' (domid %u)", domid);
	if (dfd < 0)
		return 1;
	CHECK(pvhv_get_stats(fd, &st) == 0 && st.domains == st0.domains + 1 &&
	      st.guest_pages == st0.guest_pages + 1024,
	      "counters: +1 domain, +1024 pages (%llu, %llu)",
	      (unsigned long long)st.domains, (unsigned long long)st.guest_pages);
	close(dfd);
	CHECK(pvhv_domain_find(fd, "lifetime", &found) == 0 && found == domid,
	      "domain outlives its creating fd");
	dfd = pvhv_domain_open(fd, domid);
	CHECK(dfd >= 0, "reopen by domid");
	CHECK(pvhv_domain_get_info(dfd, &info) == 0 && info.domid == domid &&
	      info.state == PVHV_STATE_CREATED && info.memory_bytes == (4 << 20) &&
	      info.max_vcpus == 1 && !strcmp((char *)info.name, "lifetime"),
	      "GET_INFO: domid, state, memory, vCPUs, name");
	CHECK(pvhv_domain_map(dfd, 0, 4 << 20, PROT_READ | PROT_WRITE, &p) == 0, "map it");
	m = p;
	m[7] = 0x1234567890abcdefULL;

	dfd2 = pvhv_domain_open(fd, domid);
	CHECK(pvhv_domain_destroy(dfd2) == 0, "destroy through a second fd");
	close(dfd2);
	CHECK(pvhv_domain_find(fd, "lifetime", &found) == -ESRCH, "destroyed domain is not listed");
	CHECK(pvhv_domain_get_info(dfd, &info) == 0 && info.state == PVHV_STATE_DYING,
	      "a stale fd reports the domain dying");
	CHECK(m[7] == 0x1234567890abcdefULL, "a live mapping still reads after destroy");
	{
		int r = pvhv_domain_map(dfd, 0, 4096, PROT_READ, &p);

		CHECK(r == -ESRCH, "new mappings of a dying domain -> ESRCH (%d)", r);
		if (!r)
			pvhv_domain_unmap(p, 4096);
	}
	CHECK(pvhv_get_stats(fd, &st) == 0 && st.domains == st0.domains + 1,
	      "pages held while mapped (domains %llu)", (unsigned long long)st.domains);
	pvhv_domain_unmap(m, 4 << 20);
	close(dfd);
	CHECK(pvhv_get_stats(fd, &st) == 0 && st.domains == st0.domains &&
	      st.guest_pages == st0.guest_pages && st.objects == st0.objects,
	      "unmap + close frees everything (domains %llu pages %llu objects %llu)",
	      (unsigned long long)st.domains, (unsigned long long)st.guest_pages,
	      (unsigned long long)st.objects);
	close(fd);
	return failures ? 1 : 0;
}

/* The host's end of a guest's channel: bind, then answer ROUNDS events. */
static int cmd_evtchn_host(uint32_t domid, uint32_t gport, unsigned int rounds)
{
	struct pvhv_evtchn_bind b;
	int fd = open_dev(), dfd, efd, n;
	uint32_t port, got[8], again;
	unsigned int i, answered = 0;
	long r;

	dfd = pvhv_domain_open(fd, domid);
	CHECK(dfd >= 0, "host: open domain %u", domid);
	efd = pvhv_evtchn_open(dfd);
	CHECK(efd >= 0, "host: evtchn fd (%d)", efd);
	if (dfd < 0 || efd < 0)
		return 1;
	CHECK(pvhv_evtchn_bind(efd, 0, &port) == -EINVAL, "host: bind to port 0: EINVAL");
	CHECK(pvhv_evtchn_bind(efd, 5000, &port) == -EINVAL, "host: bind to port 5000: EINVAL");
	CHECK(pvhv_evtchn_notify(efd, 7) == -EINVAL, "host: notify an unbound host port: EINVAL");
	CHECK(pvhv_evtchn_unbind(efd, 7) == -EINVAL, "host: unbind an unbound host port: EINVAL");
	CHECK(pvhv_evtchn_unbind(efd, 5000) == -EINVAL, "host: unbind host port 5000: EINVAL");
	memset(&b, 0, sizeof(b));
	b.remote_port = gport;
	b.reserved[1] = 1;
	CHECK(raw_ioctl(efd, PVHV_EVTCHN_BIND, &b) == -EINVAL, "host: bind with reserved != 0: EINVAL");
	CHECK(raw_ioctl(efd, _IO(PVHV_IO_MAGIC, 0x9f), NULL) == -ENOTTY, "host: unknown ioctl: ENOTTY");
	r = pvhv_evtchn_bind(efd, gport, &port);
	CHECK(r == 0 && port >= 1, "host: bound to guest port %u as host port %u", gport, port);
	if (r)
		return 1;
	CHECK(pvhv_evtchn_bind(efd, gport, &again) == -EINVAL, "host: binding it twice: EINVAL");
	/* The new binding starts pending, as Xen's bind_interdomain. */
	n = pvhv_evtchn_wait(efd, got, 8, 5000);
	CHECK(n == 1 && got[0] == port, "host: the new port starts pending (%d)", n);
	/* "Go": the guest starts sending once it has this first event. */
	CHECK(pvhv_evtchn_notify(efd, port) == 0, "host: notify the guest");
	for (i = 0; i < rounds; i++) {
		n = pvhv_evtchn_wait(efd, got, 8, 5000);
		if (n != 1 || got[0] != port)
			break;
		if (pvhv_evtchn_notify(efd, port))
			break;
		answered++;
	}
	CHECK(answered == rounds, "host: answered %u of %u guest events", answered, rounds);
	n = pvhv_evtchn_wait(efd, got, 8, 5000);	/* the guest closes its end */
	CHECK(pvhv_evtchn_notify(efd, port) == -EINVAL,
	      "host: after the guest closed its end, notify: EINVAL");
	close(efd);
	close(dfd);
	close(fd);
	return failures ? 1 : 0;
}

/* --- the host's use of a guest's grants (guests/hostgnt.c is the other side) --- */

#define GNT_HOST_MAGIC	0x54534f48544e4721ULL
#define GNT_PATTERN(i, w) (0x4853544752414e54ULL + (uint64_t)(i) * 1000003 + (w))
#define GNT_ROUNDS	2000

static int gnt_page_ok(const volatile uint64_t *p, unsigned int ref)
{
	unsigned int w;

	for (w = 0; w < 512; w++)
		if (p[w] != GNT_PATTERN(ref, w))
			return 0;
	return 1;
}

static long gnt_raw_map(int gfd, const uint32_t *refs, uint32_t count, uint32_t flags,
			struct pvhv_gnt_map *m)
{
	memset(m, 0, sizeof(*m));
	m->flags = flags;
	m->count = count;
	m->refs_ptr = (uintptr_t)refs;
	return raw_ioctl(gfd, PVHV_GNT_MAP, m);
}

static long gnt_raw_unmap(int gfd, uint64_t index)
{
	struct pvhv_gnt_unmap u;

	memset(&u, 0, sizeof(u));
	u.index = index;
	return raw_ioctl(gfd, PVHV_GNT_UNMAP, &u);
}

static double now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

/*
 * Unmaps with bad fields, each of a live mapping (refs 1 and 2) so that only
 * the field can be why it is refused; the mapping survives them all.
 */
static void gnt_bad_unmaps(int gfd)
{
	uint32_t refs[2] = { 1, 2 };
	struct pvhv_gnt_map m;
	unsigned int i;
	long r;

	r = gnt_raw_map(gfd, refs, 2, 0, &m);
	CHECK(r == 0, "gnt: refs 1, 2 mapped for the unmap checks (%ld)", r);
	{
		const struct {
			struct pvhv_gnt_unmap u;
			const char *what;
		} bad[] = {
			{ { .index = m.index, .flags = 1 }, "flags" },
			{ { .index = m.index, .pad = 1 }, "pad" },
			{ { .index = m.index, .reserved = { 1, 0 } }, "reserved[0]" },
			{ { .index = m.index, .reserved = { 0, 1 } }, "reserved[1]" },
		};

		for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
			CHECK(raw_ioctl(gfd, PVHV_GNT_UNMAP, (void *)&bad[i].u) == -EINVAL,
			      "gnt: unmap with %s != 0: EINVAL", bad[i].what);
	}
	CHECK(raw_ioctl(gfd, PVHV_GNT_UNMAP, (void *)8) == -EFAULT,
	      "gnt: unmap with a bad argument pointer: EFAULT");
	CHECK(gnt_raw_unmap(gfd, m.index + 4096) == -EINVAL,
	      "gnt: unmap of the second page of a two-page map (not its index): EINVAL");
	CHECK(gnt_raw_unmap(gfd, m.index) == 0, "gnt: the map survived the refused unmaps");
	CHECK(gnt_raw_unmap(gfd, m.index) == -EINVAL, "gnt: unmap of an index already unmapped: EINVAL");
}

/*
 * Bad copy segments: a per-segment GNTST_bad_copy_arg (the segments have no
 * reserved fields; unknown flags are refused), the ioctl succeeds, the rest
 * of the batch runs, and nothing reaches ref 1.
 */
static void gnt_bad_segs(int gfd)
{
	static uint64_t page1[512];
	static uint8_t junk[4096];
	struct pvhv_gnt_copy_seg seg[5];
	unsigned int i;
	long r;

	memset(junk, 0xa5, sizeof(junk));
	seg[0] = (struct pvhv_gnt_copy_seg){ .buf_ptr = (uintptr_t)junk, .ref = 1, .len = 4096,
					     .flags = PVHV_GNT_COPY_TO_GUEST | 2 };
	seg[1] = (struct pvhv_gnt_copy_seg){ .buf_ptr = (uintptr_t)junk, .ref = 1, .len = 8,
					     .flags = 1u << 31 };
	seg[2] = (struct pvhv_gnt_copy_seg){ .buf_ptr = (uintptr_t)junk, .ref = 1, .len = 4097,
					     .flags = PVHV_GNT_COPY_TO_GUEST };
	seg[3] = (struct pvhv_gnt_copy_seg){ .buf_ptr = (uintptr_t)junk, .ref = 1, .offset = 4096,
					     .len = 1, .flags = PVHV_GNT_COPY_TO_GUEST };
	seg[4] = (struct pvhv_gnt_copy_seg){ .buf_ptr = (uintptr_t)page1, .ref = 1, .len = 4096 };
	for (i = 0; i < 5; i++)
		seg[i].status = 99;
	r = pvhv_gnt_copy(gfd, seg, 5);
	CHECK(r == 0, "gnt: a batch of 5 copies, 4 of them malformed: the ioctl succeeds (%ld)", r);
	CHECK(seg[0].status == GNTST_bad_copy_arg, "gnt: copy into ref 1 with an unknown flag: %d (%s)",
	      seg[0].status, pvhv_gntst_message(seg[0].status));
	CHECK(seg[1].status == GNTST_bad_copy_arg, "gnt: copy from ref 1 with flag bit 31: %d",
	      seg[1].status);
	CHECK(seg[2].status == GNTST_bad_copy_arg, "gnt: copy of 4097 bytes: %d", seg[2].status);
	CHECK(seg[3].status == GNTST_bad_copy_arg, "gnt: copy at offset 4096: %d", seg[3].status);
	CHECK(seg[4].status == GNTST_okay && gnt_page_ok(page1, 1),
	      "gnt: the batch's last copy ran (%d): ref 1 unchanged, the refused ones wrote nothing",
	      seg[4].status);
}

/* The bad arguments of the grant fd's ioctls, each refused with its errno. */
static void gnt_badinput(int gfd)
{
	uint32_t refs[2] = { 1, 2 };
	struct pvhv_gnt_copy_seg seg;
	struct pvhv_gnt_copy c;
	struct pvhv_gnt_map m;

	CHECK(gnt_raw_map(gfd, refs, 0, 0, &m) == -EINVAL, "gnt: map of 0 grants: EINVAL");
	CHECK(gnt_raw_map(gfd, refs, PVHV_GNT_MAP_MAX + 1, 0, &m) == -EINVAL,
	      "gnt: map of %u grants: EINVAL", PVHV_GNT_MAP_MAX + 1);
	CHECK(gnt_raw_map(gfd, refs, 1, 2, &m) == -EINVAL, "gnt: map with unknown flags: EINVAL");
	memset(&m, 0, sizeof(m));
	m.count = 1;
	m.refs_ptr = (uintptr_t)refs;
	m.reserved[1] = 1;
	CHECK(raw_ioctl(gfd, PVHV_GNT_MAP, &m) == -EINVAL, "gnt: map with reserved != 0: EINVAL");
	m.reserved[1] = 0;
	m.index = 4096;
	CHECK(raw_ioctl(gfd, PVHV_GNT_MAP, &m) == -EINVAL, "gnt: map with index set on input: EINVAL");
	m.index = 0;
	m.refs_ptr = 8;
	CHECK(raw_ioctl(gfd, PVHV_GNT_MAP, &m) == -EFAULT, "gnt: map with an unreadable ref list: EFAULT");
	CHECK(raw_ioctl(gfd, PVHV_GNT_MAP, (void *)8) == -EFAULT, "gnt: map with a bad argument pointer: EFAULT");
	CHECK(gnt_raw_unmap(gfd, 1ULL << 40) == -EINVAL, "gnt: unmap of an unknown index: EINVAL");
	CHECK(gnt_raw_unmap(gfd, 100) == -EINVAL, "gnt: unmap of an unaligned index: EINVAL");
	CHECK(raw_ioctl(gfd, _IO(PVHV_IO_MAGIC, 0xaf), NULL) == -ENOTTY, "gnt: unknown ioctl: ENOTTY");
	CHECK(raw_ioctl(gfd, PVHV_EVTCHN_BIND, NULL) == -ENOTTY, "gnt: an evtchn ioctl on a grant fd: ENOTTY");
	memset(&seg, 0, sizeof(seg));
	memset(&c, 0, sizeof(c));
	c.segs_ptr = (uintptr_t)&seg;
	CHECK(raw_ioctl(gfd, PVHV_GNT_COPY, &c) == -EINVAL, "gnt: copy of 0 segments: EINVAL");
	c.count = PVHV_GNT_COPY_MAX + 1;
	CHECK(raw_ioctl(gfd, PVHV_GNT_COPY, &c) == -EINVAL, "gnt: copy of %u segments: EINVAL",
	      PVHV_GNT_COPY_MAX + 1);
	c.count = 1;
	c.flags = 1;
	CHECK(raw_ioctl(gfd, PVHV_GNT_COPY, &c) == -EINVAL, "gnt: copy with flags != 0: EINVAL");
	c.flags = 0;
	c.segs_ptr = 8;
	CHECK(raw_ioctl(gfd, PVHV_GNT_COPY, &c) == -EFAULT, "gnt: copy with an unreadable segment list: EFAULT");
	c.segs_ptr = (uintptr_t)&seg;
	c.reserved[0] = 1;
	CHECK(raw_ioctl(gfd, PVHV_GNT_COPY, &c) == -EINVAL, "gnt: copy with reserved[0] != 0: EINVAL");
	c.reserved[0] = 0;
	c.reserved[1] = 1;
	CHECK(raw_ioctl(gfd, PVHV_GNT_COPY, &c) == -EINVAL, "gnt: copy with reserved[1] != 0: EINVAL");
	CHECK(raw_ioctl(gfd, PVHV_GNT_COPY, (void *)8) == -EFAULT,
	      "gnt: copy with a bad argument pointer: EFAULT");
	gnt_bad_unmaps(gfd);
	gnt_bad_segs(gfd);
}

#define GNT_FD_PAGES	4096	/* PVHV_CAP_HOST_GNT */
#define GNT_PIN_MAX	65535	/* pins of one grant for one access (Xen's limit too) */
#define GNT_PIN_FDS	17	/* 16 to reach GNT_PIN_MAX, one to probe */

/* Map grant @ref writable @pages times on @gfd, PVHV_GNT_MAP_MAX at a time: how many. */
static uint32_t gnt_fill(int gfd, uint32_t ref, uint32_t pages, uint64_t *idx)
{
	static uint32_t refs[PVHV_GNT_MAP_MAX];
	struct pvhv_gnt_map m;
	uint32_t i, n, done = 0;

	for (i = 0; i < PVHV_GNT_MAP_MAX; i++)
		refs[i] = ref;
	for (i = 0; done < pages; i++) {
		n = pages - done < PVHV_GNT_MAP_MAX ? pages - done : PVHV_GNT_MAP_MAX;
		if (gnt_raw_map(gfd, refs, n, 0, &m))
			break;
		idx[i] = m.index;
		done += n;
	}
	return done;
}

/*
 * A grant fd's page limit: a map beyond it fails with ENOSPC, before any
 * grant is pinned (ref 3 stays unused: the guest checks) or anything is
 * allocated, and the fd works on: unmaps make room for maps again.
 */
static void gnt_fd_limit(int fd, int dfd)
{
	uint32_t refs[25], ref2 = 2, i, bad;
	struct pvhv_gnt_copy_seg seg;
	struct pvhv_stats st0, st;
	struct pvhv_gnt_map m, m24;
	uint64_t idx[4], in = 0;
	int gfd = pvhv_gnt_open(dfd);
	void *a;
	long r;

	for (i = 0; i < 25; i++)
		refs[i] = 3;
	CHECK(gfd >= 0 && gnt_fill(gfd, 2, GNT_FD_PAGES, idx) == GNT_FD_PAGES,
	      "gnt limit: a new grant fd maps ref 2 %u times", GNT_FD_PAGES);
	CHECK(pvhv_get_stats(fd, &st0) == 0, "gnt limit: GET_STATS");
	r = gnt_raw_map(gfd, &ref2, 1, 0, &m);
	CHECK(r == -ENOSPC && m.failed == 0 && m.status == 0 && m.index == 0,
	      "gnt limit: map of page %u: ENOSPC (%ld), no failed/status/index (%u, %d)",
	      GNT_FD_PAGES + 1, r, m.failed, m.status);
	r = gnt_raw_map(gfd, refs, 1, PVHV_GNT_MAP_READONLY, &m);
	CHECK(r == -ENOSPC, "gnt limit: read-only map of ref 3: ENOSPC (%ld)", r);
	CHECK(pvhv_get_stats(fd, &st) == 0 && st.objects == st0.objects,
	      "gnt limit: the refused maps left no object (%llu, was %llu)",
	      (unsigned long long)st.objects, (unsigned long long)st0.objects);
	seg = (struct pvhv_gnt_copy_seg){ .buf_ptr = (uintptr_t)&in, .ref = 3, .offset = 8, .len = 8 };
	r = pvhv_gnt_copy(gfd, &seg, 1);
	CHECK(r == 0 && seg.status == GNTST_okay && in == GNT_PATTERN(3, 1),
	      "gnt limit: a copy on the full fd works (%ld, %d)", r, seg.status);
	CHECK(gnt_raw_unmap(gfd, idx[1]) == 0, "gnt limit: unmap of 1024 of them");
	r = gnt_fill(gfd, 2, 1000, idx);
	CHECK(r == 1000, "gnt limit: then a map of 1000 works (%ld)", r);
	r = gnt_raw_map(gfd, refs, 25, 0, &m);
	CHECK(r == -ENOSPC, "gnt limit: a map of 25 (one too many): ENOSPC (%ld)", r);
	r = gnt_raw_map(gfd, refs, 24, 0, &m24);
	CHECK(r == 0, "gnt limit: a map of 24 (the last pages) works (%ld)", r);
	CHECK(gnt_raw_map(gfd, &ref2, 1, 0, &m) == -ENOSPC, "gnt limit: full again: ENOSPC");
	a = r ? MAP_FAILED : mmap(NULL, 24 * 4096, PROT_READ, MAP_SHARED, gfd, (off_t)m24.index);
	for (bad = 0, i = 0; a != MAP_FAILED && i < 24; i++)
		bad += !gnt_page_ok((uint64_t *)((char *)a + i * 4096), 3);
	CHECK(a != MAP_FAILED && bad == 0, "gnt limit: its mmap() shows ref 3 in each page (%u bad)", bad);
	if (a != MAP_FAILED)
		munmap(a, 24 * 4096);
	close(gfd);	/* releases all 4096 */
}

/*
 * The pins of one grant: 65535 writable maps of ref 2 over 16 grant fds,
 * then one more is refused (the count would overflow) with nothing left
 * pinned by the refusal; read-only pins have their own count.
 */
static void gnt_pin_limit(int dfd)
{
	uint32_t refs[2] = { 3, 2 }, pinned = 0, n;
	uint64_t idx[GNT_PIN_FDS][4], word = GNT_PATTERN(2, 0), in = 0;
	struct pvhv_gnt_copy_seg seg[2];
	int gfd[GNT_PIN_FDS], probe, i, nfd = 0;
	struct pvhv_gnt_map m;
	long r;

	for (i = 0; i < GNT_PIN_FDS; i++) {
		gfd[i] = pvhv_gnt_open(dfd);
		nfd += gfd[i] >= 0;
		n = GNT_PIN_MAX - pinned < GNT_FD_PAGES ? GNT_PIN_MAX - pinned : GNT_FD_PAGES;
		if (gfd[i] >= 0 && i < GNT_PIN_FDS - 1)
			pinned += gnt_fill(gfd[i], 2, n, idx[i]);
	}
	probe = gfd[GNT_PIN_FDS - 1];
	CHECK(nfd == GNT_PIN_FDS && pinned == GNT_PIN_MAX,
	      "gnt pins: ref 2 mapped writable %u times over %d fds", pinned, GNT_PIN_FDS - 1);
	r = gnt_raw_map(probe, &refs[1], 1, 0, &m);
	CHECK(r == -EPERM && m.failed == 0 && m.status == GNTST_general_error,
	      "gnt pins: one more writable map of it: EPERM (%ld, status %d)", r, m.status);
	r = gnt_raw_map(probe, refs, 2, 0, &m);
	CHECK(r == -EPERM && m.failed == 1,
	      "gnt pins: refs 3, 2 in one map: EPERM at position %u (3 released)", m.failed);
	r = gnt_raw_map(probe, &refs[1], 1, PVHV_GNT_MAP_READONLY, &m);
	CHECK(r == 0 && gnt_raw_unmap(probe, m.index) == 0,
	      "gnt pins: a read-only map of it still works (a count of its own) (%ld)", r);
	seg[0] = (struct pvhv_gnt_copy_seg){ .buf_ptr = (uintptr_t)&word, .ref = 2, .len = 8,
					     .flags = PVHV_GNT_COPY_TO_GUEST };
	seg[1] = (struct pvhv_gnt_copy_seg){ .buf_ptr = (uintptr_t)&in, .ref = 2, .len = 8 };
	r = pvhv_gnt_copy(probe, seg, 2);
	CHECK(r == 0 && seg[0].status == GNTST_general_error && seg[1].status == GNTST_okay &&
	      in == GNT_PATTERN(2, 0),
	      "gnt pins: a copy into it is refused (%d), a copy from it works (%d)",
	      seg[0].status, seg[1].status);
	r = gnt_raw_unmap(gfd[0], idx[0][0]);
	CHECK(r == 0 && gnt_raw_map(probe, &refs[1], 1, 0, &m) == 0,
	      "gnt pins: after an unmap of 1024 of them, a writable map works again");
	for (i = 0; i < GNT_PIN_FDS; i++)
		if (gfd[i] >= 0)
			close(gfd[i]);
}

/* Map, mmap and release single grants: the backends' pattern, timed. */
static void gnt_bench(int gfd, int dfd)
{
	uint32_t ref = 2;
	struct pvhv_gnt_map m;
	double t0, t_ioctl, t_map, t_ram;
	volatile uint64_t *p;
	unsigned int i, ok = 0;
	void *a;

	t0 = now_us();
	for (i = 0; i < GNT_ROUNDS; i++)
		ok += gnt_raw_map(gfd, &ref, 1, 0, &m) == 0 && gnt_raw_unmap(gfd, m.index) == 0;
	t_ioctl = (now_us() - t0) / GNT_ROUNDS;
	CHECK(ok == GNT_ROUNDS, "gnt: %u map+unmap ioctls of one grant", ok);
	t0 = now_us();
	for (ok = 0, i = 0; i < GNT_ROUNDS; i++) {
		if (pvhv_gnt_map(gfd, &ref, 1, 0, &a, NULL, NULL))
			break;
		p = a;
		ok += p[7] == GNT_PATTERN(2, 7);
		pvhv_gnt_unmap(gfd, a, 1);
	}
	t_map = (now_us() - t0) / GNT_ROUNDS;
	CHECK(ok == GNT_ROUNDS, "gnt: %u map + mmap + read + munmap of one grant", ok);
	/* The peer: the same page of guest RAM through the domain fd. */
	t0 = now_us();
	for (ok = 0, i = 0; i < GNT_ROUNDS; i++) {
		if (pvhv_domain_map(dfd, 0x701ULL << 12, 4096, PROT_READ | PROT_WRITE, &a))
			break;
		p = a;
		ok += p[7] == GNT_PATTERN(2, 7);
		pvhv_domain_unmap(a, 4096);
	}
	t_ram = (now_us() - t0) / GNT_ROUNDS;
	CHECK(ok == GNT_ROUNDS, "gnt: %u mmap + read + munmap of the same page as guest RAM", ok);
	printf("BENCH host grant map+unmap: %.1f us/op (ioctls only: %.1f us, %.0f/s); "
	       "guest-RAM mmap+munmap of the same page: %.1f us/op; ratio = %.2f\n",
	       t_map, t_ioctl, 1e6 / t_ioctl, t_ram, t_map / t_ram);
}

/* The guest's console log, as lines for tests/vm/lib.sh to count. */
static void print_console(int dfd)
{
	static char log[65536];
	uint64_t off = 0, lost;
	size_t got;

	if (pvhv_domain_console_read(dfd, &off, log, sizeof(log) - 1, &got, &lost) == 0) {
		log[got] = 0;
		fputs(log, stdout);
		if (got && log[got - 1] != '\n')
			putchar('\n');
	}
}

static int cmd_gnt_host(uint32_t domid, uint32_t gport)
{
	uint32_t refs[16], port, failed = 99, got[8];
	int fd = open_dev(), dfd, efd, gfd, n;
	struct pvhv_gnt_copy_seg seg[8];
	struct pvhv_domain_info info;
	uint8_t buf[4096], in[200];
	struct pvhv_gnt_map ro, m5;
	volatile uint64_t *p;
	int32_t status = 99;
	uint64_t cap = 0;
	unsigned int i, bad;
	void *a, *a6, *ro_map;
	long r;

	dfd = pvhv_domain_open(fd, domid);
	efd = dfd >= 0 ? pvhv_evtchn_open(dfd) : -1;
	gfd = dfd >= 0 ? pvhv_gnt_open(dfd) : -1;
	CHECK(dfd >= 0 && efd >= 0 && gfd >= 0, "gnt: domain %u, its evtchn fd and grant fd (%d)", domid, gfd);
	if (gfd < 0)
		return 1;
	CHECK(ioctl(dfd, PVHV_DOMAIN_GNT_OPEN, 1UL) < 0 && errno == EINVAL,
	      "gnt: GNT_OPEN with an argument: EINVAL");
	r = pvhv_check_extension(fd, PVHV_CAP_HOST_GNT, &cap);
	CHECK(r == 0 && cap == 4096,
	      "gnt: CHECK_EXTENSION(HOST_GNT) = %llu pages per fd", (unsigned long long)cap);
	r = pvhv_evtchn_bind(efd, gport, &port);
	CHECK(r == 0, "gnt: bound the guest's port %u", gport);
	if (r)
		return 1;
	pvhv_evtchn_wait(efd, got, 8, 1000);	/* a new binding starts pending */
	gnt_badinput(gfd);

	/* Ref 1: mapped writable, read and written. */
	refs[0] = 1;
	r = pvhv_gnt_map(gfd, refs, 1, 0, &a, NULL, NULL);
	CHECK(r == 0, "gnt: map ref 1 writable (%ld)", r);
	if (r)
		return 1;
	p = a;
	CHECK(gnt_page_ok(p, 1), "gnt: ref 1 shows the guest's page");
	p[1] = GNT_HOST_MAGIC;
	CHECK(pvhv_gnt_unmap(gfd, a, 1) == 0, "gnt: munmap of ref 1");

	/* What the guest did not give us. */
	refs[0] = 17;
	CHECK(pvhv_gnt_map(gfd, refs, 1, 0, &a, &failed, &status) == -EPERM && failed == 0 &&
	      status == GNTST_general_error,
	      "gnt: writable map of read-only ref 17: EPERM, status %d (%s)", status,
	      pvhv_gntst_message(status));
	refs[0] = 18;
	CHECK(pvhv_gnt_map(gfd, refs, 1, 0, &a, NULL, &status) == -EPERM,
	      "gnt: ref 18, granted to domain 5: EPERM (%s)", pvhv_gntst_message(status));
	refs[0] = 19;
	CHECK(pvhv_gnt_map(gfd, refs, 1, PVHV_GNT_MAP_READONLY, &a, NULL, &status) == -EPERM,
	      "gnt: ref 19, not permitted: EPERM (%s)", pvhv_gntst_message(status));
	refs[0] = 20;
	CHECK(pvhv_gnt_map(gfd, refs, 1, 0, &a, NULL, &status) == -EFAULT && status == GNTST_bad_page,
	      "gnt: ref 20, a frame beyond guest RAM: EFAULT (%s)", pvhv_gntst_message(status));
	refs[0] = 99999;
	CHECK(pvhv_gnt_map(gfd, refs, 1, 0, &a, NULL, &status) == -EINVAL && status == GNTST_bad_gntref,
	      "gnt: ref 99999, beyond the table: EINVAL (%s)", pvhv_gntst_message(status));
	refs[0] = 2, refs[1] = 3, refs[2] = 19;
	CHECK(pvhv_gnt_map(gfd, refs, 3, 0, &a, &failed, &status) == -EPERM && failed == 2,
	      "gnt: refs 2, 3, 19 in one map: EPERM at position %u (2 and 3 released again)", failed);

	/* Ref 17 read-only, by hand: mmap() must not give write access. */
	refs[0] = 17;
	r = gnt_raw_map(gfd, refs, 1, PVHV_GNT_MAP_READONLY, &ro);
	CHECK(r == 0 && ro.index % 4096 == 0, "gnt: read-only map of ref 17 (index %#llx)",
	      (unsigned long long)ro.index);
	CHECK(mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, gfd, (off_t)ro.index) == MAP_FAILED &&
	      errno == EPERM, "gnt: mmap of it with PROT_WRITE: EPERM");
	CHECK(mmap(NULL, 4096, PROT_READ, MAP_PRIVATE, gfd, (off_t)ro.index) == MAP_FAILED &&
	      errno == EINVAL, "gnt: MAP_PRIVATE: EINVAL");
	CHECK(mmap(NULL, 8192, PROT_READ, MAP_SHARED, gfd, (off_t)ro.index) == MAP_FAILED &&
	      errno == EINVAL, "gnt: mmap longer than the map: EINVAL");
	CHECK(mmap(NULL, 4096, PROT_READ, MAP_SHARED, gfd, (off_t)ro.index + (1 << 20)) == MAP_FAILED &&
	      errno == EINVAL, "gnt: mmap at an offset nothing is mapped at: EINVAL");
	ro_map = mmap(NULL, 4096, PROT_READ, MAP_SHARED, gfd, (off_t)ro.index);
	CHECK(ro_map != MAP_FAILED && gnt_page_ok(ro_map, 17), "gnt: read-only mmap shows ref 17");
	CHECK(mprotect(ro_map, 4096, PROT_READ | PROT_WRITE) == -1 && errno == EACCES,
	      "gnt: mprotect(PROT_WRITE) of the read-only map: EACCES");

	/* Refs 2..16 in one map. */
	for (i = 0; i < 15; i++)
		refs[i] = 2 + i;
	r = pvhv_gnt_map(gfd, refs, 15, 0, &a, NULL, NULL);
	for (bad = 0, i = 0; r == 0 && i < 15; i++)
		bad += !gnt_page_ok((uint64_t *)((char *)a + i * 4096), 2 + i);
	CHECK(r == 0 && bad == 0, "gnt: refs 2..16 mapped at once, each the guest's page (%u bad)", bad);
	if (r == 0)
		pvhv_gnt_unmap(gfd, a, 15);

	gnt_bench(gfd, dfd);
	gnt_fd_limit(fd, dfd);
	gnt_pin_limit(dfd);

	/* Ref 5 stays mapped writable for phase 1. */
	refs[0] = 5;
	r = gnt_raw_map(gfd, refs, 1, 0, &m5);
	a = r ? MAP_FAILED : mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, gfd, (off_t)m5.index);
	CHECK(a != MAP_FAILED, "gnt: ref 5 mapped and kept");

	/* Copies: per-segment status. */
	memset(seg, 0, sizeof(seg));
	for (i = 0; i < sizeof(buf); i++)
		buf[i] = (uint8_t)(i * 13 + 5);
	seg[0] = (struct pvhv_gnt_copy_seg){ .buf_ptr = (uintptr_t)in, .ref = 3, .offset = 104, .len = 200 };
	seg[1] = (struct pvhv_gnt_copy_seg){ .buf_ptr = (uintptr_t)buf, .ref = 4, .len = 4096,
					     .flags = PVHV_GNT_COPY_TO_GUEST };
	seg[2] = (struct pvhv_gnt_copy_seg){ .buf_ptr = (uintptr_t)buf, .ref = 17, .len = 8,
					     .flags = PVHV_GNT_COPY_TO_GUEST };
	seg[3] = (struct pvhv_gnt_copy_seg){ .buf_ptr = (uintptr_t)in, .ref = 99999, .len = 8 };
	seg[4] = (struct pvhv_gnt_copy_seg){ .buf_ptr = (uintptr_t)in, .ref = 3, .offset = 4000, .len = 200 };
	seg[5] = (struct pvhv_gnt_copy_seg){ .buf_ptr = (uintptr_t)in, .ref = 3, .len = 0 };
	seg[6] = (struct pvhv_gnt_copy_seg){ .buf_ptr = 8, .ref = 3, .len = 8 };
	seg[7] = (struct pvhv_gnt_copy_seg){ .buf_ptr = (uintptr_t)buf, .ref = 18, .len = 8,
					     .flags = PVHV_GNT_COPY_TO_GUEST };
	for (i = 0; i < 8; i++)
		seg[i].status = 99;
	r = pvhv_gnt_copy(gfd, seg, 8);
	CHECK(r == 0, "gnt: a batch of 8 copies (%ld)", r);
	for (bad = 0, i = 0; i < 25; i++)
		bad += ((uint64_t *)in)[i] != GNT_PATTERN(3, 13 + i);
	CHECK(seg[0].status == GNTST_okay && bad == 0, "gnt: copy from ref 3 (offset 104, 200 bytes): okay, data right");
	CHECK(seg[1].status == GNTST_okay, "gnt: copy of a whole page into ref 4: okay");
	CHECK(seg[2].status == GNTST_general_error, "gnt: copy into read-only ref 17: %d (%s)",
	      seg[2].status, pvhv_gntst_message(seg[2].status));
	CHECK(seg[3].status == GNTST_bad_gntref, "gnt: copy from ref 99999: %d (%s)", seg[3].status,
	      pvhv_gntst_message(seg[3].status));
	CHECK(seg[4].status == GNTST_bad_copy_arg, "gnt: copy across the page end: %d (%s)",
	      seg[4].status, pvhv_gntst_message(seg[4].status));
	CHECK(seg[5].status == GNTST_bad_copy_arg, "gnt: copy of 0 bytes: %d", seg[5].status);
	CHECK(seg[6].status == GNTST_bad_virt_addr, "gnt: copy to an unwritable buffer: %d (%s)",
	      seg[6].status, pvhv_gntst_message(seg[6].status));
	CHECK(seg[7].status == GNTST_general_error, "gnt: copy into ref 18 (not granted to us): %d",
	      seg[7].status);

	/* (1) the guest checks what we did and what we hold. */
	CHECK(pvhv_evtchn_notify(efd, port) == 0, "gnt: phase 1 told to the guest");
	n = pvhv_evtchn_wait(efd, got, 8, 60000);
	CHECK(n >= 1, "gnt: the guest answered");

	/* Release everything but a new mapping of ref 6. */
	refs[0] = 6;
	CHECK(pvhv_gnt_map(gfd, refs, 1, 0, &a6, NULL, NULL) == 0, "gnt: ref 6 mapped (kept past the guest's death)");
	CHECK(gnt_raw_unmap(gfd, ro.index) == 0, "gnt: unmap ioctl of ref 17 while still mmap()ed");
	CHECK(gnt_raw_unmap(gfd, ro.index) == -EINVAL, "gnt: a second unmap of it: EINVAL");
	CHECK(gnt_page_ok(ro_map, 17), "gnt: the mmap() still shows ref 17 until munmap");
	munmap(ro_map, 4096);
	munmap(a, 4096);
	CHECK(gnt_raw_unmap(gfd, m5.index) == 0, "gnt: ref 5 unmapped after its munmap");
	CHECK(pvhv_evtchn_notify(efd, port) == 0, "gnt: phase 2 told to the guest");

	/* The guest powers off; destroy it while we map its ref 6. */
	for (i = 0; i < 600; i++) {
		if (pvhv_domain_get_info(dfd, &info) == 0 && info.state == PVHV_STATE_SHUTDOWN)
			break;
		usleep(100000);
	}
	CHECK(info.state == PVHV_STATE_SHUTDOWN, "gnt: the guest powered off");
	print_console(dfd);	/* its own checks, before it is gone */
	CHECK(pvhv_domain_destroy(dfd) == 0, "gnt: destroy it while its ref 6 is mapped");
	p = a6;
	CHECK(gnt_page_ok(p, 6), "gnt: the mapping of ref 6 still reads the page");
	p[0] = 1;
	CHECK(p[0] == 1, "gnt: and writes it");
	refs[0] = 7;
	CHECK(pvhv_gnt_map(gfd, refs, 1, 0, &a, NULL, &status) == -ESRCH,
	      "gnt: a new map from the destroyed domain: ESRCH");
	seg[0].status = 99;
	CHECK(pvhv_gnt_copy(gfd, seg, 1) == -ESRCH, "gnt: a copy from the destroyed domain: ESRCH");
	CHECK(pvhv_gnt_unmap(gfd, a6, 1) == 0, "gnt: munmap of ref 6 after the domain's death");
	close(gfd);
	close(efd);
	close(dfd);
	close(fd);
	return failures ? 1 : 0;
}

/* Bind the host end of a guest's unbound port and send one event. */
static int cmd_notify(uint32_t domid, uint32_t gport)
{
	int fd = open_dev(), dfd, efd, ret = -1;
	uint32_t port;

	dfd = pvhv_domain_open(fd, domid);
	efd = dfd >= 0 ? pvhv_evtchn_open(dfd) : -1;
	if (efd >= 0 && !pvhv_evtchn_bind(efd, gport, &port))
		ret = pvhv_evtchn_notify(efd, port);
	if (ret)
		fprintf(stderr, "notify: domain %u port %u: %s\n", domid, gport,
			strerror(ret < 0 ? -ret : EBADF));
	if (efd >= 0)
		close(efd);
	if (dfd >= 0)
		close(dfd);
	close(fd);
	return ret ? 1 : 0;
}

static int cmd_shutdown(uint32_t domid, uint32_t reason)
{
	int fd = open_dev(), dfd = pvhv_domain_open(fd, domid), r;

	r = pvhv_domain_shutdown(dfd, reason);
	if (r)
		fprintf(stderr, "shutdown: %s\n", strerror(-r));
	return r ? 1 : 0;
}

static int cmd_stats(void)
{
	struct pvhv_stats st;
	int fd = open_dev(), r;

	r = pvhv_get_stats(fd, &st);
	close(fd);
	if (r) {
		fprintf(stderr, "GET_STATS: %s\n", strerror(-r));
		return 1;
	}
	printf("domains=%llu guest_pages=%llu objects=%llu\n", (unsigned long long)st.domains,
	       (unsigned long long)st.guest_pages, (unsigned long long)st.objects);
	return 0;
}

static int cmd_run_as(int argc, char **argv)
{
	gid_t groups[16];
	int ngroups = 0;
	char *s, *tok;
	uid_t uid;
	gid_t gid;

	if (argc < 4)
		return 2;
	uid = (uid_t)strtoul(argv[1], NULL, 10);
	s = argv[2];
	for (tok = strtok(s, ","); tok && ngroups < 16; tok = strtok(NULL, ","))
		groups[ngroups++] = (gid_t)strtoul(tok, NULL, 10);
	gid = groups[0];
	if (setgroups((size_t)ngroups, groups) || setgid(gid) || setuid(uid)) {
		perror("run-as");
		return 2;
	}
	execvp(argv[3], argv + 3);
	perror(argv[3]);
	return 127;
}

static uint32_t state_of(int dfd)
{
	struct pvhv_domain_info info;

	return pvhv_domain_get_info(dfd, &info) ? ~0u : info.state;
}

/* PAUSE/UNPAUSE of a running domain: bad arguments and wrong states. */
static int cmd_pause(uint32_t domid)
{
	int fd = open_dev(), dfd = pvhv_domain_open(fd, domid);
	uint64_t v = 0;

	CHECK(dfd >= 0, "open domain %u (%d)", domid, dfd);
	if (dfd < 0)
		return 1;
	CHECK(pvhv_check_extension(fd, PVHV_CAP_PAUSE, &v) == 0 && v == 1, "CAP_PAUSE = 1");
	CHECK(state_of(dfd) == PVHV_STATE_RUNNING, "the domain runs");
	CHECK(pvhv_domain_unpause(dfd) == -EINVAL, "UNPAUSE of a running domain: EINVAL");
	CHECK(ioctl(dfd, PVHV_DOMAIN_PAUSE, 2UL) < 0 && errno == EINVAL,
	      "PAUSE with an argument: EINVAL");
	CHECK(state_of(dfd) == PVHV_STATE_RUNNING, "  ... and it still runs");
	CHECK(pvhv_domain_pause(dfd) == 0, "PAUSE");
	CHECK(state_of(dfd) == PVHV_STATE_PAUSED, "  ... state PAUSED");
	CHECK(pvhv_domain_pause(dfd) == -EINVAL, "PAUSE of a paused domain: EINVAL");
	CHECK(ioctl(dfd, PVHV_DOMAIN_UNPAUSE, 1UL) < 0 && errno == EINVAL,
	      "UNPAUSE with an argument: EINVAL");
	CHECK(state_of(dfd) == PVHV_STATE_PAUSED, "  ... and it stays paused");
	CHECK(pvhv_domain_unpause(dfd) == 0, "UNPAUSE");
	CHECK(state_of(dfd) == PVHV_STATE_RUNNING, "  ... state RUNNING");
	close(dfd);
	close(fd);
	return failures ? 1 : 0;
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc >= 2 && !strcmp(argv[1], "badinput"))
		return cmd_badinput();
	if (argc >= 3 && !strcmp(argv[1], "mmap"))
		return cmd_mmap((uint32_t)strtoul(argv[2], NULL, 10));
	if (argc >= 2 && !strcmp(argv[1], "lifetime"))
		return cmd_lifetime();
	if (argc >= 5 && !strcmp(argv[1], "evtchn-host"))
		return cmd_evtchn_host((uint32_t)strtoul(argv[2], NULL, 10),
				       (uint32_t)strtoul(argv[3], NULL, 10),
				       (unsigned int)strtoul(argv[4], NULL, 10));
	if (argc >= 4 && !strcmp(argv[1], "gnt-host"))
		return cmd_gnt_host((uint32_t)strtoul(argv[2], NULL, 10),
				    (uint32_t)strtoul(argv[3], NULL, 10));
	if (argc >= 4 && !strcmp(argv[1], "notify"))
		return cmd_notify((uint32_t)strtoul(argv[2], NULL, 10),
				  (uint32_t)strtoul(argv[3], NULL, 10));
	if (argc >= 4 && !strcmp(argv[1], "shutdown"))
		return cmd_shutdown((uint32_t)strtoul(argv[2], NULL, 10), (uint32_t)strtoul(argv[3], NULL, 10));
	if (argc >= 3 && !strcmp(argv[1], "pause"))
		return cmd_pause((uint32_t)strtoul(argv[2], NULL, 10));
	if (argc >= 2 && !strcmp(argv[1], "stats"))
		return cmd_stats();
	if (argc >= 2 && !strcmp(argv[1], "run-as"))
		return cmd_run_as(argc - 1, argv + 1);
	fprintf(stderr, "usage: pvhv-test badinput|mmap DOMID|lifetime|stats|run-as UID GIDS CMD...\n");
	return 2;
}
