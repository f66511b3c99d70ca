/*
 * vma.c - the VMAs of an address space: an address-ordered list plus a
 * red-black tree augmented with free gaps, lookup, split and merge.
 *
 * Two structures hold the same VMAs, as in Linux 2.6 - 6.0:
 *
 *   mm->mmap     list in address order: walks (munmap, mprotect, maps) go
 *                from one VMA to the next in O(1)
 *   mm->mm_rb    red-black tree keyed by vm_start: find_vma in O(log n)
 *
 * Each tree node also stores rb_subtree_gap, the largest free gap below any
 * VMA of its subtree (the gap below a VMA runs from the previous VMA's end
 * to its own start, the stack guard gap taken off for VM_GROWSDOWN):
 *
 *                      [C] gap 4K, subtree max 1G
 *                     /                \
 *       [A] gap 64K, max 64K       [E] gap 1G, max 1G
 *                 \                  /
 *            [B] gap 0, max 0    [D] gap 8K, max 8K
 *
 * get_unmapped_area (mmap.c) descends only into subtrees whose maximum can
 * hold the request, so a free range is found in O(log n) even among 60,000
 * VMAs. Every change of a VMA's bounds, and every insertion or removal
 * (which changes the next VMA's gap), updates the maxima on the path to the
 * root; rotations recompute the two nodes they move.
 *
 * Splitting cuts one VMA in two at a page boundary (both halves keep the
 * flags, file, anon_vma; the upper half's vm_pgoff advances). Merging is
 * Linux's vma_merge: a range [addr, end) joins the VMA before it and/or
 * the VMA after it when flags, file, special name and anon_vma agree and
 * the file offsets run on (for anonymous private memory vm_pgoff is the
 * address in pages, so neighbours created by mmap always run on):
 *
 *     AAAA             AAAA                AAAA          AAAA
 *    PPPPPPNNNNNN    PPPPPPNNNNNN    PPPPPPNNNNNN    PPPPNNNNXXXX
 *    cannot merge    might become    might become    might become
 *                    PPNNNNNNNNNN    PPPPPPPPPPNN    PPPPPPPPPPPP 6 or
 *    mmap, brk or    case 4 below    case 5 below    PPPPPPPPXXXX 7 or
 *    mremap move:                                    PPPPXXXXXXXX 8
 *        AAAA
 *    PPPP    NNNN    PPPPPPPPPPPP    PPPPPPPPNNNN    PPPPNNNNNNNN
 *    might become    case 1 below    case 2 below    case 3 below
 *
 * Objects: VMAs come from the "vm_area_struct" slab cache. When a slab
 * object is big enough for struct vm_area_struct (x86_64), the struct lives
 * in it, in simulated RAM; otherwise (32-bit machines, whose Linux objects
 * are smaller than this host struct, and the toy machine, which has no
 * slab) the struct lives in host memory and the slab object, when there is
 * a cache, stands for it so that slabinfo still counts one object per VMA.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "include/strbuf.h"
#include "mm/internal.h"
#include "mm/mm_struct.h"
#include "mm/rmap.h"
#include "mm/slab.h"

/* ---- objects ----------------------------------------------------------------- */

void *mm_object_alloc(struct mm_kernel *k, unsigned which, size_t size,
		      mm_va_t *slab_va, bool *in_host)
{
	struct kmem_cache *s = k->slab ? kmem_named_cache(k, (enum kmem_named_cache)which) : NULL;
	*slab_va = 0;
	*in_host = false;
	if (s) {
		mm_va_t va = kmem_cache_alloc(k, s, GFP_KERNEL | __GFP_ZERO);
		if (!va)
			return NULL; /* the kernel is out of memory: -ENOMEM */
		*slab_va = va;
		if (s->object_size >= size) {
			void *p = kmem_host(k, va);
			/* The host struct needs the host's alignment (its
			 * pointers and uint64_t fields); a 32-bit machine's
			 * slab hands out 4-aligned objects, which stay stand-ins. */
			if (p && (uintptr_t)p % MM_MAX(_Alignof(uint64_t), _Alignof(void *)) == 0) {
				memset(p, 0, size);
				return p;
			}
		}
	}
	void *p = calloc(1, size);
	if (!p) {
		if (*slab_va)
			kmem_cache_free(k, s, *slab_va);
		*slab_va = 0;
		return NULL;
	}
	*in_host = true;
	return p;
}

void mm_object_free(struct mm_kernel *k, unsigned which, void *obj,
		    mm_va_t slab_va, bool in_host)
{
	if (in_host)
		free(obj);
	if (slab_va && k->slab)
		kmem_cache_free(k, kmem_named_cache(k, (enum kmem_named_cache)which), slab_va);
}

