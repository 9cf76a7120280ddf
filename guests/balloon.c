// SPDX-License-Identifier: GPL-2.0-only
/*
 * The balloon: XENMEM_decrease_reservation hands RAM back (order 0 and 9),
 * the host sees the domain's current memory drop (it checks while this guest
 * waits for its event), populate_physmap / increase_reservation bring fresh
 * zeroed pages back, remove_from_physmap of RAM, and bad arguments to all:
 * holes, beyond RAM, unaligned and oversized extents, huge counts, foreign
 * domains, unreadable lists.
 */
#include "rt.h"
#include <xen/event_channel.h>
#include <xen/memory.h>

#define EFAULT 14
#define ENOENT 2
#define ESRCH 3

#define DOWN_GFN	0x1000UL	/* 256 single pages at 16 MiB */
#define DOWN_NR		256
#define BIG_GFN		0x1200UL	/* one 2 MiB extent at 18 MiB */
#define BIG_ORDER	9

static xen_pfn_t list[DOWN_NR];

static long memory_op(unsigned int cmd, void *arg)
{
	return rt_hypercall(__HYPERVISOR_memory_op, cmd, (unsigned long)arg, 0);
}

static long reservation(unsigned int cmd, xen_pfn_t *gfns, unsigned long nr, unsigned int order,
			domid_t domid)
{
	struct xen_memory_reservation r = {
		.nr_extents = nr, .extent_order = order, .domid = domid,
	};

	set_xen_guest_handle(r.extent_start, gfns);
	return memory_op(cmd, &r);
}

static long current_pages(void)
{
	domid_t self = DOMID_SELF;

	return memory_op(XENMEM_current_reservation, &self);
}

static int page_is(uint64_t gfn, uint64_t val)
{
	volatile uint64_t *p = (volatile uint64_t *)(gfn << 12);
	unsigned int i;

	for (i = 0; i < 512; i++)
		if (p[i] != val)
			return 0;
	return 1;
}

static void fill(uint64_t gfn, uint64_t nr, uint64_t val)
{
	volatile uint64_t *p = (volatile uint64_t *)(gfn << 12);
	uint64_t i;

	for (i = 0; i < nr * 512; i++)
		p[i] = val;
}

