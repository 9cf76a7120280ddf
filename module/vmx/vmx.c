// SPDX-License-Identifier: GPL-2.0-only
/*
 * pvhv Intel VMX backend: the second implementation of the vendor ops
 * (vendor.h), beside svm/svm.c.
 *
 * References: Intel SDM vol. 3C (325384):
 *   24.6 "Discovering support for VMX", 24.7 "Enabling and entering VMX
 *   operation", 24.11 "VMCS regions" (24.11.3 VMCS states, 24.11.5 VMXON),
 *   25.2-25.3 (instructions and events that exit), 25.8 "Restrictions on VMX
 *   operation" (CR0/CR4 fixed bits), 25.6 VM-execution controls (25.6.3
 *   exception bitmap, 25.6.6 CR0/CR4 guest/host masks, 25.6.9 MSR bitmaps,
 *   25.6.11 EPTP, 25.6.12 VPID), 25.7 exit controls, 25.8 entry controls,
 *   26.2-26.3 VM-entry checks (26.3.1 guest state, 26.3.2.4 PDPTEs),
 *   26.6 event injection, 27.2 exit information, 27.5 loading host state,
 *   28.1-28.3 (VPIDs, EPT-tagged TLBs, INVEPT/INVVPID), 29.3 EPT,
 *   31.4 VM-instruction error numbers; Appendix A (capability MSRs),
 *   B (VMCS field encodings), C (basic exit reasons).
 * Field encodings and control bits come from the kernel's <asm/vmx.h>.
 *
 * This backend is exercised under bochs (tests/vm/bochs); QEMU TCG does not
 * emulate VMX.
 *
 * Locking: the per-CPU state (vmx_vmxon_page, vmx_enabled, vmx_current,
 * vmx_loaded, vmx_host_syscall) is written on its own CPU with interrupts
 * disabled: by the CPU hotplug/syscore callbacks (which the core serializes),
 * by vmx_vmcs_load() and by the VMCLEAR IPI. The module-wide tables
 * (vmx_cfg, vmx_msr_bitmap) are written once in hardware_setup. VPIDs come
 * from an IDA (its own lock). A vCPU's VMCS and vendor state belong to the
 * thread that owns the vCPU (its vCPU thread; before that, the creator
 * under the domain lock); the VMCS follows that thread from CPU to CPU
 * (vmx_vmcs_load: VMCLEAR on the old CPU by IPI, VMPTRLD on the new one).
 * A domain's EPT is x86/npt.c's: built before its first vCPU runs and
 * changed under the domain lock.
 */
#define pr_fmt(fmt) "pvhv: vmx: " fmt

#include <linux/gfp.h>
#include <linux/idr.h>
#include <linux/list.h>
#include <linux/mm.h>
#include <linux/percpu.h>
#include <linux/ratelimit.h>
#include <linux/slab.h>
#include <linux/smp.h>
#include <linux/topology.h>
#include <asm/asm.h>
#include <asm/debugreg.h>
#include <asm/desc.h>
#include <asm/fpu/api.h>
#include <asm/fpu/xcr.h>
#include <asm/io.h>
#include <asm/mce.h>
#include <asm/msr.h>
#include <asm/msr-index.h>
#include <asm/processor.h>
#include <asm/segment.h>
#include <asm/special_insns.h>
#include <asm/tlbflush.h>
#include <asm/tsc.h>
#include <asm/vmx.h>
#include <asm/trapnr.h>
#include <xen/interface/xen.h>
#include <xen/interface/hvm/hvm_vcpu.h>

#include "../compat.h"
#include "../core.h"
#include "../x86/x86.h"

/* CPUID.01H:ECX[5] = VMX (SDM 24.6). */
#define VMX_CPUID_ECX_VMX		BIT(5)
/* IA32_FEATURE_CONTROL (3AH): bit 0 lock, bit 2 VMX outside SMX (SDM 24.7). */
#define VMX_FEAT_CTL_LOCKED		BIT_ULL(0)
#define VMX_FEAT_CTL_OUTSIDE_SMX	BIT_ULL(2)
/* Allowed-1 settings are the high dword of the control MSRs (SDM A.3). */
#define VMX_PROC_ACTIVATE_SECONDARY	BIT_ULL(32 + 31)
#define VMX_PROC2_EPT			BIT_ULL(32 + 1)
#define VMX_PROC2_UNRESTRICTED		BIT_ULL(32 + 7)
/* IA32_VMX_EPT_VPID_CAP (48CH), SDM A.10. */
#define VMX_EPT_CAP_PWL4		BIT_ULL(6)
#define VMX_EPT_CAP_WB			BIT_ULL(14)
#define VMX_EPT_CAP_INVEPT		BIT_ULL(20)
#define VMX_EPT_CAP_INVEPT_SINGLE	BIT_ULL(25)
#define VMX_EPT_CAP_INVEPT_ALL		BIT_ULL(26)
#define VMX_VPID_CAP_INVVPID		BIT_ULL(32)
#define VMX_VPID_CAP_SINGLE		BIT_ULL(41)
#define VMX_VPID_CAP_ALL		BIT_ULL(42)
/* IA32_VMX_BASIC (480H), SDM A.1. */
#define PVHV_BASIC_REVISION_MASK		0x7fffffffULL
#define PVHV_BASIC_SIZE(b)		(((b) >> 32) & 0x1fff)
#define PVHV_BASIC_32BIT_ADDR		BIT_ULL(48)
#define PVHV_BASIC_MEMTYPE(b)		(((b) >> 50) & 0xf)
#define PVHV_BASIC_MEMTYPE_WB		6
#define PVHV_BASIC_TRUE_CTLS		BIT_ULL(55)

/*
 * EPT entries (SDM 29.3.2): read/write/execute; leaves with memory type WB
 * (bits 5:3) and "ignore PAT" (bit 6). Every leaf maps host RAM the host
 * itself maps write-back: with IPAT the guest's PAT and MTRRs cannot make
 * it UC or WC (29.3.7.2), which would alias the host's WB mapping of the
 * same page (vol. 3A "Programming the PAT": such aliases are unsupported) and slow
 * the host down.
 */
#define VMX_EPT_RWX		(VMX_EPT_READABLE_MASK | VMX_EPT_WRITABLE_MASK | \
				 VMX_EPT_EXECUTABLE_MASK)
#define VMX_EPT_LEAF		(VMX_EPT_RWX | (VMX_EPTP_MT_WB << VMX_EPT_MT_EPTE_SHIFT) | \
				 VMX_EPT_IPAT_BIT)

/* Exit reason bit 31: the VM entry failed (SDM 27.2.1, 26.8). */
#define VMX_EXIT_ENTRY_FAILED	BIT(31)


/* --- module-wide configuration (hardware_setup) ------------------------- */

static struct {
	u32 revision;
	bool dma32;			/* VMCS/VMXON regions below 4 GiB (A.1) */
	u32 pin, proc, proc2, exit, entry;	/* the controls every VMCS starts with */
	u64 cr0_fixed0, cr0_fixed1, cr4_fixed0, cr4_fixed1;
	u64 cr0_mask, cr4_mask;		/* the CR bits the guest does not own */
	u64 ept_vpid;			/* IA32_VMX_EPT_VPID_CAP */
	bool vpid;			/* VPIDs in use */
	u32 watchdog;			/* VMX-preemption timer value of one tick; 0: none */
	u8 phys_bits;
	bool l1d_flush;			/* flush L1D at each entry (L1TF) */
} vmx_cfg;

static struct page *vmx_msr_bitmap;	/* 4 KiB, SDM 25.6.9 */
static DEFINE_IDA(vmx_vpids);

/* --- per-CPU state ------------------------------------------------------ */

struct vmx_vcpu;

static DEFINE_PER_CPU(struct page *, vmx_vmxon_page);
/* Whether this CPU is in VMX operation because of us. */
static DEFINE_PER_CPU(bool, vmx_enabled);
/* The VMCS current on this CPU (VMPTRLD), or NULL. */
static DEFINE_PER_CPU(struct vmx_vcpu *, vmx_current);
/* Every VMCS active on this CPU (SDM 24.11.3), through vmx_vcpu.loaded. */
static DEFINE_PER_CPU(struct list_head, vmx_loaded);
/* The host's STAR, LSTAR, CSTAR, SFMASK (set once at boot, same on every CPU). */
static DEFINE_PER_CPU(u64 [4], vmx_host_syscall);

static const u32 vmx_syscall_msrs[4] = {
	MSR_STAR, MSR_LSTAR, MSR_CSTAR, MSR_SYSCALL_MASK,
};

/* --- vCPU state ---------------------------------------------------------- */

struct vmx_domain {
	u64 eptp;			/* immutable */
};

struct vmx_vcpu {
	struct pvhv_vcpu *v;
	void *vmcs;
	u64 vmcs_pa;
	struct list_head loaded;	/* on vmx_loaded of @cpu */
	int cpu;			/* where the VMCS is active, or -1 */
	bool launched;			/* VMRESUME, not VMLAUNCH (24.11.3) */
	u16 vpid;			/* 0: none */
	u64 host_rsp;			/* HOST_RSP as last written */
	u64 host_cr3, host_cr4, host_fs_base;	/* as last written */

	/* Mirrors of VMCS fields, read at each exit, written back if dirty. */
	u64 rip, rflags;
	u32 intr_state;			/* GUEST_INTERRUPTIBILITY_INFO */
	bool rip_dirty, intr_dirty;
	bool inject_pending;		/* VM_ENTRY_INTR_INFO_FIELD holds an event */
	u32 pin, proc, entry;		/* current pin-based, primary proc-based, entry controls */

	/* Guest state VMX does not switch, or that the guest only reaches
	 * through intercepts. */
	u64 cr0, cr4;			/* read shadows: the guest's view of host-owned bits */
	u64 efer;			/* GUEST_IA32_EFER */
	u64 cr2;
	u64 syscall_msrs[4];		/* STAR, LSTAR, CSTAR, SFMASK */
	u64 kernel_gs_base;

	int npt_gen;			/* pvhv_npt.gen when last flushed */
	bool flush;			/* an emulated CR write: flush this VPID */
};

/* The fields one exit needs, read while the VMCS is surely current. */
struct vmx_exit {
	u32 reason;
	u64 qual;
	u32 intr_info;
	u32 idt_info;
	u32 insn_len;
	u32 insn_error;			/* after a VMfailValid */
};

asmlinkage int pvhv_vmx_run(u64 *regs, u64 launched, u64 *host_rsp);
asmlinkage void pvhv_vmx_exit(void);
asmlinkage void pvhv_vmx_spec_ctrl_restore(void);

