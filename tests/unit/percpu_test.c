/*
 * percpu_test.c - the per-CPU allocator: unit sizes, the first chunk,
 * allocation offsets, a second chunk from vmalloc space, meminfo Percpu.
 *
 * Worked first chunk (x86_64): static s = 225280, reserved r = 8192,
 * dynamic d = 28672; size_sum = 262144 (64 pages). Atoms are 2M, so
 * min_unit = 256K gives up to 8 units per atom; pcpu_build_alloc_info takes
 * the most units per atom that waste at most ncpus/3 units:
 *
 *   cpus 1: 8,4,2 waste > 0      -> upa 1, u = 2M,   nr_units 1
 *   cpus 2: 8,4 waste > 0        -> upa 2, u = 1M,   nr_units 2
 *   cpus 3: 8 wastes 5 > 1, 4 wastes 1 <= 1 -> upa 4, u = 512K, nr_units 4
 *   cpus 8: upa 8, u = 256K, nr_units 8
 *
 * meminfo Percpu = 64 populated pages * nr_units * 4K (Linux counts the
 * unused fourth unit of a 3-CPU machine too). i386: s = 94208, r = 8192,
 * d = 20480, size_sum = u = 122880 (30 pages; PAGE_SIZE atoms).
 *
 * The dynamic area of unit 0 starts at s + r = 233472 = page 57, and runs
 * to 262144: pages 57..63, 7 empty populated pages at boot.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>

#include "mm/internal.h"
#include "mm/percpu.h"
#include "mm/vmalloc.h"
#include "sim/machine.h"
#include "fixtures.h"
#include "test.h"

static struct mm_machine *boot(const char *arch, uint64_t ram, unsigned cpus)
{
	return test_boot(arch, ram, cpus, 0);
}

/* Host pointer to kernel VA va (through the kernel page tables). */
static uint8_t *kva_host(struct mm_kernel *k, mm_va_t va)
{
	struct pgtable_walk w;
	pgtable_walk(k, k->kernel_pgd_pa, va, &w);
	return w.mapped ? phys_to_host(k->ram, w.pa) : NULL;
}

TEST(unit_sizes)
{
	static const struct { unsigned cpus; uint64_t unit; unsigned units; } x[] = {
		{ 1, 2 * MM_MB, 1 }, { 2, MM_MB, 2 }, { 3, 512 * MM_KB, 4 }, { 8, 256 * MM_KB, 8 },
	};
	for (size_t i = 0; i < MM_ARRAY_SIZE(x); i++) {
		struct mm_machine *m = boot("x86_64", 128 * MM_MB, x[i].cpus);
		struct percpu_state *ps = m->k.percpu;
		if (!ps) {
			CHECK(ps != NULL);
			mm_machine_destroy(m);
			return;
		}
		CHECK_EQ(ps->size_sum, 262144);
		CHECK_EQ(ps->dyn_size, 28672);
		CHECK_EQ(ps->unit_size, x[i].unit);
		CHECK_EQ(ps->nr_units, x[i].units);
		CHECK_EQ(m->k.nr_percpu_bytes, 64ULL * x[i].units * 4096);
		CHECK_EQ(ps->first_pa & (2 * MM_MB - 1), 0); /* atom aligned */
		mm_machine_destroy(m);
	}
	struct mm_machine *m = boot("x86_64", 128 * MM_MB, 1);
	CHECK(test_log_has(&m->k, "percpu: Embedded 64 pages/cpu s225280 r8192 d28672 u2097152"));
	CHECK(test_log_has(&m->k, "pcpu-alloc: s225280 r8192 d28672 u2097152 alloc=1*2097152"));
	CHECK(test_log_has(&m->k, "pcpu-alloc: [0] 0 "));
	mm_machine_destroy(m);

	m = boot("i386", 256 * MM_MB, 2);
	CHECK(m->k.percpu && m->k.percpu->unit_size == 122880 && m->k.percpu->nr_units == 2);
	CHECK(test_log_has(&m->k, "percpu: Embedded 30 pages/cpu s94208 r8192 d20480 u122880"));
	CHECK_EQ(m->k.nr_percpu_bytes, 30ULL * 2 * 4096);
	mm_machine_destroy(m);
}

