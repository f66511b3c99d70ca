/*
 * vmalloc.h - virtually contiguous kernel memory: vmalloc, vmap and the
 * kernel virtual-area allocator under them (mm/vmalloc.c in Linux).
 *
 *   VMALLOC_START                                              VMALLOC_END
 *   [busy 0][g][  free  ][busy 1      ][g][lazy][busy 2][g][ free ...     ]
 *    vmalloc        vmap           unpurged area    g = guard page
 *
 * Three trees of struct vmap_area, ordered by address, cover the range
 * exactly: busy (in use), lazy (freed and unmapped, waiting for one TLB
 * flush) and free (augmented with the largest free size in each subtree,
 * so the lowest fitting hole is found in O(log n)).
 *
 * Conventions: addresses are simulated kernel VAs (mm_va_t); a failed
 * allocation returns 0; functions return 0 or -errno.
 */
#ifndef MMSIM_MM_VMALLOC_H
#define MMSIM_MM_VMALLOC_H

#include "mm/mm_types.h"
#include "mmsim/gfp.h"

/* vm_struct flags: Linux's values (include/linux/vmalloc.h). */
#define VM_IOREMAP 0x00000001u      /* ioremap() and friends */
#define VM_ALLOC 0x00000002u        /* vmalloc() */
#define VM_MAP 0x00000004u          /* vmap()ed pages */
#define VM_USERMAP 0x00000008u      /* suitable for remap_vmalloc_range */
#define VM_DMA_COHERENT 0x00000010u /* dma_alloc_coherent */
#define VM_UNINITIALIZED 0x00000020u /* vm_struct not fully set up yet */
#define VM_NO_GUARD 0x00000040u     /* no guard page after the area */

#define VM_CALLER_LEN 64

/* One busy area as its owner sees it (Linux's vm_struct). */
struct vm_struct {
	mm_va_t addr;
	uint64_t size;            /* bytes, guard page included */
	unsigned flags;           /* VM_* */
	unsigned nr_pages;        /* pages vmalloc allocated (0 for vmap) */
	mm_pfn_t *pages;          /* their PFNs, in VA order (host memory) */
	bool pages_vmalloced;     /* Linux's "vpages": the array needs > 1 page */
	mm_va_t pages_va;         /* then: the nested vmalloc area holding it */
	mm_pa_t phys_addr;        /* ioremap only */
	char caller[VM_CALLER_LEN]; /* "vmalloc.mms:12" or a kernel function */
	mm_va_t obj;              /* its kmalloc object (Linux allocates vm_struct so) */
	mm_va_t pages_obj;        /* the kmalloc'd pages[] when it fits in a page */
};

/* One area as /proc/vmallocinfo lists it (vmap_area_walk). */
struct vmap_area_info {
	mm_va_t va_start, va_end;
	bool lazy;                /* freed, unmapped, TLB flush pending */
	const struct vm_struct *vm; /* NULL when lazy */
};

struct vmap_area;

/*
 * The kernel half of arch_sync_kernel_mappings: called after vmalloc (or
 * kmap) made a kernel top-level entry present that was empty, with the range
 * of top-level (PGD) indices that changed. The process layer registers it and
 * copies those entries into every process PGD (Linux's pgd_list walk).
 */
typedef void (*vmalloc_sync_fn)(void *arg, struct mm_kernel *k, unsigned pgd_first,
				unsigned pgd_last);

struct vmalloc_state {
	mm_va_t start, end;           /* usable [VMALLOC_START, VMALLOC_END) of this machine */
	uint64_t total_bytes;         /* VMALLOC_END - VMALLOC_START (VmallocTotal) */
	struct vmap_area *busy_root;  /* by address */
	struct vmap_area *lazy_root;  /* freed, waiting for the purge */
	struct vmap_area *free_root;  /* augmented: subtree_max_size */
	uint64_t nr_busy, nr_lazy_areas, nr_free_areas;
	uint64_t lazy_pages;          /* vmap_lazy_nr */
	uint64_t lazy_max_pages;      /* purge threshold: fls(cpus) * 32M of pages */

	vmalloc_sync_fn sync_fn;      /* arch_sync_kernel_mappings hook (may be NULL) */
	void *sync_arg;

	/* Event counts, for tests and `show vmallocinfo`. */
	uint64_t nr_vmalloc, nr_vfree, nr_vmap, nr_vunmap, nr_failed;
	uint64_t nr_purges;           /* lazy purges (each one TLB flush) */
	uint64_t nr_tlb_flushes;      /* kernel-range flushes from all callers */
	uint64_t nr_pgd_syncs;        /* sync_fn calls (or would-be calls) */
	uint64_t prealloc_tables;     /* top-level tables preallocated at boot */
};

/* ---- life cycle (machine.c) ------------------------------------------------ */

