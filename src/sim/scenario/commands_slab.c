/*
 * commands_slab.c - the slab allocator and kmalloc as a user drives them,
 * and kread/kwrite, which let a scenario play a buggy kernel.
 *
 *   kmalloc 100 -> $k
 *       kmalloc: 100 bytes -> 0xffff888003a1b000 (kmalloc-128)
 *   kwrite $k+100 "AAAA"          # past the 100 bytes asked for
 *   kfree $k                      # with slub_debug=FZPU: a report in dmesg
 *   kmem_cache create my_cache size=700 flags=HWCACHE_ALIGN|RED_ZONE
 *   kmem_cache alloc my_cache -> $o
 *   kmem_cache free my_cache $o
 *   kread $o 16
 *       ffff888003a1c000: 6b 6b 6b 6b 6b 6b 6b 6b 6b 6b 6b 6b 6b 6b 6b 6b  kkkkkkkkkkkkkkkk
 *
 * Results are kernel virtual addresses in the direct map (0 when an
 * allocation fails, which is not an input error: the scenario goes on).
 * What the kernel detects - a double free, an overwritten red zone, a
 * kfree of an address kmalloc never returned - is not an input error
 * either: it is reported in dmesg as Linux reports it, the command prints
 * one line naming the report, and the run goes on. The call site that
 * SLAB_STORE_USER records is the scenario's "file:line".
 *
 * kwrite writes only memory the slab allocator owns (slab pages and
 * kmalloc_large blocks), in use or free: that is where a buggy kernel's
 * overflows and writes after free land. Other frames hold structures the
 * rest of mmsim trusts (page tables, mem_map with its host pointers), and a
 * scenario may not corrupt the simulator itself.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "mm/internal.h"
#include "mm/slab.h"
#include "sim/machine.h"
#include "sim/scenario/scenario.h"

#define KREAD_MAX (64 * 1024)

/* "file.mms:line" of the command (the file's base name, so that reports
 * stay short), for SLAB_STORE_USER and the reports' call trace. */
static void site_of(struct scn_ctx *c, char *buf, size_t len)
{
	unsigned line, col;
	const char *file = c->ln->file ? c->ln->file : "<scenario>";
	const char *slash = strrchr(file, '/');
	scn_line_pos(c->ln, c->cmd_off, &line, &col);
	snprintf(buf, len, "%s:%u", slash ? slash + 1 : file, line);
}

static bool need_slab(struct scn_ctx *c)
{
	if (c->m->k.slab)
		return true;
	scn_error(c, c->cmd_off, "%s: this machine has no slab allocator (the toy arch keeps its "
				 "kernel outside simulated RAM)", c->cmd->name);
	return false;
}

/* cpu=N: run the command on that CPU's slabs. *old gets the previous CPU. */
static int cpu_key(struct scn_ctx *c, unsigned *old)
{
	struct mm_kernel *k = &c->m->k;
	unsigned cpu;
	bool given;
	*old = k->slab->cpu;
	if (scn_key_cpu(c, &cpu, &given))
		return SCN_ERROR;
	if (given)
		slab_set_cpu(k, cpu);
	return 0;
}

static int addr_arg(struct scn_ctx *c, int i, const char *what, uint64_t *out)
{
	const struct scn_arg *a = scn_need_pos(c, i, what);
	return a ? scn_arg_u64(c, a, what, 0, UINT64_MAX, out) : SCN_ERROR;
}

/* One line about a refused free; the report itself is in dmesg. */
static void print_refused(struct scn_ctx *c, const char *what, uint64_t va)
{
	const char *bug = c->m->k.slab->last_bug;
	fprintf(c->out, "%s: 0x%llx refused: %s (see show dmesg)\n", what, (unsigned long long)va,
		bug[0] ? bug : "reported");
}

/* Describe where an allocation landed. */
static void print_alloc(struct scn_ctx *c, const char *what, uint64_t size, mm_va_t va)
{
	struct mm_kernel *k = &c->m->k;
	if (!va) {
		fprintf(c->out, "%s: %llu bytes failed\n", what, (unsigned long long)size);
		return;
	}
	if (va == ZERO_SIZE_PTR) {
		fprintf(c->out, "%s: 0 bytes -> ZERO_SIZE_PTR (0x10)\n", what);
		return;
	}
	struct kmem_cache *s = virt_to_cache(k, va);
	if (s)
		fprintf(c->out, "%s: %llu bytes -> 0x%llx (%s)\n", what, (unsigned long long)size,
			(unsigned long long)va, s->name);
	else
		fprintf(c->out, "%s: %llu bytes -> 0x%llx (kmalloc_large: %zu bytes of pages, pfn 0x%llx)\n",
			what, (unsigned long long)size, (unsigned long long)va, ksize(k, va),
			(unsigned long long)(__pa(k, va) >> k->page_shift));
}

