/*
 * vmalloc.c - virtually contiguous kernel memory (Linux's mm/vmalloc.c).
 *
 * The kernel's virtual address space between VMALLOC_START and VMALLOC_END
 * is handed out in page-granular areas. Each area is a struct vmap_area, and
 * every byte of the range belongs to exactly one area in one of three trees:
 *
 *   VMALLOC_START                                                VMALLOC_END
 *   |busy      |g|free     |busy |g|lazy        |busy  |g|free             |
 *    vmalloc(16K)           vmap   vfree'd, not  vmalloc
 *                                  yet flushed
 *
 *   busy tree   areas in use, each with its vm_struct (flags, pages, caller)
 *   lazy tree   freed areas: PTEs cleared, pages returned, but the TLBs may
 *               still hold translations, so the VA must not be reused yet
 *   free tree   holes, augmented: every node knows the largest hole in its
 *               subtree (subtree_max_size), so alloc_vmap_area finds the
 *               LOWEST hole that fits in O(log n), as Linux's
 *               find_vmap_lowest_match does
 *
 * The trees are AVL trees keyed by va_start (Linux uses rbtrees; the bound
 * and the search are the same). Freeing merges a hole with its neighbours.
 *
 * vmalloc(size) = alloc_vmap_area(size + guard page) + order-0 pages from
 * alloc_pages(GFP_KERNEL | __GFP_HIGHMEM) (HighMem first on i386: vmalloc
 * never needs the direct map) + PTEs in init_mm with PAGE_KERNEL. The guard
 * page stays unmapped, so running off the end faults instead of corrupting
 * the next area; vmallocinfo's size includes it.
 *
 * vfree is lazy, as Linux's is: the PTEs are cleared and the pages freed at
 * once, but the VA goes to the lazy tree, because other CPUs' TLBs may still
 * translate it. When more than lazy_max_pages (fls(nr_cpus) * 32 MiB worth
 * of pages) are waiting, or an allocation finds no hole, one purge shoots
 * down the TLB range covering all of them and returns them to the free
 * tree: one global flush amortised over many vfrees.
 *
 * Kernel page-table pages: mapping a new area may create PTE tables (and
 * PMD/PUD tables). On i386 without PAE a new PTE table means a new PGD entry
 * in init_mm, which process PGDs (copied at fork) do not have: Linux copies
 * it into every PGD on pgd_list (arch_sync_kernel_mappings). Here the PGD
 * indices that changed are passed to sync_fn, which the process layer
 * registers. x86_64 (4-level) preallocates the PUD tables of the whole
 * vmalloc area at boot, as Linux's preallocate_vmalloc_pages does, so its
 * top level never changes; PAE shares the kernel PMD, which is always there.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hw/mmu.h"
#include "include/strbuf.h"
#include "mm/internal.h"
#include "mm/slab.h"
#include "mm/vmalloc.h"

#define VMALLOC_OFFSET (8 * MM_MB) /* i386: gap between high_memory and vmalloc */
/* The GFP bits a nested allocation inherits (Linux's GFP_RECLAIM_MASK). */
#define GFP_RECLAIM_MASK                                                              \
	(__GFP_RECLAIM | __GFP_HIGH | __GFP_IO | __GFP_FS | __GFP_NOWARN |             \
	 __GFP_RETRY_MAYFAIL | __GFP_NOFAIL | __GFP_NORETRY | __GFP_MEMALLOC |        \
	 __GFP_NOMEMALLOC)
/* PAGE_KERNEL: present, writable, global, not executable, A and D preset. */
#define PAGE_KERNEL_FLAGS                                                            \
	(PTE_F_PRESENT | PTE_F_WRITE | PTE_F_ACCESSED | PTE_F_DIRTY | PTE_F_GLOBAL | \
	 PTE_F_NX)

struct vmap_area {
	mm_va_t va_start, va_end;
	struct vmap_area *left, *right;
	int height;
	uint64_t subtree_max_size; /* largest va_end - va_start below (free tree) */
	struct vm_struct *vm;      /* busy areas only */
	mm_va_t obj;               /* its object in the vmap_area slab cache */
};

/* ---- the AVL tree, keyed by va_start ------------------------------------------ */

static uint64_t va_size(const struct vmap_area *va)
{
	return va->va_end - va->va_start;
}

static int va_height(const struct vmap_area *n)
{
	return n ? n->height : 0;
}

static uint64_t va_sms(const struct vmap_area *n)
{
	return n ? n->subtree_max_size : 0;
}

/* Recompute height and the augmented size from the children. */
static void va_update(struct vmap_area *n)
{
	int hl = va_height(n->left), hr = va_height(n->right);
	n->height = 1 + (hl > hr ? hl : hr);
	uint64_t m = va_size(n);
	m = MM_MAX(m, va_sms(n->left));
	n->subtree_max_size = MM_MAX(m, va_sms(n->right));
}

static struct vmap_area *rotate_right(struct vmap_area *y)
{
	struct vmap_area *x = y->left;
	y->left = x->right;
	x->right = y;
	va_update(y);
	va_update(x);
	return x;
}

static struct vmap_area *rotate_left(struct vmap_area *x)
{
	struct vmap_area *y = x->right;
	x->right = y->left;
	y->left = x;
	va_update(x);
	va_update(y);
	return y;
}

static struct vmap_area *rebalance(struct vmap_area *n)
{
	va_update(n);
	int bf = va_height(n->left) - va_height(n->right);
	if (bf > 1) {
		if (va_height(n->left->left) < va_height(n->left->right))
			n->left = rotate_left(n->left);
		return rotate_right(n);
	}
	if (bf < -1) {
		if (va_height(n->right->right) < va_height(n->right->left))
			n->right = rotate_right(n->right);
		return rotate_left(n);
	}
	return n;
}

static struct vmap_area *tree_insert(struct vmap_area *root, struct vmap_area *va)
{
	if (!root) {
		va->left = va->right = NULL;
		va_update(va);
		return va;
	}
	if (va->va_start < root->va_start)
		root->left = tree_insert(root->left, va);
	else
		root->right = tree_insert(root->right, va);
	return rebalance(root);
}

