// SPDX-License-Identifier: GPL-2.0-only
/*
 * The ACPI tables (lib/acpi.c), read back as a guest OS would: the RSDP's
 * checksums, the XSDT to the FADT and MADT, the FADT to the DSDT, every
 * table's checksum and bounds, the MADT's local APIC / x2APIC entries and
 * the DSDT's processor devices (its AML parsed here, independently of the
 * emitter), for 1, 2, 4, 128, 129 and 4096 vCPUs. iasl (acpica-tools)
 * then disassembles each table and recompiles the DSDT, whose AML must match
 * ours byte for byte. Last, the loader's hook: tables in guest RAM, the
 * memory map entry of type ACPI, start_info's rsdp_paddr.
 */
#include <elf.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <xen/xen.h>
#include <xen/elfnote.h>
#include <xen/arch-x86/hvm/start_info.h>

#include "libpvhv.h"
#include "acpi.h"
#include "unit.h"

#define PAGE 4096u
#define BASE 0x7fe0000ull	/* where the guest sees the tables */

static const uint32_t counts[] = { 1, 2, 4, 128, 129, 4096 };

static uint8_t sum8(const void *p, size_t n)
{
	const uint8_t *b = p;
	uint8_t s = 0;

	while (n--)
		s += *b++;
	return s;
}

/* The tables of one build, as the guest would find them. */
struct tables {
	const uint8_t *buf;
	uint64_t base, size;
	struct pvhv_acpi_layout lay;
};

/* The table at @gpa: inside the region, its length too, and checksummed. */
static const struct acpi_header *table_at(const struct tables *t, uint64_t gpa, const char *sig)
{
	const struct acpi_header *h;

	ck_assert_msg(gpa >= t->base && gpa < t->base + t->size &&
		      t->base + t->size - gpa >= sizeof(*h), "%s at %#llx outside the region", sig,
		      (unsigned long long)gpa);
	h = (const void *)(t->buf + (gpa - t->base));
	ck_assert_msg(!memcmp(h->signature, sig, 4), "%.4s where %s was expected", h->signature,
		      sig);
	ck_assert_msg(h->length >= sizeof(*h) && h->length <= t->base + t->size - gpa,
		      "%s length %u beyond the region", sig, h->length);
	ck_assert_msg(sum8(h, h->length) == 0, "%s checksum", sig);
	ck_assert(!memcmp(h->oem_id, "PVHV  ", 6));
	return h;
}

/* ACPI 6.5 20.2.4, decoded here on its own: *len the value, returns its bytes. */
static size_t pkglen(const uint8_t *p, size_t avail, size_t *len)
{
	size_t n = (p[0] >> 6) + 1, i;

	ck_assert_uint_ge(avail, n);
	if (n == 1) {
		*len = p[0] & 0x3f;
		return 1;
	}
	ck_assert_msg(!(p[0] & 0x30), "PkgLength lead byte bits 4-5 must be 0");
	*len = p[0] & 0x0f;
	for (i = 1; i < n; i++)
		*len |= (size_t)p[i] << (4 + 8 * (i - 1));
	/* the encoding must be the shortest one */
	ck_assert_msg(n == 1 || *len >= (n == 2 ? 0x40u : n == 3 ? 0x1000u : 0x100000u),
		      "PkgLength %zu not in its shortest form", *len);
	return n;
}

/* An integer constant at p (ZeroOp, OneOp, Byte/Word/DWordPrefix). */
static size_t aml_int(const uint8_t *p, size_t avail, uint64_t *v)
{
	size_t n, i;

	ck_assert_uint_ge(avail, 1);
	switch (p[0]) {
	case 0x00: *v = 0; return 1;
	case 0x01: *v = 1; return 1;
	case 0x0a: n = 1; break;
	case 0x0b: n = 2; break;
	case 0x0c: n = 4; break;
	default: ck_abort_msg("integer opcode %#x", p[0]); return 0;
	}
	ck_assert_uint_ge(avail, 1 + n);
	for (*v = 0, i = 0; i < n; i++)
		*v |= (uint64_t)p[1 + i] << (8 * i);
	return 1 + n;
}

