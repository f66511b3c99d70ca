/*
 * filemap.c - the page cache: a radix tree of pages per file, the fault
 * and read paths that fill it (readahead.c sizes what they read), dirty
 * pages and their writeback, truncation and drop_caches, and the file's
 * i_mmap.
 *
 * The tree (Linux's xarray, XA_CHUNK_SHIFT 6): each node has 64 slots and
 * covers 64 << shift indices; a shift-0 node holds the entries themselves.
 * A file whose only page is page 0 needs no node at all: the entry sits in
 * xa_head. Nodes come from the "radix_tree_node" slab cache, so slabinfo
 * shows the page cache's metadata as it does on Linux:
 *
 *   index 0x1234 = 0b 000100 100011 0100   (shift 12 | 6 | 0)
 *
 *   xa_head ─▶ [node shift 12] slot 1 ─▶ [node shift 6] slot 8 ─▶
 *              [node shift 0]  slot 52 ─▶ struct page (index 0x1234)
 *
 * Marks (DIRTY, WRITEBACK, TOWRITE) are a bit per slot, and an inner
 * node's bit says "some entry below is marked", so writeback finds the
 * dirty pages without looking at the clean ones.
 *
 * Readahead, which decides how many pages around a miss the fault and
 * read paths bring in, is readahead.c's.
 *
 * Writeback: a dirty page carries PG_dirty and the DIRTY mark (counted in
 * vmstat nr_dirty); writing it back first write-protects and cleans every
 * PTE of every shared mapping (page_mkclean, so that the next write
 * faults and dirties the page again), then copies it to the disk (pgpgout)
 * and clears both (nr_written + 1). The I/O is synchronous: PG_writeback
 * is set and cleared around it, nr_writeback is 0 between operations.
 *
 * i_mmap: Linux keeps an interval tree of the VMAs mapping each file. The
 * VMA lifecycle (split, merge, mremap, free) is vma.c's, which has no hook
 * for it, so mapping_next_vma computes the set from every mm's VMA list:
 * O(VMAs) per walk, never stale.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fs/simfs.h"
#include "include/strbuf.h"
#include "mm/filemap.h"
#include "mm/internal.h"
#include "mm/mm_struct.h"
#include "mm/slab.h"

#define XA_NODE_TAG 2UL

/* Writeback timing (Linux's defaults of vm.dirty_expire_centisecs and
 * vm.dirty_writeback_centisecs). */
#define DIRTY_EXPIRE_NS (30ULL * 1000000000ULL)
#define DIRTY_WRITEBACK_NS (5ULL * 1000000000ULL)

/* ---- entries and nodes -------------------------------------------------------- */

static inline bool xa_is_node(const void *entry)
{
	return ((uintptr_t)entry & 3) == XA_NODE_TAG;
}
static inline struct xa_node *xa_to_node(const void *entry)
{
	return (struct xa_node *)((uintptr_t)entry - XA_NODE_TAG);
}
static inline void *xa_mk_node(const struct xa_node *node)
{
	return (void *)((uintptr_t)node | XA_NODE_TAG);
}

/* The largest index a subtree rooted at a node of this shift covers. */
static inline uint64_t node_max_index(unsigned shift)
{
	return (((uint64_t)XA_CHUNK_SIZE) << shift) - 1;
}

static struct xa_node *xa_node_alloc(struct address_space *m, unsigned shift)
{
	mm_va_t slab_va;
	bool in_host;
	struct xa_node *node = mm_object_alloc(m->k, KMEM_RADIX_TREE_NODE, sizeof(*node),
					       &slab_va, &in_host);
	if (!node)
		return NULL;
	node->shift = (unsigned char)shift;
	node->slab_va = slab_va;
	node->in_host = in_host;
	m->nr_nodes++;
	return node;
}

static void xa_node_free(struct address_space *m, struct xa_node *node)
{
	mm_va_t slab_va = node->slab_va;
	bool in_host = node->in_host;
	if (!in_host)
		memset(node, 0x6b, sizeof(*node)); /* POISON_FREE: a stale pointer shows */
	mm_object_free(m->k, KMEM_RADIX_TREE_NODE, node, slab_va, in_host);
	m->nr_nodes--;
}

static inline unsigned node_offset(const struct xa_node *node, uint64_t index)
{
	return (unsigned)(index >> node->shift) & XA_CHUNK_MASK;
}

/* ---- the tree: load, store, erase, marks, find --------------------------------- */

static void *xa_load(const struct address_space *m, uint64_t index)
{
	void *entry = m->xa_head;
	if (!entry)
		return NULL;
	if (!xa_is_node(entry))
		return index == 0 ? entry : NULL;
	struct xa_node *node = xa_to_node(entry);
	if (index > node_max_index(node->shift))
		return NULL;
	for (;;) {
		entry = node->slots[node_offset(node, index)];
		if (node->shift == 0 || !entry)
			return entry;
		node = xa_to_node(entry);
	}
}

/* The leaf node holding index and its slot, or NULL (head entry or absent). */
static struct xa_node *xa_leaf(const struct address_space *m, uint64_t index, unsigned *offset)
{
	void *entry = m->xa_head;
	if (!xa_is_node(entry))
		return NULL;
	struct xa_node *node = xa_to_node(entry);
	if (index > node_max_index(node->shift))
		return NULL;
	while (node->shift) {
		entry = node->slots[node_offset(node, index)];
		if (!entry)
			return NULL;
		node = xa_to_node(entry);
	}
	*offset = node_offset(node, index);
	return node;
}

