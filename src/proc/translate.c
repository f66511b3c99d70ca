/*
 * translate.c - `show translate NAME ADDR [r|w|x]`: how the MMU of the
 * process's CPU would translate one address, step by step, without
 * changing anything (no A/D bits, no TLB state, no counters):
 *
 *   translate A 0x7ffff7ff0123 (read, user) on cpu0, PCID 2
 *     VA 0x00007ffff7ff0123 = PGD 255 | PUD 511 | PMD 447 | PTE 496 | offset 0x123
 *     TLB: L1d hit (PCID 2): page 0x12340000 RW US D NX - allows this access
 *     walk from CR3 0x7ffe000:
 *       PGD[255]   entry at pa 0x7ffe7f8   = 0x0000000007ffd067  P RW US A D
 *       ...
 *       PTE[496]   entry at pa 0x7ffb780   = 0x8000000012340867  P RW US A D NX
 *     -> pa 0x12340123 (4K page 0x12340000 + offset 0x123)
 *
 * If the process is not the one loaded on its CPU, the lookup is shown as
 * it would be after switching to it: its tables, and the TLB entries of the
 * PCID its ASID slot holds there (none if it has no slot any more).
 * Fields: va, offset, PGD.index ... (per level: index, entry, entry_pa,
 * flags), tlb ("L1d hit", "L2 hit", "miss"), pcid, mapped, pa,
 * page_size, fault.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kernel/task.h"
#include "mm/internal.h"
#include "proc/view.h"
#include "sim/machine.h"

static const char *page_size_name(unsigned shift, char *buf, size_t len)
{
	uint64_t b = 1ULL << shift;
	if (b >= MM_GB)
		snprintf(buf, len, "%lluG", (unsigned long long)(b >> 30));
	else if (b >= MM_MB)
		snprintf(buf, len, "%lluM", (unsigned long long)(b >> 20));
	else if (b >= MM_KB)
		snprintf(buf, len, "%lluK", (unsigned long long)(b >> 10));
	else
		snprintf(buf, len, "%llu-byte", (unsigned long long)b);
	return buf;
}

static const char *tlb_flags_str(unsigned f, char *buf, size_t len)
{
	snprintf(buf, len, "%s%s%s%s%s", (f & TLB_E_WRITE) ? "RW" : "RO", (f & TLB_E_USER) ? " US" : "",
		 (f & TLB_E_DIRTY) ? " D" : "", (f & TLB_E_GLOBAL) ? " G" : "", (f & TLB_E_NX) ? " NX" : "");
	return buf;
}

int view_translate(struct mm_machine *m, int argc, const char *const *argv, struct view_out *out,
		   char *err, size_t err_len)
{
	struct mm_kernel *k = &m->k;
	const struct arch_profile *a = k->arch;
	if (argc < 2 || argc > 3) {
		snprintf(err, err_len, "usage: show translate NAME ADDR [r|w|x]");
		return -1;
	}
	struct task_struct *t = task_find(k, argv[0]);
	if (!t || !t->mm) {
		snprintf(err, err_len, t ? "'%s' has no memory (%s)" : "no process named '%s'", argv[0],
			 t ? task_state_name(t) : "");
		return -1;
	}
	char *end;
	unsigned long long va = strtoull(argv[1], &end, 0);
	if (!argv[1][0] || *end || argv[1][0] == '-') {
		snprintf(err, err_len, "translate: bad address '%s'", argv[1]);
		return -1;
	}
	enum hw_access_kind kind = HW_READ;
	if (argc == 3) {
		if (!strcmp(argv[2], "w"))
			kind = HW_WRITE;
		else if (!strcmp(argv[2], "x"))
			kind = HW_EXEC;
		else if (strcmp(argv[2], "r") != 0) {
			snprintf(err, err_len, "translate: access must be r, w or x, not '%s'", argv[2]);
			return -1;
		}
	}
	unsigned cpu = t->cpu < k->nr_cpus ? t->cpu : 0;
	struct hw_cpu *c = machine_cpu(m, cpu);
	if (!c) {
		snprintf(err, err_len, "translate: no cpu%u", cpu);
		return -1;
	}
	/* A look from the process's point of view: its tables, its PCID. A
	 * copy of the CPU is only read (its TLB arrays are shared, not
	 * changed): mmu_translate_debug has no side effects. */
	struct hw_cpu view = *c;
	struct cpu_tlbstate *st = &k->tasks->cpu[cpu];
	bool loaded = st->loaded_mm == t->mm;
	if (!loaded) {
		view.cr3 = t->mm->pgd_pa;
		view.pcid = HW_PCID_MAX; /* matches no entry of another mm */
		struct task_struct *leader = mm_task(t->mm);
		for (unsigned i = 0; view.pcid_enabled && leader && i < TLB_NR_DYN_ASIDS; i++)
			if (st->ctxs[i].ctx_id == leader->ctx.ctx_id && st->ctxs[i].tlb_gen == leader->ctx.tlb_gen)
				view.pcid = (uint16_t)(i + 1);
	}
	struct hw_translation tr;
	int fk = mmu_translate_debug(&view, (mm_va_t)va, kind, true, &tr);
	static const char *const kinds[] = { "read", "write", "fetch" };
	int hexw = (!a->is_toy && a->va_bits > 32) ? 16 : 8;
	view_printf(out, "translate %s 0x%llx (%s, user) on cpu%u, PCID %u%s\n", t->name, va, kinds[kind],
		    cpu, view.pcid_enabled ? view.pcid : 0,
		    loaded ? "" : " (not loaded there now: shown as after a switch to it)");
	view_field_num(out, (int64_t)va, "va");
	view_printf(out, "  VA 0x%0*llx =", hexw, va);
	for (unsigned l = 0; l < tr.nr_levels; l++) {
		view_printf(out, " %s %u |", a->level[l].name, tr.index[l]);
		view_field_num(out, tr.index[l], "%s.index", a->level[l].name);
	}
	view_printf(out, " offset 0x%llx\n", (unsigned long long)tr.offset);
	view_field_num(out, (int64_t)tr.offset, "offset");
	char fbuf[64];
	if (tr.tlb_array >= 0) {
		const struct tlb_entry *e = &tr.tlb_entry;
		view_printf(out, "  TLB: %s (PCID %u): page pa 0x%llx %s - %s\n",
			    hw_tlb_outcome_name(tr.tlb), e->s.asid, (unsigned long long)e->s.pa,
			    tlb_flags_str(e->s.flags, fbuf, sizeof(fbuf)),
			    tr.tlb_allows ? "allows this access" : "does not allow it (a walk or fault follows)");
		view_field_str(out, hw_tlb_outcome_name(tr.tlb), "tlb");
	} else {
		view_printf(out, "  TLB: miss: the MMU walks the tables\n");
		view_field_str(out, "miss", "tlb");
	}
	view_field_num(out, view.pcid_enabled ? view.pcid : 0, "pcid");
	if (tr.nr_steps)
		view_printf(out, "  walk from CR3 0x%llx:\n", (unsigned long long)view.cr3);
	for (unsigned i = 0; i < tr.nr_steps; i++) {
		const struct hw_walk_step *s = &tr.step[i];
		char label[24];
		snprintf(label, sizeof(label), "%s[%u]", s->name, s->index);
		view_printf(out, "    %-10s entry at pa 0x%-10llx = 0x%0*llx  %s%s\n", label,
			    (unsigned long long)s->entry_pa, (int)a->pte_bytes * 2, (unsigned long long)s->entry,
			    arch_pte_flags_str(s->flags, fbuf, sizeof(fbuf)),
			    s->leaf && s->level != a->nr_levels - 1 ? "  (huge leaf)" : "");
		view_field_num(out, (int64_t)s->entry, "%s.entry", s->name);
		view_field_num(out, (int64_t)s->entry_pa, "%s.entry_pa", s->name);
		view_field_str(out, fbuf, "%s.flags", s->name);
	}
	if (fk == 0) {
		char sz[24];
		mm_pa_t base = tr.pa & ~((1ULL << tr.page_shift) - 1);
		view_printf(out, "  -> pa 0x%llx (%s page 0x%llx + offset 0x%llx)\n", (unsigned long long)tr.pa,
			    page_size_name(tr.page_shift, sz, sizeof(sz)), (unsigned long long)base,
			    (unsigned long long)(tr.pa - base));
		view_field_num(out, 1, "mapped");
		view_field_num(out, (int64_t)tr.pa, "pa");
		view_field_num(out, (int64_t)(1ULL << tr.page_shift), "page_size");
	} else {
		char fs[160];
		view_printf(out, "  -> page fault: %s\n", hw_fault_str(&tr.fault, fs, sizeof(fs)));
		view_field_num(out, 0, "mapped");
		view_field_str(out, hw_fault_kind_name(fk), "fault");
	}
	return 0;
}
