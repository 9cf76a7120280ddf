# SPDX-License-Identifier: GPL-2.0-only
# The null-hypercall benchmark, pvhv beside KVM in the same VM boot:
# xen_version(XENVER_version) through the hypercall page under pvhv, and a
# bare VMMCALL loop under kvm_amd, both timed with the guest's TSC.
# Figures, not a timed test: the checks only say that both ran.

cat >/tmp/bench.cfg <<EOC
name = "bench"
memory = 32
kernel = "/pvhv/guests/bench.elf"
type = "pvh"
EOC
check "insmod pvhv.ko" /sbin/insmod /pvhv/pvhv.ko
vmmctl create /tmp/bench.cfg -c >/tmp/bench.out 2>&1
pvhv=$(sed -n 's/^bench: pvhv null hypercall: \([0-9]*\) cycles.*/\1/p' /tmp/bench.out)
check_out "pvhv: null hypercall measured (${pvhv:-?} cycles/call)" "^[0-9]+$" echo "$pvhv"
diag "$(cat /tmp/bench.out)"
/sbin/rmmod pvhv

kvm=
if [ -s /kmod/kvm_amd.list ]; then
	for m in $(cat /kmod/kvm_amd.list); do /sbin/insmod "/kmod/$m" 2>/dev/null; done
	kvm-bench >/tmp/kvm.out 2>&1
	kvm=$(sed -n 's/^bench: kvm null hypercall: \([0-9]*\) cycles.*/\1/p' /tmp/kvm.out)
	diag "$(cat /tmp/kvm.out)"
	/sbin/rmmod kvm_amd kvm 2>/dev/null
fi
if [ -n "$kvm" ]; then
	check_out "kvm_amd: null VMMCALL measured ($kvm cycles/call)" "^[0-9]+$" echo "$kvm"
	ratio=$(awk -v a="$pvhv" -v b="$kvm" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "n/a" }')
	echo "# BENCH null hypercall: pvhv $pvhv cycles/call, kvm_amd $kvm cycles/call, ratio pvhv/kvm = $ratio (goal <= 1.00)"
else
	skip "kvm_amd null VMMCALL" "kvm_amd did not run here"
fi
