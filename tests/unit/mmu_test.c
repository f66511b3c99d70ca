/*
 * mmu_test.c - the page-table walker against tables built by hand in a
 * phys_ram, with no kernel code: walk results, fault codes at each level,
 * permissions as x86 combines them, A/D bits exactly as x86 sets them, huge
 * leaves, the 32-bit formats and the toy machine.
 *
 * x86 entry bits used in the expectations below:
 *   P 0x1  RW 0x2  US 0x4  A 0x20  D 0x40  PS 0x80  G 0x100  NX 1<<63
 *   PFN at bit 12: an entry for frame PA 0x5000 is 0x5000 | flags.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "hw/mmu.h"
#include "test.h"

#define P 0x1ULL
#define RW 0x2ULL
#define US 0x4ULL
#define A 0x20ULL
#define D 0x40ULL
#define PS 0x80ULL
#define G 0x100ULL
#define NX (1ULL << 63)

/* ---- a machine without a kernel: RAM, an arch, two CPUs ------------------- */

struct box {
	struct phys_ram ram;
	struct arch_profile arch;
	struct hw_cpu cpu[2];
	mm_pa_t next; /* bump allocator for tables */
	mm_pa_t root;
};

static void box_init_arch(struct box *b, uint64_t ram_bytes, const char *tlb)
{
	struct hw_tlb_config cfg;
	char err[160];
	hw_tlb_config_default(&cfg);
	if (tlb && hw_tlb_config_parse(&cfg, tlb, err, sizeof(err)))
		printf("  bad tlb= in test: %s\n", err);
	if (phys_init(&b->ram, ram_bytes) || hw_cpus_init(b->cpu, 2, &b->arch, &b->ram, &cfg)) {
		printf("  box_init failed\n");
		exit(2);
	}
	b->next = 16 * arch_page_size(&b->arch);
	b->root = b->next;
	b->next += arch_page_size(&b->arch);
	hw_cpu_write_cr3(&b->cpu[0], b->root, 1, false);
	hw_cpu_write_cr3(&b->cpu[1], b->root, 1, false);
}

static void box_init(struct box *b, const char *arch, const char *tlb)
{
	memset(b, 0, sizeof(*b));
	b->arch = *arch_lookup(arch);
	box_init_arch(b, 64 * MM_MB, tlb);
}

static void box_fini(struct box *b)
{
	CHECK(hw_cpu_check(&b->cpu[0]));
	hw_cpus_fini(b->cpu, 2);
	phys_fini(&b->ram);
}

static mm_pte_t ent_get(struct box *b, mm_pa_t pa)
{
	if (b->arch.pte_bytes == 8) {
		uint64_t v;
		memcpy(&v, phys_to_host(&b->ram, pa), 8);
		return v;
	}
	uint32_t v;
	memcpy(&v, phys_to_host(&b->ram, pa), 4);
	return v;
}

static void ent_set(struct box *b, mm_pa_t pa, mm_pte_t v)
{
	if (b->arch.pte_bytes == 8) {
		memcpy(phys_to_host(&b->ram, pa), &v, 8);
	} else {
		uint32_t w = (uint32_t)v;
		memcpy(phys_to_host(&b->ram, pa), &w, 4);
	}
}

/* PA of va's entry at level lvl under root (the levels above must exist). */
static mm_pa_t slot(struct box *b, mm_pa_t root, mm_va_t va, unsigned lvl)
{
	mm_pa_t table = root;
	for (unsigned l = 0;; l++) {
		mm_pa_t epa = table + (mm_pa_t)arch_va_index(&b->arch, l, va) * b->arch.pte_bytes;
		if (l == lvl)
			return epa;
		table = arch_pte_pfn(&b->arch, ent_get(b, epa)) << b->arch.page_shift;
	}
}

/* The default flags of an intermediate entry: P RW US (x86's _PAGE_TABLE
 * without A, so tests see the walk set it); a PAE PDPTE holds P only. */
static unsigned table_flags(struct box *b, unsigned lvl)
{
	bool pae = b->arch.pte_bytes == 8 && b->arch.va_bits == 32;
	if (pae && lvl == 0)
		return PTE_F_PRESENT;
	return PTE_F_PRESENT | PTE_F_WRITE | PTE_F_USER;
}

/* Map va -> pa with a leaf at leaf_lvl (PS added above the last level). */
static void map(struct box *b, mm_pa_t root, mm_va_t va, mm_pa_t pa, unsigned leaf_lvl,
		unsigned flags)
{
	mm_pa_t table = root;
	for (unsigned l = 0; l < leaf_lvl; l++) {
		mm_pa_t epa = table + (mm_pa_t)arch_va_index(&b->arch, l, va) * b->arch.pte_bytes;
		mm_pte_t e = ent_get(b, epa);
		if (!(arch_pte_flags(&b->arch, e) & PTE_F_PRESENT)) {
			mm_pa_t t = b->next;
			b->next += arch_page_size(&b->arch);
			e = arch_pte_encode(&b->arch, t >> b->arch.page_shift, table_flags(b, l));
			ent_set(b, epa, e);
		}
		table = arch_pte_pfn(&b->arch, e) << b->arch.page_shift;
	}
	if (leaf_lvl < b->arch.nr_levels - 1)
		flags |= PTE_F_HUGE;
	mm_pa_t epa = table + (mm_pa_t)arch_va_index(&b->arch, leaf_lvl, va) * b->arch.pte_bytes;
	ent_set(b, epa, arch_pte_encode(&b->arch, pa >> b->arch.page_shift, flags));
}