static struct vmap_area *tree_remove_min(struct vmap_area *n, struct vmap_area **min)
{
	if (!n->left) {
		*min = n;
		return n->right;
	}
	n->left = tree_remove_min(n->left, min);
	return rebalance(n);
}

/* Remove the node whose va_start is key (it must be there). */
static struct vmap_area *tree_remove(struct vmap_area *root, mm_va_t key)
{
	if (!root)
		return NULL;
	if (key < root->va_start) {
		root->left = tree_remove(root->left, key);
	} else if (key > root->va_start) {
		root->right = tree_remove(root->right, key);
	} else {
		struct vmap_area *l = root->left, *r = root->right, *m;
		if (!r)
			return l;
		r = tree_remove_min(r, &m);
		m->left = l;
		m->right = r;
		return rebalance(m);
	}
	return rebalance(root);
}

/* A node's range changed in place without changing its order among its
 * neighbours: recompute the augmented sizes on the path to it. key is its
 * (new) va_start. */
static void tree_refresh(struct vmap_area *n, mm_va_t key)
{
	if (!n)
		return;
	if (key < n->va_start)
		tree_refresh(n->left, key);
	else if (key > n->va_start)
		tree_refresh(n->right, key);
	va_update(n);
}

/* The area containing addr, or NULL. */
static struct vmap_area *tree_find(struct vmap_area *n, mm_va_t addr)
{
	while (n) {
		if (addr < n->va_start)
			n = n->left;
		else if (addr >= n->va_end)
			n = n->right;
		else
			return n;
	}
	return NULL;
}

/* The area with the largest va_start < key, and the one with the smallest
 * va_start >= key. */
static void tree_neighbours(struct vmap_area *n, mm_va_t key, struct vmap_area **prev,
			    struct vmap_area **next)
{
	*prev = *next = NULL;
	while (n) {
		if (n->va_start < key) {
			*prev = n;
			n = n->right;
		} else {
			*next = n;
			n = n->left;
		}
	}
}

/* Machine teardown: host memory only (the simulated RAM goes away). */
static void tree_free_all(struct vmap_area *n)
{
	if (!n)
		return;
	tree_free_all(n->left);
	tree_free_all(n->right);
	if (n->vm) {
		free(n->vm->pages);
		free(n->vm);
	}
	free(n);
}

/*
 * Every vmap_area, busy, lazy or free, is also an object of the kernel's
 * vmap_area cache, and every vm_struct a kmalloc object, as in Linux: their
 * memory shows in slabinfo and meminfo Slab. The host structs hold the data;
 * the simulated objects are their footprint. Before the slab allocator runs
 * (or on a machine without one) nothing is accounted.
 */
static struct vmap_area *va_new(struct mm_kernel *k, mm_va_t start, mm_va_t end)
{
	mm_va_t obj = 0;
	struct kmem_cache *s = k->slab ? kmem_named_cache(k, KMEM_VMAP_AREA) : NULL;
	if (s && !(obj = kmem_cache_alloc(k, s, GFP_KERNEL)))
		return NULL;
	struct vmap_area *va = xcalloc(1, sizeof(*va));
	va->va_start = start;
	va->va_end = end;
	va->height = 1;
	va->subtree_max_size = end - start;
	va->obj = obj;
	return va;
}

static void va_release(struct mm_kernel *k, struct vmap_area *va)
{
	if (va->obj && k->slab)
		kmem_cache_free(k, kmem_named_cache(k, KMEM_VMAP_AREA), va->obj);
	free(va);
}

/* ---- finding and carving holes --------------------------------------------------- */

/* Where an allocation of size/align would start inside free area va, or 0
 * if it does not fit there (is_within_this_va). */
static mm_va_t fit_in_va(const struct vmap_area *va, uint64_t size, uint64_t align,
			 mm_va_t vstart)
{
	mm_va_t nva = MM_ALIGN_UP(MM_MAX(va->va_start, vstart), align);
	if (nva < vstart || nva + size < nva)
		return 0;
	return nva + size <= va->va_end ? nva : 0;
}

/* The lowest free area where size fits (find_vmap_lowest_match): descend
 * left whenever the left subtree has a big enough hole, since lower
 * addresses win; length is size + align - 1 when align exceeds a page, so a
 * subtree's max size guarantees an aligned fit. */
static struct vmap_area *lowest_match(struct vmap_area *n, uint64_t size, uint64_t align,
				      mm_va_t vstart, uint64_t length)
{
	if (!n || n->subtree_max_size < length)
		return NULL;
	if (va_sms(n->left) >= length && vstart < n->va_start) {
		struct vmap_area *r = lowest_match(n->left, size, align, vstart, length);
		if (r)
			return r;
	}
	if (fit_in_va(n, size, align, vstart))
		return n;
	if (va_sms(n->right) >= length)
		return lowest_match(n->right, size, align, vstart, length);
	return NULL;
}

/* The highest free area holding an aligned block of size ending at or below
 * vend (pcpu_get_vm_areas scans from the top). *out gets the start. */
static struct vmap_area *highest_match(struct vmap_area *n, uint64_t size, uint64_t align,
				       mm_va_t vstart, mm_va_t vend, mm_va_t *out)
{
	if (!n || n->subtree_max_size < size)
		return NULL;
	if (va_sms(n->right) >= size && n->va_end < vend) {
		struct vmap_area *r = highest_match(n->right, size, align, vstart, vend, out);
		if (r)
			return r;
	}
	mm_va_t top = MM_MIN(n->va_end, vend);
	if (top >= size) {
		mm_va_t s = MM_ALIGN_DOWN(top - size, align);
		if (s >= n->va_start && s >= vstart && top > n->va_start) {
			*out = s;
			return n;
		}
	}
	if (va_sms(n->left) >= size)
		return highest_match(n->left, size, align, vstart, vend, out);
	return NULL;
}

/* Take [nva, nva+size) out of free area va (va_clip: FL/LE/RE/NE fit).
 * *spare is the node an NE split needs (Linux's ne_fit_preload_node); it is
 * consumed (set to NULL) when used. */
