/*
 * expr_test.c - numbers, suffixes, precedence, overflow and the pages
 * suffix of the scenario language. Every expected value is worked out in
 * the comment beside it.
 */
#include <stdlib.h>
#include <string.h>

#include "mmsim/scenario.h"
#include "sim/scenario/scenario.h"
#include "test.h"

static int lookup(void *arg, const char *name, struct scn_num *out, char *why, size_t len)
{
	if (strcmp(name, "buf") == 0) {
		*out = scn_num_from_u64(0x1000);
		return 0;
	}
	if (strcmp(name, "base") == 0) {
		*out = scn_num_from_u64(0x40000000);
		return 0;
	}
	snprintf(why, len, "undefined variable '$%s'", name);
	return -1;
}

static const struct scn_expr_env env_nomachine = { 0, lookup, NULL };
static const struct scn_expr_env env_toy = { 64, lookup, NULL }; /* 64-byte pages */

/* Evaluate s, expecting success; the value as u64 (negatives fail the check). */
static uint64_t ev(const struct scn_expr_env *env, const char *s)
{
	struct scn_num n = { 0, false };
	struct scn_err err;
	uint64_t v = 0;
	int rc = scn_expr_eval(s, strlen(s), env, &n, &err);
	if (rc)
		printf("  eval(\"%s\") failed at %zu: %s\n", s, err.off, err.msg);
	CHECK(rc == 0);
	CHECK(scn_num_to_u64(n, &v));
	return v;
}

static int64_t ev_signed(const char *s)
{
	struct scn_num n = { 0, false };
	struct scn_err err;
	int64_t v = 0;
	CHECK(scn_expr_eval(s, strlen(s), &env_nomachine, &n, &err) == 0);
	CHECK(scn_num_to_s64(n, &v));
	return v;
}

/* Evaluate s expecting an error; returns its offset (or 999 if none). */
static size_t ev_err(const struct scn_expr_env *env, const char *s, const char *msg_part)
{
	struct scn_num n;
	struct scn_err err;
	if (scn_expr_eval(s, strlen(s), env, &n, &err) == 0) {
		printf("  eval(\"%s\") succeeded, wanted an error\n", s);
		return 999;
	}
	if (msg_part && !strstr(err.msg, msg_part)) {
		printf("  eval(\"%s\"): message \"%s\" lacks \"%s\"\n", s, err.msg, msg_part);
		return 998;
	}
	return err.off;
}

TEST(literals)
{
	CHECK_EQ(ev(&env_nomachine, "0"), 0);
	CHECK_EQ(ev(&env_nomachine, "42"), 42);
	CHECK_EQ(ev(&env_nomachine, "0x2a"), 42);
	CHECK_EQ(ev(&env_nomachine, "0X2A"), 42);
	CHECK_EQ(ev(&env_nomachine, "007"), 7); /* decimal, not octal */
	CHECK_EQ(ev(&env_nomachine, "0xffff888000000000"), 0xffff888000000000ULL);
	CHECK_EQ(ev(&env_nomachine, "18446744073709551615"), UINT64_MAX);
}

TEST(suffixes)
{
	CHECK_EQ(ev(&env_nomachine, "4K"), 4096);                     /* 4 * 1024 */
	CHECK_EQ(ev(&env_nomachine, "2M"), 2097152);                  /* 2 * 1024^2 */
	CHECK_EQ(ev(&env_nomachine, "1G"), 1073741824);               /* 1024^3 */
	CHECK_EQ(ev(&env_nomachine, "1T"), 1099511627776ULL);         /* 1024^4 */
	CHECK_EQ(ev(&env_nomachine, "3k"), 3072);                     /* lower case too */
	CHECK_EQ(ev(&env_nomachine, "0x10K"), 16384);                 /* 16 * 1024 */
	CHECK_EQ(ev(&env_nomachine, "16777215T"), 16777215ULL << 40); /* (2^24-1) * 2^40 < 2^64 */
}

