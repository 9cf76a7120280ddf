// SPDX-License-Identifier: GPL-2.0-only
/*
 * The host daemon ("vmmctl daemon"): hosts libpvhv's xenstored (unix socket
 * and the guests' rings), the PV console backends (a pty, a log file and
 * attached "vmmctl console" clients per domain) and the on_poweroff /
 * on_reboot / on_crash actions.
 *
 * Domains live in the module, not here: killing the daemon leaves them
 * running (their channels to the host fall back to unbound). The store is
 * saved to $PVHV_RUNDIR/xenstore.db as it changes; a restarted daemon loads
 * it and re-attaches every introduced domain's rings where they were.
 *
 * One thread, one poll() loop. While it serves domains it listens to the
 * module's lifecycle events (generic netlink, PVHV_CAP_LIFECYCLE_EVENTS) and
 * looks at the domains' states on each; a scan every VD_SCAN_FALLBACK_MS
 * catches anything missed (a dropped event), and every VD_SCAN_MS when
 * there are no events (an older module, or netlink unavailable). "vmmctl
 * destroy" asks the daemon, which destroys and lets go of the domain before
 * answering, so nothing is left behind when the command returns.
 *
 * Control socket ($PVHV_RUNDIR/vmmd.sock), one line per request:
 *   ping | stop | destroy DOMID | console DOMID
 * answered "ok ..." or "err MESSAGE"; after "console" the connection
 * carries frames to the client (type byte, u32 length, payload: 'D' output,
 * 'L' u64 bytes lost, 'X' u32 state, reason, new domid) and raw input bytes
 * from it.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pty.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include <stdint.h>
#include <xen/xen.h>
#include <xen/hvm/params.h>
#include <xen/io/xs_wire.h>

#include <netlink/genl/ctrl.h>
#include <netlink/genl/genl.h>
#include <netlink/netlink.h>

#include "pvhv_console.h"
#include "pvhv_xenstore.h"
#include "vmmctl.h"

#define VD_SCAN_MS	200	/* domain state polling without lifecycle events */
#define VD_SCAN_FALLBACK_MS 2000	/* with them: for an event lost */
#define VD_SAVE_MS	100	/* at most one store save per interval */
#define VD_MAX_CLIENTS	64
#define VD_MAX_FDS	1024
#define VD_LOG_MAX	(1 << 20)	/* log file bytes before it is rotated */
#define VD_CLIENT_BUF	8192
#define VD_GONE_MAX	16
#define VD_GONE_MS	30000

struct vd_dom {
	struct vd_dom *next;
	uint32_t domid;
	char name[PVHV_NAME_LEN];
	int dfd, efd;
	uint64_t pages;
	/* xenstore ring */
	void *store_page;
	uint32_t store_hport;
	/* console */
	void *cons_page;
	uint32_t cons_hport;
	struct pvhv_cons *cons;
	int pty_master, pty_slave;
	char pty[64];
	uint64_t pty_pos, log_pos, log_bytes;
	int logfd;
	char logpath[512];
	/* lifecycle */
	bool stop_handled;
	uint32_t state, reason;
};

struct vd_client {
	struct vd_client *next;
	int fd;
	char in[256];
	size_t inlen;
	bool console;
	uint32_t domid;
	uint64_t pos;
	bool exit_sent, closing;
	bool hold;			/* its domain restarts: the verdict comes after */
	uint8_t out[VD_CLIENT_BUF];
	size_t outlen;
};

struct vd {
	int devfd;
	struct pvhv_xs *xs;
	struct vd_dom *doms;
	struct vd_client *clients;
	int nclients;
	int ctl_fd, lock_fd;
	char rundir[256], logdir[256], dbpath[512], ctlpath[512];
	bool loading;
	int64_t last_save, last_scan;
	FILE *log;
	/* Lifecycle events: subscribed while /dev/pvhv is open (devfd). */
	struct nl_sock *nl;
	bool nl_failed;		/* not available: poll every VD_SCAN_MS */
	bool nl_event;		/* an event came: scan */
	/*
	 * Verdicts on the domains it destroyed (on_* = destroy/restart), for a
	 * console client that attaches after the fact ("create -c" of a guest
	 * that stopped at once): the newest VD_GONE_MAX, for VD_GONE_MS.
	 */
	struct vd_gone {
		uint32_t domid, state, reason, new_domid;
		int64_t at;
	} gone[VD_GONE_MAX];
	unsigned int gone_next;
};

static volatile sig_atomic_t vd_quit;

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void __attribute__((format(printf, 2, 3))) vd_log(struct vd *v, const char *fmt, ...)
{
	char ts[32];
	time_t t = time(NULL);
	va_list ap;

	strftime(ts, sizeof(ts), "%Y-%m-%d %H:%M:%S", localtime(&t));
	fprintf(v->log, "%s vmmd[%d]: ", ts, (int)getpid());
	va_start(ap, fmt);
	vfprintf(v->log, fmt, ap);
	va_end(ap);
	fputc('\n', v->log);
	fflush(v->log);
}

/*
 * /dev/pvhv, opened when needed: an idle daemon pins nothing, so the module
 * unloads once the domains it serves are gone.
 */
static int vd_dev(struct vd *v)
{
	if (v->devfd < 0)
		v->devfd = pvhv_open(vmm_device);
	return v->devfd;
}

static int vd_on_event(struct nl_msg *msg, void *arg)
{
	struct vd *v = arg;

	(void)msg;	/* which domain does not matter: the scan looks at all */
	v->nl_event = true;
	return NL_OK;
}

