// SPDX-License-Identifier: GPL-2.0-only
/*
 * VCPUOP_initialise contexts (run with vcpus = 3): which ones are refused
 * (-EINVAL) and which accepted, with Xen's rules for the context
 * (xen/arch/x86/hvm/domain.c: check_segment, the 32-bit sanity checks) and
 * the CPU's for the state (control registers as CPUID offers them, CR3
 * below MAXPHYADDR, no virtual-8086 mode, readable PDPTEs). As on Xen, a
 * 32-bit context with EFER.LME and paging is accepted: compatibility mode. The same guest
 * runs under SVM and VMX with the same expectations: both vendors must
 * accept and refuse the same contexts. Refusals are tried on vCPU 1; the
 * accepted contexts take vCPUs 1 and 2 last (never brought up).
 */
#include "rt.h"

#define EINVAL 22
#define EEXIST 17

/* A flat 32-bit protected-mode context, paging off, as a PVH AP might start. */
static void flat32(struct vcpu_hvm_context *c)
{
	struct vcpu_hvm_x86_32 *r = &c->cpu_regs.x86_32;

	memset(c, 0, sizeof(*c));
	c->mode = VCPU_HVM_MODE_32B;
	r->eip = 0x1000;
	r->eflags = 2;
	r->cr0 = 0x11;			/* PE | ET */
	r->cs_limit = r->ds_limit = r->ss_limit = r->es_limit = 0xffffffff;
	r->cs_ar = 0xc9b;		/* code, R/X, DB, G */
	r->ds_ar = r->ss_ar = r->es_ar = 0xc93;
	r->tr_limit = 0x67;
	r->tr_ar = 0x8b;		/* busy 32-bit TSS */
}

static void flat64(struct vcpu_hvm_context *c)
{
	struct vcpu_hvm_x86_64 *r = &c->cpu_regs.x86_64;
	uint64_t cr0, cr3, cr4;

	asm volatile("mov %%cr0, %0; mov %%cr3, %1; mov %%cr4, %2" : "=r" (cr0), "=r" (cr3), "=r" (cr4));
	memset(c, 0, sizeof(*c));
	c->mode = VCPU_HVM_MODE_64B;
	r->rip = 0x1000;
	r->rflags = 2;
	r->cr0 = cr0;
	r->cr3 = cr3;
	r->cr4 = cr4;
	r->efer = 0x500;		/* LME | LMA */
}

static long init(unsigned int vcpu, struct vcpu_hvm_context *c)
{
	return rt_vcpu_op(VCPUOP_initialise, vcpu, c);
}

/* PAE page-directory-pointer table with a reserved bit in a present entry. */
static uint64_t bad_pdpt[4] __attribute__((aligned(32))) = { 1 | (1ULL << 5) };

