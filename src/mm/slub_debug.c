/*
 * slub_debug.c - SLUB's debugging: red zones, poisoning, owner tracking and
 * the consistency checks, reported in dmesg as Linux reports them.
 *
 * One slot of a cache with slub_debug=FZPU (kmalloc-64 on x86_64: size 256):
 *
 *   ┌────────────┬──────────────┬────────┬────┬──────────────┬──────┬──────┐
 *   │ left red   │ object       │ right  │ fp │ track alloc, │ orig │ pad  │
 *   │ zone 0xbb/ │ 0x6b..0x6b a5│ red    │    │ track free   │ size │ 0x5a │
 *   │ 0xcc       │ when free    │ zone   │    │ (SLAB_STORE_ │      │      │
 *   │            │              │        │    │  USER)       │      │      │
 *   └────────────┴──────────────┴────────┴────┴──────────────┴──────┴──────┘
 *   ^ slot       ^ object_va    ^ +object_size  ^ +inuse (metadata)   +size
 *     (red_left_pad)
 *
 * The red zones hold SLUB_RED_INACTIVE (0xbb) while the object is free and
 * SLUB_RED_ACTIVE (0xcc) while it is allocated; a kmalloc object also has
 * the bytes between the requested size and the class size red-zoned while
 * allocated ("kmalloc Redzone"). Poisoning fills a free object with
 * POISON_FREE (0x6b) and ends it with POISON_END (0xa5); padding is
 * POISON_INUSE (0x5a). A free checks the red zones (an overflow), the
 * freelist (a double free) and the pointer itself; an allocation checks the
 * poison (a write after free). Each finding is printed once in Linux's
 * shape, and the bytes are restored, so the same corruption is never
 * reported twice:
 *
 *   =============================================================================
 *   BUG kmalloc-64 (Not tainted): Right Redzone overwritten
 *   -----------------------------------------------------------------------------
 *
 *   0xffff888003a1b040-0xffff888003a1b040 @offset=64. First byte 0x41 instead of 0xcc
 *   Allocated in test.mms:3 age=0 cpu=0 pid=0
 *   Slab 0xffff888000f5c1c0 objects=16 used=1 fp=0xffff888003a1b100 flags=0x...(slab|...)
 *   Object 0xffff888003a1b000 @offset=0 fp=0x0000000000000000
 *
 *   Redzone  ffff888003a1afc0: bb bb ...   (hex dumps of the slot)
 *   ...
 *   FIX kmalloc-64: Restoring Right Redzone 0xffff888003a1b040-0xffff888003a1b040=0xcc
 *   FIX kmalloc-64: Object at 0xffff888003a1b000 not freed
 *
 * The call site SLAB_STORE_USER records is a string: the scenario's
 * "file:line", or the kernel function that allocated. Strings are interned
 * per machine and the track in simulated RAM keeps their index where Linux
 * keeps a return address.
 */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "include/strbuf.h"
#include "mm/internal.h"
#include "mm/slab.h"

#define HZ 250
#define ORIG_SIZE_BYTES 4

enum { TAINT_BAD_PAGE = 5, TAINT_WARN = 9, TAINT_FLAGS_COUNT = 19 };

struct slab_site {
	char *name;
	uint32_t hash;
};

/* ---- slub_debug= ----------------------------------------------------------------- */

/* One block of slub_debug options (Linux's parse_slub_debug_flags): the
 * letters up to ',' or ';', then an optional list of cache names. Returns
 * the start of the next block or NULL; *slabs is the name list or NULL. */
static const char *parse_block(const char *str, slab_flags_t *flags, const char **slabs,
			       bool *higher_order_disable, char *bad)
{
	while (*str == ';')
		str++;
	if (*str == ',') {
		*flags = DEBUG_DEFAULT_FLAGS; /* only names: full debugging for them */
	} else {
		*flags = 0;
		for (; *str && *str != ',' && *str != ';'; str++) {
			switch (tolower((unsigned char)*str)) {
			case '-': *flags = 0; break;
			case 'f': *flags |= SLAB_CONSISTENCY_CHECKS; break;
			case 'z': *flags |= SLAB_RED_ZONE; break;
			case 'p': *flags |= SLAB_POISON; break;
			case 'u': *flags |= SLAB_STORE_USER; break;
			case 't': *flags |= SLAB_TRACE; break;
			case 'a': *flags |= SLAB_FAILSLAB; break;
			case 'o': *higher_order_disable = true; break;
			default:
				if (bad && !*bad)
					*bad = *str;
			}
		}
	}
	*slabs = *str == ',' ? ++str : NULL;
	while (*str && *str != ';')
		str++;
	while (*str == ';')
		str++;
	return *str ? str : NULL;
}

