/*
 * page_alloc.c - the buddy allocator (Linux's mm/page_alloc.c). The zones
 * it works on are sized at boot by mm_init.c.
 *
 * Physical memory is cut into zones by address (what old devices can reach),
 * each zone into pageblocks (2^pageblock_order pages, the unit of mobility
 * grouping), and the free memory of a zone into buddy blocks of 2^order pages:
 *
 *   zone Normal  [zone_start_pfn ................................ end)
 *   pageblocks   | Movable | Movable | Unmovable | Movable | ...
 *   free_area[order].free_list[migratetype]:   (one list per pageblock type)
 *     order 10   [blk]->[blk]
 *     order  3   [8p]
 *     order  0   [1p]->[1p]
 *
 * A free block of order n starts at a PFN aligned to 2^n; its head page has
 * PG_buddy set and private = n, and it sits on the list of its pageblock's
 * migrate type. Its buddy is the block next to it with which it would form
 * an aligned block of order n+1:
 *
 *     buddy_pfn = pfn ^ (1 << order)         combined = pfn & buddy_pfn
 *
 *   free(pfn 4, order 2): buddy 0 free at order 2 -> merge, [0,8) order 3;
 *                         buddy 8 free at order 3 -> merge, [0,16) order 4 ...
 *   alloc(order 0) from a lone order-3 block [0,8): take it, give back
 *                         [4,8) order 2, [2,4) order 1, [1,2) order 0 ("expand").
 *
 * Merging stops at max_order, at a buddy that is not free with exactly this
 * order or lies outside the zone, and (at orders >= pageblock_order) at a
 * buddy whose pageblock type may not mix with ours (HIGHATOMIC, CMA,
 * ISOLATE never merge with another type).
 *
 * Allocation (alloc_pages -> get_page_from_freelist) walks the zonelist from
 * the highest zone the GFP flags allow down to DMA, checks each zone's
 * watermark (watermark.c), and takes pages from the per-CPU lists
 * (page_alloc_pcp.c) for orders <= PCP_MAX_ORDER or from the buddy lists.
 * When the lists of the wanted migrate type are empty, __rmqueue falls back
 * as Linux 6.15+ does: claim a whole foreign pageblock (largest block first)
 * if that is worthwhile, else steal the smallest foreign block. If no zone
 * passes, the slow path lowers the watermark (min, __GFP_HIGH reserves),
 * drains per-CPU lists and unreserves HIGHATOMIC blocks for callers that may
 * reclaim, then fails with Linux's warning and show_mem().
 *
 * Counters: zone->nr_free_pages is NR_FREE_PAGES: pages on the buddy lists,
 * except isolated pageblocks; pages on per-CPU lists are not free in this
 * sense (Linux's MemFree does not count them either). nr_free_cma counts the
 * pages on CMA lists.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "include/strbuf.h"
#include "mm/internal.h"

const char *const migratetype_names[MIGRATE_TYPES] = {
	"Unmovable", "Movable", "Reclaimable", "HighAtomic", "CMA", "Isolate",
};

/* vmstat counter for allocations from each zone type; HighMem has none in
 * the x86_64 vmstat layout mmsim prints (-1: not counted). */
static const int pgalloc_item[MAX_NR_ZONES] = {
	VM_pgalloc_dma, VM_pgalloc_dma32, VM_pgalloc_normal, -1, VM_pgalloc_movable,
};

/* Free Page Internal flags. */
#define FPI_NONE 0u
#define FPI_TO_TAIL 1u /* boot memory: put at the tail, keep hot pages first */

/* Flags a page must not carry when it is freed (PAGE_FLAGS_CHECK_AT_FREE). */
#define PAGE_FLAGS_BAD_AT_FREE                                                       \
	((1ULL << PG_lru) | (1ULL << PG_locked) | (1ULL << PG_private) |            \
	 (1ULL << PG_writeback) | (1ULL << PG_reserved) | (1ULL << PG_active) |     \
	 (1ULL << PG_unevictable) | (1ULL << PG_mlocked) | (1ULL << PG_buddy) |     \
	 (1ULL << PG_pcp) | (1ULL << PG_tail))

#define PAGE_POISON 0xaa /* Linux's PAGE_POISON: freed frames in debug builds */

#define likely(x) __builtin_expect(!!(x), 1)
#define unlikely(x) __builtin_expect(!!(x), 0)
#define __cold __attribute__((cold, noinline))

/* ---- zones and pageblocks --------------------------------------------------- */

static inline bool zone_configured(const struct mm_kernel *k, int t)
{
	return t == ZONE_MOVABLE || k->arch->zone_exists[t];
}

static inline bool zone_spans_pfn(const struct zone *z, mm_pfn_t pfn)
{
	return pfn >= z->zone_start_pfn && pfn < zone_end_pfn(z);
}

static inline struct zone *__pfn_zone(const struct mm_kernel *k, mm_pfn_t pfn)
{
	/* Zones are contiguous and ascending, so the first zone from the top
	 * that starts at or below pfn is the only candidate; zones above the
	 * highest populated one (nr_zones) hold nothing. */
	for (int t = k->node.nr_zones - 1; t >= 0; t--) {
		const struct zone *z = &k->node.node_zones[t];
		if (z->spanned_pages && pfn >= z->zone_start_pfn)
			return pfn < zone_end_pfn(z) ? (struct zone *)z : NULL;
	}
	return NULL;
}

struct zone *pfn_zone(const struct mm_kernel *k, mm_pfn_t pfn)
{
	return __pfn_zone(k, pfn);
}

struct zone *page_zone(const struct mm_kernel *k, const struct page *page)
{
	return pfn_zone(k, page_to_pfn(k, page));
}

static inline uint64_t pageblock_index(const struct zone *z, mm_pfn_t pfn)
{
	unsigned pbo = z->k->pageblock_order;
	return (pfn >> pbo) - (z->zone_start_pfn >> pbo);
}

int get_pageblock_migratetype(const struct zone *z, mm_pfn_t pfn)
{
	uint64_t idx = pageblock_index(z, pfn);
	if (!z->pageblock_mt || idx >= z->nr_pageblocks)
		return MIGRATE_MOVABLE;
	return z->pageblock_mt[idx];
}

void set_pageblock_migratetype(struct zone *z, mm_pfn_t pfn, int mt)
{
	uint64_t idx = pageblock_index(z, pfn);
	if (!z->pageblock_mt || idx >= z->nr_pageblocks || mt < 0 || mt >= MIGRATE_TYPES)
		return;
	/* Too little memory to group by mobility: everything is Unmovable. */
	if (z->k->page_group_by_mobility_disabled && mt < MIGRATE_PCPTYPES)
		mt = MIGRATE_UNMOVABLE;
	z->pageblock_mt[idx] = (uint8_t)mt;
}

