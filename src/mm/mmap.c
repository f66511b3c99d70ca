/*
 * mmap.c - the address space (mm_struct) and the system calls that map and
 * unmap memory: mmap, munmap, brk; where free space is found; overcommit.
 *
 * Where a mapping goes (get_unmapped_area, x86_64's rules):
 *
 *   task_size ┬──────────── stack (VM_GROWSDOWN) ──────┐
 *             │   stack rlimit (8M) + guard gap (1M),  │ gap = clamp(rlimit+guard,
 *   mmap_base ┼── at least 128M, at most 5/6 of space ─┘       128M, 5/6 task_size)
 *             │  first mmap ends here, next one below it ...   (top-down search:
 *             │  [ libs ][ mmap ][ mmap ]                      the HIGHEST gap that
 *             │       ...                                      fits below mmap_base)
 *             │  heap (brk) grows up from start_brk
 *           0 ┴  text, data, bss
 *
 *   - MAP_FIXED takes the address as given (unmapping what was there);
 *     MAP_FIXED_NOREPLACE fails with EEXIST instead.
 *   - A hint is used when [hint, hint+len) is free (and clear of a stack's
 *     guard gap); otherwise the search runs as if there were no hint.
 *   - An anonymous private mapping whose length is a multiple of 2M is
 *     placed 2M-aligned (Linux 6.7+, for transparent huge pages).
 *   - If the top-down search fails, a bottom-up search from
 *     mmap_legacy_base (task_size / 3) is tried.
 *
 * Overcommit (vm.overcommit_memory): private writable mappings and brk are
 * "accounted" (VM_ACCOUNT) unless MAP_NORESERVE: their pages are added to
 * Committed_AS when mapped and taken off when unmapped. Mode 0 refuses
 * only a single request larger than RAM + swap; mode 1 never refuses;
 * mode 2 refuses when Committed_AS would pass CommitLimit (less the admin
 * reserve for unprivileged tasks and min(total_vm/32, user reserve)):
 *
 *   CommitLimit = (totalram - hugetlb) * overcommit_ratio / 100 + swap
 *                 (or overcommit_kbytes + swap when that is set)
 *
 * munmap of [start, end): the VMAs it touches are split at start and end,
 * their pages zapped, the page tables that the hole leaves empty freed,
 * and the VMAs removed with their accounting (total_vm, locked_vm,
 * data/exec/stack_vm, Committed_AS).
 *
 * brk follows Linux: the break may move down to start_brk and up until it
 * would come within a page and the guard gap of the next mapping; a failed
 * call returns the old break; shrinking unmaps.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mm/huge_memory.h"
#include "mm/hugetlb.h"
#include "mm/internal.h"
#include "mm/mm_struct.h"
#include "mm/slab.h"

/* ---- tunables ----------------------------------------------------------------- */

void mmap_init(struct mm_kernel *k)
{
	struct mm_sysctl *s = &k->sysctl;
	s->overcommit_memory = 0;
	s->overcommit_ratio = 50;
	s->overcommit_kbytes = 0;
	s->max_map_count = 65530; /* DEFAULT_MAX_MAP_COUNT: USHRT_MAX - 5 */
	/* CONFIG_DEFAULT_MMAP_MIN_ADDR on x86 is 64K; the toy machine's whole
	 * address space is smaller than that. */
	s->mmap_min_addr = k->arch->is_toy ? 0 : 65536;
	/* stack_guard_gap: 256 pages (1M); one page on a toy machine. */
	s->stack_guard_gap = k->arch->is_toy ? k->page_size : 256 * k->page_size;
	/* init_admin_reserve / init_user_reserve: 1/32 of free memory, at most
	 * 8M and 128M. */
	uint64_t free_kb = (global_free_pages(k) << k->page_shift) >> 10;
	s->admin_reserve_kbytes = (int64_t)MM_MIN(free_kb / 32, 8192);
	s->user_reserve_kbytes = (int64_t)MM_MIN(free_kb / 32, 131072);
	k->vm_committed_as = 0;
	INIT_LIST_HEAD(&k->mmlist);
	/* Huge pages: an empty hugetlb pool, THP in madvise mode. */
	hugetlb_init(k);
	thp_init(k);
}

/* ---- errno names -------------------------------------------------------------- */

const char *mm_errno_name(int err)
{
	switch (err) {
	case EPERM: return "EPERM";
	case ENOENT: return "ENOENT";
	case EINTR: return "EINTR";
	case EBADF: return "EBADF";
	case EAGAIN: return "EAGAIN";
	case ENOMEM: return "ENOMEM";
	case EACCES: return "EACCES";
	case EFAULT: return "EFAULT";
	case EBUSY: return "EBUSY";
	case EEXIST: return "EEXIST";
	case ENODEV: return "ENODEV";
	case EINVAL: return "EINVAL";
	case EFBIG: return "EFBIG";
	case ENOSPC: return "ENOSPC";
	case ETXTBSY: return "ETXTBSY";
	case EOVERFLOW: return "EOVERFLOW";
	case EOPNOTSUPP: return "EOPNOTSUPP";
	case ENOSYS: return "ENOSYS";
	default: return NULL;
	}
}

/* ---- protections and accounting ------------------------------------------------ */

unsigned vm_get_page_prot(const struct mm_kernel *k, vm_flags_t vm_flags)
{
	(void)k;
	/* x86's protection_map: PAGE_NONE is PROTNONE|ACCESSED (PROTNONE is
	 * the G bit in a non-present entry); everything else is P|US|A, RW
	 * only for shared writable mappings (private ones copy on write), NX
	 * unless executable. arch_pte_encode drops NX where there is none. */
	if (!(vm_flags & (VM_READ | VM_WRITE | VM_EXEC)))
		return PTE_F_GLOBAL | PTE_F_ACCESSED;
	unsigned f = PTE_F_PRESENT | PTE_F_USER | PTE_F_ACCESSED;
	if ((vm_flags & (VM_WRITE | VM_SHARED)) == (VM_WRITE | VM_SHARED))
		f |= PTE_F_WRITE;
	if (!(vm_flags & VM_EXEC))
		f |= PTE_F_NX;
	return f;
}

