/*
 * mm_struct.h - a process's address space: struct mm_struct, its virtual
 * memory areas (struct vm_area_struct), and the system calls that change
 * them (mmap, munmap, mprotect, mremap, brk, madvise, mlock).
 *
 * Glossary:
 *
 *   VMA        one vm_area_struct: a run of pages [vm_start, vm_end) with one
 *              set of vm_flags, backed by one file (vm_file at page offset
 *              vm_pgoff) or anonymous memory (anon_vma once a page exists).
 *   map_count  the number of VMAs; vm.max_map_count bounds it.
 *   gap        the free space below a VMA, down to the previous VMA's end;
 *              a VM_GROWSDOWN VMA's gap ends stack_guard_gap below it.
 *   mmap_base  where the top-down search for free space starts (just below
 *              the stack's reserved room).
 *
 * The VMAs of an mm are kept twice, as the classic kernels (2.6 - 6.0) kept
 * them: an ordered list for walks, and a red-black tree for lookups, each
 * node augmented with the largest gap in its subtree so that a free range
 * of a given length is found in O(log n):
 *
 *     mm->mmap:  [text]<->[data]<->[heap]<->...<->[libs]<->[stack]
 *
 *     mm->mm_rb:            [libs] gap max 1G
 *                          /      \
 *             [data] max 1G        [stack] max 8M
 *              /     \
 *          [text]   [heap]
 *
 *     mm->vmacache: the VMA find_vma returned last (most lookups repeat it)
 *
 *   user space [0, task_size):
 *
 *   0 ... start_code  end_code/start_data  end_data  start_brk   brk
 *          [ text ]     [ data ][ bss ]               [ heap -> ]
 *
 *        ... <- mmap area (top-down from mmap_base) | gap | [ <- stack ] task_size
 *
 * Every function below returns 0 or -errno (address-returning ones return
 * the address, or -errno as a negative int64_t), never crashes on user
 * input, and leaves the mm consistent on failure (vma_validate_mm checks).
 */
#ifndef MMSIM_MM_MM_STRUCT_H
#define MMSIM_MM_MM_STRUCT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "include/list.h"
#include "mm/mm_types.h"
#include "mm/mman.h"

typedef uint64_t vm_flags_t;

/* ---- vm_flags: Linux's bit values (include/linux/mm.h, x86_64) ------------- */

#define VM_NONE 0x00000000ULL
#define VM_READ 0x00000001ULL
#define VM_WRITE 0x00000002ULL
#define VM_EXEC 0x00000004ULL
#define VM_SHARED 0x00000008ULL
#define VM_MAYREAD 0x00000010ULL  /* limits for mprotect: bits 0-3 shifted up 4 */
#define VM_MAYWRITE 0x00000020ULL
#define VM_MAYEXEC 0x00000040ULL
#define VM_MAYSHARE 0x00000080ULL
#define VM_GROWSDOWN 0x00000100ULL /* the stack: grows into the gap below */
#define VM_UFFD_MISSING 0x00000200ULL
#define VM_PFNMAP 0x00000400ULL    /* raw PFNs, no struct page (vvar, devices) */
#define VM_UFFD_WP 0x00001000ULL
#define VM_LOCKED 0x00002000ULL
#define VM_IO 0x00004000ULL
#define VM_SEQ_READ 0x00008000ULL  /* MADV_SEQUENTIAL */
#define VM_RAND_READ 0x00010000ULL /* MADV_RANDOM */
#define VM_DONTCOPY 0x00020000ULL  /* MADV_DONTFORK */
#define VM_DONTEXPAND 0x00040000ULL
#define VM_LOCKONFAULT 0x00080000ULL
#define VM_ACCOUNT 0x00100000ULL   /* charged to Committed_AS */
#define VM_NORESERVE 0x00200000ULL
#define VM_HUGETLB 0x00400000ULL
#define VM_SYNC 0x00800000ULL
#define VM_ARCH_1 0x01000000ULL
#define VM_WIPEONFORK 0x02000000ULL
#define VM_DONTDUMP 0x04000000ULL
#define VM_SOFTDIRTY 0x08000000ULL
#define VM_MIXEDMAP 0x10000000ULL
#define VM_HUGEPAGE 0x20000000ULL
#define VM_NOHUGEPAGE 0x40000000ULL
#define VM_MERGEABLE 0x80000000ULL

