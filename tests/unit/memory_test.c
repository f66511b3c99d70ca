/*
 * memory_test.c - page faults as a process sees them (memory.c through
 * kernel/uaccess.c): demand paging, the zero page, COW of the zero page,
 * stack growth, SIGSEGV, the TLB and the A/D bits.
 *
 * Addresses are worked out from the x86_64 layout (docs/processes.md):
 *   text 0x400000 (64K), data 0x410000 (16K), bss 0x414000 (8K),
 *   brk 0x416000, stack [0x7ffffffde000, 0x7ffffffff000) (132K),
 *   mmap_base 0x7ffff7fff000: a 4K mmap lands at 0x7ffff7ffe000.
 */
#include <errno.h>
#include <signal.h>
#include <string.h>

#include "kernel/task.h"
#include "mm/internal.h"
#include "mm/memory.h"
#include "mm/rmap.h"
#include "mm/slab.h"
#include "sim/machine.h"
#include "fixtures.h"
#include "test.h"

#define K4 0x1000ULL
#define RW (PROT_READ | PROT_WRITE)
#define PRIV_ANON (MAP_PRIVATE | MAP_ANONYMOUS)

static struct mm_machine *boot_cpus(const char *arch, unsigned cpus, const char *tlb)
{
	struct mm_machine_config cfg;
	test_config(&cfg, arch, 0, cpus);
	cfg.debug_checks = 1;
	if (tlb)
		snprintf(cfg.tlb, sizeof(cfg.tlb), "%s", tlb);
	return test_boot_config(&cfg);
}

static struct mm_machine *boot(void)
{
	return boot_cpus("x86_64", 1, NULL);
}

TEST(spawn_layout)
{
	struct mm_machine *m = boot();
	if (!m)
		return;
	struct mm_kernel *k = &m->k;
	uint64_t flt = k->vm.item[VM_pgfault];
	struct task_struct *a = test_spawn(m, "A", 0);
	CHECK(a && a->mm);
	if (!a)
		goto out;
	struct mm_struct *mm = a->mm;
	/* text 64K r-x, data 16K rw- (both /bin/A), bss 8K, stack 132K. */
	CHECK_EQ(mm->start_code, 0x400000);
	CHECK_EQ(mm->start_data, 0x410000);
	CHECK_EQ(mm->start_brk, 0x416000);
	CHECK_EQ(mm->brk, 0x416000);
	CHECK_EQ(mm->map_count, 4);
	struct vm_area_struct *stack = vma_lookup(mm, 0x7ffffffff000ULL - 1);
	CHECK(stack && stack->vm_start == 0x7ffffffde000ULL && (stack->vm_flags & VM_GROWSDOWN));
	/* VmSize = 64 + 16 + 8 + 132 = 220K = 55 pages; VmStk 33 pages,
	 * VmExe 16 pages, VmData (data + bss) 6 pages. */
	CHECK_EQ(mm->total_vm, 55);
	CHECK_EQ(mm->stack_vm, 33);
	CHECK_EQ(mm->exec_vm, 16);
	CHECK_EQ(mm->data_vm, 6);
	/* The argument page at the top is present: one anonymous page, one
	 * fault (counted as Linux counts exec's get_user_pages). */
	CHECK_EQ(get_mm_counter(mm, MM_ANONPAGES), 1);
	CHECK_EQ(a->min_flt, 1);
	CHECK_EQ(k->vm.item[VM_pgfault] - flt, 1);
	CHECK(mm->start_stack > 0x7fffffffe000ULL && mm->start_stack < 0x7ffffffff000ULL);
	CHECK_EQ(mm->start_stack % 16, 0);
	/* argc = 1 at start_stack, then argv[0] pointing at "A". */
	uint64_t argc = 0, argv0 = 0;
	char name[2] = "";
	CHECK_EQ(test_access(m, a, mm->start_stack, &argc, 8, ACCESS_READ, NULL), 0);
	CHECK_EQ(test_access(m, a, mm->start_stack + 8, &argv0, 8, ACCESS_READ, NULL), 0);
	CHECK_EQ(argc, 1);
	CHECK_EQ(test_access(m, a, argv0, name, 2, ACCESS_READ, NULL), 0);
	CHECK(name[0] == 'A' && name[1] == '\0');
	CHECK(test_checks_ok(m));
out:
	mm_machine_destroy(m);
}

