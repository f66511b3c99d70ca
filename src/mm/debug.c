/*
 * debug.c - the page allocator's invariant checker and page dumps.
 *
 * The allocator caches what could be recomputed from the lists and the page
 * descriptors; buddy_check_zone recomputes it and prints every mismatch with
 * the page it concerns dumped (as Linux's VM_BUG_ON_PAGE does):
 *
 *   free_area[o].free_list[mt] ──> head page: PG_buddy, private == o,
 *        │                         pfn % 2^o == 0, [pfn, pfn+2^o) in the zone,
 *        │                         every pageblock it covers has type mt
 *        ├── count == nr_free_mt[mt],  Σ over mt == nr_free
 *        └── Σ pages (isolated lists excluded) == nr_free_pages, CMA == nr_free_cma
 *   pcp[cpu].lists[order, mt] ──> PG_pcp, private == order; Σ pages == count
 *   all blocks, sorted by pfn:     no two overlap; each inside RAM
 *                                  (memblock.memory); no PG_reserved page of
 *                                  a memblock reservation inside one
 *
 * With few enough pages (or k->debug_checks >= 2) it also walks every frame
 * of the zone: a PG_buddy/PG_pcp page must be the head of a listed block and
 * no frame inside a free block may be PG_reserved. The debug build runs
 * mm_check_invariants after every allocation and free.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "include/strbuf.h"
#include "mm/internal.h"
#include "mm/memory.h"

/* Zones up to this many pages get the frame-by-frame walk every time. */
#define FULL_SCAN_PAGES (1ULL << 16)
#define MAX_REPORTS 32

static const char *const pageflag_names[NR_PAGEFLAGS] = {
	[PG_locked] = "locked",       [PG_referenced] = "referenced", [PG_uptodate] = "uptodate",
	[PG_dirty] = "dirty",         [PG_lru] = "lru",               [PG_active] = "active",
	[PG_workingset] = "workingset", [PG_slab] = "slab",           [PG_reserved] = "reserved",
	[PG_private] = "private",     [PG_writeback] = "writeback",   [PG_head] = "head",
	[PG_tail] = "tail",           [PG_swapbacked] = "swapbacked", [PG_unevictable] = "unevictable",
	[PG_mlocked] = "mlocked",     [PG_buddy] = "buddy",           [PG_pcp] = "pcp",
	[PG_table] = "table",         [PG_anon] = "anon",             [PG_zero] = "zero",
	[PG_guard] = "guard",         [PG_hugetlb] = "hugetlb",
};

void dump_page(const struct mm_kernel *k, const struct page *page, struct strbuf *sb)
{
	mm_pfn_t pfn = page_to_pfn(k, page);
	sb_printf(sb, "page: refcount:%d mapcount:%d mapping:%p index:0x%llx pfn:0x%llx private:%llu\n",
		  page->_refcount, page->_mapcount, page->mapping, (unsigned long long)page->index,
		  (unsigned long long)pfn, (unsigned long long)page->private);
	sb_printf(sb, "flags: 0x%llx(", (unsigned long long)page->flags);
	bool first = true;
	for (int f = 0; f < 64; f++) {
		if (!(page->flags >> f & 1))
			continue;
		const char *name = f < NR_PAGEFLAGS ? pageflag_names[f] : NULL;
		if (name)
			sb_printf(sb, "%s%s", first ? "" : "|", name);
		else
			sb_printf(sb, "%sbit%d", first ? "" : "|", f);
		first = false;
	}
	sb_puts(sb, ")\n");
}

void bad_page(struct mm_kernel *k, struct page *page, const char *reason)
{
	struct strbuf sb = STRBUF_INIT;
	mm_pfn_t pfn = page_to_pfn(k, page);
	printk(k, "BUG: Bad page state in process mmsim  pfn:%05llx", (unsigned long long)pfn);
	dump_page(k, page, &sb);
	/* One log line per dumped line. */
	char *line = sb.buf;
	while (line && *line) {
		char *nl = strchr(line, '\n');
		if (nl)
			*nl = '\0';
		printk(k, "%s", line);
		line = nl ? nl + 1 : NULL;
	}
	printk(k, "page dumped because: %s", reason);
	snprintf(k->last_error, sizeof(k->last_error), "bad page state: pfn 0x%llx: %s",
		 (unsigned long long)pfn, reason);
	sb_free(&sb);
}

/* ---- the checker ------------------------------------------------------------- */

struct block {
	mm_pfn_t start, end;
	bool pcp;
};

