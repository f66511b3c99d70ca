/*
 * view.c - the output of a view (text + named fields), its JSON form, and
 * the table of all views.
 *
 * A renderer writes the text a person reads with view_printf and, next to
 * it, records every quantity under a dotted path with view_field_num/str.
 * `expect meminfo.MemFree == 100M` finds the field "MemFree" of the view
 * "meminfo" with view_find; `show meminfo --json` prints view_to_json.
 *
 * JSON nesting: paths are split at '.', each prefix becomes an object, and
 * keys keep the order in which their first field was recorded:
 *
 *   fields                          JSON
 *   Normal.0        = 3             {
 *   Normal.1        = 0               "Normal": { "0": 3, "1": 0 },
 *   DMA32.0         = 1               "DMA32": { "0": 1 },
 *   lines           = 12              "lines": 12
 *                                   }
 *
 * The tree is built in one pass. Children are kept as a singly linked list
 * with a pointer to the last one: renderers record fields grouped by prefix,
 * so the common lookup ("same parent as the previous field") is O(1) and a
 * whole view converts in linear time. A path that is both a value and a
 * prefix ("a" and "a.b") keeps the value under the key "_value" inside the
 * object, so no field is ever lost.
 *
 * Strings are escaped per RFC 8259: quote, backslash and control characters
 * are escaped, valid UTF-8 passes through, and an invalid byte becomes
 * U+FFFD so that the output is always valid JSON whatever a string holds.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mm/mm_struct.h"
#include "proc/view.h"

/* Start an empty output: no text, no fields. */
void view_out_init(struct view_out *o)
{
	sb_init(&o->text);
	o->fields = NULL;
	o->nr_fields = o->cap_fields = 0;
}

/* Free the text and fields; o is left empty and reusable. */
void view_out_free(struct view_out *o)
{
	for (size_t i = 0; i < o->nr_fields; i++) {
		free(o->fields[i].path);
		free(o->fields[i].str);
	}
	free(o->fields);
	sb_free(&o->text);
	view_out_init(o);
}

/* Append formatted text to the view's text. */
void view_printf(struct view_out *o, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	sb_vprintf(&o->text, fmt, ap);
	va_end(ap);
}

static struct view_field *field_new(struct view_out *o, const char *path_fmt, va_list ap)
{
	if (o->nr_fields == o->cap_fields) {
		size_t cap = o->cap_fields ? o->cap_fields * 2 : 32;
		o->fields = xrealloc(o->fields, cap * sizeof(*o->fields));
		o->cap_fields = cap;
	}
	struct strbuf path = STRBUF_INIT;
	sb_vprintf(&path, path_fmt, ap);
	struct view_field *f = &o->fields[o->nr_fields++];
	f->path = sb_detach(&path);
	f->kind = VF_NUM;
	f->num = 0;
	f->str = NULL;
	return f;
}

/* Record a number under the formatted path. */
void view_field_num(struct view_out *o, int64_t v, const char *path_fmt, ...)
{
	va_list ap;
	va_start(ap, path_fmt);
	struct view_field *f = field_new(o, path_fmt, ap);
	va_end(ap);
	f->num = v;
}

/* Record an unsigned number under the formatted path. */
void view_field_u64(struct view_out *o, uint64_t v, const char *path_fmt, ...)
{
	va_list ap;
	va_start(ap, path_fmt);
	struct view_field *f = field_new(o, path_fmt, ap);
	va_end(ap);
	f->kind = VF_UNUM;
	f->num = (int64_t)v;
}

/* Record a copy of string v (NULL: "") under the formatted path. */
void view_field_str(struct view_out *o, const char *v, const char *path_fmt, ...)
{
	va_list ap;
	va_start(ap, path_fmt);
	struct view_field *f = field_new(o, path_fmt, ap);
	va_end(ap);
	f->kind = VF_STR;
	f->str = xstrdup(v ? v : "");
}

