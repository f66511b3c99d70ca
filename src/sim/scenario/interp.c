/*
 * interp.c - the scenario session: reads logical lines, dispatches them to
 * commands, keeps the machine and the $variables.
 *
 *   scenario_run_file/string/lines
 *        │  scn_read_line (lexer.c)            one logical line
 *        ▼
 *   run_line ── scn_lex ── find the command (scn_command_tables)
 *        │                 split arguments: positional | KEY= | -> $var
 *        │                 check: known keys, no duplicates, not too many,
 *        │                        '->' only on commands with a result
 *        │                 boot the default machine if the command needs one
 *        ▼
 *   cmd->run(ctx)  ──▶ SCN_OK | SCN_FAILED (an expect: go on) | SCN_ERROR (stop)
 *        │
 *        ▼  store `-> $var`; in debug machines, check every invariant
 *
 * A run stops at the first SCN_ERROR (the shell keeps going); its status is
 * 2 after an error, else 1 if any expect of the session failed, else 0.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "mm/internal.h"
#include "mm/memory.h"
#include "sim/machine.h"
#include "sim/scenario/scenario.h"

/* Every command table; a new commands_*.c file adds its table here. */
const struct scn_cmd *const scn_command_tables[] = {
	scn_cmds_core,
	scn_cmds_machine,
	scn_cmds_page_alloc,
	scn_cmds_view,
	scn_cmds_slab,
	scn_cmds_kmem,
	scn_cmds_file,
	scn_cmds_mmap,
	scn_cmds_task,
	scn_cmds_access,
	NULL,
};

const struct scn_cmd *scn_cmd_lookup(const char *name)
{
	for (size_t t = 0; scn_command_tables[t]; t++)
		for (const struct scn_cmd *c = scn_command_tables[t]; c->name; c++)
			if (strcmp(c->name, name) == 0)
				return c;
	return NULL;
}

const char *scenario_command_name(size_t i)
{
	for (size_t t = 0; scn_command_tables[t]; t++)
		for (const struct scn_cmd *c = scn_command_tables[t]; c->name; c++)
			if (i-- == 0)
				return c->name;
	return NULL;
}

int scenario_help(FILE *out, const char *cmd)
{
	return scn_help(out, cmd);
}

/* ---- session ---------------------------------------------------------------- */

struct scenario *scenario_create(FILE *out, FILE *err)
{
	struct scenario *s = xcalloc(1, sizeof(*s));
	s->out = out;
	s->err = err;
	return s;
}

void scn_value_free(struct scn_value *v)
{
	free(v->str);
	v->str = NULL;
}

void scenario_destroy(struct scenario *s)
{
	if (!s)
		return;
	mm_machine_destroy(s->m);
	for (size_t i = 0; i < s->nr_vars; i++) {
		free(s->vars[i].name);
		scn_value_free(&s->vars[i].v);
	}
	free(s->vars);
	free(s->blocks);
	free(s->block_hash);
	free(s->boot_file);
	free(s);
}

int scenario_status(const struct scenario *s)
{
	return s->nr_expect_failed ? SCENARIO_FAILED : SCENARIO_OK;
}

struct mm_machine *scenario_machine(struct scenario *s)
{
	return s->m;
}

/* ---- variables -------------------------------------------------------------- */

const struct scn_value *scn_var_get(const struct scenario *s, const char *name)
{
	for (size_t i = 0; i < s->nr_vars; i++)
		if (strcmp(s->vars[i].name, name) == 0)
			return &s->vars[i].v;
	return NULL;
}

