/*
 * memory.h - the page-fault handler and the page-level work on a process's
 * memory (memory.c): demand paging, the zero page, copy-on-write, stack
 * growth, fork's page-table copy, populate.
 *
 *   MMU #PF (hw/mmu.h: CR2 + error code)
 *      │
 *      ▼
 *   do_user_addr_fault      x86's arch/x86/mm/fault.c: kernel address?
 *      │                    find_vma, expand_stack, access_error
 *      │                    ──► SIGSEGV (bad_area) without counting a fault
 *      ▼
 *   handle_mm_fault         pgfault++, then by the PTE's state:
 *      ├─ none, anonymous ───────► do_anonymous_page: zero page / new page
 *      ├─ none, file ────────────► do_read_fault / do_cow_fault / do_shared_fault
 *      ├─ present, write, !RW ───► do_wp_page: reuse or copy (COW)
 *      └─ present, allowed ──────► spurious: set A/D, the retry walks
 *
 * Results are Linux's VM_FAULT_* bits; struct fault_info says what kind of
 * fault it was, for counters, `set verbose on` and `last.result`.
 */
#ifndef MMSIM_MM_MEMORY_H
#define MMSIM_MM_MEMORY_H

#include "hw/mmu.h"
#include "mm/mm_struct.h"

/* ---- Linux's fault codes and flags (include/linux/mm_types.h, mm.h) ------- */

#ifndef VM_FAULT_OOM
#define VM_FAULT_OOM 0x000001u
#define VM_FAULT_SIGBUS 0x000002u
#define VM_FAULT_MAJOR 0x000004u
#define VM_FAULT_HWPOISON 0x000010u
#define VM_FAULT_SIGSEGV 0x000040u
#define VM_FAULT_NOPAGE 0x000100u
#define VM_FAULT_LOCKED 0x000200u
#define VM_FAULT_RETRY 0x000400u
#define VM_FAULT_FALLBACK 0x000800u
#define VM_FAULT_DONE_COW 0x001000u
#define VM_FAULT_ERROR \
	(VM_FAULT_OOM | VM_FAULT_SIGBUS | VM_FAULT_SIGSEGV | VM_FAULT_HWPOISON | VM_FAULT_FALLBACK)
#endif

#ifndef FAULT_FLAG_WRITE
#define FAULT_FLAG_WRITE 0x0001u
#define FAULT_FLAG_MKWRITE 0x0002u
#define FAULT_FLAG_ALLOW_RETRY 0x0004u
#define FAULT_FLAG_USER 0x0040u
#define FAULT_FLAG_REMOTE 0x0080u
#define FAULT_FLAG_INSTRUCTION 0x0100u
#endif

/* What a handled fault did (mmsim's own, for counters and verbose lines). */
enum fault_kind {
	FAULT_KIND_NONE,     /* not handled (an error) */
	FAULT_KIND_ANON,     /* a fresh zeroed anonymous page (minor) */
	FAULT_KIND_ZERO,     /* the shared zero page mapped read-only (minor) */
	FAULT_KIND_COW,      /* a private copy (or a zeroed page for the zero page) */
	FAULT_KIND_REUSE,    /* write fault that kept the page: sole user (minor) */
	FAULT_KIND_FILE,     /* a page-cache page mapped (minor) */
	FAULT_KIND_MAJOR,    /* a page read from its file (major) */
	FAULT_KIND_SWAPIN,   /* a page read back from swap (major) */
	FAULT_KIND_SPURIOUS, /* the PTE already allowed it (stale TLB): A/D set */
	FAULT_KIND_SHARED,   /* a page another process of a shared mapping faulted */
	NR_FAULT_KINDS
};

struct fault_info {
	unsigned cpu;          /* in: the CPU the fault runs on (its page lists) */
	enum fault_kind kind;
	unsigned ret;          /* VM_FAULT_* */
	int signal;            /* 0, SIGSEGV or SIGBUS when the access cannot be served */
	const char *why;       /* for a signal: "no VMA", "write to a read-only VMA", ... */
	mm_pa_t pa;            /* the page mapped (page-aligned PA) when handled */
	bool stack_grew;       /* expand_stack moved the stack VMA down */
	bool cow;              /* a private copy was made (do_cow_fault counts as major too) */
	unsigned nr_around;    /* neighbours mapped by fault-around */
};

