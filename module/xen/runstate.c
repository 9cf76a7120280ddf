// SPDX-License-Identifier: GPL-2.0-only
/*
 * vCPU runstate (struct vcpu_runstate_info: the state and the time spent in
 * running / runnable / blocked / offline), the areas a guest registers to
 * see it (VCPUOP_register_runstate_memory_area, VCPUOP_get_runstate_info)
 * and a second copy of its pvclock (VCPUOP_register_vcpu_time_memory_area),
 * plus vm_assist, which on HVM/PVH only switches XEN_RUNSTATE_UPDATE on.
 *
 * "runnable" is what Linux calls steal time: the vCPU thread waited on a host
 * run queue (sched_info.run_delay, as KVM's steal time) while the guest
 * wanted to run. Areas are guest-virtual addresses, as on Xen; they are
 * written by the vCPU's own thread (its paging is the one to walk), with the
 * XEN_RUNSTATE_UPDATE protocol when the guest asked for it, in the layout of
 * the domain's shared_info (native, or compat: compat.h).
 *
 * Locking: the runstate and the written-area bookkeeping belong to the vCPU
 * thread; the registered addresses are published with WRITE_ONCE by any
 * vCPU of the domain and picked up by the owner before its next entry.
 */
#define pr_fmt(fmt) "pvhv: xen: " fmt

#include <linux/bitops.h>
#include <linux/errno.h>
#include <linux/sched.h>
#include <linux/seqlock.h>
#include <linux/timekeeping.h>
#include <xen/interface/xen.h>
#include <xen/interface/vcpu.h>

#include "../core.h"
#include "compat.h"

/* vm_assist types an HVM/PVH guest may enable (Xen's HVM_VM_ASSIST_MASK). */
#define PVHV_VM_ASSIST_MASK	BIT(VMASST_TYPE_runstate_update_flag)

static u64 pvhv_run_delay(void)
{
#ifdef CONFIG_SCHED_INFO
	return current->sched_info.run_delay;
#else
	return 0;	/* no run-queue accounting in this kernel: no steal time */
#endif
}

/* The record in a layout: native, or compat (packed, 44 bytes); its size. */
union pvhv_runstate_rec {
	struct vcpu_runstate_info native;
	struct compat_vcpu_runstate_info compat;
};

static size_t pvhv_runstate_rec(const struct vcpu_runstate_info *rs, bool compat,
				union pvhv_runstate_rec *out)
{
	if (!compat) {
		out->native = *rs;
		return sizeof(out->native);
	}
	out->compat.state = rs->state;
	out->compat.state_entry_time = rs->state_entry_time;
	memcpy(out->compat.time, rs->time, sizeof(out->compat.time));
	return sizeof(out->compat);
}

static void pvhv_runstate_write(struct pvhv_vcpu *v, u64 gva)
{
	bool compat = READ_ONCE(v->d->shinfo_compat);	/* the areas follow shared_info's */
	u64 entry = v->runstate.state_entry_time, flagged = entry | XEN_RUNSTATE_UPDATE;
	u64 off = compat ? offsetof(struct compat_vcpu_runstate_info, state_entry_time) :
			   offsetof(struct vcpu_runstate_info, state_entry_time);
	union pvhv_runstate_rec rec = {};	/* no stack bytes in the padding */
	size_t size = pvhv_runstate_rec(&v->runstate, compat, &rec);

	if (!test_bit(VMASST_TYPE_runstate_update_flag, &v->d->vm_assist)) {
		pvhv_copy_to_guest(v, gva, &rec, size);
		return;
	}
	/* The guest sees the flag before any other field changes, and after. */
	if (pvhv_copy_to_guest(v, gva + off, &flagged, sizeof(u64)))
		return;
	smp_wmb();
	memcpy((u8 *)&rec + off, &flagged, sizeof(u64));
	pvhv_copy_to_guest(v, gva, &rec, size);
	smp_wmb();
	pvhv_copy_to_guest(v, gva + off, &entry, sizeof(u64));
}

