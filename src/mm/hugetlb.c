/*
 * hugetlb.c - the hugetlb pool and MAP_HUGETLB mappings, as Linux 6.x's
 * mm/hugetlb.c for its default hstate (the PMD-level leaf: 2M on x86_64
 * and PAE, 4M on i386).
 *
 * The pool (struct hstate, k->hstate), every count in huge pages:
 *
 *     nr_huge_pages (HugePages_Total) = persistent + surplus
 *     ├── free_huge_pages (HugePages_Free): on hugepage_freelist
 *     │      of which resv_huge_pages (HugePages_Rsvd) are promised to
 *     │      mappings that have not touched them yet: Free >= Rsvd always
 *     └── in use: mapped by some process
 *     surplus_huge_pages (HugePages_Surp): pages beyond vm.nr_hugepages,
 *     taken from the buddy allocator on demand while Surp stays within
 *     vm.nr_overcommit_hugepages, and given back as soon as they are free
 *
 * vm.nr_hugepages=N (set_max_huge_pages): surplus pages become persistent
 * first, then order-9 blocks come from the buddy allocator
 * (GFP_HIGHUSER_MOVABLE|__GFP_COMP|__GFP_RETRY_MAYFAIL|__GFP_NOWARN; each
 * try counts htlb_buddy_alloc_success or _fail) until there are N or the
 * allocator has none left: the write succeeds and reading it back shows
 * what was reached. Shrinking frees free pages (never below Rsvd + in
 * use) and turns in-use pages beyond N into surplus.
 *
 * A mapping (mmap flags=hugetlb), as hugetlb_reserve_pages: its length is
 * rounded up to the huge page size and it is placed huge-aligned; each of
 * its pages is reserved at mmap time (MAP_NORESERVE: none), with surplus
 * pages gathered when Free - Rsvd is short, else mmap fails with ENOMEM.
 * Its reservation map (struct hugetlb_resv, in vma->vm_private_data)
 * records per huge page index: reserved, or consumed by a fault:
 *
 *     mmap 4M:   [R][R]      Rsvd 2  Free 4
 *     touch #0:  [C][R]      Rsvd 1  Free 3   (the page: dequeued, zeroed,
 *                                              mapped by one PS PMD leaf)
 *     munmap:    (gone)      Rsvd 0  Free 4   (unused reservation given back
 *                                              by hugetlb_vm_op_close, the
 *                                              page by free_huge_folio)
 *
 * A fault with no reservation (MAP_NORESERVE, a fork child) takes any page
 * not promised to someone else, or a new surplus page; none: SIGBUS, as in
 * Linux. A shared mapping's map also keeps its pages by index (the role of
 * the hugetlbfs page cache), so that a forked child finds the same pages;
 * they go back to the pool when the last VMA of the mapping goes.
 * Private mappings copy on write after fork (hugetlb_wp): the only user
 * writes in place, others get a copy from the pool.
 *
 * hugetlb pages count in no RSS counter (HugetlbPages in Linux's status),
 * in smaps as Shared_Hugetlb / Private_Hugetlb, never in Rss.
 *
 * Pool pages are compound (PG_head) with PG_hugetlb on the head; a free
 * pool page holds one reference (the pool's), an in-use page one per leaf
 * mapping it plus one from a shared mapping's page table of contents.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mm/hugetlb.h"
#include "mm/internal.h"
#include "mm/memory.h"

enum { RESV_NONE = 0, RESV_RESERVED = 1, RESV_CONSUMED = 2 };

/* Linux's resv_map for one mapping (and, shared, its pages by index). */
struct hugetlb_resv {
	struct mm_kernel *k;
	struct mm_struct *owner;   /* private: the mm that reserved (HPAGE_RESV_OWNER) */
	bool shared;
	uint64_t first_idx, nr;    /* huge page indices [first_idx, first_idx + nr) */
	uint8_t *state;            /* RESV_* per index */
	struct page **pages;       /* shared: the page of each index, or NULL */
	int64_t ref_pages;         /* huge pages of the VMAs pointing here */
};

/* ---- the hstate --------------------------------------------------------------- */

