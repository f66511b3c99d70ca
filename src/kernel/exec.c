/*
 * exec.c - a new address space for a program: spawn (fork + exec of a fresh
 * process) and exec, with the classic layout of a static x86 binary loaded
 * by Linux's load_elf_binary:
 *
 *   task_size ┬──────────────────────────────────────────────────────────┐
 *             │ [stack] rw-p growsdown: min(RLIMIT_STACK, args + 128K)    │
 *             │   top page(s) present: argc, argv, envp, auxv, strings    │
 *             ├ - - stack_guard_gap (1M) - - - - - - - - - - - - - - - - -┤
 *             │ (room for the stack: rlimit 8M + gap, at least 128M)      │
 *   mmap_base ┼── mmap area: first mapping ends here, next ones below ────┤
 *             │                                                           │
 *             │ [heap] rw-p  start_brk = end of bss (brk grows up)        │
 *             │ bss    rw-p  anonymous (vm_brk_flags)                     │
 *             │ data   rw-p  private                                      │
 *   0x400000  │ text   r-xp  private      (i386: 0x08048000)              │
 *           0 ┴───────────────────────────────────────────────────────────┘
 *
 * The text and data come from the executable file: with exe= a file
 * "bin/NAME" (maps prints /bin/NAME) is written for the process - text
 * NOPs (0x90), data the pattern=addr words - and mapped private as
 * load_elf_binary maps a static binary (text at offset 0, data at the
 * next page offset); with elf=FILE the file's PT_LOAD segments (elf.c).
 *
 * kernel.randomize_va_space (0 here by default, deterministic layouts):
 *   1: the stack top moves down by (random & 0x3fffff) pages (0x7ff on
 *      32-bit) plus up to 8K of jitter; mmap_base moves down by
 *      (random & (2^mmap_rnd_bits - 1)) pages, 28 bits on x86_64, 8 on i386
 *   2: also the heap: start_brk = end of bss + a page + random pages < 32M
 * The random numbers come from the machine's seed (machine seed=N), so a
 * randomised layout still repeats from run to run. Toy machines never
 * randomise.
 *
 * The initial stack is written as create_elf_tables writes it, from the top:
 * the file name, the environment and argument strings, the platform string
 * and AT_RANDOM's 16 bytes, then (16-byte aligned) argc, argv[], NULL,
 * envp[], NULL and the auxiliary vector. Writing it faults the pages in, so
 * a new process starts with a minor fault or two (Linux's do as well).
 */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fs/elf.h"
#include "fs/simfs.h"
#include "kernel/task.h"
#include "mm/internal.h"

/* auxv types (include/uapi/linux/auxvec.h) */
#define AT_NULL 0
#define AT_PHDR 3
#define AT_PHENT 4
#define AT_PHNUM 5
#define AT_PAGESZ 6
#define AT_BASE 7
#define AT_FLAGS 8
#define AT_ENTRY 9
#define AT_UID 11
#define AT_EUID 12
#define AT_GID 13
#define AT_EGID 14
#define AT_PLATFORM 15
#define AT_HWCAP 16
#define AT_CLKTCK 17
#define AT_SECURE 23
#define AT_RANDOM 25
#define AT_EXECFN 31

#define STACK_EXPAND (128 * MM_KB) /* setup_arg_pages: 32 pages of room */
#define EXE_PART_MAX (64 * MM_MB)  /* text or data of an exe= program */

static bool is_64bit(const struct mm_kernel *k)
{
	return !k->arch->is_toy && k->arch->va_bits > 32;
}

/* ---- exe= ------------------------------------------------------------------------- */

void exe_spec_default(const struct mm_kernel *k, struct exe_spec *spec)
{
	memset(spec, 0, sizeof(*spec));
	if (k->arch->is_toy) {
		spec->text_bytes = 8 * k->page_size;
		spec->data_bytes = 4 * k->page_size;
		spec->bss_bytes = 2 * k->page_size;
	} else {
		spec->text_bytes = 64 * MM_KB;
		spec->data_bytes = 16 * MM_KB;
		spec->bss_bytes = 8 * MM_KB;
	}
}

