/*
 * elf.c - the ELF loader: parse a real ELF64 / ELF32 executable stored in
 * the simulated file system and map its PT_LOAD segments, as Linux 6.x's
 * load_elf_binary (fs/binfmt_elf.c) does.
 *
 *   ELF header (64 / 52 bytes)         program headers (56 / 32 bytes each)
 *   ┌────────────────────────┐         ┌───────────────────────────────────┐
 *   │ 7f 'E' 'L' 'F' class   │ e_phoff │ PT_LOAD  off vaddr filesz memsz R-X│──▶ text
 *   │ data version ... type  │────────▶│ PT_LOAD  off vaddr filesz memsz RW-│──▶ data+bss
 *   │ machine entry phoff    │         │ PT_INTERP  "/lib64/ld-linux..."   │
 *   │ phentsize phnum        │         │ PT_GNU_STACK  RW- (no exec stack)  │
 *   └────────────────────────┘         └───────────────────────────────────┘
 *
 * One PT_LOAD becomes (addresses plus the load bias, page = PAGE_SIZE):
 *
 *   PAGESTART(vaddr)          vaddr+filesz        vaddr+memsz
 *   |<--- private file mapping of the file's pages ----->|
 *   |  ... file bytes ...     |0000| (rest of the page:  |
 *                                  cleared: padzero)      |
 *                             PAGEALIGN(vaddr+filesz) ... PAGEALIGN(vaddr+memsz)
 *                                  |<- anonymous (vm_brk_flags): the bss ->|
 *
 * The headers are read through the page cache as exec's kernel_read reads
 * them, so exec brings the file's first pages in with readahead, and
 * every check Linux makes is made here, with the reason spelt out.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "fs/elf.h"
#include "fs/simfs.h"
#include "mm/internal.h"
#include "mm/mm_struct.h"

#define EI_NIDENT 16
#define ELFCLASS32 1
#define ELFCLASS64 2
#define ELFDATA2LSB 1
#define EV_CURRENT 1
#define ET_EXEC 2
#define ET_DYN 3
#define EM_386 3
#define EM_X86_64 62
#define PT_LOAD 1
#define PT_INTERP 3
#define PT_GNU_STACK 0x6474e551u
#define BINPRM_BUF_SIZE 256
#define ELF_PHDRS_MAX 65536 /* bytes of program headers Linux accepts */
#define PATH_MAX_ELF 4096

static void set_err(char *err, size_t err_len, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void set_err(char *err, size_t err_len, const char *fmt, ...)
{
	if (!err || !err_len)
		return;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err, err_len, fmt, ap);
	va_end(ap);
}

/* Little-endian fields (ELFDATA2LSB is the only data encoding accepted). */
static uint16_t rd16(const uint8_t *p) { return (uint16_t)(p[0] | p[1] << 8); }
static uint32_t rd32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}
static uint64_t rd64(const uint8_t *p) { return rd32(p) | (uint64_t)rd32(p + 4) << 32; }

static const char *machine_name(uint16_t m)
{
	switch (m) {
	case EM_386: return "i386";
	case EM_X86_64: return "x86-64";
	case 40: return "ARM";
	case 183: return "AArch64";
	case 243: return "RISC-V";
	default: return "unknown-machine";
	}
}

/* Read exactly len bytes at pos through the page cache (kernel_read). */
static int elf_read(struct simfile *f, uint64_t pos, void *buf, uint64_t len)
{
	int64_t n = filemap_read(simfile_mapping(f), pos, buf, len);
	if (n < 0)
		return (int)n;
	return (uint64_t)n == len ? 0 : -EIO;
}

