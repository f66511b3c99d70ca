/*
 * watermark_test.c - min_free_kbytes, zone watermarks, lowmem_reserve,
 * totalreserve_pages, per-CPU batch/high, the watermark check itself and
 * the vm.* sysctls, all against values worked out by hand from Linux's
 * formulas (mm/page_alloc.c, 6.x):
 *
 *   lowmem_kbytes    = sum(managed - high) over DMA..Normal * 4   (high = 0 at boot)
 *   min_free_kbytes  = clamp(int_sqrt(lowmem_kbytes * 16), 128, 262144)
 *   pages_min        = min_free_kbytes / 4
 *   tmp              = pages_min * managed / lowmem_pages
 *   min              = tmp                  (HighMem: clamp(managed/1024, 32, 128))
 *   step             = max(tmp / 4, managed * watermark_scale_factor / 10000)
 *   low, high, promo = min + step, min + 2 step, min + 3 step
 *   lowmem_reserve[j] = sum(managed of zones i+1..j) / ratio[i]
 *   totalreserve     = sum over zones of min(max(lowmem_reserve) + high, managed)
 *
 * Each machine is booted at its real size; the zones' managed counts are
 * then set to fixed, realistic values so that the arithmetic below does not
 * depend on how much the boot code reserves.
 */
#include <errno.h>
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

/* Pretend the zones manage these many pages and recompute everything as
 * at boot (watermarks zero, no user min_free_kbytes). The real counts are
 * saved in `saved` so that the machine can be put back. */
static void set_managed(struct mm_kernel *k, const uint64_t *managed, uint64_t *saved)
{
	for (int t = 0; t < MAX_NR_ZONES; t++) {
		struct zone *z = &k->node.node_zones[t];
		saved[t] = z->managed_pages;
		z->managed_pages = managed[t];
		memset(z->_watermark, 0, sizeof(z->_watermark));
		z->watermark_boost = 0;
	}
	k->sysctl.user_min_free_kbytes = -1;
	init_per_zone_wmark_min(k);
}

static void restore_managed(struct mm_kernel *k, const uint64_t *saved)
{
	for (int t = 0; t < MAX_NR_ZONES; t++)
		k->node.node_zones[t].managed_pages = saved[t];
}

static void check_wmarks(const struct zone *z, uint64_t min, uint64_t low, uint64_t high,
			 uint64_t promo)
{
	CHECK_EQ(z->_watermark[WMARK_MIN], min);
	CHECK_EQ(z->_watermark[WMARK_LOW], low);
	CHECK_EQ(z->_watermark[WMARK_HIGH], high);
	CHECK_EQ(z->_watermark[WMARK_PROMO], promo);
}

#define ZONE(k, t) (&(k)->node.node_zones[t])

