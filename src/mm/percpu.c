/*
 * percpu.c - the per-CPU allocator (Linux's mm/percpu.c + mm/percpu-vm.c).
 *
 * Memory comes in chunks; a chunk holds one unit per CPU, and an allocation
 * takes the same offset in every unit, so CPU n's copy is at a fixed
 * distance (n * unit_size) from CPU 0's:
 *
 *   first chunk (embedded, from memblock, in the direct map)
 *   unit 0: [ static (kernel DEFINE_PER_CPU) | reserved (modules) | dynamic ]
 *   unit 1: [ static                         | reserved           | dynamic ]
 *                                                                 ^ alloc_percpu
 *   later chunks (vmalloc space, top down, pages populated on demand)
 *   unit 0: [ populated | . | populated | . . . . . . . . . . . . . . ]
 *   unit 1: [ populated | . | populated | . . . . . . . . . . . . . . ]
 *
 * The unit size follows pcpu_build_alloc_info: size_sum = static + reserved
 * + dynamic, rounded to a page; atoms of PMD_SIZE on x86_64 (PAGE_SIZE on
 * i386) are split into as many units as possible without wasting more than
 * a third of a CPU's worth, so a 1-CPU x86_64 machine gets u2097152 and an
 * 8-CPU one u262144, as their dmesg says. The first chunk is carved from
 * memblock at those offsets and only size_sum of each CPU's unit is kept
 * (Linux frees the tails back to memblock).
 *
 * Inside a chunk a bitmap with one bit per 4 bytes (alloc_map) records what
 * is in use, and bound_map marks where each allocation starts and ends, so
 * free_percpu needs no size. Chunks are searched by "slot" (the log2 of
 * their longest free run), smallest first, first fit inside a chunk.
 *
 * Balance work (pcpu_balance_workfn, a workqueue in Linux, run right away
 * here at the moments Linux schedules it): keep PCPU_EMPTY_POP_PAGES_HIGH
 * populated-but-empty pages around for atomic allocations (creating a chunk
 * if needed), give back empty pages of chunks that have at least a quarter
 * of them empty when the system has enough elsewhere (one TLB flush per
 * chunk), and free every fully free chunk but one.
 *
 * meminfo Percpu = pcpu_nr_populated * nr_units pages, as Linux counts it
 * (units without a CPU included).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "include/strbuf.h"
#include "mm/internal.h"
#include "mm/percpu.h"
#include "mm/vmalloc.h"

/* The kernel's static per-CPU section (modelled: a distro kernel's size)
 * and the dynamic reserve (PERCPU_DYNAMIC_RESERVE: 28K on 64-bit, 20K on
 * 32-bit). x86 passes reserved = PERCPU_FIRST_CHUNK_RESERVE (8K) and
 * dyn = 8K + dynamic reserve - 8K. */
#define PCPU_STATIC_SIZE_64 225280
#define PCPU_STATIC_SIZE_32 94208
#define PERCPU_DYNAMIC_RESERVE_64 (28u << 10)
#define PERCPU_DYNAMIC_RESERVE_32 (20u << 10)

/* ---- bitmaps --------------------------------------------------------------------- */

static bool bit_test(const uint64_t *m, unsigned i)
{
	return (m[i / 64] >> (i % 64)) & 1;
}

static void bits_assign(uint64_t *m, unsigned start, unsigned n, bool v)
{
	for (unsigned i = start; i < start + n; i++) {
		if ((i % 64) == 0 && i + 64 <= start + n) {
			m[i / 64] = v ? UINT64_MAX : 0;
			i += 63;
			continue;
		}
		if (v)
			m[i / 64] |= 1ULL << (i % 64);
		else
			m[i / 64] &= ~(1ULL << (i % 64));
	}
}

/* First bit >= start in [start, end) equal to v, or end. */
static unsigned bit_find(const uint64_t *m, unsigned end, unsigned start, bool v)
{
	unsigned i = start;
	while (i < end) {
		uint64_t w = v ? m[i / 64] : ~m[i / 64];
		w &= UINT64_MAX << (i % 64);
		if (w) {
			unsigned b = (i & ~63u) + (unsigned)__builtin_ctzll(w);
			return b < end ? b : end;
		}
		i = (i & ~63u) + 64;
	}
	return end;
}

static uint64_t *bitmap_new(unsigned bits)
{
	return xcalloc((bits + 63) / 64 + 1, sizeof(uint64_t));
}

/* ---- chunk bookkeeping -------------------------------------------------------------- */

static unsigned bits_per_page(const struct mm_kernel *k)
{
	return (unsigned)(k->page_size / PCPU_MIN_ALLOC_SIZE);
}

static bool page_empty(const struct mm_kernel *k, const struct pcpu_chunk *c, unsigned page)
{
	unsigned b = page * bits_per_page(k);
	return bit_find(c->alloc_map, b + bits_per_page(k), b, true) == b + bits_per_page(k);
}

/* Recompute the chunk's cached summaries: free bytes, longest free run and
 * empty populated pages (Linux keeps block hints; a rescan is O(unit/64)). */
