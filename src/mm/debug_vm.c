/*
 * debug_vm.c - the invariant checker for processes' memory, run in debug
 * builds. Two entry points, because mm_check_invariants also runs inside
 * the page allocator, in the middle of operations:
 *
 *   mm_check_vm       (from mm_check_invariants: after every allocation and
 *                     free, and every scenario command) what holds at every
 *                     one of those points
 *   mm_check_vm_full  (after every scenario command, and from tests) also
 *                     the VMA layer's own check and TLB coherence, which hold
 *                     only between operations (a zap frees pages before
 *                     it flushes the TLB)
 *
 *   every mm on k->mmlist:
 *     [full] VMAs sound (vma_validate_mm); RSS counters = what the tables map
 *     (mm_check_rss), every VMA's anon_vma chain linked both ways
 *   every PTE of every mm, counted per frame:
 *     a mapped frame is allocated (refcount > 0, not free, not a table)
 *     its _mapcount = the PTEs found mapping it; _refcount >= that
 *     an anonymous page's anon_vma is on the chain of each VMA mapping it,
 *       and the reverse map finds every one of those PTEs
 *   pages nobody maps keep _mapcount 0 (full scan on small machines)
 *   [full] every CPU whose TLB is up to date for the mm it has loaded (tlb_gen):
 *     each cached translation of its PCID points at the frame the PTE
 *     holds and allows no more than the PTE does (a missing flush shows)
 *
 * Each mismatch is printed with the page dumped; the result is false if
 * any was found.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "include/strbuf.h"
#include "kernel/task.h"
#include "mm/hugetlb.h"
#include "mm/internal.h"
#include "mm/memory.h"
#include "mm/rmap.h"

#define FULL_SCAN_PFNS (1ULL << 20) /* scan mem_map for strays up to 4G of 4K pages */
#define MAX_REPORTS 16

/* pfn -> PTEs mapping it, open addressing. */
struct map_count {
	uint64_t *pfn; /* pfn + 1, 0 = empty */
	uint32_t *n;
	uint64_t cap, nr;
};

static void mc_add(struct map_count *mc, uint64_t pfn)
{
	if (2 * (mc->nr + 1) > mc->cap) {
		struct map_count big = { NULL, NULL, mc->cap ? 2 * mc->cap : 1024, 0 };
		big.pfn = xcalloc(big.cap, sizeof(*big.pfn));
		big.n = xcalloc(big.cap, sizeof(*big.n));
		for (uint64_t i = 0; i < mc->cap; i++) {
			if (!mc->pfn[i])
				continue;
			uint64_t h = (mc->pfn[i] * 0x9e3779b97f4a7c15ULL) & (big.cap - 1);
			while (big.pfn[h])
				h = (h + 1) & (big.cap - 1);
			big.pfn[h] = mc->pfn[i];
			big.n[h] = mc->n[i];
			big.nr++;
		}
		free(mc->pfn);
		free(mc->n);
		*mc = big;
	}
	uint64_t key = pfn + 1;
	uint64_t h = (key * 0x9e3779b97f4a7c15ULL) & (mc->cap - 1);
	while (mc->pfn[h] && mc->pfn[h] != key)
		h = (h + 1) & (mc->cap - 1);
	if (!mc->pfn[h]) {
		mc->pfn[h] = key;
		mc->nr++;
	}
	mc->n[h]++;
}

static uint32_t mc_get(const struct map_count *mc, uint64_t pfn)
{
	if (!mc->cap)
		return 0;
	uint64_t key = pfn + 1;
	uint64_t h = (key * 0x9e3779b97f4a7c15ULL) & (mc->cap - 1);
	while (mc->pfn[h]) {
		if (mc->pfn[h] == key)
			return mc->n[h];
		h = (h + 1) & (mc->cap - 1);
	}
	return 0;
}

struct vm_check {
	struct mm_kernel *k;
	struct map_count mc;
	struct vm_area_struct *vma;
	uint64_t nr_ptes;
	unsigned reports;
	bool ok;
};

