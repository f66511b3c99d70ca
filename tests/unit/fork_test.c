/*
 * fork_test.c - fork as dup_mmap does it, copy-on-write afterwards, data
 * that survives it, shared anonymous memory, threads and TLB shootdowns,
 * exec and exit.
 *
 * Worked layout (x86_64): a 4K private mmap lands at 0x7ffff7ffe000 (the
 * top of the gap under mmap_base 0x7ffff7fff000); 256K at
 * 0x7ffff7fbe000 below a 4K one (0x7ffff7ffe000 - 0x40000).
 */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "kernel/task.h"
#include "mm/filemap.h"
#include "mm/internal.h"
#include "mm/memory.h"
#include "mm/rmap.h"
#include "sim/machine.h"
#include "fixtures.h"
#include "test.h"

#define K4 0x1000ULL
#define RW (PROT_READ | PROT_WRITE)
#define PRIV_ANON (MAP_PRIVATE | MAP_ANONYMOUS)
#define SHARED_ANON (MAP_SHARED | MAP_ANONYMOUS)

static struct mm_machine *boot(unsigned cpus)
{
	return test_try_boot(NULL, 0, cpus, 1);
}

static int rw(struct mm_machine *m, struct task_struct *t, mm_va_t va, void *buf, size_t len,
	      enum access_op op)
{
	return test_access(m, t, va, buf, len, op, NULL);
}

static struct page *page_at(struct task_struct *t, mm_va_t va)
{
	return pfn_to_page(t->mm->k, test_pte_pa(t, va) >> t->mm->k->page_shift);
}

/* Write `pattern=addr` words over [va, va+len). */
static void write_pattern(struct mm_machine *m, struct task_struct *t, mm_va_t va, size_t len,
			  uint64_t seed)
{
	uint64_t *buf = malloc(len);
	for (size_t i = 0; i < len / 8; i++)
		buf[i] = access_pattern_word(va + i * 8, seed);
	CHECK_EQ(rw(m, t, va, buf, len, ACCESS_WRITE), 0);
	free(buf);
}

/* Does [va, va+len) hold the pattern? */
static bool has_pattern(struct mm_machine *m, struct task_struct *t, mm_va_t va, size_t len,
			uint64_t seed)
{
	uint64_t *buf = malloc(len);
	bool ok = rw(m, t, va, buf, len, ACCESS_READ) == 0;
	for (size_t i = 0; ok && i < len / 8; i++)
		ok = buf[i] == access_pattern_word(va + i * 8, seed);
	free(buf);
	return ok;
}

TEST(child_write_copies_once_parent_reuses_after_exit)
{
	struct mm_machine *m = boot(1);
	if (!m)
		return;
	struct mm_kernel *k = &m->k;
	struct task_struct *a = test_spawn(m, "A", 0);
	if (!a)
		goto out;
	mm_va_t p = (mm_va_t)vm_mmap(a->mm, 0, K4, RW, PRIV_ANON, NULL, 0);
	CHECK_EQ(p, 0x7ffff7ffe000ULL);
	CHECK_EQ(rw(m, a, p, "hello", 5, ACCESS_WRITE), 0);
	mm_pa_t orig = test_pte_pa(a, p);
	struct task_struct *b = test_fork(m, a, "B", false);
	if (!b)
		goto out;
	/* After fork: one page, two read-only PTEs, mapcount and refcount 2. */
	struct page *pg = page_at(a, p);
	CHECK_EQ(test_pte_pa(b, p), orig);
	CHECK_EQ(pg->_mapcount, 2);
	CHECK_EQ(pg->_refcount, 2);
	CHECK(!(test_pte_flags(a, p) & PTE_F_WRITE));
	CHECK(!(test_pte_flags(b, p) & PTE_F_WRITE));
	/* The child's copy starts old (A clear), the parent's keeps A. */
	CHECK(!(test_pte_flags(b, p) & PTE_F_ACCESSED));
	/* The child's RSS: the pages copied (this one and the argument page). */
	CHECK_EQ(get_mm_counter(b->mm, MM_ANONPAGES), 2);
	/* Child writes: one COW, a copy with the same bytes. */
	uint64_t reuse = k->vm.item[VM_pgreuse];
	CHECK_EQ(rw(m, b, p, "W", 1, ACCESS_WRITE), 0);
	CHECK_EQ(b->cow_flt, 1);
	CHECK(test_pte_pa(b, p) != orig);
	char got[6] = "";
	CHECK_EQ(rw(m, b, p, got, 5, ACCESS_READ), 0);
	CHECK(memcmp(got, "Wello", 5) == 0);
	CHECK_EQ(rw(m, a, p, got, 5, ACCESS_READ), 0);
	CHECK(memcmp(got, "hello", 5) == 0);
	CHECK_EQ(pg->_mapcount, 1);
	CHECK_EQ(pg->_refcount, 1);
	/* A second child write: the copy is its own, no fault at all. */
	CHECK_EQ(rw(m, b, p + 1, "X", 1, ACCESS_WRITE), 0);
	CHECK_EQ(b->cow_flt, 1);
	/* The child exits; the parent's write reuses its page (pgreuse). */
	task_exit(k, b);
	CHECK_STR(task_state_name(b), "exited");
	CHECK_EQ(rw(m, a, p, "J", 1, ACCESS_WRITE), 0);
	CHECK_EQ(a->cow_flt, 0);
	CHECK_EQ(test_pte_pa(a, p), orig);
	CHECK_EQ(k->vm.item[VM_pgreuse] - reuse, 1);
	CHECK(test_pte_flags(a, p) & PTE_F_WRITE);
	CHECK(test_checks_ok(m));
out:
	mm_machine_destroy(m);
}

