/*
 * difftest.c - the differential test: the same mmap/munmap/mprotect/
 * mremap/brk/madvise/mlock sequences on the host kernel and in mmsim, and
 * the resulting /proc/PID/maps compared line by line.
 *
 *   difftest RUNNER
 *
 *   RUNNER (difftest_host, a static binary) ──pipe──▶ per sequence: the
 *   host's maps before, each step's result, the maps after
 *        │
 *        ▼ for each sequence
 *   mmsim: boot an x86_64 machine, mm_alloc, then mirror the host's
 *   starting address space:
 *     file mappings, [vvar], [vdso] ...   special VMAs (never merged)
 *     anonymous mappings                  vm_mmap(MAP_FIXED) with the same rights
 *     [stack]                             MAP_GROWSDOWN at the same place
 *     [heap]                              start_brk from /proc/self/stat, then brk()
 *   run the steps (addresses relative to earlier results or the break, so
 *   both sides agree on them), render maps_render_mm, compare:
 *     - every step's result (address or -errno) must be equal;
 *     - every maps line must be equal in range, rights and offset, and in
 *       name for anonymous memory ([heap], /dev/zero (deleted), ...);
 *       device and inode are not compared (mmsim has no such files), nor
 *       the file offsets of the mirrored program image, nor [stack] (the
 *       host's grows while the runner runs) and [vsyscall].
 *
 * Exit: 0 when everything agrees, 1 on a difference, 77 (CTest's skip code)
 * with a "SKIPPED: reason" line when the host cannot run the sequences
 * (not x86_64, no /proc, personality(ADDR_NO_RANDOMIZE) refused).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "include/strbuf.h"
#include "mm/internal.h"
#include "mm/mm_struct.h"
#include "mm/rmap.h"
#include "mm/slab.h"
#include "proc/view.h"
#include "sim/machine.h"
#include "sequences.h"

#define SKIP_CODE 77

struct maps_line {
	uint64_t start, end, offset;
	char perms[5];
	char path[256];
};

struct lines {
	struct maps_line *v;
	size_t n, cap;
};

static void lines_add(struct lines *l, const struct maps_line *m)
{
	if (l->n == l->cap) {
		l->cap = l->cap ? 2 * l->cap : 32;
		l->v = xrealloc(l->v, l->cap * sizeof(*l->v));
	}
	l->v[l->n++] = *m;
}

/* Parse one /proc/PID/maps line; false if it is not one. */
static bool parse_maps_line(const char *s, struct maps_line *m)
{
	unsigned long long start, end, off, ino;
	char perms[8], dev[16];
	int pos = 0;
	memset(m, 0, sizeof(*m));
	if (sscanf(s, "%llx-%llx %7s %llx %15s %llu%n", &start, &end, perms, &off, dev, &ino, &pos) != 6)
		return false;
	m->start = start;
	m->end = end;
	m->offset = off;
	memcpy(m->perms, perms, 4); /* "rwxp" */
	m->perms[4] = '\0';
	const char *p = s + pos;
	while (*p == ' ')
		p++;
	size_t len = strcspn(p, "\n");
	if (len >= sizeof(m->path))
		len = sizeof(m->path) - 1;
	memcpy(m->path, p, len);
	m->path[len] = '\0';
	return true;
}

/* Parse maps text into lines. */
static void parse_maps(const char *text, struct lines *out)
{
	const char *p = text;
	while (*p) {
		struct maps_line m;
		if (parse_maps_line(p, &m))
			lines_add(out, &m);
		p += strcspn(p, "\n");
		if (*p)
			p++;
	}
}

/* The form both sides are compared in; false: the line is not compared. */
static bool normalize(const struct maps_line *m, char *buf, size_t len)
{
	if (m->start >= 0x7ffffffff000ULL || strcmp(m->path, "[stack]") == 0)
		return false;
	bool image = m->path[0] == '/' && strcmp(m->path, "/dev/zero (deleted)") != 0;
	if (image)
		snprintf(buf, len, "%012" PRIx64 "-%012" PRIx64 " %s -------- %s", m->start, m->end,
			 m->perms, m->path);
	else
		snprintf(buf, len, "%012" PRIx64 "-%012" PRIx64 " %s %08" PRIx64 " %s", m->start, m->end,
			 m->perms, m->offset, m->path);
	return true;
}

/* One sequence as the host reported it. */
struct host_seq {
	char name[64];
	struct lines init, final;
	uint64_t start_brk, brk;
	int64_t results[DT_MAX_STEPS];
	int nr_results;
};

/* ---- running the host half -------------------------------------------------- */

