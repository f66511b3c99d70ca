/*
 * bench.h - mmsim's micro-benchmarks (`mmsim bench [NAME...]`).
 *
 * Each benchmark boots its own machines, times its loops with
 * CLOCK_MONOTONIC, and prints one line per figure:
 *   NAME/CASE  ops/s  ns/op  (median of R runs)  target: ...
 * Benchmarks never fail a test: targets are compared in bench/README.md.
 */
#ifndef MMSIM_BENCH_H
#define MMSIM_BENCH_H

#include <stdio.h>

struct bench_def {
	const char *name;  /* "page_alloc" */
	const char *help;  /* one line */
	/* Run, printing results to out; returns 0, or 2 on bad arguments. */
	int (*run)(FILE *out, int quick);
};

/* All benchmarks, terminated by a NULL name (bench.c). */
extern const struct bench_def bench_table[];

int bench_page_alloc(FILE *out, int quick);
/* bench_vm_hw.c: TLB-hit translations and page walks per second. */
int bench_tlb(FILE *out, int quick);

/* bench_slab.c: kmem_cache_alloc+free through the per-CPU fast path, kmalloc. */
int bench_slab(FILE *out, int quick);

/* bench_vm.c: processes' memory: TLB hits, walks, anonymous and COW
 * faults, fork of 1 GiB, find_vma among 60,000 VMAs. */
int bench_vm(FILE *out, int quick);

/* Nanoseconds from CLOCK_MONOTONIC. */
unsigned long long bench_now_ns(void);

#endif
