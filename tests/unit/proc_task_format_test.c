/*
 * proc_task_format_test.c - the per-process Linux views (`show maps`,
 * `show smaps`, `show status`) line by line against Linux 6.x's formats
 * (fs/proc/task_mmu.c show_map_vma / show_smap, fs/proc/array.c
 * proc_pid_status) and, where this host is Linux, against the field names and
 * order of its own /proc/self files.
 *
 * The scenarios run through the scenario engine and the test reads the
 * text it prints, so what is checked is exactly what a user sees:
 *
 *   machine ... -> spawn A -> mmap/touch/file ... -> show maps|smaps|status A
 *
 * Maps arithmetic (show_vma_header_prefix, then seq_pad to
 * 25 + 6 * sizeof(void *) - 1 columns, then one space and the name):
 *   64-bit: the prefix "00400000-00410000 r-xp 00000000 08:01 12 " is
 *           8+1+8 +1+4 +1+8 +1+5 +1+2 +1 = 41 characters, padded to 72, so
 *           72 - 40 + 1 = 33 spaces separate "12" from "/bin/A";
 *           "7ffff7eef000-7ffff7eff000 rw-p 00000000 08:01 13" is 48
 *           characters: 72 - 48 + 1 = 25 spaces before the name;
 *           "7ffffffde000-7ffffffff000 rw-p 00000000 00:00 0" is 47: 26.
 *   32-bit: padded to 48: "08048000-08058000 r-xp 00000000 08:01 12" is
 *           40 characters, so 48 - 40 + 1 = 9 spaces before "/bin/A".
 *   No name: the line ends with the inode and the prefix's space ("0 ").
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "include/strbuf.h"
#include "mmsim/scenario.h"
#include "test.h"

/* ---- helpers ---------------------------------------------------------------- */

/* Run a scenario; its stdout split in lines (a failed run prints stderr). */
static void run(const char *text, struct test_lines *out)
{
	char *out_buf = NULL, *err_buf = NULL;
	size_t out_len = 0, err_len = 0;
	FILE *o = open_memstream(&out_buf, &out_len);
	FILE *e = open_memstream(&err_buf, &err_len);
	struct scenario *s = scenario_create(o, e);
	int rc = scenario_run_string(s, text, "t.mms");
	scenario_destroy(s);
	fclose(o);
	fclose(e);
	if (rc != 0)
		printf("  scenario failed (%d): %s\n", rc, err_buf ? err_buf : "");
	CHECK_EQ(rc, 0);
	test_lines_split(out_buf, out);
	free(out_buf);
	free(err_buf);
}

static bool has_line(const struct test_lines *l, const char *s)
{
	for (size_t i = 0; i < l->n; i++)
		if (strcmp(l->v[i], s) == 0)
			return true;
	printf("  missing line \"%s\"\n", s);
	return false;
}

/* "head" + n spaces + "tail". */
static char *padded(const char *head, int n, const char *tail)
{
	struct strbuf sb = STRBUF_INIT;
	sb_printf(&sb, "%s%*s%s", head, n, "", tail);
	return sb_detach(&sb);
}

static void check_padded(const struct test_lines *l, const char *head, int n, const char *tail)
{
	char *want = padded(head, n, tail);
	CHECK(has_line(l, want));
	free(want);
}

/* The label of "Label:..." (up to the colon), or "" for other lines. */
static void label_of(const char *s, char *buf, size_t len)
{
	const char *c = strchr(s, ':');
	size_t n = c ? (size_t)(c - s) : 0;
	if (n >= len || memchr(s, ' ', n))
		n = 0; /* not a "Label:" line (a maps line, a hex dump) */
	memcpy(buf, s, n);
	buf[n] = '\0';
}

/* The labels of the status view: from "Name:" to "nonvoluntary_ctxt_switches:". */
static size_t status_labels(const struct test_lines *l, char labels[][40], size_t max)
{
	size_t n = 0;
	bool in = false;
	for (size_t i = 0; i < l->n && n < max; i++) {
		if (strncmp(l->v[i], "Name:\t", 6) == 0)
			in = true;
		if (!in)
			continue;
		label_of(l->v[i], labels[n], 40);
		n++;
		if (strncmp(l->v[i], "nonvoluntary_ctxt_switches:", 27) == 0)
			break;
	}
	return n;
}

