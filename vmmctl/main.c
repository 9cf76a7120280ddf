// SPDX-License-Identifier: GPL-2.0-only
/* vmmctl: the pvhv command-line tool. One file per subcommand, this table. */
#include <stdio.h>
#include <string.h>

#include "vmmctl.h"

const char *vmm_device = PVHV_DEVICE_PATH;

static const struct vmm_cmd vmm_cmds[] = {
	{ "info", cmd_info, "", "show the hypervisor: vendor, nested paging, API, limits" },
	{ "list", cmd_list, "[--json]", "list domains" },
	{ "create", cmd_create, "CONFIG [-c] [key=value...]",
	  "create and boot a PVH domain from an xl.cfg file (-c: attach its console)" },
	{ "create", cmd_create, "--name NAME --memory SIZE [--vcpus N]", "create an empty domain" },
	{ "destroy", cmd_destroy, "DOMAIN", "destroy a domain (by id or name)" },
	{ "shutdown", cmd_shutdown, "[-w] [-t SECONDS] DOMAIN",
	  "ask the guest to power off (xenstore control/shutdown), forced after the timeout" },
	{ "reboot", cmd_reboot, "[-w] [-t SECONDS] DOMAIN", "ask the guest to reboot, likewise" },
	{ "mem-set", cmd_memset, "DOMAIN SIZE",
	  "set the guest's balloon target (memory/target), up to its maximum" },
	{ "pause", cmd_pause, "DOMAIN", "pause a running domain (its vCPUs stop)" },
	{ "unpause", cmd_unpause, "DOMAIN", "let a paused domain run again" },
	{ "console", cmd_console, "DOMAIN",
	  "attach to a domain's consoles until it stops (Ctrl-] detaches)" },
	{ "dmesg", cmd_dmesg, "DOMAIN", "print a domain's hypervisor console log" },
	{ "xenstore", cmd_xenstore, "ls [-p] [PATH] | read PATH... | write PATH VALUE... | rm PATH... | watch [-n N] PATH",
	  "the store, as domain 0" },
	{ "monitor", cmd_monitor, "[-n COUNT]", "print domain lifecycle events as they happen" },
	{ "daemon", cmd_daemon, "[--detach | --stop | --status]",
	  "run the host daemon (xenstored, consoles, on_* actions)" },
};

static void usage(FILE *f)
{
	size_t i;

	fprintf(f, "usage: vmmctl [--device PATH] COMMAND [ARGS]\n\ncommands:\n");
	for (i = 0; i < sizeof(vmm_cmds) / sizeof(vmm_cmds[0]); i++)
		fprintf(f, "  %-8s %-40s %s\n", vmm_cmds[i].name, vmm_cmds[i].args,
			vmm_cmds[i].summary);
	fprintf(f, "\nSIZE takes a unit: 512M, 2G, 65536K (plain numbers are MiB).\n"
		   "After a guest stops, 'create -c' and 'console' exit with 0 (poweroff),\n"
		   "3 (reboot), 4 (suspend), 5 (crash), 6 (watchdog) or 7 (soft_reset);\n"
		   "1 means vmmctl failed, 2 a usage error.\n");
}

int main(int argc, char **argv)
{
	size_t i;
	int a = 1;

	while (a < argc && argv[a][0] == '-') {
		if (!strcmp(argv[a], "-h") || !strcmp(argv[a], "--help")) {
			usage(stdout);
			return VMM_EXIT_OK;
		} else if (!strcmp(argv[a], "--device") && a + 1 < argc) {
			vmm_device = argv[a + 1];
			a += 2;
		} else {
			vmm_err("unknown option '%s' (see vmmctl --help)", argv[a]);
			return VMM_EXIT_USAGE;
		}
	}
	if (a >= argc) {
		usage(stderr);
		return VMM_EXIT_USAGE;
	}
	for (i = 0; i < sizeof(vmm_cmds) / sizeof(vmm_cmds[0]); i++) {
		if (!strcmp(argv[a], vmm_cmds[i].name)) {
			if (vmm_wants_help(argc - a, argv + a)) {
				printf("usage: vmmctl %s %s\n  %s\n", vmm_cmds[i].name,
				       vmm_cmds[i].args, vmm_cmds[i].summary);
				return VMM_EXIT_OK;
			}
			return vmm_cmds[i].run(argc - a, argv + a);
		}
	}
	vmm_err("unknown command '%s' (see vmmctl --help)", argv[a]);
	return VMM_EXIT_USAGE;
}