TEST(x86_64_128M)
{
	struct mm_machine *m = boot("x86_64", 128 * MB, 1);
	if (!m)
		return;
	struct mm_kernel *k = &m->k;
	uint64_t saved[MAX_NR_ZONES];
	/* DMA 3840 (16M - the first 1M); DMA32 24124 (112M - 16M kernel - 1.8M
	 * mem_map - page tables); Normal empty. */
	const uint64_t managed[MAX_NR_ZONES] = { 3840, 24124, 0, 0, 0 };
	set_managed(k, managed, saved);
	/* lowmem 27964 pages = 111856 KB; x16 = 1789696; sqrt = 1337
	 * (1337^2 = 1787569 <= 1789696 < 1338^2 = 1790244). */
	CHECK_EQ(k->sysctl.min_free_kbytes, 1337);
	/* pages_min = 334. DMA: 334*3840/27964 = 45.8 -> 45; step max(11, 3) = 11. */
	check_wmarks(ZONE(k, ZONE_DMA), 45, 56, 67, 78);
	/* DMA32: 334*24124/27964 = 288.1 -> 288; step max(72, 24) = 72. */
	check_wmarks(ZONE(k, ZONE_DMA32), 288, 360, 432, 504);
	/* Movable (empty) still gets the highmem-style min clamp: 32. */
	check_wmarks(ZONE(k, ZONE_MOVABLE), 32, 32, 32, 32);
	/* DMA keeps 24124/256 = 94 pages from anything that could use DMA32. */
	CHECK_EQ(ZONE(k, ZONE_DMA)->lowmem_reserve[ZONE_DMA], 0);
	CHECK_EQ(ZONE(k, ZONE_DMA)->lowmem_reserve[ZONE_DMA32], 94);
	CHECK_EQ(ZONE(k, ZONE_DMA)->lowmem_reserve[ZONE_NORMAL], 94);
	CHECK_EQ(ZONE(k, ZONE_DMA)->lowmem_reserve[ZONE_MOVABLE], 94);
	CHECK_EQ(ZONE(k, ZONE_DMA32)->lowmem_reserve[ZONE_NORMAL], 0);
	/* totalreserve: DMA 94 + 67 = 161, DMA32 0 + 432; Movable's 32 is
	 * capped at its 0 managed pages: 593. */
	CHECK_EQ(k->totalreserve_pages, 593);
	/* nr_free_buffer_pages: (3840 - 67) + (24124 - 432) = 27465. */
	CHECK_EQ(nr_free_buffer_pages(k), 27465);
	/* pcp: DMA32 batch min(23, 256)/4 = 5 -> rounddown_pow_of_two(7) - 1 = 3;
	 * high_min = low 360, high_max = 24124 / 8 = 3015. */
	CHECK_EQ(ZONE(k, ZONE_DMA32)->pcp[0].batch, 3);
	CHECK_EQ(ZONE(k, ZONE_DMA32)->pcp[0].high_min, 360);
	CHECK_EQ(ZONE(k, ZONE_DMA32)->pcp[0].high_max, 3015);
	/* DMA: 3840 >> 10 = 3, /4 = 0 -> 1 -> 2^0 - 1 = 0 -> at least 1;
	 * high_min = max(56, 4 * 1) = 56; high_max = 3840 / 8 = 480. */
	CHECK_EQ(ZONE(k, ZONE_DMA)->pcp[0].batch, 1);
	CHECK_EQ(ZONE(k, ZONE_DMA)->pcp[0].high_min, 56);
	CHECK_EQ(ZONE(k, ZONE_DMA)->pcp[0].high_max, 480);
	restore_managed(k, saved);
	mm_machine_destroy(m);
}

TEST(x86_64_1G)
{
	struct mm_machine *m = boot("x86_64", 1 * GB, 1);
	if (!m)
		return;
	struct mm_kernel *k = &m->k;
	uint64_t saved[MAX_NR_ZONES];
	const uint64_t managed[MAX_NR_ZONES] = { 3840, 250000, 0, 0, 0 };
	set_managed(k, managed, saved);
	/* lowmem 253840 pages = 1015360 KB; x16 = 16245760; sqrt = 4030
	 * (4030^2 = 16240900, 4031^2 = 16248961). pages_min = 1007. */
	CHECK_EQ(k->sysctl.min_free_kbytes, 4030);
	/* DMA: 1007*3840/253840 = 15.2 -> 15; step max(3, 3) = 3. */
	check_wmarks(ZONE(k, ZONE_DMA), 15, 18, 21, 24);
	/* DMA32: 1007*250000/253840 = 991.8 -> 991; step max(247, 250) = 250:
	 * here the 0.1% scale factor wins. */
	check_wmarks(ZONE(k, ZONE_DMA32), 991, 1241, 1491, 1741);
	/* DMA: 250000/256 = 976; totalreserve (976 + 21) + 1491 = 2488. */
	CHECK_EQ(ZONE(k, ZONE_DMA)->lowmem_reserve[ZONE_DMA32], 976);
	CHECK_EQ(k->totalreserve_pages, 2488);
	/* batch: min(244, 256)/4 = 61 -> rounddown_pow_of_two(91) - 1 = 63. */
	CHECK_EQ(ZONE(k, ZONE_DMA32)->pcp[0].batch, 63);
	restore_managed(k, saved);
	mm_machine_destroy(m);
}

