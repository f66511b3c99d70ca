/*
 * rmap.h - the reverse map: from a page to every PTE that maps it.
 *
 * Anonymous pages (Linux's anon_vma design, 2.6.34+):
 *
 *   page ──mapping (PG_anon)──► anon_vma ──head──► avc ─► avc ─► avc
 *   page->index = linear page index                │       │      │
 *   (vm_pgoff + (addr - vm_start) >> PAGE_SHIFT)   ▼       ▼      ▼
 *                                                 VMA     VMA    VMA  (any mm)
 *
 *   vma->anon_vma_chain ──► avc (same_vma) ─► avc ─► ...   one per anon_vma
 *                            │                             the VMA's pages
 *                            └─► anon_vma                   may belong to
 *
 * An anon_vma_chain (avc) links one VMA with one anon_vma. A VMA is on the
 * list of its own anon_vma and of every ancestor's (fork links the child's
 * VMA to all the parent's anon_vmas, then gives it an anon_vma of its
 * own), so walking the list of a page's anon_vma finds every VMA, in every
 * process, that may map it: the page is at vma_address() there if the PTE
 * holds its PFN.
 *
 *      parent VMA P ── avc ──► AV_P (root) ◄── avc ── child VMA C
 *                                               C ── avc ──► AV_C (parent AV_P)
 *      a page faulted in the parent: mapping AV_P, found through P and C
 *      a page COWed in the child:    mapping AV_C, found through C only
 *
 * Linux keeps the avcs of an anon_vma in an interval tree by pgoff; mmsim
 * keeps a list (what Linux did before 3.7) and checks each VMA's pgoff
 * range: the same answers, linear instead of logarithmic in VMAs per
 * anon_vma.
 *
 * Shared anonymous memory (mmsim keeps it file-less: mm_struct.h) uses
 * the same machinery: its pages are PG_swapbacked, not PG_anon, their
 * mapping is the ROOT anon_vma of the family, so every process sharing
 * them finds them (and a fault in one finds the page another one faulted,
 * as shmem's page cache would).
 *
 * File pages: page->mapping is the file's address_space and index the
 * page offset; the VMAs mapping the file are found by the page cache's
 * i_mmap walk (filemap.h's mapping_for_each_vma).
 *
 * Objects come from the "anon_vma" and "anon_vma_chain" slab caches
 * (host memory standing in where the slab object is too small).
 */
#ifndef MMSIM_MM_RMAP_H
#define MMSIM_MM_RMAP_H

#include "include/list.h"
#include "mm/mm_struct.h"
#include "mm/mm_types.h"

struct shmem_table;

struct anon_vma {
	struct anon_vma *root;   /* the family's oldest anon_vma (itself for a root) */
	struct anon_vma *parent; /* the anon_vma it was forked from (itself for a root) */
	int refcount;            /* 1 while it has avcs, + 1 per descendant (on a root) */
	int num_children;        /* anon_vmas forked from it, + 1 for itself while used */
	int num_active_vmas;     /* VMAs whose vma->anon_vma is this one */
	struct list_head head;   /* avcs of every VMA that may map its pages */
	struct shmem_table *shmem; /* a shared family's root: its pages by index */
	uint64_t id;             /* for dumps and tests */
	struct mm_kernel *k;
	mm_va_t slab_va;
	bool in_host;
};

struct anon_vma_chain {
	struct vm_area_struct *vma;
	struct anon_vma *anon_vma;
	struct list_head same_vma;      /* on vma->anon_vma_chain */
	struct list_head same_anon_vma; /* on anon_vma->head */
	mm_va_t slab_va;
	bool in_host;
};

/* ---- anon_vma lifetime (called by the VMA layer and fork) ------------------ */

/* Give vma an anon_vma (a neighbour's when compatible, else a new one):
 * 0 or -ENOMEM. No-op when it has one. */
int anon_vma_prepare(struct vm_area_struct *vma);
/* Link dst to every anon_vma src is linked to (split, mremap, merge):
 * 0 or -ENOMEM (dst then has no links). */
int anon_vma_clone(struct vm_area_struct *dst, struct vm_area_struct *src);
/* A merge hands src's pages to dst, which had no anon_vma: dst joins all
 * of src's anon_vmas and takes src's as its own (Linux's dup_anon_vma).
 * 0 or -ENOMEM (dst is left without links). */
