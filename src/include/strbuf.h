/*
 * strbuf.h - a growable string, for views, the log and error messages.
 * Allocation failure aborts with a message: mmsim cannot go on without it.
 */
#ifndef MMSIM_STRBUF_H
#define MMSIM_STRBUF_H

#include <stdarg.h>
#include <stddef.h>

struct strbuf {
	char *buf; /* always NUL-terminated once anything was added */
	size_t len, cap;
};

#define STRBUF_INIT { NULL, 0, 0 }

void sb_init(struct strbuf *sb);
void sb_free(struct strbuf *sb);
void sb_reset(struct strbuf *sb);
void sb_add(struct strbuf *sb, const char *s, size_t n);
void sb_puts(struct strbuf *sb, const char *s);
void sb_putc(struct strbuf *sb, char c);
void sb_printf(struct strbuf *sb, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void sb_vprintf(struct strbuf *sb, const char *fmt, va_list ap);
/* The contents ("" when empty). */
const char *sb_str(const struct strbuf *sb);
/* Hand the buffer to the caller (caller frees); sb is left empty. */
char *sb_detach(struct strbuf *sb);

/* malloc/calloc/realloc/strdup that abort with a message on failure. */
void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);

#endif
