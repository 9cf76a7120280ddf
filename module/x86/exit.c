// SPDX-License-Identifier: GPL-2.0-only
/*
 * VM exits, once for both vendors: the vendor decoded its VMCB/VMCS into a
 * struct pvhv_x86_exit; here the x86 rules apply (which CR0/CR4/EFER/XCR0/
 * PAT values a guest may hold, the MSR and I/O port policy, the debug
 * registers, exception reflection), xen/ answers what the Xen ABI owns
 * (hypercalls, its CPUID leaves and MSRs), and the result goes back into
 * the guest through the vendor's state operations.
 *
 * References: Intel SDM vol. 2 (MOV CR, MOV DR, RDMSR/WRMSR, XSETBV, IN/OUT),
 * vol. 3A 2.5 (control registers), 4.4.1 (PAE PDPTEs), 9.8.5 (IA-32e mode
 * activation), 11.12.2 (PAT); AMD APM vol. 2 3.1 (system registers), 14.6
 * (long mode activation).
 *
 * Locking: runs on the vCPU's own thread; no locks but the callees'.
 */
#define pr_fmt(fmt) "pvhv: x86: " fmt

#include <linux/nospec.h>
#include <linux/ratelimit.h>
#include <asm/processor.h>
#include <asm/trap_pf.h>
#include <asm/tsc.h>

#include "x86.h"

u64 pvhv_x86_host_xcr0;

#define PVHV_DEBUG_PORT		0xe9	/* bochs/QEMU debug console: the domain's log */

int pvhv_x86_setup(char *reason, size_t len)
{
	if (!(cpuid_ecx(1) & BIT(26)) || !(__read_cr4() & X86_CR4_OSXSAVE)) {
		snprintf(reason, len, "the host does not use XSAVE");
		return -ENODEV;
	}
	pvhv_x86_host_xcr0 = xgetbv(0);
	if ((pvhv_x86_host_xcr0 & 3) != 3) {
		snprintf(reason, len, "host XCR0 lacks x87/SSE");
		return -ENODEV;
	}
	pvhv_x86_hostmsr_setup();
	return 0;
}

void pvhv_x86_get_mode(struct pvhv_vcpu *v, struct pvhv_paging *pg)
{
	pvhv_vendor->get_paging(v, pg);
}

const u8 *pvhv_x86_hypercall_insn(void)
{
	return pvhv_vendor->hypercall_insn;
}

static void x86_gp(struct pvhv_vcpu *v)
{
	pvhv_vendor->inject_exception(v, X86_TRAP_GP, true, 0);
}

static u64 x86_gpr(struct pvhv_vcpu *v, const struct pvhv_paging *pg, u8 gpr)
{
	u64 val = v->regs[array_index_nospec(gpr, PVHV_NR_REGS)];

	return pg->mode64 ? val : (u32)val;
}

/* The guest's linear address of its RIP. */
static u64 x86_rip_linear(const struct pvhv_paging *pg)
{
	return pg->mode64 ? pg->rip : (u32)(pg->cs_base + pg->rip);
}

/* --- control registers ----------------------------------------------------- */

/*
 * PAE paging outside long mode: MOV CR0/CR3/CR4 loads the four PDPTEs
 * (SDM vol. 3A 4.4.1), #GP if one is present with a reserved bit set or
 * cannot be read. A vendor that holds them in its state gets them.
 */
int pvhv_x86_read_pdptes(struct pvhv_vcpu *v, u64 cr3, u64 pdpte[4])
{
	u64 rsvd = GENMASK_ULL(63, boot_cpu_data.x86_phys_bits) | 0x1e6;
	int i;

	if (pvhv_read_gpa(v->d, cr3 & 0xffffffe0ULL, pdpte, 4 * sizeof(u64)))
		return -EINVAL;
	for (i = 0; i < 4; i++)
		if ((pdpte[i] & 1) && (pdpte[i] & rsvd))
			return -EINVAL;
	return 0;
}