/*
 * wp_can_reuse_anon_folio needs both counts at 1: a page mapped once but
 * with another reference (a get_user_pages pin, a swap-cache reference)
 * must be copied, since the holder expects the old bytes to stay. Same
 * setup as above after the child exits (mapcount 1, refcount 1), plus one
 * reference taken by the test: the parent's write is a COW copy, not a
 * reuse (cow_flt 1, pgreuse +0, a new frame). Without the extra reference
 * the same write is a reuse (the test above).
 */
TEST(extra_reference_blocks_cow_reuse)
{
	struct mm_machine *m = boot(1);
	if (!m)
		return;
	struct mm_kernel *k = &m->k;
	struct task_struct *a = test_spawn(m, "A", 0);
	if (!a)
		goto out;
	mm_va_t p = (mm_va_t)vm_mmap(a->mm, 0, K4, RW, PRIV_ANON, NULL, 0);
	CHECK_EQ(rw(m, a, p, "hello", 5, ACCESS_WRITE), 0);
	mm_pa_t orig = test_pte_pa(a, p);
	struct task_struct *b = test_fork(m, a, "B", false);
	if (!b)
		goto out;
	task_exit(k, b);
	struct page *pg = page_at(a, p);
	CHECK_EQ(pg->_mapcount, 1);
	CHECK_EQ(pg->_refcount, 1);
	get_page(pg); /* the "pin" */
	uint64_t reuse = k->vm.item[VM_pgreuse];
	CHECK_EQ(rw(m, a, p, "J", 1, ACCESS_WRITE), 0);
	CHECK_EQ(a->cow_flt, 1);
	CHECK(test_pte_pa(a, p) != orig);
	CHECK_EQ(k->vm.item[VM_pgreuse] - reuse, 0);
	/* The pinned page kept the old bytes; only the pin holds it now. */
	CHECK_EQ(pg->_mapcount, 0);
	CHECK_EQ(pg->_refcount, 1);
	put_page(k, pg);
	char got[6] = "";
	CHECK_EQ(rw(m, a, p, got, 5, ACCESS_READ), 0);
	CHECK(memcmp(got, "Jello", 5) == 0);
	CHECK(test_checks_ok(m));
out:
	mm_machine_destroy(m);
}

TEST(patterns_survive_fork_and_cow)
{
	struct mm_machine *m = boot(1);
	if (!m)
		return;
	struct task_struct *a = test_spawn(m, "A", 0);
	if (!a)
		goto out;
	mm_va_t p = (mm_va_t)vm_mmap(a->mm, 0, 256 * K4, RW, PRIV_ANON, NULL, 0);
	write_pattern(m, a, p, 256 * K4, 0);
	struct task_struct *b = test_fork(m, a, "B", false);
	struct task_struct *c = b ? test_fork(m, b, "C", false) : NULL;
	if (!c)
		goto out;
	/* Each writes its own seed over a different quarter. */
	write_pattern(m, b, p, 64 * K4, 1);
	write_pattern(m, c, p + 64 * K4, 64 * K4, 2);
	write_pattern(m, a, p + 128 * K4, 64 * K4, 3);
	CHECK(has_pattern(m, a, p, 128 * K4, 0));
	CHECK(has_pattern(m, a, p + 128 * K4, 64 * K4, 3));
	CHECK(has_pattern(m, a, p + 192 * K4, 64 * K4, 0));
	CHECK(has_pattern(m, b, p, 64 * K4, 1));
	CHECK(has_pattern(m, b, p + 64 * K4, 192 * K4, 0));
	CHECK(has_pattern(m, c, p, 64 * K4, 0));
	CHECK(has_pattern(m, c, p + 64 * K4, 64 * K4, 2));
	CHECK(has_pattern(m, c, p + 128 * K4, 128 * K4, 0));
	/* The last quarter was written by nobody since: one page, 3 mappings. */
	CHECK_EQ(page_at(a, p + 200 * K4)->_mapcount, 3);
	CHECK_EQ(page_mapped_count(&m->k, page_at(a, p + 200 * K4)), 3);
	CHECK_EQ(b->cow_flt, 64);
	CHECK_EQ(c->cow_flt, 64);
	CHECK_EQ(a->cow_flt, 64);
	CHECK(test_checks_ok(m));
out:
	mm_machine_destroy(m);
}

