/*
 * vma_test.c - VMAs and the mmap family: placement, splitting, merging,
 * errors, brk, overcommit, and the page-level work under munmap, mprotect
 * and mremap.
 *
 * Like Linux's tools/testing/vma, a failing check prints the address space
 * (vma_dump_mm) so that the failure can be read off the map. Every
 * expected address is worked out by hand in the comment beside it, from
 * the x86_64 layout:
 *
 *   task_size = 0x7ffffffff000 (2^47 - 4K)
 *   mmap_base = task_size - 128M = 0x7ffffffff000 - 0x8000000 = 0x7ffff7fff000
 *   (stack rlimit 8M + guard gap 1M = 9M is below the 128M minimum gap)
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "mm/internal.h"
#include "mm/mm_struct.h"
#include "mm/slab.h"
#include "proc/view.h"
#include "sim/machine.h"
#include "fixtures.h"
#include "test.h"

#define K4 0x1000ULL
#define TASK_SIZE_64 0x7ffffffff000ULL
#define MMAP_BASE_64 0x7ffff7fff000ULL

#define RW (PROT_READ | PROT_WRITE)
#define PRIV_ANON (MAP_PRIVATE | MAP_ANONYMOUS)

static struct mm_machine *boot(const char *arch, int debug)
{
	struct mm_machine *m = test_try_boot(arch, 0, 0, debug);
	if (!m)
		return NULL;
	/* Until the boot sequence does these: the slab after the buddy, then
	 * the address-space tunables. */
	if (!m->k.slab && !m->k.arch->is_toy && kmem_cache_init(&m->k) != 0)
		printf("  kmem_cache_init failed\n");
	if (!m->k.mmlist.next)
		mmap_init(&m->k);
	return m;
}

/* A check that prints the address space when it fails. */
#define CHECK_MM(mm, cond)                                               \
	do {                                                             \
		int before_ = test_state_.cur_failed;                    \
		test_state_.cur_failed = 0;                              \
		CHECK(cond);                                             \
		if (test_state_.cur_failed)                              \
			vma_dump_mm(mm, stdout);                         \
		test_state_.cur_failed |= before_;                       \
	} while (0)
#define CHECK_EQ_MM(mm, a, b)                                            \
	do {                                                             \
		int before_ = test_state_.cur_failed;                    \
		test_state_.cur_failed = 0;                              \
		CHECK_EQ(a, b);                                          \
		if (test_state_.cur_failed)                              \
			vma_dump_mm(mm, stdout);                         \
		test_state_.cur_failed |= before_;                       \
	} while (0)

static int64_t map(struct mm_struct *mm, mm_va_t addr, uint64_t len, unsigned long prot,
		   unsigned long flags)
{
	return vm_mmap(mm, addr, len, prot, flags, NULL, 0);
}

/* Does [start, end) exist as exactly one VMA with these access flags? */
static bool has_vma(struct mm_struct *mm, mm_va_t start, mm_va_t end, vm_flags_t access)
{
	struct vm_area_struct *v = vma_lookup(mm, start);
	return v && v->vm_start == start && v->vm_end == end &&
	       (v->vm_flags & VM_ACCESS_FLAGS) == access;
}

TEST(layout_x86_64)
{
	struct mm_machine *m = boot("x86_64", 1);
	CHECK(m != NULL);
	if (!m)
		return;
	struct mm_struct *mm = mm_alloc(&m->k);
	CHECK(mm != NULL);
	CHECK_EQ(mm->task_size, TASK_SIZE_64);
	CHECK_EQ(mm->mmap_base, MMAP_BASE_64);
	/* Legacy base: PAGE_ALIGN(0x7ffffffff000 / 3) = PAGE_ALIGN(0x2aaaaaaaa555)
	 * = 0x2aaaaaaab000. */
	CHECK_EQ(mm->mmap_legacy_base, 0x2aaaaaaab000ULL);
	CHECK_EQ(mm->map_count, 0);
	/* Both objects live in their slab caches, in simulated RAM. */
	struct kmem_cache *vc = kmem_named_cache(&m->k, KMEM_VM_AREA_STRUCT);
	CHECK(!mm->in_host && mm->slab_va != 0);
	uint64_t before = vc ? vc->nr_allocated : 0;
	int64_t a = map(mm, 0, 4096, PROT_READ, PRIV_ANON);
	struct vm_area_struct *v = vma_lookup(mm, (mm_va_t)a);
	CHECK(v && !v->in_host && v->slab_va != 0);
	CHECK(vc && vc->nr_allocated == before + 1);
	mm_free(mm);
	CHECK(vc && vc->nr_allocated == before);
	test_shutdown(m);
}

/*
 * The randomised layout with a known random factor (x86 mmap_base and
 * mmap_legacy_base): with PF_RANDOMIZE the gap also reserves the stack's
 * maximum randomisation, 0x3fffff pages on 64-bit:
 *   gap = 8M + 1M guard + 0x3fffff000 = 0x4008ff000 (> 128M, < 5/6)
 *   base = 0x7ffffffff000 - 0x4008ff000 - rnd = 0x7ffbff700000 - rnd
 *   legacy = 0x2aaaaaaab000 + rnd
 */
TEST(randomized_layout_with_known_rnd)
{
	struct mm_machine *m = boot("x86_64", 1);
	CHECK(m != NULL);
	if (!m)
		return;
	struct mm_struct *mm = mm_alloc(&m->k);
	CHECK(mm != NULL);
	if (mm) {
		mm_pick_mmap_layout(mm, true, 0, false);
		CHECK_EQ(mm->mmap_base, 0x7ffbff700000ULL);
		mm_pick_mmap_layout(mm, true, 0x5123, false); /* rounded down to 0x5000 */
		CHECK_EQ(mm->mmap_base, 0x7ffbff6fb000ULL);
		CHECK_EQ(mm->mmap_legacy_base, 0x2aaaaaab0000ULL);
		/* Not randomised: the random bytes are ignored, gap 9M -> 128M. */
		mm_pick_mmap_layout(mm, false, 0x5123, false);
		CHECK_EQ(mm->mmap_base, MMAP_BASE_64);
		mm_free(mm);
	}
	test_shutdown(m);
}

