/*
 * shell.c - `mmsim shell`: the scenario language, one line at a time.
 *
 * On a terminal, GNU readline gives line editing, history (this session
 * only: mmsim writes no file the user did not name) and TAB completion of
 * command names (and of view names after `show` / command names after
 * `help`). From a pipe, lines are read plainly, without prompts.
 *
 *   mmsim> alloc_pages 3 -> $p
 *   alloc_pages: order 3 -> pfn 0x1238 (pa 0x1238000, zone DMA32)
 *   mmsim> free_pages $p 2
 *   <shell>:2:17: error: free_pages: pfn 0x1238 is not an allocated block ...
 *   mmsim> quit
 *
 * An error is printed and the shell goes on (the machine is unchanged by
 * the failed line). `quit` or end-of-file leaves; the exit status is 1 if
 * an expect failed during the session, else 0.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <readline/history.h>
#include <readline/readline.h>

#include "cli/cli.h"
#include "mmsim/scenario.h"
#include "proc/view.h"

struct shell {
	bool tty;
	char *pending; /* the logical line being typed, for history (continuations joined) */
};

/* Put the finished logical line into the history, once. */
static void history_flush(struct shell *sh)
{
	if (sh->pending && sh->pending[0])
		add_history(sh->pending);
	free(sh->pending);
	sh->pending = NULL;
}

/* Remember line as (part of) the logical line: a continuation replaces the
 * previous part's trailing backslash, as the language itself does. */
static void history_note(struct shell *sh, const char *line, bool continuation)
{
	if (!continuation || !sh->pending) {
		free(sh->pending);
		sh->pending = strdup(line);
		return;
	}
	size_t n = strlen(sh->pending);
	while (n && (sh->pending[n - 1] == ' ' || sh->pending[n - 1] == '\t'))
		n--;
	if (n && sh->pending[n - 1] == '\\')
		n--;
	char *joined = malloc(n + strlen(line) + 1);
	if (!joined)
		return;
	memcpy(joined, sh->pending, n);
	strcpy(joined + n, line);
	free(sh->pending);
	sh->pending = joined;
}

static bool is_quit(const char *line)
{
	while (*line == ' ' || *line == '\t')
		line++;
	size_t n = strlen(line);
	while (n && (line[n - 1] == ' ' || line[n - 1] == '\t' || line[n - 1] == '\n' ||
		     line[n - 1] == '\r'))
		n--;
	return n == 4 && strncmp(line, "quit", 4) == 0;
}

static char *shell_get(void *arg, bool continuation, size_t *len)
{
	struct shell *sh = arg;
	char *line;
	if (sh->tty) {
		if (!continuation)
			history_flush(sh);
		line = readline(continuation ? "   ...> " : "mmsim> ");
		if (!line) {
			putchar('\n');
			return NULL;
		}
		history_note(sh, line, continuation);
	} else {
		size_t cap = 0;
		line = NULL;
		if (getline(&line, &cap, stdin) < 0) {
			free(line);
			return NULL;
		}
	}
	if (!continuation && is_quit(line)) {
		free(line);
		return NULL;
	}
	*len = strlen(line);
	return line;
}

/* ---- completion --------------------------------------------------------------- */

/* Readline's match array: [0] the longest common prefix, then the matches. */
static char **matches_from(const char *text, const char *(*name_at)(size_t))
{
	size_t n = 0, cap = 8, tl = strlen(text);
	char **m = malloc(cap * sizeof(*m));
	if (!m)
		return NULL;
	m[n++] = NULL; /* filled in below */
	for (size_t i = 0; name_at(i); i++) {
		const char *name = name_at(i);
		if (strncmp(name, text, tl) != 0)
			continue;
		if (n + 2 > cap) {
			char **bigger = realloc(m, 2 * cap * sizeof(*m));
			if (!bigger)
				break;
			m = bigger;
			cap *= 2;
		}
		m[n++] = strdup(name);
	}
	if (n == 1) {
		free(m);
		return NULL;
	}
	size_t lcp = strlen(m[1]);
	for (size_t i = 2; i < n; i++) {
		size_t j = 0;
		while (j < lcp && m[i][j] == m[1][j])
			j++;
		lcp = j;
	}
	m[0] = strndup(m[1], lcp);
	m[n] = NULL;
	return m;
}

static const char *view_name_at(size_t i)
{
	for (size_t j = 0; view_table[j].name; j++)
		if (j == i)
			return view_table[j].name;
	return NULL;
}

static char **shell_complete(const char *text, int start, int end)
{
	rl_attempted_completion_over = 1; /* never fall back to file names */
	const char *buf = rl_line_buffer;
	int i = 0;
	while (i < start && (buf[i] == ' ' || buf[i] == '\t'))
		i++;
	if (i == start)
		return matches_from(text, scenario_command_name);
	int w = i;
	while (w < start && buf[w] != ' ' && buf[w] != '\t')
		w++;
	for (int j = w; j < start; j++)
		if (buf[j] != ' ' && buf[j] != '\t')
			return NULL; /* only the second word completes */
	if (w - i == 4 && strncmp(buf + i, "show", 4) == 0)
		return matches_from(text, view_name_at);
	if (w - i == 4 && strncmp(buf + i, "help", 4) == 0)
		return matches_from(text, scenario_command_name);
	return NULL;
}

int cli_shell(int argc, char **argv)
{
	if (argc > 1) {
		bool help = strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0;
		fprintf(help ? stdout : stderr,
			"usage: mmsim shell\nThe scenario language, interactive: `help` lists the commands,"
			" `quit` or Ctrl-D leaves.\n");
		return help ? CLI_OK : CLI_USAGE;
	}
	struct shell sh = { isatty(STDIN_FILENO) != 0, NULL };
	if (sh.tty) {
		rl_readline_name = "mmsim";
		rl_attempted_completion_function = shell_complete;
		printf("%s shell: `help` lists the commands, `help COMMAND` shows one; "
		       "`quit` or Ctrl-D leaves.\n", "mmsim " MMSIM_VERSION);
	}
	struct scenario *s = scenario_create(stdout, stderr);
	scenario_run_lines(s, "<shell>", shell_get, &sh, true);
	int rc = scenario_status(s);
	scenario_destroy(s);
	free(sh.pending);
	if (sh.tty)
		clear_history();
	return rc;
}
