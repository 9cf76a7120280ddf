// SPDX-License-Identifier: GPL-2.0-only
/*
 * Grant-table frames: query_size, add_to_physmap(XENMAPSPACE_grant_table)
 * over RAM (the table grows to the index; moving a frame brings the RAM back;
 * remove_from_physmap; shared_info placed over a frame displaces it),
 * setup_table reporting where frames are, set/get_version (v1 only),
 * cache_flush, XENMEM_add_to_physmap_batch, and bad arguments to each.
 */
#include "rt.h"
#include <xen/grant_table.h>
#include <xen/memory.h>

#define EFAULT 14
#define EINVAL 22
#define ESRCH 3
#define ENOSYS 38

#define GFN 0x600UL

static long memory_op(unsigned int cmd, void *arg)
{
	return rt_hypercall(__HYPERVISOR_memory_op, cmd, (unsigned long)arg, 0);
}

static long gnttab_op(unsigned int cmd, void *arg, unsigned int count)
{
	return rt_hypercall(__HYPERVISOR_grant_table_op, cmd, (unsigned long)arg, count);
}

static long map(unsigned int space, unsigned long idx, uint64_t gfn)
{
	struct xen_add_to_physmap a = { .domid = DOMID_SELF, .space = space, .idx = idx, .gpfn = gfn };

	return memory_op(XENMEM_add_to_physmap, &a);
}

static volatile uint64_t *page(uint64_t gfn)
{
	return (volatile uint64_t *)(gfn << 12);
}

static long setup(domid_t dom, uint32_t nr, xen_pfn_t *list, int16_t *status)
{
	struct gnttab_setup_table st = { .dom = dom, .nr_frames = nr };
	long ret;

	set_xen_guest_handle(st.frame_list, list);
	st.status = 99;
	ret = gnttab_op(GNTTABOP_setup_table, &st, 1);
	*status = st.status;
	return ret;
}

