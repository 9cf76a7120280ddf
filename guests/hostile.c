// SPDX-License-Identifier: GPL-2.0-only
/*
 * Hostile guest: bad pointers, huge lengths, unmapped, read-only and
 * non-canonical addresses to every hypercall of the SVM/PVH issue. Each must
 * fail with the errno Xen gives (-EFAULT/-EINVAL) and the domain go on.
 * Then the exceptions a hypervisor must intercept and reflect (#AC, #DB:
 * CVE-2015-5307, CVE-2015-8104) arrive in the guest as the CPU would deliver
 * them: #AC from CPL 3 with its error code at the faulting instruction, the
 * single-step #DB after the stepped one with DR6.BS, ICEBP's after itself.
 */
#include "rt.h"

#define EFAULT 14
#define EINVAL 22
#define ENOSYS 38
#define ESRCH 3
#define EPERM 1

extern uint64_t rt_pml4[], rt_pdpt[], rt_pd[];

/* --- CPL 3 ------------------------------------------------------------------ */

/* A 64-bit TSS (SDM vol. 3A 8.7): RSP0 is the stack exceptions from CPL 3 use. */
struct tss64 {
	uint32_t rsvd0;
	uint64_t rsp0, rsp1, rsp2, rsvd1, ist[7], rsvd2;
	uint16_t rsvd3, iomap;
} __attribute__((packed));

static struct tss64 user_tss;
/* null, kernel code 0x08, kernel data 0x10, user data 0x1b, user code 0x23, TSS 0x28 */
static uint64_t user_gdt[7] __attribute__((aligned(16)));
static uint8_t user_kstack[8192] __attribute__((aligned(16)));
static uint8_t user_ustack[8192] __attribute__((aligned(16)));
uint8_t user_buf[64] __attribute__((aligned(16)));
uint64_t user_kernel_rsp;

/* Run @fn at CPL 3 on @stack with @rflags until it does INT 0x81. */
void user_call(void (*fn)(void), void *stack, uint64_t rflags);
void user_back(void);
void user_ac(void);
extern char user_ac_insn[];

asm(".text\n"
    ".globl user_call\n"
    "user_call:\n"
    "	pushfq\n"
    "	push %rbx\n push %rbp\n push %r12\n push %r13\n push %r14\n push %r15\n"
    "	mov %rsp, user_kernel_rsp(%rip)\n"
    "	pushq $0x1b\n"		/* SS */
    "	pushq %rsi\n"		/* RSP */
    "	pushq %rdx\n"		/* RFLAGS */
    "	pushq $0x23\n"		/* CS */
    "	pushq %rdi\n"		/* RIP */
    "	iretq\n"
    /* INT 0x81 from CPL 3: on user_tss.rsp0; the frame is dropped. */
    ".globl user_back\n"
    "user_back:\n"
    "	mov $0x10, %eax\n mov %eax, %ds\n mov %eax, %es\n mov %eax, %ss\n"
    "	mov user_kernel_rsp(%rip), %rsp\n"
    "	pop %r15\n pop %r14\n pop %r13\n pop %r12\n pop %rbp\n pop %rbx\n"
    "	popfq\n"
    "	ret\n"
    /* A 4-byte load from an odd address: #AC with CR0.AM and RFLAGS.AC. */
    ".globl user_ac, user_ac_insn\n"
    "user_ac:\n"
    "	lea user_buf+1(%rip), %rax\n"
    "user_ac_insn:\n"
    "1:	movl (%rax), %eax\n"
    "2:\n"
    RT_FIXUP("1b", "2b")
    "	int $0x81\n");

