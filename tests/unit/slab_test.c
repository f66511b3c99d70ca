/*
 * slab_test.c - SLUB and kmalloc: size classes, slab layout and order,
 * the per-CPU and partial lists, kmalloc_large, krealloc/ksize/kcalloc,
 * slabinfo, and two machines side by side.
 *
 * Every expected number is worked out by hand in the comment beside it,
 * from Linux 6.x's rules (mm/slub.c calculate_sizes/calculate_order):
 *   min_objects = 4 * (fls(nr_cpus) + 1): 8 with 1 CPU, 12 with 2
 *   slub_max_order = 3; order = the smallest from get_order(min_objects *
 *   size) up to 3 that wastes <= 1/16 of the slab, else <= 1/8, 1/4, 1/2.
 * x86_64, 4K pages, 8-byte pointers.
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

static int64_t slabinfo_field(struct mm_machine *m, const char *path)
{
	struct view_out o;
	char err[128];
	view_out_init(&o);
	int64_t v = -1;
	if (view_slabinfo(m, 0, NULL, &o, err, sizeof(err)) == 0) {
		const struct view_field *f = view_find(&o, path);
		if (f)
			v = f->num;
	}
	view_out_free(&o);
	return v;
}

static const char *class_name(struct mm_machine *m, size_t size, gfp_t gfp)
{
	struct kmem_cache *s = kmalloc_slab(&m->k, size, gfp);
	return s ? s->name : "(none)";
}

/* kmalloc_index at every boundary. */
TEST(kmalloc_classes)
{
	struct mm_machine *m = test_boot_slab(1, "");
	CHECK_EQ(kmalloc_index(0), 0);
	CHECK_EQ(kmalloc_index(1), 3);
	CHECK_EQ(kmalloc_index(8), 3);     /* <= 8: kmalloc-8 */
	CHECK_EQ(kmalloc_index(9), 4);     /* 9..16 */
	CHECK_EQ(kmalloc_index(16), 4);
	CHECK_EQ(kmalloc_index(17), 5);    /* 17..32 */
	CHECK_EQ(kmalloc_index(64), 6);    /* 33..64 */
	CHECK_EQ(kmalloc_index(65), 1);    /* 65..96: index 1 is kmalloc-96 */
	CHECK_EQ(kmalloc_index(96), 1);
	CHECK_EQ(kmalloc_index(97), 7);    /* 97..128 */
	CHECK_EQ(kmalloc_index(128), 7);
	CHECK_EQ(kmalloc_index(129), 2);   /* 129..192: index 2 is kmalloc-192 */
	CHECK_EQ(kmalloc_index(192), 2);
	CHECK_EQ(kmalloc_index(193), 8);   /* 193..256 */
	CHECK_EQ(kmalloc_index(257), 9);   /* 512 */
	CHECK_EQ(kmalloc_index(4097), 13); /* 8k */
	CHECK_EQ(kmalloc_index(8192), 13);

	CHECK_STR(class_name(m, 8, GFP_KERNEL), "kmalloc-8");
	CHECK_STR(class_name(m, 9, GFP_KERNEL), "kmalloc-16");
	CHECK_STR(class_name(m, 64, GFP_KERNEL), "kmalloc-64");
	CHECK_STR(class_name(m, 65, GFP_KERNEL), "kmalloc-96");
	CHECK_STR(class_name(m, 96, GFP_KERNEL), "kmalloc-96");
	CHECK_STR(class_name(m, 97, GFP_KERNEL), "kmalloc-128");
	CHECK_STR(class_name(m, 192, GFP_KERNEL), "kmalloc-192");
	CHECK_STR(class_name(m, 193, GFP_KERNEL), "kmalloc-256");
	CHECK_STR(class_name(m, 1000, GFP_KERNEL), "kmalloc-1k");
	CHECK_STR(class_name(m, 8192, GFP_KERNEL), "kmalloc-8k");
	CHECK_STR(class_name(m, 8193, GFP_KERNEL), "(none)"); /* the page allocator's */
	/* The type: DMA first, then reclaimable, then accounted. */
	CHECK_STR(class_name(m, 64, GFP_KERNEL | GFP_DMA), "dma-kmalloc-64");
	CHECK_STR(class_name(m, 64, GFP_KERNEL | __GFP_RECLAIMABLE), "kmalloc-rcl-64");
	CHECK_STR(class_name(m, 64, GFP_KERNEL_ACCOUNT), "kmalloc-cg-64");
	CHECK_STR(class_name(m, 64, GFP_DMA | __GFP_RECLAIMABLE), "dma-kmalloc-64");

	/* ksize is the class size; kmalloc(0) is ZERO_SIZE_PTR. */
	struct mm_kernel *k = &m->k;
	mm_va_t a = kmalloc(k, 65, GFP_KERNEL);
	CHECK(a != 0);
	CHECK_EQ(ksize(k, a), 96);
	CHECK_EQ(kmalloc(k, 0, GFP_KERNEL), ZERO_SIZE_PTR);
	CHECK_EQ(ksize(k, ZERO_SIZE_PTR), 0);
	CHECK_EQ(kfree(k, ZERO_SIZE_PTR), 0);
	CHECK_EQ(kfree(k, 0), 0);
	CHECK_EQ(kfree(k, a), 0);
	test_shutdown(m);
}