/* Set the type of every pageblock a block of 2^order pages covers. */
static void change_pageblock_range(struct zone *z, mm_pfn_t pfn, unsigned order, int mt)
{
	unsigned pbo = z->k->pageblock_order;
	uint64_t n = order > pbo ? 1ULL << (order - pbo) : 1;
	for (uint64_t i = 0; i < n; i++)
		set_pageblock_migratetype(z, pfn + (i << pbo), mt);
}

/* UNMOVABLE, MOVABLE and RECLAIMABLE blocks may merge with each other. */
static inline bool migratetype_is_mergeable(int mt)
{
	return mt < MIGRATE_PCPTYPES;
}

/* ---- free lists ------------------------------------------------------------ */

/* NR_FREE_PAGES leaves out isolated blocks; CMA pages are also counted apart. */
static inline void account_freepages(struct zone *z, int64_t nr, int mt)
{
	if (mt == MIGRATE_ISOLATE)
		return;
	z->nr_free_pages += (uint64_t)nr;
	if (mt == MIGRATE_CMA)
		z->nr_free_cma += (uint64_t)nr;
}

static inline void add_to_free_list(struct zone *z, struct page *page, unsigned order, int mt,
				    bool tail)
{
	struct free_area *area = &z->free_area[order];
	SetPageFlag(page, PG_buddy);
	page->private = order;
	if (tail)
		list_add_tail(&page->lru, &area->free_list[mt]);
	else
		list_add(&page->lru, &area->free_list[mt]);
	area->nr_free++;
	area->nr_free_mt[mt]++;
	account_freepages(z, (int64_t)1 << order, mt);
}

static inline void del_from_free_list(struct zone *z, struct page *page, unsigned order, int mt)
{
	struct free_area *area = &z->free_area[order];
	list_del(&page->lru);
	ClearPageFlag(page, PG_buddy);
	page->private = 0;
	area->nr_free--;
	area->nr_free_mt[mt]--;
	account_freepages(z, -((int64_t)1 << order), mt);
}

static inline void move_to_free_list(struct zone *z, struct page *page, unsigned order,
				     int old_mt, int new_mt)
{
	struct free_area *area = &z->free_area[order];
	list_move_tail(&page->lru, &area->free_list[new_mt]);
	area->nr_free_mt[old_mt]--;
	area->nr_free_mt[new_mt]++;
	account_freepages(z, -((int64_t)1 << order), old_mt);
	account_freepages(z, (int64_t)1 << order, new_mt);
}

static inline struct page *free_area_first(struct free_area *area, int mt)
{
	if (list_empty(&area->free_list[mt]))
		return NULL;
	return list_first_entry(&area->free_list[mt], struct page, lru);
}

/* The free buddy of the block at pfn, or NULL: it must be PG_buddy with
 * exactly this order and inside the same zone (Linux's page_is_buddy). */
static inline struct page *find_buddy_page_pfn(struct zone *z, mm_pfn_t pfn, unsigned order,
					       mm_pfn_t *buddy_pfn)
{
	mm_pfn_t b = buddy_pfn_of(pfn, order);
	if (!zone_spans_pfn(z, b))
		return NULL;
	struct page *buddy = pfn_to_page(z->k, b);
	if (!PageFlag(buddy, PG_buddy) || buddy->private != order)
		return NULL;
	if (buddy_pfn)
		*buddy_pfn = b;
	return buddy;
}

/* Split a 2^high block down to 2^low, returning the upper halves to the
 * lists of mt (Linux's expand): order 3 -> 0 frees orders 2, 1, 0. */
static void expand(struct zone *z, struct page *page, unsigned low, unsigned high, int mt)
{
	uint64_t size = 1ULL << high;
	while (high > low) {
		high--;
		size >>= 1;
		add_to_free_list(z, &page[size], high, mt, false);
	}
}

/* If the block we just formed can merge with a free buddy one order up,
 * put it at the tail so it is less likely to be allocated before that. */
static bool buddy_merge_likely(struct zone *z, mm_pfn_t pfn, mm_pfn_t buddy_pfn, unsigned order)
{
	if (order + 1 >= z->k->max_order)
		return false;
	mm_pfn_t higher = buddy_pfn & pfn;
	return find_buddy_page_pfn(z, higher, order + 1, NULL) != NULL;
}

/* Return 2^order pages at pfn to the buddy lists, merging upwards
 * (Linux's __free_one_page). mt is the type of pfn's pageblock. */
static void __free_one_page(struct zone *z, struct page *page, mm_pfn_t pfn, unsigned order,
			    int mt, unsigned fpi)
{
	const struct mm_kernel *k = z->k;
	mm_pfn_t buddy_pfn = pfn;
	struct page *buddy;

	while (order < k->max_order) {
		int buddy_mt = mt;
		buddy = find_buddy_page_pfn(z, pfn, order, &buddy_pfn);
		if (!buddy)
			break;
		if (order >= k->pageblock_order) {
			/* Pageblocks without fallbacks (isolated, CMA, highatomic)
			 * must not merge with others: their accounting would break. */
			buddy_mt = get_pageblock_migratetype(z, buddy_pfn);
			if (mt != buddy_mt &&
			    (!migratetype_is_mergeable(mt) || !migratetype_is_mergeable(buddy_mt)))
				break;
		}
		del_from_free_list(z, buddy, order, buddy_mt);
		/* Match the buddy's type so that a later expand() puts the
		 * halves on the right lists. */
		if (buddy_mt != mt)
			change_pageblock_range(z, buddy_pfn, order, mt);
		mm_pfn_t combined = buddy_pfn & pfn;
		page += (int64_t)combined - (int64_t)pfn;
		pfn = combined;
		order++;
	}
	bool to_tail = (fpi & FPI_TO_TAIL) || buddy_merge_likely(z, pfn, buddy_pfn, order);
	add_to_free_list(z, page, order, mt, to_tail);
}

/* Free a block that may span several pageblocks one pageblock at a time,
 * each with its own pageblock's type (Linux's split_large_buddy). */
static void split_large_buddy(struct zone *z, struct page *page, mm_pfn_t pfn, unsigned order,
			      unsigned fpi)
{
	unsigned pbo = z->k->pageblock_order;
	mm_pfn_t end = pfn + (1ULL << order);
	if (order > pbo)
		order = pbo;
	for (;;) {
		int mt = get_pageblock_migratetype(z, pfn);
		__free_one_page(z, page, pfn, order, mt, fpi);
		pfn += 1ULL << order;
		if (pfn >= end)
			break;
		page = pfn_to_page(z->k, pfn);
	}
}

void free_one_page(struct zone *z, struct page *page, mm_pfn_t pfn, unsigned order,
		   unsigned fpi)
{
	split_large_buddy(z, page, pfn, order, fpi);
}

/* Take the smallest block of type mt that fits, splitting it. */
static struct page *__rmqueue_smallest(struct zone *z, unsigned order, int mt)
{
	unsigned max_order = z->k->max_order;
	for (unsigned co = order; co <= max_order; co++) {
		struct free_area *area = &z->free_area[co];
		struct page *page = free_area_first(area, mt);
		if (!page)
			continue;
		del_from_free_list(z, page, co, mt);
		expand(z, page, order, co, mt);
		return page;
	}
	return NULL;
}

