/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * For the vendors' entry code (svm/vmrun.S, vmx/vmenter.S): after a VM
 * exit, once the guest's registers are saved and before anything else runs,
 * the scratch registers the caller does not restore are cleared, so no
 * guest value is left for the host's code to use speculatively (as KVM's
 * vmenter.S clears them). The callee-saved ones are popped from the stack.
 */
#ifndef PVHV_X86_ENTRY_H
#define PVHV_X86_ENTRY_H

#ifdef __ASSEMBLY__
.macro PVHV_CLEAR_GUEST_SCRATCH_REGS
	xor	%ecx, %ecx
	xor	%edx, %edx
	xor	%esi, %esi
	xor	%r8d, %r8d
	xor	%r9d, %r9d
	xor	%r10d, %r10d
	xor	%r11d, %r11d
.endm
#endif

#endif /* PVHV_X86_ENTRY_H */
