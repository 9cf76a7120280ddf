// SPDX-License-Identifier: GPL-2.0-only
/*
 * kvm-hold: make KVM own the CPU's virtualization extensions, to test that
 * pvhv refuses to load beside it (and KVM beside pvhv).
 *
 *   kvm-hold create        KVM_CREATE_VM, report, exit 0 if it worked
 *   kvm-hold hold FILE     KVM_CREATE_VM, write "ready" to FILE, wait for a signal
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>
#include <linux/kvm.h>

static int create_vm(void)
{
	int kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC), vm;

	if (kvm < 0) {
		printf("kvm-hold: open /dev/kvm: %s\n", strerror(errno));
		return -1;
	}
	vm = ioctl(kvm, KVM_CREATE_VM, 0UL);
	if (vm < 0) {
		printf("kvm-hold: KVM_CREATE_VM: %s\n", strerror(errno));
		close(kvm);
		return -1;
	}
	printf("kvm-hold: KVM_CREATE_VM ok\n");
	return vm;
}

int main(int argc, char **argv)
{
	FILE *f;

	setvbuf(stdout, NULL, _IONBF, 0);
	if (argc == 2 && !strcmp(argv[1], "create"))
		return create_vm() < 0;
	if (argc == 3 && !strcmp(argv[1], "hold")) {
		if (create_vm() < 0)
			return 1;
		f = fopen(argv[2], "w");
		if (!f)
			return 1;
		fputs("ready\n", f);
		fclose(f);
		pause();
		return 0;
	}
	fprintf(stderr, "usage: kvm-hold create | hold FILE\n");
	return 2;
}
