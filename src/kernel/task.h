/*
 * task.h - simulated processes: struct task_struct, the scheduler's view of
 * the CPUs, and how a process touches its memory.
 *
 *   k->tasks (struct task_state)
 *     ├── tasks: A(pid 1) ─ B(pid 2) ─ T(pid 3, thread of B) ─ ...   every task, by pid;
 *     │          dead ones stay (state exited / killed:segv) until
 *     │          their name is reused
 *     ├── cpu[N] (struct cpu_tlbstate): the task running there, the mm
 *     │          loaded in CR3 (kept lazily when the CPU idles), its ASID,
 *     │          and the 6 dynamic ASID slots {ctx_id, tlb_gen} of Linux's
 *     │          switch_mm_irqs_off
 *     ├── kernel.randomize_va_space, the random state (machine seed=)
 *     └── last: what the last access did (last.result, last.paddr)
 *
 *   task ──mm──► mm_struct ──owner──► the thread-group leader (its mm_ctx:
 *                                      ctx_id, tlb_gen, cpumask)
 *
 * One mm per process; threads (`fork A T thread`) share their leader's.
 *
 * Files: task.c (task objects, the mm hooks, exit and kill), exec.c (the
 * address-space layout of spawn and exec), fork.c (fork: dup_mmap),
 * sched.c (context switches, ASIDs, TLB shootdowns), uaccess.c (reads and
 * writes of a process's memory through the MMU).
 */
#ifndef MMSIM_KERNEL_TASK_H
#define MMSIM_KERNEL_TASK_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "hw/mmu.h"
#include "include/list.h"
#include "mm/memory.h"
#include "mm/mm_struct.h"
#include "mm/mm_types.h"

#define TASK_COMM_LEN 16   /* Linux's comm: 15 characters and a NUL */
#define TASK_NAME_MAX 64   /* mmsim's names may be longer; status shows comm */
#define TLB_NR_DYN_ASIDS 6 /* x86: ASIDs rotated per CPU */

enum task_life {
	TASK_ALIVE,
	TASK_EXITED,  /* exit NAME */
	TASK_KILLED,  /* a fatal signal: exit_signal says which */
};

/* Linux's mm->context on x86: what the TLB code knows of an address space. */
struct mm_ctx {
	uint64_t ctx_id;   /* unique, never reused (init_mm has 1) */
	uint64_t tlb_gen;  /* bumped by every flush request */
	uint64_t cpumask;  /* mm_cpumask: CPUs that loaded it (bit i = CPU i) */
};

/* The executable's layout (spawn/exec exe=): text, data, bss sizes. */
struct exe_spec {
	uint64_t text_bytes, data_bytes, bss_bytes;
	char elf[128];      /* elf=SIMFILE: the ELF file's name, "" for exe= */
};

struct task_struct {
	char name[TASK_NAME_MAX];
	char comm[TASK_COMM_LEN];
	int pid;             /* Linux's pid (the thread id) */
	int tgid;            /* thread group: the leader's pid */
	int ppid;            /* 0: spawned by the scenario */
	enum task_life life;
	int exit_signal;     /* SIGSEGV / SIGBUS when killed */
	unsigned cpu;        /* the CPU it runs on (or last ran on) */
	struct mm_struct *mm;/* NULL once it has exited */
	struct task_struct *group_leader;
	struct mm_ctx ctx;   /* valid on a group leader (mm->owner) */
	struct exe_spec exe;
	char exe_path[160];  /* "/bin/NAME", or the ELF's name */
	/* fault counters (Linux's min_flt, maj_flt; cow_flt is mmsim's) */
	uint64_t min_flt, maj_flt, cow_flt;
	uint64_t nvcsw, nivcsw;
	int oom_score_adj;
	struct list_head tasks; /* on task_state.tasks */
	mm_va_t slab_va;
	bool in_host;
};

