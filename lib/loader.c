// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The PVH domain builder, as Xen's docs/misc/pvh.pandoc and libxl define it:
 * an ELF32/ELF64 image, given as is or inside a Linux bzImage (lib/bzimage.c
 * finds and decompresses it), its PT_LOAD segments placed at p_paddr (or
 * moved as XEN_ELFNOTE_PHYS32_RELOC allows when they do not fit) with bss
 * zeroed, the entry point from the XEN_ELFNOTE_PHYS32_ENTRY note, and
 * struct hvm_start_info (version 1: command line, module list for the
 * initrd, memory map) placed after the image, below 4 GiB and outside page 0.
 *
 * pvhv_pvh_load() works on a plain memory buffer, so it is unit-tested and
 * fuzzed without the module. Every field of the image is untrusted.
 */
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <xen/xen.h>
#include <xen/elfnote.h>
#include <xen/arch-x86/hvm/start_info.h>

#include "acpi.h"	/* lib/acpi.c: the guest's ACPI tables */
#include "libpvhv.h"
#include "kernel_image.h"

/* public/elfnote.h since Xen 4.19; Debian 12's libxen-dev is 4.17. */
#ifndef XEN_ELFNOTE_PHYS32_RELOC
#define XEN_ELFNOTE_PHYS32_RELOC 19
#endif

#define PVHV_API __attribute__((visibility("default")))

#define PAGE 4096ULL
#define MAX_PHDRS 64
#define MAX_CMDLINE 4096
#define LOW_4G (1ULL << 32)

struct seg {
	uint64_t off, filesz, paddr, memsz;
};

static int fail(struct pvhv_pvh_image *out, int err, const char *why)
{
	out->error = why;
	return err;
}

/* a + b <= limit, without overflow */
static int fits(uint64_t a, uint64_t b, uint64_t limit)
{
	return a <= limit && b <= limit - a;
}

static uint64_t rd(const uint8_t *p, size_t n)
{
	uint64_t v = 0;

	while (n--)
		v = (v << 8) | p[n];
	return v;
}

/*
 * The Xen notes a PVH loader reads, as libelf's elf_xen_parse_note()
 * (xen/common/libelf/libelf-dominfo.c): the entry point, and whether and
 * where the kernel may be moved.
 */
struct pvh_notes {
	int has_entry, reloc;
	uint64_t entry;
	uint64_t align;		/* 0: not given */
	uint64_t min, max;	/* the image's first and last byte */
};

/* The notes in [p, p + len). 0: parsed, <0: corrupt. */
static int parse_notes(const uint8_t *p, uint64_t len, struct pvh_notes *n)
{
	uint64_t pos = 0;

	while (len - pos >= 12) {
		uint64_t namesz = rd(p + pos, 4), descsz = rd(p + pos + 4, 4);
		uint64_t type = rd(p + pos + 8, 4);
		uint64_t name = pos + 12, desc = name + ((namesz + 3) & ~3ULL);
		uint64_t next = desc + ((descsz + 3) & ~3ULL);

		if (namesz > len || descsz > len || next > len)
			return -1;
		pos = next;
		if (namesz != 4 || memcmp(p + name, "Xen", 4))
			continue;
		if (type == XEN_ELFNOTE_PHYS32_ENTRY && !n->has_entry) {
			if (descsz != 4 && descsz != 8)
				return -1;
			n->entry = rd(p + desc, descsz);
			n->has_entry = 1;
		} else if (type == XEN_ELFNOTE_PHYS32_RELOC) {
			/* Up to three 32-bit values: align, min, max. */
			n->reloc = 1;
			if (descsz >= 4)
				n->align = rd(p + desc, 4);
			if (descsz >= 8)
				n->min = rd(p + desc + 4, 4);
			if (descsz >= 12)
				n->max = rd(p + desc + 8, 4);
		}
	}
	return 0;
}

/*
 * Whether the image [start, start + span), then @tail bytes of ramdisk and
 * boot information from the next page on, fit in guest RAM outside page 0,
 * the boot information below 4 GiB.
 */
static int layout_fits(uint64_t start, uint64_t span, uint64_t tail, uint64_t usable)
{
	uint64_t after;

	if (start < PAGE || !fits(start, span, usable))
		return 0;
	after = (start + span + PAGE - 1) & ~(PAGE - 1);
	return fits(after, tail, usable) && after + tail <= LOW_4G;
}

