/*
 * proc_format_test.c - the Linux-format views on freshly booted machines:
 * the exact shape of every line (checked against Linux 6.x's formats and,
 * where this host is Linux, against its own /proc files), and the values a
 * Linux expert predicts for the machine.
 *
 * The default machine: x86_64, 128M, 1 CPU. Its memory map (docs/decisions.md):
 *   PFN 0            not RAM (BIOS data area)
 *   PFN 1..0x9e      RAM, reserved with the first 1M
 *   PFN 0x9f..0xff   not RAM (640K-1M hole)
 *   PFN 0x100..      RAM; the kernel image at 16M, mem_map and the early
 *                    page tables at the top (memblock allocates top-down)
 * Zones: DMA = PFN 1..4095 (spanned 4095, present 4095 - 97 hole = 3998,
 * managed 3998 - 158 reserved = 3840), DMA32 = PFN 4096..32767 (spanned =
 * present = 28672), Normal empty (no RAM above 4G).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mm/internal.h"
#include "mm/vmalloc.h"
#include "proc/view.h"
#include "sim/machine.h"
#include "fixtures.h"
#include "test.h"

/* ---- helpers ---------------------------------------------------------------- */

static struct mm_machine *boot(const char *arch, uint64_t ram, unsigned cpus)
{
	return test_try_boot(arch, ram, cpus, -1);
}

/* The host's /proc file, or NULL if this is not a Linux host. */
static char *read_host(const char *path)
{
	FILE *f = fopen(path, "r");
	if (!f)
		return NULL;
	struct strbuf sb = STRBUF_INIT;
	char buf[4096];
	size_t n;
	while ((n = fread(buf, 1, sizeof(buf), f)) > 0)
		sb_add(&sb, buf, n);
	fclose(f);
	return sb_detach(&sb);
}

static bool has_line(const struct test_lines *l, const char *s)
{
	for (size_t i = 0; i < l->n; i++)
		if (strcmp(l->v[i], s) == 0)
			return true;
	return false;
}

/* ---- meminfo ------------------------------------------------------------------ */

/* Linux 6.18's /proc/meminfo on x86_64 with a distro config (CONFIG_CMA,
 * CONFIG_MEMORY_FAILURE, CONFIG_UNACCEPTED_MEMORY, THP, hugetlb, 1G pages),
 * written from fs/proc/meminfo.c, hugetlb_report_meminfo and x86's
 * arch_report_meminfo. */
static const char *const meminfo_x86_64[] = {
	"MemTotal", "MemFree", "MemAvailable", "Buffers", "Cached", "SwapCached", "Active",
	"Inactive", "Active(anon)", "Inactive(anon)", "Active(file)", "Inactive(file)",
	"Unevictable", "Mlocked", "SwapTotal", "SwapFree", "Zswap", "Zswapped", "Dirty",
	"Writeback", "AnonPages", "Mapped", "Shmem", "KReclaimable", "Slab", "SReclaimable",
	"SUnreclaim", "KernelStack", "PageTables", "SecPageTables", "NFS_Unstable", "Bounce",
	"WritebackTmp", "CommitLimit", "Committed_AS", "VmallocTotal", "VmallocUsed",
	"VmallocChunk", "Percpu", "HardwareCorrupted", "AnonHugePages", "ShmemHugePages",
	"ShmemPmdMapped", "FileHugePages", "FilePmdMapped", "CmaTotal", "CmaFree", "Unaccepted",
	"Balloon", "HugePages_Total", "HugePages_Free", "HugePages_Rsvd", "HugePages_Surp",
	"Hugepagesize", "Hugetlb", "DirectMap4k", "DirectMap2M", "DirectMap1G",
};
/* Lines that depend on kernel config, which a host may lack. */
static const char *const meminfo_optional[] = {
	"HardwareCorrupted", "CmaTotal", "CmaFree", "Unaccepted",
	"HighTotal", "HighFree", "LowTotal", "LowFree", "DirectMap1G",
};

struct mi_line {
	char name[32];
	int digits;  /* of the value */
	int end_col; /* column just past the value */
	char suffix[8];
};

/* Parse "Name:    12345 kB"; false if the line is not of that form. */
static bool mi_parse(const char *s, struct mi_line *ml)
{
	const char *colon = strchr(s, ':');
	if (!colon || (size_t)(colon - s) >= sizeof(ml->name) || colon == s)
		return false;
	memcpy(ml->name, s, (size_t)(colon - s));
	ml->name[colon - s] = '\0';
	const char *p = colon + 1;
	while (*p == ' ')
		p++;
	const char *d = p;
	while (*p >= '0' && *p <= '9')
		p++;
	ml->digits = (int)(p - d);
	ml->end_col = (int)(p - s);
	snprintf(ml->suffix, sizeof(ml->suffix), "%s", p);
	return ml->digits > 0 && (strcmp(p, " kB") == 0 || *p == '\0');
}

/* Every meminfo format (%8lu after a 16-column label, %5lu after 19) puts
 * the end of a value that fits its width at column 24. */
static void check_meminfo_line_shape(const char *line, const char *who)
{
	struct mi_line ml;
	bool ok = mi_parse(line, &ml);
	if (!ok)
		printf("  %s: bad meminfo line \"%s\"\n", who, line);
	CHECK(ok);
	if (!ok)
		return;
	bool width5 = strcmp(ml.name, "HardwareCorrupted") == 0 ||
		      strncmp(ml.name, "HugePages_", 10) == 0;
	if (ml.digits <= (width5 ? 5 : 8)) {
		if (ml.end_col != 24)
			printf("  %s: \"%s\": value ends at column %d\n", who, line, ml.end_col);
		CHECK_EQ(ml.end_col, 24);
	}
	bool counts = strncmp(ml.name, "HugePages_", 10) == 0;
	CHECK_STR(ml.suffix, counts ? "" : " kB");
}

