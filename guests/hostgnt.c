// SPDX-License-Identifier: GPL-2.0-only
/*
 * A guest grants pages to the host (domain 0), which maps them through a
 * grant fd and copies to and from them (tests/vm/helpers/pvhv-test.c,
 * "gnt-host"). Refs:
 *   1..16  writable, to domain 0: page i holds PATTERN(i, word)
 *   17     read-only, to domain 0
 *   18     writable, to domain 5 (not the host)
 *   19     not permitted (flags 0)
 *   20     writable, to domain 0, of a frame beyond our RAM
 * The host binds the port printed as "host-gnt-port:", works, and notifies
 * us twice: (1) it wrote into ref 1 through a mapping, copied a pattern into
 * ref 4, still maps ref 5 (writable) and ref 17 (read-only), and released
 * all else (it filled a grant fd with refs 2 and 3, and pinned ref 2 65535
 * times, the pin limit, with maps beyond each limit refused); (2) it released
 * everything but ref 6. We check what the host did, what it holds (the
 * GTF_reading / GTF_writing flags) and answer each time, then power off
 * with ref 6 still mapped by the host (it destroys us and keeps using it).
 */
#include "rt.h"
#include <xen/event_channel.h>
#include <xen/grant_table.h>
#include <xen/hvm/hvm_op.h>
#include <xen/hvm/params.h>
#include <xen/memory.h>

#define VECTOR		0xf3
#define SHINFO_GFN	0x500UL
#define FRAME_GFN	0x600UL
#define PAGES		0x700UL		/* ref i grants PAGES + i - 1 */
#define NREFS		20
#define HOST_MAGIC	0x54534f48544e4721ULL	/* written by the host into ref 1 */
#define PATTERN(i, w)	(0x4853544752414e54ULL + (uint64_t)(i) * 1000003 + (w))

static volatile struct shared_info *sh = (volatile void *)(SHINFO_GFN << 12);
static volatile struct grant_entry_v1 *gnt = (volatile void *)(FRAME_GFN << 12);
static volatile unsigned int count[4096];

static void upcall(void)
{
	rt_evtchn_scan(sh, &sh->vcpu_info[0], count, NULL);
}

static volatile uint64_t *page(unsigned int ref)
{
	return (volatile uint64_t *)((PAGES + ref - 1) << 12);
}

static void grant(unsigned int ref, domid_t dom, uint64_t frame, uint16_t flags)
{
	gnt[ref].domid = dom;
	gnt[ref].frame = (uint32_t)frame;
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	gnt[ref].flags = flags;
}

static unsigned int in_use(unsigned int ref)
{
	return gnt[ref].flags & (GTF_reading | GTF_writing);
}

void guest_main(const struct hvm_start_info *si)
{
	struct xen_add_to_physmap xatp = { .domid = DOMID_SELF, .space = XENMAPSPACE_shared_info,
					   .gpfn = SHINFO_GFN };
	struct xen_add_to_physmap fr = { .domid = DOMID_SELF, .space = XENMAPSPACE_grant_table,
					 .idx = 0, .gpfn = FRAME_GFN };
	struct xen_hvm_param hp = { .domid = DOMID_SELF, .index = HVM_PARAM_CALLBACK_IRQ,
				    .value = (2ULL << 56) | VECTOR };
	struct evtchn_alloc_unbound au = { .dom = DOMID_SELF, .remote_dom = 0 };
	struct evtchn_send snd;
	volatile uint8_t *p4;
	long rc;
	unsigned int i, w, bad;

	(void)si;
	ASSERT(rt_hypercall(__HYPERVISOR_memory_op, XENMEM_add_to_physmap, (unsigned long)&xatp, 0) == 0);
	ASSERT(rt_hypercall(__HYPERVISOR_hvm_op, HVMOP_set_param, (unsigned long)&hp, 0) == 0);
	rt_set_upcall(VECTOR, upcall);
	asm volatile("sti");
	CHECK(rt_hypercall(__HYPERVISOR_memory_op, XENMEM_add_to_physmap, (unsigned long)&fr, 0) == 0,
	      "guest: grant frame 0 at %#lx", FRAME_GFN);

	for (i = 1; i <= NREFS; i++)
		for (w = 0; w < 512; w++)
			page(i)[w] = PATTERN(i, w);
	for (i = 1; i <= 16; i++)
		grant(i, 0, PAGES + i - 1, GTF_permit_access);
	grant(17, 0, PAGES + 16, GTF_permit_access | GTF_readonly);
	grant(18, 5, PAGES + 17, GTF_permit_access);
	grant(19, 0, PAGES + 18, 0);
	grant(20, 0, 0xfffff, GTF_permit_access);	/* 4 GiB: not our RAM */

	rc = rt_evtchn_op(EVTCHNOP_alloc_unbound, &au);
	CHECK(rc == 0, "guest: port %u offered to the host", au.port);
	snd.port = au.port;
	rt_printf("host-gnt-port: %u\n", au.port);

	/* (1) the host wrote, copied, and holds refs 5 and 17. */
	RT_WAIT_UNTIL(count[au.port] >= 1);
	CHECK(page(1)[1] == HOST_MAGIC && page(1)[0] == PATTERN(1, 0),
	      "guest: the host wrote into ref 1 through its mapping");
	p4 = (volatile uint8_t *)page(4);
	for (bad = 0, i = 0; i < 4096; i++)
		bad += p4[i] != (uint8_t)(i * 13 + 5);
	CHECK(bad == 0, "guest: the host's GNTTABOP_copy filled ref 4 (%u bytes differ)", bad);
	for (bad = 0, w = 0; w < 512; w++)
		bad += page(17)[w] != PATTERN(17, w) || page(18)[w] != PATTERN(18, w) ||
		       page(19)[w] != PATTERN(19, w);
	CHECK(bad == 0, "guest: refs 17 (read-only), 18 (not the host's), 19 (not granted) unchanged");
	CHECK(in_use(5) == (GTF_reading | GTF_writing), "guest: ref 5 mapped writable by the host (flags %#x)",
	      gnt[5].flags);
	CHECK(in_use(17) == GTF_reading, "guest: ref 17 mapped read-only by the host (flags %#x)",
	      gnt[17].flags);
	CHECK(__sync_val_compare_and_swap(&gnt[5].flags, GTF_permit_access, 0) != GTF_permit_access,
	      "guest: revoking ref 5 while the host maps it fails");
	for (bad = 0, i = 1; i <= NREFS; i++)
		bad += i != 5 && i != 17 && in_use(i);
	CHECK(bad == 0, "guest: no other ref is in use (failed maps and copies left nothing pinned)");
	rt_evtchn_op(EVTCHNOP_send, &snd);

	/* (2) everything released but ref 6. */
	RT_WAIT_UNTIL(count[au.port] >= 2);
	for (bad = 0, i = 1; i <= NREFS; i++)
		bad += i != 6 && in_use(i);
	CHECK(bad == 0, "guest: the host's munmap()s released every grant but ref 6");
	CHECK(in_use(6) == (GTF_reading | GTF_writing), "guest: ref 6 still mapped (flags %#x)",
	      gnt[6].flags);
	CHECK(__sync_val_compare_and_swap(&gnt[5].flags, GTF_permit_access, 0) == GTF_permit_access,
	      "guest: ref 5 can be revoked now");
	rt_printf("guest: powering off with ref 6 mapped by the host\n");
}
