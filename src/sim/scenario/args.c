/*
 * args.c - how a command reads its arguments.
 *
 * Arguments stay text until a handler asks for them, and it asks in its own
 * terms ("ORDER", a u64 in 0..max_order), so every message says what was
 * wanted and points at the argument itself:
 *
 *   alloc_pages 11            → 1:13: error: alloc_pages: ORDER 11 is out of range (0..10)
 *   machine cpus=0            → 1:14: error: machine: cpus=0 is out of range (1..64)
 *   free_pages                → 1:1:  error: free_pages: missing PFN (usage: ...)
 *
 * Keys name themselves ("cpus="); positional arguments are named by the
 * handler. Interpolation: "$name" and "${name}" are replaced in quoted
 * strings and in words that are read as text; in numbers a $name is an
 * operand of the expression.
 */
#include <string.h>

#include "sim/machine.h"
#include "sim/scenario/scenario.h"

const struct scn_arg *scn_opt_pos(struct scn_ctx *c, int i)
{
	return i < c->nr_pos ? &c->pos[i] : NULL;
}

const struct scn_arg *scn_need_pos(struct scn_ctx *c, int i, const char *what)
{
	if (i < c->nr_pos)
		return &c->pos[i];
	scn_error(c, c->cmd_off, "%s: missing %s (usage: %s)", c->cmd->name, what, c->cmd->usage);
	return NULL;
}

const struct scn_arg *scn_opt_key(struct scn_ctx *c, const char *key)
{
	for (int i = 0; i < c->nr_keys; i++)
		if (strcmp(c->keys[i].key, key) == 0)
			return &c->keys[i];
	return NULL;
}

/* "cpus=0" or "ORDER 11": how a message names an argument and its value. */
static void arg_label(const struct scn_arg *a, const char *what, const char *value, char *buf,
		      size_t len)
{
	if (a->key)
		snprintf(buf, len, "%s=%s", a->key, value);
	else
		snprintf(buf, len, "%s %s", what, value);
}

/* ---- variable lookups ---------------------------------------------------------- */

static int lookup_num(void *arg, const char *name, struct scn_num *out, char *why, size_t why_len)
{
	const struct scn_ctx *c = arg;
	const struct scn_value *v = scn_var_get(c->s, name);
	if (!v) {
		snprintf(why, why_len, "undefined variable '$%s'", name);
		return -1;
	}
	if (v->kind != SCN_VAL_NUM) {
		snprintf(why, why_len, "'$%s' holds a string, not a number", name);
		return -1;
	}
	*out = v->num;
	return 0;
}

static int lookup_text(void *arg, const char *name, struct strbuf *out, char *why, size_t why_len)
{
	const struct scn_ctx *c = arg;
	const struct scn_value *v = scn_var_get(c->s, name);
	if (!v) {
		snprintf(why, why_len, "undefined variable '$%s'", name);
		return -1;
	}
	scn_value_format(v, out);
	return 0;
}

void scn_expr_env_init(struct scn_ctx *c, struct scn_expr_env *env)
{
	env->page_bytes = c->s->m ? c->s->m->k.page_size : 0;
	env->lookup = lookup_num;
	env->arg = c;
}

int scn_eval_at(struct scn_ctx *c, const char *text, size_t len, size_t off, struct scn_num *out)
{
	struct scn_expr_env env;
	struct scn_err e;
	scn_expr_env_init(c, &env);
	if (scn_expr_eval(text, len, &env, out, &e))
		return scn_error(c, off + e.off, "%s", e.msg);
	return SCN_OK;
}

/* ---- numbers -------------------------------------------------------------------- */

int scn_arg_num(struct scn_ctx *c, const struct scn_arg *a, const char *what, struct scn_num *out)
{
	const char *cmd = c->cmd ? c->cmd->name : "?";
	if (a->quoted) {
		if (a->key)
			return scn_error(c, a->val_off, "%s: %s= takes a number, not a string", cmd, a->key);
		return scn_error(c, a->val_off, "%s: %s must be a number, not a string", cmd, what);
	}
	if (!a->val[0])
		return scn_error(c, a->val_off, "%s: %s= needs a value", cmd, a->key ? a->key : what);
	return scn_eval_at(c, a->val, strlen(a->val), a->val_off, out);
}

int scn_arg_u64(struct scn_ctx *c, const struct scn_arg *a, const char *what, uint64_t min,
		uint64_t max, uint64_t *out)
{
	struct scn_num n;
	uint64_t v;
	int rc = scn_arg_num(c, a, what, &n);
	if (rc)
		return rc;
	if (!scn_num_to_u64(n, &v) || v < min || v > max) {
		char num[32], label[160];
		arg_label(a, what, scn_num_str(n, num, sizeof(num)), label, sizeof(label));
		return scn_error(c, a->val_off, "%s: %s is out of range (%llu..%llu)", c->cmd->name, label,
				 (unsigned long long)min, (unsigned long long)max);
	}
	*out = v;
	return SCN_OK;
}