/*
 * Called by vmenter.S after a VM exit, once the RSB is filled and before any
 * RET: with legacy IBRS (spectre_v2=ibrs) the IBRS bit must be written again
 * after a transition from a less privileged predictor mode, a VM exit
 * included, whether or not the guest changed SPEC_CTRL (it cannot here: the
 * MSR is intercepted). As KVM's vmx_spec_ctrl_restore_host().
 */
noinstr void pvhv_vmx_spec_ctrl_restore(void)
{
	if (cpu_feature_enabled(X86_FEATURE_KERNEL_IBRS))
		native_wrmsrl(MSR_IA32_SPEC_CTRL, this_cpu_read(x86_spec_ctrl_current));
}

/* --- VMX instructions (SDM 31.3) --------------------------------------- */

static void vmx_insn_failed(const char *insn, u64 arg)
{
	u64 err = 0;

	/* VM_INSTRUCTION_ERROR is valid after a VMfailValid (31.4). */
	asm volatile("vmread %1, %0" : "=r" (err) : "r" ((u64)VM_INSTRUCTION_ERROR) : "cc");
	pr_err_ratelimited("%s %#llx failed (VM-instruction error %llu) on CPU %d\n",
			   insn, arg, err, raw_smp_processor_id());
}

static u64 __vmx_read(unsigned long field)
{
	bool fail;
	u64 val;

	asm volatile("vmread %[f], %[v]\n\tsetna %[fail]"
		     : [v] "=r" (val), [fail] "=qm" (fail) : [f] "r" ((u64)field) : "cc");
	if (unlikely(fail)) {
		vmx_insn_failed("vmread", field);
		return 0;
	}
	return val;
}

static void __vmx_write(unsigned long field, u64 val)
{
	bool fail;

	asm volatile("vmwrite %[v], %[f]\n\tsetna %[fail]"
		     : [fail] "=qm" (fail) : [v] "rm" (val), [f] "r" ((u64)field) : "cc");
	if (unlikely(fail))
		vmx_insn_failed("vmwrite", field);
}

static void vmx_vmclear(u64 pa)
{
	bool fail;

	asm volatile("vmclear %[pa]\n\tsetna %[fail]"
		     : [fail] "=qm" (fail) : [pa] "m" (pa) : "cc", "memory");
	if (unlikely(fail))
		vmx_insn_failed("vmclear", pa);
}

static void vmx_vmptrld(u64 pa)
{
	bool fail;

	asm volatile("vmptrld %[pa]\n\tsetna %[fail]"
		     : [fail] "=qm" (fail) : [pa] "m" (pa) : "cc", "memory");
	if (unlikely(fail))
		vmx_insn_failed("vmptrld", pa);
}

/* INVEPT (28.3.3.1): type 1 one EPTP's mappings, type 2 all of them. */
static void vmx_invept(unsigned long type, u64 eptp)
{
	struct { u64 eptp, zero; } desc = { eptp, 0 };
	bool fail;

	asm volatile("invept %[d], %[t]\n\tsetna %[fail]"
		     : [fail] "=qm" (fail) : [d] "m" (desc), [t] "r" (type) : "cc", "memory");
	if (unlikely(fail))
		vmx_insn_failed("invept", type);
}

/* INVVPID (28.3.3.1): type 1 one VPID's mappings, type 2 every VPID's but 0. */
static void vmx_invvpid(unsigned long type, u16 vpid)
{
	struct { u64 vpid, gva; } desc = { vpid, 0 };
	bool fail;

	asm volatile("invvpid %[d], %[t]\n\tsetna %[fail]"
		     : [fail] "=qm" (fail) : [d] "m" (desc), [t] "r" (type) : "cc", "memory");
	if (unlikely(fail))
		vmx_insn_failed("invvpid", type);
}

static void vmx_flush_ept(u64 eptp)
{
	if (vmx_cfg.ept_vpid & VMX_EPT_CAP_INVEPT_SINGLE)
		vmx_invept(VMX_EPT_EXTENT_CONTEXT, eptp);
	else
		vmx_invept(VMX_EPT_EXTENT_GLOBAL, 0);
}

static void vmx_flush_vpid(u16 vpid)
{
	/* Without VPIDs every entry and exit flushes VPID 0 (28.3.3.3). */
	if (!vpid)
		return;
	if (vmx_cfg.ept_vpid & VMX_VPID_CAP_SINGLE)
		vmx_invvpid(VMX_VPID_EXTENT_SINGLE_CONTEXT, vpid);
	else
		vmx_invvpid(VMX_VPID_EXTENT_ALL_CONTEXT, 0);
}

/* --- detection and per-CPU enable --------------------------------------- */

static int vmx_probe(char *reason, size_t len)
{
	u64 feat, proc, proc2, ept;

	if (!(cpuid_ecx(1) & VMX_CPUID_ECX_VMX)) {
		snprintf(reason, len, "VMX not present");
		return -ENODEV;
	}
	if (rdmsrl_safe(MSR_IA32_FEAT_CTL, &feat)) {
		snprintf(reason, len, "VMX present but IA32_FEATURE_CONTROL unreadable");
		return -ENODEV;
	}
	/*
	 * SDM 24.7: VMXON outside SMX needs bit 2 with the lock bit 0 set. Locked
	 * without bit 2: the firmware turned VMX off, only its setup can change
	 * that. Not locked: the kernel normally locks it at boot (VMX enabled
	 * unless disabled on its command line); it did not here.
	 */
	if ((feat & VMX_FEAT_CTL_LOCKED) && !(feat & VMX_FEAT_CTL_OUTSIDE_SMX)) {
		snprintf(reason, len,
			 "VMX locked off by the firmware (IA32_FEATURE_CONTROL=%#llx): enable VT-x in the firmware setup",
			 feat);
		return -EPERM;
	}
	if (!(feat & VMX_FEAT_CTL_LOCKED)) {
		snprintf(reason, len,
			 "IA32_FEATURE_CONTROL not locked (%#llx): the firmware and the kernel left VMX unconfigured",
			 feat);
		return -EPERM;
	}
	if (rdmsrl_safe(MSR_IA32_VMX_PROCBASED_CTLS, &proc) ||
	    !(proc & VMX_PROC_ACTIVATE_SECONDARY) ||
	    rdmsrl_safe(MSR_IA32_VMX_PROCBASED_CTLS2, &proc2) ||
	    !(proc2 & VMX_PROC2_EPT)) {
		snprintf(reason, len, "VMX without EPT");
		return -ENODEV;
	}
	if (!(proc2 & VMX_PROC2_UNRESTRICTED)) {
		snprintf(reason, len, "VMX without unrestricted guest");
		return -ENODEV;
	}
	if (rdmsrl_safe(MSR_IA32_VMX_EPT_VPID_CAP, &ept) ||
	    !(ept & VMX_EPT_CAP_PWL4) || !(ept & VMX_EPT_CAP_WB)) {
		snprintf(reason, len, "EPT without 4-level walks or write-back tables");
		return -ENODEV;
	}
	return 0;
}

/* A zeroed page for a VMXON region or VMCS (24.11.5: revision id first). */
static struct page *vmx_alloc_region(int node)
{
	u64 basic;
	struct page *page;

	rdmsrl(MSR_IA32_VMX_BASIC, basic);
	/* SDM A.1: with bit 48 set, VMXON/VMCS regions must lie below 4 GiB. */
	page = alloc_pages_node(node, GFP_KERNEL | __GFP_ZERO |
				((basic & PVHV_BASIC_32BIT_ADDR) ? GFP_DMA32 : 0), 0);
	if (!page)
		return NULL;
	*(u32 *)page_address(page) = basic & PVHV_BASIC_REVISION_MASK;
	atomic64_inc(&pvhv_counters.objects);
	return page;
}

static void vmx_free_region(struct page *page)
{
	if (!page)
		return;
	__free_page(page);
	atomic64_dec(&pvhv_counters.objects);
}

static int vmx_cpu_prepare(unsigned int cpu)
{
	/* Empty: the CPU is offline, its VMCSs were cleared by cpu_disable. */
	INIT_LIST_HEAD(&per_cpu(vmx_loaded, cpu));
	if (per_cpu(vmx_vmxon_page, cpu))
		return 0;
	per_cpu(vmx_vmxon_page, cpu) = vmx_alloc_region(cpu_to_node(cpu));
	return per_cpu(vmx_vmxon_page, cpu) ? 0 : -ENOMEM;
}

static void vmx_cpu_unprepare(unsigned int cpu)
{
	vmx_free_region(per_cpu(vmx_vmxon_page, cpu));
	per_cpu(vmx_vmxon_page, cpu) = NULL;
}

static bool vmx_cr_fixed_ok(unsigned long val, u32 fixed0_msr, u32 fixed1_msr)
{
	u64 fixed0, fixed1;

	rdmsrl(fixed0_msr, fixed0);
	rdmsrl(fixed1_msr, fixed1);
	/* SDM A.7/A.8: bits set in FIXED0 must be 1, bits clear in FIXED1 must be 0. */
	return (val & fixed0) == fixed0 && !(val & ~fixed1);
}

/* Interrupts disabled (cr4_set_bits requires it). */
static int vmx_cpu_enable(char *reason, size_t len)
{
	struct page *page = this_cpu_read(vmx_vmxon_page);
	int cpu = raw_smp_processor_id();
	u64 pa;
	int i;

	if (__read_cr4() & X86_CR4_VMXE) {
		snprintf(reason, len,
			 "VMX is in use by another hypervisor (CR4.VMXE already set on CPU %d; kvm_intel?)",
			 cpu);
		return -EBUSY;
	}
	if (!page) {
		snprintf(reason, len, "no VMXON region for CPU %d", cpu);
		return -ENOMEM;
	}
	if (!vmx_cr_fixed_ok(read_cr0(), MSR_IA32_VMX_CR0_FIXED0, MSR_IA32_VMX_CR0_FIXED1) ||
	    !vmx_cr_fixed_ok(__read_cr4() | X86_CR4_VMXE,
			     MSR_IA32_VMX_CR4_FIXED0, MSR_IA32_VMX_CR4_FIXED1)) {
		snprintf(reason, len, "host CR0/CR4 violate the VMX fixed bits on CPU %d", cpu);
		return -EIO;
	}

	cr4_set_bits(X86_CR4_VMXE);
	pa = page_to_phys(page);
	asm goto("1: vmxon %[pa]\n\t"
		 "jna %l[fail]\n\t"
		 _ASM_EXTABLE(1b, %l[fail])
		 : : [pa] "m" (pa) : "memory", "cc" : fail);
	this_cpu_write(vmx_enabled, true);
	this_cpu_write(vmx_current, NULL);
	for (i = 0; i < ARRAY_SIZE(vmx_syscall_msrs); i++)
		rdmsrl(vmx_syscall_msrs[i], (*this_cpu_ptr(&vmx_host_syscall))[i]);
	/* 28.3.3.4: nothing EPT-tagged from before VMXON may be used. */
	if (vmx_cfg.ept_vpid & VMX_EPT_CAP_INVEPT_ALL)
		vmx_invept(VMX_EPT_EXTENT_GLOBAL, 0);
	return 0;

fail:
	cr4_clear_bits(X86_CR4_VMXE);
	snprintf(reason, len, "VMXON failed on CPU %d", cpu);
	return -EIO;
}