static int do_kmalloc(struct scn_ctx *c, bool zero)
{
	struct mm_kernel *k = &c->m->k;
	const struct scn_arg *a;
	uint64_t size;
	gfp_t gfp = GFP_KERNEL;
	unsigned old;
	char site[300];
	if (!need_slab(c))
		return SCN_ERROR;
	if (!(a = scn_need_pos(c, 0, "SIZE")) || scn_arg_u64(c, a, "SIZE", 0, UINT32_MAX, &size))
		return SCN_ERROR;
	if (scn_key_gfp(c, &gfp) || cpu_key(c, &old))
		return SCN_ERROR;
	site_of(c, site, sizeof(site));
	mm_va_t va = kmalloc_caller(k, (size_t)size, zero ? gfp | __GFP_ZERO : gfp, site);
	slab_set_cpu(k, old);
	print_alloc(c, zero ? "kzalloc" : "kmalloc", size, va);
	scn_result_num(c, va, true);
	return SCN_OK;
}

static int cmd_kmalloc(struct scn_ctx *c)
{
	return do_kmalloc(c, false);
}

static int cmd_kzalloc(struct scn_ctx *c)
{
	return do_kmalloc(c, true);
}

static int cmd_kcalloc(struct scn_ctx *c)
{
	struct mm_kernel *k = &c->m->k;
	const struct scn_arg *a;
	uint64_t n, size;
	gfp_t gfp = GFP_KERNEL;
	unsigned old;
	if (!need_slab(c))
		return SCN_ERROR;
	if (!(a = scn_need_pos(c, 0, "N")) || scn_arg_u64(c, a, "N", 0, UINT64_MAX, &n))
		return SCN_ERROR;
	if (!(a = scn_need_pos(c, 1, "SIZE")) || scn_arg_u64(c, a, "SIZE", 0, UINT64_MAX, &size))
		return SCN_ERROR;
	if (scn_key_gfp(c, &gfp) || cpu_key(c, &old))
		return SCN_ERROR;
	mm_va_t va = kcalloc(k, (size_t)n, (size_t)size, gfp);
	slab_set_cpu(k, old);
	uint64_t bytes;
	if (__builtin_mul_overflow(n, size, &bytes))
		fprintf(c->out, "kcalloc: %llu * %llu overflows: NULL\n", (unsigned long long)n,
			(unsigned long long)size);
	else
		print_alloc(c, "kcalloc", bytes, va);
	scn_result_num(c, va, true);
	return SCN_OK;
}

static int cmd_krealloc(struct scn_ctx *c)
{
	struct mm_kernel *k = &c->m->k;
	const struct scn_arg *a;
	uint64_t va, size;
	gfp_t gfp = GFP_KERNEL;
	unsigned old;
	char site[300];
	if (!need_slab(c) || addr_arg(c, 0, "ADDR", &va))
		return SCN_ERROR;
	if (!(a = scn_need_pos(c, 1, "SIZE")) || scn_arg_u64(c, a, "SIZE", 0, UINT32_MAX, &size))
		return SCN_ERROR;
	if (scn_key_gfp(c, &gfp) || cpu_key(c, &old))
		return SCN_ERROR;
	site_of(c, site, sizeof(site));
	uint64_t errors = k->slab->nr_errors;
	mm_va_t nva = krealloc_caller(k, va, (size_t)size, gfp, site);
	slab_set_cpu(k, old);
	if (k->slab->nr_errors != errors && !nva)
		print_refused(c, "krealloc", va);
	else if (nva == va)
		fprintf(c->out, "krealloc: 0x%llx still fits %llu bytes (ksize %zu)\n",
			(unsigned long long)va, (unsigned long long)size, ksize(k, va));
	else
		print_alloc(c, "krealloc", size, nva);
	scn_result_num(c, nva, true);
	return SCN_OK;
}

