/*
 * highmem_test.c - kmap through PKMAP, kmap_local through the fixmap, and
 * x86_64's direct-map shortcut.
 *
 * Worked layout (i386, 2G RAM, no PAE; arch/i386.c): lowmem ends at 896M,
 * so HighMem starts at pfn 0x38000. PKMAP_BASE = 0xFF400000 with
 * LAST_PKMAP = 1024 slots of 4K; slot n is at 0xFF400000 + n * 0x1000. The
 * slot search starts after last_pkmap_nr = 0, so the first kmap takes
 * slot 1 and slot 0 is reached only when the ring wraps. The fixmap top is
 * 0xFFFFF000; CPU c's kmap_local slot i is fixmap index 1 + i + 16c, at
 * 0xFFFFF000 - (1 + i + 16c) * 0x1000.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>

#include "mm/highmem.h"
#include "mm/internal.h"
#include "mm/vmalloc.h"
#include "sim/machine.h"
#include "test.h"

#define PKMAP_BASE_I386 0xFF400000ULL
#define HIGHMEM_PFN 0x38000ULL

static struct mm_machine *boot(const char *arch, uint64_t ram, unsigned cpus)
{
	return test_boot(arch, ram, cpus, 0);
}

static mm_pfn_t high_page(struct mm_kernel *k)
{
	struct page *p = alloc_pages(k, GFP_HIGHUSER, 0);
	return p ? page_to_pfn(k, p) : 0;
}

static bool kernel_maps(struct mm_kernel *k, mm_va_t va, mm_pfn_t pfn)
{
	struct pgtable_walk w;
	pgtable_walk(k, k->kernel_pgd_pa, va, &w);
	return w.mapped && (w.pa >> 12) == pfn;
}

TEST(lowmem_kmap_uses_no_slot)
{
	struct mm_machine *m = boot("i386", 2 * MM_GB, 1);
	struct mm_kernel *k = &m->k;
	mm_pfn_t low = page_to_pfn(k, alloc_pages(k, GFP_KERNEL, 0));
	CHECK(low < HIGHMEM_PFN && !PageHighMem(k, low));
	mm_va_t va = 0;
	CHECK_EQ(kmap(k, low, &va), 0);
	CHECK_EQ(va, 0xC0000000ULL + (low << 12)); /* its direct-map address */
	CHECK_EQ(pkmap_slots_mapped(k->highmem), 0);
	CHECK_EQ(k->highmem->nr_kmap_high, 0);
	CHECK_EQ(kunmap(k, low), 0);
	mm_machine_destroy(m);
}

TEST(highmem_kmap_takes_a_counted_slot)
{
	struct mm_machine *m = boot("i386", 2 * MM_GB, 1);
	struct mm_kernel *k = &m->k;
	struct highmem_state *hs = k->highmem;
	CHECK_EQ(hs->pkmap_base, PKMAP_BASE_I386);
	CHECK_EQ(hs->last_pkmap, 1024);
	mm_pfn_t p = high_page(k);
	CHECK(p >= HIGHMEM_PFN && PageHighMem(k, p));
	CHECK_EQ(page_address(k, p), 0); /* no kernel address until kmapped */
	mm_va_t va = 0, va2 = 0;
	CHECK_EQ(kmap(k, p, &va), 0);
	CHECK_EQ(va, PKMAP_BASE_I386 + 0x1000); /* slot 1 */
	CHECK_EQ(hs->pkmap_count[1], 2);        /* 1 = mapped, +1 holder */
	CHECK(kernel_maps(k, va, p));
	CHECK_EQ(page_address(k, p), va);
	/* A second kmap of the same page shares the slot. */
	CHECK_EQ(kmap(k, p, &va2), 0);
	CHECK_EQ(va2, va);
	CHECK_EQ(hs->pkmap_count[1], 3);
	CHECK_EQ(kunmap(k, p), 0);
	CHECK_EQ(kunmap(k, p), 0);
	/* Unused but still mapped: count 1, PTE kept until the ring wraps. */
	CHECK_EQ(hs->pkmap_count[1], 1);
	CHECK(kernel_maps(k, va, p));
	CHECK_EQ(kunmap(k, p), (uint64_t)-EINVAL); /* no reference left */
	CHECK(highmem_check(k));
	mm_machine_destroy(m);
}