static int x86_set_pdptes(struct pvhv_vcpu *v, u64 cr3)
{
	u64 pdpte[4];

	if (pvhv_x86_read_pdptes(v, cr3, pdpte))
		return -EINVAL;
	pvhv_vendor->set_pdptes(v, pdpte);
	return 0;
}

/* MOV CR3 (SDM vol. 2): nothing at or above MAXPHYADDR (no PCIDs here). */
static bool x86_cr3_ok(u64 cr3)
{
	return !(cr3 & GENMASK_ULL(63, boot_cpu_data.x86_phys_bits));
}

/*
 * MOV to CR0 (also CLTS, LMSW): bits 63:32 and NW without CD are #GP, as is
 * PG without PE; turning paging on with EFER.LME enters long mode (LMA),
 * which needs CR4.PAE and a CS without L; turning it off from 64-bit code
 * is #GP (SDM vol. 3A 9.8.5, APM vol. 2 14.6.1). -EINVAL: #GP.
 */
static int x86_set_cr0(struct pvhv_vcpu *v, const struct pvhv_paging *pg, u64 val)
{
	u64 efer = pg->efer;

	if ((val >> 32) || ((val & X86_CR0_PG) && !(val & X86_CR0_PE)) ||
	    ((val & X86_CR0_NW) && !(val & X86_CR0_CD)))
		return -EINVAL;
	val |= X86_CR0_ET;
	if ((val & X86_CR0_PG) && !(pg->cr0 & X86_CR0_PG) && (efer & EFER_LME)) {
		if (!(pg->cr4 & X86_CR4_PAE) || pg->cs_l)
			return -EINVAL;
		efer |= EFER_LMA;
	} else if (!(val & X86_CR0_PG) && (pg->cr0 & X86_CR0_PG) && (efer & EFER_LMA)) {
		if (pg->cs_l)
			return -EINVAL;
		efer &= ~(u64)EFER_LMA;
	}
	if (pvhv_x86_pae_paging(val, pg->cr4, efer) &&
	    ((val ^ pg->cr0) & (X86_CR0_PG | X86_CR0_CD | X86_CR0_NW)) &&
	    x86_set_pdptes(v, pg->cr3))
		return -EINVAL;
	if (efer != pg->efer)
		pvhv_vendor->set_efer(v, efer);
	pvhv_vendor->set_cr(v, 0, val);
	return 0;
}

/* MOV to CR4: only what the guest's CPUID offers; PAE stays on in long mode. */
static int x86_set_cr4(struct pvhv_vcpu *v, const struct pvhv_paging *pg, u64 val)
{
	if ((val & ~v->x86.cr4_allowed) || ((pg->efer & EFER_LMA) && !(val & X86_CR4_PAE)))
		return -EINVAL;
	if (pvhv_x86_pae_paging(pg->cr0, val, pg->efer) &&
	    ((val ^ pg->cr4) & (X86_CR4_PAE | X86_CR4_PSE | X86_CR4_PGE | X86_CR4_SMEP)) &&
	    x86_set_pdptes(v, pg->cr3))
		return -EINVAL;
	pvhv_vendor->set_cr(v, 4, val);
	return 0;
}

static int x86_set_cr3(struct pvhv_vcpu *v, const struct pvhv_paging *pg, u64 val)
{
	if (!x86_cr3_ok(val))
		return -EINVAL;
	if (pvhv_x86_pae_paging(pg->cr0, pg->cr4, pg->efer) && x86_set_pdptes(v, val))
		return -EINVAL;
	pvhv_vendor->set_cr(v, 3, val);
	return 0;
}

/*
 * A MOV CR exit (or CLTS, LMSW). The register operand comes from the exit
 * or, where the vendor's exit does not name it, from the instruction; bytes
 * that no longer say what the exit said are run again, not guessed at.
 */
