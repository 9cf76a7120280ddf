// SPDX-License-Identifier: GPL-2.0-only
/*
 * Local APIC test guest (3 vCPUs): CPUID's APIC bits and IDs, IA32_APIC_BASE
 * and its mode transitions, xAPIC registers through MMIO (the nested-page
 * fault path and the MOV decoder) and x2APIC ones through MSRs (#GP for
 * what the SDM makes #GP), TPR/PPR, self-IPIs with IRR/ISR and EOI, the
 * timer (one-shot, periodic, TSC-deadline), IPIs between vCPUs, INIT-SIPI
 * starting a vCPU in real mode, and MMIO where nothing is (all ones,
 * writes dropped, the domain alive).
 */
#include "rt.h"

#define TRY(insn, ...) ({						\
	rt_fault.vector = -1;						\
	asm volatile("1: " insn "\n2:\n" RT_FIXUP("1b", "2b") __VA_ARGS__);	\
	asm volatile("" ::: "memory");	/* the handler wrote rt_fault */	\
	rt_fault.vector;						\
})

#define APIC		0xfee00000UL
#define NOTHING		0xfed00000UL	/* no device there */
#define TRAMPOLINE	0x9000UL	/* the SIPI vector's page: vector 0x09 */
#define MARK		0x9800UL

static volatile unsigned int hits[2][256];	/* per vCPU 0/1, per vector */
static volatile unsigned int ap_ready, ap_done;
static volatile int isr_seen;
static uint8_t ap_stack[16384] __attribute__((aligned(16)));
static uint64_t tsc_khz;

static uint64_t rdmsr(uint32_t msr)
{
	uint32_t lo, hi;

	asm volatile("rdmsr" : "=a" (lo), "=d" (hi) : "c" (msr));
	return ((uint64_t)hi << 32) | lo;
}

static void wrmsr(uint32_t msr, uint64_t val)
{
	asm volatile("wrmsr" : : "c" (msr), "a" ((uint32_t)val), "d" ((uint32_t)(val >> 32)));
}

static int rdmsr_fault(uint32_t msr)
{
	return TRY("rdmsr", : : "c" (msr) : "rax", "rdx");
}

static int wrmsr_fault(uint32_t msr, uint64_t val)
{
	return TRY("wrmsr", : : "c" (msr), "a" ((uint32_t)val), "d" ((uint32_t)(val >> 32)));
}

static uint32_t mmio_read(unsigned long off)
{
	return *(volatile uint32_t *)(APIC + off);
}

static void mmio_write(unsigned long off, uint32_t val)
{
	*(volatile uint32_t *)(APIC + off) = val;
}

static int x2apic_mode(void)
{
	return (rdmsr(0x1b) & 0xc00) == 0xc00;
}

static uint32_t apic_read(unsigned int off)
{
	return x2apic_mode() ? (uint32_t)rdmsr(0x800 + (off >> 4)) : mmio_read(off);
}

static void apic_eoi(void)
{
	if (x2apic_mode())
		wrmsr(0x80b, 0);
	else
		mmio_write(0xb0, 0);
}

/* Every APIC vector lands here: the highest one in service says which it was. */
static void irq(void)
{
	int cpu = apic_read(0x20) >> (x2apic_mode() ? 1 : 25);
	int i, v = -1;

	for (i = 7; i >= 0 && v < 0; i--) {
		uint32_t w = apic_read(0x100 + i * 0x10);

		if (w)
			v = i * 32 + 31 - __builtin_clz(w);
	}
	if (v >= 0) {
		hits[cpu & 1][v]++;
		isr_seen = v;
	}
	apic_eoi();
}

static uint64_t ms_to_tsc(uint64_t ms)
{
	return ms * tsc_khz;
}

static void spin_ms(uint64_t ms)
{
	uint64_t end = rdtsc() + ms_to_tsc(ms);

	while (rdtsc() < end)
		asm volatile("pause" ::: "memory");
}

