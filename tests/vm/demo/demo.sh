# SPDX-License-Identifier: GPL-2.0-only
# The README's demo, run inside the test VM: load pvhv.ko, show vmmctl
# working, and boot the first guest, which says "Hello world" through Xen's
# console_io hypercall and powers itself off. Each step is also a TAP check.

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
check "rmmod pvhv" /sbin/rmmod pvhv
