/*
 * buddyinfo.c - `show buddyinfo`: /proc/buddyinfo (mm/vmstat.c, frag_show).
 *
 *   Node 0, zone      DMA      0      0      0      0      0      0 ...
 *   Node 0, zone    DMA32      3      2      1      0      1      1 ...
 *                   ^%8s ^ then "%6lu " per order 0..MAX_PAGE_ORDER
 *
 * One line per populated zone, one column per order: the number of free
 * blocks of that order (zone->free_area[order].nr_free). Pages on per-CPU
 * lists are not in the buddy's free lists and so not in this view, as in
 * Linux. Every line ends with a space before its newline, as Linux's does.
 *
 * Fields: buddyinfo.<Zone>.<order> = free blocks (a count, not bytes).
 */
#include <stdio.h>

#include "mm/internal.h"
#include "proc/view.h"
#include "sim/machine.h"

/* Render /proc/buddyinfo; 0, or -1 if given arguments. */
int view_buddyinfo(struct mm_machine *m, int argc, const char *const *argv,
		   struct view_out *o, char *err, size_t err_len)
{
	if (argc > 0) {
		snprintf(err, err_len, "takes no arguments");
		return -1;
	}
	const struct mm_kernel *k = &m->k;
	for (int t = 0; t < MAX_NR_ZONES; t++) {
		const struct zone *z = &k->node.node_zones[t];
		if (!zone_is_populated(z) || !z->name)
			continue;
		view_printf(o, "Node 0, zone %8s ", z->name);
		for (unsigned order = 0; order <= k->max_order && order < NR_ORDERS_LIMIT; order++) {
			uint64_t n = z->free_area[order].nr_free;
			view_printf(o, "%6llu ", (unsigned long long)n);
			view_field_num(o, (int64_t)n, "%s.%u", z->name, order);
		}
		view_printf(o, "\n");
	}
	return 0;
}
