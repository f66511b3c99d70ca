/*
 * sysctl.c - the vm.* tunables, as /proc/sys/vm and sysctl(8) show them.
 *
 *   scenario "sysctl vm.min_free_kbytes=2048"
 *        -> mm_sysctl_set(k, "vm.min_free_kbytes", {2048}, 1)
 *        -> table entry: validate like Linux's proc handler, store in
 *           k->sysctl, recompute what depends on it
 *
 * One table row per tunable; a layer that adds a tunable adds a row. Values
 * are validated exactly as the kernel's handlers do (proc_dointvec_minmax
 * ranges; extra values in a vector are ignored, as procfs ignores them).
 *
 * vm.lowmem_reserve_ratio is a vector with one entry per zone Linux has on
 * the arch (x86_64: DMA DMA32 Normal Movable Device; i386: DMA Normal
 * HighMem Movable; toy: Normal Movable). ZONE_DEVICE never holds memory, so
 * its entry is accepted and kept but changes nothing.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "kernel/task.h"
#include "mm/filemap.h"
#include "mm/huge_memory.h"
#include "mm/hugetlb.h"
#include "mm/internal.h"

#define MIN_PERCPU_PAGELIST_HIGH_FRACTION 8

struct sysctl_entry {
	const char *name;
	int (*set)(struct mm_kernel *k, const int64_t *vals, int n, char *err, size_t errlen);
	int (*get)(struct mm_kernel *k, int64_t *vals, int max);
};

/* proc_dointvec_minmax: an int within [lo, hi]. */
static int int_in_range(int64_t v, int64_t lo, int64_t hi, char *err, size_t errlen)
{
	if (v < lo || v > hi) {
		snprintf(err, errlen, "%lld is out of range (%lld..%lld)", (long long)v, (long long)lo,
			 (long long)hi);
		return -EINVAL;
	}
	return 0;
}

/* The zones the lowmem_reserve_ratio vector names, in order; -1 = Device. */
static int ratio_zones(const struct mm_kernel *k, int *types)
{
	int n = 0;
	for (int t = 0; t < MAX_NR_ZONES; t++)
		if (t == ZONE_MOVABLE || k->arch->zone_exists[t])
			types[n++] = t;
	/* CONFIG_ZONE_DEVICE exists on x86_64 kernels only (the arch with DMA32). */
	if (k->arch->zone_exists[ZONE_DMA32])
		types[n++] = -1;
	return n;
}

static int set_min_free_kbytes(struct mm_kernel *k, const int64_t *v, int n, char *err,
			       size_t errlen)
{
	(void)n;
	int rc = int_in_range(v[0], 0, INT_MAX, err, errlen);
	if (rc)
		return rc;
	k->sysctl.min_free_kbytes = v[0];
	k->sysctl.user_min_free_kbytes = v[0];
	setup_per_zone_wmarks(k);
	return 0;
}

static int get_min_free_kbytes(struct mm_kernel *k, int64_t *v, int max)
{
	(void)max;
	v[0] = k->sysctl.min_free_kbytes;
	return 1;
}

static int set_watermark_scale_factor(struct mm_kernel *k, const int64_t *v, int n, char *err,
				      size_t errlen)
{
	(void)n;
	int rc = int_in_range(v[0], 1, 3000, err, errlen);
	if (rc)
		return rc;
	k->sysctl.watermark_scale_factor = v[0];
	setup_per_zone_wmarks(k);
	return 0;
}

static int get_watermark_scale_factor(struct mm_kernel *k, int64_t *v, int max)
{
	(void)max;
	v[0] = k->sysctl.watermark_scale_factor;
	return 1;
}

static int set_watermark_boost_factor(struct mm_kernel *k, const int64_t *v, int n, char *err,
				      size_t errlen)
{
	(void)n;
	int rc = int_in_range(v[0], 0, INT_MAX, err, errlen);
	if (rc)
		return rc;
	k->sysctl.watermark_boost_factor = v[0];
	return 0;
}

static int get_watermark_boost_factor(struct mm_kernel *k, int64_t *v, int max)
{
	(void)max;
	v[0] = k->sysctl.watermark_boost_factor;
	return 1;
}

static int set_lowmem_reserve_ratio(struct mm_kernel *k, const int64_t *v, int n, char *err,
				    size_t errlen)
{
	int types[MAX_NR_ZONES + 1];
	int nz = ratio_zones(k, types);
	for (int i = 0; i < n && i < nz; i++) {
		int rc = int_in_range(v[i], INT_MIN, INT_MAX, err, errlen);
		if (rc)
			return rc;
	}
	for (int i = 0; i < n && i < nz; i++) {
		if (types[i] < 0)
			continue;
		/* Linux turns ratios below 1 into 0 (no reserve). */
		k->sysctl.lowmem_reserve_ratio[types[i]] = v[i] < 1 ? 0 : v[i];
	}
	setup_per_zone_lowmem_reserve(k);
	return 0;
}