/* ---- fallback between migrate types ------------------------------------------ */

/* Which types an allocation may fall back to, in order of preference. */
static const int fallbacks[MIGRATE_PCPTYPES][MIGRATE_PCPTYPES - 1] = {
	[MIGRATE_UNMOVABLE] = { MIGRATE_RECLAIMABLE, MIGRATE_MOVABLE },
	[MIGRATE_MOVABLE] = { MIGRATE_RECLAIMABLE, MIGRATE_UNMOVABLE },
	[MIGRATE_RECLAIMABLE] = { MIGRATE_UNMOVABLE, MIGRATE_MOVABLE },
};

/* Is a buddy of this order worth converting its whole pageblock for? */
static bool should_try_claim_block(const struct mm_kernel *k, unsigned order, int start_mt)
{
	if (order >= k->pageblock_order)
		return true;
	/* A big buddy suggests the rest of its pageblock is free too. */
	if (order >= k->pageblock_order / 2)
		return true;
	/* Unmovable and reclaimable pages pollute a movable block for good,
	 * so they take over the whole block whatever the size. */
	if (start_mt == MIGRATE_RECLAIMABLE || start_mt == MIGRATE_UNMOVABLE)
		return true;
	if (k->page_group_by_mobility_disabled)
		return true;
	/* Small movable allocations just borrow: compaction can undo it. */
	return false;
}

/* A fallback type with a free block of this order: its type, -1 if none,
 * -2 if claiming is not worthwhile at this order (Linux's
 * find_suitable_fallback). */
static int find_suitable_fallback(const struct mm_kernel *k, struct free_area *area,
				  unsigned order, int mt, bool claimable)
{
	if (claimable && !should_try_claim_block(k, order, mt))
		return -2;
	if (area->nr_free == 0)
		return -1;
	for (int i = 0; i < MIGRATE_PCPTYPES - 1; i++) {
		int fmt = fallbacks[mt][i];
		if (!list_empty(&area->free_list[fmt]))
			return fmt;
	}
	return -1;
}

/* Raise the watermark after a partial-block claim so that kswapd frees
 * more and fallbacks become rarer (kswapd resets it once balanced). */
static bool boost_watermark(struct zone *z)
{
	const struct mm_kernel *k = z->k;
	uint64_t pb = 1ULL << k->pageblock_order;
	uint64_t factor = (uint64_t)k->sysctl.watermark_boost_factor;
	if (!factor)
		return false;
	/* Small zones would run out of memory at once. */
	if (pb * 4 > z->managed_pages)
		return false;
	uint64_t high = z->_watermark[WMARK_HIGH];
	uint64_t max_boost = (high / 10000) * factor + (high % 10000) * factor / 10000;
	/* No boost before the watermarks exist (early boot). */
	if (!max_boost)
		return false;
	max_boost = MM_MAX(pb, max_boost);
	z->watermark_boost = MM_MIN(z->watermark_boost + pb, max_boost);
	return true;
}

/* Count free and movable pages in pfn's pageblock; false if the pageblock
 * reaches outside the zone. */
static bool prep_move_freepages_block(struct zone *z, mm_pfn_t pfn, mm_pfn_t *start_pfn,
				      uint64_t *num_free, uint64_t *num_movable)
{
	uint64_t pb = 1ULL << z->k->pageblock_order;
	mm_pfn_t start = pfn & ~(pb - 1), end = start + pb;
	if (!zone_spans_pfn(z, start) || !zone_spans_pfn(z, end - 1))
		return false;
	*start_pfn = start;
	if (!num_free)
		return true;
	*num_free = *num_movable = 0;
	for (mm_pfn_t p = start; p < end;) {
		const struct page *page = pfn_to_page(z->k, p);
		if (PageFlag(page, PG_buddy)) {
			uint64_t nr = 1ULL << page->private;
			*num_free += nr;
			p += nr;
			continue;
		}
		/* Pages that could be isolated for migration count as movable. */
		if (PageFlag(page, PG_lru))
			(*num_movable)++;
		p++;
	}
	return true;
}

/* Move every free block of the pageblock at start_pfn from old_mt's lists
 * to new_mt's; returns the pages moved. */
static uint64_t __move_freepages_block(struct zone *z, mm_pfn_t start_pfn, int old_mt,
				       int new_mt)
{
	uint64_t pb = 1ULL << z->k->pageblock_order, moved = 0;
	for (mm_pfn_t p = start_pfn; p < start_pfn + pb;) {
		struct page *page = pfn_to_page(z->k, p);
		if (!PageFlag(page, PG_buddy)) {
			p++;
			continue;
		}
		unsigned order = (unsigned)page->private;
		move_to_free_list(z, page, order, old_mt, new_mt);
		p += 1ULL << order;
		moved += 1ULL << order;
	}
	return moved;
}

long move_freepages_block(struct zone *z, mm_pfn_t pfn, int new_mt)
{
	const struct mm_kernel *k = z->k;
	mm_pfn_t start;
	if (new_mt < 0 || new_mt >= MIGRATE_TYPES ||
	    !prep_move_freepages_block(z, pfn, &start, NULL, NULL))
		return -1;
	/* The pageblock may be the middle of a larger free block: that block
	 * changes type as a whole, as a claim of it would. */
	for (unsigned o = k->pageblock_order + 1; o <= k->max_order; o++) {
		mm_pfn_t head = start & ~((1ULL << o) - 1);
		if (!zone_spans_pfn(z, head))
			break;
		struct page *hp = pfn_to_page(k, head);
		if (PageFlag(hp, PG_buddy) && hp->private == o) {
			int old_mt = get_pageblock_migratetype(z, head);
			move_to_free_list(z, hp, o, old_mt, new_mt);
			change_pageblock_range(z, head, o, new_mt);
			return (long)(1ULL << o);
		}
	}
	int old_mt = get_pageblock_migratetype(z, start);
	uint64_t moved = __move_freepages_block(z, start, old_mt, new_mt);
	set_pageblock_migratetype(z, start, new_mt);
	return (long)moved;
}

/* Take over the pageblock of a foreign free block if enough of it is free
 * or compatible, then allocate from our own lists (Linux 6.15's
 * try_to_claim_block). NULL if the block is not worth claiming. */