/* setup_slub_debug: global flags, and whether some block names caches. */
static int slub_debug_setup(const char *str, slab_flags_t *global, bool *has_lists,
			    bool *higher_order_disable, char *bad)
{
	slab_flags_t g = DEBUG_DEFAULT_FLAGS, flags;
	bool changed = false, lists = false;
	const char *slabs;
	*higher_order_disable = false;
	*has_lists = false;
	if (!str || !*str) {
		*global = 0; /* the machine config's "" means: no slub_debug at all */
		return 0;
	}
	if (*str == '=' && !str[1]) {
		*global = g; /* bare "slub_debug": everything */
		return 0;
	}
	for (const char *p = str; p;) {
		p = parse_block(p, &flags, &slabs, higher_order_disable, bad);
		if (!slabs) {
			g = flags;
			changed = true;
		} else {
			lists = true;
		}
	}
	if (lists && !changed)
		g = 0;
	*global = g;
	*has_lists = lists;
	return 0;
}

int slub_debug_parse(const char *str, slab_flags_t *global, char *why, size_t why_len)
{
	bool lists, ho;
	char bad = 0;
	slub_debug_setup(str, global, &lists, &ho, &bad);
	if (bad) {
		snprintf(why, why_len, "slub_debug option '%c' unknown (letters: F Z P U T A O -)", bad);
		return -EINVAL;
	}
	return 0;
}

void slab_debug_init(struct slab_state *st, const char *str)
{
	bool lists, ho;
	char bad = 0;
	slub_debug_setup(str, &st->slub_debug, &lists, &ho, &bad);
	st->disable_higher_order_debug = ho;
	if (bad)
		printk(st->k, "slub_debug option '%c' unknown. skipped", bad);
	if (lists)
		st->slub_debug_string = xstrdup(str);
}

slab_flags_t kmem_cache_flags(struct slab_state *st, slab_flags_t flags, const char *name)
{
	if (flags & SLAB_NO_USER_FLAGS)
		return flags;
	slab_flags_t local = st->slub_debug;
	if (flags & SLAB_NOLEAKTRACE)
		local &= ~SLAB_STORE_USER;
	size_t len = strlen(name);
	for (const char *next = st->slub_debug_string; next;) {
		slab_flags_t block;
		const char *iter;
		bool ho = false;
		next = parse_block(next, &block, &iter, &ho, NULL);
		if (!iter)
			continue;
		while (*iter && *iter != ';') {
			const char *end = strchr(iter, ',');
			const char *semi = strchr(iter, ';');
			if (!end || (semi && semi < end))
				end = semi ? semi : iter + strlen(iter);
			size_t cmplen = (size_t)(end - iter);
			const char *glob = memchr(iter, '*', cmplen);
			if (glob)
				cmplen = (size_t)(glob - iter);
			else if (cmplen < len)
				cmplen = len; /* the name must end where the item does */
			if (strncmp(name, iter, cmplen) == 0)
				return flags | block;
			if (*end != ',')
				break;
			iter = end + 1;
		}
	}
	return flags | local;
}

/* ---- call sites ------------------------------------------------------------------- */

static uint32_t fnv1a(const char *s)
{
	uint32_t h = 2166136261u;
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 16777619u;
	return h;
}

static void site_hash_insert(struct slab_state *st, uint32_t id)
{
	size_t mask = st->site_hash_cap - 1, i = st->sites[id - 1].hash & mask;
	while (st->site_hash[i])
		i = (i + 1) & mask;
	st->site_hash[i] = id;
}

uint32_t slab_site_id(struct slab_state *st, const char *site)
{
	if (!site || !*site)
		return 0;
	uint32_t h = fnv1a(site);
	if (st->site_hash_cap) {
		size_t mask = st->site_hash_cap - 1;
		for (size_t i = h & mask; st->site_hash[i]; i = (i + 1) & mask) {
			const struct slab_site *ss = &st->sites[st->site_hash[i] - 1];
			if (ss->hash == h && strcmp(ss->name, site) == 0)
				return st->site_hash[i];
		}
	}
	if (st->nr_sites == st->cap_sites) {
		st->cap_sites = st->cap_sites ? 2 * st->cap_sites : 64;
		st->sites = xrealloc(st->sites, st->cap_sites * sizeof(*st->sites));
	}
	st->sites[st->nr_sites] = (struct slab_site){ xstrdup(site), h };
	uint32_t id = (uint32_t)++st->nr_sites;
	if (2 * st->nr_sites >= st->site_hash_cap) {
		free(st->site_hash);
		st->site_hash_cap = st->site_hash_cap ? 2 * st->site_hash_cap : 128;
		st->site_hash = xcalloc(st->site_hash_cap, sizeof(*st->site_hash));
		for (uint32_t i = 1; i <= st->nr_sites; i++)
			site_hash_insert(st, i);
	} else {
		site_hash_insert(st, id);
	}
	return id;
}