void scn_var_set(struct scenario *s, const char *name, const struct scn_value *v)
{
	struct scn_value copy = *v;
	copy.str = v->str ? xstrdup(v->str) : NULL;
	for (size_t i = 0; i < s->nr_vars; i++) {
		if (strcmp(s->vars[i].name, name) == 0) {
			scn_value_free(&s->vars[i].v);
			s->vars[i].v = copy;
			return;
		}
	}
	if (s->nr_vars == s->cap_vars) {
		s->cap_vars = s->cap_vars ? 2 * s->cap_vars : 8;
		s->vars = xrealloc(s->vars, s->cap_vars * sizeof(*s->vars));
	}
	s->vars[s->nr_vars].name = xstrdup(name);
	s->vars[s->nr_vars].v = copy;
	s->nr_vars++;
}

void scn_value_format(const struct scn_value *v, struct strbuf *out)
{
	if (v->kind == SCN_VAL_STR) {
		sb_puts(out, v->str ? v->str : "");
		return;
	}
	const char *sign = v->num.neg && v->num.mag ? "-" : "";
	if (v->hex)
		sb_printf(out, "%s0x%llx", sign, (unsigned long long)v->num.mag);
	else
		sb_printf(out, "%s%llu", sign, (unsigned long long)v->num.mag);
}

/* ---- messages ------------------------------------------------------------------ */

void scn_vreport(struct scenario *s, const struct scn_line *ln, size_t off, const char *kind,
		 const char *fmt, va_list ap)
{
	unsigned line, col;
	scn_line_pos(ln, off, &line, &col);
	fflush(s->out); /* keep output and diagnostics in order on a terminal */
	fprintf(s->err, "%s:%u:%u: %s: ", ln->file, line, col, kind);
	vfprintf(s->err, fmt, ap);
	fputc('\n', s->err);
	fflush(s->err);
}

void scn_report(struct scenario *s, const struct scn_line *ln, size_t off, const char *kind,
		const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	scn_vreport(s, ln, off, kind, fmt, ap);
	va_end(ap);
}

int scn_error(struct scn_ctx *c, size_t off, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	scn_vreport(c->s, c->ln, off, "error", fmt, ap);
	va_end(ap);
	return SCN_ERROR;
}

/* Levenshtein distance, capped: words longer than 63 bytes never match. */
static unsigned edit_distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	unsigned row[64];
	if (la > 63 || lb > 63)
		return 99;
	for (size_t j = 0; j <= lb; j++)
		row[j] = (unsigned)j;
	for (size_t i = 1; i <= la; i++) {
		unsigned diag = row[0];
		row[0] = (unsigned)i;
		for (size_t j = 1; j <= lb; j++) {
			unsigned up = row[j];
			unsigned best = diag + (a[i - 1] != b[j - 1]);
			best = MM_MIN(best, up + 1);
			best = MM_MIN(best, row[j - 1] + 1);
			row[j] = best;
			diag = up;
		}
	}
	return row[lb];
}

const char *scn_suggest(const char *word, const char *const *names, size_t nr)
{
	const char *best = NULL;
	unsigned best_d = 3;
	size_t wl = strlen(word);
	for (size_t i = 0; i < nr; i++) {
		unsigned d = edit_distance(word, names[i]);
		if (d < best_d && d < wl) {
			best = names[i];
			best_d = d;
		}
	}
	return best;
}

/* ---- booting --------------------------------------------------------------------- */

int scn_boot(struct scn_ctx *c, const struct mm_machine_config *cfg, size_t off)
{
	char why[256] = "";
	struct mm_machine *m = mm_machine_create(cfg, why, sizeof(why));
	if (!m)
		return scn_error(c, off, "cannot boot the machine: %s", why[0] ? why : "unknown reason");
	unsigned line, col;
	scn_line_pos(c->ln, off, &line, &col);
	c->s->m = m;
	c->m = m;
	free(c->s->boot_file);
	c->s->boot_file = xstrdup(c->ln->file);
	c->s->boot_line = line;
	return SCN_OK;
}

/* ---- one line ------------------------------------------------------------------- */

