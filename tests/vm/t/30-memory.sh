# SPDX-License-Identifier: GPL-2.0-only
# Guest RAM is real host memory, charged to the creator's memory cgroup.

m0=$(mem_available_kb)
vmmctl create --name big --memory 128M >/dev/null 2>&1
m1=$(mem_available_kb)
check_out "a 128 MiB domain holds 32768 guest pages" "^domains=1 guest_pages=32768 " pvhv-test stats
check_out "  ... and takes >= 126 MiB of available memory ($m0 -> $m1 kB)" "^ok$" \
	sh -c "[ $((m0 - m1)) -ge $((126 * 1024)) ] && echo ok"
vmmctl destroy big >/dev/null 2>&1
m2=$(mem_available_kb)
check_out "destroy gives it back within 1% ($m1 -> $m2 kB)" "^ok$" \
	sh -c "[ $((m0 - m2)) -le $((m0 / 100)) ] && echo ok"

cg=/sys/fs/cgroup/pvhvtest
if [ -f /sys/fs/cgroup/cgroup.controllers ] && grep -qw memory /sys/fs/cgroup/cgroup.controllers; then
	echo +memory >/sys/fs/cgroup/cgroup.subtree_control 2>/dev/null
	mkdir -p "$cg"
	echo $((48 * 1024 * 1024)) >"$cg/memory.max"
	check_fail "create 64 MiB in a cgroup limited to 48 MiB: refused" "not enough memory" \
		sh -c "echo \$\$ > $cg/cgroup.procs && exec vmmctl create --name cgbig --memory 64M"
	check_fail "  ... and the domain does not exist" "no such domain" vmmctl destroy cgbig
	check "create 16 MiB in the same cgroup" \
		sh -c "echo \$\$ > $cg/cgroup.procs && exec vmmctl create --name cgsmall --memory 16M"
	cur=$(cat "$cg/memory.current")
	check_out "the cgroup is charged for it (memory.current $cur)" "^ok$" \
		sh -c "[ $cur -ge $((16 * 1024 * 1024)) ] && echo ok"
	vmmctl destroy cgsmall >/dev/null 2>&1
	cur2=$(cat "$cg/memory.current")
	check_out "destroy uncharges it (memory.current $cur2)" "^ok$" \
		sh -c "[ $cur2 -lt $((8 * 1024 * 1024)) ] && echo ok"
	rmdir "$cg" 2>/dev/null
else
	skip "memory cgroup charge" "no cgroup2 memory controller in this kernel"
fi
