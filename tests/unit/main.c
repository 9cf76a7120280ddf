// SPDX-License-Identifier: GPL-2.0-only
/* Runs every unit-test suite; exits non-zero on any failure. */
#include <stdlib.h>

#include "unit.h"

int main(void)
{
	SRunner *sr = srunner_create(uapi_suite());
	int failed;

	srunner_add_suite(sr, lib_suite());
	srunner_add_suite(sr, vmmctl_suite());
	srunner_add_suite(sr, loader_suite());
	srunner_add_suite(sr, xenstore_suite());
	srunner_add_suite(sr, console_suite());
	srunner_add_suite(sr, toolstack_suite());
	srunner_add_suite(sr, acpi_suite());
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
