# SPDX-License-Identifier: GPL-2.0-only
# Event storm: 4 domains x 2 vCPUs in a ring, every vCPU pinging its
# successor and answering its predecessor at once for STORM_SECS seconds;
# every ping sent must have been counted by its receiver.
# Its own suite: tests/vm/run boots it after "t" on every kernel (see
# stress_accel there).
G=/pvhv/guests
STORM_SECS=${STORM_SECS:-30}
for k in 0 1 2 3; do
	mkcfg storm$k $G/storm.elf 16 "idx=$k n=4 secs=$STORM_SECS" 2
	vmmctl create /tmp/storm$k.cfg >/dev/null 2>&1
done
ids=$(vmmctl list | awk '$1 ~ /^storm[0-3]$/ {print $2}' | tr '\n' ' ')
set -- $ids
if [ $# -eq 4 ] && [ $2 -eq $(($1 + 1)) ] && [ $3 -eq $(($1 + 2)) ] && [ $4 -eq $(($1 + 3)) ]; then
	ok "storm: 4 domains with consecutive ids ($ids)"
else
	not_ok "storm: 4 domains with consecutive ids ($ids)"
fi
# Generous: 8 vCPUs share the test VM's 2 CPUs, themselves emulated.
wait_until $(( (STORM_SECS + 270) * 10 )) sh -c \
	"[ \$(vmmctl list | grep -cE '^storm[0-3] .*(shutdown|crashed)') -eq 4 ]"
check_out "storm: all 4 domains powered off after ${STORM_SECS} s" "^4$" \
	sh -c "vmmctl list | grep -cE '^storm[0-3] .*shutdown\(poweroff\)$'"
diag "$(vmmctl list | grep -E '^storm')"
: >/tmp/storm.all
for k in 0 1 2 3; do
	vmmctl dmesg storm$k >/tmp/storm$k.out 2>&1
	check_helper "storm$k" cat /tmp/storm$k.out
	grep -a '^storm: domain .* vcpu ' /tmp/storm$k.out >>/tmp/storm.all
done
# "storm: domain D vcpu V sent S to N; answered E from P": S of (D, V) must
# equal E of (N, V).
check_out "storm: every ping sent was counted by its receiver (8 channels)" "^ok 8 [0-9]+$" \
	awk '{ d = $3; v = $5; s[d " " v] = $7; to[d " " v] = $9; sub(";", "", to[d " " v]);
	       e[d " " v] = $11 }
	     END { n = 0; tot = 0
		   for (k in s) { split(k, a, " "); r = to[k] " " a[2]
				  if ((r in e) && e[r] == s[k] && s[k] > 0) { n++; tot += s[k] } }
		   print (n == 8 ? "ok" : "bad"), n, tot }' /tmp/storm.all
diag "storm: $(awk '{ t += $7 } END { print t }' /tmp/storm.all) pings answered in ${STORM_SECS} s across 8 channels"
for k in 0 1 2 3; do vmmctl destroy storm$k >/dev/null 2>&1; done
