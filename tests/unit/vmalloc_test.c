/*
 * vmalloc_test.c - the vmalloc area: addresses, guard pages, page tables,
 * lazy freeing, the lowest-fit search, vmallocinfo, and the i386 PGD sync.
 *
 * Worked layout (x86_64, 4 levels, no KASLR): VMALLOC_START is
 * 0xffffc90000000000 and nothing uses the area at boot, so
 *
 *   vmalloc(1M)   = 256 pages + 1 guard page: [0xffffc90000000000, +0x101000)
 *                   size 1052672 in vmallocinfo
 *   vmalloc(16K)  = 4 pages + guard:          [0xffffc90000101000, +0x5000)
 *                   size 20480
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>

#include "hw/mmu.h"
#include "mm/internal.h"
#include "mm/vmalloc.h"
#include "mm/highmem.h"
#include "proc/view.h"
#include "sim/machine.h"
#include "test.h"

#define X86_64_VMALLOC_START 0xffffc90000000000ULL

static struct mm_machine *boot(const char *arch, uint64_t ram, unsigned cpus)
{
	return test_boot(arch, ram, cpus, 0);
}

/* Free pages including the per-CPU lists (what vfree's pages go back to). */
static uint64_t free_pages_all(struct mm_kernel *k)
{
	drain_all_pages(k);
	return global_free_pages(k);
}

static unsigned kernel_flags(struct mm_kernel *k, mm_va_t va, mm_pa_t *pa, bool *mapped)
{
	struct pgtable_walk w;
	pgtable_walk(k, k->kernel_pgd_pa, va, &w);
	*mapped = w.mapped;
	*pa = w.pa;
	return w.mapped ? w.step[w.nr_steps - 1].flags : 0;
}

TEST(area_sizes_and_addresses)
{
	struct mm_machine *m = boot("x86_64", 128 * MM_MB, 1);
	struct mm_kernel *k = &m->k;
	CHECK_EQ(k->vmalloc->start, X86_64_VMALLOC_START);
	/* VmallocTotal counts VMALLOC_END - VMALLOC_START with the inclusive
	 * end: 32T - 1 bytes, which meminfo prints as 34359738367 kB. */
	CHECK_EQ(vmalloc_total_bytes(k), 32 * MM_TB - 1);
	CHECK_EQ(vmalloc_total_bytes(k) >> 10, 34359738367ULL);

	mm_va_t a = vmalloc(k, MM_MB);
	CHECK_EQ(a, X86_64_VMALLOC_START);
	struct vm_struct *vm = find_vm_area(k, a);
	CHECK(vm != NULL);
	CHECK_EQ(vm->nr_pages, 256);
	CHECK_EQ(vm->size, MM_MB + 4096); /* 1052672: the guard page is included */
	CHECK_EQ(k->nr_vmalloc_pages, 256);

	mm_va_t b = vmalloc(k, 16 * MM_KB);
	CHECK_EQ(b, X86_64_VMALLOC_START + 0x101000);
	CHECK_EQ(find_vm_area(k, b)->size, 20480);
	/* A size that is not a page multiple rounds up: 5000 -> 2 pages + guard. */
	mm_va_t c = vmalloc(k, 5000);
	CHECK_EQ(c, X86_64_VMALLOC_START + 0x101000 + 0x5000);
	CHECK_EQ(find_vm_area(k, c)->nr_pages, 2);
	CHECK_EQ(k->nr_vmalloc_pages, 256 + 4 + 2);
	CHECK(vmalloc_check(k));
	mm_machine_destroy(m);
}

