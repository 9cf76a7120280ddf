// SPDX-License-Identifier: GPL-2.0-only
/*
 * The PVH loader (lib/loader.c) on images built here: a good ELF64 and ELF32
 * image, each error with its reason, and fuzzing: every truncation and many
 * random corruptions must end in 0 or -errno, never a crash or a write
 * outside guest RAM (RAM is surrounded by guard pages). XEN_ELFNOTE_PHYS32_RELOC
 * placement. bzImages in every compression, built here with the libraries'
 * compressors, load as the plain ELF does; their header and payload errors;
 * and the Debian kernels in /boot (SKIP when absent).
 */
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <asm/bootparam.h>
#include <bzlib.h>
#include <lz4.h>
#include <lzma.h>
#include <zlib.h>
#include <zstd.h>

#include <xen/xen.h>
#include <xen/elfnote.h>
#include <xen/arch-x86/hvm/start_info.h>

#include "kernel_image.h"
#include "libpvhv.h"
#include "unit.h"

#define RAM (4 << 20)
#define LOAD 0x100000
#define CODE 0x200

/* ELF64: header, 2 phdrs (LOAD, NOTE), note at 0xb0, code at 0x200. */
void unit_make_elf64(struct unit_img *m, uint32_t note_type, uint64_t paddr, uint64_t memsz)
{
	Elf64_Ehdr *eh = (void *)m->b;
	Elf64_Phdr *ph = (void *)(m->b + sizeof(*eh));
	uint32_t *note = (void *)(m->b + 0xb0);

	memset(m, 0, sizeof(*m));
	memcpy(eh->e_ident, ELFMAG, SELFMAG);
	eh->e_ident[EI_CLASS] = ELFCLASS64;
	eh->e_ident[EI_DATA] = ELFDATA2LSB;
	eh->e_ident[EI_VERSION] = EV_CURRENT;
	eh->e_type = ET_EXEC;
	eh->e_machine = EM_X86_64;
	eh->e_phoff = sizeof(*eh);
	eh->e_phentsize = sizeof(*ph);
	eh->e_phnum = 2;
	ph[0] = (Elf64_Phdr){ .p_type = PT_LOAD, .p_offset = CODE, .p_paddr = paddr,
			      .p_vaddr = paddr, .p_filesz = 0x100, .p_memsz = memsz };
	ph[1] = (Elf64_Phdr){ .p_type = PT_NOTE, .p_offset = 0xb0, .p_filesz = 20 };
	note[0] = 4;
	note[1] = 4;
	note[2] = note_type;
	memcpy(&note[3], "Xen", 4);
	note[4] = (uint32_t)paddr + 0x10;	/* entry */
	memset(m->b + CODE, 0x90, 0x100);
	m->len = CODE + 0x100;
}

static void make_elf32(struct unit_img *m)
{
	Elf32_Ehdr *eh = (void *)m->b;
	Elf32_Phdr *ph = (void *)(m->b + sizeof(*eh));
	uint32_t *note = (void *)(m->b + 0xb0);

	memset(m, 0, sizeof(*m));
	memcpy(eh->e_ident, ELFMAG, SELFMAG);
	eh->e_ident[EI_CLASS] = ELFCLASS32;
	eh->e_ident[EI_DATA] = ELFDATA2LSB;
	eh->e_machine = EM_386;
	eh->e_phoff = sizeof(*eh);
	eh->e_phentsize = sizeof(*ph);
	eh->e_phnum = 2;
	ph[0] = (Elf32_Phdr){ .p_type = PT_LOAD, .p_offset = CODE, .p_paddr = LOAD,
			      .p_filesz = 0x100, .p_memsz = 0x3000 };
	ph[1] = (Elf32_Phdr){ .p_type = PT_NOTE, .p_offset = 0xb0, .p_filesz = 20 };
	note[0] = 4;
	note[1] = 4;
	note[2] = XEN_ELFNOTE_PHYS32_ENTRY;
	memcpy(&note[3], "Xen", 4);
	note[4] = LOAD;
	memset(m->b + CODE, 0xf4, 0x100);
	m->len = CODE + 0x100;
}

