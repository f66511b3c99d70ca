/*
 * pgtable.c - page tables as real tables in simulated RAM, and the kernel's
 * own tables (init_mm) with the direct map.
 *
 * A table is an array of 1 << level[i].bits entries of pte_bytes each,
 * stored little endian in physical frames. A walk reads one entry per level:
 *
 *   pgd_pa ─► [PGD] ─idx0─► entry ─PFN─► [PUD] ─idx1─► entry ─PFN─► [PMD] ...
 *                                               PS set here? that entry is a
 *                                               1G leaf and the walk ends
 *
 * Non-leaf entries carry Linux's _PAGE_TABLE (P RW US A D): permission is
 * decided at the leaf. The one exception is the PAE top level (the PDPT),
 * whose entries the hardware allows only P in, so Linux sets only P there.
 *
 * The direct map (Linux's init_mem_mapping / kernel_physical_mapping_init)
 * maps lowmem at PAGE_OFFSET with PAGE_KERNEL (P RW A D G NX, never US):
 *
 *   phys  0      1M     2M(4M)             1G                 RAM end
 *         [ISA:4K][4K   ][2M or 4M leaves ][1G leaves ... ][2M][4K]
 *
 * The ISA range [0, 1M) is always mapped with 4K pages, holes included;
 * every memblock memory range above it takes the largest leaf that is
 * aligned and fits inside the range (x86_64: 1G where the CPU has GBPAGES,
 * i386: 4M PSE, PAE: 2M), which is what split_mem_range computes. The
 * bytes mapped at each size are DirectMap4k / DirectMap2M (4M) / DirectMap1G.
 *
 * Where table pages come from: during boot (memblock not yet released) from
 * memblock_alloc, as Linux's early page tables do; after boot from the
 * buddy allocator with GFP_KERNEL | __GFP_ZERO, marked PG_table and counted
 * in nr_pagetable_pages (meminfo PageTables). A table bigger than a page
 * (toy machines) takes a higher-order block, a smaller one a whole page.
 *
 * The toy architecture has no kernel address space (its kernel keeps its
 * structures outside simulated RAM), so it has no kernel tables at all.
 */
#include <errno.h>
#include <string.h>

#include "mm/internal.h"

#define ISA_END_ADDRESS 0x100000ULL

/* ---- entries in RAM ------------------------------------------------------ */

mm_pte_t pte_read(const struct mm_kernel *k, mm_pa_t entry_pa)
{
	unsigned n = k->arch->pte_bytes;
	if (!phys_valid(k->ram, entry_pa, n))
		return 0; /* a corrupt pointer reads as "not present" */
	const uint8_t *p = phys_to_host(k->ram, entry_pa);
	mm_pte_t v = 0;
	for (unsigned i = 0; i < n; i++)
		v |= (mm_pte_t)p[i] << (8 * i);
	return v;
}

