/*
 * mmu.c - the page-table walker: what an x86 MMU does when the TLB misses.
 *
 *   VA (x86_64):  | PGD 9 | PUD 9 | PMD 9 | PTE 9 | offset 12 |
 *
 *   CR3 ──► PGD table ──[idx]──► entry: P? rsvd? RW&=, US&=, NX|=, set A
 *                                   │
 *              PUD table ◄──────────┘──[idx]──► entry: PS? ─► 1G leaf
 *                                                 │
 *                       PMD table ◄───────────────┘──[idx]──► PS? ─► 2M leaf
 *                                                               │
 *                                     PTE table ◄───────────────┘──[idx]──► 4K leaf
 *
 *   leaf: check the access against the effective permissions, set A (and D
 *   for a write), return the page's PA; the caller fills the TLB.
 *
 * Permissions are those of x86 paging: a page is writable only if RW is
 * set at every level, user-accessible only if US is set at every level, and
 * not executable if NX is set at any level (when the arch has NX). CR0.WP=1,
 * as Linux runs, so the kernel faults on read-only pages too (that is how
 * copy-on-write catches a kernel write to user memory).
 *
 * Entries use the machine's real layout; the walk reads them from RAM (4 or
 * 8 bytes, little-endian as on x86) and writes back only A and D. Accessed
 * is set on each upper-level entry as the walk passes it, and on the leaf
 * when the access is allowed; Dirty only on a leaf, only for a write. An
 * i386-pae PDPTE holds only P (Linux writes nothing else there, and the CPU
 * keeps no A bit in it), so the top level of a PAE walk adds no permission.
 *
 * Faults carry x86's error code (mmu.h), so the kernel's fault handler gets
 * what Linux's do_page_fault/handle_page_fault gets. Every #PF drops the
 * TLB entries of the faulting page, as x86 does.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "hw/mmu.h"

struct walk_res {
	mm_pa_t pa_base;  /* first byte of the page */
	unsigned size;    /* enum tlb_size, TLB_NR_SIZES if no TLB class fits */
	unsigned shift;   /* log2 of the page size */
	unsigned flags;   /* TLB_E_* */
	unsigned leaf;    /* level of the leaf */
};

static inline mm_pte_t pte_read(unsigned bytes, const void *p)
{
	if (bytes == 8) {
		uint64_t v;
		memcpy(&v, p, 8);
		return v;
	}
	uint32_t v;
	memcpy(&v, p, 4);
	return v;
}

static inline void pte_write(unsigned bytes, void *p, mm_pte_t v)
{
	if (bytes == 8) {
		memcpy(p, &v, 8);
	} else {
		uint32_t w = (uint32_t)v;
		memcpy(p, &w, 4);
	}
}

static unsigned error_code(const struct hw_cpu *c, enum hw_access_kind kind, bool user)
{
	unsigned ec = 0;
	if (kind == HW_WRITE)
		ec |= X86_PF_WRITE;
	if (user)
		ec |= X86_PF_USER;
	if (kind == HW_EXEC && c->arch->has_nx)
		ec |= X86_PF_INSTR; /* I/D is reported only with EFER.NXE */
	return ec;
}

static int fault(struct hw_fault *f, const struct hw_cpu *c, mm_va_t va,
		 enum hw_access_kind kind, bool user, enum hw_fault_kind k, unsigned level,
		 unsigned reason)
{
	f->addr = va;
	f->kind = (uint8_t)k;
	f->level = (uint8_t)level;
	f->reason = (uint8_t)reason;
	f->from_tlb = false;
	f->error_code = 0;
	if (k == HW_FAULT_NOT_PRESENT)
		f->error_code = error_code(c, kind, user);
	else if (k == HW_FAULT_PROT)
		f->error_code = error_code(c, kind, user) | X86_PF_PROT;
	else if (k == HW_FAULT_RSVD)
		f->error_code = error_code(c, kind, user) | X86_PF_PROT | X86_PF_RSVD;
	return k;
}

/* HW_PROT_* reasons an access with these effective flags fails, 0 if none. */
static inline unsigned prot_reason(unsigned eff, enum hw_access_kind kind, bool user)
{
	unsigned r = 0;
	if (user && !(eff & TLB_E_USER))
		r |= HW_PROT_USER;
	if (kind == HW_WRITE && !(eff & TLB_E_WRITE))
		r |= HW_PROT_WRITE;
	if (kind == HW_EXEC && (eff & TLB_E_NX))
		r |= HW_PROT_NX;
	return r;
}

