/*
 * mremap.c - mremap(2): shrink, grow in place, or move a mapping.
 *
 *   mremap(addr, old_len, new_len, flags[, new_addr])
 *
 *   new_len <= old_len ........ unmap the tail; the mapping stays at addr
 *   grow, nothing after it .... extend the VMA in place (merging with the
 *                                next VMA when it becomes adjacent and alike)
 *   grow, blocked:
 *     MREMAP_MAYMOVE .......... find new_len bytes elsewhere and move:
 *                                  [ old ]  ──copy VMA──▶  [ new.......... ]
 *                                  PTEs moved entry by entry (the pages do
 *                                  not move and are not copied), then the
 *                                  old range is unmapped
 *     otherwise ............... ENOMEM
 *   MREMAP_FIXED .............. move to new_addr exactly (unmapping what
 *                                was there); MREMAP_DONTUNMAP keeps the old
 *                                VMA (empty) in place
 *
 * Errors as Linux returns them: EINVAL (bad flags, unaligned addr, new_len
 * 0, overlapping FIXED ranges, a private mapping "duplicated" with
 * old_len 0), EFAULT (addr not mapped, or the old range running past its
 * VMA), EAGAIN (mlock limit), ENOMEM (cannot grow or move).
 *
 * Accounting: a VM_ACCOUNT mapping is charged only the growth; when it
 * moves, its old charge is handed to the new VMA (the old pages are
 * unmapped without uncharging them).
 */
#include <errno.h>

#include "mm/internal.h"
#include "mm/mm_struct.h"

/* Linux's vma_to_resize: the VMA at addr if [addr, addr+old_len) may grow
 * to new_len; else an error pointer as -errno in *err. */
static struct vm_area_struct *vma_to_resize(struct mm_struct *mm, mm_va_t addr, uint64_t old_len,
					    uint64_t new_len, unsigned long flags, int *err)
{
	struct mm_kernel *k = mm->k;
	struct vm_area_struct *vma = vma_lookup(mm, addr);
	*err = 0;
	if (!vma) {
		*err = -EFAULT;
		return NULL;
	}
	/* old_len 0 "duplicates" a shared mapping; for a private one that
	 * would create an unrelated mapping, so Linux refuses. */
	if (!old_len && !(vma->vm_flags & (VM_SHARED | VM_MAYSHARE))) {
		*err = -EINVAL;
		return NULL;
	}
	if ((flags & MREMAP_DONTUNMAP) && (vma->vm_flags & (VM_DONTEXPAND | VM_PFNMAP))) {
		*err = -EINVAL;
		return NULL;
	}
	if (old_len > vma->vm_end - addr) { /* we can't remap across VMAs */
		*err = -EFAULT;
		return NULL;
	}
	if (new_len == old_len)
		return vma;
	uint64_t pgoff = vma->vm_pgoff + ((addr - vma->vm_start) >> k->page_shift);
	if (pgoff + (new_len >> k->page_shift) < pgoff) {
		*err = -EINVAL;
		return NULL;
	}
	if (vma->vm_flags & (VM_DONTEXPAND | VM_PFNMAP)) {
		*err = -EFAULT;
		return NULL;
	}
	if (new_len > old_len && !mlock_future_ok(mm, vma->vm_flags, new_len - old_len)) {
		*err = -EAGAIN;
		return NULL;
	}
	return vma;
}

/* Can vma grow by delta bytes where it is? */
static bool vma_expandable(struct mm_struct *mm, struct vm_area_struct *vma, uint64_t delta)
{
	mm_va_t end = vma->vm_end + delta;
	if (end < vma->vm_end)
		return false;
	if (find_vma_intersection(mm, vma->vm_end, end))
		return false;
	return get_unmapped_area(mm, NULL, vma->vm_start, end - vma->vm_start, 0, MAP_FIXED) >= 0;
}

/*
 * Linux's copy_vma: a VMA for [addr, addr+len) with vma's attributes, merged
 * with its new neighbours when possible. An anonymous VMA that never had a
 * page gets a pgoff matching its new address, so that it can merge there.
 * *vmap is updated if the source itself was merged into the result.
 */
static struct vm_area_struct *copy_vma(struct mm_struct *mm, struct vm_area_struct **vmap,
				       mm_va_t addr, uint64_t len, uint64_t pgoff)
{
	struct vm_area_struct *vma = *vmap;
	mm_va_t vma_start = vma->vm_start;
	if (vma_is_anonymous(vma) && !vma->anon_vma)
		pgoff = addr >> mm->k->page_shift;
	struct vm_area_struct *prev, *next = find_vma_prev(mm, addr, &prev);
	if (next && next->vm_start < addr + len)
		return NULL; /* the caller made room: cannot happen */
	struct vm_area_struct *new_vma = vma_merge(mm, prev, addr, addr + len, vma->vm_flags,
						   vma->anon_vma, vma->vm_file, pgoff, vma->vm_name);
	if (new_vma) {
		/* The source may have been merged into (or swallowed by) the
		 * result: only possible while it had no pages. */
		if (vma_start >= new_vma->vm_start && vma_start < new_vma->vm_end)
			*vmap = new_vma;
		return new_vma;
	}
	new_vma = vm_area_dup(vma);
	if (!new_vma)
		return NULL;
	new_vma->vm_start = addr;
	new_vma->vm_end = addr + len;
	new_vma->vm_pgoff = pgoff;
	if (vma_link(mm, new_vma)) {
		vm_area_free(new_vma);
		return NULL;
	}
	return new_vma;
}

