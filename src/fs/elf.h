/*
 * elf.h - loading a real ELF executable (ELF64 or ELF32, from the simulated
 * file system) into an address space, as Linux's load_elf_binary does:
 * each PT_LOAD segment becomes a private file mapping of its pages, the
 * bytes past p_filesz up to p_memsz become zeros (the rest of the last file
 * page is cleared, whole pages beyond it are an anonymous brk-style
 * mapping: the bss), and the break starts after the highest segment.
 *
 *   file:  | ELF hdr | phdrs | .text ...   | .data ... |
 *   PT_LOAD r-x  off 0      vaddr 0x0       filesz=memsz
 *   PT_LOAD rw-  off 0x2e10 vaddr 0x3e10    filesz 0x270  memsz 0x280
 *                            │
 *   maps:  555555554000-555555556000 r-xp 00000000 08:01 13  /true
 *          555555557000-555555558000 rw-p 00002000 08:01 13  /true   (bss tail zeroed)
 *          555555558000-555555559000 rw-p 00000000 00:00 0           (bss pages, if any)
 *          555555559000 = start_brk = brk
 *
 * ET_DYN (PIE) with an interpreter loads at ELF_ET_DYN_BASE (x86_64:
 * 0x555555554000; i386: 0x400000); ET_EXEC at its own addresses. The
 * interpreter (PT_INTERP, ld.so) is noted but not loaded: mmsim runs no
 * code, so the program's own segments are the whole picture.
 */
#ifndef MMSIM_FS_ELF_H
#define MMSIM_FS_ELF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mmsim/types.h"

struct simfile;
struct mm_struct;
struct mm_kernel;

#define ELF_MAX_LOADS 16   /* PT_LOAD segments accepted (real programs have 2-5) */

/* Segment permission bits (p_flags). */
#define PF_X 0x1u
#define PF_W 0x2u
#define PF_R 0x4u

struct elf_load_seg {
	uint64_t vaddr, offset, filesz, memsz, align; /* the program header's, load bias excluded */
	uint32_t flags;                               /* PF_R | PF_W | PF_X */
};

struct elf_info {
	unsigned elf_class;       /* 32 or 64 */
	uint16_t e_type;          /* ET_EXEC (2) or ET_DYN (3) */
	uint16_t e_machine;       /* EM_386 (3), EM_X86_64 (62), ... */
	uint64_t e_entry;
	uint64_t e_phoff;         /* where the program headers are in the file */
	unsigned nr_loads;
	struct elf_load_seg load[ELF_MAX_LOADS]; /* in file order (ascending vaddr) */
	bool has_interp;          /* PT_INTERP present (dynamically linked) */
	char interp[64];          /* its path, truncated */
	bool exec_stack;          /* PT_GNU_STACK with PF_X (or no PT_GNU_STACK on i386) */
	uint64_t load_bias;       /* set by elf_load: where ET_DYN went (0 for ET_EXEC) */
};

/* What elf_load did, in final (biased) addresses. */
struct elf_load_result {
	mm_va_t entry;
	mm_va_t start_code, end_code, start_data, end_data;
	mm_va_t start_brk;        /* = brk: page after the highest segment */
	mm_va_t phdr_addr;        /* where the program headers are mapped (AT_PHDR), 0: not */
	unsigned nr_mappings;     /* VMAs created (file-backed + bss) */
};

/*
 * Parse and validate f's ELF header and program headers: magic, class,
 * data (little endian only), version, type (ET_EXEC/ET_DYN), phentsize,
 * phnum, every PT_LOAD (offsets inside the file, filesz <= memsz, vaddr
 * and offset congruent modulo the page size, no overflow, ascending and
 * non-overlapping vaddrs). The file is read through the page cache, as
 * Linux's kernel_read does. 0 and *out, or -ENOEXEC (not ELF / bad ELF)
 * or -EIO with a clear reason in err ("program header 2: p_filesz 0x300 >
 * p_memsz 0x200").
 */
int elf_parse(struct simfile *f, unsigned page_shift, struct elf_info *out, char *err,
	      size_t err_len);

/* Does this machine run that class/machine? 0 or -ENOEXEC with err
 * ("ELF64 x86-64 binary on an i386 machine"). */
int elf_check_arch(const struct mm_kernel *k, const struct elf_info *info, char *err,
		   size_t err_len);

/*
 * Map info's segments into mm (empty user half expected; file f): private
 * file mappings with MAP_FIXED_NOREPLACE for each PT_LOAD's file pages,
 * the zeroing of the last file page's tail through clear_user (the caller's
 * write path: it faults and copies the page on write; NULL skips the
 * zeroing), and vm_brk_flags for whole bss pages. Sets mm->start_code,
 * end_code, start_data, end_data, start_brk and brk, and info->load_bias.
 * 0 and *res, or -errno with err naming the segment (on failure the caller
 * tears the mm down).
 */
int elf_load(struct mm_struct *mm, struct simfile *f, struct elf_info *info,
	     int (*clear_user)(struct mm_struct *mm, mm_va_t addr, uint64_t len),
	     struct elf_load_result *res, char *err, size_t err_len);

#endif
