/*
 * commands_page_alloc.c - the page allocator as a user drives it.
 *
 *   alloc_pages 3 gfp=GFP_DMA32 -> $p
 *       alloc_pages: order 3 -> pfn 0x1238 (pa 0x1238000, zone DMA32)
 *   free_pages $p 3
 *
 * The result of alloc_pages is the PFN of the block's first page, or -1 when
 * the allocation fails: no PFN is negative, whereas PFN 0 is a real page on
 * the toy machine (x86 keeps it reserved), so -1 is the one unambiguous NULL.
 * A failed allocation is not an input error: it is what the kernel does
 * under memory pressure, and the scenario goes on (expect $p == -1).
 *
 * free_pages trusts nothing: the session remembers every block alloc_pages
 * returned, and freeing anything else (a double free, a wrong order, a page
 * inside a block, the kernel's own pages) is an input error at that line,
 * where Linux would print "BUG: Bad page state" and corrupt its free lists.
 *
 *   blocks[]  {pfn, order, freed, freed_line}   one per PFN ever returned
 *             freed entries stay (to explain a double free) until the PFN
 *             is returned again
 *   block_hash[]  PFN -> index in blocks[] + 1 (open addressing, linear
 *             probing; entries are never removed, so no tombstones)
 */
#include <stdlib.h>
#include <string.h>

#include "mm/internal.h"
#include "sim/machine.h"
#include "sim/scenario/scenario.h"

static size_t pfn_hash(uint64_t pfn, size_t cap)
{
	return (size_t)((pfn * 0x9e3779b97f4a7c15ULL) >> 17) & (cap - 1);
}

static struct scn_page_block *block_find(struct scenario *s, uint64_t pfn)
{
	if (!s->block_hash_cap)
		return NULL;
	for (size_t h = pfn_hash(pfn, s->block_hash_cap);; h = (h + 1) & (s->block_hash_cap - 1)) {
		size_t i = s->block_hash[h];
		if (i == 0)
			return NULL;
		if (s->blocks[i - 1].pfn == pfn)
			return &s->blocks[i - 1];
	}
}

static void hash_insert(struct scenario *s, size_t idx)
{
	size_t h = pfn_hash(s->blocks[idx].pfn, s->block_hash_cap);
	while (s->block_hash[h])
		h = (h + 1) & (s->block_hash_cap - 1);
	s->block_hash[h] = idx + 1;
}

static void block_add(struct scenario *s, uint64_t pfn, unsigned order)
{
	struct scn_page_block *b = block_find(s, pfn);
	if (b) {
		*b = (struct scn_page_block){ pfn, order, false, 0 };
		return;
	}
	if (s->nr_blocks == s->cap_blocks) {
		s->cap_blocks = s->cap_blocks ? 2 * s->cap_blocks : 16;
		s->blocks = xrealloc(s->blocks, s->cap_blocks * sizeof(*s->blocks));
	}
	s->blocks[s->nr_blocks] = (struct scn_page_block){ pfn, order, false, 0 };
	if (2 * (s->nr_blocks + 1) > s->block_hash_cap) {
		free(s->block_hash);
		s->block_hash_cap = s->block_hash_cap ? 2 * s->block_hash_cap : 32;
		s->block_hash = xcalloc(s->block_hash_cap, sizeof(*s->block_hash));
		for (size_t i = 0; i < s->nr_blocks; i++)
			hash_insert(s, i);
	}
	hash_insert(s, s->nr_blocks++);
}

/* The live block that contains pfn, if any. */
static const struct scn_page_block *block_containing(const struct scenario *s, uint64_t pfn)
{
	for (size_t i = 0; i < s->nr_blocks; i++) {
		const struct scn_page_block *b = &s->blocks[i];
		if (!b->freed && pfn >= b->pfn && pfn - b->pfn < (1ULL << b->order))
			return b;
	}
	return NULL;
}