/* Linux's vma_set_page_prot: a shared writable file mapping starts without
 * RW so that the first write is noticed (write-notify, dirty tracking). */
void vma_set_page_prot(struct vm_area_struct *vma)
{
	unsigned prot = vm_get_page_prot(vma->vm_mm->k, vma->vm_flags);
	if (vma->vm_file && (vma->vm_flags & VM_SHARED))
		prot &= ~(unsigned)PTE_F_WRITE;
	vma->vm_page_prot = prot;
}

void vm_stat_account(struct mm_struct *mm, vm_flags_t flags, int64_t npages)
{
	mm->total_vm += (uint64_t)npages;
	if ((flags & (VM_EXEC | VM_WRITE | VM_STACK)) == VM_EXEC)
		mm->exec_vm += (uint64_t)npages;
	else if ((flags & VM_STACK) == VM_STACK)
		mm->stack_vm += (uint64_t)npages;
	else if ((flags & (VM_WRITE | VM_SHARED | VM_STACK)) == VM_WRITE)
		mm->data_vm += (uint64_t)npages;
}

/* ---- overcommit ----------------------------------------------------------------- */

/* Swap and hugetlb pages enter CommitLimit; swap is 0 until swapfile.c
 * gives the kernel swap areas; the hugetlb pool is hugetlb.c's
 * (hugetlb_total_pages). */
static uint64_t total_swap_pages(const struct mm_kernel *k)
{
	(void)k;
	return 0;
}

void vm_acct_memory(struct mm_kernel *k, int64_t pages)
{
	k->vm_committed_as += pages;
}

void vm_unacct_memory(struct mm_kernel *k, int64_t pages)
{
	k->vm_committed_as -= pages;
}

static uint64_t kb_to_pages(const struct mm_kernel *k, uint64_t kb)
{
	return (kb << 10) >> k->page_shift;
}

uint64_t vm_commit_limit(const struct mm_kernel *k)
{
	uint64_t allowed;
	if (k->sysctl.overcommit_kbytes)
		allowed = kb_to_pages(k, (uint64_t)k->sysctl.overcommit_kbytes);
	else
		allowed = (k->totalram_pages - hugetlb_total_pages(k)) *
			  (uint64_t)k->sysctl.overcommit_ratio / 100;
	return allowed + total_swap_pages(k);
}

uint64_t vm_memory_committed(const struct mm_kernel *k)
{
	return k->vm_committed_as > 0 ? (uint64_t)k->vm_committed_as : 0;
}

int __vm_enough_memory(struct mm_struct *mm, int64_t pages, bool cap_sys_admin)
{
	struct mm_kernel *k = mm->k;
	vm_acct_memory(k, pages);
	switch (k->sysctl.overcommit_memory) {
	case 1: /* OVERCOMMIT_ALWAYS */
		return 0;
	case 0: /* OVERCOMMIT_GUESS (6.x): only an obviously impossible request */
		if ((uint64_t)pages <= k->totalram_pages + total_swap_pages(k))
			return 0;
		break;
	default: { /* OVERCOMMIT_NEVER */
		int64_t allowed = (int64_t)vm_commit_limit(k);
		if (!cap_sys_admin)
			allowed -= (int64_t)kb_to_pages(k, (uint64_t)k->sysctl.admin_reserve_kbytes);
		int64_t reserve = (int64_t)kb_to_pages(k, (uint64_t)k->sysctl.user_reserve_kbytes);
		allowed -= MM_MIN((int64_t)(mm->total_vm / 32), reserve);
		if ((int64_t)vm_memory_committed(k) < allowed)
			return 0;
		break;
	}
	}
	printk(k, "__vm_enough_memory: pid: %d, comm: mmsim, bytes: %" PRIu64
		  " not enough memory for the allocation", 0, (uint64_t)pages << k->page_shift);
	vm_unacct_memory(k, pages);
	return -ENOMEM;
}

/* ---- the address space ------------------------------------------------------------ */

void mm_pick_mmap_layout(struct mm_struct *mm, bool randomize, uint64_t random_bytes, bool legacy)
{
	struct mm_kernel *k = mm->k;
	const struct arch_profile *a = k->arch;
	mm_va_t task_size = mm->task_size;
	uint64_t page = k->page_size;
	/* x86's mmap_base(): leave room for the stack rlimit, the guard gap
	 * and the stack's own randomisation (16G on 64-bit, 8M on 32-bit),
	 * at least 128M and at most 5/6 of the address space. */
	uint64_t pad = k->sysctl.stack_guard_gap;
	if (randomize)
		pad += a->va_bits > 32 ? 0x3fffffULL * page : 0x7ffULL * page;
	uint64_t gap = mm->rlim_stack_bytes;
	if (gap + pad > gap)
		gap += pad;
	uint64_t gap_min = a->is_toy ? task_size / 8 : 128 * MM_MB;
	uint64_t gap_max = task_size / 6 * 5;
	if (gap < gap_min)
		gap = gap_min;
	else if (gap > gap_max)
		gap = gap_max;
	uint64_t rnd = randomize ? MM_ALIGN_DOWN(random_bytes, page) : 0;
	if (gap + rnd > task_size)
		rnd = 0;
	mm->mmap_base = MM_ALIGN_UP(task_size - gap - rnd, page);
	/* TASK_UNMAPPED_BASE: a third of the way up. */
	mm->mmap_legacy_base = MM_ALIGN_UP(task_size / 3, page) + rnd;
	mm->topdown = !legacy;
	if (legacy)
		mm->mmap_base = mm->mmap_legacy_base;
}