/* arch_va_canonical, from the decoded format (no call on the miss path). */
static inline bool va_canonical(const struct hw_pte_format *fmt, mm_va_t va)
{
	unsigned s = fmt->canon_shift;
	if (s == 0)
		return true;
	if (fmt->canon_signed)
		return (mm_va_t)((int64_t)(va << s) >> s) == va;
	return (va >> (64 - s)) == 0;
}

/* Set A in the entries a walk used (deferred so that the loop stores
 * nothing and the compiler keeps the format in registers). */
static inline void set_accessed(unsigned bytes, mm_pte_t a, uint8_t *const *ent, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		pte_write(bytes, ent[i], pte_read(bytes, ent[i]) | a);
}

/*
 * Walk the tables under c->cr3 for va. With update, set A/D as hardware
 * does; with dbg, record each step. Returns 0 with *r filled, or a fault
 * kind with *f filled. `bytes` is a constant in each instance (walk8,
 * walk4), so the entry loads compile to single moves.
 *
 * Permissions accumulate branch-free: `all` is the AND of the entries (RW
 * and US survive only if set everywhere), `any` their OR (NX if anywhere).
 */
static inline __attribute__((always_inline)) int
walk_body(const struct hw_cpu *c, mm_va_t va, enum hw_access_kind kind, bool user, bool update,
	  struct walk_res *r, struct hw_fault *f, struct hw_translation *dbg, const unsigned bytes)
{
	const struct hw_pte_format *fmt = &c->fmt;
	const unsigned n = fmt->nr_levels, pfn_shift = fmt->pfn_shift, page_shift = fmt->page_shift;
	const mm_pte_t P = fmt->p, PS = fmt->ps, A = fmt->a, pfn_mask = fmt->pfn_mask;
	const mm_pte_t bad = fmt->p | fmt->rsvd; /* (pte & bad) == P: present, no reserved bit */
	const bool pae = fmt->pae;
	const uint8_t huge_ok = fmt->huge_ok;
	uint8_t *const ram = c->ram->base;
	const uint64_t limit = c->ram->bytes - bytes; /* last PA an entry may start at */
	uint8_t *pending_a[ARCH_MAX_LEVELS];
	unsigned nr_pending = 0, lvl = 0;
	mm_pa_t table = c->cr3;
	mm_pte_t all = ~0ULL, any = 0, pte;
	uint8_t *host;
	int err;

	for (;; lvl++) {
		uint64_t idx = (va >> fmt->lvl_shift[lvl]) & fmt->lvl_mask[lvl];
		mm_pa_t epa = table + idx * bytes;
		if (__builtin_expect(epa > limit, 0)) {
			err = HW_FAULT_BUS;
			goto fail;
		}
		host = ram + epa;
		pte = pte_read(bytes, host);
		if (__builtin_expect(dbg != NULL, 0)) {
			struct hw_walk_step *st = &dbg->step[dbg->nr_steps++];
			st->level = lvl;
			st->name = c->arch->level[lvl].name;
			st->index = (unsigned)idx;
			st->table_pa = table;
			st->entry_pa = epa;
			st->entry = pte;
			st->flags = arch_pte_flags(c->arch, pte);
			st->leaf = (pte & P) && (lvl == n - 1 || (pte & PS));
		}
		if (__builtin_expect((pte & bad) != P, 0)) {
			err = (pte & P) ? HW_FAULT_RSVD : HW_FAULT_NOT_PRESENT;
			goto fail;
		}
		if (__builtin_expect(lvl == 0 && pae, 0)) {
			/* PDPTE: P only, no A; PS there is reserved */
			if (pte & PS) {
				err = HW_FAULT_RSVD;
				goto fail;
			}
		} else {
			all &= pte;
			any |= pte;
		}
		if (lvl == n - 1)
			break; /* a PTE: bit 7 is PAT there, not PS */
		if (pte & PS) {
			if (!(huge_ok >> lvl & 1)) {
				err = HW_FAULT_RSVD;
				goto fail;
			}
			break; /* a 2M/4M/1G leaf */
		}
		if (__builtin_expect(!(pte & A), 0) && !(lvl == 0 && pae))
			pending_a[nr_pending++] = host;
		table = ((pte & pfn_mask) >> pfn_shift) << page_shift;
	}

