/*
 * pagetable.c - `show pagetable kernel ADDR`: one software walk of the
 * kernel's page tables (init_mm), level by level.
 *
 *   pagetable kernel 0xffff888001234567 (x86_64, PGD at pa 0x7fff000)
 *     PGD[273]  entry at pa 0x7fff888  = 0x0000000007ffe067  P RW US A D
 *     PUD[0]    entry at pa 0x7ffe000  = 0x0000000007ffd067  P RW US A D
 *     PMD[9]    entry at pa 0x7ffd048  = 0x80000000012001e3  P RW A D PS G NX  (2M leaf)
 *     pa 0x1234567  (2M page at pa 0x1200000 + offset 0x34567)
 *
 * The walk does not set Accessed/Dirty bits: looking must not change what
 * is looked at. Fields, for `expect` and --json: va, and per level
 * "PGD.index", "PGD.entry", "PGD.entry_pa", "PGD.flags"; then "mapped"
 * (0/1), and when mapped "pa", "page_size" (bytes), "leaf" (level name),
 * otherwise "fault_level" (the level whose entry is not present) or
 * "fault" = "non-canonical".
 *
 * `show pagetable NAME ADDR` walks a process's own tables the same way
 * (pagetable_process): the walk printer takes any top-level table.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kernel/task.h"
#include "mm/internal.h"
#include "proc/view.h"
#include "sim/machine.h"

static const char *size_name(uint64_t bytes, char *buf, size_t len)
{
	if (bytes >= MM_GB && !(bytes % MM_GB))
		snprintf(buf, len, "%lluG", (unsigned long long)(bytes / MM_GB));
	else if (bytes >= MM_MB && !(bytes % MM_MB))
		snprintf(buf, len, "%lluM", (unsigned long long)(bytes / MM_MB));
	else if (bytes >= MM_KB && !(bytes % MM_KB))
		snprintf(buf, len, "%lluK", (unsigned long long)(bytes / MM_KB));
	else
		snprintf(buf, len, "%llu bytes", (unsigned long long)bytes);
	return buf;
}

/* Print the walk of va through the tables at pgd_pa, with its fields. */
static void show_walk(struct mm_kernel *k, mm_pa_t pgd_pa, mm_va_t va, struct view_out *out)
{
	const struct arch_profile *a = k->arch;
	struct pgtable_walk w;
	char fbuf[64], sbuf[32];
	int hexw = (int)a->pte_bytes * 2;

	pgtable_walk(k, pgd_pa, va, &w);
	if (w.nr_steps == 0) {
		view_printf(out, "  not mapped: 0x%llx is not a canonical %u-bit address\n",
			    (unsigned long long)va, a->va_bits);
		view_field_num(out, 0, "mapped");
		view_field_str(out, "non-canonical", "fault");
		return;
	}
	for (unsigned i = 0; i < w.nr_steps; i++) {
		const struct pgtable_walk_step *s = &w.step[i];
		const char *name = a->level[s->level].name;
		char label[24];
		snprintf(label, sizeof(label), "%s[%u]", name, s->index);
		view_printf(out, "  %-10s entry at pa 0x%-10llx = 0x%0*llx  %s", label,
			    (unsigned long long)s->entry_pa, hexw, (unsigned long long)s->entry,
			    arch_pte_flags_str(s->flags, fbuf, sizeof(fbuf)));
		if (s->leaf && s->level != a->nr_levels - 1)
			view_printf(out, "  (%s leaf)",
				    size_name(arch_level_span(a, s->level), sbuf, sizeof(sbuf)));
		view_printf(out, "\n");
		view_field_num(out, s->index, "%s.index", name);
		view_field_u64(out, s->entry, "%s.entry", name);
		view_field_u64(out, s->entry_pa, "%s.entry_pa", name);
		view_field_str(out, fbuf, "%s.flags", name);
	}
	if (w.mapped) {
		const char *leaf = a->level[w.step[w.nr_steps - 1].level].name;
		mm_pa_t base = w.pa & ~(w.page_bytes - 1);
		view_printf(out, "  pa 0x%llx  (%s page at pa 0x%llx + offset 0x%llx)\n",
			    (unsigned long long)w.pa, size_name(w.page_bytes, sbuf, sizeof(sbuf)),
			    (unsigned long long)base, (unsigned long long)(w.pa - base));
		view_field_num(out, 1, "mapped");
		view_field_u64(out, w.pa, "pa");
		view_field_num(out, (int64_t)w.page_bytes, "page_size");
		view_field_str(out, leaf, "leaf");
	} else {
		const char *at = a->level[w.step[w.nr_steps - 1].level].name;
		view_printf(out, "  not mapped: %s entry not present\n", at);
		view_field_num(out, 0, "mapped");
		view_field_str(out, at, "fault_level");
	}
}

