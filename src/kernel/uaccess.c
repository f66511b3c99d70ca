/*
 * uaccess.c - a process touching its memory: each access goes through its
 * CPU's MMU (TLB, page walk, A/D bits), a page fault goes to the kernel's
 * handler, and the access is retried - exactly the loop a user-mode load or
 * store takes on x86.
 *
 *   task_access(A, va, len)
 *      │ A must be running: switch to it on its CPU if another task is
 *      ▼
 *   per page: mmu_translate(cpu, va, kind, user) ──0──► copy the bytes at PA
 *      │ fault (#PF: CR2, error code)                      │
 *      ▼                                                   ▼
 *   do_user_addr_fault ─► handled: count min_flt/maj_flt,  verbose line:
 *      │                  retry the translation           "A W 0x601000: fault
 *      └─► SIGSEGV/SIGBUS: the process is killed,          (cow: a private copy) -> pa"
 *          its memory freed; the access stops
 *
 * last.result says what the last page access was: hit (a TLB hit), walk (a
 * miss that walked the tables), or the fault kind: zero, minor, major, cow,
 * swapin; segv / bus when the process died. last.paddr is its physical
 * address.
 */
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "kernel/task.h"
#include "mm/internal.h"

#define MAX_FAULTS_PER_ACCESS 8 /* more means a fault handler bug: stop */

uint64_t access_pattern_word(mm_va_t va, uint64_t seed)
{
	return va ^ seed;
}

static const char op_letter[] = { 'R', 'W', 'X' };

static enum hw_access_kind hw_kind(enum access_op op)
{
	return op == ACCESS_WRITE ? HW_WRITE : op == ACCESS_EXEC ? HW_EXEC : HW_READ;
}

static void set_last(struct mm_kernel *k, const char *result, mm_va_t va, mm_pa_t pa)
{
	struct access_last *l = &k->tasks->last;
	l->valid = true;
	l->result = result;
	l->va = va;
	l->paddr = pa;
}

static void account_fault(struct task_struct *t, const struct fault_info *info)
{
	if (info->kind == FAULT_KIND_MAJOR || info->kind == FAULT_KIND_SWAPIN)
		t->maj_flt++;
	else
		t->min_flt++;
	if (info->kind == FAULT_KIND_COW || info->cow)
		t->cow_flt++;
}

/*
 * One access of n bytes (within one page) at va. buf: bytes to write or a
 * place for those read; NULL for a touch (the translation alone: a store
 * of the byte already there). Returns 0, or -EFAULT when the task died.
 */
