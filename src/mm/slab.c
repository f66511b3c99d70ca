/*
 * slab.c - SLUB, the slab allocator of Linux 6.x (Linux's mm/slub.c): caches,
 * slabs, per-CPU slabs, partial lists, the allocation and free paths. kmalloc
 * on top of it and the boot-time caches are slab_common.c's.
 *
 * A cache hands out objects of one size. It cuts slabs (2^order pages from
 * the buddy allocator, PG_slab on the head page) into slots of s->size bytes
 * and chains the free ones through a pointer stored inside each free object:
 *
 *   slab (order 0, kmalloc-96 without debugging: 42 slots, 64 bytes left)
 *   ┌────────┬────────┬────────┬─ ─ ─┬────────┬────┐
 *   │ obj 0  │ obj 1  │ obj 2  │     │ obj 41 │pad │
 *   └────────┴───┬────┴───▲────┴─ ─ ─┴────────┴────┘
 *                │ fp at s->offset (the middle of the object: an overflow
 *                └─────────┘ of a neighbour does not hit it first)
 *
 * Where a free object can be, fastest first (Linux's names):
 *
 *   c = s->cpu_slab[cpu]                       per CPU, no list at all
 *     c->freelist ─▶ obj ─▶ obj ─▶ 0           the lockless freelist of
 *     c->slab                                  the "frozen" cpu slab
 *     c->partial  ─▶ slab ─▶ slab              cpu partial slabs, newest first
 *   n = s->node                                one node
 *     n->partial  ─▶ slab ─▶ slab ─▶ slab      node partial list (PG_workingset)
 *   full slabs are on no list (on n->full with SLAB_STORE_USER)
 *
 * kmem_cache_alloc pops c->freelist (the fast path; the next pointer, read
 * from simulated RAM, must name a slot of the cpu slab: a scenario may have
 * overwritten it). When it is empty the slow path takes, in order: the
 * objects freed meanwhile into the cpu slab (slab->freelist), a cpu partial
 * slab, node partial slabs (the first becomes the cpu slab and up to
 * cpu_partial_slabs/2 more move to the cpu partial list), and finally a new
 * slab from the buddy allocator.
 *
 * kmem_cache_free of an object inside this CPU's slab (its address range
 * says so) pushes it on c->freelist (the fast path). Otherwise the slab is
 * found from the address (VA -> PFN -> struct page -> compound head;
 * page->mapping is the cache, which is how kfree needs no size) and the
 * object goes onto its slab's freelist: a slab that was full goes to this
 * CPU's partial list (the whole list is flushed to the node when it holds
 * cpu_partial_slabs), and a node partial slab that becomes empty is given
 * back to the buddy allocator when the node already keeps min_partial slabs.
 *
 * Caches with debugging (slub_debug, SLAB_RED_ZONE...) never use cpu slabs:
 * every allocation and free goes through the node lists one object at a
 * time, with the checks of slub_debug.c, exactly as Linux does it.
 *
 * Single-threaded: where Linux uses cmpxchg loops and locks, this code just
 * does the update. slab_state.cpu says which CPU the kernel runs on.
 *
 * Layout, order and partial-list sizes follow mm/slub.c of 6.x
 * (calculate_sizes, calculate_order, set_min_partial, set_cpu_partial).
 * Deviations: caches are never merged (as with slab_nomerge), freelist
 * pointers are not obfuscated (CONFIG_SLAB_FREELIST_HARDENED's XOR), and
 * every free checks that the address is an object of the slab - the
 * simulator must stay consistent whatever a scenario frees; Linux without
 * slub_debug would corrupt itself.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "include/strbuf.h"
#include "mm/internal.h"
#include "mm/slab.h"

#define MIN_PARTIAL 5
#define MAX_PARTIAL 10
#define MAX_OBJS_PER_PAGE 32767
#define SHRINK_PROMOTE_MAX 32
#define ORIG_SIZE_BYTES 4 /* the unsigned int kmalloc's requested size is kept in */

/* Linux's GFP_RECLAIM_MASK | GFP_CONSTRAINT_MASK: what new_slab keeps of the
 * caller's flags (the zone comes from the cache, not the caller). */
#define SLAB_GFP_KEEP                                                               \
	(__GFP_RECLAIM | __GFP_HIGH | __GFP_IO | __GFP_FS | __GFP_NOWARN |            \
	 __GFP_RETRY_MAYFAIL | __GFP_NOFAIL | __GFP_NORETRY | __GFP_MEMALLOC |        \
	 __GFP_NOMEMALLOC | __GFP_HARDWALL | __GFP_THISNODE)

enum { DEACTIVATE_TO_HEAD, DEACTIVATE_TO_TAIL };

/* ---- small arithmetic -------------------------------------------------------- */

static unsigned ilog2_u(unsigned long long x)
{
	return x ? slab_fls(x) - 1 : 0;
}

static unsigned order_objects(const struct mm_kernel *k, unsigned order, unsigned size)
{
	return (unsigned)((k->page_size << order) / size);
}

/* ---- slab pages ---------------------------------------------------------------- */

unsigned slab_order_of(const struct kmem_cache *s, const struct page *slab)
{
	/* A slab has the preferred layout or the fallback one, and their object
	 * counts differ whenever their orders do. */
	return slab_objects(slab) == s->objects ? s->order : s->min_order;
}

static inline struct kmem_cache_node *get_node(struct kmem_cache *s)
{
	return &s->node;
}

static void inc_slabs_node(struct kmem_cache *s, unsigned objects)
{
	s->node.nr_slabs++;
	s->node.total_objects += objects;
}

static void dec_slabs_node(struct kmem_cache *s, unsigned objects)
{
	s->node.nr_slabs--;
	s->node.total_objects -= objects;
}

static void list_unlink(struct page *slab)
{
	list_del(&slab->lru); /* leaves next/prev NULL: "on no list" */
}

static void add_partial(struct kmem_cache_node *n, struct page *slab, int tail)
{
	n->nr_partial++;
	if (tail == DEACTIVATE_TO_TAIL)
		list_add_tail(&slab->lru, &n->partial);
	else
		list_add(&slab->lru, &n->partial);
	SetPageFlag(slab, PG_workingset);
}

static void remove_partial(struct kmem_cache_node *n, struct page *slab)
{
	list_unlink(slab);
	ClearPageFlag(slab, PG_workingset);
	n->nr_partial--;
}

static void add_full(struct kmem_cache *s, struct kmem_cache_node *n, struct page *slab)
{
	if (s->flags & SLAB_STORE_USER)
		list_add(&slab->lru, &n->full);
}

static void remove_full(struct kmem_cache *s, struct page *slab)
{
	if ((s->flags & SLAB_STORE_USER) && slab_on_list(slab))
		list_unlink(slab);
}

