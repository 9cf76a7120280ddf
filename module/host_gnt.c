// SPDX-License-Identifier: GPL-2.0-only
/*
 * The host's (domid 0) use of one domain's grants: a "grant fd" (anon inode)
 * from PVHV_DOMAIN_GNT_OPEN on a domain fd, modelled on Linux's
 * /dev/xen/gntdev. PVHV_GNT_MAP pins a list of grants the guest gave to
 * domain 0 and names them by an mmap() offset; mmap() shows the pages (read
 * only for a read-only map); PVHV_GNT_UNMAP and the last munmap() release
 * them. PVHV_GNT_COPY is GNTTABOP_copy between user buffers and grants.
 *
 * A mapping pins each grant exactly as a guest mapper does (xen/gnttab.c:
 * GTF_reading / GTF_writing set in the granter's entry, a reference on the
 * page), so the guest sees the host using it and cannot revoke it, and a
 * granter that balloons the page out or dies leaves the host a live page.
 * The fd holds a reference on the domain; every vma holds the file, so the
 * fd's release runs only once nothing is mapped any more.
 *
 * Lock order: mmap_lock (munmap, fault) -> pvhv_host_gnt.lock -> the
 * granter's pvhv_domain.lock (taken by pin/unpin). Nothing here takes
 * mmap_lock (a user copy) while holding pvhv_host_gnt.lock.
 */
#define pr_fmt(fmt) "pvhv: gnt-host: " fmt

#include <linux/anon_inodes.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/highmem.h>
#include <linux/list.h>
#include <linux/mm.h>
#include <linux/refcount.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <xen/interface/grant_table.h>

#include "compat.h"
#include "core.h"

struct pvhv_host_gnt;

/* One PVHV_GNT_MAP: @count grants, pinned, at mmap() offset @index. */
struct pvhv_gnt_mapping {
	struct list_head node;		/* in hg->maps until unmapped; protected by hg->lock */
	struct pvhv_host_gnt *hg;	/* immutable */
	refcount_t users;		/* the list entry + one per vma */
	u64 index;			/* in pages; immutable */
	u32 count;			/* immutable */
	u32 counted;			/* pages counted in hg->pages: 0 or count */
	bool readonly;			/* immutable */
	u32 *refs;			/* [count]; immutable */
	struct page **pages;		/* [count], referenced and pinned; immutable */
};

struct pvhv_host_gnt {
	struct pvhv_domain *d;		/* referenced; immutable */
	struct mutex lock;		/* protects the fields below */
	struct list_head maps;		/* mappings not yet unmapped */
	u64 next_index;			/* in pages; offsets are never reused */
	u32 pages;			/* grants pinned through this fd */
};

/* Release the first @n grants of @m (pinned), then @m itself. */
static void pvhv_gnt_mapping_free(struct pvhv_gnt_mapping *m, u32 n)
{
	struct pvhv_host_gnt *hg = m->hg;
	u32 i;

	for (i = 0; i < n; i++) {
		pvhv_grant_unpin(hg->d, m->refs[i], m->readonly);
		put_page(m->pages[i]);
	}
	mutex_lock(&hg->lock);
	hg->pages -= m->counted;
	mutex_unlock(&hg->lock);
	kvfree(m->pages);
	kvfree(m->refs);
	kfree(m);
	atomic64_dec(&pvhv_counters.objects);
}

static void pvhv_gnt_mapping_put(struct pvhv_gnt_mapping *m)
{
	if (refcount_dec_and_test(&m->users))
		pvhv_gnt_mapping_free(m, m->count);
}

/* GNTST_* of a failed pin as the errno the ioctl returns. */
static long pvhv_gnt_errno(s16 st)
{
	switch (st) {
	case GNTST_bad_gntref:
		return -EINVAL;
	case GNTST_bad_page:
		return -EFAULT;
	case GNTST_bad_domain:
		return -ESRCH;
	default:
		return -EPERM;	/* not granted to us, read-only, in use elsewhere, pin limit */
	}
}