/* Grow the tree until the root covers index. 0 or -ENOMEM. */
static int xa_expand(struct address_space *m, uint64_t index)
{
	void *head = m->xa_head;
	if (!head) {
		if (index == 0)
			return 0;
		unsigned shift = 0;
		while (index > node_max_index(shift))
			shift += XA_CHUNK_SHIFT;
		struct xa_node *root = xa_node_alloc(m, shift);
		if (!root)
			return -ENOMEM;
		m->xa_head = xa_mk_node(root);
		return 0;
	}
	if (!xa_is_node(head)) {
		if (index == 0)
			return 0;
		/* The lone entry at index 0 moves into a shift-0 node. */
		struct xa_node *leaf = xa_node_alloc(m, 0);
		if (!leaf)
			return -ENOMEM;
		leaf->slots[0] = head;
		leaf->count = 1;
		leaf->nr_values = xa_is_value(head) ? 1 : 0;
		for (int t = 0; t < XA_MAX_MARKS; t++)
			leaf->marks[t] = (m->head_marks >> t) & 1;
		m->head_marks = 0;
		m->xa_head = xa_mk_node(leaf);
	}
	struct xa_node *root = xa_to_node(m->xa_head);
	while (index > node_max_index(root->shift)) {
		struct xa_node *up = xa_node_alloc(m, root->shift + XA_CHUNK_SHIFT);
		if (!up)
			return -ENOMEM;
		up->slots[0] = xa_mk_node(root);
		up->count = 1;
		for (int t = 0; t < XA_MAX_MARKS; t++)
			up->marks[t] = root->marks[t] ? 1 : 0;
		root->parent = up;
		root->offset = 0;
		m->xa_head = xa_mk_node(up);
		root = up;
	}
	return 0;
}

/* Free root nodes that hold only slot 0, down to a lone entry at index 0
 * (Linux's xas_shrink). */
static void xa_shrink(struct address_space *m)
{
	while (xa_is_node(m->xa_head)) {
		struct xa_node *root = xa_to_node(m->xa_head);
		if (root->count != 1 || !root->slots[0])
			return;
		void *entry = root->slots[0];
		if (root->shift == 0) {
			m->head_marks = 0;
			for (int t = 0; t < XA_MAX_MARKS; t++)
				m->head_marks |= (unsigned)(root->marks[t] & 1) << t;
			m->xa_head = entry;
		} else {
			struct xa_node *child = xa_to_node(entry);
			child->parent = NULL;
			child->offset = 0;
			m->xa_head = entry;
		}
		xa_node_free(m, root);
	}
}

/* Free node and its ancestors while they are empty (count 0), detaching
 * each from its parent, then shrink the root (Linux's xas_delete_node). */
static void xa_delete_empty(struct address_space *m, struct xa_node *node)
{
	while (node && node->count == 0) {
		struct xa_node *parent = node->parent;
		if (parent) {
			unsigned poff = node->offset;
			parent->slots[poff] = NULL;
			parent->count--;
			for (int t = 0; t < XA_MAX_MARKS; t++)
				parent->marks[t] &= ~(1ULL << poff);
		} else {
			m->xa_head = NULL;
		}
		xa_node_free(m, node);
		node = parent;
	}
	xa_shrink(m);
}

/* Store a non-NULL entry at index (replacing what is there). Returns the
 * old entry through *old. 0 or -ENOMEM. */
static int xa_store(struct address_space *m, uint64_t index, void *entry, void **old)
{
	*old = NULL;
	int err = xa_expand(m, index);
	if (err) {
		xa_shrink(m); /* drop root levels added before the failure */
		return err;
	}
	if (!xa_is_node(m->xa_head)) {
		*old = m->xa_head; /* index is 0 here */
		m->xa_head = entry;
		return 0;
	}
	struct xa_node *node = xa_to_node(m->xa_head);
	while (node->shift) {
		unsigned off = node_offset(node, index);
		void *next = node->slots[off];
		if (!next) {
			struct xa_node *child = xa_node_alloc(m, node->shift - XA_CHUNK_SHIFT);
			if (!child) {
				xa_delete_empty(m, node); /* the path built so far */
				return -ENOMEM;
			}
			child->parent = node;
			child->offset = (unsigned char)off;
			node->slots[off] = xa_mk_node(child);
			node->count++;
			next = node->slots[off];
		}
		node = xa_to_node(next);
	}
	unsigned off = node_offset(node, index);
	*old = node->slots[off];
	if (!*old)
		node->count++;
	else if (xa_is_value(*old))
		node->nr_values--;
	if (xa_is_value(entry))
		node->nr_values++;
	node->slots[off] = entry;
	return 0;
}

static bool xa_get_mark(const struct address_space *m, uint64_t index, enum xa_mark mark)
{
	if (!xa_is_node(m->xa_head))
		return index == 0 && m->xa_head && ((m->head_marks >> mark) & 1);
	unsigned off;
	struct xa_node *leaf = xa_leaf(m, index, &off);
	return leaf && ((leaf->marks[mark] >> off) & 1);
}

static void xa_set_mark(struct address_space *m, uint64_t index, enum xa_mark mark)
{
	if (!xa_is_node(m->xa_head)) {
		if (index == 0 && m->xa_head)
			m->head_marks |= 1u << mark;
		return;
	}
	unsigned off;
	struct xa_node *node = xa_leaf(m, index, &off);
	if (!node || !node->slots[off])
		return;
	while (node) {
		if ((node->marks[mark] >> off) & 1)
			return; /* the ancestors already say so */
		node->marks[mark] |= 1ULL << off;
		off = node->offset;
		node = node->parent;
	}
}

static void xa_clear_mark(struct address_space *m, uint64_t index, enum xa_mark mark)
{
	if (!xa_is_node(m->xa_head)) {
		if (index == 0)
			m->head_marks &= ~(1u << mark);
		return;
	}
	unsigned off;
	struct xa_node *node = xa_leaf(m, index, &off);
	while (node) {
		node->marks[mark] &= ~(1ULL << off);
		if (node->marks[mark])
			return; /* something else below is still marked */
		off = node->offset;
		node = node->parent;
	}
}

/* Remove the entry at index; empty nodes are freed and the root shrinks.
 * Returns the old entry. */