static int get_lowmem_reserve_ratio(struct mm_kernel *k, int64_t *v, int max)
{
	int types[MAX_NR_ZONES + 1];
	int nz = ratio_zones(k, types), i;
	for (i = 0; i < nz && i < max; i++)
		v[i] = types[i] < 0 ? 0 : k->sysctl.lowmem_reserve_ratio[types[i]];
	return i;
}

static int set_percpu_pagelist_high_fraction(struct mm_kernel *k, const int64_t *v, int n,
					     char *err, size_t errlen)
{
	(void)n;
	int rc = int_in_range(v[0], 0, INT_MAX, err, errlen);
	if (rc)
		return rc;
	if (v[0] && v[0] < MIN_PERCPU_PAGELIST_HIGH_FRACTION) {
		snprintf(err, errlen, "%lld is below the minimum fraction %d (0 means automatic)",
			 (long long)v[0], MIN_PERCPU_PAGELIST_HIGH_FRACTION);
		return -EINVAL;
	}
	k->sysctl.percpu_pagelist_high_fraction = v[0];
	zone_pcp_update_all(k);
	return 0;
}

static int get_percpu_pagelist_high_fraction(struct mm_kernel *k, int64_t *v, int max)
{
	(void)max;
	v[0] = k->sysctl.percpu_pagelist_high_fraction;
	return 1;
}

/* vm.drop_caches (fs/drop_caches.c): 1 drops clean unmapped page-cache
 * pages, 2 reclaimable slab objects (mmsim has no dentries or inodes to
 * shrink: only the event is counted), 3 both; 4 silences the log line for
 * good (Linux's static stfu, kept here in bit 8). Reading returns the last
 * value written. */
#define DROP_CACHES_QUIET 0x100
static int set_drop_caches(struct mm_kernel *k, const int64_t *v, int n, char *err, size_t errlen)
{
	(void)n;
	int rc = int_in_range(v[0], 1, 4, err, errlen);
	if (rc)
		return rc;
	bool quiet = k->sysctl.drop_caches & DROP_CACHES_QUIET;
	k->sysctl.drop_caches = v[0] | (quiet ? DROP_CACHES_QUIET : 0);
	if (v[0] & 1)
		drop_pagecache(k);
	if (v[0] & 2)
		count_vm_event(k, drop_slab);
	if (!quiet)
		printk(k, "mmsim (0): drop_caches: %lld", (long long)v[0]);
	if (v[0] & 4)
		k->sysctl.drop_caches |= DROP_CACHES_QUIET;
	return 0;
}

static int get_drop_caches(struct mm_kernel *k, int64_t *v, int max)
{
	(void)max;
	v[0] = k->sysctl.drop_caches & ~(int64_t)DROP_CACHES_QUIET;
	return 1;
}

/*
 * The address-space tunables of mmap.c: plain integers with Linux's ranges.
 * overcommit_ratio and overcommit_kbytes exclude each other as in Linux
 * (writing one zeroes the other).
 */
#define SYSCTL_PLAIN(field, lo, hi)                                                       \
	static int set_##field(struct mm_kernel *k, const int64_t *v, int n, char *err,     \
			       size_t errlen)                                              \
	{                                                                                  \
		(void)n;                                                                   \
		int rc = int_in_range(v[0], lo, hi, err, errlen);                          \
		if (rc)                                                                    \
			return rc;                                                         \
		k->sysctl.field = v[0];                                                    \
		return 0;                                                                  \
	}                                                                                  \
	static int get_##field(struct mm_kernel *k, int64_t *v, int max)                   \
	{                                                                                  \
		(void)max;                                                                 \
		v[0] = k->sysctl.field;                                                    \
		return 1;                                                                  \
	}

SYSCTL_PLAIN(overcommit_memory, 0, 2)
SYSCTL_PLAIN(max_map_count, 0, INT_MAX)
SYSCTL_PLAIN(mmap_min_addr, 0, INT64_MAX)
SYSCTL_PLAIN(admin_reserve_kbytes, 0, INT64_MAX)
SYSCTL_PLAIN(user_reserve_kbytes, 0, INT64_MAX)

static int set_overcommit_ratio(struct mm_kernel *k, const int64_t *v, int n, char *err,
				size_t errlen)
{
	(void)n;
	int rc = int_in_range(v[0], 0, INT_MAX, err, errlen);
	if (rc)
		return rc;
	k->sysctl.overcommit_ratio = v[0];
	k->sysctl.overcommit_kbytes = 0;
	return 0;
}
static int get_overcommit_ratio(struct mm_kernel *k, int64_t *v, int max)
{
	(void)max;
	v[0] = k->sysctl.overcommit_ratio;
	return 1;
}
static int set_overcommit_kbytes(struct mm_kernel *k, const int64_t *v, int n, char *err,
				 size_t errlen)
{
	(void)n;
	int rc = int_in_range(v[0], 0, INT64_MAX, err, errlen);
	if (rc)
		return rc;
	k->sysctl.overcommit_kbytes = v[0];
	if (v[0])
		k->sysctl.overcommit_ratio = 0;
	return 0;
}
static int get_overcommit_kbytes(struct mm_kernel *k, int64_t *v, int max)
{
	(void)max;
	v[0] = k->sysctl.overcommit_kbytes;
	return 1;
}