static long pvhv_gnt_map(struct pvhv_host_gnt *hg, void __user *arg)
{
	struct pvhv_gnt_mapping *m;
	struct pvhv_gnt_map req;
	long ret;
	s16 st = GNTST_okay;
	u32 i;

	if (copy_from_user(&req, arg, sizeof(req)))
		return -EFAULT;
	if ((req.flags & ~PVHV_GNT_MAP_READONLY) || req.index || req.failed || req.status ||
	    !pvhv_all_zero(req.reserved, sizeof(req.reserved)))
		return -EINVAL;
	if (!req.count || req.count > PVHV_GNT_MAP_MAX)
		return -EINVAL;
	m = kzalloc(sizeof(*m), GFP_KERNEL_ACCOUNT);
	if (!m)
		return -ENOMEM;
	atomic64_inc(&pvhv_counters.objects);
	m->hg = hg;
	m->count = req.count;
	m->readonly = req.flags & PVHV_GNT_MAP_READONLY;
	refcount_set(&m->users, 1);
	m->refs = kvcalloc(req.count, sizeof(*m->refs), GFP_KERNEL_ACCOUNT);
	m->pages = kvcalloc(req.count, sizeof(*m->pages), GFP_KERNEL_ACCOUNT);
	ret = -ENOMEM;
	if (!m->refs || !m->pages)
		goto err_free;
	ret = -EFAULT;
	if (copy_from_user(m->refs, u64_to_user_ptr(req.refs_ptr), req.count * sizeof(u32)))
		goto err_free;

	/* Reserve our share of the fd's limit, and an offset. */
	mutex_lock(&hg->lock);
	if (req.count > PVHV_HOST_GNT_PAGES - hg->pages) {
		mutex_unlock(&hg->lock);
		ret = -ENOSPC;
		goto err_free;
	}
	hg->pages += req.count;
	m->counted = req.count;
	m->index = hg->next_index;
	hg->next_index += req.count;
	mutex_unlock(&hg->lock);

	if (pvhv_domain_dying(hg->d)) {
		i = 0;
		st = GNTST_bad_domain;
	} else {
		for (i = 0; i < req.count; i++) {
			st = pvhv_grant_pin(hg->d, m->refs[i], PVHV_DOMID_HOST, m->readonly,
					    &m->pages[i]);
			if (st != GNTST_okay)
				break;
		}
	}
	if (st != GNTST_okay) {
		req.failed = i;
		req.status = st;
		ret = copy_to_user(arg, &req, sizeof(req)) ? -EFAULT : pvhv_gnt_errno(st);
		pvhv_gnt_mapping_free(m, i);
		return ret;
	}

	req.index = m->index << PAGE_SHIFT;
	if (copy_to_user(arg, &req, sizeof(req))) {
		pvhv_gnt_mapping_free(m, m->count);
		return -EFAULT;
	}
	mutex_lock(&hg->lock);
	list_add_tail(&m->node, &hg->maps);
	mutex_unlock(&hg->lock);
	return 0;

err_free:
	pvhv_gnt_mapping_free(m, 0);
	return ret;
}

/* The mapping at page offset @index still in the list (hg->lock held). */
static struct pvhv_gnt_mapping *pvhv_gnt_find_locked(struct pvhv_host_gnt *hg, u64 index)
{
	struct pvhv_gnt_mapping *m;

	lockdep_assert_held(&hg->lock);
	list_for_each_entry(m, &hg->maps, node)
		if (m->index == index)
			return m;
	return NULL;
}

static long pvhv_gnt_unmap(struct pvhv_host_gnt *hg, void __user *arg)
{
	struct pvhv_gnt_mapping *m;
	struct pvhv_gnt_unmap req;

	if (copy_from_user(&req, arg, sizeof(req)))
		return -EFAULT;
	if (req.flags || req.pad || !pvhv_all_zero(req.reserved, sizeof(req.reserved)) ||
	    !PAGE_ALIGNED(req.index))
		return -EINVAL;
	mutex_lock(&hg->lock);
	m = pvhv_gnt_find_locked(hg, req.index >> PAGE_SHIFT);
	if (m)
		list_del(&m->node);
	mutex_unlock(&hg->lock);
	if (!m)
		return -EINVAL;
	pvhv_gnt_mapping_put(m);	/* the grants go with the last munmap() */
	return 0;
}

