/*
 * zoneinfo.c - `show zoneinfo`: /proc/zoneinfo (mm/vmstat.c,
 * zoneinfo_show_print), every zone of the node, populated or not.
 *
 *   Node 0, zone      DMA
 *     per-node stats                 <- only under the first populated zone
 *         nr_inactive_anon 0
 *         ...
 *     pages free     3840
 *           boost    0
 *           min      ...  low  high  promo  spanned  present  managed  cma
 *           protection: (0, 1507, 1507, 1507, 1507)
 *         nr_free_pages 3840          <- zone counters, then NUMA events
 *         ...
 *     pagesets
 *       cpu: 0
 *                 count:    0         <- per-CPU list state, per CPU
 *                 high / batch / high_min / high_max
 *     vm stats threshold: 4
 *     node_unreclaimable:  0
 *     start_pfn:           1
 *   Node 0, zone   Normal             <- an empty zone stops after
 *     pages free     0                   "protection:"
 *     ...
 *
 * The zone set is Linux's for the arch, which is not mmsim's array:
 *
 *   mmsim node_zones[]   DMA  DMA32  Normal  HighMem  Movable
 *   x86_64 prints        DMA  DMA32  Normal           Movable  Device
 *   i386 prints          DMA         Normal  HighMem  Movable  Device
 *
 * so zones the arch lacks are left out, and ZONE_DEVICE (CONFIG_ZONE_DEVICE
 * in distro kernels; never holds memory here) is printed empty. The
 * protection array (lowmem_reserve[]) has one entry per printed zone: the
 * zone's lowmem_reserve[] read at the printed zones' indices, with
 * Device's entry equal to Movable's (Device adds no managed pages to the
 * cumulative sum Linux divides by the ratio).
 *
 * "vm stats threshold" is Linux's calculate_normal_threshold(), the per-CPU
 * counter drift bound: 2 * fls(cpus) * (1 + fls(managed / 128M)), at most
 * 125.
 *
 * Fields (page counts, as Linux prints them here, not bytes):
 *   zoneinfo.<Zone>.free|boost|min|low|high|promo|spanned|present|managed|cma
 *   zoneinfo.<Zone>.protection.<i>
 *   zoneinfo.<Zone>.<counter>                    nr_free_pages, numa_hit ...
 *   zoneinfo.<Zone>.pagesets.cpu<N>.count|high|batch|high_min|high_max|
 *                                   vm_stats_threshold
 *   zoneinfo.<Zone>.node_unreclaimable, zoneinfo.<Zone>.start_pfn
 *   zoneinfo.node.<counter>                      the per-node stats block
 */
#include <stdio.h>
#include <string.h>

#include "mm/internal.h"
#include "proc/view.h"
#include "sim/machine.h"

#define ZONE_DEVICE_IDX (-1) /* Linux's ZONE_DEVICE: not in mmsim's array */
#define MAX_PRINTED_ZONES (MAX_NR_ZONES + 1)

static const char *const zone_names[MAX_NR_ZONES] = {
	"DMA", "DMA32", "Normal", "HighMem", "Movable",
};

/* The zones Linux has on this arch, in its zone order. */
static int printed_zones(const struct arch_profile *a, int *types)
{
	int n = 0;
	for (int t = 0; t < MAX_NR_ZONES; t++)
		if (a->zone_exists[t] || t == ZONE_MOVABLE)
			types[n++] = t;
	types[n++] = ZONE_DEVICE_IDX;
	return n;
}

static const char *zone_label(const struct mm_kernel *k, int type)
{
	if (type == ZONE_DEVICE_IDX)
		return "Device";
	const struct zone *z = &k->node.node_zones[type];
	return z->name ? z->name : zone_names[type];
}

static int fls64(uint64_t x)
{
	int n = 0;
	while (x) {
		n++;
		x >>= 1;
	}
	return n;
}

/* Linux's calculate_normal_threshold for zone z. */
static int stat_threshold(const struct mm_kernel *k, const struct zone *z)
{
	unsigned shift = k->page_shift < 27 ? 27 - k->page_shift : 0;
	uint64_t mem = z->managed_pages >> shift; /* in 128 MB units */
	int threshold = 2 * fls64(k->nr_cpus) * (1 + fls64(mem));
	return threshold < 125 ? threshold : 125;
}

static void show_line(struct view_out *o, const char *zname, const char *label,
		      const char *name, uint64_t v)
{
	view_printf(o, "%s%llu\n", label, (unsigned long long)v);
	view_field_num(o, (int64_t)v, "%s.%s", zname, name);
}

static void show_node_stats(struct view_out *o, const uint64_t *v)
{
	view_printf(o, "  per-node stats\n");
	for (int i = VM_nr_inactive_anon; i <= VM_nr_kernel_file_pages; i++) {
		view_printf(o, "      %-12s %llu\n", vmstat_names[i], (unsigned long long)v[i]);
		view_field_num(o, (int64_t)v[i], "node.%s", vmstat_names[i]);
	}
}