/* Our own GDT with CPL 3 segments and a TSS; every page user-accessible. */
static void user_setup(void)
{
	uint64_t base = (uintptr_t)&user_tss, cr3;
	struct {
		uint16_t limit;
		uint64_t base;
	} __attribute__((packed)) desc = { sizeof(user_gdt) - 1, (uintptr_t)user_gdt };
	unsigned int i;

	user_tss.rsp0 = (uintptr_t)(user_kstack + sizeof(user_kstack));
	user_tss.iomap = sizeof(user_tss);
	user_gdt[1] = 0x00af9a000000ffffULL;	/* 64-bit code, DPL 0 */
	user_gdt[2] = 0x00cf92000000ffffULL;	/* data, DPL 0 */
	user_gdt[3] = 0x00cff2000000ffffULL;	/* data, DPL 3 */
	user_gdt[4] = 0x00affa000000ffffULL;	/* 64-bit code, DPL 3 */
	/* Available 64-bit TSS (type 9), present, limit 0x67 (vol. 3A 8.2.3). */
	user_gdt[5] = (sizeof(user_tss) - 1) | (base & 0xffffff) << 16 | 0x89ULL << 40 |
		      (base >> 24 & 0xff) << 56;
	user_gdt[6] = base >> 32;
	asm volatile("lgdt %0" : : "m" (desc));
	asm volatile("ltr %w0" : : "r" (0x28));
	rt_set_user_gate(0x81, user_back);

	rt_pml4[0] |= 4;
	for (i = 0; i < 4; i++)
		rt_pdpt[i] |= 4;
	for (i = 0; i < 4 * 512; i++)
		if (rt_pd[i] & 1)
			rt_pd[i] |= 4;
	asm volatile("mov %%cr3, %0\n\tmov %0, %%cr3" : "=r" (cr3) : : "memory");
}

static void test_ac_db(void)
{
	uint64_t cr0;
	extern char step_after[], icebp_after[];

	user_setup();
	asm volatile("mov %%cr0, %0" : "=r" (cr0));
	asm volatile("mov %0, %%cr0" : : "r" (cr0 | (1ULL << 18)));	/* AM */
	rt_fault.vector = -1;
	user_call(user_ac, user_ustack + sizeof(user_ustack), 0x40202);	/* AC | IF */
	if (rt_fault.vector == -1)	/* no exception at all: the CPU does not check */
		SKIP("misaligned load at CPL 3 with CR0.AM and EFLAGS.AC: #AC",
		     "this CPU raises no #AC (QEMU's TCG does not check alignment)");
	else
		CHECK(rt_fault.vector == 17 && rt_fault.error == 0 &&
		      rt_fault.rip == (uintptr_t)user_ac_insn,
		      "misaligned load at CPL 3 with CR0.AM and EFLAGS.AC: #AC (vector %d, error %#lx) at the load",
		      rt_fault.vector, (unsigned long)rt_fault.error);
	rt_fault.vector = -1;
	user_call(user_ac, user_ustack + sizeof(user_ustack), 0x202);	/* IF, no AC */
	CHECK(rt_fault.vector == -1, "the same load without EFLAGS.AC: no #AC");
	asm volatile("mov %0, %%cr0" : : "r" (cr0));

	rt_fault.vector = -1;
	asm volatile("mov %0, %%dr6\n\t"
		     "pushfq\n\torq $0x100, (%%rsp)\n\tpopfq\n"	/* TF */
		     "1:	nop\n"
		     ".globl step_after\nstep_after:\n"
		     "2:\n" RT_FIXUP("1b", "2b")
		     : : "r" (0xffff0ff0ULL) : "memory", "cc");
	CHECK(rt_fault.vector == 1 && rt_fault.rip == (uintptr_t)step_after &&
	      (rt_fault.dr6 & (1 << 14)) && !(rt_fault.dr6 & 0xf),
	      "single step (TF): #DB after the stepped instruction, DR6 %#lx (BS)",
	      (unsigned long)rt_fault.dr6);
	rt_fault.vector = -1;
	asm volatile("1:	.byte 0xf1\n"		/* ICEBP (INT1) */
		     ".globl icebp_after\nicebp_after:\n"
		     "2:\n" RT_FIXUP("1b", "2b") : : : "memory");
	if (rt_fault.vector == 6)
		SKIP("ICEBP: #DB reported after the instruction",
		     "this CPU has no ICEBP (#UD: QEMU's TCG)");
	else
		CHECK(rt_fault.vector == 1 && rt_fault.rip == (uintptr_t)icebp_after,
		      "ICEBP: #DB reported after the instruction (vector %d)", rt_fault.vector);
}