struct mm_struct *mm_alloc(struct mm_kernel *k)
{
	mm_va_t slab_va;
	bool in_host;
	if (!k->mmlist.next) {
		/* The boot sequence must call mmap_init (tunables, mmlist). */
		snprintf(k->last_error, sizeof(k->last_error), "mm_alloc: mmap_init() was not run at boot");
		return NULL;
	}
	struct mm_struct *mm = mm_object_alloc(k, KMEM_MM_STRUCT, sizeof(*mm), &slab_va, &in_host);
	if (!mm)
		return NULL;
	mm->k = k;
	mm->slab_va = slab_va;
	mm->in_host = in_host;
	INIT_LIST_HEAD(&mm->mmap);
	mm->task_size = k->arch->task_size;
	if (user_pgd_alloc(k, &mm->pgd_pa)) {
		mm_object_free(k, KMEM_MM_STRUCT, mm, slab_va, in_host);
		return NULL;
	}
	/* RLIMIT_STACK 8M (a toy machine gets an eighth of its space) and
	 * RLIMIT_MEMLOCK 8M, the defaults of a 6.x system. */
	mm->rlim_stack_bytes = k->arch->is_toy ? mm->task_size / 8 : 8 * MM_MB;
	mm->rlim_memlock_bytes = 8 * MM_MB;
	mm->mm_users = 1;
	mm_pick_mmap_layout(mm, false, 0, false);
	list_add_tail(&mm->mmlist, &k->mmlist);
	return mm;
}

struct mm_struct *mm_find_by_owner(struct mm_kernel *k, const char *name)
{
	if (!k->mmlist.next || !name)
		return NULL;
	struct list_head *p;
	list_for_each(p, &k->mmlist) {
		struct mm_struct *mm = list_entry(p, struct mm_struct, mmlist);
		const char *owner = mm->ops && mm->ops->owner_name ? mm->ops->owner_name(mm) : NULL;
		if (owner && strcmp(owner, name) == 0)
			return mm;
	}
	return NULL;
}

/* Remove one VMA for good: accounting, then the object. */
static void remove_vma_accounted(struct mm_struct *mm, struct vm_area_struct *vma)
{
	struct mm_kernel *k = mm->k;
	int64_t pages = (int64_t)vma_pages(vma, k->page_shift);
	vm_stat_account(mm, vma->vm_flags, -pages);
	if (vma->vm_flags & VM_LOCKED)
		mm->locked_vm -= (uint64_t)pages;
	if (vma->vm_flags & VM_ACCOUNT)
		vm_unacct_memory(k, pages);
	hugetlb_vm_op_close(vma); /* huge pages: unused reservations go back */
	vma_unlink(mm, vma);
	vm_area_free(vma);
}

void exit_mmap(struct mm_struct *mm)
{
	update_hiwater_rss(mm);
	update_hiwater_vm(mm);
	struct vm_area_struct *vma;
	for_each_vma(mm, vma)
		unmap_page_range(mm, vma, vma->vm_start, vma->vm_end);
	free_pgtables(mm, 0, mm->task_size, 0, 0);
	while ((vma = vma_first(mm)))
		remove_vma_accounted(mm, vma);
}

void mm_free(struct mm_struct *mm)
{
	if (!mm)
		return;
	struct mm_kernel *k = mm->k;
	exit_mmap(mm);
	user_pgd_free(k, mm->pgd_pa);
	list_del(&mm->mmlist);
	mm_va_t slab_va = mm->slab_va;
	bool in_host = mm->in_host;
	if (!in_host)
		memset(mm, 0x6b, sizeof(*mm));
	mm_object_free(k, KMEM_MM_STRUCT, mm, slab_va, in_host);
}

/* ---- finding free space --------------------------------------------------------------- */

struct unmapped_area_info {
	bool topdown;
	uint64_t length;
	mm_va_t low_limit, high_limit;
	uint64_t align_mask, align_offset;
};

/* Bottom-up: the lowest gap of info->length in [low_limit, high_limit). */
static int64_t unmapped_area(struct mm_struct *mm, const struct unmapped_area_info *info)
{
	uint64_t length = info->length + info->align_mask;
	if (length < info->length || info->high_limit < length)
		return -ENOMEM;
	mm_va_t high_limit = info->high_limit - length;
	if (info->low_limit > high_limit)
		return -ENOMEM;
	mm_va_t low_limit = info->low_limit + length;
	mm_va_t gap_start, gap_end;
	struct vm_area_struct *vma = mm->mm_rb;

	if (!vma || vma->rb_subtree_gap < length)
		goto check_highest;
	for (;;) {
		gap_end = vm_start_gap(vma);
		if (gap_end >= low_limit && vma->rb_left && vma->rb_left->rb_subtree_gap >= length) {
			vma = vma->rb_left;
			continue;
		}
		gap_start = vma_prev(vma) ? vm_end_gap(vma_prev(vma)) : 0;
check_current:
		if (gap_start > high_limit)
			return -ENOMEM;
		if (gap_end >= low_limit && gap_end > gap_start && gap_end - gap_start >= length)
			goto found;
		if (vma->rb_right && vma->rb_right->rb_subtree_gap >= length) {
			vma = vma->rb_right;
			continue;
		}
		for (;;) {
			struct vm_area_struct *child = vma;
			if (!child->rb_parent)
				goto check_highest;
			vma = child->rb_parent;
			if (child == vma->rb_left) {
				gap_start = vm_end_gap(vma_prev(vma));
				gap_end = vm_start_gap(vma);
				goto check_current;
			}
		}
	}
check_highest:
	gap_start = mm->highest_vm_end;
	if (gap_start > high_limit)
		return -ENOMEM;
found:
	if (gap_start < info->low_limit)
		gap_start = info->low_limit;
	gap_start += (info->align_offset - gap_start) & info->align_mask;
	return (int64_t)gap_start;
}

