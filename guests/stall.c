// SPDX-License-Identifier: GPL-2.0-only
/*
 * A guest that tries to keep its host CPU for itself, for "secs=S" seconds
 * after "delay=D" seconds asleep (so the harness's probes run before it
 * starts), in one of three ways ("mode=irq|hcall|exit" on its command line), while
 * the harness measures the scheduling latency of a host task pinned to the
 * same CPU (tests/vm/t/45-stall.sh, tests/vm/helpers/pvhv-lat.c):
 *
 * irq: an interrupt storm with IF toggling. The event-channel upcall (the
 *   domain-wide callback vector, which Xen delivers for as long as
 *   evtchn_upcall_pending is set) is never acknowledged, so every window
 *   the guest opens takes it again; the guest opens windows in a loop
 *   (STI; NOP; CLI), sends itself IPIs, re-arms its one-shot timer in the
 *   past and runs a 1 ms periodic timer.
 * hcall: every batched hypercall at its largest count (or as large as this
 *   guest's memory allows), each with one failing element in the middle, and
 *   each result checked against Xen's: which elements took effect and the
 *   error of the failing one (common/grant_table.c, common/memory.c,
 *   common/sched/core.c do_poll). A hypervisor that preempts them has to
 *   continue them from where it stopped (Xen's hypercall continuations).
 * exit: a tight loop of exits (CPUID, port I/O, null hypercalls).
 *
 * Built both 64-bit (stall.elf) and i386 (stall32.elf: the compat ABI, whose
 * layouts Xen's public headers give a -m32 build).
 */
#include "rt.h"
#include <xen/event_channel.h>
#include <xen/grant_table.h>
#include <xen/hvm/hvm_op.h>
#include <xen/hvm/params.h>
#include <xen/memory.h>
#include <xen/vcpu.h>

#define EINVAL		22
#define ETIME		62

#define VECTOR		0xf3
#define SHINFO_GFN	0x300UL		/* shared_info, over RAM */
#define GNT_GFN		0x301UL		/* grant frame 0 (our grant entries), over RAM */
#define SRC_GFN		0x302UL		/* GNTTABOP_copy source ... */
#define DST_GFN		0x303UL		/* ... and destination */
#define GRANTED_GFN	0x304UL		/* the page we grant ourselves */
#define ARENA_GFN	0x400UL		/* 4-16 MiB: the batches' arrays */
#define ARENA_END	0x1000UL
#define BAL_GFN		0x1000UL	/* 16-32 MiB: what the balloon hands back */
#define MAP_GFN		0x40000UL	/* 1 GiB up, beyond RAM: where grants are mapped */
#define BATCH_GFN	0x50000UL	/* grant frames 1-3 move around above here */
#define BAD_GFN		0xffe00UL	/* beyond RAM, 2 MiB aligned */

#define GREF		8		/* our grant of GRANTED_GFN to ourselves */
#define BAD_REF		100000		/* beyond the table */
#define BAD_HANDLE	0xffffffffU

#define COPY_N		16384		/* GNTTABOP_copy ops of 8 bytes */
#define MAP_N		4096		/* map/unmap: the maptrack's size */
#define UR_N		4096		/* unmap_and_replace */
#define XFER_N		4096		/* transfer */
#define FLUSH_N		16384		/* cache_flush */
#define BATCH_N		65535		/* add_to_physmap_batch: its u16 size */
#define DEC_N		2048		/* order-0 extents */
#define BIG_N		8		/* order-9 extents */
#define BIG_ORDER	9
#define POLL_N		128		/* SCHEDOP_poll: Xen's limit */

static volatile struct shared_info *sh = (volatile void *)(SHINFO_GFN << 12);
static uint64_t end_ns;

static uint64_t now_ns(void)
{
	return rt_pvclock_ns(&sh->vcpu_info[0].time, NULL);
}

static int mode_is(const char *c, const char *m)
{
	size_t n = rt_strlen(m);
	const char *p;

	for (p = c; *p; p++)
		if ((p == c || p[-1] == ' ') && !rt_strncmp(p, "mode=", 5) &&
		    !rt_strncmp(p + 5, m, n) && (p[5 + n] == ' ' || !p[5 + n]))
			return 1;
	return 0;
}

static long memory_op(unsigned int cmd, void *arg)
{
	return rt_hypercall(__HYPERVISOR_memory_op, cmd, (unsigned long)arg, 0);
}