int elf_parse(struct simfile *f, unsigned page_shift, struct elf_info *out, char *err,
	      size_t err_len)
{
	uint8_t hdr[BINPRM_BUF_SIZE];
	memset(out, 0, sizeof(*out));
	if (!f) {
		set_err(err, err_len, "no file");
		return -EINVAL;
	}
	uint64_t size = simfile_size(f);
	uint64_t page = 1ULL << page_shift;
	/* prepare_binprm: the first BINPRM_BUF_SIZE bytes. */
	uint64_t first = MM_MIN(size, (uint64_t)BINPRM_BUF_SIZE);
	memset(hdr, 0, sizeof(hdr));
	if (first && elf_read(f, 0, hdr, first)) {
		set_err(err, err_len, "cannot read the file header");
		return -EIO;
	}
	if (first < 4 || memcmp(hdr, "\177ELF", 4) != 0) {
		set_err(err, err_len, "not an ELF file (no \\177ELF magic)");
		return -ENOEXEC;
	}
	unsigned cls = hdr[4];
	if (cls != ELFCLASS32 && cls != ELFCLASS64) {
		set_err(err, err_len, "bad ELF class %u (1: ELF32, 2: ELF64)", cls);
		return -ENOEXEC;
	}
	bool is64 = cls == ELFCLASS64;
	unsigned ehsize = is64 ? 64 : 52, phent = is64 ? 56 : 32;
	if (first < ehsize) {
		set_err(err, err_len, "file too short for an ELF%u header (%" PRIu64 " < %u bytes)",
			is64 ? 64 : 32, size, ehsize);
		return -ENOEXEC;
	}
	if (hdr[5] != ELFDATA2LSB) {
		set_err(err, err_len, "ELF data encoding %u is not little endian (x86 binaries are)", hdr[5]);
		return -ENOEXEC;
	}
	if (hdr[6] != EV_CURRENT || rd32(hdr + 20) != EV_CURRENT) {
		set_err(err, err_len, "bad ELF version %u/%u", hdr[6], rd32(hdr + 20));
		return -ENOEXEC;
	}
	out->elf_class = is64 ? 64 : 32;
	out->e_type = rd16(hdr + 16);
	out->e_machine = rd16(hdr + 18);
	if (out->e_type != ET_EXEC && out->e_type != ET_DYN) {
		set_err(err, err_len, "ELF type %u is neither ET_EXEC (2) nor ET_DYN (3): not a program",
			out->e_type);
		return -ENOEXEC;
	}
	uint64_t phoff;
	uint16_t phentsize, phnum;
	if (is64) {
		out->e_entry = rd64(hdr + 24);
		phoff = rd64(hdr + 32);
		phentsize = rd16(hdr + 54);
		phnum = rd16(hdr + 56);
	} else {
		out->e_entry = rd32(hdr + 24);
		phoff = rd32(hdr + 28);
		phentsize = rd16(hdr + 42);
		phnum = rd16(hdr + 44);
	}
	out->e_phoff = phoff;
	/* load_elf_phdrs */
	if (phentsize != phent) {
		set_err(err, err_len, "e_phentsize %u, expected %u for ELF%u", phentsize, phent,
			out->elf_class);
		return -ENOEXEC;
	}
	uint64_t phbytes = (uint64_t)phnum * phent;
	if (phbytes == 0 || phbytes > ELF_PHDRS_MAX || (page >= 4096 && phbytes > page)) {
		set_err(err, err_len, "%u program headers (%" PRIu64 " bytes): none, or more than a page",
			phnum, phbytes);
		return -ENOEXEC;
	}
	if (phoff > size || phbytes > size - phoff) {
		set_err(err, err_len, "program headers at 0x%" PRIx64 "+0x%" PRIx64
			" run past the end of the file (%" PRIu64 " bytes)", phoff, phbytes, size);
		return -EIO;
	}
	uint8_t ph[ELF_PHDRS_MAX];
	if (elf_read(f, phoff, ph, phbytes)) {
		set_err(err, err_len, "cannot read the program headers");
		return -EIO;
	}
	bool have_gnu_stack = false;
	uint64_t prev_end = 0;
	for (unsigned i = 0; i < phnum; i++) {
		const uint8_t *p = ph + (uint64_t)i * phent;
		uint32_t type = rd32(p);
		struct elf_load_seg s;
		if (is64) {
			s.flags = rd32(p + 4);
			s.offset = rd64(p + 8);
			s.vaddr = rd64(p + 16);
			s.filesz = rd64(p + 32);
			s.memsz = rd64(p + 40);
			s.align = rd64(p + 48);
		} else {
			s.offset = rd32(p + 4);
			s.vaddr = rd32(p + 8);
			s.filesz = rd32(p + 16);
			s.memsz = rd32(p + 20);
			s.flags = rd32(p + 24);
			s.align = rd32(p + 28);
		}
		if (type == PT_INTERP) {
			if (s.filesz > PATH_MAX_ELF || s.filesz < 2 || s.offset > size ||
			    s.filesz > size - s.offset) {
				set_err(err, err_len, "program header %u: PT_INTERP of %" PRIu64
					" bytes at 0x%" PRIx64 " is malformed", i, s.filesz, s.offset);
				return -ENOEXEC;
			}
			char path[PATH_MAX_ELF];
			if (elf_read(f, s.offset, path, s.filesz) || path[s.filesz - 1] != '\0') {
				set_err(err, err_len, "program header %u: PT_INTERP path is not NUL-terminated", i);
				return -ENOEXEC;
			}
			out->has_interp = true;
			size_t n = strnlen(path, sizeof(out->interp) - 1);
			memcpy(out->interp, path, n); /* truncated: it is only shown */
			out->interp[n] = '\0';
		} else if (type == PT_GNU_STACK) {
			have_gnu_stack = true;
			out->exec_stack = (s.flags & PF_X) != 0;
		}
		if (type != PT_LOAD)
			continue;
		if (out->nr_loads == ELF_MAX_LOADS) {
			set_err(err, err_len, "more than %d PT_LOAD segments", ELF_MAX_LOADS);
			return -ENOEXEC;
		}
		if (s.filesz > s.memsz) {
			set_err(err, err_len, "program header %u: p_filesz 0x%" PRIx64 " > p_memsz 0x%" PRIx64,
				i, s.filesz, s.memsz);
			return -EINVAL;
		}
		if (s.filesz && (s.offset > size || s.filesz > size - s.offset)) {
			set_err(err, err_len, "program header %u: file bytes 0x%" PRIx64 "+0x%" PRIx64
				" run past the end of the file (%" PRIu64 " bytes)", i, s.offset, s.filesz, size);
			return -EINVAL;
		}
		if (s.vaddr + s.memsz < s.vaddr) {
			set_err(err, err_len, "program header %u: p_vaddr 0x%" PRIx64 " + p_memsz 0x%" PRIx64
				" wraps around", i, s.vaddr, s.memsz);
			return -EINVAL;
		}
		if ((s.offset & (page - 1)) != (s.vaddr & (page - 1))) {
			set_err(err, err_len, "program header %u: p_offset 0x%" PRIx64 " and p_vaddr 0x%" PRIx64
				" differ modulo the page size (0x%" PRIx64 "): cannot be mapped", i, s.offset,
				s.vaddr, page);
			return -EINVAL;
		}
		if (out->nr_loads && s.vaddr < prev_end) {
			set_err(err, err_len, "program header %u: PT_LOAD at 0x%" PRIx64
				" overlaps or precedes the previous one (ending at 0x%" PRIx64 ")", i, s.vaddr,
				prev_end);
			return -EINVAL;
		}
		prev_end = s.vaddr + s.memsz;
		out->load[out->nr_loads++] = s;
	}
	if (!out->nr_loads) {
		set_err(err, err_len, "no PT_LOAD segment: nothing to map");
		return -ENOEXEC;
	}
	/* No PT_GNU_STACK: 32-bit x86 assumes an executable stack (and
	 * READ_IMPLIES_EXEC), 64-bit does not (Linux 5.8+). */
	if (!have_gnu_stack)
		out->exec_stack = !is64;
	return 0;
}

