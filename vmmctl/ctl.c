// SPDX-License-Identifier: GPL-2.0-only
/*
 * vmmctl's side of the daemon: where it lives ($PVHV_RUNDIR, $PVHV_LOGDIR),
 * its control socket (one-line requests), starting it when it is not
 * running, and the xenstore socket as the domain builder's store.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <stdint.h>
#include <xen/io/xs_wire.h>

#include "pvhv_xenstore.h"
#include "vmmctl.h"

const char *vmm_rundir(void)
{
	const char *d = getenv("PVHV_RUNDIR");

	return d && *d ? d : "/run/pvhv";
}

const char *vmm_logdir(void)
{
	const char *d = getenv("PVHV_LOGDIR");

	return d && *d ? d : "/var/log/pvhv";
}

int vmm_ctl_connect(void)
{
	struct sockaddr_un sa;
	int fd, ret;

	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	if ((size_t)snprintf(sa.sun_path, sizeof(sa.sun_path), "%s/vmmd.sock", vmm_rundir()) >=
	    sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		ret = -errno;
		close(fd);
		return ret;
	}
	return fd;
}

/* Read one reply line (without '\n') from @fd within @timeout_ms. */
int vmm_ctl_line(int fd, char *line, size_t len, int timeout_ms)
{
	size_t n = 0;

	while (n + 1 < len) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		ssize_t r;
		int pr = poll(&p, 1, timeout_ms);

		if (pr < 0 && errno == EINTR)
			continue;
		if (pr <= 0)
			return pr < 0 ? -errno : -ETIMEDOUT;
		r = read(fd, line + n, 1);	/* one byte: what follows is not ours */
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return -ECONNRESET;
		if (line[n] == '\n') {
			line[n] = '\0';
			return 0;
		}
		n++;
	}
	return -E2BIG;
}

int vmm_ctl_request(const char *req, char *reply, size_t len, int timeout_ms)
{
	char buf[256];
	int fd = vmm_ctl_connect(), ret;
	size_t l;

	if (fd < 0)
		return fd;
	l = (size_t)snprintf(buf, sizeof(buf), "%s\n", req);
	if (write(fd, buf, l) != (ssize_t)l) {
		close(fd);
		return -EIO;
	}
	ret = vmm_ctl_line(fd, reply, len, timeout_ms);
	close(fd);
	return ret;
}

int vmm_daemon_running(void)
{
	char reply[64];

	return !vmm_ctl_request("ping", reply, sizeof(reply), 2000) && !strncmp(reply, "ok", 2);
}

int vmm_daemon_ensure(void)
{
	char self[4096], out[512];
	int pfd[2], status;
	ssize_t n;
	pid_t pid;

	if (vmm_daemon_running())
		return 0;
	n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n <= 0) {
		vmm_err("cannot find the vmmctl binary to start the daemon: %s", strerror(errno));
		return -1;
	}
	self[n] = '\0';
	/* Close-on-exec: the daemon must not keep our end open. */
	if (pipe2(pfd, O_CLOEXEC)) {
		vmm_err("cannot start the daemon: %s", strerror(errno));
		return -1;
	}
	pid = fork();
	if (pid < 0) {
		vmm_err("cannot start the daemon: %s", strerror(errno));
		return -1;
	}
	if (!pid) {
		char *argv[] = { self, (char *)"--device", (char *)vmm_device, (char *)"daemon",
				 (char *)"--detach", NULL };

		close(pfd[0]);
		dup2(pfd[1], STDERR_FILENO);
		execv(self, argv);
		_exit(127);
	}
	close(pfd[1]);
	/* "--detach" returns once the daemon listens (or says why it cannot). */
	n = read(pfd[0], out, sizeof(out) - 1);
	close(pfd[0]);
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) || WEXITSTATUS(status)) {
		out[n > 0 ? n : 0] = '\0';
		if (n > 0 && out[n - 1] == '\n')
			out[n - 1] = '\0';
		vmm_err("the daemon did not start%s%s", n > 0 ? ": " : "",
			n > 0 ? (!strncmp(out, "vmmctl: ", 8) ? out + 8 : out) : "");
		return -1;
	}
	return 0;
}

/* --- the xenstore socket as the builder's store ------------------------------ */

static int sk_write(void *o, const char *path, const char *val)
{
	return pvhv_xsc_write(o, 0, path, val, strlen(val));
}

static int sk_set_perms(void *o, const char *path, const char *perms)
{
	return pvhv_xsc_set_perms(o, 0, path, perms);
}

static int sk_rm(void *o, const char *path)
{
	return pvhv_xsc_rm(o, 0, path);
}

static int sk_read(void *o, const char *path, char **val)
{
	return pvhv_xsc_read(o, 0, path, val, NULL);
}

static int sk_introduce(void *o, uint32_t domid, uint64_t gfn, uint32_t port)
{
	char buf[64];
	int n = snprintf(buf, sizeof(buf), "%u%c%llu%c%u", domid, 0, (unsigned long long)gfn, 0,
			 port);

	return pvhv_xsc_request(o, XS_INTRODUCE, 0, buf, (size_t)n + 1, NULL, NULL);
}

static int sk_release(void *o, uint32_t domid)
{
	char buf[16];
	int n = snprintf(buf, sizeof(buf), "%u", domid);

	return pvhv_xsc_request(o, XS_RELEASE, 0, buf, (size_t)n + 1, NULL, NULL);
}

struct vmm_xs vmm_xs_socket(struct pvhv_xsc *c)
{
	struct vmm_xs x = {
		.opaque = c, .write = sk_write, .set_perms = sk_set_perms, .rm = sk_rm,
		.read = sk_read, .introduce = sk_introduce, .release = sk_release,
	};
	return x;
}

int vmm_xs_open(struct pvhv_xsc **c)
{
	int ret = pvhv_xsc_open(NULL, c);

	if (ret)
		vmm_err("cannot connect to xenstored at %s: %s%s", pvhv_xs_socket_path(),
			strerror(-ret),
			ret == -ENOENT || ret == -ECONNREFUSED ? " (is 'vmmctl daemon' running?)" : "");
	return ret;
}
