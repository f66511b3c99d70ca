/*
 * expr.c - numbers and the arithmetic allowed wherever a number is.
 *
 *   expr    := term   { ('+' | '-') term }
 *   term    := unary  { '*' unary }
 *   unary   := ('+' | '-') unary | primary
 *   primary := NUMBER | '$' NAME | '(' expr ')'
 *   NUMBER  := DIGITS [SUFFIX] | '0x' HEXDIGITS [SUFFIX]
 *   SUFFIX  := K | M | G | T      (x 1024, 1024^2, 1024^3, 1024^4; k m g t too)
 *            | p                  (x the page size of the running machine)
 *
 * so "$base+3*2M" is $base + 6291456 and "-(4K)" is -4096. There is no
 * division: an address or size is built up, never divided, and '/' in a
 * scenario is far more often a typo.
 *
 * Values are sign + 64-bit magnitude (struct scn_num): a kernel address such
 * as 0xffff888000000000 and a negative oom_score_adj both fit, and every
 * operation that would leave the range [-(2^64-1), 2^64-1] is an error, not
 * a silent wrap. Each command then checks the range it accepts.
 *
 * A number's letters are read as one lexeme ([0-9A-Za-z_]*) and judged
 * whole, so "12Q" and "0xZZ" are reported as bad numbers, not as "12"
 * followed by garbage.
 */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "sim/scenario/scenario.h"

#define EXPR_MAX_DEPTH 64

struct expr_parser {
	const char *s;
	size_t n, i;
	int depth;
	const struct scn_expr_env *env;
	struct scn_err *err;
};

