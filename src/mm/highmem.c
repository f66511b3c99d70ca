/*
 * highmem.c - kmap, kmap_local and kmap_atomic (Linux's mm/highmem.c).
 *
 * i386 maps only lowmem (the first 896M) at PAGE_OFFSET. To touch a HighMem
 * frame the kernel borrows a virtual page for it, in one of two windows at
 * the top of the address space:
 *
 *   0xC0000000         high_memory  VMALLOC  PKMAP_BASE          FIXADDR  4G
 *   | direct map (lowmem) |  8M gap  |  ...   | LAST_PKMAP slots |  slots |
 *                                               kmap()              kmap_local()
 *
 * PKMAP (kmap/kunmap): LAST_PKMAP page slots (1024; 512 with PAE) shared by
 * all CPUs, each with a use count:
 *
 *   pkmap_count[i]   0  free: PTE clear
 *                    1  mapped but unused: the PTE still points at the old
 *                       page and other CPUs' TLBs may still cache it
 *                   >1  in use by count - 1 holders
 *
 * kmap of a HighMem page already in a slot just takes another reference
 * (page_address finds it through a hash, as Linux's page_address_htable).
 * Otherwise the search for a free slot moves last_pkmap_nr round the area;
 * each time it wraps to 0, flush_all_zero_pkmaps clears every slot whose
 * count is 1 and issues ONE TLB flush for the whole area. That is the trick:
 * kunmap never flushes, one flush per lap of the ring pays for all of them.
 * When every slot is in use Linux sleeps; mmsim returns -EBUSY.
 *
 * kmap_local / kmap_atomic: each CPU owns KM_MAX_IDX fixmap slots used as a
 * stack (nested mappings in interrupts unwind in order). kunmap_local pops
 * the top slot and flushes that one page (flush_tlb_one_kernel). Unmapping
 * out of order is a bug Linux warns about; mmsim reports it the same way.
 *
 * On x86_64 (no HighMem) kmap and kmap_local return page_address(page), the
 * direct-map address, and unmapping does nothing, exactly as Linux does.
 *
 * Page tables for both windows are created at init, as Linux's
 * permanent_kmaps_init and the fixmap setup do, so a kmap never needs memory.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hw/mmu.h"
#include "mm/highmem.h"
#include "mm/internal.h"
#include "mm/vmalloc.h"

/* kmap_prot = PAGE_KERNEL. */
#define KMAP_PROT                                                                    \
	(PTE_F_PRESENT | PTE_F_WRITE | PTE_F_ACCESSED | PTE_F_DIRTY | PTE_F_GLOBAL | \
	 PTE_F_NX)

static mm_va_t pkmap_addr(const struct highmem_state *hs, unsigned nr)
{
	return hs->pkmap_base + ((mm_va_t)nr << hs->page_shift);
}

mm_va_t kmap_local_slot_va(const struct highmem_state *hs, unsigned cpu, unsigned idx)
{
	uint64_t fix = FIX_KMAP_BEGIN + idx + (uint64_t)KM_MAX_IDX * cpu;
	return hs->fixaddr_top - (fix << hs->page_shift);
}

bool PageHighMem(const struct mm_kernel *k, mm_pfn_t pfn)
{
	return k->arch->zone_exists[ZONE_HIGHMEM] && pfn >= k->max_low_pfn && pfn_valid(k, pfn);
}

/* ---- page_address_htable ------------------------------------------------------- */

static unsigned pa_hash(mm_pfn_t pfn)
{
	return (unsigned)((pfn * 0x9E3779B97F4A7C15ULL) >> (64 - PA_HASH_ORDER));
}

static int pa_lookup(const struct highmem_state *hs, mm_pfn_t pfn)
{
	for (int i = hs->pa_head[pa_hash(pfn)]; i >= 0; i = hs->pa_next[i])
		if (hs->pkmap_pfn[i] == pfn)
			return i;
	return -1;
}