static void vmx_vmcs_forget(struct vmx_vcpu *s)
{
	if (this_cpu_read(vmx_current) == s)
		this_cpu_write(vmx_current, NULL);
	list_del(&s->loaded);
	s->launched = false;	/* VMCLEAR made it "clear" (24.11.3) */
	WRITE_ONCE(s->cpu, -1);
}

/* Interrupts disabled: every VMCS active here is written back first (24.11.1). */
static void vmx_cpu_disable(void)
{
	struct vmx_vcpu *s, *tmp;

	if (!this_cpu_read(vmx_enabled))
		return;
	list_for_each_entry_safe(s, tmp, this_cpu_ptr(&vmx_loaded), loaded) {
		vmx_vmclear(s->vmcs_pa);
		vmx_vmcs_forget(s);
	}
	asm volatile("vmxoff" : : : "memory", "cc");
	cr4_clear_bits(X86_CR4_VMXE);
	this_cpu_write(vmx_enabled, false);
}

/* --- module-wide setup: controls checked against the capability MSRs ---- */

/*
 * A control field (SDM A.3-A.5): bits set in the low dword of @msr must be 1
 * (allowed-0 settings), bits clear in the high dword must be 0 (allowed-1).
 * @need must be allowed, @want is taken if it is.
 */
static int vmx_adjust(u32 msr, u32 need, u32 want, u32 *out, const char *what,
		      char *reason, size_t len)
{
	u64 cap;
	u32 must, may;

	rdmsrl(msr, cap);
	must = cap;
	may = cap >> 32;
	if (need & ~may) {
		snprintf(reason, len, "VMX %s controls lack %#x (allowed %#x)", what,
			 need & ~may, may);
		return -ENODEV;
	}
	*out = (need | (want & may) | must) & may;
	return 0;
}

static void vmx_msr_intercept(u8 *bitmap, u32 msr, bool read, bool write)
{
	u32 base;

	/* 25.6.9: read low, read high, write low, write high; 1 KiB each. */
	if (msr <= 0x1fff)
		base = 0;
	else if (msr >= 0xc0000000 && msr <= 0xc0001fff)
		base = 1024, msr -= 0xc0000000;
	else
		return;		/* outside both ranges: always intercepted */
	if (!read)
		bitmap[base + msr / 8] &= ~BIT(msr % 8);
	if (!write)
		bitmap[base + 2048 + msr / 8] &= ~BIT(msr % 8);
}

static int vmx_hardware_setup(char *reason, size_t len)
{
	/* Switched by the VMCS itself (guest-state area): safe to give the guest. */
	static const u32 passthrough[] = {
		MSR_FS_BASE, MSR_GS_BASE, MSR_IA32_SYSENTER_CS,
		MSR_IA32_SYSENTER_ESP, MSR_IA32_SYSENTER_EIP,
	};
	bool true_ctls;
	u64 basic, ept, arch_cap;
	u8 *bitmap;
	int i, ret;

	rdmsrl(MSR_IA32_VMX_BASIC, basic);
	vmx_cfg.revision = basic & PVHV_BASIC_REVISION_MASK;
	vmx_cfg.dma32 = basic & PVHV_BASIC_32BIT_ADDR;
	true_ctls = basic & PVHV_BASIC_TRUE_CTLS;
	if (PVHV_BASIC_SIZE(basic) > PAGE_SIZE || PVHV_BASIC_MEMTYPE(basic) != PVHV_BASIC_MEMTYPE_WB) {
		snprintf(reason, len, "VMCS of %llu bytes or not write-back (IA32_VMX_BASIC=%#llx)",
			 PVHV_BASIC_SIZE(basic), basic);
		return -ENODEV;
	}

	/*
	 * Every exit pvhv handles, nothing it does not: external interrupts and
	 * NMIs go to the host; HLT, MONITOR/MWAIT, RDPMC, CR8, MOV DR and all
	 * I/O exit; MSRs through the bitmap; EPT with unrestricted guest.
	 * Entry loads DR7 and IA32_DEBUGCTL from the guest-state area (26.3.2.1),
	 * required: without it the host's DR7 breakpoints stay armed while the
	 * guest runs. No "enable RDTSCP": RDTSCP and RDPID would read the
	 * host's IA32_TSC_AUX (the host CPU number); without it they raise #UD
	 * (25.6.2), and CPUID does not offer them.
	 * Default-1 controls (CR3 load/store without the TRUE MSRs) are
	 * handled too.
	 */
	ret = vmx_adjust(true_ctls ? MSR_IA32_VMX_TRUE_PINBASED_CTLS : MSR_IA32_VMX_PINBASED_CTLS,
			 PIN_BASED_EXT_INTR_MASK | PIN_BASED_NMI_EXITING,
			 PIN_BASED_VMX_PREEMPTION_TIMER,
			 &vmx_cfg.pin, "pin-based", reason, len);
	if (!ret)
		ret = vmx_adjust(true_ctls ? MSR_IA32_VMX_TRUE_PROCBASED_CTLS :
				 MSR_IA32_VMX_PROCBASED_CTLS,
				 CPU_BASED_HLT_EXITING | CPU_BASED_MWAIT_EXITING |
				 CPU_BASED_RDPMC_EXITING | CPU_BASED_CR8_LOAD_EXITING |
				 CPU_BASED_CR8_STORE_EXITING | CPU_BASED_MOV_DR_EXITING |
				 CPU_BASED_UNCOND_IO_EXITING | CPU_BASED_USE_MSR_BITMAPS |
				 CPU_BASED_MONITOR_EXITING | CPU_BASED_ACTIVATE_SECONDARY_CONTROLS,
				 0, &vmx_cfg.proc, "processor-based", reason, len);
	if (!ret)
		ret = vmx_adjust(MSR_IA32_VMX_PROCBASED_CTLS2,
				 SECONDARY_EXEC_ENABLE_EPT | SECONDARY_EXEC_UNRESTRICTED_GUEST,
				 SECONDARY_EXEC_ENABLE_VPID | SECONDARY_EXEC_WBINVD_EXITING,
				 &vmx_cfg.proc2, "secondary processor-based", reason, len);
	if (!ret)
		ret = vmx_adjust(true_ctls ? MSR_IA32_VMX_TRUE_EXIT_CTLS : MSR_IA32_VMX_EXIT_CTLS,
				 VM_EXIT_HOST_ADDR_SPACE_SIZE | VM_EXIT_SAVE_IA32_PAT |
				 VM_EXIT_LOAD_IA32_PAT | VM_EXIT_SAVE_IA32_EFER |
				 VM_EXIT_LOAD_IA32_EFER, VM_EXIT_SAVE_DEBUG_CONTROLS,
				 &vmx_cfg.exit, "VM-exit", reason, len);
	if (!ret)
		ret = vmx_adjust(true_ctls ? MSR_IA32_VMX_TRUE_ENTRY_CTLS : MSR_IA32_VMX_ENTRY_CTLS,
				 VM_ENTRY_LOAD_IA32_PAT | VM_ENTRY_LOAD_IA32_EFER | VM_ENTRY_IA32E_MODE |
				 VM_ENTRY_LOAD_DEBUG_CONTROLS, 0,
				 &vmx_cfg.entry, "VM-entry", reason, len);
	if (ret)
		return ret;
	/* Toggled per guest: interrupt windows, long mode, the watchdog. */
	vmx_cfg.entry &= ~VM_ENTRY_IA32E_MODE;
	if (vmx_cfg.pin & PIN_BASED_VMX_PREEMPTION_TIMER) {
		u64 misc, tick = tsc_khz ? (u64)tsc_khz * 1000 / HZ : 1ULL << 24;

		/* 25.5.1: the timer counts down as TSC bit IA32_VMX_MISC[4:0] toggles. */
		rdmsrl(MSR_IA32_VMX_MISC, misc);
		vmx_cfg.watchdog = clamp_t(u64, tick >> (misc & 0x1f), 1, U32_MAX);
		vmx_cfg.pin &= ~PIN_BASED_VMX_PREEMPTION_TIMER;
	}
	{
		u64 cap;

		rdmsrl(true_ctls ? MSR_IA32_VMX_TRUE_PROCBASED_CTLS : MSR_IA32_VMX_PROCBASED_CTLS,
		       cap);
		if (!((cap >> 32) & CPU_BASED_INTR_WINDOW_EXITING)) {
			snprintf(reason, len, "VMX without interrupt-window exiting");
			return -ENODEV;
		}
	}

	rdmsrl(MSR_IA32_VMX_EPT_VPID_CAP, ept);
	vmx_cfg.ept_vpid = ept;
	if (!(ept & VMX_EPT_CAP_INVEPT) ||
	    !(ept & (VMX_EPT_CAP_INVEPT_SINGLE | VMX_EPT_CAP_INVEPT_ALL))) {
		snprintf(reason, len, "EPT without INVEPT (IA32_VMX_EPT_VPID_CAP=%#llx)", ept);
		return -ENODEV;
	}
	vmx_cfg.vpid = (vmx_cfg.proc2 & SECONDARY_EXEC_ENABLE_VPID) &&
		       (ept & VMX_VPID_CAP_INVVPID) &&
		       (ept & (VMX_VPID_CAP_SINGLE | VMX_VPID_CAP_ALL));
	if (!vmx_cfg.vpid)
		vmx_cfg.proc2 &= ~SECONDARY_EXEC_ENABLE_VPID;

	rdmsrl(MSR_IA32_VMX_CR0_FIXED0, vmx_cfg.cr0_fixed0);
	rdmsrl(MSR_IA32_VMX_CR0_FIXED1, vmx_cfg.cr0_fixed1);
	rdmsrl(MSR_IA32_VMX_CR4_FIXED0, vmx_cfg.cr4_fixed0);
	rdmsrl(MSR_IA32_VMX_CR4_FIXED1, vmx_cfg.cr4_fixed1);
	/* 26.3.1.1: with unrestricted guest, PE and PG are the guest's choice. */
	vmx_cfg.cr0_fixed0 &= ~(u64)(X86_CR0_PE | X86_CR0_PG);
	/*
	 * 25.6.6: bits in the mask are the host's; the guest reads the shadow
	 * and a write that changes one exits. The host keeps the fixed bits,
	 * mode changes (PE, PG: EFER.LMA, PDPTEs), CR4.MCE (the real one stays
	 * the host's: a machine check with CR4.MCE clear shuts the CPU down,
	 * SDM vol. 3B 16.10) and every CR4 bit the guest may not set
	 * (PVHV_X86_GUEST_CR4). CR0.CD and NW too: the guest reads back what
	 * it wrote, the real bits stay clear (vmx_real_cr0), since CR0.CD in
	 * VMX non-root operation disables caching for the whole logical CPU
	 * (vol. 3A "Cache Control Registers and Bits"; 29.3.7.2), a slowdown a guest could force on the
	 * host; guest RAM is WB with IPAT regardless.
	 */
	vmx_cfg.cr0_mask = X86_CR0_PE | X86_CR0_PG | X86_CR0_CD | X86_CR0_NW |
			   vmx_cfg.cr0_fixed0 | (~vmx_cfg.cr0_fixed1 & 0xffffffffULL);
	vmx_cfg.cr4_mask = ~(PVHV_X86_GUEST_CR4 & vmx_cfg.cr4_fixed1 & ~vmx_cfg.cr4_fixed0 &
			     ~(u64)X86_CR4_MCE);

	vmx_cfg.phys_bits = boot_cpu_data.x86_phys_bits;
	/*
	 * L1TF (kernel Documentation/admin-guide/hw-vuln/l1tf.rst, "Guest
	 * mitigation mechanisms"): flush the L1D before every entry so a guest
	 * cannot read host data left there through a non-present guest PTE.
	 * Only with the architectural flush (IA32_FLUSH_CMD), and not where
	 * IA32_ARCH_CAPABILITIES says the CPU needs none at entry.
	 */
	arch_cap = 0;
	if (boot_cpu_has(X86_FEATURE_ARCH_CAPABILITIES) &&
	    rdmsrl_safe(MSR_IA32_ARCH_CAPABILITIES, &arch_cap))
		arch_cap = 0;
	vmx_cfg.l1d_flush = boot_cpu_has_bug(X86_BUG_L1TF) && boot_cpu_has(X86_FEATURE_FLUSH_L1D) &&
			    !(arch_cap & ARCH_CAP_SKIP_VMENTRY_L1DFLUSH);

	vmx_msr_bitmap = alloc_page(GFP_KERNEL);
	if (!vmx_msr_bitmap) {
		snprintf(reason, len, "out of memory for the MSR bitmap");
		return -ENOMEM;
	}
	bitmap = page_address(vmx_msr_bitmap);
	memset(bitmap, 0xff, PAGE_SIZE);
	for (i = 0; i < ARRAY_SIZE(passthrough); i++)
		vmx_msr_intercept(bitmap, passthrough[i], false, false);
	atomic64_inc(&pvhv_counters.objects);
	return 0;
}