void hugetlb_init(struct mm_kernel *k)
{
	const struct arch_profile *a = k->arch;
	struct hstate *h = &k->hstate;
	memset(h, 0, sizeof(*h));
	INIT_LIST_HEAD(&h->hugepage_freelist);
	if (a->is_toy || a->nr_levels < 2 || !a->level[a->nr_levels - 2].huge_leaf_ok)
		return;
	uint64_t nr = arch_level_span(a, a->nr_levels - 2) >> k->page_shift;
	unsigned order = 0;
	while ((1ULL << order) < nr)
		order++;
	if (order <= k->max_order)
		h->order = order;
}

uint64_t huge_page_size(const struct mm_kernel *k)
{
	return k->hstate.order ? k->page_size << k->hstate.order : 0;
}

uint64_t hugetlb_total_pages(const struct mm_kernel *k)
{
	return k->hstate.nr_huge_pages << k->hstate.order;
}

static unsigned huge_shift(const struct mm_kernel *k)
{
	return k->page_shift + k->hstate.order;
}

/* ---- pool pages ------------------------------------------------------------------ */

/* An order-9 compound page from the buddy allocator for the pool
 * (alloc_buddy_hugetlb_folio), counted in htlb_buddy_alloc_*. */
static struct page *pool_alloc_buddy(struct mm_kernel *k)
{
	char saved[sizeof(k->last_error)];
	memcpy(saved, k->last_error, sizeof(saved));
	gfp_t gfp = GFP_HIGHUSER_MOVABLE | __GFP_COMP | __GFP_RETRY_MAYFAIL | __GFP_NOWARN;
	struct page *page = alloc_pages(k, gfp, k->hstate.order);
	memcpy(k->last_error, saved, sizeof(saved)); /* failing is part of the job */
	if (!page) {
		count_vm_event(k, htlb_buddy_alloc_fail);
		return NULL;
	}
	count_vm_event(k, htlb_buddy_alloc_success);
	SetPageFlag(page, PG_hugetlb);
	return page;
}

/* update_and_free_hugetlb_folio: back to the buddy allocator. */
static void pool_free_buddy(struct mm_kernel *k, struct page *page)
{
	ClearPageFlag(page, PG_hugetlb);
	page->_refcount = 1;
	page->_mapcount = 0;
	page->mapping = NULL;
	page->index = 0;
	__free_pages(k, page, k->hstate.order);
}

static void enqueue_free(struct mm_kernel *k, struct page *page)
{
	page->_refcount = 1;
	page->_mapcount = 0;
	page->mapping = NULL;
	page->index = 0;
	list_add(&page->lru, &k->hstate.hugepage_freelist);
	k->hstate.free_huge_pages++;
}

static struct page *dequeue_free(struct mm_kernel *k)
{
	struct hstate *h = &k->hstate;
	if (list_empty(&h->hugepage_freelist))
		return NULL;
	struct page *page = list_first_entry(&h->hugepage_freelist, struct page, lru);
	list_del(&page->lru);
	page->lru.next = page->lru.prev = NULL;
	h->free_huge_pages--;
	return page;
}

/* free_huge_folio: the last holder let go. A surplus page leaves the pool. */
static void free_huge_folio(struct mm_kernel *k, struct page *page)
{
	struct hstate *h = &k->hstate;
	if (h->surplus_huge_pages) {
		h->surplus_huge_pages--;
		h->nr_huge_pages--;
		pool_free_buddy(k, page);
		return;
	}
	enqueue_free(k, page);
}

void hugetlb_put_page(struct mm_kernel *k, struct page *page)
{
	if (--page->_refcount > 0)
		return;
	free_huge_folio(k, page);
}

/* ---- reservations ------------------------------------------------------------------ */

/* gather_surplus_pages: make Free cover Rsvd + delta, with surplus pages
 * from the buddy allocator if needed. 0 or -ENOMEM (nothing changed). */
