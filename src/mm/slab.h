/*
 * slab.h - the slab allocator (SLUB) and kmalloc: the kernel's small objects.
 *
 * Glossary (Linux's words):
 *
 *   cache     a kmem_cache: objects of one size ("kmalloc-64", "task_struct").
 *   slab      2^order contiguous pages cut into objects of s->size bytes; its
 *             head struct page doubles as the slab descriptor (slab.c explains
 *             which page fields it reuses).
 *   object    what kmem_cache_alloc returns: a kernel virtual address in the
 *             direct map (so kread/kwrite and __pa work on it), never a host
 *             pointer. kmem_host() turns it into one for code that fills it.
 *   freelist  free objects chained through a pointer stored inside each free
 *             object at s->offset (a simulated VA, 4 or 8 bytes as the arch's
 *             pointers).
 *   cpu slab  the slab a CPU allocates from without any list: c->freelist.
 *   partial   slabs with free objects: per CPU (c->partial) and per node
 *             (n->partial); empty slabs beyond min_partial go back to the buddy.
 *
 *   kmalloc(size) ── size <= 8K ──▶ kmalloc_caches[type][kmalloc_index(size)]
 *                 └─ larger ──────▶ alloc_pages(__GFP_COMP, get_order(size))
 *   kfree(va) ── va ─__pa─▶ PFN ─▶ struct page ─(compound head)─▶ PG_slab?
 *                 yes: page->mapping is the kmem_cache    no: kmalloc_large pages
 *
 * Every function takes the machine's kernel first: there is no global state,
 * two machines never share a cache. Allocation functions return 0 (NULL) on
 * failure; functions that can refuse return 0 or -errno. The *_caller
 * variants take the call site ("file.mms:12", "fork") that SLAB_STORE_USER
 * records and debug reports print as "Allocated in SITE".
 */
#ifndef MMSIM_MM_SLAB_H
#define MMSIM_MM_SLAB_H

#include <stddef.h>
#include <string.h>

#include "include/list.h"
#include "mm/mm_types.h"
#include "mmsim/gfp.h"

struct mm_machine;
struct view_out;

/* ---- flags (Linux 6.x values) -------------------------------------------- */

typedef unsigned int slab_flags_t;

#define SLAB_CONSISTENCY_CHECKS 0x00000100u /* slub_debug=F: check on alloc and free */
#define SLAB_RED_ZONE 0x00000400u          /* Z: red zones around each object */
#define SLAB_POISON 0x00000800u            /* P: poison free objects (0x6b...0xa5) */
#define SLAB_KMALLOC 0x00001000u           /* a kmalloc cache */
#define SLAB_HWCACHE_ALIGN 0x00002000u     /* align objects to cache lines */
#define SLAB_CACHE_DMA 0x00004000u         /* slab pages from ZONE_DMA */
#define SLAB_CACHE_DMA32 0x00008000u       /* slab pages from ZONE_DMA32 */
#define SLAB_STORE_USER 0x00010000u        /* U: record alloc/free call sites */
#define SLAB_RECLAIM_ACCOUNT 0x00020000u   /* pages count as SReclaimable */
#define SLAB_PANIC 0x00040000u             /* creation failure is fatal */
#define SLAB_TYPESAFE_BY_RCU 0x00080000u   /* free pointer kept outside the object */
#define SLAB_MEM_SPREAD 0x00100000u
#define SLAB_TRACE 0x00200000u             /* T: print every alloc and free */
#define SLAB_NOLEAKTRACE 0x00800000u
#define SLAB_NO_MERGE 0x01000000u
#define SLAB_FAILSLAB 0x02000000u          /* A: fault injection (accepted, unused) */
#define SLAB_ACCOUNT 0x04000000u           /* charge to memcg (later issue) */
#define SLAB_NO_USER_FLAGS 0x10000000u     /* ignore slub_debug= for this cache */
#define __OBJECT_POISON 0x80000000u        /* internal: poison the object itself */