static void test_cpuid_and_base(void)
{
	uint32_t r[4];
	uint64_t base;

	rt_cpuid(1, 0, r);
	CHECK(r[3] & (1 << 9), "CPUID 1 EDX: APIC");
	CHECK(r[2] & (1 << 21), "CPUID 1 ECX: x2APIC");
	CHECK(r[2] & (1 << 24), "CPUID 1 ECX: TSC-deadline");
	CHECK((r[1] >> 24) == 0, "CPUID 1 EBX[31:24]: APIC ID 0 on vCPU 0");
	base = rdmsr(0x1b);
	CHECK(base == (APIC | 0x900), "IA32_APIC_BASE = %#lx (0xfee00000, enabled, BSP)",
	      (unsigned long)base);
	CHECK(wrmsr_fault(0x1b, base | 1) == 13, "IA32_APIC_BASE reserved bit 0: #GP");
	CHECK(wrmsr_fault(0x1b, (base & ~0xfffUL) + 0x1000 + 0x900) == 13,
	      "IA32_APIC_BASE relocation: #GP");
	CHECK(wrmsr_fault(0x1b, (base & ~0x800UL) | 0x400) == 13, "EXTD without EN: #GP");
	CHECK(rdmsr_fault(0x802) == 13, "x2APIC MSR in xAPIC mode: #GP");
}

static void test_xapic(void)
{
	uint32_t ver = mmio_read(0x30), v;
	volatile uint8_t *b = (volatile uint8_t *)APIC;

	CHECK((ver & 0xff) >= 0x14 && ((ver >> 16) & 0xff) == 5,
	      "xAPIC version %#x: >= 0x14, 6 LVT entries", ver);
	CHECK(mmio_read(0x20) == 0, "xAPIC ID of vCPU 0: 0");
	CHECK(b[0x30] == (ver & 0xff), "a byte read of the version register");
	asm volatile("movl 0x30(%1,%2,4), %0" : "=r" (v) : "r" (APIC), "r" (0UL));
	CHECK(v == ver, "  ... a read through a SIB operand");
	CHECK(mmio_read(0xf0) == 0xff, "SVR at reset: 0xff (software-disabled)");
	CHECK(mmio_read(0x320) == 0x10000 && mmio_read(0x370) == 0x10000, "LVT entries masked at reset");
	CHECK(mmio_read(0xe0) == 0xffffffff, "DFR at reset: flat");
	mmio_write(0xf0, 0x1ff);
	CHECK(mmio_read(0xf0) == 0x1ff, "SVR = 0x1ff: enabled");
	mmio_write(0x80, 0x20);
	CHECK(mmio_read(0x80) == 0x20 && mmio_read(0xa0) == 0x20, "TPR 0x20, PPR follows it");
	mmio_write(0x80, 0);
	mmio_write(0xd0, 0x01000000);
	CHECK(mmio_read(0xd0) == 0x01000000, "LDR writable in xAPIC mode");

	/* A fixed self-IPI: pending in IRR with interrupts off, then in service, then EOI. */
	asm volatile("cli" ::: "memory");
	mmio_write(0x300, 0x40000 | 0x40);	/* shorthand self, fixed, vector 0x40 */
	v = mmio_read(0x220);
	CHECK(v & 1, "self-IPI 0x40 pending in IRR (IRR1 = %#x)", v);
	CHECK(mmio_read(0x300) == (0x40000 | 0x40), "ICR reads back, delivery status idle");
	isr_seen = -1;
	asm volatile("sti; nop" ::: "memory");
	CHECK(hits[0][0x40] == 1 && isr_seen == 0x40, "self-IPI 0x40 delivered, in ISR in its handler");
	CHECK(mmio_read(0x220) == 0 && mmio_read(0x120) == 0, "after EOI: neither in IRR nor ISR");

	/* TPR holds back a lower class until it drops. */
	mmio_write(0x80, 0x50);
	mmio_write(0x300, 0x40000 | 0x41);
	asm volatile("nop" ::: "memory");
	CHECK(hits[0][0x41] == 0 && (mmio_read(0x220) & 2), "TPR 0x50 holds back vector 0x41");
	mmio_write(0x80, 0);
	asm volatile("nop" ::: "memory");
	CHECK(hits[0][0x41] == 1, "  ... delivered once TPR is 0");
}

