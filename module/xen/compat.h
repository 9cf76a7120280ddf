/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Xen's compat layouts: shared_info, vcpu_info and vcpu_runstate_info as a
 * 32-bit guest sees them (public/xen.h, public/vcpu.h and
 * arch-x86/xen-x86_32.h under a 32-bit compiler: xen_ulong_t is 4 bytes and
 * uint64_t is 4-byte aligned). The kernel's headers have only the native
 * layouts. Which one a domain gets is latched from the guest's mode when it
 * sets HVM_PARAM_CALLBACK_IRQ or installs the hypercall page, as Xen's
 * hvm_latch_shinfo_size() does (pvhv_xen_latch_shinfo()).
 *
 * What differs from the native layout: the selector is 32 bits at offset 4
 * of vcpu_info (the time record stays at offset 32), the pending and mask
 * bitmaps are 32 words of 32 bits (1024 ports), and the wallclock follows
 * them, its wc_sec_hi at the end of the arch part. The pending bitmap
 * starts where the native one does, so a port's pending bit is at the same
 * place in both.
 */
#ifndef PVHV_XEN_COMPAT_H
#define PVHV_XEN_COMPAT_H

#include <linux/build_bug.h>
#include <linux/stddef.h>
#include <linux/types.h>
#include <xen/interface/xen.h>
#include <xen/interface/vcpu.h>

#define PVHV_COMPAT_EVTCHN_PORTS	(32 * 32)

struct compat_vcpu_info {
	u8 evtchn_upcall_pending;
	u8 evtchn_upcall_mask;
	u16 pad0;
	u32 evtchn_pending_sel;
	u32 cr2;			/* arch_vcpu_info */
	u32 arch_pad[5];
	struct pvclock_vcpu_time_info time;
};

struct compat_shared_info {
	struct compat_vcpu_info vcpu_info[MAX_VIRT_CPUS];
	u32 evtchn_pending[32];
	u32 evtchn_mask[32];
	u32 wc_version;
	u32 wc_sec;
	u32 wc_nsec;
	/* arch_shared_info */
	u32 max_pfn;
	u32 pfn_to_mfn_frame_list_list;
	u32 nmi_reason;
	u32 p2m_cr3;
	u32 p2m_vaddr;
	u32 p2m_generation;
	u32 wc_sec_hi;
};

struct compat_vcpu_runstate_info {
	s32 state;
	u64 state_entry_time;
	u64 time[4];
} __packed;

/* The offsets a 32-bit compiler gives the public headers' structs. */
static inline void pvhv_compat_layout_check(void)
{
	BUILD_BUG_ON(sizeof(struct compat_vcpu_info) != 64);
	BUILD_BUG_ON(offsetof(struct compat_vcpu_info, evtchn_pending_sel) != 4);
	BUILD_BUG_ON(offsetof(struct compat_vcpu_info, time) != offsetof(struct vcpu_info, time));
	BUILD_BUG_ON(offsetof(struct compat_shared_info, evtchn_pending) !=
		     offsetof(struct shared_info, evtchn_pending));
	BUILD_BUG_ON(offsetof(struct compat_shared_info, evtchn_mask) != 2176);
	BUILD_BUG_ON(offsetof(struct compat_shared_info, wc_version) != 2304);
	BUILD_BUG_ON(offsetof(struct compat_shared_info, wc_sec) != 2308);
	BUILD_BUG_ON(offsetof(struct compat_shared_info, wc_nsec) != 2312);
	BUILD_BUG_ON(offsetof(struct compat_shared_info, wc_sec_hi) != 2340);
	BUILD_BUG_ON(sizeof(struct compat_shared_info) != 2344);
	BUILD_BUG_ON(sizeof(struct compat_vcpu_runstate_info) != 44);
	BUILD_BUG_ON(offsetof(struct compat_vcpu_runstate_info, state_entry_time) != 4);
	BUILD_BUG_ON(offsetof(struct compat_vcpu_runstate_info, time) != 12);
}

#endif /* PVHV_XEN_COMPAT_H */
