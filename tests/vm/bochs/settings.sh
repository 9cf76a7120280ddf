# SPDX-License-Identifier: GPL-2.0-only
# Settings of the bochs boot, sourced before the test files (see plan; also
# with PVHV_VM_TESTS selecting among them).

# The guest's clock under bochs (clock: sync=none) advances with the
# instructions bochs emulates (ips=200000000 in boot.sh), not with the host's
# wall clock, so host load does not change it. Measured there: the destroy of
# a spinning guest 40 ms, rmmod under live domains 160 ms (bounds 1000 and
# 2000 ms under QEMU). Those bounds, doubled, are verdicts here too.
TIME_SCALE=2
diag "bochs: guest-clock bounds scaled by ${TIME_SCALE}"

# linux/50-linux.sh: one boot of Debian's kernel to its shell (bochs is slow).
LINUX_PLAN=boot