/* Top-down: the highest gap of info->length ending at most at high_limit. */
static int64_t unmapped_area_topdown(struct mm_struct *mm, const struct unmapped_area_info *info)
{
	uint64_t length = info->length + info->align_mask;
	if (length < info->length)
		return -ENOMEM;
	mm_va_t gap_end = info->high_limit;
	if (gap_end < length)
		return -ENOMEM;
	mm_va_t high_limit = gap_end - length;
	if (info->low_limit > high_limit)
		return -ENOMEM;
	mm_va_t low_limit = info->low_limit + length;
	mm_va_t gap_start = mm->highest_vm_end;
	struct vm_area_struct *vma;

	if (gap_start <= high_limit)
		goto found_highest;
	vma = mm->mm_rb;
	if (!vma || vma->rb_subtree_gap < length)
		return -ENOMEM;
	for (;;) {
		gap_start = vma_prev(vma) ? vm_end_gap(vma_prev(vma)) : 0;
		if (gap_start <= high_limit && vma->rb_right &&
		    vma->rb_right->rb_subtree_gap >= length) {
			vma = vma->rb_right;
			continue;
		}
check_current:
		gap_end = vm_start_gap(vma);
		if (gap_end < low_limit)
			return -ENOMEM;
		if (gap_start <= high_limit && gap_end > gap_start && gap_end - gap_start >= length)
			goto found;
		if (vma->rb_left && vma->rb_left->rb_subtree_gap >= length) {
			vma = vma->rb_left;
			continue;
		}
		for (;;) {
			struct vm_area_struct *child = vma;
			if (!child->rb_parent)
				return -ENOMEM;
			vma = child->rb_parent;
			if (child == vma->rb_right) {
				gap_start = vma_prev(vma) ? vm_end_gap(vma_prev(vma)) : 0;
				goto check_current;
			}
		}
	}
found:
	if (gap_end > info->high_limit)
		gap_end = info->high_limit;
found_highest:
	gap_end -= info->length;
	gap_end -= (gap_end - info->align_offset) & info->align_mask;
	return (int64_t)gap_end;
}

static int64_t vm_unmapped_area(struct mm_struct *mm, const struct unmapped_area_info *info)
{
	return info->topdown ? unmapped_area_topdown(mm, info) : unmapped_area(mm, info);
}

static bool arch_is_x86_64(const struct mm_kernel *k)
{
	return !k->arch->is_toy && k->arch->va_bits > 32;
}

/* Bottom-up placement: x86_64's arch_get_unmapped_area, or the generic one
 * (i386, toy). */
static int64_t get_area_bottomup(struct mm_struct *mm, mm_va_t addr, uint64_t len,
				 unsigned long flags)
{
	struct mm_kernel *k = mm->k;
	mm_va_t begin = mm->mmap_legacy_base, end = mm->task_size;
	struct unmapped_area_info info = { 0 };
	if (flags & MAP_FIXED)
		return (int64_t)addr;
	if (arch_is_x86_64(k) && (flags & MAP_32BIT)) {
		begin = 0x40000000; /* the first 2G, for small code models */
		end = 0x80000000;
	}
	if (len > end)
		return -ENOMEM;
	if (addr) {
		addr = MM_ALIGN_UP(addr, k->page_size);
		struct vm_area_struct *prev, *vma = find_vma_prev(mm, addr, &prev);
		bool ok = end - len >= addr && (!vma || addr + len <= vm_start_gap(vma));
		if (!arch_is_x86_64(k))
			ok = ok && addr >= (mm_va_t)k->sysctl.mmap_min_addr &&
			     (!prev || addr >= vm_end_gap(prev));
		if (ok)
			return (int64_t)addr;
	}
	info.length = len;
	info.low_limit = begin;
	info.high_limit = end;
	return vm_unmapped_area(mm, &info);
}

/* x86's mmap_address_hint_valid: inside the space, not straddling the
 * 47-bit window (which never matters below it). */
static bool mmap_address_hint_valid(const struct mm_struct *mm, mm_va_t addr, uint64_t len)
{
	return mm->task_size - len >= addr;
}

/* Top-down placement: x86_64's arch_get_unmapped_area_topdown, or the
 * generic one; both fall back to bottom-up. */
static int64_t get_area_topdown(struct mm_struct *mm, mm_va_t addr0, uint64_t len,
				unsigned long flags)
{
	struct mm_kernel *k = mm->k;
	mm_va_t addr = addr0;
	struct unmapped_area_info info = { 0 };
	if (len > mm->task_size)
		return -ENOMEM;
	if (flags & MAP_FIXED)
		return (int64_t)addr;
	if (arch_is_x86_64(k)) {
		if (flags & MAP_32BIT)
			return get_area_bottomup(mm, addr0, len, flags);
		if (addr) {
			addr = MM_ALIGN_DOWN(addr, k->page_size);
			if (mmap_address_hint_valid(mm, addr, len)) {
				struct vm_area_struct *vma = find_vma(mm, addr);
				if (!vma || addr + len <= vm_start_gap(vma))
					return (int64_t)addr;
			}
		}
		info.low_limit = (flags & MAP_ABOVE4G) ? 4 * MM_GB : k->page_size;
	} else {
		if (addr) {
			addr = MM_ALIGN_UP(addr, k->page_size);
			struct vm_area_struct *prev, *vma = find_vma_prev(mm, addr, &prev);
			if (mm->task_size - len >= addr && addr >= (mm_va_t)k->sysctl.mmap_min_addr &&
			    (!vma || addr + len <= vm_start_gap(vma)) &&
			    (!prev || addr >= vm_end_gap(prev)))
				return (int64_t)addr;
		}
		info.low_limit = k->page_size;
	}
	info.topdown = true;
	info.length = len;
	info.high_limit = mm->mmap_base;
	int64_t ret = vm_unmapped_area(mm, &info);
	if (ret >= 0)
		return ret;
	/* A failed mmap very likely kills the program: try bottom-up. */
	return get_area_bottomup(mm, addr0, len, flags);
}