static void vma_file_get(struct vm_area_struct *vma)
{
	const struct mm_operations *ops = vma->vm_mm->ops;
	if (vma->vm_file && ops && ops->file_get)
		ops->file_get(vma->vm_file);
}

static void vma_file_put(struct vm_area_struct *vma)
{
	const struct mm_operations *ops = vma->vm_mm->ops;
	if (vma->vm_file && ops && ops->file_put)
		ops->file_put(vma->vm_file);
}

struct vm_area_struct *vm_area_alloc(struct mm_struct *mm)
{
	mm_va_t slab_va;
	bool in_host;
	struct vm_area_struct *vma = mm_object_alloc(mm->k, KMEM_VM_AREA_STRUCT, sizeof(*vma),
						     &slab_va, &in_host);
	if (!vma)
		return NULL;
	vma->vm_mm = mm;
	vma->slab_va = slab_va;
	vma->in_host = in_host;
	INIT_LIST_HEAD(&vma->anon_vma_chain);
	INIT_LIST_HEAD(&vma->vm_list);
	return vma;
}

struct vm_area_struct *vm_area_dup(struct vm_area_struct *orig)
{
	struct vm_area_struct *vma = vm_area_alloc(orig->vm_mm);
	if (!vma)
		return NULL;
	mm_va_t slab_va = vma->slab_va;
	bool in_host = vma->in_host;
	*vma = *orig;
	vma->slab_va = slab_va;
	vma->in_host = in_host;
	vma->rb_parent = vma->rb_left = vma->rb_right = NULL;
	vma->rb_red = false;
	vma->rb_subtree_gap = 0;
	INIT_LIST_HEAD(&vma->vm_list);
	/* The copy belongs to the same anon_vmas: link its chain (rmap.c). */
	INIT_LIST_HEAD(&vma->anon_vma_chain);
	if (anon_vma_clone(vma, orig)) {
		vma->vm_file = NULL; /* no reference was taken yet */
		vm_area_free(vma);
		return NULL;
	}
	vma_file_get(vma);
	return vma;
}

void vm_area_free(struct vm_area_struct *vma)
{
	struct mm_kernel *k = vma->vm_mm->k;
	unlink_anon_vmas(vma);
	vma_file_put(vma);
	mm_va_t slab_va = vma->slab_va;
	bool in_host = vma->in_host;
	if (!in_host)
		memset(vma, 0x6b, sizeof(*vma)); /* POISON_FREE: a stale pointer shows */
	mm_object_free(k, KMEM_VM_AREA_STRUCT, vma, slab_va, in_host);
}

/* ---- neighbours --------------------------------------------------------------- */

struct vm_area_struct *vma_first(struct mm_struct *mm)
{
	return list_empty(&mm->mmap) ? NULL : list_first_entry(&mm->mmap, struct vm_area_struct, vm_list);
}

static struct vm_area_struct *vma_last(struct mm_struct *mm)
{
	return list_empty(&mm->mmap) ? NULL : list_last_entry(&mm->mmap, struct vm_area_struct, vm_list);
}

struct vm_area_struct *vma_next(struct vm_area_struct *vma)
{
	struct list_head *n = vma->vm_list.next;
	return n == &vma->vm_mm->mmap ? NULL : list_entry(n, struct vm_area_struct, vm_list);
}

struct vm_area_struct *vma_prev(struct vm_area_struct *vma)
{
	struct list_head *p = vma->vm_list.prev;
	return p == &vma->vm_mm->mmap ? NULL : list_entry(p, struct vm_area_struct, vm_list);
}

mm_va_t vm_start_gap(const struct vm_area_struct *vma)
{
	mm_va_t start = vma->vm_start;
	if (vma->vm_flags & VM_GROWSDOWN) {
		mm_va_t gap = vma->vm_mm->k->sysctl.stack_guard_gap;
		start = start > gap ? start - gap : 0;
	}
	return start;
}

mm_va_t vm_end_gap(const struct vm_area_struct *vma)
{
	return vma->vm_end; /* x86 has no VM_GROWSUP */
}

/* ---- the augmented red-black tree ------------------------------------------------ */

/* The free gap directly below vma (Linux's vma_compute_gap). */
static mm_va_t vma_own_gap(struct vm_area_struct *vma)
{
	mm_va_t gap = vm_start_gap(vma);
	struct vm_area_struct *prev = vma_prev(vma);
	if (prev) {
		mm_va_t prev_end = vm_end_gap(prev);
		gap = gap > prev_end ? gap - prev_end : 0;
	}
	return gap;
}

