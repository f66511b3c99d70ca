/*
 * slub_debug_test.c - SLUB debugging: the layout with red zones and
 * tracking, the poison bytes, and every violation reported once, in
 * Linux's words, with the bytes restored.
 *
 * Layout worked by hand (x86_64: 8-byte pointers, struct track 32 bytes),
 * kmalloc-64 under slub_debug=FZPU:
 *   object_size 64, align 64 (kmalloc: natural alignment)
 *   64 -> +8 (a red zone word: size == object_size)       = 72 = inuse
 *   free pointer after it (poisoning, orig_size): offset 72  -> 80
 *   two tracks: +64 -> 144; the kmalloc request size: +4   -> 148
 *   red zone word: +8 -> 156; red_left_pad ALIGN(8, 64) = 64 -> 220
 *   ALIGN(220, 64) = 256 = size; 4096/256 = 16 objects per order-0 slab.
 * A slot: [64 left red zone][64 object][8 right red zone][8 fp][64 tracks]
 *         [4 orig size][48 padding 0x5a].
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "mm/internal.h"
#include "mm/slab.h"
#include "proc/view.h"
#include "sim/machine.h"
#include "fixtures.h"
#include "test.h"

static struct mm_machine *boot(const char *slub_debug)
{
	return test_boot_slab(0, slub_debug);
}

static unsigned count(struct mm_machine *m, const char *what)
{
	unsigned n = 0;
	for (const char *p = m->k.log.buf; p && (p = strstr(p, what)); p++)
		n++;
	return n;
}

static bool logged(struct mm_machine *m, const char *what)
{
	return count(m, what) > 0;
}

static uint8_t *bytes(struct mm_machine *m, mm_va_t va)
{
	return kmem_host(&m->k, va);
}

static bool all(const uint8_t *p, uint8_t v, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		if (p[i] != v)
			return false;
	return true;
}

TEST(layout_and_poison)
{
	struct mm_machine *m = boot("FZPU");
	struct mm_kernel *k = &m->k;
	struct kmem_cache *s = kmem_cache_find(k, "kmalloc-64");
	CHECK_EQ(s->flags & DEBUG_DEFAULT_FLAGS, DEBUG_DEFAULT_FLAGS);
	CHECK_EQ(s->inuse, 72);
	CHECK_EQ(s->offset, 72);
	CHECK_EQ(s->red_left_pad, 64);
	CHECK_EQ(s->size, 256);
	CHECK_EQ(s->objects, 16);

	/* An allocated object: poison inside (not zeroed), red zones 0xcc. */
	mm_va_t a = kmalloc_caller(k, 64, GFP_KERNEL, "layout:1");
	uint8_t *p = bytes(m, a);
	CHECK(all(p, POISON_FREE, 63) && p[63] == POISON_END);
	CHECK(all(p - 64, SLUB_RED_ACTIVE, 64));
	CHECK(all(p + 64, SLUB_RED_ACTIVE, 8));
	CHECK(all(p + 148, POISON_INUSE, 256 - 64 - 148)); /* padding */
	/* kmalloc(50): the 14 bytes past the request are red-zoned too. */
	mm_va_t b = kmalloc(k, 50, GFP_KERNEL);
	p = bytes(m, b);
	CHECK(all(p, POISON_FREE, 49) && p[49] == POISON_END);
	CHECK(all(p + 50, SLUB_RED_ACTIVE, 14 + 8));
	/* kzalloc zeroes the request, not the red zone. */
	mm_va_t z = kzalloc(k, 50, GFP_KERNEL);
	CHECK(all(bytes(m, z), 0, 50) && all(bytes(m, z) + 50, SLUB_RED_ACTIVE, 14));

	/* Freed: poison 6b..a5, red zones 0xbb. */
	CHECK_EQ(kfree(k, a), 0);
	p = bytes(m, a);
	CHECK(all(p, POISON_FREE, 63) && p[63] == POISON_END);
	CHECK(all(p - 64, SLUB_RED_INACTIVE, 64));
	CHECK(all(p + 64, SLUB_RED_INACTIVE, 8));
	CHECK_EQ(kfree(k, b), 0);
	CHECK_EQ(kfree(k, z), 0);
	CHECK_EQ(s->nr_errors, 0);
	CHECK(!logged(m, "BUG "));
	test_shutdown(m);
}

