/*
 * slab_common.c - kmalloc on top of the SLUB caches, and the caches the
 * kernel creates at boot (Linux's mm/slab_common.c).
 *
 * kmalloc has no cache argument: the size picks one of the kmalloc classes
 * (kmalloc_index), the gfp flags pick one of four families of them
 * (kmalloc_type), and anything above kmalloc_max_cache_size (kmalloc-8k
 * with 4K pages) comes straight from the buddy as one compound page:
 *
 *   kmalloc(size, gfp)
 *     size 0 ────────────────▶ ZERO_SIZE_PTR (16): kfree and ksize accept it
 *     size <= 8K ────────────▶ kmalloc_caches[type][index] ─▶ slab_alloc (slab.c)
 *        type:  __GFP_DMA ─▶ dma-kmalloc-N     __GFP_RECLAIMABLE ─▶ kmalloc-rcl-N
 *               __GFP_ACCOUNT ─▶ kmalloc-cg-N  otherwise ─▶ kmalloc-N
 *        index: 8 16 32 64 96 128 192 256 512 1k 2k 4k 8k (96 and 192 sit at 1, 2)
 *     larger ─────────────────▶ kmalloc_large: alloc_pages(__GFP_COMP,
 *                               get_order(size)), head page tagged
 *                               mapping = &slab_state.large_tag, index = order
 *
 *   kfree(va): the head page of va; PG_slab ─▶ slab_free of page->mapping's
 *              cache; a large_tag head ─▶ back to the buddy; else a WARN.
 *
 * ksize reports what the caller may really use (the slot, unless red zones
 * or poisoning need the rest; the whole block of a large one), and
 * krealloc stays in place while that is enough, as Linux's do.
 *
 * Boot (kmem_cache_init) builds slab_state: the kmem_cache and
 * kmem_cache_node caches first (every cache's descriptor then costs an
 * object of each, as on Linux), the kmalloc classes of each type (no DMA
 * ones without ZONE_DMA), then the named caches the rest of the kernel
 * allocates from, in Linux's boot order and with Linux's x86_64 sizes.
 * The allocation and free paths themselves are slab.c's.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mm/internal.h"
#include "mm/slab.h"

#define PAGE_ALLOC_COSTLY_ORDER 3

/* ---- kmalloc ------------------------------------------------------------------- */

unsigned kmalloc_index(size_t size)
{
	if (!size)
		return 0;
	if (size <= 8)
		return KMALLOC_SHIFT_LOW;
	if (size > 64 && size <= 96)
		return 1;
	if (size > 128 && size <= 192)
		return 2;
	return slab_fls(size - 1); /* 2^(i-1) < size <= 2^i */
}

static enum kmalloc_cache_type kmalloc_type(gfp_t flags)
{
	if (!(flags & (__GFP_DMA | __GFP_RECLAIMABLE | __GFP_ACCOUNT)))
		return KMALLOC_NORMAL;
	if (flags & __GFP_DMA)
		return KMALLOC_DMA;
	if (flags & __GFP_RECLAIMABLE)
		return KMALLOC_RECLAIM;
	return KMALLOC_CGROUP;
}

struct kmem_cache *kmalloc_slab(struct mm_kernel *k, size_t size, gfp_t gfp)
{
	struct slab_state *st = k->slab;
	if (!st || !size || size > st->kmalloc_max_cache_size)
		return NULL;
	unsigned idx = kmalloc_index(size);
	struct kmem_cache *s = st->kmalloc_caches[kmalloc_type(gfp)][idx];
	return s ? s : st->kmalloc_caches[KMALLOC_NORMAL][idx];
}

