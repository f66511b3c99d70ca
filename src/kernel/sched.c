/*
 * sched.c - which task runs on which CPU, context switches (CR3 writes with
 * x86's ASID/PCID management), and TLB flushes of an address space on every
 * CPU that may cache it.
 *
 * switch_mm_irqs_off (arch/x86/mm/tlb.c), per CPU:
 *
 *   ctxs[0..5]: { ctx_id, tlb_gen }   6 dynamic ASIDs; PCID = ASID + 1
 *
 *   next mm's ctx_id in a slot?  ── yes ─► reuse that ASID; flush only if the
 *            │                            slot's tlb_gen < mm's tlb_gen
 *            no                           (CR3 with NOFLUSH otherwise)
 *            ▼
 *   take next_asid++ (wrapping to 0), record {ctx_id, tlb_gen}, flush it
 *
 *   PCID off: ASID 0 always, every CR3 write flushes the non-global entries.
 *
 * Flushing (flush_tlb_mm_range): the mm's tlb_gen goes up; the CPUs in the
 * mm's cpumask that have it loaded and are not lazy flush the range - the
 * calling CPU locally, the others by IPI (tlb_shootdown counts them) - and
 * record the new tlb_gen. A CPU that loaded the mm earlier, or holds it
 * lazily (idle after running it), is skipped: its ASID slot's tlb_gen is
 * now stale, so it flushes when it next switches to the mm. That is
 * Linux's design; the lazy CPUs' extra IPI when page tables are freed, and
 * the once-a-second cpumask trim of 6.14+, are not modelled.
 *
 * A CPU whose task leaves it (another task runs there, or the task moves,
 * exits or dies) goes idle in lazy TLB mode with the mm still loaded, as
 * Linux's enter_lazy_tlb; when an mm is freed, CPUs still holding it
 * switch to init_mm (the kernel's tables, ASID of init_mm).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "kernel/task.h"
#include "mm/internal.h"

#define INIT_MM_CTX_ID 1

static struct cpu_tlbstate *cts(struct mm_kernel *k, unsigned cpu)
{
	return &k->tasks->cpu[cpu];
}

static struct mm_ctx *mm_ctx_of(struct mm_struct *mm)
{
	struct task_struct *leader = mm_task(mm);
	return leader ? &leader->ctx : NULL;
}

void sched_mm_init_ctx(struct mm_kernel *k, struct task_struct *leader)
{
	leader->ctx.ctx_id = ++k->tasks->last_mm_ctx_id;
	leader->ctx.tlb_gen = 1; /* Linux starts tlb_gen at 1 */
	leader->ctx.cpumask = 0;
}

struct task_struct *sched_curr(struct mm_kernel *k, unsigned cpu)
{
	if (!k->tasks || cpu >= k->nr_cpus)
		return NULL;
	return cts(k, cpu)->curr;
}

static bool pcid_on(struct mm_kernel *k, unsigned cpu)
{
	return k->cpus[cpu].pcid_enabled;
}

/* choose_new_asid: the ASID slot for ctx, and whether it must be flushed. */
static void choose_new_asid(struct mm_kernel *k, unsigned cpu, uint64_t ctx_id, uint64_t tlb_gen,
			    unsigned *new_asid, bool *need_flush)
{
	struct cpu_tlbstate *st = cts(k, cpu);
	if (!pcid_on(k, cpu)) {
		*new_asid = 0;
		*need_flush = true;
		return;
	}
	for (unsigned asid = 0; asid < TLB_NR_DYN_ASIDS; asid++) {
		if (st->ctxs[asid].ctx_id != ctx_id)
			continue;
		*new_asid = asid;
		*need_flush = st->ctxs[asid].tlb_gen < tlb_gen;
		return;
	}
	*new_asid = st->next_asid++;
	if (*new_asid >= TLB_NR_DYN_ASIDS) {
		*new_asid = 0;
		st->next_asid = 1;
	}
	*need_flush = true;
}

/* Load next (NULL: init_mm) on cpu as Linux's switch_mm_irqs_off does. */
static void switch_mm_irqs_off(struct mm_kernel *k, unsigned cpu, struct mm_struct *next,
			       FILE *verbose)
{
	struct cpu_tlbstate *st = cts(k, cpu);
	struct hw_cpu *c = &k->cpus[cpu];
	struct mm_struct *prev = st->loaded_mm;
	bool was_lazy = st->is_lazy;
	struct mm_ctx *ctx = next ? mm_ctx_of(next) : NULL;
	uint64_t ctx_id = ctx ? ctx->ctx_id : INIT_MM_CTX_ID;
	uint64_t next_tlb_gen = ctx ? ctx->tlb_gen : 0;
	mm_pa_t pgd = next ? next->pgd_pa : k->kernel_pgd_pa;
	unsigned new_asid;
	bool need_flush;

	st->is_lazy = false;
	if (prev == next) {
		/* Back from lazy mode on the same mm: flush only if a flush
		 * was skipped meanwhile. */
		if (ctx)
			ctx->cpumask |= 1ULL << cpu;
		if (!was_lazy || st->ctxs[st->loaded_mm_asid].tlb_gen == next_tlb_gen) {
			if (verbose)
				fprintf(verbose, "cpu%u: %s already loaded (asid %u), nothing to do\n", cpu,
					next ? mm_task(next)->name : "init_mm", st->loaded_mm_asid);
			return;
		}
		new_asid = st->loaded_mm_asid;
		need_flush = true;
	} else {
		if (ctx)
			ctx->cpumask |= 1ULL << cpu;
		choose_new_asid(k, cpu, ctx_id, next_tlb_gen, &new_asid, &need_flush);
	}
	if (need_flush) {
		st->ctxs[new_asid].ctx_id = ctx_id;
		st->ctxs[new_asid].tlb_gen = next_tlb_gen;
	}
	/* load_new_mm_cr3: PCID = ASID + 1 (PCID 0 is never used with PCID
	 * on), NOFLUSH unless the ASID's entries may be stale. A toy
	 * machine's kernel has no tables: init_mm leaves CR3 alone. */
	if (pgd || next)
		hw_cpu_write_cr3(c, pgd, pcid_on(k, cpu) ? new_asid + 1 : 0, !need_flush);
	st->loaded_mm = next;
	st->loaded_mm_asid = new_asid;
	if (verbose)
		fprintf(verbose, "cpu%u: switch_mm %s -> %s: asid %u (pcid %u), %s\n", cpu,
			prev ? mm_task(prev)->name : "init_mm", next ? mm_task(next)->name : "init_mm",
			new_asid, pcid_on(k, cpu) ? new_asid + 1 : 0,
			need_flush ? "TLB flushed" : "no flush (entries still valid)");
}

