/*
 * vmstat.c - `show vmstat`: /proc/vmstat, one "name value" line per counter
 * in Linux 6.x's order (the names and order live in src/mm/vmstat.h).
 *
 * Where the values come from:
 *
 *   zone counters      nr_free_pages, nr_free_pages_blocks, nr_free_cma:
 *                      summed over the zones' buddy free areas
 *   LRU counters       nr_zone_{in,}active_{anon,file}, nr_zone_unevictable,
 *                      nr_zone_write_pending, nr_mlock and the node's
 *                      nr_{in,}active_{anon,file}, nr_unevictable: counted
 *                      from page flags (PG_lru, PG_active, PG_swapbacked,
 *                      PG_unevictable, PG_mlocked, PG_dirty, PG_writeback);
 *                      nr_anon_pages and nr_mapped from _mapcount (AnonPages,
 *                      Mapped in meminfo)
 *   kernel allocators  nr_slab_*, nr_kernel_stack, nr_page_table_pages:
 *                      the counters those layers keep in struct mm_kernel
 *   derived            nr_dirty_threshold, nr_dirty_background_threshold
 *                      (global_dirty_limits), nr_memmap_boot_pages (mem_map)
 *   everything else    k->vm.item[], maintained by the layer that does the
 *                      work (count_vm_event); 0 until that layer exists
 *
 *      zones ──────┐
 *      mem_map ────┼──> vmstat_snapshot(v[]) ──> vmstat, meminfo, zoneinfo
 *      k->vm.item ─┘
 *
 * Recomputing state counters at render time means they can never drift
 * from the objects they describe; the price is a walk of mem_map that skips
 * free blocks whole, so it costs about one step per allocated page.
 *
 * Units follow Linux: every value is what /proc/vmstat prints. As in Linux,
 * k->vm.item[] keeps pgpgin/pgpgout in 512-byte sectors (printed /2 as KiB)
 * and the THP counters (nr_anon_transparent_hugepages, nr_shmem_hugepages,
 * nr_shmem_pmdmapped, nr_file_hugepages, nr_file_pmdmapped) in base pages
 * (printed divided by HPAGE_PMD_NR, i.e. in huge pages).
 */
#include <stdio.h>
#include <string.h>

#include "mm/internal.h"
#include "proc/view.h"
#include "sim/machine.h"

/* Base pages per PMD-level huge page; 0 if the arch has no such leaf. */
uint64_t vmstat_hpage_pmd_nr(const struct mm_kernel *k)
{
	const struct arch_profile *a = k->arch;
	if (!a || a->nr_levels < 2 || !a->level[a->nr_levels - 2].huge_leaf_ok)
		return 0;
	return arch_level_span(a, a->nr_levels - 2) >> a->page_shift;
}

/* NR_FREE_PAGES_BLOCKS: free pages in blocks of at least pageblock order,
 * isolated blocks excluded (they are not counted as free at all). */
static uint64_t zone_free_pages_blocks(const struct mm_kernel *k, const struct zone *z)
{
	uint64_t pages = 0;
	for (unsigned o = k->pageblock_order; o <= k->max_order && o < NR_ORDERS_LIMIT; o++) {
		const struct free_area *fa = &z->free_area[o];
		uint64_t blocks = fa->nr_free - MM_MIN(fa->nr_free, fa->nr_free_mt[MIGRATE_ISOLATE]);
		pages += blocks << o;
	}
	return pages;
}

/* v[NR_VM_ITEMS] = zone z's own counters (zone items only, the rest 0). */
void zone_vmstat_snapshot(const struct mm_kernel *k, const struct zone *z, uint64_t *v)
{
	struct lru_pages c;
	memset(v, 0, NR_VM_ITEMS * sizeof(*v));
	zone_lru_pages(k, z, &c);
	v[VM_nr_free_pages] = z->nr_free_pages;
	v[VM_nr_free_pages_blocks] = zone_free_pages_blocks(k, z);
	v[VM_nr_zone_inactive_anon] = c.inactive_anon;
	v[VM_nr_zone_active_anon] = c.active_anon;
	v[VM_nr_zone_inactive_file] = c.inactive_file;
	v[VM_nr_zone_active_file] = c.active_file;
	v[VM_nr_zone_unevictable] = c.unevictable;
	v[VM_nr_zone_write_pending] = c.write_pending;
	v[VM_nr_mlock] = c.mlock;
	v[VM_nr_free_cma] = z->nr_free_cma;
	/* Node items the same scan finds (summed by vmstat_snapshot). */
	v[VM_nr_anon_pages] = c.anon_mapped;
	v[VM_nr_mapped] = c.file_mapped;
	/* zspages and the NUMA events are not kept per zone: mmsim has one
	 * node, and those counters exist only globally in k->vm (see docs). */
}

