/*
 * elf_test.c - the ELF loader: an ELF64 ET_EXEC and an ELF32 PIE built
 * byte by byte here, their mappings worked out by hand; every validation
 * error; random corruption never crashes; and, where the host has it,
 * /bin/true imported with from= semantics.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fs/elf.h"
#include "fs/simfs.h"
#include "mm/filemap.h"
#include "mm/internal.h"
#include "mm/mm_struct.h"
#include "sim/machine.h"
#include "fixtures.h"
#include "test.h"

static struct mm_machine *boot(const char *arch)
{
	return test_try_boot(arch, 0, 0, -1);
}

static void put16(uint8_t *p, uint64_t v) { p[0] = (uint8_t)v; p[1] = (uint8_t)(v >> 8); }
static void put32(uint8_t *p, uint64_t v) { put16(p, v); put16(p + 2, v >> 16); }
static void put64(uint8_t *p, uint64_t v) { put32(p, v); put32(p + 4, v >> 32); }

/* ELF64 ET_EXEC, x86-64:
 *   PT_LOAD R-X off 0      vaddr 0x400000 filesz 0x1234 memsz 0x1234
 *   PT_LOAD RW- off 0x2e10 vaddr 0x402e10 filesz 0x300  memsz 0x2400
 *   PT_GNU_STACK RW-
 * File: 0x3110 bytes of 0xaa, the data segment's bytes 0xdd. */
#define E64_SIZE 0x3110
static void build_elf64(uint8_t *b)
{
	memset(b, 0xaa, E64_SIZE);
	memset(b, 0, 64 + 3 * 56);
	memcpy(b, "\177ELF", 4);
	b[4] = 2; b[5] = 1; b[6] = 1;
	put16(b + 16, 2);        /* ET_EXEC */
	put16(b + 18, 62);       /* EM_X86_64 */
	put32(b + 20, 1);
	put64(b + 24, 0x401000); /* e_entry */
	put64(b + 32, 64);       /* e_phoff */
	put16(b + 52, 64);
	put16(b + 54, 56);
	put16(b + 56, 3);
	uint8_t *p = b + 64;
	put32(p, 1); put32(p + 4, 5); put64(p + 8, 0); put64(p + 16, 0x400000);
	put64(p + 24, 0x400000); put64(p + 32, 0x1234); put64(p + 40, 0x1234); put64(p + 48, 0x1000);
	p += 56;
	put32(p, 1); put32(p + 4, 6); put64(p + 8, 0x2e10); put64(p + 16, 0x402e10);
	put64(p + 24, 0x402e10); put64(p + 32, 0x300); put64(p + 40, 0x2400); put64(p + 48, 0x1000);
	p += 56;
	put32(p, 0x6474e551); put32(p + 4, 6);
	memset(b + 0x2e10, 0xdd, 0x300);
}

/* ELF32 ET_DYN, i386, with an interpreter:
 *   PT_INTERP off 0x100 "/lib/ld-linux.so.2"
 *   PT_LOAD R-X off 0      vaddr 0      filesz 0x1800 memsz 0x1800
 *   PT_LOAD RW- off 0x1800 vaddr 0x2800 filesz 0x100  memsz 0x100
 * No PT_GNU_STACK. */
#define E32_SIZE 0x1900
static void build_elf32(uint8_t *b)
{
	memset(b, 0x11, E32_SIZE);
	memset(b, 0, 52 + 3 * 32);
	memcpy(b, "\177ELF", 4);
	b[4] = 1; b[5] = 1; b[6] = 1;
	put16(b + 16, 3);      /* ET_DYN */
	put16(b + 18, 3);      /* EM_386 */
	put32(b + 20, 1);
	put32(b + 24, 0x1100); /* e_entry */
	put32(b + 28, 52);     /* e_phoff */
	put16(b + 40, 52);
	put16(b + 42, 32);
	put16(b + 44, 3);
	uint8_t *p = b + 52;
	put32(p, 3); put32(p + 4, 0x100); put32(p + 8, 0x100); put32(p + 16, 19); put32(p + 20, 19);
	put32(p + 24, 4);
	p += 32;
	put32(p, 1); put32(p + 4, 0); put32(p + 8, 0); put32(p + 16, 0x1800); put32(p + 20, 0x1800);
	put32(p + 24, 5); put32(p + 28, 0x1000);
	p += 32;
	put32(p, 1); put32(p + 4, 0x1800); put32(p + 8, 0x2800); put32(p + 16, 0x100);
	put32(p + 20, 0x100); put32(p + 24, 6); put32(p + 28, 0x1000);
	memcpy(b + 0x100, "/lib/ld-linux.so.2", 19);
}