/* Objects per slab and order, 1 CPU (min_objects 8). */
TEST(layout_one_cpu)
{
	struct mm_machine *m = test_boot_slab(1, "");
	struct mm_kernel *k = &m->k;
	struct kmem_cache *s;

	/* kmalloc-96: align 32 (largest power of two dividing 96); 8*96 = 768
	 * -> order 0; 4096 % 96 = 64 <= 4096/16 = 256: order 0, 4096/96 = 42.
	 * Free pointer in the middle: ALIGN_DOWN(96/2, 8) = 48. */
	s = kmem_cache_find(k, "kmalloc-96");
	CHECK(s != NULL);
	CHECK_EQ(s->size, 96);
	CHECK_EQ(s->align, 32);
	CHECK_EQ(s->order, 0);
	CHECK_EQ(s->objects, 42);
	CHECK_EQ(s->offset, 48);
	/* min_partial = clamp(ilog2(96)/2 = 3, 5, 10) = 5; cpu_partial 120
	 * objects (size < 256) -> DIV_ROUND_UP(240, 42) = 6 slabs. */
	CHECK_EQ(s->min_partial, 5);
	CHECK_EQ(s->cpu_partial_slabs, 6);

	/* kmalloc-192: 8*192 = 1536 -> order 0; 4096 % 192 = 64 <= 256: 21. */
	s = kmem_cache_find(k, "kmalloc-192");
	CHECK_EQ(s->order, 0);
	CHECK_EQ(s->objects, 21);

	/* kmalloc-8: 512 per page. kmalloc-1k: 8*1024 = 8192 -> order 1, 8 objs. */
	CHECK_EQ(kmem_cache_find(k, "kmalloc-8")->objects, 512);
	s = kmem_cache_find(k, "kmalloc-1k");
	CHECK_EQ(s->order, 1);
	CHECK_EQ(s->objects, 8);

	/* kmalloc-8k: max_objects at order 3 = 32768/8192 = 4 < 8, so 4*8192
	 * -> order 3, 4 objects; min_partial = ilog2(8192)/2 = 6; cpu_partial
	 * 6 objects -> DIV_ROUND_UP(12, 4) = 3 slabs. */
	s = kmem_cache_find(k, "kmalloc-8k");
	CHECK_EQ(s->order, 3);
	CHECK_EQ(s->objects, 4);
	CHECK_EQ(s->min_partial, 6);
	CHECK_EQ(s->cpu_partial_slabs, 3);

	/* 700 bytes, HWCACHE_ALIGN: align 64 (700 > 64/2); size ALIGN(700, 8) =
	 * 704 = 11*64; offset ALIGN_DOWN(350, 8) = 344. 8*704 = 5632 -> order 1;
	 * 8192 % 704 = 8192 - 11*704 = 448 <= 8192/16 = 512: order 1, 11 objs. */
	s = kmem_cache_create(k, "c700", 700, 0, SLAB_HWCACHE_ALIGN, NULL);
	CHECK(s != NULL);
	CHECK_EQ(s->align, 64);
	CHECK_EQ(s->size, 704);
	CHECK_EQ(s->offset, 344);
	CHECK_EQ(s->order, 1);
	CHECK_EQ(s->objects, 11);

	/* 3000 bytes: max_objects(order 3) = 32768/3000 = 10 >= 8; 8*3000 = 24000
	 * -> order 3; 32768 % 3000 = 2768 > 2048 (1/16) but <= 4096 (1/8):
	 * order 3, 10 objects. The fallback (s->min) is get_order(3000) = 0
	 * with 1 object. */
	s = kmem_cache_create(k, "c3000", 3000, 0, 0, NULL);
	CHECK_EQ(s->order, 3);
	CHECK_EQ(s->objects, 10);
	CHECK_EQ(s->min_order, 0);
	CHECK_EQ(s->min_objects, 1);

	/* 20 bytes, align 16: size ALIGN(24, 16) = 32, 128 per page. */
	s = kmem_cache_create(k, "c20", 20, 16, 0, NULL);
	CHECK_EQ(s->size, 32);
	CHECK_EQ(s->objects, 128);

	/* A debug cache: 100 bytes, RED_ZONE|POISON|STORE_USER (align 8).
	 * size 104 (> 100: room for the red zone already); inuse 104; POISON
	 * puts the free pointer after it: offset 104, size 112; two tracks of
	 * 32 bytes: 176; red zone word 184; red_left_pad 8: 192. 21 per page. */
	s = kmem_cache_create(k, "dbg100", 100, 0, SLAB_RED_ZONE | SLAB_POISON | SLAB_STORE_USER, NULL);
	CHECK_EQ(s->inuse, 104);
	CHECK_EQ(s->offset, 104);
	CHECK_EQ(s->red_left_pad, 8);
	CHECK_EQ(s->size, 192);
	CHECK_EQ(s->objects, 21);
	CHECK_EQ(s->cpu_partial_slabs, 0); /* debug caches have no cpu partial lists */

	/* Bad requests fail cleanly. */
	CHECK(kmem_cache_create(k, "zero", 0, 0, 0, NULL) == NULL);
	CHECK(kmem_cache_create(k, "align3", 64, 3, 0, NULL) == NULL);
	CHECK(kmem_cache_create(k, "huge", 64u << 20, 0, 0, NULL) == NULL);
	test_shutdown(m);
}