TEST(pkmap_wrap_flushes_once)
{
	struct mm_machine *m = boot("i386", 2 * MM_GB, 1);
	struct mm_kernel *k = &m->k;
	struct highmem_state *hs = k->highmem;
	/* LAST_PKMAP + 1 = 1025 distinct HighMem pages, each kmapped and
	 * kunmapped at once. Pages 1..1023 take slots 1..1023 and leave them
	 * at count 1. Page 1024 moves last_pkmap_nr to 0: flush_all_zero_pkmaps
	 * clears the 1023 stale slots with ONE TLB flush and the page takes slot
	 * 0. Page 1025 takes slot 1 again, without a flush. */
	uint64_t tlb = k->vmalloc->nr_tlb_flushes;
	mm_va_t va = 0;
	for (unsigned i = 1; i <= 1025; i++) {
		mm_pfn_t p = high_page(k);
		CHECK_EQ(kmap(k, p, &va), 0);
		if (i == 1023) {
			CHECK_EQ(hs->nr_pkmap_flushes, 0);
			CHECK_EQ(pkmap_slots_mapped(hs), 1023);
		}
		if (i == 1024) {
			CHECK_EQ(va, PKMAP_BASE_I386); /* slot 0 */
			CHECK_EQ(hs->nr_pkmap_flushes, 1);
			CHECK_EQ(pkmap_slots_mapped(hs), 1); /* only the new one */
		}
		if (i == 1025)
			CHECK_EQ(va, PKMAP_BASE_I386 + 0x1000);
		CHECK_EQ(kunmap(k, p), 0);
	}
	CHECK_EQ(hs->nr_pkmap_flushes, 1);
	CHECK_EQ(k->vmalloc->nr_tlb_flushes, tlb + 1);
	CHECK(highmem_check(k));
	mm_machine_destroy(m);
}

TEST(pkmap_full_fails_like_a_sleep)
{
	struct mm_machine *m = boot("i386", 2 * MM_GB, 1);
	struct mm_kernel *k = &m->k;
	struct highmem_state *hs = k->highmem;
	/* 1024 kmaps held: slots 1..1023, then slot 0 at the wrap (the flush
	 * finds no count-1 slot, so no TLB flush). The 1025th has no slot. */
	mm_va_t va;
	for (unsigned i = 0; i < 1024; i++)
		CHECK_EQ(kmap(k, high_page(k), &va), 0);
	CHECK_EQ(pkmap_slots_in_use(hs), 1024);
	CHECK_EQ(hs->nr_pkmap_flushes, 0);
	CHECK_EQ(kmap(k, high_page(k), &va), (uint64_t)-EBUSY);
	CHECK(strstr(k->last_error, "all LAST_PKMAP") != NULL);
	mm_machine_destroy(m);
}