static mm_va_t vma_subtree_gap(struct vm_area_struct *vma)
{
	mm_va_t max = vma_own_gap(vma);
	if (vma->rb_left && vma->rb_left->rb_subtree_gap > max)
		max = vma->rb_left->rb_subtree_gap;
	if (vma->rb_right && vma->rb_right->rb_subtree_gap > max)
		max = vma->rb_right->rb_subtree_gap;
	return max;
}

/* Recompute the maxima from v up to the root, stopping where nothing changes. */
static void gap_propagate(struct vm_area_struct *v)
{
	while (v) {
		mm_va_t g = vma_subtree_gap(v);
		if (g == v->rb_subtree_gap)
			break;
		v->rb_subtree_gap = g;
		v = v->rb_parent;
	}
}

/* vma's own gap changed (its start, or its predecessor's end moved). */
static void vma_gap_update(struct vm_area_struct *vma)
{
	gap_propagate(vma);
}

static void rb_replace_child(struct mm_struct *mm, struct vm_area_struct *old,
			     struct vm_area_struct *new, struct vm_area_struct *parent)
{
	if (!parent)
		mm->mm_rb = new;
	else if (parent->rb_left == old)
		parent->rb_left = new;
	else
		parent->rb_right = new;
}

/*
 *      x                y
 *     / \              / \
 *    a   y     ->     x   c      (y takes x's place: same set of nodes, so
 *       / \          / \          y inherits x's maximum; x is recomputed)
 *      b   c        a   b
 */
static void rb_rotate_left(struct mm_struct *mm, struct vm_area_struct *x)
{
	struct vm_area_struct *y = x->rb_right, *parent = x->rb_parent;
	x->rb_right = y->rb_left;
	if (y->rb_left)
		y->rb_left->rb_parent = x;
	y->rb_parent = parent;
	rb_replace_child(mm, x, y, parent);
	y->rb_left = x;
	x->rb_parent = y;
	y->rb_subtree_gap = x->rb_subtree_gap;
	x->rb_subtree_gap = vma_subtree_gap(x);
}

static void rb_rotate_right(struct mm_struct *mm, struct vm_area_struct *x)
{
	struct vm_area_struct *y = x->rb_left, *parent = x->rb_parent;
	x->rb_left = y->rb_right;
	if (y->rb_right)
		y->rb_right->rb_parent = x;
	y->rb_parent = parent;
	rb_replace_child(mm, x, y, parent);
	y->rb_right = x;
	x->rb_parent = y;
	y->rb_subtree_gap = x->rb_subtree_gap;
	x->rb_subtree_gap = vma_subtree_gap(x);
}

static bool rb_is_red(const struct vm_area_struct *n)
{
	return n && n->rb_red;
}

static void rb_insert(struct mm_struct *mm, struct vm_area_struct *z)
{
	struct vm_area_struct **link = &mm->mm_rb, *parent = NULL;
	while (*link) {
		parent = *link;
		link = z->vm_start < parent->vm_start ? &parent->rb_left : &parent->rb_right;
	}
	z->rb_parent = parent;
	z->rb_left = z->rb_right = NULL;
	z->rb_red = true;
	*link = z;
	z->rb_subtree_gap = vma_own_gap(z);
	gap_propagate(parent);

	while (rb_is_red(z->rb_parent)) {
		struct vm_area_struct *p = z->rb_parent, *g = p->rb_parent;
		if (p == g->rb_left) {
			struct vm_area_struct *u = g->rb_right;
			if (rb_is_red(u)) {
				p->rb_red = u->rb_red = false;
				g->rb_red = true;
				z = g;
				continue;
			}
			if (z == p->rb_right) {
				z = p;
				rb_rotate_left(mm, z);
				p = z->rb_parent;
			}
			p->rb_red = false;
			g->rb_red = true;
			rb_rotate_right(mm, g);
		} else {
			struct vm_area_struct *u = g->rb_left;
			if (rb_is_red(u)) {
				p->rb_red = u->rb_red = false;
				g->rb_red = true;
				z = g;
				continue;
			}
			if (z == p->rb_left) {
				z = p;
				rb_rotate_right(mm, z);
				p = z->rb_parent;
			}
			p->rb_red = false;
			g->rb_red = true;
			rb_rotate_left(mm, g);
		}
	}
	mm->mm_rb->rb_red = false;
}

/* Put v (possibly NULL) where u was. */
static void rb_transplant(struct mm_struct *mm, struct vm_area_struct *u, struct vm_area_struct *v)
{
	rb_replace_child(mm, u, v, u->rb_parent);
	if (v)
		v->rb_parent = u->rb_parent;
}

