/*
 * pgtable_user.c - the page-level work of the address-space system calls,
 * on a process's own page tables: unmap (zap) a range, free the tables that
 * a hole leaves empty, rewrite protections, move entries for mremap.
 *
 * A process's tables hang from its PGD; the kernel half of the PGD is a copy
 * of init_mm's entries (pgd_alloc), so every process shares the kernel's
 * lower tables and only the user half [0, task_size) is ever walked here:
 *
 *   mm->pgd_pa ─► [PGD: user entries | kernel entries copied from init_mm]
 *                     │
 *                     ▼ (allocated on demand, GFP_KERNEL|__GFP_ZERO, PG_table,
 *                   [PUD] ─► [PMD] ─► [PTE]   counted in PageTables and VmPTE)
 *                                       │
 *            a leaf PTE is one of:      ├─ 0                   nothing
 *                                       ├─ P set               a present page
 *                                       ├─ P clear, G set      PROT_NONE page (x86's
 *                                       │                      _PAGE_PROTNONE = G bit)
 *                                       └─ other non-zero      a swap entry (swapfile.c)
 *
 * Zapping a present page: the PTE is cleared, its dirty bit goes to the page
 * (file pages), the page loses one mapping (_mapcount) and one reference
 * (freed with the last), and the mm's RSS counter for its kind goes down.
 * The shared zero page (PG_zero) and reserved pages are never counted or
 * freed: Linux's vm_normal_page() returns NULL for them.
 *
 * Every change that may leave a stale translation ends with
 * mm_flush_tlb_range(): it records the range in the mm (the TLB layer takes
 * it with mm_tlb_flush_take) and calls mm->ops->flush_tlb_range when the
 * process layer has installed one, which shoots the range down on every
 * CPU running the mm.
 *
 * Huge leaves (PS at the PMD/PUD level) are zapped or moved whole. A call
 * that covers part of a transparent huge page splits it first
 * (huge_memory.c's split_huge_pmd: 512 PTEs in the table deposited at fault
 * time) and then works on the PTEs; a hugetlb leaf is never split (the
 * system calls refuse unaligned ranges with EINVAL before they get here),
 * so a partial hugetlb range is left whole with a warning. hugetlb pages
 * go back to their pool (hugetlb.c) and count in no RSS counter, as in
 * Linux.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "mm/filemap.h"
#include "mm/huge_memory.h"
#include "mm/hugetlb.h"
#include "mm/internal.h"
#include "mm/mm_struct.h"

/* ---- entries ----------------------------------------------------------------- */

static unsigned pte_flags(const struct mm_kernel *k, mm_pte_t pte)
{
	return arch_pte_flags(k->arch, pte);
}

bool user_pte_present(const struct mm_kernel *k, mm_pte_t pte)
{
	unsigned f = pte_flags(k, pte);
	return (f & PTE_F_PRESENT) || (f & PTE_F_GLOBAL);
}

bool user_pte_protnone(const struct mm_kernel *k, mm_pte_t pte)
{
	unsigned f = pte_flags(k, pte);
	return !(f & PTE_F_PRESENT) && (f & PTE_F_GLOBAL);
}

/* The page a present (or PROT_NONE) PTE maps, or NULL when it has none that
 * is counted: outside RAM, the zero page, a reserved page. */
struct page *user_pte_page(const struct mm_kernel *k, mm_pte_t pte)
{
	mm_pfn_t pfn = arch_pte_pfn(k->arch, pte);
	if (!pfn_valid(k, pfn))
		return NULL;
	struct page *p = pfn_to_page(k, pfn);
	if (PageFlag(p, PG_zero) || PageFlag(p, PG_reserved))
		return NULL;
	return p;
}

int mm_counter_of(const struct page *page)
{
	if (PageFlag(page, PG_anon))
		return MM_ANONPAGES;
	if (PageFlag(page, PG_swapbacked))
		return MM_SHMEMPAGES;
	return MM_FILEPAGES;
}