TEST(x86_64_4G)
{
	struct mm_machine *m = boot("x86_64", 4 * GB, 1);
	if (!m)
		return;
	struct mm_kernel *k = &m->k;
	uint64_t saved[MAX_NR_ZONES];
	/* 4G: everything above 16M is DMA32 (Normal starts at 4G, empty). */
	CHECK_EQ(ZONE(k, ZONE_NORMAL)->spanned_pages, 0);
	const uint64_t managed[MAX_NR_ZONES] = { 3840, 1026000, 0, 0, 0 };
	set_managed(k, managed, saved);
	/* lowmem 1029840 = 4119360 KB; x16 = 65909760; sqrt = 8118
	 * (8118^2 = 65901924, 8119^2 = 65918161). pages_min = 2029. */
	CHECK_EQ(k->sysctl.min_free_kbytes, 8118);
	/* DMA: 2029*3840/1029840 = 7.6 -> 7; step max(1, 3) = 3. */
	check_wmarks(ZONE(k, ZONE_DMA), 7, 10, 13, 16);
	/* DMA32: 2029*1026000/1029840 = 2021.4 -> 2021; step max(505, 1026) = 1026. */
	check_wmarks(ZONE(k, ZONE_DMA32), 2021, 3047, 4073, 5099);
	/* DMA: 1026000/256 = 4007; 4007 + 13 > 3840 managed, so DMA counts
	 * 3840; totalreserve 3840 + 4073 = 7913. */
	CHECK_EQ(ZONE(k, ZONE_DMA)->lowmem_reserve[ZONE_DMA32], 4007);
	CHECK_EQ(k->totalreserve_pages, 7913);
	restore_managed(k, saved);
	mm_machine_destroy(m);
}

TEST(x86_64_16G_two_cpus)
{
	struct mm_machine *m = boot("x86_64", 16 * GB, 2);
	if (!m)
		return;
	struct mm_kernel *k = &m->k;
	uint64_t saved[MAX_NR_ZONES];
	/* DMA32: 4G - 16M = 1044480 pages less 16M of kernel image;
	 * Normal: 12G = 3145728 less 224M of mem_map and page tables. */
	const uint64_t managed[MAX_NR_ZONES] = { 3840, 1040384, 3088380, 0, 0 };
	set_managed(k, managed, saved);
	/* lowmem 4132604 = 16530416 KB; x16 = 264486656; sqrt = 16263
	 * (16263^2 = 264485169, 16264^2 = 264517696). pages_min = 4065. */
	CHECK_EQ(k->sysctl.min_free_kbytes, 16263);
	/* DMA: 4065*3840/4132604 = 3.8 -> 3; step max(0, 3) = 3. */
	check_wmarks(ZONE(k, ZONE_DMA), 3, 6, 9, 12);
	/* DMA32: 4065*1040384/4132604 = 1023.4 -> 1023; step max(255, 1040) = 1040. */
	check_wmarks(ZONE(k, ZONE_DMA32), 1023, 2063, 3103, 4143);
	/* Normal: 4065*3088380/4132604 = 3037.8 -> 3037; step max(759, 3088) = 3088. */
	check_wmarks(ZONE(k, ZONE_NORMAL), 3037, 6125, 9213, 12301);
	/* DMA: 1040384/256 = 4064 for DMA32 users, (1040384 + 3088380)/256 =
	 * 16127 for Normal users; DMA32: 3088380/256 = 12063. */
	CHECK_EQ(ZONE(k, ZONE_DMA)->lowmem_reserve[ZONE_DMA32], 4064);
	CHECK_EQ(ZONE(k, ZONE_DMA)->lowmem_reserve[ZONE_NORMAL], 16127);
	CHECK_EQ(ZONE(k, ZONE_DMA32)->lowmem_reserve[ZONE_NORMAL], 12063);
	CHECK_EQ(ZONE(k, ZONE_NORMAL)->lowmem_reserve[ZONE_MOVABLE], 0);
	/* totalreserve: DMA min(16127 + 9, 3840) = 3840; DMA32 12063 + 3103 =
	 * 15166; Normal 9213: 28219. */
	CHECK_EQ(k->totalreserve_pages, 28219);
	/* pcp with 2 CPUs. Normal: batch min(3016, 256)/4 = 64 -> 127 -> 63;
	 * high_min 6125 / 2 = 3062; high_max 3088380 / 8 = 386047, / 2 = 193023.
	 * DMA32: high_min 2063 / 2 = 1031; high_max 130048 / 2 = 65024.
	 * DMA: batch 1; high_min max(6 / 2, 4) = 4; high_max 480 / 2 = 240. */
	const struct per_cpu_pages *n = &ZONE(k, ZONE_NORMAL)->pcp[1];
	CHECK_EQ(n->batch, 63);
	CHECK_EQ(n->high_min, 3062);
	CHECK_EQ(n->high_max, 193023);
	CHECK_EQ(ZONE(k, ZONE_DMA32)->pcp[0].high_min, 1031);
	CHECK_EQ(ZONE(k, ZONE_DMA32)->pcp[0].high_max, 65024);
	CHECK_EQ(ZONE(k, ZONE_DMA)->pcp[0].batch, 1);
	CHECK_EQ(ZONE(k, ZONE_DMA)->pcp[0].high_min, 4);
	CHECK_EQ(ZONE(k, ZONE_DMA)->pcp[0].high_max, 240);
	restore_managed(k, saved);
	mm_machine_destroy(m);
}