#define URW (PTE_F_PRESENT | PTE_F_WRITE | PTE_F_USER)

static int tr(struct box *b, mm_va_t va, enum hw_access_kind k, bool user, mm_pa_t *pa,
	      struct hw_fault *f)
{
	return mmu_translate(&b->cpu[0], va, k, user, pa, f);
}

/* ---- x86_64 4K walk, A and D ------------------------------------------------ */

TEST(walk_4k_sets_accessed_then_dirty)
{
	struct box b;
	box_init(&b, "x86_64", NULL);
	mm_va_t va = 0x400123;
	map(&b, b.root, 0x400000, 0x200000, 3, URW);
	mm_pa_t pa = 0;
	struct hw_fault f;

	/* 0x400123: PGD 0, PUD 0, PMD 2, PTE 0, offset 0x123 -> 0x200123. */
	CHECK_EQ(tr(&b, va, HW_READ, true, &pa, &f), 0);
	CHECK_EQ(pa, 0x200123);
	/* A on every level the walk used; D nowhere after a read. Tables were
	 * written as P|RW|US (0x7), so they read back 0x27 plus their PA. */
	for (unsigned l = 0; l < 3; l++) {
		mm_pte_t e = ent_get(&b, slot(&b, b.root, va, l));
		CHECK_EQ(e & 0xfff, P | RW | US | A);
	}
	CHECK_EQ(ent_get(&b, slot(&b, b.root, va, 3)), 0x200000 | P | RW | US | A);
	CHECK_EQ(b.cpu[0].stats.misses, 1);
	CHECK_EQ(b.cpu[0].stats.walks, 1);
	CHECK_EQ(b.cpu[0].last, HW_TLB_WALK);

	/* The same read again: one L1d hit, no walk. */
	CHECK_EQ(tr(&b, va + 8, HW_READ, true, &pa, &f), 0);
	CHECK_EQ(pa, 0x200123 + 8);
	CHECK_EQ(hw_cpu_hits(&b.cpu[0], TLB_L1D), 1);
	CHECK_EQ(b.cpu[0].stats.walks, 1);
	CHECK_EQ(b.cpu[0].last, HW_TLB_HIT_L1D);

	/* A write through the entry filled by the read (D clear in it): the
	 * CPU walks again to set D on the leaf only (a hit plus a walk). */
	CHECK_EQ(tr(&b, va, HW_WRITE, true, &pa, &f), 0);
	CHECK_EQ(b.cpu[0].stats.walks, 2);
	CHECK_EQ(b.cpu[0].stats.dirty_walks, 1);
	CHECK_EQ(b.cpu[0].stats.misses, 1);
	CHECK_EQ(b.cpu[0].last, HW_TLB_DIRTY);
	CHECK_EQ(ent_get(&b, slot(&b, b.root, va, 3)), 0x200000 | P | RW | US | A | D);
	for (unsigned l = 0; l < 3; l++)
		CHECK_EQ(ent_get(&b, slot(&b, b.root, va, l)) & D, 0);

	/* Now the entry holds D: further writes hit without a walk. */
	CHECK_EQ(tr(&b, va, HW_WRITE, true, &pa, &f), 0);
	CHECK_EQ(b.cpu[0].stats.walks, 2);
	CHECK_EQ(b.cpu[0].last, HW_TLB_HIT_L1D);

	/* The TLB caches D: clearing it in the PTE without a flush leaves the
	 * entry dirty, so the next write does not set it again (why Linux
	 * flushes after clearing D, e.g. in page_mkclean). */
	mm_pa_t leaf = slot(&b, b.root, va, 3);
	ent_set(&b, leaf, ent_get(&b, leaf) & ~D);
	CHECK_EQ(tr(&b, va, HW_WRITE, true, &pa, &f), 0);
	CHECK_EQ(ent_get(&b, leaf) & D, 0);
	tlb_invlpg(&b.cpu[0], va);
	CHECK_EQ(tr(&b, va, HW_WRITE, true, &pa, &f), 0);
	CHECK_EQ(ent_get(&b, leaf) & D, D);
	box_fini(&b);
}

TEST(first_write_sets_a_and_d_in_one_walk)
{
	struct box b;
	box_init(&b, "x86_64", NULL);
	map(&b, b.root, 0x7000, 0x9000, 3, URW);
	mm_pa_t pa;
	CHECK_EQ(tr(&b, 0x7010, HW_WRITE, true, &pa, NULL), 0);
	CHECK_EQ(pa, 0x9010);
	CHECK_EQ(ent_get(&b, slot(&b, b.root, 0x7000, 3)), 0x9000 | P | RW | US | A | D);
	/* the upper levels get A only: D exists in leaves alone */
	for (unsigned l = 0; l < 3; l++)
		CHECK_EQ(ent_get(&b, slot(&b, b.root, 0x7000, l)) & 0xfff, P | RW | US | A);
	CHECK_EQ(b.cpu[0].stats.walks, 1);
	CHECK_EQ(b.cpu[0].stats.dirty_walks, 0);
	box_fini(&b);
}

/* ---- faults ---------------------------------------------------------------------- */