static void account_slab(struct slab_state *st, struct kmem_cache *s, unsigned order, int sign)
{
	uint64_t pages = 1ULL << order;
	uint64_t *ctr = (s->flags & SLAB_RECLAIM_ACCOUNT) ? &st->k->nr_slab_reclaimable
							   : &st->k->nr_slab_unreclaimable;
	if (sign > 0)
		*ctr += pages;
	else
		*ctr -= MM_MIN(*ctr, pages);
}

static const char *gfp_str(gfp_t gfp, char *buf, size_t len)
{
	return gfp_format(gfp, buf, len);
}

/* Linux's kmalloc_fix_flags: zone modifiers a slab cannot honour. */
gfp_t kmalloc_fix_flags(struct slab_state *st, gfp_t flags)
{
	gfp_t invalid = flags & GFP_SLAB_BUG_MASK;
	char a[96], b[96];
	flags &= ~GFP_SLAB_BUG_MASK;
	printk(st->k, "Unexpected gfp: %#x (%s). Fixing up to gfp: %#x (%s). Fix your code!",
	       invalid, gfp_str(invalid, a, sizeof(a)), flags, gfp_str(flags, b, sizeof(b)));
	return flags;
}

static void setup_object(struct slab_state *st, struct kmem_cache *s, mm_va_t obj)
{
	if (s->flags & (SLAB_STORE_USER | SLAB_RED_ZONE | __OBJECT_POISON))
		slab_setup_object_debug(st, s, obj);
	if (s->ctor)
		s->ctor(slab_va_host(st, obj));
}

/* allocate_slab: pages from the buddy (the preferred order without retrying
 * hard, then the minimum order), PG_slab, the freelist through every object. */
static struct page *allocate_slab(struct slab_state *st, struct kmem_cache *s, gfp_t gfp)
{
	struct mm_kernel *k = st->k;
	if (gfp & GFP_SLAB_BUG_MASK)
		gfp = kmalloc_fix_flags(st, gfp);
	gfp_t flags = (gfp & SLAB_GFP_KEEP) | (s->allocflags & ~__GFP_COMP);
	unsigned order = s->order, objects = s->objects;

	gfp_t alloc_gfp = (flags | __GFP_NOWARN | __GFP_NORETRY) & ~__GFP_NOFAIL;
	if ((alloc_gfp & __GFP_DIRECT_RECLAIM) && order > s->min_order)
		alloc_gfp = (alloc_gfp | __GFP_NOMEMALLOC) & ~__GFP_RECLAIM;
	struct page *slab = alloc_pages_cpu(k, alloc_gfp | (order ? __GFP_COMP : 0), order, st->cpu);
	if (!slab) {
		order = s->min_order;
		objects = s->min_objects;
		slab = alloc_pages_cpu(k, flags | (order ? __GFP_COMP : 0), order, st->cpu);
		if (!slab)
			return NULL;
	}
	if ((mm_pfn_t)(slab - k->mem_map) + (1ULL << order) > st->lowmem_end_pfn) {
		/* A slab must be reachable through the direct map. */
		__free_pages(k, slab, order);
		return NULL;
	}

	SetPageFlag(slab, PG_slab);
	slab->mapping = s;
	slab->lru.next = slab->lru.prev = NULL;
	slab_set_counters(slab, SLAB_FL_NONE, 0, objects, false);
	account_slab(st, s, order, +1);

	if (s->flags & SLAB_POISON)
		slab_setup_slab_debug(st, s, slab);
	mm_va_t start = slab_page_va(st, slab) + s->red_left_pad, p = start;
	for (unsigned i = 0; i < objects; i++, p += s->size) {
		setup_object(st, s, p);
		slab_set_fp(st, s, p, i + 1 < objects ? p + s->size : 0);
	}
	slab_set_freelist(st, slab, start);
	return slab;
}

static void __free_slab(struct slab_state *st, struct kmem_cache *s, struct page *slab)
{
	unsigned order = slab_order_of(s, slab);
	slab->mapping = NULL;
	slab->index = 0;
	slab->lru.next = slab->lru.prev = NULL;
	ClearPageFlag(slab, PG_slab);
	ClearPageFlag(slab, PG_workingset);
	account_slab(st, s, order, -1);
	free_pages_cpu(st->k, slab, order, st->cpu);
}

static void free_slab(struct slab_state *st, struct kmem_cache *s, struct page *slab)
{
	if (s->flags & SLAB_CONSISTENCY_CHECKS)
		slab_free_slab_checks(st, s, slab);
	__free_slab(st, s, slab);
}

static void discard_slab(struct slab_state *st, struct kmem_cache *s, struct page *slab)
{
	dec_slabs_node(s, slab_objects(slab));
	free_slab(st, s, slab);
}

/* ---- freelists read from RAM: never trusted ---------------------------------- */

/* The free pointer of obj if it names an object of slab (or is NULL);
 * otherwise report it and return 0, which isolates the rest of the chain
 * (Linux's freelist_corrupted). */
static mm_va_t next_free(struct slab_state *st, struct kmem_cache *s, struct page *slab,
			 mm_va_t obj)
{
	mm_va_t next = slab_get_fp(st, s, obj);
	if (!next || slab_valid_object(s, slab_page_va(st, slab), slab_objects(slab), next))
		return next;
	char b[24];
	slab_object_err(st, s, slab, obj, "Freechain corrupt");
	slab_fix(st, s, "Isolate corrupted freechain (next 0x%s)", slab_ptr(st, next, b, sizeof(b)));
	slab_set_fp(st, s, obj, 0);
	return 0;
}

/* The call site SLAB_STORE_USER records: the caller's, or the kernel
 * function's name (debug paths only: interning costs a hash lookup). */
static uint32_t current_site(struct slab_state *st, const struct kmem_cache *s, bool alloc)
{
	const char *name = st->cur_site;
	if (!name)
		name = (s->flags & SLAB_KMALLOC) ? (alloc ? "kmalloc" : "kfree")
						 : (alloc ? "kmem_cache_alloc" : "kmem_cache_free");
	return slab_site_id(st, name);
}

/* ---- per-CPU and partial lists -------------------------------------------------- */

static void set_cpu_slab(struct kmem_cache *s, struct kmem_cache_cpu *c, const struct slab_state *st,
			 struct page *slab)
{
	c->slab = slab;
	if (slab) {
		c->first_va = slab_page_va(st, slab) + s->red_left_pad;
		c->span = (uint64_t)(slab_objects(slab) - 1) * s->size;
	} else {
		/* No object passes obj - 0 <= 0: every obj is above ZERO_SIZE_PTR. */
		c->first_va = 0;
		c->span = 0;
	}
}

/* Merge the cpu freelist back into the slab, unfreeze it, and put it where
 * it belongs: node partial, discarded if empty and the node has enough, or
 * on no list when full. */
