/*
 * tlb.c - `show tlb [cpuN] [entries]`: each CPU's TLB arrays and counters.
 *
 *   tlb cpu0: PCID on (current 1), CR3 0x1000000, flush ceiling 33 pages
 *     array  sizes    entries  ways  sets  valid        hits   fills  evictions
 *     L1d    4K            64     4    16     37        1234      40          3
 *     L2     4K+2M       1536    12   128     40          34      40          0
 *     translations 1325: hits 1268 (L1i 0, L1d 1234, L2 34), misses 57
 *     walks 60 (3 to set D), faults 5, #GP 0
 *     flushes: single 12, full 3; ranges 5 (1 over the ceiling); CR3 writes 4 (2 flushed)
 *     shootdowns received 3; sent 5 IPIs in 2 remote flushes
 *
 * `entries` adds one line per valid entry (set, way, VA, PA, PCID, flags and
 * LRU age: 0 = most recently used). Without a CPU argument every CPU is
 * shown, so `expect tlb.cpu1.misses` finds any CPU's fields.
 *
 * Fields (per CPU, under "cpuN."): pcid, pcid_enabled, cr3, hits, misses,
 * walks, dirty_walks, faults, gp_faults, l1i.hits, l1d.hits, l2.hits,
 * flush_one, flush_all, flush_ranges, flush_ranges_full, cr3_writes,
 * cr3_flushes, shootdowns, ipis_sent, remote_flushes, and per array
 * "<level>_<first size>" (l1d_4k, l2_4k, l2_1g ...) .entries .ways .valid
 * .hits .fills .evictions. Totals over all CPUs: hits, misses, walks,
 * faults, shootdowns (IPIs received, as the "TLB" row of /proc/interrupts
 * sums them), remote_flushes (Linux's nr_tlb_remote_flush).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hw/mmu.h"
#include "proc/view.h"
#include "sim/machine.h"

static const char *const field_level[TLB_NR_LEVELS] = { "l1i", "l1d", "l2" };
static const char *const field_size[TLB_NR_SIZES] = { "4k", "2m", "1g" };

/* "4K", "2M", "4M", "1G", "64B": the size a class has on this machine. */
static const char *class_name(unsigned shift, char *buf, size_t len)
{
	if (shift == 0)
		snprintf(buf, len, "-");
	else if (shift >= 30)
		snprintf(buf, len, "%lluG", 1ULL << (shift - 30));
	else if (shift >= 20)
		snprintf(buf, len, "%lluM", 1ULL << (shift - 20));
	else if (shift >= 10)
		snprintf(buf, len, "%lluK", 1ULL << (shift - 10));
	else
		snprintf(buf, len, "%lluB", 1ULL << shift);
	return buf;
}

static void array_sizes(const struct hw_tlb *tlb, const struct tlb_array *a, char *buf,
			size_t len)
{
	size_t n = 0;
	char one[32];
	buf[0] = '\0';
	for (unsigned s = 0; s < TLB_NR_SIZES && n < len; s++) {
		if (!(a->sizes & (1u << s)))
			continue;
		int w = snprintf(buf + n, len - n, "%s%s", n ? "+" : "",
				 tlb->shift[s] ? class_name(tlb->shift[s], one, sizeof(one))
					       : field_size[s]);
		if (w < 0)
			break;
		n += (size_t)w;
	}
}

static void show_entries(const struct hw_cpu *c, unsigned ai, struct view_out *o)
{
	const struct hw_tlb *tlb = &c->tlb;
	const struct tlb_array *a = &tlb->arr[ai];
	char sz[32];
	for (unsigned k = 0; k < a->entries; k++) {
		const struct tlb_slot *e = &a->slot[k];
		if (a->key[k] == TLB_KEY_INVALID || e->size >= TLB_NR_SIZES)
			continue;
		unsigned shift = tlb->shift[e->size];
		uint64_t vpn = a->key[k] & ~(3ULL << TLB_KEY_SIZE_SHIFT);
		mm_va_t va = vpn << shift; /* the key kept every bit above the offset */
		view_printf(o, "    %-3s %-4s set %3u way %2u  va 0x%016llx -> pa 0x%llx  pcid %u %s%s%s%s%s lru %llu\n",
			    tlb_level_names[a->level], class_name(shift, sz, sizeof(sz)),
			    k / a->ways, k % a->ways, (unsigned long long)va,
			    (unsigned long long)e->pa, e->asid,
			    (e->flags & TLB_E_WRITE) ? "RW" : "RO",
			    (e->flags & TLB_E_USER) ? " US" : "",
			    (e->flags & TLB_E_DIRTY) ? " D" : "",
			    (e->flags & TLB_E_GLOBAL) ? " G" : "",
			    (e->flags & TLB_E_NX) ? " NX" : "",
			    (unsigned long long)(a->clock - a->stamp[k]));
	}
}

