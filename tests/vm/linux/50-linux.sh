# SPDX-License-Identifier: GPL-2.0-only
# Debian's own kernel as a PVH guest, loaded as shipped: the bzImage this
# test VM booted (tests/vm/run copies it in as /pvhv/linux/vmlinuz) with a
# busybox initramfs (tests/vm/linux/mkinitramfs), as a user would boot it:
# `vmmctl create` with the daemon serving xenstore and the console.
# - With 1 and with 4 vCPUs it reaches its shell on hvc0, sees every vCPU,
#   answers a command typed through `vmmctl console`, and its log is clean.
# - 4 vCPUs: a CPU load on all of them for 10 s, the guest's clock against
#   the host's meanwhile, mem-set down and up, `vmmctl shutdown`.
# - 1 vCPU: `vmmctl reboot` with on_reboot=restart, poweroff from inside.
# - Create -> shell -> destroy cycles leave the module's counters idle.
# tests/vm/run fails the boot if this VM's console shows a soft lockup, an
# RCU stall or a hung task.
# The linux suite boots it on single-threaded TCG (see its plan).
K=$LX_K
I=$LX_I
LINUX_CYCLES=${LINUX_CYCLES:-10}
LINUX_BOOT_TENTHS=${LINUX_BOOT_TENTHS:-3000}	# to the shell, under TCG

# What a clean boot never prints: kernel warnings and splats, MSRs the
# kernel did not expect to fault, firmware complaints, stray interrupts.
LX_BAD='WARNING|BUG|Oops|Call Trace|unchecked MSR|FW_BUG|Firmware Bug|[Ss]purious|APIC ID mismatch|Stale IRR|RIP:'

# lx_memtotal_until NAME OP KB: the guest's MemTotal (kB) once it is OP KB
# (test(1) operator), or after 30 s.
lx_memtotal_until() {
	_t=0
	while :; do
		lx_cmd "$1" "grep MemTotal /proc/meminfo" >/dev/null
		_v=$(awk '{print $2}' /tmp/lx.out)
		{ [ -n "$_v" ] && [ "$_v" "$2" "$3" ]; } && break
		[ $_t -ge 30 ] && break
		sleep 1
		_t=$((_t + 1))
	done
	echo "$_v"
}

# lx_boot NAME VCPUS MIB [ON_REBOOT]: create it and wait for its shell.
lx_boot() {
	rm -f "$(lx_log "$1")"
	lx_cfg "$@"
	check_out "linux $1: vmmctl create boots Debian's bzImage ($2 vCPUs, $3 MiB)" \
		"^created domain [0-9]+ \($1\)$" vmmctl create "/tmp/$1.cfg"
	wait_until "$LINUX_BOOT_TENTHS" lx_settled "$1"
	check_out "linux $1: reaches init with all $2 vCPUs" "PVHV-GUEST-INIT cpus=$2 " cat "$(lx_log "$1")"
}

# lx_clean NAME: what its log must not show (the console and earlyprintk).
lx_clean() {
	{ cat "$(lx_log "$1")"; vmmctl dmesg "$1"; } 2>/dev/null | tr -d '\r' >/tmp/lx.log
	if grep -aE "$LX_BAD" /tmp/lx.log >/tmp/lx.bad; then
		not_ok "linux $1: its log is clean (no warnings, unchecked MSRs, FW_BUG, spurious interrupts)"
		diag "$(head -n 20 /tmp/lx.bad | sed 's/[^[:print:]]//g' | cut -c1-200)"
	else
		ok "linux $1: its log is clean (no warnings, unchecked MSRs, FW_BUG, spurious interrupts)"
	fi
}

if [ ! -f "$K" ] || [ ! -f "$I" ]; then
	not_ok "linux: $K and $I are in the initramfs (tests/vm/run)"
	return 0 2>/dev/null || exit 0
fi
CMD_TIMEOUT_LX=$CMD_TIMEOUT
CMD_TIMEOUT=300	# unpacking the kernel is slow under emulation

# LINUX_PLAN=boot (the bochs boot, tests/vm/bochs/settings.sh): one guest
# with 2 vCPUs to its shell, a command typed in, a clean log, shutdown.
if [ "${LINUX_PLAN:-full}" = boot ]; then
	lx_boot lx2 2 128
	rc=$(lx_cmd lx2 "grep -c '^processor' /proc/cpuinfo")
	check_out "linux lx2: a command typed through vmmctl console answers: 2 processors" "^0 2$" \
		echo "$rc $(cat /tmp/lx.out)"
	lx_clean lx2
	vmmctl shutdown -w -t 300 lx2 >/tmp/lx.sd 2>&1
	check_out "linux lx2: vmmctl shutdown: powered off through control/shutdown" "has stopped" cat /tmp/lx.sd
	check_out "  ... shutdown(poweroff), not forced" '^lx2 .*shutdown\(poweroff\)$' \
		sh -c "! grep -q 'did not take the request' /tmp/lx.sd && vmmctl list"
	vmmctl destroy lx2 >/dev/null 2>&1
	vmmctl daemon --stop >/dev/null 2>&1
	CMD_TIMEOUT=$CMD_TIMEOUT_LX
	wait_until 100 sh -c "[ \"\$(pvhv-test stats)\" = \"$STATS_IDLE\" ]"
	check_out "linux: the module's counters back to idle" "^$STATS_IDLE\$" pvhv-test stats
	return 0 2>/dev/null || exit 0
