/*
 * path.c - what the PATH of `expect PATH OP VALUE` names.
 *
 *   meminfo.MemFree           ROOT "meminfo"   REST "MemFree"
 *   buddyinfo.Normal.3        ROOT "buddyinfo" REST "Normal.3"
 *   $p + 1                    an expression: a PATH may also be a number
 *
 *   scn_path_resolve ──▶ expression?  (starts with $ digit ( + -)
 *                    └─▶ resolvers[] in order, each: mine? → value | error
 *                          resolve_view: ROOT is a view → render it, view_find(REST)
 *                          resolve_last: last.result, last.paddr
 *                          resolve_process: NAME.VmRSS, NAME.faults.minor, NAME.state
 *
 * Views render into named fields (src/proc/view.h); a field is looked up by
 * its exact path, so `expect` sees exactly what `show VIEW --json` shows.
 * Memory quantities are bytes whatever the text prints.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "kernel/task.h"
#include "proc/view.h"
#include "sim/machine.h"
#include "sim/scenario/scenario.h"

/* The list of view names, "meminfo vmstat ...", for messages. */
static void view_names(struct strbuf *sb)
{
	for (const struct view_def *v = view_table; v->name; v++)
		sb_printf(sb, "%s%s", v == view_table ? "" : " ", v->name);
}

/* Report an unknown field, with a near miss or a few valid paths. */
static int unknown_field(struct scn_ctx *c, const struct scn_arg *a, const char *root,
			 const char *rest, const struct view_out *o)
{
	const char **names = xcalloc(o->nr_fields + 1, sizeof(*names));
	for (size_t i = 0; i < o->nr_fields; i++)
		names[i] = o->fields[i].path;
	/* A near miss in a number ("Normal.12" vs "Normal.1") is no typo: list instead. */
	const char *last = strrchr(rest, '.') ? strrchr(rest, '.') + 1 : rest;
	bool numeric = last[0] && strspn(last, "0123456789") == strlen(last);
	const char *near = numeric ? NULL : scn_suggest(rest, names, o->nr_fields);
	free(names);
	if (near)
		return scn_error(c, a->val_off, "expect: %s has no field '%s' (did you mean '%s.%s'?)",
				 root, rest, root, near);
	/* Prefer the family of the path ("Normal.*" for "Normal.12"), else the first few. */
	size_t first = strcspn(rest, ".");
	struct strbuf list = STRBUF_INIT;
	size_t shown = 0, family = 0;
	for (size_t i = 0; i < o->nr_fields; i++) {
		const char *p = o->fields[i].path;
		if (strncmp(p, rest, first) != 0 || (p[first] != '.' && p[first] != '\0'))
			continue;
		if (family++ < 8)
			sb_printf(&list, "%s%s", shown++ ? " " : "", p);
	}
	size_t total = family;
	if (family == 0) {
		total = o->nr_fields;
		for (size_t i = 0; i < o->nr_fields && shown < 8; i++)
			sb_printf(&list, "%s%s", shown++ ? " " : "", o->fields[i].path);
	}
	int rc;
	if (o->nr_fields == 0)
		rc = scn_error(c, a->val_off, "expect: %s has no field '%s' (it has no fields here)", root,
			       rest);
	else
		rc = scn_error(c, a->val_off, "expect: %s has no field '%s' (fields: %s%s)", root, rest,
			       sb_str(&list), total > shown ? " ..." : "");
	sb_free(&list);
	return rc;
}

static int resolve_view(struct scn_ctx *c, const struct scn_arg *a, const char *root,
			const char *rest, struct scn_value *out)
{
	const struct view_def *v = view_lookup(root);
	if (!v)
		return 0;
	struct view_out o;
	char why[256] = "";
	int rc = 1;
	view_out_init(&o);
	if (v->render(c->m, 0, NULL, &o, why, sizeof(why))) {
		rc = scn_error(c, a->val_off, "expect: %s cannot be read without arguments (%s)", root,
			       why[0] ? why : v->usage);
		goto out;
	}
	if (!rest || !rest[0]) {
		rc = scn_error(c, a->val_off, "expect: %s is a view: name one of its fields (e.g. %s.%s)",
			       root, root, o.nr_fields ? o.fields[0].path : "FIELD");
		goto out;
	}
	const struct view_field *f = view_find(&o, rest);
	if (!f) {
		rc = unknown_field(c, a, root, rest, &o);
		goto out;
	}
	if (f->kind == VF_NUM || f->kind == VF_UNUM) {
		*out = (struct scn_value){ SCN_VAL_NUM,
					  f->kind == VF_UNUM ? scn_num_from_u64((uint64_t)f->num)
							     : scn_num_from_s64(f->num),
					  false, NULL };
	} else {
		*out = (struct scn_value){ SCN_VAL_STR, { 0, false }, false, xstrdup(f->str ? f->str : "") };
	}
out:
	view_out_free(&o);
	return rc;
}

