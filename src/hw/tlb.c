/*
 * tlb.c - per-CPU TLBs: geometry (`machine tlb=`), lookup, fill with LRU
 * replacement, and every way the kernel invalidates entries.
 *
 *   struct hw_tlb (one per CPU)
 *    ├── arr[0]  L1d 4K     16 sets x 4 ways   ─┐ where[L1D][4K]  = 0
 *    ├── arr[1]  L1d 2M/4M   8 sets x 4 ways    │ where[L1D][2M]  = 1
 *    ├── arr[2]  L1d 1G      1 set  x 4 ways    │ where[L1D][1G]  = 2
 *    ├── arr[3]  L2 4K+2M  128 sets x 12 ways   │ where[L2][4K,2M] = 3
 *    └── arr[4]  L2 1G       4 sets x 4 ways   ─┘ where[L2][1G]   = 4
 *
 * Invalidation follows x86:
 *   invlpg            va's entries of the current PCID, and global ones
 *   INVPCID 0 / 1     one address / everything of one PCID, globals spared
 *   INVPCID 3 / CR3   every non-global entry (without PCID: a CR3 write)
 *   INVPCID 2         everything, globals included
 * and Linux's policy on top (arch/x86/mm/tlb.c): a range of more than
 * tlb_single_page_flush_ceiling (33) strides is flushed whole, because 33
 * invlpg at ~100 ns each already cost what refilling the TLB does.
 * A shootdown runs the same decision on every CPU of a mask, sending one
 * IPI per remote CPU; each receiver counts it, as /proc/interrupts' "TLB"
 * row does.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "hw/mmu.h"

const char *const tlb_level_names[TLB_NR_LEVELS] = { "L1i", "L1d", "L2" };

static const char *const level_keys[TLB_NR_LEVELS] = { "l1i", "l1d", "l2" };
static const char *const size_keys[TLB_NR_SIZES] = { "4k", "2m", "1g" };

/* ---- configuration ------------------------------------------------------- */

void hw_tlb_config_default(struct hw_tlb_config *cfg)
{
	/*
	 * Intel Skylake (Intel 64 and IA-32 Architectures Optimization Reference
	 * Manual, "Skylake microarchitecture", TLB parameters): L1 DTLB 64 x 4-way
	 * (4K), 32 x 4-way (2M/4M), 4 x 4-way (1G); STLB 1536 x 12-way shared by
	 * 4K and 2M, 16 x 4-way for 1G. Later Intel cores keep this shape.
	 */
	static const struct hw_tlb_array_config skylake[] = {
		{ TLB_L1D, 1u << TLB_SZ_BASE, 64, 4 },
		{ TLB_L1D, 1u << TLB_SZ_PMD, 32, 4 },
		{ TLB_L1D, 1u << TLB_SZ_PUD, 4, 4 },
		{ TLB_L2, (1u << TLB_SZ_BASE) | (1u << TLB_SZ_PMD), 1536, 12 },
		{ TLB_L2, 1u << TLB_SZ_PUD, 16, 4 },
	};
	memset(cfg, 0, sizeof(*cfg));
	cfg->nr_arrays = MM_ARRAY_SIZE(skylake);
	memcpy(cfg->arr, skylake, sizeof(skylake));
	cfg->pcid = true; /* Linux uses PCID on x86_64 CPUs that have it */
	cfg->flush_ceiling = TLB_FLUSH_CEILING_DEFAULT;
}

static bool tok_is(const char *p, size_t n, const char *lit)
{
	return strlen(lit) == n && strncasecmp(p, lit, n) == 0;
}

/* Decimal number in [p, p+n); false if empty, not a number or > max. */
static bool tok_num(const char *p, size_t n, uint32_t max, uint32_t *out)
{
	uint64_t v = 0;
	if (n == 0)
		return false;
	for (size_t i = 0; i < n; i++) {
		if (p[i] < '0' || p[i] > '9')
			return false;
		v = v * 10 + (uint64_t)(p[i] - '0');
		if (v > max)
			return false;
	}
	*out = (uint32_t)v;
	return true;
}

