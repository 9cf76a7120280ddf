/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libpvhv's ACPI tables, internal: the table layouts lib/acpi.c writes (and
 * tests/unit/test_acpi.c reads), and the loader's hook.
 *
 * Debian's userspace has no ACPI table definitions (ACPICA's actbl*.h ship
 * only with the kernel headers, and acpica-tools ships no headers), so the
 * layouts are written here from the ACPI 6.5 specification, every offset and
 * size checked against its tables. Multi-byte fields are little-endian; the
 * library is built for x86 only.
 */
#ifndef PVHV_ACPI_H
#define PVHV_ACPI_H

#include <stddef.h>
#include <stdint.h>

#include <xen/xen.h>
#include <xen/arch-x86/hvm/start_info.h>

#include "libpvhv.h"

#define PVHV_ACPI_PACKED __attribute__((packed))

/* ACPI 6.5, 5.2.5.3: Root System Description Pointer (revision 2). */
struct acpi_rsdp {
	char signature[8];		/* "RSD PTR " */
	uint8_t checksum;		/* of the first 20 bytes */
	char oem_id[6];
	uint8_t revision;		/* 2 */
	uint32_t rsdt_address;
	uint32_t length;		/* of the whole structure: 36 */
	uint64_t xsdt_address;
	uint8_t extended_checksum;	/* of all 36 bytes */
	uint8_t reserved[3];
} PVHV_ACPI_PACKED;

/* ACPI 6.5, 5.2.6: System Description Table Header. */
struct acpi_header {
	char signature[4];
	uint32_t length;		/* of the table, header included */
	uint8_t revision;
	uint8_t checksum;		/* the whole table sums to 0 */
	char oem_id[6];
	char oem_table_id[8];
	uint32_t oem_revision;
	char creator_id[4];
	uint32_t creator_revision;
} PVHV_ACPI_PACKED;

/* ACPI 6.5, 5.2.3.2: Generic Address Structure. */
struct acpi_gas {
	uint8_t space_id;
	uint8_t bit_width;
	uint8_t bit_offset;
	uint8_t access_size;
	uint64_t address;
} PVHV_ACPI_PACKED;

/* ACPI 6.5, 5.2.8: XSDT: the header, then 64-bit table addresses. */

/* ACPI 6.5, 5.2.9: Fixed ACPI Description Table, revision 6. */
struct acpi_fadt {
	struct acpi_header header;	/* "FACP" */
	uint32_t firmware_ctrl;		/* FACS; none on a hardware-reduced platform */
	uint32_t dsdt;
	uint8_t reserved0;
	uint8_t preferred_pm_profile;
	uint16_t sci_int;
	uint32_t smi_cmd;
	uint8_t acpi_enable;
	uint8_t acpi_disable;
	uint8_t s4bios_req;
	uint8_t pstate_cnt;
	uint32_t pm1a_evt_blk;
	uint32_t pm1b_evt_blk;
	uint32_t pm1a_cnt_blk;
	uint32_t pm1b_cnt_blk;
	uint32_t pm2_cnt_blk;
	uint32_t pm_tmr_blk;
	uint32_t gpe0_blk;
	uint32_t gpe1_blk;
	uint8_t pm1_evt_len;
	uint8_t pm1_cnt_len;
	uint8_t pm2_cnt_len;
	uint8_t pm_tmr_len;
	uint8_t gpe0_blk_len;
	uint8_t gpe1_blk_len;
	uint8_t gpe1_base;
	uint8_t cst_cnt;
	uint16_t p_lvl2_lat;
	uint16_t p_lvl3_lat;
	uint16_t flush_size;
	uint16_t flush_stride;
	uint8_t duty_offset;
	uint8_t duty_width;
	uint8_t day_alrm;
	uint8_t mon_alrm;
	uint8_t century;
	uint16_t iapc_boot_arch;	/* ACPI_IAPC_* */
	uint8_t reserved1;
	uint32_t flags;			/* ACPI_FADT_* */
	struct acpi_gas reset_reg;
	uint8_t reset_value;
	uint16_t arm_boot_arch;
	uint8_t minor_version;		/* FADT minor version (ACPI 6.5: 5) */
	uint64_t x_firmware_ctrl;
	uint64_t x_dsdt;
	struct acpi_gas x_pm1a_evt_blk;
	struct acpi_gas x_pm1b_evt_blk;
	struct acpi_gas x_pm1a_cnt_blk;
	struct acpi_gas x_pm1b_cnt_blk;
	struct acpi_gas x_pm2_cnt_blk;
	struct acpi_gas x_pm_tmr_blk;
	struct acpi_gas x_gpe0_blk;
	struct acpi_gas x_gpe1_blk;
	struct acpi_gas sleep_control_reg;
	struct acpi_gas sleep_status_reg;
	uint64_t hypervisor_vendor_id;
} PVHV_ACPI_PACKED;

