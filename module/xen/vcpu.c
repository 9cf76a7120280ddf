// SPDX-License-Identifier: GPL-2.0-only
/*
 * vcpu_op: bringing secondary vCPUs up (VCPUOP_initialise with a PVH/HVM
 * context, up, down, is_up), the per-vCPU timers, vcpu_info placement and
 * the runstate / time areas (runstate.c). Semantics and
 * errno values as Xen's common/domain.c do_vcpu_op.
 *
 * Locking: the vCPU lifecycle calls take pvhv_domain.lock (vcpu.c).
 */
#define pr_fmt(fmt) "pvhv: xen: " fmt

#include <linux/errno.h>
#include <linux/hrtimer.h>
#include <linux/timekeeping.h>
#include <xen/interface/xen.h>
#include <xen/interface/vcpu.h>
#include <xen/interface/hvm/hvm_vcpu.h>

#include "../core.h"

long pvhv_xen_vcpu_op(struct pvhv_vcpu *v, u64 cmd, u64 vcpuid, u64 arg, bool compat)
{
	struct pvhv_domain *d = v->d;
	struct vcpu_set_singleshot_timer st;
	struct vcpu_register_vcpu_info ri;
	struct vcpu_hvm_context ctx;
	struct pvhv_vcpu *t;

	if (vcpuid >= d->max_vcpus)
		return -ENOENT;
	switch (cmd) {
	case VCPUOP_initialise:
		if (pvhv_copy_from_guest(v, &ctx, arg, sizeof(ctx)))
			return -EFAULT;
		return pvhv_vcpu_initialise(d, vcpuid, &ctx);
	case VCPUOP_up:
		return pvhv_vcpu_up(d, vcpuid);
	case VCPUOP_down:
		return pvhv_vcpu_down(d, vcpuid);
	case VCPUOP_is_up:
		return pvhv_vcpu_is_up(d, vcpuid);
	case VCPUOP_set_singleshot_timer:
		if (vcpuid != v->id)
			return -EINVAL;
		if (pvhv_copy_from_guest(v, &st, arg, sizeof(st)))
			return -EFAULT;
		if ((st.flags & VCPU_SSHOTTMR_future) && st.timeout_abs_ns < pvhv_xen_now(d))
			return -ETIME;
		return pvhv_xen_set_timer(v, st.timeout_abs_ns);
	case VCPUOP_stop_singleshot_timer:
		if (vcpuid != v->id)
			return -EINVAL;
		return pvhv_xen_set_timer(v, 0);
	case VCPUOP_set_periodic_timer: {
		struct vcpu_set_periodic_timer pt;

		if (vcpuid != v->id)
			return -EINVAL;
		if (pvhv_copy_from_guest(v, &pt, arg, sizeof(pt)))
			return -EFAULT;
		return pt.period_ns ? pvhv_xen_set_periodic(v, pt.period_ns) : -EINVAL;
	}
	case VCPUOP_stop_periodic_timer:
		if (vcpuid != v->id)
			return -EINVAL;
		return pvhv_xen_set_periodic(v, 0);
	case VCPUOP_register_vcpu_info:
		if (pvhv_copy_from_guest(v, &ri, arg, sizeof(ri)))
			return -EFAULT;
		t = pvhv_vcpu_get(d, vcpuid, true);
		if (IS_ERR(t))
			return PTR_ERR(t);
		return pvhv_xen_register_vcpu_info(t, ri.mfn, ri.offset);
	case VCPUOP_register_runstate_memory_area:
	case VCPUOP_register_vcpu_time_memory_area:
	case VCPUOP_get_runstate_info:
		t = pvhv_vcpu_get(d, vcpuid, true);
		if (IS_ERR(t))
			return PTR_ERR(t);
		return pvhv_xen_runstate_op(v, cmd, t, arg, compat);
	default:
		return -ENOSYS;
	}
}
