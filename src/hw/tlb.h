/*
 * tlb.h - the translation lookaside buffers of one CPU: their geometry, the
 * entries, and the invalidation operations the kernel issues (invlpg,
 * INVPCID, CR3 writes, range flushes with Linux's ceiling, shootdowns).
 *
 *   lookup of VA v, base-page class first (4K), then 2M/4M, then 1G:
 *
 *     L1 (L1I for fetches when configured, else L1D)       L2 (shared)
 *    ┌──────────── set = vpn & set_mask ───────────┐      ┌────────────┐
 *    │ way0 │ way1 │ way2 │ way3 │   one set per   │ miss │ 128 sets x │ miss
 *    │ key  │ key  │ key  │ key  │   vpn residue   │ ───► │  12 ways   │ ───► page walk
 *    └─────────────────────────────────────────────┘      └────────────┘      (mmu.c)
 *          ▲ hit: LRU stamp, PA = entry.pa | offset          │ hit: refill L1
 *          └─────────────────────────────────────────────────┘
 *
 * An entry's key is the virtual page number at its page size with the size
 * class in bits 62-63, so one array may hold several page sizes (the shared
 * L2 holds 4K and 2M entries, each indexed by its own VPN). A key matches
 * when it is equal and the entry's PCID is the CPU's current one, or the
 * entry is global (G: kernel mappings, which survive CR3 switches).
 *
 * Each entry caches the permissions of its translation as an "allow" mask,
 * one bit per (access kind, mode): the hit path tests one bit. A writable
 * page whose cached D bit is clear does not allow writes: the write takes
 * the slow path, which re-walks and sets D as x86 hardware does.
 *
 * Replacement is true LRU within a set (a per-array clock stamped on every
 * hit and fill; the victim is the oldest way, an empty one - stamp 0 -
 * first). Real cores use tree-PLRU or similar; LRU is what a textbook
 * computes by hand, so the expected counts of a stride pattern are exact.
 *
 * Geometry comes from `machine tlb=` (hw_tlb_config_parse); the syntax and
 * the default's source are in docs/mmu-tlb.md.
 */
#ifndef MMSIM_HW_TLB_H
#define MMSIM_HW_TLB_H

#include <stddef.h>

#include "mmsim/types.h"

/* TLB levels. L1I is used for instruction fetches only when configured. */
enum tlb_level { TLB_L1I, TLB_L1D, TLB_L2, TLB_NR_LEVELS };

/* Page-size classes: the base page (4K; 64 bytes on a toy machine), a PS
 * leaf at the level above the last (2M, or 4M on i386), and one level higher
 * (1G). */
enum tlb_size { TLB_SZ_BASE, TLB_SZ_PMD, TLB_SZ_PUD, TLB_NR_SIZES };

/* Access kinds and modes, combined into the bit index of an entry's allow
 * mask: bit (kind * 2 + user). */
enum hw_access_kind { HW_READ = 0, HW_WRITE = 1, HW_EXEC = 2 };

#define HW_TLB_MAX_ARRAYS 8
#define HW_TLB_MAX_ENTRIES 65536u
#define HW_TLB_MAX_WAYS 128u
#define HW_PCID_MAX 4095u            /* 12-bit PCID field of CR3 */
#define TLB_FLUSH_ALL (~0ULL)        /* end of a range: flush everything */
#define TLB_FLUSH_CEILING_DEFAULT 33 /* Linux's tlb_single_page_flush_ceiling */

/* One array: a level, the page sizes it holds, its size and associativity. */
struct hw_tlb_array_config {
	uint8_t level;    /* enum tlb_level */
	uint8_t sizes;    /* bit (1 << enum tlb_size) per size class held */
	uint32_t entries; /* entries / ways must be a power of two (sets) */
	uint32_t ways;
};

/* The `machine tlb=` and `pcid=` keys, as the machine config carries them. */
struct hw_tlb_config {
	unsigned nr_arrays;           /* 0: no TLB at all, every access walks */
	struct hw_tlb_array_config arr[HW_TLB_MAX_ARRAYS];
	bool pcid;                    /* CR4.PCIDE: entries tagged with the PCID */
	unsigned flush_ceiling;       /* tlb_single_page_flush_ceiling (pages) */
};