/*
 * The DSDT's AML: Scope (\_SB) { Device (Cxxx) { Name (_HID, "ACPI0007")
 * Name (_UID, n) } ... }, nothing else. Returns the number of devices, each
 * UID seen once in @seen.
 */
static uint32_t parse_dsdt(const struct acpi_header *dsdt, uint8_t *seen, uint32_t n)
{
	const uint8_t *p = (const uint8_t *)(dsdt + 1), *end = (const uint8_t *)dsdt + dsdt->length;
	const uint8_t *scope_end;
	uint32_t found = 0;
	size_t len, k;

	ck_assert_msg(p < end && p[0] == 0x10, "DSDT starts with ScopeOp");
	k = pkglen(p + 1, end - p - 1, &len);
	scope_end = p + 1 + len;
	ck_assert_msg(scope_end == end, "Scope (\\_SB) spans the rest of the DSDT");
	p += 1 + k;
	ck_assert(end - p >= 5 && !memcmp(p, "\\_SB_", 5));
	p += 5;
	while (p < scope_end) {
		const uint8_t *dev_end;
		char name[5] = { 0 }, want[16];
		uint64_t uid = UINT64_MAX;
		int hid = 0;

		ck_assert_msg(scope_end - p >= 2 && p[0] == 0x5b && p[1] == 0x82,
			      "DeviceOp in \\_SB at %#zx", (size_t)(p - (const uint8_t *)dsdt));
		k = pkglen(p + 2, scope_end - p - 2, &len);
		dev_end = p + 2 + len;
		ck_assert(dev_end <= scope_end && len >= k + 4);
		memcpy(name, p + 2 + k, 4);
		p += 2 + k + 4;
		while (p < dev_end) {
			ck_assert(dev_end - p >= 5 && p[0] == 0x08);	/* NameOp */
			if (!memcmp(p + 1, "_HID", 4)) {
				ck_assert(dev_end - p >= 5 + 10 && p[5] == 0x0d &&
					  !memcmp(p + 6, "ACPI0007", 9));
				hid = 1;
				p += 5 + 10;
			} else if (!memcmp(p + 1, "_UID", 4)) {
				p += 5 + aml_int(p + 5, dev_end - p - 5, &uid);
			} else {
				ck_abort_msg("unexpected Name (%.4s) in %s", p + 1, name);
			}
		}
		ck_assert_msg(p == dev_end, "Device (%s) ends where its PkgLength says", name);
		ck_assert_msg(hid, "Device (%s) has _HID ACPI0007", name);
		ck_assert_msg(uid < n, "Device (%s) _UID %llu", name, (unsigned long long)uid);
		snprintf(want, sizeof(want), "C%03X", (unsigned int)uid);
		ck_assert_str_eq(name, want);
		ck_assert_msg(!seen[uid], "_UID %llu twice", (unsigned long long)uid);
		seen[uid] = 1;
		found++;
	}
	return found;
}