static void x86_handle_cr(struct pvhv_vcpu *v, const struct pvhv_x86_exit *ex)
{
	u8 cr = ex->cr.cr, gpr = ex->cr.gpr;
	u32 len = ex->insn_len;
	struct pvhv_paging pg;
	int ret = 0;
	u64 val;

	pvhv_vendor->get_paging(v, &pg);
	if ((ex->cr.type == PVHV_X86_CR_WRITE || ex->cr.type == PVHV_X86_CR_READ) &&
	    gpr == PVHV_X86_GPR_DECODE) {
		ret = pvhv_x86_decode_mov_crdr(v, &pg, false, ex->cr.type == PVHV_X86_CR_WRITE,
					       cr, &gpr, &len);
		if (ret)
			return;
	}
	switch (ex->cr.type) {
	case PVHV_X86_CR_WRITE:
		val = x86_gpr(v, &pg, gpr);
		if (cr == 0)
			ret = x86_set_cr0(v, &pg, val);
		else if (cr == 3)
			ret = x86_set_cr3(v, &pg, val);
		else if (cr == 4)
			ret = x86_set_cr4(v, &pg, val);
		else if (cr == 8 && !(val & ~0xfULL))
			pvhv_x86_lapic_set_cr8(v, val);
		else
			ret = -EINVAL;
		break;
	case PVHV_X86_CR_READ:
		if (cr == 0)
			val = pg.cr0;
		else if (cr == 3)
			val = pg.cr3;
		else if (cr == 4)
			val = pg.cr4;
		else if (cr == 8)
			val = pvhv_x86_lapic_cr8(v);
		else
			ret = -EINVAL;
		if (!ret)
			v->regs[gpr & 15] = pg.mode64 ? val : (u32)val;
		break;
	case PVHV_X86_CR_CLTS:
		ret = x86_set_cr0(v, &pg, pg.cr0 & ~(u64)X86_CR0_TS);
		break;
	case PVHV_X86_CR_LMSW:
		/* PE, MP, EM, TS from the operand; LMSW never clears PE. */
		ret = x86_set_cr0(v, &pg, (pg.cr0 & ~0xeULL) | (ex->cr.lmsw & 0xf));
		break;
	}
	if (ret) {
		x86_gp(v);
		return;
	}
	pvhv_vendor->skip(v, len);
}

/* --- debug registers, XSETBV ------------------------------------------------- */

static void x86_handle_dr(struct pvhv_vcpu *v, const struct pvhv_x86_exit *ex)
{
	u8 gpr = ex->dr.gpr, dr = ex->dr.dr;
	u32 len = ex->insn_len;
	struct pvhv_paging pg;
	u64 val = 0;
	int trap;

	pvhv_vendor->get_paging(v, &pg);
	if (gpr == PVHV_X86_GPR_DECODE &&
	    pvhv_x86_decode_mov_crdr(v, &pg, true, ex->dr.write, dr, &gpr, &len))
		return;
	if (ex->dr.write)
		val = x86_gpr(v, &pg, gpr);
	trap = pvhv_x86_mov_dr(&v->x86.dr, dr, ex->dr.write, &val, pg.cr4 & X86_CR4_DE, pg.mode64);
	if (trap) {
		pvhv_vendor->inject_exception(v, trap, trap == X86_TRAP_GP, 0);
		return;
	}
	if (!ex->dr.write)
		v->regs[gpr & 15] = val;
	pvhv_vendor->skip(v, len);
}

static void x86_handle_xsetbv(struct pvhv_vcpu *v, const struct pvhv_x86_exit *ex)
{
	u64 val = ((u64)(u32)v->regs[PVHV_RDX] << 32) | (u32)v->regs[PVHV_RAX];
	struct pvhv_paging pg;

	pvhv_vendor->get_paging(v, &pg);
	if (!pvhv_x86_xsetbv_ok(v->regs[PVHV_RCX], pg.cpl, val, pvhv_x86_host_xcr0)) {
		x86_gp(v);
		return;
	}
	v->x86.xcr0 = val;
	pvhv_vendor->skip(v, ex->insn_len);
}

/* --- MSRs ---------------------------------------------------------------------- */

/*
 * EFER (SDM vol. 3A 2.2.1, APM vol. 2 3.1.7): SCE, LME, NX as CPUID offers
 * them; LME does not change while paging is on; LMA is the CPU's to set.
 */
