/*
 * bench_vm.c - `mmsim bench vm`: processes' memory at full speed, through
 * the whole kernel (a booted x86_64 machine, invariant checks off).
 *
 *   case         one operation                                   path
 *   tlb_hit      a user read translated on a TLB hit (32 pages)   mmu_translate's inline path
 *   walk         a translation with tlb=none (4-level walk)       the walker over the process's
 *                                                                 real tables
 *   anon_fault   a write to a never-touched anonymous page        #PF -> do_user_addr_fault ->
 *                                                                 do_anonymous_page (zeroed page,
 *                                                                 anon rmap) -> retry
 *   cow_fault    a child's write to a page shared after fork      do_wp_page -> wp_page_copy (copy
 *                                                                 4K, flush, rmap)
 *   fork_1g      fork of a process with 1 GiB touched             dup_mmap: 262144 PTEs copied and
 *                                                                 write-protected (per page and per
 *                                                                 fork)
 *   find_vma     find_vma at a random address among 60,000 VMAs   the red-black tree (O(log n))
 *
 * Targets (bench/README.md): tlb_hit >= 200M/s, walk >= 30M/s, anon_fault
 * >= 2M/s. --quick shrinks every loop (fork_1g becomes fork_16m).
 */
#include <stdlib.h>
#include <string.h>

#include "bench.h"
#include "kernel/task.h"
#include "mm/internal.h"
#include "mm/memory.h"
#include "sim/machine.h"

#define K4 4096ULL

static int cmp_ull(const void *x, const void *y)
{
	unsigned long long a = *(const unsigned long long *)x, b = *(const unsigned long long *)y;
	return a < b ? -1 : a > b;
}

static struct mm_machine *bv_boot(uint64_t ram, const char *tlb)
{
	struct mm_machine_config cfg;
	char err[256];
	mm_machine_config_default(&cfg);
	cfg.ram_bytes = ram;
	cfg.debug_checks = 0;
	if (tlb)
		snprintf(cfg.tlb, sizeof(cfg.tlb), "%s", tlb);
	return mm_machine_create(&cfg, err, sizeof(err));
}

static struct task_struct *bv_spawn(struct mm_machine *m, const char *name)
{
	struct exe_spec spec;
	struct task_struct *t = NULL;
	char err[256];
	exe_spec_default(&m->k, &spec);
	return task_spawn(&m->k, name, &spec, 0, &t, err, sizeof(err)) ? NULL : t;
}

static void report(FILE *out, const char *name, unsigned long long *ns, int runs, double ops,
		   const char *target)
{
	qsort(ns, (size_t)runs, sizeof(ns[0]), cmp_ull);
	double med = (double)ns[runs / 2];
	if (med <= 0)
		med = 1;
	fprintf(out, "vm/%-12s %14.0f ops/s %10.2f ns/op  (median of %d runs)  target: %s\n", name,
		ops * 1e9 / med, med / ops, runs, target);
}

/* tlb_hit / walk: translations of a process's populated pages. */
static int bench_translate(FILE *out, const char *name, const char *tlb, unsigned pages,
			   unsigned long n, int runs, const char *target)
{
	struct mm_machine *m = bv_boot(256 * MM_MB, tlb);
	struct task_struct *t = m ? bv_spawn(m, "bench") : NULL;
	if (!t) {
		fprintf(out, "vm/%-12s setup failed\n", name);
		mm_machine_destroy(m);
		return 1;
	}
	int64_t p = vm_mmap(t->mm, 0, pages * K4, PROT_READ | PROT_WRITE,
			    MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, NULL, 0);
	struct access_stats st = { 0 };
	task_touch(&m->k, t, (mm_va_t)p, pages * K4, ACCESS_READ, NULL, &st); /* fill the TLB */
	struct hw_cpu *c = &m->cpus[t->cpu];
	unsigned long long ns[9];
	uint64_t sink = 0;
	for (int r = 0; r < runs; r++) {
		unsigned pg = 0;
		unsigned long long t0 = bench_now_ns();
		for (unsigned long i = 0; i < n; i++) {
			mm_pa_t pa = 0;
			mmu_translate(c, (mm_va_t)p + ((uint64_t)pg << 12) + (i & 0xff8), HW_READ, true, &pa,
				      NULL);
			sink += pa;
			if (++pg == pages)
				pg = 0;
		}
		ns[r] = bench_now_ns() - t0;
	}
	report(out, name, ns, runs, (double)n, target);
	if (sink == 42)
		fprintf(out, "\n");
	mm_machine_destroy(m);
	return 0;
}

/* anon_fault: write-touch `pages` fresh pages per run, then unmap them. */
static int bench_anon_fault(FILE *out, unsigned pages, int runs)
{
	struct mm_machine *m = bv_boot(2 * MM_GB, NULL);
	struct task_struct *t = m ? bv_spawn(m, "bench") : NULL;
	if (!t) {
		fprintf(out, "vm/anon_fault   setup failed\n");
		mm_machine_destroy(m);
		return 1;
	}
	unsigned long long ns[9];
	for (int r = 0; r < runs; r++) {
		int64_t p = vm_mmap(t->mm, 0, pages * K4, PROT_READ | PROT_WRITE,
				    MAP_PRIVATE | MAP_ANONYMOUS, NULL, 0);
		struct access_stats st = { 0 };
		unsigned long long t0 = bench_now_ns();
		task_touch(&m->k, t, (mm_va_t)p, pages * K4, ACCESS_WRITE, NULL, &st);
		ns[r] = bench_now_ns() - t0;
		vm_munmap(t->mm, (mm_va_t)p, pages * K4);
	}
	report(out, "anon_fault", ns, runs, (double)pages, ">= 2000000 ops/s");
	mm_machine_destroy(m);
	return 0;
}