static void report_page(struct vm_check *vc, const struct page *page, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void report_page(struct vm_check *vc, const struct page *page, const char *fmt, ...)
{
	vc->ok = false;
	if (vc->reports++ >= MAX_REPORTS)
		return;
	va_list ap;
	va_start(ap, fmt);
	fprintf(stderr, "mm_check_vm: ");
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	if (page) {
		struct strbuf sb = STRBUF_INIT;
		dump_page(vc->k, page, &sb);
		fprintf(stderr, "%s", sb_str(&sb));
		sb_free(&sb);
	}
}

static bool avc_links(const struct vm_area_struct *vma, const struct anon_vma *av)
{
	const struct list_head *h = &vma->anon_vma_chain;
	for (const struct list_head *p = h->next; p && p != h; p = p->next) {
		const struct anon_vma_chain *avc = list_entry(p, struct anon_vma_chain, same_vma);
		if (avc->anon_vma == av)
			return true;
	}
	return false;
}

struct rmap_find {
	mm_pa_t want;
	bool found;
};

static bool rmap_finds(struct page *page, struct vm_area_struct *vma, mm_va_t addr, mm_pa_t pte_pa,
		       void *arg)
{
	struct rmap_find *f = arg;
	(void)page;
	(void)vma;
	(void)addr;
	if (pte_pa == f->want)
		f->found = true;
	return !f->found; /* stop when found */
}

static void check_pte(void *arg, mm_va_t va, mm_pa_t e_pa, mm_pte_t pte, uint64_t bytes)
{
	struct vm_check *vc = arg;
	struct mm_kernel *k = vc->k;
	(void)bytes;
	if (!user_pte_present(k, pte))
		return;
	struct page *page = user_pte_page(k, pte);
	if (!page)
		return;
	mm_pfn_t pfn = page_to_pfn(k, page);
	vc->nr_ptes++;
	if (page->_refcount <= 0 || PageFlag(page, PG_buddy) || PageFlag(page, PG_pcp) ||
	    PageFlag(page, PG_table) || PageFlag(page, PG_slab)) {
		report_page(vc, page, "0x%" PRIx64 " maps pfn 0x%" PRIx64 ", which is not a user page", va, pfn);
		return;
	}
	mc_add(&vc->mc, pfn);
	struct anon_vma *av = page_anon_vma(page);
	if (av && vc->vma && !avc_links(vc->vma, av)) {
		report_page(vc, page, "0x%" PRIx64 ": the page's anon_vma %" PRIu64 " is not on the chain of VMA 0x%" PRIx64 "-0x%" PRIx64,
			    va, av->id, vc->vma->vm_start, vc->vma->vm_end);
		return;
	}
	if (av && vc->vma) {
		/* The reverse map must find this very PTE. */
		struct rmap_find want = { e_pa, false };
		uint64_t idx = linear_page_index(vc->vma, va);
		if (idx != page->index) {
			report_page(vc, page, "0x%" PRIx64 ": page index 0x%" PRIx64 " but the VMA maps index 0x%" PRIx64 " there",
				    va, page->index, idx);
			return;
		}
		bool found = false;
		struct list_head *p;
		list_for_each(p, &av->head) {
			struct anon_vma_chain *avc = list_entry(p, struct anon_vma_chain, same_anon_vma);
			if (avc->vma == vc->vma)
				found = true;
		}
		if (found)
			rmap_walk(k, page, rmap_finds, &want);
		if (!found || !want.found)
			report_page(vc, page, "0x%" PRIx64 ": the reverse map does not reach this PTE", va);
	}
}

/* The cached translations of cpu's current PCID against the tables. */
static void check_tlb(struct vm_check *vc, unsigned cpu)
{
	struct mm_kernel *k = vc->k;
	struct cpu_tlbstate *st = &k->tasks->cpu[cpu];
	struct mm_struct *mm = st->loaded_mm;
	struct task_struct *leader = mm ? mm_task(mm) : NULL;
	if (!mm || !leader || st->ctxs[st->loaded_mm_asid].tlb_gen != leader->ctx.tlb_gen)
		return; /* a flush is pending for the next switch: stale entries allowed */
	const struct hw_cpu *c = &k->cpus[cpu];
	const struct hw_tlb *tlb = &c->tlb;
	for (unsigned i = 0; i < tlb->nr_arrays; i++) {
		const struct tlb_array *a = &tlb->arr[i];
		for (unsigned j = 0; j < a->entries; j++) {
			if (a->key[j] == TLB_KEY_INVALID)
				continue;
			const struct tlb_slot *s = &a->slot[j];
			if ((s->flags & TLB_E_GLOBAL) || (c->pcid_enabled && s->asid != c->pcid))
				continue;
			unsigned size = (unsigned)(a->key[j] >> TLB_KEY_SIZE_SHIFT);
			uint64_t vpn = a->key[j] & ((1ULL << TLB_KEY_SIZE_SHIFT) - 1);
			mm_va_t va = vpn << tlb->shift[size];
			if (size != TLB_SZ_BASE || va >= mm->task_size)
				continue;
			unsigned level;
			mm_pa_t e;
			mm_pte_t pte = 0;
			if (user_pte_lookup(mm, va, &level, &e))
				pte = pte_read(k, e);
			unsigned f = arch_pte_flags(k->arch, pte);
			mm_pa_t pa = (mm_pa_t)arch_pte_pfn(k->arch, pte) << k->page_shift;
			if (!(f & PTE_F_PRESENT) || pa != s->pa) {
				report_page(vc, NULL, "cpu%u: TLB caches 0x%" PRIx64 " -> pa 0x%" PRIx64 " but the PTE is 0x%" PRIx64 " (a flush is missing)",
					    cpu, va, s->pa, pte);
				continue;
			}
			if ((s->flags & TLB_E_WRITE) && !(f & PTE_F_WRITE))
				report_page(vc, NULL, "cpu%u: TLB lets 0x%" PRIx64 " be written, the PTE does not (a flush is missing)",
					    cpu, va);
		}
	}
}

static bool check_vm(struct mm_kernel *k, bool quiescent)
{
	if (!k->mmlist.next || !k->memory)
		return true;
	if (!quiescent && list_empty(&k->mmlist))
		return true; /* no address space: nothing to check in between */
	struct vm_check vc = { .k = k, .ok = true };
	struct list_head *p;
	list_for_each(p, &k->mmlist) {
		struct mm_struct *mm = list_entry(p, struct mm_struct, mmlist);
		if (quiescent && !vma_validate_mm(mm))
			vc.ok = false;
		if (!mm_check_rss(mm))
			vc.ok = false;
		struct vm_area_struct *vma;
		for_each_vma(mm, vma) {
			if (!rmap_check_vma(vma))
				vc.ok = false;
			vc.vma = vma;
			walk_page_range(mm, vma->vm_start, vma->vm_end, check_pte, &vc);
		}
		/* PTEs outside every VMA are bugs too. */
		vc.vma = NULL;
		mm_va_t prev_end = 0;
		for_each_vma(mm, vma) {
			uint64_t nr = vc.nr_ptes;
			walk_page_range(mm, prev_end, vma->vm_start, check_pte, &vc);
			if (vc.nr_ptes != nr)
				report_page(&vc, NULL, "mm of %s: PTEs map pages in [0x%" PRIx64 ", 0x%" PRIx64 ") where no VMA is",
					    mm->ops && mm->ops->owner_name ? mm->ops->owner_name(mm) : "?",
					    prev_end, vma->vm_start);
			prev_end = vma->vm_end;
		}
	}
	/* Every counted frame: mapcount and refcount against the PTEs found. */
	for (uint64_t i = 0; i < vc.mc.cap; i++) {
		if (!vc.mc.pfn[i])
			continue;
		struct page *page = pfn_to_page(k, vc.mc.pfn[i] - 1);
		uint32_t n = vc.mc.n[i];
		if (page->_mapcount != (int32_t)n)
			report_page(&vc, page, "pfn 0x%" PRIx64 ": _mapcount %d, but %u PTEs map it",
				    vc.mc.pfn[i] - 1, page->_mapcount, n);
		if (page->_refcount < (int32_t)n)
			report_page(&vc, page, "pfn 0x%" PRIx64 ": _refcount %d below its %u mappings",
				    vc.mc.pfn[i] - 1, page->_refcount, n);
	}
	/* Strays: a mapcount with no PTE behind it (between operations only:
	 * a scan of every frame is too slow after every allocation). */
	if (quiescent && (k->max_pfn <= FULL_SCAN_PFNS || k->debug_checks >= 2)) {
		for (mm_pfn_t pfn = 0; pfn < k->max_pfn; pfn++) {
			struct page *page = pfn_to_page(k, pfn);
			if (page->_mapcount > 0 && !PageFlag(page, PG_buddy) && !PageFlag(page, PG_pcp) &&
			    !PageFlag(page, PG_slab) && !mc_get(&vc.mc, pfn))
				report_page(&vc, page, "pfn 0x%" PRIx64 ": _mapcount %d but no PTE maps it", pfn,
					    page->_mapcount);
		}
	}
	if (quiescent && k->tasks)
		for (unsigned cpu = 0; cpu < k->nr_cpus && k->cpus; cpu++)
			check_tlb(&vc, cpu);
	/* HUGE PAGES: the hugetlb pool's counts and free list (hugetlb.c). */
	if (!hugetlb_check(k))
		vc.ok = false;
	free(vc.mc.pfn);
	free(vc.mc.n);
	return vc.ok;
}

bool mm_check_vm(struct mm_kernel *k)
{
	return check_vm(k, false);
}

bool mm_check_vm_full(struct mm_kernel *k)
{
	return check_vm(k, true);
}
