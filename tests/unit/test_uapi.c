// SPDX-License-Identifier: GPL-2.0-only
/* uapi/pvhv.h layout: sizes (also asserted at build time), padding, numbers. */
#include <assert.h>
#include <stddef.h>
#include <string.h>
#include <linux/ioctl.h>

#include "pvhv_check.h"
#include "unit.h"

START_TEST(test_sizes_multiple_of_8)
{
	/* No implicit tail padding: every struct is a multiple of 8 bytes. */
	ck_assert_uint_eq(sizeof(struct pvhv_create_domain) % 8, 0);
	ck_assert_uint_eq(sizeof(struct pvhv_open_domain) % 8, 0);
	ck_assert_uint_eq(sizeof(struct pvhv_domain_info) % 8, 0);
	ck_assert_uint_eq(sizeof(struct pvhv_list_domains) % 8, 0);
	ck_assert_uint_eq(sizeof(struct pvhv_stats) % 8, 0);
}
END_TEST

START_TEST(test_no_hidden_padding)
{
	/* Sum of the fields equals the struct size: padding is explicit. */
	struct pvhv_create_domain c;
	struct pvhv_domain_info i;

	ck_assert_uint_eq(sizeof(c.flags) + sizeof(c.max_vcpus) + sizeof(c.memory_bytes) +
			  sizeof(c.name) + sizeof(c.domid) + sizeof(c.pad0) + sizeof(c.reserved),
			  sizeof(c));
	ck_assert_uint_eq(sizeof(i.domid) + sizeof(i.state) + sizeof(i.memory_bytes) +
			  sizeof(i.max_vcpus) + sizeof(i.online_vcpus) +
			  sizeof(i.shutdown_reason) + sizeof(i.flags) + sizeof(i.name) +
			  sizeof(i.current_bytes) + sizeof(i.reserved), sizeof(i));
}
END_TEST

START_TEST(test_ioctl_numbers)
{
	/* Own magic, and the size encoded in each number matches the struct. */
	ck_assert_uint_eq(_IOC_TYPE(PVHV_CREATE_DOMAIN), PVHV_IO_MAGIC);
	ck_assert_uint_eq(_IOC_TYPE(PVHV_DOMAIN_DESTROY), PVHV_IO_MAGIC);
	ck_assert_uint_eq(_IOC_SIZE(PVHV_CREATE_DOMAIN), sizeof(struct pvhv_create_domain));
	ck_assert_uint_eq(_IOC_SIZE(PVHV_OPEN_DOMAIN), sizeof(struct pvhv_open_domain));
	ck_assert_uint_eq(_IOC_SIZE(PVHV_LIST_DOMAINS), sizeof(struct pvhv_list_domains));
	ck_assert_uint_eq(_IOC_SIZE(PVHV_DOMAIN_GET_INFO), sizeof(struct pvhv_domain_info));
	ck_assert_uint_eq(_IOC_SIZE(PVHV_GET_STATS), sizeof(struct pvhv_stats));
	ck_assert_uint_eq(_IOC_DIR(PVHV_CREATE_DOMAIN), _IOC_READ | _IOC_WRITE);
	ck_assert_uint_eq(_IOC_SIZE(PVHV_GET_API_VERSION), 0);
	/* PAUSE/UNPAUSE take no struct: the argument itself must be 0. */
	ck_assert_uint_eq(PVHV_DOMAIN_PAUSE, _IO(PVHV_IO_MAGIC, 0x48));
	ck_assert_uint_eq(PVHV_DOMAIN_UNPAUSE, _IO(PVHV_IO_MAGIC, 0x49));
	ck_assert_uint_eq(PVHV_CAP_PAUSE, 16);
	ck_assert_int_eq(PVHV_API_VERSION, 1);	/* frozen */
}
END_TEST

START_TEST(test_domid_range)
{
	ck_assert_uint_eq(PVHV_DOMID_HOST, 0);
	ck_assert_uint_eq(PVHV_DOMID_FIRST, 1);
	ck_assert_uint_eq(PVHV_DOMID_MAX, 0x7FF0 - 1);	/* below Xen's DOMID_FIRST_RESERVED */
}
END_TEST

Suite *uapi_suite(void)
{
	Suite *s = suite_create("uapi");
	TCase *tc = tcase_create("layout");

	tcase_add_test(tc, test_sizes_multiple_of_8);
	tcase_add_test(tc, test_no_hidden_padding);
	tcase_add_test(tc, test_ioctl_numbers);
	tcase_add_test(tc, test_domid_range);
	suite_add_tcase(s, tc);
	return s;
}
