// SPDX-License-Identifier: GPL-2.0-only
/*
 * Xen hypercalls: decoding (64-bit and 32-bit compat register conventions),
 * dispatch, and the handlers of the first ABI subset: console_io,
 * xen_version and sched_op(shutdown/yield). Numbers, structs and errno
 * values follow Xen's public headers (the kernel's include/xen/interface).
 *
 * This file knows nothing of SVM or VMX: it sees a vCPU's registers, its
 * paging mode (via the vendor table) and the copy-from/to-guest helpers.
 * Every argument is untrusted.
 *
 * Continuations (core.h): a long hypercall (a batch, a console write, a
 * poll that woke for nothing) stops where it can resume and has the guest
 * execute it again with its arguments rewritten to say where, as Xen's
 * hypercall_create_continuation() (xen/arch/x86/hypercall.c) does; the vCPU
 * thread gets back to its loop in between, where it gives the CPU up if the
 * host wants it and stops if it must. Xen preempts on
 * hypercall_preempt_check(); so do we, and after PVHV_HCALL_WORK_MAX units
 * of work whatever the host wants, which bounds the time between two looks.
 *
 * Locking: runs on the vCPU's own thread; takes only the locks of the
 * helpers it calls (console, domain state).
 */
#define pr_fmt(fmt) "pvhv: xen: " fmt

#include <linux/errno.h>
#include <linux/kthread.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <xen/interface/xen.h>
#include <xen/interface/features.h>
#include <xen/interface/sched.h>
#include <xen/interface/version.h>

#include "../core.h"

#define PVHV_XEN_MAJOR		4
#define PVHV_XEN_MINOR		17
#define PVHV_XEN_EXTRA		".0-pvhv"
/* Largest console_io write accepted in one call (Xen has no such limit but
 * consumes the buffer in preemptible chunks; we bound the work instead). */
#define PVHV_CONSOLE_IO_MAX	(64 * 1024)
#define PVHV_CONSOLE_CHUNK	256

struct pvhv_hcall {
	u64 arg[5];
	bool compat;		/* 32-bit caller: compat ABI */
};

/* Where the arguments are (64-bit: RDI, RSI, RDX, R10, R8; 32-bit: EBX, ECX, EDX, ESI, EDI). */
static const int pvhv_hcall_args64[5] = { PVHV_RDI, PVHV_RSI, PVHV_RDX, PVHV_R10, PVHV_R8 };
static const int pvhv_hcall_args32[5] = { PVHV_RBX, PVHV_RCX, PVHV_RDX, PVHV_RSI, PVHV_RDI };

bool pvhv_hcall_preempt_check(struct pvhv_vcpu *v)
{
	return need_resched() || signal_pending(current) || kthread_should_stop() ||
	       !READ_ONCE(v->d->runnable) || !READ_ONCE(v->up) ||
	       v->hcall.work >= PVHV_HCALL_WORK_MAX;
}

/*
 * Straight into the guest's register, only ever before a continuation. A
 * compat caller's are 32 bits: the upper halves of its registers stay as
 * they were (Xen writes EBX... of its cpu_user_regs, not RBX...).
 */
void pvhv_hcall_set_arg(struct pvhv_vcpu *v, unsigned int n, u64 val)
{
	int r;

	if (WARN_ON_ONCE(n >= ARRAY_SIZE(pvhv_hcall_args64)))
		return;
	if (v->hcall.compat) {
		r = pvhv_hcall_args32[n];
		v->regs[r] = (v->regs[r] & ~0xffffffffULL) | (u32)val;
	} else {
		v->regs[pvhv_hcall_args64[n]] = val;
	}
}

long pvhv_hcall_continue(struct pvhv_vcpu *v)
{
	v->hcall.preempted = true;
	return 0;	/* not seen: RAX keeps the hypercall's number */
}

/*
 * As Xen's guest_console_write(): the rest of a long write is continued
 * (count and buffer advanced) when the host wants the CPU.
 */