static int64_t mm_get_unmapped_area(struct mm_struct *mm, mm_va_t addr, uint64_t len,
				    unsigned long flags)
{
	if (mm->topdown)
		return get_area_topdown(mm, addr, len, flags);
	return get_area_bottomup(mm, addr, len, flags);
}

/* The PMD size of a 64-bit machine with huge PMD leaves (2M), else 0. */
static uint64_t thp_pmd_size(const struct mm_kernel *k)
{
	const struct arch_profile *a = k->arch;
	if (a->is_toy || a->va_bits <= 32 || a->nr_levels < 2 || !a->level[a->nr_levels - 2].huge_leaf_ok)
		return 0;
	return arch_level_span(a, a->nr_levels - 2);
}

/* __thp_get_unmapped_area for an anonymous mapping (offset 0): search for
 * len + 2M and place the mapping on a 2M boundary inside that. 0 when the
 * padded search fails (the caller then searches for len alone). */
static int64_t thp_get_unmapped_area(struct mm_struct *mm, mm_va_t addr, uint64_t len,
				     unsigned long flags, uint64_t size)
{
	uint64_t len_pad = len + size;
	if (len_pad < len)
		return 0;
	int64_t ret = mm_get_unmapped_area(mm, addr, len_pad, flags);
	if (ret < 0)
		return 0;
	if ((mm_va_t)ret == addr)
		return (int64_t)addr;
	uint64_t off_sub = (0 - (uint64_t)ret) & (size - 1);
	if (mm->topdown && !off_sub)
		return ret + (int64_t)size;
	return ret + (int64_t)off_sub;
}

int64_t get_unmapped_area(struct mm_struct *mm, struct simfile *file, mm_va_t addr,
			  uint64_t len, uint64_t pgoff, unsigned long flags)
{
	struct mm_kernel *k = mm->k;
	uint64_t pmd = thp_pmd_size(k);
	int64_t ret = 0;
	(void)pgoff; /* file alignment (hugetlbfs, DAX) has no case here yet */
	if (len > mm->task_size)
		return -ENOMEM;
	if (!file && !(flags & MAP_SHARED) && !addr && pmd && !(len & (pmd - 1)))
		ret = thp_get_unmapped_area(mm, addr, len, flags, pmd);
	if (!ret)
		ret = mm_get_unmapped_area(mm, addr, len, flags);
	if (ret < 0)
		return ret;
	if ((uint64_t)ret > mm->task_size - len)
		return -ENOMEM;
	if ((uint64_t)ret & (k->page_size - 1))
		return -EINVAL;
	/* security_mmap_addr: below vm.mmap_min_addr needs CAP_SYS_RAWIO,
	 * which mmsim's processes do not have. */
	if ((uint64_t)ret < (uint64_t)k->sysctl.mmap_min_addr)
		return -EPERM;
	return ret;
}

/* ---- munmap ---------------------------------------------------------------------------- */

/*
 * Unmap [start, end) (page aligned, end > start). keep_accounted: the
 * VM_ACCOUNT pages of the range are handed over to a new mapping (MAP_FIXED
 * replacing them), so Committed_AS keeps them. 0 or -ENOMEM (splitting in
 * the middle of a VMA when map_count is at vm.max_map_count).
 */
int __do_munmap(struct mm_struct *mm, mm_va_t start, mm_va_t end, bool keep_accounted)
{
	struct mm_kernel *k = mm->k;
	struct vm_area_struct *vma = find_vma(mm, start);
	if (!vma || vma->vm_start >= end)
		return 0;
	/* A hugetlb VMA splits only at huge page boundaries (may_split). */
	for (struct vm_area_struct *v = vma; v && v->vm_start < end; v = vma_next(v))
		if ((start > v->vm_start && hugetlb_split_check(v, start)) ||
		    (end < v->vm_end && hugetlb_split_check(v, end)))
			return -EINVAL;
	if (start > vma->vm_start) {
		/* map_count may not end above its limit: splitting in the
		 * middle adds a VMA, splitting at one end does not. */
		if (end < vma->vm_end && mm->map_count >= k->sysctl.max_map_count)
			return -ENOMEM;
		int err = __split_vma(mm, vma, start, 1);
		if (err)
			return err;
	}
	/* vma now starts at or after start; find the last one and split it. */
	struct vm_area_struct *last = vma;
	while (vma_next(last) && vma_next(last)->vm_start < end)
		last = vma_next(last);
	if (last->vm_end > end) {
		int err = __split_vma(mm, last, end, 0);
		if (err)
			return err;
	}
	struct vm_area_struct *prev = vma_prev(vma), *next = vma_next(last);

	update_hiwater_vm(mm);
	for (struct vm_area_struct *v = vma;; v = vma_next(v)) {
		unmap_page_range(mm, v, v->vm_start, v->vm_end);
		if (v == last)
			break;
	}
	free_pgtables(mm, vma->vm_start, last->vm_end, prev ? prev->vm_end : 0,
		      next ? next->vm_start : 0);
	for (;;) {
		struct vm_area_struct *v = vma;
		bool done = v == last;
		vma = vma_next(v);
		if (keep_accounted && (v->vm_flags & VM_ACCOUNT))
			v->vm_flags &= ~VM_ACCOUNT; /* its charge moves to the new mapping */
		remove_vma_accounted(mm, v);
		if (done)
			break;
	}
	return 0;
}

