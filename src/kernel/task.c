/*
 * task.c - process objects: struct task_struct from its slab cache, pids,
 * names, the hooks a process's address space calls (mm->ops), exit and
 * death by a signal.
 *
 *   spawn/fork ──► task_alloc ──► (exec.c / fork.c give it an mm) ──► alive
 *                                                                      │
 *       exit NAME ─────────────────────────────► task_exit ──┐         │
 *       SIGSEGV/SIGBUS from a fault (uaccess.c) ─► task_kill ─┤         │
 *                                                            ▼         │
 *                  CPUs drop it (sched_task_gone), the mm is torn down │
 *                  (exit_mmap: pages, tables, VMAs; the PGD; mm_struct)│
 *                  state: exited / killed:segv / killed:bus            │
 *                  the task object stays, so `expect A.state` works,   │
 *                  until a new process takes its name ◄─────────────────┘
 *
 * Threads (fork ... thread) share the leader's mm (mm_users); a fatal
 * signal or `exit` of the leader ends the whole group (exit_group), `exit`
 * of a thread only that thread.
 *
 * The hooks (task_mm_ops) connect the address-space layer to the rest:
 * populate faults pages in and counts them as the calling task's faults;
 * flush_tlb_range goes to sched.c's flush_tlb_mm_range; owner_name names
 * the mm after its leader for `show maps NAME` and the mmap commands.
 */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fs/simfs.h"
#include "kernel/task.h"
#include "mm/internal.h"
#include "mm/slab.h"

#define PID_MAX 32768 /* /proc/sys/kernel/pid_max's default */

static struct task_state *ts(const struct mm_kernel *k)
{
	return k->tasks;
}

/* ---- randomness ------------------------------------------------------------- */

