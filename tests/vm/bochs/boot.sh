# SPDX-License-Identifier: GPL-2.0-only
# shellcheck shell=bash
#
# The bochs stage of tests/vm/run (sourced by it; uses its build,
# build_initramfs, count_tap and say): one boot of the 6.1 kernel under
# bochs, which emulates Intel VMX with EPT, VPID and unrestricted guest, with
# the test files bochs/plan lists. Recipe measured in
# /work/shared/notes/bochs-vmx.md: an isolinux CD, two CPUs (so CPU hotplug
# and a VMCS following its vCPU across CPUs run under VMX too;
# PVHV_BOCHS_CPUS), the serial console to a file, the rfb display (Debian's bochs has no "nogui"; it listens on TCP
# 5900, so one bochs at a time: a lock file). The CPU is corei7_haswell_4770
# (PVHV_BOCHS_CPU): with corei7_skylake_x the Debian kernel rejects bochs'
# XSAVE layout (the xstate WARNING at boot) and runs without XSAVE, which
# pvhv needs to switch the guest's FPU state.

bochs_bios=/usr/share/bochs/BIOS-bochs-latest
bochs_vgabios=/usr/share/vgabios/vgabios.bin
bochs_isolinux=/usr/lib/ISOLINUX/isolinux.bin
bochs_ldlinux=/usr/lib/syslinux/modules/bios/ldlinux.c32
bochs_timeout=${PVHV_BOCHS_TIMEOUT:-3000}

# The kernel to boot: PVHV_BOCHS_KERNEL, else the newest usable 6.1 kernel.
bochs_kernel() {
	local k v best=
	if [ -n "${PVHV_BOCHS_KERNEL:-}" ]; then
		echo "$PVHV_BOCHS_KERNEL"
		return
	fi
	for k in /boot/vmlinuz-6.1.*; do
		[ -e "$k" ] || continue
		v=${k#/boot/vmlinuz-}
		[ -f "/usr/src/linux-headers-$v/Module.symvers" ] && [ -d "/lib/modules/$v" ] && best=$v
	done
	echo "$best"
}

# The stage cannot run: one visible SKIP, counted, never a pass.
bochs_skip() {	# kernel, reason
	echo "ok 1 - VMX tests under bochs # SKIP $2"
	say "kernel ${1:-6.1} (bochs): 0 passed, 0 failed, 1 skipped ($2)"
	total_skip=$((total_skip + 1))
}

bochs_stage() {
	local ver dir log tap start end rc t
	ver=$(bochs_kernel)
	if [ -z "$ver" ]; then
		bochs_skip "" "no 6.1 kernel with headers (scripts/setup-deps installs it)"
		return
	fi
	for t in bochs xorriso; do
		if ! command -v "$t" >/dev/null; then
			bochs_skip "$ver" "$t not installed (scripts/setup-deps)"
			return
		fi
	done
	for t in "$bochs_bios" "$bochs_vgabios" "$bochs_isolinux" "$bochs_ldlinux"; do
		if [ ! -r "$t" ]; then
			bochs_skip "$ver" "$t missing (bochsbios, vgabios, isolinux, syslinux-common: scripts/setup-deps)"
			return
		fi
	done
	if [ -z "$busybox" ] || [[ "$(ldd "$busybox" 2>&1)" != *"not a dynamic"* ]]; then
		bochs_skip "$ver" "no static busybox (install busybox-static)"
		return
	fi
	if [ ! -r "/boot/vmlinuz-$ver" ]; then
		bochs_skip "$ver" "/boot/vmlinuz-$ver is not readable"
		return
	fi
	build "$ver" || return

	dir=$out/$ver/bochs
	log=$dir/serial.out
	tap=$out/$ver/tap-bochs.txt
	rm -rf "$dir"
	mkdir -p "$dir/cd/isolinux"
	build_initramfs "$ver" bochs
	cp "$bochs_isolinux" "$bochs_ldlinux" "$dir/cd/isolinux/"
	cp "/boot/vmlinuz-$ver" "$dir/cd/isolinux/vmlinuz"
	cp "$out/$ver/initramfs-bochs.cpio" "$dir/cd/isolinux/initrd"
	cat >"$dir/cd/isolinux/isolinux.cfg" <<EOC
SERIAL 0 115200
DEFAULT pvhv
PROMPT 0
TIMEOUT 0
LABEL pvhv
  KERNEL vmlinuz
  APPEND initrd=initrd console=ttyS0,115200 quiet panic=-1 oops=panic
EOC
	if ! xorriso -as mkisofs -quiet -o "$dir/boot.iso" -b isolinux/isolinux.bin \
		-c isolinux/boot.cat -no-emul-boot -boot-load-size 4 -boot-info-table \
		"$dir/cd" >"$dir/xorriso.log" 2>&1; then
		sed 's/^/vm:   /' "$dir/xorriso.log"
		echo "not ok 1 - kernel $ver: build the bochs boot CD"
		say "kernel $ver (bochs): 0 passed, 1 failed, 0 skipped"
		total_fail=$((total_fail + 1))
		return
	fi
	cat >"$dir/bochsrc" <<EOC
romimage: file=$bochs_bios
vgaromimage: file=$bochs_vgabios
display_library: rfb, options="timeout=0"
plugin_ctrl: speaker=0, gameport=0, parallel=0, iodebug=0
sound: driver=dummy
cpu: model=${PVHV_BOCHS_CPU:-corei7_haswell_4770}, count=${PVHV_BOCHS_CPUS:-2}, ips=200000000, reset_on_triple_fault=0, ignore_bad_msrs=1
memory: guest=1024, host=1024
clock: sync=none, time0=local
pci: enabled=1, chipset=i440fx
ata0-master: type=cdrom, path=boot.iso, status=inserted
boot: cdrom
com1: enabled=1, mode=file, dev=serial.out
log: bochs.log
panic: action=fatal
error: action=$([ "${PVHV_BOCHS_DEBUG:-0}" = 1 ] && echo report || echo ignore)
info: action=report
debug: action=ignore
EOC
	echo c >"$dir/cont"	# the built-in debugger waits at the first instruction

	say "kernel $ver: booting suite bochs (VMX; timeout ${bochs_timeout}s)"
	start=$(date +%s)
	# poweroff -f ends bochs with status 1 and a PANIC line: the TAP decides.
	(cd "$dir" && flock -w "$bochs_timeout" /tmp/pvhv-bochs.lock \
		timeout --foreground -k 10 "$bochs_timeout" bochs -q -f bochsrc -rc cont \
		</dev/null >bochs.out 2>&1)
	rc=$?
	end=$(date +%s)
	count_tap "$ver" bochs "$log" "$tap" \
		"bochs exit $rc after $((end - start))s; timeout ${bochs_timeout}s; see ${dir#$top/}/bochs.log" \
		"$((end - start))s"
}