static void test_nothing_there(void)
{
	volatile uint32_t *p = (volatile uint32_t *)NOTHING;
	volatile uint8_t *b = (volatile uint8_t *)NOTHING;
	volatile uint64_t *q = (volatile uint64_t *)NOTHING;
	uint32_t zx;

	CHECK(*p == 0xffffffff, "MMIO read where nothing is: all ones (32-bit)");
	CHECK(b[3] == 0xff, "  ... (8-bit)");
	CHECK(q[1] == ~0ULL, "  ... (64-bit)");
	asm volatile("movzwl (%1), %0" : "=r" (zx) : "r" (NOTHING + 6));
	CHECK(zx == 0xffff, "  ... MOVZX of 16 bits: %#x", zx);
	*p = 0x12345678;
	b[5] = 1;
	CHECK(*p == 0xffffffff, "a write there is dropped, the domain keeps running");
}

static void test_x2apic(void)
{
	uint64_t base = rdmsr(0x1b);
	uint32_t v;

	wrmsr(0x1b, base | 0x400);
	CHECK(x2apic_mode(), "x2APIC mode (EXTD set)");
	CHECK(rdmsr(0x802) == 0 && (rdmsr(0x803) & 0xff) >= 0x14, "x2APIC ID 0, version >= 0x14");
	CHECK(rdmsr(0x80d) == 1, "x2APIC LDR of ID 0: cluster 0, bit 0");
	CHECK(mmio_read(0x30) == 0xffffffff, "xAPIC page gone in x2APIC mode (reads all ones)");
	CHECK(rdmsr_fault(0x80e) == 13, "x2APIC DFR: #GP");
	CHECK(rdmsr_fault(0x831) == 13, "x2APIC ICR2: #GP");
	CHECK(rdmsr_fault(0x80b) == 13, "x2APIC EOI read: #GP");
	CHECK(rdmsr_fault(0x83f) == 13, "x2APIC SELF IPI read: #GP");
	CHECK(wrmsr_fault(0x802, 5) == 13, "x2APIC ID write: #GP");
	CHECK(wrmsr_fault(0x80d, 5) == 13, "x2APIC LDR write: #GP");
	CHECK(wrmsr_fault(0x80b, 1) == 13, "x2APIC EOI of a non-zero value: #GP");
	CHECK(wrmsr_fault(0x808, 0x100) == 13, "x2APIC TPR reserved bits: #GP");
	CHECK(wrmsr_fault(0x808, 1ULL << 32) == 13, "x2APIC TPR bits 63:32: #GP");
	CHECK(wrmsr_fault(0x83f, 0x100) == 13, "x2APIC SELF IPI reserved bits: #GP");
	CHECK(wrmsr_fault(0x1b, base) == 13, "x2APIC straight back to xAPIC: #GP");
	wrmsr(0x808, 0x30);
	CHECK(rdmsr(0x808) == 0x30 && rdmsr(0x80a) == 0x30, "x2APIC TPR/PPR");
	{
		uint64_t cr8;

		asm volatile("mov %%cr8, %0" : "=r" (cr8));
		CHECK(cr8 == 3, "CR8 reads TPR[7:4] (%lu)", (unsigned long)cr8);
		asm volatile("mov %0, %%cr8" : : "r" (7UL) : "memory");
		CHECK(rdmsr(0x808) == 0x70, "MOV to CR8 sets TPR[7:4]");
	}
	wrmsr(0x808, 0);

	asm volatile("cli" ::: "memory");
	wrmsr(0x83f, 0x42);
	v = rdmsr(0x822);
	CHECK(v & 4, "SELF IPI 0x42 pending in IRR (%#x)", v);
	asm volatile("sti; nop" ::: "memory");
	CHECK(hits[0][0x42] == 1 && isr_seen == 0x42, "SELF IPI delivered, in ISR in its handler");
	wrmsr(0x830, 0x40000 | 0x43);
	asm volatile("nop" ::: "memory");
	CHECK(hits[0][0x43] == 1, "ICR (64-bit MSR) self shorthand delivered");
	CHECK(rdmsr(0x812) == 0 && rdmsr(0x822) == 0, "ISR and IRR empty after EOI");
	wrmsr(0x830, 0x40000 | 0x05);
	wrmsr(0x828, 0);
	CHECK(rdmsr(0x828) & (1 << 5), "IPI of an illegal vector: ESR send-illegal-vector");
	wrmsr(0x828, 0);
}