/* v[NR_VM_ITEMS] = every counter as /proc/vmstat prints it. */
void vmstat_snapshot(const struct mm_kernel *k, uint64_t *v)
{
	memcpy(v, k->vm.item, NR_VM_ITEMS * sizeof(*v));

	/* Zone counters: the sum over the node's zones. */
	static const enum vm_stat_item zone_items[] = {
		VM_nr_free_pages, VM_nr_free_pages_blocks, VM_nr_zone_inactive_anon,
		VM_nr_zone_active_anon, VM_nr_zone_inactive_file, VM_nr_zone_active_file,
		VM_nr_zone_unevictable, VM_nr_zone_write_pending, VM_nr_mlock, VM_nr_free_cma,
	};
	for (size_t i = 0; i < MM_ARRAY_SIZE(zone_items); i++)
		v[zone_items[i]] = 0;
	v[VM_nr_anon_pages] = v[VM_nr_mapped] = 0;
	uint64_t zv[NR_VM_ITEMS];
	for (int t = 0; t < MAX_NR_ZONES; t++) {
		const struct zone *z = &k->node.node_zones[t];
		if (!zone_is_populated(z))
			continue;
		zone_vmstat_snapshot(k, z, zv);
		for (size_t i = 0; i < MM_ARRAY_SIZE(zone_items); i++)
			v[zone_items[i]] += zv[zone_items[i]];
		v[VM_nr_anon_pages] += zv[VM_nr_anon_pages];
		v[VM_nr_mapped] += zv[VM_nr_mapped];
	}

	/* One node: its LRU sizes are the sums of its zones'. */
	v[VM_nr_inactive_anon] = v[VM_nr_zone_inactive_anon];
	v[VM_nr_active_anon] = v[VM_nr_zone_active_anon];
	v[VM_nr_inactive_file] = v[VM_nr_zone_inactive_file];
	v[VM_nr_active_file] = v[VM_nr_zone_active_file];
	v[VM_nr_unevictable] = v[VM_nr_zone_unevictable];

	v[VM_nr_slab_reclaimable] = k->nr_slab_reclaimable;
	v[VM_nr_slab_unreclaimable] = k->nr_slab_unreclaimable;
	v[VM_nr_kernel_stack] = k->nr_kernel_stack_bytes >> 10; /* NR_KERNEL_STACK_KB */
	v[VM_nr_page_table_pages] = k->nr_pagetable_pages;
	v[VM_nr_hugetlb] = k->hstate.nr_huge_pages << k->hstate.order; /* NR_HUGETLB, pages */

	uint64_t hpage = vmstat_hpage_pmd_nr(k);
	if (hpage) {
		v[VM_nr_anon_transparent_hugepages] /= hpage;
		v[VM_nr_shmem_hugepages] /= hpage;
		v[VM_nr_shmem_pmdmapped] /= hpage;
		v[VM_nr_file_hugepages] /= hpage;
		v[VM_nr_file_pmdmapped] /= hpage;
	}

	global_dirty_limits(k, v[VM_nr_free_pages], v[VM_nr_inactive_file] + v[VM_nr_active_file],
			    &v[VM_nr_dirty_background_threshold], &v[VM_nr_dirty_threshold]);

	/* mem_map came from memblock at boot (toy arch: host memory, not RAM). */
	if (!k->mem_map_in_host && k->page_size)
		v[VM_nr_memmap_boot_pages] =
			(k->max_pfn * sizeof(struct page) + k->page_size - 1) / k->page_size;

	v[VM_pgpgin] /= 2; /* sectors -> KiB */
	v[VM_pgpgout] /= 2;
	v[VM_nr_unstable] = 0; /* deprecated; Linux prints a constant 0 */
}

/* Render /proc/vmstat; 0, or -1 if given arguments. */
int view_vmstat(struct mm_machine *m, int argc, const char *const *argv, struct view_out *out,
		char *err, size_t err_len)
{
	if (argc > 0) {
		snprintf(err, err_len, "takes no arguments");
		return -1;
	}
	uint64_t v[NR_VM_ITEMS];
	vmstat_snapshot(&m->k, v);
	for (int i = 0; i < NR_VM_ITEMS; i++) {
		view_printf(out, "%s %llu\n", vmstat_names[i], (unsigned long long)v[i]);
		view_field_num(out, (int64_t)v[i], "%s", vmstat_names[i]);
	}
	return 0;
}
