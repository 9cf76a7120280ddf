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
	ck_assert_int_eq(CREATE("create", "--name", "a", "--memory", "1M", "extra"), -EINVAL);
	ck_assert_ptr_nonnull(strstr(err, "unexpected argument"));
	ck_assert_int_eq(CREATE("create", "--name", "a", "--memory"), -EINVAL);
	ck_assert_ptr_nonnull(strstr(err, "needs a value"));
	ck_assert_int_eq(CREATE("create", "--name", "", "--memory", "1M"), -EINVAL);
	ck_assert_ptr_nonnull(strstr(err, "invalid name"));
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
	tcase_add_test(tc, test_list);
	tcase_add_test(tc, test_json_string);
	suite_add_tcase(s, tc);
	return s;
}
