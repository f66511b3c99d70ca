/*
 * gfp_test.c - GFP flags as text: Linux's %pGg rendering (compound names
 * first, in mmflags.h order, leftover bits in hex) and the parser the
 * scenario language uses. Values from include/mmsim/gfp.h (Linux 6.x bits):
 * GFP_KERNEL = __GFP_RECLAIM (0x400|0x800) | __GFP_IO 0x40 | __GFP_FS 0x80
 * = 0xcc0.
 */
#include <string.h>

#include "mm/internal.h"
#include "test.h"

static const char *fmt(gfp_t g)
{
	static char buf[256];
	return gfp_format(g, buf, sizeof(buf));
}

TEST(format_compound_names)
{
	CHECK_EQ(GFP_KERNEL, 0xcc0);
	CHECK_STR(fmt(GFP_KERNEL), "GFP_KERNEL");
	/* 0xcc0 | 0x100 */
	CHECK_STR(fmt(GFP_KERNEL | __GFP_ZERO), "GFP_KERNEL|__GFP_ZERO");
	/* GFP_ATOMIC = __GFP_HIGH 0x20 | __GFP_KSWAPD_RECLAIM 0x800 = 0x820 */
	CHECK_EQ(GFP_ATOMIC, 0x820);
	CHECK_STR(fmt(GFP_ATOMIC), "GFP_ATOMIC");
	/* GFP_HIGHUSER_MOVABLE = GFP_USER 0x100cc0 | __GFP_HIGHMEM 0x2 | __GFP_MOVABLE 0x8 */
	CHECK_EQ(GFP_HIGHUSER_MOVABLE, 0x100cca);
	CHECK_STR(fmt(GFP_HIGHUSER_MOVABLE), "GFP_HIGHUSER_MOVABLE");
	CHECK_STR(fmt(GFP_HIGHUSER_MOVABLE | __GFP_COMP | __GFP_ZERO),
		  "GFP_HIGHUSER_MOVABLE|__GFP_COMP|__GFP_ZERO");
	CHECK_STR(fmt(GFP_USER), "GFP_USER");
	CHECK_STR(fmt(GFP_KERNEL_ACCOUNT), "GFP_KERNEL_ACCOUNT");
	CHECK_STR(fmt(GFP_NOFS), "GFP_NOFS");
	CHECK_STR(fmt(GFP_NOIO), "GFP_NOIO");
	CHECK_STR(fmt(GFP_NOWAIT), "GFP_NOWAIT");
	CHECK_STR(fmt(GFP_DMA), "GFP_DMA");
	CHECK_STR(fmt(GFP_DMA32), "GFP_DMA32");
	/* GFP_KERNEL | __GFP_DMA: the DMA bit is printed after the compound. */
	CHECK_STR(fmt(GFP_KERNEL | GFP_DMA), "GFP_KERNEL|GFP_DMA");
	/* GFP_ATOMIC | __GFP_NOWARN | __GFP_COMP */
	CHECK_STR(fmt(GFP_ATOMIC | __GFP_NOWARN | __GFP_COMP), "GFP_ATOMIC|__GFP_NOWARN|__GFP_COMP");
	/* Just the direct-reclaim bit: __GFP_RECLAIM needs both bits. */
	CHECK_STR(fmt(__GFP_DIRECT_RECLAIM), "__GFP_DIRECT_RECLAIM");
	/* Nothing: "" (Linux prints mode:0x0()). */
	CHECK_STR(fmt(0), "");
	/* Unknown bits print in hex after the names. */
	CHECK_STR(fmt(GFP_KERNEL | 0x10000000u), "GFP_KERNEL|0x10000000");
}

TEST(format_truncates_safely)
{
	char small[8];
	gfp_format(GFP_HIGHUSER_MOVABLE | __GFP_ZERO, small, sizeof(small));
	CHECK_EQ(strlen(small), 7);
	CHECK(strncmp(small, "GFP_HIG", 7) == 0);
	CHECK_STR(gfp_format(GFP_KERNEL, NULL, 0), "");
}