static void rb_erase_fixup(struct mm_struct *mm, struct vm_area_struct *x,
			   struct vm_area_struct *xp)
{
	while (x != mm->mm_rb && !rb_is_red(x)) {
		if (x == xp->rb_left) {
			struct vm_area_struct *w = xp->rb_right;
			if (rb_is_red(w)) {
				w->rb_red = false;
				xp->rb_red = true;
				rb_rotate_left(mm, xp);
				w = xp->rb_right;
			}
			if (!rb_is_red(w->rb_left) && !rb_is_red(w->rb_right)) {
				w->rb_red = true;
				x = xp;
				xp = x->rb_parent;
			} else {
				if (!rb_is_red(w->rb_right)) {
					w->rb_left->rb_red = false;
					w->rb_red = true;
					rb_rotate_right(mm, w);
					w = xp->rb_right;
				}
				w->rb_red = xp->rb_red;
				xp->rb_red = false;
				if (w->rb_right)
					w->rb_right->rb_red = false;
				rb_rotate_left(mm, xp);
				x = mm->mm_rb;
				break;
			}
		} else {
			struct vm_area_struct *w = xp->rb_left;
			if (rb_is_red(w)) {
				w->rb_red = false;
				xp->rb_red = true;
				rb_rotate_right(mm, xp);
				w = xp->rb_left;
			}
			if (!rb_is_red(w->rb_left) && !rb_is_red(w->rb_right)) {
				w->rb_red = true;
				x = xp;
				xp = x->rb_parent;
			} else {
				if (!rb_is_red(w->rb_left)) {
					w->rb_right->rb_red = false;
					w->rb_red = true;
					rb_rotate_left(mm, w);
					w = xp->rb_left;
				}
				w->rb_red = xp->rb_red;
				xp->rb_red = false;
				if (w->rb_left)
					w->rb_left->rb_red = false;
				rb_rotate_right(mm, xp);
				x = mm->mm_rb;
				break;
			}
		}
	}
	if (x)
		x->rb_red = false;
}

static void rb_erase(struct mm_struct *mm, struct vm_area_struct *z)
{
	struct vm_area_struct *x, *xp, *y = z;
	bool y_red = y->rb_red;
	if (!z->rb_left) {
		x = z->rb_right;
		xp = z->rb_parent;
		rb_transplant(mm, z, z->rb_right);
	} else if (!z->rb_right) {
		x = z->rb_left;
		xp = z->rb_parent;
		rb_transplant(mm, z, z->rb_left);
	} else {
		y = z->rb_right;
		while (y->rb_left)
			y = y->rb_left;
		y_red = y->rb_red;
		x = y->rb_right;
		if (y->rb_parent == z) {
			xp = y;
		} else {
			xp = y->rb_parent;
			rb_transplant(mm, y, y->rb_right);
			y->rb_right = z->rb_right;
			y->rb_right->rb_parent = y;
		}
		rb_transplant(mm, z, y);
		y->rb_left = z->rb_left;
		y->rb_left->rb_parent = y;
		y->rb_red = z->rb_red;
	}
	/* Every node whose subtree lost z lies on the path from xp up. */
	for (struct vm_area_struct *n = xp; n; n = n->rb_parent)
		n->rb_subtree_gap = vma_subtree_gap(n);
	if (!y_red)
		rb_erase_fixup(mm, x, xp);
	z->rb_parent = z->rb_left = z->rb_right = NULL;
}

/* ---- lookup --------------------------------------------------------------------- */

struct vm_area_struct *find_vma(struct mm_struct *mm, mm_va_t addr)
{
	struct vm_area_struct *v = mm->vmacache;
	if (v && v->vm_start <= addr && addr < v->vm_end) {
		mm->vmacache_hits++;
		return v;
	}
	mm->vmacache_misses++;
	struct vm_area_struct *n = mm->mm_rb, *found = NULL;
	while (n) {
		if (n->vm_end > addr) {
			found = n;
			if (n->vm_start <= addr)
				break;
			n = n->rb_left;
		} else {
			n = n->rb_right;
		}
	}
	if (found)
		mm->vmacache = found;
	return found;
}

struct vm_area_struct *find_vma_prev(struct mm_struct *mm, mm_va_t addr,
				     struct vm_area_struct **pprev)
{
	struct vm_area_struct *vma = find_vma(mm, addr);
	*pprev = vma ? vma_prev(vma) : vma_last(mm);
	return vma;
}

struct vm_area_struct *find_vma_intersection(struct mm_struct *mm, mm_va_t start, mm_va_t end)
{
	struct vm_area_struct *vma = find_vma(mm, start);
	if (vma && end <= vma->vm_start)
		vma = NULL;
	return vma;
}

struct vm_area_struct *vma_lookup(struct mm_struct *mm, mm_va_t addr)
{
	struct vm_area_struct *vma = find_vma(mm, addr);
	if (vma && addr < vma->vm_start)
		vma = NULL;
	return vma;
}

