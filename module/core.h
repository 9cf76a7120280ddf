/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * pvhv core: module-wide state shared by main.c and domain.c.
 *
 * Lock order (outermost first):
 *   pvhv_domains_lock (mutex, domain.c)  ->  pvhv_domain.lock (mutex)
 * Nothing else nests today; later files that add locks document where they
 * sit in this order.
 */
#ifndef PVHV_CORE_H
#define PVHV_CORE_H

#include <linux/atomic.h>
#include <linux/kref.h>
#include <linux/mutex.h>
#include <linux/types.h>

#include <pvhv.h>

#include "vendor.h"

/* Module parameters (read-only after load). */
extern unsigned int pvhv_max_domains;
extern unsigned int pvhv_max_vcpus;
extern unsigned int pvhv_max_domain_mb;
extern unsigned int pvhv_max_total_mb;

/* The vendor backend chosen at load; immutable while the module is loaded. */
extern const struct pvhv_vendor_ops *pvhv_vendor;

/* Leak counters, reported by PVHV_GET_STATS and checked at unload. */
struct pvhv_counters {
	atomic64_t domains;	/* struct pvhv_domain alive */
	atomic64_t guest_pages;	/* guest RAM pages allocated */
	atomic64_t objects;	/* other tracked allocations */
};
extern struct pvhv_counters pvhv_counters;

struct pvhv_domain {
	struct kref ref;		/* one for the domain table, one per fd/mapping */
	u32 domid;			/* immutable */
	u32 max_vcpus;			/* immutable */
	char name[PVHV_NAME_LEN];	/* immutable after creation */
	u64 nr_pages;			/* immutable */
	struct page **pages;		/* immutable; freed on the last kref_put */

	struct mutex lock;		/* protects the fields below */
	u32 state;			/* PVHV_STATE_*; protected by lock */
	u32 shutdown_reason;		/* protected by lock */
	u32 online_vcpus;		/* protected by lock */
};

/* domain.c */
void pvhv_domains_exit(void);	/* destroys every domain still in the table */
long pvhv_ioctl_create_domain(void __user *arg);
long pvhv_ioctl_open_domain(void __user *arg);
long pvhv_ioctl_list_domains(void __user *arg);

/* Helpers shared by the ioctl handlers. */
static inline bool pvhv_all_zero(const void *p, size_t len)
{
	return !memchr_inv(p, 0, len);
}

#endif /* PVHV_CORE_H */