static int x86_set_efer(struct pvhv_vcpu *v, u64 val)
{
	struct pvhv_paging pg;
	u32 ext[4];

	pvhv_x86_cpuid(v, 0x80000001, 0, ext);
	if ((val & ~PVHV_X86_GUEST_EFER) ||
	    ((val & EFER_SCE) && !(ext[3] & BIT(11))) ||
	    ((val & EFER_NX) && !(ext[3] & BIT(20))) ||
	    ((val & EFER_LME) && !(ext[3] & BIT(29))))
		return -EINVAL;
	pvhv_vendor->get_paging(v, &pg);
	if (((val ^ pg.efer) & EFER_LME) && (pg.cr0 & X86_CR0_PG))
		return -EINVAL;
	pvhv_vendor->set_efer(v, (val & ~(u64)EFER_LMA) | (pg.efer & EFER_LMA));
	return 0;
}

/* The MSR policy: what the x86 layer owns, then the vendor's state area, then Xen's. */
static int x86_rdmsr(struct pvhv_vcpu *v, u32 msr, u64 *val)
{
	struct pvhv_paging pg;
	int ret;

	ret = pvhv_x86_lapic_rdmsr(v, msr, val);
	if (ret != -ENOENT)
		return ret;
	switch (msr) {
	case MSR_EFER:
		pvhv_vendor->get_paging(v, &pg);
		*val = pg.efer;
		return 0;
	case MSR_IA32_TSC:
		*val = rdtsc();		/* no TSC offset: the guest sees the host's */
		return 0;
	}
	ret = pvhv_x86_platform_msr(v, msr, false, val);
	if (ret != -ENOENT)
		return ret;
	ret = pvhv_vendor->get_msr(v, msr, val);
	if (ret == -ENOENT)
		ret = pvhv_xen_rdmsr(v, msr, val);
	return ret;
}

static int x86_wrmsr(struct pvhv_vcpu *v, u32 msr, u64 val)
{
	int ret;

	ret = pvhv_x86_lapic_wrmsr(v, msr, val);
	if (ret != -ENOENT)
		return ret;
	switch (msr) {
	case MSR_EFER:
		return x86_set_efer(v, val);
	case MSR_IA32_TSC:
		return -EINVAL;		/* TSC writes are not virtualized yet */
	case MSR_IA32_CR_PAT:
		if (!pvhv_x86_pat_ok(val))
			return -EINVAL;
		break;
	case MSR_LSTAR: case MSR_CSTAR: case MSR_KERNEL_GS_BASE:
	case MSR_FS_BASE: case MSR_GS_BASE:
	case MSR_IA32_SYSENTER_ESP: case MSR_IA32_SYSENTER_EIP:
		if (!pvhv_x86_canonical(val))
			return -EINVAL;	/* WRMSR of a non-canonical address: #GP */
		break;
	case MSR_SYSCALL_MASK:
		val = (u32)val;
		break;
	}
	ret = pvhv_x86_platform_msr(v, msr, true, &val);
	if (ret != -ENOENT)
		return ret;
	ret = pvhv_vendor->set_msr(v, msr, val);
	if (ret == -ENOENT)
		ret = pvhv_xen_wrmsr(v, msr, val);
	return ret;
}

static void x86_handle_msr(struct pvhv_vcpu *v, const struct pvhv_x86_exit *ex)
{
	u32 msr = v->regs[PVHV_RCX];
	u64 val = ((u64)(u32)v->regs[PVHV_RDX] << 32) | (u32)v->regs[PVHV_RAX];

	if (ex->msr.write ? x86_wrmsr(v, msr, val) : x86_rdmsr(v, msr, &val)) {
		x86_gp(v);
		return;
	}
	if (!ex->msr.write) {
		v->regs[PVHV_RAX] = (u32)val;
		v->regs[PVHV_RDX] = val >> 32;
	}
	pvhv_vendor->skip(v, ex->insn_len);
}

/* --- port I/O ---------------------------------------------------------------- */

