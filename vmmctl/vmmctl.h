/* SPDX-License-Identifier: GPL-2.0-only */
/* vmmctl: shared declarations of the subcommands and their helpers. */
#ifndef VMMCTL_H
#define VMMCTL_H

#include <stddef.h>
#include <stdint.h>

#include "libpvhv.h"

/* Exit codes. */
#define VMM_EXIT_OK	0
#define VMM_EXIT_FAIL	1	/* the operation failed */
#define VMM_EXIT_USAGE	2	/* bad command line */

struct vmm_cmd {
	const char *name;
	int (*run)(int argc, char **argv);
	const char *args;
	const char *summary;
};

extern const char *vmm_device;	/* --device, default PVHV_DEVICE_PATH */

/* util.c */
void vmm_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int vmm_usage(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int vmm_open_dev(void);	/* fd, or -1 after printing why */
int vmm_open_domain(int fd, const char *spec, uint32_t *domid);	/* domain fd or -1 */
int vmm_wants_help(int argc, char **argv);
/* "CMD DOMAIN": the domain fd, or -(exit code) after printing why. */
int vmm_domain_arg(const char *cmd, int argc, char **argv, uint32_t *domid);

/* config.c: xl.cfg files. */
enum { VMM_ACTION_DESTROY, VMM_ACTION_RESTART, VMM_ACTION_PRESERVE };
#define VMM_CONFIG_MAX_UNKNOWN 8
struct vmm_config {
	char name[PVHV_NAME_LEN];
	uint32_t memory_mib;
	uint32_t vcpus;
	char kernel[1024];
	char ramdisk[1024];
	char cmdline[4096];
	char extra[4096];
	int on_poweroff, on_reboot, on_crash;
	int nr_unknown;
	char unknown[VMM_CONFIG_MAX_UNKNOWN][64];
};
void vmm_config_init(struct vmm_config *c);
int vmm_config_parse(struct vmm_config *c, const char *text, char *err, size_t errlen);
int vmm_config_override(struct vmm_config *c, const char *kv, char *err, size_t errlen);
int vmm_config_check(const struct vmm_config *c, char *err, size_t errlen);
const char *vmm_action_name(int action);

/* Exit codes of "create -c" and "console" after the guest shut down. */
int vmm_shutdown_exit_code(uint32_t state, uint32_t reason);

/* parse.c: command-line parsing, unit-tested. */
struct vmm_create_opts {
	const char *name;
	uint64_t memory_bytes;
	uint32_t vcpus;
	const char *config;	/* create CONFIG [key=value...] */
	int console;		/* -c */
	int noverrides;
	char **overrides;
};
/* 0, or -EINVAL with a message in err. */
int vmm_parse_create(int argc, char **argv, struct vmm_create_opts *o, char *err, size_t errlen);
struct vmm_list_opts {
	int json;
};
int vmm_parse_list(int argc, char **argv, struct vmm_list_opts *o, char *err, size_t errlen);
/* Writes s as a JSON string (with quotes) into out; -ENOSPC if it does not fit. */
int vmm_json_string(const char *s, size_t maxlen, char *out, size_t outlen);

/* The subcommands, one file each. */
int cmd_info(int argc, char **argv);
int cmd_list(int argc, char **argv);
int cmd_create(int argc, char **argv);
int cmd_destroy(int argc, char **argv);
int cmd_console(int argc, char **argv);
int cmd_dmesg(int argc, char **argv);

/* console.c: follow a domain's console log until it stops running. */
int vmm_follow_console(int dfd, int follow, uint32_t *state, uint32_t *reason);

#endif /* VMMCTL_H */