static void chunk_refresh(const struct mm_kernel *k, struct pcpu_chunk *c)
{
	unsigned longest = 0, free_bits = 0;
	for (unsigned i = bit_find(c->alloc_map, c->nr_bits, 0, false); i < c->nr_bits;) {
		unsigned e = bit_find(c->alloc_map, c->nr_bits, i, true);
		free_bits += e - i;
		longest = MM_MAX(longest, e - i);
		i = bit_find(c->alloc_map, c->nr_bits, e, false);
	}
	c->contig_bits = longest;
	c->free_bytes = (uint64_t)free_bits * PCPU_MIN_ALLOC_SIZE;
	unsigned empty = 0;
	for (unsigned p = 0; p < c->nr_pages; p++)
		empty += bit_test(c->populated, p) && page_empty(k, c, p);
	c->nr_empty_pop_pages = empty;
}

static void update_meminfo(struct mm_kernel *k)
{
	struct percpu_state *ps = k->percpu;
	k->nr_percpu_bytes = ps->nr_populated * ps->nr_units * k->page_size;
}

unsigned pcpu_nr_empty_pop_pages(const struct mm_kernel *k)
{
	const struct percpu_state *ps = k->percpu;
	unsigned n = 0;
	struct list_head *pos;
	if (!ps)
		return 0;
	list_for_each(pos, &ps->chunks) {
		const struct pcpu_chunk *c = list_entry(pos, struct pcpu_chunk, list);
		if (c->state == PCPU_CHUNK_ACTIVE)
			n += c->nr_empty_pop_pages;
	}
	return n;
}

static int fls64_(uint64_t v)
{
	return v ? 64 - __builtin_clzll(v) : 0;
}

/* __pcpu_size_to_slot / pcpu_chunk_slot; the free slot is max_slot. */
static int size_to_slot(const struct percpu_state *ps, uint64_t size, int free_slot)
{
	if (size == ps->unit_size)
		return free_slot;
	int s = fls64_(size) - PCPU_SLOT_BASE_SHIFT + 2;
	return s > 1 ? s : 1;
}

/* pcpu_free_slot: one past the slot of a unit-sized run. */
static int free_slot_of(const struct percpu_state *ps)
{
	return fls64_(ps->unit_size) - PCPU_SLOT_BASE_SHIFT + 2 + 1;
}

static int chunk_slot(const struct percpu_state *ps, const struct pcpu_chunk *c)
{
	if (c->free_bytes < PCPU_MIN_ALLOC_SIZE || c->contig_bits == 0)
		return 0;
	return size_to_slot(ps, (uint64_t)c->contig_bits * PCPU_MIN_ALLOC_SIZE, free_slot_of(ps));
}

/*
 * pcpu_chunk_relocate: Linux keeps one list per slot; a chunk whose slot
 * rises (more free) goes to the front of its new list, one whose slot falls
 * to the back, and a new or reintegrated chunk (oslot -1) to the front.
 * mmsim keeps one list and iterates it slot by slot, so moving the chunk
 * to the front or back of that list gives the same order inside each slot.
 */
static void chunk_relocate(struct percpu_state *ps, struct pcpu_chunk *c, int oslot)
{
	int nslot = chunk_slot(ps, c);
	if (c->state != PCPU_CHUNK_ACTIVE || oslot == nslot)
		return;
	if (oslot < nslot)
		list_move(&c->list, &ps->chunks);
	else
		list_move_tail(&c->list, &ps->chunks);
}

/* Where per-CPU byte off of cpu's unit lives in simulated RAM. */
static mm_pa_t chunk_pa(const struct mm_kernel *k, const struct pcpu_chunk *c, unsigned cpu,
			uint64_t off)
{
	const struct percpu_state *ps = k->percpu;
	if (c->first)
		return ps->first_pa + cpu * ps->unit_size + off;
	mm_pfn_t pfn = c->pages[(uint64_t)cpu * c->nr_pages + off / k->page_size];
	return (pfn << k->page_shift) + off % k->page_size;
}

static struct pcpu_chunk *chunk_new(const struct mm_kernel *k, uint64_t unit_size)
{
	struct pcpu_chunk *c = xcalloc(1, sizeof(*c));
	c->nr_pages = (unsigned)(unit_size / k->page_size);
	c->nr_bits = (unsigned)(unit_size / PCPU_MIN_ALLOC_SIZE);
	c->start_bit = 0;
	c->end_bit = c->nr_bits;
	c->alloc_map = bitmap_new(c->nr_bits);
	c->bound_map = bitmap_new(c->nr_bits + 1);
	c->populated = bitmap_new(c->nr_pages);
	INIT_LIST_HEAD(&c->list);
	return c;
}

static void chunk_free(struct pcpu_chunk *c)
{
	free(c->alloc_map);
	free(c->bound_map);
	free(c->populated);
	free(c->pages);
	free(c);
}

/* ---- populating pages of vmalloc chunks (percpu-vm.c) ------------------------------- */