/* The first field whose path is exactly path; NULL if none (or NULL args). */
const struct view_field *view_find(const struct view_out *o, const char *path)
{
	if (!o || !path)
		return NULL;
	for (size_t i = 0; i < o->nr_fields; i++)
		if (strcmp(o->fields[i].path, path) == 0)
			return &o->fields[i];
	return NULL;
}

/* ---- JSON ----------------------------------------------------------------- */

struct jnode {
	const char *key;              /* points into a field's path */
	size_t key_len;
	const struct view_field *value; /* NULL for a pure object */
	struct jnode *first, *last;   /* children, in first-seen order */
	struct jnode *next;           /* sibling */
};

static struct jnode *jnode_child(struct jnode *parent, const char *key, size_t len,
				 struct jnode *pool, size_t *used)
{
	struct jnode *c = parent->last;
	if (c && c->key_len == len && memcmp(c->key, key, len) == 0)
		return c;
	for (c = parent->first; c; c = c->next)
		if (c->key_len == len && memcmp(c->key, key, len) == 0)
			return c;
	c = &pool[(*used)++];
	memset(c, 0, sizeof(*c));
	c->key = key;
	c->key_len = len;
	if (parent->last)
		parent->last->next = c;
	else
		parent->first = c;
	parent->last = c;
	return c;
}

/* Length of the UTF-8 sequence starting at s (at most n bytes), 0 if invalid. */
static size_t utf8_seq_len(const unsigned char *s, size_t n)
{
	unsigned c = s[0];
	size_t len;
	unsigned min;
	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf) {
		len = 2;
		min = 0x80;
	} else if (c >= 0xe0 && c <= 0xef) {
		len = 3;
		min = 0x800;
	} else if (c >= 0xf0 && c <= 0xf4) {
		len = 4;
		min = 0x10000;
	} else {
		return 0;
	}
	if (n < len)
		return 0;
	unsigned cp = c & (0xff >> (len + 1));
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3f);
	}
	if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return len;
}

static void json_string(struct strbuf *sb, const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	sb_putc(sb, '"');
	for (size_t i = 0; i < n;) {
		unsigned c = p[i];
		switch (c) {
		case '"': sb_puts(sb, "\\\""); i++; continue;
		case '\\': sb_puts(sb, "\\\\"); i++; continue;
		case '\b': sb_puts(sb, "\\b"); i++; continue;
		case '\f': sb_puts(sb, "\\f"); i++; continue;
		case '\n': sb_puts(sb, "\\n"); i++; continue;
		case '\r': sb_puts(sb, "\\r"); i++; continue;
		case '\t': sb_puts(sb, "\\t"); i++; continue;
		default: break;
		}
		if (c < 0x20 || c == 0x7f) {
			sb_printf(sb, "\\u%04x", c);
			i++;
			continue;
		}
		size_t len = utf8_seq_len(p + i, n - i);
		if (len == 0) {
			sb_puts(sb, "\\ufffd");
			i++;
			continue;
		}
		sb_add(sb, s + i, len);
		i += len;
	}
	sb_putc(sb, '"');
}

static void json_indent(struct strbuf *sb, int depth)
{
	for (int i = 0; i < depth; i++)
		sb_puts(sb, "  ");
}

static void json_value(struct strbuf *sb, const struct view_field *f)
{
	if (f->kind == VF_STR)
		json_string(sb, f->str, strlen(f->str));
	else if (f->kind == VF_UNUM)
		sb_printf(sb, "%llu", (unsigned long long)(uint64_t)f->num);
	else
		sb_printf(sb, "%lld", (long long)f->num);
}

static void json_object(struct strbuf *sb, const struct jnode *n, int depth)
{
	if (!n->first) {
		sb_puts(sb, "{}");
		return;
	}
	sb_puts(sb, "{\n");
	bool first = true;
	if (n->value) {
		/* Both a value and a prefix: the value goes under "_value". */
		json_indent(sb, depth + 1);
		sb_puts(sb, "\"_value\": ");
		json_value(sb, n->value);
		first = false;
	}
	for (const struct jnode *c = n->first; c; c = c->next) {
		if (!first)
			sb_puts(sb, ",\n");
		first = false;
		json_indent(sb, depth + 1);
		json_string(sb, c->key, c->key_len);
		sb_puts(sb, ": ");
		if (c->first)
			json_object(sb, c, depth + 1);
		else if (c->value)
			json_value(sb, c->value);
		else
			sb_puts(sb, "null");
	}
	sb_putc(sb, '\n');
	json_indent(sb, depth);
	sb_putc(sb, '}');
}

