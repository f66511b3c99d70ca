/*
 * lexer.c - from physical lines to tokens, keeping every byte's place.
 *
 * Reading (scn_read_line) builds one logical line:
 *
 *   line 7:  alloc_pages 3 \            physical lines
 *   line 8:      gfp=GFP_DMA  # low      ─┐
 *                                          │  '\' + newline removed, comment dropped
 *   logical: "alloc_pages 3     gfp=GFP_DMA  "
 *   segs:    {off 0 → 7:1} {off 14 → 8:1}  offset → (line, col) for messages
 *
 * Rules, in the order they apply while scanning a physical line:
 *   - inside "...", a backslash escapes the next character and '#' is text;
 *   - outside strings, '#' starts a comment that runs to the end of the line
 *     (and the line does not continue, whatever the comment ends with);
 *   - a line whose last character is '\' (outside strings, trailing blanks
 *     allowed after it; inside a string, the very last character) continues
 *     on the next line: the backslash and the newline vanish, nothing else.
 *
 * Lexing (scn_lex) splits the logical line at blanks into:
 *   "string"      raw contents kept; escapes checked now, decoded on use
 *   ->            the result arrow (also when glued: 3->$p)
 *   word          everything else; blanks inside parentheses stay in the
 *                 word, so "($a + 4K)" is one argument; KEY=VALUE words
 *                 record key and value (the value may be a "string").
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/scenario/scenario.h"

bool scn_is_ident_start(int c)
{
	return isalpha((unsigned char)c) || c == '_';
}

bool scn_is_ident_char(int c)
{
	return isalnum((unsigned char)c) || c == '_';
}

static bool is_blank(int c)
{
	return c == ' ' || c == '\t' || c == '\v' || c == '\f';
}

static bool is_control(int c)
{
	unsigned char u = (unsigned char)c;
	return (u < 0x20 && !is_blank(c)) || u == 0x7f;
}

/* ---- logical lines ------------------------------------------------------- */

void scn_line_init(struct scn_line *ln, const char *file)
{
	memset(ln, 0, sizeof(*ln));
	ln->file = file;
	sb_init(&ln->text);
}

static void toks_free(struct scn_line *ln)
{
	for (size_t i = 0; i < ln->nr_toks; i++) {
		free(ln->toks[i].text);
		free(ln->toks[i].key);
		free(ln->toks[i].val);
	}
	ln->nr_toks = 0;
}

void scn_line_reset(struct scn_line *ln)
{
	toks_free(ln);
	sb_reset(&ln->text);
	ln->nr_segs = 0;
}

void scn_line_free(struct scn_line *ln)
{
	toks_free(ln);
	sb_free(&ln->text);
	free(ln->segs);
	free(ln->toks);
	ln->segs = NULL;
	ln->toks = NULL;
	ln->cap_segs = ln->cap_toks = 0;
}

void scn_line_append(struct scn_line *ln, const char *s, size_t n, unsigned line)
{
	if (ln->nr_segs == ln->cap_segs) {
		ln->cap_segs = ln->cap_segs ? 2 * ln->cap_segs : 4;
		ln->segs = xrealloc(ln->segs, ln->cap_segs * sizeof(*ln->segs));
	}
	ln->segs[ln->nr_segs++] = (struct scn_seg){ ln->text.len, line, 1 };
	sb_add(&ln->text, s, n);
	if (!ln->text.buf)
		sb_add(&ln->text, "", 0);
}

void scn_line_pos(const struct scn_line *ln, size_t off, unsigned *line, unsigned *col)
{
	*line = 1;
	*col = (unsigned)off + 1;
	for (size_t i = 0; i < ln->nr_segs && ln->segs[i].off <= off; i++) {
		*line = ln->segs[i].line;
		*col = ln->segs[i].col + (unsigned)(off - ln->segs[i].off);
	}
}

/*
 * Scan one physical line p[0..n): how much of it belongs to the logical
 * line (*keep) and whether the next line continues it. *in_str carries an
 * open string across a continuation.
 */
static void phys_scan(const char *p, size_t n, bool *in_str, size_t *keep, bool *cont)
{
	bool esc = false;
	*cont = false;
	*keep = n;
	for (size_t i = 0; i < n; i++) {
		char c = p[i];
		if (*in_str) {
			if (esc)
				esc = false;
			else if (c == '\\')
				esc = true;
			else if (c == '"')
				*in_str = false;
		} else if (c == '#') {
			*keep = i;
			return; /* a comment ends the logical line */
		} else if (c == '"') {
			*in_str = true;
		}
	}
	if (*in_str) {
		if (esc) { /* "...\<newline>: the string goes on */
			*keep = n - 1;
			*cont = true;
		}
		return;
	}
	size_t e = n;
	while (e > 0 && is_blank(p[e - 1]))
		e--;
	if (e > 0 && p[e - 1] == '\\') {
		*keep = e - 1;
		*cont = true;
	}
}

