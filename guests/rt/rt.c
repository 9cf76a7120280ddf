// SPDX-License-Identifier: GPL-2.0-only
/* The test guests' runtime: IDT, hypercalls, printf, checks, shutdown. */
#include "rt.h"

uint32_t rt_start_info_pa;
uint32_t rt_hcall32_ret = 0xdeadbeef;
uint32_t rt_hcall_pse_ret = 0xdeadbeef;
uint32_t rt_hcall_pae_ret = 0xdeadbeef;
int rt_failures;
struct rt_fault rt_fault = { .vector = -1 };

/* What the exception stubs (pvh.S, pvh32.S) and the CPU pushed. */
#ifdef __x86_64__
struct rt_frame {
	uint64_t r11, r10, r9, r8, rdi, rsi, rdx, rcx, rax;
	uint64_t vector, error, rip, cs, rflags, rsp, ss;
};

struct idt_entry {
	uint16_t off0, sel;
	uint8_t ist, type;
	uint16_t off1;
	uint32_t off2, rsvd;
} __attribute__((packed));
#else
struct rt_frame {
	uint32_t edx, ecx, eax;
	uint32_t vector, error, rip, cs, rflags;
};

struct idt_entry {
	uint16_t off0, sel;
	uint8_t zero, type;
	uint16_t off1;
} __attribute__((packed));
#endif

static struct idt_entry rt_idt[256] __attribute__((aligned(16)));
extern char rt_exc_stubs[], rt_upcall_entry[];
static void (*rt_upcall_fn)(void);
extern const uintptr_t __rt_fixup_start[], __rt_fixup_end[];

void *memset(void *d, int c, size_t n)
{
	uint8_t *p = d;

	while (n--)
		*p++ = (uint8_t)c;
	return d;
}

/* As Linux does on CPUs with ERMS: one string instruction. */
void *memcpy(void *d, const void *s, size_t n)
{
	void *ret = d;

	asm volatile("rep movsb" : "+D"(d), "+S"(s), "+c"(n) : : "memory");
	return ret;
}

size_t rt_strlen(const char *s)
{
	size_t n = 0;

	while (s[n])
		n++;
	return n;
}

int rt_memcmp(const void *a, const void *b, size_t n)
{
	const uint8_t *x = a, *y = b;

	for (; n; n--, x++, y++)
		if (*x != *y)
			return *x - *y;
	return 0;
}

int rt_strncmp(const char *a, const char *b, size_t n)
{
	for (; n; n--, a++, b++) {
		if (*a != *b)
			return (uint8_t)*a - (uint8_t)*b;
		if (!*a)
			return 0;
	}
	return 0;
}

/*
 * The hypercall ABI of the guest's width: arguments in RDI, RSI, RDX
 * (64-bit) or EBX, ECX, EDX (32-bit, the compat ABI); the result in RAX.
 * Through the page, whose stubs may clobber what Xen's may.
 */
#ifdef __x86_64__
#define RT_A1 "+D"
#define RT_A2 "+S"
#define RT_STUB "r"
#define RT_STUB_CLOBBERS "rcx", "r8", "r9", "r10", "r11"
#else
#define RT_A1 "+b"
#define RT_A2 "+c"
#define RT_STUB "S"
#define RT_STUB_CLOBBERS "cc"
#endif

long rt_hypercall(unsigned int nr, unsigned long a1, unsigned long a2, unsigned long a3)
{
	long ret;

	asm volatile("call *%[stub]"
		     : "=a" (ret), RT_A1 (a1), RT_A2 (a2), "+d" (a3)
		     : [stub] RT_STUB (rt_hypercall_page + nr * 32)
		     : "memory", RT_STUB_CLOBBERS);
	return ret;
}

long rt_vmcall(unsigned int nr, unsigned long a1, unsigned long a2, unsigned long a3)
{
	long ret;

	asm volatile("vmcall" : "=a" (ret), RT_A1 (a1), RT_A2 (a2), "+d" (a3)
		     : "a" ((unsigned long)nr) : "memory");
	return ret;
}

long rt_vmmcall(unsigned int nr, unsigned long a1, unsigned long a2, unsigned long a3)
{
	long ret;

	asm volatile("vmmcall" : "=a" (ret), RT_A1 (a1), RT_A2 (a2), "+d" (a3)
		     : "a" ((unsigned long)nr) : "memory");
	return ret;
}