/* Drop one reference to a mapped page (the compound head holds them). */
static void put_mapped_page(struct mm_kernel *k, struct page *page)
{
	struct page *head = page;
	if (PageFlag(page, PG_tail) && page->mapping)
		head = page->mapping;
	unsigned order = PageFlag(head, PG_head) ? (unsigned)head->private : 0;
	__free_pages(k, head, order);
}

/* ---- tables ----------------------------------------------------------------- */

static mm_pa_t entry_pa(const struct mm_kernel *k, mm_pa_t table, unsigned lvl, mm_va_t va)
{
	return table + (mm_pa_t)arch_va_index(k->arch, lvl, va) * k->arch->pte_bytes;
}

int user_pgtable_alloc(struct mm_struct *mm, unsigned lvl, mm_pa_t *pa)
{
	if (!pgtable_table_alloc(mm->k, lvl, pa))
		return -ENOMEM;
	mm->pgtables_bytes += pgtable_table_bytes(mm->k, lvl);
	return 0;
}

void user_pgtable_free(struct mm_struct *mm, mm_pa_t pa, unsigned lvl)
{
	pgtable_table_free(mm->k, pa, lvl);
	mm->pgtables_bytes -= pgtable_table_bytes(mm->k, lvl);
}

mm_pte_t user_table_entry(const struct mm_kernel *k, unsigned lvl, mm_pa_t table_pa)
{
	return arch_pte_encode(k->arch, table_pa >> k->page_shift, pgtable_table_entry_flags(k->arch, lvl));
}

int user_pgd_alloc(struct mm_kernel *k, mm_pa_t *pgd_pa)
{
	const struct arch_profile *a = k->arch;
	mm_pa_t pgd;
	if (!pgtable_table_alloc(k, 0, &pgd))
		return -ENOMEM;
	/* Share the kernel: copy init_mm's entries from the first one above
	 * user space (x86_64: 256..511; i386: PAGE_OFFSET's index, 768). */
	if (k->kernel_pgd_pa && !a->is_toy) {
		uint64_t span = arch_level_span(a, 0);
		uint64_t first = (a->task_size + span - 1) / span;
		uint64_t n = arch_table_entries(a, 0);
		if (first < n) {
			size_t off = (size_t)(first * a->pte_bytes);
			memcpy((uint8_t *)phys_to_host(k->ram, pgd) + off,
			       (uint8_t *)phys_to_host(k->ram, k->kernel_pgd_pa) + off,
			       (size_t)((n - first) * a->pte_bytes));
		}
	}
	*pgd_pa = pgd;
	return 0;
}

void user_pgd_free(struct mm_kernel *k, mm_pa_t pgd_pa)
{
	pgtable_table_free(k, pgd_pa, 0);
}

bool user_pte_lookup(struct mm_struct *mm, mm_va_t va, unsigned *level, mm_pa_t *entry)
{
	struct mm_kernel *k = mm->k;
	const struct arch_profile *a = k->arch;
	mm_pa_t table = mm->pgd_pa;
	for (unsigned lvl = 0; lvl < a->nr_levels; lvl++) {
		mm_pa_t e_pa = entry_pa(k, table, lvl, va);
		mm_pte_t e = lvl == a->nr_levels - 1 ? 0 : pte_read(k, e_pa);
		unsigned f = pte_flags(k, e);
		if (lvl == a->nr_levels - 1 ||
		    (pgtable_entry_is_huge_leaf(a, lvl, f) && (f & (PTE_F_PRESENT | PTE_F_GLOBAL)))) {
			if (level)
				*level = lvl;
			*entry = e_pa;
			return true;
		}
		if (!(f & PTE_F_PRESENT))
			return false;
		table = pgtable_entry_target_pa(k, e);
	}
	return false;
}

