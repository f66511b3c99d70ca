/*
 * huge_memory.h - transparent huge pages for anonymous memory
 * (huge_memory.c): the PMD-sized fault, the split of a PMD mapping into
 * PTEs, fork and write-protect faults on a PMD mapping, the
 * transparent_hugepage=always|madvise|never setting.
 *
 *   fault in an empty PMD range of an eligible VMA
 *        │ order-9 compound page free? (GFP_TRANSHUGE_LIGHT: no reclaim)
 *        ├─ yes: one PMD leaf (PS), 512 pages of RSS, AnonHugePages += 2M,
 *        │       thp_fault_alloc; a PTE table is deposited for a later split
 *        └─ no:  thp_fault_fallback, the 4K path maps one page
 *
 *   partial munmap / mprotect / madvise / mremap of a THP:
 *        split_huge_pmd: 512 PTEs in the deposited table (thp_split_pmd)
 *        and the compound page split into 512 pages (thp_split_page)
 */
#ifndef MMSIM_MM_HUGE_MEMORY_H
#define MMSIM_MM_HUGE_MEMORY_H

#include <stddef.h>

#include "mm/mm_struct.h"

struct fault_info;

/* Linux's GFP_TRANSHUGE_LIGHT: a movable compound page, no reclaim, no
 * warning when there is none (the fault falls back to 4K pages). */
#define GFP_TRANSHUGE_LIGHT \
	((GFP_HIGHUSER_MOVABLE | __GFP_COMP | __GFP_NOMEMALLOC | __GFP_NOWARN) & ~__GFP_RECLAIM)

/* Set the boot default (madvise, see docs/hugepages.md). */
void thp_init(struct mm_kernel *k);
/* transparent_hugepage=always|madvise|never: 0 or -EINVAL (reason in err). */
int thp_set_enabled(struct mm_kernel *k, const char *val, char *err, size_t errlen);
/* "always [madvise] never", as /sys/kernel/mm/transparent_hugepage/enabled. */
const char *thp_enabled_string(const struct mm_kernel *k);
/* Base pages per PMD-sized THP (512 on x86_64, 1024 on i386), 0 if none. */
uint64_t thp_nr_pages(const struct mm_kernel *k);
/* THPeligible in smaps: the mode and the VMA's flags allow a THP and the
 * VMA holds at least one aligned PMD-sized range. */
bool thp_vma_allowable(const struct vm_area_struct *vma);

/* The fault on an empty PMD range (do_huge_pmd_anonymous_page): 0 when a
 * THP was mapped (info filled), VM_FAULT_OOM, or VM_FAULT_FALLBACK when
 * the 4K path must handle it (not eligible, a PTE table is there, or no
 * order-9 page: thp_fault_fallback). */
unsigned do_huge_pmd_anonymous_page(struct vm_area_struct *vma, mm_va_t addr, unsigned flags,
				    struct fault_info *info);
/* A fault where a THP leaf maps the address (at e_pa, level lvl): A/D
 * update, write-protect reuse, or a split and VM_FAULT_FALLBACK (the 4K
 * COW path then runs), as do_huge_pmd_wp_page in 6.x. */
unsigned huge_pmd_fault(struct vm_area_struct *vma, mm_va_t addr, unsigned flags, mm_pa_t e_pa,
			unsigned lvl, struct fault_info *info);
/* Split the THP leaf at e_pa (covering [haddr, haddr+span), level lvl) into
 * PTEs and the compound page into base pages. 0, or -EINVAL when the
 * entry is not a THP leaf (hugetlb, or not huge), -EBUSY when the page has
 * other users. */
int split_huge_pmd(struct mm_struct *mm, mm_pa_t e_pa, mm_va_t haddr, unsigned lvl);
/* fork: the THP leaf at e_pa in the parent is split first (mmsim's
 * simplification, docs/hugepages.md), so that its PTEs are copied. 0 when
 * split (the caller copies the PTE table), else -errno. */
int copy_huge_pmd(struct vm_area_struct *src_vma, mm_pa_t e_pa, mm_va_t addr, unsigned lvl);
/* A whole THP leaf was zapped: AnonHugePages and the deposited table. */
void thp_zap_pmd(struct mm_struct *mm, struct page *head, uint64_t span);

#endif
