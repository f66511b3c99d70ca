/*
 * mmu.h - THE contract between mmsim's hardware layer and everything above
 * it. The kernel (src/mm) reaches the MMU, the TLBs and RAM only through the
 * functions named here; the hardware knows nothing of the kernel.
 *
 * Rules:
 *   - Addresses: va is any 64-bit value (non-canonical ones give HW_FAULT_GP);
 *     root_pa is the PA of the top-level table; ranges are [start, end) with
 *     start and end aligned to 1 << stride_shift; end == TLB_FLUSH_ALL
 *     flushes everything.
 *   - Translation returns 0 and the PA, or an enum hw_fault_kind (> 0) and
 *     a struct hw_fault filled as x86 fills CR2 and the page-fault error code.
 *     A fault changes nothing but Accessed bits of upper levels already used
 *     and the TLB entries of that page in the current PCID (x86 drops them on
 *     every #PF, which is why a stale read-only entry faults once and the
 *     retry walks: Linux's spurious-fault path relies on it).
 *   - Accessed is set on every entry the walk uses; Dirty on the leaf of a
 *     write, including a write that hits an entry cached with D clear.
 *     Nothing else in a PTE is ever written by the hardware.
 *   - Modes: user=true is CPL 3. CR0.WP=1 (supervisor writes obey RW), EFER.NXE
 *     when the arch has NX, CR4.PGE (G entries survive CR3 writes). SMEP/SMAP
 *     are not modelled.
 *   - The TLB keeps what it cached until flushed. After clearing a PTE,
 *     changing its PFN, removing RW/US or adding NX, or changing any upper
 *     entry, the kernel flushes (tlb_shootdown to the CPUs running the mm),
 *     as Linux does; granting a permission needs no flush (the stale entry
 *     faults once, see above).
 *   - Flushes take the CPU they run on; shootdowns take the whole CPU array
 *     and a mask of target CPUs (bit i = CPU i).
 *   - Functions that take a count or size return 0 or -EINVAL (hw_access:
 *     0, a fault kind, or -EINVAL); none crashes on bad input.
 *
 *   API                                      Linux / x86 counterpart
 *   mmu_translate(cpu, va, kind, user)       a load/store/fetch: TLB, walk, #PF
 *   hw_access(cpu, va, buf, len, kind, user) copy_{to,from}_user's bytes
 *   mmu_translate_debug(cpu, va, ...)        (none) `show translate`, no side effects
 *   hw_cpu_write_cr3(cpu, root, pcid, nf)    load_new_mm_cr3 / write_cr3
 *   tlb_invlpg(cpu, va)                      invlpg: flush_tlb_one_user
 *   tlb_invpcid_addr / tlb_flush_pcid        INVPCID types 0 and 1
 *   tlb_flush_nonglobal / tlb_flush_all      INVPCID 3 / 2 (__flush_tlb_all)
 *   tlb_flush_range(cpu, s, e, stride)       flush_tlb_mm_range's local part
 *   tlb_flush_kernel_range(cpu, s, e)        flush_tlb_kernel_range's local part
 *   tlb_shootdown(cpus, n, self, mask, ...)  flush_tlb_mm_range + flush_tlb_multi
 *
 *   Fault codes (struct hw_fault.error_code) use x86's bits:
 *     X86_PF_PROT 1   0: not present, 1: protection or reserved-bit violation
 *     X86_PF_WRITE 2  the access was a write
 *     X86_PF_USER 4   the access came from user mode
 *     X86_PF_RSVD 8   a reserved bit was set in an entry
 *     X86_PF_INSTR 16 instruction fetch (only when the arch has NX)
 */
#ifndef MMSIM_HW_MMU_H
#define MMSIM_HW_MMU_H

#include "hw/cpu.h"

#define X86_PF_PROT 0x01u
#define X86_PF_WRITE 0x02u
#define X86_PF_USER 0x04u
#define X86_PF_RSVD 0x08u
#define X86_PF_INSTR 0x10u

