// SPDX-License-Identifier: GPL-2.0-only
/* vmmctl command-line parsing (vmmctl/parse.c). */
#include <errno.h>
#include <string.h>

#include "unit.h"
#include "vmmctl.h"

#define ARGV(...) ((char *[]){ __VA_ARGS__, NULL })
#define ARGC(...) ((int)(sizeof((char *[]){ __VA_ARGS__ }) / sizeof(char *)))
#define CREATE(...) vmm_parse_create(ARGC(__VA_ARGS__), ARGV(__VA_ARGS__), &o, err, sizeof(err))

START_TEST(test_create_ok)
{
	struct vmm_create_opts o;
	char err[128];

	ck_assert_int_eq(CREATE("create", "--name", "web1", "--memory", "256M"), 0);
	ck_assert_str_eq(o.name, "web1");
	ck_assert_uint_eq(o.memory_bytes, 256ULL << 20);
	ck_assert_uint_eq(o.vcpus, 1);
	ck_assert_int_eq(CREATE("create", "--memory=1G", "--name=x", "--vcpus", "4"), 0);
	ck_assert_uint_eq(o.memory_bytes, 1ULL << 30);
	ck_assert_uint_eq(o.vcpus, 4);
	ck_assert_int_eq(CREATE("create", "-n", "a", "-m", "64"), 0);
	ck_assert_uint_eq(o.memory_bytes, 64ULL << 20);
}
END_TEST

START_TEST(test_create_errors)
{
	struct vmm_create_opts o;
	char err[128];

	ck_assert_int_eq(CREATE("create", "--name", "a", "--memory", "0"), -EINVAL);
	ck_assert_ptr_nonnull(strstr(err, "greater than 0"));
	ck_assert_int_eq(CREATE("create", "--name", "a", "--memory", "lots"), -EINVAL);
	ck_assert_ptr_nonnull(strstr(err, "invalid memory size"));
	ck_assert_int_eq(CREATE("create", "--name", "a", "--memory", "1000B"), -EINVAL);
	ck_assert_ptr_nonnull(strstr(err, "multiple of 4 KiB"));
	ck_assert_int_eq(CREATE("create", "--memory", "64M"), -EINVAL);
	ck_assert_ptr_nonnull(strstr(err, "name is required"));
	ck_assert_int_eq(CREATE("create", "--name", "a"), -EINVAL);
	ck_assert_ptr_nonnull(strstr(err, "memory size is required"));
	ck_assert_int_eq(CREATE("create", "--name", "a", "--memory", "1M", "--vcpus", "0"),
			 -EINVAL);
	ck_assert_ptr_nonnull(strstr(err, "vCPU"));
	ck_assert_int_eq(CREATE("create", "--name", "a", "--memory", "1M", "--bogus"), -EINVAL);
	ck_assert_ptr_nonnull(strstr(err, "unknown option"));
	ck_assert_int_eq(CREATE("create", "a.cfg", "b.cfg"), -EINVAL);
	ck_assert_ptr_nonnull(strstr(err, "unexpected argument 'b.cfg'"));
	ck_assert_int_eq(CREATE("create", "a.cfg", "memory=64", "b.cfg"), -EINVAL);
	ck_assert_ptr_nonnull(strstr(err, "unexpected argument 'b.cfg'"));
	ck_assert_int_eq(CREATE("create", "-c", "--name", "a", "--memory", "1M"), -EINVAL);
	ck_assert_ptr_nonnull(strstr(err, "CONFIG"));
	ck_assert_int_eq(CREATE("create", "--name", "a", "--memory"), -EINVAL);
	ck_assert_ptr_nonnull(strstr(err, "needs a value"));
	ck_assert_int_eq(CREATE("create", "--name", "", "--memory", "1M"), -EINVAL);
	ck_assert_ptr_nonnull(strstr(err, "invalid name"));
}
END_TEST

START_TEST(test_create_config_args)
{
	struct vmm_create_opts o;
	char err[128];

	ck_assert_int_eq(CREATE("create", "-c", "guest.cfg", "memory=64", "name=x"), 0);
	ck_assert_str_eq(o.config, "guest.cfg");
	ck_assert_int_eq(o.console, 1);
	ck_assert_int_eq(o.noverrides, 2);
	ck_assert_str_eq(o.overrides[0], "memory=64");
	ck_assert_str_eq(o.overrides[1], "name=x");
}
END_TEST

#define CFG(text) (vmm_config_init(&c), vmm_config_parse(&c, text, err, sizeof(err)))

START_TEST(test_config_file)
{
	struct vmm_config c;
	char err[128];

	ck_assert_int_eq(CFG("# a guest\nname = \"web\"\nmemory = 256\nvcpus=2\n"
			     "kernel = '/boot/k'; ramdisk=\"/boot/i\"\n"
			     "cmdline = \"console=hvc0 a=\\\"b\\\"\"  # trailing\n"
			     "type = \"pvh\"\non_poweroff = \"preserve\"\non_crash='restart'\n"
			     "disk = [ 'phy:/dev/x,xvda,w' ]\nvif = []\n"), 0);
	ck_assert_str_eq(c.name, "web");
	ck_assert_uint_eq(c.memory_mib, 256);
	ck_assert_uint_eq(c.vcpus, 2);
	ck_assert_str_eq(c.kernel, "/boot/k");
	ck_assert_str_eq(c.ramdisk, "/boot/i");
	ck_assert_str_eq(c.cmdline, "console=hvc0 a=\"b\"");
	ck_assert_int_eq(c.on_poweroff, VMM_ACTION_PRESERVE);
	ck_assert_int_eq(c.on_reboot, VMM_ACTION_RESTART);
	ck_assert_int_eq(c.on_crash, VMM_ACTION_RESTART);
	ck_assert_int_eq(c.nr_unknown, 2);
	ck_assert_str_eq(c.unknown[0], "disk");
	ck_assert_int_eq(vmm_config_check(&c, err, sizeof(err)), 0);
}
END_TEST

