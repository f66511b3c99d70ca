/*
 * smaps.c - /proc/PID/smaps: each mapping's maps line, then what its page
 * tables map, in Linux 6.x's field order (fs/proc/task_mmu.c, show_smap):
 *
 *   00400000-00410000 r-xp 00000000 08:01 12      /bin/A
 *   Size:                 64 kB     the VMA
 *   KernelPageSize:        4 kB
 *   MMUPageSize:           4 kB
 *   Rss:                   8 kB     pages mapped (not the zero page)
 *   Pss:                   6 kB     each page divided by its mapcount
 *   Pss_Dirty:             0 kB
 *   Shared_Clean / Shared_Dirty / Private_Clean / Private_Dirty
 *                                   shared: mapped more than once; dirty:
 *                                   PTE D or PG_dirty
 *   Referenced:            8 kB     PTE A or PG_referenced
 *   Anonymous:             0 kB     PG_anon pages
 *   KSM, LazyFree, AnonHugePages, ShmemPmdMapped, FilePmdMapped,
 *   Shared_Hugetlb, Private_Hugetlb, Swap, SwapPss, Locked
 *   THPeligible:           0
 *   VmFlags: rd ex mr mw me sd
 *
 * Pss is kept in units of 1/4096 byte (PSS_SHIFT 12), as Linux's, so the
 * rounding matches. Fields for --json: N.Size, N.Rss, ... per VMA N.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "kernel/task.h"
#include "mm/huge_memory.h"
#include "mm/hugetlb.h"
#include "mm/internal.h"
#include "mm/memory.h"
#include "proc/view.h"
#include "sim/machine.h"

#define PSS_SHIFT 12

struct mem_size_stats {
	struct mm_kernel *k;
	const struct vm_area_struct *vma;
	uint64_t resident, shared_clean, shared_dirty, private_clean, private_dirty;
	uint64_t referenced, anonymous, lazyfree, anonymous_thp, swap;
	uint64_t shared_hugetlb, private_hugetlb; /* HUGE PAGES: smaps_hugetlb_range */
	uint64_t pss, pss_dirty, pss_locked, swap_pss;
};

static void page_accumulate(struct mem_size_stats *mss, const struct page *page, uint64_t size,
			    uint64_t pss, bool dirty, bool locked, bool private)
{
	mss->pss += pss;
	if (locked)
		mss->pss_locked += pss;
	if (dirty || PageFlag(page, PG_dirty)) {
		mss->pss_dirty += pss;
		if (private)
			mss->private_dirty += size;
		else
			mss->shared_dirty += size;
	} else {
		if (private)
			mss->private_clean += size;
		else
			mss->shared_clean += size;
	}
}

static void smaps_pte(void *arg, mm_va_t va, mm_pa_t e_pa, mm_pte_t pte, uint64_t bytes)
{
	struct mem_size_stats *mss = arg;
	struct mm_kernel *k = mss->k;
	(void)va;
	(void)e_pa;
	if (!user_pte_present(k, pte)) {
		mss->swap += bytes;
		mss->swap_pss += bytes << PSS_SHIFT;
		return;
	}
	struct page *page = user_pte_page(k, pte);
	if (page && PageFlag(page, PG_hugetlb)) {
		/* HUGE PAGES: hugetlb memory is not Rss, only *_Hugetlb. */
		if (page->_mapcount >= 2)
			mss->shared_hugetlb += bytes;
		else
			mss->private_hugetlb += bytes;
		return;
	}
	if (!page)
		return; /* the zero page: not resident for smaps */
	unsigned f = arch_pte_flags(k->arch, pte);
	bool young = f & PTE_F_ACCESSED, dirty = f & PTE_F_DIRTY;
	bool locked = mss->vma->vm_flags & VM_LOCKED;
	if (PageFlag(page, PG_anon)) {
		mss->anonymous += bytes;
		if (!PageFlag(page, PG_swapbacked) && !dirty && !PageFlag(page, PG_dirty))
			mss->lazyfree += bytes;
		if (bytes > k->page_size)
			mss->anonymous_thp += bytes;
	}
	mss->resident += bytes;
	if (young || PageFlag(page, PG_referenced))
		mss->referenced += bytes;
	if (page->_refcount == 1) {
		page_accumulate(mss, page, bytes, bytes << PSS_SHIFT, dirty, locked, true);
		return;
	}
	int mapcount = page->_mapcount;
	uint64_t pss = bytes << PSS_SHIFT;
	if (mapcount >= 2)
		pss /= (uint64_t)mapcount;
	page_accumulate(mss, page, bytes, pss, dirty, locked, mapcount < 2);
}

