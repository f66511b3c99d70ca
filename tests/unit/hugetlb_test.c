/*
 * hugetlb_test.c - the hugetlb pool (hugetlb.c): vm.nr_hugepages, MAP_HUGETLB
 * mappings, reservations, faults, surplus pages, fork.
 *
 * Worked expectations (x86_64, 128M, huge page 2M = order 9 = 512 pages):
 *   nr_hugepages=4 takes 4 order-9 blocks: MemFree - 8M, Total 4, Free 4;
 *   mmap of 4M reserves 2 (Rsvd 2); touching one page: Free 3, Rsvd 1;
 *   munmap: Free 4, Rsvd 0. hugetlb memory is in no RSS counter.
 */
#include <errno.h>
#include <string.h>

#include "kernel/task.h"
#include "mm/hugetlb.h"
#include "mm/internal.h"
#include "mm/memory.h"
#include "sim/machine.h"
#include "fixtures.h"
#include "test.h"

#define M2 0x200000ULL
#define RW (PROT_READ | PROT_WRITE)
#define HUGE_ANON (MAP_PRIVATE | MAP_ANONYMOUS | MAP_HUGETLB)

static struct mm_machine *boot(void)
{
	return test_try_boot(NULL, 0, 0, 1);
}

static struct task_struct *spawn(struct mm_machine *m, const char *name)
{
	return test_spawn(m, name, 0);
}

static int set_nr(struct mm_machine *m, const char *name, int64_t v)
{
	char err[128];
	return mm_sysctl_set(&m->k, name, &v, 1, err, sizeof(err));
}

static int wr(struct mm_machine *m, struct task_struct *t, mm_va_t va, const char *s)
{
	return test_access(m, t, va, (void *)s, strlen(s), ACCESS_WRITE, NULL);
}

static int rd(struct mm_machine *m, struct task_struct *t, mm_va_t va, char *buf, size_t n)
{
	return test_access(m, t, va, buf, n, ACCESS_READ, NULL);
}

TEST(pool_takes_order9_blocks)
{
	struct mm_machine *m = boot();
	if (!m)
		return;
	struct mm_kernel *k = &m->k;
	CHECK_EQ(huge_page_size(k), M2);
	uint64_t free0 = global_free_pages(k);
	CHECK_EQ(set_nr(m, "vm.nr_hugepages", 4), 0);
	/* 4 blocks of 512 pages: 2048 pages = 8M fewer free. */
	CHECK_EQ(free0 - global_free_pages(k), 2048);
	CHECK_EQ(k->hstate.nr_huge_pages, 4);
	CHECK_EQ(k->hstate.free_huge_pages, 4);
	CHECK_EQ(k->vm.item[VM_htlb_buddy_alloc_success], 4);
	int64_t v = 0;
	CHECK_EQ(mm_sysctl_get(k, "vm.nr_hugepages", &v, 1, NULL, 0), 1);
	CHECK_EQ(v, 4);
	/* Shrinking gives the blocks back. */
	CHECK_EQ(set_nr(m, "vm.nr_hugepages", 0), 0);
	CHECK_EQ(global_free_pages(k), free0);
	CHECK_EQ(k->hstate.nr_huge_pages, 0);
	CHECK(hugetlb_check(k));
	CHECK(mm_check_vm_full(k));
	mm_machine_destroy(m);
}

