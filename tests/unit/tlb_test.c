/*
 * tlb_test.c - the TLB model: hit/miss counts of stride patterns worked out
 * from the geometry, LRU order within a set, L2 refills, PCID and global
 * entries across CR3 writes, invlpg over page sizes, Linux's flush ceiling
 * and shootdown counting. Page tables are built by hand in a phys_ram.
 *
 * Default geometry (Skylake): L1d 4K 64 entries 4-way = 16 sets; L1d 2M 32
 * 4-way = 8 sets; L1d 1G 4 4-way = 1 set; L2 4K+2M 1536 12-way = 128 sets;
 * L2 1G 16 4-way = 4 sets. Array numbers follow that order (0..4).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "hw/mmu.h"
#include "test.h"

#define NR_CPUS 3

struct box {
	struct phys_ram ram;
	struct arch_profile arch;
	struct hw_cpu cpu[NR_CPUS];
	mm_pa_t next;
};

static void box_init(struct box *b, const char *tlb, bool pcid)
{
	struct hw_tlb_config cfg;
	char err[160];
	memset(b, 0, sizeof(*b));
	b->arch = *arch_lookup("x86_64");
	hw_tlb_config_default(&cfg);
	cfg.pcid = pcid;
	if (tlb && hw_tlb_config_parse(&cfg, tlb, err, sizeof(err)))
		printf("  bad tlb= in test: %s\n", err);
	if (phys_init(&b->ram, 64 * MM_MB) || hw_cpus_init(b->cpu, NR_CPUS, &b->arch, &b->ram, &cfg))
		exit(2);
	b->next = 0x100000;
}

static void box_fini(struct box *b)
{
	for (unsigned i = 0; i < NR_CPUS; i++)
		CHECK(hw_cpu_check(&b->cpu[i]));
	hw_cpus_fini(b->cpu, NR_CPUS);
	phys_fini(&b->ram);
}

static mm_pa_t new_table(struct box *b)
{
	mm_pa_t t = b->next;
	b->next += 4096;
	return t;
}

static uint64_t *ent(struct box *b, mm_pa_t pa)
{
	return (uint64_t *)phys_to_host(&b->ram, pa);
}

/* Map va -> pa under root, leaf at leaf_lvl (3: 4K, 2: 2M, 1: 1G). */
static void map(struct box *b, mm_pa_t root, mm_va_t va, mm_pa_t pa, unsigned leaf_lvl,
		unsigned flags)
{
	const struct arch_profile *a = &b->arch;
	mm_pa_t table = root;
	for (unsigned l = 0; l < leaf_lvl; l++) {
		uint64_t *e = ent(b, table + arch_va_index(a, l, va) * 8);
		if (!*e)
			*e = arch_pte_encode(a, new_table(b) >> 12,
					     PTE_F_PRESENT | PTE_F_WRITE | PTE_F_USER);
		table = arch_pte_pfn(a, *e) << 12;
	}
	if (leaf_lvl < 3)
		flags |= PTE_F_HUGE;
	*ent(b, table + arch_va_index(a, leaf_lvl, va) * 8) = arch_pte_encode(a, pa >> 12, flags);
}

#define URW (PTE_F_PRESENT | PTE_F_WRITE | PTE_F_USER)
#define BASE 0x10000000ULL /* vpn 0x10000: a multiple of every set count */

static int rd(struct hw_cpu *c, mm_va_t va, mm_pa_t *pa)
{
	return mmu_translate(c, va, HW_READ, true, pa, NULL);
}

/* A root with n 4K user pages from BASE, page i -> frame 0x2000000 + i*4K. */
static mm_pa_t map_pages(struct box *b, unsigned n)
{
	mm_pa_t root = new_table(b);
	for (unsigned i = 0; i < n; i++)
		map(b, root, BASE + i * 4096ULL, 0x2000000 + i * 4096ULL, 3, URW);
	return root;
}

static void pass(struct hw_cpu *c, unsigned n, uint64_t stride)
{
	mm_pa_t pa;
	for (unsigned i = 0; i < n; i++)
		rd(c, BASE + i * stride, &pa);
}

/* ---- counts of stride patterns ----------------------------------------------------- */