TEST(meminfo_layout)
{
	struct mm_machine *m = boot("x86_64", 0, 1);
	CHECK(m != NULL);
	if (!m)
		return;
	struct view_out o;
	test_view_render(m, view_meminfo, &o);
	struct test_lines l;
	test_lines_split(sb_str(&o.text), &l);

	size_t want = sizeof(meminfo_x86_64) / sizeof(meminfo_x86_64[0]);
	CHECK_EQ(l.n, want);
	for (size_t i = 0; i < l.n && i < want; i++) {
		struct mi_line ml;
		check_meminfo_line_shape(l.v[i], "mmsim");
		if (mi_parse(l.v[i], &ml))
			CHECK_STR(ml.name, meminfo_x86_64[i]);
	}
	/* A field per line, named as the line. */
	CHECK_EQ(o.nr_fields, want);
	CHECK(has_line(&l, "VmallocTotal:   34359738367 kB")); /* 32T - 1 byte */
	CHECK(has_line(&l, "Hugepagesize:       2048 kB"));
	CHECK(has_line(&l, "HugePages_Total:       0"));
	CHECK(has_line(&l, "HardwareCorrupted:     0 kB"));
	CHECK_EQ(test_view_num(&o, "Hugepagesize"), 2 * MM_MB);
	CHECK_EQ(test_view_num(&o, "HugePages_Total"), 0);
	test_lines_free(&l);
	view_out_free(&o);
	mm_machine_destroy(m);
}

TEST(meminfo_matches_host_layout)
{
	char *host = read_host("/proc/meminfo");
	if (!host) {
		printf("  (no /proc/meminfo: skipped)\n");
		return;
	}
	struct mm_machine *m = boot("x86_64", 0, 1);
	CHECK(m != NULL);
	if (!m) {
		free(host);
		return;
	}
	struct view_out o;
	test_view_render(m, view_meminfo, &o);
	struct test_lines ours, theirs;
	test_lines_split(sb_str(&o.text), &ours);
	test_lines_split(host, &theirs);

	/* The host's lines appear in our output in the same order, with the
	 * same layout; lines we print that the host lacks are config options. */
	size_t j = 0;
	for (size_t i = 0; i < theirs.n; i++) {
		struct mi_line h, u;
		if (!mi_parse(theirs.v[i], &h))
			continue; /* an arch line mmsim does not model */
		check_meminfo_line_shape(theirs.v[i], "host");
		size_t k = j;
		while (k < ours.n && !(mi_parse(ours.v[k], &u) && strcmp(u.name, h.name) == 0))
			k++;
		if (k == ours.n) {
			printf("  host line \"%s\" missing or out of order\n", theirs.v[i]);
			CHECK(0);
			continue;
		}
		for (size_t s = j; s < k; s++) {
			mi_parse(ours.v[s], &u);
			bool optional = false;
			for (size_t q = 0; q < sizeof(meminfo_optional) / sizeof(*meminfo_optional); q++)
				optional |= strcmp(u.name, meminfo_optional[q]) == 0;
			if (!optional)
				printf("  we print %s where the host does not\n", u.name);
			CHECK(optional);
		}
		/* Same label and padding: the texts agree up to the value. */
		CHECK_STR(h.suffix, u.suffix);
		j = k + 1;
	}
	test_lines_free(&ours);
	test_lines_free(&theirs);
	view_out_free(&o);
	free(host);
	mm_machine_destroy(m);
}

TEST(meminfo_values)
{
	struct mm_machine *m = boot("x86_64", 0, 1);
	CHECK(m != NULL);
	if (!m)
		return;
	struct mm_kernel *k = &m->k;
	struct view_out o;
	test_view_render(m, view_meminfo, &o);

	uint64_t managed = 0, free_pages = 0;
	for (int t = 0; t < MAX_NR_ZONES; t++) {
		managed += k->node.node_zones[t].managed_pages;
		free_pages += k->node.node_zones[t].nr_free_pages;
	}
	/* MemTotal is totalram_pages: every page the buddy allocator manages. */
	CHECK_EQ(test_view_num(&o, "MemTotal"), managed * 4096);
	CHECK_EQ(test_view_num(&o, "MemTotal"), k->totalram_pages * 4096);
	/* Managed = present - memblock reservations inside RAM. The DMA zone
	 * loses exactly the first 1M's 158 RAM pages (PFN 1..0x9e). */
	CHECK_EQ(k->node.node_zones[ZONE_DMA].managed_pages, 3840);
	CHECK(managed < 32768 - 1 - 97 - 158);
	/* MemFree is NR_FREE_PAGES: buddy pages only. */
	CHECK_EQ(test_view_num(&o, "MemFree"), free_pages * 4096);
	/* With no page cache and no reclaimable slab, si_mem_available() is
	 * free pages minus totalreserve_pages. */
	uint64_t reserve = MM_MIN(free_pages, k->totalreserve_pages);
	CHECK_EQ(test_view_num(&o, "MemAvailable"), (free_pages - reserve) * 4096);
	CHECK(k->totalreserve_pages > 0);
	/* CommitLimit: half of RAM (vm.overcommit_ratio 50), no swap. */
	CHECK_EQ(test_view_num(&o, "CommitLimit"), k->totalram_pages / 2 * 4096);
	/* Boot page tables come from memblock: not in PageTables. */
	CHECK_EQ(test_view_num(&o, "PageTables"), k->nr_pagetable_pages * 4096);
	/* VMALLOC_END - VMALLOC_START = 32T - 1 (END inclusive): the line prints
	 * 34359738367 kB and the field is that figure * 1024. */
	CHECK_EQ(test_view_num(&o, "VmallocTotal"), 34359738367ULL * 1024);
	/* The direct map covers all 128M: 4k + 2M + 1G pages add up to RAM. */
	uint64_t dm = (uint64_t)test_view_num(&o, "DirectMap4k") + (uint64_t)test_view_num(&o, "DirectMap2M") +
		      (uint64_t)test_view_num(&o, "DirectMap1G");
	CHECK_EQ(dm, 128 * MM_MB);
	CHECK_EQ(test_view_num(&o, "SwapTotal"), 0);
	/* Values are bytes: the text shows them in kB. */
	char line[64];
	snprintf(line, sizeof(line), "MemTotal:       %8llu kB",
		 (unsigned long long)(managed * 4));
	struct test_lines l;
	test_lines_split(sb_str(&o.text), &l);
	CHECK_STR(l.v[0], line);
	test_lines_free(&l);
	view_out_free(&o);
	mm_machine_destroy(m);
}

