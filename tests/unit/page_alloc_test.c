/*
 * page_alloc_test.c - the buddy allocator, per-CPU lists, zone fallback,
 * migrate-type fallback, GFP handling and the invariant checker.
 *
 * Expected values are worked out by hand in the comments. Most tests use the
 * DMA zone of an x86_64 machine, whose state after boot is fixed by the PC
 * memory map (docs/decisions.md):
 *
 *   RAM pfns 1-158 and 256-4095; pfns 0-255 (the first 1M) are reserved.
 *   Free: 256 pages at 256 (order 8) + 512 at 512 (order 9)
 *         + 3 x 1024 at 1024, 2048, 3072 (order 10)       = 3840 pages.
 *   Pageblock 0 (pfns 0-511) begins in the hole at pfn 0, so memmap_init
 *   never marks it Movable: its order-8 block is on the Unmovable list; the
 *   other blocks are Movable. Boot frees go to list tails in pfn order, so
 *   the order-10 list reads 1024, 2048, 3072.
 */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "mm/internal.h"
#include "sim/machine.h"
#include "fixtures.h"
#include "test.h"

#define MB (1024ULL * 1024)
#define GB (1024ULL * MB)

static struct mm_machine *boot(const char *arch, uint64_t ram, unsigned cpus)
{
	return test_try_boot(arch, ram, cpus, -1);
}

static uint64_t nr_free(const struct zone *z, unsigned order)
{
	return z->free_area[order].nr_free;
}

static uint64_t nr_free_mt(const struct zone *z, unsigned order, int mt)
{
	return z->free_area[order].nr_free_mt[mt];
}

static mm_pfn_t pfn(const struct mm_kernel *k, const struct page *p)
{
	return p ? page_to_pfn(k, p) : (mm_pfn_t)-1;
}

static uint64_t count_blocks(const struct zone *z, int mt)
{
	uint64_t n = 0;
	for (uint64_t b = 0; b < z->nr_pageblocks; b++)
		n += z->pageblock_mt[b] == mt;
	return n;
}

/* Free blocks per order, orders 0..10, must equal want[]. */
static void check_orders(const struct zone *z, const uint64_t *want, int line)
{
	for (unsigned o = 0; o <= 10; o++) {
		if (nr_free(z, o) != want[o]) {
			printf("  line %d: order %u: %llu free blocks, want %llu\n", line, o,
			       (unsigned long long)nr_free(z, o), (unsigned long long)want[o]);
			CHECK(nr_free(z, o) == want[o]);
		}
	}
}
#define CHECK_ORDERS(z, ...)                                   \
	do {                                                   \
		const uint64_t want_[11] = { __VA_ARGS__ };    \
		check_orders((z), want_, __LINE__);            \
	} while (0)

static bool log_contains(const struct mm_kernel *k, size_t from, const char *s)
{
	return k->log.buf && k->log.len > from && strstr(k->log.buf + from, s) != NULL;
}

/* ---- buddy arithmetic -------------------------------------------------------- */

TEST(struct_page_layout)
{
	/* docs/struct-page.md: 8 + 4 + 4 + 8 + 16 + 8 + 8 = 56 bytes on LP64. */
	CHECK_EQ(offsetof(struct page, flags), 0);
	CHECK_EQ(offsetof(struct page, _refcount), 8);
	CHECK_EQ(offsetof(struct page, _mapcount), 12);
	CHECK_EQ(offsetof(struct page, private), 16);
	CHECK_EQ(offsetof(struct page, lru), 24);
	CHECK_EQ(offsetof(struct page, mapping), 40);
	CHECK_EQ(offsetof(struct page, index), 48);
	CHECK_EQ(sizeof(struct page), 56);
}

TEST(buddy_pfn_per_order)
{
	/* buddy = pfn ^ (1 << order): the other half of the order+1 block. */
	CHECK_EQ(buddy_pfn_of(0x1234, 0), 0x1235); /* bit 0 flips */
	CHECK_EQ(buddy_pfn_of(0x1235, 0), 0x1234);
	CHECK_EQ(buddy_pfn_of(0x1234, 2), 0x1230); /* [0x1230,0x1238) = two order-2 halves */
	CHECK_EQ(buddy_pfn_of(6, 1), 4);
	CHECK_EQ(buddy_pfn_of(8, 3), 0);
	CHECK_EQ(buddy_pfn_of(0x1000, 10), 0x1400);
	CHECK_EQ(buddy_pfn_of(0x1400, 10), 0x1000);
	CHECK_EQ(buddy_pfn_of(1024, 10), 0); /* DMA's first order-10 block pairs with [0,1024) */
}

TEST(dma_zone_after_boot)
{
	struct mm_machine *m = boot("x86_64", 128 * MB, 1);
	if (!m)
		return;
	struct mm_kernel *k = &m->k;
	struct zone *z = &k->node.node_zones[ZONE_DMA];
	CHECK_EQ(z->zone_start_pfn, 1);
	CHECK_EQ(z->spanned_pages, 4095);           /* pfns 1..4095 */
	CHECK_EQ(z->present_pages, 158 + 3840);     /* 1-158 and 256-4095 */
	CHECK_EQ(z->managed_pages, 3840);           /* minus the first 1M */
	CHECK_ORDERS(z, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 3);
	CHECK_EQ(nr_free_mt(z, 8, MIGRATE_UNMOVABLE), 1);
	CHECK_EQ(nr_free_mt(z, 9, MIGRATE_MOVABLE), 1);
	CHECK_EQ(nr_free_mt(z, 10, MIGRATE_MOVABLE), 3);
	CHECK_EQ(z->nr_free_pages, 3840);
	/* 4095 pages from pfn 1: pageblocks 0..7, the first Unmovable. */
	CHECK_EQ(z->nr_pageblocks, 8);
	CHECK_EQ(count_blocks(z, MIGRATE_UNMOVABLE), 1);
	CHECK_EQ(count_blocks(z, MIGRATE_MOVABLE), 7);
	/* Zone lookup by pfn. */
	CHECK(pfn_zone(k, 0) == NULL);
	CHECK(pfn_zone(k, 1) == z);
	CHECK(pfn_zone(k, 4095) == z);
	CHECK(pfn_zone(k, 4096) == &k->node.node_zones[ZONE_DMA32]);
	CHECK(pfn_zone(k, k->max_pfn) == NULL);
	CHECK(mm_check_invariants(k));
	mm_machine_destroy(m);
}

/* Allocate order 0 from a zone holding only order-10 blocks: one block of
 * each order 0..9 is left over, all carved from the first order-10 block. */