/* `show pagetable NAME ADDR`: the walk of a process's own tables. */
static int pagetable_process(struct mm_machine *m, int argc, const char *const *argv,
			     struct view_out *out, char *err, size_t err_len)
{
	struct mm_kernel *k = &m->k;
	struct task_struct *t = task_find(k, argv[0]);
	if (!t) {
		snprintf(err, err_len, "pagetable: no process named '%s' (or 'kernel')", argv[0]);
		return -1;
	}
	if (!t->mm) {
		snprintf(err, err_len, "pagetable %s: the process has no memory (%s)", argv[0],
			 task_state_name(t));
		return -1;
	}
	if (argc != 2) {
		snprintf(err, err_len, "usage: show pagetable %s ADDR", argv[0]);
		return -1;
	}
	char *end = NULL;
	errno = 0;
	unsigned long long va = strtoull(argv[1], &end, 0);
	if (!argv[1][0] || argv[1][0] == '-' || errno || !end || *end) {
		snprintf(err, err_len, "pagetable %s: bad address '%s'", argv[0], argv[1]);
		return -1;
	}
	view_printf(out, "pagetable %s 0x%llx (%s, pid %d, %s at pa 0x%llx)\n", t->name, va, k->arch->name,
		    t->pid, k->arch->level[0].name, (unsigned long long)t->mm->pgd_pa);
	view_field_num(out, (int64_t)va, "va");
	show_walk(k, t->mm->pgd_pa, (mm_va_t)va, out);
	return 0;
}

int view_pagetable(struct mm_machine *m, int argc, const char *const *argv,
		   struct view_out *out, char *err, size_t err_len)
{
	struct mm_kernel *k = &m->k;
	if (argc < 1) {
		snprintf(err, err_len, "usage: show pagetable NAME|kernel ADDR");
		return -1;
	}
	if (strcmp(argv[0], "kernel") != 0)
		return pagetable_process(m, argc, argv, out, err, err_len);
	if (argc < 2) {
		snprintf(err, err_len, "pagetable kernel: missing ADDR (usage: show pagetable kernel ADDR)");
		return -1;
	}
	if (argc > 2) {
		snprintf(err, err_len, "pagetable kernel: unexpected argument '%s' after ADDR", argv[2]);
		return -1;
	}
	const char *s = argv[1];
	char *end = NULL;
	errno = 0;
	unsigned long long va = strtoull(s, &end, 0);
	if (!*s || *s == '-' || *s == '+' || isspace((unsigned char)*s) || errno || !end || *end) {
		snprintf(err, err_len,
			 "pagetable kernel: bad address '%s' (expected a number such as 0x%llx)", s,
			 (unsigned long long)k->arch->page_offset);
		return -1;
	}
	if (k->arch->is_toy || !k->kernel_pgd_pa) {
		snprintf(err, err_len,
			 "pagetable kernel: the %s machine has no kernel page tables "
			 "(its kernel keeps its structures outside simulated RAM)", k->arch->name);
		return -1;
	}
	view_printf(out, "pagetable kernel 0x%llx (%s, %s at pa 0x%llx)\n", va, k->arch->name,
		    k->arch->level[0].name, (unsigned long long)k->kernel_pgd_pa);
	view_field_u64(out, va, "va");
	show_walk(k, k->kernel_pgd_pa, (mm_va_t)va, out);
	return 0;
}