	/* The leaf: a PTE, or a PS entry mapping 2M/4M/1G. */
	mm_pfn_t pfn = (pte & pfn_mask) >> pfn_shift;
	unsigned shift = page_shift;
	if (lvl != n - 1) {
		shift = fmt->lvl_shift[lvl];
		/* The frames inside the huge page must be 0 in the entry; on x86
		 * the lowest PFN bit of a PS entry is PAT, not address. */
		mm_pfn_t inside = (1ULL << (shift - page_shift)) - 1;
		if (pfn & inside & ~(mm_pfn_t)(fmt->pat_in_huge ? 1 : 0)) {
			err = HW_FAULT_RSVD;
			goto fail;
		}
		pfn &= ~inside;
	}
	unsigned eff = ((all & fmt->rw) ? TLB_E_WRITE : 0) | ((all & fmt->us) ? TLB_E_USER : 0) |
		       ((any & fmt->nx) ? TLB_E_NX : 0);
	unsigned reason = prot_reason(eff, kind, user);
	if (reason) {
		if (update)
			set_accessed(bytes, A, pending_a, nr_pending);
		return fault(f, c, va, kind, user, HW_FAULT_PROT, lvl, reason);
	}
	if (update) {
		set_accessed(bytes, A, pending_a, nr_pending);
		mm_pte_t set = A | (kind == HW_WRITE ? fmt->d : 0);
		if ((pte & set) != set) {
			pte |= set;
			pte_write(bytes, host, pte);
		}
	}
	if (pte & fmt->d)
		eff |= TLB_E_DIRTY;
	if (pte & fmt->g)
		eff |= TLB_E_GLOBAL;
	r->pa_base = pfn << page_shift;
	r->shift = shift;
	r->size = (n - 1) - lvl;
	if (r->size >= TLB_NR_SIZES || c->tlb.shift[r->size] != shift)
		r->size = TLB_NR_SIZES; /* a leaf no TLB class holds */
	r->flags = eff;
	r->leaf = lvl;
	return 0;

fail:
	/* The upper entries were used before the walk stopped: their A stays. */
	if (update)
		set_accessed(bytes, A, pending_a, nr_pending);
	return fault(f, c, va, kind, user, (enum hw_fault_kind)err, lvl, 0);
}

static int mmu_walk(const struct hw_cpu *c, mm_va_t va, enum hw_access_kind kind, bool user,
		    bool update, struct walk_res *r, struct hw_fault *f, struct hw_translation *dbg)
{
	if (c->fmt.pte_bytes == 8)
		return walk_body(c, va, kind, user, update, r, f, dbg, 8);
	return walk_body(c, va, kind, user, update, r, f, dbg, 4);
}

/* Fill the TLB levels an access of this kind uses with a walk's result;
 * absent: the lookups just missed, so no duplicate can exist. */
static void fill(struct hw_cpu *c, mm_va_t va, unsigned l1, const struct walk_res *r, bool absent)
{
	if (r->size >= TLB_NR_SIZES)
		return;
	struct tlb_entry e = {
		.key = (va >> r->shift) | (uint64_t)r->size << TLB_KEY_SIZE_SHIFT,
		.s = {
			.pa = r->pa_base,
			.asid = c->pcid,
			.allow = tlb_allow_mask(r->flags),
			.flags = (uint8_t)r->flags,
			.size = (uint8_t)r->size,
		},
	};
	if (absent) {
		tlb_insert_new(&c->tlb, l1, &e);
		tlb_insert_new(&c->tlb, TLB_L2, &e);
	} else {
		tlb_insert(&c->tlb, l1, &e);
		tlb_insert(&c->tlb, TLB_L2, &e);
	}
}

/* A #PF: count it, drop the page's entries in this PCID (x86 does). */
static int page_fault(struct hw_cpu *c, mm_va_t va, int kind)
{
	if (kind == HW_FAULT_NOT_PRESENT || kind == HW_FAULT_PROT || kind == HW_FAULT_RSVD) {
		c->stats.faults++;
		tlb_invalidate_va(&c->tlb, va, c->pcid, true);
	}
	c->last = HW_TLB_FAULT;
	return kind;
}

