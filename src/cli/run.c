/*
 * run.c - `mmsim run FILE...`: scenario files, one machine, in order.
 *
 *   mmsim run boot.mms workload.mms     both run in the same machine
 *   mmsim run - < t.mms                 '-' is standard input ("<stdin>" in messages)
 *
 * Every file is opened before anything runs, so a typo in the last name
 * does not leave a half-run scenario behind. The run stops at the first
 * input error (exit 2); failed expectations are all reported and the run
 * goes on to the end (exit 1).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli/cli.h"
#include "mmsim/scenario.h"

static void run_usage(FILE *f)
{
	fprintf(f, "usage: mmsim run FILE... ('-' reads standard input)\n"
		   "Runs scenario files (.mms) in one machine, in order.\n"
		   "Exit status: 0 success, 1 an expect failed, 2 bad usage or bad input.\n");
}

int cli_run(int argc, char **argv)
{
	int nr = 0, rc = CLI_OK, nr_stdin = 0;
	bool opts = true;
	const char **names = calloc((size_t)argc, sizeof(*names));
	FILE **files = calloc((size_t)argc, sizeof(*files));
	if (!names || !files) {
		fprintf(stderr, "mmsim run: out of memory\n");
		rc = CLI_USAGE;
		goto out;
	}
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (opts && (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0)) {
			run_usage(stdout);
			goto out;
		}
		if (opts && strcmp(a, "--") == 0) {
			opts = false;
			continue;
		}
		if (opts && a[0] == '-' && a[1]) {
			fprintf(stderr, "mmsim run: unknown option '%s'\n", a);
			run_usage(stderr);
			rc = CLI_USAGE;
			goto out;
		}
		if (strcmp(a, "-") == 0) {
			if (nr_stdin++) {
				fprintf(stderr, "mmsim run: '-' (standard input) can be given only once\n");
				rc = CLI_USAGE;
				goto out;
			}
			names[nr] = "<stdin>";
			files[nr++] = stdin;
			continue;
		}
		FILE *f = fopen(a, "r");
		struct stat st;
		if (!f || fstat(fileno(f), &st) || S_ISDIR(st.st_mode)) {
			fprintf(stderr, "mmsim run: cannot open '%s': %s\n", a,
				f ? "Is a directory" : strerror(errno));
			if (f)
				fclose(f);
			rc = CLI_USAGE;
			goto out;
		}
		names[nr] = a;
		files[nr++] = f;
	}
	if (nr == 0) {
		fprintf(stderr, "mmsim run: no scenario file given\n");
		run_usage(stderr);
		rc = CLI_USAGE;
		goto out;
	}
	struct scenario *s = scenario_create(stdout, stderr);
	for (int i = 0; i < nr && rc != CLI_USAGE; i++) {
		rc = scenario_run_file(s, files[i], names[i]);
		if (rc != CLI_USAGE && ferror(files[i])) {
			fprintf(stderr, "mmsim run: error reading '%s'\n", names[i]);
			rc = CLI_USAGE;
		}
	}
	scenario_destroy(s);
out:
	for (int i = 0; files && i < nr; i++)
		if (files[i] != stdin)
			fclose(files[i]);
	free(names);
	free(files);
	fflush(stdout);
	return rc;
}
