/*
 * difftest_host.c - the host half of the differential test: performs the
 * sequences of sequences.h on the real kernel and prints what happened.
 *
 *   difftest_host
 *     ├─ ASLR on, or RLIMIT_STACK not 8M?  set personality(ADDR_NO_RANDOMIZE)
 *     │  and the rlimit, re-exec itself (the layout is fixed at exec)
 *     └─ for each sequence: fork; the child prints
 *          SEQ name
 *          INIT, /proc/self/maps before the first step
 *          STAT start_brk brk
 *          STEP i result          (an address, or -errno)
 *          FINAL, /proc/self/maps after the last step
 *          END
 *     or, when the host cannot run it, one line "SKIP reason".
 *
 * The program is linked statically where the toolchain allows (no shared
 * libraries in the mmap area), and a sequence's child makes no library
 * call that could map memory: raw system calls, its own number
 * formatting, write(2) on a static buffer.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/personality.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#include "sequences.h"

/* The table's numbers are Linux's x86 uapi: check them against the host. */
_Static_assert(P_R == PROT_READ && P_W == PROT_WRITE && P_X == PROT_EXEC, "prot");
_Static_assert(F_SHARED == MAP_SHARED && F_PRIVATE == MAP_PRIVATE && F_FIXED == MAP_FIXED &&
		       F_ANON == MAP_ANONYMOUS && F_GROWSDOWN == MAP_GROWSDOWN &&
		       F_NORESERVE == MAP_NORESERVE,
	       "mmap flags");
_Static_assert(R_MAYMOVE == MREMAP_MAYMOVE && R_FIXED == MREMAP_FIXED, "mremap flags");
_Static_assert(A_DONTNEED == MADV_DONTNEED && A_HUGEPAGE == MADV_HUGEPAGE && A_FREE == MADV_FREE,
	       "madvise advice");

#define STACK_RLIMIT (8UL << 20)

static char out_buf[1 << 16];
static size_t out_len;
static char file_buf[1 << 18];

static void flush_out(void)
{
	size_t done = 0;
	while (done < out_len) {
		ssize_t n = write(1, out_buf + done, out_len - done);
		if (n <= 0) {
			if (n < 0 && errno == EINTR)
				continue;
			break;
		}
		done += (size_t)n;
	}
	out_len = 0;
}

static void put(const char *s, size_t n)
{
	while (n) {
		if (out_len == sizeof(out_buf))
			flush_out();
		size_t k = sizeof(out_buf) - out_len;
		if (k > n)
			k = n;
		memcpy(out_buf + out_len, s, k);
		out_len += k;
		s += k;
		n -= k;
	}
}

static void puts_(const char *s)
{
	put(s, strlen(s));
}

static void put_dec(int64_t v)
{
	char b[32];
	int i = sizeof(b);
	uint64_t u = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
	do {
		b[--i] = (char)('0' + u % 10);
		u /= 10;
	} while (u);
	if (v < 0)
		b[--i] = '-';
	put(b + i, sizeof(b) - (size_t)i);
}

