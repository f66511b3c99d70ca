/*
 * commands_task.c - processes as a scenario drives them: spawn, fork, exec,
 * exit, run.
 *
 *   spawn A                          spawn: A pid 1 on cpu0 (text 64K, data 16K, bss 8K)
 *   spawn B exe=text:1M,data:64K cpu=1
 *   spawn T elf=true                 an ELF file put in the simulated fs
 *   fork A C                         fork: C pid 3, child of A
 *   fork A W thread                  a thread of A (shares A's memory)
 *   exec C exe=text:32K              a new program in C
 *   run C cpu=0                      context switch on cpu0 (CR3, ASID, PCID)
 *   exit C
 *
 * A process that cannot be created for lack of memory is not an input
 * error: the line prints the errno (-ENOMEM) and the run goes on. A name
 * already running, or one that clashes with a view or `last`, is.
 */
#include <errno.h>
#include <string.h>

#include "kernel/task.h"
#include "mm/internal.h"
#include "proc/view.h"
#include "sim/machine.h"
#include "sim/scenario/scenario.h"

/* The text of positional argument i (a process name). */
static int name_arg(struct scn_ctx *c, int i, const char *what, struct strbuf *out)
{
	const struct scn_arg *a = scn_need_pos(c, i, what);
	if (!a || scn_arg_text(c, a, out))
		return SCN_ERROR;
	return SCN_OK;
}

/* A new process name: letters, digits, _ . - (so paths like A.VmRSS
 * split cleanly: no dots), not a view's name and not `last`. */
static int check_new_name(struct scn_ctx *c, const struct scn_arg *a, const char *name)
{
	size_t n = strlen(name);
	if (!n || n >= TASK_NAME_MAX)
		return scn_error(c, a->val_off, "%s: a process name has 1..%d characters", c->cmd->name,
				 TASK_NAME_MAX - 1);
	for (const char *p = name; *p; p++) {
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
		      *p == '_' || *p == '-'))
			return scn_error(c, a->val_off,
					 "%s: bad process name '%s' (letters, digits, '_' and '-')",
					 c->cmd->name, name);
	}
	if (view_lookup(name) || !strcmp(name, "last") || !strcmp(name, "kernel"))
		return scn_error(c, a->val_off, "%s: '%s' is reserved (a view or path name)", c->cmd->name,
				 name);
	return SCN_OK;
}

/* The task named by positional argument i; alive unless any_state. */
static struct task_struct *need_task(struct scn_ctx *c, int i, bool any_state)
{
	struct strbuf name = STRBUF_INIT;
	struct task_struct *t = NULL;
	const struct scn_arg *a = scn_need_pos(c, i, "NAME");
	if (a && scn_arg_text(c, a, &name) == SCN_OK) {
		t = task_find(&c->m->k, sb_str(&name));
		if (!t)
			scn_error(c, a->val_off, "%s: no process named '%s' (spawn it first)", c->cmd->name,
				  sb_str(&name));
		else if (!any_state && t->life != TASK_ALIVE) {
			scn_error(c, a->val_off, "%s: '%s' is not running (%s)", c->cmd->name, sb_str(&name),
				  task_state_name(t));
			t = NULL;
		}
	}
	sb_free(&name);
	return t;
}

/* exe=... / elf=... into spec (defaults first). */
static int spec_args(struct scn_ctx *c, struct exe_spec *spec)
{
	struct mm_kernel *k = &c->m->k;
	exe_spec_default(k, spec);
	const struct scn_arg *exe = scn_opt_key(c, "exe"), *elf = scn_opt_key(c, "elf");
	if (exe && elf)
		return scn_error(c, elf->off, "%s: exe= and elf= exclude each other", c->cmd->name);
	struct strbuf sb = STRBUF_INIT;
	int rc = SCN_OK;
	if (exe) {
		char why[200] = "";
		if ((rc = scn_arg_text(c, exe, &sb)) == SCN_OK &&
		    exe_spec_parse(k, sb_str(&sb), spec, why, sizeof(why)))
			rc = scn_error(c, exe->val_off, "%s: %s", c->cmd->name, why);
	} else if (elf) {
		if ((rc = scn_arg_text(c, elf, &sb)) == SCN_OK) {
			if (sb.len >= sizeof(spec->elf) || !sb.len)
				rc = scn_error(c, elf->val_off, "%s: bad file name", c->cmd->name);
			else
				snprintf(spec->elf, sizeof(spec->elf), "%s", sb_str(&sb));
		}
	}
	sb_free(&sb);
	return rc;
}

