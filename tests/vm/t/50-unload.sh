# SPDX-License-Identifier: GPL-2.0-only
# rmmod with live domains, leak counters, MemAvailable, reloads, parameters.

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
t0=$(awk '{ split($1, a, "."); print a[1] * 100 + a[2] }' /proc/uptime)
check "rmmod pvhv with live domains (and a spinning vCPU)" /sbin/rmmod pvhv
t1=$(awk '{ split($1, a, "."); print a[1] * 100 + a[2] }' /proc/uptime)
check_out "  ... took $(( (t1 - t0) * 10 )) ms (< 2000)" "^ok$" sh -c "[ $((t1 - t0)) -lt 200 ] && echo ok"
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
