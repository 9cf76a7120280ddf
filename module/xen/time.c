// SPDX-License-Identifier: GPL-2.0-only
/*
 * Xen time in shared_info: the wallclock (wc_sec/wc_nsec at system time 0,
 * version protocol) and each vCPU's pvclock (struct vcpu_time_info:
 * tsc_timestamp, system_time, tsc_to_system_mul, tsc_shift; version odd
 * while it changes). System time is the host's CLOCK_MONOTONIC in ns; the
 * guest TSC is the host's (no offset), so one scale serves every vCPU and
 * host CPU, and a vCPU's record is refreshed when it moves to another host
 * CPU and at least once a second (by jiffies, so the entry path reads no
 * clock when nothing is due).
 *
 * Locking: a vCPU's time record is written only by its own thread, before
 * entering the guest; the wallclock under pvhv_domain.lock.
 */
#define pr_fmt(fmt) "pvhv: xen: " fmt

#include <linux/jiffies.h>
#include <linux/math64.h>
#include <linux/mm.h>
#include <linux/timekeeping.h>
#include <asm/cpufeature.h>
#include <asm/msr.h>
#include <asm/tsc.h>
#include <xen/interface/xen.h>

#include "../core.h"


/* mul and shift with ns = ((tsc << shift) * mul) >> 32 (shift may be < 0). */
static void pvhv_time_scale(u64 base_hz, u64 scaled_hz, s8 *shift, u32 *mul)
{
	u64 tps64 = base_hz, scaled64 = scaled_hz;
	u32 tps32;
	s8 s = 0;

	while (tps64 > scaled64 * 2 || (tps64 >> 32)) {
		tps64 >>= 1;
		s--;
	}
	tps32 = (u32)tps64;
	while (tps32 <= scaled64 || (scaled64 >> 32)) {
		if ((scaled64 >> 32) || (tps32 & BIT(31)))
			scaled64 >>= 1;
		else
			tps32 <<= 1;
		s++;
	}
	*shift = s;
	*mul = div_u64(scaled64 << 32, tps32);
}

void pvhv_xen_update_wallclock(struct pvhv_domain *d)
{
	struct shared_info *si = page_address(d->shinfo);
	u64 boot = ktime_get_real_ns() - ktime_get_ns();	/* wall time at system time 0 */
	u32 rem;
	u64 sec = div_u64_rem(boot, NSEC_PER_SEC, &rem);

	mutex_lock(&d->lock);
	si->wc.version++;
	smp_wmb();
	si->wc.sec = (u32)sec;
	si->wc_sec_hi = (u32)(sec >> 32);
	si->wc.nsec = rem;
	smp_wmb();
	si->wc.version++;
	mutex_unlock(&d->lock);
}

/*
 * The copy in the guest's VCPUOP_register_vcpu_time_memory_area (a guest-
 * virtual address, walked with this vCPU's paging): version odd first, then
 * the record, then the even version. Errors are the guest's to live with.
 */
static void pvhv_time_area_write(struct pvhv_vcpu *v, u64 gva,
				 const struct pvclock_vcpu_time_info *t)
{
	struct pvclock_vcpu_time_info rec = *t;
	u32 odd = t->version - 1;

	if (pvhv_copy_to_guest(v, gva, &odd, sizeof(odd)))
		return;
	smp_wmb();
	rec.version = odd;
	pvhv_copy_to_guest(v, gva, &rec, sizeof(rec));
	smp_wmb();
	pvhv_copy_to_guest(v, gva, &t->version, sizeof(t->version));
}

void pvhv_xen_update_time(struct pvhv_vcpu *v, int cpu)
{
	struct pvhv_domain *d = v->d;
	struct pvclock_vcpu_time_info *t;
	u64 now, area = READ_ONCE(v->time_area_gva);
	unsigned long flags;

	struct vcpu_info *vi = pvhv_xen_vcpu_info(v);

	if (!READ_ONCE(v->vcpu_info) && READ_ONCE(d->shinfo_gfn) == PVHV_GFN_NONE)
		vi = NULL;	/* shared_info not placed yet: nobody sees it */
	if (!vi && !area)
		return;
	/* Cheap on the entry path: no clock read unless a refresh is due. */
	now = jiffies;
	if (cpu == v->time_cpu && time_before((unsigned long)now, (unsigned long)v->time_updated + HZ))
		return;
	t = vi ? &vi->time : &v->time_rec;
	if (!v->time_mul)
		pvhv_time_scale((u64)tsc_khz * 1000, NSEC_PER_SEC, &v->time_shift, &v->time_mul);

	t->version++;	/* odd: being updated */
	smp_wmb();
	local_irq_save(flags);
	t->tsc_timestamp = rdtsc_ordered();
	t->system_time = ktime_get_ns();
	local_irq_restore(flags);
	t->tsc_to_system_mul = v->time_mul;
	t->tsc_shift = v->time_shift;
	t->flags = boot_cpu_has(X86_FEATURE_CONSTANT_TSC) &&
		   boot_cpu_has(X86_FEATURE_NONSTOP_TSC) ? PVCLOCK_TSC_STABLE_BIT : 0;
	smp_wmb();
	t->version++;
	if (area)
		pvhv_time_area_write(v, area, t);
	v->time_cpu = cpu;
	v->time_updated = now;
}
