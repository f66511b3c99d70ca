/*
 * lexer_test.c - logical lines (continuations, comments, places) and tokens
 * of the scenario language. Offsets are counted by hand in the comments.
 */
#include <stdlib.h>
#include <string.h>

#include "sim/scenario/scenario.h"
#include "test.h"

/* Lines from a string, as scenario_run_string feeds them. */
static char *str_get(void *arg, bool cont, size_t *len)
{
	const char **pp = arg;
	const char *p = *pp;
	if (!*p)
		return NULL;
	const char *e = strchr(p, '\n');
	size_t n = e ? (size_t)(e - p) : strlen(p);
	char *line = malloc(n + 1);
	memcpy(line, p, n);
	line[n] = '\0';
	*pp = e ? e + 1 : p + n;
	*len = n;
	return line;
}

/* Read the first logical line of text into ln and lex it; returns scn_lex's result. */
static int lex_text(struct scn_line *ln, const char *text, struct scn_err *err)
{
	const char *p = text;
	struct scn_reader r = { "t.mms", str_get, &p, 0, false };
	scn_line_init(ln, "t.mms");
	if (!scn_read_line(&r, ln))
		return -2;
	return scn_lex(ln, err);
}

TEST(words_keys_arrow)
{
	struct scn_line ln;
	struct scn_err err;
	/* "alloc_pages" 0..10, "3" at 12, "gfp=" 14..17, value at 18 (21 chars
	 * to 38), "->" at 40, "$p" at 43. */
	CHECK_EQ(lex_text(&ln, "alloc_pages 3 gfp=GFP_KERNEL|__GFP_ZERO -> $p", &err), 0);
	CHECK_EQ(ln.nr_toks, 5);
	CHECK_STR(ln.toks[0].text, "alloc_pages");
	CHECK_EQ(ln.toks[0].off, 0);
	CHECK(ln.toks[0].key == NULL);
	CHECK_STR(ln.toks[1].text, "3");
	CHECK_EQ(ln.toks[1].off, 12);
	CHECK_STR(ln.toks[2].key, "gfp");
	CHECK_STR(ln.toks[2].val, "GFP_KERNEL|__GFP_ZERO");
	CHECK_EQ(ln.toks[2].val_off, 18);
	CHECK(!ln.toks[2].val_quoted);
	CHECK_EQ(ln.toks[3].kind, SCN_TOK_ARROW);
	CHECK_EQ(ln.toks[3].off, 40);
	CHECK_STR(ln.toks[4].text, "$p");
	CHECK_EQ(ln.toks[4].off, 43);
	scn_line_free(&ln);
}

TEST(glued_arrow)
{
	struct scn_line ln;
	struct scn_err err;
	CHECK_EQ(lex_text(&ln, "alloc_pages 0->$p", &err), 0);
	CHECK_EQ(ln.nr_toks, 4);
	CHECK_STR(ln.toks[1].text, "0");
	CHECK_EQ(ln.toks[2].kind, SCN_TOK_ARROW);
	CHECK_EQ(ln.toks[2].off, 13);
	CHECK_STR(ln.toks[3].text, "$p");
	scn_line_free(&ln);
}

TEST(not_keys)
{
	struct scn_line ln;
	struct scn_err err;
	CHECK_EQ(lex_text(&ln, "expect a.b == x= <= a==b 1=2 -x=1", &err), 0);
	CHECK_EQ(ln.nr_toks, 8);
	CHECK(ln.toks[1].key == NULL); /* a.b */
	CHECK(ln.toks[2].key == NULL); /* == */
	CHECK_STR(ln.toks[3].key, "x"); /* x= : a key with an empty value */
	CHECK_STR(ln.toks[3].val, "");
	CHECK(ln.toks[4].key == NULL); /* <= */
	CHECK(ln.toks[5].key == NULL); /* a==b */
	CHECK(ln.toks[6].key == NULL); /* 1=2: keys start with a letter or _ */
	CHECK(ln.toks[7].key == NULL); /* -x=1 */
	scn_line_free(&ln);
}

TEST(dotted_and_dashed_keys)
{
	struct scn_line ln;
	struct scn_err err;
	CHECK_EQ(lex_text(&ln, "sysctl vm.page-cluster=3 memory.max=1G", &err), 0);
	CHECK_STR(ln.toks[1].key, "vm.page-cluster");
	CHECK_STR(ln.toks[1].val, "3");
	CHECK_STR(ln.toks[2].key, "memory.max");
	scn_line_free(&ln);
}