static int load_elf(uint8_t *mem, uint64_t ram_bytes, const struct pvhv_boot_config *cfg,
		    const uint8_t *img, uint64_t size, struct pvhv_pvh_image *out)
{
	uint64_t usable, top, cur, cmdlen, nph, i, j, span, tail, delta, base;
	uint64_t phoff, phentsize, entry, palign = 0;
	struct hvm_memmap_table_entry mm[2];
	struct pvh_notes notes;
	struct hvm_modlist_entry mod;
	struct hvm_start_info si;
	struct seg segs[MAX_PHDRS];
	int nsegs = 0, is64, pass;

	usable = ram_bytes - PVHV_SPECIAL_PAGES * PAGE;
	memset(&notes, 0, sizeof(notes));
	notes.max = LOW_4G - 1;	/* libelf's ARCH_PHYS_MAX_DEFAULT */

	if (size < EI_NIDENT || memcmp(img, ELFMAG, SELFMAG))
		return fail(out, -ENOEXEC, "not an ELF image");
	if (img[EI_DATA] != ELFDATA2LSB)
		return fail(out, -ENOEXEC, "not a little-endian ELF image");
	if (img[EI_CLASS] == ELFCLASS64)
		is64 = 1;
	else if (img[EI_CLASS] == ELFCLASS32)
		is64 = 0;
	else
		return fail(out, -ENOEXEC, "unknown ELF class");
	if (size < (is64 ? sizeof(Elf64_Ehdr) : sizeof(Elf32_Ehdr)))
		return fail(out, -ENOEXEC, "truncated ELF header");
	/* Headers are copied out: an image need not be aligned (a bzImage's
	 * uncompressed payload, e_phoff). */
	if (is64) {
		Elf64_Ehdr eh;

		memcpy(&eh, img, sizeof(eh));
		if (eh.e_machine != EM_X86_64)
			return fail(out, -ENOEXEC, "not an x86 ELF image");
		phoff = eh.e_phoff;
		phentsize = eh.e_phentsize;
		nph = eh.e_phnum;
	} else {
		Elf32_Ehdr eh;

		memcpy(&eh, img, sizeof(eh));
		if (eh.e_machine != EM_386 && eh.e_machine != EM_X86_64)
			return fail(out, -ENOEXEC, "not an x86 ELF image");
		phoff = eh.e_phoff;
		phentsize = eh.e_phentsize;
		nph = eh.e_phnum;
	}
	if (phentsize != (is64 ? sizeof(Elf64_Phdr) : sizeof(Elf32_Phdr)))
		return fail(out, -ENOEXEC, "bad program header size");
	if (!nph || nph > MAX_PHDRS)
		return fail(out, -ENOEXEC, "bad number of program headers");
	if (!fits(phoff, nph * phentsize, size))
		return fail(out, -ENOEXEC, "truncated program headers");

	/* Two passes: the notes first (the most telling error), then the
	 * loadable segments. */
	for (pass = 0; pass < 2; pass++) {
		for (i = 0; i < nph; i++) {
			const uint8_t *ph = img + phoff + i * phentsize;
			uint64_t type, off, filesz, paddr, memsz, align;

			if (is64) {
				Elf64_Phdr p;

				memcpy(&p, ph, sizeof(p));
				type = p.p_type, off = p.p_offset, filesz = p.p_filesz;
				paddr = p.p_paddr, memsz = p.p_memsz, align = p.p_align;
			} else {
				Elf32_Phdr p;

				memcpy(&p, ph, sizeof(p));
				type = p.p_type, off = p.p_offset, filesz = p.p_filesz;
				paddr = p.p_paddr, memsz = p.p_memsz, align = p.p_align;
			}
			if (type != (pass ? PT_LOAD : PT_NOTE))
				continue;
			if (!fits(off, filesz, size))
				return fail(out, -ENOEXEC, "segment beyond the end of the file");
			if (!pass) {
				if (parse_notes(img + off, filesz, &notes))
					return fail(out, -ENOEXEC, "corrupt ELF note");
				continue;
			}
			if (filesz > memsz)
				return fail(out, -ENOEXEC, "segment file size above its memory size");
			if (!memsz)
				continue;
			if (!fits(paddr, memsz, UINT64_MAX))
				return fail(out, -E2BIG, "segment outside guest RAM (more memory needed)");
			for (j = 0; j < (uint64_t)nsegs; j++)
				if (paddr < segs[j].paddr + segs[j].memsz &&
				    segs[j].paddr < paddr + memsz)
					return fail(out, -ENOEXEC, "overlapping segments");
			if (align > palign)
				palign = align;
			segs[nsegs++] = (struct seg){ off, filesz, paddr, memsz };
		}
		if (!notes.has_entry)
			return fail(out, -ENOEXEC,
				    "no XEN_ELFNOTE_PHYS32_ENTRY note: not a PVH kernel");
	}
	entry = notes.entry;
	if (!nsegs)
		return fail(out, -ENOEXEC, "no loadable segment");

	top = 0;
	out->image_start = UINT64_MAX;
	for (i = 0; i < (uint64_t)nsegs; i++) {
		if (segs[i].paddr < out->image_start)
			out->image_start = segs[i].paddr;
		if (segs[i].paddr + segs[i].memsz > top)
			top = segs[i].paddr + segs[i].memsz;
	}
	span = top - out->image_start;

	/*
	 * XEN_ELFNOTE_PHYS32_RELOC: a kernel that does not fit where it is
	 * linked may be moved. Xen's domU builder ignores the note (only
	 * xen/arch/x86/hvm/dom0_build.c reads it, in
	 * check_and_adjust_load_address()); its rules are taken from there:
	 * the note's alignment, else the largest p_align of at least 4 KiB,
	 * else 2 MiB; the image within [min, max]. Xen picks the highest
	 * address for dom0; the ramdisk and boot information follow the image
	 * here, so the lowest is the one that leaves them room.
	 */
	if (cfg->ramdisk_size < usable)
		tail = 2 * PAGE + ((cfg->ramdisk_size + PAGE - 1) & ~(PAGE - 1));
	else
		tail = UINT64_MAX;
	if (notes.reloc && !layout_fits(out->image_start, span, tail, usable)) {
		uint64_t align = notes.align ? notes.align : palign >= PAGE ? palign : 2 << 20;

		if (align & (align - 1))
			return fail(out, -ENOEXEC, "PHYS32_RELOC alignment not a power of 2");
		base = notes.min > PAGE ? notes.min : PAGE;
		base = (base + align - 1) & ~(align - 1);
		if (!fits(base, span, notes.max + 1) || !layout_fits(base, span, tail, usable))
			return fail(out, -E2BIG,
				    "kernel does not fit in guest RAM, nor within its PHYS32_RELOC bounds");
		delta = base - out->image_start;
		for (i = 0; i < (uint64_t)nsegs; i++)
			segs[i].paddr += delta;
		entry += delta;
		out->image_start += delta;
		top += delta;
	}
	for (i = 0; i < (uint64_t)nsegs; i++) {
		if (!fits(segs[i].paddr, segs[i].memsz, usable))
			return fail(out, -E2BIG, "segment outside guest RAM (more memory needed)");
		if (segs[i].paddr < PAGE)
			return fail(out, -ENOEXEC, "segment in page 0");
	}
	out->image_end = top;
	if (entry >= LOW_4G || entry < out->image_start || entry >= top)
		return fail(out, -ENOEXEC, "entry point outside the image");

	/* Layout after the image: initrd, then one page of boot information. */
	cmdlen = cfg->cmdline ? strlen(cfg->cmdline) : 0;
	if (cmdlen >= MAX_CMDLINE)
		return fail(out, -E2BIG, "command line too long (4095 bytes at most)");
	cur = (top + PAGE - 1) & ~(PAGE - 1);
	if (cfg->ramdisk_size) {
		if (!cfg->ramdisk)
			return fail(out, -EINVAL, "ramdisk size without data");
		out->ramdisk_paddr = cur;
		if (!fits(cur, cfg->ramdisk_size, usable))
			return fail(out, -E2BIG, "kernel and ramdisk do not fit in guest RAM");
		cur = (cur + cfg->ramdisk_size + PAGE - 1) & ~(PAGE - 1);
	}
	/* start_info, modlist, memmap, then the command line: two pages. */
	if (!fits(cur, 2 * PAGE, usable) || cur + 2 * PAGE > LOW_4G)
		return fail(out, -E2BIG, "no room for start_info below 4 GiB");

	memset(mem, 0, usable);
	for (i = 0; i < (uint64_t)nsegs; i++)
		memcpy(mem + segs[i].paddr, img + segs[i].off, segs[i].filesz);
	if (cfg->ramdisk_size)
		memcpy(mem + out->ramdisk_paddr, cfg->ramdisk, cfg->ramdisk_size);

	memset(&si, 0, sizeof(si));
	si.magic = XEN_HVM_START_MAGIC_VALUE;
	si.version = 1;
	si.cmdline_paddr = cur + PAGE;
	si.memmap_paddr = cur + sizeof(si) + sizeof(mod);
	si.memmap_entries = 2;
	if (cfg->ramdisk_size) {
		memset(&mod, 0, sizeof(mod));
		mod.paddr = out->ramdisk_paddr;
		mod.size = cfg->ramdisk_size;
		si.nr_modules = 1;
		si.modlist_paddr = cur + sizeof(si);
		memcpy(mem + si.modlist_paddr, &mod, sizeof(mod));
	}
	memset(mm, 0, sizeof(mm));
	mm[0].addr = 0;
	mm[0].size = usable;
	mm[0].type = XEN_HVM_MEMMAP_TYPE_RAM;
	mm[1].addr = usable;
	mm[1].size = PVHV_SPECIAL_PAGES * PAGE;
	mm[1].type = XEN_HVM_MEMMAP_TYPE_RESERVED;
	memcpy(mem + si.memmap_paddr, mm, sizeof(mm));
	if (cmdlen)
		memcpy(mem + si.cmdline_paddr, cfg->cmdline, cmdlen);
	/* ACPI tables (lib/acpi.c): the top of RAM below 4 GiB, carved out of
	 * the memory map above (room for PVHV_ACPI_MEMMAP_MAX entries). */
	if (cfg->nr_vcpus) {
		int acpi = pvhv_acpi_install(mem, usable, cur + 2 * PAGE, cfg->nr_vcpus, &si);

		if (acpi)
			return fail(out, acpi, "no room for the ACPI tables below 4 GiB");
	}
	memcpy(mem + cur, &si, sizeof(si));

	out->entry = entry;
	out->start_info = cur;
	return 0;
}