static void show_cpu(const struct hw_cpu *c, bool entries, struct view_out *o)
{
	const struct hw_tlb *tlb = &c->tlb;
	const struct hw_cpu_stats *s = &c->stats;
	unsigned id = c->id;
	char sizes[32];

	if (c->pcid_enabled)
		view_printf(o, "tlb cpu%u: PCID on (current %u), CR3 0x%llx, flush ceiling %u pages\n",
			    id, c->pcid, (unsigned long long)c->cr3, tlb->flush_ceiling);
	else
		view_printf(o, "tlb cpu%u: PCID off, CR3 0x%llx, flush ceiling %u pages\n", id,
			    (unsigned long long)c->cr3, tlb->flush_ceiling);
	view_field_num(o, c->pcid, "cpu%u.pcid", id);
	view_field_num(o, c->pcid_enabled, "cpu%u.pcid_enabled", id);
	view_field_num(o, (int64_t)c->cr3, "cpu%u.cr3", id);

	if (tlb->nr_arrays == 0)
		view_printf(o, "  no TLB (tlb=none): every access walks\n");
	else
		view_printf(o, "  array  %-8s %7s %5s %5s %6s %11s %9s %10s\n", "sizes", "entries",
			    "ways", "sets", "valid", "hits", "fills", "evictions");
	for (unsigned i = 0; i < tlb->nr_arrays; i++) {
		const struct tlb_array *a = &tlb->arr[i];
		unsigned valid = tlb_nr_valid(tlb, (int)i);
		array_sizes(tlb, a, sizes, sizeof(sizes));
		view_printf(o, "  %-6s %-8s %7u %5u %5llu %6u %11llu %9llu %10llu\n",
			    tlb_level_names[a->level], sizes, a->entries, a->ways,
			    (unsigned long long)a->set_mask + 1, valid, (unsigned long long)a->hits,
			    (unsigned long long)a->fills, (unsigned long long)a->evictions);
		unsigned first = (unsigned)__builtin_ctz(a->sizes);
		const char *lv = field_level[a->level], *fs = field_size[first];
		view_field_num(o, a->entries, "cpu%u.%s_%s.entries", id, lv, fs);
		view_field_num(o, a->ways, "cpu%u.%s_%s.ways", id, lv, fs);
		view_field_num(o, valid, "cpu%u.%s_%s.valid", id, lv, fs);
		view_field_num(o, (int64_t)a->hits, "cpu%u.%s_%s.hits", id, lv, fs);
		view_field_num(o, (int64_t)a->fills, "cpu%u.%s_%s.fills", id, lv, fs);
		view_field_num(o, (int64_t)a->evictions, "cpu%u.%s_%s.evictions", id, lv, fs);
		if (entries)
			show_entries(c, i, o);
	}

	uint64_t h[TLB_NR_LEVELS], hits = hw_cpu_total_hits(c);
	for (int l = 0; l < TLB_NR_LEVELS; l++)
		h[l] = hw_cpu_hits(c, (enum tlb_level)l);
	view_printf(o, "  translations %llu: hits %llu (L1i %llu, L1d %llu, L2 %llu), misses %llu\n",
		    (unsigned long long)(hits + s->misses), (unsigned long long)hits,
		    (unsigned long long)h[TLB_L1I], (unsigned long long)h[TLB_L1D],
		    (unsigned long long)h[TLB_L2], (unsigned long long)s->misses);
	view_printf(o, "  walks %llu (%llu to set D), faults %llu, #GP %llu\n",
		    (unsigned long long)s->walks, (unsigned long long)s->dirty_walks,
		    (unsigned long long)s->faults, (unsigned long long)s->gp_faults);
	view_printf(o, "  flushes: single %llu, full %llu; ranges %llu (%llu over the ceiling); CR3 writes %llu (%llu flushed)\n",
		    (unsigned long long)s->flush_one, (unsigned long long)s->flush_all,
		    (unsigned long long)s->flush_ranges, (unsigned long long)s->flush_ranges_full,
		    (unsigned long long)s->cr3_writes, (unsigned long long)s->cr3_flushes);
	view_printf(o, "  shootdowns received %llu; sent %llu IPIs in %llu remote flushes\n",
		    (unsigned long long)s->shootdowns, (unsigned long long)s->ipis_sent,
		    (unsigned long long)s->remote_flushes);

	view_field_num(o, (int64_t)hits, "cpu%u.hits", id);
	view_field_num(o, (int64_t)s->misses, "cpu%u.misses", id);
	view_field_num(o, (int64_t)s->walks, "cpu%u.walks", id);
	view_field_num(o, (int64_t)s->dirty_walks, "cpu%u.dirty_walks", id);
	view_field_num(o, (int64_t)s->faults, "cpu%u.faults", id);
	view_field_num(o, (int64_t)s->gp_faults, "cpu%u.gp_faults", id);
	for (int l = 0; l < TLB_NR_LEVELS; l++)
		view_field_num(o, (int64_t)h[l], "cpu%u.%s.hits", id, field_level[l]);
	view_field_num(o, (int64_t)s->flush_one, "cpu%u.flush_one", id);
	view_field_num(o, (int64_t)s->flush_all, "cpu%u.flush_all", id);
	view_field_num(o, (int64_t)s->flush_ranges, "cpu%u.flush_ranges", id);
	view_field_num(o, (int64_t)s->flush_ranges_full, "cpu%u.flush_ranges_full", id);
	view_field_num(o, (int64_t)s->cr3_writes, "cpu%u.cr3_writes", id);
	view_field_num(o, (int64_t)s->cr3_flushes, "cpu%u.cr3_flushes", id);
	view_field_num(o, (int64_t)s->shootdowns, "cpu%u.shootdowns", id);
	view_field_num(o, (int64_t)s->ipis_sent, "cpu%u.ipis_sent", id);
	view_field_num(o, (int64_t)s->remote_flushes, "cpu%u.remote_flushes", id);
}