static void check_labels(char got[][40], size_t n, const char *const *want, size_t nwant,
			 const char *who)
{
	CHECK_EQ(n, nwant);
	for (size_t i = 0; i < n && i < nwant; i++) {
		if (strcmp(got[i], want[i]) != 0)
			printf("  %s: line %zu is \"%s\", want \"%s\"\n", who, i, got[i], want[i]);
		CHECK_STR(got[i], want[i]);
	}
}

/* The common subsequence check against a host file: the names both have
 * must come in the same order (a host built with other options has more or
 * fewer lines; see docs/views.md). */
static void check_order_against_host(char got[][40], size_t n, const char *path,
				     const char *first, const char *last)
{
	FILE *f = fopen(path, "r");
	if (!f)
		return; /* not a Linux host */
	struct strbuf sb = STRBUF_INIT;
	char buf[4096];
	size_t r;
	while ((r = fread(buf, 1, sizeof(buf), f)) > 0)
		sb_add(&sb, buf, r);
	fclose(f);
	struct test_lines h;
	test_lines_split(sb_str(&sb), &h);
	sb_free(&sb);
	char (*host)[40] = calloc(h.n + 1, 40);
	size_t nh = 0;
	bool in = false;
	for (size_t i = 0; i < h.n; i++) {
		char lab[40];
		label_of(h.v[i], lab, sizeof(lab));
		if (strcmp(lab, first) == 0)
			in = true;
		if (!in || !lab[0])
			continue;
		memcpy(host[nh++], lab, 40);
		if (strcmp(lab, last) == 0)
			break;
	}
	/* Walk both lists keeping only the names the other one has. */
	size_t i = 0, j = 0, common = 0;
	for (;;) {
		while (i < n) {
			bool found = false;
			for (size_t k = 0; k < nh && !found; k++)
				found = strcmp(got[i], host[k]) == 0;
			if (found)
				break;
			i++;
		}
		while (j < nh) {
			bool found = false;
			for (size_t k = 0; k < n && !found; k++)
				found = strcmp(host[j], got[k]) == 0;
			if (found)
				break;
			j++;
		}
		if (i >= n || j >= nh)
			break;
		if (strcmp(got[i], host[j]) != 0)
			printf("  %s: mmsim has \"%s\" where the host has \"%s\"\n", path, got[i], host[j]);
		CHECK_STR(got[i], host[j]);
		i++;
		j++;
		common++;
	}
	CHECK(common >= 10);
	free(host);
	test_lines_free(&h);
}

/* ---- maps ---------------------------------------------------------------------- */

static const char *const scen_basic =
	"machine arch=x86_64 ram=128M\n"
	"spawn A\n"
	"mmap A 1M -> $m\n"
	"touch A $m 64K w\n"
	"file create f size=64K\n"
	"mmap A 64K file=f -> $f\n"
	"read A $f 8\n"
	"show maps A\n"
	"show smaps A\n"
	"show status A\n";

TEST(maps_x86_64_columns)
{
	struct test_lines l;
	run(scen_basic, &l);
	/* text and data of the program file: name at column 73 (0-based) */
	check_padded(&l, "00400000-00410000 r-xp 00000000 08:01 12", 33, "/bin/A");
	/* data: offset 0x10000 = the 64K of text before it in the file */
	check_padded(&l, "00410000-00414000 rw-p 00010000 08:01 12", 33, "/bin/A");
	/* bss: anonymous, no name, the line ends "0 " */
	CHECK(has_line(&l, "00414000-00416000 rw-p 00000000 00:00 0 "));
	/* the 64K file mapping under mmap_base - 1M (the anonymous one above it) */
	check_padded(&l, "7ffff7eef000-7ffff7eff000 rw-p 00000000 08:01 13", 25, "/f");
	CHECK(has_line(&l, "7ffff7eff000-7ffff7fff000 rw-p 00000000 00:00 0 "));
	check_padded(&l, "7ffffffde000-7ffffffff000 rw-p 00000000 00:00 0", 26, "[stack]");
	test_lines_free(&l);
}