static void free_area_clip(struct mm_kernel *k, struct vmap_area *va, mm_va_t nva,
			   uint64_t size, struct vmap_area **spare)
{
	struct vmalloc_state *vs = k->vmalloc;
	mm_va_t end = nva + size;
	if (va->va_start == nva && va->va_end == end) { /* FL: the whole hole */
		vs->free_root = tree_remove(vs->free_root, va->va_start);
		vs->nr_free_areas--;
		va_release(k, va);
	} else if (va->va_start == nva) { /* LE: hole keeps its right part */
		va->va_start = end;
		tree_refresh(vs->free_root, va->va_start);
	} else if (va->va_end == end) { /* RE: hole keeps its left part */
		va->va_end = nva;
		tree_refresh(vs->free_root, va->va_start);
	} else { /* NE: the hole splits in two */
		struct vmap_area *right = *spare;
		*spare = NULL;
		right->va_start = end;
		right->va_end = va->va_end;
		va->va_end = nva;
		tree_refresh(vs->free_root, va->va_start);
		vs->free_root = tree_insert(vs->free_root, right);
		vs->nr_free_areas++;
	}
}

/* Insert va into a tree, merging it with touching neighbours there
 * (merge_or_add_vmap_area). va may be freed; *count tracks the tree's size. */
static void merge_or_add(struct mm_kernel *k, struct vmap_area **root, struct vmap_area *va,
			 uint64_t *count)
{
	struct vmap_area *prev, *next;
	tree_neighbours(*root, va->va_start, &prev, &next);
	bool mp = prev && prev->va_end == va->va_start;
	bool mn = next && next->va_start == va->va_end;
	if (mp && mn) {
		mm_va_t end = next->va_end;
		*root = tree_remove(*root, next->va_start);
		va_release(k, next);
		(*count)--;
		prev->va_end = end;
		tree_refresh(*root, prev->va_start);
		va_release(k, va);
	} else if (mp) {
		prev->va_end = va->va_end;
		tree_refresh(*root, prev->va_start);
		va_release(k, va);
	} else if (mn) {
		next->va_start = va->va_start;
		tree_refresh(*root, next->va_start);
		va_release(k, va);
	} else {
		va->vm = NULL;
		*root = tree_insert(*root, va);
		(*count)++;
	}
}

/* ---- TLB flush and the lazy purge ------------------------------------------------- */

void kernel_tlb_flush_range(struct mm_kernel *k, mm_va_t start, mm_va_t end)
{
	if (k->vmalloc)
		k->vmalloc->nr_tlb_flushes++;
	if (!k->cpus || start >= end)
		return;
	/* flush_tlb_kernel_range: every CPU may cache kernel translations, so
	 * all of them flush (IPIs from the running CPU, taken to be CPU 0 until
	 * the scheduler says otherwise); beyond tlb_single_page_flush_ceiling
	 * pages a CPU drops everything, global entries included. */
	uint64_t mask = k->nr_cpus >= 64 ? UINT64_MAX : (1ULL << k->nr_cpus) - 1;
	tlb_shootdown(k->cpus, k->nr_cpus, 0, mask, MM_ALIGN_DOWN(start, k->page_size),
		      MM_ALIGN_UP(end, k->page_size), k->page_shift, true);
}

void vmalloc_purge_lazy(struct mm_kernel *k)
{
	struct vmalloc_state *vs = k->vmalloc;
	if (!vs || !vs->lazy_root)
		return;
	struct vmap_area *lo = vs->lazy_root, *hi = vs->lazy_root;
	while (lo->left)
		lo = lo->left;
	while (hi->right)
		hi = hi->right;
	/* One flush covers every lazily freed range: this is the whole point. */
	kernel_tlb_flush_range(k, lo->va_start, hi->va_end);
	while (vs->lazy_root) {
		struct vmap_area *va = vs->lazy_root;
		vs->lazy_root = tree_remove(vs->lazy_root, va->va_start);
		vs->nr_lazy_areas--;
		merge_or_add(k, &vs->free_root, va, &vs->nr_free_areas);
	}
	vs->lazy_pages = 0;
	vs->nr_purges++;
}

/* free_vmap_area_noflush: the area's PTEs are already cleared. */
static void free_vmap_area_noflush(struct mm_kernel *k, struct vmap_area *va)
{
	struct vmalloc_state *vs = k->vmalloc;
	vs->lazy_pages += va_size(va) >> k->page_shift;
	va->vm = NULL;
	merge_or_add(k, &vs->lazy_root, va, &vs->nr_lazy_areas);
	/* Linux schedules drain_vmap_work here; mmsim purges synchronously. */
	if (vs->lazy_pages > vs->lazy_max_pages)
		vmalloc_purge_lazy(k);
}

/*
 * alloc_vmap_area: the lowest hole of size bytes aligned to align inside
 * [vstart, vend). On failure purge the lazy areas once and retry, as Linux
 * does before warning. Returns the new area (not yet in the busy tree:
 * busy_insert links it with its vm_struct) or NULL.
 */
static struct vmap_area *alloc_vmap_area(struct mm_kernel *k, uint64_t size, uint64_t align,
					 mm_va_t vstart, mm_va_t vend)
{
	struct vmalloc_state *vs = k->vmalloc;
	if (size == 0 || align == 0 || (align & (align - 1)))
		return NULL;
	/* The new area's node and the one a split may need, before any change. */
	struct vmap_area *va = va_new(k, 0, 0), *spare = va ? va_new(k, 0, 0) : NULL;
	if (!va || !spare) {
		if (va)
			va_release(k, va);
		return NULL;
	}
	for (int purged = 0; purged < 2; purged++) {
		bool adjust = align > k->page_size && vend - vstart != size;
		uint64_t length = adjust ? size + align - 1 : size;
		struct vmap_area *hole = length >= size
						 ? lowest_match(vs->free_root, size, align, vstart, length)
						 : NULL;
		mm_va_t nva = hole ? fit_in_va(hole, size, align, vstart) : 0;
		if (hole && nva && nva + size <= vend) {
			free_area_clip(k, hole, nva, size, &spare);
			if (spare)
				va_release(k, spare);
			va->va_start = nva; /* the caller links it into the busy tree */
			va->va_end = nva + size;
			return va;
		}
		if (!vs->lazy_root)
			break;
		vmalloc_purge_lazy(k);
	}
	va_release(k, va);
	va_release(k, spare);
	printk(k, "vmap allocation for size %" PRIu64 " failed: use vmalloc=<size> to increase size",
	       size);
	return NULL;
}