static void vmx_hardware_unsetup(void)
{
	__free_page(vmx_msr_bitmap);
	vmx_msr_bitmap = NULL;
	atomic64_dec(&pvhv_counters.objects);
	ida_destroy(&vmx_vpids);
}

/* --- the current VMCS ---------------------------------------------------- */

/* IPI: VMCLEAR @arg where it is active, so another CPU may load it. */
static void vmx_vmcs_clear_remote(void *arg)
{
	struct vmx_vcpu *s = arg;

	if (READ_ONCE(s->cpu) != smp_processor_id())
		return;		/* cleared meanwhile (CPU offline) */
	vmx_vmclear(s->vmcs_pa);
	vmx_vmcs_forget(s);
}

/* Host state that depends on the CPU (27.5.2): TR, GDT, IDT, GS base, SYSENTER. */
static void vmx_set_host_cpu_state(void)
{
	struct desc_ptr gdt, idt;
	struct ldttss_desc *tss;
	u64 val;

	native_store_gdt(&gdt);
	store_idt(&idt);
	tss = (struct ldttss_desc *)(gdt.address + GDT_ENTRY_TSS * 8);
	__vmx_write(HOST_TR_BASE, tss->base0 | ((u64)tss->base1 << 16) |
		    ((u64)tss->base2 << 24) | ((u64)tss->base3 << 32));
	__vmx_write(HOST_GDTR_BASE, gdt.address);
	__vmx_write(HOST_IDTR_BASE, idt.address);
	rdmsrl(MSR_GS_BASE, val);
	__vmx_write(HOST_GS_BASE, val);
	rdmsrl(MSR_IA32_SYSENTER_ESP, val);
	__vmx_write(HOST_IA32_SYSENTER_ESP, val);
	rdmsrl(MSR_IA32_SYSENTER_EIP, val);
	__vmx_write(HOST_IA32_SYSENTER_EIP, val);
	__vmx_write(HOST_CR0, read_cr0());
}

/*
 * Make @s the current VMCS of this CPU (preemption disabled, interrupts
 * enabled unless @s already is current here). A VMCS active on another CPU
 * is VMCLEARed there first (24.11.1: a VMCS may be active on one CPU only).
 */
static void vmx_vmcs_load(struct vmx_vcpu *s)
{
	int cpu = smp_processor_id();
	unsigned long flags;
	int old;

	if (likely(this_cpu_read(vmx_current) == s))
		return;
	old = READ_ONCE(s->cpu);
	if (old == cpu) {
		vmx_vmptrld(s->vmcs_pa);
		this_cpu_write(vmx_current, s);
		return;
	}
	if (old >= 0)
		smp_call_function_single(old, vmx_vmcs_clear_remote, s, 1);
	local_irq_save(flags);
	vmx_vmptrld(s->vmcs_pa);
	this_cpu_write(vmx_current, s);
	list_add(&s->loaded, this_cpu_ptr(&vmx_loaded));
	WRITE_ONCE(s->cpu, cpu);
	vmx_set_host_cpu_state();
	local_irq_restore(flags);
}

/* Accessors for code that may run anywhere (preemptible). */
static void vmx_get(struct vmx_vcpu *s)
{
	preempt_disable();
	vmx_vmcs_load(s);
}

static void vmx_put(void)
{
	preempt_enable();
}

static u64 vmx_read(struct vmx_vcpu *s, unsigned long field)
{
	u64 val;

	vmx_get(s);
	val = __vmx_read(field);
	vmx_put();
	return val;
}

static void vmx_write(struct vmx_vcpu *s, unsigned long field, u64 val)
{
	vmx_get(s);
	__vmx_write(field, val);
	vmx_put();
}

/* --- EPT (SDM 29.3) -------------------------------------------------------- */

static void vmx_domain_free(struct pvhv_domain *d)
{
	struct vmx_domain *vd = d->arch;

	if (!vd)
		return;
	kfree(vd);
	d->arch = NULL;
	atomic64_dec(&pvhv_counters.objects);
}

/* The EPTP of the domain's tables (x86/npt.c: 4 KiB, write-back, 4 levels). */
static int vmx_domain_init(struct pvhv_domain *d)
{
	struct vmx_domain *vd;

	if (d->arch)
		return 0;
	vd = kzalloc(sizeof(*vd), GFP_KERNEL_ACCOUNT);
	if (!vd)
		return -ENOMEM;
	atomic64_inc(&pvhv_counters.objects);
	/* 25.6.11: WB paging structures, 4-level walk, no accessed/dirty flags. */
	vd->eptp = page_to_phys(d->npt.root) | VMX_EPTP_MT_WB | VMX_EPTP_PWL_4;
	d->arch = vd;
	return 0;
}

static bool vmx_npt_five_level(void)
{
	return false;	/* the EPTP asks for a 4-level walk */
}

/* --- vCPUs: creation and the PVH state --------------------------------------- */

static int vmx_vcpu_create(struct pvhv_vcpu *v)
{
	struct vmx_domain *vd = v->d->arch;
	struct vmx_vcpu *s;
	struct page *page;
	int vpid = 0;

	s = kzalloc(sizeof(*s), GFP_KERNEL_ACCOUNT);
	if (!s)
		return -ENOMEM;
	if (vmx_cfg.vpid) {
		vpid = ida_alloc_range(&vmx_vpids, 1, VMX_NR_VPIDS - 1, GFP_KERNEL);
		if (vpid < 0)
			goto err_free_s;
	}
	page = vmx_alloc_region(NUMA_NO_NODE);
	if (!page)
		goto err_free_vpid;
	s->v = v;
	s->vmcs = page_address(page);
	s->vmcs_pa = page_to_phys(page);
	s->vpid = vpid;
	s->cpu = -1;
	INIT_LIST_HEAD(&s->loaded);
	s->proc = vmx_cfg.proc;
	s->entry = vmx_cfg.entry;
	v->arch = s;

	preempt_disable();
	vmx_vmclear(s->vmcs_pa);	/* 24.11.3: a new VMCS starts clear */
	vmx_vmcs_load(s);
	s->pin = vmx_cfg.pin;
	__vmx_write(PIN_BASED_VM_EXEC_CONTROL, s->pin);
	__vmx_write(CPU_BASED_VM_EXEC_CONTROL, s->proc);
	__vmx_write(SECONDARY_VM_EXEC_CONTROL, vmx_cfg.proc2);
	__vmx_write(VM_EXIT_CONTROLS, vmx_cfg.exit);
	__vmx_write(VM_ENTRY_CONTROLS, s->entry);
	/*
	 * #UD: VMMCALL from a guest written for SVM; #MC: the host's. #AC and
	 * #DB are reflected back (vmx_handle_exception): a guest can make the
	 * delivery of either raise itself again (a misaligned CPL 3 stack, a
	 * breakpoint on the IDT or stack), a loop inside one event delivery
	 * that never reaches an instruction boundary, so no host interrupt
	 * ever gets in and the CPU hangs (CVE-2015-5307, CVE-2015-8104).
	 * Intercepted, each delivery is a VM exit instead.
	 */
	__vmx_write(EXCEPTION_BITMAP, BIT(X86_TRAP_DB) | BIT(X86_TRAP_UD) | BIT(X86_TRAP_AC) | BIT(X86_TRAP_MC));
	__vmx_write(PAGE_FAULT_ERROR_CODE_MASK, 0);
	__vmx_write(PAGE_FAULT_ERROR_CODE_MATCH, 0);
	__vmx_write(CR3_TARGET_COUNT, 0);
	__vmx_write(VM_EXIT_MSR_STORE_COUNT, 0);
	__vmx_write(VM_EXIT_MSR_LOAD_COUNT, 0);
	__vmx_write(VM_ENTRY_MSR_LOAD_COUNT, 0);
	__vmx_write(VM_ENTRY_INTR_INFO_FIELD, 0);
	__vmx_write(MSR_BITMAP, page_to_phys(vmx_msr_bitmap));
	__vmx_write(EPT_POINTER, vd->eptp);
	if (vpid)
		__vmx_write(VIRTUAL_PROCESSOR_ID, vpid);
	__vmx_write(VMCS_LINK_POINTER, ~0ULL);
	__vmx_write(CR0_GUEST_HOST_MASK, vmx_cfg.cr0_mask);
	__vmx_write(CR4_GUEST_HOST_MASK, vmx_cfg.cr4_mask);
	__vmx_write(TSC_OFFSET, 0);

	/* Host state that never changes (27.5); the rest is written per CPU/entry. */
	__vmx_write(HOST_CS_SELECTOR, __KERNEL_CS);
	__vmx_write(HOST_SS_SELECTOR, __KERNEL_DS);
	__vmx_write(HOST_DS_SELECTOR, 0);
	__vmx_write(HOST_ES_SELECTOR, 0);
	__vmx_write(HOST_FS_SELECTOR, 0);
	__vmx_write(HOST_GS_SELECTOR, 0);
	__vmx_write(HOST_TR_SELECTOR, GDT_ENTRY_TSS * 8);
	__vmx_write(HOST_RIP, (unsigned long)pvhv_vmx_exit);
	{
		u64 val;

		rdmsrl(MSR_IA32_SYSENTER_CS, val);
		__vmx_write(HOST_IA32_SYSENTER_CS, val);
		rdmsrl(MSR_IA32_CR_PAT, val);
		__vmx_write(HOST_IA32_PAT, val);
		rdmsrl(MSR_EFER, val);
		__vmx_write(HOST_IA32_EFER, val);
	}
	s->host_cr3 = __read_cr3();
	s->host_cr4 = __read_cr4();
	__vmx_write(HOST_CR3, s->host_cr3);
	__vmx_write(HOST_CR4, s->host_cr4);
	preempt_enable();
	return 0;

err_free_vpid:
	if (vpid)
		ida_free(&vmx_vpids, vpid);
err_free_s:
	kfree(s);
	return -ENOMEM;
}

