# SPDX-License-Identifier: GPL-2.0-only
# The host side: the daemon (xenstored, console backends, on_* actions), a
# guest using xenstore over its ring, Debian's xenstore-* clients, the PV
# console, two domains sharing a node, shutdown through control/shutdown,
# and the daemon killed and restarted under running guests.

pvhv_loaded || check "insmod pvhv for the host-side tests" /sbin/insmod /pvhv/pvhv.ko
# The consoles' ptys (a real host has devpts mounted).
mkdir -p /dev/pts
grep -q ' /dev/pts ' /proc/mounts || mount -t devpts devpts /dev/pts
udevadm settle -t 10 >/dev/null 2>&1
[ -n "${STATS_IDLE:-}" ] || STATS_IDLE=$(pvhv-test stats)
XG=/pvhv/guests
VMMD_LOG=/var/log/pvhv/vmmd.log

# xcfg NAME KERNEL CMDLINE [on_poweroff] [on_reboot] [on_crash] [MEMORY]
xcfg() { mkcfg "$1" "$2" "${7:-16}" "$3" 1 "${4:-}" "${5:-}" "${6:-}"; }
domid_of() { vmmctl list | awk -v n="$1" '$1 == n {print $2}'; }
state_of() { vmmctl list | awk -v n="$1" '$1 == n {print $NF}'; }
dmesg_has() { vmmctl dmesg "$1" 2>/dev/null | grep -q "$2"; }
# until_out FILE TEXT: wait (at most 20 s) for TEXT in FILE, then Ctrl-].
until_out() {
	_i=0
	while ! grep -q "$2" "$1" 2>/dev/null && [ $_i -lt 200 ]; do sleep 0.1; _i=$((_i + 1)); done
	printf '\035'
}

# --- the daemon ------------------------------------------------------------------
vmmctl daemon --stop >/dev/null 2>&1
check_fail "daemon --status without a daemon: 'not running', exit 1" "not running" \
	vmmctl daemon --status
check_fail "xenstore without a daemon: one clear line" "cannot connect to xenstored.*daemon" \
	vmmctl xenstore ls
xcfg xsguest $XG/xenstore.elf "role=self"
check_out "vmmctl create starts the daemon and creates the xenstore guest" \
	"^created domain [0-9]+ \(xsguest\)$" vmmctl create /tmp/xsguest.cfg
check_out "daemon --status: running" "^running \(pid [0-9]+\)$" vmmctl daemon --status
check "xenstored's socket is at libxenstore's default path" test -S /var/run/xenstored/socket
check_out "  ... mode 0600" "^600$" stat -c %a /var/run/xenstored/socket
check_fail "a second daemon is refused" "another daemon is running" vmmctl daemon
X=$(domid_of xsguest)
diag "xsguest is domain $X"

check_out "vmmctl info lists what the toolstack relies on" "^capabilities: .*alloc-unbound lifecycle-events" \
	vmmctl info

# --- lifecycle events (generic netlink) -------------------------------------------
rm -f /tmp/mon.out
vmmctl monitor -n 6 >/tmp/mon.out 2>&1 &
mp=$!
wait_until 50 grep -q '^listening$' /tmp/mon.out
xcfg evg $XG/hello.elf "" preserve
xcfg evt $XG/triple.elf "" preserve preserve preserve
vmmctl create /tmp/evg.cfg >/dev/null 2>&1
wait_until 300 sh -c "vmmctl list | grep -q '^evg .*shutdown'"
vmmctl create /tmp/evt.cfg >/dev/null 2>&1
wait_until 300 sh -c "vmmctl list | grep -q '^evt .*crashed'"
vmmctl destroy evg >/dev/null 2>&1
vmmctl destroy evt >/dev/null 2>&1
wait_until 50 sh -c "[ \$(grep -c '^domain' /tmp/mon.out) -ge 6 ]"
kill $mp 2>/dev/null
check_out "monitor: created" "^domain [0-9]+ \(evg\): created$" cat /tmp/mon.out
check_out "monitor: shutdown with its reason" "^domain [0-9]+ \(evg\): shutdown \(poweroff\)$" \
	cat /tmp/mon.out
