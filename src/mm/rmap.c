/*
 * rmap.c - reverse mapping: anon_vma and anon_vma_chain as Linux keeps them,
 * the i_mmap list of file VMAs, walking every PTE that maps a page, and
 * page_referenced (test and clear the Accessed bits).
 *
 * A family of anon_vmas after two forks (P forks C, C forks G):
 *
 *     AV_P (root) ◄──────── AV_C ◄──────── AV_G        parent pointers
 *       head: P C G           head: C G      head: G     avcs of the VMAs that
 *                                                        may map their pages
 *     P.anon_vma_chain: [AV_P]
 *     C.anon_vma_chain: [AV_C, AV_P]
 *     G.anon_vma_chain: [AV_G, AV_C, AV_P]
 *
 * A page keeps the anon_vma of the VMA it was first faulted in (or, after
 * a COW reuse, the reusing VMA's): walking that anon_vma's list reaches
 * every VMA that may still map it, in any process. Lifetimes (Linux's
 * rules): an anon_vma holds one reference while avcs point at it, and a
 * root holds one more per descendant; num_children and num_active_vmas
 * let a forked VMA reuse an ancestor's anon_vma that nothing uses any
 * more (anon_vma_clone), so long fork chains do not grow without bound.
 *
 * Shared anonymous memory: mmsim has no shmem file, so the ROOT anon_vma
 * of a shared mapping's family plays it: it owns a table of the pages by
 * index (each holding one reference, as a page cache does), every VMA of
 * the family finds pages there, and they are freed when the last VMA of
 * the family goes (the root is freed):
 *
 *     root AV ── shmem table: index 0 → page, 3 → page ...   (refcount 1 each)
 *     page: PG_swapbacked, not PG_anon, mapping = root AV, index
 *
 * Files: a page-cache page points at its file's address_space; the VMAs
 * mapping the file are found by filemap.h's i_mmap walk
 * (mapping_for_each_vma), which reads every mm's VMA list and so can never
 * be stale.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "include/strbuf.h"
#include "mm/filemap.h"
#include "mm/internal.h"
#include "mm/memory.h"
#include "mm/rmap.h"
#include "mm/slab.h"

/* ---- the shmem page table of a shared family's root -------------------------- */

/* Open addressing by index: slots hold index + 1 (0 = empty) and the page. */
struct shmem_table {
	uint64_t *keys;
	struct page **pages;
	uint64_t cap, nr;
};

static uint64_t hash_index(uint64_t i)
{
	i ^= i >> 33;
	i *= 0xff51afd7ed558ccdULL;
	i ^= i >> 33;
	return i;
}

static struct page *shmem_lookup(const struct shmem_table *t, uint64_t index)
{
	if (!t || !t->cap)
		return NULL;
	for (uint64_t h = hash_index(index) & (t->cap - 1);; h = (h + 1) & (t->cap - 1)) {
		if (!t->keys[h])
			return NULL;
		if (t->keys[h] == index + 1)
			return t->pages[h];
	}
}

static void shmem_put(struct shmem_table *t, uint64_t index, struct page *p)
{
	if (2 * (t->nr + 1) > t->cap) {
		struct shmem_table n = { NULL, NULL, t->cap ? 2 * t->cap : 64, 0 };
		n.keys = xcalloc(n.cap, sizeof(*n.keys));
		n.pages = xcalloc(n.cap, sizeof(*n.pages));
		for (uint64_t i = 0; i < t->cap; i++)
			if (t->keys[i])
				shmem_put(&n, t->keys[i] - 1, t->pages[i]);
		free(t->keys);
		free(t->pages);
		*t = n;
	}
	uint64_t h = hash_index(index) & (t->cap - 1);
	while (t->keys[h])
		h = (h + 1) & (t->cap - 1);
	t->keys[h] = index + 1;
	t->pages[h] = p;
	t->nr++;
}

/* ---- objects ------------------------------------------------------------------ */

