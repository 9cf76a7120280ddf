// SPDX-License-Identifier: GPL-2.0-only
/*
 * pvhv: a Xen-compatible hypervisor as a Linux module.
 *
 * This file: module load/unload, the vendor backend selection, per-CPU
 * enable (CPU hotplug and suspend/resume), and /dev/pvhv with its ioctls.
 *
 * Load order (unload is the exact reverse):
 *   1. pick a usable vendor backend (probe)
 *   2. the backend's module-wide tables (hardware_setup)
 *   3. enable virtualization on every online CPU and follow hotplug (cpuhp)
 *   4. suspend/resume hooks (syscore)
 *   5. /dev/pvhv (last: nothing can reach the module before it is complete)
 *
 * Locking: pvhv_cpu_reason is written only by the cpuhp callbacks, which the
 * hotplug core serializes. For the domain locks see core.h.
 */
#define pr_fmt(fmt) "pvhv: " fmt

#include <linux/compat.h>
#include <linux/cpu.h>
#include <linux/cpuhotplug.h>
#include <linux/fs.h>
#include <linux/irqflags.h>
#include <linux/miscdevice.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/syscore_ops.h>
#include <linux/uaccess.h>

#include "core.h"
#include "x86/x86.h"
#include "pvhv_check.h"

unsigned int pvhv_max_domains = 64;
module_param_named(max_domains, pvhv_max_domains, uint, 0444);
MODULE_PARM_DESC(max_domains, "Domains alive at once (1..32751, default 64)");

unsigned int pvhv_max_vcpus = 128;
module_param_named(max_vcpus, pvhv_max_vcpus, uint, 0444);
MODULE_PARM_DESC(max_vcpus, "vCPUs per domain (1..4096, default 128)");

unsigned int pvhv_halt_poll_ns = 200000;
module_param_named(halt_poll_ns, pvhv_halt_poll_ns, uint, 0644);
MODULE_PARM_DESC(halt_poll_ns,
		 "Most a halted vCPU spins for an event before it sleeps; adaptive below it, as KVM's (ns, default 200000; 0: never)");

unsigned int pvhv_gnttab_max_frames = 32;
module_param_named(gnttab_max_frames, pvhv_gnttab_max_frames, uint, 0444);
MODULE_PARM_DESC(gnttab_max_frames, "Grant-table frames per domain (1..1024, default 32)");

unsigned int pvhv_max_domain_mb = 4096;
module_param_named(max_domain_mb, pvhv_max_domain_mb, uint, 0444);
MODULE_PARM_DESC(max_domain_mb, "Guest RAM per domain in MiB (default 4096)");

unsigned int pvhv_max_total_mb;
module_param_named(max_total_mb, pvhv_max_total_mb, uint, 0444);
MODULE_PARM_DESC(max_total_mb,
		 "Guest RAM of all domains in MiB (default 0: half of the host's RAM)");

const struct pvhv_vendor_ops *pvhv_vendor;
struct pvhv_counters pvhv_counters;

static char pvhv_cpu_reason[PVHV_REASON_LEN];
static enum cpuhp_state pvhv_cpuhp_state;

static const struct pvhv_vendor_ops *const pvhv_all_vendors[] = {
	&pvhv_svm_ops,
	&pvhv_vmx_ops,
};

static bool pvhv_ops_complete(const struct pvhv_vendor_ops *ops)
{
	return ops->name && ops->npt_name && ops->vendor && ops->probe &&
	       ops->cpu_prepare && ops->cpu_unprepare &&
	       ops->cpu_enable && ops->cpu_disable &&
	       ops->hardware_setup && ops->hardware_unsetup &&
	       ops->npt_table_bits && ops->npt_leaf_bits && ops->npt_five_level &&
	       ops->domain_init && ops->domain_free && ops->vcpu_create &&
	       ops->vcpu_free && ops->vcpu_run && ops->get_paging && ops->seg_base && ops->set_state &&
	       ops->skip && ops->set_cr && ops->set_efer && ops->set_pdptes &&
	       ops->get_msr && ops->set_msr && ops->inject_exception && ops->hypercall_insn[0];
}

/* Pick the first usable backend; one log line naming every reason if none. */
static int pvhv_vendor_select(void)
{
	char reasons[ARRAY_SIZE(pvhv_all_vendors)][PVHV_REASON_LEN];
	int i, ret = -ENODEV;

	for (i = 0; i < ARRAY_SIZE(pvhv_all_vendors); i++) {
		const struct pvhv_vendor_ops *ops = pvhv_all_vendors[i];

		reasons[i][0] = '\0';
		ret = ops->probe(reasons[i], sizeof(reasons[i]));
		if (!ret && !pvhv_ops_complete(ops)) {
			snprintf(reasons[i], sizeof(reasons[i]),
				 "%s present, but its backend cannot run guests yet", ops->name);
			ret = -EOPNOTSUPP;
		}
		if (!ret) {
			pvhv_vendor = ops;
			return 0;
		}
	}
	pr_err("no usable hardware virtualization: %s; %s\n", reasons[0], reasons[1]);
	return ret;
}