PVHV_API int pvhv_pvh_load(void *ram, uint64_t ram_bytes, const struct pvhv_boot_config *cfg,
			   struct pvhv_pvh_image *out)
{
	struct pvhv_kernel k;
	int r;

	if (!out)
		return -EINVAL;
	memset(out, 0, sizeof(*out));
	if (!ram || !cfg || !cfg->kernel)
		return fail(out, -EINVAL, "no kernel image or guest RAM");
	if (ram_bytes < PVHV_SPECIAL_PAGES * PAGE + 2 * PAGE || ram_bytes % PAGE)
		return fail(out, -EINVAL, "guest RAM too small");
	r = pvhv_kernel_unpack(cfg->kernel, cfg->kernel_size, PVHV_KERNEL_MAX, &k);
	if (r)
		return fail(out, r, k.error);
	r = load_elf(ram, ram_bytes, cfg, k.elf, k.elf_size, out);
	free(k.buf);
	return r;
}

static int read_file(const char *path, void **data, size_t *size)
{
	struct stat st;
	ssize_t n;
	size_t got = 0;
	int fd, err;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) || !S_ISREG(st.st_mode)) {
		err = S_ISREG(st.st_mode) ? -errno : -EINVAL;
		close(fd);
		return err;
	}
	*data = malloc(st.st_size ? (size_t)st.st_size : 1);
	if (!*data) {
		close(fd);
		return -ENOMEM;
	}
	while (got < (size_t)st.st_size) {
		n = read(fd, (char *)*data + got, (size_t)st.st_size - got);
		if (n <= 0) {
			err = n < 0 ? -errno : -EIO;
			free(*data);
			close(fd);
			return err;
		}
		got += (size_t)n;
	}
	close(fd);
	*size = got;
	return 0;
}