TEST(topdown_placement)
{
	struct mm_machine *m = boot("x86_64", 1);
	if (!m)
		return;
	struct mm_struct *mm = mm_alloc(&m->k);
	/* 4K read-only: the top of the highest gap under mmap_base:
	 * 0x7ffff7fff000 - 0x1000 = 0x7ffff7ffe000. */
	CHECK_EQ_MM(mm, map(mm, 0, 4096, PROT_READ, PRIV_ANON), 0x7ffff7ffe000ULL);
	/* 8K read-write right below (other flags: no merge): 0x7ffff7ffc000. */
	CHECK_EQ_MM(mm, map(mm, 0, 8192, RW, PRIV_ANON), 0x7ffff7ffc000ULL);
	CHECK_EQ(mm->map_count, 2);
	/* 2M anonymous: THP-aligned. The search is for 2M + 2M = 4M:
	 * 0x7ffff7ffc000 - 0x400000 = 0x7ffff7bfc000; its distance to the next
	 * 2M boundary is 0x200000 - 0x1fc000 = 0x4000, so the mapping starts
	 * at 0x7ffff7c00000 and ends at 0x7ffff7e00000. */
	CHECK_EQ_MM(mm, map(mm, 0, 2 * MM_MB, RW, PRIV_ANON), 0x7ffff7c00000ULL);
	/* That left a gap [0x7ffff7e00000, 0x7ffff7ffc000) above it: the next 4K
	 * goes to its top, 0x7ffff7ffb000, and merges with the 8K rw VMA. */
	CHECK_EQ_MM(mm, map(mm, 0, 4096, RW, PRIV_ANON), 0x7ffff7ffb000ULL);
	CHECK_MM(mm, has_vma(mm, 0x7ffff7ffb000ULL, 0x7ffff7ffe000ULL, VM_READ | VM_WRITE));
	CHECK_EQ(mm->map_count, 3);
	/* Length rounding: 1 byte is one page; 0x7ffff7ffa000 merges too. */
	CHECK_EQ_MM(mm, map(mm, 0, 1, RW, PRIV_ANON), 0x7ffff7ffa000ULL);
	CHECK_EQ(mm->map_count, 3);
	/* total_vm: 1 + 3 + 1 + 512 pages = 517; data_vm: the rw ones 4 + 512. */
	CHECK_EQ(mm->total_vm, 517);
	CHECK_EQ(mm->data_vm, 516);
	/* A 2M shared mapping is not aligned (shmem's default is never): it
	 * takes the top of the gap below 0x7ffff7c00000 and does not merge. */
	CHECK_EQ_MM(mm, map(mm, 0, 2 * MM_MB, RW, MAP_SHARED | MAP_ANONYMOUS), 0x7ffff7a00000ULL);
	/* 4K shared fits in the gap left above the THP mapping, whose top is
	 * now 0x7ffff7ffa000: 0x7ffff7ff9000. */
	CHECK_EQ_MM(mm, map(mm, 0, 4096, RW, MAP_SHARED | MAP_ANONYMOUS), 0x7ffff7ff9000ULL);
	CHECK_EQ(mm->map_count, 5);
	CHECK(vma_validate_mm(mm));
	mm_free(mm);
	test_shutdown(m);
}

TEST(hints)
{
	struct mm_machine *m = boot("x86_64", 1);
	if (!m)
		return;
	struct mm_struct *mm = mm_alloc(&m->k);
	/* A free hint is taken as is. */
	CHECK_EQ_MM(mm, map(mm, 0x10000000, 8192, RW, PRIV_ANON), 0x10000000ULL);
	/* x86_64 rounds an unaligned hint down: 0x20000123 -> 0x20000000. */
	CHECK_EQ_MM(mm, map(mm, 0x20000123, 4096, RW, PRIV_ANON), 0x20000000ULL);
	/* An occupied hint falls back to the top-down search: 0x7ffff7ffe000. */
	CHECK_EQ_MM(mm, map(mm, 0x10001000, 4096, PROT_READ, PRIV_ANON), 0x7ffff7ffe000ULL);
	/* Below vm.mmap_min_addr (64K) a hint moves up to it: 0x10000. */
	CHECK_EQ_MM(mm, map(mm, 0x1000, 4096, RW, PRIV_ANON), 0x10000ULL);
	/* A hint whose end passes task_size is ignored: top-down again, two
	 * pages below the read-only page: 0x7ffff7ffe000 - 0x2000. */
	CHECK_EQ_MM(mm, map(mm, TASK_SIZE_64 - 4096, 8192, PROT_EXEC, PRIV_ANON), 0x7ffff7ffc000ULL);
	/* A stack keeps a 1M guard gap below it: a hint ending in that gap
	 * is refused. Stack at 0x7fff00000000, 64K, growing down. */
	CHECK_EQ_MM(mm, map(mm, 0x7fff00000000ULL, 65536, RW, PRIV_ANON | MAP_FIXED | MAP_GROWSDOWN),
		    0x7fff00000000ULL);
	int64_t a = map(mm, 0x7fff00000000ULL - 4096, 4096, PROT_READ, PRIV_ANON);
	CHECK_MM(mm, a != (int64_t)(0x7fff00000000ULL - 4096));
	/* ...but a hint a whole guard gap below is fine. */
	CHECK_EQ_MM(mm, map(mm, 0x7fff00000000ULL - MM_MB - 4096, 4096, PROT_READ, PRIV_ANON),
		    0x7fff00000000ULL - MM_MB - 4096);
	CHECK(vma_validate_mm(mm));
	mm_free(mm);
	test_shutdown(m);
}

TEST(mmap_errors)
{
	struct mm_machine *m = boot("x86_64", 1);
	if (!m)
		return;
	struct mm_struct *mm = mm_alloc(&m->k);
	int64_t a = map(mm, 0, 16384, RW, PRIV_ANON);
	CHECK_EQ(a, MMAP_BASE_64 - 16384);
	CHECK_EQ(map(mm, 0, 0, RW, PRIV_ANON), -EINVAL);                    /* len 0 */
	CHECK_EQ(map(mm, 0, 4096, RW, MAP_ANONYMOUS), -EINVAL);              /* no type */
	CHECK_EQ(map(mm, 0, 4096, RW, MAP_SHARED_VALIDATE | MAP_ANONYMOUS), -EINVAL);
	CHECK_EQ(map(mm, 0x10000001, 4096, RW, PRIV_ANON | MAP_FIXED), -EINVAL); /* unaligned */
	CHECK_EQ(map(mm, 0x1000, 4096, RW, PRIV_ANON | MAP_FIXED), -EPERM);  /* < mmap_min_addr */
	CHECK_EQ(map(mm, (mm_va_t)a, 4096, RW, PRIV_ANON | MAP_FIXED_NOREPLACE), -EEXIST);
	CHECK_EQ(map(mm, 0, 4096, RW, MAP_SHARED | MAP_ANONYMOUS | MAP_GROWSDOWN), -EINVAL);
	CHECK_EQ(map(mm, 0, TASK_SIZE_64 + 4096, RW, PRIV_ANON), -ENOMEM);  /* too long */
	CHECK_EQ(map(mm, 0, ~0ULL - 100, RW, PRIV_ANON), -ENOMEM);          /* rounds to 0 */
	CHECK_EQ(map(mm, 0, 2 * MM_MB, RW, PRIV_ANON | MAP_HUGETLB), -ENOMEM); /* empty pool */
	CHECK_EQ(vm_mmap(mm, 0, 4096, RW, MAP_PRIVATE, NULL, 0), -EBADF);    /* no fd */
	CHECK_EQ(vm_mmap(mm, 0, 4096, RW, PRIV_ANON, NULL, 100), -EINVAL);   /* offset */
	/* MAP_FIXED past the top: [task_size - 4K, task_size + 4K). */
	CHECK_EQ(map(mm, TASK_SIZE_64 - 4096, 8192, RW, PRIV_ANON | MAP_FIXED), -ENOMEM);
	/* Unknown prot bits are ignored by mmap (mprotect refuses them). */
	CHECK(map(mm, 0, 4096, RW | 0x10, PRIV_ANON) > 0);
	CHECK_EQ(do_mprotect(mm, (mm_va_t)a, 4096, RW | 0x10), -EINVAL);
	CHECK_EQ(mm->map_count, 1); /* the last mapping merged below the first */
	CHECK(vma_validate_mm(mm));
	mm_free(mm);
	test_shutdown(m);
}