/* One byte past a kmalloc-64 object: the right red zone. */
TEST(right_redzone_once)
{
	struct mm_machine *m = boot("FZPU");
	struct mm_kernel *k = &m->k;
	struct kmem_cache *s = kmem_cache_find(k, "kmalloc-64");
	mm_va_t a = kmalloc_caller(k, 64, GFP_KERNEL, "test.mms:3");
	bytes(m, a)[64] = 'A';
	CHECK_EQ(kfree_caller(k, a, "test.mms:5"), -EINVAL); /* refused: not freed */
	CHECK_EQ(count(m, "Right Redzone overwritten"), 1);
	CHECK_EQ(s->nr_errors, 1);

	char want[200];
	CHECK(logged(m, "=============================================================================\n"));
	CHECK(logged(m, "] BUG kmalloc-64 (Not tainted): Right Redzone overwritten\n"));
	CHECK(logged(m, "-----------------------------------------------------------------------------\n"));
	/* The slot is page-aligned within its order-0 slab: the fault is at
	 * slot + 64 (left red zone) + 64 (object). */
	unsigned long long off = (a & 4095) + 64;
	snprintf(want, sizeof(want), "] 0x%016llx-0x%016llx @offset=%llu. First byte 0x41 instead of 0xcc\n",
		 (unsigned long long)a + 64, (unsigned long long)a + 64, off);
	CHECK(logged(m, want));
	CHECK(logged(m, "] Allocated in test.mms:3 age=0 cpu=0 pid=0\n"));
	snprintf(want, sizeof(want), "] Object 0x%016llx @offset=%llu fp=0x", (unsigned long long)a,
		 (unsigned long long)(a & 4095));
	CHECK(logged(m, want));
	snprintf(want, sizeof(want), "] Redzone  %016llx: cc cc cc cc cc cc cc cc cc cc cc cc cc cc cc cc  ................\n",
		 (unsigned long long)a - 64);
	CHECK(logged(m, want));
	snprintf(want, sizeof(want), "] Redzone  %016llx: 41 cc cc cc cc cc cc cc                          A.......\n",
		 (unsigned long long)a + 64);
	CHECK(logged(m, want));
	snprintf(want, sizeof(want), "] FIX kmalloc-64: Restoring Right Redzone 0x%016llx-0x%016llx=0xcc\n",
		 (unsigned long long)a + 64, (unsigned long long)a + 64);
	CHECK(logged(m, want));
	snprintf(want, sizeof(want), "] FIX kmalloc-64: Object at 0x%016llx not freed\n",
		 (unsigned long long)a);
	CHECK(logged(m, want));
	CHECK(logged(m, "Disabling lock debugging due to kernel taint"));
	CHECK(logged(m, "Call Trace:\n"));

	/* Restored: freeing again works and reports nothing new. */
	CHECK_EQ(bytes(m, a)[64], SLUB_RED_ACTIVE);
	CHECK_EQ(kfree(k, a), 0);
	CHECK_EQ(count(m, "Redzone overwritten"), 1);
	CHECK_EQ(s->nr_errors, 1);
	/* The next report says the kernel is tainted. */
	mm_va_t b = kmalloc(k, 64, GFP_KERNEL);
	bytes(m, b)[-1] = 0;
	CHECK_EQ(kfree(k, b), -EINVAL);
	CHECK(logged(m, "BUG kmalloc-64 (Tainted: G    B             ): Left Redzone overwritten"));
	CHECK_EQ(count(m, "Left Redzone overwritten"), 1);
	CHECK_EQ(kfree(k, b), 0);
	test_shutdown(m);
}

/* Past the 50 bytes asked for but inside kmalloc-64: the kmalloc red zone. */
TEST(kmalloc_redzone_once)
{
	struct mm_machine *m = boot("FZPU");
	struct mm_kernel *k = &m->k;
	mm_va_t a = kmalloc(k, 50, GFP_KERNEL);
	memcpy(bytes(m, a) + 48, "XYZ", 3); /* 48, 49 fine; 50 is one too far */
	CHECK_EQ(kfree(k, a), -EINVAL);
	CHECK_EQ(count(m, "kmalloc Redzone overwritten"), 1);
	char want[160];
	snprintf(want, sizeof(want), "0x%016llx-0x%016llx @offset=%llu. First byte 0x5a instead of 0xcc",
		 (unsigned long long)a + 50, (unsigned long long)a + 50,
		 (unsigned long long)(a & 4095) + 50);
	CHECK(logged(m, want));
	CHECK_EQ(kfree(k, a), 0);
	CHECK_EQ(count(m, "Redzone overwritten"), 1);

	/* After ksize the caller may use the whole class: no red zone past 50. */
	mm_va_t b = kmalloc(k, 50, GFP_KERNEL);
	CHECK_EQ(ksize(k, b), 64);
	bytes(m, b)[60] = 1;
	CHECK_EQ(kfree(k, b), 0);
	CHECK_EQ(count(m, "Redzone overwritten"), 1);
	test_shutdown(m);
}

