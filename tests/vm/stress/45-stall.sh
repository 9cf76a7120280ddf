# SPDX-License-Identifier: GPL-2.0-only
# A guest never stalls its host CPU. Stall guests (guests/stall.c) try to
# keep their vCPU's host CPU for STALL_SECS seconds each in their own way:
# an interrupt storm with IF toggling (irq), every batched hypercall at its
# largest count with a failing element in the middle, checked against Xen's
# results, 64-bit and 32-bit (hcall), a tight exit loop (exit). They run at
# once, their vCPU threads pinned so that each host CPU has some, and on each
# CPU a latency probe (tests/vm/helpers/pvhv-lat.c), an ordinary task pinned
# there, checks that it never waited STALL_LIMIT_MS or more for its CPU.
# Knobs (tests/vm/run's PVHV_VM_ENV): STALL_SECS, STALL_LIMIT_MS and
# STALL_PLAN, a list of KIND:CPU:IMAGE.
# In the stress suite, booted on single-threaded TCG with an instruction-
# counting clock (tests/vm/run): under multi-threaded TCG these four busy
# domains met QEMU's SVM faults in most runs (a domain stopped as "saved the
# host's state as the guest's", one triple-faulting on its own IDT, the test
# VM itself reset), and on a real-time clock every second the machine gives
# QEMU's threads to others shows as latency (pvhv-lat can excuse only those
# that stop the whole VM at once).
G=/pvhv/guests
STALL_SECS=${STALL_SECS:-60}
STALL_LIMIT_MS=${STALL_LIMIT_MS:-100}
STALL_PLAN=${STALL_PLAN:-"irq:0:stall hcall:0:stall exit:1:stall hcall:1:stall32"}
# The guests sleep this long first, so that all of them have started and
# been pinned, and the probes run, before the first stalls.
STALL_DELAY=${STALL_DELAY:-$((3 + $(echo $STALL_PLAN | wc -w)))}

# The host's preemption model for the test: none, where a kernel thread
# gives its CPU up only where it asks (cond_resched(), need_resched()) or
# sleeps. Debian builds PREEMPT_DYNAMIC and boots voluntary, where every
# might_sleep() (in each mutex_lock(), GFP_KERNEL allocation) is a
# cond_resched() too, and would hide a loop that never asks.
mount -t debugfs debugfs /sys/kernel/debug 2>/dev/null
stall_preempt=$(sed -n 's/.*(\([a-z]*\)).*/\1/p' /sys/kernel/debug/sched/preempt 2>/dev/null)
if [ -n "$stall_preempt" ] && echo none >/sys/kernel/debug/sched/preempt; then
	diag "stall: preemption none (was $stall_preempt)"
else
	diag "stall: preemption as built ($(grep -o 'preempt=[a-z]*' /proc/cmdline)); no /sys/kernel/debug/sched/preempt"
fi
stall_names=
for cpu in $(seq 0 $(($(nproc) - 1))); do
	eval "stall_on_$cpu="
done
for p in $STALL_PLAN; do
	kind=${p%%:*}; rest=${p#*:}; cpu=${rest%%:*}; image=${rest#*:}
	name=$kind${image#stall}	# irq, hcall, exit, hcall32
	mem=32
	[ "$kind" = hcall ] && mem=64
	mkcfg "stall-$name" "$G/$image.elf" "$mem" "mode=$kind secs=$STALL_SECS delay=$STALL_DELAY"
	vmmctl create "/tmp/stall-$name.cfg" >/dev/null 2>&1
	dom=$(vmmctl list | awk -v n="stall-$name" '$1 == n {print $2}')
	wait_until 50 sh -c "ps -o comm | grep -qx 'pvhv-$dom.0'"
	# The vCPU thread, pvhv-<domid>.0, is an ordinary kernel thread:
	# sched_setaffinity (taskset -p) pins it like any task.
	pid=$(ps -o pid,comm | awk -v c="pvhv-$dom.0" '$2 == c {print $1}')
	taskset -p "$((1 << cpu))" "$pid" >/dev/null 2>&1
	check_out "stall-$name: its vCPU thread pvhv-$dom.0 ($pid) pinned to CPU $cpu" "^Cpus_allowed_list:[[:space:]]+$cpu$" \
		cat "/proc/$pid/status"
	stall_names="$stall_names $name"
	eval "stall_on_$cpu=\"\${stall_on_$cpu:-} $name\""
done
# The probes cover the guests' stall; every CPU has one, so that a stop of
# the whole VM shows (pvhv-lat.c).
set --
for cpu in $(seq 0 $(($(nproc) - 1))); do
	eval "on=\${stall_on_$cpu:-}"
	set -- "$@" "$cpu=CPU $cpu under${on:- no stall guest}"
done
stall_timeout=$CMD_TIMEOUT
CMD_TIMEOUT=$((STALL_SECS + 60))
check_helper "stall latency" pvhv-lat "$((STALL_SECS + 2))" "$STALL_LIMIT_MS" "$@"
CMD_TIMEOUT=$stall_timeout
wait_until $(( (STALL_SECS + 120) * 10 )) sh -c \
	"[ \$(vmmctl list | grep -cE '^stall-[a-z0-9]+ .*(shutdown|crashed)') -ge $(echo $stall_names | wc -w) ]"
for name in $stall_names; do
	vmmctl dmesg "stall-$name" >/tmp/stall.out 2>&1
	check_helper "stall $name" cat /tmp/stall.out
	check_out "stall $name: powered off" "^stall-$name .*shutdown\(poweroff\)$" vmmctl list
	vmmctl destroy "stall-$name" >/dev/null 2>&1
done
if [ -n "$stall_preempt" ]; then
	echo "$stall_preempt" >/sys/kernel/debug/sched/preempt
fi