static mm_va_t kmalloc_large(struct slab_state *st, size_t size, gfp_t gfp)
{
	struct mm_kernel *k = st->k;
	if (size > st->kmalloc_max_size)
		return 0; /* Linux: WARN in __alloc_pages for order > MAX_PAGE_ORDER */
	unsigned order = slab_get_order(k, size);
	if (gfp & GFP_SLAB_BUG_MASK)
		gfp = kmalloc_fix_flags(st, gfp);
	struct page *page = alloc_pages_cpu(k, gfp | __GFP_COMP, order, st->cpu);
	if (!page)
		return 0;
	if ((mm_pfn_t)(page - k->mem_map) + (1ULL << order) > st->lowmem_end_pfn) {
		__free_pages(k, page, order);
		return 0;
	}
	page->mapping = &st->large_tag;
	page->index = order;
	k->nr_slab_unreclaimable += 1ULL << order;
	st->nr_large_kmalloc++;
	st->nr_large_kmalloc_pages += 1ULL << order;
	mm_va_t va = slab_page_va(st, page);
	if (gfp & __GFP_ZERO)
		memset(slab_va_host(st, va), 0, k->page_size << order);
	return va;
}

static bool is_large_kmalloc(const struct slab_state *st, const struct page *page, mm_va_t obj)
{
	return page->mapping == &st->large_tag && !PageFlag(page, PG_slab) &&
	       obj == slab_page_va(st, page);
}

static void free_large_kmalloc(struct slab_state *st, struct page *page)
{
	unsigned order = (unsigned)page->index;
	page->mapping = NULL;
	page->index = 0;
	st->k->nr_slab_unreclaimable -= MM_MIN(st->k->nr_slab_unreclaimable, 1ULL << order);
	st->nr_large_kmalloc--;
	st->nr_large_kmalloc_pages -= 1ULL << order;
	free_pages_cpu(st->k, page, order, st->cpu);
}

mm_va_t kmalloc_caller(struct mm_kernel *k, size_t size, gfp_t gfp, const char *site)
{
	struct slab_state *st = k->slab;
	if (!st)
		return 0;
	if (size > st->kmalloc_max_cache_size)
		return kmalloc_large(st, size, gfp);
	if (!size)
		return ZERO_SIZE_PTR;
	struct kmem_cache *s = kmalloc_slab(k, size, gfp);
	if (!site)
		return slab_alloc(st, s, gfp, (unsigned)size);
	const char *prev = st->cur_site;
	st->cur_site = site;
	mm_va_t obj = slab_alloc(st, s, gfp, (unsigned)size);
	st->cur_site = prev;
	return obj;
}

mm_va_t kmalloc(struct mm_kernel *k, size_t size, gfp_t gfp)
{
	return kmalloc_caller(k, size, gfp, NULL);
}

mm_va_t kzalloc(struct mm_kernel *k, size_t size, gfp_t gfp)
{
	return kmalloc_caller(k, size, gfp | __GFP_ZERO, NULL);
}

mm_va_t kcalloc(struct mm_kernel *k, size_t n, size_t size, gfp_t gfp)
{
	size_t bytes;
	if (__builtin_mul_overflow(n, size, &bytes))
		return 0;
	return kmalloc_caller(k, bytes, gfp | __GFP_ZERO, NULL);
}

/* The slab size kmalloc objects of s may use (slab_ksize). */
static size_t slab_ksize(const struct kmem_cache *s)
{
	if (s->flags & (SLAB_RED_ZONE | SLAB_POISON))
		return s->object_size;
	if (s->flags & (SLAB_TYPESAFE_BY_RCU | SLAB_STORE_USER))
		return s->inuse;
	return s->size;
}

size_t ksize(struct mm_kernel *k, mm_va_t obj)
{
	struct slab_state *st = k->slab;
	if (!st || ZERO_OR_NULL_PTR(obj))
		return 0;
	struct page *page = slab_virt_to_head_page(st, obj);
	if (!page)
		return 0;
	if (!PageFlag(page, PG_slab))
		return is_large_kmalloc(st, page, obj) ? k->page_size << page->index : 0;
	struct kmem_cache *s = slab_cache(page);
	if (!slab_valid_object(s, slab_page_va(st, page), slab_objects(page), obj))
		return 0;
	/* The caller may now use all of it: no kmalloc red zone past the request. */
	slab_skip_orig_size_check(st, s, obj);
	return slab_ksize(s);
}

