// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The ELF inside a Linux bzImage, as Xen's toolstack finds it
 * (tools/libs/guest/xg_dom_bzimageloader.c): the x86 boot protocol's setup
 * header (Linux Documentation/arch/x86/boot.rst; struct setup_header from
 * <asm/bootparam.h>) at 0x1f1, "HdrS" at 0x202, version 2.08 or later for
 * payload_offset/payload_length (0x248/0x24c). The payload starts
 * payload_offset bytes into the protected-mode code, which follows the
 * (setup_sects + 1) sectors of real-mode code.
 *
 * The payload is vmlinux, possibly compressed; the compressor is found by
 * its magic as Linux's lib/decompress.c does. Linux's
 * arch/x86/boot/compressed/Makefile appends the decompressed size as 4
 * little-endian bytes to every compressed format (gzip's own ISIZE trailer
 * for gzip), so every payload but an uncompressed one ends with it: the
 * output buffer is exactly that size, the decompressor sees the bytes before
 * it (gzip: all of them), and anything else is an error. LZ4 is the legacy
 * frame "lz4 -l" writes (magic 0x184c2102, then blocks each preceded by its
 * compressed length), as Xen's xc_try_lz4_decode reads it. LZO is not
 * supported (no Debian kernel uses it).
 *
 * Every byte of the image is untrusted; the decompressors are Debian's
 * zlib, liblzma, libzstd, liblz4 and libbz2.
 */
#include <errno.h>
#include <limits.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <asm/bootparam.h>
#include <bzlib.h>
#include <lz4.h>
#include <lzma.h>
#include <zlib.h>
#include <zstd.h>
#include <zstd_errors.h>

#include "kernel_image.h"

_Static_assert(offsetof(struct boot_params, hdr.setup_sects) == 0x1f1, "boot.rst");
_Static_assert(offsetof(struct boot_params, hdr.header) == 0x202, "boot.rst");
_Static_assert(offsetof(struct boot_params, hdr.payload_length) == 0x24c, "boot.rst");

#define HDR(field) offsetof(struct boot_params, hdr.field)
#define HDR_END (HDR(payload_length) + 4)

/* liblzma's memory limit (the dictionary): Xen's LZMA_BLOCK_SIZE. */
#define LZMA_MEMLIMIT (256ULL << 20)
/* Linux's legacy LZ4 frame magic (lib/decompress_unlz4.c ARCHIVE_MAGICNUMBER). */
#define LZ4_LEGACY_MAGIC 0x184c2102U

enum { OK, CORRUPT, WRONG_SIZE, NOMEM };

static uint32_t le32(const uint8_t *p)
{
	return p[0] | p[1] << 8 | p[2] << 16 | (uint32_t)p[3] << 24;
}

static int gunzip(const uint8_t *in, size_t len, uint8_t *out, size_t outlen)
{
	z_stream s;
	int r;

	memset(&s, 0, sizeof(s));
	if (inflateInit2(&s, 16 + MAX_WBITS) != Z_OK)	/* gzip header */
		return NOMEM;
	s.next_in = (Bytef *)in;
	s.avail_in = (uInt)len;
	s.next_out = out;
	s.avail_out = (uInt)outlen;
	r = inflate(&s, Z_FINISH);
	inflateEnd(&s);
	if (r == Z_STREAM_END)
		return s.total_out == outlen ? OK : WRONG_SIZE;
	if (r == Z_BUF_ERROR && !s.avail_out)
		return WRONG_SIZE;
	return r == Z_MEM_ERROR ? NOMEM : CORRUPT;
}

static int unxz(const uint8_t *in, size_t len, uint8_t *out, size_t outlen, int alone)
{
	lzma_stream s = LZMA_STREAM_INIT;
	lzma_ret r;

	r = alone ? lzma_alone_decoder(&s, LZMA_MEMLIMIT) : lzma_stream_decoder(&s, LZMA_MEMLIMIT, 0);
	if (r != LZMA_OK)
		return NOMEM;
	s.next_in = in;
	s.avail_in = len;
	s.next_out = out;
	s.avail_out = outlen;
	/* LZMA_OK while it progresses; LZMA_BUF_ERROR once it cannot. */
	do
		r = lzma_code(&s, LZMA_FINISH);
	while (r == LZMA_OK);
	lzma_end(&s);
	if (r == LZMA_STREAM_END)
		return s.total_out == outlen ? OK : WRONG_SIZE;
	if (r == LZMA_BUF_ERROR && !s.avail_out && s.avail_in)
		return WRONG_SIZE;
	/* LZMA_MEMLIMIT_ERROR too: a dictionary over 256 MiB is no kernel's. */
	return r == LZMA_MEM_ERROR ? NOMEM : CORRUPT;
}

