/*
 * mmsim/machine.h - the public C API: boot a machine from a config, use it,
 * destroy it. A machine owns all of its state; two machines in one process
 * are independent (mmsim has no mutable globals).
 */
#ifndef MMSIM_MACHINE_H
#define MMSIM_MACHINE_H

#include "mmsim/types.h"

struct mm_machine_config {
	char arch[24];          /* "x86_64" (default), "x86_64-la57", "i386", "i386-pae", "toy" */
	uint64_t ram_bytes;     /* default 128M */
	unsigned nr_cpus;       /* default 1 */
	uint64_t swap_bytes;    /* default 0 */
	uint64_t cma_bytes;     /* default 0 */
	uint64_t seed;          /* randomisation seed (kernel.randomize_va_space=2) */
	/* toy arch only */
	unsigned toy_va_bits, toy_pa_bits, toy_page_bytes, toy_levels;
	char tlb[256];          /* TLB geometry (docs/mmu-tlb.md); "" = the default */
	int pcid;               /* -1 default (on), 0 off, 1 on */
	char slub_debug[16];    /* "" off; "FZPU"-style letters as Linux's slub_debug= */
	int debug_checks;       /* -1: build default; 0 off; 1 on */
};

/* Fill cfg with the defaults of DESIGN.md section 3. */
void mm_machine_config_default(struct mm_machine_config *cfg);

/* Boot a machine. Returns NULL and writes a one-line reason into err. */
struct mm_machine *mm_machine_create(const struct mm_machine_config *cfg,
				     char *err, size_t err_len);
void mm_machine_destroy(struct mm_machine *m);

/* Version string ("mmsim 0.1.0"). */
const char *mm_version(void);

#endif
