/*
 * mm_types.h - the kernel's memory-management objects: struct page, zones,
 * the node, memblock, and struct mm_kernel that owns them for one machine.
 *
 *   mm_kernel
 *     ├── memblock            boot-time regions: memory[] and reserved[]
 *     ├── mem_map[]           one struct page per frame (in simulated RAM,
 *     │                       allocated from memblock, like Linux's vmemmap)
 *     ├── node.zones[]        DMA, DMA32 | Normal | HighMem, Movable
 *     │     └── zone: free_area[order].free_list[migratetype],
 *     │               watermarks, lowmem_reserve[], pageblock types,
 *     │               per-CPU page lists (pcp[cpu])
 *     ├── vmstat counters     Linux's names (vmstat.h)
 *     └── printk log          what `show dmesg` prints
 *
 * There is no global state: everything hangs off struct mm_kernel, which the
 * machine embeds, so two machines in one process never meet.
 */
#ifndef MMSIM_MM_TYPES_H
#define MMSIM_MM_TYPES_H

#include "arch/arch.h"
#include "hw/phys.h"
#include "include/list.h"
#include "mm/vmstat.h"
#include "mmsim/types.h"

#define MAX_ORDER_LIMIT 10 /* largest MAX_PAGE_ORDER of any arch (Linux 6.x: 10) */
#define NR_ORDERS_LIMIT (MAX_ORDER_LIMIT + 1)
#define MM_MAX_CPUS 64

/* ---- struct page ------------------------------------------------------ */

/*
 * Page flags. Linux's names; PG_buddy is a page type in Linux (kept in
 * page_type), a flag bit here. A zeroed struct page is a valid "nothing" page:
 * only the head page of a free buddy block is written, so mem_map for a large
 * RAM costs host memory only where blocks begin.
 */
enum pageflags {
	PG_locked,
	PG_referenced,
	PG_uptodate,
	PG_dirty,
	PG_lru,
	PG_active,
	PG_workingset,
	PG_slab,
	PG_reserved,
	PG_private,
	PG_writeback,
	PG_head,      /* first page of a compound (__GFP_COMP) allocation */
	PG_tail,      /* other pages of a compound allocation */
	PG_swapbacked,
	PG_unevictable,
	PG_mlocked,
	PG_buddy,     /* free, on a buddy free list; private = order */
	PG_pcp,       /* free, on a per-CPU list; private = order */
	PG_table,     /* a page-table page */
	PG_anon,      /* mapping points at an anon_vma (Linux: PAGE_MAPPING_ANON) */
	PG_zero,      /* the shared zero page */
	PG_guard,     /* poisoned on free (debug) */
	PG_readahead, /* page cache: reaching it starts the next async readahead */
	PG_hugetlb,   /* head of a hugetlb pool page (Linux: the hugetlb page type) */
	NR_PAGEFLAGS
};

/*
 * Layout (56 bytes on LP64, at most 64: see docs/struct-page.md):
 *   flags     8  PG_* bits
 *   _refcount 4  references; 0 = free
 *   _mapcount 4  PTEs mapping the page (0-based here; Linux stores -1-based)
 *   private   8  buddy/pcp: order; compound head: order; later: swap entry
 *   lru      16  buddy free list, pcp list, or LRU list link
 *   mapping   8  address_space or anon_vma; compound tail: its head page
 *   index     8  offset in the file (pages), or linear index for anon pages
 */
struct page {
	uint64_t flags;
	int32_t _refcount;
	int32_t _mapcount;
	uint64_t private;
	struct list_head lru;
	void *mapping;
	uint64_t index;
};

_Static_assert(sizeof(struct page) <= 64, "struct page must stay within 64 bytes");

static inline bool PageFlag(const struct page *p, enum pageflags f)
{
	return (p->flags >> f) & 1;
}
static inline void SetPageFlag(struct page *p, enum pageflags f)
{
	p->flags |= 1ULL << f;
}
static inline void ClearPageFlag(struct page *p, enum pageflags f)
{
	p->flags &= ~(1ULL << f);
}