static int parse_size(const struct mm_kernel *k, const char *s, size_t n, uint64_t *out)
{
	char buf[40];
	if (n == 0 || n >= sizeof(buf))
		return -1;
	memcpy(buf, s, n);
	buf[n] = '\0';
	char *end;
	errno = 0;
	unsigned long long v = strtoull(buf, &end, 0);
	if (errno || end == buf || buf[0] == '-')
		return -1;
	uint64_t mul = 1;
	if (*end) {
		switch (*end) {
		case 'K': case 'k': mul = MM_KB; break;
		case 'M': case 'm': mul = MM_MB; break;
		case 'G': case 'g': mul = MM_GB; break;
		case 'p': mul = k->page_size; break;
		default: return -1;
		}
		if (end[1])
			return -1;
	}
	if (v > UINT64_MAX / mul)
		return -1;
	*out = v * mul;
	return 0;
}

int exe_spec_parse(struct mm_kernel *k, const char *s, struct exe_spec *spec, char *err,
		   size_t errlen)
{
	const char *p = s;
	while (*p) {
		size_t n = strcspn(p, ",");
		const char *colon = memchr(p, ':', n);
		if (!colon) {
			snprintf(err, errlen, "exe=: '%.*s' is not PART:SIZE (text:64K,data:16K,bss:8K)",
				 (int)n, p);
			return -EINVAL;
		}
		size_t kl = (size_t)(colon - p);
		uint64_t *dst = NULL;
		if (kl == 4 && !strncmp(p, "text", 4))
			dst = &spec->text_bytes;
		else if (kl == 4 && !strncmp(p, "data", 4))
			dst = &spec->data_bytes;
		else if (kl == 3 && !strncmp(p, "bss", 3))
			dst = &spec->bss_bytes;
		if (!dst) {
			snprintf(err, errlen, "exe=: unknown part '%.*s' (text, data, bss)", (int)kl, p);
			return -EINVAL;
		}
		if (parse_size(k, colon + 1, n - kl - 1, dst)) {
			snprintf(err, errlen, "exe=: bad size '%.*s' for %.*s", (int)(n - kl - 1), colon + 1,
				 (int)kl, p);
			return -EINVAL;
		}
		p += n;
		if (*p)
			p++;
	}
	/* The program file holds text and data on the simulated disk (host
	 * memory): keep it to what a program plausibly has. */
	if (spec->text_bytes > EXE_PART_MAX || spec->data_bytes > EXE_PART_MAX) {
		snprintf(err, errlen, "exe=: text and data are at most %lluM each (the program file is "
				      "written to the simulated disk)", (unsigned long long)(EXE_PART_MAX >> 20));
		return -EINVAL;
	}
	/* The three parts must fit well below the mmap area. */
	uint64_t total = spec->text_bytes + spec->data_bytes + spec->bss_bytes;
	if (spec->text_bytes > k->arch->task_size / 4 || spec->data_bytes > k->arch->task_size / 4 ||
	    spec->bss_bytes > k->arch->task_size / 4 || total > k->arch->task_size / 4) {
		snprintf(err, errlen, "exe=: text+data+bss (%" PRIu64 " bytes) do not fit this machine's "
				      "address space (at most a quarter of it)", total);
		return -EINVAL;
	}
	if (!spec->text_bytes) {
		snprintf(err, errlen, "exe=: a program needs some text (text:SIZE > 0)");
		return -EINVAL;
	}
	return 0;
}

/* ---- the layout --------------------------------------------------------------------- */

static mm_va_t text_base(const struct mm_kernel *k)
{
	if (k->arch->is_toy)
		return k->page_size; /* keep page 0 unmapped: NULL faults */
	return is_64bit(k) ? 0x400000 : 0x08048000;
}

/* randomize_page(start, range): start + a random number of pages < range. */
static mm_va_t randomize_page(struct mm_kernel *k, mm_va_t start, uint64_t range)
{
	uint64_t pages = range >> k->page_shift;
	if (!pages)
		return start;
	return start + ((task_random(k) % pages) << k->page_shift);
}

/* One string on the stack image, growing down from *p. */
static mm_va_t push_str(uint8_t *img, mm_va_t img_base, mm_va_t *p, const char *s)
{
	size_t n = strlen(s) + 1;
	*p -= n;
	memcpy(img + (*p - img_base), s, n);
	return *p;
}

static void put_word(uint8_t *img, mm_va_t img_base, mm_va_t at, uint64_t v, unsigned ps)
{
	if (ps == 8) {
		memcpy(img + (at - img_base), &v, 8);
	} else {
		uint32_t w = (uint32_t)v;
		memcpy(img + (at - img_base), &w, 4);
	}
}

/*
 * Build the stack VMA and write argc/argv/envp/auxv at its top
 * (setup_arg_pages + create_elf_tables). stack_top is page aligned.
 */
