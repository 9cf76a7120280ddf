// SPDX-License-Identifier: GPL-2.0-only
/*
 * libpvhv without the module: argument validation (-errno, never a crash or
 * exit), errors passed up from the kernel (-ENOTTY from a non-pvhv fd,
 * -ENOENT for a missing device), parsers and names.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <unistd.h>

#include "libpvhv.h"
#include "unit.h"

START_TEST(test_bad_fds)
{
	struct pvhv_domain_info info;
	struct pvhv_domain_config cfg = { .name = "a", .memory_bytes = 1 << 20 };
	struct pvhv_domain_info *infos;
	struct pvhv_stats st;
	size_t n;
	uint64_t v;
	void *p;

	ck_assert_int_eq(pvhv_api_version(-1), -EBADF);
	ck_assert_int_eq(pvhv_check_extension(-1, PVHV_CAP_VENDOR, &v), -EBADF);
	ck_assert_int_eq(pvhv_get_stats(-1, &st), -EBADF);
	ck_assert_int_eq(pvhv_domain_create(-1, &cfg, NULL), -EBADF);
	ck_assert_int_eq(pvhv_domain_open(-1, 1), -EBADF);
	ck_assert_int_eq(pvhv_domain_list(-1, &infos, &n), -EBADF);
	ck_assert_int_eq(pvhv_domain_get_info(-1, &info), -EBADF);
	ck_assert_int_eq(pvhv_domain_destroy(-1), -EBADF);
	ck_assert_int_eq(pvhv_domain_map(-1, 0, 4096, 0, &p), -EBADF);
	ck_assert_int_eq(pvhv_close(-1), -EBADF);
	/* A closed, never-opened descriptor number. */
	ck_assert_int_eq(pvhv_api_version(1000), -EBADF);
}
END_TEST

START_TEST(test_null_args)
{
	size_t n;
	uint32_t id;
	void *p;
	struct pvhv_domain_info *infos;

	ck_assert_int_eq(pvhv_check_extension(0, PVHV_CAP_VENDOR, NULL), -EINVAL);
	ck_assert_int_eq(pvhv_get_stats(0, NULL), -EINVAL);
	ck_assert_int_eq(pvhv_domain_create(0, NULL, NULL), -EINVAL);
	ck_assert_int_eq(pvhv_domain_list(0, NULL, &n), -EINVAL);
	ck_assert_int_eq(pvhv_domain_list(0, &infos, NULL), -EINVAL);
	ck_assert_int_eq(pvhv_domain_get_info(0, NULL), -EINVAL);
	ck_assert_int_eq(pvhv_domain_map(0, 0, 4096, 0, NULL), -EINVAL);
	ck_assert_int_eq(pvhv_domain_unmap(NULL, 4096), -EINVAL);
	ck_assert_int_eq(pvhv_domain_find(0, NULL, &id), -EINVAL);
	ck_assert_int_eq(pvhv_domain_find(0, "x", NULL), -EINVAL);
	ck_assert_int_eq(pvhv_domain_find(0, "", &id), -EINVAL);
	(void)p;
}
END_TEST

