/*
 * arch_test.c - the architecture profiles: PTE words, index splits,
 * address-space constants, the canonical rule, and the toy machine.
 *
 * Every expected value is worked out by hand in the comment beside it.
 */
#include <errno.h>

#include "arch/arch.h"
#include "test.h"

static const struct arch_profile *prof_x86_64(void) { return arch_lookup("x86_64"); }
static const struct arch_profile *prof_la57(void) { return arch_lookup("x86_64-la57"); }
static const struct arch_profile *prof_i386(void) { return arch_lookup("i386"); }
static const struct arch_profile *prof_pae(void) { return arch_lookup("i386-pae"); }

TEST(lookup)
{
	CHECK(prof_x86_64() && prof_la57() && prof_i386() && prof_pae());
	CHECK(arch_lookup("toy") == NULL);   /* built per machine */
	CHECK(arch_lookup("arm64") == NULL);
	CHECK(arch_lookup(NULL) == NULL);
	int n = 0;
	for (const char *const *p = arch_names; *p; p++)
		n++;
	CHECK_EQ(n, 5);
	CHECK_STR(prof_x86_64()->name, "x86_64");
	CHECK_STR(prof_pae()->name, "i386-pae");
}

TEST(pte_x86_64)
{
	const struct arch_profile *a = prof_x86_64();
	/* P 0x1 | RW 0x2 | US 0x4 | A 0x20 | D 0x40 = 0x67; PFN 0x1234 << 12 =
	 * 0x1234000; NX = bit 63 = 0x8000000000000000. */
	unsigned f = PTE_F_PRESENT | PTE_F_WRITE | PTE_F_USER | PTE_F_ACCESSED | PTE_F_DIRTY | PTE_F_NX;
	mm_pte_t e = arch_pte_encode(a, 0x1234, f);
	CHECK_EQ(e, 0x8000000001234067ULL);
	CHECK_EQ(arch_pte_pfn(a, e), 0x1234);
	CHECK_EQ(arch_pte_flags(a, e), f);

	/* A 2M kernel leaf at 2M: PFN 0x200 -> 0x200000; P RW A D = 0x63,
	 * PS 0x80, G 0x100 -> 0x1e3; NX. */
	unsigned kf = PTE_F_PRESENT | PTE_F_WRITE | PTE_F_ACCESSED | PTE_F_DIRTY | PTE_F_HUGE |
		      PTE_F_GLOBAL | PTE_F_NX;
	CHECK_EQ(arch_pte_encode(a, 0x200, kf), 0x80000000002001e3ULL);

	/* PWT 0x8, PCD 0x10 with PFN 0: just 0x18. */
	CHECK_EQ(arch_pte_encode(a, 0, PTE_F_PWT | PTE_F_PCD), 0x18);

	/* The PFN field is bits 12..51: a PFN with bit 40 set (PA bit 52) is
	 * masked away, and "available" bits 52..62 never read as PFN. */
	CHECK_EQ(arch_pte_encode(a, 1ULL << 40, PTE_F_PRESENT), 1);
	CHECK_EQ(arch_pte_pfn(a, 0x7ff0000001234001ULL), 0x1234);
	/* Largest PFN: 40 bits of ones -> 0x000ffffffffff000 | P. */
	CHECK_EQ(arch_pte_encode(a, (1ULL << 40) - 1, PTE_F_PRESENT), 0x000ffffffffff001ULL);
}

TEST(pte_i386)
{
	const struct arch_profile *a = prof_i386();
	/* 32-bit entries have no NX: the same request as above gives 0x01234067. */
	unsigned f = PTE_F_PRESENT | PTE_F_WRITE | PTE_F_USER | PTE_F_ACCESSED | PTE_F_DIRTY | PTE_F_NX;
	mm_pte_t e = arch_pte_encode(a, 0x1234, f);
	CHECK_EQ(e, 0x01234067);
	CHECK_EQ(arch_pte_flags(a, e), f & ~(unsigned)PTE_F_NX);
	/* Bit 63 of a 32-bit entry is meaningless: not reported as NX. */
	CHECK_EQ(arch_pte_flags(a, 0x8000000000000001ULL), PTE_F_PRESENT);
	/* A 4M PSE leaf at 0xC00000 (12M): PFN 0xC00 -> 0x00C00000; P RW PS G
	 * A D = 0x1e3. */
	unsigned kf = PTE_F_PRESENT | PTE_F_WRITE | PTE_F_ACCESSED | PTE_F_DIRTY | PTE_F_HUGE |
		      PTE_F_GLOBAL;
	CHECK_EQ(arch_pte_encode(a, 0xC00, kf), 0x00C001e3);
	/* Highest frame: PFN 0xFFFFF -> 0xFFFFF000. */
	CHECK_EQ(arch_pte_encode(a, 0xFFFFF, PTE_F_PRESENT), 0xFFFFF001ULL);
	CHECK_EQ(arch_pte_pfn(a, 0xFFFFF001ULL), 0xFFFFF);
}

