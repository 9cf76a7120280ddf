// SPDX-License-Identifier: GPL-2.0-only
/*
 * Xen time in shared_info: the wallclock (wc_sec/wc_nsec at system time 0,
 * version protocol) and each vCPU's pvclock (struct vcpu_time_info:
 * tsc_timestamp, system_time, tsc_to_system_mul, tsc_shift; version odd
 * while it changes).
 *
 * The guest's system time is one linear function of the TSC for the whole
 * domain (like KVM's master clock): it starts at the host's CLOCK_MONOTONIC
 * when the domain is made and advances at tsc_khz. The guest TSC is the
 * host's (no offset), so every record of every vCPU, however old, gives the
 * same time for the same TSC: monotonic across vCPUs and refreshes. Records
 * are refreshed when a vCPU moves to another host CPU and at least once a
 * second (by jiffies, so the entry path reads no clock when nothing is due).
 * The function may drift from CLOCK_MONOTONIC by tsc_khz's error: guest
 * deadlines are turned into host ones through the offset measured when each
 * is set (pvhv_xen_to_host), which a drift of ppm cannot make early.
 *
 * Locking: the time base is immutable after creation; a vCPU's time record is
 * written only by its own thread, before entering the guest; the wallclock
 * (in the domain's shared_info layout, native or compat) under
 * pvhv_domain.lock.
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
#include "compat.h"


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

void pvhv_xen_time_init(struct pvhv_domain *d)
{
	unsigned long flags;

	pvhv_time_scale((u64)tsc_khz * 1000, NSEC_PER_SEC, &d->time_shift, &d->time_mul);
	local_irq_save(flags);
	d->time_base_tsc = rdtsc_ordered();
	d->time_base_ns = ktime_get_ns();
	local_irq_restore(flags);
}

/* The guest's system time at @tsc. */
static u64 pvhv_guest_ns(struct pvhv_domain *d, u64 tsc)
{
	u64 delta = tsc > d->time_base_tsc ? tsc - d->time_base_tsc : 0;

	delta = d->time_shift < 0 ? delta >> -d->time_shift : delta << d->time_shift;
	return d->time_base_ns + mul_u64_u32_shr(delta, d->time_mul, 32);
}

u64 pvhv_xen_now(struct pvhv_domain *d)
{
	return pvhv_guest_ns(d, rdtsc_ordered());
}

/* The host CLOCK_MONOTONIC time when the guest's clock reads @guest_ns. */
ktime_t pvhv_xen_to_host(struct pvhv_domain *d, u64 guest_ns)
{
	u64 host = ktime_get_ns(), now = pvhv_xen_now(d);

	if (guest_ns <= now)
		return ns_to_ktime(host);
	return ns_to_ktime(min_t(u64, host + (guest_ns - now), KTIME_MAX));
}

/* In the domain's layout: native, or compat with wc_sec_hi in the arch part. */
void pvhv_xen_update_wallclock(struct pvhv_domain *d)
{
	struct shared_info *si = page_address(d->shinfo);
	struct compat_shared_info *cs = page_address(d->shinfo);
	u64 boot = ktime_get_real_ns() - pvhv_xen_now(d);	/* wall time at system time 0 */
	u32 rem, *ver, *wsec, *nsec, *hi;
	u64 sec = div_u64_rem(boot, NSEC_PER_SEC, &rem);

	mutex_lock(&d->lock);
	if (READ_ONCE(d->shinfo_compat)) {
		ver = &cs->wc_version, wsec = &cs->wc_sec, nsec = &cs->wc_nsec;
		hi = &cs->wc_sec_hi;
	} else {
		ver = &si->wc.version, wsec = &si->wc.sec, nsec = &si->wc.nsec;
		hi = &si->wc_sec_hi;
	}
	/* Odd while it changes, whatever the guest (or a layout switch) left there. */
	WRITE_ONCE(*ver, (*ver + 1) | 1);
	smp_wmb();
	*wsec = (u32)sec;
	*hi = (u32)(sec >> 32);
	*nsec = rem;
	smp_wmb();
	WRITE_ONCE(*ver, *ver + 1);
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

	t->version++;	/* odd: being updated */
	smp_wmb();
	t->tsc_timestamp = rdtsc_ordered();
	t->system_time = pvhv_guest_ns(d, t->tsc_timestamp);
	t->tsc_to_system_mul = d->time_mul;
	t->tsc_shift = d->time_shift;
	/*
	 * Stable only while the host trusts its TSC across CPUs (as KVM's
	 * master clock): a host that found its CPUs' TSCs apart (a clocksource
	 * watchdog, or the boot-time sync check, as the 6.1 kernel does under
	 * QEMU's TCG here) tells the guest to keep its own monotonic clamp.
	 */
	t->flags = boot_cpu_has(X86_FEATURE_CONSTANT_TSC) && boot_cpu_has(X86_FEATURE_NONSTOP_TSC) &&
		   !check_tsc_unstable() ? PVCLOCK_TSC_STABLE_BIT : 0;
	smp_wmb();
	t->version++;
	if (area)
		pvhv_time_area_write(v, area, t);
	v->time_cpu = cpu;
	v->time_updated = now;
}
