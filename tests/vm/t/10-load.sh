# SPDX-License-Identifier: GPL-2.0-only
# Loading pvhv.ko: the device, its udev permissions, vmmctl info.

check_fail "vmmctl info without the module: clear error, non-zero exit" \
	"not loaded" vmmctl info
MEM_BEFORE_KB=$(mem_available_kb)
check "insmod pvhv.ko" /sbin/insmod /pvhv/pvhv.ko
check_out "dmesg: pvhv loaded with $EXPECT_VENDOR and $EXPECT_NPT" \
	"pvhv: loaded: $EXPECT_VENDOR with $EXPECT_NPT" dmesg
udevadm settle -t 10 >/dev/null 2>&1
# The module's own per-CPU and module-wide objects: the baseline of no domains.
STATS_IDLE=$(pvhv-test stats)
check_out "counters right after load: no domains, no guest pages ($STATS_IDLE)" \
	"^domains=0 guest_pages=0 objects=[0-9]+$" echo "$STATS_IDLE"
check "/dev/pvhv is a character device" test -c /dev/pvhv
check_out "/dev/pvhv is mode 0660, group pvhv (udev rule)" "^660 root:pvhv$" \
	stat -c '%a %U:%G' /dev/pvhv
check_out "vmmctl info names the vendor ($EXPECT_VENDOR)" "^vendor: +$EXPECT_VENDOR$" vmmctl info
check_out "vmmctl info names nested paging ($EXPECT_NPT)" "^nested paging: +$EXPECT_NPT$" vmmctl info
check_out "vmmctl info: API version 1" "^api version: +1$" vmmctl info
check_out "vmmctl info: capabilities" "^capabilities: .*stats.*domain-mmap" vmmctl info
check_out "vmmctl list with no domains: header only" "^Name +ID +Mem" vmmctl list
check_out "vmmctl list --json with no domains: []" '^\[\]$' vmmctl list --json
check_fail "vmmctl: unknown command" "unknown command" vmmctl frobnicate
check_fail "vmmctl list: unknown option" "unexpected argument" vmmctl list --xml