TEST(pte_pae)
{
	const struct arch_profile *a = prof_pae();
	/* Frame just below 4G: PFN 0xFFFFF -> 0xFFFFF000; P 1 | RW 2 | G 0x100
	 * = 0x103; NX at bit 63. */
	mm_pte_t e = arch_pte_encode(a, 0xFFFFF, PTE_F_PRESENT | PTE_F_WRITE | PTE_F_GLOBAL | PTE_F_NX);
	CHECK_EQ(e, 0x80000000FFFFF103ULL);
	/* Above 4G (PAE's point): PFN 0x123456 -> PA 0x123456000. */
	CHECK_EQ(arch_pte_encode(a, 0x123456, PTE_F_PRESENT), 0x123456001ULL);
	CHECK_EQ(arch_pte_pfn(a, 0x123456001ULL), 0x123456);
	/* 36-bit PA: PFN 0x1000000 is PA 1 << 36, outside the field. */
	CHECK_EQ(arch_pte_encode(a, 0x1000000, PTE_F_PRESENT), 1);
}

TEST(pte_flags_str)
{
	char buf[64];
	CHECK_STR(arch_pte_flags_str(PTE_F_PRESENT | PTE_F_WRITE | PTE_F_USER | PTE_F_ACCESSED |
					     PTE_F_DIRTY | PTE_F_NX,
				     buf, sizeof(buf)),
		  "P RW US A D NX");
	CHECK_STR(arch_pte_flags_str(PTE_F_PRESENT | PTE_F_HUGE | PTE_F_GLOBAL | PTE_F_PWT | PTE_F_PCD,
				     buf, sizeof(buf)),
		  "P PWT PCD PS G");
	CHECK_STR(arch_pte_flags_str(0, buf, sizeof(buf)), "-");
	/* A short buffer truncates at a whole name, never overflows. */
	char small[6];
	CHECK_STR(arch_pte_flags_str(PTE_F_PRESENT | PTE_F_WRITE | PTE_F_USER, small, sizeof(small)),
		  "P RW");
}

TEST(split_x86_64)
{
	const struct arch_profile *a = prof_x86_64();
	/* 0x00007fffdeadbeef, low 48 bits in binary, split 9/9/9/9/12:
	 *   011111111 111111111 011110101 011011011 111011101111
	 *   PGD 255   PUD 511   PMD 245   PTE 219   offset 0xeef */
	mm_va_t va = 0x00007fffdeadbeefULL;
	CHECK_EQ(arch_va_index(a, 0, va), 255);
	CHECK_EQ(arch_va_index(a, 1, va), 511);
	CHECK_EQ(arch_va_index(a, 2, va), 245);
	CHECK_EQ(arch_va_index(a, 3, va), 219);
	CHECK_EQ(va & (arch_page_size(a) - 1), 0xeef);
	/* PAGE_OFFSET 0xffff888000000000: bits 47..39 of 0x888000000000 are
	 * 1 0001 0001 = 273, everything below is 0. */
	CHECK_EQ(arch_va_index(a, 0, a->page_offset), 273);
	CHECK_EQ(arch_va_index(a, 1, a->page_offset), 0);
	/* __START_KERNEL_map 0xffffffff80000000: PGD 511, PUD 510 (bits 38..30
	 * of 0x7f80000000 are 1 1111 1110), PMD 0. */
	CHECK_EQ(arch_va_index(a, 0, a->kernel_text_va), 511);
	CHECK_EQ(arch_va_index(a, 1, a->kernel_text_va), 510);
	CHECK_EQ(arch_va_index(a, 2, a->kernel_text_va), 0);
	/* Spans: PUD entry 1G, PMD entry 2M, PTE 4K; tables 512 x 8 = 4K. */
	CHECK_EQ(arch_level_span(a, 1), MM_GB);
	CHECK_EQ(arch_level_span(a, 2), 2 * MM_MB);
	CHECK_EQ(arch_level_span(a, 3), 4096);
	CHECK_EQ(arch_table_entries(a, 0) * a->pte_bytes, 4096);
	CHECK(a->level[1].huge_leaf_ok && a->level[2].huge_leaf_ok);
	CHECK(!a->level[0].huge_leaf_ok && !a->level[3].huge_leaf_ok);
}

