/*
 * toy.c - the parametric textbook machine (machine arch=toy va_bits= pa_bits=
 * page= levels=).
 *
 * The index bits (va_bits - log2(page)) are shared evenly among the levels;
 * the remainder goes to the top level, as textbooks usually draw it:
 *
 *   va_bits=14 page=64 levels=2:
 *
 *   13      10 9       6 5         0
 *  [ PGD 4   ][ PTE 4   ][ offset 6 ]     16-entry tables of 4 bytes = 64 bytes
 *
 *   pa_bits=12 -> 4096 bytes of RAM = 64 frames of 64 bytes.
 *
 * Entries are 32-bit x86-style words with the PFN (pa >> page_shift) at bit
 * 12, whatever the page size, so flags never collide with the PFN; that caps
 * the PFN at 20 bits (pa_bits - log2(page) <= 20). There are no huge leaves,
 * no NX, and no kernel address space: the toy kernel keeps its own
 * structures outside simulated RAM, so all of RAM is one ZONE_NORMAL and
 * every virtual address below 1 << va_bits belongs to the process.
 *
 * A table larger than a page lives in a higher-order buddy block, so a
 * table may be at most page << max_order bytes; a smaller one takes a page.
 */
#include "arch/arch.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#define TOY_PTE_BYTES 4
#define TOY_PFN_FIELD_BITS 20 /* bits 12..31 of a 32-bit entry */

static bool is_pow2(uint64_t x)
{
	return x && !(x & (x - 1));
}

static unsigned ilog2_u64(uint64_t x)
{
	unsigned r = 0;
	while (x >>= 1)
		r++;
	return r;
}

/* Level names, bottom-aligned: with n levels, the last n of these, except
 * that the top is always the PGD (Linux folds the levels in between). */
static const char *const toy_level_names[ARCH_MAX_LEVELS] = {
	"PGD", "P4D", "PUD", "PMD", "PTE",
};

int arch_toy_build(struct arch_profile *out, const struct arch_toy_params *p,
		   const char **why)
{
	const char *dummy;
	if (!why)
		why = &dummy;
	*why = NULL;
	if (!out || !p) {
		*why = "toy: no parameters";
		return -EINVAL;
	}
	if (p->va_bits < 8 || p->va_bits > 48) {
		*why = "toy: va_bits must be in 8..48";
		return -EINVAL;
	}
	if (p->pa_bits < 8 || p->pa_bits > 32) {
		*why = "toy: pa_bits must be in 8..32";
		return -EINVAL;
	}
	if (!is_pow2(p->page_bytes) || p->page_bytes < 16) {
		*why = "toy: page must be a power of two, at least 16 bytes";
		return -EINVAL;
	}
	if (p->levels < 1 || p->levels > ARCH_MAX_LEVELS) {
		*why = "toy: levels must be in 1..5";
		return -EINVAL;
	}
	unsigned page_shift = ilog2_u64(p->page_bytes);
	if (page_shift >= p->pa_bits) {
		*why = "toy: page must be smaller than physical memory (page < 2^pa_bits)";
		return -EINVAL;
	}
	if (page_shift >= p->va_bits) {
		*why = "toy: page must be smaller than the virtual address space (page < 2^va_bits)";
		return -EINVAL;
	}
	if (p->pa_bits - page_shift > TOY_PFN_FIELD_BITS) {
		*why = "toy: pa_bits - log2(page) must be at most 20 (the PFN field of a 32-bit entry)";
		return -EINVAL;
	}
	unsigned index_bits = p->va_bits - page_shift;
	if (index_bits < p->levels) {
		*why = "toy: too many levels: each level needs at least one index bit of va_bits - log2(page)";
		return -EINVAL;
	}
	unsigned max_order = MM_MIN(10u, p->pa_bits - page_shift);
	unsigned per_level = index_bits / p->levels;
	unsigned top_bits = per_level + index_bits % p->levels;
	/* The top table is the largest; it must fit in one buddy block. */
	uint64_t top_table_bytes = (uint64_t)TOY_PTE_BYTES << top_bits;
	if (top_table_bytes > ((uint64_t)p->page_bytes << max_order)) {
		*why = "toy: the top-level table is larger than the largest buddy block "
		       "(page << max_order); use more levels or larger pages";
		return -EINVAL;
	}

	memset(out, 0, sizeof(*out));
	snprintf(out->name, sizeof(out->name), "toy");
	out->va_bits = p->va_bits;
	out->pa_bits = p->pa_bits;
	out->page_shift = page_shift;
	out->nr_levels = p->levels;
	out->pte_bytes = TOY_PTE_BYTES;
	out->has_nx = false;
	out->is_toy = true;

	/* Bottom up: the last level starts at page_shift. */
	unsigned shift = page_shift;
	for (unsigned i = p->levels; i-- > 0;) {
		struct arch_level *l = &out->level[i];
		l->bits = i == 0 ? top_bits : per_level;
		l->shift = shift;
		l->huge_leaf_ok = false;
		l->name = toy_level_names[ARCH_MAX_LEVELS - p->levels + i];
		shift += l->bits;
	}
	if (p->levels > 1)
		out->level[0].name = toy_level_names[0];

	out->task_size = 1ULL << p->va_bits;
	out->page_offset = 0;
	out->max_direct_pa = 0;

	out->zone_end_pa[ZONE_NORMAL] = 1ULL << p->pa_bits;
	out->zone_exists[ZONE_NORMAL] = true;

	out->max_order = max_order;
	/* A pageblock is what one last-level table maps (x86: HPAGE_PMD_ORDER). */
	out->pageblock_order = MM_MIN(max_order, out->level[p->levels - 1].bits);
	out->kernel_load_pa = 0;
	out->kernel_image_bytes = 0;
	return 0;
}