static int __kfree(struct slab_state *st, mm_va_t obj)
{
	struct page *page = slab_virt_to_head_page(st, obj);
	if (__builtin_expect(!page, 0)) {
		slab_report_nonslab(st, obj, "kfree");
		return -EINVAL;
	}
	if (__builtin_expect(!PageFlag(page, PG_slab), 0)) {
		if (is_large_kmalloc(st, page, obj)) {
			free_large_kmalloc(st, page);
			return 0;
		}
		slab_report_nonslab(st, obj, "kfree");
		return -EINVAL;
	}
	return slab_free(st, slab_cache(page), page, obj);
}

int kfree_caller(struct mm_kernel *k, mm_va_t obj, const char *site)
{
	struct slab_state *st = k->slab;
	if (!st || ZERO_OR_NULL_PTR(obj))
		return 0;
	const char *prev = st->cur_site;
	st->cur_site = site ? site : prev;
	int ret = __kfree(st, obj);
	st->cur_site = prev;
	return ret;
}

int kfree(struct mm_kernel *k, mm_va_t obj)
{
	return kfree_caller(k, obj, NULL);
}

static mm_va_t __krealloc(struct slab_state *st, mm_va_t p, size_t new_size, gfp_t gfp);

mm_va_t krealloc_caller(struct mm_kernel *k, mm_va_t p, size_t new_size, gfp_t gfp,
			const char *site)
{
	struct slab_state *st = k->slab;
	if (!st)
		return 0;
	const char *prev = st->cur_site;
	st->cur_site = site ? site : prev;
	mm_va_t ret = __krealloc(st, p, new_size, gfp);
	st->cur_site = prev;
	return ret;
}

static mm_va_t __krealloc(struct slab_state *st, mm_va_t p, size_t new_size, gfp_t gfp)
{
	struct mm_kernel *k = st->k;
	const char *site = st->cur_site;
	if (!new_size) {
		kfree_caller(k, p, site);
		return ZERO_SIZE_PTR;
	}
	size_t ks = 0;
	if (!ZERO_OR_NULL_PTR(p)) {
		ks = ksize(k, p);
		if (!ks) {
			slab_report_nonslab(st, p, "krealloc");
			return 0;
		}
	}
	if (ks >= new_size)
		return p; /* it still fits */
	mm_va_t ret = kmalloc_caller(k, new_size, gfp, site);
	if (ret && !ZERO_OR_NULL_PTR(p)) {
		memcpy(slab_va_host(st, ret), slab_va_host(st, p), ks);
		kfree_caller(k, p, site);
	}
	return ret;
}

mm_va_t krealloc(struct mm_kernel *k, mm_va_t p, size_t new_size, gfp_t gfp)
{
	return krealloc_caller(k, p, new_size, gfp, NULL);
}

/* ---- boot --------------------------------------------------------------------------- */

static const char *const kmalloc_prefix[NR_KMALLOC_TYPES] = {
	"kmalloc-", "kmalloc-rcl-", "dma-kmalloc-", "kmalloc-cg-",
};
static const slab_flags_t kmalloc_type_flags[NR_KMALLOC_TYPES] = {
	0, SLAB_RECLAIM_ACCOUNT, SLAB_CACHE_DMA, SLAB_ACCOUNT,
};

static unsigned kmalloc_size(unsigned idx)
{
	return idx == 1 ? 96 : idx == 2 ? 192 : 1u << idx;
}

static int new_kmalloc_cache(struct slab_state *st, unsigned idx, enum kmalloc_cache_type type)
{
	char name[32];
	unsigned size = kmalloc_size(idx);
	if (size >= 1024)
		snprintf(name, sizeof(name), "%s%uk", kmalloc_prefix[type], size >> 10);
	else
		snprintf(name, sizeof(name), "%s%u", kmalloc_prefix[type], size);
	/* kmalloc objects are naturally aligned to their largest power-of-two
	 * divisor (6.x create_boot_cache). */
	unsigned align = MM_MAX(8u, size & -size);
	struct kmem_cache *s = kmem_cache_create(st->k, name, size, align,
						 SLAB_KMALLOC | SLAB_NO_MERGE | kmalloc_type_flags[type],
						 NULL);
	if (!s)
		return -ENOMEM;
	st->kmalloc_caches[type][idx] = s;
	return 0;
}

