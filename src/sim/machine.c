/*
 * machine.c - boot a simulated machine from its config, and tear it down.
 *
 * The boot follows Linux's order (setup_arch -> mm_core_init):
 *
 *   phys_init            RAM appears (sparse host mapping)
 *   e820 -> memblock     usable ranges; x86 keeps the PC holes: page 0 and
 *                        640K-1M are not RAM, and the first 1M is reserved
 *   reserve the image    the kernel's text/data/bss at CONFIG_PHYSICAL_START
 *   mem_map              one struct page per frame, from memblock (toy arch:
 *                        host memory; its RAM is too small to hold them)
 *   kernel page tables   the direct map, tables from memblock
 *   free_area_init       zones sized from the arch's boundaries
 *   memblock_free_all    free frames go to the buddy allocator
 *   watermarks           min_free_kbytes, watermarks, lowmem_reserve, pcp
 *   "Memory: ..."        the line every Linux boot log has
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fs/simfs.h"
#include "kernel/task.h"
#include "mm/memory.h"
#include "hw/tlb.h"
#include "mm/internal.h"
#include "mm/cma.h"
#include "mm/highmem.h"
#include "mm/percpu.h"
#include "mm/vmalloc.h"
#include "mm/slab.h"
#include "sim/machine.h"

/* The most RAM a machine may have (docs/language.md, `machine ram=`). */
#define MMSIM_MAX_RAM (256 * MM_GB)

const char *mm_version(void)
{
	return "mmsim " MMSIM_VERSION;
}

void mm_machine_config_default(struct mm_machine_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	snprintf(cfg->arch, sizeof(cfg->arch), "x86_64");
	cfg->ram_bytes = 128 * MM_MB;
	cfg->nr_cpus = 1;
	cfg->toy_va_bits = 14;
	cfg->toy_pa_bits = 12;
	cfg->toy_page_bytes = 64;
	cfg->toy_levels = 2;
	cfg->debug_checks = -1;
	cfg->pcid = -1;
}

static void sysctl_defaults(struct mm_kernel *k)
{
	struct mm_sysctl *s = &k->sysctl;
	s->min_free_kbytes = 0;
	s->user_min_free_kbytes = k->arch->is_toy ? 0 : -1;
	s->watermark_scale_factor = 10;
	s->watermark_boost_factor = 15000;
	/* Linux's sysctl_lowmem_reserve_ratio defaults, per zone type. */
	s->lowmem_reserve_ratio[ZONE_DMA] = 256;
	s->lowmem_reserve_ratio[ZONE_DMA32] = 256;
	s->lowmem_reserve_ratio[ZONE_NORMAL] = 32;
	s->lowmem_reserve_ratio[ZONE_HIGHMEM] = 0;
	s->lowmem_reserve_ratio[ZONE_MOVABLE] = 0;
	s->percpu_pagelist_high_fraction = 0;
}

static void print_e820(struct mm_kernel *k, const char *what, mm_pa_t start, mm_pa_t end)
{
	printk(k, "BIOS-e820: [mem 0x%016llx-0x%016llx] %s", (unsigned long long)start,
	       (unsigned long long)end - 1, what);
}

/* The firmware's memory map. x86 PCs have two holes below 1M (page 0 holds
 * the BIOS data area; 640K-1M is the legacy VGA/ROM window); mmsim keeps
 * those and, for simplicity, no PCI hole below 4G (decisions.md). */
static int setup_memory_map(struct mm_machine *m)
{
	struct mm_kernel *k = &m->k;
	uint64_t ram = k->max_pfn << k->page_shift;
	if (k->arch->is_toy)
		return memblock_add(&k->memblock, 0, ram);
	printk(k, "BIOS-provided physical RAM map:");
	print_e820(k, "reserved", 0, 0x1000);
	print_e820(k, "usable", 0x1000, 0x9f000);
	print_e820(k, "reserved", 0x9f000, 0x100000);
	print_e820(k, "usable", 0x100000, ram);
	int err = memblock_add(&k->memblock, 0x1000, 0x9f000 - 0x1000);
	if (!err)
		err = memblock_add(&k->memblock, 0x100000, ram - 0x100000);
	if (!err)
		err = memblock_reserve(&k->memblock, 0, 0x100000, "first 1M");
	return err;
}

/* The kernel image at CONFIG_PHYSICAL_START, or right after the first 1M on
 * a machine too small for that. Its size splits as a distro kernel's does
 * (the proportions of a 6.x x86_64 "Memory:" line). */