static int parse_fail(char *err, size_t err_len, unsigned item, const char *p, size_t n,
		      const char *fmt, const char *field, size_t field_len)
{
	char what[160];
	snprintf(what, sizeof(what), fmt, (int)field_len, field);
	if (err && err_len)
		snprintf(err, err_len, "tlb=: item %u \"%.*s\": %s", item, (int)MM_MIN(n, 80), p,
			 what);
	return -1;
}

/* One "level:sizes:entries:ways" item into *ac. */
static int parse_item(const char *p, size_t n, unsigned item, struct hw_tlb_array_config *ac,
		      char *err, size_t err_len)
{
	const char *f[4];
	size_t fl[4];
	unsigned nf = 0;
	const char *s = p, *end = p + n;
	while (nf < 4) {
		const char *c = memchr(s, ':', (size_t)(end - s));
		f[nf] = s;
		fl[nf] = c ? (size_t)(c - s) : (size_t)(end - s);
		nf++;
		if (!c)
			break;
		s = c + 1;
	}
	if (nf != 4 || f[3] + fl[3] != end)
		return parse_fail(err, err_len, item, p, n,
				  "want LEVEL:SIZES:ENTRIES:WAYS, e.g. l1d:4k:64:4%.*s", "", 0);

	int level = -1;
	for (int l = 0; l < TLB_NR_LEVELS; l++)
		if (tok_is(f[0], fl[0], level_keys[l]))
			level = l;
	if (level < 0)
		return parse_fail(err, err_len, item, p, n,
				  "unknown level \"%.*s\" (want l1d, l1i or l2)", f[0], fl[0]);

	unsigned sizes = 0;
	const char *z = f[1], *zend = f[1] + fl[1];
	for (;;) {
		const char *plus = memchr(z, '+', (size_t)(zend - z));
		size_t zl = plus ? (size_t)(plus - z) : (size_t)(zend - z);
		int sz = -1;
		if (tok_is(z, zl, "4k"))
			sz = TLB_SZ_BASE;
		else if (tok_is(z, zl, "2m") || tok_is(z, zl, "4m"))
			sz = TLB_SZ_PMD; /* one class: PS at the PMD level, 4M on i386 */
		else if (tok_is(z, zl, "1g"))
			sz = TLB_SZ_PUD;
		if (sz < 0)
			return parse_fail(err, err_len, item, p, n,
					  "unknown page size \"%.*s\" (want 4k, 2m, 4m or 1g, joined by +)",
					  z, zl);
		if (sizes & (1u << sz))
			return parse_fail(err, err_len, item, p, n,
					  "page size \"%.*s\" given twice", z, zl);
		sizes |= 1u << sz;
		if (!plus)
			break;
		z = plus + 1;
	}

	uint32_t entries, ways;
	if (!tok_num(f[2], fl[2], HW_TLB_MAX_ENTRIES, &entries) || entries == 0)
		return parse_fail(err, err_len, item, p, n,
				  "bad entries \"%.*s\" (want 1..65536)", f[2], fl[2]);
	if (tok_is(f[3], fl[3], "full"))
		ways = entries;
	else if (!tok_num(f[3], fl[3], HW_TLB_MAX_ENTRIES, &ways) || ways == 0)
		return parse_fail(err, err_len, item, p, n,
				  "bad ways \"%.*s\" (want a number or full)", f[3], fl[3]);
	if (ways > HW_TLB_MAX_WAYS)
		return parse_fail(err, err_len, item, p, n, "ways \"%.*s\": at most 128", f[3],
				  fl[3]);
	if (ways > entries || entries % ways != 0)
		return parse_fail(err, err_len, item, p, n,
				  "ways \"%.*s\" must divide the entries", f[3], fl[3]);
	uint32_t sets = entries / ways;
	if (sets & (sets - 1))
		return parse_fail(err, err_len, item, p, n,
				  "entries/ways must be a power of two (sets); ways \"%.*s\" gives another",
				  f[3], fl[3]);
	ac->level = (uint8_t)level;
	ac->sizes = (uint8_t)sizes;
	ac->entries = entries;
	ac->ways = ways;
	return 0;
}