/* With 2 CPUs min_objects is 12: the layouts this host's /proc/slabinfo shows. */
TEST(layout_two_cpus)
{
	struct mm_machine *m = test_boot_slab(2, "");
	struct mm_kernel *k = &m->k;
	/* kmalloc-1k: 12*1024 = 12288 -> order 2, 16 objects. */
	CHECK_EQ(kmem_cache_find(k, "kmalloc-1k")->order, 2);
	CHECK_EQ(kmem_cache_find(k, "kmalloc-1k")->objects, 16);
	/* kmalloc-512: 6144 -> order 1, 16. */
	CHECK_EQ(kmem_cache_find(k, "kmalloc-512")->objects, 16);
	CHECK_EQ(kmem_cache_find(k, "kmalloc-512")->order, 1);
	/* task_struct 5888: max_objects(3) = 5 < 12: 5*5888 = 29440 -> order 3;
	 * 32768 % 5888 = 3328 > 2048 but <= 4096: order 3, 5 objects. */
	struct kmem_cache *s = kmem_named_cache(k, KMEM_TASK_STRUCT);
	CHECK_EQ(s->order, 3);
	CHECK_EQ(s->objects, 5);
	/* files_cache 704: 12*704 = 8448 -> order 2; 16384 % 704 = 192 <= 1024: 23. */
	s = kmem_named_cache(k, KMEM_FILES_CACHE);
	CHECK_EQ(s->order, 2);
	CHECK_EQ(s->objects, 23);
	/* anon_vma 96 with TYPESAFE_BY_RCU: pointer after it, size 104, 39 per page. */
	s = kmem_named_cache(k, KMEM_ANON_VMA);
	CHECK_EQ(s->size, 104);
	CHECK_EQ(s->objects, 39);
	/* radix_tree_node 576 + ctor: 584; 12*584 = 7008 -> order 1; 8192 % 584
	 * = 16 <= 512: 14 objects. */
	s = kmem_named_cache(k, KMEM_RADIX_TREE_NODE);
	CHECK_EQ(s->size, 584);
	CHECK_EQ(s->order, 1);
	CHECK_EQ(s->objects, 14);
	CHECK(s->flags & SLAB_RECLAIM_ACCOUNT);
	/* mm_struct 1600 (HWCACHE): 12*1600 = 19200 -> order 3; 32768 % 1600 =
	 * 768 <= 2048: 20 objects. */
	s = kmem_named_cache(k, KMEM_MM_STRUCT);
	CHECK_EQ(s->order, 3);
	CHECK_EQ(s->objects, 20);
	test_shutdown(m);
}

/* Objects are direct-map VAs in slab pages; kfree finds the cache. */
TEST(objects_and_pages)
{
	struct mm_machine *m = test_boot_slab(1, "");
	struct mm_kernel *k = &m->k;
	struct kmem_cache *s128 = kmem_cache_create(k, "t128", 128, 0, 0, NULL);
	mm_va_t a = kmem_cache_alloc(k, s128, GFP_KERNEL), b = kmem_cache_alloc(k, s128, GFP_KERNEL);
	CHECK(a >= k->arch->page_offset);
	CHECK_EQ(b - a, 128); /* consecutive objects of a fresh slab */
	struct page *p = pfn_to_page(k, __pa(k, a) >> k->page_shift);
	CHECK(PageFlag(p, PG_slab));
	CHECK(p->mapping == s128);
	CHECK(virt_to_cache(k, a) == s128);

	/* The bytes are in simulated RAM: visible through the physical address. */
	memcpy(kmem_host(k, a), "hello", 6);
	CHECK_STR((char *)phys_to_host(k->ram, __pa(k, a)), "hello");
	/* kzalloc zeroes what kmalloc left. */
	CHECK_EQ(kfree(k, a), 0);
	mm_va_t z = kmem_cache_alloc(k, s128, GFP_KERNEL | __GFP_ZERO);
	CHECK_EQ(z, a); /* LIFO: the object just freed */
	CHECK_EQ(((char *)kmem_host(k, z))[0], 0);

	/* An order-1 slab (1024 bytes: 8 per order-1 slab): objects in its
	 * second page find the head page. */
	struct kmem_cache *s1k = kmem_cache_create(k, "t1k", 1024, 0, 0, NULL);
	mm_va_t big[9];
	for (int i = 0; i < 9; i++)
		big[i] = kmem_cache_alloc(k, s1k, GFP_KERNEL);
	CHECK(virt_to_cache(k, big[7]) == s1k);
	CHECK_EQ(big[7] - big[0], 7 * 1024); /* in the tail page */
	CHECK(virt_to_cache(k, big[8]) == s1k && big[8] >> 13 != big[0] >> 13); /* a 2nd slab */
	for (int i = 0; i < 9; i++)
		CHECK_EQ(kfree(k, big[i]), 0);
	kfree(k, b);
	kfree(k, z);
	CHECK(kmem_cache_validate(k, s1k));
	CHECK(kmem_cache_validate(k, s128));
	test_shutdown(m);
}

