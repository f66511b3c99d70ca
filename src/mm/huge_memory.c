/*
 * huge_memory.c - transparent huge pages (THP) for anonymous memory, as
 * Linux 6.x's mm/huge_memory.c: one PMD leaf maps a 2M compound page
 * (4M on i386), so one TLB entry covers what 512 would.
 *
 *   PMD slot empty, VMA eligible ──► do_huge_pmd_anonymous_page
 *                                       │ alloc_pages(GFP_TRANSHUGE_LIGHT, 9)
 *          ┌────────────────────────────┴───────────────┐
 *          ▼ got one                                     ▼ none free
 *   PMD: [pfn | PS | P RW US A D]                  thp_fault_fallback:
 *   head page: PG_head PG_anon, mapcount 1          the 4K path (memory.c)
 *   (head+1)->private: the deposited PTE table
 *   RSS += 512, AnonHugePages += 2M, thp_fault_alloc
 *
 *   split (partial munmap, mprotect, madvise, mremap; fork; a COW fault):
 *
 *   PMD: [pfn | PS]            PMD: [deposited table]
 *                       ──►          │
 *   one compound page                ▼
 *   (512 pages, mapcount            PTE[0..511] = pfn+i, the leaf's flags
 *    on the head only)              512 independent pages, mapcount 1 each
 *                                   thp_split_pmd, thp_split_page
 *
 * Eligible (thp_vma_allowable): private anonymous memory, not VM_NOHUGEPAGE,
 * and transparent_hugepage=always, or =madvise with VM_HUGEPAGE
 * (MADV_HUGEPAGE); the aligned PMD range must lie inside the VMA and its
 * PMD slot be empty (a PTE table already there means 4K pages stay).
 *
 * Differences from Linux, on purpose (docs/hugepages.md):
 *   - A split splits the page as well as the PMD, at once: Linux splits
 *     the PMD and queues a partly unmapped page on the deferred split list
 *     (thp_deferred_split_page), which the shrinker splits later; mmsim
 *     does the shrinker's work immediately. RSS, AnonHugePages and the
 *     page tables end where Linux's end.
 *   - The huge zero page is not modelled: a read fault in eligible memory
 *     allocates a THP, as Linux does with use_zero_page=0.
 *   - fork splits the parent's THPs before copying (Linux shares the PMD
 *     and splits at the first write, do_huge_pmd_wp_page).
 *   - No khugepaged: nothing collapses 4K pages into a THP later.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "mm/huge_memory.h"
#include "mm/internal.h"
#include "mm/memory.h"
#include "mm/rmap.h"

static const char *const thp_mode_names[] = {
	[THP_ALWAYS] = "always", [THP_MADVISE] = "madvise", [THP_NEVER] = "never",
};

void thp_init(struct mm_kernel *k)
{
	/* Linux's CONFIG_TRANSPARENT_HUGEPAGE_MADVISE (Debian's, Ubuntu's):
	 * only MADV_HUGEPAGE regions get THPs by default. */
	k->thp_enabled = THP_MADVISE;
}

int thp_set_enabled(struct mm_kernel *k, const char *val, char *err, size_t errlen)
{
	static const enum thp_mode order[] = { THP_ALWAYS, THP_MADVISE, THP_NEVER };
	for (size_t i = 0; i < MM_ARRAY_SIZE(order); i++) {
		if (val && strcmp(val, thp_mode_names[order[i]]) == 0) {
			k->thp_enabled = order[i];
			return 0;
		}
	}
	if (err && errlen)
		snprintf(err, errlen, "'%s' is not one of always, madvise, never", val ? val : "");
	return -EINVAL;
}

const char *thp_enabled_string(const struct mm_kernel *k)
{
	switch (k->thp_enabled) {
	case THP_ALWAYS: return "[always] madvise never";
	case THP_NEVER: return "always madvise [never]";
	default: return "always [madvise] never";
	}
}

/* The level whose leaves are PMD-sized (the one above the PTEs). */
static unsigned pmd_level(const struct mm_kernel *k)
{
	return k->arch->nr_levels - 2;
}

uint64_t thp_nr_pages(const struct mm_kernel *k)
{
	const struct arch_profile *a = k->arch;
	if (a->is_toy || a->nr_levels < 2 || !a->level[a->nr_levels - 2].huge_leaf_ok)
		return 0;
	uint64_t nr = arch_level_span(a, a->nr_levels - 2) >> k->page_shift;
	/* The page must come from the buddy allocator in one block. */
	unsigned order = 0;
	while ((1ULL << order) < nr)
		order++;
	return order <= k->max_order ? nr : 0;
}

static unsigned thp_order(const struct mm_kernel *k)
{
	uint64_t nr = thp_nr_pages(k);
	unsigned order = 0;
	while ((1ULL << order) < nr)
		order++;
	return order;
}

/* The flags and mode test of __thp_vma_allowable_orders for anonymous
 * memory (no size test). */
