/*
 * cma.c - the default CMA area: reserved at boot, then handed to the buddy
 * allocator as MIGRATE_CMA pageblocks (Linux's mm/cma.c, with the placement
 * rules of kernel/dma/contiguous.c and x86's setup_arch).
 *
 *   setup_arch:  dma_contiguous_reserve(max_pfn_mapped << PAGE_SHIFT)
 *                  size rounded up to whole pageblocks (CMA_MIN_ALIGNMENT)
 *                  1. RAM reaches past 4G + size: lowest fit above 4G
 *                     (bottom-up, so compaction moves pages out of CMA,
 *                     and DMA32 stays for the devices that need it)
 *                  2. else: highest fit below the limit (memblock's
 *                     top-down default); on i386 the limit is lowmem's end
 *                  memblock_reserve, totalcma_pages += pages
 *                  "cma: Reserved 16 MiB at 0x0000000007000000"
 *   core_initcall: cma_init_reserved_areas
 *                  for each pageblock: clear PG_reserved, type MIGRATE_CMA,
 *                  free it whole into the buddy (managed pages grow,
 *                  zone->cma_pages counts it)
 *
 * From then on the page allocator (page_alloc.c) keeps MIGRATE_CMA blocks
 * on their own free lists, counts them in nr_free_cma (CmaFree) and lets
 * only MOVABLE allocations take them (ALLOC_CMA): a page that can migrate
 * away when cma_alloc needs the range back. cma_alloc itself needs
 * migration and comes with it.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mm/cma.h"
#include "mm/internal.h"

/*
 * The lowest free range of size bytes aligned to align inside [start, end)
 * (memblock_alloc_range_nid with bottom-up set), without reserving it; 0 if
 * none. Free means inside a memory region and outside every reservation.
 */
static mm_pa_t find_free_bottomup(const struct memblock *mb, uint64_t size, uint64_t align,
				  mm_pa_t start, mm_pa_t end)
{
	for (int i = 0; i < mb->memory.cnt; i++) {
		const struct memblock_region *mr = &mb->memory.regions[i];
		mm_pa_t lo = MM_MAX(mr->base, start), hi = MM_MIN(mr->base + mr->size, end);
		/* Gaps between reservations inside [lo, hi), lowest first. */
		for (int j = 0; j <= mb->reserved.cnt && lo < hi; j++) {
			mm_pa_t gap_lo = j > 0 ? mb->reserved.regions[j - 1].base +
							 mb->reserved.regions[j - 1].size
					       : 0;
			mm_pa_t gap_hi = j < mb->reserved.cnt ? mb->reserved.regions[j].base : UINT64_MAX;
			mm_pa_t bottom = MM_ALIGN_UP(MM_MAX(gap_lo, lo), align);
			mm_pa_t top = MM_MIN(gap_hi, hi);
			if (bottom < top && top - bottom >= size)
				return bottom;
		}
	}
	return 0;
}

static int phys_digits(const struct mm_kernel *k)
{
	return k->arch->pa_bits > 32 ? 16 : 8; /* %pa: the width of phys_addr_t */
}

int cma_reserve(struct mm_kernel *k, uint64_t bytes)
{
	const struct arch_profile *a = k->arch;
	struct memblock *mb = &k->memblock;
	if (bytes == 0)
		return 0;
	if (a->is_toy || mb->released || k->cma) {
		printk(k, "cma: Failed to reserve %" PRIu64 " MiB", bytes >> 20);
		return -EINVAL;
	}
	uint64_t align = k->page_size << k->pageblock_order; /* CMA_MIN_ALIGNMENT_BYTES */
	uint64_t size = MM_ALIGN_UP(bytes, align);
	mm_pa_t ram_end = (mm_pa_t)k->max_pfn << k->page_shift;
	/* x86: dma_contiguous_reserve(max_pfn_mapped << PAGE_SHIFT): all RAM on
	 * x86_64, lowmem only on i386 (the direct map is what is mapped). */
	mm_pa_t limit = MM_MIN(ram_end, a->max_direct_pa ? a->max_direct_pa : ram_end);
	limit = MM_ALIGN_DOWN(limit, align);
	mm_pa_t addr = 0;
	if (size > limit) {
		printk(k, "cma: Failed to reserve %" PRIu64 " MiB", bytes >> 20);
		return -ENOMEM;
	}
	/* phys_addr_t is 64-bit on x86_64 and PAE: try above 4G, bottom-up. */
	if (a->pa_bits > 32 && ram_end >= 4 * MM_GB + size)
		addr = find_free_bottomup(mb, size, align, 4 * MM_GB, limit);
	if (addr) {
		if (memblock_reserve(mb, addr, size, "cma"))
			addr = 0;
	} else {
		/* Top-down below the limit; memblock's current_limit is the same
		 * lowmem bound on i386 and all of RAM on x86_64. */
		mm_pa_t saved = mb->current_limit;
		mb->current_limit = MM_MIN(saved, limit);
		addr = memblock_alloc(mb, size, align, "cma");
		mb->current_limit = saved;
	}
	if (!addr) {
		printk(k, "cma: Failed to reserve %" PRIu64 " MiB", bytes >> 20);
		return -ENOMEM;
	}
	struct cma_state *cs = calloc(1, sizeof(*cs));
	if (!cs)
		return -ENOMEM;
	snprintf(cs->name, sizeof(cs->name), "reserved");
	cs->base_pfn = addr >> k->page_shift;
	cs->count = size >> k->page_shift;
	k->cma = cs;
	k->totalcma_pages += cs->count;
	printk(k, "cma: Reserved %" PRIu64 " MiB at 0x%0*" PRIx64, size >> 20, phys_digits(k), addr);
	return 0;
}