#ifndef __x86_64__
/* libgcc's 64-bit division, which a freestanding 32-bit build lacks. */
uint64_t __udivmoddi4(uint64_t n, uint64_t d, uint64_t *rem);
uint64_t __udivmoddi4(uint64_t n, uint64_t d, uint64_t *rem)
{
	uint64_t q = 0, r = 0;
	int i;

	for (i = 63; i >= 0; i--) {
		r = (r << 1) | ((n >> i) & 1);
		if (r >= d) {
			r -= d;
			q |= 1ULL << i;
		}
	}
	if (rem)
		*rem = r;
	return q;
}

uint64_t __udivdi3(uint64_t n, uint64_t d);
uint64_t __udivdi3(uint64_t n, uint64_t d)
{
	return __udivmoddi4(n, d, NULL);
}

uint64_t __umoddi3(uint64_t n, uint64_t d);
uint64_t __umoddi3(uint64_t n, uint64_t d)
{
	uint64_t r;

	__udivmoddi4(n, d, &r);
	return r;
}
#endif

/* --- printf ------------------------------------------------------------ */

struct out {
	char *buf;
	size_t len, pos;
};

static void put(struct out *o, char c)
{
	if (o->pos + 1 < o->len)
		o->buf[o->pos] = c;
	o->pos++;
}

static void put_num(struct out *o, uint64_t v, unsigned int base, int neg, int width, char pad)
{
	char tmp[24];
	int n = 0;

	do {
		tmp[n++] = "0123456789abcdef"[v % base];
		v /= base;
	} while (v);
	if (neg)
		tmp[n++] = '-';
	while (width-- > n)
		put(o, pad);
	while (n)
		put(o, tmp[--n]);
}

static void rt_vformat(struct out *o, const char *fmt, va_list ap)
{
	for (; *fmt; fmt++) {
		int lng = 0, width = 0, alt = 0;
		char pad = ' ';

		if (*fmt != '%') {
			put(o, *fmt);
			continue;
		}
		fmt++;
		if (*fmt == '#')
			alt = 1, fmt++;
		if (*fmt == '0')
			pad = '0', fmt++;
		while (*fmt >= '0' && *fmt <= '9')
			width = width * 10 + (*fmt++ - '0');
		while (*fmt == 'l')
			lng++, fmt++;
		switch (*fmt) {
		case 'd': {
			long v = lng ? va_arg(ap, long) : va_arg(ap, int);

			put_num(o, v < 0 ? -(uint64_t)v : (uint64_t)v, 10, v < 0, width, pad);
			break;
		}
		case 'u':
			put_num(o, lng ? va_arg(ap, unsigned long) : va_arg(ap, unsigned int),
				10, 0, width, pad);
			break;
		case 'x':
			if (alt) {
				put(o, '0');
				put(o, 'x');
			}
			put_num(o, lng ? va_arg(ap, unsigned long) : va_arg(ap, unsigned int),
				16, 0, width, pad);
			break;
		case 'p':
			put(o, '0');
			put(o, 'x');
			put_num(o, (uintptr_t)va_arg(ap, void *), 16, 0, 0, ' ');
			break;
		case 's': {
			const char *s = va_arg(ap, const char *);

			for (s = s ? s : "(null)"; *s; s++)
				put(o, *s);
			break;
		}
		case 'c':
			put(o, (char)va_arg(ap, int));
			break;
		default:
			put(o, '%');
			put(o, *fmt);
		}
	}
	if (o->len)
		o->buf[o->pos < o->len ? o->pos : o->len - 1] = '\0';
}

int rt_snprintf(char *buf, size_t len, const char *fmt, ...)
{
	struct out o = { buf, len, 0 };
	va_list ap;

	va_start(ap, fmt);
	rt_vformat(&o, fmt, ap);
	va_end(ap);
	return (int)o.pos;
}

void rt_vprintf(const char *fmt, va_list ap)
{
	char buf[512];
	struct out o = { buf, sizeof(buf), 0 };

	rt_vformat(&o, fmt, ap);
	console_write(buf, rt_strlen(buf));
}

void rt_printf(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	rt_vprintf(fmt, ap);
	va_end(ap);
}

void rt_check(int cond, const char *file, int line, const char *fmt, ...)
{
	va_list ap;

	rt_printf(cond ? "ok - " : "not ok - ");
	va_start(ap, fmt);
	rt_vprintf(fmt, ap);
	va_end(ap);
	if (!cond) {
		rt_failures++;
		rt_printf(" (%s:%d)", file, line);
	}
	rt_printf("\n");
}