static bool thp_vma_flags_ok(const struct vm_area_struct *vma)
{
	const struct mm_kernel *k = vma->vm_mm->k;
	if (!thp_nr_pages(k) || !vma_is_anonymous(vma))
		return false;
	if (vma->vm_flags & (VM_NOHUGEPAGE | VM_HUGETLB))
		return false;
	if (k->thp_enabled == THP_NEVER)
		return false;
	if (k->thp_enabled == THP_MADVISE && !(vma->vm_flags & VM_HUGEPAGE))
		return false;
	return true;
}

bool thp_vma_allowable(const struct vm_area_struct *vma)
{
	if (!thp_vma_flags_ok(vma))
		return false;
	/* smaps' test: is the last PMD-sized range of the VMA inside it? */
	const struct mm_kernel *k = vma->vm_mm->k;
	uint64_t span = thp_nr_pages(k) << k->page_shift;
	if (vma->vm_end - vma->vm_start < span)
		return false;
	mm_va_t haddr = MM_ALIGN_DOWN(vma->vm_end - span, span);
	return haddr >= vma->vm_start && haddr + span <= vma->vm_end;
}

/* ---- the fault ------------------------------------------------------------------ */

unsigned do_huge_pmd_anonymous_page(struct vm_area_struct *vma, mm_va_t addr, unsigned flags,
				    struct fault_info *info)
{
	struct mm_struct *mm = vma->vm_mm;
	struct mm_kernel *k = mm->k;
	(void)flags; /* read faults get a THP too: use_zero_page=0 (see above) */
	if (!thp_vma_flags_ok(vma))
		return VM_FAULT_FALLBACK;
	uint64_t nr = thp_nr_pages(k);
	uint64_t span = nr << k->page_shift;
	mm_va_t haddr = addr & ~(span - 1);
	if (haddr < vma->vm_start || haddr + span > vma->vm_end)
		return VM_FAULT_FALLBACK;
	unsigned lvl = pmd_level(k);
	mm_pa_t e_pa;
	int err = user_entry_alloc(mm, haddr, lvl, &e_pa);
	if (err == -ENOMEM)
		return VM_FAULT_OOM;
	if (err || pte_read(k, e_pa))
		return VM_FAULT_FALLBACK; /* a PTE table (or leaf) is there already */
	if (anon_vma_prepare(vma))
		return VM_FAULT_OOM;
	/* The table a later split will use (pgtable_trans_huge_deposit):
	 * counted in PageTables from now on, as Linux counts it. */
	mm_pa_t table_pa;
	if (user_pgtable_alloc(mm, lvl + 1, &table_pa))
		return VM_FAULT_OOM;
	char saved_error[sizeof(k->last_error)];
	memcpy(saved_error, k->last_error, sizeof(saved_error));
	unsigned cpu = info && info->cpu < k->nr_cpus ? info->cpu : 0;
	struct page *head = alloc_pages_cpu(k, GFP_TRANSHUGE_LIGHT | __GFP_ZERO, thp_order(k), cpu);
	if (!head) {
		/* No free order-9 block: 4K pages instead. The failure is
		 * expected, not an error the CLI should report. */
		memcpy(k->last_error, saved_error, sizeof(saved_error));
		user_pgtable_free(mm, table_pa, lvl + 1);
		count_vm_event(k, thp_fault_fallback);
		return VM_FAULT_FALLBACK;
	}
	count_vm_event(k, thp_fault_alloc);
	page_add_new_anon_rmap(head, vma, haddr);
	if (vma->vm_flags & VM_LOCKED) {
		SetPageFlag(head, PG_mlocked);
		count_vm_events(k, unevictable_pgs_mlocked, nr);
	}
	head[1].private = (table_pa >> k->page_shift) + 1;
	/* mk_huge_pmd + maybe_pmd_mkwrite(pmd_mkdirty()): a new private page
	 * is dirty and, in a writable VMA, writable whatever the access. */
	unsigned f = vma->vm_page_prot | PTE_F_HUGE | PTE_F_ACCESSED | PTE_F_DIRTY;
	if (vma->vm_flags & VM_WRITE)
		f |= PTE_F_WRITE;
	pte_write(k, e_pa, arch_pte_encode(k->arch, page_to_pfn(k, head), f));
	add_mm_counter(mm, MM_ANONPAGES, (int64_t)nr);
	count_vm_events(k, nr_anon_transparent_hugepages, nr);
	if (info) {
		info->kind = FAULT_KIND_ANON;
		info->pa = ((mm_pa_t)page_to_pfn(k, head) << k->page_shift) +
			   ((addr - haddr) & ~(k->page_size - 1));
	}
	return 0;
}

/* The compound head a THP leaf maps, or NULL for anything else. */
static struct page *thp_leaf_page(const struct mm_kernel *k, mm_pte_t pte)
{
	if (!pte || !(arch_pte_flags(k->arch, pte) & PTE_F_HUGE))
		return NULL;
	struct page *page = user_pte_page(k, pte);
	if (!page || PageFlag(page, PG_hugetlb) || !PageFlag(page, PG_head) || !PageFlag(page, PG_anon))
		return NULL;
	return page;
}

