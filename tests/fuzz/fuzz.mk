# SPDX-License-Identifier: GPL-2.0-only
# make fuzz: the PVH loader's libFuzzer target (tests/fuzz/fuzz_loader.c),
# built with clang's fuzzer, address and undefined-behaviour sanitizers and
# run for FUZZ_TIME seconds, seeded with the unit tests' bzImages (written by
# tests/unit/test_loader.c when PVHV_FUZZ_CORPUS names a directory). The
# corpus it grows stays in tests/fuzz/out/corpus for the next run; a crash
# leaves its input in tests/fuzz/out/. Not part of "make check".

FUZZ_OUT := tests/fuzz/out
FUZZ_TIME ?= 60
FUZZ_CC ?= clang
FUZZ_SRCS := tests/fuzz/fuzz_loader.c lib/loader.c lib/bzimage.c lib/acpi.c lib/libpvhv.c

.PHONY: fuzz

$(FUZZ_OUT)/fuzz_loader: $(FUZZ_SRCS) $(HDRS) tests/fuzz/fuzz.mk
	@mkdir -p $(FUZZ_OUT)
	$(FUZZ_CC) -std=gnu11 -D_GNU_SOURCE -Iuapi -Ilib -g -O1 \
		-fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
		-o $@ $(FUZZ_SRCS) $(LIB_LIBS)

fuzz: $(FUZZ_OUT)/fuzz_loader $(UNIT_OUT)/unit-tests
	rm -rf $(FUZZ_OUT)/seed
	mkdir -p $(FUZZ_OUT)/seed $(FUZZ_OUT)/corpus
	PVHV_FUZZ_CORPUS=$(FUZZ_OUT)/seed CK_RUN_SUITE=loader CK_RUN_CASE=bzimage \
		$(UNIT_OUT)/unit-tests >/dev/null
	$(FUZZ_OUT)/fuzz_loader -max_total_time=$(FUZZ_TIME) -max_len=65536 -timeout=10 \
		-artifact_prefix=$(FUZZ_OUT)/ $(FUZZ_OUT)/corpus $(FUZZ_OUT)/seed
