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
 * map_grant_ref / unmap_grant_ref for a translated mapper: host_addr is a
 * guest-physical address where the granted page appears (read-only when
 * GNTMAP_readonly; the RAM beneath comes back on unmap). The granter's entry
 * must permit access to the mapper (and writing, for a writable map); while
 * mapped it carries GTF_reading / GTF_writing, so the granter can see the
 * grant is in use. A mapping holds a reference on the page and on the
 * granting domain: a granter that dies or balloons the page out leaves the
 * mapper a live page, never a freed one. Mappings go when the mapper does.
 *
 * GNTTABOP_copy: batches of copies between grants (pinned for the copy) and
 * the caller's own frames, each bounded to its page, with a status per op;
 * a 32-bit caller's ops in Xen's compat layout (32-bit xen_pfn_t).
 *
 * Every counted op is preempted as Xen's do_grant_table_op() preempts it: a
 * continuation (../core.h) with uop advanced past the ops done and count
 * reduced by them. Unmaps take their mappings out of the physmap one by one
 * and finish them (flush, then the granter's flags, the page, the granter)
 * a batch at a time, as Xen's GNTTAB_UNMAP_BATCH_SIZE does.
 *
 * unmap_and_replace and transfer as Xen answers a translated guest: the
 * former unmaps when no replacement address is given (a translated guest
 * has nothing to put back) and fails each op that names one; transfer
 * cannot steal a page from a translated guest: GNTST_bad_page for a frame
 * that is not its RAM, GNTST_general_error otherwise (steal_page()'s
 * -EOPNOTSUPP), per op.
 *
 * Locking: pvhv_domain.lock protects the table (frames, nr_frames, the gfn
 * each frame is mapped at, version, the active entries and the maptrack), as
 * it does the rest of the physmap. Mapping takes the granter's lock and the
 * mapper's one after the other, never nested.
 */
#define pr_fmt(fmt) "pvhv: xen: " fmt

#include <linux/errno.h>
#include <linux/gfp.h>
#include <linux/highmem.h>
#include <linux/mm.h>
#include <linux/nospec.h>
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

/* A 32-bit caller's gnttab_copy: xen_pfn_t is 32 bits (Xen's compat layer). */
struct compat_gnttab_copy_ptr {
	u32 ref_or_gmfn;
	u16 domid;
	u16 offset;
};

struct compat_gnttab_copy {
	struct compat_gnttab_copy_ptr source, dest;
	u16 len;
	u16 flags;
	s16 status;
	u16 pad;
};

#define PVHV_MAX_GFN		((1ULL << 36) - 1)	/* 48-bit guest-physical */
#define PVHV_GNT_PER_FRAME	(PAGE_SIZE / sizeof(struct grant_entry_v1))
#define PVHV_MAPTRACK_MAX	4096	/* grant mappings a domain may hold */
/*
 * Unmaps finished together: one flush of the vCPUs and one RCU grace period
 * for all (Xen: GNTTAB_UNMAP_BATCH_SIZE, 32, one TLB flush each).
 */
#define PVHV_UNMAP_BATCH	256

/* How a grant of ours is in use by a mapper (Xen's active entry). */
struct pvhv_grant_active {
	u16 pin_ro, pin_rw;	/* live read-only / writable mappings */
	u16 domid;		/* the mapper, while pinned */
	u16 pad;
	struct page *page;	/* what they map, while pinned */
};

/* One mapping this domain holds of another's grant (Xen's maptrack). */
struct pvhv_maptrack {
	struct pvhv_domain *rd;	/* the granter, referenced; NULL: free slot */
	struct page *page;	/* referenced */
	u64 gfn;		/* where it is in our physmap */
	u32 ref;
	u32 next_free;		/* a free slot: the next on the free list */
	bool readonly;
};

#define PVHV_MAPTRACK_NONE	U32_MAX	/* the end of the free list */

struct pvhv_gnttab {
	u32 max_frames;		/* immutable */
	u32 nr_frames;		/* frames allocated; grows only */
	u32 version;		/* 1 (v2 is not offered) */
	struct page **frames;	/* [max_frames] */
	u64 *frame_gfn;		/* [max_frames]: where the guest put each, or PVHV_GFN_NONE */
	struct pvhv_grant_active **active;	/* [max_frames][PVHV_GNT_PER_FRAME] */
	struct pvhv_maptrack *maptrack;		/* [PVHV_MAPTRACK_MAX], on first map */
	u32 maptrack_used;
	/*
	 * The free slots, a list from head to tail: a map takes the head, an
	 * unmap puts its slot at the tail (Xen's get/put_maptrack_handle()), so
	 * finding a handle costs the same however many are in use, and a
	 * handle just unmapped is the last to be given out again.
	 */
	u32 maptrack_head, maptrack_tail;
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
	gt->active = kcalloc(gt->max_frames, sizeof(*gt->active), GFP_KERNEL_ACCOUNT);
	if (!gt->frames || !gt->frame_gfn || !gt->active) {
		kfree(gt->frames);
		kfree(gt->frame_gfn);
		kfree(gt->active);
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
	/* pvhv_gnttab_destroy() dropped our mappings; nobody maps ours any more
	 * (each mapping held a reference on us). */
	for (i = 0; i < gt->nr_frames; i++) {
		__free_page(gt->frames[i]);
		kfree(gt->active[i]);
	}
	kvfree(gt->maptrack);
	kfree(gt->frames);
	kfree(gt->frame_gfn);
	kfree(gt->active);
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
		struct pvhv_grant_active *act = kcalloc(PVHV_GNT_PER_FRAME, sizeof(*act),
							GFP_KERNEL_ACCOUNT);

		if (!page || !act) {
			if (page)
				__free_page(page);
			kfree(act);
			return -ENOMEM;
		}
		gt->active[gt->nr_frames] = act;
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
	idx = array_index_nospec(idx, gt->max_frames);
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

/* The granter's shared entry @ref (its table's lock held, ref in range). */
static struct grant_entry_v1 *pvhv_grant_entry(struct pvhv_gnttab *gt, u32 ref)
{
	return (struct grant_entry_v1 *)page_address(gt->frames[ref / PVHV_GNT_PER_FRAME]) +
		ref % PVHV_GNT_PER_FRAME;
}

static struct pvhv_grant_active *pvhv_grant_active(struct pvhv_gnttab *gt, u32 ref)
{
	return &gt->active[ref / PVHV_GNT_PER_FRAME][ref % PVHV_GNT_PER_FRAME];
}

/*
 * Set (or check) the in-use flags in the granter's entry against a guest
 * that may rewrite it at any moment: compare-and-exchange, a few tries.
 */
static s16 pvhv_grant_flags_set(struct grant_entry_v1 *e, u16 mapper, bool readonly)
{
	int tries;

	for (tries = 0; tries < 4; tries++) {
		u16 f = READ_ONCE(e->flags), nf;

		if ((f & GTF_type_mask) != GTF_permit_access || READ_ONCE(e->domid) != mapper)
			return GNTST_general_error;
		if (!readonly && (f & GTF_readonly))
			return GNTST_general_error;	/* write-pin of a read-only grant */
		nf = f | GTF_reading | (readonly ? 0 : GTF_writing);
		if (cmpxchg(&e->flags, f, nf) == f)
			return GNTST_okay;
	}
	return GNTST_general_error;	/* the granter keeps changing it */
}

static void pvhv_grant_flags_clear(struct grant_entry_v1 *e, u16 bits)
{
	u16 f;

	do {
		f = READ_ONCE(e->flags);
	} while (cmpxchg(&e->flags, f, f & ~bits) != f);
}

/* Pin grant @ref of @rd for @mapper; its page, referenced, in *@page. */
s16 pvhv_grant_pin(struct pvhv_domain *rd, u32 ref, u16 mapper, bool readonly, struct page **page)
{
	struct pvhv_gnttab *gt = rd->gnttab;
	struct pvhv_grant_active *act;
	struct grant_entry_v1 *e;
	s16 st = GNTST_okay;

	mutex_lock(&rd->lock);
	if (ref >= gt->nr_frames * PVHV_GNT_PER_FRAME) {
		st = GNTST_bad_gntref;
		goto out;
	}
	ref = array_index_nospec(ref, gt->nr_frames * PVHV_GNT_PER_FRAME);
	e = pvhv_grant_entry(gt, ref);
	act = pvhv_grant_active(gt, ref);
	if (act->pin_ro || act->pin_rw) {
		if (act->domid != mapper) {
			st = GNTST_general_error;	/* in use by another domain */
			goto out;
		}
		/* As Xen: refuse a pin that would overflow the count. */
		if ((readonly ? act->pin_ro : act->pin_rw) == U16_MAX) {
			st = GNTST_general_error;
			goto out;
		}
		if (!readonly && !act->pin_rw)
			st = pvhv_grant_flags_set(e, mapper, false);
	} else {
		st = pvhv_grant_flags_set(e, mapper, readonly);
		if (st == GNTST_okay) {
			act->page = pvhv_gfn_to_ram(rd, READ_ONCE(e->frame));
			if (!act->page) {
				pvhv_grant_flags_clear(e, GTF_reading | GTF_writing);
				st = GNTST_bad_page;
			}
			act->domid = mapper;
		}
	}
	if (st == GNTST_okay) {
		if (readonly)
			act->pin_ro++;
		else
			act->pin_rw++;
		get_page(act->page);
		*page = act->page;
	}
out:
	mutex_unlock(&rd->lock);
	return st;
}

void pvhv_grant_unpin(struct pvhv_domain *rd, u32 ref, bool readonly)
{
	struct pvhv_gnttab *gt = rd->gnttab;
	struct pvhv_grant_active *act = pvhv_grant_active(gt, ref);
	struct grant_entry_v1 *e = pvhv_grant_entry(gt, ref);

	mutex_lock(&rd->lock);
	if (readonly)
		act->pin_ro--;
	else
		act->pin_rw--;
	if (!act->pin_rw)
		pvhv_grant_flags_clear(e, GTF_writing);
	if (!act->pin_ro && !act->pin_rw) {
		pvhv_grant_flags_clear(e, GTF_reading);
		act->page = NULL;
	}
	mutex_unlock(&rd->lock);
}

/* The maptrack, every slot on the free list in order. */
static int pvhv_maptrack_alloc_locked(struct pvhv_domain *d)
{
	struct pvhv_gnttab *gt = d->gnttab;
	u32 h;

	lockdep_assert_held(&d->lock);
	gt->maptrack = kvcalloc(PVHV_MAPTRACK_MAX, sizeof(*gt->maptrack), GFP_KERNEL_ACCOUNT);
	if (!gt->maptrack)
		return -ENOMEM;
	for (h = 0; h < PVHV_MAPTRACK_MAX; h++)
		gt->maptrack[h].next_free = h + 1 < PVHV_MAPTRACK_MAX ? h + 1 : PVHV_MAPTRACK_NONE;
	gt->maptrack_head = 0;
	gt->maptrack_tail = PVHV_MAPTRACK_MAX - 1;
	return 0;
}

/* Slot @h is free again: cleared, at the tail of the free list. */
static void pvhv_maptrack_put_locked(struct pvhv_domain *d, u32 h)
{
	struct pvhv_gnttab *gt = d->gnttab;

	lockdep_assert_held(&d->lock);	memset(&gt->maptrack[h], 0, sizeof(gt->maptrack[h]));
	gt->maptrack[h].next_free = PVHV_MAPTRACK_NONE;
	if (gt->maptrack_tail == PVHV_MAPTRACK_NONE)
		gt->maptrack_head = h;
	else
		gt->maptrack[gt->maptrack_tail].next_free = h;
	gt->maptrack_tail = h;
}

static s16 pvhv_grant_map_one(struct pvhv_domain *ld, struct gnttab_map_grant_ref *op)
{
	bool readonly = op->flags & GNTMAP_readonly;
	struct pvhv_gnttab *gt = ld->gnttab;
	u64 gfn = op->host_addr >> PAGE_SHIFT;
	struct pvhv_maptrack *mt = NULL;
	struct pvhv_domain *rd;
	struct page *page;
	u32 h;
	s16 st;

	if (!(op->flags & GNTMAP_host_map) ||
	    (op->flags & (GNTMAP_application_map | GNTMAP_contains_pte)))
		return GNTST_general_error;	/* a translated guest maps into its physmap */
	if (gfn > PVHV_MAX_GFN)
		return GNTST_bad_virt_addr;
	if (op->dom == DOMID_SELF || op->dom == ld->domid) {
		rd = ld;
		pvhv_domain_ref(rd);
	} else {
		rd = pvhv_domain_get_by_id(op->dom);
		if (!rd)
			return GNTST_bad_domain;
	}
	st = pvhv_grant_pin(rd, op->ref, ld->domid, readonly, &page);
	if (st != GNTST_okay)
		goto err_put_domain;

	mutex_lock(&ld->lock);
	st = GNTST_no_space;
	if (!gt->maptrack && pvhv_maptrack_alloc_locked(ld))
		goto err_unlock;
	h = gt->maptrack_head;
	if (h == PVHV_MAPTRACK_NONE)
		goto err_unlock;
	mt = &gt->maptrack[h];
	/* Another special page or mapping there: the guest must unmap it first. */
	st = GNTST_general_error;
	if (gfn == ld->shinfo_gfn || xa_load(&ld->overlay, gfn))
		goto err_unlock;
	if (xa_err(xa_store(&ld->overlay, gfn,
			    xa_tag_pointer(page, readonly ? PVHV_OVERLAY_RO : 0), GFP_KERNEL_ACCOUNT)))
		goto err_unlock;
	if (pvhv_physmap_sync(ld, gfn)) {
		xa_erase(&ld->overlay, gfn);
		pvhv_physmap_sync(ld, gfn);
		goto err_unlock;
	}
	gt->maptrack_head = mt->next_free;
	if (gt->maptrack_head == PVHV_MAPTRACK_NONE)
		gt->maptrack_tail = PVHV_MAPTRACK_NONE;
	mt->rd = rd;
	mt->page = page;
	mt->gfn = gfn;
	mt->ref = op->ref;
	mt->readonly = readonly;
	gt->maptrack_used++;
	mutex_unlock(&ld->lock);
	op->handle = h;
	op->dev_bus_addr = 0;
	return GNTST_okay;

err_unlock:
	mutex_unlock(&ld->lock);
	pvhv_grant_unpin(rd, op->ref, readonly);
	put_page(page);	/* never reachable by the guest */
err_put_domain:
	pvhv_domain_unref(rd);
	return st;
}

/* Take mapping @mt out of @ld's physmap (its lock held); the caller finishes. */
static void pvhv_grant_unmap_locked(struct pvhv_domain *ld, struct pvhv_maptrack *mt)
{
	void *entry = xa_tag_pointer(mt->page, mt->readonly ? PVHV_OVERLAY_RO : 0);

	lockdep_assert_held(&ld->lock);
	/* Unless the guest already replaced it there (add/remove_from_physmap). */
	if (xa_cmpxchg(&ld->overlay, mt->gfn, entry, NULL, 0) == entry)
		pvhv_physmap_sync(ld, mt->gfn);	/* the RAM beneath, or a hole */
	ld->gnttab->maptrack_used--;
}

/*
 * Mappings out of the physmap, not finished yet: once no vCPU and no host
 * copy can reach their pages any more (one flush and one grace period for
 * the batch), the granter's flags, the page and the granter go.
 */
struct pvhv_unmap_batch {
	unsigned int n, max;
	struct pvhv_maptrack *mt;	/* [max] */
	struct pvhv_maptrack one;	/* when there is no room for more */
};

static void pvhv_unmap_batch_init(struct pvhv_unmap_batch *b, u32 count)
{
	b->n = 0;
	b->max = min_t(u32, count, PVHV_UNMAP_BATCH);
	b->mt = b->max > 1 ? kmalloc_array(b->max, sizeof(*b->mt), GFP_KERNEL) : NULL;
	if (!b->mt) {
		b->mt = &b->one;
		b->max = 1;
	}
}

static void pvhv_unmap_batch_flush(struct pvhv_domain *ld, struct pvhv_unmap_batch *b)
{
	unsigned int i;

	if (!b->n)
		return;
	pvhv_domain_flush_sync(ld);	/* no vCPU still translates to the pages */
	synchronize_rcu();		/* no host copy still reads them */
	for (i = 0; i < b->n; i++) {
		pvhv_grant_unpin(b->mt[i].rd, b->mt[i].ref, b->mt[i].readonly);
		put_page(b->mt[i].page);
		pvhv_domain_unref(b->mt[i].rd);
	}
	b->n = 0;
}

static void pvhv_unmap_batch_done(struct pvhv_domain *ld, struct pvhv_unmap_batch *b)
{
	pvhv_unmap_batch_flush(ld, b);
	if (b->mt != &b->one)
		kfree(b->mt);
}

/* Unmap handle @handle (at @host_addr, unless 0) of @ld into @b, flushed when full. */
static s16 pvhv_grant_unmap_one(struct pvhv_domain *ld, u64 host_addr, u32 handle,
				struct pvhv_unmap_batch *b)
{
	struct pvhv_gnttab *gt = ld->gnttab;
	struct pvhv_maptrack *mt;

	mutex_lock(&ld->lock);
	if (gt->maptrack && handle < PVHV_MAPTRACK_MAX)
		handle = array_index_nospec(handle, PVHV_MAPTRACK_MAX);
	if (!gt->maptrack || handle >= PVHV_MAPTRACK_MAX || !gt->maptrack[handle].rd) {
		mutex_unlock(&ld->lock);
		return GNTST_bad_handle;
	}
	mt = &gt->maptrack[handle];
	if (host_addr && (host_addr >> PAGE_SHIFT) != mt->gfn) {
		mutex_unlock(&ld->lock);
		return GNTST_general_error;	/* not where this handle is mapped */
	}
	pvhv_grant_unmap_locked(ld, mt);
	b->mt[b->n++] = *mt;
	pvhv_maptrack_put_locked(ld, handle);
	mutex_unlock(&ld->lock);
	if (b->n == b->max)
		pvhv_unmap_batch_flush(ld, b);
	return GNTST_okay;
}

/* Write a GNTST_* back into the guest's op (its status field at @p). */
static long pvhv_gnttab_put_status(struct pvhv_vcpu *v, u64 p, s16 status)
{
	return pvhv_copy_to_guest(v, p, &status, sizeof(status)) ? -EFAULT : 0;
}

/*
 * Continue a batch at op @uop with @count left (Xen's do_grant_table_op():
 * the handle advanced, the count reduced). A 32-bit caller's handle is 32
 * bits: a batch that runs past 4 GiB ends there, as the guest's own pointer
 * arithmetic would.
 */
static long pvhv_gnttab_continue(struct pvhv_vcpu *v, u64 uop, u32 count, bool compat)
{
	if (compat && uop > U32_MAX)
		return -EFAULT;
	pvhv_hcall_set_arg(v, 1, uop);
	pvhv_hcall_set_arg(v, 2, count);
	return pvhv_hcall_continue(v);
}

/*
 * The ops of a batch one by one, as Xen: @size bytes each from @uop, read
 * into a buffer @fn works on (it writes its results back at the op's guest
 * address); stops at the first error @fn or a guest copy returns, and is
 * continued after any op but the last when pvhv_hcall_preempt_check() says
 * so.
 */
static long pvhv_gnttab_each(struct pvhv_vcpu *v, u64 uop, u32 count, size_t size, bool compat,
			     long (*fn)(struct pvhv_vcpu *v, void *op, u64 p))
{
	u64 op[8];	/* the largest op handled this way (map: 24 bytes) */
	long ret;
	u32 i;

	if (WARN_ON_ONCE(size > sizeof(op)))
		return -EINVAL;
	for (i = 0; i < count; i++) {
		u64 p = uop + (u64)i * size;

		if (i && pvhv_hcall_preempt_check(v))
			return pvhv_gnttab_continue(v, p, count - i, compat);
		if (pvhv_copy_from_guest(v, op, p, size))
			return -EFAULT;
		ret = fn(v, op, p);
		if (ret)
			return ret;
		pvhv_hcall_work(v, 1);
	}
	return 0;
}

/*
 * GNTTABOP_unmap_grant_ref, and GNTTABOP_unmap_and_replace (@replace): Xen's
 * replace_grant_p2m_mapping() for a translated guest accepts no new_addr
 * (GNTST_general_error per op); without one it is an unmap. The mappings are
 * finished a batch at a time, and all of them before the hypercall returns
 * or is continued.
 */
static long pvhv_gnttab_unmap(struct pvhv_vcpu *v, u64 uop, u32 count, bool replace, bool compat)
{
	size_t size = replace ? sizeof(struct gnttab_unmap_and_replace) :
				sizeof(struct gnttab_unmap_grant_ref);
	size_t status = replace ? offsetof(struct gnttab_unmap_and_replace, status) :
				  offsetof(struct gnttab_unmap_grant_ref, status);
	struct pvhv_unmap_batch b;
	long ret = 0;
	u32 i;

	pvhv_unmap_batch_init(&b, count);
	for (i = 0; i < count; i++) {
		union {
			struct gnttab_unmap_grant_ref un;
			struct gnttab_unmap_and_replace ur;
		} op;
		u64 p = uop + (u64)i * size;
		s16 st;

		if (i && pvhv_hcall_preempt_check(v)) {
			ret = pvhv_gnttab_continue(v, p, count - i, compat);
			break;
		}
		if (pvhv_copy_from_guest(v, &op, p, size)) {
			ret = -EFAULT;
			break;
		}
		if (replace)
			st = op.ur.new_addr ? GNTST_general_error :
			     pvhv_grant_unmap_one(v->d, op.ur.host_addr, op.ur.handle, &b);
		else
			st = pvhv_grant_unmap_one(v->d, op.un.host_addr, op.un.handle, &b);
		ret = pvhv_gnttab_put_status(v, p + status, st);
		if (ret)
			break;
		pvhv_hcall_work(v, 1);
	}
	pvhv_unmap_batch_done(v->d, &b);
	return ret;
}

/*
 * One GNTTABOP_transfer op at @p: no page of a translated guest can be
 * stolen (see top). A 32-bit caller's
 * xen_pfn_t is 32 bits: {mfn, domid, ref, status} at 0/4/8/12.
 */
static long pvhv_gnttab_transfer_one(struct pvhv_vcpu *v, void *arg, u64 p, bool compat)
{
	u64 gfn = compat ? *(u32 *)arg : ((struct gnttab_transfer *)arg)->mfn;
	s16 st;

	rcu_read_lock();
	st = pvhv_gfn_to_ram(v->d, gfn) ? GNTST_general_error : GNTST_bad_page;
	rcu_read_unlock();
	return pvhv_gnttab_put_status(v, p + (compat ? 12 : offsetof(struct gnttab_transfer, status)),
				      st);
}

static long pvhv_gnttab_transfer_native(struct pvhv_vcpu *v, void *arg, u64 p)
{
	return pvhv_gnttab_transfer_one(v, arg, p, false);
}

static long pvhv_gnttab_transfer_compat(struct pvhv_vcpu *v, void *arg, u64 p)
{
	return pvhv_gnttab_transfer_one(v, arg, p, true);
}

/* Domain destruction (process context, vCPUs stopped): drop every mapping we hold. */
void pvhv_gnttab_destroy(struct pvhv_domain *d)
{
	struct pvhv_gnttab *gt = d->gnttab;
	struct pvhv_unmap_batch b;
	u32 h;

	if (!gt->maptrack)
		return;
	pvhv_unmap_batch_init(&b, PVHV_MAPTRACK_MAX);
	for (h = 0; h < PVHV_MAPTRACK_MAX; h++) {
		mutex_lock(&d->lock);
		if (gt->maptrack[h].rd) {
			pvhv_grant_unmap_locked(d, &gt->maptrack[h]);
			b.mt[b.n++] = gt->maptrack[h];
			pvhv_maptrack_put_locked(d, h);
		}
		mutex_unlock(&d->lock);
		if (b.n == b.max)
			pvhv_unmap_batch_flush(d, &b);
	}
	pvhv_unmap_batch_done(d, &b);
}

static long pvhv_gnttab_map_one(struct pvhv_vcpu *v, void *arg, u64 p)
{
	struct gnttab_map_grant_ref *op = arg;

	op->status = pvhv_grant_map_one(v->d, op);
	if (pvhv_copy_to_guest(v, p, op, sizeof(*op))) {
		/* As Xen: a mapping the guest cannot learn about is undone. */
		if (op->status == GNTST_okay) {
			struct pvhv_unmap_batch b;

			pvhv_unmap_batch_init(&b, 1);
			pvhv_grant_unmap_one(v->d, 0, op->handle, &b);
			pvhv_unmap_batch_done(v->d, &b);
		}
		return -EFAULT;
	}
	return 0;
}

/*
 * The other domain one side of a batch's copies names, looked up once
 * (under the global domain lock) for as many ops as name it in a row: a
 * backend's batch names one frontend. Holds a reference until the batch
 * ends; each side has its own, so neither evicts the other's mid-op.
 */
struct pvhv_copy_dom {
	u16 domid;
	struct pvhv_domain *d;
};

static struct pvhv_domain *pvhv_copy_dom(struct pvhv_copy_dom *c, u16 domid)
{
	if (c->d && c->domid == domid)
		return c->d;
	if (c->d)
		pvhv_domain_unref(c->d);
	c->domid = domid;
	c->d = pvhv_domain_get_by_id(domid);
	return c->d;
}

/*
 * One side of a GNTTABOP_copy: a grant of @dom's (GNTCOPY_*_gref), which
 * must permit access to us, pinned for the copy (*@rd: the granter); or a
 * frame of our own (*@rd NULL).
 */
static s16 pvhv_copy_side(struct pvhv_domain *ld, struct gnttab_copy_ptr *p, bool gref,
			  bool write, struct pvhv_copy_dom *cache, struct pvhv_domain **rd,
			  struct page **page)
{
	u16 dom = p->domid == DOMID_SELF ? ld->domid : p->domid;
	s16 st;

	*rd = NULL;
	if (!gref) {
		/* An unprivileged domain copies to and from its own frames only. */
		if (dom != ld->domid)
			return pvhv_domid_exists(dom) ? GNTST_permission_denied : GNTST_bad_domain;
		rcu_read_lock();
		*page = pvhv_gfn_to_page(ld, p->u.gmfn);
		if (*page && write && pvhv_gfn_is_readonly(ld, p->u.gmfn))
			*page = NULL;
		if (*page)
			get_page(*page);
		rcu_read_unlock();
		return *page ? GNTST_okay : GNTST_bad_page;
	}
	/* Our own domain lives through our hypercall; another is held by @cache. */
	*rd = dom == ld->domid ? ld : pvhv_copy_dom(cache, dom);
	if (!*rd)
		return GNTST_bad_domain;
	st = pvhv_grant_pin(*rd, p->u.ref, ld->domid, !write, page);
	if (st != GNTST_okay)
		*rd = NULL;
	return st;
}

static void pvhv_copy_side_done(struct gnttab_copy_ptr *p, bool write, struct pvhv_domain *rd,
				struct page *page)
{
	if (rd)
		pvhv_grant_unpin(rd, p->u.ref, !write);
	put_page(page);
}

static s16 pvhv_grant_copy_one(struct pvhv_domain *ld, struct gnttab_copy *op,
			       struct pvhv_copy_dom cache[2])
{
	struct pvhv_domain *srd, *drd;
	struct page *sp, *dp;
	void *s, *dst;
	s16 st;

	if (op->source.offset >= PAGE_SIZE || op->len > PAGE_SIZE - op->source.offset ||
	    op->dest.offset >= PAGE_SIZE || op->len > PAGE_SIZE - op->dest.offset)
		return GNTST_bad_copy_arg;
	st = pvhv_copy_side(ld, &op->source, op->flags & GNTCOPY_source_gref, false, &cache[0],
			    &srd, &sp);
	if (st != GNTST_okay)
		return st;
	st = pvhv_copy_side(ld, &op->dest, op->flags & GNTCOPY_dest_gref, true, &cache[1],
			    &drd, &dp);
	if (st != GNTST_okay) {
		pvhv_copy_side_done(&op->source, false, srd, sp);
		return st;
	}
	s = kmap_local_page(sp);
	dst = kmap_local_page(dp);
	memmove(dst + op->dest.offset, s + op->source.offset, op->len);
	kunmap_local(dst);
	kunmap_local(s);
	pvhv_copy_side_done(&op->dest, true, drd, dp);
	pvhv_copy_side_done(&op->source, false, srd, sp);
	return GNTST_okay;
}

/*
 * The ops are read and written back in chunks (one guest page walk each
 * way per chunk, not per op): only the status fields change, as in Xen.
 */
#define PVHV_COPY_CHUNK	16

/* A 32-bit caller's op, as the native one (and its status back). */
static void pvhv_copy_from_compat(struct gnttab_copy *op, const struct compat_gnttab_copy *c)
{
	memset(op, 0, sizeof(*op));
	op->source.u.gmfn = c->source.ref_or_gmfn;	/* ref: the same low 32 bits */
	op->source.domid = c->source.domid;
	op->source.offset = c->source.offset;
	op->dest.u.gmfn = c->dest.ref_or_gmfn;
	op->dest.domid = c->dest.domid;
	op->dest.offset = c->dest.offset;
	op->len = c->len;
	op->flags = c->flags;
}

static long pvhv_gnttab_copy(struct pvhv_vcpu *v, u64 uop, u32 count, bool compat)
{
	size_t size = compat ? sizeof(struct compat_gnttab_copy) : sizeof(struct gnttab_copy);
	struct gnttab_copy ops[PVHV_COPY_CHUNK];
	struct compat_gnttab_copy cops[PVHV_COPY_CHUNK];
	struct pvhv_copy_dom cache[2] = { 0 };	/* source, dest */
	void *buf = compat ? (void *)cops : (void *)ops;
	long ret = 0;
	u32 i, n, k;

	BUILD_BUG_ON(sizeof(struct compat_gnttab_copy) != 24);
	BUILD_BUG_ON(offsetof(struct compat_gnttab_copy, status) != 20);
	for (i = 0; i < count; i += n) {
		u64 p = uop + (u64)i * size;

		if (i && pvhv_hcall_preempt_check(v)) {
			ret = pvhv_gnttab_continue(v, p, count - i, compat);
			break;
		}
		n = min_t(u32, count - i, PVHV_COPY_CHUNK);
		/* A chunk running into an unreadable page: the ops before it still run. */
		if (pvhv_copy_from_guest(v, buf, p, n * size)) {
			n = 1;
			if (pvhv_copy_from_guest(v, buf, p, size)) {
				ret = -EFAULT;
				break;
			}
		}
		for (k = 0; k < n; k++) {
			if (compat)
				pvhv_copy_from_compat(&ops[k], &cops[k]);
			ops[k].status = pvhv_grant_copy_one(v->d, &ops[k], cache);
			if (compat)
				cops[k].status = ops[k].status;
		}
		if (pvhv_copy_to_guest(v, p, buf, n * size)) {
			ret = -EFAULT;
			break;
		}
		pvhv_hcall_work(v, n);
	}
	for (k = 0; k < 2; k++)
		if (cache[k].d)
			pvhv_domain_unref(cache[k].d);
	return ret;
}

/* Nothing to flush on x86 (coherent caches); the arguments are still checked. */
static long pvhv_gnttab_cache_flush_one(struct pvhv_vcpu *v, void *arg, u64 p)
{
	const struct gnttab_cache_flush *cf = arg;

	if (cf->offset >= PAGE_SIZE || cf->length > PAGE_SIZE - cf->offset ||
	    (cf->op & ~(GNTTAB_CACHE_CLEAN | GNTTAB_CACHE_INVAL | GNTTAB_CACHE_SOURCE_GREF)))
		return -EINVAL;
	return 0;
}

long pvhv_xen_grant_table_op(struct pvhv_vcpu *v, u64 cmd, u64 uop, u64 count, bool compat)
{
	/* Xen refuses counts with the high bit set (they alias a continuation). */
	if (count > INT_MAX)
		return -EINVAL;
	switch (cmd) {
	case GNTTABOP_map_grant_ref:
		return pvhv_gnttab_each(v, uop, count, sizeof(struct gnttab_map_grant_ref), compat,
					pvhv_gnttab_map_one);
	case GNTTABOP_unmap_grant_ref:
		return pvhv_gnttab_unmap(v, uop, count, false, compat);
	case GNTTABOP_copy:
		return pvhv_gnttab_copy(v, uop, count, compat);
	case GNTTABOP_query_size:
		return pvhv_gnttab_query_size(v, uop, count);
	case GNTTABOP_setup_table:
		return pvhv_gnttab_setup_table(v, uop, count, compat);
	case GNTTABOP_set_version:
		return pvhv_gnttab_set_version(v, uop, count);
	case GNTTABOP_get_version:
		return pvhv_gnttab_get_version(v, uop, count);
	case GNTTABOP_cache_flush:
		return pvhv_gnttab_each(v, uop, count, sizeof(struct gnttab_cache_flush), compat,
					pvhv_gnttab_cache_flush_one);
	case GNTTABOP_transfer:
		if (compat)
			return pvhv_gnttab_each(v, uop, count, 16, true,
						pvhv_gnttab_transfer_compat);
		return pvhv_gnttab_each(v, uop, count, sizeof(struct gnttab_transfer), false,
					pvhv_gnttab_transfer_native);
	case GNTTABOP_unmap_and_replace:
		return pvhv_gnttab_unmap(v, uop, count, true, compat);
	default:
		return -ENOSYS;
	}
}
