/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * pvhv_svm_vmrun(u64 *regs, u64 vmcb_pa, u64 host_save_pa)
 *
 * One guest entry (AMD APM vol. 2, 15.5 "VMRUN", 15.5.2 "VMSAVE and VMLOAD").
 * Called with interrupts disabled and GIF clear (CLGI). VMRUN saves and
 * restores RAX, RSP, RIP, RFLAGS, CR0/3/4, EFER, GDTR/IDTR and CS/SS/DS/ES
 * of the host by itself; FS, GS, TR, LDTR and their hidden bases plus
 * KernelGsBase, STAR/LSTAR/CSTAR/SFMASK and SYSENTER_* are switched here with
 * VMSAVE/VMLOAD, before any code could use the guest's GS base. The other
 * general registers are loaded from and stored to @regs (indexed by x86
 * register number; RAX and RSP live in the VMCB).
 *
 * STI right before VMRUN: with GIF clear no interrupt is taken, and once
 * VMRUN sets GIF a host interrupt makes the guest exit (INTR intercept).
 *
 * Speculation hygiene, as KVM's __svm_vcpu_run (kernel
 * Documentation/admin-guide/hw-vuln/spectre.rst, .../mds.rst): VERW right
 * before VMRUN where the kernel chose it (VM_CLEAR_CPU_BUFFERS, on
 * X86_FEATURE_CLEAR_CPU_BUF_VM: AMD's TSA), and after #VMEXIT, before the
 * first RET, the return stack buffer overwritten (FILL_RETURN_BUFFER on
 * X86_FEATURE_RSB_VMEXIT) so no return prediction the guest planted is
 * consumed by the host, then the return predictor untrained for Retbleed and
 * SRSO (UNTRAIN_RET_VM, which also issues the IBPB the host asks for on
 * exit with X86_FEATURE_IBPB_ON_VMEXIT; kernels before it have UNTRAIN_RET
 * here and the IBPB in C, svm.c), before interrupts are enabled again
 * (Documentation/admin-guide/hw-vuln/srso.rst). No RET and no per-CPU access
 * comes between VMRUN and the fill, which follows the host's VMLOAD. The
 * guest's values never stay in a register the host's code could use
 * speculatively: the scratch registers are cleared, the others restored.
 */
#include <linux/linkage.h>
#include <linux/objtool.h>
#include <asm/asm.h>
#include <asm/nospec-branch.h>

#include "../x86/entry.h"

/* Kernels without it: pvhv_clear_cpu_buffers() in C before the entry (compat.h). */
#ifndef PVHV_HAVE_VM_CLEAR_CPU_BUFFERS
#define VM_CLEAR_CPU_BUFFERS
#endif

/* Kernels before UNTRAIN_RET_VM (6.5): the plain untraining; the IBPB is in C. */
#ifndef PVHV_HAVE_UNTRAIN_RET_VM
#define UNTRAIN_RET_VM	UNTRAIN_RET
#endif

#define R(n)	((n) * 8)
#define RCX	1
#define RDX	2
#define RBX	3
#define RBP	5
#define RSI	6
#define RDI	7

.section .text, "ax"

SYM_FUNC_START(pvhv_svm_vmrun)
	push	%rbp
	mov	%rsp, %rbp
	push	%r15
	push	%r14
	push	%r13
	push	%r12
	push	%rbx
	push	%rdi		/* regs */
	push	%rsi		/* guest VMCB */
	push	%rdx		/* host save area */

	/* Host FS/GS/TR/LDTR/syscall MSRs out, the guest's in. */
	mov	%rdx, %rax
	vmsave	%rax
	mov	%rsi, %rax
	vmload	%rax

	/* Guest registers; %rdi last. */
	mov	R(RCX)(%rdi), %rcx
	mov	R(RDX)(%rdi), %rdx
	mov	R(RBX)(%rdi), %rbx
	mov	R(RBP)(%rdi), %rbp
	mov	R(RSI)(%rdi), %rsi
	mov	R(8)(%rdi), %r8
	mov	R(9)(%rdi), %r9
	mov	R(10)(%rdi), %r10
	mov	R(11)(%rdi), %r11
	mov	R(12)(%rdi), %r12
	mov	R(13)(%rdi), %r13
	mov	R(14)(%rdi), %r14
	mov	R(15)(%rdi), %r15
	mov	R(RDI)(%rdi), %rdi

	VM_CLEAR_CPU_BUFFERS
	sti
	vmrun	%rax
SYM_INNER_LABEL(pvhv_svm_vmrun_exit, SYM_L_GLOBAL)	/* the host RIP VMRUN saves */
	ANNOTATE_NOENDBR	/* compared with, never called or jumped to */
	cli

	/* RAX and RSP are the host's again; the stack is ours. */
	push	%rdi
	mov	24(%rsp), %rdi	/* regs: above guest rdi, host save, guest VMCB */
	mov	%rcx, R(RCX)(%rdi)
	mov	%rdx, R(RDX)(%rdi)
	mov	%rbx, R(RBX)(%rdi)
	mov	%rbp, R(RBP)(%rdi)
	mov	%rsi, R(RSI)(%rdi)
	mov	%r8, R(8)(%rdi)
	mov	%r9, R(9)(%rdi)
	mov	%r10, R(10)(%rdi)
	mov	%r11, R(11)(%rdi)
	mov	%r12, R(12)(%rdi)
	mov	%r13, R(13)(%rdi)
	mov	%r14, R(14)(%rdi)
	mov	%r15, R(15)(%rdi)
	pop	%rax
	mov	%rax, R(RDI)(%rdi)

	/* The guest's FS/GS/... back to its VMCB, the host's back in. */
	pop	%rdx		/* host save area */
	pop	%rax		/* guest VMCB */
	vmsave	%rax
	mov	%rdx, %rax
	vmload	%rax

	/*
	 * Only now, with the host's GS base back: the fill may touch per-CPU
	 * data (CREDIT_CALL_DEPTH with call depth tracking), and until the
	 * VMLOAD above %gs points where the guest put it.
	 */
	FILL_RETURN_BUFFER %rax, RSB_CLEAR_LOOPS, X86_FEATURE_RSB_VMEXIT
	UNTRAIN_RET_VM

	/* No guest values left in the scratch registers. */
	PVHV_CLEAR_GUEST_SCRATCH_REGS

	pop	%rdi
	pop	%rbx
	pop	%r12
	pop	%r13
	pop	%r14
	pop	%r15
	pop	%rbp
	RET
SYM_FUNC_END(pvhv_svm_vmrun)
