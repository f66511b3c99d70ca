/*
 * stress_page_alloc.c - random allocations and frees against the buddy
 * allocator, with data checks and the invariant checker.
 *
 *   stress_page_alloc [SEED] [OPS] [RAM_MB] [ARCH]
 *
 * Each live block is filled with a pattern derived from its PFN and the
 * seed; before it is freed the pattern is verified, so a block handed out
 * twice, or a split/merge that corrupts a neighbour, is caught. Orders,
 * GFP flags and CPUs are random. Every 1/16th of the run the full checker
 * runs (buddy lists against page flags, counters against lists). At the end
 * everything is freed, the per-CPU lists drained, and MemFree must equal
 * its value at boot: nothing leaked.
 *
 * `make test` runs a short version; `make stress` a long one.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mm/internal.h"
#include "sim/machine.h"

struct block {
	struct page *page;
	unsigned order;
};

static uint64_t rng_next(uint64_t *s)
{
	/* xorshift64*: deterministic per seed */
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * 0x2545F4914F6CDD1DULL;
}

static void fill(struct mm_kernel *k, struct block *b, uint64_t seed)
{
	uint64_t *w = page_to_host(k, b->page);
	uint64_t n = (k->page_size << b->order) / 8;
	uint64_t pfn = page_to_pfn(k, b->page);
	for (uint64_t i = 0; i < n; i += 61)
		w[i] = (pfn << 20) ^ i ^ seed;
}

static int verify(struct mm_kernel *k, struct block *b, uint64_t seed)
{
	uint64_t *w = page_to_host(k, b->page);
	uint64_t n = (k->page_size << b->order) / 8;
	uint64_t pfn = page_to_pfn(k, b->page);
	for (uint64_t i = 0; i < n; i += 61)
		if (w[i] != ((pfn << 20) ^ i ^ seed)) {
			fprintf(stderr, "stress: block pfn 0x%" PRIx64 " order %u word %" PRIu64
				" corrupted\n", pfn, b->order, i);
			return -1;
		}
	return 0;
}

int main(int argc, char **argv)
{
	uint64_t seed = argc > 1 ? strtoull(argv[1], NULL, 0) : 1;
	uint64_t ops = argc > 2 ? strtoull(argv[2], NULL, 0) : 20000;
	uint64_t ram_mb = argc > 3 ? strtoull(argv[3], NULL, 0) : 64;
	const char *arch = argc > 4 ? argv[4] : "x86_64";
	static const gfp_t gfps[] = { GFP_KERNEL, GFP_HIGHUSER_MOVABLE, GFP_USER, GFP_DMA32,
				      GFP_ATOMIC | __GFP_NOWARN, GFP_KERNEL | __GFP_ZERO,
				      GFP_KERNEL | __GFP_COMP, GFP_DMA | __GFP_NOWARN,
				      GFP_KERNEL | __GFP_RECLAIMABLE };
	struct mm_machine_config cfg;
	char err[256];
	mm_machine_config_default(&cfg);
	snprintf(cfg.arch, sizeof(cfg.arch), "%s", arch);
	cfg.ram_bytes = ram_mb * MM_MB;
	cfg.nr_cpus = 2;
	cfg.debug_checks = 0; /* checked explicitly below, not after every op */
	struct mm_machine *m = mm_machine_create(&cfg, err, sizeof(err));
	if (!m) {
		fprintf(stderr, "stress: boot failed: %s\n", err);
		return 2;
	}
	struct mm_kernel *k = &m->k;
	drain_all_pages(k);
	uint64_t free_boot = global_free_pages(k);
	size_t cap = 4096, nr = 0;
	struct block *live = calloc(cap, sizeof(*live));
	uint64_t rng = seed * 0x9E3779B97F4A7C15ULL + 1, fails = 0, allocs = 0;
	int bad = 0;

	for (uint64_t op = 0; op < ops && !bad; op++) {
		bool do_alloc = nr == 0 || (nr < cap && rng_next(&rng) % 100 < 55);
		if (do_alloc) {
			/* Mostly small orders, as real kernels allocate. */
			unsigned r = (unsigned)(rng_next(&rng) % 100);
			unsigned order = r < 60 ? 0 : r < 80 ? 1 + r % 3 : r < 95 ? 4 + r % 3 : 7 + r % 4;
			gfp_t gfp = gfps[rng_next(&rng) % MM_ARRAY_SIZE(gfps)] | __GFP_NOWARN;
			unsigned cpu = (unsigned)(rng_next(&rng) % cfg.nr_cpus);
			struct page *p = alloc_pages_cpu(k, gfp, order, cpu);
			if (!p) {
				fails++;
				continue;
			}
			allocs++;
			live[nr] = (struct block){ p, order };
			if (gfp & __GFP_ZERO) {
				const uint8_t *b = page_to_host(k, p);
				for (uint64_t i = 0; i < (k->page_size << order); i++)
					if (b[i]) {
						fprintf(stderr, "stress: __GFP_ZERO page not zero\n");
						bad = 1;
						break;
					}
			}
			fill(k, &live[nr], seed);
			nr++;
		} else {
			size_t i = (size_t)(rng_next(&rng) % nr);
			if (verify(k, &live[i], seed))
				bad = 1;
			free_pages_cpu(k, live[i].page, live[i].order,
				       (unsigned)(rng_next(&rng) % cfg.nr_cpus));
			live[i] = live[--nr];
		}
		if (op % (ops / 16 + 1) == 0 && !mm_check_invariants(k))
			bad = 1;
	}
	for (size_t i = 0; i < nr && !bad; i++) {
		if (verify(k, &live[i], seed))
			bad = 1;
		__free_pages(k, live[i].page, live[i].order);
	}
	drain_all_pages(k);
	if (!bad && !mm_check_invariants(k))
		bad = 1;
	uint64_t free_end = global_free_pages(k);
	if (!bad && free_end != free_boot) {
		fprintf(stderr, "stress: free pages %" PRIu64 " at the end, %" PRIu64 " at boot\n",
			free_end, free_boot);
		bad = 1;
	}
	printf("stress_page_alloc seed=%" PRIu64 " ops=%" PRIu64 " ram=%" PRIu64 "M arch=%s: "
	       "%" PRIu64 " allocations, %" PRIu64 " failed (no memory)\n",
	       seed, ops, ram_mb, arch, allocs, fails);
	printf("%d passed, %d failed\n", bad ? 0 : 1, bad ? 1 : 0);
	free(live);
	mm_machine_destroy(m);
	return bad;
}