check_out "monitor: destroyed" "^domain [0-9]+ \(evg\): destroyed$" cat /tmp/mon.out
check_out "monitor: crashed" "^domain [0-9]+ \(evt\): crashed$" cat /tmp/mon.out
check_out "monitor: six events, in order for each domain" "^created shutdown destroyed$" \
	sh -c "grep '(evg)' /tmp/mon.out | sed 's/.*: //; s/ (.*//' | tr '\n' ' ' | sed 's/ $//'"
check_fail "monitor: bad argument" "unexpected argument" vmmctl monitor --json

# --- the skeleton, through Debian's clients ------------------------------------------
check_out "xenstore-read /local/domain/$X/name" "^xsguest$" xenstore-read /local/domain/$X/name
check_out "xenstore-read domid" "^$X$" xenstore-read /local/domain/$X/domid
check_out "memory/target is 16 MiB in KiB" "^16384$" xenstore-read /local/domain/$X/memory/target
check_out "the store ring's page and port are published" "^[0-9]+$" \
	xenstore-read /local/domain/$X/store/ring-ref
check_out "the console's too, with its pty" "^/dev/pts/[0-9]+$" \
	xenstore-read /local/domain/$X/console/tty
check_out "home: owned by domain 0, readable by the guest (n0,r$X)" "^n0r$X$" \
	sh -c "xenstore-ls -p /local/domain | grep '^$X = ' | sed 's/.*(\(.*\))/\1/; s/,//g'"
check_out "control/shutdown is the guest's (n$X)" "shutdown = \"\"[ .]*\(n$X\)" \
	xenstore-ls -p /local/domain/$X/control
check_out "the toolstack's record is domain 0's only (n0)" "kernel = \"$XG/xenstore.elf\"[ .]*\(n0\)" \
	xenstore-ls -p /pvhv/domain/$X

# --- the guest's own tests over its ring ---------------------------------------------
wait_until 600 dmesg_has xsguest "xs: waiting for the host"
check "the host writes into the guest's home (vmmctl xenstore write)" \
	vmmctl xenstore write /local/domain/$X/data/from-host hello-guest
wait_until 1200 sh -c "vmmctl list | grep -qE '^xsguest .*(shutdown|crashed)'"
vmmctl dmesg xsguest >/tmp/xsguest.out 2>&1
check_helper "xenstore guest" cat /tmp/xsguest.out
check_out "xenstore guest: powered off" '^xsguest .*shutdown\(poweroff\)$' vmmctl list
check_out "the daemon logged the cut-off ring" "domain $X: xenstore connection dropped: request ring index out of range" \
	cat $VMMD_LOG
check_out "the store still answers after the garbage (its name)" "^xsguest$" \
	vmmctl xenstore read /local/domain/$X/name
check_out "  ... and what the guest wrote before" "^11$" xenstore-read /local/domain/$X/data/counter