fi

# --- 4 vCPUs -----------------------------------------------------------------------------------
lx_boot lx4 4 160
rc=$(lx_cmd lx4 'echo answer $((6 * 7))')
check_out "linux lx4: a command typed through vmmctl console answers" "^0$" echo "$rc"
check_out "  ... with its output" "^answer 42$" cat /tmp/lx.out
rc=$(lx_cmd lx4 "grep -c '^processor' /proc/cpuinfo")
check_out "linux lx4: /proc/cpuinfo shows 4 processors" "^0$" echo "$rc"
check_out "  ... 4" "^4$" cat /tmp/lx.out
# Load on every vCPU for 10 s: each one's user time from /proc/stat.
# LINUX_LOAD=1 runs it. Not by default yet: on 6.1 under single-threaded TCG
# the 4-vCPU guest hit "BUG: ENTRY_TRAMPOLINE stack guard page was hit"
# (page faults recursing in exc_page_fault) 12 s into the load and panicked
# (1 of 2 runs; the multi-threaded run passed). Issue 13 stays open on it.
if [ "${LINUX_LOAD:-0}" = 1 ]; then
	rc=$(LX_TENTHS=1800 lx_cmd lx4 'grep "^cpu[0-9]" /proc/stat >/tmp/s0; p=; for i in 1 2 3 4; do (while :; do :; done) & p="$p $!"; done; sleep 10; kill $p; grep "^cpu[0-9]" /proc/stat >/tmp/s1; paste /tmp/s0 /tmp/s1 | awk "{print \"LOAD\", \$1, \$13 - \$2}"')
	tr -d '\r' </tmp/lx.con | grep '^LOAD cpu' >/tmp/lx.load
	diag "$(cat /tmp/lx.load)"
	# Each vCPU gets about 0.6 s of the 10 s on single-threaded TCG (4 vCPUs on
	# one emulated pair of CPUs), 1.5-3.5 s multi-threaded.
	check_out "linux lx4: a CPU load ran on all 4 vCPUs for 10 s (each at least 0.2 s of user time)" "^4$" \
		awk '$3 >= 20 { n++ } END { print n + 0 }' /tmp/lx.load
else
	skip "linux lx4: a CPU load on all 4 vCPUs for 10 s" \
		"a 6.1 guest crashed under it on single-threaded TCG (LINUX_LOAD=1 runs it)"
fi
# The guest's uptime 10 s apart against the host's, read as each line
# arrives (the console's delay, the same both times, cancels out).
: >/tmp/lx.con
(
	sleep 0.5
	printf '%s\r' 'echo CLK0 $(cut -d" " -f1 /proc/uptime); sleep 10; echo CLK1 $(cut -d" " -f1 /proc/uptime)'
	_i=0
	while ! tr -d '\r' </tmp/lx.con | grep -q '^CLK0 [0-9]' && [ $_i -lt 12000 ]; do usleep 5000; _i=$((_i + 1)); done
	cut -d' ' -f1 /proc/uptime >/tmp/lx.h0
	while ! tr -d '\r' </tmp/lx.con | grep -q '^CLK1 [0-9]' && [ $_i -lt 12000 ]; do usleep 5000; _i=$((_i + 1)); done
	cut -d' ' -f1 /proc/uptime >/tmp/lx.h1
	printf '\035'
) | timeout 150 vmmctl console lx4 >/tmp/lx.con 2>&1
g0=$(tr -d '\r' </tmp/lx.con | sed -n 's/^CLK0 \([0-9.]*\).*/\1/p')
g1=$(tr -d '\r' </tmp/lx.con | sed -n 's/^CLK1 \([0-9.]*\).*/\1/p')
h0=$(cat /tmp/lx.h0 2>/dev/null)
h1=$(cat /tmp/lx.h1 2>/dev/null)
diag "clock: guest $g0 -> $g1, host $h0 -> $h1"
check_out "linux lx4: its clock within 0.5 % of the host's over 10 s" "^ok" \
	awk -v g0="$g0" -v g1="$g1" -v h0="$h0" -v h1="$h1" 'BEGIN {
		if (g0 == "" || h0 == "" || h1 <= h0) { print "no figures"; exit }
		d = (g1 - g0) / (h1 - h0) - 1; if (d < 0) d = -d
		printf "%s %.4f\n", d < 0.005 ? "ok" : "off by", d }'
