// SPDX-License-Identifier: GPL-2.0-only
/*
 * pvhv domains: the module-global domain table (Xen-style domids), guest RAM,
 * and the domain fd (anon inode) with its ioctls and mmap of guest RAM.
 *
 * Lifetime: a domain holds one reference for the table and one for each open
 * domain fd (an mmap holds its file, hence the domain). PVHV_DOMAIN_DESTROY
 * and module unload remove the domain from the table and drop the table's
 * reference; guest RAM is freed when the last reference goes. Closing a
 * domain fd never destroys the domain: it lives on, as on Xen.
 *
 * Pause: pvhv_domain.pause_lock serialises PAUSE/UNPAUSE; a pause drops
 * pvhv_domain.lock while it waits for the vCPU threads to park (they may
 * need it to finish an exit), so shutdown and destroy can overtake it.
 *
 * Lock order: pvhv_domains_lock -> pvhv_domain.lock (see core.h);
 * pvhv_domain.pause_lock -> pvhv_domain.lock.
 * Never call pvhv_domain_put() with pvhv_domains_lock held: the release
 * frees memory and may be slow.
 */
#define pr_fmt(fmt) "pvhv: domain: " fmt

#include <linux/anon_inodes.h>
#include <linux/ctype.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/gfp.h>
#include <linux/idr.h>
#include <linux/mm.h>
#include <linux/rcupdate.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/sizes.h>
#include <linux/vmalloc.h>
#include <xen/interface/sched.h>

#include "compat.h"
#include "core.h"
#include "x86/x86.h"

/* Protects pvhv_domain_idr and pvhv_nr_domains. */
static DEFINE_MUTEX(pvhv_domains_lock);
static DEFINE_IDR(pvhv_domain_idr);	/* domid -> domain; protected by pvhv_domains_lock */
static unsigned int pvhv_nr_domains;	/* in the table; protected by pvhv_domains_lock */
/* Guest RAM pages reserved by all domains, alive or dying; atomic, no lock. */
static atomic64_t pvhv_reserved_pages = ATOMIC64_INIT(0);
/* The last pvhv_domain.serial handed out; atomic, no lock. */
static atomic64_t pvhv_domain_serial = ATOMIC64_INIT(0);
/* The serial of the domain whose guest this CPU entered last (x86.h); its own CPU only. */
DEFINE_PER_CPU(u64, pvhv_x86_last_domain);

/* Most domains PVHV_LIST_DOMAINS reports in one call. */
#define PVHV_LIST_MAX	(PVHV_DOMID_MAX + 1)

static void pvhv_domain_free_ram(struct pvhv_domain *d, u64 nr)
{
	u64 i;

	for (i = 0; i < nr; i++) {
		if (d->pages[i]) {	/* NULL: ballooned out */
			__free_page(d->pages[i]);
			atomic64_dec(&pvhv_counters.guest_pages);
		}
		if (!(i & 1023))
			cond_resched();
	}
}

static void pvhv_flush_ipi(void *info)
{
	/* Nothing to do: taking the interrupt forced any guest on this CPU out. */
}

void pvhv_domain_flush_sync(struct pvhv_domain *d)
{
	/*
	 * The nested-table change already bumped the vendor's generation, so
	 * a vCPU flushes before its next entry; a vCPU in the guest right now
	 * takes the interrupt as a #VMEXIT (APM 15.21 / SDM 25.2) and only then
	 * runs this handler with interrupts on again, i.e. outside the guest.
	 */
	on_each_cpu(pvhv_flush_ipi, NULL, 1);
}

void pvhv_domain_free_pages(struct pvhv_domain *d, struct page **pages, unsigned int n)
{
	unsigned int i;

	if (!n)
		return;
	pvhv_domain_flush_sync(d);	/* no vCPU still translates to them */
	synchronize_rcu();		/* no host copy still reads them */
	for (i = 0; i < n; i++)
		put_page(pages[i]);
}

static void pvhv_domain_release(struct kref *ref)
{
	struct pvhv_domain *d = container_of(ref, struct pvhv_domain, ref);
	u32 i;

	/* vCPU threads were stopped when the domain left the table. */
	for (i = 0; i < d->max_vcpus; i++)
		if (d->vcpus[i])
			pvhv_vcpu_free(d->vcpus[i]);
	kfree(d->vcpus);
	pvhv_vendor->domain_free(d);
	if (d->npt.root)
		pvhv_npt_destroy(&d->npt);
	kvfree(d->con_buf);
	if (d->memmap) {
		kfree(d->memmap);
		atomic64_dec(&pvhv_counters.objects);
	}
	__free_page(d->shinfo);
	xa_destroy(&d->overlay);	/* its pages belong to the grant table */
	pvhv_gnttab_free(d);
	kvfree(d->evtchn);
	atomic64_sub(4, &pvhv_counters.objects);
	pvhv_domain_free_ram(d, d->nr_pages);
	kvfree(d->pages);
	atomic64_dec(&pvhv_counters.objects);
	atomic64_sub(d->nr_pages, &pvhv_reserved_pages);
	mutex_destroy(&d->pause_lock);
	mutex_destroy(&d->lock);
	kfree(d);
	atomic64_dec(&pvhv_counters.domains);
}

