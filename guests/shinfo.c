// SPDX-License-Identifier: GPL-2.0-only
/*
 * shared_info and time: XENMEM_add_to_physmap(shared_info) over a RAM page
 * and beyond RAM, remove_from_physmap (the RAM page comes back), the
 * wallclock and pvclock version protocols, pvclock against the TSC,
 * XENMEM_memory_map and the reservation queries; bad arguments to all.
 */
#include "rt.h"
#include <xen/memory.h>

#define EFAULT 14
#define EINVAL 22
#define ESRCH 3
#define ENOSYS 38
#define ENOENT 2

struct e820 {
	uint64_t addr, size;
	uint32_t type;
} __attribute__((packed));

static long memory_op(unsigned int cmd, void *arg)
{
	return rt_hypercall(__HYPERVISOR_memory_op, cmd, (unsigned long)arg, 0);
}

static long map_shinfo(uint64_t gfn, uint16_t domid, unsigned int space, unsigned long idx)
{
	struct xen_add_to_physmap a = { .domid = domid, .space = space, .idx = idx, .gpfn = gfn };

	return memory_op(XENMEM_add_to_physmap, &a);
}

static long unmap_gfn(uint64_t gfn)
{
	struct xen_remove_from_physmap r = { .domid = DOMID_SELF, .gpfn = gfn };

	return memory_op(XENMEM_remove_from_physmap, &r);
}