TEST(read_then_write_two_faults)
{
	struct mm_machine *m = boot();
	if (!m)
		return;
	struct mm_kernel *k = &m->k;
	struct task_struct *a = test_spawn(m, "A", 0);
	if (!a)
		goto out;
	int64_t p = vm_mmap(a->mm, 0, K4, RW, PRIV_ANON, NULL, 0);
	CHECK_EQ(p, 0x7ffff7ffe000LL);
	uint64_t flt = k->vm.item[VM_pgfault], minor = a->min_flt;
	uint64_t rss = get_mm_rss(a->mm);
	uint8_t b = 0xff;
	struct access_stats st = { 0 };
	/* Read: the zero page, read-only, no RSS. */
	CHECK_EQ(test_access(m, a, (mm_va_t)p, &b, 1, ACCESS_READ, &st), 0);
	CHECK_EQ(b, 0);
	CHECK_EQ(st.by_kind[FAULT_KIND_ZERO], 1);
	CHECK_EQ(test_pte_pa(a, (mm_va_t)p), page_to_pfn(k, k->zero_page) << k->page_shift);
	CHECK(!(test_pte_flags(a, (mm_va_t)p) & PTE_F_WRITE));
	CHECK_EQ(get_mm_rss(a->mm), rss);
	CHECK_STR(k->tasks->last.result, "zero");
	/* Write: a second fault replaces the zero page with a zeroed page. */
	b = 7;
	CHECK_EQ(test_access(m, a, (mm_va_t)p, &b, 1, ACCESS_WRITE, &st), 0);
	CHECK_EQ(st.faults, 2);
	CHECK_EQ(st.by_kind[FAULT_KIND_COW], 1);
	CHECK_STR(k->tasks->last.result, "cow");
	CHECK(test_pte_pa(a, (mm_va_t)p) != page_to_pfn(k, k->zero_page) << k->page_shift);
	CHECK(test_pte_flags(a, (mm_va_t)p) & PTE_F_WRITE);
	CHECK_EQ(get_mm_rss(a->mm), rss + 1);
	CHECK_EQ(k->vm.item[VM_pgfault] - flt, 2);
	CHECK_EQ(a->min_flt - minor, 2);
	CHECK_EQ(a->cow_flt, 1);
	/* A third access hits the TLB: no fault. */
	CHECK_EQ(test_access(m, a, (mm_va_t)p, &b, 1, ACCESS_READ, &st), 0);
	CHECK_EQ(b, 7);
	CHECK_EQ(st.faults, 2);
	CHECK_STR(k->tasks->last.result, "hit");
	CHECK(test_checks_ok(m));
out:
	mm_machine_destroy(m);
}