static void pvhv_domain_get(struct pvhv_domain *d)
{
	kref_get(&d->ref);
}

static void pvhv_domain_put(struct pvhv_domain *d)
{
	kref_put(&d->ref, pvhv_domain_release);
}

/*
 * Allocate guest RAM page by page, charged to the caller's memory cgroup
 * (__GFP_ACCOUNT), zeroed so no host data reaches the guest. With
 * __GFP_RETRY_MAYFAIL a cgroup or host short of memory makes creation fail
 * with -ENOMEM instead of invoking the OOM killer.
 */
static int pvhv_domain_alloc_ram(struct pvhv_domain *d)
{
	u64 i;

	d->pages = kvcalloc(d->nr_pages, sizeof(*d->pages), GFP_KERNEL_ACCOUNT);
	if (!d->pages)
		return -ENOMEM;
	atomic64_inc(&pvhv_counters.objects);

	for (i = 0; i < d->nr_pages; i++) {
		struct page *page;

		if (fatal_signal_pending(current))
			goto err_free_pages;
		page = alloc_page(GFP_KERNEL_ACCOUNT | __GFP_ZERO | __GFP_NOWARN |
				  __GFP_RETRY_MAYFAIL);
		if (!page)
			goto err_free_pages;
		d->pages[i] = page;
		d->tot_pages++;
		atomic64_inc(&pvhv_counters.guest_pages);
		if (!(i & 1023))
			cond_resched();
	}
	return 0;

err_free_pages:
	pvhv_domain_free_ram(d, i);
	kvfree(d->pages);
	d->pages = NULL;
	atomic64_dec(&pvhv_counters.objects);
	return fatal_signal_pending(current) ? -EINTR : -ENOMEM;
}

/*
 * A domain name: empty, or printable ASCII without spaces or '/', not all
 * digits (so a name never reads as a domid), NUL-terminated inside the
 * field with only NULs after it.
 */
static int pvhv_check_name(const u8 *name)
{
	size_t len = strnlen((const char *)name, PVHV_NAME_LEN);
	bool all_digits = true;
	size_t i;

	if (len == PVHV_NAME_LEN || !pvhv_all_zero(name + len, PVHV_NAME_LEN - len))
		return -EINVAL;
	for (i = 0; i < len; i++) {
		if (name[i] <= ' ' || name[i] > '~' || name[i] == '/')
			return -EINVAL;
		if (!isdigit(name[i]))
			all_digits = false;
	}
	return (len && all_digits) ? -EINVAL : 0;
}

/* Called with pvhv_domains_lock held. */
static bool pvhv_name_taken(const char *name)
{
	struct pvhv_domain *d;
	int id;

	if (!name[0])
		return false;
	idr_for_each_entry(&pvhv_domain_idr, d, id)
		if (!strcmp(d->name, name))
			return true;
	return false;
}

void pvhv_domain_ref(struct pvhv_domain *d)
{
	pvhv_domain_get(d);
}

void pvhv_domain_unref(struct pvhv_domain *d)
{
	pvhv_domain_put(d);
}

struct pvhv_domain *pvhv_domain_get_by_id(u32 domid)
{
	struct pvhv_domain *d = NULL;

	mutex_lock(&pvhv_domains_lock);
	if (domid && domid <= PVHV_DOMID_MAX)
		d = idr_find(&pvhv_domain_idr, domid);
	if (d)
		pvhv_domain_get(d);
	mutex_unlock(&pvhv_domains_lock);
	return d;
}

bool pvhv_domid_exists(u32 domid)
{
	bool found;

	mutex_lock(&pvhv_domains_lock);
	found = domid <= PVHV_DOMID_MAX && idr_find(&pvhv_domain_idr, domid);
	mutex_unlock(&pvhv_domains_lock);
	return found;
}

static void pvhv_domain_fill_info(struct pvhv_domain *d, struct pvhv_domain_info *info)
{
	memset(info, 0, sizeof(*info));
	info->domid = d->domid;
	info->memory_bytes = d->nr_pages << PAGE_SHIFT;
	info->max_vcpus = d->max_vcpus;
	memcpy(info->name, d->name, sizeof(info->name));
	mutex_lock(&d->lock);
	info->state = d->state;
	info->shutdown_reason = d->shutdown_reason;
	info->online_vcpus = d->online_vcpus;
	info->current_bytes = d->tot_pages << PAGE_SHIFT;
	mutex_unlock(&d->lock);
}