static bool is_var_word(const struct scn_tok *t)
{
	if (t->kind != SCN_TOK_WORD || t->text[0] != '$' || !scn_is_ident_start(t->text[1]))
		return false;
	for (const char *p = t->text + 2; *p; p++)
		if (!scn_is_ident_char(*p))
			return false;
	return true;
}

static bool cmd_takes_key(const struct scn_cmd *cmd, const char *key)
{
	if (strcmp(cmd->keys, "*") == 0)
		return true;
	size_t kl = strlen(key);
	for (const char *p = cmd->keys; *p;) {
		while (*p == ' ')
			p++;
		const char *e = p;
		while (*e && *e != ' ')
			e++;
		if ((size_t)(e - p) == kl && strncmp(p, key, kl) == 0)
			return true;
		p = e;
	}
	return false;
}

static int unknown_command(struct scn_ctx *c, const struct scn_tok *t)
{
	const char *names[256];
	size_t n = 0;
	for (size_t i = 0; n < MM_ARRAY_SIZE(names) && scenario_command_name(i); i++)
		names[n++] = scenario_command_name(i);
	const char *near = scn_suggest(t->text, names, n);
	if (near)
		return scn_error(c, t->off, "unknown command '%s' (did you mean '%s'?)", t->text, near);
	return scn_error(c, t->off, "unknown command '%s' (`help` lists the commands)", t->text);
}

/* Handle the tokens from the arrow at index a on: exactly "-> $name". */
static int parse_arrow(struct scn_ctx *c, size_t a)
{
	const struct scn_line *ln = c->ln;
	const struct scn_tok *arrow = &ln->toks[a];
	if (a + 1 >= ln->nr_toks)
		return scn_error(c, arrow->off, "'->' needs a variable after it (-> $name)");
	const struct scn_tok *v = &ln->toks[a + 1];
	if (!is_var_word(v))
		return scn_error(c, v->off, "'->' needs a variable after it (-> $name), not '%s'",
				 v->text);
	if (a + 2 < ln->nr_toks)
		return scn_error(c, ln->toks[a + 2].off, "unexpected '%s' after '-> %s'",
				 ln->toks[a + 2].text, v->text);
	if (!(c->cmd->flags & SCN_F_RESULT))
		return scn_error(c, arrow->off, "'%s' has no result to store with '->'", c->cmd->name);
	c->result_tok = v;
	return SCN_OK;
}

static int split_args(struct scn_ctx *c)
{
	const struct scn_line *ln = c->ln;
	const struct scn_cmd *cmd = c->cmd;
	for (size_t i = 1; i < ln->nr_toks; i++) {
		const struct scn_tok *t = &ln->toks[i];
		if (t->kind == SCN_TOK_ARROW)
			return parse_arrow(c, i);
		if (c->nr_pos + c->nr_keys >= SCN_MAX_ARGS)
			return scn_error(c, t->off, "too many arguments (at most %d)", SCN_MAX_ARGS);
		if (t->key && cmd->keys) {
			if (!cmd_takes_key(cmd, t->key)) {
				char list[512] = "";
				snprintf(list, sizeof(list), "%s", cmd->keys);
				return scn_error(c, t->off, "%s: unknown key '%s' (keys: %s)", cmd->name, t->key,
						 list);
			}
			for (int k = 0; k < c->nr_keys; k++)
				if (strcmp(c->keys[k].key, t->key) == 0)
					return scn_error(c, t->off, "%s: %s= is given twice", cmd->name, t->key);
			c->keys[c->nr_keys++] = (struct scn_arg){ t->key, t->val, t->val_quoted,
								  t->val_off, t->off };
			continue;
		}
		if (cmd->max_pos >= 0 && c->nr_pos >= cmd->max_pos) {
			if (t->key && !cmd->keys)
				return scn_error(c, t->off, "%s: takes no KEY= arguments, '%s' is unexpected (usage: %s)",
						 cmd->name, t->text, cmd->usage);
			return scn_error(c, t->off, "%s: unexpected argument '%s' (usage: %s)", cmd->name,
					 t->text, cmd->usage);
		}
		c->pos[c->nr_pos++] = (struct scn_arg){ NULL, t->text, t->kind == SCN_TOK_STRING,
							t->off, t->off };
	}
	return SCN_OK;
}

