/*
 * thp_test.c - transparent huge pages (huge_memory.c): the PMD fault, the
 * fallback, splits on partial munmap / mprotect / madvise, COW after fork.
 *
 * Worked expectations (x86_64, 128M, THP = 2M = 512 pages = order 9):
 *   an aligned fault with transparent_hugepage=always: RSS + 2M (512
 *   pages), AnonHugePages 2M (nr_anon_transparent_hugepages 512 in base
 *   pages), one PS leaf at the PMD level, and touching all 512 pages after
 *   it walks no more (one 2M TLB entry: 512 hits, 0 walks);
 *   munmap of 4K in the middle: thp_split_pmd 1, thp_split_page 1,
 *   RSS 2M - 4K, AnonHugePages 0;
 *   no free order-9 block: thp_fault_fallback 1 and RSS + 4K.
 */
#include <errno.h>
#include <string.h>

#include "kernel/task.h"
#include "mm/huge_memory.h"
#include "mm/internal.h"
#include "mm/memory.h"
#include "sim/machine.h"
#include "fixtures.h"
#include "test.h"

#define M2 0x200000ULL
#define K4 0x1000ULL
#define RW (PROT_READ | PROT_WRITE)
#define PRIV_ANON (MAP_PRIVATE | MAP_ANONYMOUS)

static struct mm_machine *boot(void)
{
	return test_try_boot(NULL, 0, 0, 1);
}

static struct task_struct *spawn(struct mm_machine *m, const char *name)
{
	return test_spawn(m, name, 0);
}

static unsigned leaf_level(struct task_struct *t, mm_va_t va)
{
	unsigned level = 99;
	mm_pa_t e;
	if (!user_pte_lookup(t->mm, va, &level, &e) || !pte_read(t->mm->k, e))
		return 99;
	return level;
}

/* A process with a 4M anonymous mapping (2M-aligned) and THP always. */
static struct task_struct *setup(struct mm_machine *m, mm_va_t *addr)
{
	char err[64];
	CHECK_EQ(mm_sysctl_set_str(&m->k, "transparent_hugepage", "always", err, sizeof(err)), 0);
	struct task_struct *t = spawn(m, "A");
	if (!t)
		return NULL;
	int64_t a = vm_mmap(t->mm, 0, 4 * MM_MB, RW, PRIV_ANON, NULL, 0);
	CHECK(a > 0);
	CHECK_EQ((uint64_t)a & (M2 - 1), 0);
	*addr = (mm_va_t)a;
	return t;
}

TEST(aligned_fault_maps_pmd)
{
	struct mm_machine *m = boot();
	if (!m)
		return;
	struct mm_kernel *k = &m->k;
	mm_va_t a;
	struct task_struct *t = setup(m, &a);
	if (!t)
		goto out;
	uint64_t rss0 = get_mm_rss(t->mm);
	CHECK_EQ(test_access(m, t, a + 3 * K4, "thp", 3, ACCESS_WRITE, NULL), 0);
	CHECK_EQ(get_mm_rss(t->mm) - rss0, 512);
	CHECK_EQ(k->vm.item[VM_thp_fault_alloc], 1);
	CHECK_EQ(k->vm.item[VM_nr_anon_transparent_hugepages], 512);
	CHECK_EQ(leaf_level(t, a), k->arch->nr_levels - 2);
	struct vm_area_struct *vma = vma_lookup(t->mm, a);
	CHECK(vma && thp_vma_allowable(vma));
	/* All 512 pages through the one 2M TLB entry the retry filled. */
	struct access_stats st = { 0 };
	CHECK_EQ(task_touch(k, t, a, M2, ACCESS_READ, NULL, &st), 0);
	CHECK_EQ(st.pages, 512);
	CHECK_EQ(st.hits, 512);
	CHECK_EQ(st.walks, 0);
	CHECK_EQ(st.faults, 0);
	char buf[4] = "";
	test_access(m, t, a + 3 * K4, buf, 3, ACCESS_READ, NULL);
	CHECK_STR(buf, "thp");
	CHECK(mm_check_vm_full(k));
	/* A whole munmap frees it and its deposited table. */
	uint64_t tables = k->nr_pagetable_pages;
	CHECK_EQ(vm_munmap(t->mm, a, 4 * MM_MB), 0);
	CHECK_EQ(get_mm_rss(t->mm), rss0);
	CHECK_EQ(k->vm.item[VM_nr_anon_transparent_hugepages], 0);
	CHECK(k->nr_pagetable_pages < tables);
	CHECK(mm_check_vm_full(k));
out:
	mm_machine_destroy(m);
}