TEST(map_fixed_over_middle)
{
	struct mm_machine *m = boot("x86_64", 1);
	if (!m)
		return;
	struct mm_struct *mm = mm_alloc(&m->k);
	/* X = 0x7ffff7fff000 - 0x4000 = 0x7ffff7ffb000, 4 pages rw. */
	mm_va_t x = MMAP_BASE_64 - 0x4000;
	CHECK_EQ(map(mm, 0, 0x4000, RW, PRIV_ANON), x);
	CHECK_EQ(m->k.vm_committed_as, 4);
	/* MAP_FIXED read-only over pages 1-2: rw | r | rw. */
	CHECK_EQ_MM(mm, map(mm, x + K4, 2 * K4, PROT_READ, PRIV_ANON | MAP_FIXED), x + K4);
	CHECK_EQ_MM(mm, mm->map_count, 3);
	CHECK_MM(mm, has_vma(mm, x, x + K4, VM_READ | VM_WRITE));
	CHECK_MM(mm, has_vma(mm, x + K4, x + 3 * K4, VM_READ));
	CHECK_MM(mm, has_vma(mm, x + 3 * K4, x + 4 * K4, VM_READ | VM_WRITE));
	CHECK_EQ(mm->total_vm, 4);
	/* The read-only middle is not accounted: 4 - 2 = 2 pages. */
	CHECK_EQ(m->k.vm_committed_as, 2);
	/* MAP_FIXED rw over the middle again: it merges with both sides. */
	CHECK_EQ_MM(mm, map(mm, x + K4, 2 * K4, RW, PRIV_ANON | MAP_FIXED), x + K4);
	CHECK_EQ_MM(mm, mm->map_count, 1);
	CHECK_MM(mm, has_vma(mm, x, x + 4 * K4, VM_READ | VM_WRITE));
	CHECK_EQ(m->k.vm_committed_as, 4);
	/* MAP_FIXED_NOREPLACE next to it is fine, and merges. */
	CHECK_EQ_MM(mm, map(mm, x - K4, K4, RW, PRIV_ANON | MAP_FIXED_NOREPLACE), x - K4);
	CHECK_EQ(mm->map_count, 1);
	CHECK(vma_validate_mm(mm));
	mm_free(mm);
	CHECK_EQ(m->k.vm_committed_as, 0);
	test_shutdown(m);
}

TEST(mprotect_split_merge)
{
	struct mm_machine *m = boot("x86_64", 1);
	if (!m)
		return;
	struct mm_struct *mm = mm_alloc(&m->k);
	mm_va_t x = MMAP_BASE_64 - 3 * K4;
	CHECK_EQ(map(mm, 0, 3 * K4, RW, PRIV_ANON), x);
	CHECK_EQ(m->k.vm_committed_as, 3);
	CHECK_EQ(do_mprotect(mm, x + K4, K4, PROT_READ), 0);
	CHECK_EQ_MM(mm, mm->map_count, 3);
	CHECK_MM(mm, has_vma(mm, x + K4, x + 2 * K4, VM_READ));
	/* No page was ever faulted (no anon_vma): the charge goes back. */
	CHECK_EQ(m->k.vm_committed_as, 2);
	CHECK_EQ(mm->data_vm, 2);
	CHECK_EQ(do_mprotect(mm, x + K4, K4, RW), 0);
	CHECK_EQ_MM(mm, mm->map_count, 1);
	CHECK_MM(mm, has_vma(mm, x, x + 3 * K4, VM_READ | VM_WRITE));
	CHECK_EQ(m->k.vm_committed_as, 3);
	CHECK_EQ(mm->data_vm, 3);
	/* The tail, then the head: cases 4 and 5 of vma_merge. */
	CHECK_EQ(do_mprotect(mm, x + 2 * K4, K4, PROT_READ), 0);
	CHECK_EQ(mm->map_count, 2);
	CHECK_EQ(do_mprotect(mm, x + K4, K4, PROT_READ), 0); /* joins the tail */
	CHECK_MM(mm, has_vma(mm, x + K4, x + 3 * K4, VM_READ));
	CHECK_EQ(do_mprotect(mm, x, K4, PROT_READ), 0);      /* joins everything */
	CHECK_MM(mm, has_vma(mm, x, x + 3 * K4, VM_READ));
	CHECK_EQ(mm->map_count, 1);
	/* Errors: unaligned, unknown bits, a hole (ENOMEM, after changing
	 * what lies before it), len 0 (nothing, 0). */
	CHECK_EQ(do_mprotect(mm, x + 1, K4, RW), -EINVAL);
	CHECK_EQ(do_mprotect(mm, x, K4, 0x100), -EINVAL);
	CHECK_EQ(do_mprotect(mm, x, 0, RW), 0);
	CHECK_EQ(do_mprotect(mm, x + 2 * K4, 2 * K4, RW), -ENOMEM);
	CHECK_MM(mm, has_vma(mm, x + 2 * K4, x + 3 * K4, VM_READ | VM_WRITE));
	CHECK_EQ(do_mprotect(mm, x - 0x100000, K4, RW), -ENOMEM);
	/* PROT_GROWSDOWN on a VMA that is no stack. */
	CHECK_EQ(do_mprotect(mm, x, K4, PROT_READ | PROT_GROWSDOWN), -EINVAL);
	CHECK(vma_validate_mm(mm));
	mm_free(mm);
	CHECK_EQ(m->k.vm_committed_as, 0);
	test_shutdown(m);
}