static int pvhv_cpu_online(unsigned int cpu)
{
	int ret;

	ret = pvhv_vendor->cpu_prepare(cpu);
	if (ret) {
		snprintf(pvhv_cpu_reason, sizeof(pvhv_cpu_reason),
			 "out of memory preparing CPU %u", cpu);
		return ret;
	}
	/* AP online callbacks run on @cpu itself, pinned. */
	local_irq_disable();
	ret = pvhv_vendor->cpu_enable(pvhv_cpu_reason, sizeof(pvhv_cpu_reason));
	local_irq_enable();
	if (ret)
		pvhv_vendor->cpu_unprepare(cpu);
	return ret;
}

static int pvhv_cpu_offline(unsigned int cpu)
{
	local_irq_disable();
	pvhv_x86_cpu_disable();
	pvhv_vendor->cpu_disable();
	local_irq_enable();
	pvhv_vendor->cpu_unprepare(cpu);
	return 0;
}

/* Suspend/resume: only the boot CPU is still online here, interrupts off. */
static int pvhv_syscore_suspend(void)
{
	pvhv_x86_cpu_disable();
	pvhv_vendor->cpu_disable();
	return 0;
}

static void pvhv_syscore_resume(void)
{
	char reason[PVHV_REASON_LEN];

	if (pvhv_vendor->cpu_enable(reason, sizeof(reason)))
		pr_err("resume: %s\n", reason);
}

static struct syscore_ops pvhv_syscore_ops = {
	.suspend = pvhv_syscore_suspend,
	.resume = pvhv_syscore_resume,
};

static long pvhv_check_extension(unsigned long cap)
{
	switch (cap) {
	case PVHV_CAP_VENDOR:
		return pvhv_vendor->vendor;
	case PVHV_CAP_NESTED_PAGING:
		return 1;	/* probe() refuses hardware without NPT/EPT */
	case PVHV_CAP_MAX_VCPUS:
		return pvhv_max_vcpus;
	case PVHV_CAP_MAX_DOMAINS:
		return pvhv_max_domains;
	case PVHV_CAP_MAX_MEM_MB:
		return pvhv_max_domain_mb;
	case PVHV_CAP_TOTAL_MEM_MB:
		return pvhv_max_total_mb;
	case PVHV_CAP_STATS:
	case PVHV_CAP_DOMAIN_MMAP:
	case PVHV_CAP_START_PVH:
	case PVHV_CAP_BALLOON:
		return 1;
	case PVHV_CAP_CONSOLE_LOG:
		return PVHV_CONSOLE_LOG_SIZE;
	case PVHV_CAP_HOST_EVTCHN:
		return PVHV_HOST_PORTS;
	case PVHV_CAP_ALLOC_UNBOUND:
	case PVHV_CAP_LIFECYCLE_EVENTS:
	case PVHV_CAP_PAUSE:
		return 1;
	case PVHV_CAP_HOST_GNT:
		return PVHV_HOST_GNT_PAGES;
	case PVHV_CAP_MEMORY_MAP:
		return PVHV_MEMORY_MAP_MAX;
	default:
		return 0;
	}
}

static long pvhv_get_stats(void __user *arg)
{
	struct pvhv_stats st = {
		.domains = atomic64_read(&pvhv_counters.domains),
		.guest_pages = atomic64_read(&pvhv_counters.guest_pages),
		.objects = atomic64_read(&pvhv_counters.objects),
	};

	return copy_to_user(arg, &st, sizeof(st)) ? -EFAULT : 0;
}

static long pvhv_dev_ioctl(struct file *file, unsigned int cmd, unsigned long arg)
{
	void __user *uarg = (void __user *)arg;

	switch (cmd) {
	case PVHV_GET_API_VERSION:
		return arg ? -EINVAL : PVHV_API_VERSION;
	case PVHV_CHECK_EXTENSION:
		return pvhv_check_extension(arg);
	case PVHV_CREATE_DOMAIN:
		return pvhv_ioctl_create_domain(uarg);
	case PVHV_OPEN_DOMAIN:
		return pvhv_ioctl_open_domain(uarg);
	case PVHV_LIST_DOMAINS:
		return pvhv_ioctl_list_domains(uarg);
	case PVHV_GET_STATS:
		return pvhv_get_stats(uarg);
	default:
		return -ENOTTY;
	}
}