TEST(partial_munmap_splits)
{
	struct mm_machine *m = boot();
	if (!m)
		return;
	struct mm_kernel *k = &m->k;
	mm_va_t a;
	struct task_struct *t = setup(m, &a);
	if (!t)
		goto out;
	uint64_t rss0 = get_mm_rss(t->mm);
	test_access(m, t, a + 8 * K4, "keep", 4, ACCESS_WRITE, NULL);
	CHECK_EQ(vm_munmap(t->mm, a + MM_MB, K4), 0);
	CHECK_EQ(k->vm.item[VM_thp_split_pmd], 1);
	CHECK_EQ(k->vm.item[VM_thp_split_page], 1);
	CHECK_EQ(get_mm_rss(t->mm) - rss0, 511);
	CHECK_EQ(k->vm.item[VM_nr_anon_transparent_hugepages], 0);
	CHECK_EQ(leaf_level(t, a), k->arch->nr_levels - 1);
	CHECK_EQ(leaf_level(t, a + MM_MB), 99);
	char buf[5] = "";
	test_access(m, t, a + 8 * K4, buf, 4, ACCESS_READ, NULL);
	CHECK_STR(buf, "keep");
	CHECK(mm_check_vm_full(k));
out:
	mm_machine_destroy(m);
}

TEST(partial_mprotect_and_dontneed_split)
{
	struct mm_machine *m = boot();
	if (!m)
		return;
	struct mm_kernel *k = &m->k;
	mm_va_t a;
	struct task_struct *t = setup(m, &a);
	if (!t)
		goto out;
	uint64_t rss0 = get_mm_rss(t->mm);
	test_access(m, t, a, "x", 1, ACCESS_WRITE, NULL);
	test_access(m, t, a + M2, "y", 1, ACCESS_WRITE, NULL);
	CHECK_EQ(k->vm.item[VM_thp_fault_alloc], 2);
	CHECK_EQ(do_mprotect(t->mm, a, 64 * 1024, PROT_READ), 0);
	CHECK_EQ(k->vm.item[VM_thp_split_pmd], 1);
	CHECK_EQ(get_mm_rss(t->mm) - rss0, 1024); /* nothing freed */
	/* MADV_DONTNEED of 64K of the second THP: split, 16 pages freed. */
	CHECK_EQ(do_madvise(t->mm, a + M2, 16 * K4, MADV_DONTNEED), 0);
	CHECK_EQ(k->vm.item[VM_thp_split_pmd], 2);
	CHECK_EQ(get_mm_rss(t->mm) - rss0, 1024 - 16);
	CHECK(mm_check_vm_full(k));
out:
	mm_machine_destroy(m);
}

TEST(fallback_without_order9_block)
{
	struct mm_machine *m = boot();
	if (!m)
		return;
	struct mm_kernel *k = &m->k;
	mm_va_t a;
	struct task_struct *t = setup(m, &a);
	if (!t)
		goto out;
	/* Take every block of order 9 or more (fragmentation's end state). */
	struct page *held[128];
	unsigned n = 0;
	while (n < 128) {
		struct page *p = alloc_pages(k, GFP_KERNEL | __GFP_NOWARN, 9);
		if (!p)
			break;
		held[n++] = p;
	}
	CHECK(n > 0 && n < 128);
	uint64_t rss0 = get_mm_rss(t->mm);
	CHECK_EQ(test_access(m, t, a, "4k", 2, ACCESS_WRITE, NULL), 0);
	CHECK_EQ(k->vm.item[VM_thp_fault_fallback], 1);
	CHECK_EQ(k->vm.item[VM_thp_fault_alloc], 0);
	CHECK_EQ(get_mm_rss(t->mm) - rss0, 1);
	CHECK_EQ(leaf_level(t, a), k->arch->nr_levels - 1);
	/* A PTE table is there now: the next fault in the range stays 4K
	 * without trying (no second fallback), even with blocks free again. */
	while (n)
		__free_pages(k, held[--n], 9);
	test_access(m, t, a + K4, "b", 1, ACCESS_WRITE, NULL);
	CHECK_EQ(k->vm.item[VM_thp_fault_fallback], 1);
	CHECK_EQ(get_mm_rss(t->mm) - rss0, 2);
	CHECK(mm_check_vm_full(k));
out:
	mm_machine_destroy(m);
}