/* Move a busy area to the lazy tree (its PTEs must be clear). */
static void busy_to_lazy(struct mm_kernel *k, struct vmap_area *va)
{
	struct vmalloc_state *vs = k->vmalloc;
	vs->busy_root = tree_remove(vs->busy_root, va->va_start);
	vs->nr_busy--;
	free_vmap_area_noflush(k, va);
}

/* ---- page tables ------------------------------------------------------------------ */

static unsigned pgd_index(const struct mm_kernel *k, mm_va_t va)
{
	return arch_va_index(k->arch, 0, va);
}

static bool pgd_present(const struct mm_kernel *k, unsigned idx)
{
	mm_pa_t e = k->kernel_pgd_pa + (mm_pa_t)idx * k->arch->pte_bytes;
	return arch_pte_flags(k->arch, pte_read(k, e)) & PTE_F_PRESENT;
}

/*
 * Like Linux's vmap_pte_range / vunmap_pte_range, work one last-level table
 * at a time: one walk finds the table, then its entries are consecutive
 * words. (A walk per page would cost a read per level per page.)
 */

/* Bytes one last-level table maps (4M on i386, 2M with 8-byte entries). */
static uint64_t pte_table_span(const struct mm_kernel *k)
{
	const struct arch_profile *a = k->arch;
	return (uint64_t)arch_table_entries(a, a->nr_levels - 1) << k->page_shift;
}

/* The PA of va's last-level entry, or 0 when no table reaches down to it
 * (an empty upper entry, or a huge leaf above). */
static mm_pa_t pte_entry_pa(const struct mm_kernel *k, mm_va_t va)
{
	struct pgtable_walk w;
	pgtable_walk(k, k->kernel_pgd_pa, va, &w);
	if (w.nr_steps != k->arch->nr_levels || w.step[w.nr_steps - 1].level != k->arch->nr_levels - 1)
		return 0;
	return w.step[w.nr_steps - 1].entry_pa;
}

void vunmap_range_noflush(struct mm_kernel *k, mm_va_t va, uint64_t len)
{
	const struct arch_profile *a = k->arch;
	uint64_t span = pte_table_span(k);
	mm_va_t end = va + len;
	while (va < end) {
		mm_va_t stop = MM_MIN(end, MM_ALIGN_DOWN(va, span) + span);
		if (stop <= va)
			stop = end; /* the last table of the address space */
		mm_pa_t e = pte_entry_pa(k, va);
		if (!e) {
			/* No table here, or a huge leaf (never vmalloc's): the generic
			 * code knows what to do. */
			pgtable_unmap_range(k, k->kernel_pgd_pa, va, stop - va);
		} else {
			for (mm_va_t x = va; x < stop; x += k->page_size, e += a->pte_bytes)
				if (pte_read(k, e))
					pte_write(k, e, 0);
		}
		va = stop;
	}
}

int vmap_pages_range(struct mm_kernel *k, mm_va_t va, const mm_pfn_t *pfns, unsigned nr)
{
	struct vmalloc_state *vs = k->vmalloc;
	const struct arch_profile *a = k->arch;
	if (nr == 0)
		return 0;
	uint64_t len = (uint64_t)nr << k->page_shift, span = pte_table_span(k);
	unsigned first = pgd_index(k, va), last = pgd_index(k, va + len - 1);
	/* Which top-level entries are empty now (arch_sync_kernel_mappings needs
	 * the ones this mapping fills). A vmalloc area spans few of them. */
	unsigned nr_idx = last - first + 1;
	bool *was_empty = xcalloc(nr_idx, sizeof(bool));
	for (unsigned i = 0; i < nr_idx; i++)
		was_empty[i] = !pgd_present(k, first + i);

	int err = 0;
	unsigned done = 0;
	mm_pa_t e = 0;
	for (; done < nr; done++, e += a->pte_bytes) {
		mm_va_t x = va + ((uint64_t)done << k->page_shift);
		mm_pte_t pte = arch_pte_encode(a, pfns[done], PAGE_KERNEL_FLAGS);
		if (done == 0 || (x & (span - 1)) == 0) {
			/* A new last-level table: find it, or have pgtable.c build the
			 * path to it by mapping this page. */
			e = pte_entry_pa(k, x);
			if (!e) {
				err = pgtable_map_range(k, k->kernel_pgd_pa, x, pfns[done] << k->page_shift,
							k->page_size, k->page_size, PAGE_KERNEL_FLAGS);
				if (err || !(e = pte_entry_pa(k, x))) {
					err = err ? err : -ENOMEM;
					break;
				}
				continue;
			}
		}
		if (pte_read(k, e)) {
			/* Linux: WARN_ON(!pte_none(*pte)), -EBUSY. */
			printk(k, "WARNING: vmap_pte_range: 0x%" PRIx64 " is already mapped", x);
			err = -EBUSY;
			break;
		}
		pte_write(k, e, pte);
	}
	if (err && done)
		vunmap_range_noflush(k, va, (uint64_t)done << k->page_shift);

	int lo = -1, hi = -1;
	for (unsigned i = 0; i < nr_idx; i++) {
		if (was_empty[i] && pgd_present(k, first + i)) {
			if (lo < 0)
				lo = (int)(first + i);
			hi = (int)(first + i);
		}
	}
	free(was_empty);
	if (lo >= 0 && vs) {
		vs->nr_pgd_syncs++;
		if (vs->sync_fn)
			vs->sync_fn(vs->sync_arg, k, (unsigned)lo, (unsigned)hi);
	}
	return err;
}

/* ---- vm_struct life ------------------------------------------------------------------ */