int rt_cpu_is_intel(void)
{
	uint32_t r[4];

	rt_cpuid(0, 0, r);
	return r[1] == 0x756e6547 && r[3] == 0x49656e69 && r[2] == 0x6c65746e;
}

void rt_shutdown(unsigned int reason)
{
	struct sched_shutdown ss = { .reason = reason };

	for (;;)
		sched_op(SCHEDOP_shutdown, &ss);
}

/* --- exceptions --------------------------------------------------------- */

void rt_exception(struct rt_frame *f);
void rt_exception(struct rt_frame *f)
{
	const uintptr_t *e;
	uintptr_t cr2;

	asm volatile("mov %%cr2, %0" : "=r" (cr2));
	for (e = __rt_fixup_start; e < __rt_fixup_end; e += 2) {
		/* Faults report the instruction, traps (int3) the one after. */
		if (f->rip == e[0] || f->rip == e[1]) {
			rt_fault.vector = (int)f->vector;
			rt_fault.error = f->error;
			rt_fault.cr2 = cr2;
			rt_fault.rip = f->rip;
			if (f->vector == 1) {
				uintptr_t dr6;

				asm volatile("mov %%dr6, %0" : "=r" (dr6));
				rt_fault.dr6 = dr6;
				f->rflags &= ~0x100ULL;	/* a provoked single step ends here (TF) */
			}
			f->rip = e[1];
			return;
		}
	}
	rt_printf("not ok - unexpected exception %lu (error %#lx) at rip %p, cr2 %p\n",
		  (unsigned long)f->vector, (unsigned long)f->error, (void *)(uintptr_t)f->rip,
		  (void *)cr2);
	rt_shutdown(SHUTDOWN_crash);
}

static void rt_set_gate(int vec, uintptr_t a)
{
	rt_idt[vec] = (struct idt_entry){
		.off0 = (uint16_t)a, .sel = 0x08, .type = 0x8e,	/* interrupt gate */
		.off1 = (uint16_t)(a >> 16),
#ifdef __x86_64__
		.off2 = (uint32_t)(a >> 32),
#endif
	};
}

void rt_set_user_gate(uint8_t vector, void (*entry)(void))
{
	rt_set_gate(vector, (uintptr_t)entry);
	rt_idt[vector].type = 0xee;	/* interrupt gate, DPL 3 */
}

void rt_upcall(void);
void rt_upcall(void)
{
	if (rt_upcall_fn)
		rt_upcall_fn();
}

void rt_set_upcall(uint8_t vector, void (*fn)(void))
{
	rt_upcall_fn = fn;
	rt_set_gate(vector, (uintptr_t)rt_upcall_entry);
}

static void rt_load_idt(void)
{
	struct {
		uint16_t limit;
		uintptr_t base;
	} __attribute__((packed)) desc = { sizeof(rt_idt) - 1, (uintptr_t)rt_idt };

	asm volatile("lidt %0" : : "m" (desc));
}

static void rt_setup_idt(void)
{
	int i;

	for (i = 0; i < 32; i++)
		rt_set_gate(i, (uintptr_t)rt_exc_stubs + 16 * i);
	rt_load_idt();
}

long rt_vcpu_op(int cmd, unsigned int vcpu, void *arg)
{
	return rt_hypercall(__HYPERVISOR_vcpu_op, cmd, vcpu, (unsigned long)arg);
}

/* --- secondary vCPUs (64-bit guests) ------------------------------------- */

#ifdef __x86_64__
extern char rt_ap_entry[];
static void (*rt_ap_fn)(unsigned int id);

void rt_ap_main(unsigned long id);
void rt_ap_main(unsigned long id)
{
	rt_load_idt();
	if (rt_ap_fn)
		rt_ap_fn((unsigned int)id);
}

