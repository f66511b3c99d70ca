/*
 * pgd_sync.c - keeping the kernel half of every process PGD in step with
 * init_mm (Linux's arch_sync_kernel_mappings on i386 without PAE).
 *
 *   init_mm PGD        [ user ...            | kernel entries 768..1023   ]
 *   process PGDs       [ user ...            | copies made at pgd_alloc   ]
 *
 * A process PGD gets a copy of init_mm's kernel entries when it is created
 * (user_pgd_alloc). On x86_64 and PAE the kernel's top-level entries never
 * change after boot (vmalloc_init pre-populates them), so the copies stay
 * right. On 2-level i386 the PGD entries ARE the page-table pointers of the
 * vmalloc and kmap areas: when vmalloc makes an empty kernel PGD entry
 * present, every process PGD must receive it, or a process running on its
 * own CR3 would fault on the new kernel mapping. vmalloc calls the hook
 * registered here with the range of PGD indices that changed, and it copies
 * them into every mm on k->mmlist, as Linux walks pgd_list.
 */
#include <string.h>

#include "mm/internal.h"
#include "mm/mm_struct.h"
#include "mm/vmalloc.h"

static void pgd_sync_kernel_range(void *arg, struct mm_kernel *k, unsigned pgd_first,
				  unsigned pgd_last)
{
	(void)arg;
	const struct arch_profile *a = k->arch;
	unsigned n = arch_table_entries(a, 0);
	if (!k->kernel_pgd_pa || pgd_first > pgd_last || pgd_last >= n || !k->mmlist.next)
		return;
	size_t off = (size_t)pgd_first * a->pte_bytes;
	size_t len = (size_t)(pgd_last - pgd_first + 1) * a->pte_bytes;
	const uint8_t *src = (const uint8_t *)phys_to_host(k->ram, k->kernel_pgd_pa) + off;
	struct list_head *p;
	list_for_each(p, &k->mmlist) {
		struct mm_struct *mm = list_entry(p, struct mm_struct, mmlist);
		if (mm->pgd_pa)
			memcpy((uint8_t *)phys_to_host(k->ram, mm->pgd_pa) + off, src, len);
	}
}

void pgd_sync_init(struct mm_kernel *k)
{
	if (k->vmalloc)
		vmalloc_set_sync_hook(k, pgd_sync_kernel_range, NULL);
}
