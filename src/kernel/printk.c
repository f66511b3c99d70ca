/*
 * printk.c - the kernel log that `show dmesg` prints.
 *
 * Every line carries the simulated time as Linux stamps it,
 * "[    1.234567] text": seconds with six decimals, right-aligned in five
 * columns. Boot lines are at 0.000000 because the clock starts at boot.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "include/strbuf.h"
#include "mm/internal.h"

static void log_append(struct printk_log *log, const char *s, size_t n)
{
	if (log->len + n + 1 > log->cap) {
		size_t cap = log->cap ? log->cap : 4096;
		while (cap < log->len + n + 1)
			cap *= 2;
		log->buf = xrealloc(log->buf, cap);
		log->cap = cap;
	}
	memcpy(log->buf + log->len, s, n);
	log->len += n;
	log->buf[log->len] = '\0';
}

void printk(struct mm_kernel *k, const char *fmt, ...)
{
	char stamp[32];
	uint64_t us = k->clock_ns / 1000;
	int n = snprintf(stamp, sizeof(stamp), "[%5llu.%06llu] ",
			 (unsigned long long)(us / 1000000), (unsigned long long)(us % 1000000));
	log_append(&k->log, stamp, (size_t)n);

	struct strbuf sb = STRBUF_INIT;
	va_list ap;
	va_start(ap, fmt);
	sb_vprintf(&sb, fmt, ap);
	va_end(ap);
	if (sb.len == 0 || sb.buf[sb.len - 1] != '\n')
		sb_putc(&sb, '\n');
	log_append(&k->log, sb.buf, sb.len);
	sb_free(&sb);
}

void printk_fini(struct printk_log *log)
{
	free(log->buf);
	log->buf = NULL;
	log->len = log->cap = 0;
}