/* ---- link, unlink, resize ------------------------------------------------------------ */

int vma_link(struct mm_struct *mm, struct vm_area_struct *vma)
{
	if (vma->vm_start >= vma->vm_end)
		return -EINVAL;
	struct vm_area_struct *next = find_vma(mm, vma->vm_start);
	if (next && next->vm_start < vma->vm_end)
		return -EEXIST;
	vma->vm_mm = mm;
	list_add_tail(&vma->vm_list, next ? &next->vm_list : &mm->mmap);
	if (next)
		vma_gap_update(next); /* its gap now ends at vma */
	else
		mm->highest_vm_end = vm_end_gap(vma);
	rb_insert(mm, vma);
	mm->map_count++;
	return 0;
}

void vma_unlink(struct mm_struct *mm, struct vm_area_struct *vma)
{
	struct vm_area_struct *next = vma_next(vma);
	list_del(&vma->vm_list);
	INIT_LIST_HEAD(&vma->vm_list);
	rb_erase(mm, vma);
	if (next) {
		vma_gap_update(next);
	} else {
		struct vm_area_struct *last = vma_last(mm);
		mm->highest_vm_end = last ? vm_end_gap(last) : 0;
	}
	if (mm->vmacache == vma)
		mm->vmacache = NULL;
	mm->map_count--;
}

void vma_set_range(struct vm_area_struct *vma, mm_va_t start, mm_va_t end, uint64_t pgoff)
{
	struct mm_struct *mm = vma->vm_mm;
	bool start_changed = start != vma->vm_start, end_changed = end != vma->vm_end;
	vma->vm_start = start;
	vma->vm_end = end;
	vma->vm_pgoff = pgoff;
	if (start_changed)
		vma_gap_update(vma);
	if (end_changed) {
		struct vm_area_struct *next = vma_next(vma);
		if (next)
			vma_gap_update(next);
		else
			mm->highest_vm_end = vm_end_gap(vma);
	}
}

/* Drop a VMA that a merge swallowed: take it out and free it. */
static void vma_remove_merged(struct mm_struct *mm, struct vm_area_struct *vma)
{
	vma_unlink(mm, vma);
	vm_area_free(vma);
}

/* ---- split ---------------------------------------------------------------------------- */

int __split_vma(struct mm_struct *mm, struct vm_area_struct *vma, mm_va_t addr, int new_below)
{
	unsigned shift = mm->k->page_shift;
	if (addr <= vma->vm_start || addr >= vma->vm_end || (addr & (mm->k->page_size - 1)))
		return -EINVAL;
	/* Special mappings (vdso, vvar) refuse to be split: Linux's
	 * special_mapping_split, through vm_ops->may_split. */
	if (vma->vm_name)
		return -EINVAL;
	struct vm_area_struct *new = vm_area_dup(vma);
	if (!new)
		return -ENOMEM;
	uint64_t delta = (addr - vma->vm_start) >> shift;
	/* Unlink-free order: shrink vma first so that the new VMA never
	 * overlaps it in the tree. */
	if (new_below) {
		new->vm_end = addr;
		vma_set_range(vma, addr, vma->vm_end, vma->vm_pgoff + delta);
	} else {
		new->vm_start = addr;
		new->vm_pgoff = vma->vm_pgoff + delta;
		vma_set_range(vma, vma->vm_start, addr, vma->vm_pgoff);
	}
	int err = vma_link(mm, new);
	if (err) { /* cannot happen: the range was vma's own */
		vm_area_free(new);
		return err;
	}
	return 0;
}

int split_vma(struct mm_struct *mm, struct vm_area_struct *vma, mm_va_t addr, int new_below)
{
	if (mm->map_count >= mm->k->sysctl.max_map_count)
		return -ENOMEM;
	return __split_vma(mm, vma, addr, new_below);
}

/* ---- merge ----------------------------------------------------------------------------- */

/* Linux's is_mergeable_vma: equal flags (soft-dirty aside), same file,
 * not a special mapping. */
static bool is_mergeable_vma(const struct vm_area_struct *vma, struct simfile *file,
			     vm_flags_t flags, const char *name)
{
	if ((vma->vm_flags ^ flags) & ~VM_SOFTDIRTY)
		return false;
	if (vma->vm_file != file)
		return false;
	if (vma->vm_name || name) /* special mappings have a close(): never merged */
		return false;
	return true;
}

/* A VMA whose anon_vma chain has more than one link was forked: Linux does
 * not merge an anon_vma-less range into it (list_is_singular test). */