static void *xa_erase(struct address_space *m, uint64_t index)
{
	if (!xa_is_node(m->xa_head)) {
		void *old = index == 0 ? m->xa_head : NULL;
		if (old) {
			m->xa_head = NULL;
			m->head_marks = 0;
		}
		return old;
	}
	unsigned off;
	struct xa_node *node = xa_leaf(m, index, &off);
	if (!node || !node->slots[off])
		return NULL;
	for (int t = 0; t < XA_MAX_MARKS; t++)
		if ((node->marks[t] >> off) & 1)
			xa_clear_mark(m, index, (enum xa_mark)t);
	void *old = node->slots[off];
	node->slots[off] = NULL;
	node->count--;
	if (xa_is_value(old))
		node->nr_values--;
	xa_delete_empty(m, node); /* the nodes this leaves empty, bottom up */
	return old;
}

/* First entry at an index in [start, max] below node (whose first index is
 * base), marked with mark when mark >= 0. */
static void *node_find(const struct xa_node *node, uint64_t base, uint64_t start, uint64_t max,
		       int mark, uint64_t *found)
{
	unsigned shift = node->shift;
	unsigned off = start > base ? (unsigned)((start - base) >> shift) : 0;
	for (; off < XA_CHUNK_SIZE; off++) {
		uint64_t slot_base = base + ((uint64_t)off << shift);
		if (slot_base > max)
			return NULL;
		void *e = node->slots[off];
		if (!e || (mark >= 0 && !((node->marks[mark] >> off) & 1)))
			continue;
		if (shift == 0) {
			*found = slot_base;
			return e;
		}
		void *r = node_find(xa_to_node(e), slot_base, MM_MAX(start, slot_base), max, mark, found);
		if (r)
			return r;
	}
	return NULL;
}

/* The first entry with index in [*index, max] (marked, if mark >= 0);
 * *index is set to its index. NULL when there is none. */
static void *xa_find(const struct address_space *m, uint64_t *index, uint64_t max, int mark)
{
	void *head = m->xa_head;
	if (!head || *index > max)
		return NULL;
	if (!xa_is_node(head)) {
		if (*index != 0 || (mark >= 0 && !((m->head_marks >> mark) & 1)))
			return NULL;
		return head;
	}
	return node_find(xa_to_node(head), 0, *index, max, mark, index);
}

/* Free every node (entries are the caller's business). */
static void node_destroy(struct address_space *m, struct xa_node *node)
{
	if (node->shift)
		for (unsigned i = 0; i < XA_CHUNK_SIZE; i++)
			if (node->slots[i])
				node_destroy(m, xa_to_node(node->slots[i]));
	xa_node_free(m, node);
}

/* ---- pages ----------------------------------------------------------------------- */

void get_page(struct page *page)
{
	page->_refcount++;
}

void put_page(struct mm_kernel *k, struct page *page)
{
	__free_pages(k, page, 0);
}

struct address_space *page_file_mapping(const struct mm_kernel *k, const struct page *page)
{
	const uint64_t not_cache = (1ULL << PG_anon) | (1ULL << PG_slab) | (1ULL << PG_tail) |
				   (1ULL << PG_table) | (1ULL << PG_zero) | (1ULL << PG_buddy) |
				   (1ULL << PG_pcp) | (1ULL << PG_head) | (1ULL << PG_swapbacked);
	/* Slab pages point at their cache, kmalloc's large pages (compound
	 * heads) at a tag, anonymous pages at their anon_vma: what is left
	 * with a mapping is a page-cache page. */
	(void)k;
	if (!page->mapping || (page->flags & not_cache) || page->_refcount <= 0)
		return NULL;
	return page->mapping;
}

struct page *page_cache_alloc(struct address_space *mapping)
{
	return alloc_pages(mapping->k, mapping->gfp_mask, 0);
}

void *filemap_get_entry(struct address_space *mapping, pgoff_t index)
{
	if (index >= XA_INDEX_LIMIT)
		return NULL;
	return xa_load(mapping, index);
}

struct page *find_get_page(struct address_space *mapping, pgoff_t index)
{
	void *entry = filemap_get_entry(mapping, index);
	if (!entry || xa_is_value(entry))
		return NULL;
	struct page *page = entry;
	get_page(page);
	return page;
}

int add_to_page_cache_lru(struct page *page, struct address_space *mapping, pgoff_t index,
			  gfp_t gfp)
{
	(void)gfp; /* tree nodes come from the slab cache with GFP_KERNEL */
	if (index >= XA_INDEX_LIMIT)
		return -EFBIG;
	void *cur = xa_load(mapping, index);
	if (cur && !xa_is_value(cur))
		return -EEXIST;
	void *old;
	int err = xa_store(mapping, index, page, &old);
	if (err)
		return err;
	if (old && xa_is_value(old))
		mapping->nr_values--; /* a shadow entry: the refault is workingset.c's */
	get_page(page); /* the cache's own reference */
	page->mapping = mapping;
	page->index = index;
	ClearPageFlag(page, PG_swapbacked);
	/* folio_add_lru: a new file page starts on the inactive list. */
	SetPageFlag(page, PG_lru);
	mapping->nrpages++;
	mapping->k->vm.item[VM_nr_file_pages]++;
	return 0;
}

/* Drop the dirty accounting of a page leaving the cache (folio_account_cleaned). */
static void account_page_cleaned(struct address_space *mapping, struct page *page)
{
	if (xa_get_mark(mapping, page->index, PAGECACHE_TAG_DIRTY)) {
		xa_clear_mark(mapping, page->index, PAGECACHE_TAG_DIRTY);
		mapping->nrdirty--;
		if (mapping->k->vm.item[VM_nr_dirty])
			mapping->k->vm.item[VM_nr_dirty]--;
	}
	ClearPageFlag(page, PG_dirty);
}