static int setup_stack(struct mm_kernel *k, struct task_struct *t, struct mm_struct *mm,
		       mm_va_t stack_top, bool rnd, mm_va_t entry, mm_va_t phdr, char *err,
		       size_t errlen)
{
	const unsigned ps = is_64bit(k) ? 8 : 4;
	const bool toy = k->arch->is_toy;
	uint64_t page = k->page_size;
	/* The image of the top of the stack, built in host memory first: room
	 * for the strings, the tables and arch_align_stack's jitter (< 8K). */
	size_t img_len = 16384;
	uint8_t *img = calloc(1, img_len);
	if (!img) {
		snprintf(err, errlen, "out of host memory");
		return -ENOMEM;
	}
	mm_va_t img_base = stack_top - img_len;
	mm_va_t p = stack_top - ps;
	const char *envs_full[] = { "HOME=/", "PATH=/usr/local/bin:/usr/bin:/bin" };
	size_t envc = toy ? 0 : MM_ARRAY_SIZE(envs_full);
	mm_va_t env_at[2] = { 0, 0 }, argv0, execfn, platform = 0, rand_at = 0;

	execfn = push_str(img, img_base, &p, t->exe_path);
	for (size_t i = envc; i-- > 0;)
		env_at[i] = push_str(img, img_base, &p, envs_full[i]);
	argv0 = push_str(img, img_base, &p, t->name);
	/* create_elf_tables: align, the platform string, AT_RANDOM bytes. */
	if (rnd)
		p -= task_random(k) % 8192 & ~0xfULL; /* arch_align_stack's jitter */
	p &= ~0xfULL;
	if (!toy) {
		platform = push_str(img, img_base, &p, is_64bit(k) ? "x86_64" : "i686");
		p -= 16;
		rand_at = p;
		for (int i = 0; i < 16; i += 8) {
			uint64_t r = task_random(k);
			memcpy(img + (p - img_base) + i, &r, 8);
		}
	}
	uint64_t auxv[40];
	unsigned na = 0;
#define AUX(type, val) do { auxv[na++] = (type); auxv[na++] = (val); } while (0)
	if (!toy) {
		AUX(AT_HWCAP, 0);
		AUX(AT_PAGESZ, page);
		AUX(AT_CLKTCK, 100);
		AUX(AT_PHDR, phdr);
		AUX(AT_PHENT, is_64bit(k) ? 56 : 32);
		AUX(AT_PHNUM, 2);
		AUX(AT_BASE, 0);
		AUX(AT_FLAGS, 0);
		AUX(AT_ENTRY, entry);
		AUX(AT_UID, 1000);
		AUX(AT_EUID, 1000);
		AUX(AT_GID, 1000);
		AUX(AT_EGID, 1000);
		AUX(AT_SECURE, 0);
		AUX(AT_RANDOM, rand_at);
		AUX(AT_EXECFN, execfn);
		AUX(AT_PLATFORM, platform);
	} else {
		AUX(AT_PAGESZ, page);
	}
	AUX(AT_NULL, 0);
#undef AUX
	/* sp = STACK_ROUND(p - auxv, argc + 1 + envc + 1 + 1): 16-aligned. */
	uint64_t items = 1 + 1 + envc + 1 + 1;
	mm_va_t sp = (p - na * ps - items * ps) & ~0xfULL;
	if (sp < img_base) { /* cannot happen: the image is sized for the worst case */
		free(img);
		snprintf(err, errlen, "the initial stack does not fit its image");
		return -E2BIG;
	}
	mm_va_t w = sp;
	put_word(img, img_base, w, 1, ps); /* argc */
	put_word(img, img_base, w += ps, argv0, ps);
	put_word(img, img_base, w += ps, 0, ps);
	for (size_t i = 0; i < envc; i++)
		put_word(img, img_base, w += ps, env_at[i], ps);
	put_word(img, img_base, w += ps, 0, ps);
	for (unsigned i = 0; i < na; i++)
		put_word(img, img_base, w += ps, auxv[i], ps);

	/* The VMA: the argument pages plus 128K of room, within the rlimit. */
	uint64_t used = stack_top - sp;
	uint64_t arg_bytes = MM_ALIGN_UP(used, page);
	uint64_t rlim = mm->rlim_stack_bytes & ~(page - 1);
	uint64_t size = MM_MIN(rlim, arg_bytes + STACK_EXPAND);
	if (size < arg_bytes)
		size = arg_bytes;
	int ret = -ENOMEM;
	struct vm_area_struct *vma = vm_area_alloc(mm);
	if (!vma) {
		snprintf(err, errlen, "no memory for the stack VMA");
		goto out;
	}
	vma->vm_start = stack_top - size;
	vma->vm_end = stack_top;
	vma->vm_flags = VM_STACK_FLAGS | VM_SOFTDIRTY | mm->def_flags;
	vma->vm_pgoff = vma->vm_start >> k->page_shift;
	vma_set_page_prot(vma);
	int64_t pages = (int64_t)(size >> k->page_shift);
	if (__vm_enough_memory(mm, pages, mm->cap_sys_admin)) {
		vm_area_free(vma);
		snprintf(err, errlen, "overcommit refused the stack (%" PRIu64 " bytes)", size);
		goto out;
	}
	if (vma_link(mm, vma)) {
		vm_unacct_memory(k, pages);
		vm_area_free(vma);
		snprintf(err, errlen, "the stack overlaps a mapping");
		ret = -EINVAL;
		goto out;
	}
	vm_stat_account(mm, vma->vm_flags, pages);
	mm->start_stack = sp;
	uint64_t faults = 0;
	ret = access_remote_write(mm, sp, img + (sp - img_base), (size_t)(stack_top - sp), t->cpu, &faults);
	t->min_flt += faults;
	if (ret)
		snprintf(err, errlen, "cannot write the arguments to the stack (%d)", ret);
out:
	free(img);
	return ret;
}