/* Take @d out of the table, if it is still there. */
static bool pvhv_domain_unlist_locked(struct pvhv_domain *d)
{
	lockdep_assert_held(&pvhv_domains_lock);
	if (idr_find(&pvhv_domain_idr, d->domid) != d)
		return false;
	idr_remove(&pvhv_domain_idr, d->domid);
	pvhv_nr_domains--;
	mutex_lock(&d->lock);
	d->state = PVHV_STATE_DYING;
	mutex_unlock(&d->lock);
	return true;
}

/* Stop every vCPU thread; returns when they are gone. No lock held. */
static void pvhv_domain_stop_vcpus(struct pvhv_domain *d)
{
	u32 i;

	mutex_lock(&d->lock);
	WRITE_ONCE(d->runnable, false);
	WRITE_ONCE(d->paused, false);	/* DYING: a pause still waiting gives up */
	mutex_unlock(&d->lock);
	wake_up(&d->pause_wq);
	for (i = 0; i < d->max_vcpus; i++)
		if (d->vcpus[i])
			pvhv_vcpu_stop(d->vcpus[i]);
}

/* The table's reference, after pvhv_domain_unlist_locked() succeeded. */
static void pvhv_domain_put_unlisted(struct pvhv_domain *d)
{
	pvhv_domain_stop_vcpus(d);
	pvhv_xen_evtchn_destroy(d);
	pvhv_gnttab_destroy(d);
	pr_info("domain %u (%s) destroyed\n", d->domid, d->name);
	pvhv_genl_event(d, PVHV_EVENT_DESTROYED, 0);
	pvhv_domain_put(d);
}

void pvhv_domain_kick_all(struct pvhv_domain *d)
{
	u32 i;

	for (i = 0; i < d->max_vcpus; i++)
		if (d->vcpus[i])
			pvhv_vcpu_kick(d->vcpus[i]);
}

void pvhv_domain_shutdown(struct pvhv_domain *d, u32 state, u32 reason)
{
	bool changed = false;

	mutex_lock(&d->lock);
	if (d->state == PVHV_STATE_RUNNING || d->state == PVHV_STATE_PAUSED) {
		d->state = state;
		d->shutdown_reason = reason;
		WRITE_ONCE(d->runnable, false);
		WRITE_ONCE(d->paused, false);	/* stopped for good (pvhv_vcpu_park()) */
		changed = true;
	}
	mutex_unlock(&d->lock);
	if (!changed)
		return;
	wake_up(&d->pause_wq);
	pvhv_genl_event(d, state == PVHV_STATE_CRASHED ? PVHV_EVENT_CRASHED : PVHV_EVENT_SHUTDOWN,
			state == PVHV_STATE_CRASHED ? 0 : reason);
	pvhv_domain_kick_all(d);
	pr_info_ratelimited("domain %u (%s) %s (reason %u)\n", d->domid, d->name,
			    state == PVHV_STATE_CRASHED ? "crashed" : "shut down", reason);
}

void pvhv_domain_crash(struct pvhv_domain *d, const char *fmt, ...)
{
	struct va_format vaf;
	va_list args;

	va_start(args, fmt);
	vaf.fmt = fmt;
	vaf.va = &args;
	pr_err_ratelimited("domain %u (%s) crashed: %pV\n", d->domid, d->name, &vaf);
	va_end(args);
	pvhv_domain_shutdown(d, PVHV_STATE_CRASHED, SHUTDOWN_crash);
}

/* PVHV_DOMAIN_SHUTDOWN: what SCHEDOP_remote_shutdown does for dom0 on Xen. */
static long pvhv_domain_shutdown_ioctl(struct pvhv_domain *d, void __user *arg)
{
	struct pvhv_domain_shutdown req;
	u32 state;

	if (copy_from_user(&req, arg, sizeof(req)))
		return -EFAULT;
	if (req.flags || !pvhv_all_zero(req.reserved, sizeof(req.reserved)) ||
	    req.reason > SHUTDOWN_MAX)
		return -EINVAL;
	mutex_lock(&d->lock);
	state = d->state;
	mutex_unlock(&d->lock);
	if (state != PVHV_STATE_RUNNING && state != PVHV_STATE_PAUSED)
		return state == PVHV_STATE_DYING ? -ESRCH : -EINVAL;
	pvhv_domain_shutdown(d, req.reason == SHUTDOWN_crash ? PVHV_STATE_CRASHED :
			     PVHV_STATE_SHUTDOWN, req.reason);
	return 0;
}