static int gather_surplus_pages(struct mm_kernel *k, uint64_t delta)
{
	struct hstate *h = &k->hstate;
	if (h->resv_huge_pages + delta <= h->free_huge_pages) {
		h->resv_huge_pages += delta;
		return 0;
	}
	uint64_t needed = h->resv_huge_pages + delta - h->free_huge_pages;
	if (h->surplus_huge_pages + needed > h->nr_overcommit_huge_pages)
		return -ENOMEM;
	for (uint64_t i = 0; i < needed; i++) {
		struct page *page = pool_alloc_buddy(k);
		if (!page) {
			/* Give back what this call added (all free, all surplus). */
			while (i--) {
				struct page *p = dequeue_free(k);
				h->surplus_huge_pages--;
				h->nr_huge_pages--;
				pool_free_buddy(k, p);
			}
			return -ENOMEM;
		}
		h->nr_huge_pages++;
		h->surplus_huge_pages++;
		enqueue_free(k, page);
	}
	h->resv_huge_pages += delta;
	return 0;
}

/* return_unused_surplus_pages: unused reservations go, and as many free
 * surplus pages with them. */
static void return_unused_surplus_pages(struct mm_kernel *k, uint64_t unused)
{
	struct hstate *h = &k->hstate;
	h->resv_huge_pages -= MM_MIN(unused, h->resv_huge_pages);
	uint64_t nr = MM_MIN(unused, h->surplus_huge_pages);
	while (nr--) {
		struct page *page = dequeue_free(k);
		if (!page)
			break;
		h->surplus_huge_pages--;
		h->nr_huge_pages--;
		pool_free_buddy(k, page);
	}
}

static void resv_free(struct hugetlb_resv *resv)
{
	struct mm_kernel *k = resv->k;
	uint64_t unused = 0;
	for (uint64_t i = 0; i < resv->nr; i++) {
		if (resv->state[i] == RESV_RESERVED)
			unused++;
		if (resv->pages && resv->pages[i])
			hugetlb_put_page(k, resv->pages[i]);
	}
	if (unused)
		return_unused_surplus_pages(k, unused);
	free(resv->state);
	free(resv->pages);
	free(resv);
}

/* The reservation-map index of addr in vma, or false when outside it. */
static bool resv_index(const struct vm_area_struct *vma, const struct hugetlb_resv *resv,
		       mm_va_t addr, uint64_t *idx)
{
	const struct mm_kernel *k = vma->vm_mm->k;
	uint64_t i = (vma->vm_pgoff >> k->hstate.order) + ((addr - vma->vm_start) >> huge_shift(k));
	if (i < resv->first_idx || i - resv->first_idx >= resv->nr)
		return false;
	*idx = i - resv->first_idx;
	return true;
}

void hugetlb_vm_op_close(struct vm_area_struct *vma)
{
	struct hugetlb_resv *resv = vma->vm_private_data;
	if (!is_vm_hugetlb_page(vma) || !resv)
		return;
	struct mm_kernel *k = vma->vm_mm->k;
	if (!resv->shared && resv->owner != vma->vm_mm)
		return; /* not the owner's (a copy fork did not go through) */
	uint64_t pages = (vma->vm_end - vma->vm_start) >> huge_shift(k);
	if (!resv->shared) {
		/* The range's unconsumed reservations are given back now. */
		uint64_t unused = 0;
		for (mm_va_t a = vma->vm_start; a < vma->vm_end; a += huge_page_size(k)) {
			uint64_t i;
			if (resv_index(vma, resv, a, &i) && resv->state[i] == RESV_RESERVED) {
				resv->state[i] = RESV_NONE;
				unused++;
			}
		}
		if (unused)
			return_unused_surplus_pages(k, unused);
	}
	vma->vm_private_data = NULL;
	resv->ref_pages -= (int64_t)pages;
	if (resv->ref_pages <= 0)
		resv_free(resv);
}

int hugetlb_split_check(const struct vm_area_struct *vma, mm_va_t addr)
{
	if (!is_vm_hugetlb_page(vma))
		return 0;
	return (addr & (huge_page_size(vma->vm_mm->k) - 1)) ? -EINVAL : 0;
}

/* ---- mmap ------------------------------------------------------------------------ */