TEST(split_and_merge_sequence)
{
	struct mm_machine *m = boot("x86_64", 128 * MB, 1);
	if (!m)
		return;
	struct mm_kernel *k = &m->k;
	struct zone *z = &k->node.node_zones[ZONE_DMA];
	const gfp_t MOV = GFP_DMA | __GFP_MOVABLE;

	/* Take the order-8 and order-9 blocks so that only 3 x order 10 remain. */
	struct page *p8 = alloc_pages_nopcp(k, GFP_DMA, 8);
	struct page *p9 = alloc_pages_nopcp(k, MOV, 9);
	CHECK_EQ(pfn(k, p8), 256);
	CHECK_EQ(pfn(k, p9), 512);
	CHECK_ORDERS(z, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 3);
	CHECK_EQ(z->nr_free_pages, 3072);

	/* A1: the order-10 block at 1024 splits; 1024+512 (o9), 1024+256 (o8)
	 * ... 1025 (o0) go back. 3072 - 1 = 3071 free. */
	struct page *a1 = alloc_pages_nopcp(k, MOV, 0);
	CHECK_EQ(pfn(k, a1), 1024);
	CHECK_ORDERS(z, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 2);
	CHECK_EQ(z->nr_free_pages, 3071);
	/* A2: the order-0 block at 1025. */
	struct page *a2 = alloc_pages_nopcp(k, MOV, 0);
	CHECK_EQ(pfn(k, a2), 1025);
	CHECK_ORDERS(z, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 2);
	/* A3: the order-1 block at 1026 splits: 1026 out, 1027 (o0) back. */
	struct page *a3 = alloc_pages_nopcp(k, MOV, 0);
	CHECK_EQ(pfn(k, a3), 1026);
	CHECK_ORDERS(z, 1, 0, 1, 1, 1, 1, 1, 1, 1, 1, 2);
	CHECK_EQ(z->nr_free_pages, 3069);

	/* Free A2 (1025): its buddy 1024 is in use, no merge: 1025, 1027 at o0. */
	free_pages_nopcp(k, a2, 0);
	CHECK_ORDERS(z, 2, 0, 1, 1, 1, 1, 1, 1, 1, 1, 2);
	/* Free A1 (1024): buddy 1025 free -> [1024,1026) o1; its buddy 1026 is
	 * in use. Left at o0: 1027. */
	free_pages_nopcp(k, a1, 0);
	CHECK_ORDERS(z, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 2);
	/* Free A3 (1026): merges with 1027 (o0), 1024 (o1), 1028 (o2) ... 1536
	 * (o9) into [1024,2048) at order 10; its buddy [0,1024) is not free. */
	free_pages_nopcp(k, a3, 0);
	CHECK_ORDERS(z, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 3);
	CHECK_EQ(z->nr_free_pages, 3072);

	/* Back to the boot state: 512's buddy at o9 is [0,512), 256's at o8 is
	 * [0,256): both reserved, so neither merges. */
	free_pages_nopcp(k, p9, 9);
	free_pages_nopcp(k, p8, 8);
	CHECK_ORDERS(z, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 3);
	CHECK_EQ(z->nr_free_pages, 3840);
	CHECK(mm_check_invariants(k));
	mm_machine_destroy(m);
}

/* ---- per-CPU lists --------------------------------------------------------------- */

TEST(pcp_batch_refill_and_drain)
{
	struct mm_machine *m = boot("x86_64", 1 * GB, 1);
	if (!m)
		return;
	struct mm_kernel *k = &m->k;
	struct zone *z = &k->node.node_zones[ZONE_DMA32];
	struct per_cpu_pages *pcp = &z->pcp[0];
	/* DMA32 of a 1G machine manages ~250000 pages (1G - 16M DMA - kernel
	 * image - mem_map): min(250000 >> 10, 256) = 244, / 4 = 61,
	 * rounddown_pow_of_two(61 + 30) - 1 = 63 for any count from 176128
	 * (172 << 10) to 262143. */
	CHECK(z->managed_pages >= 176128 && z->managed_pages < 262144);
	CHECK_EQ(pcp->batch, 63);
	/* high_min = low watermark / 1 CPU, at least 4 * 63. */
	CHECK_EQ(pcp->high_min, MM_MAX(low_wmark_pages(z), 252));
	CHECK_EQ(pcp->high, pcp->high_min);
	CHECK_EQ(pcp->high_max, MM_MAX(z->managed_pages / 8, 252));

	drain_all_pages(k);
	uint64_t free0 = z->nr_free_pages, alloc0 = k->vm.item[VM_pgalloc_dma32];
	/* First order-0 allocation: the list is empty, refill a batch of 63
	 * (high - 0 - 63 > 63), hand out one: 62 stay on the list. */
	struct page *p = alloc_pages(k, GFP_KERNEL, 0);
	CHECK(p && pfn_zone(k, pfn(k, p)) == z);
	CHECK_EQ(pcp->count, 62);
	CHECK_EQ(free0 - z->nr_free_pages, 63);
	CHECK_EQ(k->vm.item[VM_pgalloc_dma32] - alloc0, 1);
	/* Second: straight from the list. */
	struct page *q = alloc_pages(k, GFP_KERNEL, 0);
	CHECK_EQ(pcp->count, 61);
	CHECK_EQ(free0 - z->nr_free_pages, 63);
	/* LIFO: freeing q and allocating again returns q (hot page). */
	__free_pages(k, q, 0);
	CHECK_EQ(pcp->count, 62);
	CHECK(alloc_pages(k, GFP_KERNEL, 0) == q);
	__free_pages(k, q, 0);
	__free_pages(k, p, 0);
	CHECK_EQ(pcp->count, 63);

	/* Fill the list: hold H pages, then free them one by one. When a free
	 * brings count to high, a batch of 63 goes back: count = high - 63. */
	int H = pcp->high;
	struct page **held = calloc((size_t)H, sizeof(*held));
	for (int i = 0; i < H; i++)
		held[i] = alloc_pages(k, GFP_KERNEL | __GFP_NOWARN, 0);
	drain_all_pages(k);
	uint64_t before = z->nr_free_pages;
	int max_count = 0, drains = 0;
	for (int i = 0; i < H; i++) {
		int c0 = pcp->count;
		uint64_t f0 = z->nr_free_pages;
		__free_pages(k, held[i], 0);
		if (pcp->count < c0) {
			drains++;
			CHECK_EQ(c0 + 1, H);
			CHECK_EQ(pcp->count, H - 63);
			CHECK_EQ(z->nr_free_pages - f0, 63);
		}
		max_count = MM_MAX(max_count, pcp->count);
	}
	CHECK_EQ(drains, 1);
	CHECK(max_count < H);
	/* Everything is back once the list is drained. */
	drain_all_pages(k);
	CHECK_EQ(pcp->count, 0);
	CHECK_EQ(z->nr_free_pages, before + (uint64_t)H);
	free(held);
	CHECK(mm_check_invariants(k));
	mm_machine_destroy(m);
}