# --- Debian's clients and vmmctl xenstore ------------------------------------------------
check "xenstore-write two keys" xenstore-write /tool/a 1 /tool/b/c "two words"
check_out "xenstore-read them" "^two words$" xenstore-read /tool/b/c
check "xenstore-chmod" xenstore-chmod /tool/a n3 r0
check_out "xenstore-ls -p shows values and permissions" 'a = "1"[ .]*\(n3,r0\)' xenstore-ls -p /tool
check_out "vmmctl xenstore ls" '^ c = "two words"$' vmmctl xenstore ls /tool
check_out "vmmctl xenstore read" "^1$" vmmctl xenstore read /tool/a
check "vmmctl xenstore write" vmmctl xenstore write /tool/d four
check_out "  ... read back by xenstore-read" "^four$" xenstore-read /tool/d
check "vmmctl xenstore rm" vmmctl xenstore rm /tool/d
check_fail "  ... the key is gone" "." xenstore-read /tool/d
check_out "  ... its sibling is not" "^1$" xenstore-read /tool/a
rm -f /tmp/xw.out
xenstore-watch -n 2 /tool/w >/tmp/xw.out 2>&1 &
wp=$!
wait_until 50 grep -q '^/tool/w' /tmp/xw.out
check "xenstore-write while xenstore-watch waits" xenstore-write /tool/w/x 1
wait_until 50 grep -q '^/tool/w/x' /tmp/xw.out
kill $wp 2>/dev/null
check_out "xenstore-watch saw its first event and the write" "^2$" grep -c '^/tool/w' /tmp/xw.out
vmmctl xenstore watch -n 2 /tool/v >/tmp/vw.out 2>&1 &
wp=$!
sleep 0.3
xenstore-write /tool/v/y 1
wait_until 50 grep -q '^/tool/v/y$' /tmp/vw.out
check_out "vmmctl xenstore watch -n 2: initial event and the write" "^/tool/v/y$" cat /tmp/vw.out
wait $wp 2>/dev/null
check "xenstore-rm" xenstore-rm /tool
check_fail "xenstore-read of a removed key fails" "." xenstore-read /tool/a
check_fail "vmmctl xenstore read of a missing key: one line, exit 1" "xenstore read /nope: .*ENOENT" \
	vmmctl xenstore read /nope
check_fail "vmmctl xenstore with a bad path: EINVAL" "EINVAL" vmmctl xenstore write 'bad path' x
check_fail "vmmctl xenstore without an operation: usage" "which operation" vmmctl xenstore
vmmctl destroy xsguest >/dev/null 2>&1
check_fail "destroy removed the domain's xenstore entries" "." xenstore-read /local/domain/$X/name
check_fail "  ... and the toolstack's record" "." xenstore-read /pvhv/domain/$X/name

# --- two domains through a shared node ---------------------------------------------------
xcfg shb $XG/xenstore.elf "role=share-b"
vmmctl create /tmp/shb.cfg >/dev/null 2>&1
B=$(domid_of shb)
xcfg sha $XG/xenstore.elf "role=share-a peer=$B"
vmmctl create /tmp/sha.cfg >/dev/null 2>&1
A=$(domid_of sha)
wait_until 300 dmesg_has shb "waiting for the peer"
check "the host tells B who A is" xenstore-write /local/domain/$B/data/peer "$A"
wait_until 1200 sh -c "[ \$(vmmctl list | grep -cE '^sh[ab] .*shutdown') -ge 2 ]"
{ vmmctl dmesg sha; vmmctl dmesg shb; } >/tmp/share.out 2>&1
check_helper "two domains" cat /tmp/share.out
check_out "two domains: both powered off" "^2$" \
	sh -c "vmmctl list | grep -E '^sh[ab] ' | grep -c 'shutdown(poweroff)'"
vmmctl destroy sha >/dev/null 2>&1
vmmctl destroy shb >/dev/null 2>&1

# --- the PV console ------------------------------------------------------------------------
xcfg echo $XG/console.elf ""
vmmctl create /tmp/echo.cfg >/dev/null 2>&1
E=$(domid_of echo)
wait_until 100 sh -c "grep -q 'console: ready' /var/log/pvhv/guest-echo.log"
check_out "the PV console's output reaches its log file" "console: ready" cat /var/log/pvhv/guest-echo.log
for i in 1 2 3; do
	: >/tmp/con$i.out
	(printf 'hello %s\r' "$i"; until_out /tmp/con$i.out "echo: hello $i") |
		timeout 30 vmmctl console echo >/tmp/con$i.out 2>&1
	rc=$?
	check_out "console attach $i: the guest echoes input, Ctrl-] detaches" \
		"^echo: hello $i" sh -c "tr -d '\r' </tmp/con$i.out"
	check_out "  ... the backlog came first" "console: ready" cat /tmp/con$i.out
	check_out "  ... the console exits 0 after the detach" "^0$" echo "$rc"
done
check_out "the domain runs on after three detaches" "^echo .*running$" vmmctl list
pty=$(xenstore-read /local/domain/$E/console/tty)
check "the pty in console/tty is a character device" test -c "$pty"

