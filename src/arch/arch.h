/*
 * arch.h - an architecture profile: what the MMU and the kernel's memory
 * layout look like on one machine type.
 *
 *   VA:  | level 0 index | level 1 index | ... | level n-1 index | offset |
 *          (top: PGD)                            (bottom: PTE)   page_shift
 *
 * Level 0 is the top-level table (PGD; with la57 the PGD sits above a P4D).
 * level[i].shift is the VA bit where level i's index starts, level[i].bits
 * its width; a table at level i has 1 << bits entries of pte_bytes each.
 *
 * Entries use the architecture's real bits. All x86 profiles share one flag
 * layout (P RW US PWT PCD A D PS G at bits 0-8, NX at 63 when the entry is 64
 * bits wide); the PFN sits at bit 12 upwards in every profile, the toy one
 * included, so a toy entry is a 32-bit x86-style word whatever its page size.
 *
 * Profiles are immutable tables, except the toy one which is built from the
 * machine's va_bits/pa_bits/page/levels and owned by the machine.
 */
#ifndef MMSIM_ARCH_H
#define MMSIM_ARCH_H

#include "mmsim/types.h"

#define ARCH_MAX_LEVELS 5

/* Architecture-neutral PTE flags; arch_pte_encode maps them to real bits. */
enum pte_flag {
	PTE_F_PRESENT = 1u << 0,
	PTE_F_WRITE = 1u << 1,
	PTE_F_USER = 1u << 2,
	PTE_F_PWT = 1u << 3,
	PTE_F_PCD = 1u << 4,
	PTE_F_ACCESSED = 1u << 5,
	PTE_F_DIRTY = 1u << 6,
	PTE_F_HUGE = 1u << 7, /* PS: a leaf above the last level */
	PTE_F_GLOBAL = 1u << 8,
	PTE_F_NX = 1u << 9,
};

enum zone_type {
	ZONE_DMA,
	ZONE_DMA32,
	ZONE_NORMAL,
	ZONE_HIGHMEM,
	ZONE_MOVABLE,
	MAX_NR_ZONES
};

struct arch_level {
	const char *name;  /* "PGD", "P4D", "PUD", "PMD", "PTE" */
	unsigned shift;    /* VA bit where this level's index starts */
	unsigned bits;     /* index width; entries per table = 1 << bits */
	bool huge_leaf_ok; /* a PS leaf may end the walk here (2M/4M/1G) */
};

struct arch_profile {
	char name[24];          /* "x86_64", "x86_64-la57", "i386", "i386-pae", "toy" */
	unsigned va_bits;       /* virtual address width */
	unsigned pa_bits;       /* physical address width */
	unsigned page_shift;    /* 12 for 4K pages; 6 for a 64-byte toy page */
	unsigned nr_levels;     /* table levels, top first */
	unsigned pte_bytes;     /* 4 or 8 */
	bool has_nx;            /* NX bit exists (64-bit entries) */
	bool is_toy;            /* textbook machine: no kernel address space in RAM */
	struct arch_level level[ARCH_MAX_LEVELS];

	/* Address-space constants (0 where the arch has no such area). */
	mm_va_t task_size;       /* user space is [0, task_size) */
	mm_va_t page_offset;     /* direct map base: __va(0) */
	mm_pa_t max_direct_pa;   /* direct map covers [0, min(RAM, this)); i386: 896M */
	mm_va_t vmalloc_start;   /* may be computed at boot (i386: after high_memory + 8M) */
	mm_va_t vmalloc_end;
	mm_va_t pkmap_base;      /* i386 kmap area */
	unsigned last_pkmap;     /* entries in the PKMAP area */
	mm_va_t fixaddr_start;   /* i386 fixmap area [fixaddr_start, fixaddr_top) */
	mm_va_t fixaddr_top;
	mm_va_t kernel_text_va;  /* __START_KERNEL_map on x86_64, PAGE_OFFSET on i386 */

	/* Physical zone boundaries: a zone ends where the next begins. */
	mm_pa_t zone_end_pa[MAX_NR_ZONES]; /* 0 = zone absent on this arch */
	bool zone_exists[MAX_NR_ZONES];

	unsigned max_order;      /* MAX_PAGE_ORDER: free_area[0..max_order] */
	unsigned pageblock_order;
	mm_pa_t kernel_load_pa;  /* CONFIG_PHYSICAL_START */
	uint64_t kernel_image_bytes; /* text+rodata+data+bss modelled */
};

/* Parameters of the toy arch (machine va_bits= pa_bits= page= levels=). */
struct arch_toy_params {
	unsigned va_bits, pa_bits, page_bytes, levels;
};

/* Look up a fixed profile by name; NULL if unknown or "toy". */
const struct arch_profile *arch_lookup(const char *name);

/* Build a toy profile into *out. Returns 0, or -EINVAL with *why set. */
int arch_toy_build(struct arch_profile *out, const struct arch_toy_params *p,
		   const char **why);

/* Names of all profiles, NULL-terminated (for help and errors). */
extern const char *const arch_names[];

static inline uint64_t arch_page_size(const struct arch_profile *a)
{
	return 1ULL << a->page_shift;
}

/* Index of va at level lvl (0 = top). */
static inline unsigned arch_va_index(const struct arch_profile *a, unsigned lvl,
				     mm_va_t va)
{
	return (unsigned)((va >> a->level[lvl].shift) &
			  ((1ULL << a->level[lvl].bits) - 1));
}

/* Bytes mapped by one entry at level lvl (a huge leaf's page size). */
static inline uint64_t arch_level_span(const struct arch_profile *a, unsigned lvl)
{
	return 1ULL << a->level[lvl].shift;
}

/* Entries in a table at level lvl; its size is entries * pte_bytes. */
static inline unsigned arch_table_entries(const struct arch_profile *a, unsigned lvl)
{
	return 1u << a->level[lvl].bits;
}

/* Encode a PTE pointing at pfn with PTE_F_* flags; flags the arch lacks (NX on
 * 32-bit entries) are dropped. */
mm_pte_t arch_pte_encode(const struct arch_profile *a, mm_pfn_t pfn, unsigned flags);
/* The PTE_F_* flags set in pte. */
unsigned arch_pte_flags(const struct arch_profile *a, mm_pte_t pte);
/* The PFN a PTE points at (for a huge leaf: the first frame of the huge page). */
mm_pfn_t arch_pte_pfn(const struct arch_profile *a, mm_pte_t pte);
/* "P RW US A D PS G NX"-style text of the set flags, into buf. */
const char *arch_pte_flags_str(unsigned flags, char *buf, size_t len);
/* Canonical address check (x86_64 sign extension). */
bool arch_va_canonical(const struct arch_profile *a, mm_va_t va);

#endif