/* ---- the program's file ------------------------------------------------------------ */

/* Fill [pos, pos+len) of f: text is NOPs (0x90), data the pattern=addr
 * words (each 8-byte word holds its own virtual address), so a process's
 * initial data can be checked with `verify ... pattern=addr`. */
static int fill_exe(struct simfile *f, uint64_t pos, uint64_t len, bool text, mm_va_t va)
{
	uint8_t buf[4096];
	while (len) {
		uint64_t n = MM_MIN(len, sizeof(buf));
		if (text) {
			memset(buf, 0x90, (size_t)n);
		} else {
			for (uint64_t i = 0; i < n; i += 8) {
				uint64_t w = access_pattern_word(va + i, 0);
				memcpy(buf + i, &w, (size_t)MM_MIN(8, n - i));
			}
		}
		int err = simfs_disk_write(f, pos, buf, n);
		if (err)
			return err;
		pos += n;
		va += n;
		len -= n;
	}
	return 0;
}

/* The executable of exe=: a file "bin/NAME" (maps shows /bin/NAME) with
 * text and data, made anew (an old one lives on while mapped). */
static struct simfile *make_exe_file(struct mm_kernel *k, const struct task_struct *t,
				     const struct exe_spec *spec, mm_va_t base, char *err,
				     size_t errlen, int *errp)
{
	char name[TASK_NAME_MAX + 8];
	snprintf(name, sizeof(name), "bin/%s", t->name);
	if (simfs_check_name(name, err, errlen)) {
		*errp = -EINVAL;
		return NULL;
	}
	if (simfs_lookup(k, name))
		simfs_unlink(k, name);
	uint64_t T = MM_ALIGN_UP(spec->text_bytes, k->page_size);
	struct simfile *f;
	int ret = simfs_create(k, name, T + spec->data_bytes, &f, err, errlen);
	if (ret) {
		*errp = ret;
		return NULL;
	}
	ret = fill_exe(f, 0, spec->text_bytes, true, base);
	if (!ret)
		ret = fill_exe(f, T, spec->data_bytes, false, base + T);
	if (ret) {
		snprintf(err, errlen, "cannot write the executable %s", name);
		simfs_unlink(k, name);
		*errp = ret;
		return NULL;
	}
	return f;
}

/* Map [addr, addr+len) of the program from file offset off (private). */
static int map_part(struct mm_struct *mm, struct simfile *f, mm_va_t addr, uint64_t len,
		    unsigned long prot, uint64_t off)
{
	int64_t r = vm_mmap(mm, addr, len, prot, MAP_PRIVATE | MAP_FIXED_NOREPLACE, f, off);
	return r < 0 ? (int)r : 0;
}

/* elf_load's clear_user: zero the tail of the last file page of a
 * segment through the process's own (faulting, copying) write path. */