TEST(alloc_offsets_and_per_cpu_copies)
{
	struct mm_machine *m = boot("x86_64", 128 * MM_MB, 3);
	struct mm_kernel *k = &m->k;
	if (!k->percpu) {
		CHECK(k->percpu != NULL);
		mm_machine_destroy(m);
		return;
	}
	mm_va_t base = __va(k, k->percpu->first_pa);
	mm_va_t p1 = pcpu_alloc(k, 8, 8, GFP_KERNEL);
	mm_va_t p2 = pcpu_alloc(k, 4, 4, GFP_KERNEL);
	CHECK_EQ(p1, base + 233472); /* the dynamic area's first byte */
	CHECK_EQ(p2, base + 233480);
	/* Each CPU's copy is one unit (512K) further. */
	CHECK_EQ(per_cpu_ptr(k, p1, 0), p1);
	CHECK_EQ(per_cpu_ptr(k, p1, 2), p1 + 2 * 512 * MM_KB);
	/* The copies are distinct memory: write CPU 1's, CPU 0's stays 0. */
	uint8_t *c0 = kva_host(k, per_cpu_ptr(k, p1, 0)), *c1 = kva_host(k, per_cpu_ptr(k, p1, 1));
	CHECK(c0 && c1 && c0 != c1);
	if (c0 && c1) {
		memset(c1, 0x5a, 8);
		CHECK_EQ(c0[0], 0);
	}
	CHECK_EQ(pcpu_alloc_size(k, p1), 8);
	CHECK_EQ(free_percpu(k, p1), 0);
	CHECK_EQ(free_percpu(k, p1), (uint64_t)-EINVAL); /* double free */
	/* First fit: the hole comes back, zeroed again on every CPU. */
	mm_va_t p3 = pcpu_alloc(k, 8, 8, GFP_KERNEL);
	CHECK_EQ(p3, p1);
	if (c1)
		CHECK_EQ(c1[0], 0);
	/* Alignment: a 64-byte aligned object skips to 233472 + 64. */
	mm_va_t p4 = pcpu_alloc(k, 16, 64, GFP_KERNEL);
	CHECK_EQ(p4, base + 233472 + 64);
	CHECK_EQ(free_percpu(k, base), (uint64_t)-EINVAL); /* the static area */
	CHECK_EQ(free_percpu(k, p2 + 4), (uint64_t)-EINVAL);
	CHECK(percpu_check(k));
	mm_machine_destroy(m);
}

TEST(illegal_requests)
{
	struct mm_machine *m = boot("x86_64", 128 * MM_MB, 1);
	struct mm_kernel *k = &m->k;
	CHECK_EQ(pcpu_alloc(k, 0, 4, GFP_KERNEL), 0);
	CHECK_EQ(pcpu_alloc(k, 32 * 1024 + 1, 4, GFP_KERNEL), 0);
	CHECK_EQ(pcpu_alloc(k, 8, 12, GFP_KERNEL), 0);  /* not a power of two */
	CHECK_EQ(pcpu_alloc(k, 8, 8192, GFP_KERNEL), 0); /* beyond PAGE_SIZE */
	CHECK(k->percpu == NULL || k->percpu->nr_failed == 4);
	/* Below 4 bytes an alignment is raised to 4, as in Linux: 3 is fine. */
	CHECK(pcpu_alloc(k, 8, 3, GFP_KERNEL) != 0);
	mm_machine_destroy(m);
}

TEST(second_chunk_from_vmalloc)
{
	struct mm_machine *m = boot("x86_64", 128 * MM_MB, 1);
	struct mm_kernel *k = &m->k;
	struct percpu_state *ps = k->percpu;
	if (!ps) {
		CHECK(ps != NULL);
		mm_machine_destroy(m);
		return;
	}
	mm_va_t base = __va(k, ps->first_pa), p[8];
	CHECK_EQ(pcpu_nr_empty_pop_pages(k), 7);
	/* Page-sized objects take pages 57, 58, ... of the dynamic area. After
	 * the sixth only page 63 is empty: 1 < PCPU_EMPTY_POP_PAGES_LOW, so
	 * the balance work tops up to HIGH = 4 by creating a chunk in vmalloc
	 * space and populating its first 3 pages. */
	for (int i = 0; i < 6; i++) {
		p[i] = pcpu_alloc(k, 4096, 4096, GFP_KERNEL);
		CHECK_EQ(p[i], base + (57 + (uint64_t)i) * 4096);
	}
	CHECK_EQ(ps->nr_chunks, 2);
	CHECK_EQ(pcpu_nr_empty_pop_pages(k), 4);
	CHECK_EQ(k->nr_percpu_bytes, (64 + 3) * 4096ULL);
	/* The chunk's area: one 2M unit, 2M aligned, top down from
	 * VMALLOC_END (0xffffe8ffffffffff -> 0xffffe8ffffe00000). */
	struct vm_struct *vm = find_vm_area(k, 0xffffe8ffffc00000ULL);
	CHECK(vm && vm->addr == 0xffffe8ffffc00000ULL && vm->size == 2 * MM_MB);
	CHECK(vm && strcmp(vm->caller, "pcpu_get_vm_areas") == 0);
	/* The 7th still fits the first chunk (its last page); the 8th goes to
	 * the new chunk, whose populated page 0 it uses. */
	p[6] = pcpu_alloc(k, 4096, 4096, GFP_KERNEL);
	CHECK_EQ(p[6], base + 63 * 4096);
	p[7] = pcpu_alloc(k, 4096, 4096, GFP_KERNEL);
	CHECK_EQ(p[7], 0xffffe8ffffc00000ULL);
	CHECK_EQ(pcpu_nr_empty_pop_pages(k), 2);
	uint8_t *h = kva_host(k, p[7]);
	CHECK(h != NULL);
	/* Freeing leaves the only vm chunk in place (Linux keeps one free). */
	for (int i = 0; i < 8; i++)
		CHECK_EQ(free_percpu(k, p[i]), 0);
	CHECK_EQ(ps->nr_chunks, 2);
	CHECK(percpu_check(k));
	mm_machine_destroy(m);
}