/* sizeof(struct vm_struct) on the simulated arch (Linux 6.6 layout: next,
 * addr, size, flags, pages, page_order + nr_pages, phys_addr, caller). */
static size_t vm_struct_bytes(const struct mm_kernel *k)
{
	if (k->arch->va_bits > 32)
		return 64;
	return k->arch->pa_bits > 32 ? 36 : 32; /* phys_addr_t grows with PAE */
}

/* A vm_struct (and its kmalloc footprint), or NULL when that fails. */
static struct vm_struct *vm_new(struct mm_kernel *k, unsigned flags, const char *caller)
{
	mm_va_t obj = 0;
	if (k->slab && !(obj = kzalloc(k, vm_struct_bytes(k), GFP_KERNEL)))
		return NULL;
	struct vm_struct *vm = xcalloc(1, sizeof(*vm));
	vm->flags = flags;
	vm->obj = obj;
	snprintf(vm->caller, sizeof(vm->caller), "%s", caller ? caller : "?");
	return vm;
}

static void vm_free(struct mm_kernel *k, struct vm_struct *vm)
{
	if (!vm)
		return;
	if (k->slab) {
		kfree(k, vm->pages_obj);
		kfree(k, vm->obj);
	}
	free(vm->pages);
	free(vm);
}

/* Link a new busy area [start, start + size) for vm. */
static void busy_insert(struct mm_kernel *k, struct vmap_area *va, mm_va_t start, uint64_t size,
			struct vm_struct *vm)
{
	struct vmalloc_state *vs = k->vmalloc;
	va->va_start = start;
	va->va_end = start + size;
	va->vm = vm;
	vm->addr = start;
	vm->size = size;
	vs->busy_root = tree_insert(vs->busy_root, va);
	vs->nr_busy++;
}

/* __get_vm_area_node: an area of size bytes plus the guard page. */
static struct vm_struct *get_vm_area(struct mm_kernel *k, uint64_t size, unsigned flags,
				     const char *caller)
{
	struct vmalloc_state *vs = k->vmalloc;
	size = MM_ALIGN_UP(size, k->page_size);
	if (!(flags & VM_NO_GUARD))
		size += k->page_size;
	struct vm_struct *vm = vm_new(k, flags, caller);
	if (!vm)
		return NULL;
	struct vmap_area *va = alloc_vmap_area(k, size, 1, vs->start, vs->end);
	if (!va) {
		vm_free(k, vm);
		return NULL;
	}
	busy_insert(k, va, va->va_start, size, vm);
	return vm;
}

/* Unlink the busy area that contains addr: its vm_struct, or NULL. The PTEs
 * are cleared, the range goes lazy; the caller frees the pages and vm. */
static struct vm_struct *remove_vm_area(struct mm_kernel *k, mm_va_t addr)
{
	struct vmalloc_state *vs = k->vmalloc;
	struct vmap_area *va = tree_find(vs->busy_root, addr);
	if (!va || !va->vm)
		return NULL;
	struct vm_struct *vm = va->vm;
	vunmap_range_noflush(k, va->va_start, va_size(va));
	busy_to_lazy(k, va);
	return vm;
}

struct vm_struct *vmalloc_get_area_topdown(struct mm_kernel *k, uint64_t size, uint64_t align,
					   unsigned flags, const char *caller)
{
	struct vmalloc_state *vs = k->vmalloc;
	if (!vs || size == 0 || align < k->page_size || (align & (align - 1)))
		return NULL;
	size = MM_ALIGN_UP(size, k->page_size);
	struct vm_struct *vm = vm_new(k, flags | VM_NO_GUARD, caller);
	struct vmap_area *va = vm ? va_new(k, 0, 0) : NULL;
	struct vmap_area *spare = va ? va_new(k, 0, 0) : NULL;
	if (!spare)
		goto fail;
	for (int purged = 0; purged < 2; purged++) {
		mm_va_t vend = MM_ALIGN_DOWN(vs->end, align), start = 0;
		struct vmap_area *hole = highest_match(vs->free_root, size, align, vs->start, vend, &start);
		if (hole) {
			free_area_clip(k, hole, start, size, &spare);
			if (spare)
				va_release(k, spare);
			busy_insert(k, va, start, size, vm);
			return vm;
		}
		if (!vs->lazy_root)
			break;
		vmalloc_purge_lazy(k);
	}
fail:
	if (spare)
		va_release(k, spare);
	if (va)
		va_release(k, va);
	vm_free(k, vm);
	return NULL;
}

void vmalloc_free_area(struct mm_kernel *k, struct vm_struct *vm)
{
	if (!vm || !k->vmalloc)
		return;
	struct vm_struct *got = remove_vm_area(k, vm->addr);
	vm_free(k, got);
}

/* ---- vmalloc / vfree ------------------------------------------------------------------ */

/* Bytes of a struct page pointer on this arch: the size of Linux's pages[]. */
static uint64_t arch_ptr_bytes(const struct mm_kernel *k)
{
	return k->arch->va_bits > 32 ? 8 : 4;
}

static void vmalloc_warn(struct mm_kernel *k, uint64_t size, gfp_t gfp, const char *what)
{
	char gfps[128];
	gfp_format(gfp, gfps, sizeof(gfps));
	snprintf(k->last_error, sizeof(k->last_error), "vmalloc error: size %" PRIu64 ", %s", size,
		 what);
	/* warn_alloc's line; the running task is the scenario ("mmsim"). */
	printk(k, "mmsim: vmalloc error: size %" PRIu64 ", %s, mode:%#x(%s), nodemask=(null),"
		  "cpuset=/,mems_allowed=0", size, what, gfp, gfps);
}

/* Free the pages of vm (the first nr of them), then its pages array, in
 * vfree's order. */
static void vm_release_pages(struct mm_kernel *k, struct vm_struct *vm, unsigned nr)
{
	for (unsigned i = 0; i < nr; i++)
		__free_pages(k, pfn_to_page(k, vm->pages[i]), 0);
	k->nr_vmalloc_pages -= nr;
	if (vm->pages_va)
		vfree(k, vm->pages_va);
	vm->pages_va = 0;
}

