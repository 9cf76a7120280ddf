// SPDX-License-Identifier: GPL-2.0-only
/*
 * Two guests share pages through grant tables. The mapper is created first,
 * the granter right after it (domid + 1, checked by the test):
 *   cmdline "role=granter": grants ref 1 (writable) and ref 2 (read-only) of
 *     two of its pages to the mapper, leaves ref 3 unpermitted, waits for the
 *     mapper's answer in the shared page, sees GTF_reading/GTF_writing while
 *     mapped (so it cannot revoke), revokes once the mapper unmapped, then
 *     grants ref 1 again for the last part and powers off.
 *   cmdline "role=mapper": maps them (data both ways; a write through the
 *     read-only map faults with #GP and changes nothing), the error cases
 *     (writable map of a read-only grant, unpermitted, bad refs, domains,
 *     handles, addresses, grants to itself), then keeps a mapping while the
 *     granter is destroyed by the test and uses and unmaps it afterwards.
 */
#include "rt.h"
#include <xen/grant_table.h>
#include <xen/memory.h>
#include <xen/sched.h>

#define ESRCH 3
#define FRAME_GFN	0x600UL		/* the granter's grant-table frame 0 */
#define PAGE1		0x700UL		/* granted pages */
#define PAGE2		0x701UL
#define MAP1		0x800UL		/* where the mapper puts them */
#define MAP2		0x801UL
#define COPYBUF		0x900UL		/* the mapper's own pages for copies */
#define SHINFO_GFN	0x500UL		/* the granter's shared_info (its clock) */
#define MAGIC_G		0x4752414e54455221ULL	/* "GRANTER!" */
#define MAGIC_M		0x4d41505045522121ULL	/* "MAPPER!!" */

#define TRY(insn, ...) ({						\
	rt_fault.vector = -1;						\
	asm volatile("1: " insn "\n2:\n" RT_FIXUP("1b", "2b") __VA_ARGS__);	\
	asm volatile("" ::: "memory");					\
	rt_fault.vector;						\
})

static struct gnttab_copy bc[64];

static volatile uint64_t *va(uint64_t gfn)
{
	return (volatile uint64_t *)(gfn << 12);
}

static long memory_op(unsigned int cmd, void *arg)
{
	return rt_hypercall(__HYPERVISOR_memory_op, cmd, (unsigned long)arg, 0);
}

static long gnttab_op(unsigned int cmd, void *arg, unsigned int count)
{
	return rt_hypercall(__HYPERVISOR_grant_table_op, cmd, (unsigned long)arg, count);
}

static uint16_t my_domid(void)
{
	uint32_t r[4];

	rt_cpuid(0x40000004, 0, r);
	return (uint16_t)r[2];
}

static int domain_exists(domid_t dom)
{
	return memory_op(XENMEM_current_reservation, &dom) != -ESRCH;
}

/*
 * Between two looks at what the other domain did: the mapper yields; the
 * granter, idle while the mapper works (and benchmarks), sleeps 1 ms so as
 * not to share the mapper's CPU with a busy loop.
 */
static volatile struct shared_info *nap_sh;

static void rest(void)
{
	uint32_t odd;
	struct sched_poll sp = { .nr_ports = 0 };

	if (!nap_sh) {
		sched_op(SCHEDOP_yield, 0);
		return;
	}
	sp.timeout = rt_pvclock_ns(&nap_sh->vcpu_info[0].time, &odd) + 1000000;
	sched_op(SCHEDOP_poll, &sp);
}

/* Spin (yielding) until @cond holds, evaluated once per try, or give up. */
#define SPIN_UNTIL(cond) ({						\
	unsigned long _n;						\
	int _ok = 0;							\
	for (_n = 0; _n < 20000000UL; _n++) {				\
		if (cond) {						\
			_ok = 1;					\
			break;						\
		}							\
		rest();							\
	}								\
	_ok;								\
})

