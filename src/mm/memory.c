/*
 * memory.c - page faults: demand paging, the zero page, copy-on-write, stack
 * growth; fork's page-table copy; populate (MAP_POPULATE, mlock).
 *
 * What a fault finds in the PTE decides what happens (handle_pte_fault):
 *
 *   PTE                 access   VMA                    result
 *   ─────────────────── ──────── ────────────────────── ─────────────────────────────
 *   none                read     private anonymous      zero page, read-only  (zero)
 *   none                write    private anonymous      new zeroed page, RW+D (minor)
 *   none                any      shared anonymous       the family's page, or a new
 *                                                       one put in its table (minor)
 *   none                any      file                   page cache (minor/major):
 *                                                       do_read/cow/shared_fault
 *   present, !RW        write    private                do_wp_page: reuse if this
 *                                                       mapping is the only user
 *                                                       (minor, pgreuse), else copy
 *                                                       (cow; the zero page -> a
 *                                                       zeroed page)
 *   present, !RW        write    shared                 make writable + dirty (minor)
 *   present, allowed    any      any                    spurious (stale TLB): A/D
 *                                                       set, the retry walks (minor)
 *   swap entry          any      any                    swap-in (swapfile.c's)
 *
 * COW in pictures (fork, then the child writes):
 *
 *   before:  parent PTE ─R─┐                after:  parent PTE ─R─► page  (mapcount 1,
 *                          ├─► page (map 2)                              refcount 1)
 *            child  PTE ─R─┘                        child  PTE ─RW─► copy (D, mapcount 1)
 *
 *   and when the parent writes next, it is the page's only user: the PTE
 *   becomes writable in place (wp_can_reuse_anon_folio), pgreuse counts it.
 *
 * Accounting (Linux's mm_account_fault): every fault that reaches
 * handle_mm_fault counts in vmstat pgfault, failed ones included; the task
 * counts it in min_flt or maj_flt only when it succeeded. Faults the arch
 * code rejects (no VMA, access error) count nowhere. RSS counters change
 * with each PTE that starts or stops mapping a counted page.
 *
 * References: a mapped page holds one reference and one mapcount per PTE
 * (plus one reference from the page cache or a shared family's table).
 * The zero page is never counted (vm_normal_page returns NULL for it).
 */
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fs/simfs.h"
#include "mm/filemap.h"
#include "mm/huge_memory.h"
#include "mm/hugetlb.h"
#include "mm/internal.h"
#include "mm/memory.h"
#include "mm/rmap.h"

/* ---- names --------------------------------------------------------------------- */

const char *fault_kind_result(enum fault_kind kind)
{
	switch (kind) {
	case FAULT_KIND_ZERO: return "zero";
	case FAULT_KIND_COW: return "cow";
	case FAULT_KIND_MAJOR: return "major";
	case FAULT_KIND_SWAPIN: return "swapin";
	case FAULT_KIND_NONE: return "none";
	default: return "minor";
	}
}

const char *fault_kind_name(enum fault_kind kind)
{
	static const char *const names[NR_FAULT_KINDS] = {
		[FAULT_KIND_NONE] = "none",
		[FAULT_KIND_ANON] = "minor: new page",
		[FAULT_KIND_ZERO] = "zero: the zero page",
		[FAULT_KIND_COW] = "cow: a private copy",
		[FAULT_KIND_REUSE] = "minor: reuse",
		[FAULT_KIND_FILE] = "minor: page cache",
		[FAULT_KIND_MAJOR] = "major: read from file",
		[FAULT_KIND_SWAPIN] = "swapin: read from swap",
		[FAULT_KIND_SPURIOUS] = "minor: spurious",
		[FAULT_KIND_SHARED] = "minor: shared page",
	};
	return kind < NR_FAULT_KINDS && names[kind] ? names[kind] : "?";
}

/* ---- state and the zero page ------------------------------------------------------ */

/* Linux's empty_zero_page lives in the kernel image's .bss: mmsim takes the
 * image's last page (reserved since boot, zero like all RAM at power-on),
 * so the zero page costs no free memory. A toy machine has no kernel
 * image: its zero page comes from the buddy allocator on first use. */
static struct page *zero_page_from_image(struct mm_kernel *k)
{
	const struct memblock_type *r = &k->memblock.reserved;
	for (int i = 0; i < r->cnt; i++) {
		const struct memblock_region *reg = &r->regions[i];
		if (strcmp(reg->name, "kernel image") != 0 || reg->size < k->page_size)
			continue;
		mm_pfn_t pfn = (reg->base + reg->size - k->page_size) >> k->page_shift;
		if (!pfn_valid(k, pfn))
			return NULL;
		memset(phys_to_host(k->ram, (mm_pa_t)pfn << k->page_shift), 0, k->page_size);
		return pfn_to_page(k, pfn);
	}
	return NULL;
}

/* The zero page, allocated now if the machine has none yet; NULL: OOM. */
static struct page *get_zero_page(struct mm_kernel *k)
{
	if (!k->zero_page) {
		struct page *zp = alloc_pages(k, GFP_KERNEL | __GFP_ZERO, 0);
		if (!zp)
			return NULL;
		SetPageFlag(zp, PG_reserved);
		SetPageFlag(zp, PG_zero);
		k->zero_page = zp;
	}
	return k->zero_page;
}