TEST(pages_mapped_and_guard_unmapped)
{
	struct mm_machine *m = boot("x86_64", 128 * MM_MB, 1);
	struct mm_kernel *k = &m->k;
	mm_va_t a = vmalloc(k, MM_MB);
	struct vm_struct *vm = find_vm_area(k, a);
	bool all_ok = true;
	for (unsigned i = 0; i < 256; i++) {
		mm_pa_t pa;
		bool mapped;
		unsigned f = kernel_flags(k, a + i * 4096ULL + 123, &pa, &mapped);
		/* PAGE_KERNEL: P RW A D G NX, never US. */
		unsigned want = PTE_F_PRESENT | PTE_F_WRITE | PTE_F_ACCESSED | PTE_F_DIRTY |
				PTE_F_GLOBAL | PTE_F_NX;
		if (!mapped || pa != (vm->pages[i] << 12) + 123 || (f & (want | PTE_F_USER)) != want)
			all_ok = false;
		mm_pfn_t pfn;
		if (vmalloc_to_pfn(k, a + i * 4096ULL, &pfn) || pfn != vm->pages[i])
			all_ok = false;
	}
	CHECK(all_ok);
	/* The guard page right after the 256 pages is not mapped. */
	mm_pa_t pa;
	bool mapped = true;
	kernel_flags(k, a + MM_MB, &pa, &mapped);
	CHECK(!mapped);
	mm_pfn_t pfn;
	CHECK_EQ(vmalloc_to_pfn(k, a + MM_MB, &pfn), (uint64_t)-EFAULT);
	CHECK_EQ(vmalloc_to_pfn(k, 0xffff888000000000ULL, &pfn), (uint64_t)-EINVAL);
	mm_machine_destroy(m);
}

TEST(pages_not_physically_contiguous)
{
	struct mm_machine *m = boot("x86_64", 128 * MM_MB, 1);
	struct mm_kernel *k = &m->k;
	/* Warm up: the first area allocates page tables and slab objects
	 * (vm_struct, vmap_area, pages[]), which would take some of the pages
	 * below. After the purge the same objects are free again, so the
	 * measured vmalloc reuses them and takes only its 4 pages. */
	vfree(k, vmalloc(k, 4 * 4096));
	vmalloc_purge_lazy(k);
	/* Take 8 consecutive pages and give back every other one: the next
	 * order-0 allocations get those back, 2 PFNs apart. */
	mm_pfn_t p[8];
	for (int i = 0; i < 8; i++)
		p[i] = page_to_pfn(k, alloc_pages(k, GFP_KERNEL, 0));
	for (int i = 1; i < 8; i += 2)
		__free_pages(k, pfn_to_page(k, p[i]), 0);
	mm_va_t a = vmalloc(k, 4 * 4096);
	struct vm_struct *vm = find_vm_area(k, a);
	unsigned from_holes = 0, adjacent = 0;
	for (unsigned i = 0; i < 4; i++) {
		for (int j = 1; j < 8; j += 2)
			from_holes += vm->pages[i] == p[j];
		if (i && vm->pages[i] == vm->pages[i - 1] + 1)
			adjacent++;
	}
	CHECK_EQ(from_holes, 4); /* exactly the four holes ... */
	CHECK_EQ(adjacent, 0);   /* ... none next to the previous page */
	/* Virtually contiguous all the same: byte i*4096 of the area is the
	 * first byte of pages[i]. */
	for (unsigned i = 0; i < 4; i++) {
		mm_pfn_t pfn;
		CHECK(vmalloc_to_pfn(k, a + i * 4096ULL, &pfn) == 0 && pfn == vm->pages[i]);
	}
	mm_machine_destroy(m);
}

TEST(vfree_returns_every_page)
{
	struct mm_machine *m = boot("x86_64", 128 * MM_MB, 1);
	struct mm_kernel *k = &m->k;
	/* Warm up: the first area creates its page tables and slab objects. */
	vfree(k, vmalloc(k, MM_MB));
	uint64_t before = free_pages_all(k), pt_before = k->nr_pagetable_pages;
	mm_va_t a = vmalloc(k, MM_MB);
	CHECK_EQ(free_pages_all(k) + 256 + (k->nr_pagetable_pages - pt_before), before);
	CHECK_EQ(vfree(k, a), 0);
	/* Every page is back; only new page-table pages stay (tables stay). */
	CHECK_EQ(free_pages_all(k) + (k->nr_pagetable_pages - pt_before), before);
	CHECK_EQ(k->nr_vmalloc_pages, 0);
	/* The PTEs are cleared at once, guard page and all ... */
	bool any_mapped = false;
	for (unsigned i = 0; i <= 256; i++) {
		mm_pa_t pa;
		bool mapped;
		kernel_flags(k, a + i * 4096ULL, &pa, &mapped);
		any_mapped |= mapped;
	}
	CHECK(!any_mapped);
	/* ... but the VA waits in the lazy tree for one batched TLB flush. */
	CHECK(find_vm_area(k, a) == NULL);
	CHECK_EQ(k->vmalloc->nr_lazy_areas, 1);
	CHECK_EQ(k->vmalloc->lazy_pages, 2 * 257);
	CHECK_EQ(vfree(k, a), (uint64_t)-EINVAL); /* double free: a warning, refused */
	CHECK_EQ(vfree(k, 0), 0);
	CHECK(vmalloc_check(k));
	mm_machine_destroy(m);
}