TEST(split_la57)
{
	const struct arch_profile *a = prof_la57();
	CHECK_EQ(a->nr_levels, 5);
	CHECK_STR(a->level[1].name, "P4D");
	/* 0x00123456789abcde: PGD = bits 56..48 = 0x012 = 18; low 48 bits
	 * 0x3456789abcde in binary, split 9/9/9/9/12:
	 *   001101000 101011001 111000100 110101011 110011011110
	 *   P4D 104   PUD 345   PMD 452   PTE 427   offset 0xcde */
	mm_va_t va = 0x00123456789abcdeULL;
	CHECK_EQ(arch_va_index(a, 0, va), 18);
	CHECK_EQ(arch_va_index(a, 1, va), 104);
	CHECK_EQ(arch_va_index(a, 2, va), 345);
	CHECK_EQ(arch_va_index(a, 3, va), 452);
	CHECK_EQ(arch_va_index(a, 4, va), 427);
	CHECK_EQ(va & 0xfff, 0xcde);
	/* PAGE_OFFSET 0xff11000000000000: bits 56..48 of 0xff11 = 1 0001 0001
	 * = 273, P4D 0. */
	CHECK_EQ(arch_va_index(a, 0, a->page_offset), 273);
	CHECK_EQ(arch_va_index(a, 1, a->page_offset), 0);
	/* A PGD entry spans 2^48 = 256 TiB. */
	CHECK_EQ(arch_level_span(a, 0), 256 * MM_TB);
}

TEST(split_i386)
{
	const struct arch_profile *a = prof_i386();
	/* 0xC0801234 = 1100000010 0000000001 001000110100
	 *              PGD 770     PTE 1      offset 0x234
	 * (PGD 768 is PAGE_OFFSET; 770 is 8M into the kernel's 1G.) */
	CHECK_EQ(arch_va_index(a, 0, 0xC0801234), 770);
	CHECK_EQ(arch_va_index(a, 1, 0xC0801234), 1);
	CHECK_EQ(arch_va_index(a, 0, a->page_offset), 768);
	/* PGD entry 4M; both tables 1024 x 4 = 4K. */
	CHECK_EQ(arch_level_span(a, 0), 4 * MM_MB);
	CHECK_EQ(arch_table_entries(a, 0) * a->pte_bytes, 4096);
	CHECK_EQ(arch_table_entries(a, 1) * a->pte_bytes, 4096);
	CHECK(a->level[0].huge_leaf_ok);
}

TEST(split_pae)
{
	const struct arch_profile *a = prof_pae();
	/* 0xC0801234 = 11 000000100 000000001 001000110100
	 *              PGD 3  PMD 4  PTE 1    offset 0x234 */
	CHECK_EQ(arch_va_index(a, 0, 0xC0801234), 3);
	CHECK_EQ(arch_va_index(a, 1, 0xC0801234), 4);
	CHECK_EQ(arch_va_index(a, 2, 0xC0801234), 1);
	/* PDPT: 4 entries of 8 bytes = 32 bytes; PGD entry 1G, PMD entry 2M. */
	CHECK_EQ(arch_table_entries(a, 0) * a->pte_bytes, 32);
	CHECK_EQ(arch_level_span(a, 0), MM_GB);
	CHECK_EQ(arch_level_span(a, 1), 2 * MM_MB);
	CHECK(!a->level[0].huge_leaf_ok && a->level[1].huge_leaf_ok);
}

