/*
 * bench_vm_hw.c - `mmsim bench tlb`: the hardware layer's two speeds.
 *
 *   case     access pattern (x86_64, 4K pages)                   path measured
 *   hit_l1   32 pages round robin (fit the 64-entry L1d)         the inline hit path
 *   hit_l2   512 pages round robin (> L1d, < 1536-entry L2)      L1 miss, L2 hit, L1 refill
 *   walk     16384 pages in order, tlb=none                      one 4-level page walk each
 *   miss     16384 pages in order, default TLB (LRU misses all)  probe L1d and L2, the walk,
 *                                                                fill both: a full TLB miss
 *
 * Page tables are built by hand in simulated RAM (no kernel involved): the
 * 16384 pages need 32 PTE tables under one PMD table. Each figure is the
 * median of R runs of N translations; the PAs are summed into a sink so the
 * compiler cannot drop the loop. Targets (bench/README.md): hit_l1 at least
 * 200 million/s, walk at least 30 million/s, on one core of a release build.
 * `miss` has no target; it is what a trace with no locality costs per access.
 */
#include <stdlib.h>
#include <string.h>

#include "bench.h"
#include "hw/mmu.h"

#define BENCH_BASE 0x10000000ULL
#define BENCH_PAGES 16384u

struct hwbench {
	struct phys_ram ram;
	const struct arch_profile *arch;
	struct hw_cpu cpu[1];
	mm_pa_t next;
};

static mm_pa_t hb_table(struct hwbench *b)
{
	mm_pa_t t = b->next;
	b->next += 4096;
	return t;
}

/* Map BENCH_PAGES 4K user pages from BENCH_BASE under a new root. */
static mm_pa_t hb_map(struct hwbench *b)
{
	const struct arch_profile *a = b->arch;
	mm_pa_t root = hb_table(b);
	for (unsigned i = 0; i < BENCH_PAGES; i++) {
		mm_va_t va = BENCH_BASE + (uint64_t)i * 4096;
		mm_pa_t table = root;
		for (unsigned l = 0; l < 3; l++) {
			uint64_t *e = phys_to_host(&b->ram, table + arch_va_index(a, l, va) * 8);
			if (!*e)
				*e = arch_pte_encode(a, hb_table(b) >> 12,
						     PTE_F_PRESENT | PTE_F_WRITE | PTE_F_USER);
			table = arch_pte_pfn(a, *e) << 12;
		}
		uint64_t *pte = phys_to_host(&b->ram, table + arch_va_index(a, 3, va) * 8);
		*pte = arch_pte_encode(a, 0x1000 + i, PTE_F_PRESENT | PTE_F_WRITE | PTE_F_USER);
	}
	return root;
}

static int hb_init(struct hwbench *b, const char *tlb)
{
	struct hw_tlb_config cfg;
	char err[128];
	memset(b, 0, sizeof(*b));
	b->arch = arch_lookup("x86_64");
	hw_tlb_config_default(&cfg);
	if (tlb && hw_tlb_config_parse(&cfg, tlb, err, sizeof(err)))
		return -1;
	if (!b->arch || phys_init(&b->ram, 64 * MM_MB))
		return -1;
	if (hw_cpus_init(b->cpu, 1, b->arch, &b->ram, &cfg)) {
		phys_fini(&b->ram);
		return -1;
	}
	b->next = 0x100000;
	hw_cpu_write_cr3(&b->cpu[0], hb_map(b), 1, false);
	return 0;
}

static void hb_fini(struct hwbench *b)
{
	hw_cpus_fini(b->cpu, 1);
	phys_fini(&b->ram);
}

/* One timed run: n translations cycling over `pages` pages. Returns ns. */
static unsigned long long hb_run(struct hw_cpu *c, unsigned pages, unsigned long n,
				 uint64_t *sink)
{
	uint64_t sum = 0;
	unsigned p = 0;
	unsigned long long t0 = bench_now_ns();
	for (unsigned long i = 0; i < n; i++) {
		mm_pa_t pa = 0;
		mmu_translate(c, BENCH_BASE + ((uint64_t)p << 12) + (i & 0xff8), HW_READ, true, &pa,
			      NULL);
		sum += pa;
		if (++p == pages)
			p = 0;
	}
	unsigned long long t = bench_now_ns() - t0;
	*sink += sum;
	return t ? t : 1;
}

static int cmp_ull(const void *x, const void *y)
{
	unsigned long long a = *(const unsigned long long *)x, b = *(const unsigned long long *)y;
	return a < b ? -1 : a > b;
}

static int hb_case(FILE *out, const char *name, const char *tlb, unsigned pages,
		   unsigned long n, int runs, const char *target, uint64_t *sink)
{
	struct hwbench b;
	unsigned long long ns[9];
	if (hb_init(&b, tlb)) {
		fprintf(out, "tlb/%-12s setup failed\n", name);
		return 1;
	}
	hb_run(&b.cpu[0], pages, pages * 2UL, sink); /* warm the TLB and the caches */
	for (int r = 0; r < runs; r++)
		ns[r] = hb_run(&b.cpu[0], pages, n, sink);
	qsort(ns, (size_t)runs, sizeof(ns[0]), cmp_ull);
	double med = (double)ns[runs / 2];
	fprintf(out, "tlb/%-12s %14.0f ops/s %8.2f ns/op  (median of %d runs)  target: %s\n",
		name, (double)n * 1e9 / med, med / (double)n, runs, target);
	hb_fini(&b);
	return 0;
}

int bench_tlb(FILE *out, int quick)
{
	uint64_t sink = 0;
	int runs = quick ? 3 : 5;
	unsigned long hit_n = quick ? 5000000UL : 50000000UL;
	unsigned long walk_n = quick ? 500000UL : 5000000UL;
	int err = 0;
	err |= hb_case(out, "hit_l1", NULL, 32, hit_n, runs, ">= 200000000 ops/s", &sink);
	err |= hb_case(out, "hit_l2", NULL, 512, walk_n * 4, runs, "-", &sink);
	err |= hb_case(out, "walk", "none", BENCH_PAGES, walk_n, runs, ">= 30000000 ops/s", &sink);
	err |= hb_case(out, "miss", NULL, BENCH_PAGES, walk_n, runs, "-", &sink);
	if (sink == 42)
		fprintf(out, "\n"); /* keeps the sum alive */
	return err ? 1 : 0;
}