TEST(fork_skips_ptes_of_file_mappings_without_anon_vma)
{
	struct mm_machine *m = boot(1);
	if (!m)
		return;
	struct task_struct *a = test_spawn(m, "A", 0);
	if (!a)
		goto out;
	/* Read the text: a page-cache page mapped (RssFile 4K). */
	uint8_t op = 0;
	CHECK_EQ(rw(m, a, 0x400000, &op, 1, ACCESS_READ), 0);
	CHECK_EQ(op, 0x90); /* exe= text is NOPs */
	CHECK(get_mm_counter(a->mm, MM_FILEPAGES) >= 1);
	struct task_struct *b = test_fork(m, a, "B", false);
	if (!b)
		goto out;
	/* vma_needs_copy: the text has no anon_vma, its PTEs are not copied;
	 * the child faults them back from the page cache (a minor fault). */
	CHECK_EQ(get_mm_counter(b->mm, MM_FILEPAGES), 0);
	CHECK_EQ(test_pte_pa(b, 0x400000), 0);
	uint64_t minor = b->min_flt;
	CHECK_EQ(rw(m, b, 0x400000, &op, 1, ACCESS_READ), 0);
	CHECK_EQ(b->min_flt - minor, 1);
	CHECK_EQ(b->maj_flt, 0);
	CHECK_EQ(test_pte_pa(b, 0x400000), test_pte_pa(a, 0x400000));
	/* The data (rw-p): initially the pattern=addr words of the exe file. */
	CHECK(has_pattern(m, a, 0x410000, 4 * K4, 0));
	CHECK(test_checks_ok(m));
out:
	mm_machine_destroy(m);
}

TEST(shared_anonymous_memory_is_shared_across_fork)
{
	struct mm_machine *m = boot(1);
	if (!m)
		return;
	struct task_struct *a = test_spawn(m, "A", 0);
	if (!a)
		goto out;
	mm_va_t p = (mm_va_t)vm_mmap(a->mm, 0, 2 * K4, RW, SHARED_ANON, NULL, 0);
	CHECK_EQ(rw(m, a, p, "one", 3, ACCESS_WRITE), 0);
	CHECK_EQ(get_mm_counter(a->mm, MM_SHMEMPAGES), 1);
	struct task_struct *b = test_fork(m, a, "B", false);
	if (!b)
		goto out;
	/* Not copied at fork (shmem refills from its pages), found on fault. */
	CHECK_EQ(get_mm_counter(b->mm, MM_SHMEMPAGES), 0);
	char got[4] = "";
	CHECK_EQ(rw(m, b, p, got, 3, ACCESS_READ), 0);
	CHECK(memcmp(got, "one", 3) == 0);
	CHECK_EQ(test_pte_pa(b, p), test_pte_pa(a, p));
	/* A write in the child is seen by the parent: no COW. */
	CHECK_EQ(rw(m, b, p, "two", 3, ACCESS_WRITE), 0);
	CHECK_EQ(b->cow_flt, 0);
	CHECK_EQ(rw(m, a, p, got, 3, ACCESS_READ), 0);
	CHECK(memcmp(got, "two", 3) == 0);
	/* The second page, first touched by the child, is the parent's too. */
	CHECK_EQ(rw(m, b, p + K4, "3", 1, ACCESS_WRITE), 0);
	CHECK_EQ(rw(m, a, p + K4, got, 1, ACCESS_READ), 0);
	CHECK_EQ(got[0], '3');
	struct page *pg = page_at(a, p);
	CHECK(!PageFlag(pg, PG_anon) && PageFlag(pg, PG_swapbacked));
	/* Two PTEs plus the family's own reference. */
	CHECK_EQ(pg->_mapcount, 2);
	CHECK_EQ(pg->_refcount, 3);
	/* MADV_DONTNEED drops the PTE, not the data (as with shmem). */
	CHECK_EQ(do_madvise(a->mm, p, K4, MADV_DONTNEED), 0);
	CHECK_EQ(rw(m, a, p, got, 3, ACCESS_READ), 0);
	CHECK(memcmp(got, "two", 3) == 0);
	CHECK(test_checks_ok(m));
out:
	mm_machine_destroy(m);
}

