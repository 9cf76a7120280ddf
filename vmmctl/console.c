// SPDX-License-Identifier: GPL-2.0-only
/*
 * vmmctl: a domain's consoles on stdout. Two streams: the hypervisor
 * console log (console_io, port 0xE9; read from the module) and the PV
 * console ring (served by the daemon, which keeps its bounded log and sends
 * it as frames). Input (stdin; raw when it is a terminal) goes to the PV
 * console; Ctrl-] detaches. Following ends when the domain stops: the daemon
 * says how (and whether it was restarted, then this follows the new one);
 * without the daemon the module's domain state says it.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "vmmctl.h"

#define DETACH_CHAR 0x1d	/* Ctrl-] */

static int write_all(const char *p, size_t n)
{
	while (n) {
		ssize_t w = write(STDOUT_FILENO, p, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

static void dropped(uint64_t lost)
{
	char note[64];
	int n = snprintf(note, sizeof(note), "[... %llu bytes dropped ...]\n",
			 (unsigned long long)lost);

	write_all(note, (size_t)n);
}

/* Everything the module's console log has from *off on; -1 on failure. */
static int drain_log(int dfd, uint64_t *off)
{
	char buf[16384];
	uint64_t lost;
	size_t got;
	int ret;

	do {
		ret = pvhv_domain_console_read(dfd, off, buf, sizeof(buf), &got, &lost);
		if (ret) {
			vmm_err("cannot read the console: %s", strerror(-ret));
			return -1;
		}
		if (lost)
			dropped(lost);
		if (got && write_all(buf, got))
			return -1;	/* stdout went away */
	} while (got);
	return 0;
}

/* Attach to the daemon's PV console of @domid: the socket, or -1 (none). */
static int attach_pv(uint32_t domid)
{
	char req[32], line[128];
	int fd = vmm_ctl_connect();

	if (fd < 0)
		return -1;
	snprintf(req, sizeof(req), "console %u\n", domid);
	if (write(fd, req, strlen(req)) != (ssize_t)strlen(req) ||
	    vmm_ctl_line(fd, line, sizeof(line), 5000) || strncmp(line, "ok", 2)) {
		close(fd);
		return -1;
	}
	return fd;
}

struct frames {
	uint8_t buf[16384];
	size_t len;
	bool exited;
	uint32_t state, reason, new_domid;
};

/* Parse what the daemon sent; -1 when the connection ended. */
static int read_frames(int fd, struct frames *f)
{
	ssize_t r = read(fd, f->buf + f->len, sizeof(f->buf) - f->len);

	if (r < 0 && errno == EINTR)
		return 0;
	if (r <= 0)
		return -1;
	f->len += (size_t)r;
	while (f->len >= 5) {
		uint32_t len;
		uint8_t type = f->buf[0];

		memcpy(&len, f->buf + 1, 4);
		if (len > sizeof(f->buf) - 5)
			return -1;	/* garbage */
		if (f->len < 5 + len)
			break;
		if (type == 'D') {
			write_all((const char *)f->buf + 5, len);
		} else if (type == 'L' && len == 8) {
			uint64_t lost;

			memcpy(&lost, f->buf + 5, 8);
			dropped(lost);
		} else if (type == 'X' && len == 12) {
			memcpy(&f->state, f->buf + 5, 4);
			memcpy(&f->reason, f->buf + 9, 4);
			memcpy(&f->new_domid, f->buf + 13, 4);
			f->exited = true;
		}
		memmove(f->buf, f->buf + 5 + len, f->len - 5 - len);
		f->len -= 5 + len;
	}
	return 0;
}

static struct termios saved_tio;
static bool raw_tty;

static void tty_restore(void)
{
	if (raw_tty)
		tcsetattr(STDIN_FILENO, TCSANOW, &saved_tio);
	raw_tty = false;
}

static void tty_raw(void)
{
	struct termios tio;

	if (raw_tty || !isatty(STDIN_FILENO) || tcgetattr(STDIN_FILENO, &saved_tio))
		return;
	tio = saved_tio;
	cfmakeraw(&tio);
	tio.c_oflag |= OPOST | ONLCR;	/* keep output readable */
	if (!tcsetattr(STDIN_FILENO, TCSANOW, &tio)) {
		raw_tty = true;
		atexit(tty_restore);
	}
}

int vmm_follow_console(int dfd, uint32_t domid, int follow, struct vmm_console_end *end)
{
	const struct timespec tick = { 0, 10 * 1000 * 1000 };
	struct pvhv_domain_info info;
	struct frames *f = calloc(1, sizeof(*f));
	uint64_t off = 0;
	int pv = -1, ret = -1;
	bool stdin_open = follow;

	if (!f) {
		vmm_err("out of memory");
		return -1;
	}
	memset(end, 0, sizeof(*end));
	end->dfd = dfd;
	if (follow) {
		pv = attach_pv(domid);
		tty_raw();
	}
	for (;;) {
		struct pollfd p[2];
		int np = 0, stopped;

		ret = pvhv_domain_get_info(dfd, &info);
		if (ret) {
			vmm_err("cannot query the domain: %s", strerror(-ret));
			ret = -1;
			break;
		}
		stopped = info.state != PVHV_STATE_RUNNING && info.state != PVHV_STATE_CREATED &&
			  info.state != PVHV_STATE_PAUSED;
		if (drain_log(dfd, &off)) {
			ret = -1;
			break;
		}
		if (!follow) {
			ret = 0;
			break;
		}
		/* With the daemon its verdict ends it; without, the state. */
		if ((pv < 0 && stopped) || f->exited) {
			if (f->exited && f->new_domid) {
				/* Restarted: follow the new domain. */
				int nd = vmm_open_domid(f->new_domid);

				fprintf(stderr, "\r\nvmmctl: domain %u rebooted; now domain %u\r\n", domid,
					f->new_domid);
				if (nd < 0)
					break;
				pvhv_close(dfd);
				dfd = nd;
				end->dfd = nd;
				domid = f->new_domid;
				off = 0;
				close(pv);
				f->exited = false;
				f->len = 0;
				pv = attach_pv(domid);
				continue;
			}
			drain_log(dfd, &off);
			end->state = f->exited ? f->state : info.state;
			end->reason = f->exited ? f->reason : info.shutdown_reason;
			end->stopped = true;
			ret = 0;
			break;
		}
		if (pv >= 0)
			p[np++] = (struct pollfd){ .fd = pv, .events = POLLIN };
		if (stdin_open && pv >= 0)
			p[np++] = (struct pollfd){ .fd = STDIN_FILENO, .events = POLLIN };
		if (!np) {
			nanosleep(&tick, NULL);
			continue;
		}
		if (poll(p, (nfds_t)np, 10) <= 0)
			continue;
		if (pv >= 0 && p[0].revents && read_frames(pv, f)) {
			/* The daemon went away: carry on with the module's view. */
			close(pv);
			pv = -1;
		}
		if (np == 2 && p[1].revents) {
			char in[512];
			ssize_t n = read(STDIN_FILENO, in, sizeof(in));
			char *det;

			if (n <= 0) {
				stdin_open = false;
				continue;
			}
			det = memchr(in, DETACH_CHAR, (size_t)n);
			if (det)
				n = det - in;
			if (n > 0 && pv >= 0 && write(pv, in, (size_t)n) != n) {
				close(pv);
				pv = -1;
			}
			if (det) {
				drain_log(dfd, &off);
				end->detached = true;
				ret = 0;
				break;
			}
		}
	}
	tty_restore();
	if (pv >= 0)
		close(pv);
	free(f);
	end->domid = domid;
	return ret;
}