TEST(maps_i386_columns)
{
	struct test_lines l;
	run("machine arch=i386 ram=256M\nspawn A\nshow maps A\n", &l);
	/* 32-bit pointers: the prefix is padded to 48 columns */
	check_padded(&l, "08048000-08058000 r-xp 00000000 08:01 12", 9, "/bin/A");
	check_padded(&l, "08058000-0805c000 rw-p 00010000 08:01 12", 9, "/bin/A");
	/* stack: "bffdf000-c0000000 rw-p 00000000 00:00 0" is 39: 48 - 39 + 1 */
	check_padded(&l, "bffdf000-c0000000 rw-p 00000000 00:00 0", 10, "[stack]");
	test_lines_free(&l);
}

/* An unlinked file keeps its mapping, and d_path says " (deleted)";
 * MAP_HUGETLB maps hugetlbfs's internal file "/anon_hugepage (deleted)". */
TEST(maps_deleted_and_anon_hugepage)
{
	struct test_lines l;
	run("machine arch=x86_64 ram=128M\n"
	    "sysctl vm.nr_hugepages=4\n"
	    "spawn A\n"
	    "mmap A 4M flags=hugetlb -> $h\n"
	    "file create f size=8K\n"
	    "mmap A 8K file=f -> $f\n"
	    "file delete f\n"
	    "show maps A\n",
	    &l);
	/* top-down from mmap_base 0x7ffff7fff000: the 4M huge mapping aligned
	 * down to 2M (0x7ffff7a00000..0x7ffff7e00000), then the 8K file at the
	 * top of the gap (0x7ffff7ffd000..0x7ffff7fff000) */
	check_padded(&l, "7ffff7a00000-7ffff7e00000 rw-p 00000000 00:00 0", 26,
		     "/anon_hugepage (deleted)");
	check_padded(&l, "7ffff7ffd000-7ffff7fff000 rw-p 00000000 08:01 13", 25, "/f (deleted)");
	test_lines_free(&l);
}

/* ---- smaps --------------------------------------------------------------------- */

/* show_smap / __show_smap, Linux 6.x, for one VMA (no rollup lines; no
 * ProtectionKey: mmsim's CPUs have no OSPKE). */
static const char *const smaps_labels[] = {
	"Size", "KernelPageSize", "MMUPageSize", "Rss", "Pss", "Pss_Dirty", "Shared_Clean",
	"Shared_Dirty", "Private_Clean", "Private_Dirty", "Referenced", "Anonymous", "KSM",
	"LazyFree", "AnonHugePages", "ShmemPmdMapped", "FilePmdMapped", "Shared_Hugetlb",
	"Private_Hugetlb", "Swap", "SwapPss", "Locked", "THPeligible", "VmFlags",
};
#define NR_SMAPS_LABELS (sizeof(smaps_labels) / sizeof(smaps_labels[0]))

