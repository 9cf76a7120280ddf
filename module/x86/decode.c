// SPDX-License-Identifier: GPL-2.0-only
/*
 * Decoding the instructions an exit does not describe: MOV to/from CRn and
 * DRn where the vendor's exit does not name the general register (AMD's
 * EXITINFO1 names it only with decode assists, CPUID Fn8000_000A EDX[7],
 * which QEMU does not offer); INS and OUTS, whose exits give neither the
 * segment nor (on Intel without the instruction-information field) the
 * address size; and the MOV forms that reach MMIO (pvhv_x86_decode_mmio).
 *
 * The encoding (Intel SDM vol. 2, "MOV-Move to/from Control Registers",
 * "MOV-Move to/from Debug Registers"; AMD APM vol. 3): legacy prefixes, a
 * REX prefix in 64-bit mode (last before the opcode), 0F 20/22 (CR) or
 * 0F 21/23 (DR), ModRM with reg the CR/DR (REX.R extends it) and r/m the
 * general register (REX.B extends it), whatever the mod bits say. On AMD a
 * LOCK prefix turns MOV CR0 into MOV CR8 (APM vol. 3 "MOV CRn", CR8 legacy).
 *
 * The bytes are guest memory another vCPU may rewrite between the exit and
 * this read: bytes that no longer say what the exit said are not guessed
 * at, the instruction runs again.
 *
 * Locking: runs on the vCPU's own thread; none.
 */
#define pr_fmt(fmt) "pvhv: x86: " fmt

#include "x86.h"

#define X86_MAX_INSN	15

/* Up to @len bytes at the guest's RIP; how many could be read (page by page). */
static u32 x86_fetch(struct pvhv_vcpu *v, const struct pvhv_paging *pg, u8 *buf, u32 len)
{
	u64 rip = pg->mode64 ? pg->rip : (u32)(pg->cs_base + pg->rip);
	u32 done = 0, n;

	while (done < len) {
		u64 la = pg->mode64 ? rip + done : (u32)(rip + done);

		n = min_t(u32, len - done, PAGE_SIZE - (la & ~PAGE_MASK));
		if (pvhv_copy_from_guest(v, buf + done, la, n))
			break;
		done += n;
	}
	return done;
}

static bool x86_legacy_prefix(u8 b)
{
	return b == 0x26 || b == 0x2e || b == 0x36 || b == 0x3e || b == 0x64 || b == 0x65 ||
	       b == 0x66 || b == 0x67 || b == 0xf0 || b == 0xf2 || b == 0xf3;
}

int pvhv_x86_decode_mov_crdr(struct pvhv_vcpu *v, const struct pvhv_paging *pg, bool dr,
			     bool write, u8 num, u8 *gpr, u32 *len)
{
	u8 insn[X86_MAX_INSN], rex = 0, reg;
	bool lock = false;
	u32 n, i;

	n = x86_fetch(v, pg, insn, sizeof(insn));
	for (i = 0; i < n; i++) {
		if (x86_legacy_prefix(insn[i])) {
			lock |= insn[i] == 0xf0;
			rex = 0;	/* a REX before a legacy prefix is ignored */
			continue;
		}
		if (pg->mode64 && (insn[i] & 0xf0) == 0x40) {
			rex = insn[i];
			continue;
		}
		break;
	}
	if (i + 3 > n) {
		if (n < sizeof(insn))
			goto err_fetch;	/* part of it cannot be read */
		return -EAGAIN;		/* too long: the CPU decides when run again */
	}
	if (insn[i] != 0x0f || insn[i + 1] != (u8)((dr ? 0x21 : 0x20) | (write ? 2 : 0)))
		return -EAGAIN;
	reg = ((insn[i + 2] >> 3) & 7) | (rex & 4 ? 8 : 0);
	if (!dr && lock && reg == 0)
		reg = 8;
	if (reg != num)
		return -EAGAIN;
	*gpr = (insn[i + 2] & 7) | (rex & 1 ? 8 : 0);
	*len = i + 3;
	return 0;

err_fetch:
	pvhv_domain_crash(v->d, "MOV %s%u exit at rip %#llx: the instruction cannot be read",
			  dr ? "DR" : "CR", num, pg->rip);
	return -EFAULT;
}

