/*
 * page-writeback.c - how much dirty page cache the kernel tolerates
 * (Linux's global_dirty_limits, vm.dirty_ratio / dirty_background_ratio).
 *
 *   dirtyable = free - totalreserve + file LRU - highmem dirtyable + 1
 *   background threshold = dirtyable * 10%   (the flusher starts)
 *   dirty threshold      = dirtyable * 20%   (writers would be throttled)
 *
 * vmstat prints both (nr_dirty_background_threshold, nr_dirty_threshold);
 * the flusher (filemap.c's wb_writeback_tick) writes everything back when
 * nr_dirty passes the background threshold.
 */
#include "mm/internal.h"

/* Linux's defaults for vm.dirty_ratio and vm.dirty_background_ratio. */
#define VM_DIRTY_RATIO 20
#define DIRTY_BACKGROUND_RATIO 10

/* Linux's highmem_dirtyable_memory: free pages above the high watermark plus
 * file LRU pages of the highmem zones, never more than total. */
static uint64_t highmem_dirtyable_memory(const struct mm_kernel *k, uint64_t total)
{
	if (!k->arch->zone_exists[ZONE_HIGHMEM])
		return 0;
	const struct zone *z = &k->node.node_zones[ZONE_HIGHMEM];
	if (!zone_is_populated(z))
		return 0;
	struct lru_pages c;
	zone_lru_pages(k, z, &c);
	uint64_t x = z->nr_free_pages;
	x -= MM_MIN(x, high_wmark_pages(z));
	x += c.inactive_file + c.active_file;
	return MM_MIN(x, total);
}

/* Linux's global_dirty_limits for the global domain (vm.dirty_bytes unset,
 * the reader not a real-time task): the thresholds in pages. */
void global_dirty_limits(const struct mm_kernel *k, uint64_t free_pages,
				uint64_t file_lru, uint64_t *bg, uint64_t *dirty)
{
	uint64_t avail = free_pages;
	avail -= MM_MIN(avail, k->totalreserve_pages);
	avail += file_lru;
	avail -= highmem_dirtyable_memory(k, avail);
	avail += 1; /* never 0 */
	/* Ratios in 1/PAGE_SIZE units, for precision, as Linux computes them. */
	uint64_t ratio = (VM_DIRTY_RATIO * k->page_size) / 100;
	uint64_t bg_ratio = (DIRTY_BACKGROUND_RATIO * k->page_size) / 100;
	uint64_t thresh = ratio * avail / k->page_size;
	uint64_t bg_thresh = bg_ratio * avail / k->page_size;
	if (thresh > UINT32_MAX)
		thresh = UINT32_MAX;
	if (bg_thresh >= thresh)
		bg_thresh = thresh / 2;
	*bg = bg_thresh;
	*dirty = thresh;
}

void global_dirty_limits_now(const struct mm_kernel *k, uint64_t *bg, uint64_t *dirty)
{
	uint64_t free_pages = 0, file_lru = 0;
	for (int t = 0; t < MAX_NR_ZONES; t++) {
		const struct zone *z = &k->node.node_zones[t];
		struct lru_pages c;
		free_pages += z->nr_free_pages;
		zone_lru_pages(k, z, &c);
		file_lru += c.inactive_file + c.active_file;
	}
	global_dirty_limits(k, free_pages, file_lru, bg, dirty);
}