#define SLAB_DEBUG_FLAGS \
	(SLAB_RED_ZONE | SLAB_POISON | SLAB_STORE_USER | SLAB_TRACE | SLAB_CONSISTENCY_CHECKS)
/* slub_debug with no letters, or a ','-only block: F Z P U. */
#define DEBUG_DEFAULT_FLAGS \
	(SLAB_CONSISTENCY_CHECKS | SLAB_RED_ZONE | SLAB_POISON | SLAB_STORE_USER)

/* Linux's poison bytes (include/linux/poison.h). */
#define SLUB_RED_INACTIVE 0xbb /* red zone of a free object */
#define SLUB_RED_ACTIVE 0xcc   /* red zone of an allocated object */
#define POISON_INUSE 0x5a      /* slab padding, never handed out */
#define POISON_FREE 0x6b       /* a free object's bytes */
#define POISON_END 0xa5        /* its last byte */

/* kmalloc(0) returns ZERO_SIZE_PTR; kfree and ksize accept it. */
#define ZERO_SIZE_PTR ((mm_va_t)16)
#define ZERO_OR_NULL_PTR(x) ((mm_va_t)(x) <= ZERO_SIZE_PTR)

/* ---- kmalloc classes ----------------------------------------------------- */

enum kmalloc_cache_type {
	KMALLOC_NORMAL,  /* kmalloc-N */
	KMALLOC_RECLAIM, /* kmalloc-rcl-N: __GFP_RECLAIMABLE */
	KMALLOC_DMA,     /* dma-kmalloc-N: __GFP_DMA */
	KMALLOC_CGROUP,  /* kmalloc-cg-N: __GFP_ACCOUNT */
	NR_KMALLOC_TYPES
};

#define KMALLOC_SHIFT_LOW 3   /* kmalloc-8 is the smallest class */
#define KMALLOC_SHIFT_LIMIT 16 /* room for page_shift + 1 of any arch */

/* The class index of size (Linux's kmalloc_index): 0 for 0; 3 for 1..8,
 * 4 for 9..16, 5: ..32, 6: ..64, 1: 65..96, 7: ..128, 2: 129..192,
 * 8: ..256, then log2 rounded up. Callers check size against the max. */
unsigned kmalloc_index(size_t size);

/* ---- the caches the rest of the kernel allocates from ---------------------- */

enum kmem_named_cache {
	KMEM_VMAP_AREA,       /* vmalloc.c: one per vmalloc area */
	KMEM_MM_STRUCT,
	KMEM_MAPLE_NODE,
	KMEM_RADIX_TREE_NODE, /* page-cache (xarray) nodes; reclaimable */
	KMEM_PID,
	KMEM_ANON_VMA,
	KMEM_ANON_VMA_CHAIN,
	KMEM_TASK_STRUCT,
	KMEM_SIGHAND_CACHE,
	KMEM_SIGNAL_CACHE,
	KMEM_FILES_CACHE,
	KMEM_FS_CACHE,
	KMEM_VM_AREA_STRUCT,
	KMEM_CRED_JAR,
	KMEM_NAMES_CACHE,
	KMEM_DENTRY,
	KMEM_INODE_CACHE,
	KMEM_FILP,
	KMEM_BUFFER_HEAD,
	NR_KMEM_NAMED
};

/* ---- structures ------------------------------------------------------------ */

/* One CPU's view of a cache (Linux's struct kmem_cache_cpu). */
struct kmem_cache_cpu {
	mm_va_t freelist;          /* next free object of slab, 0: none */
	struct page *slab;         /* the frozen cpu slab, or NULL */
	mm_va_t first_va;          /* its first object (0: no cpu slab) */
	uint64_t span;             /* last object - first object: the bounds of the
	                            * freelist and of fast frees */
	struct list_head partial;  /* cpu partial slabs, linked by page->lru */
	unsigned nr_partial;       /* slabs on it */
};