static struct page *try_to_claim_block(struct zone *z, struct page *page, unsigned current_order,
				       unsigned order, int start_type, int block_type,
				       unsigned alloc_flags)
{
	const struct mm_kernel *k = z->k;
	unsigned pbo = k->pageblock_order;
	mm_pfn_t pfn = page_to_pfn(k, page), start_pfn;
	uint64_t free_pages, movable_pages, alike_pages;

	/* A buddy of at least a pageblock is wholly free: take it all. */
	if (current_order >= pbo) {
		del_from_free_list(z, page, current_order, block_type);
		change_pageblock_range(z, pfn, current_order, start_type);
		expand(z, page, order, current_order, start_type);
		return page;
	}
	/* Boost the watermarks so that reclaim works ahead of further
	 * fallbacks; rmqueue wakes kswapd for it (ALLOC_KSWAPD callers). */
	(void)alloc_flags;
	boost_watermark(z);

	if (!prep_move_freepages_block(z, pfn, &start_pfn, &free_pages, &movable_pages))
		return NULL;
	/* How many pages in the block are compatible with our allocation? */
	if (start_type == MIGRATE_MOVABLE)
		alike_pages = movable_pages;
	else if (block_type == MIGRATE_MOVABLE)
		alike_pages = (1ULL << pbo) - (free_pages + movable_pages);
	else
		alike_pages = 0; /* cannot tell unmovable from reclaimable */

	uint64_t half = pbo ? 1ULL << (pbo - 1) : 1;
	if (free_pages + alike_pages >= half || k->page_group_by_mobility_disabled) {
		__move_freepages_block(z, start_pfn, block_type, start_type);
		set_pageblock_migratetype(z, start_pfn, start_type);
		return __rmqueue_smallest(z, order, start_type);
	}
	return NULL;
}

/* Claim a whole foreign pageblock, largest buddy first. */
static struct page *__rmqueue_claim(struct zone *z, unsigned order, int start_mt,
				    unsigned alloc_flags)
{
	const struct mm_kernel *k = z->k;
	int min_order = (int)order;
	/* ALLOC_NOFRAGMENT: only blocks that are wholly free; if no zone has
	 * one, the zonelist is walked again without the flag. */
	if (order < k->pageblock_order && (alloc_flags & ALLOC_NOFRAGMENT))
		min_order = (int)k->pageblock_order;

	for (int co = (int)k->max_order; co >= min_order; co--) {
		struct free_area *area = &z->free_area[co];
		int fmt = find_suitable_fallback(k, area, (unsigned)co, start_mt, true);
		if (fmt == -1)
			continue;
		if (fmt == -2)
			break;
		struct page *page = free_area_first(area, fmt);
		page = try_to_claim_block(z, page, (unsigned)co, order, start_mt, fmt, alloc_flags);
		if (page)
			return page;
	}
	return NULL;
}

/* Borrow the smallest foreign block; its remainder keeps its own type. */
static struct page *__rmqueue_steal(struct zone *z, unsigned order, int start_mt)
{
	const struct mm_kernel *k = z->k;
	for (unsigned co = order; co <= k->max_order; co++) {
		struct free_area *area = &z->free_area[co];
		int fmt = find_suitable_fallback(k, area, co, start_mt, false);
		if (fmt < 0)
			continue;
		struct page *page = free_area_first(area, fmt);
		del_from_free_list(z, page, co, fmt);
		expand(z, page, order, co, fmt);
		return page;
	}
	return NULL;
}

struct page *__rmqueue(struct zone *z, unsigned order, int mt, unsigned alloc_flags,
		       enum rmqueue_mode *mode)
{
	struct page *page;

	/* Balance movable allocations between CMA and the rest of the zone:
	 * use CMA first while it holds over half of the free memory. */
	if ((alloc_flags & ALLOC_CMA) && z->nr_free_cma > z->nr_free_pages / 2) {
		page = __rmqueue_smallest(z, order, MIGRATE_CMA);
		if (page)
			return page;
	}
	/* Try the cheapest sources first; *mode remembers where a batch
	 * refill (rmqueue_bulk) last found pages. */
	switch (*mode) {
	case RMQUEUE_NORMAL:
		page = __rmqueue_smallest(z, order, mt);
		if (page)
			return page;
		/* fallthrough */
	case RMQUEUE_CMA:
		if (alloc_flags & ALLOC_CMA) {
			page = __rmqueue_smallest(z, order, MIGRATE_CMA);
			if (page) {
				*mode = RMQUEUE_CMA;
				return page;
			}
		}
		/* fallthrough */
	case RMQUEUE_CLAIM:
		page = __rmqueue_claim(z, order, mt, alloc_flags);
		if (page) {
			/* Our own lists are full again. */
			*mode = RMQUEUE_NORMAL;
			return page;
		}
		/* fallthrough */
	case RMQUEUE_STEAL:
		if (!(alloc_flags & ALLOC_NOFRAGMENT)) {
			page = __rmqueue_steal(z, order, mt);
			if (page) {
				*mode = RMQUEUE_STEAL;
				return page;
			}
		}
	}
	return NULL;
}

/* ---- HIGHATOMIC reserves ----------------------------------------------------- */

/* After a high-order atomic allocation succeeds, set its pageblock aside
 * for future ones: at least one pageblock, at most ~1% of the zone. */
static void reserve_highatomic_pageblock(struct zone *z, struct page *page, unsigned order)
{
	const struct mm_kernel *k = z->k;
	uint64_t pb = 1ULL << k->pageblock_order;
	if (z->managed_pages / 100 < pb)
		return;
	uint64_t max_managed = MM_ALIGN_UP(z->managed_pages / 100, pb);
	if (z->nr_reserved_highatomic >= max_managed)
		return;
	mm_pfn_t pfn = page_to_pfn(k, page);
	int mt = get_pageblock_migratetype(z, pfn);
	/* Only ordinary pageblocks (ones that can merge with others). */
	if (!migratetype_is_mergeable(mt))
		return;
	if (order < k->pageblock_order) {
		mm_pfn_t start;
		if (!prep_move_freepages_block(z, pfn, &start, NULL, NULL))
			return;
		__move_freepages_block(z, start, mt, MIGRATE_HIGHATOMIC);
		set_pageblock_migratetype(z, start, MIGRATE_HIGHATOMIC);
		z->nr_reserved_highatomic += pb;
	} else {
		change_pageblock_range(z, pfn, order, MIGRATE_HIGHATOMIC);
		z->nr_reserved_highatomic += 1ULL << order;
	}
}

/* Give one HIGHATOMIC pageblock back to the caller's migrate type; unless
 * forced, keep the last pageblock of each zone. */
static bool unreserve_highatomic_pageblock(struct mm_kernel *k, int highest_zoneidx, int mt,
					   bool force)
{
	uint64_t pb = 1ULL << k->pageblock_order;
	for (int zi = highest_zoneidx; zi >= 0; zi--) {
		struct zone *z = &k->node.node_zones[zi];
		if (!z->managed_pages)
			continue;
		if (!force && z->nr_reserved_highatomic <= pb)
			continue;
		for (unsigned order = 0; order <= k->max_order; order++) {
			struct page *page = free_area_first(&z->free_area[order], MIGRATE_HIGHATOMIC);
			if (!page)
				continue;
			mm_pfn_t pfn = page_to_pfn(k, page);
			uint64_t size = MM_MAX(pb, 1ULL << order);
			z->nr_reserved_highatomic -= MM_MIN(size, z->nr_reserved_highatomic);
			long moved;
			if (order < k->pageblock_order) {
				mm_pfn_t start;
				if (!prep_move_freepages_block(z, pfn, &start, NULL, NULL))
					continue;
				moved = (long)__move_freepages_block(z, start, MIGRATE_HIGHATOMIC, mt);
				set_pageblock_migratetype(z, start, mt);
			} else {
				move_to_free_list(z, page, order, MIGRATE_HIGHATOMIC, mt);
				change_pageblock_range(z, pfn, order, mt);
				moved = 1;
			}
			if (moved > 0)
				return true;
		}
	}
	return false;
}

