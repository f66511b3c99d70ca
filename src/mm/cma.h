/*
 * cma.h - the Contiguous Memory Allocator's reservation (Linux's mm/cma.c
 * and kernel/dma/contiguous.c): `machine cma=SIZE` sets aside a range of
 * pageblocks at boot whose free pages only movable allocations may use, so
 * that a large contiguous buffer can later be had by migrating them away.
 *
 *   boot:  memblock ──cma_reserve──▶ [ reserved range ]  (PG_reserved, not free)
 *   init:  cma_init_reserved_areas ──▶ pageblocks MIGRATE_CMA, freed to the buddy
 *          MOVABLE allocations may take them; UNMOVABLE/RECLAIMABLE never do
 */
#ifndef MMSIM_MM_CMA_H
#define MMSIM_MM_CMA_H

#include "mm/mm_types.h"

struct cma_state {
	char name[16];          /* "reserved": the default (dma_contiguous) area */
	mm_pfn_t base_pfn;
	uint64_t count;         /* pages */
	unsigned order_per_bit; /* bitmap granule for cma_alloc (0: a page) */
	uint64_t *bitmap;       /* pages handed out by cma_alloc (migration issue) */
	bool activated;         /* its pageblocks are in the buddy as MIGRATE_CMA */
};

/* Reserve bytes (rounded up to pageblocks) from memblock for the default CMA
 * area, where dma_contiguous_reserve puts it on x86, and count it in
 * totalcma_pages. Runs before memblock_free_all. 0 for bytes 0; prints
 * "cma: Reserved N MiB at 0x..." or "cma: Failed to reserve N MiB" (then
 * -ENOMEM: the machine boots without CMA, as Linux does). */
int cma_reserve(struct mm_kernel *k, uint64_t bytes);
/* After memblock_free_all: turn the reserved pageblocks into MIGRATE_CMA
 * pageblocks and give their pages to the buddy allocator (zone cma_pages,
 * managed pages). 0, or -EINVAL if the area spans two zones (Linux: "CMA
 * area reserved could not be activated"; its pages stay reserved). */
int cma_init_reserved_areas(struct mm_kernel *k);
void cma_fini(struct mm_kernel *k);

/* Is pfn inside the CMA area? */
bool cma_pfn_in_area(const struct mm_kernel *k, mm_pfn_t pfn);

/* Every CMA pageblock typed MIGRATE_CMA, zone counts agree; prints mismatches. */
bool cma_check(const struct mm_kernel *k);

#endif