static struct anon_vma *anon_vma_alloc(struct mm_kernel *k)
{
	mm_va_t slab_va;
	bool in_host;
	struct anon_vma *av = mm_object_alloc(k, KMEM_ANON_VMA, sizeof(*av), &slab_va, &in_host);
	if (!av)
		return NULL;
	av->root = av;
	av->parent = av;
	av->refcount = 1;
	INIT_LIST_HEAD(&av->head);
	av->k = k;
	av->slab_va = slab_va;
	av->in_host = in_host;
	if (k->memory) {
		av->id = ++k->memory->next_anon_vma_id;
		k->memory->nr_anon_vmas++;
	}
	return av;
}

/* Release a shared family's pages: the table's references go, and a page
 * nobody maps any more is freed with its last one. */
static void shmem_release(struct mm_kernel *k, struct shmem_table *t)
{
	if (!t)
		return;
	for (uint64_t i = 0; i < t->cap; i++) {
		struct page *p = t->keys[i] ? t->pages[i] : NULL;
		if (!p)
			continue;
		if (p->_refcount == 1) {
			/* Ours is the last reference: the page leaves the "file". */
			p->mapping = NULL;
			ClearPageFlag(p, PG_swapbacked);
			ClearPageFlag(p, PG_dirty);
		}
		k->vm.item[VM_nr_shmem]--; /* Shmem in meminfo */
		__free_pages(k, p, 0);
	}
	free(t->keys);
	free(t->pages);
	free(t);
}

static void anon_vma_free(struct anon_vma *av)
{
	struct mm_kernel *k = av->k;
	shmem_release(k, av->shmem);
	av->shmem = NULL;
	if (k->memory)
		k->memory->nr_anon_vmas--;
	mm_va_t slab_va = av->slab_va;
	bool in_host = av->in_host;
	if (!in_host)
		memset(av, 0x6b, sizeof(*av));
	mm_object_free(k, KMEM_ANON_VMA, av, slab_va, in_host);
}

static struct anon_vma_chain *avc_alloc(struct mm_kernel *k)
{
	mm_va_t slab_va;
	bool in_host;
	struct anon_vma_chain *avc =
		mm_object_alloc(k, KMEM_ANON_VMA_CHAIN, sizeof(*avc), &slab_va, &in_host);
	if (!avc)
		return NULL;
	avc->slab_va = slab_va;
	avc->in_host = in_host;
	if (k->memory)
		k->memory->nr_avcs++;
	return avc;
}

static void avc_free(struct mm_kernel *k, struct anon_vma_chain *avc)
{
	if (k->memory)
		k->memory->nr_avcs--;
	mm_va_t slab_va = avc->slab_va;
	bool in_host = avc->in_host;
	if (!in_host)
		memset(avc, 0x6b, sizeof(*avc));
	mm_object_free(k, KMEM_ANON_VMA_CHAIN, avc, slab_va, in_host);
}

static void avc_link(struct vm_area_struct *vma, struct anon_vma_chain *avc, struct anon_vma *av)
{
	avc->vma = vma;
	avc->anon_vma = av;
	list_add(&avc->same_vma, &vma->anon_vma_chain);
	list_add_tail(&avc->same_anon_vma, &av->head);
}

static void put_anon_vma(struct anon_vma *av)
{
	if (--av->refcount > 0)
		return;
	struct anon_vma *root = av->root;
	anon_vma_free(av);
	if (root != av && --root->refcount == 0)
		anon_vma_free(root);
}

uint64_t rmap_nr_anon_vmas(const struct mm_kernel *k)
{
	return k->memory ? k->memory->nr_anon_vmas : 0;
}

uint64_t rmap_nr_avcs(const struct mm_kernel *k)
{
	return k->memory ? k->memory->nr_avcs : 0;
}

/* ---- anon_vma_prepare ------------------------------------------------------------ */

static bool list_is_singular(const struct list_head *h)
{
	return !list_empty(h) && h->next == h->prev;
}