/* The partial lists, with a 96-byte cache: 42 objects per slab,
 * min_partial 5, cpu_partial_slabs 6, one CPU. */
TEST(partial_lists)
{
	struct mm_machine *m = test_boot_slab(1, "");
	struct mm_kernel *k = &m->k;
	struct kmem_cache *s = kmem_cache_create(k, "t96", 96, 0, 0, NULL);
	struct slabinfo si;
	mm_va_t obj[8][42];
	uint64_t slab_pages_before = k->nr_slab_unreclaimable;

	/* 8 slabs' worth: slabs 1..7 fill and leave the CPU (full, on no
	 * list); slab 8 is the cpu slab with an empty freelist. */
	for (int i = 0; i < 8; i++)
		for (int j = 0; j < 42; j++)
			obj[i][j] = kmem_cache_alloc(k, s, GFP_KERNEL);
	CHECK_EQ(s->node.nr_slabs, 8);
	CHECK_EQ(s->node.nr_partial, 0);
	CHECK_EQ(k->nr_slab_unreclaimable - slab_pages_before, 8); /* order-0 slabs */
	kmem_cache_get_slabinfo(s, &si);
	CHECK_EQ(si.num_objs, 336);
	CHECK_EQ(si.active_objs, 336);

	/* One free from each of slabs 1..7: each was full, so it goes to the
	 * cpu partial list. The 7th finds 6 there (= cpu_partial_slabs): those
	 * 6 drain to the node partial list, the 7th stays on the CPU. */
	for (int i = 0; i < 7; i++)
		CHECK_EQ(kmem_cache_free(k, s, obj[i][0]), 0);
	CHECK_EQ(s->cpu_slab[0].nr_partial, 1);
	CHECK_EQ(s->node.nr_partial, 6);
	/* active_objs = 336 - free objects on node partial slabs (6) = 330;
	 * the cpu partial slab's free object counts as active: 330, though
	 * 329 are allocated. */
	kmem_cache_get_slabinfo(s, &si);
	CHECK_EQ(si.active_objs, 330);
	CHECK_EQ(s->nr_allocated, 329);

	/* Empty slab 1 (on the node list): 6 partial >= min_partial 5, so it
	 * goes back to the buddy. Slab 2 likewise (5 >= 5). Slab 3 stays, empty
	 * (4 < 5). */
	for (int i = 0; i < 3; i++)
		for (int j = 1; j < 42; j++)
			CHECK_EQ(kmem_cache_free(k, s, obj[i][j]), 0);
	CHECK_EQ(s->node.nr_slabs, 6);
	CHECK_EQ(s->node.nr_partial, 4);
	CHECK_EQ(k->nr_slab_unreclaimable - slab_pages_before, 6);
	/* Node partial: slab 3 (42 free) and slabs 4..6 (1 free each):
	 * 252 - 45 = 207 active; 206 allocated (slab 7's free one is on the CPU). */
	kmem_cache_get_slabinfo(s, &si);
	CHECK_EQ(si.num_objs, 252);
	CHECK_EQ(si.active_objs, 207);
	CHECK_EQ(s->nr_allocated, 206);
	CHECK(kmem_cache_validate(k, s));

	/* The next allocation: the cpu slab (8) is full; the cpu partial slab 7
	 * becomes the cpu slab and hands out its free object, obj[6][0]. */
	mm_va_t x = kmem_cache_alloc(k, s, GFP_KERNEL);
	CHECK_EQ(x, obj[6][0]);
	CHECK_EQ(s->cpu_slab[0].nr_partial, 0);

	/* Shrink: flush the CPU (slab 7 full again: no list), free the empty
	 * slab 3 whatever min_partial says. 5 slabs remain. */
	CHECK_EQ(kmem_cache_shrink(k, s), 1);
	CHECK_EQ(s->node.nr_slabs, 5);
	CHECK_EQ(s->node.nr_partial, 3);
	CHECK(kmem_cache_validate(k, s));

	/* Destroy refuses while objects live, then succeeds. */
	CHECK_EQ(kmem_cache_destroy(k, s), -EBUSY);
	CHECK(kmem_cache_find(k, "t96") == s);
	CHECK(strstr(k->log.buf, "kmem_cache_destroy t96: Slab cache still has objects") != NULL);
	for (int i = 3; i < 8; i++)
		for (int j = 0; j < 42; j++)
			if (j || i >= 6) /* obj[3..5][0] were freed above */
				CHECK_EQ(kmem_cache_free(k, s, obj[i][j]), 0);
	CHECK_EQ(s->nr_allocated, 0);
	CHECK_EQ(kmem_cache_destroy(k, s), 0);
	CHECK(kmem_cache_find(k, "t96") == NULL);
	CHECK_EQ(k->nr_slab_unreclaimable, slab_pages_before);
	test_shutdown(m);
}

