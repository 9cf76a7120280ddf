/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * pvhv: the ioctl ABI between pvhv.ko and userspace (libpvhv, vmmctl).
 *
 * This header is the only contract between the two sides. Rules it keeps:
 *  - only fixed-size __u8..__u64 fields, explicit padding, no pointers (user
 *    addresses travel as __u64);
 *  - every struct has a flags word and reserved fields; the module rejects a
 *    nonzero unknown flag or reserved field with -EINVAL, so they can be given
 *    meaning later without a new ioctl;
 *  - PVHV_API_VERSION is frozen: new features are discovered with
 *    PVHV_CHECK_EXTENSION and arrive as new ioctl numbers, never as changes to
 *    an existing struct;
 *  - an ioctl the module does not know fails with -ENOTTY.
 *
 * File descriptors are capabilities: /dev/pvhv -> domain fd (PVHV_CREATE_DOMAIN
 * or PVHV_OPEN_DOMAIN) -> narrower handles added by later API extensions.
 */
#ifndef _UAPI_PVHV_H
#define _UAPI_PVHV_H

#include <linux/types.h>
#include <linux/ioctl.h>

#define PVHV_API_VERSION	1

/* Own ioctl magic ('pvhv'); not in Documentation/userspace-api/ioctl. */
#define PVHV_IO_MAGIC		0xB9

/* Xen-style domain ids: 0 is the host, guests get 1..PVHV_DOMID_MAX. */
#define PVHV_DOMID_HOST		0
#define PVHV_DOMID_FIRST	1
#define PVHV_DOMID_MAX		32751	/* DOMID_FIRST_RESERVED - 1 */

#define PVHV_NAME_LEN		64	/* including the terminating NUL */

/*
 * The last PVHV_SPECIAL_PAGES pages of guest RAM are reserved in the guest's
 * memory map (start_info and XENMEM_memory_map) for special pages.
 */
#define PVHV_SPECIAL_PAGES	8

/*
 * The local APIC id of vCPU @vcpu_id, as Xen gives HVM and PVH guests: twice
 * the vCPU id (xen/arch/x86/hvm/vlapic.c vlapic_reset(), the CPUID leaf 1 and
 * 0xb answers in xen/arch/x86/cpuid.c, libxl's acpi_lapic_id()). The MADT
 * libpvhv builds, the module's CPUID and its local APIC all use this one rule;
 * ids of 255 and above are x2APIC ids (MADT x2APIC entries).
 */
#define PVHV_APIC_ID(vcpu_id)	((vcpu_id) * 2)

/* Values of PVHV_CAP_VENDOR. */
#define PVHV_VENDOR_NONE	0
#define PVHV_VENDOR_SVM		1	/* AMD-V */
#define PVHV_VENDOR_VMX		2	/* Intel VT-x */

/*
 * Capabilities for PVHV_CHECK_EXTENSION. The ioctl returns 0 for a capability
 * the module does not have (or does not know), otherwise a positive value.
 */
#define PVHV_CAP_VENDOR		1	/* PVHV_VENDOR_* of the active backend */
#define PVHV_CAP_NESTED_PAGING	2	/* 1: NPT (SVM) or EPT (VMX) in use */
#define PVHV_CAP_MAX_VCPUS	3	/* vCPUs per domain */
#define PVHV_CAP_MAX_DOMAINS	4	/* domains alive at once */
#define PVHV_CAP_MAX_MEM_MB	5	/* guest RAM per domain, MiB */
#define PVHV_CAP_TOTAL_MEM_MB	6	/* guest RAM of all domains, MiB */
#define PVHV_CAP_STATS		7	/* PVHV_GET_STATS is available */
#define PVHV_CAP_DOMAIN_MMAP	8	/* guest RAM can be mmap()ed on a domain fd */
#define PVHV_CAP_START_PVH	9	/* PVHV_DOMAIN_START_PVH runs guests */
#define PVHV_CAP_CONSOLE_LOG	10	/* PVHV_DOMAIN_CONSOLE_READ; value: log size */
#define PVHV_CAP_HOST_EVTCHN	11	/* PVHV_DOMAIN_EVTCHN_OPEN; value: ports per fd */
#define PVHV_CAP_BALLOON	12	/* guests balloon; pvhv_domain_info.current_bytes */
#define PVHV_CAP_ALLOC_UNBOUND	13	/* PVHV_DOMAIN_ALLOC_UNBOUND */
#define PVHV_CAP_LIFECYCLE_EVENTS 14	/* generic netlink family PVHV_GENL_NAME */
#define PVHV_CAP_HOST_GNT	15	/* PVHV_DOMAIN_GNT_OPEN; value: pages per grant fd */
#define PVHV_CAP_PAUSE		16	/* PVHV_DOMAIN_PAUSE / PVHV_DOMAIN_UNPAUSE */
#define PVHV_CAP_MEMORY_MAP	17	/* PVHV_DOMAIN_SET_MEMORY_MAP; value: entries at most */

