// SPDX-License-Identifier: GPL-2.0-only
/*
 * libFuzzer target for the PVH loader: the input is a kernel file (ELF or
 * bzImage in any compression). pvhv_kernel_unpack() must end in 0 or
 * -errno with a reason; an unpacked ELF then goes through pvhv_pvh_load()
 * into 4 MiB of guest RAM between guard pages, and a success must describe
 * an image and boot information inside that RAM. The decompressed size is
 * capped at 64 MiB here (1 GiB for guests) to stay within libFuzzer's
 * memory limit.
 *
 * Built and run by "make fuzz" (tests/fuzz/fuzz.mk), seeded with the unit
 * tests' images.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "kernel_image.h"
#include "libpvhv.h"

#define RAM (4ULL << 20)
#define GUARD 4096ULL

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static uint8_t *ram;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pvhv_boot_config cfg = { .cmdline = "console=hvc0", .ramdisk = "rd",
					.ramdisk_size = 2 };
	struct pvhv_pvh_image out;
	struct pvhv_kernel k;
	int r;

	if (!ram) {
		uint8_t *p = mmap(NULL, RAM + 2 * GUARD, PROT_NONE,
				  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

		if (p == MAP_FAILED || mprotect(p + GUARD, RAM, PROT_READ | PROT_WRITE))
			abort();
		ram = p + GUARD;
	}
	r = pvhv_kernel_unpack(data, size, 64 << 20, &k);
	if (r) {
		if (r != -ENOEXEC && r != -E2BIG && r != -ENOMEM)
			abort();
		if (!k.error || k.buf)
			abort();
		return 0;
	}
	if (!k.elf || (k.buf && k.elf != k.buf))
		abort();
	cfg.kernel = k.elf;
	cfg.kernel_size = k.elf_size;
	r = pvhv_pvh_load(ram, RAM, &cfg, &out);
	if (r > 0 || (r && !out.error))
		abort();
	if (!r && (out.image_start < 4096 || out.image_end > RAM || out.entry < out.image_start ||
		   out.entry >= out.image_end || out.start_info < out.image_end ||
		   out.start_info + 4096 > RAM))
		abort();
	free(k.buf);
	return 0;
}