/* "cpu3" or "3" -> 3; -1 if neither. */
static long parse_cpu(const char *w)
{
	const char *p = strncmp(w, "cpu", 3) == 0 ? w + 3 : w;
	char *end;
	if (!*p || *p < '0' || *p > '9')
		return -1;
	long v = strtol(p, &end, 10);
	return *end || v > 4096 ? -1 : v;
}

int view_tlb(struct mm_machine *m, int argc, const char *const *argv, struct view_out *out,
	     char *err, size_t err_len)
{
	unsigned n = machine_nr_cpus(m);
	long only = -1;
	bool entries = false;
	for (int i = 0; i < argc; i++) {
		if (strcmp(argv[i], "entries") == 0) {
			entries = true;
			continue;
		}
		long v = parse_cpu(argv[i]);
		if (v < 0) {
			snprintf(err, err_len, "show tlb: unknown argument '%s' (want cpuN or entries)",
				 argv[i]);
			return -1;
		}
		if ((unsigned long)v >= n) {
			snprintf(err, err_len, "show tlb: no cpu%ld: the machine has %u CPU%s (cpu0..cpu%u)",
				 v, n, n == 1 ? "" : "s", n ? n - 1 : 0);
			return -1;
		}
		only = v;
	}

	uint64_t hits = 0, misses = 0, walks = 0, faults = 0, shootdowns = 0, remote = 0;
	for (unsigned i = 0; i < n; i++) {
		const struct hw_cpu *c = machine_cpu(m, i);
		if (!c)
			continue;
		hits += hw_cpu_total_hits(c);
		misses += c->stats.misses;
		walks += c->stats.walks;
		faults += c->stats.faults;
		shootdowns += c->stats.shootdowns;
		remote += c->stats.remote_flushes;
		if (only < 0 || (unsigned long)only == i)
			show_cpu(c, entries, out);
	}
	if (only < 0 && n > 1)
		view_printf(out, "all CPUs: hits %llu, misses %llu, walks %llu, shootdown IPIs %llu\n",
			    (unsigned long long)hits, (unsigned long long)misses,
			    (unsigned long long)walks, (unsigned long long)shootdowns);
	view_field_num(out, n, "nr_cpus");
	view_field_num(out, (int64_t)hits, "hits");
	view_field_num(out, (int64_t)misses, "misses");
	view_field_num(out, (int64_t)walks, "walks");
	view_field_num(out, (int64_t)faults, "faults");
	view_field_num(out, (int64_t)shootdowns, "shootdowns");
	view_field_num(out, (int64_t)remote, "remote_flushes");
	return 0;
}