uint64_t task_random(struct mm_kernel *k)
{
	/* splitmix64: deterministic per machine seed, good enough for layouts. */
	uint64_t z = (ts(k)->rng += 0x9e3779b97f4a7c15ULL);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

int task_sysctl_randomize_set(struct mm_kernel *k, const int64_t *v, int n, char *err,
			      size_t errlen)
{
	(void)n;
	if (!ts(k)) {
		snprintf(err, errlen, "no process layer on this machine");
		return -EINVAL;
	}
	/* proc_dointvec: any int; 0 off, 1 stack/mmap/vdso, 2 also brk. */
	if (v[0] < INT_MIN || v[0] > INT_MAX) {
		snprintf(err, errlen, "%lld is out of range (an int)", (long long)v[0]);
		return -EINVAL;
	}
	ts(k)->randomize_va_space = v[0];
	return 0;
}

int task_sysctl_randomize_get(struct mm_kernel *k, int64_t *v, int max)
{
	(void)max;
	v[0] = ts(k) ? ts(k)->randomize_va_space : 0;
	return 1;
}

/* ---- the layer ------------------------------------------------------------------ */

int task_init(struct mm_kernel *k, uint64_t seed)
{
	struct task_state *s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	INIT_LIST_HEAD(&s->tasks);
	s->rng = seed ^ 0x6d6d73696d000000ULL; /* "mmsim" */
	/* init_mm has ctx_id 1 and sits in ASID 0 of every CPU at boot. */
	s->last_mm_ctx_id = 1;
	for (unsigned i = 0; i < MM_MAX_CPUS; i++) {
		s->cpu[i].next_asid = 1;
		s->cpu[i].ctxs[0].ctx_id = 1;
	}
	k->tasks = s;
	return 0;
}

void task_fini(struct mm_kernel *k)
{
	struct task_state *s = ts(k);
	if (!s)
		return;
	struct list_head *p, *n;
	list_for_each(p, &s->tasks) {
		struct task_struct *t = list_entry(p, struct task_struct, tasks);
		if (t->life == TASK_ALIVE && t->group_leader == t)
			task_exit(k, t);
	}
	list_for_each_safe(p, n, &s->tasks) {
		struct task_struct *t = list_entry(p, struct task_struct, tasks);
		task_free(k, t);
	}
	free(s);
	k->tasks = NULL;
}

struct task_struct *task_find(struct mm_kernel *k, const char *name)
{
	if (!ts(k) || !name)
		return NULL;
	struct task_struct *found = NULL;
	struct list_head *p;
	list_for_each(p, &ts(k)->tasks) {
		struct task_struct *t = list_entry(p, struct task_struct, tasks);
		if (strcmp(t->name, name) == 0 && (!found || t->life == TASK_ALIVE))
			found = t;
	}
	return found;
}

struct task_struct *task_find_pid(struct mm_kernel *k, int pid)
{
	if (!ts(k))
		return NULL;
	struct list_head *p;
	list_for_each(p, &ts(k)->tasks) {
		struct task_struct *t = list_entry(p, struct task_struct, tasks);
		if (t->pid == pid)
			return t;
	}
	return NULL;
}

static int alloc_pid(struct mm_kernel *k)
{
	struct task_state *s = ts(k);
	for (int tries = 0; tries < PID_MAX; tries++) {
		int pid = s->last_pid + 1;
		if (pid >= PID_MAX)
			pid = 1;
		s->last_pid = pid;
		if (!task_find_pid(k, pid))
			return pid;
	}
	return -EAGAIN;
}

struct task_struct *task_alloc(struct mm_kernel *k, const char *name, unsigned cpu, int *err)
{
	struct task_state *s = ts(k);
	*err = 0;
	if (!s) {
		*err = -EINVAL;
		return NULL;
	}
	if (!name || !name[0] || strlen(name) >= TASK_NAME_MAX) {
		*err = -EINVAL;
		return NULL;
	}
	struct task_struct *old = task_find(k, name);
	if (old && old->life == TASK_ALIVE) {
		*err = -EEXIST;
		return NULL;
	}
	if (old)
		task_free(k, old); /* reap the dead process that had the name */
	int pid = alloc_pid(k);
	if (pid < 0) {
		*err = pid;
		return NULL;
	}
	mm_va_t slab_va;
	bool in_host;
	struct task_struct *t = mm_object_alloc(k, KMEM_TASK_STRUCT, sizeof(*t), &slab_va, &in_host);
	if (!t) {
		*err = -ENOMEM;
		return NULL;
	}
	t->slab_va = slab_va;
	t->in_host = in_host;
	snprintf(t->name, sizeof(t->name), "%s", name);
	snprintf(t->comm, sizeof(t->comm), "%s", name);
	t->pid = pid;
	t->tgid = pid;
	t->cpu = cpu < k->nr_cpus ? cpu : 0;
	t->group_leader = t;
	t->life = TASK_ALIVE;
	list_add_tail(&t->tasks, &s->tasks);
	s->nr_tasks++;
	return t;
}

void task_free(struct mm_kernel *k, struct task_struct *t)
{
	struct task_state *s = ts(k);
	if (s->current == t)
		s->current = NULL;
	for (unsigned i = 0; i < MM_MAX_CPUS; i++)
		if (s->cpu[i].curr == t)
			s->cpu[i].curr = NULL;
	list_del(&t->tasks);
	s->nr_tasks--;
	mm_va_t slab_va = t->slab_va;
	bool in_host = t->in_host;
	if (!in_host)
		memset(t, 0x6b, sizeof(*t));
	mm_object_free(k, KMEM_TASK_STRUCT, t, slab_va, in_host);
}

struct task_struct *mm_task(const struct mm_struct *mm)
{
	return mm ? (struct task_struct *)mm->owner : NULL;
}

void task_set_current(struct mm_kernel *k, struct task_struct *t)
{
	if (ts(k))
		ts(k)->current = t;
}

unsigned task_nr_threads(struct mm_kernel *k, const struct task_struct *t)
{
	unsigned n = 0;
	struct list_head *p;
	list_for_each(p, &ts(k)->tasks) {
		struct task_struct *o = list_entry(p, struct task_struct, tasks);
		if (o->life == TASK_ALIVE && o->tgid == t->tgid)
			n++;
	}
	return n;
}

const char *task_state_name(const struct task_struct *t)
{
	switch (t->life) {
	case TASK_ALIVE: return "running";
	case TASK_EXITED: return "exited";
	default: break;
	}
	switch (t->exit_signal) {
	case SIGSEGV: return "killed:segv";
	case SIGBUS: return "killed:bus";
	case SIGKILL: return "killed:kill";
	default: return "killed";
	}
}

/* ---- the mm hooks ------------------------------------------------------------------ */

/* The task doing a system call on mm: the current one if it uses mm,
 * else the mm's leader. */
static struct task_struct *mm_caller(struct mm_struct *mm)
{
	struct task_state *s = ts(mm->k);
	if (s && s->current && s->current->mm == mm)
		return s->current;
	return mm_task(mm);
}

static int hook_populate(struct mm_struct *mm, mm_va_t start, mm_va_t end)
{
	struct task_struct *t = mm_caller(mm);
	uint64_t minor = 0, major = 0;
	int err = populate_range(mm, start, end, t ? t->cpu : 0, &minor, &major);
	if (t) {
		t->min_flt += minor;
		t->maj_flt += major;
	}
	return err;
}

static void hook_flush_tlb_range(struct mm_struct *mm, mm_va_t start, mm_va_t end)
{
	flush_tlb_mm_range(mm, start, end, mm->k->page_shift);
}

static const char *hook_owner_name(const struct mm_struct *mm)
{
	const struct task_struct *t = mm_task(mm);
	return t ? t->name : NULL;
}

const struct mm_operations task_mm_ops = {
	.populate = hook_populate,
	.flush_tlb_range = hook_flush_tlb_range,
	.owner_name = hook_owner_name,
	SIMFS_MM_FILE_OPS,
};

/* ---- exit and fatal signals ------------------------------------------------------------- */

/* Tear down the group's address space: every CPU lets go of it first. */
static void release_mm(struct mm_kernel *k, struct mm_struct *mm)
{
	sched_mm_gone(k, mm);
	mm_free(mm);
}

static void exit_group(struct mm_kernel *k, struct task_struct *leader, enum task_life life, int sig)
{
	struct mm_struct *mm = leader->mm;
	struct list_head *p;
	list_for_each(p, &ts(k)->tasks) {
		struct task_struct *t = list_entry(p, struct task_struct, tasks);
		if (t->tgid != leader->tgid || t->life != TASK_ALIVE)
			continue;
		sched_task_gone(k, t);
		t->life = life;
		t->exit_signal = sig;
		t->mm = NULL;
	}
	if (mm)
		release_mm(k, mm);
}

void task_exit(struct mm_kernel *k, struct task_struct *t)
{
	if (t->life != TASK_ALIVE)
		return;
	if (t->group_leader != t) {
		/* A thread leaves; the mm stays with the group. */
		sched_task_gone(k, t);
		if (t->mm)
			t->mm->mm_users--;
		t->mm = NULL;
		t->life = TASK_EXITED;
		return;
	}
	exit_group(k, t, TASK_EXITED, 0);
}

void task_kill(struct mm_kernel *k, struct task_struct *t, int sig, mm_va_t addr,
	       unsigned error_code, const char *why)
{
	if (t->life != TASK_ALIVE)
		return;
	/* show_signal_msg (debug.exception-trace=1): the comm, pid, address
	 * and error code; mmsim has no registers to print. */
	if (sig == SIGSEGV)
		printk(k, "%s[%d]: segfault at %" PRIx64 " ip 0000000000000000 sp 0000000000000000 error %x (%s)",
		       t->comm, t->pid, addr, error_code, why ? why : "bad access");
	else
		printk(k, "%s[%d]: killed by signal %d at %" PRIx64 " (%s)", t->comm, t->pid, sig, addr,
		       why ? why : "fatal fault");
	exit_group(k, t->group_leader, TASK_KILLED, sig);
}
