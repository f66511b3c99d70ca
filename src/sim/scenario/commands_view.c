/*
 * commands_view.c - looking at the machine: show and expect.
 *
 *   show buddyinfo                 the view's text, as Linux prints the file
 *   show meminfo --json            its fields as one JSON object
 *   expect meminfo.MemFree >= 100M
 *   expect buddyinfo.Normal.3 == 2
 *   expect $p != 0
 *
 * An expectation that does not hold is reported with both sides and the run
 * goes on; the run's exit status is then 1:
 *
 *   t.mms:9:8: expect failed: meminfo.MemFree == 1048576 (got 1040384)
 */
#include <stdlib.h>
#include <string.h>

#include "proc/view.h"
#include "sim/machine.h"
#include "sim/scenario/scenario.h"

static void view_list(struct strbuf *sb)
{
	for (const struct view_def *v = view_table; v->name; v++)
		sb_printf(sb, "%s%s", v == view_table ? "" : " ", v->name);
}

static int cmd_show(struct scn_ctx *c)
{
	const struct scn_arg *va = scn_need_pos(c, 0, "VIEW");
	struct strbuf name = STRBUF_INIT;
	struct strbuf *texts = NULL;
	const char **argv = NULL;
	int argc = 0, rc;
	bool json = false;

	if (!va)
		return SCN_ERROR;
	if ((rc = scn_arg_text(c, va, &name)))
		goto out;
	const struct view_def *v = view_lookup(sb_str(&name));
	if (!v) {
		struct strbuf list = STRBUF_INIT;
		view_list(&list);
		rc = scn_error(c, va->val_off, "show: unknown view '%s' (views: %s)", sb_str(&name),
			       sb_str(&list));
		sb_free(&list);
		goto out;
	}
	texts = xcalloc((size_t)c->nr_pos, sizeof(*texts));
	argv = xcalloc((size_t)c->nr_pos + 1, sizeof(*argv));
	for (int i = 1; i < c->nr_pos; i++) {
		const struct scn_arg *a = &c->pos[i];
		if (!a->quoted && strcmp(a->val, "--json") == 0) {
			json = true;
			continue;
		}
		/* An argument that reads as a number expression ($v+4K, 0x1000,
		 * (2*1M)) reaches the view evaluated, as hex; words stay words. */
		if (!a->quoted && (a->val[0] == '$' || a->val[0] == '(' ||
				   (a->val[0] >= '0' && a->val[0] <= '9'))) {
			struct scn_num n;
			uint64_t u;
			if ((rc = scn_arg_num(c, a, "view argument", &n)))
				goto out;
			if (!scn_num_to_u64(n, &u)) {
				rc = scn_error(c, a->val_off, "show: %s is negative", a->val);
				goto out;
			}
			sb_printf(&texts[i], "0x%llx", (unsigned long long)u);
		} else if ((rc = scn_arg_text(c, a, &texts[i]))) {
			goto out;
		}
		argv[argc++] = sb_str(&texts[i]);
	}
	struct view_out o;
	char why[256] = "";
	view_out_init(&o);
	if (v->render(c->m, argc, argv, &o, why, sizeof(why))) {
		if (strstr(why, "usage"))
			rc = scn_error(c, va->val_off, "show %s: %s", v->name, why);
		else
			rc = scn_error(c, va->val_off, "show %s: %s (usage: show %s)", v->name,
				       why[0] ? why : "cannot render", v->usage);
	} else if (json) {
		struct strbuf js = STRBUF_INIT;
		view_to_json(&o, &js);
		fprintf(c->out, "%s\n", sb_str(&js));
		sb_free(&js);
	} else {
		fputs(sb_str(&o.text), c->out);
	}
	view_out_free(&o);
out:
	if (texts)
		for (int i = 0; i < c->nr_pos; i++)
			sb_free(&texts[i]);
	free(texts);
	free(argv);
	sb_free(&name);
	return rc;
}

/* ---- expect --------------------------------------------------------------- */

enum expect_op { OP_EQ, OP_NE, OP_LT, OP_LE, OP_GT, OP_GE };
static const char *const expect_ops[] = { "==", "!=", "<", "<=", ">", ">=" };

static bool op_holds(enum expect_op op, int cmp)
{
	switch (op) {
	case OP_EQ: return cmp == 0;
	case OP_NE: return cmp != 0;
	case OP_LT: return cmp < 0;
	case OP_LE: return cmp <= 0;
	case OP_GT: return cmp > 0;
	case OP_GE: return cmp >= 0;
	}
	return false;
}

static int cmd_expect(struct scn_ctx *c)
{
	const struct scn_arg *pa, *oa, *va;
	struct scn_value got = { SCN_VAL_NUM, { 0, false }, false, NULL };
	struct strbuf want = STRBUF_INIT;
	int rc;

	if (!(pa = scn_need_pos(c, 0, "PATH")) || !(oa = scn_need_pos(c, 1, "OP")) ||
	    !(va = scn_need_pos(c, 2, "VALUE")))
		return SCN_ERROR;
	int op = scn_arg_choice(c, oa, "OP", expect_ops, MM_ARRAY_SIZE(expect_ops));
	if (op < 0)
		return SCN_ERROR;
	if ((rc = scn_path_resolve(c, pa, &got)))
		goto out;

	int cmp;
	if (got.kind == SCN_VAL_NUM) {
		struct scn_num n;
		if (va->quoted) {
			rc = scn_error(c, va->val_off, "expect: %s is a number; compare it with a number, not a string",
				       pa->val);
			goto out;
		}
		if ((rc = scn_eval_at(c, va->val, strlen(va->val), va->val_off, &n)))
			goto out;
		cmp = scn_num_cmp(got.num, n);
		char buf[32];
		sb_puts(&want, scn_num_str(n, buf, sizeof(buf)));
	} else {
		if (op != OP_EQ && op != OP_NE) {
			rc = scn_error(c, oa->val_off, "expect: %s is text: compare it with == or !=", pa->val);
			goto out;
		}
		if ((rc = scn_arg_text(c, va, &want)))
			goto out;
		cmp = strcmp(got.str, sb_str(&want));
	}
	if (op_holds((enum expect_op)op, cmp)) {
		c->s->nr_expect_passed++;
		goto out;
	}
	c->s->nr_expect_failed++;
	rc = SCN_FAILED;
	if (got.kind == SCN_VAL_NUM) {
		char buf[32];
		scn_report(c->s, c->ln, pa->off, "expect failed", "%s %s %s (got %s)", pa->val,
			   expect_ops[op], sb_str(&want), scn_num_str(got.num, buf, sizeof(buf)));
	} else {
		scn_report(c->s, c->ln, pa->off, "expect failed", "%s %s \"%s\" (got \"%s\")", pa->val,
			   expect_ops[op], sb_str(&want), got.str);
	}
out:
	scn_value_free(&got);
	sb_free(&want);
	return rc;
}

const struct scn_cmd scn_cmds_view[] = {
	{ "show", "show VIEW [ARGS...] [--json]",
	  "print a view (meminfo, buddyinfo, zoneinfo, ...; `help show` lists them)", cmd_show, NULL,
	  -1, 0 },
	{ "expect", "expect PATH ==|!=|<|<=|>|>= VALUE",
	  "check a value (meminfo.MemFree, buddyinfo.Normal.3, $p); a failure is reported, the run goes on",
	  cmd_expect, NULL, 3, 0 },
	{ NULL, NULL, NULL, NULL, NULL, 0, 0 },
};
