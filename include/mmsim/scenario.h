/*
 * mmsim/scenario.h - run the scenario language (.mms) against a machine.
 *
 * A scenario session owns one machine (booted by the `machine` command, or
 * by default when the first command needs one), the `$variables` and the
 * count of failed expectations. Feed it files, strings or lines one after
 * another: they all run in the same machine, in order.
 *
 *   struct scenario *s = scenario_create(stdout, stderr);
 *   int st = scenario_run_file(s, f, "boot.mms");    // SCENARIO_OK/FAILED/ERROR
 *   ...
 *   scenario_destroy(s);                              // destroys the machine too
 *
 * Statuses are the exit statuses of `mmsim run`: 0 every line ran and every
 * expect held; 1 some expect failed (each is reported; the run went on to
 * the end); 2 an input error stopped the run ("FILE:LINE:COL: error: ...").
 */
#ifndef MMSIM_SCENARIO_H
#define MMSIM_SCENARIO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#define SCENARIO_OK 0
#define SCENARIO_FAILED 1
#define SCENARIO_ERROR 2

struct scenario;
struct mm_machine;

/* A new session printing command output to out and diagnostics to err. */
struct scenario *scenario_create(FILE *out, FILE *err);
/* Free the session, its machine and its variables. NULL is fine. */
void scenario_destroy(struct scenario *s);

/* Run every line of f; name is the file name in messages ("<stdin>"). */
int scenario_run_file(struct scenario *s, FILE *f, const char *name);
/* Run the lines of a NUL-terminated text. */
int scenario_run_string(struct scenario *s, const char *text, const char *name);

/*
 * Where lines come from: return the next physical line (malloc'd; the
 * session frees it; a trailing newline is ignored) and its length in *len
 * (it may hold NUL bytes, which are reported as errors), or NULL at the end.
 * continuation is true when the previous line ended in '\' (the shell
 * shows another prompt).
 */
typedef char *(*scenario_line_fn)(void *arg, bool continuation, size_t *len);
/* Run lines from get. keep_going: report errors and go on (the shell)
 * instead of stopping at the first one. */
int scenario_run_lines(struct scenario *s, const char *name, scenario_line_fn get, void *arg,
		       bool keep_going);

/* SCENARIO_FAILED if any expect has failed in this session, else SCENARIO_OK. */
int scenario_status(const struct scenario *s);
/* The session's machine, NULL until one is booted. */
struct mm_machine *scenario_machine(struct scenario *s);

/* The i-th command name (for completion), NULL past the end. */
const char *scenario_command_name(size_t i);
/* Print the command list (cmd NULL) or one command's usage. 0, or -1 if
 * there is no such command. */
int scenario_help(FILE *out, const char *cmd);

#endif