unsigned huge_pmd_fault(struct vm_area_struct *vma, mm_va_t addr, unsigned flags, mm_pa_t e_pa,
			unsigned lvl, struct fault_info *info)
{
	struct mm_struct *mm = vma->vm_mm;
	struct mm_kernel *k = mm->k;
	mm_pte_t pte = pte_read(k, e_pa);
	unsigned f = arch_pte_flags(k->arch, pte);
	bool write = flags & FAULT_FLAG_WRITE;
	uint64_t span = arch_level_span(k->arch, lvl);
	mm_va_t haddr = addr & ~(span - 1);
	mm_pa_t base = (mm_pa_t)arch_pte_pfn(k->arch, pte) << k->page_shift;
	enum fault_kind kind = FAULT_KIND_SPURIOUS;
	if (write && !(f & PTE_F_WRITE)) {
		struct page *page = thp_leaf_page(k, pte);
		if (!page) {
			if (info)
				info->why = "write-protect fault on a huge mapping that is not a THP";
			return VM_FAULT_SIGBUS;
		}
		if (!(vma->vm_flags & VM_WRITE) || page->_mapcount != 1 || page->_refcount != 1) {
			/* Shared: split, and let the 4K path copy one page. */
			if (split_huge_pmd(mm, e_pa, haddr, lvl))
				return VM_FAULT_SIGBUS;
			return VM_FAULT_FALLBACK;
		}
		/* The only user: writable in place (do_huge_pmd_wp_page reuse). */
		f |= PTE_F_WRITE;
		kind = FAULT_KIND_REUSE;
	}
	f |= PTE_F_ACCESSED | (write ? PTE_F_DIRTY : 0);
	pte_write(k, e_pa, arch_pte_encode(k->arch, arch_pte_pfn(k->arch, pte), f));
	if (info) {
		info->kind = kind;
		info->pa = base + ((addr & (span - 1)) & ~(k->page_size - 1));
	}
	return 0;
}

/* ---- split ------------------------------------------------------------------------ */

int split_huge_pmd(struct mm_struct *mm, mm_pa_t e_pa, mm_va_t haddr, unsigned lvl)
{
	struct mm_kernel *k = mm->k;
	const struct arch_profile *a = k->arch;
	if (lvl != pmd_level(k))
		return -EINVAL;
	mm_pte_t pte = pte_read(k, e_pa);
	struct page *head = thp_leaf_page(k, pte);
	if (!head)
		return -EINVAL;
	uint64_t nr = 1ULL << head->private;
	if (head->private > k->max_order || nr != thp_nr_pages(k) || !head[1].private)
		return -EINVAL;
	if (head->_mapcount != 1 || head->_refcount != 1)
		return -EBUSY; /* pinned or shared: Linux's split would fail too */
	mm_pa_t table_pa = (mm_pa_t)(head[1].private - 1) << k->page_shift;
	unsigned f = arch_pte_flags(a, pte) & ~(unsigned)PTE_F_HUGE;
	mm_pfn_t pfn = arch_pte_pfn(a, pte);

	/* No allocation from here on: the checker may look at any point where
	 * the allocator runs, and sees either the PMD or the PTEs. */
	for (uint64_t i = 0; i < nr; i++)
		pte_write(k, table_pa + i * a->pte_bytes, arch_pte_encode(a, pfn + i, f));
	void *anon_vma = head->mapping;
	uint64_t index = head->index;
	uint64_t keep = head->flags & ~((1ULL << PG_head) | (1ULL << PG_tail));
	for (uint64_t i = 0; i < nr; i++) {
		struct page *p = head + i;
		p->flags = keep;
		p->mapping = anon_vma;
		p->index = index + i;
		p->private = 0;
		p->_mapcount = 1;
		p->_refcount = 1;
	}
	pte_write(k, e_pa, user_table_entry(k, lvl, table_pa));
	count_vm_events(k, nr_anon_transparent_hugepages, (uint64_t)0 - nr);
	count_vm_event(k, thp_split_pmd);
	count_vm_event(k, thp_split_page);
	mm_flush_tlb_range(mm, haddr, haddr + (nr << k->page_shift));
	return 0;
}

int copy_huge_pmd(struct vm_area_struct *src_vma, mm_pa_t e_pa, mm_va_t addr, unsigned lvl)
{
	struct mm_kernel *k = src_vma->vm_mm->k;
	uint64_t span = arch_level_span(k->arch, lvl);
	return split_huge_pmd(src_vma->vm_mm, e_pa, addr & ~(span - 1), lvl);
}

void thp_zap_pmd(struct mm_struct *mm, struct page *head, uint64_t span)
{
	struct mm_kernel *k = mm->k;
	uint64_t nr = span >> k->page_shift;
	count_vm_events(k, nr_anon_transparent_hugepages, (uint64_t)0 - nr);
	if (nr > 1 && head[1].private) {
		mm_pa_t table_pa = (mm_pa_t)(head[1].private - 1) << k->page_shift;
		head[1].private = 0;
		user_pgtable_free(mm, table_pa, pmd_level(k) + 1);
	}
}