TEST(munmap_across)
{
	struct mm_machine *m = boot("x86_64", 1);
	if (!m)
		return;
	struct mm_struct *mm = mm_alloc(&m->k);
	mm_va_t b = 0x40000000;
	/* A rw [b, b+16K), B r [b+16K, b+32K), C rw [b+32K, b+48K). */
	CHECK_EQ(map(mm, b, 4 * K4, RW, PRIV_ANON | MAP_FIXED), b);
	CHECK_EQ(map(mm, b + 4 * K4, 4 * K4, PROT_READ, PRIV_ANON | MAP_FIXED), b + 4 * K4);
	CHECK_EQ(map(mm, b + 8 * K4, 4 * K4, RW, PRIV_ANON | MAP_FIXED), b + 8 * K4);
	CHECK_EQ(mm->map_count, 3);
	CHECK_EQ(m->k.vm_committed_as, 8);
	/* Unmap [b+8K, b+40K): A's top half, all of B, C's bottom half. */
	CHECK_EQ(vm_munmap(mm, b + 2 * K4, 8 * K4), 0);
	CHECK_EQ_MM(mm, mm->map_count, 2);
	CHECK_MM(mm, has_vma(mm, b, b + 2 * K4, VM_READ | VM_WRITE));
	CHECK_MM(mm, has_vma(mm, b + 10 * K4, b + 12 * K4, VM_READ | VM_WRITE));
	CHECK_EQ(mm->total_vm, 4);
	CHECK_EQ(m->k.vm_committed_as, 4);
	/* A hole is no error; length 0 and an unaligned start are. */
	CHECK_EQ(vm_munmap(mm, b + 4 * K4, K4), 0);
	CHECK_EQ(vm_munmap(mm, b, 0), -EINVAL);
	CHECK_EQ(vm_munmap(mm, b + 1, K4), -EINVAL);
	CHECK_EQ(vm_munmap(mm, TASK_SIZE_64, K4), -EINVAL);
	/* The first page of a VMA: the rest stays. */
	CHECK_EQ(vm_munmap(mm, b + 10 * K4 + 0, K4), 0);
	CHECK_MM(mm, has_vma(mm, b + 11 * K4, b + 12 * K4, VM_READ | VM_WRITE));
	CHECK_EQ(vm_munmap(mm, 0, 0x80000000), 0);
	CHECK_EQ(mm->map_count, 0);
	CHECK_EQ(mm->total_vm, 0);
	CHECK_EQ(m->k.vm_committed_as, 0);
	CHECK(vma_validate_mm(mm));
	mm_free(mm);
	test_shutdown(m);
}

TEST(brk_grow_shrink)
{
	struct mm_machine *m = boot("x86_64", 1);
	if (!m)
		return;
	struct mm_struct *mm = mm_alloc(&m->k);
	/* The ELF loader's work: the heap starts at 0x601000. */
	mm->start_brk = mm->brk = 0x601000;
	CHECK_EQ(sys_brk(mm, 0), 0x601000);                    /* query: below start */
	/* Grow by 0x2100: the break is exact, the VMA page-rounded to 0x604000. */
	CHECK_EQ(sys_brk(mm, 0x603100), 0x603100);
	CHECK_MM(mm, has_vma(mm, 0x601000, 0x604000, VM_READ | VM_WRITE));
	CHECK_EQ(mm->brk, 0x603100);
	CHECK_EQ(m->k.vm_committed_as, 3);
	/* Within the same page: only the break moves. */
	CHECK_EQ(sys_brk(mm, 0x603f00), 0x603f00);
	CHECK_EQ(mm->map_count, 1);
	/* Grow again: the VMA is extended, not duplicated. */
	CHECK_EQ(sys_brk(mm, 0x606000), 0x606000);
	CHECK_MM(mm, has_vma(mm, 0x601000, 0x606000, VM_READ | VM_WRITE));
	CHECK_EQ(mm->map_count, 1);
	/* Shrink to 0x601800: [0x602000, 0x606000) is unmapped. */
	CHECK_EQ(sys_brk(mm, 0x601800), 0x601800);
	CHECK_MM(mm, has_vma(mm, 0x601000, 0x602000, VM_READ | VM_WRITE));
	CHECK_EQ(m->k.vm_committed_as, 1);
	/* Below start_brk: refused, the old break comes back. */
	CHECK_EQ(sys_brk(mm, 0x600000), 0x601800);
	/* A mapping at 0x700000: the break may come up to one page below it
	 * (newbrk + PAGE_SIZE <= vm_start_gap(next)). */
	CHECK_EQ(map(mm, 0x700000, K4, PROT_READ, PRIV_ANON | MAP_FIXED), 0x700000);
	CHECK_EQ(sys_brk(mm, 0x6ff001), 0x601800);              /* newbrk 0x700000: too close */
	CHECK_EQ(sys_brk(mm, 0x6ff000), 0x6ff000);
	CHECK_MM(mm, has_vma(mm, 0x601000, 0x6ff000, VM_READ | VM_WRITE));
	/* Shrinking to start_brk removes the heap VMA. */
	CHECK_EQ(sys_brk(mm, 0x601000), 0x601000);
	CHECK_EQ(mm->map_count, 1);
	CHECK(vma_validate_mm(mm));
	mm_free(mm);
	test_shutdown(m);
}

TEST(maps_format)
{
	struct mm_machine *m = boot("x86_64", 1);
	if (!m)
		return;
	struct mm_struct *mm = mm_alloc(&m->k);
	mm->start_brk = mm->brk = 0x601000;
	sys_brk(mm, 0x602000);
	map(mm, 0, K4, PROT_READ | PROT_EXEC, PRIV_ANON);
	struct view_out out;
	view_out_init(&out);
	maps_render_mm(mm, &out);
	/* "00601000-00602000 rw-p 00000000 00:00 0 " is 40 characters; Linux
	 * pads to 72 and adds one space: the name starts at column 73. The
	 * anonymous line ends with the space after its inode. */
	const char *want = "00601000-00602000 rw-p 00000000 00:00 0 "  /* 40 */
			   "                                "         /* 32: to 72 */
			   " [heap]\n"
			   "7ffff7ffe000-7ffff7fff000 r-xp 00000000 00:00 0 \n";
	CHECK_STR(sb_str(&out.text), want);
	CHECK_EQ(strchr(sb_str(&out.text), '[') - sb_str(&out.text), 73);
	const struct view_field *f = view_find(&out, "count");
	CHECK(f && f->num == 2);
	f = view_find(&out, "0.path");
	CHECK(f && f->str && strcmp(f->str, "[heap]") == 0);
	f = view_find(&out, "1.start");
	CHECK(f && (uint64_t)f->num == 0x7ffff7ffe000ULL);
	view_out_free(&out);
	mm_free(mm);
	test_shutdown(m);
}

