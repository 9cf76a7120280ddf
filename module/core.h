/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * pvhv core: module-wide state shared by main.c and domain.c.
 *
 * Lock order (outermost first):
 *   pvhv_domains_lock (mutex, domain.c)  ->  pvhv_domain.lock (mutex)
 *   pvhv_domain.pause_lock (mutex, PVHV_DOMAIN_PAUSE/UNPAUSE only)
 *       ->  pvhv_domain.lock; never nested with pvhv_domains_lock
 *       ->  pvhv_domain.con_lock (spinlock, console.c)
 *       ->  pvhv_domain.evtchn_lock (VCPUOP_register_vcpu_info only)
 *   pvhv_domain.evtchn_lock (spinlock, irqsave; xen/evtchn.c) takes nothing
 *   but the vCPU wait queues and pvhv_host_evtchn.lock (host_evtchn.c); two
 *   of them (an interdomain channel) are taken lower domid first.
 * A vCPU thread takes pvhv_domain.lock to change the domain's state or its
 * physmap (xen/memory.c), or to write the wallclock (xen/time.c: also when
 * it latches the shared_info layout);
 * kthread_stop() of vCPU threads is never called with a lock held.
 */
#ifndef PVHV_CORE_H
#define PVHV_CORE_H

#include <linux/atomic.h>
#include <linux/hrtimer.h>
#include <linux/smp.h>
#include <linux/kref.h>
#include <linux/mutex.h>
#include <linux/nospec.h>
#include <linux/seqlock.h>
#include <linux/spinlock.h>
#include <linux/types.h>
#include <linux/wait.h>
#include <linux/xarray.h>

#include <pvhv.h>
#include <xen/interface/xen.h>
#include <xen/interface/vcpu.h>

#include "vendor.h"
#include "x86/npt.h"
#include "x86/vcpu.h"

/* Module parameters (read-only after load, but for halt_poll_ns). */
extern unsigned int pvhv_max_domains;
extern unsigned int pvhv_max_vcpus;
extern unsigned int pvhv_max_domain_mb;
extern unsigned int pvhv_max_total_mb;
extern unsigned int pvhv_halt_poll_ns;	/* writable at run time: READ_ONCE */
extern unsigned int pvhv_gnttab_max_frames;

/* The vendor backend chosen at load; immutable while the module is loaded. */
extern const struct pvhv_vendor_ops *pvhv_vendor;

/* Leak counters, reported by PVHV_GET_STATS and checked at unload. */
struct pvhv_counters {
	atomic64_t domains;	/* struct pvhv_domain alive */
	atomic64_t guest_pages;	/* guest RAM pages allocated */
	atomic64_t objects;	/* other tracked allocations */
};
extern struct pvhv_counters pvhv_counters;

/* Register numbers as the x86 encoding has them (ModRM order). */
enum pvhv_reg {
	PVHV_RAX, PVHV_RCX, PVHV_RDX, PVHV_RBX, PVHV_RSP, PVHV_RBP, PVHV_RSI, PVHV_RDI,
	PVHV_R8, PVHV_R9, PVHV_R10, PVHV_R11, PVHV_R12, PVHV_R13, PVHV_R14, PVHV_R15,
	PVHV_NR_REGS
};

/* The guest's mode and paging, as the vendor backend reads it from its VMCB/VMCS. */
struct pvhv_paging {
	u64 cr0, cr3, cr4, efer;
	bool mode64;		/* long mode and a 64-bit code segment */
	bool cs_l;		/* CS.L */
	bool cs_db;		/* CS.D: 32-bit default operand and address size */
	u8 cpl;
	u64 cs_base;
	u64 rip, rflags;
};

struct pvhv_domain;