int elf_check_arch(const struct mm_kernel *k, const struct elf_info *info, char *err,
		   size_t err_len)
{
	const struct arch_profile *a = k->arch;
	if (a->is_toy)
		return 0; /* a textbook machine runs whatever fits its address space */
	bool machine64 = a->va_bits > 32;
	uint16_t want = machine64 ? EM_X86_64 : EM_386;
	unsigned want_class = machine64 ? 64 : 32;
	if (info->e_machine != want || info->elf_class != want_class) {
		set_err(err, err_len, "ELF%u %s binary cannot run on %s (needs ELF%u %s)",
			info->elf_class, machine_name(info->e_machine), a->name, want_class,
			machine_name(want));
		return -ENOEXEC;
	}
	return 0;
}

static unsigned long seg_prot(uint32_t flags)
{
	return ((flags & PF_R) ? PROT_READ : 0) | ((flags & PF_W) ? PROT_WRITE : 0) |
	       ((flags & PF_X) ? PROT_EXEC : 0);
}

/* ELF_ET_DYN_BASE: where a PIE with an interpreter goes (x86: two thirds
 * of the 47-bit space; a 32-bit process: 4M). */
static uint64_t elf_et_dyn_base(const struct mm_kernel *k, const struct mm_struct *mm)
{
	const struct arch_profile *a = k->arch;
	if (!a->is_toy && a->va_bits <= 32)
		return 0x400000;
	return MM_ALIGN_DOWN(mm->task_size / 3 * 2, k->page_size);
}