/* Everything a guest would check in the tables for @n vCPUs. */
static void check_tables(const struct tables *t, uint32_t n)
{
	const struct acpi_rsdp *rsdp;
	const struct acpi_header *xsdt, *dsdt, *madt_h;
	const struct acpi_fadt *fadt;
	const struct acpi_madt *madt;
	const uint8_t *e, *end;
	uint64_t x[2], ranges[4][2];
	uint32_t nx = 0, nl = 0, i, j;
	uint8_t *seen = calloc(n, 1);

	ck_assert_ptr_nonnull(seen);
	ck_assert_uint_eq(t->lay.rsdp, t->base);
	rsdp = (const void *)t->buf;
	ck_assert(!memcmp(rsdp->signature, "RSD PTR ", 8));
	ck_assert_uint_eq(rsdp->revision, 2);
	ck_assert_uint_eq(rsdp->length, sizeof(*rsdp));
	ck_assert_msg(sum8(rsdp, 20) == 0, "RSDP checksum (first 20 bytes)");
	ck_assert_msg(sum8(rsdp, sizeof(*rsdp)) == 0, "RSDP extended checksum");
	ck_assert_uint_eq(rsdp->xsdt_address, t->lay.xsdt);

	xsdt = table_at(t, rsdp->xsdt_address, "XSDT");
	ck_assert_uint_eq(xsdt->length, sizeof(*xsdt) + sizeof(x));
	memcpy(x, xsdt + 1, sizeof(x));
	ck_assert_uint_eq(x[0], t->lay.fadt);
	ck_assert_uint_eq(x[1], t->lay.madt);

	fadt = (const void *)table_at(t, x[0], "FACP");
	ck_assert_uint_eq(fadt->header.length, sizeof(*fadt));
	ck_assert_uint_eq(fadt->header.revision, 6);
	ck_assert_uint_eq(fadt->minor_version, 5);
	ck_assert(fadt->flags & ACPI_FADT_HW_REDUCED_ACPI);
	ck_assert_uint_eq(fadt->iapc_boot_arch,
			  ACPI_IAPC_VGA_NOT_PRESENT | ACPI_IAPC_CMOS_RTC_NOT_PRESENT);
	ck_assert_uint_eq(fadt->firmware_ctrl | fadt->x_firmware_ctrl, 0);	/* no FACS */
	ck_assert_uint_eq(fadt->x_dsdt, t->lay.dsdt);
	dsdt = table_at(t, fadt->x_dsdt, "DSDT");

	madt_h = table_at(t, x[1], "APIC");
	madt = (const void *)madt_h;
	ck_assert_uint_eq(madt->lapic_address, 0xfee00000u);
	ck_assert_uint_eq(madt->flags, 0);
	e = (const uint8_t *)(madt + 1);
	end = (const uint8_t *)madt + madt_h->length;
	while (e < end) {
		uint32_t uid, id, flags;

		ck_assert(end - e >= 2 && e[1] >= 2 && e[1] <= end - e);
		if (e[0] == ACPI_MADT_LOCAL_APIC) {
			struct acpi_madt_lapic l;

			ck_assert_uint_eq(e[1], sizeof(l));
			memcpy(&l, e, sizeof(l));
			uid = l.uid, id = l.apic_id, flags = l.flags;
			ck_assert_uint_le(id, 254);
			nl++;
		} else if (e[0] == ACPI_MADT_LOCAL_X2APIC) {
			struct acpi_madt_x2apic l;

			ck_assert_uint_eq(e[1], sizeof(l));
			memcpy(&l, e, sizeof(l));
			uid = l.uid, id = l.x2apic_id, flags = l.flags;
			ck_assert_uint_ge(id, 255);	/* 5.2.12.12: xAPIC ids use type 0 */
			nx++;
		} else {
			ck_abort_msg("MADT entry type %u", e[0]);
			return;
		}
		ck_assert_msg(uid < n && !seen[uid], "MADT UID %u", uid);
		seen[uid] = 1;
		ck_assert_uint_eq(id, PVHV_APIC_ID(uid));
		ck_assert_uint_eq(id, uid * 2);			/* Xen's rule */
		ck_assert_uint_eq(flags, ACPI_MADT_ENABLED);
		e += e[1];
	}
	ck_assert_uint_eq(nl + nx, n);
	ck_assert_uint_eq(nl, n < 128 ? n : 128);	/* vCPUs 0..127: ids 0..254 */

	memset(seen, 0, n);
	ck_assert_uint_eq(parse_dsdt(dsdt, seen, n), n);
	for (i = 0; i < n; i++)
		ck_assert(seen[i]);

	/* The tables do not overlap. */
	ranges[0][0] = x[0], ranges[0][1] = x[0] + fadt->header.length;
	ranges[1][0] = x[1], ranges[1][1] = x[1] + madt_h->length;
	ranges[2][0] = fadt->x_dsdt, ranges[2][1] = fadt->x_dsdt + dsdt->length;
	ranges[3][0] = rsdp->xsdt_address, ranges[3][1] = rsdp->xsdt_address + xsdt->length;
	for (i = 0; i < 4; i++) {
		ck_assert_uint_ge(ranges[i][0], t->base + sizeof(*rsdp));
		for (j = i + 1; j < 4; j++)
			ck_assert(ranges[i][1] <= ranges[j][0] || ranges[j][1] <= ranges[i][0]);
	}
	free(seen);
}