static void vd_events_close(struct vd *v)
{
	if (v->nl) {
		nl_socket_free(v->nl);
		v->nl = NULL;
	}
	v->nl_failed = false;
}

/*
 * Subscribe to the module's lifecycle events; tried once each time the
 * daemon starts serving domains (the family goes with the module). Without
 * them the scan polls.
 */
static void vd_events_open(struct vd *v)
{
	int grp, ret;

	if (v->nl || v->nl_failed || !v->doms)
		return;
	v->nl = nl_socket_alloc();
	if (!v->nl) {
		ret = -NLE_NOMEM;
		goto err;
	}
	ret = genl_connect(v->nl);
	grp = ret ? ret : genl_ctrl_resolve_grp(v->nl, PVHV_GENL_NAME, PVHV_GENL_MCGRP);
	ret = grp < 0 ? grp : 0;
	if (!ret) {
		nl_socket_disable_seq_check(v->nl);
		nl_socket_modify_cb(v->nl, NL_CB_VALID, NL_CB_CUSTOM, vd_on_event, v);
		ret = nl_socket_set_nonblocking(v->nl);
	}
	if (!ret)
		ret = nl_socket_add_membership(v->nl, grp);
	if (!ret) {
		vd_log(v, "listening to the module's lifecycle events");
		return;
	}
err:
	vd_log(v, "no lifecycle events (%s): polling domain states every %d ms",
	       nl_geterror(ret), VD_SCAN_MS);
	vd_events_close(v);
	v->nl_failed = true;
}

/* Drain the event socket; an error (e.g. events dropped) means: scan anyway. */
static void vd_events_read(struct vd *v)
{
	int ret, i = 0;

	do {
		ret = nl_recvmsgs_default(v->nl);
	} while (ret >= 0 && ++i < 64);	/* the rest next turn */
	if (ret != -NLE_AGAIN)
		v->nl_event = true;
}

static void vd_dev_idle(struct vd *v)
{
	if (v->devfd >= 0 && !v->doms) {
		vd_events_close(v);
		pvhv_close(v->devfd);
		v->devfd = -1;
	}
}

static struct vd_dom *dom_find(struct vd *v, uint32_t domid)
{
	struct vd_dom *d;

	for (d = v->doms; d; d = d->next)
		if (d->domid == domid)
			return d;
	return NULL;
}

/* --- the in-process store as the builder sees it -------------------------- */

static int ip_write(void *o, const char *path, const char *val)
{
	return pvhv_xs_write_str(((struct vd *)o)->xs, path, val);
}

static int ip_set_perms(void *o, const char *path, const char *perms)
{
	return pvhv_xs_set_perms(((struct vd *)o)->xs, path, perms);
}

static int ip_rm(void *o, const char *path)
{
	return pvhv_xs_rm(((struct vd *)o)->xs, path);
}

static int ip_read(void *o, const char *path, char **val)
{
	return pvhv_xs_read(((struct vd *)o)->xs, path, val, NULL);
}

static int ip_introduce(void *o, uint32_t domid, uint64_t gfn, uint32_t port)
{
	return pvhv_xs_introduce(((struct vd *)o)->xs, domid, gfn, port);
}

static int ip_release(void *o, uint32_t domid)
{
	return pvhv_xs_release(((struct vd *)o)->xs, domid);
}

static struct vmm_xs vd_xs_ops(struct vd *v)
{
	struct vmm_xs x = {
		.opaque = v, .write = ip_write, .set_perms = ip_set_perms, .rm = ip_rm,
		.read = ip_read, .introduce = ip_introduce, .release = ip_release,
	};
	return x;
}

/* --- console -------------------------------------------------------------- */

static void client_close(struct vd *v, struct vd_client *c);

static void cons_notify(void *o)
{
	struct vd_dom *d = o;

	if (d->cons_hport)
		pvhv_evtchn_notify(d->efd, d->cons_hport);
}

static void store_notify(void *o)
{
	struct vd_dom *d = o;

	if (d->store_hport)
		pvhv_evtchn_notify(d->efd, d->store_hport);
}

/* Queue a frame for a console client; false if it does not fit now. */
static bool client_frame(struct vd_client *c, char type, const void *p, uint32_t len)
{
	if (c->outlen + 5 + len > sizeof(c->out))
		return false;
	c->out[c->outlen] = (uint8_t)type;
	memcpy(c->out + c->outlen + 1, &len, 4);
	memcpy(c->out + c->outlen + 5, p, len);
	c->outlen += 5 + len;
	return true;
}

static void client_flush(struct vd *v, struct vd_client *c)
{
	while (c->outlen) {
		ssize_t w = send(c->fd, c->out, c->outlen, MSG_DONTWAIT | MSG_NOSIGNAL);

		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0 && errno == EAGAIN)
			return;
		if (w <= 0) {
			c->closing = true;
			return;
		}
		memmove(c->out, c->out + w, c->outlen - (size_t)w);
		c->outlen -= (size_t)w;
	}
	if (c->exit_sent && !c->outlen)
		c->closing = true;	/* all said */
	(void)v;
}

/* Feed a console client from its stream position, as far as its socket takes. */
static void client_pump(struct vd *v, struct vd_client *c, struct vd_dom *d)
{
	uint8_t buf[VD_CLIENT_BUF - 64];
	uint64_t lost;

	while (d && d->cons && !c->exit_sent && !c->closing) {
		size_t room = sizeof(c->out) - c->outlen, n;

		if (room >= 64) {
			n = pvhv_cons_read(d->cons, &c->pos, buf, room - 32 < sizeof(buf) ? room - 32 :
						  sizeof(buf), &lost);
			if (lost)
				client_frame(c, 'L', &lost, sizeof(lost));
			if (n) {
				client_frame(c, 'D', buf, (uint32_t)n);
				continue;	/* fill the buffer first */
			}
		}
		client_flush(v, c);
		/* Stop when the socket is full (POLLOUT resumes) or all is sent. */
		if (c->outlen || c->pos >= pvhv_cons_head(d->cons))
			break;
	}
	client_flush(v, c);
}

