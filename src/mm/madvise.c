/*
 * madvise.c - madvise(2): advice about a range, applied VMA by VMA.
 *
 *   madvise(addr, len, advice)
 *     advice unknown, addr unaligned ...................... EINVAL
 *     len 0 ................................................ 0
 *     for each VMA piece of [addr, end): apply; a hole in the range is
 *     skipped and reported as ENOMEM at the end (unlike mprotect/mlock,
 *     which stop at it)
 *
 * Two kinds of advice:
 *
 *   page work, the VMA stays as it is
 *     DONTNEED     zap the range: pages are unmapped and freed with their
 *                  last reference; the next access faults again (a fresh
 *                  zero page for private anonymous memory, the page cache
 *                  for a file). EINVAL on VM_LOCKED / VM_PFNMAP VMAs
 *                  (DONTNEED_LOCKED allows locked ones).
 *     FREE         private anonymous only (else EINVAL): each page mapped
 *                  only here is marked lazily free: PTE clean and old,
 *                  page clean and no longer swap-backed (pglazyfree). It
 *                  stays mapped; reclaim may later drop it without writing
 *                  it anywhere, and a write before that keeps it. Until
 *                  mmsim has reclaim, marked pages simply stay.
 *     WILLNEED     anonymous: nothing to read ahead; files: readahead of
 *                  the range now (filemap_madvise_willneed).
 *     COLD, PAGEOUT  deactivate / reclaim the range: no-ops until the LRU
 *                  and reclaim exist (after the same VMA checks: EINVAL on
 *                  locked, PFN-mapped and hugetlb VMAs).
 *     REMOVE       shared mappings: zap (the backing store's hole punch
 *                  belongs to shmem/filemap); private ones: EINVAL.
 *     POPULATE_READ/WRITE  fault the range in (mm->ops->populate).
 *
 *   flag changes, which split and merge VMAs like mprotect
 *     HUGEPAGE / NOHUGEPAGE   VM_HUGEPAGE / VM_NOHUGEPAGE (each clears the other)
 *     NORMAL, SEQUENTIAL, RANDOM, DONTFORK, DOFORK, WIPEONFORK,
 *     KEEPONFORK, DONTDUMP, DODUMP, MERGEABLE, UNMERGEABLE
 *   A split refused for vm.max_map_count is reported as EAGAIN (madvise
 *   turns ENOMEM from its flag updates into EAGAIN).
 */
#include <errno.h>

#include "mm/filemap.h"
#include "mm/hugetlb.h"
#include "mm/internal.h"
#include "mm/mm_struct.h"

static bool madvise_behavior_valid(int behavior)
{
	switch (behavior) {
	case MADV_NORMAL:
	case MADV_RANDOM:
	case MADV_SEQUENTIAL:
	case MADV_WILLNEED:
	case MADV_DONTNEED:
	case MADV_DONTNEED_LOCKED:
	case MADV_FREE:
	case MADV_REMOVE:
	case MADV_DONTFORK:
	case MADV_DOFORK:
	case MADV_MERGEABLE:
	case MADV_UNMERGEABLE:
	case MADV_HUGEPAGE:
	case MADV_NOHUGEPAGE:
	case MADV_DONTDUMP:
	case MADV_DODUMP:
	case MADV_WIPEONFORK:
	case MADV_KEEPONFORK:
	case MADV_COLD:
	case MADV_PAGEOUT:
	case MADV_POPULATE_READ:
	case MADV_POPULATE_WRITE:
		return true;
	default:
		return false;
	}
}

/* Linux's can_madv_lru_vma. */
static bool can_madv_lru_vma(const struct vm_area_struct *vma)
{
	return !(vma->vm_flags & (VM_LOCKED | VM_PFNMAP | VM_HUGETLB));
}

static int madvise_dontneed_free(struct mm_struct *mm, struct vm_area_struct *vma,
				 mm_va_t start, mm_va_t end, int behavior)
{
	vm_flags_t forbidden = VM_PFNMAP;
	if (behavior != MADV_DONTNEED_LOCKED)
		forbidden |= VM_LOCKED;
	if (vma->vm_flags & forbidden)
		return -EINVAL;
	if (is_vm_hugetlb_page(vma)) {
		/* madvise_dontneed_free_valid_vma: whole huge pages only, the
		 * end rounded down (never more freed than asked). */
		uint64_t hsize = huge_page_size(mm->k);
		if (behavior == MADV_FREE || hugetlb_split_check(vma, start))
			return -EINVAL;
		end = MM_ALIGN_DOWN(end, hsize);
		if (end > start)
			unmap_page_range(mm, vma, start, end);
		return 0;
	}
	if (behavior == MADV_FREE) {
		if (!vma_is_anonymous(vma))
			return -EINVAL;
		madvise_free_range(mm, vma, start, end);
		return 0;
	}
	unmap_page_range(mm, vma, start, end);
	return 0;
}

