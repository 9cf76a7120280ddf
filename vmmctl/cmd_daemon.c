// SPDX-License-Identifier: GPL-2.0-only
/*
 * vmmctl daemon [--detach | --stop | --status]: run the host daemon
 * (xenstored, console backends, lifecycle actions; see daemon.c) in the
 * foreground (systemd), detached (what "vmmctl create" starts; it returns
 * once the daemon listens), ask a running one to stop, or say whether one
 * runs.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "vmmctl.h"

static int detach(void)
{
	char path[512], msg[512];
	int pfd[2], nul;
	ssize_t n;
	pid_t pid;
	FILE *log;

	if (pipe2(pfd, O_CLOEXEC)) {
		vmm_err("cannot start the daemon: %s", strerror(errno));
		return VMM_EXIT_FAIL;
	}
	pid = fork();
	if (pid < 0) {
		vmm_err("cannot start the daemon: %s", strerror(errno));
		return VMM_EXIT_FAIL;
	}
	if (pid) {
		/* Wait for "ready" (one NUL byte) or the reason it failed. */
		close(pfd[1]);
		n = read(pfd[0], msg, sizeof(msg) - 1);
		close(pfd[0]);
		waitpid(pid, NULL, 0);
		if (n == 1 && !msg[0])
			return VMM_EXIT_OK;
		msg[n > 0 ? n : 0] = '\0';
		vmm_err("daemon: %s", n > 0 ? msg : "it exited before it was ready");
		return VMM_EXIT_FAIL;
	}
	close(pfd[0]);
	/* Not a session leader, no terminal: a pty never becomes ours. */
	setsid();
	pid = fork();
	if (pid < 0)
		_exit(1);
	if (pid)
		_exit(0);
	if (chdir("/"))
		_exit(1);
	vmm_mkdir_p(vmm_logdir());
	snprintf(path, sizeof(path), "%s/vmmd.log", vmm_logdir());
	log = fopen(path, "ae");
	nul = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (nul >= 0) {
		dup2(nul, STDIN_FILENO);
		dup2(nul, STDOUT_FILENO);
		if (log)
			dup2(fileno(log), STDERR_FILENO);
		else
			dup2(nul, STDERR_FILENO);
	}
	_exit(vmm_daemon_run(pfd[1], log ? log : stderr));
}

static int stop(void)
{
	char reply[64];
	int i, ret = vmm_ctl_request("stop", reply, sizeof(reply), 5000);

	if (ret == -ENOENT || ret == -ECONNREFUSED) {
		vmm_err("no daemon is running");
		return VMM_EXIT_FAIL;
	}
	if (ret || strncmp(reply, "ok", 2)) {
		vmm_err("the daemon did not stop: %s", ret ? strerror(-ret) : reply);
		return VMM_EXIT_FAIL;
	}
	/* Gone when its control socket is. */
	for (i = 0; i < 100; i++) {
		int fd = vmm_ctl_connect();

		if (fd < 0)
			return VMM_EXIT_OK;
		close(fd);
		nanosleep(&(struct timespec){ 0, 50 * 1000 * 1000 }, NULL);
	}
	vmm_err("the daemon did not stop within 5 s");
	return VMM_EXIT_FAIL;
}

int cmd_daemon(int argc, char **argv)
{
	char reply[64];

	if (argc > 2)
		return vmm_usage("daemon", "one option at most");
	if (argc == 1)
		return vmm_daemon_run(-1, stderr);
	if (!strcmp(argv[1], "--detach") || !strcmp(argv[1], "-d"))
		return detach();
	if (!strcmp(argv[1], "--stop"))
		return stop();
	if (!strcmp(argv[1], "--status")) {
		if (!vmm_ctl_request("ping", reply, sizeof(reply), 2000) && !strncmp(reply, "ok ", 3)) {
			printf("running (pid %s)\n", reply + 3);
			return VMM_EXIT_OK;
		}
		printf("not running\n");
		return VMM_EXIT_FAIL;
	}
	return vmm_usage("daemon", "unknown option '%s'", argv[1]);
}