/* Output bytes in the queued 'D' frames (what dropping the queue loses). */
static uint64_t queued_data(const struct vd_client *c)
{
	uint64_t n = 0;
	size_t off = 0;

	while (off + 5 <= c->outlen) {
		uint32_t len;

		memcpy(&len, c->out + off + 1, 4);
		if (c->out[off] == 'D')
			n += len;
		off += 5 + len;
	}
	return n;
}

/* The verdict: after all output the socket took; what it did not, as lost. */
static void client_send_exit(struct vd *v, struct vd_client *c, struct vd_dom *d, uint32_t state,
			     uint32_t reason, uint32_t new_domid)
{
	uint32_t x[3] = { state, reason, new_domid };
	uint64_t unsent = 0;

	if (c->exit_sent)
		return;
	client_pump(v, c, d);
	if (d && d->cons && c->pos < pvhv_cons_head(d->cons))
		unsent = pvhv_cons_head(d->cons) - c->pos;
	if (c->outlen + 2 * 5 + sizeof(unsent) + sizeof(x) > sizeof(c->out)) {
		unsent += queued_data(c);
		c->outlen = 0;
	}
	if (unsent)
		client_frame(c, 'L', &unsent, sizeof(unsent));
	client_frame(c, 'X', x, sizeof(x));
	c->exit_sent = true;
	client_flush(v, c);
}

static void log_write(struct vd *v, struct vd_dom *d, const void *buf, size_t n)
{
	if (d->logfd < 0)
		return;
	if (d->log_bytes + n > VD_LOG_MAX) {
		/* Keep one older file; older output is dropped. */
		char old[600];

		snprintf(old, sizeof(old), "%s.old", d->logpath);
		close(d->logfd);
		rename(d->logpath, old);
		d->logfd = open(d->logpath, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0640);
		d->log_bytes = 0;
		if (d->logfd < 0) {
			vd_log(v, "domain %u: cannot reopen %s: %s", d->domid, d->logpath, strerror(errno));
			return;
		}
	}
	if (write(d->logfd, buf, n) == (ssize_t)n)
		d->log_bytes += n;
}

/* New output: to the log file, the pty and the attached clients. */
static void cons_forward(struct vd *v, struct vd_dom *d)
{
	uint8_t buf[4096];
	struct vd_client *c;
	size_t n;

	while ((n = pvhv_cons_read(d->cons, &d->log_pos, buf, sizeof(buf), NULL)))
		log_write(v, d, buf, n);
	while (d->pty_master >= 0) {
		uint64_t pos = d->pty_pos;
		ssize_t w;

		n = pvhv_cons_read(d->cons, &pos, buf, sizeof(buf), NULL);
		if (!n)
			break;
		w = write(d->pty_master, buf, n);
		if (w <= 0) {
			/* Nobody reads the pty: what does not fit is dropped there. */
			d->pty_pos = pvhv_cons_head(d->cons);
			break;
		}
		d->pty_pos += (uint64_t)w;
	}
	for (c = v->clients; c; c = c->next)
		if (c->console && c->domid == d->domid)
			client_pump(v, c, d);
}

static void cons_event(struct vd *v, struct vd_dom *d)
{
	int r;

	if (!d->cons)
		return;
	r = pvhv_cons_event(d->cons);
	if (r == -EPROTO) {
		vd_log(v, "domain %u: console ring indexes out of range; console stopped", d->domid);
		pvhv_evtchn_unbind(d->efd, d->cons_hport);
		d->cons_hport = 0;
		return;
	}
	if (r > 0)
		cons_forward(v, d);
}

static void cons_input(struct vd *v, struct vd_dom *d, const void *buf, size_t n)
{
	if (!d->cons)
		return;
	pvhv_cons_input(d->cons, buf, n);
	cons_event(v, d);
}

/* The log file's last bytes back into a new backend's log (restart). */
static void cons_restore(struct vd_dom *d)
{
	struct stat st;
	char *buf;
	off_t off;
	ssize_t n;

	if (d->logfd < 0 || fstat(d->logfd, &st) || !st.st_size)
		return;
	off = st.st_size > VMM_CONSOLE_LOG ? st.st_size - VMM_CONSOLE_LOG : 0;
	buf = malloc((size_t)(st.st_size - off));
	if (!buf)
		return;
	n = pread(d->logfd, buf, (size_t)(st.st_size - off), off);
	if (n > 0)
		pvhv_cons_log_append(d->cons, buf, (size_t)n);
	free(buf);
}