TEST(max_map_count)
{
	struct mm_machine *m = boot("x86_64", 1);
	if (!m)
		return;
	m->k.sysctl.max_map_count = 10;
	struct mm_struct *mm = mm_alloc(&m->k);
	/* Alternating protections never merge. do_mmap refuses only when
	 * map_count > max_map_count, so the 11th mapping still goes in. */
	int n = 0;
	int64_t r;
	while ((r = map(mm, 0, K4, n % 2 ? PROT_READ : RW, PRIV_ANON)) > 0)
		n++;
	CHECK_EQ(n, 11);
	CHECK_EQ(r, -ENOMEM);
	CHECK_EQ(mm->map_count, 11);
	/* At the limit, splitting a VMA in two is refused... */
	CHECK_EQ(vm_munmap(mm, 0x7ffff7fff000ULL - 11 * K4, K4), 0); /* frees one: 10 */
	mm_va_t big = (mm_va_t)map(mm, 0x50000000, 3 * K4, RW, PRIV_ANON | MAP_FIXED);
	CHECK_EQ(big, 0x50000000);
	CHECK_EQ(mm->map_count, 11);
	CHECK_EQ(do_mprotect(mm, big + K4, K4, PROT_READ), -ENOMEM);
	CHECK_EQ(vm_munmap(mm, big + K4, K4), -ENOMEM);
	CHECK_EQ(do_madvise(mm, big + K4, K4, MADV_HUGEPAGE), -EAGAIN);
	/* ...but trimming an end is not a net gain and goes through. */
	CHECK_EQ(vm_munmap(mm, big, K4), 0);
	CHECK_EQ(mm->map_count, 11);
	CHECK(vma_validate_mm(mm));
	mm_free(mm);
	test_shutdown(m);
}

TEST(overcommit)
{
	struct mm_machine *m = boot("x86_64", 1);
	if (!m)
		return;
	struct mm_kernel *k = &m->k;
	struct mm_struct *mm = mm_alloc(k);
	uint64_t ram = k->totalram_pages;
	/* Mode 0 (6.x heuristic): only one request above RAM + swap fails. */
	CHECK_EQ(map(mm, 0, (ram + 1) * K4, RW, PRIV_ANON), -ENOMEM);
	int64_t a = map(mm, 0, ram * K4, RW, PRIV_ANON);
	CHECK(a > 0);
	CHECK_EQ(vm_memory_committed(k), ram);
	vm_munmap(mm, (mm_va_t)a, ram * K4);
	CHECK_EQ(vm_memory_committed(k), 0);
	/* Mode 1: anything goes. */
	k->sysctl.overcommit_memory = 1;
	a = map(mm, 0, 4 * ram * K4, RW, PRIV_ANON);
	CHECK(a > 0);
	vm_munmap(mm, (mm_va_t)a, 4 * ram * K4);
	/* Mode 2: CommitLimit = totalram * 50% (no swap, no hugetlb). An
	 * unprivileged task also leaves the admin reserve, and min(total_vm/32,
	 * user reserve) = 0 with nothing mapped. A request must keep
	 * Committed_AS + pages < allowed. */
	k->sysctl.overcommit_memory = 2;
	CHECK_EQ(vm_commit_limit(k), ram / 2);
	uint64_t admin = ((uint64_t)k->sysctl.admin_reserve_kbytes << 10) >> 12;
	uint64_t allowed = ram / 2 - admin;
	CHECK_EQ(map(mm, 0, allowed * K4, RW, PRIV_ANON), -ENOMEM);
	CHECK_EQ(vm_memory_committed(k), 0);
	/* MAP_NORESERVE is not honoured in mode 2. */
	CHECK_EQ(map(mm, 0, allowed * K4, RW, PRIV_ANON | MAP_NORESERVE), -ENOMEM);
	/* Read-only private memory is not accounted at all. */
	a = map(mm, 0, allowed * K4, PROT_READ, PRIV_ANON);
	CHECK(a > 0);
	CHECK_EQ(vm_memory_committed(k), 0);
	/* ...until it becomes writable: mprotect is refused the same way. */
	CHECK_EQ(do_mprotect(mm, (mm_va_t)a, allowed * K4, RW), -ENOMEM);
	vm_munmap(mm, (mm_va_t)a, allowed * K4);
	a = map(mm, 0, (allowed - 1) * K4, RW, PRIV_ANON);
	CHECK(a > 0);
	CHECK_EQ(vm_memory_committed(k), allowed - 1);
	/* brk is accounted as well. */
	mm->start_brk = mm->brk = 0x601000;
	CHECK_EQ(sys_brk(mm, 0x602000), 0x601000);
	vm_munmap(mm, (mm_va_t)a, (allowed - 1) * K4);
	CHECK_EQ(sys_brk(mm, 0x602000), 0x602000);
	CHECK_EQ(vm_memory_committed(k), 1);
	mm_free(mm);
	CHECK_EQ(vm_memory_committed(k), 0);
	test_shutdown(m);
}

TEST(madvise_mlock_flags)
{
	struct mm_machine *m = boot("x86_64", 1);
	if (!m)
		return;
	struct mm_struct *mm = mm_alloc(&m->k);
	mm_va_t x = MMAP_BASE_64 - 12 * K4;
	CHECK_EQ(map(mm, 0, 12 * K4, RW, PRIV_ANON), x);
	CHECK_EQ(do_madvise(mm, x + 4 * K4, 4 * K4, MADV_HUGEPAGE), 0);
	CHECK_EQ(mm->map_count, 3);
	struct vm_area_struct *v = vma_lookup(mm, x + 4 * K4);
	CHECK(v && (v->vm_flags & VM_HUGEPAGE) && !(v->vm_flags & VM_NOHUGEPAGE));
	CHECK_EQ(do_madvise(mm, x + 4 * K4, 4 * K4, MADV_NOHUGEPAGE), 0);
	v = vma_lookup(mm, x + 4 * K4);
	CHECK(v && !(v->vm_flags & VM_HUGEPAGE) && (v->vm_flags & VM_NOHUGEPAGE));
	CHECK_EQ(mm->map_count, 3);
	CHECK_EQ(do_madvise(mm, x, 12 * K4, MADV_NOHUGEPAGE), 0);
	CHECK_EQ_MM(mm, mm->map_count, 1);
	/* Errors: unknown advice, unaligned start; a hole is ENOMEM but the
	 * mapped part is still advised. len 0 is nothing. */
	CHECK_EQ(do_madvise(mm, x, K4, 999), -EINVAL);
	CHECK_EQ(do_madvise(mm, x + 1, K4, MADV_DONTNEED), -EINVAL);
	CHECK_EQ(do_madvise(mm, x, 0, MADV_DONTNEED), 0);
	CHECK_EQ(do_madvise(mm, x - 4 * K4, 8 * K4, MADV_HUGEPAGE), -ENOMEM);
	v = vma_lookup(mm, x);
	CHECK(v && (v->vm_flags & VM_HUGEPAGE) && v->vm_end == x + 4 * K4);
	CHECK_EQ(do_madvise(mm, x, K4, MADV_FREE), 0);
	CHECK_EQ(do_madvise(mm, x, K4, MADV_WILLNEED), 0);
	CHECK_EQ(do_madvise(mm, x, K4, MADV_COLD), 0);

	/* mlock the middle page: split, VmLck 1 page; munlock merges back. */
	CHECK_EQ(do_madvise(mm, x, 12 * K4, MADV_NORMAL), 0);
	CHECK_EQ(do_madvise(mm, x, 12 * K4, MADV_NOHUGEPAGE), 0);
	CHECK_EQ(mm->map_count, 1);
	CHECK_EQ(do_mlock(mm, x + 5 * K4 + 100, 10, 0), 0); /* widened to the page */
	CHECK_EQ(mm->locked_vm, 1);
	CHECK_EQ(mm->map_count, 3);
	CHECK_EQ(do_madvise(mm, x + 5 * K4, K4, MADV_DONTNEED), -EINVAL); /* locked */
	CHECK_EQ(do_madvise(mm, x + 5 * K4, K4, MADV_DONTNEED_LOCKED), 0);
	CHECK_EQ(do_mlock(mm, x, 12 * K4, 0), 0);
	CHECK_EQ(mm->locked_vm, 12);
	CHECK_EQ(mm->map_count, 1);
	CHECK_EQ(do_munlock(mm, x, 12 * K4), 0);
	CHECK_EQ(mm->locked_vm, 0);
	/* RLIMIT_MEMLOCK (8M = 2048 pages), a hole. */
	CHECK_EQ(do_mlock(mm, x - 2048 * K4, 2049 * K4, 0), -ENOMEM);
	CHECK_EQ(do_mlock(mm, x - 2 * K4, 4 * K4, 0), -ENOMEM);
	/* MAP_LOCKED beyond the limit: EAGAIN. */
	CHECK_EQ(map(mm, 0, 2049 * K4, RW, PRIV_ANON | MAP_LOCKED), -EAGAIN);
	CHECK(map(mm, 0, 4 * K4, RW, PRIV_ANON | MAP_LOCKED) > 0);
	CHECK_EQ(mm->locked_vm, 4);
	CHECK(vma_validate_mm(mm));
	mm_free(mm);
	test_shutdown(m);
}