static void test_timer(void)
{
	uint64_t t0, t;
	uint32_t cur;

	/* One-shot: 1,000,000 ticks of the 100 MHz bus, divide by 1: 10 ms. */
	wrmsr(0x83e, 0xb);
	wrmsr(0x832, 0x50);
	t0 = rdtsc();
	wrmsr(0x838, 1000000);
	cur = rdmsr(0x839);
	CHECK(cur > 0 && cur <= 1000000, "one-shot: current count %u counts down", cur);
	RT_WAIT_UNTIL(hits[0][0x50] || rdtsc() - t0 > ms_to_tsc(2000));
	t = rdtsc() - t0;
	CHECK(hits[0][0x50] == 1 && t >= ms_to_tsc(10) && t < ms_to_tsc(1000),
	      "one-shot fires once after 10 ms (%lu us)", (unsigned long)(t * 1000 / tsc_khz));
	CHECK(rdmsr(0x839) == 0, "  ... current count 0 afterwards");
	spin_ms(20);
	CHECK(hits[0][0x50] == 1, "  ... and does not fire again");

	/* Periodic: 2 ms, divide by 2 (TDCR 0): 100,000 ticks. */
	wrmsr(0x83e, 0);
	wrmsr(0x832, 0x20000 | 0x51);
	t0 = rdtsc();
	wrmsr(0x838, 100000);
	RT_WAIT_UNTIL(hits[0][0x51] >= 5 || rdtsc() - t0 > ms_to_tsc(3000));
	t = rdtsc() - t0;
	CHECK(hits[0][0x51] >= 5 && t >= ms_to_tsc(10), "periodic fires 5 times in %lu us (>= 10 ms)",
	      (unsigned long)(t * 1000 / tsc_khz));
	wrmsr(0x838, 0);
	cur = hits[0][0x51];
	spin_ms(10);
	CHECK(hits[0][0x51] == cur, "  ... initial count 0 stops it");

	/* TSC-deadline: LVTT mode 10b, IA32_TSC_DEADLINE 5 ms ahead. */
	wrmsr(0x832, 0x40000 | 0x52);
	t0 = rdtsc();
	wrmsr(0x6e0, t0 + ms_to_tsc(5));
	CHECK(rdmsr(0x6e0) == t0 + ms_to_tsc(5), "TSC-deadline reads back");
	RT_WAIT_UNTIL(hits[0][0x52] || rdtsc() - t0 > ms_to_tsc(2000));
	t = rdtsc() - t0;
	CHECK(hits[0][0x52] == 1 && t >= ms_to_tsc(5), "TSC-deadline fires after 5 ms (%lu us)",
	      (unsigned long)(t * 1000 / tsc_khz));
	CHECK(rdmsr(0x6e0) == 0, "  ... and reads 0 afterwards");
	wrmsr(0x6e0, 1);
	asm volatile("nop" ::: "memory");
	CHECK(hits[0][0x52] == 2, "a deadline already passed fires at once");
	wrmsr(0x832, 0x10000);
}

static void ap_main(unsigned int id)
{
	uint32_t r[4];

	wrmsr(0x1b, rdmsr(0x1b) | 0x400);
	wrmsr(0x80f, 0x1ff);
	rt_cpuid(1, 0, r);
	ap_ready = (rdmsr(0x802) == 2 && (r[1] >> 24) == 2 && !(rdmsr(0x1b) & 0x100)) ? 1 : 2;
	(void)id;
	RT_WAIT_UNTIL(hits[1][0x60] && hits[1][0x61]);
	wrmsr(0x830, (0ULL << 32) | 0x62);	/* physical, to APIC ID 0 */
	ap_done = 1;
	for (;;)
		asm volatile("sti; hlt");
}