void delete_from_page_cache(struct page *page)
{
	struct address_space *mapping = page->mapping;
	if (!mapping)
		return;
	struct mm_kernel *k = mapping->k;
	account_page_cleaned(mapping, page);
	void *old = xa_erase(mapping, page->index);
	if (old != page) {
		struct strbuf sb = STRBUF_INIT;
		dump_page(k, page, &sb);
		printk(k, "delete_from_page_cache: page not at its index 0x%" PRIx64 " of its mapping\n%s",
		       page->index, sb_str(&sb));
		sb_free(&sb);
	}
	mapping->nrpages--;
	if (k->vm.item[VM_nr_file_pages])
		k->vm.item[VM_nr_file_pages]--;
	page->mapping = NULL;
	/* Leaving the cache means leaving the LRU (mmsim keeps no LRU lists
	 * yet: the flags are the whole state). */
	page->flags &= ~((1ULL << PG_lru) | (1ULL << PG_active) | (1ULL << PG_referenced) |
			 (1ULL << PG_workingset) | (1ULL << PG_readahead) | (1ULL << PG_uptodate));
	put_page(k, page);
}

/* Read one page of the file from the disk (the file system's read_folio). */
int filemap_read_page(struct address_space *mapping, struct page *page)
{
	struct mm_kernel *k = mapping->k;
	int err = simfs_disk_read(mapping->host, page->index << k->page_shift,
				  page_to_host(k, page), k->page_size);
	if (err) {
		mapping->wb_err = err;
		return err;
	}
	mapping->host->disk_reads++;
	SetPageFlag(page, PG_uptodate);
	return 0;
}

void address_space_init(struct address_space *mapping, struct mm_kernel *k, struct simfile *host)
{
	memset(mapping, 0, sizeof(*mapping));
	mapping->k = k;
	mapping->host = host;
	/* VM_READAHEAD_PAGES: 128K of pages. A machine whose whole RAM is a
	 * few hundred pages (toy) gets at most a quarter of it per window. */
	uint64_t ra = MM_MAX(VM_READAHEAD_PAGES_BYTES >> k->page_shift, 1);
	if (k->totalram_pages && ra > k->totalram_pages / 4)
		ra = MM_MAX(k->totalram_pages / 4, 1);
	mapping->ra.ra_pages = (unsigned)ra;
	mapping->ra.prev_pos = -1;
	mapping->io_pages = (unsigned)ra;
	mapping->gfp_mask = GFP_HIGHUSER_MOVABLE;
}

/* Remove every entry from index start on; pages still mapped keep their
 * PTEs' references. */
static void remove_pages_from(struct address_space *mapping, pgoff_t start)
{
	uint64_t index = start;
	void *entry;
	while ((entry = xa_find(mapping, &index, XA_INDEX_LIMIT - 1, -1))) {
		if (xa_is_value(entry)) {
			xa_erase(mapping, index);
			mapping->nr_values--;
		} else {
			delete_from_page_cache(entry);
		}
		index++;
	}
}

void address_space_fini(struct address_space *mapping)
{
	if (!mapping->k)
		return;
	remove_pages_from(mapping, 0);
	if (xa_is_node(mapping->xa_head))
		node_destroy(mapping, xa_to_node(mapping->xa_head));
	mapping->xa_head = NULL;
}

/* ---- lookups for fault-around ------------------------------------------------------ */

static uint64_t max_index_of(const struct address_space *mapping)
{
	uint64_t size = simfile_size(mapping->host);
	uint64_t page = mapping->k->page_size;
	return size / page + (size % page ? 1 : 0); /* DIV_ROUND_UP(i_size, PAGE_SIZE) */
}

unsigned filemap_get_uptodate_pages(struct address_space *mapping, pgoff_t start, pgoff_t end,
				    struct page **pages, unsigned max)
{
	uint64_t max_idx = max_index_of(mapping);
	if (!max || !max_idx || start >= max_idx)
		return 0;
	end = MM_MIN(end, max_idx - 1);
	unsigned n = 0, counted = 0;
	uint64_t index = start;
	void *entry;
	while (n < max && (entry = xa_find(mapping, &index, end, -1))) {
		struct page *page = entry;
		if (!xa_is_value(entry) && PageFlag(page, PG_uptodate) &&
		    !PageFlag(page, PG_readahead) && !PageFlag(page, PG_locked)) {
			get_page(page);
			pages[n++] = page;
			/* A page just evicted and back (workingset) does not
			 * pay back a miss: thrashing files stop read-around. */
			if (!PageFlag(page, PG_workingset))
				counted++;
		}
		if (index == end)
			break;
		index++;
	}
	unsigned miss = mapping->ra.mmap_miss;
	mapping->ra.mmap_miss = counted >= miss ? 0 : miss - counted;
	return n;
}

/* ---- faults ------------------------------------------------------------------------ */

int filemap_fault(struct vm_area_struct *vma, pgoff_t pgoff, struct page **pagep, bool *major)
{
	*pagep = NULL;
	*major = false;
	if (!vma || !vma->vm_file)
		return -EFAULT;
	struct address_space *mapping = simfile_mapping(vma->vm_file);
	struct mm_kernel *k = mapping->k;
	if (pgoff >= max_index_of(mapping))
		return -EFAULT; /* SIGBUS: beyond the page holding EOF */

	struct page *page = find_get_page(mapping, pgoff);
	if (page) {
		mapping->nr_hits++;
		mmap_readahead_async(vma, mapping, page, pgoff);
	} else {
		mapping->nr_misses++;
		count_vm_event(k, pgmajfault);
		*major = true;
		mmap_readahead_sync(vma, mapping, pgoff);
		page = find_get_page(mapping, pgoff);
		if (!page) {
			/* Readahead was off or failed: create the page alone. */
			page = page_cache_alloc(mapping);
			if (!page)
				return -ENOMEM;
			if (add_to_page_cache_lru(page, mapping, pgoff, mapping->gfp_mask)) {
				put_page(k, page);
				return -ENOMEM;
			}
			/* Our allocation reference is the one we return. */
		}
	}
	if (!PageFlag(page, PG_uptodate)) {
		if (filemap_read_page(mapping, page)) {
			put_page(k, page);
			return -EFAULT; /* I/O error: SIGBUS */
		}
		mapping->nr_read_fault++;
	}
	/* The file may have shrunk meanwhile: recheck under the "lock". */
	if (pgoff >= max_index_of(mapping)) {
		put_page(k, page);
		return -EFAULT;
	}
	*pagep = page;
	return 0;
}