static int16_t map(domid_t dom, grant_ref_t ref, uint64_t gfn, uint32_t flags, grant_handle_t *h)
{
	struct gnttab_map_grant_ref op = {
		.host_addr = gfn << 12, .flags = flags, .ref = ref, .dom = dom, .status = 99,
	};
	long ret = gnttab_op(GNTTABOP_map_grant_ref, &op, 1);

	if (ret)
		return -100 + ret;
	if (h)
		*h = op.handle;
	return op.status;
}

static int16_t unmap(grant_handle_t h, uint64_t gfn)
{
	struct gnttab_unmap_grant_ref op = { .host_addr = gfn << 12, .handle = h, .status = 99 };
	long ret = gnttab_op(GNTTABOP_unmap_grant_ref, &op, 1);

	return ret ? -100 + ret : op.status;
}

/*
 * Benchmark: 64 pages per round, 4 KiB grant copies (ref 1 into our pages)
 * in batches of @batch per call vs memcpy of the same bytes. Best of 40
 * rounds each, interleaved: the minimum filters out the host's preemptions
 * (the test VM's CPUs are shared).
 */
static void bench_copy(domid_t g, unsigned int batch)
{
	uint64_t t0, t, tc = ~0ULL, tm = ~0ULL;
	unsigned int i, j, r;
	int ok;

	for (i = 0; i < 64; i++) {
		bc[i].flags = GNTCOPY_source_gref;
		bc[i].source.u.ref = 1, bc[i].source.domid = g;
		bc[i].dest.u.gmfn = COPYBUF + 1 + i, bc[i].dest.domid = DOMID_SELF;
		bc[i].len = 4096;
	}
	for (r = 0; r < 40; r++) {
		t0 = rdtsc();
		for (j = 0; j < 64; j += batch)
			gnttab_op(GNTTABOP_copy, &bc[j], batch);
		t = rdtsc() - t0;
		tc = t < tc ? t : tc;
		t0 = rdtsc();
		for (i = 0; i < 64; i++)
			memcpy((void *)((COPYBUF + 1 + i) << 12), (const void *)(MAP1 << 12), 4096);
		t = rdtsc() - t0;
		tm = t < tm ? t : tm;
	}
	for (ok = 1, i = 0; i < 64; i++)
		ok &= bc[i].status == GNTST_okay && va(COPYBUF + 1 + i)[0] == MAGIC_G;
	CHECK(ok, "mapper: 40 rounds of 64 4-KiB grant copies, %u per call", batch);
	rt_printf("bench: GNTTABOP_copy 4 KiB x %u per call (best of 40): %lu cycles per KiB; guest memcpy: "
		  "%lu cycles per KiB; copy/memcpy throughput = %lu.%02lu\n", batch,
		  (unsigned long)(tc / 256), (unsigned long)(tm / 256),
		  (unsigned long)(tm * 100 / tc / 100), (unsigned long)(tm * 100 / tc % 100));
}

