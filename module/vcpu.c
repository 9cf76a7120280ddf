// SPDX-License-Identifier: GPL-2.0-only
/*
 * pvhv vCPUs: each runs in a module-owned kernel thread, so a domain lives
 * without any userspace process. The thread enters the guest through the
 * vendor backend until the domain stops being runnable or the thread is
 * stopped (destroy, module unload).
 *
 * Locking: the thread owns the vCPU's registers and vendor state. The only
 * cross-thread accesses are pvhv_vcpu_kick() (an IPI that forces a guest
 * exit) and the wait queue; see core.h for the domain lock order.
 */
#define pr_fmt(fmt) "pvhv: vcpu: " fmt

#include <linux/kthread.h>
#include <linux/mm.h>
#include <linux/nospec.h>
#include <linux/sched.h>
#include <linux/sched/clock.h>
#include <linux/sched/signal.h>
#include <linux/sched/stat.h>
#include <linux/sched/task.h>
#include <linux/timekeeping.h>
#include <linux/slab.h>
#include <linux/smp.h>
#include <trace/events/ipi.h>	/* smp_send_reschedule() traces (6.5+) */

#include "core.h"
#include "x86/x86.h"

struct pvhv_vcpu *pvhv_vcpu_create(struct pvhv_domain *d, u32 id)
{
	struct pvhv_vcpu *v;
	int ret;

	v = kzalloc(sizeof(*v), GFP_KERNEL_ACCOUNT);
	if (!v)
		return ERR_PTR(-ENOMEM);
	v->d = d;
	v->id = id;
	v->last_cpu = -1;
	v->time_cpu = -1;	/* pvclock written on the first entry */
	init_waitqueue_head(&v->wq);
	pvhv_xen_timer_init(v);
	pvhv_xen_runstate_init(v);
	ret = pvhv_x86_vcpu_init(v);
	if (ret)
		goto err_free_v;
	ret = pvhv_vendor->vcpu_create(v);
	if (ret)
		goto err_free_x86;
	v->x86.cr4_allowed = pvhv_x86_cr4_allowed(v);
	atomic64_inc(&pvhv_counters.objects);
	return v;

err_free_x86:
	pvhv_x86_vcpu_free(v);
err_free_v:
	kfree(v);
	return ERR_PTR(ret);
}

void pvhv_vcpu_free(struct pvhv_vcpu *v)
{
	pvhv_xen_timer_stop(v);
	if (v->task)
		put_task_struct(v->task);
	if (v->vcpu_info_page)
		put_page(v->vcpu_info_page);
	pvhv_vendor->vcpu_free(v);
	pvhv_x86_vcpu_free(v);
	kfree(v);
	atomic64_dec(&pvhv_counters.objects);
}

static bool pvhv_vcpu_should_run(struct pvhv_vcpu *v)
{
	return READ_ONCE(v->d->runnable) && READ_ONCE(v->up) && !kthread_should_stop();
}

/*
 * Parked or not, for a pause waiting in pvhv_domain_pause(). The barrier
 * pairs with the pause's between clearing runnable and reading parked: a
 * pause that sees the thread unparked is seen by its next check of runnable.
 */
static void pvhv_vcpu_set_parked(struct pvhv_vcpu *v, bool parked)
{
	WRITE_ONCE(v->parked, parked);
	smp_mb();
	if (parked)
		wake_up(&v->d->pause_wq);
}

bool pvhv_vcpu_park(struct pvhv_vcpu *v)
{
	struct pvhv_domain *d = v->d;

	pvhv_vcpu_set_parked(v, true);
	wait_event_interruptible(v->wq, READ_ONCE(d->runnable) || !READ_ONCE(d->paused) ||
				 kthread_should_stop());
	pvhv_vcpu_set_parked(v, false);
	/*
	 * An unpause sets runnable before it clears paused (domain.c), so
	 * neither means the domain stopped; paused again: the caller re-checks.
	 */
	return !kthread_should_stop() && (READ_ONCE(d->runnable) || READ_ONCE(d->paused));
}