/* A double free: found on the slab's freelist. */
TEST(double_free_once)
{
	struct mm_machine *m = boot("FZPU");
	struct mm_kernel *k = &m->k;
	struct kmem_cache *s = kmem_cache_create(k, "df", 32, 0, 0, NULL);
	mm_va_t a = kmem_cache_alloc_caller(k, s, GFP_KERNEL, "df.mms:1");
	mm_va_t a2 = kmem_cache_alloc(k, s, GFP_KERNEL); /* keeps the slab's inuse above 0 */
	CHECK_EQ(kmem_cache_free_caller(k, s, a, "df.mms:2"), 0);
	CHECK_EQ(kfree_caller(k, a, "df.mms:3"), -EINVAL);
	CHECK_EQ(count(m, "Object already free"), 1);
	CHECK(logged(m, "BUG df (Not tainted): Object already free"));
	CHECK(logged(m, "] Allocated in df.mms:1 age=0 cpu=0 pid=0\n"));
	CHECK(logged(m, "] Freed in df.mms:2 age=0 cpu=0 pid=0\n"));
	/* The object is free, once: the next allocation hands it out once. */
	mm_va_t b = kmem_cache_alloc(k, s, GFP_KERNEL), c = kmem_cache_alloc(k, s, GFP_KERNEL);
	CHECK_EQ(b, a);
	CHECK(c != a);
	kfree(k, b);
	kfree(k, c);
	kfree(k, a2);
	CHECK_EQ(s->nr_allocated, 0);
	CHECK(kmem_cache_validate(k, s));

	/* The last object of a slab freed twice: its slab has nothing in use,
	 * which free_debug_processing checks first (as Linux does). */
	mm_va_t d = kmem_cache_alloc(k, s, GFP_KERNEL);
	struct kmem_cache *t = kmem_cache_create(k, "df2", 32, 0, 0, NULL);
	mm_va_t e = kmem_cache_alloc(k, t, GFP_KERNEL);
	CHECK_EQ(kfree(k, e), 0);
	CHECK_EQ(kfree(k, e), -EINVAL);
	CHECK(logged(m, "BUG df2 (Tainted: G    B             ): Slab has 0 allocated objects but 1 are to be freed"));
	kfree(k, d);
	test_shutdown(m);
}

/* A write after free: the poison is checked when the object comes back. */
TEST(use_after_free_once)
{
	struct mm_machine *m = boot("FZPU");
	struct mm_kernel *k = &m->k;
	struct kmem_cache *s = kmem_cache_create(k, "uaf", 64, 0, 0, NULL);
	CHECK(kmem_cache_debug(s)); /* slub_debug applies to new caches too */
	mm_va_t a = kmem_cache_alloc(k, s, GFP_KERNEL);
	CHECK_EQ(kmem_cache_free(k, s, a), 0);
	bytes(m, a)[10] = 0x00;
	/* a heads its slab's freelist: the allocation checks it, reports,
	 * restores, gives up that slab ("Marking all objects used") and
	 * allocates from a new one. */
	mm_va_t b = kmem_cache_alloc(k, s, GFP_KERNEL);
	CHECK(b != 0 && b != a);
	CHECK_EQ(count(m, "Poison overwritten"), 1);
	char want[160];
	snprintf(want, sizeof(want), "0x%016llx-0x%016llx @offset=%llu. First byte 0x0 instead of 0x6b",
		 (unsigned long long)a + 10, (unsigned long long)a + 10,
		 (unsigned long long)(a & 4095) + 10);
	CHECK(logged(m, want));
	CHECK(logged(m, "FIX uaf: Restoring Poison"));
	CHECK(logged(m, "FIX uaf: Marking all objects used"));
	CHECK_EQ(bytes(m, a)[10], POISON_FREE);
	mm_va_t c = kmem_cache_alloc(k, s, GFP_KERNEL);
	CHECK(c != 0);
	CHECK_EQ(count(m, "Poison overwritten"), 1);
	CHECK_EQ(s->nr_errors, 1);
	kmem_cache_free(k, s, b);
	kmem_cache_free(k, s, c);

	/* A poisoned object in a slab that is discarded: free_slab checks. */
	struct kmem_cache *t = kmem_cache_create(k, "uaf2", 64, 0, 0, NULL);
	mm_va_t x = kmem_cache_alloc(k, t, GFP_KERNEL);
	kmem_cache_free(k, t, x);
	bytes(m, x)[63] = 0x11; /* the POISON_END byte */
	kmem_cache_shrink(k, t);
	CHECK_EQ(count(m, "End Poison overwritten"), 1);
	CHECK_EQ(t->node.nr_slabs, 0);
	test_shutdown(m);
}