static struct simfile *store(struct mm_kernel *k, const char *name, const uint8_t *b, uint64_t n)
{
	struct simfile *f = simfs_lookup(k, name);
	char err[256];
	if (f)
		simfs_unlink(k, name);
	f = NULL;
	if (simfs_create(k, name, n, &f, err, sizeof(err))) {
		printf("  %s\n", err);
		return NULL;
	}
	if (n)
		simfs_disk_write(f, 0, b, n);
	return f;
}

struct clear_log {
	mm_va_t addr;
	uint64_t len;
	int calls;
};
static struct clear_log clear_log_;

static int record_clear(struct mm_struct *mm, mm_va_t addr, uint64_t len)
{
	(void)mm;
	clear_log_.addr = addr;
	clear_log_.len = len;
	clear_log_.calls++;
	return 0;
}

TEST(elf64_exec_maps_text_data_bss)
{
	struct mm_machine *mach = boot("x86_64");
	struct mm_kernel *k = &mach->k;
	static uint8_t b[E64_SIZE];
	build_elf64(b);
	struct simfile *f = store(k, "prog", b, E64_SIZE);
	struct elf_info info;
	char err[256];
	uint64_t in0 = k->vm.item[VM_pgpgin];
	CHECK_EQ(elf_parse(f, k->page_shift, &info, err, sizeof(err)), 0);
	CHECK_EQ(info.elf_class, 64);
	CHECK_EQ(info.e_type, 2);
	CHECK_EQ(info.nr_loads, 2);
	CHECK(!info.has_interp);
	CHECK(!info.exec_stack);
	/* The 256-byte header read starts the file's readahead at page 0:
	 * initial window 4 pages = the whole 0x3110-byte file (pages 0..3). */
	CHECK_EQ(f->mapping.nrpages, 4);
	CHECK_EQ(k->vm.item[VM_pgpgin] - in0, 4 * 8);
	CHECK_EQ(elf_check_arch(k, &info, err, sizeof(err)), 0);

	struct mm_struct *mm = mm_alloc(k);
	struct elf_load_result r;
	clear_log_.calls = 0;
	CHECK_EQ(elf_load(mm, f, &info, record_clear, &r, err, sizeof(err)), 0);
	/* text: [0x400000, PAGEALIGN(0x1234) = 0x402000), offset 0, r-x */
	struct vm_area_struct *v = find_vma(mm, 0x400000);
	CHECK(v && v->vm_start == 0x400000 && v->vm_end == 0x402000);
	CHECK(v && v->vm_file == f && v->vm_pgoff == 0);
	CHECK(v && (v->vm_flags & (VM_READ | VM_WRITE | VM_EXEC)) == (VM_READ | VM_EXEC));
	/* data: PAGESTART(0x402e10) = 0x402000, length PAGEALIGN(0x300 + 0xe10)
	 * = 0x2000, file offset 0x2e10 - 0xe10 = 0x2000 (pgoff 2), rw- */
	v = find_vma(mm, 0x402000);
	CHECK(v && v->vm_start == 0x402000 && v->vm_end == 0x404000);
	CHECK(v && v->vm_file == f && v->vm_pgoff == 2);
	CHECK(v && (v->vm_flags & (VM_READ | VM_WRITE | VM_EXEC)) == (VM_READ | VM_WRITE));
	/* padzero: from 0x402e10 + 0x300 = 0x403110 to the page end: 0xef0. */
	CHECK_EQ(clear_log_.calls, 1);
	CHECK_EQ(clear_log_.addr, 0x403110);
	CHECK_EQ(clear_log_.len, 0xef0);
	/* bss: [0x404000, PAGEALIGN(0x402e10 + 0x2400 = 0x405210) = 0x406000), anonymous */
	v = find_vma(mm, 0x404000);
	CHECK(v && v->vm_start == 0x404000 && v->vm_end == 0x406000 && !v->vm_file);
	CHECK_EQ(r.nr_mappings, 3);
	CHECK_EQ(r.entry, 0x401000);
	CHECK_EQ(mm->start_code, 0x400000);
	CHECK_EQ(mm->end_code, 0x401234);
	CHECK_EQ(mm->start_data, 0x402e10); /* Linux: the highest PT_LOAD's vaddr */
	CHECK_EQ(mm->end_data, 0x403110);
	CHECK_EQ(mm->start_brk, 0x406000);
	CHECK_EQ(mm->brk, 0x406000);
	CHECK_EQ(r.phdr_addr, 0x400040);
	CHECK_EQ(info.load_bias, 0);
	/* Loading again over the same ranges: MAP_FIXED_NOREPLACE refuses. */
	CHECK_EQ(elf_load(mm, f, &info, NULL, &r, err, sizeof(err)), -EEXIST);
	CHECK(strstr(err, "already mapped") != NULL);
	mm_free(mm);
	/* On i386 this binary cannot run. */
	mm_machine_destroy(mach);
	mach = boot("i386");
	k = &mach->k;
	f = store(k, "prog", b, E64_SIZE);
	CHECK_EQ(elf_parse(f, k->page_shift, &info, err, sizeof(err)), 0);
	CHECK_EQ(elf_check_arch(k, &info, err, sizeof(err)), -ENOEXEC);
	CHECK(strstr(err, "ELF64 x86-64") != NULL);
	mm_machine_destroy(mach);
}