/* cow_fault: a child writes every page its parent had touched. */
static int bench_cow_fault(FILE *out, unsigned pages, int runs)
{
	struct mm_machine *m = bv_boot(2 * MM_GB, NULL);
	struct task_struct *t = m ? bv_spawn(m, "bench") : NULL;
	if (!t) {
		fprintf(out, "vm/cow_fault    setup failed\n");
		mm_machine_destroy(m);
		return 1;
	}
	struct mm_kernel *k = &m->k;
	int64_t p = vm_mmap(t->mm, 0, pages * K4, PROT_READ | PROT_WRITE,
			    MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, NULL, 0);
	unsigned long long ns[9];
	char err[128];
	for (int r = 0; r < runs; r++) {
		struct task_struct *c = NULL;
		if (task_fork(k, t, "child", false, &c, err, sizeof(err)))
			break;
		struct access_stats st = { 0 };
		unsigned long long t0 = bench_now_ns();
		task_touch(k, c, (mm_va_t)p, pages * K4, ACCESS_WRITE, NULL, &st);
		ns[r] = bench_now_ns() - t0;
		task_exit(k, c);
	}
	report(out, "cow_fault", ns, runs, (double)pages, "-");
	mm_machine_destroy(m);
	return 0;
}

/* fork of a process with `bytes` touched; also reported per page. */
static int bench_fork(FILE *out, const char *name, uint64_t bytes, int runs)
{
	struct mm_machine *m = bv_boot(bytes * 2 + 256 * MM_MB, NULL);
	struct task_struct *t = m ? bv_spawn(m, "bench") : NULL;
	if (!t) {
		fprintf(out, "vm/%-12s setup failed\n", name);
		mm_machine_destroy(m);
		return 1;
	}
	struct mm_kernel *k = &m->k;
	vm_mmap(t->mm, 0, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE,
		NULL, 0);
	unsigned long long ns[9];
	char err[128];
	for (int r = 0; r < runs; r++) {
		struct task_struct *c = NULL;
		unsigned long long t0 = bench_now_ns();
		int e = task_fork(k, t, "child", false, &c, err, sizeof(err));
		ns[r] = bench_now_ns() - t0;
		if (e)
			break;
		task_exit(k, c);
	}
	report(out, name, ns, runs, 1, "-");
	double pages = (double)(bytes / K4);
	fprintf(out, "vm/%-12s %14.0f PTEs/s %9.2f ns/PTE (%0.f pages)\n", name,
		pages * 1e9 / (double)ns[runs / 2], (double)ns[runs / 2] / pages, pages);
	mm_machine_destroy(m);
	return 0;
}

/* find_vma at random addresses among n VMAs (alternating rights: no merge). */
static int bench_find_vma(FILE *out, unsigned nvmas, unsigned long n, int runs)
{
	struct mm_machine *m = bv_boot(512 * MM_MB, NULL);
	struct mm_struct *mm = m ? mm_alloc(&m->k) : NULL;
	if (!mm) {
		fprintf(out, "vm/find_vma     setup failed\n");
		mm_machine_destroy(m);
		return 1;
	}
	mm_va_t base = 0x10000000;
	for (unsigned i = 0; i < nvmas; i++)
		vm_mmap(mm, base + (uint64_t)i * K4, K4, (i & 1) ? PROT_READ : PROT_READ | PROT_WRITE,
			MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, NULL, 0);
	unsigned long long ns[9];
	uint64_t x = 88172645463325252ULL, sink = 0;
	for (int r = 0; r < runs; r++) {
		unsigned long long t0 = bench_now_ns();
		for (unsigned long i = 0; i < n; i++) {
			x ^= x << 13;
			x ^= x >> 7;
			x ^= x << 17;
			struct vm_area_struct *v = find_vma(mm, base + (x % nvmas) * K4 + 0x800);
			sink += v ? v->vm_start : 0;
		}
		ns[r] = bench_now_ns() - t0;
	}
	fprintf(out, "vm/find_vma: %u VMAs (map_count %d)\n", nvmas, mm->map_count);
	report(out, "find_vma", ns, runs, (double)n, "-");
	if (sink == 42)
		fprintf(out, "\n");
	mm_free(mm);
	mm_machine_destroy(m);
	return 0;
}

int bench_vm(FILE *out, int quick)
{
	int runs = quick ? 3 : 5, err = 0;
	err |= bench_translate(out, "tlb_hit", NULL, 32, quick ? 2000000UL : 50000000UL, runs,
			       ">= 200000000 ops/s");
	err |= bench_translate(out, "walk", "none", 4096, quick ? 200000UL : 5000000UL, runs,
			       ">= 30000000 ops/s");
	err |= bench_anon_fault(out, quick ? 4096 : 65536, runs);
	err |= bench_cow_fault(out, quick ? 4096 : 65536, runs);
	if (quick)
		err |= bench_fork(out, "fork_16m", 16 * MM_MB, runs);
	else
		err |= bench_fork(out, "fork_1g", MM_GB, runs);
	err |= bench_find_vma(out, quick ? 6000 : 60000, quick ? 200000UL : 5000000UL, runs);
	return err ? 1 : 0;
}