static void vmx_vcpu_free(struct pvhv_vcpu *v)
{
	struct vmx_vcpu *s = v->arch;
	int cpu;

	if (!s)
		return;
	/* The thread is gone; VMCLEAR where the VMCS is still active. */
	cpu = READ_ONCE(s->cpu);
	if (cpu >= 0)
		smp_call_function_single(cpu, vmx_vmcs_clear_remote, s, 1);
	vmx_free_region(virt_to_page(s->vmcs));
	if (s->vpid)
		ida_free(&vmx_vpids, s->vpid);
	kfree(s);
	v->arch = NULL;
}

/* The packed segment attributes (the VMCB's, Xen's) -> VMX access rights (24.4.1). */
static u32 vmx_ar(u16 attrib)
{
	u32 ar = (attrib & 0xff) | ((attrib & 0xf00) << 4);

	return (ar & VMX_AR_P_MASK) ? ar : VMX_AR_UNUSABLE_MASK;
}

enum { VMX_ES, VMX_CS, VMX_SS, VMX_DS, VMX_FS, VMX_GS, VMX_LDTR, VMX_TR };

static void vmx_set_seg(int seg, u16 sel, u64 base, u32 limit, u32 ar)
{
	/* Selector, limit, AR and base fields are each laid out in ES..TR order. */
	__vmx_write(GUEST_ES_SELECTOR + seg * 2, sel);
	__vmx_write(GUEST_ES_BASE + seg * 2, base);
	__vmx_write(GUEST_ES_LIMIT + seg * 2, limit);
	__vmx_write(GUEST_ES_AR_BYTES + seg * 2, ar);
}

static void vmx_load_seg(int seg, const struct pvhv_x86_seg *x)
{
	vmx_set_seg(seg, x->sel, x->base, x->limit, vmx_ar(x->attr));
}

/* The real CR0/CR4 for the guest's view: fixed bits forced (25.8, A.7, A.8), caching on. */
static u64 vmx_real_cr0(u64 cr0)
{
	return ((cr0 | vmx_cfg.cr0_fixed0) & vmx_cfg.cr0_fixed1) & ~(u64)(X86_CR0_CD | X86_CR0_NW);
}

static u64 vmx_real_cr4(u64 cr4)
{
	cr4 = (cr4 & ~(u64)X86_CR4_MCE) | (cr4_read_shadow() & X86_CR4_MCE);
	return (cr4 | vmx_cfg.cr4_fixed0) & vmx_cfg.cr4_fixed1;
}

static void __vmx_set_efer(struct vmx_vcpu *s, u64 efer)
{
	s->efer = efer;
	__vmx_write(GUEST_IA32_EFER, efer);
	/* 26.2.1.3/26.3.1.1: the IA-32e mode entry control is EFER.LMA. */
	if (efer & EFER_LMA)
		s->entry |= VM_ENTRY_IA32E_MODE;
	else
		s->entry &= ~VM_ENTRY_IA32E_MODE;
	__vmx_write(VM_ENTRY_CONTROLS, s->entry);
}

static void __vmx_set_cr0(struct vmx_vcpu *s, u64 cr0)
{
	s->cr0 = cr0;
	__vmx_write(CR0_READ_SHADOW, cr0);
	__vmx_write(GUEST_CR0, vmx_real_cr0(cr0));
}

static void __vmx_set_cr4(struct vmx_vcpu *s, u64 cr4)
{
	s->cr4 = cr4;
	__vmx_write(CR4_READ_SHADOW, cr4);
	__vmx_write(GUEST_CR4, vmx_real_cr4(cr4));
}

static void __vmx_set_pdptes(const u64 pdpte[4])
{
	int i;

	for (i = 0; i < 4; i++)
		__vmx_write(GUEST_PDPTR0 + i * 2, pdpte[i]);
}

/*
 * A whole state the x86 layer checked (Xen's PVH entry, VCPUOP_initialise).
 * Unrestricted guest (25.6.2) lets it run with paging off; the guest reads
 * CR0.NE/CR4.VMXE as 0 through the read shadows. With PAE paging the CPU
 * takes the PDPTEs from the VMCS at entry (26.3.2.4).
 */
static void vmx_set_state(struct pvhv_vcpu *v, const struct pvhv_x86_state *x)
{
	struct vmx_vcpu *s = v->arch;

	vmx_get(s);
	vmx_load_seg(VMX_CS, &x->cs);
	vmx_load_seg(VMX_DS, &x->ds);
	vmx_load_seg(VMX_ES, &x->es);
	vmx_load_seg(VMX_SS, &x->ss);
	vmx_load_seg(VMX_FS, &x->fs);
	vmx_load_seg(VMX_GS, &x->gs);
	vmx_load_seg(VMX_TR, &x->tr);
	/* A null LDT selector: unusable (the VMCB's LDTR is ignored the same way). */
	vmx_set_seg(VMX_LDTR, x->ldtr.sel, x->ldtr.base, x->ldtr.limit,
		    x->ldtr.sel ? vmx_ar(x->ldtr.attr) : VMX_AR_UNUSABLE_MASK);
	__vmx_write(GUEST_GDTR_BASE, x->gdt_base);
	__vmx_write(GUEST_GDTR_LIMIT, x->gdt_limit);
	__vmx_write(GUEST_IDTR_BASE, x->idt_base);
	__vmx_write(GUEST_IDTR_LIMIT, x->idt_limit);
	__vmx_set_cr0(s, x->cr0);
	__vmx_set_cr4(s, x->cr4);
	__vmx_write(GUEST_CR3, x->cr3);
	__vmx_set_efer(s, x->efer);
	if (x->pae_pdptes)
		__vmx_set_pdptes(x->pdpte);
	__vmx_write(GUEST_DR7, 0x400);
	__vmx_write(GUEST_IA32_DEBUGCTL, 0);
	__vmx_write(GUEST_IA32_PAT, 0x0007040600070406ULL);	/* the reset PAT */
	__vmx_write(GUEST_SYSENTER_CS, 0);
	__vmx_write(GUEST_SYSENTER_ESP, 0);
	__vmx_write(GUEST_SYSENTER_EIP, 0);
	__vmx_write(GUEST_RFLAGS, x->rflags);
	__vmx_write(GUEST_RIP, x->rip);
	__vmx_write(GUEST_RSP, 0);
	__vmx_write(GUEST_INTERRUPTIBILITY_INFO, 0);
	__vmx_write(GUEST_ACTIVITY_STATE, GUEST_ACTIVITY_ACTIVE);
	__vmx_write(GUEST_PENDING_DBG_EXCEPTIONS, 0);
	__vmx_write(VM_ENTRY_INTR_INFO_FIELD, 0);
	s->proc = vmx_cfg.proc;
	__vmx_write(CPU_BASED_VM_EXEC_CONTROL, s->proc);
	vmx_put();

	s->rip = x->rip;
	s->rflags = x->rflags;
	s->intr_state = 0;
	s->rip_dirty = s->intr_dirty = s->inject_pending = false;
	s->cr2 = 0;
	memset(s->syscall_msrs, 0, sizeof(s->syscall_msrs));
	s->kernel_gs_base = 0;
	s->flush = true;
}

/* The guest's view of CR0/CR4: its own bits from the VMCS, the host's from the shadows. */
static u64 vmx_guest_cr0(struct vmx_vcpu *s)
{
	return (__vmx_read(GUEST_CR0) & ~vmx_cfg.cr0_mask) | (s->cr0 & vmx_cfg.cr0_mask);
}

static u64 vmx_guest_cr4(struct vmx_vcpu *s)
{
	return (__vmx_read(GUEST_CR4) & ~vmx_cfg.cr4_mask) | (s->cr4 & vmx_cfg.cr4_mask);
}

static void vmx_get_paging(struct pvhv_vcpu *v, struct pvhv_paging *pg)
{
	struct vmx_vcpu *s = v->arch;
	u32 cs_ar;

	vmx_get(s);
	cs_ar = __vmx_read(GUEST_CS_AR_BYTES);
	pg->cr0 = vmx_guest_cr0(s);
	pg->cr3 = __vmx_read(GUEST_CR3);
	pg->cr4 = vmx_guest_cr4(s);
	pg->efer = s->efer;
	pg->cs_l = cs_ar & VMX_AR_L_MASK;
	pg->cs_db = cs_ar & VMX_AR_DB_MASK;
	pg->mode64 = (s->efer & EFER_LMA) && pg->cs_l;
	pg->cpl = VMX_AR_DPL(__vmx_read(GUEST_SS_AR_BYTES));	/* 24.4.1: CPL = SS.DPL */
	pg->cs_base = __vmx_read(GUEST_CS_BASE);
	vmx_put();
	pg->rip = s->rip;
	pg->rflags = s->rflags;
}