/* show_smap_vma_flags: two letters per flag, in bit order. */
static void vma_flags(struct view_out *out, vm_flags_t flags, struct strbuf *sb)
{
	static const char *const mnemo[32] = {
		"rd", "wr", "ex", "sh", "mr", "mw", "me", "ms", "gd", "um", "pf", NULL,
		"uw", "lo", "io", "sr", "rr", "dc", "de", "lf", "ac", "nr", "ht", "sf",
		"ar", "wf", "dd", "sd", "mm", "hg", "nh", "mg",
	};
	view_printf(out, "VmFlags: ");
	for (int i = 0; i < 32; i++) {
		if ((flags >> i & 1) && mnemo[i]) {
			view_printf(out, "%s ", mnemo[i]);
			sb_printf(sb, "%s%s", sb->len ? " " : "", mnemo[i]);
		}
	}
	view_printf(out, "\n");
}

static void kb(struct view_out *out, unsigned n, const char *label, uint64_t bytes)
{
	view_printf(out, "%-16s%8" PRIu64 " kB\n", label, bytes >> 10);
	view_field_num(out, (int64_t)bytes, "%u.%.*s", n, (int)(strchr(label, ':') - label), label);
}

int view_smaps(struct mm_machine *m, int argc, const char *const *argv, struct view_out *out,
	       char *err, size_t err_len)
{
	struct mm_kernel *k = &m->k;
	if (argc != 1) {
		snprintf(err, err_len, "usage: show smaps NAME");
		return -1;
	}
	struct task_struct *t = task_find(k, argv[0]);
	if (!t || !t->mm) {
		snprintf(err, err_len, t ? "'%s' has no memory (%s)" : "no process named '%s'", argv[0],
			 t ? task_state_name(t) : "");
		return -1;
	}
	struct mm_struct *mm = t->mm;
	/* The maps lines, one per VMA, in the same order. */
	struct view_out maps;
	view_out_init(&maps);
	maps_render_mm(mm, &maps);
	const char *line = sb_str(&maps.text);
	unsigned n = 0;
	struct vm_area_struct *vma;
	for_each_vma(mm, vma) {
		const char *eol = strchr(line, '\n');
		size_t len = eol ? (size_t)(eol - line) : strlen(line);
		view_printf(out, "%.*s\n", (int)len, line);
		line = eol ? eol + 1 : line + len;
		struct mem_size_stats mss = { .k = k, .vma = vma };
		walk_page_range(mm, vma->vm_start, vma->vm_end, smaps_pte, &mss);
		view_field_num(out, (int64_t)vma->vm_start, "%u.start", n);
		kb(out, n, "Size:", vma->vm_end - vma->vm_start);
		/* HUGE PAGES: a hugetlb VMA's page size is the huge one. */
		uint64_t vps = is_vm_hugetlb_page(vma) ? huge_page_size(k) : k->page_size;
		kb(out, n, "KernelPageSize:", vps);
		kb(out, n, "MMUPageSize:", vps);
		kb(out, n, "Rss:", mss.resident);
		kb(out, n, "Pss:", mss.pss >> PSS_SHIFT);
		kb(out, n, "Pss_Dirty:", mss.pss_dirty >> PSS_SHIFT);
		kb(out, n, "Shared_Clean:", mss.shared_clean);
		kb(out, n, "Shared_Dirty:", mss.shared_dirty);
		kb(out, n, "Private_Clean:", mss.private_clean);
		kb(out, n, "Private_Dirty:", mss.private_dirty);
		kb(out, n, "Referenced:", mss.referenced);
		kb(out, n, "Anonymous:", mss.anonymous);
		kb(out, n, "KSM:", 0);
		kb(out, n, "LazyFree:", mss.lazyfree);
		kb(out, n, "AnonHugePages:", mss.anonymous_thp);
		kb(out, n, "ShmemPmdMapped:", 0);
		kb(out, n, "FilePmdMapped:", 0);
		kb(out, n, "Shared_Hugetlb:", mss.shared_hugetlb);
		view_printf(out, "Private_Hugetlb: %7" PRIu64 " kB\n", mss.private_hugetlb >> 10);
		view_field_num(out, (int64_t)mss.private_hugetlb, "%u.Private_Hugetlb", n);
		kb(out, n, "Swap:", mss.swap);
		kb(out, n, "SwapPss:", mss.swap_pss >> PSS_SHIFT);
		kb(out, n, "Locked:", mss.pss_locked >> PSS_SHIFT);
		/* THP is not modelled by the fault path yet: never eligible. */
		/* HUGE PAGES: huge_memory.c's thp_vma_allowable. */
		unsigned eligible = thp_vma_allowable(vma) ? 1 : 0;
		view_printf(out, "THPeligible:    %8u\n", eligible);
		view_field_num(out, eligible, "%u.THPeligible", n);
		struct strbuf flags = STRBUF_INIT;
		vma_flags(out, vma->vm_flags, &flags);
		view_field_str(out, sb_str(&flags), "%u.VmFlags", n);
		sb_free(&flags);
		n++;
	}
	view_field_num(out, n, "count");
	view_out_free(&maps);
	return 0;
}