START_TEST(test_create_config)
{
	struct pvhv_domain_config cfg = { .name = "ok", .memory_bytes = 1 << 20 };
	char longname[PVHV_NAME_LEN + 1];

	memset(longname, 'a', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = '\0';

	cfg.memory_bytes = 0;
	ck_assert_int_eq(pvhv_domain_create(0, &cfg, NULL), -EINVAL);
	cfg.memory_bytes = 4095;
	ck_assert_int_eq(pvhv_domain_create(0, &cfg, NULL), -EINVAL);
	cfg.memory_bytes = 1 << 20;
	cfg.name = NULL;
	ck_assert_int_eq(pvhv_domain_create(0, &cfg, NULL), -EINVAL);
	cfg.name = "";
	ck_assert_int_eq(pvhv_domain_create(0, &cfg, NULL), -EINVAL);
	cfg.name = longname;
	ck_assert_int_eq(pvhv_domain_create(0, &cfg, NULL), -EINVAL);
}
END_TEST

START_TEST(test_map_args)
{
	void *p;

	ck_assert_int_eq(pvhv_domain_map(0, 0, 0, 0, &p), -EINVAL);	/* empty */
	ck_assert_int_eq(pvhv_domain_map(0, 100, 4096, 0, &p), -EINVAL);	/* unaligned */
	ck_assert_int_eq(pvhv_domain_map(0, UINT64_MAX & ~4095ULL, 4096, 0, &p), -EINVAL);
}
END_TEST

START_TEST(test_not_a_pvhv_fd)
{
	/* Kernel errors come back as -errno: /dev/null knows no pvhv ioctl. */
	int fd = open("/dev/null", O_RDWR);
	struct pvhv_domain_info info;
	uint64_t v;

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(pvhv_api_version(fd), -ENOTTY);
	ck_assert_int_eq(pvhv_check_extension(fd, PVHV_CAP_VENDOR, &v), -ENOTTY);
	ck_assert_int_eq(pvhv_domain_get_info(fd, &info), -ENOTTY);
	ck_assert_int_eq(pvhv_domain_destroy(fd), -ENOTTY);
	close(fd);
}
END_TEST

START_TEST(test_open_missing)
{
	ck_assert_int_eq(pvhv_open("/nonexistent/pvhv"), -ENOENT);
}
END_TEST

START_TEST(test_parse_memory)
{
	uint64_t b;

	ck_assert_int_eq(pvhv_parse_memory("512", &b), 0);
	ck_assert_uint_eq(b, 512ULL << 20);
	ck_assert_int_eq(pvhv_parse_memory("512M", &b), 0);
	ck_assert_uint_eq(b, 512ULL << 20);
	ck_assert_int_eq(pvhv_parse_memory("2G", &b), 0);
	ck_assert_uint_eq(b, 2ULL << 30);
	ck_assert_int_eq(pvhv_parse_memory("2GiB", &b), 0);
	ck_assert_uint_eq(b, 2ULL << 30);
	ck_assert_int_eq(pvhv_parse_memory("64k", &b), 0);
	ck_assert_uint_eq(b, 64ULL << 10);
	ck_assert_int_eq(pvhv_parse_memory("4096B", &b), 0);
	ck_assert_uint_eq(b, 4096);
	ck_assert_int_eq(pvhv_parse_memory("0", &b), 0);
	ck_assert_uint_eq(b, 0);
	ck_assert_int_eq(pvhv_parse_memory("", &b), -EINVAL);
	ck_assert_int_eq(pvhv_parse_memory("M", &b), -EINVAL);
	ck_assert_int_eq(pvhv_parse_memory("-1", &b), -EINVAL);
	ck_assert_int_eq(pvhv_parse_memory("12X", &b), -EINVAL);
	ck_assert_int_eq(pvhv_parse_memory("12MM", &b), -EINVAL);
	ck_assert_int_eq(pvhv_parse_memory(" 12", &b), -EINVAL);
	ck_assert_int_eq(pvhv_parse_memory("99999999999999999999", &b), -ERANGE);
	ck_assert_int_eq(pvhv_parse_memory("17179869184T", &b), -ERANGE);
	ck_assert_int_eq(pvhv_parse_memory(NULL, &b), -EINVAL);
}
END_TEST

START_TEST(test_parse_domid)
{
	uint32_t d;

	ck_assert_int_eq(pvhv_parse_domid("1", &d), 0);
	ck_assert_uint_eq(d, 1);
	ck_assert_int_eq(pvhv_parse_domid("32751", &d), 0);
	ck_assert_uint_eq(d, 32751);
	ck_assert_int_eq(pvhv_parse_domid("0", &d), -ERANGE);
	ck_assert_int_eq(pvhv_parse_domid("32752", &d), -ERANGE);
	ck_assert_int_eq(pvhv_parse_domid("web1", &d), -EINVAL);
	ck_assert_int_eq(pvhv_parse_domid("1x", &d), -EINVAL);
	ck_assert_int_eq(pvhv_parse_domid("", &d), -EINVAL);
}
END_TEST

START_TEST(test_names)
{
	ck_assert_str_eq(pvhv_state_name(PVHV_STATE_CREATED), "created");
	ck_assert_str_eq(pvhv_state_name(PVHV_STATE_DYING), "dying");
	ck_assert_str_eq(pvhv_state_name(999), "unknown");
	ck_assert_str_eq(pvhv_vendor_name(PVHV_VENDOR_SVM), "svm");
	ck_assert_str_eq(pvhv_vendor_name(PVHV_VENDOR_VMX), "vmx");
	ck_assert_str_eq(pvhv_vendor_name(0), "none");
	ck_assert_str_eq(pvhv_shutdown_reason_name(0), "poweroff");
	ck_assert_str_eq(pvhv_shutdown_reason_name(3), "crash");
	ck_assert_str_eq(pvhv_shutdown_reason_name(77), "unknown");
}
END_TEST

Suite *lib_suite(void)
{
	Suite *s = suite_create("libpvhv");
	TCase *tc = tcase_create("args");

	tcase_add_test(tc, test_bad_fds);
	tcase_add_test(tc, test_null_args);
	tcase_add_test(tc, test_create_config);
	tcase_add_test(tc, test_map_args);
	tcase_add_test(tc, test_not_a_pvhv_fd);
	tcase_add_test(tc, test_open_missing);
	tcase_add_test(tc, test_parse_memory);
	tcase_add_test(tc, test_parse_domid);
	tcase_add_test(tc, test_names);
	suite_add_tcase(s, tc);
	return s;
}
