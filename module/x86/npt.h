/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Nested page tables over a domain's RAM, for either vendor: AMD's NPT
 * (APM vol. 2, 15.25) and Intel's EPT (SDM vol. 3C, 29.3) are both radix
 * trees of 4 KiB tables holding 512 8-byte entries, indexed by guest-physical
 * address bits 47:39, 38:30, 29:21, 20:12 (and 56:48 for a 5-level NPT). Only
 * the entry bits differ, so the backend passes them in.
 *
 * Locking: the tables are built before a domain's first vCPU runs; later
 * changes (pvhv_npt_map) run under the domain lock; the hardware walks them
 * concurrently, so entries are written with WRITE_ONCE and only ever point at
 * complete tables. The backend flushes stale translations (gen tells it when).
 */
#ifndef PVHV_NPT_H
#define PVHV_NPT_H

#include <linux/atomic.h>
#include <linux/list.h>
#include <linux/types.h>

struct pvhv_domain;
struct page;

struct pvhv_npt {
	struct page *root;		/* the table the hardware is given */
	u64 *l4;			/* the PML4 (below the PML5 if there is one) */
	struct list_head tables;	/* every table page, through page->lru */
	atomic_t gen;			/* bumped when a mapping goes away or changes */
	u64 table_bits;			/* entry bits for a pointer to a lower table */
	u64 leaf_bits;			/* entry bits for a 4 KiB guest page */
};

/* The largest guest frame a 4-level table can hold (48-bit guest-physical). */
#define PVHV_NPT_MAX_GFN	((1ULL << 36) - 1)

/* Map guest-physical [0, RAM) to the domain's own pages. May sleep. */
int pvhv_npt_init(struct pvhv_npt *npt, struct pvhv_domain *d, u64 table_bits,
		  u64 leaf_bits, bool five_level);
/* Free every table (after the hardware stopped using them). */
void pvhv_npt_destroy(struct pvhv_npt *npt);
/* Point @gfn at @page (NULL: not present), read-only unless @writable, and bump gen. Domain lock held. */
int pvhv_npt_map(struct pvhv_npt *npt, u64 gfn, struct page *page, bool writable);

#endif /* PVHV_NPT_H */
