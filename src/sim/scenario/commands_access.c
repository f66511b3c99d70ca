/*
 * commands_access.c - a process reading, writing and touching its memory,
 * through its CPU's MMU (kernel/uaccess.c): TLB, page walk, faults.
 *
 *   read A $p 16 -> $v             hex dump; $v = the first (up to) 8 bytes,
 *                                  little-endian
 *   write A $p "hello"             bytes of a string
 *   write A $p 1M fill=0xab        LEN bytes of one value
 *   write A $p 1M pattern=addr     each 8-byte word holds its own address
 *   write A $p 1M pattern=addr:7   ... XOR 7
 *   verify A $p 1M pattern=addr    fails like an expect at the first bad byte
 *   touch A $p 1M w                one access per page (r, w or x): a store
 *                                  of the byte already there, for w
 *
 * Every command prints a summary (pages, TLB hits, walks, faults by kind);
 * with `set verbose on`, one line per page access too. A process killed by
 * its access (SIGSEGV, SIGBUS) is reported and the scenario goes on.
 */
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "kernel/task.h"
#include "mm/internal.h"
#include "sim/machine.h"
#include "sim/scenario/scenario.h"

#define CHUNK_BYTES (1024 * 1024) /* bytes moved per task_access call */
#define DUMP_MAX 4096             /* bytes a read prints */

/* LEN within one command's budget of pages; SCN_ERROR after reporting. */
static int check_len(struct scn_ctx *c, uint64_t len)
{
	uint64_t pages = len / c->m->k.page_size;
	if (pages > SCN_MAX_PAGES_PER_CMD)
		return scn_error(c, c->cmd_off, "%s: LEN covers %llu pages; at most %llu per command",
				 c->cmd->name, (unsigned long long)pages,
				 (unsigned long long)SCN_MAX_PAGES_PER_CMD);
	return SCN_OK;
}

static struct task_struct *need_task(struct scn_ctx *c)
{
	struct strbuf name = STRBUF_INIT;
	struct task_struct *t = NULL;
	const struct scn_arg *a = scn_need_pos(c, 0, "NAME");
	if (a && scn_arg_text(c, a, &name) == SCN_OK) {
		t = task_find(&c->m->k, sb_str(&name));
		if (!t)
			scn_error(c, a->val_off, "%s: no process named '%s' (spawn it first)", c->cmd->name,
				  sb_str(&name));
		else if (t->life != TASK_ALIVE) {
			scn_error(c, a->val_off, "%s: '%s' is not running (%s)", c->cmd->name, sb_str(&name),
				  task_state_name(t));
			t = NULL;
		}
	}
	sb_free(&name);
	return t;
}

static int need_u64(struct scn_ctx *c, int i, const char *what, uint64_t *out)
{
	const struct scn_arg *a = scn_need_pos(c, i, what);
	if (!a || scn_arg_u64(c, a, what, 0, UINT64_MAX, out))
		return SCN_ERROR;
	return SCN_OK;
}

/* "N pages: H hits, W walks, F faults (2 zero, 1 cow)". */
static void print_summary(struct scn_ctx *c, const char *what, const struct task_struct *t,
			  const struct access_stats *st)
{
	fprintf(c->out, "%s: %s %" PRIu64 " page%s: %" PRIu64 " TLB hits, %" PRIu64 " walks, %" PRIu64
			" faults",
		what, t->name, st->pages, st->pages == 1 ? "" : "s", st->hits, st->walks, st->faults);
	bool any = false;
	for (int i = 1; i < NR_FAULT_KINDS; i++) {
		if (!st->by_kind[i])
			continue;
		fprintf(c->out, "%s%" PRIu64 " %s", any ? ", " : " (", st->by_kind[i],
			fault_kind_name((enum fault_kind)i));
		any = true;
	}
	fprintf(c->out, "%s\n", any ? ")" : "");
	if (st->signal) {
		const char *sig = st->signal == SIGBUS ? "SIGBUS" : st->signal == SIGKILL ? "SIGKILL" : "SIGSEGV";
		fprintf(c->out, "%s: %s killed by %s at 0x%" PRIx64 "\n", what, t->name, sig, st->signal_addr);
	}
}

static FILE *verbose_out(struct scn_ctx *c)
{
	return c->s->verbose ? c->out : NULL;
}

/* ---- read ------------------------------------------------------------------------- */

static void hexdump(FILE *out, mm_va_t va, const uint8_t *b, size_t n)
{
	for (size_t i = 0; i < n; i += 16) {
		size_t m = MM_MIN((size_t)16, n - i);
		fprintf(out, "  %016" PRIx64 ": ", va + i);
		for (size_t j = 0; j < 16; j++) {
			if (j < m)
				fprintf(out, "%02x ", b[i + j]);
			else
				fputs("   ", out);
		}
		fputs(" |", out);
		for (size_t j = 0; j < m; j++)
			fputc(b[i + j] >= 0x20 && b[i + j] < 0x7f ? b[i + j] : '.', out);
		fputs("|\n", out);
	}
}