/* "64K", "1M", or bytes below 1K (toy pages), into b. */
static const char *size_str(uint64_t bytes, char *b, size_t len)
{
	if (bytes >= MM_MB && !(bytes % MM_MB))
		snprintf(b, len, "%lluM", (unsigned long long)(bytes >> 20));
	else if (bytes >= MM_KB && !(bytes % MM_KB))
		snprintf(b, len, "%lluK", (unsigned long long)(bytes >> 10));
	else
		snprintf(b, len, "%llu", (unsigned long long)bytes);
	return b;
}

static void print_sizes(struct scn_ctx *c, const struct task_struct *t)
{
	char b1[24], b2[24], b3[24];
	if (t->exe.elf[0])
		fprintf(c->out, " (elf %s)", t->exe.elf);
	else
		fprintf(c->out, " (text %s, data %s, bss %s)", size_str(t->exe.text_bytes, b1, sizeof(b1)),
			size_str(t->exe.data_bytes, b2, sizeof(b2)), size_str(t->exe.bss_bytes, b3, sizeof(b3)));
}

/* A refusal the kernel gives (not an input error): print, result -errno. */
static int refused(struct scn_ctx *c, int err, const char *why)
{
	const char *name = mm_errno_name(-err);
	fprintf(c->out, "%s: -%s (%s)\n", c->cmd->name, name ? name : "E?", why[0] ? why : strerror(-err));
	scn_result_s64(c, err);
	return SCN_OK;
}

static int cmd_spawn(struct scn_ctx *c)
{
	struct mm_kernel *k = &c->m->k;
	struct strbuf name = STRBUF_INIT;
	struct exe_spec spec;
	uint64_t cpu = 0;
	const struct scn_arg *a;
	int rc;
	if ((rc = name_arg(c, 0, "NAME", &name)))
		goto out;
	if ((rc = check_new_name(c, scn_opt_pos(c, 0), sb_str(&name))))
		goto out;
	if ((a = scn_opt_key(c, "cpu")) && (rc = scn_arg_u64(c, a, "cpu", 0, k->nr_cpus - 1, &cpu)))
		goto out;
	if ((rc = spec_args(c, &spec)))
		goto out;
	struct task_struct *old = task_find(k, sb_str(&name));
	if (old && old->life == TASK_ALIVE) {
		rc = scn_error(c, scn_opt_pos(c, 0)->val_off, "spawn: a process named '%s' is running",
			       sb_str(&name));
		goto out;
	}
	char why[256] = "";
	struct task_struct *t;
	int err = task_spawn(k, sb_str(&name), &spec, (unsigned)cpu, &t, why, sizeof(why));
	if (err == -ENOENT || err == -ENOEXEC || err == -EINVAL) {
		rc = scn_error(c, c->cmd_off, "spawn: %s", why);
		goto out;
	}
	if (err) {
		rc = refused(c, err, why);
		goto out;
	}
	fprintf(c->out, "spawn: %s pid %d on cpu%u", t->name, t->pid, t->cpu);
	print_sizes(c, t);
	fprintf(c->out, "\n");
	scn_result_num(c, (uint64_t)t->pid, false);
out:
	sb_free(&name);
	return rc;
}