TEST(stride_256_pages_misses_l1_hits_l2)
{
	/*
	 * 256 pages, 4K stride. Pass 1: all 256 miss everywhere and walk.
	 * L1d: page v goes to set v & 15, so each set sees 16 pages and keeps
	 * the last 4 (LRU). In pass 2, when page v comes, its set holds the 4
	 * pages of that set touched since v was (v-16, ..., v-64 or pass 1's
	 * tail) - never v: 256 L1 misses. L2: 128 sets x 12 ways, 2 pages per
	 * set: everything stayed, 256 L2 hits, no walk.
	 */
	struct box b;
	box_init(&b, NULL, true);
	struct hw_cpu *c = &b.cpu[0];
	hw_cpu_write_cr3(c, map_pages(&b, 256), 1, false);
	pass(c, 256, 4096);
	CHECK_EQ(c->stats.misses, 256);
	CHECK_EQ(c->stats.walks, 256);
	CHECK_EQ(hw_cpu_total_hits(c), 0);
	pass(c, 256, 4096);
	CHECK_EQ(hw_cpu_hits(c, TLB_L1D), 0);
	CHECK_EQ(hw_cpu_hits(c, TLB_L2), 256);
	CHECK_EQ(c->stats.misses, 256);
	CHECK_EQ(c->stats.walks, 256);
	/* every L1 fill beyond the 64 ways evicted one: 512 fills - 64 */
	CHECK_EQ(c->tlb.arr[0].fills, 512);
	CHECK_EQ(c->tlb.arr[0].evictions, 512 - 64);
	CHECK_EQ(c->tlb.arr[3].fills, 256);
	CHECK_EQ(c->tlb.arr[3].evictions, 0);
	box_fini(&b);
}

TEST(stride_64_pages_fit_l1_then_65_thrash_one_set)
{
	struct box b;
	box_init(&b, NULL, true);
	struct hw_cpu *c = &b.cpu[0];
	hw_cpu_write_cr3(c, map_pages(&b, 65), 1, false);
	/* 64 pages = 16 sets x 4 ways exactly: pass 2 hits L1 64 times. */
	pass(c, 64, 4096);
	pass(c, 64, 4096);
	CHECK_EQ(c->stats.misses, 64);
	CHECK_EQ(hw_cpu_hits(c, TLB_L1D), 64);

	/*
	 * Now 65 pages, twice. The first of these passes: pages 0..63 hit, page
	 * 64 misses (a walk) and evicts page 0, the LRU of set 0 {0,16,32,48}.
	 * Set 0 then holds {16,32,48,64}. Second pass: 0 misses L1 (L2 hit)
	 * and evicts 16; 16 misses, evicts 32; 32 misses, evicts 48; 48
	 * misses, evicts 64; 64 misses, evicts 0. Sets 1..15 hit all 60 of
	 * theirs. So: L1 hits +64 +60, L2 hits 5, one more walk.
	 */
	pass(c, 65, 4096);
	pass(c, 65, 4096);
	CHECK_EQ(hw_cpu_hits(c, TLB_L1D), 64 + 64 + 60);
	CHECK_EQ(hw_cpu_hits(c, TLB_L2), 5);
	CHECK_EQ(c->stats.misses, 65);
	box_fini(&b);
}

TEST(lru_order_within_a_set)
{
	/* One set of 4 ways and no L2: A B C D fill it, a hit on A makes B the
	 * oldest, so E evicts B; then F evicts C. */
	struct box b;
	box_init(&b, "l1d:4k:4:4", true);
	struct hw_cpu *c = &b.cpu[0];
	hw_cpu_write_cr3(c, map_pages(&b, 6), 1, false);
	mm_pa_t pa;
	mm_va_t pg[6];
	for (unsigned i = 0; i < 6; i++)
		pg[i] = BASE + i * 4096ULL;
	for (unsigned i = 0; i < 4; i++)
		rd(c, pg[i], &pa);
	rd(c, pg[0], &pa);
	CHECK_EQ(hw_cpu_hits(c, TLB_L1D), 1);
	rd(c, pg[4], &pa); /* E */
	CHECK(tlb_probe(&c->tlb, TLB_L1D, pg[0], 1, NULL) >= 0);
	CHECK(tlb_probe(&c->tlb, TLB_L1D, pg[1], 1, NULL) < 0);
	CHECK(tlb_probe(&c->tlb, TLB_L1D, pg[2], 1, NULL) >= 0);
	rd(c, pg[5], &pa); /* F */
	CHECK(tlb_probe(&c->tlb, TLB_L1D, pg[2], 1, NULL) < 0);
	CHECK(tlb_probe(&c->tlb, TLB_L1D, pg[3], 1, NULL) >= 0);
	CHECK_EQ(c->tlb.arr[0].evictions, 2);
	CHECK_EQ(c->stats.misses, 6);
	box_fini(&b);
}

