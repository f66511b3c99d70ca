/*
 * scenario.h - the scenario language's insides, shared by the lexer, the
 * expression evaluator, the interpreter and the command files.
 *
 * A scenario line travels through four stages:
 *
 *   physical lines ──reader──▶ logical line ──lexer──▶ tokens ──interp──▶ command
 *   "alloc_pages 3 \"         "alloc_pages 3 gfp=..."  [alloc_pages][3]    handler(ctx)
 *   "   gfp=GFP_DMA # x"      + a map offset→(line,col) [gfp=GFP_DMA]       args evaluated
 *                                                                           on demand
 *
 *  - The reader (lexer.c) joins lines ending in '\', drops '#' comments and
 *    remembers, for every byte of the logical line, the physical line and
 *    column it came from, so that any error names its exact place.
 *  - The lexer (lexer.c) splits the logical line into words, quoted strings
 *    and '->'. A word "KEY=VALUE" is also split into key and value; whether
 *    it is used as a key is the command's business (echo a=b prints "a=b").
 *  - Values are interpreted only when a command asks for them (args.c): a
 *    number expression (expr.c), a string with $variables, a plain word.
 *    So an error points at the argument that is wrong, in the command's terms.
 *  - The interpreter (interp.c) finds the command in the command tables,
 *    checks keys and argument counts generically, boots the default machine
 *    when a command needs one, runs the handler and stores `-> $var`.
 *
 * Adding a command: write its handler in the commands_*.c of its concept,
 * add a row to that file's table, and (for a new file) list the table in
 * interp.c's scn_command_tables.
 */
#ifndef MMSIM_SIM_SCENARIO_H
#define MMSIM_SIM_SCENARIO_H

#include <stdarg.h>
#include <stdio.h>

#include "include/strbuf.h"
#include "mmsim/gfp.h"
#include "mmsim/scenario.h"
#include "mmsim/types.h"

struct mm_machine;
struct mm_machine_config;

/* What a handler (and a whole run) returns; also the exit statuses. */
enum scn_status {
	SCN_OK = 0,
	SCN_FAILED = 1, /* an expectation failed: reported, the run goes on */
	SCN_ERROR = 2,  /* bad input: reported, the run stops */
};

/* ---- lexer.c: logical lines and tokens ------------------------------------ */

/* A run of logical-line bytes that came from one physical line. */
struct scn_seg {
	size_t off;      /* first logical offset of the run */
	unsigned line;   /* physical line number (1-based) */
	unsigned col;    /* column of that first byte (1-based) */
};

enum scn_tok_kind {
	SCN_TOK_WORD,    /* bare word: 12, $p+4K, gfp=GFP_KERNEL, meminfo.MemFree */
	SCN_TOK_STRING,  /* "quoted" (text holds the raw contents, escapes undecoded) */
	SCN_TOK_ARROW,   /* -> */
};

struct scn_tok {
	enum scn_tok_kind kind;
	size_t off;      /* logical offset of the first character */
	char *text;      /* WORD: the whole word; STRING: raw contents; ARROW: "->" */
	/* A word shaped KEY=VALUE (KEY: a letter or '_', then letters, digits, _ . -). */
	char *key;       /* NULL if the word is not key-shaped */
	char *val;       /* the value: bare text, or raw string contents */
	bool val_quoted; /* KEY="..." */
	size_t val_off;  /* offset of the value (its opening quote when quoted) */
};

struct scn_line {
	const char *file;
	struct strbuf text;         /* the logical line, comment removed */
	struct scn_seg *segs;
	size_t nr_segs, cap_segs;
	struct scn_tok *toks;
	size_t nr_toks, cap_toks;
};

/* Where a lexer or expression error is: logical offset and message. */
struct scn_err {
	size_t off;
	char msg[256];
};

/* Physical lines come from a callback (file, string, readline). */
struct scn_reader {
	const char *name;           /* file name in messages ("<stdin>") */
	scenario_line_fn get;
	void *arg;
	unsigned lineno;            /* physical lines read so far */
	bool eof;
};

