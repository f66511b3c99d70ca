/*
 * meminfo.c - `show meminfo`: /proc/meminfo in Linux 6.x's layout
 * (fs/proc/meminfo.c, hugetlb_report_meminfo, x86's arch_report_meminfo).
 *
 *   MemTotal:         119276 kB      label padded to 16 columns, value in
 *   MemFree:          113944 kB      8 columns, " kB"; the few fields
 *   ...                              Linux prints in other widths
 *   HardwareCorrupted:     0 kB      (HardwareCorrupted, HugePages_*) keep
 *   HugePages_Total:       0         theirs
 *
 * Which optional lines appear is decided as a distro kernel's config
 * decides it: HighTotal/HighFree/LowTotal/LowFree with CONFIG_HIGHMEM (the
 * 32-bit x86 machines), CmaTotal/CmaFree and HardwareCorrupted always
 * (CONFIG_CMA, CONFIG_MEMORY_FAILURE), Unaccepted on x86_64 only
 * (CONFIG_UNACCEPTED_MEMORY is 64-bit), the HugePages block when the arch
 * has PMD-level leaves, and DirectMap lines on x86 (DirectMap4M on i386,
 * 2M on PAE and x86_64, plus 1G on x86_64).
 *
 * Where values come from: MemTotal is totalram_pages (the buddy's managed
 * pages); MemFree is NR_FREE_PAGES summed over zones, which in Linux 6.x
 * excludes pages sitting on per-CPU lists; MemAvailable is
 * si_mem_available(); the LRU, slab, kernel-stack and page-table figures
 * are the vmstat counters of the same meaning (vmstat_snapshot), so the two
 * views always agree. Lines of layers mmsim does not have yet print 0.
 *
 * Fields: each line's name is its path (meminfo.MemFree); memory is
 * recorded in bytes whatever the text's unit, the HugePages_* counts as
 * plain counts.
 */
#include <stdio.h>
#include <string.h>

#include "mm/hugetlb.h"
#include "mm/internal.h"
#include "mm/vmalloc.h"
#include "proc/view.h"
#include "sim/machine.h"

/* Linux's default vm.overcommit_ratio (until a sysctl carries it). */
#define OVERCOMMIT_RATIO 50

/* One "Label:   value kB" line; label includes Linux's padding. The field
 * name is the label up to its colon; the value is recorded in bytes. */
static void show_kb_width(struct view_out *o, const char *label, int width, uint64_t bytes)
{
	size_t name_len = strcspn(label, ":");
	view_printf(o, "%s%*llu kB\n", label, width, (unsigned long long)(bytes >> 10));
	/* The field is what the line shows, in bytes: kB * 1024 (only
	 * VmallocTotal, END - START with an inclusive END, is not a kB multiple). */
	view_field_num(o, (int64_t)((bytes >> 10) << 10), "%.*s", (int)name_len, label);
}

static void show_kb(struct view_out *o, const char *label, uint64_t bytes)
{
	show_kb_width(o, label, 8, bytes);
}

static void show_count(struct view_out *o, const char *label, uint64_t n)
{
	size_t name_len = strcspn(label, ":");
	view_printf(o, "%s%5llu\n", label, (unsigned long long)n);
	view_field_num(o, (int64_t)n, "%.*s", (int)name_len, label);
}

/* "2M", "4M", "1G": the suffix of a DirectMap line for a leaf size. */
static void size_suffix(uint64_t bytes, char *buf, size_t len)
{
	if (bytes >= MM_GB)
		snprintf(buf, len, "%lluG", (unsigned long long)(bytes / MM_GB));
	else if (bytes >= MM_MB)
		snprintf(buf, len, "%lluM", (unsigned long long)(bytes / MM_MB));
	else
		snprintf(buf, len, "%lluk", (unsigned long long)(bytes / MM_KB));
}