/* ---- GFP --------------------------------------------------------------------- */

/* Linux's GFP_ZONE_TABLE, indexed by the four zone modifier bits
 * (DMA 1, HIGHMEM 2, DMA32 4, MOVABLE 8); -1 = GFP_ZONE_BAD. */
static const signed char gfp_zone_table[16] = {
	[0] = ZONE_NORMAL,
	[__GFP_DMA] = ZONE_DMA,
	[__GFP_HIGHMEM] = ZONE_HIGHMEM,
	[__GFP_DMA | __GFP_HIGHMEM] = -1,
	[__GFP_DMA32] = ZONE_DMA32,
	[__GFP_DMA32 | __GFP_DMA] = -1,
	[__GFP_DMA32 | __GFP_HIGHMEM] = -1,
	[__GFP_DMA32 | __GFP_HIGHMEM | __GFP_DMA] = -1,
	[__GFP_MOVABLE] = ZONE_NORMAL,
	[__GFP_MOVABLE | __GFP_DMA] = ZONE_DMA,
	[__GFP_MOVABLE | __GFP_HIGHMEM] = ZONE_MOVABLE,
	[__GFP_MOVABLE | __GFP_HIGHMEM | __GFP_DMA] = -1,
	[__GFP_MOVABLE | __GFP_DMA32] = ZONE_DMA32,
	[__GFP_MOVABLE | __GFP_DMA32 | __GFP_DMA] = -1,
	[__GFP_MOVABLE | __GFP_DMA32 | __GFP_HIGHMEM] = -1,
	[__GFP_MOVABLE | __GFP_DMA32 | __GFP_HIGHMEM | __GFP_DMA] = -1,
};

static inline int gfp_zone_raw(gfp_t gfp)
{
	return gfp_zone_table[gfp & GFP_ZONEMASK];
}

/* Zone index for gfp on this arch, or -1 for an impossible combination.
 * A zone the arch lacks is Normal, as Linux's OPT_ZONE_* macros make it. */
static inline int gfp_zone_idx(const struct mm_kernel *k, gfp_t gfp)
{
	int z = gfp_zone_raw(gfp);
	if (unlikely(z < 0))
		return -1;
	return likely(zone_configured(k, z)) ? z : ZONE_NORMAL;
}

enum zone_type gfp_zone(const struct mm_kernel *k, gfp_t gfp)
{
	int z = gfp_zone_idx(k, gfp);
	return z < 0 ? ZONE_NORMAL : (enum zone_type)z;
}

static inline int __gfp_migratetype(gfp_t gfp)
{
	/* __GFP_MOVABLE is bit 3 and __GFP_RECLAIMABLE bit 4: shifted down
	 * they are MIGRATE_MOVABLE (1) and MIGRATE_RECLAIMABLE (2). */
	int mt = (int)((gfp & GFP_MOVABLE_MASK) >> 3);
	return mt >= MIGRATE_PCPTYPES ? MIGRATE_UNMOVABLE : mt;
}

int gfp_migratetype(gfp_t gfp)
{
	return __gfp_migratetype(gfp);
}

/* ---- the allocation path ----------------------------------------------------- */

/* State of one allocation (Linux's struct alloc_context). */
struct alloc_context {
	gfp_t gfp;
	unsigned order;
	int highest_zoneidx;
	int migratetype;
	unsigned cpu;
	bool use_pcp;
	struct zone *preferred_zone;
};

static inline unsigned gfp_to_alloc_flags_cma(gfp_t gfp, unsigned alloc_flags)
{
	if (__gfp_migratetype(gfp) == MIGRATE_MOVABLE)
		alloc_flags |= ALLOC_CMA;
	return alloc_flags;
}

/* With a DMA32 zone below it, a Normal-zone allocation first falls back by
 * whole pageblocks only (Linux's alloc_flags_nofragment). */
static inline unsigned alloc_flags_nofragment(const struct mm_kernel *k, const struct zone *z,
				       gfp_t gfp)
{
	unsigned alloc_flags = gfp & __GFP_KSWAPD_RECLAIM; /* == ALLOC_KSWAPD */
	if (!z || !k->arch->zone_exists[ZONE_DMA32] || z->type != ZONE_NORMAL)
		return alloc_flags;
	return alloc_flags | ALLOC_NOFRAGMENT;
}

/* The flags of the slow path (Linux's gfp_to_alloc_flags). */
static unsigned gfp_to_alloc_flags(gfp_t gfp, unsigned order)
{
	unsigned alloc_flags = ALLOC_WMARK_MIN | ALLOC_CPUSET;
	/* __GFP_HIGH is ALLOC_MIN_RESERVE and __GFP_KSWAPD_RECLAIM is
	 * ALLOC_KSWAPD, bit for bit. */
	alloc_flags |= gfp & (__GFP_HIGH | __GFP_KSWAPD_RECLAIM);
	if (!(gfp & __GFP_DIRECT_RECLAIM)) {
		/* Callers that cannot reclaim may dig deeper (GFP_ATOMIC). */
		if (!(gfp & __GFP_NOMEMALLOC)) {
			alloc_flags |= ALLOC_NON_BLOCK;
			if (order > 0 && (alloc_flags & ALLOC_MIN_RESERVE))
				alloc_flags |= ALLOC_HIGHATOMIC;
		}
		if (alloc_flags & ALLOC_MIN_RESERVE)
			alloc_flags &= ~ALLOC_CPUSET;
	}
	return gfp_to_alloc_flags_cma(gfp, alloc_flags);
}

static void prep_compound_page(struct page *page, unsigned order)
{
	SetPageFlag(page, PG_head);
	page->private = order;
	for (uint64_t i = 1; i < (1ULL << order); i++) {
		struct page *p = page + i;
		p->_refcount = 0;
		SetPageFlag(p, PG_tail);
		p->mapping = page;
	}
}

static inline void prep_new_page(struct mm_kernel *k, struct page *page, unsigned order, gfp_t gfp)
{
	if (unlikely(k->debug_checks) && (page->flags & ~(1ULL << PG_pcp) || page->mapping ||
					  page->_refcount || page->_mapcount))
		bad_page(k, page, "dirty page handed out by the allocator");
	ClearPageFlag(page, PG_pcp);
	page->private = 0;
	page->_refcount = 1;
	if (unlikely(gfp & (__GFP_ZERO | __GFP_COMP))) {
		if (gfp & __GFP_ZERO)
			memset(page_to_host(k, page), 0, (size_t)(k->page_size << order));
		if (order && (gfp & __GFP_COMP))
			prep_compound_page(page, order);
	}
}

