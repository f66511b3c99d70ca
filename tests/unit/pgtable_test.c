/*
 * pgtable_test.c - the kernel page tables of booted machines: direct-map
 * translation and leaf sizes per arch, DirectMap totals, map/unmap after
 * boot, PTE storage, and `show pagetable kernel ADDR`.
 *
 * Every expected value is worked out by hand in the comment beside it.
 * The machines boot with the lead's e820 map: RAM at [4K, 636K) and
 * [1M, ram); the ISA range [0, 1M) is direct-mapped whole with 4K pages.
 */
#include <errno.h>
#include <stdlib.h>

#include "mm/internal.h"
#include "proc/view.h"
#include "sim/machine.h"
#include "fixtures.h"
#include "test.h"

static struct mm_machine *boot(const char *arch, uint64_t ram)
{
	return test_try_boot(arch, ram, 0, -1);
}

static struct mm_machine *boot_toy(unsigned va, unsigned pa, unsigned page, unsigned levels)
{
	struct mm_machine_config cfg;
	test_config(&cfg, "toy", 0, 0);
	cfg.toy_va_bits = va;
	cfg.toy_pa_bits = pa;
	cfg.toy_page_bytes = page;
	cfg.toy_levels = levels;
	return test_boot_config(&cfg);
}

static const unsigned PAGE_KERNEL_FLAGS = PTE_F_PRESENT | PTE_F_WRITE | PTE_F_ACCESSED |
					  PTE_F_DIRTY | PTE_F_GLOBAL | PTE_F_NX;

/* Walk va in the kernel tables. */
static struct pgtable_walk kwalk(struct mm_machine *m, mm_va_t va)
{
	struct pgtable_walk w;
	pgtable_walk(&m->k, m->k.kernel_pgd_pa, va, &w);
	return w;
}

