/*
 * page_alloc_pcp.c - the per-CPU page lists in front of the buddy lists.
 *
 * Most allocations are single pages, and taking the zone lock for each one
 * is what Linux avoids with per-CPU lists: every CPU keeps, per zone, a few
 * lists of free blocks of order 0..PCP_MAX_ORDER (one per pcp migrate type)
 * and trades with the buddy lists in batches:
 *
 *              alloc: list empty?                    free: count >= high?
 *   buddy  ──rmqueue_bulk(batch)──>  pcp list  ──free_pcppages_bulk(batch)──> buddy
 *                                    [p][p][p]...
 *                                    ^ hot end: alloc and free both use it
 *
 *   lists[order * MIGRATE_PCPTYPES + migratetype]; count is in pages.
 *
 * The pop and the push themselves are inline in page_alloc.c (the fast path
 * of every order-0 allocation); this file refills, drains and sizes.
 *
 * Pages on a pcp list are PG_pcp with private = order. They are not free in
 * NR_FREE_PAGES terms (Linux's MemFree leaves them out too).
 *
 * Sizes follow Linux 6.x: batch = zone_batchsize() (about 0.1% of the zone,
 * at most 1M worth, rounded to 2^n - 1), high_min = low watermark / CPUs,
 * high_max = managed / 8 / CPUs, both at least 4 * batch. Linux tunes
 * pcp->high between high_min and high_max as CPUs allocate and free and
 * scales its batches by alloc_factor/free_count; mmsim keeps pcp->high at
 * high_min and the batch fixed (docs/decisions.md), which is what a CPU that
 * neither floods nor starves its lists sees.
 */
#include "mm/internal.h"

#define MIN_PERCPU_PAGELIST_HIGH_FRACTION 8

static inline int order_to_pindex(int mt, unsigned order)
{
	return (int)order * MIGRATE_PCPTYPES + mt;
}

static inline unsigned pindex_to_order(int pindex)
{
	return (unsigned)(pindex / MIGRATE_PCPTYPES);
}

/* Blocks to take from the buddy on a refill (Linux's nr_pcp_alloc with
 * alloc_factor pinned at 0). */
static int nr_pcp_alloc(const struct per_cpu_pages *pcp, unsigned order)
{
	int high = pcp->high, batch = pcp->batch;
	/* Boot pageset, or a pcp too small to hold anything. */
	if (high < batch)
		return 1;
	if (!order) {
		int max_nr_alloc = MM_MAX(high - pcp->count - batch, batch);
		batch = MM_MIN(batch, max_nr_alloc);
	}
	/* Scale a batch of pages to blocks of this order, at least two. */
	if (batch > 1)
		batch = MM_MAX(batch >> order, 2);
	return batch;
}

/* Pages to give back when count reaches high (Linux's nr_pcp_free with
 * free_count pinned at 0): a batch, leaving at least a batch behind. */
static int nr_pcp_free(const struct per_cpu_pages *pcp)
{
	int high = pcp->high, batch = pcp->batch;
	if (high < batch)
		return 1;
	return MM_MIN(batch, high - batch);
}

/* Take up to count blocks of 2^order from the buddy onto list, in PFN
 * order (Linux's rmqueue_bulk). Returns the blocks taken. */
static int rmqueue_bulk(struct zone *z, unsigned order, int count, struct list_head *list,
			int mt, unsigned alloc_flags)
{
	enum rmqueue_mode mode = RMQUEUE_NORMAL;
	int i;
	for (i = 0; i < count; i++) {
		struct page *page = __rmqueue(z, order, mt, alloc_flags, &mode);
		if (!page)
			break;
		SetPageFlag(page, PG_pcp);
		page->private = order;
		list_add_tail(&page->lru, list);
	}
	return i;
}

struct page *rmqueue_pcplist_refill(struct zone *z, unsigned order, int mt, unsigned alloc_flags,
				    unsigned cpu)
{
	struct per_cpu_pages *pcp = &z->pcp[cpu];
	struct list_head *list = &pcp->lists[order_to_pindex(mt, order)];
	if (list_empty(list)) {
		int got = rmqueue_bulk(z, order, nr_pcp_alloc(pcp, order), list, mt, alloc_flags);
		pcp->count += got << order;
		if (list_empty(list))
			return NULL;
	}
	struct page *page = list_first_entry(list, struct page, lru);
	list_del(&page->lru);
	pcp->count -= 1 << order;
	return page;
}

/* Give count pages back to the buddy, coldest first, starting with the
 * list at pindex and going round the others (Linux's free_pcppages_bulk). */