static int cmd_fork(struct scn_ctx *c)
{
	struct mm_kernel *k = &c->m->k;
	struct strbuf name = STRBUF_INIT;
	struct task_struct *parent = need_task(c, 0, false);
	int rc = SCN_ERROR;
	bool thread = false;
	if (!parent || name_arg(c, 1, "CHILD", &name) ||
	    check_new_name(c, scn_opt_pos(c, 1), sb_str(&name)))
		goto out;
	const struct scn_arg *a = scn_opt_pos(c, 2);
	if (a) {
		static const char *const words[] = { "thread" };
		if (scn_arg_choice(c, a, "flag", words, 1) < 0)
			goto out;
		thread = true;
	}
	struct task_struct *old = task_find(k, sb_str(&name));
	if (old && old->life == TASK_ALIVE) {
		rc = scn_error(c, scn_opt_pos(c, 1)->val_off, "fork: a process named '%s' is running",
			       sb_str(&name));
		goto out;
	}
	char why[256] = "";
	struct task_struct *t;
	int err = task_fork(k, parent, sb_str(&name), thread, &t, why, sizeof(why));
	if (err) {
		rc = refused(c, err, why);
		goto out;
	}
	fprintf(c->out, "fork: %s pid %d, %s of %s\n", t->name, t->pid, thread ? "thread" : "child",
		parent->name);
	scn_result_num(c, (uint64_t)t->pid, false);
	rc = SCN_OK;
out:
	sb_free(&name);
	return rc;
}

static int cmd_exec(struct scn_ctx *c)
{
	struct mm_kernel *k = &c->m->k;
	struct task_struct *t = need_task(c, 0, false);
	struct exe_spec spec;
	if (!t || spec_args(c, &spec))
		return SCN_ERROR;
	char why[256] = "";
	int err = task_exec(k, t, &spec, why, sizeof(why));
	if (err == -ENOENT || err == -ENOEXEC || err == -EINVAL)
		return scn_error(c, c->cmd_off, "exec: %s", why);
	if (err)
		return refused(c, err, why);
	fprintf(c->out, "exec: %s pid %d", t->group_leader->name, t->group_leader->pid);
	print_sizes(c, t->group_leader);
	fprintf(c->out, "\n");
	scn_result_s64(c, 0);
	return SCN_OK;
}

static int cmd_exit(struct scn_ctx *c)
{
	struct task_struct *t = need_task(c, 0, false);
	if (!t)
		return SCN_ERROR;
	task_exit(&c->m->k, t);
	fprintf(c->out, "exit: %s\n", t->name);
	return SCN_OK;
}

static int cmd_run(struct scn_ctx *c)
{
	struct mm_kernel *k = &c->m->k;
	struct task_struct *t = need_task(c, 0, false);
	uint64_t cpu;
	const struct scn_arg *a = scn_opt_key(c, "cpu");
	if (!t)
		return SCN_ERROR;
	if (!a)
		cpu = t->cpu;
	else if (scn_arg_u64(c, a, "cpu", 0, k->nr_cpus - 1, &cpu))
		return SCN_ERROR;
	fprintf(c->out, "run: ");
	sched_run(k, t, (unsigned)cpu, c->out);
	return SCN_OK;
}

const struct scn_cmd scn_cmds_task[] = {
	{ "spawn", "spawn NAME [exe=text:64K,data:16K,bss:8K | elf=SIMFILE] [cpu=N] [-> $pid]",
	  "start a process with the classic layout (text, data, bss, heap, stack)", cmd_spawn,
	  "exe elf cpu", 1, SCN_F_RESULT },
	{ "fork", "fork PARENT CHILD [thread] [-> $pid]",
	  "copy a process (copy-on-write), or start a thread sharing its memory", cmd_fork, NULL, 3,
	  SCN_F_RESULT },
	{ "exec", "exec NAME exe=text:SIZE,data:SIZE,bss:SIZE | elf=SIMFILE",
	  "replace a process's program (a new address space)", cmd_exec, "exe elf", 1, SCN_F_RESULT },
	{ "exit", "exit NAME", "end a process (its memory is freed)", cmd_exit, NULL, 1, 0 },
	{ "run", "run NAME [cpu=N]", "context switch: run the process on a CPU (CR3, ASID/PCID)",
	  cmd_run, "cpu", 1, 0 },
	{ NULL, NULL, NULL, NULL, NULL, 0, 0 },
};