enum hw_fault_kind {
	HW_FAULT_NONE = 0,
	HW_FAULT_NOT_PRESENT, /* #PF, P=0: an entry at `level` is not present */
	HW_FAULT_PROT,        /* #PF, P=1: write to RO, user to supervisor, NX fetch */
	HW_FAULT_RSVD,        /* #PF, P=1 RSVD=1: reserved bit at `level` */
	HW_FAULT_GP,          /* #GP: non-canonical address (no error code) */
	HW_FAULT_BUS,         /* a table or the data lies outside RAM (machine check) */
};

/* Why a protection fault happened (bits; several may hold at once). */
#define HW_PROT_WRITE 0x1u /* write to a page read-only at some level */
#define HW_PROT_USER 0x2u  /* user access to a page supervisor-only at some level */
#define HW_PROT_NX 0x4u    /* fetch from a page NX at some level */

struct hw_fault {
	mm_va_t addr;        /* CR2: the faulting virtual address */
	unsigned error_code; /* X86_PF_* */
	uint8_t kind;        /* enum hw_fault_kind */
	uint8_t level;       /* level the walk stopped at (0 = top) */
	uint8_t reason;      /* HW_PROT_* for HW_FAULT_PROT */
	bool from_tlb;       /* decided from a cached entry, without a walk */
};

/* ---- translation ------------------------------------------------------------ */

/* The rest of mmu_translate (mmu.c). l1_hint: index in the L1 base-page
 * array of an entry that matched but did not allow the access, -1 when the
 * inline path found no match there, MMU_NO_HINT when it did not look. */
#define MMU_NO_HINT (-2)
int mmu_translate_slow(struct hw_cpu *c, mm_va_t va, enum hw_access_kind kind, bool user,
		       mm_pa_t *pa, struct hw_fault *f, int l1_hint);

/*
 * Translate va for one access on CPU c. Returns 0 with *pa set, or an
 * enum hw_fault_kind with *f (may be NULL) describing the fault.
 *
 * The hit path is here so it inlines: one set of the L1 array for base pages,
 * compare keys, test one permission bit. Anything else - a huge page, an L2
 * hit, a miss, a write needing D, a fault - goes to mmu_translate_slow.
 */
static inline int mmu_translate(struct hw_cpu *c, mm_va_t va, enum hw_access_kind kind,
				bool user, mm_pa_t *pa, struct hw_fault *f)
{
	struct tlb_array *t = c->tlb.fast[kind == HW_EXEC];
	uint64_t vpn = va >> c->tlb.shift[TLB_SZ_BASE];
	size_t b = (size_t)(vpn & t->set_mask) * t->ways;
	unsigned need = 1u << (kind * 2 + (user ? 1 : 0));
	for (unsigned w = 0; w < t->ways; w++) {
		if (t->key[b + w] != vpn)
			continue;
		const struct tlb_slot *s = &t->slot[b + w];
		if (s->asid != c->pcid && !(s->flags & TLB_E_GLOBAL))
			continue;
		if (!(s->allow & need))
			return mmu_translate_slow(c, va, kind, user, pa, f, (int)(b + w));
		t->stamp[b + w] = ++t->clock;
		t->hits++;
		c->last = t->level; /* HW_TLB_HIT_L1I or HW_TLB_HIT_L1D */
		*pa = s->pa | (va & c->tlb.page_mask);
		return 0;
	}
	return mmu_translate_slow(c, va, kind, user, pa, f, -1);
}

/*
 * Read (HW_READ, HW_EXEC) or write (HW_WRITE) len bytes at va through the
 * MMU, one translation per base page touched. Returns 0, or a fault kind
 * with *done = bytes copied before the faulting page (the caller handles
 * the fault and calls again from va + *done).
 */
int hw_access(struct hw_cpu *c, mm_va_t va, void *buf, size_t len, enum hw_access_kind kind,
	      bool user, size_t *done, struct hw_fault *f);

/* ---- `show translate`: every step, no side effects ------------------------------ */

struct hw_walk_step {
	unsigned level;      /* 0 = top */
	const char *name;    /* the arch's name: "PGD", "PUD", "PMD", "PTE" */
	unsigned index;      /* index into this level's table */
	mm_pa_t table_pa;    /* table base */
	mm_pa_t entry_pa;    /* table_pa + index * pte_bytes */
	mm_pte_t entry;      /* its value */
	unsigned flags;      /* PTE_F_* decoded by arch_pte_flags */
	bool leaf;           /* the walk ended here (PTE, or a PS leaf) */
};

