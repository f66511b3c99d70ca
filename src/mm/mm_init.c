/*
 * mm_init.c - sizing the zones at boot (the zone half of Linux's
 * mm/mm_init.c: free_area_init, memmap_init).
 *
 * The arch says where zones end (zone_end_pa[]); memblock says where RAM is.
 * Each zone runs from where the previous one ended to its limit, clipped to
 * the node (the span of memblock.memory):
 *
 *   x86_64 128M:  pfn 0   1                4096                     32768
 *                 | hole | DMA [1, 4096)   | DMA32 [4096, 32768)    | Normal: empty
 *   i386 2G:      | hole | DMA             | Normal ... 896M        | HighMem ... 2G
 *
 *   spanned  = end - start               (holes included)
 *   present  = frames of memblock.memory  (holes excluded)
 *   managed  = frames later handed to the buddy by __free_pages_core
 *              (present minus memblock reservations): 0 here
 *
 * memmap_init marks every pageblock that starts inside RAM Movable (one that
 * starts in a hole stays Unmovable, as on a PC: DMA's pageblock 0) and
 * reserves the frames of holes, printing Linux's "unavailable ranges" lines.
 * The pageblock types live in a host array per zone (freed by
 * free_area_fini); mem_map itself is left untouched except for holes, so a
 * large machine boots without touching its descriptors.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mm/internal.h"

static const char *const zone_name_table[MAX_NR_ZONES] = {
	"DMA", "DMA32", "Normal", "HighMem", "Movable",
};

/* Movable always exists (empty unless kernelcore= / movablecore= set it up). */
static inline bool zone_configured(const struct mm_kernel *k, int t)
{
	return t == ZONE_MOVABLE || k->arch->zone_exists[t];
}

/* "0x%016llx" as the kernel's %#018Lx prints it (with 0x even for zero). */
static const char *pa_str(char *buf, size_t len, uint64_t v)
{
	snprintf(buf, len, "0x%016llx", (unsigned long long)v);
	return buf;
}

static mm_pfn_t pfn_up(const struct mm_kernel *k, mm_pa_t pa)
{
	return (pa + k->page_size - 1) >> k->page_shift;
}

static mm_pfn_t pfn_down(const struct mm_kernel *k, mm_pa_t pa)
{
	return pa >> k->page_shift;
}

/* Frames of memblock.memory inside [start, end). */
static uint64_t memory_pages_in(const struct mm_kernel *k, mm_pfn_t start, mm_pfn_t end)
{
	uint64_t n = 0;
	const struct memblock_type *m = &k->memblock.memory;
	for (int i = 0; i < m->cnt; i++) {
		mm_pfn_t s = MM_MAX(pfn_up(k, m->regions[i].base), start);
		mm_pfn_t e = MM_MIN(pfn_down(k, m->regions[i].base + m->regions[i].size), end);
		if (e > s)
			n += e - s;
	}
	return n;
}

/* Frames in a hole get PG_reserved; Linux prints how many per zone. */
static void init_unavailable_range(struct mm_kernel *k, mm_pfn_t spfn, mm_pfn_t epfn, int zone)
{
	uint64_t n = 0;
	for (mm_pfn_t pfn = spfn; pfn < epfn && pfn < k->max_pfn; pfn++, n++)
		SetPageFlag(pfn_to_page(k, pfn), PG_reserved);
	if (n)
		printk(k, "On node 0, zone %s: %llu pages in unavailable ranges", zone_name_table[zone],
		       (unsigned long long)n);
}

/* Linux's memmap_init: every pageblock that starts inside RAM is Movable;
 * holes between RAM ranges are reserved. */
static void memmap_init(struct mm_kernel *k)
{
	const struct memblock_type *m = &k->memblock.memory;
	uint64_t pb = 1ULL << k->pageblock_order;
	mm_pfn_t hole_pfn = 0;
	for (int i = 0; i < m->cnt; i++) {
		mm_pfn_t rs = pfn_up(k, m->regions[i].base);
		mm_pfn_t re = MM_MIN(pfn_down(k, m->regions[i].base + m->regions[i].size), k->max_pfn);
		for (int t = 0; t < MAX_NR_ZONES; t++) {
			struct zone *z = &k->node.node_zones[t];
			if (!zone_is_populated(z))
				continue;
			mm_pfn_t s = MM_MIN(MM_MAX(rs, z->zone_start_pfn), zone_end_pfn(z));
			mm_pfn_t e = MM_MIN(MM_MAX(re, z->zone_start_pfn), zone_end_pfn(z));
			if (s >= e)
				continue;
			for (mm_pfn_t p = MM_ALIGN_UP(s, pb); p < e; p += pb)
				set_pageblock_migratetype(z, p, MIGRATE_MOVABLE);
			if (hole_pfn < s)
				init_unavailable_range(k, hole_pfn, s, t);
			hole_pfn = e;
		}
	}
}

static void per_cpu_pages_init(struct zone *z)
{
	for (int cpu = 0; cpu < MM_MAX_CPUS; cpu++) {
		struct per_cpu_pages *pcp = &z->pcp[cpu];
		memset(pcp, 0, sizeof(*pcp));
		for (int i = 0; i < NR_PCP_LISTS; i++)
			INIT_LIST_HEAD(&pcp->lists[i]);
		/* The boot pageset: every freed page goes straight back. */
		pcp->high = 0;
		pcp->batch = 1;
	}
}

static void zone_init_free_lists(struct zone *z)
{
	for (int o = 0; o < NR_ORDERS_LIMIT; o++) {
		struct free_area *area = &z->free_area[o];
		for (int mt = 0; mt < MIGRATE_TYPES; mt++)
			INIT_LIST_HEAD(&area->free_list[mt]);
		area->nr_free = 0;
		memset(area->nr_free_mt, 0, sizeof(area->nr_free_mt));
	}
}