static long gnttab_op(unsigned int cmd, void *arg, unsigned int count)
{
	return rt_hypercall(__HYPERVISOR_grant_table_op, cmd, (unsigned long)arg, count);
}

static long set_timer(uint64_t t)
{
#ifdef __x86_64__
	return rt_hypercall(__HYPERVISOR_set_timer_op, t, 0, 0);
#else
	return rt_hypercall(__HYPERVISOR_set_timer_op, (uint32_t)t, (uint32_t)(t >> 32), 0);
#endif
}

static void send(evtchn_port_t p)
{
	struct evtchn_send s = { .port = p };

	rt_evtchn_op(EVTCHNOP_send, &s);
}

static evtchn_port_t bind_ipi(void)
{
	struct evtchn_bind_ipi b = { .vcpu = 0 };

	ASSERT(rt_evtchn_op(EVTCHNOP_bind_ipi, &b) == 0);
	return b.port;
}

/*
 * Checks repeated every round: the first failure is printed with its round,
 * the verdict comes once at the end (check_all).
 */
enum {
	C_COPY, C_MAP, C_UNMAP, C_UR, C_XFER, C_FLUSH, C_BATCH, C_DEC, C_DEC9, C_POLL,
	C_TIMER, C_IRQ, C_EXIT, C_NR
};
static const char *const what[C_NR] = {
	[C_COPY] = "GNTTABOP_copy x16384, op 8192 across its page end: the others copied, it GNTST_bad_copy_arg",
	[C_MAP] = "GNTTABOP_map_grant_ref x4096, op 2048 a bad ref: the others mapped, it GNTST_bad_gntref",
	[C_UNMAP] = "GNTTABOP_unmap_grant_ref x4096, op 2048 a bad handle: the others unmapped, it GNTST_bad_handle",
	[C_UR] = "GNTTABOP_unmap_and_replace x4096: GNTST_bad_handle each, op 2048 with a new address GNTST_general_error",
	[C_XFER] = "GNTTABOP_transfer x4096: GNTST_general_error each (RAM), op 2048 GNTST_bad_page (beyond RAM)",
	[C_FLUSH] = "GNTTABOP_cache_flush x16384, op 8192 across its page end: -EINVAL",
	[C_BATCH] = "XENMEM_add_to_physmap_batch x65535, entry 32767 a bad frame: -EINVAL there, 0 elsewhere, frames where the last entries put them",
	[C_DEC] = "decrease_reservation / populate_physmap x2048 (order 0), extent 1024 beyond RAM: 1024 done each way",
	[C_DEC9] = "decrease_reservation / populate_physmap x8 (order 9), extent 4 beyond RAM: 4 done each way",
	[C_POLL] = "SCHEDOP_poll on 128 ports: returns at its timeout; with port 0 among them -EINVAL",
	[C_TIMER] = "timers re-armed in the past: fire; VCPU_SSHOTTMR_future in the past: -ETIME",
	[C_IRQ] = "interrupt storm: the unacknowledged upcall taken in every round's windows",
	[C_EXIT] = "exit loop: CPUID, port I/O and xen_version answer as before every time",
};
static unsigned long bad[C_NR], rounds;

#define EXPECT(id, cond, fmt, ...) do {						\
	if (!(cond) && !bad[id]++)						\
		rt_printf("round %lu: %s: " fmt "\n", rounds, #cond, ##__VA_ARGS__); \
} while (0)

static void check_all(unsigned int first, unsigned int last)
{
	unsigned int i;

	for (i = first; i <= last; i++)
		CHECK(!bad[i] && rounds, "%s (%lu rounds, %lu wrong)", what[i], rounds, bad[i]);
}

/* The longest single hypercall (as the guest sees it: continuations included). */
static uint64_t longest_ns;
static const char *longest_what;

static long timed(const char *name, long ret_of_call(void *), void *arg)
{
	uint64_t t0 = now_ns(), t;
	long ret = ret_of_call(arg);

	t = now_ns() - t0;
	if (t > longest_ns) {
		longest_ns = t;
		longest_what = name;
	}
	return ret;
}

/* --- hcall ------------------------------------------------------------------ */

static uintptr_t arena = ARENA_GFN << 12;