PVHV_API int pvhv_domain_start_pvh(int dfd, uint64_t entry, uint64_t start_info)
{
	struct pvhv_start_pvh req;

	if (dfd < 0)
		return -EBADF;
	memset(&req, 0, sizeof(req));
	req.entry = entry;
	req.start_info = start_info;
	return ioctl(dfd, PVHV_DOMAIN_START_PVH, &req) < 0 ? -errno : 0;
}

PVHV_API int pvhv_domain_set_memory_map(int dfd, const struct pvhv_memory_map_entry *entries,
				       uint32_t nr_entries)
{
	struct pvhv_memory_map req;

	if (dfd < 0)
		return -EBADF;
	if (!entries || !nr_entries)
		return -EINVAL;
	memset(&req, 0, sizeof(req));
	req.nr_entries = nr_entries;
	req.entries_ptr = (uintptr_t)entries;
	return ioctl(dfd, PVHV_DOMAIN_SET_MEMORY_MAP, &req) < 0 ? -errno : 0;
}

/*
 * Hand the memory map the loader wrote into hvm_start_info (RAM, the ACPI
 * tables, the special pages) to the module for XENMEM_memory_map, so both
 * say the same (libxl does the same with XENMEM_set_memory_map).
 */
static int set_memmap_from_start_info(int dfd, const uint8_t *mem, uint64_t ram_bytes,
				      uint64_t start_info)
{
	struct pvhv_memory_map_entry map[PVHV_ACPI_MEMMAP_MAX];
	struct hvm_memmap_table_entry e;
	struct hvm_start_info si;
	uint32_t i;

	if (start_info + sizeof(si) > ram_bytes)
		return -EINVAL;
	memcpy(&si, mem + start_info, sizeof(si));
	if (!si.memmap_entries || si.memmap_entries > PVHV_ACPI_MEMMAP_MAX ||
	    si.memmap_paddr + (uint64_t)si.memmap_entries * sizeof(e) > ram_bytes)
		return -EINVAL;
	memset(map, 0, sizeof(map));
	for (i = 0; i < si.memmap_entries; i++) {
		memcpy(&e, mem + si.memmap_paddr + i * sizeof(e), sizeof(e));
		map[i].addr = e.addr;
		map[i].size = e.size;
		map[i].type = e.type;
	}
	return pvhv_domain_set_memory_map(dfd, map, si.memmap_entries);
}