START_TEST(test_acpi_tables)
{
	uint32_t n = counts[_i];
	struct pvhv_acpi_config cfg = { .nr_vcpus = n };
	struct pvhv_acpi_layout lay, lay2;
	struct tables t;
	uint8_t *buf;

	/* Sizing: no buffer, -ENOSPC and the size. */
	ck_assert_int_eq(pvhv_acpi_build(NULL, 0, BASE, &cfg, &lay), -ENOSPC);
	ck_assert_uint_gt(lay.size, 0);
	ck_assert_uint_eq(lay.size % PAGE, 0);
	buf = malloc(lay.size + 1);
	ck_assert_ptr_nonnull(buf);
	/* One byte short: -ENOSPC, nothing written. */
	memset(buf, 0xa5, lay.size + 1);
	ck_assert_int_eq(pvhv_acpi_build(buf, lay.size - 1, BASE, &cfg, &lay2), -ENOSPC);
	ck_assert_uint_eq(lay2.size, lay.size);
	ck_assert_uint_eq(buf[0], 0xa5);
	/* Exactly the size: built, nothing past it touched. */
	ck_assert_int_eq(pvhv_acpi_build(buf, lay.size, BASE, &cfg, &lay2), 0);
	ck_assert_uint_eq(buf[lay.size], 0xa5);
	ck_assert_int_eq(memcmp(&lay, &lay2, sizeof(lay)), 0);

	t = (struct tables){ .buf = buf, .base = BASE, .size = lay.size, .lay = lay2 };
	check_tables(&t, n);
	free(buf);
}
END_TEST

START_TEST(test_acpi_args)
{
	struct pvhv_acpi_config cfg = { .nr_vcpus = 1 };
	struct pvhv_acpi_layout lay;
	uint8_t buf[2 * PAGE];

	ck_assert_int_eq(pvhv_acpi_build(buf, sizeof(buf), BASE, &cfg, NULL), -EINVAL);
	ck_assert_int_eq(pvhv_acpi_build(buf, sizeof(buf), BASE, NULL, &lay), -EINVAL);
	ck_assert_int_eq(pvhv_acpi_build(NULL, 1, BASE, &cfg, &lay), -EINVAL);
	ck_assert_int_eq(pvhv_acpi_build(buf, sizeof(buf), BASE + 16, &cfg, &lay), -EINVAL);
	ck_assert_int_eq(pvhv_acpi_build(buf, sizeof(buf), UINT64_MAX & ~0xfffull, &cfg, &lay),
			 -EINVAL);
	cfg.flags = 1;
	ck_assert_int_eq(pvhv_acpi_build(buf, sizeof(buf), BASE, &cfg, &lay), -EINVAL);
	cfg.flags = 0;
	cfg.nr_vcpus = 0;
	ck_assert_int_eq(pvhv_acpi_build(buf, sizeof(buf), BASE, &cfg, &lay), -EINVAL);
	cfg.nr_vcpus = PVHV_ACPI_MAX_VCPUS + 1;
	ck_assert_int_eq(pvhv_acpi_build(buf, sizeof(buf), BASE, &cfg, &lay), -EINVAL);
	cfg.nr_vcpus = 1;
	ck_assert_int_eq(pvhv_acpi_build(buf, sizeof(buf), BASE, &cfg, &lay), 0);
	ck_assert_uint_eq(lay.size, PAGE);	/* one vCPU: one page */
}
END_TEST