/* One PVHV_GNT_COPY segment: its GNTST_*. */
static s16 pvhv_gnt_copy_one(struct pvhv_host_gnt *hg, const struct pvhv_gnt_copy_seg *seg)
{
	bool to_guest = seg->flags & PVHV_GNT_COPY_TO_GUEST;
	struct page *page;
	unsigned long left;
	void *p;
	s16 st;

	if ((seg->flags & ~PVHV_GNT_COPY_TO_GUEST) || !seg->len || seg->offset >= PAGE_SIZE ||
	    seg->len > PAGE_SIZE - seg->offset)
		return GNTST_bad_copy_arg;
	st = pvhv_grant_pin(hg->d, seg->ref, PVHV_DOMID_HOST, !to_guest, &page);
	if (st != GNTST_okay)
		return st;
	/* kmap_local mappings may fault in the user buffer (mmap_lock is free). */
	p = kmap_local_page(page);
	if (to_guest)
		left = copy_from_user(p + seg->offset, u64_to_user_ptr(seg->buf_ptr), seg->len);
	else
		left = copy_to_user(u64_to_user_ptr(seg->buf_ptr), p + seg->offset, seg->len);
	kunmap_local(p);
	pvhv_grant_unpin(hg->d, seg->ref, !to_guest);
	put_page(page);
	return left ? GNTST_bad_virt_addr : GNTST_okay;
}

static long pvhv_gnt_copy(struct pvhv_host_gnt *hg, void __user *arg)
{
	struct pvhv_gnt_copy_seg seg;
	struct pvhv_gnt_copy req;
	u64 p;
	u32 i;

	if (copy_from_user(&req, arg, sizeof(req)))
		return -EFAULT;
	if (req.flags || !pvhv_all_zero(req.reserved, sizeof(req.reserved)))
		return -EINVAL;
	if (!req.count || req.count > PVHV_GNT_COPY_MAX)
		return -EINVAL;
	if (pvhv_domain_dying(hg->d))
		return -ESRCH;
	for (i = 0; i < req.count; i++) {
		p = req.segs_ptr + (u64)i * sizeof(seg);
		if (!(i & 63)) {
			cond_resched();
			if (fatal_signal_pending(current))
				return -EINTR;
		}
		if (copy_from_user(&seg, u64_to_user_ptr(p), sizeof(seg)))
			return -EFAULT;
		seg.status = pvhv_gnt_copy_one(hg, &seg);
		if (copy_to_user(u64_to_user_ptr(p + offsetof(struct pvhv_gnt_copy_seg, status)),
				 &seg.status, sizeof(seg.status)))
			return -EFAULT;
	}
	return 0;
}

static long pvhv_host_gnt_ioctl(struct file *file, unsigned int cmd, unsigned long arg)
{
	struct pvhv_host_gnt *hg = file->private_data;

	switch (cmd) {
	case PVHV_GNT_MAP:
		return pvhv_gnt_map(hg, (void __user *)arg);
	case PVHV_GNT_UNMAP:
		return pvhv_gnt_unmap(hg, (void __user *)arg);
	case PVHV_GNT_COPY:
		return pvhv_gnt_copy(hg, (void __user *)arg);
	default:
		return -ENOTTY;
	}
}

/* --- mmap() of a mapping ------------------------------------------------ */

static void pvhv_gnt_vm_open(struct vm_area_struct *vma)
{
	struct pvhv_gnt_mapping *m = vma->vm_private_data;

	refcount_inc(&m->users);
}