/* Linux's anon_vma_compatible: a and b (a below b) could share one. */
static bool anon_vma_compatible(const struct vm_area_struct *a, const struct vm_area_struct *b)
{
	unsigned shift = a->vm_mm->k->page_shift;
	return a->vm_end == b->vm_start && a->vm_file == b->vm_file &&
	       !((a->vm_flags ^ b->vm_flags) & ~(VM_ACCESS_FLAGS | VM_SOFTDIRTY)) &&
	       b->vm_pgoff == a->vm_pgoff + ((b->vm_start - a->vm_start) >> shift);
}

static struct anon_vma *reusable_anon_vma(struct vm_area_struct *old, struct vm_area_struct *a,
					  struct vm_area_struct *b)
{
	if (anon_vma_compatible(a, b) && old->anon_vma && list_is_singular(&old->anon_vma_chain))
		return old->anon_vma;
	return NULL;
}

/* A neighbour's anon_vma this VMA may share, so the two can merge again
 * after an mprotect split (find_mergeable_anon_vma). */
static struct anon_vma *find_mergeable_anon_vma(struct vm_area_struct *vma)
{
	if (vma->vm_list.next == NULL || list_empty(&vma->vm_list))
		return NULL; /* not linked into an mm */
	struct vm_area_struct *next = vma_next(vma), *prev = vma_prev(vma);
	struct anon_vma *av = next ? reusable_anon_vma(next, vma, next) : NULL;
	if (!av && prev)
		av = reusable_anon_vma(prev, prev, vma);
	return av;
}

int anon_vma_prepare(struct vm_area_struct *vma)
{
	if (vma->anon_vma)
		return 0;
	struct mm_kernel *k = vma->vm_mm->k;
	struct anon_vma_chain *avc = avc_alloc(k);
	if (!avc)
		return -ENOMEM;
	struct anon_vma *av = find_mergeable_anon_vma(vma);
	if (!av) {
		av = anon_vma_alloc(k);
		if (!av) {
			avc_free(k, avc);
			return -ENOMEM;
		}
		av->num_children++; /* a root counts itself */
	}
	vma->anon_vma = av;
	avc_link(vma, avc, av);
	av->num_active_vmas++;
	return 0;
}

/* ---- clone, fork, unlink ------------------------------------------------------------ */

int anon_vma_clone(struct vm_area_struct *dst, struct vm_area_struct *src)
{
	struct mm_kernel *k = dst->vm_mm->k;
	struct list_head *p;
	/* Oldest first, so dst's chain keeps src's order. */
	for (p = src->anon_vma_chain.prev; p != &src->anon_vma_chain; p = p->prev) {
		struct anon_vma_chain *pavc = list_entry(p, struct anon_vma_chain, same_vma);
		struct anon_vma *av = pavc->anon_vma;
		struct anon_vma_chain *avc = avc_alloc(k);
		if (!avc)
			goto enomem;
		avc_link(dst, avc, av);
		/* Reuse an anon_vma no VMA uses as its own and with at most
		 * one child: fork chains then stay short. */
		if (!dst->anon_vma && src->anon_vma && av->num_children < 2 && av->num_active_vmas == 0)
			dst->anon_vma = av;
	}
	if (dst->anon_vma)
		dst->anon_vma->num_active_vmas++;
	return 0;
enomem:
	dst->anon_vma = NULL; /* so that unlink does not drop num_active_vmas */
	unlink_anon_vmas(dst);
	return -ENOMEM;
}

int dup_anon_vma(struct vm_area_struct *dst, struct vm_area_struct *src)
{
	if (!src->anon_vma || dst->anon_vma)
		return 0;
	struct mm_kernel *k = dst->vm_mm->k;
	struct list_head *p;
	for (p = src->anon_vma_chain.prev; p != &src->anon_vma_chain; p = p->prev) {
		struct anon_vma_chain *pavc = list_entry(p, struct anon_vma_chain, same_vma);
		struct anon_vma_chain *avc = avc_alloc(k);
		if (!avc) {
			unlink_anon_vmas(dst);
			return -ENOMEM;
		}
		avc_link(dst, avc, pavc->anon_vma);
	}
	/* Only now, so that a check in between never sees an anon_vma the
	 * chain does not hold yet. */
	dst->anon_vma = src->anon_vma;
	dst->anon_vma->num_active_vmas++;
	return 0;
}