int memory_init(struct mm_kernel *k)
{
	struct memory_state *ms = calloc(1, sizeof(*ms));
	if (!ms)
		return -ENOMEM;
	/* fault_around_bytes: 64K by default (debugfs in Linux). */
	ms->fault_around_bytes = 64 * MM_KB;
	k->memory = ms;
	struct page *zp = zero_page_from_image(k);
	if (zp) {
		SetPageFlag(zp, PG_reserved);
		SetPageFlag(zp, PG_zero);
		k->zero_page = zp;
	}
	return 0;
}

void memory_fini(struct mm_kernel *k)
{
	rmap_fini(k);
	free(k->memory);
	k->memory = NULL;
	/* The zero page goes with RAM: like Linux's, it is never freed. */
	k->zero_page = NULL;
}

/* ---- small helpers ---------------------------------------------------------------- */

static inline mm_pfn_t pte_pfn_of(const struct mm_kernel *k, mm_pte_t pte)
{
	return arch_pte_pfn(k->arch, pte);
}

static inline unsigned pte_f(const struct mm_kernel *k, mm_pte_t pte)
{
	return arch_pte_flags(k->arch, pte);
}

static inline void set_pte(struct mm_kernel *k, mm_pa_t e, mm_pfn_t pfn, unsigned flags)
{
	pte_write(k, e, arch_pte_encode(k->arch, pfn, flags));
}

static inline mm_pa_t page_pa(const struct mm_kernel *k, const struct page *p)
{
	return (mm_pa_t)page_to_pfn(k, p) << k->page_shift;
}

static struct page *alloc_user_page(struct mm_kernel *k, unsigned cpu, bool zero)
{
	gfp_t gfp = GFP_HIGHUSER_MOVABLE | (zero ? __GFP_ZERO : 0);
	if (cpu >= k->nr_cpus)
		cpu = 0;
	return alloc_pages_cpu(k, gfp, 0, cpu);
}

/* Drop one PTE's hold on a page: mapcount and reference. */
static void page_unmap_put(struct mm_kernel *k, struct page *page)
{
	page_remove_rmap(page);
	__free_pages(k, page, 0);
}

/* The page a mapped VMA lock marks as mlocked (mlock_vma_folio). */
static void maybe_mlock(struct mm_kernel *k, struct vm_area_struct *vma, struct page *page)
{
	if ((vma->vm_flags & VM_LOCKED) && !PageFlag(page, PG_mlocked)) {
		SetPageFlag(page, PG_mlocked);
		count_vm_event(k, unevictable_pgs_mlocked);
	}
}

/* The flags of a new PTE for a page of vma: vm_page_prot, writable and
 * dirty for a write in a writable VMA (maybe_mkwrite(pte_mkdirty)). */
static unsigned new_pte_flags(const struct vm_area_struct *vma, bool write)
{
	unsigned f = vma->vm_page_prot | PTE_F_ACCESSED;
	if (write && (vma->vm_flags & VM_WRITE))
		f |= PTE_F_WRITE | PTE_F_DIRTY;
	return f;
}

struct fault_ctx {
	struct vm_area_struct *vma;
	struct mm_struct *mm;
	struct mm_kernel *k;
	mm_va_t addr;        /* page-aligned */
	unsigned flags;      /* FAULT_FLAG_* */
	mm_pa_t pte_pa;
	mm_pte_t orig_pte;
	struct fault_info *info;
};

static void fault_done(struct fault_ctx *vmf, enum fault_kind kind, mm_pa_t pa)
{
	vmf->info->kind = kind;
	vmf->info->pa = pa;
}

/* ---- anonymous memory --------------------------------------------------------------- */

static unsigned do_anonymous_page(struct fault_ctx *vmf)
{
	struct mm_kernel *k = vmf->k;
	struct vm_area_struct *vma = vmf->vma;
	bool write = vmf->flags & FAULT_FLAG_WRITE;

	if (!write) {
		/* A read of a never-written page: the zero page, read-only
		 * (private vm_page_prot has no RW), not counted in RSS. */
		struct page *zp = get_zero_page(k);
		if (!zp)
			return VM_FAULT_OOM;
		set_pte(k, vmf->pte_pa, page_to_pfn(k, zp), vma->vm_page_prot | PTE_F_ACCESSED);
		fault_done(vmf, FAULT_KIND_ZERO, page_pa(k, zp));
		return 0;
	}
	if (anon_vma_prepare(vma))
		return VM_FAULT_OOM;
	struct page *page = alloc_user_page(k, vmf->info->cpu, true);
	if (!page)
		return VM_FAULT_OOM;
	page_add_new_anon_rmap(page, vma, vmf->addr);
	maybe_mlock(k, vma, page);
	set_pte(k, vmf->pte_pa, page_to_pfn(k, page), new_pte_flags(vma, true));
	add_mm_counter(vmf->mm, MM_ANONPAGES, 1);
	fault_done(vmf, FAULT_KIND_ANON, page_pa(k, page));
	return 0;
}

/* A shared anonymous mapping: the family's page at this index, or a new
 * zeroed one entered in the family's table (shmem_fault's part). */
static unsigned do_shmem_fault(struct fault_ctx *vmf)
{
	struct mm_kernel *k = vmf->k;
	struct vm_area_struct *vma = vmf->vma;
	bool write = vmf->flags & FAULT_FLAG_WRITE;
	if (anon_vma_prepare(vma))
		return VM_FAULT_OOM;
	uint64_t index = linear_page_index(vma, vmf->addr);
	struct page *page = shmem_find_page(vma, index);
	enum fault_kind kind = FAULT_KIND_SHARED;
	if (page) {
		page->_refcount++;
		page_dup_rmap(page);
	} else {
		page = alloc_user_page(k, vmf->info->cpu, true);
		if (!page)
			return VM_FAULT_OOM;
		page_add_new_anon_rmap(page, vma, vmf->addr);
		shmem_add_page(vma, index, page);
		kind = FAULT_KIND_ANON;
	}
	maybe_mlock(k, vma, page);
	unsigned f = vma->vm_page_prot | PTE_F_ACCESSED;
	if (write)
		f |= PTE_F_DIRTY;
	set_pte(k, vmf->pte_pa, page_to_pfn(k, page), f);
	add_mm_counter(vmf->mm, mm_counter_of(page), 1);
	fault_done(vmf, kind, page_pa(k, page));
	return 0;
}

