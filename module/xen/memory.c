// SPDX-License-Identifier: GPL-2.0-only
/*
 * memory_op: the special pages a guest places in its own physical address
 * space (XENMEM_add_to_physmap / remove_from_physmap: shared_info and
 * grant-table frames, over RAM or beyond it),
 * the memory map and the reservation queries. Argument layouts differ
 * between 64-bit callers (Xen's public/memory.h) and 32-bit ones (Xen's
 * compat translation: 32-bit xen_ulong_t, xen_pfn_t and handles).
 *
 * The balloon: decrease_reservation (and remove_from_physmap of RAM) hands
 * pages back to the host, populate_physmap takes fresh zeroed ones, within
 * the domain's RAM part of the physmap (its maximum). For a translated guest
 * Xen's increase_reservation allocates pages the guest cannot reach; here it
 * places them at the listed gfns as populate_physmap does.
 *
 * The batches (reservations, add_to_physmap_batch) are preempted as Xen's
 * do_memory_op() preempts them: a continuation (../core.h) that carries the
 * extent to resume from in cmd's upper bits (MEMOP_EXTENT_SHIFT), which is
 * also where a guest may ask to start.
 *
 * Locking: pvhv_domain.lock serializes changes of the physmap (it nests
 * nothing here but the vendor's NPT update). A page leaves the physmap under
 * the lock and is freed outside it by pvhv_domain_free_pages(), once no vCPU
 * and no host copy can reach it any more: a batch of them at a time.
 */
#define pr_fmt(fmt) "pvhv: xen: " fmt

#include <linux/errno.h>
#include <linux/gfp.h>
#include <linux/mm.h>
#include <linux/slab.h>
#include <xen/interface/xen.h>
#include <xen/interface/memory.h>

#include "../core.h"

#ifndef XENMEM_maximum_gpfn
#define XENMEM_maximum_gpfn	14
#endif
#define PVHV_MEMOP_CMD_MASK	0x3f	/* the rest of cmd is a continuation */
#define PVHV_MAX_GFN		((1ULL << 36) - 1)	/* 48-bit guest-physical */
#define PVHV_MEMOP_EXTENT_SHIFT	6	/* MEMOP_EXTENT_SHIFT: where a continuation resumes */
#define PVHV_MAX_EXTENT_ORDER	9	/* Xen's limit for an unprivileged domain */
/* Pages handed back together: one flush and one grace period for all. */
#define PVHV_FREE_BATCH		512

/* Compat (32-bit caller) layouts, as Xen's compat translation reads them. */
struct compat_add_to_physmap {
	u16 domid;
	u16 size;
	u32 space;
	u32 idx;
	u32 gpfn;
};

struct compat_remove_from_physmap {
	u16 domid;
	u16 pad;
	u32 gpfn;
};

struct compat_memory_map {
	u32 nr_entries;
	u32 buffer;
};

struct compat_memory_reservation {
	u32 extent_start;
	u32 nr_extents;
	u32 extent_order;
	u32 mem_flags;
	u16 domid;
	u16 pad;
};

struct pvhv_e820 {
	u64 addr;
	u64 size;
	u32 type;
} __packed;

/* Only the caller itself: DOMID_SELF or its own id (unprivileged guest). */
static long pvhv_check_self(struct pvhv_vcpu *v, u16 domid)
{
	if (domid == DOMID_SELF || domid == v->d->domid)
		return 0;
	return pvhv_domid_exists(domid) ? -EPERM : -ESRCH;
}

/*
 * Continue the memory_op at extent (or entry) @start, which the guest's
 * next execution finds in cmd's upper bits (Xen's
 * hypercall_create_continuation(__HYPERVISOR_memory_op, "lh",
 * op | (start << MEMOP_EXTENT_SHIFT), arg)). The callers keep @start below
 * 2^26, so a 32-bit caller's cmd holds it too.
 */