TEST(x86_64_128M)
{
	struct mm_machine *m = boot("x86_64", 128 * MM_MB);
	CHECK(m);
	if (!m)
		return;
	struct mm_kernel *k = &m->k;
	CHECK(k->kernel_pgd_pa != 0);
	CHECK(!(k->kernel_pgd_pa & 4095));

	/* DirectMap: [0,1M) ISA + [1M,2M) head = 2M of 4K pages; [2M,128M) =
	 * 126M of 2M pages; 128M is not 1G-aligned, so no 1G page. */
	CHECK_EQ(k->direct_map_bytes[0], 2 * MM_MB);
	CHECK_EQ(k->direct_map_bytes[1], 126 * MM_MB);
	CHECK_EQ(k->direct_map_bytes[2], 0);

	/* __va(0x1234567) = 0xffff888000000000 + 0x1234567. */
	mm_va_t va = __va(k, 0x1234567);
	CHECK_EQ(va, 0xffff888001234567ULL);
	CHECK_EQ(__pa(k, va), 0x1234567);
	CHECK(virt_addr_valid(k, va));

	/* Walk: PGD[273] (0x888000000000 >> 39), PUD[0] (0x1234567 >> 30),
	 * PMD[9] (0x1234567 >> 21 = 0x9), a 2M leaf at 0x1200000:
	 * 0x1200000 | P RW A D PS G (0x1e3) | NX = 0x80000000012001e3. */
	struct pgtable_walk w = kwalk(m, va);
	CHECK(w.mapped);
	CHECK_EQ(w.nr_steps, 3);
	CHECK_EQ(w.step[0].index, 273);
	CHECK_EQ(w.step[1].index, 0);
	CHECK_EQ(w.step[2].index, 9);
	CHECK(w.step[2].leaf && !w.step[1].leaf);
	CHECK_EQ(w.step[2].entry, 0x80000000012001e3ULL);
	CHECK_EQ(w.step[2].flags, PAGE_KERNEL_FLAGS | PTE_F_HUGE);
	CHECK_EQ(w.pa, 0x1234567);
	CHECK_EQ(w.page_bytes, 2 * MM_MB);
	/* The PGD entry lives at pgd + 273 * 8 = pgd + 0x888; tables above a
	 * leaf carry _PAGE_TABLE = P RW US A D (0x67). */
	CHECK_EQ(w.step[0].entry_pa, k->kernel_pgd_pa + 0x888);
	CHECK_EQ(w.step[0].flags, PTE_F_PRESENT | PTE_F_WRITE | PTE_F_USER | PTE_F_ACCESSED |
					  PTE_F_DIRTY);
	CHECK_EQ(w.step[0].entry & 0xfff, 0x67);
	CHECK_EQ(w.step[1].table_pa, w.step[0].entry & 0x000ffffffffff000ULL);

	/* 0x5000 is in the ISA range: PTE[5] of the first PTE table, a 4K leaf
	 * 0x5000 | 0x163 (no PS) | NX. Never US. */
	w = kwalk(m, __va(k, 0x5678));
	CHECK(w.mapped);
	CHECK_EQ(w.nr_steps, 4);
	CHECK_EQ(w.step[3].index, 5);
	CHECK_EQ(w.step[3].entry, 0x8000000000005163ULL);
	CHECK_EQ(w.pa, 0x5678);
	CHECK_EQ(w.page_bytes, 4096);
	CHECK(!(w.step[3].flags & PTE_F_USER));

	/* The VGA hole (0xA0000) is mapped too: the ISA range is mapped whole. */
	w = kwalk(m, __va(k, 0xA0000));
	CHECK(w.mapped && w.pa == 0xA0000);
	/* [1M, 2M) is 4K pages: 1M is not 2M-aligned. */
	w = kwalk(m, __va(k, 0x1FF000));
	CHECK(w.mapped && w.page_bytes == 4096);
	/* The last 2M page: 126M..128M, PMD[63]. */
	w = kwalk(m, __va(k, 128 * MM_MB - 1));
	CHECK(w.mapped && w.page_bytes == 2 * MM_MB && w.step[2].index == 63);

	/* Past RAM: PMD[64] is empty, so the walk stops at the PMD level. */
	w = kwalk(m, __va(k, 128 * MM_MB));
	CHECK(!w.mapped);
	CHECK_EQ(w.nr_steps, 3);
	CHECK_EQ(w.step[2].index, 64);
	CHECK(!virt_addr_valid(k, __va(k, 128 * MM_MB)));
	/* User space is not in init_mm: PGD[0] is empty. */
	w = kwalk(m, 0x400000);
	CHECK(!w.mapped && w.nr_steps == 1);
	CHECK(!virt_addr_valid(k, 0x400000));
	/* A non-canonical address is not walked at all. */
	w = kwalk(m, 0x0000800000000000ULL);
	CHECK(!w.mapped && w.nr_steps == 0);
	mm_machine_destroy(m);
}

TEST(x86_64_gbpages)
{
	/* 2.5G: [0,2M) 4K; [2M,1G) 511 x 2M = 1022M; [1G,2G) one 1G page;
	 * [2G,2.5G) 256 x 2M = 512M (not a whole 1G). */
	struct mm_machine *m = boot("x86_64", 2560 * MM_MB);
	CHECK(m);
	if (!m)
		return;
	struct mm_kernel *k = &m->k;
	CHECK_EQ(k->direct_map_bytes[0], 2 * MM_MB);
	CHECK_EQ(k->direct_map_bytes[1], (1022 + 512) * MM_MB);
	CHECK_EQ(k->direct_map_bytes[2], MM_GB);
	/* 0x40001234 -> PUD[1] is a 1G leaf: 0x40000000 | 0x1e3 | NX. */
	struct pgtable_walk w = kwalk(m, __va(k, 0x40001234));
	CHECK(w.mapped);
	CHECK_EQ(w.nr_steps, 2);
	CHECK_EQ(w.step[1].index, 1);
	CHECK_EQ(w.step[1].entry, 0x80000000400001e3ULL);
	CHECK_EQ(w.pa, 0x40001234);
	CHECK_EQ(w.page_bytes, MM_GB);
	/* 0x9FFFFFFF (just under 2.5G): PUD[2] -> PMD[255], 2M page. */
	w = kwalk(m, __va(k, 0x9FFFFFFF));
	CHECK(w.mapped && w.page_bytes == 2 * MM_MB && w.step[2].index == 255);
	mm_machine_destroy(m);
}