/* ---- file pages ----------------------------------------------------------------------- */

static struct address_space *vma_mapping(const struct vm_area_struct *vma)
{
	return simfile_mapping(vma->vm_file);
}

/* Map a page-cache page at addr (finish_fault / filemap_map_pages): the
 * caller's reference becomes the PTE's. */
static void map_file_page(struct fault_ctx *vmf, mm_pa_t pte_pa, struct page *page, bool write)
{
	struct mm_kernel *k = vmf->k;
	page_dup_rmap(page);
	maybe_mlock(k, vmf->vma, page);
	set_pte(k, pte_pa, page_to_pfn(k, page), new_pte_flags(vmf->vma, write));
	add_mm_counter(vmf->mm, mm_counter_of(page), 1);
}

/*
 * do_fault_around: map the cached, uptodate neighbours of the faulting page
 * in a window of fault_around_bytes (aligned, clipped to the VMA and to the
 * PTE table), without I/O. Returns true if the faulting page itself got
 * mapped (Linux's VM_FAULT_NOPAGE).
 */
static bool do_fault_around(struct fault_ctx *vmf, uint64_t pgoff)
{
	struct mm_kernel *k = vmf->k;
	const struct arch_profile *a = k->arch;
	struct vm_area_struct *vma = vmf->vma;
	uint64_t nr_pages = k->memory->fault_around_bytes >> k->page_shift;
	if (nr_pages <= 1)
		return false;
	unsigned last = a->nr_levels - 1;
	if (last >= ARCH_MAX_LEVELS)
		return false;
	uint64_t ptrs = arch_table_entries(a, last);
	uint64_t pte_off = arch_va_index(a, last, vmf->addr);
	uint64_t vma_off = pgoff - vma->vm_pgoff;
	uint64_t from = MM_MAX(pte_off & ~(nr_pages - 1), pte_off - MM_MIN(pte_off, vma_off));
	uint64_t to = MM_MIN(MM_MIN(from + nr_pages, ptrs), pte_off + vma_pages(vma, k->page_shift) - vma_off);
	if (to <= from)
		return false;
	uint64_t start = pgoff + from - pte_off, end = pgoff + (to - 1) - pte_off;
	struct page *pages[64];
	unsigned n = filemap_get_uptodate_pages(vma_mapping(vma), start, end, pages,
						(unsigned)MM_MIN(end - start + 1, MM_ARRAY_SIZE(pages)));
	bool mapped_self = false;
	for (unsigned i = 0; i < n; i++) {
		struct page *page = pages[i];
		mm_va_t addr = vmf->addr + ((page->index - pgoff) << k->page_shift);
		mm_pa_t e;
		if (user_pte_alloc(vmf->mm, addr, &e) || pte_read(k, e)) {
			put_page(k, page); /* already mapped (or no table): skip */
			continue;
		}
		map_file_page(vmf, e, page, false);
		if (page->index == pgoff)
			mapped_self = true;
		else
			vmf->info->nr_around++;
	}
	return mapped_self;
}

/* filemap_fault's page for this fault, as VM_FAULT bits. */
static unsigned file_fault_page(struct fault_ctx *vmf, uint64_t pgoff, struct page **pagep,
				bool *major)
{
	*major = false;
	int err = filemap_fault(vmf->vma, pgoff, pagep, major);
	if (err == -ENOMEM)
		return VM_FAULT_OOM;
	if (err) {
		vmf->info->why = "access beyond the end of the file";
		return VM_FAULT_SIGBUS;
	}
	return 0;
}

/* A read fault: fault-around first, then the page itself. */
static unsigned do_read_fault(struct fault_ctx *vmf, uint64_t pgoff)
{
	struct mm_kernel *k = vmf->k;
	if (do_fault_around(vmf, pgoff)) {
		mm_pte_t pte = pte_read(k, vmf->pte_pa);
		fault_done(vmf, FAULT_KIND_FILE, (mm_pa_t)pte_pfn_of(k, pte) << k->page_shift);
		return VM_FAULT_NOPAGE;
	}
	struct page *page;
	bool major;
	unsigned ret = file_fault_page(vmf, pgoff, &page, &major);
	if (ret)
		return ret;
	if (pte_read(k, vmf->pte_pa)) {
		put_page(k, page); /* fault-around mapped it meanwhile */
	} else {
		map_file_page(vmf, vmf->pte_pa, page, false);
	}
	fault_done(vmf, major ? FAULT_KIND_MAJOR : FAULT_KIND_FILE, page_pa(k, page));
	return major ? VM_FAULT_MAJOR : 0;
}

