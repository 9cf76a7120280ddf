/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef PVHV_UNIT_H
#define PVHV_UNIT_H

#include <check.h>
#include <stddef.h>
#include <stdint.h>

Suite *uapi_suite(void);
Suite *lib_suite(void);
Suite *vmmctl_suite(void);
Suite *loader_suite(void);
Suite *xenstore_suite(void);
Suite *console_suite(void);
Suite *toolstack_suite(void);
Suite *acpi_suite(void);

/*
 * test_loader.c, for the other suites too: a PVH ELF64 image with one
 * PT_LOAD at @paddr (@memsz bytes, its code at 0x200) and a Xen note of
 * @note_type naming @paddr + 0x10.
 */
struct unit_img {
	uint8_t b[0x400];
	size_t len;
};
void unit_make_elf64(struct unit_img *m, uint32_t note_type, uint64_t paddr, uint64_t memsz);

#endif
