/*
 * bench.c - the table of mmsim's micro-benchmarks and the clock they share.
 *
 *   mmsim bench [NAME...] [--quick]  ->  bench_table[i].run(stdout, quick)
 *
 * One row per benchmark file (bench_NAME.c); each prints its own lines in
 * the format of bench.h. Targets live in bench/README.md.
 */
#include <time.h>

#include "bench.h"

const struct bench_def bench_table[] = {
	{ "page_alloc", "buddy allocator: order-0 through/around the per-CPU lists, mixed orders",
	  bench_page_alloc },
	{ "slab", "slab allocator: kmem_cache and kmalloc fast paths, vmalloc", bench_slab },
	{ "tlb", "translation: TLB hits and page-table walks", bench_tlb },
	{ "vm", "processes: TLB hits, walks, anonymous and COW faults, fork of 1 GiB, find_vma",
	  bench_vm },
	{ NULL, NULL, NULL },
};

unsigned long long bench_now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (unsigned long long)ts.tv_sec * 1000000000ULL + (unsigned long long)ts.tv_nsec;
}
