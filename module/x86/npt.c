// SPDX-License-Identifier: GPL-2.0-only
/*
 * Nested page tables over a domain's RAM (see npt.h): 4 KiB mappings of
 * guest-physical [0, RAM) to the domain's own pages, nothing else of the host.
 */
#define pr_fmt(fmt) "pvhv: npt: " fmt

#include <linux/gfp.h>
#include <linux/mm.h>
#include <linux/sched.h>
#include <asm/io.h>

#include "x86.h"


#define NPT_ADDR	0x000ffffffffff000ULL	/* bits 51:12 of an entry */

static struct page *pvhv_npt_alloc(struct pvhv_npt *npt)
{
	struct page *page = alloc_page(GFP_KERNEL_ACCOUNT | __GFP_ZERO);

	if (!page)
		return NULL;
	atomic64_inc(&pvhv_counters.objects);
	list_add(&page->lru, &npt->tables);
	return page;
}

/* The table entry @idx of @table points at, allocated if missing. */
static u64 *pvhv_npt_next(struct pvhv_npt *npt, u64 *table, unsigned int idx)
{
	struct page *page;

	if (table[idx])
		return page_address(pfn_to_page((table[idx] & NPT_ADDR) >> PAGE_SHIFT));
	page = pvhv_npt_alloc(npt);
	if (!page)
		return NULL;
	/* The new table is all zeroes before the hardware can reach it. */
	WRITE_ONCE(table[idx], page_to_phys(page) | npt->table_bits);
	return page_address(page);
}

static u64 *pvhv_npt_leaf(struct pvhv_npt *npt, u64 gfn)
{
	u64 *l3, *l2, *l1;

	l3 = pvhv_npt_next(npt, npt->l4, (gfn >> 27) & 511);
	l2 = l3 ? pvhv_npt_next(npt, l3, (gfn >> 18) & 511) : NULL;
	l1 = l2 ? pvhv_npt_next(npt, l2, (gfn >> 9) & 511) : NULL;
	return l1 ? &l1[gfn & 511] : NULL;
}

void pvhv_npt_destroy(struct pvhv_npt *npt)
{
	struct page *page, *tmp;

	list_for_each_entry_safe(page, tmp, &npt->tables, lru) {
		list_del(&page->lru);
		__free_page(page);
		atomic64_dec(&pvhv_counters.objects);
	}
	npt->root = NULL;
	npt->l4 = NULL;
}

int pvhv_npt_init(struct pvhv_npt *npt, struct pvhv_domain *d, u64 table_bits,
		  u64 leaf_bits, bool five_level)
{
	u64 gfn, *pte;

	INIT_LIST_HEAD(&npt->tables);
	atomic_set(&npt->gen, 0);
	npt->table_bits = table_bits;
	npt->leaf_bits = leaf_bits;
	npt->root = pvhv_npt_alloc(npt);
	if (!npt->root)
		goto err_destroy;
	npt->l4 = page_address(npt->root);
	if (five_level) {
		npt->l4 = pvhv_npt_next(npt, npt->l4, 0);
		if (!npt->l4)
			goto err_destroy;
	}
	for (gfn = 0; gfn < d->nr_pages; gfn++) {
		pte = pvhv_npt_leaf(npt, gfn);
		if (!pte)
			goto err_destroy;
		*pte = page_to_phys(d->pages[gfn]) | leaf_bits;
		if (!(gfn & 4095))
			cond_resched();
	}
	return 0;

err_destroy:
	pvhv_npt_destroy(npt);
	return -ENOMEM;
}

int pvhv_npt_map(struct pvhv_npt *npt, u64 gfn, struct page *page, bool writable)
{
	u64 *pte;

	if (!npt->l4 || gfn > PVHV_NPT_MAX_GFN)
		return -EINVAL;
	pte = pvhv_npt_leaf(npt, gfn);
	if (!pte)
		return -ENOMEM;
	/* Bit 1 is "writable" in both formats (NPT R/W, EPT W). */
	WRITE_ONCE(*pte, page ? page_to_phys(page) | (npt->leaf_bits & ~(writable ? 0 : BIT_ULL(1))) : 0);
	atomic_inc(&npt->gen);
	return 0;
}

int pvhv_x86_npt_set(struct pvhv_domain *d, u64 gfn, struct page *page, bool writable)
{
	int ret;

	lockdep_assert_held(&d->lock);
	ret = pvhv_npt_map(&d->npt, gfn, page, writable);
	/* A vCPU in the guest exits on the kick and flushes before it re-enters. */
	if (!ret)
		pvhv_domain_kick_all(d);
	return ret;
}