static int access_one(struct mm_kernel *k, struct task_struct *t, mm_va_t va, uint8_t *buf,
		      size_t n, enum access_op op, FILE *verbose, struct access_stats *st)
{
	struct hw_cpu *c = &k->cpus[t->cpu];
	enum hw_access_kind kind = hw_kind(op);
	int first_outcome = -1;
	enum fault_kind fkind = FAULT_KIND_NONE;
	bool faulted = false;
	mm_pa_t pa = 0;
	for (unsigned tries = 0;; tries++) {
		struct hw_fault f;
		int r = mmu_translate(c, va, kind, true, &pa, &f);
		if (first_outcome < 0)
			first_outcome = c->last;
		if (r == 0)
			break;
		if (tries >= MAX_FAULTS_PER_ACCESS) {
			printk(k, "uaccess: %s at 0x%" PRIx64 " still faults after %u handled faults: giving up",
			       t->name, va, tries);
			f.kind = HW_FAULT_PROT;
		}
		struct fault_info info = { .cpu = t->cpu };
		int sig = tries >= MAX_FAULTS_PER_ACCESS ? SIGSEGV : do_user_addr_fault(t->mm, &f, &info);
		st->faults++;
		if (sig) {
			const char *why = info.why ? info.why : "fault handler loop";
			st->signal = sig;
			st->signal_addr = va;
			set_last(k, sig == SIGBUS ? "bus" : "segv", va, 0);
			if (verbose)
				fprintf(verbose, "%s %c 0x%" PRIx64 ": %s (%s): %s killed\n", t->name, op_letter[op],
					va, sig == SIGBUS ? "SIGBUS" : sig == SIGKILL ? "SIGKILL" : "SIGSEGV", why,
					t->name);
			task_kill(k, t, sig, va, f.error_code, why);
			return -EFAULT;
		}
		account_fault(t, &info);
		st->by_kind[info.kind]++;
		/* Report the fault that did the work, not a spurious retry. */
		if (!faulted || info.kind != FAULT_KIND_SPURIOUS)
			fkind = info.kind;
		faulted = true;
	}
	if (buf) {
		void *host = phys_to_host(k->ram, pa);
		if (op == ACCESS_WRITE)
			memcpy(host, buf, n);
		else
			memcpy(buf, host, n);
	}
	st->pages++;
	const char *result;
	if (faulted) {
		result = fault_kind_result(fkind);
	} else if (first_outcome == HW_TLB_HIT_L1I || first_outcome == HW_TLB_HIT_L1D ||
		   first_outcome == HW_TLB_HIT_L2) {
		result = "hit";
		st->hits++;
	} else {
		result = "walk";
		st->walks++;
	}
	set_last(k, result, va, pa);
	if (verbose) {
		if (faulted)
			fprintf(verbose, "%s %c 0x%" PRIx64 ": fault (%s) -> pa 0x%" PRIx64 "\n", t->name,
				op_letter[op], va, fault_kind_name(fkind), pa);
		else if (first_outcome == HW_TLB_DIRTY)
			fprintf(verbose, "%s %c 0x%" PRIx64 ": TLB hit, walk to set D -> pa 0x%" PRIx64 "\n",
				t->name, op_letter[op], va, pa);
		else if (!strcmp(result, "hit"))
			fprintf(verbose, "%s %c 0x%" PRIx64 ": TLB hit (%s) -> pa 0x%" PRIx64 "\n", t->name,
				op_letter[op], va, hw_tlb_outcome_name(first_outcome), pa);
		else
			fprintf(verbose, "%s %c 0x%" PRIx64 ": walk -> pa 0x%" PRIx64 "\n", t->name,
				op_letter[op], va, pa);
	}
	return 0;
}

static int access_begin(struct mm_kernel *k, struct task_struct *t, FILE *verbose)
{
	if (!k->tasks || t->life != TASK_ALIVE || !t->mm)
		return -ESRCH;
	task_set_current(k, t);
	sched_ensure_running(k, t, verbose);
	return 0;
}

int task_access(struct mm_kernel *k, struct task_struct *t, mm_va_t va, void *buf, size_t len,
		enum access_op op, FILE *verbose, struct access_stats *st)
{
	int err = access_begin(k, t, verbose);
	if (err)
		return err;
	uint8_t *b = buf;
	uint64_t page = k->page_size;
	while (len && !err) {
		size_t n = (size_t)MM_MIN((uint64_t)len, page - (va & (page - 1)));
		err = access_one(k, t, va, b, n, op, verbose, st);
		va += n;
		b += n;
		len -= n;
	}
	task_set_current(k, NULL); /* later system calls are the named process's */
	return err;
}

int task_touch(struct mm_kernel *k, struct task_struct *t, mm_va_t va, uint64_t len,
	       enum access_op op, FILE *verbose, struct access_stats *st)
{
	int err = access_begin(k, t, verbose);
	if (err)
		return err;
	uint64_t page = k->page_size;
	mm_va_t end = va + len;
	if (end < va)
		end = UINT64_MAX;
	for (mm_va_t a = va; a < end && !err;) {
		err = access_one(k, t, a, NULL, 1, op, verbose, st);
		mm_va_t next = (a & ~(page - 1)) + page;
		if (next <= a)
			break;
		a = next;
	}
	task_set_current(k, NULL);
	return err;
}