TEST(lazy_purge_after_32M)
{
	struct mm_machine *m = boot("x86_64", 128 * MM_MB, 1);
	struct mm_kernel *k = &m->k;
	struct vmalloc_state *vs = k->vmalloc;
	/* lazy_max_pages = fls(1 CPU) * 32M / 4K = 8192. Each vfree of 1M adds
	 * 257 pages (guard included): 31 * 257 = 7967 <= 8192 waits, the 32nd
	 * makes 8224 > 8192 and purges. */
	CHECK_EQ(vs->lazy_max_pages, 8192);
	uint64_t flushes = vs->nr_tlb_flushes;
	for (int i = 0; i < 31; i++) {
		mm_va_t a = vmalloc(k, MM_MB);
		/* Lazy areas are not reused: each lands after the previous one. */
		CHECK_EQ(a, X86_64_VMALLOC_START + (uint64_t)i * 0x101000);
		vfree(k, a);
	}
	CHECK_EQ(vs->nr_purges, 0);
	CHECK_EQ(vs->lazy_pages, 31 * 257);
	/* The 31 freed areas touch each other: they merged into one lazy range. */
	CHECK_EQ(vs->nr_lazy_areas, 1);
	vfree(k, vmalloc(k, MM_MB));
	CHECK_EQ(vs->nr_purges, 1);
	CHECK_EQ(vs->nr_tlb_flushes, flushes + 1); /* one flush for 32 vfrees */
	CHECK_EQ(vs->lazy_pages, 0);
	CHECK_EQ(vs->nr_free_areas, 1); /* everything merged back into one hole */
	CHECK_EQ(vmalloc(k, MM_MB), X86_64_VMALLOC_START); /* lowest hole again */
	CHECK(vmalloc_check(k));
	mm_machine_destroy(m);
}

/*
 * The purge rule is strictly "more than lazy_max_pages" (Linux's
 * free_vmap_area_noflush: nr_lazy > nr_lazy_max). 8192 = 31 * 257 + 225:
 * 31 vfrees of 1M (257 pages with the guard), then one of 896K (224 + 1
 * guard = 225 pages) lands exactly on 8192 and waits; a 4K vfree (1 + 1
 * guard = 2 pages, 8194) purges.
 */
TEST(lazy_purge_waits_at_exactly_lazy_max_pages)
{
	struct mm_machine *m = boot("x86_64", 128 * MM_MB, 1);
	struct mm_kernel *k = &m->k;
	struct vmalloc_state *vs = k->vmalloc;
	CHECK_EQ(vs->lazy_max_pages, 8192);
	for (int i = 0; i < 31; i++)
		vfree(k, vmalloc(k, MM_MB));
	vfree(k, vmalloc(k, 224 * 4096));
	CHECK_EQ(vs->lazy_pages, 8192);
	CHECK_EQ(vs->nr_purges, 0);
	vfree(k, vmalloc(k, 4096));
	CHECK_EQ(vs->nr_purges, 1);
	CHECK_EQ(vs->lazy_pages, 0);
	CHECK(vmalloc_check(k));
	mm_machine_destroy(m);
}

