/*
 * readahead.c - how many pages a page-cache miss brings in (Linux's
 * mm/readahead.c, with order-0 pages as a file system without large folios
 * gets them). filemap.c's fault and read paths call in here; the pages are
 * read with filemap.c's own page-cache calls.
 *
 *   fault on an uncached page ── mmap_readahead_sync ──▶ read-around:
 *       window of ra_pages (32) centred on the fault, PG_readahead on the
 *       page async_size (8) before its end
 *   fault on a cached PG_readahead page ── mmap_readahead_async ──▶
 *       ondemand_readahead: the next window, ramped up (x4 while small,
 *       then x2, at most ra_pages)
 *   read() of an uncached page ── page_cache_sync_ra ──▶ ondemand: from
 *       page 0 or right after the previous read, an initial window from
 *       the request size (get_init_ra_size: 1 page -> 4, 2 -> 8, 4 -> 16,
 *       8+ -> 32); a random read reads just what was asked
 *   MADV_WILLNEED / POSIX_FADV_WILLNEED ── force_page_cache_readahead ──▶
 *       the range in 2M chunks, at most max(io_pages, ra_pages)
 *
 *           |<------------ size ------------>|
 *           |=============#==================|
 *           ^start        ^PG_readahead      (async_size pages from the end)
 *
 * mmap_miss counts fault misses (and fault-around hits pay it back, in
 * filemap_get_uptodate_pages); above MMAP_LOTSAMISS (100) read-around
 * stops: random access gains nothing.
 */
#include <errno.h>
#include <stdint.h>

#include "fs/simfs.h"
#include "mm/filemap.h"
#include "mm/internal.h"
#include "mm/mm_struct.h"

/* ---- readahead -------------------------------------------------------------------------- */

/* The lowest index in [index, index + max_scan) with no page, else
 * index + max_scan (Linux's page_cache_next_miss). */
static uint64_t page_cache_next_miss(struct address_space *m, uint64_t index,
				     uint64_t max_scan)
{
	for (uint64_t i = 0; i < max_scan; i++) {
		void *e = filemap_get_entry(m, index + i);
		if (!e || xa_is_value(e))
			return index + i;
	}
	return index + max_scan;
}

/* Count the pages cached contiguously just below index, at most max; a run
 * reaching page 0 counts as index (count_history_pages). */
static uint64_t count_history_pages(struct address_space *m, uint64_t index, uint64_t max)
{
	uint64_t n = 0;
	while (n < max) {
		if (n + 1 > index)
			return index; /* ran past page 0: the whole file so far */
		void *e = filemap_get_entry(m, index - 1 - n);
		if (!e || xa_is_value(e))
			return n;
		n++;
	}
	return n ? n - 1 : 0; /* as Linux: the last position scanned is not counted */
}

int64_t page_cache_ra_unbounded(struct address_space *mapping, pgoff_t index,
				uint64_t nr_to_read, uint64_t lookahead_size)
{
	struct mm_kernel *k = mapping->k;
	/* readahead_gfp_mask: never retry hard nor warn for speculation. */
	gfp_t gfp = mapping->gfp_mask | __GFP_NORETRY | __GFP_NOWARN;
	int64_t nr_read = 0;
	bool any_alloc_failed = false;
	if (index >= XA_INDEX_LIMIT)
		return 0;
	nr_to_read = MM_MIN(nr_to_read, XA_INDEX_LIMIT - index);
	for (uint64_t i = 0; i < nr_to_read; i++) {
		void *e = filemap_get_entry(mapping, index + i);
		if (e && !xa_is_value(e))
			continue; /* already cached: skip it, read the rest */
		struct page *page = alloc_pages(k, gfp, 0);
		if (!page) {
			any_alloc_failed = true;
			break;
		}
		if (add_to_page_cache_lru(page, mapping, index + i, gfp) < 0) {
			put_page(k, page);
			continue;
		}
		if (lookahead_size && i == nr_to_read - lookahead_size)
			SetPageFlag(page, PG_readahead);
		if (!filemap_read_page(mapping, page))
			mapping->nr_read_ra++, nr_read++;
		put_page(k, page); /* the cache keeps its own reference */
	}
	if (!nr_read && any_alloc_failed)
		return -ENOMEM;
	return nr_read;
}

/* Read nr_to_read pages from index, never past the page holding the last
 * byte of the file (do_page_cache_ra). */
