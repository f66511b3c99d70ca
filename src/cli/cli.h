/*
 * cli.h - the subcommands of the mmsim program, one file each.
 *
 * Each takes the arguments after "mmsim" (argv[0] is the subcommand's own
 * name) and returns the process exit status: 0 success, 1 an expectation
 * failed, 2 bad usage or bad input.
 */
#ifndef MMSIM_CLI_H
#define MMSIM_CLI_H

#define CLI_OK 0
#define CLI_FAILED 1
#define CLI_USAGE 2

int cli_run(int argc, char **argv);   /* run.c:   mmsim run FILE...|- */
int cli_shell(int argc, char **argv); /* shell.c: mmsim shell */
int cli_demo(int argc, char **argv);  /* demo.c:  mmsim demo */
int cli_bench(int argc, char **argv); /* bench.c: mmsim bench [NAME...] [--quick] */

#endif
