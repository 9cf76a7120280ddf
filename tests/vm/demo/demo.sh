# SPDX-License-Identifier: GPL-2.0-only
# The README's demo, run inside the test VM: load pvhv.ko and show vmmctl
# working. Each step is also a TAP check, so the demo fails loudly.

show() {
	echo "# \$ $*"
	"$@" 2>&1 | sed 's/^/#   /'
}

check "insmod pvhv.ko" /sbin/insmod /pvhv/pvhv.ko
udevadm settle -t 10 >/dev/null 2>&1
show vmmctl info
check_out "vmmctl info shows the $EXPECT_VENDOR backend" "^vendor: +$EXPECT_VENDOR$" vmmctl info
show vmmctl create --name web --memory 256M --vcpus 2
show vmmctl create --name db --memory 128M
show vmmctl list
check_out "vmmctl list shows web and db" "^db +[0-9]+ +128 " vmmctl list
show vmmctl list --json
show vmmctl destroy web
show vmmctl list
check "rmmod pvhv (db still alive: destroyed on unload)" /sbin/rmmod pvhv