TEST(mmap_reserves_fault_consumes)
{
	struct mm_machine *m = boot();
	if (!m)
		return;
	struct mm_kernel *k = &m->k;
	struct task_struct *t = spawn(m, "A");
	CHECK(t);
	if (!t)
		goto out;
	set_nr(m, "vm.nr_hugepages", 4);
	uint64_t rss0 = get_mm_rss(t->mm);
	int64_t h = vm_mmap(t->mm, 0, 4 * MM_MB, RW, HUGE_ANON, NULL, 0);
	CHECK(h > 0);
	CHECK_EQ((uint64_t)h & (M2 - 1), 0);
	CHECK_EQ(k->hstate.resv_huge_pages, 2);
	CHECK_EQ(k->hstate.free_huge_pages, 4);
	CHECK_EQ(wr(m, t, (mm_va_t)h + 4096, "hello"), 0);
	CHECK_EQ(k->hstate.free_huge_pages, 3);
	CHECK_EQ(k->hstate.resv_huge_pages, 1);
	CHECK_EQ(get_mm_rss(t->mm), rss0); /* hugetlb is not RSS */
	/* One PS leaf at the PMD level maps it. */
	unsigned level;
	mm_pa_t e;
	CHECK(user_pte_lookup(t->mm, (mm_va_t)h, &level, &e));
	CHECK_EQ(level, k->arch->nr_levels - 2);
	CHECK(arch_pte_flags(k->arch, pte_read(k, e)) & PTE_F_HUGE);
	char buf[6] = "";
	CHECK_EQ(rd(m, t, (mm_va_t)h + 4096, buf, 5), 0);
	CHECK_STR(buf, "hello");
	CHECK(mm_check_vm_full(k));
	/* Half a huge page cannot be unmapped. */
	CHECK_EQ(vm_munmap(t->mm, (mm_va_t)h + MM_MB, MM_MB), -EINVAL);
	CHECK_EQ(vm_munmap(t->mm, (mm_va_t)h, 4 * MM_MB), 0);
	CHECK_EQ(k->hstate.free_huge_pages, 4);
	CHECK_EQ(k->hstate.resv_huge_pages, 0);
	CHECK(mm_check_vm_full(k));
out:
	mm_machine_destroy(m);
}

TEST(length_rounding_and_errors)
{
	struct mm_machine *m = boot();
	if (!m)
		return;
	struct mm_kernel *k = &m->k;
	struct task_struct *t = spawn(m, "A");
	if (!t)
		goto out;
	/* An empty pool cannot reserve: ENOMEM, as Linux with nr_hugepages=0. */
	CHECK_EQ(vm_mmap(t->mm, 0, M2, RW, HUGE_ANON, NULL, 0), -ENOMEM);
	uint64_t committed = vm_memory_committed(k);
	set_nr(m, "vm.nr_hugepages", 2);
	/* 1M is rounded up to one huge page (ksys_mmap_pgoff's ALIGN). */
	int64_t h = vm_mmap(t->mm, 0, MM_MB, RW, HUGE_ANON, NULL, 0);
	CHECK(h > 0);
	struct vm_area_struct *vma = vma_lookup(t->mm, (mm_va_t)h);
	CHECK(vma && vma->vm_end - vma->vm_start == M2);
	CHECK_EQ(k->hstate.resv_huge_pages, 1);
	/* Not charged to Committed_AS: hugetlb has its own accounting. */
	CHECK_EQ(vm_memory_committed(k), committed);
	/* MAP_FIXED at an unaligned address: EINVAL. */
	CHECK_EQ(vm_mmap(t->mm, 0x40001000, M2, RW, HUGE_ANON | MAP_FIXED, NULL, 0), -EINVAL);
	/* A 4M request with one page left unreserved: ENOMEM, nothing changes. */
	CHECK_EQ(vm_mmap(t->mm, 0, 4 * MM_MB, RW, HUGE_ANON, NULL, 0), -ENOMEM);
	CHECK_EQ(k->hstate.resv_huge_pages, 1);
	CHECK(mm_check_vm_full(k));
out:
	mm_machine_destroy(m);
}