/* Guest RAM between two inaccessible guard pages. */
static uint8_t *ram_alloc(void)
{
	uint8_t *p = mmap(NULL, RAM + 2 * 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	ck_assert_ptr_ne(p, MAP_FAILED);
	ck_assert_int_eq(mprotect(p + 4096, RAM, PROT_READ | PROT_WRITE), 0);
	return p + 4096;
}

static void ram_free(uint8_t *ram)
{
	munmap(ram - 4096, RAM + 2 * 4096);
}

static int load(uint8_t *ram, const struct unit_img *m, const char *cmdline, const void *rd, size_t rdlen,
		struct pvhv_pvh_image *out)
{
	struct pvhv_boot_config cfg = { .kernel = m->b, .kernel_size = m->len,
					.ramdisk = rd, .ramdisk_size = rdlen, .cmdline = cmdline };

	return pvhv_pvh_load(ram, RAM, &cfg, out);
}

START_TEST(test_load_elf64)
{
	uint8_t *ram = ram_alloc();
	struct pvhv_pvh_image out;
	struct hvm_start_info *si;
	struct hvm_memmap_table_entry *mm;
	struct hvm_modlist_entry *mod;
	struct unit_img m;

	unit_make_elf64(&m, XEN_ELFNOTE_PHYS32_ENTRY, LOAD, 0x5000);
	memset(ram, 0xaa, RAM);
	ck_assert_int_eq(load(ram, &m, "console=hvc0", "INITRD", 6, &out), 0);
	ck_assert_uint_eq(out.entry, LOAD + 0x10);
	ck_assert_uint_eq(ram[LOAD], 0x90);
	ck_assert_uint_eq(ram[LOAD + 0x100], 0);	/* bss zeroed */
	ck_assert_uint_eq(ram[LOAD + 0x4fff], 0);
	ck_assert_uint_ge(out.start_info, LOAD + 0x5000);	/* outside the image */
	ck_assert_uint_eq(out.start_info % 4096, 0);
	si = (void *)(ram + out.start_info);
	ck_assert_uint_eq(si->magic, XEN_HVM_START_MAGIC_VALUE);
	ck_assert_uint_eq(si->version, 1);
	ck_assert_str_eq((char *)ram + si->cmdline_paddr, "console=hvc0");
	ck_assert_uint_eq(si->nr_modules, 1);
	mod = (void *)(ram + si->modlist_paddr);
	ck_assert_uint_eq(mod->size, 6);
	ck_assert_int_eq(memcmp(ram + mod->paddr, "INITRD", 6), 0);
	ck_assert_uint_ge(mod->paddr, LOAD + 0x5000);
	ck_assert_uint_eq(si->memmap_entries, 2);
	mm = (void *)(ram + si->memmap_paddr);
	ck_assert_uint_eq(mm[0].type, XEN_HVM_MEMMAP_TYPE_RAM);
	ck_assert_uint_eq(mm[0].addr + mm[0].size, RAM - PVHV_SPECIAL_PAGES * 4096);
	ck_assert_uint_eq(mm[1].type, XEN_HVM_MEMMAP_TYPE_RESERVED);
	ck_assert_uint_eq(mm[1].addr + mm[1].size, RAM);
	ck_assert_uint_eq(si->rsdp_paddr, 0);
	ram_free(ram);
}
END_TEST

START_TEST(test_load_elf32)
{
	uint8_t *ram = ram_alloc();
	struct pvhv_pvh_image out;
	struct unit_img m;

	make_elf32(&m);
	ck_assert_int_eq(load(ram, &m, NULL, NULL, 0, &out), 0);
	ck_assert_uint_eq(out.entry, LOAD);
	ck_assert_uint_eq(ram[LOAD + 0xff], 0xf4);
	ck_assert_uint_eq(((struct hvm_start_info *)(ram + out.start_info))->nr_modules, 0);
	ram_free(ram);
}
END_TEST

START_TEST(test_load_errors)
{
	uint8_t *ram = ram_alloc();
	struct pvhv_pvh_image out;
	char big[5000];
	struct unit_img m;

#define EXPECT(err, why) do {							\
	ck_assert_int_eq(load(ram, &m, NULL, NULL, 0, &out), err);		\
	ck_assert_ptr_nonnull(out.error);					\
	ck_assert_ptr_nonnull(strstr(out.error, why));				\
} while (0)
	unit_make_elf64(&m, 17, LOAD, 0x1000);	/* a note, but not PHYS32_ENTRY */
	EXPECT(-ENOEXEC, "no XEN_ELFNOTE_PHYS32_ENTRY");
	unit_make_elf64(&m, XEN_ELFNOTE_PHYS32_ENTRY, RAM - 0x1000, 0x1000);
	EXPECT(-E2BIG, "outside guest RAM");	/* in the special pages */
	unit_make_elf64(&m, XEN_ELFNOTE_PHYS32_ENTRY, UINT64_MAX - 0xfff, 0x2000);
	EXPECT(-E2BIG, "outside guest RAM");	/* wraps around */
	unit_make_elf64(&m, XEN_ELFNOTE_PHYS32_ENTRY, 0, 0x1000);
	EXPECT(-ENOEXEC, "page 0");
	unit_make_elf64(&m, XEN_ELFNOTE_PHYS32_ENTRY, LOAD, 0x10);
	EXPECT(-ENOEXEC, "file size above its memory size");
	unit_make_elf64(&m, XEN_ELFNOTE_PHYS32_ENTRY, LOAD, 0x1000);
	((Elf64_Phdr *)(m.b + 64))[1].p_type = PT_LOAD;	/* a second segment... */
	((Elf64_Phdr *)(m.b + 64))[1].p_paddr = LOAD + 0x800;	/* ...overlapping */
	((Elf64_Phdr *)(m.b + 64))[1].p_memsz = 0x1000;
	EXPECT(-ENOEXEC, "no XEN_ELFNOTE");	/* and the note is gone */
	unit_make_elf64(&m, XEN_ELFNOTE_PHYS32_ENTRY, LOAD, 0x1000);
	((uint32_t *)(m.b + 0xb0))[4] = 0x50000;	/* entry outside the image */
	EXPECT(-ENOEXEC, "entry point outside");
	unit_make_elf64(&m, XEN_ELFNOTE_PHYS32_ENTRY, LOAD, 0x1000);
	((uint32_t *)(m.b + 0xb0))[1] = 3;	/* descsz 3 */
	EXPECT(-ENOEXEC, "corrupt ELF note");
	unit_make_elf64(&m, XEN_ELFNOTE_PHYS32_ENTRY, LOAD, 0x1000);
	((Elf64_Ehdr *)m.b)->e_phnum = 1000;
	EXPECT(-ENOEXEC, "number of program headers");
	unit_make_elf64(&m, XEN_ELFNOTE_PHYS32_ENTRY, LOAD, 0x1000);
	((Elf64_Phdr *)(m.b + 64))[0].p_filesz = 0x10000;
	EXPECT(-ENOEXEC, "beyond the end of the file");
	unit_make_elf64(&m, XEN_ELFNOTE_PHYS32_ENTRY, LOAD, 0x1000);
	((Elf64_Ehdr *)m.b)->e_machine = EM_ARM;
	EXPECT(-ENOEXEC, "not an x86 ELF");
	m.b[0] = 'M';
	EXPECT(-ENOEXEC, "not an ELF image");
	unit_make_elf64(&m, XEN_ELFNOTE_PHYS32_ENTRY, LOAD, RAM - LOAD - PVHV_SPECIAL_PAGES * 4096);
	EXPECT(-E2BIG, "start_info");	/* the image fills RAM: no room after it */
	unit_make_elf64(&m, XEN_ELFNOTE_PHYS32_ENTRY, LOAD, 0x1000);
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = 0;
	ck_assert_int_eq(load(ram, &m, big, NULL, 0, &out), -E2BIG);
	ck_assert_int_eq(pvhv_pvh_load(ram, RAM, NULL, &out), -EINVAL);
	ck_assert_int_eq(pvhv_pvh_load(ram, 4096, NULL, &out), -EINVAL);
	ram_free(ram);
}
END_TEST