static int64_t do_page_cache_ra(struct address_space *mapping, pgoff_t index, uint64_t nr_to_read,
				uint64_t lookahead_size)
{
	uint64_t isize = simfile_size(mapping->host);
	if (!isize || !nr_to_read)
		return 0;
	uint64_t end_index = (isize - 1) >> mapping->k->page_shift;
	if (index > end_index)
		return 0;
	if (nr_to_read > end_index - index)
		nr_to_read = end_index - index + 1;
	return page_cache_ra_unbounded(mapping, index, nr_to_read, lookahead_size);
}

int64_t force_page_cache_readahead(struct address_space *mapping, pgoff_t index,
				   uint64_t nr_to_read)
{
	const struct file_ra_state *ra = &mapping->ra;
	uint64_t max_pages = MM_MAX(mapping->io_pages, ra->ra_pages);
	uint64_t chunk_pages = MM_MAX((2 * MM_MB) >> mapping->k->page_shift, 1);
	int64_t total = 0;
	nr_to_read = MM_MIN(nr_to_read, max_pages);
	while (nr_to_read) {
		uint64_t this_chunk = MM_MIN(chunk_pages, nr_to_read);
		int64_t n = do_page_cache_ra(mapping, index, this_chunk, 0);
		if (n > 0)
			total += n;
		index += this_chunk;
		nr_to_read -= this_chunk;
	}
	return total;
}

/* Initial window: round up to a power of two; x4 when small, x2 when
 * medium, else the maximum (for 32 pages: 1 -> 4, 2 -> 8, 4 -> 16, 8+ -> 32). */
static uint64_t get_init_ra_size(uint64_t size, uint64_t max)
{
	uint64_t newsize = 1;
	while (newsize < size)
		newsize <<= 1;
	if (newsize <= max / 32)
		newsize *= 4;
	else if (newsize <= max / 4)
		newsize *= 2;
	else
		newsize = max;
	return newsize;
}

/* The next window: x4 while below max/16, x2 up to max/2, then max. */
static uint64_t get_next_ra_size(const struct file_ra_state *ra, uint64_t max)
{
	uint64_t cur = ra->size;
	if (cur < max / 16)
		return 4 * cur;
	if (cur <= max / 2)
		return 2 * cur;
	return max;
}

/* Context readahead: a run of cached pages just below index looks like a
 * sequential stream that lost its state. 1 if it set up a window. */
static int try_context_readahead(struct address_space *mapping, struct file_ra_state *ra,
				 pgoff_t index, uint64_t req_size, uint64_t max)
{
	uint64_t size = count_history_pages(mapping, index, max);
	if (size <= req_size)
		return 0; /* not enough history: a random read */
	if (size >= index)
		size *= 2; /* from the start of the file: a long stream */
	ra->start = index;
	ra->size = (unsigned)MM_MIN(size + req_size, max);
	ra->async_size = 1;
	return 1;
}

/* Linux's ondemand_readahead (order-0 pages). marked: the call comes from
 * a PG_readahead hit. */
static void ondemand_readahead(struct address_space *mapping, struct file_ra_state *ra,
			       bool marked, pgoff_t index, uint64_t req_size)
{
	uint64_t max_pages = ra->ra_pages;
	/* A request larger than the window may go up to the device's
	 * optimal I/O size. */
	if (req_size > max_pages && mapping->io_pages > max_pages)
		max_pages = MM_MIN(req_size, (uint64_t)mapping->io_pages);

	if (!index)
		goto initial_readahead; /* start of file */

	/* The expected index: sequential, push the window forward. */
	uint64_t expected = ra->start + ra->size - ra->async_size;
	if (index == expected || index == ra->start + ra->size) {
		ra->start += ra->size;
		ra->size = (unsigned)get_next_ra_size(ra, max_pages);
		ra->async_size = ra->size;
		goto readit;
	}

	/* A marked page without matching state (interleaved streams): the
	 * cached run after it is the old async window. */
	if (marked) {
		uint64_t start = page_cache_next_miss(mapping, index + 1, max_pages);
		if (!start || start - index - 1 > max_pages)
			return;
		if (start - index - 1 == max_pages)
			start--;
		ra->start = start;
		ra->size = (unsigned)(start - index);
		ra->size += (unsigned)req_size;
		ra->size = (unsigned)get_next_ra_size(ra, max_pages);
		ra->async_size = ra->size;
		goto readit;
	}

	if (req_size > max_pages)
		goto initial_readahead; /* oversize read */

	/* Sequential miss: right after (or within) the previous read. */
	uint64_t prev_index = (uint64_t)ra->prev_pos >> mapping->k->page_shift;
	if (index - prev_index <= 1) /* unsigned: prev_pos -1 never matches */
		goto initial_readahead;

	if (try_context_readahead(mapping, ra, index, req_size, max_pages))
		goto readit;

	/* A small random read: read what was asked, leave the state alone. */
	do_page_cache_ra(mapping, index, req_size, 0);
	return;

initial_readahead:
	ra->start = index;
	ra->size = (unsigned)get_init_ra_size(req_size, max_pages);
	ra->async_size = ra->size > req_size ? ra->size - (unsigned)req_size : ra->size;

readit:
	/* Would this read hit its own marker at once? Then merge the next
	 * window into this one. */
	if (index == ra->start && ra->size == ra->async_size) {
		uint64_t add_pages = get_next_ra_size(ra, max_pages);
		if (ra->size + add_pages <= max_pages) {
			ra->async_size = (unsigned)add_pages;
			ra->size += (unsigned)add_pages;
		} else {
			ra->size = (unsigned)max_pages;
			ra->async_size = (unsigned)(max_pages >> 1);
		}
	}
	do_page_cache_ra(mapping, ra->start, ra->size, ra->async_size);
}