TEST(l2_hit_refills_l1)
{
	/* Direct-mapped 1-entry L1 over a 16-entry L2: A, B (evicts A from
	 * L1), A again: an L2 hit that puts A back in L1, so the next A is an
	 * L1 hit. */
	struct box b;
	box_init(&b, "l1d:4k:1:1,l2:4k:16:4", true);
	struct hw_cpu *c = &b.cpu[0];
	hw_cpu_write_cr3(c, map_pages(&b, 2), 1, false);
	mm_pa_t pa;
	rd(c, BASE, &pa);
	rd(c, BASE + 4096, &pa);
	rd(c, BASE, &pa);
	CHECK_EQ(hw_cpu_hits(c, TLB_L2), 1);
	CHECK_EQ(c->last, HW_TLB_HIT_L2);
	CHECK_EQ(pa, 0x2000000);
	rd(c, BASE, &pa);
	CHECK_EQ(hw_cpu_hits(c, TLB_L1D), 1);
	CHECK_EQ(c->stats.walks, 2);
	box_fini(&b);
}

TEST(no_tlb_walks_every_time)
{
	struct box b;
	box_init(&b, "none", true);
	struct hw_cpu *c = &b.cpu[0];
	hw_cpu_write_cr3(c, map_pages(&b, 1), 1, false);
	mm_pa_t pa;
	for (int i = 0; i < 5; i++)
		CHECK_EQ(rd(c, BASE + 8, &pa), 0);
	CHECK_EQ(pa, 0x2000008);
	CHECK_EQ(c->stats.walks, 5);
	CHECK_EQ(hw_cpu_total_hits(c), 0);
	box_fini(&b);
}

TEST(instruction_tlb_when_configured)
{
	struct box b;
	box_init(&b, "l1d:4k:64:4,l1i:4k:128:8,l2:4k+2m:1536:12", true);
	struct hw_cpu *c = &b.cpu[0];
	hw_cpu_write_cr3(c, map_pages(&b, 1), 1, false);
	mm_pa_t pa;
	/* a fetch fills L1i and L2; a load then misses L1d but hits L2 */
	CHECK_EQ(mmu_translate(c, BASE, HW_EXEC, true, &pa, NULL), 0);
	CHECK_EQ(mmu_translate(c, BASE, HW_EXEC, true, &pa, NULL), 0);
	CHECK_EQ(hw_cpu_hits(c, TLB_L1I), 1);
	CHECK_EQ(rd(c, BASE, &pa), 0);
	CHECK_EQ(hw_cpu_hits(c, TLB_L2), 1);
	CHECK_EQ(hw_cpu_hits(c, TLB_L1D), 0);
	CHECK_EQ(c->stats.walks, 1);
	box_fini(&b);
}

/* ---- address spaces: PCID, CR3, globals -------------------------------------------- */

/* Two address spaces mapping BASE to different frames, sharing a global
 * kernel page at KVA. */
#define KVA 0xffff888000100000ULL
static void two_spaces(struct box *b, mm_pa_t *r1, mm_pa_t *r2)
{
	*r1 = new_table(b);
	*r2 = new_table(b);
	map(b, *r1, BASE, 0x3000000, 3, URW);
	map(b, *r2, BASE, 0x4000000, 3, URW);
	map(b, *r1, KVA, 0x100000, 3, PTE_F_PRESENT | PTE_F_WRITE | PTE_F_GLOBAL);
	/* The kernel half is shared: copy r1's PGD entry, as Linux's pgd_alloc
	 * copies the kernel entries of swapper_pg_dir. */
	unsigned k = arch_va_index(&b->arch, 0, KVA);
	*ent(b, *r2 + k * 8) = *ent(b, *r1 + k * 8);
}