START_TEST(test_load_fuzz)
{
	uint8_t *ram = ram_alloc();
	struct pvhv_pvh_image out;
	struct unit_img good, m;
	unsigned int seed = 12345, i, ok = 0;
	size_t n;
	int r;

	unit_make_elf64(&good, XEN_ELFNOTE_PHYS32_ENTRY, LOAD, 0x3000);
	/* Every truncation. */
	for (n = 0; n < good.len; n++) {
		m = good;
		m.len = n;
		r = load(ram, &m, "x", NULL, 0, &out);
		ck_assert_int_le(r, 0);
		if (r)
			ck_assert_ptr_nonnull(out.error);
	}
	/* Random corruption of the headers and note: 1..8 bytes each time. */
	for (i = 0; i < 20000; i++) {
		int k, flips = 1 + rand_r(&seed) % 8;

		m = good;
		for (k = 0; k < flips; k++)
			m.b[rand_r(&seed) % 0xc8] = (uint8_t)rand_r(&seed);
		r = load(ram, &m, "x", "rd", 2, &out);
		ck_assert_int_le(r, 0);
		if (r == 0) {
			ok++;
			ck_assert_uint_lt(out.start_info + 4096, RAM);
			ck_assert_uint_lt(out.entry, RAM);
		} else {
			ck_assert_ptr_nonnull(out.error);
		}
	}
	ck_assert_uint_gt(ok, 0);	/* some corruptions are harmless */
	ram_free(ram);
}
END_TEST

/* XEN_ELFNOTE_PHYS32_RELOC (public/elfnote.h since Xen 4.19) after the entry note. */
#ifndef XEN_ELFNOTE_PHYS32_RELOC
#define XEN_ELFNOTE_PHYS32_RELOC 19
#endif