TEST(elf32_pie_loads_at_et_dyn_base)
{
	struct mm_machine *mach = boot("i386");
	struct mm_kernel *k = &mach->k;
	static uint8_t b[E32_SIZE];
	build_elf32(b);
	struct simfile *f = store(k, "pie32", b, E32_SIZE);
	struct elf_info info;
	char err[256];
	CHECK_EQ(elf_parse(f, k->page_shift, &info, err, sizeof(err)), 0);
	CHECK_EQ(info.elf_class, 32);
	CHECK_EQ(info.e_type, 3);
	CHECK(info.has_interp);
	CHECK(strcmp(info.interp, "/lib/ld-linux.so.2") == 0);
	CHECK(info.exec_stack); /* no PT_GNU_STACK on 32-bit: executable */
	CHECK_EQ(elf_check_arch(k, &info, err, sizeof(err)), 0);
	struct mm_struct *mm = mm_alloc(k);
	struct elf_load_result r;
	CHECK_EQ(elf_load(mm, f, &info, record_clear, &r, err, sizeof(err)), 0);
	/* ELF_ET_DYN_BASE for a 32-bit task: 0x400000; first vaddr 0. */
	CHECK_EQ(info.load_bias, 0x400000);
	struct vm_area_struct *v = find_vma(mm, 0x400000);
	CHECK(v && v->vm_start == 0x400000 && v->vm_end == 0x402000 && v->vm_pgoff == 0);
	/* data: PAGESTART(0x402800) = 0x402000, PAGEALIGN(0x100 + 0x800) =
	 * 0x1000, offset 0x1800 - 0x800 = 0x1000 (pgoff 1). */
	v = find_vma(mm, 0x402000);
	CHECK(v && v->vm_start == 0x402000 && v->vm_end == 0x403000 && v->vm_pgoff == 1);
	CHECK(find_vma(mm, 0x403000) == NULL); /* no bss */
	CHECK_EQ(r.entry, 0x401100);
	CHECK_EQ(mm->start_brk, 0x403000); /* PAGEALIGN(0x2900 + 0x400000) */
	CHECK_EQ(elf_check_arch(k, &info, err, sizeof(err)), 0);
	mm_free(mm);
	mm_machine_destroy(mach);
}