int hw_tlb_config_parse(struct hw_tlb_config *cfg, const char *s, char *err, size_t err_len)
{
	struct hw_tlb_config out = *cfg;
	if (!s || !*s) {
		if (err && err_len)
			snprintf(err, err_len, "tlb=: empty value (want e.g. l1d:4k:64:4,l2:4k+2m:1536:12, or none)");
		return -1;
	}
	out.nr_arrays = 0;
	memset(out.arr, 0, sizeof(out.arr));
	if (strcasecmp(s, "none") == 0) {
		*cfg = out;
		return 0;
	}
	unsigned item = 0;
	const char *p = s;
	for (;;) {
		const char *comma = strchr(p, ',');
		size_t n = comma ? (size_t)(comma - p) : strlen(p);
		item++;
		if (out.nr_arrays == HW_TLB_MAX_ARRAYS)
			return parse_fail(err, err_len, item, p, n, "too many arrays (at most 8)%.*s",
					  "", 0);
		struct hw_tlb_array_config *ac = &out.arr[out.nr_arrays];
		if (parse_item(p, n, item, ac, err, err_len))
			return -1;
		for (unsigned i = 0; i < out.nr_arrays; i++) {
			if (out.arr[i].level == ac->level && (out.arr[i].sizes & ac->sizes))
				return parse_fail(err, err_len, item, p, n,
						  "level %.*s already has an array for one of these sizes",
						  level_keys[ac->level], strlen(level_keys[ac->level]));
		}
		out.nr_arrays++;
		if (!comma)
			break;
		p = comma + 1;
	}
	*cfg = out;
	return 0;
}

const char *hw_tlb_config_format(const struct hw_tlb_config *cfg, char *buf, size_t len)
{
	size_t n = 0;
	if (!buf || !len)
		return "";
	buf[0] = '\0';
	if (cfg->nr_arrays == 0) {
		snprintf(buf, len, "none");
		return buf;
	}
	for (unsigned i = 0; i < cfg->nr_arrays && n < len; i++) {
		const struct hw_tlb_array_config *ac = &cfg->arr[i];
		char sizes[16] = "";
		size_t sn = 0;
		for (int s = 0; s < TLB_NR_SIZES; s++)
			if (ac->sizes & (1u << s))
				sn += (size_t)snprintf(sizes + sn, sizeof(sizes) - sn, "%s%s",
						       sn ? "+" : "", size_keys[s]);
		int w = snprintf(buf + n, len - n, "%s%s:%s:%u:%u", i ? "," : "",
				 ac->level < TLB_NR_LEVELS ? level_keys[ac->level] : "?", sizes,
				 ac->entries, ac->ways);
		if (w < 0)
			break;
		n += (size_t)w;
	}
	return buf;
}

/* ---- set-up -------------------------------------------------------------------- */

