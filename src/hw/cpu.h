/*
 * cpu.h - struct hw_cpu: what one simulated CPU holds for memory management.
 *
 *   hw_cpu
 *    ├── CR3        physical address of the top-level table in use
 *    ├── PCID       tag of the current address space (CR3 bits 0-11)
 *    ├── tlb        its own L1/L2 TLB arrays (tlb.h)
 *    ├── fmt        the architecture's PTE bits, decoded once at init from
 *    │              arch_pte_encode so the walk tests masks, not tables
 *    └── stats      misses, walks, faults, flushes, shootdowns
 *
 * The CPUs of a machine are an array the machine owns (hw_cpus_init), so
 * two machines never share one. A CPU knows RAM and the arch profile, never
 * the kernel: whoever owns the page tables hands it a root with
 * hw_cpu_write_cr3 and reads its counters.
 */
#ifndef MMSIM_HW_CPU_H
#define MMSIM_HW_CPU_H

#include "arch/arch.h"
#include "hw/phys.h"
#include "hw/tlb.h"

#define HW_MAX_CPUS 64 /* shootdown masks are 64-bit */

/* The entry bits of the machine's PTE format, as raw masks. */
struct hw_pte_format {
	mm_pte_t p, rw, us, a, d, ps, g, nx; /* nx is 0 when the arch has none */
	mm_pte_t pfn_mask;     /* bits holding the PFN */
	unsigned pfn_shift;    /* lowest bit of the PFN field (12) */
	mm_pte_t rsvd;         /* bits that must be 0 in a present entry */
	unsigned pte_bytes;    /* 4 or 8 */
	bool pae;              /* i386-pae: the top level holds only P */
	bool pat_in_huge;      /* x86: bit 12 of a PS leaf is PAT, not PFN */
	/* the arch's VA split, copied here so the walk reads one cache line */
	unsigned nr_levels, page_shift;
	uint8_t lvl_shift[ARCH_MAX_LEVELS];
	uint64_t lvl_mask[ARCH_MAX_LEVELS];
	uint8_t huge_ok;       /* bit l: a PS leaf may end the walk at level l */
	uint8_t canon_shift;   /* 64 - va_bits */
	bool canon_signed;     /* upper bits copy bit va_bits-1 (x86_64) or are 0 */
};

/* Counters of one CPU (hits live in the TLB arrays, one figure each). */
struct hw_cpu_stats {
	uint64_t misses;        /* translations found in no TLB level */
	uint64_t walks;         /* page walks: misses + dirty-bit assists */
	uint64_t dirty_walks;   /* writes through an entry cached with D clear */
	uint64_t faults;        /* page faults raised (#PF), from walks or entries */
	uint64_t gp_faults;     /* non-canonical addresses (#GP) */
	uint64_t flush_one;     /* single-page invalidations (nr_tlb_local_flush_one) */
	uint64_t flush_all;     /* full flushes (nr_tlb_local_flush_all) */
	uint64_t flush_ranges;  /* tlb_flush_range calls */
	uint64_t flush_ranges_full; /* ... that exceeded the ceiling */
	uint64_t cr3_writes;
	uint64_t cr3_flushes;   /* CR3 writes that flushed (PCID off, or no NOFLUSH) */
	uint64_t shootdowns;    /* shootdown IPIs received (/proc/interrupts "TLB") */
	uint64_t ipis_sent;     /* shootdown IPIs this CPU sent */
	uint64_t remote_flushes;/* shootdowns it started that sent IPIs (nr_tlb_remote_flush) */
};

/* Outcome of the last translation, for verbose access lines. */
enum hw_tlb_outcome {
	HW_TLB_HIT_L1I, HW_TLB_HIT_L1D, HW_TLB_HIT_L2, /* = TLB_L1I.. + hit */
	HW_TLB_WALK,     /* missed every level, walked */
	HW_TLB_DIRTY,    /* hit an entry cached with D clear: walked to set D */
	HW_TLB_FAULT,    /* ended in a fault */
	HW_TLB_NONE,
};

struct hw_cpu {
	/* hot: the inline hit path reads these */
	struct hw_tlb tlb;
	uint16_t pcid;           /* current PCID; 0 when PCID is off */
	uint8_t last;            /* enum hw_tlb_outcome of the last translation */

	unsigned id;
	const struct arch_profile *arch;
	struct phys_ram *ram;
	mm_pa_t cr3;             /* root table PA; 0: none loaded yet */
	bool pcid_enabled;
	struct hw_pte_format fmt;
	struct hw_cpu_stats stats;
};

/* Initialise n CPUs for arch a over ram, with TLB geometry cfg (NULL: the
 * default). Returns 0, -EINVAL (bad geometry or arch) or -ENOMEM. On failure
 * nothing stays allocated. The array must not move afterwards. */
int hw_cpus_init(struct hw_cpu *cpus, unsigned n, const struct arch_profile *a,
		 struct phys_ram *ram, const struct hw_tlb_config *cfg);
void hw_cpus_fini(struct hw_cpu *cpus, unsigned n);

/* Load a page-table root, as a CR3 write does. PCID off: pcid is ignored and
 * every non-global entry is flushed. PCID on: the CPU switches to pcid
 * (<= HW_PCID_MAX); unless noflush (CR3 bit 63), that PCID's non-global
 * entries are flushed. Returns 0 or -EINVAL. */
int hw_cpu_write_cr3(struct hw_cpu *c, mm_pa_t root_pa, unsigned pcid, bool noflush);

/* TLB hits at one level (all its arrays), and at every level. */
uint64_t hw_cpu_hits(const struct hw_cpu *c, enum tlb_level level);
uint64_t hw_cpu_total_hits(const struct hw_cpu *c);
/* Zero every counter (the TLB contents stay). */
void hw_cpu_stats_reset(struct hw_cpu *c);
/* tlb_check plus the CPU's own invariants; prints mismatches, true if OK. */
bool hw_cpu_check(const struct hw_cpu *c);

#endif