int sched_run(struct mm_kernel *k, struct task_struct *t, unsigned cpu, FILE *verbose)
{
	if (!k->tasks || cpu >= k->nr_cpus)
		return -EINVAL;
	if (t->life != TASK_ALIVE || !t->mm)
		return -ESRCH;
	/* Leaving another CPU: it idles, keeping the mm lazily. */
	for (unsigned i = 0; i < k->nr_cpus; i++) {
		struct cpu_tlbstate *o = cts(k, i);
		if (i != cpu && o->curr == t) {
			o->curr = NULL;
			o->is_lazy = o->loaded_mm != NULL;
		}
	}
	struct cpu_tlbstate *st = cts(k, cpu);
	if (st->curr && st->curr != t)
		st->curr->nivcsw++; /* preempted */
	st->curr = t;
	st->nr_switches++;
	t->cpu = cpu;
	switch_mm_irqs_off(k, cpu, t->mm, verbose);
	return 0;
}

void sched_ensure_running(struct mm_kernel *k, struct task_struct *t, FILE *verbose)
{
	if (t->cpu >= k->nr_cpus)
		t->cpu = 0;
	if (cts(k, t->cpu)->curr != t || cts(k, t->cpu)->loaded_mm != t->mm)
		sched_run(k, t, t->cpu, verbose);
}

void sched_task_gone(struct mm_kernel *k, struct task_struct *t)
{
	if (!k->tasks)
		return;
	for (unsigned i = 0; i < k->nr_cpus; i++) {
		struct cpu_tlbstate *st = cts(k, i);
		if (st->curr == t) {
			st->curr = NULL;
			st->is_lazy = st->loaded_mm != NULL;
		}
	}
	if (k->tasks->current == t)
		k->tasks->current = NULL;
}

void sched_mm_gone(struct mm_kernel *k, struct mm_struct *mm)
{
	if (!k->tasks)
		return;
	for (unsigned i = 0; i < k->nr_cpus; i++) {
		struct cpu_tlbstate *st = cts(k, i);
		if (st->loaded_mm == mm) {
			if (st->curr && st->curr->mm == mm)
				st->curr = NULL;
			switch_mm_irqs_off(k, i, NULL, NULL);
			st->is_lazy = false;
		}
	}
}

/* The CPU doing the flush: the current task's if it uses mm, else the
 * mm's leader's. */
static unsigned flush_self(struct mm_kernel *k, struct mm_struct *mm)
{
	struct task_struct *cur = k->tasks->current;
	if (cur && cur->mm == mm && cur->cpu < k->nr_cpus)
		return cur->cpu;
	struct task_struct *leader = mm_task(mm);
	return leader && leader->cpu < k->nr_cpus ? leader->cpu : 0;
}

void flush_tlb_mm_range(struct mm_struct *mm, mm_va_t start, mm_va_t end, unsigned stride_shift)
{
	struct mm_kernel *k = mm->k;
	struct mm_ctx *ctx = mm_ctx_of(mm);
	if (!k->tasks || !ctx || !k->cpus)
		return;
	uint64_t new_gen = ++ctx->tlb_gen;
	unsigned self = flush_self(k, mm);
	uint64_t mask = 0;
	for (unsigned i = 0; i < k->nr_cpus; i++) {
		struct cpu_tlbstate *st = cts(k, i);
		if (!(ctx->cpumask >> i & 1) || st->loaded_mm != mm)
			continue; /* stale: flushed when it next loads mm */
		if (i != self && st->is_lazy)
			continue; /* lazy: the same */
		mask |= 1ULL << i;
		st->ctxs[st->loaded_mm_asid].tlb_gen = new_gen;
	}
	if (!mask)
		return;
	/* Round to the stride the hardware flushes by. */
	uint64_t stride = 1ULL << stride_shift;
	if (end != TLB_FLUSH_ALL) {
		start &= ~(stride - 1);
		end = (end + stride - 1) & ~(stride - 1);
	} else {
		start = 0;
	}
	tlb_shootdown(k->cpus, k->nr_cpus, self, mask, start, end, stride_shift, false);
}

void flush_tlb_mm(struct mm_struct *mm)
{
	flush_tlb_mm_range(mm, 0, TLB_FLUSH_ALL, mm->k->page_shift);
}