/* The per-node lists (one node). */
struct kmem_cache_node {
	unsigned long nr_partial;
	struct list_head partial;    /* slabs with free objects, not owned by a CPU */
	unsigned long nr_slabs;      /* every slab of the cache */
	unsigned long total_objects; /* their objects */
	struct list_head full;       /* full slabs, tracked with SLAB_STORE_USER only */
};

struct kmem_cache {
	struct list_head list;     /* slab_state.caches: newest first, as /proc/slabinfo */
	char *name;
	slab_flags_t flags;
	unsigned object_size;      /* what the user asked for */
	unsigned size;             /* one slot: object + metadata + padding (slabinfo objsize) */
	unsigned align;
	unsigned offset;           /* free pointer, from the object start */
	unsigned inuse;            /* object + right red zone: where metadata begins */
	unsigned red_left_pad;     /* left red zone before each object */
	unsigned order, objects;   /* preferred slab: order and objects (s->oo) */
	unsigned min_order, min_objects; /* fallback slab when the order fails (s->min) */
	gfp_t allocflags;          /* __GFP_COMP, GFP_DMA, __GFP_RECLAIMABLE */
	unsigned min_partial;      /* empty slabs kept on the node list */
	unsigned cpu_partial;      /* objects (nominal) on each cpu partial list */
	unsigned cpu_partial_slabs;/* slabs each cpu partial list may hold */
	unsigned refcount;
	void (*ctor)(void *obj);   /* called on every new object (host pointer) */
	unsigned fp_bytes;         /* free pointer width: the arch's pointer size */
	uint32_t recip;            /* ceil(2^32 / size): offset -> object index */
	bool recip_exact;          /* recip is exact for every offset of a slab */
	mm_va_t shadow_va;         /* this cache's object in the kmem_cache cache */
	mm_va_t node_shadow_va;    /* its node in the kmem_cache_node cache */
	uint64_t nr_allocated;     /* objects handed out and not freed (exact) */
	uint64_t nr_errors;        /* debug reports about this cache */
	uint64_t nr_alloc_slow, nr_free_slow; /* slow-path entries (fast ones are not counted) */
	struct kmem_cache_node node;
	unsigned nr_cpus;
	struct kmem_cache_cpu cpu_slab[]; /* [nr_cpus] */
};

/* What one line of /proc/slabinfo reports (get_slabinfo). */
struct slabinfo {
	unsigned long active_objs;  /* objects minus free ones on node partial slabs */
	unsigned long num_objs;
	unsigned long active_slabs; /* SLUB: every slab */
	unsigned long num_slabs;
	unsigned objects_per_slab;
	unsigned cache_order;
};

struct slab_site; /* interned call-site strings (slub_debug.c) */

/* The slab allocator of one machine, reached as k->slab. */
struct slab_state {
	struct mm_kernel *k;
	struct list_head caches;   /* slab_caches, newest first */
	unsigned nr_caches;
	struct kmem_cache *kmem_cache;      /* holds one object per cache */
	struct kmem_cache *kmem_cache_node; /* and one per cache node */
	struct kmem_cache *kmalloc_caches[NR_KMALLOC_TYPES][KMALLOC_SHIFT_LIMIT + 1];
	struct kmem_cache *named[NR_KMEM_NAMED];
	unsigned kmalloc_shift_high;        /* page_shift + 1: kmalloc-8k on 4K pages */
	uint64_t kmalloc_max_cache_size;    /* larger requests go to the page allocator */
	uint64_t kmalloc_max_size;          /* the largest kmalloc at all */

	/* Tunables of the boot command line (Linux's slub_* parameters). */
	slab_flags_t slub_debug;            /* global slub_debug= flags */
	char *slub_debug_string;            /* blocks that name caches, or NULL */
	bool disable_higher_order_debug;    /* slub_debug=O */
	unsigned slub_min_order, slub_max_order, slub_min_objects;

	/* Who is running: the CPU whose cpu slabs are used, and the pid that
	 * SLAB_STORE_USER records. Later layers (scheduler) set them. */
	unsigned cpu;
	int pid;

