/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef PVHV_UNIT_H
#define PVHV_UNIT_H

#include <check.h>

Suite *uapi_suite(void);
Suite *lib_suite(void);
Suite *vmmctl_suite(void);
Suite *loader_suite(void);
Suite *xenstore_suite(void);
Suite *console_suite(void);
Suite *toolstack_suite(void);
Suite *acpi_suite(void);

#endif