TEST(not_present_at_each_level)
{
	/* Clear the entry at level L: the walk stops there, sets A on the
	 * levels above it, and reports P=0 with the access's W/U/I bits. */
	for (unsigned lvl = 0; lvl < 4; lvl++) {
		struct box b;
		box_init(&b, "x86_64", NULL);
		mm_va_t va = 0x12345678000ULL;
		map(&b, b.root, va, 0x300000, 3, URW);
		ent_set(&b, slot(&b, b.root, va, lvl), 0);
		struct hw_fault f;
		mm_pa_t pa;
		CHECK_EQ(tr(&b, va, HW_WRITE, true, &pa, &f), HW_FAULT_NOT_PRESENT);
		CHECK_EQ(f.level, lvl);
		CHECK_EQ(f.error_code, 0x6); /* W | U */
		CHECK_EQ(f.addr, va);
		for (unsigned l = 0; l < lvl; l++)
			CHECK_EQ(ent_get(&b, slot(&b, b.root, va, l)) & A, A);
		CHECK_EQ(tr(&b, va, HW_READ, false, &pa, &f), HW_FAULT_NOT_PRESENT);
		CHECK_EQ(f.error_code, 0x0);
		CHECK_EQ(tr(&b, va, HW_EXEC, true, &pa, &f), HW_FAULT_NOT_PRESENT);
		CHECK_EQ(f.error_code, 0x14); /* U | I (x86_64 has NX) */
		CHECK_EQ(b.cpu[0].stats.faults, 3);
		box_fini(&b);
	}
}

TEST(write_to_read_only)
{
	struct box b;
	box_init(&b, "x86_64", NULL);
	map(&b, b.root, 0x1000, 0x5000, 3, PTE_F_PRESENT | PTE_F_USER);
	struct hw_fault f;
	mm_pa_t pa;
	CHECK_EQ(tr(&b, 0x1000, HW_READ, true, &pa, &f), 0);
	/* The read cached the page; the write faults from that entry: P|W|U. */
	CHECK_EQ(tr(&b, 0x1000, HW_WRITE, true, &pa, &f), HW_FAULT_PROT);
	CHECK_EQ(f.error_code, 0x7);
	CHECK_EQ(f.reason, HW_PROT_WRITE);
	CHECK(f.from_tlb);
	/* CR0.WP=1: the kernel faults too (P|W), this time from a walk since
	 * the fault dropped the entry. Leaf D stays clear. */
	CHECK_EQ(tr(&b, 0x1000, HW_WRITE, false, &pa, &f), HW_FAULT_PROT);
	CHECK_EQ(f.error_code, 0x3);
	CHECK(!f.from_tlb);
	CHECK_EQ(f.level, 3);
	CHECK_EQ(ent_get(&b, slot(&b, b.root, 0x1000, 3)) & D, 0);

	/* RW clear at one upper level only is enough (AND over the levels). */
	map(&b, b.root, 0x40000000, 0x6000, 3, URW);
	mm_pa_t pud = slot(&b, b.root, 0x40000000, 1);
	ent_set(&b, pud, ent_get(&b, pud) & ~RW);
	CHECK_EQ(tr(&b, 0x40000000, HW_WRITE, true, &pa, &f), HW_FAULT_PROT);
	CHECK_EQ(f.reason, HW_PROT_WRITE);
	CHECK_EQ(tr(&b, 0x40000000, HW_READ, true, &pa, &f), 0);
	box_fini(&b);
}

TEST(spurious_fault_after_upgrade_then_retry_walks)
{
	/* Linux's wp_page_reuse makes a PTE writable without a flush: the write
	 * faults once on the stale read-only entry, x86 drops the entry with
	 * the fault, and the retried write walks and succeeds. */
	struct box b;
	box_init(&b, "x86_64", NULL);
	map(&b, b.root, 0x2000, 0x8000, 3, PTE_F_PRESENT | PTE_F_USER);
	mm_pa_t pa;
	struct hw_fault f;
	CHECK_EQ(tr(&b, 0x2000, HW_READ, true, &pa, &f), 0);
	mm_pa_t leaf = slot(&b, b.root, 0x2000, 3);
	ent_set(&b, leaf, ent_get(&b, leaf) | RW);
	CHECK_EQ(tr(&b, 0x2000, HW_WRITE, true, &pa, &f), HW_FAULT_PROT);
	CHECK(f.from_tlb);
	CHECK_EQ(tr(&b, 0x2000, HW_WRITE, true, &pa, &f), 0);
	CHECK_EQ(pa, 0x8000);
	CHECK_EQ(ent_get(&b, leaf), 0x8000 | P | RW | US | A | D);
	/* walks: the first read, the retry; faults: one. */
	CHECK_EQ(b.cpu[0].stats.walks, 2);
	CHECK_EQ(b.cpu[0].stats.faults, 1);
	box_fini(&b);
}

