/*
 * x86_64.c - the 64-bit x86 profiles: 4-level paging and 5-level (LA57).
 *
 * A 48-bit virtual address (4 levels) splits as
 *
 *   47     39 38     30 29     21 20     12 11          0
 *  [ PGD 9  ][ PUD 9   ][ PMD 9   ][ PTE 9   ][ offset 12 ]
 *               1G leaf    2M leaf
 *
 * and LA57 puts a 9-bit PGD above a P4D (bits 56..48). Entries are 8 bytes:
 * P RW US PWT PCD A D PS G at bits 0-8, PFN at 12..51, NX at 63.
 *
 * The virtual layout is Linux's (Documentation/arch/x86/x86_64/mm.rst,
 * page_64_types.h, pgtable_64_types.h) without KASLR:
 *
 *   4-level                                   5-level
 *   0000000000000000-00007ffffffff000 user    0000000000000000-00fffffffffff000 user
 *   ffff888000000000  direct map (64 TiB)     ff11000000000000  direct map (4 PiB)
 *   ffffc90000000000  vmalloc (32 TiB)        ffa0000000000000  vmalloc (12800 TiB)
 *   ffffffff80000000  kernel text (__START_KERNEL_map), both
 *
 * vmalloc_end is Linux's VMALLOC_END, which is inclusive (start + size - 1):
 * that is why /proc/meminfo says VmallocTotal: 34359738367 kB, not 34359738368.
 *
 * Physical zones: DMA below 16M (ISA), DMA32 below 4G, Normal above.
 * MAX_PAGE_ORDER is 10 and pageblock_order is HPAGE_PMD_ORDER = 9.
 */
#include "arch/arch.h"

/* Linux's __PHYSICAL_MASK_SHIFT: PTE_PFN_MASK covers bits 12..51. */
#define X86_64_PA_BITS 52

#define X86_64_ZONES                                                        \
	.zone_end_pa = {                                                    \
		[ZONE_DMA] = 16 * MM_MB,                                    \
		[ZONE_DMA32] = 4 * MM_GB,                                   \
		[ZONE_NORMAL] = 1ULL << X86_64_PA_BITS,                     \
	},                                                                  \
	.zone_exists = { [ZONE_DMA] = true, [ZONE_DMA32] = true, [ZONE_NORMAL] = true }

const struct arch_profile arch_profile_x86_64 = {
	.name = "x86_64",
	.va_bits = 48,
	.pa_bits = X86_64_PA_BITS,
	.page_shift = 12,
	.nr_levels = 4,
	.pte_bytes = 8,
	.has_nx = true,
	.is_toy = false,
	.level = {
		{ "PGD", 39, 9, false },
		{ "PUD", 30, 9, true }, /* 1G pages (X86_FEATURE_GBPAGES) */
		{ "PMD", 21, 9, true }, /* 2M pages */
		{ "PTE", 12, 9, false },
	},
	.task_size = 0x00007ffffffff000ULL,   /* (1 << 47) - PAGE_SIZE */
	.page_offset = 0xffff888000000000ULL, /* __PAGE_OFFSET_BASE_L4 */
	.max_direct_pa = 1ULL << 46,          /* MAXMEM: MAX_PHYSMEM_BITS 46 */
	.vmalloc_start = 0xffffc90000000000ULL,
	.vmalloc_end = 0xffffc90000000000ULL + 32 * MM_TB - 1,
	.kernel_text_va = 0xffffffff80000000ULL, /* __START_KERNEL_map */
	X86_64_ZONES,
	.max_order = 10,
	.pageblock_order = 9,
	.kernel_load_pa = 16 * MM_MB,        /* CONFIG_PHYSICAL_START */
	.kernel_image_bytes = 16 * MM_MB,
};

const struct arch_profile arch_profile_x86_64_la57 = {
	.name = "x86_64-la57",
	.va_bits = 57,
	.pa_bits = X86_64_PA_BITS,
	.page_shift = 12,
	.nr_levels = 5,
	.pte_bytes = 8,
	.has_nx = true,
	.is_toy = false,
	.level = {
		{ "PGD", 48, 9, false },
		{ "P4D", 39, 9, false },
		{ "PUD", 30, 9, true },
		{ "PMD", 21, 9, true },
		{ "PTE", 12, 9, false },
	},
	.task_size = 0x00fffffffffff000ULL,   /* (1 << 56) - PAGE_SIZE */
	.page_offset = 0xff11000000000000ULL, /* __PAGE_OFFSET_BASE_L5 */
	.max_direct_pa = 1ULL << 52,          /* MAX_PHYSMEM_BITS 52 */
	.vmalloc_start = 0xffa0000000000000ULL,
	.vmalloc_end = 0xffa0000000000000ULL + 12800 * MM_TB - 1,
	.kernel_text_va = 0xffffffff80000000ULL,
	X86_64_ZONES,
	.max_order = 10,
	.pageblock_order = 9,
	.kernel_load_pa = 16 * MM_MB,
	.kernel_image_bytes = 16 * MM_MB,
};
