/*
 * commands_kmem.c - vmalloc, vmap, kmap and per-CPU memory as a user drives
 * them.
 *
 *   vmalloc 1M -> $v             vmalloc: 1048576 bytes at 0xffffc90000000000 (256 pages, ...)
 *   vmalloc_to_page $v+8K -> $pfn
 *   vfree $v
 *   alloc_pages 0 gfp=GFP_HIGHUSER -> $p
 *   kmap $p -> $k                kmap: pfn 0x7ffff -> 0xff800000 (PKMAP slot 1, count 2)
 *   kunmap $p
 *   kmap_local $p -> $l          kunmap_local $l
 *   alloc_percpu 8 align=8 -> $c per_cpu_ptr $c 1 -> $c1   free_percpu $c
 *
 * Results: vmalloc/vmap/kmap/alloc_percpu return the kernel address, or 0
 * when the kernel would return NULL (out of memory, no room in the vmalloc
 * area): that is a fact about the machine, not an input error, and the
 * scenario goes on (expect $v == 0). Freeing or unmapping something that
 * was not handed out is an input error at that line, as with free_pages.
 *
 * The caller that vmallocinfo shows is the scenario's "file:line".
 */
#include <errno.h>
#include <inttypes.h>
#include <string.h>

#include "mm/highmem.h"
#include "mm/internal.h"
#include "mm/percpu.h"
#include "mm/vmalloc.h"
#include "sim/machine.h"
#include "sim/scenario/scenario.h"

#define VMAP_MAX_PAGES (SCN_MAX_ARGS)

/* "file.mms:12": the call site vmallocinfo prints (the file's base name,
 * so lines stay short). */
static void caller_of(struct scn_ctx *c, char *buf, size_t len)
{
	unsigned line, col;
	scn_line_pos(c->ln, c->cmd_off, &line, &col);
	const char *file = c->ln->file ? c->ln->file : "<scenario>";
	const char *slash = strrchr(file, '/');
	snprintf(buf, len, "%s:%u", slash ? slash + 1 : file, line);
}

static int addr_digits(const struct scn_ctx *c)
{
	return c->m->k.arch->va_bits > 32 ? 16 : 8;
}

static bool need_vmalloc(struct scn_ctx *c)
{
	if (c->m->k.vmalloc)
		return true;
	scn_error(c, c->cmd_off, "%s: this machine has no vmalloc area (the toy arch keeps its "
				 "kernel outside simulated RAM)", c->cmd->name);
	return false;
}

/* A PFN argument naming an allocated page. */
static int pfn_arg(struct scn_ctx *c, const struct scn_arg *a, mm_pfn_t *pfn)
{
	const struct mm_kernel *k = &c->m->k;
	uint64_t v;
	if (scn_arg_u64(c, a, "PFN", 0, UINT64_MAX, &v))
		return SCN_ERROR;
	if (!pfn_valid(k, v))
		return scn_error(c, a->val_off, "%s: pfn 0x%" PRIx64 " is not RAM (RAM ends at pfn 0x%" PRIx64 ")",
				 c->cmd->name, v, (uint64_t)k->max_pfn);
	const struct page *p = pfn_to_page(k, v);
	if (PageFlag(p, PG_buddy) || PageFlag(p, PG_pcp) || PageFlag(p, PG_reserved))
		return scn_error(c, a->val_off, "%s: pfn 0x%" PRIx64 " is %s, not an allocated page "
				 "(use alloc_pages)", c->cmd->name, v,
				 PageFlag(p, PG_reserved) ? "reserved" : "free");
	*pfn = v;
	return 0;
}

/* ---- vmalloc ---------------------------------------------------------------------- */

