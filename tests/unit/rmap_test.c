/*
 * rmap_test.c - the reverse map: anon_vma chains through fork, split,
 * merge, mremap and exit; rmap_walk over anonymous, shared anonymous and
 * file pages; page_referenced's test-and-clear of the Accessed bits with
 * x86's lack of a flush.
 */
#include <errno.h>
#include <string.h>

#include "kernel/task.h"
#include "mm/internal.h"
#include "mm/memory.h"
#include "mm/rmap.h"
#include "sim/machine.h"
#include "fixtures.h"
#include "test.h"

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

static struct task_struct *fork_of(struct mm_machine *m, struct task_struct *p, const char *name)
{
	return test_fork(m, p, name, false);
}

static int rw(struct mm_machine *m, struct task_struct *t, mm_va_t va, void *buf, size_t len,
	      enum access_op op)
{
	return test_access(m, t, va, buf, len, op, NULL);
}

static struct page *page_at(struct task_struct *t, mm_va_t va)
{
	mm_pte_t pte = test_pte(t, va);
	return pte ? pfn_to_page(t->mm->k, arch_pte_pfn(t->mm->k->arch, pte)) : NULL;
}

/* Record where a walk found the page. */
struct seen {
	unsigned n;
	struct mm_struct *mm[8];
	mm_va_t addr[8];
};

static bool record(struct page *page, struct vm_area_struct *vma, mm_va_t addr, mm_pa_t pte_pa,
		   void *arg)
{
	struct seen *s = arg;
	(void)page;
	(void)pte_pa;
	if (s->n < 8) {
		s->mm[s->n] = vma->vm_mm;
		s->addr[s->n] = addr;
	}
	s->n++;
	return true;
}

TEST(anon_page_found_in_parent_and_child)
{
	struct mm_machine *m = boot();
	if (!m)
		return;
	struct mm_kernel *k = &m->k;
	struct task_struct *a = spawn(m, "A");
	if (!a)
		goto out;
	mm_va_t p = (mm_va_t)vm_mmap(a->mm, 0, 2 * K4, RW, PRIV_ANON, NULL, 0);
	CHECK_EQ(rw(m, a, p, "ab", 2, ACCESS_WRITE), 0);
	struct task_struct *b = fork_of(m, a, "B");
	if (!b)
		goto out;
	struct page *pg = page_at(a, p);
	struct seen s = { 0 };
	CHECK_EQ(rmap_walk(k, pg, record, &s), 2);
	CHECK(s.n == 2 && ((s.mm[0] == a->mm && s.mm[1] == b->mm) || (s.mm[0] == b->mm && s.mm[1] == a->mm)));
	CHECK(s.addr[0] == p && s.addr[1] == p);
	/* The page keeps the parent's anon_vma; the child's VMA is on its list. */
	struct vm_area_struct *va = vma_lookup(a->mm, p), *vb = vma_lookup(b->mm, p);
	CHECK(pg->mapping == va->anon_vma);
	CHECK(vb->anon_vma != va->anon_vma && vb->anon_vma->parent == va->anon_vma);
	CHECK(vb->anon_vma->root == va->anon_vma);
	/* After the child's COW: each page is found once, in its own process. */
	CHECK_EQ(rw(m, b, p, "X", 1, ACCESS_WRITE), 0);
	struct page *copy = page_at(b, p);
	CHECK(copy != pg && copy->mapping == vb->anon_vma);
	CHECK_EQ(page_mapped_count(k, pg), 1);
	CHECK_EQ(page_mapped_count(k, copy), 1);
	memset(&s, 0, sizeof(s));
	rmap_walk(k, copy, record, &s);
	CHECK(s.n == 1 && s.mm[0] == b->mm);
	CHECK(test_checks_ok(m));
out:
	mm_machine_destroy(m);
}