TEST(i386_2G_with_highmem)
{
	struct mm_machine *m = boot("i386", 2 * GB, 1);
	if (!m)
		return;
	struct mm_kernel *k = &m->k;
	uint64_t saved[MAX_NR_ZONES];
	/* Normal 16M..896M = 225280 pages less kernel and mem_map;
	 * HighMem 896M..2G = 294912 pages, all free. */
	const uint64_t managed[MAX_NR_ZONES] = { 3840, 0, 216062, 294912, 0 };
	set_managed(k, managed, saved);
	/* Lowmem excludes HighMem: 219902 pages = 879608 KB; x16 = 14073728;
	 * sqrt = 3751 (3751^2 = 14070001, 3752^2 = 14077504). pages_min = 937. */
	CHECK_EQ(k->sysctl.min_free_kbytes, 3751);
	/* DMA: 937*3840/219902 = 16.4 -> 16; step max(4, 3) = 4. */
	check_wmarks(ZONE(k, ZONE_DMA), 16, 20, 24, 28);
	/* Normal: 937*216062/219902 = 920.6 -> 920; step max(230, 216) = 230. */
	check_wmarks(ZONE(k, ZONE_NORMAL), 920, 1150, 1380, 1610);
	/* HighMem: min = clamp(294912/1024 = 288, 32, 128) = 128; the step
	 * still uses tmp = 937*294912/219902 = 1256.6 -> 1256: max(314, 294). */
	check_wmarks(ZONE(k, ZONE_HIGHMEM), 128, 442, 756, 1070);
	/* Ratios DMA 256, Normal 32, HighMem 0:
	 * DMA: 216062/256 = 843 (Normal), 510974/256 = 1995 (HighMem);
	 * Normal: 294912/32 = 9216; HighMem: ratio 0, no reserve. */
	CHECK_EQ(ZONE(k, ZONE_DMA)->lowmem_reserve[ZONE_NORMAL], 843);
	CHECK_EQ(ZONE(k, ZONE_DMA)->lowmem_reserve[ZONE_HIGHMEM], 1995);
	CHECK_EQ(ZONE(k, ZONE_NORMAL)->lowmem_reserve[ZONE_HIGHMEM], 9216);
	CHECK_EQ(ZONE(k, ZONE_NORMAL)->lowmem_reserve[ZONE_MOVABLE], 9216);
	CHECK_EQ(ZONE(k, ZONE_HIGHMEM)->lowmem_reserve[ZONE_MOVABLE], 0);
	/* totalreserve: DMA 1995 + 24 = 2019; Normal 9216 + 1380 = 10596;
	 * HighMem 756: 13371. */
	CHECK_EQ(k->totalreserve_pages, 13371);
	/* GFP_USER stops at Normal: (3840 - 24) + (216062 - 1380) = 218498. */
	CHECK_EQ(nr_free_buffer_pages(k), 218498);
	restore_managed(k, saved);
	mm_machine_destroy(m);
}