static int do_vmalloc(struct scn_ctx *c, bool zero)
{
	struct mm_kernel *k = &c->m->k;
	const struct scn_arg *a;
	uint64_t size;
	gfp_t gfp = GFP_KERNEL;
	char caller[VM_CALLER_LEN];
	if (!need_vmalloc(c))
		return SCN_ERROR;
	if (!(a = scn_need_pos(c, 0, "SIZE")) || scn_arg_u64(c, a, "SIZE", 0, UINT64_MAX, &size))
		return SCN_ERROR;
	if (scn_key_gfp(c, &gfp))
		return SCN_ERROR;
	caller_of(c, caller, sizeof(caller));
	mm_va_t va = __vmalloc_caller(k, size, zero ? gfp | __GFP_ZERO : gfp, caller);
	if (!va) {
		fprintf(c->out, "%s: %" PRIu64 " bytes failed (%s)\n", c->cmd->name, size, k->last_error);
		scn_result_num(c, 0, true);
		return SCN_OK;
	}
	const struct vm_struct *vm = find_vm_area(k, va);
	unsigned nr = vm ? vm->nr_pages : 0;
	fprintf(c->out, "%s: %" PRIu64 " bytes at 0x%0*" PRIx64 " (%u page%s, area %" PRIu64
		" bytes with the guard page)\n", c->cmd->name, size, addr_digits(c), va, nr,
		nr == 1 ? "" : "s", vm ? vm->size : 0);
	scn_result_num(c, va, true);
	return SCN_OK;
}

static int cmd_vmalloc(struct scn_ctx *c)
{
	return do_vmalloc(c, false);
}

static int cmd_vzalloc(struct scn_ctx *c)
{
	return do_vmalloc(c, true);
}

static int cmd_vfree(struct scn_ctx *c)
{
	struct mm_kernel *k = &c->m->k;
	const struct scn_arg *a;
	uint64_t va;
	if (!need_vmalloc(c))
		return SCN_ERROR;
	if (!(a = scn_need_pos(c, 0, "ADDR")) || scn_arg_u64(c, a, "ADDR", 0, UINT64_MAX, &va))
		return SCN_ERROR;
	const struct vm_struct *vm = va ? find_vm_area(k, va) : NULL;
	unsigned pages = vm ? vm->nr_pages : 0;
	bool is_vmap = vm && (vm->flags & VM_MAP);
	if (vfree(k, va))
		return scn_error(c, a->val_off, "%s (vfree takes what vmalloc or vmap returned)",
				 k->last_error);
	if (c->s->verbose)
		fprintf(c->out, "vfree: 0x%0*" PRIx64 " (%u pages freed%s)\n", addr_digits(c), va, pages,
			is_vmap ? ", a vmap area: its pages stay" : "");
	return SCN_OK;
}

static int cmd_vmalloc_to_page(struct scn_ctx *c)
{
	struct mm_kernel *k = &c->m->k;
	const struct scn_arg *a;
	uint64_t va;
	mm_pfn_t pfn;
	if (!need_vmalloc(c))
		return SCN_ERROR;
	if (!(a = scn_need_pos(c, 0, "ADDR")) || scn_arg_u64(c, a, "ADDR", 0, UINT64_MAX, &va))
		return SCN_ERROR;
	int rc = vmalloc_to_pfn(k, va, &pfn);
	if (rc == -EINVAL)
		return scn_error(c, a->val_off, "vmalloc_to_page: 0x%" PRIx64 " is outside the vmalloc "
				 "area [0x%" PRIx64 ", 0x%" PRIx64 ")", va, k->vmalloc->start, k->vmalloc->end);
	if (rc) {
		/* A guard page, a hole, a freed area: Linux returns NULL. */
		fprintf(c->out, "vmalloc_to_page: 0x%0*" PRIx64 " is not mapped\n", addr_digits(c), va);
		scn_result_num(c, 0, true);
		return SCN_OK;
	}
	fprintf(c->out, "vmalloc_to_page: 0x%0*" PRIx64 " -> pfn 0x%" PRIx64 " (pa 0x%" PRIx64 ")\n",
		addr_digits(c), va, pfn, (pfn << k->page_shift) | (va & (k->page_size - 1)));
	scn_result_num(c, pfn, true);
	return SCN_OK;
}

static int cmd_vmap(struct scn_ctx *c)
{
	struct mm_kernel *k = &c->m->k;
	mm_pfn_t pfns[VMAP_MAX_PAGES];
	char caller[VM_CALLER_LEN];
	if (!need_vmalloc(c))
		return SCN_ERROR;
	if (!scn_need_pos(c, 0, "PFN"))
		return SCN_ERROR;
	for (int i = 0; i < c->nr_pos; i++)
		if (pfn_arg(c, &c->pos[i], &pfns[i]))
			return SCN_ERROR;
	caller_of(c, caller, sizeof(caller));
	mm_va_t va = vmap(k, pfns, (unsigned)c->nr_pos, 0, caller);
	if (!va) {
		fprintf(c->out, "vmap: %d pages failed (%s)\n", c->nr_pos, k->last_error);
		scn_result_num(c, 0, true);
		return SCN_OK;
	}
	fprintf(c->out, "vmap: %d pages at 0x%0*" PRIx64 "\n", c->nr_pos, addr_digits(c), va);
	scn_result_num(c, va, true);
	return SCN_OK;
}