TEST(bad_pointers)
{
	struct mm_machine *m = boot("FZPU");
	struct mm_kernel *k = &m->k;
	uint64_t live64 = kmem_cache_find(k, "kmalloc-64")->nr_allocated;
	mm_va_t a = kmalloc(k, 64, GFP_KERNEL);
	CHECK_EQ(kfree(k, a + 8), -EINVAL);
	CHECK_EQ(count(m, "Invalid object pointer"), 1);
	char want[160];
	snprintf(want, sizeof(want), "BUG kmalloc-64 (Not tainted): Invalid object pointer 0x%016llx",
		 (unsigned long long)a + 8);
	CHECK(logged(m, want));
	CHECK(logged(m, "] Slab 0x"));

	/* A page that is not a slab: a page the buddy allocator hands out. */
	struct page *pg = alloc_pages(k, GFP_KERNEL, 0);
	mm_va_t pva = k->arch->page_offset + ((mm_va_t)page_to_pfn(k, pg) << k->page_shift);
	CHECK_EQ(kfree(k, pva), -EINVAL);
	snprintf(want, sizeof(want), "kfree of non-slab address 0x%016llx", (unsigned long long)pva);
	CHECK(logged(m, want));
	CHECK(logged(m, "------------[ cut here ]------------"));
	__free_pages(k, pg, 0);
	CHECK_EQ(kfree(k, 0x4000), -EINVAL);
	CHECK_EQ(count(m, "kfree of non-slab address"), 2);

	/* kmem_cache_free with the wrong cache: a warning, freed to the right one. */
	struct kmem_cache *c32 = kmem_cache_find(k, "kmalloc-32");
	CHECK_EQ(kmem_cache_free(k, c32, a), 0);
	CHECK(logged(m, "kmem_cache_free: Wrong slab cache. kmalloc-32 but object is from kmalloc-64"));
	CHECK_EQ(kmem_cache_find(k, "kmalloc-64")->nr_allocated, live64);
	test_shutdown(m);
}

/* Padding after the last slot, and padding inside a slot. */
TEST(padding_once)
{
	struct mm_machine *m = boot("FZPU");
	struct mm_kernel *k = &m->k;
	/* 100 bytes under FZPU: 104 (inuse), fp 112, tracks 176, red zone word
	 * 184, left pad 8: 192 per slot, 21 per page, 4096 - 21*192 = 64 bytes
	 * of slab padding at the end. In a slot, padding is [176, 184) from the
	 * object (the slot's last 8 bytes). */
	struct kmem_cache *s = kmem_cache_create(k, "pad", 100, 0, 0, NULL);
	CHECK_EQ(s->size, 192);
	mm_va_t a = kmem_cache_alloc(k, s, GFP_KERNEL);
	mm_va_t base = a - s->red_left_pad;
	CHECK_EQ(base & 4095, 0);
	bytes(m, base)[4090] = 0;
	mm_va_t b = kmem_cache_alloc(k, s, GFP_KERNEL); /* check_slab runs */
	CHECK_EQ(count(m, "Padding overwritten"), 1);
	char want[160];
	snprintf(want, sizeof(want), "Padding overwritten. 0x%016llx-0x%016llx @offset=4090",
		 (unsigned long long)base + 4090, (unsigned long long)base + 4090);
	CHECK(logged(m, want));
	mm_va_t c = kmem_cache_alloc(k, s, GFP_KERNEL);
	CHECK_EQ(count(m, "Padding overwritten"), 1);

	bytes(m, b)[180] = 0;
	CHECK_EQ(kmem_cache_free(k, s, b), 0); /* reported, restored, still freed */
	CHECK_EQ(count(m, "Object padding overwritten"), 1);
	CHECK_EQ(bytes(m, b)[180], POISON_INUSE);
	kmem_cache_free(k, s, a);
	kmem_cache_free(k, s, c);
	CHECK_EQ(s->nr_errors, 2);
	test_shutdown(m);
}