	/* The direct map, cached for the fast paths (VA = page_offset + PA). */
	mm_va_t page_offset;
	uint8_t *ram_base;
	struct page *mem_map;
	unsigned page_shift;
	mm_pfn_t lowmem_end_pfn;
	unsigned ptr_bytes;                 /* 8 on 64-bit arches, 4 on i386 */
	unsigned track_bytes;               /* sizeof(struct track) on this arch */

	/* Large kmalloc (compound pages straight from the buddy). */
	uint64_t nr_large_kmalloc;          /* live allocations */
	uint64_t nr_large_kmalloc_pages;
	char large_tag;                     /* &large_tag marks a kmalloc_large head page */

	/* Debugging. */
	unsigned taint_mask;                /* taint bits: B (bad page), W (warning) */
	const char *cur_site;               /* the running call's site, for Call Trace */
	uint64_t nr_errors;                 /* every report, including kfree of non-slab */
	char last_bug[160];                 /* the last report's title, for the CLI */
	struct slab_site *sites;            /* interned call sites */
	size_t nr_sites, cap_sites;
	uint32_t *site_hash;                /* open addressing: index + 1, 0 = empty */
	size_t site_hash_cap;
};

/* ---- setup (called by machine boot after the buddy allocator is up) -------- */

/* Create kmem_cache, kmem_cache_node, the kmalloc caches and the named kernel
 * caches; parse k->slub_debug. 0, or -ENOMEM. The toy arch has no kernel
 * address space: k->slab stays NULL and every call below fails cleanly. */
int kmem_cache_init(struct mm_kernel *k);
/* Free the host side of every cache (the machine's RAM goes away with it). */
void kmem_cache_fini(struct mm_kernel *k);

/* Parse a slub_debug= string ("FZPU", "U,kmalloc-64", "FZ;P,dentry"...).
 * Returns 0 and the global flags, or -EINVAL with a reason. */
int slub_debug_parse(const char *str, slab_flags_t *global, char *why, size_t why_len);

/* ---- caches -------------------------------------------------------------- */

/* Create a cache of size-byte objects (aligned to at least 8 bytes). Returns
 * NULL (and a reason in k->last_error) on a bad size or out of memory. */
struct kmem_cache *kmem_cache_create(struct mm_kernel *k, const char *name, unsigned size,
				     unsigned align, slab_flags_t flags, void (*ctor)(void *));
/* Destroy an empty cache: 0; -EBUSY (cache kept, objects listed in dmesg)
 * if objects are still allocated. */
int kmem_cache_destroy(struct mm_kernel *k, struct kmem_cache *s);
int kmem_cache_destroy_caller(struct mm_kernel *k, struct kmem_cache *s, const char *site);
/* Flush the cpu slabs and free every empty slab; 1 if slabs remain, else 0. */
int kmem_cache_shrink(struct mm_kernel *k, struct kmem_cache *s);

/* An object, or 0. gfp: GFP_KERNEL and friends; __GFP_ZERO zeroes it. */
mm_va_t kmem_cache_alloc(struct mm_kernel *k, struct kmem_cache *s, gfp_t gfp);
mm_va_t kmem_cache_alloc_caller(struct mm_kernel *k, struct kmem_cache *s, gfp_t gfp,
				const char *site);
/* Free an object: 0, or -EINVAL when it was refused (double free, corrupted
 * red zone, not an object of s...: reported in dmesg, the object is kept). */
int kmem_cache_free(struct mm_kernel *k, struct kmem_cache *s, mm_va_t obj);
int kmem_cache_free_caller(struct mm_kernel *k, struct kmem_cache *s, mm_va_t obj,
			   const char *site);