static void free_pcppages_bulk(struct zone *z, int count, struct per_cpu_pages *pcp, int pindex)
{
	const struct mm_kernel *k = z->k;
	count = MM_MIN(pcp->count, count);
	pindex--;
	while (count > 0) {
		struct list_head *list;
		do {
			if (++pindex > NR_PCP_LISTS - 1)
				pindex = 0;
			list = &pcp->lists[pindex];
		} while (list_empty(list));

		unsigned order = pindex_to_order(pindex);
		int nr_pages = 1 << order;
		do {
			struct page *page = list_last_entry(list, struct page, lru);
			mm_pfn_t pfn = page_to_pfn(k, page);
			list_del(&page->lru);
			ClearPageFlag(page, PG_pcp);
			page->private = 0;
			count -= nr_pages;
			pcp->count -= nr_pages;
			/* The pageblock's type decides the list, whatever pcp list
			 * the page waited on (CMA and highatomic pages go home). */
			free_one_page(z, page, pfn, order, 0);
		} while (count > 0 && !list_empty(list));
	}
}

void pcp_free_overflow(struct zone *z, unsigned cpu, int pindex)
{
	struct per_cpu_pages *pcp = &z->pcp[cpu];
	free_pcppages_bulk(z, nr_pcp_free(pcp), pcp, pindex);
}

void drain_pages_zone(struct mm_kernel *k, unsigned cpu, struct zone *z)
{
	(void)k;
	struct per_cpu_pages *pcp = &z->pcp[cpu];
	if (pcp->count)
		free_pcppages_bulk(z, pcp->count, pcp, 0);
}

void drain_all_pages(struct mm_kernel *k)
{
	for (int t = 0; t < MAX_NR_ZONES; t++) {
		struct zone *z = &k->node.node_zones[t];
		if (!zone_is_populated(z))
			continue;
		for (unsigned cpu = 0; cpu < k->nr_cpus && cpu < MM_MAX_CPUS; cpu++)
			drain_pages_zone(k, cpu, z);
	}
}

uint64_t zone_pcp_pages(const struct mm_kernel *k, const struct zone *z)
{
	uint64_t n = 0;
	for (unsigned cpu = 0; cpu < k->nr_cpus && cpu < MM_MAX_CPUS; cpu++)
		n += (uint64_t)z->pcp[cpu].count;
	return n;
}

static uint64_t rounddown_pow_of_two(uint64_t x)
{
	uint64_t r = 1;
	while (r <= x / 2)
		r <<= 1;
	return r;
}

/* Linux's zone_batchsize: ~0.1% of the zone or 1M worth of pages, whichever
 * is smaller, divided by 4, clamped to 2^n - 1 (power-of-two batches alias
 * badly in caches). A 1G zone: min(262144>>10, 256) = 256, /4 = 64,
 * rounddown_pow_of_two(64 + 32) - 1 = 63. */
static int zone_batchsize(const struct zone *z)
{
	const struct mm_kernel *k = z->k;
	uint64_t pages_1m = k->page_shift < 20 ? (1ULL << (20 - k->page_shift)) : 1;
	uint64_t batch = MM_MIN(z->managed_pages >> 10, pages_1m);
	batch /= 4;
	if (batch < 1)
		batch = 1;
	return (int)(rounddown_pow_of_two(batch + batch / 2) - 1);
}

/* Linux's zone_highsize: the low watermark (or managed / fraction) shared
 * among the node's CPUs, at least 4 batches. */
static int zone_highsize(const struct zone *z, int batch, int64_t high_fraction)
{
	const struct mm_kernel *k = z->k;
	uint64_t total = high_fraction ? z->managed_pages / (uint64_t)high_fraction
				       : low_wmark_pages(z);
	uint64_t high = total / (k->nr_cpus ? k->nr_cpus : 1);
	return (int)MM_MAX(high, (uint64_t)batch << 2);
}

static void zone_pcp_update(struct zone *z)
{
	const struct mm_kernel *k = z->k;
	int64_t fraction = k->sysctl.percpu_pagelist_high_fraction;
	int batch = MM_MAX(1, zone_batchsize(z));
	int high_min, high_max;
	if (fraction) {
		/* Tuned by hand: no auto-tuning range. */
		high_min = high_max = zone_highsize(z, batch, fraction);
	} else {
		high_min = zone_highsize(z, batch, 0);
		high_max = zone_highsize(z, batch, MIN_PERCPU_PAGELIST_HIGH_FRACTION);
	}
	for (unsigned cpu = 0; cpu < k->nr_cpus && cpu < MM_MAX_CPUS; cpu++) {
		struct per_cpu_pages *pcp = &z->pcp[cpu];
		pcp->batch = batch;
		pcp->high_min = high_min;
		pcp->high_max = high_max;
		pcp->high = high_min;
	}
}

void zone_pcp_update_all(struct mm_kernel *k)
{
	for (int t = 0; t < MAX_NR_ZONES; t++) {
		struct zone *z = &k->node.node_zones[t];
		if (z->k && (t == ZONE_MOVABLE || k->arch->zone_exists[t]))
			zone_pcp_update(z);
	}
}