/* Objects freed by another CPU go to their slab, not that CPU's freelist. */
TEST(remote_free)
{
	struct mm_machine *m = test_boot_slab(2, "");
	struct mm_kernel *k = &m->k;
	struct kmem_cache *s = kmem_cache_create(k, "r64", 64, 0, 0, NULL);
	slab_set_cpu(k, 0);
	mm_va_t a = kmem_cache_alloc(k, s, GFP_KERNEL);
	mm_va_t b = kmem_cache_alloc(k, s, GFP_KERNEL);
	slab_set_cpu(k, 1);
	CHECK_EQ(kmem_cache_free(k, s, a), 0); /* slab frozen on cpu 0: its freelist */
	struct page *slab = s->cpu_slab[0].slab;
	CHECK(slab != NULL);
	CHECK_EQ(slab_freelist(k->slab, slab), a);
	CHECK(s->cpu_slab[1].slab == NULL);
	/* cpu 1 allocates from a slab of its own. */
	mm_va_t c = kmem_cache_alloc(k, s, GFP_KERNEL);
	CHECK(s->cpu_slab[1].slab != slab);
	slab_set_cpu(k, 0);
	kmem_cache_free(k, s, b);
	slab_set_cpu(k, 1);
	kmem_cache_free(k, s, c);
	CHECK(kmem_cache_validate(k, s));
	CHECK_EQ(s->nr_allocated, 0);
	slab_set_cpu(k, 0);
	test_shutdown(m);
}

/* kmalloc above 8K: compound pages from the buddy, SUnreclaim, kfree. */
TEST(kmalloc_large)
{
	struct mm_machine *m = test_boot_slab(1, "");
	struct mm_kernel *k = &m->k;
	drain_all_pages(k);
	uint64_t free0 = global_free_pages(k), unrecl0 = k->nr_slab_unreclaimable;

	/* 8193 bytes: get_order(8193) = 2 (16K). */
	mm_va_t a = kmalloc(k, 8193, GFP_KERNEL);
	CHECK(a != 0);
	CHECK_EQ(a & (k->page_size - 1), 0);
	CHECK_EQ(ksize(k, a), 16384);
	CHECK_EQ(k->nr_slab_unreclaimable - unrecl0, 4);
	struct page *head = pfn_to_page(k, __pa(k, a) >> k->page_shift);
	CHECK(!PageFlag(head, PG_slab));
	CHECK(PageFlag(head, PG_head));
	CHECK(virt_to_cache(k, a) == NULL);
	drain_all_pages(k);
	CHECK(global_free_pages(k) <= free0 - 4);
	CHECK_EQ(slabinfo_field(m, "kmalloc_large"), 1);

	/* kfree of its middle is refused; of its start frees the 4 pages. */
	CHECK_EQ(kfree(k, a + 4096), -EINVAL);
	CHECK_EQ(kfree(k, a), 0);
	CHECK_EQ(k->nr_slab_unreclaimable, unrecl0);
	drain_all_pages(k);
	CHECK_EQ(global_free_pages(k), free0);

	/* kzalloc of a large size is zeroed; too large fails. */
	mm_va_t z = kzalloc(k, 100000, GFP_KERNEL); /* order 5: 128K */
	CHECK_EQ(ksize(k, z), 131072);
	CHECK_EQ(((uint8_t *)kmem_host(k, z))[99999], 0);
	kfree(k, z);
	CHECK_EQ(kmalloc(k, (4u << 20) + 1, GFP_KERNEL), 0); /* > MAX_PAGE_ORDER */
	test_shutdown(m);
}

