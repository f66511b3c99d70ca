/*
 * percpu.h - per-CPU memory: one copy of each object per CPU (Linux's
 * mm/percpu.c with the vmalloc-backed chunks of mm/percpu-vm.c).
 *
 *   chunk:  | unit 0 (CPU 0) | unit 1 (CPU 1) | ... |   nr_units * unit_size
 *             offset off in every unit is the same object
 *
 * alloc_percpu returns the address of CPU 0's copy (mmsim's __percpu
 * cookie); per_cpu_ptr(p, cpu) = p + cpu * unit_size.
 */
#ifndef MMSIM_MM_PERCPU_H
#define MMSIM_MM_PERCPU_H

#include "include/list.h"
#include "mm/mm_types.h"
#include "mmsim/gfp.h"

#define PCPU_MIN_ALLOC_SHIFT 2
#define PCPU_MIN_ALLOC_SIZE (1u << PCPU_MIN_ALLOC_SHIFT) /* bitmap granule: 4 bytes */
#define PCPU_MIN_UNIT_SIZE (32u << 10)         /* largest allocation, smallest unit */
#define PERCPU_DYNAMIC_EARLY_SIZE (20u << 10)
#define PERCPU_MODULE_RESERVE (8u << 10)
#define PCPU_EMPTY_POP_PAGES_LOW 2
#define PCPU_EMPTY_POP_PAGES_HIGH 4
#define PCPU_SLOT_BASE_SHIFT 5

struct vm_struct;

enum pcpu_chunk_state {
	PCPU_CHUNK_ACTIVE,        /* on the slot lists: allocations may use it */
	PCPU_CHUNK_TO_DEPOPULATE, /* isolated: its empty pages are to be freed */
	PCPU_CHUNK_SIDELINED,     /* isolated after reclaim, until it empties */
};

struct pcpu_chunk {
	struct list_head list;     /* all chunks, oldest first */
	mm_va_t base_addr;         /* unit 0's first byte */
	struct vm_struct *vm;      /* vmalloc area (NULL: the embedded first chunk) */
	bool first;
	enum pcpu_chunk_state state;
	unsigned nr_pages;         /* pages per unit */
	unsigned nr_bits;          /* unit_size / PCPU_MIN_ALLOC_SIZE */
	unsigned start_bit, end_bit; /* the allocatable bits (first chunk: dynamic area) */
	uint64_t *alloc_map;       /* 1 = in use (or hidden: static/reserved/tail) */
	uint64_t *bound_map;       /* 1 = an allocation starts (or ends) here; nr_bits + 1 */
	uint64_t *populated;       /* pages backed by memory in every unit */
	unsigned nr_populated;
	unsigned nr_empty_pop_pages; /* populated pages with nothing allocated */
	uint64_t free_bytes;       /* allocatable bytes still free */
	uint64_t usable_bytes;     /* allocatable bytes in all (the unit, or dyn) */
	unsigned contig_bits;      /* longest free run (contig_hint) */
	mm_pfn_t *pages;           /* [cpu * nr_pages + page] (vm chunks) */
};

struct percpu_state {
	/* The first chunk's shape (pcpu_alloc_info), as dmesg prints it. */
	uint64_t static_size, reserved_size, dyn_size, size_sum;
	uint64_t unit_size, atom_size, alloc_size;
	unsigned nr_units;         /* pcpu_nr_units: CPUs rounded up to units per alloc */
	unsigned upa;              /* units per allocation */
	mm_pa_t first_pa;          /* where the first chunk's group sits */
	struct pcpu_chunk *first_chunk;
	struct list_head chunks;
	uint64_t nr_populated;     /* pcpu_nr_populated: pages per unit, all chunks */

	/* Event counts. */
	uint64_t nr_alloc, nr_free, nr_failed, nr_chunks, nr_chunks_created, nr_chunks_destroyed;
	uint64_t alloc_bytes;      /* bytes in use (one unit's worth) */
	uint64_t nr_balance, nr_tlb_flushes;
};

/* Lay out and reserve the first chunk from memblock (pcpu_embed_first_chunk).
 * Runs after free_area_init and before memblock_free_all; prints Linux's
 * "percpu: Embedded ..." lines. 0 or -ENOMEM. No-op on the toy arch. */
int setup_per_cpu_areas(struct mm_kernel *k);
/* Free the state (machine teardown). */
void percpu_fini(struct mm_kernel *k);

/* alloc_percpu(size, align): zeroed memory in every CPU's unit. Returns the
 * cookie (CPU 0's address) or 0, with the reason in k->last_error. Legal:
 * 0 < size <= 32K, align a power of two <= PAGE_SIZE. */
mm_va_t pcpu_alloc(struct mm_kernel *k, uint64_t size, uint64_t align, gfp_t gfp);
/* free_percpu. 0, or -EINVAL when p is no live allocation. 0 is a no-op. */
int free_percpu(struct mm_kernel *k, mm_va_t p);
/* per_cpu_ptr: CPU cpu's copy of the object at cookie p. */
mm_va_t per_cpu_ptr(const struct mm_kernel *k, mm_va_t p, unsigned cpu);
/* The size of the live allocation at p (bytes), 0 if none. */
uint64_t pcpu_alloc_size(const struct mm_kernel *k, mm_va_t p);
/* Global count of empty populated pages outside isolated chunks. */
unsigned pcpu_nr_empty_pop_pages(const struct mm_kernel *k);

/* Recompute bitmaps, counts and meminfo Percpu; prints mismatches. */
bool percpu_check(const struct mm_kernel *k);

#endif
