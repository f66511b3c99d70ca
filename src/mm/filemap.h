/*
 * filemap.h - the page cache: one struct address_space per file, holding
 * the file's cached pages in a radix tree (Linux's xarray) indexed by page
 * offset; readahead; dirty pages and their writeback; the VMAs that map a
 * file (i_mmap, for the reverse map of file pages).
 *
 *   simfile "data" (simfs.c: the bytes on "disk")
 *     └── address_space (filemap.c)
 *           ├── xa_head ──▶ xa_node (shift 6) ──▶ xa_node (shift 0) ──▶ struct page
 *           │               64 slots, marks        64 slots: pages at index
 *           │               (DIRTY, TOWRITE)       (shift 0 node) + slot
 *           │   nodes come from the "radix_tree_node" slab cache (slabinfo)
 *           ├── nrpages, ra (readahead state), mmap_miss
 *           └── i_mmap: every VMA with vm_file == this file, found by
 *               walking k->mmlist (mapping_for_each_vma)
 *
 * A page-cache page:
 *   page->mapping = the address_space, page->index = offset in pages,
 *   PG_uptodate once read, PG_lru (on the inactive file list), PG_dirty +
 *   the DIRTY mark while it differs from the disk, PG_readahead on the
 *   page whose access starts the next asynchronous readahead,
 *   _refcount = 1 (the cache's) + 1 per PTE mapping it + temporary refs,
 *   _mapcount = PTEs mapping it (kept by the fault/rmap code).
 *   Counted in vmstat nr_file_pages (meminfo Cached), nr_dirty (Dirty).
 *
 * Contracts for the fault handler (memory.c), msync/munmap (mmap layer)
 * and the process layer:
 *   - filemap_fault returns an uptodate page with one extra reference,
 *     which the caller's PTE takes over (or drops with put_page on
 *     failure). It counts vmstat pgmajfault itself, as Linux's does; the
 *     caller counts pgfault and the task's min_flt/maj_flt from *major.
 *   - A write fault on a shared file mapping calls set_page_dirty(page)
 *     (Linux's fault_dirty_shared_page) before making the PTE writable;
 *     zapping a PTE with D set should call set_page_dirty too (never set
 *     PG_dirty on a page-cache page directly: nr_dirty would drift).
 *   - Writeback (filemap_write_and_wait_range) write-protects and cleans
 *     the PTEs of every mapping of the page first (page_mkclean), so the
 *     next write through a shared mapping faults and dirties again.
 *
 * All functions take a mapping that belongs to a live simfile; they return
 * 0 or -errno and never crash on bad input.
 */
#ifndef MMSIM_MM_FILEMAP_H
#define MMSIM_MM_FILEMAP_H

#include <stdbool.h>
#include <stdint.h>

#include "mm/mm_types.h"
#include "mmsim/gfp.h"

typedef uint64_t pgoff_t;

struct simfile;
struct vm_area_struct;
struct mm_struct;
struct strbuf;

/* ---- the radix tree (Linux's xarray, 64 slots a node) ----------------------- */

#define XA_CHUNK_SHIFT 6
#define XA_CHUNK_SIZE (1u << XA_CHUNK_SHIFT)
#define XA_CHUNK_MASK (XA_CHUNK_SIZE - 1)
/* Indices beyond 2^48 pages are refused: no file is that large, and the
 * tree's shifts stay far from 64. */
#define XA_INDEX_LIMIT (1ULL << 48)

/* Marks (Linux's PAGECACHE_TAG_*): a bit per slot, propagated to the root. */
enum xa_mark { PAGECACHE_TAG_DIRTY, PAGECACHE_TAG_WRITEBACK, PAGECACHE_TAG_TOWRITE, XA_MAX_MARKS };

struct xa_node {
	unsigned char shift;     /* index bits below this node: 0 = slots are entries */
	unsigned char offset;    /* slot in the parent */
	unsigned char count;     /* non-NULL slots */
	unsigned char nr_values; /* value (shadow) entries among them */
	struct xa_node *parent;  /* NULL at the root */
	void *slots[XA_CHUNK_SIZE];
	uint64_t marks[XA_MAX_MARKS];
	mm_va_t slab_va;         /* its radix_tree_node slab object */
	bool in_host;            /* the struct lives in host memory (no room in the object) */
};

/* Entries: a page pointer, or a value (Linux's xa_mk_value: workingset
 * shadows). Node pointers are tagged internally and never seen by callers. */