TEST(write_first_is_one_fault)
{
	struct mm_machine *m = boot();
	if (!m)
		return;
	struct task_struct *a = test_spawn(m, "A", 0);
	if (!a)
		goto out;
	int64_t p = vm_mmap(a->mm, 0, K4, RW, PRIV_ANON, NULL, 0);
	uint64_t minor = a->min_flt;
	uint8_t b = 1;
	struct access_stats st = { 0 };
	CHECK_EQ(test_access(m, a, (mm_va_t)p, &b, 1, ACCESS_WRITE, &st), 0);
	/* do_anonymous_page with a write: a zeroed page, RW and dirty at once. */
	CHECK_EQ(st.faults, 1);
	CHECK_EQ(st.by_kind[FAULT_KIND_ANON], 1);
	CHECK_EQ(a->min_flt - minor, 1);
	CHECK_EQ(a->cow_flt, 0);
	unsigned f = test_pte_flags(a, (mm_va_t)p);
	CHECK((f & PTE_F_WRITE) && (f & PTE_F_DIRTY) && (f & PTE_F_ACCESSED));
	struct page *page = pfn_to_page(&m->k, test_pte_pa(a, (mm_va_t)p) >> 12);
	CHECK(PageFlag(page, PG_anon));
	CHECK_EQ(page->_mapcount, 1);
	CHECK_EQ(page->_refcount, 1);
	/* index = vm_pgoff + 0 = the address in pages. */
	CHECK_EQ(page->index, (uint64_t)p >> 12);
	CHECK(test_checks_ok(m));
out:
	mm_machine_destroy(m);
}

TEST(demand_paging_8m_touch_1m)
{
	struct mm_machine *m = boot();
	if (!m)
		return;
	struct mm_kernel *k = &m->k;
	struct task_struct *a = test_spawn(m, "A", 0);
	if (!a)
		goto out;
	uint64_t vm = a->mm->total_vm, rss = get_mm_rss(a->mm), pt = a->mm->pgtables_bytes;
	uint64_t flt = k->vm.item[VM_pgfault];
	int64_t p = vm_mmap(a->mm, 0, 8 * MM_MB, RW, PRIV_ANON, NULL, 0);
	/* THP placement: 0x7ffff7600000 (see vma_test's worked example). */
	CHECK_EQ(p, 0x7ffff7600000LL);
	CHECK_EQ(a->mm->total_vm - vm, 2048);
	CHECK_EQ(get_mm_rss(a->mm), rss); /* mapping is not paging */
	struct access_stats st = { 0 };
	CHECK_EQ(task_touch(k, a, (mm_va_t)p, MM_MB, ACCESS_WRITE, NULL, &st), 0);
	/* Exactly 1M more resident: 256 pages, 256 faults. */
	CHECK_EQ(get_mm_rss(a->mm) - rss, 256);
	CHECK_EQ(st.pages, 256);
	CHECK_EQ(st.faults, 256);
	CHECK_EQ(k->vm.item[VM_pgfault] - flt, 256);
	/* One new PTE table: the 1M lies in one 2M-aligned region, PMD index
	 * (0x7ffff7600000 - 0x7fffc0000000) >> 21 = 443 of the PMD table the
	 * stack already uses (it covers [0x7fffc0000000, 0x800000000000)). */
	CHECK_EQ(a->mm->pgtables_bytes - pt, K4);
	CHECK(test_checks_ok(m));
out:
	mm_machine_destroy(m);
}

TEST(zero_page_shared_by_reads)
{
	struct mm_machine *m = boot();
	if (!m)
		return;
	struct mm_kernel *k = &m->k;
	struct task_struct *a = test_spawn(m, "A", 0);
	struct task_struct *b = test_spawn(m, "B", 0);
	if (!a || !b)
		goto out;
	int64_t pa = vm_mmap(a->mm, 0, 16 * K4, RW, PRIV_ANON, NULL, 0);
	int64_t pb = vm_mmap(b->mm, 0, 16 * K4, RW, PRIV_ANON, NULL, 0);
	uint64_t free_before = test_free_pages_pcp(k);
	CHECK_EQ(task_touch(k, a, (mm_va_t)pa, 16 * K4, ACCESS_READ, NULL, &(struct access_stats){ 0 }), 0);
	CHECK_EQ(task_touch(k, b, (mm_va_t)pb, 16 * K4, ACCESS_READ, NULL, &(struct access_stats){ 0 }), 0);
	mm_pa_t z = page_to_pfn(k, k->zero_page) << k->page_shift;
	/* 32 read faults, one frame: every PTE maps the zero page. */
	for (int i = 0; i < 16; i++) {
		CHECK_EQ(test_pte_pa(a, (mm_va_t)pa + i * K4), z);
		CHECK_EQ(test_pte_pa(b, (mm_va_t)pb + i * K4), z);
	}
	CHECK_EQ(get_mm_counter(a->mm, MM_ANONPAGES), 1); /* the argument page only */
	/* No data page was allocated; only page tables (one PTE table each). */
	CHECK_EQ(free_before - test_free_pages_pcp(k), 2);
	/* The zero page is the kernel image's last page: reserved, never counted. */
	CHECK(PageFlag(k->zero_page, PG_reserved) && PageFlag(k->zero_page, PG_zero));
	CHECK(test_checks_ok(m));
out:
	mm_machine_destroy(m);
}