TEST(meminfo_i386_highmem)
{
	/* 1G on i386: DMA < 16M, Normal to 896M, HighMem 896M..1G (128M). */
	struct mm_machine *m = boot("i386", 1024 * MM_MB, 1);
	CHECK(m != NULL);
	if (!m)
		return;
	struct mm_kernel *k = &m->k;
	struct view_out o;
	test_view_render(m, view_meminfo, &o);
	struct test_lines l;
	test_lines_split(sb_str(&o.text), &l);
	/* CONFIG_HIGHMEM's four lines sit between Mlocked and SwapTotal. */
	size_t mlocked = l.n;
	for (size_t i = 0; i < l.n; i++)
		if (strncmp(l.v[i], "Mlocked:", 8) == 0)
			mlocked = i;
	CHECK(mlocked + 5 < l.n);
	if (mlocked + 5 < l.n) {
		CHECK(strncmp(l.v[mlocked + 1], "HighTotal:      ", 16) == 0);
		CHECK(strncmp(l.v[mlocked + 2], "HighFree:       ", 16) == 0);
		CHECK(strncmp(l.v[mlocked + 3], "LowTotal:       ", 16) == 0);
		CHECK(strncmp(l.v[mlocked + 4], "LowFree:        ", 16) == 0);
		CHECK(strncmp(l.v[mlocked + 5], "SwapTotal:      ", 16) == 0);
	}
	for (size_t i = 0; i < l.n; i++)
		check_meminfo_line_shape(l.v[i], "i386");
	const struct zone *hz = &k->node.node_zones[ZONE_HIGHMEM];
	CHECK_EQ(hz->present_pages, 32768); /* 128M above 896M */
	CHECK_EQ(test_view_num(&o, "HighTotal"), hz->managed_pages * 4096);
	CHECK_EQ(test_view_num(&o, "HighFree"), hz->nr_free_pages * 4096);
	CHECK_EQ(test_view_num(&o, "LowTotal") + test_view_num(&o, "HighTotal"), test_view_num(&o, "MemTotal"));
	CHECK_EQ(test_view_num(&o, "LowFree") + test_view_num(&o, "HighFree"), test_view_num(&o, "MemFree"));
	/* i386: 4M huge pages, DirectMap4k and DirectMap4M, no 1G line, no
	 * Unaccepted (a 64-bit option). */
	CHECK(has_line(&l, "Hugepagesize:       4096 kB"));
	CHECK(view_find(&o, "DirectMap4M") != NULL);
	CHECK(view_find(&o, "DirectMap2M") == NULL);
	CHECK(view_find(&o, "DirectMap1G") == NULL);
	CHECK(view_find(&o, "Unaccepted") == NULL);
	/* The direct map covers lowmem only. */
	CHECK_EQ(test_view_num(&o, "DirectMap4k") + test_view_num(&o, "DirectMap4M"), 896 * MM_MB);
	test_lines_free(&l);
	view_out_free(&o);
	mm_machine_destroy(m);
}

TEST(meminfo_toy)
{
	/* The toy machine: no x86 DirectMap lines, no huge pages; no crash. */
	struct mm_machine *m = boot("toy", 0, 1);
	CHECK(m != NULL);
	if (!m)
		return;
	struct view_out o;
	test_view_render(m, view_meminfo, &o);
	CHECK(view_find(&o, "DirectMap4k") == NULL);
	CHECK(view_find(&o, "Hugepagesize") == NULL);
	CHECK_EQ(test_view_num(&o, "MemTotal"), m->k.totalram_pages << m->k.page_shift);
	view_out_free(&o);
	mm_machine_destroy(m);
}

/* ---- vmstat ------------------------------------------------------------------- */

TEST(vmstat_layout_and_values)
{
	struct mm_machine *m = boot("x86_64", 0, 1);
	CHECK(m != NULL);
	if (!m)
		return;
	struct mm_kernel *k = &m->k;
	struct view_out o;
	test_view_render(m, view_vmstat, &o);
	struct test_lines l;
	test_lines_split(sb_str(&o.text), &l);
	CHECK_EQ(l.n, NR_VM_ITEMS);
	for (size_t i = 0; i < l.n && i < NR_VM_ITEMS; i++) {
		size_t nl = strlen(vmstat_names[i]);
		CHECK(strncmp(l.v[i], vmstat_names[i], nl) == 0 && l.v[i][nl] == ' ');
		CHECK(strspn(l.v[i] + nl + 1, "0123456789") == strlen(l.v[i] + nl + 1));
	}
	CHECK_STR(l.v[l.n - 1], "nr_unstable 0");

	/* The same names in the same order as this host's /proc/vmstat. */
	char *host = read_host("/proc/vmstat");
	if (host) {
		struct test_lines h;
		test_lines_split(host, &h);
		CHECK_EQ(h.n, l.n);
		for (size_t i = 0; i < h.n && i < l.n; i++) {
			size_t a = strcspn(h.v[i], " "), b = strcspn(l.v[i], " ");
			if (a != b || strncmp(h.v[i], l.v[i], a) != 0) {
				printf("  line %zu: host \"%s\", mmsim \"%s\"\n", i, h.v[i], l.v[i]);
				CHECK(0);
				break;
			}
		}
		test_lines_free(&h);
		free(host);
	}

	uint64_t free_pages = 0, blocks_pages = 0;
	for (int t = 0; t < MAX_NR_ZONES; t++) {
		const struct zone *z = &k->node.node_zones[t];
		free_pages += z->nr_free_pages;
		for (unsigned ord = 9; ord <= 10; ord++)
			blocks_pages += z->free_area[ord].nr_free << ord;
	}
	CHECK_EQ(test_view_num(&o, "nr_free_pages"), free_pages);
	/* nr_free_pages_blocks: pages in free blocks of pageblock order (9) up. */
	CHECK_EQ(test_view_num(&o, "nr_free_pages_blocks"), blocks_pages);
	/* mem_map: 32768 descriptors of sizeof(struct page) bytes from
	 * memblock, rounded up to pages (56 bytes: 1792K = 448 pages). */
	CHECK_EQ(test_view_num(&o, "nr_memmap_boot_pages"), (32768 * sizeof(struct page) + 4095) / 4096);
	/* global_dirty_limits with no file pages: avail = free - reserve + 1;
	 * thresholds in 1/4096 units: 20% -> 819, 10% -> 409. */
	uint64_t avail = free_pages - MM_MIN(free_pages, k->totalreserve_pages) + 1;
	CHECK_EQ(test_view_num(&o, "nr_dirty_threshold"), 819 * avail / 4096);
	CHECK_EQ(test_view_num(&o, "nr_dirty_background_threshold"), 409 * avail / 4096);
	CHECK_EQ(test_view_num(&o, "nr_page_table_pages"), k->nr_pagetable_pages);
	/* Nothing is on an LRU yet. */
	CHECK_EQ(test_view_num(&o, "nr_active_anon"), 0);
	CHECK_EQ(test_view_num(&o, "nr_zone_inactive_file"), 0);
	test_lines_free(&l);
	view_out_free(&o);
	mm_machine_destroy(m);
}

