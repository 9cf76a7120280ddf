# SPDX-License-Identifier: GPL-2.0-only
# The README's demo, run inside the test VM: load pvhv.ko, show vmmctl
# working, and boot the first guest, which says "Hello world" through Xen's
# console_io hypercall and powers itself off; then Debian's own kernel to its
# shell, with a command typed into it. Each step is also a TAP check.

show() {
	echo "# \$ $*"
	"$@" 2>&1 | sed 's/^/#   /'
}

check "insmod pvhv.ko" /sbin/insmod /pvhv/pvhv.ko
udevadm settle -t 10 >/dev/null 2>&1
show vmmctl info
check_out "vmmctl info shows the $EXPECT_VENDOR backend" "^vendor: +$EXPECT_VENDOR$" vmmctl info
show vmmctl create --name web --memory 256M --vcpus 2
show vmmctl list
show vmmctl destroy web
cat >/tmp/hello.cfg <<EOC
name = "hello"
memory = 32
kernel = "/pvhv/guests/hello.elf"
type = "pvh"
cmdline = "demo"
EOC
show cat /tmp/hello.cfg
show vmmctl create /tmp/hello.cfg -c
check_out "the guest said Hello world" "^Hello world$" vmmctl create /tmp/hello.cfg -c

# Debian's own kernel, the bzImage this VM booted, unmodified, as a PVH
# guest with a busybox initramfs: to its shell on hvc0, a command typed in.
lx_cfg debian 2 128
sed -i 's/^name = .*/name = "debian"/' /tmp/debian.cfg
show cat /tmp/debian.cfg
show vmmctl create /tmp/debian.cfg
wait_until 3000 lx_settled debian
check_out "Debian's kernel reached its shell" "PVHV-GUEST-INIT cpus=2" cat "$(lx_log debian)"
echo "# \$ (typed into vmmctl console debian) uname -r; grep -c ^processor /proc/cpuinfo"
rc=$(lx_cmd debian 'uname -r; grep -c ^processor /proc/cpuinfo')
sed 's/^/#   /' /tmp/lx.out
check "the command typed through vmmctl console ran in the guest" grep -qxF "$(uname -r)" /tmp/lx.out
show vmmctl shutdown -w -t 120 debian
show vmmctl list
vmmctl destroy debian >/dev/null 2>&1
vmmctl daemon --stop >/dev/null 2>&1
check "rmmod pvhv" /sbin/rmmod pvhv