/* The per-CPU list pop (Linux's __rmqueue_pcplist): the hot end of the
 * list; page_alloc_pcp.c refills an empty list. */
static inline struct page *rmqueue_pcplist(struct zone *z, unsigned order, int mt,
					   unsigned alloc_flags, unsigned cpu)
{
	struct per_cpu_pages *pcp = &z->pcp[cpu];
	struct list_head *list = &pcp->lists[order * MIGRATE_PCPTYPES + (unsigned)mt];
	if (unlikely(list_empty(list)))
		return rmqueue_pcplist_refill(z, order, mt, alloc_flags, cpu);
	struct page *page = list_first_entry(list, struct page, lru);
	list_del(&page->lru);
	pcp->count -= 1 << order;
	return page;
}

/* The per-CPU list push (Linux's free_unref_page_commit); past pcp->high a
 * batch goes back to the buddy (high 0 is the boot pageset: at once). */
static inline void free_unref_page_commit(struct zone *z, struct page *page, int mt,
					  unsigned order, unsigned cpu)
{
	struct per_cpu_pages *pcp = &z->pcp[cpu];
	int pindex = (int)order * MIGRATE_PCPTYPES + mt;
	SetPageFlag(page, PG_pcp);
	page->private = order;
	list_add(&page->lru, &pcp->lists[pindex]);
	pcp->count += 1 << order;
	if (unlikely(pcp->count >= pcp->high))
		pcp_free_overflow(z, cpu, pindex);
}

/* Take a block from the buddy lists (Linux's rmqueue_buddy). */
static struct page *rmqueue_buddy(struct zone *z, unsigned order, unsigned alloc_flags, int mt)
{
	struct page *page = NULL;
	if (alloc_flags & ALLOC_HIGHATOMIC)
		page = __rmqueue_smallest(z, order, MIGRATE_HIGHATOMIC);
	if (!page) {
		enum rmqueue_mode mode = RMQUEUE_NORMAL;
		page = __rmqueue(z, order, mt, alloc_flags, &mode);
		/* Failing an atomic order-0 allocation now is worse than failing
		 * a high-order one later: let them into the reserves. */
		if (!page && (alloc_flags & (ALLOC_OOM | ALLOC_NON_BLOCK)))
			page = __rmqueue_smallest(z, order, MIGRATE_HIGHATOMIC);
	}
	return page;
}

static inline __attribute__((always_inline)) struct page *
rmqueue(struct mm_kernel *k, struct zone *z, const struct alloc_context *ac, unsigned alloc_flags)
{
	struct page *page = NULL;
	if (likely(ac->use_pcp && ac->order <= PCP_MAX_ORDER))
		page = rmqueue_pcplist(z, ac->order, ac->migratetype, alloc_flags, ac->cpu);
	if (unlikely(!page)) {
		page = rmqueue_buddy(z, ac->order, alloc_flags, ac->migratetype);
		if (!page)
			return NULL;
	}
	/* Linux wakes kswapd here for a zone whose watermark was boosted
	 * (ZONE_BOOSTED_WATERMARK); kswapd reclaims and then drops the boost.
	 * With no LRU pages to reclaim yet, its run comes down to dropping
	 * the boost, which is what mmsim does until kswapd exists. */
	if (unlikely(z->watermark_boost) && (alloc_flags & ALLOC_KSWAPD))
		z->watermark_boost = 0;
	int item = pgalloc_item[z->type];
	if (likely(item >= 0))
		k->vm.item[item] += 1ULL << ac->order;
	/* One node: every allocation is a local hit. */
	count_vm_event(k, numa_hit);
	count_vm_event(k, numa_local);
	return page;
}

/* Walk the zonelist for a zone that passes its watermark and has the pages. */
static inline __attribute__((always_inline)) struct page *
get_page_from_freelist(struct mm_kernel *k, const struct alloc_context *ac, unsigned alloc_flags)
{
	struct zone *zones = k->node.node_zones;
	for (;;) {
		bool no_fallback = alloc_flags & ALLOC_NOFRAGMENT;
		for (int zi = ac->highest_zoneidx; zi >= 0; zi--) {
			struct zone *z = &zones[zi];
			if (!z->managed_pages)
				continue;
			uint64_t mark = z->_watermark[alloc_flags & ALLOC_WMARK_MASK] + z->watermark_boost;
			/* An inline order-0 check that is never more generous than
			 * zone_watermark_fast (it always leaves CMA out); the full
			 * check runs when it fails or reserves are involved. */
			bool ok = !ac->order && !z->nr_reserved_highatomic &&
				  (int64_t)(z->nr_free_pages - z->nr_free_cma) >
					  (int64_t)mark + z->lowmem_reserve[ac->highest_zoneidx];
			if (unlikely(!ok) &&
			    !zone_watermark_fast(z, ac->order, mark, ac->highest_zoneidx, alloc_flags) &&
			    !(alloc_flags & ALLOC_NO_WATERMARKS))
				continue;
			struct page *page = rmqueue(k, z, ac, alloc_flags);
			if (likely(page)) {
				prep_new_page(k, page, ac->order, ac->gfp);
				if (unlikely(alloc_flags & ALLOC_HIGHATOMIC))
					reserve_highatomic_pageblock(z, page, ac->order);
				return page;
			}
		}
		/* On one node every zone may be fragmented: try again, mixing. */
		if (!no_fallback)
			return NULL;
		alloc_flags &= ~ALLOC_NOFRAGMENT;
	}
}

/* Linux wakes kswapd for every zone the allocation may use. kswapd drops
 * a zone's watermark boost after its run; with no LRU pages to reclaim yet
 * that is all a run does, so until kswapd exists this is the whole model. */
static void wake_all_kswapds(struct mm_kernel *k, const struct alloc_context *ac)
{
	for (int zi = ac->highest_zoneidx; zi >= 0; zi--)
		k->node.node_zones[zi].watermark_boost = 0;
}

/* The slow path: lower watermarks, reserves, and (for callers that may
 * reclaim) the cheap parts of direct reclaim. Reclaim and compaction
 * themselves, and the OOM killer, are later layers' business. */
