# SPDX-License-Identifier: GPL-2.0-only
# rmmod with live domains, leak counters, MemAvailable, reloads, parameters.

# CPU hotplug: pvhv disables SVM on a CPU going offline and enables it again
# when the CPU comes back; guests run either way.
if [ -w /sys/devices/system/cpu/cpu1/online ]; then
	check "offline CPU 1 with pvhv loaded" sh -c 'echo 0 > /sys/devices/system/cpu/cpu1/online'
	check_out "a guest runs with CPU 1 offline" "^Hello world$" vmmctl create /tmp/hello.cfg -c name=hp1
	vmmctl destroy hp1 >/dev/null 2>&1
	check "online CPU 1 again" sh -c 'echo 1 > /sys/devices/system/cpu/cpu1/online'
	for i in 2 3 4; do
		vmmctl create /tmp/hello.cfg name=hp$i >/dev/null 2>&1
	done
	sleep 1
	check_out "guests run on both CPUs again" "^3$" \
		sh -c "vmmctl list | grep -E '^hp[234] ' | grep -c 'shutdown(poweroff)'"
	for i in 2 3 4; do vmmctl destroy hp$i >/dev/null 2>&1; done
else
	skip "CPU hotplug" "CPU 1 cannot be taken offline here"
fi

vmmctl create --name live1 --memory 16M >/dev/null 2>&1
vmmctl create --name live2 --memory 16M >/dev/null 2>&1
cat >/tmp/live3.cfg <<EOC
name = "live3"
memory = 16
kernel = "/pvhv/guests/spin.elf"
type = "pvh"
EOC
vmmctl create /tmp/live3.cfg >/dev/null 2>&1
sleep 1
check_out "three live domains before rmmod, one of them spinning" "^live3 .*running$" vmmctl list
# The daemon holds the domains it serves (live3): stopped first, as on a host.
vmmctl daemon --stop >/dev/null 2>&1
t0=$(awk '{ split($1, a, "."); print a[1] * 100 + a[2] }' /proc/uptime)
check "rmmod pvhv with live domains (and a spinning vCPU)" /sbin/rmmod pvhv
t1=$(awk '{ split($1, a, "."); print a[1] * 100 + a[2] }' /proc/uptime)
check_out "  ... took $(( (t1 - t0) * 10 )) ms (< $((2000 * TIME_SCALE)))" "^ok$" \
	sh -c "[ $((t1 - t0)) -lt $((200 * TIME_SCALE)) ] && echo ok"
check_out "dmesg: unloaded with 0 domains, 0 guest pages, 0 objects" \
	"pvhv: unloaded: 0 domains, 0 guest pages, 0 objects outstanding" dmesg
check "/dev/pvhv is gone" sh -c '! test -e /dev/pvhv'
check "no pvhv vCPU thread is left" sh -c '! ps -o comm | grep -q "^pvhv-"'
MEM_AFTER_KB=$(mem_available_kb)
check_out "MemAvailable (+ per-CPU free lists) back within 1% of before insmod ($MEM_BEFORE_KB -> $MEM_AFTER_KB kB)" "^ok$" \
	sh -c "d=\$(( $MEM_BEFORE_KB - $MEM_AFTER_KB )); [ \${d#-} -le $((MEM_BEFORE_KB / 100)) ] && echo ok"

unloads=$(dmesg | grep -c 'unloaded: 0 domains, 0 guest pages, 0 objects')
for i in 1 2 3; do
	check "reload $i: insmod, create, rmmod" sh -c \
		"/sbin/insmod /pvhv/pvhv.ko && vmmctl create --name r$i --memory 8M && /sbin/rmmod pvhv"
done
check_out "reloads leave nothing behind" "^$((unloads + 3))$" \
	sh -c "dmesg | grep -c 'unloaded: 0 domains, 0 guest pages, 0 objects'"

check "insmod with max_domains=2" /sbin/insmod /pvhv/pvhv.ko max_domains=2
vmmctl create --name p1 --memory 4M >/dev/null 2>&1
vmmctl create --name p2 --memory 4M >/dev/null 2>&1
check_fail "a third domain is refused" "too many domains \(the limit is 2" \
	vmmctl create --name p3 --memory 4M
check "rmmod" /sbin/rmmod pvhv
check_fail "insmod with max_domains=0 is refused" "." /sbin/insmod /pvhv/pvhv.ko max_domains=0
check_out "  ... with one clear log line" "pvhv: invalid module parameters" dmesg