TEST(la57)
{
	struct mm_machine *m = boot("x86_64-la57", 128 * MM_MB);
	CHECK(m);
	if (!m)
		return;
	struct mm_kernel *k = &m->k;
	/* __va(0x1234567) = 0xff11000001234567: PGD[273] (bits 56..48 of
	 * 0xff11), P4D[0], PUD[0], PMD[9]: a 2M leaf. */
	mm_va_t va = __va(k, 0x1234567);
	CHECK_EQ(va, 0xff11000001234567ULL);
	struct pgtable_walk w = kwalk(m, va);
	CHECK(w.mapped);
	CHECK_EQ(w.nr_steps, 4);
	CHECK_EQ(w.step[0].index, 273);
	CHECK_EQ(w.step[1].index, 0);
	CHECK_EQ(w.step[3].index, 9);
	CHECK_EQ(w.pa, 0x1234567);
	CHECK_EQ(w.page_bytes, 2 * MM_MB);
	CHECK_EQ(k->direct_map_bytes[1], 126 * MM_MB);
	mm_machine_destroy(m);
}

TEST(i386_128M)
{
	struct mm_machine *m = boot("i386", 128 * MM_MB);
	CHECK(m);
	if (!m)
		return;
	struct mm_kernel *k = &m->k;
	/* [0,1M) ISA + [1M,4M) head = 4M of 4K pages (1M is not 4M-aligned);
	 * [4M,128M) = 31 PSE pages = 124M. */
	CHECK_EQ(k->direct_map_bytes[0], 4 * MM_MB);
	CHECK_EQ(k->direct_map_bytes[1], 124 * MM_MB);
	CHECK_EQ(k->direct_map_bytes[2], 0);
	/* __va(0x1234567) = 0xC1234567; its top 10 bits 1100000100 = 772: a 4M
	 * leaf at 0x1000000: 0x01000000 | P RW A D PS G (0x1e3), no NX. */
	mm_va_t va = __va(k, 0x1234567);
	CHECK_EQ(va, 0xC1234567ULL);
	struct pgtable_walk w = kwalk(m, va);
	CHECK(w.mapped);
	CHECK_EQ(w.nr_steps, 1);
	CHECK_EQ(w.step[0].index, 772);
	CHECK_EQ(w.step[0].entry, 0x010001e3ULL);
	CHECK_EQ(w.step[0].entry_pa, k->kernel_pgd_pa + 772 * 4);
	CHECK_EQ(w.pa, 0x1234567);
	CHECK_EQ(w.page_bytes, 4 * MM_MB);
	/* 0x2345 in the first 4M: PGD[768] -> PTE[2] = 0x2000 | 0x163. */
	w = kwalk(m, __va(k, 0x2345));
	CHECK(w.mapped && w.nr_steps == 2);
	CHECK_EQ(w.step[1].index, 2);
	CHECK_EQ(w.step[1].entry, 0x00002163ULL);
	/* 4-byte entries: the neighbouring word (PTE[3]) is its own page. */
	CHECK_EQ(pte_read(k, w.step[1].entry_pa + 4), 0x00003163ULL);
	mm_machine_destroy(m);
}

TEST(i386_highmem)
{
	/* 1G: lowmem stops at 896M; [4M,896M) = 223 PSE pages = 892M. */
	struct mm_machine *m = boot("i386", MM_GB);
	CHECK(m);
	if (!m)
		return;
	struct mm_kernel *k = &m->k;
	CHECK_EQ(k->direct_map_bytes[0], 4 * MM_MB);
	CHECK_EQ(k->direct_map_bytes[1], 892 * MM_MB);
	/* 895M is mapped (PGD 768 + 223 = 991), 896M is highmem: not mapped
	 * and not a valid direct-map address. */
	struct pgtable_walk w = kwalk(m, __va(k, 895 * MM_MB));
	CHECK(w.mapped && w.step[0].index == 991);
	w = kwalk(m, __va(k, 896 * MM_MB));
	CHECK(!w.mapped);
	CHECK(virt_addr_valid(k, __va(k, 896 * MM_MB - 1)));
	CHECK(!virt_addr_valid(k, __va(k, 896 * MM_MB)));
	mm_machine_destroy(m);
}