/* Append the fields as one pretty-printed JSON object (no final newline). */
void view_to_json(const struct view_out *o, struct strbuf *json)
{
	size_t nodes = 1;
	for (size_t i = 0; i < o->nr_fields; i++) {
		nodes++;
		for (const char *p = o->fields[i].path; *p; p++)
			nodes += *p == '.';
	}
	struct jnode *pool = xcalloc(nodes, sizeof(*pool));
	size_t used = 1;
	struct jnode *root = &pool[0];

	for (size_t i = 0; i < o->nr_fields; i++) {
		const char *path = o->fields[i].path;
		struct jnode *n = root;
		for (;;) {
			const char *dot = strchr(path, '.');
			size_t len = dot ? (size_t)(dot - path) : strlen(path);
			n = jnode_child(n, path, len, pool, &used);
			if (!dot)
				break;
			path = dot + 1;
		}
		n->value = &o->fields[i]; /* a repeated path keeps its last value */
	}
	json_object(json, root, 0);
	free(pool);
}

/* ---- the table of views ------------------------------------------------------ */

const struct view_def view_table[] = {
	{ "meminfo", "meminfo", "system memory usage, as /proc/meminfo", view_meminfo },
	{ "vmstat", "vmstat", "memory-management counters, as /proc/vmstat", view_vmstat },
	{ "buddyinfo", "buddyinfo", "free blocks per zone and order, as /proc/buddyinfo",
	  view_buddyinfo },
	{ "pagetypeinfo", "pagetypeinfo",
	  "free blocks per migrate type and pageblock types, as /proc/pagetypeinfo",
	  view_pagetypeinfo },
	{ "zoneinfo", "zoneinfo [ZONE...]",
	  "per-zone watermarks, counters and per-CPU lists, as /proc/zoneinfo", view_zoneinfo },
	{ "dmesg", "dmesg", "the kernel log: boot memory map, zones, \"Memory:\" line",
	  view_dmesg },
	{ "slabinfo", "slabinfo [CACHE...]", "slab caches: objects, sizes, slabs, as /proc/slabinfo",
	  view_slabinfo },
	{ "pagetable", "pagetable NAME|kernel ADDR",
	  "each page-table level's index, entry and flags for one address", view_pagetable },
	{ "vmallocinfo", "vmallocinfo", "the vmalloc area's busy and lazily freed ranges, as /proc/vmallocinfo",
	  view_vmallocinfo },
	{ "tlb", "tlb [cpuN] [entries]", "each CPU's TLB: geometry, hits, misses, walks, flushes",
	  view_tlb },
	{ "maps", "maps NAME", "a process's memory mappings, as /proc/PID/maps", view_maps },
	{ "smaps", "smaps NAME", "per-mapping memory use (Rss, Pss, Dirty...), as /proc/PID/smaps",
	  view_smaps },
	{ "status", "status NAME", "a process's status and memory lines, as /proc/PID/status",
	  view_status },
	{ "ps", "ps", "every process: pid, CPU, state, VSZ, RSS, faults", view_ps },
	{ "layout", "layout NAME", "a picture of a process's address space: text, data, heap, stack",
	  view_layout },
	{ "translate", "translate NAME ADDR [r|w|x]",
	  "how the MMU translates an address: indices, TLB lookup, each level, the PA", view_translate },
	{ NULL, NULL, NULL, NULL },
};

/* The view called name, or NULL. */
const struct view_def *view_lookup(const char *name)
{
	if (!name)
		return NULL;
	for (const struct view_def *v = view_table; v->name; v++)
		if (strcmp(v->name, name) == 0)
			return v;
	return NULL;
}