TEST(pcid_off_cr3_switch_flushes_non_global)
{
	struct box b;
	box_init(&b, NULL, false);
	struct hw_cpu *c = &b.cpu[0];
	mm_pa_t r1, r2, pa;
	two_spaces(&b, &r1, &r2);
	hw_cpu_write_cr3(c, r1, 7, false); /* PCID ignored when off */
	CHECK_EQ(c->pcid, 0);
	rd(c, BASE, &pa);
	CHECK_EQ(mmu_translate(c, KVA, HW_READ, false, &pa, NULL), 0);
	CHECK_EQ(c->stats.walks, 2);
	hw_cpu_write_cr3(c, r2, 0, true); /* NOFLUSH means nothing without PCID */
	CHECK_EQ(rd(c, BASE, &pa), 0);
	CHECK_EQ(pa, 0x4000000); /* the new space's frame, from a walk */
	CHECK_EQ(c->stats.walks, 3);
	/* the global kernel entry survived the switch */
	CHECK_EQ(mmu_translate(c, KVA, HW_READ, false, &pa, NULL), 0);
	CHECK_EQ(c->stats.walks, 3);
	CHECK_EQ(pa, 0x100000);
	hw_cpu_write_cr3(c, r1, 0, false);
	rd(c, BASE, &pa);
	CHECK_EQ(pa, 0x3000000);
	CHECK_EQ(c->stats.walks, 4);
	CHECK_EQ(c->stats.cr3_writes, 3);
	CHECK_EQ(c->stats.cr3_flushes, 3);
	box_fini(&b);
}

TEST(pcid_on_keeps_each_space_entries)
{
	struct box b;
	box_init(&b, NULL, true);
	struct hw_cpu *c = &b.cpu[0];
	mm_pa_t r1, r2, pa;
	two_spaces(&b, &r1, &r2);
	hw_cpu_write_cr3(c, r1, 1, false);
	rd(c, BASE, &pa);
	hw_cpu_write_cr3(c, r2, 2, true);
	CHECK_EQ(rd(c, BASE, &pa), 0);
	CHECK_EQ(pa, 0x4000000); /* PCID 1's entry does not match PCID 2 */
	CHECK_EQ(c->stats.walks, 2);
	hw_cpu_write_cr3(c, r1, 1, true); /* back, NOFLUSH: PCID 1's entry is there */
	CHECK_EQ(rd(c, BASE, &pa), 0);
	CHECK_EQ(pa, 0x3000000);
	CHECK_EQ(c->stats.walks, 2);
	CHECK_EQ(c->last, HW_TLB_HIT_L1D);
	/* without NOFLUSH, loading PCID 1 drops PCID 1's entries only */
	hw_cpu_write_cr3(c, r1, 1, false);
	CHECK(tlb_probe(&c->tlb, TLB_L1D, BASE, 1, NULL) < 0);
	CHECK(tlb_probe(&c->tlb, TLB_L1D, BASE, 2, NULL) >= 0);
	CHECK_EQ(c->stats.cr3_flushes, 2);
	/* INVPCID single context on PCID 2 */
	tlb_flush_pcid(c, 2);
	CHECK(tlb_probe(&c->tlb, TLB_L1D, BASE, 2, NULL) < 0);
	box_fini(&b);
}

TEST(global_entries_survive_until_invlpg_or_full_flush)
{
	struct box b;
	box_init(&b, NULL, true);
	struct hw_cpu *c = &b.cpu[0];
	mm_pa_t r1, r2, pa;
	two_spaces(&b, &r1, &r2);
	hw_cpu_write_cr3(c, r1, 1, false);
	mmu_translate(c, KVA, HW_READ, false, &pa, NULL);
	rd(c, BASE, &pa);
	/* a global entry matches any PCID */
	CHECK(tlb_probe(&c->tlb, TLB_L1D, KVA, 99, NULL) >= 0);
	tlb_flush_nonglobal(c);
	CHECK(tlb_probe(&c->tlb, TLB_L1D, BASE, 1, NULL) < 0);
	CHECK(tlb_probe(&c->tlb, TLB_L1D, KVA, 1, NULL) >= 0);
	/* INVPCID individual-address spares globals; invlpg does not */
	tlb_invpcid_addr(c, 1, KVA);
	CHECK(tlb_probe(&c->tlb, TLB_L1D, KVA, 1, NULL) >= 0);
	tlb_invlpg(c, KVA);
	CHECK(tlb_probe(&c->tlb, TLB_L1D, KVA, 1, NULL) < 0);
	CHECK(tlb_probe(&c->tlb, TLB_L2, KVA, 1, NULL) < 0);
	mmu_translate(c, KVA, HW_READ, false, &pa, NULL);
	tlb_flush_all(c);
	CHECK(tlb_probe(&c->tlb, TLB_L1D, KVA, 1, NULL) < 0);
	CHECK_EQ(c->stats.flush_all, 2);
	CHECK_EQ(c->stats.flush_one, 2);
	/* a user access to the kernel page faults and must not hit it */
	CHECK_EQ(mmu_translate(c, KVA, HW_READ, false, &pa, NULL), 0);
	CHECK_EQ(mmu_translate(c, KVA, HW_READ, true, &pa, NULL), HW_FAULT_PROT);
	box_fini(&b);
}