TEST(parse_names)
{
	gfp_t g = 0;
	const char *bad = NULL;
	int bad_len = 0;
	CHECK_EQ(gfp_parse("GFP_KERNEL", &g, &bad, &bad_len), 0);
	CHECK_EQ(g, 0xcc0);
	CHECK_EQ(gfp_parse("GFP_KERNEL|__GFP_ZERO", &g, &bad, &bad_len), 0);
	CHECK_EQ(g, 0xdc0);
	/* With or without the leading "__", spaces around '|'. */
	CHECK_EQ(gfp_parse("GFP_ATOMIC | GFP_ZERO | __GFP_NOWARN", &g, &bad, &bad_len), 0);
	CHECK_EQ(g, 0x820 | 0x100 | 0x2000);
	CHECK_EQ(gfp_parse("__GFP_DMA", &g, &bad, &bad_len), 0);
	CHECK_EQ(g, 0x1);
	CHECK_EQ(gfp_parse("GFP_HIGHMEM|GFP_MOVABLE", &g, &bad, &bad_len), 0);
	CHECK_EQ(g, 0xa);
	CHECK_EQ(gfp_parse("GFP_HIGHUSER_MOVABLE", &g, &bad, &bad_len), 0);
	CHECK_EQ(g, 0x100cca);
	/* Numbers, as the warning prints them. */
	CHECK_EQ(gfp_parse("0xcc0", &g, &bad, &bad_len), 0);
	CHECK_EQ(g, 0xcc0);
	/* Round trip through the printer. */
	static char buf[256];
	gfp_t all[] = { GFP_KERNEL, GFP_ATOMIC | __GFP_COMP, GFP_HIGHUSER_MOVABLE | __GFP_ZERO,
			GFP_DMA32 | __GFP_NORETRY, GFP_NOWAIT | __GFP_NOWARN };
	for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++) {
		CHECK_EQ(gfp_parse(gfp_format(all[i], buf, sizeof(buf)), &g, &bad, &bad_len), 0);
		CHECK_EQ(g, all[i]);
	}
}

TEST(parse_errors_point_at_the_name)
{
	gfp_t g = 0x1234;
	const char *bad = NULL;
	int bad_len = 0;
	const char *s = "GFP_KERNEL|GFP_BOGUS|__GFP_ZERO";
	CHECK_EQ(gfp_parse(s, &g, &bad, &bad_len), -1);
	CHECK(bad == s + 11);
	CHECK_EQ(bad_len, 9);
	CHECK_EQ(g, 0x1234); /* untouched on error */
	CHECK_EQ(gfp_parse("", &g, &bad, &bad_len), -1);
	CHECK_EQ(gfp_parse("GFP_KERNEL|", &g, &bad, &bad_len), -1);
	CHECK_EQ(gfp_parse("GFP_KERNEL GFP_ZERO", &g, &bad, &bad_len), -1);
	CHECK_EQ(gfp_parse("0xzz", &g, &bad, &bad_len), -1);
	CHECK_EQ(gfp_parse("0x100000000", &g, &bad, &bad_len), -1);
	CHECK_EQ(gfp_parse(NULL, &g, &bad, &bad_len), -1);
}

TEST(migratetype_of_gfp)
{
	CHECK_EQ(gfp_migratetype(GFP_KERNEL), MIGRATE_UNMOVABLE);
	CHECK_EQ(gfp_migratetype(GFP_HIGHUSER_MOVABLE), MIGRATE_MOVABLE);
	CHECK_EQ(gfp_migratetype(GFP_KERNEL | __GFP_RECLAIMABLE), MIGRATE_RECLAIMABLE);
	CHECK_EQ(gfp_migratetype(GFP_ATOMIC), MIGRATE_UNMOVABLE);
}

int main(void)
{
	RUN(format_compound_names);
	RUN(format_truncates_safely);
	RUN(parse_names);
	RUN(parse_errors_point_at_the_name);
	RUN(migratetype_of_gfp);
	return test_summary();
}