static int run_line(struct scenario *s, struct scn_line *ln)
{
	struct scn_ctx *c = xcalloc(1, sizeof(*c));
	struct scn_err e;
	int rc = SCN_OK;
	c->s = s;
	c->m = s->m;
	c->ln = ln;
	c->out = s->out;
	if (scn_lex(ln, &e)) {
		rc = scn_error(c, e.off, "%s", e.msg);
		goto out;
	}
	if (ln->nr_toks == 0)
		goto out;
	const struct scn_tok *t0 = &ln->toks[0];
	if (t0->kind != SCN_TOK_WORD) {
		rc = scn_error(c, t0->off, "a line starts with a command name");
		goto out;
	}
	c->cmd = scn_cmd_lookup(t0->text);
	c->cmd_off = t0->off;
	if (!c->cmd) {
		rc = unknown_command(c, t0);
		goto out;
	}
	if ((rc = split_args(c)))
		goto out;
	if (!(c->cmd->flags & SCN_F_NO_MACHINE) && !s->m) {
		struct mm_machine_config cfg;
		mm_machine_config_default(&cfg);
		if ((rc = scn_boot(c, &cfg, c->cmd_off)))
			goto out;
	}
	rc = c->cmd->run(c);
	if (rc == SCN_OK && c->result_tok && c->has_result)
		scn_var_set(s, c->result_tok->text + 1, &c->result);
	if (rc != SCN_ERROR && s->m && s->m->k.debug_checks && !(c->cmd->flags & SCN_F_NO_MACHINE) &&
	    (!mm_check_invariants(&s->m->k) || !mm_check_vm_full(&s->m->k)))
		rc = scn_error(c, c->cmd_off, "internal: an invariant broke during '%s' (details above)",
			       c->cmd->name);
out:
	scn_value_free(&c->result);
	free(c);
	return rc;
}

/* ---- inputs ----------------------------------------------------------------------- */

int scenario_run_lines(struct scenario *s, const char *name, scenario_line_fn get, void *arg,
		       bool keep_going)
{
	struct scn_reader r = { name, get, arg, 0, false };
	struct scn_line ln;
	int rc = SCN_OK;
	scn_line_init(&ln, name);
	while (scn_read_line(&r, &ln)) {
		if (run_line(s, &ln) == SCN_ERROR && !keep_going) {
			rc = SCN_ERROR;
			break;
		}
	}
	scn_line_free(&ln);
	return rc == SCN_ERROR ? SCN_ERROR : scenario_status(s);
}

static char *file_get(void *arg, bool continuation, size_t *len)
{
	char *line = NULL;
	size_t cap = 0;
	ssize_t n = getline(&line, &cap, (FILE *)arg);
	if (n < 0) {
		free(line);
		return NULL;
	}
	*len = (size_t)n;
	return line;
}

int scenario_run_file(struct scenario *s, FILE *f, const char *name)
{
	return scenario_run_lines(s, name, file_get, f, false);
}

static char *string_get(void *arg, bool continuation, size_t *len)
{
	const char **pp = arg;
	const char *p = *pp;
	if (!*p)
		return NULL;
	const char *e = strchr(p, '\n');
	size_t n = e ? (size_t)(e - p) : strlen(p);
	char *line = xmalloc(n + 1);
	memcpy(line, p, n);
	line[n] = '\0';
	*pp = e ? e + 1 : p + n;
	*len = n;
	return line;
}

int scenario_run_string(struct scenario *s, const char *text, const char *name)
{
	const char *p = text;
	return scenario_run_lines(s, name, string_get, &p, false);
}