TEST(user_access_to_supervisor_page)
{
	struct box b;
	box_init(&b, "x86_64", NULL);
	map(&b, b.root, 0x3000, 0x5000, 3, PTE_F_PRESENT | PTE_F_WRITE);
	struct hw_fault f;
	mm_pa_t pa;
	CHECK_EQ(tr(&b, 0x3000, HW_READ, true, &pa, &f), HW_FAULT_PROT);
	CHECK_EQ(f.error_code, 0x5); /* P | U */
	CHECK_EQ(f.reason, HW_PROT_USER);
	CHECK_EQ(tr(&b, 0x3000, HW_READ, false, &pa, &f), 0);
	CHECK_EQ(tr(&b, 0x3000, HW_WRITE, false, &pa, &f), 0);
	/* A user write is refused for both reasons at once? No: the page is
	 * writable, only US is missing. */
	CHECK_EQ(tr(&b, 0x3000, HW_WRITE, true, &pa, &f), HW_FAULT_PROT);
	CHECK_EQ(f.error_code, 0x7);
	CHECK_EQ(f.reason, HW_PROT_USER);

	/* US clear at the PMD only: still supervisor-only. */
	map(&b, b.root, 0x80000000, 0x6000, 3, URW);
	mm_pa_t pmd = slot(&b, b.root, 0x80000000, 2);
	ent_set(&b, pmd, ent_get(&b, pmd) & ~US);
	CHECK_EQ(tr(&b, 0x80000000, HW_READ, true, &pa, &f), HW_FAULT_PROT);
	CHECK_EQ(f.reason, HW_PROT_USER);
	box_fini(&b);
}

TEST(exec_of_nx_page)
{
	struct box b;
	box_init(&b, "x86_64", NULL);
	map(&b, b.root, 0x4000, 0x5000, 3, URW | PTE_F_NX);
	struct hw_fault f;
	mm_pa_t pa;
	CHECK_EQ(tr(&b, 0x4000, HW_READ, true, &pa, &f), 0);
	CHECK_EQ(tr(&b, 0x4000, HW_EXEC, true, &pa, &f), HW_FAULT_PROT);
	CHECK_EQ(f.error_code, 0x15); /* P | U | I */
	CHECK_EQ(f.reason, HW_PROT_NX);
	CHECK_EQ(tr(&b, 0x4000, HW_EXEC, false, &pa, &f), HW_FAULT_PROT);
	CHECK_EQ(f.error_code, 0x11); /* P | I */

	/* NX at the top level alone forbids fetches below it. */
	map(&b, b.root, 0x8000000000ULL, 0x7000, 3, URW); /* PGD index 1 */
	mm_pa_t pgd = slot(&b, b.root, 0x8000000000ULL, 0);
	ent_set(&b, pgd, ent_get(&b, pgd) | NX);
	CHECK_EQ(tr(&b, 0x8000000000ULL, HW_EXEC, true, &pa, &f), HW_FAULT_PROT);
	CHECK_EQ(tr(&b, 0x8000000000ULL, HW_READ, true, &pa, &f), 0);
	box_fini(&b);
}

TEST(non_canonical_is_gp)
{
	struct box b;
	box_init(&b, "x86_64", NULL);
	struct hw_fault f;
	mm_pa_t pa;
	/* bit 47 set without the sign extension above it */
	CHECK_EQ(tr(&b, 0x0000800000000000ULL, HW_READ, true, &pa, &f), HW_FAULT_GP);
	CHECK_EQ(f.error_code, 0);
	CHECK_EQ(b.cpu[0].stats.gp_faults, 1);
	CHECK_EQ(b.cpu[0].stats.faults, 0);
	/* a canonical kernel address walks (and finds nothing) */
	CHECK_EQ(tr(&b, 0xffff888000000000ULL, HW_READ, false, &pa, &f), HW_FAULT_NOT_PRESENT);
	CHECK_EQ(f.level, 0);
	box_fini(&b);
}

TEST(canonical_rule_matches_the_arch_helper)
{
	/* The MMU decodes the canonical rule once at init; it must agree with
	 * arch_va_canonical on every profile, at the edges of each range. */
	const char *const arches[] = { "x86_64", "x86_64-la57", "i386", "i386-pae" };
	const mm_va_t vas[] = {
		0, 0xfff, 0x7fffffffffffULL, 0x800000000000ULL, 0xffff7fffffffffffULL,
		0xffff800000000000ULL, 0x00ffffffffffffffULL, 0x0100000000000000ULL,
		0xff00000000000000ULL, 0xfeffffffffffffffULL, 0xffffffffULL, 0x100000000ULL,
		~0ULL,
	};
	for (size_t i = 0; i < MM_ARRAY_SIZE(arches); i++) {
		struct box b;
		box_init(&b, arches[i], NULL);
		for (size_t j = 0; j < MM_ARRAY_SIZE(vas); j++) {
			mm_pa_t pa;
			struct hw_fault f;
			int r = tr(&b, vas[j], HW_READ, false, &pa, &f);
			if ((r == HW_FAULT_GP) != !arch_va_canonical(&b.arch, vas[j]))
				printf("  %s: va 0x%llx: MMU says %d\n", arches[i],
				       (unsigned long long)vas[j], r);
			CHECK((r == HW_FAULT_GP) == !arch_va_canonical(&b.arch, vas[j]));
		}
		box_fini(&b);
	}
}

