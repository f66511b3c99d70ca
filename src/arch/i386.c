/*
 * i386.c - the 32-bit x86 profiles: classic 2-level paging and PAE.
 *
 *   i386 (4-byte entries)            i386-pae (8-byte entries, NX)
 *   31     22 21     12 11      0    31 30 29     21 20     12 11      0
 *  [ PGD 10 ][ PTE 10 ][ off 12 ]   [PGD][ PMD 9  ][ PTE 9  ][ off 12 ]
 *     4M leaf (PSE)                   2    2M leaf
 *
 * Linux folds the P4D, PUD (and without PAE the PMD) levels into the PGD,
 * so the 4M PSE leaf of non-PAE paging sits in the PGD itself. PAE's top
 * level is the 4-entry PDPT; its entries carry only P (and PWT/PCD): the
 * hardware reserves RW/US/A there, and Linux's pud_populate sets only
 * _PAGE_PRESENT, so permissions come from the PMD and PTE levels.
 *
 * The kernel's 1G of the 3G/1G split (pgtable_32_areas.h, simplified):
 *
 *   0xC0000000  PAGE_OFFSET: direct map of lowmem, up to 896M
 *   high_memory + 8M (VMALLOC_OFFSET gap)      vmalloc_start
 *   PKMAP_BASE - 2 pages                       vmalloc_end
 *   PKMAP_BASE = (FIXADDR_START - (LAST_PKMAP+1) pages) & PMD_MASK
 *                LAST_PKMAP entries: 1024 (non-PAE), 512 (PAE)
 *   0xFFC00000 - 0xFFFFF000                    fixmap (kmap_atomic slots)
 *
 * Simplifications, written down in docs/arch.md: lowmem is the classic 896M
 * (Linux computes MAXMEM = VMALLOC_END - PAGE_OFFSET - 128M, about 890M);
 * the fixmap is a fixed 4M-4K area; the cpu_entry_area and LDT areas that
 * Linux 4.15+ puts between the fixmap and PKMAP are not modelled, which
 * gives the pre-4.15 layout (PAE: pkmap 0xff800000-0xffa00000, vmalloc end
 * 0xff7fe000, as a 2.6/3.x kernel printed them).
 *
 * vmalloc_start assumes a full 896M of lowmem (0xF8800000); with less RAM
 * the boot code moves it to __va(RAM) + 8M, as VMALLOC_START follows
 * high_memory in Linux.
 *
 * Zones: DMA below 16M, Normal up to 896M, HighMem above. pageblock_order
 * is 10 without PAE (4M PSE pages would give 10, capped at MAX_PAGE_ORDER)
 * and 9 with PAE (2M pages).
 */
#include "arch/arch.h"

#define I386_PAGE_OFFSET 0xC0000000ULL
#define I386_LOWMEM (896 * MM_MB)
#define I386_VMALLOC_OFFSET (8 * MM_MB)
#define I386_FIXADDR_TOP 0xFFFFF000ULL   /* -PAGE_SIZE */
#define I386_FIXADDR_START 0xFFC00000ULL /* fixmap: 1023 pages */

/* PKMAP_BASE for a PMD (largest leaf) size and LAST_PKMAP entries. */
#define I386_PKMAP_BASE(pmd_size, last_pkmap)                                \
	((I386_FIXADDR_START - 4096ULL * ((last_pkmap) + 1)) & ~((pmd_size) - 1))

#define I386_COMMON                                                          \
	.page_shift = 12,                                                    \
	.is_toy = false,                                                     \
	.task_size = I386_PAGE_OFFSET,                                       \
	.page_offset = I386_PAGE_OFFSET,                                     \
	.max_direct_pa = I386_LOWMEM,                                        \
	.vmalloc_start = I386_PAGE_OFFSET + I386_LOWMEM + I386_VMALLOC_OFFSET, \
	.fixaddr_start = I386_FIXADDR_START,                                 \
	.fixaddr_top = I386_FIXADDR_TOP,                                     \
	.kernel_text_va = I386_PAGE_OFFSET,                                  \
	.zone_exists = { [ZONE_DMA] = true, [ZONE_NORMAL] = true, [ZONE_HIGHMEM] = true }, \
	.max_order = 10,                                                     \
	.kernel_load_pa = 16 * MM_MB,                                        \
	.kernel_image_bytes = 8 * MM_MB

const struct arch_profile arch_profile_i386 = {
	.name = "i386",
	.va_bits = 32,
	.pa_bits = 32,
	.nr_levels = 2,
	.pte_bytes = 4,
	.has_nx = false,
	.level = {
		{ "PGD", 22, 10, true }, /* 4M PSE pages (PMD folded into PGD) */
		{ "PTE", 12, 10, false },
	},
	I386_COMMON,
	/* 0xFFC00000 - 1025 pages = 0xFF7FF000, down to 4M: 0xFF400000 */
	.pkmap_base = I386_PKMAP_BASE(4 * MM_MB, 1024),
	.last_pkmap = 1024,
	.vmalloc_end = I386_PKMAP_BASE(4 * MM_MB, 1024) - 2 * 4096,
	.zone_end_pa = {
		[ZONE_DMA] = 16 * MM_MB,
		[ZONE_NORMAL] = I386_LOWMEM,
		[ZONE_HIGHMEM] = 1ULL << 32,
	},
	.pageblock_order = 10,
};

const struct arch_profile arch_profile_i386_pae = {
	.name = "i386-pae",
	.va_bits = 32,
	.pa_bits = 36, /* PAE's classic 64G (CONFIG_HIGHMEM64G) */
	.nr_levels = 3,
	.pte_bytes = 8,
	.has_nx = true,
	.level = {
		{ "PGD", 30, 2, false }, /* the PDPT */
		{ "PMD", 21, 9, true },  /* 2M pages */
		{ "PTE", 12, 9, false },
	},
	I386_COMMON,
	/* 0xFFC00000 - 513 pages = 0xFF9FF000, down to 2M: 0xFF800000 */
	.pkmap_base = I386_PKMAP_BASE(2 * MM_MB, 512),
	.last_pkmap = 512,
	.vmalloc_end = I386_PKMAP_BASE(2 * MM_MB, 512) - 2 * 4096,
	.zone_end_pa = {
		[ZONE_DMA] = 16 * MM_MB,
		[ZONE_NORMAL] = I386_LOWMEM,
		[ZONE_HIGHMEM] = 1ULL << 36,
	},
	.pageblock_order = 9,
};