void guest_main(const struct hvm_start_info *si)
{
	uint64_t ram_pages = 0, gfn = 0x500, prev, now, t0, t1, ns0, ns1;
	volatile uint64_t *ram = (volatile uint64_t *)(gfn << 12);
	volatile struct shared_info *sh = (volatile void *)(gfn << 12);
	struct xen_memory_map mm;
	struct e820 map[8];
	uint32_t odd = 0, r[4], i;
	domid_t self = DOMID_SELF, other = 777;
	long ret;

	/* Memory map and reservations. */
	mm.nr_entries = 8;
	set_xen_guest_handle(mm.buffer, map);
	ret = memory_op(XENMEM_memory_map, &mm);
	CHECK(ret == 0 && mm.nr_entries >= 2 && map[0].type == 1 && map[0].addr == 0 &&
	      map[mm.nr_entries - 1].type == 2,
	      "XENMEM_memory_map: RAM first, the special pages last (%ld, %u entries)", ret, mm.nr_entries);
	/* The toolstack's map (PVHV_DOMAIN_SET_MEMORY_MAP): the one in start_info, ACPI tables included. */
	{
		const struct hvm_memmap_table_entry *e = (const void *)(uintptr_t)si->memmap_paddr;
		uint32_t same = si->memmap_entries == mm.nr_entries, acpi = 0;

		for (i = 0; same && i < mm.nr_entries; i++) {
			same = e[i].addr == map[i].addr && e[i].size == map[i].size && e[i].type == map[i].type;
			acpi += map[i].type == 3;
		}
		CHECK(same && acpi == 1, "XENMEM_memory_map is start_info's memory map, with one ACPI entry (%u entries there)",
		      si->memmap_entries);
	}
	ram_pages = (map[mm.nr_entries - 1].addr + map[mm.nr_entries - 1].size) >> 12;
	mm.nr_entries = 1;
	CHECK(memory_op(XENMEM_memory_map, &mm) == 0 && mm.nr_entries == 1,
	      "XENMEM_memory_map with room for 1 entry returns 1");
	CHECK(memory_op(XENMEM_current_reservation, &self) == (long)ram_pages,
	      "XENMEM_current_reservation = %lu pages", (unsigned long)ram_pages);
	CHECK(memory_op(XENMEM_maximum_reservation, &self) >= (long)ram_pages,
	      "XENMEM_maximum_reservation >= current");
	CHECK(memory_op(14 /* maximum_gpfn */, 0) == (long)ram_pages - 1, "XENMEM_maximum_gpfn");
	CHECK(memory_op(XENMEM_current_reservation, &other) == -ESRCH,
	      "XENMEM_current_reservation of a domain that does not exist: -ESRCH");

	/* shared_info over a RAM page. */
	ram[0] = 0x1122334455667788ULL;
	ram[511] = 0x99;
	CHECK(map_shinfo(gfn, DOMID_SELF, XENMAPSPACE_shared_info, 0) == 0,
	      "add_to_physmap(shared_info) at gfn %#lx", (unsigned long)gfn);
	CHECK(ram[0] != 0x1122334455667788ULL || ram[511] != 0x99,
	      "the gfn now shows shared_info, not the RAM page");
	CHECK(!(sh->wc_version & 1) && sh->wc_version >= 2 && sh->wc_sec > 1600000000,
	      "wallclock: version %u (even), wc_sec %u", sh->wc_version, sh->wc_sec);

	/* pvclock of vCPU 0, against the TSC and the frequency in CPUID 0x40000003. */
	rt_cpuid(0x40000003, 0, r);
	CHECK(r[2] > 0, "CPUID 0x40000003: TSC %u kHz", r[2]);
	prev = rt_pvclock_ns(&sh->vcpu_info[0].time, &odd);
	CHECK(!(sh->vcpu_info[0].time.version & 1) && sh->vcpu_info[0].time.tsc_to_system_mul,
	      "pvclock: version even, mul %u shift %d", sh->vcpu_info[0].time.tsc_to_system_mul,
	      sh->vcpu_info[0].time.tsc_shift);
	/* Both times at the TSC values they were computed from: an exit between reads cannot skew them. */
	ns0 = rt_pvclock_read(&sh->vcpu_info[0].time, &odd, &t0);
	for (i = 0; i < 200000; i++) {
		now = rt_pvclock_ns(&sh->vcpu_info[0].time, &odd);
		if (now < prev)
			break;
		prev = now;
	}
	CHECK(i == 200000, "pvclock: 200000 reads never go backwards");
	ns1 = rt_pvclock_read(&sh->vcpu_info[0].time, &odd, &t1);
	{
		uint64_t want = (t1 - t0) * 1000000ULL / r[2], got = ns1 - ns0;
		uint64_t diff = got > want ? got - want : want - got;

		CHECK(got > 0 && diff * 100 <= want, "pvclock agrees with the TSC: %lu ns vs %lu ns",
		      (unsigned long)got, (unsigned long)want);
	}

	/* Remove: the RAM page is back, untouched. */
	CHECK(unmap_gfn(gfn) == 0, "remove_from_physmap(shared_info)");
	CHECK(ram[0] == 0x1122334455667788ULL && ram[511] == 0x99,
	      "the RAM page it covered is back with its contents");

	/* shared_info beyond RAM (in our identity map, above the guest's RAM). */
	{
		uint64_t hi = 0x3ff00;
		volatile struct shared_info *sh2 = (volatile void *)(hi << 12);

		CHECK(map_shinfo(hi, DOMID_SELF, XENMAPSPACE_shared_info, 0) == 0,
		      "add_to_physmap(shared_info) beyond RAM at gfn %#lx", (unsigned long)hi);
		CHECK(!(sh2->wc_version & 1) && sh2->wc_sec > 1600000000, "  ... and it reads there");
		CHECK(map_shinfo(gfn, DOMID_SELF, XENMAPSPACE_shared_info, 0) == 0 &&
		      sh->wc_sec > 1600000000, "moving it back over RAM");
		CHECK(unmap_gfn(gfn) == 0 && ram[0] == 0x1122334455667788ULL,
		      "  ... and removing it again");
	}

	/* Bad arguments. */
	CHECK(map_shinfo(gfn, DOMID_SELF, 99, 0) == -EINVAL, "add_to_physmap: unknown space: -EINVAL");
	CHECK(map_shinfo(gfn, DOMID_SELF, XENMAPSPACE_shared_info, 1) == -EINVAL,
	      "add_to_physmap: shared_info idx 1: -EINVAL");
	CHECK(map_shinfo(1ULL << 40, DOMID_SELF, XENMAPSPACE_shared_info, 0) == -EINVAL,
	      "add_to_physmap: gfn 2^40: -EINVAL");
	CHECK(map_shinfo(gfn, 777, XENMAPSPACE_shared_info, 0) == -ESRCH,
	      "add_to_physmap: for domain 777 (none): -ESRCH");
	CHECK(memory_op(XENMEM_add_to_physmap, (void *)0x100000000ULL) == -EFAULT,
	      "add_to_physmap: unmapped argument: -EFAULT");
	CHECK(unmap_gfn(0x3ff00) == -ENOENT, "remove_from_physmap of an empty gfn: -ENOENT");
	mm.nr_entries = 8;
	set_xen_guest_handle(mm.buffer, (void *)0x100000000ULL);
	CHECK(memory_op(XENMEM_memory_map, &mm) == -EFAULT, "memory_map into an unmapped buffer: -EFAULT");
	CHECK(memory_op(XENMEM_memory_map, (void *)0x8000000000000000ULL) == -EFAULT,
	      "memory_map from a non-canonical address: -EFAULT");
	CHECK(memory_op(XENMEM_current_reservation, (void *)0x100000000ULL) == -EFAULT,
	      "current_reservation from an unmapped address: -EFAULT");
	CHECK(memory_op(63, 0) == -ENOSYS, "memory_op(63): -ENOSYS");
	rt_printf("shinfo: pvclock reads that saw an odd version: %u\n", odd);
}