int64_t hugetlb_mmap(struct mm_struct *mm, mm_va_t addr, uint64_t len, unsigned long prot,
		     unsigned long flags)
{
	struct mm_kernel *k = mm->k;
	uint64_t hsize = huge_page_size(k);
	if (!hsize || !len || (flags & MAP_GROWSDOWN))
		return -EINVAL; /* no such hstate (hstate_sizelog), or a stack */
	uint64_t alen = MM_ALIGN_UP(len, hsize);
	if (alen < len || alen > mm->task_size)
		return -ENOMEM;
	unsigned long mflags = flags & ~(unsigned long)MAP_HUGETLB;
	mm_va_t start;
	if (flags & (MAP_FIXED | MAP_FIXED_NOREPLACE)) {
		if (addr & (hsize - 1))
			return -EINVAL; /* prepare_hugepage_range */
		start = addr;
	} else {
		/* hugetlb_get_unmapped_area: the hint rounded up to the huge
		 * page size if it is free, else a search for a huge-aligned gap. */
		mm_va_t hint = MM_ALIGN_UP(addr, hsize);
		struct vm_area_struct *next = hint ? find_vma(mm, hint) : NULL;
		if (hint && hint >= addr && hint >= (mm_va_t)k->sysctl.mmap_min_addr &&
		    hint <= mm->task_size - alen && (!next || hint + alen <= vm_start_gap(next))) {
			start = hint;
		} else {
			int64_t r = get_unmapped_area(mm, NULL, 0, alen + hsize, 0,
						      (mflags & ~(unsigned long)MAP_TYPE) | MAP_SHARED);
			if (r < 0)
				return r;
			start = mm->topdown ? MM_ALIGN_DOWN((mm_va_t)r + hsize, hsize)
					    : MM_ALIGN_UP((mm_va_t)r, hsize);
		}
		mflags |= MAP_FIXED;
	}
	uint64_t nr = alen / hsize;
	uint64_t nres = (flags & MAP_NORESERVE) ? 0 : nr;
	struct hugetlb_resv *resv = calloc(1, sizeof(*resv));
	uint8_t *state = calloc(nr, 1);
	bool shared = (flags & MAP_TYPE) != MAP_PRIVATE;
	struct page **pages = shared ? calloc(nr, sizeof(*pages)) : NULL;
	if (!resv || !state || (shared && !pages))
		goto enomem;
	/* hugetlb_reserve_pages: the pool must cover every page now. */
	if (nres && gather_surplus_pages(k, nres))
		goto enomem;
	uint64_t populate = 0;
	vm_flags_t vm_flags = VM_HUGETLB | VM_DONTEXPAND | ((flags & MAP_NORESERVE) ? VM_NORESERVE : 0);
	int64_t ret = do_mmap(mm, NULL, start, alen, prot, mflags, vm_flags, 0, &populate);
	struct vm_area_struct *vma = ret >= 0 ? vma_lookup(mm, (mm_va_t)ret) : NULL;
	if (!vma) {
		if (nres)
			return_unused_surplus_pages(k, nres);
		free(resv);
		free(state);
		free(pages);
		return ret < 0 ? ret : -ENOMEM;
	}
	resv->k = k;
	resv->owner = mm;
	resv->shared = vma->vm_flags & VM_SHARED;
	resv->first_idx = vma->vm_pgoff >> k->hstate.order;
	resv->nr = nr;
	resv->state = state;
	resv->pages = pages;
	resv->ref_pages = (int64_t)nr;
	if (nres)
		memset(state, RESV_RESERVED, nr);
	vma->vm_private_data = resv;
	if (populate)
		mm_populate(mm, (mm_va_t)ret, populate);
	return ret;
enomem:
	free(resv);
	free(state);
	free(pages);
	return -ENOMEM;
}

/* ---- sysctls -------------------------------------------------------------------- */