/*
 * The platform's ports: 0xE9 is the debug console (the domain's log); there
 * are no emulated devices, so reads float high and writes are dropped, as
 * on an ISA bus with nothing behind a port.
 */
static void x86_port_io(struct pvhv_vcpu *v, u16 port, u8 size, bool in, u32 *val)
{
	char c;

	if (port == PVHV_DEBUG_PORT && size == 1) {
		if (in) {
			*val = PVHV_DEBUG_PORT;	/* bochs' convention: reads 0xE9 */
		} else {
			c = *val;
			pvhv_console_write(v->d, &c, 1);
		}
		return;
	}
	if (in)
		*val = size == 4 ? 0xffffffff : (1U << (size * 8)) - 1;
}

/*
 * @n (<= 4) bytes at linear address @la, read or written with the guest's
 * own rights (its CPL, CR0.WP): 0, or -EFAULT once the fault the CPU would
 * raise is injected (#PF with CR2, #GP for a non-canonical address or a
 * read-only grant) or the domain crashed (tables or data outside RAM, as
 * x86_handle_npf()).
 */
static int x86_linear_access(struct pvhv_vcpu *v, const struct pvhv_paging *pg, u64 la,
			     void *buf, u32 n, bool write)
{
	u32 access = (write ? X86_PF_WRITE : 0) | (pg->cpl == 3 ? X86_PF_USER : 0);
	u32 chunk, pfec;
	u64 gpa;
	int ret;

	while (n) {
		chunk = min_t(u32, n, PAGE_SIZE - (la & ~PAGE_MASK));
		if (pg->mode64 && !pvhv_x86_canonical(la)) {
			x86_gp(v);
			return -EFAULT;
		}
		ret = pvhv_gva_walk(v, pg, la, access, &gpa, &pfec);
		if (ret) {
			if (ret != -EFAULT) {
				pvhv_domain_crash(v->d, "string I/O at rip %#llx: the page tables for %#llx are outside RAM",
						  pg->rip, la);
				return -EFAULT;
			}
			pvhv_vendor->set_cr(v, 2, la);
			pvhv_vendor->inject_exception(v, X86_TRAP_PF, true, pfec);
			return -EFAULT;
		}
		ret = write ? pvhv_write_gpa(v->d, gpa, buf, chunk) : pvhv_read_gpa(v->d, gpa, buf, chunk);
		if (ret) {
			if (write && pvhv_gfn_is_readonly(v->d, gpa >> PAGE_SHIFT)) {
				x86_gp(v);
				return -EFAULT;
			}
			pvhv_domain_crash(v->d, "string I/O at rip %#llx: %s guest-physical %#llx outside RAM",
					  pg->rip, write ? "write to" : "read of", gpa);
			return -EFAULT;
		}
		la = pg->mode64 ? la + chunk : (u32)(la + chunk);
		buf += chunk;
		n -= chunk;
	}
	return 0;
}

/* A register used as an address of @size bytes (2: SI; 4: ESI, zero-extended; 8: RSI). */
static void x86_set_areg(struct pvhv_vcpu *v, int reg, u64 val, u8 size)
{
	if (size == 2)
		v->regs[reg] = (v->regs[reg] & ~0xffffULL) | (val & 0xffff);
	else
		v->regs[reg] = size == 4 ? (u32)val : val;
}

/*
 * INS/OUTS, with or without REP (SDM vol. 2 "INS", "OUTS", "REP"): each
 * element goes between the port and ES:rDI (INS) or seg:rSI (OUTS), which
 * move by the element size, backwards under EFLAGS.DF; REP counts rCX
 * down. The I/O permission checks (IOPL, the TSS bitmap) came before the
 * exit (APM vol. 2 15.10.2; SDM vol. 3C 26.1.1); memory is reached with the
 * guest's own rights, and a fault stops the instruction where the CPU
 * would, its registers telling how far it got. At most
 * X86_STRING_IO_MAX elements per exit: REP is interruptible (the guest
 * runs it again from the registers), so a long one yields to the host and
 * lets events in. Segment limits (legacy modes only) are not checked: the
 * guests we run use flat segments; an access past one reads or writes
 * the guest's own memory, never the host's.
 */