static inline void *xa_mk_value(uint64_t v) { return (void *)(uintptr_t)((v << 1) | 1); }
static inline bool xa_is_value(const void *entry) { return (uintptr_t)entry & 1; }
static inline uint64_t xa_to_value(const void *entry) { return (uintptr_t)entry >> 1; }

/* ---- readahead state (Linux's struct file_ra_state) --------------------------- */

#define VM_READAHEAD_PAGES_BYTES (128 * 1024) /* ra_pages default: 128K */
#define MMAP_LOTSAMISS 100                     /* mmap_miss above this: no read-around */

struct file_ra_state {
	pgoff_t start;         /* first page of the current window */
	unsigned size;         /* pages in it */
	unsigned async_size;   /* start the next window when this many remain unread */
	unsigned ra_pages;     /* the largest window (bdi->ra_pages: 32 pages of 4K) */
	unsigned mmap_miss;    /* page-cache misses of mmap faults (read-around gives up) */
	int64_t prev_pos;      /* byte position of the last read(), -1: none */
};

/* ---- struct address_space ------------------------------------------------------- */

struct address_space {
	struct mm_kernel *k;
	struct simfile *host;   /* the file whose pages these are */
	void *xa_head;          /* NULL, the entry at index 0, or the root node (tagged) */
	unsigned head_marks;    /* marks of a lone entry in xa_head (Linux: xa_flags) */
	uint64_t nrpages;       /* pages in the cache (value entries excluded) */
	uint64_t nr_values;     /* shadow entries */
	uint64_t nr_nodes;      /* radix tree nodes allocated */
	uint64_t nrdirty;       /* pages with the DIRTY mark (= accounted in nr_dirty) */
	struct file_ra_state ra;/* one per file here (Linux: one per open file) */
	unsigned io_pages;      /* bdi->io_pages: WILLNEED's limit (32 pages of 4K) */
	gfp_t gfp_mask;         /* GFP_HIGHUSER_MOVABLE */
	uint64_t dirtied_when;  /* k->clock_ns when the first page got dirty (flusher) */
	int wb_err;             /* the last writeback error, -errno (0: none) */
	/* Statistics (file show): pages read from disk by a fault, by readahead,
	 * pages written back, lookups that hit / missed. */
	uint64_t nr_read_fault, nr_read_ra, nr_written, nr_hits, nr_misses;
};

/* Set up an empty cache for host (machine kernel k). */
void address_space_init(struct address_space *mapping, struct mm_kernel *k, struct simfile *host);
/* Drop every page (truncate_inode_pages_final): mapped pages are removed
 * from the cache but stay with their PTEs (freed when unmapped); dirty
 * data is discarded. Frees every node. */
void address_space_fini(struct address_space *mapping);

/* ---- lookups and insertion --------------------------------------------------------- */

/* The page at index with one more reference, or NULL (value entries are
 * not pages: NULL). Linux's find_get_page. */
struct page *find_get_page(struct address_space *mapping, pgoff_t index);
/* The entry at index without taking a reference (page, value, or NULL). */
void *filemap_get_entry(struct address_space *mapping, pgoff_t index);
/* A new page for mapping's cache (mapping->gfp_mask), refcount 1; NULL. */
struct page *page_cache_alloc(struct address_space *mapping);
/* Insert page (refcount >= 1, not in any cache) at index and put it on the
 * (inactive file) LRU: page->mapping/index set, the cache takes its own
 * reference, nr_file_pages + 1. 0, -EEXIST (a page is there; a shadow
 * entry is replaced), -ENOMEM (no tree node). */
int add_to_page_cache_lru(struct page *page, struct address_space *mapping, pgoff_t index,
			  gfp_t gfp);
/* Take page out of its cache (it must not be mapped or dirty-accounted is
 * cleared): mapping cleared, LRU/uptodate/readahead flags dropped, the
 * cache's reference put. Linux's filemap_remove_folio + folio_put. */
void delete_from_page_cache(struct page *page);
/* The address_space of a page-cache page, or NULL for any other page
 * (anonymous, slab, free, page table, zero page...). */
struct address_space *page_file_mapping(const struct mm_kernel *k, const struct page *page);
/* Get/put a reference on any allocated page (put frees with the last). */
void get_page(struct page *page);
void put_page(struct mm_kernel *k, struct page *page);