/* How long a pause waits for the vCPUs to leave the guest. */
#define PVHV_PAUSE_TIMEOUT_MS	10000

/* Every started vCPU is parked, or the pause was overtaken (shutdown, destroy). */
static bool pvhv_domain_all_parked(struct pvhv_domain *d)
{
	struct pvhv_vcpu *v;
	u32 i;

	if (!READ_ONCE(d->paused))
		return true;
	for (i = 0; i < d->max_vcpus; i++) {
		v = smp_load_acquire(&d->vcpus[i]);
		if (v && READ_ONCE(v->task) && !READ_ONCE(v->parked))
			return false;
	}
	return true;
}

static void pvhv_domain_wake_vcpus(struct pvhv_domain *d)
{
	u32 i;

	for (i = 0; i < d->max_vcpus; i++)
		if (d->vcpus[i])
			wake_up_interruptible(&d->vcpus[i]->wq);
}

/* PAUSED -> RUNNING. Domain lock held. */
static void pvhv_domain_resume_locked(struct pvhv_domain *d)
{
	lockdep_assert_held(&d->lock);
	d->state = PVHV_STATE_RUNNING;
	WRITE_ONCE(d->runnable, true);
	smp_wmb();	/* runnable before !paused: see pvhv_vcpu_park() */
	WRITE_ONCE(d->paused, false);
}

/*
 * PVHV_DOMAIN_PAUSE: as Xen's domain_pause_by_systemcontroller(), returns
 * once no vCPU is in the guest. The vCPU threads park (vcpu.c): in their
 * loop, or inside SCHEDOP_poll, which goes on once unpaused. Timers keep
 * running; what they raise stays pending until the vCPUs run again.
 */
static long pvhv_domain_pause(struct pvhv_domain *d)
{
	bool resumed = false;
	long ret = 0, left;

	mutex_lock(&d->pause_lock);
	mutex_lock(&d->lock);
	if (d->state != PVHV_STATE_RUNNING) {
		ret = d->state == PVHV_STATE_DYING ? -ESRCH : -EINVAL;
		mutex_unlock(&d->lock);
		goto out;
	}
	d->state = PVHV_STATE_PAUSED;
	WRITE_ONCE(d->paused, true);
	smp_wmb();	/* paused before !runnable: see pvhv_vcpu_park() */
	WRITE_ONCE(d->runnable, false);
	mutex_unlock(&d->lock);
	/* Pairs with pvhv_vcpu_set_parked(): an unparked vCPU sees !runnable. */
	smp_mb();
	pvhv_domain_kick_all(d);

	/* Without d->lock: a vCPU may need it to finish its exit. */
	left = wait_event_interruptible_timeout(d->pause_wq, pvhv_domain_all_parked(d),
						msecs_to_jiffies(PVHV_PAUSE_TIMEOUT_MS));
	mutex_lock(&d->lock);
	if (d->state != PVHV_STATE_PAUSED) {
		/* Shut down or destroyed meanwhile: not paused. */
		ret = d->state == PVHV_STATE_DYING ? -ESRCH : -EINVAL;
	} else if (left <= 0) {
		/* Interrupted, or a vCPU did not stop: undone, it runs on. */
		ret = left ? left : -ETIMEDOUT;
		if (!left)
			pr_warn_ratelimited("domain %u (%s): a vCPU did not stop within %u ms; not paused\n",
					    d->domid, d->name, PVHV_PAUSE_TIMEOUT_MS);
		pvhv_domain_resume_locked(d);
		resumed = true;
	} else {
		/* Under the lock: ordered before a shutdown's event. */
		pvhv_genl_event(d, PVHV_EVENT_PAUSED, 0);
	}
	mutex_unlock(&d->lock);
	if (resumed)
		pvhv_domain_wake_vcpus(d);
out:
	mutex_unlock(&d->pause_lock);
	return ret;
}

/* PVHV_DOMAIN_UNPAUSE: PAUSED -> RUNNING; the parked vCPUs go on. */
static long pvhv_domain_unpause(struct pvhv_domain *d)
{
	long ret = 0;

	mutex_lock(&d->pause_lock);
	mutex_lock(&d->lock);
	if (d->state != PVHV_STATE_PAUSED) {
		ret = d->state == PVHV_STATE_DYING ? -ESRCH : -EINVAL;
	} else {
		pvhv_domain_resume_locked(d);
		pvhv_genl_event(d, PVHV_EVENT_UNPAUSED, 0);
	}
	mutex_unlock(&d->lock);
	if (!ret)
		pvhv_domain_wake_vcpus(d);
	mutex_unlock(&d->pause_lock);
	return ret;
}

/*
 * PVHV_DOMAIN_SET_MEMORY_MAP (uapi/pvhv.h), as Xen's XENMEM_set_memory_map:
 * checked whole (sorted, disjoint, non-empty, known types), kept for
 * XENMEM_memory_map. A second call replaces the first.
 */