static int pcpu_populate_chunk(struct mm_kernel *k, struct pcpu_chunk *c, unsigned rs, unsigned re)
{
	struct percpu_state *ps = k->percpu;
	unsigned n = re - rs;
	for (unsigned cpu = 0; cpu < k->nr_cpus; cpu++) {
		mm_pfn_t *pfns = &c->pages[(uint64_t)cpu * c->nr_pages + rs];
		for (unsigned i = 0; i < n; i++) {
			/* pcpu_alloc_pages: any zone will do, the pages are mapped. */
			struct page *p = alloc_pages(k, GFP_KERNEL | __GFP_HIGHMEM, 0);
			if (!p) {
				while (i--)
					__free_pages(k, pfn_to_page(k, pfns[i]), 0);
				goto fail;
			}
			pfns[i] = page_to_pfn(k, p);
		}
		mm_va_t va = c->base_addr + cpu * ps->unit_size + (uint64_t)rs * k->page_size;
		if (vmap_pages_range(k, va, pfns, n)) {
			for (unsigned i = 0; i < n; i++)
				__free_pages(k, pfn_to_page(k, pfns[i]), 0);
			goto fail;
		}
		continue;
fail:
		/* Undo the CPUs already done. */
		while (cpu--) {
			mm_pfn_t *done = &c->pages[(uint64_t)cpu * c->nr_pages + rs];
			vunmap_range_noflush(k, c->base_addr + cpu * ps->unit_size + (uint64_t)rs * k->page_size,
					     (uint64_t)n * k->page_size);
			for (unsigned i = 0; i < n; i++)
				__free_pages(k, pfn_to_page(k, done[i]), 0);
		}
		return -ENOMEM;
	}
	bits_assign(c->populated, rs, n, true);
	c->nr_populated += n;
	ps->nr_populated += n;
	update_meminfo(k);
	return 0;
}

/* Unmap and free pages [rs, re) of every unit; the caller flushes. */
static void pcpu_depopulate_chunk(struct mm_kernel *k, struct pcpu_chunk *c, unsigned rs, unsigned re)
{
	struct percpu_state *ps = k->percpu;
	unsigned n = re - rs;
	for (unsigned cpu = 0; cpu < k->nr_cpus; cpu++) {
		vunmap_range_noflush(k, c->base_addr + cpu * ps->unit_size + (uint64_t)rs * k->page_size,
				     (uint64_t)n * k->page_size);
		for (unsigned i = rs; i < re; i++)
			__free_pages(k, pfn_to_page(k, c->pages[(uint64_t)cpu * c->nr_pages + i]), 0);
	}
	bits_assign(c->populated, rs, n, false);
	c->nr_populated -= n;
	ps->nr_populated -= n;
	update_meminfo(k);
}

/* pcpu_post_unmap_tlb_flush: one flush from the lowest to the highest unit. */
static void pcpu_flush(struct mm_kernel *k, struct pcpu_chunk *c, unsigned rs, unsigned re)
{
	struct percpu_state *ps = k->percpu;
	ps->nr_tlb_flushes++;
	kernel_tlb_flush_range(k, c->base_addr + (uint64_t)rs * k->page_size,
			       c->base_addr + (k->nr_cpus - 1) * ps->unit_size + (uint64_t)re * k->page_size);
}

/* pcpu_create_chunk: a vmalloc area for all units, nothing populated. */
static struct pcpu_chunk *pcpu_create_chunk(struct mm_kernel *k)
{
	struct percpu_state *ps = k->percpu;
	uint64_t group = (uint64_t)ps->nr_units * ps->unit_size;
	struct vm_struct *vm = vmalloc_get_area_topdown(k, group, ps->atom_size, VM_ALLOC,
							"pcpu_get_vm_areas");
	if (!vm)
		return NULL;
	struct pcpu_chunk *c = chunk_new(k, ps->unit_size);
	c->vm = vm;
	c->base_addr = vm->addr;
	c->pages = xcalloc((uint64_t)k->nr_cpus * c->nr_pages, sizeof(mm_pfn_t));
	c->usable_bytes = ps->unit_size;
	chunk_refresh(k, c);
	list_add(&c->list, &ps->chunks); /* pcpu_chunk_relocate(chunk, -1): front */
	ps->nr_chunks++;
	ps->nr_chunks_created++;
	return c;
}

static void pcpu_destroy_chunk(struct mm_kernel *k, struct pcpu_chunk *c)
{
	struct percpu_state *ps = k->percpu;
	for (unsigned rs = bit_find(c->populated, c->nr_pages, 0, true); rs < c->nr_pages;) {
		unsigned re = bit_find(c->populated, c->nr_pages, rs, false);
		pcpu_depopulate_chunk(k, c, rs, re);
		rs = bit_find(c->populated, c->nr_pages, re, true);
	}
	/* The VA goes lazy in vmalloc: the purge's flush covers the unmapping. */
	vmalloc_free_area(k, c->vm);
	list_del(&c->list);
	ps->nr_chunks--;
	ps->nr_chunks_destroyed++;
	chunk_free(c);
}

/* ---- balance work ------------------------------------------------------------------------ */

static bool chunk_fully_free(const struct pcpu_chunk *c)
{
	return !c->first && c->free_bytes == c->usable_bytes;
}

/* pcpu_balance_free: destroy fully free chunks, sparing the first on the
 * free slot's list. With empty_only, only those with no populated page. */
static void pcpu_balance_free(struct mm_kernel *k, bool empty_only)
{
	struct percpu_state *ps = k->percpu;
	struct list_head *pos, *n;
	bool spared = false;
	list_for_each_safe(pos, n, &ps->chunks) {
		struct pcpu_chunk *c = list_entry(pos, struct pcpu_chunk, list);
		if (c->state != PCPU_CHUNK_ACTIVE || !chunk_fully_free(c))
			continue;
		if (!spared) {
			spared = true;
			continue;
		}
		if (!empty_only || c->nr_empty_pop_pages == 0)
			pcpu_destroy_chunk(k, c);
	}
}

