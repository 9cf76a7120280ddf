# SPDX-License-Identifier: GPL-2.0-only
# pvhv and KVM cannot both own the CPU's virtualization extensions.

kvm_load() {
	for m in $(cat /kmod/kvm_amd.list); do
		/sbin/insmod "/kmod/$m" 2>/dev/null || grep -q "^${m%.ko} " /proc/modules || return 1
	done
}
kvm_unload() { /sbin/rmmod kvm_amd 2>/dev/null; /sbin/rmmod kvm 2>/dev/null; true; }

if [ "$EXPECT_VENDOR" != svm ] || [ ! -s /kmod/kvm_amd.list ]; then
	skip "pvhv vs kvm_amd" "kvm_amd is not applicable here"
elif ! kvm_load; then
	skip "pvhv vs kvm_amd" "kvm_amd does not load in this VM"
else
	rm -f /tmp/kvm.ready
	kvm-hold hold /tmp/kvm.ready >/tmp/kvm-hold.out 2>&1 &
	kpid=$!
	n=0
	while [ ! -e /tmp/kvm.ready ] && [ $n -lt 100 ]; do sleep 0.1; n=$((n + 1)); done
	check "KVM runs a VM" test -e /tmp/kvm.ready
	before=$(dmesg | grep -c 'pvhv')
	check_fail "insmod pvhv while KVM owns SVM is refused" "." /sbin/insmod /pvhv/pvhv.ko
	check_out "  ... with exactly one clear log line" "^1$" \
		sh -c "dmesg | grep 'pvhv' | tail -n +$((before + 1)) | grep -c 'cannot enable svm: SVM is in use by another hypervisor'"
	check "  ... and no other pvhv line" sh -c "[ \$(dmesg | grep -c pvhv) -eq $((before + 1)) ]"
	kill "$kpid" 2>/dev/null
	wait "$kpid" 2>/dev/null
	kvm_unload
	check "insmod pvhv once KVM is gone" /sbin/insmod /pvhv/pvhv.ko
	check_fail "KVM cannot take SVM while pvhv holds it" "." \
		sh -c "for m in \$(cat /kmod/kvm_amd.list); do /sbin/insmod /kmod/\$m 2>/dev/null; done; kvm-hold create"
	check "rmmod pvhv" /sbin/rmmod pvhv
	check_out "KVM works again after pvhv is unloaded" "KVM_CREATE_VM ok" \
		sh -c "grep -q '^kvm_amd ' /proc/modules || { for m in \$(cat /kmod/kvm_amd.list); do /sbin/insmod /kmod/\$m; done; }; kvm-hold create"
	kvm_unload
fi