static int reserve_kernel_image(struct mm_machine *m, char *err, size_t err_len)
{
	struct mm_kernel *k = &m->k;
	const struct arch_profile *a = k->arch;
	uint64_t ram = k->max_pfn << k->page_shift;
	uint64_t image = a->kernel_image_bytes;
	mm_pa_t load = a->kernel_load_pa;
	if (a->is_toy || image == 0)
		return 0;
	if (load + image + 16 * MM_MB > ram)
		load = 0x100000;
	if (load + image + 4 * MM_MB > ram) {
		snprintf(err, err_len,
			 "ram=%lluK is too small for the %s kernel (image %lluK at 0x%llx): use at least %lluM",
			 (unsigned long long)(ram >> 10), a->name, (unsigned long long)(image >> 10),
			 (unsigned long long)load,
			 (unsigned long long)((load + image + 4 * MM_MB + MM_MB - 1) / MM_MB));
		return -ENOMEM;
	}
	uint64_t page = k->page_size;
	k->boot_kernel_code = MM_ALIGN_UP(image * 40 / 100, page);
	k->boot_rodata = MM_ALIGN_UP(image * 28 / 100, page);
	k->boot_rwdata = MM_ALIGN_UP(image * 7 / 100, page);
	k->boot_init = MM_ALIGN_UP(image * 12 / 100, page);
	k->boot_bss = image - k->boot_kernel_code - k->boot_rodata - k->boot_rwdata - k->boot_init;
	printk(k, "memblock_reserve: [0x%016llx-0x%016llx] kernel image",
	       (unsigned long long)load, (unsigned long long)(load + image - 1));
	return memblock_reserve(&k->memblock, load, image, "kernel image");
}

static int alloc_mem_map(struct mm_machine *m, char *err, size_t err_len)
{
	struct mm_kernel *k = &m->k;
	uint64_t bytes = k->max_pfn * sizeof(struct page);
	if (k->arch->is_toy) {
		k->mem_map = calloc(k->max_pfn, sizeof(struct page));
		k->mem_map_in_host = true;
		if (!k->mem_map) {
			snprintf(err, err_len, "out of host memory for mem_map");
			return -ENOMEM;
		}
		return 0;
	}
	mm_pa_t pa = memblock_alloc(&k->memblock, MM_ALIGN_UP(bytes, k->page_size),
				    k->page_size, "mem_map");
	if (!pa) {
		snprintf(err, err_len, "no room for mem_map (%lluK) in lowmem",
			 (unsigned long long)(bytes >> 10));
		return -ENOMEM;
	}
	k->mem_map_pa = pa;
	k->mem_map = phys_to_host(k->ram, pa);
	printk(k, "memblock_alloc: [0x%016llx-0x%016llx] mem_map (%llu pages of %zu bytes)",
	       (unsigned long long)pa, (unsigned long long)(pa + bytes - 1),
	       (unsigned long long)k->max_pfn, sizeof(struct page));
	return 0;
}

static void print_memory_line(struct mm_kernel *k)
{
	uint64_t physpages = 0;
	for (int z = 0; z < MAX_NR_ZONES; z++)
		physpages += k->node.node_zones[z].present_pages;
	/* Sub-kilobyte toy pages still print in K, rounded down. */
#define PAGES_K(n) (((uint64_t)(n) << k->page_shift) >> 10)
	uint64_t highmem = k->totalhigh_pages;
	char high[64] = "";
	if (k->arch->zone_exists[ZONE_HIGHMEM])
		snprintf(high, sizeof(high), ", %lluK highmem", (unsigned long long)PAGES_K(highmem));
	printk(k,
	       "Memory: %lluK/%lluK available (%lluK kernel code, %lluK rwdata, %lluK rodata, "
	       "%lluK init, %lluK bss, %lluK reserved, %lluK cma-reserved%s)",
	       (unsigned long long)PAGES_K(global_free_pages(k)),
	       (unsigned long long)PAGES_K(physpages),
	       (unsigned long long)(k->boot_kernel_code >> 10),
	       (unsigned long long)(k->boot_rwdata >> 10),
	       (unsigned long long)(k->boot_rodata >> 10),
	       (unsigned long long)(k->boot_init >> 10),
	       (unsigned long long)(k->boot_bss >> 10),
	       (unsigned long long)PAGES_K(physpages - k->totalram_pages - k->totalcma_pages),
	       (unsigned long long)PAGES_K(k->totalcma_pages), high);
#undef PAGES_K
}