int user_pte_alloc(struct mm_struct *mm, mm_va_t va, mm_pa_t *entry)
{
	struct mm_kernel *k = mm->k;
	const struct arch_profile *a = k->arch;
	mm_pa_t table = mm->pgd_pa;
	for (unsigned lvl = 0; lvl + 1 < a->nr_levels; lvl++) {
		mm_pa_t e_pa = entry_pa(k, table, lvl, va);
		mm_pte_t e = pte_read(k, e_pa);
		unsigned f = pte_flags(k, e);
		if (pgtable_entry_is_huge_leaf(a, lvl, f))
			return -EEXIST; /* a huge page is in the way */
		if (!(f & PTE_F_PRESENT)) {
			mm_pa_t t;
			if (!pgtable_table_alloc(k, lvl + 1, &t))
				return -ENOMEM;
			mm->pgtables_bytes += pgtable_table_bytes(k, lvl + 1);
			e = arch_pte_encode(a, t >> k->page_shift, pgtable_table_entry_flags(a, lvl));
			pte_write(k, e_pa, e);
		}
		table = pgtable_entry_target_pa(k, e);
	}
	*entry = entry_pa(k, table, a->nr_levels - 1, va);
	return 0;
}

int user_entry_alloc(struct mm_struct *mm, mm_va_t va, unsigned target, mm_pa_t *entry)
{
	struct mm_kernel *k = mm->k;
	const struct arch_profile *a = k->arch;
	mm_pa_t table = mm->pgd_pa;
	if (target >= a->nr_levels)
		return -EINVAL;
	for (unsigned lvl = 0; lvl < target; lvl++) {
		mm_pa_t e_pa = entry_pa(k, table, lvl, va);
		mm_pte_t e = pte_read(k, e_pa);
		unsigned f = pte_flags(k, e);
		if (pgtable_entry_is_huge_leaf(a, lvl, f))
			return -EEXIST;
		if (!(f & PTE_F_PRESENT)) {
			mm_pa_t t;
			if (!pgtable_table_alloc(k, lvl + 1, &t))
				return -ENOMEM;
			mm->pgtables_bytes += pgtable_table_bytes(k, lvl + 1);
			e = arch_pte_encode(a, t >> k->page_shift, pgtable_table_entry_flags(a, lvl));
			pte_write(k, e_pa, e);
		}
		table = pgtable_entry_target_pa(k, e);
	}
	*entry = entry_pa(k, table, target, va);
	return 0;
}

/* ---- TLB flush requests ------------------------------------------------------------ */

void mm_flush_tlb_range(struct mm_struct *mm, mm_va_t start, mm_va_t end)
{
	if (start >= end)
		return;
	if (mm->tlb_flush_start >= mm->tlb_flush_end) {
		mm->tlb_flush_start = start;
		mm->tlb_flush_end = end;
	} else {
		mm->tlb_flush_start = MM_MIN(mm->tlb_flush_start, start);
		mm->tlb_flush_end = MM_MAX(mm->tlb_flush_end, end);
	}
	mm->nr_tlb_flush_requests++;
	if (mm->ops && mm->ops->flush_tlb_range)
		mm->ops->flush_tlb_range(mm, start, end);
}

bool mm_tlb_flush_take(struct mm_struct *mm, mm_va_t *start, mm_va_t *end)
{
	if (mm->tlb_flush_start >= mm->tlb_flush_end)
		return false;
	*start = mm->tlb_flush_start;
	*end = mm->tlb_flush_end;
	mm->tlb_flush_start = mm->tlb_flush_end = 0;
	return true;
}

/* ---- a walk over the leaves of a range ------------------------------------------------- */

struct pte_walk {
	struct mm_struct *mm;
	struct vm_area_struct *vma;
	/* Called for each non-zero leaf entry at the last level. */
	void (*pte)(struct pte_walk *w, mm_pa_t e_pa, mm_pte_t pte, mm_va_t va);
	/* Called for a huge leaf covering [base, base+span); inside says
	 * whether the walked range covers all of it. */
	void (*huge)(struct pte_walk *w, mm_pa_t e_pa, mm_pte_t pte, mm_va_t base,
		     uint64_t span, unsigned lvl, bool inside);
	mm_va_t start, end;
	uint64_t changed;    /* entries changed: a TLB flush is due */
	void *arg;
};