TEST(pae_128M)
{
	struct mm_machine *m = boot("i386-pae", 128 * MM_MB);
	CHECK(m);
	if (!m)
		return;
	struct mm_kernel *k = &m->k;
	/* 2M of 4K pages, 63 x 2M = 126M. */
	CHECK_EQ(k->direct_map_bytes[0], 2 * MM_MB);
	CHECK_EQ(k->direct_map_bytes[1], 126 * MM_MB);
	/* 0xC1234567: PGD[3] (top 2 bits), PMD[(0xC1234567 >> 21) & 511 =
	 * 0x609 & 0x1ff = 9], a 2M leaf 0x1200000 | 0x1e3 | NX. */
	struct pgtable_walk w = kwalk(m, __va(k, 0x1234567));
	CHECK(w.mapped);
	CHECK_EQ(w.nr_steps, 2);
	CHECK_EQ(w.step[0].index, 3);
	CHECK_EQ(w.step[1].index, 9);
	CHECK_EQ(w.step[1].entry, 0x80000000012001e3ULL);
	CHECK_EQ(w.pa, 0x1234567);
	/* A PDPT entry holds only P: the hardware reserves RW/US/A there. */
	CHECK_EQ(w.step[0].flags, PTE_F_PRESENT);
	CHECK_EQ(w.step[0].entry & 0xfff, 0x001);
	CHECK_EQ(w.step[0].entry_pa, k->kernel_pgd_pa + 3 * 8);
	mm_machine_destroy(m);
}

TEST(toy_no_kernel_tables)
{
	struct mm_machine *m = boot_toy(14, 12, 64, 2);
	CHECK(m);
	if (!m)
		return;
	CHECK_EQ(m->k.kernel_pgd_pa, 0);
	CHECK_EQ(m->k.direct_map_bytes[0] + m->k.direct_map_bytes[1] + m->k.direct_map_bytes[2], 0);
	CHECK(!virt_addr_valid(&m->k, 0x100));
	mm_machine_destroy(m);
}

TEST(toy_map_walk)
{
	/* The textbook machine: a process-style table built after boot. */
	struct mm_machine *m = boot_toy(14, 12, 64, 2);
	CHECK(m);
	if (!m)
		return;
	struct mm_kernel *k = &m->k;
	struct page *pgd_page = alloc_pages(k, GFP_KERNEL | __GFP_ZERO, 0);
	CHECK(pgd_page);
	if (!pgd_page) {
		mm_machine_destroy(m);
		return;
	}
	mm_pa_t pgd = (mm_pa_t)page_to_pfn(k, pgd_page) << k->page_shift;
	uint64_t tables0 = k->nr_pagetable_pages;
	/* Map the page of 0x2ABC (0x2A80) to frame 5 (PA 0x140). */
	unsigned f = PTE_F_PRESENT | PTE_F_WRITE | PTE_F_USER;
	CHECK_EQ(pgtable_map_range(k, pgd, 0x2A80, 0x140, 64, 64, f), 0);
	CHECK_EQ(k->nr_pagetable_pages, tables0 + 1); /* one 64-byte PTE table */
	/* 0x2ABC: PGD[10], PTE[10]; the PTE is frame 5 << 12 | P RW US = 0x5007;
	 * pa = 5 * 64 + 0x3C = 0x17C. */
	struct pgtable_walk w;
	pgtable_walk(k, pgd, 0x2ABC, &w);
	CHECK(w.mapped);
	CHECK_EQ(w.nr_steps, 2);
	CHECK_EQ(w.step[0].index, 10);
	CHECK_EQ(w.step[1].index, 10);
	CHECK_EQ(w.step[1].entry, 0x5007);
	CHECK_EQ(w.step[1].entry_pa, w.step[1].table_pa + 10 * 4);
	CHECK_EQ(w.pa, 0x17C);
	CHECK_EQ(w.page_bytes, 64);
	/* The PTE table is a whole 64-byte frame marked PG_table. */
	struct page *t = pfn_to_page(k, w.step[1].table_pa >> k->page_shift);
	CHECK(PageFlag(t, PG_table));
	/* Unmap: the leaf goes, the table stays. */
	pgtable_unmap_range(k, pgd, 0x2A80, 64);
	pgtable_walk(k, pgd, 0x2ABC, &w);
	CHECK(!w.mapped && w.nr_steps == 2);
	CHECK_EQ(k->nr_pagetable_pages, tables0 + 1);
	CHECK(mm_check_invariants(k));
	mm_machine_destroy(m);
}