void guest_main(const struct hvm_start_info *si)
{
	domid_t self = DOMID_SELF;
	long before, max, ret, after;
	uint64_t i, ok;

	(void)si;
	before = current_pages();
	max = memory_op(XENMEM_maximum_reservation, &self);
	CHECK(before >= 0x1400 && max >= before, "RAM: %ld pages now, %ld at most", before, max);

	/* Down: 256 single pages, then one 2 MiB extent. */
	fill(DOWN_GFN, DOWN_NR, 0x5a5a5a5a5a5a5a5aULL);
	fill(BIG_GFN, 1 << BIG_ORDER, 0xa5a5a5a5a5a5a5a5ULL);
	for (i = 0; i < DOWN_NR; i++)
		list[i] = DOWN_GFN + i;
	ret = reservation(XENMEM_decrease_reservation, list, DOWN_NR, 0, DOMID_SELF);
	CHECK(ret == DOWN_NR, "decrease_reservation: %ld of %d pages", ret, DOWN_NR);
	CHECK(current_pages() == before - DOWN_NR, "current_reservation dropped by %d", DOWN_NR);
	list[0] = BIG_GFN;
	ret = reservation(XENMEM_decrease_reservation, list, 1, BIG_ORDER, DOMID_SELF);
	CHECK(ret == 1, "decrease_reservation of one order-9 extent: %ld", ret);
	after = current_pages();
	CHECK(after == before - DOWN_NR - 512, "current_reservation: %ld pages", after);

	/* What is gone is gone for the hypervisor too. */
	CHECK(memory_op(XENMEM_current_reservation, (void *)(DOWN_GFN << 12)) == -EFAULT,
	      "an argument in a ballooned-out page: -EFAULT");
	list[0] = DOWN_GFN + 3;
	CHECK(reservation(XENMEM_decrease_reservation, list, 1, 0, DOMID_SELF) == 0,
	      "decrease_reservation of a hole: 0 done");
	list[0] = 0x7fffffff;
	CHECK(reservation(XENMEM_decrease_reservation, list, 1, 0, DOMID_SELF) == 0,
	      "decrease_reservation beyond RAM: 0 done");
	list[0] = 0x300;
	CHECK(reservation(XENMEM_decrease_reservation, list, 1, 10, DOMID_SELF) == 0,
	      "decrease_reservation of order 10: 0 done");
	CHECK(reservation(XENMEM_decrease_reservation, (void *)0x100000000ULL, 1, 0, DOMID_SELF) == 0,
	      "decrease_reservation from an unreadable list: 0 done");
	list[0] = DOWN_GFN + 3;
	CHECK(reservation(XENMEM_decrease_reservation, list, 1UL << 40, 0, DOMID_SELF) == 0,
	      "decrease_reservation of 2^40 extents starting at a hole: 0 done, returns");
	CHECK(reservation(XENMEM_decrease_reservation, list, 1, 0, 777) == -ESRCH,
	      "decrease_reservation for domain 777 (none): -ESRCH");
	CHECK(current_pages() == after, "  ... none of that changed the reservation");

	/* The host looks at our memory now, then wakes us. */
	{
		struct evtchn_alloc_unbound au = { .dom = DOMID_SELF, .remote_dom = 0 };
		struct sched_poll poll = { .nr_ports = 1, .timeout = 0 };
		evtchn_port_t port;

		ret = rt_hypercall(__HYPERVISOR_event_channel_op, EVTCHNOP_alloc_unbound,
				   (unsigned long)&au, 0);
		CHECK(ret == 0, "port %u offered to the host", au.port);
		port = au.port;
		set_xen_guest_handle(poll.ports, &port);
		rt_printf("balloon: down by %d pages, host-port: %u\n", DOWN_NR + 512, port);
		ret = sched_op(SCHEDOP_poll, &poll);
		CHECK(ret == 0, "the host's event arrived");
	}

	/* Up again: fresh pages, zeroed (nothing of the old contents or the host's). */
	for (i = 0; i < DOWN_NR; i++)
		list[i] = DOWN_GFN + i;
	ret = reservation(XENMEM_populate_physmap, list, DOWN_NR / 2, 0, DOMID_SELF);
	CHECK(ret == DOWN_NR / 2, "populate_physmap: %ld of %d pages", ret, DOWN_NR / 2);
	ret = reservation(XENMEM_increase_reservation, list + DOWN_NR / 2, DOWN_NR / 2, 0,
			  DOMID_SELF);
	CHECK(ret == DOWN_NR / 2, "increase_reservation (as populate_physmap): %ld", ret);
	list[0] = BIG_GFN + 1;
	CHECK(reservation(XENMEM_populate_physmap, list, 1, BIG_ORDER, DOMID_SELF) == 0,
	      "populate_physmap of an unaligned order-9 extent: 0 done");
	list[0] = BIG_GFN;
	CHECK(reservation(XENMEM_populate_physmap, list, 1, BIG_ORDER, DOMID_SELF) == 1,
	      "populate_physmap of an order-9 extent");
	CHECK(current_pages() == before, "current_reservation is back to %ld", before);
	for (ok = 1, i = 0; i < DOWN_NR; i++)
		ok &= page_is(DOWN_GFN + i, 0);
	for (i = 0; i < 512; i++)
		ok &= page_is(BIG_GFN + i, 0);
	CHECK(ok, "every page that came back reads zero");
	fill(DOWN_GFN, DOWN_NR, 0x77);
	fill(BIG_GFN, 512, 0x88);
	CHECK(page_is(DOWN_GFN + DOWN_NR - 1, 0x77) && page_is(BIG_GFN + 511, 0x88),
	      "  ... and holds what we write");

	list[0] = DOWN_GFN;
	CHECK(reservation(XENMEM_populate_physmap, list, 1, 0, DOMID_SELF) == 0,
	      "populate_physmap of a populated gfn: 0 done");
	list[0] = max;
	CHECK(reservation(XENMEM_populate_physmap, list, 1, 0, DOMID_SELF) == 0,
	      "populate_physmap beyond the maximum: 0 done");
	CHECK(reservation(XENMEM_populate_physmap, list, 1, 10, DOMID_SELF) == 0,
	      "populate_physmap of order 10: 0 done");
	CHECK(reservation(XENMEM_populate_physmap, list, 1, 0, 777) == -ESRCH,
	      "populate_physmap for domain 777 (none): -ESRCH");
	CHECK(current_pages() == before, "  ... none of that changed the reservation");

	/* remove_from_physmap of RAM gives the page back too. */
	{
		struct xen_remove_from_physmap r = { .domid = DOMID_SELF, .gpfn = DOWN_GFN };

		CHECK(memory_op(XENMEM_remove_from_physmap, &r) == 0 &&
		      current_pages() == before - 1, "remove_from_physmap of a RAM page");
		CHECK(memory_op(XENMEM_remove_from_physmap, &r) == -ENOENT,
		      "remove_from_physmap of the hole it left: -ENOENT");
		list[0] = DOWN_GFN;
		CHECK(reservation(XENMEM_populate_physmap, list, 1, 0, DOMID_SELF) == 1 &&
		      current_pages() == before && page_is(DOWN_GFN, 0),
		      "  ... populated again, zeroed");
	}
	rt_printf("balloon: done\n");
}
