/* SPDX-License-Identifier: GPL-2.0-only */
/* vmmctl: shared declarations of the subcommands and their helpers. */
#ifndef VMMCTL_H
#define VMMCTL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

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
int vmm_open_domid(uint32_t domid);
int vmm_mkdir_p(const char *dir);	/* 0 or -errno */	/* domain fd or -1 after printing why */
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
/* The on_* action for a domain that stopped in @state for @reason. */
int vmm_stop_action(const struct vmm_config *c, uint32_t state, uint32_t reason);

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
int cmd_daemon(int argc, char **argv);
int cmd_shutdown(int argc, char **argv);
int cmd_reboot(int argc, char **argv);
int cmd_memset(int argc, char **argv);
int cmd_pause(int argc, char **argv);
int cmd_unpause(int argc, char **argv);
int cmd_xenstore(int argc, char **argv);
int cmd_monitor(int argc, char **argv);

/* console.c: a domain's console log and PV console, until it stops or Ctrl-]. */
struct vmm_console_end {
	bool stopped, detached;
	uint32_t state, reason;
	uint32_t domid;		/* the domain followed last (a restart changes it) */
	int dfd;		/* its fd: the caller closes this one */
};
int vmm_follow_console(int dfd, uint32_t domid, int follow, struct vmm_console_end *end);

/* build.c: the domain builder, shared by create and the daemon. */
#define VMM_CONSOLE_LOG	(64 * 1024)	/* PV console output kept per domain */
struct vmm_xs {			/* the store the builder writes to */
	void *opaque;
	int (*write)(void *o, const char *path, const char *val);
	int (*set_perms)(void *o, const char *path, const char *perms);
	int (*rm)(void *o, const char *path);
	int (*read)(void *o, const char *path, char **val);
	int (*introduce)(void *o, uint32_t domid, uint64_t gfn, uint32_t port);
	int (*release)(void *o, uint32_t domid);
};
struct vmm_built {
	uint32_t domid;
	int dfd;
	uint64_t store_gfn, cons_gfn;
	uint32_t store_port, cons_port;
	struct pvhv_pvh_image img;
};
/* 0 with b->dfd open, or -1 with a message in err (nothing left behind). */
int vmm_build(int fd, const struct vmm_config *c, const struct vmm_xs *xs, struct vmm_built *b,
	      char *err, size_t errlen);
void vmm_create_error(int fd, const char *name, uint64_t bytes, uint32_t vcpus, int ret,
		      char *err, size_t errlen);
int vmm_write_skeleton(const struct vmm_xs *xs, uint32_t domid, const struct vmm_config *c,
		       const struct vmm_built *b);
void vmm_remove_skeleton(const struct vmm_xs *xs, uint32_t domid);
int vmm_read_config(const struct vmm_xs *xs, uint32_t domid, struct vmm_config *c);

/* ctl.c: the daemon's control socket, and xenstore for vmmctl. */
struct pvhv_xsc;
const char *vmm_rundir(void);		/* $PVHV_RUNDIR or /run/pvhv */
const char *vmm_logdir(void);		/* $PVHV_LOGDIR or /var/log/pvhv */
int vmm_ctl_connect(void);		/* fd or -errno */
int vmm_ctl_line(int fd, char *line, size_t len, int timeout_ms);
int vmm_ctl_request(const char *req, char *reply, size_t len, int timeout_ms);
int vmm_daemon_running(void);
int vmm_daemon_ensure(void);		/* 0, or -1 after printing why */
struct vmm_xs vmm_xs_socket(struct pvhv_xsc *c);
int vmm_xs_open(struct pvhv_xsc **c);	/* 0, or -errno after printing why */

/* daemon.c */
int vmm_daemon_run(int ready_fd, FILE *log);

#endif /* VMMCTL_H */