TEST(invlpg_flushes_every_page_size)
{
	struct box b;
	box_init(&b, NULL, true);
	struct hw_cpu *c = &b.cpu[0];
	mm_pa_t root = new_table(&b), pa;
	map(&b, root, 0x40000000, 0x600000, 2, URW);   /* 2M at 1G */
	map(&b, root, 0x80000000, 0x40000000, 1, URW); /* 1G at 2G */
	hw_cpu_write_cr3(c, root, 1, false);
	rd(c, 0x40000000, &pa);
	rd(c, 0x80000000, &pa);
	CHECK_EQ(tlb_nr_valid(&c->tlb, 1), 1);
	CHECK_EQ(tlb_nr_valid(&c->tlb, 2), 1);
	CHECK_EQ(tlb_nr_valid(&c->tlb, 3), 1);
	CHECK_EQ(tlb_nr_valid(&c->tlb, 4), 1);
	/* any address inside the page drops the whole huge entry, L1 and L2 */
	tlb_invlpg(c, 0x40000000 + 0x1ff000);
	tlb_invlpg(c, 0x80000000 + 0x3fe00000);
	for (int i = 0; i < 5; i++)
		CHECK_EQ(tlb_nr_valid(&c->tlb, i), 0);
	box_fini(&b);
}

/* ---- ranges and shootdowns ----------------------------------------------------------- */

TEST(flush_ceiling_33_pages_single_34_full)
{
	struct box b;
	box_init(&b, NULL, true);
	struct hw_cpu *c = &b.cpu[0];
	hw_cpu_write_cr3(c, map_pages(&b, 40), 1, false);
	pass(c, 40, 4096);
	/* 33 pages: 33 invlpg; pages 33..39 stay */
	CHECK_EQ(tlb_flush_range(c, BASE, BASE + 33 * 4096, 12), TLB_FLUSHED_PAGES);
	CHECK_EQ(c->stats.flush_one, 33);
	CHECK_EQ(c->stats.flush_all, 0);
	CHECK(tlb_probe(&c->tlb, TLB_L1D, BASE + 32 * 4096, 1, NULL) < 0);
	CHECK(tlb_probe(&c->tlb, TLB_L1D, BASE + 33 * 4096, 1, NULL) >= 0);
	CHECK(tlb_probe(&c->tlb, TLB_L2, BASE + 39 * 4096, 1, NULL) >= 0);
	/* 34 pages: more than the ceiling, one full flush of this PCID */
	CHECK_EQ(tlb_flush_range(c, BASE, BASE + 34 * 4096, 12), TLB_FLUSHED_FULL);
	CHECK_EQ(c->stats.flush_one, 33);
	CHECK_EQ(c->stats.flush_all, 1);
	CHECK(tlb_probe(&c->tlb, TLB_L2, BASE + 39 * 4096, 1, NULL) < 0);
	CHECK_EQ(c->stats.flush_ranges, 2);
	CHECK_EQ(c->stats.flush_ranges_full, 1);
	/* 2M stride: 33 huge pages are 33 invlpg, whatever the 4K count */
	CHECK_EQ(tlb_flush_range(c, 0, 33ULL << 21, 21), TLB_FLUSHED_PAGES);
	CHECK_EQ(tlb_flush_range(c, 0, TLB_FLUSH_ALL, 12), TLB_FLUSHED_FULL);
	/* kernel ranges: over the ceiling, globals go too */
	CHECK_EQ(tlb_flush_kernel_range(c, KVA, KVA + 34 * 4096), TLB_FLUSHED_FULL);
	CHECK_EQ(tlb_flush_range(c, BASE + 4096, BASE, 12), -EINVAL);
	CHECK_EQ(tlb_flush_range(c, BASE, BASE + 4096, 11), -EINVAL);
	box_fini(&b);
}