static int cmd_ksize(struct scn_ctx *c)
{
	uint64_t va;
	if (!need_slab(c) || addr_arg(c, 0, "ADDR", &va))
		return SCN_ERROR;
	size_t n = ksize(&c->m->k, va);
	fprintf(c->out, "ksize: %zu\n", n);
	scn_result_num(c, n, false);
	return SCN_OK;
}

static int cmd_kfree(struct scn_ctx *c)
{
	struct mm_kernel *k = &c->m->k;
	uint64_t va;
	unsigned old;
	char site[300];
	if (!need_slab(c) || addr_arg(c, 0, "ADDR", &va) || cpu_key(c, &old))
		return SCN_ERROR;
	site_of(c, site, sizeof(site));
	int ret = kfree_caller(k, va, site);
	slab_set_cpu(k, old);
	if (ret)
		print_refused(c, "kfree", va);
	else if (c->s->verbose)
		fprintf(c->out, "kfree: 0x%llx\n", (unsigned long long)va);
	return SCN_OK;
}

/* ---- kmem_cache ---------------------------------------------------------------- */

struct slab_flag_name {
	const char *name;
	slab_flags_t flag;
};
static const struct slab_flag_name slab_flag_names[] = {
	{ "HWCACHE_ALIGN", SLAB_HWCACHE_ALIGN },
	{ "RECLAIM_ACCOUNT", SLAB_RECLAIM_ACCOUNT },
	{ "POISON", SLAB_POISON },
	{ "RED_ZONE", SLAB_RED_ZONE },
	{ "STORE_USER", SLAB_STORE_USER },
	{ "PANIC", SLAB_PANIC },
	{ "CONSISTENCY_CHECKS", SLAB_CONSISTENCY_CHECKS },
	{ "TRACE", SLAB_TRACE },
	{ "CACHE_DMA", SLAB_CACHE_DMA },
	{ "CACHE_DMA32", SLAB_CACHE_DMA32 },
	{ "ACCOUNT", SLAB_ACCOUNT },
	{ "TYPESAFE_BY_RCU", SLAB_TYPESAFE_BY_RCU },
	{ "NO_MERGE", SLAB_NO_MERGE },
};

static int flags_key(struct scn_ctx *c, const struct scn_arg *a, slab_flags_t *out)
{
	struct strbuf sb = STRBUF_INIT;
	int rc = scn_arg_text(c, a, &sb);
	*out = 0;
	for (const char *p = sb_str(&sb); !rc && *p;) {
		const char *end = strchr(p, '|');
		size_t n = end ? (size_t)(end - p) : strlen(p);
		const char *word = p;
		if (n > 5 && strncmp(word, "SLAB_", 5) == 0) {
			word += 5;
			n -= 5;
		}
		size_t i;
		for (i = 0; i < MM_ARRAY_SIZE(slab_flag_names); i++)
			if (strlen(slab_flag_names[i].name) == n && strncmp(slab_flag_names[i].name, word, n) == 0)
				break;
		if (i == MM_ARRAY_SIZE(slab_flag_names)) {
			rc = scn_error(c, a->val_off, "kmem_cache: unknown flag '%.*s' (flags: HWCACHE_ALIGN "
				       "RECLAIM_ACCOUNT POISON RED_ZONE STORE_USER PANIC CONSISTENCY_CHECKS "
				       "TRACE CACHE_DMA CACHE_DMA32 ACCOUNT TYPESAFE_BY_RCU NO_MERGE)",
				       (int)n, word);
			break;
		}
		*out |= slab_flag_names[i].flag;
		p = end ? end + 1 : p + n;
	}
	sb_free(&sb);
	return rc;
}

static bool valid_cache_name(const char *s)
{
	if (!*s || strlen(s) > 63)
		return false;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') ||
		      *s == '_' || *s == '-' || *s == ':'))
			return false;
	return true;
}

/* Keys other than allowed (space-separated) are an error for this action. */
static int only_keys(struct scn_ctx *c, const char *action, const char *allowed)
{
	for (int i = 0; i < c->nr_keys; i++) {
		const char *key = c->keys[i].key;
		size_t n = strlen(key);
		const char *p = allowed;
		bool ok = false;
		while (p && *p) {
			if (strncmp(p, key, n) == 0 && (p[n] == ' ' || p[n] == '\0'))
				ok = true;
			p = strchr(p, ' ');
			if (p)
				p++;
		}
		if (!ok)
			return scn_error(c, c->keys[i].off, "kmem_cache %s does not take %s=", action, key);
	}
	return 0;
}

