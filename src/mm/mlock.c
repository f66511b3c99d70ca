/*
 * mlock.c - mlock(2), mlock2(2), munlock(2): keep a range in memory.
 *
 *   mlock(addr, len)
 *     the range is widened to whole pages (addr rounded down, len up)
 *     RLIMIT_MEMLOCK 0 and no CAP_IPC_LOCK ..................... EPERM
 *     locked_vm + len (less what is already locked in the range)
 *       above RLIMIT_MEMLOCK .................................... ENOMEM
 *     for each VMA of the range (a hole: ENOMEM, stop there):
 *       VM_LOCKED set (split/merge as mprotect does), locked_vm += pages,
 *       pages already present marked PG_mlocked
 *     then the range is faulted in (mm->ops->populate), unless
 *     MLOCK_ONFAULT (VM_LOCKONFAULT: lock pages as they come)
 *
 *   munlock: the same walk clearing VM_LOCKED/VM_LOCKONFAULT.
 *
 * Special mappings (VM_IO, VM_PFNMAP, ...) and hugetlb VMAs are skipped
 * silently, as Linux does: they are never counted in VmLck.
 */
#include <errno.h>

#include "mm/internal.h"
#include "mm/mm_struct.h"

static int mlock_fixup(struct mm_struct *mm, struct vm_area_struct *vma,
		       struct vm_area_struct **pprev, mm_va_t start, mm_va_t end,
		       vm_flags_t newflags)
{
	vm_flags_t oldflags = vma->vm_flags;
	int err = 0;
	if (newflags == oldflags || (oldflags & (VM_SPECIAL | VM_HUGETLB)) || vma->vm_name) {
		/* Nothing to do, or a VMA that is never locked or counted. */
		*pprev = vma;
		return 0;
	}
	vma = vma_modify(mm, pprev, vma, start, end, newflags, &err);
	if (!vma)
		return err;
	int64_t nr_pages = (int64_t)((end - start) >> mm->k->page_shift);
	if (!(newflags & VM_LOCKED))
		nr_pages = -nr_pages;
	else if (oldflags & VM_LOCKED)
		nr_pages = 0;
	mm->locked_vm += (uint64_t)nr_pages;
	vma->vm_flags = newflags;
	if (!((newflags & VM_LOCKED) && (oldflags & VM_LOCKED)))
		mlock_pte_range(mm, vma, start, end, (newflags & VM_LOCKED) != 0);
	return 0;
}

static int apply_vma_lock_flags(struct mm_struct *mm, mm_va_t start, uint64_t len, vm_flags_t flags)
{
	mm_va_t end = start + len;
	if (end < start)
		return -EINVAL;
	if (end == start)
		return 0;
	struct vm_area_struct *vma = vma_lookup(mm, start);
	if (!vma)
		return -ENOMEM;
	struct vm_area_struct *prev = vma_prev(vma);
	if (start > vma->vm_start)
		prev = vma;
	mm_va_t nstart = start, tmp = vma->vm_start;
	while (vma && vma->vm_start < end) {
		if (vma->vm_start != tmp)
			return -ENOMEM; /* a hole */
		vm_flags_t newflags = (vma->vm_flags & ~VM_LOCKED_MASK) | flags;
		tmp = MM_MIN(vma->vm_end, end);
		int err = mlock_fixup(mm, vma, &prev, nstart, tmp, newflags);
		if (err)
			return err;
		tmp = prev->vm_end;
		nstart = tmp;
		vma = vma_next(prev);
	}
	if (tmp < end)
		return -ENOMEM;
	return 0;
}

/* Pages of [start, start+len) in VMAs already VM_LOCKED. */
static uint64_t count_mm_mlocked_page_nr(struct mm_struct *mm, mm_va_t start, uint64_t len)
{
	mm_va_t end = start + len;
	uint64_t n = 0;
	for (struct vm_area_struct *v = find_vma(mm, start); v && v->vm_start < end; v = vma_next(v))
		if (v->vm_flags & VM_LOCKED)
			n += (MM_MIN(end, v->vm_end) - MM_MAX(start, v->vm_start)) >> mm->k->page_shift;
	return n;
}

int do_mlock(struct mm_struct *mm, mm_va_t start, uint64_t len, unsigned flags)
{
	struct mm_kernel *k = mm->k;
	uint64_t page = k->page_size;
	if (flags & ~(unsigned)MLOCK_ONFAULT)
		return -EINVAL;
	vm_flags_t vm_flags = VM_LOCKED | ((flags & MLOCK_ONFAULT) ? VM_LOCKONFAULT : 0);
	/* can_do_mlock */
	if (!mm->cap_ipc_lock && mm->rlim_memlock_bytes == 0)
		return -EPERM;
	uint64_t alen = MM_ALIGN_UP(len + (start & (page - 1)), page);
	if (alen < len)
		return -ENOMEM;
	start = MM_ALIGN_DOWN(start, page);
	uint64_t lock_limit = mm->rlim_memlock_bytes >> k->page_shift;
	uint64_t locked = (alen >> k->page_shift) + mm->locked_vm;
	if (locked > lock_limit && !mm->cap_ipc_lock)
		locked -= count_mm_mlocked_page_nr(mm, start, alen);
	int err = -ENOMEM;
	if (locked <= lock_limit || mm->cap_ipc_lock)
		err = apply_vma_lock_flags(mm, start, alen, vm_flags);
	if (!err && !(flags & MLOCK_ONFAULT))
		err = mm_populate(mm, start, alen);
	if (k->debug_checks && !vma_validate_mm(mm))
		printk(k, "vma_validate_mm: inconsistent after mlock (details on stderr)");
	return err;
}

int do_munlock(struct mm_struct *mm, mm_va_t start, uint64_t len)
{
	struct mm_kernel *k = mm->k;
	uint64_t page = k->page_size;
	uint64_t alen = MM_ALIGN_UP(len + (start & (page - 1)), page);
	if (alen < len)
		return -ENOMEM;
	start = MM_ALIGN_DOWN(start, page);
	int err = apply_vma_lock_flags(mm, start, alen, 0);
	if (k->debug_checks && !vma_validate_mm(mm))
		printk(k, "vma_validate_mm: inconsistent after munlock (details on stderr)");
	return err;
}