struct check_ctx {
	struct mm_kernel *k;
	struct zone *z;
	int errors;
	struct block *blocks;
	size_t nr, cap;
};

static void report(struct check_ctx *c, const struct page *page, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void report(struct check_ctx *c, const struct page *page, const char *fmt, ...)
{
	c->errors++;
	if (c->errors > MAX_REPORTS) {
		if (c->errors == MAX_REPORTS + 1)
			fprintf(stderr, "buddy_check_zone: zone %s: further mismatches not shown\n",
				c->z ? c->z->name : "-");
		return;
	}
	struct strbuf sb = STRBUF_INIT;
	va_list ap;
	va_start(ap, fmt);
	sb_printf(&sb, "buddy_check_zone: zone %s: ", c->z ? c->z->name : "-");
	sb_vprintf(&sb, fmt, ap);
	va_end(ap);
	sb_putc(&sb, '\n');
	if (page)
		dump_page(c->k, page, &sb);
	fputs(sb_str(&sb), stderr);
	sb_free(&sb);
}

static void add_block(struct check_ctx *c, mm_pfn_t start, uint64_t nr, bool pcp)
{
	if (c->nr == c->cap) {
		c->cap = c->cap ? c->cap * 2 : 64;
		c->blocks = xrealloc(c->blocks, c->cap * sizeof(*c->blocks));
	}
	c->blocks[c->nr++] = (struct block){ start, start + nr, pcp };
}

static int block_cmp(const void *a, const void *b)
{
	const struct block *x = a, *y = b;
	return x->start < y->start ? -1 : x->start > y->start;
}

/* The page a list node belongs to, or NULL if it is not in mem_map. */
static struct page *list_page(const struct mm_kernel *k, struct list_head *pos)
{
	struct page *p = list_entry(pos, struct page, lru);
	uintptr_t base = (uintptr_t)k->mem_map, a = (uintptr_t)p;
	if (a < base || a >= base + k->max_pfn * sizeof(struct page) ||
	    (a - base) % sizeof(struct page))
		return NULL;
	return p;
}

static void check_free_lists(struct check_ctx *c)
{
	struct mm_kernel *k = c->k;
	struct zone *z = c->z;
	uint64_t free_pages = 0, cma_pages = 0;

	for (unsigned o = 0; o < NR_ORDERS_LIMIT; o++) {
		struct free_area *area = &z->free_area[o];
		uint64_t total = 0;
		for (int mt = 0; mt < MIGRATE_TYPES; mt++) {
			struct list_head *head = &area->free_list[mt], *pos;
			uint64_t n = 0;
			for (pos = head->next; pos != head; pos = pos->next) {
				struct page *p = pos ? list_page(k, pos) : NULL;
				if (!p || n > k->max_pfn) {
					report(c, NULL, "order-%u %s list is corrupt", o, migratetype_names[mt]);
					break;
				}
				n++;
				mm_pfn_t pfn = page_to_pfn(k, p);
				if (o > k->max_order)
					report(c, p, "block on order-%u list beyond MAX_PAGE_ORDER %u", o,
					       k->max_order);
				if (!PageFlag(p, PG_buddy))
					report(c, p, "block on order-%u %s list is not PG_buddy", o,
					       migratetype_names[mt]);
				if (p->private != o)
					report(c, p, "block on order-%u %s list has order %llu", o,
					       migratetype_names[mt], (unsigned long long)p->private);
				if (pfn & ((1ULL << o) - 1))
					report(c, p, "block on order-%u list not aligned to its order", o);
				if (pfn < z->zone_start_pfn || pfn + (1ULL << o) > zone_end_pfn(z))
					report(c, p, "order-%u block [0x%llx, 0x%llx) outside the zone", o,
					       (unsigned long long)pfn, (unsigned long long)(pfn + (1ULL << o)));
				if (PageFlag(p, PG_pcp) || PageFlag(p, PG_reserved) || p->_refcount ||
				    p->_mapcount)
					report(c, p, "free order-%u block head is in use or reserved", o);
				/* Every pageblock the block covers has the list's type. */
				uint64_t pb = 1ULL << k->pageblock_order;
				uint64_t span = MM_MAX(1ULL << o, pb);
				mm_pfn_t first = pfn & ~(pb - 1);
				for (mm_pfn_t b = first; b < first + span; b += pb) {
					int bmt = get_pageblock_migratetype(z, MM_MAX(b, z->zone_start_pfn));
					if (bmt != mt) {
						report(c, p, "order-%u block on the %s list, its pageblock at pfn "
							     "0x%llx is %s", o, migratetype_names[mt],
						       (unsigned long long)b,
						       bmt >= 0 && bmt < MIGRATE_TYPES ? migratetype_names[bmt] : "?");
						break;
					}
				}
				add_block(c, pfn, 1ULL << o, false);
				if (mt != MIGRATE_ISOLATE)
					free_pages += 1ULL << o;
				if (mt == MIGRATE_CMA)
					cma_pages += 1ULL << o;
			}
			if (n != area->nr_free_mt[mt])
				report(c, NULL, "order-%u %s list holds %llu blocks, nr_free_mt says %llu", o,
				       migratetype_names[mt], (unsigned long long)n,
				       (unsigned long long)area->nr_free_mt[mt]);
			total += n;
		}
		if (total != area->nr_free)
			report(c, NULL, "order-%u lists hold %llu blocks, nr_free says %llu", o,
			       (unsigned long long)total, (unsigned long long)area->nr_free);
	}
	if (free_pages != z->nr_free_pages)
		report(c, NULL, "free lists hold %llu pages, nr_free_pages says %llu",
		       (unsigned long long)free_pages, (unsigned long long)z->nr_free_pages);
	if (cma_pages != z->nr_free_cma)
		report(c, NULL, "CMA lists hold %llu pages, nr_free_cma says %llu",
		       (unsigned long long)cma_pages, (unsigned long long)z->nr_free_cma);
}

static void check_pcp_lists(struct check_ctx *c)
{
	struct mm_kernel *k = c->k;
	struct zone *z = c->z;
	for (unsigned cpu = 0; cpu < MM_MAX_CPUS; cpu++) {
		struct per_cpu_pages *pcp = &z->pcp[cpu];
		int64_t pages = 0;
		for (int i = 0; i < NR_PCP_LISTS; i++) {
			unsigned order = (unsigned)(i / MIGRATE_PCPTYPES);
			struct list_head *head = &pcp->lists[i], *pos;
			uint64_t n = 0;
			for (pos = head->next; pos != head; pos = pos->next) {
				struct page *p = pos ? list_page(k, pos) : NULL;
				if (!p || n > k->max_pfn) {
					report(c, NULL, "cpu%u pcp list %d is corrupt", cpu, i);
					break;
				}
				n++;
				mm_pfn_t pfn = page_to_pfn(k, p);
				if (cpu >= k->nr_cpus)
					report(c, p, "page on the pcp list of offline cpu%u", cpu);
				if (!PageFlag(p, PG_pcp) || PageFlag(p, PG_buddy))
					report(c, p, "page on cpu%u's order-%u pcp list is not PG_pcp", cpu, order);
				if (p->private != order)
					report(c, p, "page on cpu%u's order-%u pcp list has order %llu", cpu, order,
					       (unsigned long long)p->private);
				if ((pfn & ((1ULL << order) - 1)) || pfn < z->zone_start_pfn ||
				    pfn + (1ULL << order) > zone_end_pfn(z))
					report(c, p, "pcp block misaligned or outside the zone");
				add_block(c, pfn, 1ULL << order, true);
				pages += 1LL << order;
			}
		}
		if (pages != pcp->count)
			report(c, NULL, "cpu%u pcp lists hold %lld pages, count says %d", cpu,
			       (long long)pages, pcp->count);
	}
}

/* Index of the first block ending after pfn (blocks sorted, disjoint). */
static size_t first_block_after(const struct check_ctx *c, mm_pfn_t pfn)
{
	size_t lo = 0, hi = c->nr;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		if (c->blocks[mid].end <= pfn)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static void check_layout(struct check_ctx *c, bool full)
{
	struct mm_kernel *k = c->k;
	struct zone *z = c->z;
	const struct memblock_type *mem = &k->memblock.memory;
	const struct memblock_type *res = &k->memblock.reserved;
	unsigned shift = k->page_shift;

	if (c->nr > 1)
		qsort(c->blocks, c->nr, sizeof(*c->blocks), block_cmp);
	for (size_t i = 0; i < c->nr; i++) {
		const struct block *b = &c->blocks[i];
		if (i > 0 && c->blocks[i - 1].end > b->start)
			report(c, pfn_to_page(k, b->start),
			       "free block [0x%llx, 0x%llx) overlaps [0x%llx, 0x%llx)",
			       (unsigned long long)b->start, (unsigned long long)b->end,
			       (unsigned long long)c->blocks[i - 1].start,
			       (unsigned long long)c->blocks[i - 1].end);
		bool in_ram = false;
		for (int r = 0; r < mem->cnt && !in_ram; r++) {
			mm_pfn_t s = (mem->regions[r].base + k->page_size - 1) >> shift;
			mm_pfn_t e = (mem->regions[r].base + mem->regions[r].size) >> shift;
			in_ram = b->start >= s && b->end <= e;
		}
		if (!in_ram)
			report(c, pfn_to_page(k, b->start), "free block [0x%llx, 0x%llx) is not all RAM",
			       (unsigned long long)b->start, (unsigned long long)b->end);
	}
	/* No reserved frame may sit inside a free block. Reservations that
	 * were handed back later (PG_reserved cleared) are fine. */
	for (int r = 0; r < res->cnt; r++) {
		mm_pfn_t s = MM_MAX(res->regions[r].base >> shift, z->zone_start_pfn);
		mm_pfn_t e = MM_MIN((res->regions[r].base + res->regions[r].size + k->page_size - 1) >> shift,
				    zone_end_pfn(z));
		for (size_t i = first_block_after(c, s); i < c->nr && c->blocks[i].start < e; i++) {
			mm_pfn_t os = MM_MAX(s, c->blocks[i].start), oe = MM_MIN(e, c->blocks[i].end);
			for (mm_pfn_t p = os; p < oe; p++)
				if (PageFlag(pfn_to_page(k, p), PG_reserved)) {
					report(c, pfn_to_page(k, p),
					       "reserved frame 0x%llx (memblock \"%s\") inside a free block",
					       (unsigned long long)p, res->regions[r].name);
					break;
				}
		}
	}
	if (!full)
		return;
	/* Frame by frame: heads only where blocks start, nothing reserved inside. */
	size_t i = 0;
	for (mm_pfn_t pfn = z->zone_start_pfn; pfn < zone_end_pfn(z) && pfn < k->max_pfn; pfn++) {
		const struct page *p = pfn_to_page(k, pfn);
		while (i < c->nr && c->blocks[i].end <= pfn)
			i++;
		bool inside = i < c->nr && c->blocks[i].start <= pfn;
		bool head = inside && c->blocks[i].start == pfn;
		if ((PageFlag(p, PG_buddy) || PageFlag(p, PG_pcp)) && !head)
			report(c, p, "PG_%s page at pfn 0x%llx is on no list",
			       PageFlag(p, PG_buddy) ? "buddy" : "pcp", (unsigned long long)pfn);
		if (inside && PageFlag(p, PG_reserved))
			report(c, p, "PG_reserved frame 0x%llx inside a free block", (unsigned long long)pfn);
	}
}

bool buddy_check_zone(struct mm_kernel *k, struct zone *z)
{
	struct check_ctx c = { .k = k, .z = z };
	if (!z->spanned_pages)
		return true;
	for (uint64_t b = 0; b < z->nr_pageblocks; b++)
		if (z->pageblock_mt[b] >= MIGRATE_TYPES)
			report(&c, NULL, "pageblock %llu has type %u", (unsigned long long)b,
			       z->pageblock_mt[b]);
	check_free_lists(&c);
	check_pcp_lists(&c);
	check_layout(&c, k->debug_checks >= 2 || z->spanned_pages <= FULL_SCAN_PAGES);
	if (z->nr_free_pages + zone_pcp_pages(k, z) > z->managed_pages)
		report(&c, NULL, "%llu free + %llu pcp pages exceed %llu managed",
		       (unsigned long long)z->nr_free_pages, (unsigned long long)zone_pcp_pages(k, z),
		       (unsigned long long)z->managed_pages);
	free(c.blocks);
	return c.errors == 0;
}

bool mm_check_invariants(struct mm_kernel *k)
{
	bool ok = true;
	uint64_t managed = 0;
	for (int t = 0; t < MAX_NR_ZONES; t++) {
		struct zone *z = &k->node.node_zones[t];
		managed += z->managed_pages;
		if (!buddy_check_zone(k, z))
			ok = false;
	}
	if (!mm_check_vm(k)) /* processes: debug_vm.c */
		ok = false;
	if (managed != k->totalram_pages) {
		fprintf(stderr, "mm_check_invariants: zones manage %llu pages, totalram_pages says %llu\n",
			(unsigned long long)managed, (unsigned long long)k->totalram_pages);
		ok = false;
	}
	return ok;
}
