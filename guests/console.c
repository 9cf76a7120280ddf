// SPDX-License-Identifier: GPL-2.0-only
/*
 * The PV console from a guest (HVM_PARAM_CONSOLE_PFN/EVTCHN): an echo
 * service. It prints "console: ready", then reads lines (CR or LF) and
 * answers each with "echo: LINE"; "flood N" prints N numbered 64-byte lines
 * (more than any log keeps); "quit" says "bye" and powers off. Diagnostics
 * go to the hypervisor console (console_io).
 */
#include "xsring.h"

static struct xsg_cons cons;


void guest_main(const struct hvm_start_info *si)
{
	char line[200];
	size_t len = 0;
	unsigned long lines = 0;

	(void)si;
	xsg_init_shinfo();
	xsg_cons_init(&cons);
	rt_printf("console guest: port %u\n", cons.port);
	xsg_cons_puts(&cons, "console: ready\r\n");
	for (;;) {
		int ch = xsg_cons_getc(&cons, xsg_now() + 600000 * XSG_MS);

		if (ch < 0) {
			CHECK(0, "no input for 10 minutes");
			return;
		}
		if (ch != '\r' && ch != '\n') {
			if (len + 1 < sizeof(line))
				line[len++] = (char)ch;
			continue;
		}
		if (!len)
			continue;
		line[len] = '\0';
		len = 0;
		lines++;
		if (!rt_strncmp(line, "quit", 5)) {
			xsg_cons_puts(&cons, "bye\r\n");
			rt_printf("console guest: %lu lines, quitting\n", lines);
			CHECK(1, "echoed %lu lines", lines - 1);
			return;
		}
		if (!rt_strncmp(line, "flood ", 6)) {
			unsigned long n = 0, i;
			const char *p;

			for (p = line + 6; *p >= '0' && *p <= '9'; p++)
				n = n * 10 + (unsigned long)(*p - '0');
			for (i = 0; i < n; i++) {
				char l[80];

				rt_snprintf(l, sizeof(l), "flood %08lu ................................................\r\n", i);
				xsg_cons_write(&cons, l, rt_strlen(l));
			}
			xsg_cons_puts(&cons, "flood done\r\n");
			continue;
		}
		{
			char reply[sizeof(line) + 16];

			rt_snprintf(reply, sizeof(reply), "echo: %s\r\n", line);
			xsg_cons_write(&cons, reply, rt_strlen(reply));
		}
	}
}