/* One event channel port (xen/evtchn.c); protected by pvhv_domain.evtchn_lock. */
struct pvhv_evtchn {
	u8 state;		/* EVTCHNSTAT_* */
	u8 pad;
	u16 remote_domid;	/* unbound: who may bind; interdomain: the peer */
	u32 remote_port;	/* interdomain */
	u32 vcpu;		/* the vCPU notified */
	u32 virq;		/* virq */
	/* interdomain with another domain: the peer, on which we hold a reference */
	struct pvhv_domain *rd;
	/* interdomain with the host: its evtchn fd (remote_port is the host port) */
	struct pvhv_host_evtchn *host;
};

#define PVHV_HOST_PORTS		1024	/* host ports per evtchn fd */

#define PVHV_EVTCHN_PORTS	4096	/* 2-level ABI, 64-bit: 64 words of 64 bits */
#define PVHV_NR_VIRQS		24	/* NR_VIRQS in Xen's public/xen.h */

struct pvhv_vcpu {
	struct pvhv_domain *d;		/* immutable */
	u32 id;				/* immutable */
	struct task_struct *task;	/* immutable once started; put on free */
	/*
	 * Owned by the vCPU thread (no lock): general registers (RAX and RSP
	 * are mirrored from the VMCB/VMCS around each exit), vendor state.
	 */
	u64 regs[PVHV_NR_REGS];
	struct pvhv_x86_vcpu x86;	/* the x86 layer's state (x86/vcpu.h) */
	void *arch;
	int last_cpu;			/* host CPU of the last entry; vCPU thread only */
	/*
	 * Where the thread is, for pvhv_vcpu_kick(): PVHV_IN_GUEST from
	 * pvhv_vcpu_enter_guest() to pvhv_vcpu_exit_guest() (interrupts off
	 * throughout, on guest_cpu), PVHV_EXITING once a kick's IPI is on its
	 * way. Set by the thread, moved to EXITING by cmpxchg from any context.
	 */
	int mode;
	int guest_cpu;			/* written before mode becomes PVHV_IN_GUEST */
	u32 halt_poll_ns;		/* the adaptive halt-polling window; vCPU thread only */
	/* pvclock (xen/time.c); vCPU thread only. */
	int time_cpu;
	u64 time_updated;		/* jiffies of the last refresh */
	/* The record when no vcpu_info is visible yet (for the time area only). */
	struct pvclock_vcpu_time_info time_rec;
	wait_queue_head_t wq;		/* a halted vCPU sleeps here */
	struct hrtimer timer;		/* set_timer_op / singleshot: raises VIRQ_TIMER */
	struct hrtimer periodic;	/* VCPUOP_set_periodic_timer: raises VIRQ_TIMER */
	u64 period_ns;			/* of the periodic timer; vCPU thread only */
	u32 virq_port[PVHV_NR_VIRQS];	/* protected by pvhv_domain.evtchn_lock */
	bool up;			/* VCPUOP_up/down; written under pvhv_domain.lock */
	/* VCPUOP_register_vcpu_info: where its vcpu_info lives (NULL: shared_info
	 * slot). Written under pvhv_domain.evtchn_lock, read with READ_ONCE. */
	struct vcpu_info *vcpu_info;
	struct page *vcpu_info_page;	/* our reference on its page; set with vcpu_info */
	u8 upcall_vector;		/* HVMOP_set_evtchn_upcall_vector; 0: none */
	/* xen/runstate.c: the record and what was written where; its thread only. */
	struct vcpu_runstate_info runstate;	/* changes under runstate_seq */
	seqcount_t runstate_seq;
	u64 runstate_delay;		/* sched_info.run_delay at the last update */
	u64 runstate_written;		/* the area the thread last wrote */
	/* Registered areas (guest-virtual, 0: none); WRITE_ONCE by any vCPU. */
	u64 runstate_gva;
	u64 time_area_gva;
	/*
	 * Parked: the thread waits outside the guest and re-checks
	 * pvhv_domain.runnable before it enters again. Written by its own
	 * thread (then smp_mb), read by a pause with READ_ONCE (domain.c).
	 */
	bool parked;
	/* SCHEDOP_poll: the ports this vCPU waits on (its own thread only). */
	u32 poll_ports[128];
	u32 nr_poll_ports;
	/* The hypercall being handled (xen/hypercall.c); its own thread only. */
	struct pvhv_hcall_state {
		bool compat;	/* a 32-bit caller (its argument registers) */
		u32 work;	/* units done in this execution (pvhv_hcall_work()) */
		bool preempted;	/* a continuation: arguments back, RIP kept */
	} hcall;
};