/* Per CPU: Linux's cpu_tlbstate plus the run queue's current task. */
struct cpu_tlbstate {
	struct task_struct *curr;     /* running there; NULL: idle */
	struct mm_struct *loaded_mm;  /* in CR3; NULL: init_mm (the kernel's) */
	unsigned loaded_mm_asid;
	unsigned next_asid;
	bool is_lazy;                 /* idle, user mm still loaded */
	struct {
		uint64_t ctx_id, tlb_gen;
	} ctxs[TLB_NR_DYN_ASIDS];
	uint64_t nr_switches;
};

/* What the last access did (last.result, last.paddr). */
struct access_last {
	bool valid;
	const char *result;  /* hit walk minor major cow zero swapin segv bus */
	mm_va_t va;
	mm_pa_t paddr;
};

struct task_state {
	struct list_head tasks;
	unsigned nr_tasks;
	int last_pid;
	int64_t randomize_va_space;   /* kernel.randomize_va_space (0 by default here) */
	uint64_t rng;                 /* splitmix64 state from the machine's seed */
	uint64_t last_mm_ctx_id;
	struct cpu_tlbstate cpu[MM_MAX_CPUS];
	struct task_struct *current;  /* on whose behalf the kernel runs (Linux's current);
				       * NULL: an mm's system calls are its leader's */
	struct access_last last;
	uint64_t nr_forks, nr_execs;
};

/* ---- task.c ------------------------------------------------------------------- */

/* Set up the process layer at boot (after memory_init); seed is the
 * machine's (seed=). 0 or -ENOMEM. */
int task_init(struct mm_kernel *k, uint64_t seed);
/* Kill every task and free the layer (machine teardown). */
void task_fini(struct mm_kernel *k);
/* The task called name (the newest if several), alive or dead; NULL if none. */
struct task_struct *task_find(struct mm_kernel *k, const char *name);
/* The task whose pid is pid, or NULL. */
struct task_struct *task_find_pid(struct mm_kernel *k, int pid);
/* A new task object (no mm yet) named name on cpu: NULL with -errno in
 * *err (-EEXIST: a live task has that name; -ENOMEM). */
struct task_struct *task_alloc(struct mm_kernel *k, const char *name, unsigned cpu, int *err);
/* Free a task object that has no mm (a failed spawn, or a reaped one). */
void task_free(struct mm_kernel *k, struct task_struct *t);
/* The hooks every process's mm gets (populate, TLB flush, names, files). */
extern const struct mm_operations task_mm_ops;
/* Exit (exit_group): the whole thread group's memory is released (a
 * thread alone just leaves). */
void task_exit(struct mm_kernel *k, struct task_struct *t);
/* Deliver a fatal signal (SIGSEGV, SIGBUS) to t's thread group: killed,
 * memory freed; the reason goes to the kernel log as Linux prints it. */
void task_kill(struct mm_kernel *k, struct task_struct *t, int sig, mm_va_t addr,
	       unsigned error_code, const char *why);
/* "running", "exited", "killed:segv", "killed:bus". */
const char *task_state_name(const struct task_struct *t);
/* The thread group leader's task of mm. */
struct task_struct *mm_task(const struct mm_struct *mm);
/* Record t as the task the kernel now works for (its CPU does the work). */
void task_set_current(struct mm_kernel *k, struct task_struct *t);
/* Threads in t's group that are alive. */
unsigned task_nr_threads(struct mm_kernel *k, const struct task_struct *t);
/* kernel.randomize_va_space (sysctl.c's table calls these). */
int task_sysctl_randomize_set(struct mm_kernel *k, const int64_t *v, int n, char *err,
			      size_t errlen);
int task_sysctl_randomize_get(struct mm_kernel *k, int64_t *v, int max);
/* The next value of the machine's deterministic random stream. */
uint64_t task_random(struct mm_kernel *k);

/* ---- exec.c ------------------------------------------------------------------- */

/* Parse "text:64K,data:16K,bss:8K" (missing parts keep their defaults)
 * into spec. 0, or -EINVAL with a reason in err. */