/* Set up the vmalloc area of k (after kmem_cache_init). 0 or -ENOMEM; a
 * machine without a kernel address space (toy) gets no state and 0. */
int vmalloc_init(struct mm_kernel *k);
/* Free every area and the state (machine teardown: no pages are returned). */
void vmalloc_fini(struct mm_kernel *k);

/* ---- allocation ----------------------------------------------------------- */

/* Allocate size bytes (rounded up to pages) of virtually contiguous memory
 * from order-0 pages (HighMem first where it exists). caller names the call
 * site for vmallocinfo. Returns the address, or 0 (reason in k->last_error). */
mm_va_t __vmalloc_caller(struct mm_kernel *k, uint64_t size, gfp_t gfp, const char *caller);
mm_va_t vmalloc(struct mm_kernel *k, uint64_t size);
mm_va_t vzalloc(struct mm_kernel *k, uint64_t size);
/* Free a vmalloc'd area: unmap, free its pages, queue the range for the
 * lazy purge. 0; -EINVAL if addr is not the start of a vmalloc area (Linux
 * warns "Trying to vfree() nonexistent vm area"). addr 0 is a no-op. */
int vfree(struct mm_kernel *k, mm_va_t addr);

/* Map count existing pages contiguously (Linux's vmap with PAGE_KERNEL).
 * 0 on failure. The pages stay the caller's. */
mm_va_t vmap(struct mm_kernel *k, const mm_pfn_t *pfns, unsigned count, unsigned flags,
	     const char *caller);
/* Undo vmap. 0, or -EINVAL if addr is not a vmap area. */
int vunmap(struct mm_kernel *k, mm_va_t addr);

/* ---- lower level (percpu chunks, highmem) --------------------------------- */

/* Reserve a VA range of size bytes (no guard), aligned to align, as high as
 * possible below VMALLOC_END (pcpu_get_vm_areas). NULL if no room. */
struct vm_struct *vmalloc_get_area_topdown(struct mm_kernel *k, uint64_t size, uint64_t align,
					   unsigned flags, const char *caller);
/* Release an area from vmalloc_get_area_topdown (its mappings must be gone). */
void vmalloc_free_area(struct mm_kernel *k, struct vm_struct *vm);
/* Map nr pages at va in init_mm with PAGE_KERNEL, then tell sync_fn about
 * new top-level entries. 0 or -ENOMEM (nothing stays mapped on failure). */
int vmap_pages_range(struct mm_kernel *k, mm_va_t va, const mm_pfn_t *pfns, unsigned nr);
/* Clear the PTEs of [va, va+len) without flushing (vunmap_range_noflush). */
void vunmap_range_noflush(struct mm_kernel *k, mm_va_t va, uint64_t len);

/*
 * The kernel TLB flush of vmalloc, kmap and per-CPU chunks (Linux's
 * flush_tlb_kernel_range): [start, end) leaves every CPU's TLB (a shootdown
 * through hw/mmu.h); counted in vmalloc_state.nr_tlb_flushes.
 */
void kernel_tlb_flush_range(struct mm_kernel *k, mm_va_t start, mm_va_t end);

/* Purge every lazily freed area now: one TLB flush, areas become free
 * (Linux's vm_unmap_aliases / purge_vmap_area_lazy). */
void vmalloc_purge_lazy(struct mm_kernel *k);

/* ---- queries ---------------------------------------------------------------- */

bool is_vmalloc_addr(const struct mm_kernel *k, mm_va_t va);
/* The busy area containing va (guard page included), or NULL. */
struct vm_struct *find_vm_area(const struct mm_kernel *k, mm_va_t va);
/* Walk the kernel tables: the PFN va maps to. 0 and *pfn, or -EFAULT when
 * nothing is mapped there (a guard page, a freed area), -EINVAL when va is
 * outside the vmalloc area. */
int vmalloc_to_pfn(const struct mm_kernel *k, mm_va_t va, mm_pfn_t *pfn);
/* VMALLOC_END - VMALLOC_START as meminfo's VmallocTotal counts it. */
uint64_t vmalloc_total_bytes(const struct mm_kernel *k);
/* Call fn for every busy area, then every lazy area, each in address order. */
void vmap_area_walk(const struct mm_kernel *k,
		    void (*fn)(void *arg, const struct vmap_area_info *a), void *arg);
/* The largest free hole (bytes). */
uint64_t vmalloc_largest_free(const struct mm_kernel *k);

/* Register the arch_sync_kernel_mappings hook (NULL to remove). */
void vmalloc_set_sync_hook(struct mm_kernel *k, vmalloc_sync_fn fn, void *arg);

/* Recompute the trees' invariants (order, no overlap, exact cover of the
 * range, augmented sizes, counts); prints each mismatch to stderr. */
bool vmalloc_check(const struct mm_kernel *k);

#endif
