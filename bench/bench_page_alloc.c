/*
 * bench_page_alloc.c - `mmsim bench page_alloc`: the buddy allocator's speed.
 *
 *   case          one operation                                   path measured
 *   order0_pcp    alloc_pages(GFP_KERNEL, 0) + __free_pages       per-CPU list pop and push
 *   order0_buddy  alloc_pages_nopcp + free_pages_nopcp, order 0   split 10 levels, merge 10
 *   mixed         free a random slot of 16, allocate order 0..10  pcp for 0..3, buddy above
 *                 in it (one pair)
 *
 * Every case runs on a 64M and a 16G x86_64 machine (1 CPU, no invariant
 * checks): the cost must not depend on the RAM size (zone lookup is a few
 * compares, lists are O(1)). Each figure is the median of R timed runs of N
 * pairs after a warm-up; `--quick` runs a tiny version for the test suite.
 * Targets (bench/README.md): order0_pcp < 20 ns per pair; 16G/64M <= 1.5.
 */
#include <stdlib.h>

#include "bench.h"
#include "mm/internal.h"
#include "sim/machine.h"

#define MAX_RUNS 7
#define MIXED_SLOTS 16

struct pa_case {
	const char *name;
	const char *target;
	/* Run n pairs on k; returns a value to keep the loop alive. */
	uint64_t (*fn)(struct mm_kernel *k, uint64_t n, uint64_t *seed);
};

static uint64_t run_order0_pcp(struct mm_kernel *k, uint64_t n, uint64_t *seed)
{
	(void)seed;
	uint64_t sink = 0;
	for (uint64_t i = 0; i < n; i++) {
		struct page *p = alloc_pages(k, GFP_KERNEL, 0);
		sink += (uintptr_t)p;
		__free_pages(k, p, 0);
	}
	return sink;
}

static uint64_t run_order0_buddy(struct mm_kernel *k, uint64_t n, uint64_t *seed)
{
	(void)seed;
	uint64_t sink = 0;
	for (uint64_t i = 0; i < n; i++) {
		struct page *p = alloc_pages_nopcp(k, GFP_KERNEL, 0);
		sink += (uintptr_t)p;
		free_pages_nopcp(k, p, 0);
	}
	return sink;
}

static uint64_t run_mixed(struct mm_kernel *k, uint64_t n, uint64_t *seed)
{
	struct page *slot[MIXED_SLOTS] = { 0 };
	unsigned order[MIXED_SLOTS] = { 0 };
	uint64_t sink = 0, s = *seed;
	for (uint64_t i = 0; i < n; i++) {
		s = s * 6364136223846793005ULL + 1442695040888963407ULL;
		unsigned r = (unsigned)(s >> 33);
		unsigned j = r % MIXED_SLOTS;
		if (slot[j])
			__free_pages(k, slot[j], order[j]);
		order[j] = (r >> 8) % 11;
		slot[j] = alloc_pages(k, GFP_KERNEL | __GFP_NOWARN, order[j]);
		sink += (uintptr_t)slot[j];
	}
	for (unsigned j = 0; j < MIXED_SLOTS; j++)
		if (slot[j])
			__free_pages(k, slot[j], order[j]);
	*seed = s;
	return sink;
}

static const struct pa_case cases[] = {
	{ "order0_pcp", "< 20 ns", run_order0_pcp },
	{ "order0_buddy", "< 100 ns", run_order0_buddy },
	{ "mixed", "< 300 ns", run_mixed },
};

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

static struct mm_machine *bench_boot(uint64_t ram)
{
	struct mm_machine_config cfg;
	char err[256];
	mm_machine_config_default(&cfg);
	cfg.ram_bytes = ram;
	cfg.debug_checks = 0;
	return mm_machine_create(&cfg, err, sizeof(err));
}

/* Median ns per pair of one case on one machine; 0 on failure. */
static double time_case(FILE *out, const struct pa_case *c, uint64_t ram, const char *ram_name,
			int runs, uint64_t n, uint64_t *sink)
{
	struct mm_machine *m = bench_boot(ram);
	if (!m) {
		fprintf(out, "page_alloc/%s@%s setup failed\n", c->name, ram_name);
		return 0;
	}
	uint64_t seed = 42, ns[MAX_RUNS];
	*sink += c->fn(&m->k, n / 10 + 100, &seed); /* warm: pcp lists full, caches hot */
	for (int r = 0; r < runs; r++) {
		uint64_t t0 = bench_now_ns();
		*sink += c->fn(&m->k, n, &seed);
		ns[r] = bench_now_ns() - t0;
	}
	qsort(ns, (size_t)runs, sizeof(ns[0]), cmp_u64);
	double med = (double)ns[runs / 2] / (double)n;
	fprintf(out, "page_alloc/%-17s %14.0f ops/s %8.2f ns/op  (median of %d runs)  target: %s\n",
		c->name, 1e9 / med, med, runs, c->target);
	mm_machine_destroy(m);
	return med;
}

int bench_page_alloc(FILE *out, int quick)
{
	int runs = quick ? 1 : 5;
	uint64_t sink = 0;
	int rc = 0;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct pa_case *c = &cases[i];
		uint64_t n = quick ? 2000 : (c->fn == run_order0_pcp ? 4000000 : 1000000);
		char label[64];
		snprintf(label, sizeof(label), "%s@64M", c->name);
		struct pa_case c64 = *c, c16 = *c;
		c64.name = label;
		double small = time_case(out, &c64, 64 * MM_MB, "64M", runs, n, &sink);
		char label16[64];
		snprintf(label16, sizeof(label16), "%s@16G", c->name);
		c16.name = label16;
		double big = time_case(out, &c16, 16 * MM_GB, "16G", runs, n, &sink);
		if (small > 0 && big > 0)
			fprintf(out, "page_alloc/%-17s %14.2f x (16G/64M)  target: <= 1.5\n", c->name,
				big / small);
		else
			rc = 1;
	}
	if (sink == 1)
		fprintf(out, "\n"); /* keeps the loops' results alive */
	return rc;
}