TEST(stale_tlb_entry_until_the_purge)
{
	struct mm_machine *m = boot("x86_64", 128 * MM_MB, 2);
	struct mm_kernel *k = &m->k;
	if (!k->cpus) {
		CHECK(k->cpus != NULL);
		mm_machine_destroy(m);
		return;
	}
	mm_va_t a = vmalloc(k, 4096);
	mm_pfn_t pfn = find_vm_area(k, a)->pages[0];
	mm_pa_t pa = 0;
	/* CPU 1 reads the buffer: its TLB now caches the translation. */
	CHECK_EQ(mmu_translate(&k->cpus[1], a, HW_READ, false, &pa, NULL), 0);
	CHECK_EQ(pa, pfn << 12);
	vfree(k, a);
	/* The PTE is gone but CPU 1 still hits its TLB entry: this is why the
	 * range may not be reused before the flush. */
	pa = 0;
	CHECK_EQ(mmu_translate(&k->cpus[1], a, HW_READ, false, &pa, NULL), 0);
	CHECK_EQ(pa, pfn << 12);
	/* The purge shoots the range down on every CPU: now it faults. */
	uint64_t shot = k->cpus[1].stats.shootdowns;
	vmalloc_purge_lazy(k);
	CHECK_EQ(k->cpus[1].stats.shootdowns, shot + 1);
	CHECK(mmu_translate(&k->cpus[1], a, HW_READ, false, &pa, NULL) != 0);
	mm_machine_destroy(m);
}

/* The lowest hole that fits size in a sorted list of used ranges. */
struct used {
	mm_va_t s[4096], e[4096];
	size_t n;
};
static void collect(void *arg, const struct vmap_area_info *a)
{
	struct used *u = arg;
	u->s[u->n] = a->va_start;
	u->e[u->n++] = a->va_end;
}
static int cmp64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

TEST(lowest_fit_matches_a_linear_scan)
{
	struct mm_machine *m = boot("i386", 128 * MM_MB, 1);
	struct mm_kernel *k = &m->k;
	struct vmalloc_state *vs = k->vmalloc;
	mm_va_t live[256] = { 0 };
	uint64_t seed = 12345;
	bool all_ok = true;
	static struct used u;
	for (int step = 0; step < 1500; step++) {
		seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
		unsigned slot = (unsigned)(seed >> 33) % 256;
		if (live[slot]) {
			vfree(k, live[slot]);
			live[slot] = 0;
			continue;
		}
		uint64_t pages = 1 + (seed >> 20) % 8;
		/* Purge first, so the expectation is the plain lowest hole. */
		vmalloc_purge_lazy(k);
		u.n = 0;
		vmap_area_walk(k, collect, &u);
		qsort(u.s, u.n, sizeof(u.s[0]), cmp64);
		qsort(u.e, u.n, sizeof(u.e[0]), cmp64); /* areas never overlap */
		mm_va_t want = vs->start, need = (pages + 1) * 4096;
		for (size_t i = 0; i < u.n && u.s[i] < want + need; i++)
			want = MM_MAX(want, u.e[i]);
		mm_va_t got = vmalloc(k, pages * 4096);
		if (got != want) {
			printf("  step %d: %" PRIu64 " pages at 0x%" PRIx64 ", lowest hole 0x%" PRIx64 "\n",
			       step, pages, got, want);
			all_ok = false;
		}
		live[slot] = got;
	}
	CHECK(all_ok);
	CHECK(vmalloc_check(k));
	mm_machine_destroy(m);
}

struct line_ctx {
	char first[160];
	unsigned lines;
};

TEST(vmallocinfo_format)
{
	struct mm_machine *m = boot("x86_64", 128 * MM_MB, 1);
	struct mm_kernel *k = &m->k;
	mm_va_t a = __vmalloc_caller(k, 16 * MM_KB, GFP_KERNEL, "test.mms:3");
	mm_va_t b = __vmalloc_caller(k, 8 * MM_KB, GFP_KERNEL, "test.mms:4");
	vfree(k, b);
	struct view_out o;
	char err[128];
	view_out_init(&o);
	CHECK_EQ(view_vmallocinfo(m, 0, NULL, &o, err, sizeof(err)), 0);
	/* 16K: 4 pages + guard = 20480 bytes; the freed 8K area (+ guard =
	 * 12288) waits unpurged right after it. */
	CHECK_STR(sb_str(&o.text),
		  "0xffffc90000000000-0xffffc90000005000   20480 test.mms:3 pages=4 vmalloc N0=4\n"
		  "0xffffc90000005000-0xffffc90000008000   12288 unpurged vm_area\n");
	const struct view_field *f = view_find(&o, "nr_areas");
	CHECK(f && f->num == 1);
	f = view_find(&o, "used_bytes");
	CHECK(f && f->num == 20480);
	f = view_find(&o, "lazy_bytes");
	CHECK(f && f->num == 12288);
	f = view_find(&o, "area.0.start");
	CHECK(f && f->str && strcmp(f->str, "0xffffc90000000000") == 0);
	view_out_free(&o);
	(void)a;
	mm_machine_destroy(m);
}