static int boot(struct mm_machine *m, char *err, size_t err_len)
{
	struct mm_kernel *k = &m->k;
	int ret;

	k->arch = &m->arch;
	k->ram = &m->ram;
	k->nr_cpus = m->cfg.nr_cpus;
	k->page_shift = m->arch.page_shift;
	k->page_size = 1ULL << k->page_shift;
	k->max_order = m->arch.max_order;
	k->pageblock_order = m->arch.pageblock_order;
	k->max_pfn = m->cfg.ram_bytes >> k->page_shift;
	k->debug_checks = m->cfg.debug_checks < 0 ? MMSIM_DEBUG : m->cfg.debug_checks;
	sysctl_defaults(k);
	memblock_init(&k->memblock);

	printk(k, "Linux version 6.6.0-mmsim (%s) #1 SMP PREEMPT_DYNAMIC", m->arch.name);
	if (phys_init(&m->ram, k->max_pfn << k->page_shift)) {
		snprintf(err, err_len, "cannot reserve %llu bytes of host address space for RAM",
			 (unsigned long long)m->cfg.ram_bytes);
		return -ENOMEM;
	}
	struct hw_tlb_config tc;
	hw_tlb_config_default(&tc);
	if (m->cfg.pcid >= 0)
		tc.pcid = m->cfg.pcid;
	if (m->cfg.tlb[0] && hw_tlb_config_parse(&tc, m->cfg.tlb, err, err_len))
		return -EINVAL;
	if ((ret = hw_cpus_init(m->cpus, m->cfg.nr_cpus, &m->arch, &m->ram, &tc))) {
		snprintf(err, err_len, "cannot set up the CPUs' TLBs for %s", m->arch.name);
		return ret;
	}
	m->cpus_ready = true;
	k->cpus = m->cpus;
	if ((ret = setup_memory_map(m))) {
		snprintf(err, err_len, "memblock: too many memory regions");
		return ret;
	}
	if ((ret = reserve_kernel_image(m, err, err_len)))
		return ret;
	/* Early allocations stay in lowmem: the direct map must reach them. */
	if (m->arch.max_direct_pa)
		k->memblock.current_limit = m->arch.max_direct_pa;
	k->max_low_pfn = MM_MIN(k->max_pfn, m->arch.max_direct_pa ? m->arch.max_direct_pa >> k->page_shift
								    : k->max_pfn);
	if ((ret = alloc_mem_map(m, err, err_len)))
		return ret;
	if ((ret = kernel_pgtable_init(k))) {
		snprintf(err, err_len, "no memory for the kernel page tables");
		return ret;
	}
	/* Every CPU starts on init_mm's tables; Linux runs ASID 0 as PCID 1. */
	for (unsigned i = 0; k->kernel_pgd_pa && i < k->nr_cpus; i++)
		hw_cpu_write_cr3(&m->cpus[i], k->kernel_pgd_pa, 1, false);
	/* setup_arch: dma_contiguous_reserve, before paging_init sizes the zones */
	if (m->cfg.cma_bytes && (ret = cma_reserve(k, m->cfg.cma_bytes))) {
		snprintf(err, err_len, "cma=%lluK: %s", (unsigned long long)(m->cfg.cma_bytes >> 10),
			 k->last_error[0] ? k->last_error : "cannot reserve the CMA area");
		return ret;
	}
	if ((ret = free_area_init(k))) {
		snprintf(err, err_len, "zone setup failed (%s)", k->last_error);
		return ret;
	}
	/* start_kernel: setup_per_cpu_areas, after setup_arch */
	if ((ret = setup_per_cpu_areas(k))) {
		snprintf(err, err_len, "no memory for the per-CPU areas");
		return ret;
	}
	memblock_free_all(k);
	init_per_zone_wmark_min(k);
	mmap_init(k);
	print_memory_line(k);
	/* The kernel's object allocators, in Linux's mm_core_init order. */
	snprintf(k->slub_debug, sizeof(k->slub_debug), "%s", m->cfg.slub_debug);
	if ((ret = kmem_cache_init(k))) {
		snprintf(err, err_len, "no memory for the slab caches");
		return ret;
	}
	if ((ret = vmalloc_init(k)) || (ret = highmem_init(k))) {
		snprintf(err, err_len, "no memory for the vmalloc and kmap areas");
		return ret;
	}
	pgd_sync_init(k);
	cma_init_reserved_areas(k); /* a core_initcall */
	/* Processes (issue 4): the zero page, fault settings, the task layer. */
	if ((ret = memory_init(k)) || (ret = task_init(k, m->cfg.seed))) {
		snprintf(err, err_len, "no memory for the process layer");
		return ret;
	}
	return 0;
}

