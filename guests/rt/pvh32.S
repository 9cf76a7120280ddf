/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * PVH entry of the 32-bit test guests (i386, as 32-bit Linux or an hvm32
 * test kernel): they stay in 32-bit flat protected mode with paging off,
 * load their own GDT and call rt_main(). Hypercalls use the compat ABI
 * (arguments in EBX, ECX, EDX, ESI, EDI) and the hypervisor latches the
 * compat shared_info layout when the hypercall page is installed.
 */
#include <xen/elfnote.h>

	.section .note.Xen, "a", @note
	.balign 4
	.long 4, 4, XEN_ELFNOTE_PHYS32_ENTRY
	.asciz "Xen"
	.balign 4
	.long pvh_start32
	.balign 4

	.section .text.boot, "ax"
	.code32
	.globl pvh_start32
pvh_start32:
	cli
	cld
	mov	%ebx, rt_start_info_pa
	mov	$boot_stack_top, %esp
	lgdt	gdt_desc
	ljmp	$0x08, $1f
1:	mov	$0x10, %ax
	mov	%ax, %ds
	mov	%ax, %es
	mov	%ax, %ss
	xor	%eax, %eax
	mov	%ax, %fs
	mov	%ax, %gs
	call	rt_main
2:	hlt
	jmp	2b

	.section .rodata
	.balign 8
gdt:	.quad 0
	.quad 0x00cf9a000000ffff	/* 0x08: 32-bit code */
	.quad 0x00cf92000000ffff	/* 0x10: data */
gdt_end:
gdt_desc:
	.word gdt_end - gdt - 1
	.long gdt

	.section .bss
	.balign 4096
	.globl rt_hypercall_page
rt_hypercall_page: .skip 4096
boot_stack:	.skip 32768
boot_stack_top:

	.text
#include "excstubs.inc"
/* The event-channel upcall vector: rt_upcall() with the caller-saved registers kept. */
	.globl rt_upcall_entry
rt_upcall_entry:
	push	%eax
	push	%ecx
	push	%edx
	call	rt_upcall
	pop	%edx
	pop	%ecx
	pop	%eax
	iret

exc_common:
	push	%eax
	push	%ecx
	push	%edx
	push	%esp			/* struct rt_frame * */
	call	rt_exception
	add	$4, %esp
	pop	%edx
	pop	%ecx
	pop	%eax
	add	$8, %esp		/* vector, error code */
	iret
	.section .note.GNU-stack, "", @progbits