TEST(big_vmalloc_has_vmalloced_pages_array)
{
	struct mm_machine *m = boot("x86_64", 128 * MM_MB, 1);
	struct mm_kernel *k = &m->k;
	/* 4M = 1024 pages: pages[] is 1024 * 8 = 8K > a page, so Linux
	 * vmallocs it: a nested 2-page area (+ guard) right after the big one,
	 * with the same caller. VmallocUsed counts both: 1026 pages. */
	mm_va_t a = vmalloc(k, 4 * MM_MB);
	struct vm_struct *vm = find_vm_area(k, a);
	CHECK(vm && vm->pages_vmalloced);
	CHECK_EQ(vm->pages_va, a + 4 * MM_MB + 4096);
	CHECK_EQ(find_vm_area(k, vm->pages_va)->nr_pages, 2);
	CHECK_EQ(k->nr_vmalloc_pages, 1026);
	vfree(k, a);
	CHECK_EQ(k->nr_vmalloc_pages, 0);
	CHECK_EQ(k->vmalloc->nr_busy, 0);
	mm_machine_destroy(m);
}

TEST(vmap_maps_given_pages)
{
	struct mm_machine *m = boot("x86_64", 128 * MM_MB, 1);
	struct mm_kernel *k = &m->k;
	mm_pfn_t pfns[3];
	for (int i = 0; i < 3; i++)
		pfns[i] = page_to_pfn(k, alloc_pages(k, GFP_KERNEL, 0));
	mm_va_t a = vmap(k, pfns, 3, 0, "test");
	CHECK_EQ(a, X86_64_VMALLOC_START);
	struct vm_struct *vm = find_vm_area(k, a);
	CHECK(vm && (vm->flags & VM_MAP) && vm->nr_pages == 0 && vm->size == 4 * 4096);
	for (int i = 0; i < 3; i++) {
		mm_pfn_t pfn;
		CHECK(vmalloc_to_pfn(k, a + i * 4096ULL, &pfn) == 0 && pfn == pfns[i]);
	}
	uint64_t before = free_pages_all(k);
	CHECK_EQ(vunmap(k, a), 0);
	CHECK_EQ(free_pages_all(k), before); /* the pages stay the caller's */
	mm_pfn_t pfn;
	CHECK_EQ(vmalloc_to_pfn(k, a, &pfn), (uint64_t)-EFAULT);
	mm_machine_destroy(m);
}

TEST(bad_requests)
{
	struct mm_machine *m = boot("x86_64", 128 * MM_MB, 1);
	struct mm_kernel *k = &m->k;
	CHECK_EQ(vmalloc(k, 0), 0);
	CHECK_EQ(vmalloc(k, 1 * MM_GB), 0); /* more than all RAM */
	CHECK(strstr(k->last_error, "exceeds total pages") != NULL);
	CHECK_EQ(vfree(k, X86_64_VMALLOC_START), (uint64_t)-EINVAL);
	CHECK_EQ(vfree(k, X86_64_VMALLOC_START + 1), (uint64_t)-EINVAL);
	/* A vfree inside an area frees all of it, as in Linux. */
	mm_va_t a = vmalloc(k, 3 * 4096);
	CHECK_EQ(vfree(k, a + 4096), 0);
	CHECK(find_vm_area(k, a) == NULL);
	CHECK(vmalloc_check(k));
	mm_machine_destroy(m);
}

/* ---- 32-bit ---------------------------------------------------------------- */