TEST(quoted_key_value)
{
	struct scn_line ln;
	struct scn_err err;
	/* "sysctl " is 7 bytes, the key 23, '=' at 30, the quote at 31. */
	CHECK_EQ(lex_text(&ln, "sysctl vm.lowmem_reserve_ratio=\"256 256 32 0 0\"", &err), 0);
	CHECK_EQ(ln.nr_toks, 2);
	CHECK_STR(ln.toks[1].key, "vm.lowmem_reserve_ratio");
	CHECK_STR(ln.toks[1].val, "256 256 32 0 0");
	CHECK(ln.toks[1].val_quoted);
	CHECK_EQ(ln.toks[1].val_off, 31);
	scn_line_free(&ln);
}

TEST(string_and_comment)
{
	struct scn_line ln;
	struct scn_err err;
	struct strbuf sb = STRBUF_INIT;
	CHECK_EQ(lex_text(&ln, "echo \"a\\tb \\\"q\\\" #not\" # a comment", &err), 0);
	CHECK_EQ(ln.nr_toks, 2);
	CHECK_EQ(ln.toks[1].kind, SCN_TOK_STRING);
	CHECK_EQ(ln.toks[1].off, 5);
	CHECK_STR(ln.toks[1].text, "a\\tb \\\"q\\\" #not");
	CHECK_EQ(scn_string_decode(ln.toks[1].text, 6, NULL, NULL, &sb, &err), 0);
	CHECK_STR(sb_str(&sb), "a\tb \"q\" #not");
	sb_free(&sb);
	scn_line_free(&ln);
}

TEST(hex_escape)
{
	struct scn_err err;
	struct strbuf sb = STRBUF_INIT;
	CHECK_EQ(scn_string_decode("\\x41\\x4a!\\x7", 0, NULL, NULL, &sb, &err), 0);
	CHECK_STR(sb_str(&sb), "AJ!\x07");
	sb_free(&sb);
	CHECK_EQ(scn_string_check("ok\\x00", 10, &err), -1);
	CHECK_EQ(err.off, 12);
	CHECK_EQ(scn_string_check("\\xg", 0, &err), -1);
}

static int lookup_p(void *arg, const char *name, struct strbuf *out, char *why, size_t len)
{
	if (strcmp(name, "p") == 0) {
		sb_puts(out, "0x10");
		return 0;
	}
	snprintf(why, len, "undefined variable '$%s'", name);
	return -1;
}

TEST(interpolation)
{
	struct scn_err err;
	struct strbuf sb = STRBUF_INIT;
	/* "$$" and "$ " are literal; "\$" is an escaped dollar. */
	CHECK_EQ(scn_string_decode("p=$p ${p}x $$ \\$p", 0, lookup_p, NULL, &sb, &err), 0);
	CHECK_STR(sb_str(&sb), "p=0x10 0x10x $$ $p");
	sb_reset(&sb);
	/* "$q" at raw offset 2, raw starting at logical offset 6 -> 8. */
	CHECK_EQ(scn_string_decode("a $q", 6, lookup_p, NULL, &sb, &err), -1);
	CHECK_EQ(err.off, 8);
	CHECK_STR(err.msg, "undefined variable '$q'");
	CHECK_EQ(scn_string_decode("${p", 0, lookup_p, NULL, &sb, &err), -1);
	sb_free(&sb);
}

TEST(continuation_and_places)
{
	const char *text = "alloc_pages 3 \\\n   gfp=GFP_DMA  \nnext\n";
	const char *p = text;
	struct scn_reader r = { "t.mms", str_get, (void *)&p, 0, false };
	struct scn_line ln;
	struct scn_err err;
	unsigned line, col;
	scn_line_init(&ln, "t.mms");
	CHECK_EQ(scn_read_line(&r, &ln), 1);
	/* "alloc_pages 3 " (14 bytes) + "   gfp=GFP_DMA  " */
	CHECK_STR(sb_str(&ln.text), "alloc_pages 3    gfp=GFP_DMA  ");
	CHECK_EQ(scn_lex(&ln, &err), 0);
	CHECK_EQ(ln.nr_toks, 3);
	CHECK_EQ(ln.toks[2].off, 17);
	scn_line_pos(&ln, ln.toks[2].off, &line, &col);
	CHECK_EQ(line, 2);
	CHECK_EQ(col, 4);
	scn_line_pos(&ln, ln.toks[1].off, &line, &col);
	CHECK_EQ(line, 1);
	CHECK_EQ(col, 13);
	CHECK_EQ(scn_read_line(&r, &ln), 1);
	CHECK_STR(sb_str(&ln.text), "next");
	scn_line_pos(&ln, 0, &line, &col);
	CHECK_EQ(line, 3);
	CHECK_EQ(scn_read_line(&r, &ln), 0);
	scn_line_free(&ln);
}

