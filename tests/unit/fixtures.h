/*
 * fixtures.h - what many unit tests set up the same way: a booted machine
 * with a given config, a process and its accesses, PTE look-ups, the free
 * page count, a rendered view and one field of it, the kernel log.
 *
 *   test_try_boot ──> struct mm_machine ──> test_spawn ──> task_struct
 *        │                  │                                 │
 *        │                  ├─ test_view_render / test_view_num
 *        │                  └─ test_free_pages_pcp, test_log_has
 *        └─ NULL (reason printed): the test checks and stops
 *
 * Failures are printed here and returned (NULL, -1, 0), never fatal: the
 * test's own CHECK decides. test_boot (test.h) is the fatal variant.
 */
#ifndef MMSIM_TEST_FIXTURES_H
#define MMSIM_TEST_FIXTURES_H

#include "kernel/task.h"
#include "mm/internal.h"
#include "mm/memory.h"
#include "mm/slab.h"
#include "proc/view.h"
#include "sim/machine.h"
#include "test.h"

/* ---- machines ---------------------------------------------------------------- */

/* test_config(arch, ram_bytes, cpus) with debug_checks (-1: the build's default) booted; NULL with the reason printed. */
static inline struct mm_machine *test_try_boot(const char *arch, uint64_t ram_bytes, unsigned cpus,
					       int debug_checks)
{
	struct mm_machine_config cfg;
	test_config(&cfg, arch, ram_bytes, cpus);
	cfg.debug_checks = debug_checks;
	return test_boot_config(&cfg);
}

/*
 * The default machine with cpus (0: default) whose slab runs with exactly
 * slub_debug (boot is redone by hand if it did not pass it on); ends the
 * binary when boot fails.
 */
static inline struct mm_machine *test_boot_slab(unsigned cpus, const char *slub_debug)
{
	struct mm_machine_config cfg;
	test_config(&cfg, NULL, 0, cpus);
	snprintf(cfg.slub_debug, sizeof(cfg.slub_debug), "%s", slub_debug);
	struct mm_machine *m = test_boot_config(&cfg);
	if (!m)
		exit(1);
	if (m->k.slab && strcmp(m->k.slub_debug, slub_debug) != 0)
		kmem_cache_fini(&m->k);
	if (!m->k.slab) {
		snprintf(m->k.slub_debug, sizeof(m->k.slub_debug), "%s", slub_debug);
		if (kmem_cache_init(&m->k))
			exit(1);
	}
	return m;
}

/* Tear down the slab, then the machine (the order a slab test needs). */
static inline void test_shutdown(struct mm_machine *m)
{
	kmem_cache_fini(&m->k);
	mm_machine_destroy(m);
}

/* The full invariant and VM checks of a machine: true when all hold. */
static inline bool test_checks_ok(struct mm_machine *m)
{
	return mm_check_invariants(&m->k) && mm_check_vm_full(&m->k);
}

/* Does the kernel log contain s anywhere? */
static inline bool test_log_has(const struct mm_kernel *k, const char *s)
{
	return k->log.buf && strstr(k->log.buf, s) != NULL;
}

/* Free pages wherever they wait, buddy lists and per-CPU lists, without draining. */
static inline uint64_t test_free_pages_pcp(struct mm_kernel *k)
{
	uint64_t n = global_free_pages(k);
	for (int z = 0; z < MAX_NR_ZONES; z++)
		n += zone_pcp_pages(k, &k->node.node_zones[z]);
	return n;
}

/* ---- processes ----------------------------------------------------------------- */

/* Spawn name on cpu with the default executable; NULL with the reason printed. */
static inline struct task_struct *test_spawn(struct mm_machine *m, const char *name, unsigned cpu)
{
	struct exe_spec spec;
	struct task_struct *t = NULL;
	char err[256] = "";
	exe_spec_default(&m->k, &spec);
	if (task_spawn(&m->k, name, &spec, cpu, &t, err, sizeof(err)))
		printf("  spawn %s: %s\n", name, err);
	return t;
}

/* Fork p (a thread when thread); NULL with the reason printed. */
static inline struct task_struct *test_fork(struct mm_machine *m, struct task_struct *p,
					    const char *name, bool thread)
{
	struct task_struct *t = NULL;
	char err[256] = "";
	if (task_fork(&m->k, p, name, thread, &t, err, sizeof(err)))
		printf("  fork %s: %s\n", name, err);
	return t;
}

/* t reads or writes [va, va+len) as user code would; st may be NULL. 0 or -errno. */
static inline int test_access(struct mm_machine *m, struct task_struct *t, mm_va_t va, void *buf,
			      size_t len, enum access_op op, struct access_stats *st)
{
	struct access_stats dummy = { 0 };
	return task_access(&m->k, t, va, buf, len, op, NULL, st ? st : &dummy);
}

/* The PTE mapping va in t, or 0 when no table reaches it. */
static inline mm_pte_t test_pte(struct task_struct *t, mm_va_t va)
{
	mm_pa_t e;
	unsigned level;
	if (!user_pte_lookup(t->mm, va, &level, &e))
		return 0;
	return pte_read(t->mm->k, e);
}

/* The physical address of va's frame in t (0 when unmapped). */
static inline mm_pa_t test_pte_pa(struct task_struct *t, mm_va_t va)
{
	return (mm_pa_t)arch_pte_pfn(t->mm->k->arch, test_pte(t, va)) << t->mm->k->page_shift;
}

/* The arch-neutral PTE_F_* flags of va's PTE in t (0 when unmapped). */
static inline unsigned test_pte_flags(struct task_struct *t, mm_va_t va)
{
	return arch_pte_flags(t->mm->k->arch, test_pte(t, va));
}

/* ---- views ------------------------------------------------------------------------ */

/* Render view fn of m with no arguments into o (initialised here); checks it returned 0. */
static inline void test_view_render(struct mm_machine *m, view_render_fn fn, struct view_out *o)
{
	char err[128] = "";
	view_out_init(o);
	int r = fn(m, 0, NULL, o, err, sizeof(err));
	if (r)
		printf("  render: %s\n", err);
	CHECK_EQ(r, 0);
}

/* The number at path in o, or -1 (and a note) when it is missing or not a number. */
static inline int64_t test_view_num(const struct view_out *o, const char *path)
{
	const struct view_field *f = view_find(o, path);
	if (!f || (f->kind != VF_NUM && f->kind != VF_UNUM)) {
		printf("  no number at %s\n", path);
		return -1;
	}
	return f->num;
}

#endif