TEST(smaps_lines)
{
	struct test_lines l;
	run(scen_basic, &l);
	/* The block of the 1M anonymous mapping with its 64K touched. */
	size_t at = l.n;
	for (size_t i = 0; i < l.n; i++)
		if (strcmp(l.v[i], "7ffff7eff000-7ffff7fff000 rw-p 00000000 00:00 0 ") == 0)
			at = i; /* the last one: maps prints it first, smaps after */
	CHECK(at + NR_SMAPS_LABELS < l.n);
	if (at + NR_SMAPS_LABELS >= l.n) {
		test_lines_free(&l);
		return;
	}
	char got[NR_SMAPS_LABELS][40];
	for (size_t i = 0; i < NR_SMAPS_LABELS; i++)
		label_of(l.v[at + 1 + i], got[i], 40);
	check_labels(got, NR_SMAPS_LABELS, smaps_labels, NR_SMAPS_LABELS, "smaps");
	check_order_against_host(got, NR_SMAPS_LABELS, "/proc/self/smaps", "Size", "VmFlags");
	/* Every quantity: the label padded to 16 columns, the value in 8, " kB"
	 * (Private_Hugetlb's own "%7lu" after its 17 columns ends there too). */
	for (size_t i = 0; i < NR_SMAPS_LABELS - 2; i++) {
		const char *s = l.v[at + 1 + i];
		size_t len = strlen(s);
		CHECK_EQ(len, 27);
		CHECK(len == 27 && strcmp(s + 24, " kB") == 0 && s[23] >= '0' && s[23] <= '9');
	}
	/* 1M mapping, 16 pages written once: Rss = Pss = Private_Dirty = 64 kB */
	CHECK_STR(l.v[at + 1], "Size:               1024 kB");
	CHECK_STR(l.v[at + 4], "Rss:                  64 kB");
	CHECK_STR(l.v[at + 5], "Pss:                  64 kB");
	CHECK_STR(l.v[at + 10], "Private_Dirty:        64 kB");
	CHECK_STR(l.v[at + 19], "Private_Hugetlb:       0 kB");
	CHECK_STR(l.v[at + 23], "THPeligible:           0");
	/* private writable anonymous: VM_ACCOUNT; soft-dirty from mmap (distro
	 * CONFIG_MEM_SOFT_DIRTY); two letters per flag, each followed by a space */
	CHECK_STR(l.v[at + 24], "VmFlags: rd wr mr mw me ac sd ");
	test_lines_free(&l);
}

/* ---- status -------------------------------------------------------------------- */

/* proc_pid_status in Linux 6.18 for a live x86_64 task with an mm, on a
 * config without CONFIG_X86_USER_SHADOW_STACK (no x86_Thread_features). */
static const char *const status_x86_64[] = {
	"Name", "Umask", "State", "Tgid", "Ngid", "Pid", "PPid", "TracerPid", "Uid", "Gid",
	"FDSize", "Groups", "NStgid", "NSpid", "NSpgid", "NSsid", "Kthread", "VmPeak", "VmSize",
	"VmLck", "VmPin", "VmHWM", "VmRSS", "RssAnon", "RssFile", "RssShmem", "VmData", "VmStk",
	"VmExe", "VmLib", "VmPTE", "VmSwap", "HugetlbPages", "CoreDumping", "THP_enabled",
	"untag_mask", "Threads", "SigQ", "SigPnd", "ShdPnd", "SigBlk", "SigIgn", "SigCgt",
	"CapInh", "CapPrm", "CapEff", "CapBnd", "CapAmb", "NoNewPrivs", "Seccomp",
	"Seccomp_filters", "Speculation_Store_Bypass", "SpeculationIndirectBranch",
	"Cpus_allowed", "Cpus_allowed_list", "Mems_allowed", "Mems_allowed_list",
	"voluntary_ctxt_switches", "nonvoluntary_ctxt_switches",
};
#define NR_STATUS (sizeof(status_x86_64) / sizeof(status_x86_64[0]))

TEST(status_x86_64_lines)
{
	struct test_lines l;
	run(scen_basic, &l);
	char got[80][40];
	size_t n = status_labels(&l, got, 80);
	check_labels(got, n, status_x86_64, NR_STATUS, "status x86_64");
	check_order_against_host(got, n, "/proc/self/status", "Name", "nonvoluntary_ctxt_switches");
	/* label, a tab, the kB value in 8 columns (seq_put_decimal_ull_width):
	 * VmSize = text 64K + data 16K + bss 8K + 1M + 64K file + stack 132K */
	CHECK(has_line(&l, "VmSize:\t    1308 kB"));
	/* VmData: private writable non-stack = 16K + 8K + 1M + 64K */
	CHECK(has_line(&l, "VmData:\t    1112 kB"));
	CHECK(has_line(&l, "HugetlbPages:\t       0 kB"));
	CHECK(has_line(&l, "Groups:\t1000 "));
	CHECK(has_line(&l, "Cpus_allowed:\t1"));
	test_lines_free(&l);
}