const char *slab_site_name(const struct slab_state *st, uint32_t id)
{
	return id && id <= st->nr_sites ? st->sites[id - 1].name : NULL;
}

void slab_debug_fini(struct slab_state *st)
{
	for (size_t i = 0; i < st->nr_sites; i++)
		free(st->sites[i].name);
	free(st->sites);
	free(st->site_hash);
	free(st->slub_debug_string);
	st->sites = NULL;
	st->site_hash = NULL;
	st->slub_debug_string = NULL;
	st->nr_sites = st->cap_sites = st->site_hash_cap = 0;
}

uint64_t slab_jiffies(const struct mm_kernel *k)
{
	return k->clock_ns / (1000000000ULL / HZ);
}

/* ---- layout helpers --------------------------------------------------------------- */

static bool freeptr_outside_object(const struct kmem_cache *s)
{
	return s->offset >= s->inuse;
}

/* Where the metadata after the object and its free pointer starts. */
static unsigned get_info_end(const struct kmem_cache *s)
{
	return freeptr_outside_object(s) ? s->inuse + s->fp_bytes : s->inuse;
}

static bool slub_debug_orig_size(const struct kmem_cache *s)
{
	return (s->flags & SLAB_STORE_USER) && (s->flags & SLAB_KMALLOC);
}

static unsigned size_from_object(const struct kmem_cache *s)
{
	return (s->flags & SLAB_RED_ZONE) ? s->size - s->red_left_pad : s->size;
}

static uint8_t *host(const struct slab_state *st, mm_va_t va)
{
	return slab_va_host(st, va);
}