int mmu_translate_slow(struct hw_cpu *c, mm_va_t va, enum hw_access_kind kind, bool user,
		       mm_pa_t *pa, struct hw_fault *f, int l1_hint)
{
	struct hw_fault scratch;
	struct walk_res r;
	if (!f)
		f = &scratch;
	if ((unsigned)kind > HW_EXEC || !va_canonical(&c->fmt, va)) {
		c->stats.gp_faults++;
		c->last = HW_TLB_FAULT;
		return fault(f, c, va, HW_READ, user, HW_FAULT_GP, 0, 0);
	}
	struct hw_tlb *tlb = &c->tlb;
	const unsigned need = 1u << (kind * 2 + (user ? 1 : 0));
	const unsigned l1 = kind == HW_EXEC ? tlb->l1_for_exec : TLB_L1D;
	const unsigned levels[2] = { l1, TLB_L2 };
	bool dirty_assist = false;

	for (unsigned i = 0; i < 2; i++) {
		int ai, k;
		if (i == 0 && l1_hint >= 0) {
			ai = (int)(tlb->fast[kind == HW_EXEC] - tlb->arr);
			k = l1_hint;
		} else {
			/* the inline path already missed L1's base-page set */
			unsigned from = i == 0 && l1_hint == -1 ? TLB_SZ_PMD : TLB_SZ_BASE;
			k = tlb_probe_from(tlb, levels[i], from, va, c->pcid, &ai);
		}
		if (k < 0)
			continue;
		struct tlb_array *arr = &tlb->arr[ai];
		const struct tlb_slot *s = &arr->slot[k];
		arr->hits++;
		tlb_touch(arr, (unsigned)k);
		if (s->allow & need) {
			struct tlb_entry copy;
			tlb_read(arr, (unsigned)k, &copy);
			if (i == 1)
				tlb_insert_new(tlb, l1, &copy); /* an L2 hit refills L1 */
			c->last = (uint8_t)levels[i];
			*pa = copy.s.pa | (va & ((1ULL << tlb->shift[copy.s.size]) - 1));
			return 0;
		}
		unsigned reason = prot_reason(s->flags, kind, user);
		if (!reason) {
			/* Allowed but D clear in the cached entry: the CPU walks to
			 * set D in the PTE, re-checking it, and refreshes the entry. */
			dirty_assist = true;
			c->stats.dirty_walks++;
			break;
		}
		/* The cached permissions forbid it: fault without a walk. The
		 * entry goes, so a retry after the kernel fixes the PTE walks. */
		fault(f, c, va, kind, user, HW_FAULT_PROT, c->arch->nr_levels - 1 - s->size, reason);
		f->from_tlb = true;
		return page_fault(c, va, HW_FAULT_PROT);
	}
	if (!dirty_assist)
		c->stats.misses++;
	c->stats.walks++;
	int err = mmu_walk(c, va, kind, user, true, &r, f, NULL);
	if (err)
		return page_fault(c, va, err);
	fill(c, va, l1, &r, !dirty_assist);
	c->last = dirty_assist ? HW_TLB_DIRTY : HW_TLB_WALK;
	*pa = r.pa_base | (va & ((1ULL << r.shift) - 1));
	return 0;
}

int hw_access(struct hw_cpu *c, mm_va_t va, void *buf, size_t len, enum hw_access_kind kind,
	      bool user, size_t *done, struct hw_fault *f)
{
	struct hw_fault scratch;
	size_t d = 0;
	if (done)
		*done = 0;
	if (!c || (!buf && len) || (unsigned)kind > HW_EXEC)
		return -EINVAL;
	if (!f)
		f = &scratch;
	const uint64_t psize = 1ULL << c->tlb.shift[TLB_SZ_BASE];
	while (d < len) {
		mm_va_t cur = va + d;
		size_t chunk = (size_t)MM_MIN(psize - (cur & (psize - 1)), (uint64_t)(len - d));
		mm_pa_t pa;
		int err = mmu_translate(c, cur, kind, user, &pa, f);
		if (!err && !phys_valid(c->ram, pa, chunk))
			err = fault(f, c, cur, kind, user, HW_FAULT_BUS, c->arch->nr_levels, 0);
		if (err) {
			if (done)
				*done = d;
			return err;
		}
		if (kind == HW_WRITE)
			memcpy(phys_to_host(c->ram, pa), (const uint8_t *)buf + d, chunk);
		else
			memcpy((uint8_t *)buf + d, phys_to_host(c->ram, pa), chunk);
		d += chunk;
	}
	if (done)
		*done = d;
	return 0;
}