/* The largest power-of-two p_align of the PT_LOADs, at least a page. */
static uint64_t maximum_alignment(const struct elf_info *info, uint64_t page)
{
	uint64_t align = 0;
	for (unsigned i = 0; i < info->nr_loads; i++) {
		uint64_t p = info->load[i].align;
		if (p && !(p & (p - 1)) && p > align)
			align = p;
	}
	return MM_ALIGN_UP(MM_MAX(align, page), page);
}

int elf_load(struct mm_struct *mm, struct simfile *f, struct elf_info *info,
	     int (*clear_user)(struct mm_struct *mm, mm_va_t addr, uint64_t len),
	     struct elf_load_result *res, char *err, size_t err_len)
{
	struct mm_kernel *k = mm->k;
	uint64_t page = k->page_size;
	mm_va_t task_size = mm->task_size;
	memset(res, 0, sizeof(*res));
	if (!info->nr_loads) {
		set_err(err, err_len, "no PT_LOAD segment");
		return -ENOEXEC;
	}
	const struct elf_load_seg *first = &info->load[0];
	const struct elf_load_seg *last = &info->load[info->nr_loads - 1];
	uint64_t total_size = MM_ALIGN_UP(last->vaddr + last->memsz, page) -
			      MM_ALIGN_DOWN(first->vaddr, page);
	uint64_t load_bias = 0;
	bool bias_fixed = true;
	if (info->e_type == ET_DYN) {
		uint64_t alignment = maximum_alignment(info, page);
		if (info->has_interp || alignment > page) {
			load_bias = elf_et_dyn_base(k, mm);
			load_bias &= ~(alignment - 1);
		} else {
			bias_fixed = false; /* static PIE: wherever mmap puts it */
		}
		load_bias = MM_ALIGN_DOWN(load_bias - first->vaddr, page);
	}