/* kmem_cache_destroy with objects left; exact counts of debug caches. */
TEST(destroy_and_counts)
{
	struct mm_machine *m = boot("FZPU");
	struct mm_kernel *k = &m->k;
	struct kmem_cache *s = kmem_cache_create(k, "leaky", 64, 0, 0, NULL);
	mm_va_t o[3];
	for (int i = 0; i < 3; i++)
		o[i] = kmem_cache_alloc_caller(k, s, GFP_KERNEL, "leak.mms:7");
	/* 64 bytes, not a kmalloc cache (align 8, no request size kept): 72
	 * inuse, fp 80, tracks 144, red zone word 152, left pad 8: 160 per
	 * slot, 4096/160 = 25 per slab. Debug caches never use cpu slabs:
	 * slabinfo counts exactly. */
	CHECK_EQ(s->size, 160);
	struct slabinfo si;
	kmem_cache_get_slabinfo(s, &si);
	CHECK_EQ(si.active_objs, 3);
	CHECK_EQ(si.num_objs, 25);
	CHECK_EQ(kmem_cache_destroy_caller(k, s, "leak.mms:9"), -EBUSY);
	CHECK(logged(m, "BUG leaky (Not tainted): Objects remaining in leaky on __kmem_cache_shutdown()"));
	CHECK(logged(m, "kmem_cache_destroy leaky: Slab cache still has objects when called from leak.mms:9"));
	CHECK_EQ(count(m, "] Allocated in leak.mms:7"), 3);
	char want[100];
	snprintf(want, sizeof(want), "] Object 0x%016llx @offset=%llu\n", (unsigned long long)o[2],
		 (unsigned long long)(o[2] & 4095));
	CHECK(logged(m, want));
	CHECK(kmem_cache_find(k, "leaky") == s);
	for (int i = 0; i < 3; i++)
		CHECK_EQ(kmem_cache_free(k, s, o[i]), 0);
	CHECK_EQ(kmem_cache_destroy(k, s), 0);
	CHECK(kmem_cache_find(k, "leaky") == NULL);
	test_shutdown(m);
}

TEST(slub_debug_option)
{
	slab_flags_t f;
	char why[128];
	CHECK_EQ(slub_debug_parse("FZPU", &f, why, sizeof(why)), 0);
	CHECK_EQ(f, DEBUG_DEFAULT_FLAGS);
	CHECK_EQ(slub_debug_parse("", &f, why, sizeof(why)), 0);
	CHECK_EQ(f, 0);
	CHECK_EQ(slub_debug_parse("U,kmalloc-64", &f, why, sizeof(why)), 0);
	CHECK_EQ(f, 0); /* only the named caches */
	CHECK_EQ(slub_debug_parse("FZ;P,dentry", &f, why, sizeof(why)), 0);
	CHECK_EQ(f, SLAB_CONSISTENCY_CHECKS | SLAB_RED_ZONE);
	CHECK_EQ(slub_debug_parse("FQ", &f, why, sizeof(why)), -EINVAL);
	CHECK(strstr(why, "'Q'") != NULL);

	struct mm_machine *m = boot("U,kmalloc-64");
	struct mm_kernel *k = &m->k;
	CHECK_EQ(kmem_cache_find(k, "kmalloc-64")->flags & SLAB_DEBUG_FLAGS, SLAB_STORE_USER);
	CHECK_EQ(kmem_cache_find(k, "kmalloc-640") == NULL, 1);
	CHECK_EQ(kmem_cache_find(k, "kmalloc-32")->flags & SLAB_DEBUG_FLAGS, 0);
	CHECK_EQ(kmem_cache_find(k, "dma-kmalloc-64")->flags & SLAB_DEBUG_FLAGS, 0);
	test_shutdown(m);

	m = boot("FZ;P,dentry");
	k = &m->k;
	CHECK_EQ(kmem_named_cache(k, KMEM_DENTRY)->flags & SLAB_DEBUG_FLAGS, SLAB_POISON);
	CHECK_EQ(kmem_cache_find(k, "kmalloc-64")->flags & SLAB_DEBUG_FLAGS,
		 SLAB_CONSISTENCY_CHECKS | SLAB_RED_ZONE);
	test_shutdown(m);

	/* Globs: "kmalloc-*" matches every kmalloc-N cache. */
	m = boot("Z,kmalloc-*");
	k = &m->k;
	CHECK(kmem_cache_find(k, "kmalloc-8k")->flags & SLAB_RED_ZONE);
	CHECK(!(kmem_cache_find(k, "dma-kmalloc-8")->flags & SLAB_RED_ZONE));
	test_shutdown(m);
}

int main(void)
{
	RUN(layout_and_poison);
	RUN(right_redzone_once);
	RUN(kmalloc_redzone_once);
	RUN(double_free_once);
	RUN(use_after_free_once);
	RUN(bad_pointers);
	RUN(padding_once);
	RUN(destroy_and_counts);
	RUN(slub_debug_option);
	return test_summary();
}