#define PVHV_MEMORY_MAP_MAX	128	/* Xen's E820MAX */
#define PVHV_CONSOLE_LOG_SIZE	(64 * 1024)	/* power of two */
#define PVHV_GFN_NONE		(~0ULL)

struct pvhv_domain {
	struct kref ref;		/* one for the domain table, one per fd/mapping */
	u32 domid;			/* immutable */
	u64 serial;			/* immutable, never reused while loaded (x86.h IBPB) */
	u32 max_vcpus;			/* immutable */
	char name[PVHV_NAME_LEN];	/* immutable after creation */
	u64 nr_pages;			/* immutable: size of the RAM part of the physmap */
	/*
	 * [nr_pages]: the RAM page at each gfn, NULL where ballooned out. The
	 * array is immutable; entries change under lock and are read under
	 * lock or rcu_read_lock() (guest.c). Freed on the last kref_put.
	 */
	struct page **pages;
	u64 tot_pages;			/* entries populated; protected by lock */

	struct pvhv_vcpu **vcpus;	/* [max_vcpus]; entries set under lock, freed on release */
	/* Nested page tables (x86/npt.h): built at start, changed under lock. */
	struct pvhv_npt npt;
	void *arch;			/* vendor state; set under lock */
	struct page *shinfo;		/* the shared_info page; immutable */
	u64 shinfo_gfn;			/* where the guest put it, or PVHV_GFN_NONE; changed under lock */
	/*
	 * gfn -> a hypervisor page the guest placed over it (grant-table
	 * frames); changed under lock, looked up under RCU. The pages live
	 * as long as the domain.
	 */
	struct xarray overlay;
	/* Guest system time = base_ns + scale(TSC - base_tsc); immutable (xen/time.c). */
	u64 time_base_tsc;
	u64 time_base_ns;
	u32 time_mul;
	s8 time_shift;
	struct pvhv_gnttab *gnttab;	/* xen/gnttab.c; protected by lock */

	struct mutex lock;		/* protects the fields below */
	u32 state;			/* PVHV_STATE_*; protected by lock */
	u32 shutdown_reason;		/* protected by lock */
	u32 online_vcpus;		/* written under lock; READ_ONCE() without */
	bool runnable;			/* written under lock, read by vCPU threads with READ_ONCE */
	/*
	 * PVHV_STATE_PAUSED, for lock-free readers: written under lock, read
	 * with READ_ONCE. A pause sets it before clearing runnable (smp_wmb),
	 * an unpause clears it after setting runnable, so !runnable &&
	 * !paused means the domain stopped for good (pvhv_vcpu_park()).
	 */
	bool paused;
	struct mutex pause_lock;	/* serialises PVHV_DOMAIN_PAUSE/UNPAUSE; outside lock */
	wait_queue_head_t pause_wq;	/* a pause waits here for the vCPUs to park */

	spinlock_t evtchn_lock;		/* protects evtchn[], vcpu virq_port[], callback_irq */
	struct pvhv_evtchn *evtchn;	/* [PVHV_EVTCHN_PORTS] */
	u64 callback_irq;		/* HVM_PARAM_CALLBACK_IRQ (also in hvm_params[0]) */
	u64 hvm_params[PVHV_HVM_NR_PARAMS];	/* protected by evtchn_lock */
	atomic_t pollers;		/* vCPUs in SCHEDOP_poll */
	unsigned long vm_assist;	/* VMASST_TYPE_* enabled; atomic bitops */
	/*
	 * shared_info, vcpu_info and runstate areas in Xen's compat (32-bit)
	 * layout (xen/compat.h): latched by pvhv_xen_latch_shinfo() with
	 * xchg, read with READ_ONCE.
	 */
	bool shinfo_compat;

