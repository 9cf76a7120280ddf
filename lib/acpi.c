// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * ACPI tables for a PVH guest, built by the toolstack as libxl does for its
 * PVH guests (tools/libs/light/libxl_x86_acpi.c with tools/libacpi/build.c),
 * for a platform with no ACPI hardware: no PM1 or GPE blocks, SCI, PM timer,
 * 8259s, I/O APIC, RTC or VGA.
 *
 * What follows Xen, and where it departs:
 *  - RSDP, XSDT, FADT, MADT and DSDT; no RSDT (the RSDP is revision 2, the
 *    XSDT is what ACPI 2.0+ OSes read) and no FACS (optional on a
 *    hardware-reduced platform, ACPI 6.5 5.2.9 FIRMWARE_CTRL).
 *  - MADT: one entry per vCPU, processor UID = Xen vCPU id, APIC id =
 *    PVHV_APIC_ID() = 2 x vCPU id, as libxl's acpi_lapic_id(); all enabled
 *    (libxl sets the ones in avail_vcpus, which xl defaults to all). Xen
 *    builds only Processor Local APIC entries; ids of 255 and above get
 *    x2APIC entries here, as ACPI 6.5 5.2.12.12 requires. No I/O APIC and no
 *    interrupt overrides: libxl's PVH tables have none either (no
 *    ACPI_HAS_IOAPIC). MADT flags 0, where Xen keeps PCAT_COMPAT: there are
 *    no 8259s.
 *  - FADT: Xen's PVH FADT is revision 5 without HW_REDUCED_ACPI (only
 *    libxl_arm_acpi.c sets it), keeping the PM1a blocks at ports 0xb000/
 *    0xb004 and SCI 9 that Xen does not emulate for PVH. pvhv has none of
 *    that hardware, so its FADT says so: revision 6 with HW_REDUCED_ACPI
 *    (ACPI 6.5 4.1), which makes Linux skip the PM registers, the SCI and
 *    the FACS, use no legacy PIC and no PIT/HPET timer setup
 *    (acpi_generic_reduced_hw_init()); ACPICA's acpi_tb_convert_fadt()
 *    returns before checking the PM blocks, where a full FADT without them
 *    logs "Required FADT field ... has zero address". IA-PC boot flags as Xen's PVH FADT:
 *    VGA not present and CMOS RTC not present, no 8042, no legacy devices;
 *    PWR_BUTTON and SLP_BUTTON set (no fixed-feature buttons) as Xen does
 *    without ACPI_HAS_BUTTONS.
 *  - DSDT: Xen's PVH DSDT (tools/libacpi/mk_dsdt.c --dm-version none) holds
 *    Processor(PRxx) objects with _HID "ACPI0007" and _UID, plus _MAT/_STA
 *    reading its hotplug state page. Here: Device(\_SB.Cxxx) (Processor() is
 *    deprecated since ACPI 6.0, 8.4) with _HID "ACPI0007" and _UID = vCPU id,
 *    no hotplug methods, hence no AML reading memory; no _S5 either (a PVH
 *    domU powers off through Xen, not ACPI sleep states).
 *  - Placement: Xen puts the tables at ACPI_INFO_PHYSICAL_ADDRESS + 4 KiB
 *    (0xfc001000, outside the guest's RAM) and reports them as ACPI NVS,
 *    because its AML reads them at run time. These tables are only data, so
 *    pvhv_acpi_install() carves them from the top of guest RAM below 4 GiB and
 *    reports them as ACPI reclaimable memory (E820 type 3, ACPI 6.5 15.1).
 *
 * The AML is emitted here (no iasl at build time; the unit test disassembles
 * it with iasl when it is there): ACPI 6.5 20.2 grammar, 20.2.4 PkgLength.
 */
#include <errno.h>
#include <string.h>

#include "acpi.h"

#define PVHV_API __attribute__((visibility("default")))

#define PAGE 4096ULL
#define LOW_4G (1ULL << 32)
#define ALIGN16(x) (((x) + 15) & ~(uint64_t)15)

#define OEM_ID		"PVHV  "	/* 6 bytes */
#define OEM_TABLE_ID	"PVH     "	/* 8 bytes */
#define CREATOR_ID	"PVHV"
#define LAPIC_BASE	0xfee00000u	/* the architectural default */

/* ---- AML (ACPI 6.5 chapter 20) ---- */

/* A byte sink that only counts past its end, so one walk sizes and writes. */
struct aml {
	uint8_t *p;
	size_t len, pos;
};

static void aml_byte(struct aml *a, uint8_t b)
{
	if (a->pos < a->len)
		a->p[a->pos] = b;
	a->pos++;
}

static void aml_bytes(struct aml *a, const void *s, size_t n)
{
	const uint8_t *b = s;

	while (n--)
		aml_byte(a, *b++);
}

/* 20.2.4: bytes a PkgLength takes when what follows it is @body bytes. */
static size_t pkglen_size(size_t body)
{
	if (body + 1 < 0x40)
		return 1;
	if (body + 2 < 0x1000)
		return 2;
	if (body + 3 < 0x100000)
		return 3;
	return 4;	/* callers stay far below 2^28 */
}

/*
 * 20.2.4: the PkgLength counts itself and @body. One byte: bits 0-5. More:
 * bits 6-7 of the lead byte say how many follow, its bits 0-3 hold the low
 * nibble, each following byte the next 8 bits.
 */
static void aml_pkglen(struct aml *a, size_t body)
{
	size_t n = pkglen_size(body), v = body + n, i;

	if (n == 1) {
		aml_byte(a, (uint8_t)v);
		return;
	}
	aml_byte(a, (uint8_t)(((n - 1) << 6) | (v & 0xf)));
	v >>= 4;
	for (i = 1; i < n; i++, v >>= 8)
		aml_byte(a, (uint8_t)(v & 0xff));
}

/* 20.2.3: ComputationalData: the shortest encoding of an integer. */
static void aml_integer(struct aml *a, uint64_t v)
{
	int n, i;

	if (v <= 1) {
		aml_byte(a, (uint8_t)v);	/* ZeroOp 0x00, OneOp 0x01 */
		return;
	}
	if (v <= 0xff)
		aml_byte(a, 0x0a), n = 1;	/* BytePrefix */
	else if (v <= 0xffff)
		aml_byte(a, 0x0b), n = 2;	/* WordPrefix */
	else if (v <= 0xffffffff)
		aml_byte(a, 0x0c), n = 4;	/* DWordPrefix */
	else
		aml_byte(a, 0x0e), n = 8;	/* QWordPrefix */
	for (i = 0; i < n; i++, v >>= 8)
		aml_byte(a, (uint8_t)(v & 0xff));
}

/* 20.2.3: String := StringPrefix (0x0d) AsciiCharList NullChar. */
static void aml_string(struct aml *a, const char *s)
{
	aml_byte(a, 0x0d);
	aml_bytes(a, s, strlen(s) + 1);
}

/* 20.2.5.1: DefName := NameOp (0x08) NameString DataRefObject. */
static void aml_name_int(struct aml *a, const char seg[4], uint64_t v)
{
	aml_byte(a, 0x08);
	aml_bytes(a, seg, 4);
	aml_integer(a, v);
}

static void aml_name_str(struct aml *a, const char seg[4], const char *s)
{
	aml_byte(a, 0x08);
	aml_bytes(a, seg, 4);
	aml_string(a, s);
}

static void cpu_name(char seg[4], uint32_t cpu)
{
	static const char hex[] = "0123456789ABCDEF";

	seg[0] = 'C';
	seg[1] = hex[(cpu >> 8) & 0xf];
	seg[2] = hex[(cpu >> 4) & 0xf];
	seg[3] = hex[cpu & 0xf];
}

/* The TermList inside Device(Cxxx): its _HID and _UID. */
static void aml_cpu_body(struct aml *a, uint32_t cpu)
{
	aml_name_str(a, "_HID", "ACPI0007");	/* 8.4: processor device */
	aml_name_int(a, "_UID", cpu);		/* = MADT ACPI Processor UID */
}

/* 20.2.5.2: DefDevice := ExtOpPrefix (0x5b) DeviceOp (0x82) PkgLength NameString TermList. */
static void aml_cpu(struct aml *a, uint32_t cpu)
{
	struct aml count = { 0 };
	char seg[4];

	aml_cpu_body(&count, cpu);
	cpu_name(seg, cpu);
	aml_byte(a, 0x5b);
	aml_byte(a, 0x82);
	aml_pkglen(a, 4 + count.pos);
	aml_bytes(a, seg, 4);
	aml_cpu_body(a, cpu);
}

/* 20.2.5.1: DefScope := ScopeOp (0x10) PkgLength NameString TermList, for \_SB. */
static void aml_dsdt_body(struct aml *a, uint32_t nr_vcpus)
{
	static const uint8_t sb[] = { '\\', '_', 'S', 'B', '_' };	/* RootChar NameSeg */
	struct aml count = { 0 };
	uint32_t i;

	for (i = 0; i < nr_vcpus; i++)
		aml_cpu(&count, i);
	aml_byte(a, 0x10);
	aml_pkglen(a, sizeof(sb) + count.pos);
	aml_bytes(a, sb, sizeof(sb));
	for (i = 0; i < nr_vcpus; i++)
		aml_cpu(a, i);
}

/* ---- tables ---- */

static uint8_t sum8(const void *p, size_t n)
{
	const uint8_t *b = p;
	uint8_t s = 0;

	while (n--)
		s += *b++;
	return s;
}

static void header(struct acpi_header *h, const char sig[4], uint32_t length, uint8_t revision)
{
	memcpy(h->signature, sig, 4);
	h->length = length;
	h->revision = revision;
	memcpy(h->oem_id, OEM_ID, 6);
	memcpy(h->oem_table_id, OEM_TABLE_ID, 8);
	h->oem_revision = 1;
	memcpy(h->creator_id, CREATOR_ID, 4);
	h->creator_revision = 1;
}

/* The table at @h, its length set: its checksum makes all of it sum to 0. */
static void checksum(struct acpi_header *h)
{
	h->checksum = 0;
	h->checksum = (uint8_t)-sum8(h, h->length);
}

static uint64_t madt_size(uint32_t nr_vcpus)
{
	uint64_t size = sizeof(struct acpi_madt);
	uint32_t i;

	for (i = 0; i < nr_vcpus; i++)
		size += PVHV_APIC_ID((uint64_t)i) <= ACPI_MADT_XAPIC_MAX_ID ?
			sizeof(struct acpi_madt_lapic) : sizeof(struct acpi_madt_x2apic);
	return size;
}

PVHV_API int pvhv_acpi_build(void *buf, size_t len, uint64_t base_gpa,
			     const struct pvhv_acpi_config *cfg, struct pvhv_acpi_layout *out)
{
	uint64_t off_xsdt, off_fadt, off_madt, off_dsdt, end, dsdt_len;
	struct aml aml = { 0 };
	struct acpi_rsdp *rsdp;
	struct acpi_header *xsdt, *dsdt;
	struct acpi_fadt *fadt;
	struct acpi_madt *madt;
	uint8_t *mem = buf, *p;
	uint64_t x[2];
	uint32_t i, n;

	if (!out)
		return -EINVAL;
	memset(out, 0, sizeof(*out));
	if (!cfg || cfg->flags || !cfg->nr_vcpus || cfg->nr_vcpus > PVHV_ACPI_MAX_VCPUS ||
	    base_gpa % PAGE || (!buf && len))
		return -EINVAL;
	n = cfg->nr_vcpus;

	/* Layout: RSDP, XSDT, FADT, MADT, DSDT, each 16-byte aligned. */
	aml_dsdt_body(&aml, n);
	dsdt_len = sizeof(struct acpi_header) + aml.pos;
	off_xsdt = ALIGN16(sizeof(struct acpi_rsdp));
	off_fadt = ALIGN16(off_xsdt + sizeof(struct acpi_header) + sizeof(x));
	off_madt = ALIGN16(off_fadt + sizeof(struct acpi_fadt));
	off_dsdt = ALIGN16(off_madt + madt_size(n));
	end = off_dsdt + dsdt_len;
	out->size = (end + PAGE - 1) & ~(PAGE - 1);
	if (base_gpa > UINT64_MAX - out->size)
		return -EINVAL;
	out->rsdp = base_gpa;
	out->xsdt = base_gpa + off_xsdt;
	out->fadt = base_gpa + off_fadt;
	out->madt = base_gpa + off_madt;
	out->dsdt = base_gpa + off_dsdt;
	if (len < out->size)
		return -ENOSPC;
	memset(mem, 0, out->size);

	/* DSDT: the processor devices. */
	dsdt = (void *)(mem + off_dsdt);
	header(dsdt, "DSDT", (uint32_t)dsdt_len, 2);	/* revision 2: 64-bit integers */
	aml = (struct aml){ .p = mem + off_dsdt + sizeof(*dsdt), .len = aml.pos };
	aml_dsdt_body(&aml, n);
	checksum(dsdt);

	/* MADT: one local APIC, or x2APIC past id 254, per vCPU. */
	madt = (void *)(mem + off_madt);
	header(&madt->header, "APIC", (uint32_t)madt_size(n), 5);	/* ACPI 6.3+: 5 */
	madt->lapic_address = LAPIC_BASE;
	madt->flags = 0;					/* no 8259s */
	p = (uint8_t *)(madt + 1);
	for (i = 0; i < n; i++) {
		uint64_t id = PVHV_APIC_ID((uint64_t)i);

		if (id <= ACPI_MADT_XAPIC_MAX_ID) {
			struct acpi_madt_lapic e = {
				.type = ACPI_MADT_LOCAL_APIC, .length = sizeof(e),
				.uid = (uint8_t)i, .apic_id = (uint8_t)id,
				.flags = ACPI_MADT_ENABLED,
			};

			memcpy(p, &e, sizeof(e));
			p += sizeof(e);
		} else {
			struct acpi_madt_x2apic e = {
				.type = ACPI_MADT_LOCAL_X2APIC, .length = sizeof(e),
				.x2apic_id = (uint32_t)id, .flags = ACPI_MADT_ENABLED, .uid = i,
			};

			memcpy(p, &e, sizeof(e));
			p += sizeof(e);
		}
	}
	checksum(&madt->header);

	/* FADT: hardware-reduced, revision 6.5, no FACS. */
	fadt = (void *)(mem + off_fadt);
	header(&fadt->header, "FACP", sizeof(*fadt), 6);
	fadt->minor_version = 5;
	fadt->flags = ACPI_FADT_HW_REDUCED_ACPI | ACPI_FADT_PWR_BUTTON | ACPI_FADT_SLP_BUTTON;
	fadt->iapc_boot_arch = ACPI_IAPC_VGA_NOT_PRESENT | ACPI_IAPC_CMOS_RTC_NOT_PRESENT;
	fadt->x_dsdt = out->dsdt;	/* DSDT (32-bit) left 0: X_DSDT wins when set */
	memcpy(&fadt->hypervisor_vendor_id, "pvhv\0\0\0\0", 8);
	checksum(&fadt->header);

	/* XSDT: the FADT first (5.2.8), then the MADT. */
	xsdt = (void *)(mem + off_xsdt);
	header(xsdt, "XSDT", sizeof(*xsdt) + sizeof(x), 1);
	x[0] = out->fadt;
	x[1] = out->madt;
	memcpy(xsdt + 1, x, sizeof(x));
	checksum(xsdt);

	/* RSDP, revision 2: no RSDT. */
	rsdp = (void *)mem;
	memcpy(rsdp->signature, "RSD PTR ", 8);
	memcpy(rsdp->oem_id, OEM_ID, 6);
	rsdp->revision = 2;
	rsdp->length = sizeof(*rsdp);
	rsdp->xsdt_address = out->xsdt;
	rsdp->checksum = (uint8_t)-sum8(rsdp, 20);
	rsdp->extended_checksum = (uint8_t)-sum8(rsdp, sizeof(*rsdp));
	return 0;
}

/*
 * Replace [base, base + size) inside a RAM entry of the memory map by an
 * entry of @type, splitting the RAM entry around it. Entries stay sorted.
 */
static int memmap_carve(struct hvm_memmap_table_entry *mm, uint32_t *nr, uint32_t max,
			uint64_t base, uint64_t size, uint32_t type)
{
	struct hvm_memmap_table_entry e, tail;
	uint32_t i, add;

	for (i = 0; i < *nr; i++)
		if (mm[i].type == XEN_HVM_MEMMAP_TYPE_RAM && mm[i].addr <= base &&
		    base - mm[i].addr <= mm[i].size && size <= mm[i].size - (base - mm[i].addr))
			break;
	if (i == *nr)
		return -EINVAL;
	e = mm[i];
	tail = (struct hvm_memmap_table_entry){ .addr = base + size, .type = e.type,
		.size = e.addr + e.size - (base + size) };
	add = (base > e.addr) + (tail.size > 0);	/* entries beside the carved one */
	if (*nr + add > max)
		return -E2BIG;
	memmove(&mm[i + 1 + add], &mm[i + 1], (*nr - i - 1) * sizeof(*mm));
	if (base > e.addr) {
		mm[i].size = base - e.addr;
		i++;
	}
	mm[i] = (struct hvm_memmap_table_entry){ .addr = base, .size = size, .type = type };
	if (tail.size)
		mm[i + 1] = tail;
	*nr += add;
	return 0;
}

int pvhv_acpi_install(uint8_t *mem, uint64_t usable, uint64_t low_end, uint32_t nr_vcpus,
		      struct hvm_start_info *si)
{
	struct hvm_memmap_table_entry mm[PVHV_ACPI_MEMMAP_MAX];
	struct pvhv_acpi_config cfg = { .nr_vcpus = nr_vcpus };
	struct pvhv_acpi_layout lay;
	uint64_t top = usable < LOW_4G ? usable : LOW_4G, base;
	uint32_t nr = si->memmap_entries;
	int r;

	r = pvhv_acpi_build(NULL, 0, 0, &cfg, &lay);
	if (r != -ENOSPC)
		return r ? r : -EINVAL;
	top &= ~(PAGE - 1);
	if (top < low_end || top - low_end < lay.size)
		return -E2BIG;
	base = top - lay.size;
	if (nr > PVHV_ACPI_MEMMAP_MAX)
		return -EINVAL;
	memcpy(mm, mem + si->memmap_paddr, nr * sizeof(*mm));
	r = memmap_carve(mm, &nr, PVHV_ACPI_MEMMAP_MAX, base, lay.size, XEN_HVM_MEMMAP_TYPE_ACPI);
	if (r)
		return r;
	r = pvhv_acpi_build(mem + base, lay.size, base, &cfg, &lay);
	if (r)
		return r;
	memcpy(mem + si->memmap_paddr, mm, nr * sizeof(*mm));
	si->memmap_entries = nr;
	si->rsdp_paddr = lay.rsdp;
	return 0;
}