/* A write fault in a private file mapping: a private copy straight away. */
static unsigned do_cow_fault(struct fault_ctx *vmf, uint64_t pgoff)
{
	struct mm_kernel *k = vmf->k;
	struct vm_area_struct *vma = vmf->vma;
	if (anon_vma_prepare(vma))
		return VM_FAULT_OOM;
	struct page *cow = alloc_user_page(k, vmf->info->cpu, false);
	if (!cow)
		return VM_FAULT_OOM;
	struct page *page;
	bool major;
	unsigned ret = file_fault_page(vmf, pgoff, &page, &major);
	if (ret) {
		__free_pages(k, cow, 0);
		return ret;
	}
	memcpy(page_to_host(k, cow), page_to_host(k, page), k->page_size);
	put_page(k, page);
	page_add_new_anon_rmap(cow, vma, vmf->addr);
	maybe_mlock(k, vma, cow);
	set_pte(k, vmf->pte_pa, page_to_pfn(k, cow), new_pte_flags(vma, true));
	add_mm_counter(vmf->mm, MM_ANONPAGES, 1);
	vmf->info->cow = true;
	fault_done(vmf, major ? FAULT_KIND_MAJOR : FAULT_KIND_COW, page_pa(k, cow));
	return (major ? VM_FAULT_MAJOR : 0) | VM_FAULT_DONE_COW;
}

/* A write fault in a shared file mapping: the cached page, dirtied. */
static unsigned do_shared_fault(struct fault_ctx *vmf, uint64_t pgoff)
{
	struct mm_kernel *k = vmf->k;
	struct page *page;
	bool major;
	unsigned ret = file_fault_page(vmf, pgoff, &page, &major);
	if (ret)
		return ret;
	set_page_dirty(k, page); /* fault_dirty_shared_page */
	map_file_page(vmf, vmf->pte_pa, page, true);
	fault_done(vmf, major ? FAULT_KIND_MAJOR : FAULT_KIND_FILE, page_pa(k, page));
	return major ? VM_FAULT_MAJOR : 0;
}

/* do_fault: the three file cases. */
static unsigned do_fault(struct fault_ctx *vmf)
{
	uint64_t pgoff = linear_page_index(vmf->vma, vmf->addr);
	if (!(vmf->flags & FAULT_FLAG_WRITE))
		return do_read_fault(vmf, pgoff);
	if (!(vmf->vma->vm_flags & VM_SHARED))
		return do_cow_fault(vmf, pgoff);
	return do_shared_fault(vmf, pgoff);
}

/* ---- write-protect faults ---------------------------------------------------------------- */

/* wp_can_reuse_anon_folio: the faulting mapping is the page's only user
 * (one mapping, one reference: no fork sharer, no other holder). */
static bool wp_can_reuse_anon(const struct page *page)
{
	return PageFlag(page, PG_anon) && page->_mapcount == 1 && page->_refcount == 1;
}

/* The page stays; the PTE becomes young, dirty and writable (no flush:
 * a permission is granted, the stale entry faults once at most). */
static unsigned wp_page_reuse(struct fault_ctx *vmf, struct page *page)
{
	struct mm_kernel *k = vmf->k;
	unsigned f = pte_f(k, vmf->orig_pte) | PTE_F_ACCESSED | PTE_F_DIRTY;
	if (vmf->vma->vm_flags & VM_WRITE)
		f |= PTE_F_WRITE;
	set_pte(k, vmf->pte_pa, pte_pfn_of(k, vmf->orig_pte), f);
	count_vm_event(k, pgreuse);
	if (page && page_file_mapping(k, page))
		set_page_dirty(k, page); /* wp_page_shared: fault_dirty_shared_page */
	else if (page && !PageFlag(page, PG_anon))
		SetPageFlag(page, PG_dirty); /* shared anonymous memory */
	fault_done(vmf, FAULT_KIND_REUSE, (mm_pa_t)pte_pfn_of(k, vmf->orig_pte) << k->page_shift);
	return 0;
}

/* Copy-on-write: a new anonymous page (zeroed for the zero page, else a
 * copy) replaces the old one in this PTE, with a TLB flush of the address
 * on every CPU running the mm before the new entry goes in. */
static unsigned wp_page_copy(struct fault_ctx *vmf, struct page *old)
{
	struct mm_kernel *k = vmf->k;
	struct vm_area_struct *vma = vmf->vma;
	struct mm_struct *mm = vmf->mm;
	bool from_zero = !old;
	if (anon_vma_prepare(vma))
		return VM_FAULT_OOM;
	struct page *page = alloc_user_page(k, vmf->info->cpu, from_zero);
	if (!page)
		return VM_FAULT_OOM;
	if (!from_zero)
		memcpy(page_to_host(k, page), page_to_host(k, old), k->page_size);
	if (old) {
		if (!PageFlag(old, PG_anon)) {
			add_mm_counter(mm, mm_counter_of(old), -1);
			add_mm_counter(mm, MM_ANONPAGES, 1);
		}
	} else {
		add_mm_counter(mm, MM_ANONPAGES, 1);
	}
	/* ptep_clear_flush: no CPU may keep writing the old page through a
	 * stale entry once the new one is in. */
	pte_write(k, vmf->pte_pa, 0);
	mm_flush_tlb_range(mm, vmf->addr, vmf->addr + k->page_size);
	page_add_new_anon_rmap(page, vma, vmf->addr);
	maybe_mlock(k, vma, page);
	set_pte(k, vmf->pte_pa, page_to_pfn(k, page), new_pte_flags(vma, true));
	if (old)
		page_unmap_put(k, old);
	fault_done(vmf, FAULT_KIND_COW, page_pa(k, page));
	return 0;
}