static int cmd_vunmap(struct scn_ctx *c)
{
	struct mm_kernel *k = &c->m->k;
	const struct scn_arg *a;
	uint64_t va;
	if (!need_vmalloc(c))
		return SCN_ERROR;
	if (!(a = scn_need_pos(c, 0, "ADDR")) || scn_arg_u64(c, a, "ADDR", 0, UINT64_MAX, &va))
		return SCN_ERROR;
	const struct vm_struct *vm = find_vm_area(k, va);
	if (vm && !(vm->flags & VM_MAP))
		return scn_error(c, a->val_off, "vunmap: 0x%" PRIx64 " is a vmalloc area: use vfree", va);
	if (vunmap(k, va))
		return scn_error(c, a->val_off, "%s", k->last_error);
	return SCN_OK;
}

static int cmd_vm_unmap_aliases(struct scn_ctx *c)
{
	struct mm_kernel *k = &c->m->k;
	if (!need_vmalloc(c))
		return SCN_ERROR;
	uint64_t lazy = k->vmalloc->lazy_pages;
	vmalloc_purge_lazy(k);
	if (c->s->verbose)
		fprintf(c->out, "vm_unmap_aliases: purged %" PRIu64 " lazily freed pages\n", lazy);
	return SCN_OK;
}

/* ---- kmap ---------------------------------------------------------------------------- */

static bool need_highmem_state(struct scn_ctx *c)
{
	if (c->m->k.highmem)
		return true;
	scn_error(c, c->cmd_off, "%s: this machine has no kernel address space to map pages into",
		  c->cmd->name);
	return false;
}

static void print_kmap(struct scn_ctx *c, const char *what, mm_pfn_t pfn, mm_va_t va)
{
	const struct mm_kernel *k = &c->m->k;
	const struct highmem_state *hs = k->highmem;
	if (!PageHighMem(k, pfn)) {
		fprintf(c->out, "%s: pfn 0x%" PRIx64 " -> 0x%0*" PRIx64 " (lowmem: its direct-map address)\n",
			what, pfn, addr_digits(c), va);
	} else if (va >= hs->pkmap_base &&
		   va < hs->pkmap_base + ((mm_va_t)hs->last_pkmap << hs->page_shift)) {
		unsigned slot = (unsigned)((va - hs->pkmap_base) >> hs->page_shift);
		fprintf(c->out, "%s: pfn 0x%" PRIx64 " -> 0x%0*" PRIx64 " (PKMAP slot %u, count %d)\n", what,
			pfn, addr_digits(c), va, slot, hs->pkmap_count[slot]);
	} else {
		/* __fix_to_virt(FIX_KMAP_BEGIN + idx + KM_MAX_IDX * cpu) */
		unsigned fix = (unsigned)((hs->fixaddr_top - va) >> hs->page_shift) - FIX_KMAP_BEGIN;
		fprintf(c->out, "%s: pfn 0x%" PRIx64 " -> 0x%0*" PRIx64 " (CPU %u's kmap_local slot %u)\n",
			what, pfn, addr_digits(c), va, fix / KM_MAX_IDX, fix % KM_MAX_IDX);
	}
}

static int cmd_kmap(struct scn_ctx *c)
{
	struct mm_kernel *k = &c->m->k;
	const struct scn_arg *a;
	mm_pfn_t pfn;
	mm_va_t va;
	if (!need_highmem_state(c) || !(a = scn_need_pos(c, 0, "PFN")) || pfn_arg(c, a, &pfn))
		return SCN_ERROR;
	int rc = kmap(k, pfn, &va);
	if (rc == -EBUSY)
		return scn_error(c, a->val_off, "%s (Linux would sleep until a kunmap frees one)",
				 k->last_error);
	if (rc)
		return scn_error(c, a->val_off, "%s", k->last_error);
	print_kmap(c, "kmap", pfn, va);
	scn_result_num(c, va, true);
	return SCN_OK;
}