mm_va_t __vmalloc_caller(struct mm_kernel *k, uint64_t size, gfp_t gfp, const char *caller)
{
	struct vmalloc_state *vs = k->vmalloc;
	if (!vs) {
		snprintf(k->last_error, sizeof(k->last_error), "this machine has no vmalloc area");
		return 0;
	}
	if (size == 0) {
		snprintf(k->last_error, sizeof(k->last_error), "vmalloc: size 0");
		printk(k, "WARNING: CPU: 0 PID: 0 at mm/vmalloc.c: __vmalloc_node_range: size 0");
		vs->nr_failed++;
		return 0;
	}
	uint64_t real_size = size;
	size = MM_ALIGN_UP(size, k->page_size);
	if (size < real_size || (size >> k->page_shift) > k->totalram_pages) {
		vmalloc_warn(k, real_size, gfp, "exceeds total pages");
		vs->nr_failed++;
		return 0;
	}
	struct vm_struct *vm = get_vm_area(k, size, VM_ALLOC | VM_UNINITIALIZED, caller);
	if (!vm) {
		vmalloc_warn(k, real_size, gfp, "vm_struct allocation failed");
		vs->nr_failed++;
		return 0;
	}
	unsigned nr_pages = (unsigned)(size >> k->page_shift);
	vm->pages = xcalloc(nr_pages, sizeof(mm_pfn_t));
	/* __vmalloc_area_node: highmem is fine unless a DMA zone was asked for;
	 * the warnings below print this mask, and Linux's texts and sizes. */
	if (!(gfp & (__GFP_DMA | __GFP_DMA32)))
		gfp |= __GFP_HIGHMEM;
	/* Linux keeps pages[] in kmalloc memory, or in a nested vmalloc area
	 * when it needs more than a page ("vpages" in vmallocinfo). The PFNs
	 * themselves live in host memory; the nested area is allocated so that
	 * its pages, its VA and its vmallocinfo line are where Linux has them. */
	uint64_t array_bytes = (uint64_t)nr_pages * arch_ptr_bytes(k);
	gfp_t nested_gfp = (gfp & GFP_RECLAIM_MASK) | __GFP_ZERO;
	vm->pages_vmalloced = array_bytes > k->page_size;
	if (vm->pages_vmalloced)
		vm->pages_va = __vmalloc_caller(k, array_bytes, nested_gfp, vm->caller);
	else if (k->slab)
		vm->pages_obj = kmalloc(k, array_bytes, nested_gfp);
	if (vm->pages_vmalloced ? !vm->pages_va : (k->slab && !vm->pages_obj)) {
		char what[96];
		snprintf(what, sizeof(what), "failed to allocated page array size %" PRIu64, array_bytes);
		vmalloc_warn(k, size, gfp, what);
		goto fail;
	}

	unsigned got = 0;
	for (; got < nr_pages; got++) {
		struct page *p = alloc_pages(k, gfp | __GFP_NOWARN, 0);
		if (!p)
			break;
		vm->pages[got] = page_to_pfn(k, p);
	}
	vm->nr_pages = got;
	k->nr_vmalloc_pages += got;
	if (got < nr_pages) {
		/* Linux reports the size it did get. */
		vmalloc_warn(k, (uint64_t)got << k->page_shift, gfp, "failed to allocate pages");
		goto fail;
	}
	if (vmap_pages_range(k, vm->addr, vm->pages, nr_pages)) {
		vmalloc_warn(k, size, gfp, "failed to map pages");
		goto fail;
	}
	vm->flags &= ~VM_UNINITIALIZED;
	vs->nr_vmalloc++;
	if (k->debug_checks)
		vmalloc_check(k);
	return vm->addr;

fail:
	vs->nr_failed++;
	remove_vm_area(k, vm->addr);
	vm_release_pages(k, vm, vm->nr_pages);
	vm_free(k, vm);
	return 0;
}

mm_va_t vmalloc(struct mm_kernel *k, uint64_t size)
{
	return __vmalloc_caller(k, size, GFP_KERNEL, "vmalloc");
}

mm_va_t vzalloc(struct mm_kernel *k, uint64_t size)
{
	return __vmalloc_caller(k, size, GFP_KERNEL | __GFP_ZERO, "vzalloc");
}

/* The vm_struct vfree/vunmap may remove at addr, or NULL after a warning. */
static struct vm_struct *vm_for_free(struct mm_kernel *k, mm_va_t addr, const char *fn)
{
	struct vmalloc_state *vs = k->vmalloc;
	if (addr & (k->page_size - 1)) {
		printk(k, "WARNING: Trying to %s() bad address (0x%" PRIx64 ")", fn, addr);
		snprintf(k->last_error, sizeof(k->last_error), "%s: 0x%" PRIx64 " is not page aligned",
			 fn, addr);
		return NULL;
	}
	struct vmap_area *va = vs ? tree_find(vs->busy_root, addr) : NULL;
	/* Percpu chunks and other internal areas are not the caller's to free. */
	if (!va || !va->vm || !(va->vm->flags & (VM_ALLOC | VM_MAP))) {
		printk(k, "Trying to %s() nonexistent vm area (0x%" PRIx64 ")", fn, addr);
		snprintf(k->last_error, sizeof(k->last_error), "%s: no vmalloc area at 0x%" PRIx64, fn,
			 addr);
		return NULL;
	}
	return va->vm;
}

int vfree(struct mm_kernel *k, mm_va_t addr)
{
	if (!addr)
		return 0;
	if (!vm_for_free(k, addr, "vfree"))
		return -EINVAL;
	/* Like Linux, any page-aligned address inside the area frees all of it. */
	struct vm_struct *vm = remove_vm_area(k, addr);
	vm_release_pages(k, vm, vm->nr_pages);
	k->vmalloc->nr_vfree++;
	vm_free(k, vm);
	if (k->debug_checks)
		vmalloc_check(k);
	return 0;
}