TEST(stack_grows_within_rlimit)
{
	struct mm_machine *m = boot();
	if (!m)
		return;
	struct task_struct *a = test_spawn(m, "A", 0);
	if (!a)
		goto out;
	struct mm_struct *mm = a->mm;
	uint64_t stk = mm->stack_vm;
	/* 64K below the stack's start (0x7ffffffde000 - 0x10000 = 0x7ffffffce000):
	 * the VMA grows down to it, 16 pages more of VmStk. */
	uint64_t v = 42;
	struct access_stats st = { 0 };
	CHECK_EQ(test_access(m, a, 0x7ffffffce000ULL, &v, 8, ACCESS_WRITE, &st), 0);
	struct vm_area_struct *s = vma_lookup(mm, 0x7ffffffce000ULL);
	CHECK(s && s->vm_start == 0x7ffffffce000ULL && s->vm_end == 0x7ffffffff000ULL);
	CHECK_EQ(mm->stack_vm - stk, 16);
	/* Down to 8M below the top (RLIMIT_STACK) is fine: 0x7ffffffff000 -
	 * 0x800000 = 0x7fffff7ff000, a 2048-page stack. */
	CHECK_EQ(test_access(m, a, 0x7fffff7ff000ULL, &v, 8, ACCESS_WRITE, &st), 0);
	CHECK_EQ(mm->stack_vm, 2048);
	CHECK_EQ(st.signal, 0);
	/* One page more would make it 8M + 4K: SIGSEGV (well above mmap_base,
	 * 0x7ffff7fff000, so nothing else is in the way). */
	CHECK_EQ(test_access(m, a, 0x7fffff7fe000ULL, &v, 8, ACCESS_WRITE, &st), -EFAULT);
	CHECK_EQ(st.signal, SIGSEGV);
	CHECK_STR(task_state_name(a), "killed:segv");
	CHECK(test_checks_ok(m));
out:
	mm_machine_destroy(m);
}

TEST(segv_kills_and_frees_everything)
{
	struct mm_machine *m = boot();
	if (!m)
		return;
	struct mm_kernel *k = &m->k;
	/* Settle the allocators first: pcp lists drained, empty slabs gone. */
	drain_all_pages(k);
	uint64_t free0 = global_free_pages(k), pt0 = k->nr_pagetable_pages;
	uint64_t av0 = rmap_nr_anon_vmas(k);
	struct task_struct *a = test_spawn(m, "A", 0);
	if (!a)
		goto out;
	int64_t p = vm_mmap(a->mm, 0, 4 * MM_MB, RW, PRIV_ANON, NULL, 0);
	CHECK_EQ(task_touch(k, a, (mm_va_t)p, 2 * MM_MB, ACCESS_WRITE, NULL,
			    &(struct access_stats){ 0 }), 0);
	CHECK(test_free_pages_pcp(k) + 512 < free0);
	/* A write to page 0: no VMA, SIGSEGV; the process is killed. */
	struct access_stats st = { 0 };
	uint8_t b = 1;
	CHECK_EQ(test_access(m, a, 0, &b, 1, ACCESS_WRITE, &st), -EFAULT);
	CHECK_EQ(st.signal, SIGSEGV);
	CHECK_EQ(a->life, TASK_KILLED);
	CHECK(a->mm == NULL);
	CHECK_STR(k->tasks->last.result, "segv");
	/* Its memory is all back: pages, page tables (PGD included), anon_vmas.
	 * The slab objects (task_struct stays: a zombie) may keep their slabs;
	 * shrinking the caches it used returns those, and the per-CPU lists are
	 * drained, so every page counts again. */
	CHECK_EQ(k->nr_pagetable_pages, pt0);
	CHECK_EQ(rmap_nr_anon_vmas(k), av0);
	task_free(k, a);
	const enum kmem_named_cache caches[] = { KMEM_TASK_STRUCT, KMEM_MM_STRUCT, KMEM_VM_AREA_STRUCT,
						 KMEM_ANON_VMA, KMEM_ANON_VMA_CHAIN };
	for (size_t i = 0; i < MM_ARRAY_SIZE(caches); i++)
		if (kmem_named_cache(k, caches[i]))
			kmem_cache_shrink(k, kmem_named_cache(k, caches[i]));
	drain_all_pages(k);
	CHECK_EQ(global_free_pages(k), free0);
	CHECK(test_checks_ok(m));
out:
	mm_machine_destroy(m);
}