# The balloon: memory/target down 64 MiB and back.
m0=$(lx_memtotal_until lx4 -gt 0)
check_out "linux lx4: vmmctl mem-set 96M" "memory/target = 98304 KiB" vmmctl mem-set lx4 96M
m1=$(lx_memtotal_until lx4 -le $((m0 - 60000)))
diag "MemTotal: $m0 kB, after mem-set 96M: $m1 kB"
check_out "  ... the guest's MemTotal went down by the 64 MiB" "^ok$" \
	sh -c "[ -n '$m1' ] && [ $m0 -gt 0 ] && [ '$m1' -le $((m0 - 60000)) ] && [ '$m1' -ge $((m0 - 70000)) ] && echo ok"
check_out "linux lx4: vmmctl mem-set 160M (back to its maximum)" "memory/target = 163840 KiB" vmmctl mem-set lx4 160M
m2=$(lx_memtotal_until lx4 -ge $((m0 - 4000)))
diag "MemTotal after mem-set 160M: $m2 kB"
check_out "  ... MemTotal back up" "^ok$" sh -c "[ -n '$m2' ] && [ '$m2' -ge $((m0 - 4000)) ] && echo ok"
check_fail "linux lx4: mem-set above the maximum: one clear line" "outside 16\.\.160 MiB" vmmctl mem-set lx4 1G
lx_clean lx4
vmmctl shutdown -w -t 120 lx4 >/tmp/lx.sd 2>&1
check_out "linux lx4: vmmctl shutdown: the guest powers itself off through control/shutdown" \
	"has stopped" cat /tmp/lx.sd
check "  ... not forced by the hypervisor" sh -c "! grep -q 'did not take the request' /tmp/lx.sd"
check_out "  ... shutdown(poweroff)" '^lx4 .*shutdown\(poweroff\)$' vmmctl list
vmmctl destroy lx4 >/dev/null 2>&1

# --- 1 vCPU --------------------------------------------------------------------------------------
lx_boot lx1 1 96 restart
rc=$(lx_cmd lx1 "grep -c '^processor' /proc/cpuinfo")
check_out "linux lx1: /proc/cpuinfo shows 1 processor" "^0$" echo "$rc"
check_out "  ... 1" "^1$" cat /tmp/lx.out
lx_clean lx1
R1=$(lx_domid lx1)
check_out "linux lx1: vmmctl reboot" "control/shutdown = reboot" vmmctl reboot lx1
wait_until "$LINUX_BOOT_TENTHS" sh -c "[ -n \"\$(vmmctl list | awk '\$1 == \"lx1\" {print \$2}')\" ] && [ \"\$(vmmctl list | awk '\$1 == \"lx1\" {print \$2}')\" != $R1 ] && grep -ac PVHV-GUEST-INIT $(lx_log lx1) | grep -qv '^[01]$'"
R2=$(lx_domid lx1)
diag "lx1 after the reboot: $(vmmctl list | grep '^lx1 ')"
diag "$(tail -n 12 "$(lx_log lx1)" 2>/dev/null | tr -d '\r' | sed 's/[^[:print:]]//g' | cut -c1-160)"
check_out "  ... on_reboot=restart: back as a new domain ($R1 -> $R2) and at its shell again" "^ok$" \
	sh -c "[ -n '$R2' ] && [ '$R2' != '$R1' ] && grep -ac PVHV-GUEST-INIT $(lx_log lx1) | grep -qv '^[01]$' && echo ok"
lx_cmd lx1 "poweroff" >/dev/null
wait_until 600 sh -c "vmmctl list | grep -q '^lx1 .*shutdown'"
check_out "linux lx1: poweroff inside the guest ends it as shutdown(poweroff)" '^lx1 .*shutdown\(poweroff\)$' \
	vmmctl list
vmmctl destroy lx1 >/dev/null 2>&1

# --- cycles --------------------------------------------------------------------------------------
lx_cfg lxc 1 96
good=0
for i in $(seq "$LINUX_CYCLES"); do
	rm -f "$(lx_log lxc)"
	vmmctl create /tmp/lxc.cfg >/dev/null 2>&1
	wait_until "$LINUX_BOOT_TENTHS" lx_settled lxc
	if lx_booted lxc; then
		good=$((good + 1))
	else
		diag "cycle $i: $(vmmctl list | grep '^lxc ') $(tail -n 3 "$(lx_log lxc)" 2>/dev/null | tr -d '\r')"
	fi
	vmmctl destroy lxc >/dev/null 2>&1
done
check_out "linux: $LINUX_CYCLES create -> shell -> destroy cycles reached the shell each time" "^$LINUX_CYCLES$" echo "$good"
CMD_TIMEOUT=$CMD_TIMEOUT_LX
wait_until 100 sh -c "[ \"\$(pvhv-test stats)\" = \"$STATS_IDLE\" ]"
check_out "linux: the module's counters back to idle" "^$STATS_IDLE\$" pvhv-test stats