TEST(reserved_bits)
{
	struct box b;
	box_init(&b, "x86_64", NULL);
	struct hw_fault f;
	mm_pa_t pa;
	/* A 2M leaf whose PFN is not 2M-aligned (bit 13 set): RSVD, P=1. */
	map(&b, b.root, 0x200000, 0x402000, 2, URW);
	CHECK_EQ(tr(&b, 0x200000, HW_READ, true, &pa, &f), HW_FAULT_RSVD);
	CHECK_EQ(f.error_code, 0xd); /* P | U | RSVD */
	CHECK_EQ(f.level, 2);
	/* Bit 12 of a PS entry is PAT, not an address bit: allowed, ignored. */
	map(&b, b.root, 0x200000, 0x401000, 2, URW);
	CHECK_EQ(tr(&b, 0x200000 + 0x1234, HW_READ, true, &pa, &f), 0);
	CHECK_EQ(pa, 0x400000 + 0x1234);
	/* PS in a PGD entry: no 512G pages. */
	mm_pa_t pgd = slot(&b, b.root, 0x200000, 0);
	ent_set(&b, pgd, ent_get(&b, pgd) | PS);
	tlb_flush_all(&b.cpu[0]);
	CHECK_EQ(tr(&b, 0x200000, HW_READ, false, &pa, &f), HW_FAULT_RSVD);
	CHECK_EQ(f.error_code, 0x9);
	CHECK_EQ(f.level, 0);
	box_fini(&b);
}

TEST(table_outside_ram_is_bus_error)
{
	struct box b;
	box_init(&b, "x86_64", NULL);
	/* A PGD entry pointing at 1T, far beyond the 64M of RAM. */
	ent_set(&b, b.root, 0x10000000000ULL | P | RW | US);
	struct hw_fault f;
	mm_pa_t pa;
	CHECK_EQ(tr(&b, 0x1000, HW_READ, true, &pa, &f), HW_FAULT_BUS);
	CHECK_EQ(f.level, 1);
	box_fini(&b);
}

/* ---- huge leaves ----------------------------------------------------------------- */

TEST(huge_2m_and_1g_leaves)
{
	struct box b;
	box_init(&b, "x86_64", NULL);
	mm_pa_t pa;
	struct hw_fault f;
	/* 2M: PMD leaf at 0x600000 -> 0x400000; offset 0x12345 within it. */
	map(&b, b.root, 0x600000, 0x400000, 2, URW);
	CHECK_EQ(tr(&b, 0x612345, HW_WRITE, true, &pa, &f), 0);
	CHECK_EQ(pa, 0x412345);
	mm_pa_t pmd = slot(&b, b.root, 0x600000, 2);
	CHECK_EQ(ent_get(&b, pmd), 0x400000 | P | RW | US | A | D | PS);
	/* Another address in the same 2M page hits the 2M L1d entry. */
	CHECK_EQ(tr(&b, 0x7ffff0, HW_READ, true, &pa, &f), 0);
	CHECK_EQ(pa, 0x5ffff0);
	CHECK_EQ(b.cpu[0].stats.walks, 1);
	CHECK_EQ(hw_cpu_hits(&b.cpu[0], TLB_L1D), 1);
	CHECK_EQ(tlb_nr_valid(&b.cpu[0].tlb, 1), 1); /* arr[1]: L1d 2M */

	/* 1G: PUD leaf for [2G, 3G) -> PA 1G (beyond RAM: translation does not
	 * care, only data accesses do). */
	map(&b, b.root, 0x80000000, 0x40000000, 1, PTE_F_PRESENT | PTE_F_USER);
	CHECK_EQ(tr(&b, 0x81234567, HW_READ, true, &pa, &f), 0);
	CHECK_EQ(pa, 0x41234567);
	CHECK_EQ(tlb_nr_valid(&b.cpu[0].tlb, 2), 1); /* arr[2]: L1d 1G */
	CHECK_EQ(tlb_nr_valid(&b.cpu[0].tlb, 4), 1); /* arr[4]: L2 1G */
	struct hw_translation t;
	CHECK_EQ(mmu_translate_debug(&b.cpu[0], 0x81234567, HW_READ, true, &t), 0);
	CHECK_EQ(t.page_shift, 30);
	CHECK_EQ(t.nr_steps, 2);
	CHECK(t.step[1].leaf);
	CHECK_EQ(t.tlb, HW_TLB_HIT_L1D);
	CHECK_EQ(t.tlb_array, 2);
	/* hw_access beyond RAM: a bus error, not a crash */
	uint8_t byte;
	size_t done = 99;
	CHECK_EQ(hw_access(&b.cpu[0], 0x81234567, &byte, 1, HW_READ, true, &done, &f), HW_FAULT_BUS);
	CHECK_EQ(done, 0);
	box_fini(&b);
}

