/*
 * layout.c - `show layout NAME`: a picture of a process's address space,
 * highest address first, each VMA a box with its kind, rights, size and
 * resident memory, free gaps between them, and the kernel's part on top:
 *
 *   layout A (pid 1, x86_64)
 *     0xffffffffffffffff +--------------------------------------+
 *                        | kernel                       128T    |
 *     0xffff800000000000 +--------------------------------------+
 *                        : (not canonical: no addresses here)   :
 *     0x00007ffffffff000 +--------------------------------------+ <- task_size
 *                        | stack        rw-p            132K    | rss 4K
 *     0x00007ffffffde000 +--------------------------------------+
 *                        :   free                     127.9M    :
 *     0x00007ffff7fff000 + - - - - - - - - - - - - - - - - - - -+ <- mmap_base
 *     ...
 *     0x0000000000400000 +--------------------------------------+
 *                        | text         r-xp /bin/A      64K    | rss 0
 *
 * Kinds: text, data, bss, heap, stack (from the mm's start_code, start_data,
 * brk and start_stack, as /proc/PID/maps names them), a file's path,
 * "shared" (shared anonymous), "mmap" (anonymous). Fields: N.start, N.end,
 * N.kind, N.perms, N.size, N.rss per VMA (highest first), and task_size,
 * mmap_base, start_brk, brk, start_stack.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "kernel/task.h"
#include "mm/internal.h"
#include "mm/memory.h"
#include "proc/view.h"
#include "sim/machine.h"

#define BOX 40 /* inner width of a box */

static const char *human(uint64_t bytes, char *buf, size_t len)
{
	static const char units[] = "KMGTPE";
	if (bytes < 1024) {
		snprintf(buf, len, "%" PRIu64, bytes);
		return buf;
	}
	double v = (double)bytes / 1024;
	int u = 0;
	while (v >= 1024 && u < 5) {
		v /= 1024;
		u++;
	}
	if (v == (double)(uint64_t)v)
		snprintf(buf, len, "%" PRIu64 "%c", (uint64_t)v, units[u]);
	else
		snprintf(buf, len, "%.1f%c", v, units[u]);
	return buf;
}

static void rss_pte(void *arg, mm_va_t va, mm_pa_t e_pa, mm_pte_t pte, uint64_t bytes)
{
	uint64_t *rss = ((uint64_t **)arg)[0];
	const struct mm_kernel *k = (const struct mm_kernel *)((uint64_t **)arg)[1];
	(void)va;
	(void)e_pa;
	if (user_pte_present(k, pte) && user_pte_page(k, pte))
		*rss += bytes;
}

static const char *vma_kind(struct mm_struct *mm, struct vm_area_struct *vma, const char **file)
{
	struct vm_file_info fi = { 0 };
	*file = NULL;
	if (vma->vm_file && mm->ops && mm->ops->file_info && mm->ops->file_info(vma->vm_file, &fi))
		*file = fi.path;
	if (vma->vm_name)
		return vma->vm_name;
	if (vma->vm_start <= mm->start_code && mm->start_code < vma->vm_end)
		return "text";
	if (vma->vm_start <= mm->start_data && mm->start_data < vma->vm_end && mm->end_data > mm->start_data)
		return "data";
	if (vma->vm_start < mm->brk && vma->vm_end > mm->start_brk)
		return "heap";
	if (vma->vm_start == mm->start_brk && mm->brk == mm->start_brk && !vma->vm_file &&
	    !(vma->vm_flags & VM_SHARED))
		return "heap";
	if (vma->vm_start <= mm->start_stack && mm->start_stack < vma->vm_end)
		return "stack";
	if (!vma->vm_file && vma->vm_end == mm->start_brk && vma->vm_start >= mm->end_data)
		return "bss";
	if (vma->vm_file)
		return "file";
	return (vma->vm_flags & VM_SHARED) ? "shared" : "mmap";
}

static void boundary(struct view_out *out, int hexw, mm_va_t addr, const char *note, bool dashed)
{
	view_printf(out, "  0x%0*" PRIx64 " +", hexw, addr);
	for (int i = 0; i < BOX; i++)
		view_printf(out, "%c", dashed ? (i % 2 ? '-' : ' ') : '-');
	view_printf(out, "+%s%s\n", note ? " <- " : "", note ? note : "");
}

/* One line inside a box: text in BOX - 2 columns between edges. */
static void row(struct view_out *out, int hexw, char edge, const char *text, const char *right)
{
	view_printf(out, "  %*s   %c %-*.*s %c%s%s\n", hexw, "", edge, BOX - 2, BOX - 2, text, edge,
		    right && right[0] ? " " : "", right ? right : "");
}

/* "name ... rights ... size" laid out in a box line. */
static void box_text(char *buf, size_t len, const char *name, const char *perms, const char *size)
{
	snprintf(buf, len, "%-20.20s %-4s %*s", name, perms, BOX - 2 - 26, size);
}

static void gap_row(struct view_out *out, int hexw, mm_va_t lo, mm_va_t hi, const char *extra)
{
	char sz[32], text[64];
	box_text(text, sizeof(text), "(free)", "", human(hi - lo, sz, sizeof(sz)));
	row(out, hexw, ':', text, extra);
}