# --- pause / unpause -----------------------------------------------------------------------------
check_out "vmmctl info: the pause capability" "^capabilities: .* pause( |$)" vmmctl info
rm -f /tmp/pmon.out
vmmctl monitor -n 2 >/tmp/pmon.out 2>&1 &
mp=$!
wait_until 50 grep -q '^listening$' /tmp/pmon.out
check_out "vmmctl pause echo" "^paused domain $E$" vmmctl pause echo
check_out "  ... list shows it paused" "^echo .*paused$" vmmctl list
check_fail "  ... pause again: one clear line" "cannot pause domain 'echo': it is already paused" \
	vmmctl pause echo
: >/tmp/conp.out
(printf 'while paused\r'; sleep 1; cp /tmp/conp.out /tmp/conp1.out
 vmmctl unpause echo >/tmp/unpause.out 2>&1; until_out /tmp/conp.out "echo: while paused") |
	timeout 30 vmmctl console echo >/tmp/conp.out 2>&1
rc=$?
check_out "  ... console input gets no echo within 1 s" "^0$" \
	sh -c "tr -d '\r' </tmp/conp1.out | grep -c '^echo: while paused' || true"
check_out "vmmctl unpause echo" "^unpaused domain $E$" cat /tmp/unpause.out
check_out "  ... the echo arrives once unpaused" "^echo: while paused" sh -c "tr -d '\r' </tmp/conp.out"
check_out "  ... the console exits 0 after the detach" "^0$" echo "$rc"
check_out "  ... list shows it running" "^echo .*running$" vmmctl list
wait_until 50 sh -c "[ \$(grep -c '^domain' /tmp/pmon.out) -ge 2 ]"
kill $mp 2>/dev/null
check_out "  ... vmmctl monitor: paused, then unpaused" "^paused unpaused$" \
	sh -c "grep '(echo)' /tmp/pmon.out | sed 's/.*: //' | tr '\n' ' ' | sed 's/ $//'"
check_fail "unpause of a running domain: one clear line" "cannot unpause domain 'echo': it is running, not paused" \
	vmmctl unpause echo
check_fail "pause of an unknown domain" "no such domain" vmmctl pause nosuch
check_fail "pause without a domain: usage" "which domain" vmmctl pause
check_helper "pause ioctls" pvhv-test pause "$E"
check_out "10 pause/unpause cycles in a row" "^ok$" sh -c '
	for i in 1 2 3 4 5 6 7 8 9 10; do
		vmmctl pause echo >/dev/null && vmmctl unpause echo >/dev/null || exit 1
	done; echo ok'
: >/tmp/conq.out
(printf 'after the ioctls\r'; until_out /tmp/conq.out 'echo: after the ioctls') |
	timeout 30 vmmctl console echo >/tmp/conq.out 2>&1