static void deactivate_slab(struct slab_state *st, struct kmem_cache *s, struct page *slab,
			    mm_va_t freelist)
{
	struct kmem_cache_node *n = get_node(s);
	int tail = slab_freelist(st, slab) ? DEACTIVATE_TO_TAIL : DEACTIVATE_TO_HEAD;
	unsigned free_delta = 0, objects = slab_objects(slab);
	mm_va_t iter = freelist, last = 0;

	while (iter && free_delta < objects) {
		last = iter;
		free_delta++;
		iter = next_free(st, s, slab, iter);
	}
	if (iter) { /* a cycle: more free objects than slots */
		slab_object_err(st, s, slab, last, "Freechain corrupt");
		slab_set_fp(st, s, last, 0);
	}
	unsigned inuse = slab_inuse(slab);
	if (last) {
		slab_set_fp(st, s, last, slab_freelist(st, slab));
		slab_set_freelist(st, slab, freelist);
		inuse = inuse >= free_delta ? inuse - free_delta : 0;
		slab_set_inuse(slab, inuse);
	}
	slab_set_frozen(slab, false);

	if (!inuse && n->nr_partial >= s->min_partial)
		discard_slab(st, s, slab);
	else if (slab_freelist(st, slab))
		add_partial(n, slab, tail);
	/* else: full, on no list */
}

/* Give the slabs of a detached cpu partial list to the node (or the buddy). */
static void __put_partials(struct slab_state *st, struct kmem_cache *s, struct list_head *list)
{
	struct kmem_cache_node *n = get_node(s);
	struct list_head *pos, *tmp;
	list_for_each_safe(pos, tmp, list) {
		struct page *slab = list_entry(pos, struct page, lru);
		list_unlink(slab);
		if (!slab_inuse(slab) && n->nr_partial >= s->min_partial)
			discard_slab(st, s, slab);
		else
			add_partial(n, slab, DEACTIVATE_TO_TAIL);
	}
}

static void detach_cpu_partial(struct kmem_cache_cpu *c, struct list_head *to)
{
	INIT_LIST_HEAD(to);
	if (!list_empty(&c->partial)) {
		to->next = c->partial.next;
		to->prev = c->partial.prev;
		to->next->prev = to;
		to->prev->next = to;
		INIT_LIST_HEAD(&c->partial);
	}
	c->nr_partial = 0;
}

/* Put slab on this CPU's partial list; with drain, a full list first goes
 * to the node (Linux's put_cpu_partial). */
static void put_cpu_partial(struct slab_state *st, struct kmem_cache *s, struct page *slab,
			    bool drain)
{
	struct kmem_cache_cpu *c = &s->cpu_slab[st->cpu];
	struct list_head to_put;
	INIT_LIST_HEAD(&to_put);
	if (drain && c->nr_partial >= s->cpu_partial_slabs)
		detach_cpu_partial(c, &to_put);
	list_add(&slab->lru, &c->partial);
	c->nr_partial++;
	if (!list_empty(&to_put))
		__put_partials(st, s, &to_put);
}

static void flush_cpu_slab(struct slab_state *st, struct kmem_cache *s, unsigned cpu)
{
	struct kmem_cache_cpu *c = &s->cpu_slab[cpu];
	if (c->slab) {
		struct page *slab = c->slab;
		mm_va_t freelist = c->freelist;
		c->freelist = 0;
		set_cpu_slab(s, c, st, NULL);
		deactivate_slab(st, s, slab, freelist);
	}
	struct list_head list;
	detach_cpu_partial(c, &list);
	__put_partials(st, s, &list);
}

static void flush_all(struct slab_state *st, struct kmem_cache *s)
{
	for (unsigned cpu = 0; cpu < s->nr_cpus; cpu++)
		flush_cpu_slab(st, s, cpu);
}

/* Take the slab's whole freelist for a CPU (get_freelist / freeze_slab). */
static mm_va_t take_freelist(struct slab_state *st, struct page *slab, bool keep_frozen_if_empty)
{
	mm_va_t freelist = slab_freelist(st, slab);
	slab_set_freelist(st, slab, 0);
	slab_set_inuse(slab, slab_objects(slab));
	slab_set_frozen(slab, keep_frozen_if_empty || freelist != 0);
	return freelist;
}

/* ---- the allocation paths ---------------------------------------------------- */

/* Debug caches: one object from a node partial slab, checked. */
static mm_va_t alloc_single_from_partial(struct slab_state *st, struct kmem_cache *s,
					 struct kmem_cache_node *n, struct page *slab,
					 unsigned orig_size)
{
	mm_va_t obj = slab_freelist(st, slab);
	if (!obj) { /* cannot be on the partial list: repair */
		remove_partial(n, slab);
		return 0;
	}
	slab_set_freelist(st, slab, next_free(st, s, slab, obj));
	slab_set_inuse(slab, slab_inuse(slab) + 1);
	if (!slab_alloc_debug_processing(st, s, slab, obj, orig_size)) {
		remove_partial(n, slab);
		return 0;
	}
	if (slab_inuse(slab) == slab_objects(slab) || !slab_freelist(st, slab)) {
		remove_partial(n, slab);
		add_full(s, n, slab);
	}
	return obj;
}

/* Debug caches: the first object of a brand new slab; the slab goes on the
 * node partial list (or full). */
static mm_va_t alloc_single_from_new_slab(struct slab_state *st, struct kmem_cache *s,
					  struct page *slab, unsigned orig_size)
{
	struct kmem_cache_node *n = get_node(s);
	mm_va_t obj = slab_freelist(st, slab);
	slab_set_freelist(st, slab, next_free(st, s, slab, obj));
	slab_set_inuse(slab, 1);
	if (!slab_alloc_debug_processing(st, s, slab, obj, orig_size))
		return 0;
	if (slab_inuse(slab) == slab_objects(slab))
		add_full(s, n, slab);
	else
		add_partial(n, slab, DEACTIVATE_TO_HEAD);
	inc_slabs_node(s, slab_objects(slab));
	return obj;
}

/* get_partial_node: a slab from the node partial list for this CPU (and a
 * few more onto its cpu partial list); for debug caches, one object. */
static struct page *get_partial_node(struct slab_state *st, struct kmem_cache *s,
				     unsigned orig_size, mm_va_t *object)
{
	struct kmem_cache_node *n = get_node(s);
	struct page *partial = NULL;
	unsigned partial_slabs = 0;
	struct list_head *pos, *tmp;

	if (!n->nr_partial)
		return NULL;
	list_for_each_safe(pos, tmp, &n->partial) {
		struct page *slab = list_entry(pos, struct page, lru);
		if (kmem_cache_debug(s)) {
			mm_va_t obj = alloc_single_from_partial(st, s, n, slab, orig_size);
			if (obj) {
				*object = obj;
				partial = slab;
				break;
			}
			continue;
		}
		remove_partial(n, slab);
		if (!partial) {
			partial = slab;
		} else {
			put_cpu_partial(st, s, slab, false);
			partial_slabs++;
		}
		if (partial_slabs > s->cpu_partial_slabs / 2)
			break;
	}
	return partial;
}