int mmu_translate_debug(const struct hw_cpu *c, mm_va_t va, enum hw_access_kind kind, bool user,
			struct hw_translation *t)
{
	const struct arch_profile *a = c->arch;
	struct walk_res r;
	memset(t, 0, sizeof(*t));
	t->va = va;
	t->nr_levels = a->nr_levels;
	for (unsigned l = 0; l < a->nr_levels; l++)
		t->index[l] = arch_va_index(a, l, va);
	t->offset = va & c->tlb.page_mask;
	t->tlb = HW_TLB_WALK;
	t->tlb_array = -1;
	t->tlb_pcid = c->pcid;
	if ((unsigned)kind > HW_EXEC || !va_canonical(&c->fmt, va))
		return fault(&t->fault, c, va, HW_READ, user, HW_FAULT_GP, 0, 0);

	const unsigned l1 = kind == HW_EXEC ? c->tlb.l1_for_exec : TLB_L1D;
	const unsigned levels[2] = { l1, TLB_L2 };
	for (unsigned i = 0; i < 2; i++) {
		int ai;
		int k = tlb_probe(&c->tlb, levels[i], va, c->pcid, &ai);
		if (k < 0)
			continue;
		t->tlb = (uint8_t)levels[i];
		t->tlb_array = ai;
		tlb_read(&c->tlb.arr[ai], (unsigned)k, &t->tlb_entry);
		t->tlb_allows = t->tlb_entry.s.allow & (1u << (kind * 2 + (user ? 1 : 0)));
		break;
	}
	int err = mmu_walk(c, va, kind, user, false, &r, &t->fault, t);
	if (err)
		return err;
	t->page_shift = r.shift;
	t->eff = r.flags & (TLB_E_WRITE | TLB_E_USER | TLB_E_NX);
	t->pa = r.pa_base | (va & ((1ULL << r.shift) - 1));
	return 0;
}

const char *hw_fault_kind_name(int kind)
{
	static const char *const names[] = {
		"none", "not-present", "protection", "reserved-bit", "general-protection", "bus-error",
	};
	if (kind < 0 || (size_t)kind >= MM_ARRAY_SIZE(names))
		return "?";
	return names[kind];
}

const char *hw_tlb_outcome_name(int outcome)
{
	static const char *const names[] = {
		"L1i hit", "L1d hit", "L2 hit", "walk", "walk (set D)", "fault", "none",
	};
	if (outcome < 0 || (size_t)outcome >= MM_ARRAY_SIZE(names))
		return "?";
	return names[outcome];
}

/* Linux's oops wording (show_fault_oops): "#PF: error_code(0x0006) -
 * not-present page, user write access". */
const char *hw_fault_str(const struct hw_fault *f, char *buf, size_t len)
{
	if (!buf || !len)
		return "";
	switch (f->kind) {
	case HW_FAULT_NONE:
		snprintf(buf, len, "no fault");
		break;
	case HW_FAULT_GP:
		snprintf(buf, len, "general protection fault: non-canonical address 0x%llx",
			 (unsigned long long)f->addr);
		break;
	case HW_FAULT_BUS:
		snprintf(buf, len, "bus error: physical address outside RAM (level %u)", f->level);
		break;
	default: {
		unsigned ec = f->error_code;
		const char *what = !(ec & X86_PF_PROT) ? "not-present page"
				   : (ec & X86_PF_RSVD) ? "reserved bit violation"
							: "permissions violation";
		const char *acc = (ec & X86_PF_INSTR)  ? "instruction fetch"
				  : (ec & X86_PF_WRITE) ? "write access"
							: "read access";
		snprintf(buf, len, "#PF: error_code(0x%04x) - %s, %s %s", ec, what,
			 (ec & X86_PF_USER) ? "user" : "supervisor", acc);
		break;
	}
	}
	return buf;
}
