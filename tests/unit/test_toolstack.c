// SPDX-License-Identifier: GPL-2.0-only
/*
 * The toolstack's side of xenstore without a module: the /local/domain/<id>
 * skeleton the builder writes (values and libxl's permissions), the
 * /pvhv/domain/<id> record read back for a restart, its removal, and which
 * on_* action applies to which way of stopping.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <xen/io/xs_wire.h>

#include "pvhv_xenstore.h"
#include "unit.h"
#include "vmmctl.h"

static int t_write(void *o, const char *path, const char *val)
{
	return pvhv_xs_write_str(o, path, val);
}

static int t_set_perms(void *o, const char *path, const char *perms)
{
	return pvhv_xs_set_perms(o, path, perms);
}

static int t_rm(void *o, const char *path)
{
	return pvhv_xs_rm(o, path);
}

static int t_read(void *o, const char *path, char **val)
{
	return pvhv_xs_read(o, path, val, NULL);
}

static struct vmm_xs store_ops(struct pvhv_xs *xs)
{
	struct vmm_xs x = { .opaque = xs, .write = t_write, .set_perms = t_set_perms, .rm = t_rm,
			    .read = t_read };
	return x;
}

static void expect(struct pvhv_xs *xs, const char *path, const char *val)
{
	char *v = NULL;

	ck_assert_msg(!pvhv_xs_read(xs, path, &v, NULL), "%s is missing", path);
	ck_assert_msg(!strcmp(v, val), "%s = '%s', not '%s'", path, v, val);
	free(v);
}

static void expect_perms(struct pvhv_xs *xs, const char *path, const char *perms, size_t len)
{
	void *r;
	size_t n;

	ck_assert_int_eq(pvhv_xs_request(xs, XS_GET_PERMS, path, strlen(path) + 1, &r, &n), 0);
	ck_assert_msg(n == len && !memcmp(r, perms, len), "permissions of %s", path);
	free(r);
}

START_TEST(test_skeleton)
{
	struct vmm_config c, back;
	struct vmm_built b = { .domid = 5, .store_gfn = 4094, .cons_gfn = 4095, .store_port = 1,
			       .cons_port = 2 };
	struct pvhv_xs *xs;
	struct vmm_xs x;
	char err[64], *v;

	ck_assert_int_eq(pvhv_xs_new(NULL, NULL, &xs), 0);
	x = store_ops(xs);
	vmm_config_init(&c);
	ck_assert_int_eq(vmm_config_parse(&c, "name=\"web\"\nmemory=16\nvcpus=2\nkernel=\"/k\"\n"
					  "cmdline=\"a b\"\non_reboot=\"preserve\"\n", err, sizeof(err)),
			 0);
	ck_assert_int_eq(vmm_write_skeleton(&x, 5, &c, &b), 0);
	expect(xs, "/local/domain/5/name", "web");
	expect(xs, "/local/domain/5/domid", "5");
	expect(xs, "/local/domain/5/memory/target", "16384");
	expect(xs, "/local/domain/5/cpu/1/availability", "online");
	expect(xs, "/local/domain/5/store/ring-ref", "4094");
	expect(xs, "/local/domain/5/store/port", "1");
	expect(xs, "/local/domain/5/console/ring-ref", "4095");
	expect(xs, "/local/domain/5/console/port", "2");
	expect(xs, "/local/domain/5/control/platform-feature-xs_reset_watches", "1");
	/* libxl's permissions: the home is domain 0's, readable by the guest... */
	expect_perms(xs, "/local/domain/5", "n0\0r5\0", 6);
	expect_perms(xs, "/local/domain/5/name", "n0\0r5\0", 6);
	/* ...the keys it answers in are its own. */
	expect_perms(xs, "/local/domain/5/control/shutdown", "n5\0", 3);
	expect_perms(xs, "/local/domain/5/data", "n5\0", 3);
	/* The toolstack's record is domain 0's only. */
	expect_perms(xs, "/pvhv/domain/5/kernel", "n0\0", 3);
	/* ...and gives the configuration back. */
	ck_assert_int_eq(vmm_read_config(&x, 5, &back), 0);
	ck_assert_str_eq(back.name, "web");
	ck_assert_str_eq(back.kernel, "/k");
	ck_assert_str_eq(back.cmdline, "a b");
	ck_assert_uint_eq(back.memory_mib, 16);
	ck_assert_uint_eq(back.vcpus, 2);
	ck_assert_int_eq(back.on_poweroff, VMM_ACTION_DESTROY);
	ck_assert_int_eq(back.on_reboot, VMM_ACTION_PRESERVE);
	ck_assert_int_eq(back.on_crash, VMM_ACTION_DESTROY);
	ck_assert_int_eq(vmm_read_config(&x, 6, &back), -ENOENT);
	vmm_remove_skeleton(&x, 5);
	ck_assert_int_eq(pvhv_xs_read(xs, "/local/domain/5", &v, NULL), -ENOENT);
	ck_assert_int_eq(pvhv_xs_read(xs, "/pvhv/domain/5", &v, NULL), -ENOENT);
	pvhv_xs_free(xs);
}
END_TEST

START_TEST(test_stop_action)
{
	struct vmm_config c;

	vmm_config_init(&c);
	c.on_poweroff = VMM_ACTION_PRESERVE;
	c.on_reboot = VMM_ACTION_RESTART;
	c.on_crash = VMM_ACTION_DESTROY;
	ck_assert_int_eq(vmm_stop_action(&c, PVHV_STATE_SHUTDOWN, 0), VMM_ACTION_PRESERVE);
	ck_assert_int_eq(vmm_stop_action(&c, PVHV_STATE_SHUTDOWN, 1), VMM_ACTION_RESTART);
	ck_assert_int_eq(vmm_stop_action(&c, PVHV_STATE_SHUTDOWN, 3), VMM_ACTION_DESTROY);
	ck_assert_int_eq(vmm_stop_action(&c, PVHV_STATE_CRASHED, 0), VMM_ACTION_DESTROY);
	ck_assert_int_eq(vmm_stop_action(&c, PVHV_STATE_SHUTDOWN, 4), VMM_ACTION_PRESERVE);
}
END_TEST

Suite *toolstack_suite(void)
{
	Suite *s = suite_create("toolstack");
	TCase *tc = tcase_create("skeleton");

	tcase_add_test(tc, test_skeleton);
	tcase_add_test(tc, test_stop_action);
	suite_add_tcase(s, tc);
	return s;
}
