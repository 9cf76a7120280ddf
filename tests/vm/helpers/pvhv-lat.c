// SPDX-License-Identifier: GPL-2.0-only
/*
 * pvhv-lat: the scheduling latency an ordinary task sees on host CPUs where
 * stall guests' vCPU threads are pinned. One thread per CPU named, pinned
 * there at the default policy and nice level (a task as any other, not a
 * real-time one), sleeps 1 ms at a time for SECS seconds and records, for
 * each wake-up:
 *
 * - its wait: the time it spent runnable but not running since the previous
 *   one, as the scheduler accounts it (run_delay, the second field of
 *   /proc/thread-self/schedstat, Documentation/scheduler/sched-stats.rst).
 *   A vCPU thread that keeps the CPU when the scheduler asks for it
 *   (need_resched) makes this as long as the guest wants. The check is on
 *   this figure.
 * - its lateness: from the deadline to the return from the sleep: the
 *   wait, plus the timer's own delay.
 *
 * Under emulation the whole test VM stops now and then (the machine that
 * runs QEMU gives its CPUs to others: 100 ms at a time when its own host
 * throttles it). A wait that such a stop lengthened is not the vCPU
 * threads' doing, and shows as a timer that ran as late on another CPU over
 * the same time: nothing in the host holds a CPU's interrupts off that long
 * (a vCPU thread in the guest takes every host interrupt as an exit). Such
 * waits are reported and not held against the limit; so at least two CPUs
 * should be named.
 *
 *   pvhv-lat SECS LIMIT_MS CPU=NAME...	(SIGINT: stop early)
 *
 * Prints, per CPU, "latency: NAME cpu C: wait worst W us at T s, p99 P us,
 * K over 10 ms; late worst ..., the same; N wake-ups", the waits over the
 * limit that a stop of the VM explains, and one check, "ok - ..." or "not ok
 * - ..." (no other wait reached LIMIT_MS), in the lines tests/vm/lib.sh's
 * check_helper numbers into TAP. Exits 1 if a check failed, 2 on a usage or
 * system error.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define PERIOD_NS	1000000LL	/* 1 ms */
#define HIST_US		10000		/* 1 us buckets up to 10 ms, then one */
#define MAX_CPUS	64

struct sample {
	int64_t at;	/* when the sleep returned, ns since the start */
	int64_t late;	/* from the deadline to then */
	int64_t wait;	/* runnable, not running, since the previous sample */
};

struct stat_ns {
	int64_t worst, worst_at;
	uint64_t hist[HIST_US + 1];
};

struct probe {
	long cpu;
	const char *name;
	pthread_t thread;
	int error;			/* errno of a failure, or 0 */
	struct sample *s;
	size_t n, max;
	struct stat_ns wait, late;
};

static struct probe probes[MAX_CPUS];
static int nr_probes;
static int64_t start_ns, end_ns;
static volatile sig_atomic_t stop;	/* SIGINT: end now, report what was seen */

static void on_sigint(int sig)
{
	(void)sig;
	stop = 1;
}

static int64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/* run_delay: ns this thread has waited on a runqueue, in all. -1 on error. */
static int64_t run_delay(int fd)
{
	unsigned long long run, wait;
	char buf[128];
	ssize_t n = pread(fd, buf, sizeof(buf) - 1, 0);

	if (n <= 0)
		return -1;
	buf[n] = 0;
	if (sscanf(buf, "%llu %llu", &run, &wait) != 2)
		return -1;
	return (int64_t)wait;
}

static void record(struct stat_ns *s, int64_t v, int64_t at)
{
	if (v < 0)
		v = 0;
	if (v > s->worst) {
		s->worst = v;
		s->worst_at = at;
	}
	s->hist[v / 1000 < HIST_US ? v / 1000 : HIST_US]++;
}

/* How many were @us or longer. */
static uint64_t over_us(const struct stat_ns *s, int us)
{
	uint64_t n = 0;
	int i;

	for (i = us; i <= HIST_US; i++)
		n += s->hist[i];
	return n;
}

/* The 99th percentile in us (HIST_US: in the overflow bucket). */
static uint64_t p99_us(const struct stat_ns *s, uint64_t n)
{
	uint64_t acc = 0;
	int i;

	for (i = 0; i <= HIST_US; i++) {
		acc += s->hist[i];
		if (acc * 100 >= n * 99)
			return i;
	}
	return HIST_US;
}

static void *probe_main(void *arg)
{
	struct probe *p = arg;
	int64_t deadline, t, rd, rd_prev;
	struct timespec ts;
	cpu_set_t set;
	int fd;

	CPU_ZERO(&set);
	CPU_SET(p->cpu, &set);
	if (sched_setaffinity(0, sizeof(set), &set)) {
		p->error = errno;
		return NULL;
	}
	fd = open("/proc/thread-self/schedstat", O_RDONLY | O_CLOEXEC);
	rd_prev = fd < 0 ? -1 : run_delay(fd);
	if (rd_prev < 0) {
		p->error = fd < 0 ? errno : EIO;
		return NULL;
	}
	deadline = now_ns();
	while ((deadline += PERIOD_NS) < end_ns && p->n < p->max && !stop) {
		ts.tv_sec = deadline / 1000000000LL;
		ts.tv_nsec = deadline % 1000000000LL;
		while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR)
			;
		t = now_ns();
		rd = run_delay(fd);
		if (rd < 0) {
			p->error = EIO;
			break;
		}
		p->s[p->n++] = (struct sample){ .at = t - start_ns, .late = t - deadline,
						 .wait = rd - rd_prev };
		record(&p->late, t - deadline, deadline - start_ns);
		record(&p->wait, rd - rd_prev, deadline - start_ns);
		rd_prev = rd;
		/* Far behind (a long stall): the next deadline is from now, not a burst of late ones. */
		if (t > deadline + PERIOD_NS)
			deadline = t;
	}
	close(fd);
	return NULL;
}