static void walk_level(struct pte_walk *w, mm_pa_t table, unsigned lvl, mm_va_t start,
		       mm_va_t end)
{
	struct mm_kernel *k = w->mm->k;
	const struct arch_profile *a = k->arch;
	uint64_t span = arch_level_span(a, lvl);
	mm_va_t addr = start;
	while (addr < end) {
		mm_va_t base = addr & ~(span - 1);
		mm_va_t next = base + span;
		if (next <= base || next > end)
			next = end; /* the last entry of the range (or the top) */
		mm_pa_t e_pa = entry_pa(k, table, lvl, addr);
		mm_pte_t e = pte_read(k, e_pa);
		if (e) {
			if (lvl == a->nr_levels - 1) {
				w->pte(w, e_pa, e, addr);
			} else {
				unsigned f = pte_flags(k, e);
				bool inside = base >= w->start && base + span - 1 <= w->end - 1;
				/* Part of a transparent huge page: split it, then
				 * work on its PTEs (split_huge_pmd, huge_memory.c). */
				if (pgtable_entry_is_huge_leaf(a, lvl, f) && !inside &&
				    split_huge_pmd(w->mm, e_pa, base, lvl) == 0) {
					e = pte_read(k, e_pa);
					f = pte_flags(k, e);
				}
				if (pgtable_entry_is_huge_leaf(a, lvl, f)) {
					if (w->huge)
						w->huge(w, e_pa, e, base, span, lvl, inside);
				} else if (f & PTE_F_PRESENT) {
					walk_level(w, pgtable_entry_target_pa(k, e), lvl + 1, addr, next);
				}
			}
		}
		if (next <= addr)
			break;
		addr = next;
	}
}

static void walk_range(struct pte_walk *w)
{
	if (w->start < w->end)
		walk_level(w, w->mm->pgd_pa, 0, w->start, w->end);
}

static void warn_partial_huge(struct pte_walk *w, const char *what, mm_va_t base, uint64_t span)
{
	printk(w->mm->k, "%s: [0x%" PRIx64 "-0x%" PRIx64 ") covers part of a %" PRIu64
			 "K huge mapping at 0x%" PRIx64 ": left whole (splitting is huge_memory.c's)",
	       what, w->start, w->end, span >> 10, base);
}

/* ---- zap ------------------------------------------------------------------------------ */

static void zap_pte(struct pte_walk *w, mm_pa_t e_pa, mm_pte_t pte, mm_va_t va)
{
	struct mm_struct *mm = w->mm;
	struct mm_kernel *k = mm->k;
	(void)va;
	if (user_pte_present(k, pte)) {
		struct page *page = user_pte_page(k, pte);
		pte_write(k, e_pa, 0);
		w->changed++;
		if (!page)
			return;
		unsigned f = pte_flags(k, pte);
		if (!PageFlag(page, PG_anon)) {
			if (f & PTE_F_DIRTY)
				set_page_dirty(k, page); /* written through this mapping: accounted */
			if (f & PTE_F_ACCESSED)
				SetPageFlag(page, PG_referenced);
		}
		add_mm_counter(mm, mm_counter_of(page), -1);
		if (page->_mapcount > 0)
			page->_mapcount--;
		if (page->_mapcount == 0 && PageFlag(page, PG_mlocked))
			ClearPageFlag(page, PG_mlocked);
		put_mapped_page(k, page);
	} else {
		/* A swap entry: the slot's reference goes with it (swapfile.c
		 * frees the slot when it exists). */
		pte_write(k, e_pa, 0);
		add_mm_counter(mm, MM_SWAPENTS, -1);
	}
}