TEST(mremap_grow_move)
{
	struct mm_machine *m = boot("x86_64", 1);
	if (!m)
		return;
	struct mm_struct *mm = mm_alloc(&m->k);
	mm_va_t x = MMAP_BASE_64 - 4 * K4;
	CHECK_EQ(map(mm, 0, 4 * K4, RW, PRIV_ANON), x);
	/* Nothing above it: grows in place (over mmap_base: that is only where
	 * searches start). */
	CHECK_EQ(do_mremap(mm, x, 4 * K4, 8 * K4, 0, 0), x);
	CHECK_MM(mm, has_vma(mm, x, x + 8 * K4, VM_READ | VM_WRITE));
	CHECK_EQ(m->k.vm_committed_as, 8);
	/* Block it: a read-only page at x + 8 pages. */
	CHECK_EQ(map(mm, x + 8 * K4, K4, PROT_READ, PRIV_ANON | MAP_FIXED), x + 8 * K4);
	CHECK_EQ(do_mremap(mm, x, 8 * K4, 16 * K4, 0, 0), -ENOMEM);
	/* MAYMOVE: the highest 16-page gap below mmap_base is right below x. */
	CHECK_EQ_MM(mm, do_mremap(mm, x, 8 * K4, 16 * K4, MREMAP_MAYMOVE, 0), x - 16 * K4);
	CHECK_MM(mm, has_vma(mm, x - 16 * K4, x, VM_READ | VM_WRITE));
	CHECK(vma_lookup(mm, x) == NULL);
	CHECK_EQ(m->k.vm_committed_as, 16);
	CHECK_EQ(mm->total_vm, 17);
	/* Shrink: the tail goes. */
	CHECK_EQ(do_mremap(mm, x - 16 * K4, 16 * K4, 4 * K4, 0, 0), x - 16 * K4);
	CHECK_EQ(m->k.vm_committed_as, 4);
	/* Errors. */
	CHECK_EQ(do_mremap(mm, x, K4, 2 * K4, 0, 0), -EFAULT);             /* unmapped */
	CHECK_EQ(do_mremap(mm, x - 16 * K4, 8 * K4, 9 * K4, 0, 0), -EFAULT); /* past the VMA */
	CHECK_EQ(do_mremap(mm, x - 16 * K4, K4, 0, 0, 0), -EINVAL);
	CHECK_EQ(do_mremap(mm, x - 16 * K4 + 1, K4, K4, 0, 0), -EINVAL);
	CHECK_EQ(do_mremap(mm, x - 16 * K4, K4, K4, MREMAP_FIXED, 0), -EINVAL);
	CHECK_EQ(do_mremap(mm, x - 16 * K4, 0, K4, MREMAP_MAYMOVE, 0), -EINVAL); /* private dup */
	CHECK_EQ(do_mremap(mm, x - 16 * K4, K4, K4, 8, 0), -EINVAL);
	/* MREMAP_FIXED: moved exactly to 0x30000000. */
	CHECK_EQ(do_mremap(mm, x - 16 * K4, 4 * K4, 4 * K4, MREMAP_MAYMOVE | MREMAP_FIXED, 0x30000000),
		 0x30000000);
	CHECK_MM(mm, has_vma(mm, 0x30000000, 0x30000000 + 4 * K4, VM_READ | VM_WRITE));
	CHECK(vma_validate_mm(mm));
	mm_free(mm);
	CHECK_EQ(m->k.vm_committed_as, 0);
	test_shutdown(m);
}

/* Map one zeroed anonymous page at va by hand, as the fault handler will:
 * the page table, the PTE, the mapcount, RSS. Returns the page. */
static struct page *fake_fault(struct mm_struct *mm, mm_va_t va, bool write)
{
	struct mm_kernel *k = mm->k;
	struct vm_area_struct *vma = vma_lookup(mm, va);
	struct page *page = alloc_pages(k, GFP_HIGHUSER_MOVABLE | __GFP_ZERO, 0);
	if (!vma || !page)
		return NULL;
	SetPageFlag(page, PG_anon);
	SetPageFlag(page, PG_swapbacked);
	page->_mapcount = 1;
	mm_pa_t pte;
	if (user_pte_alloc(mm, va, &pte))
		return NULL;
	unsigned f = vma->vm_page_prot;
	if (write)
		f |= PTE_F_WRITE | PTE_F_DIRTY;
	pte_write(k, pte, arch_pte_encode(k->arch, page_to_pfn(k, page), f));
	add_mm_counter(mm, MM_ANONPAGES, 1);
	return page;
}

static unsigned pte_flags_at(struct mm_struct *mm, mm_va_t va)
{
	unsigned lvl;
	mm_pa_t e;
	if (!user_pte_lookup(mm, va, &lvl, &e))
		return 0;
	return arch_pte_flags(mm->k->arch, pte_read(mm->k, e));
}