#define VM_GROWSUP VM_NONE /* x86 stacks grow down only */
#define VM_STACK VM_GROWSDOWN
#define VM_SPECIAL (VM_IO | VM_DONTEXPAND | VM_PFNMAP | VM_MIXEDMAP) /* never merged */
#define VM_ACCESS_FLAGS (VM_READ | VM_WRITE | VM_EXEC)
#define VM_LOCKED_MASK (VM_LOCKED | VM_LOCKONFAULT)
/* What brk and the stack get (x86's VM_DATA_DEFAULT_FLAGS without READ_IMPLIES_EXEC). */
#define VM_DATA_DEFAULT_FLAGS (VM_READ | VM_WRITE | VM_MAYREAD | VM_MAYWRITE | VM_MAYEXEC)
#define VM_STACK_FLAGS (VM_STACK | VM_DATA_DEFAULT_FLAGS | VM_ACCOUNT)

/* ---- RSS counters (mm->rss_stat) ------------------------------------------ */

enum mm_counter {
	MM_FILEPAGES,  /* file pages mapped (RssFile) */
	MM_ANONPAGES,  /* anonymous pages mapped (RssAnon) */
	MM_SWAPENTS,   /* swap entries in the page tables (VmSwap) */
	MM_SHMEMPAGES, /* shared-memory pages mapped (RssShmem) */
	NR_MM_COUNTERS
};

struct simfile;  /* a file of the simulated file system (src/fs/simfs.c) */
struct anon_vma; /* reverse map of anonymous pages (src/mm/rmap.c) */
struct mm_struct;

/* What the address-space code needs to know about a mapped file. */
struct vm_file_info {
	const char *path;     /* as /proc/PID/maps prints it */
	unsigned dev_major, dev_minor;
	uint64_t ino;
	bool readable, writable; /* the open file's mode (FMODE_READ/WRITE) */
	bool deleted;            /* unlinked: maps appends " (deleted)", as d_path does */
};

/*
 * The layers above the address space plug in here (the process layer sets
 * mm->ops when it creates a task). Every hook may be NULL: without
 * populate, pages come in on first access; without file_info, file-backed
 * VMAs print as "[file]" and are taken as readable and writable.
 */
struct mm_operations {
	/* Fault in [start, end) as MAP_POPULATE / mlock do; 0 or -errno. */
	int (*populate)(struct mm_struct *mm, mm_va_t start, mm_va_t end);
	/* Invalidate [start, end) in every TLB that may cache this mm. */
	void (*flush_tlb_range)(struct mm_struct *mm, mm_va_t start, mm_va_t end);
	/* Describe a file; false if it is gone. */
	bool (*file_info)(const struct simfile *f, struct vm_file_info *out);
	/* References a VMA holds on its file (Linux's get_file / fput). */
	void (*file_get)(struct simfile *f);
	void (*file_put)(struct simfile *f);
	/* The owning process's name, for `show maps NAME` and messages. */
	const char *(*owner_name)(const struct mm_struct *mm);
};

/* ---- struct vm_area_struct ---------------------------------------------------- */

struct vm_area_struct {
	mm_va_t vm_start;           /* first byte */
	mm_va_t vm_end;             /* first byte after */
	struct mm_struct *vm_mm;
	vm_flags_t vm_flags;
	unsigned vm_page_prot;      /* PTE_F_* flags a present page gets (vm_get_page_prot) */
	struct simfile *vm_file;    /* NULL: anonymous */
	uint64_t vm_pgoff;          /* file offset in pages; private anon: vm_start >> PAGE_SHIFT
				     * at creation, kept when the VMA moves (rmap needs it) */
	struct anon_vma *anon_vma;  /* set by the first anonymous fault (rmap.c) */
	struct list_head anon_vma_chain; /* rmap.c's links; empty until then */
	const char *vm_name;        /* special mapping ("[vdso]"), static string; else NULL */
	void *vm_private_data;

