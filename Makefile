# SPDX-License-Identifier: GPL-2.0-only
#
# pvhv: make            builds module/pvhv.ko, libpvhv (.so/.a/.pc) and vmmctl
#       make check      unit tests, then the VM tests on every installed kernel
#       make fuzz       the loader's libFuzzer target for FUZZ_TIME (60) seconds
#       make install    installs library, headers, vmmctl, udev rule, systemd unit (DESTDIR, PREFIX)
#
# KDIR (the kernel build tree) defaults to the running kernel's, or, when the
# running kernel has none, to the newest installed Debian linux-headers.

KVER ?= $(shell uname -r)
KDIR ?= $(or $(wildcard /lib/modules/$(KVER)/build),$(patsubst %/Module.symvers,%,$(lastword $(shell ls -d /usr/src/linux-headers-*/Module.symvers 2>/dev/null | sort -V))))

CC ?= gcc
AR ?= ar
PREFIX ?= /usr/local
LIBDIR ?= $(PREFIX)/lib
INCLUDEDIR ?= $(PREFIX)/include
BINDIR ?= $(PREFIX)/bin

LIB_MAJOR := 1
LIB_VERSION := 1.0.0
SONAME := libpvhv.so.$(LIB_MAJOR)

WARN := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
	-Wformat=2 -Wno-format-nonliteral
CFLAGS ?= -O2 -g
USER_CFLAGS := -std=gnu11 -D_GNU_SOURCE $(WARN) -Iuapi -Ilib $(CFLAGS)