/*
 * The checksum checks can fail: one flipped byte in any table (the RSDP's
 * two checksummed ranges included) makes its sum nonzero.
 */
START_TEST(test_acpi_corruption_caught)
{
	struct pvhv_acpi_config cfg = { .nr_vcpus = 4 };
	struct pvhv_acpi_layout lay;
	uint8_t buf[PAGE];
	struct { uint64_t gpa, len, flip; } tbl[6];
	size_t i;

	ck_assert_int_eq(pvhv_acpi_build(buf, sizeof(buf), BASE, &cfg, &lay), 0);
	tbl[0].gpa = lay.rsdp, tbl[0].len = 20, tbl[0].flip = 19;	/* RsdtAddress */
	tbl[1].gpa = lay.rsdp, tbl[1].len = 36, tbl[1].flip = 33;	/* reserved */
	tbl[2].gpa = lay.xsdt, tbl[3].gpa = lay.fadt, tbl[4].gpa = lay.madt, tbl[5].gpa = lay.dsdt;
	for (i = 2; i < 6; i++) {
		const struct acpi_header *h = (const void *)(buf + (tbl[i].gpa - BASE));

		tbl[i].len = h->length;
		tbl[i].flip = h->length - 1;
	}
	for (i = 0; i < 6; i++) {
		uint8_t *p = buf + (tbl[i].gpa - BASE);

		ck_assert_uint_eq(sum8(p, tbl[i].len), 0);
		p[tbl[i].flip] ^= 0x40;
		ck_assert_msg(sum8(p, tbl[i].len) != 0, "flipped byte in table %zu unnoticed", i);
		p[tbl[i].flip] ^= 0x40;
	}
}
END_TEST

/* ---- iasl (acpica-tools): an independent reading of the same bytes ---- */

static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf;
	long n;

	ck_assert_msg(f != NULL, "cannot open %s", path);
	ck_assert_int_eq(fseek(f, 0, SEEK_END), 0);
	n = ftell(f);
	ck_assert_int_ge(n, 0);
	rewind(f);
	buf = malloc((size_t)n + 1);
	ck_assert_ptr_nonnull(buf);
	ck_assert_uint_eq(fread(buf, 1, (size_t)n, f), (size_t)n);
	buf[n] = 0;
	fclose(f);
	if (len)
		*len = (size_t)n;
	return buf;
}

static unsigned int count(const char *hay, const char *needle)
{
	unsigned int n = 0;

	while ((hay = strstr(hay, needle)) != NULL)
		n++, hay += strlen(needle);
	return n;
}

static void put(const char *dir, const char *name, const void *p, size_t len)
{
	char path[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "wb");
	ck_assert_ptr_nonnull(f);
	ck_assert_uint_eq(fwrite(p, 1, len, f), len);
	ck_assert_int_eq(fclose(f), 0);
}

static void sh(const char *dir, const char *cmd)
{
	char line[512];
	int r;

	snprintf(line, sizeof(line), "cd '%s' && { %s; } >>iasl.log 2>&1", dir, cmd);
	r = system(line);
	if (r) {
		char log[300], *text;

		snprintf(log, sizeof(log), "%s/iasl.log", dir);
		text = slurp(log, NULL);
		ck_abort_msg("'%s' failed (%d): %.2000s", cmd, r, text);
	}
}

/*
 * iasl disassembles the XSDT, FADT, MADT and DSDT without complaint, reads
 * the FADT as hardware-reduced, the MADT's entries and the DSDT's devices as
 * we meant them; the DSDT it recompiles (no name-path optimization, which
 * would shorten \_SB to _SB) is our AML byte for byte.
 */