static long pvhv_domain_set_memory_map(struct pvhv_domain *d, void __user *arg)
{
	struct pvhv_memory_map_entry *map, *old;
	struct pvhv_memory_map req;
	u64 end = 0;
	long ret;
	u32 i;

	if (copy_from_user(&req, arg, sizeof(req)))
		return -EFAULT;
	if (req.flags || !pvhv_all_zero(req.reserved, sizeof(req.reserved)) ||
	    !req.nr_entries || req.nr_entries > PVHV_MEMORY_MAP_MAX)
		return -EINVAL;
	map = memdup_user(u64_to_user_ptr(req.entries_ptr), req.nr_entries * sizeof(*map));
	if (IS_ERR(map))
		return PTR_ERR(map);
	for (i = 0; i < req.nr_entries; i++) {
		if (map[i].pad || !map[i].size || map[i].addr < end ||
		    map[i].addr + map[i].size < map[i].addr ||
		    map[i].type < PVHV_E820_RAM || map[i].type > PVHV_E820_UNUSABLE) {
			ret = -EINVAL;
			goto err_free;
		}
		end = map[i].addr + map[i].size;
	}
	mutex_lock(&d->lock);
	if (d->state != PVHV_STATE_CREATED) {
		ret = d->state == PVHV_STATE_DYING ? -ESRCH : -EBUSY;
		mutex_unlock(&d->lock);
		goto err_free;
	}
	old = d->memmap;
	d->memmap = map;
	d->nr_memmap = req.nr_entries;
	if (!old)
		atomic64_inc(&pvhv_counters.objects);
	mutex_unlock(&d->lock);
	kfree(old);
	return 0;

err_free:
	kfree(map);
	return ret;
}

/* PVHV_DOMAIN_START_PVH: vCPU 0 at the PVH entry point. */
static long pvhv_domain_start_pvh(struct pvhv_domain *d, void __user *arg)
{
	u64 ram = d->nr_pages << PAGE_SHIFT;
	struct pvhv_start_pvh req;
	struct pvhv_vcpu *v;
	long ret;
	u32 i;

	if (copy_from_user(&req, arg, sizeof(req)))
		return -EFAULT;
	if (req.flags || req.vcpu || !pvhv_all_zero(req.reserved, sizeof(req.reserved)))
		return -EINVAL;
	if (req.entry >= min_t(u64, ram, SZ_4G) || req.start_info >= min_t(u64, ram, SZ_4G))
		return -EINVAL;

	mutex_lock(&d->lock);
	if (d->state != PVHV_STATE_CREATED) {
		ret = d->state == PVHV_STATE_DYING ? -ESRCH : -EBUSY;
		goto out_unlock;
	}
	if (!d->npt.root) {
		ret = pvhv_npt_init(&d->npt, d, pvhv_vendor->npt_table_bits,
				    pvhv_vendor->npt_leaf_bits, pvhv_vendor->npt_five_level());
		if (ret)
			goto out_unlock;
	}
	ret = pvhv_vendor->domain_init(d);
	if (ret)
		goto out_unlock;
	/*
	 * As on Xen, every vCPU exists from the start (event channels may be
	 * bound to it); vCPU 0 runs now, the others once VCPUOP_initialise +
	 * up. After a failure the ones made are kept (freed with the domain).
	 */
	for (i = 0; i < d->max_vcpus; i++) {
		if (d->vcpus[i])
			continue;
		v = pvhv_vcpu_create(d, i);
		if (IS_ERR(v)) {
			ret = PTR_ERR(v);
			goto out_unlock;
		}
		smp_store_release(&d->vcpus[i], v);
	}
	v = d->vcpus[0];
	v->up = true;
	pvhv_x86_reset_pvh(v, req.entry, req.start_info);
	d->state = PVHV_STATE_RUNNING;
	d->online_vcpus = 1;
	WRITE_ONCE(d->runnable, true);
	ret = pvhv_vcpu_start(v);
	if (ret) {
		d->state = PVHV_STATE_CRASHED;
		d->online_vcpus = 0;
		WRITE_ONCE(d->runnable, false);
	}
out_unlock:
	mutex_unlock(&d->lock);
	return ret;
}

/* Remove @d from the table; -ESRCH if it was already destroyed. */
static int pvhv_domain_destroy(struct pvhv_domain *d)
{
	bool unlisted;

	mutex_lock(&pvhv_domains_lock);
	unlisted = pvhv_domain_unlist_locked(d);
	mutex_unlock(&pvhv_domains_lock);
	if (!unlisted)
		return -ESRCH;
	pvhv_domain_put_unlisted(d);
	return 0;
}