/* The new flags for a flag-changing advice, or -EINVAL in *err. */
static vm_flags_t madvise_new_flags(const struct vm_area_struct *vma, int behavior, int *err)
{
	vm_flags_t f = vma->vm_flags;
	*err = 0;
	switch (behavior) {
	case MADV_NORMAL:
		return f & ~(VM_RAND_READ | VM_SEQ_READ);
	case MADV_SEQUENTIAL:
		return (f & ~VM_RAND_READ) | VM_SEQ_READ;
	case MADV_RANDOM:
		return (f & ~VM_SEQ_READ) | VM_RAND_READ;
	case MADV_DONTFORK:
		return f | VM_DONTCOPY;
	case MADV_DOFORK:
		if (f & VM_IO) {
			*err = -EINVAL;
			return f;
		}
		return f & ~VM_DONTCOPY;
	case MADV_WIPEONFORK:
		/* Only private anonymous memory can be wiped in the child. */
		if (vma->vm_file || (f & VM_SHARED)) {
			*err = -EINVAL;
			return f;
		}
		return f | VM_WIPEONFORK;
	case MADV_KEEPONFORK:
		return f & ~VM_WIPEONFORK;
	case MADV_DONTDUMP:
		return f | VM_DONTDUMP;
	case MADV_DODUMP:
		if (!(f & VM_HUGETLB) && (f & VM_SPECIAL)) {
			*err = -EINVAL;
			return f;
		}
		return f & ~VM_DONTDUMP;
	case MADV_MERGEABLE:
		/* KSM scans only private anonymous-capable VMAs. */
		if (f & (VM_MERGEABLE | VM_SHARED | VM_MAYSHARE | VM_PFNMAP | VM_IO |
			 VM_DONTEXPAND | VM_HUGETLB | VM_MIXEDMAP))
			return f;
		return f | VM_MERGEABLE;
	case MADV_UNMERGEABLE:
		return f & ~VM_MERGEABLE;
	case MADV_HUGEPAGE:
		return (f & ~VM_NOHUGEPAGE) | VM_HUGEPAGE;
	case MADV_NOHUGEPAGE:
		return (f & ~VM_HUGEPAGE) | VM_NOHUGEPAGE;
	default:
		*err = -EINVAL;
		return f;
	}
}

/* Apply behavior to [start, end) of vma; *pprev is updated to the VMA that
 * now ends the piece done. */
static int madvise_vma_behavior(struct mm_struct *mm, struct vm_area_struct *vma,
				struct vm_area_struct **pprev, mm_va_t start, mm_va_t end,
				int behavior)
{
	int err = 0;
	switch (behavior) {
	case MADV_DONTNEED:
	case MADV_DONTNEED_LOCKED:
	case MADV_FREE:
		*pprev = vma;
		return madvise_dontneed_free(mm, vma, start, end, behavior);
	case MADV_WILLNEED:
		*pprev = vma;
		if (vma->vm_file) /* vfs_fadvise(WILLNEED) of the range */
			filemap_madvise_willneed(vma, start, end);
		return 0;
	case MADV_COLD:
	case MADV_PAGEOUT:
		*pprev = vma;
		return can_madv_lru_vma(vma) ? 0 : -EINVAL;
	case MADV_REMOVE:
		*pprev = vma;
		if (vma->vm_flags & VM_LOCKED)
			return -EINVAL;
		if (!vma->vm_file && !(vma->vm_flags & VM_SHARED))
			return -EINVAL;
		if ((vma->vm_flags & (VM_SHARED | VM_MAYWRITE)) != (VM_SHARED | VM_MAYWRITE))
			return -EACCES;
		unmap_page_range(mm, vma, start, end);
		return 0;
	case MADV_POPULATE_READ:
	case MADV_POPULATE_WRITE:
		*pprev = vma;
		if (vma->vm_flags & (VM_IO | VM_PFNMAP))
			return -EINVAL;
		return mm_populate(mm, start, end - start);
	default:
		break;
	}

	vm_flags_t new_flags = madvise_new_flags(vma, behavior, &err);
	if (err)
		return err;
	if (new_flags == vma->vm_flags) {
		*pprev = vma;
		return 0;
	}
	if ((start > vma->vm_start && hugetlb_split_check(vma, start)) ||
	    (end < vma->vm_end && hugetlb_split_check(vma, end)))
		return -EINVAL; /* hugetlb: whole huge pages only */
	vma = vma_modify(mm, pprev, vma, start, end, new_flags, &err);
	if (!vma)
		return err == -ENOMEM ? -EAGAIN : err;
	vma->vm_flags = new_flags;
	return 0;
}

int do_madvise(struct mm_struct *mm, mm_va_t start, uint64_t len_in, int behavior)
{
	struct mm_kernel *k = mm->k;
	uint64_t page = k->page_size;
	int unmapped_error = 0;

	if (!madvise_behavior_valid(behavior))
		return -EINVAL;
	if (start & (page - 1))
		return -EINVAL;
	uint64_t len = MM_ALIGN_UP(len_in, page);
	if (len_in && !len)
		return -EINVAL; /* rounded up from a "negative" length */
	mm_va_t end = start + len;
	if (end < start)
		return -EINVAL;
	if (end == start)
		return 0;

	struct vm_area_struct *prev, *vma = find_vma_prev(mm, start, &prev);
	if (vma && start > vma->vm_start)
		prev = vma;
	int err = 0;
	for (;;) {
		if (!vma) {
			err = -ENOMEM;
			break;
		}
		if (start < vma->vm_start) {
			unmapped_error = -ENOMEM;
			start = vma->vm_start;
			if (start >= end)
				break;
		}
		mm_va_t tmp = MM_MIN(vma->vm_end, end);
		err = madvise_vma_behavior(mm, vma, &prev, start, tmp, behavior);
		if (err)
			break;
		start = tmp;
		if (prev && start < prev->vm_end)
			start = prev->vm_end;
		if (start >= end)
			break;
		vma = prev ? vma_next(prev) : find_vma(mm, start);
		if (vma && vma->vm_end <= start)
			vma = find_vma(mm, start);
	}
	if (!err)
		err = unmapped_error;
	if (k->debug_checks && !vma_validate_mm(mm))
		printk(k, "vma_validate_mm: inconsistent after madvise (details on stderr)");
	return err;
}