void scn_line_init(struct scn_line *ln, const char *file);
void scn_line_reset(struct scn_line *ln);
void scn_line_free(struct scn_line *ln);
/* Append one physical line's text (no newline) at (line, col 1). */
void scn_line_append(struct scn_line *ln, const char *s, size_t n, unsigned line);
/* The physical line and column of logical offset off (off may be len). */
void scn_line_pos(const struct scn_line *ln, size_t off, unsigned *line, unsigned *col);

/* Read the next logical line into ln (joining '\' continuations, dropping
 * comments). Returns 1 if a line was read, 0 at the end of the input. */
int scn_read_line(struct scn_reader *r, struct scn_line *ln);

/* Split ln->text into ln->toks. 0, or -1 with *err (unterminated string,
 * bad escape, unclosed parenthesis...). */
int scn_lex(struct scn_line *ln, struct scn_err *err);

/* Decode a quoted string's raw contents (C escapes, and $name / ${name}
 * interpolated through lookup when it is not NULL). raw_off is the logical
 * offset of raw[0], for error places. 0, or -1 with *err. */
typedef int (*scn_interp_fn)(void *arg, const char *name, struct strbuf *out, char *why,
			     size_t why_len);
int scn_string_decode(const char *raw, size_t raw_off, scn_interp_fn lookup, void *arg,
		      struct strbuf *out, struct scn_err *err);
/* Check that raw string contents hold only valid escapes (the lexer runs
 * this so that a bad escape is found even in an argument nobody reads). */
int scn_string_check(const char *raw, size_t raw_off, struct scn_err *err);

bool scn_is_ident_start(int c);
bool scn_is_ident_char(int c);

/* ---- expr.c: numbers and arithmetic ------------------------------------- */

/*
 * Values are sign and magnitude, so that both a kernel address near 2^64 and
 * a negative sysctl fit; the command that uses a value says which range it
 * accepts. Zero is never negative.
 */
struct scn_num {
	uint64_t mag;
	bool neg;
};

struct scn_expr_env {
	uint64_t page_bytes;        /* what 1p is; 0 when no machine is booted */
	/* Look up $name; 0 and *out, or -1 with a reason in why. */
	int (*lookup)(void *arg, const char *name, struct scn_num *out, char *why, size_t why_len);
	void *arg;
};

/* Evaluate text[0..len) as a number expression. Errors carry offsets
 * relative to text. 0, or -1 with *err. */
int scn_expr_eval(const char *text, size_t len, const struct scn_expr_env *env,
		  struct scn_num *out, struct scn_err *err);

/* Range helpers: true if n fits. */
bool scn_num_to_u64(struct scn_num n, uint64_t *out);
bool scn_num_to_s64(struct scn_num n, int64_t *out);
/* Decimal text of n ("-5", "18446744073709551615") into buf. */
const char *scn_num_str(struct scn_num n, char *buf, size_t len);
/* -1, 0, 1 as a < b, a == b, a > b. */
int scn_num_cmp(struct scn_num a, struct scn_num b);
struct scn_num scn_num_from_s64(int64_t v);
struct scn_num scn_num_from_u64(uint64_t v);

/* ---- interp.c: the session and the command tables -------------------------- */

enum scn_value_kind { SCN_VAL_NUM, SCN_VAL_STR };

/* A variable's value, or what a PATH in `expect` resolves to. */
struct scn_value {
	enum scn_value_kind kind;
	struct scn_num num;
	bool hex;   /* print as 0x... when interpolated (addresses, PFNs) */
	char *str;  /* SCN_VAL_STR; owned */
};

struct scn_var {
	char *name; /* without the '$' */
	struct scn_value v;
};

/* A block handed out by `alloc_pages`, so that `free_pages` can refuse a
 * double free or a wrong order instead of corrupting the buddy lists. */
struct scn_page_block {
	uint64_t pfn;
	unsigned order;
	bool freed;          /* kept after free_pages to explain a double free */
	unsigned freed_line; /* the line of that free_pages */
};