/* ACPI 6.5, 5.2.9: FADT Fixed Feature Flags. */
#define ACPI_FADT_PWR_BUTTON		(1u << 4)	/* no fixed-feature power button */
#define ACPI_FADT_SLP_BUTTON		(1u << 5)	/* no fixed-feature sleep button */
#define ACPI_FADT_HW_REDUCED_ACPI	(1u << 20)
/* ACPI 6.5, 5.2.9.3: IA-PC Boot Architecture Flags. */
#define ACPI_IAPC_LEGACY_DEVICES	(1u << 0)
#define ACPI_IAPC_8042			(1u << 1)
#define ACPI_IAPC_VGA_NOT_PRESENT	(1u << 2)
#define ACPI_IAPC_CMOS_RTC_NOT_PRESENT	(1u << 5)

/* ACPI 6.5, 5.2.12: Multiple APIC Description Table. */
struct acpi_madt {
	struct acpi_header header;	/* "APIC" */
	uint32_t lapic_address;		/* Local Interrupt Controller Address */
	uint32_t flags;			/* bit 0 PCAT_COMPAT: dual 8259s present */
} PVHV_ACPI_PACKED;

/* ACPI 6.5, 5.2.12: Interrupt Controller Structure Types. */
#define ACPI_MADT_LOCAL_APIC		0
#define ACPI_MADT_LOCAL_X2APIC		9

/* ACPI 6.5, 5.2.12.2: Processor Local APIC Structure. */
struct acpi_madt_lapic {
	uint8_t type;			/* 0 */
	uint8_t length;			/* 8 */
	uint8_t uid;			/* ACPI Processor UID: the processor device's _UID */
	uint8_t apic_id;
	uint32_t flags;			/* ACPI_MADT_ENABLED */
} PVHV_ACPI_PACKED;

/* ACPI 6.5, 5.2.12.12: Processor Local x2APIC Structure. */
struct acpi_madt_x2apic {
	uint8_t type;			/* 9 */
	uint8_t length;			/* 16 */
	uint16_t reserved;
	uint32_t x2apic_id;
	uint32_t flags;			/* ACPI_MADT_ENABLED */
	uint32_t uid;
} PVHV_ACPI_PACKED;

/* ACPI 6.5, 5.2.12.2: Local APIC Flags (the x2APIC structure's too). */
#define ACPI_MADT_ENABLED		(1u << 0)

/*
 * The highest APIC id a Processor Local APIC structure may carry: 0xff is the
 * broadcast id, and ACPI 6.5 5.2.12.12 has processors with ids of 255 and
 * above described by x2APIC structures.
 */
#define ACPI_MADT_XAPIC_MAX_ID		0xfe

/* ACPI 6.5, 5.2.11.1: DSDT: the header, then a definition block of AML. */

_Static_assert(sizeof(struct acpi_rsdp) == 36, "RSDP: 36 bytes");
_Static_assert(offsetof(struct acpi_rsdp, checksum) == 8, "RSDP checksum");
_Static_assert(offsetof(struct acpi_rsdp, oem_id) == 9, "RSDP OEMID");
_Static_assert(offsetof(struct acpi_rsdp, revision) == 15, "RSDP revision");
_Static_assert(offsetof(struct acpi_rsdp, rsdt_address) == 16, "RSDP RsdtAddress");
_Static_assert(offsetof(struct acpi_rsdp, length) == 20, "RSDP length");
_Static_assert(offsetof(struct acpi_rsdp, xsdt_address) == 24, "RSDP XsdtAddress");
_Static_assert(offsetof(struct acpi_rsdp, extended_checksum) == 32, "RSDP extended checksum");

_Static_assert(sizeof(struct acpi_header) == 36, "header: 36 bytes");
_Static_assert(offsetof(struct acpi_header, length) == 4, "header length");
_Static_assert(offsetof(struct acpi_header, revision) == 8, "header revision");
_Static_assert(offsetof(struct acpi_header, checksum) == 9, "header checksum");
_Static_assert(offsetof(struct acpi_header, oem_id) == 10, "header OEMID");
_Static_assert(offsetof(struct acpi_header, oem_table_id) == 16, "header OEM Table ID");
_Static_assert(offsetof(struct acpi_header, oem_revision) == 24, "header OEM Revision");
_Static_assert(offsetof(struct acpi_header, creator_id) == 28, "header Creator ID");
_Static_assert(offsetof(struct acpi_header, creator_revision) == 32, "header Creator Revision");

_Static_assert(sizeof(struct acpi_gas) == 12, "GAS: 12 bytes");
_Static_assert(offsetof(struct acpi_gas, access_size) == 3, "GAS access size");
_Static_assert(offsetof(struct acpi_gas, address) == 4, "GAS address");

