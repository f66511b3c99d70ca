/*
 * ps.c - `show ps`: every process, as `ps -eo pid,ppid,psr,stat,vsz,rss,
 * min_flt,maj_flt,comm` would list them, plus mmsim's COW count and state:
 *
 *     PID  PPID CPU STAT      VSZ     RSS  MINFLT  MAJFLT     COW STATE        NAME
 *       1     0   0 R        1164      24       1       0       0 running      A
 *       2     1   0 S        1164      12       0       0       1 running      B
 *       3     0   - Z           0       0       5       0       0 killed:segv  C
 *
 * VSZ and RSS are in kB as ps prints them; fields (NAME.vsz, NAME.rss) are
 * bytes. Threads are listed under their own names with their group's
 * memory. STAT: R on a CPU, S runnable elsewhere, Z dead.
 */
#include <inttypes.h>
#include <stdio.h>

#include "kernel/task.h"
#include "mm/internal.h"
#include "proc/view.h"
#include "sim/machine.h"

int view_ps(struct mm_machine *m, int argc, const char *const *argv, struct view_out *out,
	    char *err, size_t err_len)
{
	struct mm_kernel *k = &m->k;
	(void)argv;
	if (argc != 0) {
		snprintf(err, err_len, "usage: show ps");
		return -1;
	}
	view_printf(out, "%5s %5s %3s %-4s %8s %7s %7s %7s %7s %-12s %s\n", "PID", "PPID", "CPU", "STAT",
		    "VSZ", "RSS", "MINFLT", "MAJFLT", "COW", "STATE", "NAME");
	unsigned n = 0;
	if (k->tasks) {
		struct list_head *p;
		list_for_each(p, &k->tasks->tasks) {
			struct task_struct *t = list_entry(p, struct task_struct, tasks);
			uint64_t vsz = 0, rss = 0;
			char stat = 'Z', cpu[8] = "-";
			if (t->life == TASK_ALIVE && t->mm) {
				vsz = t->mm->total_vm << k->page_shift;
				rss = get_mm_rss(t->mm) << k->page_shift;
				stat = sched_curr(k, t->cpu) == t ? 'R' : 'S';
				snprintf(cpu, sizeof(cpu), "%u", t->cpu);
			}
			view_printf(out, "%5d %5d %3s %-4c %8" PRIu64 " %7" PRIu64 " %7" PRIu64 " %7" PRIu64
					 " %7" PRIu64 " %-12s %s\n",
				    t->pid, t->ppid, cpu, stat, vsz >> 10,
				    rss >> 10, t->min_flt, t->maj_flt, t->cow_flt, task_state_name(t), t->name);
			view_field_num(out, t->pid, "%s.pid", t->name);
			view_field_num(out, t->ppid, "%s.ppid", t->name);
			view_field_num(out, t->life == TASK_ALIVE ? (int64_t)t->cpu : -1, "%s.cpu", t->name);
			view_field_num(out, (int64_t)vsz, "%s.vsz", t->name);
			view_field_num(out, (int64_t)rss, "%s.rss", t->name);
			view_field_num(out, (int64_t)t->min_flt, "%s.min_flt", t->name);
			view_field_num(out, (int64_t)t->maj_flt, "%s.maj_flt", t->name);
			view_field_num(out, (int64_t)t->cow_flt, "%s.cow", t->name);
			view_field_str(out, task_state_name(t), "%s.state", t->name);
			n++;
		}
	}
	view_field_num(out, n, "count");
	return 0;
}