/* 26.6: a hardware exception delivered at the next entry. */
static void vmx_inject_exception(struct pvhv_vcpu *v, u8 vector, bool has_error, u32 error)
{
	struct vmx_vcpu *s = v->arch;
	u32 info = vector | INTR_TYPE_HARD_EXCEPTION | INTR_INFO_VALID_MASK;

	vmx_get(s);
	/* 26.2.1.3: no error code in real mode (unrestricted guest, CR0.PE = 0). */
	if (has_error && (s->cr0 & X86_CR0_PE)) {
		info |= INTR_INFO_DELIVER_CODE_MASK;
		__vmx_write(VM_ENTRY_EXCEPTION_ERROR_CODE, error);
	}
	__vmx_write(VM_ENTRY_INTR_INFO_FIELD, info);
	s->inject_pending = true;
	vmx_put();
}

/* Past the exiting instruction; it ends any STI/MOV SS blocking (24.4.2). */
static void vmx_skip(struct pvhv_vcpu *v, u32 len)
{
	struct vmx_vcpu *s = v->arch;

	s->rip += len;
	s->rip_dirty = true;
	if (s->intr_state & (GUEST_INTR_STATE_STI | GUEST_INTR_STATE_MOV_SS)) {
		s->intr_state &= ~(GUEST_INTR_STATE_STI | GUEST_INTR_STATE_MOV_SS);
		s->intr_dirty = true;
	}
}

/*
 * A CR value the x86 layer checked, for a bit the host owns (25.6.6): the
 * read shadow takes the guest's view, the real register the fixed bits. A
 * change of the paging mode flushes the VPID's linear translations.
 */
static void vmx_set_cr(struct pvhv_vcpu *v, unsigned int cr, u64 val)
{
	struct vmx_vcpu *s = v->arch;
	u64 old;

	if (cr == 2) {
		s->cr2 = val;	/* loaded before the entry (vmx_vcpu_run()) */
		return;
	}
	vmx_get(s);
	if (cr == 0) {
		old = vmx_guest_cr0(s);
		__vmx_set_cr0(s, val);
		if ((old ^ val) & (X86_CR0_PG | X86_CR0_PE | X86_CR0_WP))
			s->flush = true;
	} else if (cr == 3) {
		__vmx_write(GUEST_CR3, val);
		s->flush = true;
	} else if (cr == 4) {
		old = vmx_guest_cr4(s);
		__vmx_set_cr4(s, val);
		if (old != val)
			s->flush = true;
	}
	vmx_put();
}

static u64 vmx_seg_base(struct pvhv_vcpu *v, unsigned int seg)
{
	u64 base;

	if (seg > VMX_GS)
		return 0;
	vmx_get(v->arch);
	base = __vmx_read(GUEST_ES_BASE + seg * 2);
	vmx_put();
	return base;
}

static void vmx_set_efer(struct pvhv_vcpu *v, u64 efer)
{
	vmx_get(v->arch);
	__vmx_set_efer(v->arch, efer);
	vmx_put();
}

static void vmx_set_pdptes(struct pvhv_vcpu *v, const u64 pdpte[4])
{
	vmx_get(v->arch);
	__vmx_set_pdptes(pdpte);
	vmx_put();
}

static int vmx_syscall_msr(u32 msr)
{
	int i;

	for (i = 0; i < ARRAY_SIZE(vmx_syscall_msrs); i++)
		if (vmx_syscall_msrs[i] == msr)
			return i;
	return -1;
}

/* The VMCS field of an MSR the guest-state area switches, or 0. */
static unsigned long vmx_msr_field(u32 msr)
{
	switch (msr) {
	case MSR_IA32_CR_PAT:		return GUEST_IA32_PAT;
	case MSR_FS_BASE:		return GUEST_FS_BASE;
	case MSR_GS_BASE:		return GUEST_GS_BASE;
	case MSR_IA32_SYSENTER_CS:	return GUEST_SYSENTER_CS;
	case MSR_IA32_SYSENTER_ESP:	return GUEST_SYSENTER_ESP;
	case MSR_IA32_SYSENTER_EIP:	return GUEST_SYSENTER_EIP;
	default:			return 0;
	}
}

/* MSRs this backend holds: in the VMCS, or switched around each entry (vmx_load_guest_msrs). */
static int vmx_get_msr(struct pvhv_vcpu *v, u32 msr, u64 *val)
{
	struct vmx_vcpu *s = v->arch;
	unsigned long field = vmx_msr_field(msr);
	int i = vmx_syscall_msr(msr);

	if (field)
		*val = vmx_read(s, field);
	else if (i >= 0)
		*val = s->syscall_msrs[i];
	else if (msr == MSR_KERNEL_GS_BASE)
		*val = s->kernel_gs_base;
	else
		return -ENOENT;
	return 0;
}

static int vmx_set_msr(struct pvhv_vcpu *v, u32 msr, u64 val)
{
	struct vmx_vcpu *s = v->arch;
	unsigned long field = vmx_msr_field(msr);
	int i = vmx_syscall_msr(msr);

	if (field)
		vmx_write(s, field, val);
	else if (i >= 0)
		s->syscall_msrs[i] = val;
	else if (msr == MSR_KERNEL_GS_BASE)
		s->kernel_gs_base = val;
	else
		return -ENOENT;
	return 0;
}

/* --- exits ------------------------------------------------------------------ */

/*
 * #DB (SDM 27.1: the exit leaves DR6 and DR7.GD alone, the qualification
 * holds what the exception would have set in DR6, Table 27-1). As KVM's
 * handle_exception_nmi(): ICEBP (INT1, a privileged software exception that
 * exits on the instruction itself) is a trap past it, and with TF set under
 * STI/MOV SS blocking the pending BS the exit dropped is written back
 * (26.3.1.5: entry checks for it). The x86 layer updates DR6 and reflects it.
 */
static void vmx_decode_db(struct vmx_vcpu *s, const struct vmx_exit *vx, struct pvhv_x86_exit *ex)
{
	ex->exc.dr6 = vx->qual;		/* the qualification has DR6's layout */
	if ((vx->intr_info & INTR_INFO_INTR_TYPE_MASK) == INTR_TYPE_PRIV_SW_EXCEPTION) {
		ex->exc.icebp = true;
		ex->insn_len = vx->insn_len;
	} else if ((s->rflags & X86_EFLAGS_TF) &&
		   (s->intr_state & (GUEST_INTR_STATE_STI | GUEST_INTR_STATE_MOV_SS))) {
		vmx_get(s);
		__vmx_write(GUEST_PENDING_DBG_EXCEPTIONS,
			    __vmx_read(GUEST_PENDING_DBG_EXCEPTIONS) | BIT(14));
		vmx_put();
	}
}

/*
 * The pending interrupt (26.6 event injection, 25.6.2 interrupt-window
 * exiting), as svm_deliver_irq(): inject it if the guest can take an
 * interrupt now, else exit as soon as it can. VMCS current.
 */
static void vmx_deliver_upcall(struct pvhv_vcpu *v, struct vmx_vcpu *s)
{
	u8 vector = pvhv_x86_pending_irq(v);

	if (!vector || s->inject_pending)
		return;
	if ((s->rflags & X86_EFLAGS_IF) &&
	    !(s->intr_state & (GUEST_INTR_STATE_STI | GUEST_INTR_STATE_MOV_SS))) {
		__vmx_write(VM_ENTRY_INTR_INFO_FIELD,
			    vector | INTR_TYPE_EXT_INTR | INTR_INFO_VALID_MASK);
		s->inject_pending = true;
		pvhv_x86_irq_injected(v, vector);
		return;
	}
	if (!(s->proc & CPU_BASED_INTR_WINDOW_EXITING)) {
		s->proc |= CPU_BASED_INTR_WINDOW_EXITING;
		__vmx_write(CPU_BASED_VM_EXEC_CONTROL, s->proc);
	}
}

/*
 * With interrupts off the guest still exits within a host tick: the
 * VMX-preemption timer (25.5.1) runs while its RFLAGS.IF is 0. External
 * interrupts alone should do (25.2, "external-interrupt exiting" ignores
 * RFLAGS.IF), but bochs 2.7 masks them at a VM entry with IF = 0 until the
 * guest sets IF, and a guest spinning with interrupts off (destroy must
 * still stop it) would never leave. VMCS current.
 */
static void vmx_arm_watchdog(struct vmx_vcpu *s)
{
	bool want = vmx_cfg.watchdog && !(s->rflags & X86_EFLAGS_IF);

	if (want != !!(s->pin & PIN_BASED_VMX_PREEMPTION_TIMER)) {
		s->pin ^= PIN_BASED_VMX_PREEMPTION_TIMER;
		__vmx_write(PIN_BASED_VM_EXEC_CONTROL, s->pin);
	}
	if (want)
		__vmx_write(VMX_PREEMPTION_TIMER_VALUE, vmx_cfg.watchdog);
}

/* 27.2.4: an event whose delivery the exit interrupted is delivered again. */
static void vmx_reinject(struct vmx_vcpu *s, const struct vmx_exit *ex)
{
	u32 type = ex->idt_info & INTR_INFO_INTR_TYPE_MASK;

	if (!(ex->idt_info & VECTORING_INFO_VALID_MASK) || type == INTR_TYPE_NMI_INTR)
		return;		/* NMIs exit to the host, never reach the guest */
	vmx_get(s);
	__vmx_write(VM_ENTRY_INTR_INFO_FIELD, ex->idt_info & ~INTR_INFO_RESVD_BITS_MASK);
	if (ex->idt_info & VECTORING_INFO_DELIVER_CODE_MASK)
		__vmx_write(VM_ENTRY_EXCEPTION_ERROR_CODE, __vmx_read(IDT_VECTORING_ERROR_CODE));
	if (type == INTR_TYPE_SOFT_INTR || type == INTR_TYPE_SOFT_EXCEPTION ||
	    type == INTR_TYPE_PRIV_SW_EXCEPTION)
		__vmx_write(VM_ENTRY_INSTRUCTION_LEN, ex->insn_len);
	s->inject_pending = true;
	vmx_put();
}

static const char *const vmx_insn_errors[] = {
	[1] = "VMCALL in VMX root operation",
	[2] = "VMCLEAR with invalid physical address",
	[3] = "VMCLEAR with VMXON pointer",
	[4] = "VMLAUNCH with non-clear VMCS",
	[5] = "VMRESUME with non-launched VMCS",
	[6] = "VMRESUME after VMXOFF",
	[7] = "VM entry with invalid control field(s)",
	[8] = "VM entry with invalid host-state field(s)",
	[9] = "VMPTRLD with invalid physical address",
	[10] = "VMPTRLD with VMXON pointer",
	[11] = "VMPTRLD with incorrect VMCS revision identifier",
	[12] = "VMREAD/VMWRITE from/to unsupported VMCS component",
	[13] = "VMWRITE to read-only VMCS component",
	[15] = "VMXON executed in VMX root operation",
	[16] = "VM entry with invalid executive-VMCS pointer",
	[17] = "VM entry with non-launched executive VMCS",
	[18] = "VM entry with executive-VMCS pointer not VMXON pointer",
	[19] = "VMCALL with non-clear VMCS",
	[20] = "VMCALL with invalid VM-exit control fields",
	[22] = "VMCALL with incorrect MSEG revision identifier",
	[23] = "VMXOFF under dual-monitor treatment of SMIs and SMM",
	[24] = "VMCALL with invalid SMM-monitor features",
	[25] = "VM entry with invalid VM-execution control fields in executive VMCS",
	[26] = "VM entry with events blocked by MOV SS",
	[28] = "Invalid operand to INVEPT/INVVPID",
};