TEST(anon_vma_lifetimes)
{
	struct mm_machine *m = boot();
	if (!m)
		return;
	struct mm_kernel *k = &m->k;
	uint64_t av0 = rmap_nr_anon_vmas(k), avc0 = rmap_nr_avcs(k);
	struct task_struct *a = spawn(m, "A");
	if (!a)
		goto out;
	/* The stack's argument page gave the stack an anon_vma. */
	CHECK_EQ(rmap_nr_anon_vmas(k) - av0, 1);
	mm_va_t p = (mm_va_t)vm_mmap(a->mm, 0, K4, RW, PRIV_ANON, NULL, 0);
	CHECK_EQ(rw(m, a, p, "x", 1, ACCESS_WRITE), 0);
	CHECK_EQ(rmap_nr_anon_vmas(k) - av0, 2);
	CHECK_EQ(rmap_nr_avcs(k) - avc0, 2);
	/* fork: each of the two VMAs with an anon_vma gets its own in the
	 * child and two links (its own, the parent's). */
	struct task_struct *b = fork_of(m, a, "B");
	if (!b)
		goto out;
	CHECK_EQ(rmap_nr_anon_vmas(k) - av0, 4);
	CHECK_EQ(rmap_nr_avcs(k) - avc0, 2 + 4);
	/* A grandchild: three links per VMA, one more anon_vma each. */
	struct task_struct *c = fork_of(m, b, "C");
	if (!c)
		goto out;
	CHECK_EQ(rmap_nr_anon_vmas(k) - av0, 6);
	CHECK_EQ(rmap_nr_avcs(k) - avc0, 2 + 4 + 6);
	/* B exits: its anon_vmas stay (C's VMAs still link to them), its
	 * own links go. */
	task_exit(k, b);
	CHECK_EQ(rmap_nr_anon_vmas(k) - av0, 6);
	CHECK_EQ(rmap_nr_avcs(k) - avc0, 2 + 6);
	/* A fork of A now reuses B's orphaned anon_vma? No: B's has a child
	 * (C's), so num_children = 2 ... each A fork makes new ones. */
	task_exit(k, c);
	CHECK_EQ(rmap_nr_anon_vmas(k) - av0, 2);
	CHECK_EQ(rmap_nr_avcs(k) - avc0, 2);
	task_exit(k, a);
	CHECK_EQ(rmap_nr_anon_vmas(k), av0);
	CHECK_EQ(rmap_nr_avcs(k), avc0);
	CHECK(test_checks_ok(m));
out:
	mm_machine_destroy(m);
}

TEST(split_merge_and_mremap_keep_the_map)
{
	struct mm_machine *m = boot();
	if (!m)
		return;
	struct mm_kernel *k = &m->k;
	struct task_struct *a = spawn(m, "A");
	if (!a)
		goto out;
	mm_va_t p = (mm_va_t)vm_mmap(a->mm, 0, 3 * K4, RW, PRIV_ANON, NULL, 0);
	for (int i = 0; i < 3; i++)
		CHECK_EQ(rw(m, a, p + i * K4, "q", 1, ACCESS_WRITE), 0);
	int vmas = a->mm->map_count;
	/* mprotect of the middle: three VMAs, one anon_vma, every page found. */
	CHECK_EQ(do_mprotect(a->mm, p + K4, K4, PROT_READ), 0);
	CHECK_EQ(a->mm->map_count, vmas + 2);
	for (int i = 0; i < 3; i++)
		CHECK_EQ(page_mapped_count(k, page_at(a, p + i * K4)), 1);
	CHECK(vma_lookup(a->mm, p)->anon_vma == vma_lookup(a->mm, p + K4)->anon_vma);
	/* Back to rw: one VMA again (same anon_vma, offsets run on). */
	CHECK_EQ(do_mprotect(a->mm, p + K4, K4, RW), 0);
	CHECK_EQ(a->mm->map_count, vmas);
	/* mremap moves the pages (a mapping right after stops it growing in
	 * place): the map follows them (same index). */
	CHECK_EQ(vm_mmap(a->mm, p + 3 * K4, K4, PROT_READ, PRIV_ANON | MAP_FIXED_NOREPLACE, NULL, 0),
		 (int64_t)(p + 3 * K4));
	struct page *pg = page_at(a, p);
	uint64_t idx = pg->index;
	int64_t q = do_mremap(a->mm, p, 3 * K4, 6 * K4, MREMAP_MAYMOVE, 0);
	CHECK(q > 0 && (mm_va_t)q != p);
	struct seen s = { 0 };
	CHECK_EQ(rmap_walk(k, pg, record, &s), 1);
	CHECK(s.n == 1 && s.addr[0] == (mm_va_t)q);
	CHECK_EQ(pg->index, idx);
	char got = 0;
	CHECK_EQ(rw(m, a, (mm_va_t)q + 2 * K4, &got, 1, ACCESS_READ), 0);
	CHECK_EQ(got, 'q');
	CHECK(test_checks_ok(m));
out:
	mm_machine_destroy(m);
}

