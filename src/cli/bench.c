/*
 * bench.c - `mmsim bench [NAME...] [--quick]`: run the micro-benchmarks of
 * bench/ (all of them, or the ones named, in the order given).
 *
 * --quick shortens every loop (a smoke run, as the tests do); the figures
 * are then noisy. Targets are compared in bench/README.md, never here.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench/bench.h" /* bench/ is outside the include path */
#include "cli/cli.h"

static void bench_usage(FILE *f)
{
	fprintf(f, "usage: mmsim bench [NAME...] [--quick]\nBenchmarks:\n");
	for (const struct bench_def *b = bench_table; b->name; b++)
		fprintf(f, "  %-16s %s\n", b->name, b->help);
}

static const struct bench_def *bench_find(const char *name)
{
	for (const struct bench_def *b = bench_table; b->name; b++)
		if (strcmp(b->name, name) == 0)
			return b;
	return NULL;
}

int cli_bench(int argc, char **argv)
{
	int quick = 0, nr = 0, rc = CLI_OK;
	size_t nr_table = 0;
	while (bench_table[nr_table].name)
		nr_table++;
	const struct bench_def **sel = calloc((size_t)argc + nr_table + 1, sizeof(*sel));
	if (!sel) {
		fprintf(stderr, "mmsim bench: out of memory\n");
		return CLI_USAGE;
	}
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (strcmp(a, "--quick") == 0) {
			quick = 1;
		} else if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
			bench_usage(stdout);
			goto out;
		} else if (a[0] == '-') {
			fprintf(stderr, "mmsim bench: unknown option '%s'\n", a);
			bench_usage(stderr);
			rc = CLI_USAGE;
			goto out;
		} else if (!(sel[nr++] = bench_find(a))) {
			fprintf(stderr, "mmsim bench: unknown benchmark '%s'\n", a);
			bench_usage(stderr);
			rc = CLI_USAGE;
			goto out;
		}
	}
	if (nr == 0)
		for (const struct bench_def *b = bench_table; b->name; b++)
			sel[nr++] = b;
	for (int i = 0; i < nr; i++) {
		int r = sel[i]->run(stdout, quick);
		fflush(stdout);
		if (r > rc)
			rc = r;
	}
out:
	free(sel);
	return rc;
}