TEST(pcp_high_order_and_two_cpus)
{
	struct mm_machine *m = boot("x86_64", 1 * GB, 2);
	if (!m)
		return;
	struct mm_kernel *k = &m->k;
	struct zone *z = &k->node.node_zones[ZONE_DMA32];
	drain_all_pages(k);
	uint64_t free0 = z->nr_free_pages;
	/* Order 3 refill: max(63 >> 3, 2) = 7 blocks of 8 pages; one goes out:
	 * 6 * 8 = 48 pages stay. */
	struct page *p = alloc_pages_cpu(k, GFP_KERNEL, 3, 1);
	CHECK(p != NULL);
	CHECK_EQ(z->pcp[1].count, 48);
	CHECK_EQ(z->pcp[0].count, 0);
	CHECK_EQ(free0 - z->nr_free_pages, 56);
	/* Freed on CPU 0, it waits on CPU 0's list. */
	free_pages_cpu(k, p, 3, 0);
	CHECK_EQ(z->pcp[0].count, 8);
	CHECK_EQ(z->pcp[1].count, 48);
	/* Order 4 is above PCP_MAX_ORDER: buddy only. */
	struct page *big = alloc_pages_cpu(k, GFP_KERNEL, 4, 0);
	CHECK_EQ(z->pcp[0].count, 8);
	__free_pages(k, big, 4);
	drain_all_pages(k);
	CHECK_EQ(z->pcp[0].count + z->pcp[1].count, 0);
	CHECK_EQ(z->nr_free_pages, free0);
	/* Bad CPU: an error, not a crash. */
	CHECK(alloc_pages_cpu(k, GFP_KERNEL, 0, 2) == NULL);
	CHECK(strstr(k->last_error, "cpu") != NULL);
	CHECK(mm_check_invariants(k));
	mm_machine_destroy(m);
}

/* ---- zones and GFP ---------------------------------------------------------------- */

TEST(gfp_dma_only_from_dma)
{
	struct mm_machine *m = boot("x86_64", 128 * MB, 1);
	if (!m)
		return;
	struct mm_kernel *k = &m->k;
	struct zone *z = &k->node.node_zones[ZONE_DMA];
	drain_all_pages(k);
	uint64_t free0 = z->nr_free_pages, min = min_wmark_pages(z);
	/* GFP_DMA cannot reclaim and has no __GFP_HIGH: the fast path stops at
	 * low, the slow path at min (unreduced); the DMA pcp (batch 1) moves
	 * one page per allocation. So free0 - min allocations succeed. */
	size_t cap = free0, n = 0;
	struct page **pages = calloc(cap, sizeof(*pages));
	bool all_dma = true;
	for (;;) {
		struct page *p = alloc_pages(k, GFP_DMA | __GFP_NOWARN, 0);
		if (!p)
			break;
		all_dma &= pfn(k, p) < 4096;
		if (n < cap)
			pages[n++] = p;
	}
	CHECK(all_dma);
	CHECK_EQ(n, free0 - min);
	CHECK_EQ(z->nr_free_pages, min);
	for (size_t i = 0; i < n; i++)
		__free_pages(k, pages[i], 0);
	drain_all_pages(k);
	CHECK_EQ(z->nr_free_pages, free0);
	free(pages);

	/* GFP_KERNEL on a machine whose Normal zone is empty: DMA32. */
	struct page *p = alloc_pages(k, GFP_KERNEL, 0);
	CHECK(pfn(k, p) >= 4096 && pfn(k, p) < 32768);
	__free_pages(k, p, 0);
	/* Impossible zone modifiers fail with a reason. */
	CHECK(alloc_pages(k, __GFP_DMA | __GFP_DMA32, 0) == NULL);
	CHECK(strstr(k->last_error, "invalid gfp") != NULL);
	CHECK(alloc_pages(k, GFP_KERNEL | __GFP_MOVABLE | __GFP_RECLAIMABLE, 0) == NULL);
	mm_machine_destroy(m);
}

TEST(gfp_kernel_falls_back_normal_to_dma32)
{
	/* 4G + 64M: Normal is [4G, 4G+64M) = 16384 pages. */
	struct mm_machine *m = boot("x86_64", 4 * GB + 64 * MB, 1);
	if (!m)
		return;
	struct mm_kernel *k = &m->k;
	struct zone *normal = &k->node.node_zones[ZONE_NORMAL];
	CHECK_EQ(normal->zone_start_pfn, 1048576);
	CHECK_EQ(normal->spanned_pages, 16384);
	size_t cap = 20000, n = 0;
	struct page **pages = calloc(cap, sizeof(*pages));
	bool before_in_normal = true;
	mm_pfn_t first_other = 0;
	while (n < cap) {
		struct page *p = alloc_pages(k, GFP_KERNEL | __GFP_NOWARN, 0);
		if (!p)
			break;
		pages[n++] = p;
		if (pfn(k, p) < 1048576) {
			first_other = pfn(k, p);
			break;
		}
		before_in_normal &= pfn(k, p) >= 1048576;
	}
	CHECK(before_in_normal);
	/* The first page not from Normal comes from DMA32, once Normal's free
	 * pages reached its low watermark, or (ALLOC_NOFRAGMENT: Normal with a
	 * DMA32 zone below it first falls back by whole pageblocks only, in
	 * every zone) once Normal had no wholly free pageblock left to claim. */
	CHECK(first_other >= 4096 && first_other < 1048576);
	uint64_t whole = 0;
	for (unsigned o = k->pageblock_order; o <= k->max_order; o++)
		whole += nr_free(normal, o);
	CHECK(normal->nr_free_pages <= low_wmark_pages(normal) || whole == 0);
	for (size_t i = 0; i < n; i++)
		__free_pages(k, pages[i], 0);
	free(pages);
	CHECK(mm_check_invariants(k));
	mm_machine_destroy(m);
}