TEST(vmstat_events_and_units)
{
	struct mm_machine *m = boot("x86_64", 0, 1);
	CHECK(m != NULL);
	if (!m)
		return;
	struct mm_kernel *k = &m->k;
	uint64_t before = k->vm.item[VM_pgfault];
	count_vm_events(k, pgfault, 5);
	/* Linux keeps pgpgin in 512-byte sectors and prints KiB. */
	k->vm.item[VM_pgpgin] += 8; /* 4K read */
	/* THP counters are kept in base pages and printed in huge pages. */
	k->vm.item[VM_nr_anon_transparent_hugepages] += 1024; /* two 2M THPs */
	struct view_out o;
	test_view_render(m, view_vmstat, &o);
	CHECK_EQ(test_view_num(&o, "pgfault"), before + 5);
	CHECK_EQ(test_view_num(&o, "pgpgin"), 4);
	CHECK_EQ(test_view_num(&o, "nr_anon_transparent_hugepages"), 2);
	view_out_free(&o);
	test_view_render(m, view_meminfo, &o);
	CHECK_EQ(test_view_num(&o, "AnonHugePages"), 4 * MM_MB);
	view_out_free(&o);
	mm_machine_destroy(m);
}

/* ---- buddyinfo ---------------------------------------------------------------- */

static uint64_t buddy_pages(const struct view_out *o, const char *zone, unsigned max_order)
{
	uint64_t pages = 0;
	char path[64];
	for (unsigned ord = 0; ord <= max_order; ord++) {
		snprintf(path, sizeof(path), "%s.%u", zone, ord);
		const struct view_field *f = view_find(o, path);
		if (f)
			pages += (uint64_t)f->num << ord;
	}
	return pages;
}

TEST(buddyinfo_layout)
{
	struct mm_machine *m = boot("x86_64", 0, 1);
	CHECK(m != NULL);
	if (!m)
		return;
	struct view_out o;
	test_view_render(m, view_buddyinfo, &o);
	struct test_lines l;
	test_lines_split(sb_str(&o.text), &l);
	/* Populated zones only: DMA and DMA32 (no RAM above 4G). */
	CHECK_EQ(l.n, 2);
	/* Free blocks in DMA after boot: 1M..16M free = PFN 256..4095, cut into
	 * aligned max-order blocks: 256..511 (order 8), 512..1023 (order 9),
	 * 1024..4095 (3 x order 10) - the line a 6.x PC shows. */
	CHECK_STR(l.v[0], "Node 0, zone      DMA      0      0      0      0      0      0      0"
			  "      0      1      1      3 ");
	if (l.n > 1) {
		CHECK(strncmp(l.v[1], "Node 0, zone    DMA32 ", 22) == 0);
		/* "Node 0, zone %8s " + 11 columns of "%6lu ". */
		CHECK_EQ(strlen(l.v[1]), 22 + 11 * 7);
	}
	char *host = read_host("/proc/buddyinfo");
	if (host) {
		/* Same line shape as the host's: prefix width, 11 orders. */
		struct test_lines h;
		test_lines_split(host, &h);
		for (size_t i = 0; i < h.n; i++) {
			CHECK(strncmp(h.v[i], "Node 0, zone ", 13) == 0);
			CHECK_EQ(strlen(h.v[i]), strlen(l.v[0]));
		}
		test_lines_free(&h);
		free(host);
	}
	CHECK_EQ(test_view_num(&o, "DMA.10"), 3);
	CHECK_EQ(test_view_num(&o, "DMA.8"), 1);
	CHECK(view_find(&o, "Normal.0") == NULL);
	CHECK(view_find(&o, "DMA.11") == NULL);
	test_lines_free(&l);
	view_out_free(&o);
	mm_machine_destroy(m);
}

TEST(buddyinfo_sums_to_memfree)
{
	struct mm_machine *m = boot("x86_64", 0, 1);
	CHECK(m != NULL);
	if (!m)
		return;
	struct mm_kernel *k = &m->k;
	struct view_out bi, mi;
	test_view_render(m, view_meminfo, &mi);
	int64_t memfree_boot = test_view_num(&mi, "MemFree");
	view_out_free(&mi);
	/* Boot itself (the slab caches) may already have left pages on a pcp list. */
	uint64_t pcp_boot = 0;
	for (int t = 0; t < MAX_NR_ZONES; t++)
		pcp_boot += (uint64_t)k->node.node_zones[t].pcp[0].count;

	/* An order-0 allocation refills the per-CPU list from the buddy, and
	 * the free puts the page back on that list: the pages now on the pcp
	 * list left MemFree (NR_FREE_PAGES excludes pcp pages in 6.x). */
	struct page *p = alloc_pages(k, GFP_KERNEL, 0);
	CHECK(p != NULL);
	if (p)
		__free_pages(k, p, 0);
	uint64_t pcp = 0;
	for (int t = 0; t < MAX_NR_ZONES; t++)
		pcp += (uint64_t)k->node.node_zones[t].pcp[0].count;
	CHECK(pcp >= 1);

	test_view_render(m, view_meminfo, &mi);
	test_view_render(m, view_buddyinfo, &bi);
	int64_t memfree = test_view_num(&mi, "MemFree");
	CHECK_EQ(memfree + (int64_t)pcp * 4096, memfree_boot + (int64_t)pcp_boot * 4096);
	/* The buddy lists hold exactly MemFree. */
	uint64_t pages = buddy_pages(&bi, "DMA", 10) + buddy_pages(&bi, "DMA32", 10);
	CHECK_EQ(pages * 4096, memfree);
	view_out_free(&mi);
	view_out_free(&bi);
	mm_machine_destroy(m);
}