START_TEST(test_acpi_iasl)
{
	uint32_t n = counts[_i];
	struct pvhv_acpi_config cfg = { .nr_vcpus = n };
	struct pvhv_acpi_layout lay;
	const struct acpi_header *dsdt;
	char dir[] = "/tmp/pvhv-acpi-XXXXXX", path[300], *dsl, *aml;
	size_t aml_len;
	uint8_t *buf;

	if (system("command -v iasl >/dev/null 2>&1"))
		ck_abort_msg("iasl not found: install acpica-tools (scripts/setup-deps)");
	ck_assert_int_eq(pvhv_acpi_build(NULL, 0, BASE, &cfg, &lay), -ENOSPC);
	buf = calloc(1, lay.size);
	ck_assert_ptr_nonnull(buf);
	ck_assert_int_eq(pvhv_acpi_build(buf, lay.size, BASE, &cfg, &lay), 0);
	ck_assert_ptr_nonnull(mkdtemp(dir));
#define PUT(name, gpa) \
	put(dir, name, buf + ((gpa) - BASE), ((const struct acpi_header *)(buf + ((gpa) - BASE)))->length)
	PUT("xsdt.dat", lay.xsdt);
	PUT("facp.dat", lay.fadt);
	PUT("apic.dat", lay.madt);
	PUT("dsdt.dat", lay.dsdt);
#undef PUT
	sh(dir, "iasl -d xsdt.dat && iasl -d facp.dat && iasl -d apic.dat && iasl -d dsdt.dat");

	snprintf(path, sizeof(path), "%s/xsdt.dsl", dir);
	dsl = slurp(path, NULL);
	ck_assert_uint_eq(count(dsl, "ACPI Table Address"), 2);
	ck_assert_uint_eq(count(dsl, "ncorrect"), 0);	/* "Incorrect checksum" */
	free(dsl);

	snprintf(path, sizeof(path), "%s/facp.dsl", dir);
	dsl = slurp(path, NULL);
	ck_assert_msg(count(dsl, "Hardware Reduced (V5) : 1") == 1, "FADT not hardware-reduced");
	ck_assert_uint_eq(count(dsl, "FADT Minor Revision : 05"), 1);
	ck_assert_uint_eq(count(dsl, "ncorrect"), 0);
	free(dsl);

	snprintf(path, sizeof(path), "%s/apic.dsl", dir);
	dsl = slurp(path, NULL);
	ck_assert_uint_eq(count(dsl, "[Processor Local APIC]"), n < 128 ? n : 128);
	ck_assert_uint_eq(count(dsl, "[Processor Local x2APIC]"), n < 128 ? 0 : n - 128);
	ck_assert_uint_eq(count(dsl, "Processor Enabled : 1"), n);
	ck_assert_uint_eq(count(dsl, "ncorrect"), 0);
	ck_assert_uint_eq(count(dsl, "Unknown"), 0);
	free(dsl);

	snprintf(path, sizeof(path), "%s/dsdt.dsl", dir);
	dsl = slurp(path, NULL);
	ck_assert_uint_eq(count(dsl, "Device (C"), n);
	ck_assert_uint_eq(count(dsl, "Name (_HID, \"ACPI0007\""), n);
	ck_assert_uint_eq(count(dsl, "Name (_UID, "), n);
	ck_assert_uint_eq(count(dsl, n > 1 ? "Name (_UID, One)" : "Name (_UID, Zero)"), 1);
	free(dsl);

	sh(dir, "iasl -on -p recompiled dsdt.dsl");
	snprintf(path, sizeof(path), "%s/recompiled.aml", dir);
	aml = slurp(path, &aml_len);
	dsdt = (const void *)(buf + (lay.dsdt - BASE));
	ck_assert_uint_eq(aml_len, dsdt->length);
	ck_assert_msg(!memcmp(aml + sizeof(*dsdt), dsdt + 1, dsdt->length - sizeof(*dsdt)),
		      "iasl's AML differs from ours");
	free(aml);

	snprintf(path, sizeof(path), "rm -rf '%s'", dir);
	ck_assert_int_eq(system(path), 0);
	free(buf);
}
END_TEST

