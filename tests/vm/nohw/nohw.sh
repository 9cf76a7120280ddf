# SPDX-License-Identifier: GPL-2.0-only
# Booted on a CPU model without SVM and VMX: pvhv must refuse to load, with
# one clear log line, and vmmctl must say that the module is not loaded.

before=$(dmesg | grep -c pvhv)
check_fail "insmod on a CPU without SVM/VMX is refused" "." /sbin/insmod /pvhv/pvhv.ko
check_out "  ... with one clear log line naming both" \
	"pvhv: no usable hardware virtualization: SVM not present; VMX not present" dmesg
check_out "  ... and only that line (besides the taint notices)" "^1$" \
	sh -c "dmesg | grep pvhv | tail -n +$((before + 1)) | grep -vc 'taint'"
check "no /dev/pvhv" sh -c '! test -e /dev/pvhv'
check_fail "vmmctl info: not loaded" "not loaded" vmmctl info
