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

#endif /* PVHV_COMPAT_H */
