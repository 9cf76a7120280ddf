/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libpvhv internal: the ELF inside a kernel file (lib/bzimage.c), for the
 * PVH loader (lib/loader.c), its unit tests and its fuzz target.
 */
#ifndef PVHV_KERNEL_IMAGE_H
#define PVHV_KERNEL_IMAGE_H

#include <stddef.h>

/* The largest decompressed kernel: Xen's XC_DOM_DECOMPRESS_MAX (xenguest.h). */
#define PVHV_KERNEL_MAX (1UL << 30)

struct pvhv_kernel {
	const void *elf;	/* the ELF image: in the input, or in buf */
	size_t elf_size;
	void *buf;		/* the decompressed image or NULL: free() it */
	const char *format;	/* "ELF", "bzImage (xz)", ... */
	const char *error;	/* on failure: why, in words (static string) */
};

/*
 * Find the ELF in @image: the image itself, or the payload of a Linux
 * bzImage (x86 boot protocol 2.08 or later), decompressed into at most
 * @max_bytes. Returns 0, -ENOEXEC (not a kernel, corrupt or truncated),
 * -E2BIG (larger than @max_bytes) or -ENOMEM; k->error says why.
 */
int pvhv_kernel_unpack(const void *image, size_t size, size_t max_bytes,
		       struct pvhv_kernel *k);

#endif
