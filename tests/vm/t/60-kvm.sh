# SPDX-License-Identifier: GPL-2.0-only
# pvhv and KVM cannot both own the CPU's virtualization extensions
# (kvm_amd or kvm_intel: $KVM_MOD, from lib.sh).

kvm_load() {
	for m in $(cat /kmod/$KVM_MOD.list); do
		/sbin/insmod "/kmod/$m" 2>/dev/null || grep -q "^${m%.ko} " /proc/modules || return 1
	done
}
kvm_unload() { /sbin/rmmod $KVM_MOD 2>/dev/null; /sbin/rmmod kvm 2>/dev/null; true; }

if [ ! -s /kmod/$KVM_MOD.list ]; then
	skip "pvhv vs $KVM_MOD" "$KVM_MOD is not packed for this kernel"
elif ! kvm_load; then
	skip "pvhv vs $KVM_MOD" "$KVM_MOD does not load in this VM"
else
	rm -f /tmp/kvm.ready
	kvm-hold hold /tmp/kvm.ready >/tmp/kvm-hold.out 2>&1 &
	kpid=$!
	n=0
	while [ ! -e /tmp/kvm.ready ] && [ $n -lt 100 ]; do sleep 0.1; n=$((n + 1)); done
	check "KVM runs a VM" test -e /tmp/kvm.ready
	before=$(dmesg | grep -c 'pvhv')
	check_fail "insmod pvhv while KVM owns $EXPECT_VENDOR_NAME is refused" "." /sbin/insmod /pvhv/pvhv.ko
	check_out "  ... with exactly one clear log line" "^1$" \
		sh -c "dmesg | grep 'pvhv' | tail -n +$((before + 1)) | grep -c 'cannot enable $EXPECT_VENDOR: $EXPECT_VENDOR_NAME is in use by another hypervisor'"
	check "  ... and no other pvhv line" sh -c "[ \$(dmesg | grep -c pvhv) -eq $((before + 1)) ]"
	kill "$kpid" 2>/dev/null
	wait "$kpid" 2>/dev/null
	kvm_unload
	check "insmod pvhv once KVM is gone" /sbin/insmod /pvhv/pvhv.ko
	check_fail "KVM cannot take $EXPECT_VENDOR_NAME while pvhv holds it" "." \
		sh -c "for m in \$(cat /kmod/$KVM_MOD.list); do /sbin/insmod /kmod/\$m 2>/dev/null; done; kvm-hold create"
	check "rmmod pvhv" /sbin/rmmod pvhv
	check_out "KVM works again after pvhv is unloaded" "KVM_CREATE_VM ok" \
		sh -c "grep -q '^$KVM_MOD ' /proc/modules || { for m in \$(cat /kmod/$KVM_MOD.list); do /sbin/insmod /kmod/\$m; done; }; kvm-hold create"
	kvm_unload
fi