TEST(dontfork_and_wipeonfork)
{
	struct mm_machine *m = boot(1);
	if (!m)
		return;
	struct task_struct *a = test_spawn(m, "A", 0);
	if (!a)
		goto out;
	mm_va_t p = (mm_va_t)vm_mmap(a->mm, 0, 4 * K4, RW, PRIV_ANON, NULL, 0);
	mm_va_t q = (mm_va_t)vm_mmap(a->mm, 0, 4 * K4, PROT_READ, PRIV_ANON, NULL, 0);
	CHECK_EQ(rw(m, a, p, "keep", 4, ACCESS_WRITE), 0);
	CHECK_EQ(do_madvise(a->mm, q, 4 * K4, MADV_DONTFORK), 0);
	uint64_t vm = a->mm->total_vm;
	struct task_struct *b = test_fork(m, a, "B", false);
	if (!b)
		goto out;
	CHECK(vma_lookup(b->mm, q) == NULL);
	CHECK_EQ(b->mm->total_vm, vm - 4);
	CHECK_EQ(b->mm->map_count, a->mm->map_count - 1);
	CHECK_EQ(do_madvise(a->mm, p, 4 * K4, MADV_WIPEONFORK), 0);
	struct task_struct *c = test_fork(m, a, "C", false);
	if (!c)
		goto out;
	char got[4] = "x";
	CHECK_EQ(rw(m, c, p, got, 4, ACCESS_READ), 0);
	CHECK(got[0] == 0 && got[3] == 0); /* wiped: a fresh zero page */
	CHECK(test_checks_ok(m));
out:
	mm_machine_destroy(m);
}

TEST(fork_accounting_and_hiwater)
{
	struct mm_machine *m = boot(1);
	if (!m)
		return;
	struct mm_kernel *k = &m->k;
	struct task_struct *a = test_spawn(m, "A", 0);
	if (!a)
		goto out;
	mm_va_t p = (mm_va_t)vm_mmap(a->mm, 0, 64 * K4, RW, PRIV_ANON, NULL, 0);
	CHECK_EQ(task_touch(k, a, p, 64 * K4, ACCESS_WRITE, NULL, &(struct access_stats){ 0 }), 0);
	/* munmap half: RSS goes down, VmHWM remembers the peak. */
	CHECK_EQ(vm_munmap(a->mm, p, 32 * K4), 0);
	uint64_t hwm = a->mm->hiwater_rss;
	CHECK_EQ(hwm, 65); /* 64 pages + the argument page */
	int64_t committed = k->vm_committed_as;
	struct task_struct *b = test_fork(m, a, "B", false);
	if (!b)
		goto out;
	/* The child inherits the hiwater marks (dup_mm copies them). */
	CHECK_EQ(b->mm->hiwater_rss, hwm);
	/* Its accounted VMAs are charged again: data 4 + bss 2 + the 32 mmap
	 * pages left + the stack's 33. */
	CHECK_EQ(k->vm_committed_as - committed, 4 + 2 + 32 + 33);
	task_exit(k, b);
	CHECK_EQ(k->vm_committed_as, committed);
	CHECK(test_checks_ok(m));
out:
	mm_machine_destroy(m);
}