/*
 * The vCPU's loop. Every pass does a bounded amount of work: one guest entry
 * (the vendor enters only when nothing in the host waits for the CPU, see
 * pvhv_vcpu_enter_guest()) and the handling of one exit, where a long
 * hypercall stops after PVHV_HCALL_WORK_MAX units at most and is continued
 * on a later pass (core.h). Between passes the thread gives the CPU up to
 * whoever the scheduler prefers and stops when asked, so no loop the guest
 * controls (exit or interrupt storms, batches, timer re-arming) keeps it.
 */
static int pvhv_vcpu_thread(void *arg)
{
	struct pvhv_vcpu *v = arg;
	struct pvhv_x86_exit ex;
	int ret;

	while (!kthread_should_stop()) {
		if (!pvhv_vcpu_should_run(v)) {
			/*
			 * Down, paused, shut down or crashed: wait (parked) to
			 * be brought up, unpaused or stopped.
			 */
			if (v->runstate.state != RUNSTATE_offline)
				pvhv_xen_runstate(v, RUNSTATE_offline);
			pvhv_vcpu_set_parked(v, true);
			wait_event_interruptible(v->wq, pvhv_vcpu_should_run(v) ||
						 kthread_should_stop());
			pvhv_vcpu_set_parked(v, false);
			continue;
		}
		if (v->runstate.state != RUNSTATE_running)
			pvhv_xen_runstate(v, RUNSTATE_running);
		else
			pvhv_xen_runstate_tick(v);
		/* An exit: the vendor decodes it, the x86 layer (and xen/) handle it. */
		ret = pvhv_vendor->vcpu_run(v, &ex);
		if (ret)
			pvhv_domain_crash(v->d, "vCPU %u: entry failed (%d)", v->id, ret);
		else
			pvhv_x86_handle_exit(v, &ex);
		/*
		 * A kernel thread takes no signal; one pending anyway would make
		 * every entry and interruptible wait return at once.
		 */
		if (unlikely(signal_pending(current)))
			flush_signals(current);
		cond_resched();
	}
	pvhv_vcpu_set_parked(v, true);	/* for good */
	return 0;
}

int pvhv_vcpu_start(struct pvhv_vcpu *v)
{
	struct task_struct *t;

	t = kthread_create(pvhv_vcpu_thread, v, "pvhv-%u.%u", v->d->domid, v->id);
	if (IS_ERR(t))
		return PTR_ERR(t);
	get_task_struct(t);
	v->task = t;
	wake_up_process(t);
	return 0;
}

/*
 * The halt-polling window adapts as KVM's (virt/kvm/kvm_main.c,
 * Documentation/virt/kvm/halt-polling.rst): it starts at 0, grows (10 us,
 * then doubling up to halt_poll_ns) after a halt that ended within
 * halt_poll_ns, and drops to 0 after a longer one; so an idle vCPU does
 * not spin, and one that talks to another in short round trips does.
 */
#define PVHV_HALT_POLL_START_NS	10000

static void pvhv_vcpu_halt_adapt(struct pvhv_vcpu *v, u64 halted_ns, u32 max)
{
	if (!max)
		v->halt_poll_ns = 0;
	else if (halted_ns <= v->halt_poll_ns)
		;	/* the poll caught it */
	else if (halted_ns > max)
		v->halt_poll_ns = 0;
	else if (v->halt_poll_ns < max)
		v->halt_poll_ns = min_t(u64, max, max_t(u64, PVHV_HALT_POLL_START_NS,
							  2ULL * v->halt_poll_ns));
}