TEST(toy_runs_without_reserves)
{
	struct mm_machine *m = boot("toy", 0, 1);
	if (!m)
		return;
	struct mm_kernel *k = &m->k;
	struct zone *z = ZONE(k, ZONE_NORMAL);
	/* min_free_kbytes stays 0 (128 KB would be 32 times the whole 4 KB
	 * of RAM); step = 64 * 10 / 10000 = 0. */
	CHECK_EQ(k->sysctl.min_free_kbytes, 0);
	check_wmarks(z, 0, 0, 0, 0);
	CHECK_EQ(k->totalreserve_pages, 0);
	/* The user may still ask for a reserve: 1 KB = 16 pages of 64 bytes;
	 * the only lowmem zone takes all of it; step max(16/4, 0) = 4. */
	int64_t one = 1;
	char err[128];
	CHECK_EQ(mm_sysctl_set(k, "vm.min_free_kbytes", &one, 1, err, sizeof(err)), 0);
	check_wmarks(z, 16, 20, 24, 28);
	/* lowmem_reserve_ratio has two entries here: Normal, Movable. */
	int64_t v[8];
	CHECK_EQ(mm_sysctl_get(k, "vm.lowmem_reserve_ratio", v, 8, err, sizeof(err)), 2);
	CHECK_EQ(v[0], 32);
	CHECK_EQ(v[1], 0);
	mm_machine_destroy(m);
}

/* ---- the watermark check -------------------------------------------------------- */