/* ---- migrate types, free areas, zones --------------------------------- */

enum migratetype {
	MIGRATE_UNMOVABLE,
	MIGRATE_MOVABLE,
	MIGRATE_RECLAIMABLE,
	MIGRATE_PCPTYPES, /* the types that have per-CPU lists */
	MIGRATE_HIGHATOMIC = MIGRATE_PCPTYPES,
	MIGRATE_CMA,
	MIGRATE_ISOLATE,
	MIGRATE_TYPES
};

struct free_area {
	struct list_head free_list[MIGRATE_TYPES];
	uint64_t nr_free; /* blocks of this order, all types */
	uint64_t nr_free_mt[MIGRATE_TYPES]; /* blocks per type (for pagetypeinfo) */
};

enum zone_watermarks { WMARK_MIN, WMARK_LOW, WMARK_HIGH, WMARK_PROMO, NR_WMARK };

/* Per-CPU page lists in front of the buddy lists for small orders. */
#define PCP_MAX_ORDER 3 /* Linux: PAGE_ALLOC_COSTLY_ORDER */
#define NR_PCP_LISTS (MIGRATE_PCPTYPES * (PCP_MAX_ORDER + 1))
struct per_cpu_pages {
	int count;    /* pages (not blocks) on the lists */
	int high;     /* drain down to high when count exceeds it */
	int high_min, high_max;
	int batch;    /* pages moved to/from the buddy at once */
	struct list_head lists[NR_PCP_LISTS]; /* [order * MIGRATE_PCPTYPES + mt] */
};

struct zone {
	const char *name;        /* "DMA", "DMA32", "Normal", "HighMem", "Movable" */
	enum zone_type type;
	mm_pfn_t zone_start_pfn;
	uint64_t spanned_pages;  /* end_pfn - start_pfn */
	uint64_t present_pages;  /* RAM frames in the span */
	uint64_t managed_pages;  /* frames the buddy allocator owns */
	uint64_t cma_pages;      /* managed frames in CMA pageblocks */
	uint64_t _watermark[NR_WMARK];
	uint64_t watermark_boost;
	int64_t lowmem_reserve[MAX_NR_ZONES];
	uint64_t nr_free_pages;  /* NR_FREE_PAGES: buddy free pages (pcp excluded) */
	uint64_t nr_free_cma;
	uint64_t nr_reserved_highatomic;
	struct free_area free_area[NR_ORDERS_LIMIT];
	uint8_t *pageblock_mt;   /* migratetype per pageblock (host memory) */
	uint64_t nr_pageblocks;
	struct per_cpu_pages pcp[MM_MAX_CPUS];
	struct mm_kernel *k;
};

static inline bool zone_is_populated(const struct zone *z)
{
	return z->present_pages != 0;
}
static inline mm_pfn_t zone_end_pfn(const struct zone *z)
{
	return z->zone_start_pfn + z->spanned_pages;
}
static inline uint64_t zone_managed_pages(const struct zone *z)
{
	return z->managed_pages;
}
#define min_wmark_pages(z) ((z)->_watermark[WMARK_MIN] + (z)->watermark_boost)
#define low_wmark_pages(z) ((z)->_watermark[WMARK_LOW] + (z)->watermark_boost)
#define high_wmark_pages(z) ((z)->_watermark[WMARK_HIGH] + (z)->watermark_boost)

/* One NUMA node: mmsim models a single node 0. */
struct pglist_data {
	struct zone node_zones[MAX_NR_ZONES];
	int nr_zones;            /* highest populated zone index + 1 */
	mm_pfn_t node_start_pfn;
	uint64_t node_spanned_pages;
	uint64_t node_present_pages;
};

/* ---- memblock ------------------------------------------------------------ */