int anon_vma_fork(struct vm_area_struct *vma, struct vm_area_struct *pvma)
{
	struct mm_kernel *k = vma->vm_mm->k;
	vma->anon_vma = NULL;
	if (!pvma->anon_vma)
		return 0;
	int err = anon_vma_clone(vma, pvma);
	if (err)
		return err;
	if (vma->anon_vma)
		return 0; /* an ancestor's was reused */
	struct anon_vma *av = anon_vma_alloc(k);
	if (!av)
		goto fail;
	av->num_active_vmas++;
	struct anon_vma_chain *avc = avc_alloc(k);
	if (!avc) {
		put_anon_vma(av);
		goto fail;
	}
	av->root = pvma->anon_vma->root;
	av->parent = pvma->anon_vma;
	av->root->refcount++;
	vma->anon_vma = av;
	avc_link(vma, avc, av);
	av->parent->num_children++;
	return 0;
fail:
	unlink_anon_vmas(vma);
	return -ENOMEM;
}

void unlink_anon_vmas(struct vm_area_struct *vma)
{
	struct mm_kernel *k = vma->vm_mm->k;
	struct list_head *p, *n;
	if (!vma->anon_vma_chain.next)
		return;
	/* First pass: leave each anon_vma; those left empty stay on our
	 * chain to be put below (Linux frees them outside its lock). */
	list_for_each_safe(p, n, &vma->anon_vma_chain) {
		struct anon_vma_chain *avc = list_entry(p, struct anon_vma_chain, same_vma);
		struct anon_vma *av = avc->anon_vma;
		list_del(&avc->same_anon_vma);
		if (list_empty(&av->head)) {
			av->parent->num_children--;
			continue;
		}
		list_del(&avc->same_vma);
		avc_free(k, avc);
	}
	if (vma->anon_vma) {
		vma->anon_vma->num_active_vmas--;
		vma->anon_vma = NULL;
	}
	list_for_each_safe(p, n, &vma->anon_vma_chain) {
		struct anon_vma_chain *avc = list_entry(p, struct anon_vma_chain, same_vma);
		put_anon_vma(avc->anon_vma);
		list_del(&avc->same_vma);
		avc_free(k, avc);
	}
}

/* ---- pages ---------------------------------------------------------------------------- */

uint64_t linear_page_index(const struct vm_area_struct *vma, mm_va_t addr)
{
	return ((addr - vma->vm_start) >> vma->vm_mm->k->page_shift) + vma->vm_pgoff;
}

bool vma_address(const struct vm_area_struct *vma, uint64_t pgoff, mm_va_t *addr)
{
	unsigned shift = vma->vm_mm->k->page_shift;
	uint64_t pages = (vma->vm_end - vma->vm_start) >> shift;
	if (pgoff < vma->vm_pgoff || pgoff - vma->vm_pgoff >= pages)
		return false;
	*addr = vma->vm_start + ((pgoff - vma->vm_pgoff) << shift);
	return true;
}

bool page_is_shared_anon(const struct page *page)
{
	return !PageFlag(page, PG_anon) && PageFlag(page, PG_swapbacked) && page->mapping &&
	       !PageFlag(page, PG_slab) && !PageFlag(page, PG_table);
}

struct anon_vma *page_anon_vma(const struct page *page)
{
	if (PageFlag(page, PG_anon) || page_is_shared_anon(page))
		return page->mapping;
	return NULL;
}