static void pa_insert(struct highmem_state *hs, int slot, mm_pfn_t pfn)
{
	unsigned b = pa_hash(pfn);
	hs->pkmap_pfn[slot] = pfn;
	hs->pa_next[slot] = hs->pa_head[b];
	hs->pa_head[b] = slot;
}

static void pa_remove(struct highmem_state *hs, int slot)
{
	int *pp = &hs->pa_head[pa_hash(hs->pkmap_pfn[slot])];
	while (*pp >= 0 && *pp != slot)
		pp = &hs->pa_next[*pp];
	if (*pp == slot)
		*pp = hs->pa_next[slot];
	hs->pa_next[slot] = -1;
}

mm_va_t page_address(const struct mm_kernel *k, mm_pfn_t pfn)
{
	if (!pfn_valid(k, pfn) || k->arch->is_toy)
		return 0;
	if (!PageHighMem(k, pfn))
		return __va(k, (mm_pa_t)pfn << k->page_shift);
	const struct highmem_state *hs = k->highmem;
	int slot = hs ? pa_lookup(hs, pfn) : -1;
	return slot >= 0 ? pkmap_addr(hs, (unsigned)slot) : 0;
}

/* ---- PKMAP ------------------------------------------------------------------------ */

static void set_kernel_pte(struct mm_kernel *k, mm_va_t va, mm_pfn_t pfn)
{
	/* The table exists (highmem_init), so this cannot fail for memory. */
	pgtable_map_range(k, k->kernel_pgd_pa, va, (mm_pa_t)pfn << k->page_shift, k->page_size,
			  k->page_size, KMAP_PROT);
}

static void flush_all_zero_pkmaps(struct mm_kernel *k)
{
	struct highmem_state *hs = k->highmem;
	bool need_flush = false;
	for (unsigned i = 0; i < hs->last_pkmap; i++) {
		if (hs->pkmap_count[i] != 1)
			continue;
		hs->pkmap_count[i] = 0;
		pgtable_unmap_range(k, k->kernel_pgd_pa, pkmap_addr(hs, i), k->page_size);
		pa_remove(hs, (int)i);
		need_flush = true;
	}
	if (need_flush) {
		hs->nr_pkmap_flushes++;
		kernel_tlb_flush_range(k, pkmap_addr(hs, 0), pkmap_addr(hs, hs->last_pkmap));
	}
}

/* A free slot for pfn, mapped; -EBUSY when all are in use. */
static int map_new_virtual(struct mm_kernel *k, mm_pfn_t pfn)
{
	struct highmem_state *hs = k->highmem;
	unsigned count = hs->last_pkmap;
	for (;;) {
		hs->last_pkmap_nr = (hs->last_pkmap_nr + 1) & (hs->last_pkmap - 1);
		if (hs->last_pkmap_nr == 0) {
			flush_all_zero_pkmaps(k);
			count = hs->last_pkmap;
		}
		if (!hs->pkmap_count[hs->last_pkmap_nr])
			break;
		if (--count)
			continue;
		/* Linux sleeps on pkmap_map_wait until a kunmap frees a slot. */
		return -EBUSY;
	}
	unsigned nr = hs->last_pkmap_nr;
	set_kernel_pte(k, pkmap_addr(hs, nr), pfn);
	hs->pkmap_count[nr] = 1;
	pa_insert(hs, (int)nr, pfn);
	return (int)nr;
}

int kmap(struct mm_kernel *k, mm_pfn_t pfn, mm_va_t *va)
{
	struct highmem_state *hs = k->highmem;
	if (!hs || !pfn_valid(k, pfn)) {
		snprintf(k->last_error, sizeof(k->last_error), "kmap: pfn 0x%" PRIx64 " is not RAM", pfn);
		return -EINVAL;
	}
	hs->nr_kmap++;
	if (!PageHighMem(k, pfn)) {
		*va = page_address(k, pfn);
		return 0;
	}
	hs->nr_kmap_high++;
	int slot = pa_lookup(hs, pfn);
	if (slot < 0) {
		slot = map_new_virtual(k, pfn);
		if (slot < 0) {
			snprintf(k->last_error, sizeof(k->last_error),
				 "kmap: all LAST_PKMAP (%u) entries in use", hs->last_pkmap);
			return slot;
		}
	}
	hs->pkmap_count[slot]++;
	*va = pkmap_addr(hs, (unsigned)slot);
	if (k->debug_checks)
		highmem_check(k);
	return 0;
}