static int exec_clear_user(struct mm_struct *mm, mm_va_t addr, uint64_t len)
{
	static const uint8_t zeros[256];
	struct task_struct *t = mm_task(mm);
	while (len) {
		size_t n = (size_t)MM_MIN(len, sizeof(zeros));
		uint64_t faults = 0;
		int err = access_remote_write(mm, addr, zeros, n, t ? t->cpu : 0, &faults);
		if (t)
			t->min_flt += faults;
		if (err)
			return err;
		addr += n;
		len -= n;
	}
	return 0;
}

/* The program of an exe= spec: text, data (file-backed), bss (anonymous). */
static int load_exe(struct mm_kernel *k, struct task_struct *t, struct mm_struct *mm,
		    const struct exe_spec *spec, mm_va_t *entry, mm_va_t *phdr, char *err,
		    size_t errlen)
{
	uint64_t page = k->page_size;
	mm_va_t base = text_base(k);
	uint64_t T = MM_ALIGN_UP(spec->text_bytes, page);
	uint64_t D = MM_ALIGN_UP(spec->data_bytes, page);
	uint64_t B = MM_ALIGN_UP(spec->bss_bytes, page);
	int ret = -ENOMEM;
	struct simfile *f = make_exe_file(k, t, spec, base, err, errlen, &ret);
	if (!f)
		return ret;
	mm->start_code = base;
	mm->end_code = base + spec->text_bytes;
	mm->start_data = base + T;
	mm->end_data = base + T + spec->data_bytes;
	if ((ret = map_part(mm, f, base, T, PROT_READ | PROT_EXEC, 0)))
		goto fail;
	if (D && (ret = map_part(mm, f, base + T, D, PROT_READ | PROT_WRITE, T)))
		goto fail;
	if (B && (ret = vm_brk_flags(mm, base + T + D, B, 0)))
		goto fail;
	mm->start_brk = mm->brk = base + T + D + B;
	*entry = base;
	*phdr = 0;
	return 0;
fail:
	snprintf(err, errlen, "cannot map the program at 0x%" PRIx64 " (%s)", base,
		 mm_errno_name(-ret) ? mm_errno_name(-ret) : "error");
	return ret;
}

/* The program of elf=FILE: its PT_LOAD segments (elf.c). */
static int load_elf(struct mm_kernel *k, struct mm_struct *mm, const struct exe_spec *spec,
		    mm_va_t *entry, mm_va_t *phdr, char *err, size_t errlen)
{
	struct simfile *f = simfs_lookup(k, spec->elf);
	if (!f) {
		snprintf(err, errlen, "elf=%s: no such file (file create %s from=HOSTPATH)", spec->elf,
			 spec->elf);
		return -ENOENT;
	}
	struct elf_info info;
	struct elf_load_result res;
	int ret = elf_parse(f, k->page_shift, &info, err, errlen);
	if (!ret)
		ret = elf_check_arch(k, &info, err, errlen);
	if (!ret)
		ret = elf_load(mm, f, &info, exec_clear_user, &res, err, errlen);
	if (ret)
		return ret;
	*entry = res.entry;
	*phdr = res.phdr_addr;
	return 0;
}

/* A new mm for t running spec: layout, program, heap, stack. */
static struct mm_struct *build_mm(struct mm_kernel *k, struct task_struct *t,
				  const struct exe_spec *spec, char *err, size_t errlen, int *errp)
{
	struct task_state *s = k->tasks;
	uint64_t page = k->page_size;
	bool rnd = !k->arch->is_toy && s->randomize_va_space != 0;
	*errp = -ENOMEM;
	struct mm_struct *mm = mm_alloc(k);
	if (!mm) {
		snprintf(err, errlen, "no memory for the mm_struct or its PGD");
		return NULL;
	}
	mm->ops = &task_mm_ops;
	mm->owner = t->group_leader;
	/* arch_pick_mmap_layout with arch_mmap_rnd(). */
	uint64_t rnd_bytes = 0;
	if (rnd) {
		unsigned bits = is_64bit(k) ? 28 : 8;
		rnd_bytes = (task_random(k) & ((1ULL << bits) - 1)) << k->page_shift;
	}
	mm_pick_mmap_layout(mm, rnd, rnd_bytes, false);

	mm_va_t entry, phdr;
	int ret = spec->elf[0] ? load_elf(k, mm, spec, &entry, &phdr, err, errlen)
			       : load_exe(k, t, mm, spec, &entry, &phdr, err, errlen);
	if (ret)
		goto fail;
	if (rnd && s->randomize_va_space > 1)
		mm->start_brk = mm->brk = randomize_page(k, mm->brk + page, 0x02000000); /* arch_randomize_brk */

	/* The stack at the top of user space (randomize_stack_top). */
	mm_va_t stack_top = mm->task_size;
	if (rnd) {
		uint64_t mask = is_64bit(k) ? 0x3fffffULL : 0x7ffULL;
		stack_top -= (task_random(k) & mask) << k->page_shift;
	}
	stack_top = MM_ALIGN_DOWN(stack_top, page);
	if ((ret = setup_stack(k, t, mm, stack_top, rnd, entry, phdr, err, errlen)))
		goto fail;
	*errp = 0;
	return mm;
fail:
	*errp = ret;
	mm_free(mm);
	return NULL;
}