void page_add_new_anon_rmap(struct page *page, struct vm_area_struct *vma, mm_va_t addr)
{
	SetPageFlag(page, PG_swapbacked);
	page->index = linear_page_index(vma, addr);
	page->_mapcount = 1;
	if (vma->vm_flags & VM_SHARED) {
		page->mapping = vma->anon_vma->root;
	} else {
		SetPageFlag(page, PG_anon);
		page->mapping = vma->anon_vma;
	}
}

void page_dup_rmap(struct page *page)
{
	page->_mapcount++;
}

void page_remove_rmap(struct page *page)
{
	if (page->_mapcount > 0)
		page->_mapcount--;
	if (page->_mapcount == 0 && PageFlag(page, PG_mlocked))
		ClearPageFlag(page, PG_mlocked);
}

void page_move_anon_rmap(struct page *page, struct vm_area_struct *vma)
{
	if (PageFlag(page, PG_anon) && vma->anon_vma)
		page->mapping = vma->anon_vma;
}

/* ---- shared anonymous pages -------------------------------------------------------------- */

struct page *shmem_find_page(struct vm_area_struct *vma, uint64_t index)
{
	if (!vma->anon_vma)
		return NULL;
	return shmem_lookup(vma->anon_vma->root->shmem, index);
}

int shmem_add_page(struct vm_area_struct *vma, uint64_t index, struct page *page)
{
	struct anon_vma *root = vma->anon_vma ? vma->anon_vma->root : NULL;
	if (!root)
		return -EINVAL;
	if (!root->shmem)
		root->shmem = xcalloc(1, sizeof(*root->shmem));
	shmem_put(root->shmem, index, page);
	page->_refcount++; /* the "file" holds the page */
	count_vm_event(vma->vm_mm->k, nr_shmem); /* Shmem in meminfo */
	return 0;
}

uint64_t shmem_nr_pages(const struct anon_vma *av)
{
	return av && av->root->shmem ? av->root->shmem->nr : 0;
}

/* ---- files ------------------------------------------------------------------------------- */

void rmap_fini(struct mm_kernel *k)
{
	(void)k; /* file VMAs are found through the page cache's i_mmap walk */
}

/* ---- walking ------------------------------------------------------------------------------- */

/* Does vma map page at addr? *pte_pa is the entry when it does. */
static bool vma_maps_page(struct mm_kernel *k, struct vm_area_struct *vma, mm_va_t addr,
			  mm_pfn_t pfn, mm_pa_t *pte_pa)
{
	unsigned level;
	mm_pa_t e;
	if (!user_pte_lookup(vma->vm_mm, addr, &level, &e))
		return false;
	mm_pte_t pte = pte_read(k, e);
	if (!pte || !user_pte_present(k, pte))
		return false;
	mm_pfn_t got = arch_pte_pfn(k->arch, pte);
	if (level != k->arch->nr_levels - 1) {
		/* A huge leaf maps a run of frames: is ours among them? */
		uint64_t n = arch_level_span(k->arch, level) >> k->page_shift;
		if (pfn < got || pfn >= got + n)
			return false;
	} else if (got != pfn) {
		return false;
	}
	*pte_pa = e;
	return true;
}

unsigned rmap_walk(struct mm_kernel *k, struct page *page, rmap_one_fn fn, void *arg)
{
	mm_pfn_t pfn = page_to_pfn(k, page);
	unsigned n = 0;
	struct anon_vma *av = page_anon_vma(page);
	if (av) {
		struct list_head *p;
		list_for_each(p, &av->head) {
			struct anon_vma_chain *avc = list_entry(p, struct anon_vma_chain, same_anon_vma);
			struct vm_area_struct *vma = avc->vma;
			mm_va_t addr;
			mm_pa_t e;
			if (!vma_address(vma, page->index, &addr) || !vma_maps_page(k, vma, addr, pfn, &e))
				continue;
			n++;
			if (fn && !fn(page, vma, addr, e, arg))
				break;
		}
		return n;
	}
	struct address_space *mapping = page_file_mapping(k, page);
	if (!mapping)
		return 0;
	struct vm_area_struct *vma;
	mapping_for_each_vma(mapping, page->index, page->index, vma) {
		mm_va_t addr;
		mm_pa_t e;
		if (!vma_address(vma, page->index, &addr) || !vma_maps_page(k, vma, addr, pfn, &e))
			continue;
		n++;
		if (fn && !fn(page, vma, addr, e, arg))
			break;
	}
	return n;
}