TEST(i386_two_levels_and_4m_pages)
{
	struct box b;
	box_init(&b, "i386", NULL);
	mm_pa_t pa;
	struct hw_fault f;
	/* 0x08048123: PGD index 0x20, PTE index 0x48, offset 0x123. */
	map(&b, b.root, 0x08048000, 0x00123000, 1, URW);
	CHECK_EQ(tr(&b, 0x08048123, HW_READ, true, &pa, &f), 0);
	CHECK_EQ(pa, 0x00123123);
	CHECK_EQ(ent_get(&b, b.root + 0x20 * 4) & 0xfff, P | RW | US | A);
	CHECK_EQ(ent_get(&b, slot(&b, b.root, 0x08048000, 1)), 0x00123000 | P | RW | US | A);
	/* No NX: a fetch from a readable page is allowed; a not-present fetch
	 * reports no I bit (it needs EFER.NXE). */
	CHECK_EQ(tr(&b, 0x08048123, HW_EXEC, true, &pa, &f), 0);
	CHECK_EQ(tr(&b, 0x09000000, HW_EXEC, true, &pa, &f), HW_FAULT_NOT_PRESENT);
	CHECK_EQ(f.error_code, 0x4);
	/* 4M PSE leaf in the PGD: 0xc0800000 -> 0x00c00000. */
	map(&b, b.root, 0xc0800000, 0x00c00000, 0, PTE_F_PRESENT | PTE_F_WRITE | PTE_F_GLOBAL);
	CHECK_EQ(tr(&b, 0xc0923456, HW_WRITE, false, &pa, &f), 0);
	CHECK_EQ(pa, 0x00d23456);
	CHECK_EQ(ent_get(&b, b.root + 0x302 * 4), 0x00c00000 | P | RW | A | D | PS | G);
	struct hw_translation t;
	mmu_translate_debug(&b.cpu[0], 0xc0923456, HW_READ, false, &t);
	CHECK_EQ(t.page_shift, 22);
	CHECK_EQ(t.tlb, HW_TLB_HIT_L1D);
	CHECK_EQ(t.tlb_array, 1); /* the 2M/4M array */
	box_fini(&b);
}

TEST(i386_pae_three_levels)
{
	struct box b;
	box_init(&b, "i386-pae", NULL);
	mm_pa_t pa;
	struct hw_fault f;
	/* 0xbfff1234: PDPT index 2, PMD index 0x1ff, PTE index 0x1f1, off 0x234 */
	map(&b, b.root, 0xbfff1000, 0x00345000, 2, URW | PTE_F_NX);
	struct hw_translation t;
	mmu_translate_debug(&b.cpu[0], 0xbfff1234, HW_READ, true, &t);
	CHECK_EQ(t.index[0], 2);
	CHECK_EQ(t.index[1], 0x1ff);
	CHECK_EQ(t.index[2], 0x1f1);
	CHECK_EQ(t.offset, 0x234);
	CHECK_EQ(tr(&b, 0xbfff1234, HW_READ, true, &pa, &f), 0);
	CHECK_EQ(pa, 0x00345234);
	/* The PDPTE holds P only and gets no A; the PMD entry does. */
	CHECK_EQ(ent_get(&b, b.root + 2 * 8) & 0xfff, P);
	CHECK_EQ(ent_get(&b, slot(&b, b.root, 0xbfff1000, 1)) & 0xfff, P | RW | US | A);
	CHECK_EQ(ent_get(&b, slot(&b, b.root, 0xbfff1000, 2)), NX | 0x00345000 | P | RW | US | A);
	/* PAE has NX */
	CHECK_EQ(tr(&b, 0xbfff1234, HW_EXEC, true, &pa, &f), HW_FAULT_PROT);
	CHECK_EQ(f.error_code, 0x15);
	/* pa_bits 36: bit 40 in a PTE is reserved */
	mm_pa_t leaf = slot(&b, b.root, 0xbfff1000, 2);
	ent_set(&b, leaf, ent_get(&b, leaf) | (1ULL << 40));
	CHECK_EQ(tr(&b, 0xbfff1234, HW_READ, true, &pa, &f), HW_FAULT_RSVD);
	CHECK_EQ(f.error_code, 0xd);
	CHECK_EQ(f.level, 2);
	/* 2M leaf at the PMD level */
	map(&b, b.root, 0x00400000, 0x00800000, 1, URW);
	CHECK_EQ(tr(&b, 0x00412345, HW_READ, true, &pa, &f), 0);
	CHECK_EQ(pa, 0x00812345);
	box_fini(&b);
}

TEST(toy_machine_14bit_va_64byte_pages)
{
	struct box b;
	memset(&b, 0, sizeof(b));
	struct arch_toy_params p = { .va_bits = 14, .pa_bits = 12, .page_bytes = 64, .levels = 2 };
	const char *why = NULL;
	CHECK_EQ(arch_toy_build(&b.arch, &p, &why), 0);
	box_init_arch(&b, 4096, "l1d:4k:4:2");
	/* 8 index bits shared 4/4: va 0x1234 = 01 0010 0011 0100:
	 * PGD index 0x4 (bits 13-10), PTE index 0x8 (bits 9-6), offset 0x34. */
	mm_pa_t frame5 = 5 * 64;
	map(&b, b.root, 0x1234 & ~63ULL, frame5, 1, URW);
	struct hw_translation t;
	mmu_translate_debug(&b.cpu[0], 0x1234, HW_READ, true, &t);
	CHECK_EQ(t.index[0], 4);
	CHECK_EQ(t.index[1], 8);
	CHECK_EQ(t.offset, 0x34);
	mm_pa_t pa;
	struct hw_fault f;
	CHECK_EQ(tr(&b, 0x1234, HW_WRITE, true, &pa, &f), 0);
	CHECK_EQ(pa, 5 * 64 + 0x34);
	/* Toy entries keep the PFN at bit 12: frame 5 is stored as 0x5000. */
	CHECK_EQ(ent_get(&b, slot(&b, b.root, 0x1234, 1)), 0x5000 | P | RW | US | A | D);
	/* Beyond the 14-bit space: not an address of this machine. */
	CHECK_EQ(tr(&b, 0x4000, HW_READ, true, &pa, &f), HW_FAULT_GP);
	/* Neighbouring page 0x1240 is unmapped: not present at the PTE. */
	CHECK_EQ(tr(&b, 0x1240, HW_READ, true, &pa, &f), HW_FAULT_NOT_PRESENT);
	CHECK_EQ(f.level, 1);
	box_fini(&b);
}