/* pcpu_reclaim_populated: free the empty pages of isolated chunks, from the
 * end, while the rest of the system keeps enough empty populated pages. */
static void pcpu_reclaim_populated(struct mm_kernel *k)
{
	struct percpu_state *ps = k->percpu;
	for (;;) {
		/* The first chunk waiting for depopulation (the list reorders as
		 * chunks are reintegrated, so look again each time). */
		struct pcpu_chunk *c = NULL;
		struct list_head *pos;
		list_for_each(pos, &ps->chunks) {
			struct pcpu_chunk *t = list_entry(pos, struct pcpu_chunk, list);
			if (t->state == PCPU_CHUNK_TO_DEPOPULATE) {
				c = t;
				break;
			}
		}
		if (!c)
			break;
		unsigned freed_start = c->nr_pages, freed_end = 0;
		bool reintegrate = false;
		int end = -1;
		for (int i = (int)c->nr_pages - 1; i >= 0; i--) {
			if (c->nr_empty_pop_pages == 0)
				break;
			if (pcpu_nr_empty_pop_pages(k) < PCPU_EMPTY_POP_PAGES_HIGH) {
				reintegrate = true;
				break;
			}
			if (bit_test(c->populated, (unsigned)i) && page_empty(k, c, (unsigned)i)) {
				if (end == -1)
					end = i;
				if (i > 0)
					continue;
				i--;
			}
			if (end == -1)
				continue;
			pcpu_depopulate_chunk(k, c, (unsigned)(i + 1), (unsigned)(end + 1));
			chunk_refresh(k, c);
			freed_start = MM_MIN(freed_start, (unsigned)(i + 1));
			freed_end = MM_MAX(freed_end, (unsigned)(end + 1));
			end = -1;
		}
		if (freed_start < freed_end)
			pcpu_flush(k, c, freed_start, freed_end); /* one flush per chunk */
		if (reintegrate || chunk_fully_free(c)) {
			c->state = PCPU_CHUNK_ACTIVE; /* pcpu_reintegrate_chunk */
			chunk_relocate(ps, c, -1);
		} else {
			c->state = PCPU_CHUNK_SIDELINED;
		}
	}
}

/* pcpu_balance_populated: top up empty populated pages to HIGH, populating
 * chunks from the fullest slot that still has a page free, creating a chunk
 * when none has room. */
static void pcpu_balance_populated(struct mm_kernel *k)
{
	struct percpu_state *ps = k->percpu;
	int nr_to_pop = PCPU_EMPTY_POP_PAGES_HIGH - (int)pcpu_nr_empty_pop_pages(k);
	if (nr_to_pop <= 0)
		return;
	nr_to_pop = MM_MIN(nr_to_pop, PCPU_EMPTY_POP_PAGES_HIGH);
	int fslot = free_slot_of(ps);
	for (int created = 0; created < 2 && nr_to_pop > 0; created++) {
		for (int slot = size_to_slot(ps, k->page_size, fslot); slot <= fslot && nr_to_pop > 0; slot++) {
			struct list_head *pos;
			list_for_each(pos, &ps->chunks) {
				struct pcpu_chunk *c = list_entry(pos, struct pcpu_chunk, list);
				if (c->state != PCPU_CHUNK_ACTIVE || c->first || chunk_slot(ps, c) != slot ||
				    c->nr_populated == c->nr_pages)
					continue;
				for (unsigned rs = bit_find(c->populated, c->nr_pages, 0, false);
				     rs < c->nr_pages && nr_to_pop > 0;) {
					unsigned re = bit_find(c->populated, c->nr_pages, rs, true);
					unsigned n = MM_MIN(re - rs, (unsigned)nr_to_pop);
					if (pcpu_populate_chunk(k, c, rs, rs + n)) {
						nr_to_pop = 0;
						break;
					}
					nr_to_pop -= (int)n;
					rs = bit_find(c->populated, c->nr_pages, rs + n, false);
				}
				chunk_refresh(k, c);
				if (nr_to_pop <= 0)
					break;
			}
		}
		if (nr_to_pop > 0 && !pcpu_create_chunk(k))
			break;
	}
}

static void pcpu_balance_workfn(struct mm_kernel *k)
{
	k->percpu->nr_balance++;
	pcpu_balance_free(k, false);
	pcpu_reclaim_populated(k);
	pcpu_balance_populated(k);
	pcpu_balance_free(k, true);
}

/* ---- allocation ------------------------------------------------------------------------- */

/* First fit of bits bits aligned to bit_align in chunk c; -1 if none. */
static int find_fit(const struct pcpu_chunk *c, unsigned bits, unsigned bit_align)
{
	unsigned start = 0;
	for (;;) {
		unsigned s = bit_find(c->alloc_map, c->nr_bits, start, false);
		s = (unsigned)MM_ALIGN_UP((uint64_t)s, bit_align);
		if (s >= c->nr_bits || s + bits > c->nr_bits)
			return -1;
		unsigned e = bit_find(c->alloc_map, s + bits, s, true);
		if (e >= s + bits)
			return (int)s;
		start = e + 1;
	}
}