int do_munmap(struct mm_struct *mm, mm_va_t start, uint64_t len)
{
	struct mm_kernel *k = mm->k;
	if ((start & (k->page_size - 1)) || start > mm->task_size || len > mm->task_size - start)
		return -EINVAL;
	uint64_t alen = MM_ALIGN_UP(len, k->page_size);
	mm_va_t end = start + alen;
	if (end == start)
		return -EINVAL;
	return __do_munmap(mm, start, end, false);
}

static void debug_check(struct mm_struct *mm)
{
	if (mm->k->debug_checks && !vma_validate_mm(mm))
		printk(mm->k, "vma_validate_mm: address space inconsistent (details on stderr)");
}

int vm_munmap(struct mm_struct *mm, mm_va_t start, uint64_t len)
{
	int ret = do_munmap(mm, start, len);
	debug_check(mm);
	return ret;
}

/* ---- mmap -------------------------------------------------------------------------------- */

static vm_flags_t calc_vm_prot_bits(unsigned long prot)
{
	return ((prot & PROT_READ) ? VM_READ : 0) | ((prot & PROT_WRITE) ? VM_WRITE : 0) |
	       ((prot & PROT_EXEC) ? VM_EXEC : 0);
}

static vm_flags_t calc_vm_flag_bits(unsigned long flags)
{
	return ((flags & MAP_GROWSDOWN) ? VM_GROWSDOWN : 0) | ((flags & MAP_LOCKED) ? VM_LOCKED : 0) |
	       ((flags & MAP_SYNC) ? VM_SYNC : 0) |
	       ((flags & MAP_STACK) ? VM_NOHUGEPAGE : 0); /* 6.7+: no THP for stacks */
}

/* Pages locked if `flags` gained len bytes stay within RLIMIT_MEMLOCK? */
bool mlock_future_ok(const struct mm_struct *mm, vm_flags_t flags, uint64_t len)
{
	if (!(flags & VM_LOCKED) || mm->cap_ipc_lock)
		return true;
	uint64_t shift = mm->k->page_shift;
	return (len >> shift) + mm->locked_vm <= (mm->rlim_memlock_bytes >> shift);
}

static bool accountable_mapping(vm_flags_t vm_flags)
{
	/* hugetlb has its own accounting (reservations), not Committed_AS. */
	return (vm_flags & (VM_NORESERVE | VM_SHARED | VM_WRITE | VM_HUGETLB)) == VM_WRITE;
}

/* VM_ACCOUNT pages of the VMAs overlapping [start, end). */
static uint64_t accounted_pages_in(struct mm_struct *mm, mm_va_t start, mm_va_t end)
{
	uint64_t n = 0;
	for (struct vm_area_struct *v = find_vma(mm, start); v && v->vm_start < end; v = vma_next(v))
		if (v->vm_flags & VM_ACCOUNT)
			n += (MM_MIN(end, v->vm_end) - MM_MAX(start, v->vm_start)) >> mm->k->page_shift;
	return n;
}

static int64_t mmap_region(struct mm_struct *mm, struct simfile *file, mm_va_t addr,
			   uint64_t len, vm_flags_t vm_flags, uint64_t pgoff)
{
	struct mm_kernel *k = mm->k;
	mm_va_t end = addr + len;
	uint64_t pglen = len >> k->page_shift;
	int64_t charged = 0;
	struct vm_area_struct *old = find_vma_intersection(mm, addr, end);

	/* Replacing the middle of a VMA splits it: room for one more? */
	if (old && old->vm_start < addr && old->vm_end > end &&
	    mm->map_count >= k->sysctl.max_map_count)
		return -ENOMEM;
	/* Charge first: a refused MAP_FIXED leaves the old mapping in place
	 * (6.12+). The old range's own charge is handed over. */
	uint64_t nr_accounted = old ? accounted_pages_in(mm, addr, end) : 0;
	if (accountable_mapping(vm_flags)) {
		charged = (int64_t)(pglen - nr_accounted);
		if (charged && __vm_enough_memory(mm, charged, mm->cap_sys_admin))
			return -ENOMEM;
		vm_flags |= VM_ACCOUNT;
	}
	if (old) {
		int err = __do_munmap(mm, addr, end, accountable_mapping(vm_flags));
		if (err) {
			if (charged)
				vm_unacct_memory(k, charged);
			return err;
		}
	}

	struct vm_area_struct *prev, *next = find_vma_prev(mm, addr, &prev);
	(void)next;
	struct vm_area_struct *vma = vma_merge(mm, prev, addr, end, vm_flags, NULL, file, pgoff, NULL);
	if (!vma) {
		vma = vm_area_alloc(mm);
		if (!vma) {
			if (charged)
				vm_unacct_memory(k, charged);
			if (vm_flags & VM_ACCOUNT)
				vm_unacct_memory(k, (int64_t)nr_accounted);
			return -ENOMEM;
		}
		vma->vm_start = addr;
		vma->vm_end = end;
		vma->vm_flags = vm_flags;
		vma->vm_pgoff = pgoff;
		vma->vm_file = file;
		if (file && mm->ops && mm->ops->file_get)
			mm->ops->file_get(file);
		vma_link(mm, vma);
	}
	vm_stat_account(mm, vm_flags, (int64_t)pglen);
	if (vm_flags & VM_LOCKED) {
		if (vm_flags & VM_SPECIAL)
			vma->vm_flags &= ~VM_LOCKED_MASK;
		else
			mm->locked_vm += pglen;
	}
	/* A new or grown VMA is soft-dirty, so that a tracker sees it anew. */
	vma->vm_flags |= VM_SOFTDIRTY;
	vma_set_page_prot(vma);
	return (int64_t)addr;
}