static int run_runner(const char *runner, struct strbuf *out)
{
	int fds[2];
	if (pipe(fds) != 0) {
		perror("difftest: pipe");
		return -1;
	}
	pid_t pid = fork();
	if (pid < 0) {
		perror("difftest: fork");
		return -1;
	}
	if (pid == 0) {
		dup2(fds[1], 1);
		close(fds[0]);
		close(fds[1]);
		execl(runner, runner, (char *)NULL);
		_exit(127);
	}
	close(fds[1]);
	char buf[65536];
	for (;;) {
		ssize_t n = read(fds[0], buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		sb_add(out, buf, (size_t)n);
	}
	close(fds[0]);
	int status = 0;
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		fprintf(stderr, "difftest: %s failed (status %d)\n", runner, status);
		return -1;
	}
	return 0;
}

/* Split the runner's output into sequences. */
static size_t parse_host(char *text, struct host_seq *seqs, size_t max)
{
	size_t n = 0;
	struct host_seq *cur = NULL;
	struct lines *section = NULL;
	for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n")) {
		if (strncmp(line, "SEQ ", 4) == 0) {
			if (n == max)
				break;
			cur = &seqs[n++];
			memset(cur, 0, sizeof(*cur));
			snprintf(cur->name, sizeof(cur->name), "%s", line + 4);
			section = NULL;
		} else if (!cur) {
			continue;
		} else if (strcmp(line, "INIT") == 0) {
			section = &cur->init;
		} else if (strcmp(line, "FINAL") == 0) {
			section = &cur->final;
		} else if (strcmp(line, "END") == 0) {
			section = NULL;
		} else if (strncmp(line, "STAT ", 5) == 0) {
			unsigned long long a = 0, b = 0;
			sscanf(line + 5, "%llu %llu", &a, &b);
			cur->start_brk = a;
			cur->brk = b;
			section = NULL;
		} else if (strncmp(line, "STEP ", 5) == 0) {
			int i;
			long long r;
			if (sscanf(line + 5, "%d %lld", &i, &r) == 2 && i >= 0 && i < DT_MAX_STEPS) {
				cur->results[i] = r;
				if (i + 1 > cur->nr_results)
					cur->nr_results = i + 1;
			}
		} else if (section) {
			struct maps_line m;
			if (parse_maps_line(line, &m))
				lines_add(section, &m);
		}
	}
	return n;
}

/* ---- the mmsim half ------------------------------------------------------------ */

static vm_flags_t perms_to_vm_flags(const char *p)
{
	vm_flags_t f = 0;
	if (p[0] == 'r')
		f |= VM_READ | VM_MAYREAD;
	if (p[1] == 'w')
		f |= VM_WRITE | VM_MAYWRITE;
	if (p[2] == 'x')
		f |= VM_EXEC | VM_MAYEXEC;
	if (p[3] == 's')
		f |= VM_SHARED | VM_MAYSHARE;
	return f;
}

static unsigned long perms_to_prot(const char *p)
{
	return (p[0] == 'r' ? PROT_READ : 0) | (p[1] == 'w' ? PROT_WRITE : 0) |
	       (p[2] == 'x' ? PROT_EXEC : 0);
}

/*
 * The runner's anonymous memory (bss, heap) was faulted in its parent and
 * inherited by the forked child that runs the sequence: on the host such a
 * VMA has an anon_vma and a two-link anon_vma chain, which keeps new
 * anon_vma-less ranges from merging into it (is_mergeable_anon_vma's
 * list_is_singular test). Give the mirror the same, with real reverse-map
 * objects: a stand-in parent VMA (never linked) gets an anon_vma, the
 * mirrored VMA is forked from it (anon_vma_fork: two links), and the
 * stand-in goes.
 */
struct forked_links {
	int unused;
};

static void mark_forked(struct vm_area_struct *vma, struct forked_links **pool, size_t *nr)
{
	(void)pool;
	if (!vma || vma->anon_vma)
		return;
	struct vm_area_struct *parent = vm_area_dup(vma);
	if (!parent)
		return;
	if (!anon_vma_prepare(parent))
		anon_vma_fork(vma, parent);
	vm_area_free(parent);
	*nr += 1;
}

/* (The links are made by mark_forked itself.) */
static void link_forked(struct mm_struct *mm, struct forked_links *pool)
{
	(void)mm;
	(void)pool;
}

/* Rebuild the host's starting address space in mm; false (with a message)
 * when something could not be mirrored. *pool receives the chain links
 * (free it after mm_free). */