void pvhv_vcpu_halt(struct pvhv_vcpu *v)
{
	u32 max = READ_ONCE(pvhv_halt_poll_ns);
	u64 poll = min(v->halt_poll_ns, max), start;

	/* Until an event or an interrupt is pending for this vCPU, or the domain stops. */
	if (pvhv_x86_irq_wakeup(v))
		return;
	/*
	 * Halt polling: an event that comes within the window is seen without
	 * a trip through the scheduler, which is most of an event round
	 * trip's cost. Another task runnable here, or wanting the CPU, ends
	 * the spin (as KVM's kvm_vcpu_can_poll()). Timed by local_clock(),
	 * the TSC-based scheduler clock: cheap where the clocksource is not
	 * (an HPET read, as the 6.1 kernel uses under QEMU here, is an
	 * emulated MMIO access every spin, serialized in the emulator).
	 */
	start = local_clock();
	if (poll && pvhv_vcpu_should_run(v)) {
		do {
			cpu_relax();
			if (pvhv_x86_irq_wakeup(v)) {
				pvhv_vcpu_halt_adapt(v, local_clock() - start, max);
				return;
			}
		} while (pvhv_vcpu_should_run(v) && single_task_running() && !need_resched() &&
			 local_clock() - start < poll);
	}
	pvhv_xen_runstate(v, RUNSTATE_blocked);
	for (;;) {
		wait_event_interruptible(v->wq, !pvhv_vcpu_should_run(v) ||
					 pvhv_x86_irq_wakeup(v));
		/*
		 * A pause is no wake-up: paused while halted, the vCPU parks
		 * here and halts on once unpaused (until an event, as on Xen).
		 */
		if (pvhv_x86_irq_wakeup(v) || READ_ONCE(v->d->runnable) || !READ_ONCE(v->up) ||
		    !pvhv_vcpu_park(v))
			break;
	}
	pvhv_xen_runstate(v, RUNSTATE_running);
	pvhv_vcpu_halt_adapt(v, local_clock() - start, max);
}

/*
 * The vendor's run, with interrupts off, before it reads anything a kick
 * announces (pending events, nested mapping changes): from here a kick sees
 * PVHV_IN_GUEST and sends its IPI, which stays pending while interrupts are
 * off and makes the guest exit at once (the host-interrupt intercept). A
 * kick before this is seen by those reads. The same protocol as KVM's
 * vcpu->mode (Documentation/virt/kvm/vcpu-requests.rst).
 *
 * False: no entry now. The host wants the CPU (need_resched()), a signal is
 * pending, the thread must stop or the vCPU must not run (paused, down,
 * shut down): the vendor returns without entering and the thread's loop
 * sees to it. As KVM's vcpu_enter_guest() checks kvm_vcpu_exit_request()
 * with interrupts off: what is asked after this check comes with an
 * interrupt (the scheduler's reschedule IPI, a kick) that makes the guest
 * exit at once; what was asked before, even by an interrupt taken between
 * the loop's cond_resched() and here, is seen here rather than after the
 * guest's next exit.
 */
bool pvhv_vcpu_enter_guest(struct pvhv_vcpu *v, int cpu)
{
	WRITE_ONCE(v->guest_cpu, cpu);
	smp_wmb();	/* guest_cpu before mode, for a kick that sees IN_GUEST */
	smp_store_mb(v->mode, PVHV_IN_GUEST);	/* before the reads below and the caller's */
	if (likely(!need_resched() && !signal_pending(current) && pvhv_vcpu_should_run(v)))
		return true;
	WRITE_ONCE(v->mode, PVHV_OUTSIDE_GUEST);
	return false;
}

/* The vendor's run, after the exit, interrupts still off. */
void pvhv_vcpu_exit_guest(struct pvhv_vcpu *v)
{
	WRITE_ONCE(v->mode, PVHV_OUTSIDE_GUEST);
}

/*
 * Any context (the timers call it from hardirq). A halted vCPU is woken; one
 * in the guest gets one IPI per entry; one in between needs neither (it
 * reads what the kicker wrote before it enters).
 */
void pvhv_vcpu_kick(struct pvhv_vcpu *v)
{
	int cpu;

	wake_up_interruptible(&v->wq);
	if (cmpxchg(&v->mode, PVHV_IN_GUEST, PVHV_EXITING) != PVHV_IN_GUEST)
		return;
	cpu = READ_ONCE(v->guest_cpu);
	/*
	 * Any interrupt makes the guest exit; a reschedule IPI (as KVM's
	 * kick) carries no state, so two kicks never meet on one request.
	 */
	if (cpu != raw_smp_processor_id())
		smp_send_reschedule(cpu);
}