/* ---- pagetypeinfo ------------------------------------------------------------- */

TEST(pagetypeinfo_layout)
{
	struct mm_machine *m = boot("x86_64", 0, 1);
	CHECK(m != NULL);
	if (!m)
		return;
	struct view_out o, bi;
	test_view_render(m, view_pagetypeinfo, &o);
	test_view_render(m, view_buddyinfo, &bi);
	struct test_lines l;
	test_lines_split(sb_str(&o.text), &l);
	/* 4 header lines, 6 types x 2 zones, blank, header, 2 zones. */
	CHECK_EQ(l.n, 4 + 12 + 1 + 1 + 2);
	if (l.n < 20)
		goto out;
	CHECK_STR(l.v[0], "Page block order: 9");
	CHECK_STR(l.v[1], "Pages per block:  512");
	CHECK_STR(l.v[2], "");
	CHECK_STR(l.v[3], "Free pages count per migrate type at order       0      1      2      3"
			  "      4      5      6      7      8      9     10 ");
	/* DMA starts at PFN 1, so memmap_init never meets the start of its
	 * first pageblock (PFN 0) and leaves it type 0, Unmovable; the other 7
	 * blocks are Movable. The free order-8 block at PFN 256 lies in that
	 * first block; the order-9 and order-10 blocks in Movable ones. */
	CHECK_STR(l.v[4], "Node    0, zone      DMA, type    Unmovable      0      0      0      0"
			  "      0      0      0      0      1      0      0 ");
	CHECK_STR(l.v[5], "Node    0, zone      DMA, type      Movable      0      0      0      0"
			  "      0      0      0      0      0      1      3 ");
	CHECK_EQ(test_view_num(&o, "DMA.blocks.Unmovable"), 1);
	CHECK_EQ(test_view_num(&o, "DMA.blocks.Movable"), 7);
	CHECK(strncmp(l.v[8], "Node    0, zone      DMA, type          CMA ", 44) == 0);
	CHECK(strncmp(l.v[9], "Node    0, zone      DMA, type      Isolate ", 44) == 0);
	CHECK_STR(l.v[16], "");
	CHECK_STR(l.v[17], "Number of blocks type     Unmovable      Movable  Reclaimable   "
			   "HighAtomic          CMA      Isolate ");
	CHECK(strncmp(l.v[18], "Node 0, zone      DMA ", 22) == 0);
	CHECK_EQ(strlen(l.v[18]), 22 + 6 * 13);

	/* Host: identical headers, with the CMA column only when it has CMA. */
	char *host = read_host("/proc/pagetypeinfo");
	if (host) {
		struct test_lines h;
		test_lines_split(host, &h);
		if (h.n > 4) {
			CHECK_STR(h.v[0], l.v[0]);
			CHECK_STR(h.v[1], l.v[1]);
			CHECK_STR(h.v[3], l.v[3]);
		}
		for (size_t i = 0; i < h.n; i++) {
			if (strncmp(h.v[i], "Number of blocks type", 21) != 0)
				continue;
			char ours[256];
			snprintf(ours, sizeof(ours), "%s", l.v[17]);
			char *cma = strstr(ours, "         CMA ");
			if (!strstr(h.v[i], " CMA ") && cma)
				memmove(cma, cma + 13, strlen(cma + 13) + 1);
			CHECK_STR(h.v[i], ours);
		}
		test_lines_free(&h);
		free(host);
	}

	/* Per-type free blocks add up to buddyinfo's, per order. */
	static const char *const types[] = { "Unmovable", "Movable", "Reclaimable",
					     "HighAtomic", "CMA", "Isolate" };
	for (unsigned ord = 0; ord <= 10; ord++) {
		int64_t sum = 0;
		char path[64];
		for (int t = 0; t < 6; t++) {
			snprintf(path, sizeof(path), "DMA32.%s.%u", types[t], ord);
			sum += test_view_num(&o, path);
		}
		snprintf(path, sizeof(path), "DMA32.%u", ord);
		CHECK_EQ(sum, test_view_num(&bi, path));
	}
	/* DMA spans PFN 1..4095: stepping by 512 from PFN 1 visits 8 blocks;
	 * DMA32 spans 28672 pages = 56 blocks. */
	int64_t dma_blocks = 0, dma32_blocks = 0;
	for (int t = 0; t < 6; t++) {
		char path[64];
		snprintf(path, sizeof(path), "DMA.blocks.%s", types[t]);
		dma_blocks += test_view_num(&o, path);
		snprintf(path, sizeof(path), "DMA32.blocks.%s", types[t]);
		dma32_blocks += test_view_num(&o, path);
	}
	CHECK_EQ(dma_blocks, 8);
	CHECK_EQ(dma32_blocks, 56);
	CHECK_EQ(test_view_num(&o, "page_block_order"), 9);
	CHECK_EQ(test_view_num(&o, "pages_per_block"), 512);
out:
	test_lines_free(&l);
	view_out_free(&o);
	view_out_free(&bi);
	mm_machine_destroy(m);
}

/* ---- zoneinfo ----------------------------------------------------------------- */

/* A line's shape: the text before its value (digits, and for the
 * protection line everything from '('), plus the number of commas. */
static void zi_shape(const char *line, char *out, size_t len)
{
	const char *paren = strchr(line, '(');
	size_t n = strlen(line);
	if (paren) {
		int commas = 0;
		for (const char *p = paren; *p; p++)
			commas += *p == ',';
		snprintf(out, len, "%.*s(%d)", (int)(paren - line), line, commas);
		return;
	}
	while (n > 0 && line[n - 1] >= '0' && line[n - 1] <= '9')
		n--;
	snprintf(out, len, "%.*s", (int)n, line);
}