/*
 * A VM entry that failed: VMLAUNCH/VMRESUME itself (VMfail, 31.2: the
 * VM-instruction error says why, 31.4) or the guest-state checks after it
 * (exit reason with bit 31, 26.8). One rate-limited line with what is needed
 * to see why; the domain is crashed by the caller.
 */
static void vmx_report_entry_failure(struct pvhv_vcpu *v, const struct vmx_exit *ex, bool vmfail)
{
	struct vmx_vcpu *s = v->arch;
	static DEFINE_RATELIMIT_STATE(rs, 5 * HZ, 1);
	u32 err = ex->insn_error;

	if (!__ratelimit(&rs))
		return;
	vmx_get(s);
	if (vmfail)
		pr_err("domain %u vCPU %u: VM entry failed: VM-instruction error %u (%s)\n",
		       v->d->domid, v->id, err,
		       err < ARRAY_SIZE(vmx_insn_errors) && vmx_insn_errors[err] ?
		       vmx_insn_errors[err] : "unknown");
	else
		pr_err("domain %u vCPU %u: VM entry failed: %s (exit reason %u, qualification %llu)\n",
		       v->d->domid, v->id,
		       (ex->reason & 0xffff) == EXIT_REASON_INVALID_STATE ? "invalid guest state" :
		       (ex->reason & 0xffff) == EXIT_REASON_MSR_LOAD_FAIL ? "MSR loading" :
		       (ex->reason & 0xffff) == EXIT_REASON_MCE_DURING_VMENTRY ? "machine check" :
		       "unknown", ex->reason & 0xffff, ex->qual);
	pr_err("  rip %#llx rflags %#llx cr0 %#llx/%#llx cr4 %#llx/%#llx efer %#llx entry %#llx cs %#llx/%#llx ss %#llx tr %#llx intr %#llx/%#llx\n",
	       __vmx_read(GUEST_RIP), __vmx_read(GUEST_RFLAGS), __vmx_read(GUEST_CR0), s->cr0,
	       __vmx_read(GUEST_CR4), s->cr4, __vmx_read(GUEST_IA32_EFER),
	       __vmx_read(VM_ENTRY_CONTROLS), __vmx_read(GUEST_CS_SELECTOR),
	       __vmx_read(GUEST_CS_AR_BYTES), __vmx_read(GUEST_SS_AR_BYTES),
	       __vmx_read(GUEST_TR_AR_BYTES), __vmx_read(GUEST_INTERRUPTIBILITY_INFO),
	       __vmx_read(VM_ENTRY_INTR_INFO_FIELD));
	vmx_put();
}

static void vmx_exception(struct pvhv_x86_exit *ex, u8 vector)
{
	ex->kind = PVHV_X86_EXIT_EXCEPTION;
	ex->exc.vector = vector;
}

/* The exit, as the x86 layer sees it (basic exit reasons: SDM Appendix C; qualifications 28.2.1). */
static int vmx_decode_exit(struct pvhv_vcpu *v, const struct vmx_exit *vx, struct pvhv_x86_exit *ex)
{
	struct vmx_vcpu *s = v->arch;
	u32 reason = vx->reason & 0xffff;
	u64 q = vx->qual;

	memset(ex, 0, sizeof(*ex));
	if (vx->reason & VMX_EXIT_ENTRY_FAILED) {
		vmx_report_entry_failure(v, vx, false);
		return -EIO;
	}
	vmx_reinject(s, vx);
	ex->insn_len = vx->insn_len;

	switch (reason) {
	case EXIT_REASON_EXTERNAL_INTERRUPT:
	case EXIT_REASON_PREEMPTION_TIMER:
	case EXIT_REASON_INIT_SIGNAL:
	case EXIT_REASON_SIPI_SIGNAL:
		break;	/* the host took it once interrupts were enabled again */
	case EXIT_REASON_EXCEPTION_NMI:
		if ((vx->intr_info & INTR_INFO_INTR_TYPE_MASK) == INTR_TYPE_NMI_INTR ||
		    (vx->intr_info & INTR_INFO_VECTOR_MASK) == X86_TRAP_MC)
			break;	/* handled on the host before interrupts were enabled */
		vmx_exception(ex, vx->intr_info & INTR_INFO_VECTOR_MASK);
		ex->insn_len = 0;	/* a fault has no instruction length (27.2.5) */
		if (ex->exc.vector == X86_TRAP_DB) {
			vmx_decode_db(s, vx, ex);
		} else if (ex->exc.vector == X86_TRAP_AC) {
			ex->exc.has_error = true;	/* always 0, vol. 3A 6.15 */
			ex->exc.error = vmx_read(s, VM_EXIT_INTR_ERROR_CODE);
		}
		break;
	case EXIT_REASON_INTERRUPT_WINDOW:
		s->proc &= ~CPU_BASED_INTR_WINDOW_EXITING;
		vmx_write(s, CPU_BASED_VM_EXEC_CONTROL, s->proc);
		ex->kind = PVHV_X86_EXIT_INTR_WINDOW;
		break;
	case EXIT_REASON_VMCALL:
		ex->kind = PVHV_X86_EXIT_HYPERCALL;
		break;
	case EXIT_REASON_CPUID:
		ex->kind = PVHV_X86_EXIT_CPUID;
		break;
	case EXIT_REASON_MSR_READ:
	case EXIT_REASON_MSR_WRITE:
		ex->kind = PVHV_X86_EXIT_MSR;
		ex->msr.write = reason == EXIT_REASON_MSR_WRITE;
		break;
	case EXIT_REASON_IO_INSTRUCTION:
		/* Table 28-5: size-1 in 2:0, IN bit 3, string 4, REP 5, port 31:16. */
		ex->kind = PVHV_X86_EXIT_IO;
		ex->io.port = q >> 16;
		ex->io.size = (q & 7) + 1;
		ex->io.in = q & BIT(3);
		ex->io.string = q & BIT(4);
		ex->io.rep = q & BIT(5);
		break;
	case EXIT_REASON_XSETBV:
		ex->kind = PVHV_X86_EXIT_XSETBV;
		break;
	case EXIT_REASON_CR_ACCESS:
		/* Table 28-3: CR in 3:0, access type 5:4, GPR 11:8, LMSW source 31:16. */
		ex->kind = PVHV_X86_EXIT_CR;
		ex->cr.cr = q & 15;
		ex->cr.type = (q >> 4) & 3;
		ex->cr.gpr = (q >> 8) & 15;
		ex->cr.lmsw = (q >> 16) & 0xffff;
		break;
	case EXIT_REASON_DR_ACCESS:
		/* Table 28-4: DR in 2:0, direction bit 4, GPR 11:8. */
		ex->kind = PVHV_X86_EXIT_DR;
		ex->dr.dr = q & 7;
		ex->dr.write = !(q & TYPE_MOV_FROM_DR);
		ex->dr.gpr = (q >> 8) & 15;
		break;
	case EXIT_REASON_HLT:
		ex->kind = PVHV_X86_EXIT_HLT;
		break;
	case EXIT_REASON_INVD:
	case EXIT_REASON_WBINVD:
		ex->kind = PVHV_X86_EXIT_NOP;
		break;
	case EXIT_REASON_RDPMC:
		ex->kind = PVHV_X86_EXIT_GP;	/* no PMU (CPUID leaf 0xa) */
		break;
	case EXIT_REASON_VMCLEAR: case EXIT_REASON_VMLAUNCH: case EXIT_REASON_VMPTRLD:
	case EXIT_REASON_VMPTRST: case EXIT_REASON_VMREAD: case EXIT_REASON_VMRESUME:
	case EXIT_REASON_VMWRITE: case EXIT_REASON_VMOFF: case EXIT_REASON_VMON:
	case EXIT_REASON_INVEPT: case EXIT_REASON_INVVPID: case EXIT_REASON_VMFUNC:
	case EXIT_REASON_MONITOR_INSTRUCTION: case EXIT_REASON_MWAIT_INSTRUCTION:
	case 11:	/* GETSEC */
		ex->kind = PVHV_X86_EXIT_UD;
		break;
	case EXIT_REASON_TRIPLE_FAULT:
		pvhv_domain_crash(v->d, "triple fault at rip %#llx", s->rip);
		break;
	case EXIT_REASON_EPT_VIOLATION:
		/*
		 * 28.3.3.2 (Table 28-7): qualification bit 1 a write, bit 2 a
		 * fetch, bit 3 the entry allowed reads; bit 8 clear with bit 7
		 * set: an access of the guest's page walk.
		 */
		ex->kind = PVHV_X86_EXIT_NPF;
		ex->npf.gpa = vmx_read(s, GUEST_PHYSICAL_ADDRESS);
		ex->npf.write = q & BIT_ULL(1);
		ex->npf.present = q & BIT_ULL(3);
		ex->npf.fetch = q & BIT_ULL(2);
		ex->npf.walk = (q & BIT_ULL(7)) && !(q & BIT_ULL(8));
		break;
	case EXIT_REASON_EPT_MISCONFIG:
		/* Our tables are wrong, not the guest: say so on the host too. */
		pr_err_ratelimited("EPT misconfiguration at guest-physical %#llx (domain %u)\n",
				   vmx_read(s, GUEST_PHYSICAL_ADDRESS), v->d->domid);
		pvhv_domain_crash(v->d, "EPT misconfiguration at guest-physical %#llx",
				  vmx_read(s, GUEST_PHYSICAL_ADDRESS));
		break;
	case EXIT_REASON_TASK_SWITCH:
		pvhv_domain_crash(v->d, "task switch at rip %#llx is not emulated", s->rip);
		break;
	default:
		pvhv_domain_crash(v->d, "unexpected exit %u (qualification %#llx) at rip %#llx",
				  reason, q, s->rip);
	}
	return 0;
}

/* --- one entry ------------------------------------------------------------ */

/* Host state VM exits leave wrong or never load (27.5), saved at entry. */
struct vmx_host {
	struct desc_ptr gdt, idt;	/* exits set both limits to 0xffff */
	u16 ldt, ds, es, fs, gs;	/* exits clear LDTR and load null DS/ES/FS/GS */
	u64 fs_base, kernel_gs_base;
	u64 debugctl;			/* exits clear IA32_DEBUGCTL */
	bool syscall;			/* the guest's STAR/LSTAR/CSTAR/SFMASK are loaded */
};