static int cmd_kunmap(struct scn_ctx *c)
{
	struct mm_kernel *k = &c->m->k;
	const struct scn_arg *a;
	uint64_t pfn;
	if (!need_highmem_state(c) || !(a = scn_need_pos(c, 0, "PFN")) ||
	    scn_arg_u64(c, a, "PFN", 0, UINT64_MAX, &pfn))
		return SCN_ERROR;
	if (kunmap(k, pfn))
		return scn_error(c, a->val_off, "%s", k->last_error);
	return SCN_OK;
}

static int cmd_kmap_local(struct scn_ctx *c)
{
	struct mm_kernel *k = &c->m->k;
	const struct scn_arg *a;
	mm_pfn_t pfn;
	mm_va_t va;
	unsigned cpu = 0;
	if (!need_highmem_state(c) || !(a = scn_need_pos(c, 0, "PFN")) || pfn_arg(c, a, &pfn) ||
	    scn_key_cpu(c, &cpu, NULL))
		return SCN_ERROR;
	if (kmap_local(k, cpu, pfn, &va))
		return scn_error(c, a->val_off, "%s", k->last_error);
	print_kmap(c, c->cmd->name, pfn, va);
	scn_result_num(c, va, true);
	return SCN_OK;
}

static int cmd_kunmap_local(struct scn_ctx *c)
{
	struct mm_kernel *k = &c->m->k;
	const struct scn_arg *a;
	uint64_t va;
	unsigned cpu = 0;
	if (!need_highmem_state(c) || !(a = scn_need_pos(c, 0, "ADDR")) ||
	    scn_arg_u64(c, a, "ADDR", 0, UINT64_MAX, &va) || scn_key_cpu(c, &cpu, NULL))
		return SCN_ERROR;
	if (kunmap_local(k, cpu, va))
		return scn_error(c, a->val_off, "%s", k->last_error);
	return SCN_OK;
}

/* ---- per-CPU ------------------------------------------------------------------------- */

static int cmd_alloc_percpu(struct scn_ctx *c)
{
	struct mm_kernel *k = &c->m->k;
	const struct scn_arg *a, *al;
	uint64_t size, align = PCPU_MIN_ALLOC_SIZE;
	if (!k->percpu)
		return scn_error(c, c->cmd_off, "alloc_percpu: this machine has no per-CPU areas");
	/* Any numbers: an illegal size or alignment is the kernel's to refuse
	 * (a warning and NULL), as Linux's pcpu_alloc does. */
	if (!(a = scn_need_pos(c, 0, "SIZE")) || scn_arg_u64(c, a, "SIZE", 0, UINT64_MAX, &size))
		return SCN_ERROR;
	if ((al = scn_opt_key(c, "align")) && scn_arg_u64(c, al, "align", 0, UINT64_MAX, &align))
		return SCN_ERROR;
	mm_va_t p = pcpu_alloc(k, size, align, GFP_KERNEL);
	if (!p) {
		fprintf(c->out, "alloc_percpu: %" PRIu64 " bytes failed (%s)\n", size, k->last_error);
		scn_result_num(c, 0, true);
		return SCN_OK;
	}
	fprintf(c->out, "alloc_percpu: %" PRIu64 " bytes -> 0x%0*" PRIx64, size, addr_digits(c), p);
	if (k->nr_cpus > 1)
		fprintf(c->out, " (cpu1 at +0x%" PRIx64 ")", k->percpu->unit_size);
	fputc('\n', c->out);
	scn_result_num(c, p, true);
	return SCN_OK;
}

static int cmd_free_percpu(struct scn_ctx *c)
{
	struct mm_kernel *k = &c->m->k;
	const struct scn_arg *a;
	uint64_t p;
	if (!k->percpu)
		return scn_error(c, c->cmd_off, "free_percpu: this machine has no per-CPU areas");
	if (!(a = scn_need_pos(c, 0, "PTR")) || scn_arg_u64(c, a, "PTR", 0, UINT64_MAX, &p))
		return SCN_ERROR;
	if (free_percpu(k, p))
		return scn_error(c, a->val_off, "%s", k->last_error);
	return SCN_OK;
}