struct referenced_arg {
	int referenced;
	vm_flags_t vm_flags;
};

static bool referenced_one(struct page *page, struct vm_area_struct *vma, mm_va_t addr,
			   mm_pa_t pte_pa, void *arg)
{
	struct referenced_arg *ra = arg;
	struct mm_kernel *k = vma->vm_mm->k;
	(void)page;
	(void)addr;
	if (vma->vm_flags & VM_LOCKED) {
		/* An mlocked mapping: reclaim must leave the page alone. */
		ra->vm_flags |= VM_LOCKED;
		return false;
	}
	mm_pte_t pte = pte_read(k, pte_pa);
	unsigned f = arch_pte_flags(k->arch, pte);
	if (f & PTE_F_ACCESSED) {
		/* ptep_test_and_clear_young. x86 does not flush here: a stale
		 * TLB entry only delays the next Accessed bit (the entry must
		 * be evicted before the MMU walks and sets it again). */
		pte_write(k, pte_pa, arch_pte_encode(k->arch, arch_pte_pfn(k->arch, pte),
						     f & ~(unsigned)PTE_F_ACCESSED));
		ra->referenced++;
		ra->vm_flags |= vma->vm_flags;
	}
	return true;
}

int page_referenced(struct mm_kernel *k, struct page *page, vm_flags_t *vm_flags)
{
	struct referenced_arg ra = { 0, 0 };
	if (page->_mapcount > 0)
		rmap_walk(k, page, referenced_one, &ra);
	if (vm_flags)
		*vm_flags = ra.vm_flags;
	return ra.referenced;
}

unsigned page_mapped_count(struct mm_kernel *k, struct page *page)
{
	return rmap_walk(k, page, NULL, NULL);
}

/* ---- checks -------------------------------------------------------------------------------- */

static bool list_has(const struct list_head *h, const struct list_head *e)
{
	for (const struct list_head *p = h->next; p != h; p = p->next)
		if (p == e)
			return true;
	return false;
}

bool rmap_check_vma(struct vm_area_struct *vma)
{
	bool ok = true;
	bool own = false;
	struct list_head *p;
	if (!vma->anon_vma_chain.next)
		return true;
	list_for_each(p, &vma->anon_vma_chain) {
		struct anon_vma_chain *avc = list_entry(p, struct anon_vma_chain, same_vma);
		if (avc->vma != vma) {
			fprintf(stderr, "rmap_check: avc %p on VMA %#" PRIx64 "'s chain points at VMA %p\n",
				(void *)avc, vma->vm_start, (void *)avc->vma);
			ok = false;
			continue;
		}
		if (!list_has(&avc->anon_vma->head, &avc->same_anon_vma)) {
			fprintf(stderr, "rmap_check: VMA %#" PRIx64 "-%#" PRIx64 "'s avc is not on anon_vma %" PRIu64 "'s list\n",
				vma->vm_start, vma->vm_end, avc->anon_vma->id);
			ok = false;
		}
		if (avc->anon_vma == vma->anon_vma)
			own = true;
		if (avc->anon_vma->root != avc->anon_vma->root->root) {
			fprintf(stderr, "rmap_check: anon_vma %" PRIu64 "'s root is not a root\n",
				avc->anon_vma->id);
			ok = false;
		}
	}
	if (vma->anon_vma && !own) {
		fprintf(stderr, "rmap_check: VMA %#" PRIx64 "-%#" PRIx64 " has anon_vma %" PRIu64
				" but no avc to it\n",
			vma->vm_start, vma->vm_end, vma->anon_vma->id);
		ok = false;
	}
	return ok;
}