/* Destroyed (its resources only waiting for the last reference)? */
bool pvhv_domain_dying(struct pvhv_domain *d)
{
	u32 state;

	mutex_lock(&d->lock);
	state = d->state;
	mutex_unlock(&d->lock);
	return state == PVHV_STATE_DYING;
}

/* --- the domain fd ---------------------------------------------------- */

static vm_fault_t pvhv_domain_vm_fault(struct vm_fault *vmf)
{
	struct pvhv_domain *d = vmf->vma->vm_file->private_data;
	struct page *page;

	if (vmf->pgoff >= d->nr_pages)
		return VM_FAULT_SIGBUS;
	rcu_read_lock();
	page = pvhv_gfn_to_ram(d, vmf->pgoff);
	if (page)
		get_page(page);
	rcu_read_unlock();
	if (!page)
		return VM_FAULT_SIGBUS;	/* ballooned out */
	vmf->page = page;
	return 0;
}

static const struct vm_operations_struct pvhv_domain_vm_ops = {
	.fault = pvhv_domain_vm_fault,
};

static int pvhv_domain_mmap(struct file *file, struct vm_area_struct *vma)
{
	struct pvhv_domain *d = file->private_data;
	unsigned long npages = vma_pages(vma);

	/* Guest RAM is shared with the guest: a private COW copy makes no sense. */
	if (!(vma->vm_flags & VM_SHARED))
		return -EINVAL;
	if (vma->vm_pgoff >= d->nr_pages || npages > d->nr_pages - vma->vm_pgoff)
		return -EINVAL;
	if (pvhv_domain_dying(d))
		return -ESRCH;

	vm_flags_set(vma, VM_DONTEXPAND | VM_DONTDUMP);
	vma->vm_ops = &pvhv_domain_vm_ops;
	return 0;
}

static long pvhv_domain_ioctl(struct file *file, unsigned int cmd, unsigned long arg)
{
	struct pvhv_domain *d = file->private_data;
	void __user *uarg = (void __user *)arg;
	struct pvhv_domain_info info;

	switch (cmd) {
	case PVHV_DOMAIN_GET_INFO:
		pvhv_domain_fill_info(d, &info);
		return copy_to_user(uarg, &info, sizeof(info)) ? -EFAULT : 0;
	case PVHV_DOMAIN_DESTROY:
		return arg ? -EINVAL : pvhv_domain_destroy(d);
	case PVHV_DOMAIN_START_PVH:
		return pvhv_domain_start_pvh(d, uarg);
	case PVHV_DOMAIN_SET_MEMORY_MAP:
		return pvhv_domain_set_memory_map(d, uarg);
	case PVHV_DOMAIN_CONSOLE_READ:
		return pvhv_console_read_ioctl(d, uarg);
	case PVHV_DOMAIN_EVTCHN_OPEN:
		return arg ? -EINVAL : pvhv_host_evtchn_open(d);
	case PVHV_DOMAIN_SET_HVM_PARAM:
	case PVHV_DOMAIN_GET_HVM_PARAM:
		return pvhv_hvm_param_ioctl(d, cmd, uarg);
	case PVHV_DOMAIN_SHUTDOWN:
		return pvhv_domain_shutdown_ioctl(d, uarg);
	case PVHV_DOMAIN_PAUSE:
		return arg ? -EINVAL : pvhv_domain_pause(d);
	case PVHV_DOMAIN_UNPAUSE:
		return arg ? -EINVAL : pvhv_domain_unpause(d);
	case PVHV_DOMAIN_ALLOC_UNBOUND:
		return pvhv_toolstack_alloc_unbound(d, uarg);
	case PVHV_DOMAIN_GNT_OPEN:
		return arg ? -EINVAL : pvhv_host_gnt_open(d);
	default:
		return -ENOTTY;
	}
}

static int pvhv_domain_file_release(struct inode *inode, struct file *file)
{
	pvhv_domain_put(file->private_data);
	return 0;
}

static const struct file_operations pvhv_domain_fops = {
	.owner = THIS_MODULE,
	.unlocked_ioctl = pvhv_domain_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
	.mmap = pvhv_domain_mmap,
	.release = pvhv_domain_file_release,
	.llseek = noop_llseek,
};

/* A new file for @d, holding its own reference. */
static struct file *pvhv_domain_file(struct pvhv_domain *d)
{
	struct file *file;

	pvhv_domain_get(d);
	file = anon_inode_getfile("pvhv-domain", &pvhv_domain_fops, d, O_RDWR);
	if (IS_ERR(file))
		pvhv_domain_put(d);
	return file;
}

/* --- /dev/pvhv ioctls ------------------------------------------------- */