static bool mirror(struct mm_struct *mm, const struct host_seq *h, struct forked_links **pool,
		   char *why, size_t why_len)
{
	size_t nr_forked = 0;
	const struct maps_line *heap = NULL;
	for (size_t i = 0; i < h->init.n; i++) {
		const struct maps_line *m = &h->init.v[i];
		uint64_t len = m->end - m->start;
		int64_t r = 0;
		if (m->start >= mm->task_size)
			continue; /* [vsyscall] lies above user space */
		if (strcmp(m->path, "[heap]") == 0) {
			heap = m;
			continue;
		}
		if (strcmp(m->path, "[stack]") == 0) {
			r = vm_mmap(mm, m->start, len, perms_to_prot(m->perms),
				    MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED | MAP_GROWSDOWN, NULL, 0);
			mm->start_stack = m->end - 8;
		} else if (m->path[0]) {
			/* The program image and the kernel's special mappings. */
			r = install_special_mapping(mm, m->start, len, perms_to_vm_flags(m->perms), m->path);
		} else {
			r = vm_mmap(mm, m->start, len, perms_to_prot(m->perms),
				    (m->perms[3] == 's' ? MAP_SHARED : MAP_PRIVATE) | MAP_ANONYMOUS | MAP_FIXED,
				    NULL, 0);
			if (r >= 0 && m->perms[3] == 'p')
				mark_forked(vma_lookup(mm, m->start), pool, &nr_forked);
		}
		if (r < 0) {
			snprintf(why, why_len, "cannot mirror %" PRIx64 "-%" PRIx64 " %.100s: %s", m->start,
				 m->end, m->path, mm_errno_name((int)-r));
			return false;
		}
	}
	mm->start_brk = mm->brk = h->start_brk;
	if (h->brk != h->start_brk && sys_brk(mm, h->brk) != h->brk) {
		snprintf(why, why_len, "cannot mirror the heap (brk 0x%" PRIx64 ")", h->brk);
		return false;
	}
	if (heap && !vma_lookup(mm, heap->start)) {
		snprintf(why, why_len, "the heap does not start at start_brk 0x%" PRIx64, h->start_brk);
		return false;
	}
	if (heap)
		mark_forked(vma_lookup(mm, heap->start), pool, &nr_forked);
	link_forked(mm, *pool);
	return true;
}

static uint64_t resolve(struct dt_addr a, const int64_t *results, uint64_t brk0)
{
	if (a.ref == DT_REF_ABS)
		return (uint64_t)a.off;
	if (a.ref == DT_REF_BRK0)
		return brk0 + (uint64_t)a.off;
	return (uint64_t)results[a.ref] + (uint64_t)a.off;
}

static int64_t run_step(struct mm_struct *mm, const struct dt_step *st, const int64_t *results,
			uint64_t brk0)
{
	uint64_t addr = resolve(st->addr, results, brk0);
	switch (st->op) {
	case DT_MMAP:
		return vm_mmap(mm, addr, st->len, st->arg, st->flags, NULL, 0);
	case DT_MUNMAP:
		return vm_munmap(mm, addr, st->len);
	case DT_MPROTECT:
		return do_mprotect(mm, addr, st->len, st->arg);
	case DT_MREMAP:
		return do_mremap(mm, addr, st->len, st->len2, st->arg, resolve(st->addr2, results, brk0));
	case DT_BRK:
		return (int64_t)sys_brk(mm, addr);
	case DT_MADVISE:
		return do_madvise(mm, addr, st->len, (int)st->arg);
	case DT_MLOCK:
		return do_mlock(mm, addr, st->len, 0);
	case DT_MUNLOCK:
		return do_munlock(mm, addr, st->len);
	}
	return -EINVAL;
}

static const char *op_name(enum dt_op op)
{
	static const char *const names[] = { "mmap", "munmap", "mprotect", "mremap",
					     "brk", "madvise", "mlock", "munlock" };
	return names[op];
}

static void print_result(FILE *f, int64_t r)
{
	if (r < 0 && r > -4096)
		fprintf(f, "-%s", mm_errno_name((int)-r) ? mm_errno_name((int)-r) : "?");
	else
		fprintf(f, "0x%" PRIx64, (uint64_t)r);
}