#define X86_STRING_IO_MAX	1024

static void x86_string_io(struct pvhv_vcpu *v, const struct pvhv_x86_exit *ex)
{
	int reg = ex->io.in ? PVHV_RDI : PVHV_RSI;
	struct pvhv_x86_string_io si;
	struct pvhv_paging pg;
	u64 mask, count, done, base, idx, la;
	s64 step;
	u32 val;

	pvhv_vendor->get_paging(v, &pg);
	if (pvhv_x86_decode_string_io(v, &pg, ex->io.in, &si))
		return;		/* no longer the instruction that exited: run it again */
	mask = si.addr_size == 8 ? ~0ULL : BIT_ULL(si.addr_size * 8) - 1;
	count = ex->io.rep ? v->regs[PVHV_RCX] & mask : 1;
	/* 64-bit mode: only FS and GS have bases (SDM vol. 3A 3.2.4). */
	base = (pg.mode64 && si.seg != PVHV_X86_FS && si.seg != PVHV_X86_GS) ?
	       0 : pvhv_vendor->seg_base(v, si.seg);
	step = (pg.rflags & X86_EFLAGS_DF) ? -(s64)ex->io.size : ex->io.size;
	idx = v->regs[reg];
	for (done = 0; done < count && done < X86_STRING_IO_MAX; done++) {
		la = base + (idx & mask);
		if (!pg.mode64)
			la = (u32)la;
		val = 0;
		if (ex->io.in) {
			x86_port_io(v, ex->io.port, ex->io.size, true, &val);
			if (x86_linear_access(v, &pg, la, &val, ex->io.size, true))
				break;
		} else {
			if (x86_linear_access(v, &pg, la, &val, ex->io.size, false))
				break;
			x86_port_io(v, ex->io.port, ex->io.size, false, &val);
		}
		idx += step;
	}
	x86_set_areg(v, reg, idx, si.addr_size);
	if (ex->io.rep)
		x86_set_areg(v, PVHV_RCX, count - done, si.addr_size);
	if (done == count)
		pvhv_vendor->skip(v, ex->insn_len ? ex->insn_len : si.len);
}

static void x86_handle_io(struct pvhv_vcpu *v, const struct pvhv_x86_exit *ex)
{
	u32 val = v->regs[PVHV_RAX];

	if (!(ex->io.size == 1 || ex->io.size == 2 || ex->io.size == 4)) {
		pvhv_domain_crash(v->d, "port I/O exit of size %u", ex->io.size);
		return;
	}
	if (ex->io.string) {
		x86_string_io(v, ex);
		return;
	}
	x86_port_io(v, ex->io.port, ex->io.size, ex->io.in, &val);
	if (ex->io.in)
		pvhv_x86_in_result(v, ex->io.size, val);
	pvhv_vendor->skip(v, ex->insn_len);
}

/* --- exceptions ------------------------------------------------------------- */

/* Past the instruction once done; a continuation runs it again (xen/hypercall.c). */
static void x86_hypercall(struct pvhv_vcpu *v, u32 len)
{
	if (pvhv_xen_hypercall(v))
		pvhv_vendor->skip(v, len);
}

/* #UD: the other vendor's hypercall instruction (VMCALL on AMD, VMMCALL on Intel) is one too. */
static void x86_handle_ud(struct pvhv_vcpu *v)
{
	struct pvhv_paging pg;
	u8 insn[3];

	pvhv_vendor->get_paging(v, &pg);
	if (!pvhv_copy_from_guest(v, insn, x86_rip_linear(&pg), sizeof(insn)) &&
	    insn[0] == 0x0f && insn[1] == 0x01 && (insn[2] == 0xc1 || insn[2] == 0xd9)) {
		x86_hypercall(v, 3);
		return;
	}
	pvhv_vendor->inject_exception(v, X86_TRAP_UD, false, 0);
}