/*
 * access_error's last rule: a VMA with none of VM_READ/WRITE/EXEC takes no
 * access at all, a read included (x86 bad_area_access_error before
 * handle_mm_fault: no pgfault counted, no PTE made). After mprotect
 * PROT_READ the same read is an ordinary zero-page fault.
 */
TEST(prot_none_read_is_segv_until_mprotect)
{
	struct mm_machine *m = boot();
	if (!m)
		return;
	struct mm_kernel *k = &m->k;
	struct task_struct *a = test_spawn(m, "A", 0);
	if (!a)
		goto out;
	int64_t p = vm_mmap(a->mm, 0, 2 * K4, PROT_NONE, PRIV_ANON, NULL, 0);
	CHECK(p > 0);
	uint8_t b = 0xff;
	struct access_stats st = { 0 };
	/* The first page becomes readable: a read fault maps the zero page. */
	CHECK_EQ(do_mprotect(a->mm, (mm_va_t)p, K4, PROT_READ), 0);
	CHECK_EQ(test_access(m, a, (mm_va_t)p, &b, 1, ACCESS_READ, &st), 0);
	CHECK_EQ(b, 0);
	CHECK_EQ(st.signal, 0);
	/* The second stays PROT_NONE: SIGSEGV, no fault handled, no PTE. */
	uint64_t flt = k->vm.item[VM_pgfault];
	CHECK_EQ(test_access(m, a, (mm_va_t)p + K4, &b, 1, ACCESS_READ, &st), -EFAULT);
	CHECK_EQ(st.signal, SIGSEGV);
	CHECK_EQ(k->vm.item[VM_pgfault], flt);
	CHECK_STR(task_state_name(a), "killed:segv");
	CHECK(test_checks_ok(m));
out:
	mm_machine_destroy(m);
}

TEST(forbidden_access_is_segv_without_a_fault)
{
	struct mm_machine *m = boot();
	if (!m)
		return;
	struct mm_kernel *k = &m->k;
	struct task_struct *a = test_spawn(m, "A", 0);
	if (!a)
		goto out;
	/* A write to the text (r-x): access_error, SIGSEGV; no pgfault counted
	 * (x86's bad_area never reaches handle_mm_fault). */
	uint64_t flt = k->vm.item[VM_pgfault];
	uint8_t b = 0;
	struct access_stats st = { 0 };
	CHECK_EQ(test_access(m, a, 0x400000, &b, 1, ACCESS_WRITE, &st), -EFAULT);
	CHECK_EQ(st.signal, SIGSEGV);
	CHECK_EQ(k->vm.item[VM_pgfault], flt);
	CHECK(strstr(k->log.buf, "A[1]: segfault at 400000") != NULL);
	/* A new process may take the dead one's name. */
	struct task_struct *a2 = test_spawn(m, "A", 0);
	CHECK(a2 && a2->pid == 2 && a2->life == TASK_ALIVE);
	/* Executing the data (rw-, NX): a protection fault after the page is in. */
	if (a2) {
		CHECK_EQ(task_touch(k, a2, 0x410000, 1, ACCESS_EXEC, NULL, &st), -EFAULT);
		CHECK_STR(task_state_name(a2), "killed:segv");
	}
	CHECK(test_checks_ok(m));
out:
	mm_machine_destroy(m);
}