static void zap_huge(struct pte_walk *w, mm_pa_t e_pa, mm_pte_t pte, mm_va_t base,
		     uint64_t span, unsigned lvl, bool inside)
{
	struct mm_struct *mm = w->mm;
	struct mm_kernel *k = mm->k;
	(void)lvl;
	if (!inside) {
		warn_partial_huge(w, "zap", base, span);
		return;
	}
	pte_write(k, e_pa, 0);
	w->changed++;
	struct page *page = user_pte_page(k, pte);
	if (!page)
		return;
	if (PageFlag(page, PG_hugetlb)) {
		/* Not in RSS; the page goes back to the pool with its last user. */
		if (page->_mapcount > 0)
			page->_mapcount--;
		hugetlb_put_page(k, page);
		return;
	}
	add_mm_counter(mm, mm_counter_of(page), -(int64_t)(span >> k->page_shift));
	if (page->_mapcount > 0)
		page->_mapcount--;
	if (page->_mapcount == 0 && PageFlag(page, PG_mlocked))
		ClearPageFlag(page, PG_mlocked);
	/* A THP: AnonHugePages goes down, the table deposited for a split
	 * is freed (zap_deposited_table). */
	if (PageFlag(page, PG_head) && PageFlag(page, PG_anon))
		thp_zap_pmd(mm, page, span);
	put_mapped_page(k, page);
}

void unmap_page_range(struct mm_struct *mm, struct vm_area_struct *vma, mm_va_t start,
		      mm_va_t end)
{
	struct pte_walk w = { .mm = mm, .vma = vma, .pte = zap_pte, .huge = zap_huge,
			      .start = start, .end = end };
	update_hiwater_rss(mm);
	walk_range(&w);
	if (w.changed)
		mm_flush_tlb_range(mm, start, end);
}

/* ---- free empty tables -------------------------------------------------------------------- */

static bool table_is_empty(const struct mm_kernel *k, mm_pa_t table, unsigned lvl)
{
	uint64_t bytes = (uint64_t)arch_table_entries(k->arch, lvl) * k->arch->pte_bytes;
	const uint8_t *p = phys_to_host(k->ram, table);
	for (uint64_t i = 0; i < bytes; i++)
		if (p[i])
			return false;
	return true;
}

/* Free the tables below `table` (level lvl) that lie wholly inside
 * [floor, ceiling) (ceiling 0: the top) and overlap [start, end). */
static void free_level(struct mm_struct *mm, mm_pa_t table, unsigned lvl, mm_va_t start,
		       mm_va_t end, mm_va_t floor, mm_va_t ceiling)
{
	struct mm_kernel *k = mm->k;
	const struct arch_profile *a = k->arch;
	if (lvl + 1 >= a->nr_levels)
		return; /* entries here are leaves */
	uint64_t span = arch_level_span(a, lvl);
	mm_va_t addr = start;
	while (addr < end) {
		mm_va_t base = addr & ~(span - 1);
		mm_va_t last = base + span - 1;
		mm_va_t next = last + 1;
		if (next == 0 || next > end)
			next = end;
		mm_pa_t e_pa = entry_pa(k, table, lvl, addr);
		mm_pte_t e = pte_read(k, e_pa);
		unsigned f = pte_flags(k, e);
		if ((f & PTE_F_PRESENT) && !pgtable_entry_is_huge_leaf(a, lvl, f)) {
			mm_pa_t child = pgtable_entry_target_pa(k, e);
			free_level(mm, child, lvl + 1, addr, next, floor, ceiling);
			bool within = base >= floor && (ceiling == 0 || last <= ceiling - 1);
			if (within && table_is_empty(k, child, lvl + 1)) {
				pte_write(k, e_pa, 0);
				pgtable_table_free(k, child, lvl + 1);
				mm->pgtables_bytes -= pgtable_table_bytes(k, lvl + 1);
			}
		}
		if (next <= addr)
			break;
		addr = next;
	}
}

void free_pgtables(struct mm_struct *mm, mm_va_t start, mm_va_t end, mm_va_t floor,
		   mm_va_t ceiling)
{
	if (start < end)
		free_level(mm, mm->pgd_pa, 0, start, end, floor, ceiling);
}

/* ---- change_protection ------------------------------------------------------------------- */

/* May this present anonymous page be mapped writable right away? Linux
 * asks PageAnonExclusive; mmsim's equivalent is "mapped once, referenced
 * once" (no fork sharing, no other holder). */