TEST(gfp_highuser_movable_prefers_highmem_on_i386)
{
	struct mm_machine *m = boot("i386", 2 * GB, 1);
	if (!m)
		return;
	struct mm_kernel *k = &m->k;
	/* 896M = pfn 229376 starts HighMem; 16M = pfn 4096 starts Normal. */
	CHECK_EQ(k->node.node_zones[ZONE_HIGHMEM].zone_start_pfn, 229376);
	CHECK_EQ(gfp_zone(k, GFP_HIGHUSER_MOVABLE), ZONE_MOVABLE);
	CHECK_EQ(gfp_zone(k, GFP_HIGHUSER), ZONE_HIGHMEM);
	CHECK_EQ(gfp_zone(k, GFP_DMA32), ZONE_NORMAL); /* no DMA32 on i386 */
	struct page *h = alloc_pages(k, GFP_HIGHUSER_MOVABLE, 0);
	struct page *n = alloc_pages(k, GFP_KERNEL, 0);
	struct page *d = alloc_pages(k, GFP_DMA, 0);
	CHECK(pfn(k, h) >= 229376);
	CHECK(pfn(k, n) >= 4096 && pfn(k, n) < 229376);
	CHECK(pfn(k, d) < 4096);
	__free_pages(k, h, 0);
	__free_pages(k, n, 0);
	__free_pages(k, d, 0);
	/* On x86_64 __GFP_HIGHMEM means Normal. */
	struct mm_machine *m2 = boot("x86_64", 128 * MB, 1);
	if (m2) {
		CHECK_EQ(gfp_zone(&m2->k, GFP_HIGHUSER), ZONE_NORMAL);
		CHECK_EQ(gfp_zone(&m2->k, GFP_DMA32), ZONE_DMA32);
		mm_machine_destroy(m2);
	}
	mm_machine_destroy(m);
}

/* ---- migrate types ----------------------------------------------------------------- */

/* Take every free block of the non-movable types so that zone z holds only
 * Movable free blocks (some boot allocations may have made others). */
static void pin_non_movable(struct mm_kernel *k, struct zone *z, gfp_t zone_gfp,
			    struct page **pinned, unsigned *orders, size_t *n, size_t cap)
{
	static const gfp_t type_gfp[] = { [MIGRATE_UNMOVABLE] = 0,
					  [MIGRATE_RECLAIMABLE] = __GFP_RECLAIMABLE };
	for (int mt = MIGRATE_UNMOVABLE; mt <= MIGRATE_RECLAIMABLE; mt += 2) {
		for (unsigned o = 0; o <= k->max_order; o++) {
			while (nr_free_mt(z, o, mt) && *n < cap) {
				struct page *p = alloc_pages_nopcp(k, zone_gfp | type_gfp[mt] | __GFP_NOWARN, o);
				if (!p)
					break;
				pinned[*n] = p;
				orders[(*n)++] = o;
			}
		}
	}
}

TEST(unmovable_claims_whole_movable_pageblocks)
{
	struct mm_machine *m = boot("x86_64", 1 * GB, 1);
	if (!m)
		return;
	struct mm_kernel *k = &m->k;
	struct zone *z = &k->node.node_zones[ZONE_DMA32];
	struct page *pinned[4096];
	unsigned orders[4096];
	size_t np = 0;
	drain_all_pages(k);
	pin_non_movable(k, z, GFP_KERNEL, pinned, orders, &np, 4096);
	for (unsigned o = 0; o <= 10; o++) {
		CHECK_EQ(nr_free_mt(z, o, MIGRATE_UNMOVABLE), 0);
		CHECK_EQ(nr_free_mt(z, o, MIGRATE_RECLAIMABLE), 0);
	}
	uint64_t unmov = count_blocks(z, MIGRATE_UNMOVABLE), mov = count_blocks(z, MIGRATE_MOVABLE);
	uint64_t rec = count_blocks(z, MIGRATE_RECLAIMABLE);
	uint64_t o10 = nr_free_mt(z, 10, MIGRATE_MOVABLE);
	CHECK(o10 > 0);

	/* An Unmovable order-0 allocation with no Unmovable free pages: the
	 * claim scan starts at order 10, finds a Movable order-10 block (>=
	 * pageblock_order 9, so wholly free) and takes it all: both its
	 * pageblocks become Unmovable and orders 9..0 of it go to the
	 * Unmovable lists. */
	struct page *u = alloc_pages_nopcp(k, GFP_KERNEL, 0);
	CHECK(u != NULL);
	CHECK_EQ(count_blocks(z, MIGRATE_UNMOVABLE), unmov + 2);
	CHECK_EQ(count_blocks(z, MIGRATE_MOVABLE), mov - 2);
	CHECK_EQ(nr_free_mt(z, 10, MIGRATE_MOVABLE), o10 - 1);
	for (unsigned o = 0; o <= 9; o++)
		CHECK_EQ(nr_free_mt(z, o, MIGRATE_UNMOVABLE), 1);

	/* Reclaimable falls back to {Unmovable, Movable}; the claim scan goes
	 * from the largest order down, and at order 10 only Movable has a
	 * block: two more pageblocks become Reclaimable, although Unmovable
	 * had smaller free blocks. */
	struct page *r = alloc_pages_nopcp(k, GFP_KERNEL | __GFP_RECLAIMABLE, 0);
	CHECK(r != NULL);
	CHECK_EQ(count_blocks(z, MIGRATE_RECLAIMABLE), rec + 2);
	CHECK_EQ(count_blocks(z, MIGRATE_MOVABLE), mov - 4);
	for (unsigned o = 0; o <= 9; o++)
		CHECK_EQ(nr_free_mt(z, o, MIGRATE_UNMOVABLE), 1);

	/* Movable takes from its own lists: no conversion. */
	struct page *mv = alloc_pages_nopcp(k, GFP_HIGHUSER_MOVABLE, 0);
	CHECK(mv != NULL);
	CHECK_EQ(count_blocks(z, MIGRATE_MOVABLE), mov - 4);

	free_pages_nopcp(k, mv, 0);
	free_pages_nopcp(k, r, 0);
	free_pages_nopcp(k, u, 0);
	for (size_t i = 0; i < np; i++)
		free_pages_nopcp(k, pinned[i], orders[i]);
	CHECK(mm_check_invariants(k));
	mm_machine_destroy(m);
}

