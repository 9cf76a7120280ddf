/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * int pvhv_vmx_run(u64 *regs, u64 launched, u64 *host_rsp)
 *
 * One guest entry (Intel SDM vol. 3C, 26 "VM entries", 27 "VM exits",
 * 31.3 "VMX instructions": VMLAUNCH/VMRESUME). Called with interrupts
 * disabled and the vCPU's VMCS current. VM entry loads the guest's RSP, RIP,
 * RFLAGS, control and segment registers from the VMCS; the other general
 * registers are loaded from and stored to @regs (indexed by x86 register
 * number; RSP lives in the VMCS). VMLAUNCH if @launched is 0, else VMRESUME.
 *
 * The entry instruction sits in pvhv_vmx_vmenter, called from here: a VM
 * exit continues at pvhv_vmx_exit (HOST_RIP) with RSP = HOST_RSP, which is
 * where that call put its return address, so the exit "returns" from the
 * call exactly as a failed VMLAUNCH/VMRESUME falls through to its RET.
 * HOST_RSP is written only when it differs from *@host_rsp (its last value).
 *
 * Returns 0 after a VM exit (RFLAGS is 0x2 then, 27.5.3), 1 if the entry
 * instruction failed (CF: VMfailInvalid, ZF: VMfailValid, 31.2) or the
 * HOST_RSP write did.
 */
#include <linux/linkage.h>
#include <asm/asm.h>

#define VMCS_HOST_RSP	0x6c14	/* SDM Appendix B.4.4 */

#define R(n)	((n) * 8)
#define RAX	0
#define RCX	1
#define RDX	2
#define RBX	3
#define RBP	5
#define RSI	6
#define RDI	7

.section .text, "ax"

/* VMLAUNCH with ZF set, else VMRESUME; a failure falls through to RET. */
SYM_FUNC_START_LOCAL(pvhv_vmx_vmenter)
	jz	1f
	vmresume
	RET
1:	vmlaunch
	RET
SYM_FUNC_END(pvhv_vmx_vmenter)

/* HOST_RIP: RSP points at pvhv_vmx_vmenter's return address. */
SYM_FUNC_START(pvhv_vmx_exit)
	RET
SYM_FUNC_END(pvhv_vmx_exit)

SYM_FUNC_START(pvhv_vmx_run)
	push	%rbp
	mov	%rsp, %rbp
	push	%r15
	push	%r14
	push	%r13
	push	%r12
	push	%rbx
	push	%rdi		/* regs, for after the exit */

	/* HOST_RSP: the slot the call below pushes its return address to. */
	lea	-8(%rsp), %rax
	cmp	%rax, (%rdx)
	je	1f
	mov	$VMCS_HOST_RSP, %ecx
	vmwrite	%rax, %rcx
	jna	3f
	mov	%rax, (%rdx)
1:
	/* ZF set: never launched, VMLAUNCH. MOVs and CALL keep the flags. */
	cmp	$0, %rsi
	mov	R(RAX)(%rdi), %rax
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
	call	pvhv_vmx_vmenter

	/* Guest registers are in the GPRs either way; keep the flags. */
	push	%rdi
	mov	8(%rsp), %rdi	/* regs */
	mov	%rax, R(RAX)(%rdi)
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
	mov	$0, %eax
	setbe	%al		/* CF or ZF: the entry failed */

	/* No guest values left in the scratch registers. */
	xor	%ecx, %ecx
	xor	%edx, %edx
	xor	%esi, %esi
	xor	%r8d, %r8d
	xor	%r9d, %r9d
	xor	%r10d, %r10d
	xor	%r11d, %r11d
2:
	pop	%rdi
	pop	%rbx
	pop	%r12
	pop	%r13
	pop	%r14
	pop	%r15
	pop	%rbp
	RET
3:	mov	$1, %eax
	jmp	2b
SYM_FUNC_END(pvhv_vmx_run)