int scn_read_line(struct scn_reader *r, struct scn_line *ln)
{
	bool in_str = false, cont = false, got = false;
	scn_line_reset(ln);
	if (r->eof)
		return 0;
	do {
		size_t n = 0;
		char *p = r->get(r->arg, cont, &n);
		if (!p) {
			r->eof = true;
			break;
		}
		got = true;
		r->lineno++;
		if (n > 0 && p[n - 1] == '\n')
			n--;
		if (n > 0 && p[n - 1] == '\r')
			n--;
		size_t keep;
		phys_scan(p, n, &in_str, &keep, &cont);
		scn_line_append(ln, p, keep, r->lineno);
		free(p);
	} while (cont);
	return got;
}

/* ---- strings -------------------------------------------------------------- */

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static void set_err(struct scn_err *err, size_t off, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void set_err(struct scn_err *err, size_t off, const char *fmt, ...)
{
	va_list ap;
	err->off = off;
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
}

/* Decode the escape at raw[*i] ('\\'); advance *i past it; -1 on a bad one. */
static int decode_escape(const char *raw, size_t *i, size_t raw_off, struct strbuf *out,
			 struct scn_err *err)
{
	size_t at = *i;
	char c = raw[at + 1];
	static const char from[] = "ntr\\\"'abfv$";
	static const char to[] = "\n\t\r\\\"'\a\b\f\v$";
	const char *hit = c ? strchr(from, c) : NULL;
	if (hit) {
		if (out)
			sb_putc(out, to[hit - from]);
		*i = at + 2;
		return 0;
	}
	if (c == 'x') {
		int h1 = hexval(raw[at + 2]);
		if (h1 < 0) {
			set_err(err, raw_off + at, "'\\x' needs hex digits (\\xHH)");
			return -1;
		}
		int v = h1, len = 3;
		int h2 = hexval(raw[at + 3]);
		if (h2 >= 0) {
			v = v * 16 + h2;
			len = 4;
		}
		if (v == 0) {
			set_err(err, raw_off + at, "a NUL byte (\\x00) cannot be part of a string");
			return -1;
		}
		if (out)
			sb_putc(out, (char)v);
		*i = at + (size_t)len;
		return 0;
	}
	if (c == '\0')
		set_err(err, raw_off + at, "a string cannot end with a lone '\\'");
	else if (isprint((unsigned char)c))
		set_err(err, raw_off + at,
			"unknown escape '\\%c' in string (escapes: \\n \\t \\r \\\\ \\\" \\' \\a \\b \\f \\v \\$ \\xHH)",
			c);
	else
		set_err(err, raw_off + at, "unknown escape in string");
	return -1;
}

int scn_string_check(const char *raw, size_t raw_off, struct scn_err *err)
{
	for (size_t i = 0; raw[i];) {
		if (raw[i] == '\\') {
			if (decode_escape(raw, &i, raw_off, NULL, err))
				return -1;
		} else {
			i++;
		}
	}
	return 0;
}

int scn_string_decode(const char *raw, size_t raw_off, scn_interp_fn lookup, void *arg,
		      struct strbuf *out, struct scn_err *err)
{
	sb_add(out, "", 0);
	for (size_t i = 0; raw[i];) {
		char c = raw[i];
		if (c == '\\') {
			if (decode_escape(raw, &i, raw_off, out, err))
				return -1;
			continue;
		}
		if (c == '$' && lookup &&
		    (scn_is_ident_start(raw[i + 1]) || raw[i + 1] == '{')) {
			bool braced = raw[i + 1] == '{';
			size_t s = i + 1 + braced, e = s;
			while (scn_is_ident_char(raw[e]))
				e++;
			if (braced && (raw[e] != '}' || e == s)) {
				set_err(err, raw_off + i, "'${' needs a variable name and '}': ${name}");
				return -1;
			}
			char name[128];
			if (e - s >= sizeof(name)) {
				set_err(err, raw_off + i, "variable name too long");
				return -1;
			}
			memcpy(name, raw + s, e - s);
			name[e - s] = '\0';
			char why[200];
			if (lookup(arg, name, out, why, sizeof(why))) {
				set_err(err, raw_off + i, "%s", why);
				return -1;
			}
			i = e + braced;
			continue;
		}
		sb_putc(out, c);
		i++;
	}
	return 0;
}

/* ---- tokens ---------------------------------------------------------------- */

static struct scn_tok *tok_new(struct scn_line *ln, enum scn_tok_kind kind, size_t off)
{
	if (ln->nr_toks == ln->cap_toks) {
		ln->cap_toks = ln->cap_toks ? 2 * ln->cap_toks : 8;
		ln->toks = xrealloc(ln->toks, ln->cap_toks * sizeof(*ln->toks));
	}
	struct scn_tok *t = &ln->toks[ln->nr_toks++];
	memset(t, 0, sizeof(*t));
	t->kind = kind;
	t->off = off;
	return t;
}

static char *dup_range(const char *s, size_t n)
{
	char *p = xmalloc(n + 1);
	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

/* Length of a KEY at the start of w ending at '=' (0 if w is not KEY=...). */
static size_t key_len(const char *w, size_t n)
{
	if (n == 0 || !scn_is_ident_start(w[0]))
		return 0;
	size_t i = 1;
	while (i < n && (scn_is_ident_char(w[i]) || w[i] == '.' || w[i] == '-'))
		i++;
	if (i < n && w[i] == '=' && (i + 1 >= n || w[i + 1] != '='))
		return i;
	return 0;
}

/* Find the closing quote of the string opening at t[q]; -1 if none. */
static long string_end(const char *t, size_t n, size_t q)
{
	for (size_t i = q + 1; i < n; i++) {
		if (t[i] == '\\' && i + 1 < n)
			i++;
		else if (t[i] == '"')
			return (long)i;
	}
	return -1;
}

/* After a string ends at t[i]: only a blank, the end or '->' may follow. */
static int after_string(const char *t, size_t n, size_t i, struct scn_err *err)
{
	if (i >= n || is_blank(t[i]) || (t[i] == '-' && i + 1 < n && t[i + 1] == '>'))
		return 0;
	set_err(err, i, "unexpected '%c' after a string (separate arguments with blanks)", t[i]);
	return -1;
}

static int lex_string(struct scn_line *ln, size_t *pi, struct scn_err *err)
{
	const char *t = ln->text.buf;
	size_t n = ln->text.len, q = *pi;
	long e = string_end(t, n, q);
	if (e < 0) {
		set_err(err, q, "unterminated string");
		return -1;
	}
	char *raw = dup_range(t + q + 1, (size_t)e - q - 1);
	if (strlen(raw) != (size_t)e - q - 1) {
		set_err(err, q + 1 + strlen(raw), "a NUL byte cannot be part of a string");
		free(raw);
		return -1;
	}
	if (scn_string_check(raw, q + 1, err) || after_string(t, n, (size_t)e + 1, err)) {
		free(raw);
		return -1;
	}
	struct scn_tok *tok = tok_new(ln, SCN_TOK_STRING, q);
	tok->text = raw;
	*pi = (size_t)e + 1;
	return 0;
}

static int lex_word(struct scn_line *ln, size_t *pi, struct scn_err *err)
{
	const char *t = ln->text.buf;
	size_t n = ln->text.len, start = *pi, i = start, open_off = 0;
	int depth = 0;
	long quote_end = -1;
	while (i < n) {
		char c = t[i];
		if (depth == 0 && (is_blank(c) || (c == '-' && i + 1 < n && t[i + 1] == '>')))
			break;
		if (is_control(c)) {
			set_err(err, i, "unexpected control character 0x%02x", (unsigned char)c);
			return -1;
		}
		if (c == '(') {
			if (depth++ == 0)
				open_off = i;
		} else if (c == ')' && depth > 0) {
			depth--;
		} else if (c == '"') {
			size_t kl = key_len(t + start, i - start);
			if (depth || kl == 0 || start + kl + 1 != i) {
				set_err(err, i, "unexpected '\"' inside a word (a string is its own argument, or KEY=\"...\")");
				return -1;
			}
			quote_end = string_end(t, n, i);
			if (quote_end < 0) {
				set_err(err, i, "unterminated string");
				return -1;
			}
			if (after_string(t, n, (size_t)quote_end + 1, err))
				return -1;
			i = (size_t)quote_end + 1;
			break;
		}
		i++;
	}
	if (depth > 0) {
		set_err(err, open_off, "unclosed '('");
		return -1;
	}
	struct scn_tok *tok = tok_new(ln, SCN_TOK_WORD, start);
	tok->text = dup_range(t + start, i - start);
	size_t kl = key_len(tok->text, i - start);
	if (kl) {
		tok->key = dup_range(t + start, kl);
		tok->val_off = start + kl + 1;
		if (quote_end >= 0) {
			tok->val_quoted = true;
			tok->val = dup_range(t + tok->val_off + 1, (size_t)quote_end - tok->val_off - 1);
			if (strlen(tok->val) != (size_t)quote_end - tok->val_off - 1) {
				set_err(err, tok->val_off, "a NUL byte cannot be part of a string");
				return -1;
			}
			if (scn_string_check(tok->val, tok->val_off + 1, err))
				return -1;
		} else {
			tok->val = dup_range(t + tok->val_off, i - tok->val_off);
		}
	}
	*pi = i;
	return 0;
}

int scn_lex(struct scn_line *ln, struct scn_err *err)
{
	toks_free(ln);
	const char *t = ln->text.buf ? ln->text.buf : "";
	size_t n = ln->text.len, i = 0;
	for (;;) {
		while (i < n && is_blank(t[i]))
			i++;
		if (i >= n)
			return 0;
		char c = t[i];
		if (c == '\0') {
			set_err(err, i, "unexpected NUL byte");
			return -1;
		}
		if (is_control(c)) {
			set_err(err, i, "unexpected control character 0x%02x", (unsigned char)c);
			return -1;
		}
		if (c == '"') {
			if (lex_string(ln, &i, err))
				return -1;
		} else if (c == '-' && i + 1 < n && t[i + 1] == '>') {
			struct scn_tok *tok = tok_new(ln, SCN_TOK_ARROW, i);
			tok->text = dup_range("->", 2);
			i += 2;
		} else if (lex_word(ln, &i, err)) {
			return -1;
		}
	}
}
