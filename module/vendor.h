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
};

extern const struct pvhv_vendor_ops pvhv_svm_ops;
extern const struct pvhv_vendor_ops pvhv_vmx_ops;

#endif /* PVHV_VENDOR_H */