static int unzstd(const uint8_t *in, size_t len, uint8_t *out, size_t outlen)
{
	size_t n = ZSTD_decompress(out, outlen, in, len);

	if (ZSTD_isError(n)) {
		if (ZSTD_getErrorCode(n) == ZSTD_error_dstSize_tooSmall)
			return WRONG_SIZE;
		return ZSTD_getErrorCode(n) == ZSTD_error_memory_allocation ? NOMEM : CORRUPT;
	}
	return n == outlen ? OK : WRONG_SIZE;
}

static int unlz4(const uint8_t *in, size_t len, uint8_t *out, size_t outlen)
{
	size_t pos = 4, done = 0;

	if (len < 4 || le32(in) != LZ4_LEGACY_MAGIC)
		return CORRUPT;
	while (pos < len) {
		uint32_t chunk;
		int n;

		if (len - pos < 4)
			return CORRUPT;
		chunk = le32(in + pos);
		pos += 4;
		if (chunk == LZ4_LEGACY_MAGIC)	/* frames may be concatenated */
			continue;
		if (!chunk || chunk > len - pos || chunk > INT_MAX)
			return CORRUPT;
		if (done == outlen)
			return WRONG_SIZE;
		n = LZ4_decompress_safe((const char *)in + pos, (char *)out + done, (int)chunk,
					(int)(outlen - done));
		if (n < 0)
			return CORRUPT;
		done += (size_t)n;
		pos += chunk;
	}
	return done == outlen ? OK : WRONG_SIZE;
}

static int bunzip2(const uint8_t *in, size_t len, uint8_t *out, size_t outlen)
{
	unsigned int in_left, out_left;
	bz_stream s;
	int r;

	memset(&s, 0, sizeof(s));
	if (BZ2_bzDecompressInit(&s, 0, 0) != BZ_OK)
		return NOMEM;
	s.next_in = (char *)in;
	s.avail_in = (unsigned int)len;
	s.next_out = (char *)out;
	s.avail_out = (unsigned int)outlen;
	/* BZ_OK while it progresses. */
	do {
		in_left = s.avail_in;
		out_left = s.avail_out;
		r = BZ2_bzDecompress(&s);
	} while (r == BZ_OK && (s.avail_in != in_left || s.avail_out != out_left));
	BZ2_bzDecompressEnd(&s);
	if (r == BZ_STREAM_END)
		return s.total_out_lo32 == outlen && !s.total_out_hi32 ? OK : WRONG_SIZE;
	if (r == BZ_OK && !s.avail_out && s.avail_in)
		return WRONG_SIZE;
	return r == BZ_MEM_ERROR ? NOMEM : CORRUPT;
}

struct format {
	const char *magic;
	size_t magic_len;
	const char *name;		/* k->format */
	const char *corrupt;		/* the error messages */
	const char *wrong_size;
	int (*decode)(const uint8_t *in, size_t len, uint8_t *out, size_t outlen);
};

static int unlzma_xz(const uint8_t *in, size_t len, uint8_t *out, size_t outlen)
{
	return unxz(in, len, out, outlen, 0);
}

static int unlzma_alone(const uint8_t *in, size_t len, uint8_t *out, size_t outlen)
{
	return unxz(in, len, out, outlen, 1);
}

#define FORMAT(m, n, dec) { m, sizeof(m) - 1, "bzImage (" n ")",			\
	"corrupt or truncated " n " payload in the bzImage",				\
	"the bzImage's " n " payload does not decompress to the size in its trailer",	\
	dec }

