/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * PVH entry of the test guests (Xen docs/misc/pvh.pandoc): we arrive in
 * 32-bit flat protected mode, paging off, EBX = start_info. Say hello
 * through a 32-bit hypercall (compat ABI: EBX, ECX, EDX), identity-map the
 * low 4 GiB with 2 MiB pages, enter long mode and call rt_main().
 */
#include <xen/elfnote.h>

/* From xen/xen.h, which is C: __HYPERVISOR_console_io, CONSOLEIO_write. */
#define HYPERVISOR_console_io	18
#define CONSOLEIO_WRITE		0

	.section .note.Xen, "a", @note
	.balign 4
	.long 4, 4, XEN_ELFNOTE_PHYS32_ENTRY
	.asciz "Xen"
	.balign 4
	.long pvh_start32
	.balign 4

/* console_io(CONSOLEIO_write) of msg..msg_end at address msg + alias; EAX to result. */
.macro hcall_write msg, msg_end, alias, result
	mov	$HYPERVISOR_console_io, %eax
	mov	$CONSOLEIO_WRITE, %ebx
	mov	$(\msg_end - \msg), %ecx
	mov	$(\msg + \alias), %edx
	vmmcall
	mov	%eax, \result
.endm

/* Turn paging on (CR3 = table) or off. */
.macro paging_on table
	mov	\table, %cr3
	mov	%cr0, %eax
	or	$0x80000000, %eax
	mov	%eax, %cr0
.endm
.macro paging_off
	mov	%cr0, %eax
	and	$0x7fffffff, %eax
	mov	%eax, %cr0
.endm

	.section .text.boot, "ax"
	.code32
	.globl pvh_start32
pvh_start32:
	cli
	cld
	mov	%ebx, rt_start_info_pa
	mov	$boot_stack_top, %esp

	/* console_io(CONSOLEIO_write, len, msg) from 32-bit mode, raw VMMCALL. */
	hcall_write msg32, msg32_end, 0, rt_hcall32_ret

	/*
	 * The same hypercall under 32-bit paging with 4 MiB pages (CR4.PSE),
	 * through an alias: PDE 1023 maps virtual 0xffc00000 to physical 0, so
	 * the hypervisor must walk our tables to find the message.
	 */
	mov	$rt_pd32, %edi
	xor	%ecx, %ecx
3:	mov	%ecx, %eax
	shl	$22, %eax
	or	$0x83, %eax		/* P | RW | PS */
	mov	%eax, (%edi, %ecx, 4)
	inc	%ecx
	cmp	$256, %ecx		/* identity: the low 1 GiB */
	jne	3b
	movl	$0x83, 1023*4(%edi)	/* alias: 0xffc00000 -> 0 */
	mov	%cr4, %eax
	or	$0x10, %eax		/* PSE */
	mov	%eax, %cr4
	paging_on %edi
	hcall_write msgpse, msgpse_end, 0xffc00000, rt_hcall_pse_ret
	paging_off
	mov	%cr4, %eax
	and	$~0x10, %eax
	mov	%eax, %cr4

	/* PML4[0] -> PDPT, PDPT[0..3] -> PD[0..3], 2048 x 2 MiB pages. */
	mov	$rt_pdpt, %eax
	or	$3, %eax
	mov	%eax, rt_pml4
	mov	$rt_pd, %edi
	xor	%ecx, %ecx
1:	mov	%ecx, %eax
	shl	$21, %eax
	or	$0x83, %eax		/* P | RW | PS */
	mov	%eax, (%edi, %ecx, 8)
	mov	%ecx, %eax
	shr	$11, %eax		/* bits 32+ of the address */
	mov	%eax, 4(%edi, %ecx, 8)
	inc	%ecx
	cmp	$2048, %ecx
	jne	1b
	/* the high dword above holds (i >> 11): i * 2 MiB >> 32 */
	mov	$rt_pdpt, %edi
	xor	%ecx, %ecx
2:	mov	%ecx, %eax
	shl	$12, %eax
	add	$rt_pd, %eax
	or	$3, %eax
	mov	%eax, (%edi, %ecx, 8)
	inc	%ecx
	cmp	$4, %ecx
	jne	2b

	/*
	 * 32-bit PAE paging (no LME yet) on the same PDs, through a legacy
	 * PDPT (present bits only) and an alias: 0xc0000000 -> physical 0.
	 */
	mov	$rt_pdpt32, %edi
	xor	%ecx, %ecx