/* Domain states (pvhv_domain_info.state). */
#define PVHV_STATE_CREATED	0	/* built, vCPUs not started */
#define PVHV_STATE_RUNNING	1
#define PVHV_STATE_PAUSED	2
#define PVHV_STATE_SHUTDOWN	3	/* guest shut down; reason in shutdown_reason */
#define PVHV_STATE_CRASHED	4
#define PVHV_STATE_DYING	5	/* destroyed, resources still referenced */

/* PVHV_CREATE_DOMAIN */
struct pvhv_create_domain {
	__u32 flags;		/* in: none defined yet, must be 0 */
	__u32 max_vcpus;	/* in: 1..PVHV_CAP_MAX_VCPUS */
	__u64 memory_bytes;	/* in: guest RAM, a multiple of 4 KiB, > 0 */
	__u8  name[PVHV_NAME_LEN]; /* in: NUL-terminated, unique, may be empty */
	__u32 domid;		/* out: the new domain's id */
	__u32 pad0;		/* must be 0 */
	__u64 reserved[4];	/* must be 0 */
};

/* PVHV_OPEN_DOMAIN */
struct pvhv_open_domain {
	__u32 domid;		/* in */
	__u32 flags;		/* in: must be 0 */
	__u64 reserved[2];	/* must be 0 */
};

/* What PVHV_DOMAIN_GET_INFO and PVHV_LIST_DOMAINS report for one domain. */
struct pvhv_domain_info {
	__u32 domid;
	__u32 state;		/* PVHV_STATE_* */
	__u64 memory_bytes;	/* guest RAM */
	__u32 max_vcpus;
	__u32 online_vcpus;
	__u32 shutdown_reason;	/* SHUTDOWN_* from xen/sched.h when state is SHUTDOWN */
	__u32 flags;		/* none defined yet, 0 */
	__u8  name[PVHV_NAME_LEN];
	__u64 current_bytes;	/* guest RAM populated now (balloon); PVHV_CAP_BALLOON */
	__u64 reserved[3];
};

/* PVHV_LIST_DOMAINS */
struct pvhv_list_domains {
	__u32 flags;		/* in: must be 0 */
	__u32 count;		/* in: room in the array; out: domains that exist */
	__u64 info_ptr;		/* in: user address of struct pvhv_domain_info[count] */
	__u64 reserved[2];	/* must be 0 */
};

/* PVHV_GET_STATS: module-wide counters; zero when nothing is left behind. */
struct pvhv_stats {
	__u64 flags;		/* out: 0 */
	__u64 domains;		/* domain objects alive, including dying ones */
	__u64 guest_pages;	/* 4 KiB pages of guest RAM allocated */
	__u64 objects;		/* other module allocations tracked for leaks */
	__u64 reserved[4];
};

/*
 * PVHV_DOMAIN_SET_MEMORY_MAP: the memory map the guest's XENMEM_memory_map
 * returns, as the toolstack laid guest RAM out (Xen's XENMEM_set_memory_map,
 * which libxl uses): the same map as the one in hvm_start_info. Before the
 * domain starts (EBUSY after); sorted by address, non-overlapping, no empty
 * entry, types 1 (RAM) to 5 (unusable) as E820 numbers them; at most
 * PVHV_CAP_MEMORY_MAP entries. Without one, XENMEM_memory_map describes
 * guest RAM with the special pages at its top reserved.
 */
struct pvhv_memory_map_entry {
	__u64 addr;
	__u64 size;
	__u32 type;		/* PVHV_E820_* */
	__u32 pad;		/* must be 0 */
};

#define PVHV_E820_RAM		1
#define PVHV_E820_RESERVED	2
#define PVHV_E820_ACPI		3
#define PVHV_E820_NVS		4
#define PVHV_E820_UNUSABLE	5

struct pvhv_memory_map {
	__u32 flags;		/* must be 0 */
	__u32 nr_entries;	/* 1 .. PVHV_CAP_MEMORY_MAP */
	__u64 entries_ptr;	/* user address of nr_entries struct pvhv_memory_map_entry */
	__u64 reserved[2];	/* must be 0 */
};

