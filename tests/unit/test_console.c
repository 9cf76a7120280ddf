// SPDX-License-Identifier: GPL-2.0-only
/*
 * libpvhv's PV console backend against an in-memory xencons_interface:
 * output into the bounded log (wrap-around, oldest dropped and counted),
 * input into the guest's ring (bounded), hostile indexes, and a second
 * backend continuing where the first stopped (a restarted daemon).
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <xen/xen.h>
#include <xen/io/console.h>

#include "pvhv_console.h"
#include "unit.h"

static int notified;

static void notify(void *o)
{
	(void)o;
	notified++;
}

/* The guest writes @s to its output ring. */
static void guest_out(struct xencons_interface *in, const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		ck_assert_uint_lt(in->out_prod - in->out_cons, sizeof(in->out));
		in->out[MASK_XENCONS_IDX(in->out_prod, in->out)] = s[i];
		in->out_prod++;
	}
}

/* The guest reads its input ring. */
static size_t guest_in(struct xencons_interface *in, char *buf, size_t max)
{
	size_t n = 0;

	while (in->in_cons != in->in_prod && n < max) {
		buf[n++] = in->in[MASK_XENCONS_IDX(in->in_cons, in->in)];
		in->in_cons++;
	}
	return n;
}

START_TEST(test_cons_output)
{
	struct xencons_interface *in = calloc(1, 4096);
	struct pvhv_cons *c;
	char buf[8192];
	uint64_t pos = 0, lost;
	size_t n;
	int i;

	notified = 0;
	ck_assert_int_eq(pvhv_cons_new(in, notify, NULL, 4096, &c), 0);
	guest_out(in, "hello\n", 6);
	ck_assert_int_eq(pvhv_cons_event(c), 6);
	ck_assert_int_eq(notified, 1);
	ck_assert_uint_eq(in->out_cons, 6);
	n = pvhv_cons_read(c, &pos, buf, sizeof(buf), &lost);
	ck_assert_uint_eq(n, 6);
	ck_assert_uint_eq(lost, 0);
	ck_assert_int_eq(memcmp(buf, "hello\n", 6), 0);
	ck_assert_uint_eq(pos, 6);
	ck_assert_int_eq(pvhv_cons_event(c), 0);
	/* Through the 2 KiB ring many times: the log keeps the newest 4 KiB. */
	for (i = 0; i < 10; i++) {
		char chunk[1000];

		memset(chunk, 'a' + i, sizeof(chunk));
		guest_out(in, chunk, sizeof(chunk));
		ck_assert_int_eq(pvhv_cons_event(c), 1000);
	}
	ck_assert_uint_eq(pvhv_cons_head(c), 10006);
	ck_assert_uint_eq(pvhv_cons_tail(c), 10006 - 4096);
	n = pvhv_cons_read(c, &pos, buf, sizeof(buf), &lost);
	ck_assert_uint_eq(lost, 10006 - 4096 - 6);
	ck_assert_uint_eq(n, 4096);
	ck_assert_int_eq(buf[4095], 'j');
	ck_assert_int_eq(buf[0], 'f');
	/* A position past the head reads nothing. */
	pos = 99999;
	ck_assert_uint_eq(pvhv_cons_read(c, &pos, buf, sizeof(buf), &lost), 0);
	pvhv_cons_free(c);
	free(in);
}
END_TEST

START_TEST(test_cons_input)
{
	struct xencons_interface *in = calloc(1, 4096);
	struct pvhv_cons *c;
	char big[PVHV_CONS_INPUT_MAX + 100], buf[2048];
	size_t got = 0, n;

	ck_assert_int_eq(pvhv_cons_new(in, notify, NULL, 4096, &c), 0);
	ck_assert_uint_eq(pvhv_cons_input(c, "ls\r", 3), 3);
	ck_assert_int_eq(pvhv_cons_event(c), 0);
	ck_assert_uint_eq(guest_in(in, buf, sizeof(buf)), 3);
	ck_assert_int_eq(memcmp(buf, "ls\r", 3), 0);
	/* Bounded queue; the 1 KiB ring takes it in pieces as the guest reads. */
	memset(big, 'x', sizeof(big));
	ck_assert_uint_eq(pvhv_cons_input(c, big, sizeof(big)), PVHV_CONS_INPUT_MAX);
	while (pvhv_cons_input_pending(c) || in->in_cons != in->in_prod) {
		ck_assert_int_eq(pvhv_cons_event(c), 0);
		n = guest_in(in, buf, sizeof(buf));
		ck_assert_uint_le(n, sizeof(in->in));
		got += n;
	}
	ck_assert_uint_eq(got, PVHV_CONS_INPUT_MAX);
	pvhv_cons_free(c);
	free(in);
}
END_TEST

START_TEST(test_cons_hostile)
{
	struct xencons_interface *in = calloc(1, 4096);
	struct pvhv_cons *c;

	ck_assert_int_eq(pvhv_cons_new(NULL, notify, NULL, 4096, &c), -EINVAL);
	ck_assert_int_eq(pvhv_cons_new(in, notify, NULL, 100, &c), -EINVAL);
	ck_assert_int_eq(pvhv_cons_new(in, notify, NULL, 4096, &c), 0);
	in->out_prod = 5000;	/* more than the ring holds */
	ck_assert_int_eq(pvhv_cons_event(c), -EPROTO);
	ck_assert_int_eq(pvhv_cons_event(c), -EPROTO);	/* stays stopped */
	ck_assert_uint_eq(pvhv_cons_input(c, "x", 1), 0);
	pvhv_cons_free(c);
	memset(in, 0, 4096);
	ck_assert_int_eq(pvhv_cons_new(in, notify, NULL, 4096, &c), 0);
	in->in_cons = 0x80000000u;	/* the guest claims to have read unwritten input */
	ck_assert_int_eq(pvhv_cons_event(c), -EPROTO);
	pvhv_cons_free(c);
	free(in);
}
END_TEST

START_TEST(test_cons_continue)
{
	struct xencons_interface *in = calloc(1, 4096);
	struct pvhv_cons *c;
	char buf[64];
	uint64_t pos = 0;

	ck_assert_int_eq(pvhv_cons_new(in, notify, NULL, 4096, &c), 0);
	guest_out(in, "first", 5);
	ck_assert_int_eq(pvhv_cons_event(c), 5);
	pvhv_cons_free(c);
	/* The backend went away; the guest kept writing. */
	guest_out(in, "second", 6);
	ck_assert_int_eq(pvhv_cons_new(in, notify, NULL, 4096, &c), 0);
	pvhv_cons_log_append(c, "first", 5);	/* restored from a log file */
	ck_assert_int_eq(pvhv_cons_event(c), 6);
	ck_assert_uint_eq(pvhv_cons_read(c, &pos, buf, sizeof(buf), NULL), 11);
	ck_assert_int_eq(memcmp(buf, "firstsecond", 11), 0);
	pvhv_cons_free(c);
	free(in);
}
END_TEST

Suite *console_suite(void)
{
	Suite *s = suite_create("console");
	TCase *tc = tcase_create("ring");

	tcase_add_test(tc, test_cons_output);
	tcase_add_test(tc, test_cons_input);
	tcase_add_test(tc, test_cons_hostile);
	tcase_add_test(tc, test_cons_continue);
	suite_add_tcase(s, tc);
	return s;
}
