/*
 * view_test.c - struct view_out: text, fields, view_find, the JSON form
 * (nesting by dotted paths, key order, escaping) and the view table.
 * Expected JSON is written out by hand from the rules in view.c.
 */
#include <stdlib.h>
#include <string.h>

#include "proc/view.h"
#include "test.h"

static char *json_of(const struct view_out *o)
{
	struct strbuf sb = STRBUF_INIT;
	view_to_json(o, &sb);
	return sb_detach(&sb);
}

TEST(text_accumulates)
{
	struct view_out o;
	view_out_init(&o);
	view_printf(&o, "a %d\n", 1);
	view_printf(&o, "%s", "b\n");
	CHECK_STR(sb_str(&o.text), "a 1\nb\n");
	view_out_free(&o);
	/* Freed output is empty and reusable. */
	CHECK_EQ(o.nr_fields, 0);
	CHECK_STR(sb_str(&o.text), "");
	view_printf(&o, "x");
	CHECK_STR(sb_str(&o.text), "x");
	view_out_free(&o);
}

TEST(find_exact_path)
{
	struct view_out o;
	view_out_init(&o);
	view_field_num(&o, 3, "%s.%u", "Normal", 0u);
	view_field_num(&o, -7, "Normal.10");
	view_field_str(&o, "killed:segv", "A.state");
	const struct view_field *f = view_find(&o, "Normal.0");
	CHECK(f != NULL);
	if (f) {
		CHECK_EQ(f->kind, VF_NUM);
		CHECK_EQ(f->num, 3);
	}
	f = view_find(&o, "Normal.10");
	CHECK(f && f->num == -7);
	f = view_find(&o, "A.state");
	CHECK(f && f->kind == VF_STR);
	if (f)
		CHECK_STR(f->str, "killed:segv");
	/* Prefixes and near misses are not matches. */
	CHECK(view_find(&o, "Normal") == NULL);
	CHECK(view_find(&o, "Normal.1") == NULL);
	CHECK(view_find(&o, "normal.0") == NULL);
	CHECK(view_find(&o, "") == NULL);
	CHECK(view_find(&o, NULL) == NULL);
	CHECK(view_find(NULL, "Normal.0") == NULL);
	view_out_free(&o);
}

TEST(json_empty)
{
	struct view_out o;
	view_out_init(&o);
	char *j = json_of(&o);
	CHECK_STR(j, "{}");
	free(j);
	view_out_free(&o);
}

TEST(json_nesting_and_order)
{
	struct view_out o;
	view_out_init(&o);
	view_field_num(&o, 1, "a");
	view_field_num(&o, 2, "b.c");
	view_field_str(&o, "x", "b.d");
	view_field_num(&o, 3, "e.f.g");
	view_field_num(&o, 4, "b.h"); /* back to an earlier object: joins it */
	view_field_num(&o, -5, "z");
	char *j = json_of(&o);
	CHECK_STR(j, "{\n"
		     "  \"a\": 1,\n"
		     "  \"b\": {\n"
		     "    \"c\": 2,\n"
		     "    \"d\": \"x\",\n"
		     "    \"h\": 4\n"
		     "  },\n"
		     "  \"e\": {\n"
		     "    \"f\": {\n"
		     "      \"g\": 3\n"
		     "    }\n"
		     "  },\n"
		     "  \"z\": -5\n"
		     "}");
	free(j);
	view_out_free(&o);
}

TEST(json_value_and_prefix)
{
	/* "a" is both a value and a prefix of "a.b": the value is kept. */
	struct view_out o;
	view_out_init(&o);
	view_field_num(&o, 1, "a");
	view_field_num(&o, 2, "a.b");
	view_field_num(&o, 9, "c");
	view_field_num(&o, 10, "c"); /* repeated path: the last value wins */
	char *j = json_of(&o);
	CHECK_STR(j, "{\n"
		     "  \"a\": {\n"
		     "    \"_value\": 1,\n"
		     "    \"b\": 2\n"
		     "  },\n"
		     "  \"c\": 10\n"
		     "}");
	free(j);
	view_out_free(&o);
}