4:	mov	%ecx, %eax
	shl	$12, %eax
	add	$rt_pd, %eax
	or	$1, %eax
	mov	%eax, (%edi, %ecx, 8)
	inc	%ecx
	cmp	$4, %ecx
	jne	4b
	mov	rt_pd + 3*4096, %esi	/* save PD3[0] (3 GiB identity) */
	movl	$0x83, rt_pd + 3*4096
	movl	$0, rt_pd + 3*4096 + 4
	mov	%cr4, %eax
	or	$0x20, %eax		/* PAE */
	mov	%eax, %cr4
	paging_on %edi
	hcall_write msgpae, msgpae_end, 0xc0000000, rt_hcall_pae_ret
	paging_off
	mov	%esi, rt_pd + 3*4096	/* PD3[0] back to identity */

	mov	$rt_pml4, %eax
	mov	%eax, %cr3
	mov	$0xc0000080, %ecx	/* EFER */
	rdmsr
	or	$0x100, %eax		/* LME */
	wrmsr
	mov	%cr0, %eax
	or	$0x80010000, %eax	/* PG | WP */
	mov	%eax, %cr0
	lgdt	gdt_desc
	ljmp	$0x08, $long_entry

	.code64
long_entry:
	mov	$0x10, %ax
	mov	%ax, %ds
	mov	%ax, %es
	mov	%ax, %ss
	xor	%eax, %eax
	mov	%ax, %fs
	mov	%ax, %gs
	mov	$boot_stack_top, %rsp
	call	rt_main
3:	hlt
	jmp	3b

/* A secondary vCPU, started by VCPUOP_initialise in 64-bit mode with
 * RDI = its id and RSP = its stack: load our GDT and segments, then C. */
	.globl rt_ap_entry
rt_ap_entry:
	lgdt	gdt_desc64(%rip)
	pushq	$0x08
	leaq	1f(%rip), %rax
	pushq	%rax
	lretq
1:	mov	$0x10, %ax
	mov	%ax, %ds
	mov	%ax, %es
	mov	%ax, %ss
	call	rt_ap_main
2:	cli
	hlt
	jmp	2b

	.section .rodata
gdt_desc64:
	.word gdt_end - gdt - 1
	.quad gdt
msg32:	.ascii "pvh32: hello from 32-bit protected mode\n"
msg32_end:
msgpse:	.ascii "pvh32: hello through 32-bit paging with 4 MiB pages\n"
msgpse_end:
msgpae:	.ascii "pvh32: hello through PAE paging\n"
msgpae_end:
	.balign 8
gdt:	.quad 0
	.quad 0x00af9a000000ffff	/* 0x08: 64-bit code */
	.quad 0x00cf92000000ffff	/* 0x10: data */
	.quad 0x00cf9a000000ffff	/* 0x18: 32-bit code, compatibility mode */
gdt_end:
gdt_desc:
	.word gdt_end - gdt - 1
	.long gdt

	.section .bss
	.balign 4096
	.globl rt_pml4, rt_pdpt, rt_pd
rt_pml4:	.skip 4096
rt_pdpt:	.skip 4096
rt_pd:		.skip 4 * 4096
rt_pd32:	.skip 4096
rt_pdpt32:	.skip 4096
	.globl rt_hypercall_page
rt_hypercall_page: .skip 4096
boot_stack:	.skip 32768
boot_stack_top:

/*
 * rt_hypercall_compat(nr, a1, a2, a3): the hypercall page called from
 * compatibility mode (a 32-bit code segment under long mode), where the
 * hypervisor takes the 32-bit ABI (EBX, ECX, EDX) and a guest's mode says
 * "32-bit" to the shared_info latch. Pointers and the stack are below 4 GiB.
 */
	.text
	.code64
	.globl rt_hypercall_compat
rt_hypercall_compat:
	push	%rbx
	mov	%rsp, compat_rsp(%rip)
	mov	%rsi, %rbx		/* a1 */
	mov	%rcx, %r8
	mov	%rdx, %rcx		/* a2 */
	mov	%r8, %rdx		/* a3 */
	shl	$5, %edi
	lea	rt_hypercall_page(%rdi), %rsi
	ljmpl	*compat_entry(%rip)
	.code32
1:	call	*%esi
	ljmp	$0x08, $2f
	.code64
2:	mov	compat_rsp(%rip), %rsp
	movslq	%eax, %rax
	pop	%rbx
	ret

	.section .rodata
compat_entry:
	.long	1b
	.word	0x18
	.section .bss
compat_rsp:	.skip 8

/* The caller-saved registers, in the order struct rt_frame lists them. */
.macro save_scratch
	push	%rax
	push	%rcx
	push	%rdx
	push	%rsi
	push	%rdi
	push	%r8
	push	%r9
	push	%r10
	push	%r11
.endm
.macro restore_scratch
	pop	%r11
	pop	%r10
	pop	%r9
	pop	%r8
	pop	%rdi
	pop	%rsi
	pop	%rdx
	pop	%rcx
	pop	%rax
.endm

	.text
#include "excstubs.inc"
/* The event-channel upcall vector: rt_upcall() with the caller-saved registers kept. */
	.globl rt_upcall_entry
rt_upcall_entry:
	save_scratch
	call	rt_upcall
	restore_scratch
	iretq

exc_common:
	save_scratch
	mov	%rsp, %rdi
	call	rt_exception
	restore_scratch
	add	$16, %rsp		/* vector, error code */
	iretq
	.section .note.GNU-stack, "", @progbits
