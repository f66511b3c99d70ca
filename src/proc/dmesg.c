/*
 * dmesg.c - `show dmesg`: the kernel log as `dmesg` prints it.
 *
 *   [    0.000000] BIOS-provided physical RAM map:
 *   [    0.000000] BIOS-e820: [mem 0x0000000000000000-0x0000000000000fff] reserved
 *   ...
 *   [    0.000000] Memory: 113944K/130424K available (...)
 *
 * The lines are printk's (src/kernel/printk.c), each already stamped and
 * newline-terminated, so the view is the buffer itself.
 *
 * Fields: dmesg.lines (the number of lines), dmesg.text (the whole log).
 */
#include <stdio.h>

#include "mm/internal.h"
#include "proc/view.h"
#include "sim/machine.h"

/* Render the kernel log; 0, or -1 if given arguments. */
int view_dmesg(struct mm_machine *m, int argc, const char *const *argv, struct view_out *o,
	       char *err, size_t err_len)
{
	if (argc > 0) {
		snprintf(err, err_len, "takes no arguments");
		return -1;
	}
	const struct printk_log *log = &m->k.log;
	int64_t lines = 0;
	if (log->buf && log->len) {
		sb_add(&o->text, log->buf, log->len);
		for (size_t i = 0; i < log->len; i++)
			lines += log->buf[i] == '\n';
		if (log->buf[log->len - 1] != '\n') {
			/* printk always ends lines; be safe if a writer did not. */
			sb_putc(&o->text, '\n');
			lines++;
		}
	}
	view_field_num(o, lines, "lines");
	view_field_str(o, log->buf ? log->buf : "", "text");
	return 0;
}