TEST(partial_claim_and_watermark_boost)
{
	struct mm_machine *m = boot("x86_64", 128 * MB, 1);
	if (!m)
		return;
	struct mm_kernel *k = &m->k;
	struct zone *z = &k->node.node_zones[ZONE_DMA];
	const gfp_t MOV = GFP_DMA | __GFP_MOVABLE;

	struct page *p8 = alloc_pages_nopcp(k, GFP_DMA, 8);            /* 256 (Unmovable) */
	struct page *m8 = alloc_pages_nopcp(k, MOV, 8);                /* splits o9@512 */
	struct page *m10[3];
	for (int i = 0; i < 3; i++)
		m10[i] = alloc_pages_nopcp(k, MOV, 10);                /* 1024, 2048, 3072 */
	CHECK_EQ(pfn(k, p8), 256);
	CHECK_EQ(pfn(k, m8), 512);
	CHECK_EQ(pfn(k, m10[2]), 3072);
	/* Left: Movable o8@768, half of pageblock 1 (512-1023). */
	CHECK_ORDERS(z, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0);
	CHECK_EQ(nr_free_mt(z, 8, MIGRATE_MOVABLE), 1);

	/* Unmovable order 0: nothing Unmovable is free. The claim scan reaches
	 * order 8 (Unmovable always tries to claim). Pageblock 1 has 256 free
	 * pages, and the 256 allocated ones are not on the LRU, so they count
	 * as compatible: 256 + 256 >= 512 / 2, the block becomes Unmovable and
	 * o8@768 splits into 768 (ours) + orders 7..0 on the Unmovable lists. */
	struct page *u = alloc_pages_nopcp(k, GFP_DMA, 0);
	CHECK_EQ(pfn(k, u), 768);
	CHECK_EQ(get_pageblock_migratetype(z, 512), MIGRATE_UNMOVABLE);
	CHECK_ORDERS(z, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0);
	for (unsigned o = 0; o <= 7; o++)
		CHECK_EQ(nr_free_mt(z, o, MIGRATE_UNMOVABLE), 1);
	/* A partial claim boosts the watermark by a pageblock: 512 pages (the
	 * cap, 1.5 x high, is below 512 for DMA; 4 x 512 <= 3840 managed).
	 * GFP_DMA does not wake kswapd, so the boost stays... */
	CHECK_EQ(z->watermark_boost, 512);
	/* ...and blocks ordinary allocations: 255 free < low + 512. */
	CHECK(alloc_pages_nopcp(k, GFP_DMA | __GFP_NOWARN, 0) == NULL);
	/* An allocation that wakes kswapd gets the boost dropped and succeeds. */
	struct page *u2 = alloc_pages_nopcp(k, GFP_DMA | __GFP_KSWAPD_RECLAIM, 0);
	CHECK_EQ(pfn(k, u2), 769);
	CHECK_EQ(z->watermark_boost, 0);

	/* Freeing: pageblock 1 stays Unmovable, so 512-1023 merge there into
	 * o9@512 on the Unmovable list; [0,512) is reserved, no further merge. */
	free_pages_nopcp(k, u2, 0);
	free_pages_nopcp(k, u, 0);
	free_pages_nopcp(k, m8, 8);
	for (int i = 0; i < 3; i++)
		free_pages_nopcp(k, m10[i], 10);
	free_pages_nopcp(k, p8, 8);
	CHECK_ORDERS(z, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 3);
	CHECK_EQ(nr_free_mt(z, 9, MIGRATE_UNMOVABLE), 1);
	CHECK_EQ(nr_free_mt(z, 10, MIGRATE_MOVABLE), 3);
	CHECK(mm_check_invariants(k));
	mm_machine_destroy(m);
}

TEST(movable_steals_smallest_without_claiming)
{
	struct mm_machine *m = boot("x86_64", 128 * MB, 1);
	if (!m)
		return;
	struct mm_kernel *k = &m->k;
	struct zone *z = &k->node.node_zones[ZONE_DMA];
	const gfp_t MOV = GFP_DMA | __GFP_MOVABLE;
	/* Take all Movable blocks: o9@512 and 3 x o10. Left: Unmovable o8@256. */
	struct page *m9 = alloc_pages_nopcp(k, MOV, 9);
	struct page *m10[3];
	for (int i = 0; i < 3; i++)
		m10[i] = alloc_pages_nopcp(k, MOV, 10);
	CHECK_ORDERS(z, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0);
	/* Movable order 0 falls back to Unmovable's o8@256. The claim scan
	 * (orders 10 down to pageblock_order / 2 = 4 for Movable) tries order
	 * 8: a partial block, so the watermark is boosted first (512 pages),
	 * but pageblock 0 reaches outside the zone (pfn 0 is not DMA) and
	 * cannot be claimed. The scan stops at order 3; the steal then takes
	 * the smallest foreign block, o8@256, whose remainder keeps its
	 * Unmovable type: 256 out, 257..511 back as orders 0..7. */
	struct page *p = alloc_pages_nopcp(k, MOV, 0);
	CHECK_EQ(pfn(k, p), 256);
	CHECK_EQ(get_pageblock_migratetype(z, 256), MIGRATE_UNMOVABLE);
	for (unsigned o = 0; o <= 7; o++)
		CHECK_EQ(nr_free_mt(z, o, MIGRATE_UNMOVABLE), 1);
	CHECK_EQ(z->watermark_boost, 512);
	free_pages_nopcp(k, p, 0);
	free_pages_nopcp(k, m9, 9);
	for (int i = 0; i < 3; i++)
		free_pages_nopcp(k, m10[i], 10);
	CHECK_ORDERS(z, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 3);
	CHECK(mm_check_invariants(k));
	mm_machine_destroy(m);
}

TEST(cma_and_isolate_pageblocks)
{
	struct mm_machine *m = boot("x86_64", 128 * MB, 1);
	if (!m)
		return;
	struct mm_kernel *k = &m->k;
	struct zone *z = &k->node.node_zones[ZONE_DMA];
	/* The three order-10 blocks (pageblocks 2..7) become CMA; the o9 block
	 * at 512 (pageblock 1) is isolated. */
	CHECK_EQ(move_freepages_block(z, 1024, MIGRATE_CMA), 1024);
	CHECK_EQ(move_freepages_block(z, 2048, MIGRATE_CMA), 1024);
	CHECK_EQ(move_freepages_block(z, 3072 + 512, MIGRATE_CMA), 1024);
	CHECK_EQ(count_blocks(z, MIGRATE_CMA), 6);
	CHECK_EQ(move_freepages_block(z, 512, MIGRATE_ISOLATE), 512);
	CHECK_EQ(z->nr_free_cma, 3072);
	/* Isolated pages are not free in NR_FREE_PAGES: 256 + 3072. */
	CHECK_EQ(z->nr_free_pages, 3328);
	CHECK(mm_check_invariants(k));

	/* Movable: CMA holds 3072 > 3328 / 2 of the free pages, so it goes
	 * first: the first CMA order-10 block, pfn 1024. */
	struct page *mv = alloc_pages_nopcp(k, GFP_DMA | __GFP_MOVABLE, 0);
	CHECK_EQ(pfn(k, mv), 1024);
	free_pages_nopcp(k, mv, 0);
	/* Unmovable never gets CMA or isolated pages: only the 256 pages of
	 * o8@256 qualify, and its watermark check does not count CMA. */
	size_t n = 0;
	bool ok = true;
	struct page *pages[300];
	for (;;) {
		struct page *p = alloc_pages_nopcp(k, GFP_DMA | __GFP_NOWARN, 0);
		if (!p || n == 300)
			break;
		ok &= pfn(k, p) >= 256 && pfn(k, p) < 512;
		pages[n++] = p;
	}
	CHECK(ok);
	CHECK(n > 0 && n < 256);
	for (size_t i = 0; i < n; i++)
		free_pages_nopcp(k, pages[i], 0);
	/* Undo the isolation: its 512 pages count as free again. */
	CHECK_EQ(move_freepages_block(z, 512, MIGRATE_MOVABLE), 512);
	CHECK_EQ(z->nr_free_pages, 3840);
	CHECK(mm_check_invariants(k));
	mm_machine_destroy(m);
}

