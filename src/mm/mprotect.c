/*
 * mprotect.c - mprotect(2): change the access rights of a range.
 *
 *   mprotect(addr, len, prot)
 *     │  checks: addr aligned (EINVAL), prot bits known (EINVAL),
 *     │          addr inside a VMA (ENOMEM)
 *     ▼
 *   for each VMA of [addr, end), in address order:
 *     new flags = prot's VM_READ|WRITE|EXEC + the VMA's other flags
 *     a right the VMA may never have (VM_MAYx clear: a read-only file
 *       mapped shared, say) ............................... EACCES, stop
 *     mprotect_fixup: split off / merge the range (vma_modify),
 *       set the flags, rewrite the present PTEs (change_protection)
 *     next VMA must start where this one ended, else ....... ENOMEM, stop
 *
 * VMAs already changed when a later one fails stay changed, as in Linux.
 *
 *   [ rw- 3 pages ]  mprotect(middle, r--)  [rw-][r--][rw-]  mprotect(middle, rw-)
 *                    ───────────────────▶   3 VMAs           ──────────────▶  [ rw- ] one VMA
 *
 * Commit accounting follows the flags: a private mapping becoming writable
 * is charged (VM_ACCOUNT) unless it already was; one becoming read-only
 * is uncharged only if no anonymous page was ever faulted into it (no
 * anon_vma), since Linux cannot tell how much of it is dirty. VM_ACCOUNT
 * takes part in merging, so the round trip above merges back.
 */
#include <errno.h>

#include "mm/hugetlb.h"
#include "mm/internal.h"
#include "mm/mm_struct.h"

static int mprotect_fixup(struct mm_struct *mm, struct vm_area_struct *vma,
			  struct vm_area_struct **pprev, mm_va_t start, mm_va_t end,
			  vm_flags_t newflags)
{
	struct mm_kernel *k = mm->k;
	vm_flags_t oldflags = vma->vm_flags;
	int64_t nrpages = (int64_t)((end - start) >> k->page_shift);
	int64_t charged = 0;
	int err;

	if (newflags == oldflags) {
		*pprev = vma;
		return 0;
	}
	if (newflags & VM_WRITE) {
		if (!(oldflags & (VM_ACCOUNT | VM_WRITE | VM_HUGETLB | VM_SHARED | VM_NORESERVE))) {
			charged = nrpages;
			if (__vm_enough_memory(mm, charged, mm->cap_sys_admin))
				return -ENOMEM;
			newflags |= VM_ACCOUNT;
		}
	} else if ((oldflags & VM_ACCOUNT) && vma_is_anonymous(vma) && !vma->anon_vma) {
		newflags &= ~VM_ACCOUNT;
	}

	vma = vma_modify(mm, pprev, vma, start, end, newflags, &err);
	if (!vma) {
		if (charged)
			vm_unacct_memory(k, charged);
		return err;
	}
	vma->vm_flags = newflags;
	vma_set_page_prot(vma);
	change_protection(mm, vma, start, end);

	if ((oldflags & VM_ACCOUNT) && !(newflags & VM_ACCOUNT))
		vm_unacct_memory(k, nrpages);
	/* A locked private mapping turning writable: break COW now rather than
	 * take the faults later (populate_vma_page_range). */
	if ((oldflags & (VM_WRITE | VM_SHARED | VM_LOCKED)) == VM_LOCKED && (newflags & VM_WRITE))
		mm_populate(mm, start, end - start);
	vm_stat_account(mm, oldflags, -nrpages);
	vm_stat_account(mm, newflags, nrpages);
	return 0;
}

int do_mprotect(struct mm_struct *mm, mm_va_t start, uint64_t len, unsigned long prot)
{
	struct mm_kernel *k = mm->k;
	unsigned long grows = prot & (PROT_GROWSDOWN | PROT_GROWSUP);
	int err = 0;

	prot &= ~(unsigned long)(PROT_GROWSDOWN | PROT_GROWSUP);
	if (grows == (PROT_GROWSDOWN | PROT_GROWSUP))
		return -EINVAL; /* can't be both */
	if (start & (k->page_size - 1))
		return -EINVAL;
	if (!len)
		return 0;
	uint64_t alen = MM_ALIGN_UP(len, k->page_size);
	mm_va_t end = start + alen;
	if (alen < len || end <= start)
		return -ENOMEM;
	if (prot & ~(unsigned long)(PROT_READ | PROT_WRITE | PROT_EXEC | PROT_SEM))
		return -EINVAL; /* arch_validate_prot */

	struct vm_area_struct *vma = find_vma(mm, start);
	if (!vma || vma->vm_start >= end)
		return -ENOMEM;
	if (grows & PROT_GROWSDOWN) {
		/* The change reaches down to the stack VMA's start. */
		start = vma->vm_start;
		if (!(vma->vm_flags & VM_GROWSDOWN))
			return -EINVAL;
	} else {
		if (vma->vm_start > start)
			return -ENOMEM;
		if (grows & PROT_GROWSUP)
			return -EINVAL; /* no VM_GROWSUP on x86 */
	}

	struct vm_area_struct *prev = vma_prev(vma);
	if (start > vma->vm_start)
		prev = vma;
	mm_va_t nstart = start;
	for (;;) {
		vm_flags_t newflags = ((prot & PROT_READ) ? VM_READ : 0) |
				      ((prot & PROT_WRITE) ? VM_WRITE : 0) |
				      ((prot & PROT_EXEC) ? VM_EXEC : 0);
		newflags |= vma->vm_flags & ~VM_ACCESS_FLAGS;
		/* VM_MAYx sit four bits above VM_x: a right asked for must be allowed. */
		if ((newflags & ~(newflags >> 4)) & VM_ACCESS_FLAGS) {
			err = -EACCES;
			break;
		}
		mm_va_t tmp = MM_MIN(vma->vm_end, end);
		/* hugetlb VMAs split only at huge page boundaries (may_split). */
		if ((nstart > vma->vm_start && hugetlb_split_check(vma, nstart)) ||
		    (tmp < vma->vm_end && hugetlb_split_check(vma, tmp))) {
			err = -EINVAL;
			break;
		}
		err = mprotect_fixup(mm, vma, &prev, nstart, tmp, newflags);
		if (err)
			break;
		nstart = tmp;
		if (nstart < prev->vm_end)
			nstart = prev->vm_end;
		if (nstart >= end)
			break;
		vma = vma_next(prev);
		if (!vma || vma->vm_start != nstart) {
			err = -ENOMEM; /* a hole */
			break;
		}
	}
	if (k->debug_checks && !vma_validate_mm(mm))
		printk(k, "vma_validate_mm: inconsistent after mprotect (details on stderr)");
	return err;
}
