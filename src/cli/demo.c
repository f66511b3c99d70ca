/*
 * demo.c - `mmsim demo`: the built-in tour.
 *
 * The tour is a list of chapters, each a scenario in the language a user
 * writes, run on its own freshly booted machine and narrated with echo
 * lines. Every chapter also checks itself with expect lines, so the demo
 * can never show a story the model no longer tells (the test suite runs it).
 * The first chapters are written here; the later ones are examples/NAME.mms,
 * embedded at build time (cmake/embed_examples.cmake), so the demo and the
 * examples cannot drift apart.
 *
 *   mmsim demo            every chapter in order
 *   mmsim demo --list     the chapter names
 *   mmsim demo NAME...    only those chapters
 */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "mmsim/scenario.h"

struct demo_chapter {
	const char *name;
	const char *title;
	const char *script; /* NULL: the embedded example of the same name */
};

/* Generated from examples/NAME.mms (demo_examples.c in the build directory). */
struct demo_example {
	const char *name;
	const char *text;
};
extern const struct demo_example demo_examples[];

static const char *example_text(const char *name)
{
	for (const struct demo_example *e = demo_examples; e->name; e++)
		if (strcmp(e->name, name) == 0)
			return e->text;
	return NULL;
}

static const struct demo_chapter chapters[] = {
	{ "boot", "Booting a machine: memblock, zones and the buddy allocator",
	  "echo \"A default machine boots: x86_64, 128M of RAM, one CPU.\"\n"
	  "machine arch=x86_64 ram=128M cpus=1\n"
	  "echo \"\"\n"
	  "echo \"The boot log shows the firmware's memory map, the zone ranges and what\"\n"
	  "echo \"memblock reserved before the buddy allocator took over the rest:\"\n"
	  "show dmesg\n"
	  "echo \"\"\n"
	  "echo \"Memory is split in zones by physical address. On x86_64 DMA is the first\"\n"
	  "echo \"16M (old ISA devices), DMA32 the first 4G; this machine has no Normal zone.\"\n"
	  "echo \"Each zone keeps watermarks (min/low/high) and a reserve against\"\n"
	  "echo \"allocations that could have used a higher zone (protection):\"\n"
	  "show zoneinfo DMA32\n"
	  "echo \"\"\n"
	  "echo \"buddyinfo counts free blocks of each order (order n = 2^n pages):\"\n"
	  "show buddyinfo\n"
	  "echo \"\"\n"
	  "echo \"Take one order-5 block (32 pages, 128K). The allocator splits the\"\n"
	  "echo \"smallest free block that is large enough, halving it until it has an\"\n"
	  "echo \"order-5 piece; each unused half goes back on the free list of its order.\"\n"
	  "alloc_pages 5 gfp=GFP_KERNEL -> $p\n"
	  "show buddyinfo\n"
	  "echo \"\"\n"
	  "echo \"Freeing it merges it with its buddy (pfn ^ 32) and on up, as long as\"\n"
	  "echo \"each buddy is free: the free lists are back where they were.\"\n"
	  "free_pages $p 5\n"
	  "show buddyinfo\n"
	  "expect meminfo.MemTotal > 100M\n" },
	{ "slab", "The kernel's small objects: slab caches and kmalloc",
	  "machine arch=x86_64 ram=128M\n"
	  "echo \"The page allocator hands out whole pages; the kernel's own objects are\"\n"
	  "echo \"small. SLUB carves pages (slabs) into equal objects, one cache per size.\"\n"
	  "echo \"kmalloc rounds a request up to a size class: 8 16 32 64 96 128 192 256 ...\"\n"
	  "kmalloc 20 -> $a\n"
	  "ksize $a\n"
	  "kmalloc 100 -> $b\n"
	  "ksize $b\n"
	  "kmalloc 150 -> $c\n"
	  "ksize $c\n"
	  "expect slabinfo.kmalloc-32.inuse >= 1\n"
	  "expect slabinfo.kmalloc-128.inuse >= 1\n"
	  "expect slabinfo.kmalloc-192.inuse >= 1\n"
	  "echo \"\"\n"
	  "echo \"Each object is found again from its address alone: kfree needs no size,\"\n"
	  "echo \"the page descriptor of the object's frame names its cache.\"\n"
	  "kfree $b\n"
	  "show slabinfo kmalloc-32 kmalloc-128 kmalloc-192 vm_area_struct task_struct\n"
	  "echo \"\"\n"
	  "echo \"Slab pages count in meminfo as Slab = SReclaimable + SUnreclaim:\"\n"
	  "echo \"\"\n"
	  "expect meminfo.Slab > 0\n" },
	{ "slub-debug", "Catching a buggy kernel: SLUB red zones and poisoning",
	  "echo \"Booted with slub_debug=FZPU, every kmalloc object is surrounded by red\"\n"
	  "echo \"zones (0xcc), filled with poison when free (0x6b), and tracked.\"\n"
	  "machine arch=x86_64 ram=128M slub_debug=FZPU\n"
	  "kmalloc 50 -> $p\n"
	  "echo \"Bytes 50..63 of a 50-byte request are red zone too: write one of them.\"\n"
	  "kwrite $p+50 \"!\"\n"
	  "kfree $p\n"
	  "expect slabinfo.kmalloc-64.errors == 1\n"
	  "echo \"The free was refused and the overwrite reported, as Linux reports it:\"\n"
	  "show dmesg\n" },
	{ "vmalloc", "vmalloc: virtually contiguous, physically scattered",
	  "machine arch=x86_64 ram=128M\n"
	  "echo \"A large kernel buffer need not be physically contiguous. vmalloc takes\"\n"
	  "echo \"single pages from the buddy allocator and maps them side by side in the\"\n"
	  "echo \"vmalloc area of the kernel's page tables, with an unmapped guard page after.\"\n"
	  "echo \"First fragment memory a little: take six pages, give back every other one.\"\n"
	  "alloc_pages 0 -> $p0\n"
	  "alloc_pages 0 -> $p1\n"
	  "alloc_pages 0 -> $p2\n"
	  "alloc_pages 0 -> $p3\n"
	  "alloc_pages 0 -> $p4\n"
	  "alloc_pages 0 -> $p5\n"
	  "free_pages $p1 0\n"
	  "free_pages $p3 0\n"
	  "free_pages $p5 0\n"
	  "vmalloc 64K -> $v\n"
	  "echo \"The PFNs behind its first pages are wherever free pages were (the holes\"\n"
	  "echo \"just made among them), yet the virtual addresses are contiguous.\"\n"
	  "vmalloc_to_page $v\n"
	  "vmalloc_to_page $v+4K\n"
	  "vmalloc_to_page $v+8K\n"
	  "vmalloc_to_page $v+12K\n"
	  "echo \"and the guard page after it, which is not mapped (0):\"\n"
	  "vmalloc_to_page $v+64K -> $g\n"
	  "expect $g == 0\n"
	  "show vmallocinfo\n"
	  "show pagetable kernel $v+4K\n"
	  "expect meminfo.VmallocUsed == 64K\n"
	  "vfree $v\n" },
	{ "highmem", "High memory on i386: kmap and the PKMAP window",
	  "echo \"A 32-bit kernel maps only the first 896M of RAM (its direct map).\"\n"
	  "echo \"The rest is HighMem: to touch such a page the kernel maps it for a\"\n"
	  "echo \"moment in the PKMAP window (kmap) or a per-CPU fixmap slot (kmap_local).\"\n"
	  "machine arch=i386 ram=2G\n"
	  "expect meminfo.HighTotal > 1G\n"
	  "alloc_pages 0 gfp=GFP_HIGHUSER -> $h\n"
	  "alloc_pages 0 gfp=GFP_KERNEL -> $l\n"
	  "echo \"A lowmem page needs no slot: kmap returns its direct-map address.\"\n"
	  "kmap $l -> $lv\n"
	  "expect $lv == 0xC0000000+$l*4K\n"
	  "kunmap $l\n"
	  "echo \"A HighMem page gets a PKMAP slot just below the fixmap:\"\n"
	  "kmap $h -> $hv\n"
	  "expect $hv >= 0xFF400000\n"
	  "show pagetable kernel $hv\n"
	  "kunmap $h\n"
	  "kmap_local $h -> $a\n"
	  "kunmap_local $a\n"
	  "free_pages $h 0\n"
	  "free_pages $l 0\n" },
	{ "layout", "A process's address space: text, data, bss, heap, mmap area, stack", NULL },
	{ "demand-paging", "Demand paging: mapped is not resident", NULL },
	{ "zero-page", "The zero page: reading memory nobody wrote costs nothing", NULL },
	{ "fork-cow", "fork and copy-on-write", NULL },
	{ "file-mapping", "A file mapping: major faults, the page cache, readahead", NULL },
	{ "tlb-walk", "The MMU: a page walk explained, the TLB, ASIDs and shootdowns", NULL },
	{ "hugepages", "Huge pages: the hugetlb pool and transparent huge pages", NULL },
};