/* Entry flags (cached from the leaf and the AND/OR over the levels). */
#define TLB_E_GLOBAL 0x01u
#define TLB_E_WRITE 0x02u  /* effective RW */
#define TLB_E_USER 0x04u   /* effective US */
#define TLB_E_NX 0x08u     /* effective NX */
#define TLB_E_DIRTY 0x10u  /* the leaf's D bit when the entry was filled */

#define TLB_KEY_INVALID (~0ULL)
#define TLB_KEY_SIZE_SHIFT 62

/* What an entry holds besides its key and LRU stamp. */
struct tlb_slot {
	mm_pa_t pa;     /* physical base of the page */
	uint16_t asid;  /* PCID at fill time (0 with PCID off) */
	uint8_t allow;  /* bit kind*2+user: access allowed without a walk */
	uint8_t flags;  /* TLB_E_* */
	uint8_t size;   /* enum tlb_size */
	uint8_t pad[3];
};

/* One entry as a value (what tlb_insert takes and views print). */
struct tlb_entry {
	uint64_t key;   /* vpn | size << 62, or TLB_KEY_INVALID */
	uint64_t stamp; /* LRU: the array clock at the last use */
	struct tlb_slot s;
};

/*
 * One array, stored as three parallel arrays indexed set * ways + way, so
 * that a lookup scans only the keys of one set (4 ways: 32 bytes, one cache
 * line) and touches the rest of an entry only on a match.
 */
struct tlb_array {
	uint64_t *key;        /* TLB_KEY_INVALID when the way is empty */
	uint64_t *stamp;      /* LRU stamps; 0 when the way is empty */
	struct tlb_slot *slot;
	uint64_t set_mask;    /* sets - 1 */
	unsigned ways;
	unsigned entries;
	uint8_t level, sizes; /* as in the config */
	uint32_t nr_valid[TLB_NR_SIZES]; /* valid entries per size: empty sizes are not probed */
	uint64_t clock;       /* LRU clock */
	uint64_t hits, fills, evictions;
};

/* Everything one CPU's TLB holds. Not copyable once initialised: fast[]
 * points into the struct itself. */
struct hw_tlb {
	/* hot: read by the inline hit path */
	struct tlb_array *fast[2];   /* [is_exec]: L1 array for base pages */
	unsigned shift[TLB_NR_SIZES];/* page shift of each size class */
	uint64_t page_mask;          /* base page size - 1 */

	struct tlb_array arr[HW_TLB_MAX_ARRAYS];
	unsigned nr_arrays;
	int8_t where[TLB_NR_LEVELS][TLB_NR_SIZES]; /* array index, -1: none */
	uint8_t sizes_ok;            /* size classes this architecture has */
	uint8_t l1_for_exec;         /* TLB_L1I if configured, else TLB_L1D */
	bool pcid;
	unsigned flush_ceiling;
	struct tlb_array none;       /* empty stand-in for a missing fast array */
	uint64_t none_key, none_stamp;
	struct tlb_slot none_slot;
};

/* ---- configuration ------------------------------------------------------- */

/* The default: modelled on Intel Skylake (docs/mmu-tlb.md), PCID on,
 * ceiling 33. */
void hw_tlb_config_default(struct hw_tlb_config *cfg);
/* Parse a `tlb=` value ("l1d:4k:64:4,l2:4k+2m:1536:12", "none") into cfg's
 * arrays, keeping its pcid and ceiling. Returns 0, or -1 with a message
 * naming the bad item and field in err. */
int hw_tlb_config_parse(struct hw_tlb_config *cfg, const char *s, char *err, size_t err_len);
/* The arrays in `tlb=` syntax, into buf; returns buf. */
const char *hw_tlb_config_format(const struct hw_tlb_config *cfg, char *buf, size_t len);
/* Level names for views: "L1i", "L1d", "L2". */
extern const char *const tlb_level_names[TLB_NR_LEVELS];

/* ---- entries ------------------------------------------------------------- */

/* Allow mask for entry flags: which (kind, mode) pairs hit without a walk. */
static inline uint8_t tlb_allow_mask(unsigned flags)
{
	unsigned a = 1u << (HW_READ * 2); /* present: kernel reads always */
	bool u = flags & TLB_E_USER;
	if (u)
		a |= 1u << (HW_READ * 2 + 1);
	if ((flags & TLB_E_WRITE) && (flags & TLB_E_DIRTY)) {
		a |= 1u << (HW_WRITE * 2); /* CR0.WP=1: kernel obeys RW too */
		if (u)
			a |= 1u << (HW_WRITE * 2 + 1);
	}
	if (!(flags & TLB_E_NX)) {
		a |= 1u << (HW_EXEC * 2);
		if (u)
			a |= 1u << (HW_EXEC * 2 + 1);
	}
	return (uint8_t)a;
}