int hw_tlb_init(struct hw_tlb *tlb, const struct hw_tlb_config *cfg,
		const unsigned shift[TLB_NR_SIZES])
{
	memset(tlb, 0, sizeof(*tlb));
	tlb->none_key = TLB_KEY_INVALID;
	tlb->none.key = &tlb->none_key;
	tlb->none.stamp = &tlb->none_stamp;
	tlb->none.slot = &tlb->none_slot;
	tlb->none.ways = 1;
	tlb->none.level = TLB_L1D;
	tlb->fast[0] = tlb->fast[1] = &tlb->none;
	memset(tlb->where, -1, sizeof(tlb->where));
	for (int s = 0; s < TLB_NR_SIZES; s++) {
		tlb->shift[s] = shift[s];
		if (shift[s])
			tlb->sizes_ok |= (uint8_t)(1u << s);
	}
	if (shift[TLB_SZ_BASE] < 2 || shift[TLB_SZ_BASE] > 40)
		return -EINVAL; /* keys need vpn < 2^62 */
	tlb->page_mask = (1ULL << shift[TLB_SZ_BASE]) - 1;
	tlb->pcid = cfg->pcid;
	tlb->flush_ceiling = cfg->flush_ceiling;
	if (cfg->nr_arrays > HW_TLB_MAX_ARRAYS)
		return -EINVAL;

	for (unsigned i = 0; i < cfg->nr_arrays; i++) {
		const struct hw_tlb_array_config *ac = &cfg->arr[i];
		uint32_t sets = ac->ways ? ac->entries / ac->ways : 0;
		if (ac->level >= TLB_NR_LEVELS || !ac->sizes || ac->sizes >> TLB_NR_SIZES ||
		    !ac->ways || ac->ways > HW_TLB_MAX_WAYS || ac->entries > HW_TLB_MAX_ENTRIES ||
		    ac->entries % ac->ways || (sets & (sets - 1)))
			goto bad;
		for (int s = 0; s < TLB_NR_SIZES; s++) {
			if (!(ac->sizes & (1u << s)))
				continue;
			if (tlb->where[ac->level][s] >= 0)
				goto bad;
			tlb->where[ac->level][s] = (int8_t)i;
		}
		struct tlb_array *a = &tlb->arr[i];
		/* one block: keys, then stamps, then slots */
		size_t n = ac->entries;
		char *mem = malloc(n * (2 * sizeof(uint64_t) + sizeof(struct tlb_slot)));
		if (!mem) {
			hw_tlb_fini(tlb);
			return -ENOMEM;
		}
		tlb->nr_arrays = i + 1;
		a->key = (uint64_t *)mem;
		a->stamp = a->key + n;
		a->slot = (struct tlb_slot *)(a->stamp + n);
		for (size_t k = 0; k < n; k++) {
			a->key[k] = TLB_KEY_INVALID;
			a->stamp[k] = 0;
			a->slot[k] = (struct tlb_slot){ 0 };
		}
		a->set_mask = sets - 1;
		a->ways = ac->ways;
		a->entries = ac->entries;
		a->level = ac->level;
		a->sizes = ac->sizes;
	}
	bool has_l1i = false;
	for (int s = 0; s < TLB_NR_SIZES; s++)
		has_l1i |= tlb->where[TLB_L1I][s] >= 0;
	tlb->l1_for_exec = has_l1i ? TLB_L1I : TLB_L1D;
	int d = tlb->where[TLB_L1D][TLB_SZ_BASE], x = tlb->where[tlb->l1_for_exec][TLB_SZ_BASE];
	tlb->fast[0] = d >= 0 ? &tlb->arr[d] : &tlb->none;
	tlb->fast[1] = x >= 0 ? &tlb->arr[x] : &tlb->none;
	return 0;
bad:
	hw_tlb_fini(tlb);
	return -EINVAL;
}

void hw_tlb_fini(struct hw_tlb *tlb)
{
	for (unsigned i = 0; i < tlb->nr_arrays; i++) {
		free(tlb->arr[i].key); /* the block holding all three */
		tlb->arr[i].key = NULL;
		tlb->arr[i].stamp = NULL;
		tlb->arr[i].slot = NULL;
	}
	tlb->nr_arrays = 0;
	tlb->fast[0] = tlb->fast[1] = &tlb->none;
}

/* ---- lookup and fill ------------------------------------------------------------ */

static inline uint64_t key_vpn(uint64_t key)
{
	return key & ~(3ULL << TLB_KEY_SIZE_SHIFT);
}

/* Empty way k of array a, keeping the per-size counts. An empty way has
 * stamp 0, older than any used one, so the LRU search finds it first. */
static inline void drop(struct tlb_array *a, size_t k)
{
	a->nr_valid[a->slot[k].size]--;
	a->key[k] = TLB_KEY_INVALID;
	a->stamp[k] = 0;
}

/* Put ne into way k of array a, evicting what it held. The per-size
 * counts change only when the size does: read-modify-writes of one counter
 * on every fill would chain each fill to the previous one. */