static unsigned do_wp_page(struct fault_ctx *vmf)
{
	struct mm_kernel *k = vmf->k;
	struct vm_area_struct *vma = vmf->vma;
	struct page *page = user_pte_page(k, vmf->orig_pte); /* vm_normal_page */

	if (vma->vm_flags & VM_SHARED) {
		/* wp_page_shared / wp_pfn_shared: the page stays, now dirty. */
		return wp_page_reuse(vmf, page);
	}
	if (page && PageFlag(page, PG_anon) && wp_can_reuse_anon(page)) {
		page_move_anon_rmap(page, vma);
		return wp_page_reuse(vmf, page);
	}
	return wp_page_copy(vmf, page);
}

/* ---- handle_mm_fault ------------------------------------------------------------------------ */

static unsigned handle_pte_fault(struct fault_ctx *vmf)
{
	struct mm_kernel *k = vmf->k;
	struct vm_area_struct *vma = vmf->vma;
	/* HUGE PAGES (huge_memory.c): an empty PMD range of an eligible VMA
	 * gets a transparent huge page, else VM_FAULT_FALLBACK to 4K. */
	if (vma_is_anonymous(vma)) {
		unsigned r = do_huge_pmd_anonymous_page(vma, vmf->addr, vmf->flags, vmf->info);
		if (!(r & VM_FAULT_FALLBACK))
			return r;
	}
	int err = user_pte_alloc(vmf->mm, vmf->addr, &vmf->pte_pa);
	if (err == -ENOMEM)
		return VM_FAULT_OOM;
	if (err) {
		/* -EEXIST: a huge leaf maps the address (one walk on the common
		 * path; the second only here). HUGE PAGES: huge_memory.c handles
		 * it, or splits it and falls back to the PTEs (COW of a THP). */
		unsigned level;
		mm_pa_t e;
		if (!user_pte_lookup(vmf->mm, vmf->addr, &level, &e) || level == k->arch->nr_levels - 1) {
			vmf->info->why = "a huge mapping is in the way";
			return VM_FAULT_SIGBUS;
		}
		unsigned r = huge_pmd_fault(vma, vmf->addr, vmf->flags, e, level, vmf->info);
		if (!(r & VM_FAULT_FALLBACK))
			return r;
		err = user_pte_alloc(vmf->mm, vmf->addr, &vmf->pte_pa);
		if (err)
			return err == -ENOMEM ? VM_FAULT_OOM : VM_FAULT_SIGBUS;
	}
	vmf->orig_pte = pte_read(k, vmf->pte_pa);
	mm_pte_t pte = vmf->orig_pte;

	if (!pte) {
		if (vma_is_anonymous(vma))
			return do_anonymous_page(vmf);
		if (!vma->vm_file && (vma->vm_flags & VM_SHARED) && !vma->vm_name)
			return do_shmem_fault(vmf);
		if (vma->vm_file)
			return do_fault(vmf);
		vmf->info->why = "special mapping without pages";
		return VM_FAULT_SIGBUS;
	}
	if (!user_pte_present(k, pte)) {
		vmf->info->why = "swap entry (swap-in arrives with swap)";
		return VM_FAULT_SIGBUS;
	}
	if (user_pte_protnone(k, pte)) {
		vmf->info->why = "PROT_NONE page";
		return VM_FAULT_SIGSEGV;
	}
	unsigned f = pte_f(k, pte);
	bool write = vmf->flags & FAULT_FLAG_WRITE;
	if (write && !(f & PTE_F_WRITE))
		return do_wp_page(vmf);
	/* The PTE allows the access: a stale TLB entry faulted (the MMU has
	 * dropped it). Set young (and dirty) as ptep_set_access_flags does. */
	f |= PTE_F_ACCESSED | (write ? PTE_F_DIRTY : 0);
	set_pte(k, vmf->pte_pa, pte_pfn_of(k, pte), f);
	fault_done(vmf, FAULT_KIND_SPURIOUS, (mm_pa_t)pte_pfn_of(k, pte) << k->page_shift);
	return 0;
}

unsigned handle_mm_fault(struct vm_area_struct *vma, mm_va_t addr, unsigned flags,
			 struct fault_info *info)
{
	struct fault_info dummy = { 0 };
	if (!info)
		info = &dummy;
	struct mm_kernel *k = vma->vm_mm->k;
	struct fault_ctx vmf = {
		.vma = vma, .mm = vma->vm_mm, .k = k,
		.addr = addr & ~(k->page_size - 1), .flags = flags, .info = info,
	};
	info->kind = FAULT_KIND_NONE;
	/* HUGE PAGES: hugetlb VMAs have their own fault handler (hugetlb.c). */
	unsigned ret = is_vm_hugetlb_page(vma) ? hugetlb_fault(vma, addr, flags, info)
					       : handle_pte_fault(&vmf);
	ret &= ~(unsigned)(VM_FAULT_NOPAGE | VM_FAULT_DONE_COW); /* internal: done */
	info->ret = ret;
	/* mm_account_fault: pgfault counts failed faults too. */
	count_vm_event(k, pgfault);
	return ret;
}

/* ---- the arch entry ------------------------------------------------------------------------ */

/* x86's access_error: may this VMA be accessed this way at all? */
static const char *access_error(unsigned error_code, const struct vm_area_struct *vma)
{
	if (error_code & X86_PF_WRITE)
		return (vma->vm_flags & VM_WRITE) ? NULL : "write to a VMA without write permission";
	if (error_code & X86_PF_PROT) {
		if (error_code & X86_PF_INSTR)
			return "instruction fetch from a non-executable page";
		return "protection violation";
	}
	if (!(vma->vm_flags & (VM_READ | VM_WRITE | VM_EXEC)))
		return "access to a PROT_NONE VMA";
	return NULL;
}

