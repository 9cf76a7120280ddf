// SPDX-License-Identifier: GPL-2.0-only
/*
 * Host MSRs a guest reaches without any exit, and which must therefore hold
 * the guest's value while it runs: IA32_TSC_AUX (RDPID cannot be
 * intercepted on AMD, and would read the host's CPU number) and IA32_XSS
 * (XSAVES/XRSTORS on AMD would save or load the host's supervisor state
 * components). Guests see 0 in both: CPUID offers neither RDTSCP/RDPID nor
 * XSAVES (x86/cpuid.c), and on Intel they are #UD anyway.
 *
 * TSC_AUX is switched as KVM switches it (arch/x86/kvm/x86.c "user return
 * MSRs"): the kernel itself never reads it (the RDPID use in paranoid entry
 * was removed for this reason), so the guest's value may stay loaded until
 * this CPU next returns to user space, when a user-return notifier puts the
 * host's back. XSS is switched around each entry, only where the host uses
 * it (a read of the saved value, no MSR access, otherwise).
 *
 * Locking: the per-CPU state is touched on its own CPU with interrupts off
 * (before an entry; from the notifier, which runs with them off; at CPU
 * offline and suspend).
 */
#define pr_fmt(fmt) "pvhv: x86: " fmt

#include <linux/percpu.h>
#include <linux/user-return-notifier.h>
#include <asm/cpufeature.h>
#include <asm/msr.h>

#include "x86.h"

struct x86_host_msrs {
	struct user_return_notifier urn;
	bool registered;	/* the guest's TSC_AUX is loaded, the host's saved */
	u64 tsc_aux;
};

static DEFINE_PER_CPU(struct x86_host_msrs, x86_host_msrs);
static bool x86_switch_tsc_aux;		/* immutable after pvhv_x86_hostmsr_setup() */
u64 pvhv_x86_host_xss;			/* likewise */

void pvhv_x86_hostmsr_setup(void)
{
	x86_switch_tsc_aux = boot_cpu_has(X86_FEATURE_RDTSCP) || boot_cpu_has(X86_FEATURE_RDPID);
	pvhv_x86_host_xss = 0;
	if (boot_cpu_has(X86_FEATURE_XSAVES))
		rdmsrl(MSR_IA32_XSS, pvhv_x86_host_xss);
}

static void x86_restore_tsc_aux(struct x86_host_msrs *h)
{
	wrmsrl(MSR_TSC_AUX, h->tsc_aux);
	user_return_notifier_unregister(&h->urn);
	h->registered = false;
}

/* Returning to user space on this CPU (interrupts off): the host's TSC_AUX back. */
static void x86_on_user_return(struct user_return_notifier *urn)
{
	x86_restore_tsc_aux(container_of(urn, struct x86_host_msrs, urn));
}

/* Before an entry, interrupts off: the guests' TSC_AUX, if not loaded already. */
void pvhv_x86_load_guest_msrs(void)
{
	struct x86_host_msrs *h = this_cpu_ptr(&x86_host_msrs);

	if (!x86_switch_tsc_aux || h->registered)
		return;
	rdmsrl(MSR_TSC_AUX, h->tsc_aux);
	wrmsrl(MSR_TSC_AUX, 0);
	h->urn.on_user_return = x86_on_user_return;
	user_return_notifier_register(&h->urn);
	h->registered = true;
}

/* This CPU leaves our use (offline, suspend, unload), interrupts off: the host's values back. */
void pvhv_x86_cpu_disable(void)
{
	struct x86_host_msrs *h = this_cpu_ptr(&x86_host_msrs);

	if (h->registered)
		x86_restore_tsc_aux(h);
}