long pvhv_ioctl_create_domain(void __user *arg)
{
	struct pvhv_create_domain __user *uarg = arg;
	struct pvhv_create_domain req;
	u64 max_pages, total_pages;
	struct pvhv_domain *d;
	struct file *file;
	int fd, id, ret;

	if (copy_from_user(&req, uarg, sizeof(req)))
		return -EFAULT;
	if (req.flags || req.pad0 || !pvhv_all_zero(req.reserved, sizeof(req.reserved)))
		return -EINVAL;
	if (!req.max_vcpus || req.max_vcpus > pvhv_max_vcpus)
		return -EINVAL;
	if (!req.memory_bytes || !PAGE_ALIGNED(req.memory_bytes))
		return -EINVAL;
	max_pages = (u64)pvhv_max_domain_mb << (20 - PAGE_SHIFT);
	if ((req.memory_bytes >> PAGE_SHIFT) > max_pages)
		return -E2BIG;
	ret = pvhv_check_name(req.name);
	if (ret)
		return ret;

	/* Reserve against the module-wide limit before allocating anything. */
	total_pages = (u64)pvhv_max_total_mb << (20 - PAGE_SHIFT);
	if (atomic64_add_return(req.memory_bytes >> PAGE_SHIFT, &pvhv_reserved_pages) >
	    total_pages) {
		ret = -ENOMEM;
		goto err_unreserve;
	}

	d = kzalloc(sizeof(*d), GFP_KERNEL_ACCOUNT);
	if (!d) {
		ret = -ENOMEM;
		goto err_unreserve;
	}
	atomic64_inc(&pvhv_counters.domains);
	d->serial = atomic64_inc_return(&pvhv_domain_serial);
	kref_init(&d->ref);	/* the table's reference */
	mutex_init(&d->lock);
	mutex_init(&d->pause_lock);
	init_waitqueue_head(&d->pause_wq);
	d->max_vcpus = req.max_vcpus;
	d->nr_pages = req.memory_bytes >> PAGE_SHIFT;
	d->state = PVHV_STATE_CREATED;
	memcpy(d->name, req.name, sizeof(d->name));

	spin_lock_init(&d->con_lock);
	d->vcpus = kcalloc(d->max_vcpus, sizeof(*d->vcpus), GFP_KERNEL_ACCOUNT);
	d->con_buf = kvmalloc(PVHV_CONSOLE_LOG_SIZE, GFP_KERNEL_ACCOUNT);
	d->shinfo = alloc_page(GFP_KERNEL_ACCOUNT | __GFP_ZERO);
	d->shinfo_gfn = PVHV_GFN_NONE;
	spin_lock_init(&d->evtchn_lock);
	d->evtchn = kvcalloc(PVHV_EVTCHN_PORTS, sizeof(*d->evtchn), GFP_KERNEL_ACCOUNT);
	xa_init(&d->overlay);
	pvhv_xen_time_init(d);
	if (!d->vcpus || !d->con_buf || !d->shinfo || !d->evtchn || pvhv_gnttab_init(d)) {
		ret = -ENOMEM;
		goto err_free_domain;
	}
	atomic64_add(4, &pvhv_counters.objects);

	ret = pvhv_domain_alloc_ram(d);
	if (ret)
		goto err_free_bufs;

	fd = get_unused_fd_flags(O_CLOEXEC);
	if (fd < 0) {
		ret = fd;
		goto err_put_domain;
	}
	file = pvhv_domain_file(d);
	if (IS_ERR(file)) {
		ret = PTR_ERR(file);
		goto err_put_fd;
	}

	mutex_lock(&pvhv_domains_lock);
	if (pvhv_nr_domains >= pvhv_max_domains) {
		ret = -ENOSPC;
		goto err_unlock;
	}
	if (pvhv_name_taken(d->name)) {
		ret = -EEXIST;
		goto err_unlock;
	}
	id = idr_alloc_cyclic(&pvhv_domain_idr, d, PVHV_DOMID_FIRST, PVHV_DOMID_MAX + 1,
			      GFP_KERNEL);
	if (id < 0) {
		ret = id == -ENOSPC ? -ENOSPC : -ENOMEM;
		goto err_unlock;
	}
	d->domid = id;
	pvhv_nr_domains++;
	mutex_unlock(&pvhv_domains_lock);

	if (put_user(d->domid, &uarg->domid)) {
		/* Undo with the same path a destroy takes. */
		pvhv_domain_destroy(d);
		fput(file);
		put_unused_fd(fd);
		return -EFAULT;
	}
	fd_install(fd, file);
	pvhv_genl_event(d, PVHV_EVENT_CREATED, 0);
	pr_info("domain %u (%s) created: %llu MiB, %u vCPUs\n", d->domid, d->name,
		d->nr_pages >> (20 - PAGE_SHIFT), d->max_vcpus);
	return fd;

err_unlock:
	mutex_unlock(&pvhv_domains_lock);
	fput(file);
err_put_fd:
	put_unused_fd(fd);
err_put_domain:
	/* The release frees RAM and gives back the reservation. */
	pvhv_domain_put(d);
	return ret;

err_free_bufs:
	atomic64_sub(4, &pvhv_counters.objects);
err_free_domain:
	pvhv_gnttab_free(d);
	kvfree(d->evtchn);
	if (d->shinfo)
		__free_page(d->shinfo);
	kvfree(d->con_buf);
	kfree(d->vcpus);
	mutex_destroy(&d->pause_lock);
	mutex_destroy(&d->lock);
	kfree(d);
	atomic64_dec(&pvhv_counters.domains);
err_unreserve:
	atomic64_sub(req.memory_bytes >> PAGE_SHIFT, &pvhv_reserved_pages);
	return ret;
}

