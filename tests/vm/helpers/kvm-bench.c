// SPDX-License-Identifier: GPL-2.0-only
/*
 * kvm-bench: the peer of pvhv's null-hypercall benchmark. A KVM guest in
 * 32-bit protected mode runs CALLS x (mov $0,%eax; vmmcall) between two
 * RDTSCs (KVM answers an unknown hypercall in the kernel, like pvhv answers
 * xen_version) and halts; the best of ROUNDS is printed in cycles per call.
 * On Intel the loop uses VMCALL, the instruction kvm_intel traps natively
 * (KVM would patch a VMMCALL into it after a first #UD anyway).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>
#include <cpuid.h>
#include <linux/kvm.h>

#define ROUNDS 5
#define CALLS 20000
#define MEM (64 * 1024)
#define CODE 0x1000
#define HCALL 16	/* offset of the hypercall instruction in code[] */

static int die(const char *what)
{
	printf("kvm-bench: %s: %s\n", what, strerror(errno));
	return 1;
}

/* CPUID leaf 0 vendor "GenuineIntel": EBX "Genu", EDX "ineI", ECX "ntel". */
static int cpu_is_intel(void)
{
	unsigned int a, b, c, d;

	return __get_cpuid(0, &a, &b, &c, &d) && b == 0x756e6547 && d == 0x49656e69 &&
	       c == 0x6c65746e;
}

int main(void)
{
	static uint8_t code[] = {
		0x0f, 0x31,			/* rdtsc */
		0x89, 0xc6,			/* mov %eax, %esi */
		0x89, 0xd7,			/* mov %edx, %edi */
		0xb9, CALLS & 0xff, (CALLS >> 8) & 0xff, 0, 0,	/* mov $CALLS, %ecx */
		0xb8, 0, 0, 0, 0,		/* 1: mov $0, %eax */
		0x0f, 0x01, 0xd9,		/* vmmcall (at HCALL) */
		0xe2, 0xf6,			/* loop 1b */
		0x0f, 0x31,			/* rdtsc */
		0xf4,				/* hlt */
	};
	struct kvm_userspace_memory_region region;
	struct kvm_segment seg;
	struct kvm_sregs sregs;
	struct kvm_regs regs;
	struct kvm_run *run;
	uint64_t best = UINT64_MAX;
	int kvm, vm, vcpu, r, sz;
	uint8_t *mem;

	kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (kvm < 0)
		return die("open /dev/kvm");
	vm = ioctl(kvm, KVM_CREATE_VM, 0UL);
	if (vm < 0)
		return die("KVM_CREATE_VM");
	mem = mmap(NULL, MEM, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (mem == MAP_FAILED)
		return die("mmap");
	if (cpu_is_intel())
		code[HCALL + 2] = 0xc1;	/* vmmcall (0f 01 d9) -> vmcall (0f 01 c1) */
	memcpy(mem + CODE, code, sizeof(code));
	region = (struct kvm_userspace_memory_region){ .slot = 0, .guest_phys_addr = 0,
		.memory_size = MEM, .userspace_addr = (uintptr_t)mem };
	if (ioctl(vm, KVM_SET_USER_MEMORY_REGION, &region))
		return die("KVM_SET_USER_MEMORY_REGION");
	vcpu = ioctl(vm, KVM_CREATE_VCPU, 0UL);
	if (vcpu < 0)
		return die("KVM_CREATE_VCPU");
	sz = ioctl(kvm, KVM_GET_VCPU_MMAP_SIZE, 0UL);
	run = mmap(NULL, (size_t)sz, PROT_READ | PROT_WRITE, MAP_SHARED, vcpu, 0);
	if (run == MAP_FAILED)
		return die("mmap kvm_run");
	if (ioctl(vcpu, KVM_GET_SREGS, &sregs))
		return die("KVM_GET_SREGS");
	seg = (struct kvm_segment){ .base = 0, .limit = 0xffffffff, .selector = 8, .type = 11,
		.present = 1, .dpl = 0, .db = 1, .s = 1, .l = 0, .g = 1 };
	sregs.cs = seg;
	seg.type = 3;
	seg.selector = 16;
	sregs.ds = sregs.es = sregs.fs = sregs.gs = sregs.ss = seg;
	sregs.cr0 |= 1;	/* PE */
	if (ioctl(vcpu, KVM_SET_SREGS, &sregs))
		return die("KVM_SET_SREGS");

	for (r = 0; r < ROUNDS; r++) {
		uint64_t t0, t1;

		memset(&regs, 0, sizeof(regs));
		regs.rip = CODE;
		regs.rflags = 2;
		if (ioctl(vcpu, KVM_SET_REGS, &regs))
			return die("KVM_SET_REGS");
		if (ioctl(vcpu, KVM_RUN, 0UL))
			return die("KVM_RUN");
		if (run->exit_reason != KVM_EXIT_HLT) {
			printf("kvm-bench: unexpected exit %u\n", run->exit_reason);
			return 1;
		}
		if (ioctl(vcpu, KVM_GET_REGS, &regs))
			return die("KVM_GET_REGS");
		t0 = ((regs.rdi & 0xffffffff) << 32) | (regs.rsi & 0xffffffff);
		t1 = ((regs.rdx & 0xffffffff) << 32) | (regs.rax & 0xffffffff);
		if ((t1 - t0) / CALLS < best)
			best = (t1 - t0) / CALLS;
	}
	printf("bench: kvm null hypercall: %llu cycles/call (best of %d x %d)\n",
	       (unsigned long long)best, ROUNDS, CALLS);
	return 0;
}