TEST(modes)
{
	struct mm_machine *m = boot();
	if (!m)
		return;
	struct mm_kernel *k = &m->k;
	char err[64];
	CHECK_STR(thp_enabled_string(k), "always [madvise] never");
	CHECK_EQ(mm_sysctl_set_str(k, "transparent_hugepage", "sometimes", err, sizeof(err)), -EINVAL);
	struct task_struct *t = spawn(m, "A");
	if (!t)
		goto out;
	int64_t a = vm_mmap(t->mm, 0, 4 * MM_MB, RW, PRIV_ANON, NULL, 0);
	/* madvise mode: only after MADV_HUGEPAGE. */
	test_access(m, t, (mm_va_t)a, "x", 1, ACCESS_WRITE, NULL);
	CHECK_EQ(k->vm.item[VM_thp_fault_alloc], 0);
	CHECK_EQ(do_madvise(t->mm, (mm_va_t)a + M2, M2, MADV_HUGEPAGE), 0);
	test_access(m, t, (mm_va_t)a + M2, "y", 1, ACCESS_WRITE, NULL);
	CHECK_EQ(k->vm.item[VM_thp_fault_alloc], 1);
	/* never, and MADV_NOHUGEPAGE under always. */
	mm_sysctl_set_str(k, "transparent_hugepage", "always", err, sizeof(err));
	int64_t b = vm_mmap(t->mm, 0, 2 * MM_MB, RW, PRIV_ANON, NULL, 0);
	CHECK_EQ(do_madvise(t->mm, (mm_va_t)b, M2, MADV_NOHUGEPAGE), 0);
	test_access(m, t, (mm_va_t)b, "z", 1, ACCESS_WRITE, NULL);
	CHECK_EQ(k->vm.item[VM_thp_fault_alloc], 1);
	CHECK(mm_check_vm_full(k));
out:
	mm_machine_destroy(m);
}

TEST(fork_then_cow)
{
	struct mm_machine *m = boot();
	if (!m)
		return;
	struct mm_kernel *k = &m->k;
	mm_va_t a;
	struct task_struct *t = setup(m, &a), *c = NULL;
	if (!t)
		goto out;
	test_access(m, t, a, "parent", 6, ACCESS_WRITE, NULL);
	char err[128];
	CHECK_EQ(task_fork(k, t, "B", false, &c, err, sizeof(err)), 0);
	if (!c)
		goto out;
	/* fork split the parent's THP (mmsim: see huge_memory.c) and shared
	 * its 512 pages copy-on-write. */
	CHECK_EQ(k->vm.item[VM_thp_split_pmd], 1);
	CHECK(mm_check_vm_full(k));
	CHECK_EQ(test_access(m, c, a, "child!", 6, ACCESS_WRITE, NULL), 0);
	char buf[7] = "";
	test_access(m, t, a, buf, 6, ACCESS_READ, NULL);
	CHECK_STR(buf, "parent");
	test_access(m, c, a, buf, 6, ACCESS_READ, NULL);
	CHECK_STR(buf, "child!");
	CHECK(mm_check_vm_full(k));
out:
	mm_machine_destroy(m);
}

int main(void)
{
	RUN(aligned_fault_maps_pmd);
	RUN(partial_munmap_splits);
	RUN(partial_mprotect_and_dontneed_split);
	RUN(fallback_without_order9_block);
	RUN(modes);
	RUN(fork_then_cow);
	return test_summary();
}
