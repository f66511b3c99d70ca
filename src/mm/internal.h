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
/* (mm_init.c: sizing the zones at boot; page_alloc.c: buddy lists, the
 *  allocation and free paths;
 *  page_alloc_pcp.c: per-CPU lists; watermark.c: watermarks, lowmem_reserve,
 *  MemAvailable; show_mem.c: the allocation-failure report; sysctl.c: the
 *  vm.* tunables of this layer; debug.c: the checker.) */

/* alloc_flags: how hard an allocation may dig (Linux's mm/internal.h values;
 * the low two bits index zone->_watermark[]). */
#define ALLOC_WMARK_MIN WMARK_MIN
#define ALLOC_WMARK_LOW WMARK_LOW
#define ALLOC_WMARK_HIGH WMARK_HIGH
#define ALLOC_NO_WATERMARKS 0x04u /* ignore watermarks (__GFP_MEMALLOC) */
#define ALLOC_WMARK_MASK (ALLOC_NO_WATERMARKS - 1)
#define ALLOC_OOM 0x08u           /* OOM victim: more of the reserve */
#define ALLOC_NON_BLOCK 0x10u     /* cannot reclaim: min - min/4 more */
#define ALLOC_MIN_RESERVE 0x20u   /* __GFP_HIGH: min/2 of the reserve */
#define ALLOC_CPUSET 0x40u
#define ALLOC_CMA 0x80u           /* may use MIGRATE_CMA pageblocks */
#define ALLOC_NOFRAGMENT 0x100u   /* fall back by whole pageblocks only */
#define ALLOC_HIGHATOMIC 0x200u   /* may use (and create) HIGHATOMIC reserves */
#define ALLOC_KSWAPD 0x800u       /* may wake kswapd (= __GFP_KSWAPD_RECLAIM) */
#define ALLOC_RESERVES (ALLOC_NON_BLOCK | ALLOC_MIN_RESERVE | ALLOC_HIGHATOMIC | ALLOC_OOM)

/* Size the zones from the arch's boundaries and memblock; set up free areas
 * and pageblock types, print the "Zone ranges:" block. Called after mem_map
 * exists, before memblock_free_all. 0 or -ENOMEM (reason in last_error). */
int free_area_init(struct mm_kernel *k);
/* Free the zones' host-side arrays (pageblock types) at machine teardown. */
void free_area_fini(struct mm_kernel *k);
/* Free one naturally aligned block of 2^order boot pages into the buddy
 * (memblock_free_all); counts it in managed_pages and totalram_pages. */
void __free_pages_core(struct mm_kernel *k, struct page *page, unsigned order);
/* Compute min_free_kbytes (unless the user set it), watermarks,
 * lowmem_reserve and per-CPU batch/high. Called at boot. */
void init_per_zone_wmark_min(struct mm_kernel *k);
/* Watermarks from min_free_kbytes, then totalreserve_pages and pcp sizes. */
void setup_per_zone_wmarks(struct mm_kernel *k);
/* lowmem_reserve[] from the ratios, then totalreserve_pages. */
void setup_per_zone_lowmem_reserve(struct mm_kernel *k);

/* Allocate 2^order pages on CPU 0; NULL on failure (reason in last_error,
 * warning in the log unless __GFP_NOWARN). The head page has refcount 1. */
struct page *alloc_pages(struct mm_kernel *k, gfp_t gfp, unsigned order);
/* As alloc_pages, on a chosen CPU's per-CPU lists. */
struct page *alloc_pages_cpu(struct mm_kernel *k, gfp_t gfp, unsigned order, unsigned cpu);
/* Drop a reference; frees the block when it was the last (Linux's
 * __free_pages). Bad pages are reported and leaked, never freed. */
void __free_pages(struct mm_kernel *k, struct page *page, unsigned order);
void free_pages_cpu(struct mm_kernel *k, struct page *page, unsigned order, unsigned cpu);
/* Allocate bypassing the per-CPU lists (straight from the buddy lists). */
struct page *alloc_pages_nopcp(struct mm_kernel *k, gfp_t gfp, unsigned order);
void free_pages_nopcp(struct mm_kernel *k, struct page *page, unsigned order);
/* Return every per-CPU page to the buddy lists. */
void drain_all_pages(struct mm_kernel *k);
/* Return one CPU's pages of one zone to the buddy lists. */
void drain_pages_zone(struct mm_kernel *k, unsigned cpu, struct zone *z);