static void slab_out_of_memory(struct slab_state *st, struct kmem_cache *s, gfp_t gfp)
{
	char b[96];
	if (gfp & __GFP_NOWARN)
		return;
	struct kmem_cache_node *n = get_node(s);
	unsigned long nr_free = 0;
	struct list_head *pos;
	list_for_each(pos, &n->partial) {
		struct page *slab = list_entry(pos, struct page, lru);
		nr_free += slab_objects(slab) - slab_inuse(slab);
	}
	printk(st->k, "SLUB: Unable to allocate memory on node -1, gfp=%#x(%s)", gfp,
	       gfp_str(gfp, b, sizeof(b)));
	printk(st->k, "  cache: %s, object size: %u, buffer size: %u, default order: %u, min order: %u",
	       s->name, s->object_size, s->size, s->order, s->min_order);
	if (s->min_order > slab_get_order(st->k, s->object_size))
		printk(st->k, "  %s debugging increased min order, use slub_debug=O to disable.",
		       s->name);
	printk(st->k, "  node 0: slabs: %lu, objs: %lu, free: %lu", n->nr_slabs,
	       n->total_objects, nr_free);
}

/* The slow path (Linux's ___slab_alloc): refill the cpu slab or allocate for
 * a debug cache. 0 when out of memory. */
static mm_va_t ___slab_alloc(struct slab_state *st, struct kmem_cache *s, gfp_t gfp,
			     unsigned orig_size)
{
	struct kmem_cache_cpu *c = &s->cpu_slab[st->cpu];
	struct page *slab = c->slab;
	mm_va_t freelist, obj = 0;
	int tries = 0;

	s->nr_alloc_slow++;
	if (slab) {
		/* The lockless list is empty; take what was freed into the slab. */
		freelist = take_freelist(st, slab, false);
		if (freelist)
			goto load_freelist;
		set_cpu_slab(s, c, st, NULL); /* full: it leaves the CPU, on no list */
	}

	while (!list_empty(&c->partial)) {
		slab = list_first_entry(&c->partial, struct page, lru);
		list_unlink(slab);
		c->nr_partial--;
		freelist = take_freelist(st, slab, true);
		if (freelist)
			goto retry_load_slab;
		slab_set_frozen(slab, false); /* nothing free after all: full */
	}

new_objects:
	slab = get_partial_node(st, s, orig_size, &obj);
	if (slab) {
		if (kmem_cache_debug(s)) {
			if (s->flags & SLAB_STORE_USER)
				slab_set_track(st, s, obj, TRACK_ALLOC, current_site(st, s, true));
			return obj;
		}
		freelist = take_freelist(st, slab, true);
		goto retry_load_slab;
	}

	slab = allocate_slab(st, s, gfp);
	if (!slab) {
		slab_out_of_memory(st, s, gfp);
		return 0;
	}
	if (kmem_cache_debug(s)) {
		obj = alloc_single_from_new_slab(st, s, slab, orig_size);
		if (!obj) {
			if (++tries < 2)
				goto new_objects;
			return 0;
		}
		if (s->flags & SLAB_STORE_USER)
			slab_set_track(st, s, obj, TRACK_ALLOC, current_site(st, s, true));
		return obj;
	}
	freelist = take_freelist(st, slab, true);
	inc_slabs_node(s, slab_objects(slab));

retry_load_slab:
	if (c->slab) {
		struct page *old = c->slab;
		mm_va_t old_freelist = c->freelist;
		c->freelist = 0;
		set_cpu_slab(s, c, st, NULL);
		deactivate_slab(st, s, old, old_freelist);
	}
	set_cpu_slab(s, c, st, slab);

load_freelist:
	c->freelist = next_free(st, s, c->slab, freelist);
	return freelist;
}

static inline unsigned zero_size(const struct kmem_cache *s, unsigned orig_size)
{
	if ((s->flags & (SLAB_STORE_USER | SLAB_RED_ZONE)) && (s->flags & SLAB_KMALLOC))
		return orig_size;
	return s->object_size;
}

/* Everything but the plain fast path: an empty cpu freelist (the slow
 * path), a corrupt free pointer, __GFP_ZERO. */
mm_va_t __attribute__((noinline)) slab_alloc_slow(struct slab_state *st, struct kmem_cache *s,
						  gfp_t gfp, unsigned orig_size)
{
	struct kmem_cache_cpu *c = &s->cpu_slab[st->cpu];
	mm_va_t obj = c->freelist;
	if (obj) {
		mm_va_t next = slab_get_fp(st, s, obj);
		if (next && (next - c->first_va > c->span || !slab_off_aligned(s, next - c->first_va)))
			next = next_free(st, s, c->slab, obj); /* reports, drops the chain */
		c->freelist = next;
	} else {
		obj = ___slab_alloc(st, s, gfp, orig_size);
		if (!obj)
			return 0;
	}
	s->nr_allocated++;
	if (gfp & __GFP_ZERO)
		memset(slab_va_host(st, obj), 0, zero_size(s, orig_size));
	return obj;
}

/* ---- the free paths ---------------------------------------------------------- */

/* Debug caches: checks, then the object goes back to its slab under the
 * node's lists (Linux's free_to_partial_list). */
static int free_to_partial_list(struct slab_state *st, struct kmem_cache *s, struct page *slab,
				mm_va_t obj)
{
	struct kmem_cache_node *n = get_node(s);
	uint32_t site = (s->flags & SLAB_STORE_USER) ? current_site(st, s, false) : 0;
	if (!slab_free_debug_processing(st, s, slab, obj, site))
		return -EINVAL;
	mm_va_t prior = slab_freelist(st, slab);
	unsigned inuse = slab_inuse(slab) - 1;
	slab_set_fp(st, s, obj, prior);
	slab_set_freelist(st, slab, obj);
	slab_set_inuse(slab, inuse);

	bool slab_free = inuse == 0 && n->nr_partial >= s->min_partial;
	if (!prior) {
		remove_full(s, slab);
		if (!slab_free)
			add_partial(n, slab, DEACTIVATE_TO_TAIL);
	} else if (slab_free && PageFlag(slab, PG_workingset)) {
		remove_partial(n, slab);
	} else if (slab_free) {
		slab_free = false; /* not on the node list (repaired slab): keep it */
	}
	if (slab_free) {
		dec_slabs_node(s, slab_objects(slab));
		free_slab(st, s, slab);
	}
	return 0;
}

static void __attribute__((noinline)) report_double_free(struct slab_state *st, struct kmem_cache *s,
							 struct page *slab, mm_va_t obj)
{
	char b[24];
	slab_object_err(st, s, slab, obj, "Object already free");
	slab_fix(st, s, "Object at 0x%s not freed", slab_ptr(st, obj, b, sizeof(b)));
}

