// SPDX-License-Identifier: GPL-2.0-only
/* vmmctl list [--json]: the domains, as a table or as JSON. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vmmctl.h"

static void print_table(const struct pvhv_domain_info *d, size_t n)
{
	size_t i;

	printf("%-24s %5s %9s %5s  %s\n", "Name", "ID", "Mem(MiB)", "VCPUs", "State");
	for (i = 0; i < n; i++) {
		char state[48];

		if (d[i].state == PVHV_STATE_SHUTDOWN)
			snprintf(state, sizeof(state), "shutdown(%s)",
				 pvhv_shutdown_reason_name(d[i].shutdown_reason));
		else
			snprintf(state, sizeof(state), "%s", pvhv_state_name(d[i].state));
		/* As xl list: the memory the domain has now (after ballooning). */
		printf("%-24.*s %5u %9llu %5u  %s\n", PVHV_NAME_LEN, (const char *)d[i].name,
		       d[i].domid, (unsigned long long)(d[i].current_bytes >> 20),
		       d[i].max_vcpus, state);
	}
}

static int print_json(const struct pvhv_domain_info *d, size_t n)
{
	char name[PVHV_NAME_LEN * 6 + 3];
	size_t i;

	printf("[");
	for (i = 0; i < n; i++) {
		if (vmm_json_string((const char *)d[i].name, PVHV_NAME_LEN, name, sizeof(name)))
			return -1;
		printf("%s\n  {\"domid\": %u, \"name\": %s, \"memory_bytes\": %llu, "
		       "\"memory_mib\": %llu, \"current_bytes\": %llu, \"max_vcpus\": %u, "
		       "\"online_vcpus\": %u, \"state\": \"%s\"",
		       i ? "," : "", d[i].domid, name, (unsigned long long)d[i].memory_bytes,
		       (unsigned long long)(d[i].memory_bytes >> 20),
		       (unsigned long long)d[i].current_bytes, d[i].max_vcpus,
		       d[i].online_vcpus, pvhv_state_name(d[i].state));
		if (d[i].state == PVHV_STATE_SHUTDOWN)
			printf(", \"shutdown_reason\": \"%s\"",
			       pvhv_shutdown_reason_name(d[i].shutdown_reason));
		printf("}");
	}
	printf("%s]\n", n ? "\n" : "");
	return 0;
}

int cmd_list(int argc, char **argv)
{
	struct pvhv_domain_info *infos;
	struct vmm_list_opts o;
	char err[128];
	size_t n;
	int fd, ret;

	if (vmm_parse_list(argc, argv, &o, err, sizeof(err)))
		return vmm_usage("list", "%s", err);
	fd = vmm_open_dev();
	if (fd < 0)
		return VMM_EXIT_FAIL;
	ret = pvhv_domain_list(fd, &infos, &n);
	pvhv_close(fd);
	if (ret) {
		vmm_err("cannot list domains: %s", strerror(-ret));
		return VMM_EXIT_FAIL;
	}
	if (o.json)
		ret = print_json(infos, n);
	else
		print_table(infos, n);
	free(infos);
	if (ret) {
		vmm_err("cannot format the domain list");
		return VMM_EXIT_FAIL;
	}
	return VMM_EXIT_OK;
}