static long pvhv_memop_continue(struct pvhv_vcpu *v, u64 cmd, u64 start)
{
	pvhv_hcall_set_arg(v, 0, (cmd & PVHV_MEMOP_CMD_MASK) | (start << PVHV_MEMOP_EXTENT_SHIFT));
	return pvhv_hcall_continue(v);
}

/* What the guest sees at @gfn changed: point the nested tables at it. */
int pvhv_physmap_sync(struct pvhv_domain *d, u64 gfn)
{
	lockdep_assert_held(&d->lock);
	return pvhv_x86_npt_set(d, gfn, pvhv_gfn_to_page(d, gfn), !pvhv_gfn_is_readonly(d, gfn));
}

/* Take the RAM page at @gfn out of the physmap; the caller frees it. */
static struct page *pvhv_ram_remove(struct pvhv_domain *d, u64 gfn)
{
	struct page *page = pvhv_gfn_to_ram(d, gfn);

	lockdep_assert_held(&d->lock);
	if (!page)
		return NULL;
	WRITE_ONCE(d->pages[array_index_nospec(gfn, d->nr_pages)], NULL);
	d->tot_pages--;
	atomic64_dec(&pvhv_counters.guest_pages);
	/* A special page placed over it stays; otherwise the gfn is a hole. */
	pvhv_physmap_sync(d, gfn);	/* the tables exist: it cannot fail */
	return page;
}

/*
 * Whatever hypervisor page the guest placed at @gfn (shared_info, a grant
 * frame) leaves it; the caller makes the nested tables follow.
 */
static bool pvhv_special_clear(struct pvhv_domain *d, u64 gfn)
{
	bool was = false;

	lockdep_assert_held(&d->lock);
	if (gfn == d->shinfo_gfn) {
		WRITE_ONCE(d->shinfo_gfn, PVHV_GFN_NONE);
		was = true;
	}
	if (xa_erase(&d->overlay, gfn)) {
		pvhv_gnttab_forget_gfn_locked(d, gfn);
		was = true;
	}
	return was;
}

/* Place page @idx of @space at @gpfn (XENMEM_add_to_physmap and _batch). */
static long pvhv_physmap_add(struct pvhv_domain *d, u32 space, u64 idx, u64 gpfn)
{
	struct page *page;
	u64 old;
	long ret;

	if (gpfn > PVHV_MAX_GFN)
		return -EINVAL;
	switch (space) {
	case XENMAPSPACE_shared_info:
		if (idx != 0)
			return -EINVAL;
		mutex_lock(&d->lock);
		/* Moving it: the page it covered before comes back. */
		old = d->shinfo_gfn;
		WRITE_ONCE(d->shinfo_gfn, PVHV_GFN_NONE);
		if (old != PVHV_GFN_NONE)
			pvhv_physmap_sync(d, old);
		pvhv_special_clear(d, gpfn);
		WRITE_ONCE(d->shinfo_gfn, gpfn);
		ret = pvhv_physmap_sync(d, gpfn);
		if (ret) {
			WRITE_ONCE(d->shinfo_gfn, PVHV_GFN_NONE);
			pvhv_physmap_sync(d, gpfn);
		}
		mutex_unlock(&d->lock);
		if (!ret)
			pvhv_xen_update_wallclock(d);
		return ret;
	case XENMAPSPACE_grant_table:
		mutex_lock(&d->lock);
		ret = pvhv_gnttab_frame_locked(d, idx, &page, &old);
		if (ret)
			goto out_unlock;
		if (old != PVHV_GFN_NONE) {
			xa_erase(&d->overlay, old);
			pvhv_gnttab_set_gfn_locked(d, idx, PVHV_GFN_NONE);
			pvhv_physmap_sync(d, old);
		}
		pvhv_special_clear(d, gpfn);
		ret = xa_err(xa_store(&d->overlay, gpfn, page, GFP_KERNEL_ACCOUNT));
		if (!ret) {
			pvhv_gnttab_set_gfn_locked(d, idx, gpfn);
			ret = pvhv_physmap_sync(d, gpfn);
		}
		if (ret) {
			pvhv_special_clear(d, gpfn);
			pvhv_physmap_sync(d, gpfn);
		}
out_unlock:
		mutex_unlock(&d->lock);
		return ret;
	default:
		return -EINVAL;
	}
}