static void alloc_area(struct pcpu_chunk *c, unsigned off, unsigned bits)
{
	bits_assign(c->alloc_map, off, bits, true);
	bits_assign(c->bound_map, off, bits + 1, false);
	bits_assign(c->bound_map, off, 1, true);
	bits_assign(c->bound_map, off + bits, 1, true);
}

static void zero_area(struct mm_kernel *k, struct pcpu_chunk *c, uint64_t off, uint64_t size)
{
	for (unsigned cpu = 0; cpu < k->nr_cpus; cpu++) {
		for (uint64_t done = 0; done < size;) {
			uint64_t o = off + done;
			uint64_t n = MM_MIN(size - done, k->page_size - o % k->page_size);
			memset(phys_to_host(k->ram, chunk_pa(k, c, cpu, o)), 0, n);
			done += n;
		}
	}
}

mm_va_t pcpu_alloc(struct mm_kernel *k, uint64_t size, uint64_t align, gfp_t gfp)
{
	struct percpu_state *ps = k->percpu;
	(void)gfp;
	if (!ps) {
		snprintf(k->last_error, sizeof(k->last_error), "this machine has no per-CPU areas");
		return 0;
	}
	if (align < PCPU_MIN_ALLOC_SIZE)
		align = PCPU_MIN_ALLOC_SIZE;
	if (size == 0 || size > PCPU_MIN_UNIT_SIZE || align > k->page_size || (align & (align - 1))) {
		printk(k, "percpu: illegal size (%" PRIu64 ") or align (%" PRIu64 ") for percpu allocation",
		       size, align);
		snprintf(k->last_error, sizeof(k->last_error),
			 "alloc_percpu: illegal size (%" PRIu64 ") or align (%" PRIu64 "): size must be 1..32K, "
			 "align a power of two up to the page size", size, align);
		ps->nr_failed++;
		return 0;
	}
	size = MM_ALIGN_UP(size, PCPU_MIN_ALLOC_SIZE);
	unsigned bits = (unsigned)(size / PCPU_MIN_ALLOC_SIZE);
	unsigned bit_align = (unsigned)(align / PCPU_MIN_ALLOC_SIZE);
	int fslot = free_slot_of(ps);
	struct pcpu_chunk *found = NULL;
	int off = -1;
	for (int attempt = 0; attempt < 2 && !found; attempt++) {
		for (int slot = size_to_slot(ps, size, fslot); slot <= fslot && !found; slot++) {
			struct list_head *pos;
			list_for_each(pos, &ps->chunks) {
				struct pcpu_chunk *c = list_entry(pos, struct pcpu_chunk, list);
				if (c->state != PCPU_CHUNK_ACTIVE || chunk_slot(ps, c) != slot)
					continue;
				if ((off = find_fit(c, bits, bit_align)) >= 0) {
					found = c;
					break;
				}
			}
		}
		if (!found && (attempt > 0 || !pcpu_create_chunk(k)))
			break;
	}
	if (!found) {
		snprintf(k->last_error, sizeof(k->last_error),
			 "alloc_percpu: allocation failed, size=%" PRIu64 " align=%" PRIu64 ", failed to allocate new chunk",
			 size, align);
		printk(k, "percpu: allocation failed, size=%" PRIu64 " align=%" PRIu64
			  " atomic=0, failed to allocate new chunk", size, align);
		ps->nr_failed++;
		return 0;
	}
	int oslot = chunk_slot(ps, found);
	alloc_area(found, (unsigned)off, bits);
	uint64_t off_bytes = (uint64_t)off * PCPU_MIN_ALLOC_SIZE;
	/* Populate the pages the area touches that have no memory yet. */
	unsigned ps_page = (unsigned)(off_bytes / k->page_size);
	unsigned pe_page = (unsigned)((off_bytes + size + k->page_size - 1) / k->page_size);
	for (unsigned rs = bit_find(found->populated, pe_page, ps_page, false); rs < pe_page;) {
		unsigned re = bit_find(found->populated, pe_page, rs, true);
		if (pcpu_populate_chunk(k, found, rs, re)) {
			bits_assign(found->alloc_map, (unsigned)off, bits, false);
			bits_assign(found->bound_map, (unsigned)off, bits + 1, false);
			chunk_refresh(k, found);
			snprintf(k->last_error, sizeof(k->last_error),
				 "alloc_percpu: allocation failed, size=%" PRIu64 ": failed to populate", size);
			printk(k, "percpu: allocation failed, size=%" PRIu64 " align=%" PRIu64
				  " atomic=0, failed to populate", size, align);
			ps->nr_failed++;
			return 0;
		}
		rs = bit_find(found->populated, pe_page, re, false);
	}
	chunk_refresh(k, found);
	chunk_relocate(ps, found, oslot);
	zero_area(k, found, off_bytes, size);
	ps->nr_alloc++;
	ps->alloc_bytes += size;
	mm_va_t p = found->base_addr + off_bytes;
	if (pcpu_nr_empty_pop_pages(k) < PCPU_EMPTY_POP_PAGES_LOW)
		pcpu_balance_workfn(k);
	if (k->debug_checks)
		percpu_check(k);
	return p;
}

