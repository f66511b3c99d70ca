/*
 * watermark.c - how much free memory each zone keeps back, and for whom.
 *
 * Three numbers per zone decide whether an allocation may take pages:
 *
 *   free pages
 *     |            ordinary allocations succeed
 *   high ---------  kswapd stops reclaiming here
 *     |            ordinary allocations succeed
 *   low  ---------  kswapd wakes (the fast path's mark)
 *     |            the slow path still succeeds
 *   min  ---------  only __GFP_HIGH (min/2), GFP_ATOMIC (3/8 of min),
 *     |            OOM victims and __GFP_MEMALLOC go below
 *   0
 *
 * min_free_kbytes = clamp(sqrt(16 * lowmem_kbytes), 128, 262144) (Linux's
 * calculate_min_free_kbytes) is shared among the lowmem zones in proportion
 * to their managed pages; each zone's low and high sit a quarter of its min
 * (or watermark_scale_factor/10000 of the zone, if that is larger) above the
 * previous mark. Highmem zones need no emergency reserve: their min is
 * managed/1024 clamped to 32..128 pages.
 *
 * On top of that, lowmem_reserve[j] keeps a lower zone from being eaten by
 * allocations that could have used zone j: an allocation whose highest
 * usable zone is j must leave lowmem_reserve[j] more pages free in this
 * zone. It is the managed pages of the zones above, up to j, divided by this
 * zone's vm.lowmem_reserve_ratio.
 *
 * The toy arch (a few KB of RAM) runs with min_free_kbytes 0: the 128 KB
 * floor would be larger than its whole memory, so its watermarks are the
 * scale-factor term alone (0 for fewer than 1000 pages).
 */
#include <stdio.h>

#include "mm/internal.h"

#define SWAP_CLUSTER_MAX 32ULL

static inline bool zone_configured(const struct mm_kernel *k, int t)
{
	return t == ZONE_MOVABLE || k->arch->zone_exists[t];
}

/* x * n / d without overflowing x * n (Linux's mult_frac). */
static uint64_t mult_frac(uint64_t x, uint64_t n, uint64_t d)
{
	return (x / d) * n + (x % d) * n / d;
}

/* floor(sqrt(x)) (Linux's int_sqrt). */
static uint64_t int_sqrt(uint64_t x)
{
	uint64_t r = 0, bit = 1ULL << 62;
	while (bit > x)
		bit >>= 2;
	while (bit) {
		if (x >= r + bit) {
			x -= r + bit;
			r = (r >> 1) + bit;
		} else {
			r >>= 1;
		}
		bit >>= 2;
	}
	return r;
}

/* ---- counting free memory ------------------------------------------------------ */

uint64_t zone_page_state_free(const struct zone *z)
{
	return z->nr_free_pages;
}

uint64_t global_free_pages(const struct mm_kernel *k)
{
	uint64_t n = 0;
	for (int t = 0; t < MAX_NR_ZONES; t++)
		n += k->node.node_zones[t].nr_free_pages;
	return n;
}

/* Free pages in HIGHATOMIC blocks (Linux keeps zone->nr_free_highatomic). */
static uint64_t nr_free_highatomic(const struct zone *z)
{
	if (!z->nr_reserved_highatomic)
		return 0;
	uint64_t n = 0;
	for (unsigned o = 0; o <= z->k->max_order; o++)
		n += z->free_area[o].nr_free_mt[MIGRATE_HIGHATOMIC] << o;
	return n;
}

/* Free pages this allocation may not count: the rest of its own block,
 * highatomic reserves unless it may use reserves, CMA unless movable. */
static int64_t zone_watermark_unusable_free(const struct zone *z, unsigned order,
					    unsigned alloc_flags)
{
	int64_t unusable = ((int64_t)1 << order) - 1;
	if (!(alloc_flags & ALLOC_RESERVES))
		unusable += (int64_t)nr_free_highatomic(z);
	if (!(alloc_flags & ALLOC_CMA))
		unusable += (int64_t)z->nr_free_cma;
	return unusable;
}