static int perr(struct expr_parser *p, size_t at, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static int perr(struct expr_parser *p, size_t at, const char *fmt, ...)
{
	va_list ap;
	p->err->off = at;
	va_start(ap, fmt);
	vsnprintf(p->err->msg, sizeof(p->err->msg), fmt, ap);
	va_end(ap);
	return -1;
}

/* ---- sign/magnitude arithmetic --------------------------------------------- */

static struct scn_num num_norm(struct scn_num a)
{
	if (a.mag == 0)
		a.neg = false;
	return a;
}

struct scn_num scn_num_from_u64(uint64_t v)
{
	return (struct scn_num){ v, false };
}

struct scn_num scn_num_from_s64(int64_t v)
{
	if (v >= 0)
		return (struct scn_num){ (uint64_t)v, false };
	return (struct scn_num){ (uint64_t)0 - (uint64_t)v, true };
}

/* a + b; false on overflow. */
static bool num_add(struct scn_num a, struct scn_num b, struct scn_num *out)
{
	if (a.neg == b.neg) {
		if (__builtin_add_overflow(a.mag, b.mag, &out->mag))
			return false;
		out->neg = a.neg;
	} else if (a.mag >= b.mag) {
		out->mag = a.mag - b.mag;
		out->neg = a.neg;
	} else {
		out->mag = b.mag - a.mag;
		out->neg = b.neg;
	}
	*out = num_norm(*out);
	return true;
}

static bool num_mul(struct scn_num a, struct scn_num b, struct scn_num *out)
{
	if (__builtin_mul_overflow(a.mag, b.mag, &out->mag))
		return false;
	out->neg = a.neg != b.neg;
	*out = num_norm(*out);
	return true;
}

bool scn_num_to_u64(struct scn_num n, uint64_t *out)
{
	if (n.neg && n.mag)
		return false;
	*out = n.mag;
	return true;
}

bool scn_num_to_s64(struct scn_num n, int64_t *out)
{
	if (!n.neg) {
		if (n.mag > (uint64_t)INT64_MAX)
			return false;
		*out = (int64_t)n.mag;
		return true;
	}
	if (n.mag > (uint64_t)INT64_MAX + 1)
		return false;
	*out = n.mag == (uint64_t)INT64_MAX + 1 ? INT64_MIN : -(int64_t)n.mag;
	return true;
}

const char *scn_num_str(struct scn_num n, char *buf, size_t len)
{
	snprintf(buf, len, "%s%llu", n.neg && n.mag ? "-" : "", (unsigned long long)n.mag);
	return buf;
}

int scn_num_cmp(struct scn_num a, struct scn_num b)
{
	a = num_norm(a);
	b = num_norm(b);
	if (a.neg != b.neg)
		return a.neg ? -1 : 1;
	int c = a.mag < b.mag ? -1 : a.mag > b.mag;
	return a.neg ? -c : c;
}

/* ---- literals ------------------------------------------------------------------ */

static int digit_value(int c, unsigned base)
{
	int v = -1;
	if (c >= '0' && c <= '9')
		v = c - '0';
	else if (c >= 'a' && c <= 'f')
		v = c - 'a' + 10;
	else if (c >= 'A' && c <= 'F')
		v = c - 'A' + 10;
	return v >= 0 && (unsigned)v < base ? v : -1;
}

/* Parse the number lexeme s[0..n) that starts at p->i. */
static int parse_number(struct expr_parser *p, const char *s, size_t n, struct scn_num *out)
{
	size_t at = p->i, i = 0;
	unsigned base = 10;
	uint64_t v = 0;
	if (n >= 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		i = 2;
	}
	size_t first_digit = i;
	bool overflow = false;
	for (; i < n; i++) {
		int d = digit_value(s[i], base);
		if (d < 0)
			break;
		if (__builtin_mul_overflow(v, (uint64_t)base, &v) ||
		    __builtin_add_overflow(v, (uint64_t)d, &v))
			overflow = true;
	}
	uint64_t mult = 1;
	if (i == first_digit)
		goto bad;
	if (i < n) {
		switch (s[i]) {
		case 'K': case 'k': mult = MM_KB; break;
		case 'M': case 'm': mult = MM_MB; break;
		case 'G': case 'g': mult = MM_GB; break;
		case 'T': case 't': mult = MM_TB; break;
		case 'p':
			if (!p->env || !p->env->page_bytes)
				return perr(p, at, "'%.*s': the 'p' suffix (pages) needs a booted machine",
					    (int)n, s);
			mult = p->env->page_bytes;
			break;
		default:
			goto bad;
		}
		if (++i != n)
			goto bad;
	}
	if (overflow || __builtin_mul_overflow(v, mult, &v))
		return perr(p, at, "number '%.*s' does not fit in 64 bits", (int)n, s);
	*out = scn_num_from_u64(v);
	return 0;
bad:
	return perr(p, at, "bad number '%.*s' (numbers: 42, 0x2a, with a suffix K M G T, or p for pages)",
		    (int)n, s);
}

/* ---- the parser ------------------------------------------------------------------ */

static void skip_blanks(struct expr_parser *p)
{
	while (p->i < p->n && (p->s[p->i] == ' ' || p->s[p->i] == '\t'))
		p->i++;
}

static int parse_expr(struct expr_parser *p, struct scn_num *out);

/* Describe what stands at p->i, for "expected a number, not ...". */
static int expected_number(struct expr_parser *p)
{
	if (p->i >= p->n) {
		if (p->i > 0)
			return perr(p, p->i - 1, "'%c' needs a number after it", p->s[p->i - 1]);
		return perr(p, p->i, "a number is missing");
	}
	char c = p->s[p->i];
	if (c == '/' || c == '%')
		return perr(p, p->i, "'%c' is not an operator here (numbers use + - * and parentheses)", c);
	if (c == ')')
		return perr(p, p->i, "a number is missing before ')'");
	if (isprint((unsigned char)c))
		return perr(p, p->i, "expected a number, not '%c'", c);
	return perr(p, p->i, "expected a number, not byte 0x%02x", (unsigned char)c);
}

static int parse_primary(struct expr_parser *p, struct scn_num *out)
{
	skip_blanks(p);
	if (p->i >= p->n)
		return expected_number(p);
	char c = p->s[p->i];
	if (c == '(') {
		size_t open = p->i++;
		if (++p->depth > EXPR_MAX_DEPTH)
			return perr(p, open, "expression nested too deeply");
		if (parse_expr(p, out))
			return -1;
		p->depth--;
		skip_blanks(p);
		if (p->i >= p->n || p->s[p->i] != ')')
			return p->i >= p->n ? perr(p, open, "unclosed '('")
					    : perr(p, p->i, "expected ')', not '%c'", p->s[p->i]);
		p->i++;
		return 0;
	}
	if (c == '$') {
		size_t at = p->i, s = p->i + 1, e = s;
		if (e >= p->n || !scn_is_ident_start(p->s[e]))
			return perr(p, at, "'$' needs a variable name ($name)");
		while (e < p->n && scn_is_ident_char(p->s[e]))
			e++;
		char name[128], why[200];
		if (e - s >= sizeof(name))
			return perr(p, at, "variable name too long");
		memcpy(name, p->s + s, e - s);
		name[e - s] = '\0';
		if (!p->env || !p->env->lookup)
			return perr(p, at, "undefined variable '$%s'", name);
		if (p->env->lookup(p->env->arg, name, out, why, sizeof(why)))
			return perr(p, at, "%s", why);
		p->i = e;
		return 0;
	}
	if (isdigit((unsigned char)c)) {
		size_t e = p->i;
		while (e < p->n && (isalnum((unsigned char)p->s[e]) || p->s[e] == '_'))
			e++;
		if (parse_number(p, p->s + p->i, e - p->i, out))
			return -1;
		p->i = e;
		return 0;
	}
	return expected_number(p);
}

static int parse_unary(struct expr_parser *p, struct scn_num *out)
{
	skip_blanks(p);
	if (p->i < p->n && (p->s[p->i] == '-' || p->s[p->i] == '+')) {
		bool minus = p->s[p->i++] == '-';
		if (++p->depth > EXPR_MAX_DEPTH)
			return perr(p, p->i - 1, "expression nested too deeply");
		if (parse_unary(p, out))
			return -1;
		p->depth--;
		if (minus)
			*out = num_norm((struct scn_num){ out->mag, !out->neg });
		return 0;
	}
	return parse_primary(p, out);
}

static int parse_term(struct expr_parser *p, struct scn_num *out)
{
	if (parse_unary(p, out))
		return -1;
	for (;;) {
		skip_blanks(p);
		if (p->i >= p->n || p->s[p->i] != '*')
			return 0;
		size_t op = p->i++;
		struct scn_num rhs;
		if (parse_unary(p, &rhs))
			return -1;
		if (!num_mul(*out, rhs, out))
			return perr(p, op, "'*' overflows 64 bits");
	}
}

static int parse_expr(struct expr_parser *p, struct scn_num *out)
{
	if (parse_term(p, out))
		return -1;
	for (;;) {
		skip_blanks(p);
		if (p->i >= p->n || (p->s[p->i] != '+' && p->s[p->i] != '-'))
			return 0;
		size_t op = p->i;
		char c = p->s[p->i++];
		struct scn_num rhs;
		if (parse_term(p, &rhs))
			return -1;
		if (c == '-')
			rhs = num_norm((struct scn_num){ rhs.mag, !rhs.neg });
		if (!num_add(*out, rhs, out))
			return perr(p, op, "'%c' overflows 64 bits", c);
	}
}

int scn_expr_eval(const char *text, size_t len, const struct scn_expr_env *env,
		  struct scn_num *out, struct scn_err *err)
{
	struct expr_parser p = { text, len, 0, 0, env, err };
	if (parse_expr(&p, out))
		return -1;
	skip_blanks(&p);
	if (p.i < p.n) {
		char c = text[p.i];
		if (c == '/' || c == '%')
			return perr(&p, p.i, "'%c' is not an operator here (numbers use + - * and parentheses)", c);
		if (c == ')')
			return perr(&p, p.i, "unmatched ')'");
		if (isprint((unsigned char)c))
			return perr(&p, p.i, "unexpected '%c' in a number", c);
		return perr(&p, p.i, "unexpected byte 0x%02x in a number", (unsigned char)c);
	}
	return 0;
}