static long pvhv_add_to_physmap(struct pvhv_vcpu *v, u64 ptr, bool compat)
{
	u64 idx, gpfn;
	u32 space;
	u16 domid;
	long ret;

	if (compat) {
		struct compat_add_to_physmap a;

		if (pvhv_copy_from_guest(v, &a, ptr, sizeof(a)))
			return -EFAULT;
		domid = a.domid, space = a.space, idx = a.idx, gpfn = a.gpfn;
	} else {
		struct xen_add_to_physmap a;

		if (pvhv_copy_from_guest(v, &a, ptr, sizeof(a)))
			return -EFAULT;
		domid = a.domid, space = a.space, idx = a.idx, gpfn = a.gpfn;
	}
	ret = pvhv_check_self(v, domid);
	return ret ? ret : pvhv_physmap_add(v->d, space, idx, gpfn);
}

/*
 * XENMEM_add_to_physmap_batch: @size entries of (idx, gpfn), an error per
 * entry in errs[], from the entry cmd names on (Xen: -EDOM if that cannot
 * be a u16, -EILSEQ past the end). Foreign frames (gmfn_foreign) are for
 * privileged domains.
 */
static long pvhv_add_to_physmap_batch(struct pvhv_vcpu *v, u64 cmd, u64 ptr, bool compat)
{
	u64 idxs, gpfns, errs, idx, gpfn, i, start = cmd >> PVHV_MEMOP_EXTENT_SHIFT;
	u16 domid, space, size, foreign;
	int esize = compat ? 4 : 8;
	s32 err;
	long ret;

	if (start > U16_MAX)
		return -EDOM;

	if (compat) {
		struct { u16 domid, space, size, foreign; u32 idxs, gpfns, errs; } b;

		if (pvhv_copy_from_guest(v, &b, ptr, sizeof(b)))
			return -EFAULT;
		domid = b.domid, space = b.space, size = b.size, foreign = b.foreign;
		idxs = b.idxs, gpfns = b.gpfns, errs = b.errs;
	} else {
		struct xen_add_to_physmap_range b;

		if (pvhv_copy_from_guest(v, &b, ptr, sizeof(b)))
			return -EFAULT;
		domid = b.domid, space = b.space, size = b.size, foreign = b.foreign_domid;
		idxs = (u64)(unsigned long)b.idxs, gpfns = (u64)(unsigned long)b.gpfns;
		errs = (u64)(unsigned long)b.errs;
	}
	ret = pvhv_check_self(v, domid);
	if (ret)
		return ret;
	if (space == XENMAPSPACE_gmfn_foreign)
		return pvhv_domid_exists(foreign) ? -EPERM : -ESRCH;
	if (space == XENMAPSPACE_gmfn_range)
		return -EINVAL;	/* as Xen: not in a batch */
	if (start > size)
		return -EILSEQ;
	for (i = start; i < size; i++) {
		if (i > start && pvhv_hcall_preempt_check(v))
			return pvhv_memop_continue(v, cmd, i);
		idx = gpfn = 0;
		if (pvhv_copy_from_guest(v, &idx, idxs + i * esize, esize) ||
		    pvhv_copy_from_guest(v, &gpfn, gpfns + i * esize, esize))
			return -EFAULT;
		err = pvhv_physmap_add(v->d, space, idx, gpfn);
		if (pvhv_copy_to_guest(v, errs + i * 4, &err, sizeof(err)))
			return -EFAULT;
		pvhv_hcall_work(v, 1);
	}
	return 0;
}