START_TEST(test_config_errors)
{
	struct vmm_config c;
	char err[128];

	ck_assert_int_eq(CFG("name = \"a\"\ntype = \"hvm\"\n"), -EINVAL);
	ck_assert_ptr_nonnull(strstr(err, "line 2: type: only \"pvh\""));
	ck_assert_int_eq(CFG("memory = lots\n"), -EINVAL);
	ck_assert_ptr_nonnull(strstr(err, "line 1: memory"));
	ck_assert_int_eq(CFG("name = 'unterminated\n"), -EINVAL);
	ck_assert_ptr_nonnull(strstr(err, "unterminated string"));
	ck_assert_int_eq(CFG("name \"x\"\n"), -EINVAL);
	ck_assert_ptr_nonnull(strstr(err, "expected '='"));
	ck_assert_int_eq(CFG("name = x\n"), -EINVAL);
	ck_assert_ptr_nonnull(strstr(err, "quoted string"));
	ck_assert_int_eq(CFG("on_crash = \"explode\"\n"), -EINVAL);
	ck_assert_ptr_nonnull(strstr(err, "not destroy, restart or preserve"));
	ck_assert_int_eq(CFG("vcpus = 0\n"), -EINVAL);
	ck_assert_int_eq(CFG("disk = [ 'x'\n"), -EINVAL);
	ck_assert_int_eq(CFG("name = \"a\" junk\n"), -EINVAL);
	ck_assert_int_eq(CFG("name = \"a\"\n"), 0);
	ck_assert_int_eq(vmm_config_check(&c, err, sizeof(err)), -EINVAL);
	ck_assert_ptr_nonnull(strstr(err, "no kernel"));
}
END_TEST

START_TEST(test_config_override)
{
	struct vmm_config c;
	char err[128];

	vmm_config_init(&c);
	ck_assert_int_eq(vmm_config_override(&c, "memory=64", err, sizeof(err)), 0);
	ck_assert_uint_eq(c.memory_mib, 64);
	ck_assert_int_eq(vmm_config_override(&c, "name=web2", err, sizeof(err)), 0);
	ck_assert_str_eq(c.name, "web2");
	ck_assert_int_eq(vmm_config_override(&c, "cmdline='a b'", err, sizeof(err)), 0);
	ck_assert_str_eq(c.cmdline, "a b");
	ck_assert_int_eq(vmm_config_override(&c, "=3", err, sizeof(err)), -EINVAL);
}
END_TEST

START_TEST(test_exit_codes)
{
	ck_assert_int_eq(vmm_shutdown_exit_code(PVHV_STATE_SHUTDOWN, 0), 0);
	ck_assert_int_eq(vmm_shutdown_exit_code(PVHV_STATE_SHUTDOWN, 1), 3);
	ck_assert_int_eq(vmm_shutdown_exit_code(PVHV_STATE_CRASHED, 3), 5);
	ck_assert_int_eq(vmm_shutdown_exit_code(PVHV_STATE_SHUTDOWN, 4), 6);
}
END_TEST

START_TEST(test_list)
{
	struct vmm_list_opts o;
	char err[128];

	ck_assert_int_eq(vmm_parse_list(1, ARGV("list"), &o, err, sizeof(err)), 0);
	ck_assert_int_eq(o.json, 0);
	ck_assert_int_eq(vmm_parse_list(2, ARGV("list", "--json"), &o, err, sizeof(err)), 0);
	ck_assert_int_eq(o.json, 1);
	ck_assert_int_eq(vmm_parse_list(2, ARGV("list", "--xml"), &o, err, sizeof(err)), -EINVAL);
}
END_TEST

START_TEST(test_json_string)
{
	char out[64];

	ck_assert_int_eq(vmm_json_string("web1", 64, out, sizeof(out)), 0);
	ck_assert_str_eq(out, "\"web1\"");
	ck_assert_int_eq(vmm_json_string("a\"b\\c\n", 64, out, sizeof(out)), 0);
	ck_assert_str_eq(out, "\"a\\\"b\\\\c\\u000a\"");
	ck_assert_int_eq(vmm_json_string("abcdef", 3, out, sizeof(out)), 0);
	ck_assert_str_eq(out, "\"abc\"");
	ck_assert_int_eq(vmm_json_string("abcdef", 64, out, 5), -ENOSPC);
}
END_TEST

Suite *vmmctl_suite(void)
{
	Suite *s = suite_create("vmmctl");
	TCase *tc = tcase_create("parse");

	tcase_add_test(tc, test_create_ok);
	tcase_add_test(tc, test_create_errors);
	tcase_add_test(tc, test_create_config_args);
	tcase_add_test(tc, test_config_file);
	tcase_add_test(tc, test_config_errors);
	tcase_add_test(tc, test_config_override);
	tcase_add_test(tc, test_exit_codes);
	tcase_add_test(tc, test_list);
	tcase_add_test(tc, test_json_string);
	suite_add_tcase(s, tc);
	return s;
}