/*
 * A pageblock-order merge across a migratetype boundary: Linux's
 * __free_one_page lets two o9 halves merge only when both types are
 * mergeable (MOVABLE/UNMOVABLE/RECLAIMABLE); CMA is not. Take a free
 * movable o10 block (DMA after boot: o10 at 1024, 2048, 3072, o9 at 512),
 * turn its upper pageblock into CMA while it is allocated, free it: the
 * halves go back as two o9 blocks, one movable and one CMA, not one o10.
 *   before: o10 x3, o9 x1      after: o10 x2, o9 x3 (CMA o9 x1, 512 CMA pages)
 */
TEST(cma_half_does_not_merge_with_movable_half)
{
	struct mm_machine *m = boot("x86_64", 128 * MB, 1);
	if (!m)
		return;
	struct mm_kernel *k = &m->k;
	struct zone *z = &k->node.node_zones[ZONE_DMA];
	CHECK_EQ(nr_free(z, 10), 3);
	CHECK_EQ(nr_free(z, 9), 1);
	struct page *p = alloc_pages_nopcp(k, GFP_DMA | __GFP_MOVABLE, 10);
	CHECK(p != NULL);
	if (!p) {
		mm_machine_destroy(m);
		return;
	}
	mm_pfn_t base = pfn(k, p);
	CHECK(base == 1024 || base == 2048 || base == 3072);
	CHECK_EQ(nr_free(z, 10), 2);
	set_pageblock_migratetype(z, base + 512, MIGRATE_CMA);
	free_pages_nopcp(k, p, 10);
	CHECK_EQ(nr_free(z, 10), 2);
	CHECK_EQ(nr_free(z, 9), 3);
	CHECK_EQ(nr_free_mt(z, 9, MIGRATE_CMA), 1);
	CHECK_EQ(nr_free_mt(z, 9, MIGRATE_MOVABLE), 2);
	CHECK_EQ(z->nr_free_cma, 512);
	CHECK(mm_check_invariants(k));
	mm_machine_destroy(m);
}

TEST(highatomic_reserve)
{
	struct mm_machine *m = boot("x86_64", 1 * GB, 1);
	if (!m)
		return;
	struct mm_kernel *k = &m->k;
	struct zone *z = &k->node.node_zones[ZONE_DMA32];
	/* Reserves are made on the slow path only. Raise min_free_kbytes to 4K
	 * per lowmem page: each lowmem zone's min becomes its managed pages,
	 * low is above any free count, and the fast path fails everywhere.
	 * GFP_ATOMIC (__GFP_HIGH, no direct reclaim) may go down to 3/8 of
	 * min on the slow path, where order > 0 means ALLOC_HIGHATOMIC: the
	 * block's pageblock is set aside. ~250000 managed / 100 = 2500 >= 512,
	 * so up to ALIGN(2500, 512) = 2560 pages may be reserved; this is one
	 * pageblock, 512 pages. */
	uint64_t lowmem = k->node.node_zones[ZONE_DMA].managed_pages + z->managed_pages;
	int64_t kb = (int64_t)lowmem * 4;
	char err[128];
	CHECK_EQ(mm_sysctl_set(k, "vm.min_free_kbytes", &kb, 1, err, sizeof(err)), 0);
	CHECK_EQ(min_wmark_pages(z), z->managed_pages);
	struct page *a = alloc_pages(k, GFP_ATOMIC, 2);
	CHECK(a != NULL);
	CHECK_EQ(z->nr_reserved_highatomic, 512);
	CHECK_EQ(count_blocks(z, MIGRATE_HIGHATOMIC), 1);
	CHECK_EQ(get_pageblock_migratetype(z, pfn(k, a)), MIGRATE_HIGHATOMIC);
	__free_pages(k, a, 2);
	drain_all_pages(k);
	/* Its pages went home to the HighAtomic lists. */
	uint64_t ha = 0;
	for (unsigned o = 0; o <= 10; o++)
		ha += nr_free_mt(z, o, MIGRATE_HIGHATOMIC) << o;
	CHECK(ha > 0);
	CHECK(mm_check_invariants(k));
	mm_machine_destroy(m);
}

/* ---- flags, failure, refcounts ------------------------------------------------------ */

TEST(gfp_zero_and_comp)
{
	struct mm_machine *m = boot("x86_64", 128 * MB, 1);
	if (!m)
		return;
	struct mm_kernel *k = &m->k;
	struct page *p = alloc_pages(k, GFP_KERNEL, 0);
	memset(page_to_host(k, p), 0xab, 4096);
	__free_pages(k, p, 0);
	/* The pcp list is LIFO: the same frame comes back, zeroed. */
	struct page *q = alloc_pages(k, GFP_KERNEL | __GFP_ZERO, 0);
	CHECK(q == p);
	const unsigned char *b = page_to_host(k, q);
	bool zero = true;
	for (int i = 0; i < 4096; i++)
		zero &= b[i] == 0;
	CHECK(zero);
	CHECK_EQ(q->_refcount, 1);
	__free_pages(k, q, 0);

	/* Compound order 2: head PG_head with private = 2, tails PG_tail
	 * pointing at the head; only the head holds a reference. */
	struct page *c = alloc_pages(k, GFP_KERNEL | __GFP_COMP | __GFP_ZERO, 2);
	CHECK(PageFlag(c, PG_head));
	CHECK_EQ(c->private, 2);
	CHECK_EQ(c->_refcount, 1);
	for (int i = 1; i < 4; i++) {
		CHECK(PageFlag(&c[i], PG_tail));
		CHECK(c[i].mapping == c);
		CHECK_EQ(c[i]._refcount, 0);
	}
	b = page_to_host(k, c);
	zero = true;
	for (int i = 0; i < 4 * 4096; i++)
		zero &= b[i] == 0;
	CHECK(zero);
	__free_pages(k, c, 2);
	for (int i = 1; i < 4; i++) {
		CHECK(!PageFlag(&c[i], PG_tail));
		CHECK(c[i].mapping == NULL);
	}
	CHECK(mm_check_invariants(k));
	mm_machine_destroy(m);
}