	/* Red-black tree by address, augmented with the largest gap below. */
	struct vm_area_struct *rb_parent, *rb_left, *rb_right;
	mm_va_t rb_subtree_gap;
	bool rb_red;
	/* The address-ordered list (mm->mmap). */
	struct list_head vm_list;

	/* Where this object lives: a slab object at slab_va (whose bytes hold
	 * the struct when it fits), and/or host memory. */
	mm_va_t slab_va;
	bool in_host;
};

static inline uint64_t vma_pages(const struct vm_area_struct *vma, unsigned page_shift)
{
	return (vma->vm_end - vma->vm_start) >> page_shift;
}

/* Anonymous private memory or brk: no file, not shared. (Shared anonymous
 * VMAs have a shmem file in Linux; mmsim keeps them file-less with
 * VM_SHARED set.) */
static inline bool vma_is_anonymous(const struct vm_area_struct *vma)
{
	return !vma->vm_file && !vma->vm_name && !(vma->vm_flags & (VM_SHARED | VM_SPECIAL));
}

/* ---- struct mm_struct --------------------------------------------------------------- */

struct mm_struct {
	struct mm_kernel *k;
	const struct mm_operations *ops; /* may be NULL */
	void *owner;                     /* the task (process layer), for messages */

	/* VMAs */
	struct list_head mmap;           /* all VMAs by address */
	struct vm_area_struct *mm_rb;    /* root of the tree */
	struct vm_area_struct *vmacache; /* last find_vma result */
	int map_count;
	mm_va_t highest_vm_end;          /* end of the last VMA */
	uint64_t vmacache_hits, vmacache_misses;

	/* Page tables */
	mm_pa_t pgd_pa;
	uint64_t pgtables_bytes;         /* tables below the PGD (VmPTE) */

	/* Layout */
	mm_va_t task_size;
	mm_va_t mmap_base;               /* top-down searches start here */
	mm_va_t mmap_legacy_base;        /* bottom-up searches start here */
	bool topdown;                    /* MMF_TOPDOWN: the default layout */
	mm_va_t start_code, end_code, start_data, end_data;
	mm_va_t start_brk, brk, start_stack;
	vm_flags_t def_flags;            /* VM_LOCKED after mlockall(MCL_FUTURE) */
	uint64_t rlim_stack_bytes;       /* RLIMIT_STACK (8M) */
	uint64_t rlim_memlock_bytes;     /* RLIMIT_MEMLOCK (8M) */
	bool cap_ipc_lock;               /* CAP_IPC_LOCK: mlock without limit */
	bool cap_sys_admin;              /* CAP_SYS_ADMIN: the admin reserve is usable */

	/* Accounting, in pages (/proc/PID/status) */
	uint64_t total_vm;               /* VmSize */
	uint64_t locked_vm;              /* VmLck */
	uint64_t pinned_vm;              /* VmPin */
	uint64_t data_vm;                /* VmData: private writable, not stack */
	uint64_t exec_vm;                /* VmExe + VmLib: executable, not writable */
	uint64_t stack_vm;               /* VmStk */
	uint64_t hiwater_rss;            /* VmHWM (until RSS passes it) */
	uint64_t hiwater_vm;             /* VmPeak */
	int64_t rss_stat[NR_MM_COUNTERS];

	/* TLB flushes the address-space code asked for (mm_flush_tlb_range):
	 * the union of the ranges not yet taken by the TLB layer. */
	mm_va_t tlb_flush_start, tlb_flush_end; /* start >= end: nothing pending */
	uint64_t nr_tlb_flush_requests;

	int mm_users;                    /* tasks using it */
	struct list_head mmlist;         /* on k->mmlist */
	mm_va_t slab_va;
	bool in_host;
};