static void *alloc(size_t size)
{
	void *p = (void *)arena;

	arena = (arena + size + 4095) & ~4095UL;
	ASSERT(arena <= ARENA_END << 12);
	return p;
}

static struct gnttab_copy *copies;
static struct gnttab_map_grant_ref *maps;
static struct gnttab_unmap_grant_ref *unmaps;
static struct gnttab_unmap_and_replace *urs;
static struct gnttab_transfer *xfers;
static struct gnttab_cache_flush *flushes;
static xen_ulong_t *b_idxs;
static xen_pfn_t *b_gpfns, *dec_list, big_list[BIG_N];
static int *b_errs;
static evtchn_port_t *poll_ports;

static long call_copy(void *a) { (void)a; return gnttab_op(GNTTABOP_copy, copies, COPY_N); }
static long call_map(void *a) { (void)a; return gnttab_op(GNTTABOP_map_grant_ref, maps, MAP_N); }
static long call_unmap(void *a) { (void)a; return gnttab_op(GNTTABOP_unmap_grant_ref, unmaps, MAP_N); }
static long call_ur(void *a) { (void)a; return gnttab_op(GNTTABOP_unmap_and_replace, urs, UR_N); }
static long call_xfer(void *a) { (void)a; return gnttab_op(GNTTABOP_transfer, xfers, XFER_N); }
static long call_flush(void *a) { (void)a; return gnttab_op(GNTTABOP_cache_flush, flushes, FLUSH_N); }
static long call_batch(void *a) { return memory_op(XENMEM_add_to_physmap_batch, a); }
static long call_decrease(void *a) { return memory_op(XENMEM_decrease_reservation, a); }
static long call_populate(void *a) { return memory_op(XENMEM_populate_physmap, a); }

static long current_pages(void)
{
	domid_t self = DOMID_SELF;

	return memory_op(XENMEM_current_reservation, &self);
}

static void round_copy(void)
{
	volatile uint64_t *src = (volatile uint64_t *)(SRC_GFN << 12);
	volatile uint64_t *dst = (volatile uint64_t *)(DST_GFN << 12);
	unsigned int k, okay = 0;
	long ret;

	for (k = 0; k < 512; k++) {
		src[k] = (rounds << 16) ^ k ^ 0x5a5a000000000000ULL;
		dst[k] = 0;
	}
	for (k = 0; k < COPY_N; k++)
		copies[k].status = 99;
	ret = timed("GNTTABOP_copy", call_copy, NULL);
	for (k = 0; k < COPY_N; k++)
		okay += copies[k].status == GNTST_okay;
	EXPECT(C_COPY, ret == 0 && okay == COPY_N - 1 &&
	       copies[COPY_N / 2].status == GNTST_bad_copy_arg,
	       "returned %ld, %u ops okay, op %u status %d", ret, okay, COPY_N / 2,
	       copies[COPY_N / 2].status);
	for (k = 0; k < 512; k++)
		if (dst[k] != src[k])
			break;
	EXPECT(C_COPY, k == 512, "destination word %u is %#lx, not the source's", k,
	       (unsigned long)dst[k]);
}