TEST(precedence)
{
	CHECK_EQ(ev(&env_nomachine, "2+3*4"), 14);     /* * binds tighter */
	CHECK_EQ(ev(&env_nomachine, "(2+3)*4"), 20);
	CHECK_EQ(ev(&env_nomachine, "10-2-3"), 5);     /* left to right: (10-2)-3 */
	CHECK_EQ(ev(&env_nomachine, "2*3*4"), 24);
	CHECK_EQ(ev(&env_nomachine, "-4K+8K"), 4096);  /* unary minus on 4K */
	CHECK_EQ(ev(&env_nomachine, "( 1 + 2 ) * ( 3 )"), 9); /* blanks inside parentheses */
	CHECK_EQ(ev(&env_nomachine, "--5"), 5);
	CHECK_EQ(ev_signed("2*-3"), -6);
	CHECK_EQ(ev_signed("1-2"), -1);
	CHECK_EQ(ev_signed("-(4K)"), -4096);
	CHECK_EQ(ev_signed("-3*-3"), 9);
}

TEST(variables)
{
	CHECK_EQ(ev(&env_nomachine, "$buf+4K"), 0x2000);               /* 0x1000 + 0x1000 */
	CHECK_EQ(ev(&env_nomachine, "$base+3*2M"), 0x40000000 + 0x600000); /* + 6M */
	CHECK_EQ(ev(&env_nomachine, "($buf-1)*2"), 0x1ffe);
	CHECK_EQ(ev_err(&env_nomachine, "$nope+1", "undefined variable '$nope'"), 0);
	CHECK_EQ(ev_err(&env_nomachine, "1+$", "needs a variable name"), 2);
}

TEST(overflow)
{
	CHECK_EQ(ev_err(&env_nomachine, "18446744073709551616", "does not fit"), 0); /* 2^64 */
	CHECK_EQ(ev_err(&env_nomachine, "0xffffffffffffffff+1", "overflows"), 18);  /* at '+' */
	CHECK_EQ(ev_err(&env_nomachine, "4G*4G", "overflows"), 2);                 /* 2^64 */
	CHECK_EQ(ev_err(&env_nomachine, "16777216T", "does not fit"), 0);           /* 2^24 * 2^40 = 2^64 */
	CHECK_EQ(ev_err(&env_nomachine, "0x10000000000000000", "does not fit"), 0);
	CHECK_EQ(ev_err(&env_nomachine, "-18446744073709551615-1", "overflows"), 21);
	/* the largest magnitudes themselves are fine */
	CHECK_EQ(ev(&env_nomachine, "0xffffffffffffffff-1"), UINT64_MAX - 1);
	struct scn_num n;
	struct scn_err err;
	CHECK_EQ(scn_expr_eval("-0x8000000000000000", 19, &env_nomachine, &n, &err), 0);
	int64_t s;
	CHECK(scn_num_to_s64(n, &s) && s == INT64_MIN);
	CHECK_EQ(scn_expr_eval("0x8000000000000000", 18, &env_nomachine, &n, &err), 0);
	CHECK(!scn_num_to_s64(n, &s)); /* 2^63 does not fit a signed value */
	CHECK_EQ(scn_expr_eval("-1", 2, &env_nomachine, &n, &err), 0);
	uint64_t u;
	CHECK(!scn_num_to_u64(n, &u));
}

TEST(errors)
{
	CHECK_EQ(ev_err(&env_nomachine, "12Q", "bad number '12Q'"), 0);
	CHECK_EQ(ev_err(&env_nomachine, "0xZZ", "bad number '0xZZ'"), 0);
	CHECK_EQ(ev_err(&env_nomachine, "1+0x", "bad number '0x'"), 2);
	CHECK_EQ(ev_err(&env_nomachine, "1P", "bad number"), 0);   /* no peta: P is not p */
	CHECK_EQ(ev_err(&env_nomachine, "4KK", "bad number"), 0);
	CHECK_EQ(ev_err(&env_nomachine, "4/2", "'/' is not an operator"), 1);
	CHECK_EQ(ev_err(&env_nomachine, "4%2", "'%' is not an operator"), 1);
	CHECK_EQ(ev_err(&env_nomachine, "4K+", "needs a number after it"), 2);
	CHECK_EQ(ev_err(&env_nomachine, "", "missing"), 0);
	CHECK_EQ(ev_err(&env_nomachine, "(1+2", "unclosed '('"), 0);
	CHECK_EQ(ev_err(&env_nomachine, "1+2)", "unmatched ')'"), 3);
	CHECK_EQ(ev_err(&env_nomachine, "()", "missing before ')'"), 1);
	CHECK_EQ(ev_err(&env_nomachine, "1.5G", "unexpected '.'"), 1);
	CHECK_EQ(ev_err(&env_nomachine, "abc", "expected a number, not 'a'"), 0);
	CHECK_EQ(ev_err(&env_nomachine, "1 2", "unexpected '2'"), 2);
	char deep[300];
	memset(deep, '(', 100);
	strcpy(deep + 100, "1");
	memset(deep + 101, ')', 100);
	deep[201] = '\0';
	CHECK(ev_err(&env_nomachine, deep, "nested too deeply") < 100);
}