TEST(krealloc_kcalloc)
{
	struct mm_machine *m = test_boot_slab(1, "");
	struct mm_kernel *k = &m->k;
	mm_va_t a = kmalloc(k, 40, GFP_KERNEL); /* kmalloc-64 */
	memcpy(kmem_host(k, a), "0123456789", 10);
	/* 60 still fits the 64-byte class: the same object. */
	CHECK_EQ(krealloc(k, a, 60, GFP_KERNEL), a);
	/* 100 does not: a kmalloc-128 object with the 64 bytes copied. */
	mm_va_t b = krealloc(k, a, 100, GFP_KERNEL);
	CHECK(b != a && b != 0);
	CHECK_EQ(ksize(k, b), 128);
	CHECK(memcmp(kmem_host(k, b), "0123456789", 10) == 0);
	CHECK_EQ(kmem_cache_find(k, "kmalloc-64")->nr_allocated, 0); /* the old one was freed */
	/* Growing into kmalloc_large, then size 0 frees. */
	mm_va_t c = krealloc(k, b, 20000, GFP_KERNEL);
	CHECK(memcmp(kmem_host(k, c), "0123456789", 10) == 0);
	CHECK_EQ(krealloc(k, c, 0, GFP_KERNEL), ZERO_SIZE_PTR);
	CHECK_EQ(k->slab->nr_large_kmalloc, 0);
	/* krealloc(NULL) is kmalloc. */
	mm_va_t d = krealloc(k, 0, 10, GFP_KERNEL);
	CHECK_EQ(ksize(k, d), 16);
	kfree(k, d);

	/* kcalloc: overflow is NULL; otherwise zeroed. */
	CHECK_EQ(kcalloc(k, SIZE_MAX / 2, 3, GFP_KERNEL), 0);
	mm_va_t e = kcalloc(k, 10, 30, GFP_KERNEL); /* 300 bytes: kmalloc-512 */
	CHECK_EQ(ksize(k, e), 512);
	CHECK_EQ(((uint8_t *)kmem_host(k, e))[299], 0);
	kfree(k, e);
	test_shutdown(m);
}

/* Without debugging, the cheap checks still hold the allocator together. */
TEST(nodebug_misuse)
{
	struct mm_machine *m = test_boot_slab(1, "");
	struct mm_kernel *k = &m->k;
	struct kmem_cache *s = kmem_cache_find(k, "kmalloc-64");
	uint64_t errors = s->nr_errors;
	mm_va_t a = kmalloc(k, 64, GFP_KERNEL), b = kmalloc(k, 64, GFP_KERNEL);

	/* Not an object start: refused. */
	CHECK_EQ(kfree(k, a + 8), -EINVAL);
	CHECK_EQ(s->nr_errors, errors + 1);
	CHECK(strstr(k->log.buf, "Invalid object pointer") != NULL);
	/* An immediate double free (the freelist head): refused once. */
	CHECK_EQ(kfree(k, a), 0);
	CHECK_EQ(kfree(k, a), -EINVAL);
	CHECK_EQ(s->nr_errors, errors + 2);
	/* Not a slab at all. */
	CHECK_EQ(kfree(k, 0x1234), -EINVAL);
	CHECK_EQ(kfree(k, k->arch->page_offset + 0x200000000ULL), -EINVAL); /* beyond RAM */

	/* A use-after-free write over the free pointer of the cpu freelist's
	 * head: detected when the allocator follows it, the chain isolated. */
	CHECK_EQ(kfree(k, b), 0); /* b heads the cpu freelist, its pointer at +32 */
	memset((uint8_t *)kmem_host(k, b) + 32, 0x41, 8);
	CHECK_EQ(kmalloc(k, 64, GFP_KERNEL), b);
	CHECK(strstr(k->log.buf, "Freechain corrupt") != NULL);
	mm_va_t c = kmalloc(k, 64, GFP_KERNEL); /* the slow path: still works */
	CHECK(c != 0 && c != b);
	kfree(k, b);
	kfree(k, c);
	CHECK(kmem_cache_validate(k, s));
	test_shutdown(m);
}

/* The slabinfo view: header, line format, newest first, fields. */
TEST(slabinfo_view)
{
	struct mm_machine *m = test_boot_slab(1, "");
	struct mm_kernel *k = &m->k;
	kmem_cache_create(k, "newest", 700, 0, SLAB_HWCACHE_ALIGN, NULL);
	mm_va_t o = kmem_cache_alloc(k, kmem_cache_find(k, "newest"), GFP_KERNEL);
	struct view_out v;
	char err[128];
	view_out_init(&v);
	CHECK_EQ(view_slabinfo(m, 0, NULL, &v, err, sizeof(err)), 0);
	const char *t = sb_str(&v.text);
	const char *head = "slabinfo - version: 2.1\n# name            <active_objs> <num_objs> "
			   "<objsize> <objperslab> <pagesperslab> : tunables <limit> <batchcount> "
			   "<sharedfactor> : slabdata <active_slabs> <num_slabs> <sharedavail>\n";
	CHECK(strncmp(t, head, strlen(head)) == 0);
	/* One order-1 slab of 11: the cpu slab's free objects count as active.
	 * "%-17s %6lu %6lu %6u %4u %4d : tunables %4u %4u %4u : slabdata %6lu %6lu %6lu" */
	const char *line = t + strlen(head);
	const char *want = "newest                11     11    704   11    2 : tunables    0    0    0"
			   " : slabdata      1      1      0\n";
	CHECK(strncmp(line, want, strlen(want)) == 0);
	if (strncmp(line, want, strlen(want)))
		printf("  got: %.120s\n", line);
	CHECK(strstr(t, "\nkmem_cache_node ") != NULL);
	/* kmem_cache is the oldest cache: last. */
	size_t len = strlen(t);
	CHECK(len > 200 && strstr(t + len - 200, "\nkmem_cache ") != NULL);
	CHECK_EQ(view_find(&v, "newest.active_objs")->num, 11);
	CHECK_EQ(view_find(&v, "newest.inuse")->num, 1);
	CHECK_EQ(view_find(&v, "newest.objsize")->num, 704);
	CHECK_EQ(view_find(&v, "newest.pagesperslab")->num, 2);
	CHECK_EQ(view_find(&v, "newest.num_slabs")->num, 1);
	view_out_free(&v);
	/* Every cache has an object in kmem_cache: active_objs counts them. */
	CHECK(slabinfo_field(m, "kmem_cache.inuse") == (int64_t)k->slab->nr_caches);
	kmem_cache_free(k, kmem_cache_find(k, "newest"), o);
	test_shutdown(m);
}