TEST(kmap_local_is_a_stack)
{
	struct mm_machine *m = boot("i386", 2 * MM_GB, 2);
	struct mm_kernel *k = &m->k;
	struct highmem_state *hs = k->highmem;
	mm_pfn_t a = high_page(k), b = high_page(k), c = high_page(k);
	mm_va_t va_a, va_b, va_c;
	CHECK_EQ(kmap_local(k, 0, a, &va_a), 0);
	CHECK_EQ(kmap_local(k, 0, b, &va_b), 0);
	CHECK_EQ(va_a, 0xFFFFE000ULL); /* fixmap index 1 */
	CHECK_EQ(va_b, 0xFFFFD000ULL); /* index 2 */
	CHECK(kernel_maps(k, va_a, a) && kernel_maps(k, va_b, b));
	/* CPU 1's first slot: index 1 + 16 = 17. */
	CHECK_EQ(kmap_local(k, 1, c, &va_c), 0);
	CHECK_EQ(va_c, 0xFFFFF000ULL - 17 * 0x1000);
	/* In order: b then a, one single-page flush each. */
	CHECK_EQ(kunmap_local(k, 0, va_b + 12), 0);
	CHECK_EQ(kunmap_local(k, 0, va_a), 0);
	CHECK_EQ(hs->nr_local_flushes, 2);
	CHECK(!kernel_maps(k, va_a, a) && !kernel_maps(k, va_b, b));
	/* Out of order: unmapping a while b is on top is reported, and (as in
	 * Linux) the top slot, b's, is the one cleared. */
	kmap_local(k, 0, a, &va_a);
	kmap_local(k, 0, b, &va_b);
	CHECK_EQ(kunmap_local(k, 0, va_a), (uint64_t)-EINVAL);
	CHECK_EQ(hs->nr_local_violations, 1);
	CHECK(!kernel_maps(k, va_b, b));
	CHECK(kernel_maps(k, va_a, a));
	CHECK_EQ(hs->ctrl[0].idx, 1);
	CHECK_EQ(kunmap_local(k, 0, va_a), 0);
	CHECK_EQ(kunmap_local(k, 0, va_a), (uint64_t)-EINVAL); /* nothing left */
	CHECK_EQ(kunmap_local(k, 1, va_c), 0);
	/* A lowmem page needs no slot; unmapping its address is a no-op. */
	mm_pfn_t low = page_to_pfn(k, alloc_pages(k, GFP_KERNEL, 0));
	mm_va_t va_low;
	CHECK_EQ(kmap_local(k, 0, low, &va_low), 0);
	CHECK_EQ(va_low, 0xC0000000ULL + (low << 12));
	CHECK_EQ(hs->ctrl[0].idx, 0);
	CHECK_EQ(kunmap_local(k, 0, va_low), 0);
	/* 16 slots per CPU: the 17th nested map has none. */
	for (int i = 0; i < KM_MAX_IDX; i++)
		CHECK_EQ(kmap_local(k, 0, a, &va_a), 0);
	CHECK_EQ(kmap_local(k, 0, a, &va_a), (uint64_t)-ENOSPC);
	CHECK(highmem_check(k));
	mm_machine_destroy(m);
}

TEST(pae_has_512_slots)
{
	struct mm_machine *m = boot("i386-pae", 2 * MM_GB, 1);
	struct highmem_state *hs = m->k.highmem;
	/* PAE: LAST_PKMAP = 512, PKMAP_BASE = 0xFF800000 (arch/i386.c). */
	CHECK_EQ(hs->last_pkmap, 512);
	CHECK_EQ(hs->pkmap_base, 0xFF800000ULL);
	mm_va_t va;
	mm_pfn_t p = high_page(&m->k);
	CHECK_EQ(kmap(&m->k, p, &va), 0);
	CHECK_EQ(va, 0xFF801000ULL);
	CHECK(kernel_maps(&m->k, va, p));
	mm_machine_destroy(m);
}

TEST(x86_64_kmap_is_page_address)
{
	struct mm_machine *m = boot("x86_64", 128 * MM_MB, 1);
	struct mm_kernel *k = &m->k;
	mm_pfn_t p = page_to_pfn(k, alloc_pages(k, GFP_HIGHUSER, 0));
	mm_va_t va, lva;
	CHECK_EQ(kmap(k, p, &va), 0);
	CHECK_EQ(va, 0xffff888000000000ULL + (p << 12));
	CHECK_EQ(kmap_local(k, 0, p, &lva), 0);
	CHECK_EQ(lva, va);
	CHECK_EQ(kunmap_local(k, 0, lva), 0);
	CHECK_EQ(kunmap(k, p), 0);
	CHECK_EQ(k->highmem->nr_kmap_high, 0);
	mm_machine_destroy(m);
}

int main(void)
{
	RUN(lowmem_kmap_uses_no_slot);
	RUN(highmem_kmap_takes_a_counted_slot);
	RUN(pkmap_wrap_flushes_once);
	RUN(pkmap_full_fails_like_a_sleep);
	RUN(kmap_local_is_a_stack);
	RUN(pae_has_512_slots);
	RUN(x86_64_kmap_is_page_address);
	return test_summary();
}