static int cmd_read(struct scn_ctx *c)
{
	struct mm_kernel *k = &c->m->k;
	struct task_struct *t = need_task(c);
	uint64_t va, len = 16;
	const struct scn_arg *a;
	if (!t || need_u64(c, 1, "ADDR", &va))
		return SCN_ERROR;
	if ((a = scn_opt_pos(c, 2)) && scn_arg_u64(c, a, "LEN", 1, UINT64_MAX, &len))
		return SCN_ERROR;
	if (check_len(c, len))
		return SCN_ERROR;
	struct access_stats st = { 0 };
	uint8_t *buf = xmalloc(CHUNK_BYTES);
	uint8_t first[8] = { 0 };
	uint64_t done = 0;
	int err = 0;
	while (done < len && !err) {
		size_t n = (size_t)MM_MIN(len - done, (uint64_t)CHUNK_BYTES);
		err = task_access(k, t, va + done, buf, n, ACCESS_READ, verbose_out(c), &st);
		if (err)
			break;
		if (done == 0)
			memcpy(first, buf, MM_MIN(n, sizeof(first)));
		if (done < DUMP_MAX)
			hexdump(c->out, va + done, buf, (size_t)MM_MIN((uint64_t)n, DUMP_MAX - done));
		done += n;
	}
	if (!err && len > DUMP_MAX)
		fprintf(c->out, "  ... (%" PRIu64 " more bytes read, not shown)\n", len - DUMP_MAX);
	free(buf);
	print_summary(c, "read", t, &st);
	uint64_t v = 0;
	for (int i = 7; i >= 0; i--)
		v = v << 8 | first[i];
	if (len < 8)
		v &= (1ULL << (8 * len)) - 1;
	scn_result_num(c, err ? 0 : v, true);
	return SCN_OK;
}

/* ---- write / verify: the bytes -------------------------------------------------------- */

struct fill {
	enum { FILL_TEXT, FILL_BYTE, FILL_PATTERN } kind;
	uint8_t byte;
	uint64_t seed;
	struct strbuf text;
};

/* The expected/written byte at va. */
static uint8_t fill_byte(const struct fill *f, mm_va_t va, uint64_t off)
{
	switch (f->kind) {
	case FILL_BYTE:
		return f->byte;
	case FILL_PATTERN: {
		uint64_t w = access_pattern_word(va & ~7ULL, f->seed);
		return (uint8_t)(w >> (8 * (va & 7)));
	}
	default:
		return (uint8_t)f->text.buf[off];
	}
}

/* fill=BYTE or pattern=addr[:SEED]; SCN_OK and *have when one is given. */
static int fill_args(struct scn_ctx *c, struct fill *f, bool *have)
{
	const struct scn_arg *fa = scn_opt_key(c, "fill"), *pa = scn_opt_key(c, "pattern");
	*have = false;
	if (fa && pa)
		return scn_error(c, pa->off, "%s: fill= and pattern= exclude each other", c->cmd->name);
	if (fa) {
		uint64_t b;
		if (scn_arg_u64(c, fa, "fill", 0, 255, &b))
			return SCN_ERROR;
		f->kind = FILL_BYTE;
		f->byte = (uint8_t)b;
		*have = true;
	} else if (pa) {
		struct strbuf sb = STRBUF_INIT;
		if (scn_arg_text(c, pa, &sb)) {
			sb_free(&sb);
			return SCN_ERROR;
		}
		const char *s = sb_str(&sb);
		int rc = SCN_OK;
		f->kind = FILL_PATTERN;
		f->seed = 0;
		if (strncmp(s, "addr", 4) != 0 || (s[4] && s[4] != ':')) {
			rc = scn_error(c, pa->val_off, "%s: pattern=addr or pattern=addr:SEED", c->cmd->name);
		} else if (s[4] == ':') {
			struct scn_num n;
			const char *seed = s + 5;
			if (scn_eval_at(c, seed, strlen(seed), pa->val_off + 5, &n) || n.neg ||
			    !scn_num_to_u64(n, &f->seed))
				rc = rc ? rc : scn_error(c, pa->val_off, "%s: bad SEED in pattern=", c->cmd->name);
		}
		sb_free(&sb);
		if (rc)
			return rc;
		*have = true;
	}
	return SCN_OK;
}

static int cmd_write(struct scn_ctx *c)
{
	struct mm_kernel *k = &c->m->k;
	struct task_struct *t = need_task(c);
	struct fill f = { .kind = FILL_TEXT, .text = STRBUF_INIT };
	uint64_t va, len;
	bool have;
	int rc = SCN_ERROR;
	if (!t || need_u64(c, 1, "ADDR", &va) || fill_args(c, &f, &have))
		goto out;
	const struct scn_arg *a = scn_need_pos(c, 2, have ? "LEN" : "\"TEXT\"");
	if (!a)
		goto out;
	if (have) {
		if (scn_arg_u64(c, a, "LEN", 1, UINT64_MAX, &len) || check_len(c, len))
			goto out;
	} else {
		if (!a->quoted) {
			rc = scn_error(c, a->off, "write: give \"TEXT\", or LEN with fill= or pattern=");
			goto out;
		}
		if (scn_arg_text(c, a, &f.text))
			goto out;
		len = f.text.len;
		if (!len) {
			fprintf(c->out, "write: nothing to write\n");
			rc = SCN_OK;
			goto out;
		}
	}
	struct access_stats st = { 0 };
	uint8_t *buf = xmalloc(CHUNK_BYTES);
	uint64_t done = 0;
	while (done < len) {
		size_t n = (size_t)MM_MIN(len - done, (uint64_t)CHUNK_BYTES);
		for (size_t i = 0; i < n; i++)
			buf[i] = fill_byte(&f, va + done + i, done + i);
		if (task_access(k, t, va + done, buf, n, ACCESS_WRITE, verbose_out(c), &st))
			break;
		done += n;
	}
	free(buf);
	print_summary(c, "write", t, &st);
	scn_result_num(c, done, false);
	rc = SCN_OK;
out:
	sb_free(&f.text);
	return rc;
}

