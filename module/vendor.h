/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The vendor operations table. Common code calls hardware-specific code only
 * through one of these tables, filled by svm/ (AMD) or vmx/ (Intel); it never
 * asks which vendor it runs on. pvhv_vendor_select() checks that the chosen
 * table is complete before anything uses it. A vendor holds only what is
 * its own (VMCB/VMCS, entry and exit, decoding, TLB tagging, errata): the
 * x86 rules are x86/'s, the Xen ABI xen/'s, and neither sees these types.
 */
#ifndef PVHV_VENDOR_H
#define PVHV_VENDOR_H

#include <linux/types.h>

#define PVHV_REASON_LEN 96

struct pvhv_domain;
struct pvhv_vcpu;
struct pvhv_paging;
struct pvhv_x86_exit;
struct pvhv_x86_state;

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

	/*
	 * Nested paging (x86/npt.c builds and changes the tables; these give
	 * the entry format): the bits of an entry pointing at a lower table
	 * and of a 4 KiB leaf (bit 1 must be "writable" in both), and whether
	 * the root is a 5-level one (AMD: the host's paging mode).
	 */
	u64 npt_table_bits;
	u64 npt_leaf_bits;
	bool (*npt_five_level)(void);
	/* Per-domain vendor state (e.g. the EPTP), after the tables exist. May sleep. */
	int (*domain_init)(struct pvhv_domain *d);
	void (*domain_free)(struct pvhv_domain *d);

	int (*vcpu_create)(struct pvhv_vcpu *v);
	void (*vcpu_free)(struct pvhv_vcpu *v);
	/*
	 * Enter the guest once and decode the exit into @ex (x86/vcpu.h);
	 * called by the vCPU thread, preemptible. 0, or -errno after which
	 * the domain is crashed. What only the vendor knows (an entry the
	 * hardware refused, a triple fault's report) it handles itself and
	 * returns PVHV_X86_EXIT_NONE.
	 */
	int (*vcpu_run)(struct pvhv_vcpu *v, struct pvhv_x86_exit *ex);

	/*
	 * The guest's state, for the x86 layer (the vCPU's thread, or its
	 * creator before the thread runs). set_state loads a whole state the
	 * x86 layer checked; set_cr (0, 3, 4) and set_efer apply a value it
	 * checked (CR2 as well, for a #PF the x86 layer injects; PAE PDPTEs go
	 * through set_pdptes first, for a vendor that
	 * holds them; the others ignore them); get_msr/set_msr reach the MSRs
	 * the vendor's state area keeps (-ENOENT: not one of those).
	 */
	void (*get_paging)(struct pvhv_vcpu *v, struct pvhv_paging *pg);
	/* A data segment's base, @seg as x86 numbers them (PVHV_X86_ES..GS). */
	u64 (*seg_base)(struct pvhv_vcpu *v, unsigned int seg);
	void (*set_state)(struct pvhv_vcpu *v, const struct pvhv_x86_state *st);
	void (*skip)(struct pvhv_vcpu *v, u32 len);	/* past the instruction; ends STI/MOV SS blocking */
	void (*set_cr)(struct pvhv_vcpu *v, unsigned int cr, u64 val);
	void (*set_efer)(struct pvhv_vcpu *v, u64 efer);
	void (*set_pdptes)(struct pvhv_vcpu *v, const u64 pdpte[4]);
	int (*get_msr)(struct pvhv_vcpu *v, u32 msr, u64 *val);
	int (*set_msr)(struct pvhv_vcpu *v, u32 msr, u64 val);
	void (*inject_exception)(struct pvhv_vcpu *v, u8 vector, bool has_error, u32 error);

	/* The hypercall instruction this vendor traps natively (3 bytes). */
	u8 hypercall_insn[3];
};

extern const struct pvhv_vendor_ops pvhv_svm_ops;
extern const struct pvhv_vendor_ops pvhv_vmx_ops;

#endif /* PVHV_VENDOR_H */