int do_user_addr_fault(struct mm_struct *mm, const struct hw_fault *f, struct fault_info *info)
{
	mm_va_t addr = f->addr;
	unsigned ec = f->error_code;
	info->signal = 0;
	info->why = NULL;
	info->kind = FAULT_KIND_NONE;
	switch (f->kind) {
	case HW_FAULT_GP:
		info->why = "general protection (non-canonical address)";
		return info->signal = SIGSEGV;
	case HW_FAULT_BUS:
		info->why = "bus error (no RAM behind the address)";
		return info->signal = SIGBUS;
	case HW_FAULT_RSVD:
		info->why = "reserved bit set in a page-table entry";
		return info->signal = SIGSEGV;
	default:
		break;
	}
	if (addr >= mm->task_size) {
		info->why = "kernel address";
		return info->signal = SIGSEGV;
	}
	struct vm_area_struct *vma = find_vma(mm, addr);
	if (!vma) {
		info->why = "no VMA";
		return info->signal = SIGSEGV;
	}
	if (vma->vm_start > addr) {
		if (!(vma->vm_flags & VM_GROWSDOWN)) {
			info->why = "no VMA";
			return info->signal = SIGSEGV;
		}
		if (expand_stack(vma, addr)) {
			info->why = "below the stack, which cannot grow there";
			return info->signal = SIGSEGV;
		}
		info->stack_grew = true;
	}
	const char *why = access_error(ec, vma);
	if (why) {
		info->why = why;
		return info->signal = SIGSEGV;
	}
	unsigned flags = FAULT_FLAG_USER | FAULT_FLAG_ALLOW_RETRY;
	if (ec & X86_PF_WRITE)
		flags |= FAULT_FLAG_WRITE;
	if (ec & X86_PF_INSTR)
		flags |= FAULT_FLAG_INSTRUCTION;
	unsigned ret = handle_mm_fault(vma, addr, flags, info);
	if (ret & VM_FAULT_OOM) {
		/* pagefault_out_of_memory: with no OOM killer to free memory,
		 * the task cannot go on. */
		if (!info->why)
			info->why = "out of memory";
		return info->signal = SIGKILL;
	}
	if (ret & (VM_FAULT_SIGBUS | VM_FAULT_HWPOISON)) {
		if (!info->why)
			info->why = "bus error";
		return info->signal = SIGBUS;
	}
	if (ret & VM_FAULT_SIGSEGV) {
		if (!info->why)
			info->why = "segmentation fault";
		return info->signal = SIGSEGV;
	}
	return 0;
}

/* ---- stack growth ------------------------------------------------------------------------------ */

int expand_stack(struct vm_area_struct *vma, mm_va_t address)
{
	struct mm_struct *mm = vma->vm_mm;
	struct mm_kernel *k = mm->k;
	unsigned shift = k->page_shift;
	if (!(vma->vm_flags & VM_GROWSDOWN))
		return -EFAULT;
	address &= ~(k->page_size - 1);
	if (address < (mm_va_t)k->sysctl.mmap_min_addr)
		return -EPERM;
	if (address >= vma->vm_start)
		return 0;
	/* The guard gap: an accessible non-stack VMA below must stay
	 * stack_guard_gap away. */
	struct vm_area_struct *prev = vma_prev(vma);
	if (prev && !(prev->vm_flags & VM_GROWSDOWN) &&
	    (prev->vm_flags & (VM_READ | VM_WRITE | VM_EXEC))) {
		if (address < prev->vm_end || address - prev->vm_end < k->sysctl.stack_guard_gap)
			return -ENOMEM;
	} else if (prev && address < prev->vm_end) {
		return -ENOMEM;
	}
	if (anon_vma_prepare(vma))
		return -ENOMEM;
	uint64_t size = vma->vm_end - address;
	uint64_t grow = (vma->vm_start - address) >> shift;
	if (grow > vma->vm_pgoff)
		return -ENOMEM;
	/* acct_stack_growth: RLIMIT_STACK, the mlock limit, overcommit. */
	if (size > mm->rlim_stack_bytes)
		return -ENOMEM;
	if (!mlock_future_ok(mm, vma->vm_flags, grow << shift))
		return -ENOMEM;
	if ((vma->vm_flags & VM_ACCOUNT) && __vm_enough_memory(mm, (int64_t)grow, mm->cap_sys_admin))
		return -ENOMEM;
	if (vma->vm_flags & VM_LOCKED)
		mm->locked_vm += grow;
	vm_stat_account(mm, vma->vm_flags, (int64_t)grow);
	vma_set_range(vma, address, vma->vm_end, vma->vm_pgoff - grow);
	return 0;
}

/* ---- populate ------------------------------------------------------------------------------------ */