int exe_spec_parse(struct mm_kernel *k, const char *s, struct exe_spec *spec, char *err,
		   size_t errlen);
/* The default layout of this machine (64K/16K/8K; smaller on toys). */
void exe_spec_default(const struct mm_kernel *k, struct exe_spec *spec);
/* A new process running spec on cpu: the classic layout, argv/envp on the
 * stack. *out = the task. 0 or -errno with a reason in err. */
int task_spawn(struct mm_kernel *k, const char *name, const struct exe_spec *spec, unsigned cpu,
	       struct task_struct **out, char *err, size_t errlen);
/* Replace t's address space by a new one for spec (execve). 0 or -errno. */
int task_exec(struct mm_kernel *k, struct task_struct *t, const struct exe_spec *spec, char *err,
	      size_t errlen);

/* ---- fork.c ------------------------------------------------------------------- */

/* fork (or a thread sharing the mm, with thread): the child is runnable on
 * the parent's CPU but the parent keeps running. 0 or -errno. */
int task_fork(struct mm_kernel *k, struct task_struct *parent, const char *child_name, bool thread,
	      struct task_struct **out, char *err, size_t errlen);

/* ---- sched.c ------------------------------------------------------------------ */

/* Run t on cpu (a context switch there: switch_mm_irqs_off). If t was
 * running elsewhere, that CPU idles with t's mm loaded lazily. verbose (may
 * be NULL) gets one line describing the switch. 0 or -EINVAL. */
int sched_run(struct mm_kernel *k, struct task_struct *t, unsigned cpu, FILE *verbose);
/* Make sure t is the task running on t->cpu (an access needs it running). */
void sched_ensure_running(struct mm_kernel *k, struct task_struct *t, FILE *verbose);
/* The task running on cpu, or NULL. */
struct task_struct *sched_curr(struct mm_kernel *k, unsigned cpu);
/* t leaves every CPU: CPUs that had its mm loaded go back to init_mm. */
void sched_task_gone(struct mm_kernel *k, struct task_struct *t);
/* mm is being torn down: no CPU may keep it loaded. */
void sched_mm_gone(struct mm_kernel *k, struct mm_struct *mm);
/* The flush_tlb_range hook: bump the mm's tlb_gen, flush the range on the
 * CPU doing the call and shoot it down on the others running the mm. */
void flush_tlb_mm_range(struct mm_struct *mm, mm_va_t start, mm_va_t end, unsigned stride_shift);
/* flush_tlb_mm: everything of the mm (fork's write protection). */
void flush_tlb_mm(struct mm_struct *mm);
/* The context a new mm gets (ctx_id) on its leader. */
void sched_mm_init_ctx(struct mm_kernel *k, struct task_struct *leader);

/* ---- uaccess.c -------------------------------------------------------------- */

enum access_op { ACCESS_READ, ACCESS_WRITE, ACCESS_EXEC };

/* Per-command totals of an access run. */
struct access_stats {
	uint64_t pages, hits, walks, faults;
	uint64_t by_kind[NR_FAULT_KINDS];
	int signal;          /* the process died: SIGSEGV / SIGBUS */
	mm_va_t signal_addr;
};

/* Copy len bytes at va of t's memory to/from buf through t's CPU's MMU,
 * handling faults and retrying; one access per page touched. verbose (may
 * be NULL) gets one line per page access. 0, or -EFAULT when the process
 * was killed (st->signal says how), -ESRCH when it is not alive. */
int task_access(struct mm_kernel *k, struct task_struct *t, mm_va_t va, void *buf, size_t len,
		enum access_op op, FILE *verbose, struct access_stats *st);
/* One access of `bytes` (1..8) at each page of [va, va+len): touch. */
int task_touch(struct mm_kernel *k, struct task_struct *t, mm_va_t va, uint64_t len,
	       enum access_op op, FILE *verbose, struct access_stats *st);
/* The word pattern=addr writes at va: va XOR seed (8 bytes, little-endian). */
uint64_t access_pattern_word(mm_va_t va, uint64_t seed);

#endif