TEST(layout_constants)
{
	const struct arch_profile *a = prof_x86_64();
	CHECK_EQ(a->task_size, 0x7ffffffff000ULL);        /* 2^47 - 4K */
	CHECK_EQ(a->page_offset, 0xffff888000000000ULL);
	CHECK_EQ(a->vmalloc_start, 0xffffc90000000000ULL);
	/* 32 TiB = 0x200000000000: start + that - 1 = 0xffffe8ffffffffff. */
	CHECK_EQ(a->vmalloc_end, 0xffffe8ffffffffffULL);
	/* VmallocTotal of /proc/meminfo: (32T - 1) >> 10 = 34359738367 kB. */
	CHECK_EQ((a->vmalloc_end - a->vmalloc_start) >> 10, 34359738367ULL);
	CHECK_EQ(a->kernel_text_va, 0xffffffff80000000ULL);
	CHECK_EQ(a->zone_end_pa[ZONE_DMA], 16 * MM_MB);
	CHECK_EQ(a->zone_end_pa[ZONE_DMA32], 4 * MM_GB);
	CHECK(!a->zone_exists[ZONE_HIGHMEM]);
	CHECK_EQ(a->max_order, 10);
	CHECK_EQ(a->pageblock_order, 9);
	CHECK_EQ(a->kernel_load_pa, 16 * MM_MB);

	const struct arch_profile *b = prof_la57();
	CHECK_EQ(b->task_size, 0x00fffffffffff000ULL);    /* 2^56 - 4K */
	CHECK_EQ(b->page_offset, 0xff11000000000000ULL);
	/* 12800 TiB = 0x3200 << 40 = 0x0032000000000000; minus 1 from
	 * 0xffa0... + that = 0xffd1ffffffffffff. */
	CHECK_EQ(b->vmalloc_end, 0xffd1ffffffffffffULL);

	const struct arch_profile *c = prof_i386();
	CHECK_EQ(c->task_size, 0xC0000000ULL);
	CHECK_EQ(c->page_offset, 0xC0000000ULL);
	CHECK_EQ(c->max_direct_pa, 896 * MM_MB);
	/* high_memory 0xC0000000 + 0x38000000 = 0xF8000000, + 8M gap. */
	CHECK_EQ(c->vmalloc_start, 0xF8800000ULL);
	/* FIXADDR_START 0xFFC00000 - 1025 pages (0x401000) = 0xFF7FF000, down
	 * to a 4M boundary: PKMAP_BASE 0xFF400000; vmalloc ends 2 pages below. */
	CHECK_EQ(c->pkmap_base, 0xFF400000ULL);
	CHECK_EQ(c->last_pkmap, 1024);
	CHECK_EQ(c->vmalloc_end, 0xFF3FE000ULL);
	CHECK_EQ(c->fixaddr_top, 0xFFFFF000ULL);
	CHECK(c->fixaddr_start >= c->pkmap_base + c->last_pkmap * 4096ULL);
	CHECK_EQ(c->zone_end_pa[ZONE_NORMAL], 896 * MM_MB);
	CHECK(c->zone_exists[ZONE_HIGHMEM] && !c->zone_exists[ZONE_DMA32]);
	CHECK_EQ(c->pageblock_order, 10);
	CHECK_EQ(c->kernel_image_bytes, 8 * MM_MB);

	const struct arch_profile *d = prof_pae();
	/* 0xFFC00000 - 513 pages (0x201000) = 0xFF9FF000, down to 2M:
	 * 0xFF800000; vmalloc_end 0xFF7FE000. */
	CHECK_EQ(d->pkmap_base, 0xFF800000ULL);
	CHECK_EQ(d->last_pkmap, 512);
	CHECK_EQ(d->vmalloc_end, 0xFF7FE000ULL);
	CHECK_EQ(d->pageblock_order, 9);
}

