// SPDX-License-Identifier: GPL-2.0-only
/* vmmctl: copy a domain's console log to stdout, following it while it runs. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "vmmctl.h"

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

int vmm_follow_console(int dfd, int follow, uint32_t *state, uint32_t *reason)
{
	const struct timespec tick = { 0, 10 * 1000 * 1000 };
	struct pvhv_domain_info info;
	uint64_t off = 0, lost;
	char buf[16384];
	int ret, stopped = 0;
	size_t got;

	for (;;) {
		ret = pvhv_domain_get_info(dfd, &info);
		if (ret) {
			vmm_err("cannot query the domain: %s", strerror(-ret));
			return -1;
		}
		stopped = info.state != PVHV_STATE_RUNNING && info.state != PVHV_STATE_CREATED &&
			  info.state != PVHV_STATE_PAUSED;
		/* Drain everything written so far (after a stop: everything). */
		do {
			ret = pvhv_domain_console_read(dfd, &off, buf, sizeof(buf), &got, &lost);
			if (ret) {
				vmm_err("cannot read the console: %s", strerror(-ret));
				return -1;
			}
			if (lost) {
				char note[64];
				int n = snprintf(note, sizeof(note),
						 "[... %llu bytes dropped ...]\n",
						 (unsigned long long)lost);

				write_all(note, (size_t)n);
			}
			if (got && write_all(buf, got))
				return -1;	/* stdout went away */
		} while (got);
		if (!follow || stopped)
			break;
		nanosleep(&tick, NULL);
	}
	if (state)
		*state = info.state;
	if (reason)
		*reason = info.shutdown_reason;
	return 0;
}
