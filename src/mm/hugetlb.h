/*
 * hugetlb.h - the hugetlb pool (hugetlb.c): vm.nr_hugepages,
 * vm.nr_overcommit_hugepages, MAP_HUGETLB mappings, their reservations and
 * faults, and the HugePages_* lines of meminfo.
 *
 *   sysctl vm.nr_hugepages=4 ──► 4 order-9 blocks from the buddy allocator
 *                                 (htlb_buddy_alloc_success) into the pool
 *   mmap 4M flags=hugetlb ─────► 2 pages reserved (HugePages_Rsvd 2)
 *   first touch of a 2M page ──► taken from the pool, zeroed, one PMD leaf
 *                                 (Free - 1, Rsvd - 1)
 *   munmap ────────────────────► back to the pool (or to the buddy
 *                                 allocator when it was a surplus page)
 */
#ifndef MMSIM_MM_HUGETLB_H
#define MMSIM_MM_HUGETLB_H

#include <stddef.h>

#include "mm/mm_struct.h"

struct fault_info;

static inline bool is_vm_hugetlb_page(const struct vm_area_struct *vma)
{
	return vma->vm_flags & VM_HUGETLB;
}

/* Size the default hstate from the arch (the PMD-level leaf) and empty the
 * pool. Called at boot (mmap_init). */
void hugetlb_init(struct mm_kernel *k);
/* Bytes of the default huge page (2M or 4M), 0 when the machine has none. */
uint64_t huge_page_size(const struct mm_kernel *k);
/* Base pages in the pool (HugePages_Total * pages per huge page): what
 * CommitLimit leaves out. */
uint64_t hugetlb_total_pages(const struct mm_kernel *k);

/* vm.nr_hugepages (set_max_huge_pages) and vm.nr_overcommit_hugepages. */
int hugetlb_sysctl_nr_set(struct mm_kernel *k, const int64_t *v, int n, char *err, size_t errlen);
int hugetlb_sysctl_nr_get(struct mm_kernel *k, int64_t *v, int max);
int hugetlb_sysctl_overcommit_set(struct mm_kernel *k, const int64_t *v, int n, char *err,
				  size_t errlen);
int hugetlb_sysctl_overcommit_get(struct mm_kernel *k, int64_t *v, int max);

/* mmap(MAP_HUGETLB) of anonymous memory: len rounded up to the huge page
 * size (ksys_mmap_pgoff), a huge-aligned address, pages reserved unless
 * MAP_NORESERVE. The address, or -EINVAL / -ENOMEM / -EEXIST ... */
int64_t hugetlb_mmap(struct mm_struct *mm, mm_va_t addr, uint64_t len, unsigned long prot,
		     unsigned long flags);
/* May a hugetlb VMA be split at addr? 0, or -EINVAL when addr is not
 * huge-page aligned (hugetlb_vm_op_split). */
int hugetlb_split_check(const struct vm_area_struct *vma, mm_va_t addr);
/* A hugetlb VMA goes away (hugetlb_vm_op_close): its unused reservations
 * are given back; the last VMA of a mapping frees its reservation map. */
void hugetlb_vm_op_close(struct vm_area_struct *vma);

/* The fault handler for a hugetlb VMA (hugetlb_fault): VM_FAULT_* bits. */
unsigned hugetlb_fault(struct vm_area_struct *vma, mm_va_t addr, unsigned flags,
		       struct fault_info *info);
/* One holder (a leaf, the mapping's page table of a shared mapping) let go
 * of a hugetlb page: back to the pool with the last (free_huge_folio). */
void hugetlb_put_page(struct mm_kernel *k, struct page *page);
/* fork (copy_hugetlb_page_range): every leaf is shared with the child,
 * write-protected in both for private mappings (COW on the next write).
 * 0 or -ENOMEM. */
int copy_hugetlb_page_range(struct vm_area_struct *dst, struct vm_area_struct *src,
			    bool *wrprotected);

/* The pool's invariants (free list = HugePages_Free, Free >= Rsvd,
 * Surp <= Total, free pages unmapped); prints each mismatch; true if all hold. */
bool hugetlb_check(struct mm_kernel *k);

#endif