TEST(static_pie_goes_where_mmap_puts_it)
{
	struct mm_machine *mach = boot("x86_64");
	struct mm_kernel *k = &mach->k;
	static uint8_t b[E64_SIZE];
	build_elf64(b);
	put16(b + 16, 3); /* ET_DYN, no PT_INTERP: a static PIE */
	struct simfile *f = store(k, "spie", b, E64_SIZE);
	struct elf_info info;
	char err[256];
	CHECK_EQ(elf_parse(f, k->page_shift, &info, err, sizeof(err)), 0);
	struct mm_struct *mm = mm_alloc(k);
	struct elf_load_result r;
	CHECK_EQ(elf_load(mm, f, &info, NULL, &r, err, sizeof(err)), 0);
	/* The image spans PAGESTART(0x400000) .. PAGEALIGN(0x405210) = 0x6000
	 * bytes, placed top-down just below mmap_base (0x7ffff7fff000):
	 * 0x7ffff7ff9000; the bias is that minus the first vaddr 0x400000. */
	CHECK_EQ(info.load_bias, 0x7ffff7ff9000ULL - 0x400000);
	CHECK_EQ(mm->start_code, 0x7ffff7ff9000ULL);
	CHECK_EQ(r.entry, 0x7ffff7ffa000ULL);
	CHECK_EQ(mm->start_brk, 0x7ffff7fff000ULL);
	struct vm_area_struct *v = find_vma(mm, 0x7ffff7ffb000ULL);
	CHECK(v && v->vm_start == 0x7ffff7ffb000ULL && v->vm_pgoff == 2); /* data */
	v = find_vma(mm, 0x7ffff7ffd000ULL);
	CHECK(v && v->vm_start == 0x7ffff7ffd000ULL && !v->vm_file);      /* bss */
	CHECK(vma_validate_mm(mm));
	mm_free(mm);
	mm_machine_destroy(mach);
}

struct bad_case {
	const char *what;
	size_t off;    /* byte to change */
	unsigned width;/* 1, 2, 4, 8 */
	uint64_t val;
	int err;
	const char *msg; /* a word the message must contain */
};

TEST(bad_elves_are_refused_clearly)
{
	static const struct bad_case cases[] = {
		{ "magic", 1, 1, 'X', -ENOEXEC, "magic" },
		{ "class", 4, 1, 3, -ENOEXEC, "class" },
		{ "big endian", 5, 1, 2, -ENOEXEC, "endian" },
		{ "version", 6, 1, 0, -ENOEXEC, "version" },
		{ "relocatable", 16, 2, 1, -ENOEXEC, "ET_EXEC" },
		{ "phentsize", 54, 2, 40, -ENOEXEC, "e_phentsize" },
		{ "no phdrs", 56, 2, 0, -ENOEXEC, "program headers" },
		{ "phdrs past EOF", 32, 8, 0x3100, -EIO, "past the end" },
		{ "filesz > memsz", 64 + 56 + 32, 8, 0x3000, -EINVAL, "p_filesz" },
		{ "offset past EOF", 64 + 56 + 8, 8, 0x100e10, -EINVAL, "past the end" },
		{ "misaligned", 64 + 56 + 8, 8, 0x2e00, -EINVAL, "modulo" },
		{ "overlap", 64 + 56 + 16, 8, 0x400e10, -EINVAL, "overlaps" },
		{ "wrap", 64 + 56 + 16, 8, 0xfffffffffffffe10ULL, -EINVAL, "wraps" },
	};
	struct mm_machine *mach = boot("x86_64");
	struct mm_kernel *k = &mach->k;
	static uint8_t b[E64_SIZE];
	char err[256];
	struct elf_info info;
	for (size_t i = 0; i < MM_ARRAY_SIZE(cases); i++) {
		const struct bad_case *c = &cases[i];
		build_elf64(b);
		if (c->width == 1)
			b[c->off] = (uint8_t)c->val;
		else if (c->width == 2)
			put16(b + c->off, c->val);
		else if (c->width == 4)
			put32(b + c->off, c->val);
		else
			put64(b + c->off, c->val);
		struct simfile *f = store(k, "bad", b, E64_SIZE);
		err[0] = '\0';
		int rc = elf_parse(f, k->page_shift, &info, err, sizeof(err));
		if (rc != c->err || !strstr(err, c->msg))
			printf("  case %s: rc %d, err \"%s\"\n", c->what, rc, err);
		CHECK_EQ(rc, c->err);
		CHECK(strstr(err, c->msg) != NULL);
	}
	/* Too short for a header; empty. */
	build_elf64(b);
	CHECK_EQ(elf_parse(store(k, "short", b, 40), k->page_shift, &info, err, sizeof(err)), -ENOEXEC);
	CHECK_EQ(elf_parse(store(k, "empty", b, 0), k->page_shift, &info, err, sizeof(err)), -ENOEXEC);
	/* A segment above the task size is refused at load. */
	build_elf64(b);
	put64(b + 64 + 56 + 16, 0x7ffffffff000ULL + 0xe10); /* data vaddr past task_size */
	struct simfile *f = store(k, "high", b, E64_SIZE);
	CHECK_EQ(elf_parse(f, k->page_shift, &info, err, sizeof(err)), 0);
	struct mm_struct *mm = mm_alloc(k);
	struct elf_load_result r;
	CHECK_EQ(elf_load(mm, f, &info, NULL, &r, err, sizeof(err)), -EINVAL);
	CHECK(strstr(err, "task size") != NULL);
	mm_free(mm);
	mm_machine_destroy(mach);
}

