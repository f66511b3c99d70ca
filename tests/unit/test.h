/*
 * test.h - the unit-test framework: a test is a function, a check prints
 * what it expected and what it got, and main() ends with test_summary(),
 * which prints "N passed, N failed" and returns the exit status.
 *
 *   TEST(split_then_merge) { CHECK_EQ(free_blocks(z, 3), 1); }
 *   int main(void) { RUN(split_then_merge); return test_summary(); }
 */
#ifndef MMSIM_TEST_H
#define MMSIM_TEST_H

#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct test_state {
	int passed, failed;
	int cur_failed;
	const char *cur;
};
static struct test_state test_state_; /* test binaries only: one per process */

#define TEST(name) static void test_##name(void)

#define RUN(name)                                                            \
	do {                                                                 \
		test_state_.cur = #name;                                     \
		test_state_.cur_failed = 0;                                  \
		test_##name();                                               \
		if (test_state_.cur_failed) {                                \
			test_state_.failed++;                                \
			printf("FAIL %s\n", #name);                          \
		} else {                                                     \
			test_state_.passed++;                                \
			printf("ok   %s\n", #name);                          \
		}                                                            \
	} while (0)

#define CHECK(cond)                                                          \
	do {                                                                 \
		if (!(cond)) {                                               \
			printf("  %s:%d: %s: CHECK(%s) failed\n", __FILE__,  \
			       __LINE__, test_state_.cur, #cond);            \
			test_state_.cur_failed = 1;                          \
		}                                                            \
	} while (0)

#define CHECK_EQ(a, b)                                                       \
	do {                                                                 \
		uint64_t a_ = (uint64_t)(a), b_ = (uint64_t)(b);             \
		if (a_ != b_) {                                              \
			printf("  %s:%d: %s: %s == %s: got %" PRIu64         \
			       " (0x%" PRIx64 "), want %" PRIu64             \
			       " (0x%" PRIx64 ")\n",                         \
			       __FILE__, __LINE__, test_state_.cur, #a, #b,  \
			       a_, a_, b_, b_);                              \
			test_state_.cur_failed = 1;                          \
		}                                                            \
	} while (0)

#define CHECK_STR(a, b)                                                      \
	do {                                                                 \
		const char *a_ = (a), *b_ = (b);                             \
		if (!a_ || !b_ || strcmp(a_, b_) != 0) {                     \
			printf("  %s:%d: %s: %s: got \"%s\", want \"%s\"\n", \
			       __FILE__, __LINE__, test_state_.cur, #a,      \
			       a_ ? a_ : "(null)", b_ ? b_ : "(null)");      \
			test_state_.cur_failed = 1;                          \
		}                                                            \
	} while (0)

/*
 * Machines for tests, defined only where the including file has pulled in
 * mmsim/machine.h. test_boot ends the binary when boot fails (a test that
 * cannot boot has nothing to check); test_boot_config returns NULL and the
 * test checks it.
 */
#ifdef MMSIM_MACHINE_H
#include <stdlib.h>
/* The default config with arch (NULL: default), ram_bytes and cpus (0: default) set. */
static inline void test_config(struct mm_machine_config *cfg, const char *arch, uint64_t ram_bytes,
			       unsigned cpus)
{
	mm_machine_config_default(cfg);
	if (arch)
		snprintf(cfg->arch, sizeof(cfg->arch), "%s", arch);
	if (ram_bytes)
		cfg->ram_bytes = ram_bytes;
	if (cpus)
		cfg->nr_cpus = cpus;
}

/* Boot cfg; NULL with the reason printed when it fails. */
static inline struct mm_machine *test_boot_config(const struct mm_machine_config *cfg)
{
	char err[256] = "";
	struct mm_machine *m = mm_machine_create(cfg, err, sizeof(err));
	if (!m)
		printf("  boot %s ram=%llu cpus=%u: %s\n", cfg->arch, (unsigned long long)cfg->ram_bytes,
		       cfg->nr_cpus, err);
	return m;
}

/* Boot arch with ram_bytes, cpus and a CMA area, or end the binary. */
static inline struct mm_machine *test_boot(const char *arch, uint64_t ram_bytes, unsigned cpus,
					   uint64_t cma_bytes)
{
	struct mm_machine_config cfg;
	test_config(&cfg, arch, ram_bytes, cpus);
	cfg.cma_bytes = cma_bytes;
	struct mm_machine *m = test_boot_config(&cfg);
	if (!m)
		exit(1);
	return m;
}
#endif

/* ---- text split in lines ----------------------------------------------------- */

struct test_lines {
	char **v;
	size_t n;
};

/* Split text (NULL: nothing) at newlines into l, each line its own string. */
static inline void test_lines_split(const char *text, struct test_lines *l)
{
	l->v = NULL;
	l->n = 0;
	const char *p = text;
	while (p && *p) {
		const char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) : strlen(p);
		char **v = (char **)realloc(l->v, (l->n + 1) * sizeof(*l->v));
		char *line = (char *)malloc(len + 1);
		if (!v || !line) {
			printf("test_lines_split: out of memory\n");
			exit(1);
		}
		l->v = v;
		memcpy(line, p, len);
		line[len] = '\0';
		l->v[l->n++] = line;
		p += len + (nl ? 1 : 0);
	}
}

/* Free what test_lines_split made; l is empty afterwards. */
static inline void test_lines_free(struct test_lines *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

static inline int test_summary(void)
{
	printf("%d passed, %d failed\n", test_state_.passed, test_state_.failed);
	return test_state_.failed ? 1 : 0;
}

#endif