TEST(shootdown_counts_ipis)
{
	struct box b;
	box_init(&b, NULL, true);
	mm_pa_t root = map_pages(&b, 4), pa;
	for (int i = 0; i < NR_CPUS; i++) {
		hw_cpu_write_cr3(&b.cpu[i], root, 1, false);
		pass(&b.cpu[i], 4, 4096);
	}
	/* CPU 0 flushes 2 pages on CPUs {0, 1, 2}: two IPIs, each received once */
	CHECK_EQ(tlb_shootdown(b.cpu, NR_CPUS, 0, 0x7, BASE, BASE + 2 * 4096, 12, false), 2);
	CHECK_EQ(b.cpu[0].stats.ipis_sent, 2);
	CHECK_EQ(b.cpu[0].stats.remote_flushes, 1);
	CHECK_EQ(b.cpu[0].stats.shootdowns, 0);
	CHECK_EQ(b.cpu[1].stats.shootdowns, 1);
	CHECK_EQ(b.cpu[2].stats.shootdowns, 1);
	for (int i = 0; i < NR_CPUS; i++) {
		CHECK_EQ(b.cpu[i].stats.flush_one, 2);
		CHECK(tlb_probe(&b.cpu[i].tlb, TLB_L1D, BASE + 4096, 1, NULL) < 0);
		CHECK(tlb_probe(&b.cpu[i].tlb, TLB_L1D, BASE + 2 * 4096, 1, NULL) >= 0);
	}
	/* only the initiator in the mask: a local flush, no IPI */
	CHECK_EQ(tlb_shootdown(b.cpu, NR_CPUS, 1, 0x2, BASE, BASE + 4096, 12, false), 0);
	CHECK_EQ(b.cpu[1].stats.remote_flushes, 0);
	/* bits beyond the CPUs are ignored; a bad initiator is refused */
	CHECK_EQ(tlb_shootdown(b.cpu, NR_CPUS, 2, ~0ULL, BASE, TLB_FLUSH_ALL, 12, false), 2);
	CHECK_EQ(b.cpu[0].stats.flush_all, 1);
	CHECK_EQ(tlb_shootdown(b.cpu, NR_CPUS, 3, 1, BASE, BASE + 4096, 12, false), -EINVAL);
	rd(&b.cpu[0], BASE, &pa);
	CHECK_EQ(pa, 0x2000000);
	box_fini(&b);
}

TEST(check_catches_a_corrupted_entry)
{
	struct box b;
	box_init(&b, NULL, true);
	struct hw_cpu *c = &b.cpu[0];
	hw_cpu_write_cr3(c, map_pages(&b, 1), 1, false);
	mm_pa_t pa;
	rd(c, BASE, &pa);
	CHECK(tlb_check(&c->tlb));
	int ai = -1;
	int k = tlb_probe(&c->tlb, TLB_L1D, BASE, 1, &ai);
	CHECK(k >= 0);
	if (k >= 0) {
		struct tlb_slot *s = &c->tlb.arr[ai].slot[k];
		s->allow ^= 0x2; /* user read no longer matches flags */
		printf("  (one tlb_check complaint expected below)\n");
		CHECK(!tlb_check(&c->tlb));
		s->allow ^= 0x2;
	}
	box_fini(&b);
}

int main(void)
{
	RUN(stride_256_pages_misses_l1_hits_l2);
	RUN(stride_64_pages_fit_l1_then_65_thrash_one_set);
	RUN(lru_order_within_a_set);
	RUN(l2_hit_refills_l1);
	RUN(no_tlb_walks_every_time);
	RUN(instruction_tlb_when_configured);
	RUN(pcid_off_cr3_switch_flushes_non_global);
	RUN(pcid_on_keeps_each_space_entries);
	RUN(global_entries_survive_until_invlpg_or_full_flush);
	RUN(invlpg_flushes_every_page_size);
	RUN(flush_ceiling_33_pages_single_34_full);
	RUN(shootdown_counts_ipis);
	RUN(check_catches_a_corrupted_entry);
	return test_summary();
}