TEST(tlb_stride_counts)
{
	/* The default TLB (docs/mmu-tlb.md): L1d 4K 64 entries 4-way (16 sets),
	 * L2 4K+2M 1536 entries 12-way (128 sets). 256 consecutive pages,
	 * read twice after being populated (populate does not go through the
	 * MMU, so nothing is cached at first):
	 *   pass 1: 256 misses, 256 walks, no hit;
	 *   pass 2: each L1d set saw 16 pages and kept the last 4, so page i
	 *     (in order) is gone from L1d when it comes again; the L2 holds 2
	 *     pages per set: 0 L1d hits, 256 L2 hits, no walk. */
	struct mm_machine *m = boot();
	if (!m)
		return;
	struct mm_kernel *k = &m->k;
	struct task_struct *a = test_spawn(m, "A", 0);
	if (!a)
		goto out;
	int64_t p = vm_mmap(a->mm, 0, 256 * K4, RW, PRIV_ANON | MAP_POPULATE, NULL, 0);
	CHECK_EQ(get_mm_counter(a->mm, MM_ANONPAGES), 257);
	struct hw_cpu *c = &m->cpus[0];
	sched_ensure_running(k, a, NULL);
	hw_cpu_stats_reset(c);
	struct access_stats st1 = { 0 }, st2 = { 0 };
	CHECK_EQ(task_touch(k, a, (mm_va_t)p, 256 * K4, ACCESS_READ, NULL, &st1), 0);
	CHECK_EQ(st1.walks, 256);
	CHECK_EQ(st1.hits, 0);
	CHECK_EQ(c->stats.misses, 256);
	CHECK_EQ(task_touch(k, a, (mm_va_t)p, 256 * K4, ACCESS_READ, NULL, &st2), 0);
	CHECK_EQ(st2.hits, 256);
	CHECK_EQ(st2.walks, 0);
	CHECK_EQ(hw_cpu_hits(c, TLB_L1D), 0);
	CHECK_EQ(hw_cpu_hits(c, TLB_L2), 256);
	CHECK_EQ(c->stats.misses, 256);
	CHECK(test_checks_ok(m));
out:
	mm_machine_destroy(m);
}

TEST(accessed_and_dirty_bits)
{
	struct mm_machine *m = boot();
	if (!m)
		return;
	struct mm_kernel *k = &m->k;
	struct task_struct *a = test_spawn(m, "A", 0);
	if (!a)
		goto out;
	int64_t p = vm_mmap(a->mm, 0, K4, RW, PRIV_ANON | MAP_POPULATE, NULL, 0);
	mm_va_t va = (mm_va_t)p;
	/* Populate wrote the page (a write fault): A and D set by the kernel. */
	CHECK((test_pte_flags(a, va) & (PTE_F_ACCESSED | PTE_F_DIRTY)) == (PTE_F_ACCESSED | PTE_F_DIRTY));
	/* Clean both bits (as reclaim and writeback would) and flush. */
	mm_pa_t e;
	unsigned level;
	CHECK(user_pte_lookup(a->mm, va, &level, &e));
	mm_pte_t pte = pte_read(k, e);
	unsigned f = arch_pte_flags(k->arch, pte) & ~(unsigned)(PTE_F_ACCESSED | PTE_F_DIRTY);
	pte_write(k, e, arch_pte_encode(k->arch, arch_pte_pfn(k->arch, pte), f));
	flush_tlb_mm(a->mm);
	hw_cpu_stats_reset(&m->cpus[0]);
	/* A read: the MMU walks and sets A, not D. */
	uint8_t b;
	CHECK_EQ(test_access(m, a, va, &b, 1, ACCESS_READ, NULL), 0);
	f = test_pte_flags(a, va);
	CHECK((f & PTE_F_ACCESSED) && !(f & PTE_F_DIRTY));
	/* A write through the entry cached clean: the dirty-bit assist sets D. */
	CHECK_EQ(test_access(m, a, va, &b, 1, ACCESS_WRITE, NULL), 0);
	CHECK(test_pte_flags(a, va) & PTE_F_DIRTY);
	CHECK_EQ(m->cpus[0].stats.dirty_walks, 1);
	CHECK(test_checks_ok(m));
out:
	mm_machine_destroy(m);
}