/*
 * An intercepted exception goes back to the guest (#DB and #AC are
 * intercepted so their delivery is an exit, never a loop inside one event
 * delivery: CVE-2015-5307, CVE-2015-8104). #DB: DR6 as the delivery would
 * set it (SDM vol. 3B 18.2.3); INT1 (ICEBP) is a trap past the instruction.
 */
static void x86_handle_exception(struct pvhv_vcpu *v, const struct pvhv_x86_exit *ex)
{
	struct pvhv_paging pg;

	switch (ex->exc.vector) {
	case X86_TRAP_UD:
		x86_handle_ud(v);
		break;
	case X86_TRAP_DB:
		pvhv_x86_dr6_event(&v->x86.dr, ex->exc.dr6);
		if (ex->exc.icebp)
			pvhv_vendor->skip(v, ex->insn_len);
		pvhv_vendor->inject_exception(v, X86_TRAP_DB, false, 0);
		break;
	case X86_TRAP_AC:
		pvhv_vendor->inject_exception(v, X86_TRAP_AC, true, ex->exc.error);
		break;
	default:
		pvhv_vendor->get_paging(v, &pg);
		pvhv_domain_crash(v->d, "unexpected exception %u exit at rip %#llx",
				  ex->exc.vector, pg.rip);
	}
}

/* A register loaded with @val of @size bytes: 32-bit results zero-extend, narrower ones merge. */
static void x86_set_gpr(struct pvhv_vcpu *v, u8 reg, bool high, u8 size, u64 val)
{
	u64 *r = &v->regs[array_index_nospec(reg, PVHV_NR_REGS)];

	if (high)
		*r = (*r & ~0xff00ULL) | ((val & 0xff) << 8);
	else if (size == 1)
		*r = (*r & ~0xffULL) | (val & 0xff);
	else if (size == 2)
		*r = (*r & ~0xffffULL) | (val & 0xffff);
	else if (size == 4)
		*r = (u32)val;
	else
		*r = val;
}

/*
 * A MOV to or from guest-physical @gpa where no RAM is: the local APIC's
 * xAPIC page, or nothing, where reads return all ones and writes are
 * dropped, as on a bus with no device behind the address (Xen's null_ops
 * in xen/arch/x86/hvm/emulate.c for a PVH domain with no device model).
 * An instruction we cannot emulate crashes the domain, as Xen's
 * X86EMUL_UNHANDLEABLE does; bytes that no longer say what the exit said
 * (another vCPU rewrote them) run again.
 */
static void x86_handle_mmio(struct pvhv_vcpu *v, const struct pvhv_x86_exit *ex,
			    const struct pvhv_paging *pg)
{
	u64 gpa = ex->npf.gpa, mask, val = ~0ULL;
	struct pvhv_x86_mmio m;
	bool apic;
	int ret;

	ret = pvhv_x86_decode_mmio(v, pg, &m);
	if (ret == -EFAULT)
		return;
	if (ret) {
		pvhv_domain_crash(v->d, "%s guest-physical %#llx outside RAM at rip %#llx: not a MOV we emulate",
				  ex->npf.write ? "write to" : "read of", gpa, pg->rip);
		return;
	}
	if (m.write != ex->npf.write)
		return;
	mask = m.size == 8 ? ~0ULL : BIT_ULL(m.size * 8) - 1;
	apic = pvhv_x86_lapic_mmio(v, gpa);
	if (m.write) {
		if (m.reg == PVHV_X86_MMIO_IMM)
			val = m.imm;
		else
			val = v->regs[array_index_nospec(m.reg, PVHV_NR_REGS)] >> (m.byte_high ? 8 : 0);
		val &= mask;
		if (apic)
			pvhv_x86_lapic_mmio_access(v, gpa, m.size, true, &val);
	} else {
		if (apic)
			pvhv_x86_lapic_mmio_access(v, gpa, m.size, false, &val);
		val &= mask;
		if (m.ext == PVHV_X86_MMIO_SEXT)
			val = (u64)((s64)(val << (64 - m.size * 8)) >> (64 - m.size * 8));
		x86_set_gpr(v, m.reg, m.byte_high, m.dst_size, val);
	}
	pvhv_vendor->skip(v, m.len);
}