static int cache_arg(struct scn_ctx *c, struct kmem_cache **out, struct strbuf *name)
{
	const struct scn_arg *a = scn_need_pos(c, 1, "CACHE");
	if (!a || scn_arg_text(c, a, name))
		return SCN_ERROR;
	*out = kmem_cache_find(&c->m->k, sb_str(name));
	if (!*out)
		return scn_error(c, a->val_off, "kmem_cache: no cache named '%s' (see show slabinfo)",
				 sb_str(name));
	return 0;
}

static int kc_create(struct scn_ctx *c)
{
	struct mm_kernel *k = &c->m->k;
	struct strbuf name = STRBUF_INIT;
	const struct scn_arg *a = scn_need_pos(c, 1, "NAME"), *sz, *al, *fl;
	uint64_t size, align = 0;
	slab_flags_t flags = 0;
	int rc = SCN_ERROR;
	if (!a || only_keys(c, "create", "size align flags") || scn_arg_text(c, a, &name))
		goto out;
	if (!valid_cache_name(sb_str(&name))) {
		rc = scn_error(c, a->val_off, "kmem_cache create: bad cache name '%s' (letters, digits, _ - :; up to 63)",
			       sb_str(&name));
		goto out;
	}
	if (kmem_cache_find(k, sb_str(&name))) {
		rc = scn_error(c, a->val_off, "kmem_cache create: a cache named '%s' exists", sb_str(&name));
		goto out;
	}
	if (!(sz = scn_opt_key(c, "size"))) {
		rc = scn_error(c, c->cmd_off, "kmem_cache create: missing size= (usage: %s)", c->cmd->usage);
		goto out;
	}
	if (scn_arg_u64(c, sz, "size", 1, k->slab->kmalloc_max_size, &size))
		goto out;
	if ((al = scn_opt_key(c, "align"))) {
		if (scn_arg_u64(c, al, "align", 0, k->page_size, &align))
			goto out;
		if (align & (align - 1)) {
			rc = scn_error(c, al->val_off, "kmem_cache create: align=%llu is not a power of two",
				       (unsigned long long)align);
			goto out;
		}
	}
	if ((fl = scn_opt_key(c, "flags")) && flags_key(c, fl, &flags))
		goto out;
	struct kmem_cache *s = kmem_cache_create(k, sb_str(&name), (unsigned)size, (unsigned)align,
						 flags, NULL);
	if (!s) {
		rc = scn_error(c, a->val_off, "%s", k->last_error);
		goto out;
	}
	fprintf(c->out, "kmem_cache: created %s: object_size %u, size %u, align %u, %u objects per "
			"order-%u slab\n", s->name, s->object_size, s->size, s->align, s->objects, s->order);
	rc = SCN_OK;
out:
	sb_free(&name);
	return rc;
}

static int kc_alloc(struct scn_ctx *c)
{
	struct mm_kernel *k = &c->m->k;
	struct strbuf name = STRBUF_INIT;
	struct kmem_cache *s;
	gfp_t gfp = GFP_KERNEL;
	unsigned old;
	char site[300];
	int rc = SCN_ERROR;
	if (only_keys(c, "alloc", "gfp cpu") || cache_arg(c, &s, &name) || scn_key_gfp(c, &gfp) ||
	    cpu_key(c, &old))
		goto out;
	site_of(c, site, sizeof(site));
	mm_va_t va = kmem_cache_alloc_caller(k, s, gfp, site);
	slab_set_cpu(k, old);
	if (va)
		fprintf(c->out, "kmem_cache_alloc: %s -> 0x%llx\n", s->name, (unsigned long long)va);
	else
		fprintf(c->out, "kmem_cache_alloc: %s failed\n", s->name);
	scn_result_num(c, va, true);
	rc = SCN_OK;
out:
	sb_free(&name);
	return rc;
}