/* Two machines in one process: their caches never meet. */
TEST(two_machines)
{
	struct mm_machine *a = test_boot_slab(1, ""), *b = test_boot_slab(2, "");
	struct kmem_cache *sa = kmem_cache_find(&a->k, "kmalloc-64");
	struct kmem_cache *sb = kmem_cache_find(&b->k, "kmalloc-64");
	CHECK(sa != sb);
	uint64_t nb = sb->nr_allocated;
	mm_va_t x = kmalloc(&a->k, 64, GFP_KERNEL);
	CHECK_EQ(sa->nr_allocated, 1);
	CHECK_EQ(sb->nr_allocated, nb);
	/* The same VA in the other machine is not its object. */
	CHECK(virt_to_cache(&b->k, x) != sa);
	kmem_cache_create(&a->k, "only_in_a", 32, 0, 0, NULL);
	CHECK(kmem_cache_find(&b->k, "only_in_a") == NULL);
	kfree(&a->k, x);
	test_shutdown(a);
	test_shutdown(b);
}

/* i386: 4-byte free pointers, slabs in lowmem. */
TEST(i386_lowmem)
{
	struct mm_machine_config cfg;
	char err[256];
	mm_machine_config_default(&cfg);
	snprintf(cfg.arch, sizeof(cfg.arch), "i386");
	cfg.ram_bytes = 1536 * MM_MB; /* HighMem above 896M */
	struct mm_machine *m = mm_machine_create(&cfg, err, sizeof(err));
	CHECK(m != NULL);
	if (!m)
		return;
	if (!m->k.slab)
		kmem_cache_init(&m->k);
	struct mm_kernel *k = &m->k;
	CHECK_EQ(k->slab->ptr_bytes, 4);
	/* kmalloc-96: offset ALIGN_DOWN(48, 4) = 48; 42 per page as on x86_64. */
	CHECK_EQ(kmem_cache_find(k, "kmalloc-96")->objects, 42);
	for (int i = 0; i < 200; i++) {
		mm_va_t v = kmalloc(k, 4000, GFP_KERNEL);
		CHECK(v >= 0xC0000000u && __pa(k, v) < 896 * MM_MB);
	}
	mm_va_t l = kmalloc(k, 64 * 1024, GFP_HIGHUSER); /* HIGHMEM is stripped */
	CHECK(l != 0 && __pa(k, l) < 896 * MM_MB);
	CHECK(strstr(k->log.buf, "Unexpected gfp") != NULL);
	kfree(k, l);
	test_shutdown(m);
}

/* The toy arch has no kernel address space, so no slab allocator. */
TEST(toy_has_none)
{
	struct mm_machine_config cfg;
	char err[256];
	mm_machine_config_default(&cfg);
	snprintf(cfg.arch, sizeof(cfg.arch), "toy");
	struct mm_machine *m = mm_machine_create(&cfg, err, sizeof(err));
	CHECK(m != NULL);
	if (!m)
		return;
	CHECK_EQ(kmem_cache_init(&m->k), 0);
	CHECK(m->k.slab == NULL);
	CHECK_EQ(kmalloc(&m->k, 64, GFP_KERNEL), 0);
	CHECK_EQ(kfree(&m->k, 0x1000), 0);
	CHECK(kmem_cache_create(&m->k, "x", 64, 0, 0, NULL) == NULL);
	CHECK(strstr(m->k.last_error, "toy") != NULL);
	struct view_out o;
	view_out_init(&o);
	CHECK_EQ(view_slabinfo(m, 0, NULL, &o, err, sizeof(err)), -1);
	view_out_free(&o);
	test_shutdown(m);
}

/* A deterministic random mix: first only correct use (every invariant must
 * hold), then a buggy kernel (double and invalid frees, stray writes into
 * slab memory), with and without slub_debug: reported, never a crash. */
static uint64_t rng_state;
static uint64_t rnd(uint64_t n)
{
	rng_state = rng_state * 6364136223846793005ULL + 1442695040888963407ULL;
	return (rng_state >> 33) % n;
}

