// SPDX-License-Identifier: GPL-2.0-only
/*
 * Guest memory: the one audited path from a guest address to a host page.
 *
 * guest linear -> guest physical: walk the guest's own page tables (paging
 * off, 32-bit with PSE, PAE, 4-level long mode), as the CPU would (Intel SDM
 * vol. 3A ch. 4 / AMD APM vol. 2 ch. 5), checking present, write and
 * canonical addresses. guest physical -> host page: the domain's own RAM
 * array, bounds-checked; nothing else of the host is ever reachable.
 * Copies are chunked by page and fail with -EFAULT, never partially silently.
 *
 * Locking: d->pages[] entries change under pvhv_domain.lock (the balloon,
 * xen/memory.c) and are read here under rcu_read_lock(): a page taken out of
 * the array is freed only after every vCPU left the guest and an RCU grace
 * period passed (pvhv_domain_release_ram()), so a copy in flight finishes on
 * a live page.
 */
#define pr_fmt(fmt) "pvhv: guest: " fmt

#include <linux/highmem.h>
#include <linux/mm.h>
#include <linux/nospec.h>
#include <linux/rcupdate.h>
#include <linux/string.h>
#include <asm/msr-index.h>
#include <asm/processor-flags.h>
#include <asm/trap_pf.h>

#include "core.h"


#define PTE_P		BIT_ULL(0)
#define PTE_RW		BIT_ULL(1)
#define PTE_US		BIT_ULL(2)
#define PTE_PS		BIT_ULL(7)
#define PTE_ADDR_MASK	0x000ffffffffff000ULL	/* bits 51:12 */

/*
 * Under rcu_read_lock() or pvhv_domain.lock. @gfn is the guest's: never
 * read past the array, not even speculatively.
 */
struct page *pvhv_gfn_to_ram(struct pvhv_domain *d, u64 gfn)
{
	if (gfn >= d->nr_pages)
		return NULL;
	return READ_ONCE(d->pages[array_index_nospec(gfn, d->nr_pages)]);
}

/*
 * Under rcu_read_lock() or pvhv_domain.lock. Overlay entries tagged
 * PVHV_OVERLAY_RO are read-only grant mappings.
 */
struct page *pvhv_gfn_to_page(struct pvhv_domain *d, u64 gfn)
{
	void *entry;

	if (gfn == READ_ONCE(d->shinfo_gfn))
		return d->shinfo;
	entry = xa_load(&d->overlay, gfn);
	return entry ? xa_untag_pointer(entry) : pvhv_gfn_to_ram(d, gfn);
}

bool pvhv_gfn_is_readonly(struct pvhv_domain *d, u64 gfn)
{
	void *entry;

	if (gfn == READ_ONCE(d->shinfo_gfn))
		return false;
	entry = xa_load(&d->overlay, gfn);
	return entry && xa_pointer_tag(entry) == PVHV_OVERLAY_RO;
}

static int pvhv_access_gpa(struct pvhv_domain *d, u64 gpa, void *buf, size_t len, bool write)
{
	while (len) {
		size_t off = offset_in_page(gpa), n = min_t(size_t, len, PAGE_SIZE - off);
		struct page *page;
		void *p;

		rcu_read_lock();
		page = pvhv_gfn_to_page(d, gpa >> PAGE_SHIFT);
		if (!page || (write && pvhv_gfn_is_readonly(d, gpa >> PAGE_SHIFT))) {
			rcu_read_unlock();
			return -EFAULT;
		}
		p = kmap_local_page(page);
		if (write)
			memcpy(p + off, buf, n);
		else
			memcpy(buf, p + off, n);
		kunmap_local(p);
		rcu_read_unlock();
		gpa += n;
		buf += n;
		len -= n;
	}
	return 0;
}

int pvhv_read_gpa(struct pvhv_domain *d, u64 gpa, void *buf, size_t len)
{
	return pvhv_access_gpa(d, gpa, buf, len, false);
}

int pvhv_write_gpa(struct pvhv_domain *d, u64 gpa, const void *buf, size_t len)
{
	return pvhv_access_gpa(d, gpa, (void *)buf, len, true);
}

static int pvhv_read_pte(struct pvhv_domain *d, u64 gpa, u64 *pte, bool pae)
{
	u32 pte32;
	int ret;

	if (pae)
		return pvhv_read_gpa(d, gpa, pte, sizeof(*pte));
	ret = pvhv_read_gpa(d, gpa, &pte32, sizeof(pte32));
	*pte = pte32;
	return ret;
}

/*
 * One paging-structure entry on the walk (SDM vol. 3A 4.6, APM vol. 2
 * 5.6): not present, a user access to a supervisor page, or a write to a
 * read-only page (a supervisor's only under CR0.WP) stops the walk with the
 * #PF error code the CPU would report. SMEP/SMAP/PKU are not checked: the
 * callers read data (never fetch) for the guest kernel or, for string I/O,
 * at the guest's own CPL, where those apply to instruction fetches and
 * supervisor accesses to user pages only.
 */
static bool pvhv_pte_ok(u64 pte, u32 access, bool wp, u32 *pfec)
{
	if (!(pte & PTE_P)) {
		*pfec = access;
		return false;
	}
	if (((access & X86_PF_USER) && !(pte & PTE_US)) ||
	    ((access & X86_PF_WRITE) && !(pte & PTE_RW) && (wp || (access & X86_PF_USER)))) {
		*pfec = access | X86_PF_PROT;
		return false;
	}
	return true;
}