static long pvhv_remove_from_physmap(struct pvhv_vcpu *v, u64 ptr, bool compat)
{
	struct pvhv_domain *d = v->d;
	struct page *page = NULL;
	u16 domid;
	u64 gpfn;
	long ret;

	if (compat) {
		struct compat_remove_from_physmap r;

		if (pvhv_copy_from_guest(v, &r, ptr, sizeof(r)))
			return -EFAULT;
		domid = r.domid, gpfn = r.gpfn;
	} else {
		struct xen_remove_from_physmap r;

		if (pvhv_copy_from_guest(v, &r, ptr, sizeof(r)))
			return -EFAULT;
		domid = r.domid, gpfn = r.gpfn;
	}
	ret = pvhv_check_self(v, domid);
	if (ret)
		return ret;
	mutex_lock(&d->lock);
	if (pvhv_special_clear(d, gpfn)) {
		/* shared_info or a grant frame: the RAM page beneath comes back. */
		ret = pvhv_physmap_sync(d, gpfn);
	} else {
		/* RAM: the page goes back to the host, as a balloon would. */
		page = pvhv_ram_remove(d, gpfn);
		ret = page ? 0 : -ENOENT;
	}
	mutex_unlock(&d->lock);
	if (page)
		pvhv_domain_free_pages(d, &page, 1);
	return ret;
}

/* The reservation arguments, either layout; -errno if unreadable or foreign. */
static long pvhv_read_reservation(struct pvhv_vcpu *v, u64 ptr, bool compat, u64 *list,
				  u64 *nr, u32 *order)
{
	u16 domid;

	if (compat) {
		struct compat_memory_reservation r;

		if (pvhv_copy_from_guest(v, &r, ptr, sizeof(r)))
			return -EFAULT;
		*list = r.extent_start, *nr = r.nr_extents, *order = r.extent_order;
		domid = r.domid;
	} else {
		struct xen_memory_reservation r;

		if (pvhv_copy_from_guest(v, &r, ptr, sizeof(r)))
			return -EFAULT;
		*list = (u64)(unsigned long)r.extent_start;	/* a guest address */
		*nr = r.nr_extents, *order = r.extent_order;
		domid = r.domid;
	}
	return pvhv_check_self(v, domid);
}

/* Entry @i of the guest's extent list (xen_pfn_t: 8 or 4 bytes). */
static int pvhv_read_extent(struct pvhv_vcpu *v, u64 list, u64 i, bool compat, u64 *gfn)
{
	u32 gfn32;

	if (!compat)
		return pvhv_copy_from_guest(v, gfn, list + i * 8, 8);
	if (pvhv_copy_from_guest(v, &gfn32, list + i * 4, 4))
		return -EFAULT;
	*gfn = gfn32;
	return 0;
}

/*
 * The extents to work on, as Xen's do_memory_op() checks them: from the one
 * cmd names on; none if there are too many to name the last in cmd (Xen:
 * UINT_MAX >> MEMOP_EXTENT_SHIFT) or the order is beyond an unprivileged
 * domain's. False: return *@start, the count of extents done.
 */
static bool pvhv_extents_ok(u64 cmd, u64 nr, u32 order, u64 *start)
{
	*start = cmd >> PVHV_MEMOP_EXTENT_SHIFT;
	return nr <= (U32_MAX >> PVHV_MEMOP_EXTENT_SHIFT) && order <= PVHV_MAX_EXTENT_ORDER &&
	       *start < nr;
}

/*
 * XENMEM_decrease_reservation: each extent is 2^order gfns whose RAM goes
 * back to the host. As Xen, the count of whole extents done is returned and
 * the first one that fails (a hole, beyond RAM, an unreadable list) ends it.
 * The pages go a batch at a time, all of them before the hypercall returns
 * or is continued.
 */