/* The cache called name (newest first, like /proc/slabinfo), or NULL. */
struct kmem_cache *kmem_cache_find(struct mm_kernel *k, const char *name);
/* One of the kernel's own caches (task_struct, vm_area_struct, ...). */
struct kmem_cache *kmem_named_cache(struct mm_kernel *k, enum kmem_named_cache which);
/* The slabinfo figures of s. */
void kmem_cache_get_slabinfo(const struct kmem_cache *s, struct slabinfo *info);
/* Check every list and counter of s against its slabs; prints each mismatch
 * to stderr, returns false if any. (The debug build runs it after operations.) */
bool kmem_cache_validate(struct mm_kernel *k, struct kmem_cache *s);
/* kmem_cache_validate on every cache (for mm_check_invariants). */
bool kmem_cache_validate_all(struct mm_kernel *k);

/* ---- kmalloc ------------------------------------------------------------- */

/* The cache kmalloc(size, gfp) uses, or NULL for size 0 or > 8K. */
struct kmem_cache *kmalloc_slab(struct mm_kernel *k, size_t size, gfp_t gfp);
mm_va_t kmalloc(struct mm_kernel *k, size_t size, gfp_t gfp);
mm_va_t kmalloc_caller(struct mm_kernel *k, size_t size, gfp_t gfp, const char *site);
mm_va_t kzalloc(struct mm_kernel *k, size_t size, gfp_t gfp);
/* n * size zeroed bytes; 0 if the product overflows. */
mm_va_t kcalloc(struct mm_kernel *k, size_t n, size_t size, gfp_t gfp);
/* Resize: in place while ksize allows, else allocate, copy, free. size 0
 * frees and returns ZERO_SIZE_PTR. 0 on failure (the old object stays). */
mm_va_t krealloc(struct mm_kernel *k, mm_va_t obj, size_t new_size, gfp_t gfp);
mm_va_t krealloc_caller(struct mm_kernel *k, mm_va_t obj, size_t new_size, gfp_t gfp,
			const char *site);
/* Usable bytes of a kmalloc object: its class size, or the pages of a large
 * one; 0 for NULL/ZERO_SIZE_PTR or an address kmalloc did not return. */
size_t ksize(struct mm_kernel *k, mm_va_t obj);
/* Free a kmalloc or kmem_cache object; NULL and ZERO_SIZE_PTR are ignored.
 * 0, or -EINVAL when refused (reported in dmesg). */
int kfree(struct mm_kernel *k, mm_va_t obj);
int kfree_caller(struct mm_kernel *k, mm_va_t obj, const char *site);

/* The cache that owns obj (from its page), or NULL: not a slab object. */
struct kmem_cache *virt_to_cache(struct mm_kernel *k, mm_va_t obj);
/* Host pointer to a direct-mapped kernel VA (an object's bytes), or NULL. */
void *kmem_host(struct mm_kernel *k, mm_va_t va);

/* Who runs: set the CPU whose cpu slabs the calls above use, and the pid
 * that tracking records. */
void slab_set_cpu(struct mm_kernel *k, unsigned cpu);
void slab_set_pid(struct mm_kernel *k, int pid);

/* ---- internals shared by slab.c, slab_common.c and slub_debug.c ------------ */

/*
 * A slab's head struct page is its descriptor (Linux overlays struct slab):
 *   flags    PG_slab; PG_workingset while on the node partial list (Linux 6.8)
 *   mapping  the struct kmem_cache (host pointer)
 *   lru      the node partial / full list, or a cpu partial list; both
 *            pointers NULL while the slab is on no list
 *   index    freelist and counters in one word, as Linux's double word:
 *              bits  0..31  freelist: offset of the first free object from
 *                           the slab's start, SLAB_FL_NONE when empty
 *              bits 32..47  inuse: objects not on the slab's freelist
 *              bits 48..62  objects in this slab
 *              bit  63      frozen: a cpu slab
 *   private, _refcount, _mapcount: the page allocator's (compound order, 1, 0)
 * A kmalloc_large head page has mapping = &slab_state.large_tag and
 * index = its order. Tail pages are the buddy's (PG_tail, mapping = head).
 */
#define SLAB_FL_NONE 0xffffffffu