TEST(refcounted_free)
{
	struct mm_machine *m = boot("x86_64", 128 * MB, 1);
	if (!m)
		return;
	struct mm_kernel *k = &m->k;
	struct zone *z = &k->node.node_zones[ZONE_DMA];
	const gfp_t MOV = GFP_DMA | __GFP_MOVABLE;
	/* Two references: the first free only drops one. */
	struct page *p = alloc_pages_nopcp(k, MOV, 0); /* 512: the smallest Movable block is o9@512 */
	CHECK_EQ(pfn(k, p), 512);
	p->_refcount++;
	free_pages_nopcp(k, p, 0);
	CHECK_EQ(p->_refcount, 1);
	CHECK_EQ(z->nr_free_pages, 3839);
	free_pages_nopcp(k, p, 0);
	CHECK_EQ(z->nr_free_pages, 3840);

	/* Linux's rule for a non-compound block whose first page is still
	 * referenced elsewhere: the rest is freed at once (an order-1 block at
	 * 514 and an order-0 at 513), the first page with its last ref. */
	struct page *q = alloc_pages_nopcp(k, MOV, 2); /* 512 again */
	CHECK_EQ(pfn(k, q), 512);
	q->_refcount++;
	free_pages_nopcp(k, q, 2);
	CHECK_EQ(z->nr_free_pages, 3839);
	CHECK_EQ(q->_refcount, 1);
	free_pages_nopcp(k, q, 0);
	CHECK_ORDERS(z, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 3);
	CHECK(mm_check_invariants(k));
	mm_machine_destroy(m);
}

TEST(failure_returns_null_and_warns)
{
	struct mm_machine *m = boot("x86_64", 128 * MB, 1);
	if (!m)
		return;
	struct mm_kernel *k = &m->k;
	/* DMA has three order-10 blocks: the fourth order-10 GFP_DMA request
	 * fails (768 free pages left, in orders 8 and 9). */
	struct page *b[3];
	for (int i = 0; i < 3; i++)
		b[i] = alloc_pages(k, GFP_DMA, 10);
	CHECK(b[0] && b[1] && b[2]);
	size_t mark = k->log.len;
	CHECK(alloc_pages(k, GFP_DMA, 10) == NULL);
	CHECK(k->last_error[0] != '\0');
	CHECK(log_contains(k, mark, "mmsim: page allocation failure: order:10, mode:0x1(GFP_DMA), "
				    "nodemask=(null)"));
	CHECK(log_contains(k, mark, "Mem-Info:"));
	CHECK(log_contains(k, mark, "Node 0 DMA free:3072kB"));
	CHECK(log_contains(k, mark, "Node 0 DMA: 0*4kB 0*8kB 0*16kB 0*32kB 0*64kB 0*128kB 0*256kB "
				    "0*512kB 1*1024kB (U) 1*2048kB (M) 0*4096kB = 3072kB"));
	/* Only zones up to the request's highest zone are shown. */
	CHECK(!log_contains(k, mark, "Node 0 DMA32 free:"));
	/* __GFP_NOWARN: no warning. */
	mark = k->log.len;
	CHECK(alloc_pages(k, GFP_DMA | __GFP_NOWARN, 10) == NULL);
	CHECK_EQ(k->log.len, mark);
	/* Orders above MAX_PAGE_ORDER fail at once. */
	CHECK(alloc_pages(k, GFP_KERNEL | __GFP_NOWARN, 11) == NULL);
	CHECK(strstr(k->last_error, "MAX_PAGE_ORDER") != NULL);
	/* No reclaim exists yet: nothing stalled. */
	CHECK_EQ(k->vm.item[VM_allocstall_dma] + k->vm.item[VM_allocstall_normal], 0);
	for (int i = 0; i < 3; i++)
		__free_pages(k, b[i], 10);
	mm_machine_destroy(m);
}

TEST(bad_frees_are_reported_not_fatal)
{
	struct mm_machine *m = boot("x86_64", 128 * MB, 1);
	if (!m)
		return;
	struct mm_kernel *k = &m->k;
	drain_all_pages(k);
	uint64_t free0 = global_free_pages(k);
	struct page *p = alloc_pages_nopcp(k, GFP_KERNEL, 0);
	free_pages_nopcp(k, p, 0);
	/* Double free: the refcount is already 0. */
	size_t mark = k->log.len;
	free_pages_nopcp(k, p, 0);
	CHECK(log_contains(k, mark, "BUG: Bad page state"));
	CHECK_EQ(global_free_pages(k), free0);
	/* An order-1 block is 2-aligned, so r + 1 is misaligned for order 1. */
	struct page *r = alloc_pages_nopcp(k, GFP_KERNEL, 1);
	free_pages_nopcp(k, r + 1, 1);
	CHECK(strstr(k->last_error, "aligned") != NULL);
	/* Not a descriptor of this machine; order above the maximum; NULL. */
	struct page fake;
	memset(&fake, 0, sizeof(fake));
	__free_pages(k, &fake, 0);
	CHECK(strstr(k->last_error, "not a struct page") != NULL);
	__free_pages(k, r, 11);
	CHECK(strstr(k->last_error, "MAX_PAGE_ORDER") != NULL);
	__free_pages(k, NULL, 0);
	CHECK_EQ(r->_refcount, 1);
	/* A mapped page is reported and leaked, not freed. */
	r->_mapcount = 1;
	mark = k->log.len;
	free_pages_nopcp(k, r, 1);
	CHECK(log_contains(k, mark, "nonzero mapcount"));
	CHECK_EQ(global_free_pages(k), free0 - 2);
	r->_mapcount = 0;
	r->_refcount = 1;
	free_pages_nopcp(k, r, 1);
	CHECK_EQ(global_free_pages(k), free0);
	CHECK(mm_check_invariants(k));
	mm_machine_destroy(m);
}

TEST(vmstat_counts_pages)
{
	struct mm_machine *m = boot("x86_64", 128 * MB, 1);
	if (!m)
		return;
	struct mm_kernel *k = &m->k;
	/* Boot freed every managed page: pgfree counted them (and any frees
	 * since). */
	CHECK(k->vm.item[VM_pgfree] >= k->totalram_pages);
	uint64_t a32 = k->vm.item[VM_pgalloc_dma32], adma = k->vm.item[VM_pgalloc_dma];
	uint64_t fr = k->vm.item[VM_pgfree];
	struct page *p = alloc_pages(k, GFP_KERNEL, 2);   /* 4 pages from DMA32 */
	struct page *d = alloc_pages(k, GFP_DMA, 0);      /* 1 page from DMA */
	CHECK_EQ(k->vm.item[VM_pgalloc_dma32] - a32, 4);
	CHECK_EQ(k->vm.item[VM_pgalloc_dma] - adma, 1);
	CHECK_EQ(k->vm.item[VM_pgalloc_movable], 0);
	__free_pages(k, p, 2);
	__free_pages(k, d, 0);
	CHECK_EQ(k->vm.item[VM_pgfree] - fr, 5);
	mm_machine_destroy(m);
}