static bool page_anon_exclusive(const struct page *page)
{
	return PageFlag(page, PG_anon) && page->_mapcount == 1 && page->_refcount == 1;
}

static unsigned protect_flags(struct pte_walk *w, mm_pte_t pte, unsigned prot)
{
	struct mm_kernel *k = w->mm->k;
	struct vm_area_struct *vma = w->vma;
	unsigned old = pte_flags(k, pte);
	unsigned f = (prot & ~(unsigned)(PTE_F_ACCESSED | PTE_F_DIRTY)) |
		     (old & (PTE_F_ACCESSED | PTE_F_DIRTY));
	if ((vma->vm_flags & VM_WRITE) && (f & PTE_F_PRESENT) && !(f & PTE_F_WRITE)) {
		struct page *page = user_pte_page(k, pte);
		if (!(vma->vm_flags & VM_SHARED)) {
			/* Private: only an exclusive anonymous page skips the
			 * write fault (the COW fault would reuse it anyway). */
			if (page && page_anon_exclusive(page))
				f |= PTE_F_WRITE;
		} else if (old & PTE_F_DIRTY) {
			/* Shared file page already dirty: no write-notify due. */
			f |= PTE_F_WRITE;
		}
	}
	return f;
}

static void protect_pte(struct pte_walk *w, mm_pa_t e_pa, mm_pte_t pte, mm_va_t va)
{
	struct mm_kernel *k = w->mm->k;
	(void)va;
	if (!user_pte_present(k, pte))
		return; /* swap entries keep no protection */
	unsigned prot = *(const unsigned *)w->arg;
	mm_pte_t n = arch_pte_encode(k->arch, arch_pte_pfn(k->arch, pte), protect_flags(w, pte, prot));
	if (n != pte) {
		pte_write(k, e_pa, n);
		w->changed++;
	}
}

static void protect_huge(struct pte_walk *w, mm_pa_t e_pa, mm_pte_t pte, mm_va_t base,
			 uint64_t span, unsigned lvl, bool inside)
{
	struct mm_kernel *k = w->mm->k;
	(void)lvl;
	if (!inside) {
		warn_partial_huge(w, "change_protection", base, span);
		return;
	}
	unsigned prot = *(const unsigned *)w->arg;
	unsigned f = protect_flags(w, pte, prot) | PTE_F_HUGE;
	mm_pte_t n = arch_pte_encode(k->arch, arch_pte_pfn(k->arch, pte), f);
	if (n != pte) {
		pte_write(k, e_pa, n);
		w->changed++;
	}
}

uint64_t change_protection(struct mm_struct *mm, struct vm_area_struct *vma, mm_va_t start,
			   mm_va_t end)
{
	unsigned prot = vma->vm_page_prot;
	struct pte_walk w = { .mm = mm, .vma = vma, .pte = protect_pte, .huge = protect_huge,
			      .start = start, .end = end, .arg = &prot };
	walk_range(&w);
	if (w.changed)
		mm_flush_tlb_range(mm, start, end);
	return w.changed;
}

/* ---- MADV_FREE and mlock marks -------------------------------------------------------------- */

static void lazyfree_pte(struct pte_walk *w, mm_pa_t e_pa, mm_pte_t pte, mm_va_t va)
{
	struct mm_struct *mm = w->mm;
	struct mm_kernel *k = mm->k;
	(void)va;
	if (!user_pte_present(k, pte)) {
		/* The swapped-out copy is not needed any more. */
		pte_write(k, e_pa, 0);
		add_mm_counter(mm, MM_SWAPENTS, -1);
		w->changed++;
		return;
	}
	struct page *page = user_pte_page(k, pte);
	if (!page || !PageFlag(page, PG_anon) || page->_mapcount != 1)
		return; /* shared with another mapping: keep it */
	unsigned f = pte_flags(k, pte);
	if (f & (PTE_F_DIRTY | PTE_F_ACCESSED)) {
		f &= ~(unsigned)(PTE_F_DIRTY | PTE_F_ACCESSED);
		pte_write(k, e_pa, arch_pte_encode(k->arch, arch_pte_pfn(k->arch, pte), f));
		w->changed++;
	}
	ClearPageFlag(page, PG_dirty);
	if (PageFlag(page, PG_swapbacked)) {
		/* folio_mark_lazyfree: the page now counts as clean file-like
		 * memory that reclaim may drop without writing it anywhere. */
		ClearPageFlag(page, PG_swapbacked);
		ClearPageFlag(page, PG_active);
		ClearPageFlag(page, PG_referenced);
		count_vm_event(k, pglazyfree);
	}
}