/* ---- read() and write() ------------------------------------------------------------------- */

int64_t filemap_read(struct address_space *mapping, uint64_t pos, void *buf, uint64_t len)
{
	struct mm_kernel *k = mapping->k;
	struct file_ra_state *ra = &mapping->ra;
	uint8_t *out = buf;
	uint64_t done = 0, page_size = k->page_size;
	while (done < len) {
		uint64_t isize = simfile_size(mapping->host);
		if (pos >= isize)
			break;
		pgoff_t index = pos >> k->page_shift;
		/* last_index: the page after the end of the whole remaining read */
		pgoff_t last_index = (pos + (len - done) + page_size - 1) >> k->page_shift;
		struct page *page = find_get_page(mapping, index);
		if (!page) {
			mapping->nr_misses++;
			page_cache_sync_ra(mapping, ra, index, last_index - index);
			page = find_get_page(mapping, index);
			if (!page) {
				/* filemap_create_folio: this page alone. */
				page = page_cache_alloc(mapping);
				if (!page)
					return done ? (int64_t)done : -ENOMEM;
				if (add_to_page_cache_lru(page, mapping, index, mapping->gfp_mask)) {
					put_page(k, page);
					return done ? (int64_t)done : -ENOMEM;
				}
				if (filemap_read_page(mapping, page)) {
					delete_from_page_cache(page);
					put_page(k, page);
					return done ? (int64_t)done : -EIO;
				}
			}
		} else {
			mapping->nr_hits++;
			if (PageFlag(page, PG_readahead))
				page_cache_async_ra(mapping, ra, page, index, last_index - index);
		}
		if (!PageFlag(page, PG_uptodate) && filemap_read_page(mapping, page)) {
			put_page(k, page);
			return done ? (int64_t)done : -EIO;
		}
		SetPageFlag(page, PG_referenced); /* folio_mark_accessed, first step */
		uint64_t off = pos & (page_size - 1);
		uint64_t n = MM_MIN(page_size - off, len - done);
		isize = simfile_size(mapping->host);
		n = MM_MIN(n, isize - pos);
		memcpy(out + done, (const uint8_t *)page_to_host(k, page) + off, (size_t)n);
		put_page(k, page);
		done += n;
		pos += n;
		ra->prev_pos = (int64_t)pos;
	}
	return (int64_t)done;
}

int64_t filemap_write(struct address_space *mapping, uint64_t pos, const void *buf, uint64_t len)
{
	struct mm_kernel *k = mapping->k;
	const uint8_t *in = buf;
	uint64_t done = 0, page_size = k->page_size;
	if (len > SIMFS_MAX_FILE_BYTES || pos > SIMFS_MAX_FILE_BYTES - len)
		return -EFBIG;
	while (done < len) {
		pgoff_t index = pos >> k->page_shift;
		uint64_t off = pos & (page_size - 1);
		uint64_t n = MM_MIN(page_size - off, len - done);
		/* write_begin: find or create the page; a partly overwritten
		 * page that is not uptodate is read first (block_write_begin). */
		struct page *page = find_get_page(mapping, index);
		if (!page) {
			page = page_cache_alloc(mapping);
			if (!page)
				return done ? (int64_t)done : -ENOMEM;
			if (add_to_page_cache_lru(page, mapping, index, mapping->gfp_mask)) {
				put_page(k, page);
				return done ? (int64_t)done : -ENOMEM;
			}
		}
		if (!PageFlag(page, PG_uptodate)) {
			if (n == page_size) {
				SetPageFlag(page, PG_uptodate);
			} else if (filemap_read_page(mapping, page)) {
				put_page(k, page);
				return done ? (int64_t)done : -EIO;
			}
		}
		memcpy((uint8_t *)page_to_host(k, page) + off, in + done, (size_t)n);
		/* write_end: grow i_size, dirty the page. */
		if (pos + n > simfile_size(mapping->host)) {
			int err = simfs_set_size(mapping->host, pos + n);
			if (err) {
				put_page(k, page);
				return done ? (int64_t)done : err;
			}
		}
		set_page_dirty(k, page);
		put_page(k, page);
		done += n;
		pos += n;
	}
	return (int64_t)done;
}

/* ---- dirty pages and writeback -------------------------------------------------------- */

bool set_page_dirty(struct mm_kernel *k, struct page *page)
{
	struct address_space *mapping = page_file_mapping(k, page);
	bool was_clean = !PageFlag(page, PG_dirty);
	SetPageFlag(page, PG_dirty);
	if (!mapping)
		return was_clean;
	/* Account once per clean -> dirty transition (folio_account_dirtied):
	 * the DIRTY mark is the record that this page is counted. */
	if (!xa_get_mark(mapping, page->index, PAGECACHE_TAG_DIRTY)) {
		xa_set_mark(mapping, page->index, PAGECACHE_TAG_DIRTY);
		if (!mapping->nrdirty)
			mapping->dirtied_when = k->clock_ns;
		mapping->nrdirty++;
		k->vm.item[VM_nr_dirty]++;
		k->vm.item[VM_nr_dirtied]++;
	}
	return was_clean;
}

mm_va_t vma_address_of_pgoff(const struct vm_area_struct *vma, pgoff_t pgoff)
{
	return vma->vm_start + ((pgoff - vma->vm_pgoff) << vma->vm_mm->k->page_shift);
}

