/*
 * bench_slab.c - `mmsim bench slab`: the slab allocator's speeds.
 *
 *   case          what one operation is                              path measured
 *   fastpath      kmem_cache_alloc + kmem_cache_free of a 64-byte    c->freelist pop and push
 *                 object (the same CPU, the slab stays on the CPU)
 *   batch64       allocate 1000 objects, then free them all          fast path, slow path every
 *                 (per alloc+free pair)                              64 objects, partial lists
 *   kmalloc_mix   kmalloc + kfree cycling 8 B .. 8 KiB over 12       class lookup + fast paths
 *                 sizes (per pair)
 *   kmalloc_large kmalloc + kfree of 64 KiB (compound order 4)       the buddy allocator
 *   vmalloc_1m    vmalloc + vfree of 1 MiB: 256 order-0 pages mapped  vmalloc.c, page tables,
 *                 into the vmalloc area, unmapped, lazily purged     the buddy allocator
 *
 * Each case boots its own machine (x86_64, 256M, 1 CPU, no slub_debug),
 * warms up, then times R runs of N operations with CLOCK_MONOTONIC; the
 * figure is the median run. Addresses go into a sink so the loops stay.
 * Target (bench/README.md): fastpath under 10 ns per pair.
 */
#include <stdlib.h>
#include <string.h>

#include "bench.h"
#include "mm/internal.h"
#include "mm/slab.h"
#include "mm/vmalloc.h"
#include "sim/machine.h"

#define MAX_RUNS 9
#define BATCH 1000

struct slab_bench {
	struct mm_machine *m;
	struct kmem_cache *s;
};

static int sb_init(struct slab_bench *b)
{
	struct mm_machine_config cfg;
	char err[256];
	mm_machine_config_default(&cfg);
	cfg.ram_bytes = 256 * MM_MB;
	b->m = mm_machine_create(&cfg, err, sizeof(err));
	if (!b->m)
		return -1;
	if (!b->m->k.slab && kmem_cache_init(&b->m->k)) {
		mm_machine_destroy(b->m);
		return -1;
	}
	if (!b->m->k.vmalloc)
		vmalloc_init(&b->m->k);
	b->s = kmem_cache_create(&b->m->k, "bench64", 64, 0, 0, NULL);
	return b->s ? 0 : -1;
}

static void sb_fini(struct slab_bench *b)
{
	vmalloc_fini(&b->m->k);
	kmem_cache_fini(&b->m->k);
	mm_machine_destroy(b->m);
}

typedef unsigned long long (*sb_run_fn)(struct slab_bench *b, unsigned long n, uint64_t *sink);

static unsigned long long run_fastpath(struct slab_bench *b, unsigned long n, uint64_t *sink)
{
	struct mm_kernel *k = &b->m->k;
	struct kmem_cache *s = b->s;
	uint64_t sum = 0;
	unsigned long long t0 = bench_now_ns();
	for (unsigned long i = 0; i < n; i++) {
		mm_va_t v = kmem_cache_alloc(k, s, GFP_KERNEL);
		sum += v;
		kmem_cache_free(k, s, v);
	}
	unsigned long long t = bench_now_ns() - t0;
	*sink += sum;
	return t ? t : 1;
}

static unsigned long long run_batch(struct slab_bench *b, unsigned long n, uint64_t *sink)
{
	struct mm_kernel *k = &b->m->k;
	struct kmem_cache *s = b->s;
	mm_va_t v[BATCH];
	uint64_t sum = 0;
	unsigned long long t0 = bench_now_ns();
	for (unsigned long i = 0; i < n; i += BATCH) {
		for (unsigned j = 0; j < BATCH; j++)
			sum += v[j] = kmem_cache_alloc(k, s, GFP_KERNEL);
		for (unsigned j = 0; j < BATCH; j++)
			kmem_cache_free(k, s, v[j]);
	}
	unsigned long long t = bench_now_ns() - t0;
	*sink += sum;
	return t ? t : 1;
}

static const size_t mix_sizes[12] = { 8, 16, 32, 64, 96, 128, 192, 256, 512, 1024, 2048, 8192 };

static unsigned long long run_kmalloc_mix(struct slab_bench *b, unsigned long n, uint64_t *sink)
{
	struct mm_kernel *k = &b->m->k;
	uint64_t sum = 0;
	unsigned j = 0;
	unsigned long long t0 = bench_now_ns();
	for (unsigned long i = 0; i < n; i++) {
		mm_va_t v = kmalloc(k, mix_sizes[j], GFP_KERNEL);
		sum += v;
		kfree(k, v);
		if (++j == 12)
			j = 0;
	}
	unsigned long long t = bench_now_ns() - t0;
	*sink += sum;
	return t ? t : 1;
}

static unsigned long long run_kmalloc_large(struct slab_bench *b, unsigned long n, uint64_t *sink)
{
	struct mm_kernel *k = &b->m->k;
	uint64_t sum = 0;
	unsigned long long t0 = bench_now_ns();
	for (unsigned long i = 0; i < n; i++) {
		mm_va_t v = kmalloc(k, 64 * 1024, GFP_KERNEL);
		sum += v;
		kfree(k, v);
	}
	unsigned long long t = bench_now_ns() - t0;
	*sink += sum;
	return t ? t : 1;
}

static unsigned long long run_vmalloc(struct slab_bench *b, unsigned long n, uint64_t *sink)
{
	struct mm_kernel *k = &b->m->k;
	uint64_t sum = 0;
	unsigned long long t0 = bench_now_ns();
	for (unsigned long i = 0; i < n; i++) {
		mm_va_t v = vmalloc(k, 1 * MM_MB);
		sum += v;
		vfree(k, v);
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

static int sb_case(FILE *out, const char *name, sb_run_fn fn, unsigned long n, int runs,
		   const char *target, uint64_t *sink)
{
	struct slab_bench b;
	unsigned long long ns[MAX_RUNS];
	if (sb_init(&b)) {
		fprintf(out, "slab/%-14s setup failed\n", name);
		return 1;
	}
	fn(&b, n / 10 + BATCH, sink); /* warm: slabs exist, caches are hot */
	for (int r = 0; r < runs; r++)
		ns[r] = fn(&b, n, sink);
	qsort(ns, (size_t)runs, sizeof(ns[0]), cmp_ull);
	double med = (double)ns[runs / 2];
	fprintf(out, "slab/%-14s %14.0f ops/s %8.2f ns/op  (median of %d runs)  target: %s\n", name,
		(double)n * 1e9 / med, med / (double)n, runs, target);
	sb_fini(&b);
	return 0;
}

int bench_slab(FILE *out, int quick)
{
	uint64_t sink = 0;
	int runs = quick ? 3 : 7;
	unsigned long n = quick ? 2000000UL : 20000000UL;
	int err = 0;
	err |= sb_case(out, "fastpath", run_fastpath, n, runs, "< 10 ns/op (alloc+free pair)", &sink);
	err |= sb_case(out, "batch64", run_batch, n / 4, runs, "-", &sink);
	err |= sb_case(out, "kmalloc_mix", run_kmalloc_mix, n / 2, runs, "-", &sink);
	err |= sb_case(out, "kmalloc_large", run_kmalloc_large, n / 100, runs, "-", &sink);
	err |= sb_case(out, "vmalloc_1m", run_vmalloc, n / 10000, runs, "-", &sink);
	if (sink == 42)
		fputc(' ', out); /* keep the sink alive */
	return err ? 1 : 0;
}
