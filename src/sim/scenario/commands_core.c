/*
 * commands_core.c - the commands of the language itself, which need no
 * machine: echo, set, help.
 *
 *   echo "free: $free pages"      text; $name and ${name} are interpolated
 *   set verbose on|off            session settings
 *   help [COMMAND]                the command list, or one command's usage
 */
#include <string.h>

#include "proc/view.h"
#include "sim/scenario/scenario.h"

static int cmd_echo(struct scn_ctx *c)
{
	struct strbuf sb = STRBUF_INIT;
	int rc = SCN_OK;
	for (int i = 0; i < c->nr_pos; i++) {
		if (i)
			sb_putc(&sb, ' ');
		if ((rc = scn_arg_text(c, &c->pos[i], &sb)))
			goto out;
	}
	fprintf(c->out, "%s\n", sb_str(&sb));
out:
	sb_free(&sb);
	return rc;
}

/* Session settings: `set NAME VALUE`. */
struct scn_setting {
	const char *name;
	const char *help;
};
static const struct scn_setting scn_settings[] = {
	{ "verbose", "on|off: one line per memory access (TLB hit, walk, fault kind)" },
};

static int cmd_set(struct scn_ctx *c)
{
	static const char *const onoff[] = { "off", "on" };
	const struct scn_arg *name = scn_need_pos(c, 0, "SETTING");
	if (!name)
		return SCN_ERROR;
	const char *names[MM_ARRAY_SIZE(scn_settings)];
	for (size_t i = 0; i < MM_ARRAY_SIZE(scn_settings); i++)
		names[i] = scn_settings[i].name;
	int which = scn_arg_choice(c, name, "SETTING", names, MM_ARRAY_SIZE(names));
	if (which < 0)
		return SCN_ERROR;
	const struct scn_arg *val = scn_need_pos(c, 1, "VALUE");
	if (!val)
		return SCN_ERROR;
	int on = scn_arg_choice(c, val, scn_settings[which].name, onoff, 2);
	if (on < 0)
		return SCN_ERROR;
	c->s->verbose = on;
	return SCN_OK;
}

static int cmd_help(struct scn_ctx *c)
{
	const struct scn_arg *a = scn_opt_pos(c, 0);
	if (!a) {
		scn_help(c->out, NULL);
		return SCN_OK;
	}
	struct strbuf sb = STRBUF_INIT;
	int rc = scn_arg_text(c, a, &sb);
	if (!rc && scn_help(c->out, sb_str(&sb)))
		rc = scn_error(c, a->val_off, "help: unknown command '%s'", sb_str(&sb));
	sb_free(&sb);
	return rc;
}

static const char help_syntax[] =
	"Syntax: one command per line; # starts a comment; \\ at the end continues a line.\n"
	"Numbers: 42  0x2a  64K 2M 1G 1T (x1024^n)  16p (pages)  $var+4K  ($base+3*2M)\n"
	"Strings: \"text with \\n \\t \\\\ \\\" \\xHH and $var\"   Results: COMMAND ... -> $var\n";

int scn_help(FILE *out, const char *cmd)
{
	if (!cmd) {
		fprintf(out, "Commands:\n");
		for (size_t t = 0; scn_command_tables[t]; t++)
			for (const struct scn_cmd *c = scn_command_tables[t]; c->name; c++)
				fprintf(out, "  %-12s %s\n", c->name, c->help);
		fprintf(out, "\n%s`help COMMAND` shows a command's usage.\n", help_syntax);
		return 0;
	}
	const struct scn_cmd *c = scn_cmd_lookup(cmd);
	if (!c)
		return -1;
	fprintf(out, "usage: %s\n  %s\n", c->usage, c->help);
	if (strcmp(c->name, "show") == 0 || strcmp(c->name, "expect") == 0) {
		fprintf(out, "views:\n");
		for (const struct view_def *v = view_table; v->name; v++)
			fprintf(out, "  %-28s %s\n", v->usage, v->help);
	}
	if (strcmp(c->name, "set") == 0) {
		fprintf(out, "settings:\n");
		for (size_t i = 0; i < MM_ARRAY_SIZE(scn_settings); i++)
			fprintf(out, "  %-12s %s\n", scn_settings[i].name, scn_settings[i].help);
	}
	return 0;
}

const struct scn_cmd scn_cmds_core[] = {
	{ "echo", "echo TEXT...", "print the text (\"strings\" with escapes; $var interpolated)",
	  cmd_echo, NULL, -1, SCN_F_NO_MACHINE },
	{ "set", "set verbose on|off", "change a session setting", cmd_set, NULL, 2,
	  SCN_F_NO_MACHINE },
	{ "help", "help [COMMAND]", "list the commands, or show one command's usage", cmd_help, NULL,
	  1, SCN_F_NO_MACHINE },
	{ NULL, NULL, NULL, NULL, NULL, 0, 0 },
};
