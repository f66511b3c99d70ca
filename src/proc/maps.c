/*
 * maps.c - /proc/PID/maps: one line per VMA, in Linux's exact layout
 * (fs/proc/task_mmu.c, show_map_vma):
 *
 *   00400000-00452000 r-xp 00000000 08:02 173521      /usr/bin/dbus-daemon
 *   └start┘  └end──┘  │    └offset┘ └dev┘ └inode         └name, from column 73
 *                     rwx + p(rivate) or s(hared: VM_MAYSHARE)
 *
 * Addresses and the offset are lowercase hex, at least 8 digits; the
 * prefix ends with a space and is padded to 25 + 6 * sizeof(void *) - 1
 * characters (72 on 64-bit machines, 48 on 32-bit ones) before the name is
 * written after one more space; a line with no name ends right after the
 * inode and its space, as Linux's does.
 *
 * Names, in Linux's order (get_vma_name):
 *   a file                 its path (offset = vm_pgoff pages, dev, inode),
 *                          plus " (deleted)" once unlinked (d_path's suffix)
 *   a special mapping      its name ([vdso], [vvar], ...)
 *   anonymous hugetlb      /anon_hugepage (deleted): MAP_HUGETLB maps a file
 *                          of hugetlbfs's internal mount (its dev and inode
 *                          are not modelled: 00:00 0)
 *   shared anonymous       /dev/zero (deleted), dev 00:01 (Linux's shmem file)
 *   overlapping the brk    [heap]   (vm_start < brk && vm_end > start_brk)
 *   holding start_stack    [stack]
 *   anything else          nothing
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "mm/internal.h"
#include "mm/mm_struct.h"
#include "proc/view.h"
#include "sim/machine.h"

static bool vma_is_initial_heap(const struct vm_area_struct *vma)
{
	return vma->vm_start < vma->vm_mm->brk && vma->vm_end > vma->vm_mm->start_brk;
}

static bool vma_is_initial_stack(const struct vm_area_struct *vma)
{
	return vma->vm_start <= vma->vm_mm->start_stack && vma->vm_end >= vma->vm_mm->start_stack;
}

void maps_render_mm(struct mm_struct *mm, struct view_out *out)
{
	const struct arch_profile *a = mm->k->arch;
	/* sizeof(void *) of the simulated kernel: 8 on 64-bit machines. */
	size_t ptr_bytes = (!a->is_toy && a->va_bits > 32) ? 8 : 4;
	size_t width = 25 + ptr_bytes * 6 - 1;
	unsigned n = 0;
	struct vm_area_struct *vma;
	char line[512];

	for_each_vma(mm, vma) {
		vm_flags_t f = vma->vm_flags;
		unsigned major = 0, minor = 0;
		uint64_t ino = 0, pgoff = 0;
		const char *name = NULL, *suffix = "";
		struct vm_file_info fi = { 0 };

		if (vma->vm_file) {
			if (mm->ops && mm->ops->file_info && mm->ops->file_info(vma->vm_file, &fi)) {
				major = fi.dev_major;
				minor = fi.dev_minor;
				ino = fi.ino;
				name = fi.path;
				if (fi.deleted)
					suffix = " (deleted)";
			} else {
				name = "[file]";
			}
			pgoff = vma->vm_pgoff << mm->k->page_shift;
		} else if (vma->vm_name) {
			name = vma->vm_name;
		} else if (f & VM_HUGETLB) {
			/* Linux's hugetlb_file_setup file: offset 0 like a shared one. */
			name = "/anon_hugepage (deleted)";
		} else if (f & VM_SHARED) {
			minor = 1; /* shmem's superblock: 00:01 */
			pgoff = vma->vm_pgoff << mm->k->page_shift;
			name = "/dev/zero (deleted)";
		} else if (vma_is_initial_heap(vma)) {
			name = "[heap]";
		} else if (vma_is_initial_stack(vma)) {
			name = "[stack]";
		}

		int len = snprintf(line, sizeof(line), "%08" PRIx64 "-%08" PRIx64 " %c%c%c%c %08" PRIx64
						       " %02x:%02x %" PRIu64 " ",
				   vma->vm_start, vma->vm_end, f & VM_READ ? 'r' : '-',
				   f & VM_WRITE ? 'w' : '-', f & VM_EXEC ? 'x' : '-',
				   f & VM_MAYSHARE ? 's' : 'p', pgoff, major, minor, ino);
		view_printf(out, "%s", line);
		if (name) {
			if (len >= 0 && (size_t)len < width)
				view_printf(out, "%*s", (int)(width - (size_t)len), "");
			view_printf(out, " %s%s", name, suffix);
		}
		view_printf(out, "\n");

		char perms[5] = { f & VM_READ ? 'r' : '-', f & VM_WRITE ? 'w' : '-',
				  f & VM_EXEC ? 'x' : '-', f & VM_MAYSHARE ? 's' : 'p', 0 };
		char dev[8];
		snprintf(dev, sizeof(dev), "%02x:%02x", major & 0xff, minor & 0xff);
		view_field_num(out, (int64_t)vma->vm_start, "%u.start", n);
		view_field_num(out, (int64_t)vma->vm_end, "%u.end", n);
		view_field_str(out, perms, "%u.perms", n);
		view_field_num(out, (int64_t)pgoff, "%u.offset", n);
		view_field_str(out, dev, "%u.dev", n);
		view_field_num(out, (int64_t)ino, "%u.inode", n);
		struct strbuf path = STRBUF_INIT;
		sb_printf(&path, "%s%s", name ? name : "", suffix);
		view_field_str(out, sb_str(&path), "%u.path", n);
		sb_free(&path);
		n++;
	}
	view_field_num(out, n, "count");
}

int view_maps(struct mm_machine *m, int argc, const char *const *argv, struct view_out *out,
	      char *err, size_t err_len)
{
	if (argc != 1) {
		snprintf(err, err_len, "usage: show maps NAME");
		return -1;
	}
	struct mm_struct *mm = mm_find_by_owner(&m->k, argv[0]);
	if (!mm) {
		snprintf(err, err_len, "no process named '%s'", argv[0]);
		return -1;
	}
	maps_render_mm(mm, out);
	return 0;
}