void pte_write(struct mm_kernel *k, mm_pa_t entry_pa, mm_pte_t v)
{
	unsigned n = k->arch->pte_bytes;
	if (!phys_valid(k->ram, entry_pa, n))
		return;
	uint8_t *p = phys_to_host(k->ram, entry_pa);
	for (unsigned i = 0; i < n; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

/* ---- table pages ----------------------------------------------------------- */

/* Order of a level-lvl table allocation: one page, or more when a table is
 * bigger than a page (toy machines). */
static unsigned table_order(const struct mm_kernel *k, unsigned lvl)
{
	uint64_t bytes = (uint64_t)arch_table_entries(k->arch, lvl) * k->arch->pte_bytes;
	unsigned order = 0;
	while ((k->page_size << order) < bytes)
		order++;
	return order;
}

uint64_t pgtable_table_bytes(const struct mm_kernel *k, unsigned lvl)
{
	return k->page_size << table_order(k, lvl);
}

bool pgtable_table_alloc(struct mm_kernel *k, unsigned lvl, mm_pa_t *pa)
{
	unsigned order = table_order(k, lvl);
	if (!k->memblock.released) {
		/* Early page tables come from memblock, as Linux's do. */
		uint64_t size = k->page_size << order;
		mm_pa_t early = memblock_alloc(&k->memblock, size, k->page_size, "pgtable");
		if (!early)
			return false;
		memset(phys_to_host(k->ram, early), 0, size);
		*pa = early;
		return true;
	}
	if (order > k->max_order)
		return false;
	struct page *page = alloc_pages(k, GFP_KERNEL | __GFP_ZERO, order);
	if (!page)
		return false;
	SetPageFlag(page, PG_table);
	k->nr_pagetable_pages += 1ULL << order;
	*pa = (mm_pa_t)page_to_pfn(k, page) << k->page_shift;
	return true;
}

void pgtable_table_free(struct mm_kernel *k, mm_pa_t pa, unsigned lvl)
{
	unsigned order = table_order(k, lvl);
	struct page *page = pfn_to_page(k, pa >> k->page_shift);
	ClearPageFlag(page, PG_table);
	k->nr_pagetable_pages -= 1ULL << order;
	__free_pages(k, page, order);
}

/* Is an entry with these flags at level lvl a leaf? */
static bool entry_is_leaf(const struct arch_profile *a, unsigned lvl, unsigned flags)
{
	return lvl == a->nr_levels - 1 || pgtable_entry_is_huge_leaf(a, lvl, flags);
}

/* ---- walk -------------------------------------------------------------------- */

void pgtable_walk(const struct mm_kernel *k, mm_pa_t pgd_pa, mm_va_t va,
		  struct pgtable_walk *w)
{
	const struct arch_profile *a = k->arch;
	memset(w, 0, sizeof(*w));
	if (!arch_va_canonical(a, va))
		return;
	mm_pa_t table = pgd_pa;
	for (unsigned lvl = 0; lvl < a->nr_levels; lvl++) {
		struct pgtable_walk_step *s = &w->step[w->nr_steps++];
		s->level = lvl;
		s->index = arch_va_index(a, lvl, va);
		s->table_pa = table;
		s->entry_pa = table + (mm_pa_t)s->index * a->pte_bytes;
		if (!phys_valid(k->ram, s->entry_pa, a->pte_bytes))
			return; /* the table pointer left RAM: not mapped */
		s->entry = pte_read(k, s->entry_pa);
		s->flags = arch_pte_flags(a, s->entry);
		if (!(s->flags & PTE_F_PRESENT))
			return;
		if (entry_is_leaf(a, lvl, s->flags)) {
			uint64_t span = arch_level_span(a, lvl);
			s->leaf = true;
			w->mapped = true;
			w->page_bytes = span;
			w->pa = (pgtable_entry_target_pa(k, s->entry) & ~(span - 1)) + (va & (span - 1));
			return;
		}
		table = pgtable_entry_target_pa(k, s->entry);
	}
}

/* ---- map / unmap ---------------------------------------------------------------- */

/* Level whose entries map page_bytes (a leaf-capable level); -1 if none. */
static int leaf_level(const struct arch_profile *a, uint64_t page_bytes)
{
	for (unsigned lvl = 0; lvl < a->nr_levels; lvl++) {
		bool leaf_ok = lvl == a->nr_levels - 1 || a->level[lvl].huge_leaf_ok;
		if (leaf_ok && arch_level_span(a, lvl) == page_bytes)
			return (int)lvl;
	}
	return -1;
}

/* Install one leaf at level leaf_lvl mapping va -> pa, creating the tables
 * above it. 0, -ENOMEM, or -EEXIST when a huge leaf is in the way of a table
 * or a table is in the way of a huge leaf. */
static int pgtable_map_one(struct mm_kernel *k, mm_pa_t pgd_pa, mm_va_t va, mm_pa_t pa,
			   unsigned leaf_lvl, unsigned flags)
{
	const struct arch_profile *a = k->arch;
	mm_pa_t table = pgd_pa;
	for (unsigned lvl = 0; lvl < leaf_lvl; lvl++) {
		mm_pa_t entry_pa = table + (mm_pa_t)arch_va_index(a, lvl, va) * a->pte_bytes;
		mm_pte_t e = pte_read(k, entry_pa);
		unsigned ef = arch_pte_flags(a, e);
		if (!(ef & PTE_F_PRESENT)) {
			mm_pa_t t;
			if (!pgtable_table_alloc(k, lvl + 1, &t))
				return -ENOMEM;
			e = arch_pte_encode(a, t >> k->page_shift, pgtable_table_entry_flags(a, lvl));
			pte_write(k, entry_pa, e);
		} else if (entry_is_leaf(a, lvl, ef)) {
			return -EEXIST;
		}
		table = pgtable_entry_target_pa(k, e);
	}
	mm_pa_t entry_pa = table + (mm_pa_t)arch_va_index(a, leaf_lvl, va) * a->pte_bytes;
	unsigned old = arch_pte_flags(a, pte_read(k, entry_pa));
	if ((old & PTE_F_PRESENT) && !entry_is_leaf(a, leaf_lvl, old))
		return -EEXIST; /* would orphan a lower table */
	unsigned leaf_flags = flags | PTE_F_PRESENT;
	if (leaf_lvl != a->nr_levels - 1)
		leaf_flags |= PTE_F_HUGE;
	else
		leaf_flags &= ~(unsigned)PTE_F_HUGE; /* bit 7 is PAT in a 4K PTE */
	pte_write(k, entry_pa, arch_pte_encode(a, pa >> k->page_shift, leaf_flags));
	return 0;
}

int pgtable_map_range(struct mm_kernel *k, mm_pa_t pgd_pa, mm_va_t va, mm_pa_t pa,
		      uint64_t len, uint64_t page_bytes, unsigned flags)
{
	const struct arch_profile *a = k->arch;
	int lvl = leaf_level(a, page_bytes);
	if (lvl < 0 || len == 0)
		return -EINVAL;
	uint64_t mask = page_bytes - 1;
	if ((va & mask) || (pa & mask) || (len & mask) || va + len - 1 < va)
		return -EINVAL;
	if (!arch_va_canonical(a, va) || !arch_va_canonical(a, va + len - 1))
		return -EINVAL;
	if (pa + len - 1 < pa || ((pa + len - 1) >> a->pa_bits) != 0)
		return -EINVAL; /* the PFN field could not hold it */
	for (uint64_t off = 0; off < len; off += page_bytes) {
		int err = pgtable_map_one(k, pgd_pa, va + off, pa + off, (unsigned)lvl, flags);
		if (err)
			return err;
	}
	return 0;
}

void pgtable_unmap_range(struct mm_kernel *k, mm_pa_t pgd_pa, mm_va_t va, uint64_t len)
{
	const struct arch_profile *a = k->arch;
	if (len == 0)
		return;
	mm_va_t addr = MM_ALIGN_DOWN(va, k->page_size);
	mm_va_t last = va + len - 1 < va ? UINT64_MAX : va + len - 1;
	while (addr <= last) {
		mm_pa_t table = pgd_pa;
		uint64_t span = k->page_size;
		for (unsigned lvl = 0; lvl < a->nr_levels; lvl++) {
			span = arch_level_span(a, lvl);
			mm_pa_t entry_pa = table + (mm_pa_t)arch_va_index(a, lvl, addr) * a->pte_bytes;
			mm_pte_t e = pte_read(k, entry_pa);
			unsigned ef = arch_pte_flags(a, e);
			if (!(ef & PTE_F_PRESENT))
				break; /* nothing below: skip this entry's span */
			if (entry_is_leaf(a, lvl, ef)) {
				mm_va_t base = addr & ~(span - 1);
				/* A huge leaf goes only when the range covers all of it. */
				if (lvl == a->nr_levels - 1 ||
				    (base >= MM_ALIGN_DOWN(va, k->page_size) && base + span - 1 <= last))
					pte_write(k, entry_pa, 0);
				break;
			}
			table = pgtable_entry_target_pa(k, e);
		}
		mm_va_t next = (addr & ~(span - 1)) + span;
		if (next <= addr)
			break; /* wrapped past the top of the address space */
		addr = next;
	}
}

/* ---- the direct map --------------------------------------------------------------- */

/* Lowmem: what the direct map covers. */
static mm_pa_t lowmem_end_pa(const struct mm_kernel *k)
{
	mm_pa_t ram = (mm_pa_t)k->max_pfn << k->page_shift;
	return MM_MIN(ram, k->arch->max_direct_pa);
}

mm_pa_t __pa(const struct mm_kernel *k, mm_va_t va)
{
	return va - k->arch->page_offset;
}

mm_va_t __va(const struct mm_kernel *k, mm_pa_t pa)
{
	return pa + k->arch->page_offset;
}

bool virt_addr_valid(const struct mm_kernel *k, mm_va_t va)
{
	const struct arch_profile *a = k->arch;
	if (a->is_toy || va < a->page_offset)
		return false;
	mm_pa_t pa = va - a->page_offset;
	return pa < lowmem_end_pa(k) && pfn_valid(k, pa >> k->page_shift);
}

/* DirectMap counter for a leaf of span bytes: 0 = 4k, 1 = 2M/4M, 2 = 1G. */
static unsigned direct_map_slot(const struct mm_kernel *k, uint64_t span)
{
	if (span == k->page_size)
		return 0;
	return span >= MM_GB ? 2 : 1;
}

/* Map physical [start, end) at PAGE_OFFSET with the largest aligned leaves
 * that fit; when big is false, with base pages only. */
static int direct_map_range(struct mm_kernel *k, mm_pa_t start, mm_pa_t end, bool big)
{
	const struct arch_profile *a = k->arch;
	const unsigned flags = PTE_F_PRESENT | PTE_F_WRITE | PTE_F_ACCESSED | PTE_F_DIRTY |
			       PTE_F_GLOBAL | PTE_F_NX;
	unsigned last = a->nr_levels - 1;
	while (start < end) {
		unsigned lvl = last;
		for (unsigned l = 0; big && l < last; l++) {
			uint64_t span = arch_level_span(a, l);
			if (a->level[l].huge_leaf_ok && !(start & (span - 1)) && end - start >= span) {
				lvl = l;
				break;
			}
		}
		uint64_t span = arch_level_span(a, lvl);
		int err = pgtable_map_one(k, k->kernel_pgd_pa, __va(k, start), start, lvl, flags);
		if (err)
			return err;
		k->direct_map_bytes[direct_map_slot(k, span)] += span;
		start += span;
	}
	return 0;
}

int kernel_pgtable_init(struct mm_kernel *k)
{
	const struct arch_profile *a = k->arch;
	memset(k->direct_map_bytes, 0, sizeof(k->direct_map_bytes));
	k->kernel_pgd_pa = 0;
	if (a->is_toy)
		return 0;
	if (!pgtable_table_alloc(k, 0, &k->kernel_pgd_pa))
		return -ENOMEM;

	mm_pa_t lowmem_end = MM_ALIGN_DOWN(lowmem_end_pa(k), k->page_size);
	/* The ISA range is always mapped, holes and all, with 4K pages. */
	mm_pa_t isa_end = MM_MIN(ISA_END_ADDRESS, lowmem_end);
	int err = direct_map_range(k, 0, isa_end, false);
	for (int i = 0; !err && i < k->memblock.memory.cnt; i++) {
		const struct memblock_region *r = &k->memblock.memory.regions[i];
		mm_pa_t s = MM_ALIGN_UP(MM_MAX(r->base, isa_end), k->page_size);
		mm_pa_t e = MM_ALIGN_DOWN(MM_MIN(r->base + r->size, lowmem_end), k->page_size);
		if (s < e)
			err = direct_map_range(k, s, e, true);
	}
	return err;
}