static void round_map(void)
{
	volatile uint64_t *granted = (volatile uint64_t *)(GRANTED_GFN << 12);
	unsigned int k, okay = 0, mid = MAP_N / 2;
	long ret;

	granted[0] = 0xfeed0000 + rounds;
	for (k = 0; k < MAP_N; k++)
		maps[k] = (struct gnttab_map_grant_ref){
			.host_addr = (uint64_t)(MAP_GFN + k) << 12,
			.flags = GNTMAP_host_map | GNTMAP_readonly, .ref = k == mid ? BAD_REF : GREF,
			.dom = DOMID_SELF, .status = 99,
		};
	ret = timed("GNTTABOP_map_grant_ref", call_map, NULL);
	for (k = 0; k < MAP_N; k++)
		okay += maps[k].status == GNTST_okay;
	EXPECT(C_MAP, ret == 0 && okay == MAP_N - 1 && maps[mid].status == GNTST_bad_gntref,
	       "returned %ld, %u ops okay, op %u status %d", ret, okay, mid, maps[mid].status);
	/* The first and the last mapping show the granted page. */
	EXPECT(C_MAP, maps[0].status || *(volatile uint64_t *)(MAP_GFN << 12) == granted[0],
	       "the first mapping reads %#lx", (unsigned long)*(volatile uint64_t *)(MAP_GFN << 12));
	EXPECT(C_MAP, maps[MAP_N - 1].status ||
	       *(volatile uint64_t *)((MAP_GFN + MAP_N - 1) << 12) == granted[0],
	       "the last mapping reads something else");

	for (k = 0; k < MAP_N; k++)
		unmaps[k] = (struct gnttab_unmap_grant_ref){
			.host_addr = maps[k].status ? 0 : maps[k].host_addr,
			.handle = maps[k].status ? BAD_HANDLE : maps[k].handle, .status = 99,
		};
	ret = timed("GNTTABOP_unmap_grant_ref", call_unmap, NULL);
	okay = 0;
	for (k = 0; k < MAP_N; k++)
		okay += unmaps[k].status == GNTST_okay;
	EXPECT(C_UNMAP, ret == 0 && okay == MAP_N - 1 && unmaps[mid].status == GNTST_bad_handle,
	       "returned %ld, %u ops okay, op %u status %d", ret, okay, mid, unmaps[mid].status);
	/* All gone: a second unmap of the first handle is refused. */
	unmaps[0].status = 99;
	ret = gnttab_op(GNTTABOP_unmap_grant_ref, unmaps, 1);
	EXPECT(C_UNMAP, ret == 0 && unmaps[0].status == GNTST_bad_handle,
	       "unmapping the first handle again: %ld, status %d", ret, unmaps[0].status);
}

static void round_other_grant_ops(void)
{
	unsigned int k, n = 0;
	long ret;

	for (k = 0; k < UR_N; k++)
		urs[k] = (struct gnttab_unmap_and_replace){
			.new_addr = k == UR_N / 2 ? SRC_GFN << 12 : 0,
			.handle = BAD_HANDLE - k, .status = 99,
		};
	ret = timed("GNTTABOP_unmap_and_replace", call_ur, NULL);
	for (k = 0; k < UR_N; k++)
		n += urs[k].status == GNTST_bad_handle;
	EXPECT(C_UR, ret == 0 && n == UR_N - 1 && urs[UR_N / 2].status == GNTST_general_error,
	       "returned %ld, %u bad handles, op %u status %d", ret, n, UR_N / 2,
	       urs[UR_N / 2].status);

	for (k = 0; k < XFER_N; k++)
		xfers[k] = (struct gnttab_transfer){
			.mfn = k == XFER_N / 2 ? BAD_GFN : SRC_GFN, .domid = DOMID_SELF, .ref = GREF,
			.status = 99,
		};
	ret = timed("GNTTABOP_transfer", call_xfer, NULL);
	n = 0;
	for (k = 0; k < XFER_N; k++)
		n += xfers[k].status == GNTST_general_error;
	EXPECT(C_XFER, ret == 0 && n == XFER_N - 1 && xfers[XFER_N / 2].status == GNTST_bad_page,
	       "returned %ld, %u general errors, op %u status %d", ret, n, XFER_N / 2,
	       xfers[XFER_N / 2].status);

	for (k = 0; k < FLUSH_N; k++)
		flushes[k] = (struct gnttab_cache_flush){
			.offset = k == FLUSH_N / 2 ? 4000 : 0, .length = k == FLUSH_N / 2 ? 200 : 64,
			.op = GNTTAB_CACHE_CLEAN,
		};
	ret = timed("GNTTABOP_cache_flush", call_flush, NULL);
	EXPECT(C_FLUSH, ret == -EINVAL, "returned %ld", ret);
}

static long setup_table(unsigned int nr, xen_pfn_t *list)
{
	struct gnttab_setup_table st = { .dom = DOMID_SELF, .nr_frames = nr, .status = 99 };

	set_xen_guest_handle(st.frame_list, list);
	return gnttab_op(GNTTABOP_setup_table, &st, 1) ?: st.status;
}

