/*
 * gfp.c - GFP flags as text: parsing "GFP_KERNEL|__GFP_ZERO" (scenarios)
 * and printing Linux's %pGg (the allocation-failure warning).
 *
 * Printing walks one table in Linux's order (include/trace/events/mmflags.h):
 * compound names first, largest first, so that GFP_HIGHUSER_MOVABLE is
 * printed as itself and not as GFP_USER|__GFP_HIGHMEM|__GFP_MOVABLE; each
 * name whose bits are all still set is printed and its bits removed;
 * leftover bits print as hex:
 *
 *   0xcc0            -> GFP_KERNEL
 *   0xdc0            -> GFP_KERNEL|__GFP_ZERO
 *   0x140dca         -> GFP_HIGHUSER_MOVABLE|__GFP_COMP|__GFP_ZERO
 *   0x0              -> ""   (Linux prints "mode:0x0()")
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mmsim/gfp.h"

/* Linux's transparent-hugepage masks, for printing only. */
#define GFP_TRANSHUGE_LIGHT \
	((GFP_HIGHUSER_MOVABLE | __GFP_COMP | __GFP_NOMEMALLOC | __GFP_NOWARN) & ~__GFP_RECLAIM)
#define GFP_TRANSHUGE (GFP_TRANSHUGE_LIGHT | __GFP_DIRECT_RECLAIM)

struct gfp_name {
	gfp_t mask;
	const char *name;
};

/* The __def_gfpflag_names order. */
static const struct gfp_name gfp_names[] = {
	{ GFP_TRANSHUGE, "GFP_TRANSHUGE" },
	{ GFP_TRANSHUGE_LIGHT, "GFP_TRANSHUGE_LIGHT" },
	{ GFP_HIGHUSER_MOVABLE, "GFP_HIGHUSER_MOVABLE" },
	{ GFP_HIGHUSER, "GFP_HIGHUSER" },
	{ GFP_USER, "GFP_USER" },
	{ GFP_KERNEL_ACCOUNT, "GFP_KERNEL_ACCOUNT" },
	{ GFP_KERNEL, "GFP_KERNEL" },
	{ GFP_NOFS, "GFP_NOFS" },
	{ GFP_ATOMIC, "GFP_ATOMIC" },
	{ GFP_NOIO, "GFP_NOIO" },
	{ GFP_NOWAIT, "GFP_NOWAIT" },
	{ GFP_DMA, "GFP_DMA" },
	{ __GFP_HIGHMEM, "__GFP_HIGHMEM" },
	{ GFP_DMA32, "GFP_DMA32" },
	{ __GFP_HIGH, "__GFP_HIGH" },
	{ __GFP_IO, "__GFP_IO" },
	{ __GFP_FS, "__GFP_FS" },
	{ __GFP_NOWARN, "__GFP_NOWARN" },
	{ __GFP_RETRY_MAYFAIL, "__GFP_RETRY_MAYFAIL" },
	{ __GFP_NOFAIL, "__GFP_NOFAIL" },
	{ __GFP_NORETRY, "__GFP_NORETRY" },
	{ __GFP_COMP, "__GFP_COMP" },
	{ __GFP_ZERO, "__GFP_ZERO" },
	{ __GFP_NOMEMALLOC, "__GFP_NOMEMALLOC" },
	{ __GFP_MEMALLOC, "__GFP_MEMALLOC" },
	{ __GFP_HARDWALL, "__GFP_HARDWALL" },
	{ __GFP_THISNODE, "__GFP_THISNODE" },
	{ __GFP_RECLAIMABLE, "__GFP_RECLAIMABLE" },
	{ __GFP_MOVABLE, "__GFP_MOVABLE" },
	{ __GFP_ACCOUNT, "__GFP_ACCOUNT" },
	{ __GFP_WRITE, "__GFP_WRITE" },
	{ __GFP_RECLAIM, "__GFP_RECLAIM" },
	{ __GFP_DIRECT_RECLAIM, "__GFP_DIRECT_RECLAIM" },
	{ __GFP_KSWAPD_RECLAIM, "__GFP_KSWAPD_RECLAIM" },
};