TEST(continuation_inside_string)
{
	struct scn_line ln;
	struct scn_err err;
	CHECK_EQ(lex_text(&ln, "echo \"ab\\\ncd\"", &err), 0);
	CHECK_EQ(ln.nr_toks, 2);
	CHECK_STR(ln.toks[1].text, "abcd");
	scn_line_free(&ln);
}

TEST(comment_does_not_continue)
{
	const char *text = "echo x # not continued \\\necho y\r\n";
	const char *p = text;
	struct scn_reader r = { "t.mms", str_get, (void *)&p, 0, false };
	struct scn_line ln;
	scn_line_init(&ln, "t.mms");
	CHECK_EQ(scn_read_line(&r, &ln), 1);
	CHECK_STR(sb_str(&ln.text), "echo x ");
	CHECK_EQ(scn_read_line(&r, &ln), 1);
	CHECK_STR(sb_str(&ln.text), "echo y"); /* CR dropped */
	scn_line_free(&ln);
}

TEST(parentheses_keep_blanks)
{
	struct scn_line ln;
	struct scn_err err;
	CHECK_EQ(lex_text(&ln, "expect ( $a + 4K ) == 1", &err), 0);
	CHECK_EQ(ln.nr_toks, 4);
	CHECK_STR(ln.toks[1].text, "( $a + 4K )");
	CHECK_STR(ln.toks[2].text, "==");
	scn_line_free(&ln);
}

TEST(errors)
{
	struct scn_line ln;
	struct scn_err err;
	CHECK_EQ(lex_text(&ln, "echo \"abc", &err), -1);
	CHECK_EQ(err.off, 5);
	CHECK_STR(err.msg, "unterminated string");
	scn_line_free(&ln);

	CHECK_EQ(lex_text(&ln, "echo \"a\\qb\"", &err), -1);
	CHECK_EQ(err.off, 7); /* the backslash */
	scn_line_free(&ln);

	CHECK_EQ(lex_text(&ln, "tick (1+2", &err), -1);
	CHECK_EQ(err.off, 5);
	CHECK_STR(err.msg, "unclosed '('");
	scn_line_free(&ln);

	CHECK_EQ(lex_text(&ln, "echo \"a\"b", &err), -1);
	CHECK_EQ(err.off, 8);
	scn_line_free(&ln);

	CHECK_EQ(lex_text(&ln, "echo ab\"c\"", &err), -1);
	CHECK_EQ(err.off, 7);
	scn_line_free(&ln);

	CHECK_EQ(lex_text(&ln, "gfp=\"x", &err), -1);
	CHECK_EQ(err.off, 4);
	scn_line_free(&ln);
}

TEST(nul_byte)
{
	static const char line[] = "echo a\0b";
	struct scn_line ln;
	struct scn_err err;
	scn_line_init(&ln, "t.mms");
	scn_line_append(&ln, line, sizeof(line) - 1, 1);
	CHECK_EQ(scn_lex(&ln, &err), -1);
	CHECK_EQ(err.off, 6);
	scn_line_free(&ln);
}

TEST(empty_and_blank)
{
	struct scn_line ln;
	struct scn_err err;
	CHECK_EQ(lex_text(&ln, "   \t  # only a comment", &err), 0);
	CHECK_EQ(ln.nr_toks, 0);
	scn_line_free(&ln);
}

int main(void)
{
	RUN(words_keys_arrow);
	RUN(glued_arrow);
	RUN(not_keys);
	RUN(dotted_and_dashed_keys);
	RUN(quoted_key_value);
	RUN(string_and_comment);
	RUN(hex_escape);
	RUN(interpolation);
	RUN(continuation_and_places);
	RUN(continuation_inside_string);
	RUN(comment_does_not_continue);
	RUN(parentheses_keep_blanks);
	RUN(errors);
	RUN(nul_byte);
	RUN(empty_and_blank);
	return test_summary();
}