/* The shapes of one zone block, CPUs after the first left out. */
static void zi_block_shapes(const struct test_lines *l, size_t from, size_t to, struct test_lines *out)
{
	out->v = NULL;
	out->n = 0;
	bool skip = false;
	for (size_t i = from; i < to; i++) {
		const char *s = l->v[i];
		if (strncmp(s, "    cpu: ", 9) == 0)
			skip = strcmp(s, "    cpu: 0") != 0;
		if (skip && (strncmp(s, "  node_unreclaimable", 20) == 0))
			skip = false;
		if (skip)
			continue;
		char shape[256];
		zi_shape(s, shape, sizeof(shape));
		out->v = xrealloc(out->v, (out->n + 1) * sizeof(*out->v));
		out->v[out->n++] = xstrdup(shape);
	}
}

/* Index of each "Node 0, zone" line, and the end. */
static size_t zi_zones(const struct test_lines *l, size_t *starts, size_t max)
{
	size_t n = 0;
	for (size_t i = 0; i < l->n && n < max; i++)
		if (strncmp(l->v[i], "Node 0, zone ", 13) == 0)
			starts[n++] = i;
	return n;
}

TEST(zoneinfo_layout)
{
	struct mm_machine *m = boot("x86_64", 0, 2);
	CHECK(m != NULL);
	if (!m)
		return;
	struct mm_kernel *k = &m->k;
	struct view_out o;
	test_view_render(m, view_zoneinfo, &o);
	struct test_lines l;
	test_lines_split(sb_str(&o.text), &l);
	size_t st[8];
	size_t nz = zi_zones(&l, st, 8);
	/* Linux's x86_64 zones, all printed, populated or not. */
	CHECK_EQ(nz, 5);
	if (nz != 5)
		goto out;
	st[nz] = l.n;
	CHECK_STR(l.v[st[0]], "Node 0, zone      DMA");
	CHECK_STR(l.v[st[1]], "Node 0, zone    DMA32");
	CHECK_STR(l.v[st[2]], "Node 0, zone   Normal");
	CHECK_STR(l.v[st[3]], "Node 0, zone  Movable");
	CHECK_STR(l.v[st[4]], "Node 0, zone   Device");
	/* Per-node stats under the first populated zone only. */
	CHECK_STR(l.v[st[0] + 1], "  per-node stats");
	CHECK(strcmp(l.v[st[1] + 1], "  per-node stats") != 0);
	/* Empty zones: header, 10 values, protection. */
	CHECK_EQ(st[3] - st[2], 12);
	CHECK_EQ(st[4] - st[3], 12);
	CHECK_EQ(l.n - st[4], 12);
	CHECK_STR(l.v[st[4] + 11], "        protection: (0, 0, 0, 0, 0)");
	/* Two CPUs: two pagesets per populated zone. */
	CHECK(has_line(&l, "    cpu: 1"));

	/* protection: lowmem_reserve at Linux's 5 zone indices. DMA reserves
	 * DMA32's managed pages / 256 (lowmem_reserve_ratio) against every
	 * higher zone; nothing is above DMA32, so its own row is all 0. */
	const struct zone *dma = &k->node.node_zones[ZONE_DMA];
	const struct zone *dma32 = &k->node.node_zones[ZONE_DMA32];
	int64_t r = (int64_t)(dma32->managed_pages / 256);
	char want[128];
	snprintf(want, sizeof(want), "        protection: (0, %lld, %lld, %lld, %lld)",
		 (long long)r, (long long)r, (long long)r, (long long)r);
	CHECK(has_line(&l, want));
	CHECK(has_line(&l, "        protection: (0, 0, 0, 0, 0)"));
	CHECK_EQ(test_view_num(&o, "DMA.protection.1"), dma->lowmem_reserve[ZONE_DMA32]);
	CHECK_EQ(test_view_num(&o, "DMA.protection.2"), dma->lowmem_reserve[ZONE_NORMAL]);
	CHECK_EQ(test_view_num(&o, "DMA.protection.3"), dma->lowmem_reserve[ZONE_MOVABLE]);
	CHECK_EQ(test_view_num(&o, "DMA.protection.4"), dma->lowmem_reserve[ZONE_MOVABLE]);
	CHECK(view_find(&o, "DMA.protection.5") == NULL);

	/* The zone sizes of the memory map described at the top. */
	CHECK_EQ(test_view_num(&o, "DMA.spanned"), 4095);
	CHECK_EQ(test_view_num(&o, "DMA.present"), 3998);
	CHECK_EQ(test_view_num(&o, "DMA.managed"), 3840);
	CHECK_EQ(test_view_num(&o, "DMA.start_pfn"), 1);
	CHECK_EQ(test_view_num(&o, "DMA32.spanned"), 28672);
	CHECK_EQ(test_view_num(&o, "DMA32.present"), 28672);
	CHECK_EQ(test_view_num(&o, "DMA32.start_pfn"), 4096);
	CHECK_EQ(test_view_num(&o, "Normal.present"), 0);
	CHECK_EQ(test_view_num(&o, "DMA.managed") + test_view_num(&o, "DMA32.managed"), k->totalram_pages);
	CHECK_EQ(test_view_num(&o, "DMA.free"), dma->nr_free_pages);
	CHECK_EQ(test_view_num(&o, "DMA.nr_free_pages"), dma->nr_free_pages);
	/* Watermarks: low - min = high - low = promo - high =
	 * max(min / 4, managed * watermark_scale_factor(10) / 10000). */
	for (int z = 0; z < 2; z++) {
		const char *zn = z ? "DMA32" : "DMA";
		const struct zone *zz = z ? dma32 : dma;
		char path[64];
		snprintf(path, sizeof(path), "%s.min", zn);
		int64_t mn = test_view_num(&o, path);
		snprintf(path, sizeof(path), "%s.low", zn);
		int64_t lo = test_view_num(&o, path);
		snprintf(path, sizeof(path), "%s.high", zn);
		int64_t hi = test_view_num(&o, path);
		snprintf(path, sizeof(path), "%s.promo", zn);
		int64_t pr = test_view_num(&o, path);
		int64_t step = MM_MAX(mn / 4, (int64_t)(zz->managed_pages * 10 / 10000));
		CHECK(mn > 0);
		CHECK_EQ(lo - mn, step);
		CHECK_EQ(hi - lo, step);
		CHECK_EQ(pr - hi, step);
	}
	/* vm stats threshold, 2 CPUs: 2 * fls(2) * (1 + fls(managed >> 15));
	 * both zones are under 128M, so 2 * 2 * 1 = 4. */
	CHECK_EQ(test_view_num(&o, "DMA.pagesets.cpu1.vm_stats_threshold"), 4);
	CHECK_EQ(test_view_num(&o, "DMA32.pagesets.cpu0.vm_stats_threshold"), 4);
	CHECK_EQ(test_view_num(&o, "DMA32.pagesets.cpu1.batch"), dma32->pcp[1].batch);
	CHECK_EQ(test_view_num(&o, "node.nr_page_table_pages"), k->nr_pagetable_pages);

	/* Against the host: same zones and, zone for zone, the same line
	 * shapes (names, padding, protection length). */
	char *host = read_host("/proc/zoneinfo");
	if (host) {
		struct test_lines h;
		test_lines_split(host, &h);
		size_t hs[8];
		size_t hn = zi_zones(&h, hs, 8);
		bool same_zones = hn == nz;
		for (size_t i = 0; same_zones && i < nz; i++)
			same_zones = strcmp(h.v[hs[i]], l.v[st[i]]) == 0;
		if (!same_zones) {
			printf("  (host zones differ from x86_64's: shape check skipped)\n");
		} else {
			hs[hn] = h.n;
			/* Compare a populated zone (DMA, first) and an empty one. */
			size_t pick[2] = { 0, 4 };
			for (int p = 0; p < 2; p++) {
				size_t z = pick[p];
				struct test_lines a, b;
				zi_block_shapes(&h, hs[z], hs[z + 1], &a);
				zi_block_shapes(&l, st[z], st[z + 1], &b);
				CHECK_EQ(a.n, b.n);
				for (size_t i = 0; i < a.n && i < b.n; i++) {
					if (strcmp(a.v[i], b.v[i]) != 0) {
						printf("  zone %zu line %zu: host \"%s\", mmsim \"%s\"\n",
						       z, i, a.v[i], b.v[i]);
						CHECK(0);
						break;
					}
				}
				test_lines_free(&a);
				test_lines_free(&b);
			}
		}
		test_lines_free(&h);
		free(host);
	}
out:
	test_lines_free(&l);
	view_out_free(&o);
	mm_machine_destroy(m);
}