/* set_max_huge_pages, as Linux orders it. */
static void set_max_huge_pages(struct mm_kernel *k, uint64_t count)
{
	struct hstate *h = &k->hstate;
#define PERSISTENT (h->nr_huge_pages - h->surplus_huge_pages)
	/* Growing: surplus pages in use become persistent first. */
	while (h->surplus_huge_pages && count > PERSISTENT)
		h->surplus_huge_pages--;
	while (count > PERSISTENT) {
		struct page *page = pool_alloc_buddy(k);
		if (!page)
			break;
		h->nr_huge_pages++;
		enqueue_free(k, page);
	}
	/* Shrinking: never below what is reserved or in use. */
	uint64_t min_count = h->resv_huge_pages + h->nr_huge_pages - h->free_huge_pages;
	min_count = MM_MAX(count, min_count);
	while (min_count < PERSISTENT) {
		struct page *page = dequeue_free(k);
		if (!page)
			break;
		h->nr_huge_pages--;
		pool_free_buddy(k, page);
	}
	/* What is still above count is in use: it becomes surplus. */
	while (count < PERSISTENT && h->surplus_huge_pages < h->nr_huge_pages)
		h->surplus_huge_pages++;
	h->max_huge_pages = PERSISTENT;
#undef PERSISTENT
}

int hugetlb_sysctl_nr_set(struct mm_kernel *k, const int64_t *v, int n, char *err, size_t errlen)
{
	(void)n;
	if (!k->hstate.order) {
		snprintf(err, errlen, "this machine has no huge page size");
		return -EINVAL;
	}
	if (v[0] < 0) {
		snprintf(err, errlen, "%lld is negative", (long long)v[0]);
		return -EINVAL;
	}
	set_max_huge_pages(k, (uint64_t)v[0]);
	return 0;
}

int hugetlb_sysctl_nr_get(struct mm_kernel *k, int64_t *v, int max)
{
	(void)max;
	v[0] = (int64_t)k->hstate.max_huge_pages;
	return 1;
}

int hugetlb_sysctl_overcommit_set(struct mm_kernel *k, const int64_t *v, int n, char *err,
				  size_t errlen)
{
	(void)n;
	if (!k->hstate.order) {
		snprintf(err, errlen, "this machine has no huge page size");
		return -EINVAL;
	}
	if (v[0] < 0) {
		snprintf(err, errlen, "%lld is negative", (long long)v[0]);
		return -EINVAL;
	}
	k->hstate.nr_overcommit_huge_pages = (uint64_t)v[0];
	return 0;
}

int hugetlb_sysctl_overcommit_get(struct mm_kernel *k, int64_t *v, int max)
{
	(void)max;
	v[0] = (int64_t)k->hstate.nr_overcommit_huge_pages;
	return 1;
}

/* ---- faults ----------------------------------------------------------------------- */

/* alloc_hugetlb_folio: a page for index idx of vma, from its reservation
 * when it has one, else from the unreserved part of the pool or a new
 * surplus page. Zeroed, one reference. NULL: none (SIGBUS). */
static struct page *alloc_hugetlb_page(struct vm_area_struct *vma, struct hugetlb_resv *resv,
				       uint64_t idx, bool use_reserve)
{
	struct mm_kernel *k = vma->vm_mm->k;
	struct hstate *h = &k->hstate;
	struct page *page = NULL;
	if (use_reserve && resv && resv->state[idx] == RESV_RESERVED && h->resv_huge_pages) {
		page = dequeue_free(k);
		if (page) {
			h->resv_huge_pages--;
			resv->state[idx] = RESV_CONSUMED;
		}
	}
	if (!page && h->free_huge_pages > h->resv_huge_pages)
		page = dequeue_free(k);
	if (!page && h->surplus_huge_pages < h->nr_overcommit_huge_pages) {
		page = pool_alloc_buddy(k);
		if (page) {
			h->nr_huge_pages++;
			h->surplus_huge_pages++;
		}
	}
	if (!page)
		return NULL;
	page->_refcount = 1;
	page->_mapcount = 0;
	memset(page_to_host(k, page), 0, (size_t)huge_page_size(k)); /* clear_huge_page */
	return page;
}

static void fault_set(struct fault_info *info, enum fault_kind kind, mm_pa_t base, mm_va_t addr,
		      uint64_t hsize, uint64_t page_size)
{
	if (!info)
		return;
	info->kind = kind;
	info->pa = base + ((addr & (hsize - 1)) & ~(page_size - 1));
}

