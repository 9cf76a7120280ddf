# SPDX-License-Identifier: GPL-2.0-only
# Programs that run inside the test VM. Included by the top-level Makefile.
VM_BIN := tests/vm/out/bin
VM_HELPERS := $(VM_BIN)/pvhv-test $(VM_BIN)/kvm-hold $(VM_BIN)/kvm-bench $(VM_BIN)/xs-test \
	$(VM_BIN)/pvhv-lat

$(VM_BIN)/%: tests/vm/helpers/%.c lib/libpvhv.so $(HDRS) tests/vm/vm.mk
	@mkdir -p $(VM_BIN)
	$(CC) $(USER_CFLAGS) -o $@ $< -Llib -lpvhv -Wl,-rpath,'$$ORIGIN/../lib'

vm-helpers: $(VM_HELPERS)
