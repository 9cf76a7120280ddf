# SPDX-License-Identifier: GPL-2.0-only
# TAP helpers for the tests that run inside the test VM (busybox ash).
# Every test file in t/ is sourced into one shell and shares the counter.

TAP_N=0
CMD_TIMEOUT=${CMD_TIMEOUT:-120}
# Upper bounds on durations the guest's clock measures are multiplied by this
# (an integer); a boot whose clock runs slower sets it (bochs/settings.sh).
TIME_SCALE=${TIME_SCALE:-1}

ok() { TAP_N=$((TAP_N + 1)); echo "ok $TAP_N - $*"; }
# A failed check says first which domains the host crashed in the last 60 s,
# and why (the reason is only in the host's log).
not_ok() {
	TAP_N=$((TAP_N + 1))
	echo "not ok $TAP_N - $*"
	dmesg 2>/dev/null | awk -v now="$(cut -d' ' -f1 /proc/uptime)" '
		/pvhv.*crashed:/ { t = $0; sub(/^\[ */, "", t); sub(/\].*/, "", t)
			if (t + 60 >= now) print "# host: " $0 }' | tail -n 2
}
skip() { TAP_N=$((TAP_N + 1)); echo "ok $TAP_N - $1 # SKIP $2"; }
diag() { printf '%s\n' "$*" | sed 's/^/# /'; }

# tap_skipped DESC: a check whose description matches a line of /tests/skip
# (REGEX<tab>REASON: what this boot cannot judge, e.g. timings under bochs) is
# reported as SKIP with that reason instead of being run.
tap_skipped() {
	[ -s /tests/skip ] || return 1
	while IFS='	' read -r _skip_re _skip_why; do
		case $_skip_re in '' | '#'*) continue ;; esac
		if printf '%s\n' "$1" | grep -qE -- "$_skip_re"; then
			skip "$1" "$_skip_why"
			return 0
		fi
	done </tests/skip
	return 1
}

# check DESC CMD...: CMD must exit 0.
check() {
	_d=$1; shift
	tap_skipped "$_d" && return 0
	if OUT=$(timeout "$CMD_TIMEOUT" "$@" 2>&1); then
		ok "$_d"
	else
		_rc=$?
		not_ok "$_d"
		diag "exit $_rc: $OUT"
	fi
}

# check_fail DESC REGEX CMD...: CMD must fail, and its output match REGEX.
check_fail() {
	_d=$1; _re=$2; shift 2
	tap_skipped "$_d" && return 0
	OUT=$(timeout "$CMD_TIMEOUT" "$@" 2>&1)
	_rc=$?
	if [ "$_rc" -ne 0 ] && [ "$_rc" -ne 124 ] && printf '%s\n' "$OUT" | grep -qE -- "$_re"; then
		ok "$_d"
		diag "$OUT"
	else
		not_ok "$_d"
		diag "exit $_rc (wanted a failure matching '$_re'): $OUT"
	fi
}

# check_out DESC REGEX CMD...: CMD must succeed and print a line matching REGEX.
check_out() {
	_d=$1; _re=$2; shift 2
	tap_skipped "$_d" && return 0
	OUT=$(timeout "$CMD_TIMEOUT" "$@" 2>&1)
	_rc=$?
	if [ "$_rc" -eq 0 ] && printf '%s\n' "$OUT" | grep -qE -- "$_re"; then
		ok "$_d"
	else
		not_ok "$_d"
		diag "exit $_rc (wanted output matching '$_re'): $OUT"
	fi
}

# check_helper DESC CMD...: CMD prints "ok - x" / "not ok - x" lines (the C
# helpers); each becomes a numbered TAP line. A helper that fails without
# reporting a failing check is a failure too.
check_helper() {
	_d=$1; shift
	tap_skipped "$_d" && return 0
	timeout "$CMD_TIMEOUT" "$@" >/tmp/helper.out 2>&1
	_rc=$?
	while IFS= read -r _line; do
		case $_line in
		"ok - "*) ok "$_d: ${_line#ok - }" ;;
		"not ok - "*) not_ok "$_d: ${_line#not ok - }" ;;
		*) diag "$_line" ;;
		esac
	done </tmp/helper.out
	if [ "$_rc" -ne 0 ] && ! grep -q '^not ok' /tmp/helper.out; then
		not_ok "$_d: exited $_rc"
		# A crashed guest says why only in the host's log.
		diag "$(dmesg | grep -E 'pvhv.*(crashed|entry failed|VM entry)' | tail -n 3)"
	fi
}