static bool vma_anon_chain_simple(const struct vm_area_struct *vma)
{
	const struct list_head *h = &vma->anon_vma_chain;
	return h->next == h || h->next->next == h;
}

static bool is_mergeable_anon_vma(struct anon_vma *a1, struct anon_vma *a2,
				  const struct vm_area_struct *vma)
{
	if ((!a1 || !a2) && (!vma || vma_anon_chain_simple(vma)))
		return true;
	return a1 == a2;
}

bool can_vma_merge_after(struct vm_area_struct *prev, vm_flags_t flags,
			 struct anon_vma *anon_vma, struct simfile *file, uint64_t pgoff,
			 const char *name)
{
	return is_mergeable_vma(prev, file, flags, name) &&
	       is_mergeable_anon_vma(anon_vma, prev->anon_vma, prev) &&
	       prev->vm_pgoff + vma_pages(prev, prev->vm_mm->k->page_shift) == pgoff;
}

bool can_vma_merge_before(struct vm_area_struct *next, vm_flags_t flags,
			  struct anon_vma *anon_vma, struct simfile *file, uint64_t pgoff,
			  uint64_t pglen, const char *name)
{
	return is_mergeable_vma(next, file, flags, name) &&
	       is_mergeable_anon_vma(anon_vma, next->anon_vma, next) &&
	       next->vm_pgoff == pgoff + pglen;
}

/* The surviving VMA must hold the anon_vma of any part it absorbs (Linux's
 * importer/exporter rule in vma_adjust); rmap.c joins the chains. */
static void vma_adopt_anon(struct vm_area_struct *importer, struct vm_area_struct *exporter)
{
	/* rmap.c's dup_anon_vma links the chains. An allocation failure (a
	 * 64-byte slab object) leaves the importer without them: logged. */
	if (exporter && exporter->anon_vma && !importer->anon_vma &&
	    dup_anon_vma(importer, exporter))
		printk(importer->vm_mm->k, "vma_merge: no memory to link the merged VMA's anon_vma");
}

struct vm_area_struct *vma_merge(struct mm_struct *mm, struct vm_area_struct *prev,
				 mm_va_t addr, mm_va_t end, vm_flags_t vm_flags,
				 struct anon_vma *anon_vma, struct simfile *file,
				 uint64_t pgoff, const char *name)
{
	uint64_t pglen = (end - addr) >> mm->k->page_shift;
	if (vm_flags & VM_SPECIAL)
		return NULL;
	struct vm_area_struct *next = prev ? vma_next(prev) : vma_first(mm);
	struct vm_area_struct *area = next;
	if (next && next->vm_end == end) /* cases 6, 7, 8: area is the range itself */
		next = vma_next(next);

	bool merge_prev = prev && prev->vm_end == addr &&
			  can_vma_merge_after(prev, vm_flags, anon_vma, file, pgoff, name);
	bool merge_next = next && end == next->vm_start &&
			  can_vma_merge_before(next, vm_flags, anon_vma, file, pgoff, pglen, name);

	if (merge_prev) {
		if (merge_next && is_mergeable_anon_vma(prev->anon_vma, next->anon_vma, NULL)) {
			/* cases 1, 6: prev swallows the range and next */
			mm_va_t new_end = next->vm_end;
			if (area != next && area->vm_start == addr) { /* case 6 */
				vma_adopt_anon(prev, area);
				vma_remove_merged(mm, area);
			}
			vma_adopt_anon(prev, next);
			vma_remove_merged(mm, next);
			vma_set_range(prev, prev->vm_start, new_end, prev->vm_pgoff);
		} else {
			/* cases 2, 5, 7 */
			if (area && area->vm_start == addr) {
				vma_adopt_anon(prev, area);
				if (area->vm_end == end) /* case 7 */
					vma_remove_merged(mm, area);
				else /* case 5: area keeps what lies above end */
					vma_set_range(area, end, area->vm_end, area->vm_pgoff + pglen);
			}
			vma_set_range(prev, prev->vm_start, end, prev->vm_pgoff);
		}
		return prev;
	}

	if (merge_next) {
		if (prev && addr < prev->vm_end) {
			/* case 4: prev gives its tail to next */
			vma_adopt_anon(next, prev);
			vma_set_range(prev, prev->vm_start, addr, prev->vm_pgoff);
			vma_set_range(next, addr, next->vm_end, next->vm_pgoff - pglen);
			return next;
		}
		if (area != next && area->vm_start == addr) {
			/* case 8: area (the range) swallows next */
			mm_va_t new_end = next->vm_end;
			uint64_t new_pgoff = next->vm_pgoff - pglen;
			vma_adopt_anon(area, next);
			vma_remove_merged(mm, next);
			vma_set_range(area, addr, new_end, new_pgoff);
			return area;
		}
		/* case 3: next grows down over the range */
		vma_set_range(next, addr, next->vm_end, next->vm_pgoff - pglen);
		return next;
	}
	return NULL;
}

