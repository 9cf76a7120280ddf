// SPDX-License-Identifier: GPL-2.0-only
/*
 * Hostile guest: bad pointers, huge lengths, unmapped, read-only and
 * non-canonical addresses to every hypercall of the SVM/PVH issue. Each must
 * fail with the errno Xen gives (-EFAULT/-EINVAL) and the domain go on.
 */
#include "rt.h"

#define EFAULT 14
#define EINVAL 22
#define ENOSYS 38
#define ESRCH 3
#define EPERM 1

extern uint64_t rt_pd[];

void guest_main(const struct hvm_start_info *si)
{
	static const uint64_t bad[] = {
		0x100000000ULL + 0x40,		/* unmapped in our page tables */
		0x8000000000000000ULL,		/* non-canonical */
		0xffffffffffff0000ULL,		/* canonical, unmapped */
		0x3ff00000ULL,			/* mapped by the guest, beyond its RAM */
	};
	char ro_copy[64];
	char *ro;
	unsigned int i;
	long r;

	(void)si;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		void *p = (void *)bad[i];
		struct xen_feature_info *fi = p;

		CHECK(console_write(p, 16) == -EFAULT, "console_io from %p: -EFAULT", p);
		CHECK(xen_version(XENVER_extraversion, p) == -EFAULT,
		      "xen_version(extraversion) to %p: -EFAULT", p);
		CHECK(xen_version(XENVER_compile_info, p) == -EFAULT,
		      "xen_version(compile_info) to %p: -EFAULT", p);
		CHECK(xen_version(XENVER_capabilities, p) == -EFAULT,
		      "xen_version(capabilities) to %p: -EFAULT", p);
		CHECK(xen_version(XENVER_changeset, p) == -EFAULT,
		      "xen_version(changeset) to %p: -EFAULT", p);
		CHECK(xen_version(XENVER_get_features, fi) == -EFAULT,
		      "xen_version(get_features) at %p: -EFAULT", p);
		CHECK(sched_op(SCHEDOP_shutdown, p) == -EFAULT,
		      "sched_op(shutdown) from %p: -EFAULT", p);
	}
	/* A buffer that starts mapped and runs into unmapped memory. */
	CHECK(console_write((const char *)0xffffff00ULL + 0xf0, 0x200) == -EFAULT,
	      "console_io across the end of the mapping: -EFAULT");
	CHECK(console_write("x", 0x7fffffff) == -EINVAL, "console_io of 2 GiB: -EINVAL");
	CHECK(console_write("x", 0xffffffff) == -EINVAL, "console_io of 4 GiB - 1: -EINVAL");
	CHECK(console_write("", 0) == 0, "console_io of 0 bytes: 0");

	/* Results written to a read-only page (CR0.WP is on) are refused. */
	ro = (char *)0x600000;			/* the 2 MiB page at 6 MiB */
	rt_pd[3] &= ~2ULL;			/* clear RW */
	asm volatile("invlpg (%0)" : : "r" (ro) : "memory");
	memcpy(ro_copy, ro, sizeof(ro_copy));
	r = xen_version(XENVER_extraversion, ro);
	CHECK(r == -EFAULT && !rt_memcmp(ro_copy, ro, sizeof(ro_copy)),
	      "xen_version(extraversion) into a read-only page: -EFAULT, page unchanged");
	CHECK(xen_version(XENVER_pagesize, ro) == 4096, "read-only pointers are fine for inputs");

	{
		struct sched_remote_shutdown rs = { .domain_id = 0, .reason = 0 };

		CHECK(sched_op(SCHEDOP_remote_shutdown, &rs) == -ESRCH || sched_op(SCHEDOP_remote_shutdown, &rs) == -EPERM,
		      "remote_shutdown of domain 0 by a guest: refused");
		rs.domain_id = 777;
		CHECK(sched_op(SCHEDOP_remote_shutdown, &rs) == -ESRCH, "remote_shutdown of domain 777 (none): -ESRCH");
		CHECK(sched_op(SCHEDOP_remote_shutdown, (void *)0x100000000ULL) == -EFAULT,
		      "remote_shutdown from an unmapped address: -EFAULT");
	}
	{
		struct sched_shutdown ss = { .reason = 99 };

		CHECK(sched_op(SCHEDOP_shutdown, &ss) == -EINVAL, "sched_op(shutdown, reason 99): -EINVAL");
	}
	for (i = 0; i < 64; i++)
		if (rt_hypercall(64 + i, ~0UL, ~0UL, ~0UL) != -ENOSYS)
			break;
	CHECK(i == 64, "64 unknown hypercall numbers with junk arguments: -ENOSYS");
	CHECK(rt_vmmcall(0xffffffff, 0, 0, 0) == -ENOSYS, "hypercall 0xffffffff: -ENOSYS");
	{
		uint8_t v;

		asm volatile("inb $0x80, %0" : "=a" (v));
		asm volatile("outb %0, $0x80" : : "a" (v));
		CHECK(v == 0xff, "I/O to a port with no device: reads 0xff, writes dropped");
	}
	rt_printf("hostile: still running\n");
}