/* Fault-around's lookup (filemap_map_pages / next_uptodate_folio): the
 * cached uptodate pages with index in [start, end], skipping PG_readahead
 * pages (their fault must start readahead) and pages at or past EOF. Each
 * is returned with one more reference (the PTE's, as for filemap_fault).
 * Writes at most max pages, in index order; returns how many. Lowers
 * ra.mmap_miss by the pages found, as Linux does. */
unsigned filemap_get_uptodate_pages(struct address_space *mapping, pgoff_t start, pgoff_t end,
				    struct page **pages, unsigned max);

/* ---- faults ------------------------------------------------------------------------- */

/*
 * The page of vma->vm_file at page offset pgoff, for a fault in vma
 * (Linux's filemap_fault): a cached page is a minor fault; an uncached one
 * is read from the disk (*major = true, vmstat pgmajfault + 1) with
 * read-around (mmap_readahead_sync) unless VM_RAND_READ; a cached page
 * marked PG_readahead starts the next window (mmap_readahead_async).
 * Returns 0 with *pagep (uptodate, one more reference), -EFAULT for SIGBUS
 * (pgoff at or past DIV_ROUND_UP(i_size, PAGE_SIZE), or a read error), or
 * -ENOMEM (VM_FAULT_OOM).
 */
int filemap_fault(struct vm_area_struct *vma, pgoff_t pgoff, struct page **pagep, bool *major);
/* (The file page offset of a user address: rmap.h's linear_page_index.) */

/* ---- readahead (Linux's mm/readahead.c) --------------------------------------------------- */

/* Read nr_to_read pages from index into the cache, skipping cached ones
 * and stopping at EOF; the page lookahead_size before the end gets
 * PG_readahead. Pages read, or -ENOMEM if none could be allocated. */
int64_t page_cache_ra_unbounded(struct address_space *mapping, pgoff_t index,
				uint64_t nr_to_read, uint64_t lookahead_size);
/* A miss at index while reading req_count pages (ondemand readahead's
 * synchronous start: initial window from the request size). */
void page_cache_sync_ra(struct address_space *mapping, struct file_ra_state *ra, pgoff_t index,
			uint64_t req_count);
/* A hit on a PG_readahead page at index: clear the mark, ramp the window
 * up and read the next one. */
void page_cache_async_ra(struct address_space *mapping, struct file_ra_state *ra,
			 struct page *page, pgoff_t index, uint64_t req_count);
/* POSIX_FADV_WILLNEED / MADV_WILLNEED (force_page_cache_ra): read up to
 * max(io_pages, ra_pages) pages from index in 2M chunks. Pages read. */
int64_t force_page_cache_readahead(struct address_space *mapping, pgoff_t index,
				   uint64_t nr_to_read);
/* madvise(MADV_WILLNEED) on [start, end) of a file VMA (vfs_fadvise of the
 * range's file bytes). 0, or -EBADF for an anonymous VMA. */
int filemap_madvise_willneed(struct vm_area_struct *vma, mm_va_t start, mm_va_t end);

/* ---- read and write through the cache (read(2) / write(2)) ------------------------------------- */

/* Copy len bytes at pos into buf, through the cache with ondemand readahead
 * (filemap_read). Bytes read (short at EOF), or -errno. */
int64_t filemap_read(struct address_space *mapping, uint64_t pos, void *buf, uint64_t len);
/* Copy buf into the cache at pos, growing i_size; the pages become dirty
 * (generic_perform_write). Bytes written, or -errno (-EFBIG, -ENOMEM). */
int64_t filemap_write(struct address_space *mapping, uint64_t pos, const void *buf, uint64_t len);

/* ---- dirty pages and writeback --------------------------------------------------------------- */

/* Mark a page dirty (folio_mark_dirty). A page-cache page newly dirtied is
 * accounted: DIRTY mark, vmstat nr_dirty + 1 and nr_dirtied + 1. Other
 * pages just get PG_dirty. True if the page was clean before. */
bool set_page_dirty(struct mm_kernel *k, struct page *page);
/* Write-protect and clean every PTE mapping the page-cache page (rmap walk
 * over i_mmap); true if any PTE was dirty (then the page is dirtied). */
bool page_mkclean(struct page *page);
/* Write the dirty pages with file bytes in [start, end] (inclusive, as
 * Linux's) to the disk and wait: PTEs cleaned, PG_dirty cleared, nr_dirty
 * down, nr_written and pgpgout up. 0, or the first -errno. */
