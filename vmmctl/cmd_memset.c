// SPDX-License-Identifier: GPL-2.0-only
/*
 * vmmctl mem-set DOMAIN SIZE: the guest's balloon target, as xl mem-set
 * (libxl_set_memory_target): memory/target in KiB, which the guest's
 * balloon driver follows by giving pages back (XENMEM_decrease_reservation)
 * or taking them again (XENMEM_populate_physmap). The target may not exceed
 * the domain's maximum (memory/static-max, the config's memory), nor go
 * below 16 MiB, where no Linux guest survives (libxl refuses less than the
 * guest's minimum too).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pvhv_xenstore.h"
#include "vmmctl.h"

#define VMM_MEMSET_MIN_KIB	(16ULL << 10)

int cmd_memset(int argc, char **argv)
{
	struct pvhv_domain_info info;
	struct pvhv_xsc *xsc = NULL;
	char path[64], val[32], *max_s = NULL, *dom_argv[2];
	unsigned long long max_kib;
	uint64_t bytes;
	uint32_t domid;
	int dfd, ret;

	if (argc != 3)
		return vmm_usage("mem-set", "%s", argc < 3 ? "which domain and what size? (DOMAIN SIZE)" :
							     "unexpected argument");
	if (pvhv_parse_memory(argv[2], &bytes) || !bytes || bytes % 1024)
		return vmm_usage("mem-set", "invalid memory size '%s' (e.g. 256, 256M, 1G)", argv[2]);
	dom_argv[0] = "mem-set";
	dom_argv[1] = argv[1];
	dfd = vmm_domain_arg("mem-set", 2, dom_argv, &domid);
	if (dfd < 0)
		return -dfd;
	ret = pvhv_domain_get_info(dfd, &info);
	pvhv_close(dfd);
	if (ret) {
		vmm_err("cannot query domain '%s': %s", argv[1], strerror(-ret));
		return VMM_EXIT_FAIL;
	}
	if (info.state != PVHV_STATE_RUNNING && info.state != PVHV_STATE_PAUSED) {
		vmm_err("domain '%s' is not running", argv[1]);
		return VMM_EXIT_FAIL;
	}
	ret = pvhv_xsc_open(NULL, &xsc);
	if (ret) {
		vmm_err("cannot connect to xenstored (%s): is the daemon running?", strerror(-ret));
		return VMM_EXIT_FAIL;
	}
	snprintf(path, sizeof(path), "/local/domain/%u/memory/static-max", domid);
	ret = pvhv_xsc_read(xsc, 0, path, &max_s, NULL);
	max_kib = ret ? info.memory_bytes >> 10 : strtoull(max_s, NULL, 10);
	free(max_s);
	if (bytes >> 10 > max_kib || bytes >> 10 < VMM_MEMSET_MIN_KIB) {
		vmm_err("domain %u: %llu MiB is outside 16..%llu MiB (its maximum)", domid,
			(unsigned long long)(bytes >> 20), max_kib >> 10);
		pvhv_xsc_close(xsc);
		return VMM_EXIT_FAIL;
	}
	snprintf(path, sizeof(path), "/local/domain/%u/memory/target", domid);
	snprintf(val, sizeof(val), "%" PRIu64, bytes >> 10);
	ret = pvhv_xsc_write(xsc, 0, path, val, strlen(val));
	pvhv_xsc_close(xsc);
	if (ret) {
		vmm_err("cannot write %s: %s", path, strerror(-ret));
		return VMM_EXIT_FAIL;
	}
	printf("domain %u: memory/target = %s KiB\n", domid, val);
	return VMM_EXIT_OK;
}