_Static_assert(sizeof(struct acpi_fadt) == 276, "FADT: 276 bytes");
_Static_assert(offsetof(struct acpi_fadt, firmware_ctrl) == 36, "FADT FIRMWARE_CTRL");
_Static_assert(offsetof(struct acpi_fadt, dsdt) == 40, "FADT DSDT");
_Static_assert(offsetof(struct acpi_fadt, preferred_pm_profile) == 45, "FADT PM profile");
_Static_assert(offsetof(struct acpi_fadt, sci_int) == 46, "FADT SCI_INT");
_Static_assert(offsetof(struct acpi_fadt, smi_cmd) == 48, "FADT SMI_CMD");
_Static_assert(offsetof(struct acpi_fadt, pm1a_evt_blk) == 56, "FADT PM1a_EVT_BLK");
_Static_assert(offsetof(struct acpi_fadt, gpe1_blk) == 84, "FADT GPE1_BLK");
_Static_assert(offsetof(struct acpi_fadt, pm1_evt_len) == 88, "FADT PM1_EVT_LEN");
_Static_assert(offsetof(struct acpi_fadt, cst_cnt) == 95, "FADT CST_CNT");
_Static_assert(offsetof(struct acpi_fadt, p_lvl2_lat) == 96, "FADT P_LVL2_LAT");
_Static_assert(offsetof(struct acpi_fadt, flush_stride) == 102, "FADT FLUSH_STRIDE");
_Static_assert(offsetof(struct acpi_fadt, duty_offset) == 104, "FADT DUTY_OFFSET");
_Static_assert(offsetof(struct acpi_fadt, century) == 108, "FADT CENTURY");
_Static_assert(offsetof(struct acpi_fadt, iapc_boot_arch) == 109, "FADT IAPC_BOOT_ARCH");
_Static_assert(offsetof(struct acpi_fadt, reserved1) == 111, "FADT reserved");
_Static_assert(offsetof(struct acpi_fadt, flags) == 112, "FADT Flags");
_Static_assert(offsetof(struct acpi_fadt, reset_reg) == 116, "FADT RESET_REG");
_Static_assert(offsetof(struct acpi_fadt, reset_value) == 128, "FADT RESET_VALUE");
_Static_assert(offsetof(struct acpi_fadt, arm_boot_arch) == 129, "FADT ARM_BOOT_ARCH");
_Static_assert(offsetof(struct acpi_fadt, minor_version) == 131, "FADT Minor Version");
_Static_assert(offsetof(struct acpi_fadt, x_firmware_ctrl) == 132, "FADT X_FIRMWARE_CTRL");
_Static_assert(offsetof(struct acpi_fadt, x_dsdt) == 140, "FADT X_DSDT");
_Static_assert(offsetof(struct acpi_fadt, x_pm1a_evt_blk) == 148, "FADT X_PM1a_EVT_BLK");
_Static_assert(offsetof(struct acpi_fadt, x_gpe1_blk) == 232, "FADT X_GPE1_BLK");
_Static_assert(offsetof(struct acpi_fadt, sleep_control_reg) == 244, "FADT SLEEP_CONTROL_REG");
_Static_assert(offsetof(struct acpi_fadt, sleep_status_reg) == 256, "FADT SLEEP_STATUS_REG");
_Static_assert(offsetof(struct acpi_fadt, hypervisor_vendor_id) == 268, "FADT Hypervisor Vendor");

_Static_assert(sizeof(struct acpi_madt) == 44, "MADT: entries from byte 44");
_Static_assert(offsetof(struct acpi_madt, lapic_address) == 36, "MADT LAPIC address");
_Static_assert(offsetof(struct acpi_madt, flags) == 40, "MADT flags");
_Static_assert(sizeof(struct acpi_madt_lapic) == 8, "Local APIC: 8 bytes");
_Static_assert(offsetof(struct acpi_madt_lapic, uid) == 2, "Local APIC UID");
_Static_assert(offsetof(struct acpi_madt_lapic, apic_id) == 3, "Local APIC id");
_Static_assert(offsetof(struct acpi_madt_lapic, flags) == 4, "Local APIC flags");
_Static_assert(sizeof(struct acpi_madt_x2apic) == 16, "Local x2APIC: 16 bytes");
_Static_assert(offsetof(struct acpi_madt_x2apic, x2apic_id) == 4, "x2APIC id");
_Static_assert(offsetof(struct acpi_madt_x2apic, flags) == 8, "x2APIC flags");
_Static_assert(offsetof(struct acpi_madt_x2apic, uid) == 12, "x2APIC UID");

/*
 * The loader's hook (lib/loader.c): build the tables for @nr_vcpus vCPUs in
 * the highest pages of [@low_end, min(@usable, 4 GiB)) of guest RAM @mem,
 * carve them out of the RAM entry of the memory map already written at
 * si->memmap_paddr (its room: PVHV_ACPI_MEMMAP_MAX entries) as
 * XEN_HVM_MEMMAP_TYPE_ACPI, and set si->rsdp_paddr and si->memmap_entries.
 * -E2BIG: no room; -EINVAL: a bad vCPU count or memory map.
 */
#define PVHV_ACPI_MEMMAP_MAX	4
int pvhv_acpi_install(uint8_t *mem, uint64_t usable, uint64_t low_end, uint32_t nr_vcpus,
		      struct hvm_start_info *si);

#endif /* PVHV_ACPI_H */