/* Linux's __zone_watermark_ok. free_pages may go negative. */
static bool __zone_watermark_ok(const struct zone *z, unsigned order, uint64_t mark,
				int highest_zoneidx, unsigned alloc_flags, int64_t free_pages)
{
	int64_t min = (int64_t)mark;
	free_pages -= zone_watermark_unusable_free(z, order, alloc_flags);

	if (alloc_flags & ALLOC_RESERVES) {
		/* __GFP_HIGH may use half of the min reserve... */
		if (alloc_flags & ALLOC_MIN_RESERVE) {
			min -= min / 2;
			/* ...and a caller that cannot block (GFP_ATOMIC) a
			 * quarter of the rest: 3/8 of min remain untouched. */
			if (alloc_flags & ALLOC_NON_BLOCK)
				min -= min / 4;
		}
		/* An OOM victim frees memory soon: it may go further still. */
		if (alloc_flags & ALLOC_OOM)
			min -= min / 2;
	}
	if (highest_zoneidx < 0 || highest_zoneidx >= MAX_NR_ZONES)
		highest_zoneidx = MAX_NR_ZONES - 1;
	/* The order-0 check: high orders need at least this too. */
	if (free_pages <= min + z->lowmem_reserve[highest_zoneidx])
		return false;
	if (!order)
		return true;
	/* A high-order request also needs one block big enough that it may use. */
	for (unsigned o = order; o <= z->k->max_order; o++) {
		const struct free_area *area = &z->free_area[o];
		if (!area->nr_free)
			continue;
		for (int mt = 0; mt < MIGRATE_PCPTYPES; mt++)
			if (!list_empty(&area->free_list[mt]))
				return true;
		if ((alloc_flags & ALLOC_CMA) && !list_empty(&area->free_list[MIGRATE_CMA]))
			return true;
		if ((alloc_flags & (ALLOC_HIGHATOMIC | ALLOC_OOM)) &&
		    !list_empty(&area->free_list[MIGRATE_HIGHATOMIC]))
			return true;
	}
	return false;
}

bool zone_watermark_ok(struct zone *z, unsigned order, uint64_t mark, int highest_zoneidx,
		       unsigned alloc_flags)
{
	return __zone_watermark_ok(z, order, mark, highest_zoneidx, alloc_flags,
				   (int64_t)z->nr_free_pages);
}

bool zone_watermark_fast(struct zone *z, unsigned order, uint64_t mark, int highest_zoneidx,
			 unsigned alloc_flags)
{
	int64_t free_pages = (int64_t)z->nr_free_pages;
	/* Order 0 needs only the arithmetic. */
	if (!order) {
		int64_t reserved = zone_watermark_unusable_free(z, 0, alloc_flags);
		int64_t usable = free_pages - MM_MIN(free_pages, reserved);
		if (usable > (int64_t)mark + z->lowmem_reserve[highest_zoneidx])
			return true;
	}
	if (__zone_watermark_ok(z, order, mark, highest_zoneidx, alloc_flags, free_pages))
		return true;
	/* __GFP_HIGH order-0 allocations at the min mark ignore the boost:
	 * boosting exists to wake kswapd, not to fail these. */
	if (!order && (alloc_flags & ALLOC_MIN_RESERVE) && z->watermark_boost &&
	    (alloc_flags & ALLOC_WMARK_MASK) == ALLOC_WMARK_MIN)
		return __zone_watermark_ok(z, order, z->_watermark[WMARK_MIN], highest_zoneidx,
					   alloc_flags, free_pages);
	return false;
}

uint64_t nr_free_buffer_pages(const struct mm_kernel *k)
{
	/* The zones GFP_USER may use: gfp_zone(GFP_USER) and below. */
	int top = gfp_zone(k, GFP_USER);
	uint64_t sum = 0;
	for (int t = top; t >= 0; t--) {
		const struct zone *z = &k->node.node_zones[t];
		uint64_t size = z->managed_pages, high = high_wmark_pages(z);
		if (size > high)
			sum += size - high;
	}
	return sum;
}

uint64_t si_mem_available(const struct mm_kernel *k)
{
	uint64_t wmark_low = 0;
	for (int t = 0; t < MAX_NR_ZONES; t++)
		wmark_low += low_wmark_pages(&k->node.node_zones[t]);

	int64_t available = (int64_t)global_free_pages(k) - (int64_t)k->totalreserve_pages;
	/* Half of the page cache (at least the low watermarks' worth) must
	 * stay. The file LRU lists arrive with the page cache; 0 until then. */
	uint64_t pagecache = 0;
	pagecache -= MM_MIN(pagecache / 2, wmark_low);
	available += (int64_t)pagecache;
	/* Likewise for reclaimable slab. */
	uint64_t reclaimable = k->nr_slab_reclaimable;
	reclaimable -= MM_MIN(reclaimable / 2, wmark_low);
	available += (int64_t)reclaimable;
	return available < 0 ? 0 : (uint64_t)available;
}

/* ---- computing the watermarks --------------------------------------------------- */

/* Linux's calculate_min_free_kbytes: sqrt(16 * lowmem KB), in 128K..256M.
 * 1G of lowmem: sqrt(16 * 1048576) = 4096 KB. */
