/*
 * memblock.c - the boot-time memory allocator.
 *
 * Before the buddy allocator exists the kernel knows memory as two sorted
 * lists of physical ranges:
 *
 *   memory:    [  usable RAM (from the firmware's map)                  ]
 *   reserved:  [1st MB]   [kernel image]          [mem_map] [pgtables]
 *   free:             ^^^^              ^^^^^^^^^^         ^         ^^
 *
 * memblock_alloc carves from the top of free memory below current_limit, as
 * Linux's default top-down policy does, and records the carve as reserved.
 * memblock_free_all then hands every free frame to the buddy allocator in the
 * largest naturally aligned blocks that fit (never across a zone boundary)
 * and marks every reserved frame PG_reserved; after it, memblock is closed.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "mm/internal.h"

void memblock_init(struct memblock *mb)
{
	memset(mb, 0, sizeof(*mb));
	mb->current_limit = UINT64_MAX;
}

/* Insert [base, base+size) into type, keeping regions sorted and merging
 * overlapping or adjacent ones (names of merged regions: the first wins). */
static int memblock_insert(struct memblock_type *t, mm_pa_t base, uint64_t size,
			   const char *name)
{
	if (size == 0)
		return 0;
	mm_pa_t end = base + size;
	if (end < base)
		return -EINVAL;
	int i = 0;
	while (i < t->cnt && t->regions[i].base + t->regions[i].size < base)
		i++;
	/* Merge with every region that overlaps or touches [base, end). */
	int j = i;
	mm_pa_t nbase = base, nend = end;
	while (j < t->cnt && t->regions[j].base <= end) {
		struct memblock_region *r = &t->regions[j];
		nbase = MM_MIN(nbase, r->base);
		nend = MM_MAX(nend, r->base + r->size);
		j++;
	}
	if (j > i) {
		/* regions[i..j) collapse into regions[i]. */
		struct memblock_region *r = &t->regions[i];
		if (strcmp(r->name, name) != 0 && base < r->base)
			snprintf(r->name, sizeof(r->name), "%s", name);
		r->base = nbase;
		r->size = nend - nbase;
		memmove(&t->regions[i + 1], &t->regions[j],
			(size_t)(t->cnt - j) * sizeof(*r));
		t->cnt -= j - i - 1;
		return 0;
	}
	if (t->cnt == MEMBLOCK_MAX_REGIONS)
		return -ENOMEM;
	memmove(&t->regions[i + 1], &t->regions[i], (size_t)(t->cnt - i) * sizeof(t->regions[0]));
	t->regions[i].base = base;
	t->regions[i].size = size;
	snprintf(t->regions[i].name, sizeof(t->regions[i].name), "%s", name);
	t->cnt++;
	return 0;
}

int memblock_add(struct memblock *mb, mm_pa_t base, uint64_t size)
{
	return memblock_insert(&mb->memory, base, size, "System RAM");
}

int memblock_reserve(struct memblock *mb, mm_pa_t base, uint64_t size, const char *name)
{
	if (mb->released)
		return -EBUSY;
	return memblock_insert(&mb->reserved, base, size, name);
}

bool memblock_is_reserved(const struct memblock *mb, mm_pa_t pa)
{
	for (int i = 0; i < mb->reserved.cnt; i++) {
		const struct memblock_region *r = &mb->reserved.regions[i];
		if (pa >= r->base && pa < r->base + r->size)
			return true;
	}
	return false;
}

static uint64_t type_size(const struct memblock_type *t)
{
	uint64_t sum = 0;
	for (int i = 0; i < t->cnt; i++)
		sum += t->regions[i].size;
	return sum;
}

uint64_t memblock_reserved_size(const struct memblock *mb)
{
	return type_size(&mb->reserved);
}

uint64_t memblock_phys_mem_size(const struct memblock *mb)
{
	return type_size(&mb->memory);
}

/*
 * Free ranges are memory minus reserved. Walk them from the top down and take
 * the highest aligned piece that fits below current_limit.
 */