static inline void put(struct tlb_array *a, size_t k, const struct tlb_entry *ne, bool same)
{
	unsigned size = ne->s.size;
	if (a->key[k] == TLB_KEY_INVALID) {
		a->nr_valid[size]++;
	} else {
		if (!same)
			a->evictions++;
		if (a->slot[k].size != size) {
			a->nr_valid[a->slot[k].size]--;
			a->nr_valid[size]++;
		}
	}
	a->key[k] = ne->key;
	a->slot[k] = ne->s;
	a->stamp[k] = ++a->clock;
	a->fills++;
}

/* The array at `level` holding ne's size, or NULL. */
static inline struct tlb_array *array_for(struct hw_tlb *tlb, unsigned level,
					  const struct tlb_entry *ne)
{
	if (level >= TLB_NR_LEVELS || ne->s.size >= TLB_NR_SIZES)
		return NULL;
	int i = tlb->where[level][ne->s.size];
	return i < 0 ? NULL : &tlb->arr[i];
}

/* The least recently used way of the set at b: empty ways (stamp 0) first.
 * Branch-free (which way is oldest changes from set to set, and a
 * mispredicted branch per way would cost more than the scan), with two
 * independent minima, even and odd ways, so the dependency chain is half
 * as long. */
static inline size_t lru_way(const struct tlb_array *a, size_t b)
{
	const uint64_t *stamps = a->stamp + b;
	const unsigned ways = a->ways;
	uint64_t i0 = 0, s0 = stamps[0], i1 = 0, s1 = UINT64_MAX;
	unsigned w = 1;
	for (; w + 1 < ways; w += 2) {
		uint64_t t1 = stamps[w], t0 = stamps[w + 1];
		uint64_t m1 = -(uint64_t)(t1 < s1), m0 = -(uint64_t)(t0 < s0);
		s1 ^= (s1 ^ t1) & m1;
		i1 ^= (i1 ^ w) & m1;
		s0 ^= (s0 ^ t0) & m0;
		i0 ^= (i0 ^ (w + 1)) & m0;
	}
	if (w < ways) {
		uint64_t t1 = stamps[w], m1 = -(uint64_t)(t1 < s1);
		s1 ^= (s1 ^ t1) & m1;
		i1 ^= (i1 ^ w) & m1;
	}
	return b + (s1 < s0 ? i1 : i0);
}

void tlb_insert(struct hw_tlb *tlb, unsigned level, const struct tlb_entry *ne)
{
	struct tlb_array *a = array_for(tlb, level, ne);
	if (!a)
		return;
	const size_t b = tlb_set_base(a, key_vpn(ne->key));
	/* The same translation cached again (a D-bit re-walk, an L2 refill
	 * racing a global entry): update it instead of holding it twice. */
	for (unsigned w = 0; w < a->ways; w++) {
		size_t k = b + w;
		if (a->key[k] == ne->key && (a->slot[k].asid == ne->s.asid ||
					     ((a->slot[k].flags | ne->s.flags) & TLB_E_GLOBAL))) {
			put(a, k, ne, true);
			return;
		}
	}
	put(a, lru_way(a, b), ne, false);
}

void tlb_insert_new(struct hw_tlb *tlb, unsigned level, const struct tlb_entry *ne)
{
	struct tlb_array *a = array_for(tlb, level, ne);
	if (a)
		put(a, lru_way(a, tlb_set_base(a, key_vpn(ne->key))), ne, false);
}

/* Does slot s match an invalidation of (asid, with_global)? */
static inline bool inval_match(const struct tlb_slot *s, unsigned asid, bool with_global)
{
	if (s->flags & TLB_E_GLOBAL)
		return with_global;
	return s->asid == asid;
}