/* ---- data through translations ---------------------------------------------------- */

TEST(hw_access_crosses_pages_and_stops_at_faults)
{
	struct box b;
	box_init(&b, "x86_64", NULL);
	map(&b, b.root, 0x10000, 0x20000, 3, URW);
	map(&b, b.root, 0x11000, 0x50000, 3, URW); /* not contiguous in PA */
	char msg[] = "hello, page boundary";
	size_t done = 0;
	mm_va_t va = 0x11000 - 7; /* 7 bytes in the first page, 14 in the second */
	CHECK_EQ(hw_access(&b.cpu[0], va, msg, sizeof(msg), HW_WRITE, true, &done, NULL), 0);
	CHECK_EQ(done, sizeof(msg));
	CHECK(memcmp(phys_to_host(&b.ram, 0x20000 + 0x1000 - 7), "hello, ", 7) == 0);
	CHECK(memcmp(phys_to_host(&b.ram, 0x50000), "page boundary", 14) == 0);
	char back[sizeof(msg)] = { 0 };
	CHECK_EQ(hw_access(&b.cpu[0], va, back, sizeof(back), HW_READ, true, &done, NULL), 0);
	CHECK(memcmp(back, msg, sizeof(msg)) == 0);

	/* 0x12000 is unmapped: a write of 0x1000 bytes from 0x11800 copies the
	 * 0x800 bytes of the mapped page and reports the fault at 0x12000. */
	static uint8_t big[0x1000];
	struct hw_fault f;
	CHECK_EQ(hw_access(&b.cpu[0], 0x11800, big, sizeof(big), HW_WRITE, true, &done, &f),
		 HW_FAULT_NOT_PRESENT);
	CHECK_EQ(done, 0x800);
	CHECK_EQ(f.addr, 0x12000);
	CHECK_EQ(hw_access(&b.cpu[0], 0x11800, NULL, 4, HW_READ, true, &done, &f), -EINVAL);
	box_fini(&b);
}

TEST(translate_debug_has_no_side_effects)
{
	struct box b;
	box_init(&b, "x86_64", NULL);
	map(&b, b.root, 0x7fff0000, 0x3000, 3, URW);
	struct hw_translation t;
	/* 0x7fff0abc: PGD 0, PUD 1, PMD 0x1ff, PTE 0x1f0, offset 0xabc */
	CHECK_EQ(mmu_translate_debug(&b.cpu[0], 0x7fff0abc, HW_WRITE, true, &t), 0);
	CHECK_EQ(t.index[0], 0);
	CHECK_EQ(t.index[1], 1);
	CHECK_EQ(t.index[2], 0x1ff);
	CHECK_EQ(t.index[3], 0x1f0);
	CHECK_EQ(t.offset, 0xabc);
	CHECK_EQ(t.pa, 0x3abc);
	CHECK_EQ(t.nr_steps, 4);
	CHECK_EQ(t.tlb, HW_TLB_WALK);
	CHECK_EQ(t.step[3].entry, 0x3000 | P | RW | US);
	CHECK_EQ(t.step[3].flags, PTE_F_PRESENT | PTE_F_WRITE | PTE_F_USER);
	CHECK_EQ(t.step[0].entry_pa, b.root);
	CHECK_STR(t.step[2].name, "PMD");
	CHECK_EQ(t.eff, TLB_E_WRITE | TLB_E_USER);
	/* nothing changed: no A bits, no counters, no TLB entry */
	CHECK_EQ(ent_get(&b, slot(&b, b.root, 0x7fff0000, 3)) & A, 0);
	CHECK_EQ(b.cpu[0].stats.walks, 0);
	CHECK_EQ(tlb_nr_valid(&b.cpu[0].tlb, 0), 0);
	/* a fault is described the same way */
	CHECK_EQ(mmu_translate_debug(&b.cpu[0], 0x7fff1000, HW_READ, true, &t), HW_FAULT_NOT_PRESENT);
	CHECK_EQ(t.nr_steps, 4);
	CHECK_EQ(t.fault.level, 3);
	char buf[128];
	CHECK_STR(hw_fault_str(&t.fault, buf, sizeof(buf)),
		  "#PF: error_code(0x0004) - not-present page, user read access");
	box_fini(&b);
}

/* ---- set-up and configuration ------------------------------------------------------ */