static void put_le(uint8_t *p, uint64_t v, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static uint64_t get_le(const uint8_t *p, unsigned n)
{
	uint64_t v = 0;
	for (unsigned i = 0; i < n; i++)
		v |= (uint64_t)p[i] << (8 * i);
	return v;
}

/* struct track in RAM: addr (site index), depot handle, cpu, pid, when. */
struct track {
	uint64_t addr;
	unsigned cpu;
	int pid;
	uint64_t when;
};

static mm_va_t track_va(const struct slab_state *st, const struct kmem_cache *s, mm_va_t obj,
			enum track_item what)
{
	return obj + get_info_end(s) + (unsigned)what * st->track_bytes;
}

static struct track get_track(const struct slab_state *st, const struct kmem_cache *s,
			      mm_va_t obj, enum track_item what)
{
	const uint8_t *p = host(st, track_va(st, s, obj, what));
	unsigned w = st->ptr_bytes;
	struct track t;
	t.addr = get_le(p, w);
	t.cpu = (unsigned)get_le(p + w + 4, 4);
	t.pid = (int)(uint32_t)get_le(p + w + 8, 4);
	t.when = get_le(p + (w == 8 ? 24 : 16), w);
	return t;
}

void slab_set_track(struct slab_state *st, struct kmem_cache *s, mm_va_t obj,
		    enum track_item what, uint32_t site)
{
	uint8_t *p = host(st, track_va(st, s, obj, what));
	unsigned w = st->ptr_bytes;
	memset(p, 0, st->track_bytes);
	put_le(p, site, w);
	put_le(p + w + 4, st->cpu, 4);
	put_le(p + w + 8, (uint32_t)st->pid, 4);
	put_le(p + (w == 8 ? 24 : 16), slab_jiffies(st->k), w);
}

static void init_tracking(struct slab_state *st, struct kmem_cache *s, mm_va_t obj)
{
	if (s->flags & SLAB_STORE_USER)
		memset(host(st, track_va(st, s, obj, TRACK_ALLOC)), 0, 2 * st->track_bytes);
}

static mm_va_t orig_size_va(const struct slab_state *st, const struct kmem_cache *s, mm_va_t obj)
{
	return obj + get_info_end(s) + 2 * st->track_bytes;
}

static void set_orig_size(struct slab_state *st, struct kmem_cache *s, mm_va_t obj,
			  unsigned orig_size)
{
	if (slub_debug_orig_size(s))
		put_le(host(st, orig_size_va(st, s, obj)), orig_size, ORIG_SIZE_BYTES);
}

static unsigned get_orig_size(const struct slab_state *st, const struct kmem_cache *s,
			      mm_va_t obj)
{
	if (!slub_debug_orig_size(s))
		return s->object_size;
	unsigned v = (unsigned)get_le(host(st, orig_size_va(st, s, obj)), ORIG_SIZE_BYTES);
	return v && v <= s->object_size ? v : s->object_size; /* never trust RAM */
}

void slab_skip_orig_size_check(struct slab_state *st, struct kmem_cache *s, mm_va_t obj)
{
	set_orig_size(st, s, obj, s->object_size);
}

/* ---- printing ------------------------------------------------------------------- */

const char *slab_ptr(const struct slab_state *st, mm_va_t va, char *buf, size_t len)
{
	snprintf(buf, len, "%0*llx", st->ptr_bytes * 2, (unsigned long long)va);
	return buf;
}

static const char *print_tainted(const struct slab_state *st, char *buf, size_t len)
{
	static const char c_true[TAINT_FLAGS_COUNT + 1] = "PFSRMBUDAWCIOELKXTN";
	if (!st->taint_mask) {
		snprintf(buf, len, "Not tainted");
		return buf;
	}
	char flags[TAINT_FLAGS_COUNT + 1];
	for (int i = 0; i < TAINT_FLAGS_COUNT; i++)
		flags[i] = (st->taint_mask >> i) & 1 ? c_true[i] : (i == 0 ? 'G' : ' ');
	flags[TAINT_FLAGS_COUNT] = '\0';
	snprintf(buf, len, "Tainted: %s", flags);
	return buf;
}

static void add_taint(struct slab_state *st, unsigned flag)
{
	if (!st->taint_mask)
		printk(st->k, "Disabling lock debugging due to kernel taint");
	st->taint_mask |= 1u << flag;
}

/* dump_stack, reduced to the context line and the call site. */
static void dump_stack(struct slab_state *st)
{
	char t[64];
	char comm[24];
	if (st->pid)
		snprintf(comm, sizeof(comm), "pid%d", st->pid);
	else
		snprintf(comm, sizeof(comm), "swapper/%u", st->cpu);
	printk(st->k, "CPU: %u PID: %d Comm: %s %s 6.6.0-mmsim #1", st->cpu, st->pid, comm,
	       print_tainted(st, t, sizeof(t)));
	printk(st->k, "Call Trace:");
	printk(st->k, " <TASK>");
	if (st->cur_site)
		printk(st->k, " %s", st->cur_site);
	printk(st->k, " </TASK>");
}

/* print_hex_dump(KERN_ERR, text, DUMP_PREFIX_ADDRESS, 16, 1, addr, length, 1) */
static void print_section(struct slab_state *st, const char *text, mm_va_t va, unsigned length)
{
	char b[24];
	for (unsigned i = 0; i < length; i += 16) {
		unsigned n = MM_MIN(16u, length - i);
		const uint8_t *p = host(st, va + i);
		char line[80];
		size_t lx = 0;
		for (unsigned j = 0; j < n; j++)
			lx += (size_t)snprintf(line + lx, sizeof(line) - lx, j + 1 < n ? "%02x " : "%02x", p[j]);
		while (lx < 49)
			line[lx++] = ' ';
		for (unsigned j = 0; j < n; j++)
			line[lx++] = isprint(p[j]) && p[j] < 0x80 ? (char)p[j] : '.';
		line[lx] = '\0';
		printk(st->k, "%s%s: %s", text, slab_ptr(st, va + i, b, sizeof(b)), line);
	}
}

static void slab_bug(struct slab_state *st, struct kmem_cache *s, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void slab_bug(struct slab_state *st, struct kmem_cache *s, const char *fmt, ...)
{
	char msg[160], t[64];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	s->nr_errors++;
	st->nr_errors++;
	snprintf(st->last_bug, sizeof(st->last_bug), "BUG %.60s: %.90s", s->name, msg);
	printk(st->k, "=============================================================================");
	printk(st->k, "BUG %s (%s): %s", s->name, print_tainted(st, t, sizeof(t)), msg);
	printk(st->k, "-----------------------------------------------------------------------------");
	printk(st->k, "%s", "");
}

void slab_fix(struct slab_state *st, struct kmem_cache *s, const char *fmt, ...)
{
	char msg[200];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	printk(st->k, "FIX %s: %s", s->name, msg);
}

/* %pGp: the flags word, the names of the set flags, the zone. */
static void format_page_flags(struct slab_state *st, const struct page *page, char *buf,
			      size_t len)
{
	static const char *const names[NR_PAGEFLAGS] = {
		[PG_locked] = "locked", [PG_referenced] = "referenced", [PG_uptodate] = "uptodate",
		[PG_dirty] = "dirty", [PG_lru] = "lru", [PG_active] = "active",
		[PG_workingset] = "workingset", [PG_slab] = "slab", [PG_reserved] = "reserved",
		[PG_private] = "private", [PG_writeback] = "writeback", [PG_head] = "head",
		[PG_tail] = "tail", [PG_swapbacked] = "swapbacked", [PG_unevictable] = "unevictable",
		[PG_mlocked] = "mlocked", [PG_buddy] = "buddy", [PG_pcp] = "pcp", [PG_table] = "table",
		[PG_anon] = "anon", [PG_zero] = "zero", [PG_guard] = "guard",
	};
	size_t n = (size_t)snprintf(buf, len, "0x%llx(", (unsigned long long)page->flags);
	for (int f = 0; f < NR_PAGEFLAGS && n < len; f++)
		if (PageFlag(page, f) && names[f])
			n += (size_t)snprintf(buf + n, len - n, "%s|", names[f]);
	int zone = 0;
	const struct zone *z = page_zone(st->k, page);
	for (int t = 0; z && t < (int)z->type; t++)
		zone += st->k->arch->zone_exists[t];
	if (n < len)
		snprintf(buf + n, len - n, "node=0|zone=%d)", zone);
}

/* The struct page's kernel address, as Linux prints "Slab 0x%p". */
static mm_va_t slab_desc_va(const struct slab_state *st, const struct page *slab)
{
	return st->page_offset + st->k->mem_map_pa +
	       (mm_va_t)(slab - st->k->mem_map) * sizeof(struct page);
}

static void print_slab_info(struct slab_state *st, const struct page *slab)
{
	char a[24], b[24], f[160];
	format_page_flags(st, slab, f, sizeof(f));
	printk(st->k, "Slab 0x%s objects=%u used=%u fp=0x%s flags=%s",
	       slab_ptr(st, slab_desc_va(st, slab), a, sizeof(a)), slab_objects(slab),
	       slab_inuse(slab), slab_ptr(st, slab_freelist(st, slab), b, sizeof(b)), f);
}

static void print_track(struct slab_state *st, const char *what, struct track t)
{
	const char *site = slab_site_name(st, (uint32_t)t.addr);
	if (!t.addr)
		return;
	uint64_t now = slab_jiffies(st->k);
	printk(st->k, "%s in %s age=%llu cpu=%u pid=%d", what, site ? site : "?",
	       (unsigned long long)(now >= t.when ? now - t.when : 0), t.cpu, t.pid);
}

void slab_print_tracking(struct slab_state *st, struct kmem_cache *s, mm_va_t obj)
{
	if (!(s->flags & SLAB_STORE_USER))
		return;
	print_track(st, "Allocated", get_track(st, s, obj, TRACK_ALLOC));
	print_track(st, "Freed", get_track(st, s, obj, TRACK_FREE));
}

static void print_trailer(struct slab_state *st, struct kmem_cache *s, struct page *slab,
			  mm_va_t p)
{
	char a[24], b[24];
	mm_va_t addr = slab_page_va(st, slab);
	slab_print_tracking(st, s, p);
	print_slab_info(st, slab);
	printk(st->k, "Object 0x%s @offset=%llu fp=0x%s", slab_ptr(st, p, a, sizeof(a)),
	       (unsigned long long)(p - addr), slab_ptr(st, slab_get_fp(st, s, p), b, sizeof(b)));
	printk(st->k, "%s", "");
	if (s->flags & SLAB_RED_ZONE)
		print_section(st, "Redzone  ", p - s->red_left_pad, s->red_left_pad);
	else if (p > addr + 16)
		print_section(st, "Bytes b4 ", p - 16, 16);
	print_section(st, "Object   ", p, (unsigned)MM_MIN((uint64_t)s->object_size, st->k->page_size));
	if (s->flags & SLAB_RED_ZONE)
		print_section(st, "Redzone  ", p + s->object_size, s->inuse - s->object_size);
	unsigned off = get_info_end(s);
	if (s->flags & SLAB_STORE_USER)
		off += 2 * st->track_bytes;
	if (slub_debug_orig_size(s))
		off += ORIG_SIZE_BYTES;
	if (off != size_from_object(s))
		print_section(st, "Padding  ", p + off, size_from_object(s) - off);
	dump_stack(st);
}

void slab_object_err(struct slab_state *st, struct kmem_cache *s, struct page *slab,
		     mm_va_t obj, const char *reason)
{
	slab_bug(st, s, "%s", reason);
	print_trailer(st, s, slab, obj);
	add_taint(st, TAINT_BAD_PAGE);
}

void slab_err(struct slab_state *st, struct kmem_cache *s, struct page *slab, const char *fmt, ...)
{
	char buf[100];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	slab_bug(st, s, "%s", buf);
	print_slab_info(st, slab);
	dump_stack(st);
	add_taint(st, TAINT_BAD_PAGE);
}

void slab_warn(struct slab_state *st, const char *where, const char *fmt, ...)
{
	char msg[200];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	st->nr_errors++;
	snprintf(st->last_bug, sizeof(st->last_bug), "%.150s", msg);
	printk(st->k, "------------[ cut here ]------------");
	printk(st->k, "%s", msg);
	printk(st->k, "WARNING: CPU: %u PID: %d at %s", st->cpu, st->pid, where);
	add_taint(st, TAINT_WARN);
	dump_stack(st);
	printk(st->k, "---[ end trace 0000000000000000 ]---");
}

/* ---- object initialisation ------------------------------------------------------- */

static void init_object(struct slab_state *st, struct kmem_cache *s, mm_va_t obj, uint8_t val)
{
	uint8_t *p = host(st, obj);
	unsigned poison_size = s->object_size;
	if (s->flags & SLAB_RED_ZONE) {
		memset(p - s->red_left_pad, val, s->red_left_pad);
		if (slub_debug_orig_size(s) && val == SLUB_RED_ACTIVE)
			poison_size = get_orig_size(st, s, obj); /* red-zone the kmalloc slack */
	}
	if ((s->flags & __OBJECT_POISON) && poison_size) {
		memset(p, POISON_FREE, poison_size - 1);
		p[poison_size - 1] = POISON_END;
	}
	if (s->flags & SLAB_RED_ZONE)
		memset(p + poison_size, val, s->inuse - poison_size);
}

void slab_setup_slab_debug(struct slab_state *st, struct kmem_cache *s, struct page *slab)
{
	if (s->flags & SLAB_POISON)
		memset(host(st, slab_page_va(st, slab)), POISON_INUSE,
		       st->k->page_size << slab_order_of(s, slab));
}

void slab_setup_object_debug(struct slab_state *st, struct kmem_cache *s, mm_va_t obj)
{
	init_object(st, s, obj, SLUB_RED_INACTIVE);
	init_tracking(st, s, obj);
}

/* ---- the checks ---------------------------------------------------------------------- */

static bool check_valid_pointer(struct slab_state *st, struct kmem_cache *s, struct page *slab,
				mm_va_t obj)
{
	return !obj || slab_valid_object(s, slab_page_va(st, slab), slab_objects(slab), obj);
}

static void restore_bytes(struct slab_state *st, struct kmem_cache *s, const char *what,
			  uint8_t data, mm_va_t from, mm_va_t to)
{
	char a[24], b[24];
	slab_fix(st, s, "Restoring %s 0x%s-0x%s=0x%x", what, slab_ptr(st, from, a, sizeof(a)),
		 slab_ptr(st, to - 1, b, sizeof(b)), data);
	memset(host(st, from), data, to - from);
}

/* Are bytes [start, start+bytes) all value? If not: report once, restore. */
static bool check_bytes_and_report(struct slab_state *st, struct kmem_cache *s,
				   struct page *slab, mm_va_t obj, const char *what, mm_va_t start,
				   uint8_t value, unsigned bytes)
{
	const uint8_t *p = host(st, start);
	unsigned i = 0;
	while (i < bytes && p[i] == value)
		i++;
	if (i == bytes)
		return true;
	mm_va_t fault = start + i, end = start + bytes;
	while (end > fault && p[end - 1 - start] == value)
		end--;
	char a[24], b[24];
	slab_bug(st, s, "%s overwritten", what);
	printk(st->k, "0x%s-0x%s @offset=%llu. First byte 0x%x instead of 0x%x",
	       slab_ptr(st, fault, a, sizeof(a)), slab_ptr(st, end - 1, b, sizeof(b)),
	       (unsigned long long)(fault - slab_page_va(st, slab)), p[i], value);
	print_trailer(st, s, slab, obj);
	add_taint(st, TAINT_BAD_PAGE);
	restore_bytes(st, s, what, value, fault, end);
	return false;
}

static bool check_pad_bytes(struct slab_state *st, struct kmem_cache *s, struct page *slab,
			    mm_va_t p)
{
	unsigned off = get_info_end(s);
	if (s->flags & SLAB_STORE_USER) {
		off += 2 * st->track_bytes;
		if (s->flags & SLAB_KMALLOC)
			off += ORIG_SIZE_BYTES;
	}
	if (size_from_object(s) == off)
		return true;
	return check_bytes_and_report(st, s, slab, p, "Object padding", p + off, POISON_INUSE,
				      size_from_object(s) - off);
}

/* The bytes after the last slot. */
static void slab_pad_check(struct slab_state *st, struct kmem_cache *s, struct page *slab)
{
	if (!(s->flags & SLAB_POISON))
		return;
	mm_va_t start = slab_page_va(st, slab);
	uint64_t length = st->k->page_size << slab_order_of(s, slab);
	uint64_t remainder = length % s->size;
	if (!remainder)
		return;
	mm_va_t pad = start + length - remainder, end = start + length;
	const uint8_t *p = host(st, pad);
	uint64_t i = 0;
	while (i < remainder && p[i] == POISON_INUSE)
		i++;
	if (i == remainder)
		return;
	mm_va_t fault = pad + i;
	while (end > fault && p[end - 1 - pad] == POISON_INUSE)
		end--;
	char a[24], b[24];
	slab_err(st, s, slab, "Padding overwritten. 0x%s-0x%s @offset=%llu",
		 slab_ptr(st, fault, a, sizeof(a)), slab_ptr(st, end - 1, b, sizeof(b)),
		 (unsigned long long)(fault - start));
	print_section(st, "Padding ", pad, (unsigned)remainder);
	restore_bytes(st, s, "slab padding", POISON_INUSE, fault, end);
}

static bool check_object(struct slab_state *st, struct kmem_cache *s, struct page *slab,
			 mm_va_t obj, uint8_t val)
{
	mm_va_t endobject = obj + s->object_size;
	if (s->flags & SLAB_RED_ZONE) {
		if (!check_bytes_and_report(st, s, slab, obj, "Left Redzone", obj - s->red_left_pad,
					    val, s->red_left_pad))
			return false;
		if (!check_bytes_and_report(st, s, slab, obj, "Right Redzone", endobject, val,
					    s->inuse - s->object_size))
			return false;
		if (slub_debug_orig_size(s) && val == SLUB_RED_ACTIVE) {
			unsigned orig_size = get_orig_size(st, s, obj);
			if (s->object_size > orig_size &&
			    !check_bytes_and_report(st, s, slab, obj, "kmalloc Redzone", obj + orig_size,
						    val, s->object_size - orig_size))
				return false;
		}
	} else if ((s->flags & SLAB_POISON) && s->object_size < s->inuse) {
		check_bytes_and_report(st, s, slab, obj, "Alignment padding", endobject, POISON_INUSE,
				       s->inuse - s->object_size);
	}
	if (s->flags & SLAB_POISON) {
		if (val != SLUB_RED_ACTIVE && (s->flags & __OBJECT_POISON) &&
		    (!check_bytes_and_report(st, s, slab, obj, "Poison", obj, POISON_FREE,
					     s->object_size - 1) ||
		     !check_bytes_and_report(st, s, slab, obj, "End Poison", endobject - 1, POISON_END, 1)))
			return false;
		check_pad_bytes(st, s, slab, obj); /* restores on its own */
	}
	if (!freeptr_outside_object(s) && val == SLUB_RED_ACTIVE)
		return true; /* the free pointer overlaps a live object: nothing to check */
	if (!check_valid_pointer(st, s, slab, slab_get_fp(st, s, obj))) {
		slab_object_err(st, s, slab, obj, "Freepointer corrupt");
		slab_set_fp(st, s, obj, 0); /* loses the rest of the chain */
		return false;
	}
	return true;
}

static bool check_slab(struct slab_state *st, struct kmem_cache *s, struct page *slab)
{
	if (!PageFlag(slab, PG_slab)) {
		slab_err(st, s, slab, "Not a valid slab page");
		return false;
	}
	unsigned maxobj = (unsigned)((st->k->page_size << slab_order_of(s, slab)) / s->size);
	if (slab_objects(slab) > maxobj) {
		slab_err(st, s, slab, "objects %u > max %u", slab_objects(slab), maxobj);
		return false;
	}
	if (slab_inuse(slab) > slab_objects(slab)) {
		slab_err(st, s, slab, "inuse %u > max %u", slab_inuse(slab), slab_objects(slab));
		return false;
	}
	slab_pad_check(st, s, slab);
	return true;
}

/* Is search on the slab's freelist? Also repairs a corrupt chain and wrong
 * counters (Linux's on_freelist). */
static bool on_freelist(struct slab_state *st, struct kmem_cache *s, struct page *slab,
			mm_va_t search)
{
	unsigned nr = 0, objects = slab_objects(slab);
	mm_va_t fp = slab_freelist(st, slab), object = 0;
	while (fp && nr <= objects) {
		if (fp == search)
			return true;
		if (!check_valid_pointer(st, s, slab, fp)) {
			if (object) {
				slab_object_err(st, s, slab, object, "Freechain corrupt");
				slab_set_fp(st, s, object, 0);
			} else {
				slab_err(st, s, slab, "Freepointer corrupt");
				slab_set_freelist(st, slab, 0);
				slab_set_inuse(slab, objects);
				slab_fix(st, s, "Freelist cleared");
				return false;
			}
			break;
		}
		object = fp;
		fp = slab_get_fp(st, s, object);
		nr++;
	}
	if (nr > objects) { /* a cycle */
		slab_object_err(st, s, slab, object, "Freechain corrupt");
		slab_set_fp(st, s, object, 0);
		nr = objects;
	}
	if (slab_inuse(slab) != objects - nr) {
		slab_err(st, s, slab, "Wrong object count. Counter is %u but counted were %u",
			 slab_inuse(slab), objects - nr);
		slab_set_inuse(slab, objects - nr);
		slab_fix(st, s, "Object count adjusted");
	}
	return search == 0;
}

void slab_trace(struct slab_state *st, struct kmem_cache *s, struct page *slab, mm_va_t obj,
		bool alloc)
{
	char a[24], b[24];
	if (!(s->flags & SLAB_TRACE))
		return;
	printk(st->k, "TRACE %s %s 0x%s inuse=%u fp=0x%s", s->name, alloc ? "alloc" : "free",
	       slab_ptr(st, obj, a, sizeof(a)), slab_inuse(slab),
	       slab_ptr(st, slab_freelist(st, slab), b, sizeof(b)));
	if (!alloc)
		print_section(st, "Object ", obj, s->object_size);
	dump_stack(st);
}

bool slab_alloc_debug_processing(struct slab_state *st, struct kmem_cache *s,
				 struct page *slab, mm_va_t obj, unsigned orig_size)
{
	if (s->flags & SLAB_CONSISTENCY_CHECKS) {
		if (!check_slab(st, s, slab))
			goto bad;
		if (!check_valid_pointer(st, s, slab, obj)) {
			slab_object_err(st, s, slab, obj, "Freelist Pointer check fails");
			goto bad;
		}
		if (!check_object(st, s, slab, obj, SLUB_RED_INACTIVE))
			goto bad;
	}
	slab_trace(st, s, slab, obj, true);
	set_orig_size(st, s, obj, orig_size);
	init_object(st, s, obj, SLUB_RED_ACTIVE);
	return true;
bad:
	if (PageFlag(slab, PG_slab)) {
		/* Leave the rest of the slab alone: all objects count as used. */
		slab_fix(st, s, "Marking all objects used");
		slab_set_inuse(slab, slab_objects(slab));
		slab_set_freelist(st, slab, 0);
	}
	return false;
}

bool slab_free_debug_processing(struct slab_state *st, struct kmem_cache *s,
				struct page *slab, mm_va_t obj, uint32_t site)
{
	bool ok = false;
	char a[24];
	if ((s->flags & SLAB_CONSISTENCY_CHECKS) && !check_slab(st, s, slab))
		goto out;
	if (slab_inuse(slab) < 1) {
		slab_err(st, s, slab, "Slab has %d allocated objects but %d are to be freed", 0, 1);
		goto out;
	}
	if (s->flags & SLAB_CONSISTENCY_CHECKS) {
		if (!check_valid_pointer(st, s, slab, obj)) {
			slab_err(st, s, slab, "Invalid object pointer 0x%s", slab_ptr(st, obj, a, sizeof(a)));
			goto out;
		}
		if (on_freelist(st, s, slab, obj)) {
			slab_object_err(st, s, slab, obj, "Object already free");
			goto out;
		}
		if (!check_object(st, s, slab, obj, SLUB_RED_ACTIVE))
			goto out;
	}
	if (s->flags & SLAB_STORE_USER)
		slab_set_track(st, s, obj, TRACK_FREE, site);
	slab_trace(st, s, slab, obj, false);
	init_object(st, s, obj, SLUB_RED_INACTIVE);
	ok = true;
out:
	if (!ok)
		slab_fix(st, s, "Object at 0x%s not freed", slab_ptr(st, obj, a, sizeof(a)));
	return ok;
}

void slab_free_slab_checks(struct slab_state *st, struct kmem_cache *s, struct page *slab)
{
	slab_pad_check(st, s, slab);
	mm_va_t p = slab_page_va(st, slab) + s->red_left_pad;
	for (unsigned i = 0; i < slab_objects(slab); i++, p += s->size)
		check_object(st, s, slab, p, SLUB_RED_INACTIVE);
}

void slab_list_objects(struct slab_state *st, struct kmem_cache *s, struct page *slab,
		       const char *text)
{
	char msg[120], a[24];
	unsigned objects = slab_objects(slab);
	snprintf(msg, sizeof(msg), text, s->name);
	slab_err(st, s, slab, "%s", msg);
	uint8_t *is_free = xcalloc(objects ? objects : 1, 1);
	mm_va_t base = slab_page_va(st, slab), first = base + s->red_left_pad;
	unsigned nr = 0;
	for (mm_va_t fp = slab_freelist(st, slab); fp && nr < objects; nr++) {
		if (!slab_valid_object(s, base, objects, fp))
			break;
		is_free[(fp - first) / s->size] = 1;
		fp = slab_get_fp(st, s, fp);
	}
	for (unsigned i = 0; i < objects; i++) {
		if (is_free[i])
			continue;
		mm_va_t p = first + (mm_va_t)i * s->size;
		printk(st->k, "Object 0x%s @offset=%llu", slab_ptr(st, p, a, sizeof(a)),
		       (unsigned long long)(p - base));
		slab_print_tracking(st, s, p);
	}
	free(is_free);
}
