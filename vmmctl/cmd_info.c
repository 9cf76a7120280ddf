// SPDX-License-Identifier: GPL-2.0-only
/* vmmctl info: the hypervisor's vendor backend, nested paging, API and limits. */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "vmmctl.h"

static const struct {
	uint32_t cap;
	const char *name;
} vmm_flag_caps[] = {
	{ PVHV_CAP_STATS, "stats" },
	{ PVHV_CAP_DOMAIN_MMAP, "domain-mmap" },
	{ PVHV_CAP_START_PVH, "start-pvh" },
	{ PVHV_CAP_HOST_EVTCHN, "host-evtchn" },
	{ PVHV_CAP_BALLOON, "balloon" },
	{ PVHV_CAP_ALLOC_UNBOUND, "alloc-unbound" },
	{ PVHV_CAP_LIFECYCLE_EVENTS, "lifecycle-events" },
	{ PVHV_CAP_HOST_GNT, "host-gnt" },
	{ PVHV_CAP_PAUSE, "pause" },
};

int cmd_info(int argc, char **argv)
{
	uint64_t vendor, npt, vcpus, doms, mem, total, v;
	int fd, api, ret;
	size_t i;

	if (argc > 1)
		return vmm_usage("info", "unexpected argument '%s'", argv[1]);
	fd = vmm_open_dev();
	if (fd < 0)
		return VMM_EXIT_FAIL;
	api = pvhv_api_version(fd);
	ret = api < 0 ? api : 0;
	if (!ret)
		ret = pvhv_check_extension(fd, PVHV_CAP_VENDOR, &vendor);
	if (!ret)
		ret = pvhv_check_extension(fd, PVHV_CAP_NESTED_PAGING, &npt);
	if (!ret)
		ret = pvhv_check_extension(fd, PVHV_CAP_MAX_VCPUS, &vcpus);
	if (!ret)
		ret = pvhv_check_extension(fd, PVHV_CAP_MAX_DOMAINS, &doms);
	if (!ret)
		ret = pvhv_check_extension(fd, PVHV_CAP_MAX_MEM_MB, &mem);
	if (!ret)
		ret = pvhv_check_extension(fd, PVHV_CAP_TOTAL_MEM_MB, &total);
	if (ret) {
		vmm_err("cannot query %s: %s", vmm_device, strerror(-ret));
		pvhv_close(fd);
		return VMM_EXIT_FAIL;
	}

	printf("vendor:         %s\n", pvhv_vendor_name(vendor));
	printf("nested paging:  %s\n",
	       !npt ? "none" : vendor == PVHV_VENDOR_SVM ? "npt" : "ept");
	printf("api version:    %d\n", api);
	printf("max domains:    %llu\n", (unsigned long long)doms);
	printf("max vcpus:      %llu per domain\n", (unsigned long long)vcpus);
	printf("max memory:     %llu MiB per domain, %llu MiB in all\n",
	       (unsigned long long)mem, (unsigned long long)total);
	printf("capabilities:  ");
	for (i = 0; i < sizeof(vmm_flag_caps) / sizeof(vmm_flag_caps[0]); i++)
		if (!pvhv_check_extension(fd, vmm_flag_caps[i].cap, &v) && v)
			printf(" %s", vmm_flag_caps[i].name);
	printf("\n");
	pvhv_close(fd);
	return VMM_EXIT_OK;
}