int populate_range(struct mm_struct *mm, mm_va_t start, mm_va_t end, unsigned cpu,
		   uint64_t *nr_minor, uint64_t *nr_major)
{
	struct mm_kernel *k = mm->k;
	start &= ~(k->page_size - 1);
	for (struct vm_area_struct *vma = find_vma(mm, start); vma && vma->vm_start < end;
	     vma = vma_next(vma)) {
		if (vma->vm_flags & (VM_IO | VM_PFNMAP | VM_LOCKONFAULT))
			continue;
		if (!(vma->vm_flags & (VM_READ | VM_WRITE | VM_EXEC)))
			continue;
		/* populate_vma_page_range: private writable memory is faulted
		 * for writing, so COW is broken now rather than later. */
		bool write = (vma->vm_flags & (VM_WRITE | VM_SHARED)) == VM_WRITE;
		mm_va_t s = MM_MAX(start, vma->vm_start), e = MM_MIN(end, vma->vm_end);
		for (mm_va_t a = s; a < e; a += k->page_size) {
			unsigned level;
			mm_pa_t pe;
			if (user_pte_lookup(mm, a, &level, &pe)) {
				mm_pte_t pte = pte_read(k, pe);
				unsigned f = pte_f(k, pte);
				if ((f & PTE_F_PRESENT) && (!write || (f & PTE_F_WRITE)))
					continue; /* follow_page found it */
			}
			struct fault_info info = { .cpu = cpu };
			unsigned ret = handle_mm_fault(vma, a, write ? FAULT_FLAG_WRITE : 0, &info);
			if (ret & VM_FAULT_OOM)
				return -ENOMEM;
			if (ret & VM_FAULT_ERROR)
				return -EFAULT;
			if (info.kind == FAULT_KIND_MAJOR || info.kind == FAULT_KIND_SWAPIN) {
				if (nr_major)
					(*nr_major)++;
			} else if (nr_minor) {
				(*nr_minor)++;
			}
		}
		if (e >= end)
			break;
	}
	return 0;
}

int access_remote_write(struct mm_struct *mm, mm_va_t addr, const void *buf, size_t len,
			unsigned cpu, uint64_t *nr_faults)
{
	struct mm_kernel *k = mm->k;
	const uint8_t *src = buf;
	while (len) {
		mm_va_t page_va = addr & ~(k->page_size - 1);
		size_t off = (size_t)(addr - page_va);
		size_t n = MM_MIN(len, (size_t)k->page_size - off);
		uint64_t minor = 0;
		struct vm_area_struct *vma = vma_lookup(mm, page_va);
		if (!vma)
			return -EFAULT;
		unsigned level;
		mm_pa_t pe;
		bool ok = false;
		if (user_pte_lookup(mm, page_va, &level, &pe) && level == k->arch->nr_levels - 1) {
			unsigned f = pte_f(k, pte_read(k, pe));
			ok = (f & PTE_F_PRESENT) && (f & PTE_F_WRITE);
		}
		if (!ok) {
			struct fault_info info = { .cpu = cpu };
			unsigned ret = handle_mm_fault(vma, page_va, FAULT_FLAG_WRITE | FAULT_FLAG_REMOTE, &info);
			if (ret & VM_FAULT_ERROR)
				return (ret & VM_FAULT_OOM) ? -ENOMEM : -EFAULT;
			minor++;
			if (!user_pte_lookup(mm, page_va, &level, &pe))
				return -EFAULT;
		}
		mm_pte_t pte = pte_read(k, pe);
		mm_pa_t pa = ((mm_pa_t)pte_pfn_of(k, pte) << k->page_shift) + off;
		memcpy(phys_to_host(k->ram, pa), src, n);
		if (nr_faults)
			*nr_faults += minor;
		src += n;
		addr += n;
		len -= n;
	}
	return 0;
}

/* ---- walking ----------------------------------------------------------------------------------- */

static void walk_level(struct mm_struct *mm, mm_pa_t table, unsigned lvl, mm_va_t start, mm_va_t end,
		       pte_visit_fn fn, void *arg)
{
	struct mm_kernel *k = mm->k;
	const struct arch_profile *a = k->arch;
	if (lvl >= ARCH_MAX_LEVELS || lvl >= a->nr_levels)
		return;
	uint64_t span = arch_level_span(a, lvl);
	mm_va_t addr = start;
	while (addr < end) {
		mm_va_t base = addr & ~(span - 1);
		mm_va_t next = base + span;
		if (next <= addr || next > end)
			next = end;
		mm_pa_t e_pa = table + (mm_pa_t)arch_va_index(a, lvl, addr) * a->pte_bytes;
		mm_pte_t e = pte_read(k, e_pa);
		if (e) {
			unsigned f = pte_f(k, e);
			if (lvl == a->nr_levels - 1)
				fn(arg, addr, e_pa, e, k->page_size);
			else if ((f & PTE_F_HUGE) && a->level[lvl].huge_leaf_ok)
				fn(arg, base, e_pa, e, span);
			else if (f & PTE_F_PRESENT)
				walk_level(mm, (mm_pa_t)pte_pfn_of(k, e) << k->page_shift, lvl + 1, addr, next,
					   fn, arg);
		}
		addr = next;
	}
}

void walk_page_range(struct mm_struct *mm, mm_va_t start, mm_va_t end, pte_visit_fn fn, void *arg)
{
	if (start < end)
		walk_level(mm, mm->pgd_pa, 0, start, end, fn, arg);
}

/* ---- fork: copy_page_range --------------------------------------------------------------------- */

static bool is_cow_mapping(vm_flags_t flags)
{
	return (flags & (VM_SHARED | VM_MAYWRITE)) == VM_MAYWRITE;
}

/* Linux's vma_needs_copy: page tables are copied only where a fault could
 * not refill them. Shared anonymous memory refills from its family's
 * table, as shmem refills from its page cache. */
static bool vma_needs_copy(const struct vm_area_struct *dst, const struct vm_area_struct *src)
{
	(void)dst;
	if (src->vm_flags & (VM_PFNMAP | VM_MIXEDMAP))
		return true;
	if (!src->vm_file && (src->vm_flags & VM_SHARED))
		return false;
	return src->anon_vma != NULL;
}

struct copy_walk {
	struct mm_kernel *k;
	struct vm_area_struct *dst_vma, *src_vma;
	mm_pa_t dst_table;     /* the destination PTE table in use */
	mm_va_t dst_table_va;  /* the VA its first entry maps, or 1 when none */
	bool wrprotected;
	int err;
};