static __cold struct page *alloc_pages_slowpath(struct mm_kernel *k,
						const struct alloc_context *ac)
{
	gfp_t gfp = ac->gfp;
	unsigned alloc_flags = gfp_to_alloc_flags(gfp, ac->order);
	struct page *page;

	if (alloc_flags & ALLOC_KSWAPD)
		wake_all_kswapds(k, ac);
	page = get_page_from_freelist(k, ac, alloc_flags & ~ALLOC_NO_WATERMARKS);
	if (page)
		return page;

	/* __GFP_MEMALLOC: no watermarks at all. */
	if ((gfp & __GFP_MEMALLOC) && !(gfp & __GFP_NOMEMALLOC)) {
		unsigned reserve = gfp_to_alloc_flags_cma(gfp, ALLOC_NO_WATERMARKS) |
				   (alloc_flags & ALLOC_KSWAPD);
		page = get_page_from_freelist(k, ac, reserve);
		if (page)
			return page;
	}
	if (!(gfp & __GFP_DIRECT_RECLAIM))
		goto nopage;

	/* What direct reclaim does when reclaiming did not help: pages may be
	 * pinned on per-CPU lists or in highatomic reserves. */
	unreserve_highatomic_pageblock(k, ac->highest_zoneidx, ac->migratetype, false);
	drain_all_pages(k);
	page = get_page_from_freelist(k, ac, alloc_flags);
	if (page)
		return page;
	/* Out of reclaim retries: the last highatomic pageblock goes too. */
	if (unreserve_highatomic_pageblock(k, ac->highest_zoneidx, ac->migratetype, true)) {
		page = get_page_from_freelist(k, ac, alloc_flags);
		if (page)
			return page;
	}
nopage:
	/* Linux loops forever for __GFP_NOFAIL; without reclaim nothing would
	 * change, so mmsim tries the min reserve once and then fails. */
	if (gfp & __GFP_NOFAIL) {
		page = get_page_from_freelist(k, ac, alloc_flags | ALLOC_MIN_RESERVE);
		if (page)
			return page;
	}
	return NULL;
}

/* Linux's warn_alloc: one line naming the request, then show_mem(). */
static __cold void alloc_failed(struct mm_kernel *k, gfp_t gfp, unsigned order, int hz)
{
	char flags[256];
	gfp_format(gfp, flags, sizeof(flags));
	snprintf(k->last_error, sizeof(k->last_error),
		 "page allocation failure: order:%u, mode:0x%x(%.96s): no zone up to %s has a free "
		 "block above its watermark",
		 order, gfp, flags, k->node.node_zones[hz].name);
	if (gfp & __GFP_NOWARN)
		return;
	printk(k, "mmsim: page allocation failure: order:%u, mode:0x%x(%s), nodemask=(null)", order,
	       gfp, flags);
	show_mem(k, hz);
}

/* A request that cannot be served at all: say why. */
static __cold struct page *alloc_bad_request(struct mm_kernel *k, gfp_t gfp, unsigned order,
					     unsigned cpu)
{
	char flags[256];
	gfp_format(gfp, flags, sizeof(flags));
	if (order > k->max_order) {
		snprintf(k->last_error, sizeof(k->last_error),
			 "page allocation: order %u exceeds MAX_PAGE_ORDER %u", order, k->max_order);
		if (!(gfp & __GFP_NOWARN))
			printk(k, "WARNING: mm/page_alloc.c: __alloc_pages: order:%u > MAX_PAGE_ORDER %u",
			       order, k->max_order);
	} else if (cpu >= k->nr_cpus) {
		snprintf(k->last_error, sizeof(k->last_error),
			 "page allocation: cpu %u does not exist (cpus=%u)", cpu, k->nr_cpus);
	} else {
		snprintf(k->last_error, sizeof(k->last_error),
			 "page allocation: invalid gfp 0x%x(%.96s): conflicting zone or mobility flags",
			 gfp, flags);
	}
	return NULL;
}

static struct page *alloc_pages_common(struct mm_kernel *k, gfp_t gfp, unsigned order,
				       unsigned cpu, bool use_pcp)
{
	struct alloc_context ac;
	int hz = gfp_zone_idx(k, gfp);
	if (unlikely(order > k->max_order || cpu >= k->nr_cpus || hz < 0 ||
		     (gfp & GFP_MOVABLE_MASK) == GFP_MOVABLE_MASK))
		return alloc_bad_request(k, gfp, order, cpu);

	ac.gfp = gfp;
	ac.order = order;
	ac.highest_zoneidx = hz;
	ac.migratetype = unlikely(k->page_group_by_mobility_disabled) ? MIGRATE_UNMOVABLE
								       : __gfp_migratetype(gfp);
	ac.cpu = cpu;
	ac.use_pcp = use_pcp;
	ac.preferred_zone = NULL;
	for (int zi = hz; zi >= 0; zi--) {
		if (k->node.node_zones[zi].managed_pages) {
			ac.preferred_zone = &k->node.node_zones[zi];
			break;
		}
	}

	/* The fast path: the low watermark, no reserves. */
	unsigned alloc_flags = ALLOC_WMARK_LOW | alloc_flags_nofragment(k, ac.preferred_zone, gfp);
	alloc_flags = gfp_to_alloc_flags_cma(gfp, alloc_flags);
	struct page *page = get_page_from_freelist(k, &ac, alloc_flags);
	if (unlikely(!page)) {
		page = alloc_pages_slowpath(k, &ac);
		if (!page)
			alloc_failed(k, gfp, order, hz);
	}
	if (unlikely(k->debug_checks))
		mm_check_invariants(k);
	return page;
}

struct page *alloc_pages(struct mm_kernel *k, gfp_t gfp, unsigned order)
{
	return alloc_pages_common(k, gfp, order, 0, true);
}

struct page *alloc_pages_cpu(struct mm_kernel *k, gfp_t gfp, unsigned order, unsigned cpu)
{
	return alloc_pages_common(k, gfp, order, cpu, true);
}

struct page *alloc_pages_nopcp(struct mm_kernel *k, gfp_t gfp, unsigned order)
{
	return alloc_pages_common(k, gfp, order, 0, false);
}

/* ---- the free path ----------------------------------------------------------- */

/* The full check of a page about to be freed (Linux's free_pages_prepare).
 * false: the page is bad, it was reported and must be leaked. */
static __cold bool free_pages_prepare_slow(struct mm_kernel *k, struct page *page,
					   unsigned order)
{
	bool compound = PageFlag(page, PG_head);
	const char *bad = NULL;

	/* Anonymous pages point at their anon_vma: that goes with the page. */
	if (PageFlag(page, PG_anon)) {
		page->mapping = NULL;
		ClearPageFlag(page, PG_anon);
	}
	if (page->_mapcount != 0)
		bad = "nonzero mapcount";
	else if (page->_refcount != 0)
		bad = "nonzero _refcount";
	else if (page->flags & PAGE_FLAGS_BAD_AT_FREE)
		bad = "PAGE_FLAGS_CHECK_AT_FREE flag(s) set";
	else if (page->mapping)
		bad = "non-NULL mapping";
	else if (compound && page->private != order)
		bad = "compound order does not match the order freed";
	/* Tail pages: a compound page's point at their head; in debug builds
	 * every tail is checked as a head would be (is_check_pages_enabled). */
	for (uint64_t i = 1; !bad && i < (1ULL << order); i++) {
		const struct page *t = page + i;
		if (compound && (!PageFlag(t, PG_tail) || t->mapping != page))
			bad = "corrupted mapping in compound page's tail page";
		else if (k->debug_checks &&
			 (t->_refcount || t->_mapcount || (!compound && t->mapping) ||
			  (t->flags & PAGE_FLAGS_BAD_AT_FREE & ~(1ULL << PG_tail))))
			bad = "tail page still in use";
	}
	if (bad) {
		bad_page(k, page, bad);
		return false;
	}
	for (uint64_t i = 1; i < (1ULL << order); i++) {
		struct page *t = page + i;
		t->flags = 0;
		if (compound)
			t->mapping = NULL;
	}
	page->flags = 0;
	page->private = 0;
	if (k->debug_checks)
		memset(page_to_host(k, page), PAGE_POISON, (size_t)(k->page_size << order));
	return true;
}