	spinlock_t con_lock;		/* protects con_buf and con_head */
	char *con_buf;			/* PVHV_CONSOLE_LOG_SIZE bytes */
	/*
	 * The toolstack's memory map (PVHV_DOMAIN_SET_MEMORY_MAP): set under
	 * lock while CREATED, immutable once the domain runs (XENMEM_memory_map
	 * reads it without a lock then); freed with the domain.
	 */
	struct pvhv_memory_map_entry *memmap;
	u32 nr_memmap;
	u64 con_head;			/* bytes ever written */
};

/* domain.c */
void pvhv_domains_exit(void);	/* destroys every domain still in the table */
/* The guest ended itself (SCHEDOP_shutdown) or broke (crash): stop its vCPUs. */
void pvhv_domain_shutdown(struct pvhv_domain *d, u32 state, u32 reason);
void pvhv_domain_crash(struct pvhv_domain *d, const char *fmt, ...) __printf(2, 3);

bool pvhv_domid_exists(u32 domid);
bool pvhv_domain_dying(struct pvhv_domain *d);	/* destroyed; takes its lock */
/* A reference to a live domain by id, or NULL; drop with pvhv_domain_unref()
 * in process context, never under a spinlock. */
struct pvhv_domain *pvhv_domain_get_by_id(u32 domid);
void pvhv_domain_ref(struct pvhv_domain *d);
void pvhv_domain_unref(struct pvhv_domain *d);
void pvhv_domain_kick_all(struct pvhv_domain *d);	/* force every vCPU out of the guest */
/* Return once no vCPU of @d can still use a nested translation dropped before. */
void pvhv_domain_flush_sync(struct pvhv_domain *d);
/* Drop the references on @pages, taken out of @d's physmap, once unreachable. */
void pvhv_domain_free_pages(struct pvhv_domain *d, struct page **pages, unsigned int n);

/* vcpu.c */
struct vcpu_hvm_context;
struct pvhv_vcpu *pvhv_vcpu_create(struct pvhv_domain *d, u32 id);
/* vCPU @id of @d, created (not started) if needed; NULL/ERR_PTR on failure. */
struct pvhv_vcpu *pvhv_vcpu_get(struct pvhv_domain *d, u32 id, bool create);
/* vCPU @id (a guest's number) of @d or NULL; never read past the table, not even speculatively. */
static inline struct pvhv_vcpu *pvhv_vcpu_lookup(struct pvhv_domain *d, u32 id)
{
	if (id >= d->max_vcpus)
		return NULL;
	return smp_load_acquire(&d->vcpus[array_index_nospec(id, d->max_vcpus)]);
}
/* VCPUOP_initialise / up / down / is_up for vCPU @id of @d. */
long pvhv_vcpu_initialise(struct pvhv_domain *d, u32 id, struct pvhv_x86_state *st,
			  const u64 regs[8]);
long pvhv_vcpu_up(struct pvhv_domain *d, u32 id);
long pvhv_vcpu_down(struct pvhv_domain *d, u32 id);
long pvhv_vcpu_is_up(struct pvhv_domain *d, u32 id);
void pvhv_vcpu_free(struct pvhv_vcpu *v);
int pvhv_vcpu_start(struct pvhv_vcpu *v);
void pvhv_vcpu_stop(struct pvhv_vcpu *v);	/* returns once the thread is gone */
void pvhv_vcpu_kick(struct pvhv_vcpu *v);
enum { PVHV_OUTSIDE_GUEST, PVHV_IN_GUEST, PVHV_EXITING };
/* Interrupts off, right before the entry; false: do not enter now (vcpu.c). */
bool pvhv_vcpu_enter_guest(struct pvhv_vcpu *v, int cpu);
void pvhv_vcpu_exit_guest(struct pvhv_vcpu *v);		/* interrupts off */
void pvhv_vcpu_halt(struct pvhv_vcpu *v);	/* HLT: sleep until woken */
/*
 * Its own thread, in a wait that ended on !runnable (SCHEDOP_poll, HLT,
 * SCHEDOP_block): park while the domain is paused. True when it may run
 * again (wait on), false when it stopped for good (return; the thread's
 * loop parks it).
 */