TEST(populate_and_mlock)
{
	struct mm_machine *m = boot();
	if (!m)
		return;
	struct task_struct *a = test_spawn(m, "A", 0);
	if (!a)
		goto out;
	uint64_t rss = get_mm_rss(a->mm), minor = a->min_flt;
	int64_t p = vm_mmap(a->mm, 0, 8 * K4, RW, PRIV_ANON, NULL, 0);
	CHECK_EQ(do_mlock(a->mm, (mm_va_t)p, 8 * K4, 0), 0);
	/* mlock faulted all 8 pages in (writes: private writable memory). */
	CHECK_EQ(get_mm_rss(a->mm) - rss, 8);
	CHECK_EQ(a->min_flt - minor, 8);
	CHECK_EQ(a->mm->locked_vm, 8);
	struct page *pg = pfn_to_page(&m->k, test_pte_pa(a, (mm_va_t)p) >> 12);
	CHECK(PageFlag(pg, PG_mlocked));
	CHECK(test_checks_ok(m));
out:
	mm_machine_destroy(m);
}

TEST(toy_machine_faults)
{
	/* va_bits 14, 64-byte pages, 2 levels; the zero page comes from the
	 * buddy allocator on the first read fault (no kernel image). */
	struct mm_machine *m = boot_cpus("toy", 1, NULL);
	if (!m)
		return;
	struct mm_kernel *k = &m->k;
	CHECK(k->zero_page == NULL);
	struct task_struct *a = test_spawn(m, "A", 0);
	if (!a)
		goto out;
	CHECK_EQ(a->mm->start_code, 64);
	uint8_t b = 0xee;
	CHECK_EQ(test_access(m, a, a->mm->start_brk - 1, &b, 1, ACCESS_READ, NULL), 0); /* bss */
	CHECK_EQ(b, 0);
	CHECK(k->zero_page != NULL);
	b = 5;
	CHECK_EQ(test_access(m, a, a->mm->start_brk - 1, &b, 1, ACCESS_WRITE, NULL), 0);
	b = 0;
	CHECK_EQ(test_access(m, a, a->mm->start_brk - 1, &b, 1, ACCESS_READ, NULL), 0);
	CHECK_EQ(b, 5);
	CHECK(test_checks_ok(m));
out:
	mm_machine_destroy(m);
}

int main(void)
{
	RUN(spawn_layout);
	RUN(read_then_write_two_faults);
	RUN(write_first_is_one_fault);
	RUN(demand_paging_8m_touch_1m);
	RUN(zero_page_shared_by_reads);
	RUN(stack_grows_within_rlimit);
	RUN(segv_kills_and_frees_everything);
	RUN(forbidden_access_is_segv_without_a_fault);
	RUN(prot_none_read_is_segv_until_mprotect);
	RUN(tlb_stride_counts);
	RUN(accessed_and_dirty_bits);
	RUN(populate_and_mlock);
	RUN(toy_machine_faults);
	return test_summary();
}