static void round_batch(void)
{
	struct xen_add_to_physmap_batch b = {
		.domid = DOMID_SELF, .space = XENMAPSPACE_grant_table, .size = BATCH_N,
	};
	xen_pfn_t want[4], list[4];
	unsigned int k, okay = 0, mid = BATCH_N / 2;
	long ret;

	for (k = 0; k < BATCH_N; k++) {
		/* Frames 1-3, each within its own range (none displaces another). */
		b_idxs[k] = k == mid ? 32 : 1 + k % 3;
		b_gpfns[k] = BATCH_GFN + (1 + k % 3) * 0x1000 + (k + rounds) % 512;
		b_errs[k] = 99;
		if (k != mid)
			want[1 + k % 3] = b_gpfns[k];
	}
	set_xen_guest_handle(b.idxs, b_idxs);
	set_xen_guest_handle(b.gpfns, b_gpfns);
	set_xen_guest_handle(b.errs, b_errs);
	ret = timed("XENMEM_add_to_physmap_batch", call_batch, &b);
	for (k = 0; k < BATCH_N; k++)
		okay += b_errs[k] == 0;
	EXPECT(C_BATCH, ret == 0 && okay == BATCH_N - 1 && b_errs[mid] == -EINVAL,
	       "returned %ld, %u entries 0, entry %u %d", ret, okay, mid, b_errs[mid]);
	ret = setup_table(4, list);
	EXPECT(C_BATCH, ret == 0 && list[0] == GNT_GFN && list[1] == want[1] && list[2] == want[2] &&
	       list[3] == want[3], "setup_table %ld: frames at %#lx %#lx %#lx %#lx, not %#lx %#lx %#lx",
	       ret, (unsigned long)list[0], (unsigned long)list[1], (unsigned long)list[2],
	       (unsigned long)list[3], (unsigned long)want[1], (unsigned long)want[2],
	       (unsigned long)want[3]);
}

static void round_balloon(unsigned int id, xen_pfn_t *list, unsigned int nr, unsigned int order)
{
	struct xen_memory_reservation r = { .nr_extents = nr, .extent_order = order,
					    .domid = DOMID_SELF };
	unsigned long pages = 1UL << order, mid = nr / 2, k, j, before, after, stale = 0;
	long ret;

	for (k = 0; k < nr; k++) {
		list[k] = k == mid ? BAD_GFN : BAL_GFN + k * pages;
		for (j = 0; j < pages && k != mid; j++)
			*(volatile uint64_t *)((list[k] + j) << 12) = 0xdead;
	}
	set_xen_guest_handle(r.extent_start, list);
	before = current_pages();
	ret = timed("XENMEM_decrease_reservation", call_decrease, &r);
	after = current_pages();
	EXPECT(id, ret == (long)mid && before - after == mid * pages,
	       "decrease returned %ld, %lu pages gone", ret, before - after);
	ret = timed("XENMEM_populate_physmap", call_populate, &r);
	EXPECT(id, ret == (long)mid && current_pages() == (long)before,
	       "populate returned %ld, %ld pages now, %lu before", ret, current_pages(), before);
	/* Fresh pages read zero; those after the failing extent were never taken. */
	for (k = 0; k < nr; k++)
		for (j = 0; j < pages && k != mid; j++)
			stale += *(volatile uint64_t *)((list[k] + j) << 12) != (k < mid ? 0 : 0xdead);
	EXPECT(id, !stale, "%lu pages not as expected", stale);
}

static void round_poll(void)
{
	struct sched_poll p = { .nr_ports = POLL_N };
	evtchn_port_t saved = poll_ports[POLL_N / 2];
	uint64_t t;
	long ret;

	set_xen_guest_handle(p.ports, poll_ports);
	p.timeout = now_ns() + 1000000;
	ret = sched_op(SCHEDOP_poll, &p);
	t = now_ns();
	EXPECT(C_POLL, ret == 0 && t >= p.timeout, "returned %ld, %ld ns before the timeout", ret,
	       (long)(p.timeout - t));
	poll_ports[POLL_N / 2] = 0;
	ret = sched_op(SCHEDOP_poll, &p);
	EXPECT(C_POLL, ret == -EINVAL, "with port 0: %ld", ret);
	poll_ports[POLL_N / 2] = saved;
}

static void round_timers(void)
{
	struct vcpu_set_singleshot_timer st = { .flags = VCPU_SSHOTTMR_future };
	unsigned int k;
	long ret = 0;

	for (k = 0; k < 64; k++)
		ret |= set_timer(now_ns() - 1000);
	EXPECT(C_TIMER, ret == 0, "set_timer_op in the past: %ld", ret);
	st.timeout_abs_ns = now_ns() - 1000;
	ret = rt_vcpu_op(VCPUOP_set_singleshot_timer, 0, &st);
	EXPECT(C_TIMER, ret == -ETIME, "a future one-shot in the past: %ld", ret);
	st.flags = 0;
	ret = rt_vcpu_op(VCPUOP_set_singleshot_timer, 0, &st);
	EXPECT(C_TIMER, ret == 0, "a one-shot in the past: %ld", ret);
	set_timer(0);
}