/* The slow free path (__slab_free) of caches without debugging. */
static int __slab_free(struct slab_state *st, struct kmem_cache *s, struct page *slab,
		       mm_va_t obj)
{
	struct kmem_cache_node *n = get_node(s);
	mm_va_t prior = slab_freelist(st, slab);
	unsigned inuse = slab_inuse(slab);

	s->nr_free_slow++;
	if (kmem_cache_debug(s))
		return free_to_partial_list(st, s, slab, obj);
	if (obj == prior) { /* CONFIG_SLAB_FREELIST_HARDENED's naive check */
		report_double_free(st, s, slab, obj);
		return -EINVAL;
	}
	if (inuse == 0) {
		char b[24];
		slab_err(st, s, slab, "Slab has %d allocated objects but %d are to be freed", 0, 1);
		slab_fix(st, s, "Object at 0x%s not freed", slab_ptr(st, obj, b, sizeof(b)));
		return -EINVAL;
	}
	bool was_frozen = slab_frozen(slab);
	slab_set_fp(st, s, obj, prior);
	slab_set_freelist(st, slab, obj);
	slab_set_inuse(slab, --inuse);

	if (was_frozen)
		return 0; /* a cpu slab (of another CPU): no list to change */
	if (!prior) {
		/* It was full: it goes to this CPU's partial list. */
		put_cpu_partial(st, s, slab, true);
		return 0;
	}
	if (inuse || !PageFlag(slab, PG_workingset))
		return 0; /* still in use, or on a cpu partial list */
	if (n->nr_partial >= s->min_partial) {
		remove_partial(n, slab);
		discard_slab(st, s, slab);
	}
	return 0;
}

/* Everything else (slab_free's slow side): check the address against its
 * slab, then a frozen slab of this CPU or __slab_free. */
int __attribute__((noinline)) slab_free_slow(struct slab_state *st, struct kmem_cache *s,
					     struct page *slab, mm_va_t obj)
{
	char b[24];
	if (!slab_valid_object(s, slab_page_va(st, slab), slab_objects(slab), obj)) {
		slab_err(st, s, slab, "Invalid object pointer 0x%s", slab_ptr(st, obj, b, sizeof(b)));
		slab_fix(st, s, "Object at 0x%s not freed", slab_ptr(st, obj, b, sizeof(b)));
		return -EINVAL;
	}
	struct kmem_cache_cpu *c = &s->cpu_slab[st->cpu];
	if (slab == c->slab && obj == c->freelist) {
		report_double_free(st, s, slab, obj);
		return -EINVAL;
	}
	int ret = __slab_free(st, s, slab, obj);
	if (!ret && s->nr_allocated)
		s->nr_allocated--;
	return ret;
}

/* ---- cache layout -------------------------------------------------------------- */

static unsigned calculate_alignment(slab_flags_t flags, unsigned align, unsigned size,
				    unsigned ptr_bytes)
{
	if (flags & SLAB_HWCACHE_ALIGN) {
		unsigned ralign = CACHE_LINE_SIZE;
		while (size <= ralign / 2)
			ralign /= 2;
		align = MM_MAX(align, ralign);
	}
	/* arch_slab_minalign(): ARCH_SLAB_MINALIGN defaults to
	 * __alignof__(unsigned long long), which gcc makes 8 on i386 too. */
	align = MM_MAX(align, 8u);
	return MM_ALIGN_UP(align, ptr_bytes);
}

static unsigned calc_slab_order(const struct mm_kernel *k, unsigned size, unsigned min_order,
				unsigned max_order, unsigned fract_leftover)
{
	unsigned order;
	for (order = min_order; order <= max_order; order++) {
		uint64_t slab_size = k->page_size << order;
		uint64_t rem = slab_size % size;
		if (rem <= slab_size / fract_leftover)
			break;
	}
	return order;
}

/* Linux 6.x calculate_order: at least min_objects per slab (from the CPU
 * count), the smallest order from there up to slub_max_order that wastes at
 * most 1/16 of the slab, then 1/8, then 1/4, then anything. */
static int calculate_order(const struct slab_state *st, unsigned size)
{
	const struct mm_kernel *k = st->k;
	unsigned min_objects = st->slub_min_objects, max_objects, min_order, order;
	if (!min_objects) {
		unsigned nr_cpus = k->nr_cpus ? k->nr_cpus : 1; /* present = possible here */
		min_objects = 4 * (slab_fls(nr_cpus) + 1);
	}
	max_objects = MM_MAX(order_objects(k, st->slub_max_order, size), 1u);
	min_objects = MM_MIN(min_objects, max_objects);
	min_order = MM_MAX(st->slub_min_order, slab_get_order(k, (uint64_t)min_objects * size));
	if (order_objects(k, min_order, size) > MAX_OBJS_PER_PAGE)
		return (int)slab_get_order(k, (uint64_t)size * MAX_OBJS_PER_PAGE) - 1;
	for (unsigned fraction = 16; fraction > 1; fraction /= 2) {
		order = calc_slab_order(k, size, min_order, st->slub_max_order, fraction);
		if (order <= st->slub_max_order)
			return (int)order;
	}
	order = slab_get_order(k, size);
	if (order <= k->max_order)
		return (int)order;
	return -ENOSYS;
}

/* calculate_sizes: where the free pointer, red zones and tracking go; the
 * slot size; the slab order. false if no object fits a slab. */
static bool calculate_sizes(struct slab_state *st, struct kmem_cache *s)
{
	struct mm_kernel *k = st->k;
	slab_flags_t flags = s->flags;
	unsigned ptr = st->ptr_bytes;
	unsigned size = MM_ALIGN_UP(s->object_size, ptr);

	if ((flags & SLAB_POISON) && !(flags & SLAB_TYPESAFE_BY_RCU) && !s->ctor)
		s->flags |= __OBJECT_POISON;
	else
		s->flags &= ~__OBJECT_POISON;
	/* A red zone needs room between the object and the free pointer. */
	if ((flags & SLAB_RED_ZONE) && size == s->object_size)
		size += ptr;
	s->inuse = size;

	bool orig_size = (flags & SLAB_STORE_USER) && (flags & SLAB_KMALLOC);
	if (orig_size || (flags & (SLAB_TYPESAFE_BY_RCU | SLAB_POISON)) ||
	    ((flags & SLAB_RED_ZONE) && s->object_size < ptr) || s->ctor) {
		/* The object may not be overwritten when free: pointer after it. */
		s->offset = size;
		size += ptr;
	} else {
		/* The middle of the object, away from neighbours' overflows. */
		s->offset = MM_ALIGN_DOWN(s->object_size / 2, ptr);
	}
	if (flags & SLAB_STORE_USER) {
		size += 2 * st->track_bytes;
		if (flags & SLAB_KMALLOC)
			size += ORIG_SIZE_BYTES;
	}
	s->red_left_pad = 0;
	if (flags & SLAB_RED_ZONE) {
		size += ptr; /* catch writes before the next object */
		s->red_left_pad = MM_ALIGN_UP(ptr, s->align);
		size += s->red_left_pad;
	}
	size = MM_ALIGN_UP(size, s->align);
	s->size = size;

	int order = calculate_order(st, size);
	if (order < 0)
		return false;
	s->allocflags = 0;
	if (order)
		s->allocflags |= __GFP_COMP;
	if (s->flags & SLAB_CACHE_DMA)
		s->allocflags |= GFP_DMA;
	if (s->flags & SLAB_CACHE_DMA32)
		s->allocflags |= GFP_DMA32;
	if (s->flags & SLAB_RECLAIM_ACCOUNT)
		s->allocflags |= __GFP_RECLAIMABLE;
	s->order = (unsigned)order;
	s->objects = MM_MIN(order_objects(k, s->order, size), (unsigned)MAX_OBJS_PER_PAGE);
	s->min_order = slab_get_order(k, size);
	s->min_objects = MM_MIN(order_objects(k, s->min_order, size), (unsigned)MAX_OBJS_PER_PAGE);
	/* offset -> index by multiplication: exact while offset * size < 2^32. */
	s->recip = (uint32_t)(((1ULL << 32) + size - 1) / size);
	s->recip_exact = (k->page_size << MM_MAX(s->order, s->min_order)) * size < (1ULL << 32);
	return s->objects != 0;
}

