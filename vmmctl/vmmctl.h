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

/* parse.c: command-line parsing, unit-tested. */
struct vmm_create_opts {
	const char *name;
	uint64_t memory_bytes;
	uint32_t vcpus;
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

#endif /* VMMCTL_H */