static void add_reloc(struct unit_img *m, uint32_t descsz, uint32_t align, uint32_t min, uint32_t max)
{
	uint32_t *note = (void *)(m->b + 0xc4);

	note[0] = 4;
	note[1] = descsz;
	note[2] = XEN_ELFNOTE_PHYS32_RELOC;
	memcpy(&note[3], "Xen", 4);
	note[4] = align;
	note[5] = min;
	note[6] = max;
	((Elf64_Phdr *)(m->b + sizeof(Elf64_Ehdr)))[1].p_filesz = 20 + 16 + ((descsz + 3) & ~3U);
}

START_TEST(test_load_reloc)
{
	uint8_t *ram = ram_alloc();
	struct pvhv_pvh_image out;
	static uint8_t rd[0x180000];
	struct unit_img m;

	/* Linked at 16 MiB, beyond 4 MiB of RAM: moved to the first 2 MiB boundary. */
	unit_make_elf64(&m, XEN_ELFNOTE_PHYS32_ENTRY, 16 << 20, 0x5000);
	add_reloc(&m, 12, 0x200000, 0, 0xffffffff);
	ck_assert_int_eq(load(ram, &m, NULL, NULL, 0, &out), 0);
	ck_assert_uint_eq(out.image_start, 2 << 20);
	ck_assert_uint_eq(out.image_end, (2 << 20) + 0x5000);
	ck_assert_uint_eq(out.entry, (2 << 20) + 0x10);
	ck_assert_uint_eq(ram[2 << 20], 0x90);
	ck_assert_uint_ge(out.start_info, out.image_end);
	/* Without the note it does not load. */
	unit_make_elf64(&m, XEN_ELFNOTE_PHYS32_ENTRY, 16 << 20, 0x5000);
	ck_assert_int_eq(load(ram, &m, NULL, NULL, 0, &out), -E2BIG);
	ck_assert_ptr_nonnull(strstr(out.error, "outside guest RAM"));
	/* Where it fits, it stays where it is linked. */
	unit_make_elf64(&m, XEN_ELFNOTE_PHYS32_ENTRY, LOAD, 0x5000);
	add_reloc(&m, 12, 0x200000, 0, 0xffffffff);
	ck_assert_int_eq(load(ram, &m, NULL, NULL, 0, &out), 0);
	ck_assert_uint_eq(out.image_start, LOAD);
	/* No alignment given, p_align 0: 2 MiB (dom0_build.c's default); page 0 moves too. */
	unit_make_elf64(&m, XEN_ELFNOTE_PHYS32_ENTRY, 0, 0x5000);
	add_reloc(&m, 0, 0, 0, 0);
	ck_assert_int_eq(load(ram, &m, NULL, NULL, 0, &out), 0);
	ck_assert_uint_eq(out.image_start, 2 << 20);
	ck_assert_uint_eq(out.entry, (2 << 20) + 0x10);
	/* The image fits but the ramdisk after it does not: moved down. */
	unit_make_elf64(&m, XEN_ELFNOTE_PHYS32_ENTRY, 3 << 20, 0x5000);
	add_reloc(&m, 8, 0x1000, 0x10000, 0);
	ck_assert_int_eq(load(ram, &m, NULL, rd, sizeof(rd), &out), 0);
	ck_assert_uint_eq(out.image_start, 0x10000);
	ck_assert_uint_ge(out.ramdisk_paddr, out.image_end);
	/* Bounds that leave no room, and a bad alignment. */
	unit_make_elf64(&m, XEN_ELFNOTE_PHYS32_ENTRY, 16 << 20, 0x5000);
	add_reloc(&m, 12, 0x1000, 8 << 20, 0xffffffff);	/* min beyond RAM */
	ck_assert_int_eq(load(ram, &m, NULL, NULL, 0, &out), -E2BIG);
	ck_assert_ptr_nonnull(strstr(out.error, "PHYS32_RELOC bounds"));
	add_reloc(&m, 12, 0x1000, 0, 0x3fff);		/* max below the image's end */
	ck_assert_int_eq(load(ram, &m, NULL, NULL, 0, &out), -E2BIG);
	ck_assert_ptr_nonnull(strstr(out.error, "PHYS32_RELOC bounds"));
	add_reloc(&m, 12, 0x3000, 0, 0xffffffff);
	ck_assert_int_eq(load(ram, &m, NULL, NULL, 0, &out), -ENOEXEC);
	ck_assert_ptr_nonnull(strstr(out.error, "power of 2"));
	ram_free(ram);
}
END_TEST

/*
 * bzImages built here: a setup header (struct setup_header, boot.rst) and the
 * ELF compressed by each library as Linux's arch/x86/boot/compressed/Makefile
 * does (the decompressed size appended, gzip's ISIZE for gzip).
 */