int64_t do_mmap(struct mm_struct *mm, struct simfile *file, mm_va_t addr, uint64_t len,
		unsigned long prot, unsigned long flags, vm_flags_t vm_flags, uint64_t pgoff,
		uint64_t *populate)
{
	struct mm_kernel *k = mm->k;
	uint64_t page = k->page_size;
	*populate = 0;
	if (!len)
		return -EINVAL;
	if (flags & MAP_FIXED_NOREPLACE)
		flags |= MAP_FIXED;
	if (!(flags & MAP_FIXED)) {
		/* round_hint_to_min: a hint below mmap_min_addr moves up to it. */
		addr = MM_ALIGN_DOWN(addr, page);
		if (addr && addr < (mm_va_t)k->sysctl.mmap_min_addr)
			addr = MM_ALIGN_UP((mm_va_t)k->sysctl.mmap_min_addr, page);
	}
	uint64_t alen = MM_ALIGN_UP(len, page);
	if (alen < len || !alen)
		return -ENOMEM;
	len = alen;
	if (pgoff + (len >> k->page_shift) < pgoff)
		return -EOVERFLOW;
	if (mm->map_count > k->sysctl.max_map_count)
		return -ENOMEM;

	vm_flags |= calc_vm_prot_bits(prot) | calc_vm_flag_bits(flags) | mm->def_flags |
		    VM_MAYREAD | VM_MAYWRITE | VM_MAYEXEC;

	int64_t ret = get_unmapped_area(mm, file, addr, len, pgoff, flags);
	if (ret < 0)
		return ret;
	addr = (mm_va_t)ret;

	if ((flags & MAP_FIXED_NOREPLACE) && find_vma_intersection(mm, addr, addr + len))
		return -EEXIST;
	if ((flags & MAP_LOCKED) && mm->rlim_memlock_bytes == 0 && !mm->cap_ipc_lock)
		return -EPERM;
	if (!mlock_future_ok(mm, vm_flags, len))
		return -EAGAIN;

	if (file) {
		struct vm_file_info fi = { .readable = true, .writable = true };
		if (mm->ops && mm->ops->file_info && !mm->ops->file_info(file, &fi))
			return -EBADF;
		switch (flags & MAP_TYPE) {
		case MAP_SHARED:
		case MAP_SHARED_VALIDATE:
			if ((prot & PROT_WRITE) && !fi.writable)
				return -EACCES;
			vm_flags |= VM_SHARED | VM_MAYSHARE;
			if (!fi.writable)
				vm_flags &= ~(VM_MAYWRITE | VM_SHARED);
			/* fall through */
		case MAP_PRIVATE:
			if (!fi.readable)
				return -EACCES;
			if (vm_flags & VM_GROWSDOWN)
				return -EINVAL;
			break;
		default:
			return -EINVAL;
		}
	} else {
		switch (flags & MAP_TYPE) {
		case MAP_SHARED:
			if (vm_flags & VM_GROWSDOWN)
				return -EINVAL;
			pgoff = 0; /* the shmem object starts at the mapping */
			vm_flags |= VM_SHARED | VM_MAYSHARE;
			break;
		case MAP_PRIVATE:
			pgoff = addr >> k->page_shift; /* for anon_vma's linear index */
			break;
		default:
			return -EINVAL;
		}
	}
	if (flags & MAP_NORESERVE) {
		/* Honoured only where overcommit is allowed. */
		if (k->sysctl.overcommit_memory != 2)
			vm_flags |= VM_NORESERVE;
	}
	ret = mmap_region(mm, file, addr, len, vm_flags, pgoff);
	if (ret >= 0 && ((vm_flags & VM_LOCKED) || (flags & (MAP_POPULATE | MAP_NONBLOCK)) == MAP_POPULATE))
		*populate = len;
	return ret;
}

int64_t vm_mmap(struct mm_struct *mm, mm_va_t addr, uint64_t len, unsigned long prot,
		unsigned long flags, struct simfile *file, uint64_t offset)
{
	struct mm_kernel *k = mm->k;
	uint64_t populate = 0;
	if (offset & (k->page_size - 1))
		return -EINVAL;
	if (flags & MAP_ANONYMOUS)
		file = NULL;
	else if (!file)
		return -EBADF;
	if (flags & MAP_HUGETLB) {
		/* A regular file cannot be mapped with huge pages; anonymous
		 * memory comes from the hugetlb pool (hugetlb.c). */
		if (file)
			return -EINVAL;
		int64_t r = hugetlb_mmap(mm, addr, len, prot, flags & ~(unsigned long)(MAP_EXECUTABLE | MAP_DENYWRITE));
		debug_check(mm);
		return r;
	}
	flags &= ~(unsigned long)(MAP_EXECUTABLE | MAP_DENYWRITE);
	int64_t ret = do_mmap(mm, file, addr, len, prot, flags, 0, offset >> k->page_shift, &populate);
	if (ret >= 0 && populate)
		mm_populate(mm, (mm_va_t)ret, populate);
	debug_check(mm);
	return ret;
}

int mm_populate(struct mm_struct *mm, mm_va_t start, uint64_t len)
{
	if (!mm->ops || !mm->ops->populate || !len)
		return 0;
	return mm->ops->populate(mm, start, start + len);
}

/* ---- special mappings --------------------------------------------------------------------- */