TEST(surplus_pages_from_overcommit)
{
	struct mm_machine *m = boot();
	if (!m)
		return;
	struct mm_kernel *k = &m->k;
	struct task_struct *t = spawn(m, "A");
	if (!t)
		goto out;
	set_nr(m, "vm.nr_overcommit_hugepages", 2);
	/* No persistent pages: the reservation gathers 2 surplus pages. */
	int64_t h = vm_mmap(t->mm, 0, 4 * MM_MB, RW, HUGE_ANON, NULL, 0);
	CHECK(h > 0);
	CHECK_EQ(k->hstate.nr_huge_pages, 2);
	CHECK_EQ(k->hstate.surplus_huge_pages, 2);
	CHECK_EQ(k->hstate.resv_huge_pages, 2);
	CHECK_EQ(wr(m, t, (mm_va_t)h, "a"), 0);
	CHECK_EQ(k->hstate.free_huge_pages, 1);
	/* Unmapped: surplus pages leave the pool. */
	CHECK_EQ(vm_munmap(t->mm, (mm_va_t)h, 4 * MM_MB), 0);
	CHECK_EQ(k->hstate.nr_huge_pages, 0);
	CHECK_EQ(k->hstate.surplus_huge_pages, 0);
	CHECK(mm_check_vm_full(k));
out:
	mm_machine_destroy(m);
}

TEST(shrink_below_in_use_makes_surplus)
{
	struct mm_machine *m = boot();
	if (!m)
		return;
	struct mm_kernel *k = &m->k;
	struct task_struct *t = spawn(m, "A");
	if (!t)
		goto out;
	set_nr(m, "vm.nr_hugepages", 2);
	int64_t h = vm_mmap(t->mm, 0, 4 * MM_MB, RW, HUGE_ANON, NULL, 0);
	CHECK(h > 0);
	wr(m, t, (mm_va_t)h, "a");
	wr(m, t, (mm_va_t)h + M2, "b");
	/* Both in use: nr_hugepages=0 leaves them as surplus. */
	set_nr(m, "vm.nr_hugepages", 0);
	CHECK_EQ(k->hstate.nr_huge_pages, 2);
	CHECK_EQ(k->hstate.surplus_huge_pages, 2);
	vm_munmap(t->mm, (mm_va_t)h, 4 * MM_MB);
	CHECK_EQ(k->hstate.nr_huge_pages, 0);
	CHECK(mm_check_vm_full(k));
out:
	mm_machine_destroy(m);
}

TEST(fork_copies_on_write)
{
	struct mm_machine *m = boot();
	if (!m)
		return;
	struct mm_kernel *k = &m->k;
	struct task_struct *t = spawn(m, "A"), *c = NULL;
	if (!t)
		goto out;
	set_nr(m, "vm.nr_hugepages", 3);
	int64_t h = vm_mmap(t->mm, 0, M2, RW, HUGE_ANON, NULL, 0);
	CHECK(h > 0);
	wr(m, t, (mm_va_t)h, "parent");
	CHECK_EQ(k->hstate.free_huge_pages, 2);
	char err[128];
	CHECK_EQ(task_fork(k, t, "B", false, &c, err, sizeof(err)), 0);
	if (!c)
		goto out;
	CHECK(mm_check_vm_full(k));
	/* The child writes: a copy from the pool (Free 1); the parent's data stays. */
	CHECK_EQ(wr(m, c, (mm_va_t)h, "child!"), 0);
	CHECK_EQ(k->hstate.free_huge_pages, 1);
	char buf[7] = "";
	rd(m, t, (mm_va_t)h, buf, 6);
	CHECK_STR(buf, "parent");
	rd(m, c, (mm_va_t)h, buf, 6);
	CHECK_STR(buf, "child!");
	CHECK(mm_check_vm_full(k));
out:
	mm_machine_destroy(m);
}

int main(void)
{
	RUN(pool_takes_order9_blocks);
	RUN(mmap_reserves_fault_consumes);
	RUN(length_rounding_and_errors);
	RUN(surplus_pages_from_overcommit);
	RUN(shrink_below_in_use_makes_surplus);
	RUN(fork_copies_on_write);
	return test_summary();
}