TEST(zoneinfo_i386)
{
	struct mm_machine *m = boot("i386", 1024 * MM_MB, 1);
	CHECK(m != NULL);
	if (!m)
		return;
	struct view_out o;
	test_view_render(m, view_zoneinfo, &o);
	struct test_lines l;
	test_lines_split(sb_str(&o.text), &l);
	size_t st[8];
	size_t nz = zi_zones(&l, st, 8);
	CHECK_EQ(nz, 5);
	if (nz == 5) {
		CHECK_STR(l.v[st[0]], "Node 0, zone      DMA");
		CHECK_STR(l.v[st[1]], "Node 0, zone   Normal");
		CHECK_STR(l.v[st[2]], "Node 0, zone  HighMem");
		CHECK_STR(l.v[st[3]], "Node 0, zone  Movable");
		CHECK_STR(l.v[st[4]], "Node 0, zone   Device");
	}
	/* Five protection entries; Normal's is read at HighMem's index. */
	const struct zone *normal = &m->k.node.node_zones[ZONE_NORMAL];
	CHECK_EQ(test_view_num(&o, "Normal.protection.2"), normal->lowmem_reserve[ZONE_HIGHMEM]);
	CHECK(view_find(&o, "Normal.protection.4") != NULL);
	CHECK(view_find(&o, "Normal.protection.5") == NULL);
	CHECK(view_find(&o, "DMA32.free") == NULL);
	test_lines_free(&l);
	view_out_free(&o);
	mm_machine_destroy(m);
}

/* ---- dmesg, arguments, JSON ------------------------------------------------------ */

/* vmallocinfo's phys= is %pa: as wide as phys_addr_t, 16 digits on PAE
 * (64-bit physical addresses) although pointers, and so the range, have 8;
 * 8 on non-PAE i386. No command ioremaps yet, so the test gives a vmalloc
 * area a physical address by hand: 0x1000 prints 0x0000000000001000. */
TEST(vmallocinfo_phys_width)
{
	static const struct {
		const char *arch;
		const char *phys;
	} cases[] = {
		{ "i386-pae", " phys=0x0000000000001000 " },
		{ "i386", " phys=0x00001000 " },
		{ "x86_64", " phys=0x0000000000001000 " },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct mm_machine *m = boot(cases[i].arch, 256 * MM_MB, 1);
		CHECK(m != NULL);
		if (!m)
			continue;
		mm_va_t va = vmalloc(&m->k, 4096);
		struct vm_struct *vm = va ? find_vm_area(&m->k, va) : NULL;
		CHECK(vm != NULL);
		if (vm) {
			vm->phys_addr = 0x1000;
			struct view_out o;
			test_view_render(m, view_vmallocinfo, &o);
			const char *text = sb_str(&o.text);
			if (!strstr(text, cases[i].phys))
				printf("  %s: no \"%s\" in:\n%s", cases[i].arch, cases[i].phys, text);
			CHECK(strstr(text, cases[i].phys) != NULL);
			view_out_free(&o);
			vm->phys_addr = 0;
			CHECK_EQ(vfree(&m->k, va), 0);
		}
		mm_machine_destroy(m);
	}
}

TEST(dmesg_log)
{
	struct mm_machine *m = boot("x86_64", 0, 1);
	CHECK(m != NULL);
	if (!m)
		return;
	struct view_out o;
	test_view_render(m, view_dmesg, &o);
	struct test_lines l;
	test_lines_split(sb_str(&o.text), &l);
	CHECK(l.n > 3);
	CHECK_EQ(test_view_num(&o, "lines"), l.n);
	CHECK_STR(sb_str(&o.text), m->k.log.buf);
	bool memory = false;
	for (size_t i = 0; i < l.n; i++) {
		CHECK(strncmp(l.v[i], "[    0.000000] ", 15) == 0);
		unsigned long long avail, total;
		if (sscanf(l.v[i], "[    0.000000] Memory: %lluK/%lluK available", &avail,
			   &total) == 2) {
			memory = true;
			/* The total is every RAM page (present), in K. */
			uint64_t present = 0;
			for (int t = 0; t < MAX_NR_ZONES; t++)
				present += m->k.node.node_zones[t].present_pages;
			CHECK_EQ(total, present * 4);
		}
	}
	CHECK(memory);
	test_lines_free(&l);
	view_out_free(&o);
	mm_machine_destroy(m);
}