bool page_mkclean(struct page *page)
{
	struct address_space *mapping = page->mapping;
	if (!mapping || !mapping->k)
		return false;
	struct mm_kernel *k = mapping->k;
	const struct arch_profile *a = k->arch;
	mm_pfn_t pfn = page_to_pfn(k, page);
	bool dirty = false;
	struct vm_area_struct *vma;
	mapping_for_each_vma(mapping, page->index, page->index, vma) {
		/* Private mappings never map a cache page writable (COW). */
		if (!(vma->vm_flags & VM_SHARED))
			continue;
		mm_va_t addr = vma_address_of_pgoff(vma, page->index);
		unsigned level;
		mm_pa_t entry;
		if (!user_pte_lookup(vma->vm_mm, addr, &level, &entry) || level != a->nr_levels - 1)
			continue;
		mm_pte_t pte = pte_read(k, entry);
		unsigned f = arch_pte_flags(a, pte);
		if (!(f & PTE_F_PRESENT) || arch_pte_pfn(a, pte) != pfn)
			continue;
		if (!(f & (PTE_F_WRITE | PTE_F_DIRTY)))
			continue;
		if (f & PTE_F_DIRTY)
			dirty = true;
		pte_write(k, entry, arch_pte_encode(a, pfn, f & ~(unsigned)(PTE_F_WRITE | PTE_F_DIRTY)));
		mm_flush_tlb_range(vma->vm_mm, addr, addr + k->page_size);
	}
	return dirty;
}

/* folio_clear_dirty_for_io: clean the PTEs, then the page. True if the page
 * was dirty (and must be written). */
static bool clear_page_dirty_for_io(struct address_space *mapping, struct page *page)
{
	struct mm_kernel *k = mapping->k;
	if (page_mkclean(page))
		set_page_dirty(k, page);
	bool marked = xa_get_mark(mapping, page->index, PAGECACHE_TAG_DIRTY);
	bool dirty = PageFlag(page, PG_dirty) || marked;
	if (marked) {
		xa_clear_mark(mapping, page->index, PAGECACHE_TAG_DIRTY);
		mapping->nrdirty--;
		if (k->vm.item[VM_nr_dirty])
			k->vm.item[VM_nr_dirty]--;
	}
	ClearPageFlag(page, PG_dirty);
	return dirty;
}

/* Write one page to the disk: only the bytes below i_size. */
static int writepage(struct address_space *mapping, struct page *page)
{
	struct mm_kernel *k = mapping->k;
	uint64_t pos = page->index << k->page_shift;
	uint64_t isize = simfile_size(mapping->host);
	if (pos >= isize)
		return 0; /* wholly past EOF (a truncate raced the dirtying) */
	uint64_t n = MM_MIN(k->page_size, isize - pos);
	SetPageFlag(page, PG_writeback);
	k->vm.item[VM_nr_writeback]++;
	int err = simfs_disk_write(mapping->host, pos, page_to_host(k, page), n);
	/* The I/O completes at once (folio_end_writeback). */
	ClearPageFlag(page, PG_writeback);
	k->vm.item[VM_nr_writeback]--;
	if (err) {
		mapping->wb_err = err;
		set_page_dirty(k, page); /* keep the data for a retry */
		return err;
	}
	k->vm.item[VM_nr_written]++;
	mapping->nr_written++;
	mapping->host->disk_writes++;
	return 0;
}

int filemap_write_and_wait_range(struct address_space *mapping, uint64_t start, uint64_t end)
{
	if (!mapping || !mapping->k || end < start)
		return 0;
	struct mm_kernel *k = mapping->k;
	pgoff_t first = start >> k->page_shift;
	pgoff_t last = MM_MIN(end >> k->page_shift, XA_INDEX_LIMIT - 1);
	int ret = 0;
	/* Pages with the DIRTY mark, plus any whose PG_dirty was set behind
	 * the cache's back: walk every page of the range once. */
	uint64_t index = first;
	void *entry;
	while ((entry = xa_find(mapping, &index, last, -1))) {
		if (!xa_is_value(entry)) {
			struct page *page = entry;
			get_page(page);
			if (clear_page_dirty_for_io(mapping, page)) {
				int err = writepage(mapping, page);
				if (err && !ret)
					ret = err;
			}
			put_page(k, page);
		}
		if (index == last)
			break;
		index++;
	}
	if (!mapping->nrdirty)
		mapping->dirtied_when = 0;
	return ret;
}

int filemap_write_and_wait(struct address_space *mapping)
{
	return filemap_write_and_wait_range(mapping, 0, UINT64_MAX);
}

uint64_t wb_writeback_tick(struct mm_kernel *k)
{
	struct simfs *fs = k->fs;
	if (!fs)
		return 0;
	/* The flusher wakes every dirty_writeback_interval: act as of the
	 * last wake-up since the previous call, if there was one. */
	uint64_t wake = k->clock_ns / DIRTY_WRITEBACK_NS * DIRTY_WRITEBACK_NS;
	if (wake <= fs->wb_last_wake_ns)
		return 0;
	fs->wb_last_wake_ns = wake;
	uint64_t bg_thresh, dirty_thresh;
	global_dirty_limits_now(k, &bg_thresh, &dirty_thresh);
	bool background = k->vm.item[VM_nr_dirty] > bg_thresh;
	uint64_t before = k->vm.item[VM_nr_written];
	struct list_head *p;
	list_for_each(p, &fs->files) {
		struct simfile *f = list_entry(p, struct simfile, list);
		struct address_space *m = &f->mapping;
		if (!m->nrdirty)
			continue;
		if (background || (wake >= m->dirtied_when && wake - m->dirtied_when >= DIRTY_EXPIRE_NS))
			filemap_write_and_wait(m);
	}
	return k->vm.item[VM_nr_written] - before;
}