static void set_cpu_partial(struct kmem_cache *s)
{
	unsigned nr_objects;
	if (kmem_cache_debug(s))
		nr_objects = 0;
	else if (s->size >= 4096)
		nr_objects = 6;
	else if (s->size >= 1024)
		nr_objects = 24;
	else if (s->size >= 256)
		nr_objects = 52;
	else
		nr_objects = 120;
	s->cpu_partial = nr_objects;
	/* Limit in slabs, assuming they are half full. */
	s->cpu_partial_slabs = (nr_objects * 2 + s->objects - 1) / s->objects;
}

static int kmem_cache_open(struct slab_state *st, struct kmem_cache *s, slab_flags_t flags)
{
	s->flags = kmem_cache_flags(st, flags, s->name);
	if (!calculate_sizes(st, s))
		return -EINVAL;
	if (st->disable_higher_order_debug &&
	    slab_get_order(st->k, s->size) > slab_get_order(st->k, s->object_size)) {
		/* slub_debug=O: no debug metadata if it raised the minimum order. */
		s->flags &= ~(SLAB_RED_ZONE | SLAB_POISON | SLAB_STORE_USER);
		s->offset = 0;
		if (!calculate_sizes(st, s))
			return -EINVAL;
	}
	s->min_partial = MM_MIN((unsigned)MAX_PARTIAL, ilog2_u(s->size) / 2);
	s->min_partial = MM_MAX((unsigned)MIN_PARTIAL, s->min_partial);
	set_cpu_partial(s);

	INIT_LIST_HEAD(&s->node.partial);
	INIT_LIST_HEAD(&s->node.full);
	for (unsigned cpu = 0; cpu < s->nr_cpus; cpu++) {
		INIT_LIST_HEAD(&s->cpu_slab[cpu].partial);
		set_cpu_slab(s, &s->cpu_slab[cpu], st, NULL);
	}
	return 0;
}

/* ---- caches ---------------------------------------------------------------------- */

void kmem_cache_release(struct kmem_cache *s)
{
	free(s->name);
	free(s);
}