/*
 * PVHV_DOMAIN_START_PVH: start vCPU 0 as Xen's PVH ABI defines (32-bit flat
 * protected mode, paging off, EBX = start_info) at the guest-physical entry
 * point; the domain goes from CREATED to RUNNING. The loader (libpvhv) has
 * already placed the image and struct hvm_start_info in guest RAM.
 */
struct pvhv_start_pvh {
	__u32 flags;		/* must be 0 */
	__u32 vcpu;		/* must be 0 (secondary vCPUs start via VCPUOP_up) */
	__u64 entry;		/* guest-physical, below 4 GiB */
	__u64 start_info;	/* guest-physical address of struct hvm_start_info */
	__u64 reserved[4];	/* must be 0 */
};

/*
 * PVHV_DOMAIN_CONSOLE_READ: read the domain's console log (what the guest
 * wrote with console_io(CONSOLEIO_write) or to I/O port 0xE9), a bounded
 * ring addressed by stream position: byte N is the N-th byte ever written.
 */
struct pvhv_console_read {
	__u32 flags;		/* must be 0 */
	__u32 len;		/* in: room in the buffer; out: bytes copied */
	__u64 buf_ptr;		/* in: user address of the buffer */
	__u64 offset;		/* in: position to read from; out: position after the bytes copied */
	__u64 head;		/* out: position after the last byte written so far */
	__u64 lost;		/* out: bytes between offset and the oldest byte kept */
	__u64 reserved[2];	/* must be 0 */
};

/*
 * The host's (domid 0) end of event channels with one domain, on an "evtchn
 * fd" from PVHV_DOMAIN_EVTCHN_OPEN (Linux's /dev/xen/evtchn is the model):
 * bind to a port the guest offered to domain 0 (EVTCHNOP_alloc_unbound with
 * remote_dom 0), notify it, and read() the host ports that fired as __u32
 * values (a port is reported once until read; poll() says when to read).
 */
struct pvhv_evtchn_bind {
	__u32 flags;		/* must be 0 */
	__u32 remote_port;	/* in: the guest's unbound port */
	__u32 port;		/* out: the host port (1 .. PVHV_CAP_HOST_EVTCHN - 1) */
	__u32 pad;		/* must be 0 */
	__u64 reserved[2];	/* must be 0 */
};

struct pvhv_evtchn_port {
	__u32 flags;		/* must be 0 */
	__u32 port;		/* a host port of this fd */
	__u64 reserved[2];	/* must be 0 */
};

/*
 * PVHV_DOMAIN_SET/GET_HVM_PARAM: the toolstack's side of Xen's HVM
 * parameters (HVM_PARAM_* in Xen's public/hvm/params.h), e.g. where the
 * xenstore and console rings are. The host may set any of them; the guest's
 * own hvm_op follows Xen's rules on which it may read or write.
 */
struct pvhv_hvm_param {
	__u32 flags;		/* must be 0 */
	__u32 index;		/* HVM_PARAM_*, below PVHV_HVM_NR_PARAMS */
	__u64 value;
	__u64 reserved[2];	/* must be 0 */
};
#define PVHV_HVM_NR_PARAMS	39	/* HVM_NR_PARAMS of Xen 4.17 */

/*
 * PVHV_DOMAIN_SHUTDOWN: the toolstack shuts a running domain down as if it
 * had called SCHEDOP_shutdown (Xen's SCHEDOP_remote_shutdown from dom0).
 */
struct pvhv_domain_shutdown {
	__u32 flags;		/* must be 0 */
	__u32 reason;		/* SHUTDOWN_* from Xen's public/sched.h */
	__u64 reserved[2];	/* must be 0 */
};

/*
 * PVHV_DOMAIN_ALLOC_UNBOUND: the toolstack allocates a port in the domain,
 * unbound and offered to @remote_dom (0: the host), as dom0's
 * EVTCHNOP_alloc_unbound on another domain does on Xen. The host binds it
 * with PVHV_EVTCHN_BIND; the guest learns it from an HVM parameter.
 */
struct pvhv_alloc_unbound {
	__u32 flags;		/* must be 0 */
	__u32 remote_dom;	/* in: who may bind it, 0..PVHV_DOMID_MAX */
	__u32 port;		/* out: the domain's new port (in: must be 0) */
	__u32 pad;		/* must be 0 */
	__u64 reserved[2];	/* must be 0 */
};