/*
 * A nested page fault: a write to a read-only grant mapping is #GP, as Xen
 * does; a data access where nothing is mapped is MMIO (x86_handle_mmio());
 * the guest's page tables or code outside RAM crash the domain.
 */
static void x86_handle_npf(struct pvhv_vcpu *v, const struct pvhv_x86_exit *ex)
{
	struct pvhv_paging pg;

	if (ex->npf.write && ex->npf.present &&
	    pvhv_gfn_is_readonly(v->d, ex->npf.gpa >> PAGE_SHIFT)) {
		x86_gp(v);
		return;
	}
	pvhv_vendor->get_paging(v, &pg);
	if (!ex->npf.present && !ex->npf.walk && !ex->npf.fetch) {
		x86_handle_mmio(v, ex, &pg);
		return;
	}
	pvhv_domain_crash(v->d, "%s guest-physical %#llx outside RAM at rip %#llx%s",
			  ex->npf.fetch ? "fetch from" : ex->npf.write ? "write to" : "read of",
			  ex->npf.gpa, pg.rip, ex->npf.walk ? " (its page tables)" : "");
}

/* HLT: sleep until an event; with interrupts off, the vCPU goes down (xen/vcpu.c). */
static void x86_hlt(struct pvhv_vcpu *v, const struct pvhv_x86_exit *ex)
{
	struct pvhv_paging pg;

	pvhv_vendor->skip(v, ex->insn_len);
	pvhv_vendor->get_paging(v, &pg);
	if (pg.rflags & X86_EFLAGS_IF)
		pvhv_vcpu_halt(v);
	else
		pvhv_xen_hlt_down(v);
}

void pvhv_x86_handle_exit(struct pvhv_vcpu *v, const struct pvhv_x86_exit *ex)
{
	u32 out[4];

	switch (ex->kind) {
	case PVHV_X86_EXIT_NONE:
	case PVHV_X86_EXIT_INTR_WINDOW:	/* the pending upcall goes in on entry */
		break;
	case PVHV_X86_EXIT_HYPERCALL:
		x86_hypercall(v, ex->insn_len);
		break;
	case PVHV_X86_EXIT_CPUID:
		pvhv_x86_cpuid(v, v->regs[PVHV_RAX], v->regs[PVHV_RCX], out);
		v->regs[PVHV_RAX] = out[0];
		v->regs[PVHV_RBX] = out[1];
		v->regs[PVHV_RCX] = out[2];
		v->regs[PVHV_RDX] = out[3];
		pvhv_vendor->skip(v, ex->insn_len);
		break;
	case PVHV_X86_EXIT_MSR:
		x86_handle_msr(v, ex);
		break;
	case PVHV_X86_EXIT_IO:
		x86_handle_io(v, ex);
		break;
	case PVHV_X86_EXIT_CR:
		x86_handle_cr(v, ex);
		break;
	case PVHV_X86_EXIT_DR:
		x86_handle_dr(v, ex);
		break;
	case PVHV_X86_EXIT_XSETBV:
		x86_handle_xsetbv(v, ex);
		break;
	case PVHV_X86_EXIT_HLT:
		x86_hlt(v, ex);
		break;
	case PVHV_X86_EXIT_NPF:
		x86_handle_npf(v, ex);
		break;
	case PVHV_X86_EXIT_EXCEPTION:
		x86_handle_exception(v, ex);
		break;
	case PVHV_X86_EXIT_NOP:
		/* INVD/WBINVD: guest RAM is write-back and coherent; never drop
		 * (INVD) or flush (WBINVD) the host's caches for a guest. */
		pvhv_vendor->skip(v, ex->insn_len);
		break;
	case PVHV_X86_EXIT_UD:
		pvhv_vendor->inject_exception(v, X86_TRAP_UD, false, 0);	/* not offered (CPUID) */
		break;
	case PVHV_X86_EXIT_GP:
		x86_gp(v);
		break;
	default:
		pvhv_domain_crash(v->d, "exit kind %u not handled", ex->kind);
	}
}