TEST(random_corruption_never_crashes)
{
	struct mm_machine *mach = boot("x86_64");
	struct mm_kernel *k = &mach->k;
	static uint8_t b[E64_SIZE];
	char err[256];
	uint64_t seed = 42;
	int parsed = 0, loaded = 0;
	for (int i = 0; i < 400; i++) {
		build_elf64(b);
		int flips = 1 + i % 4;
		for (int j = 0; j < flips; j++) {
			seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
			size_t off = (seed >> 33) % (64 + 3 * 56);
			b[off] = (uint8_t)(seed >> 17);
		}
		struct simfile *f = store(k, "fuzz", b, E64_SIZE);
		struct elf_info info;
		if (elf_parse(f, k->page_shift, &info, err, sizeof(err)))
			continue;
		parsed++;
		struct mm_struct *mm = mm_alloc(k);
		struct elf_load_result r;
		if (!elf_load(mm, f, &info, record_clear, &r, err, sizeof(err)))
			loaded++;
		CHECK(vma_validate_mm(mm));
		mm_free(mm);
	}
	CHECK(parsed > 0);
	CHECK(loaded > 0);
	CHECK(filemap_check_all(k));
	mm_machine_destroy(mach);
}

TEST(host_bin_true)
{
	const char *path = "/bin/true";
	if (access(path, R_OK) != 0) {
		printf("  (skipped: no readable %s on this host)\n", path);
		return;
	}
	struct mm_machine *mach = boot("x86_64");
	struct mm_kernel *k = &mach->k;
	char err[256];
	struct simfile *f = NULL;
	CHECK_EQ(simfs_create_from_host(k, "true", path, -1, &f, err, sizeof(err)), 0);
	struct elf_info info;
	int rc = elf_parse(f, k->page_shift, &info, err, sizeof(err));
	CHECK_EQ(rc, 0);
	if (rc) {
		printf("  %s\n", err);
		mm_machine_destroy(mach);
		return;
	}
	if (info.elf_class != 64 || info.e_machine != 62) {
		printf("  (skipped: %s is not an x86-64 ELF64)\n", path);
		mm_machine_destroy(mach);
		return;
	}
	CHECK(info.nr_loads >= 1);
	struct mm_struct *mm = mm_alloc(k);
	struct elf_load_result r;
	CHECK_EQ(elf_load(mm, f, &info, record_clear, &r, err, sizeof(err)), 0);
	CHECK(r.nr_mappings >= info.nr_loads);
	if (info.e_type == 3 && info.has_interp)
		CHECK(mm->start_code >= 0x555555554000ULL); /* ELF_ET_DYN_BASE */
	CHECK(mm->start_brk >= mm->end_data);
	CHECK(vma_validate_mm(mm));
	mm_free(mm);
	mm_machine_destroy(mach);
}

int main(void)
{
	RUN(elf64_exec_maps_text_data_bss);
	RUN(elf32_pie_loads_at_et_dyn_base);
	RUN(static_pie_goes_where_mmap_puts_it);
	RUN(bad_elves_are_refused_clearly);
	RUN(random_corruption_never_crashes);
	RUN(host_bin_true);
	return test_summary();
}