/*
 * The host's (domid 0) use of a domain's grants, on a "grant fd" from
 * PVHV_DOMAIN_GNT_OPEN (Linux's /dev/xen/gntdev is the model): what the
 * backends use to reach the pages a guest granted to domain 0.
 *
 * PVHV_GNT_MAP pins @count grants (each must permit access to domain 0, and
 * writing unless PVHV_GNT_MAP_READONLY; they carry GTF_reading/GTF_writing
 * while held) and returns @index: mmap() the fd at offset @index, length
 * @count pages, MAP_SHARED (PROT_WRITE refused for a read-only map). The
 * grants are released when PVHV_GNT_UNMAP has been called and the last
 * mmap() of them is gone, or when the fd is closed and unmapped. On failure
 * @failed is the position in the list of the grant that failed and @status
 * its GNTST_* (Xen's public/grant_table.h): the ioctl fails with EINVAL
 * (bad ref), EPERM (not granted to the host, read-only, in use by another
 * domain, or pinned 65535 times already), EFAULT (granted frame not guest
 * RAM), ENOSPC (the fd's limit).
 */
struct pvhv_gnt_map {
	__u32 flags;		/* PVHV_GNT_MAP_* */
	__u32 count;		/* in: grants, 1..PVHV_GNT_MAP_MAX */
	__u64 refs_ptr;		/* in: user address of __u32 refs[count] */
	__u64 index;		/* out: the mmap() offset, a multiple of the page size */
	__u32 failed;		/* out, on error: index into refs of the grant that failed */
	__s32 status;		/* out, on error: its GNTST_* (0 when not a grant error) */
	__u64 reserved[2];	/* must be 0 */
};
#define PVHV_GNT_MAP_READONLY	(1u << 0)
#define PVHV_GNT_MAP_MAX	1024	/* grants per PVHV_GNT_MAP */

struct pvhv_gnt_unmap {
	__u32 flags;		/* must be 0 */
	__u32 pad;		/* must be 0 */
	__u64 index;		/* from PVHV_GNT_MAP */
	__u64 reserved[2];	/* must be 0 */
};

/*
 * PVHV_GNT_COPY: Xen's GNTTABOP_copy from the host's side: each segment
 * copies @len bytes between a user buffer and a granted page at @offset
 * (offset + len within the page); its GNTST_* lands in @status. The ioctl
 * fails only for a malformed request; per-segment errors are in @status.
 */
struct pvhv_gnt_copy_seg {
	__u64 buf_ptr;		/* user address */
	__u32 ref;		/* grant ref of the domain */
	__u16 offset;		/* within the granted page */
	__u16 len;		/* 1..4096, offset + len <= 4096 */
	__u32 flags;		/* PVHV_GNT_COPY_TO_GUEST: buffer -> page; else page -> buffer */
	__s32 status;		/* out: GNTST_* */
};
#define PVHV_GNT_COPY_TO_GUEST	(1u << 0)

struct pvhv_gnt_copy {
	__u32 flags;		/* must be 0 */
	__u32 count;		/* 1..PVHV_GNT_COPY_MAX */
	__u64 segs_ptr;		/* user address of struct pvhv_gnt_copy_seg[count] */
	__u64 reserved[2];	/* must be 0 */
};
#define PVHV_GNT_COPY_MAX	1024

/*
 * Domain lifecycle events: generic netlink family PVHV_GENL_NAME, multicast
 * group PVHV_GENL_MCGRP; each event is one PVHV_GENL_CMD_EVENT message with
 * the PVHV_GENL_A_* attributes (u32 but NAME, a NUL-terminated string).
 */
#define PVHV_GENL_NAME		"pvhv"
#define PVHV_GENL_VERSION	1
#define PVHV_GENL_MCGRP		"lifecycle"

enum {
	PVHV_GENL_CMD_UNSPEC,
	PVHV_GENL_CMD_EVENT,
};

enum {
	PVHV_GENL_A_UNSPEC,
	PVHV_GENL_A_DOMID,	/* u32 */
	PVHV_GENL_A_EVENT,	/* u32: PVHV_EVENT_* */
	PVHV_GENL_A_REASON,	/* u32: SHUTDOWN_* for PVHV_EVENT_SHUTDOWN, else 0 */
	PVHV_GENL_A_NAME,	/* string */
	__PVHV_GENL_A_MAX,
};
#define PVHV_GENL_A_MAX		(__PVHV_GENL_A_MAX - 1)

#define PVHV_EVENT_CREATED	1
#define PVHV_EVENT_PAUSED	2
#define PVHV_EVENT_UNPAUSED	3
#define PVHV_EVENT_SHUTDOWN	4
#define PVHV_EVENT_CRASHED	5
#define PVHV_EVENT_DESTROYED	6

