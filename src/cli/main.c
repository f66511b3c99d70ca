/*
 * main.c - `mmsim COMMAND ...`: find the subcommand and hand over.
 *
 *   mmsim demo | run FILE... | shell | bench [NAME...] | --help | --version
 *
 * Exit statuses (every subcommand): 0 success, 1 an expect failed, 2 bad
 * usage or bad input.
 */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"

struct cli_cmd {
	const char *name;
	int (*run)(int argc, char **argv);
	const char *usage;
	const char *help;
};

static const struct cli_cmd cli_cmds[] = {
	{ "demo", cli_demo, "demo", "the built-in tour: every layer, narrated, on a default machine" },
	{ "run", cli_run, "run FILE...", "run scenario files in one machine, in order ('-' reads stdin)" },
	{ "shell", cli_shell, "shell", "the scenario language, interactive (`help` lists the commands)" },
	{ "bench", cli_bench, "bench [NAME...] [--quick]", "the model's own micro-benchmarks" },
};

static void usage(FILE *f)
{
	fprintf(f, "usage: mmsim COMMAND [ARGS]\n\n"
		   "The Linux memory-management stack, simulated in user space.\n\n"
		   "Commands:\n");
	for (size_t i = 0; i < sizeof(cli_cmds) / sizeof(cli_cmds[0]); i++)
		fprintf(f, "  mmsim %-26s %s\n", cli_cmds[i].usage, cli_cmds[i].help);
	fprintf(f, "  mmsim %-26s %s\n", "--help", "this text");
	fprintf(f, "  mmsim %-26s %s\n", "--version", "print the version");
	fprintf(f, "\nExit status: 0 success, 1 an expect failed, 2 bad usage or bad input.\n");
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return CLI_USAGE;
	}
	const char *cmd = argv[1];
	if (strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0 || strcmp(cmd, "help") == 0) {
		usage(stdout);
		return CLI_OK;
	}
	if (strcmp(cmd, "--version") == 0 || strcmp(cmd, "-V") == 0) {
		printf("mmsim %s\n", MMSIM_VERSION);
		return CLI_OK;
	}
	for (size_t i = 0; i < sizeof(cli_cmds) / sizeof(cli_cmds[0]); i++)
		if (strcmp(cmd, cli_cmds[i].name) == 0)
			return cli_cmds[i].run(argc - 1, argv + 1);
	fprintf(stderr, "mmsim: unknown command '%s' (try 'mmsim --help')\n", cmd);
	return CLI_USAGE;
}