void guest_main(const struct hvm_start_info *si)
{
	static const uint64_t bad[] = {
		0x100000000ULL + 0x40,		/* unmapped in our page tables */
		0x8000000000000000ULL,		/* non-canonical */
		0xffffffffffff0000ULL,		/* canonical, unmapped */
		0x3ff00000ULL,			/* mapped by the guest, beyond its RAM */
	};
	char ro_copy[64];
	char *ro;
	unsigned int i;
	long r;

	(void)si;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		void *p = (void *)bad[i];
		struct xen_feature_info *fi = p;

		CHECK(console_write(p, 16) == -EFAULT, "console_io from %p: -EFAULT", p);
		CHECK(xen_version(XENVER_extraversion, p) == -EFAULT,
		      "xen_version(extraversion) to %p: -EFAULT", p);
		CHECK(xen_version(XENVER_compile_info, p) == -EFAULT,
		      "xen_version(compile_info) to %p: -EFAULT", p);
		CHECK(xen_version(XENVER_capabilities, p) == -EFAULT,
		      "xen_version(capabilities) to %p: -EFAULT", p);
		CHECK(xen_version(XENVER_changeset, p) == -EFAULT,
		      "xen_version(changeset) to %p: -EFAULT", p);
		CHECK(xen_version(XENVER_get_features, fi) == -EFAULT,
		      "xen_version(get_features) at %p: -EFAULT", p);
		CHECK(sched_op(SCHEDOP_shutdown, p) == -EFAULT,
		      "sched_op(shutdown) from %p: -EFAULT", p);
	}
	/* A buffer that starts mapped and runs into unmapped memory. */
	CHECK(console_write((const char *)0xffffff00ULL + 0xf0, 0x200) == -EFAULT,
	      "console_io across the end of the mapping: -EFAULT");
	CHECK(console_write("x", 0x7fffffff) == -EINVAL, "console_io of 2 GiB: -EINVAL");
	CHECK(console_write("x", 0xffffffff) == -EINVAL, "console_io of 4 GiB - 1: -EINVAL");
	CHECK(console_write("", 0) == 0, "console_io of 0 bytes: 0");

	/* Results written to a read-only page (CR0.WP is on) are refused. */
	ro = (char *)0x600000;			/* the 2 MiB page at 6 MiB */
	rt_pd[3] &= ~2ULL;			/* clear RW */
	asm volatile("invlpg (%0)" : : "r" (ro) : "memory");
	memcpy(ro_copy, ro, sizeof(ro_copy));
	r = xen_version(XENVER_extraversion, ro);
	CHECK(r == -EFAULT && !rt_memcmp(ro_copy, ro, sizeof(ro_copy)),
	      "xen_version(extraversion) into a read-only page: -EFAULT, page unchanged");
	CHECK(xen_version(XENVER_pagesize, ro) == 4096, "read-only pointers are fine for inputs");

	{
		struct sched_remote_shutdown rs = { .domain_id = 0, .reason = 0 };

		CHECK(sched_op(SCHEDOP_remote_shutdown, &rs) == -ESRCH || sched_op(SCHEDOP_remote_shutdown, &rs) == -EPERM,
		      "remote_shutdown of domain 0 by a guest: refused");
		rs.domain_id = 777;
		CHECK(sched_op(SCHEDOP_remote_shutdown, &rs) == -ESRCH, "remote_shutdown of domain 777 (none): -ESRCH");
		CHECK(sched_op(SCHEDOP_remote_shutdown, (void *)0x100000000ULL) == -EFAULT,
		      "remote_shutdown from an unmapped address: -EFAULT");
	}
	{
		struct sched_shutdown ss = { .reason = 99 };

		CHECK(sched_op(SCHEDOP_shutdown, &ss) == -EINVAL, "sched_op(shutdown, reason 99): -EINVAL");
	}
	for (i = 0; i < 64; i++)
		if (rt_hypercall(64 + i, ~0UL, ~0UL, ~0UL) != -ENOSYS)
			break;
	CHECK(i == 64, "64 unknown hypercall numbers with junk arguments: -ENOSYS");
	CHECK(rt_vmmcall(0xffffffff, 0, 0, 0) == -ENOSYS, "hypercall 0xffffffff: -ENOSYS");
	{
		uint8_t v;

		asm volatile("inb $0x80, %0" : "=a" (v));
		asm volatile("outb %0, $0x80" : : "a" (v));
		CHECK(v == 0xff, "I/O to a port with no device: reads 0xff, writes dropped");
	}
	test_ac_db();
	rt_printf("hostile: still running\n");
}