struct sync_rec {
	unsigned calls, first, last;
};
static void record_sync(void *arg, struct mm_kernel *k, unsigned first, unsigned last)
{
	struct sync_rec *r = arg;
	(void)k;
	r->calls++;
	r->first = first;
	r->last = last;
}

TEST(i386_layout_highmem_pages_and_pgd_sync)
{
	/* 2G: lowmem is 896M, high_memory = 0xC0000000 + 0x38000000 =
	 * 0xF8000000, VMALLOC_START = (0xF8000000 + 8M) & ~(8M - 1) = 0xF8800000;
	 * VMALLOC_END = PKMAP_BASE - 2 pages = 0xFF400000 - 0x2000. */
	struct mm_machine *m = boot("i386", 2 * MM_GB, 1);
	struct mm_kernel *k = &m->k;
	CHECK_EQ(k->vmalloc->start, 0xF8800000ULL);
	CHECK_EQ(k->vmalloc->end, 0xFF3FE000ULL);
	struct sync_rec r = { 0, 0, 0 };
	vmalloc_set_sync_hook(k, record_sync, &r);
	mm_va_t a = vmalloc(k, 64 * MM_KB);
	CHECK_EQ(a, 0xF8800000ULL);
	/* HighMem first: every page is above 896M (pfn >= 0x38000). */
	struct vm_struct *vm = find_vm_area(k, a);
	unsigned high = 0;
	for (unsigned i = 0; i < vm->nr_pages; i++)
		high += vm->pages[i] >= 0x38000;
	CHECK_EQ(high, 16);
	/* The area needed a new PTE table: PGD entry 0xF8800000 >> 22 = 994 was
	 * empty, so process PGDs must get it (arch_sync_kernel_mappings). */
	CHECK_EQ(r.calls, 1);
	CHECK_EQ(r.first, 994);
	CHECK_EQ(r.last, 994);
	/* The next area shares that table: no new PGD entry, no sync. */
	vmalloc(k, 64 * MM_KB);
	CHECK_EQ(r.calls, 1);
	mm_machine_destroy(m);

	/* 128M: high_memory = 0xC8000000, VMALLOC_START = 0xC8800000. */
	m = boot("i386", 128 * MM_MB, 1);
	CHECK_EQ(m->k.vmalloc->start, 0xC8800000ULL);
	mm_machine_destroy(m);
}

TEST(pae_and_x86_64_never_sync)
{
	/* PAE: the kernel PMD is shared (PDPT entry 3 exists from boot), so a
	 * vmalloc never adds a top-level entry. */
	struct mm_machine *m = boot("i386-pae", 2 * MM_GB, 1);
	struct sync_rec r = { 0, 0, 0 };
	vmalloc_set_sync_hook(&m->k, record_sync, &r);
	CHECK(vmalloc(&m->k, MM_MB) != 0);
	CHECK_EQ(r.calls, 0);
	mm_machine_destroy(m);
	/* x86_64: the PUD tables of the whole area were made at boot: 32T is
	 * 64 PGD entries of 512G each. */
	m = boot("x86_64", 128 * MM_MB, 1);
	CHECK_EQ(m->k.vmalloc->prealloc_tables, 64);
	vmalloc_set_sync_hook(&m->k, record_sync, &r);
	CHECK(vmalloc(&m->k, MM_MB) != 0);
	CHECK_EQ(r.calls, 0);
	mm_machine_destroy(m);
}

int main(void)
{
	RUN(area_sizes_and_addresses);
	RUN(pages_mapped_and_guard_unmapped);
	RUN(pages_not_physically_contiguous);
	RUN(vfree_returns_every_page);
	RUN(lazy_purge_after_32M);
	RUN(lazy_purge_waits_at_exactly_lazy_max_pages);
	RUN(stale_tlb_entry_until_the_purge);
	RUN(lowest_fit_matches_a_linear_scan);
	RUN(vmallocinfo_format);
	RUN(big_vmalloc_has_vmalloced_pages_array);
	RUN(vmap_maps_given_pages);
	RUN(bad_requests);
	RUN(i386_layout_highmem_pages_and_pgd_sync);
	RUN(pae_and_x86_64_never_sync);
	return test_summary();
}