TEST(toy_machine)
{
	struct mm_machine_config cfg;
	char err[256];
	mm_machine_config_default(&cfg);
	snprintf(cfg.arch, sizeof(cfg.arch), "toy");
	struct mm_machine *m = mm_machine_create(&cfg, err, sizeof(err));
	CHECK(m != NULL);
	if (!m)
		return;
	struct mm_kernel *k = &m->k;
	struct zone *z = &k->node.node_zones[ZONE_NORMAL];
	/* pa_bits 12, 64-byte pages: 64 frames, one order-6 block; 64 pages
	 * are fewer than 16 per pageblock x 6 types: grouping is off. */
	CHECK_EQ(z->managed_pages, 64);
	CHECK_EQ(k->max_order, 6);
	CHECK(k->page_group_by_mobility_disabled);
	CHECK_EQ(nr_free(z, 6), 1);
	CHECK_EQ(k->sysctl.min_free_kbytes, 0);
	CHECK_EQ(min_wmark_pages(z) + low_wmark_pages(z) + high_wmark_pages(z), 0);
	/* Zero watermarks: all 64 frames can be allocated, the 65th fails. */
	struct page *pages[64];
	int n = 0;
	while (n < 64 && (pages[n] = alloc_pages(k, GFP_HIGHUSER_MOVABLE | __GFP_NOWARN, 0)))
		n++;
	CHECK_EQ(n, 64);
	CHECK(alloc_pages(k, GFP_KERNEL | __GFP_NOWARN, 0) == NULL);
	for (int i = 0; i < n; i++)
		__free_pages(k, pages[i], 0);
	drain_all_pages(k);
	CHECK_EQ(nr_free(z, 6), 1);
	CHECK_EQ(count_blocks(z, MIGRATE_UNMOVABLE), z->nr_pageblocks);
	CHECK(mm_check_invariants(k));
	mm_machine_destroy(m);
}

TEST(checker_finds_corruption)
{
	struct mm_machine *m = boot("x86_64", 128 * MB, 1);
	if (!m)
		return;
	struct mm_kernel *k = &m->k;
	struct zone *z = &k->node.node_zones[ZONE_DMA];
	int saved = k->debug_checks;
	k->debug_checks = 0;
	CHECK(buddy_check_zone(k, z));
	printf("  (the mismatch reports below are expected)\n");
	/* The order-9 block at 512 claims order 8. */
	struct page *p = pfn_to_page(k, 512);
	p->private = 8;
	CHECK(!buddy_check_zone(k, z));
	p->private = 9;
	/* A counter drifts. */
	z->nr_free_pages++;
	CHECK(!buddy_check_zone(k, z));
	z->nr_free_pages--;
	/* A reserved frame inside a free block. */
	SetPageFlag(pfn_to_page(k, 600), PG_reserved);
	CHECK(!buddy_check_zone(k, z));
	ClearPageFlag(pfn_to_page(k, 600), PG_reserved);
	/* A stray PG_buddy inside a free block. */
	SetPageFlag(pfn_to_page(k, 1030), PG_buddy);
	CHECK(!buddy_check_zone(k, z));
	ClearPageFlag(pfn_to_page(k, 1030), PG_buddy);
	/* pcp count disagrees with its lists. */
	z->pcp[0].count += 1;
	CHECK(!buddy_check_zone(k, z));
	z->pcp[0].count -= 1;
	CHECK(buddy_check_zone(k, z));
	k->debug_checks = saved;
	mm_machine_destroy(m);
}

/* Random orders 0..10 and GFP types with a seed; every page is freed at the
 * end and the zones return to their state after a drain. */
TEST(random_stress)
{
	struct mm_machine *m = boot("x86_64", 256 * MB, 2);
	if (!m)
		return;
	struct mm_kernel *k = &m->k;
	static const gfp_t gfps[] = { GFP_KERNEL, GFP_HIGHUSER_MOVABLE, GFP_KERNEL | __GFP_RECLAIMABLE,
				      GFP_DMA, GFP_ATOMIC, GFP_KERNEL | __GFP_COMP };
	enum { SLOTS = 256 };
	struct page *slot[SLOTS] = { 0 };
	unsigned slot_order[SLOTS] = { 0 };
	uint64_t seed = 12345;
	drain_all_pages(k);
	uint64_t free0 = global_free_pages(k);
	int saved = k->debug_checks;
	k->debug_checks = 0; /* checked every 500 steps below instead */
	for (int step = 0; step < 20000; step++) {
		seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
		unsigned r = (unsigned)(seed >> 33);
		int i = (int)(r % SLOTS);
		unsigned cpu = (r >> 8) & 1;
		if (slot[i]) {
			if (r & 0x10000)
				free_pages_cpu(k, slot[i], slot_order[i], cpu);
			else
				free_pages_nopcp(k, slot[i], slot_order[i]);
			slot[i] = NULL;
		} else {
			unsigned order = (r >> 12) % 11;
			if (order > 3 && (r & 0x20000))
				order %= 4; /* mostly small */
			gfp_t gfp = gfps[(r >> 20) % MM_ARRAY_SIZE(gfps)] | __GFP_NOWARN;
			slot[i] = (r & 0x40000) ? alloc_pages_cpu(k, gfp, order, cpu)
						: alloc_pages_nopcp(k, gfp, order);
			slot_order[i] = order;
		}
		if (step % 500 == 0 && !mm_check_invariants(k)) {
			CHECK(!"invariants broken");
			break;
		}
	}
	for (int i = 0; i < SLOTS; i++)
		if (slot[i])
			__free_pages(k, slot[i], slot_order[i]);
	drain_all_pages(k);
	k->debug_checks = saved;
	CHECK(mm_check_invariants(k));
	CHECK_EQ(global_free_pages(k), free0);
	mm_machine_destroy(m);
}

int main(void)
{
	RUN(struct_page_layout);
	RUN(buddy_pfn_per_order);
	RUN(dma_zone_after_boot);
	RUN(split_and_merge_sequence);
	RUN(pcp_batch_refill_and_drain);
	RUN(pcp_high_order_and_two_cpus);
	RUN(gfp_dma_only_from_dma);
	RUN(gfp_kernel_falls_back_normal_to_dma32);
	RUN(gfp_highuser_movable_prefers_highmem_on_i386);
	RUN(unmovable_claims_whole_movable_pageblocks);
	RUN(partial_claim_and_watermark_boost);
	RUN(movable_steals_smallest_without_claiming);
	RUN(cma_and_isolate_pageblocks);
	RUN(cma_half_does_not_merge_with_movable_half);
	RUN(highatomic_reserve);
	RUN(gfp_zero_and_comp);
	RUN(refcounted_free);
	RUN(failure_returns_null_and_warns);
	RUN(bad_frees_are_reported_not_fatal);
	RUN(vmstat_counts_pages);
	RUN(toy_machine);
	RUN(checker_finds_corruption);
	RUN(random_stress);
	return test_summary();
}