/* Read a whole /proc file into file_buf; its length, or -1. */
static ssize_t read_file(const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	size_t len = 0;
	for (;;) {
		ssize_t n = read(fd, file_buf + len, sizeof(file_buf) - 1 - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		len += (size_t)n;
		if (len == sizeof(file_buf) - 1)
			break;
	}
	close(fd);
	file_buf[len] = '\0';
	return (ssize_t)len;
}

static void skip(const char *why)
{
	puts_("SKIP ");
	puts_(why);
	puts_("\n");
	flush_out();
	_exit(0);
}

/* Field n (1-based, as proc(5) numbers them) of /proc/self/stat. */
static uint64_t stat_field(int n)
{
	if (read_file("/proc/self/stat") < 0)
		return 0;
	char *p = strrchr(file_buf, ')');
	if (!p)
		return 0;
	p += 2; /* field 3 starts after ") " */
	for (int f = 3; f < n && *p; f++) {
		while (*p && *p != ' ')
			p++;
		if (*p)
			p++;
	}
	uint64_t v = 0;
	while (*p >= '0' && *p <= '9')
		v = v * 10 + (uint64_t)(*p++ - '0');
	return v;
}

static long sys_ret(long r)
{
	return r == -1 ? -errno : r;
}

static uint64_t resolve(struct dt_addr a, const int64_t *results, uint64_t brk0)
{
	if (a.ref == DT_REF_ABS)
		return (uint64_t)a.off;
	if (a.ref == DT_REF_BRK0)
		return brk0 + (uint64_t)a.off;
	return (uint64_t)results[a.ref] + (uint64_t)a.off;
}

static void run_sequence(const struct dt_seq *s)
{
	int64_t results[DT_MAX_STEPS];
	puts_("SEQ ");
	puts_(s->name);
	puts_("\n");
	ssize_t n = read_file("/proc/self/maps");
	puts_("INIT\n");
	put(file_buf, n > 0 ? (size_t)n : 0);
	uint64_t start_brk = stat_field(47);
	uint64_t brk_now = (uint64_t)syscall(SYS_brk, 0);
	puts_("STAT ");
	put_dec((int64_t)start_brk);
	puts_(" ");
	put_dec((int64_t)brk_now);
	puts_("\n");
	uint64_t brk0 = (brk_now + 4095) & ~4095ULL;

	for (int i = 0; i < s->nr_steps; i++) {
		const struct dt_step *st = &s->steps[i];
		uint64_t addr = resolve(st->addr, results, brk0);
		long r = 0;
		switch (st->op) {
		case DT_MMAP:
			r = sys_ret(syscall(SYS_mmap, addr, st->len, st->arg, st->flags, -1L, 0L));
			break;
		case DT_MUNMAP:
			r = sys_ret(syscall(SYS_munmap, addr, st->len));
			break;
		case DT_MPROTECT:
			r = sys_ret(syscall(SYS_mprotect, addr, st->len, st->arg));
			break;
		case DT_MREMAP:
			r = sys_ret(syscall(SYS_mremap, addr, st->len, st->len2, st->arg,
					    resolve(st->addr2, results, brk0)));
			break;
		case DT_BRK:
			r = syscall(SYS_brk, addr);
			break;
		case DT_MADVISE:
			r = sys_ret(syscall(SYS_madvise, addr, st->len, st->arg));
			break;
		case DT_MLOCK:
			r = sys_ret(syscall(SYS_mlock, addr, st->len));
			break;
		case DT_MUNLOCK:
			r = sys_ret(syscall(SYS_munlock, addr, st->len));
			break;
		}
		results[i] = r;
		puts_("STEP ");
		put_dec(i);
		puts_(" ");
		put_dec(r);
		puts_("\n");
	}
	n = read_file("/proc/self/maps");
	puts_("FINAL\n");
	put(file_buf, n > 0 ? (size_t)n : 0);
	puts_("END\n");
	flush_out();
}

int main(int argc, char **argv)
{
	(void)argc;
#if !DIFFTEST_STATIC
	skip("no static libc to link a runner whose layout is fixed (libc6-dev's libc.a)");
#endif
	struct utsname u;
	if (uname(&u) != 0 || strcmp(u.machine, "x86_64") != 0)
		skip("the host is not x86_64 (mmsim's x86_64 layout is what is compared)");

	int pers = personality(0xffffffff);
	struct rlimit rl;
	if (pers == -1 || getrlimit(RLIMIT_STACK, &rl) != 0)
		skip("personality() or getrlimit() is not available");
	if (!(pers & ADDR_NO_RANDOMIZE) || rl.rlim_cur != STACK_RLIMIT) {
		/* The layout is chosen at exec: fix it, then start again. */
		if (getenv("DIFFTEST_REEXEC"))
			skip("address randomisation could not be turned off (personality refused)");
		if (personality((unsigned long)pers | ADDR_NO_RANDOMIZE) == -1)
			skip("personality(ADDR_NO_RANDOMIZE) was refused");
		rl.rlim_cur = STACK_RLIMIT;
		if (rl.rlim_max != RLIM_INFINITY && rl.rlim_max < STACK_RLIMIT)
			skip("RLIMIT_STACK cannot be raised to 8M");
		if (setrlimit(RLIMIT_STACK, &rl) != 0)
			skip("setrlimit(RLIMIT_STACK, 8M) was refused");
		setenv("DIFFTEST_REEXEC", "1", 1);
		execv("/proc/self/exe", argv);
		skip("cannot re-execute /proc/self/exe");
	}
	if (read_file("/proc/self/maps") <= 0)
		skip("/proc/self/maps cannot be read");

	puts_("HOST ");
	puts_(u.release);
	puts_("\n");
	flush_out();
	for (size_t i = 0; i < DT_NR_SEQUENCES; i++) {
		pid_t pid = fork();
		if (pid < 0)
			skip("fork failed");
		if (pid == 0) {
			run_sequence(&dt_sequences[i]);
			_exit(0);
		}
		int status;
		while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
			;
	}
	return 0;
}