TEST(map_after_boot)
{
	struct mm_machine *m = boot("x86_64", 128 * MM_MB);
	CHECK(m);
	if (!m)
		return;
	struct mm_kernel *k = &m->k;
	const struct arch_profile *a = k->arch;
	uint64_t tables0 = k->nr_pagetable_pages;
	mm_va_t v = a->vmalloc_start;
	unsigned f = PTE_F_PRESENT | PTE_F_WRITE | PTE_F_GLOBAL | PTE_F_NX | PTE_F_ACCESSED |
		     PTE_F_DIRTY;
	/* vmalloc_start is PGD[402] (0xc90000000000 >> 39 = 0x192). Its PUD
	 * table exists from boot (vmalloc_init pre-populates the PUD level
	 * of the whole vmalloc area, as Linux's preallocate_vmalloc_pages
	 * does, so that process PGDs never need syncing): mapping 3 pages
	 * needs a PMD and a PTE table. */
	CHECK_EQ(pgtable_map_range(k, k->kernel_pgd_pa, v, 0x3000000, 3 * 4096, 4096, f), 0);
	CHECK_EQ(k->nr_pagetable_pages, tables0 + 2);
	struct pgtable_walk w = kwalk(m, v + 2 * 4096 + 0x10);
	CHECK(w.mapped);
	CHECK_EQ(w.step[0].index, 402);
	CHECK_EQ(w.pa, 0x3002010);
	CHECK_EQ(w.step[3].entry, 0x8000000003002163ULL);
	CHECK(PageFlag(pfn_to_page(k, w.step[3].table_pa >> 12), PG_table));
	/* A 2M mapping next to it, at vmalloc_start + 2M: PS set, same PMD
	 * table, no new table. */
	CHECK_EQ(pgtable_map_range(k, k->kernel_pgd_pa, v + 2 * MM_MB, 0x4000000, 2 * MM_MB,
				   2 * MM_MB, f),
		 0);
	CHECK_EQ(k->nr_pagetable_pages, tables0 + 2);
	w = kwalk(m, v + 2 * MM_MB + 0x1234);
	CHECK(w.mapped && w.page_bytes == 2 * MM_MB && w.pa == 0x4001234);
	CHECK(w.step[2].flags & PTE_F_HUGE);

	/* Unmap the middle 4K page: PTE[1] empty, neighbours intact. */
	pgtable_unmap_range(k, k->kernel_pgd_pa, v + 4096, 4096);
	w = kwalk(m, v + 4096);
	CHECK(!w.mapped && w.nr_steps == 4);
	CHECK(kwalk(m, v).mapped && kwalk(m, v + 8192).mapped);
	/* Unmapping half a 2M leaf leaves it; the whole of it removes it. */
	pgtable_unmap_range(k, k->kernel_pgd_pa, v + 2 * MM_MB, MM_MB);
	CHECK(kwalk(m, v + 2 * MM_MB).mapped);
	pgtable_unmap_range(k, k->kernel_pgd_pa, v + 2 * MM_MB, 2 * MM_MB);
	CHECK(!kwalk(m, v + 2 * MM_MB).mapped);
	/* A wide unmap over empty space skips it and terminates. */
	pgtable_unmap_range(k, k->kernel_pgd_pa, v, 1ULL << 40);
	CHECK(!kwalk(m, v).mapped);

	/* Bad requests. */
	CHECK_EQ(pgtable_map_range(k, k->kernel_pgd_pa, v + 1, 0, 4096, 4096, f), -EINVAL);
	CHECK_EQ(pgtable_map_range(k, k->kernel_pgd_pa, v, 0, 8192, 8192, f), -EINVAL);
	CHECK_EQ(pgtable_map_range(k, k->kernel_pgd_pa, v, 0, 0, 4096, f), -EINVAL);
	CHECK_EQ(pgtable_map_range(k, k->kernel_pgd_pa, 0x0000800000000000ULL, 0, 4096, 4096, f),
		 -EINVAL);
	/* A PA beyond the 52-bit physical address space. */
	CHECK_EQ(pgtable_map_range(k, k->kernel_pgd_pa, v, 1ULL << 52, 4096, 4096, f), -EINVAL);
	/* A 4K page inside the direct map's 2M leaf: the leaf is in the way. */
	CHECK_EQ(pgtable_map_range(k, k->kernel_pgd_pa, __va(k, 0x1234000), 0, 4096, 4096, f),
		 -EEXIST);
	CHECK(mm_check_invariants(k));
	mm_machine_destroy(m);
}