static const struct sysctl_entry sysctl_table[] = {
	/* kernel/task.c: 0 (mmsim's default: deterministic layouts), 1, 2 */
	{ "kernel.randomize_va_space", task_sysctl_randomize_set, task_sysctl_randomize_get },
	{ "vm.min_free_kbytes", set_min_free_kbytes, get_min_free_kbytes },
	{ "vm.watermark_scale_factor", set_watermark_scale_factor, get_watermark_scale_factor },
	{ "vm.watermark_boost_factor", set_watermark_boost_factor, get_watermark_boost_factor },
	{ "vm.lowmem_reserve_ratio", set_lowmem_reserve_ratio, get_lowmem_reserve_ratio },
	{ "vm.percpu_pagelist_high_fraction", set_percpu_pagelist_high_fraction,
	  get_percpu_pagelist_high_fraction },
	{ "vm.drop_caches", set_drop_caches, get_drop_caches },
	{ "vm.overcommit_memory", set_overcommit_memory, get_overcommit_memory },
	{ "vm.overcommit_ratio", set_overcommit_ratio, get_overcommit_ratio },
	{ "vm.overcommit_kbytes", set_overcommit_kbytes, get_overcommit_kbytes },
	{ "vm.max_map_count", set_max_map_count, get_max_map_count },
	{ "vm.mmap_min_addr", set_mmap_min_addr, get_mmap_min_addr },
	{ "vm.admin_reserve_kbytes", set_admin_reserve_kbytes, get_admin_reserve_kbytes },
	{ "vm.user_reserve_kbytes", set_user_reserve_kbytes, get_user_reserve_kbytes },
	/* hugetlb.c: the huge page pool */
	{ "vm.nr_hugepages", hugetlb_sysctl_nr_set, hugetlb_sysctl_nr_get },
	{ "vm.nr_overcommit_hugepages", hugetlb_sysctl_overcommit_set, hugetlb_sysctl_overcommit_get },
};

/* Settings whose value is a word (sysfs files rather than /proc/sys):
 * transparent_hugepage (/sys/kernel/mm/transparent_hugepage/enabled). */
static bool is_thp_enabled_name(const char *name)
{
	return name && (strcmp(name, "transparent_hugepage") == 0 ||
			strcmp(name, "transparent_hugepage.enabled") == 0 ||
			strcmp(name, "kernel.mm.transparent_hugepage.enabled") == 0);
}

int mm_sysctl_set_str(struct mm_kernel *k, const char *name, const char *val, char *err,
		      size_t errlen)
{
	if (!is_thp_enabled_name(name))
		return -ENOENT;
	return thp_set_enabled(k, val, err, errlen);
}

const char *mm_sysctl_get_str(struct mm_kernel *k, const char *name)
{
	return is_thp_enabled_name(name) ? thp_enabled_string(k) : NULL;
}

static const struct sysctl_entry *sysctl_lookup(const char *name)
{
	for (size_t i = 0; i < MM_ARRAY_SIZE(sysctl_table); i++)
		if (strcmp(sysctl_table[i].name, name) == 0)
			return &sysctl_table[i];
	return NULL;
}

int mm_sysctl_set(struct mm_kernel *k, const char *name, const int64_t *vals, int nvals,
		  char *err, size_t errlen)
{
	char dummy[8];
	if (!err || !errlen) {
		err = dummy;
		errlen = sizeof(dummy);
	}
	err[0] = '\0';
	const struct sysctl_entry *e = name ? sysctl_lookup(name) : NULL;
	if (!e)
		return -ENOENT;
	if (!vals || nvals < 1) {
		snprintf(err, errlen, "needs a value");
		return -EINVAL;
	}
	return e->set(k, vals, nvals, err, errlen);
}

int mm_sysctl_get(struct mm_kernel *k, const char *name, int64_t *vals, int maxvals, char *err,
		  size_t errlen)
{
	if (err && errlen)
		err[0] = '\0';
	const struct sysctl_entry *e = name ? sysctl_lookup(name) : NULL;
	if (!e)
		return -ENOENT;
	if (!vals || maxvals < 1) {
		if (err && errlen)
			snprintf(err, errlen, "no room for the value");
		return -EINVAL;
	}
	return e->get(k, vals, maxvals);
}