enum { GZIP, XZ, LZMA, ZSTD, LZ4, BZIP2, NONE, NFMT };
static const char *const fmt_name[NFMT] = { "gzip", "xz", "lzma", "zstd", "lz4", "bzip2",
					    "uncompressed" };

#define SETUP_SECTS 3
#define PL_OFF 0x100	/* into the protected-mode code */
#define PL_START ((SETUP_SECTS + 1) * 512 + PL_OFF)

struct bz {
	uint8_t *b;
	size_t len, pl_len;	/* the whole file; the payload */
};

static void put32(uint8_t *p, uint32_t v)
{
	memcpy(p, &v, 4);	/* little-endian host */
}

static size_t lz4_legacy(const uint8_t *in, size_t len, uint8_t *out, size_t cap)
{
	size_t pos = 0, o = 4, half = len / 2;
	int n;

	put32(out, 0x184c2102);
	/* Two blocks, the frame magic repeated between them (concatenated frames). */
	n = LZ4_compress_default((const char *)in, (char *)out + o + 4, (int)half, (int)(cap - o - 4));
	ck_assert_int_gt(n, 0);
	put32(out + o, (uint32_t)n);
	o += 4 + (size_t)n;
	put32(out + o, 0x184c2102);
	o += 4;
	pos = half;
	n = LZ4_compress_default((const char *)in + pos, (char *)out + o + 4, (int)(len - pos),
				 (int)(cap - o - 4));
	ck_assert_int_gt(n, 0);
	put32(out + o, (uint32_t)n);
	return o + 4 + (size_t)n;
}

static size_t bz_compress(int fmt, const uint8_t *in, size_t len, uint8_t *out, size_t cap)
{
	size_t n = 0;

	switch (fmt) {
	case GZIP: {
		z_stream s;

		memset(&s, 0, sizeof(s));
		ck_assert_int_eq(deflateInit2(&s, 9, Z_DEFLATED, 16 + MAX_WBITS, 8,
					      Z_DEFAULT_STRATEGY), Z_OK);
		s.next_in = (Bytef *)in;
		s.avail_in = (uInt)len;
		s.next_out = out;
		s.avail_out = (uInt)cap;
		ck_assert_int_eq(deflate(&s, Z_FINISH), Z_STREAM_END);
		n = s.total_out;
		deflateEnd(&s);
		return n;	/* ends with ISIZE */
	}
	case XZ:
		ck_assert_int_eq(lzma_easy_buffer_encode(6, LZMA_CHECK_CRC32, NULL, in, len,
							 out, &n, cap), LZMA_OK);
		break;
	case LZMA: {
		lzma_stream s = LZMA_STREAM_INIT;
		lzma_options_lzma opt;

		ck_assert_int_eq(lzma_lzma_preset(&opt, 6), 0);
		ck_assert_int_eq(lzma_alone_encoder(&s, &opt), LZMA_OK);
		s.next_in = in;
		s.avail_in = len;
		s.next_out = out;
		s.avail_out = cap;
		ck_assert_int_eq(lzma_code(&s, LZMA_FINISH), LZMA_STREAM_END);
		n = s.total_out;
		lzma_end(&s);
		break;
	}
	case ZSTD: {
		ZSTD_CCtx *c = ZSTD_createCCtx();

		/* zstd(1), as Linux runs it, writes the checksum. */
		ZSTD_CCtx_setParameter(c, ZSTD_c_compressionLevel, 19);
		ZSTD_CCtx_setParameter(c, ZSTD_c_checksumFlag, 1);
		n = ZSTD_compress2(c, out, cap, in, len);
		ck_assert(!ZSTD_isError(n));
		ZSTD_freeCCtx(c);
		break;
	}
	case LZ4:
		n = lz4_legacy(in, len, out, cap);
		break;
	case BZIP2: {
		unsigned int dl = (unsigned int)cap;

		ck_assert_int_eq(BZ2_bzBuffToBuffCompress((char *)out, &dl, (char *)in,
							  (unsigned int)len, 9, 0, 0), BZ_OK);
		n = dl;
		break;
	}
	case NONE:
		memcpy(out, in, len);
		return len;
	}
	put32(out + n, (uint32_t)len);	/* Linux's size_append */
	return n + 4;
}

static void make_bz(struct bz *z, int fmt, const struct unit_img *elf)
{
	struct boot_params *bp;
	size_t cap = elf->len * 2 + 1024;

	z->b = calloc(1, PL_START + cap);
	ck_assert_ptr_nonnull(z->b);
	bp = (void *)z->b;
	bp->hdr.setup_sects = SETUP_SECTS;
	bp->hdr.boot_flag = 0xaa55;
	memcpy(&bp->hdr.header, "HdrS", 4);
	bp->hdr.version = 0x020f;
	bp->hdr.payload_offset = PL_OFF;
	z->pl_len = bz_compress(fmt, elf->b, elf->len, z->b + PL_START, cap);
	bp->hdr.payload_length = (uint32_t)z->pl_len;
	z->len = PL_START + z->pl_len;
}