int scn_arg_s64(struct scn_ctx *c, const struct scn_arg *a, const char *what, int64_t min,
		int64_t max, int64_t *out)
{
	struct scn_num n;
	int64_t v;
	int rc = scn_arg_num(c, a, what, &n);
	if (rc)
		return rc;
	if (!scn_num_to_s64(n, &v) || v < min || v > max) {
		char num[32], label[160];
		arg_label(a, what, scn_num_str(n, num, sizeof(num)), label, sizeof(label));
		return scn_error(c, a->val_off, "%s: %s is out of range (%lld..%lld)", c->cmd->name, label,
				 (long long)min, (long long)max);
	}
	*out = v;
	return SCN_OK;
}

/* ---- text ------------------------------------------------------------------------- */

/* A bare word read as text: $name and ${name} interpolated, nothing else. */
static int bare_text(struct scn_ctx *c, const char *w, size_t off, struct strbuf *out)
{
	sb_add(out, "", 0);
	for (size_t i = 0; w[i];) {
		if (w[i] == '$' && (scn_is_ident_start(w[i + 1]) || w[i + 1] == '{')) {
			bool braced = w[i + 1] == '{';
			size_t s = i + 1 + braced, e = s;
			while (scn_is_ident_char(w[e]))
				e++;
			if (braced && (w[e] != '}' || e == s))
				return scn_error(c, off + i, "'${' needs a variable name and '}': ${name}");
			char name[128], why[200];
			if (e - s >= sizeof(name))
				return scn_error(c, off + i, "variable name too long");
			memcpy(name, w + s, e - s);
			name[e - s] = '\0';
			if (lookup_text(c, name, out, why, sizeof(why)))
				return scn_error(c, off + i, "%s", why);
			i = e + braced;
			continue;
		}
		sb_putc(out, w[i++]);
	}
	return SCN_OK;
}

int scn_arg_text(struct scn_ctx *c, const struct scn_arg *a, struct strbuf *out)
{
	if (!a->quoted)
		return bare_text(c, a->val, a->val_off, out);
	struct scn_err e;
	if (scn_string_decode(a->val, a->val_off + 1, lookup_text, c, out, &e))
		return scn_error(c, e.off, "%s", e.msg);
	return SCN_OK;
}

int scn_arg_choice(struct scn_ctx *c, const struct scn_arg *a, const char *what,
		   const char *const *choices, size_t nr)
{
	struct strbuf sb = STRBUF_INIT;
	int idx = -1;
	if (scn_arg_text(c, a, &sb))
		goto out;
	for (size_t i = 0; i < nr; i++)
		if (strcmp(sb_str(&sb), choices[i]) == 0)
			idx = (int)i;
	if (idx < 0) {
		struct strbuf list = STRBUF_INIT;
		for (size_t i = 0; i < nr; i++)
			sb_printf(&list, "%s%s", i ? " " : "", choices[i]);
		if (a->key)
			scn_error(c, a->val_off, "%s: %s= must be one of: %s (not '%s')", c->cmd->name,
				  a->key, sb_str(&list), sb_str(&sb));
		else
			scn_error(c, a->val_off, "%s: %s must be one of: %s (not '%s')", c->cmd->name, what,
				  sb_str(&list), sb_str(&sb));
		sb_free(&list);
	}
out:
	sb_free(&sb);
	return idx;
}

int scn_key_gfp(struct scn_ctx *c, gfp_t *gfp)
{
	const struct scn_arg *a = scn_opt_key(c, "gfp");
	if (!a)
		return 0;
	struct strbuf sb = STRBUF_INIT;
	const char *bad = NULL;
	int bad_len = 0, rc = scn_arg_text(c, a, &sb);
	if (!rc && gfp_parse(sb_str(&sb), gfp, &bad, &bad_len)) {
		size_t at = a->val_off + (a->quoted ? 1 : 0);
		/* The offset into the text is exact only for a bare word (no escapes). */
		if (bad && !a->quoted && bad >= sb_str(&sb) && bad <= sb_str(&sb) + sb.len)
			at += (size_t)(bad - sb_str(&sb));
		if (bad && bad_len > 0)
			rc = scn_error(c, at, "%s: unknown GFP flag '%.*s' (e.g. GFP_KERNEL, GFP_DMA32, __GFP_ZERO)",
				       c->cmd->name, bad_len, bad);
		else
			rc = scn_error(c, at, "%s: bad gfp= value '%s'", c->cmd->name, sb_str(&sb));
	}
	sb_free(&sb);
	return rc;
}

int scn_key_cpu(struct scn_ctx *c, unsigned *cpu, bool *given)
{
	const struct scn_arg *a = scn_opt_key(c, "cpu");
	uint64_t v;
	if (given)
		*given = a != NULL;
	if (!a)
		return 0;
	if (scn_arg_u64(c, a, "cpu", 0, c->m->k.nr_cpus - 1, &v))
		return SCN_ERROR;
	*cpu = (unsigned)v;
	return 0;
}

void scn_result_num(struct scn_ctx *c, uint64_t v, bool hex)
{
	scn_value_free(&c->result);
	c->result = (struct scn_value){ SCN_VAL_NUM, scn_num_from_u64(v), hex, NULL };
	c->has_result = true;
}

void scn_result_s64(struct scn_ctx *c, int64_t v)
{
	scn_value_free(&c->result);
	c->result = (struct scn_value){ SCN_VAL_NUM, scn_num_from_s64(v), false, NULL };
	c->has_result = true;
}