static inline uint64_t get_mm_counter(const struct mm_struct *mm, enum mm_counter c)
{
	return mm->rss_stat[c] > 0 ? (uint64_t)mm->rss_stat[c] : 0;
}
static inline void add_mm_counter(struct mm_struct *mm, enum mm_counter c, int64_t v)
{
	mm->rss_stat[c] += v;
}
static inline uint64_t get_mm_rss(const struct mm_struct *mm)
{
	return get_mm_counter(mm, MM_FILEPAGES) + get_mm_counter(mm, MM_ANONPAGES) +
	       get_mm_counter(mm, MM_SHMEMPAGES);
}
/* Record the RSS peak before RSS goes down (VmHWM). */
static inline void update_hiwater_rss(struct mm_struct *mm)
{
	uint64_t rss = get_mm_rss(mm);
	if (mm->hiwater_rss < rss)
		mm->hiwater_rss = rss;
}
/* Record the VmSize peak before it goes down (VmPeak). */
static inline void update_hiwater_vm(struct mm_struct *mm)
{
	if (mm->hiwater_vm < mm->total_vm)
		mm->hiwater_vm = mm->total_vm;
}

/* ---- vma.c: the tree, the list, split and merge --------------------------------- */

/* A zeroed VMA of mm (from the vm_area_struct slab cache); NULL: -ENOMEM. */
struct vm_area_struct *vm_area_alloc(struct mm_struct *mm);
/* A copy of orig's fields, not linked anywhere; NULL: -ENOMEM. */
struct vm_area_struct *vm_area_dup(struct vm_area_struct *orig);
/* Free a VMA that is not linked (drops its file reference). */
void vm_area_free(struct vm_area_struct *vma);

/* The first VMA with vm_end > addr, or NULL. O(log n), O(1) on a repeat. */
struct vm_area_struct *find_vma(struct mm_struct *mm, mm_va_t addr);
/* As find_vma; *pprev = the VMA before the result (or the last VMA). */
struct vm_area_struct *find_vma_prev(struct mm_struct *mm, mm_va_t addr,
				     struct vm_area_struct **pprev);
/* The first VMA overlapping [start, end), or NULL. */
struct vm_area_struct *find_vma_intersection(struct mm_struct *mm, mm_va_t start, mm_va_t end);
/* The VMA containing addr, or NULL. */
struct vm_area_struct *vma_lookup(struct mm_struct *mm, mm_va_t addr);
/* A VMA's bounds with the stack guard gap: a VM_GROWSDOWN VMA keeps
 * stack_guard_gap bytes below it free (vm_start_gap; 0 if it would wrap). */
mm_va_t vm_start_gap(const struct vm_area_struct *vma);
mm_va_t vm_end_gap(const struct vm_area_struct *vma);
/* Neighbours in address order; NULL at either end. */
struct vm_area_struct *vma_next(struct vm_area_struct *vma);
struct vm_area_struct *vma_prev(struct vm_area_struct *vma);
struct vm_area_struct *vma_first(struct mm_struct *mm);
#define for_each_vma(mm, vma) \
	for ((vma) = vma_first(mm); (vma); (vma) = vma_next(vma))

/* Link vma into mm (tree, list, map_count). -EEXIST if it overlaps a VMA. */
int vma_link(struct mm_struct *mm, struct vm_area_struct *vma);
/* Take vma out of the tree and list; map_count--. The VMA is not freed. */
void vma_unlink(struct mm_struct *mm, struct vm_area_struct *vma);
/* Change a linked VMA's bounds in place (neighbours must not overlap). */
void vma_set_range(struct vm_area_struct *vma, mm_va_t start, mm_va_t end, uint64_t pgoff);

/* Split vma at addr (page aligned, strictly inside). The new VMA is the
 * lower part when new_below, else the upper part. 0 or -ENOMEM. No
 * map_count check: split_vma() adds vm.max_map_count's. */
int __split_vma(struct mm_struct *mm, struct vm_area_struct *vma, mm_va_t addr, int new_below);
int split_vma(struct mm_struct *mm, struct vm_area_struct *vma, mm_va_t addr, int new_below);

/* Can [addr, end) with these attributes join prev / next? (Linux's rules:
 * same flags except VM_SOFTDIRTY, same file and name, contiguous pgoff,
 * compatible anon_vma, nothing VM_SPECIAL.) */