void guest_main(const struct hvm_start_info *si)
{
	struct vcpu_hvm_context c;
	struct vcpu_hvm_x86_32 *r = &c.cpu_regs.x86_32;
	uint64_t cr3;
	long ret;

	(void)si;
	flat64(&c);
	c.cpu_regs.x86_64.cr3 |= 1ULL << 62;
	CHECK(init(1, &c) == -EINVAL, "64-bit, CR3 with reserved bit 62: -EINVAL");
	flat64(&c);
	c.cpu_regs.x86_64.cr4 |= 1 << 11;
	CHECK(init(1, &c) == -EINVAL, "64-bit, CR4.UMIP (not offered by CPUID): -EINVAL");
	flat64(&c);
	c.cpu_regs.x86_64.rip = 0x800000000000ULL;
	CHECK(init(1, &c) == -EINVAL, "64-bit, non-canonical RIP: -EINVAL");

	flat32(&c);
	r->eflags |= 1 << 17;
	CHECK(init(1, &c) == -EINVAL, "32-bit, EFLAGS.VM: -EINVAL");
	flat32(&c);
	c.pad = 1;
	CHECK(init(1, &c) == -EINVAL, "32-bit, padding not zero: -EINVAL");
	flat32(&c);
	r->cs_ar = 0;
	CHECK(init(1, &c) == -EINVAL, "32-bit, null CS: -EINVAL");
	flat32(&c);
	r->cs_ar = 0xc93;
	CHECK(init(1, &c) == -EINVAL, "32-bit, a data segment for CS: -EINVAL");
	flat32(&c);
	r->ss_ar = 0xc91;
	CHECK(init(1, &c) == -EINVAL, "32-bit, read-only SS: -EINVAL");
	flat32(&c);
	r->ss_ar = 0xcf3;
	CHECK(init(1, &c) == -EINVAL, "32-bit, SS.DPL 3 with CS.DPL 0: -EINVAL");
	flat32(&c);
	r->ds_ar = 0xc1b & ~0x2;	/* execute-only code */
	CHECK(init(1, &c) == -EINVAL, "32-bit, execute-only code for DS: -EINVAL");
	flat32(&c);
	r->tr_ar = 0x83;
	CHECK(init(1, &c) == -EINVAL, "32-bit, a 16-bit TSS for TR: -EINVAL");
	flat32(&c);
	r->tr_ar = 0;
	CHECK(init(1, &c) == -EINVAL, "32-bit, null TR: -EINVAL");
	flat32(&c);
	r->ds_ar = 0x493;		/* DB, not present */
	CHECK(init(1, &c) == -EINVAL, "32-bit, DS not present: -EINVAL");
	flat32(&c);
	r->cs_limit = 0x12345;		/* G set, low 12 bits not all ones */
	CHECK(init(1, &c) == -EINVAL, "32-bit, CS limit disagreeing with G: -EINVAL");
	flat32(&c);
	r->cs_limit = 0xfff;
	r->cs_ar = 0x49b;		/* no G */
	r->eip = 0x2000;
	CHECK(init(1, &c) == -EINVAL, "32-bit, EIP beyond the CS limit: -EINVAL");
	flat32(&c);
	r->cs_ar |= 0x1000;
	CHECK(init(1, &c) == -EINVAL, "32-bit, attribute bits 12-15 set: -EINVAL");
	flat32(&c);
	r->cr0 = 0x80000010;		/* PG without PE */
	CHECK(init(1, &c) == -EINVAL, "32-bit, CR0.PG without PE: -EINVAL");
	flat32(&c);
	r->cr0 = 0x20000011;		/* NW without CD */
	CHECK(init(1, &c) == -EINVAL, "32-bit, CR0.NW without CD: -EINVAL");
	flat32(&c);
	r->cr4 = 1 << 13;		/* VMXE */
	CHECK(init(1, &c) == -EINVAL, "32-bit, CR4.VMXE: -EINVAL");
	flat32(&c);
	r->efer = 1 << 10;		/* LMA without LME */
	CHECK(init(1, &c) == -EINVAL, "32-bit, EFER.LMA without LME: -EINVAL");
	flat32(&c);
	r->cr0 = 0x80000011;
	r->cr4 = 0x20;			/* PAE paging */
	r->cr3 = (uint32_t)(uintptr_t)bad_pdpt;
	CHECK(init(1, &c) == -EINVAL, "32-bit PAE paging, a PDPTE with a reserved bit: -EINVAL");

	flat32(&c);
	ret = init(1, &c);
	CHECK(ret == 0, "32-bit flat context: accepted (%ld)", ret);
	CHECK(init(1, &c) == -EEXIST, "  ... and not twice: -EEXIST");
	/* As Xen: EFER.LME with paging from a 32-bit context starts in compatibility mode. */
	flat32(&c);
	asm volatile("mov %%cr3, %0" : "=r" (cr3));
	r->cr3 = cr3;
	r->cr0 = 0x80000011;
	r->cr4 = 0xa0;			/* PAE, PGE */
	r->efer = 1 << 8;		/* LME */
	r->es_ar = 0;			/* a null ES is allowed */
	r->eflags = (0x3f7fd7 | 2) & ~(1 << 17);	/* every flag a guest may hold but VM */
	ret = init(2, &c);
	CHECK(ret == 0, "32-bit code in long mode (LME, paging), null ES, every RFLAGS bit but VM: accepted (%ld)",
	      ret);
}