bool pvhv_vcpu_park(struct pvhv_vcpu *v);

/* guest.c: the one audited path to guest memory. */
struct page *pvhv_gfn_to_page(struct pvhv_domain *d, u64 gfn);	/* what the guest sees */
struct page *pvhv_gfn_to_ram(struct pvhv_domain *d, u64 gfn);	/* its RAM page, or NULL */
#define PVHV_OVERLAY_RO	1	/* xa_tag_pointer() tag: a read-only grant mapping */
bool pvhv_gfn_is_readonly(struct pvhv_domain *d, u64 gfn);
int pvhv_read_gpa(struct pvhv_domain *d, u64 gpa, void *buf, size_t len);
int pvhv_write_gpa(struct pvhv_domain *d, u64 gpa, const void *buf, size_t len);
/*
 * The guest's walk for an access of kind @access (X86_PF_WRITE, X86_PF_USER):
 * -EFAULT with *pfec the #PF error code the CPU would raise, -ENXIO where it
 * would not raise a #PF (a non-canonical address, a table outside RAM).
 * @pfec may be NULL.
 */
int pvhv_gva_walk(struct pvhv_vcpu *v, const struct pvhv_paging *pg, u64 gva,
		  u32 access, u64 *gpa, u32 *pfec);
int pvhv_gva_to_gpa(struct pvhv_vcpu *v, const struct pvhv_paging *pg, u64 gva,
		    bool write, u64 *gpa);
int pvhv_copy_from_guest(struct pvhv_vcpu *v, void *dst, u64 gva, size_t len);
int pvhv_copy_to_guest(struct pvhv_vcpu *v, u64 gva, const void *src, size_t len);

/* console.c */
void pvhv_console_write(struct pvhv_domain *d, const char *buf, size_t len);
long pvhv_console_read_ioctl(struct pvhv_domain *d, void __user *arg);

/* x86/: what xen/ and the core may ask of the x86 layer (x86/x86.h has the rest). */
void pvhv_x86_get_mode(struct pvhv_vcpu *v, struct pvhv_paging *pg);
const u8 *pvhv_x86_hypercall_insn(void);	/* the 3 bytes this CPU's guests trap with */
/* An edge-triggered fixed interrupt @vector into @v's local APIC (any context). */
void pvhv_x86_apic_set_irq(struct pvhv_vcpu *v, u8 vector);
/* What ends a HLT: an event pending, or an interrupt the APIC would deliver. */
bool pvhv_x86_irq_wakeup(struct pvhv_vcpu *v);
/* A vCPU's APIC ID: uapi's PVHV_APIC_ID(), the rule the MADT and CPUID use too. */
static inline u32 pvhv_x86_apic_id(u32 vcpu_id)
{
	return PVHV_APIC_ID(vcpu_id);
}

/*
 * xen/: the Xen ABI, called by the x86 layer on exits.
 *
 * pvhv_xen_hypercall(): the hypercall in the guest's registers (64-bit: RAX,
 * then RDI, RSI, RDX, R10, R8; 32-bit: EAX, then EBX, ECX, EDX, ESI, EDI).
 * True: done, the result is in RAX, the x86 layer moves RIP past the hypercall
 * instruction. False: a continuation, as Xen's hypercall_create_continuation()
 * (xen/arch/x86/hypercall.c): the hypercall stopped where it can resume, its
 * arguments in the guest's registers now say where (RAX still holds its
 * number), and the x86 layer leaves RIP on the instruction, so the guest runs
 * it again once the host had the CPU back and any event was delivered.
 */
