/*
 * cpu.c - the CPUs of a machine: set-up, CR3 writes, counters.
 *
 *   hw_cpus_init(cpus, n, arch, ram, cfg)
 *     for each CPU:  decode the PTE format  ->  size-class shifts  ->  TLB arrays
 *
 *   size classes from the arch's levels (n = nr_levels):
 *     base  = page_shift                       4K (toy: its page)
 *     PMD   = level[n-2].shift if PS allowed    2M (x86_64, PAE), 4M (i386)
 *     PUD   = level[n-3].shift if PS allowed    1G (x86_64)
 *
 * The PTE format is read off the arch helper once (arch_pte_encode of each
 * flag alone gives its bit; of an all-ones PFN, the PFN field), so the walk
 * tests masks and never loops over a flag table. hw_cpu_check compares that
 * decoding with arch_pte_flags/arch_pte_pfn, so the two can never drift.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "hw/mmu.h"

/* Bits [lo, hi) of a 64-bit word. */
static mm_pte_t bits_range(unsigned lo, unsigned hi)
{
	if (hi <= lo)
		return 0;
	mm_pte_t upto = hi >= 64 ? ~0ULL : (1ULL << hi) - 1;
	return upto & ~((1ULL << lo) - 1);
}

static int pte_format_init(struct hw_pte_format *f, const struct arch_profile *a)
{
	memset(f, 0, sizeof(*f));
	if (a->pte_bytes != 4 && a->pte_bytes != 8)
		return -EINVAL;
	f->pte_bytes = a->pte_bytes;
	f->p = arch_pte_encode(a, 0, PTE_F_PRESENT);
	f->rw = arch_pte_encode(a, 0, PTE_F_WRITE);
	f->us = arch_pte_encode(a, 0, PTE_F_USER);
	f->a = arch_pte_encode(a, 0, PTE_F_ACCESSED);
	f->d = arch_pte_encode(a, 0, PTE_F_DIRTY);
	f->ps = arch_pte_encode(a, 0, PTE_F_HUGE);
	f->g = arch_pte_encode(a, 0, PTE_F_GLOBAL);
	f->nx = a->has_nx ? arch_pte_encode(a, 0, PTE_F_NX) : 0;
	f->pfn_mask = arch_pte_encode(a, ~0ULL, 0);
	if (!f->p || !f->pfn_mask)
		return -EINVAL;
	f->pfn_shift = (unsigned)__builtin_ctzll(f->pfn_mask);
	if (arch_pte_pfn(a, 1ULL << f->pfn_shift) != 1)
		return -EINVAL; /* the PFN field is not one contiguous run */
	/* 64-bit entries: bits above the PFN field up to bit 51 must be 0 (bits
	 * 52-62 are ignored, available to software); in PAE entries every bit
	 * from MAXPHYADDR to 62 is reserved. 32-bit entries have none. */
	f->pae = a->pte_bytes == 8 && a->va_bits <= 32;
	if (a->pte_bytes == 8) {
		unsigned pfn_top = 64 - (unsigned)__builtin_clzll(f->pfn_mask);
		f->rsvd = bits_range(pfn_top, f->pae ? 63 : 52);
	}
	f->pat_in_huge = !a->is_toy;
	f->nr_levels = a->nr_levels;
	f->page_shift = a->page_shift;
	for (unsigned l = 0; l < a->nr_levels; l++) {
		if (a->level[l].shift + a->level[l].bits > 64 || a->level[l].bits == 0)
			return -EINVAL;
		f->lvl_shift[l] = (uint8_t)a->level[l].shift;
		f->lvl_mask[l] = (1ULL << a->level[l].bits) - 1;
		if (a->level[l].huge_leaf_ok && l + 1 < a->nr_levels)
			f->huge_ok |= (uint8_t)(1u << l);
	}
	if (a->va_bits == 0 || a->va_bits > 64)
		return -EINVAL;
	f->canon_shift = (uint8_t)(64 - a->va_bits);
	/* the same rule as arch_va_canonical: sign-extended when the kernel
	 * lives in the top half */
	f->canon_signed = a->va_bits < 64 && (a->page_offset >> 63);
	return 0;
}

static void size_shifts(const struct arch_profile *a, unsigned shift[TLB_NR_SIZES])
{
	unsigned n = a->nr_levels;
	shift[TLB_SZ_BASE] = a->page_shift;
	shift[TLB_SZ_PMD] = n >= 2 && a->level[n - 2].huge_leaf_ok ? a->level[n - 2].shift : 0;
	shift[TLB_SZ_PUD] = n >= 3 && a->level[n - 3].huge_leaf_ok ? a->level[n - 3].shift : 0;
}