unsigned hugetlb_fault(struct vm_area_struct *vma, mm_va_t addr, unsigned flags,
		       struct fault_info *info)
{
	struct mm_struct *mm = vma->vm_mm;
	struct mm_kernel *k = mm->k;
	const struct arch_profile *a = k->arch;
	uint64_t hsize = huge_page_size(k);
	if (!hsize)
		return VM_FAULT_SIGBUS;
	mm_va_t haddr = addr & ~(hsize - 1);
	unsigned lvl = a->nr_levels - 2;
	bool write = flags & FAULT_FLAG_WRITE;
	bool shared = vma->vm_flags & VM_SHARED;
	struct hugetlb_resv *resv = vma->vm_private_data;
	mm_pa_t e_pa;
	int err = user_entry_alloc(mm, haddr, lvl, &e_pa);
	if (err == -ENOMEM)
		return VM_FAULT_OOM;
	if (err) {
		if (info)
			info->why = "a larger huge mapping is in the way";
		return VM_FAULT_SIGBUS;
	}
	mm_pte_t pte = pte_read(k, e_pa);
	unsigned f = arch_pte_flags(a, pte);

	if (!pte) {
		/* hugetlb_no_page */
		uint64_t idx = 0;
		bool have_idx = resv && resv_index(vma, resv, haddr, &idx);
		bool owner = resv && (resv->shared || resv->owner == mm);
		struct page *page = NULL;
		enum fault_kind kind = FAULT_KIND_ANON;
		if (have_idx && resv->pages && resv->pages[idx]) {
			page = resv->pages[idx];
			page->_refcount++;
			kind = FAULT_KIND_SHARED;
		} else {
			page = alloc_hugetlb_page(vma, have_idx ? resv : NULL, idx, owner);
			if (!page) {
				if (info)
					info->why = "no free huge page in the pool";
				return VM_FAULT_SIGBUS;
			}
			if (have_idx && resv->pages) {
				resv->pages[idx] = page;
				page->_refcount++; /* the mapping's table of contents */
			}
		}
		page->_mapcount++;
		f = vma->vm_page_prot | PTE_F_HUGE | PTE_F_ACCESSED;
		if (shared && (f & PTE_F_WRITE))
			f |= PTE_F_DIRTY;
		if (!shared && write && (vma->vm_flags & VM_WRITE))
			f |= PTE_F_WRITE | PTE_F_DIRTY;
		pte_write(k, e_pa, arch_pte_encode(a, page_to_pfn(k, page), f));
		fault_set(info, kind, (mm_pa_t)page_to_pfn(k, page) << k->page_shift, addr, hsize,
			  k->page_size);
		return 0;
	}
	if (!(f & PTE_F_HUGE) || !(f & PTE_F_PRESENT)) {
		if (info)
			info->why = "not a huge page entry in a hugetlb mapping";
		return VM_FAULT_SIGBUS;
	}
	mm_pfn_t pfn = arch_pte_pfn(a, pte);
	struct page *old = pfn_valid(k, pfn) ? pfn_to_page(k, pfn) : NULL;
	enum fault_kind kind = FAULT_KIND_SPURIOUS;
	if (write && !(f & PTE_F_WRITE)) {
		/* hugetlb_wp */
		if (!shared && old && (old->_mapcount != 1 || old->_refcount != 1)) {
			struct page *page = alloc_hugetlb_page(vma, NULL, 0, false);
			if (!page) {
				if (info)
					info->why = "no free huge page for the copy";
				return VM_FAULT_SIGBUS;
			}
			memcpy(page_to_host(k, page), page_to_host(k, old), (size_t)hsize);
			page->_mapcount = 1;
			pte_write(k, e_pa, 0);
			mm_flush_tlb_range(mm, haddr, haddr + hsize);
			f = vma->vm_page_prot | PTE_F_HUGE | PTE_F_ACCESSED | PTE_F_WRITE | PTE_F_DIRTY;
			pte_write(k, e_pa, arch_pte_encode(a, page_to_pfn(k, page), f));
			old->_mapcount--;
			hugetlb_put_page(k, old);
			if (info)
				info->cow = true;
			fault_set(info, FAULT_KIND_COW, (mm_pa_t)page_to_pfn(k, page) << k->page_shift, addr,
				  hsize, k->page_size);
			return 0;
		}
		f |= PTE_F_WRITE;
		kind = FAULT_KIND_REUSE;
	}
	f |= PTE_F_ACCESSED | (write ? PTE_F_DIRTY : 0);
	pte_write(k, e_pa, arch_pte_encode(a, pfn, f));
	fault_set(info, kind, (mm_pa_t)pfn << k->page_shift, addr, hsize, k->page_size);
	return 0;
}