static void calculate_min_free_kbytes(struct mm_kernel *k)
{
	struct mm_sysctl *s = &k->sysctl;
	uint64_t lowmem_kbytes = (nr_free_buffer_pages(k) << k->page_shift) >> 10;
	int64_t new_min = (int64_t)int_sqrt(lowmem_kbytes * 16);
	if (new_min > s->user_min_free_kbytes)
		s->min_free_kbytes = MM_MIN(MM_MAX(new_min, 128), 262144);
	else
		printk(k, "min_free_kbytes is not updated to %lld because user defined value %lld is preferred",
		       (long long)new_min, (long long)s->user_min_free_kbytes);
}

/* totalreserve_pages: per zone its largest lowmem_reserve plus its high
 * watermark, capped at its managed pages. */
static void calculate_totalreserve_pages(struct mm_kernel *k)
{
	uint64_t reserve = 0;
	for (int i = 0; i < MAX_NR_ZONES; i++) {
		const struct zone *z = &k->node.node_zones[i];
		int64_t max = 0;
		for (int j = i; j < MAX_NR_ZONES; j++)
			if (z->lowmem_reserve[j] > max)
				max = z->lowmem_reserve[j];
		uint64_t m = (uint64_t)max + high_wmark_pages(z);
		reserve += MM_MIN(m, z->managed_pages);
	}
	k->totalreserve_pages = reserve;
}

/* Linux's __setup_per_zone_wmarks. */
static void __setup_per_zone_wmarks(struct mm_kernel *k)
{
	/* min_free_kbytes in pages (written to work for sub-1K toy pages). */
	uint64_t pages_min = ((uint64_t)k->sysctl.min_free_kbytes << 10) >> k->page_shift;
	uint64_t lowmem_pages = 0;
	uint64_t scale = (uint64_t)k->sysctl.watermark_scale_factor;

	for (int t = 0; t < MAX_NR_ZONES; t++)
		if (t != ZONE_HIGHMEM && t != ZONE_MOVABLE)
			lowmem_pages += k->node.node_zones[t].managed_pages;

	for (int t = 0; t < MAX_NR_ZONES; t++) {
		struct zone *z = &k->node.node_zones[t];
		if (!zone_configured(k, t)) {
			for (int w = 0; w < NR_WMARK; w++)
				z->_watermark[w] = 0;
			continue;
		}
		uint64_t managed = z->managed_pages;
		/* This zone's share of min_free_kbytes. */
		uint64_t tmp = lowmem_pages ? pages_min * managed / lowmem_pages : 0;
		if (t == ZONE_HIGHMEM || t == ZONE_MOVABLE) {
			/* __GFP_HIGH and PF_MEMALLOC rarely need highmem or
			 * movable pages: a small fixed min. */
			uint64_t min_pages = managed / 1024;
			z->_watermark[WMARK_MIN] = MM_MIN(MM_MAX(min_pages, SWAP_CLUSTER_MAX), 128ULL);
		} else {
			z->_watermark[WMARK_MIN] = tmp;
		}
		/* kswapd's distance: a quarter of min, or scale/10000 of the
		 * zone on large machines. */
		tmp = MM_MAX(tmp >> 2, mult_frac(managed, scale, 10000));
		z->watermark_boost = 0;
		z->_watermark[WMARK_LOW] = z->_watermark[WMARK_MIN] + tmp;
		z->_watermark[WMARK_HIGH] = z->_watermark[WMARK_LOW] + tmp;
		z->_watermark[WMARK_PROMO] = z->_watermark[WMARK_HIGH] + tmp;
	}
	calculate_totalreserve_pages(k);
}

void setup_per_zone_wmarks(struct mm_kernel *k)
{
	__setup_per_zone_wmarks(k);
	/* Watermarks changed: per-CPU high follows the low watermark. */
	zone_pcp_update_all(k);
}

void setup_per_zone_lowmem_reserve(struct mm_kernel *k)
{
	for (int i = 0; i < MAX_NR_ZONES - 1; i++) {
		struct zone *z = &k->node.node_zones[i];
		int64_t ratio = k->sysctl.lowmem_reserve_ratio[i];
		bool clear = ratio <= 0 || !z->managed_pages;
		uint64_t managed = 0;
		for (int j = i + 1; j < MAX_NR_ZONES; j++) {
			managed += k->node.node_zones[j].managed_pages;
			z->lowmem_reserve[j] = clear ? 0 : (int64_t)(managed / (uint64_t)ratio);
		}
	}
	calculate_totalreserve_pages(k);
}

void init_per_zone_wmark_min(struct mm_kernel *k)
{
	/* The toy machine keeps the min_free_kbytes it was given (0). */
	if (!k->arch->is_toy)
		calculate_min_free_kbytes(k);
	setup_per_zone_wmarks(k);
	setup_per_zone_lowmem_reserve(k);
}
