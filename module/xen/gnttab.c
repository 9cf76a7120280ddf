// SPDX-License-Identifier: GPL-2.0-only
/*
 * Grant tables, version 1: the domain's table of grant entries lives in
 * frames the hypervisor allocates and the guest places in its physmap with
 * XENMEM_add_to_physmap(XENMAPSPACE_grant_table, idx); GNTTABOP_query_size,
 * setup_table (grows the table; for a translated guest it reports where each
 * frame is mapped), set_version / get_version (v1; v2 answers as a Xen with
 * v2 disabled) and cache_flush (nothing to do on x86). Semantics and errno
 * values as Xen's common/grant_table.c.
 *
 * Not yet: map_grant_ref, unmap_grant_ref, copy (-ENOSYS, as an unknown op).
 *
 * Locking: pvhv_domain.lock protects the table (frames, nr_frames, the gfn
 * each frame is mapped at, version), as it does the rest of the physmap.
 */
#define pr_fmt(fmt) "pvhv: xen: " fmt

#include <linux/errno.h>
#include <linux/gfp.h>
#include <linux/kthread.h>
#include <linux/sched/signal.h>
#include <linux/mm.h>
#include <linux/slab.h>
#include <xen/interface/xen.h>
#include <xen/interface/grant_table.h>

#include "../core.h"

#ifndef GNTTAB_CACHE_CLEAN
#define GNTTAB_CACHE_CLEAN		(1u << 0)
#define GNTTAB_CACHE_INVAL		(1u << 1)
#define GNTTAB_CACHE_SOURCE_GREF	(1u << 31)
#endif

/* A 32-bit caller's xen_pfn_t and handles are 32 bits (Xen's compat layer). */
struct compat_gnttab_setup_table {
	u16 dom;
	u16 pad;
	u32 nr_frames;
	s16 status;
	u16 pad2;
	u32 frame_list;
};

struct pvhv_gnttab {
	u32 max_frames;		/* immutable */
	u32 nr_frames;		/* frames allocated; grows only */
	u32 version;		/* 1 (v2 is not offered) */
	struct page **frames;	/* [max_frames] */
	u64 *frame_gfn;		/* [max_frames]: where the guest put each, or PVHV_GFN_NONE */
};

int pvhv_gnttab_init(struct pvhv_domain *d)
{
	struct pvhv_gnttab *gt;
	u32 i;

	gt = kzalloc(sizeof(*gt), GFP_KERNEL_ACCOUNT);
	if (!gt)
		return -ENOMEM;
	gt->max_frames = pvhv_gnttab_max_frames;
	gt->version = 1;
	gt->frames = kcalloc(gt->max_frames, sizeof(*gt->frames), GFP_KERNEL_ACCOUNT);
	gt->frame_gfn = kcalloc(gt->max_frames, sizeof(*gt->frame_gfn), GFP_KERNEL_ACCOUNT);
	if (!gt->frames || !gt->frame_gfn) {
		kfree(gt->frames);
		kfree(gt->frame_gfn);
		kfree(gt);
		return -ENOMEM;
	}
	for (i = 0; i < gt->max_frames; i++)
		gt->frame_gfn[i] = PVHV_GFN_NONE;
	d->gnttab = gt;
	atomic64_inc(&pvhv_counters.objects);
	return 0;
}

void pvhv_gnttab_free(struct pvhv_domain *d)
{
	struct pvhv_gnttab *gt = d->gnttab;
	u32 i;

	if (!gt)
		return;
	for (i = 0; i < gt->nr_frames; i++)
		__free_page(gt->frames[i]);
	kfree(gt->frames);
	kfree(gt->frame_gfn);
	kfree(gt);
	d->gnttab = NULL;
	atomic64_dec(&pvhv_counters.objects);
}