int do_msync(struct mm_struct *mm, mm_va_t start, uint64_t len, int flags)
{
	struct mm_kernel *k = mm->k;
	if (flags & ~(MS_ASYNC | MS_INVALIDATE | MS_SYNC))
		return -EINVAL;
	if (start & (k->page_size - 1))
		return -EINVAL;
	if ((flags & MS_ASYNC) && (flags & MS_SYNC))
		return -EINVAL;
	len = MM_ALIGN_UP(len, k->page_size);
	mm_va_t end = start + len;
	if (end < start)
		return -ENOMEM;
	if (end == start)
		return 0;
	int unmapped_error = 0, error = 0;
	struct vm_area_struct *vma = find_vma(mm, start);
	for (;;) {
		if (!vma)
			return -ENOMEM;
		/* Here start < vma->vm_end. */
		if (start < vma->vm_start) {
			/* A hole: Linux gives up with -ENOMEM when nothing of the
			 * range is mapped past it (or for plain MS_ASYNC), else
			 * syncs the rest and reports -ENOMEM at the end. */
			if (flags == MS_ASYNC)
				return -ENOMEM;
			start = vma->vm_start;
			if (start >= end)
				return -ENOMEM;
			unmapped_error = -ENOMEM;
		}
		if ((flags & MS_INVALIDATE) && (vma->vm_flags & VM_LOCKED))
			return -EBUSY;
		mm_va_t vend = MM_MIN(end, vma->vm_end);
		if ((flags & MS_SYNC) && vma->vm_file && (vma->vm_flags & VM_SHARED)) {
			uint64_t fstart = (start - vma->vm_start) + (vma->vm_pgoff << k->page_shift);
			error = filemap_write_and_wait_range(simfile_mapping(vma->vm_file), fstart,
							     fstart + (vend - start) - 1);
			if (error)
				return error;
		}
		start = vma->vm_end;
		if (start >= end)
			return unmapped_error;
		vma = vma_next(vma);
	}
}

/* ---- truncation and invalidation ------------------------------------------------------------ */

void unmap_mapping_pages(struct address_space *mapping, pgoff_t start, uint64_t nr)
{
	if (!nr)
		return;
	pgoff_t last = nr > UINT64_MAX - start ? UINT64_MAX : start + nr - 1;
	struct vm_area_struct *vma;
	mapping_for_each_vma(mapping, start, last, vma) {
		uint64_t vpages = vma_pages(vma, mapping->k->page_shift);
		pgoff_t vfirst = MM_MAX(start, vma->vm_pgoff);
		pgoff_t vlast = MM_MIN(last, vma->vm_pgoff + vpages - 1);
		/* even_cows: private COW copies of the range go too (truncate). */
		unmap_page_range(vma->vm_mm, vma, vma_address_of_pgoff(vma, vfirst),
				 vma_address_of_pgoff(vma, vlast) + mapping->k->page_size);
	}
}

void truncate_inode_pages(struct address_space *mapping, pgoff_t start)
{
	if (!mapping->k)
		return;
	uint64_t index = start;
	void *entry;
	while ((entry = xa_find(mapping, &index, XA_INDEX_LIMIT - 1, -1))) {
		if (xa_is_value(entry)) {
			xa_erase(mapping, index);
			mapping->nr_values--;
		} else {
			struct page *page = entry;
			if (page->_mapcount > 0)
				unmap_mapping_pages(mapping, index, 1);
			delete_from_page_cache(page);
		}
		index++;
	}
}

uint64_t invalidate_mapping_pages(struct address_space *mapping, pgoff_t start, pgoff_t end)
{
	uint64_t removed = 0, index = start;
	void *entry;
	if (!mapping->k)
		return 0;
	end = MM_MIN(end, XA_INDEX_LIMIT - 1);
	while ((entry = xa_find(mapping, &index, end, -1))) {
		if (!xa_is_value(entry)) {
			struct page *page = entry;
			bool busy = PageFlag(page, PG_dirty) || PageFlag(page, PG_writeback) ||
				    PageFlag(page, PG_locked) || page->_mapcount > 0 ||
				    page->_refcount > 1 ||
				    xa_get_mark(mapping, index, PAGECACHE_TAG_DIRTY);
			if (!busy) {
				delete_from_page_cache(page);
				removed++;
			}
		}
		if (index == end)
			break;
		index++;
	}
	return removed;
}

uint64_t drop_pagecache(struct mm_kernel *k)
{
	uint64_t freed = 0;
	count_vm_event(k, drop_pagecache);
	struct simfs *fs = k->fs;
	if (!fs)
		return 0;
	struct list_head *p;
	list_for_each(p, &fs->files) {
		struct simfile *f = list_entry(p, struct simfile, list);
		freed += invalidate_mapping_pages(&f->mapping, 0, UINT64_MAX);
	}
	return freed;
}

/* ---- i_mmap ------------------------------------------------------------------------------ */

static bool vma_maps_range(const struct vm_area_struct *vma, const struct address_space *mapping,
			   pgoff_t first, pgoff_t last)
{
	if (vma->vm_file != mapping->host)
		return false;
	uint64_t pages = vma_pages(vma, mapping->k->page_shift);
	if (!pages)
		return false;
	pgoff_t vfirst = vma->vm_pgoff, vlast = vma->vm_pgoff + pages - 1;
	return vfirst <= last && vlast >= first;
}

struct vm_area_struct *mapping_next_vma(struct address_space *mapping, struct vm_area_struct *prev,
					pgoff_t first, pgoff_t last)
{
	struct mm_kernel *k = mapping->k;
	if (!k || !k->mmlist.next || list_empty(&k->mmlist))
		return NULL;
	struct mm_struct *mm;
	struct vm_area_struct *v;
	if (prev) {
		mm = prev->vm_mm;
		v = vma_next(prev);
	} else {
		mm = list_first_entry(&k->mmlist, struct mm_struct, mmlist);
		v = vma_first(mm);
	}
	for (;;) {
		for (; v; v = vma_next(v))
			if (vma_maps_range(v, mapping, first, last))
				return v;
		if (mm->mmlist.next == &k->mmlist)
			return NULL;
		mm = list_entry(mm->mmlist.next, struct mm_struct, mmlist);
		v = vma_first(mm);
	}
}

bool mapping_mapped(struct address_space *mapping)
{
	return mapping_next_vma(mapping, NULL, 0, UINT64_MAX) != NULL;
}

/* ---- checks --------------------------------------------------------------------------------- */

struct check_state {
	struct address_space *m;
	uint64_t pages, values, nodes, dirty;
	bool ok;
};