/* The chunk holding cookie p (CPU 0's unit) and its bit offset. */
static struct pcpu_chunk *chunk_of(const struct mm_kernel *k, mm_va_t p, unsigned *bit)
{
	const struct percpu_state *ps = k->percpu;
	struct list_head *pos;
	if (!ps || (p & (PCPU_MIN_ALLOC_SIZE - 1)))
		return NULL;
	list_for_each(pos, &ps->chunks) {
		struct pcpu_chunk *c = list_entry(pos, struct pcpu_chunk, list);
		if (p >= c->base_addr && p - c->base_addr < ps->unit_size) {
			unsigned b = (unsigned)((p - c->base_addr) / PCPU_MIN_ALLOC_SIZE);
			/* Allocations start at a bound bit inside the allocatable part
			 * (a stale end bound may sit where the hidden tail begins). */
			if (b < c->start_bit || b >= c->end_bit || !bit_test(c->alloc_map, b) ||
			    !bit_test(c->bound_map, b))
				return NULL;
			*bit = b;
			return c;
		}
	}
	return NULL;
}

uint64_t pcpu_alloc_size(const struct mm_kernel *k, mm_va_t p)
{
	unsigned b;
	struct pcpu_chunk *c = chunk_of(k, p, &b);
	if (!c)
		return 0;
	unsigned e = bit_find(c->bound_map, c->nr_bits + 1, b + 1, true);
	return (uint64_t)(e - b) * PCPU_MIN_ALLOC_SIZE;
}

int free_percpu(struct mm_kernel *k, mm_va_t p)
{
	struct percpu_state *ps = k->percpu;
	if (!p)
		return 0;
	unsigned b;
	struct pcpu_chunk *c = chunk_of(k, p, &b);
	/* The first chunk's static and reserved parts carry no bound bits, so a
	 * pointer into them is refused like any other non-allocation. */
	if (!c) {
		snprintf(k->last_error, sizeof(k->last_error),
			 "free_percpu: 0x%" PRIx64 " is not a live percpu allocation", p);
		return -EINVAL;
	}
	unsigned e = bit_find(c->bound_map, c->nr_bits + 1, b + 1, true);
	int oslot = chunk_slot(ps, c);
	bits_assign(c->alloc_map, b, e - b, false);
	bits_assign(c->bound_map, b, 1, false);
	chunk_refresh(k, c);
	chunk_relocate(ps, c, oslot);
	ps->nr_free++;
	ps->alloc_bytes -= (uint64_t)(e - b) * PCPU_MIN_ALLOC_SIZE;

	bool need_balance = false;
	if (c->state == PCPU_CHUNK_ACTIVE && chunk_fully_free(c)) {
		/* More than one fully free chunk: the grim reaper frees the rest. */
		struct list_head *pos;
		list_for_each(pos, &ps->chunks) {
			struct pcpu_chunk *o = list_entry(pos, struct pcpu_chunk, list);
			if (o != c && o->state == PCPU_CHUNK_ACTIVE && chunk_fully_free(o))
				need_balance = true;
		}
	} else if (!c->first &&
		   ((c->state != PCPU_CHUNK_ACTIVE && c->nr_empty_pop_pages) ||
		    (c->state == PCPU_CHUNK_ACTIVE &&
		     pcpu_nr_empty_pop_pages(k) > PCPU_EMPTY_POP_PAGES_HIGH + c->nr_empty_pop_pages &&
		     c->nr_empty_pop_pages >= c->nr_pages / 4))) {
		/* pcpu_should_reclaim_chunk: isolate it for depopulation. */
		c->state = PCPU_CHUNK_TO_DEPOPULATE;
		need_balance = true;
	}
	if (need_balance)
		pcpu_balance_workfn(k);
	if (k->debug_checks)
		percpu_check(k);
	return 0;
}

mm_va_t per_cpu_ptr(const struct mm_kernel *k, mm_va_t p, unsigned cpu)
{
	const struct percpu_state *ps = k->percpu;
	return ps ? p + (uint64_t)cpu * ps->unit_size : 0;
}

/* ---- the first chunk ------------------------------------------------------------------------ */

/*
 * A free, atom-aligned physical range of size bytes, as high as possible
 * below the memblock limit and above 16M (pcpu_fc_alloc asks for memory
 * above MAX_DMA_ADDRESS). Like memblock_alloc, without reserving: the
 * caller reserves only each CPU's size_sum, the tails stay free.
 */
static mm_pa_t find_free_topdown(const struct memblock *mb, uint64_t size, uint64_t align,
				 mm_pa_t min_addr)
{
	for (int i = mb->memory.cnt - 1; i >= 0; i--) {
		const struct memblock_region *mr = &mb->memory.regions[i];
		mm_pa_t mlo = MM_MAX(mr->base, MM_MAX(min_addr, (mm_pa_t)1));
		mm_pa_t hi = MM_MIN(mr->base + mr->size, mb->current_limit);
		/* Walk the gaps between reservations inside [mlo, hi), top first. */
		for (int j = mb->reserved.cnt; j >= 0 && hi > mlo; j--) {
			mm_pa_t gap_lo = j > 0 ? mb->reserved.regions[j - 1].base +
							 mb->reserved.regions[j - 1].size
					       : 0;
			mm_pa_t gap_hi = j < mb->reserved.cnt ? mb->reserved.regions[j].base : UINT64_MAX;
			mm_pa_t top = MM_MIN(gap_hi, hi), bottom = MM_MAX(gap_lo, mlo);
			if (top > bottom && top - bottom >= size) {
				mm_pa_t cand = MM_ALIGN_DOWN(top - size, align);
				if (cand >= bottom)
					return cand;
			}
		}
	}
	return 0;
}

