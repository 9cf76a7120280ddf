# SPDX-License-Identifier: GPL-2.0-only
# Freestanding PVH test guests (ELF64, plus an ELF32 copy of hello), and
# 32-bit (i386) guests on their own entry (rt/pvh32.S): Xen's compat ABI.
GUEST_OUT := guests/out
GUEST_CFLAGS := -std=gnu11 -O2 -g -Wall -Wextra -Werror -ffreestanding -fno-pic -fno-pie \
	-fno-stack-protector -fcf-protection=none -mno-red-zone -mgeneral-regs-only \
	-fno-asynchronous-unwind-tables -Iguests/rt \
	-D__XEN_INTERFACE_VERSION__=__XEN_LATEST_INTERFACE_VERSION__
GUEST_LDFLAGS := -nostdlib -static -no-pie -Wl,-T,guests/rt/guest.ld -Wl,--build-id=none \
	-Wl,-z,max-page-size=4096 -Wl,--no-warn-rwx-segments
GUEST_NAMES := hello cputest hostile triple spin bench shutdown shinfo evtchn smp peer fuzz balloon \
	runstate storm gnttab grant xenstore console hostgnt ticker layout vcpuctx stall \
	hltoff lapic
# NAME32 is guests/NAME.c built for i386 (compat: only that way).
GUEST32_NAMES := compat32 fuzz32 stall32
GUEST_RT := guests/rt/pvh.S guests/rt/pvh32.S guests/rt/excstubs.inc guests/rt/rt.c guests/rt/rt.h guests/rt/guest.ld
GUEST32 := $(GUEST32_NAMES:%=$(GUEST_OUT)/%.elf)
GUESTS := $(GUEST_NAMES:%=$(GUEST_OUT)/%.elf) $(GUEST_OUT)/hello32.elf $(GUEST32)

$(GUEST_OUT)/%.elf: guests/%.c $(GUEST_RT) guests/guests.mk
	@mkdir -p $(GUEST_OUT)
	$(CC) $(GUEST_CFLAGS) $(GUEST_LDFLAGS) -o $@ guests/rt/pvh.S guests/rt/rt.c $<

# i386: no red zone to turn off; the linker script's format is the 64-bit one.
$(GUEST32): $(GUEST_OUT)/%32.elf: guests/%.c $(GUEST_RT) guests/guests.mk
	@mkdir -p $(GUEST_OUT)
	$(CC) -m32 $(filter-out -mno-red-zone,$(GUEST_CFLAGS)) $(GUEST_LDFLAGS) -Wl,--oformat=elf32-i386 \
		-o $@ guests/rt/pvh32.S guests/rt/rt.c $<

# The same guest as an ELFCLASS32 image (elf32-x86-64), as Xen test kernels are.
$(GUEST_OUT)/hello32.elf: $(GUEST_OUT)/hello.elf
	objcopy -O elf32-x86-64 $< $@

guests: $(GUESTS)