static long pvhv_console_io(struct pvhv_vcpu *v, const struct pvhv_hcall *h)
{
	u64 cmd = h->arg[0], count = (u32)h->arg[1], ptr = h->arg[2];
	char buf[PVHV_CONSOLE_CHUNK];
	bool first = true;

	if ((int)cmd != CONSOLEIO_write)
		return -ENOSYS;	/* CONSOLEIO_read is for the hardware domain only */
	if (count > PVHV_CONSOLE_IO_MAX)
		return -EINVAL;
	while (count) {
		size_t n = min_t(size_t, count, sizeof(buf));

		if (!first && pvhv_hcall_preempt_check(v)) {
			pvhv_hcall_set_arg(v, 1, count);
			pvhv_hcall_set_arg(v, 2, ptr);
			return pvhv_hcall_continue(v);
		}
		first = false;
		if (pvhv_copy_from_guest(v, buf, ptr, n))
			return -EFAULT;
		pvhv_console_write(v->d, buf, n);
		pvhv_hcall_work(v, 1);
		ptr += n;
		count -= n;
	}
	return 0;
}

/* Copy a NUL-padded string of a fixed-size Xen type to the guest. */
static long pvhv_put_string(struct pvhv_vcpu *v, u64 ptr, const char *s, size_t size)
{
	char *buf = kzalloc(size, GFP_KERNEL);
	long ret;

	if (!buf)
		return -ENOMEM;
	strscpy(buf, s, size);
	ret = pvhv_copy_to_guest(v, ptr, buf, size) ? -EFAULT : 0;
	kfree(buf);
	return ret;
}

static long pvhv_xen_version(struct pvhv_vcpu *v, const struct pvhv_hcall *h)
{
	u64 ptr = h->arg[1];

	switch ((int)h->arg[0]) {
	case XENVER_version:
		return (PVHV_XEN_MAJOR << 16) | PVHV_XEN_MINOR;
	case XENVER_extraversion:
		return pvhv_put_string(v, ptr, PVHV_XEN_EXTRA, sizeof(struct xen_extraversion));
	case XENVER_compile_info: {
		struct xen_compile_info ci = {};

		strscpy(ci.compiler, "pvhv.ko", sizeof(ci.compiler));
		strscpy(ci.compile_by, "pvhv", sizeof(ci.compile_by));
		strscpy(ci.compile_domain, "linux", sizeof(ci.compile_domain));
		strscpy(ci.compile_date, "pvhv API 1", sizeof(ci.compile_date));
		return pvhv_copy_to_guest(v, ptr, &ci, sizeof(ci)) ? -EFAULT : 0;
	}
	case XENVER_capabilities:
		return pvhv_put_string(v, ptr, "hvm-3.0-x86_64 hvm-3.0-x86_32 hvm-3.0-x86_32p",
				       sizeof(struct xen_capabilities_info));
	case XENVER_changeset:
		return pvhv_put_string(v, ptr, "pvhv", sizeof(struct xen_changeset_info));
	case XENVER_platform_parameters: {
		/* virt_start: no hypervisor hole in a PVH guest's address space. */
		u64 virt_start = 0;

		return pvhv_copy_to_guest(v, ptr, &virt_start, h->compat ? 4 : 8) ? -EFAULT : 0;
	}
	case XENVER_get_features: {
		struct xen_feature_info fi;

		if (pvhv_copy_from_guest(v, &fi, ptr, sizeof(fi)))
			return -EFAULT;
		/*
		 * What Xen's do_xen_version() (common/kernel.c) gives an HVM/PVH
		 * domU that pvhv implements too: a translated (NPT/EPT) guest
		 * whose TSC-based pvclock is safe to use, with the vector
		 * callback, not direct-mapped; no PIRQs. Only submap 0 exists.
		 */
		if (fi.submap_idx != 0)
			return -EINVAL;
		fi.submap = BIT(XENFEAT_writable_page_tables) |
			    BIT(XENFEAT_auto_translated_physmap) |
			    BIT(XENFEAT_hvm_safe_pvclock) |
			    BIT(XENFEAT_hvm_callback_vector) |
			    BIT(XENFEAT_not_direct_mapped);
		return pvhv_copy_to_guest(v, ptr, &fi, sizeof(fi)) ? -EFAULT : 0;
	}
	case XENVER_pagesize:
		return PAGE_SIZE;
	case XENVER_guest_handle: {
		u8 handle[16] = {};

		return pvhv_copy_to_guest(v, ptr, handle, sizeof(handle)) ? -EFAULT : 0;
	}
	case XENVER_commandline:
		return -EPERM;	/* the hypervisor's command line: hardware domain only */
	default:
		return -ENOSYS;
	}
}

