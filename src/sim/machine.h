/*
 * machine.h - struct mm_machine: one simulated computer. It embeds the
 * hardware (RAM), the architecture profile and the kernel's mm state; the
 * scenario interpreter, the views and the benchmarks all reach the system
 * through it.
 */
#ifndef MMSIM_SIM_MACHINE_H
#define MMSIM_SIM_MACHINE_H

#include "arch/arch.h"
#include "hw/cpu.h"
#include "hw/phys.h"
#include "mm/mm_types.h"
#include "mmsim/machine.h"

struct mm_machine {
	struct mm_machine_config cfg;
	struct arch_profile arch;   /* a copy: the toy profile is built per machine */
	struct phys_ram ram;
	struct mm_kernel k;
	struct hw_cpu cpus[MM_MAX_CPUS]; /* must not move: TLBs point into it */
	bool cpus_ready;
};

/* The machine's simulated CPUs (hw/cpu.h), for views and the kernel:
 * NULL when i >= machine_nr_cpus(m). Defined in machine.c. */
struct hw_cpu;
struct hw_cpu *machine_cpu(struct mm_machine *m, unsigned i);
unsigned machine_nr_cpus(struct mm_machine *m);

#endif