static int cmd_alloc_pages(struct scn_ctx *c)
{
	struct mm_kernel *k = &c->m->k;
	const struct scn_arg *a;
	uint64_t order;
	unsigned cpu = 0;
	gfp_t gfp = GFP_KERNEL;

	if (!(a = scn_need_pos(c, 0, "ORDER")) || scn_arg_u64(c, a, "ORDER", 0, k->max_order, &order))
		return SCN_ERROR;
	bool on_cpu;
	if (scn_key_gfp(c, &gfp) || scn_key_cpu(c, &cpu, &on_cpu))
		return SCN_ERROR;

	struct page *page = on_cpu ? alloc_pages_cpu(k, gfp, (unsigned)order, cpu)
				   : alloc_pages(k, gfp, (unsigned)order);
	if (!page) {
		fprintf(c->out, "alloc_pages: order %u failed\n", (unsigned)order);
		scn_result_s64(c, -1);
		return SCN_OK;
	}
	uint64_t pfn = page_to_pfn(k, page);
	const struct zone *z = page_zone(k, page);
	fprintf(c->out, "alloc_pages: order %u -> pfn 0x%llx (pa 0x%llx, zone %s)\n", (unsigned)order,
		(unsigned long long)pfn, (unsigned long long)(pfn << k->page_shift),
		z && z->name ? z->name : "?");
	block_add(c->s, pfn, (unsigned)order);
	scn_result_num(c, pfn, true);
	return SCN_OK;
}

/* Why pfn is not a live block of this order, into why. */
static void explain_bad_free(struct scn_ctx *c, uint64_t pfn, char *why, size_t len)
{
	const struct mm_kernel *k = &c->m->k;
	const struct scn_page_block *b = block_find(c->s, pfn), *in;
	if (!pfn_valid(k, pfn))
		snprintf(why, len, "RAM ends at pfn 0x%llx", (unsigned long long)k->max_pfn);
	else if (b && b->freed)
		snprintf(why, len, "it was freed at line %u: a double free", b->freed_line);
	else if ((in = block_containing(c->s, pfn)))
		snprintf(why, len, "it is inside the order-%u block at pfn 0x%llx", in->order,
			 (unsigned long long)in->pfn);
	else if (PageFlag(pfn_to_page(k, pfn), PG_buddy) || PageFlag(pfn_to_page(k, pfn), PG_pcp))
		snprintf(why, len, "it is free");
	else
		snprintf(why, len, "alloc_pages did not return it");
}

static int cmd_free_pages(struct scn_ctx *c)
{
	struct mm_kernel *k = &c->m->k;
	const struct scn_arg *pa, *oa, *cpu_arg;
	uint64_t pfn, order, cpu = 0;
	char why[160];

	if (!(pa = scn_need_pos(c, 0, "PFN")) || scn_arg_u64(c, pa, "PFN", 0, UINT64_MAX, &pfn))
		return SCN_ERROR;
	if (!(oa = scn_need_pos(c, 1, "ORDER")) || scn_arg_u64(c, oa, "ORDER", 0, k->max_order, &order))
		return SCN_ERROR;
	if ((cpu_arg = scn_opt_key(c, "cpu")) && scn_arg_u64(c, cpu_arg, "cpu", 0, k->nr_cpus - 1, &cpu))
		return SCN_ERROR;
	struct scn_page_block *b = block_find(c->s, pfn);
	if (b && !b->freed && b->order != order)
		return scn_error(c, oa->val_off,
				 "free_pages: pfn 0x%llx is not an allocated block of order %u (alloc_pages gave it order %u)",
				 (unsigned long long)pfn, (unsigned)order, b->order);
	if (!b || b->freed) {
		explain_bad_free(c, pfn, why, sizeof(why));
		return scn_error(c, pa->val_off, "free_pages: pfn 0x%llx is not an allocated block of order %u (%s)",
				 (unsigned long long)pfn, (unsigned)order, why);
	}
	struct page *page = pfn_to_page(k, pfn);
	if (cpu_arg)
		free_pages_cpu(k, page, (unsigned)order, (unsigned)cpu);
	else
		__free_pages(k, page, (unsigned)order);
	unsigned line, col;
	scn_line_pos(c->ln, c->cmd_off, &line, &col);
	b->freed = true;
	b->freed_line = line;
	if (c->s->verbose)
		fprintf(c->out, "free_pages: pfn 0x%llx order %u\n", (unsigned long long)pfn,
			(unsigned)order);
	return SCN_OK;
}

const struct scn_cmd scn_cmds_page_alloc[] = {
	{ "alloc_pages", "alloc_pages ORDER [gfp=GFP_KERNEL|__GFP_ZERO|...] [cpu=N] [-> $p]",
	  "allocate 2^ORDER pages from the buddy allocator; the result is the first PFN (-1: failed)",
	  cmd_alloc_pages, "gfp cpu", 1, SCN_F_RESULT },
	{ "free_pages", "free_pages PFN ORDER [cpu=N]",
	  "free a block that alloc_pages returned, with its order", cmd_free_pages, "cpu", 2, 0 },
	{ NULL, NULL, NULL, NULL, NULL, 0, 0 },
};