static int set_error(struct mm_kernel *k, int err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static int set_error(struct mm_kernel *k, int err, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(k->last_error, sizeof(k->last_error), fmt, ap);
	va_end(ap);
	return err;
}

/* Give s its objects in the kmem_cache and kmem_cache_node caches, so that
 * the cache descriptors cost simulated memory as on Linux. */
void slab_alloc_shadows(struct slab_state *st, struct kmem_cache *s)
{
	if (st->kmem_cache && !s->shadow_va) {
		s->shadow_va = slab_alloc(st, st->kmem_cache, GFP_KERNEL | __GFP_ZERO,
					  st->kmem_cache->object_size);
		if (s->shadow_va) {
			size_t n = MM_MIN(strlen(s->name), (size_t)st->kmem_cache->object_size - 1);
			memcpy(slab_va_host(st, s->shadow_va), s->name, n);
		}
	}
	if (st->kmem_cache_node && !s->node_shadow_va)
		s->node_shadow_va = slab_alloc(st, st->kmem_cache_node, GFP_KERNEL | __GFP_ZERO,
					       st->kmem_cache_node->object_size);
}

static void free_shadows(struct slab_state *st, struct kmem_cache *s)
{
	if (s->node_shadow_va)
		kfree(st->k, s->node_shadow_va);
	if (s->shadow_va)
		kfree(st->k, s->shadow_va);
	s->shadow_va = s->node_shadow_va = 0;
}

#define SLAB_FLAGS_PERMITTED                                                              \
	(SLAB_CONSISTENCY_CHECKS | SLAB_RED_ZONE | SLAB_POISON | SLAB_KMALLOC |            \
	 SLAB_HWCACHE_ALIGN | SLAB_CACHE_DMA | SLAB_CACHE_DMA32 | SLAB_STORE_USER |        \
	 SLAB_RECLAIM_ACCOUNT | SLAB_PANIC | SLAB_TYPESAFE_BY_RCU | SLAB_MEM_SPREAD |      \
	 SLAB_TRACE | SLAB_NOLEAKTRACE | SLAB_NO_MERGE | SLAB_FAILSLAB | SLAB_ACCOUNT |    \
	 SLAB_NO_USER_FLAGS)

struct kmem_cache *kmem_cache_create(struct mm_kernel *k, const char *name, unsigned size,
				     unsigned align, slab_flags_t flags, void (*ctor)(void *))
{
	struct slab_state *st = k->slab;
	struct kmem_cache *s = NULL;
	int err;

	if (!st) {
		set_error(k, -ENODEV, "kmem_cache_create: this machine has no slab allocator (toy arch)");
		return NULL;
	}
	if (!name || !*name || size == 0 || size > st->kmalloc_max_size) {
		printk(k, "kmem_cache_create(%s) integrity check failed", name ? name : "(null)");
		err = set_error(k, -EINVAL, "kmem_cache_create(%s): size %u is not in 1..%llu",
				name ? name : "(null)", size, (unsigned long long)st->kmalloc_max_size);
		goto out;
	}
	if ((flags & ~SLAB_FLAGS_PERMITTED) || (align & (align - 1))) {
		err = set_error(k, -EINVAL, "kmem_cache_create(%s): bad flags 0x%x or align %u",
				name, flags, align);
		goto out;
	}
	s = calloc(1, sizeof(*s) + k->nr_cpus * sizeof(struct kmem_cache_cpu));
	if (!s || !(s->name = strdup(name))) {
		free(s);
		s = NULL;
		err = set_error(k, -ENOMEM, "kmem_cache_create(%s): out of host memory", name);
		goto out;
	}
	s->nr_cpus = k->nr_cpus;
	s->object_size = size;
	s->ctor = ctor;
	s->fp_bytes = st->ptr_bytes;
	s->refcount = 1;
	s->align = calculate_alignment(flags, align ? align : st->ptr_bytes, size, st->ptr_bytes);
	if ((err = kmem_cache_open(st, s, flags))) {
		set_error(k, err, "kmem_cache_create(%s): no slab layout fits size %u", name, size);
		kmem_cache_release(s);
		s = NULL;
		goto out;
	}
	list_add(&s->list, &st->caches);
	st->nr_caches++;
	slab_alloc_shadows(st, s);
	return s;
out:
	if (flags & SLAB_PANIC)
		printk(k, "Kernel panic - not syncing: kmem_cache_create: Failed to create slab '%s'. Error %d",
		       name ? name : "(null)", err);
	return NULL;
}

/* Free the empty partial slabs; list the objects of the others. */
static void free_partial(struct slab_state *st, struct kmem_cache *s)
{
	struct kmem_cache_node *n = get_node(s);
	struct list_head *pos, *tmp;
	list_for_each_safe(pos, tmp, &n->partial) {
		struct page *slab = list_entry(pos, struct page, lru);
		if (!slab_inuse(slab)) {
			remove_partial(n, slab);
			discard_slab(st, s, slab);
		} else {
			slab_list_objects(st, s, slab,
					  "Objects remaining in %s on __kmem_cache_shutdown()");
		}
	}
}

int kmem_cache_destroy_caller(struct mm_kernel *k, struct kmem_cache *s, const char *site)
{
	struct slab_state *st = k->slab;
	if (!st || !s)
		return 0;
	if (s == st->kmem_cache || s == st->kmem_cache_node)
		return -EBUSY; /* the boot caches hold every cache's descriptor */
	if (--s->refcount)
		return 0;
	const char *prev = st->cur_site;
	st->cur_site = site ? site : prev;
	flush_all(st, s);
	free_partial(st, s);
	if (s->node.nr_partial || s->node.nr_slabs) {
		s->refcount++;
		slab_warn(st, "mm/slab_common.c:kmem_cache_destroy",
			  "kmem_cache_destroy %s: Slab cache still has objects when called from %s",
			  s->name, st->cur_site ? st->cur_site : "kmem_cache_destroy");
		st->cur_site = prev;
		return -EBUSY;
	}
	st->cur_site = prev;
	for (int t = 0; t < NR_KMALLOC_TYPES; t++)
		for (int i = 0; i <= KMALLOC_SHIFT_LIMIT; i++)
			if (st->kmalloc_caches[t][i] == s)
				st->kmalloc_caches[t][i] = NULL;
	for (int i = 0; i < NR_KMEM_NAMED; i++)
		if (st->named[i] == s)
			st->named[i] = NULL;
	list_del(&s->list);
	st->nr_caches--;
	free_shadows(st, s);
	kmem_cache_release(s);
	return 0;
}

int kmem_cache_destroy(struct mm_kernel *k, struct kmem_cache *s)
{
	return kmem_cache_destroy_caller(k, s, NULL);
}

int kmem_cache_shrink(struct mm_kernel *k, struct kmem_cache *s)
{
	struct slab_state *st = k->slab;
	if (!st || !s)
		return 0;
	struct kmem_cache_node *n = get_node(s);
	struct list_head promote[SHRINK_PROMOTE_MAX], discard, *pos, *tmp;

	flush_all(st, s);
	INIT_LIST_HEAD(&discard);
	for (int i = 0; i < SHRINK_PROMOTE_MAX; i++)
		INIT_LIST_HEAD(&promote[i]);
	list_for_each_safe(pos, tmp, &n->partial) {
		struct page *slab = list_entry(pos, struct page, lru);
		unsigned free = slab_objects(slab) - slab_inuse(slab);
		if (free == slab_objects(slab)) {
			list_move(&slab->lru, &discard);
			ClearPageFlag(slab, PG_workingset);
			n->nr_partial--;
		} else if (free && free <= SHRINK_PROMOTE_MAX) {
			list_move(&slab->lru, &promote[free - 1]);
		}
	}
	/* The fullest slabs first: allocations fill them, frees empty the rest. */
	for (int i = SHRINK_PROMOTE_MAX - 1; i >= 0; i--) {
		while (!list_empty(&promote[i]))
			list_move(promote[i].prev, &n->partial);
	}
	list_for_each_safe(pos, tmp, &discard) {
		struct page *slab = list_entry(pos, struct page, lru);
		list_unlink(slab);
		discard_slab(st, s, slab);
	}
	return n->nr_slabs ? 1 : 0;
}

mm_va_t kmem_cache_alloc_caller(struct mm_kernel *k, struct kmem_cache *s, gfp_t gfp,
				const char *site)
{
	struct slab_state *st = k->slab;
	if (!st || !s)
		return 0;
	const char *prev = st->cur_site;
	st->cur_site = site ? site : prev;
	mm_va_t obj = slab_alloc(st, s, gfp, s->object_size);
	st->cur_site = prev;
	return obj;
}

mm_va_t kmem_cache_alloc(struct mm_kernel *k, struct kmem_cache *s, gfp_t gfp)
{
	struct slab_state *st = k->slab;
	if (__builtin_expect(!st || !s, 0))
		return 0;
	return slab_alloc(st, s, gfp, s->object_size);
}

struct kmem_cache *virt_to_cache(struct mm_kernel *k, mm_va_t obj)
{
	if (!k->slab)
		return NULL;
	struct page *page = slab_virt_to_head_page(k->slab, obj);
	return page && PageFlag(page, PG_slab) ? slab_cache(page) : NULL;
}

void __attribute__((noinline)) slab_report_nonslab(struct slab_state *st, mm_va_t obj,
						   const char *func)
{
	char b[24], where[64];
	snprintf(st->last_bug, sizeof(st->last_bug), "%s of non-slab address 0x%s", func,
		 slab_ptr(st, obj, b, sizeof(b)));
	snprintf(where, sizeof(where), "%s:%s",
		 strcmp(func, "krealloc") == 0 ? "mm/slab_common.c" : "mm/slub.c", func);
	slab_warn(st, where, "%s", st->last_bug);
}

int kmem_cache_free_caller(struct mm_kernel *k, struct kmem_cache *s, mm_va_t obj,
			   const char *site)
{
	struct slab_state *st = k->slab;
	if (!st || !s || ZERO_OR_NULL_PTR(obj))
		return 0;
	const char *prev = st->cur_site;
	int ret;
	st->cur_site = site ? site : prev;
	struct page *slab = slab_virt_to_head_page(st, obj);
	if (!slab || !PageFlag(slab, PG_slab)) {
		slab_report_nonslab(st, obj, "kmem_cache_free");
		ret = -EINVAL;
		goto out;
	}
	struct kmem_cache *cachep = slab_cache(slab);
	if (cachep != s) {
		slab_warn(st, "mm/slub.c:cache_from_obj", "kmem_cache_free: Wrong slab cache. %s but object is from %s",
			  s->name, cachep->name);
		slab_print_tracking(st, cachep, obj);
	}
	ret = slab_free(st, cachep, slab, obj);
out:
	st->cur_site = prev;
	return ret;
}

int kmem_cache_free(struct mm_kernel *k, struct kmem_cache *s, mm_va_t obj)
{
	struct slab_state *st = k->slab;
	if (__builtin_expect(st && s && slab_free_fast(st, s, obj), 1))
		return 0;
	return kmem_cache_free_caller(k, s, obj, NULL);
}

struct kmem_cache *kmem_cache_find(struct mm_kernel *k, const char *name)
{
	if (!k->slab || !name)
		return NULL;
	struct list_head *pos;
	list_for_each(pos, &k->slab->caches) {
		struct kmem_cache *s = list_entry(pos, struct kmem_cache, list);
		if (strcmp(s->name, name) == 0)
			return s;
	}
	return NULL;
}

struct kmem_cache *kmem_named_cache(struct mm_kernel *k, enum kmem_named_cache which)
{
	if (!k->slab || (unsigned)which >= NR_KMEM_NAMED)
		return NULL;
	return k->slab->named[which];
}

void kmem_cache_get_slabinfo(const struct kmem_cache *s, struct slabinfo *info)
{
	unsigned long nr_free = 0;
	const struct list_head *pos;
	list_for_each(pos, &s->node.partial) {
		const struct page *slab = list_entry(pos, struct page, lru);
		nr_free += slab_objects(slab) - slab_inuse(slab);
	}
	info->active_objs = s->node.total_objects - nr_free;
	info->num_objs = s->node.total_objects;
	info->active_slabs = s->node.nr_slabs;
	info->num_slabs = s->node.nr_slabs;
	info->objects_per_slab = s->objects;
	info->cache_order = s->order;
}

void slab_set_cpu(struct mm_kernel *k, unsigned cpu)
{
	if (k->slab && cpu < k->nr_cpus)
		k->slab->cpu = cpu;
}

void slab_set_pid(struct mm_kernel *k, int pid)
{
	if (k->slab)
		k->slab->pid = pid;
}

void *kmem_host(struct mm_kernel *k, mm_va_t va)
{
	struct slab_state *st = k->slab;
	if (!st || va < st->page_offset ||
	    ((va - st->page_offset) >> k->page_shift) >= st->lowmem_end_pfn)
		return NULL;
	return slab_va_host(st, va);
}

/* ---- validation ---------------------------------------------------------------- */

/* One slab's freelists (the slab's own, and a CPU's for a cpu slab): every
 * pointer an object of the slab, no cycle, inuse consistent. */
static bool check_slab_counts(struct slab_state *st, struct kmem_cache *s, struct page *slab,
			      mm_va_t cpu_freelist, const char *where)
{
	unsigned objects = slab_objects(slab), nr = 0, nr_own = 0;
	mm_va_t base = slab_page_va(st, slab);
	unsigned long long pfn = (unsigned long long)(slab - st->k->mem_map);
	bool ok = true;

	if (!PageFlag(slab, PG_slab) || slab_cache(slab) != s) {
		fprintf(stderr, "slab %s: %s slab pfn 0x%llx is not marked as this cache's slab\n",
			s->name, where, pfn);
		return false;
	}
	for (int pass = 0; pass < 2; pass++) {
		mm_va_t p = pass ? cpu_freelist : slab_freelist(st, slab);
		while (p && nr <= objects) {
			if (!slab_valid_object(s, base, objects, p)) {
				fprintf(stderr, "slab %s: %s slab pfn 0x%llx: bad free pointer 0x%llx\n",
					s->name, where, pfn, (unsigned long long)p);
				return false;
			}
			nr++;
			p = slab_get_fp(st, s, p);
		}
		if (!pass)
			nr_own = nr;
	}
	if (nr > objects) {
		fprintf(stderr, "slab %s: %s slab pfn 0x%llx: more than %u free objects (a cycle)\n",
			s->name, where, pfn, objects);
		return false;
	}
	/* inuse: objects not on the slab's own freelist (a CPU's freelist
	 * counts as in use: those objects belong to the CPU). */
	unsigned want = objects - nr_own;
	if (slab_inuse(slab) != want) {
		fprintf(stderr, "slab %s: %s slab pfn 0x%llx: inuse %u, freelists say %u\n", s->name,
			where, pfn, slab_inuse(slab), want);
		ok = false;
	}
	return ok;
}

bool kmem_cache_validate(struct mm_kernel *k, struct kmem_cache *s)
{
	struct slab_state *st = k->slab;
	struct list_head *pos;
	unsigned long nr_partial = 0, nr_objs_min = 0;
	bool ok = true;
	if (!st || !s)
		return true;
	list_for_each(pos, &s->node.partial) {
		struct page *slab = list_entry(pos, struct page, lru);
		nr_partial++;
		if (!PageFlag(slab, PG_workingset) || slab_frozen(slab)) {
			fprintf(stderr, "slab %s: node partial slab with wrong state\n", s->name);
			ok = false;
		}
		ok &= check_slab_counts(st, s, slab, 0, "node partial");
		nr_objs_min += slab_objects(slab);
	}
	if (nr_partial != s->node.nr_partial) {
		fprintf(stderr, "slab %s: %lu partial slabs counted but counter=%lu\n", s->name,
			nr_partial, s->node.nr_partial);
		ok = false;
	}
	for (unsigned cpu = 0; cpu < s->nr_cpus; cpu++) {
		struct kmem_cache_cpu *c = &s->cpu_slab[cpu];
		unsigned nr = 0;
		if (c->slab) {
			if (!slab_frozen(c->slab)) {
				fprintf(stderr, "slab %s: cpu%u slab is not frozen\n", s->name, cpu);
				ok = false;
			}
			ok &= check_slab_counts(st, s, c->slab, c->freelist, "cpu");
			nr_objs_min += slab_objects(c->slab);
		} else if (c->freelist) {
			fprintf(stderr, "slab %s: cpu%u has a freelist but no slab\n", s->name, cpu);
			ok = false;
		}
		list_for_each(pos, &c->partial) {
			struct page *slab = list_entry(pos, struct page, lru);
			nr++;
			if (slab_frozen(slab) || PageFlag(slab, PG_workingset)) {
				fprintf(stderr, "slab %s: cpu%u partial slab with wrong state\n", s->name,
					cpu);
				ok = false;
			}
			ok &= check_slab_counts(st, s, slab, 0, "cpu partial");
			nr_objs_min += slab_objects(slab);
		}
		if (nr != c->nr_partial) {
			fprintf(stderr, "slab %s: cpu%u: %u partial slabs counted but counter=%u\n",
				s->name, cpu, nr, c->nr_partial);
			ok = false;
		}
	}
	if (nr_objs_min > s->node.total_objects) {
		fprintf(stderr, "slab %s: listed slabs hold %lu objects, total_objects=%lu\n", s->name,
			nr_objs_min, s->node.total_objects);
		ok = false;
	}
	return ok;
}

bool kmem_cache_validate_all(struct mm_kernel *k)
{
	struct slab_state *st = k->slab;
	struct list_head *pos;
	bool ok = true;
	if (!st)
		return true;
	list_for_each(pos, &st->caches)
		ok &= kmem_cache_validate(k, list_entry(pos, struct kmem_cache, list));
	return ok;
}
