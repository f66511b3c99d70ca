/*
 * show_mem.c - the memory report Linux prints when an allocation fails
 * (mm/show_mem.c's __show_mem), into the kernel log:
 *
 *   Mem-Info:
 *   active_anon:0 inactive_anon:0 isolated_anon:0          <- node totals, pages
 *    active_file:0 ...
 *    free:3712 free_pcp:62 free_cma:0
 *   Node 0 active_anon:0kB ... all_unreclaimable? no
 *   Node 0 DMA free:15360kB boost:0kB min:272kB low:340kB high:408kB ...
 *   lowmem_reserve[]: 0 2961 2961 2961 2961
 *   Node 0 DMA: 0*4kB 0*8kB ... 3*4096kB (M) = 15360kB      <- free lists
 *   32766 pages RAM
 *   ...
 *
 * Only zones up to the failed allocation's highest zone are shown, as in
 * Linux. The LRU, dirty and mlock figures are counted from the page flags
 * of each zone (Linux keeps counters); layers that do not exist yet show 0.
 */
#include <stdio.h>
#include <string.h>

#include "include/strbuf.h"
#include "mm/internal.h"

struct zone_lru {
	uint64_t active_anon, inactive_anon, active_file, inactive_file;
	uint64_t unevictable, dirty, writeback, mlocked;
};

static uint64_t block_pages(const struct mm_kernel *k, const struct page *p)
{
	if ((PageFlag(p, PG_buddy) || PageFlag(p, PG_pcp) || PageFlag(p, PG_head)) &&
	    p->private <= k->max_order)
		return 1ULL << p->private;
	return 1;
}

static void zone_lru_count(const struct mm_kernel *k, const struct zone *z, struct zone_lru *c)
{
	memset(c, 0, sizeof(*c));
	mm_pfn_t end = MM_MIN(zone_end_pfn(z), k->max_pfn);
	for (mm_pfn_t pfn = z->zone_start_pfn; pfn < end;) {
		const struct page *p = pfn_to_page(k, pfn);
		uint64_t nr = block_pages(k, p);
		if (!PageFlag(p, PG_buddy) && !PageFlag(p, PG_pcp)) {
			bool file = !PageFlag(p, PG_swapbacked);
			if (PageFlag(p, PG_lru)) {
				if (PageFlag(p, PG_unevictable))
					c->unevictable += nr;
				else if (file)
					*(PageFlag(p, PG_active) ? &c->active_file : &c->inactive_file) += nr;
				else
					*(PageFlag(p, PG_active) ? &c->active_anon : &c->inactive_anon) += nr;
			}
			if (PageFlag(p, PG_dirty))
				c->dirty += nr;
			if (PageFlag(p, PG_writeback))
				c->writeback += nr;
			if (PageFlag(p, PG_mlocked))
				c->mlocked += nr;
		}
		pfn += nr;
	}
}