bool can_vma_merge_after(struct vm_area_struct *prev, vm_flags_t flags,
			 struct anon_vma *anon_vma, struct simfile *file, uint64_t pgoff,
			 const char *name);
bool can_vma_merge_before(struct vm_area_struct *next, vm_flags_t flags,
			  struct anon_vma *anon_vma, struct simfile *file, uint64_t pgoff,
			  uint64_t pglen, const char *name);
/*
 * Try to merge [addr, end) with prev and/or the VMA after it (Linux's
 * vma_merge, the eight cases of mm/mmap.c). prev is the VMA before addr
 * (NULL: none); [addr, end) is either unmapped (mmap, brk, mremap) or lies
 * inside one VMA that starts at addr or contains it (mprotect, madvise,
 * mlock: the caller then sets the flags). Returns the VMA now covering
 * [addr, end), or NULL when nothing merged.
 */
struct vm_area_struct *vma_merge(struct mm_struct *mm, struct vm_area_struct *prev,
				 mm_va_t addr, mm_va_t end, vm_flags_t vm_flags,
				 struct anon_vma *anon_vma, struct simfile *file,
				 uint64_t pgoff, const char *name);
/*
 * Give [start, end) of vma the flags newflags: merge with a neighbour when
 * possible, else split off the range. Returns the VMA that now covers
 * exactly [start, end) (its flags are NOT yet changed: the caller sets
 * them), or NULL with *err = -ENOMEM (vm.max_map_count or no memory).
 * *pprev is the VMA before start (updated to the result).
 */
struct vm_area_struct *vma_modify(struct mm_struct *mm, struct vm_area_struct **pprev,
				  struct vm_area_struct *vma, mm_va_t start, mm_va_t end,
				  vm_flags_t newflags, int *err);

/* Check every invariant of mm's VMAs (order, overlap, tree shape and
 * colours, gap augmentation, cache, counts, accounting); prints each
 * mismatch and the address-space map to stderr; true if all hold. */
bool vma_validate_mm(struct mm_struct *mm);
/* Print the address-space map (one line per VMA, maps-like) to f. */
void vma_dump_mm(struct mm_struct *mm, FILE *f);

/* ---- mmap.c: the address space and the mmap/munmap/brk system calls ------------------ */

/* A new empty address space with its own PGD (the kernel half copied from
 * init_mm) and the default layout; NULL when out of memory. */
struct mm_struct *mm_alloc(struct mm_kernel *k);
/* Tear down every mapping, page table and the PGD, and free mm. */
void mm_free(struct mm_struct *mm);
/* Unmap everything (exit_mmap): pages, tables below the PGD, VMAs. */
void exit_mmap(struct mm_struct *mm);
/* Lay out the mmap area (arch_pick_mmap_layout): with randomize (PF_RANDOMIZE,
 * kernel.randomize_va_space=2) room is left for the stack's randomisation
 * and random_bytes shift mmap_base down; legacy selects the bottom-up
 * layout (vm.legacy_va_layout). */
void mm_pick_mmap_layout(struct mm_struct *mm, bool randomize, uint64_t random_bytes, bool legacy);

/* PTE_F_* flags for a present page of a VMA with these flags (x86's
 * protection_map: private writable pages start read-only for COW). */
unsigned vm_get_page_prot(const struct mm_kernel *k, vm_flags_t vm_flags);
/* Account npages of a VMA with flags in total_vm/exec_vm/stack_vm/data_vm. */
void vm_stat_account(struct mm_struct *mm, vm_flags_t flags, int64_t npages);

/* A free range for len bytes (get_unmapped_area): hint, MAP_FIXED, THP
 * alignment, top-down from mmap_base with bottom-up fallback. The address,
 * or -ENOMEM / -EINVAL / -EPERM. */
int64_t get_unmapped_area(struct mm_struct *mm, struct simfile *file, mm_va_t addr,
			  uint64_t len, uint64_t pgoff, unsigned long flags);