TEST(views_reject_arguments)
{
	struct mm_machine *m = boot("x86_64", 0, 1);
	CHECK(m != NULL);
	if (!m)
		return;
	const char *argv[] = { "extra" };
	/* zoneinfo takes zone names (zoneinfo_zone_filter checks it). */
	view_render_fn fns[] = { view_meminfo, view_vmstat, view_buddyinfo, view_pagetypeinfo,
				 view_dmesg };
	for (size_t i = 0; i < sizeof(fns) / sizeof(fns[0]); i++) {
		struct view_out o;
		char err[128] = "";
		view_out_init(&o);
		CHECK_EQ(fns[i](m, 1, argv, &o, err, sizeof(err)), -1);
		CHECK(strstr(err, "takes no arguments") != NULL);
		view_out_free(&o);
	}
	mm_machine_destroy(m);
}

/* A minimal JSON checker: one value, RFC 8259 grammar. */
static const char *json_skip_ws(const char *p)
{
	while (*p == ' ' || *p == '\n' || *p == '\t' || *p == '\r')
		p++;
	return p;
}
static const char *json_check_value(const char *p);
static const char *json_check_string(const char *p)
{
	if (*p++ != '"')
		return NULL;
	while (*p && *p != '"') {
		if ((unsigned char)*p < 0x20)
			return NULL;
		if (*p == '\\') {
			p++;
			if (*p == 'u') {
				for (int i = 1; i <= 4; i++)
					if (!strchr("0123456789abcdefABCDEF", p[i]) || !p[i])
						return NULL;
				p += 4;
			} else if (!*p || !strchr("\"\\/bfnrt", *p)) {
				return NULL;
			}
		}
		p++;
	}
	return *p == '"' ? p + 1 : NULL;
}
static const char *json_check_value(const char *p)
{
	p = json_skip_ws(p);
	if (*p == '{') {
		p = json_skip_ws(p + 1);
		if (*p == '}')
			return p + 1;
		for (;;) {
			p = json_check_string(json_skip_ws(p));
			if (!p)
				return NULL;
			p = json_skip_ws(p);
			if (*p++ != ':')
				return NULL;
			p = json_check_value(p);
			if (!p)
				return NULL;
			p = json_skip_ws(p);
			if (*p == '}')
				return p + 1;
			if (*p++ != ',')
				return NULL;
		}
	}
	if (*p == '"')
		return json_check_string(p);
	if (*p == '-')
		p++;
	if (*p < '0' || *p > '9')
		return NULL;
	while (*p >= '0' && *p <= '9')
		p++;
	return p;
}

TEST(views_json)
{
	struct mm_machine *m = boot("x86_64", 0, 1);
	CHECK(m != NULL);
	if (!m)
		return;
	/* zoneinfo takes zone names (zoneinfo_zone_filter checks it). */
	view_render_fn fns[] = { view_meminfo, view_vmstat, view_buddyinfo, view_pagetypeinfo,
				 view_dmesg };
	for (size_t i = 0; i < sizeof(fns) / sizeof(fns[0]); i++) {
		struct view_out o;
		test_view_render(m, fns[i], &o);
		struct strbuf j = STRBUF_INIT;
		view_to_json(&o, &j);
		const char *end = json_check_value(sb_str(&j));
		CHECK(end != NULL && *end == '\0');
		CHECK(o.nr_fields > 0);
		sb_free(&j);
		view_out_free(&o);
	}
	/* Nested as the paths say. */
	struct view_out o;
	test_view_render(m, view_buddyinfo, &o);
	struct strbuf j = STRBUF_INIT;
	view_to_json(&o, &j);
	const char *head = "{\n  \"DMA\": {\n    \"0\": 0,\n";
	CHECK(strncmp(sb_str(&j), head, strlen(head)) == 0);
	sb_free(&j);
	view_out_free(&o);
	mm_machine_destroy(m);
}

/* `show zoneinfo DMA32` prints that zone alone (an mmsim filter; the plain
 * view is Linux's whole file), and an unknown zone is refused by name. */
TEST(zoneinfo_zone_filter)
{
	struct mm_machine *m = test_boot("x86_64", 128 * MM_MB, 1, 0);
	struct view_out o;
	char err[256] = "";
	const char *one[] = { "DMA32" };
	view_out_init(&o);
	CHECK_EQ(view_zoneinfo(m, 1, one, &o, err, sizeof(err)), 0);
	CHECK(strstr(sb_str(&o.text), "Node 0, zone    DMA32\n") != NULL);
	CHECK(strstr(sb_str(&o.text), "Node 0, zone      DMA\n") == NULL);
	CHECK(strstr(sb_str(&o.text), "Node 0, zone   Normal\n") == NULL);
	view_out_free(&o);
	const char *bad[] = { "Highmem" };
	view_out_init(&o);
	CHECK(view_zoneinfo(m, 1, bad, &o, err, sizeof(err)) != 0);
	CHECK(strstr(err, "no zone 'Highmem'") != NULL);
	view_out_free(&o);
	mm_machine_destroy(m);
}

int main(void)
{
	RUN(zoneinfo_zone_filter);
	RUN(meminfo_layout);
	RUN(meminfo_matches_host_layout);
	RUN(meminfo_values);
	RUN(meminfo_i386_highmem);
	RUN(meminfo_toy);
	RUN(vmstat_layout_and_values);
	RUN(vmstat_events_and_units);
	RUN(buddyinfo_layout);
	RUN(buddyinfo_sums_to_memfree);
	RUN(pagetypeinfo_layout);
	RUN(zoneinfo_layout);
	RUN(zoneinfo_i386);
	RUN(vmallocinfo_phys_width);
	RUN(dmesg_log);
	RUN(views_reject_arguments);
	RUN(views_json);
	return test_summary();
}
