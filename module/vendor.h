/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The vendor operations table. Common code calls hardware-specific code only
 * through one of these tables, filled by svm/ (AMD) or vmx/ (Intel); it never
 * asks which vendor it runs on. pvhv_vendor_select() checks that the chosen
 * table is complete before anything uses it.
 */
#ifndef PVHV_VENDOR_H
#define PVHV_VENDOR_H

#include <linux/types.h>

#define PVHV_REASON_LEN 96

struct pvhv_domain;
struct pvhv_vcpu;
struct pvhv_paging;
struct vcpu_hvm_context;

struct pvhv_vendor_ops {
	const char *name;		/* "svm" / "vmx" */
	const char *npt_name;		/* "npt" / "ept" */
	u32 vendor;			/* PVHV_VENDOR_* */

	/*
	 * Is the hardware usable on this machine? Checks CPUID and the BIOS lock
	 * MSRs; on failure returns -errno and writes a short reason (no log).
	 */
	int (*probe)(char *reason, size_t len);

	/*
	 * Allocate/free the per-CPU area of @cpu (host save area, VMXON region).
	 * May sleep; runs before cpu_enable and after cpu_disable.
	 */
	int (*cpu_prepare)(unsigned int cpu);
	void (*cpu_unprepare)(unsigned int cpu);

	/*
	 * Enable/disable virtualization on the calling CPU, interrupts or
	 * preemption disabled; must not sleep or allocate (also used by the
	 * suspend/resume path). cpu_enable fails with -EBUSY if another
	 * hypervisor already has the CPU in virtualization mode, and writes a
	 * reason.
	 */
	int (*cpu_enable)(char *reason, size_t len);
	void (*cpu_disable)(void);

	/* Module-wide tables (I/O and MSR permission maps, ASIDs). */
	int (*hardware_setup)(char *reason, size_t len);
	void (*hardware_unsetup)(void);

	/* Nested page tables over the domain's RAM. May sleep. */
	int (*domain_init)(struct pvhv_domain *d);
	void (*domain_free)(struct pvhv_domain *d);
	/*
	 * Point guest frame @gfn at @page (NULL: nothing there), writable or
	 * read-only (a guest write then exits as a nested fault), and make
	 * every vCPU drop stale translations before it next runs. Domain lock
	 * held.
	 */
	int (*npt_set)(struct pvhv_domain *d, u64 gfn, struct page *page, bool writable);

	int (*vcpu_create)(struct pvhv_vcpu *v);
	void (*vcpu_free)(struct pvhv_vcpu *v);
	/* Xen's PVH entry state: 32-bit flat protected mode, EBX = start_info. */
	void (*vcpu_reset_pvh)(struct pvhv_vcpu *v, u32 entry, u32 ebx);
	/* VCPUOP_initialise: the state in Xen's vcpu_hvm_context; -EINVAL if unusable. */
	int (*vcpu_set_context)(struct pvhv_vcpu *v, const struct vcpu_hvm_context *ctx);
	/*
	 * Enter the guest once and handle the exit, calling the common and Xen
	 * handlers; called by the vCPU thread, preemptible. 0, or -errno after
	 * which the domain is crashed.
	 */
	int (*vcpu_run)(struct pvhv_vcpu *v);
	void (*get_paging)(struct pvhv_vcpu *v, struct pvhv_paging *pg);
	void (*inject_exception)(struct pvhv_vcpu *v, u8 vector, bool has_error, u32 error);

	/* The hypercall instruction this vendor traps natively (3 bytes). */
	u8 hypercall_insn[3];
};

extern const struct pvhv_vendor_ops pvhv_svm_ops;
extern const struct pvhv_vendor_ops pvhv_vmx_ops;

#endif /* PVHV_VENDOR_H */