static inline uint32_t slab_fl_off(const struct page *p) { return (uint32_t)p->index; }
static inline unsigned slab_inuse(const struct page *p) { return (unsigned)(p->index >> 32) & 0xffff; }
static inline unsigned slab_objects(const struct page *p) { return (unsigned)(p->index >> 48) & 0x7fff; }
static inline bool slab_frozen(const struct page *p) { return p->index >> 63; }
static inline void slab_set_counters(struct page *p, uint32_t fl_off, unsigned inuse,
				     unsigned objects, bool frozen)
{
	p->index = (uint64_t)fl_off | (uint64_t)(inuse & 0xffff) << 32 |
		   (uint64_t)(objects & 0x7fff) << 48 | (uint64_t)frozen << 63;
}
static inline void slab_set_inuse(struct page *p, unsigned inuse)
{
	p->index = (p->index & ~(0xffffULL << 32)) | (uint64_t)(inuse & 0xffff) << 32;
}
static inline void slab_set_frozen(struct page *p, bool frozen)
{
	p->index = (p->index & ~(1ULL << 63)) | (uint64_t)frozen << 63;
}
static inline struct kmem_cache *slab_cache(const struct page *p)
{
	return (struct kmem_cache *)p->mapping;
}

/* The direct map: VA = page_offset + PA, for lowmem only. */
static inline void *slab_va_host(const struct slab_state *st, mm_va_t va)
{
	return st->ram_base + (va - st->page_offset);
}
/* First byte of the slab whose head page is p. */
static inline mm_va_t slab_page_va(const struct slab_state *st, const struct page *p)
{
	return st->page_offset + ((mm_va_t)(p - st->mem_map) << st->page_shift);
}
static inline mm_va_t slab_freelist(const struct slab_state *st, const struct page *p)
{
	uint32_t off = slab_fl_off(p);
	return off == SLAB_FL_NONE ? 0 : slab_page_va(st, p) + off;
}
static inline void slab_set_freelist(const struct slab_state *st, struct page *p, mm_va_t va)
{
	uint32_t off = va ? (uint32_t)(va - slab_page_va(st, p)) : SLAB_FL_NONE;
	p->index = (p->index & ~0xffffffffULL) | off;
}
static inline bool slab_on_list(const struct page *p) { return p->lru.next != NULL; }

/* The free pointer stored in a free object (little endian, pointer-sized). */
static inline mm_va_t slab_get_fp(const struct slab_state *st, const struct kmem_cache *s,
				  mm_va_t obj)
{
	const uint8_t *b = slab_va_host(st, obj + s->offset);
	if (s->fp_bytes == 8) {
		uint64_t v;
		memcpy(&v, b, 8);
		return v;
	}
	uint32_t v;
	memcpy(&v, b, 4);
	return v;
}
static inline void slab_set_fp(const struct slab_state *st, const struct kmem_cache *s,
			       mm_va_t obj, mm_va_t fp)
{
	uint8_t *b = slab_va_host(st, obj + s->offset);
	if (s->fp_bytes == 8) {
		uint64_t v = fp;
		memcpy(b, &v, 8);
	} else {
		uint32_t v = (uint32_t)fp;
		memcpy(b, &v, 4);
	}
}

/* Is off (from the first object) a whole number of slots? */
static inline bool slab_off_aligned(const struct kmem_cache *s, uint64_t off)
{
	if (s->recip_exact)
		return ((off * s->recip) >> 32) * s->size == off;
	return off % s->size == 0;
}

/* Is va the start of one of the slab's objects (Linux's check_valid_pointer)? */
static inline bool slab_valid_object(const struct kmem_cache *s, mm_va_t base,
				     unsigned objects, mm_va_t va)
{
	if (va < base + s->red_left_pad)
		return false;
	uint64_t off = va - base - s->red_left_pad;
	if (off >= (uint64_t)objects * s->size)
		return false;
	return slab_off_aligned(s, off);
}

static inline bool kmem_cache_debug(const struct kmem_cache *s)
{
	return s->flags & SLAB_DEBUG_FLAGS;
}