static void list_chapters(void)
{
	for (size_t i = 0; i < sizeof(chapters) / sizeof(chapters[0]); i++)
		printf("%-14s %s\n", chapters[i].name, chapters[i].title);
}

static int run_chapter(const struct demo_chapter *c, unsigned nr)
{
	printf("\n=== Chapter %u: %s ===\n\n", nr, c->title);
	fflush(stdout);
	struct scenario *s = scenario_create(stdout, stderr);
	char name[64];
	const char *script = c->script ? c->script : example_text(c->name);
	if (c->script)
		snprintf(name, sizeof(name), "<demo:%s>", c->name);
	else
		snprintf(name, sizeof(name), "examples/%s.mms", c->name);
	int st = script ? scenario_run_string(s, script, name) : SCENARIO_ERROR;
	if (!script)
		fprintf(stderr, "mmsim demo: chapter '%s' was not built in\n", c->name);
	scenario_destroy(s);
	return st;
}

int cli_demo(int argc, char **argv)
{
	size_t n = sizeof(chapters) / sizeof(chapters[0]);
	if (argc > 1 && (strcmp(argv[1], "--list") == 0 || strcmp(argv[1], "-l") == 0)) {
		list_chapters();
		return CLI_OK;
	}
	int worst = CLI_OK;
	if (argc <= 1) {
		for (size_t i = 0; i < n; i++) {
			int st = run_chapter(&chapters[i], (unsigned)i + 1);
			worst = st > worst ? st : worst;
		}
		return worst;
	}
	for (int a = 1; a < argc; a++) {
		size_t i = 0;
		while (i < n && strcmp(chapters[i].name, argv[a]) != 0)
			i++;
		if (i == n) {
			fprintf(stderr, "mmsim demo: no chapter '%s'; chapters are:\n", argv[a]);
			list_chapters();
			return CLI_USAGE;
		}
		int st = run_chapter(&chapters[i], (unsigned)i + 1);
		worst = st > worst ? st : worst;
	}
	return worst;
}