/* The zone a page belongs to (at most a few boundary compares); NULL if
 * the page is outside every zone. */
struct zone *page_zone(const struct mm_kernel *k, const struct page *page);
struct zone *pfn_zone(const struct mm_kernel *k, mm_pfn_t pfn);
int get_pageblock_migratetype(const struct zone *z, mm_pfn_t pfn);
/* Set a pageblock's type (no free-list movement: see move_freepages_block). */
void set_pageblock_migratetype(struct zone *z, mm_pfn_t pfn, int mt);
/* Move the free blocks of pfn's pageblock to the lists of new_mt and set
 * the pageblock's type (CMA and isolation use this). Returns the pages
 * moved, or -1 if the pageblock straddles the zone's edge. */
long move_freepages_block(struct zone *z, mm_pfn_t pfn, int new_mt);
/* Highest zone the gfp's zone modifiers allow on this machine (Linux's
 * GFP_ZONE_TABLE, with absent zones mapped to Normal). */
enum zone_type gfp_zone(const struct mm_kernel *k, gfp_t gfp);
/* MIGRATE_UNMOVABLE / MOVABLE / RECLAIMABLE from __GFP_MOVABLE/RECLAIMABLE. */
int gfp_migratetype(gfp_t gfp);
/* Linux's __zone_watermark_ok with the zone's NR_FREE_PAGES. */
bool zone_watermark_ok(struct zone *z, unsigned order, uint64_t mark,
		       int highest_zoneidx, unsigned alloc_flags);
/* NR_FREE_PAGES of a zone: pages on its buddy lists, isolated pageblocks
 * and per-CPU lists excluded (as Linux's MemFree excludes them). */
uint64_t zone_page_state_free(const struct zone *z);
/* Pages sitting on the zone's per-CPU lists, all CPUs. */
uint64_t zone_pcp_pages(const struct mm_kernel *k, const struct zone *z);
/* Sum of NR_FREE_PAGES over the zones: MemFree. */
uint64_t global_free_pages(const struct mm_kernel *k);
/* managed - high watermark over the zones GFP_USER may use. */
uint64_t nr_free_buffer_pages(const struct mm_kernel *k);
/* MemAvailable (Linux's si_mem_available), in pages. */
uint64_t si_mem_available(const struct mm_kernel *k);
/* Recompute every zone's per-CPU batch/high (after watermarks change). */
void zone_pcp_update_all(struct mm_kernel *k);
/* Print Linux's show_mem() block ("Mem-Info:" ...) for zones <= max_zone. */
void show_mem(struct mm_kernel *k, int max_zone);
extern const char *const migratetype_names[MIGRATE_TYPES];

/* The buddy of the 2^order block at pfn: the block it would merge with. */
static inline mm_pfn_t buddy_pfn_of(mm_pfn_t pfn, unsigned order)
{
	return pfn ^ (1ULL << order);
}

/* Internals shared by page_alloc.c, page_alloc_pcp.c and watermark.c. */
/* Where __rmqueue last found pages; a batch refill resumes there. */
enum rmqueue_mode { RMQUEUE_NORMAL, RMQUEUE_CMA, RMQUEUE_CLAIM, RMQUEUE_STEAL };
/* Take a 2^order block of type mt from the zone's buddy lists, falling back
 * to other types as Linux's __rmqueue does; NULL if none. */
struct page *__rmqueue(struct zone *z, unsigned order, int mt, unsigned alloc_flags,
		       enum rmqueue_mode *mode);
/* Put a block on the buddy lists (merging) under its pageblocks' types;
 * fpi 1 = to the list tail. No accounting of pgfree. */
void free_one_page(struct zone *z, struct page *page, mm_pfn_t pfn, unsigned order, unsigned fpi);
/* One block from cpu's per-CPU list, refilled from the buddy first if the
 * list is empty; NULL if the buddy has none either. */
struct page *rmqueue_pcplist_refill(struct zone *z, unsigned order, int mt, unsigned alloc_flags,
				    unsigned cpu);