#define MEMBLOCK_MAX_REGIONS 128
struct memblock_region {
	mm_pa_t base;
	uint64_t size;
	char name[24]; /* why it is reserved, for dmesg ("kernel", "mem_map", ...) */
};
struct memblock_type {
	int cnt;
	struct memblock_region regions[MEMBLOCK_MAX_REGIONS];
};
struct memblock {
	struct memblock_type memory;
	struct memblock_type reserved;
	mm_pa_t current_limit; /* allocations stay below this (lowmem on i386) */
	bool released;         /* memblock_free_all has run: no more allocations */
};

/* ---- sysctls of this layer -------------------------------------------------- */

struct mm_sysctl {
	int64_t min_free_kbytes;
	int64_t user_min_free_kbytes; /* -1 until the user sets it */
	int64_t watermark_scale_factor; /* default 10 (0.1% of the zone) */
	int64_t watermark_boost_factor; /* default 15000 */
	int64_t lowmem_reserve_ratio[MAX_NR_ZONES];
	int64_t percpu_pagelist_high_fraction;
	/* The address space (mmap.c sets these in mmap_init). */
	int64_t overcommit_memory;      /* 0 heuristic, 1 always, 2 never */
	int64_t overcommit_ratio;       /* percent of RAM in CommitLimit (50) */
	int64_t overcommit_kbytes;      /* used instead of the ratio when set */
	int64_t max_map_count;          /* VMAs per mm (65530) */
	int64_t mmap_min_addr;          /* lowest MAP_FIXED address (65536) */
	int64_t admin_reserve_kbytes;   /* min(3% of free, 8M) at boot */
	int64_t user_reserve_kbytes;    /* min(3% of free, 128M) at boot */
	uint64_t stack_guard_gap;       /* bytes below a stack kept free (256 pages) */
	int64_t drop_caches;            /* the last value written to vm.drop_caches (filemap.c) */
};

/* ---- huge pages (hugetlb.c, huge_memory.c) ------------------------------- */

/* Linux's struct hstate for the one (default) huge page size: the PMD-level
 * leaf (2M on x86_64 and PAE, 4M on i386). Counts are in huge pages. */
struct hstate {
	unsigned order;                  /* 9 (2M) or 10 (4M); 0: no huge pages */
	uint64_t max_huge_pages;         /* vm.nr_hugepages as last set (persistent) */
	uint64_t nr_huge_pages;          /* HugePages_Total (surplus included) */
	uint64_t free_huge_pages;        /* HugePages_Free */
	uint64_t resv_huge_pages;        /* HugePages_Rsvd */
	uint64_t surplus_huge_pages;     /* HugePages_Surp */
	uint64_t nr_overcommit_huge_pages; /* vm.nr_overcommit_hugepages */
	struct list_head hugepage_freelist; /* free pool pages, by page->lru */
};

/* /sys/kernel/mm/transparent_hugepage/enabled */
enum thp_mode { THP_MADVISE, THP_ALWAYS, THP_NEVER };

/* ---- printk ---------------------------------------------------------------- */

struct printk_log {
	char *buf;      /* all lines, each "[    0.000000] text\n" */
	size_t len, cap;
};

/* ---- the kernel memory-management state of one machine --------------------- */

struct hw_cpu;
struct task_state;
struct simfs;
struct memory_state;

struct mm_kernel {
	const struct arch_profile *arch;
	struct phys_ram *ram;
	unsigned nr_cpus;
	uint64_t page_size;
	unsigned page_shift;
	unsigned max_order;        /* MAX_PAGE_ORDER of this machine */
	unsigned pageblock_order;

	struct memblock memblock;
	struct page *mem_map;      /* mem_map[pfn] */
	mm_pfn_t max_pfn;          /* first PFN past RAM */
	mm_pa_t mem_map_pa;        /* where mem_map lives (0: host memory, toy arch) */
	bool mem_map_in_host;
	mm_pfn_t max_low_pfn;      /* end of lowmem (direct-mapped) */
	struct pglist_data node;