TEST(json_large_numbers)
{
	struct view_out o;
	view_out_init(&o);
	view_field_num(&o, INT64_MAX, "max");
	view_field_num(&o, INT64_MIN, "min");
	char *j = json_of(&o);
	CHECK_STR(j, "{\n"
		     "  \"max\": 9223372036854775807,\n"
		     "  \"min\": -9223372036854775808\n"
		     "}");
	free(j);
	view_out_free(&o);
}

TEST(json_escaping)
{
	struct view_out o;
	view_out_init(&o);
	/* Quote, backslash, the named control escapes, other controls and DEL. */
	view_field_str(&o, "q\"b\\ \b\f\n\r\t \x01\x1f\x7f", "s");
	/* Valid UTF-8 (e-acute, euro sign, an emoji) passes through. */
	view_field_str(&o, "\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80", "utf8");
	/* Invalid bytes become U+FFFD, one per byte: a lone continuation, a
	 * truncated sequence, an overlong '/', a surrogate, 0xff. */
	view_field_str(&o, "\x80|\xc3|\xc0\xaf|\xed\xa0\x80|\xff", "bad");
	/* Keys are escaped too. */
	view_field_num(&o, 1, "we\"ird\\key");
	char *j = json_of(&o);
	CHECK_STR(j, "{\n"
		     "  \"s\": \"q\\\"b\\\\ \\b\\f\\n\\r\\t \\u0001\\u001f\\u007f\",\n"
		     "  \"utf8\": \"\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80\",\n"
		     "  \"bad\": \"\\ufffd|\\ufffd|\\ufffd\\ufffd|\\ufffd\\ufffd\\ufffd|\\ufffd\",\n"
		     "  \"we\\\"ird\\\\key\": 1\n"
		     "}");
	free(j);
	view_out_free(&o);
}

TEST(json_many_fields)
{
	/* A wide, flat view (vmstat has ~200 keys) and a deep one both convert
	 * with every field present once. */
	struct view_out o;
	view_out_init(&o);
	for (int i = 0; i < 500; i++)
		view_field_num(&o, i, "k%d", i);
	for (int i = 0; i < 50; i++)
		view_field_num(&o, i, "zone%d.order.%d", i % 5, i);
	char *j = json_of(&o);
	CHECK(strstr(j, "\"k0\": 0,\n") != NULL);
	CHECK(strstr(j, "\"k499\": 499,\n") != NULL);
	CHECK(strstr(j, "\"zone4\": {\n    \"order\": {\n      \"4\": 4,\n      \"9\": 9,") != NULL);
	size_t colons = 0;
	for (const char *p = j; *p; p++)
		colons += *p == ':';
	/* 500 flat keys + 5 zones + 5 "order" objects + 50 leaves. */
	CHECK_EQ(colons, 500 + 5 + 5 + 50);
	free(j);
	view_out_free(&o);
}

TEST(view_table_lookup)
{
	static const char *const names[] = { "meminfo", "vmstat", "buddyinfo", "pagetypeinfo",
					     "zoneinfo", "dmesg", "pagetable" };
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		const struct view_def *v = view_lookup(names[i]);
		CHECK(v != NULL);
		if (!v)
			continue;
		CHECK_STR(v->name, names[i]);
		CHECK(v->render != NULL);
		CHECK(v->usage && strncmp(v->usage, names[i], strlen(names[i])) == 0);
		CHECK(v->help && v->help[0]);
	}
	CHECK(view_lookup("nope") == NULL);
	CHECK(view_lookup("") == NULL);
	CHECK(view_lookup(NULL) == NULL);
	CHECK(view_lookup("MEMINFO") == NULL);
	/* Every entry is complete and names are unique (the table grows as
	 * layers add views, so its length is not fixed here). */
	size_t n = 0;
	for (const struct view_def *v = view_table; v->name; v++) {
		n++;
		CHECK(v->render && v->usage && v->help);
		CHECK(view_lookup(v->name) == v);
	}
	CHECK(n >= sizeof(names) / sizeof(names[0]));
	CHECK(view_lookup("pagetable")->render == view_pagetable);
	CHECK(view_lookup("meminfo")->render == view_meminfo);
}

int main(void)
{
	RUN(text_accumulates);
	RUN(find_exact_path);
	RUN(json_empty);
	RUN(json_nesting_and_order);
	RUN(json_value_and_prefix);
	RUN(json_large_numbers);
	RUN(json_escaping);
	RUN(json_many_fields);
	RUN(view_table_lookup);
	return test_summary();
}
