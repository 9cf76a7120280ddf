// SPDX-License-Identifier: GPL-2.0-only
/*
 * What Xen adds to the CPU a guest sees: its CPUID leaves 0x40000000..
 * 0x40000004 (xen/include/public/arch-x86/cpuid.h; the x86 layer's policy in
 * x86/cpuid.c answers every other leaf) and the MSR that installs the
 * hypercall page.
 *
 * Locking: runs on the vCPU's own thread; no locks.
 */
#define pr_fmt(fmt) "pvhv: xen: " fmt

#include <linux/errno.h>
#include <linux/kernel.h>
#include <linux/ratelimit.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <asm/processor.h>
#include <asm/tsc.h>
#include <asm/xen/cpuid.h>
#include <xen/interface/xen.h>

#include "../core.h"

#define PVHV_XEN_CPUID_MAX	XEN_CPUID_LEAF(4)
#define PVHV_XEN_MSR_HCALL_PAGE	0x40000000	/* reported in leaf 2 EBX */

static void pvhv_xen_leaves(struct pvhv_vcpu *v, u32 leaf, u32 subleaf, u32 out[4])
{
	switch (leaf - XEN_CPUID_FIRST_LEAF) {
	case 0:
		out[0] = PVHV_XEN_CPUID_MAX;
		out[1] = XEN_CPUID_SIGNATURE_EBX;
		out[2] = XEN_CPUID_SIGNATURE_ECX;
		out[3] = XEN_CPUID_SIGNATURE_EDX;
		break;
	case 1:
		out[0] = (4 << 16) | 17;	/* Xen 4.17, as XENVER_version */
		break;
	case 2:
		out[0] = 1;			/* hypercall pages */
		out[1] = PVHV_XEN_MSR_HCALL_PAGE;
		break;
	case 3:
		/* Time: sub-leaf 0 ECX/2 EAX carry the TSC frequency in kHz. */
		if (subleaf == 0)
			out[2] = tsc_khz;
		else if (subleaf == 2)
			out[0] = tsc_khz;
		break;
	case 4:
		if (subleaf == 0) {
			out[0] = XEN_HVM_CPUID_VCPU_ID_PRESENT | XEN_HVM_CPUID_DOMID_PRESENT |
				 XEN_HVM_CPUID_UPCALL_VECTOR;
			out[1] = v->id;
			out[2] = v->d->domid;
		}
		break;
	}
}

bool pvhv_xen_cpuid(struct pvhv_vcpu *v, u32 leaf, u32 subleaf, u32 out[4])
{
	if (leaf < XEN_CPUID_FIRST_LEAF || leaf > PVHV_XEN_CPUID_MAX)
		return false;
	pvhv_xen_leaves(v, leaf, subleaf, out);
	return true;
}

static int pvhv_install_hypercall_page(struct pvhv_vcpu *v, u64 val)
{
	u8 *page;
	int i, ret;

	if (val & 0xfff)
		return -EINVAL;		/* only page 0 exists (leaf 2 EAX = 1) */
	page = kmalloc(PAGE_SIZE, GFP_KERNEL);
	if (!page)
		return -ENOMEM;
	memset(page, 0xcc, PAGE_SIZE);	/* int3 between the stubs */
	for (i = 0; i < PAGE_SIZE / 32; i++) {
		u8 *p = page + i * 32;

		p[0] = 0xb8;		/* mov $i, %eax */
		p[1] = i;
		p[2] = p[3] = p[4] = 0;
		memcpy(p + 5, pvhv_x86_hypercall_insn(), 3);
		p[8] = 0xc3;		/* ret */
	}
	/* As Xen: no HYPERVISOR_iret for HVM guests, a ud2 there. */
	page[__HYPERVISOR_iret * 32] = 0x0f;
	page[__HYPERVISOR_iret * 32 + 1] = 0x0b;
	ret = pvhv_write_gpa(v->d, val, page, PAGE_SIZE);
	kfree(page);
	if (!ret) {
		struct pvhv_paging pg;

		pvhv_x86_get_mode(v, &pg);
		pvhv_xen_latch_shinfo(v, !pg.mode64);	/* as Xen's hypercall page init */
	}
	return ret;
}

int pvhv_xen_wrmsr(struct pvhv_vcpu *v, u32 msr, u64 val)
{
	if (msr == PVHV_XEN_MSR_HCALL_PAGE)
		return pvhv_install_hypercall_page(v, val) ? -EINVAL : 0;
	return -ENOENT;
}

int pvhv_xen_rdmsr(struct pvhv_vcpu *v, u32 msr, u64 *val)
{
	return -ENOENT;	/* the hypercall-page MSR is write-only, as on Xen */
}
