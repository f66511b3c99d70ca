/*
 * cma_test.c - the CMA reservation: where it goes, its pageblocks, and who
 * may allocate from it.
 *
 * Worked placements (dma_contiguous_reserve on x86, size rounded to
 * pageblocks: 2M on x86_64 and PAE, 4M on i386):
 *   x86_64 32M, cma=8M   RAM < 4G + 8M: top down below the end of RAM, in
 *                        DMA32; 4 pageblocks, 2048 pages
 *   x86_64 8G, cma=16M   RAM >= 4G + 16M: bottom up from 4G, so the area
 *                        is exactly [4G, 4G + 16M) in Normal
 *   i386 2G, cma=16M     limit = lowmem (896M): top down below it, in
 *                        Normal; 4 pageblocks of 4M
 */
#include <inttypes.h>
#include <stdlib.h>

#include "mm/cma.h"
#include "mm/internal.h"
#include "sim/machine.h"
#include "fixtures.h"
#include "test.h"

static struct mm_machine *boot(const char *arch, uint64_t ram, uint64_t cma)
{
	return test_boot(arch, ram, 1, cma);
}

/* Every pageblock of the area is MIGRATE_CMA, in zone zt. */
static bool area_typed(struct mm_kernel *k, enum zone_type zt)
{
	const struct cma_state *cs = k->cma;
	for (mm_pfn_t pfn = cs->base_pfn; pfn < cs->base_pfn + cs->count; pfn += 1ULL << k->pageblock_order) {
		struct zone *z = page_zone(k, pfn_to_page(k, pfn));
		if (!z || z->type != zt || get_pageblock_migratetype(z, pfn) != MIGRATE_CMA)
			return false;
	}
	return true;
}

TEST(x86_64_small_top_down)
{
	struct mm_machine *m = boot("x86_64", 32 * MM_MB, 8 * MM_MB);
	struct mm_kernel *k = &m->k;
	const struct cma_state *cs = k->cma;
	if (!cs) {
		CHECK(cs != NULL);
		mm_machine_destroy(m);
		return;
	}
	CHECK_EQ(cs->count, 2048);
	CHECK_EQ(k->totalcma_pages, 2048);
	CHECK_EQ(cs->base_pfn & 511, 0); /* pageblock (2M) aligned */
	CHECK(cs->base_pfn + cs->count <= k->max_pfn);
	CHECK(area_typed(k, ZONE_DMA32));
	CHECK_EQ(k->node.node_zones[ZONE_DMA32].cma_pages, 2048);
	/* Just activated, nothing allocated from it: CmaFree = CmaTotal. */
	CHECK_EQ(k->node.node_zones[ZONE_DMA32].nr_free_cma, 2048);
	char line[80];
	snprintf(line, sizeof(line), "cma: Reserved 8 MiB at 0x%016" PRIx64, cs->base_pfn << 12);
	CHECK(test_log_has(k, line));
	CHECK(cma_check(k));
	mm_machine_destroy(m);
}

TEST(only_movable_allocations_use_cma)
{
	struct mm_machine *m = boot("x86_64", 32 * MM_MB, 8 * MM_MB);
	struct mm_kernel *k = &m->k;
	if (!k->cma) {
		CHECK(k->cma != NULL);
		mm_machine_destroy(m);
		return;
	}
	/* Exhaust memory with unmovable allocations: none may land in CMA. */
	static mm_pfn_t got[16384];
	unsigned n = 0, in_cma = 0;
	struct page *p;
	while (n < 16384 && (p = alloc_pages(k, GFP_KERNEL | __GFP_NOWARN, 0))) {
		got[n] = page_to_pfn(k, p);
		in_cma += cma_pfn_in_area(k, got[n]);
		n++;
	}
	CHECK(n > 0 && n < 16384);
	CHECK_EQ(in_cma, 0);
	CHECK_EQ(k->node.node_zones[ZONE_DMA32].nr_free_cma, 2048);
	/* A movable allocation may take a CMA page: it could migrate away. */
	p = alloc_pages(k, GFP_HIGHUSER_MOVABLE, 0);
	CHECK(p != NULL);
	if (p) {
		CHECK(cma_pfn_in_area(k, page_to_pfn(k, p)));
		__free_pages(k, p, 0);
	}
	for (unsigned i = 0; i < n; i++)
		__free_pages(k, pfn_to_page(k, got[i]), 0);
	mm_machine_destroy(m);
}

TEST(x86_64_large_bottom_up_at_4G)
{
	struct mm_machine *m = boot("x86_64", 8 * MM_GB, 16 * MM_MB);
	struct mm_kernel *k = &m->k;
	if (!k->cma) {
		CHECK(k->cma != NULL);
		mm_machine_destroy(m);
		return;
	}
	CHECK_EQ(k->cma->base_pfn, 0x100000); /* 4G */
	CHECK_EQ(k->cma->count, 4096);
	CHECK(area_typed(k, ZONE_NORMAL));
	CHECK(test_log_has(k, "cma: Reserved 16 MiB at 0x0000000100000000"));
	mm_machine_destroy(m);
}

TEST(i386_in_lowmem)
{
	struct mm_machine *m = boot("i386", 2 * MM_GB, 16 * MM_MB);
	struct mm_kernel *k = &m->k;
	if (!k->cma) {
		CHECK(k->cma != NULL);
		mm_machine_destroy(m);
		return;
	}
	CHECK_EQ(k->cma->count, 4096);
	CHECK_EQ(k->cma->base_pfn & 1023, 0); /* 4M pageblocks */
	CHECK(k->cma->base_pfn + k->cma->count <= 0x38000); /* below 896M */
	CHECK(area_typed(k, ZONE_NORMAL));
	/* A 32-bit phys_addr_t prints with 8 digits. */
	char line[80];
	snprintf(line, sizeof(line), "cma: Reserved 16 MiB at 0x%08" PRIx64, k->cma->base_pfn << 12);
	CHECK(test_log_has(k, line));
	mm_machine_destroy(m);
}

TEST(rounding_and_no_cma)
{
	/* 3M rounds up to two 2M pageblocks. */
	struct mm_machine *m = boot("x86_64", 64 * MM_MB, 3 * MM_MB);
	CHECK(m->k.cma && m->k.cma->count == 1024);
	mm_machine_destroy(m);
	struct mm_machine_config cfg;
	char err[256];
	mm_machine_config_default(&cfg);
	m = mm_machine_create(&cfg, err, sizeof(err));
	CHECK(m && m->k.cma == NULL && m->k.totalcma_pages == 0);
	mm_machine_destroy(m);
}

int main(void)
{
	RUN(x86_64_small_top_down);
	RUN(only_movable_allocations_use_cma);
	RUN(x86_64_large_bottom_up_at_4G);
	RUN(i386_in_lowmem);
	RUN(rounding_and_no_cma);
	return test_summary();
}