static long pvhv_sched_op(struct pvhv_vcpu *v, const struct pvhv_hcall *h)
{
	struct sched_shutdown ss;

	switch ((int)h->arg[0]) {
	case SCHEDOP_yield:
		cond_resched();
		return 0;
	case SCHEDOP_block:
		/* Returns at once if an event is pending, else sleeps until one is. */
		pvhv_vcpu_halt(v);
		return 0;
	case SCHEDOP_poll:
		return pvhv_xen_poll(v, h->arg[1], h->compat);
	case SCHEDOP_remote_shutdown: {
		struct sched_remote_shutdown rs;

		/* Only a privileged domain may; guests get -ESRCH or -EPERM as on Xen. */
		if (pvhv_copy_from_guest(v, &rs, h->arg[1], sizeof(rs)))
			return -EFAULT;
		return pvhv_domid_exists(rs.domain_id) ? -EPERM : -ESRCH;
	}
	case SCHEDOP_shutdown:
		if (pvhv_copy_from_guest(v, &ss, h->arg[1], sizeof(ss)))
			return -EFAULT;
		if (ss.reason > SHUTDOWN_MAX)
			return -EINVAL;
		pvhv_domain_shutdown(v->d, ss.reason == SHUTDOWN_crash ?
				     PVHV_STATE_CRASHED : PVHV_STATE_SHUTDOWN, ss.reason);
		return 0;
	default:
		return -ENOSYS;
	}
}

bool pvhv_xen_hypercall(struct pvhv_vcpu *v)
{
	struct pvhv_paging pg;
	struct pvhv_hcall h;
	u64 nr;
	long ret;
	int i;

	pvhv_x86_get_mode(v, &pg);
	h.compat = !pg.mode64;
	nr = h.compat ? (u32)v->regs[PVHV_RAX] : v->regs[PVHV_RAX];
	for (i = 0; i < 5; i++)
		h.arg[i] = h.compat ? (u32)v->regs[pvhv_hcall_args32[i]] :
				      v->regs[pvhv_hcall_args64[i]];
	v->hcall.compat = h.compat;
	v->hcall.work = 0;
	v->hcall.preempted = false;

	if (pg.cpl) {
		ret = -EPERM;	/* as Xen: hypercalls only from guest kernel mode */
		goto out;
	}
	switch (nr) {
	case __HYPERVISOR_console_io:
		ret = pvhv_console_io(v, &h);
		break;
	case __HYPERVISOR_xen_version:
		ret = pvhv_xen_version(v, &h);
		break;
	case __HYPERVISOR_sched_op:
		ret = pvhv_sched_op(v, &h);
		break;
	case __HYPERVISOR_memory_op:
		ret = pvhv_xen_memory_op(v, h.arg[0], h.arg[1], h.compat);
		break;
	case __HYPERVISOR_event_channel_op:
		ret = pvhv_xen_evtchn_op(v, (u32)h.arg[0], h.arg[1]);
		break;
	case __HYPERVISOR_hvm_op:
		ret = pvhv_xen_hvm_op(v, (u32)h.arg[0], h.arg[1], h.compat);
		break;
	case __HYPERVISOR_vcpu_op:
		ret = pvhv_xen_vcpu_op(v, (u32)h.arg[0], (u32)h.arg[1], h.arg[2], h.compat);
		break;
	case __HYPERVISOR_grant_table_op:
		ret = pvhv_xen_grant_table_op(v, (u32)h.arg[0], h.arg[1], (u32)h.arg[2], h.compat);
		break;
	case __HYPERVISOR_vm_assist:
		ret = pvhv_xen_vm_assist(v, (u32)h.arg[0], (u32)h.arg[1]);
		break;
	case __HYPERVISOR_set_timer_op:
		/* 32-bit callers pass the 64-bit deadline in EBX (low), ECX (high). */
		ret = pvhv_xen_set_timer(v, h.compat ? h.arg[0] | (h.arg[1] << 32) : h.arg[0]);
		break;
	default:
		ret = -ENOSYS;
	}
	if (v->hcall.preempted)
		return false;	/* its arguments are in place (pvhv_hcall_set_arg()) */
out:
	v->regs[PVHV_RAX] = h.compat ? (u32)ret : (u64)ret;
	return true;
}