static int cons_attach(struct vd *v, struct vd_dom *d)
{
	uint64_t gfn = 0, port = 0;
	struct termios tio;
	char key[64];
	int ret;

	if (pvhv_domain_get_param(d->dfd, HVM_PARAM_CONSOLE_PFN, &gfn) ||
	    pvhv_domain_get_param(d->dfd, HVM_PARAM_CONSOLE_EVTCHN, &port) || !gfn || !port)
		return 0;	/* no PV console */
	if (gfn >= d->pages || port > UINT32_MAX)
		return -EINVAL;
	ret = pvhv_domain_map(d->dfd, gfn << 12, 4096, PROT_READ | PROT_WRITE, &d->cons_page);
	if (ret)
		return ret;
	ret = pvhv_cons_new(d->cons_page, cons_notify, d, VMM_CONSOLE_LOG, &d->cons);
	if (ret)
		return ret;
	snprintf(d->logpath, sizeof(d->logpath), "%s/guest-%s.log", v->logdir, d->name);
	/* Appended to, as xenconsoled does: a restarted guest's log follows its last one. */
	d->logfd = open(d->logpath, O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
	if (d->logfd < 0) {
		vd_log(v, "domain %u: cannot open %s: %s", d->domid, d->logpath, strerror(errno));
	} else {
		struct stat st;

		if (!fstat(d->logfd, &st))
			d->log_bytes = (uint64_t)st.st_size;
	}
	if (v->loading)
		cons_restore(d);
	d->log_pos = d->pty_pos = pvhv_cons_head(d->cons);
	if (!openpty(&d->pty_master, &d->pty_slave, d->pty, NULL, NULL)) {
		/* Raw: the guest echoes and edits, not the pty. */
		if (!tcgetattr(d->pty_slave, &tio)) {
			cfmakeraw(&tio);
			tcsetattr(d->pty_slave, TCSANOW, &tio);
		}
		fcntl(d->pty_master, F_SETFL, fcntl(d->pty_master, F_GETFL) | O_NONBLOCK);
		fcntl(d->pty_master, F_SETFD, FD_CLOEXEC);
		fcntl(d->pty_slave, F_SETFD, FD_CLOEXEC);
		snprintf(key, sizeof(key), "/local/domain/%u/console/tty", d->domid);
		pvhv_xs_write_str(v->xs, key, d->pty);
	} else {
		d->pty_master = d->pty_slave = -1;
		vd_log(v, "domain %u: no pty: %s", d->domid, strerror(errno));
	}
	/* Bound last: the port fires at once and the backend is ready. */
	ret = pvhv_evtchn_bind(d->efd, (uint32_t)port, &d->cons_hport);
	if (ret)
		vd_log(v, "domain %u: cannot bind console port %llu: %s", d->domid,
		       (unsigned long long)port, strerror(-ret));
	return 0;
}

/* --- domains ---------------------------------------------------------------- */

static void dom_free(struct vd *v, struct vd_dom *d)
{
	struct vd_dom **pp;
	struct vd_client *c, *next;

	for (c = v->clients; c; c = next) {
		next = c->next;
		if (c->console && c->domid == d->domid && !c->hold) {
			client_send_exit(v, c, d, d->state, d->reason, 0);
		}
	}
	if (d->cons_hport)
		pvhv_evtchn_unbind(d->efd, d->cons_hport);
	pvhv_cons_free(d->cons);
	if (d->cons_page)
		pvhv_domain_unmap(d->cons_page, 4096);
	if (d->store_page)
		pvhv_domain_unmap(d->store_page, 4096);
	if (d->pty_master >= 0)
		close(d->pty_master);
	if (d->pty_slave >= 0)
		close(d->pty_slave);
	if (d->logfd >= 0)
		close(d->logfd);
	if (d->efd >= 0)
		close(d->efd);
	if (d->dfd >= 0)
		close(d->dfd);
	for (pp = &v->doms; *pp; pp = &(*pp)->next) {
		if (*pp == d) {
			*pp = d->next;
			break;
		}
	}
	free(d);
}

static struct vd_dom *dom_open(struct vd *v, uint32_t domid, int *err)
{
	struct pvhv_domain_info info;
	struct vd_dom *d = calloc(1, sizeof(*d));

	if (!d) {
		*err = -ENOMEM;
		return NULL;
	}
	d->domid = domid;
	d->dfd = d->efd = d->pty_master = d->pty_slave = d->logfd = -1;
	d->next = v->doms;
	v->doms = d;
	d->dfd = pvhv_domain_open(vd_dev(v), domid);
	*err = d->dfd < 0 ? d->dfd : pvhv_domain_get_info(d->dfd, &info);
	if (!*err && info.state == PVHV_STATE_DYING)
		*err = -ESRCH;
	if (!*err) {
		memcpy(d->name, info.name, sizeof(d->name));
		d->name[sizeof(d->name) - 1] = '\0';
		d->pages = info.memory_bytes >> 12;
		d->efd = pvhv_evtchn_open(d->dfd);
		*err = d->efd < 0 ? d->efd : 0;
	}
	if (!*err && v->loading) {
		/* A reloaded store may predate a module reload: same domid, same name? */
		char key[64], *name = NULL;

		snprintf(key, sizeof(key), "/local/domain/%u/name", domid);
		if (pvhv_xs_read(v->xs, key, &name, NULL))
			name = NULL;
		if (!name || strcmp(name, d->name))
			*err = -ESRCH;
		free(name);
	}
	if (!*err)
		*err = cons_attach(v, d);
	if (*err) {
		dom_free(v, d);
		return NULL;
	}
	return d;
}

/* xenstored's ops: INTRODUCE (or a reload) maps and binds the store ring. */
static int vd_connect(void *o, uint32_t domid, uint64_t gfn, uint32_t port)
{
	struct vd *v = o;
	struct vd_dom *d = dom_find(v, domid);
	int ret = 0;

	if (!d)
		d = dom_open(v, domid, &ret);
	if (!d)
		return ret;
	if (d->store_page)
		return -EBUSY;
	if (gfn >= d->pages || !port)
		return -EINVAL;
	ret = pvhv_domain_map(d->dfd, gfn << 12, 4096, PROT_READ | PROT_WRITE, &d->store_page);
	if (ret) {
		d->store_page = NULL;
		return ret;
	}
	ret = pvhv_evtchn_bind(d->efd, port, &d->store_hport);
	if (!ret)
		ret = pvhv_xs_attach_ring(v->xs, domid, d->store_page, store_notify, d);
	if (ret) {
		if (d->store_hport)
			pvhv_evtchn_unbind(d->efd, d->store_hport);
		d->store_hport = 0;
		pvhv_domain_unmap(d->store_page, 4096);
		d->store_page = NULL;
		return ret;
	}
	vd_log(v, "domain %u (%s): xenstore ring at gfn %#llx, port %u%s%s", domid, d->name,
	       (unsigned long long)gfn, port, d->cons ? ", console on " : "",
	       d->cons ? d->pty : "");
	return 0;
}

static void vd_disconnect(void *o, uint32_t domid)
{
	struct vd *v = o;
	struct vd_dom *d = dom_find(v, domid);

	if (!d)
		return;
	if (d->store_hport)
		pvhv_evtchn_unbind(d->efd, d->store_hport);
	d->store_hport = 0;
	if (d->store_page)
		pvhv_domain_unmap(d->store_page, 4096);
	d->store_page = NULL;
}

static void vd_failed(void *o, uint32_t domid, const char *why)
{
	vd_log(o, "domain %u: xenstore connection dropped: %s", domid, why);
}

/* Let go of a domain that is gone (or being destroyed). */
static void dom_cleanup(struct vd *v, struct vd_dom *d)
{
	struct vmm_xs x = vd_xs_ops(v);
	uint32_t domid = d->domid;

	cons_event(v, d);
	pvhv_xs_domain_gone(v->xs, domid);	/* releases: the ring is unmapped */
	vmm_remove_skeleton(&x, domid);
	dom_free(v, d);
}

static int dom_destroy(struct vd *v, struct vd_dom *d)
{
	int ret = pvhv_domain_destroy(d->dfd);

	if (ret && ret != -ESRCH)
		return ret;
	vd_log(v, "domain %u (%s) destroyed", d->domid, d->name);
	dom_cleanup(v, d);
	return 0;
}

/* The domain stopped: @releaseDomain, then its configured action. */
static void dom_stopped(struct vd *v, struct vd_dom *d, uint32_t state, uint32_t reason)
{
	struct vmm_xs x = vd_xs_ops(v);
	struct vmm_config cfg;
	struct vmm_built b;
	struct vd_client *c;
	char err[256];
	uint32_t new_domid = 0, domid = d->domid;
	int action;

	d->stop_handled = true;
	d->state = state;
	d->reason = reason;
	cons_event(v, d);
	pvhv_xs_fire_special(v->xs, "@releaseDomain");
	if (vmm_read_config(&x, domid, &cfg)) {
		vd_log(v, "domain %u: no configuration in /pvhv/domain: preserved", domid);
		action = VMM_ACTION_PRESERVE;
	} else {
		action = vmm_stop_action(&cfg, state, reason);
	}
	vd_log(v, "domain %u (%s) %s%s%s: %s", domid, d->name, pvhv_state_name(state),
	       state == PVHV_STATE_SHUTDOWN ? " " : "",
	       state == PVHV_STATE_SHUTDOWN ? pvhv_shutdown_reason_name(reason) : "",
	       vmm_action_name(action));
	for (c = v->clients; c; c = c->next)
		if (c->console && c->domid == domid)
			client_pump(v, c, d);
	if (action == VMM_ACTION_PRESERVE) {
		for (c = v->clients; c; c = c->next)
			if (c->console && c->domid == domid)
				client_send_exit(v, c, d, state, reason, 0);
		return;
	}
	/* Clients hear about the replacement once it exists. */
	for (c = v->clients; c; c = c->next)
		if (c->console && c->domid == domid)
			c->hold = action == VMM_ACTION_RESTART;
	if (dom_destroy(v, d)) {
		vd_log(v, "domain %u: destroy failed", domid);
		for (c = v->clients; c; c = c->next)
			c->hold = false;
		return;
	}
	if (action == VMM_ACTION_RESTART) {
		if (vmm_build(vd_dev(v), &cfg, &x, &b, err, sizeof(err))) {
			vd_log(v, "domain %s: restart failed: %s", cfg.name, err);
		} else {
			new_domid = b.domid;
			pvhv_close(b.dfd);
			vd_log(v, "domain %s restarted as %u", cfg.name, new_domid);
		}
	}
	for (c = v->clients; c; c = c->next) {
		if (c->console && c->domid == domid && !c->exit_sent) {
			c->hold = false;
			client_send_exit(v, c, NULL, state, reason, new_domid);
		}
	}
	v->gone[v->gone_next++ % VD_GONE_MAX] = (struct vd_gone){
		.domid = domid, .state = state, .reason = reason, .new_domid = new_domid,
		.at = now_ms(),
	};
}

static const struct vd_gone *gone_find(struct vd *v, uint32_t domid)
{
	unsigned int i;

	for (i = 0; i < VD_GONE_MAX; i++)
		if (v->gone[i].domid == domid && v->gone[i].at &&
		    now_ms() - v->gone[i].at < VD_GONE_MS)
			return &v->gone[i];
	return NULL;
}

/* One change handled per call (the domain list changes with it); true if any. */
static bool scan_one(struct vd *v)
{
	struct pvhv_domain_info *infos;
	struct vd_dom *d;
	size_t n, i;

	v->last_scan = now_ms();
	if (pvhv_domain_list(vd_dev(v), &infos, &n))
		return false;
	for (d = v->doms; d; d = d->next) {
		for (i = 0; i < n && infos[i].domid != d->domid; i++)
			;
		if (i == n || infos[i].state == PVHV_STATE_DYING) {
			vd_log(v, "domain %u (%s) is gone", d->domid, d->name);
			free(infos);
			dom_cleanup(v, d);
			return true;
		}
		if ((infos[i].state == PVHV_STATE_SHUTDOWN || infos[i].state == PVHV_STATE_CRASHED) &&
		    !d->stop_handled) {
			uint32_t state = infos[i].state, reason = infos[i].shutdown_reason;

			free(infos);
			dom_stopped(v, d, state, reason);
			return true;
		}
	}
	free(infos);
	return false;
}

static void scan(struct vd *v)
{
	int i;

	for (i = 0; i < 256 && scan_one(v); i++)
		;
}

/* Toolstack records of domains that are no longer there (died while we were away). */
static void forget_stale(struct vd *v)
{
	struct vmm_xs x = vd_xs_ops(v);
	char *names;
	size_t len, off;

	if (pvhv_xs_request(v->xs, XS_DIRECTORY, "/pvhv/domain", 13, (void **)&names, &len))
		return;
	for (off = 0; off < len; off += strlen(names + off) + 1) {
		uint32_t domid;

		if (pvhv_parse_domid(names + off, &domid) || dom_find(v, domid))
			continue;
		vd_log(v, "domain %u vanished while the daemon was away", domid);
		pvhv_xs_domain_gone(v->xs, domid);
		vmm_remove_skeleton(&x, domid);
	}
	free(names);
}

/* --- control clients --------------------------------------------------------- */

static void client_close(struct vd *v, struct vd_client *c)
{
	struct vd_client **pp;

	for (pp = &v->clients; *pp; pp = &(*pp)->next) {
		if (*pp == c) {
			*pp = c->next;
			break;
		}
	}
	close(c->fd);
	v->nclients--;
	free(c);
}

static void client_reply(struct vd *v, struct vd_client *c, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void client_reply(struct vd *v, struct vd_client *c, const char *fmt, ...)
{
	char line[256];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(line, sizeof(line) - 1, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n > sizeof(line) - 2)
		n = sizeof(line) - 2;
	line[n++] = '\n';
	if (c->outlen + (size_t)n <= sizeof(c->out)) {
		memcpy(c->out + c->outlen, line, (size_t)n);
		c->outlen += (size_t)n;
	}
	client_flush(v, c);
}

static void client_command(struct vd *v, struct vd_client *c, char *line)
{
	uint32_t domid;
	struct vd_dom *d;
	char *arg = strchr(line, ' ');
	int ret;

	if (arg)
		*arg++ = '\0';
	if (!strcmp(line, "ping")) {
		client_reply(v, c, "ok %d", (int)getpid());
	} else if (!strcmp(line, "stop")) {
		client_reply(v, c, "ok");
		vd_quit = 1;
	} else if (!strcmp(line, "destroy") && arg && !pvhv_parse_domid(arg, &domid)) {
		d = dom_find(v, domid);
		if (d) {
			d->state = PVHV_STATE_DYING;
			ret = dom_destroy(v, d);
		} else {
			int dfd = pvhv_domain_open(vd_dev(v), domid);

			ret = dfd < 0 ? dfd : pvhv_domain_destroy(dfd);
			if (dfd >= 0)
				pvhv_close(dfd);
		}
		if (ret)
			client_reply(v, c, "err %s", strerror(-ret));
		else
			client_reply(v, c, "ok");
	} else if (!strcmp(line, "console") && arg && !pvhv_parse_domid(arg, &domid)) {
		const struct vd_gone *g;

		d = dom_find(v, domid);
		g = d ? NULL : gone_find(v, domid);
		if (g) {
			/* Stopped and destroyed before the client came: the verdict. */
			client_reply(v, c, "ok -");
			c->console = true;
			c->domid = domid;
			client_send_exit(v, c, NULL, g->state, g->reason, g->new_domid);
			return;
		}
		if (!d || !d->cons) {
			client_reply(v, c, "err %s", d ? "the domain has no PV console" :
						     "the daemon does not serve this domain");
			return;
		}
		client_reply(v, c, "ok %s", d->pty_master >= 0 ? d->pty : "-");
		c->console = true;
		c->domid = domid;
		c->pos = pvhv_cons_tail(d->cons);
		if (c->pos) {
			/* The log is bounded: say how much came before what it kept. */
			uint64_t dropped = c->pos;

			client_frame(c, 'L', &dropped, sizeof(dropped));
		}
		client_pump(v, c, d);
		if (d->stop_handled)
			client_send_exit(v, c, d, d->state, d->reason, 0);
	} else {
		client_reply(v, c, "err unknown request");
	}
}

static void client_read(struct vd *v, struct vd_client *c)
{
	char buf[1024];
	ssize_t r = recv(c->fd, buf, sizeof(buf), MSG_DONTWAIT);
	size_t i;

	if (r < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (r <= 0) {
		c->closing = true;
		return;
	}
	if (c->console) {
		struct vd_dom *d = dom_find(v, c->domid);

		if (d && !c->exit_sent)
			cons_input(v, d, buf, (size_t)r);
		return;
	}
	for (i = 0; i < (size_t)r && !c->console; i++) {
		if (buf[i] == '\n') {
			c->in[c->inlen] = '\0';
			c->inlen = 0;
			client_command(v, c, c->in);
			/* Bytes after "console N\n" are input already. */
			if (c->console && i + 1 < (size_t)r) {
				struct vd_dom *d = dom_find(v, c->domid);

				if (d)
					cons_input(v, d, buf + i + 1, (size_t)r - i - 1);
			}
		} else if (c->inlen + 1 < sizeof(c->in)) {
			c->in[c->inlen++] = buf[i];
		} else {
			c->closing = true;	/* no request is that long */
			return;
		}
	}
}

static int ctl_listen(struct vd *v)
{
	struct sockaddr_un sa;
	int fd;

	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	if (strlen(v->ctlpath) >= sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	strcpy(sa.sun_path, v->ctlpath);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return -errno;
	unlink(v->ctlpath);	/* we hold the lock: any socket file is stale */
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) || chmod(v->ctlpath, 0600) ||
	    listen(fd, 16)) {
		int ret = -errno;

		close(fd);
		return ret;
	}
	v->ctl_fd = fd;
	return 0;
}

/* --- the loop ------------------------------------------------------------------ */

static void on_signal(int sig)
{
	(void)sig;
	vd_quit = 1;
}

static void handle_evtchn(struct vd *v, struct vd_dom *d)
{
	uint32_t ports[64];
	ssize_t n = read(d->efd, ports, sizeof(ports));
	ssize_t i;

	for (i = 0; i < n / (ssize_t)sizeof(ports[0]); i++) {
		if (d->store_hport && ports[i] == d->store_hport)
			pvhv_xs_ring_event(v->xs, d->domid);
		else if (d->cons_hport && ports[i] == d->cons_hport)
			cons_event(v, d);
	}
}

static void handle_pty(struct vd *v, struct vd_dom *d)
{
	char buf[1024];
	ssize_t n = read(d->pty_master, buf, sizeof(buf));

	if (n > 0)
		cons_input(v, d, buf, (size_t)n);
}

/* Set up everything; on failure a message for the caller. */
static int vd_init(struct vd *v, char *err, size_t errlen)
{
	static const struct pvhv_xs_ops ops = {
		.connect = vd_connect, .disconnect = vd_disconnect, .failed = vd_failed,
	};
	int ret;

	snprintf(v->rundir, sizeof(v->rundir), "%s", vmm_rundir());
	snprintf(v->logdir, sizeof(v->logdir), "%s", vmm_logdir());
	snprintf(v->dbpath, sizeof(v->dbpath), "%s/xenstore.db", v->rundir);
	snprintf(v->ctlpath, sizeof(v->ctlpath), "%s/vmmd.sock", v->rundir);
	if ((ret = vmm_mkdir_p(v->rundir)) || (ret = vmm_mkdir_p(v->logdir))) {
		snprintf(err, errlen, "cannot create %s or %s: %s", v->rundir, v->logdir, strerror(-ret));
		return -1;
	}
	{
		char lock[512];

		snprintf(lock, sizeof(lock), "%s/vmmd.lock", v->rundir);
		v->lock_fd = open(lock, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
		if (v->lock_fd < 0) {
			snprintf(err, errlen, "cannot open %s: %s", lock, strerror(errno));
			return -1;
		}
		if (flock(v->lock_fd, LOCK_EX | LOCK_NB)) {
			snprintf(err, errlen, "another daemon is running (lock %s held)", lock);
			return -1;
		}
	}
	if (vd_dev(v) < 0) {
		snprintf(err, errlen, "cannot open %s: %s%s", vmm_device, strerror(-v->devfd),
			 v->devfd == -ENOENT ? " (is the pvhv module loaded?)" : "");
		return -1;
	}
	ret = pvhv_xs_new(&ops, v, &v->xs);
	if (ret) {
		snprintf(err, errlen, "cannot create the store: %s", strerror(-ret));
		return -1;
	}
	ret = pvhv_xs_listen(v->xs, NULL);
	if (ret) {
		snprintf(err, errlen, "cannot listen on %s: %s%s", pvhv_xs_socket_path(), strerror(-ret),
			 ret == -EADDRINUSE ? " (another xenstored is running)" : "");
		return -1;
	}
	/* A previous daemon's store: the domains it served are re-attached. */
	v->loading = true;
	ret = pvhv_xs_load(v->xs, v->dbpath);
	v->loading = false;
	if (ret && ret != -ENOENT) {
		vd_log(v, "cannot load %s (%s): starting with an empty store", v->dbpath,
		       strerror(-ret));
		pvhv_xs_free(v->xs);
		v->xs = NULL;
		while (v->doms)
			dom_free(v, v->doms);
		if ((ret = pvhv_xs_new(&ops, v, &v->xs)) || (ret = pvhv_xs_listen(v->xs, NULL))) {
			snprintf(err, errlen, "cannot restart the store: %s", strerror(-ret));
			return -1;
		}
	} else if (!ret) {
		struct vd_dom *d;
		int n = 0;

		for (d = v->doms; d; d = d->next)
			n++;
		vd_log(v, "store reloaded from %s: %d domain(s) re-attached", v->dbpath, n);
	}
	forget_stale(v);
	ret = ctl_listen(v);
	if (ret) {
		snprintf(err, errlen, "cannot listen on %s: %s", v->ctlpath, strerror(-ret));
		return -1;
	}
	pvhv_xs_save(v->xs, v->dbpath);
	v->last_save = now_ms();
	return 0;
}

static void vd_fini(struct vd *v)
{
	while (v->clients)
		client_close(v, v->clients);
	if (v->xs && v->ctl_fd >= 0)
		pvhv_xs_save(v->xs, v->dbpath);
	/* Domains keep running; their channels to us fall back to unbound. */
	pvhv_xs_free(v->xs);	/* disconnects the rings first */
	v->xs = NULL;
	while (v->doms)
		dom_free(v, v->doms);
	if (v->ctl_fd >= 0) {
		close(v->ctl_fd);
		unlink(v->ctlpath);
	}
	vd_events_close(v);
	if (v->devfd >= 0)
		pvhv_close(v->devfd);
}

int vmm_daemon_run(int ready_fd, FILE *log)
{
	struct pollfd *fds;
	struct vd v;
	char err[1400];
	struct sigaction sa;

	memset(&v, 0, sizeof(v));
	v.devfd = v.ctl_fd = v.lock_fd = -1;
	v.log = log;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	fds = calloc(VD_MAX_FDS, sizeof(*fds));
	if (!fds || vd_init(&v, err, sizeof(err))) {
		if (!fds)
			snprintf(err, sizeof(err), "out of memory");
		vd_log(&v, "%s", err);
		if (ready_fd >= 0 && write(ready_fd, err, strlen(err)) < 0)
			vd_log(&v, "cannot report to the parent");
		vd_fini(&v);
		free(fds);
		return VMM_EXIT_FAIL;
	}
	vd_log(&v, "started: xenstored on %s, control on %s", pvhv_xs_socket_path(), v.ctlpath);
	vd_dev_idle(&v);
	if (ready_fd >= 0) {
		if (write(ready_fd, "", 1) < 0)
			vd_log(&v, "cannot report readiness");
		close(ready_fd);
	}
	scan(&v);
	while (!vd_quit) {
		struct vd_client *c, *cnext;
		struct vd_dom *d, *dnext;
		int timeout, scan_ms;
		size_t n, nxs, i;
		int64_t t;

		vd_events_open(&v);
		scan_ms = v.nl ? VD_SCAN_FALLBACK_MS : VD_SCAN_MS;
		timeout = scan_ms;

		nxs = pvhv_xs_poll_fill(v.xs, fds, VD_MAX_FDS / 2, &timeout);
		if (nxs > VD_MAX_FDS / 2)
			nxs = VD_MAX_FDS / 2;	/* the rest next turn */
		n = nxs;
		fds[n++] = (struct pollfd){ .fd = v.ctl_fd, .events = POLLIN };
		if (v.nl)
			fds[n++] = (struct pollfd){ .fd = nl_socket_get_fd(v.nl),
						    .events = POLLIN };
		for (c = v.clients; c && n < VD_MAX_FDS; c = c->next)
			fds[n++] = (struct pollfd){ .fd = c->fd,
						    .events = (short)(POLLIN | (c->outlen ? POLLOUT : 0)) };
		for (d = v.doms; d && n + 2 < VD_MAX_FDS; d = d->next) {
			fds[n++] = (struct pollfd){ .fd = d->efd, .events = POLLIN };
			if (d->pty_master >= 0)
				fds[n++] = (struct pollfd){ .fd = d->pty_master, .events = POLLIN };
		}
		t = now_ms();
		if (v.last_scan + scan_ms - t < timeout)
			timeout = (int)(v.last_scan + scan_ms - t);
		if (pvhv_xs_dirty(v.xs) && v.last_save + VD_SAVE_MS - t < timeout)
			timeout = (int)(v.last_save + VD_SAVE_MS - t);
		if (timeout < 0)
			timeout = 0;
		if (poll(fds, n, timeout) < 0 && errno != EINTR)
			break;
		pvhv_xs_poll_handle(v.xs, fds, nxs);
		for (i = nxs; i < n; i++) {
			if (!fds[i].revents)
				continue;
			if (fds[i].fd == v.ctl_fd) {
				int cfd = accept4(v.ctl_fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);

				if (cfd < 0)
					continue;
				if (v.nclients >= VD_MAX_CLIENTS || !(c = calloc(1, sizeof(*c)))) {
					close(cfd);
					continue;
				}
				c->fd = cfd;
				c->next = v.clients;
				v.clients = c;
				v.nclients++;
				continue;
			}
			if (v.nl && fds[i].fd == nl_socket_get_fd(v.nl)) {
				vd_events_read(&v);
				continue;
			}
			for (c = v.clients; c; c = c->next) {
				if (c->fd != fds[i].fd)
					continue;
				if (fds[i].revents & POLLOUT)
					client_flush(&v, c);
				if (fds[i].revents & (POLLIN | POLLHUP | POLLERR))
					client_read(&v, c);
				if (c->console && !c->closing) {
					d = dom_find(&v, c->domid);
					if (d)
						client_pump(&v, c, d);
				}
				break;
			}
			if (c)
				continue;
			for (d = v.doms; d; d = dnext) {
				dnext = d->next;
				if (d->efd == fds[i].fd) {
					handle_evtchn(&v, d);
					break;
				}
				if (d->pty_master == fds[i].fd) {
					handle_pty(&v, d);
					break;
				}
			}
		}
		for (c = v.clients; c; c = cnext) {
			cnext = c->next;
			if (c->closing)
				client_close(&v, c);
		}
		vd_dev_idle(&v);
		t = now_ms();
		/* Only served domains are watched: idle, the module is not touched. */
		if (v.doms && (v.nl_event || t - v.last_scan >= scan_ms))
			scan(&v);
		v.nl_event = false;
		if (pvhv_xs_dirty(v.xs) && t - v.last_save >= VD_SAVE_MS) {
			int ret = pvhv_xs_save(v.xs, v.dbpath);

			if (ret)
				vd_log(&v, "cannot save %s: %s", v.dbpath, strerror(-ret));
			v.last_save = t;
		}
	}
	vd_log(&v, "stopping; domains keep running");
	vd_fini(&v);
	free(fds);
	return VMM_EXIT_OK;
}