static void show_zone(struct view_out *o, const struct mm_kernel *k, const int *types, int n,
		      int idx, bool first_populated, const uint64_t *node_v)
{
	static const struct zone empty; /* ZONE_DEVICE: all zero */
	int type = types[idx];
	const struct zone *z = type == ZONE_DEVICE_IDX ? &empty : &k->node.node_zones[type];
	const char *zn = zone_label(k, type);

	view_printf(o, "Node 0, zone %8s\n", zn);
	if (first_populated)
		show_node_stats(o, node_v);

	uint64_t boost = z->watermark_boost;
	show_line(o, zn, "  pages free     ", "free", z->nr_free_pages);
	show_line(o, zn, "        boost    ", "boost", boost);
	show_line(o, zn, "        min      ", "min", z->_watermark[WMARK_MIN] + boost);
	show_line(o, zn, "        low      ", "low", z->_watermark[WMARK_LOW] + boost);
	show_line(o, zn, "        high     ", "high", z->_watermark[WMARK_HIGH] + boost);
	show_line(o, zn, "        promo    ", "promo", z->_watermark[WMARK_PROMO] + boost);
	show_line(o, zn, "        spanned  ", "spanned", z->spanned_pages);
	show_line(o, zn, "        present  ", "present", z->present_pages);
	show_line(o, zn, "        managed  ", "managed", z->managed_pages);
	show_line(o, zn, "        cma      ", "cma", z->cma_pages);

	view_printf(o, "        protection: (");
	for (int j = 0; j < n; j++) {
		int64_t r;
		if (type == ZONE_DEVICE_IDX)
			r = 0;
		else if (types[j] == ZONE_DEVICE_IDX)
			r = z->lowmem_reserve[ZONE_MOVABLE];
		else
			r = z->lowmem_reserve[types[j]];
		view_printf(o, j ? ", %lld" : "%lld", (long long)r);
		view_field_num(o, r, "%s.protection.%d", zn, j);
	}
	view_printf(o, ")\n");

	/* An unpopulated zone has nothing more worth printing (Linux's words). */
	if (type == ZONE_DEVICE_IDX || !zone_is_populated(z))
		return;

	uint64_t zv[NR_VM_ITEMS];
	zone_vmstat_snapshot(k, z, zv);
	for (int i = VM_nr_free_pages; i <= VM_nr_free_cma; i++) {
		view_printf(o, "      %-12s %llu\n", vmstat_names[i], (unsigned long long)zv[i]);
		view_field_num(o, (int64_t)zv[i], "%s.%s", zn, vmstat_names[i]);
	}
	for (int i = VM_numa_hit; i <= VM_numa_other; i++) {
		view_printf(o, "      %-12s %llu\n", vmstat_names[i], (unsigned long long)zv[i]);
		view_field_num(o, (int64_t)zv[i], "%s.%s", zn, vmstat_names[i]);
	}

	view_printf(o, "  pagesets\n");
	int threshold = stat_threshold(k, z);
	for (unsigned cpu = 0; cpu < k->nr_cpus && cpu < MM_MAX_CPUS; cpu++) {
		const struct per_cpu_pages *pcp = &z->pcp[cpu];
		view_printf(o,
			    "    cpu: %u\n"
			    "              count:    %d\n"
			    "              high:     %d\n"
			    "              batch:    %d\n"
			    "              high_min: %d\n"
			    "              high_max: %d\n"
			    "  vm stats threshold: %d\n",
			    cpu, pcp->count, pcp->high, pcp->batch, pcp->high_min, pcp->high_max,
			    threshold);
		view_field_num(o, pcp->count, "%s.pagesets.cpu%u.count", zn, cpu);
		view_field_num(o, pcp->high, "%s.pagesets.cpu%u.high", zn, cpu);
		view_field_num(o, pcp->batch, "%s.pagesets.cpu%u.batch", zn, cpu);
		view_field_num(o, pcp->high_min, "%s.pagesets.cpu%u.high_min", zn, cpu);
		view_field_num(o, pcp->high_max, "%s.pagesets.cpu%u.high_max", zn, cpu);
		view_field_num(o, threshold, "%s.pagesets.cpu%u.vm_stats_threshold", zn, cpu);
	}
	/* kswapd's failure count is not modelled yet: the node is reclaimable. */
	view_printf(o, "  node_unreclaimable:  %u\n", 0u);
	view_field_num(o, 0, "%s.node_unreclaimable", zn);
	view_printf(o, "  start_pfn:           %llu\n", (unsigned long long)z->zone_start_pfn);
	view_field_num(o, (int64_t)z->zone_start_pfn, "%s.start_pfn", zn);
}

/* Render /proc/zoneinfo; 0, or -1 if given arguments. */
int view_zoneinfo(struct mm_machine *m, int argc, const char *const *argv, struct view_out *o,
		  char *err, size_t err_len)
{
	const struct mm_kernel *k = &m->k;
	int types[MAX_PRINTED_ZONES];
	int n = printed_zones(k->arch, types);

	/* mmsim's extension: `show zoneinfo DMA32 Normal` prints only those
	 * zones (Linux's file has no such filter; without names it is Linux's). */
	bool want[MAX_PRINTED_ZONES];
	for (int i = 0; i < n; i++)
		want[i] = argc == 0;
	for (int a = 0; a < argc; a++) {
		int hit = -1;
		for (int i = 0; i < n && hit < 0; i++)
			if (strcmp(argv[a], zone_label(k, types[i])) == 0)
				hit = i;
		if (hit < 0) {
			int len = snprintf(err, err_len, "no zone '%s' (zones:", argv[a]);
			for (int i = 0; i < n && len > 0 && (size_t)len < err_len; i++)
				len += snprintf(err + len, err_len - (size_t)len, " %s",
						zone_label(k, types[i]));
			if (len > 0 && (size_t)len < err_len)
				snprintf(err + len, err_len - (size_t)len, ")");
			return -1;
		}
		want[hit] = true;
	}

	uint64_t node_v[NR_VM_ITEMS];
	vmstat_snapshot(k, node_v);
	int first = -1; /* Linux's is_zone_first_populated */
	for (int t = 0; t < MAX_NR_ZONES && first < 0; t++)
		if (zone_is_populated(&k->node.node_zones[t]))
			first = t;
	for (int i = 0; i < n; i++)
		if (want[i])
			show_zone(o, k, types, n, i, types[i] >= 0 && types[i] == first, node_v);
	return 0;
}