static void pvhv_gnt_vm_close(struct vm_area_struct *vma)
{
	pvhv_gnt_mapping_put(vma->vm_private_data);
}

/* The grants are one object: a partial munmap() is refused. */
static int pvhv_gnt_vm_may_split(struct vm_area_struct *vma, unsigned long addr)
{
	return -EINVAL;
}

static vm_fault_t pvhv_gnt_vm_fault(struct vm_fault *vmf)
{
	struct pvhv_gnt_mapping *m = vmf->vma->vm_private_data;
	u64 i = vmf->pgoff - m->index;

	if (vmf->pgoff < m->index || i >= m->count)
		return VM_FAULT_SIGBUS;
	get_page(m->pages[i]);
	vmf->page = m->pages[i];
	return 0;
}

static const struct vm_operations_struct pvhv_gnt_vm_ops = {
	.open = pvhv_gnt_vm_open,
	.close = pvhv_gnt_vm_close,
	.may_split = pvhv_gnt_vm_may_split,
	.fault = pvhv_gnt_vm_fault,
};

static int pvhv_host_gnt_mmap(struct file *file, struct vm_area_struct *vma)
{
	struct pvhv_host_gnt *hg = file->private_data;
	struct pvhv_gnt_mapping *m;
	int ret = -EINVAL;

	/* Shared with the guest: a private copy-on-write view makes no sense. */
	if (!(vma->vm_flags & VM_SHARED))
		return -EINVAL;
	mutex_lock(&hg->lock);
	m = pvhv_gnt_find_locked(hg, vma->vm_pgoff);
	if (!m || vma_pages(vma) != m->count)
		goto out_unlock;
	ret = -EPERM;
	if (m->readonly && (vma->vm_flags & VM_WRITE))
		goto out_unlock;
	if (m->readonly)
		vm_flags_clear(vma, VM_MAYWRITE);
	vm_flags_set(vma, VM_DONTEXPAND | VM_DONTDUMP | VM_DONTCOPY);
	refcount_inc(&m->users);
	vma->vm_private_data = m;
	vma->vm_ops = &pvhv_gnt_vm_ops;
	ret = 0;
out_unlock:
	mutex_unlock(&hg->lock);
	return ret;
}

static int pvhv_host_gnt_release(struct inode *inode, struct file *file)
{
	struct pvhv_host_gnt *hg = file->private_data;
	struct pvhv_gnt_mapping *m, *tmp;
	LIST_HEAD(maps);

	/* No vma is left (each held the file): only the list's references. */
	mutex_lock(&hg->lock);
	list_splice_init(&hg->maps, &maps);
	mutex_unlock(&hg->lock);
	list_for_each_entry_safe(m, tmp, &maps, node)
		pvhv_gnt_mapping_put(m);
	pvhv_domain_unref(hg->d);
	kfree(hg);
	atomic64_dec(&pvhv_counters.objects);
	return 0;
}

static const struct file_operations pvhv_host_gnt_fops = {
	.owner = THIS_MODULE,
	.unlocked_ioctl = pvhv_host_gnt_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
	.mmap = pvhv_host_gnt_mmap,
	.release = pvhv_host_gnt_release,
	.llseek = noop_llseek,
};

/* PVHV_DOMAIN_GNT_OPEN: a new grant fd for @d. */
long pvhv_host_gnt_open(struct pvhv_domain *d)
{
	struct pvhv_host_gnt *hg;
	int fd;

	hg = kzalloc(sizeof(*hg), GFP_KERNEL_ACCOUNT);
	if (!hg)
		return -ENOMEM;
	atomic64_inc(&pvhv_counters.objects);
	mutex_init(&hg->lock);
	INIT_LIST_HEAD(&hg->maps);
	hg->d = d;
	pvhv_domain_ref(d);
	fd = anon_inode_getfd("pvhv-gnt", &pvhv_host_gnt_fops, hg, O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		pvhv_domain_unref(d);
		kfree(hg);
		atomic64_dec(&pvhv_counters.objects);
	}
	return fd;
}