static void test_ipis(void)
{
	static const uint8_t tramp[] = {
		0x8c, 0xc8,		/* mov %cs, %ax */
		0xa3, 0x00, 0x98,	/* mov %ax, 0x9800 */
		0xb8, 0xcd, 0xab,	/* mov $0xabcd, %ax */
		0xa3, 0x02, 0x98,	/* mov %ax, 0x9802 */
		0xf3, 0x90,		/* 1: pause */
		0x83, 0x3e, 0x04, 0x98, 0x00,	/* cmpw $0, 0x9804 */
		0x74, 0xf7,		/* je 1b */
		0xfa, 0xf4,		/* cli; hlt: down (Xen's hvm_hlt) */
		0xeb, 0xfd,		/* jmp hlt */
	};
	volatile uint16_t *mark = (volatile uint16_t *)MARK;
	uint64_t t0;

	CHECK(rt_init_ap(1, ap_stack + sizeof(ap_stack), ap_main) == 0 &&
	      rt_vcpu_op(VCPUOP_up, 1, 0) == 0, "vCPU 1 up (VCPUOP)");
	t0 = rdtsc();
	while (!ap_ready && rdtsc() - t0 < ms_to_tsc(2000))
		asm volatile("pause" ::: "memory");
	CHECK(ap_ready == 1, "vCPU 1: x2APIC ID 2, CPUID APIC ID 2, not the BSP");
	wrmsr(0x830, (2ULL << 32) | 0x60);			/* physical, APIC ID 2 */
	wrmsr(0x830, (4ULL << 32) | (1 << 11) | 0x61);		/* logical: cluster 0, bit 2 */
	while (!hits[0][0x62] && rdtsc() - t0 < ms_to_tsc(3000))
		asm volatile("pause" ::: "memory");
	CHECK(hits[1][0x60] == 1 && hits[1][0x61] == 1, "IPIs to vCPU 1 (physical and logical)");
	CHECK(hits[0][0x62] == 1 && ap_done, "IPI back from vCPU 1");

	/* INIT-SIPI-SIPI to vCPU 2 (APIC ID 4): real mode at CS 0x0900. */
	memcpy((void *)TRAMPOLINE, tramp, sizeof(tramp));
	mark[0] = mark[1] = mark[2] = 0;
	wrmsr(0x830, (4ULL << 32) | 0x600 | (TRAMPOLINE >> 12));	/* SIPI before INIT */
	spin_ms(20);
	CHECK(mark[1] == 0 && rt_vcpu_op(VCPUOP_is_up, 2, 0) == 0, "SIPI without INIT: ignored");
	wrmsr(0x830, (4ULL << 32) | 0xc500);		/* INIT, level, assert */
	wrmsr(0x830, (4ULL << 32) | 0x8500);		/* INIT de-assert */
	wrmsr(0x830, (4ULL << 32) | 0x600 | (TRAMPOLINE >> 12));
	wrmsr(0x830, (4ULL << 32) | 0x600 | (TRAMPOLINE >> 12));
	t0 = rdtsc();
	while (mark[1] != 0xabcd && rdtsc() - t0 < ms_to_tsc(2000))
		asm volatile("pause" ::: "memory");
	CHECK(mark[1] == 0xabcd && mark[0] == 0x0900, "INIT-SIPI-SIPI: vCPU 2 ran at CS %#x in real mode",
	      mark[0]);
	CHECK(rt_vcpu_op(VCPUOP_is_up, 2, 0) == 1, "  ... and is up");
	mark[2] = 1;	/* "halt now", with interrupts off */
	t0 = rdtsc();
	while (rt_vcpu_op(VCPUOP_is_up, 2, 0) == 1 && rdtsc() - t0 < ms_to_tsc(2000))
		asm volatile("pause" ::: "memory");
	CHECK(rt_vcpu_op(VCPUOP_is_up, 2, 0) == 0, "  ... and goes down on HLT with interrupts off");
}

void guest_main(const struct hvm_start_info *si)
{
	uint32_t r[4];
	int i;

	(void)si;
	rt_cpuid(0x40000003, 0, r);
	tsc_khz = r[2];
	ASSERT(tsc_khz);
	for (i = 0x40; i < 0x70; i++)
		rt_set_upcall(i, irq);
	test_cpuid_and_base();
	test_xapic();
	test_nothing_there();
	test_x2apic();
	test_timer();
	test_ipis();
}