LIB_SRCS := lib/libpvhv.c lib/loader.c lib/bzimage.c lib/xs_tree.c lib/xenstored.c lib/xs_save.c lib/xs_client.c lib/xencons.c
LIB_OBJS := $(LIB_SRCS:.c=.o)
LIB_PIC_OBJS := $(LIB_SRCS:.c=.pic.o)
# The kernel decompressors (lib/bzimage.c); libpvhv.pc.in lists them too.
LIB_LIBS := -lz -llzma -lzstd -llz4 -lbz2
VMMCTL_SRCS := $(wildcard vmmctl/*.c)
VMMCTL_OBJS := $(VMMCTL_SRCS:.c=.o)
HDRS := uapi/pvhv.h uapi/pvhv_check.h lib/libpvhv.h lib/pvhv_xenstore.h lib/pvhv_console.h lib/xs_internal.h lib/kernel_image.h vmmctl/vmmctl.h

.PHONY: bench all module lib guests userspace check check-unit check-vm vm-helpers header-check install clean

# libpvhv's ACPI tables (lib/acpi.c, lib/acpi.h).
LIB_OBJS += lib/acpi.o
LIB_PIC_OBJS += lib/acpi.pic.o
HDRS += lib/acpi.h

all: module userspace

userspace: lib vmmctl/vmmctl header-check guests

module:
	@test -n "$(KDIR)" || { echo "No kernel build tree: install linux-headers or set KDIR=" >&2; exit 1; }
	$(MAKE) -C $(KDIR) M=$(CURDIR) modules

lib: lib/libpvhv.so lib/libpvhv.a lib/libpvhv.pc

lib/%.o: lib/%.c $(HDRS)
	$(CC) $(USER_CFLAGS) -fvisibility=hidden -c -o $@ $<

lib/%.pic.o: lib/%.c $(HDRS)
	$(CC) $(USER_CFLAGS) -fvisibility=hidden -fPIC -c -o $@ $<

lib/libpvhv.so.$(LIB_VERSION): $(LIB_PIC_OBJS)
	$(CC) -shared -Wl,-soname,$(SONAME) -Wl,-z,defs -o $@ $^ $(LIB_LIBS)

lib/$(SONAME): lib/libpvhv.so.$(LIB_VERSION)
	ln -sf $(notdir $<) $@

lib/libpvhv.so: lib/$(SONAME)
	ln -sf $(notdir $<) $@

lib/libpvhv.a: $(LIB_OBJS)
	rm -f $@
	$(AR) rcs $@ $^

lib/libpvhv.pc: lib/libpvhv.pc.in Makefile
	sed -e 's|@PREFIX@|$(PREFIX)|; s|@LIBDIR@|$(LIBDIR)|; s|@INCLUDEDIR@|$(INCLUDEDIR)|; s|@VERSION@|$(LIB_VERSION)|' $< > $@

# vmmctl monitor and the daemon: lifecycle events over generic netlink (libnl-genl).
NL_CFLAGS := $(shell pkg-config --cflags libnl-genl-3.0 2>/dev/null)
NL_LIBS := $(shell pkg-config --libs libnl-genl-3.0 2>/dev/null)

vmmctl/%.o: vmmctl/%.c $(HDRS)
	$(CC) $(USER_CFLAGS) -c -o $@ $<

vmmctl/cmd_monitor.o vmmctl/daemon.o: vmmctl/%.o: vmmctl/%.c $(HDRS)
	@pkg-config --exists libnl-genl-3.0 || { echo "vmmctl needs libnl-genl-3 (scripts/setup-deps)" >&2; exit 1; }
	$(CC) $(USER_CFLAGS) $(NL_CFLAGS) -c -o $@ $<

vmmctl/vmmctl: $(VMMCTL_OBJS) lib/libpvhv.so
	$(CC) -o $@ $(VMMCTL_OBJS) -Llib -lpvhv $(NL_LIBS) -Wl,-rpath,'$$ORIGIN/../lib'

# uapi/pvhv.h must compile on its own in userspace (the module build checks
# the kernel side, including uapi/pvhv_check.h's layout asserts).
header-check: tests/.uapi-standalone.stamp
tests/.uapi-standalone.stamp: uapi/pvhv.h uapi/pvhv_check.h
	echo '#include "pvhv.h"' | $(CC) -std=c99 $(WARN) -pedantic -Iuapi -x c -fsyntax-only -
	echo '#include <assert.h>\n#include <stddef.h>\n#include "pvhv_check.h"' | \
		$(CC) -std=c11 $(WARN) -Iuapi -x c -fsyntax-only -
	touch $@

include guests/guests.mk
include tests/unit/unit.mk
include tests/fuzz/fuzz.mk
include tests/vm/vm.mk

check: userspace vm-helpers
	tests/check

check-vm: userspace vm-helpers
	tests/vm/run

# Benchmarks print figures beside a peer measured in the same VM boot.
bench: userspace vm-helpers
	PVHV_VM_SUITE=bench tests/vm/run $(BENCH_KERNEL)

install: userspace
	install -d $(DESTDIR)$(LIBDIR)/pkgconfig $(DESTDIR)$(INCLUDEDIR)/pvhv $(DESTDIR)$(BINDIR) \
		$(DESTDIR)/usr/lib/udev/rules.d $(DESTDIR)/usr/lib/systemd/system
	install -m 0644 lib/libpvhv.so.$(LIB_VERSION) lib/libpvhv.a $(DESTDIR)$(LIBDIR)/
	ln -sf libpvhv.so.$(LIB_VERSION) $(DESTDIR)$(LIBDIR)/$(SONAME)
	ln -sf $(SONAME) $(DESTDIR)$(LIBDIR)/libpvhv.so
	install -m 0644 lib/libpvhv.pc $(DESTDIR)$(LIBDIR)/pkgconfig/
	install -m 0644 lib/libpvhv.h lib/pvhv_xenstore.h lib/pvhv_console.h uapi/pvhv.h $(DESTDIR)$(INCLUDEDIR)/pvhv/
	install -m 0755 vmmctl/vmmctl $(DESTDIR)$(BINDIR)/
	install -m 0644 scripts/60-pvhv.rules $(DESTDIR)/usr/lib/udev/rules.d/
	sed 's|@BINDIR@|$(BINDIR)|g' scripts/pvhvd.service.in > $(DESTDIR)/usr/lib/systemd/system/pvhvd.service

clean:
	-$(if $(KDIR),$(MAKE) -C $(KDIR) M=$(CURDIR) clean)
	rm -f lib/*.o lib/libpvhv.so* lib/libpvhv.a lib/libpvhv.pc vmmctl/*.o vmmctl/vmmctl
	rm -f tests/.uapi-standalone.stamp
	rm -rf tests/unit/out tests/vm/out guests/out
