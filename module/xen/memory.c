// SPDX-License-Identifier: GPL-2.0-only
/*
 * memory_op: the special pages a guest places in its own physical address
 * space (XENMEM_add_to_physmap / remove_from_physmap; shared_info so far),
 * the memory map and the reservation queries. Argument layouts differ
 * between 64-bit callers (Xen's public/memory.h) and 32-bit ones (Xen's
 * compat translation: 32-bit xen_ulong_t, xen_pfn_t and handles).
 *
 * Not yet: the balloon calls (increase/decrease_reservation,
 * populate_physmap) and grant-table frames: they return -ENOSYS.
 *
 * Locking: pvhv_domain.lock serializes changes of the physmap (it nests
 * nothing here but the vendor's NPT update).
 */
#define pr_fmt(fmt) "pvhv: xen: " fmt

#include <linux/errno.h>
#include <linux/mm.h>
#include <xen/interface/xen.h>
#include <xen/interface/memory.h>

#include "../core.h"

#ifndef XENMEM_maximum_gpfn
#define XENMEM_maximum_gpfn	14
#endif
#define PVHV_MEMOP_CMD_MASK	0x3f	/* the rest of cmd is a continuation */
#define PVHV_MAX_GFN		((1ULL << 36) - 1)	/* 48-bit guest-physical */
#define PVHV_E820_RAM		1
#define PVHV_E820_RESERVED	2

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

static long pvhv_add_to_physmap(struct pvhv_vcpu *v, u64 ptr, bool compat)
{
	struct pvhv_domain *d = v->d;
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
	if (ret)
		return ret;
	if (space != XENMAPSPACE_shared_info || idx != 0 || gpfn > PVHV_MAX_GFN)
		return -EINVAL;

	mutex_lock(&d->lock);
	/* Moving it: the page it covered before comes back. */
	if (d->shinfo_gfn != PVHV_GFN_NONE)
		pvhv_vendor->npt_set(d, d->shinfo_gfn, pvhv_gfn_to_ram(d, d->shinfo_gfn));
	ret = pvhv_vendor->npt_set(d, gpfn, d->shinfo);
	if (ret) {
		if (d->shinfo_gfn != PVHV_GFN_NONE)
			pvhv_vendor->npt_set(d, d->shinfo_gfn, d->shinfo);
	} else {
		WRITE_ONCE(d->shinfo_gfn, gpfn);
	}
	mutex_unlock(&d->lock);
	if (!ret)
		pvhv_xen_update_wallclock(d);
	return ret;
}

static long pvhv_remove_from_physmap(struct pvhv_vcpu *v, u64 ptr, bool compat)
{
	struct pvhv_domain *d = v->d;
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
	if (gpfn == d->shinfo_gfn) {
		ret = pvhv_vendor->npt_set(d, gpfn, pvhv_gfn_to_ram(d, gpfn));
		if (!ret)
			WRITE_ONCE(d->shinfo_gfn, PVHV_GFN_NONE);
	} else {
		/* Giving back RAM is ballooning, not implemented yet. */
		ret = gpfn < d->nr_pages ? -EOPNOTSUPP : -EINVAL;
	}
	mutex_unlock(&d->lock);
	return ret;
}

static long pvhv_memory_map(struct pvhv_vcpu *v, u64 ptr, bool compat)
{
	u64 ram = v->d->nr_pages << PAGE_SHIFT, special = PVHV_SPECIAL_PAGES * PAGE_SIZE;
	struct pvhv_e820 map[2] = {
		{ .addr = 0, .size = ram - special, .type = PVHV_E820_RAM },
		{ .addr = ram - special, .size = special, .type = PVHV_E820_RESERVED },
	};
	u32 nr, n = ARRAY_SIZE(map);
	u64 buf;

	if (v->d->nr_pages <= PVHV_SPECIAL_PAGES)
		n = 1, map[0].size = ram;
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
	if (pvhv_copy_to_guest(v, buf, map, nr * sizeof(map[0])) ||
	    pvhv_copy_to_guest(v, ptr, &nr, sizeof(nr)))
		return -EFAULT;
	return 0;
}

static long pvhv_reservation(struct pvhv_vcpu *v, u64 ptr)
{
	u16 domid;
	long ret;

	if (pvhv_copy_from_guest(v, &domid, ptr, sizeof(domid)))
		return -EFAULT;
	ret = pvhv_check_self(v, domid);
	return ret ? ret : (long)v->d->nr_pages;
}

long pvhv_xen_memory_op(struct pvhv_vcpu *v, u64 cmd, u64 arg, bool compat)
{
	switch (cmd & PVHV_MEMOP_CMD_MASK) {
	case XENMEM_add_to_physmap:
		return pvhv_add_to_physmap(v, arg, compat);
	case XENMEM_remove_from_physmap:
		return pvhv_remove_from_physmap(v, arg, compat);
	case XENMEM_memory_map:
		return pvhv_memory_map(v, arg, compat);
	case XENMEM_current_reservation:
	case XENMEM_maximum_reservation:
		return pvhv_reservation(v, arg);
	case XENMEM_maximum_ram_page:
	case XENMEM_maximum_gpfn:
		return v->d->nr_pages - 1;
	default:
		return -ENOSYS;
	}
}