TEST(watermark_ok_reserves)
{
	struct mm_machine *m = boot("x86_64", 128 * MB, 1);
	if (!m)
		return;
	struct mm_kernel *k = &m->k;
	struct zone *z = ZONE(k, ZONE_DMA32);
	drain_all_pages(k);
	int64_t F = (int64_t)z->nr_free_pages;
	CHECK(F > 100);
	/* Order 0 passes while free > mark (+ lowmem_reserve, 0 for itself). */
	CHECK(!zone_watermark_ok(z, 0, (uint64_t)F, ZONE_DMA32, 0));
	CHECK(zone_watermark_ok(z, 0, (uint64_t)F - 1, ZONE_DMA32, 0));
	/* __GFP_HIGH (ALLOC_MIN_RESERVE): min - min/2. mark 2F-1 -> F: fails;
	 * mark 2F-2 -> F-1: passes. */
	CHECK(!zone_watermark_ok(z, 0, (uint64_t)(2 * F - 1), ZONE_DMA32, ALLOC_MIN_RESERVE));
	CHECK(zone_watermark_ok(z, 0, (uint64_t)(2 * F - 2), ZONE_DMA32, ALLOC_MIN_RESERVE));
	/* GFP_ATOMIC also cannot block: another quarter off. mark 2F -> F ->
	 * F - F/4 < F: passes where __GFP_HIGH alone (F) fails. */
	CHECK(!zone_watermark_ok(z, 0, (uint64_t)(2 * F), ZONE_DMA32, ALLOC_MIN_RESERVE));
	CHECK(zone_watermark_ok(z, 0, (uint64_t)(2 * F), ZONE_DMA32,
				ALLOC_MIN_RESERVE | ALLOC_NON_BLOCK));
	/* ALLOC_NON_BLOCK alone (GFP_NOWAIT) gets no discount. */
	CHECK(!zone_watermark_ok(z, 0, (uint64_t)F, ZONE_DMA32, ALLOC_NON_BLOCK));

	/* lowmem_reserve: DMA keeps DMA32's managed / 256 from DMA32 users. */
	struct zone *dma = ZONE(k, ZONE_DMA);
	int64_t D = (int64_t)dma->nr_free_pages, R = dma->lowmem_reserve[ZONE_DMA32];
	CHECK(R > 0);
	CHECK(zone_watermark_ok(dma, 0, (uint64_t)(D - R), ZONE_DMA, 0));
	CHECK(!zone_watermark_ok(dma, 0, (uint64_t)(D - R), ZONE_DMA32, 0));
	CHECK(zone_watermark_ok(dma, 0, (uint64_t)(D - R - 1), ZONE_DMA32, 0));

	/* High orders need a free block of that order too. DMA's order-10
	 * blocks become CMA: an order-10 request that may not use CMA finds
	 * 3840 - 1023 - 3072 < 0 usable pages; with ALLOC_CMA 2817 are usable
	 * and the CMA list has an order-10 block. */
	CHECK(zone_watermark_ok(dma, 10, 0, ZONE_DMA, 0));
	for (mm_pfn_t p = 1024; p < 4096; p += 1024)
		CHECK_EQ(move_freepages_block(dma, p, MIGRATE_CMA), 1024);
	CHECK(!zone_watermark_ok(dma, 10, 0, ZONE_DMA, 0));
	CHECK(zone_watermark_ok(dma, 10, 0, ZONE_DMA, ALLOC_CMA));
	/* Order 9: 3840 - 511 - 3072 = 257 usable pages, and the Movable
	 * o9@512 is a block it may use. */
	CHECK(zone_watermark_ok(dma, 9, 0, ZONE_DMA, 0));
	mm_machine_destroy(m);
}

TEST(mem_available)
{
	struct mm_machine *m = boot("x86_64", 128 * MB, 1);
	if (!m)
		return;
	struct mm_kernel *k = &m->k;
	uint64_t saved[MAX_NR_ZONES];
	const uint64_t managed[MAX_NR_ZONES] = { 3840, 24124, 0, 0, 0 };
	set_managed(k, managed, saved);
	uint64_t free = global_free_pages(k);
	/* MemAvailable = free - totalreserve (593, see x86_64_128M) + page
	 * cache and reclaimable slab beyond half of each (or the low marks). */
	k->nr_slab_reclaimable = 0;
	CHECK_EQ(si_mem_available(k), free - 593);
	/* 1000 reclaimable slab pages; the low marks sum to 56 + 360 + 32
	 * (Movable) = 448 < 500: 1000 - 448 = 552 count. */
	k->nr_slab_reclaimable = 1000;
	CHECK_EQ(si_mem_available(k), free - 593 + 552);
	k->nr_slab_reclaimable = 0;
	restore_managed(k, saved);
	mm_machine_destroy(m);
}

/* ---- sysctls ------------------------------------------------------------------------ */