TEST(status_i386_has_no_untag_mask)
{
	struct test_lines l;
	run("machine arch=i386 ram=256M\nspawn A\nshow status A\n", &l);
	char got[80][40];
	size_t n = status_labels(&l, got, 80);
	/* the x86_64 list without untag_mask (CONFIG_ADDRESS_MASKING is 64-bit) */
	const char *want[NR_STATUS];
	size_t nw = 0;
	for (size_t i = 0; i < NR_STATUS; i++)
		if (strcmp(status_x86_64[i], "untag_mask") != 0)
			want[nw++] = status_x86_64[i];
	check_labels(got, n, want, nw, "status i386");
	test_lines_free(&l);
}

/* A zombie has no mm, fs or files: no Umask, FDSize 0, and none of
 * task_mem, CoreDumping, THP_enabled, untag_mask. */
TEST(status_zombie)
{
	struct test_lines l;
	run("machine arch=x86_64 ram=128M\nspawn P\nfork P C\nexit C\nshow status C\n", &l);
	char got[80][40];
	size_t n = status_labels(&l, got, 80);
	const char *want[NR_STATUS];
	size_t nw = 0;
	bool skip = false;
	for (size_t i = 0; i < NR_STATUS; i++) {
		const char *s = status_x86_64[i];
		if (strcmp(s, "VmPeak") == 0)
			skip = true;
		if (strcmp(s, "Threads") == 0)
			skip = false;
		if (!skip && strcmp(s, "Umask") != 0)
			want[nw++] = s;
	}
	check_labels(got, n, want, nw, "status zombie");
	CHECK(has_line(&l, "State:\tZ (zombie)"));
	CHECK(has_line(&l, "FDSize:\t0"));
	test_lines_free(&l);
}

/* HugetlbPages is mm->hugetlb_usage: the huge pages this mm maps. */
TEST(status_hugetlb_pages)
{
	struct test_lines l;
	run("machine arch=x86_64 ram=128M\n"
	    "sysctl vm.nr_hugepages=4\n"
	    "spawn A\n"
	    "mmap A 4M flags=hugetlb -> $h\n"
	    "touch A $h 2M w\n" /* one 2M page faulted in of the two */
	    "show status A\n",
	    &l);
	CHECK(has_line(&l, "HugetlbPages:\t    2048 kB"));
	test_lines_free(&l);
}

/* Cpus_allowed is %*pb over nr_cpu_ids bits: 32-bit hex chunks joined by
 * commas, the first one only as wide as its bits need. */
TEST(status_cpus_allowed_bitmap)
{
	static const struct {
		unsigned cpus;
		const char *mask, *list;
	} cases[] = {
		{ 2, "Cpus_allowed:\t3", "Cpus_allowed_list:\t0-1" },
		{ 5, "Cpus_allowed:\t1f", "Cpus_allowed_list:\t0-4" },
		{ 32, "Cpus_allowed:\tffffffff", "Cpus_allowed_list:\t0-31" },
		{ 36, "Cpus_allowed:\tf,ffffffff", "Cpus_allowed_list:\t0-35" },
		{ 64, "Cpus_allowed:\tffffffff,ffffffff", "Cpus_allowed_list:\t0-63" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char text[128];
		snprintf(text, sizeof(text), "machine arch=x86_64 ram=256M cpus=%u\nspawn A\nshow status A\n",
			 cases[i].cpus);
		struct test_lines l;
		run(text, &l);
		CHECK(has_line(&l, cases[i].mask));
		CHECK(has_line(&l, cases[i].list));
		test_lines_free(&l);
	}
}

int main(void)
{
	RUN(maps_x86_64_columns);
	RUN(maps_i386_columns);
	RUN(maps_deleted_and_anon_hugepage);
	RUN(smaps_lines);
	RUN(status_x86_64_lines);
	RUN(status_i386_has_no_untag_mask);
	RUN(status_zombie);
	RUN(status_hugetlb_pages);
	RUN(status_cpus_allowed_bitmap);
	return test_summary();
}