static int kc_free(struct scn_ctx *c)
{
	struct mm_kernel *k = &c->m->k;
	struct strbuf name = STRBUF_INIT;
	struct kmem_cache *s;
	uint64_t va;
	unsigned old;
	char site[300];
	int rc = SCN_ERROR;
	if (only_keys(c, "free", "cpu") || cache_arg(c, &s, &name) || addr_arg(c, 2, "ADDR", &va) ||
	    cpu_key(c, &old))
		goto out;
	site_of(c, site, sizeof(site));
	if (kmem_cache_free_caller(k, s, va, site))
		print_refused(c, "kmem_cache_free", va);
	else if (c->s->verbose)
		fprintf(c->out, "kmem_cache_free: %s 0x%llx\n", s->name, (unsigned long long)va);
	slab_set_cpu(k, old);
	rc = SCN_OK;
out:
	sb_free(&name);
	return rc;
}

static int kc_shrink_destroy(struct scn_ctx *c, bool destroy)
{
	struct mm_kernel *k = &c->m->k;
	struct strbuf name = STRBUF_INIT;
	struct kmem_cache *s;
	char site[300];
	int rc = SCN_ERROR;
	if (only_keys(c, destroy ? "destroy" : "shrink", "") || cache_arg(c, &s, &name))
		goto out;
	rc = SCN_OK;
	if (!destroy) {
		unsigned long before = s->node.nr_slabs;
		kmem_cache_shrink(k, s);
		fprintf(c->out, "kmem_cache_shrink: %s: %lu slabs freed, %lu left\n", s->name,
			before - s->node.nr_slabs, s->node.nr_slabs);
		goto out;
	}
	if (s == k->slab->kmem_cache || s == k->slab->kmem_cache_node || (s->flags & SLAB_KMALLOC)) {
		rc = scn_error(c, c->pos[1].val_off, "kmem_cache destroy: %s is one of the kernel's own caches",
			       s->name);
		goto out;
	}
	for (int i = 0; i < NR_KMEM_NAMED; i++)
		if (k->slab->named[i] == s) {
			rc = scn_error(c, c->pos[1].val_off,
				       "kmem_cache destroy: %s is one of the kernel's own caches", s->name);
			goto out;
		}
	site_of(c, site, sizeof(site));
	if (kmem_cache_destroy_caller(k, s, site))
		fprintf(c->out, "kmem_cache_destroy: %s still has objects: kept (see show dmesg)\n",
			sb_str(&name));
	else
		fprintf(c->out, "kmem_cache_destroy: %s\n", sb_str(&name));
out:
	sb_free(&name);
	return rc;
}

static int cmd_kmem_cache(struct scn_ctx *c)
{
	static const char *const actions[] = { "create", "alloc", "free", "shrink", "destroy" };
	const struct scn_arg *a = scn_need_pos(c, 0, "ACTION");
	if (!a || !need_slab(c))
		return SCN_ERROR;
	int which = scn_arg_choice(c, a, "ACTION", actions, MM_ARRAY_SIZE(actions));
	if (which < 0)
		return SCN_ERROR;
	int max_pos = which == 2 ? 3 : 2;
	if (c->nr_pos > max_pos)
		return scn_error(c, c->pos[max_pos].off, "kmem_cache %s: too many arguments",
				 actions[which]);
	if (c->result_tok && which != 1)
		return scn_error(c, c->cmd_off, "kmem_cache %s has no result to store", actions[which]);
	switch (which) {
	case 0: return kc_create(c);
	case 1: return kc_alloc(c);
	case 2: return kc_free(c);
	case 3: return kc_shrink_destroy(c, false);
	default: return kc_shrink_destroy(c, true);
	}
}

/* ---- kread / kwrite ------------------------------------------------------------ */

/* The PA behind kernel VA va (kernel page tables, else the direct map), or
 * -EFAULT. *span gets the bytes to the end of that page. */
static int kernel_translate(struct mm_kernel *k, mm_va_t va, mm_pa_t *pa, uint64_t *span)
{
	if (k->kernel_pgd_pa) {
		struct pgtable_walk w;
		pgtable_walk(k, k->kernel_pgd_pa, va, &w);
		if (w.mapped && w.page_bytes) {
			*pa = w.pa;
			*span = w.page_bytes - (va & (w.page_bytes - 1));
			return phys_valid(k->ram, *pa, 1) ? 0 : -EFAULT;
		}
	}
	if (virt_addr_valid(k, va)) {
		*pa = __pa(k, va);
		*span = k->page_size - (va & (k->page_size - 1));
		return phys_valid(k->ram, *pa, 1) ? 0 : -EFAULT;
	}
	return -EFAULT;
}