TEST(file_and_shared_pages)
{
	struct mm_machine *m = boot();
	if (!m)
		return;
	struct mm_kernel *k = &m->k;
	struct task_struct *a = spawn(m, "A");
	if (!a)
		goto out;
	uint8_t b;
	CHECK_EQ(rw(m, a, 0x400000, &b, 1, ACCESS_READ), 0);
	struct task_struct *c = fork_of(m, a, "C");
	if (!c)
		goto out;
	CHECK_EQ(rw(m, c, 0x400000, &b, 1, ACCESS_READ), 0);
	/* The text page: a page-cache page, found through the file's VMAs. */
	struct page *pg = page_at(a, 0x400000);
	CHECK(pg == page_at(c, 0x400000) && !PageFlag(pg, PG_anon));
	CHECK_EQ(page_mapped_count(k, pg), 2);
	/* Shared anonymous: the family's root anon_vma finds both. */
	mm_va_t s = (mm_va_t)vm_mmap(a->mm, 0, K4, RW, MAP_SHARED | MAP_ANONYMOUS, NULL, 0);
	CHECK_EQ(rw(m, a, s, "s", 1, ACCESS_WRITE), 0);
	struct task_struct *d = fork_of(m, a, "D");
	if (!d)
		goto out;
	CHECK_EQ(rw(m, d, s, &b, 1, ACCESS_READ), 0);
	CHECK_EQ(b, 's');
	struct page *sp = page_at(a, s);
	CHECK(page_is_shared_anon(sp));
	CHECK_EQ(page_mapped_count(k, sp), 2);
	CHECK_EQ(shmem_nr_pages(page_anon_vma(sp)), 1);
	CHECK(test_checks_ok(m));
out:
	mm_machine_destroy(m);
}

TEST(page_referenced_clears_young_without_a_flush)
{
	struct mm_machine *m = boot();
	if (!m)
		return;
	struct mm_kernel *k = &m->k;
	struct task_struct *a = spawn(m, "A");
	if (!a)
		goto out;
	mm_va_t p = (mm_va_t)vm_mmap(a->mm, 0, K4, RW, PRIV_ANON, NULL, 0);
	CHECK_EQ(rw(m, a, p, "r", 1, ACCESS_WRITE), 0);
	struct task_struct *b = fork_of(m, a, "B");
	if (!b)
		goto out;
	struct page *pg = page_at(a, p);
	/* The parent's PTE is young (its fault set A); the child's copy was
	 * made old by fork. */
	vm_flags_t flags = 0;
	CHECK_EQ(page_referenced(k, pg, &flags), 1);
	CHECK(flags & VM_WRITE);
	/* Cleared: a second look finds nothing. */
	CHECK_EQ(page_referenced(k, pg, NULL), 0);
	/* The child reads it: a TLB miss, a walk that sets A in its PTE. */
	uint8_t b8;
	CHECK_EQ(rw(m, b, p, &b8, 1, ACCESS_READ), 0);
	CHECK_EQ(page_referenced(k, pg, NULL), 1);
	/* Read again: the TLB still holds the translation (x86 did not flush
	 * when A was cleared), so the MMU does not walk and A stays clear. */
	CHECK_EQ(rw(m, b, p, &b8, 1, ACCESS_READ), 0);
	CHECK_STR(k->tasks->last.result, "hit");
	CHECK_EQ(page_referenced(k, pg, NULL), 0);
	/* After a flush the next access walks and the page is young again. */
	flush_tlb_mm(b->mm);
	CHECK_EQ(rw(m, b, p, &b8, 1, ACCESS_READ), 0);
	CHECK_STR(k->tasks->last.result, "walk");
	CHECK_EQ(page_referenced(k, pg, NULL), 1);
	/* An mlocked mapping stops the walk and says so. */
	CHECK_EQ(do_mlock(a->mm, p, K4, 0), 0);
	flags = 0;
	page_referenced(k, page_at(a, p), &flags);
	CHECK(flags & VM_LOCKED);
	CHECK(test_checks_ok(m));
out:
	mm_machine_destroy(m);
}

int main(void)
{
	RUN(anon_page_found_in_parent_and_child);
	RUN(anon_vma_lifetimes);
	RUN(split_merge_and_mremap_keep_the_map);
	RUN(file_and_shared_pages);
	RUN(page_referenced_clears_young_without_a_flush);
	return test_summary();
}