unsigned tlb_invalidate_va(struct hw_tlb *tlb, mm_va_t va, unsigned asid, bool with_global)
{
	unsigned n = 0;
	for (unsigned i = 0; i < tlb->nr_arrays; i++) {
		struct tlb_array *a = &tlb->arr[i];
		for (unsigned s = 0; s < TLB_NR_SIZES; s++) {
			if (!(a->sizes & tlb->sizes_ok & (1u << s)) || !a->nr_valid[s])
				continue;
			uint64_t vpn = va >> tlb->shift[s];
			uint64_t key = vpn | (uint64_t)s << TLB_KEY_SIZE_SHIFT;
			size_t b = tlb_set_base(a, vpn);
			for (unsigned w = 0; w < a->ways; w++) {
				if (a->key[b + w] == key && inval_match(&a->slot[b + w], asid, with_global)) {
					drop(a, b + w);
					n++;
				}
			}
		}
	}
	return n;
}

void tlb_invalidate_scope(struct hw_tlb *tlb, enum tlb_scope scope, unsigned asid)
{
	for (unsigned i = 0; i < tlb->nr_arrays; i++) {
		struct tlb_array *a = &tlb->arr[i];
		for (unsigned k = 0; k < a->entries; k++) {
			if (a->key[k] == TLB_KEY_INVALID)
				continue;
			const struct tlb_slot *s = &a->slot[k];
			bool g = s->flags & TLB_E_GLOBAL;
			if (scope == TLB_SCOPE_ALL ||
			    (!g && (scope == TLB_SCOPE_NONGLOBAL || s->asid == asid)))
				drop(a, k);
		}
	}
}

unsigned tlb_nr_valid(const struct hw_tlb *tlb, int array)
{
	if (array < 0 || (unsigned)array >= tlb->nr_arrays)
		return 0;
	const struct tlb_array *a = &tlb->arr[array];
	unsigned n = 0;
	for (unsigned s = 0; s < TLB_NR_SIZES; s++)
		n += a->nr_valid[s];
	return n;
}

bool tlb_check(const struct hw_tlb *tlb)
{
	bool ok = true;
	for (unsigned i = 0; i < tlb->nr_arrays; i++) {
		const struct tlb_array *a = &tlb->arr[i];
		uint32_t count[TLB_NR_SIZES] = { 0 };
		for (unsigned k = 0; k < a->entries; k++) {
			uint64_t key = a->key[k];
			if (key == TLB_KEY_INVALID) {
				if (a->stamp[k]) {
					fprintf(stderr, "tlb_check: array %u entry %u: empty with stamp %llu\n",
						i, k, (unsigned long long)a->stamp[k]);
					ok = false;
				}
				continue;
			}
			const struct tlb_slot *e = &a->slot[k];
			unsigned s = (unsigned)(key >> TLB_KEY_SIZE_SHIFT);
			uint64_t set = k / a->ways;
			const char *why = NULL;
			if (s != e->size || s >= TLB_NR_SIZES || !(a->sizes & (1u << s)))
				why = "size not held by this array";
			else if ((key_vpn(key) & a->set_mask) != set)
				why = "entry in the wrong set";
			else if (a->stamp[k] > a->clock || a->stamp[k] == 0)
				why = "LRU stamp 0 or ahead of the clock";
			else if (e->allow != tlb_allow_mask(e->flags))
				why = "cached permissions disagree with flags";
			for (unsigned w = (unsigned)(set * a->ways); !why && w < k; w++) {
				if (a->key[w] == key && a->slot[w].asid == e->asid)
					why = "same key and PCID twice in a set";
			}
			if (s < TLB_NR_SIZES)
				count[s]++;
			if (why) {
				fprintf(stderr,
					"tlb_check: %s array %u entry %u: %s (key 0x%llx pcid %u pa 0x%llx flags 0x%x stamp %llu)\n",
					tlb_level_names[a->level % TLB_NR_LEVELS], i, k, why,
					(unsigned long long)key, e->asid, (unsigned long long)e->pa,
					e->flags, (unsigned long long)a->stamp[k]);
				ok = false;
			}
		}
		for (unsigned s = 0; s < TLB_NR_SIZES; s++) {
			if (count[s] != a->nr_valid[s]) {
				fprintf(stderr, "tlb_check: %s array %u: %u valid entries of size %u, counted %u\n",
					tlb_level_names[a->level % TLB_NR_LEVELS], i, a->nr_valid[s], s,
					count[s]);
				ok = false;
			}
		}
	}
	return ok;
}