/* "make fuzz" seeds tests/fuzz/fuzz_loader with these images. */
static void save_seed(const char *name, const void *data, size_t len)
{
	const char *dir = getenv("PVHV_FUZZ_CORPUS");
	char path[4096];
	FILE *f;

	if (!dir)
		return;
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "wb");
	ck_assert_ptr_nonnull(f);
	ck_assert_uint_eq(fwrite(data, 1, len, f), len);
	ck_assert_int_eq(fclose(f), 0);
}

static int load_bz(uint8_t *ram, const struct bz *z, size_t len, struct pvhv_pvh_image *out)
{
	struct pvhv_boot_config cfg = { .kernel = z->b, .kernel_size = len, .cmdline = "x" };

	return pvhv_pvh_load(ram, RAM, &cfg, out);
}

START_TEST(test_bzimage_formats)
{
	uint8_t *ram = ram_alloc(), *ref = malloc(RAM);
	struct pvhv_pvh_image out, want;
	struct pvhv_kernel k;
	struct unit_img elf;
	struct bz z;
	int fmt = _i;

	unit_make_elf64(&elf, XEN_ELFNOTE_PHYS32_ENTRY, LOAD, 0x3000);
	{
		struct pvhv_boot_config cfg = { .kernel = elf.b, .kernel_size = elf.len,
						.cmdline = "x" };

		ck_assert_int_eq(pvhv_pvh_load(ram, RAM, &cfg, &want), 0);
	}
	memcpy(ref, ram, RAM);
	make_bz(&z, fmt, &elf);
	save_seed(fmt_name[fmt], z.b, z.len);
	if (fmt == GZIP)
		save_seed("elf", elf.b, elf.len);
	ck_assert_int_eq(pvhv_kernel_unpack(z.b, z.len, PVHV_KERNEL_MAX, &k), 0);
	ck_assert_ptr_nonnull(strstr(k.format, fmt_name[fmt]));
	ck_assert_uint_eq(k.elf_size, elf.len);
	ck_assert_int_eq(memcmp(k.elf, elf.b, elf.len), 0);
	free(k.buf);
	memset(ram, 0x55, RAM);
	ck_assert_int_eq(load_bz(ram, &z, z.len, &out), 0);
	ck_assert_uint_eq(out.entry, want.entry);
	ck_assert_uint_eq(out.start_info, want.start_info);
	ck_assert_uint_eq(out.image_start, want.image_start);
	ck_assert_uint_eq(out.image_end, want.image_end);
	/* The same guest memory (the special pages are not the loader's). */
	ck_assert_int_eq(memcmp(ram, ref, RAM - PVHV_SPECIAL_PAGES * 4096), 0);
	/* setup_sects 0 means 4 (boot.rst). */
	if (fmt == GZIP) {
		struct bz z4 = z;

		z4.b = calloc(1, z.len + 512);
		memcpy(z4.b, z.b, PL_START - PL_OFF);
		memcpy(z4.b + PL_START + 512, z.b + PL_START, z.pl_len);
		((struct boot_params *)z4.b)->hdr.setup_sects = 0;
		ck_assert_int_eq(load_bz(ram, &z4, z.len + 512, &out), 0);
		ck_assert_uint_eq(out.entry, want.entry);
		free(z4.b);
	}
	free(z.b);
	free(ref);
	ram_free(ram);
}
END_TEST

#define EXPECT_BZ(len, err, why) do {						\
	ck_assert_int_eq(load_bz(ram, &z, len, &out), err);			\
	ck_assert_ptr_nonnull(out.error);					\
	ck_assert_msg(strstr(out.error, why), "%s: \"%s\", not \"%s\"",		\
		      fmt_name[fmt], out.error, why);				\
} while (0)

