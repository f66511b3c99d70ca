/*
 * highmem.h - reaching physical pages that the direct map does not cover
 * (Linux's mm/highmem.c, arch/x86/mm/highmem_32.c).
 *
 * On i386 only the first 896M are permanently mapped at PAGE_OFFSET; a
 * HighMem page gets a kernel address only while someone holds a mapping:
 *
 *   kmap(page)        PKMAP area, LAST_PKMAP slots shared by all CPUs, use
 *                     counted; may be held for long; flushed lazily
 *   kmap_local(page)  per-CPU FIXADDR slots (KM_MAX_IDX each), a stack:
 *                     unmap in reverse order; kmap_atomic is the same slots
 *
 * A lowmem page needs neither: both return its direct-map address. On
 * x86_64 every page is lowmem.
 */
#ifndef MMSIM_MM_HIGHMEM_H
#define MMSIM_MM_HIGHMEM_H

#include "mm/mm_types.h"

#define KM_MAX_IDX 16        /* kmap_local slots per CPU (Linux: 16) */
#define FIX_KMAP_BEGIN 1     /* fixmap index of CPU 0's first slot (after FIX_HOLE) */
#define PA_HASH_ORDER 7      /* page_address_htable: 128 buckets, as Linux */

/* Per-CPU kmap_local stack (Linux keeps it per task in kmap_ctrl). */
struct kmap_ctrl {
	int idx;                          /* slots in use */
	mm_pfn_t pfn[KM_MAX_IDX];         /* page in each slot */
};

struct highmem_state {
	bool has_highmem;        /* i386: PKMAP and fixmap slots exist */
	unsigned page_shift;
	unsigned last_pkmap;     /* LAST_PKMAP */
	mm_va_t pkmap_base;      /* PKMAP_BASE */
	mm_va_t fixaddr_top, fixaddr_start;
	int *pkmap_count;        /* 0 free, 1 mapped but unused (needs flush), >1 in use */
	mm_pfn_t *pkmap_pfn;     /* page in each slot (valid when count > 0) */
	unsigned last_pkmap_nr;  /* where the slot search resumes */
	/* page_address_htable: pfn -> pkmap slot, chained through pa_next */
	int pa_head[1 << PA_HASH_ORDER];
	int *pa_next;
	struct kmap_ctrl *ctrl;  /* [nr_cpus] */

	/* Event counts, for tests and views. */
	uint64_t nr_kmap, nr_kmap_high, nr_kunmap;   /* kmap calls; ones that took a slot path */
	uint64_t nr_pkmap_flushes;                    /* flush_all_zero_pkmaps flushes */
	uint64_t nr_kmap_local, nr_kmap_local_high, nr_kunmap_local;
	uint64_t nr_local_flushes;                    /* one per highmem kunmap_local */
	uint64_t nr_local_violations;                 /* out-of-order kunmap_local */
};

/* Set up PKMAP and the fixmap slots (after vmalloc_init). 0 or -ENOMEM. */
int highmem_init(struct mm_kernel *k);
void highmem_fini(struct mm_kernel *k);

/* Is the frame outside the direct map (ZONE_HIGHMEM)? */
bool PageHighMem(const struct mm_kernel *k, mm_pfn_t pfn);
/* The kernel address of a page: direct map for lowmem, the PKMAP slot for a
 * kmapped HighMem page, 0 for an unmapped HighMem page. */
mm_va_t page_address(const struct mm_kernel *k, mm_pfn_t pfn);

/* kmap: the page's kernel address. 0 and *va; -EBUSY when every PKMAP slot
 * is in use (Linux sleeps until one is freed); -EINVAL for a bad PFN. */
int kmap(struct mm_kernel *k, mm_pfn_t pfn, mm_va_t *va);
/* Drop one kmap reference. -EINVAL if the page is not kmapped (Linux BUGs). */
int kunmap(struct mm_kernel *k, mm_pfn_t pfn);

/* kmap_local_page on a CPU: 0 and *va; -ENOSPC when the CPU's KM_MAX_IDX
 * slots are all in use. */
int kmap_local(struct mm_kernel *k, unsigned cpu, mm_pfn_t pfn, mm_va_t *va);
/* kunmap_local of va on a CPU. The slot popped is always the most recent
 * one; when va is not that slot Linux warns and clears the top slot anyway,
 * and so does mmsim (dmesg WARNING, -EINVAL). A lowmem address is a no-op. */
int kunmap_local(struct mm_kernel *k, unsigned cpu, mm_va_t va);

/* The fixmap address of a CPU's kmap_local slot (__fix_to_virt). */
mm_va_t kmap_local_slot_va(const struct highmem_state *hs, unsigned cpu, unsigned idx);

/* Slot counts, for `show` and tests. */
unsigned pkmap_slots_in_use(const struct highmem_state *hs); /* count > 1 */
unsigned pkmap_slots_mapped(const struct highmem_state *hs); /* count >= 1 */

/* Recompute: counts agree with the PTEs and the hash; prints mismatches. */
bool highmem_check(const struct mm_kernel *k);

#endif