int dup_anon_vma(struct vm_area_struct *dst, struct vm_area_struct *src);
/* Fork: link the child's VMA to the parent VMA's anon_vmas and give it an
 * anon_vma of its own whose parent is pvma's. 0 or -ENOMEM. */
int anon_vma_fork(struct vm_area_struct *vma, struct vm_area_struct *pvma);
/* Drop every link of vma (before it is freed); frees anon_vmas left unused. */
void unlink_anon_vmas(struct vm_area_struct *vma);
/* Number of anon_vma and anon_vma_chain objects alive on this machine. */
uint64_t rmap_nr_anon_vmas(const struct mm_kernel *k);
uint64_t rmap_nr_avcs(const struct mm_kernel *k);

/* ---- pages ----------------------------------------------------------------------- */

/* The page's linear index in vma: vm_pgoff + (addr - vm_start) in pages. */
uint64_t linear_page_index(const struct vm_area_struct *vma, mm_va_t addr);
/* Where vma maps linear index pgoff, or false when it does not cover it. */
bool vma_address(const struct vm_area_struct *vma, uint64_t pgoff, mm_va_t *addr);
/* A freshly allocated page becomes vma's anonymous page at addr: PG_anon,
 * PG_swapbacked, mapping = vma->anon_vma, index, mapcount 1. (Shared
 * anonymous VMAs: not PG_anon, mapping = the root anon_vma.) */
void page_add_new_anon_rmap(struct page *page, struct vm_area_struct *vma, mm_va_t addr);
/* One more PTE maps an existing page (fork, fault-around): mapcount + 1. */
void page_dup_rmap(struct page *page);
/* A PTE stopped mapping the page: mapcount - 1 (the reference is separate). */
void page_remove_rmap(struct page *page);
/* An exclusive anonymous page now belongs to vma's anon_vma (COW reuse). */
void page_move_anon_rmap(struct page *page, struct vm_area_struct *vma);
/* The anon_vma of an anonymous or shared-anonymous page, else NULL. */
struct anon_vma *page_anon_vma(const struct page *page);
/* True for a page of shared anonymous memory (mapping is an anon_vma). */
bool page_is_shared_anon(const struct page *page);

/* ---- shared anonymous memory (the root anon_vma stands for the shmem file) ---- */

/* The page at linear index `index` of vma's shared family, or NULL. */
struct page *shmem_find_page(struct vm_area_struct *vma, uint64_t index);
/* Put a new page into the family's table (the table takes a reference). */
int shmem_add_page(struct vm_area_struct *vma, uint64_t index, struct page *page);
/* Pages the family of av holds. */
uint64_t shmem_nr_pages(const struct anon_vma *av);

/* ---- walking ------------------------------------------------------------------------ */

/* Called for each PTE mapping the page: return false to stop the walk. */
typedef bool (*rmap_one_fn)(struct page *page, struct vm_area_struct *vma, mm_va_t addr,
			    mm_pa_t pte_pa, void *arg);
/* Visit every PTE mapping page (anonymous: its anon_vma's VMAs; file: the
 * file's i_mmap). Returns the number of PTEs visited. */
unsigned rmap_walk(struct mm_kernel *k, struct page *page, rmap_one_fn fn, void *arg);
/* Test and clear the Accessed bit of every PTE mapping page (x86: no TLB
 * flush, as ptep_clear_flush_young on x86). Returns how many were young;
 * *vm_flags (may be NULL) collects the flags of the VMAs that referenced it. */
int page_referenced(struct mm_kernel *k, struct page *page, vm_flags_t *vm_flags);
/* Number of PTEs mapping page found by a walk (for checks and tests). */
unsigned page_mapped_count(struct mm_kernel *k, struct page *page);

/* Free rmap.c's tables (memory_fini calls it at machine teardown). */
void rmap_fini(struct mm_kernel *k);

/* ---- checks ------------------------------------------------------------------------------ */

/* Every avc appears on both its lists; counts agree; each VMA with an
 * anon_vma is on that anon_vma's list. Prints mismatches; true if sound. */
bool rmap_check_vma(struct vm_area_struct *vma);

#endif