/* Per format: truncation, a wrong size trailer, the size cap, corruption. */
START_TEST(test_bzimage_payload_errors)
{
	uint8_t *ram = ram_alloc(), *pl, trailer[4];
	const char *why;
	struct boot_params *bp;
	struct pvhv_pvh_image out;
	unsigned int seed = 777, i, ok = 0;
	struct unit_img elf;
	struct bz z;
	size_t n;
	int fmt = _i, r;

	unit_make_elf64(&elf, XEN_ELFNOTE_PHYS32_ENTRY, LOAD, 0x3000);
	make_bz(&z, fmt, &elf);
	bp = (void *)z.b;
	pl = z.b + PL_START;
	memcpy(trailer, pl + z.pl_len - 4, 4);

	/* The stream cut in half, the trailer kept. */
	memcpy(pl + z.pl_len / 2, trailer, 4);
	bp->hdr.payload_length = (uint32_t)(z.pl_len / 2 + 4);
	EXPECT_BZ(z.len, -ENOEXEC, "corrupt or truncated");
	bp->hdr.payload_length = (uint32_t)z.pl_len;
	make_bz(&z, fmt, &elf);		/* afresh */
	bp = (void *)z.b;
	pl = z.b + PL_START;

	/*
	 * A trailer one byte short or long, zero, over the 1 GiB cap. zlib
	 * checks gzip's ISIZE as stream data and LZ4_decompress_safe() does
	 * not say that the output is too small: for them, "corrupt" is right.
	 */
	why = fmt == GZIP || fmt == LZ4 ? "payload" : "does not decompress to the size in its trailer";
	put32(pl + z.pl_len - 4, (uint32_t)elf.len - 1);
	EXPECT_BZ(z.len, -ENOEXEC, why);
	put32(pl + z.pl_len - 4, (uint32_t)elf.len + 1);
	EXPECT_BZ(z.len, -ENOEXEC, why);
	put32(pl + z.pl_len - 4, 0);
	EXPECT_BZ(z.len, -ENOEXEC, "does not decompress to the size in its trailer");
	put32(pl + z.pl_len - 4, (1U << 30) + 1);
	EXPECT_BZ(z.len, -E2BIG, "size limit");
	memcpy(pl + z.pl_len - 4, trailer, 4);
	ck_assert_int_eq(load_bz(ram, &z, z.len, &out), 0);

	/* Every shorter file: the payload then lies beyond its end. */
	for (n = 0; n < z.len; n++) {
		r = load_bz(ram, &z, n, &out);
		ck_assert_int_lt(r, 0);
		ck_assert_ptr_nonnull(out.error);
	}
	/* Every shorter payload (the trailer then garbage): an error, never a crash. */
	for (n = 0; n < z.pl_len; n++) {
		bp->hdr.payload_length = (uint32_t)n;
		r = load_bz(ram, &z, z.len, &out);
		ck_assert_int_lt(r, 0);
		ck_assert_ptr_nonnull(out.error);
	}
	bp->hdr.payload_length = (uint32_t)z.pl_len;

	/* A byte changed in the middle of the stream: the checksummed formats notice. */
	pl[z.pl_len / 2] ^= 0x5a;
	r = load_bz(ram, &z, z.len, &out);
	if (fmt == GZIP || fmt == XZ || fmt == ZSTD || fmt == BZIP2) {
		ck_assert_int_eq(r, -ENOEXEC);
		ck_assert_ptr_nonnull(strstr(out.error, fmt_name[fmt]));
	}
	pl[z.pl_len / 2] ^= 0x5a;

	/* Random corruption of the payload: 0 or -errno with a reason. */
	for (i = 0; i < 2000; i++) {
		uint8_t save[8];
		size_t at[8];
		int k, flips = 1 + rand_r(&seed) % 8;

		for (k = 0; k < flips; k++) {
			at[k] = (size_t)rand_r(&seed) % (z.pl_len - 4);	/* not the trailer */
			save[k] = pl[at[k]];
			pl[at[k]] = (uint8_t)rand_r(&seed);
		}
		r = load_bz(ram, &z, z.len, &out);
		ck_assert_int_le(r, 0);
		if (r)
			ck_assert_ptr_nonnull(out.error);
		else
			ok++;
		for (k = flips - 1; k >= 0; k--)
			pl[at[k]] = save[k];
	}
	(void)ok;
	free(z.b);
	ram_free(ram);
}
END_TEST