int filemap_write_and_wait_range(struct address_space *mapping, uint64_t start, uint64_t end);
/* The whole file. */
int filemap_write_and_wait(struct address_space *mapping);
/* The flusher (wb_workfn), for `tick`: at each 5 s wake-up of k->clock_ns
 * (dirty_writeback_centisecs) passed since the last call, write back every
 * file dirty for at least dirty_expire_centisecs (30 s), or all dirty files
 * when nr_dirty passes the background threshold. Pages written. */
uint64_t wb_writeback_tick(struct mm_kernel *k);
/* msync(2) over [start, end) of mm (Linux 6.x): MS_ASYNC does nothing (dirty
 * pages are tracked), MS_SYNC writes back the shared file VMAs' ranges,
 * MS_INVALIDATE fails with -EBUSY on a locked VMA. -ENOMEM if the range has
 * unmapped holes (after doing the mapped parts), -EINVAL on bad flags. */
#define MS_ASYNC 1
#define MS_INVALIDATE 2
#define MS_SYNC 4
int do_msync(struct mm_struct *mm, mm_va_t start, uint64_t len, int flags);

/* ---- truncation and drop_caches ----------------------------------------------------------------- */

/* Remove pages with index >= start (truncate_inode_pages_range): mapped
 * ones are unmapped from every VMA first (unmap_mapping_range); dirty data
 * is discarded. */
void truncate_inode_pages(struct address_space *mapping, pgoff_t start);
/* Unmap [start, start+nr) of the file from every VMA (zap the PTEs). */
void unmap_mapping_pages(struct address_space *mapping, pgoff_t start, uint64_t nr);
/* Remove the clean, unmapped, unlocked pages in [start, end] (Linux's
 * invalidate_mapping_pages). Pages removed. */
uint64_t invalidate_mapping_pages(struct address_space *mapping, pgoff_t start, pgoff_t end);
/* vm.drop_caches=1: invalidate every file's clean unmapped pages; counts
 * vmstat drop_pagecache. Pages freed. */
uint64_t drop_pagecache(struct mm_kernel *k);

/* ---- i_mmap: the VMAs that map a file ------------------------------------------------------------ */

/* The VMA after prev (NULL: the first) of any process whose file is
 * mapping's and which maps some page in [first, last]. Computed from
 * k->mmlist and each mm's VMA list, so it can never be stale. The caller
 * must not unlink VMAs while iterating (clearing PTEs is fine). */
struct vm_area_struct *mapping_next_vma(struct address_space *mapping, struct vm_area_struct *prev,
					pgoff_t first, pgoff_t last);
#define mapping_for_each_vma(mapping, first, last, vma)                          \
	for ((vma) = mapping_next_vma((mapping), NULL, (first), (last)); (vma);  \
	     (vma) = mapping_next_vma((mapping), (vma), (first), (last)))
/* Is any page of the file mapped by any VMA? */
bool mapping_mapped(struct address_space *mapping);
/* The user address at which vma maps page offset pgoff (must be inside). */
mm_va_t vma_address_of_pgoff(const struct vm_area_struct *vma, pgoff_t pgoff);

/* ---- checks ----------------------------------------------------------------------------------- */

/* Recount the tree (nodes, counts, marks, parents), nrpages, nrdirty and
 * every page's mapping/index/flags; prints each mismatch to stderr with
 * the page dumped. True if all hold. */
bool filemap_check(struct address_space *mapping);
/* filemap_check on every file, plus vmstat nr_file_pages / nr_dirty
 * against the sums. */
bool filemap_check_all(struct mm_kernel *k);

/* ---- internals shared by filemap.c and readahead.c ---------------------------------------------- */

/* filemap.c: read page (in the cache at its index) from the disk and mark
 * it uptodate; 0, or the disk's -errno (also kept in mapping->wb_err). */
int filemap_read_page(struct address_space *mapping, struct page *page);
/* readahead.c: a fault at pgoff missed the cache (Linux's
 * do_sync_mmap_readahead): count the miss, read around pgoff. */
void mmap_readahead_sync(struct vm_area_struct *vma, struct address_space *mapping, pgoff_t pgoff);
/* readahead.c: a fault at pgoff hit page (do_async_mmap_readahead): pay back
 * a miss; on PG_readahead, read the next window. */
void mmap_readahead_async(struct vm_area_struct *vma, struct address_space *mapping,
			  struct page *page, pgoff_t pgoff);

#endif