mm_va_t vmap(struct mm_kernel *k, const mm_pfn_t *pfns, unsigned count, unsigned flags,
	     const char *caller)
{
	struct vmalloc_state *vs = k->vmalloc;
	if (!vs || count == 0 || (uint64_t)count > k->max_pfn) {
		snprintf(k->last_error, sizeof(k->last_error), "vmap: bad page count %u", count);
		return 0;
	}
	for (unsigned i = 0; i < count; i++) {
		if (!pfn_valid(k, pfns[i])) {
			snprintf(k->last_error, sizeof(k->last_error), "vmap: pfn 0x%" PRIx64 " is not RAM",
				 pfns[i]);
			return 0;
		}
	}
	struct vm_struct *vm = get_vm_area(k, (uint64_t)count << k->page_shift, flags | VM_MAP, caller);
	if (!vm) {
		snprintf(k->last_error, sizeof(k->last_error), "vmap: no room in the vmalloc area");
		vs->nr_failed++;
		return 0;
	}
	if (vmap_pages_range(k, vm->addr, pfns, count)) {
		snprintf(k->last_error, sizeof(k->last_error), "vmap: out of memory for page tables");
		remove_vm_area(k, vm->addr);
		vm_free(k, vm);
		vs->nr_failed++;
		return 0;
	}
	vs->nr_vmap++;
	return vm->addr;
}

int vunmap(struct mm_kernel *k, mm_va_t addr)
{
	struct vm_struct *vm = vm_for_free(k, addr, "vunmap");
	if (!vm)
		return -EINVAL;
	vm = remove_vm_area(k, addr);
	k->vmalloc->nr_vunmap++;
	vm_free(k, vm);
	return 0;
}

/* ---- queries --------------------------------------------------------------------------- */

bool is_vmalloc_addr(const struct mm_kernel *k, mm_va_t va)
{
	const struct vmalloc_state *vs = k->vmalloc;
	return vs && va >= vs->start && va < vs->end;
}

struct vm_struct *find_vm_area(const struct mm_kernel *k, mm_va_t va)
{
	const struct vmalloc_state *vs = k->vmalloc;
	struct vmap_area *a = vs ? tree_find(vs->busy_root, va) : NULL;
	return a ? a->vm : NULL;
}

int vmalloc_to_pfn(const struct mm_kernel *k, mm_va_t va, mm_pfn_t *pfn)
{
	if (!is_vmalloc_addr(k, va))
		return -EINVAL;
	struct pgtable_walk w;
	pgtable_walk(k, k->kernel_pgd_pa, va, &w);
	if (!w.mapped)
		return -EFAULT;
	*pfn = w.pa >> k->page_shift;
	return 0;
}

uint64_t vmalloc_total_bytes(const struct mm_kernel *k)
{
	const struct vmalloc_state *vs = k->vmalloc;
	return vs ? vs->total_bytes : 0;
}

static void walk_tree(const struct vmap_area *n, bool lazy,
		      void (*fn)(void *arg, const struct vmap_area_info *a), void *arg)
{
	if (!n)
		return;
	walk_tree(n->left, lazy, fn, arg);
	struct vmap_area_info info = { n->va_start, n->va_end, lazy, lazy ? NULL : n->vm };
	fn(arg, &info);
	walk_tree(n->right, lazy, fn, arg);
}

void vmap_area_walk(const struct mm_kernel *k,
		    void (*fn)(void *arg, const struct vmap_area_info *a), void *arg)
{
	const struct vmalloc_state *vs = k->vmalloc;
	if (!vs)
		return;
	walk_tree(vs->busy_root, false, fn, arg);
	walk_tree(vs->lazy_root, true, fn, arg);
}

uint64_t vmalloc_largest_free(const struct mm_kernel *k)
{
	const struct vmalloc_state *vs = k->vmalloc;
	return vs ? va_sms(vs->free_root) : 0;
}

void vmalloc_set_sync_hook(struct mm_kernel *k, vmalloc_sync_fn fn, void *arg)
{
	if (k->vmalloc) {
		k->vmalloc->sync_fn = fn;
		k->vmalloc->sync_arg = arg;
	}
}

/* ---- the checker ------------------------------------------------------------------------ */

struct va_range {
	mm_va_t start, end;
};

struct check_ctx {
	const struct mm_kernel *k;
	const char *tree;
	mm_va_t prev_end;
	uint64_t count;
	bool ok;
	bool augmented;
	struct va_range *all; /* every area of the three trees: they must tile the range */
	size_t n, cap;
};

static int check_node(struct check_ctx *c, const struct vmap_area *n)
{
	if (!n)
		return 0;
	int hl = check_node(c, n->left);
	if (n->va_start >= n->va_end || (n->va_start & (c->k->page_size - 1)) ||
	    (n->va_end & (c->k->page_size - 1))) {
		fprintf(stderr, "vmalloc_check: %s area [0x%" PRIx64 ", 0x%" PRIx64 ") is malformed\n",
			c->tree, n->va_start, n->va_end);
		c->ok = false;
	}
	if (c->count && n->va_start < c->prev_end) {
		fprintf(stderr, "vmalloc_check: %s area 0x%" PRIx64 " overlaps or is out of order\n",
			c->tree, n->va_start);
		c->ok = false;
	}
	c->prev_end = n->va_end;
	c->count++;
	if (c->n == c->cap) {
		c->cap = c->cap ? 2 * c->cap : 64;
		c->all = xrealloc(c->all, c->cap * sizeof(*c->all));
	}
	c->all[c->n++] = (struct va_range){ n->va_start, n->va_end };
	int hr = check_node(c, n->right);
	int h = 1 + (hl > hr ? hl : hr);
	if (h != n->height || hl - hr > 1 || hr - hl > 1) {
		fprintf(stderr, "vmalloc_check: %s area 0x%" PRIx64 ": height %d (recomputed %d, %d/%d)\n",
			c->tree, n->va_start, n->height, h, hl, hr);
		c->ok = false;
	}
	if (c->augmented) {
		uint64_t m = MM_MAX(va_size(n), MM_MAX(va_sms(n->left), va_sms(n->right)));
		if (m != n->subtree_max_size) {
			fprintf(stderr, "vmalloc_check: free area 0x%" PRIx64 ": subtree_max_size %" PRIu64
				" (recomputed %" PRIu64 ")\n", n->va_start, n->subtree_max_size, m);
			c->ok = false;
		}
	}
	return h;
}