TEST(tlb_config_syntax)
{
	struct hw_tlb_config c;
	char err[200], buf[200];
	hw_tlb_config_default(&c);
	CHECK_STR(hw_tlb_config_format(&c, buf, sizeof(buf)),
		  "l1d:4k:64:4,l1d:2m:32:4,l1d:1g:4:4,l2:4k+2m:1536:12,l2:1g:16:4");
	CHECK(c.pcid);
	CHECK_EQ(c.flush_ceiling, 33);
	CHECK_EQ(hw_tlb_config_parse(&c, "L1D:4K:64:4,l1i:4k:128:8,l2:4m+4k:1024:full", err,
				     sizeof(err)),
		 -1); /* 1024 ways is over the limit */
	CHECK(strstr(err, "item 3") && strstr(err, "ways"));
	CHECK_EQ(hw_tlb_config_parse(&c, "L1D:4K:64:4,l1i:4k:128:8,l2:4m+4k:64:full", err,
				     sizeof(err)),
		 0);
	CHECK_STR(hw_tlb_config_format(&c, buf, sizeof(buf)),
		  "l1d:4k:64:4,l1i:4k:128:8,l2:4k+2m:64:64");
	CHECK_EQ(hw_tlb_config_parse(&c, "l1x:4k:64:4", err, sizeof(err)), -1);
	CHECK(strstr(err, "unknown level \"l1x\""));
	CHECK_EQ(hw_tlb_config_parse(&c, "l1d:8k:64:4", err, sizeof(err)), -1);
	CHECK(strstr(err, "unknown page size \"8k\""));
	CHECK_EQ(hw_tlb_config_parse(&c, "l1d:4k:48:4", err, sizeof(err)), -1); /* 12 sets */
	CHECK(strstr(err, "power of two"));
	CHECK_EQ(hw_tlb_config_parse(&c, "l1d:4k:64:5", err, sizeof(err)), -1);
	CHECK(strstr(err, "divide"));
	CHECK_EQ(hw_tlb_config_parse(&c, "l1d:4k:x:4", err, sizeof(err)), -1);
	CHECK(strstr(err, "bad entries \"x\""));
	CHECK_EQ(hw_tlb_config_parse(&c, "l1d:4k:64", err, sizeof(err)), -1);
	CHECK(strstr(err, "LEVEL:SIZES:ENTRIES:WAYS"));
	CHECK_EQ(hw_tlb_config_parse(&c, "l1d:4k:64:4:1", err, sizeof(err)), -1);
	CHECK_EQ(hw_tlb_config_parse(&c, "l1d:4k:64:4,l1d:4k+2m:32:4", err, sizeof(err)), -1);
	CHECK(strstr(err, "already has an array"));
	CHECK_EQ(hw_tlb_config_parse(&c, "l1d:4k+4k:64:4", err, sizeof(err)), -1);
	CHECK_EQ(hw_tlb_config_parse(&c, "", err, sizeof(err)), -1);
	CHECK_EQ(hw_tlb_config_parse(&c, "l1d:4k:64:4,", err, sizeof(err)), -1);
	CHECK_EQ(hw_tlb_config_parse(&c, "none", err, sizeof(err)), 0);
	CHECK_EQ(c.nr_arrays, 0);
	CHECK_STR(hw_tlb_config_format(&c, buf, sizeof(buf)), "none");
}

TEST(cpus_init_rejects_bad_input)
{
	struct phys_ram ram;
	struct hw_cpu cpu[1];
	CHECK_EQ(phys_init(&ram, 1 * MM_MB), 0);
	const struct arch_profile *a = arch_lookup("x86_64");
	CHECK_EQ(hw_cpus_init(cpu, 0, a, &ram, NULL), -EINVAL);
	CHECK_EQ(hw_cpus_init(NULL, 1, a, &ram, NULL), -EINVAL);
	struct hw_tlb_config bad;
	hw_tlb_config_default(&bad);
	bad.arr[0].ways = 3; /* 64 / 3 */
	CHECK_EQ(hw_cpus_init(cpu, 1, a, &ram, &bad), -EINVAL);
	CHECK_EQ(hw_cpus_init(cpu, 1, a, &ram, NULL), 0);
	CHECK_EQ(hw_cpu_write_cr3(&cpu[0], 2 * MM_MB, 1, false), -EINVAL); /* outside RAM */
	CHECK_EQ(hw_cpu_write_cr3(&cpu[0], 0x1000, 4096, false), -EINVAL); /* PCID > 4095 */
	CHECK_EQ(hw_cpu_write_cr3(&cpu[0], 0x1000, 4095, false), 0);
	/* no root loaded in RAM beyond a zeroed table: everything not present */
	mm_pa_t pa;
	CHECK_EQ(mmu_translate(&cpu[0], 0x1000, HW_READ, true, &pa, NULL), HW_FAULT_NOT_PRESENT);
	CHECK_EQ(mmu_translate(&cpu[0], 0x1000, (enum hw_access_kind)7, true, &pa, NULL),
		 HW_FAULT_GP);
	hw_cpus_fini(cpu, 1);
	phys_fini(&ram);
}

int main(void)
{
	RUN(walk_4k_sets_accessed_then_dirty);
	RUN(first_write_sets_a_and_d_in_one_walk);
	RUN(not_present_at_each_level);
	RUN(write_to_read_only);
	RUN(spurious_fault_after_upgrade_then_retry_walks);
	RUN(user_access_to_supervisor_page);
	RUN(exec_of_nx_page);
	RUN(non_canonical_is_gp);
	RUN(canonical_rule_matches_the_arch_helper);
	RUN(reserved_bits);
	RUN(table_outside_ram_is_bus_error);
	RUN(huge_2m_and_1g_leaves);
	RUN(i386_two_levels_and_4m_pages);
	RUN(i386_pae_three_levels);
	RUN(toy_machine_14bit_va_64byte_pages);
	RUN(hw_access_crosses_pages_and_stops_at_faults);
	RUN(translate_debug_has_no_side_effects);
	RUN(tlb_config_syntax);
	RUN(cpus_init_rejects_bad_input);
	return test_summary();
}