static int validate(const struct mm_machine_config *cfg, char *err, size_t err_len)
{
	if (cfg->nr_cpus < 1 || cfg->nr_cpus > MM_MAX_CPUS) {
		snprintf(err, err_len, "cpus=%u is out of range (1..%d)", cfg->nr_cpus, MM_MAX_CPUS);
		return -EINVAL;
	}
	return 0;
}

struct hw_cpu *machine_cpu(struct mm_machine *m, unsigned i)
{
	return m->cpus_ready && i < m->cfg.nr_cpus ? &m->cpus[i] : NULL;
}

unsigned machine_nr_cpus(struct mm_machine *m)
{
	return m->cpus_ready ? m->cfg.nr_cpus : 0;
}

struct mm_machine *mm_machine_create(const struct mm_machine_config *cfg, char *err,
				     size_t err_len)
{
	if (validate(cfg, err, err_len))
		return NULL;
	struct mm_machine *m = calloc(1, sizeof(*m));
	if (!m) {
		snprintf(err, err_len, "out of host memory");
		return NULL;
	}
	m->cfg = *cfg;
	if (strcmp(cfg->arch, "toy") == 0) {
		struct arch_toy_params p = { cfg->toy_va_bits, cfg->toy_pa_bits,
					     cfg->toy_page_bytes, cfg->toy_levels };
		const char *why = "bad parameters";
		if (arch_toy_build(&m->arch, &p, &why)) {
			snprintf(err, err_len, "%s", why);
			free(m);
			return NULL;
		}
		/* The toy machine's RAM is its whole physical address space. */
		m->cfg.ram_bytes = 1ULL << cfg->toy_pa_bits;
	} else {
		const struct arch_profile *a = arch_lookup(cfg->arch);
		if (!a) {
			snprintf(err, err_len, "unknown arch '%s'", cfg->arch);
			free(m);
			return NULL;
		}
		m->arch = *a;
		uint64_t limit = 1ULL << a->pa_bits;
		if (cfg->ram_bytes > limit) {
			snprintf(err, err_len, "ram=%lluM exceeds %s's %u-bit physical address space",
				 (unsigned long long)(cfg->ram_bytes >> 20), a->name, a->pa_bits);
			free(m);
			return NULL;
		}
		/* A host cap, not an arch limit: boot writes a descriptor per
		 * max-order block, so its time and resident memory grow with
		 * ram (~0.5 s and ~300M of host memory at the cap; 16T would
		 * take minutes and tens of GiB). */
		if (cfg->ram_bytes > MMSIM_MAX_RAM) {
			snprintf(err, err_len, "ram=%lluM exceeds mmsim's limit of %lluG",
				 (unsigned long long)(cfg->ram_bytes >> 20),
				 (unsigned long long)(MMSIM_MAX_RAM / MM_GB));
			free(m);
			return NULL;
		}
		if (cfg->ram_bytes < 4 * MM_MB) {
			snprintf(err, err_len, "ram=%lluK is too small: %s needs at least 4M",
				 (unsigned long long)(cfg->ram_bytes >> 10), a->name);
			free(m);
			return NULL;
		}
	}
	if (boot(m, err, err_len)) {
		mm_machine_destroy(m);
		return NULL;
	}
	return m;
}

void mm_machine_destroy(struct mm_machine *m)
{
	if (!m)
		return;
	/* Processes first, while the CPUs exist (their memory goes back). */
	task_fini(&m->k);
	memory_fini(&m->k);
	if (m->cpus_ready)
		hw_cpus_fini(m->cpus, m->cfg.nr_cpus);
	/* Files after the processes, before the slab (page-cache nodes). */
	simfs_fini(&m->k);
	vmalloc_fini(&m->k);
	highmem_fini(&m->k);
	percpu_fini(&m->k);
	cma_fini(&m->k);
	kmem_cache_fini(&m->k);
	free_area_fini(&m->k);
	if (m->k.mem_map_in_host)
		free(m->k.mem_map);
	printk_fini(&m->k.log);
	phys_fini(&m->ram);
	free(m);
}