struct vm_area_struct *vma_modify(struct mm_struct *mm, struct vm_area_struct **pprev,
				  struct vm_area_struct *vma, mm_va_t start, mm_va_t end,
				  vm_flags_t newflags, int *err)
{
	uint64_t pgoff = vma->vm_pgoff + ((start - vma->vm_start) >> mm->k->page_shift);
	*err = 0;
	struct vm_area_struct *merged = vma_merge(mm, *pprev, start, end, newflags, vma->anon_vma,
						  vma->vm_file, pgoff, vma->vm_name);
	if (merged) {
		*pprev = merged;
		return merged;
	}
	*pprev = vma;
	if (start != vma->vm_start) {
		*err = split_vma(mm, vma, start, 1);
		if (*err)
			return NULL;
	}
	if (end != vma->vm_end) {
		*err = split_vma(mm, vma, end, 0);
		if (*err)
			return NULL;
	}
	return vma;
}

/* ---- the checker ------------------------------------------------------------------------ */

void vma_dump_mm(struct mm_struct *mm, FILE *f)
{
	fprintf(f, "mm: map_count %d, mmap_base 0x%" PRIx64 ", brk 0x%" PRIx64 "-0x%" PRIx64
		   ", highest_vm_end 0x%" PRIx64 ", total_vm %" PRIu64 " pages\n",
		mm->map_count, mm->mmap_base, mm->start_brk, mm->brk, mm->highest_vm_end,
		mm->total_vm);
	unsigned n = 0;
	for (struct list_head *p = mm->mmap.next; p != &mm->mmap && n < 100000; p = p->next, n++) {
		struct vm_area_struct *v = list_entry(p, struct vm_area_struct, vm_list);
		vm_flags_t fl = v->vm_flags;
		fprintf(f, "  %012" PRIx64 "-%012" PRIx64 " %c%c%c%c pgoff 0x%" PRIx64
			   " flags 0x%08" PRIx64 " anon %p file %p %s%s gap 0x%" PRIx64 "\n",
			v->vm_start, v->vm_end, fl & VM_READ ? 'r' : '-', fl & VM_WRITE ? 'w' : '-',
			fl & VM_EXEC ? 'x' : '-', fl & VM_MAYSHARE ? 's' : 'p', v->vm_pgoff, fl,
			(void *)v->anon_vma, (void *)v->vm_file, v->vm_name ? v->vm_name : "",
			v->rb_red ? " red" : "", v->rb_subtree_gap);
	}
}

struct rb_check {
	struct mm_struct *mm;
	struct vm_area_struct **inorder;
	size_t nr, cap;
	bool ok;
};

/* Black height of the subtree at n (-1 on a violation, reported). */
static int rb_check_node(struct rb_check *c, struct vm_area_struct *n,
			 struct vm_area_struct *parent, unsigned depth)
{
	if (!n)
		return 1;
	if (depth > 200) {
		fprintf(stderr, "vma_validate_mm: tree deeper than 200: a cycle?\n");
		c->ok = false;
		return -1;
	}
	if (n->rb_parent != parent) {
		fprintf(stderr, "vma_validate_mm: %" PRIx64 ": rb_parent is wrong\n", n->vm_start);
		c->ok = false;
	}
	if (n->rb_red && rb_is_red(n->rb_left)) {
		fprintf(stderr, "vma_validate_mm: %" PRIx64 ": red node with a red child\n", n->vm_start);
		c->ok = false;
	}
	if (n->rb_red && rb_is_red(n->rb_right)) {
		fprintf(stderr, "vma_validate_mm: %" PRIx64 ": red node with a red child\n", n->vm_start);
		c->ok = false;
	}
	int lh = rb_check_node(c, n->rb_left, n, depth + 1);
	if (c->nr == c->cap) {
		c->cap = c->cap ? 2 * c->cap : 64;
		c->inorder = xrealloc(c->inorder, c->cap * sizeof(*c->inorder));
	}
	c->inorder[c->nr++] = n;
	int rh = rb_check_node(c, n->rb_right, n, depth + 1);
	if (lh < 0 || rh < 0)
		return -1;
	if (lh != rh) {
		fprintf(stderr, "vma_validate_mm: %" PRIx64 ": black heights %d and %d differ\n",
			n->vm_start, lh, rh);
		c->ok = false;
		return -1;
	}
	return lh + (n->rb_red ? 0 : 1);
}