/* The magics of Linux's lib/decompress.c compressed_formats[]. */
static const struct format formats[] = {
	FORMAT("\x1f\x8b", "gzip", gunzip),
	FORMAT("\xfd" "7zXZ\x00", "xz", unlzma_xz),
	FORMAT("\x5d\x00", "lzma", unlzma_alone),
	FORMAT("\x28\xb5\x2f\xfd", "zstd", unzstd),
	FORMAT("\x02\x21\x4c\x18", "lz4", unlz4),
	FORMAT("BZh", "bzip2", bunzip2),
};

static int fail(struct pvhv_kernel *k, int err, const char *why)
{
	free(k->buf);
	k->buf = NULL;
	k->elf = NULL;
	k->elf_size = 0;
	k->error = why;
	return err;
}

int pvhv_kernel_unpack(const void *image, size_t size, size_t max_bytes, struct pvhv_kernel *k)
{
	const uint8_t *img = image, *pl;
	const struct format *f = NULL;
	uint64_t pm_start, pl_off, pl_len, out_len;
	unsigned int i;
	uint8_t sects;
	uint16_t version;
	int r;

	if (!k)
		return -EINVAL;
	memset(k, 0, sizeof(*k));
	if (!img)
		return fail(k, -EINVAL, "no kernel image");
	if (size >= 4 && !memcmp(img, "\x7f" "ELF", 4)) {
		k->elf = img;
		k->elf_size = size;
		k->format = "ELF";
		return 0;
	}
	if (size < HDR_END || memcmp(img + HDR(header), "HdrS", 4))
		return fail(k, -ENOEXEC, "not an ELF image or a bzImage");
	version = (uint16_t)(img[HDR(version)] | img[HDR(version) + 1] << 8);
	if (version < 0x0208)
		return fail(k, -ENOEXEC,
			    "bzImage boot protocol before 2.08: no payload to find the ELF in");
	/* boot.rst: "If this field is 0, the real value is 4." */
	sects = img[HDR(setup_sects)] ? img[HDR(setup_sects)] : 4;
	pm_start = ((uint64_t)sects + 1) * 512;
	pl_off = pm_start + le32(img + HDR(payload_offset));
	pl_len = le32(img + HDR(payload_length));
	if (pl_off >= size || pl_len > size - pl_off)
		return fail(k, -ENOEXEC, "the bzImage's payload lies beyond the end of the file");
	pl = img + pl_off;
	if (pl_len >= 4 && !memcmp(pl, "\x7f" "ELF", 4)) {
		k->elf = pl;
		k->elf_size = pl_len;
		k->format = "bzImage (uncompressed)";
		return 0;
	}
	for (i = 0; i < sizeof(formats) / sizeof(formats[0]); i++)
		if (pl_len >= formats[i].magic_len &&
		    !memcmp(pl, formats[i].magic, formats[i].magic_len))
			f = &formats[i];
	if (!f) {
		if (pl_len >= 4 && !memcmp(pl, "\x89LZO", 4))
			return fail(k, -ENOEXEC, "LZO-compressed bzImage: not supported");
		return fail(k, -ENOEXEC, "unknown compression of the bzImage's payload");
	}
	k->format = f->name;
	if (pl_len < f->magic_len + 4)
		return fail(k, -ENOEXEC, f->corrupt);
	out_len = le32(pl + pl_len - 4);
	if (!out_len)
		return fail(k, -ENOEXEC, f->wrong_size);
	if (out_len > max_bytes)
		return fail(k, -E2BIG, "the decompressed kernel would exceed the loader's size limit");
	k->buf = malloc(out_len);
	if (!k->buf)
		return fail(k, -ENOMEM, "no memory for the decompressed kernel");
	/* gzip's ISIZE is its own trailer; the others' is Linux's addition. */
	r = f->decode(pl, f->decode == gunzip ? pl_len : pl_len - 4, k->buf, out_len);
	if (r == NOMEM)
		return fail(k, -ENOMEM, "no memory to decompress the kernel");
	if (r != OK)
		return fail(k, -ENOEXEC, r == CORRUPT ? f->corrupt : f->wrong_size);
	k->elf = k->buf;
	k->elf_size = out_len;
	return 0;
}