/*
 * Did the whole VM stand still during most of @w (a sample of @self)? Some
 * other CPU's timer ran late over at least half of the wait.
 */
static const struct probe *vm_stopped(const struct probe *self, const struct sample *w)
{
	int64_t from = w->at - w->wait, to = w->at;
	int i;

	for (i = 0; i < nr_probes; i++) {
		const struct probe *p = &probes[i];
		size_t k;

		if (p == self)
			continue;
		for (k = 0; k < p->n; k++) {
			const struct sample *o = &p->s[k];
			int64_t a = o->at - o->late, b = o->at;

			if (a < from)
				a = from;
			if (b > to)
				b = to;
			if (b - a >= w->wait / 2)
				return p;
		}
	}
	return NULL;
}

int main(int argc, char **argv)
{
	long secs, limit_ms;
	int i, failed = 0;
	char *e;

	if (argc < 4) {
		fprintf(stderr, "usage: pvhv-lat SECS LIMIT_MS CPU=NAME...\n");
		return 2;
	}
	secs = strtol(argv[1], &e, 10);
	if (*e || secs <= 0)
		return fprintf(stderr, "pvhv-lat: bad SECS\n"), 2;
	limit_ms = strtol(argv[2], &e, 10);
	if (*e || limit_ms <= 0)
		return fprintf(stderr, "pvhv-lat: bad LIMIT_MS\n"), 2;
	for (i = 3; i < argc && nr_probes < MAX_CPUS; i++) {
		struct probe *p = &probes[nr_probes++];

		p->cpu = strtol(argv[i], &e, 10);
		if (e == argv[i] || *e != '=' || p->cpu < 0 || p->cpu >= CPU_SETSIZE)
			return fprintf(stderr, "pvhv-lat: bad CPU=NAME '%s'\n", argv[i]), 2;
		p->name = e + 1;
		p->max = secs * (1000000000LL / PERIOD_NS) + 1;
		p->s = calloc(p->max, sizeof(*p->s));
		if (!p->s)
			return fprintf(stderr, "pvhv-lat: out of memory\n"), 2;
	}
	signal(SIGINT, on_sigint);
	start_ns = now_ns();
	end_ns = start_ns + secs * 1000000000LL;
	for (i = 0; i < nr_probes; i++) {
		errno = pthread_create(&probes[i].thread, NULL, probe_main, &probes[i]);
		if (errno)
			return perror("pvhv-lat: pthread_create"), 2;
	}
	for (i = 0; i < nr_probes; i++)
		pthread_join(probes[i].thread, NULL);

	for (i = 0; i < nr_probes; i++) {
		struct probe *p = &probes[i];
		int64_t worst = 0, worst_at = 0;
		unsigned int excused = 0;
		size_t k;

		if (p->error) {
			printf("not ok - %s: no measurement on host CPU %ld: %s\n", p->name, p->cpu,
			       strerror(p->error));
			return 2;
		}
		printf("latency: %s cpu %ld: wait worst %" PRId64 " us at %" PRId64 ".%03" PRId64
		       " s, p99 %s%" PRIu64 " us, %" PRIu64 " over 10 ms; late worst %" PRId64
		       " us, p99 %s%" PRIu64 " us, %" PRIu64 " over 10 ms; %zu wake-ups\n",
		       p->name, p->cpu, p->wait.worst / 1000, p->wait.worst_at / (int64_t)1000000000,
		       p->wait.worst_at / 1000000 % 1000, p99_us(&p->wait, p->n) == HIST_US ? ">" : "",
		       p99_us(&p->wait, p->n), over_us(&p->wait, 10000), p->late.worst / 1000,
		       p99_us(&p->late, p->n) == HIST_US ? ">" : "", p99_us(&p->late, p->n),
		       over_us(&p->late, 10000), p->n);
		for (k = 0; k < p->n; k++) {
			const struct sample *w = &p->s[k];
			const struct probe *o;

			if (w->wait < limit_ms * 1000000LL) {
				if (w->wait > worst) {
					worst = w->wait;
					worst_at = w->at;
				}
				continue;
			}
			o = vm_stopped(p, w);
			if (o) {
				excused++;
				printf("latency: %s: a wait of %" PRId64 " ms at %" PRId64 ".%03" PRId64
				       " s while the whole VM stood still (CPU %ld's timer as late)\n",
				       p->name, w->wait / 1000000, w->at / (int64_t)1000000000,
				       w->at / 1000000 % 1000, o->cpu);
			} else if (w->wait > worst) {
				worst = w->wait;
				worst_at = w->at;
			}
		}
		if (!p->n || worst >= limit_ms * 1000000LL) {
			failed = 1;
			printf("not ok - %s: a task on host CPU %ld waited %" PRId64 " ms for it at %" PRId64
			       ".%03" PRId64 " s (limit %ld ms, %zu wake-ups)\n", p->name, p->cpu,
			       worst / 1000000, worst_at / (int64_t)1000000000, worst_at / 1000000 % 1000,
			       limit_ms, p->n);
		} else {
			printf("ok - %s: a task on host CPU %ld waited at most %" PRId64
			       " ms for it (limit %ld ms%s)\n", p->name, p->cpu, worst / 1000000,
			       limit_ms, excused ? "; the VM's own stops aside" : "");
		}
	}
	return failed;
}