/* VCPUOP_initialise vCPU @id in 64-bit mode on our page tables, running @fn. */
long rt_init_ap(unsigned int id, void *stack_top, void (*fn)(unsigned int id))
{
	struct vcpu_hvm_context ctx;
	uint64_t cr0, cr3, cr4;
	uint32_t lo, hi;

	rt_ap_fn = fn;
	memset(&ctx, 0, sizeof(ctx));
	asm volatile("mov %%cr0, %0; mov %%cr3, %1; mov %%cr4, %2" : "=r" (cr0), "=r" (cr3), "=r" (cr4));
	asm volatile("rdmsr" : "=a" (lo), "=d" (hi) : "c" (0xc0000080));
	ctx.mode = VCPU_HVM_MODE_64B;
	ctx.cpu_regs.x86_64.rip = (uintptr_t)rt_ap_entry;
	ctx.cpu_regs.x86_64.rsp = (uintptr_t)stack_top;
	ctx.cpu_regs.x86_64.rdi = id;
	ctx.cpu_regs.x86_64.rflags = 2;
	ctx.cpu_regs.x86_64.cr0 = cr0;
	ctx.cpu_regs.x86_64.cr3 = cr3;
	ctx.cpu_regs.x86_64.cr4 = cr4;
	ctx.cpu_regs.x86_64.efer = ((uint64_t)hi << 32) | lo;
	return rt_vcpu_op(VCPUOP_initialise, id, &ctx);
}
#endif

void rt_main(void);
void rt_main(void)
{
	const struct hvm_start_info *si = (const void *)(uintptr_t)rt_start_info_pa;
	uint64_t page = (uintptr_t)rt_hypercall_page;

	rt_setup_idt();
	/* Hypercall page: Xen's CPUID leaf 2 names the MSR. */
	asm volatile("wrmsr" : : "c" (0x40000000), "a" ((uint32_t)page),
		     "d" ((uint32_t)(page >> 32)));
	guest_main(si);
	rt_printf("guest done: %d failure(s)\n", rt_failures);
	rt_shutdown(rt_failures ? SHUTDOWN_crash : SHUTDOWN_poweroff);
}

/* --- Xen helpers shared by the guests ---------------------------------- */

uint64_t rt_pvclock_read(volatile struct vcpu_time_info *t, uint32_t *odd, uint64_t *tsc)
{
	uint64_t delta, ns, now;
	uint32_t v;

	do {
		v = t->version;
		if ((v & 1) && odd)
			(*odd)++;
		asm volatile("" ::: "memory");
		now = rdtsc();
		delta = now - t->tsc_timestamp;
		delta = t->tsc_shift < 0 ? delta >> -t->tsc_shift : delta << t->tsc_shift;
		/* (delta * mul) >> 32 in 64-bit pieces, as Linux's mul_u64_u32_shr() */
		ns = t->system_time + (delta >> 32) * t->tsc_to_system_mul +
		     (((delta & 0xffffffff) * t->tsc_to_system_mul) >> 32);
		asm volatile("" ::: "memory");
	} while ((v & 1) || v != t->version);
	if (tsc)
		*tsc = now;
	return ns;
}

uint64_t rt_pvclock_ns(volatile struct vcpu_time_info *t, uint32_t *odd)
{
	return rt_pvclock_read(t, odd, 0);
}

unsigned long rt_arg(const char *cmdline, const char *key)
{
	size_t n = rt_strlen(key);
	unsigned long v = 0;
	const char *p;

	for (p = cmdline; *p; p++) {
		if ((p == cmdline || p[-1] == ' ') && !rt_strncmp(p, key, n) && p[n] == '=') {
			for (p += n + 1; *p >= '0' && *p <= '9'; p++)
				v = v * 10 + (unsigned long)(*p - '0');
			return v;
		}
	}
	return 0;
}

void rt_evtchn_scan(volatile struct shared_info *sh, volatile struct vcpu_info *vi,
		    volatile unsigned int *count, const unsigned long *mine)
{
	while (vi->evtchn_upcall_pending) {
		unsigned long sel;

		vi->evtchn_upcall_pending = 0;
		sel = __atomic_exchange_n(&vi->evtchn_pending_sel, 0, __ATOMIC_SEQ_CST);
		while (sel) {
			int w = __builtin_ctzl(sel);
			unsigned long pend;

			sel &= sel - 1;
			pend = sh->evtchn_pending[w] & ~sh->evtchn_mask[w] & (mine ? mine[w] : ~0UL);
			while (pend) {
				int b = __builtin_ctzl(pend);

				pend &= pend - 1;
				__atomic_and_fetch(&sh->evtchn_pending[w], ~(1UL << b), __ATOMIC_SEQ_CST);
				__atomic_add_fetch(&count[w * 8 * sizeof(long) + b], 1, __ATOMIC_SEQ_CST);
			}
		}
	}
}