int pvhv_gva_walk(struct pvhv_vcpu *v, const struct pvhv_paging *pg, u64 gva,
		  u32 access, u64 *gpa, u32 *pfec)
{
	bool wp = pg->cr0 & X86_CR0_WP;
	struct pvhv_domain *d = v->d;
	u64 table, pte;
	int level, ret;
	u32 dummy;

	if (!pfec)
		pfec = &dummy;
	*pfec = 0;
	/* -EFAULT: a #PF (*pfec); -ENXIO: no #PF (a table outside RAM, LA57, non-canonical). */
	if (!(pg->cr0 & X86_CR0_PG)) {
		*gpa = (pg->efer & EFER_LMA) ? gva : (u32)gva;
		return 0;
	}

	if (pg->efer & EFER_LMA) {
		/* 4-level long mode paging; 5-level is not offered to guests. */
		if (pg->cr4 & X86_CR4_LA57)
			return -ENXIO;
		if (((s64)gva << 16 >> 16) != (s64)gva)
			return -ENXIO;	/* non-canonical: #GP, not #PF */
		table = pg->cr3 & PTE_ADDR_MASK;
		for (level = 4; level >= 1; level--) {
			ret = pvhv_read_pte(d, table + ((gva >> (12 + 9 * (level - 1))) & 511) * 8,
					    &pte, true);
			if (ret)
				return -ENXIO;
			if (!pvhv_pte_ok(pte, access, wp, pfec))
				return -EFAULT;
			if (level <= 3 && level >= 2 && (pte & PTE_PS)) {
				u64 size = 1ULL << (12 + 9 * (level - 1));

				*gpa = (pte & PTE_ADDR_MASK & ~(size - 1)) | (gva & (size - 1));
				return 0;
			}
			table = pte & PTE_ADDR_MASK;
		}
		*gpa = table | (gva & 0xfff);
		return 0;
	}

	gva = (u32)gva;
	if (pg->cr4 & X86_CR4_PAE) {
		/* PAE: 4 PDPTEs at CR3[31:5] (present only: no U/S, R/W), then PD and PT of 8-byte entries. */
		ret = pvhv_read_pte(d, (pg->cr3 & 0xffffffe0ULL) + (gva >> 30) * 8, &pte, true);
		if (ret)
			return -ENXIO;
		if (!pvhv_pte_ok(pte | PTE_US | PTE_RW, access, wp, pfec))
			return -EFAULT;
		table = pte & PTE_ADDR_MASK;
		ret = pvhv_read_pte(d, table + ((gva >> 21) & 511) * 8, &pte, true);
		if (ret)
			return -ENXIO;
		if (!pvhv_pte_ok(pte, access, wp, pfec))
			return -EFAULT;
		if (pte & PTE_PS) {
			*gpa = (pte & PTE_ADDR_MASK & ~0x1fffffULL) | (gva & 0x1fffff);
			return 0;
		}
		table = pte & PTE_ADDR_MASK;
		ret = pvhv_read_pte(d, table + ((gva >> 12) & 511) * 8, &pte, true);
		if (ret)
			return -ENXIO;
		if (!pvhv_pte_ok(pte, access, wp, pfec))
			return -EFAULT;
		*gpa = (pte & PTE_ADDR_MASK) | (gva & 0xfff);
		return 0;
	}

	/* 32-bit paging: PD and PT of 4-byte entries; 4 MiB pages with PSE. */
	ret = pvhv_read_pte(d, (pg->cr3 & 0xfffff000ULL) + (gva >> 22) * 4, &pte, false);
	if (ret)
		return -ENXIO;
	if (!pvhv_pte_ok(pte, access, wp, pfec))
		return -EFAULT;
	if ((pg->cr4 & X86_CR4_PSE) && (pte & PTE_PS)) {
		/* PSE-36: PDE bits 20:13 are physical address bits 39:32. */
		*gpa = (pte & 0xffc00000ULL) | (((pte >> 13) & 0xff) << 32) | (gva & 0x3fffff);
		return 0;
	}
	ret = pvhv_read_pte(d, (pte & 0xfffff000ULL) + ((gva >> 12) & 1023) * 4, &pte, false);
	if (ret)
		return -ENXIO;
	if (!pvhv_pte_ok(pte, access, wp, pfec))
		return -EFAULT;
	*gpa = (pte & 0xfffff000ULL) | (gva & 0xfff);
	return 0;
}

int pvhv_gva_to_gpa(struct pvhv_vcpu *v, const struct pvhv_paging *pg, u64 gva,
		    bool write, u64 *gpa)
{
	return pvhv_gva_walk(v, pg, gva, write ? X86_PF_WRITE : 0, gpa, NULL) ? -EFAULT : 0;
}

static int pvhv_copy_guest(struct pvhv_vcpu *v, u64 gva, void *buf, size_t len, bool write)
{
	struct pvhv_paging pg;
	u64 gpa;
	int ret;

	pvhv_x86_get_mode(v, &pg);
	while (len) {
		size_t n = min_t(size_t, len, PAGE_SIZE - (gva & (PAGE_SIZE - 1)));

		ret = pvhv_gva_to_gpa(v, &pg, gva, write, &gpa);
		if (!ret)
			ret = pvhv_access_gpa(v->d, gpa, buf, n, write);
		if (ret)
			return ret;
		gva += n;
		buf += n;
		len -= n;
		if (!pg.mode64 && !(pg.efer & EFER_LMA))
			gva = (u32)gva;
	}
	return 0;
}

int pvhv_copy_from_guest(struct pvhv_vcpu *v, void *dst, u64 gva, size_t len)
{
	return pvhv_copy_guest(v, gva, dst, len, false);
}

int pvhv_copy_to_guest(struct pvhv_vcpu *v, u64 gva, const void *src, size_t len)
{
	return pvhv_copy_guest(v, gva, (void *)src, len, true);
}