/* ---- operations (tlb.c); tlb is a member of struct hw_cpu ---------------- */

/* Set up the arrays from cfg for an architecture whose size classes have the
 * given shifts (0 = class absent). 0 or -ENOMEM / -EINVAL. */
int hw_tlb_init(struct hw_tlb *tlb, const struct hw_tlb_config *cfg,
		const unsigned shift[TLB_NR_SIZES]);
void hw_tlb_fini(struct hw_tlb *tlb);

/* First entry of the set vpn selects in array a. */
static inline size_t tlb_set_base(const struct tlb_array *a, uint64_t vpn)
{
	return (size_t)(vpn & a->set_mask) * a->ways;
}

/* Find the entry translating va at one level for PCID asid: returns its
 * index in array *array (may be NULL), or -1 on a miss. Touches no LRU
 * state or counter. Sizes with no valid entry are not looked at; the _from
 * form starts at a given size class. */
static inline int tlb_probe_from(const struct hw_tlb *tlb, unsigned level, unsigned first_size,
				 mm_va_t va, unsigned asid, int *array)
{
	if (level >= TLB_NR_LEVELS)
		return -1;
	for (unsigned s = first_size; s < TLB_NR_SIZES; s++) {
		int i = tlb->where[level][s];
		if (i < 0 || !tlb->arr[i].nr_valid[s])
			continue;
		const struct tlb_array *a = &tlb->arr[i];
		uint64_t vpn = va >> tlb->shift[s];
		uint64_t key = vpn | (uint64_t)s << TLB_KEY_SIZE_SHIFT;
		size_t b = tlb_set_base(a, vpn);
		for (unsigned w = 0; w < a->ways; w++) {
			if (a->key[b + w] != key)
				continue;
			const struct tlb_slot *sl = &a->slot[b + w];
			if (sl->asid == asid || (sl->flags & TLB_E_GLOBAL)) {
				if (array)
					*array = i;
				return (int)(b + w);
			}
		}
	}
	return -1;
}
static inline int tlb_probe(const struct hw_tlb *tlb, unsigned level, mm_va_t va, unsigned asid,
			    int *array)
{
	return tlb_probe_from(tlb, level, TLB_SZ_BASE, va, asid, array);
}
/* Mark entry i of array a most recently used. */
static inline void tlb_touch(struct tlb_array *a, unsigned i)
{
	a->stamp[i] = ++a->clock;
}
/* Entry i of array a as a value. */
static inline void tlb_read(const struct tlb_array *a, unsigned i, struct tlb_entry *out)
{
	out->key = a->key[i];
	out->stamp = a->stamp[i];
	out->s = a->slot[i];
}
/* Insert a translation at one level (no-op when that level has no array for
 * its size): replaces an entry with the same key and PCID, else an invalid
 * way, else the set's least recently used way. */
void tlb_insert(struct hw_tlb *tlb, unsigned level, const struct tlb_entry *ne);
/* The same, for a translation known to be absent from that level (a lookup
 * there just missed): no search for a duplicate. */
void tlb_insert_new(struct hw_tlb *tlb, unsigned level, const struct tlb_entry *ne);
/* Invalidate va's entries in every size and level: those of PCID asid, plus
 * global ones when with_global. Returns the number invalidated. */
unsigned tlb_invalidate_va(struct hw_tlb *tlb, mm_va_t va, unsigned asid, bool with_global);

/* Invalidate every entry in a scope (no counters): */
enum tlb_scope {
	TLB_SCOPE_PCID,      /* non-global entries of PCID asid */
	TLB_SCOPE_NONGLOBAL, /* non-global entries of every PCID */
	TLB_SCOPE_ALL,       /* everything, globals included */
};
void tlb_invalidate_scope(struct hw_tlb *tlb, enum tlb_scope scope, unsigned asid);

/* Valid entries in array number `array` (0 if there is no such array). */
unsigned tlb_nr_valid(const struct hw_tlb *tlb, int array);

/* Recompute what the arrays cache: every valid entry sits in the set its key
 * selects, holds a size its array holds, and no set holds one key twice for
 * one PCID. Prints each mismatch to stderr; true when consistent. */
bool tlb_check(const struct hw_tlb *tlb);

#endif