static void granter(void)
{
	struct xen_add_to_physmap a = { .domid = DOMID_SELF, .space = XENMAPSPACE_grant_table,
					.idx = 0, .gpfn = FRAME_GFN };
	volatile struct grant_entry_v1 *gnt = (volatile void *)(FRAME_GFN << 12);
	domid_t mapper = my_domid() - 1;
	uint16_t f;

	struct xen_add_to_physmap si = { .domid = DOMID_SELF, .space = XENMAPSPACE_shared_info,
					 .gpfn = SHINFO_GFN };

	CHECK(memory_op(XENMEM_add_to_physmap, &a) == 0, "granter: grant frame 0 at %#lx", FRAME_GFN);
	if (memory_op(XENMEM_add_to_physmap, &si) == 0)
		nap_sh = (volatile void *)(SHINFO_GFN << 12);
	va(PAGE1)[0] = MAGIC_G;
	va(PAGE2)[0] = MAGIC_G + 2;
	gnt[1].domid = mapper;
	gnt[1].frame = PAGE1;
	gnt[2].domid = mapper;
	gnt[2].frame = PAGE2;
	gnt[3].domid = mapper;
	gnt[3].frame = PAGE1;	/* flags 0: not permitted */
	gnt[4].domid = mapper;
	gnt[4].frame = PAGE2;	/* permitted once ref 1 is revoked: the mapper's go-ahead */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	gnt[2].flags = GTF_permit_access | GTF_readonly;
	gnt[1].flags = GTF_permit_access;
	rt_printf("granter: ready, refs 1 and 2 for domain %u\n", mapper);

	CHECK(SPIN_UNTIL(va(PAGE1)[1] == MAGIC_M), "granter: the mapper wrote into our page");
	f = gnt[1].flags;
	CHECK((f & GTF_reading) && (f & GTF_writing), "granter: ref 1 is in use (flags %#x)", f);
	/* Linux's gnttab_end_foreign_access_ref: only when nobody reads or writes. */
	CHECK(__sync_val_compare_and_swap(&gnt[1].flags, GTF_permit_access, 0) != GTF_permit_access,
	      "granter: revoking ref 1 while it is mapped fails");
	va(PAGE1)[2] = 1;	/* "unmap it now" */
	CHECK(SPIN_UNTIL(!(gnt[1].flags & (GTF_reading | GTF_writing))),
	      "granter: the flags clear once the mapper unmapped");
	CHECK(__sync_val_compare_and_swap(&gnt[1].flags, GTF_permit_access, 0) == GTF_permit_access,
	      "granter: ... then revoking succeeds");
	/*
	 * The mapper maps ref 1 again only after this: had it done so as soon
	 * as it unmapped, while ref 1 was still permitted, the window in which
	 * we could see the flags clear would be as short as its next hypercall.
	 */
	gnt[4].flags = GTF_permit_access | GTF_readonly;
	CHECK(SPIN_UNTIL(!(gnt[2].flags & (GTF_reading | GTF_writing))),
	      "granter: ref 2 (read-only) no longer in use either");

	/* For the last part: ref 1 again, mapped while we die. */
	va(PAGE1)[3] = MAGIC_G + 3;
	gnt[1].flags = GTF_permit_access;
	va(PAGE1)[2] = 2;
	CHECK(SPIN_UNTIL(va(PAGE1)[2] == 3), "granter: the mapper holds ref 1 again");
	rt_printf("granter: done\n");
}