/*
 * INS/OUTS (SDM vol. 2 "INS/INSB/INSW/INSD", "OUTS/OUTSB/OUTSW/OUTSD"):
 * prefixes, then 6C/6D (INS) or 6E/6F (OUTS). The memory operand is ES:rDI
 * for INS (no override) and DS:rSI for OUTS, whose segment an override
 * prefix changes (the last one counts); 67 switches the address size from
 * the mode's default (64-bit mode: 64 -> 32; else CS.D: 32 <-> 16).
 */
int pvhv_x86_decode_string_io(struct pvhv_vcpu *v, const struct pvhv_paging *pg, bool in,
			      struct pvhv_x86_string_io *out)
{
	static const u8 seg_prefix[] = { 0x26, 0x2e, 0x36, 0x3e, 0x64, 0x65 };	/* ES..GS */
	u8 insn[X86_MAX_INSN], seg = PVHV_X86_DS;
	bool asize = false;
	u32 n, i, s;

	n = x86_fetch(v, pg, insn, sizeof(insn));
	for (i = 0; i < n; i++) {
		if (x86_legacy_prefix(insn[i])) {
			for (s = 0; s < ARRAY_SIZE(seg_prefix); s++)
				if (insn[i] == seg_prefix[s])
					seg = s;
			asize |= insn[i] == 0x67;
			continue;
		}
		if (pg->mode64 && (insn[i] & 0xf0) == 0x40)
			continue;	/* REX.W does not widen INS/OUTS past 32 bits */
		break;
	}
	if (i >= n) {
		if (n < sizeof(insn)) {
			pvhv_domain_crash(v->d, "%s exit at rip %#llx: the instruction cannot be read",
					  in ? "INS" : "OUTS", pg->rip);
			return -EFAULT;
		}
		return -EAGAIN;
	}
	if ((insn[i] & ~1) != (in ? 0x6c : 0x6e))
		return -EAGAIN;
	out->seg = in ? PVHV_X86_ES : seg;
	if (pg->mode64)
		out->addr_size = asize ? 4 : 8;
	else
		out->addr_size = (pg->cs_db ^ asize) ? 4 : 2;
	out->len = i + 1;
	return 0;
}

/*
 * The MOV forms kernels use on MMIO (SDM vol. 2 "MOV", "MOVZX", "MOVSX";
 * operand and address sizes: vol. 1 3.6, vol. 2 2.1-2.2): 88/89 (store a
 * register), 8A/8B (load one), C6/C7 /0 (store an immediate), 0F B6/B7
 * (MOVZX) and 0F BE/BF (MOVSX) loads, with any memory ModRM form (SIB,
 * displacements, RIP-relative; 16-bit addressing outside 64-bit mode);
 * and A0-A3, AL/rAX to or from an absolute address (moffs, as wide as
 * the address size), which compilers emit for constant addresses.
 * The exit gave the guest-physical address; this gives the width, the
 * direction, the register or immediate and the length. -EOPNOTSUPP for
 * anything else (the caller crashes the domain, as Xen does when it
 * cannot emulate), -EFAULT if the bytes cannot be read (domain crashed).
 */
int pvhv_x86_decode_mmio(struct pvhv_vcpu *v, const struct pvhv_paging *pg,
			 struct pvhv_x86_mmio *m)
{
	u8 insn[X86_MAX_INSN], rex = 0, op, modrm, mod, rm, opsize;
	bool osize = false, asize = false, addr16, twobyte = false;
	u32 n, i, imm = 0;

