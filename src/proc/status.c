/*
 * status.c - /proc/PID/status in Linux 6.x's layout (fs/proc/array.c's
 * proc_pid_status with task_mem from fs/proc/task_mmu.c):
 *
 *   Name:   A                 the comm (15 characters at most)
 *   State:  R (running)       R on a CPU, S otherwise, Z once dead
 *   ...
 *   VmPeak:     1234 kB       max(total_vm, hiwater_vm)
 *   VmSize:     1234 kB       total_vm
 *   VmLck / VmPin             locked_vm / pinned_vm
 *   VmHWM:       456 kB       max(RSS, hiwater_rss)
 *   VmRSS:       456 kB       anon + file + shmem
 *   RssAnon / RssFile / RssShmem
 *   VmData / VmStk            data_vm / stack_vm
 *   VmExe:        64 kB       text: PAGE_ALIGN(end_code) - start_code, at most exec_vm
 *   VmLib                     exec_vm - VmExe
 *   VmPTE:        28 kB       page tables below the PGD
 *   VmSwap                    swap entries
 *   ...
 *
 * Numbers are kB, right-aligned in 8 columns as seq_put_decimal_ull_width
 * prints them; fields (for `expect A.VmRSS`) are bytes. A dead process
 * (a zombie until its name is reused) has, as in Linux, no Umask line,
 * FDSize 0, and none of the lines that need its mm (Vm*, Rss*,
 * HugetlbPages, CoreDumping, THP_enabled, untag_mask).
 * Identity lines mmsim does not model print what an unprivileged process
 * of uid 1000 on a 6.x x86_64 system shows.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "kernel/task.h"
#include "mm/hugetlb.h"
#include "mm/internal.h"
#include "mm/memory.h"
#include "proc/view.h"
#include "sim/machine.h"

static uint64_t pages_bytes(const struct mm_kernel *k, uint64_t pages)
{
	return pages << k->page_shift;
}

/* "VmRSS:\t     456 kB\n" plus the field in bytes. */
static void kb_line(struct view_out *out, const char *name, uint64_t bytes)
{
	view_printf(out, "%s:\t%8" PRIu64 " kB\n", name, bytes >> 10);
	view_field_num(out, (int64_t)bytes, "%s", name);
}

static const char *state_line(struct mm_kernel *k, const struct task_struct *t)
{
	if (t->life != TASK_ALIVE)
		return "Z (zombie)";
	for (unsigned i = 0; i < k->nr_cpus; i++)
		if (sched_curr(k, i) == t)
			return "R (running)";
	return "S (sleeping)";
}

/* Linux's mm->hugetlb_usage: hugetlb_count_add() as each huge page is
 * mapped, so it is the hugetlb memory the page tables map right now. */
struct hugetlb_count {
	const struct mm_kernel *k;
	uint64_t bytes;
};

static void hugetlb_pte(void *arg, mm_va_t va, mm_pa_t e_pa, mm_pte_t pte, uint64_t bytes)
{
	struct hugetlb_count *c = arg;
	(void)va;
	(void)e_pa;
	if (user_pte_present(c->k, pte))
		c->bytes += bytes;
}

static uint64_t hugetlb_usage(struct mm_struct *mm)
{
	struct hugetlb_count c = { .k = mm->k };
	struct vm_area_struct *vma;
	for_each_vma(mm, vma)
		if (is_vm_hugetlb_page(vma))
			walk_page_range(mm, vma->vm_start, vma->vm_end, hugetlb_pte, &c);
	return c.bytes;
}

/* task_mem: the memory lines. */
static void task_mem(struct mm_kernel *k, struct mm_struct *mm, struct view_out *out)
{
	uint64_t anon = get_mm_counter(mm, MM_ANONPAGES);
	uint64_t file = get_mm_counter(mm, MM_FILEPAGES);
	uint64_t shmem = get_mm_counter(mm, MM_SHMEMPAGES);
	uint64_t total_vm = mm->total_vm, hiwater_vm = MM_MAX(total_vm, mm->hiwater_vm);
	uint64_t total_rss = anon + file + shmem, hiwater_rss = MM_MAX(total_rss, mm->hiwater_rss);
	uint64_t page = k->page_size;
	uint64_t text = MM_ALIGN_UP(mm->end_code, page) - (mm->start_code & ~(page - 1));
	uint64_t exec = pages_bytes(k, mm->exec_vm);
	if (mm->end_code < mm->start_code)
		text = 0;
	text = MM_MIN(text, exec);
	uint64_t lib = exec - text;

	kb_line(out, "VmPeak", pages_bytes(k, hiwater_vm));
	kb_line(out, "VmSize", pages_bytes(k, total_vm));
	kb_line(out, "VmLck", pages_bytes(k, mm->locked_vm));
	kb_line(out, "VmPin", pages_bytes(k, mm->pinned_vm));
	kb_line(out, "VmHWM", pages_bytes(k, hiwater_rss));
	kb_line(out, "VmRSS", pages_bytes(k, total_rss));
	kb_line(out, "RssAnon", pages_bytes(k, anon));
	kb_line(out, "RssFile", pages_bytes(k, file));
	kb_line(out, "RssShmem", pages_bytes(k, shmem));
	kb_line(out, "VmData", pages_bytes(k, mm->data_vm));
	kb_line(out, "VmStk", pages_bytes(k, mm->stack_vm));
	kb_line(out, "VmExe", text);
	kb_line(out, "VmLib", lib);
	kb_line(out, "VmPTE", mm->pgtables_bytes);
	kb_line(out, "VmSwap", pages_bytes(k, get_mm_counter(mm, MM_SWAPENTS)));
	kb_line(out, "HugetlbPages", hugetlb_usage(mm));
}