static void mapper(void)
{
	domid_t g = my_domid() + 1, self = my_domid();
	grant_handle_t h1 = 0, h2 = 0, h = 0;
	int16_t st;
	uint64_t v;
	int vec;

	st = -1;
	SPIN_UNTIL((st = map(g, 1, MAP1, GNTMAP_host_map, &h1)) == GNTST_okay);
	CHECK(st == GNTST_okay, "mapper: ref 1 of domain %u mapped writable at %#lx (handle %u)", g,
	      MAP1, h1);
	CHECK(va(MAP1)[0] == MAGIC_G, "mapper: it holds the granter's data");
	va(MAP1)[1] = MAGIC_M;
	st = map(g, 2, MAP2, GNTMAP_host_map | GNTMAP_readonly, &h2);
	CHECK(st == GNTST_okay && va(MAP2)[0] == MAGIC_G + 2, "mapper: ref 2 mapped read-only (%d)", st);
	vec = TRY("movq %1, (%0)", : : "r" (va(MAP2)), "r" (7UL) : "memory");
	CHECK(vec == 13 && va(MAP2)[0] == MAGIC_G + 2,
	      "mapper: a write through the read-only map: #GP, page unchanged (vector %d)", vec);
	{
		struct xen_memory_map mm = { .nr_entries = 2 };

		set_xen_guest_handle(mm.buffer, (void *)(MAP2 << 12));
		CHECK(memory_op(XENMEM_memory_map, &mm) == -14 && va(MAP2)[0] == MAGIC_G + 2,
		      "mapper: a hypercall writing into the read-only map: -EFAULT");
	}

	/* A batch of copies with a status per op. */
	{
		struct gnttab_copy c[7];
		unsigned int i;
		long ret;

		memset(c, 0, sizeof(c));
		va(COPYBUF)[0] = 0;
		va(COPYBUF)[1] = MAGIC_M + 5;
		c[0].flags = GNTCOPY_source_gref;		/* granted -> ours */
		c[0].source.u.ref = 1, c[0].source.domid = g;
		c[0].dest.u.gmfn = COPYBUF, c[0].dest.domid = DOMID_SELF;
		c[0].len = 8;
		c[1].flags = GNTCOPY_dest_gref;			/* ours -> granted */
		c[1].source.u.gmfn = COPYBUF, c[1].source.domid = DOMID_SELF, c[1].source.offset = 8;
		c[1].dest.u.ref = 1, c[1].dest.domid = g, c[1].dest.offset = 40;
		c[1].len = 8;
		c[2] = c[1];
		c[2].dest.u.ref = 2;				/* a read-only grant */
		c[3] = c[0];
		c[3].source.offset = 4000, c[3].len = 200;	/* across the page end */
		c[4] = c[0];
		c[4].source.u.ref = 99999;
		c[5] = c[1];
		c[5].flags = 0, c[5].dest.u.gmfn = PAGE1, c[5].dest.domid = g;	/* a foreign frame */
		c[6] = c[0];
		c[6].flags = 0, c[6].source.u.gmfn = 0x7ffffff, c[6].source.domid = DOMID_SELF;
		for (i = 0; i < 7; i++)
			c[i].status = 99;
		ret = gnttab_op(GNTTABOP_copy, c, 7);
		CHECK(ret == 0, "mapper: a batch of 7 copies (%ld)", ret);
		CHECK(c[0].status == GNTST_okay && va(COPYBUF)[0] == MAGIC_G, "mapper: copy from a grant");
		CHECK(c[1].status == GNTST_okay && va(MAP1)[5] == MAGIC_M + 5, "mapper: copy into a grant");
		CHECK(c[2].status == GNTST_general_error, "mapper: copy into a read-only grant: GNTST_general_error (%d)",
		      c[2].status);
		CHECK(c[3].status == GNTST_bad_copy_arg, "mapper: across the page end: GNTST_bad_copy_arg");
		CHECK(c[4].status == GNTST_bad_gntref, "mapper: ref 99999: GNTST_bad_gntref");
		CHECK(c[5].status == GNTST_permission_denied,
		      "mapper: into another domain's frame: GNTST_permission_denied (%d)", c[5].status);
		CHECK(c[6].status == GNTST_bad_page, "mapper: from beyond our RAM: GNTST_bad_page");

		bench_copy(g, 16);
		bench_copy(g, 64);
	}

	/* Errors. */
	CHECK(map(g, 2, MAP2 + 1, GNTMAP_host_map, 0) == GNTST_general_error,
	      "mapper: a writable map of a read-only grant: GNTST_general_error");
	CHECK(map(g, 3, MAP2 + 1, GNTMAP_host_map, 0) == GNTST_general_error,
	      "mapper: an unpermitted ref: GNTST_general_error");
	CHECK(map(g, 99999, MAP2 + 1, GNTMAP_host_map, 0) == GNTST_bad_gntref,
	      "mapper: ref 99999: GNTST_bad_gntref");
	CHECK(map(777, 1, MAP2 + 1, GNTMAP_host_map, 0) == GNTST_bad_domain,
	      "mapper: domain 777: GNTST_bad_domain");
	CHECK(map(self, 1, MAP2 + 1, GNTMAP_host_map, 0) == GNTST_bad_gntref,
	      "mapper: a grant of its own (no table): GNTST_bad_gntref");
	CHECK(map(g, 1, 1ULL << 40, GNTMAP_host_map, 0) == GNTST_bad_virt_addr,
	      "mapper: at gfn 2^40: GNTST_bad_virt_addr");
	CHECK(map(g, 1, MAP1, GNTMAP_host_map, 0) == GNTST_general_error,
	      "mapper: over its own mapping: GNTST_general_error");
	CHECK(map(g, 1, MAP2 + 1, 0, 0) == GNTST_general_error,
	      "mapper: without GNTMAP_host_map: GNTST_general_error");
	CHECK(unmap(4095, 0) == GNTST_bad_handle && unmap(100000, 0) == GNTST_bad_handle,
	      "mapper: unmap of unused and out-of-range handles: GNTST_bad_handle");
	CHECK(unmap(h1, MAP2) == GNTST_general_error, "mapper: unmap at the wrong address: GNTST_general_error");
	CHECK(gnttab_op(GNTTABOP_map_grant_ref, (void *)0x100000000ULL, 1) == -14,
	      "mapper: map from an unreadable op: -EFAULT");

	/* The granter cannot revoke while we map; then we unmap. */
	CHECK(SPIN_UNTIL(va(MAP1)[2] == 1), "mapper: the granter saw its grant in use");
	v = va(MAP1)[0];
	{
		struct gnttab_unmap_and_replace ur = { .host_addr = MAP2 << 12, .new_addr = COPYBUF << 12,
						       .handle = h2, .status = 99 };
		long rc = gnttab_op(GNTTABOP_unmap_and_replace, &ur, 1);

		CHECK(rc == 0 && ur.status == GNTST_general_error,
		      "mapper: unmap_and_replace with a new address: GNTST_general_error (%ld, %d)",
		      rc, ur.status);
		ur.new_addr = 0;
		ur.status = 99;
		rc = gnttab_op(GNTTABOP_unmap_and_replace, &ur, 1);
		CHECK(rc == 0 && ur.status == GNTST_okay, "mapper: unmap_and_replace without one unmaps ref 2");
	}
	CHECK(unmap(h1, MAP1) == GNTST_okay && unmap(h2, 0) == GNTST_bad_handle,
	      "mapper: ref 1 unmapped, ref 2's handle already gone");
	CHECK(unmap(h1, 0) == GNTST_bad_handle, "mapper: unmap twice: GNTST_bad_handle");
	CHECK(v == MAGIC_G && va(MAP1)[0] != MAGIC_G, "mapper: the gfn shows our own RAM again");

	/* Keep ref 1 mapped while the granter is destroyed: once it revoked ref 1 (ref 4 says so). */
	CHECK(SPIN_UNTIL(map(g, 4, MAP2, GNTMAP_host_map | GNTMAP_readonly, &h) == GNTST_okay) &&
	      unmap(h, MAP2) == GNTST_okay, "mapper: the granter revoked ref 1 (ref 4 is permitted now)");
	CHECK(SPIN_UNTIL(map(g, 1, MAP1, GNTMAP_host_map, &h) == GNTST_okay) && SPIN_UNTIL(va(MAP1)[2] == 2),
	      "mapper: ref 1 mapped again");
	va(MAP1)[2] = 3;
	rt_printf("mapper: holding ref 1 of domain %u\n", g);
	CHECK(SPIN_UNTIL(!domain_exists(g)), "mapper: the granter is gone");
	CHECK(va(MAP1)[3] == MAGIC_G + 3, "mapper: the page it granted is still ours to read");
	va(MAP1)[4] = MAGIC_M;
	CHECK(va(MAP1)[4] == MAGIC_M, "  ... and write");
	CHECK(unmap(h, MAP1) == GNTST_okay, "mapper: unmapped after the granter died");
	CHECK(map(g, 1, MAP1, GNTMAP_host_map, 0) == GNTST_bad_domain,
	      "mapper: mapping from the dead granter: GNTST_bad_domain");
}

void guest_main(const struct hvm_start_info *si)
{
	const char *c = si->cmdline_paddr ? (const char *)(uintptr_t)si->cmdline_paddr : "";

	if (!rt_strncmp(c, "role=granter", 12))
		granter();
	else
		mapper();
}