static long pvhv_decrease_reservation(struct pvhv_vcpu *v, u64 cmd, u64 ptr, bool compat)
{
	struct pvhv_domain *d = v->d;
	u64 list, nr, i, start, gfn, j, k, count;
	struct page *one, **batch;
	unsigned int n = 0, max;
	bool whole, preempted = false;
	u32 order;
	long ret;

	ret = pvhv_read_reservation(v, ptr, compat, &list, &nr, &order);
	if (ret)
		return ret;
	if (!pvhv_extents_ok(cmd, nr, order, &start))
		return start;
	count = 1ULL << order;
	max = PVHV_FREE_BATCH;
	batch = kmalloc_array(max, sizeof(*batch), GFP_KERNEL);
	if (!batch) {
		batch = &one;
		max = 1;
	}
	for (i = start; i < nr; i++) {
		if (i > start && pvhv_hcall_preempt_check(v)) {
			preempted = true;
			break;
		}
		if (pvhv_read_extent(v, list, i, compat, &gfn) || gfn >= d->nr_pages ||
		    count > d->nr_pages - gfn)
			break;
		whole = true;
		for (j = 0; j < count; j = k) {
			u64 end = min_t(u64, count, j + (max - n));

			mutex_lock(&d->lock);
			for (k = j; k < end; k++) {
				batch[n] = pvhv_ram_remove(d, gfn + k);
				if (batch[n])
					n++;
				else
					whole = false;	/* a hole already */
			}
			mutex_unlock(&d->lock);
			if (n == max) {
				pvhv_domain_free_pages(d, batch, n);
				n = 0;
			}
		}
		pvhv_hcall_work(v, count);
		if (!whole)
			break;
	}
	pvhv_domain_free_pages(d, batch, n);
	if (batch != &one)
		kfree(batch);
	return preempted ? pvhv_memop_continue(v, cmd, i) : (long)i;
}

/*
 * XENMEM_populate_physmap: each extent is 2^order gfns (aligned to the order)
 * that get fresh, zeroed host pages; every one of them must be a hole in the
 * RAM part of the physmap, which bounds the domain to its maximum.
 */
static long pvhv_populate_physmap(struct pvhv_vcpu *v, u64 cmd, u64 ptr, bool compat)
{
	struct pvhv_domain *d = v->d;
	u64 list, nr, i, start, gfn, j, count;
	bool ok, preempted = false;
	struct page **batch;
	u32 order;
	long ret;

	ret = pvhv_read_reservation(v, ptr, compat, &list, &nr, &order);
	if (ret)
		return ret;
	if (!pvhv_extents_ok(cmd, nr, order, &start))
		return start;
	count = 1ULL << order;
	batch = kcalloc(count, sizeof(*batch), GFP_KERNEL);
	if (!batch)
		return start;
	for (i = start; i < nr; i++) {
		if (i > start && pvhv_hcall_preempt_check(v)) {
			preempted = true;
			break;
		}
		if (pvhv_read_extent(v, list, i, compat, &gfn) || gfn >= d->nr_pages ||
		    count > d->nr_pages - gfn || (gfn & (count - 1)))
			break;
		for (j = 0; j < count; j++) {
			batch[j] = alloc_page(GFP_KERNEL_ACCOUNT | __GFP_ZERO | __GFP_NOWARN |
					      __GFP_RETRY_MAYFAIL);
			if (!batch[j])
				break;
		}
		ok = j == count;
		mutex_lock(&d->lock);
		for (j = 0; ok && j < count; j++)
			ok = !pvhv_gfn_to_ram(d, gfn + j);
		for (j = 0; ok && j < count; j++) {
			WRITE_ONCE(d->pages[array_index_nospec(gfn + j, d->nr_pages)], batch[j]);
			batch[j] = NULL;
			d->tot_pages++;
			atomic64_inc(&pvhv_counters.guest_pages);
			if (pvhv_physmap_sync(d, gfn + j))
				pvhv_domain_crash(d, "nested tables for gfn %#llx", gfn + j);
		}
		mutex_unlock(&d->lock);
		for (j = 0; j < count && batch[j]; j++) {
			__free_page(batch[j]);	/* never visible to the guest */
			batch[j] = NULL;
		}
		pvhv_hcall_work(v, count);
		if (!ok)
			break;
	}
	kfree(batch);
	return preempted ? pvhv_memop_continue(v, cmd, i) : (long)i;
}