bool pvhv_xen_hypercall(struct pvhv_vcpu *v);
/* HLT with interrupts off (xen/vcpu.c): the vCPU goes down, the last one powers off. */
void pvhv_xen_hlt_down(struct pvhv_vcpu *v);
/*
 * For the handlers of long hypercalls, on the vCPU's own thread: account
 * @units of work (about one guest page or element touched each); check
 * whether to stop now (Xen's hypercall_preempt_check(): the host wants the
 * CPU, the thread must stop, the domain is pausing, or PVHV_HCALL_WORK_MAX
 * units were done in this execution), after at least one element so every
 * execution makes progress; then rewrite argument @n (0-4) for the next
 * execution and return pvhv_hcall_continue(), whose value the guest never
 * sees.
 */
#define PVHV_HCALL_WORK_MAX	256
static inline void pvhv_hcall_work(struct pvhv_vcpu *v, u32 units)
{
	v->hcall.work += units;
}
bool pvhv_hcall_preempt_check(struct pvhv_vcpu *v);
void pvhv_hcall_set_arg(struct pvhv_vcpu *v, unsigned int n, u64 val);
long pvhv_hcall_continue(struct pvhv_vcpu *v);
/* Xen's CPUID leaves (0x40000000...): true if @leaf is one, *out filled. */
bool pvhv_xen_cpuid(struct pvhv_vcpu *v, u32 leaf, u32 subleaf, u32 out[4]);
int pvhv_xen_wrmsr(struct pvhv_vcpu *v, u32 msr, u64 val);	/* -ENOENT: not a Xen MSR */
int pvhv_xen_rdmsr(struct pvhv_vcpu *v, u32 msr, u64 *val);
long pvhv_xen_memory_op(struct pvhv_vcpu *v, u64 cmd, u64 arg, bool compat);
long pvhv_xen_evtchn_op(struct pvhv_vcpu *v, u64 cmd, u64 arg);
long pvhv_xen_hvm_op(struct pvhv_vcpu *v, u64 cmd, u64 arg, bool compat);
/* The toolstack's PVHV_DOMAIN_SET/GET_HVM_PARAM. */
long pvhv_hvm_param_ioctl(struct pvhv_domain *d, unsigned int cmd, void __user *arg);
long pvhv_xen_vcpu_op(struct pvhv_vcpu *v, u64 cmd, u64 vcpuid, u64 arg, bool compat);
struct vcpu_info *pvhv_xen_vcpu_info(struct pvhv_vcpu *v);	/* NULL: none yet */
long pvhv_xen_register_vcpu_info(struct pvhv_vcpu *v, u64 gfn, u32 offset);
long pvhv_xen_poll(struct pvhv_vcpu *v, u64 arg, bool compat);
/* Raise guest port @port of @d (evtchn_lock held). */
void pvhv_evtchn_raise(struct pvhv_domain *d, u32 port);

/* host_evtchn.c: the host's end of event channels. */
struct pvhv_host_evtchn;
long pvhv_host_evtchn_open(struct pvhv_domain *d);
/* genl.c: lifecycle events (PVHV_EVENT_*) */
int pvhv_genl_init(void);
void pvhv_genl_exit(void);
void pvhv_genl_event(struct pvhv_domain *d, u32 event, u32 reason);
/* toolstack.c: PVHV_DOMAIN_ALLOC_UNBOUND */
long pvhv_toolstack_alloc_unbound(struct pvhv_domain *d, void __user *arg);
void pvhv_host_evtchn_fire(struct pvhv_host_evtchn *he, u32 port);
void pvhv_host_evtchn_detach(struct pvhv_host_evtchn *he, u32 port);

/* x86/npt.c: point @gfn of @d at @page (NULL: nothing), flush every vCPU. Domain lock held. */
int pvhv_x86_npt_set(struct pvhv_domain *d, u64 gfn, struct page *page, bool writable);

/* xen/memory.c: point the nested tables at what the guest sees at @gfn (lock held). */
int pvhv_physmap_sync(struct pvhv_domain *d, u64 gfn);