	struct mm_sysctl sysctl;
	struct vm_event_state vm;  /* vmstat counters */
	uint64_t nr_pagetable_pages; /* meminfo PageTables (after boot) */
	int64_t vm_committed_as;   /* Committed_AS, pages (mmap.c's overcommit accounting) */
	struct list_head mmlist;   /* every mm_struct (Linux's init_mm.mmlist); mmap_init */
	uint64_t totalram_pages;   /* managed pages, all zones */
	uint64_t totalhigh_pages;
	uint64_t totalreserve_pages;
	bool page_group_by_mobility_disabled; /* RAM too small to group by mobility */

	/* Boot facts for dmesg's Memory: line (bytes). */
	uint64_t boot_kernel_code, boot_rwdata, boot_rodata, boot_init, boot_bss;

	/* Kernel page tables (pgtable.c). */
	mm_pa_t kernel_pgd_pa;     /* init_mm.pgd */
	uint64_t direct_map_bytes[3]; /* DirectMap4k, 2M/4M, 1G */

	/* Kernel object allocators (issue 3): each keeps its state behind one
	 * pointer, set up at boot by its *_init and freed by its *_fini. */
	struct slab_state *slab;         /* slab.c, slab_common.c: caches, kmalloc classes */
	struct vmalloc_state *vmalloc;   /* vmalloc.c: busy/free areas */
	struct highmem_state *highmem;   /* highmem.c: PKMAP and fixmap slots */
	struct percpu_state *percpu;     /* percpu.c: chunks */
	struct cma_state *cma;           /* cma.c: the reserved CMA area */
	/* meminfo counters those layers keep (pages unless named _bytes). */
	uint64_t nr_slab_reclaimable;    /* SReclaimable */
	uint64_t nr_slab_unreclaimable;  /* SUnreclaim */
	uint64_t nr_vmalloc_pages;       /* VmallocUsed */
	uint64_t nr_percpu_bytes;        /* Percpu */
	uint64_t nr_kernel_stack_bytes;  /* KernelStack */
	uint64_t totalcma_pages;         /* CmaTotal */

	struct hw_cpu *cpus;             /* the machine's CPUs (hw/cpu.h), nr_cpus of them */
	/* Issue 4: processes and files, each behind one pointer. */
	struct task_state *tasks;        /* kernel/task.c: every process, by name and pid */
	struct simfs *fs;                /* fs/simfs.c: the sandboxed files */
	struct page *zero_page;          /* memory.c: the shared zero page (PG_zero) */
	struct memory_state *memory;     /* memory.c, rmap.c: fault settings, rmap objects */
	struct hstate hstate;            /* hugetlb.c: the huge page pool (hugetlb_init) */
	enum thp_mode thp_enabled;       /* huge_memory.c: transparent_hugepage=... */

	struct printk_log log;
	uint64_t clock_ns;         /* simulated time: tick advances it */
	int debug_checks;          /* run the invariant checker after each op */
	char slub_debug[16];       /* slub_debug= boot option (machine config); slab.c parses it */
	char last_error[256];      /* why the last operation failed (for the CLI) */
};

static inline struct page *pfn_to_page(const struct mm_kernel *k, mm_pfn_t pfn)
{
	return &k->mem_map[pfn];
}
static inline mm_pfn_t page_to_pfn(const struct mm_kernel *k, const struct page *p)
{
	return (mm_pfn_t)(p - k->mem_map);
}
static inline bool pfn_valid(const struct mm_kernel *k, mm_pfn_t pfn)
{
	return pfn < k->max_pfn;
}
static inline void *page_to_host(const struct mm_kernel *k, const struct page *p)
{
	return phys_to_host(k->ram, (mm_pa_t)page_to_pfn(k, p) << k->page_shift);
}

#endif