enum track_item { TRACK_ALLOC, TRACK_FREE };

#define CACHE_LINE_SIZE 64 /* SLAB_HWCACHE_ALIGN, and "HWalign=" at boot */
/* Zone modifiers a slab page cannot come from (Linux's GFP_SLAB_BUG_MASK). */
#define GFP_SLAB_BUG_MASK (__GFP_DMA32 | __GFP_HIGHMEM)

/* Find last set: 1 + the index of the highest set bit, 0 for 0. */
static inline unsigned slab_fls(unsigned long long x)
{
	return x ? 64u - (unsigned)__builtin_clzll(x) : 0;
}

/* Smallest order whose block holds size bytes. */
static inline unsigned slab_get_order(const struct mm_kernel *k, unsigned long long size)
{
	unsigned order = 0;
	while ((k->page_size << order) < size && order < 63 - k->page_shift)
		order++;
	return order;
}

/* The head page of the slab or kmalloc_large block holding va, or NULL when
 * va is not in the direct map. */
static inline struct page *slab_virt_to_head_page(const struct slab_state *st, mm_va_t va)
{
	if (va < st->page_offset)
		return NULL;
	mm_pfn_t pfn = (va - st->page_offset) >> st->page_shift;
	if (pfn >= st->lowmem_end_pfn)
		return NULL;
	struct page *p = &st->mem_map[pfn];
	if (__builtin_expect(PageFlag(p, PG_tail), 0)) {
		struct page *head = p->mapping;
		if (head < st->mem_map || head > p)
			return NULL;
		p = head;
	}
	return p;
}

/* slab.c: the SLUB core, used by slab_common.c's kmalloc and boot */
unsigned slab_order_of(const struct kmem_cache *s, const struct page *slab);
/* flags without GFP_SLAB_BUG_MASK, with a dmesg line naming what was dropped. */
gfp_t kmalloc_fix_flags(struct slab_state *st, gfp_t flags);
/* The allocation slow path: an object of s (zeroed for __GFP_ZERO) or 0. */
mm_va_t slab_alloc_slow(struct slab_state *st, struct kmem_cache *s, gfp_t gfp,
			unsigned orig_size);
/* The free slow path: obj back to its slab; 0, or -EINVAL (reported). */
int slab_free_slow(struct slab_state *st, struct kmem_cache *s, struct page *slab, mm_va_t obj);
/* WARN about func (kfree, krealloc...) given an address no slab owns. */
void slab_report_nonslab(struct slab_state *st, mm_va_t obj, const char *func);
/* s's descriptor objects in kmem_cache and kmem_cache_node (once both exist). */
void slab_alloc_shadows(struct slab_state *st, struct kmem_cache *s);
/* Free the host side of s (its name and struct). */
void kmem_cache_release(struct kmem_cache *s);

/* The fast paths are inline here, not in slab.c, so that kmalloc and kfree
 * (slab_common.c) get them as inlined as kmem_cache_alloc and _free do. */

/* slab_alloc_node's fast path: pop the CPU's freelist. The next pointer
 * comes from RAM, so it must name a slot of the cpu slab. */
static inline mm_va_t slab_alloc(struct slab_state *st, struct kmem_cache *s, gfp_t gfp,
				 unsigned orig_size)
{
	struct kmem_cache_cpu *c = &s->cpu_slab[st->cpu];
	mm_va_t obj = c->freelist;
	if (__builtin_expect(obj != 0 && !(gfp & __GFP_ZERO), 1)) {
		mm_va_t next = slab_get_fp(st, s, obj);
		if (__builtin_expect(!next || (next - c->first_va <= c->span &&
					       slab_off_aligned(s, next - c->first_va)), 1)) {
			c->freelist = next;
			s->nr_allocated++;
			return obj;
		}
	}
	return slab_alloc_slow(st, s, gfp, orig_size);
}

