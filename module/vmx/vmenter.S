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
 * The entry instruction sits in pvhv_vmx_vmenter, called from here. HOST_RSP
 * is RSP at that call and HOST_RIP (pvhv_vmx_exit) the instruction after it,
 * so a VM exit arrives exactly as a failed VMLAUNCH/VMRESUME returns from
 * the call: same place, same stack, no RET on the way. HOST_RSP is written
 * only when it differs from *@host_rsp (its last value).
 *
 * Speculation hygiene, as KVM's __vmx_vcpu_run (kernel
 * Documentation/admin-guide/hw-vuln/{mds,processor_mmio_stale_data,
 * spectre}.rst; Intel's "Retpoline" and "MDS" guidance):
 *  - before the entry, once the guest's registers are loaded, VERW clears
 *    the CPU buffers (VM_CLEAR_CPU_BUFFERS: patched in when the kernel
 *    chose that mitigation for MDS/TAA/MMIO stale data; it only touches ZF,
 *    so VMLAUNCH/VMRESUME is chosen by CF);
 *  - after the exit, before the first RET, the return stack buffer is
 *    overwritten (FILL_RETURN_BUFFER, patched in on X86_FEATURE_RSB_VMEXIT,
 *    one entry on X86_FEATURE_RSB_VMEXIT_LITE for eIBRS with PBRSB) so no
 *    guest-planted return prediction is consumed, and with legacy IBRS the
 *    host's SPEC_CTRL is written again (pvhv_vmx_spec_ctrl_restore) since a
 *    VM exit is a transition from a less privileged predictor mode.
 *
 * Returns 0 after a VM exit (RFLAGS is 0x2 then, 27.5.3), 1 if the entry
 * instruction failed (CF: VMfailInvalid, ZF: VMfailValid, 31.2) or the
 * HOST_RSP write did.
 */
#include <linux/linkage.h>
#include <asm/asm.h>
#include <asm/nospec-branch.h>

#include "../x86/entry.h"

/* Kernels without it: pvhv_clear_cpu_buffers() in C before the entry (compat.h). */
#ifndef PVHV_HAVE_VM_CLEAR_CPU_BUFFERS
#define VM_CLEAR_CPU_BUFFERS
#endif

#define VMCS_HOST_RSP	0x6c14	/* SDM Appendix B.4.4 */

/* Kernels without the BHI mitigation (before 6.9 and its backports). */
#ifndef PVHV_HAVE_CLEAR_BRANCH_HISTORY_VMEXIT
#define CLEAR_BRANCH_HISTORY_VMEXIT
#endif

#define R(n)	((n) * 8)
#define RAX	0
#define RCX	1
#define RDX	2
#define RBX	3
#define RBP	5
#define RSI	6
#define RDI	7

.section .text, "ax"

/* VMLAUNCH with CF clear, else VMRESUME; a failure falls through to RET. */
SYM_FUNC_START_LOCAL(pvhv_vmx_vmenter)
	jnc	1f
	vmresume
	RET
1:	vmlaunch
	RET
SYM_FUNC_END(pvhv_vmx_vmenter)

SYM_FUNC_START(pvhv_vmx_run)
	push	%rbp
	mov	%rsp, %rbp
	push	%r15
	push	%r14
	push	%r13
	push	%r12
	push	%rbx
	push	%rdi		/* regs, for after the exit */

	/* HOST_RSP: RSP as it is after the call below returns. */
	mov	%rsp, %rax
	cmp	%rax, (%rdx)
	je	1f
	mov	$VMCS_HOST_RSP, %ecx
	vmwrite	%rax, %rcx
	jna	3f
	mov	%rax, (%rdx)
1:
	/* CF clear: never launched, VMLAUNCH. MOVs, VERW and CALL keep CF. */
	bt	$0, %esi
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
	VM_CLEAR_CPU_BUFFERS
	call	pvhv_vmx_vmenter
	/* HOST_RIP: a VM exit lands here with RSP = HOST_RSP, as the call returns. */
SYM_INNER_LABEL(pvhv_vmx_exit, SYM_L_GLOBAL)
	ENDBR

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
	setbe	%bl		/* CF or ZF: the entry failed */
	movzbl	%bl, %ebx

	/* Before any RET: no guest return predictions, the host's SPEC_CTRL. */
	FILL_RETURN_BUFFER %rax, RSB_CLEAR_LOOPS, X86_FEATURE_RSB_VMEXIT, \
			   X86_FEATURE_RSB_VMEXIT_LITE
	call	pvhv_vmx_spec_ctrl_restore
	/* Branch history the guest left (BHI): cleared where the host asks for it. */
	CLEAR_BRANCH_HISTORY_VMEXIT
	mov	%ebx, %eax

	/* No guest values left in the scratch registers. */
	PVHV_CLEAR_GUEST_SCRATCH_REGS
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