	memset(m, 0, sizeof(*m));
	n = x86_fetch(v, pg, insn, sizeof(insn));
	for (i = 0; i < n; i++) {
		if (x86_legacy_prefix(insn[i])) {
			osize |= insn[i] == 0x66;
			asize |= insn[i] == 0x67;
			rex = 0;
			continue;
		}
		if (pg->mode64 && (insn[i] & 0xf0) == 0x40) {
			rex = insn[i];
			continue;
		}
		break;
	}
	if (i + 2 > n)
		goto err_short;
	/* Operand size: REX.W 8; else 66 toggles the mode's default (64-bit mode: 4). */
	if (rex & 8)
		opsize = 8;
	else if (pg->mode64 || pg->cs_db)
		opsize = osize ? 2 : 4;
	else
		opsize = osize ? 4 : 2;
	addr16 = !pg->mode64 && (pg->cs_db == asize);
	op = insn[i++];
	if (op >= 0xa0 && op <= 0xa3) {
		i += pg->mode64 ? (asize ? 4 : 8) : (addr16 ? 2 : 4);
		if (i > n)
			goto err_short;
		m->size = (op & 1) ? opsize : 1;
		m->dst_size = m->size;
		m->write = op & 2;
		m->reg = PVHV_RAX;
		m->len = i;
		return 0;
	}
	if (op == 0x0f) {
		twobyte = true;
		op = insn[i++];
		if (op != 0xb6 && op != 0xb7 && op != 0xbe && op != 0xbf)
			return -EOPNOTSUPP;
	} else if (op != 0x88 && op != 0x89 && op != 0x8a && op != 0x8b &&
		   op != 0xc6 && op != 0xc7) {
		return -EOPNOTSUPP;
	}
	if (i >= n)
		goto err_short;
	modrm = insn[i++];
	mod = modrm >> 6;
	rm = modrm & 7;
	if (mod == 3)
		return -EOPNOTSUPP;	/* a register operand: no memory access */
	if ((op == 0xc6 || op == 0xc7) && !twobyte && ((modrm >> 3) & 7))
		return -EOPNOTSUPP;	/* C6/C7 /0 only */

	/* The rest of the memory operand: SIB and displacement. */
	if (addr16) {
		if (mod == 2 || (mod == 0 && rm == 6))
			i += 2;
		else if (mod == 1)
			i += 1;
	} else {
		if (rm == 4) {
			if (i >= n)
				goto err_short;
			if (mod == 0 && (insn[i] & 7) == 5)
				i += 4;		/* no base: disp32 */
			i++;
		}
		if (mod == 2 || (mod == 0 && rm == 5))
			i += 4;
		else if (mod == 1)
			i += 1;
	}

	m->reg = ((modrm >> 3) & 7) | (rex & 4 ? 8 : 0);
	m->byte_high = false;
	if (twobyte) {
		m->size = (op & 1) ? 2 : 1;
		m->dst_size = opsize;
		m->ext = (op & 8) ? PVHV_X86_MMIO_SEXT : PVHV_X86_MMIO_ZEXT;
	} else {
		m->size = (op & 1) ? opsize : 1;
		m->dst_size = m->size;
		m->write = op == 0x88 || op == 0x89 || op == 0xc6 || op == 0xc7;
	}
	/* Without REX, byte registers 4-7 are AH, CH, DH, BH. */
	if ((m->size == 1 && !twobyte) && !rex && m->reg >= 4) {
		m->reg -= 4;
		m->byte_high = true;
	}
	if (op == 0xc6 || op == 0xc7) {
		u32 len = op == 0xc6 ? 1 : opsize == 2 ? 2 : 4;

		if (i + len > n)
			goto err_short;
		memcpy(&imm, insn + i, len);
		i += len;
		m->imm = len == 1 ? (u8)imm : len == 2 ? (u16)imm : (u64)(s64)(s32)imm;
		m->reg = PVHV_X86_MMIO_IMM;
	}
	if (i > n)
		goto err_short;
	m->len = i;
	return 0;

err_short:
	if (n < sizeof(insn)) {
		pvhv_domain_crash(v->d, "MMIO access at rip %#llx: the instruction cannot be read",
				  pg->rip);
		return -EFAULT;
	}
	return -EOPNOTSUPP;
}