TEST(extra_free_chunks_are_destroyed)
{
	struct mm_machine *m = boot("x86_64", 256 * MM_MB, 1);
	struct mm_kernel *k = &m->k;
	struct percpu_state *ps = k->percpu;
	if (!ps) {
		CHECK(ps != NULL);
		mm_machine_destroy(m);
		return;
	}
	/*
	 * 32K objects do not fit the first chunk's 28K: the first creates
	 * chunk 2 (one 2M unit = 64 objects). Chunk 2 gets populated 8 pages
	 * per object; once it is fully populated and its empty pages run low,
	 * the balance work creates chunk 3 ahead of need and populates some of
	 * it, and object 65 lands there.
	 */
	static mm_va_t p[65];
	for (int i = 0; i < 65; i++)
		p[i] = pcpu_alloc(k, 32 * 1024, 4, GFP_KERNEL);
	CHECK_EQ(ps->nr_chunks, 3);
	CHECK_EQ(p[0], 0xffffe8ffffc00000ULL);  /* chunk 2: the top 2M of vmalloc */
	CHECK_EQ(p[64], 0xffffe8ffffa00000ULL); /* chunk 3: the 2M below it */
	CHECK(percpu_check(k));
	/*
	 * Free newest first. Chunk 3 empties first but chunk 2 is still in use:
	 * one fully free chunk is kept. Then chunk 2 drains; with a quarter of
	 * its pages empty and enough empty pages elsewhere it is isolated and
	 * the reclaim gives back its empty pages from the end, one TLB flush
	 * per pass, until it is fully free and back on the lists, depopulated.
	 */
	for (int i = 64; i >= 0; i--)
		CHECK_EQ(free_percpu(k, p[i]), 0);
	CHECK_EQ(ps->nr_chunks, 3);
	CHECK_EQ(ps->nr_chunks_destroyed, 0);
	CHECK(ps->nr_tlb_flushes > 0);
	uint64_t chunk3_pages = ps->nr_populated - 64;
	CHECK_EQ(k->nr_percpu_bytes, (64 + chunk3_pages) * 4096);
	/*
	 * Two fully free chunks now; the next time a vm chunk becomes fully
	 * free the grim reaper runs: a 32K object goes to the head of the free
	 * list (chunk 2, reintegrated last), populating 8 pages; freeing it
	 * leaves two fully free chunks, chunk 2 back at the head is spared and
	 * chunk 3 destroyed with its pages.
	 */
	mm_va_t q = pcpu_alloc(k, 32 * 1024, 4, GFP_KERNEL);
	CHECK_EQ(q, 0xffffe8ffffc00000ULL);
	CHECK_EQ(free_percpu(k, q), 0);
	CHECK_EQ(ps->nr_chunks, 2);
	CHECK_EQ(ps->nr_chunks_destroyed, 1);
	CHECK_EQ(k->nr_percpu_bytes, (64 + 8) * 4096ULL);
	CHECK(find_vm_area(k, 0xffffe8ffffa00000ULL) == NULL);
	CHECK(percpu_check(k));
	CHECK(vmalloc_check(k));
	mm_machine_destroy(m);
}

int main(void)
{
	RUN(unit_sizes);
	RUN(alloc_offsets_and_per_cpu_copies);
	RUN(illegal_requests);
	RUN(second_chunk_from_vmalloc);
	RUN(extra_free_chunks_are_destroyed);
	return test_summary();
}