int kunmap(struct mm_kernel *k, mm_pfn_t pfn)
{
	struct highmem_state *hs = k->highmem;
	if (!hs || !pfn_valid(k, pfn)) {
		snprintf(k->last_error, sizeof(k->last_error), "kunmap: pfn 0x%" PRIx64 " is not RAM", pfn);
		return -EINVAL;
	}
	if (!PageHighMem(k, pfn))
		return 0;
	int slot = pa_lookup(hs, pfn);
	/* count 1 means mapped but not held: Linux hits BUG() decrementing to 0. */
	if (slot < 0 || hs->pkmap_count[slot] < 2) {
		snprintf(k->last_error, sizeof(k->last_error), "kunmap: pfn 0x%" PRIx64 " is not kmapped",
			 pfn);
		return -EINVAL;
	}
	/* No flush: the slot stays mapped at count 1 until the ring wraps. */
	hs->pkmap_count[slot]--;
	hs->nr_kunmap++;
	return 0;
}

unsigned pkmap_slots_in_use(const struct highmem_state *hs)
{
	unsigned n = 0;
	for (unsigned i = 0; hs && i < hs->last_pkmap; i++)
		n += hs->pkmap_count[i] > 1;
	return n;
}

unsigned pkmap_slots_mapped(const struct highmem_state *hs)
{
	unsigned n = 0;
	for (unsigned i = 0; hs && i < hs->last_pkmap; i++)
		n += hs->pkmap_count[i] > 0;
	return n;
}

/* ---- kmap_local / kmap_atomic --------------------------------------------------------- */

int kmap_local(struct mm_kernel *k, unsigned cpu, mm_pfn_t pfn, mm_va_t *va)
{
	struct highmem_state *hs = k->highmem;
	if (!hs || !pfn_valid(k, pfn) || cpu >= k->nr_cpus) {
		snprintf(k->last_error, sizeof(k->last_error), "kmap_local: bad pfn 0x%" PRIx64 " or cpu %u",
			 pfn, cpu);
		return -EINVAL;
	}
	hs->nr_kmap_local++;
	if (!PageHighMem(k, pfn)) {
		*va = page_address(k, pfn);
		return 0;
	}
	struct kmap_ctrl *kc = &hs->ctrl[cpu];
	if (kc->idx >= KM_MAX_IDX) {
		snprintf(k->last_error, sizeof(k->last_error),
			 "kmap_local: all %d slots of CPU %u are in use (Linux: BUG)", KM_MAX_IDX, cpu);
		return -ENOSPC;
	}
	mm_va_t slot = kmap_local_slot_va(hs, cpu, (unsigned)kc->idx);
	if (slot < hs->fixaddr_start) {
		snprintf(k->last_error, sizeof(k->last_error),
			 "kmap_local: CPU %u's slot %d lies below FIXADDR_START", cpu, kc->idx);
		return -ENOSPC;
	}
	set_kernel_pte(k, slot, pfn);
	kc->pfn[kc->idx++] = pfn;
	hs->nr_kmap_local_high++;
	*va = slot;
	return 0;
}