static int copy_one_pte(struct copy_walk *cw, mm_pa_t src_e, mm_pte_t pte, mm_va_t addr)
{
	struct mm_kernel *k = cw->k;
	const struct arch_profile *a = k->arch;
	struct mm_struct *dst_mm = cw->dst_vma->vm_mm;
	unsigned last = a->nr_levels - 1;
	if (last >= ARCH_MAX_LEVELS)
		return -EINVAL;
	uint64_t table_span = arch_level_span(a, last) << a->level[last].bits;
	mm_va_t tva = addr & ~(table_span - 1);
	mm_pa_t dst_e;
	if (cw->dst_table_va != tva) {
		int err = user_pte_alloc(dst_mm, addr, &dst_e);
		if (err)
			return err;
		cw->dst_table = dst_e - (mm_pa_t)arch_va_index(a, last, addr) * a->pte_bytes;
		cw->dst_table_va = tva;
	}
	dst_e = cw->dst_table + (mm_pa_t)arch_va_index(a, last, addr) * a->pte_bytes;

	if (!user_pte_present(k, pte)) {
		/* A swap entry: the slot gains a reference (swapfile.c's
		 * swap_duplicate once swap exists). */
		pte_write(k, dst_e, pte);
		add_mm_counter(dst_mm, MM_SWAPENTS, 1);
		return 0;
	}
	unsigned f = pte_f(k, pte);
	struct page *page = user_pte_page(k, pte);
	if (page) {
		page->_refcount++;
		page_dup_rmap(page);
		add_mm_counter(dst_mm, mm_counter_of(page), 1);
	}
	if (is_cow_mapping(cw->src_vma->vm_flags) && (f & PTE_F_WRITE)) {
		/* Both sides lose write access: the next write copies. */
		f &= ~(unsigned)PTE_F_WRITE;
		pte_write(k, src_e, arch_pte_encode(a, pte_pfn_of(k, pte), f));
		cw->wrprotected = true;
	}
	if (cw->src_vma->vm_flags & VM_SHARED)
		f &= ~(unsigned)PTE_F_DIRTY;
	f &= ~(unsigned)PTE_F_ACCESSED; /* the child starts old */
	pte_write(k, dst_e, arch_pte_encode(a, pte_pfn_of(k, pte), f));
	return 0;
}

static int copy_level(struct copy_walk *cw, mm_pa_t table, unsigned lvl, mm_va_t start, mm_va_t end)
{
	struct mm_kernel *k = cw->k;
	if (lvl >= ARCH_MAX_LEVELS)
		return 0;
	const struct arch_profile *a = k->arch;
	uint64_t span = arch_level_span(a, lvl);
	unsigned bytes = a->pte_bytes;
	const uint8_t *host = phys_to_host(k->ram, table);
	mm_va_t addr = start;
	while (addr < end) {
		mm_va_t next = (addr & ~(span - 1)) + span;
		if (next <= addr || next > end)
			next = end;
		unsigned idx = arch_va_index(a, lvl, addr);
		mm_pte_t e;
		if (bytes == 8) {
			uint64_t v;
			memcpy(&v, host + (size_t)idx * 8, 8);
			e = v;
		} else {
			uint32_t v;
			memcpy(&v, host + (size_t)idx * 4, 4);
			e = v;
		}
		if (e) {
			mm_pa_t e_pa = table + (mm_pa_t)idx * bytes;
			if (lvl == a->nr_levels - 1) {
				int err = copy_one_pte(cw, e_pa, e, addr);
				if (err)
					return err;
			} else {
				unsigned f = pte_f(k, e);
				if ((f & PTE_F_HUGE) && a->level[lvl].huge_leaf_ok) {
					/* HUGE PAGES: a THP is split in the parent
					 * (huge_memory.c's copy_huge_pmd), then its PTEs
					 * are copied below; anything else refaults. */
					if (copy_huge_pmd(cw->src_vma, e_pa, addr, lvl) == 0) {
						e = pte_read(k, e_pa);
						f = pte_f(k, e);
					} else {
						printk(k, "fork: huge mapping at 0x%" PRIx64 " not copied", addr);
					}
				}
				if (!((f & PTE_F_HUGE) && a->level[lvl].huge_leaf_ok) && (f & PTE_F_PRESENT)) {
					int err = copy_level(cw, (mm_pa_t)pte_pfn_of(k, e) << k->page_shift,
							     lvl + 1, addr, next);
					if (err)
						return err;
				}
			}
		}
		addr = next;
	}
	return 0;
}

int copy_page_range(struct vm_area_struct *dst_vma, struct vm_area_struct *src_vma,
		    bool *wrprotected)
{
	struct mm_kernel *k = src_vma->vm_mm->k;
	if (wrprotected)
		*wrprotected = false;
	/* HUGE PAGES: hugetlb leaves are shared with the child (hugetlb.c). */
	if (is_vm_hugetlb_page(src_vma))
		return copy_hugetlb_page_range(dst_vma, src_vma, wrprotected);
	if (!vma_needs_copy(dst_vma, src_vma))
		return 0;
	struct copy_walk cw = { .k = k, .dst_vma = dst_vma, .src_vma = src_vma, .dst_table_va = 1 };
	int err = copy_level(&cw, src_vma->vm_mm->pgd_pa, 0, src_vma->vm_start, src_vma->vm_end);
	if (wrprotected)
		*wrprotected = cw.wrprotected;
	return err;
}
