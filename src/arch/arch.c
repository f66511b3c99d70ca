/*
 * arch.c - what every architecture profile shares: the profile table, the
 * x86 page-table-entry format and the canonical-address rule.
 *
 * One entry format serves every profile, because all of them are x86 or
 * x86-shaped (the toy machine borrows the 32-bit layout):
 *
 *   63  62 ........ pa_bits   pa_bits-1 ....... 12  11 .. 9  8 7 6 5 4   3   2  1 0
 *  [NX][   reserved (0)    ][        PFN          ][ avail ][G|PS|D|A|PCD|PWT|US|RW|P]
 *
 *   - 32-bit entries (i386, toy) stop at bit 31 and have no NX;
 *   - the PFN always starts at bit 12 and is masked to the physical address
 *     width, so no flag bit can ever land inside it;
 *   - for the toy machine "PFN" means pa >> page_shift whatever the page
 *     size: a 64-byte page's frame 5 is stored as 5 << 12, not as 5 * 64.
 *
 * The neutral PTE_F_* flags (arch.h) happen to use the same bit numbers as
 * x86 for bits 0-8, but the code never relies on that: each bit is listed
 * once in pte_bits[] below, so adding an architecture with another layout
 * means adding another table, not auditing shifts.
 */
#include "arch/arch.h"

#include <stdio.h>
#include <string.h>

/* Profiles defined in x86_64.c and i386.c (immutable tables). */
extern const struct arch_profile arch_profile_x86_64;
extern const struct arch_profile arch_profile_x86_64_la57;
extern const struct arch_profile arch_profile_i386;
extern const struct arch_profile arch_profile_i386_pae;

const char *const arch_names[] = {
	"x86_64", "x86_64-la57", "i386", "i386-pae", "toy", NULL,
};

const struct arch_profile *arch_lookup(const char *name)
{
	static const struct arch_profile *const fixed[] = {
		&arch_profile_x86_64,
		&arch_profile_x86_64_la57,
		&arch_profile_i386,
		&arch_profile_i386_pae,
	};
	if (!name)
		return NULL;
	for (size_t i = 0; i < MM_ARRAY_SIZE(fixed); i++)
		if (strcmp(fixed[i]->name, name) == 0)
			return fixed[i];
	return NULL; /* "toy" is built per machine by arch_toy_build */
}

/* PTE_F_* flag -> hardware bit and its short name, in printing order. */
static const struct {
	unsigned flag;
	unsigned bit;
	const char *name;
} pte_bits[] = {
	{ PTE_F_PRESENT, 0, "P" },   { PTE_F_WRITE, 1, "RW" },   { PTE_F_USER, 2, "US" },
	{ PTE_F_PWT, 3, "PWT" },     { PTE_F_PCD, 4, "PCD" },    { PTE_F_ACCESSED, 5, "A" },
	{ PTE_F_DIRTY, 6, "D" },     { PTE_F_HUGE, 7, "PS" },    { PTE_F_GLOBAL, 8, "G" },
	{ PTE_F_NX, 63, "NX" },
};

#define PTE_PFN_SHIFT 12 /* the PFN field starts here in every profile */

/* Bits of an entry that hold the PFN: [12, 12 + pfn width), within the entry. */
static mm_pte_t pte_pfn_mask(const struct arch_profile *a)
{
	/* Frames addressable: pa_bits - page_shift bits of PFN. */
	unsigned pfn_bits = a->pa_bits > a->page_shift ? a->pa_bits - a->page_shift : 0;
	unsigned top = PTE_PFN_SHIFT + pfn_bits; /* first bit above the field */
	unsigned width = a->pte_bytes * 8;
	if (top > width)
		top = width;
	if (top >= 64)
		return ~0ULL << PTE_PFN_SHIFT;
	return ((1ULL << top) - 1) & (~0ULL << PTE_PFN_SHIFT);
}

mm_pte_t arch_pte_encode(const struct arch_profile *a, mm_pfn_t pfn, unsigned flags)
{
	mm_pte_t v = (pfn << PTE_PFN_SHIFT) & pte_pfn_mask(a);
	for (size_t i = 0; i < MM_ARRAY_SIZE(pte_bits); i++) {
		if (!(flags & pte_bits[i].flag))
			continue;
		if (pte_bits[i].flag == PTE_F_NX && !a->has_nx)
			continue; /* 32-bit entries have no bit 63 */
		v |= 1ULL << pte_bits[i].bit;
	}
	return v;
}

unsigned arch_pte_flags(const struct arch_profile *a, mm_pte_t pte)
{
	unsigned flags = 0;
	for (size_t i = 0; i < MM_ARRAY_SIZE(pte_bits); i++) {
		if (pte_bits[i].flag == PTE_F_NX && !a->has_nx)
			continue;
		if ((pte >> pte_bits[i].bit) & 1)
			flags |= pte_bits[i].flag;
	}
	return flags;
}

mm_pfn_t arch_pte_pfn(const struct arch_profile *a, mm_pte_t pte)
{
	return (pte & pte_pfn_mask(a)) >> PTE_PFN_SHIFT;
}

const char *arch_pte_flags_str(unsigned flags, char *buf, size_t len)
{
	size_t n = 0;
	if (!buf || len == 0)
		return "";
	buf[0] = '\0';
	for (size_t i = 0; i < MM_ARRAY_SIZE(pte_bits); i++) {
		if (!(flags & pte_bits[i].flag))
			continue;
		int w = snprintf(buf + n, len - n, "%s%s", n ? " " : "", pte_bits[i].name);
		if (w < 0 || (size_t)w >= len - n) {
			buf[n] = '\0'; /* truncated: keep the whole names that fit */
			break;
		}
		n += (size_t)w;
	}
	if (n == 0)
		snprintf(buf, len, "-");
	return buf;
}

/*
 * x86_64 requires bits 63..va_bits-1 to be copies of bit va_bits-1 (the
 * "canonical" hole between user and kernel halves). 32-bit and toy profiles
 * simply have no address bits above va_bits. A profile whose kernel lives in
 * the top half of a 64-bit space is the sign-extended kind.
 */
bool arch_va_canonical(const struct arch_profile *a, mm_va_t va)
{
	if (a->va_bits >= 64)
		return true;
	if (a->page_offset >> 63) {
		uint64_t upper = va >> (a->va_bits - 1); /* bit va_bits-1 and above */
		uint64_t all = (1ULL << (64 - (a->va_bits - 1))) - 1;
		return upper == 0 || upper == all;
	}
	return (va >> a->va_bits) == 0;
}