int kunmap_local(struct mm_kernel *k, unsigned cpu, mm_va_t va)
{
	struct highmem_state *hs = k->highmem;
	if (!hs || cpu >= k->nr_cpus || !arch_va_canonical(k->arch, va)) {
		snprintf(k->last_error, sizeof(k->last_error), "kunmap_local: bad cpu %u or address 0x%" PRIx64,
			 cpu, va);
		return -EINVAL;
	}
	mm_va_t page_va = va & ~(k->page_size - 1);
	/* The fixmap kmap range of all CPUs: anything else is a lowmem address. */
	mm_va_t lo = kmap_local_slot_va(hs, k->nr_cpus - 1, KM_MAX_IDX - 1);
	mm_va_t hi = kmap_local_slot_va(hs, 0, 0);
	if (!hs->has_highmem || page_va < lo || page_va > hi) {
		if (va < k->arch->page_offset) {
			printk(k, "WARNING: CPU: %u PID: 0 at mm/highmem.c kunmap_local_indexed: "
				  "0x%" PRIx64 " is no kernel address", cpu, va);
			snprintf(k->last_error, sizeof(k->last_error),
				 "kunmap_local: 0x%" PRIx64 " is not a kmap_local address", va);
			return -EINVAL;
		}
		hs->nr_kunmap_local++;
		return 0;
	}
	struct kmap_ctrl *kc = &hs->ctrl[cpu];
	if (kc->idx == 0) {
		snprintf(k->last_error, sizeof(k->last_error),
			 "kunmap_local: CPU %u has no kmap_local mapping", cpu);
		return -EINVAL;
	}
	int idx = kc->idx - 1;
	mm_va_t top = kmap_local_slot_va(hs, cpu, (unsigned)idx);
	int rc = 0;
	if (page_va != top) {
		/* Linux: WARN_ON_ONCE(addr != __fix_to_virt(FIX_KMAP_BEGIN + idx)),
		 * then it clears the top slot regardless. */
		hs->nr_local_violations++;
		printk(k, "WARNING: CPU: %u PID: 0 at mm/highmem.c kunmap_local_indexed: "
			  "unmapping 0x%" PRIx64 " but the most recent kmap_local is 0x%" PRIx64,
		       cpu, page_va, top);
		snprintf(k->last_error, sizeof(k->last_error),
			 "kunmap_local: 0x%" PRIx64 " is not the most recent kmap_local of CPU %u (0x%" PRIx64
			 " is): unmapped that one instead, as Linux does", page_va, cpu, top);
		rc = -EINVAL;
	}
	pgtable_unmap_range(k, k->kernel_pgd_pa, top, k->page_size);
	/* arch_kmap_local_post_unmap on x86: flush_tlb_one_kernel(addr), on this
	 * CPU only: no other CPU ever used its kmap_local slots. */
	hs->nr_local_flushes++;
	if (k->cpus)
		tlb_invlpg(&k->cpus[cpu], top);
	kc->pfn[idx] = 0;
	kc->idx--;
	hs->nr_kunmap_local++;
	if (k->debug_checks)
		highmem_check(k);
	return rc;
}

/* ---- checker ---------------------------------------------------------------------------- */

static bool kernel_pte_maps(const struct mm_kernel *k, mm_va_t va, mm_pfn_t *pfn)
{
	struct pgtable_walk w;
	pgtable_walk(k, k->kernel_pgd_pa, va, &w);
	if (w.mapped)
		*pfn = w.pa >> k->page_shift;
	return w.mapped;
}

bool highmem_check(const struct mm_kernel *k)
{
	const struct highmem_state *hs = k->highmem;
	bool ok = true;
	if (!hs || !hs->has_highmem)
		return true;
	for (unsigned i = 0; i < hs->last_pkmap; i++) {
		mm_pfn_t pfn = 0;
		bool mapped = kernel_pte_maps(k, pkmap_addr(hs, i), &pfn);
		int c = hs->pkmap_count[i];
		if (c < 0 || (c > 0) != mapped || (c > 0 && pfn != hs->pkmap_pfn[i])) {
			fprintf(stderr, "highmem_check: pkmap slot %u: count %d, pte %s pfn 0x%" PRIx64
				", recorded 0x%" PRIx64 "\n", i, c, mapped ? "maps" : "clear", pfn,
				hs->pkmap_pfn[i]);
			ok = false;
		}
		if (c > 0 && pa_lookup(hs, hs->pkmap_pfn[i]) != (int)i) {
			fprintf(stderr, "highmem_check: pkmap slot %u not in page_address hash\n", i);
			ok = false;
		}
	}
	for (unsigned cpu = 0; cpu < k->nr_cpus; cpu++) {
		const struct kmap_ctrl *kc = &hs->ctrl[cpu];
		for (int idx = 0; idx < KM_MAX_IDX; idx++) {
			mm_va_t va = kmap_local_slot_va(hs, cpu, (unsigned)idx);
			if (va < hs->fixaddr_start)
				break;
			mm_pfn_t pfn = 0;
			bool mapped = kernel_pte_maps(k, va, &pfn);
			bool want = idx < kc->idx;
			if (mapped != want || (want && pfn != kc->pfn[idx])) {
				fprintf(stderr, "highmem_check: cpu %u kmap_local slot %d: %s, stack depth %d\n",
					cpu, idx, mapped ? "mapped" : "clear", kc->idx);
				ok = false;
			}
		}
	}
	return ok;
}