TEST(sysctl_min_free_kbytes_and_scale_factor)
{
	struct mm_machine *m = boot("x86_64", 128 * MB, 1);
	if (!m)
		return;
	struct mm_kernel *k = &m->k;
	uint64_t saved[MAX_NR_ZONES];
	const uint64_t managed[MAX_NR_ZONES] = { 3840, 24124, 0, 0, 0 };
	set_managed(k, managed, saved);
	char err[128];
	int64_t v = 4096;
	/* pages_min 1024. DMA: 1024*3840/27964 = 140.6 -> 140, step max(35, 3);
	 * DMA32: 1024*24124/27964 = 883.4 -> 883, step max(220, 24). */
	CHECK_EQ(mm_sysctl_set(k, "vm.min_free_kbytes", &v, 1, err, sizeof(err)), 0);
	CHECK_EQ(k->sysctl.user_min_free_kbytes, 4096);
	check_wmarks(ZONE(k, ZONE_DMA), 140, 175, 210, 245);
	check_wmarks(ZONE(k, ZONE_DMA32), 883, 1103, 1323, 1543);
	/* pcp high follows low. */
	CHECK_EQ(ZONE(k, ZONE_DMA32)->pcp[0].high_min, 1103);
	/* A later recompute keeps the user's value: lowmem is now
	 * (3840 - 210) + (24124 - 1323) = 26431 pages = 105724 KB, x16 =
	 * 1691584, sqrt 1300 < 4096. */
	size_t mark = k->log.len;
	init_per_zone_wmark_min(k);
	CHECK_EQ(k->sysctl.min_free_kbytes, 4096);
	CHECK(strstr(k->log.buf + mark, "min_free_kbytes is not updated to 1300 because user "
					"defined value 4096 is preferred") != NULL);
	/* watermark_scale_factor 1000 (10%): DMA32 step max(220, 2412) = 2412;
	 * DMA step max(35, 384) = 384. */
	v = 1000;
	CHECK_EQ(mm_sysctl_set(k, "vm.watermark_scale_factor", &v, 1, err, sizeof(err)), 0);
	check_wmarks(ZONE(k, ZONE_DMA32), 883, 3295, 5707, 8119);
	check_wmarks(ZONE(k, ZONE_DMA), 140, 524, 908, 1292);
	/* Ranges as Linux's handlers check them. */
	v = -1;
	CHECK_EQ(mm_sysctl_set(k, "vm.min_free_kbytes", &v, 1, err, sizeof(err)), -EINVAL);
	CHECK(err[0] != '\0');
	v = 0;
	CHECK_EQ(mm_sysctl_set(k, "vm.watermark_scale_factor", &v, 1, err, sizeof(err)), -EINVAL);
	v = 3001;
	CHECK_EQ(mm_sysctl_set(k, "vm.watermark_scale_factor", &v, 1, err, sizeof(err)), -EINVAL);
	v = 3000;
	CHECK_EQ(mm_sysctl_set(k, "vm.watermark_scale_factor", &v, 1, err, sizeof(err)), 0);
	v = 1LL << 40;
	CHECK_EQ(mm_sysctl_set(k, "vm.min_free_kbytes", &v, 1, err, sizeof(err)), -EINVAL);
	int64_t got[4];
	CHECK_EQ(mm_sysctl_get(k, "vm.watermark_scale_factor", got, 4, err, sizeof(err)), 1);
	CHECK_EQ(got[0], 3000);
	CHECK_EQ(mm_sysctl_set(k, "vm.no_such_thing", &v, 1, err, sizeof(err)), -ENOENT);
	CHECK_EQ(mm_sysctl_get(k, "vm.no_such_thing", got, 4, err, sizeof(err)), -ENOENT);
	restore_managed(k, saved);
	mm_machine_destroy(m);
}