/* ---- fork ----------------------------------------------------------------------- */

int copy_hugetlb_page_range(struct vm_area_struct *dst, struct vm_area_struct *src,
			    bool *wrprotected)
{
	struct mm_kernel *k = src->vm_mm->k;
	const struct arch_profile *a = k->arch;
	uint64_t hsize = huge_page_size(k);
	struct hugetlb_resv *resv = src->vm_private_data;
	bool shared = src->vm_flags & VM_SHARED;
	if (wrprotected)
		*wrprotected = false;
	if (!hsize)
		return 0;
	/* The child of a private mapping owns no reservation
	 * (hugetlb_dup_vma_private); a shared one joins the mapping's. */
	if (resv && shared)
		resv->ref_pages += (int64_t)((dst->vm_end - dst->vm_start) / hsize);
	else
		dst->vm_private_data = NULL;
	for (mm_va_t va = src->vm_start; va < src->vm_end; va += hsize) {
		unsigned lvl;
		mm_pa_t se, de;
		if (!user_pte_lookup(src->vm_mm, va, &lvl, &se) || lvl != a->nr_levels - 2)
			continue;
		mm_pte_t pte = pte_read(k, se);
		unsigned f = arch_pte_flags(a, pte);
		if (!pte || !(f & PTE_F_HUGE))
			continue;
		int err = user_entry_alloc(dst->vm_mm, va, lvl, &de);
		if (err)
			return err == -ENOMEM ? -ENOMEM : -EINVAL;
		mm_pfn_t pfn = arch_pte_pfn(a, pte);
		struct page *page = pfn_to_page(k, pfn);
		if (!shared && (f & PTE_F_WRITE)) {
			f &= ~(unsigned)PTE_F_WRITE;
			pte_write(k, se, arch_pte_encode(a, pfn, f));
			if (wrprotected)
				*wrprotected = true;
		}
		page->_refcount++;
		page->_mapcount++;
		pte_write(k, de, arch_pte_encode(a, pfn, f));
	}
	return 0;
}

/* ---- checks ---------------------------------------------------------------------- */

bool hugetlb_check(struct mm_kernel *k)
{
	struct hstate *h = &k->hstate;
	bool ok = true;
	if (!h->hugepage_freelist.next)
		return true; /* before hugetlb_init */
	uint64_t n = 0;
	struct list_head *p;
	list_for_each(p, &h->hugepage_freelist) {
		struct page *page = list_entry(p, struct page, lru);
		n++;
		if (!PageFlag(page, PG_hugetlb) || !PageFlag(page, PG_head) || page->_refcount != 1 ||
		    page->_mapcount != 0 || page->private != h->order) {
			fprintf(stderr, "hugetlb_check: free pool page pfn 0x%" PRIx64
					" is not a clean huge page (refcount %d, mapcount %d)\n",
				page_to_pfn(k, page), page->_refcount, page->_mapcount);
			ok = false;
		}
		if (n > h->nr_huge_pages)
			break;
	}
	if (n != h->free_huge_pages) {
		fprintf(stderr, "hugetlb_check: %" PRIu64 " pages on the free list, HugePages_Free %" PRIu64 "\n",
			n, h->free_huge_pages);
		ok = false;
	}
	if (h->resv_huge_pages > h->free_huge_pages || h->free_huge_pages > h->nr_huge_pages ||
	    h->surplus_huge_pages > h->nr_huge_pages) {
		fprintf(stderr, "hugetlb_check: Total %" PRIu64 " Free %" PRIu64 " Rsvd %" PRIu64
				" Surp %" PRIu64 " break Rsvd <= Free <= Total, Surp <= Total\n",
			h->nr_huge_pages, h->free_huge_pages, h->resv_huge_pages, h->surplus_huge_pages);
		ok = false;
	}
	return ok;
}
