// SPDX-License-Identifier: GPL-2.0-only
/*
 * The PVH loader (lib/loader.c) on images built here: a good ELF64 and ELF32
 * image, each error with its reason, and fuzzing: every truncation and many
 * random corruptions must end in 0 or -errno, never a crash or a write
 * outside guest RAM (RAM is surrounded by guard pages).
 */
#include <elf.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include <xen/xen.h>
#include <xen/elfnote.h>
#include <xen/arch-x86/hvm/start_info.h>

#include "libpvhv.h"
#include "unit.h"

#define RAM (4 << 20)
#define LOAD 0x100000
#define CODE 0x200

struct img {
	uint8_t b[0x400];
	size_t len;
};

/* ELF64: header, 2 phdrs (LOAD, NOTE), note at 0xb0, code at 0x200. */
static void make_elf64(struct img *m, uint32_t note_type, uint64_t paddr, uint64_t memsz)
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

static void make_elf32(struct img *m)
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

static int load(uint8_t *ram, const struct img *m, const char *cmdline, const void *rd, size_t rdlen,
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
	struct img m;

	make_elf64(&m, XEN_ELFNOTE_PHYS32_ENTRY, LOAD, 0x5000);
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
	struct img m;

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
	struct img m;

#define EXPECT(err, why) do {							\
	ck_assert_int_eq(load(ram, &m, NULL, NULL, 0, &out), err);		\
	ck_assert_ptr_nonnull(out.error);					\
	ck_assert_ptr_nonnull(strstr(out.error, why));				\
} while (0)
	make_elf64(&m, 17, LOAD, 0x1000);	/* a note, but not PHYS32_ENTRY */
	EXPECT(-ENOEXEC, "no XEN_ELFNOTE_PHYS32_ENTRY");
	make_elf64(&m, XEN_ELFNOTE_PHYS32_ENTRY, RAM - 0x1000, 0x1000);
	EXPECT(-E2BIG, "outside guest RAM");	/* in the special pages */
	make_elf64(&m, XEN_ELFNOTE_PHYS32_ENTRY, UINT64_MAX - 0xfff, 0x2000);
	EXPECT(-E2BIG, "outside guest RAM");	/* wraps around */
	make_elf64(&m, XEN_ELFNOTE_PHYS32_ENTRY, 0, 0x1000);
	EXPECT(-ENOEXEC, "page 0");
	make_elf64(&m, XEN_ELFNOTE_PHYS32_ENTRY, LOAD, 0x10);
	EXPECT(-ENOEXEC, "file size above its memory size");
	make_elf64(&m, XEN_ELFNOTE_PHYS32_ENTRY, LOAD, 0x1000);
	((Elf64_Phdr *)(m.b + 64))[1].p_type = PT_LOAD;	/* a second segment... */
	((Elf64_Phdr *)(m.b + 64))[1].p_paddr = LOAD + 0x800;	/* ...overlapping */
	((Elf64_Phdr *)(m.b + 64))[1].p_memsz = 0x1000;
	EXPECT(-ENOEXEC, "no XEN_ELFNOTE");	/* and the note is gone */
	make_elf64(&m, XEN_ELFNOTE_PHYS32_ENTRY, LOAD, 0x1000);
	((uint32_t *)(m.b + 0xb0))[4] = 0x50000;	/* entry outside the image */
	EXPECT(-ENOEXEC, "entry point outside");
	make_elf64(&m, XEN_ELFNOTE_PHYS32_ENTRY, LOAD, 0x1000);
	((uint32_t *)(m.b + 0xb0))[1] = 3;	/* descsz 3 */
	EXPECT(-ENOEXEC, "corrupt ELF note");
	make_elf64(&m, XEN_ELFNOTE_PHYS32_ENTRY, LOAD, 0x1000);
	((Elf64_Ehdr *)m.b)->e_phnum = 1000;
	EXPECT(-ENOEXEC, "number of program headers");
	make_elf64(&m, XEN_ELFNOTE_PHYS32_ENTRY, LOAD, 0x1000);
	((Elf64_Phdr *)(m.b + 64))[0].p_filesz = 0x10000;
	EXPECT(-ENOEXEC, "beyond the end of the file");
	make_elf64(&m, XEN_ELFNOTE_PHYS32_ENTRY, LOAD, 0x1000);
	((Elf64_Ehdr *)m.b)->e_machine = EM_ARM;
	EXPECT(-ENOEXEC, "not an x86 ELF");
	m.b[0] = 'M';
	EXPECT(-ENOEXEC, "not an ELF image");
	make_elf64(&m, XEN_ELFNOTE_PHYS32_ENTRY, LOAD, RAM - LOAD - PVHV_SPECIAL_PAGES * 4096);
	EXPECT(-E2BIG, "start_info");	/* the image fills RAM: no room after it */
	make_elf64(&m, XEN_ELFNOTE_PHYS32_ENTRY, LOAD, 0x1000);
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
	struct img good, m;
	unsigned int seed = 12345, i, ok = 0;
	size_t n;
	int r;

	make_elf64(&good, XEN_ELFNOTE_PHYS32_ENTRY, LOAD, 0x3000);
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

Suite *loader_suite(void)
{
	Suite *s = suite_create("loader");
	TCase *tc = tcase_create("pvh");

	tcase_add_test(tc, test_load_elf64);
	tcase_add_test(tc, test_load_elf32);
	tcase_add_test(tc, test_load_errors);
	tcase_add_test(tc, test_load_fuzz);
	tcase_set_timeout(tc, 60);
	suite_add_tcase(s, tc);
	return s;
}
