/*
 * vmallocinfo.c - `show vmallocinfo`: Linux's /proc/vmallocinfo.
 *
 * One line per busy area in address order, then one per lazily freed range
 * (merged) that the purge has not flushed yet:
 *
 *   0xffffc90000000000-0xffffc90000005000   20480 vmalloc.mms:3 pages=4 vmalloc N0=4
 *   0xffffe8ffffe00000-0xffffe90000000000 2097152 pcpu_get_vm_areas vmalloc
 *   0xffffc90000006000-0xffffc90000008000    8192 unpurged vm_area
 *   start              end (exclusive)    size    caller  pages  kind  pages per node
 *
 * Sizes include the guard page. Addresses print at the width of a pointer
 * (Linux's %pK as root sees it), phys= at the width of phys_addr_t (%pa:
 * 16 digits on x86_64 and PAE, whose pointers are 8). Where Linux prints the caller as
 * symbol+off/len, mmsim prints the scenario place or kernel function that
 * asked. Linux 6.9+ with several vmap nodes may interleave nodes; mmsim has
 * one, so the list is sorted.
 *
 * Fields: nr_areas, used_bytes (sizes of busy areas, guards included),
 * vmalloc_pages (pages vmalloc owns: VmallocUsed / PAGE_SIZE), nr_lazy and
 * lazy_bytes (unpurged), total_bytes, largest_free_bytes, purges,
 * tlb_flushes, pgd_syncs, and per area N (0-based, address order):
 * area.N.start (text: "0xffffc90000000000"), area.N.offset (bytes from
 * VMALLOC_START), area.N.size, area.N.pages, area.N.kind, area.N.caller.
 */
#include <inttypes.h>
#include <stdio.h>

#include "mm/vmalloc.h"
#include "proc/view.h"
#include "sim/machine.h"

struct vi_ctx {
	struct view_out *o;
	int addr_digits;
	int phys_digits; /* %pa: phys_addr_t, 64-bit on x86_64 and PAE */
	mm_va_t vstart;
	uint64_t nr_areas, used_bytes, nr_lazy, lazy_bytes;
};

static const char *vm_kind(unsigned flags)
{
	if (flags & VM_IOREMAP)
		return "ioremap";
	if (flags & VM_ALLOC)
		return "vmalloc";
	if (flags & VM_MAP)
		return "vmap";
	if (flags & VM_USERMAP)
		return "user";
	if (flags & VM_DMA_COHERENT)
		return "dma-coherent";
	return "";
}

static void vi_line(void *arg, const struct vmap_area_info *a)
{
	struct vi_ctx *c = arg;
	struct view_out *o = c->o;
	int w = c->addr_digits;
	if (a->lazy) {
		view_printf(o, "0x%0*" PRIx64 "-0x%0*" PRIx64 " %7" PRIu64 " unpurged vm_area\n", w,
			    a->va_start, w, a->va_end, a->va_end - a->va_start);
		c->nr_lazy++;
		c->lazy_bytes += a->va_end - a->va_start;
		return;
	}
	const struct vm_struct *v = a->vm;
	if (!v || (v->flags & VM_UNINITIALIZED))
		return;
	view_printf(o, "0x%0*" PRIx64 "-0x%0*" PRIx64 " %7" PRIu64, w, v->addr, w, v->addr + v->size,
		    v->size);
	if (v->caller[0])
		view_printf(o, " %s", v->caller);
	if (v->nr_pages)
		view_printf(o, " pages=%u", v->nr_pages);
	if (v->phys_addr)
		view_printf(o, " phys=0x%0*" PRIx64, c->phys_digits, v->phys_addr);
	/* Linux prints every kind whose flag is set, in this order. */
	if (v->flags & VM_IOREMAP)
		view_printf(o, " ioremap");
	if (v->flags & VM_ALLOC)
		view_printf(o, " vmalloc");
	if (v->flags & VM_MAP)
		view_printf(o, " vmap");
	if (v->flags & VM_USERMAP)
		view_printf(o, " user");
	if (v->flags & VM_DMA_COHERENT)
		view_printf(o, " dma-coherent");
	if (v->pages_vmalloced)
		view_printf(o, " vpages");
	if (v->nr_pages)
		view_printf(o, " N0=%u", v->nr_pages); /* one node: every page is on node 0 */
	view_printf(o, "\n");

	uint64_t n = c->nr_areas++;
	c->used_bytes += v->size;
	/* Kernel addresses above 2^63 do not fit a field's int64: the start is
	 * text, and its offset into the vmalloc area a number. */
	char start[24];
	snprintf(start, sizeof(start), "0x%0*" PRIx64, w, v->addr);
	view_field_str(o, start, "area.%" PRIu64 ".start", n);
	view_field_num(o, (int64_t)(v->addr - c->vstart), "area.%" PRIu64 ".offset", n);
	view_field_num(o, (int64_t)v->size, "area.%" PRIu64 ".size", n);
	view_field_num(o, v->nr_pages, "area.%" PRIu64 ".pages", n);
	view_field_str(o, vm_kind(v->flags), "area.%" PRIu64 ".kind", n);
	view_field_str(o, v->caller, "area.%" PRIu64 ".caller", n);
}

int view_vmallocinfo(struct mm_machine *m, int argc, const char *const *argv, struct view_out *o,
		     char *err, size_t err_len)
{
	(void)argv;
	const struct mm_kernel *k = &m->k;
	if (argc > 0) {
		snprintf(err, err_len, "vmallocinfo takes no arguments");
		return -1;
	}
	const struct vmalloc_state *vs = k->vmalloc;
	struct vi_ctx c = { .o = o, .addr_digits = k->arch->va_bits > 32 ? 16 : 8,
			    .phys_digits = k->arch->pte_bytes == 8 ? 16 : 8,
			    .vstart = vs ? vs->start : 0 };
	vmap_area_walk(k, vi_line, &c);
	view_field_num(o, (int64_t)c.nr_areas, "nr_areas");
	view_field_num(o, (int64_t)c.used_bytes, "used_bytes");
	view_field_num(o, (int64_t)k->nr_vmalloc_pages, "vmalloc_pages");
	view_field_num(o, (int64_t)c.nr_lazy, "nr_lazy");
	view_field_num(o, (int64_t)c.lazy_bytes, "lazy_bytes");
	view_field_num(o, (int64_t)vmalloc_total_bytes(k), "total_bytes");
	view_field_num(o, (int64_t)vmalloc_largest_free(k), "largest_free_bytes");
	view_field_num(o, vs ? (int64_t)vs->nr_purges : 0, "purges");
	view_field_num(o, vs ? (int64_t)vs->nr_tlb_flushes : 0, "tlb_flushes");
	view_field_num(o, vs ? (int64_t)vs->nr_pgd_syncs : 0, "pgd_syncs");
	return 0;
}
