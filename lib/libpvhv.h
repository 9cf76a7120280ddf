/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libpvhv: the C API over /dev/pvhv.
 *
 * Conventions: every function returns 0 (or a non-negative value such as a
 * file descriptor) on success and a negative errno on failure; nothing here
 * prints, exits or touches errno-based global state the caller relies on.
 * File descriptors are capabilities: the /dev/pvhv fd creates, opens and lists
 * domains; a domain fd acts on one domain.
 */
#ifndef LIBPVHV_H
#define LIBPVHV_H

#include <stddef.h>
#include <stdint.h>

#include "pvhv.h"

#ifdef __cplusplus
extern "C" {
#endif

#define PVHV_DEVICE_PATH "/dev/pvhv"

/* /dev/pvhv */
int pvhv_open(const char *path);	/* NULL: PVHV_DEVICE_PATH; returns an fd */
int pvhv_close(int fd);
int pvhv_api_version(int fd);		/* > 0 */
int pvhv_check_extension(int fd, uint32_t cap, uint64_t *value);
int pvhv_get_stats(int fd, struct pvhv_stats *stats);

/* Domains */
struct pvhv_domain_config {
	const char *name;	/* required: printable ASCII, no space or '/', not all digits */
	uint64_t memory_bytes;	/* > 0, multiple of 4 KiB */
	uint32_t max_vcpus;	/* 0 means 1 */
};

/* Returns a domain fd; *domid (if not NULL) receives the new domain's id. */
int pvhv_domain_create(int fd, const struct pvhv_domain_config *cfg, uint32_t *domid);
int pvhv_domain_open(int fd, uint32_t domid);	/* returns a domain fd */
/* *infos is malloc()ed (free() it), sorted by domid; *count its length. */
int pvhv_domain_list(int fd, struct pvhv_domain_info **infos, size_t *count);
int pvhv_domain_get_info(int dfd, struct pvhv_domain_info *info);
int pvhv_domain_destroy(int dfd);
/*
 * Allocate a port in the domain, unbound and offered to @remote_dom (0: the
 * host), as Xen's xc_evtchn_alloc_unbound: the xenstore and console channels.
 */
int pvhv_domain_alloc_unbound(int dfd, uint32_t remote_dom, uint32_t *port);
/* Shut a running domain down with SHUTDOWN_* @reason (Xen's remote_shutdown). */
int pvhv_domain_shutdown(int dfd, uint32_t reason);
/*
 * Pause a running domain (its vCPUs are out of the guest on return) and
 * unpause it: -EINVAL from another state, -ESRCH once destroyed;
 * PVHV_CAP_PAUSE says whether the module can.
 */
int pvhv_domain_pause(int dfd);
int pvhv_domain_unpause(int dfd);
/* Map [gpa, gpa + len) of guest RAM shared; prot as for mmap(2). */
int pvhv_domain_map(int dfd, uint64_t gpa, size_t len, int prot, void **addr);
int pvhv_domain_unmap(void *addr, size_t len);
/* The toolstack's side of HVM_PARAM_* (xenstore/console rings, ...). */
int pvhv_domain_set_param(int dfd, uint32_t index, uint64_t value);
int pvhv_domain_get_param(int dfd, uint32_t index, uint64_t *value);
/* Resolve "7" or "web1" to a domid (-ESRCH: no such domain). */
int pvhv_domain_find(int fd, const char *id_or_name, uint32_t *domid);

/* PVH boot (lib/loader.c) */

struct pvhv_boot_config {
	const void *kernel;	/* ELF32/ELF64 PVH image, or a Linux bzImage holding one */
	size_t kernel_size;
	const void *ramdisk;	/* optional: module 0 in start_info */
	size_t ramdisk_size;
	const char *cmdline;	/* optional */
	/* vCPUs the ACPI tables describe (lib/acpi.c); 0: no tables, as xl's acpi=0 */
	uint32_t nr_vcpus;
};

struct pvhv_pvh_image {
	uint64_t entry;		/* XEN_ELFNOTE_PHYS32_ENTRY */
	uint64_t start_info;	/* guest-physical address of struct hvm_start_info */
	uint64_t image_start, image_end;
	uint64_t ramdisk_paddr;
	const char *error;	/* on failure: why, in words (static string) */
};

/* Lay the image out in guest RAM given as a buffer (no module involved). */
int pvhv_pvh_load(void *ram, uint64_t ram_bytes, const struct pvhv_boot_config *cfg,
		  struct pvhv_pvh_image *out);
/* Read the files and load them into the domain's RAM (vCPU 0 not started). */
int pvhv_domain_load_pvh(int dfd, const char *kernel, const char *ramdisk,
			 const char *cmdline, struct pvhv_pvh_image *out);
/* pvhv_domain_load_pvh(), then start vCPU 0. */
int pvhv_domain_boot_pvh(int dfd, const char *kernel, const char *ramdisk,
			 const char *cmdline, struct pvhv_pvh_image *out);
int pvhv_domain_start_pvh(int dfd, uint64_t entry, uint64_t start_info);
/*
 * The memory map the guest's XENMEM_memory_map returns (before the start;
 * pvhv_domain_load_pvh() sets the one it wrote into hvm_start_info).
 */
int pvhv_domain_set_memory_map(int dfd, const struct pvhv_memory_map_entry *entries,
			       uint32_t nr_entries);
/* Read the console log from *offset; *got bytes copied, *offset advanced. */
int pvhv_domain_console_read(int dfd, uint64_t *offset, void *buf, size_t len,
			     size_t *got, uint64_t *lost);

/*
 * ACPI tables for a PVH guest (lib/acpi.c), the toolstack's job as libxl's
 * for PVH: RSDP (hvm_start_info.rsdp_paddr points at it), XSDT, a
 * hardware-reduced FADT, a MADT with one enabled local APIC (or x2APIC)
 * entry per vCPU (processor UID = Xen vCPU id, APIC id = PVHV_APIC_ID()),
 * a DSDT with one processor device (_HID "ACPI0007", _UID = vCPU id) each.
 * pvhv_pvh_load() places them when pvhv_boot_config.nr_vcpus is set.
 */
#define PVHV_ACPI_MAX_VCPUS	4096	/* processor devices are named \_SB.C000..CFFF */

struct pvhv_acpi_config {
	uint32_t nr_vcpus;	/* 1..PVHV_ACPI_MAX_VCPUS */
	uint32_t flags;		/* none defined yet, must be 0 */
};

struct pvhv_acpi_layout {	/* guest-physical addresses of each table */
	uint64_t rsdp, xsdt, fadt, madt, dsdt;
	uint64_t size;		/* bytes needed from base_gpa, a multiple of 4 KiB */
};

/*
 * Build the tables into @buf, which the guest will see at @base_gpa (4 KiB
 * aligned), the RSDP first. Pure: touches only @buf and @out. -ENOSPC when
 * @len is below out->size (set all the same, so a first call with len 0
 * sizes the buffer); -EINVAL for a bad argument.
 */
int pvhv_acpi_build(void *buf, size_t len, uint64_t base_gpa, const struct pvhv_acpi_config *cfg,
		    struct pvhv_acpi_layout *out);

/*
 * The host's (domid 0) end of event channels with a domain: an evtchn fd
 * from a domain fd; bind to a port the guest offered to domain 0, notify it,
 * wait for ports that fired (returns how many were stored, -ETIMEDOUT).
 */
int pvhv_evtchn_open(int dfd);
int pvhv_evtchn_bind(int efd, uint32_t remote_port, uint32_t *port);
int pvhv_evtchn_notify(int efd, uint32_t port);
int pvhv_evtchn_unbind(int efd, uint32_t port);
int pvhv_evtchn_wait(int efd, uint32_t *ports, size_t max, int timeout_ms);

/*
 * The host's use of a domain's grants (Linux's gntdev is the model): a grant
 * fd from a domain fd; map @count grants the guest gave to domain 0 into
 * this process (PVHV_GNT_MAP_READONLY: read-only), *addr the pages; on a
 * grant error, *failed (if not NULL) says which ref and *status its GNTST_*.
 * pvhv_gnt_unmap() releases them (the guest sees them free again).
 * pvhv_gnt_copy(): GNTTABOP_copy with user buffers, per-segment status.
 */
int pvhv_gnt_open(int dfd);
int pvhv_gnt_map(int gfd, const uint32_t *refs, uint32_t count, uint32_t flags, void **addr,
		 uint32_t *failed, int32_t *status);
int pvhv_gnt_unmap(int gfd, void *addr, uint32_t count);
int pvhv_gnt_copy(int gfd, struct pvhv_gnt_copy_seg *segs, uint32_t count);
const char *pvhv_gntst_message(int32_t status);	/* Xen's words for a GNTST_* */

/* Parsing and names, shared by every tool built on the library. */
/* "512" (MiB, as xl's memory=), "512M", "2G", "65536K", "1048576B" */
int pvhv_parse_memory(const char *s, uint64_t *bytes);
int pvhv_parse_domid(const char *s, uint32_t *domid);	/* 1..PVHV_DOMID_MAX */
int pvhv_parse_u32(const char *s, uint32_t min, uint32_t max, uint32_t *out);
const char *pvhv_state_name(uint32_t state);
const char *pvhv_vendor_name(uint64_t vendor);
const char *pvhv_shutdown_reason_name(uint32_t reason);

#ifdef __cplusplus
}
#endif

#endif /* LIBPVHV_H */