void pvhv_vcpu_stop(struct pvhv_vcpu *v)
{
	if (!v->task)
		return;
	pvhv_vcpu_kick(v);
	kthread_stop(v->task);
	pvhv_xen_timer_stop(v);
}

/* The vCPU, created (not started) if needed. Domain lock held. */
static struct pvhv_vcpu *pvhv_vcpu_get_locked(struct pvhv_domain *d, u32 id, bool create)
{
	struct pvhv_vcpu *v;

	id = array_index_nospec(id, d->max_vcpus);	/* a guest's number, bounds-checked */
	v = d->vcpus[id];

	if (v || !create)
		return v;
	v = pvhv_vcpu_create(d, id);
	if (IS_ERR(v))
		return v;
	/* Published for lock-free readers (event channels) once complete. */
	smp_store_release(&d->vcpus[id], v);
	return v;
}

struct pvhv_vcpu *pvhv_vcpu_get(struct pvhv_domain *d, u32 id, bool create)
{
	struct pvhv_vcpu *v;

	if (id >= d->max_vcpus)
		return ERR_PTR(-ENOENT);
	mutex_lock(&d->lock);
	v = pvhv_vcpu_get_locked(d, id, create);
	mutex_unlock(&d->lock);
	return v ? v : ERR_PTR(-ENOENT);
}

long pvhv_vcpu_initialise(struct pvhv_domain *d, u32 id, struct pvhv_x86_state *st,
			  const u64 regs[8])
{
	struct pvhv_vcpu *v;
	long ret;

	if (id >= d->max_vcpus)
		return -ENOENT;
	mutex_lock(&d->lock);
	v = pvhv_vcpu_get_locked(d, id, true);
	if (IS_ERR(v)) {
		ret = PTR_ERR(v);
	} else if (v->task) {
		ret = -EEXIST;	/* as Xen: an initialised vCPU is not re-initialised */
	} else {
		ret = pvhv_x86_set_state(v, st, regs);
		if (!ret)
			ret = pvhv_vcpu_start(v);	/* the thread waits until VCPUOP_up */
	}
	mutex_unlock(&d->lock);
	return ret;
}

long pvhv_vcpu_up(struct pvhv_domain *d, u32 id)
{
	struct pvhv_vcpu *v;
	long ret = 0;

	if (id >= d->max_vcpus)
		return -ENOENT;
	id = array_index_nospec(id, d->max_vcpus);
	mutex_lock(&d->lock);
	v = d->vcpus[id];
	if (!v || !v->task) {
		ret = -EINVAL;	/* never initialised */
	} else if (!v->up) {
		WRITE_ONCE(v->up, true);
		WRITE_ONCE(d->online_vcpus, d->online_vcpus + 1);
		wake_up_interruptible(&v->wq);
	}
	mutex_unlock(&d->lock);
	return ret;
}

long pvhv_vcpu_down(struct pvhv_domain *d, u32 id)
{
	struct pvhv_vcpu *v;

	if (id >= d->max_vcpus)
		return -ENOENT;
	id = array_index_nospec(id, d->max_vcpus);
	mutex_lock(&d->lock);
	v = d->vcpus[id];
	if (v && v->up) {
		WRITE_ONCE(v->up, false);
		WRITE_ONCE(d->online_vcpus, d->online_vcpus - 1);
		pvhv_vcpu_kick(v);
	}
	mutex_unlock(&d->lock);
	return 0;
}

long pvhv_vcpu_is_up(struct pvhv_domain *d, u32 id)
{
	struct pvhv_vcpu *v;

	if (id >= d->max_vcpus)
		return -ENOENT;
	v = smp_load_acquire(&d->vcpus[array_index_nospec(id, d->max_vcpus)]);
	return v && READ_ONCE(v->up);
}