struct hw_translation {
	mm_va_t va;
	unsigned nr_levels;            /* the arch's levels */
	unsigned index[ARCH_MAX_LEVELS]; /* VA split: per-level index ... */
	uint64_t offset;               /* ... and the offset in the base page */

	/* TLB lookup (as the access would do it, without touching LRU state) */
	uint8_t tlb;                   /* HW_TLB_HIT_L1I/L1D/L2, or HW_TLB_WALK */
	int tlb_array;                 /* array index of the hit, -1 on a miss */
	unsigned tlb_pcid;             /* the CPU's current PCID */
	struct tlb_entry tlb_entry;    /* the entry hit (valid when tlb_array >= 0) */
	bool tlb_allows;               /* the entry allows this access as cached */

	/* the walk (always done, even on a TLB hit, so both can be shown) */
	unsigned nr_steps;
	struct hw_walk_step step[ARCH_MAX_LEVELS];
	unsigned page_shift;           /* size of the page mapped: 12, 21, 22, 30 */
	unsigned eff;                  /* effective TLB_E_WRITE/USER/NX over the levels */
	mm_pa_t pa;                    /* valid when fault.kind == HW_FAULT_NONE */
	struct hw_fault fault;
};

/* Describe how CPU c would translate va for (kind, user): the VA split, the
 * TLB lookup and the walk of the current root. Changes nothing (no A/D bits,
 * no LRU, no counters). Returns 0 or the fault kind the walk would raise. */
int mmu_translate_debug(const struct hw_cpu *c, mm_va_t va, enum hw_access_kind kind, bool user,
			struct hw_translation *t);

/* Names for verbose lines and views. */
const char *hw_fault_kind_name(int kind);     /* "not-present", "protection", ... */
const char *hw_tlb_outcome_name(int outcome); /* "L1d hit", "walk", ... */
/* "P=0 W U" style text of a fault, into buf. */
const char *hw_fault_str(const struct hw_fault *f, char *buf, size_t len);

/* ---- invalidation (tlb.c) --------------------------------------------------------- */

/* invlpg: va's entries (every page size) in the current PCID and global ones. */
void tlb_invlpg(struct hw_cpu *c, mm_va_t va);
/* INVPCID type 0: va's non-global entries of PCID pcid. */
void tlb_invpcid_addr(struct hw_cpu *c, unsigned pcid, mm_va_t va);
/* INVPCID type 1: every non-global entry of PCID pcid. */
void tlb_flush_pcid(struct hw_cpu *c, unsigned pcid);
/* Every non-global entry, all PCIDs (INVPCID type 3; CR3 write without PCID). */
void tlb_flush_nonglobal(struct hw_cpu *c);
/* Everything, globals included (INVPCID type 2; Linux __flush_tlb_all). */
void tlb_flush_all(struct hw_cpu *c);

enum tlb_flush_result { TLB_FLUSHED_PAGES = 0, TLB_FLUSHED_FULL = 1 };

/* A user range [start, end), one invalidation per 1 << stride_shift bytes,
 * unless it spans more than flush_ceiling strides (or end is TLB_FLUSH_ALL):
 * then the current PCID's non-global entries all go, as Linux's
 * flush_tlb_mm_range decides. Returns which happened, or -EINVAL. */
int tlb_flush_range(struct hw_cpu *c, mm_va_t start, mm_va_t end, unsigned stride_shift);
/* A kernel range: base-page invalidations up to the ceiling, beyond it a full
 * flush including global entries (flush_tlb_kernel_range). */
int tlb_flush_kernel_range(struct hw_cpu *c, mm_va_t start, mm_va_t end);

/* Flush a range on every CPU in cpumask (bit i = cpus[i]; bits >= n are
 * ignored): locally on cpus[self] when its bit is set, by IPI elsewhere.
 * kernel selects tlb_flush_kernel_range's rules. Counts one IPI per remote
 * CPU (its stats.shootdowns), and on self ipis_sent and remote_flushes.
 * Returns the number of IPIs sent, or -EINVAL. */
int tlb_shootdown(struct hw_cpu *cpus, unsigned n, unsigned self, uint64_t cpumask,
		  mm_va_t start, mm_va_t end, unsigned stride_shift, bool kernel);

#endif