/* Look rest up among o's fields (numbers or strings) into *out. */
static int field_value(struct scn_ctx *c, const struct scn_arg *a, const char *root,
		       const char *rest, const struct view_out *o, struct scn_value *out)
{
	const struct view_field *f = rest && rest[0] ? view_find(o, rest) : NULL;
	if (!f)
		return unknown_field(c, a, root, rest ? rest : "", o);
	if (f->kind == VF_NUM)
		*out = (struct scn_value){ SCN_VAL_NUM, scn_num_from_s64(f->num), false, NULL };
	else
		*out = (struct scn_value){ SCN_VAL_STR, { 0, false }, false, xstrdup(f->str ? f->str : "") };
	return 1;
}

/* NAME.FIELD for a process: its /proc/PID/status fields (VmRSS, RssAnon...
 * in bytes; zero once it is dead), plus state, pid, ppid, cpu, the fault
 * counters faults.minor, faults.major, faults.cow, and while it lives
 * map_count, start_brk, brk, start_stack, mmap_base, start_code, start_data. */
static int resolve_process(struct scn_ctx *c, const struct scn_arg *a, const char *root,
			   const char *rest, struct scn_value *out)
{
	struct mm_kernel *k = &c->m->k;
	struct task_struct *t = task_find(k, root);
	if (!t)
		return 0;
	struct view_out o;
	view_out_init(&o);
	status_render_task(k, t, &o);
	if (!t->mm) {
		static const char *const mem[] = { "VmPeak", "VmSize", "VmLck", "VmPin", "VmHWM",
						   "VmRSS", "RssAnon", "RssFile", "RssShmem", "VmData",
						   "VmStk", "VmExe", "VmLib", "VmPTE", "VmSwap" };
		for (size_t i = 0; i < MM_ARRAY_SIZE(mem); i++)
			view_field_num(&o, 0, "%s", mem[i]);
	}
	view_field_str(&o, task_state_name(t), "state");
	view_field_num(&o, t->pid, "pid");
	view_field_num(&o, t->ppid, "ppid");
	view_field_num(&o, t->cpu, "cpu");
	view_field_num(&o, (int64_t)t->min_flt, "faults.minor");
	view_field_num(&o, (int64_t)t->maj_flt, "faults.major");
	view_field_num(&o, (int64_t)t->cow_flt, "faults.cow");
	if (t->mm) {
		/* The address space's shape, for scenarios that check layouts. */
		view_field_num(&o, t->mm->map_count, "map_count");
		view_field_num(&o, (int64_t)t->mm->start_brk, "start_brk");
		view_field_num(&o, (int64_t)t->mm->brk, "brk");
		view_field_num(&o, (int64_t)t->mm->start_stack, "start_stack");
		view_field_num(&o, (int64_t)t->mm->mmap_base, "mmap_base");
		view_field_num(&o, (int64_t)t->mm->start_code, "start_code");
		view_field_num(&o, (int64_t)t->mm->start_data, "start_data");
	}
	int rc = field_value(c, a, root, rest, &o, out);
	view_out_free(&o);
	return rc;
}

/* last.result (hit walk minor major cow zero swapin segv bus), last.paddr,
 * last.va: the last page access a read/write/verify/touch made. */
static int resolve_last(struct scn_ctx *c, const struct scn_arg *a, const char *root,
			const char *rest, struct scn_value *out)
{
	struct mm_kernel *k = &c->m->k;
	if (strcmp(root, "last") != 0)
		return 0;
	const struct access_last *l = k->tasks ? &k->tasks->last : NULL;
	if (!l || !l->valid)
		return scn_error(c, a->val_off, "expect: last: no memory access has happened yet");
	struct view_out o;
	view_out_init(&o);
	view_field_str(&o, l->result, "result");
	view_field_num(&o, (int64_t)l->paddr, "paddr");
	view_field_num(&o, (int64_t)l->va, "va");
	int rc = field_value(c, a, root, rest, &o, out);
	view_out_free(&o);
	return rc;
}

/* The resolvers, tried in order; later layers add theirs here. */
static const scn_path_resolver scn_path_resolvers[] = {
	resolve_view,
	resolve_last,
	resolve_process,
};

int scn_path_resolve(struct scn_ctx *c, const struct scn_arg *a, struct scn_value *out)
{
	if (a->quoted)
		return scn_error(c, a->val_off, "expect: PATH is a name such as meminfo.MemFree, not a string");
	const char *p = a->val;
	if (p[0] == '$' || p[0] == '(' || p[0] == '-' || p[0] == '+' || isdigit((unsigned char)p[0])) {
		*out = (struct scn_value){ SCN_VAL_NUM, { 0, false }, false, NULL };
		return scn_eval_at(c, p, strlen(p), a->val_off, &out->num);
	}
	char *root = xstrdup(p);
	char *dot = strchr(root, '.');
	const char *rest = NULL;
	if (dot) {
		*dot = '\0';
		rest = dot + 1;
	}
	int rc = 0;
	for (size_t i = 0; i < MM_ARRAY_SIZE(scn_path_resolvers) && rc == 0; i++)
		rc = scn_path_resolvers[i](c, a, root, rest, out);
	if (rc == 0) {
		struct strbuf views = STRBUF_INIT;
		view_names(&views);
		rc = scn_error(c, a->val_off, "expect: unknown path '%s': '%s' is not a view (views: %s)",
			       p, root, sb_str(&views));
		sb_free(&views);
	}
	free(root);
	return rc == 1 ? SCN_OK : rc;
}