/* Names accepted on input besides the table's own (with or without "__"). */
static const struct gfp_name gfp_aliases[] = {
	{ __GFP_DMA, "__GFP_DMA" },
	{ __GFP_DMA32, "__GFP_DMA32" },
};

/* Append text, truncating at len - 1 bytes. */
static void append(char *buf, size_t len, size_t *pos, const char *text)
{
	size_t n = strlen(text);
	if (*pos + 1 >= len)
		return;
	if (n > len - 1 - *pos)
		n = len - 1 - *pos;
	memcpy(buf + *pos, text, n);
	*pos += n;
	buf[*pos] = '\0';
}

const char *gfp_format(gfp_t gfp, char *buf, unsigned long len)
{
	size_t pos = 0;
	if (!buf || !len)
		return "";
	buf[0] = '\0';
	for (size_t i = 0; gfp && i < sizeof(gfp_names) / sizeof(gfp_names[0]); i++) {
		gfp_t mask = gfp_names[i].mask;
		if ((gfp & mask) != mask)
			continue;
		append(buf, len, &pos, gfp_names[i].name);
		gfp &= ~mask;
		if (gfp)
			append(buf, len, &pos, "|");
	}
	if (gfp) {
		char hex[16];
		snprintf(hex, sizeof(hex), "0x%x", gfp);
		append(buf, len, &pos, hex);
	}
	return buf;
}

/* Look up one name of n bytes; "GFP_ZERO" matches "__GFP_ZERO" and
 * "__GFP_KERNEL" matches "GFP_KERNEL". */
static bool gfp_lookup(const char *s, size_t n, gfp_t *out)
{
	const char *bare = s;
	size_t bn = n;
	if (bn > 2 && bare[0] == '_' && bare[1] == '_') {
		bare += 2;
		bn -= 2;
	}
	const struct gfp_name *tables[] = { gfp_names, gfp_aliases };
	size_t sizes[] = { sizeof(gfp_names) / sizeof(gfp_names[0]),
			   sizeof(gfp_aliases) / sizeof(gfp_aliases[0]) };
	for (int t = 0; t < 2; t++) {
		for (size_t i = 0; i < sizes[t]; i++) {
			const char *name = tables[t][i].name;
			if (name[0] == '_' && name[1] == '_')
				name += 2;
			if (strlen(name) == bn && strncmp(name, bare, bn) == 0) {
				*out = tables[t][i].mask;
				return true;
			}
		}
	}
	/* A number: 0xcc0, or decimal. */
	if (n > 0 && n < 24 && s[0] >= '0' && s[0] <= '9') {
		char tmp[24];
		memcpy(tmp, s, n);
		tmp[n] = '\0';
		char *end;
		unsigned long long v = strtoull(tmp, &end, 0);
		if (*end == '\0' && v <= 0xffffffffULL) {
			*out = (gfp_t)v;
			return true;
		}
	}
	return false;
}

int gfp_parse(const char *s, gfp_t *out, const char **bad, int *bad_len)
{
	gfp_t gfp = 0;
	if (!s || !out)
		return -1;
	const char *p = s;
	for (;;) {
		while (*p == ' ' || *p == '\t')
			p++;
		const char *start = p;
		while (*p && *p != '|' && *p != ' ' && *p != '\t')
			p++;
		size_t n = (size_t)(p - start);
		gfp_t v;
		if (n == 0 || !gfp_lookup(start, n, &v)) {
			if (bad)
				*bad = start;
			if (bad_len)
				*bad_len = (int)n;
			return -1;
		}
		gfp |= v;
		while (*p == ' ' || *p == '\t')
			p++;
		if (*p == '\0')
			break;
		if (*p != '|') {
			if (bad)
				*bad = p;
			if (bad_len)
				*bad_len = 1;
			return -1;
		}
		p++;
	}
	*out = gfp;
	return 0;
}