/* ---- the loader's hook ---- */

#define RAM (16u << 20)
#define LOAD 0x100000u

/* Every PVH guest gets tables: at the top of RAM, an ACPI entry in the map. */
START_TEST(test_acpi_loader)
{
	uint8_t *ram = malloc(RAM);
	struct unit_img img;
	struct pvhv_boot_config cfg = { .kernel = img.b, .nr_vcpus = 4 };
	const uint64_t usable = RAM - PVHV_SPECIAL_PAGES * PAGE;
	struct pvhv_acpi_layout lay;
	struct pvhv_pvh_image out;
	struct hvm_start_info *si;
	struct hvm_memmap_table_entry *mm;
	struct tables t;

	ck_assert_ptr_nonnull(ram);
	unit_make_elf64(&img, XEN_ELFNOTE_PHYS32_ENTRY, LOAD, 0x1000);
	cfg.kernel_size = img.len;
	ck_assert_int_eq(pvhv_pvh_load(ram, RAM, &cfg, &out), 0);
	si = (void *)(ram + out.start_info);
	ck_assert_uint_eq(si->version, 1);
	ck_assert_uint_eq(si->memmap_entries, 3);
	mm = (void *)(ram + si->memmap_paddr);
	ck_assert_uint_eq(mm[0].addr, 0);
	ck_assert_uint_eq(mm[0].type, XEN_HVM_MEMMAP_TYPE_RAM);
	ck_assert_uint_eq(mm[1].addr, mm[0].size);
	ck_assert_uint_eq(mm[1].type, XEN_HVM_MEMMAP_TYPE_ACPI);
	ck_assert_uint_eq(mm[1].addr + mm[1].size, usable);	/* right below the special pages */
	ck_assert_uint_eq(mm[1].addr % PAGE, 0);
	ck_assert_uint_eq(mm[2].addr, usable);
	ck_assert_uint_eq(mm[2].size, PVHV_SPECIAL_PAGES * PAGE);
	ck_assert_uint_eq(mm[2].type, XEN_HVM_MEMMAP_TYPE_RESERVED);
	ck_assert_uint_eq(si->rsdp_paddr, mm[1].addr);
	ck_assert_uint_gt(mm[1].addr, out.start_info + 2 * PAGE);

	ck_assert_int_eq(pvhv_acpi_build(NULL, 0, mm[1].addr, &(struct pvhv_acpi_config){ .nr_vcpus = 4 },
					 &lay), -ENOSPC);
	ck_assert_uint_eq(lay.size, mm[1].size);
	t = (struct tables){ .buf = ram + mm[1].addr, .base = mm[1].addr, .size = mm[1].size,
			     .lay = lay };
	check_tables(&t, 4);

	/* nr_vcpus 0: no tables, the map as before. */
	cfg.nr_vcpus = 0;
	ck_assert_int_eq(pvhv_pvh_load(ram, RAM, &cfg, &out), 0);
	si = (void *)(ram + out.start_info);
	ck_assert_uint_eq(si->rsdp_paddr, 0);
	ck_assert_uint_eq(si->memmap_entries, 2);

	/* A ramdisk that leaves no room for them: refused, and said why. */
	cfg.nr_vcpus = 4;
	cfg.ramdisk = ram;	/* any bytes */
	cfg.ramdisk_size = usable - LOAD - 0x1000 - 2 * PAGE - 16;	/* start_info ends at the top */
	ck_assert_int_eq(pvhv_pvh_load(ram, RAM, &cfg, &out), -E2BIG);
	ck_assert_ptr_nonnull(out.error);
	ck_assert_ptr_nonnull(strstr(out.error, "ACPI"));
	free(ram);
}
END_TEST