/* kwrite writes only memory the slab allocator owns: slab pages and
 * kmalloc_large blocks. Other frames hold structures the rest of the
 * simulator trusts (page tables, mem_map, per-CPU chunks...). NULL if pa
 * may be written, else what the frame is. */
static const char *write_forbidden(struct mm_kernel *k, mm_pa_t pa)
{
	mm_pfn_t pfn = pa >> k->page_shift;
	if (!pfn_valid(k, pfn))
		return "outside RAM";
	struct page *p = pfn_to_page(k, pfn);
	if (PageFlag(p, PG_tail) && p->mapping)
		p = p->mapping;
	if (PageFlag(p, PG_slab))
		return NULL;
	if (p->mapping == &k->slab->large_tag)
		return NULL;
	if (PageFlag(p, PG_table))
		return "a page table";
	if (memblock_is_reserved(&k->memblock, pa))
		return "memory reserved at boot (kernel image, mem_map, early page tables)";
	if (PageFlag(p, PG_buddy) || PageFlag(p, PG_pcp))
		return "a free page";
	return "not slab or kmalloc memory";
}

/* Copy between simulated kernel memory and buf, page by page. */
static int kernel_access(struct scn_ctx *c, const struct scn_arg *at, mm_va_t va, uint8_t *buf,
			 uint64_t len, bool write)
{
	struct mm_kernel *k = &c->m->k;
	for (uint64_t done = 0; done < len;) {
		mm_pa_t pa;
		uint64_t span;
		if (kernel_translate(k, va + done, &pa, &span))
			return scn_error(c, at->val_off, "%s: 0x%llx is not mapped in the kernel's page tables",
					 c->cmd->name, (unsigned long long)(va + done));
		uint64_t n = MM_MIN(span, len - done);
		n = MM_MIN(n, k->page_size - (pa & (k->page_size - 1)));
		if (!phys_valid(k->ram, pa, n))
			return scn_error(c, at->val_off, "%s: 0x%llx is outside RAM", c->cmd->name,
					 (unsigned long long)(va + done));
		if (write) {
			const char *why = write_forbidden(k, pa);
			if (why)
				return scn_error(c, at->val_off, "kwrite: 0x%llx is %s; kwrite writes slab "
					 "objects and kmalloc memory only", (unsigned long long)(va + done), why);
			memcpy(phys_to_host(k->ram, pa), buf + done, n);
		} else {
			memcpy(buf + done, phys_to_host(k->ram, pa), n);
		}
		done += n;
	}
	return 0;
}

static int cmd_kwrite(struct scn_ctx *c)
{
	uint64_t va, len;
	const struct scn_arg *at = scn_need_pos(c, 0, "ADDR"), *what, *fill;
	struct strbuf sb = STRBUF_INIT;
	uint8_t *buf = NULL;
	int rc = SCN_ERROR;
	if (!at || scn_arg_u64(c, at, "ADDR", 0, UINT64_MAX, &va))
		return SCN_ERROR;
	if (!(what = scn_need_pos(c, 1, "\"BYTES\" or LEN")))
		return SCN_ERROR;
	fill = scn_opt_key(c, "fill");
	if (what->quoted) {
		if (fill)
			return scn_error(c, fill->off, "kwrite: fill= goes with a LEN, not a string");
		if (scn_arg_text(c, what, &sb))
			goto out;
		len = sb.len;
		buf = xmalloc(len ? len : 1);
		memcpy(buf, sb.len ? sb.buf : "", len);
	} else {
		uint64_t byte;
		if (scn_arg_u64(c, what, "LEN", 0, KREAD_MAX, &len))
			goto out;
		if (!fill) {
			rc = scn_error(c, what->off, "kwrite: a LEN needs fill=BYTE (or write a \"string\")");
			goto out;
		}
		if (scn_arg_u64(c, fill, "fill", 0, 255, &byte))
			goto out;
		buf = xmalloc(len ? len : 1);
		memset(buf, (int)byte, len);
	}
	if (kernel_access(c, at, va, buf, len, true))
		goto out;
	if (c->s->verbose)
		fprintf(c->out, "kwrite: %llu bytes at 0x%llx\n", (unsigned long long)len,
			(unsigned long long)va);
	rc = SCN_OK;
out:
	free(buf);
	sb_free(&sb);
	return rc;
}