static void check_fail(struct check_state *cs, const struct page *page, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void check_fail(struct check_state *cs, const struct page *page, const char *fmt, ...)
{
	va_list ap;
	fprintf(stderr, "filemap_check: %s: ", cs->m->host && cs->m->host->name ? cs->m->host->name : "?");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	if (page) {
		struct strbuf sb = STRBUF_INIT;
		dump_page(cs->m->k, page, &sb);
		fputs(sb_str(&sb), stderr);
		sb_free(&sb);
	}
	cs->ok = false;
}

static void check_entry(struct check_state *cs, void *entry, uint64_t index, bool dirty_mark)
{
	if (xa_is_value(entry)) {
		cs->values++;
		return;
	}
	struct page *page = entry;
	cs->pages++;
	if (dirty_mark)
		cs->dirty++;
	if (page->mapping != cs->m)
		check_fail(cs, page, "page at index 0x%" PRIx64 " has another mapping", index);
	if (page->index != index)
		check_fail(cs, page, "page at index 0x%" PRIx64 " says index 0x%" PRIx64, index,
			   page->index);
	if (page->_refcount < 1 + page->_mapcount)
		check_fail(cs, page, "refcount %d below 1 (cache) + mapcount %d", page->_refcount,
			   page->_mapcount);
	if (!PageFlag(page, PG_lru) || PageFlag(page, PG_anon) || PageFlag(page, PG_buddy))
		check_fail(cs, page, "page-cache page with wrong flags");
	if (PageFlag(page, PG_dirty) && !dirty_mark)
		check_fail(cs, page, "PG_dirty set without the DIRTY mark (nr_dirty not counted)");
	if (dirty_mark && !PageFlag(page, PG_dirty))
		check_fail(cs, page, "DIRTY mark on a clean page");
}

static void check_node(struct check_state *cs, struct xa_node *node, struct xa_node *parent,
		       unsigned offset, uint64_t base)
{
	cs->nodes++;
	if (node->parent != parent || (parent && node->offset != offset))
		check_fail(cs, NULL, "node shift %u at 0x%" PRIx64 ": bad parent link", node->shift, base);
	unsigned count = 0, values = 0;
	for (unsigned i = 0; i < XA_CHUNK_SIZE; i++) {
		void *e = node->slots[i];
		uint64_t idx = base + ((uint64_t)i << node->shift);
		for (int t = 0; t < XA_MAX_MARKS; t++) {
			bool bit = (node->marks[t] >> i) & 1;
			if (bit && !e)
				check_fail(cs, NULL, "mark %d on an empty slot at 0x%" PRIx64, t, idx);
			if (e && node->shift) {
				struct xa_node *child = xa_to_node(e);
				if (bit != (child->marks[t] != 0))
					check_fail(cs, NULL, "mark %d of the node at 0x%" PRIx64
						   " disagrees with its child", t, idx);
			}
		}
		if (!e)
			continue;
		count++;
		if (node->shift) {
			if (!xa_is_node(e) || xa_to_node(e)->shift + XA_CHUNK_SHIFT != node->shift)
				check_fail(cs, NULL, "slot at 0x%" PRIx64 " is not a child node", idx);
			else
				check_node(cs, xa_to_node(e), node, i, idx);
		} else {
			if (xa_is_value(e))
				values++;
			check_entry(cs, e, idx, (node->marks[PAGECACHE_TAG_DIRTY] >> i) & 1);
		}
	}
	if (count != node->count || values != node->nr_values)
		check_fail(cs, NULL, "node at 0x%" PRIx64 ": count %u/%u values %u/%u", base,
			   node->count, count, node->nr_values, values);
	if (!count)
		check_fail(cs, NULL, "empty node at 0x%" PRIx64 " not freed", base);
}

bool filemap_check(struct address_space *mapping)
{
	struct check_state cs = { .m = mapping, .ok = true };
	void *head = mapping->xa_head;
	if (xa_is_node(head))
		check_node(&cs, xa_to_node(head), NULL, 0, 0);
	else if (head)
		check_entry(&cs, head, 0, (mapping->head_marks >> PAGECACHE_TAG_DIRTY) & 1);
	if (cs.pages != mapping->nrpages || cs.values != mapping->nr_values ||
	    cs.nodes != mapping->nr_nodes || cs.dirty != mapping->nrdirty)
		check_fail(&cs, NULL,
			   "counted pages %" PRIu64 " values %" PRIu64 " nodes %" PRIu64 " dirty %" PRIu64
			   ", recorded %" PRIu64 " %" PRIu64 " %" PRIu64 " %" PRIu64,
			   cs.pages, cs.values, cs.nodes, cs.dirty, mapping->nrpages, mapping->nr_values,
			   mapping->nr_nodes, mapping->nrdirty);
	return cs.ok;
}

bool filemap_check_all(struct mm_kernel *k)
{
	struct simfs *fs = k->fs;
	if (!fs)
		return true;
	bool ok = true;
	uint64_t pages = 0, dirty = 0;
	struct list_head *p;
	list_for_each(p, &fs->files) {
		struct simfile *f = list_entry(p, struct simfile, list);
		ok &= filemap_check(&f->mapping);
		pages += f->mapping.nrpages;
		dirty += f->mapping.nrdirty;
	}
	/* NR_FILE_PAGES also counts shmem and swap-cache pages (Linux's
	 * Cached = file pages - swap cache; Shmem is inside it). */
	const uint64_t *v = k->vm.item;
	uint64_t others = v[VM_nr_shmem] + v[VM_nr_swapcached];
	if (pages + others != v[VM_nr_file_pages] || dirty > v[VM_nr_dirty]) {
		fprintf(stderr, "filemap_check_all: nr_file_pages %" PRIu64 " (files hold %" PRIu64
				" + shmem/swapcache %" PRIu64 "), nr_dirty %" PRIu64 " (files hold %" PRIu64 ")\n",
			v[VM_nr_file_pages], pages, others, v[VM_nr_dirty], dirty);
		ok = false;
	}
	return ok;
}