/*
 * More RAM than 4 GiB: the tables stay below 4 GiB, splitting the RAM entry
 * (reserved, untouched address space: only the pages written get memory).
 */
START_TEST(test_acpi_install_high)
{
	const uint64_t usable = 6ull << 30, top = 4ull << 30;
	struct hvm_memmap_table_entry *mm;
	struct hvm_start_info si;
	uint8_t *mem;

	mem = mmap(NULL, usable, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE,
		   -1, 0);
	ck_assert_ptr_ne(mem, MAP_FAILED);
	memset(&si, 0, sizeof(si));
	si.memmap_paddr = 0x10000;
	si.memmap_entries = 2;
	mm = (void *)(mem + si.memmap_paddr);
	mm[0] = (struct hvm_memmap_table_entry){ .addr = 0, .size = usable,
						 .type = XEN_HVM_MEMMAP_TYPE_RAM };
	mm[1] = (struct hvm_memmap_table_entry){ .addr = usable, .size = 0x8000,
						 .type = XEN_HVM_MEMMAP_TYPE_RESERVED };
	ck_assert_int_eq(pvhv_acpi_install(mem, usable, 0x20000, 129, &si), 0);
	ck_assert_uint_eq(si.memmap_entries, 4);
	ck_assert_uint_eq(mm[0].addr, 0);
	ck_assert_uint_eq(mm[0].type, XEN_HVM_MEMMAP_TYPE_RAM);
	ck_assert_uint_eq(mm[1].addr, mm[0].size);
	ck_assert_uint_eq(mm[1].addr + mm[1].size, top);
	ck_assert_uint_eq(mm[1].type, XEN_HVM_MEMMAP_TYPE_ACPI);
	ck_assert_uint_eq(mm[2].addr, top);
	ck_assert_uint_eq(mm[2].size, usable - top);
	ck_assert_uint_eq(mm[2].type, XEN_HVM_MEMMAP_TYPE_RAM);
	ck_assert_uint_eq(mm[3].addr, usable);
	ck_assert_uint_eq(mm[3].type, XEN_HVM_MEMMAP_TYPE_RESERVED);
	ck_assert_uint_eq(si.rsdp_paddr, mm[1].addr);
	ck_assert(!memcmp(mem + si.rsdp_paddr, "RSD PTR ", 8));

	/* No room between the boot data and 4 GiB: -E2BIG, the map untouched. */
	si.memmap_entries = 2;
	mm[0].size = usable;
	mm[1] = (struct hvm_memmap_table_entry){ .addr = usable, .size = 0x8000,
						 .type = XEN_HVM_MEMMAP_TYPE_RESERVED };
	si.rsdp_paddr = 0;
	ck_assert_int_eq(pvhv_acpi_install(mem, usable, top - 16, 1, &si), -E2BIG);
	ck_assert_uint_eq(si.memmap_entries, 2);
	ck_assert_uint_eq(si.rsdp_paddr, 0);
	ck_assert_int_eq(munmap(mem, usable), 0);
}
END_TEST

Suite *acpi_suite(void)
{
	Suite *s = suite_create("acpi");
	TCase *tc = tcase_create("tables");

	tcase_set_timeout(tc, 60);
	tcase_add_loop_test(tc, test_acpi_tables, 0, sizeof(counts) / sizeof(counts[0]));
	tcase_add_test(tc, test_acpi_args);
	tcase_add_test(tc, test_acpi_corruption_caught);
	tcase_add_loop_test(tc, test_acpi_iasl, 0, sizeof(counts) / sizeof(counts[0]));
	tcase_add_test(tc, test_acpi_loader);
	tcase_add_test(tc, test_acpi_install_high);
	suite_add_tcase(s, tc);
	return s;
}