TEST(threads_share_memory_and_get_shootdowns)
{
	struct mm_machine *m = boot(2);
	if (!m)
		return;
	struct mm_kernel *k = &m->k;
	struct task_struct *a = test_spawn(m, "A", 0);
	if (!a)
		goto out;
	struct task_struct *t = test_fork(m, a, "T", true);
	if (!t)
		goto out;
	CHECK(t->mm == a->mm);
	CHECK_EQ(t->tgid, a->pid);
	CHECK_EQ(task_nr_threads(k, a), 2);
	CHECK_EQ(sched_run(k, t, 1, NULL), 0);
	mm_va_t p = (mm_va_t)vm_mmap(a->mm, 0, 4 * K4, RW, PRIV_ANON, NULL, 0);
	CHECK_EQ(rw(m, t, p, "tt", 2, ACCESS_WRITE), 0);
	CHECK_EQ(rw(m, a, p + K4, "aa", 2, ACCESS_WRITE), 0);
	char got[2];
	CHECK_EQ(rw(m, a, p, got, 2, ACCESS_READ), 0);
	CHECK(got[0] == 't');
	/* Both CPUs run the mm: A's munmap (on cpu0) shoots cpu1 down. */
	uint64_t ipis = m->cpus[1].stats.shootdowns;
	task_set_current(k, a);
	CHECK_EQ(vm_munmap(a->mm, p, 4 * K4), 0);
	CHECK_EQ(m->cpus[1].stats.shootdowns - ipis, 1);
	CHECK_EQ(m->cpus[0].stats.ipis_sent, 1);
	/* A thread exits alone; the process exits as a whole. */
	task_exit(k, t);
	CHECK(a->mm != NULL);
	CHECK_EQ(task_nr_threads(k, a), 1);
	struct task_struct *t2 = test_fork(m, a, "T2", true);
	task_exit(k, a);
	CHECK(t2 && t2->life == TASK_EXITED);
	CHECK(test_checks_ok(m));
out:
	mm_machine_destroy(m);
}

TEST(context_switch_asids)
{
	/* Linux's 6 dynamic ASIDs per CPU (PCID = ASID + 1); cpu0 starts
	 * with init_mm in ASID 0. */
	struct mm_machine *m = boot(1);
	if (!m)
		return;
	struct mm_kernel *k = &m->k;
	struct task_struct *t[7];
	const char *names[7] = { "P1", "P2", "P3", "P4", "P5", "P6", "P7" };
	for (int i = 0; i < 7; i++)
		t[i] = test_spawn(m, names[i], 0);
	for (int i = 0; i < 7; i++)
		if (!t[i])
			goto out;
	/* Spawns took ASIDs 1, 2, 3, 4, 5, then wrapped: P6 got 0, P7 got 1. */
	CHECK_EQ(k->tasks->cpu[0].loaded_mm_asid, 1);
	CHECK_EQ(m->cpus[0].pcid, 2);
	/* Back to P5: its ASID 5 is still its: no flush (NOFLUSH CR3). */
	uint64_t flushes = m->cpus[0].stats.cr3_flushes;
	CHECK_EQ(sched_run(k, t[4], 0, NULL), 0);
	CHECK_EQ(k->tasks->cpu[0].loaded_mm_asid, 5);
	CHECK_EQ(m->cpus[0].stats.cr3_flushes, flushes);
	/* P1 lost ASID 1 to P7: a new ASID (next_asid 2) and a flush. */
	CHECK_EQ(sched_run(k, t[0], 0, NULL), 0);
	CHECK_EQ(k->tasks->cpu[0].loaded_mm_asid, 2);
	CHECK_EQ(m->cpus[0].stats.cr3_flushes, flushes + 1);
	CHECK(test_checks_ok(m));
out:
	mm_machine_destroy(m);
}

TEST(exec_replaces_the_address_space)
{
	struct mm_machine *m = boot(1);
	if (!m)
		return;
	struct mm_kernel *k = &m->k;
	struct task_struct *a = test_spawn(m, "A", 0);
	if (!a)
		goto out;
	vm_mmap(a->mm, 0, 64 * K4, RW, PRIV_ANON | MAP_POPULATE, NULL, 0);
	int pid = a->pid;
	struct exe_spec spec;
	exe_spec_default(k, &spec);
	spec.text_bytes = 128 * MM_KB;
	char err[200] = "";
	CHECK_EQ(task_exec(k, a, &spec, err, sizeof(err)), 0);
	CHECK_EQ(a->pid, pid);
	CHECK_EQ(a->mm->map_count, 4);
	CHECK_EQ(a->mm->start_data, 0x420000); /* text 128K from 0x400000 */
	CHECK_EQ(get_mm_counter(a->mm, MM_ANONPAGES), 1);
	CHECK(test_checks_ok(m));
out:
	mm_machine_destroy(m);
}

int main(void)
{
	RUN(child_write_copies_once_parent_reuses_after_exit);
	RUN(extra_reference_blocks_cow_reuse);
	RUN(patterns_survive_fork_and_cow);
	RUN(fork_skips_ptes_of_file_mappings_without_anon_vma);
	RUN(shared_anonymous_memory_is_shared_across_fork);
	RUN(dontfork_and_wipeonfork);
	RUN(fork_accounting_and_hiwater);
	RUN(threads_share_memory_and_get_shootdowns);
	RUN(context_switch_asids);
	RUN(exec_replaces_the_address_space);
	return test_summary();
}
