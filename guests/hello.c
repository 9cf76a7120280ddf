// SPDX-License-Identifier: GPL-2.0-only
/* hello: the book's simplest Xen kernel, in PVH form. */
#include "rt.h"

void guest_main(const struct hvm_start_info *si)
{
	const struct hvm_memmap_table_entry *mm;
	const char *cmdline;
	uint32_t i;

	rt_printf("Hello world\n");
	CHECK(rt_hcall32_ret == 0, "console_io from 32-bit protected mode returned 0 (%d)",
	      (int)rt_hcall32_ret);
	CHECK(rt_hcall_pse_ret == 0, "console_io under 32-bit PSE paging, through an alias, returned 0 (%d)",
	      (int)rt_hcall_pse_ret);
	CHECK(rt_hcall_pae_ret == 0, "console_io under PAE paging, through an alias, returned 0 (%d)",
	      (int)rt_hcall_pae_ret);
	CHECK(si->magic == XEN_HVM_START_MAGIC_VALUE, "start_info magic %#x", si->magic);
	CHECK(si->version == 1, "start_info version 1");
	CHECK(rt_start_info_pa >= 4096, "start_info outside page 0 (%#x)", rt_start_info_pa);
	cmdline = (const char *)(uintptr_t)si->cmdline_paddr;
	rt_printf("cmdline: %s\n", si->cmdline_paddr ? cmdline : "");
	mm = (const void *)(uintptr_t)si->memmap_paddr;
	for (i = 0; i < si->memmap_entries; i++)
		rt_printf("memmap: %#lx-%#lx type %u\n", (unsigned long)mm[i].addr,
			  (unsigned long)(mm[i].addr + mm[i].size), mm[i].type);
	CHECK(si->memmap_entries >= 2 && mm[0].type == XEN_HVM_MEMMAP_TYPE_RAM,
	      "memory map: RAM, then reserved special pages");
	if (si->nr_modules) {
		const struct hvm_modlist_entry *m = (const void *)(uintptr_t)si->modlist_paddr;
		const char *p = (const char *)(uintptr_t)m->paddr;

		rt_printf("module 0: %lu bytes at %#lx: %c%c%c%c\n", (unsigned long)m->size,
			  (unsigned long)m->paddr, p[0], p[1], p[2], p[3]);
	}
}