TEST(canonical)
{
	CHECK(arch_va_canonical(prof_x86_64(), 0x00007fffffffffffULL));
	CHECK(!arch_va_canonical(prof_x86_64(), 0x0000800000000000ULL));
	CHECK(arch_va_canonical(prof_x86_64(), 0xffff800000000000ULL));
	CHECK(!arch_va_canonical(prof_x86_64(), 0xfff0800000000000ULL));
	CHECK(!arch_va_canonical(prof_x86_64(), 0xff11000000000000ULL)); /* la57's PAGE_OFFSET */
	CHECK(arch_va_canonical(prof_la57(), 0xff11000000000000ULL));
	CHECK(arch_va_canonical(prof_la57(), 0x00ffffffffffffffULL));
	CHECK(!arch_va_canonical(prof_la57(), 0x0100000000000000ULL));
	CHECK(arch_va_canonical(prof_i386(), 0xffffffffULL));
	CHECK(!arch_va_canonical(prof_i386(), 0x100000000ULL));
	CHECK(!arch_va_canonical(prof_pae(), 0xffffffffc0000000ULL));
}

TEST(toy_textbook)
{
	/* va_bits=14 pa_bits=12 page=64 levels=2: 14 - 6 = 8 index bits, 4 + 4;
	 * 2^12 / 64 = 64 frames; a table is 16 entries x 4 bytes = 64 bytes. */
	struct arch_profile t;
	struct arch_toy_params p = { 14, 12, 64, 2 };
	const char *why = "unset";
	CHECK_EQ(arch_toy_build(&t, &p, &why), 0);
	CHECK(why == NULL);
	CHECK(t.is_toy);
	CHECK_STR(t.name, "toy");
	CHECK_EQ(t.page_shift, 6);
	CHECK_EQ(t.nr_levels, 2);
	CHECK_EQ(t.level[0].bits, 4);
	CHECK_EQ(t.level[0].shift, 10);
	CHECK_EQ(t.level[1].bits, 4);
	CHECK_EQ(t.level[1].shift, 6);
	CHECK_STR(t.level[0].name, "PGD");
	CHECK_STR(t.level[1].name, "PTE");
	CHECK_EQ((1ULL << t.pa_bits) >> t.page_shift, 64);
	CHECK_EQ(arch_table_entries(&t, 0), 16);
	CHECK_EQ(arch_table_entries(&t, 0) * t.pte_bytes, 64);
	CHECK_EQ(t.pte_bytes, 4);
	CHECK(!t.has_nx);
	CHECK(!t.level[0].huge_leaf_ok && !t.level[1].huge_leaf_ok);
	/* No kernel space: user owns all 2^14 addresses. */
	CHECK_EQ(t.page_offset, 0);
	CHECK_EQ(t.task_size, 0x4000);
	CHECK(t.zone_exists[ZONE_NORMAL] && !t.zone_exists[ZONE_DMA]);
	CHECK_EQ(t.zone_end_pa[ZONE_NORMAL], 4096);
	/* max_order = min(10, 12 - 6) = 6; pageblock = one PTE table's reach,
	 * min(6, 4) = 4. */
	CHECK_EQ(t.max_order, 6);
	CHECK_EQ(t.pageblock_order, 4);

	/* 0x2ABC = 1010 1010 111100 -> PGD 10, PTE 10, offset 0x3C. */
	CHECK_EQ(arch_va_index(&t, 0, 0x2ABC), 10);
	CHECK_EQ(arch_va_index(&t, 1, 0x2ABC), 10);
	CHECK_EQ(0x2ABC & (arch_page_size(&t) - 1), 0x3C);

	/* Entries: frame 5 with P RW -> 5 << 12 | 3 = 0x5003; frame 64 does not
	 * exist (6 PFN bits) and is masked away; NX is dropped. */
	CHECK_EQ(arch_pte_encode(&t, 5, PTE_F_PRESENT | PTE_F_WRITE | PTE_F_NX), 0x5003);
	CHECK_EQ(arch_pte_pfn(&t, 0x5003), 5);
	CHECK_EQ(arch_pte_encode(&t, 64, PTE_F_PRESENT), 1);
	CHECK(arch_va_canonical(&t, 0x3fff) && !arch_va_canonical(&t, 0x4000));
}