check_out "  ... the echo guest still answers" "^echo: after the ioctls" sh -c "tr -d '\r' </tmp/conq.out"
# A guest waiting for its timer, in SCHEDOP_poll (no timeout) or in
# SCHEDOP_block: the timer that fires while it is paused ends the wait once
# unpaused (not lost), and the pause does not end it early.
ticks() { vmmctl dmesg tick 2>/dev/null | grep -c '^tick '; }
for how in SCHEDOP_poll SCHEDOP_block; do
	xcfg tick $XG/ticker.elf "$([ $how = SCHEDOP_block ] && echo block=1)"
	vmmctl create /tmp/tick.cfg >/dev/null 2>&1
	wait_until 300 sh -c "vmmctl dmesg tick | grep -q '^tick 3$'"
	check_out "pause of a guest waiting for its timer in $how" "^paused domain" vmmctl pause tick
	t1=$(ticks)
	sleep 1
	t2=$(ticks)
	check_out "  ... no tick while paused ($t1, then $t2)" "^ok$" sh -c "[ '$t1' = '$t2' ] && echo ok"
	check_out "  ... unpause" "^unpaused domain" vmmctl unpause tick
	wait_until 150 sh -c "[ \$(vmmctl dmesg tick | grep -c '^tick ') -ge $((t2 + 3)) ]"
	check_out "  ... the timer raised while paused was kept: the ticks go on" "^ok$" \
		sh -c "[ \$(vmmctl dmesg tick | grep -c '^tick ') -ge $((t2 + 3)) ] && echo ok"
	check_out "  ... and no $how returned with nothing pending" "^0$" \
		sh -c "vmmctl dmesg tick | grep -c 'nothing pending' || true"
	vmmctl destroy tick >/dev/null 2>&1
	# Paused right after a tick, for less than the period: no early end.
	xcfg tick $XG/ticker.elf "period=3000 $([ $how = SCHEDOP_block ] && echo block=1)"
	vmmctl create /tmp/tick.cfg >/dev/null 2>&1
	wait_until 200 sh -c "vmmctl dmesg tick | grep -q '^tick 1$'"
	vmmctl pause tick >/dev/null 2>&1
	sleep 1
	vmmctl unpause tick >/dev/null 2>&1
	wait_until 300 sh -c "vmmctl dmesg tick | grep -q '^tick 3$'"
	check_out "a pause inside a 3 s $how does not end it early" "^0 ([3-9]|[1-9][0-9]+)$" \
		sh -c "echo \$(vmmctl dmesg tick | grep -c 'nothing pending') \$(vmmctl dmesg tick | grep -c '^tick ')"
	vmmctl destroy tick >/dev/null 2>&1
done
xcfg pspin $XG/spin.elf ""
vmmctl create /tmp/pspin.cfg >/dev/null 2>&1
wait_until 100 dmesg_has pspin spinning
check_out "pause of a spinning guest" "^paused domain" vmmctl pause pspin
check_out "  ... shutdown of the paused domain (forced: it cannot answer)" "has stopped" \
	vmmctl shutdown -w -t 1 pspin
check_out "  ... shutdown(poweroff)" '^pspin .*shutdown\(poweroff\)$' vmmctl list
check_fail "pause of a shut-down domain: one clear line" \
	"cannot pause domain 'pspin': it has shut down \(poweroff\)" vmmctl pause pspin
check_fail "unpause of a shut-down domain: likewise" "cannot unpause domain 'pspin': it has shut down" \
	vmmctl unpause pspin
vmmctl destroy pspin >/dev/null 2>&1
vmmctl create /tmp/pspin.cfg >/dev/null 2>&1
wait_until 100 dmesg_has pspin spinning
check_out "pause another spinning guest" "^paused domain" vmmctl pause pspin
check_out "  ... destroy of the paused domain" "^destroyed domain" vmmctl destroy pspin
check_out "  ... gone" "^0$" sh -c "vmmctl list | grep -c '^pspin ' || true"
(printf 'flood 3000\r'; sleep 1; printf '\035') | timeout 60 vmmctl console echo >/tmp/flood.out 2>&1
wait_until 1200 grep -q 'flood done' /var/log/pvhv/guest-echo.log
: >/tmp/flood2.out
(sleep 0.5; until_out /tmp/flood2.out 'flood done') | timeout 30 vmmctl console echo >/tmp/flood2.out 2>&1
check_out "after 240 KB of output a new attach starts with the drop marker" \
	"^\[\.\.\. [0-9]+ bytes dropped \.\.\.\]$" cat /tmp/flood2.out
check "  ... and still ends with the newest output" grep -q "flood done" /tmp/flood2.out
check_out "  ... the log kept at most 64 KiB" "^ok$" \
	sh -c "[ \$(grep -c '^flood 0' /tmp/flood2.out) -le 1100 ] && echo ok"
check_out "the log file has all of it" "^3000$" \
	sh -c "grep -c '^flood [0-9]' /var/log/pvhv/guest-echo.log"