static void run_hcall(void)
{
	volatile struct grant_entry_v1 *gnt = (volatile void *)(GNT_GFN << 12);
	struct xen_add_to_physmap xatp = { .domid = DOMID_SELF, .space = XENMAPSPACE_grant_table,
					   .idx = 0, .gpfn = GNT_GFN };
	uint32_t r[4];
	unsigned int k;

	copies = alloc(COPY_N * sizeof(*copies));
	maps = alloc(MAP_N * sizeof(*maps));
	unmaps = alloc(MAP_N * sizeof(*unmaps));
	urs = alloc(UR_N * sizeof(*urs));
	xfers = alloc(XFER_N * sizeof(*xfers));
	flushes = alloc(FLUSH_N * sizeof(*flushes));
	b_idxs = alloc(BATCH_N * sizeof(*b_idxs));
	b_gpfns = alloc(BATCH_N * sizeof(*b_gpfns));
	b_errs = alloc(BATCH_N * sizeof(*b_errs));
	dec_list = alloc(DEC_N * sizeof(*dec_list));
	poll_ports = alloc(POLL_N * sizeof(*poll_ports));

	ASSERT(memory_op(XENMEM_add_to_physmap, &xatp) == 0);
	rt_cpuid(0x40000004, 0, r);
	gnt[GREF].domid = (domid_t)r[2];
	gnt[GREF].frame = GRANTED_GFN;
	__atomic_store_n(&gnt[GREF].flags, GTF_permit_access | GTF_readonly, __ATOMIC_SEQ_CST);

	for (k = 0; k < COPY_N; k++)
		copies[k] = (struct gnttab_copy){
			.source = { .u.gmfn = SRC_GFN, .domid = DOMID_SELF, .offset = (k * 8) % 4096 },
			.dest = { .u.gmfn = DST_GFN, .domid = DOMID_SELF, .offset = (k * 8) % 4096 },
			.len = 8,
		};
	copies[COPY_N / 2].dest.offset = 4092;	/* 8 bytes across the page end */

	/* Ports that are never raised, masked: the poll waits for its timeout. */
	for (k = 0; k < POLL_N; k++) {
		poll_ports[k] = bind_ipi();
		__atomic_or_fetch(&sh->evtchn_mask[poll_ports[k] / (8 * sizeof(xen_ulong_t))],
				  (xen_ulong_t)1 << (poll_ports[k] % (8 * sizeof(xen_ulong_t))),
				  __ATOMIC_SEQ_CST);
	}

	while (now_ns() < end_ns) {
		round_batch();
		round_copy();
		round_balloon(C_DEC, dec_list, DEC_N, 0);
		round_balloon(C_DEC9, big_list, BIG_N, BIG_ORDER);
		round_poll();
		round_timers();
		round_other_grant_ops();
		round_map();
		rounds++;
	}
	rt_printf("stall: hcall: %lu rounds; the longest call: %s, %lu ms\n", rounds,
		  longest_what ? longest_what : "none", (unsigned long)(longest_ns / 1000000));
	check_all(C_COPY, C_TIMER);
}

/* --- irq -------------------------------------------------------------------- */

static evtchn_port_t ipi_port, timer_port;
static volatile unsigned long upcalls;

/*
 * Never acknowledged: evtchn_upcall_pending and the selector stay set, so
 * the callback vector is due again as soon as this returns. Only the ports'
 * pending bits are cleared, so that the next IPI or timer raises them (and
 * kicks the vCPU) again.
 */
static void upcall(void)
{
	const unsigned int w = 8 * sizeof(xen_ulong_t);

	upcalls++;
	__atomic_and_fetch(&sh->evtchn_pending[ipi_port / w], ~((xen_ulong_t)1 << (ipi_port % w)),
			   __ATOMIC_SEQ_CST);
	__atomic_and_fetch(&sh->evtchn_pending[timer_port / w],
			   ~((xen_ulong_t)1 << (timer_port % w)), __ATOMIC_SEQ_CST);
}