/* xen/gnttab.c */
struct pvhv_gnttab;
int pvhv_gnttab_init(struct pvhv_domain *d);
void pvhv_gnttab_free(struct pvhv_domain *d);
void pvhv_gnttab_destroy(struct pvhv_domain *d);	/* drops the mappings it holds */
int pvhv_gnttab_frame_locked(struct pvhv_domain *d, u64 idx, struct page **page, u64 *old_gfn);
void pvhv_gnttab_set_gfn_locked(struct pvhv_domain *d, u64 idx, u64 gfn);
void pvhv_gnttab_forget_gfn_locked(struct pvhv_domain *d, u64 gfn);
long pvhv_xen_grant_table_op(struct pvhv_vcpu *v, u64 cmd, u64 uop, u64 count, bool compat);
/*
 * Pin grant @ref of @rd for domain @mapper (GTF_reading, and GTF_writing
 * unless @readonly): GNTST_okay and the page, referenced, in *@page.
 * Undo with pvhv_grant_unpin() and put_page(). Takes @rd's lock.
 */
s16 pvhv_grant_pin(struct pvhv_domain *rd, u32 ref, u16 mapper, bool readonly, struct page **page);
void pvhv_grant_unpin(struct pvhv_domain *rd, u32 ref, bool readonly);

/* host_gnt.c: the host's grant fd (PVHV_DOMAIN_GNT_OPEN) */
#define PVHV_HOST_GNT_PAGES	4096	/* pages one grant fd may hold */
long pvhv_host_gnt_open(struct pvhv_domain *d);

/* Domain destruction: close every port (peers see their ends unbound). */
void pvhv_xen_evtchn_destroy(struct pvhv_domain *d);
long pvhv_xen_set_timer(struct pvhv_vcpu *v, u64 deadline);
long pvhv_xen_set_periodic(struct pvhv_vcpu *v, u64 period_ns);	/* 0 stops it */
void pvhv_xen_timer_init(struct pvhv_vcpu *v);
void pvhv_xen_timer_stop(struct pvhv_vcpu *v);
void pvhv_xen_send_virq(struct pvhv_vcpu *v, u32 virq);
bool pvhv_xen_event_pending(struct pvhv_vcpu *v);
/* The domain-wide callback vector to inject now (HVM_PARAM_CALLBACK_IRQ), or 0. */
u8 pvhv_xen_upcall_vector(struct pvhv_vcpu *v);
void pvhv_xen_update_wallclock(struct pvhv_domain *d);
/* The guest's vCPU @v, 32-bit (@compat) or not, picks the shared_info layout. */
void pvhv_xen_latch_shinfo(struct pvhv_vcpu *v, bool compat);
void pvhv_xen_time_init(struct pvhv_domain *d);		/* at creation */
u64 pvhv_xen_now(struct pvhv_domain *d);		/* the guest's system time */
ktime_t pvhv_xen_to_host(struct pvhv_domain *d, u64 guest_ns);
/* xen/runstate.c: runstate (RUNSTATE_*) changes, by the vCPU's own thread. */
void pvhv_xen_runstate_init(struct pvhv_vcpu *v);
void pvhv_xen_runstate(struct pvhv_vcpu *v, int state);
void pvhv_xen_runstate_tick(struct pvhv_vcpu *v);	/* before each entry */
long pvhv_xen_runstate_op(struct pvhv_vcpu *v, int cmd, struct pvhv_vcpu *t, u64 arg,
			  bool compat);
long pvhv_xen_vm_assist(struct pvhv_vcpu *v, u64 cmd, u64 type);
/* Refresh the vCPU's pvclock if it moved or aged; before each guest entry. */
void pvhv_xen_update_time(struct pvhv_vcpu *v, int cpu);
long pvhv_ioctl_create_domain(void __user *arg);
long pvhv_ioctl_open_domain(void __user *arg);
long pvhv_ioctl_list_domains(void __user *arg);

/* Helpers shared by the ioctl handlers. */
static inline bool pvhv_all_zero(const void *p, size_t len)
{
	return !memchr_inv(p, 0, len);
}

#endif /* PVHV_CORE_H */