# --- shutdown through control/shutdown ---------------------------------------------------------
xcfg sdg $XG/xenstore.elf "role=shutdown" preserve
vmmctl create /tmp/sdg.cfg >/dev/null 2>&1
wait_until 300 dmesg_has sdg "shutdown: ready"
check_out "vmmctl shutdown -w: through control/shutdown" "has stopped" vmmctl shutdown -w sdg
check_out "  ... the guest saw the request" "request 'poweroff'" vmmctl dmesg sdg
check_out "  ... and powered off itself" '^sdg .*shutdown\(poweroff\)$' vmmctl list
check_fail "shutdown of a stopped domain: one clear line" "is not running" vmmctl shutdown sdg
vmmctl destroy sdg >/dev/null 2>&1
xcfg sdspin $XG/spin.elf ""
vmmctl create /tmp/sdspin.cfg >/dev/null 2>&1
wait_until 100 dmesg_has sdspin spinning
check_out "a guest that ignores control/shutdown: forced after the timeout" \
	"did not take the request within 1 s" vmmctl shutdown -w -t 1 sdspin
check_out "  ... shutdown(poweroff)" '^sdspin .*shutdown\(poweroff\)$' vmmctl list
vmmctl destroy sdspin >/dev/null 2>&1
check_fail "shutdown of an unknown domain" "no such domain" vmmctl shutdown nosuch
check_fail "shutdown: bad option" "unknown option" vmmctl shutdown -x sdg

# --- create CONFIG key=value ---------------------------------------------------------------------
xcfg ovr $XG/spin.elf ""
check_out "create CONFIG memory=24 name=ovr2: the overrides apply" "^created domain [0-9]+ \(ovr2\)$" \
	vmmctl create /tmp/ovr.cfg memory=24 name=ovr2
check_out "  ... list shows the name and 24 MiB" "^ovr2 +[0-9]+ +24 +1 +running$" vmmctl list
O=$(domid_of ovr2)
check_out "  ... and so does memory/target" "^24576$" xenstore-read /local/domain/$O/memory/target
check_out "  ... the config's own name is not used" "^0$" sh -c "vmmctl list | grep -c '^ovr ' || true"
vmmctl destroy ovr2 >/dev/null 2>&1
check_fail "create with a bad override: one clear line" "memory: 'lots' is not a size in MiB" \
	vmmctl create /tmp/ovr.cfg memory=lots

# --- on_* actions --------------------------------------------------------------------------------
xcfg rbg $XG/xenstore.elf "role=shutdown" destroy restart
: >/tmp/rbg.out
timeout 300 vmmctl create /tmp/rbg.cfg -c </dev/null >/tmp/rbg.out 2>&1 &
cpid=$!
wait_until 300 grep -q "shutdown: ready" /tmp/rbg.out
R1=$(domid_of rbg)
check "vmmctl reboot: through control/shutdown" vmmctl reboot rbg
wait_until 300 sh -c "[ -n \"\$(domid_of rbg)\" ] && [ \"\$(domid_of rbg)\" != $R1 ]"
R2=$(domid_of rbg)
check_out "on_reboot=restart: rbg came back as a new domain ($R1 -> $R2)" "^ok$" \
	sh -c "[ -n '$R2' ] && [ '$R2' != '$R1' ] && echo ok"
wait_until 300 sh -c "[ \$(grep -c 'shutdown: ready' /tmp/rbg.out) -ge 2 ]"
check_out "  ... running, with its xenstore skeleton" "^rbg$" xenstore-read /local/domain/$R2/name
check_fail "  ... the old domain's entries are gone" "." xenstore-read /local/domain/$R1/name
check_out "  ... 'create -c' followed it to the new domain" "domain $R1 rebooted; now domain $R2" \
	cat /tmp/rbg.out
check "vmmctl shutdown of the new domain" vmmctl shutdown rbg
wait $cpid
rc=$?
check_out "  ... 'create -c' exits 0 (poweroff) after following the restart" "^0$" echo "$rc"
check_out "  ... on_poweroff=destroy: gone" "^0$" sh -c "vmmctl list | grep -c '^rbg ' || true"
xcfg rbspin $XG/spin.elf "" preserve destroy
vmmctl create /tmp/rbspin.cfg >/dev/null 2>&1
wait_until 100 dmesg_has rbspin spinning
check_out "vmmctl reboot of a guest that ignores control/shutdown: forced after the timeout" \
	"did not take the request within 1 s" vmmctl reboot -w -t 1 rbspin