/* The vCPU's thread: account the time since the last change, then switch. */
void pvhv_xen_runstate(struct pvhv_vcpu *v, int state)
{
	struct vcpu_runstate_info *rs = &v->runstate;
	u64 now = pvhv_xen_now(v->d), delay = pvhv_run_delay(), spent, steal;
	u64 gva = READ_ONCE(v->runstate_gva);

	spent = now - rs->state_entry_time;
	steal = min(delay - v->runstate_delay, spent);
	write_seqcount_begin(&v->runstate_seq);
	if (rs->state == RUNSTATE_running) {
		/* Time on a host run queue was not spent running. */
		rs->time[RUNSTATE_running] += spent - steal;
		rs->time[RUNSTATE_runnable] += steal;
	} else {
		rs->time[rs->state] += spent;
	}
	rs->state = state;
	rs->state_entry_time = now;
	write_seqcount_end(&v->runstate_seq);
	v->runstate_delay = delay;
	v->runstate_written = gva;
	if (gva)
		pvhv_runstate_write(v, gva);
}

/* Before each entry: publish a new area, or steal time that accrued. */
void pvhv_xen_runstate_tick(struct pvhv_vcpu *v)
{
	u64 gva = READ_ONCE(v->runstate_gva);

	if (gva != v->runstate_written || (gva && pvhv_run_delay() != v->runstate_delay))
		pvhv_xen_runstate(v, RUNSTATE_running);
}

void pvhv_xen_runstate_init(struct pvhv_vcpu *v)
{
	seqcount_init(&v->runstate_seq);
	v->runstate.state = RUNSTATE_offline;
	v->runstate.state_entry_time = pvhv_xen_now(v->d);
	v->runstate_delay = pvhv_run_delay();
}

/* VCPUOP_register_runstate_memory_area / _vcpu_time_memory_area / get_runstate_info. */
long pvhv_xen_runstate_op(struct pvhv_vcpu *v, int cmd, struct pvhv_vcpu *t, u64 arg,
			  bool compat)
{
	struct vcpu_runstate_info rs;
	union pvhv_runstate_rec rec = {};
	u64 gva;

	switch (cmd) {
	case VCPUOP_register_runstate_memory_area:
		if (pvhv_copy_from_guest(v, &gva, arg, sizeof(gva)))
			return -EFAULT;
		WRITE_ONCE(t->runstate_gva, compat ? (u32)gva : gva);	/* a 32-bit handle */
		if (t == v)
			pvhv_xen_runstate(v, RUNSTATE_running);	/* as Xen: at once */
		else
			pvhv_vcpu_kick(t);
		return 0;
	case VCPUOP_register_vcpu_time_memory_area:
		if (pvhv_copy_from_guest(v, &gva, arg, sizeof(gva)))
			return -EFAULT;
		WRITE_ONCE(t->time_area_gva, compat ? (u32)gva : gva);
		WRITE_ONCE(t->time_cpu, -1);	/* written there on its next entry */
		if (t != v)
			pvhv_vcpu_kick(t);
		return 0;
	case VCPUOP_get_runstate_info: {
		unsigned int seq;

		if (t == v)
			pvhv_xen_runstate_tick(v);
		do {	/* any vCPU's, consistent against its thread's updates */
			seq = read_seqcount_begin(&t->runstate_seq);
			rs = t->runstate;
		} while (read_seqcount_retry(&t->runstate_seq, seq));
		/* As Xen: the time in the current state counts up to now. */
		rs.time[rs.state & 3] += pvhv_xen_now(v->d) - rs.state_entry_time;
		/* In the caller's layout, as Xen's compat translation. */
		return pvhv_copy_to_guest(v, arg, &rec, pvhv_runstate_rec(&rs, compat, &rec)) ?
		       -EFAULT : 0;
	}
	default:
		return -ENOSYS;
	}
}

long pvhv_xen_vm_assist(struct pvhv_vcpu *v, u64 cmd, u64 type)
{
	if (type >= BITS_PER_LONG || !(PVHV_VM_ASSIST_MASK & BIT(type)))
		return -EINVAL;
	switch (cmd) {
	case VMASST_CMD_enable:
		set_bit(type, &v->d->vm_assist);
		return 0;
	case VMASST_CMD_disable:
		clear_bit(type, &v->d->vm_assist);
		return 0;
	default:
		return -ENOSYS;
	}
}