# Free memory in kB as MemAvailable counts it, plus the free pages parked on
# the per-CPU lists (/proc/zoneinfo "count:"), which MemAvailable leaves out
# and which the kernel resizes on its own (6.7+ auto-tunes them): without
# them the figure moves by tens of MiB between two identical states. Read
# after dropping caches, once two reads half a second apart agree.
mem_available_kb() {
	_prev=0
	for _i in 1 2 3 4 5 6 7 8 9 10; do
		sync
		echo 3 >/proc/sys/vm/drop_caches
		_cur=$(awk '/^MemAvailable:/ {print $2}' /proc/meminfo)
		_pcp=$(awk '$1 == "count:" {n += $2} END {print n * 4}' /proc/zoneinfo)
		_cur=$((_cur + _pcp))
		_delta=$((_cur - _prev))
		[ "${_delta#-}" -le 256 ] && break
		_prev=$_cur
		sleep 0.5
	done
	echo "$_cur"
}

# mkcfg NAME KERNEL [MEMORY_MIB] [CMDLINE] [VCPUS] [ON_POWEROFF] [ON_REBOOT] [ON_CRASH]
mkcfg() {
	cat >"/tmp/$1.cfg" <<EOC
# test guest $1
name = "$1"
memory = ${3:-32}
vcpus = ${5:-1}
kernel = "$2"
type = "pvh"
cmdline = "${4:-}"
on_poweroff = "${6:-preserve}"
on_reboot = "${7:-preserve}"
on_crash = "${8:-preserve}"
EOC
}

# run_guest NAME [MEMORY_MIB] [CMDLINE]: guests/NAME.elf on its console, its
# checks as TAP lines, then it must have powered off; destroyed after.
run_guest() {
	mkcfg "$1" "/pvhv/guests/$1.elf" "${2:-32}" "${3:-}"
	check_helper "$1" vmmctl create "/tmp/$1.cfg" -c
	check_out "$1: powered off" "^$1 .*shutdown\\(poweroff\\)\$" vmmctl list
	vmmctl destroy "$1" >/dev/null 2>&1
}

# wait_until TENTHS CMD...: poll CMD every 0.1 s until it succeeds, at most
# TENTHS times; the caller's next check says whether it did.
wait_until() {
	_n=$1; shift
	while ! "$@" >/dev/null 2>&1 && [ "$_n" -gt 0 ]; do
		sleep 0.1
		_n=$((_n - 1))
	done
}

pvhv_loaded() { grep -q '^pvhv ' /proc/modules; }

# A CPU the host could not have back: the soft-lockup watchdog ("watchdog:
# BUG: soft lockup - CPU#0 stuck for 22s!"), RCU's stall warnings ("rcu:
# INFO: rcu_preempt self-detected stall on CPU", "rcu_sched detected stalls
# on CPUs/tasks"), the hung-task detector ("INFO: task X blocked for more
# than 120 seconds", then hung_task_timeout_secs). tests/vm/run looks for the
# same lines on the console, where a boot that never ends leaves them.
STALL_LINES='soft lockup|self-detected stall|rcu: INFO|detected stalls on|hung task|hung_task|blocked for more than [0-9]+ seconds'