/* Grow the table to @nr frames (zeroed: no entry grants anything). */
static int pvhv_gnttab_grow_locked(struct pvhv_domain *d, u32 nr)
{
	struct pvhv_gnttab *gt = d->gnttab;

	lockdep_assert_held(&d->lock);
	if (nr > gt->max_frames)
		return -EINVAL;
	while (gt->nr_frames < nr) {
		struct page *page = alloc_page(GFP_KERNEL_ACCOUNT | __GFP_ZERO);

		if (!page)
			return -ENOMEM;
		gt->frames[gt->nr_frames++] = page;
	}
	return 0;
}

/*
 * XENMAPSPACE_grant_table: frame @idx (the table grows to hold it) and the
 * gfn it was mapped at before. Status frames (XENMAPIDX_grant_table_status)
 * exist only in v2.
 */
int pvhv_gnttab_frame_locked(struct pvhv_domain *d, u64 idx, struct page **page, u64 *old_gfn)
{
	struct pvhv_gnttab *gt = d->gnttab;
	int ret;

	if (idx >= gt->max_frames)
		return -EINVAL;	/* also XENMAPIDX_grant_table_status: no v2 here */
	ret = pvhv_gnttab_grow_locked(d, idx + 1);
	if (ret)
		return ret;
	*page = gt->frames[idx];
	*old_gfn = gt->frame_gfn[idx];
	return 0;
}

void pvhv_gnttab_set_gfn_locked(struct pvhv_domain *d, u64 idx, u64 gfn)
{
	lockdep_assert_held(&d->lock);
	d->gnttab->frame_gfn[idx] = gfn;
}

/* Whatever frame was mapped at @gfn is not any more. */
void pvhv_gnttab_forget_gfn_locked(struct pvhv_domain *d, u64 gfn)
{
	struct pvhv_gnttab *gt = d->gnttab;
	u32 i;

	lockdep_assert_held(&d->lock);
	for (i = 0; i < gt->nr_frames; i++)
		if (gt->frame_gfn[i] == gfn)
			gt->frame_gfn[i] = PVHV_GFN_NONE;
}

/* Only the caller itself (an unprivileged guest): the GNTST_* Xen gives. */
static s16 pvhv_gnttab_check_dom(struct pvhv_vcpu *v, u16 dom)
{
	if (dom == DOMID_SELF || dom == v->d->domid)
		return GNTST_okay;
	return pvhv_domid_exists(dom) ? GNTST_permission_denied : GNTST_bad_domain;
}

static long pvhv_gnttab_query_size(struct pvhv_vcpu *v, u64 uop, u32 count)
{
	struct pvhv_domain *d = v->d;
	struct gnttab_query_size q;

	if (count != 1)
		return -EINVAL;
	if (pvhv_copy_from_guest(v, &q, uop, sizeof(q)))
		return -EFAULT;
	q.status = pvhv_gnttab_check_dom(v, q.dom);
	if (q.status == GNTST_okay) {
		mutex_lock(&d->lock);
		q.nr_frames = d->gnttab->nr_frames;
		q.max_nr_frames = d->gnttab->max_frames;
		mutex_unlock(&d->lock);
	}
	return pvhv_copy_to_guest(v, uop, &q, sizeof(q)) ? -EFAULT : 0;
}

static long pvhv_gnttab_setup_table(struct pvhv_vcpu *v, u64 uop, u32 count, bool compat)
{
	struct pvhv_domain *d = v->d;
	struct gnttab_setup_table st;
	u64 list, gfn;
	u32 i, nr;
	s16 status;
	int size = compat ? 4 : 8;

	if (count != 1)
		return -EINVAL;
	if (compat) {
		struct compat_gnttab_setup_table c;

		if (pvhv_copy_from_guest(v, &c, uop, sizeof(c)))
			return -EFAULT;
		st.dom = c.dom, nr = c.nr_frames, list = c.frame_list;
	} else {
		if (pvhv_copy_from_guest(v, &st, uop, sizeof(st)))
			return -EFAULT;
		nr = st.nr_frames, list = (u64)(unsigned long)st.frame_list;
	}
	status = pvhv_gnttab_check_dom(v, st.dom);
	mutex_lock(&d->lock);
	if (status == GNTST_okay && (nr > d->gnttab->max_frames || pvhv_gnttab_grow_locked(d, nr)))
		status = GNTST_general_error;
	/* A translated guest maps frames itself: report where each one is. */
	for (i = 0; status == GNTST_okay && i < nr; i++) {
		gfn = d->gnttab->frame_gfn[i];
		if (compat)
			gfn = gfn == PVHV_GFN_NONE ? ~0U : (u32)gfn;
		if (pvhv_copy_to_guest(v, list + (u64)i * size, &gfn, size))
			status = GNTST_bad_virt_addr;
	}
	mutex_unlock(&d->lock);
	/* status sits at the same offset (8) in both layouts */
	return pvhv_copy_to_guest(v, uop + offsetof(struct gnttab_setup_table, status), &status,
				  sizeof(status)) ? -EFAULT : 0;
}

