/*
 * pgd_sync_test.c - a vmalloc mapping made after a process exists reaches
 * that process's page tables (i386 without PAE: arch_sync_kernel_mappings).
 */
#include "kernel/task.h"
#include "mm/internal.h"
#include "mm/mm_struct.h"
#include "mm/vmalloc.h"
#include "sim/machine.h"
#include "test.h"

static bool kernel_half_equal(struct mm_kernel *k, mm_pa_t pgd)
{
	const struct arch_profile *a = k->arch;
	/* The first entry wholly above user space (x86_64: 256; i386: 768). */
	uint64_t span = arch_level_span(a, 0);
	unsigned first = (unsigned)((a->task_size + span - 1) / span);
	for (unsigned i = first; i < arch_table_entries(a, 0); i++) {
		mm_pa_t off = (mm_pa_t)i * a->pte_bytes;
		/* The MMU sets Accessed in whichever copy it walked: ignore it. */
		mm_pte_t mask = ~(mm_pte_t)arch_pte_encode(a, 0, PTE_F_ACCESSED);
		mm_pte_t want = pte_read(k, k->kernel_pgd_pa + off) & mask;
		mm_pte_t got = pte_read(k, pgd + off) & mask;
		if (want != got) {
			printf("  PGD[%u]: kernel 0x%llx, process 0x%llx\n", i,
			       (unsigned long long)want, (unsigned long long)got);
			return false;
		}
	}
	return true;
}

/* i386, 2G: the vmalloc area starts above high_memory (896M) + 8M, i.e. at
 * 0xF8800000, PGD index 0xF8800000 >> 22 = 994. A 16M vmalloc spans at
 * least 4 PGD entries of 4M each, some of them empty until now: after it,
 * A's PGD must hold the same kernel entries as init_mm's, and a walk of
 * A's own tables must reach every page of the buffer. */
TEST(vmalloc_after_spawn_reaches_process_pgd_i386)
{
	struct mm_machine *m = test_boot("i386", 2 * MM_GB, 1, 0);
	struct mm_kernel *k = &m->k;
	struct exe_spec spec;
	struct task_struct *t = NULL;
	char err[256];
	exe_spec_default(k, &spec);
	CHECK_EQ(task_spawn(k, "A", &spec, 0, &t, err, sizeof(err)), 0);
	if (!t) {
		mm_machine_destroy(m);
		return;
	}
	mm_pa_t pgd = t->mm->pgd_pa;
	CHECK(kernel_half_equal(k, pgd));
	mm_va_t v = vmalloc(k, 16 * MM_MB);
	CHECK(v != 0);
	CHECK(kernel_half_equal(k, pgd));
	for (mm_va_t va = v; va < v + 16 * MM_MB; va += 4 * MM_MB) {
		struct pgtable_walk w;
		pgtable_walk(k, pgd, va + 0x123, &w);
		CHECK(w.mapped);
	}
	vfree(k, v);
	mm_machine_destroy(m);
}

/* x86_64: the kernel's top-level entries for the vmalloc area exist from
 * boot, so nothing needs syncing and the copy made at spawn stays right. */
TEST(vmalloc_after_spawn_x86_64_needs_no_sync)
{
	struct mm_machine *m = test_boot("x86_64", 128 * MM_MB, 1, 0);
	struct mm_kernel *k = &m->k;
	struct exe_spec spec;
	struct task_struct *t = NULL;
	char err[256];
	exe_spec_default(k, &spec);
	CHECK_EQ(task_spawn(k, "A", &spec, 0, &t, err, sizeof(err)), 0);
	if (!t) {
		mm_machine_destroy(m);
		return;
	}
	mm_va_t v = vmalloc(k, 4 * MM_MB);
	CHECK(v != 0);
	CHECK(kernel_half_equal(k, t->mm->pgd_pa));
	struct pgtable_walk w;
	pgtable_walk(k, t->mm->pgd_pa, v + 3 * MM_MB, &w);
	CHECK(w.mapped);
	vfree(k, v);
	mm_machine_destroy(m);
}

int main(void)
{
	RUN(vmalloc_after_spawn_reaches_process_pgd_i386);
	RUN(vmalloc_after_spawn_x86_64_needs_no_sync);
	return test_summary();
}
