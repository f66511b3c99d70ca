/*
 * fork.c - fork: a child process with a copy of the parent's address space
 * (Linux's dup_mm / dup_mmap), or a thread sharing it.
 *
 *   parent mm                               child mm (new PGD, same layout)
 *   ┌─────────────┐  for each VMA:          ┌─────────────┐
 *   │ text  r-xp  │──  VM_DONTCOPY: skipped ─►│ text  r-xp  │ no PTEs copied (no anon_vma:
 *   │ data  rw-p  │──  vm_area_dup,          │ data  rw-p  │  faults refill them)
 *   │ heap  rw-p  │    anon_vma_fork,        │ heap  rw-p  │ PTEs copied, both sides
 *   │ mmap  rw-s  │    copy_page_range ─────►│ mmap  rw-s  │  read-only (COW)
 *   │ stack rw-p  │                          │ stack rw-p  │ shared: refilled from the
 *   └─────────────┘                          └─────────────┘  family's pages on faults
 *        then flush_tlb_mm(parent): its write-protected entries may be cached
 *
 * What the child inherits, as Linux's dup_mm: the layout (mmap_base, brk,
 * start_stack...), total_vm/data_vm/exec_vm/stack_vm of the VMAs it gets,
 * hiwater_rss/vm (VmHWM and VmPeak carry over), RSS only from the PTEs actually copied; not
 * VM_LOCKED (mlock is not inherited, locked_vm = 0), not VM_DONTCOPY VMAs,
 * and no pages of VM_WIPEONFORK VMAs. Accounted (VM_ACCOUNT) VMAs are
 * charged again to Committed_AS: fork fails with ENOMEM when overcommit
 * refuses.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "kernel/task.h"
#include "mm/internal.h"
#include "mm/rmap.h"

/* A copy of VMA src in mm dst (the fields; links are the caller's). */
static struct vm_area_struct *vma_copy_to(struct mm_struct *dst, struct vm_area_struct *src)
{
	struct vm_area_struct *vma = vm_area_alloc(dst);
	if (!vma)
		return NULL;
	mm_va_t slab_va = vma->slab_va;
	bool in_host = vma->in_host;
	*vma = *src;
	vma->vm_mm = dst;
	vma->slab_va = slab_va;
	vma->in_host = in_host;
	vma->rb_parent = vma->rb_left = vma->rb_right = NULL;
	vma->rb_red = false;
	vma->rb_subtree_gap = 0;
	INIT_LIST_HEAD(&vma->vm_list);
	INIT_LIST_HEAD(&vma->anon_vma_chain);
	vma->anon_vma = NULL;
	vma->vm_file = NULL; /* set by the caller once its reference is taken */
	return vma;
}

/* dup_mmap: copy every VMA (and the PTEs Linux copies) of old into mm. */
static int dup_mmap(struct mm_struct *mm, struct mm_struct *old)
{
	struct mm_kernel *k = mm->k;
	struct vm_area_struct *mpnt;
	int ret = 0;
	for_each_vma(old, mpnt) {
		int64_t pages = (int64_t)vma_pages(mpnt, k->page_shift);
		if (mpnt->vm_flags & VM_DONTCOPY)
			continue; /* not copied, not accounted in the child */
		int64_t charge = 0;
		if (mpnt->vm_flags & VM_ACCOUNT) {
			if (__vm_enough_memory(old, pages, old->cap_sys_admin)) {
				ret = -ENOMEM;
				break;
			}
			charge = pages;
		}
		/* A shared anonymous family must exist before the child joins it. */
		if (!mpnt->vm_file && (mpnt->vm_flags & VM_SHARED) && !mpnt->vm_name &&
		    anon_vma_prepare(mpnt)) {
			ret = -ENOMEM;
			goto fail_charge;
		}
		struct vm_area_struct *tmp = vma_copy_to(mm, mpnt);
		if (!tmp) {
			ret = -ENOMEM;
			goto fail_charge;
		}
		if (mpnt->vm_flags & VM_WIPEONFORK) {
			/* The child starts with a fresh, empty mapping. */
			tmp->anon_vma = NULL;
		} else if (anon_vma_fork(tmp, mpnt)) {
			vm_area_free(tmp);
			ret = -ENOMEM;
			goto fail_charge;
		}
		tmp->vm_flags &= ~(VM_LOCKED | VM_LOCKONFAULT);
		if (mpnt->vm_file) {
			tmp->vm_file = mpnt->vm_file;
			if (mm->ops && mm->ops->file_get)
				mm->ops->file_get(tmp->vm_file);
		}
		if (vma_link(mm, tmp)) {
			vm_area_free(tmp);
			ret = -ENOMEM;
			goto fail_charge;
		}
		/* Linux copies total_vm & co. and subtracts VM_DONTCOPY VMAs;
		 * adding each copied VMA gives the same and keeps the counts
		 * true at every step (the debug checker looks mid-fork). */
		vm_stat_account(mm, tmp->vm_flags, pages);
		if (!(tmp->vm_flags & VM_WIPEONFORK)) {
			bool wp;
			ret = copy_page_range(tmp, mpnt, &wp);
			if (ret)
				break; /* tmp is linked: exit_mmap uncharges it */
		}
		continue;
fail_charge:
		if (charge)
			vm_unacct_memory(k, charge);
		break;
	}
	/* The parent's write-protected PTEs may sit writable in TLBs. */
	flush_tlb_mm(old);
	return ret;
}