/* Constructors only matter for the layout (the free pointer moves out of
 * the object, as in Linux); objects start zeroed. */
static void zero_ctor(void *obj)
{
	(void)obj;
}

struct named_cache_def {
	enum kmem_named_cache which;
	const char *name;
	unsigned size, align;
	slab_flags_t flags;
	bool ctor;
};

/* Linux 6.x x86_64 sizes (what this machine's /proc/slabinfo shows as
 * objsize), in boot order: vmalloc_init, mm_cache_init, maple_tree_init,
 * radix_tree_init, pid_idr_init, anon_vma_init, fork_init,
 * proc_caches_init, cred_init, vfs_caches_init, buffer_init. */
static const struct named_cache_def named_caches[] = {
	{ KMEM_VMAP_AREA, "vmap_area", 72, 0, SLAB_PANIC, false },
	{ KMEM_MM_STRUCT, "mm_struct", 1600, 0, SLAB_HWCACHE_ALIGN | SLAB_PANIC | SLAB_ACCOUNT, false },
	{ KMEM_MAPLE_NODE, "maple_node", 256, 256, SLAB_PANIC, false },
	{ KMEM_RADIX_TREE_NODE, "radix_tree_node", 576, 0, SLAB_PANIC | SLAB_RECLAIM_ACCOUNT, true },
	{ KMEM_PID, "pid", 136, 0, SLAB_HWCACHE_ALIGN | SLAB_PANIC | SLAB_ACCOUNT, false },
	{ KMEM_ANON_VMA, "anon_vma", 96, 0, SLAB_TYPESAFE_BY_RCU | SLAB_PANIC | SLAB_ACCOUNT, true },
	{ KMEM_ANON_VMA_CHAIN, "anon_vma_chain", 64, 0, SLAB_PANIC | SLAB_ACCOUNT, false },
	{ KMEM_TASK_STRUCT, "task_struct", 5888, 64, SLAB_PANIC | SLAB_ACCOUNT, false },
	{ KMEM_SIGHAND_CACHE, "sighand_cache", 2088, 0,
	  SLAB_HWCACHE_ALIGN | SLAB_PANIC | SLAB_TYPESAFE_BY_RCU | SLAB_ACCOUNT, true },
	{ KMEM_SIGNAL_CACHE, "signal_cache", 1136, 0, SLAB_HWCACHE_ALIGN | SLAB_PANIC | SLAB_ACCOUNT,
	  false },
	{ KMEM_FILES_CACHE, "files_cache", 704, 0, SLAB_HWCACHE_ALIGN | SLAB_PANIC | SLAB_ACCOUNT,
	  false },
	{ KMEM_FS_CACHE, "fs_cache", 56, 0, SLAB_HWCACHE_ALIGN | SLAB_PANIC | SLAB_ACCOUNT, false },
	{ KMEM_VM_AREA_STRUCT, "vm_area_struct", 192, 0, SLAB_PANIC | SLAB_ACCOUNT, false },
	{ KMEM_CRED_JAR, "cred_jar", 184, 0, SLAB_HWCACHE_ALIGN | SLAB_PANIC | SLAB_ACCOUNT, false },
	{ KMEM_NAMES_CACHE, "names_cache", 4096, 0, SLAB_HWCACHE_ALIGN | SLAB_PANIC, false },
	{ KMEM_DENTRY, "dentry", 192, 0, SLAB_RECLAIM_ACCOUNT | SLAB_PANIC | SLAB_ACCOUNT, false },
	{ KMEM_INODE_CACHE, "inode_cache", 616, 0, SLAB_RECLAIM_ACCOUNT | SLAB_PANIC | SLAB_ACCOUNT,
	  true },
	{ KMEM_FILP, "filp", 256, 0, SLAB_HWCACHE_ALIGN | SLAB_PANIC | SLAB_ACCOUNT, false },
	{ KMEM_BUFFER_HEAD, "buffer_head", 104, 0, SLAB_RECLAIM_ACCOUNT | SLAB_PANIC, false },
};