/* x86's arch_report_meminfo: the direct map by leaf size. */
static void show_direct_map(struct view_out *o, const struct mm_kernel *k)
{
	const struct arch_profile *a = k->arch;
	if (a->is_toy || a->nr_levels < 2)
		return;
	/* Leaf sizes from the bottom level up: 4k, then 2M (4M on i386), then
	 * 1G where the level above the PMD can hold a leaf (x86_64). */
	unsigned lvl[3] = { a->nr_levels - 1, a->nr_levels - 2, a->nr_levels - 3 };
	int n = 2;
	if (a->nr_levels >= 3 && a->level[a->nr_levels - 3].huge_leaf_ok)
		n = 3;
	for (int i = 0; i < n; i++) {
		char suffix[16], label[32];
		size_suffix(arch_level_span(a, lvl[i]), suffix, sizeof(suffix));
		snprintf(label, sizeof(label), "DirectMap%s:", suffix);
		view_printf(o, "%-16s%8llu kB\n", label,
			    (unsigned long long)(k->direct_map_bytes[i] >> 10));
		view_field_num(o, (int64_t)k->direct_map_bytes[i], "DirectMap%s", suffix);
	}
}

/* Render /proc/meminfo; 0, or -1 if given arguments. */
int view_meminfo(struct mm_machine *m, int argc, const char *const *argv, struct view_out *o,
		 char *err, size_t err_len)
{
	if (argc > 0) {
		snprintf(err, err_len, "takes no arguments");
		return -1;
	}
	const struct mm_kernel *k = &m->k;
	const struct arch_profile *a = k->arch;
	uint64_t v[NR_VM_ITEMS];
	vmstat_snapshot(k, v);
	const uint64_t *raw = k->vm.item;
#define P(pages) ((uint64_t)(pages) << k->page_shift)

	uint64_t totalram = k->totalram_pages;
	uint64_t freeram = v[VM_nr_free_pages];
	uint64_t totalhigh = 0, freehigh = 0, free_cma = 0;
	for (int t = 0; t < MAX_NR_ZONES; t++) {
		const struct zone *z = &k->node.node_zones[t];
		free_cma += z->nr_free_cma;
		if (t == ZONE_HIGHMEM && a->zone_exists[ZONE_HIGHMEM]) {
			totalhigh += z->managed_pages;
			freehigh += z->nr_free_pages;
		}
	}
	if (k->totalhigh_pages)
		totalhigh = k->totalhigh_pages;
	uint64_t bufferram = 0; /* no block-device buffer heads in mmsim */
	uint64_t swapcache = v[VM_nr_swapcached];
	int64_t cached = (int64_t)v[VM_nr_file_pages] - (int64_t)swapcache - (int64_t)bufferram;
	if (cached < 0)
		cached = 0;
	uint64_t totalswap = 0, freeswap = 0; /* until the swap layer exists */
	uint64_t hpage = vmstat_hpage_pmd_nr(k);
	uint64_t hugetlb_pages = hugetlb_total_pages(k);
	uint64_t commit_limit =
		(totalram - MM_MIN(totalram, hugetlb_pages)) * OVERCOMMIT_RATIO / 100 + totalswap;
	uint64_t committed = vm_memory_committed(k); /* vm_committed_as, kept by mmap.c */

	show_kb(o, "MemTotal:       ", P(totalram));
	show_kb(o, "MemFree:        ", P(freeram));
	show_kb(o, "MemAvailable:   ", P(si_mem_available(k)));
	show_kb(o, "Buffers:        ", P(bufferram));
	show_kb(o, "Cached:         ", P(cached));
	show_kb(o, "SwapCached:     ", P(swapcache));
	show_kb(o, "Active:         ", P(v[VM_nr_active_anon] + v[VM_nr_active_file]));
	show_kb(o, "Inactive:       ", P(v[VM_nr_inactive_anon] + v[VM_nr_inactive_file]));
	show_kb(o, "Active(anon):   ", P(v[VM_nr_active_anon]));
	show_kb(o, "Inactive(anon): ", P(v[VM_nr_inactive_anon]));
	show_kb(o, "Active(file):   ", P(v[VM_nr_active_file]));
	show_kb(o, "Inactive(file): ", P(v[VM_nr_inactive_file]));
	show_kb(o, "Unevictable:    ", P(v[VM_nr_unevictable]));
	show_kb(o, "Mlocked:        ", P(v[VM_nr_mlock]));
	if (a->zone_exists[ZONE_HIGHMEM]) {
		show_kb(o, "HighTotal:      ", P(totalhigh));
		show_kb(o, "HighFree:       ", P(freehigh));
		show_kb(o, "LowTotal:       ", P(totalram - MM_MIN(totalram, totalhigh)));
		show_kb(o, "LowFree:        ", P(freeram - MM_MIN(freeram, freehigh)));
	}
	show_kb(o, "SwapTotal:      ", P(totalswap));
	show_kb(o, "SwapFree:       ", P(freeswap));
	show_kb(o, "Zswap:          ", 0);
	show_kb(o, "Zswapped:       ", 0);
	show_kb(o, "Dirty:          ", P(v[VM_nr_dirty]));
	show_kb(o, "Writeback:      ", P(v[VM_nr_writeback]));
	show_kb(o, "AnonPages:      ", P(v[VM_nr_anon_pages]));
	show_kb(o, "Mapped:         ", P(v[VM_nr_mapped]));
	show_kb(o, "Shmem:          ", P(v[VM_nr_shmem]));
	show_kb(o, "KReclaimable:   ",
		P(v[VM_nr_slab_reclaimable] + v[VM_nr_kernel_misc_reclaimable]));
	show_kb(o, "Slab:           ", P(v[VM_nr_slab_reclaimable] + v[VM_nr_slab_unreclaimable]));
	show_kb(o, "SReclaimable:   ", P(v[VM_nr_slab_reclaimable]));
	show_kb(o, "SUnreclaim:     ", P(v[VM_nr_slab_unreclaimable]));
	show_kb(o, "KernelStack:    ", v[VM_nr_kernel_stack] << 10);
	show_kb(o, "PageTables:     ", P(k->nr_pagetable_pages));
	show_kb(o, "SecPageTables:  ", P(v[VM_nr_sec_page_table_pages]));
	show_kb(o, "NFS_Unstable:   ", 0);
	show_kb(o, "Bounce:         ", 0);
	show_kb(o, "WritebackTmp:   ", 0);
	show_kb(o, "CommitLimit:    ", P(commit_limit));
	show_kb(o, "Committed_AS:   ", P(committed));
	/* VMALLOC_TOTAL is VMALLOC_END - VMALLOC_START, as the arch defines them
	 * (x86_64's VMALLOC_END is inclusive, hence Linux's ...367 kB). */
	/* VMALLOC_END - VMALLOC_START; on i386 the start follows high_memory. */
	uint64_t vmalloc_total = k->vmalloc ? vmalloc_total_bytes(k)
			       : a->vmalloc_end > a->vmalloc_start ? a->vmalloc_end - a->vmalloc_start : 0;
	show_kb(o, "VmallocTotal:   ", vmalloc_total);
	show_kb(o, "VmallocUsed:    ", P(k->nr_vmalloc_pages));
	show_kb(o, "VmallocChunk:   ", 0); /* Linux prints 0 since 4.x */
	show_kb(o, "Percpu:         ", k->nr_percpu_bytes);
	show_kb_width(o, "HardwareCorrupted: ", 5, 0);
	show_kb(o, "AnonHugePages:  ", P(raw[VM_nr_anon_transparent_hugepages]));
	show_kb(o, "ShmemHugePages: ", P(raw[VM_nr_shmem_hugepages]));
	show_kb(o, "ShmemPmdMapped: ", P(raw[VM_nr_shmem_pmdmapped]));
	show_kb(o, "FileHugePages:  ", P(raw[VM_nr_file_hugepages]));
	show_kb(o, "FilePmdMapped:  ", P(raw[VM_nr_file_pmdmapped]));
	show_kb(o, "CmaTotal:       ", P(k->totalcma_pages));
	show_kb(o, "CmaFree:        ", P(free_cma));
	if (!a->is_toy && a->va_bits > 32)
		show_kb(o, "Unaccepted:     ", 0);
	show_kb(o, "Balloon:        ", P(v[VM_nr_balloon_pages]));
	if (hpage) {
		/* hugetlb_report_meminfo: the default hstate's pool, then all of
		 * hugetlb in kB (hugetlb.c). */
		const struct hstate *h = &k->hstate;
		show_count(o, "HugePages_Total:   ", h->nr_huge_pages);
		show_count(o, "HugePages_Free:    ", h->free_huge_pages);
		show_count(o, "HugePages_Rsvd:    ", h->resv_huge_pages);
		show_count(o, "HugePages_Surp:    ", h->surplus_huge_pages);
		show_kb(o, "Hugepagesize:   ", P(hpage));
		show_kb(o, "Hugetlb:        ", P(hugetlb_total_pages(k)));
	}
	show_direct_map(o, k);
#undef P
	return 0;
}