TEST(toy_uneven)
{
	/* va 16, page 256 (shift 8), 3 levels: 8 index bits = 2 + 2 + 2 with
	 * remainder 2 on top: PGD 4 bits at 12, PMD 2 at 10, PTE 2 at 8. */
	struct arch_profile t;
	struct arch_toy_params p = { 16, 16, 256, 3 };
	CHECK_EQ(arch_toy_build(&t, &p, NULL), 0);
	CHECK_EQ(t.level[0].bits, 4);
	CHECK_EQ(t.level[0].shift, 12);
	CHECK_EQ(t.level[1].bits, 2);
	CHECK_EQ(t.level[1].shift, 10);
	CHECK_EQ(t.level[2].bits, 2);
	CHECK_EQ(t.level[2].shift, 8);
	CHECK_STR(t.level[0].name, "PGD");
	CHECK_STR(t.level[1].name, "PMD");
	CHECK_STR(t.level[2].name, "PTE");
	/* max_order = min(10, 16 - 8) = 8; pageblock = min(8, 2) = 2. */
	CHECK_EQ(t.max_order, 8);
	CHECK_EQ(t.pageblock_order, 2);

	/* One level: va 10, page 16: 6 bits, one 64-entry table of 256 bytes. */
	struct arch_toy_params q = { 10, 10, 16, 1 };
	CHECK_EQ(arch_toy_build(&t, &q, NULL), 0);
	CHECK_EQ(t.level[0].bits, 6);
	CHECK_EQ(t.level[0].shift, 4);
	CHECK_STR(t.level[0].name, "PTE");
}

static int toy_reject(unsigned va, unsigned pa, unsigned page, unsigned levels,
		      const char **why)
{
	struct arch_profile t;
	struct arch_toy_params p = { va, pa, page, levels };
	*why = NULL;
	return arch_toy_build(&t, &p, why);
}

TEST(toy_rejects)
{
	const char *why;
	CHECK_EQ(toy_reject(7, 12, 64, 2, &why), -EINVAL);
	CHECK_STR(why, "toy: va_bits must be in 8..48");
	CHECK_EQ(toy_reject(49, 12, 64, 2, &why), -EINVAL);
	CHECK_EQ(toy_reject(14, 7, 64, 2, &why), -EINVAL);
	CHECK_STR(why, "toy: pa_bits must be in 8..32");
	CHECK_EQ(toy_reject(14, 33, 64, 2, &why), -EINVAL);
	CHECK_EQ(toy_reject(14, 12, 48, 2, &why), -EINVAL);  /* not a power of two */
	CHECK(why && strstr(why, "power of two"));
	CHECK_EQ(toy_reject(14, 12, 8, 2, &why), -EINVAL);   /* below 16 bytes */
	CHECK_EQ(toy_reject(14, 12, 0, 2, &why), -EINVAL);
	CHECK_EQ(toy_reject(14, 12, 64, 0, &why), -EINVAL);
	CHECK_STR(why, "toy: levels must be in 1..5");
	CHECK_EQ(toy_reject(14, 12, 64, 6, &why), -EINVAL);
	/* page 4096 = all of a 12-bit RAM: no room for two frames. */
	CHECK_EQ(toy_reject(14, 12, 4096, 2, &why), -EINVAL);
	CHECK(why && strstr(why, "physical memory"));
	/* va 10, page 64: 4 index bits cannot feed 5 levels. */
	CHECK_EQ(toy_reject(10, 12, 64, 5, &why), -EINVAL);
	CHECK(why && strstr(why, "levels"));
	/* pa 32, page 16: 28 PFN bits, more than bits 12..31 hold. */
	CHECK_EQ(toy_reject(20, 32, 16, 2, &why), -EINVAL);
	CHECK(why && strstr(why, "at most 20"));
	/* va 40, page 16, 1 level: a 2^36-entry table; the largest block is
	 * 16 << min(10, 20 - 4) = 16K. */
	CHECK_EQ(toy_reject(40, 20, 16, 1, &why), -EINVAL);
	CHECK(why && strstr(why, "largest buddy block"));
	/* Every message names the arch. */
	CHECK(why && strncmp(why, "toy: ", 5) == 0);
	CHECK_EQ(arch_toy_build(NULL, NULL, &why), -EINVAL);
}

int main(void)
{
	RUN(lookup);
	RUN(pte_x86_64);
	RUN(pte_i386);
	RUN(pte_pae);
	RUN(pte_flags_str);
	RUN(split_x86_64);
	RUN(split_la57);
	RUN(split_i386);
	RUN(split_pae);
	RUN(layout_constants);
	RUN(canonical);
	RUN(toy_textbook);
	RUN(toy_uneven);
	RUN(toy_rejects);
	return test_summary();
}
