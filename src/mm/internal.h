/*
 * internal.h - functions the mm files share, grouped by the file that
 * defines them. Nothing outside src/mm, src/proc and src/sim includes this.
 *
 * Conventions: functions return 0 or -errno; a failed allocation returns
 * NULL. Addresses carry their kind in the name (_pa, _va, _pfn).
 */
#ifndef MMSIM_MM_INTERNAL_H
#define MMSIM_MM_INTERNAL_H

#include <stdarg.h>

#include "mm/mm_types.h"
#include "mmsim/gfp.h"

/* ---- printk.c: the kernel log ------------------------------------------ */

/* Append one line to the log, "[seconds.micros] text". */
void printk(struct mm_kernel *k, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void printk_fini(struct printk_log *log);

/* ---- memblock.c: the boot-time allocator --------------------------------- */

void memblock_init(struct memblock *mb);
int memblock_add(struct memblock *mb, mm_pa_t base, uint64_t size);
/* Reserve [base, base+size) for name; overlapping reservations merge. */
int memblock_reserve(struct memblock *mb, mm_pa_t base, uint64_t size, const char *name);
/* Allocate size bytes aligned to align from the top of memory below
 * current_limit (Linux's default top-down policy); 0 on failure. */
mm_pa_t memblock_alloc(struct memblock *mb, uint64_t size, uint64_t align, const char *name);
bool memblock_is_reserved(const struct memblock *mb, mm_pa_t pa);
uint64_t memblock_reserved_size(const struct memblock *mb);
uint64_t memblock_phys_mem_size(const struct memblock *mb);
/* Hand every unreserved frame to the buddy allocator in max-order blocks;
 * returns the number of pages released. */
uint64_t memblock_free_all(struct mm_kernel *k);

/* ---- page_alloc.c: zones and the buddy allocator ------------------------- */

/* Size the zones from the arch's boundaries and RAM; set up free areas.
 * Called after mem_map exists, before memblock_free_all. */
int free_area_init(struct mm_kernel *k);
/* Free the zones' host-side arrays (pageblock types) at machine teardown. */
void free_area_fini(struct mm_kernel *k);
/* Free one block of 2^order boot pages into the buddy (memblock_free_all). */
void __free_pages_core(struct mm_kernel *k, struct page *page, unsigned order);
/* Compute min_free_kbytes (unless the user set it), watermarks,
 * lowmem_reserve and per-CPU batch/high. Called at boot and on sysctl. */
void init_per_zone_wmark_min(struct mm_kernel *k);
void setup_per_zone_wmarks(struct mm_kernel *k);
void setup_per_zone_lowmem_reserve(struct mm_kernel *k);

struct page *alloc_pages(struct mm_kernel *k, gfp_t gfp, unsigned order);
/* As alloc_pages, on a chosen CPU's per-CPU lists. */
struct page *alloc_pages_cpu(struct mm_kernel *k, gfp_t gfp, unsigned order, unsigned cpu);
void __free_pages(struct mm_kernel *k, struct page *page, unsigned order);
void free_pages_cpu(struct mm_kernel *k, struct page *page, unsigned order, unsigned cpu);
/* Allocate bypassing the per-CPU lists (straight from the buddy lists). */
struct page *alloc_pages_nopcp(struct mm_kernel *k, gfp_t gfp, unsigned order);
void free_pages_nopcp(struct mm_kernel *k, struct page *page, unsigned order);
/* Return every per-CPU page to the buddy lists. */
void drain_all_pages(struct mm_kernel *k);

struct zone *page_zone(const struct mm_kernel *k, const struct page *page);
int get_pageblock_migratetype(const struct zone *z, mm_pfn_t pfn);
void set_pageblock_migratetype(struct zone *z, mm_pfn_t pfn, int mt);
enum zone_type gfp_zone(const struct mm_kernel *k, gfp_t gfp);
int gfp_migratetype(gfp_t gfp);
bool zone_watermark_ok(struct zone *z, unsigned order, uint64_t mark,
		       int highest_zoneidx, unsigned alloc_flags);
uint64_t zone_page_state_free(const struct zone *z); /* buddy + pcp */
uint64_t global_free_pages(const struct mm_kernel *k);
uint64_t nr_free_buffer_pages(const struct mm_kernel *k);
uint64_t si_mem_available(const struct mm_kernel *k);
extern const char *const migratetype_names[MIGRATE_TYPES];

/* ---- pgtable.c: kernel page tables and the direct map -------------------- */

/* Build init_mm's top-level table and the direct map at boot. */
int kernel_pgtable_init(struct mm_kernel *k);
/* __pa/__va for direct-mapped addresses. */
mm_pa_t __pa(const struct mm_kernel *k, mm_va_t va);
mm_va_t __va(const struct mm_kernel *k, mm_pa_t pa);
bool virt_addr_valid(const struct mm_kernel *k, mm_va_t va);

/* One level of a software walk, for `show pagetable` and `translate`. */
struct pgtable_walk_step {
	unsigned level;     /* 0 = top */
	unsigned index;
	mm_pa_t table_pa;   /* the table this entry lives in */
	mm_pa_t entry_pa;   /* the entry itself */
	mm_pte_t entry;
	unsigned flags;     /* PTE_F_* */
	bool leaf;          /* last level, or a huge leaf */
};
struct pgtable_walk {
	unsigned nr_steps;
	struct pgtable_walk_step step[ARCH_MAX_LEVELS];
	bool mapped;
	mm_pa_t pa;         /* translation when mapped */
	uint64_t page_bytes;/* size of the leaf mapping */
};
/* Walk the tables rooted at pgd_pa for va without touching A/D bits. */
void pgtable_walk(const struct mm_kernel *k, mm_pa_t pgd_pa, mm_va_t va,
		  struct pgtable_walk *w);
/* Map [va, va+len) to [pa, ...) with flags using leaves of page_bytes;
 * allocates missing tables. 0 or -ENOMEM. */
int pgtable_map_range(struct mm_kernel *k, mm_pa_t pgd_pa, mm_va_t va, mm_pa_t pa,
		      uint64_t len, uint64_t page_bytes, unsigned flags);
/* Clear the entries for [va, va+len) (4K leaves only); tables stay. */
void pgtable_unmap_range(struct mm_kernel *k, mm_pa_t pgd_pa, mm_va_t va, uint64_t len);
/* Read/write a PTE word stored in simulated RAM. */
mm_pte_t pte_read(const struct mm_kernel *k, mm_pa_t entry_pa);
void pte_write(struct mm_kernel *k, mm_pa_t entry_pa, mm_pte_t v);

/* ---- debug.c: the invariant checker --------------------------------------- */

/* Check every invariant of the page allocator; prints each mismatch to
 * stderr and returns false if any. Run after every operation in debug builds. */
bool mm_check_invariants(struct mm_kernel *k);
bool buddy_check_zone(struct mm_kernel *k, struct zone *z);

#endif