static void random_ops(struct mm_machine *m, unsigned nops, bool misuse)
{
	struct mm_kernel *k = &m->k;
	enum { NLIVE = 512 };
	mm_va_t live[NLIVE] = { 0 }, dead[NLIVE] = { 0 };
	struct kmem_cache *own[2] = { kmem_cache_create(k, "r40", 40, 0, 0, NULL),
				      kmem_cache_create(k, "r700", 700, 0, SLAB_HWCACHE_ALIGN, NULL) };
	signed char which[NLIVE]; /* -1: kmalloc, else own[] index */
	for (unsigned i = 0; i < nops; i++) {
		unsigned slot = (unsigned)rnd(NLIVE), op = (unsigned)rnd(misuse ? 10 : 6);
		slab_set_cpu(k, (unsigned)rnd(k->nr_cpus));
		if (op < 3 && !live[slot]) {
			if (rnd(3) == 0) {
				which[slot] = (signed char)rnd(2);
				live[slot] = kmem_cache_alloc(k, own[(int)which[slot]], GFP_KERNEL);
			} else {
				which[slot] = -1;
				size_t size = rnd(4) == 0 ? 1 + rnd(20000) : 1 + rnd(600);
				live[slot] = kmalloc(k, size, rnd(5) == 0 ? GFP_KERNEL | __GFP_RECLAIMABLE : GFP_KERNEL);
			}
			if (live[slot] && live[slot] != ZERO_SIZE_PTR)
				memset(kmem_host(k, live[slot]), 0x11, 1);
		} else if (op < 5 && live[slot]) {
			int r = which[slot] < 0 ? kfree(k, live[slot])
						: kmem_cache_free(k, own[(int)which[slot]], live[slot]);
			if (!misuse) /* a buggy kernel's frees may be refused */
				CHECK_EQ(r, 0);
			dead[slot] = live[slot];
			live[slot] = 0;
		} else if (op == 5) {
			if (rnd(50) == 0)
				kmem_cache_shrink(k, kmalloc_slab(k, 1 + rnd(8192), GFP_KERNEL));
		} else if (op == 6 && dead[slot]) {
			kfree(k, dead[slot]); /* a double free (or a free of a reused object) */
			for (unsigned j = 0; j < NLIVE; j++)
				if (live[j] == dead[slot])
					live[j] = 0; /* whoever holds it now lost it */
			dead[slot] = 0;
		} else if (op == 7 && live[slot]) {
			kfree(k, live[slot] + 1 + rnd(64)); /* not an object start */
		} else if (op >= 8) {
			/* A stray write near an object, live or dead, where kwrite could. */
			mm_va_t base = live[slot] ? live[slot] : dead[slot];
			if (!base || base == ZERO_SIZE_PTR)
				continue;
			mm_va_t at = base - 64 + rnd(512);
			if (!virt_to_cache(k, at) || !virt_to_cache(k, at + 7))
				continue;
			uint64_t junk = rng_state;
			memcpy(kmem_host(k, at), &junk, 1 + rnd(8));
		}
	}
	if (!misuse)
		CHECK(kmem_cache_validate_all(k));
}

TEST(random_use)
{
	struct mm_machine *m = test_boot_slab(2, "");
	rng_state = 1;
	random_ops(m, 200000, false);
	test_shutdown(m);
}

TEST(random_misuse)
{
	const char *modes[] = { "", "FZPU", "ZP", "U" };
	for (size_t i = 0; i < MM_ARRAY_SIZE(modes); i++) {
		struct mm_machine *m = test_boot_slab(2, modes[i]);
		rng_state = 7 + i;
		random_ops(m, 50000, true);
		CHECK(m->k.slab->nr_errors > 0);
		test_shutdown(m);
	}
}

/* Objects are at least 8-byte aligned on every arch, as Linux's
 * ARCH_SLAB_MINALIGN (__alignof__(unsigned long long) = 8 with gcc, i386
 * included): a 12-byte object takes a 16-byte slot on i386 as on x86_64. */
TEST(min_alignment_is_8_on_i386)
{
	struct mm_machine *m = test_boot("i386", 256 * MM_MB, 1, 0);
	struct kmem_cache *s = kmem_cache_create(&m->k, "twelve", 12, 0, 0, NULL);
	CHECK(s != NULL);
	if (s) {
		CHECK_EQ(s->object_size, 12);
		CHECK_EQ(s->size, 16);
	}
	mm_machine_destroy(m);
}

int main(void)
{
	RUN(min_alignment_is_8_on_i386);
	RUN(kmalloc_classes);
	RUN(layout_one_cpu);
	RUN(layout_two_cpus);
	RUN(objects_and_pages);
	RUN(partial_lists);
	RUN(remote_free);
	RUN(kmalloc_large);
	RUN(krealloc_kcalloc);
	RUN(nodebug_misuse);
	RUN(slabinfo_view);
	RUN(two_machines);
	RUN(i386_lowmem);
	RUN(toy_has_none);
	RUN(random_use);
	RUN(random_misuse);
	return test_summary();
}