int install_special_mapping(struct mm_struct *mm, mm_va_t addr, uint64_t len,
			    vm_flags_t vm_flags, const char *name)
{
	struct mm_kernel *k = mm->k;
	if (!len || ((addr | len) & (k->page_size - 1)) || addr + len < addr ||
	    addr + len > mm->task_size)
		return -EINVAL;
	if (find_vma_intersection(mm, addr, addr + len))
		return -ENOMEM;
	struct vm_area_struct *vma = vm_area_alloc(mm);
	if (!vma)
		return -ENOMEM;
	vma->vm_start = addr;
	vma->vm_end = addr + len;
	vma->vm_flags = vm_flags | mm->def_flags | VM_DONTEXPAND | VM_SOFTDIRTY;
	vma->vm_flags &= ~VM_LOCKED_MASK;
	vma->vm_name = name;
	vma_set_page_prot(vma);
	int err = vma_link(mm, vma);
	if (err) {
		vm_area_free(vma);
		return -ENOMEM;
	}
	vm_stat_account(mm, vma->vm_flags, (int64_t)(len >> k->page_shift));
	return 0;
}

/* ---- brk ------------------------------------------------------------------------------------- */

/* Linux's do_brk_flags: grow the brk VMA ending at addr (vma) or create
 * one. 0 or -ENOMEM. */
static int do_brk_flags(struct mm_struct *mm, struct vm_area_struct *vma, mm_va_t addr,
			uint64_t len, vm_flags_t flags)
{
	struct mm_kernel *k = mm->k;
	uint64_t pages = len >> k->page_shift;
	flags |= VM_DATA_DEFAULT_FLAGS | VM_ACCOUNT | mm->def_flags;
	if (mm->map_count > k->sysctl.max_map_count)
		return -ENOMEM;
	if (__vm_enough_memory(mm, (int64_t)pages, mm->cap_sys_admin))
		return -ENOMEM;
	/* Expand the existing brk VMA if possible (never merging the next). */
	if (vma && vma->vm_end == addr &&
	    can_vma_merge_after(vma, flags, NULL, NULL, addr >> k->page_shift, NULL)) {
		vma_set_range(vma, vma->vm_start, addr + len, vma->vm_pgoff);
	} else {
		vma = vm_area_alloc(mm);
		if (!vma) {
			vm_unacct_memory(k, (int64_t)pages);
			return -ENOMEM;
		}
		vma->vm_start = addr;
		vma->vm_end = addr + len;
		vma->vm_pgoff = addr >> k->page_shift;
		vma->vm_flags = flags;
		vma_set_page_prot(vma);
		if (vma_link(mm, vma)) {
			vm_area_free(vma);
			vm_unacct_memory(k, (int64_t)pages);
			return -ENOMEM;
		}
	}
	mm->total_vm += pages;
	mm->data_vm += pages;
	if (flags & VM_LOCKED)
		mm->locked_vm += pages;
	vma->vm_flags |= VM_SOFTDIRTY;
	return 0;
}

int vm_brk_flags(struct mm_struct *mm, mm_va_t addr, uint64_t len, vm_flags_t flags)
{
	struct mm_kernel *k = mm->k;
	uint64_t alen = MM_ALIGN_UP(len, k->page_size);
	if (alen < len)
		return -ENOMEM;
	if (!alen)
		return 0;
	if ((flags & ~VM_EXEC) != 0)
		return -EINVAL;
	int64_t ret = get_unmapped_area(mm, NULL, addr, alen, 0, MAP_FIXED);
	if (ret < 0)
		return (int)ret;
	if (!mlock_future_ok(mm, mm->def_flags, alen))
		return -EAGAIN;
	int err = __do_munmap(mm, addr, addr + alen, false);
	if (err)
		return err;
	struct vm_area_struct *prev;
	find_vma_prev(mm, addr, &prev);
	err = do_brk_flags(mm, prev, addr, alen, flags);
	debug_check(mm);
	return err;
}

mm_va_t sys_brk(struct mm_struct *mm, mm_va_t brk)
{
	struct mm_kernel *k = mm->k;
	uint64_t page = k->page_size;
	mm_va_t origbrk = mm->brk;
	mm_va_t min_brk = mm->start_brk; /* CONFIG_COMPAT_BRK is off on 6.x distros */

	if (brk < min_brk)
		goto out;
	mm_va_t newbrk = MM_ALIGN_UP(brk, page);
	mm_va_t oldbrk = MM_ALIGN_UP(mm->brk, page);
	if (newbrk < brk)
		goto out; /* wrapped past the top */
	if (oldbrk == newbrk) {
		mm->brk = brk;
		goto success;
	}
	if (brk <= mm->brk) {
		/* Always allow shrinking, if the heap VMA is there to shrink. */
		struct vm_area_struct *brkvma = find_vma(mm, newbrk);
		if (!brkvma || brkvma->vm_start >= oldbrk)
			goto out;
		mm->brk = brk;
		if (__do_munmap(mm, newbrk, oldbrk, false))
			goto out;
		goto success;
	}
	/* check_brk_limits */
	if (get_unmapped_area(mm, NULL, oldbrk, newbrk - oldbrk, 0, MAP_FIXED) < 0)
		goto out;
	if (!mlock_future_ok(mm, mm->def_flags, newbrk - oldbrk))
		goto out;
	/* Stay a page and the guard gap away from the next mapping. */
	struct vm_area_struct *next = find_vma(mm, oldbrk);
	if (next && newbrk + page > vm_start_gap(next))
		goto out;
	struct vm_area_struct *brkvma;
	if (next)
		brkvma = vma_prev(next);
	else
		find_vma_prev(mm, oldbrk, &brkvma);
	if (brkvma && brkvma->vm_end <= mm->start_brk)
		brkvma = NULL; /* vma_prev_limit: only a VMA of the heap itself */
	if (do_brk_flags(mm, brkvma, oldbrk, newbrk - oldbrk, 0) < 0)
		goto out;
	mm->brk = brk;
	if (mm->def_flags & VM_LOCKED)
		mm_populate(mm, oldbrk, newbrk - oldbrk);
success:
	debug_check(mm);
	return brk;
out:
	mm->brk = origbrk;
	debug_check(mm);
	return origbrk;
}