static int64_t move_vma(struct mm_struct *mm, struct vm_area_struct *vma, mm_va_t old_addr,
			uint64_t old_len, uint64_t new_len, mm_va_t new_addr, unsigned long flags,
			bool *locked)
{
	struct mm_kernel *k = mm->k;
	unsigned shift = k->page_shift;
	int64_t to_account = (int64_t)(new_len >> shift) - (int64_t)(old_len >> shift);
	vm_flags_t vm_flags = vma->vm_flags;

	/* Room for the worst case: each end split in the old range. */
	if (mm->map_count >= k->sysctl.max_map_count - 3)
		return -ENOMEM;
	if (flags & MREMAP_DONTUNMAP)
		to_account = (int64_t)(new_len >> shift);
	if ((vm_flags & VM_ACCOUNT) && __vm_enough_memory(mm, to_account, mm->cap_sys_admin))
		return -ENOMEM;

	uint64_t new_pgoff = vma->vm_pgoff + ((old_addr - vma->vm_start) >> shift);
	struct vm_area_struct *new_vma = copy_vma(mm, &vma, new_addr, new_len, new_pgoff);
	if (!new_vma) {
		if (vm_flags & VM_ACCOUNT)
			vm_unacct_memory(k, to_account);
		return -ENOMEM;
	}
	int64_t err = 0;
	if (old_len && move_page_tables(mm, old_addr, new_addr, old_len) < 0) {
		/* The tables could not be had: unmap the new area instead. */
		err = -ENOMEM;
		old_addr = new_addr;
		old_len = new_len;
		vma = new_vma;
	}
	uint64_t hiwater_vm = mm->hiwater_vm;
	vm_stat_account(mm, vma->vm_flags, (int64_t)(new_len >> shift));

	if (!err && (flags & MREMAP_DONTUNMAP)) {
		/* The old VMA stays, emptied, and never locked. */
		if (vma->vm_flags & VM_LOCKED) {
			mm->locked_vm -= vma_pages(vma, shift);
			vma->vm_flags &= ~VM_LOCKED_MASK;
		}
		if (vm_flags & VM_LOCKED) {
			mm->locked_vm += new_len >> shift;
			*locked = true;
		}
		return (int64_t)new_addr;
	}
	if (old_len) {
		/* Unmap the old range without uncharging it: its charge now
		 * belongs to the new VMA. */
		bool keep = vm_flags & VM_ACCOUNT;
		if (__do_munmap(mm, old_addr, old_addr + old_len, keep) < 0 && keep)
			vm_acct_memory(k, (int64_t)(old_len >> shift)); /* split failed: counts right */
	}
	if (vm_flags & VM_LOCKED) {
		mm->locked_vm += new_len >> shift;
		*locked = true;
	}
	mm->hiwater_vm = hiwater_vm;
	return err ? err : (int64_t)new_addr;
}

static int64_t mremap_to(struct mm_struct *mm, mm_va_t addr, uint64_t old_len, mm_va_t new_addr,
			 uint64_t new_len, unsigned long flags, bool *locked)
{
	struct mm_kernel *k = mm->k;
	int err;
	if (new_addr & (k->page_size - 1))
		return -EINVAL;
	if (new_len > mm->task_size || new_addr > mm->task_size - new_len)
		return -EINVAL;
	if (addr + old_len > new_addr && new_addr + new_len > addr)
		return -EINVAL; /* the ranges overlap */
	/* Both ranges may be split in three before the move: fail early
	 * rather than leave them half done. */
	if (mm->map_count + 2 >= k->sysctl.max_map_count - 3)
		return -ENOMEM;
	if (flags & MREMAP_FIXED) {
		err = do_munmap(mm, new_addr, new_len);
		if (err)
			return err;
	}
	if (old_len > new_len) {
		err = do_munmap(mm, addr + new_len, old_len - new_len);
		if (err)
			return err;
		old_len = new_len;
	}
	struct vm_area_struct *vma = vma_to_resize(mm, addr, old_len, new_len, flags, &err);
	if (!vma)
		return err;
	unsigned long map_flags = 0;
	if (flags & MREMAP_FIXED)
		map_flags |= MAP_FIXED;
	if (vma->vm_flags & VM_MAYSHARE)
		map_flags |= MAP_SHARED;
	int64_t ret = get_unmapped_area(mm, vma->vm_file, new_addr, new_len,
					vma->vm_pgoff + ((addr - vma->vm_start) >> k->page_shift),
					map_flags);
	if (ret < 0)
		return ret;
	if (!(flags & MREMAP_FIXED))
		new_addr = (mm_va_t)ret;
	return move_vma(mm, vma, addr, old_len, new_len, new_addr, flags, locked);
}