long pvhv_ioctl_open_domain(void __user *arg)
{
	struct pvhv_open_domain req;
	struct pvhv_domain *d;
	struct file *file;
	int fd;

	if (copy_from_user(&req, arg, sizeof(req)))
		return -EFAULT;
	if (req.flags || !pvhv_all_zero(req.reserved, sizeof(req.reserved)))
		return -EINVAL;
	if (req.domid == PVHV_DOMID_HOST)
		return -EINVAL;

	mutex_lock(&pvhv_domains_lock);
	d = req.domid <= PVHV_DOMID_MAX ? idr_find(&pvhv_domain_idr, req.domid) : NULL;
	if (d)
		pvhv_domain_get(d);
	mutex_unlock(&pvhv_domains_lock);
	if (!d)
		return -ESRCH;

	fd = get_unused_fd_flags(O_CLOEXEC);
	if (fd < 0)
		goto err_put_domain;
	file = pvhv_domain_file(d);
	if (IS_ERR(file)) {
		put_unused_fd(fd);
		fd = PTR_ERR(file);
		goto err_put_domain;
	}
	fd_install(fd, file);
err_put_domain:
	pvhv_domain_put(d);	/* the file holds its own reference */
	return fd;
}

long pvhv_ioctl_list_domains(void __user *arg)
{
	struct pvhv_list_domains __user *uarg = arg;
	struct pvhv_domain_info *infos = NULL;
	struct pvhv_list_domains req;
	struct pvhv_domain **doms;
	struct pvhv_domain *d;
	u32 room, n = 0, total = 0, i;
	int id, ret = 0;

	if (copy_from_user(&req, uarg, sizeof(req)))
		return -EFAULT;
	if (req.flags || !pvhv_all_zero(req.reserved, sizeof(req.reserved)))
		return -EINVAL;
	if (req.count && !req.info_ptr)
		return -EFAULT;

	/*
	 * Take references under the table lock, fill the infos without it
	 * (pvhv_domain.lock nests inside the table lock, but there is no need
	 * to hold both), then drop the references.
	 */
	room = min3(req.count, (u32)PVHV_LIST_MAX, pvhv_max_domains);
	if (room) {
		doms = kvcalloc(room, sizeof(*doms), GFP_KERNEL);
		infos = kvcalloc(room, sizeof(*infos), GFP_KERNEL);
		if (!doms || !infos) {
			ret = -ENOMEM;
			goto out_free;
		}
	} else {
		doms = NULL;
	}

	mutex_lock(&pvhv_domains_lock);
	idr_for_each_entry(&pvhv_domain_idr, d, id) {
		if (n < room) {
			pvhv_domain_get(d);
			doms[n++] = d;
		}
		total++;
	}
	mutex_unlock(&pvhv_domains_lock);

	for (i = 0; i < n; i++) {
		pvhv_domain_fill_info(doms[i], &infos[i]);
		pvhv_domain_put(doms[i]);
	}
	if (n && copy_to_user(u64_to_user_ptr(req.info_ptr), infos, n * sizeof(*infos)))
		ret = -EFAULT;
	else if (put_user(total, &uarg->count))
		ret = -EFAULT;
out_free:
	kvfree(infos);
	kvfree(doms);
	return ret;
}

/* Module unload: no domain fd can be open (each pins the module). */
void pvhv_domains_exit(void)
{
	struct pvhv_domain *d;
	int id;

	for (;;) {
		id = 0;
		mutex_lock(&pvhv_domains_lock);
		d = idr_get_next(&pvhv_domain_idr, &id);
		if (d)
			pvhv_domain_unlist_locked(d);
		mutex_unlock(&pvhv_domains_lock);
		if (!d)
			break;
		pvhv_domain_put_unlisted(d);
	}
	idr_destroy(&pvhv_domain_idr);
}
