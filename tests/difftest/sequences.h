/*
 * sequences.h - the fixed system-call sequences of the differential test,
 * shared by the host runner (difftest_host.c, which performs them on the
 * real kernel) and the comparer (difftest.c, which performs them in mmsim).
 *
 * A step names its address relative to something both sides agree on:
 *
 *   AT(i, off)   the result of step i (an mmap/mremap address) + off
 *   ABS(x)       the address x itself (0: no hint)
 *   BRK0(off)    the program break when the sequence started + off
 *
 * Flag values are Linux's x86 uapi numbers, written out so that the file
 * needs neither <sys/mman.h> nor mmsim's headers; the runner checks them
 * against the host's at compile time.
 */
#ifndef DIFFTEST_SEQUENCES_H
#define DIFFTEST_SEQUENCES_H

#include <stdint.h>

enum dt_op { DT_MMAP, DT_MUNMAP, DT_MPROTECT, DT_MREMAP, DT_BRK, DT_MADVISE, DT_MLOCK, DT_MUNLOCK };

enum { DT_REF_ABS = -1, DT_REF_BRK0 = -2 };

struct dt_addr {
	int ref;      /* step index, DT_REF_ABS or DT_REF_BRK0 */
	int64_t off;
};

struct dt_step {
	enum dt_op op;
	struct dt_addr addr;
	uint64_t len;           /* mmap/munmap/mprotect/madvise/mlock length; mremap old_len */
	uint64_t len2;          /* mremap new_len */
	unsigned long arg;      /* prot, madvise advice, mremap flags */
	unsigned long flags;    /* mmap flags */
	struct dt_addr addr2;   /* mremap new_addr */
};

#define DT_MAX_STEPS 80

struct dt_seq {
	const char *name;
	int nr_steps;
	struct dt_step steps[DT_MAX_STEPS];
};

#define AT(i, o) { (i), (o) }
#define ABS(x) { DT_REF_ABS, (int64_t)(x) }
#define BRK0(o) { DT_REF_BRK0, (o) }

#define P_NONE 0x0UL
#define P_R 0x1UL
#define P_W 0x2UL
#define P_X 0x4UL
#define P_RW (P_R | P_W)

#define F_SHARED 0x01UL
#define F_PRIVATE 0x02UL
#define F_SHARED_VALIDATE 0x03UL
#define F_FIXED 0x10UL
#define F_ANON 0x20UL
#define F_GROWSDOWN 0x100UL
#define F_NORESERVE 0x4000UL
#define F_FIXED_NOREPLACE 0x100000UL
#define F_PA (F_PRIVATE | F_ANON)
#define F_SA (F_SHARED | F_ANON)

#define R_MAYMOVE 1UL
#define R_FIXED 2UL
#define R_DONTUNMAP 4UL

#define A_NORMAL 0
#define A_RANDOM 1
#define A_SEQUENTIAL 2
#define A_WILLNEED 3
#define A_DONTNEED 4
#define A_FREE 8
#define A_DONTFORK 10
#define A_HUGEPAGE 14
#define A_NOHUGEPAGE 15

#define KB 1024ULL
#define PG 4096ULL
#define MB (1024ULL * 1024ULL)

#define MMAP(a, len, prot, fl) { DT_MMAP, a, (len), 0, (prot), (fl), ABS(0) }
#define MUNMAP(a, len) { DT_MUNMAP, a, (len), 0, 0, 0, ABS(0) }
#define MPROTECT(a, len, prot) { DT_MPROTECT, a, (len), 0, (prot), 0, ABS(0) }
#define MREMAP(a, old, new, fl, a2) { DT_MREMAP, a, (old), (new), (fl), 0, a2 }
#define BRK(a) { DT_BRK, a, 0, 0, 0, 0, ABS(0) }
#define MADVISE(a, len, adv) { DT_MADVISE, a, (len), 0, (adv), 0, ABS(0) }
#define MLOCK(a, len) { DT_MLOCK, a, (len), 0, 0, 0, ABS(0) }
#define MUNLOCK(a, len) { DT_MUNLOCK, a, (len), 0, 0, 0, ABS(0) }

#define SEQ(nm, ...) { nm, sizeof((struct dt_step[]){ __VA_ARGS__ }) / sizeof(struct dt_step), { __VA_ARGS__ } }