TEST(page_tables)
{
	struct mm_machine *m = boot("x86_64", 1);
	if (!m)
		return;
	struct mm_kernel *k = &m->k;
	uint64_t tables0 = k->nr_pagetable_pages;
	struct mm_struct *mm = mm_alloc(k);
	CHECK_EQ(k->nr_pagetable_pages, tables0 + 1); /* the PGD */
	/* The kernel half is shared: PGD entry 511 (kernel text) copied. */
	CHECK_EQ(pte_read(k, mm->pgd_pa + 511 * 8), pte_read(k, k->kernel_pgd_pa + 511 * 8));
	mm_va_t x = 0x40000000;
	CHECK_EQ(map(mm, x, 4 * K4, RW, PRIV_ANON | MAP_FIXED), x);
	struct page *p = fake_fault(mm, x + K4, true);
	CHECK(p != NULL);
	if (!p)
		return;
	memset(page_to_host(k, p), 0x5a, 4096);
	/* PUD, PMD and PTE tables: 3 more table pages, VmPTE 12K. */
	CHECK_EQ(k->nr_pagetable_pages, tables0 + 4);
	CHECK_EQ(mm->pgtables_bytes, 3 * 4096);
	CHECK(mm_check_rss(mm));
	CHECK_EQ(get_mm_counter(mm, MM_ANONPAGES), 1);
	/* Present, user, writable, dirty, not executable. */
	unsigned f = pte_flags_at(mm, x + K4);
	CHECK((f & (PTE_F_PRESENT | PTE_F_USER | PTE_F_WRITE | PTE_F_DIRTY | PTE_F_NX)) ==
	      (PTE_F_PRESENT | PTE_F_USER | PTE_F_WRITE | PTE_F_DIRTY | PTE_F_NX));
	/* mprotect read-only: RW goes, D stays; back to rw: the page is ours
	 * alone, so RW comes back without a fault. */
	CHECK_EQ(do_mprotect(mm, x, 4 * K4, PROT_READ), 0);
	f = pte_flags_at(mm, x + K4);
	CHECK(!(f & PTE_F_WRITE) && (f & PTE_F_DIRTY) && (f & PTE_F_PRESENT));
	CHECK_EQ(do_mprotect(mm, x, 4 * K4, RW | PROT_EXEC), 0);
	f = pte_flags_at(mm, x + K4);
	CHECK((f & PTE_F_WRITE) && !(f & PTE_F_NX));
	/* PROT_NONE: not present, but still mapping the page (PROTNONE = G). */
	CHECK_EQ(do_mprotect(mm, x, 4 * K4, PROT_NONE), 0);
	f = pte_flags_at(mm, x + K4);
	CHECK(!(f & PTE_F_PRESENT) && (f & PTE_F_GLOBAL));
	CHECK(mm_check_rss(mm));
	CHECK_EQ(do_mprotect(mm, x, 4 * K4, RW), 0);
	CHECK(mm_tlb_flush_take(mm, &(mm_va_t){ 0 }, &(mm_va_t){ 0 }));
	/* mremap with a move: the PTE moves, the page and its bytes stay. */
	CHECK_EQ(map(mm, x + 4 * K4, K4, PROT_READ, PRIV_ANON | MAP_FIXED), x + 4 * K4);
	int64_t nx = do_mremap(mm, x, 4 * K4, 8 * K4, MREMAP_MAYMOVE, 0);
	CHECK(nx > 0 && (mm_va_t)nx != x);
	unsigned lvl;
	mm_pa_t e;
	CHECK(user_pte_lookup(mm, (mm_va_t)nx + K4, &lvl, &e) &&
	      arch_pte_pfn(k->arch, pte_read(k, e)) == page_to_pfn(k, p));
	CHECK(((uint8_t *)page_to_host(k, p))[100] == 0x5a);
	CHECK(!user_pte_lookup(mm, x + K4, &lvl, &e) || pte_read(k, e) == 0);
	CHECK(mm_check_rss(mm));
	/* MADV_DONTNEED: the page goes, the VMA stays. */
	CHECK_EQ(do_madvise(mm, (mm_va_t)nx, 8 * K4, MADV_DONTNEED), 0);
	CHECK_EQ(get_mm_counter(mm, MM_ANONPAGES), 0);
	CHECK(vma_lookup(mm, (mm_va_t)nx) != NULL);
	CHECK(mm_check_rss(mm));
	/* Fault again, then munmap: page and tables are freed. */
	p = fake_fault(mm, (mm_va_t)nx, true);
	CHECK(p != NULL);
	CHECK_EQ(vm_munmap(mm, (mm_va_t)nx, 8 * K4), 0);
	CHECK_EQ(get_mm_counter(mm, MM_ANONPAGES), 0);
	CHECK_EQ(p->_refcount, 0); /* back with the allocator */
	CHECK(mm_check_rss(mm));
	mm_free(mm);
	CHECK_EQ(k->nr_pagetable_pages, tables0);
	test_shutdown(m);
}

TEST(madvise_free_marks)
{
	struct mm_machine *m = boot("x86_64", 1);
	if (!m)
		return;
	struct mm_kernel *k = &m->k;
	struct mm_struct *mm = mm_alloc(k);
	mm_va_t x = 0x40000000;
	CHECK_EQ(map(mm, x, 2 * K4, RW, PRIV_ANON | MAP_FIXED), x);
	struct page *p = fake_fault(mm, x, true);
	CHECK(p != NULL);
	if (!p)
		return;
	SetPageFlag(p, PG_dirty);
	uint64_t lazy0 = k->vm.item[VM_pglazyfree];
	CHECK_EQ(do_madvise(mm, x, 2 * K4, MADV_FREE), 0);
	unsigned f = pte_flags_at(mm, x);
	/* Still mapped, now clean and old; the page is clean and lazy-free. */
	CHECK((f & PTE_F_PRESENT) && !(f & PTE_F_DIRTY) && !(f & PTE_F_ACCESSED));
	CHECK(!PageFlag(p, PG_dirty) && !PageFlag(p, PG_swapbacked));
	CHECK_EQ(k->vm.item[VM_pglazyfree], lazy0 + 1);
	CHECK_EQ(get_mm_counter(mm, MM_ANONPAGES), 1);
	/* A shared anonymous mapping cannot be freed lazily. */
	int64_t s = map(mm, 0, K4, RW, MAP_SHARED | MAP_ANONYMOUS);
	CHECK_EQ(do_madvise(mm, (mm_va_t)s, K4, MADV_FREE), -EINVAL);
	mm_free(mm);
	test_shutdown(m);
}