/* cpu's lists reached pcp->high: give a batch back, list pindex first. */
void pcp_free_overflow(struct zone *z, unsigned cpu, int pindex);
/* zone_watermark_ok with the order-0 shortcut and the boost exception. */
bool zone_watermark_fast(struct zone *z, unsigned order, uint64_t mark, int highest_zoneidx,
			 unsigned alloc_flags);

/* ---- sysctl.c: vm.* tunables of the page allocator ------------------------ */

/* Set sysctl name ("vm.min_free_kbytes", ...) to vals[0..nvals), validate
 * as Linux's handler does, apply (recompute watermarks...). 0, -ENOENT for
 * an unknown name, -EINVAL with the reason in err. */
int mm_sysctl_set(struct mm_kernel *k, const char *name, const int64_t *vals, int nvals,
		  char *err, size_t errlen);
/* Read sysctl name into vals (at most maxvals). Returns the count, or
 * -ENOENT for an unknown name. */
int mm_sysctl_get(struct mm_kernel *k, const char *name, int64_t *vals, int maxvals,
		  char *err, size_t errlen);

/* A setting whose value is a word (transparent_hugepage=always|madvise|
 * never): 0, -EINVAL (reason in err), or -ENOENT when name is not one. */
int mm_sysctl_set_str(struct mm_kernel *k, const char *name, const char *val, char *err,
		      size_t errlen);
/* Its value as sysfs shows it ("always [madvise] never"), or NULL. */
const char *mm_sysctl_get_str(struct mm_kernel *k, const char *name);

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
/* A zeroed table for level lvl at *pa: from memblock during boot, then
 * from the page allocator (PG_table, counted in PageTables). false when out
 * of memory (PA 0 is a real frame on toy machines, hence the bool). */
bool pgtable_table_alloc(struct mm_kernel *k, unsigned lvl, mm_pa_t *pa);
/* Free a table pgtable_table_alloc gave after boot. */
void pgtable_table_free(struct mm_kernel *k, mm_pa_t pa, unsigned lvl);
/* Bytes a level-lvl table occupies (at least one page). */
uint64_t pgtable_table_bytes(const struct mm_kernel *k, unsigned lvl);

/* The flags of an entry that points at a lower table (Linux's _PAGE_TABLE;
 * PAE's PDPT entries may carry only P). */
static inline unsigned pgtable_table_entry_flags(const struct arch_profile *a, unsigned lvl)
{
	if (lvl == 0 && a->va_bits == 32 && a->pte_bytes == 8)
		return PTE_F_PRESENT;
	return PTE_F_PRESENT | PTE_F_WRITE | PTE_F_USER | PTE_F_ACCESSED | PTE_F_DIRTY;
}
/* A PS entry above the last level where the arch allows one (2M/4M/1G). */
static inline bool pgtable_entry_is_huge_leaf(const struct arch_profile *a, unsigned lvl,
					      unsigned flags)
{
	return lvl < a->nr_levels - 1 && (flags & PTE_F_HUGE) && a->level[lvl].huge_leaf_ok;
}
/* The physical address an entry points at (a table or a page). */
static inline mm_pa_t pgtable_entry_target_pa(const struct mm_kernel *k, mm_pte_t e)
{
	return (mm_pa_t)arch_pte_pfn(k->arch, e) << k->page_shift;
}

/* Read/write a PTE word stored in simulated RAM. */
mm_pte_t pte_read(const struct mm_kernel *k, mm_pa_t entry_pa);
void pte_write(struct mm_kernel *k, mm_pa_t entry_pa, mm_pte_t v);

/* ---- vma.c, mmap.c, pgtable_user.c: address spaces (mm_struct.h has the
 * system calls; these are the pieces the fault and process layers share) --- */

struct mm_struct;
struct vm_area_struct;
/* An object for one of the kernel's named slab caches (which: enum
 * kmem_named_cache) (mm_struct,
 * vm_area_struct...): in the slab object when the host struct fits in it,
 * else in host memory with the slab object standing for it (32-bit and
 * toy machines). NULL when out of memory. */
