/*
 * pagetypeinfo.c - `show pagetypeinfo`: /proc/pagetypeinfo (mm/vmstat.c,
 * pagetypeinfo_show), the buddy lists split by migrate type.
 *
 *   Page block order: 9
 *   Pages per block:  512
 *
 *   Free pages count per migrate type at order       0      1 ...     10
 *   Node    0, zone      DMA, type    Unmovable      0      0 ...      0
 *   ...                        (one line per zone and migrate type)
 *
 *   Number of blocks type     Unmovable      Movable  Reclaimable ...
 *   Node 0, zone      DMA            1            7            0 ...
 *
 * The first table counts free blocks per order on each type's free list;
 * like Linux it stops counting at 100000 and then prints ">100000". The
 * second counts pageblocks by their migrate type, stepping through the zone
 * one pageblock at a time from zone_start_pfn as Linux does (so a zone that
 * starts at PFN 1 counts the block holding PFN 1 as its first).
 *
 * Types: Unmovable Movable Reclaimable HighAtomic CMA Isolate. Linux prints
 * the CMA column only with CONFIG_CMA; distro kernels enable it and mmsim
 * models CMA, so the column is always there.
 *
 * Fields: pagetypeinfo.<Zone>.<Type>.<order> (free blocks, exact even past
 * 100000), pagetypeinfo.<Zone>.blocks.<Type> (pageblocks), and
 * pagetypeinfo.page_block_order / pages_per_block.
 */
#include <stdio.h>

#include "mm/internal.h"
#include "proc/view.h"
#include "sim/machine.h"

/* Linux's migratetype_names, in enum migratetype order. */
static const char *const type_names[MIGRATE_TYPES] = {
	"Unmovable", "Movable", "Reclaimable", "HighAtomic", "CMA", "Isolate",
};

/* Linux caps the free-list walk at this many entries (it holds a lock). */
#define FREECOUNT_CAP 100000

static void show_free(struct view_out *o, const struct mm_kernel *k, const struct zone *z)
{
	for (int mt = 0; mt < MIGRATE_TYPES; mt++) {
		view_printf(o, "Node %4d, zone %8s, type %12s ", 0, z->name, type_names[mt]);
		for (unsigned order = 0; order <= k->max_order && order < NR_ORDERS_LIMIT; order++) {
			uint64_t n = z->free_area[order].nr_free_mt[mt];
			if (n >= FREECOUNT_CAP)
				view_printf(o, ">%6d ", FREECOUNT_CAP);
			else
				view_printf(o, "%6llu ", (unsigned long long)n);
			view_field_num(o, (int64_t)n, "%s.%s.%u", z->name, type_names[mt], order);
		}
		view_printf(o, "\n");
	}
}

static void show_blocks(struct view_out *o, const struct mm_kernel *k, const struct zone *z)
{
	uint64_t count[MIGRATE_TYPES] = { 0 };
	uint64_t step = 1ULL << k->pageblock_order;
	mm_pfn_t end = zone_end_pfn(z);
	for (mm_pfn_t pfn = z->zone_start_pfn; pfn < end; pfn += step) {
		if (!pfn_valid(k, pfn))
			continue;
		int mt = get_pageblock_migratetype(z, pfn);
		if (mt >= 0 && mt < MIGRATE_TYPES)
			count[mt]++;
	}
	view_printf(o, "Node %d, zone %8s ", 0, z->name);
	for (int mt = 0; mt < MIGRATE_TYPES; mt++) {
		view_printf(o, "%12llu ", (unsigned long long)count[mt]);
		view_field_num(o, (int64_t)count[mt], "%s.blocks.%s", z->name, type_names[mt]);
	}
	view_printf(o, "\n");
}

/* Render /proc/pagetypeinfo; 0, or -1 if given arguments. */
int view_pagetypeinfo(struct mm_machine *m, int argc, const char *const *argv,
		      struct view_out *o, char *err, size_t err_len)
{
	if (argc > 0) {
		snprintf(err, err_len, "takes no arguments");
		return -1;
	}
	const struct mm_kernel *k = &m->k;
	view_printf(o, "Page block order: %u\n", k->pageblock_order);
	view_printf(o, "Pages per block:  %llu\n", 1ULL << k->pageblock_order);
	view_printf(o, "\n");
	view_field_num(o, k->pageblock_order, "page_block_order");
	view_field_num(o, (int64_t)(1ULL << k->pageblock_order), "pages_per_block");

	view_printf(o, "%-43s ", "Free pages count per migrate type at order");
	for (unsigned order = 0; order <= k->max_order && order < NR_ORDERS_LIMIT; order++)
		view_printf(o, "%6u ", order);
	view_printf(o, "\n");
	for (int t = 0; t < MAX_NR_ZONES; t++) {
		const struct zone *z = &k->node.node_zones[t];
		if (zone_is_populated(z) && z->name)
			show_free(o, k, z);
	}

	view_printf(o, "\n%-23s", "Number of blocks type ");
	for (int mt = 0; mt < MIGRATE_TYPES; mt++)
		view_printf(o, "%12s ", type_names[mt]);
	view_printf(o, "\n");
	for (int t = 0; t < MAX_NR_ZONES; t++) {
		const struct zone *z = &k->node.node_zones[t];
		if (zone_is_populated(z) && z->name)
			show_blocks(o, k, z);
	}
	return 0;
}