TEST(sysctl_lowmem_reserve_ratio)
{
	struct mm_machine *m = boot("x86_64", 128 * MB, 1);
	if (!m)
		return;
	struct mm_kernel *k = &m->k;
	uint64_t saved[MAX_NR_ZONES];
	const uint64_t managed[MAX_NR_ZONES] = { 3840, 24124, 0, 0, 0 };
	set_managed(k, managed, saved);
	char err[128];
	int64_t got[8];
	/* x86_64 lists DMA DMA32 Normal Movable Device, as /proc shows. */
	CHECK_EQ(mm_sysctl_get(k, "vm.lowmem_reserve_ratio", got, 8, err, sizeof(err)), 5);
	CHECK_EQ(got[0], 256);
	CHECK_EQ(got[1], 256);
	CHECK_EQ(got[2], 32);
	CHECK_EQ(got[3], 0);
	CHECK_EQ(got[4], 0);
	/* DMA ratio 128: 24124/128 = 188. */
	const int64_t r1[5] = { 128, 128, 16, 0, 0 };
	CHECK_EQ(mm_sysctl_set(k, "vm.lowmem_reserve_ratio", r1, 5, err, sizeof(err)), 0);
	CHECK_EQ(ZONE(k, ZONE_DMA)->lowmem_reserve[ZONE_DMA32], 188);
	/* totalreserve follows: DMA 188 + 67, DMA32 432: 687. */
	CHECK_EQ(k->totalreserve_pages, 687);
	/* Ratios below 1 mean no reserve. */
	const int64_t r2[1] = { -5 };
	CHECK_EQ(mm_sysctl_set(k, "vm.lowmem_reserve_ratio", r2, 1, err, sizeof(err)), 0);
	CHECK_EQ(k->sysctl.lowmem_reserve_ratio[ZONE_DMA], 0);
	CHECK_EQ(ZONE(k, ZONE_DMA)->lowmem_reserve[ZONE_DMA32], 0);
	const int64_t bad[1] = { 1LL << 33 };
	CHECK_EQ(mm_sysctl_set(k, "vm.lowmem_reserve_ratio", bad, 1, err, sizeof(err)), -EINVAL);
	restore_managed(k, saved);
	mm_machine_destroy(m);

	/* i386: DMA Normal HighMem Movable (no ZONE_DEVICE on 32-bit). */
	m = boot("i386", 256 * MB, 1);
	if (!m)
		return;
	CHECK_EQ(mm_sysctl_get(&m->k, "vm.lowmem_reserve_ratio", got, 8, err, sizeof(err)), 4);
	CHECK_EQ(got[0], 256);
	CHECK_EQ(got[1], 32);
	CHECK_EQ(got[2], 0);
	mm_machine_destroy(m);
}

TEST(sysctl_percpu_pagelist_high_fraction)
{
	struct mm_machine *m = boot("x86_64", 128 * MB, 1);
	if (!m)
		return;
	struct mm_kernel *k = &m->k;
	uint64_t saved[MAX_NR_ZONES];
	const uint64_t managed[MAX_NR_ZONES] = { 3840, 24124, 0, 0, 0 };
	set_managed(k, managed, saved);
	char err[128];
	int64_t v = 7;
	CHECK_EQ(mm_sysctl_set(k, "vm.percpu_pagelist_high_fraction", &v, 1, err, sizeof(err)),
		 -EINVAL);
	/* Fraction 8: high = 24124 / 8 = 3015 for both min and max. */
	v = 8;
	CHECK_EQ(mm_sysctl_set(k, "vm.percpu_pagelist_high_fraction", &v, 1, err, sizeof(err)), 0);
	CHECK_EQ(ZONE(k, ZONE_DMA32)->pcp[0].high_min, 3015);
	CHECK_EQ(ZONE(k, ZONE_DMA32)->pcp[0].high_max, 3015);
	/* Back to automatic: high_min = low = 360. */
	v = 0;
	CHECK_EQ(mm_sysctl_set(k, "vm.percpu_pagelist_high_fraction", &v, 1, err, sizeof(err)), 0);
	CHECK_EQ(ZONE(k, ZONE_DMA32)->pcp[0].high_min, 360);
	v = 0;
	CHECK_EQ(mm_sysctl_set(k, "vm.watermark_boost_factor", &v, 1, err, sizeof(err)), 0);
	CHECK_EQ(k->sysctl.watermark_boost_factor, 0);
	restore_managed(k, saved);
	mm_machine_destroy(m);
}

int main(void)
{
	RUN(x86_64_128M);
	RUN(x86_64_1G);
	RUN(x86_64_4G);
	RUN(x86_64_16G_two_cpus);
	RUN(i386_2G_with_highmem);
	RUN(toy_runs_without_reserves);
	RUN(watermark_ok_reserves);
	RUN(mem_available);
	RUN(sysctl_min_free_kbytes_and_scale_factor);
	RUN(sysctl_lowmem_reserve_ratio);
	RUN(sysctl_percpu_pagelist_high_fraction);
	return test_summary();
}