static int cmd_verify(struct scn_ctx *c)
{
	struct mm_kernel *k = &c->m->k;
	struct task_struct *t = need_task(c);
	struct fill f = { .kind = FILL_BYTE, .text = STRBUF_INIT };
	uint64_t va, len;
	bool have;
	if (!t || need_u64(c, 1, "ADDR", &va) || need_u64(c, 2, "LEN", &len) || fill_args(c, &f, &have))
		return SCN_ERROR;
	if (!have)
		return scn_error(c, c->cmd_off, "verify: give fill=BYTE or pattern=addr[:SEED]");
	if (check_len(c, len))
		return SCN_ERROR;
	struct access_stats st = { 0 };
	uint8_t *buf = xmalloc(CHUNK_BYTES);
	uint64_t done = 0;
	int rc = SCN_OK;
	while (done < len) {
		size_t n = (size_t)MM_MIN(len - done, (uint64_t)CHUNK_BYTES);
		if (task_access(k, t, va + done, buf, n, ACCESS_READ, verbose_out(c), &st)) {
			c->s->nr_expect_failed++;
			scn_report(c->s, c->ln, c->cmd_off, "expect failed",
				   "verify %s 0x%" PRIx64 ": the process died reading 0x%" PRIx64, t->name, va,
				   st.signal_addr);
			rc = SCN_FAILED;
			break;
		}
		for (size_t i = 0; i < n; i++) {
			uint8_t want = fill_byte(&f, va + done + i, done + i);
			if (buf[i] != want) {
				c->s->nr_expect_failed++;
				scn_report(c->s, c->ln, c->cmd_off, "expect failed",
					   "verify %s: byte at 0x%" PRIx64 " is 0x%02x, expected 0x%02x", t->name,
					   va + done + i, buf[i], want);
				rc = SCN_FAILED;
				break;
			}
		}
		if (rc)
			break;
		done += n;
	}
	free(buf);
	if (rc == SCN_OK) {
		c->s->nr_expect_passed++;
		fprintf(c->out, "verify: %s %" PRIu64 " bytes at 0x%" PRIx64 " ok\n", t->name, len, va);
	} else if (st.signal) {
		print_summary(c, "verify", t, &st);
	}
	return rc;
}

static int cmd_touch(struct scn_ctx *c)
{
	static const char *const ops[] = { "r", "w", "x" };
	struct mm_kernel *k = &c->m->k;
	struct task_struct *t = need_task(c);
	uint64_t va, len;
	int op = 0;
	const struct scn_arg *a;
	if (!t || need_u64(c, 1, "ADDR", &va) || need_u64(c, 2, "LEN", &len))
		return SCN_ERROR;
	if ((a = scn_opt_pos(c, 3)) && (op = scn_arg_choice(c, a, "ACCESS", ops, 3)) < 0)
		return SCN_ERROR;
	if (check_len(c, len))
		return SCN_ERROR;
	struct access_stats st = { 0 };
	task_touch(k, t, va, len, (enum access_op)op, verbose_out(c), &st);
	print_summary(c, "touch", t, &st);
	scn_result_num(c, st.pages, false);
	return SCN_OK;
}

const struct scn_cmd scn_cmds_access[] = {
	{ "read", "read NAME ADDR [LEN] [-> $v]",
	  "read a process's memory (hex dump; faults as needed); $v = first 8 bytes", cmd_read, NULL, 3,
	  SCN_F_RESULT },
	{ "write", "write NAME ADDR \"TEXT\" | write NAME ADDR LEN fill=BYTE|pattern=addr[:SEED]",
	  "write a process's memory through its MMU", cmd_write, "fill pattern", 3, SCN_F_RESULT },
	{ "verify", "verify NAME ADDR LEN fill=BYTE|pattern=addr[:SEED]",
	  "check a process's memory; fails like an expect at the first bad byte", cmd_verify,
	  "fill pattern", 3, 0 },
	{ "touch", "touch NAME ADDR LEN [r|w|x] [-> $pages]",
	  "one access per page of a range (w stores the byte already there)", cmd_touch, NULL, 4,
	  SCN_F_RESULT },
	{ NULL, NULL, NULL, NULL, NULL, 0, 0 },
};