struct scenario {
	FILE *out, *err;
	struct mm_machine *m;       /* NULL until `machine` or the first command that needs one */
	char *boot_file;            /* where the machine was booted, for "machine must come first" */
	unsigned boot_line;
	struct scn_var *vars;
	size_t nr_vars, cap_vars;
	struct scn_page_block *blocks;
	size_t nr_blocks, cap_blocks;
	size_t *block_hash;         /* open addressing by PFN: index + 1, 0 = empty */
	size_t block_hash_cap;      /* a power of two, at least 2 * nr_blocks */
	bool verbose;               /* set verbose on|off */
	unsigned nr_expect_failed;
	unsigned nr_expect_passed;
};

struct scn_ctx;

/* One argument as a command sees it: positional, or the value of KEY=. */
struct scn_arg {
	const char *key;    /* NULL for a positional argument */
	const char *val;    /* bare text, or raw string contents */
	bool quoted;
	size_t val_off;     /* logical offset of the value (the quote if quoted) */
	size_t off;         /* logical offset of the whole argument */
};

enum scn_cmd_flags {
	SCN_F_NO_MACHINE = 1u << 0, /* runs without booting the default machine */
	SCN_F_RESULT = 1u << 1,     /* has a result: `-> $name` may store it */
};

struct scn_cmd {
	const char *name;
	const char *usage;   /* "alloc_pages ORDER [gfp=FLAGS] [cpu=N] [-> $p]" */
	const char *help;    /* one line */
	int (*run)(struct scn_ctx *c);
	const char *keys;    /* keys it takes, space-separated; NULL: none (KEY=V words are
			      * then plain positional words); "*": any (sysctl) */
	int max_pos;         /* at most this many positional arguments; -1: any */
	unsigned flags;      /* SCN_F_* */
};

#define SCN_MAX_ARGS 64

/* Everything a handler gets. */
struct scn_ctx {
	struct scenario *s;
	struct mm_machine *m;        /* the machine (NULL only for SCN_F_NO_MACHINE commands) */
	const struct scn_cmd *cmd;
	const struct scn_line *ln;
	size_t cmd_off;              /* where the command name is */
	struct scn_arg pos[SCN_MAX_ARGS];
	int nr_pos;
	struct scn_arg keys[SCN_MAX_ARGS];
	int nr_keys;
	const struct scn_tok *result_tok; /* the $name after '->', or NULL */
	FILE *out;
	bool has_result;
	struct scn_value result;
};

/* The command tables, one per commands_*.c file, each ended by a NULL name. */
extern const struct scn_cmd scn_cmds_core[];
extern const struct scn_cmd scn_cmds_machine[];
extern const struct scn_cmd scn_cmds_page_alloc[];
extern const struct scn_cmd scn_cmds_view[];
extern const struct scn_cmd scn_cmds_slab[];
extern const struct scn_cmd scn_cmds_kmem[];
extern const struct scn_cmd scn_cmds_file[];
extern const struct scn_cmd scn_cmds_mmap[];   /* commands_mmap.c */
extern const struct scn_cmd scn_cmds_task[];   /* commands_task.c: spawn fork exec exit run */
extern const struct scn_cmd scn_cmds_access[]; /* commands_access.c: read write verify touch */

/* NULL-terminated list of the tables above (interp.c). */
extern const struct scn_cmd *const scn_command_tables[];
const struct scn_cmd *scn_cmd_lookup(const char *name);

/* The most pages one command may access or populate (read, write, verify,
 * touch, mmap flags=populate, madvise populate_*): 1G of 4K pages. A write
 * fault costs ~5 us and a frame of host memory, so a command stays ~2 s long
 * (2^24 pages took ~90 s and 64G of host RAM). */
#define SCN_MAX_PAGES_PER_CMD (1ULL << 18)