void show_mem(struct mm_kernel *k, int max_zone)
{
#define K(pages) (((uint64_t)(pages) << k->page_shift) >> 10)
	struct zone_lru lru[MAX_NR_ZONES], node = { 0 };
	uint64_t free_pcp = 0, free = 0, free_cma = 0;
	struct strbuf sb = STRBUF_INIT;

	for (int t = 0; t < MAX_NR_ZONES; t++) {
		const struct zone *z = &k->node.node_zones[t];
		memset(&lru[t], 0, sizeof(lru[t]));
		if (!zone_is_populated(z))
			continue;
		zone_lru_count(k, z, &lru[t]);
		node.active_anon += lru[t].active_anon;
		node.inactive_anon += lru[t].inactive_anon;
		node.active_file += lru[t].active_file;
		node.inactive_file += lru[t].inactive_file;
		node.unevictable += lru[t].unevictable;
		node.dirty += lru[t].dirty;
		node.writeback += lru[t].writeback;
		free += z->nr_free_pages;
		free_cma += z->nr_free_cma;
		if (t <= max_zone)
			free_pcp += zone_pcp_pages(k, z);
	}

	printk(k, "Mem-Info:");
	printk(k, "active_anon:%llu inactive_anon:%llu isolated_anon:0",
	       (unsigned long long)node.active_anon, (unsigned long long)node.inactive_anon);
	printk(k, " active_file:%llu inactive_file:%llu isolated_file:0",
	       (unsigned long long)node.active_file, (unsigned long long)node.inactive_file);
	printk(k, " unevictable:%llu dirty:%llu writeback:%llu", (unsigned long long)node.unevictable,
	       (unsigned long long)node.dirty, (unsigned long long)node.writeback);
	printk(k, " slab_reclaimable:%llu slab_unreclaimable:%llu",
	       (unsigned long long)k->nr_slab_reclaimable, (unsigned long long)k->nr_slab_unreclaimable);
	printk(k, " mapped:0 shmem:0 pagetables:%llu", (unsigned long long)k->nr_pagetable_pages);
	printk(k, " sec_pagetables:0 bounce:0");
	printk(k, " kernel_misc_reclaimable:0");
	printk(k, " free:%llu free_pcp:%llu free_cma:%llu", (unsigned long long)free,
	       (unsigned long long)free_pcp, (unsigned long long)free_cma);
	printk(k,
	       "Node 0 active_anon:%llukB inactive_anon:%llukB active_file:%llukB inactive_file:%llukB "
	       "unevictable:%llukB isolated(anon):0kB isolated(file):0kB mapped:0kB dirty:%llukB "
	       "writeback:%llukB shmem:0kB shmem_thp:0kB shmem_pmdmapped:0kB anon_thp:0kB "
	       "writeback_tmp:0kB kernel_stack:%llukB pagetables:%llukB sec_pagetables:0kB "
	       "all_unreclaimable? no",
	       (unsigned long long)K(node.active_anon), (unsigned long long)K(node.inactive_anon),
	       (unsigned long long)K(node.active_file), (unsigned long long)K(node.inactive_file),
	       (unsigned long long)K(node.unevictable), (unsigned long long)K(node.dirty),
	       (unsigned long long)K(node.writeback),
	       (unsigned long long)(k->nr_kernel_stack_bytes >> 10),
	       (unsigned long long)K(k->nr_pagetable_pages));

	for (int t = 0; t <= max_zone && t < MAX_NR_ZONES; t++) {
		const struct zone *z = &k->node.node_zones[t];
		if (!zone_is_populated(z))
			continue;
		const struct zone_lru *c = &lru[t];
		printk(k,
		       "Node 0 %s free:%llukB boost:%llukB min:%llukB low:%llukB high:%llukB "
		       "reserved_highatomic:%lluKB active_anon:%llukB inactive_anon:%llukB "
		       "active_file:%llukB inactive_file:%llukB unevictable:%llukB writepending:%llukB "
		       "present:%llukB managed:%llukB mlocked:%llukB bounce:0kB free_pcp:%llukB "
		       "local_pcp:%llukB free_cma:%llukB",
		       z->name, (unsigned long long)K(z->nr_free_pages),
		       (unsigned long long)K(z->watermark_boost), (unsigned long long)K(min_wmark_pages(z)),
		       (unsigned long long)K(low_wmark_pages(z)), (unsigned long long)K(high_wmark_pages(z)),
		       (unsigned long long)K(z->nr_reserved_highatomic),
		       (unsigned long long)K(c->active_anon), (unsigned long long)K(c->inactive_anon),
		       (unsigned long long)K(c->active_file), (unsigned long long)K(c->inactive_file),
		       (unsigned long long)K(c->unevictable), (unsigned long long)K(c->dirty + c->writeback),
		       (unsigned long long)K(z->present_pages), (unsigned long long)K(z->managed_pages),
		       (unsigned long long)K(c->mlocked), (unsigned long long)K(zone_pcp_pages(k, z)),
		       (unsigned long long)K(z->pcp[0].count), (unsigned long long)K(z->nr_free_cma));
		sb_reset(&sb);
		sb_puts(&sb, "lowmem_reserve[]:");
		for (int j = 0; j < MAX_NR_ZONES; j++)
			if (j == ZONE_MOVABLE || k->arch->zone_exists[j])
				sb_printf(&sb, " %lld", (long long)z->lowmem_reserve[j]);
		printk(k, "%s", sb_str(&sb));
	}

	for (int t = 0; t <= max_zone && t < MAX_NR_ZONES; t++) {
		const struct zone *z = &k->node.node_zones[t];
		if (!zone_is_populated(z))
			continue;
		uint64_t total = 0;
		sb_reset(&sb);
		sb_printf(&sb, "Node 0 %s: ", z->name);
		for (unsigned o = 0; o <= k->max_order; o++) {
			const struct free_area *area = &z->free_area[o];
			static const char types[MIGRATE_TYPES] = { 'U', 'M', 'E', 'H', 'C', 'I' };
			total += area->nr_free << o;
			sb_printf(&sb, "%llu*%llukB ", (unsigned long long)area->nr_free,
				  (unsigned long long)K(1ULL << o));
			if (!area->nr_free)
				continue;
			sb_putc(&sb, '(');
			for (int mt = 0; mt < MIGRATE_TYPES; mt++)
				if (!list_empty(&area->free_list[mt]))
					sb_putc(&sb, types[mt]);
			sb_puts(&sb, ") ");
		}
		sb_printf(&sb, "= %llukB", (unsigned long long)K(total));
		printk(k, "%s", sb_str(&sb));
	}

	uint64_t ram = 0, reserved = 0, highmem = 0;
	for (int t = 0; t < MAX_NR_ZONES; t++) {
		const struct zone *z = &k->node.node_zones[t];
		if (!zone_is_populated(z))
			continue;
		ram += z->present_pages;
		reserved += z->present_pages - MM_MIN(z->managed_pages, z->present_pages);
		if (t == ZONE_HIGHMEM)
			highmem += z->present_pages;
	}
	printk(k, "%llu pages RAM", (unsigned long long)ram);
	printk(k, "%llu pages HighMem/MovableOnly", (unsigned long long)highmem);
	printk(k, "%llu pages reserved", (unsigned long long)reserved);
	printk(k, "%llu pages cma reserved", (unsigned long long)k->totalcma_pages);
	printk(k, "0 pages hwpoisoned");
	sb_free(&sb);
#undef K
}