/* ---- invalidation operations (declared in mmu.h) ---------------------------------- */

void tlb_invlpg(struct hw_cpu *c, mm_va_t va)
{
	tlb_invalidate_va(&c->tlb, va, c->pcid, true);
	c->stats.flush_one++;
}

void tlb_invpcid_addr(struct hw_cpu *c, unsigned pcid, mm_va_t va)
{
	tlb_invalidate_va(&c->tlb, va, pcid, false);
	c->stats.flush_one++;
}

void tlb_flush_pcid(struct hw_cpu *c, unsigned pcid)
{
	tlb_invalidate_scope(&c->tlb, TLB_SCOPE_PCID, pcid);
	c->stats.flush_all++;
}

void tlb_flush_nonglobal(struct hw_cpu *c)
{
	tlb_invalidate_scope(&c->tlb, TLB_SCOPE_NONGLOBAL, 0);
	c->stats.flush_all++;
}

void tlb_flush_all(struct hw_cpu *c)
{
	tlb_invalidate_scope(&c->tlb, TLB_SCOPE_ALL, 0);
	c->stats.flush_all++;
}

static bool range_ok(const struct hw_cpu *c, mm_va_t start, mm_va_t end, unsigned stride_shift)
{
	return start <= end && stride_shift >= c->tlb.shift[TLB_SZ_BASE] && stride_shift < 64;
}

/* The decision and the work of one CPU's part of a range flush. */
static int flush_range_local(struct hw_cpu *c, mm_va_t start, mm_va_t end, unsigned stride_shift,
			     bool kernel)
{
	c->stats.flush_ranges++;
	if (end == TLB_FLUSH_ALL || ((end - start) >> stride_shift) > c->tlb.flush_ceiling) {
		c->stats.flush_ranges_full++;
		if (kernel)
			tlb_flush_all(c); /* do_flush_tlb_all: globals too */
		else
			tlb_flush_pcid(c, c->pcid); /* flush_tlb_local: a CR3 reload */
		return TLB_FLUSHED_FULL;
	}
	uint64_t stride = 1ULL << stride_shift;
	for (mm_va_t va = start; va < end; va += stride) {
		tlb_invlpg(c, va);
		if (va + stride < va)
			break; /* the range ends at the top of the address space */
	}
	return TLB_FLUSHED_PAGES;
}

int tlb_flush_range(struct hw_cpu *c, mm_va_t start, mm_va_t end, unsigned stride_shift)
{
	if (!c || !range_ok(c, start, end, stride_shift))
		return -EINVAL;
	return flush_range_local(c, start, end, stride_shift, false);
}

int tlb_flush_kernel_range(struct hw_cpu *c, mm_va_t start, mm_va_t end)
{
	if (!c || start > end)
		return -EINVAL;
	return flush_range_local(c, start, end, c->tlb.shift[TLB_SZ_BASE], true);
}

int tlb_shootdown(struct hw_cpu *cpus, unsigned n, unsigned self, uint64_t cpumask,
		  mm_va_t start, mm_va_t end, unsigned stride_shift, bool kernel)
{
	if (!cpus || n == 0 || n > HW_MAX_CPUS || self >= n)
		return -EINVAL;
	if (kernel)
		stride_shift = cpus[self].tlb.shift[TLB_SZ_BASE];
	if (!range_ok(&cpus[self], start, end, stride_shift))
		return -EINVAL;
	if (n < 64)
		cpumask &= (1ULL << n) - 1;
	int ipis = 0;
	for (unsigned i = 0; i < n; i++) {
		if (!(cpumask >> i & 1))
			continue;
		flush_range_local(&cpus[i], start, end, stride_shift, kernel);
		if (i != self) {
			cpus[i].stats.shootdowns++;
			ipis++;
		}
	}
	cpus[self].stats.ipis_sent += (uint64_t)ipis;
	if (ipis)
		cpus[self].stats.remote_flushes++;
	return ipis;
}