# Dmesg lines that fail the run: since the first test started.
tap_dmesg_check() {
	dmesg | tail -n +$((DMESG_START + 1)) >/tmp/dmesg.new
	if grep -E 'Oops|BUG|WARNING|general protection|refcount' /tmp/dmesg.new >/tmp/dmesg.bad; then
		not_ok "dmesg has no Oops/BUG/WARNING/general protection/refcount lines"
		sed 's/^/# /' /tmp/dmesg.bad | head -n 40
	else
		ok "dmesg has no Oops/BUG/WARNING/general protection/refcount lines ($(wc -l </tmp/dmesg.new) new lines)"
	fi
	if grep -E "$STALL_LINES" /tmp/dmesg.new >/tmp/dmesg.bad; then
		not_ok "dmesg has no soft lockup, RCU stall or hung task lines"
		sed 's/^/# /' /tmp/dmesg.bad | head -n 40
	else
		ok "dmesg has no soft lockup, RCU stall or hung task lines"
	fi
	grep 'pvhv' /tmp/dmesg.new | tail -n 30 | sed 's/^/# dmesg: /'
}

# The vendor this CPU offers, as pvhv should report it.
# KVM_MOD: KVM's module for this CPU (packed in /kmod with its dependencies,
# listed in load order in /kmod/$KVM_MOD.list).
if grep -qw svm /proc/cpuinfo; then
	EXPECT_VENDOR=svm EXPECT_NPT=npt EXPECT_VENDOR_NAME=SVM KVM_MOD=kvm_amd
else
	EXPECT_VENDOR=vmx EXPECT_NPT=ept EXPECT_VENDOR_NAME=VMX KVM_MOD=kvm_intel
fi

# --- Debian's kernel as a guest (linux/50-linux.sh, the demo) ------------------------
# /pvhv/linux holds the bzImage this VM booted and a busybox initramfs
# (tests/vm/run, tests/vm/linux/mkinitramfs); its /etc/rc prints
# "PVHV-GUEST-INIT cpus=N" before the shell on hvc0 starts.
LX_K=/pvhv/linux/vmlinuz
LX_I=/pvhv/linux/initrd.cpio

lx_cfg() {	# NAME VCPUS MIB ON_REBOOT
	cat >"/tmp/$1.cfg" <<EOC
name = "$1"
memory = $3
vcpus = $2
kernel = "$LX_K"
ramdisk = "$LX_I"
type = "pvh"
cmdline = "console=hvc0 earlyprintk=xen loglevel=6"
on_poweroff = "preserve"
on_reboot = "${4:-preserve}"
on_crash = "preserve"
EOC
}
lx_log() { echo "/var/log/pvhv/guest-$1.log"; }
lx_state() { vmmctl list | awk -v n="$1" '$1 == n {print $NF}'; }
lx_domid() { vmmctl list | awk -v n="$1" '$1 == n {print $2}'; }
# lx_booted NAME [COUNT]: the guest's rc ran COUNT times (default once).
lx_booted() { [ "$(grep -ac 'PVHV-GUEST-INIT' "$(lx_log "$1")" 2>/dev/null)" -ge "${2:-1}" ]; }
# lx_settled NAME: booted, or no longer running (crashed, shut down, gone).
lx_settled() { lx_booted "$1" || ! vmmctl list | grep -qE "^$1 .*(running|paused)\$"; }

# lx_cmd NAME COMMAND: type COMMAND into the guest's shell through
# `vmmctl console`, wait for it to finish (up to LX_TENTHS tenths of a
# second); its output in /tmp/lx.out, its exit code printed.
lx_cmd() {
	_name=$1
	shift
	# Unique for the whole run: the console replays its backlog first.
	_m="LXEND$(od -An -N4 -tu4 /dev/urandom | tr -d ' ')"
	: >/tmp/lx.con
	(
		sleep 0.5
		printf '%s; echo %s-$?\r' "$*" "$_m"
		_i=0
		while ! tr -d '\r' </tmp/lx.con | grep -q "^$_m-[0-9]" && [ $_i -lt "${LX_TENTHS:-600}" ]; do
			sleep 0.1
			_i=$((_i + 1))
		done
		printf '\035'
	) | timeout 150 vmmctl console "$_name" >/tmp/lx.con 2>&1
	tr -d '\r' </tmp/lx.con | sed -n "/echo $_m-/,/^$_m-[0-9]/p" | sed '1d;$d' >/tmp/lx.out
	tr -d '\r' </tmp/lx.con | sed -n "s/^$_m-\([0-9]*\).*/\1/p" | head -n 1
}