/* ---- init / fini -------------------------------------------------------------------------- */

/* Make sure the PTE table covering va exists (map and unmap one page). */
static int populate_table(struct mm_kernel *k, mm_va_t va)
{
	struct pgtable_walk w;
	pgtable_walk(k, k->kernel_pgd_pa, va, &w);
	if (w.nr_steps == k->arch->nr_levels)
		return 0; /* the walk reached the last level: the table is there */
	int err = pgtable_map_range(k, k->kernel_pgd_pa, va, 0, k->page_size, k->page_size, KMAP_PROT);
	pgtable_unmap_range(k, k->kernel_pgd_pa, va, k->page_size);
	return err;
}

int highmem_init(struct mm_kernel *k)
{
	const struct arch_profile *a = k->arch;
	if (k->highmem || a->is_toy || !k->kernel_pgd_pa)
		return 0; /* already up, or no kernel address space */
	struct highmem_state *hs = calloc(1, sizeof(*hs));
	if (!hs)
		return -ENOMEM;
	hs->ctrl = calloc(k->nr_cpus, sizeof(*hs->ctrl));
	if (!hs->ctrl) {
		free(hs);
		return -ENOMEM;
	}
	memset(hs->pa_head, -1, sizeof(hs->pa_head));
	hs->page_shift = k->page_shift;
	k->highmem = hs;
	hs->has_highmem = a->zone_exists[ZONE_HIGHMEM] && a->last_pkmap && a->fixaddr_top;
	if (!hs->has_highmem)
		return 0;
	hs->last_pkmap = a->last_pkmap;
	hs->pkmap_base = a->pkmap_base;
	hs->fixaddr_top = a->fixaddr_top;
	hs->fixaddr_start = a->fixaddr_start;
	hs->pkmap_count = calloc(hs->last_pkmap, sizeof(int));
	hs->pkmap_pfn = calloc(hs->last_pkmap, sizeof(mm_pfn_t));
	hs->pa_next = malloc(hs->last_pkmap * sizeof(int));
	if (!hs->pkmap_count || !hs->pkmap_pfn || !hs->pa_next) {
		highmem_fini(k);
		return -ENOMEM;
	}
	memset(hs->pa_next, -1, hs->last_pkmap * sizeof(int));
	int err = 0;
	for (unsigned i = 0; !err && i < hs->last_pkmap; i += 512)
		err = populate_table(k, pkmap_addr(hs, i));
	for (unsigned cpu = 0; !err && cpu < k->nr_cpus; cpu++) {
		for (unsigned idx = 0; !err && idx < KM_MAX_IDX; idx++) {
			mm_va_t va = kmap_local_slot_va(hs, cpu, idx);
			if (va >= hs->fixaddr_start)
				err = populate_table(k, va);
		}
	}
	if (err) {
		highmem_fini(k);
		return err;
	}
	return 0;
}

void highmem_fini(struct mm_kernel *k)
{
	struct highmem_state *hs = k->highmem;
	if (!hs)
		return;
	free(hs->pkmap_count);
	free(hs->pkmap_pfn);
	free(hs->pa_next);
	free(hs->ctrl);
	free(hs);
	k->highmem = NULL;
}