int cma_init_reserved_areas(struct mm_kernel *k)
{
	struct cma_state *cs = k->cma;
	if (!cs || cs->activated)
		return 0;
	struct page *first = pfn_to_page(k, cs->base_pfn);
	struct zone *z = page_zone(k, first);
	mm_pfn_t end = cs->base_pfn + cs->count;
	/* All pages of the area must be in one zone (cma_activate_area). */
	if (!z || cs->base_pfn < z->zone_start_pfn || end > zone_end_pfn(z)) {
		printk(k, "cma: CMA area %s could not be activated", cs->name);
		return -EINVAL;
	}
	cs->bitmap = calloc((cs->count >> cs->order_per_bit) / 64 + 1, sizeof(uint64_t));
	if (!cs->bitmap)
		return -ENOMEM;
	uint64_t pb = 1ULL << k->pageblock_order;
	unsigned order = MM_MIN(k->pageblock_order, k->max_order);
	for (mm_pfn_t pfn = cs->base_pfn; pfn < end; pfn += pb) {
		/* init_cma_reserved_pageblock: the frames were memblock-reserved
		 * (PG_reserved, never free); make them blank free pages of a CMA
		 * pageblock, then free the whole block at once. */
		memset(pfn_to_page(k, pfn), 0, pb * sizeof(struct page));
		set_pageblock_migratetype(z, pfn, MIGRATE_CMA);
		for (uint64_t off = 0; off < pb; off += 1ULL << order)
			__free_pages_core(k, pfn_to_page(k, pfn + off), order);
		z->cma_pages += pb;
	}
	cs->activated = true;
	return 0;
}

void cma_fini(struct mm_kernel *k)
{
	if (!k->cma)
		return;
	free(k->cma->bitmap);
	free(k->cma);
	k->cma = NULL;
}

bool cma_pfn_in_area(const struct mm_kernel *k, mm_pfn_t pfn)
{
	const struct cma_state *cs = k->cma;
	return cs && pfn >= cs->base_pfn && pfn < cs->base_pfn + cs->count;
}

bool cma_check(const struct mm_kernel *k)
{
	const struct cma_state *cs = k->cma;
	bool ok = true;
	uint64_t cma_pages = 0;
	for (int i = 0; i < MAX_NR_ZONES; i++)
		cma_pages += k->node.node_zones[i].cma_pages;
	if (!cs)
		return cma_pages == 0 && k->totalcma_pages == 0;
	if (k->totalcma_pages != cs->count || (cs->activated && cma_pages != cs->count)) {
		fprintf(stderr, "cma_check: area %" PRIu64 " pages, totalcma_pages %" PRIu64
			", zones' cma_pages %" PRIu64 "\n", cs->count, k->totalcma_pages, cma_pages);
		ok = false;
	}
	if (!cs->activated)
		return ok;
	uint64_t pb = 1ULL << k->pageblock_order;
	for (mm_pfn_t pfn = cs->base_pfn; pfn < cs->base_pfn + cs->count; pfn += pb) {
		const struct zone *z = page_zone(k, pfn_to_page(k, pfn));
		if (!z || get_pageblock_migratetype(z, pfn) != MIGRATE_CMA) {
			fprintf(stderr, "cma_check: pageblock at pfn 0x%" PRIx64 " is not MIGRATE_CMA\n", pfn);
			ok = false;
		}
	}
	return ok;
}