void *mm_object_alloc(struct mm_kernel *k, unsigned which, size_t size,
		      mm_va_t *slab_va, bool *in_host);
void mm_object_free(struct mm_kernel *k, unsigned which, void *obj,
		    mm_va_t slab_va, bool in_host);

/* Set the address-space tunables (vm.overcommit_*, vm.max_map_count,
 * vm.mmap_min_addr, stack_guard_gap, the admin/user reserves from free
 * memory). Called at the end of boot, once the buddy allocator is up. */
void mmap_init(struct mm_kernel *k);
/* Overcommit: charge pages to Committed_AS and check the policy; 0 or
 * -ENOMEM (the charge is undone on failure). */
int __vm_enough_memory(struct mm_struct *mm, int64_t pages, bool cap_sys_admin);
void vm_acct_memory(struct mm_kernel *k, int64_t pages);
void vm_unacct_memory(struct mm_kernel *k, int64_t pages);
/* CommitLimit and Committed_AS, in pages (meminfo). */
uint64_t vm_commit_limit(const struct mm_kernel *k);
uint64_t vm_memory_committed(const struct mm_kernel *k);
/* vma->vm_page_prot from its flags (write-notify for shared file maps). */
void vma_set_page_prot(struct vm_area_struct *vma);
/* Would len more bytes with these flags stay under RLIMIT_MEMLOCK? */
bool mlock_future_ok(const struct mm_struct *mm, uint64_t vm_flags, uint64_t len);
/* Unmap [start, end) (aligned); keep_accounted hands the VM_ACCOUNT charge
 * of the range to a replacement instead of uncharging it. 0 or -ENOMEM. */
int __do_munmap(struct mm_struct *mm, mm_va_t start, mm_va_t end, bool keep_accounted);

/* pgtable_user.c: a process's own page tables. A leaf PTE is 0, present
 * (P), PROT_NONE (P clear, G set: x86's _PAGE_PROTNONE), or else a swap
 * entry (swap entries must keep P and G clear). */
/* A PGD with the kernel half copied from init_mm, at *pgd_pa; 0 or -ENOMEM. */
int user_pgd_alloc(struct mm_kernel *k, mm_pa_t *pgd_pa);
void user_pgd_free(struct mm_kernel *k, mm_pa_t pgd_pa);
/* The entry mapping va into *entry: the last-level PTE slot, or a huge
 * leaf (*level says which level); false when a table on the way is
 * missing. (PA 0 is a valid frame on toy machines: hence the bool.) */
bool user_pte_lookup(struct mm_struct *mm, mm_va_t va, unsigned *level, mm_pa_t *entry);
/* The last-level PTE slot for va into *entry, allocating tables
 * (PageTables, VmPTE): 0, -ENOMEM, or -EEXIST when a huge leaf is in the way. */
int user_pte_alloc(struct mm_struct *mm, mm_va_t va, mm_pa_t *entry);
bool user_pte_present(const struct mm_kernel *k, mm_pte_t pte);  /* P or PROT_NONE */
bool user_pte_protnone(const struct mm_kernel *k, mm_pte_t pte);
/* The counted page behind a present PTE (NULL: zero page, reserved, no RAM). */
struct page *user_pte_page(const struct mm_kernel *k, mm_pte_t pte);
/* Which RSS counter a mapped page counts in (MM_ANONPAGES...). */
int mm_counter_of(const struct page *page);
/* A page table for level lvl for mm (counted in PageTables and VmPTE):
 * 0 or -ENOMEM; and its free. */
int user_pgtable_alloc(struct mm_struct *mm, unsigned lvl, mm_pa_t *pa);
void user_pgtable_free(struct mm_struct *mm, mm_pa_t pa, unsigned lvl);
/* The entry at level lvl that points at the table at table_pa. */
mm_pte_t user_table_entry(const struct mm_kernel *k, unsigned lvl, mm_pa_t table_pa);
/* The slot at level `target` for va (a PMD slot for a huge leaf),
 * allocating the tables above it: 0, -ENOMEM, -EEXIST (a huge leaf above). */
int user_entry_alloc(struct mm_struct *mm, mm_va_t va, unsigned target, mm_pa_t *entry);
/* Zap [start, end) of vma: clear PTEs, drop mapcounts, references (pages
 * freed with the last) and RSS; flush the TLB range. */