static const struct file_operations pvhv_dev_fops = {
	.owner = THIS_MODULE,
	.unlocked_ioctl = pvhv_dev_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
	.llseek = noop_llseek,
};

static struct miscdevice pvhv_misc = {
	.minor = MISC_DYNAMIC_MINOR,
	.name = "pvhv",
	.fops = &pvhv_dev_fops,
	.mode = 0600,	/* group access comes from the shipped udev rule */
};

static int pvhv_check_params(void)
{
	if (!pvhv_max_domains || pvhv_max_domains > PVHV_DOMID_MAX ||
	    !pvhv_max_vcpus || pvhv_max_vcpus > 4096 || !pvhv_max_domain_mb ||
	    !pvhv_gnttab_max_frames || pvhv_gnttab_max_frames > 1024) {
		pr_err("invalid module parameters (max_domains 1..%u, max_vcpus 1..4096, max_domain_mb > 0, gnttab_max_frames 1..1024)\n",
		       PVHV_DOMID_MAX);
		return -EINVAL;
	}
	if (!pvhv_max_total_mb)
		pvhv_max_total_mb = (totalram_pages() >> (20 - PAGE_SHIFT)) / 2;
	return 0;
}

static int __init pvhv_init(void)
{
	int ret;

	ret = pvhv_check_params();
	if (ret)
		return ret;
	ret = pvhv_vendor_select();
	if (ret)
		return ret;

	pvhv_cpu_reason[0] = '\0';
	ret = pvhv_x86_setup(pvhv_cpu_reason, sizeof(pvhv_cpu_reason));
	if (!ret)
		ret = pvhv_vendor->hardware_setup(pvhv_cpu_reason, sizeof(pvhv_cpu_reason));
	if (ret) {
		pr_err("cannot use %s: %s\n", pvhv_vendor->name, pvhv_cpu_reason);
		return ret;
	}

	ret = cpuhp_setup_state(CPUHP_AP_ONLINE_DYN, "pvhv/cpu:online",
				pvhv_cpu_online, pvhv_cpu_offline);
	if (ret < 0) {
		pr_err("cannot enable %s: %s\n", pvhv_vendor->name,
		       pvhv_cpu_reason[0] ? pvhv_cpu_reason : "CPU hotplug setup failed");
		goto err_hardware_unsetup;
	}
	pvhv_cpuhp_state = ret;

	register_syscore_ops(&pvhv_syscore_ops);

	ret = pvhv_genl_init();
	if (ret) {
		pr_err("cannot register the generic netlink family: %d\n", ret);
		goto err_unregister_syscore;
	}
	ret = misc_register(&pvhv_misc);
	if (ret) {
		pr_err("cannot register /dev/pvhv: %d\n", ret);
		pvhv_genl_exit();
		goto err_unregister_syscore;
	}

	pr_info("loaded: %s with %s, API %d, max %u domains x %u MiB (%u MiB in all), %u vCPUs each\n",
		pvhv_vendor->name, pvhv_vendor->npt_name, PVHV_API_VERSION,
		pvhv_max_domains, pvhv_max_domain_mb, pvhv_max_total_mb, pvhv_max_vcpus);
	return 0;

err_unregister_syscore:
	unregister_syscore_ops(&pvhv_syscore_ops);
	cpuhp_remove_state(pvhv_cpuhp_state);
err_hardware_unsetup:
	pvhv_vendor->hardware_unsetup();
	return ret;
}

static void __exit pvhv_exit(void)
{
	s64 domains, pages, objects;

	misc_deregister(&pvhv_misc);
	pvhv_domains_exit();
	pvhv_genl_exit();
	unregister_syscore_ops(&pvhv_syscore_ops);
	cpuhp_remove_state(pvhv_cpuhp_state);
	pvhv_vendor->hardware_unsetup();

	domains = atomic64_read(&pvhv_counters.domains);
	pages = atomic64_read(&pvhv_counters.guest_pages);
	objects = atomic64_read(&pvhv_counters.objects);
	if (domains || pages || objects)
		pr_err("unloaded with leaks: %lld domains, %lld guest pages, %lld objects\n",
		       domains, pages, objects);
	else
		pr_info("unloaded: 0 domains, 0 guest pages, 0 objects outstanding\n");
}

module_init(pvhv_init);
module_exit(pvhv_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("pvhv: Xen-compatible PVH hypervisor on AMD SVM / Intel VMX");
MODULE_AUTHOR("The pvhv developers");