int hw_cpus_init(struct hw_cpu *cpus, unsigned n, const struct arch_profile *a,
		 struct phys_ram *ram, const struct hw_tlb_config *cfg)
{
	struct hw_tlb_config def;
	if (!cpus || !a || !ram || n == 0 || n > HW_MAX_CPUS)
		return -EINVAL;
	if (a->nr_levels == 0 || a->nr_levels > ARCH_MAX_LEVELS || a->page_shift < 2 ||
	    ram->bytes < a->pte_bytes)
		return -EINVAL;
	if (!cfg) {
		hw_tlb_config_default(&def);
		cfg = &def;
	}
	unsigned shift[TLB_NR_SIZES];
	size_shifts(a, shift);
	for (unsigned i = 0; i < n; i++) {
		struct hw_cpu *c = &cpus[i];
		memset(c, 0, sizeof(*c));
		c->id = i;
		c->arch = a;
		c->ram = ram;
		c->pcid_enabled = cfg->pcid;
		c->last = HW_TLB_NONE;
		int err = pte_format_init(&c->fmt, a);
		if (!err)
			err = hw_tlb_init(&c->tlb, cfg, shift);
		if (err) {
			hw_cpus_fini(cpus, i + 1);
			return err;
		}
	}
	return 0;
}

void hw_cpus_fini(struct hw_cpu *cpus, unsigned n)
{
	if (!cpus)
		return;
	for (unsigned i = 0; i < n; i++)
		hw_tlb_fini(&cpus[i].tlb);
}

int hw_cpu_write_cr3(struct hw_cpu *c, mm_pa_t root_pa, unsigned pcid, bool noflush)
{
	const struct arch_profile *a = c->arch;
	uint64_t root_bytes = (uint64_t)arch_table_entries(a, 0) * a->pte_bytes;
	if (root_pa % a->pte_bytes || !phys_valid(c->ram, root_pa, root_bytes))
		return -EINVAL;
	if (c->pcid_enabled && pcid > HW_PCID_MAX)
		return -EINVAL;
	c->cr3 = root_pa;
	c->stats.cr3_writes++;
	if (!c->pcid_enabled) {
		/* Without PCID every CR3 write drops all non-global entries. */
		c->pcid = 0;
		c->stats.cr3_flushes++;
		tlb_invalidate_scope(&c->tlb, TLB_SCOPE_NONGLOBAL, 0);
		return 0;
	}
	/* With PCID the entries of other address spaces stay; bit 63 clear
	 * (no NOFLUSH) drops those of the PCID being loaded. */
	c->pcid = (uint16_t)pcid;
	if (!noflush) {
		c->stats.cr3_flushes++;
		tlb_invalidate_scope(&c->tlb, TLB_SCOPE_PCID, pcid);
	}
	return 0;
}

uint64_t hw_cpu_hits(const struct hw_cpu *c, enum tlb_level level)
{
	uint64_t n = 0;
	for (unsigned i = 0; i < c->tlb.nr_arrays; i++)
		if (c->tlb.arr[i].level == level)
			n += c->tlb.arr[i].hits;
	return n;
}

uint64_t hw_cpu_total_hits(const struct hw_cpu *c)
{
	uint64_t n = 0;
	for (unsigned i = 0; i < c->tlb.nr_arrays; i++)
		n += c->tlb.arr[i].hits;
	return n;
}

void hw_cpu_stats_reset(struct hw_cpu *c)
{
	memset(&c->stats, 0, sizeof(c->stats));
	for (unsigned i = 0; i < c->tlb.nr_arrays; i++) {
		c->tlb.arr[i].hits = 0;
		c->tlb.arr[i].fills = 0;
		c->tlb.arr[i].evictions = 0;
	}
}

bool hw_cpu_check(const struct hw_cpu *c)
{
	bool ok = tlb_check(&c->tlb);
	const struct arch_profile *a = c->arch;
	if (!c->pcid_enabled && c->pcid) {
		fprintf(stderr, "hw_cpu_check: cpu%u: PCID %u with PCID off\n", c->id, c->pcid);
		ok = false;
	}
	if (c->stats.walks < c->stats.misses) {
		fprintf(stderr, "hw_cpu_check: cpu%u: %llu walks < %llu misses\n", c->id,
			(unsigned long long)c->stats.walks, (unsigned long long)c->stats.misses);
		ok = false;
	}
	/* The mask decoding agrees with the arch helper's own decoder. */
	const struct hw_pte_format *f = &c->fmt;
	const struct { mm_pte_t mask; unsigned flag; } bits[] = {
		{ f->p, PTE_F_PRESENT }, { f->rw, PTE_F_WRITE }, { f->us, PTE_F_USER },
		{ f->a, PTE_F_ACCESSED }, { f->d, PTE_F_DIRTY }, { f->ps, PTE_F_HUGE },
		{ f->g, PTE_F_GLOBAL },  { f->nx, PTE_F_NX },
	};
	for (size_t i = 0; i < MM_ARRAY_SIZE(bits); i++) {
		if (bits[i].mask && arch_pte_flags(a, bits[i].mask) != bits[i].flag) {
			fprintf(stderr, "hw_cpu_check: cpu%u: PTE bit 0x%llx decodes as 0x%x, want 0x%x\n",
				c->id, (unsigned long long)bits[i].mask, arch_pte_flags(a, bits[i].mask),
				bits[i].flag);
			ok = false;
		}
	}
	return ok;
}