/* mmap(2): returns the address or -errno. offset is in bytes. */
int64_t vm_mmap(struct mm_struct *mm, mm_va_t addr, uint64_t len, unsigned long prot,
		unsigned long flags, struct simfile *file, uint64_t offset);
/* do_mmap: the kernel's entry (pgoff in pages, extra vm_flags); *populate
 * is set to the bytes MAP_POPULATE/MAP_LOCKED want faulted in. */
int64_t do_mmap(struct mm_struct *mm, struct simfile *file, mm_va_t addr, uint64_t len,
		unsigned long prot, unsigned long flags, vm_flags_t vm_flags, uint64_t pgoff,
		uint64_t *populate);
/* munmap(2) */
int vm_munmap(struct mm_struct *mm, mm_va_t start, uint64_t len);
/* do_munmap: unmap [start, start+len), splitting VMAs at the ends. */
int do_munmap(struct mm_struct *mm, mm_va_t start, uint64_t len);
/* brk(2): the new break, or the old one when the request fails. */
mm_va_t sys_brk(struct mm_struct *mm, mm_va_t brk);
/* Create the brk-style anonymous mapping [addr, addr+len) (the ELF loader's
 * bss): 0 or -errno. */
int vm_brk_flags(struct mm_struct *mm, mm_va_t addr, uint64_t len, vm_flags_t flags);
/* Insert a special mapping (vdso, vvar, a test's placeholder): never
 * merged, not accounted. 0 or -errno. */
int install_special_mapping(struct mm_struct *mm, mm_va_t addr, uint64_t len,
			    vm_flags_t vm_flags, const char *name);
/* Fault in [start, start+len) through mm->ops->populate (a no-op without). */
int mm_populate(struct mm_struct *mm, mm_va_t start, uint64_t len);

/* The mm whose owner (mm->ops->owner_name) is called name, or NULL. */
struct mm_struct *mm_find_by_owner(struct mm_kernel *k, const char *name);
/* The scenario commands' lookup of NAME (src/sim/scenario/commands_mmap.c):
 * mm_find_by_owner on the scenario's machine. */
struct scenario;
struct mm_struct *scenario_find_mm(struct scenario *sc, const char *name);

/* ---- mprotect.c ---------------------------------------------------------------------- */

/* mprotect(2) (PROT_GROWSDOWN accepted): 0 or -errno. */
int do_mprotect(struct mm_struct *mm, mm_va_t start, uint64_t len, unsigned long prot);

/* ---- mremap.c ---------------------------------------------------------------------- */

/* mremap(2): the new address or -errno. */
int64_t do_mremap(struct mm_struct *mm, mm_va_t addr, uint64_t old_len, uint64_t new_len,
		  unsigned long flags, mm_va_t new_addr);

/* ---- madvise.c ---------------------------------------------------------------------- */

/* madvise(2): 0 or -errno. */
int do_madvise(struct mm_struct *mm, mm_va_t start, uint64_t len, int behavior);

/* ---- mlock.c ---------------------------------------------------------------------- */

/* mlock(2) / mlock2(2) (flags: MLOCK_ONFAULT) / munlock(2): 0 or -errno. */
int do_mlock(struct mm_struct *mm, mm_va_t start, uint64_t len, unsigned flags);
int do_munlock(struct mm_struct *mm, mm_va_t start, uint64_t len);

/* ---- src/proc/maps.c ---------------------------------------------------------------- */

struct view_out;
struct mm_machine;
/* /proc/PID/maps of mm into out: the text, and fields count, N.start,
 * N.end, N.perms, N.offset, N.dev, N.inode, N.path per VMA N (0-based). */
void maps_render_mm(struct mm_struct *mm, struct view_out *out);
/* `show maps NAME`: the mm of the process NAME (mm_find_by_owner). */
int view_maps(struct mm_machine *m, int argc, const char *const *argv, struct view_out *out,
	      char *err, size_t err_len);

/* ---- the errno text mmsim prints ("-ENOMEM (Cannot allocate memory)") ----------- */

/* "ENOMEM" for 12 (the symbolic name of a positive errno), or NULL. */
const char *mm_errno_name(int err);

#endif
