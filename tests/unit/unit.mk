# SPDX-License-Identifier: GPL-2.0-only
# Unit tests (Debian's "check"): libpvhv argument validation and parsing,
# vmmctl parsing, the uapi layout. Included by the top-level Makefile.

UNIT_OUT := tests/unit/out
UNIT_SRCS := $(wildcard tests/unit/*.c)
CHECK_CFLAGS := $(shell pkg-config --cflags check 2>/dev/null)
CHECK_LIBS := $(shell pkg-config --libs check 2>/dev/null)

$(UNIT_OUT)/unit-tests: $(UNIT_SRCS) tests/unit/unit.h lib/libpvhv.a vmmctl/parse.o vmmctl/config.o vmmctl/build.o $(HDRS)
	@mkdir -p $(UNIT_OUT)
	@pkg-config --exists check || { echo "unit tests need Debian's 'check' (scripts/setup-deps)" >&2; exit 1; }
	$(CC) $(USER_CFLAGS) -Ivmmctl $(CHECK_CFLAGS) -o $@ $(UNIT_SRCS) vmmctl/parse.o vmmctl/config.o vmmctl/build.o \
		lib/libpvhv.a $(LIB_LIBS) $(CHECK_LIBS) -lpthread

check-unit: $(UNIT_OUT)/unit-tests header-check
	CK_FORK=yes $(UNIT_OUT)/unit-tests