void page_cache_sync_ra(struct address_space *mapping, struct file_ra_state *ra, pgoff_t index,
			uint64_t req_count)
{
	if (!ra->ra_pages) {
		/* Readahead off: still read the one page the caller needs. */
		force_page_cache_readahead(mapping, index, 1);
		return;
	}
	ondemand_readahead(mapping, ra, false, index, req_count);
}

void page_cache_async_ra(struct address_space *mapping, struct file_ra_state *ra,
			 struct page *page, pgoff_t index, uint64_t req_count)
{
	if (!ra->ra_pages)
		return;
	if (PageFlag(page, PG_writeback))
		return; /* Linux shares the bit with PG_reclaim */
	ClearPageFlag(page, PG_readahead);
	ondemand_readahead(mapping, ra, true, index, req_count);
}

int filemap_madvise_willneed(struct vm_area_struct *vma, mm_va_t start, mm_va_t end)
{
	if (!vma->vm_file)
		return -EBADF;
	struct address_space *mapping = simfile_mapping(vma->vm_file);
	unsigned shift = mapping->k->page_shift;
	start = MM_MAX(start, vma->vm_start);
	end = MM_MIN(end, vma->vm_end);
	if (end <= start)
		return 0;
	/* vfs_fadvise(WILLNEED) of the range's file bytes: whole pages. */
	uint64_t offset = (start - vma->vm_start) + (vma->vm_pgoff << shift);
	uint64_t endbyte = offset + (end - start) - 1;
	pgoff_t first = offset >> shift, last = endbyte >> shift;
	force_page_cache_readahead(mapping, first, last - first + 1);
	return 0;
}

/* ---- mmap faults ------------------------------------------------------------------ */

/* A miss: read around the fault (do_sync_mmap_readahead). */
void mmap_readahead_sync(struct vm_area_struct *vma, struct address_space *mapping, pgoff_t pgoff)
{
	struct file_ra_state *ra = &mapping->ra;
	vm_flags_t vm_flags = vma->vm_flags;
	if ((vm_flags & VM_RAND_READ) || !ra->ra_pages)
		return;
	if (vm_flags & VM_SEQ_READ) {
		page_cache_sync_ra(mapping, ra, pgoff, ra->ra_pages);
		return;
	}
	if (ra->mmap_miss < MMAP_LOTSAMISS * 10)
		ra->mmap_miss++;
	if (ra->mmap_miss > MMAP_LOTSAMISS)
		return; /* mostly misses: readahead would only hurt */
	/* mmap read-around: the window centred on the fault. */
	ra->start = pgoff > ra->ra_pages / 2 ? pgoff - ra->ra_pages / 2 : 0;
	ra->size = ra->ra_pages;
	ra->async_size = ra->ra_pages / 4;
	do_page_cache_ra(mapping, ra->start, ra->size, ra->async_size);
}

/* A hit: pay back one miss; on the marker, read the next window. */
void mmap_readahead_async(struct vm_area_struct *vma, struct address_space *mapping,
			  struct page *page, pgoff_t pgoff)
{
	struct file_ra_state *ra = &mapping->ra;
	if ((vma->vm_flags & VM_RAND_READ) || !ra->ra_pages)
		return;
	if (ra->mmap_miss)
		ra->mmap_miss--;
	if (PageFlag(page, PG_readahead))
		page_cache_async_ra(mapping, ra, page, pgoff, ra->ra_pages);
}