TEST(pte_storage)
{
	struct mm_machine *m = boot("x86_64", 64 * MM_MB);
	CHECK(m);
	if (!m)
		return;
	struct mm_kernel *k = &m->k;
	/* Little endian, 8 bytes: the low byte first. */
	mm_pa_t pa = 0x9000; /* a frame in the first 1M nobody uses */
	uint8_t *host = phys_to_host(k->ram, pa);
	uint8_t saved[16];
	memcpy(saved, host, sizeof(saved));
	pte_write(k, pa, 0x1122334455667788ULL);
	CHECK_EQ(host[0], 0x88);
	CHECK_EQ(host[7], 0x11);
	CHECK_EQ(pte_read(k, pa), 0x1122334455667788ULL);
	memcpy(host, saved, sizeof(saved));
	/* Outside RAM: reads 0, writes nothing, never crashes. */
	CHECK_EQ(pte_read(k, 64 * MM_MB), 0);
	CHECK_EQ(pte_read(k, UINT64_MAX - 3), 0);
	pte_write(k, 64 * MM_MB - 4, 1); /* straddles the end: ignored */
	mm_machine_destroy(m);

	m = boot("i386", 64 * MM_MB);
	CHECK(m);
	if (!m)
		return;
	k = &m->k;
	host = phys_to_host(k->ram, pa);
	memcpy(saved, host, sizeof(saved));
	/* 4-byte entries: only the low word is stored. */
	host[4] = 0xAA;
	pte_write(k, pa, 0x1122334455667788ULL);
	CHECK_EQ(host[0], 0x88);
	CHECK_EQ(host[3], 0x55);
	CHECK_EQ(host[4], 0xAA);
	CHECK_EQ(pte_read(k, pa), 0x55667788ULL);
	memcpy(host, saved, sizeof(saved));
	mm_machine_destroy(m);
}

static int show(struct mm_machine *m, int argc, const char *const *argv, struct view_out *o,
		char *err, size_t len)
{
	view_out_init(o);
	err[0] = '\0';
	return view_pagetable(m, argc, argv, o, err, len);
}

static const char *field_str(const struct view_out *o, const char *path)
{
	const struct view_field *f = view_find(o, path);
	return f && f->kind == VF_STR ? f->str : NULL;
}