/* ioctls on /dev/pvhv */
#define PVHV_GET_API_VERSION	_IO(PVHV_IO_MAGIC, 0x00)
#define PVHV_CHECK_EXTENSION	_IO(PVHV_IO_MAGIC, 0x01)	/* arg: PVHV_CAP_* */
#define PVHV_CREATE_DOMAIN	_IOWR(PVHV_IO_MAGIC, 0x02, struct pvhv_create_domain)
#define PVHV_OPEN_DOMAIN	_IOW(PVHV_IO_MAGIC, 0x03, struct pvhv_open_domain)
#define PVHV_LIST_DOMAINS	_IOWR(PVHV_IO_MAGIC, 0x04, struct pvhv_list_domains)
#define PVHV_GET_STATS		_IOR(PVHV_IO_MAGIC, 0x05, struct pvhv_stats)

/*
 * ioctls on a domain fd. mmap() of a domain fd maps guest RAM: file offset =
 * guest-physical address, MAP_SHARED only, within memory_bytes.
 */
#define PVHV_DOMAIN_GET_INFO	_IOR(PVHV_IO_MAGIC, 0x40, struct pvhv_domain_info)
#define PVHV_DOMAIN_DESTROY	_IO(PVHV_IO_MAGIC, 0x41)
#define PVHV_DOMAIN_START_PVH	_IOW(PVHV_IO_MAGIC, 0x42, struct pvhv_start_pvh)
#define PVHV_DOMAIN_CONSOLE_READ _IOWR(PVHV_IO_MAGIC, 0x43, struct pvhv_console_read)
#define PVHV_DOMAIN_EVTCHN_OPEN	_IO(PVHV_IO_MAGIC, 0x44)	/* returns an evtchn fd */
#define PVHV_DOMAIN_SET_HVM_PARAM _IOW(PVHV_IO_MAGIC, 0x45, struct pvhv_hvm_param)
#define PVHV_DOMAIN_GET_HVM_PARAM _IOWR(PVHV_IO_MAGIC, 0x46, struct pvhv_hvm_param)
#define PVHV_DOMAIN_SHUTDOWN	_IOW(PVHV_IO_MAGIC, 0x47, struct pvhv_domain_shutdown)
/*
 * PVHV_DOMAIN_PAUSE (arg 0): a running domain's vCPUs stop, out of the guest,
 * before it returns; state RUNNING -> PAUSED (EINVAL from any other state,
 * ESRCH once destroyed; ETIMEDOUT, and the domain runs on, if a vCPU did
 * not stop within 10 s). Timers and events that come while paused are kept
 * pending and delivered once unpaused. PVHV_DOMAIN_UNPAUSE (arg 0): PAUSED ->
 * RUNNING, else EINVAL. A paused domain can be shut down and destroyed.
 */
#define PVHV_DOMAIN_PAUSE	_IO(PVHV_IO_MAGIC, 0x48)
#define PVHV_DOMAIN_UNPAUSE	_IO(PVHV_IO_MAGIC, 0x49)
#define PVHV_DOMAIN_SET_MEMORY_MAP _IOW(PVHV_IO_MAGIC, 0x4a, struct pvhv_memory_map)
#define PVHV_DOMAIN_ALLOC_UNBOUND _IOWR(PVHV_IO_MAGIC, 0x60, struct pvhv_alloc_unbound)
#define PVHV_DOMAIN_GNT_OPEN	_IO(PVHV_IO_MAGIC, 0x61)	/* returns a grant fd */

/* ioctls on an evtchn fd */
#define PVHV_EVTCHN_BIND	_IOWR(PVHV_IO_MAGIC, 0x80, struct pvhv_evtchn_bind)
#define PVHV_EVTCHN_NOTIFY	_IOW(PVHV_IO_MAGIC, 0x81, struct pvhv_evtchn_port)
#define PVHV_EVTCHN_UNBIND	_IOW(PVHV_IO_MAGIC, 0x82, struct pvhv_evtchn_port)

/* ioctls on a grant fd (mmap() it at a PVHV_GNT_MAP index) */
#define PVHV_GNT_MAP		_IOWR(PVHV_IO_MAGIC, 0xa0, struct pvhv_gnt_map)
#define PVHV_GNT_UNMAP		_IOW(PVHV_IO_MAGIC, 0xa1, struct pvhv_gnt_unmap)
#define PVHV_GNT_COPY		_IOW(PVHV_IO_MAGIC, 0xa2, struct pvhv_gnt_copy)

#endif /* _UAPI_PVHV_H */