bool vma_validate_mm(struct mm_struct *mm)
{
	struct mm_kernel *k = mm->k;
	bool ok = true;
	int count = 0;
	mm_va_t prev_end = 0;
	uint64_t total = 0, locked = 0, data = 0, exec = 0, stack = 0;
	bool cache_found = mm->vmacache == NULL;
	struct vm_area_struct *last = NULL;

#define BAD(...) do { fprintf(stderr, "vma_validate_mm: " __VA_ARGS__); ok = false; } while (0)
	for (struct list_head *p = mm->mmap.next; p != &mm->mmap; p = p->next) {
		struct vm_area_struct *v = list_entry(p, struct vm_area_struct, vm_list);
		if (++count > mm->map_count + 1000000) {
			BAD("the VMA list does not end\n");
			break;
		}
		if (p->next->prev != p)
			BAD("%" PRIx64 ": list links are broken\n", v->vm_start);
		if (v->vm_mm != mm)
			BAD("%" PRIx64 ": vm_mm points elsewhere\n", v->vm_start);
		if (v->vm_start >= v->vm_end)
			BAD("%" PRIx64 "-%" PRIx64 ": empty or inverted\n", v->vm_start, v->vm_end);
		if ((v->vm_start | v->vm_end) & (k->page_size - 1))
			BAD("%" PRIx64 "-%" PRIx64 ": not page aligned\n", v->vm_start, v->vm_end);
		if (v->vm_start < prev_end)
			BAD("%" PRIx64 ": overlaps or precedes the previous VMA (ends %" PRIx64 ")\n",
			    v->vm_start, prev_end);
		if (v->vm_end > mm->task_size)
			BAD("%" PRIx64 "-%" PRIx64 ": beyond task_size\n", v->vm_start, v->vm_end);
		if (v == mm->vmacache)
			cache_found = true;
		uint64_t pages = vma_pages(v, k->page_shift);
		vm_flags_t f = v->vm_flags;
		total += pages;
		if (f & VM_LOCKED)
			locked += pages;
		if ((f & (VM_EXEC | VM_WRITE | VM_STACK)) == VM_EXEC)
			exec += pages;
		else if ((f & VM_STACK) == VM_STACK)
			stack += pages;
		else if ((f & (VM_WRITE | VM_SHARED | VM_STACK)) == VM_WRITE)
			data += pages;
		prev_end = v->vm_end;
		last = v;
	}
	if (count != mm->map_count)
		BAD("map_count %d, list has %d\n", mm->map_count, count);
	if (mm->highest_vm_end != (last ? vm_end_gap(last) : 0))
		BAD("highest_vm_end %" PRIx64 ", last VMA ends %" PRIx64 "\n", mm->highest_vm_end,
		    last ? last->vm_end : 0);
	if (!cache_found)
		BAD("vmacache points at a VMA that is not linked\n");
	if (total != mm->total_vm)
		BAD("total_vm %" PRIu64 ", VMAs add up to %" PRIu64 "\n", mm->total_vm, total);
	if (locked != mm->locked_vm)
		BAD("locked_vm %" PRIu64 ", VM_LOCKED VMAs add up to %" PRIu64 "\n", mm->locked_vm, locked);
	if (data != mm->data_vm || exec != mm->exec_vm || stack != mm->stack_vm)
		BAD("data/exec/stack_vm %" PRIu64 "/%" PRIu64 "/%" PRIu64 ", VMAs add up to %" PRIu64
		    "/%" PRIu64 "/%" PRIu64 "\n", mm->data_vm, mm->exec_vm, mm->stack_vm, data, exec, stack);

	struct rb_check c = { mm, NULL, 0, 0, true };
	if (mm->mm_rb && mm->mm_rb->rb_red)
		BAD("the root is red\n");
	rb_check_node(&c, mm->mm_rb, NULL, 0);
	ok = ok && c.ok;
	if (c.nr != (size_t)count) {
		BAD("the tree holds %zu VMAs, the list %d\n", c.nr, count);
	} else {
		size_t i = 0;
		for (struct list_head *p = mm->mmap.next; p != &mm->mmap; p = p->next, i++) {
			struct vm_area_struct *v = list_entry(p, struct vm_area_struct, vm_list);
			if (c.inorder[i] != v) {
				BAD("tree order differs from the list at %" PRIx64 "\n", v->vm_start);
				break;
			}
			if (v->rb_subtree_gap != vma_subtree_gap(v))
				BAD("%" PRIx64 ": rb_subtree_gap %" PRIx64 ", should be %" PRIx64 "\n",
				    v->vm_start, v->rb_subtree_gap, vma_subtree_gap(v));
		}
	}
	free(c.inorder);
#undef BAD
	if (!ok)
		vma_dump_mm(mm, stderr);
	return ok;
}