int kmem_cache_init(struct mm_kernel *k)
{
	if (k->slab)
		return 0;
	if (k->arch->is_toy || !k->arch->page_offset || k->mem_map_in_host)
		return 0; /* no kernel address space: no slab (slab.h) */
	struct slab_state *st = calloc(1, sizeof(*st));
	if (!st)
		return -ENOMEM;
	k->slab = st;
	st->k = k;
	INIT_LIST_HEAD(&st->caches);
	st->page_offset = k->arch->page_offset;
	st->ram_base = k->ram->base;
	st->mem_map = k->mem_map;
	st->page_shift = k->page_shift;
	st->lowmem_end_pfn = MM_MIN(k->max_low_pfn, k->max_pfn);
	st->ptr_bytes = k->arch->va_bits > 32 ? 8 : 4;
	/* struct track: addr, stack depot handle, cpu, pid, when. */
	st->track_bytes = st->ptr_bytes == 8 ? 32 : 20;
	st->kmalloc_shift_high = MM_MIN(k->page_shift + 1, (unsigned)KMALLOC_SHIFT_LIMIT);
	st->kmalloc_max_cache_size = 1ULL << st->kmalloc_shift_high;
	st->kmalloc_max_size = k->page_size << k->max_order;
	st->slub_max_order = MM_MIN((unsigned)PAGE_ALLOC_COSTLY_ORDER, k->max_order);

	slab_debug_init(st, k->slub_debug);

	/* Boot caches: kmem_cache_node is created first; bootstrap relinks
	 * kmem_cache then kmem_cache_node, so the latter lists first. */
	struct kmem_cache *kc = kmem_cache_create(k, "kmem_cache", 256, 0, SLAB_HWCACHE_ALIGN, NULL);
	struct kmem_cache *kcn = kmem_cache_create(k, "kmem_cache_node", 128, 0, SLAB_HWCACHE_ALIGN, NULL);
	if (!kc || !kcn)
		goto fail;
	st->kmem_cache = kc;
	st->kmem_cache_node = kcn;
	slab_alloc_shadows(st, kc);
	slab_alloc_shadows(st, kcn);

	for (int type = 0; type < NR_KMALLOC_TYPES; type++) {
		if (type == KMALLOC_DMA && !k->arch->zone_exists[ZONE_DMA])
			continue;
		if (new_kmalloc_cache(st, 1, type) || new_kmalloc_cache(st, 2, type))
			goto fail;
		for (unsigned i = KMALLOC_SHIFT_LOW; i <= st->kmalloc_shift_high; i++)
			if (new_kmalloc_cache(st, i, type))
				goto fail;
	}
	for (size_t i = 0; i < MM_ARRAY_SIZE(named_caches); i++) {
		const struct named_cache_def *d = &named_caches[i];
		st->named[d->which] = kmem_cache_create(k, d->name, d->size, d->align, d->flags,
							d->ctor ? zero_ctor : NULL);
		if (!st->named[d->which])
			goto fail;
	}
	printk(k, "SLUB: HWalign=%d, Order=%u-%u, MinObjects=%u, CPUs=%u, Nodes=1", CACHE_LINE_SIZE,
	       st->slub_min_order, st->slub_max_order, st->slub_min_objects, k->nr_cpus);
	return 0;
fail:
	kmem_cache_fini(k);
	return -ENOMEM;
}

void kmem_cache_fini(struct mm_kernel *k)
{
	struct slab_state *st = k->slab;
	if (!st)
		return;
	struct list_head *pos, *tmp;
	list_for_each_safe(pos, tmp, &st->caches) {
		struct kmem_cache *s = list_entry(pos, struct kmem_cache, list);
		kmem_cache_release(s);
	}
	slab_debug_fini(st);
	free(st);
	k->slab = NULL;
}