	mm_va_t start_code = UINT64_MAX, end_code = 0, start_data = 0, end_data = 0, elf_brk = 0;
	for (unsigned i = 0; i < info->nr_loads; i++) {
		const struct elf_load_seg *s = &info->load[i];
		unsigned long prot = seg_prot(s->flags);
		/* Linux's overflow check: every segment must fit in user space. */
		if (s->vaddr >= task_size || s->memsz > task_size || task_size - s->memsz < s->vaddr) {
			set_err(err, err_len, "PT_LOAD %u at 0x%" PRIx64 "+0x%" PRIx64
				" does not fit below the task size 0x%" PRIx64, i, s->vaddr, s->memsz,
				task_size);
			return -EINVAL;
		}
		mm_va_t seg_addr = load_bias + s->vaddr;
		uint64_t pgoff_in = s->vaddr & (page - 1);
		mm_va_t map_addr = seg_addr - pgoff_in;
		mm_va_t zero_start, zero_end;
		if (s->filesz) {
			unsigned long flags = MAP_PRIVATE;
			uint64_t size = MM_ALIGN_UP(s->filesz + pgoff_in, page);
			uint64_t off = s->offset - pgoff_in;
			if (i > 0)
				flags |= MAP_FIXED;
			else if (bias_fixed)
				flags |= MAP_FIXED_NOREPLACE;
			/* A static PIE's first mapping reserves the whole image so
			 * that the later segments fit after it (total_mapping_size). */
			uint64_t len = (i == 0 && !bias_fixed) ? MM_MAX(total_size, size) : size;
			int64_t got = vm_mmap(mm, i == 0 && !bias_fixed ? 0 : map_addr, len, prot, flags, f,
					      off);
			if (got < 0) {
				set_err(err, err_len, "mapping PT_LOAD %u at 0x%" PRIx64 " failed: %s%s", i,
					map_addr, mm_errno_name((int)-got) ? mm_errno_name((int)-got) : "error",
					got == -EEXIST ? " (the range is already mapped)" : "");
				return (int)got;
			}
			if (i == 0 && !bias_fixed) {
				load_bias = (uint64_t)got - MM_ALIGN_DOWN(first->vaddr, page);
				if (len > size)
					vm_munmap(mm, (mm_va_t)got + size, len - size);
				seg_addr = load_bias + s->vaddr;
				map_addr = (mm_va_t)got;
			}
			res->nr_mappings++;
			zero_start = map_addr + pgoff_in + s->filesz;
			zero_end = map_addr + pgoff_in + s->memsz;
			/* padzero: clear the rest of the last file page (it holds
			 * whatever follows in the file); only a writable
			 * segment's failure is fatal. */
			uint64_t tail = zero_start & (page - 1);
			if (s->memsz > s->filesz && tail && clear_user) {
				int e = clear_user(mm, zero_start, page - tail);
				if (e && (prot & PROT_WRITE)) {
					set_err(err, err_len, "clearing the bss tail of PT_LOAD %u at 0x%" PRIx64
						" failed", i, zero_start);
					return -EFAULT;
				}
			}
		} else {
			zero_start = map_addr;
			zero_end = zero_start + pgoff_in + s->memsz;
		}
		if (s->memsz > s->filesz) {
			zero_start = MM_ALIGN_UP(zero_start, page);
			zero_end = MM_ALIGN_UP(zero_end, page);
			if (zero_end > zero_start) {
				int e = vm_brk_flags(mm, zero_start, zero_end - zero_start,
						     (prot & PROT_EXEC) ? VM_EXEC : 0);
				if (e) {
					set_err(err, err_len, "mapping the bss of PT_LOAD %u at 0x%" PRIx64
						" failed: %s", i, zero_start,
						mm_errno_name(-e) ? mm_errno_name(-e) : "error");
					return e;
				}
				res->nr_mappings++;
			}
		}
		/* mm->start_code & co., as load_elf_binary computes them. */
		mm_va_t kv = s->vaddr;
		if ((s->flags & PF_X) && kv < start_code)
			start_code = kv;
		if (start_data < kv)
			start_data = kv;
		kv = s->vaddr + s->filesz;
		if ((s->flags & PF_X) && end_code < kv)
			end_code = kv;
		if (end_data < kv)
			end_data = kv;
		kv = s->vaddr + s->memsz;
		if (kv > elf_brk)
			elf_brk = kv;
		/* AT_PHDR: the program headers, when a segment maps them. */
		if (s->filesz && info->e_phoff >= s->offset && info->e_phoff - s->offset < s->filesz)
			res->phdr_addr = info->e_phoff - s->offset + s->vaddr + load_bias;
	}
	info->load_bias = load_bias;
	if (start_code == UINT64_MAX)
		start_code = 0; /* no executable segment */
	res->entry = info->e_entry + load_bias;
	res->start_code = start_code + load_bias;
	res->end_code = end_code + load_bias;
	res->start_data = start_data + load_bias;
	res->end_data = end_data + load_bias;
	res->start_brk = MM_ALIGN_UP(elf_brk + load_bias, page);
	if (res->entry >= task_size) {
		set_err(err, err_len, "entry point 0x%" PRIx64 " is outside user space", res->entry);
		return -EINVAL;
	}
	mm->start_code = res->start_code;
	mm->end_code = res->end_code;
	mm->start_data = res->start_data;
	mm->end_data = res->end_data;
	mm->start_brk = mm->brk = res->start_brk;
	return 0;
}
