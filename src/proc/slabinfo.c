/*
 * slabinfo.c - `show slabinfo`: /proc/slabinfo (mm/slab_common.c, slab_show).
 *
 *   slabinfo - version: 2.1
 *   # name            <active_objs> <num_objs> <objsize> <objperslab> <pagesperslab> : tunables ...
 *   kmalloc-64           512    512     64   64    1 : tunables    0    0    0 : slabdata      8      8      0
 *   ^%-17s               ^%6lu  ^%6lu   ^%6u ^%4u ^%4d            ^%4u x3                   ^%6lu x3
 *
 * One line per cache, newest first (Linux lists slab_caches from its head,
 * where kmem_cache_create adds). What SLUB reports (get_slabinfo):
 *   active_objs   every object minus the free ones on node partial slabs:
 *                 free objects of cpu slabs and cpu partial slabs count as
 *                 active, so a cache with one object shows a whole slab
 *   num_objs      objects in all slabs
 *   objsize       s->size: the slot, with red zones and tracking when debugging
 *   objperslab, pagesperslab   the preferred slab layout (s->oo)
 *   tunables      SLAB's knobs; always 0 under SLUB
 *   active_slabs, num_slabs    both every slab; sharedavail 0
 *
 * Fields: slabinfo.<cache>.<column> with the column names above, plus
 * mmsim's own (not in the text): inuse (objects really allocated), errors
 * (debug reports), object_size, align, order, partial (node partial slabs),
 * cpu_slabs, cpu_partial (slabs on cpu partial lists), flags (SLAB_* bits),
 * and slabinfo.errors / slabinfo.kmalloc_large / slabinfo.kmalloc_large_pages.
 */
#include <stdio.h>
#include <string.h>

#include "mm/internal.h"
#include "mm/slab.h"
#include "proc/view.h"
#include "sim/machine.h"

static bool wanted(int argc, const char *const *argv, const char *name)
{
	if (argc == 0)
		return true;
	for (int i = 0; i < argc; i++)
		if (strcmp(argv[i], name) == 0)
			return true;
	return false;
}

int view_slabinfo(struct mm_machine *m, int argc, const char *const *argv, struct view_out *o,
		  char *err, size_t err_len)
{
	struct mm_kernel *k = &m->k;
	struct slab_state *st = k->slab;
	if (!st) {
		snprintf(err, err_len, "this machine has no slab allocator (the toy arch keeps its "
				       "kernel outside simulated RAM)");
		return -1;
	}
	for (int i = 0; i < argc; i++) {
		if (!kmem_cache_find(k, argv[i])) {
			snprintf(err, err_len, "no slab cache named '%s'", argv[i]);
			return -1;
		}
	}
	view_printf(o, "slabinfo - version: 2.1\n");
	view_printf(o, "# name            <active_objs> <num_objs> <objsize> <objperslab> "
		       "<pagesperslab> : tunables <limit> <batchcount> <sharedfactor> : slabdata "
		       "<active_slabs> <num_slabs> <sharedavail>\n");
	struct list_head *pos;
	list_for_each(pos, &st->caches) {
		const struct kmem_cache *s = list_entry(pos, struct kmem_cache, list);
		struct slabinfo si;
		kmem_cache_get_slabinfo(s, &si);
		if (wanted(argc, argv, s->name)) {
			view_printf(o, "%-17s %6lu %6lu %6u %4u %4d", s->name, si.active_objs,
				    si.num_objs, s->size, si.objects_per_slab, 1 << si.cache_order);
			view_printf(o, " : tunables %4u %4u %4u", 0u, 0u, 0u);
			view_printf(o, " : slabdata %6lu %6lu %6lu\n", si.active_slabs, si.num_slabs, 0UL);
		}
		unsigned long cpu_slabs = 0, cpu_partial = 0;
		for (unsigned cpu = 0; cpu < s->nr_cpus; cpu++) {
			cpu_slabs += s->cpu_slab[cpu].slab != NULL;
			cpu_partial += s->cpu_slab[cpu].nr_partial;
		}
		const char *n = s->name;
		view_field_num(o, (int64_t)si.active_objs, "%s.active_objs", n);
		view_field_num(o, (int64_t)si.num_objs, "%s.num_objs", n);
		view_field_num(o, s->size, "%s.objsize", n);
		view_field_num(o, si.objects_per_slab, "%s.objperslab", n);
		view_field_num(o, 1 << si.cache_order, "%s.pagesperslab", n);
		view_field_num(o, (int64_t)si.active_slabs, "%s.active_slabs", n);
		view_field_num(o, (int64_t)si.num_slabs, "%s.num_slabs", n);
		view_field_num(o, (int64_t)s->nr_allocated, "%s.inuse", n);
		view_field_num(o, (int64_t)s->nr_errors, "%s.errors", n);
		view_field_num(o, s->object_size, "%s.object_size", n);
		view_field_num(o, s->align, "%s.align", n);
		view_field_num(o, si.cache_order, "%s.order", n);
		view_field_num(o, (int64_t)s->node.nr_partial, "%s.partial", n);
		view_field_num(o, (int64_t)cpu_slabs, "%s.cpu_slabs", n);
		view_field_num(o, (int64_t)cpu_partial, "%s.cpu_partial", n);
		view_field_num(o, s->flags, "%s.flags", n);
	}
	view_field_num(o, (int64_t)st->nr_errors, "errors");
	view_field_num(o, (int64_t)st->nr_large_kmalloc, "kmalloc_large");
	view_field_num(o, (int64_t)(st->nr_large_kmalloc_pages << k->page_shift),
		       "kmalloc_large_bytes");
	return 0;
}