/* The free fast path: obj lies in this CPU's slab of s (its address range
 * says so: no struct page needed), starts a slot, and is not the freelist's
 * head (an immediate double free). true if done. */
static inline bool slab_free_fast(struct slab_state *st, struct kmem_cache *s, mm_va_t obj)
{
	struct kmem_cache_cpu *c = &s->cpu_slab[st->cpu];
	uint64_t off = obj - c->first_va;
	if (__builtin_expect(off > c->span || !slab_off_aligned(s, off) || obj == c->freelist, 0))
		return false;
	slab_set_fp(st, s, obj, c->freelist);
	c->freelist = obj;
	s->nr_allocated -= s->nr_allocated != 0;
	return true;
}

/* slab_free: the fast path, else slab_free_slow; 0 or -EINVAL. */
static inline int slab_free(struct slab_state *st, struct kmem_cache *s, struct page *slab,
			    mm_va_t obj)
{
	if (__builtin_expect(slab_free_fast(st, s, obj), 1))
		return 0;
	return slab_free_slow(st, s, slab, obj);
}

/* slub_debug.c */
void slab_debug_init(struct slab_state *st, const char *slub_debug);
void slab_debug_fini(struct slab_state *st);
slab_flags_t kmem_cache_flags(struct slab_state *st, slab_flags_t flags, const char *name);
uint32_t slab_site_id(struct slab_state *st, const char *site);
const char *slab_site_name(const struct slab_state *st, uint32_t id);
uint64_t slab_jiffies(const struct mm_kernel *k);
void slab_setup_slab_debug(struct slab_state *st, struct kmem_cache *s, struct page *slab);
void slab_setup_object_debug(struct slab_state *st, struct kmem_cache *s, mm_va_t obj);
bool slab_alloc_debug_processing(struct slab_state *st, struct kmem_cache *s,
				 struct page *slab, mm_va_t obj, unsigned orig_size);
bool slab_free_debug_processing(struct slab_state *st, struct kmem_cache *s,
				struct page *slab, mm_va_t obj, uint32_t site);
void slab_set_track(struct slab_state *st, struct kmem_cache *s, mm_va_t obj,
		    enum track_item what, uint32_t site);
void slab_free_slab_checks(struct slab_state *st, struct kmem_cache *s, struct page *slab);
void slab_list_objects(struct slab_state *st, struct kmem_cache *s, struct page *slab,
		       const char *text);
void slab_skip_orig_size_check(struct slab_state *st, struct kmem_cache *s, mm_va_t obj);
void slab_trace(struct slab_state *st, struct kmem_cache *s, struct page *slab, mm_va_t obj,
		bool alloc);
void slab_print_tracking(struct slab_state *st, struct kmem_cache *s, mm_va_t obj);
/* Reports in Linux's shapes; each counts an error and taints the kernel. */
void slab_err(struct slab_state *st, struct kmem_cache *s, struct page *slab,
	      const char *fmt, ...) __attribute__((format(printf, 4, 5)));
void slab_object_err(struct slab_state *st, struct kmem_cache *s, struct page *slab,
		     mm_va_t obj, const char *reason);
void slab_fix(struct slab_state *st, struct kmem_cache *s, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* A WARNING splat: "------------[ cut here ]------------", the text, "WARNING:
 * CPU: 0 PID: 0 at WHERE" (a kernel source place), the call trace. */
void slab_warn(struct slab_state *st, const char *where, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Print "%0Nllx" of an address as %p prints it on this arch (8 or 16 digits). */
const char *slab_ptr(const struct slab_state *st, mm_va_t va, char *buf, size_t len);

/* ---- src/proc/slabinfo.c -------------------------------------------------- */

/* `show slabinfo [CACHE...]`: /proc/slabinfo; fields slabinfo.<cache>.<column>
 * (and mmsim's own: inuse, errors, object_size, order, partial, cpu_slabs). */
int view_slabinfo(struct mm_machine *m, int argc, const char *const *argv,
		  struct view_out *out, char *err, size_t err_len);

#endif
