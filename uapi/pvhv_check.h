/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * Build-time layout checks of uapi/pvhv.h, compiled on both sides: by the
 * module (linux/build_bug.h's static_assert) and by libpvhv and the unit tests
 * (C11 <assert.h>). Not installed; the sizes here are the frozen ABI.
 */
#ifndef _PVHV_CHECK_H
#define _PVHV_CHECK_H

#include "pvhv.h"

#define PVHV_CHECK_SIZE(type, size) \
	static_assert(sizeof(struct type) == (size), #type " changed size: ABI break")
#define PVHV_CHECK_OFF(type, field, off) \
	static_assert(offsetof(struct type, field) == (off), #type "." #field " moved: ABI break")

PVHV_CHECK_SIZE(pvhv_create_domain, 120);
PVHV_CHECK_OFF(pvhv_create_domain, memory_bytes, 8);
PVHV_CHECK_OFF(pvhv_create_domain, name, 16);
PVHV_CHECK_OFF(pvhv_create_domain, domid, 80);
PVHV_CHECK_OFF(pvhv_create_domain, reserved, 88);
PVHV_CHECK_SIZE(pvhv_open_domain, 24);
PVHV_CHECK_SIZE(pvhv_domain_info, 128);
PVHV_CHECK_OFF(pvhv_domain_info, memory_bytes, 8);
PVHV_CHECK_OFF(pvhv_domain_info, name, 32);
PVHV_CHECK_OFF(pvhv_domain_info, current_bytes, 96);
PVHV_CHECK_OFF(pvhv_domain_info, reserved, 104);
PVHV_CHECK_SIZE(pvhv_list_domains, 32);
PVHV_CHECK_OFF(pvhv_list_domains, info_ptr, 8);
PVHV_CHECK_SIZE(pvhv_stats, 64);
PVHV_CHECK_SIZE(pvhv_start_pvh, 56);
PVHV_CHECK_SIZE(pvhv_memory_map_entry, 24);
PVHV_CHECK_OFF(pvhv_memory_map_entry, type, 16);
PVHV_CHECK_SIZE(pvhv_memory_map, 32);
PVHV_CHECK_OFF(pvhv_memory_map, entries_ptr, 8);
PVHV_CHECK_SIZE(pvhv_console_read, 56);
PVHV_CHECK_OFF(pvhv_console_read, lost, 32);
PVHV_CHECK_SIZE(pvhv_evtchn_bind, 32);
PVHV_CHECK_SIZE(pvhv_evtchn_port, 24);
PVHV_CHECK_SIZE(pvhv_hvm_param, 32);
PVHV_CHECK_SIZE(pvhv_domain_shutdown, 24);
PVHV_CHECK_SIZE(pvhv_alloc_unbound, 32);
PVHV_CHECK_SIZE(pvhv_gnt_map, 48);
PVHV_CHECK_OFF(pvhv_gnt_map, index, 16);
PVHV_CHECK_OFF(pvhv_gnt_map, failed, 24);
PVHV_CHECK_SIZE(pvhv_gnt_unmap, 32);
PVHV_CHECK_SIZE(pvhv_gnt_copy_seg, 24);
PVHV_CHECK_OFF(pvhv_gnt_copy_seg, status, 20);
PVHV_CHECK_SIZE(pvhv_gnt_copy, 32);

#endif /* _PVHV_CHECK_H */