static const struct dt_seq dt_sequences[] = {
	/* Top-down placement below the vdso, THP alignment of 2M multiples,
	 * the highest gap first. */
	SEQ("topdown",
	    MMAP(ABS(0), PG, P_R, F_PA),
	    MMAP(ABS(0), 2 * PG, P_RW, F_PA),
	    MMAP(ABS(0), 16 * KB, P_RW, F_PA),
	    MMAP(ABS(0), 2 * MB, P_RW, F_PA),
	    MMAP(ABS(0), PG, P_RW, F_PA),
	    MMAP(ABS(0), 4 * MB, P_R, F_PA),
	    MMAP(ABS(0), 3 * MB, P_RW, F_PA),
	    MMAP(ABS(0), 1, P_X, F_PA),
	    MMAP(ABS(0), 2 * MB, P_RW, F_SA),
	    MMAP(ABS(0), 10 * PG, P_NONE, F_PA | F_NORESERVE)),

	/* MAP_FIXED over the middle of a mapping: three VMAs; again with the
	 * same protection: one. */
	SEQ("fixed_middle",
	    MMAP(ABS(0), 16 * PG, P_RW, F_PA),
	    MMAP(AT(0, 4 * PG), 4 * PG, P_R, F_PA | F_FIXED),
	    MMAP(AT(0, 12 * PG), 2 * PG, P_R | P_X, F_PA | F_FIXED),
	    MMAP(AT(0, 4 * PG), 4 * PG, P_RW, F_PA | F_FIXED),
	    MMAP(AT(0, 8 * PG), 2 * PG, P_RW, F_PA | F_FIXED_NOREPLACE),
	    MMAP(AT(0, -2 * PG), 2 * PG, P_RW, F_PA | F_FIXED_NOREPLACE),
	    MMAP(AT(0, 15 * PG), 4 * PG, P_RW, F_PA | F_FIXED)),

	/* mprotect: split into three and merge back; the merge cases. */
	SEQ("mprotect",
	    MMAP(ABS(0), 12 * PG, P_RW, F_PA),
	    MPROTECT(AT(0, 4 * PG), 4 * PG, P_R),
	    MPROTECT(AT(0, 4 * PG), 4 * PG, P_RW),
	    MPROTECT(AT(0, 8 * PG), 4 * PG, P_R),
	    MPROTECT(AT(0, 6 * PG), 2 * PG, P_R),
	    MPROTECT(AT(0, 0), 2 * PG, P_R),
	    MPROTECT(AT(0, 2 * PG), 4 * PG, P_R),
	    MPROTECT(AT(0, 3 * PG), PG, P_NONE),
	    MPROTECT(AT(0, 10 * PG), 4 * PG, P_RW),
	    MPROTECT(AT(0, 1), PG, P_R),
	    MPROTECT(AT(0, 0), PG, 0x10),
	    MPROTECT(AT(0, 0), 0, P_RW),
	    MPROTECT(AT(0, 0), PG, P_RW | 0x01000000UL)),

	/* munmap across several VMAs, holes, errors. */
	SEQ("munmap",
	    MMAP(ABS(0), 12 * PG, P_RW, F_PA),
	    MPROTECT(AT(0, 4 * PG), 4 * PG, P_R),
	    MUNMAP(AT(0, 2 * PG), 8 * PG),
	    MUNMAP(AT(0, 4 * PG), PG),
	    MUNMAP(AT(0, 1), PG),
	    MUNMAP(AT(0, 0), 0),
	    MUNMAP(AT(0, 11 * PG), PG),
	    MMAP(ABS(0), 6 * PG, P_RW, F_PA),
	    MUNMAP(AT(7, PG), PG),
	    MUNMAP(AT(7, 3 * PG), 1)),

	/* Hints: free, unaligned, taken, inside a stack's guard gap. */
	SEQ("hints",
	    MMAP(ABS(0), PG, P_R, F_PA),
	    MMAP(AT(0, -64 * MB), 2 * PG, P_RW, F_PA),
	    MMAP(AT(0, -80 * MB + 0x123), PG, P_RW, F_PA),
	    MMAP(AT(1, 0), PG, P_R, F_PA),
	    MMAP(AT(0, -32 * MB), 16 * PG, P_RW, F_PA | F_FIXED | F_GROWSDOWN),
	    MMAP(AT(4, -PG), PG, P_R, F_PA),
	    MMAP(AT(4, -(int64_t)MB - (int64_t)PG), PG, P_R, F_PA),
	    MMAP(ABS(0x200000000000ULL), 2 * MB, P_RW, F_PA),
	    MMAP(ABS(0x7ffffffff000ULL - PG), 2 * PG, P_RW, F_PA)),

	/* mremap: grow in place, blocked, moved, shrunk, fixed, dontunmap;
	 * away from the vdso (a free hint far below it). */
	SEQ("mremap",
	    MMAP(ABS(0x100000000000ULL), 4 * PG, P_RW, F_PA),
	    MREMAP(AT(0, 0), 4 * PG, 8 * PG, 0, ABS(0)),
	    MMAP(AT(0, 8 * PG), PG, P_R, F_PA | F_FIXED),
	    MMAP(AT(0, -PG), PG, P_R, F_PA | F_FIXED),
	    MREMAP(AT(0, 0), 8 * PG, 16 * PG, 0, ABS(0)),
	    MREMAP(AT(0, 0), 8 * PG, 16 * PG, R_MAYMOVE, ABS(0)),
	    MREMAP(AT(5, 0), 16 * PG, 6 * PG, 0, ABS(0)),
	    MREMAP(AT(5, 0), 6 * PG, 6 * PG, R_MAYMOVE | R_FIXED, AT(0, 64 * MB)),
	    MREMAP(AT(7, 0), 6 * PG, 6 * PG, R_MAYMOVE | R_DONTUNMAP, ABS(0)),
	    MREMAP(AT(7, PG), PG, 2 * PG, 0, ABS(0)),
	    MREMAP(AT(7, 0), 12 * PG, 13 * PG, 0, ABS(0)),
	    MREMAP(AT(7, 0), PG, 0, 0, ABS(0)),
	    MREMAP(AT(7, 1), PG, PG, 0, ABS(0)),
	    MREMAP(AT(7, 0), 0, PG, R_MAYMOVE, ABS(0)),
	    MREMAP(AT(7, 0), PG, PG, R_FIXED, ABS(0)),
	    MREMAP(AT(7, 0), PG, PG, 8, ABS(0)),
	    MREMAP(AT(7, 0), 2 * PG, 2 * PG, R_MAYMOVE | R_FIXED, AT(7, PG)),
	    MMAP(ABS(0), 2 * MB, P_RW, F_PA),
	    MMAP(AT(17, 2 * MB), PG, P_R, F_PA | F_FIXED_NOREPLACE),
	    MREMAP(AT(17, 0), 2 * MB, 4 * MB, R_MAYMOVE, ABS(0)),
	    MREMAP(AT(8, 0), 6 * PG, 10 * PG, R_MAYMOVE, ABS(0)),
	    MREMAP(AT(0, -PG), PG, 3 * PG, 0, ABS(0)),
	    MREMAP(AT(7, 0), 6 * PG, 3 * PG, R_MAYMOVE | R_FIXED, AT(0, 2 * PG)),
	    MREMAP(AT(0, 8 * PG), PG, 4 * PG, R_MAYMOVE, ABS(0))),

	/* Shared anonymous memory: /dev/zero (deleted), offsets after a split. */
	SEQ("shared",
	    MMAP(ABS(0), 8 * PG, P_RW, F_SA),
	    MMAP(ABS(0), 8 * PG, P_RW, F_SA),
	    MPROTECT(AT(0, 2 * PG), 2 * PG, P_R),
	    MUNMAP(AT(0, 6 * PG), PG),
	    MPROTECT(AT(0, 2 * PG), 2 * PG, P_RW),
	    MREMAP(AT(1, 0), 8 * PG, 10 * PG, R_MAYMOVE, ABS(0)),
	    MMAP(ABS(0), PG, P_RW, F_SHARED_VALIDATE | F_ANON),
	    MMAP(ABS(0), PG, P_RW, F_SA | F_GROWSDOWN)),

	/* brk: grow, shrink, below start, up against a mapping. */
	SEQ("brk",
	    BRK(BRK0(0x2100)),
	    BRK(BRK0(0x2f00)),
	    BRK(BRK0(0x8000)),
	    BRK(BRK0(0x800)),
	    BRK(BRK0(-0x100000)),
	    MMAP(BRK0(0x40000), PG, P_R, F_PA | F_FIXED),
	    BRK(BRK0(0x3f001)),
	    BRK(BRK0(0x3f000)),
	    BRK(BRK0(0x10000)),
	    MMAP(BRK0(0x10000), PG, P_RW, F_PA | F_FIXED),
	    BRK(BRK0(0x20000))),

	/* madvise flag changes split and merge; page advice changes nothing. */
	SEQ("madvise",
	    MMAP(ABS(0), 12 * PG, P_RW, F_PA),
	    MADVISE(AT(0, 4 * PG), 4 * PG, A_HUGEPAGE),
	    MADVISE(AT(0, 4 * PG), 4 * PG, A_NOHUGEPAGE),
	    MADVISE(AT(0, 0), 12 * PG, A_NOHUGEPAGE),
	    MADVISE(AT(0, 0), 12 * PG, A_DONTNEED),
	    MADVISE(AT(0, 0), 12 * PG, A_FREE),
	    MADVISE(AT(0, 0), 12 * PG, A_WILLNEED),
	    MADVISE(AT(0, 2 * PG), 2 * PG, A_SEQUENTIAL),
	    MADVISE(AT(0, 2 * PG), 2 * PG, A_NORMAL),
	    MADVISE(AT(0, -4 * PG), 8 * PG, A_RANDOM),
	    MADVISE(AT(0, 1), PG, A_DONTNEED),
	    MADVISE(AT(0, 0), PG, 999),
	    MADVISE(AT(0, 0), 0, A_DONTNEED),
	    MMAP(ABS(0), PG, P_RW, F_SA),
	    MADVISE(AT(13, 0), PG, A_FREE)),

	/* mlock / munlock split and merge (a few pages: under any limit). The
	 * locked pages are faulted in, so the locked range is kept in one
	 * piece: two separately faulted pieces get different anon_vmas on the
	 * host and never merge again (a fault-layer matter). */
	SEQ("mlock",
	    MMAP(ABS(0), 8 * PG, P_RW, F_PA),
	    MLOCK(AT(0, 2 * PG + 100), 10),
	    MLOCK(AT(0, 2 * PG), 4 * PG),
	    MADVISE(AT(0, 2 * PG), PG, A_DONTNEED),
	    MUNLOCK(AT(0, 0), 8 * PG),
	    MLOCK(AT(0, -4 * PG), 8 * PG),
	    MUNLOCK(AT(0, -4 * PG), 8 * PG)),

	/* Errors of mmap itself. */
	SEQ("mmap_errors",
	    MMAP(ABS(0), 0, P_RW, F_PA),
	    MMAP(ABS(0), PG, P_RW, F_ANON),
	    MMAP(ABS(0), PG, P_RW, F_SHARED_VALIDATE | F_ANON),
	    MMAP(ABS(0x10000001), PG, P_RW, F_PA | F_FIXED),
	    MMAP(ABS(0x7ffffffff000ULL - PG), 2 * PG, P_RW, F_PA | F_FIXED),
	    MMAP(ABS(0), 0x800000000000ULL, P_RW, F_PA | F_NORESERVE),
	    MMAP(ABS(0), PG, P_RW | 0x10, F_PA),
	    MMAP(AT(6, 0), PG, P_RW, F_PA | F_FIXED_NOREPLACE),
	    MMAP(AT(6, PG), PG, P_RW, F_PA | F_FIXED_NOREPLACE),
	    MMAP(ABS(0), PG, P_RW, F_SA | F_GROWSDOWN)),

	/* Many small VMAs that never merge, then holes punched and refilled. */
	SEQ("many",
	    MMAP(ABS(0), PG, P_R, F_PA), MMAP(ABS(0), PG, P_RW, F_PA),
	    MMAP(ABS(0), PG, P_R, F_PA), MMAP(ABS(0), PG, P_RW, F_PA),
	    MMAP(ABS(0), PG, P_R, F_PA), MMAP(ABS(0), PG, P_RW, F_PA),
	    MMAP(ABS(0), PG, P_R, F_PA), MMAP(ABS(0), PG, P_RW, F_PA),
	    MMAP(ABS(0), PG, P_R, F_PA), MMAP(ABS(0), PG, P_RW, F_PA),
	    MUNMAP(AT(2, 0), PG), MUNMAP(AT(5, 0), PG), MUNMAP(AT(6, 0), PG),
	    MMAP(ABS(0), PG, P_X, F_PA), MMAP(ABS(0), 2 * PG, P_X, F_PA),
	    MMAP(ABS(0), PG, P_R, F_PA), MMAP(ABS(0), PG, P_RW, F_PA),
	    MPROTECT(AT(0, -16 * PG), 17 * PG, P_R),
	    MPROTECT(AT(9, 0), 10 * PG, P_R)),
};

#define DT_NR_SEQUENCES (sizeof(dt_sequences) / sizeof(dt_sequences[0]))

#endif