PVHV_API int pvhv_domain_load_pvh(int dfd, const char *kernel, const char *ramdisk,
				  const char *cmdline, struct pvhv_pvh_image *out)
{
	struct pvhv_boot_config cfg;
	struct pvhv_domain_info info;
	void *ram;
	int ret;

	if (!kernel || !out)
		return -EINVAL;
	memset(out, 0, sizeof(*out));
	memset(&cfg, 0, sizeof(cfg));
	cfg.cmdline = cmdline;
	ret = pvhv_domain_get_info(dfd, &info);
	if (ret)
		return ret;
	cfg.nr_vcpus = info.max_vcpus;	/* every guest gets ACPI tables */
	ret = read_file(kernel, (void **)&cfg.kernel, &cfg.kernel_size);
	if (ret) {
		out->error = "cannot read the kernel";
		return ret;
	}
	if (ramdisk) {
		ret = read_file(ramdisk, (void **)&cfg.ramdisk, &cfg.ramdisk_size);
		if (ret) {
			out->error = "cannot read the ramdisk";
			goto out_free;
		}
	}
	ret = pvhv_domain_map(dfd, 0, info.memory_bytes, PROT_READ | PROT_WRITE, &ram);
	if (ret) {
		out->error = "cannot map guest RAM";
		goto out_free;
	}
	ret = pvhv_pvh_load(ram, info.memory_bytes, &cfg, out);
	if (!ret) {
		ret = set_memmap_from_start_info(dfd, ram, info.memory_bytes, out->start_info);
		/*
		 * A module before PVHV_CAP_MEMORY_MAP: its XENMEM_memory_map
		 * describes RAM and the special pages only, the guest has the
		 * full map in start_info (where Linux reads it).
		 */
		if (ret == -ENOTTY)
			ret = 0;
		if (ret)
			out->error = "the module refused the memory map";
	}
	pvhv_domain_unmap(ram, info.memory_bytes);
out_free:
	free((void *)cfg.kernel);
	free((void *)cfg.ramdisk);
	return ret;
}

PVHV_API int pvhv_domain_boot_pvh(int dfd, const char *kernel, const char *ramdisk,
				  const char *cmdline, struct pvhv_pvh_image *out)
{
	int ret = pvhv_domain_load_pvh(dfd, kernel, ramdisk, cmdline, out);

	if (!ret) {
		ret = pvhv_domain_start_pvh(dfd, out->entry, out->start_info);
		if (ret)
			out->error = "the module refused to start the domain";
	}
	return ret;
}

PVHV_API int pvhv_domain_console_read(int dfd, uint64_t *offset, void *buf, size_t len,
				      size_t *got, uint64_t *lost)
{
	struct pvhv_console_read req;

	if (!offset || !got || (!buf && len))
		return -EINVAL;
	if (dfd < 0)
		return -EBADF;
	memset(&req, 0, sizeof(req));
	req.len = len > UINT32_MAX ? UINT32_MAX : (uint32_t)len;
	req.buf_ptr = (uintptr_t)buf;
	req.offset = *offset;
	if (ioctl(dfd, PVHV_DOMAIN_CONSOLE_READ, &req) < 0)
		return -errno;
	*offset = req.offset;
	*got = req.len;
	if (lost)
		*lost = req.lost;
	return 0;
}