static struct mm_struct *dup_mm(struct mm_kernel *k, struct task_struct *child,
				struct mm_struct *old, int *err)
{
	struct mm_struct *mm = mm_alloc(k);
	if (!mm) {
		*err = -ENOMEM;
		return NULL;
	}
	mm->ops = old->ops;
	mm->owner = child;
	/* dup_mm copies the whole mm_struct, then mm_init resets what is per
	 * address space; these are what survive. */
	mm->task_size = old->task_size;
	mm->mmap_base = old->mmap_base;
	mm->mmap_legacy_base = old->mmap_legacy_base;
	mm->topdown = old->topdown;
	mm->start_code = old->start_code;
	mm->end_code = old->end_code;
	mm->start_data = old->start_data;
	mm->end_data = old->end_data;
	mm->start_brk = old->start_brk;
	mm->brk = old->brk;
	mm->start_stack = old->start_stack;
	mm->def_flags = old->def_flags;
	mm->rlim_stack_bytes = old->rlim_stack_bytes;
	mm->rlim_memlock_bytes = old->rlim_memlock_bytes;
	mm->cap_ipc_lock = old->cap_ipc_lock;
	mm->cap_sys_admin = old->cap_sys_admin;
	mm->hiwater_rss = old->hiwater_rss;
	mm->hiwater_vm = old->hiwater_vm;
	*err = dup_mmap(mm, old);
	if (*err) {
		mm_free(mm);
		return NULL;
	}
	return mm;
}

int task_fork(struct mm_kernel *k, struct task_struct *parent, const char *child_name, bool thread,
	      struct task_struct **out, char *err, size_t errlen)
{
	int ret;
	if (parent->life != TASK_ALIVE || !parent->mm) {
		snprintf(err, errlen, "'%s' is not running (%s)", parent->name, task_state_name(parent));
		return -ESRCH;
	}
	struct task_struct *child = task_alloc(k, child_name, parent->cpu, &ret);
	if (!child) {
		snprintf(err, errlen, ret == -EEXIST ? "a process named '%s' is running" : "cannot create '%s'",
			 child_name);
		return ret;
	}
	child->exe = parent->exe;
	memcpy(child->exe_path, parent->exe_path, sizeof(child->exe_path));
	child->oom_score_adj = parent->oom_score_adj;
	child->ppid = parent->tgid;
	task_set_current(k, parent);
	if (thread) {
		/* CLONE_VM | CLONE_THREAD: the same mm, the leader's group. */
		struct task_struct *leader = parent->group_leader;
		child->group_leader = leader;
		child->tgid = leader->tgid;
		child->ppid = leader->ppid;
		child->mm = parent->mm;
		child->mm->mm_users++;
		task_set_current(k, NULL);
		*out = child;
		return 0;
	}
	sched_mm_init_ctx(k, child);
	struct mm_struct *mm = dup_mm(k, child, parent->mm, &ret);
	if (!mm) {
		snprintf(err, errlen, "fork: %s", ret == -ENOMEM ? "out of memory (or overcommit refused)"
								 : "cannot copy the address space");
		task_free(k, child);
		task_set_current(k, NULL);
		return ret;
	}
	child->mm = mm;
	k->tasks->nr_forks++;
	task_set_current(k, NULL);
	*out = child;
	return 0;
}