void guest_main(const struct hvm_start_info *si)
{
	struct gnttab_query_size q = { .dom = DOMID_SELF };
	struct gnttab_set_version sv;
	struct gnttab_get_version gv = { .dom = DOMID_SELF };
	struct gnttab_cache_flush cf = { .offset = 0, .length = 4096, .op = GNTTAB_CACHE_CLEAN };
	xen_pfn_t list[4];
	int16_t status;
	long ret;

	(void)si;
	ret = gnttab_op(GNTTABOP_query_size, &q, 1);
	CHECK(ret == 0 && q.status == GNTST_okay && q.max_nr_frames == 32 && q.nr_frames <= 1,
	      "query_size: %u frames of at most %u", q.nr_frames, q.max_nr_frames);

	/* Frame 0 over a RAM page; the RAM keeps its contents underneath. */
	page(GFN)[0] = 0x1234;
	CHECK(map(XENMAPSPACE_grant_table, 0, GFN) == 0, "add_to_physmap(grant_table, 0) at %#lx", GFN);
	CHECK(page(GFN)[0] == 0, "the frame reads zero (no grants), not the RAM page");
	page(GFN)[0] = 0xabcdULL;	/* a grant entry, as a guest writes them */
	CHECK(map(XENMAPSPACE_grant_table, 3, GFN + 3) == 0, "add_to_physmap(grant_table, 3)");
	q.nr_frames = 0;
	ret = gnttab_op(GNTTABOP_query_size, &q, 1);
	CHECK(ret == 0 && q.nr_frames == 4, "the table grew to 4 frames (%u)", q.nr_frames);
	ret = setup(DOMID_SELF, 4, list, &status);
	CHECK(ret == 0 && status == GNTST_okay && list[0] == GFN && list[3] == GFN + 3 &&
	      list[1] == (xen_pfn_t)~0ULL, "setup_table: frames 0 and 3 mapped where we put them, 1 nowhere");

	/* Moving frame 0: the RAM comes back, the frame keeps its entries. */
	CHECK(map(XENMAPSPACE_grant_table, 0, GFN + 0x10) == 0, "frame 0 moved");
	CHECK(page(GFN)[0] == 0x1234, "  ... the RAM page it covered is back");
	CHECK(page(GFN + 0x10)[0] == 0xabcdULL, "  ... and the frame kept its entry");
	CHECK(memory_op(XENMEM_remove_from_physmap,
			&(struct xen_remove_from_physmap){ .domid = DOMID_SELF, .gpfn = GFN + 0x10 }) == 0,
	      "remove_from_physmap of a grant frame");
	CHECK(setup(DOMID_SELF, 1, list, &status) == 0 && status == GNTST_okay &&
	      list[0] == (xen_pfn_t)~0ULL, "  ... setup_table: frame 0 is mapped nowhere");
	CHECK(map(XENMAPSPACE_grant_table, 0, GFN) == 0 && page(GFN)[0] == 0xabcdULL,
	      "  ... mapped again, with its entry");

	/* shared_info placed over frame 3 displaces it. */
	CHECK(map(XENMAPSPACE_shared_info, 0, GFN + 3) == 0, "shared_info over frame 3's gfn");
	CHECK(setup(DOMID_SELF, 4, list, &status) == 0 && list[3] == (xen_pfn_t)~0ULL,
	      "  ... setup_table: frame 3 is mapped nowhere now");

	/* Versions. */
	sv.version = 1;
	CHECK(gnttab_op(GNTTABOP_set_version, &sv, 1) == 0 && sv.version == 1, "set_version(1)");
	sv.version = 2;
	ret = gnttab_op(GNTTABOP_set_version, &sv, 1);
	CHECK(ret == -ENOSYS && sv.version == 1, "set_version(2): -ENOSYS (v2 disabled), still v1 (%ld)", ret);
	sv.version = 3;
	CHECK(gnttab_op(GNTTABOP_set_version, &sv, 1) == -EINVAL, "set_version(3): -EINVAL");
	CHECK(gnttab_op(GNTTABOP_get_version, &gv, 1) == 0 && gv.version == 1, "get_version: 1");
	gv.dom = 777;
	CHECK(gnttab_op(GNTTABOP_get_version, &gv, 1) == -ESRCH, "get_version of domain 777 (none): -ESRCH");

	/* Cache flush: nothing to do on x86, arguments still checked. */
	CHECK(gnttab_op(GNTTABOP_cache_flush, &cf, 1) == 0, "cache_flush");
	cf.offset = 4000;
	cf.length = 200;
	CHECK(gnttab_op(GNTTABOP_cache_flush, &cf, 1) == -EINVAL, "cache_flush across the page end: -EINVAL");

	/* Bad arguments. */
	CHECK(map(XENMAPSPACE_grant_table, 32, GFN + 5) == -EINVAL, "grant frame 32 (max 32): -EINVAL");
	CHECK(map(XENMAPSPACE_grant_table, XENMAPIDX_grant_table_status, GFN + 5) == -EINVAL,
	      "a v2 status frame: -EINVAL");
	CHECK(setup(777, 1, list, &status) == 0 && status == GNTST_bad_domain,
	      "setup_table for domain 777 (none): GNTST_bad_domain");
	CHECK(setup(DOMID_SELF, 33, list, &status) == 0 && status == GNTST_general_error,
	      "setup_table of 33 frames: GNTST_general_error");
	CHECK(setup(DOMID_SELF, 4, (void *)0x100000000ULL, &status) == 0 &&
	      status == GNTST_bad_virt_addr, "setup_table into an unmapped list: GNTST_bad_virt_addr");
	CHECK(gnttab_op(GNTTABOP_query_size, &q, 2) == -EINVAL, "query_size with count 2: -EINVAL");
	q.dom = 777;
	CHECK(gnttab_op(GNTTABOP_query_size, &q, 1) == 0 && q.status == GNTST_bad_domain,
	      "query_size of domain 777: GNTST_bad_domain");
	CHECK(gnttab_op(GNTTABOP_query_size, (void *)0x100000000ULL, 1) == -EFAULT,
	      "query_size from an unmapped address: -EFAULT");
	CHECK(gnttab_op(99, &q, 1) == -ENOSYS, "grant_table_op(99): -ENOSYS");
	/* transfer: Xen cannot steal a translated guest's page. */
	{
		struct gnttab_transfer t[2] = {
			{ .mfn = 0x300, .domid = DOMID_SELF, .ref = 1, .status = 99 },
			{ .mfn = 1ULL << 30, .domid = DOMID_SELF, .ref = 1, .status = 99 },
		};
		long rc = gnttab_op(GNTTABOP_transfer, t, 2);

		CHECK(rc == 0 && t[0].status == GNTST_general_error && t[1].status == GNTST_bad_page,
		      "transfer: own RAM -> GNTST_general_error, a hole -> GNTST_bad_page (%ld, %d, %d)",
		      rc, t[0].status, t[1].status);
		CHECK(gnttab_op(GNTTABOP_transfer, (void *)0x100000000ULL, 1) == -EFAULT,
		      "transfer from an unmapped address: -EFAULT");
	}
	q.dom = DOMID_SELF;
	CHECK(gnttab_op(GNTTABOP_query_size, &q, 1) == 0 && q.nr_frames == 4,
	      "after all that: still 4 frames");

	/* XENMEM_add_to_physmap_batch: an error per entry. */
	{
		xen_ulong_t idxs[3] = { 1, 2, 40 };
		xen_pfn_t gpfns[3] = { GFN + 0x21, GFN + 0x22, GFN + 0x23 };
		int errs[3] = { 99, 99, 99 };
		struct xen_add_to_physmap_batch b = {
			.domid = DOMID_SELF, .space = XENMAPSPACE_grant_table, .size = 3,
		};

		set_xen_guest_handle(b.idxs, idxs);
		set_xen_guest_handle(b.gpfns, gpfns);
		set_xen_guest_handle(b.errs, errs);
		ret = memory_op(XENMEM_add_to_physmap_batch, &b);
		CHECK(ret == 0 && errs[0] == 0 && errs[1] == 0 && errs[2] == -EINVAL,
		      "add_to_physmap_batch: frames 1 and 2 placed, 40: -EINVAL (%ld: %d %d %d)", ret,
		      errs[0], errs[1], errs[2]);
		CHECK(setup(DOMID_SELF, 3, list, &status) == 0 && list[1] == GFN + 0x21 &&
		      list[2] == GFN + 0x22, "  ... setup_table shows them there");
		b.space = XENMAPSPACE_gmfn_foreign;
		b.u.foreign_domid = 777;
		CHECK(memory_op(XENMEM_add_to_physmap_batch, &b) == -ESRCH,
		      "add_to_physmap_batch of foreign frames of domain 777 (none): -ESRCH");
		b.space = XENMAPSPACE_grant_table;
		set_xen_guest_handle(b.errs, (int *)0x100000000ULL);
		CHECK(memory_op(XENMEM_add_to_physmap_batch, &b) == -EFAULT,
		      "add_to_physmap_batch with unwritable errs: -EFAULT");
	}
}