TEST(pages_suffix)
{
	CHECK_EQ(ev(&env_toy, "16p"), 1024);       /* 16 * 64 */
	CHECK_EQ(ev(&env_toy, "0x2p"), 128);       /* 2 * 64 */
	CHECK_EQ(ev(&env_toy, "$buf+1p"), 0x1040); /* 0x1000 + 64 */
	CHECK_EQ(ev(&env_toy, "3*2p+1"), 385);     /* 3 * 128 + 1 */
	CHECK_EQ(ev_err(&env_nomachine, "16p", "needs a booted machine"), 0);
}

TEST(num_helpers)
{
	char buf[32];
	CHECK_STR(scn_num_str(scn_num_from_s64(-5), buf, sizeof(buf)), "-5");
	CHECK_STR(scn_num_str(scn_num_from_u64(UINT64_MAX), buf, sizeof(buf)), "18446744073709551615");
	CHECK_STR(scn_num_str(scn_num_from_s64(INT64_MIN), buf, sizeof(buf)), "-9223372036854775808");
	CHECK_EQ(scn_num_cmp(scn_num_from_s64(-5), scn_num_from_s64(3)), (uint64_t)-1);
	CHECK_EQ(scn_num_cmp(scn_num_from_s64(-5), scn_num_from_s64(-7)), 1);
	CHECK_EQ(scn_num_cmp(scn_num_from_u64(7), scn_num_from_u64(7)), 0);
	CHECK_EQ(scn_num_cmp(scn_num_from_u64(UINT64_MAX), scn_num_from_s64(-1)), 1);
}

/* Run text in a fresh session; its status, and its stderr in err_text. */
static int run_text(const char *text, char *err_text, size_t len)
{
	char *out_buf = NULL, *err_buf = NULL;
	size_t out_len = 0, err_len = 0;
	FILE *out = open_memstream(&out_buf, &out_len);
	FILE *err = open_memstream(&err_buf, &err_len);
	struct scenario *s = scenario_create(out, err);
	int rc = scenario_run_string(s, text, "t.mms");
	scenario_destroy(s);
	fclose(out);
	fclose(err);
	snprintf(err_text, len, "%s", err_buf ? err_buf : "");
	free(out_buf);
	free(err_buf);
	return rc;
}

/* The 'p' suffix reads the page size of the running machine: a toy machine
 * with 64-byte pages (the default toy is 14-bit VA, 12-bit PA, 2 levels). */
TEST(pages_suffix_toy_machine)
{
	char err[1024];
	int rc = run_text("machine arch=toy va_bits=14 pa_bits=12 page=64 levels=2\n"
			  "expect 16p == 1024\n"   /* 16 * 64 */
			  "expect 1p == 64\n"
			  "expect 4K/1p == 1\n",   /* an error at the '/' (col 10) */
			  err, sizeof(err));
	CHECK_EQ(rc, SCENARIO_ERROR);
	CHECK_STR(err, "t.mms:4:10: error: '/' is not an operator here (numbers use + - * and parentheses)\n");
	rc = run_text("machine arch=toy page=64\nexpect 16p == 1024\nexpect 16p+0x10 == 1040\n", err,
		      sizeof(err));
	CHECK_EQ(rc, SCENARIO_OK);
	CHECK_STR(err, "");
	/* On x86_64 a page is 4K. */
	rc = run_text("expect 2p == 8K\n", err, sizeof(err));
	CHECK_EQ(rc, SCENARIO_OK);
	CHECK_STR(err, "");
}

int main(void)
{
	RUN(literals);
	RUN(suffixes);
	RUN(precedence);
	RUN(variables);
	RUN(overflow);
	RUN(errors);
	RUN(pages_suffix);
	RUN(num_helpers);
	RUN(pages_suffix_toy_machine);
	return test_summary();
}