int view_layout(struct mm_machine *m, int argc, const char *const *argv, struct view_out *out,
		char *err, size_t err_len)
{
	struct mm_kernel *k = &m->k;
	const struct arch_profile *a = k->arch;
	if (argc != 1) {
		snprintf(err, err_len, "usage: show layout NAME");
		return -1;
	}
	struct task_struct *t = task_find(k, argv[0]);
	if (!t || !t->mm) {
		snprintf(err, err_len, t ? "'%s' has no memory (%s)" : "no process named '%s'", argv[0],
			 t ? task_state_name(t) : "");
		return -1;
	}
	struct mm_struct *mm = t->mm;
	int hexw = (!a->is_toy && a->va_bits > 32) ? 16 : 8;
	char sz[32], text[128], right[64];
	view_printf(out, "layout %s (pid %d, %s)\n", t->name, t->pid, a->name);

	/* The kernel's part of the address space. */
	if (!a->is_toy) {
		mm_va_t kstart = a->va_bits > 32 ? ~((1ULL << (a->va_bits - 1)) - 1) : a->page_offset;
		mm_va_t top = a->va_bits > 32 ? UINT64_MAX : 0xffffffffULL;
		boundary(out, hexw, top, NULL, false);
		box_text(text, sizeof(text), "kernel", "", human(top - kstart + 1, sz, sizeof(sz)));
		row(out, hexw, '|', text, "direct map, vmalloc, modules, kernel text");
		boundary(out, hexw, kstart, NULL, false);
		if (kstart > mm->task_size && a->va_bits > 32)
			row(out, hexw, ':', "(not canonical: no addresses)", NULL);
	}
	/* Walk the VMAs from the top. */
	struct vm_area_struct *vma = NULL, *v;
	for_each_vma(mm, v)
		vma = v; /* the last one */
	mm_va_t cursor = mm->task_size;
	bool base_shown = false;
	boundary(out, hexw, cursor, "task_size", false);
	unsigned n = 0;
	for (; vma; vma = vma_prev(vma), n++) {
		if (vma->vm_end < cursor) {
			if (!base_shown && mm->mmap_base < cursor && mm->mmap_base > vma->vm_end) {
				gap_row(out, hexw, mm->mmap_base, cursor, NULL);
				boundary(out, hexw, mm->mmap_base, "mmap_base", true);
				cursor = mm->mmap_base;
				base_shown = true;
			}
			gap_row(out, hexw, vma->vm_end, cursor, NULL);
			boundary(out, hexw, vma->vm_end, NULL, false);
		}
		if (!base_shown && mm->mmap_base >= vma->vm_start && mm->mmap_base <= vma->vm_end)
			base_shown = true;
		const char *file;
		const char *kind = vma_kind(mm, vma, &file);
		char perms[5] = { vma->vm_flags & VM_READ ? 'r' : '-', vma->vm_flags & VM_WRITE ? 'w' : '-',
				  vma->vm_flags & VM_EXEC ? 'x' : '-', vma->vm_flags & VM_MAYSHARE ? 's' : 'p', 0 };
		uint64_t rss = 0;
		void *arg[2] = { &rss, k };
		walk_page_range(mm, vma->vm_start, vma->vm_end, rss_pte, arg);
		char label[48];
		if (file && strcmp(kind, "file") != 0)
			snprintf(label, sizeof(label), "%s %s", kind, file);
		else
			snprintf(label, sizeof(label), "%s", file ? file : kind);
		box_text(text, sizeof(text), label, perms, human(vma->vm_end - vma->vm_start, sz, sizeof(sz)));
		char rsz[32];
		snprintf(right, sizeof(right), "rss %s%s", human(rss, rsz, sizeof(rsz)),
			 (vma->vm_flags & VM_GROWSDOWN) ? ", grows down" : "");
		row(out, hexw, '|', text, right);
		const char *note = NULL;
		if (!strcmp(kind, "heap") || (vma->vm_start == mm->start_brk && !strcmp(kind, "heap")))
			note = "start_brk";
		boundary(out, hexw, vma->vm_start, note, false);
		view_field_num(out, (int64_t)vma->vm_start, "%u.start", n);
		view_field_num(out, (int64_t)vma->vm_end, "%u.end", n);
		view_field_str(out, kind, "%u.kind", n);
		view_field_str(out, perms, "%u.perms", n);
		view_field_num(out, (int64_t)(vma->vm_end - vma->vm_start), "%u.size", n);
		view_field_num(out, (int64_t)rss, "%u.rss", n);
		cursor = vma->vm_start;
	}
	if (cursor > 0) {
		gap_row(out, hexw, 0, cursor, cursor <= (mm_va_t)k->sysctl.mmap_min_addr ? "(below mmap_min_addr)" : NULL);
		boundary(out, hexw, 0, NULL, false);
	}
	view_printf(out, "  start_brk 0x%" PRIx64 ", brk 0x%" PRIx64 ", mmap_base 0x%" PRIx64
			 ", start_stack 0x%" PRIx64 "\n",
		    mm->start_brk, mm->brk, mm->mmap_base, mm->start_stack);
	view_field_num(out, n, "count");
	view_field_num(out, (int64_t)mm->task_size, "task_size");
	view_field_num(out, (int64_t)mm->mmap_base, "mmap_base");
	view_field_num(out, (int64_t)mm->start_brk, "start_brk");
	view_field_num(out, (int64_t)mm->brk, "brk");
	view_field_num(out, (int64_t)mm->start_stack, "start_stack");
	return 0;
}