wait_until 50 sh -c "! vmmctl list | grep -q '^rbspin '"
check_out "  ... as a reboot: on_reboot=destroy applied (on_poweroff would preserve)" "^0$" \
	sh -c "vmmctl list | grep -c '^rbspin ' || true"
check_out "  ... the daemon says so" "rbspin\) shutdown reboot: destroy" cat $VMMD_LOG
xcfg crashd $XG/triple.elf "" preserve preserve destroy
timeout 60 vmmctl create /tmp/crashd.cfg -c >/tmp/crashd.out 2>&1
rc=$?
check_out "on_crash=destroy: 'create -c' exits 5 (crash)" "^5$" echo "$rc"
check_out "  ... and says what it did" "on that: destroy" cat /tmp/crashd.out
check_out "  ... the domain is gone" "^0$" sh -c "vmmctl list | grep -c '^crashd ' || true"

# --- kill -9 of the daemon under running guests ---------------------------------------------------
xcfg kgs $XG/xenstore.elf "role=shutdown" preserve
vmmctl create /tmp/kgs.cfg >/dev/null 2>&1
K=$(domid_of kgs)
wait_until 300 dmesg_has kgs "shutdown: ready"
sleep 0.5	# the store is saved within 100 ms of a change
pid=$(vmmctl daemon --status | sed -n 's/^running (pid \([0-9]*\))$/\1/p')
check "kill -9 the daemon (pid $pid)" kill -9 "$pid"
sleep 1
check_fail "  ... it is gone" "not running" vmmctl daemon --status
check_out "  ... the guests still run" "^2$" \
	sh -c "vmmctl list | grep -cE '^(echo|kgs) .*running$'"
check "restart the daemon" vmmctl daemon --detach
check_out "  ... it re-attached both domains" "store reloaded .*: 2 domain\(s\) re-attached" \
	cat $VMMD_LOG
check_out "  ... the store survived (kgs's name)" "^kgs$" xenstore-read /local/domain/$K/name
: >/tmp/con4.out
(printf 'after restart\r'; until_out /tmp/con4.out 'echo: after restart') |
	timeout 30 vmmctl console echo >/tmp/con4.out 2>&1
check_out "  ... the console works again" "^echo: after restart" sh -c "tr -d '\r' </tmp/con4.out"
check_out "  ... with the output from before the kill (restored from its log)" "flood done" \
	cat /tmp/con4.out
check_out "  ... the guest's watch survived: vmmctl shutdown reaches it" "has stopped" \
	vmmctl shutdown -w -t 20 kgs
check_out "  ... it took the request itself (no forced shutdown)" "request 'poweroff'" \
	vmmctl dmesg kgs
(printf 'quit\r'; sleep 2) | timeout 30 vmmctl console echo >/tmp/con5.out 2>&1
rc=$?
check_out "console: 'quit' powers the echo guest off; console exits 0 (poweroff)" "^0 bye" \
	sh -c "echo $rc \$(tr -d '\r' </tmp/con5.out | grep -x bye)"

# --- the module's hostile-argument check of ALLOC_UNBOUND ---------------------------------------------
check_helper "alloc-unbound" xs-test alloc-unbound

# --- clean up ------------------------------------------------------------------------------------------
vmmctl destroy echo >/dev/null 2>&1
vmmctl destroy kgs >/dev/null 2>&1
check_out "the daemon followed the module's lifecycle events (generic netlink)" \
	"listening to the module's lifecycle events" cat $VMMD_LOG
check_out "  ... and never fell back to polling only" "^0$" sh -c "grep -c 'no lifecycle events' $VMMD_LOG || true"
check_out "all destroyed: counters at the idle baseline" "^$STATS_IDLE$" pvhv-test stats
check "vmmctl daemon --stop" vmmctl daemon --stop
check_fail "  ... stopped" "not running" vmmctl daemon --status
check "rmmod pvhv after the host-side tests" /sbin/rmmod pvhv
diag "$(tail -n 40 $VMMD_LOG)"