static long pvhv_memory_map(struct pvhv_vcpu *v, u64 ptr, bool compat)
{
	u64 ram = v->d->nr_pages << PAGE_SHIFT, special = PVHV_SPECIAL_PAGES * PAGE_SIZE;
	struct pvhv_e820 map[2] = {
		{ .addr = 0, .size = ram - special, .type = PVHV_E820_RAM },
		{ .addr = ram - special, .size = special, .type = PVHV_E820_RESERVED },
	};
	const struct pvhv_memory_map_entry *set = v->d->memmap;	/* immutable while running */
	u32 nr, n = ARRAY_SIZE(map), i;
	u64 buf;

	if (v->d->nr_pages <= PVHV_SPECIAL_PAGES)
		n = 1, map[0].size = ram;
	if (set)
		n = v->d->nr_memmap;
	if (compat) {
		struct compat_memory_map m;

		if (pvhv_copy_from_guest(v, &m, ptr, sizeof(m)))
			return -EFAULT;
		nr = m.nr_entries, buf = m.buffer;
	} else {
		struct xen_memory_map m;

		if (pvhv_copy_from_guest(v, &m, ptr, sizeof(m)))
			return -EFAULT;
		nr = m.nr_entries, buf = (u64)(unsigned long)m.buffer;	/* a guest address */
	}
	nr = min(nr, n);	/* as Xen: as many entries as fit */
	if (set) {
		for (i = 0; i < nr; i++) {
			struct pvhv_e820 e = {
				.addr = set[i].addr, .size = set[i].size, .type = set[i].type,
			};

			if (pvhv_copy_to_guest(v, buf + i * sizeof(e), &e, sizeof(e)))
				return -EFAULT;
		}
	} else if (pvhv_copy_to_guest(v, buf, map, nr * sizeof(map[0]))) {
		return -EFAULT;
	}
	if (pvhv_copy_to_guest(v, ptr, &nr, sizeof(nr)))
		return -EFAULT;
	return 0;
}

static long pvhv_reservation(struct pvhv_vcpu *v, u64 ptr, bool current_only)
{
	struct pvhv_domain *d = v->d;
	u16 domid;
	long ret;

	if (pvhv_copy_from_guest(v, &domid, ptr, sizeof(domid)))
		return -EFAULT;
	ret = pvhv_check_self(v, domid);
	if (ret)
		return ret;
	if (!current_only)
		return d->nr_pages;
	mutex_lock(&d->lock);
	ret = d->tot_pages;
	mutex_unlock(&d->lock);
	return ret;
}

long pvhv_xen_memory_op(struct pvhv_vcpu *v, u64 cmd, u64 arg, bool compat)
{
	switch (cmd & PVHV_MEMOP_CMD_MASK) {
	case XENMEM_add_to_physmap:
		return pvhv_add_to_physmap(v, arg, compat);
	case XENMEM_add_to_physmap_range:	/* Xen's XENMEM_add_to_physmap_batch */
		return pvhv_add_to_physmap_batch(v, cmd, arg, compat);
	case XENMEM_remove_from_physmap:
		return pvhv_remove_from_physmap(v, arg, compat);
	case XENMEM_memory_map:
		return pvhv_memory_map(v, arg, compat);
	case XENMEM_current_reservation:
		return pvhv_reservation(v, arg, true);
	case XENMEM_maximum_reservation:
		return pvhv_reservation(v, arg, false);
	case XENMEM_decrease_reservation:
		return pvhv_decrease_reservation(v, cmd, arg, compat);
	case XENMEM_increase_reservation:
	case XENMEM_populate_physmap:
		return pvhv_populate_physmap(v, cmd, arg, compat);
	case XENMEM_maximum_ram_page:
	case XENMEM_maximum_gpfn:
		return v->d->nr_pages - 1;
	default:
		return -ENOSYS;
	}
}