static int cmd_kread(struct scn_ctx *c)
{
	uint64_t va, len;
	const struct scn_arg *at = scn_need_pos(c, 0, "ADDR"), *la;
	if (!at || scn_arg_u64(c, at, "ADDR", 0, UINT64_MAX, &va))
		return SCN_ERROR;
	if (!(la = scn_need_pos(c, 1, "LEN")) || scn_arg_u64(c, la, "LEN", 1, KREAD_MAX, &len))
		return SCN_ERROR;
	uint8_t *buf = xmalloc(len);
	if (kernel_access(c, at, va, buf, len, false)) {
		free(buf);
		return SCN_ERROR;
	}
	unsigned digits = c->m->k.arch->va_bits > 32 ? 16 : 8;
	for (uint64_t i = 0; i < len; i += 16) {
		uint64_t n = MM_MIN(16u, len - i);
		fprintf(c->out, "%0*llx: ", digits, (unsigned long long)(va + i));
		for (uint64_t j = 0; j < 16; j++) {
			if (j < n)
				fprintf(c->out, "%02x ", buf[i + j]);
			else
				fputs("   ", c->out);
		}
		fputc(' ', c->out);
		for (uint64_t j = 0; j < n; j++)
			fputc(buf[i + j] >= 0x20 && buf[i + j] < 0x7f ? buf[i + j] : '.', c->out);
		fputc('\n', c->out);
	}
	/* The result: the first (up to) 8 bytes as a little-endian number. */
	uint64_t v = 0;
	for (uint64_t j = 0; j < MM_MIN(len, 8u); j++)
		v |= (uint64_t)buf[j] << (8 * j);
	free(buf);
	scn_result_num(c, v, true);
	return SCN_OK;
}

const struct scn_cmd scn_cmds_slab[] = {
	{ "kmalloc", "kmalloc SIZE [gfp=GFP_KERNEL|GFP_DMA|__GFP_RECLAIMABLE|...] [cpu=N] [-> $k]",
	  "allocate SIZE bytes of kernel memory: a kmalloc-N slab object, or pages above 8K",
	  cmd_kmalloc, "gfp cpu", 1, SCN_F_RESULT },
	{ "kzalloc", "kzalloc SIZE [gfp=...] [cpu=N] [-> $k]", "kmalloc, zeroed", cmd_kzalloc,
	  "gfp cpu", 1, SCN_F_RESULT },
	{ "kcalloc", "kcalloc N SIZE [gfp=...] [cpu=N] [-> $k]",
	  "kmalloc of N*SIZE zeroed bytes; NULL (0) if the product overflows", cmd_kcalloc,
	  "gfp cpu", 2, SCN_F_RESULT },
	{ "krealloc", "krealloc ADDR SIZE [gfp=...] [cpu=N] [-> $k2]",
	  "resize a kmalloc object: in place while it fits its class, else move it", cmd_krealloc,
	  "gfp cpu", 2, SCN_F_RESULT },
	{ "ksize", "ksize ADDR [-> $n]", "the usable size of a kmalloc object (its class size)",
	  cmd_ksize, NULL, 1, SCN_F_RESULT },
	{ "kfree", "kfree ADDR [cpu=N]",
	  "free a kmalloc/kmem_cache object (bugs are reported in dmesg, not refused)", cmd_kfree,
	  "cpu", 1, 0 },
	{ "kmem_cache",
	  "kmem_cache create CACHE size=N [align=N] [flags=HWCACHE_ALIGN|RECLAIM_ACCOUNT|POISON|RED_ZONE|STORE_USER|PANIC]"
	  " | kmem_cache alloc CACHE [gfp=...] [cpu=N] [-> $o] | kmem_cache free CACHE ADDR [cpu=N]"
	  " | kmem_cache shrink CACHE | kmem_cache destroy CACHE",
	  "create and use a slab cache of your own", cmd_kmem_cache, "size align flags gfp cpu", 3,
	  SCN_F_RESULT },
	{ "kwrite", "kwrite ADDR \"BYTES\" | kwrite ADDR LEN fill=BYTE",
	  "write kernel memory (through the kernel page tables): play a buggy kernel", cmd_kwrite,
	  "fill", 2, 0 },
	{ "kread", "kread ADDR LEN [-> $v]",
	  "hex-dump kernel memory; the result is the first 8 bytes as a little-endian number",
	  cmd_kread, NULL, 2, SCN_F_RESULT },
	{ NULL, NULL, NULL, NULL, NULL, 0, 0 },
};