/* The kind's name as `last.result` shows it: zero, minor, major, cow, swapin. */
const char *fault_kind_result(enum fault_kind kind);
/* A longer name for verbose lines ("minor: reuse"). */
const char *fault_kind_name(enum fault_kind kind);

/* ---- state and the zero page -------------------------------------------------- */

struct memory_state {
	uint64_t fault_around_bytes;   /* /sys/kernel/debug/fault_around_bytes: 64K */
	uint64_t nr_anon_vmas, nr_avcs;/* rmap objects alive */
	uint64_t next_anon_vma_id;
};

/* Allocate the shared zero page (PG_zero, PG_reserved: never freed, never
 * counted) and memory.c's state. Called at boot after the page allocator. */
int memory_init(struct mm_kernel *k);
void memory_fini(struct mm_kernel *k);

/* ---- faults ---------------------------------------------------------------------- */

/* The x86 page-fault entry for a user access of mm: f is what the MMU
 * reported. Returns 0 when the fault was handled (retry the access), or
 * the signal to deliver (SIGSEGV, SIGBUS) with info->why set. */
int do_user_addr_fault(struct mm_struct *mm, const struct hw_fault *f, struct fault_info *info);
/* Linux's handle_mm_fault for addr in vma (FAULT_FLAG_*): VM_FAULT_* bits,
 * info (may be NULL) filled. Counts pgfault. */
unsigned handle_mm_fault(struct vm_area_struct *vma, mm_va_t addr, unsigned flags,
			 struct fault_info *info);
/* Grow the stack VMA down to cover addr (expand_downwards): 0 or -errno. */
int expand_stack(struct vm_area_struct *vma, mm_va_t addr);
/* Fault in [start, end) as MAP_POPULATE / mlock do (populate_vma_page_range:
 * writes for private writable VMAs). Faults are added to *nr_minor /
 * *nr_major (may be NULL). 0 or -ENOMEM / -EFAULT. */
int populate_range(struct mm_struct *mm, mm_va_t start, mm_va_t end, unsigned cpu,
		   uint64_t *nr_minor, uint64_t *nr_major);

/* ---- walking a process's page tables ---------------------------------------------- */

/* Called for each non-zero leaf entry (a PTE, or a huge leaf of `bytes`)
 * whose range starts in the walked range. */
typedef void (*pte_visit_fn)(void *arg, mm_va_t va, mm_pa_t entry_pa, mm_pte_t pte, uint64_t bytes);
/* Visit the leaves of mm's tables over [start, end) (smaps, checks). */
void walk_page_range(struct mm_struct *mm, mm_va_t start, mm_va_t end, pte_visit_fn fn, void *arg);

/* ---- fork -------------------------------------------------------------------------- */

/* Copy src_vma's page tables into dst_vma's mm where Linux does
 * (vma_needs_copy): private pages become read-only in both, counts and RSS
 * go up. Returns 0 or -ENOMEM. *wrprotected tells whether a parent PTE lost
 * its write bit (the parent's TLB must then be flushed). */
int copy_page_range(struct vm_area_struct *dst_vma, struct vm_area_struct *src_vma,
		    bool *wrprotected);

/* ---- checks (debug_vm.c) ----------------------------------------------------------- */

/* Every process's RSS counters, mapcounts and reverse map against its page
 * tables; prints each mismatch; true if all hold. Safe in the middle of an
 * operation: part of mm_check_invariants (which the allocator runs). */
bool mm_check_vm(struct mm_kernel *k);
/* mm_check_vm plus each mm's vma_validate_mm and every CPU's cached
 * translations against the tables: between operations only (after each
 * scenario command). */
bool mm_check_vm_full(struct mm_kernel *k);

/* ---- writing into a process from the kernel (exec's argument page) ------------ */

/* Copy len bytes from buf to addr in mm, faulting pages in as
 * get_user_pages(FOLL_WRITE) does (counted as faults). 0 or -EFAULT/-ENOMEM. */
int access_remote_write(struct mm_struct *mm, mm_va_t addr, const void *buf, size_t len,
			unsigned cpu, uint64_t *nr_faults);

#endif