static int cmd_per_cpu_ptr(struct scn_ctx *c)
{
	struct mm_kernel *k = &c->m->k;
	const struct scn_arg *a, *ca;
	uint64_t p, cpu;
	if (!k->percpu)
		return scn_error(c, c->cmd_off, "per_cpu_ptr: this machine has no per-CPU areas");
	if (!(a = scn_need_pos(c, 0, "PTR")) || scn_arg_u64(c, a, "PTR", 0, UINT64_MAX, &p))
		return SCN_ERROR;
	if (!(ca = scn_need_pos(c, 1, "CPU")) || scn_arg_u64(c, ca, "CPU", 0, k->nr_cpus - 1, &cpu))
		return SCN_ERROR;
	if (!pcpu_alloc_size(k, p))
		return scn_error(c, a->val_off, "per_cpu_ptr: 0x%" PRIx64 " is not a live percpu allocation", p);
	mm_va_t va = per_cpu_ptr(k, p, (unsigned)cpu);
	if (c->s->verbose)
		fprintf(c->out, "per_cpu_ptr: cpu%u -> 0x%0*" PRIx64 "\n", (unsigned)cpu, addr_digits(c), va);
	scn_result_num(c, va, true);
	return SCN_OK;
}

const struct scn_cmd scn_cmds_kmem[] = {
	{ "vmalloc", "vmalloc SIZE [gfp=GFP_KERNEL|...] [-> $v]",
	  "virtually contiguous kernel memory from order-0 pages (0: failed)", cmd_vmalloc, "gfp", 1,
	  SCN_F_RESULT },
	{ "vzalloc", "vzalloc SIZE [gfp=...] [-> $v]", "vmalloc, zeroed", cmd_vzalloc, "gfp", 1,
	  SCN_F_RESULT },
	{ "vfree", "vfree ADDR", "free a vmalloc (or vmap) area: unmap now, flush lazily", cmd_vfree,
	  NULL, 1, 0 },
	{ "vmalloc_to_page", "vmalloc_to_page ADDR [-> $pfn]",
	  "walk the kernel page tables: the PFN behind a vmalloc address (0: not mapped)",
	  cmd_vmalloc_to_page, NULL, 1, SCN_F_RESULT },
	{ "vmap", "vmap PFN... [-> $v]", "map allocated pages contiguously in the vmalloc area",
	  cmd_vmap, NULL, VMAP_MAX_PAGES, SCN_F_RESULT },
	{ "vunmap", "vunmap ADDR", "undo a vmap (the pages stay allocated)", cmd_vunmap, NULL, 1, 0 },
	{ "vm_unmap_aliases", "vm_unmap_aliases",
	  "purge lazily freed vmalloc areas now (one TLB flush)", cmd_vm_unmap_aliases, NULL, 0, 0 },
	{ "kmap", "kmap PFN [-> $v]",
	  "a kernel address for a page: direct map, or a PKMAP slot for HighMem", cmd_kmap, NULL, 1,
	  SCN_F_RESULT },
	{ "kunmap", "kunmap PFN", "drop a kmap reference (PKMAP slots are flushed lazily)", cmd_kunmap,
	  NULL, 1, 0 },
	{ "kmap_local", "kmap_local PFN [cpu=N] [-> $v]",
	  "map a page in this CPU's fixmap slots (a stack; HighMem only)", cmd_kmap_local, "cpu", 1,
	  SCN_F_RESULT },
	{ "kunmap_local", "kunmap_local ADDR [cpu=N]", "unmap the most recent kmap_local",
	  cmd_kunmap_local, "cpu", 1, 0 },
	{ "kmap_atomic", "kmap_atomic PFN [cpu=N] [-> $v]", "kmap_local with preemption off",
	  cmd_kmap_local, "cpu", 1, SCN_F_RESULT },
	{ "kunmap_atomic", "kunmap_atomic ADDR [cpu=N]", "undo kmap_atomic", cmd_kunmap_local, "cpu",
	  1, 0 },
	{ "alloc_percpu", "alloc_percpu SIZE [align=N] [-> $p]",
	  "per-CPU memory: one zeroed copy per CPU; the result is CPU 0's address", cmd_alloc_percpu,
	  "align", 1, SCN_F_RESULT },
	{ "free_percpu", "free_percpu PTR", "free what alloc_percpu returned", cmd_free_percpu, NULL, 1,
	  0 },
	{ "per_cpu_ptr", "per_cpu_ptr PTR CPU [-> $a]", "CPU's copy of a per-CPU object",
	  cmd_per_cpu_ptr, NULL, 2, SCN_F_RESULT },
	{ NULL, NULL, NULL, NULL, NULL, 0, 0 },
};
