/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Small compatibility layer between the kernels pvhv builds against (Debian's
 * 6.1 and 6.12). Each entry is keyed on a feature test done by Kbuild against
 * the target kernel's headers (see the top-level Kbuild), never on
 * LINUX_VERSION_CODE.
 */
#ifndef PVHV_COMPAT_H
#define PVHV_COMPAT_H

#include <linux/mm.h>

/* vm_flags became read-only with accessors in 6.3. */
#ifndef PVHV_HAVE_VM_FLAGS_SET
static inline void vm_flags_set(struct vm_area_struct *vma, unsigned long flags)
{
	vma->vm_flags |= flags;
}

static inline void vm_flags_clear(struct vm_area_struct *vma, unsigned long flags)
{
	vma->vm_flags &= ~flags;
}
#endif

/*
 * VERW before a VM entry (MDS, TAA, MMIO stale data: kernel
 * Documentation/admin-guide/hw-vuln/mds.rst "Mitigation points", as KVM).
 * Kernels with VM_CLEAR_CPU_BUFFERS do it in the entry assembly, after the
 * last host memory access (vmx/vmenter.S, svm/vmrun.S); older ones here,
 * just before it, with the helper that kernel has.
 */
#ifdef PVHV_HAVE_VM_CLEAR_CPU_BUFFERS
static inline void pvhv_clear_cpu_buffers(void)
{
}
#else
#include <asm/cpufeature.h>
#include <asm/nospec-branch.h>

static __always_inline void pvhv_clear_cpu_buffers(void)
{
	if (!boot_cpu_has_bug(X86_BUG_MDS) && !boot_cpu_has_bug(X86_BUG_TAA) &&
	    !boot_cpu_has_bug(X86_BUG_MMIO_STALE_DATA))
		return;
#ifdef PVHV_HAVE_X86_CLEAR_CPU_BUFFERS
	x86_clear_cpu_buffers();
#else
	mds_clear_cpu_buffers();
#endif
}
#endif

#endif /* PVHV_COMPAT_H */