static int64_t __do_mremap(struct mm_struct *mm, mm_va_t addr, uint64_t old_len, uint64_t new_len,
			   unsigned long flags, mm_va_t new_addr, bool *locked)
{
	struct mm_kernel *k = mm->k;
	uint64_t page = k->page_size;
	int err;

	if (flags & ~(unsigned long)(MREMAP_FIXED | MREMAP_MAYMOVE | MREMAP_DONTUNMAP))
		return -EINVAL;
	if ((flags & MREMAP_FIXED) && !(flags & MREMAP_MAYMOVE))
		return -EINVAL;
	/* DONTUNMAP is always a move and never resizes. */
	if ((flags & MREMAP_DONTUNMAP) && (!(flags & MREMAP_MAYMOVE) || old_len != new_len))
		return -EINVAL;
	if (addr & (page - 1))
		return -EINVAL;
	uint64_t a_old = MM_ALIGN_UP(old_len, page), a_new = MM_ALIGN_UP(new_len, page);
	if (a_old < old_len || a_new < new_len)
		return -EINVAL;
	old_len = a_old;
	new_len = a_new;
	if (!new_len)
		return -EINVAL;
	struct vm_area_struct *vma = vma_lookup(mm, addr);
	if (!vma)
		return -EFAULT;
	if (flags & (MREMAP_FIXED | MREMAP_DONTUNMAP))
		return mremap_to(mm, addr, old_len, new_addr, new_len, flags, locked);

	/* Shrinking always works: it just unmaps the tail. */
	if (old_len >= new_len) {
		if (old_len == new_len)
			return (int64_t)addr;
		err = do_munmap(mm, addr + new_len, old_len - new_len);
		return err ? err : (int64_t)addr;
	}

	vma = vma_to_resize(mm, addr, old_len, new_len, flags, &err);
	if (!vma)
		return err;
	/* old_len reaching exactly to the VMA's end: try growing in place. */
	if (old_len == vma->vm_end - addr && vma_expandable(mm, vma, new_len - old_len)) {
		uint64_t delta = new_len - old_len;
		int64_t pages = (int64_t)(delta >> k->page_shift);
		int64_t charged = 0;
		if (vma->vm_flags & VM_ACCOUNT) {
			if (__vm_enough_memory(mm, pages, mm->cap_sys_admin))
				return -ENOMEM;
			charged = pages;
		}
		/* vma_merge_extend: the extension joins vma (and maybe next). */
		mm_va_t end = vma->vm_end;
		struct vm_area_struct *merged =
			vma_merge(mm, vma, end, end + delta, vma->vm_flags, vma->anon_vma, vma->vm_file,
				  vma->vm_pgoff + vma_pages(vma, k->page_shift), vma->vm_name);
		if (!merged) {
			if (charged)
				vm_unacct_memory(k, charged);
			return -ENOMEM;
		}
		vm_stat_account(mm, merged->vm_flags, pages);
		if (merged->vm_flags & VM_LOCKED) {
			mm->locked_vm += (uint64_t)pages;
			*locked = true;
		}
		return (int64_t)addr;
	}
	if (!(flags & MREMAP_MAYMOVE))
		return -ENOMEM;
	unsigned long map_flags = (vma->vm_flags & VM_MAYSHARE) ? MAP_SHARED : 0;
	int64_t ret = get_unmapped_area(mm, vma->vm_file, 0, new_len,
					vma->vm_pgoff + ((addr - vma->vm_start) >> k->page_shift),
					map_flags);
	if (ret < 0)
		return ret;
	return move_vma(mm, vma, addr, old_len, new_len, (mm_va_t)ret, flags, locked);
}

int64_t do_mremap(struct mm_struct *mm, mm_va_t addr, uint64_t old_len, uint64_t new_len,
		  unsigned long flags, mm_va_t new_addr)
{
	bool locked = false;
	int64_t ret = __do_mremap(mm, addr, old_len, new_len, flags, new_addr, &locked);
	/* A locked mapping that grew gets its new pages now. */
	if (ret >= 0 && locked && new_len > old_len)
		mm_populate(mm, (mm_va_t)ret + MM_ALIGN_UP(old_len, mm->k->page_size),
			    MM_ALIGN_UP(new_len, mm->k->page_size) - MM_ALIGN_UP(old_len, mm->k->page_size));
	if (mm->k->debug_checks && !vma_validate_mm(mm))
		printk(mm->k, "vma_validate_mm: inconsistent after mremap (details on stderr)");
	return ret;
}