/* Run one sequence in mmsim and compare; true if all agrees. */
static bool check_sequence(struct mm_kernel *k, const struct dt_seq *seq, const struct host_seq *h,
			   unsigned *nr_lines)
{
	bool ok = true;
	char why[512];
	struct mm_struct *mm = mm_alloc(k);
	if (!mm) {
		printf("  %s: mm_alloc failed: %s\n", seq->name, k->last_error);
		return false;
	}
	if (h->nr_results != seq->nr_steps) {
		printf("  %s: the runner reported %d steps, the table has %d\n", seq->name,
		       h->nr_results, seq->nr_steps);
		mm_free(mm);
		return false;
	}
	struct forked_links *pool = NULL;
	if (!mirror(mm, h, &pool, why, sizeof(why))) {
		printf("  %s: %s\n", seq->name, why);
		mm_free(mm);
		free(pool);
		return false;
	}
	uint64_t brk0 = (h->brk + 4095) & ~4095ULL;
	int64_t results[DT_MAX_STEPS];
	for (int i = 0; i < seq->nr_steps; i++) {
		/* Steps address what the host got, so that one difference does
		 * not cascade through the rest of the sequence. */
		results[i] = run_step(mm, &seq->steps[i], h->results, brk0);
		if (results[i] != h->results[i]) {
			printf("  %s: step %d (%s): host ", seq->name, i, op_name(seq->steps[i].op));
			print_result(stdout, h->results[i]);
			printf(", mmsim ");
			print_result(stdout, results[i]);
			printf("\n");
			ok = false;
		}
	}
	struct view_out out;
	view_out_init(&out);
	maps_render_mm(mm, &out);
	struct lines sim = { 0 };
	parse_maps(sb_str(&out.text), &sim);

	char a[512], b[512];
	size_t i = 0, j = 0;
	for (;;) {
		while (i < h->final.n && !normalize(&h->final.v[i], a, sizeof(a)))
			i++;
		while (j < sim.n && !normalize(&sim.v[j], b, sizeof(b)))
			j++;
		if (i >= h->final.n && j >= sim.n)
			break;
		(*nr_lines)++;
		if (i >= h->final.n) {
			printf("  %s: mmsim has more: %s\n", seq->name, b);
			ok = false;
			j++;
			continue;
		}
		if (j >= sim.n) {
			printf("  %s: host has more:  %s\n", seq->name, a);
			ok = false;
			i++;
			continue;
		}
		if (strcmp(a, b) != 0) {
			printf("  %s: host:  %s\n  %s: mmsim: %s\n", seq->name, a, seq->name, b);
			ok = false;
		}
		i++;
		j++;
	}
	if (!ok) {
		printf("  %s: mmsim's address space:\n", seq->name);
		vma_dump_mm(mm, stdout);
	}
	if (k->debug_checks && !vma_validate_mm(mm))
		ok = false;
	free(sim.v);
	view_out_free(&out);
	mm_free(mm);
	free(pool);
	return ok;
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: difftest RUNNER\n");
		return 2;
	}
	struct strbuf host = STRBUF_INIT;
	if (run_runner(argv[1], &host) != 0)
		return 1;
	char *text = sb_detach(&host);
	if (strncmp(text, "SKIP ", 5) == 0) {
		printf("SKIPPED: differential test against the host kernel: %s", text + 5);
		free(text);
		return SKIP_CODE;
	}
	if (strncmp(text, "HOST ", 5) != 0) {
		fprintf(stderr, "difftest: unexpected output from %s\n", argv[1]);
		free(text);
		return 1;
	}
	printf("difftest: host kernel %.*s\n", (int)strcspn(text + 5, "\n"), text + 5);

	static struct host_seq seqs[DT_NR_SEQUENCES];
	size_t n = parse_host(text, seqs, DT_NR_SEQUENCES);

	struct mm_machine_config cfg;
	char err[256];
	mm_machine_config_default(&cfg);
	cfg.ram_bytes = 256 * MM_MB;
	cfg.debug_checks = 1;
	struct mm_machine *m = mm_machine_create(&cfg, err, sizeof(err));
	if (!m) {
		fprintf(stderr, "difftest: boot: %s\n", err);
		free(text);
		return 1;
	}
	/* Until the boot sequence does these: the slab, the tunables. */
	if (!m->k.slab && kmem_cache_init(&m->k) != 0)
		fprintf(stderr, "difftest: kmem_cache_init failed\n");
	if (!m->k.mmlist.next)
		mmap_init(&m->k);

	unsigned passed = 0, failed = 0, lines = 0;
	for (size_t s = 0; s < DT_NR_SEQUENCES; s++) {
		const struct dt_seq *seq = &dt_sequences[s];
		const struct host_seq *h = NULL;
		for (size_t i = 0; i < n; i++)
			if (strcmp(seqs[i].name, seq->name) == 0)
				h = &seqs[i];
		bool ok;
		if (!h) {
			printf("  %s: the runner did not report it\n", seq->name);
			ok = false;
		} else {
			ok = check_sequence(&m->k, seq, h, &lines);
		}
		printf("%s %s\n", ok ? "ok  " : "FAIL", seq->name);
		if (ok)
			passed++;
		else
			failed++;
	}
	printf("difftest: %u maps lines compared\n", lines);
	printf("%u passed, %u failed\n", passed, failed);
	for (size_t i = 0; i < n; i++) {
		free(seqs[i].init.v);
		free(seqs[i].final.v);
	}
	kmem_cache_fini(&m->k);
	mm_machine_destroy(m);
	free(text);
	return failed ? 1 : 0;
}