static int cmp_range(const void *a, const void *b)
{
	mm_va_t x = ((const struct va_range *)a)->start, y = ((const struct va_range *)b)->start;
	return x < y ? -1 : x > y;
}

bool vmalloc_check(const struct mm_kernel *k)
{
	const struct vmalloc_state *vs = k->vmalloc;
	if (!vs)
		return true;
	struct check_ctx c = { .k = k, .ok = true };
	const struct { const char *name; const struct vmap_area *root; uint64_t want; bool aug; } t[] = {
		{ "busy", vs->busy_root, vs->nr_busy, false },
		{ "lazy", vs->lazy_root, vs->nr_lazy_areas, false },
		{ "free", vs->free_root, vs->nr_free_areas, true },
	};
	for (size_t i = 0; i < MM_ARRAY_SIZE(t); i++) {
		c.tree = t[i].name;
		c.count = 0;
		c.augmented = t[i].aug;
		check_node(&c, t[i].root);
		if (c.count != t[i].want) {
			fprintf(stderr, "vmalloc_check: %s tree has %" PRIu64 " areas, count says %" PRIu64 "\n",
				t[i].name, c.count, t[i].want);
			c.ok = false;
		}
	}
	/* Together the trees tile [start, end): no gap, no overlap. */
	if (c.n)
		qsort(c.all, c.n, sizeof(*c.all), cmp_range);
	mm_va_t pos = vs->start;
	for (size_t i = 0; i < c.n; i++) {
		if (c.all[i].start != pos) {
			fprintf(stderr, "vmalloc_check: gap or overlap at 0x%" PRIx64 " (next area 0x%" PRIx64 ")\n",
				pos, c.all[i].start);
			c.ok = false;
		}
		pos = c.all[i].end;
	}
	if (pos != vs->end) {
		fprintf(stderr, "vmalloc_check: areas end at 0x%" PRIx64 ", the range at 0x%" PRIx64 "\n",
			pos, vs->end);
		c.ok = false;
	}
	free(c.all);
	return c.ok;
}

/* ---- init / fini ---------------------------------------------------------------------------- */

/* Linux's lazy_max_pages: fls(num_online_cpus()) * 32 MiB of pages. */
static uint64_t lazy_max_pages(const struct mm_kernel *k)
{
	unsigned log = 0;
	for (unsigned n = k->nr_cpus; n; n >>= 1)
		log++;
	return (uint64_t)log * ((32 * MM_MB) >> k->page_shift);
}

/*
 * x86_64 with 4 levels: give every PGD entry of the vmalloc area its PUD
 * table now (preallocate_vmalloc_pages), so that later mappings never change
 * the top level and no process PGD needs syncing. A table is made by mapping
 * and unmapping a 1G leaf: pgtable.c leaves tables in place.
 */
static void preallocate_vmalloc_tables(struct mm_kernel *k)
{
	const struct arch_profile *a = k->arch;
	struct vmalloc_state *vs = k->vmalloc;
	if (a->nr_levels != 4 || !a->level[1].huge_leaf_ok)
		return;
	uint64_t pgdir = arch_level_span(a, 0), leaf = arch_level_span(a, 1);
	for (mm_va_t addr = MM_ALIGN_DOWN(vs->start, pgdir); addr < vs->end; addr += pgdir) {
		mm_va_t at = MM_MAX(addr, MM_ALIGN_UP(vs->start, leaf));
		if (pgd_present(k, pgd_index(k, at)))
			continue;
		if (pgtable_map_range(k, k->kernel_pgd_pa, at, 0, leaf, leaf, PAGE_KERNEL_FLAGS))
			break; /* out of memory: later mappings create them, the hook syncs */
		pgtable_unmap_range(k, k->kernel_pgd_pa, at, leaf);
		vs->prealloc_tables++;
		if (addr + pgdir < addr)
			break;
	}
}

int vmalloc_init(struct mm_kernel *k)
{
	const struct arch_profile *a = k->arch;
	if (k->vmalloc || a->is_toy || !a->vmalloc_end || !k->kernel_pgd_pa)
		return 0; /* already up, or no kernel address space */
	struct vmalloc_state *vs = calloc(1, sizeof(*vs));
	if (!vs)
		return -ENOMEM;
	vs->start = a->vmalloc_start;
	if (a->zone_exists[ZONE_HIGHMEM]) {
		/* i386: VMALLOC_START = (high_memory + VMALLOC_OFFSET) & ~(OFFSET - 1),
		 * so at least 8M - 1 of unmapped gap catches direct-map overruns. */
		mm_va_t high_memory = a->page_offset + ((mm_va_t)k->max_low_pfn << k->page_shift);
		vs->start = (high_memory + VMALLOC_OFFSET) & ~(VMALLOC_OFFSET - 1);
	}
	/* x86_64's VMALLOC_END is inclusive (start + 32T - 1): an area must end
	 * at or below it, so the last usable page ends at its page boundary,
	 * as in Linux. VmallocTotal still counts END - START. */
	vs->end = MM_ALIGN_DOWN(a->vmalloc_end, k->page_size);
	vs->total_bytes = a->vmalloc_end - vs->start;
	if (vs->end <= vs->start) {
		free(vs);
		return -EINVAL;
	}
	vs->lazy_max_pages = lazy_max_pages(k);
	k->vmalloc = vs;
	vs->free_root = va_new(k, vs->start, vs->end);
	if (!vs->free_root) {
		k->vmalloc = NULL;
		free(vs);
		return -ENOMEM;
	}
	vs->nr_free_areas = 1;
	preallocate_vmalloc_tables(k);
	return 0;
}

void vmalloc_fini(struct mm_kernel *k)
{
	struct vmalloc_state *vs = k->vmalloc;
	if (!vs)
		return;
	tree_free_all(vs->busy_root);
	tree_free_all(vs->lazy_root);
	tree_free_all(vs->free_root);
	free(vs);
	k->vmalloc = NULL;
}