START_TEST(test_bzimage_header_errors)
{
	uint8_t *ram = ram_alloc();
	struct boot_params *bp;
	struct pvhv_pvh_image out;
	struct unit_img elf;
	struct bz z;
	int fmt = XZ;

	unit_make_elf64(&elf, XEN_ELFNOTE_PHYS32_ENTRY, LOAD, 0x3000);
	make_bz(&z, fmt, &elf);
	bp = (void *)z.b;
	ck_assert_int_eq(load_bz(ram, &z, z.len, &out), 0);
	bp->hdr.version = 0x0207;
	EXPECT_BZ(z.len, -ENOEXEC, "before 2.08");
	bp->hdr.version = 0x020f;
	bp->hdr.payload_offset = (uint32_t)z.len;
	EXPECT_BZ(z.len, -ENOEXEC, "beyond the end of the file");
	bp->hdr.payload_offset = UINT32_MAX;
	EXPECT_BZ(z.len, -ENOEXEC, "beyond the end of the file");
	bp->hdr.payload_offset = PL_OFF;
	bp->hdr.payload_length = (uint32_t)z.pl_len + 1;
	EXPECT_BZ(z.len, -ENOEXEC, "beyond the end of the file");
	bp->hdr.payload_length = UINT32_MAX;
	EXPECT_BZ(z.len, -ENOEXEC, "beyond the end of the file");
	bp->hdr.payload_length = (uint32_t)z.pl_len;
	bp->hdr.setup_sects = 255;
	EXPECT_BZ(z.len, -ENOEXEC, "beyond the end of the file");
	bp->hdr.setup_sects = SETUP_SECTS;
	memcpy(z.b + PL_START, "\x89LZO", 4);
	EXPECT_BZ(z.len, -ENOEXEC, "LZO");
	memcpy(z.b + PL_START, "ABCD", 4);
	EXPECT_BZ(z.len, -ENOEXEC, "unknown compression");
	memcpy(&bp->hdr.header, "HdrX", 4);
	EXPECT_BZ(z.len, -ENOEXEC, "not an ELF image or a bzImage");
	ck_assert_int_eq(pvhv_kernel_unpack(NULL, 0, 0, NULL), -EINVAL);
	free(z.b);
	ram_free(ram);
}
END_TEST

/*
 * The Debian kernels on this machine: the ELF is found, has the PVH entry
 * note, and loads with its entry inside the image.
 */
static const char *const real_kernels[] = {
	"/boot/vmlinuz-6.1.0-57-amd64",		/* xz */
	"/boot/vmlinuz-6.12.95+deb12-amd64",	/* zstd */
};

START_TEST(test_bzimage_debian)
{
	const char *path = real_kernels[_i];
	const uint64_t ram_bytes = 256 << 20;
	struct pvhv_pvh_image out;
	struct pvhv_boot_config cfg = { .cmdline = "console=hvc0" };
	struct pvhv_kernel k;
	struct stat st;
	uint8_t *file, *ram;
	ssize_t got;
	int fd;

	fd = open(path, O_RDONLY);
	if (fd < 0) {
		fprintf(stderr, "SKIP: loader: %s absent\n", path);
		return;
	}
	ck_assert_int_eq(fstat(fd, &st), 0);
	file = malloc((size_t)st.st_size);
	ck_assert_ptr_nonnull(file);
	got = read(fd, file, (size_t)st.st_size);
	ck_assert_int_eq(got, st.st_size);
	close(fd);
	ck_assert_int_eq(pvhv_kernel_unpack(file, (size_t)st.st_size, PVHV_KERNEL_MAX, &k), 0);
	ck_assert_ptr_nonnull(strstr(k.format, _i ? "zstd" : "xz"));
	ck_assert_uint_gt(k.elf_size, 16 << 20);
	ck_assert_int_eq(memcmp(k.elf, ELFMAG, SELFMAG), 0);
	free(k.buf);
	ram = mmap(NULL, ram_bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ck_assert_ptr_ne(ram, MAP_FAILED);
	cfg.kernel = file;
	cfg.kernel_size = (size_t)st.st_size;
	ck_assert_msg(pvhv_pvh_load(ram, ram_bytes, &cfg, &out) == 0, "%s: %s", path, out.error);
	/* The loader takes the entry from XEN_ELFNOTE_PHYS32_ENTRY only. */
	ck_assert_uint_ge(out.entry, out.image_start);
	ck_assert_uint_lt(out.entry, out.image_end);
	ck_assert_uint_eq(out.image_start, 16 << 20);	/* LOAD_PHYSICAL_ADDR */
	ck_assert_uint_ge(out.start_info, out.image_end);
	munmap(ram, ram_bytes);
	free(file);
}
END_TEST

Suite *loader_suite(void)
{
	Suite *s = suite_create("loader");
	TCase *tc = tcase_create("pvh");

	tcase_add_test(tc, test_load_elf64);
	tcase_add_test(tc, test_load_elf32);
	tcase_add_test(tc, test_load_errors);
	tcase_add_test(tc, test_load_fuzz);
	tcase_add_test(tc, test_load_reloc);
	tcase_set_timeout(tc, 60);
	suite_add_tcase(s, tc);
	tc = tcase_create("bzimage");
	tcase_add_loop_test(tc, test_bzimage_formats, 0, NFMT);
	tcase_add_loop_test(tc, test_bzimage_payload_errors, 0, NFMT - 1);
	tcase_add_test(tc, test_bzimage_header_errors);
	tcase_add_loop_test(tc, test_bzimage_debian, 0, 2);
	tcase_set_timeout(tc, 120);
	suite_add_tcase(s, tc);
	return s;
}
