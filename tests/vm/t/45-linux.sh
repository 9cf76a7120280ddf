# SPDX-License-Identifier: GPL-2.0-only
# Debian's own kernel as a guest, loaded as shipped: the bzImage this test
# VM booted (copied in by tests/vm/run as /pvhv/linux/vmlinuz), 2 vCPUs,
# for LINUX_SECS seconds. Its log must show the kernel's banner
# (earlyprintk=xen through console_io) and the host must keep its CPUs:
# tests/vm/run fails the boot if this VM's console shows a soft lockup, an
# RCU stall or a hung task (what a Debian guest did to the host before
# the x86 layer). Until the local APIC exists (issue 13) the kernel stops
# in early boot; the domain is destroyed cleanly, the module's counters
# back to idle.
LINUX_SECS=${LINUX_SECS:-20}
K=/pvhv/linux/vmlinuz
if [ ! -f "$K" ]; then
	not_ok "linux: $K is in the initramfs (tests/vm/run copies /boot/vmlinuz-$(uname -r))"
else
	cat >/tmp/linux.cfg <<EOC
name = "linux"
memory = 128
vcpus = 2
kernel = "$K"
ramdisk = "/pvhv/linux/initrd.cpio"
type = "pvh"
cmdline = "console=hvc0 earlyprintk=xen loglevel=8 ignore_loglevel"
on_poweroff = "preserve"
on_reboot = "preserve"
on_crash = "preserve"
EOC
	linux_timeout=$CMD_TIMEOUT
	CMD_TIMEOUT=300	# unpacking the kernel is slow under emulation
	check_out "linux: vmmctl create boots Debian's bzImage as shipped" "^created domain [0-9]+ \(linux\)$" \
		vmmctl create /tmp/linux.cfg
	CMD_TIMEOUT=$linux_timeout
	sleep "$LINUX_SECS"
	vmmctl dmesg linux >/tmp/linux.out 2>&1
	# Printable text only: the log may hold whatever the guest wrote.
	diag "$(grep -a -m1 'Linux version' /tmp/linux.out | sed 's/[^[:print:]]//g' | cut -c1-160)"
	diag "$(grep -a '^\[' /tmp/linux.out | tail -n ${LINUX_DIAG_LINES:-3} | sed 's/[^[:print:]]//g' | cut -c1-160)"
	diag "$(grep -a -E 'PVHV-GUEST-INIT|WARNING|BUG|unchecked MSR|FW_BUG|Spurious|APIC' /tmp/linux.out | head -n 20 | sed 's/[^[:print:]]//g' | cut -c1-160)"
	diag "console: $(tail -n ${LINUX_DIAG_LINES:-3} /var/log/pvhv/guest-linux.log 2>&1 | sed 's/[^[:print:]]//g' | cut -c1-160)"
	check "linux: its log shows the kernel's banner (earlyprintk=xen)" grep -aq 'Linux version' /tmp/linux.out
	diag "$(vmmctl list | grep '^linux ')"
	diag "$(dmesg | grep -a 'pvhv.*(linux) crashed' | tail -n 2 | cut -c1-200)"
	check "linux: destroyed after ${LINUX_SECS} s" vmmctl destroy linux
	wait_until 100 sh -c "[ \"\$(pvhv-test stats)\" = \"$STATS_IDLE\" ]"
	check_out "linux: the module's counters back to idle" "^$STATS_IDLE\$" pvhv-test stats
fi
