/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The test guests' tiny runtime: PVH entry into long mode (pvh.S; or, for
 * the 32-bit guests, staying in protected mode: pvh32.S), an IDT
 * that reports exceptions, hypercalls through the hypercall page, printf
 * over console_io, and checks that report "ok - ..." / "not ok - ..." lines
 * (file:line on failure) which the VM harness numbers into TAP.
 */
#ifndef PVHV_GUEST_RT_H
#define PVHV_GUEST_RT_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <xen/xen.h>
#include <xen/version.h>
#include <xen/sched.h>
#include <xen/arch-x86/hvm/start_info.h>
#include <xen/vcpu.h>
#include <xen/hvm/hvm_vcpu.h>

/* Set by pvh.S before rt_main(). */
extern uint32_t rt_start_info_pa;
extern uint32_t rt_hcall32_ret;	/* console_io result of the 32-bit stage: no paging */
extern uint32_t rt_hcall_pse_ret;	/* ... under 32-bit paging with PSE */
extern uint32_t rt_hcall_pae_ret;	/* ... under PAE paging */
extern uint8_t rt_hypercall_page[4096];

/* Each guest provides this. */
void guest_main(const struct hvm_start_info *si);

/* Hypercalls through the page; return the hypervisor's rax. */
long rt_hypercall(unsigned int nr, unsigned long a1, unsigned long a2, unsigned long a3);
#ifdef __x86_64__
/* The same from compatibility mode (pvh.S): the 32-bit ABI; arguments below 4 GiB. */
long rt_hypercall_compat(unsigned int nr, unsigned long a1, unsigned long a2, unsigned long a3);
#endif
/* The same, with VMCALL / VMMCALL issued directly (no page). */
long rt_vmcall(unsigned int nr, unsigned long a1, unsigned long a2, unsigned long a3);
long rt_vmmcall(unsigned int nr, unsigned long a1, unsigned long a2, unsigned long a3);

static inline long xen_version(int cmd, void *arg)
{
	return rt_hypercall(__HYPERVISOR_xen_version, cmd, (unsigned long)arg, 0);
}

static inline long console_write(const char *s, unsigned long n)
{
	return rt_hypercall(__HYPERVISOR_console_io, CONSOLEIO_write, n, (unsigned long)s);
}

static inline long sched_op(int cmd, void *arg)
{
	return rt_hypercall(__HYPERVISOR_sched_op, cmd, (unsigned long)arg, 0);
}

void rt_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void rt_vprintf(const char *fmt, va_list ap);
int rt_snprintf(char *buf, size_t len, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
size_t rt_strlen(const char *s);
int rt_memcmp(const void *a, const void *b, size_t n);
int rt_strncmp(const char *a, const char *b, size_t n);
void *memset(void *d, int c, size_t n);
void *memcpy(void *d, const void *s, size_t n);
void rt_shutdown(unsigned int reason) __attribute__((noreturn));
long rt_vcpu_op(int cmd, unsigned int vcpu, void *arg);
#ifdef __x86_64__
/* VCPUOP_initialise vCPU @id in 64-bit mode on our page tables, to run @fn. */
long rt_init_ap(unsigned int id, void *stack_top, void (*fn)(unsigned int id));
#endif
/* System time in ns from a pvclock record (version protocol); counts odd versions seen. */
uint64_t rt_pvclock_ns(volatile struct vcpu_time_info *t, uint32_t *odd);
/* The same, and the TSC value it was computed from to *tsc (if not NULL). */
uint64_t rt_pvclock_read(volatile struct vcpu_time_info *t, uint32_t *odd, uint64_t *tsc);
/*
 * The 2-level upcall, as Linux scans it: count[port]++ for each event. With
 * @mine (a bitmap of ports), only those are taken, as Linux's per-CPU masks.
 */
void rt_evtchn_scan(volatile struct shared_info *sh, volatile struct vcpu_info *vi,
		    volatile unsigned int *count, const unsigned long *mine);
static inline long rt_evtchn_op(int cmd, void *arg)
{
	return rt_hypercall(__HYPERVISOR_event_channel_op, cmd, (unsigned long)arg, 0);
}
/* The number after "KEY=" in a command line of space-separated words; 0 if absent. */
unsigned long rt_arg(const char *cmdline, const char *key);
/*
 * Sleep (HLT) until @cond holds, woken by upcalls. Interrupts are off while
 * @cond is tested, and STI;HLT re-enables them atomically with the halt, so
 * an upcall between the test and the halt cannot be missed.
 */
#define RT_WAIT_UNTIL(cond) do {					\
	asm volatile("cli" ::: "memory");				\
	while (!(cond))							\
		asm volatile("sti; hlt; cli" ::: "memory");		\
	asm volatile("sti" ::: "memory");				\
} while (0)

/* Gate @vector to @entry (an assembly stub), callable by INT n from CPL 3. */
void rt_set_user_gate(uint8_t vector, void (*entry)(void));

/* Route interrupt @vector (the event-channel upcall) to @fn. */
void rt_set_upcall(uint8_t vector, void (*fn)(void));

extern int rt_failures;
void rt_check(int cond, const char *file, int line, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
/* CHECK(cond, "what"): one result line. */
#define CHECK(cond, ...) rt_check(!!(cond), __FILE__, __LINE__, __VA_ARGS__)
/* SKIP(what, why): a check this CPU cannot judge, reported as a TAP SKIP. */
#define SKIP(what, why) rt_printf("ok - %s # SKIP %s\n", what, why)
/* CPUID 0 says GenuineIntel: pvhv runs the guest with VMX. */
int rt_cpu_is_intel(void);
/* ASSERT: a failure ends the guest (crash) after reporting file:line. */
#define ASSERT(cond) do {						\
	if (!(cond)) {							\
		rt_printf("not ok - %s:%d: assertion '%s' failed\n",	\
			  __FILE__, __LINE__, #cond);			\
		rt_shutdown(SHUTDOWN_crash);				\
	}								\
} while (0)

/*
 * Exceptions a test provokes on purpose: the faulting instruction carries
 * a fixup entry; the handler records the vector (and error code, CR2) and
 * resumes after the instruction. Anything else ends the guest.
 */
struct rt_fault {
	int vector;		/* -1: none */
	uint64_t error;
	uint64_t cr2;
	uint64_t rip;		/* where it was reported: the instruction (fault) or the next (trap) */
	uint64_t dr6;		/* #DB only: DR6 in the handler */
};
extern struct rt_fault rt_fault;
#ifdef __x86_64__
#define RT_FIXUP_PTR ".quad "
#else
#define RT_FIXUP_PTR ".long "
#endif
#define RT_FIXUP(from, to) \
	".pushsection .rt_fixup, \"a\"\n.balign 8\n" RT_FIXUP_PTR from ", " to "\n.popsection\n"

static inline uint64_t rdtsc(void)
{
	uint32_t lo, hi;

	asm volatile("rdtsc" : "=a" (lo), "=d" (hi));
	return ((uint64_t)hi << 32) | lo;
}

static inline void rt_cpuid(uint32_t leaf, uint32_t sub, uint32_t r[4])
{
	asm volatile("cpuid" : "=a" (r[0]), "=b" (r[1]), "=c" (r[2]), "=d" (r[3])
		     : "a" (leaf), "c" (sub));
}

#endif