/* Print the zone and node ranges as Linux's free_area_init does. */
static void print_zone_ranges(struct mm_kernel *k, const mm_pfn_t *lo, const mm_pfn_t *hi,
			      mm_pfn_t node_start, mm_pfn_t node_end)
{
	char a[24], b[24];
	printk(k, "Zone ranges:");
	for (int t = 0; t < MAX_NR_ZONES; t++) {
		if (t == ZONE_MOVABLE || !zone_configured(k, t))
			continue;
		if (lo[t] == hi[t])
			printk(k, "  %-8s empty", zone_name_table[t]);
		else
			printk(k, "  %-8s [mem %s-%s]", zone_name_table[t],
			       pa_str(a, sizeof(a), lo[t] << k->page_shift),
			       pa_str(b, sizeof(b), (hi[t] << k->page_shift) - 1));
	}
	printk(k, "Movable zone start for each node");
	printk(k, "Early memory node ranges");
	const struct memblock_type *m = &k->memblock.memory;
	for (int i = 0; i < m->cnt; i++) {
		mm_pfn_t s = pfn_up(k, m->regions[i].base);
		mm_pfn_t e = MM_MIN(pfn_down(k, m->regions[i].base + m->regions[i].size), k->max_pfn);
		if (e <= s)
			continue;
		printk(k, "  node %3d: [mem %s-%s]", 0, pa_str(a, sizeof(a), s << k->page_shift),
		       pa_str(b, sizeof(b), (e << k->page_shift) - 1));
	}
	printk(k, "Initmem setup node 0 [mem %s-%s]", pa_str(a, sizeof(a), node_start << k->page_shift),
	       pa_str(b, sizeof(b), node_end ? (node_end << k->page_shift) - 1 : 0));
}

int free_area_init(struct mm_kernel *k)
{
	struct pglist_data *node = &k->node;
	const struct memblock_type *m = &k->memblock.memory;
	mm_pfn_t node_start = k->max_pfn, node_end = 0;
	mm_pfn_t lo[MAX_NR_ZONES] = { 0 }, hi[MAX_NR_ZONES] = { 0 };
	uint64_t pb = 1ULL << k->pageblock_order;

	if (k->max_order >= NR_ORDERS_LIMIT || k->pageblock_order > k->max_order) {
		snprintf(k->last_error, sizeof(k->last_error),
			 "max_order %u / pageblock_order %u out of range", k->max_order,
			 k->pageblock_order);
		return -EINVAL;
	}
	for (int i = 0; i < m->cnt; i++) {
		mm_pfn_t s = pfn_up(k, m->regions[i].base);
		mm_pfn_t e = MM_MIN(pfn_down(k, m->regions[i].base + m->regions[i].size), k->max_pfn);
		if (e <= s)
			continue;
		node_start = MM_MIN(node_start, s);
		node_end = MM_MAX(node_end, e);
	}
	if (node_end == 0)
		node_start = 0;

	/* arch_zone_{lowest,highest}_possible_pfn: each zone from where the
	 * previous ended to its arch limit (or the end of RAM). */
	mm_pfn_t start = node_start;
	for (int t = 0; t < MAX_NR_ZONES; t++) {
		lo[t] = hi[t] = start;
		if (t == ZONE_MOVABLE || !zone_configured(k, t))
			continue;
		mm_pfn_t limit = MM_MIN(k->arch->zone_end_pa[t] >> k->page_shift, node_end);
		mm_pfn_t end = MM_MAX(limit, start);
		hi[t] = end;
		start = end;
	}
	print_zone_ranges(k, lo, hi, node_start, node_end);

	memset(node, 0, sizeof(*node));
	node->node_start_pfn = node_start;
	node->node_spanned_pages = node_end - node_start;
	for (int t = 0; t < MAX_NR_ZONES; t++) {
		struct zone *z = &node->node_zones[t];
		memset(z, 0, sizeof(*z));
		z->name = zone_name_table[t];
		z->type = (enum zone_type)t;
		z->k = k;
		zone_init_free_lists(z);
		per_cpu_pages_init(z);
		if (t == ZONE_MOVABLE || !zone_configured(k, t) || hi[t] <= lo[t])
			continue;
		z->zone_start_pfn = lo[t];
		z->spanned_pages = hi[t] - lo[t];
		z->present_pages = memory_pages_in(k, lo[t], hi[t]);
		node->node_present_pages += z->present_pages;
		if (z->present_pages)
			node->nr_zones = t + 1;
		z->nr_pageblocks = ((hi[t] + pb - 1) >> k->pageblock_order) -
				   (lo[t] >> k->pageblock_order);
		/* Zeroed: MIGRATE_UNMOVABLE until memmap_init says Movable. */
		z->pageblock_mt = calloc(z->nr_pageblocks, 1);
		if (!z->pageblock_mt) {
			snprintf(k->last_error, sizeof(k->last_error),
				 "out of host memory for %llu pageblock types",
				 (unsigned long long)z->nr_pageblocks);
			free_area_fini(k);
			return -ENOMEM;
		}
	}
	/* build_all_zonelists: below six pageblocks per migrate type there is
	 * nothing to group (managed pages are still the present ones then). */
	k->page_group_by_mobility_disabled = node->node_present_pages < pb * MIGRATE_TYPES;
	memmap_init(k);
	return 0;
}

void free_area_fini(struct mm_kernel *k)
{
	for (int t = 0; t < MAX_NR_ZONES; t++) {
		struct zone *z = &k->node.node_zones[t];
		free(z->pageblock_mt);
		z->pageblock_mt = NULL;
		z->nr_pageblocks = 0;
	}
}