void madvise_free_range(struct mm_struct *mm, struct vm_area_struct *vma, mm_va_t start,
			mm_va_t end)
{
	struct pte_walk w = { .mm = mm, .vma = vma, .pte = lazyfree_pte, .start = start, .end = end };
	walk_range(&w);
	if (w.changed)
		mm_flush_tlb_range(mm, start, end);
}

static void mlock_pte(struct pte_walk *w, mm_pa_t e_pa, mm_pte_t pte, mm_va_t va)
{
	struct mm_kernel *k = w->mm->k;
	bool lock = w->arg != NULL;
	(void)e_pa;
	(void)va;
	if (!user_pte_present(k, pte))
		return;
	struct page *page = user_pte_page(k, pte);
	if (!page)
		return;
	if (lock && !PageFlag(page, PG_mlocked)) {
		SetPageFlag(page, PG_mlocked);
		count_vm_event(k, unevictable_pgs_mlocked);
	} else if (!lock && PageFlag(page, PG_mlocked)) {
		ClearPageFlag(page, PG_mlocked);
		count_vm_event(k, unevictable_pgs_munlocked);
	}
}

void mlock_pte_range(struct mm_struct *mm, struct vm_area_struct *vma, mm_va_t start,
		     mm_va_t end, bool lock)
{
	static const int on = 1;
	struct pte_walk w = { .mm = mm, .vma = vma, .pte = mlock_pte, .start = start, .end = end,
			      .arg = lock ? (void *)&on : NULL };
	walk_range(&w);
}

/* ---- move_page_tables ----------------------------------------------------------------------- */

/* Move the leaf at old_va to new_va; false when a table could not be had. */
static bool move_one(struct mm_struct *mm, mm_va_t old_va, mm_va_t new_va, bool *moved)
{
	struct mm_kernel *k = mm->k;
	*moved = false;
	unsigned lvl;
	mm_pa_t old_pa, new_pa;
	if (!user_pte_lookup(mm, old_va, &lvl, &old_pa))
		return true;
	mm_pte_t pte = pte_read(k, old_pa);
	if (!pte)
		return true;
	if (lvl != k->arch->nr_levels - 1)
		return true; /* huge leaves are moved whole by move_page_tables */
	if (user_pte_alloc(mm, new_va, &new_pa))
		return false;
	pte_write(k, new_pa, pte);
	pte_write(k, old_pa, 0);
	*moved = true;
	return true;
}