void unmap_page_range(struct mm_struct *mm, struct vm_area_struct *vma, mm_va_t start,
		      mm_va_t end);
/* Free the page tables overlapping [start, end) whose span lies inside
 * [floor, ceiling) (ceiling 0: no limit) and which are empty. */
void free_pgtables(struct mm_struct *mm, mm_va_t start, mm_va_t end, mm_va_t floor,
		   mm_va_t ceiling);
/* Rewrite present PTEs of [start, end) to vma->vm_page_prot (A/D kept;
 * write access given back only where no COW is due). Entries changed. */
uint64_t change_protection(struct mm_struct *mm, struct vm_area_struct *vma, mm_va_t start,
			   mm_va_t end);
/* Move the PTEs of [old, old+len) to [new, new+len): len, or -ENOMEM
 * (everything moved back). */
int64_t move_page_tables(struct mm_struct *mm, mm_va_t old_addr, mm_va_t new_addr, uint64_t len);
/* MADV_FREE's marking of the private anonymous pages in [start, end). */
void madvise_free_range(struct mm_struct *mm, struct vm_area_struct *vma, mm_va_t start,
			mm_va_t end);
/* Set (lock) or clear PG_mlocked on the present pages of [start, end). */
void mlock_pte_range(struct mm_struct *mm, struct vm_area_struct *vma, mm_va_t start,
		     mm_va_t end, bool lock);
/* The TLB hook: record [start, end) as to be flushed for mm (the TLB layer
 * takes it with mm_tlb_flush_take) and call mm->ops->flush_tlb_range. */
void mm_flush_tlb_range(struct mm_struct *mm, mm_va_t start, mm_va_t end);
bool mm_tlb_flush_take(struct mm_struct *mm, mm_va_t *start, mm_va_t *end);
/* Compare the RSS counters with what the page tables map; false (and a
 * report on stderr) on a mismatch. */
bool mm_check_rss(struct mm_struct *mm);

/* ---- vmstat.c: page states recomputed from the page descriptors --------- */

struct lru_pages {
	uint64_t inactive_anon, active_anon, inactive_file, active_file;
	uint64_t unevictable, write_pending, mlock;
	uint64_t anon_mapped, file_mapped; /* NR_ANON_MAPPED, NR_FILE_MAPPED */
};
/* Count zone z's LRU, mapped and mlocked pages by the flags Linux's
 * folio_lru_list reads (one pass over the zone's mem_map). */
void zone_lru_pages(const struct mm_kernel *k, const struct zone *z, struct lru_pages *c);

/* ---- page-writeback.c: dirty limits ----------------------------------------- */

/* The background and dirty thresholds in pages, from the given free pages
 * and file LRU pages (global_dirty_limits, vm.dirty_bytes unset). */
void global_dirty_limits(const struct mm_kernel *k, uint64_t free_pages, uint64_t file_lru,
			 uint64_t *bg, uint64_t *dirty);
/* The same from the machine's state now. */
void global_dirty_limits_now(const struct mm_kernel *k, uint64_t *bg, uint64_t *dirty);

/* ---- pgd_sync.c: kernel PGD entries copied into process PGDs ----------- */

/* Register the vmalloc hook that copies newly present kernel PGD entries
 * into every process PGD (i386 without PAE). After vmalloc_init. */
void pgd_sync_init(struct mm_kernel *k);

/* ---- debug.c: the invariant checker --------------------------------------- */

/* Check every invariant of the page allocator; prints each mismatch to
 * stderr and returns false if any. Run after every operation in debug builds. */
bool mm_check_invariants(struct mm_kernel *k);
/* One zone's free lists, per-CPU lists and their layout; false on mismatch. */
bool buddy_check_zone(struct mm_kernel *k, struct zone *z);
struct strbuf;
/* Two lines describing a page (refcount, mapcount, mapping, pfn, flags). */
void dump_page(const struct mm_kernel *k, const struct page *page, struct strbuf *sb);
/* Report a page in a state it must not be in (log + last_error). */
void bad_page(struct mm_kernel *k, struct page *page, const char *reason);

#endif