TEST(view)
{
	struct mm_machine *m = boot("x86_64", 128 * MM_MB);
	CHECK(m);
	if (!m)
		return;
	struct view_out o;
	char err[256];

	const char *ok[] = { "kernel", "0xffff888001234567" };
	CHECK_EQ(show(m, 2, ok, &o, err, sizeof(err)), 0);
	CHECK(strstr(sb_str(&o.text), "PGD[273]") != NULL);
	CHECK(strstr(sb_str(&o.text), "PMD[9]") != NULL);
	CHECK(strstr(sb_str(&o.text), "0x80000000012001e3") != NULL);
	CHECK(strstr(sb_str(&o.text), "(2M leaf)") != NULL);
	CHECK(strstr(sb_str(&o.text), "pa 0x1234567") != NULL);
	CHECK_EQ(test_view_num(&o, "PGD.index"), 273);
	CHECK_EQ(test_view_num(&o, "PUD.index"), 0);
	CHECK_EQ(test_view_num(&o, "PMD.index"), 9);
	CHECK_EQ(test_view_num(&o, "PMD.entry"), 0x80000000012001e3ULL);
	CHECK_STR(field_str(&o, "PMD.flags"), "P RW A D PS G NX");
	CHECK_EQ(test_view_num(&o, "mapped"), 1);
	CHECK_EQ(test_view_num(&o, "pa"), 0x1234567);
	CHECK_EQ(test_view_num(&o, "page_size"), 2 * MM_MB);
	CHECK_STR(field_str(&o, "leaf"), "PMD");
	CHECK(view_find(&o, "PTE.index") == NULL);
	view_out_free(&o);

	/* Past RAM: not mapped at the PMD. */
	const char *miss[] = { "kernel", "0xffff888008000000" };
	CHECK_EQ(show(m, 2, miss, &o, err, sizeof(err)), 0);
	CHECK_EQ(test_view_num(&o, "mapped"), 0);
	CHECK_STR(field_str(&o, "fault_level"), "PMD");
	CHECK(strstr(sb_str(&o.text), "not mapped: PMD entry not present") != NULL);
	view_out_free(&o);

	/* Non-canonical. */
	const char *nc[] = { "kernel", "0x0000900000000000" };
	CHECK_EQ(show(m, 2, nc, &o, err, sizeof(err)), 0);
	CHECK_EQ(test_view_num(&o, "mapped"), 0);
	CHECK_STR(field_str(&o, "fault"), "non-canonical");
	view_out_free(&o);

	/* Bad input: each gets a message, none crashes. */
	const char *bad1[] = { "kernel", "0xzz" };
	CHECK_EQ(show(m, 2, bad1, &o, err, sizeof(err)), -1);
	CHECK(strstr(err, "bad address '0xzz'") != NULL);
	view_out_free(&o);
	const char *bad2[] = { "kernel" };
	CHECK_EQ(show(m, 1, bad2, &o, err, sizeof(err)), -1);
	CHECK(strstr(err, "missing ADDR") != NULL);
	view_out_free(&o);
	CHECK_EQ(show(m, 0, NULL, &o, err, sizeof(err)), -1);
	CHECK(strstr(err, "usage") != NULL);
	view_out_free(&o);
	const char *bad3[] = { "A", "0x1000" };
	CHECK_EQ(show(m, 2, bad3, &o, err, sizeof(err)), -1);
	CHECK(strstr(err, "no process named 'A'") != NULL); /* processes: pagetable_process */
	view_out_free(&o);
	const char *bad4[] = { "kernel", "-1" };
	CHECK_EQ(show(m, 2, bad4, &o, err, sizeof(err)), -1);
	view_out_free(&o);
	const char *bad5[] = { "kernel", "0x123456789012345678901" };
	CHECK_EQ(show(m, 2, bad5, &o, err, sizeof(err)), -1);
	view_out_free(&o);
	const char *bad6[] = { "kernel", "" };
	CHECK_EQ(show(m, 2, bad6, &o, err, sizeof(err)), -1);
	view_out_free(&o);
	const char *bad7[] = { "kernel", "0x1000", "extra" };
	CHECK_EQ(show(m, 3, bad7, &o, err, sizeof(err)), -1);
	CHECK(strstr(err, "unexpected argument 'extra'") != NULL);
	view_out_free(&o);
	mm_machine_destroy(m);

	/* i386: 4-byte entries print as 8 hex digits. */
	m = boot("i386", 128 * MM_MB);
	CHECK(m);
	if (!m)
		return;
	const char *i[] = { "kernel", "0xC1234567" };
	CHECK_EQ(show(m, 2, i, &o, err, sizeof(err)), 0);
	CHECK(strstr(sb_str(&o.text), "= 0x010001e3 ") != NULL);
	CHECK(strstr(sb_str(&o.text), "(4M leaf)") != NULL);
	CHECK_STR(field_str(&o, "leaf"), "PGD");
	view_out_free(&o);
	mm_machine_destroy(m);

	/* The toy machine has no kernel tables. */
	m = boot_toy(14, 12, 64, 2);
	CHECK(m);
	if (!m)
		return;
	const char *t[] = { "kernel", "0x100" };
	CHECK_EQ(show(m, 2, t, &o, err, sizeof(err)), -1);
	CHECK(strstr(err, "no kernel page tables") != NULL);
	view_out_free(&o);
	mm_machine_destroy(m);
}

int main(void)
{
	RUN(x86_64_128M);
	RUN(x86_64_gbpages);
	RUN(la57);
	RUN(i386_128M);
	RUN(i386_highmem);
	RUN(pae_128M);
	RUN(toy_no_kernel_tables);
	RUN(toy_map_walk);
	RUN(map_after_boot);
	RUN(pte_storage);
	RUN(view);
	return test_summary();
}