int64_t move_page_tables(struct mm_struct *mm, mm_va_t old_addr, mm_va_t new_addr, uint64_t len)
{
	struct mm_kernel *k = mm->k;
	const struct arch_profile *a = k->arch;
	uint64_t done = 0;
	bool any = false;
	while (done < len) {
		mm_va_t o = old_addr + done, n = new_addr + done;
		unsigned lvl;
		mm_pa_t e;
		if (user_pte_lookup(mm, o, &lvl, &e) && lvl < a->nr_levels - 1) {
			/* A huge leaf: moved whole when both sides are aligned to it
			 * and the range covers it (Linux's move_huge_pmd). */
			uint64_t span = arch_level_span(a, lvl);
			mm_pte_t pte = pte_read(k, e);
			if (!(o & (span - 1)) && !(n & (span - 1)) && len - done >= span) {
				mm_pa_t t = mm->pgd_pa;
				mm_pa_t dst;
				for (unsigned l = 0; l < lvl; l++) {
					mm_pa_t ep = entry_pa(k, t, l, n);
					mm_pte_t ee = pte_read(k, ep);
					if (!(pte_flags(k, ee) & PTE_F_PRESENT)) {
						mm_pa_t nt;
						if (!pgtable_table_alloc(k, l + 1, &nt))
							goto fail;
						mm->pgtables_bytes += pgtable_table_bytes(k, l + 1);
						ee = arch_pte_encode(a, nt >> k->page_shift, pgtable_table_entry_flags(a, l));
						pte_write(k, ep, ee);
					} else if (pgtable_entry_is_huge_leaf(a, l, pte_flags(k, ee))) {
						goto fail;
					}
					t = pgtable_entry_target_pa(k, ee);
				}
				dst = entry_pa(k, t, lvl, n);
				pte_write(k, dst, pte);
				pte_write(k, e, 0);
				any = true;
			} else if (split_huge_pmd(mm, e, o & ~(span - 1), lvl) == 0) {
				continue; /* now PTEs: moved one by one below */
			} else {
				printk(k, "move_page_tables: 0x%" PRIx64 " is inside a huge mapping not aligned for the move: left in place",
				       o);
			}
			done += span - (o & (span - 1));
			continue;
		}
		bool moved;
		if (!move_one(mm, o, n, &moved))
			goto fail;
		any |= moved;
		done += k->page_size;
	}
	if (any)
		mm_flush_tlb_range(mm, old_addr, old_addr + len);
	return (int64_t)len;

fail:
	/* Linux moves entries back when the destination runs out of tables. */
	for (uint64_t back = 0; back < done; back += k->page_size) {
		bool moved;
		move_one(mm, new_addr + back, old_addr + back, &moved);
	}
	if (any)
		mm_flush_tlb_range(mm, new_addr, new_addr + len);
	return -ENOMEM;
}

/* ---- the RSS checker ------------------------------------------------------------------------- */

struct rss_count {
	int64_t rss[NR_MM_COUNTERS];
};

static void count_pte(struct pte_walk *w, mm_pa_t e_pa, mm_pte_t pte, mm_va_t va)
{
	struct rss_count *c = w->arg;
	struct mm_kernel *k = w->mm->k;
	(void)e_pa;
	(void)va;
	if (!user_pte_present(k, pte)) {
		c->rss[MM_SWAPENTS]++;
		return;
	}
	struct page *page = user_pte_page(k, pte);
	if (page)
		c->rss[mm_counter_of(page)]++;
}

static void count_huge(struct pte_walk *w, mm_pa_t e_pa, mm_pte_t pte, mm_va_t base,
		       uint64_t span, unsigned lvl, bool inside)
{
	struct rss_count *c = w->arg;
	struct mm_kernel *k = w->mm->k;
	(void)e_pa;
	(void)base;
	(void)lvl;
	(void)inside;
	struct page *page = user_pte_page(k, pte);
	if (page && user_pte_present(k, pte) && !PageFlag(page, PG_hugetlb))
		c->rss[mm_counter_of(page)] += (int64_t)(span >> k->page_shift);
}

bool mm_check_rss(struct mm_struct *mm)
{
	static const char *const names[NR_MM_COUNTERS] = { "MM_FILEPAGES", "MM_ANONPAGES",
							   "MM_SWAPENTS", "MM_SHMEMPAGES" };
	struct rss_count c = { { 0 } };
	struct pte_walk w = { .mm = mm, .pte = count_pte, .huge = count_huge, .start = 0,
			      .end = mm->task_size, .arg = &c };
	walk_range(&w);
	bool ok = true;
	for (int i = 0; i < NR_MM_COUNTERS; i++) {
		if (c.rss[i] != mm->rss_stat[i]) {
			fprintf(stderr, "mm_check_rss: %s is %" PRId64 ", the page tables map %" PRId64 "\n",
				names[i], mm->rss_stat[i], c.rss[i]);
			ok = false;
		}
	}
	return ok;
}