/* pcpu_build_alloc_info for one group holding every CPU. */
static void build_alloc_info(struct mm_kernel *k, struct percpu_state *ps)
{
	bool is64 = k->arch->va_bits > 32;
	uint64_t dyn = is64 ? PERCPU_DYNAMIC_RESERVE_64 : PERCPU_DYNAMIC_RESERVE_32;
	ps->static_size = is64 ? PCPU_STATIC_SIZE_64 : PCPU_STATIC_SIZE_32;
	ps->reserved_size = PERCPU_MODULE_RESERVE;
	ps->atom_size = is64 ? 2 * MM_MB : k->page_size; /* PMD_SIZE : PAGE_SIZE */
	ps->size_sum = MM_ALIGN_UP(ps->static_size + ps->reserved_size +
				   MM_MAX(dyn, (uint64_t)PERCPU_DYNAMIC_EARLY_SIZE), k->page_size);
	ps->dyn_size = ps->size_sum - ps->static_size - ps->reserved_size;
	uint64_t min_unit = MM_MAX(ps->size_sum, (uint64_t)PCPU_MIN_UNIT_SIZE);
	ps->alloc_size = MM_ALIGN_UP(min_unit, ps->atom_size);
	unsigned ncpus = k->nr_cpus, max_upa = (unsigned)(ps->alloc_size / min_unit);
	while (ps->alloc_size % max_upa || (ps->alloc_size / max_upa) % k->page_size)
		max_upa--;
	/* The most units per atom that wastes at most a third of a CPU's
	 * share and needs no more allocations than fewer units would. */
	unsigned best = 1, last_allocs = UINT32_MAX;
	for (unsigned upa = max_upa; upa; upa--) {
		if (ps->alloc_size % upa || (ps->alloc_size / upa) % k->page_size)
			continue;
		unsigned allocs = (ncpus + upa - 1) / upa, wasted = allocs * upa - ncpus;
		if (wasted > ncpus / 3)
			continue;
		if (allocs > last_allocs)
			break;
		last_allocs = allocs;
		best = upa;
	}
	ps->upa = best;
	ps->nr_units = (ncpus + best - 1) / best * best;
	ps->unit_size = ps->alloc_size / best;
}

int setup_per_cpu_areas(struct mm_kernel *k)
{
	if (k->percpu || k->arch->is_toy || !k->kernel_pgd_pa)
		return 0;
	if (k->memblock.released)
		return -EBUSY; /* the first chunk comes from memblock */
	struct percpu_state *ps = calloc(1, sizeof(*ps));
	if (!ps)
		return -ENOMEM;
	INIT_LIST_HEAD(&ps->chunks);
	build_alloc_info(k, ps);
	bool is64 = k->arch->va_bits > 32;
	printk(k, "setup_percpu: NR_CPUS:%u nr_cpumask_bits:%u nr_cpu_ids:%u nr_node_ids:1",
	       is64 ? 8192 : 32, k->nr_cpus, k->nr_cpus);

	uint64_t group = (uint64_t)ps->nr_units * ps->unit_size;
	mm_pa_t base = find_free_topdown(&k->memblock, group, ps->atom_size, 16 * MM_MB);
	if (!base) /* a machine this small has nothing above 16M: anywhere will do */
		base = find_free_topdown(&k->memblock, group, ps->atom_size, 0);
	if (!base) {
		free(ps);
		printk(k, "percpu: embedding failed: no %" PRIu64 "K of lowmem for the first chunk",
		       group >> 10);
		return -ENOMEM;
	}
	/* Keep size_sum of each CPU's unit; unit tails and units without a CPU
	 * go back to memblock (here: are never reserved). */
	for (unsigned cpu = 0; cpu < k->nr_cpus; cpu++) {
		if (memblock_reserve(&k->memblock, base + cpu * ps->unit_size, ps->size_sum, "percpu")) {
			free(ps);
			return -ENOMEM;
		}
		memset(phys_to_host(k->ram, base + cpu * ps->unit_size), 0, ps->size_sum);
	}
	ps->first_pa = base;
	printk(k, "percpu: Embedded %" PRIu64 " pages/cpu s%" PRIu64 " r%" PRIu64 " d%" PRIu64 " u%" PRIu64,
	       ps->size_sum >> k->page_shift, ps->static_size, ps->reserved_size, ps->dyn_size,
	       ps->unit_size);
	printk(k, "pcpu-alloc: s%" PRIu64 " r%" PRIu64 " d%" PRIu64 " u%" PRIu64 " alloc=%" PRIu64 "*%" PRIu64,
	       ps->static_size, ps->reserved_size, ps->dyn_size, ps->unit_size,
	       ps->alloc_size / ps->atom_size, ps->atom_size);
	/* pcpu_dump_alloc_info: "[group] cpu cpu ..." per allocation, a few
	 * allocations per line, "-" for a unit without a CPU. */
	{
		char line[256];
		int cpu_width = 1;
		for (unsigned v = k->nr_cpus; v /= 10;)
			cpu_width++;
		unsigned width = ps->upa * (unsigned)(cpu_width + 1) + 1 + 3;
		unsigned apl = 1;
		while (apl * 2 <= MM_MAX(60 / width, 1u))
			apl *= 2;
		size_t len = 0;
		unsigned nr_allocs = ps->nr_units / ps->upa;
		for (unsigned a = 0; a < nr_allocs; a++) {
			if (a % apl == 0) {
				if (a)
					printk(k, "%s", line);
				len = (size_t)snprintf(line, sizeof(line), "pcpu-alloc: ");
			}
			len += (size_t)snprintf(line + len, sizeof(line) - len, "[0] ");
			for (unsigned u = a * ps->upa; u < (a + 1) * ps->upa && len < sizeof(line); u++) {
				if (u < k->nr_cpus)
					len += (size_t)snprintf(line + len, sizeof(line) - len, "%0*u ", cpu_width, u);
				else
					len += (size_t)snprintf(line + len, sizeof(line) - len, "%.*s ", cpu_width,
								"--------");
			}
		}
		printk(k, "%s", line);
	}

	struct pcpu_chunk *c = chunk_new(k, ps->unit_size);
	c->first = true;
	c->base_addr = __va(k, base);
	/* Only the dynamic area is the allocator's: hide static + reserved and
	 * the unit's tail beyond size_sum. */
	unsigned dyn_start = (unsigned)((ps->static_size + ps->reserved_size) / PCPU_MIN_ALLOC_SIZE);
	unsigned dyn_end = (unsigned)(ps->size_sum / PCPU_MIN_ALLOC_SIZE);
	bits_assign(c->alloc_map, 0, dyn_start, true);
	bits_assign(c->alloc_map, dyn_end, c->nr_bits - dyn_end, true);
	c->start_bit = dyn_start;
	c->end_bit = dyn_end;
	unsigned pages = (unsigned)(ps->size_sum >> k->page_shift);
	bits_assign(c->populated, 0, pages, true);
	c->nr_populated = pages;
	c->usable_bytes = ps->dyn_size;
	chunk_refresh(k, c);
	list_add_tail(&c->list, &ps->chunks);
	ps->first_chunk = c;
	ps->nr_chunks = 1;
	/* pcpu_setup_first_chunk: "include all regions of the first chunk". */
	ps->nr_populated = pages;
	k->percpu = ps;
	update_meminfo(k);
	return 0;
}