/* Report "FILE:LINE:COL: error: ..." at logical offset off; returns SCN_ERROR. */
int scn_error(struct scn_ctx *c, size_t off, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Report "FILE:LINE:COL: KIND: ..." (kind "error", "expect failed", "warning"). */
void scn_report(struct scenario *s, const struct scn_line *ln, size_t off, const char *kind,
		const char *fmt, ...) __attribute__((format(printf, 5, 6)));
void scn_vreport(struct scenario *s, const struct scn_line *ln, size_t off, const char *kind,
		 const char *fmt, va_list ap);

/* Variables: NULL if undefined. */
const struct scn_value *scn_var_get(const struct scenario *s, const char *name);
/* Set (a copy of) v. */
void scn_var_set(struct scenario *s, const char *name, const struct scn_value *v);
void scn_value_free(struct scn_value *v);
/* Text of a value as interpolation prints it (hex for addresses). */
void scn_value_format(const struct scn_value *v, struct strbuf *out);

/* Boot the machine with cfg (the `machine` command); 0 or SCN_ERROR reported at off. */
int scn_boot(struct scn_ctx *c, const struct mm_machine_config *cfg, size_t off);

/* The closest name to `word` among names (edit distance <= 2), or NULL. */
const char *scn_suggest(const char *word, const char *const *names, size_t nr);

/* ---- args.c: what handlers use to read their arguments -------------------- */

/* The i-th positional argument, or NULL after reporting "missing WHAT". */
const struct scn_arg *scn_need_pos(struct scn_ctx *c, int i, const char *what);
/* The i-th positional argument if present, else NULL (no report). */
const struct scn_arg *scn_opt_pos(struct scn_ctx *c, int i);
/* The KEY= argument if present, else NULL. */
const struct scn_arg *scn_opt_key(struct scn_ctx *c, const char *key);

/* Evaluate a as a number expression: raw (any sign/magnitude), or range
 * checked into u64 / s64 with the bounds inclusive. what names the
 * argument in messages ("ORDER"; keys name themselves). 0 or SCN_ERROR. */
int scn_arg_num(struct scn_ctx *c, const struct scn_arg *a, const char *what, struct scn_num *out);
int scn_arg_u64(struct scn_ctx *c, const struct scn_arg *a, const char *what, uint64_t min,
		uint64_t max, uint64_t *out);
int scn_arg_s64(struct scn_ctx *c, const struct scn_arg *a, const char *what, int64_t min,
		int64_t max, int64_t *out);
/* The gfp= key parsed into *gfp (untouched when absent); an unknown flag is
 * reported where it stands. 0 or SCN_ERROR. */
int scn_key_gfp(struct scn_ctx *c, gfp_t *gfp);
/* The cpu= key, checked against the machine's CPUs, into *cpu (untouched
 * when absent); *given (may be NULL) says whether it was there. 0 or SCN_ERROR. */
int scn_key_cpu(struct scn_ctx *c, unsigned *cpu, bool *given);
/* The text of a: quoted strings decoded and $variables interpolated; bare
 * words as written. Appends to out. 0 or SCN_ERROR. */
int scn_arg_text(struct scn_ctx *c, const struct scn_arg *a, struct strbuf *out);
/* A word from a fixed set (on|off, ==, ...): returns its index, or reports
 * "WHAT must be one of: ..." and returns -1. */
int scn_arg_choice(struct scn_ctx *c, const struct scn_arg *a, const char *what,
		   const char *const *choices, size_t nr);
/* The environment expressions see in this context (variables, page size). */
void scn_expr_env_init(struct scn_ctx *c, struct scn_expr_env *env);
/* Evaluate text found at logical offset off (errors are reported there). */
int scn_eval_at(struct scn_ctx *c, const char *text, size_t len, size_t off, struct scn_num *out);

/* Store the command's result (`-> $name`); hex: interpolate as 0x... */
void scn_result_num(struct scn_ctx *c, uint64_t v, bool hex);
void scn_result_s64(struct scn_ctx *c, int64_t v);

/* ---- path.c: what `expect PATH` names ---------------------------------------- */

/*
 * A PATH is ROOT.REST. Resolvers are tried in order; each returns 1 when it
 * owns ROOT (and fills *out), 0 when ROOT is not its, or SCN_ERROR after
 * reporting. Views are one resolver; later layers add theirs (process
 * names, "last", "tlb") to scn_path_resolvers in path.c.
 */
typedef int (*scn_path_resolver)(struct scn_ctx *c, const struct scn_arg *a, const char *root,
				 const char *rest, struct scn_value *out);
int scn_path_resolve(struct scn_ctx *c, const struct scn_arg *a, struct scn_value *out);

/* ---- commands_core.c --------------------------------------------------------- */

/* Print the command list, or one command's usage, to out. 0, or -1 if cmd is unknown. */
int scn_help(FILE *out, const char *cmd);

#endif