/* ---- spawn and exec ------------------------------------------------------------------- */

static void set_exe(struct task_struct *t, const struct exe_spec *spec)
{
	t->exe = *spec;
	if (spec->elf[0])
		snprintf(t->exe_path, sizeof(t->exe_path), "%s", spec->elf);
	else
		snprintf(t->exe_path, sizeof(t->exe_path), "/bin/%s", t->name);
}

int task_spawn(struct mm_kernel *k, const char *name, const struct exe_spec *spec, unsigned cpu,
	       struct task_struct **out, char *err, size_t errlen)
{
	int ret;
	if (!k->tasks) {
		snprintf(err, errlen, "this machine has no process layer");
		return -EINVAL;
	}
	if (cpu >= k->nr_cpus) {
		snprintf(err, errlen, "cpu=%u: the machine has %u CPU%s", cpu, k->nr_cpus,
			 k->nr_cpus == 1 ? "" : "s");
		return -EINVAL;
	}
	struct task_struct *t = task_alloc(k, name, cpu, &ret);
	if (!t) {
		snprintf(err, errlen, ret == -EEXIST ? "a process named '%s' is running" : "cannot create '%s'",
			 name);
		return ret;
	}
	set_exe(t, spec);
	sched_mm_init_ctx(k, t);
	task_set_current(k, t);
	struct mm_struct *mm = build_mm(k, t, spec, err, errlen, &ret);
	if (!mm) {
		task_free(k, t); /* (clears current) */
		return ret;
	}
	t->mm = mm;
	/* exec runs in the new task: it is running on its CPU. */
	sched_run(k, t, cpu, NULL);
	k->tasks->nr_execs++;
	task_set_current(k, NULL);
	*out = t;
	return 0;
}

int task_exec(struct mm_kernel *k, struct task_struct *t, const struct exe_spec *spec, char *err,
	      size_t errlen)
{
	int ret;
	if (t->life != TASK_ALIVE) {
		snprintf(err, errlen, "'%s' is not running (%s)", t->name, task_state_name(t));
		return -ESRCH;
	}
	struct task_struct *leader = t->group_leader;
	/* de_thread: the other threads go; the exec'ing one becomes the
	 * process (mmsim keeps the leader's identity for simplicity). */
	struct list_head *p;
	list_for_each(p, &k->tasks->tasks) {
		struct task_struct *o = list_entry(p, struct task_struct, tasks);
		if (o != leader && o->tgid == leader->tgid && o->life == TASK_ALIVE)
			task_exit(k, o);
	}
	struct exe_spec old_exe = leader->exe;
	char old_path[sizeof(leader->exe_path)];
	memcpy(old_path, leader->exe_path, sizeof(old_path));
	set_exe(leader, spec);
	task_set_current(k, leader);
	struct mm_struct *old = leader->mm;
	/* The new mm gets a new context (exec_mmap: a new mm, a new ctx_id). */
	struct mm_ctx old_ctx = leader->ctx;
	sched_mm_init_ctx(k, leader);
	struct mm_struct *mm = build_mm(k, leader, spec, err, errlen, &ret);
	if (!mm) {
		leader->ctx = old_ctx;
		leader->exe = old_exe;
		memcpy(leader->exe_path, old_path, sizeof(old_path));
		task_set_current(k, NULL);
		return ret;
	}
	/* exec_mmap: the CPUs let go of the old mm, which is torn down. */
	sched_mm_gone(k, old);
	old->owner = NULL;
	mm_free(old);
	leader->mm = mm;
	sched_run(k, leader, leader->cpu, NULL);
	k->tasks->nr_execs++;
	task_set_current(k, NULL);
	return 0;
}