static long pvhv_gnttab_set_version(struct pvhv_vcpu *v, u64 uop, u32 count)
{
	struct gnttab_set_version sv;
	long ret = 0;

	if (count != 1)
		return -EINVAL;
	if (pvhv_copy_from_guest(v, &sv, uop, sizeof(sv)))
		return -EFAULT;
	if (sv.version != 1 && sv.version != 2)
		ret = -EINVAL;
	else if (sv.version == 2)
		ret = -ENOSYS;	/* as a Xen whose max grant version is 1 */
	sv.version = 1;		/* the version in force, whatever happened */
	if (pvhv_copy_to_guest(v, uop, &sv, sizeof(sv)))
		return -EFAULT;
	return ret;
}

static long pvhv_gnttab_get_version(struct pvhv_vcpu *v, u64 uop, u32 count)
{
	struct gnttab_get_version gv;

	if (count != 1)
		return -EINVAL;
	if (pvhv_copy_from_guest(v, &gv, uop, sizeof(gv)))
		return -EFAULT;
	switch (pvhv_gnttab_check_dom(v, gv.dom)) {
	case GNTST_okay:
		break;
	case GNTST_bad_domain:
		return -ESRCH;
	default:
		return -EPERM;
	}
	gv.version = 1;
	return pvhv_copy_to_guest(v, uop, &gv, sizeof(gv)) ? -EFAULT : 0;
}

/* Nothing to flush on x86 (coherent caches); the arguments are still checked. */
static long pvhv_gnttab_cache_flush(struct pvhv_vcpu *v, u64 uop, u32 count)
{
	struct gnttab_cache_flush cf;
	u32 i;

	for (i = 0; i < count; i++) {
		if (!(i & 1023)) {	/* Xen would preempt with a continuation */
			cond_resched();
			if (kthread_should_stop() || fatal_signal_pending(current))
				return -EINTR;
		}
		if (pvhv_copy_from_guest(v, &cf, uop + (u64)i * sizeof(cf), sizeof(cf)))
			return -EFAULT;
		if (cf.offset >= PAGE_SIZE || cf.length > PAGE_SIZE - cf.offset ||
		    (cf.op & ~(GNTTAB_CACHE_CLEAN | GNTTAB_CACHE_INVAL | GNTTAB_CACHE_SOURCE_GREF)))
			return -EINVAL;
	}
	return 0;
}

long pvhv_xen_grant_table_op(struct pvhv_vcpu *v, u64 cmd, u64 uop, u64 count, bool compat)
{
	/* Xen refuses counts with the high bit set (they alias a continuation). */
	if (count > INT_MAX)
		return -EINVAL;
	switch (cmd) {
	case GNTTABOP_query_size:
		return pvhv_gnttab_query_size(v, uop, count);
	case GNTTABOP_setup_table:
		return pvhv_gnttab_setup_table(v, uop, count, compat);
	case GNTTABOP_set_version:
		return pvhv_gnttab_set_version(v, uop, count);
	case GNTTABOP_get_version:
		return pvhv_gnttab_get_version(v, uop, count);
	case GNTTABOP_cache_flush:
		return pvhv_gnttab_cache_flush(v, uop, count);
	case GNTTABOP_transfer:
		return -ENOSYS;	/* as Xen for a translated (HVM/PVH) guest */
	default:
		return -ENOSYS;
	}
}
