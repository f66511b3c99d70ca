/*
 * vmstat.c - the names of the vmstat counters (see vmstat.h), and the page
 * states that are recomputed from the page descriptors rather than kept as
 * counters: the LRU, mapped and mlocked page counts of a zone.
 *
 *   mem_map[zone start .. zone end)
 *     free block (PG_buddy/PG_pcp)  skipped whole
 *     compound head                 counted as 2^order pages
 *     PG_lru page                   -> (in)active anon/file, unevictable
 *     _mapcount > 0                 -> anon_mapped (PG_anon) or file_mapped
 *
 * The views (src/proc) and the writeback flusher (filemap.c, through
 * page-writeback.c) read them here, so both see the same numbers.
 */
#include <string.h>

#include "mm/internal.h"
#include "mm/vmstat.h"

const char *const vmstat_names[NR_VM_ITEMS] = {
#define VMSTAT_NAME(name) #name,
	VMSTAT_ITEMS(VMSTAT_NAME)
#undef VMSTAT_NAME
};

/* Pages in the block that starts at p: free blocks and compound pages are
 * skipped whole, everything else one page at a time. */
static uint64_t block_pages(const struct mm_kernel *k, const struct page *p)
{
	if ((PageFlag(p, PG_buddy) || PageFlag(p, PG_pcp)) && p->private <= k->max_order)
		return 1ULL << p->private;
	/* Compound pages may be gigantic (1G hugetlb: order 18). */
	if (PageFlag(p, PG_head) && p->private < 40)
		return 1ULL << p->private;
	return 1;
}

/* Count zone z's LRU pages by the flags Linux's folio_lru_list reads. */
void zone_lru_pages(const struct mm_kernel *k, const struct zone *z, struct lru_pages *c)
{
	memset(c, 0, sizeof(*c));
	if (!zone_is_populated(z) || !k->mem_map)
		return;
	mm_pfn_t end = MM_MIN(zone_end_pfn(z), k->max_pfn);
	for (mm_pfn_t pfn = z->zone_start_pfn; pfn < end;) {
		const struct page *p = pfn_to_page(k, pfn);
		uint64_t nr = block_pages(k, p);
		if (!PageFlag(p, PG_buddy) && !PageFlag(p, PG_pcp)) {
			if (PageFlag(p, PG_mlocked))
				c->mlock += nr;
			/* Mapped by some PTE (the zero page and tables never are):
			 * AnonPages or Mapped, as folio_add_*_rmap count them. */
			if (p->_mapcount > 0 && !PageFlag(p, PG_slab) && !PageFlag(p, PG_table) &&
			    !PageFlag(p, PG_hugetlb)) { /* hugetlb is neither (Linux) */
				if (PageFlag(p, PG_anon))
					c->anon_mapped += nr;
				else
					c->file_mapped += nr;
			}
			if (PageFlag(p, PG_lru)) {
				bool file = !PageFlag(p, PG_swapbacked);
				if (PageFlag(p, PG_unevictable))
					c->unevictable += nr;
				else if (file && PageFlag(p, PG_active))
					c->active_file += nr;
				else if (file)
					c->inactive_file += nr;
				else if (PageFlag(p, PG_active))
					c->active_anon += nr;
				else
					c->inactive_anon += nr;
				if (file && (PageFlag(p, PG_dirty) || PageFlag(p, PG_writeback)))
					c->write_pending += nr;
			}
		}
		pfn += nr;
	}
}