static void vmx_save_host(struct vmx_vcpu *s, struct vmx_host *h)
{
	u64 cr3 = __read_cr3(), cr4 = __read_cr4();

	native_store_gdt(&h->gdt);
	store_idt(&h->idt);
	asm volatile("sldt %0" : "=r" (h->ldt));
	savesegment(ds, h->ds);
	savesegment(es, h->es);
	savesegment(fs, h->fs);
	savesegment(gs, h->gs);
	rdmsrl(MSR_FS_BASE, h->fs_base);
	h->debugctl = get_debugctlmsr();
	if (cr3 != s->host_cr3) {
		__vmx_write(HOST_CR3, cr3);
		s->host_cr3 = cr3;
	}
	if (cr4 != s->host_cr4) {
		__vmx_write(HOST_CR4, cr4);
		s->host_cr4 = cr4;
	}
	if (h->fs_base != s->host_fs_base) {
		__vmx_write(HOST_FS_BASE, h->fs_base);
		s->host_fs_base = h->fs_base;
	}
}

static void vmx_restore_host(struct vmx_host *h)
{
	native_load_gdt(&h->gdt);
	native_load_idt(&h->idt);
	/* TR's limit is 0x67 now: reloaded if an I/O bitmap needs it. */
	invalidate_tss_limit();
	if (h->ldt)
		asm volatile("lldt %0" : : "r" (h->ldt));
	if (h->ds)
		loadsegment(ds, h->ds);
	if (h->es)
		loadsegment(es, h->es);
	if (h->fs) {
		loadsegment(fs, h->fs);
		wrmsrl(MSR_FS_BASE, h->fs_base);
	}
	if (h->gs) {
		u64 base;

		rdmsrl(MSR_GS_BASE, base);	/* the host's, from HOST_GS_BASE */
		load_gs_index(h->gs);
		wrmsrl(MSR_GS_BASE, base);
	}
	if (h->debugctl)
		update_debugctlmsr(h->debugctl);
	/* Exits leave DR7 at 0x400; put back the host's breakpoints. */
	if (hw_breakpoint_active())
		hw_breakpoint_restore();
}

/*
 * MSRs the VMCS does not switch: STAR/LSTAR/CSTAR/SFMASK matter to the guest
 * only with EFER.SCE (SYSCALL), KERNEL_GS_BASE only in long mode (SWAPGS);
 * otherwise the host's stay loaded and the guest reads its own through the
 * intercept.
 */
static void vmx_load_guest_msrs(struct vmx_vcpu *s, struct vmx_host *h)
{
	u64 *host = *this_cpu_ptr(&vmx_host_syscall);
	int i;

	h->syscall = s->efer & EFER_SCE;
	if (h->syscall)
		for (i = 0; i < ARRAY_SIZE(vmx_syscall_msrs); i++)
			if (s->syscall_msrs[i] != host[i])
				wrmsrl(vmx_syscall_msrs[i], s->syscall_msrs[i]);
	if (s->efer & EFER_LMA) {
		rdmsrl(MSR_KERNEL_GS_BASE, h->kernel_gs_base);
		wrmsrl(MSR_KERNEL_GS_BASE, s->kernel_gs_base);
	}
}

static void vmx_load_host_msrs(struct vmx_vcpu *s, struct vmx_host *h)
{
	u64 *host = *this_cpu_ptr(&vmx_host_syscall);
	int i;

	if (h->syscall)
		for (i = 0; i < ARRAY_SIZE(vmx_syscall_msrs); i++)
			if (s->syscall_msrs[i] != host[i])
				wrmsrl(vmx_syscall_msrs[i], host[i]);
	if (s->efer & EFER_LMA) {
		rdmsrl(MSR_KERNEL_GS_BASE, s->kernel_gs_base);	/* SWAPGS may have moved it */
		wrmsrl(MSR_KERNEL_GS_BASE, h->kernel_gs_base);
	}
}

/* A machine check that hit the guest is the host's (27.1): its handler runs now. */
static void vmx_machine_check(void)
{
	struct pt_regs regs = {
		.cs = 3,		/* as if from user mode: the guest is not the kernel */
		.flags = X86_EFLAGS_IF,
	};

	do_machine_check(&regs);
}

/* The exit's fields, while the VMCS is surely current (interrupts off). */
static void vmx_read_exit(struct pvhv_vcpu *v, struct vmx_exit *ex)
{
	struct vmx_vcpu *s = v->arch;
	u32 basic;

	ex->reason = __vmx_read(VM_EXIT_REASON);
	ex->qual = __vmx_read(EXIT_QUALIFICATION);
	ex->intr_info = __vmx_read(VM_EXIT_INTR_INFO);
	ex->idt_info = __vmx_read(IDT_VECTORING_INFO_FIELD);
	ex->insn_len = __vmx_read(VM_EXIT_INSTRUCTION_LEN);
	s->rip = __vmx_read(GUEST_RIP);
	s->rflags = __vmx_read(GUEST_RFLAGS);
	s->intr_state = __vmx_read(GUEST_INTERRUPTIBILITY_INFO);
	v->regs[PVHV_RSP] = __vmx_read(GUEST_RSP);
	/* 27.1: an NMI or machine check that made the guest exit is the host's. */
	basic = ex->reason & 0xffff;
	if (basic == EXIT_REASON_EXCEPTION_NMI &&
	    (ex->intr_info & INTR_INFO_INTR_TYPE_MASK) == INTR_TYPE_NMI_INTR)
		asm volatile("int $2");	/* NMIs stay blocked until its IRET */
	else if ((basic == EXIT_REASON_EXCEPTION_NMI &&
		  (ex->intr_info & INTR_INFO_VECTOR_MASK) == X86_TRAP_MC) ||
		 basic == EXIT_REASON_MCE_DURING_VMENTRY)
		vmx_machine_check();
}

static int vmx_vcpu_run(struct pvhv_vcpu *v, struct pvhv_x86_exit *x86_ex)
{
	struct vmx_domain *vd = v->d->arch;
	struct vmx_vcpu *s = v->arch;
	struct vmx_exit ex = { 0 };
	struct vmx_host h;
	int cpu, gen, fail;

	preempt_disable();
	vmx_vmcs_load(s);	/* may IPI the CPU it was on: interrupts still on */
	kernel_fpu_begin();
	if (s->rip_dirty)
		__vmx_write(GUEST_RIP, s->rip);
	if (s->intr_dirty)
		__vmx_write(GUEST_INTERRUPTIBILITY_INFO, s->intr_state);
	s->rip_dirty = s->intr_dirty = false;
	vmx_arm_watchdog(s);

	local_irq_disable();
	cpu = smp_processor_id();
	if (!pvhv_vcpu_enter_guest(v, cpu)) {	/* before the reads a kick announces */
		local_irq_enable();	/* the host wants the CPU, or must stop us */
		kernel_fpu_end();
		preempt_enable();
		memset(x86_ex, 0, sizeof(*x86_ex));
		return 0;
	}
	vmx_deliver_upcall(v, s);
	pvhv_x86_prepare_entry(v, cpu);
	gen = atomic_read(&v->d->npt.gen);
	if (cpu != v->last_cpu || s->npt_gen != gen) {
		/*
		 * 28.3.3.3: this CPU may hold stale guest-physical and combined
		 * translations for the EPTP (it ran elsewhere, or a mapping
		 * changed), and linear ones for the VPID.
		 */
		vmx_flush_ept(vd->eptp);
		s->flush = true;
		s->npt_gen = gen;
		WRITE_ONCE(v->last_cpu, cpu);
	}
	if (s->flush) {
		vmx_flush_vpid(s->vpid);
		s->flush = false;
	}
	__vmx_write(GUEST_RSP, v->regs[PVHV_RSP]);
	vmx_save_host(s, &h);
	vmx_load_guest_msrs(s, &h);
	if (s->cr2 != native_read_cr2())
		native_write_cr2(s->cr2);
	pvhv_x86_load_guest_msrs();
	pvhv_x86_load_guest_fpu(v);
	/* Last, after every host access: L1D flush (it clears the buffers too) or VERW. */
	if (vmx_cfg.l1d_flush)
		native_wrmsrl(MSR_IA32_FLUSH_CMD, L1D_FLUSH);
	else
		pvhv_clear_cpu_buffers();

	fail = pvhv_vmx_run(v->regs, s->launched, &s->host_rsp);
	pvhv_vcpu_exit_guest(v);

	pvhv_x86_put_guest_fpu(v);
	pvhv_x86_reset_dr6();
	s->cr2 = native_read_cr2();
	vmx_load_host_msrs(s, &h);
	vmx_restore_host(&h);
	s->inject_pending = false;	/* 27.2.3: exits clear the valid bit */
	if (fail) {
		ex.insn_error = __vmx_read(VM_INSTRUCTION_ERROR);
	} else {
		s->launched = true;
		vmx_read_exit(v, &ex);
	}
	local_irq_enable();
	kernel_fpu_end();
	preempt_enable();

	if (fail) {
		vmx_report_entry_failure(v, &ex, true);
		return -EIO;
	}
	return vmx_decode_exit(v, &ex, x86_ex);
}

const struct pvhv_vendor_ops pvhv_vmx_ops = {
	.name = "vmx",
	.npt_name = "ept",
	.vendor = PVHV_VENDOR_VMX,
	.probe = vmx_probe,
	.cpu_prepare = vmx_cpu_prepare,
	.cpu_unprepare = vmx_cpu_unprepare,
	.cpu_enable = vmx_cpu_enable,
	.cpu_disable = vmx_cpu_disable,
	.hardware_setup = vmx_hardware_setup,
	.hardware_unsetup = vmx_hardware_unsetup,
	.npt_table_bits = VMX_EPT_RWX,
	.npt_leaf_bits = VMX_EPT_LEAF,
	.npt_five_level = vmx_npt_five_level,
	.domain_init = vmx_domain_init,
	.domain_free = vmx_domain_free,
	.vcpu_create = vmx_vcpu_create,
	.vcpu_free = vmx_vcpu_free,
	.vcpu_run = vmx_vcpu_run,
	.get_paging = vmx_get_paging,
	.set_state = vmx_set_state,
	.skip = vmx_skip,
	.set_cr = vmx_set_cr,
	.seg_base = vmx_seg_base,
	.set_efer = vmx_set_efer,
	.set_pdptes = vmx_set_pdptes,
	.get_msr = vmx_get_msr,
	.set_msr = vmx_set_msr,
	.inject_exception = vmx_inject_exception,
	.hypercall_insn = { 0x0f, 0x01, 0xc1 },	/* VMCALL */
};