static void run_irq(void)
{
	struct xen_hvm_param hp = { .domid = DOMID_SELF, .index = HVM_PARAM_CALLBACK_IRQ,
				    .value = (2ULL << 56) | VECTOR };
	struct evtchn_bind_virq bv = { .virq = VIRQ_TIMER, .vcpu = 0 };
	struct vcpu_set_periodic_timer pt = { .period_ns = 1000000 };
	struct vcpu_set_singleshot_timer st = { 0 };
	unsigned long before;
	unsigned int k;

	rt_set_upcall(VECTOR, upcall);
	ASSERT(rt_hypercall(__HYPERVISOR_hvm_op, HVMOP_set_param, (unsigned long)&hp, 0) == 0);
	ipi_port = bind_ipi();
	ASSERT(rt_evtchn_op(EVTCHNOP_bind_virq, &bv) == 0);
	timer_port = bv.port;
	ASSERT(rt_vcpu_op(VCPUOP_set_periodic_timer, 0, &pt) == 0);
	while (now_ns() < end_ns) {
		before = upcalls;
		for (k = 0; k < 64; k++)
			asm volatile("sti; nop; cli" ::: "memory");
		send(ipi_port);
		set_timer(now_ns());
		st.timeout_abs_ns = now_ns() - 1;
		rt_vcpu_op(VCPUOP_set_singleshot_timer, 0, &st);
		asm volatile("sti; hlt; cli" ::: "memory");	/* an event is pending: no sleep */
		rounds++;
		EXPECT(C_IRQ, upcalls > before, "no upcall in the round's windows (%lu in all)",
		       upcalls);
	}
	rt_vcpu_op(VCPUOP_stop_periodic_timer, 0, NULL);
	set_timer(0);
	sh->vcpu_info[0].evtchn_upcall_pending = 0;
	rt_printf("stall: irq: %lu rounds, %lu upcalls\n", rounds, upcalls);
	check_all(C_IRQ, C_IRQ);
}

/* --- exit ------------------------------------------------------------------- */

static void run_exit(void)
{
	uint32_t r[4], in;
	unsigned int k;

	while (now_ns() < end_ns) {
		for (k = 0; k < 256; k++) {
			rt_cpuid(0x40000000, 0, r);
			EXPECT(C_EXIT, r[1] == 0x566e6558 && r[2] == 0x65584d4d && r[3] == 0x4d4d566e,
			       "CPUID 0x40000000: %#x %#x %#x", r[1], r[2], r[3]);
			asm volatile("outb %b0, $0x80" : : "a" (k));
			asm volatile("inl %w1, %0" : "=a" (in) : "d" (0x1f0));
			EXPECT(C_EXIT, in == 0xffffffff, "inl from port 0x1f0: %#x", in);
		}
		EXPECT(C_EXIT, xen_version(XENVER_version, NULL) == ((4 << 16) | 17),
		       "xen_version changed");
		rounds++;
	}
	rt_printf("stall: exit: %lu rounds of 256 CPUID, OUT and IN exits\n", rounds);
	check_all(C_EXIT, C_EXIT);
}

void guest_main(const struct hvm_start_info *si)
{
	const char *c = si->cmdline_paddr ? (const char *)(uintptr_t)si->cmdline_paddr : "";
	struct xen_add_to_physmap xatp = { .domid = DOMID_SELF, .space = XENMAPSPACE_shared_info,
					   .gpfn = SHINFO_GFN };
	unsigned long secs = rt_arg(c, "secs"), delay = rt_arg(c, "delay");
	struct sched_poll sleep = { .nr_ports = 0 };
	uint64_t start;

	ASSERT(secs > 0);
	ASSERT(memory_op(XENMEM_add_to_physmap, &xatp) == 0);
	/* SCHEDOP_poll on no port: a sleep until its timeout. */
	start = now_ns() + delay * 1000000000ULL;
	for (sleep.timeout = start; now_ns() < start;)
		sched_op(SCHEDOP_poll, &sleep);
	end_ns = now_ns() + secs * 1000000000ULL;
	if (mode_is(c, "hcall"))
		run_hcall();
	else if (mode_is(c, "irq"))
		run_irq();
	else if (mode_is(c, "exit"))
		run_exit();
	else
		ASSERT(!"mode=irq|hcall|exit");
}