void percpu_fini(struct mm_kernel *k)
{
	struct percpu_state *ps = k->percpu;
	if (!ps)
		return;
	struct list_head *pos, *n;
	list_for_each_safe(pos, n, &ps->chunks) {
		struct pcpu_chunk *c = list_entry(pos, struct pcpu_chunk, list);
		chunk_free(c);
	}
	free(ps);
	k->percpu = NULL;
}

/* ---- checker ------------------------------------------------------------------------------ */

bool percpu_check(const struct mm_kernel *k)
{
	const struct percpu_state *ps = k->percpu;
	if (!ps)
		return true;
	bool ok = true;
	uint64_t populated = 0, chunks = 0;
	struct list_head *pos;
	list_for_each(pos, &ps->chunks) {
		struct pcpu_chunk *c = list_entry(pos, struct pcpu_chunk, list);
		struct pcpu_chunk copy = *c;
		chunk_refresh(k, &copy);
		if (copy.free_bytes != c->free_bytes || copy.contig_bits != c->contig_bits ||
		    copy.nr_empty_pop_pages != c->nr_empty_pop_pages) {
			fprintf(stderr, "percpu_check: chunk 0x%" PRIx64 ": free %" PRIu64 "/%" PRIu64
				" contig %u/%u empty %u/%u (cached/recomputed)\n", c->base_addr,
				c->free_bytes, copy.free_bytes, c->contig_bits, copy.contig_bits,
				c->nr_empty_pop_pages, copy.nr_empty_pop_pages);
			ok = false;
		}
		unsigned pop = 0;
		for (unsigned p = 0; p < c->nr_pages; p++)
			pop += bit_test(c->populated, p);
		if (pop != c->nr_populated) {
			fprintf(stderr, "percpu_check: chunk 0x%" PRIx64 ": %u populated pages, count %u\n",
				c->base_addr, pop, c->nr_populated);
			ok = false;
		}
		/* Every allocated byte of a vm chunk sits on a populated page. */
		for (unsigned p = 0; !c->first && p < c->nr_pages; p++) {
			if (!bit_test(c->populated, p) && !page_empty(k, c, p)) {
				fprintf(stderr, "percpu_check: chunk 0x%" PRIx64 ": page %u in use but not populated\n",
					c->base_addr, p);
				ok = false;
			}
		}
		populated += c->nr_populated;
		chunks++;
	}
	if (populated != ps->nr_populated || chunks != ps->nr_chunks ||
	    k->nr_percpu_bytes != ps->nr_populated * ps->nr_units * k->page_size) {
		fprintf(stderr, "percpu_check: populated %" PRIu64 "/%" PRIu64 " chunks %" PRIu64 "/%" PRIu64
			" Percpu %" PRIu64 "\n", populated, ps->nr_populated, chunks, ps->nr_chunks,
			k->nr_percpu_bytes);
		ok = false;
	}
	return ok;
}