/* The common case inline: a clean order-0 page. */
static inline bool free_pages_prepare(struct mm_kernel *k, struct page *page, unsigned order)
{
	const uint64_t special = PAGE_FLAGS_BAD_AT_FREE | (1ULL << PG_head) | (1ULL << PG_anon);
	if (likely(!order && !(page->flags & special) && !page->_mapcount && !page->mapping &&
		   !k->debug_checks)) {
		page->flags = 0;
		page->private = 0;
		return true;
	}
	return free_pages_prepare_slow(k, page, order);
}

/* Free a block whose last reference is gone. */
static inline void free_frozen_pages(struct mm_kernel *k, struct zone *z, struct page *page,
				     mm_pfn_t pfn, unsigned order, unsigned cpu, bool use_pcp)
{
	if (unlikely(!free_pages_prepare(k, page, order)))
		return;
	k->vm.item[VM_pgfree] += 1ULL << order;
	if (unlikely(!use_pcp || order > PCP_MAX_ORDER)) {
		free_one_page(z, page, pfn, order, FPI_NONE);
		return;
	}
	int mt = get_pageblock_migratetype(z, pfn);
	if (unlikely(mt >= MIGRATE_PCPTYPES)) {
		/* Isolated pages never hide on a pcp list; CMA and highatomic
		 * pages ride the movable list and find their block when drained. */
		if (mt == MIGRATE_ISOLATE) {
			free_one_page(z, page, pfn, order, FPI_NONE);
			return;
		}
		mt = MIGRATE_MOVABLE;
	}
	free_unref_page_commit(z, page, mt, order, cpu);
}

/* Why a caller's (page, order, cpu) cannot be freed; reported, not fatal. */
static __cold void free_bad_request(struct mm_kernel *k, const struct page *page, unsigned order,
				    unsigned cpu)
{
	uintptr_t base = (uintptr_t)k->mem_map, p = (uintptr_t)page;
	const char *why;
	mm_pfn_t pfn = 0;
	if (p < base || p >= base + k->max_pfn * sizeof(struct page) ||
	    (p - base) % sizeof(struct page)) {
		why = "not a struct page of this machine";
	} else {
		pfn = (mm_pfn_t)((p - base) / sizeof(struct page));
		if (order > k->max_order)
			why = "order exceeds MAX_PAGE_ORDER";
		else if (cpu >= k->nr_cpus)
			why = "no such cpu";
		else if (pfn & ((1ULL << order) - 1))
			why = "pfn not aligned to the order";
		else
			why = "block outside its zone";
	}
	snprintf(k->last_error, sizeof(k->last_error), "__free_pages(pfn 0x%llx, order %u): %s",
		 (unsigned long long)pfn, order, why);
}

static void free_pages_common(struct mm_kernel *k, struct page *page, unsigned order,
			      unsigned cpu, bool use_pcp)
{
	if (unlikely(!page))
		return;
	/* Validate before touching: a descriptor of this machine, aligned to
	 * the order, inside one zone. */
	uintptr_t off = (uintptr_t)page - (uintptr_t)k->mem_map;
	mm_pfn_t pfn = off / sizeof(struct page);
	struct zone *z = NULL;
	if (likely(off < k->max_pfn * sizeof(struct page) && pfn * sizeof(struct page) == off &&
		   order <= k->max_order && cpu < k->nr_cpus && !(pfn & ((1ULL << order) - 1))))
		z = __pfn_zone(k, pfn);
	if (unlikely(!z || pfn + (1ULL << order) > zone_end_pfn(z))) {
		free_bad_request(k, page, order, cpu);
		return;
	}
	if (unlikely(page->_refcount <= 0)) {
		bad_page(k, page, "freeing a page whose refcount is already 0");
		return;
	}
	bool head = PageFlag(page, PG_head);
	if (likely(--page->_refcount == 0)) {
		free_frozen_pages(k, z, page, pfn, order, cpu, use_pcp);
	} else if (!head) {
		/* Someone else holds the first page of a non-compound block:
		 * free the rest of it now, the first page goes with its last
		 * reference. */
		while (order-- > 0)
			free_frozen_pages(k, z, page + (1ULL << order), pfn + (1ULL << order), order,
					  cpu, use_pcp);
	}
	if (unlikely(k->debug_checks))
		mm_check_invariants(k);
}

void __free_pages(struct mm_kernel *k, struct page *page, unsigned order)
{
	free_pages_common(k, page, order, 0, true);
}

void free_pages_cpu(struct mm_kernel *k, struct page *page, unsigned order, unsigned cpu)
{
	free_pages_common(k, page, order, cpu, true);
}

void free_pages_nopcp(struct mm_kernel *k, struct page *page, unsigned order)
{
	free_pages_common(k, page, order, 0, false);
}

void __free_pages_core(struct mm_kernel *k, struct page *page, unsigned order)
{
	mm_pfn_t pfn = page_to_pfn(k, page);
	uint64_t nr = 1ULL << order;
	struct zone *z = pfn_valid(k, pfn) ? pfn_zone(k, pfn) : NULL;

	if (order > k->max_order || (pfn & (nr - 1))) {
		snprintf(k->last_error, sizeof(k->last_error),
			 "__free_pages_core: pfn 0x%llx order %u is not a buddy block",
			 (unsigned long long)pfn, order);
		return;
	}
	/* A block may not span two zones: free it in halves. */
	if (!z || pfn + nr > zone_end_pfn(z)) {
		if (order == 0)
			return; /* a frame outside every zone stays unused */
		__free_pages_core(k, page, order - 1);
		__free_pages_core(k, page + (nr >> 1), order - 1);
		return;
	}
	/* Only the head descriptor is written: the tail ones of a boot
	 * block are still zero (sparse mem_map, see decisions.md). */
	ClearPageFlag(page, PG_reserved);
	page->_refcount = 0;
	z->managed_pages += nr;
	k->totalram_pages += nr;
	if (z->type == ZONE_HIGHMEM)
		k->totalhigh_pages += nr;
	k->vm.item[VM_pgfree] += nr;
	free_one_page(z, page, pfn, order, FPI_TO_TAIL);
}