/* "Cpus_allowed:\t..." as %*pb prints a mask of nr_cpu_ids bits, all set:
 * hex in 32-bit chunks separated by commas, the first chunk only as wide
 * as its bits need (2 CPUs: "3"; 36: "f,ffffffff"). */
static void cpus_allowed_line(struct view_out *out, unsigned nr_cpus)
{
	view_printf(out, "Cpus_allowed:\t");
	unsigned first = nr_cpus % 32 ? nr_cpus % 32 : 32;
	for (unsigned bits = first, left = nr_cpus; left > 0; left -= bits, bits = 32) {
		uint64_t chunk = bits == 32 ? 0xffffffffULL : (1ULL << bits) - 1;
		view_printf(out, "%s%0*" PRIx64, left == nr_cpus ? "" : ",", (int)(bits + 3) / 4,
			    chunk);
	}
	view_printf(out, "\n");
}

void status_render_task(struct mm_kernel *k, struct task_struct *t, struct view_out *out)
{
	const bool x86_64 = !k->arch->is_toy && k->arch->va_bits > 32;
	const char *state = state_line(k, t);
	/* An exited task has let go of its fs_struct and files: Linux leaves
	 * out Umask (get_task_umask fails) and prints FDSize 0. */
	const bool alive = t->life == TASK_ALIVE;
	view_printf(out, "Name:\t%s\n", t->comm);
	if (alive)
		view_printf(out, "Umask:\t0022\n");
	view_printf(out, "State:\t%s\n", state);
	view_printf(out, "Tgid:\t%d\nNgid:\t0\nPid:\t%d\nPPid:\t%d\nTracerPid:\t0\n", t->tgid, t->pid,
		    t->ppid);
	view_printf(out, "Uid:\t1000\t1000\t1000\t1000\nGid:\t1000\t1000\t1000\t1000\n");
	view_printf(out, "FDSize:\t%d\nGroups:\t1000 \n", alive ? 64 : 0);
	view_printf(out, "NStgid:\t%d\nNSpid:\t%d\nNSpgid:\t%d\nNSsid:\t%d\nKthread:\t0\n", t->tgid,
		    t->pid, t->tgid, t->tgid);
	view_field_str(out, t->comm, "Name");
	view_field_str(out, state, "State");
	view_field_num(out, t->tgid, "Tgid");
	view_field_num(out, t->pid, "Pid");
	view_field_num(out, t->ppid, "PPid");
	/* proc_pid_status prints these four groups only while the task has an
	 * mm (get_task_mm): a zombie's status goes from Kthread to Threads. */
	if (t->mm) {
		task_mem(k, t->mm, out);
		view_printf(out, "CoreDumping:\t0\nTHP_enabled:\t1\n");
		if (x86_64)
			view_printf(out, "untag_mask:\t0xffffffffffffffff\n");
	}
	unsigned threads = t->life == TASK_ALIVE ? task_nr_threads(k, t) : 1;
	view_printf(out, "Threads:\t%u\n", threads);
	view_field_num(out, threads, "Threads");
	/* RLIMIT_SIGPENDING: max_threads / 2 = totalram / (8 * 16K / PAGE) / 2. */
	uint64_t sigq = (k->totalram_pages << k->page_shift) / (8 * 16384) / 2;
	view_printf(out, "SigQ:\t0/%" PRIu64 "\n", sigq);
	view_printf(out, "SigPnd:\t0000000000000000\nShdPnd:\t0000000000000000\n"
			 "SigBlk:\t0000000000000000\nSigIgn:\t0000000000000000\n"
			 "SigCgt:\t0000000000000000\n");
	view_printf(out, "CapInh:\t0000000000000000\nCapPrm:\t0000000000000000\n"
			 "CapEff:\t0000000000000000\nCapBnd:\t000001ffffffffff\n"
			 "CapAmb:\t0000000000000000\n");
	view_printf(out, "NoNewPrivs:\t0\nSeccomp:\t0\nSeccomp_filters:\t0\n");
	view_printf(out, "Speculation_Store_Bypass:\tthread vulnerable\n"
			 "SpeculationIndirectBranch:\tconditional enabled\n");
	cpus_allowed_line(out, k->nr_cpus);
	if (k->nr_cpus == 1)
		view_printf(out, "Cpus_allowed_list:\t0\n");
	else
		view_printf(out, "Cpus_allowed_list:\t0-%u\n", k->nr_cpus - 1);
	view_printf(out, "Mems_allowed:\t");
	for (int i = 0; i < 31; i++)
		view_printf(out, "00000000,");
	view_printf(out, "00000001\nMems_allowed_list:\t0\n");
	view_printf(out, "voluntary_ctxt_switches:\t%" PRIu64 "\nnonvoluntary_ctxt_switches:\t%" PRIu64
			 "\n",
		    t->nvcsw, t->nivcsw);
}

int view_status(struct mm_machine *m, int argc, const char *const *argv, struct view_out *out,
		char *err, size_t err_len)
{
	if (argc != 1) {
		snprintf(err, err_len, "usage: show status NAME");
		return -1;
	}
	struct task_struct *t = task_find(&m->k, argv[0]);
	if (!t) {
		snprintf(err, err_len, "no process named '%s'", argv[0]);
		return -1;
	}
	status_render_task(&m->k, t, out);
	return 0;
}