TEST(find_vma_60000)
{
	struct mm_machine *m = boot("x86_64", 0);
	if (!m)
		return;
	struct mm_struct *mm = mm_alloc(&m->k);
	enum { N = 60000 };
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	/* Alternating protections: 60,000 VMAs packed down from mmap_base,
	 * VMA i at mmap_base - (i + 1) * 4K. */
	for (int i = 0; i < N; i++) {
		int64_t a = map(mm, 0, K4, i % 2 ? PROT_READ : RW, PRIV_ANON);
		if (a != (int64_t)(MMAP_BASE_64 - (uint64_t)(i + 1) * K4)) {
			CHECK_EQ(a, MMAP_BASE_64 - (uint64_t)(i + 1) * K4);
			break;
		}
	}
	CHECK_EQ(mm->map_count, N);
	CHECK(vma_validate_mm(mm));
	/* Every VMA found at its start, in its middle, and from below. */
	int bad = 0;
	for (int i = 0; i < N; i++) {
		mm_va_t s = MMAP_BASE_64 - (uint64_t)(i + 1) * K4;
		struct vm_area_struct *v = find_vma(mm, s + 2048);
		if (!v || v->vm_start != s)
			bad++;
	}
	CHECK_EQ(bad, 0);
	struct vm_area_struct *v = find_vma(mm, 0);
	CHECK(v && v->vm_start == MMAP_BASE_64 - (uint64_t)N * K4);
	CHECK(find_vma(mm, MMAP_BASE_64) == NULL);
	/* Punch holes in every 10th VMA and map them again with a hint. */
	for (int i = 0; i < N; i += 10)
		vm_munmap(mm, MMAP_BASE_64 - (uint64_t)(i + 1) * K4, K4);
	CHECK_EQ(mm->map_count, N - N / 10);
	CHECK(vma_validate_mm(mm));
	/* The highest hole: VMA 0's place; then VMA 10's. */
	CHECK_EQ(map(mm, 0, K4, PROT_EXEC, PRIV_ANON), MMAP_BASE_64 - K4);
	CHECK_EQ(map(mm, 0, K4, PROT_EXEC, PRIV_ANON), MMAP_BASE_64 - 11 * K4);
	/* No hole of 2 pages: below all of them. */
	CHECK_EQ(map(mm, 0, 2 * K4, PROT_EXEC, PRIV_ANON), MMAP_BASE_64 - (uint64_t)(N + 2) * K4);
	CHECK(vma_validate_mm(mm));
	clock_gettime(CLOCK_MONOTONIC, &t1);
	printf("  60,000 VMAs: %.1f ms for mmap, lookups, munmap and checks\n",
	       ((t1.tv_sec - t0.tv_sec) * 1e9 + (t1.tv_nsec - t0.tv_nsec)) / 1e6);
	mm_free(mm);
	test_shutdown(m);
}

TEST(legacy_layout)
{
	struct mm_machine *m = boot("x86_64", 1);
	if (!m)
		return;
	struct mm_struct *mm = mm_alloc(&m->k);
	mm_pick_mmap_layout(mm, false, 0, true);
	/* Bottom-up from TASK_UNMAPPED_BASE = 0x2aaaaaaab000. */
	CHECK_EQ(map(mm, 0, K4, RW, PRIV_ANON), 0x2aaaaaaab000ULL);
	CHECK_EQ(map(mm, 0, K4, PROT_READ, PRIV_ANON), 0x2aaaaaaac000ULL);
	mm_free(mm);
	test_shutdown(m);
}

TEST(i386_layout)
{
	struct mm_machine *m = boot("i386", 1);
	if (!m)
		return;
	struct mm_struct *mm = mm_alloc(&m->k);
	CHECK(mm != NULL);
	if (!mm) {
		test_shutdown(m);
		return;
	}
	/* 3G/1G split: mmap_base = 0xc0000000 - 128M = 0xb8000000. */
	CHECK_EQ(mm->mmap_base, 0xb8000000ULL);
	CHECK_EQ(map(mm, 0, K4, RW, PRIV_ANON), 0xb7fff000ULL);
	/* No THP alignment on 32-bit: 0xb7fff000 - 2M = 0xb7dff000. */
	CHECK_EQ(map(mm, 0, 2 * MM_MB, PROT_READ, PRIV_ANON), 0xb7dff000ULL);
	/* do_mmap masks a hint to its page first (round_hint_to_min), so the
	 * generic rule's PAGE_ALIGN has nothing left to round: 0x10000000. */
	CHECK_EQ(map(mm, 0x10000123, K4, RW, PRIV_ANON), 0x10000000ULL);
	/* PGD entries 768.. (0xc0000000 >> 22) are the kernel's. */
	CHECK_EQ(pte_read(&m->k, mm->pgd_pa + 768 * 4), pte_read(&m->k, m->k.kernel_pgd_pa + 768 * 4));
	CHECK(vma_validate_mm(mm));
	mm_free(mm);
	test_shutdown(m);
}

TEST(toy_layout)
{
	struct mm_machine *m = boot("toy", 1);
	if (!m)
		return;
	struct mm_struct *mm = mm_alloc(&m->k);
	CHECK(mm != NULL);
	if (!mm) {
		printf("  mm_alloc: %s\n", m->k.last_error);
		test_shutdown(m);
		return;
	}
	/* va_bits 14: task_size 16384. Stack rlimit task_size/8 = 2048 plus a
	 * one-page guard gap (64) = 2112, within [2048, 13650]: mmap_base =
	 * 16384 - 2112 = 14272. */
	CHECK_EQ(mm->mmap_base, 14272);
	CHECK_EQ(map(mm, 0, 64, RW, PRIV_ANON), 14208);
	CHECK_EQ(map(mm, 0, 100, PROT_READ, PRIV_ANON), 14080); /* 2 pages */
	CHECK(vma_validate_mm(mm));
	/* A page mapped and unmapped: the PTE table (64 bytes, one toy page)
	 * comes and goes; the PGD may sit at PA 0 on this machine. */
	uint64_t tables = m->k.nr_pagetable_pages;
	CHECK(fake_fault(mm, 14208, true) != NULL);
	CHECK_EQ(m->k.nr_pagetable_pages, tables + 1);
	CHECK(mm_check_rss(mm));
	CHECK_EQ(vm_munmap(mm, 14208, 64), 0);
	CHECK_EQ(get_mm_counter(mm, MM_ANONPAGES), 0);
	/* The PTE table spans all 1K of [13312, 14336) and the read-only VMA
	 * still lies in it: the table stays until exit. */
	CHECK_EQ(m->k.nr_pagetable_pages, tables + 1);
	mm_free(mm);
	test_shutdown(m);
}

int main(void)
{
	RUN(layout_x86_64);
	RUN(randomized_layout_with_known_rnd);
	RUN(topdown_placement);
	RUN(hints);
	RUN(mmap_errors);
	RUN(map_fixed_over_middle);
	RUN(mprotect_split_merge);
	RUN(munmap_across);
	RUN(brk_grow_shrink);
	RUN(maps_format);
	RUN(max_map_count);
	RUN(overcommit);
	RUN(madvise_mlock_flags);
	RUN(mremap_grow_move);
	RUN(page_tables);
	RUN(madvise_free_marks);
	RUN(find_vma_60000);
	RUN(legacy_layout);
	RUN(i386_layout);
	RUN(toy_layout);
	return test_summary();
}
