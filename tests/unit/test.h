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
#include <stdio.h>
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
 * Boot a machine for a test, or end the test binary with the reason: a
 * test that cannot boot has nothing to check. Defined only where the
 * including file has pulled in mmsim/machine.h.
 */
#ifdef MMSIM_MACHINE_H
#include <stdlib.h>
static inline struct mm_machine *test_boot(const char *arch, uint64_t ram_bytes, unsigned cpus,
					   uint64_t cma_bytes)
{
	struct mm_machine_config cfg;
	char err[256];
	mm_machine_config_default(&cfg);
	snprintf(cfg.arch, sizeof(cfg.arch), "%s", arch);
	cfg.ram_bytes = ram_bytes;
	cfg.nr_cpus = cpus;
	cfg.cma_bytes = cma_bytes;
	struct mm_machine *m = mm_machine_create(&cfg, err, sizeof(err));
	if (!m) {
		printf("boot %s failed: %s\n", arch, err);
		exit(1);
	}
	return m;
}
#endif

static inline int test_summary(void)
{
	printf("%d passed, %d failed\n", test_state_.passed, test_state_.failed);
	return test_state_.failed ? 1 : 0;
}

#endif