mm_pa_t memblock_alloc(struct memblock *mb, uint64_t size, uint64_t align, const char *name)
{
	if (mb->released || size == 0)
		return 0;
	for (int i = mb->memory.cnt - 1; i >= 0; i--) {
		const struct memblock_region *mr = &mb->memory.regions[i];
		mm_pa_t mstart = mr->base;
		mm_pa_t mend = MM_MIN(mr->base + mr->size, mb->current_limit);
		/* Gaps between reservations inside [mstart, mend), top first. */
		mm_pa_t hi = mend;
		for (int j = mb->reserved.cnt; j >= 0; j--) {
			mm_pa_t lo = j > 0 ? mb->reserved.regions[j - 1].base +
						     mb->reserved.regions[j - 1].size
					   : 0;
			mm_pa_t gap_hi = j < mb->reserved.cnt ? mb->reserved.regions[j].base : UINT64_MAX;
			mm_pa_t top = MM_MIN(gap_hi, hi);
			mm_pa_t bottom = MM_MAX(lo, mstart);
			if (top > bottom && top - bottom >= size) {
				mm_pa_t cand = MM_ALIGN_DOWN(top - size, align);
				/* PA 0 means failure, so never hand it out. */
				if (cand >= bottom && cand > 0) {
					if (memblock_reserve(mb, cand, size, name))
						return 0;
					return cand;
				}
			}
			if (lo <= mstart)
				break;
		}
	}
	return 0;
}

/* Largest order such that pfn is aligned to it and the block fits before end. */
static unsigned best_order(mm_pfn_t pfn, mm_pfn_t end, unsigned max_order)
{
	unsigned order = max_order;
	while (order > 0 && ((pfn & ((1ULL << order) - 1)) || pfn + (1ULL << order) > end))
		order--;
	return order;
}

static void release_range(struct mm_kernel *k, mm_pfn_t start, mm_pfn_t end, uint64_t *count)
{
	/* Split at zone boundaries: a buddy block never spans two zones. */
	while (start < end) {
		mm_pfn_t stop = end;
		for (int z = 0; z < MAX_NR_ZONES; z++) {
			const struct zone *zone = &k->node.node_zones[z];
			mm_pfn_t zend = zone_end_pfn(zone);
			if (zone->spanned_pages && start >= zone->zone_start_pfn && start < zend)
				stop = MM_MIN(stop, zend);
		}
		while (start < stop) {
			unsigned order = best_order(start, stop, k->max_order);
			__free_pages_core(k, pfn_to_page(k, start), order);
			*count += 1ULL << order;
			start += 1ULL << order;
		}
	}
}

uint64_t memblock_free_all(struct mm_kernel *k)
{
	struct memblock *mb = &k->memblock;
	uint64_t count = 0;
	unsigned shift = k->page_shift;

	/* Reserved frames are PG_reserved: never free, never on a list. */
	for (int i = 0; i < mb->reserved.cnt; i++) {
		const struct memblock_region *r = &mb->reserved.regions[i];
		mm_pfn_t s = r->base >> shift;
		mm_pfn_t e = MM_MIN((r->base + r->size + k->page_size - 1) >> shift, k->max_pfn);
		for (mm_pfn_t p = s; p < e; p++)
			SetPageFlag(pfn_to_page(k, p), PG_reserved);
	}

	for (int i = 0; i < mb->memory.cnt; i++) {
		const struct memblock_region *mr = &mb->memory.regions[i];
		mm_pfn_t pos = (mr->base + k->page_size - 1) >> shift;
		mm_pfn_t mend = (mr->base + mr->size) >> shift;
		for (int j = 0; j <= mb->reserved.cnt && pos < mend; j++) {
			mm_pfn_t rs = mend, re = mend;
			if (j < mb->reserved.cnt) {
				const struct memblock_region *r = &mb->reserved.regions[j];
				rs = r->base >> shift;
				re = (r->base + r->size + k->page_size - 1) >> shift;
				if (re <= pos)
					continue;
			}
			if (rs > pos)
				release_range(k, pos, MM_MIN(rs, mend), &count);
			pos = MM_MAX(pos, re);
		}
	}
	mb->released = true;
	return count;
}
