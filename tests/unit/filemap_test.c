/*
 * filemap_test.c - the page cache: the radix tree and its slab nodes,
 * faults (major, minor, SIGBUS), read-around and ondemand readahead,
 * WILLNEED, dirty pages and writeback, page_mkclean through a real PTE,
 * truncation, drop_caches, i_mmap.
 *
 * Every expected number is worked out in the comment beside it from
 * Linux's rules on the default x86_64 machine: 4K pages, ra_pages = 128K
 * / 4K = 32, read-around window 32 centred on the fault with async_size
 * 32/4 = 8, pgpgin/pgpgout kept in 512-byte sectors (8 per page).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "fs/simfs.h"
#include "mm/filemap.h"
#include "mm/internal.h"
#include "mm/mm_struct.h"
#include "mm/slab.h"
#include "sim/machine.h"
#include "fixtures.h"
#include "test.h"

#define PAGE 4096ULL

static struct mm_machine *boot(const char *arch)
{
	return test_try_boot(arch, 0, 0, 1);
}

static struct simfile *mkfile(struct mm_kernel *k, const char *name, uint64_t size)
{
	struct simfile *f = NULL;
	char err[256];
	if (simfs_create(k, name, size, &f, err, sizeof(err)))
		printf("  simfs_create %s: %s\n", name, err);
	return f;
}

/* Put a fresh page at index (the cache then holds the only reference). */
static struct page *add_page(struct address_space *m, pgoff_t index)
{
	struct page *p = page_cache_alloc(m);
	if (!p)
		return NULL;
	if (add_to_page_cache_lru(p, m, index, m->gfp_mask)) {
		put_page(m->k, p);
		return NULL;
	}
	put_page(m->k, p);
	return p;
}

static uint64_t radix_objs(struct mm_kernel *k)
{
	struct kmem_cache *s = kmem_named_cache(k, KMEM_RADIX_TREE_NODE);
	return s ? s->nr_allocated : 0;
}

/* A VMA that maps f from page 0, enough for filemap_fault. */
static struct vm_area_struct fake_vma(struct simfile *f, vm_flags_t flags)
{
	struct vm_area_struct v;
	memset(&v, 0, sizeof(v));
	v.vm_file = f;
	v.vm_flags = flags;
	return v;
}

/* ---- the tree ---------------------------------------------------------------- */

TEST(tree_nodes_grow_and_shrink)
{
	struct mm_machine *mach = boot("x86_64");
	struct mm_kernel *k = &mach->k;
	struct simfile *f = mkfile(k, "t", 64 * MM_MB);
	struct address_space *m = simfile_mapping(f);
	uint64_t base = radix_objs(k);

	/* Page 0 alone lives in xa_head: no node. */
	struct page *p0 = add_page(m, 0);
	CHECK_EQ(m->nr_nodes, 0);
	CHECK_EQ(radix_objs(k) - base, 0);
	/* Page 1: one shift-0 node holds slots 0 and 1. */
	add_page(m, 1);
	CHECK_EQ(m->nr_nodes, 1);
	/* Page 64 = 1 << 6: a shift-6 root over two shift-0 leaves = 3. */
	add_page(m, 64);
	CHECK_EQ(m->nr_nodes, 3);
	/* Page 4096 = 1 << 12: a shift-12 root, and under its slot 1 a shift-6
	 * node and a leaf: 3 + 3 = 6. */
	struct page *p4096 = add_page(m, 4096);
	CHECK_EQ(m->nr_nodes, 6);
	CHECK_EQ(radix_objs(k) - base, 6); /* every node is a radix_tree_node object */
	CHECK_EQ(m->nrpages, 4);
	CHECK_EQ(k->vm.item[VM_nr_file_pages], 4);
	CHECK(filemap_check(m));

	struct page *g = find_get_page(m, 4096);
	CHECK(g == p4096);
	CHECK_EQ(g->_refcount, 2); /* the cache's + ours */
	put_page(k, g);
	CHECK(find_get_page(m, 4095) == NULL);
	CHECK(find_get_page(m, 1ULL << 40) == NULL);

	/* Remove 4096: its leaf and shift-6 node go, the root shrinks back to
	 * the shift-6 node: 3. */
	delete_from_page_cache(p4096);
	CHECK_EQ(m->nr_nodes, 3);
	/* Remove 64: its leaf goes; the root then holds only slot 0, so it
	 * shrinks to the leaf of pages 0 and 1: 1 node. */
	delete_from_page_cache(filemap_get_entry(m, 64));
	CHECK_EQ(m->nr_nodes, 1);
	CHECK(filemap_check(m));
	/* Remove 1: the leaf holds only slot 0: page 0 goes back to xa_head. */
	delete_from_page_cache(filemap_get_entry(m, 1));
	CHECK_EQ(m->nr_nodes, 0);
	CHECK(filemap_get_entry(m, 0) == p0);
	delete_from_page_cache(p0);
	CHECK(m->xa_head == NULL);
	CHECK_EQ(radix_objs(k) - base, 0);
	CHECK_EQ(k->vm.item[VM_nr_file_pages], 0);
	CHECK(filemap_check_all(k));
	mm_machine_destroy(mach);
}

TEST(tree_random_against_a_bitmap)
{
	struct mm_machine *mach = boot("x86_64");
	struct mm_kernel *k = &mach->k;
	struct simfile *f = mkfile(k, "r", 2 * MM_GB); /* past index 300000 */
	struct address_space *m = simfile_mapping(f);
	enum { N = 20000, MAXI = 300000 };
	static unsigned char present[MAXI];
	memset(present, 0, sizeof(present));
	uint64_t seed = 12345, n = 0;
	for (int i = 0; i < N; i++) {
		seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
		uint64_t idx = (seed >> 33) % MAXI;
		if (seed & 1) { /* small indices more often: deep and shallow trees */
			idx %= 200;
		}
		if (present[idx]) {
			delete_from_page_cache(filemap_get_entry(m, idx));
			present[idx] = 0;
			n--;
		} else if (add_page(m, idx)) {
			present[idx] = 1;
			n++;
			if (seed & 2)
				set_page_dirty(k, filemap_get_entry(m, idx));
		}
	}
	CHECK_EQ(m->nrpages, n);
	CHECK(filemap_check(m));
	uint64_t found = 0;
	for (uint64_t i = 0; i < MAXI; i++) {
		void *e = filemap_get_entry(m, i);
		if ((e != NULL) != (present[i] != 0)) {
			CHECK(0);
			break;
		}
		found += e != NULL;
	}
	CHECK_EQ(found, n);
	/* Writeback writes exactly the marked pages (dirty pages deleted on
	 * the way were discarded, as truncate discards them). */
	uint64_t dirty = m->nrdirty, written0 = k->vm.item[VM_nr_written];
	CHECK(dirty > 0);
	CHECK_EQ(k->vm.item[VM_nr_dirty], dirty);
	filemap_write_and_wait(m);
	CHECK_EQ(m->nrdirty, 0);
	CHECK_EQ(k->vm.item[VM_nr_dirty], 0);
	CHECK_EQ(k->vm.item[VM_nr_written] - written0, dirty);
	CHECK(filemap_check_all(k));
	mm_machine_destroy(mach);
}

/* ---- faults and readahead ------------------------------------------------------- */

TEST(fault_read_around_and_async)
{
	struct mm_machine *mach = boot("x86_64");
	struct mm_kernel *k = &mach->k;
	struct simfile *f = mkfile(k, "data", MM_MB); /* 256 pages */
	struct address_space *m = simfile_mapping(f);
	struct vm_area_struct vma = fake_vma(f, VM_READ | VM_MAYREAD);
	struct page *p;
	bool major;
	uint64_t majfault0 = k->vm.item[VM_pgmajfault], pgpgin0 = k->vm.item[VM_pgpgin];
	CHECK_EQ(m->ra.ra_pages, 32);

	/* Fault at 0: major. mmap_miss 0 -> 1; read-around start max(0, 0-16)
	 * = 0, size 32, async 8: pages 0..31, PG_readahead on page 32-8 = 24. */
	CHECK_EQ(filemap_fault(&vma, 0, &p, &major), 0);
	CHECK(major);
	CHECK_EQ(m->nrpages, 32);
	CHECK_EQ(k->vm.item[VM_pgmajfault] - majfault0, 1);
	CHECK_EQ(k->vm.item[VM_pgpgin] - pgpgin0, 32 * 8); /* sectors */
	CHECK(PageFlag(filemap_get_entry(m, 24), PG_readahead));
	CHECK(!PageFlag(filemap_get_entry(m, 23), PG_readahead));
	CHECK_EQ(p->_refcount, 2); /* the cache's + the one handed to the caller */
	put_page(k, p);
	CHECK_EQ(m->ra.mmap_miss, 1);

	/* Fault at 1: minor, pays back the miss (1 -> 0). */
	CHECK_EQ(filemap_fault(&vma, 1, &p, &major), 0);
	CHECK(!major);
	put_page(k, p);
	CHECK_EQ(m->ra.mmap_miss, 0);
	CHECK_EQ(m->nrpages, 32);

	/* Fault at 24 (the marker): minor; async readahead. ra was start 0
	 * size 32 async 8: expected index 0 + 32 - 8 = 24, so start = 32,
	 * size = get_next_ra_size(32, max 32) = 32, async = 32: pages
	 * 32..63, PG_readahead on the first (i = 32 - 32 = 0). */
	CHECK_EQ(filemap_fault(&vma, 24, &p, &major), 0);
	CHECK(!major);
	put_page(k, p);
	CHECK_EQ(m->nrpages, 64);
	CHECK(!PageFlag(filemap_get_entry(m, 24), PG_readahead));
	CHECK(PageFlag(filemap_get_entry(m, 32), PG_readahead));
	CHECK_EQ(m->ra.start, 32);
	CHECK_EQ(m->ra.size, 32);

	/* Fault at 100: major; window 84..115, marker at 84 + 24 = 108. */
	CHECK_EQ(filemap_fault(&vma, 100, &p, &major), 0);
	CHECK(major);
	put_page(k, p);
	CHECK_EQ(m->nrpages, 96);
	CHECK(PageFlag(filemap_get_entry(m, 108), PG_readahead));
	CHECK(filemap_get_entry(m, 83) == NULL);

	/* Fault at 255 (the last page): major; window would be 239..270, cut
	 * at the page holding the last byte (255): 17 pages, marker at
	 * i = 17 - 8 = 9 -> page 248. */
	CHECK_EQ(filemap_fault(&vma, 255, &p, &major), 0);
	CHECK(major);
	put_page(k, p);
	CHECK_EQ(m->nrpages, 96 + 17);
	CHECK(PageFlag(filemap_get_entry(m, 248), PG_readahead));

	/* Fault at 256: past the page holding EOF: SIGBUS. */
	CHECK_EQ(filemap_fault(&vma, 256, &p, &major), -EFAULT);
	CHECK(p == NULL);
	CHECK_EQ(k->vm.item[VM_pgmajfault] - majfault0, 3);
	CHECK(filemap_check_all(k));
	mm_machine_destroy(mach);
}

TEST(fault_random_reads_stop_read_around)
{
	struct mm_machine *mach = boot("x86_64");
	struct mm_kernel *k = &mach->k;
	struct simfile *f = mkfile(k, "big", 64 * MM_MB); /* 16384 pages */
	struct address_space *m = simfile_mapping(f);
	struct vm_area_struct vma = fake_vma(f, VM_READ | VM_RAND_READ);
	struct page *p;
	bool major;
	/* VM_RAND_READ (MADV_RANDOM): no readahead, one page per fault. */
	CHECK_EQ(filemap_fault(&vma, 1000, &p, &major), 0);
	put_page(k, p);
	CHECK(major);
	CHECK_EQ(m->nrpages, 1);

	/* Without it: misses 1..100 still read around; from the 101st miss
	 * (mmap_miss 101 > MMAP_LOTSAMISS) only the faulting page is read.
	 * Faults 200 pages apart never hit a window: 101 windows of 32, then
	 * single pages. */
	vma.vm_flags = VM_READ;
	uint64_t before = m->nrpages;
	for (int i = 0; i < 110; i++) {
		CHECK_EQ(filemap_fault(&vma, 2000 + 100 * (uint64_t)i, &p, &major), 0);
		put_page(k, p);
	}
	/* Windows [2000+100i-16, +32): disjoint (100 apart), none touching
	 * page 1000: 100 windows of 32, then 10 single pages. */
	CHECK_EQ(m->nrpages - before, 100 * 32 + 10);
	CHECK_EQ(m->ra.mmap_miss, 110);
	mm_machine_destroy(mach);
}

TEST(short_file_tail_is_zero_and_sigbus)
{
	struct mm_machine *mach = boot("x86_64");
	struct mm_kernel *k = &mach->k;
	struct simfile *f = mkfile(k, "short", 5000); /* pages 0 and 1 */
	uint8_t buf[5000];
	memset(buf, 0x5a, sizeof(buf));
	CHECK_EQ(filemap_write(simfile_mapping(f), 0, buf, 5000), 5000);
	struct vm_area_struct vma = fake_vma(f, VM_READ);
	struct page *p;
	bool major;
	CHECK_EQ(filemap_fault(&vma, 1, &p, &major), 0);
	CHECK(!major); /* write() left it cached */
	const uint8_t *b = page_to_host(k, p);
	CHECK_EQ(b[5000 - 4096 - 1], 0x5a);
	CHECK_EQ(b[5000 - 4096], 0); /* the tail past EOF reads zeros */
	CHECK_EQ(b[4095], 0);
	put_page(k, p);
	CHECK_EQ(filemap_fault(&vma, 2, &p, &major), -EFAULT);
	mm_machine_destroy(mach);
}

TEST(read_ondemand_sequential)
{
	struct mm_machine *mach = boot("x86_64");
	struct mm_kernel *k = &mach->k;
	struct simfile *f = mkfile(k, "seq", MM_MB);
	struct address_space *m = simfile_mapping(f);
	uint8_t buf[PAGE];
	/* read(0, 4K): miss at 0, start of file: initial window
	 * get_init_ra_size(1, 32) = 4 (1 <= 32/32: x4), async 4 - 1 = 3:
	 * pages 0..3, PG_readahead on i = 4 - 3 = 1. */
	CHECK_EQ(filemap_read(m, 0, buf, PAGE), PAGE);
	CHECK_EQ(m->nrpages, 4);
	CHECK(PageFlag(filemap_get_entry(m, 1), PG_readahead));
	/* read(4K): page 1, marked: expected 0 + 4 - 3 = 1: start 4, size
	 * get_next_ra_size(4, 32) = 8 (4 <= 16: x2), async 8: pages 4..11,
	 * marker on page 4. */
	CHECK_EQ(filemap_read(m, PAGE, buf, PAGE), PAGE);
	CHECK_EQ(m->nrpages, 12);
	CHECK(PageFlag(filemap_get_entry(m, 4), PG_readahead));
	CHECK_EQ(filemap_read(m, 2 * PAGE, buf, PAGE), PAGE);
	CHECK_EQ(filemap_read(m, 3 * PAGE, buf, PAGE), PAGE);
	CHECK_EQ(m->nrpages, 12);
	/* read(16K): page 4, marked: expected 4 + 8 - 8 = 4: start 12, size
	 * 16, async 16: pages 12..27. */
	CHECK_EQ(filemap_read(m, 4 * PAGE, buf, PAGE), PAGE);
	CHECK_EQ(m->nrpages, 28);
	CHECK_EQ(m->ra.start, 12);
	CHECK_EQ(m->ra.size, 16);
	/* A random small read far away: not sequential (prev_pos is 20K,
	 * page 5), no history below page 200: just that page. */
	CHECK_EQ(filemap_read(m, 200 * PAGE, buf, 10), 10);
	CHECK_EQ(m->nrpages, 29);
	/* Reading past EOF returns 0; across it, a short count. */
	CHECK_EQ(filemap_read(m, MM_MB, buf, 10), 0);
	CHECK_EQ(filemap_read(m, MM_MB - 6, buf, 10), 6);
	mm_machine_destroy(mach);
}

/*
 * The x4 step of get_next_ra_size (cur < max/16) never fires with the
 * default 32-page window (the first window is already 4 = 32/8). With
 * ra_pages 128 (blockdev --setra 1024) it does:
 *   read(0):  get_init_ra_size(1, 128) = 4 (1 <= 128/32): pages 0..3,
 *             async 3, marker on page 1
 *   read(1):  4 < 128/16 = 8: x4 = 16, start 4: pages 4..19, marker 4
 *   read(4):  16 <= 64: x2 = 32, start 20: pages 20..51, marker 20
 *   read(20): 32 <= 64: x2 = 64, start 52: pages 52..115
 *   read(52): 64 <= 64: x2 = 128 (= max), start 116: pages 116..243
 */
TEST(read_ondemand_ramps_x4_then_x2_up_to_ra_pages)
{
	struct mm_machine *mach = boot("x86_64");
	struct mm_kernel *k = &mach->k;
	struct simfile *f = mkfile(k, "ramp", MM_MB);
	struct address_space *m = simfile_mapping(f);
	m->ra.ra_pages = 128;
	uint8_t buf[PAGE];
	CHECK_EQ(filemap_read(m, 0, buf, PAGE), PAGE);
	CHECK_EQ(m->nrpages, 4);
	CHECK_EQ(filemap_read(m, 1 * PAGE, buf, PAGE), PAGE);
	CHECK_EQ(m->ra.start, 4);
	CHECK_EQ(m->ra.size, 16);
	CHECK_EQ(m->nrpages, 20);
	CHECK_EQ(filemap_read(m, 4 * PAGE, buf, PAGE), PAGE);
	CHECK_EQ(m->ra.size, 32);
	CHECK_EQ(m->nrpages, 52);
	CHECK_EQ(filemap_read(m, 20 * PAGE, buf, PAGE), PAGE);
	CHECK_EQ(m->ra.size, 64);
	CHECK_EQ(m->nrpages, 116);
	CHECK_EQ(filemap_read(m, 52 * PAGE, buf, PAGE), PAGE);
	CHECK_EQ(m->ra.start, 116);
	CHECK_EQ(m->ra.size, 128);
	CHECK_EQ(m->nrpages, 244);
	mm_machine_destroy(mach);
}

TEST(willneed_is_capped_at_ra_pages)
{
	struct mm_machine *mach = boot("x86_64");
	struct mm_kernel *k = &mach->k;
	struct simfile *f = mkfile(k, "w", MM_MB);
	struct address_space *m = simfile_mapping(f);
	/* force_page_cache_ra: min(1000, max(io_pages 32, ra_pages 32)) = 32. */
	CHECK_EQ(force_page_cache_readahead(m, 10, 1000), 32);
	CHECK_EQ(m->nrpages, 32);
	CHECK(filemap_get_entry(m, 41) != NULL);
	CHECK(filemap_get_entry(m, 42) == NULL);
	/* Again: everything cached, nothing read. */
	CHECK_EQ(force_page_cache_readahead(m, 10, 1000), 0);
	mm_machine_destroy(mach);
}

/* ---- dirty pages ----------------------------------------------------------------- */

TEST(write_dirty_then_writeback)
{
	struct mm_machine *mach = boot("x86_64");
	struct mm_kernel *k = &mach->k;
	struct simfile *f = mkfile(k, "d", 0);
	struct address_space *m = simfile_mapping(f);
	uint64_t dirtied0 = k->vm.item[VM_nr_dirtied], out0 = k->vm.item[VM_pgpgout];
	char msg[] = "page cache";
	/* 10 bytes at 4090: pages 0 and 1, both new (i_size grows to 4100). */
	CHECK_EQ(filemap_write(m, 4090, msg, 10), 10);
	CHECK_EQ(simfile_size(f), 4100);
	CHECK_EQ(m->nrdirty, 2);
	CHECK_EQ(k->vm.item[VM_nr_dirty], 2);
	CHECK_EQ(k->vm.item[VM_nr_dirtied] - dirtied0, 2);
	/* Dirtying again does not count again. */
	CHECK(!set_page_dirty(k, filemap_get_entry(m, 0)));
	CHECK_EQ(k->vm.item[VM_nr_dirtied] - dirtied0, 2);
	/* The disk has nothing yet. */
	char disk[16] = { 0 };
	simfs_disk_read(f, 4090, disk, 10);
	CHECK(memcmp(disk, msg, 10) != 0);
	/* fsync: both pages written: page 0 whole (8 sectors), page 1 only up
	 * to i_size: 4 bytes, counted as bytes/512 with the remainder kept
	 * (8 sectors + 4 bytes carried). */
	CHECK_EQ(simfs_fsync(f), 0);
	CHECK_EQ(k->vm.item[VM_nr_dirty], 0);
	CHECK_EQ(m->nrdirty, 0);
	CHECK_EQ(k->vm.item[VM_pgpgout] - out0, 8);
	CHECK_EQ(k->vm.item[VM_nr_writeback], 0);
	simfs_disk_read(f, 4090, disk, 10);
	CHECK(memcmp(disk, msg, 10) == 0);
	CHECK(!PageFlag(filemap_get_entry(m, 0), PG_dirty));
	CHECK(filemap_check_all(k));
	mm_machine_destroy(mach);
}

TEST(page_mkclean_through_a_shared_mapping)
{
	struct mm_machine *mach = boot("x86_64");
	struct mm_kernel *k = &mach->k;
	const struct arch_profile *a = k->arch;
	struct simfile *f = mkfile(k, "shared", 2 * PAGE);
	struct address_space *m = simfile_mapping(f);
	struct mm_struct *mm = mm_alloc(k);
	CHECK(mm != NULL);
	if (!mm)
		return;
	int64_t addr = vm_mmap(mm, 0, 2 * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, f, 0);
	CHECK(addr > 0);
	/* i_mmap: the VMA maps pages 0..1. */
	struct vm_area_struct *vma = mapping_next_vma(m, NULL, 1, 1);
	CHECK(vma != NULL && vma->vm_start == (mm_va_t)addr);
	CHECK(mapping_next_vma(m, vma, 0, 1) == NULL);
	CHECK(mapping_next_vma(m, NULL, 2, 10) == NULL); /* nothing maps page 2 */
	CHECK(mapping_mapped(m));

	/* Map page 1 writable and dirty by hand, as a write fault would, and
	 * dirty the page as do_shared_fault does. */
	struct page *p;
	bool major;
	CHECK_EQ(filemap_fault(vma, 1, &p, &major), 0);
	mm_pa_t entry;
	CHECK_EQ(user_pte_alloc(mm, (mm_va_t)addr + PAGE, &entry), 0);
	unsigned fl = PTE_F_PRESENT | PTE_F_WRITE | PTE_F_USER | PTE_F_ACCESSED | PTE_F_DIRTY | PTE_F_NX;
	pte_write(k, entry, arch_pte_encode(a, page_to_pfn(k, p), fl));
	p->_mapcount = 1;
	add_mm_counter(mm, MM_FILEPAGES, 1);
	set_page_dirty(k, p);
	memcpy(page_to_host(k, p), "via mmap", 8);

	/* Writeback cleans the PTE (read-only, D clear) and writes the page. */
	CHECK_EQ(filemap_write_and_wait_range(m, PAGE, 2 * PAGE - 1), 0);
	unsigned now = arch_pte_flags(a, pte_read(k, entry));
	CHECK(now & PTE_F_PRESENT);
	CHECK(!(now & PTE_F_WRITE));
	CHECK(!(now & PTE_F_DIRTY));
	char disk[8];
	simfs_disk_read(f, PAGE, disk, 8);
	CHECK(memcmp(disk, "via mmap", 8) == 0);
	/* A dirty PTE on a clean page: writeback finds it through
	 * page_mkclean and writes the page. */
	pte_write(k, entry, arch_pte_encode(a, page_to_pfn(k, p), fl));
	memcpy(page_to_host(k, p), "again!!!", 8);
	uint64_t written = k->vm.item[VM_nr_written];
	CHECK_EQ(filemap_write_and_wait(m), 0);
	CHECK_EQ(k->vm.item[VM_nr_written] - written, 1);
	simfs_disk_read(f, PAGE, disk, 8);
	CHECK(memcmp(disk, "again!!!", 8) == 0);

	/* A mapped page survives drop_caches; truncate unmaps it. */
	int64_t one = 1;
	CHECK_EQ(mm_sysctl_set(k, "vm.drop_caches", &one, 1, NULL, 0), 0);
	CHECK(filemap_get_entry(m, 1) == p);
	CHECK(filemap_get_entry(m, 0) == NULL); /* read-around's clean, unmapped page 0 */
	CHECK_EQ(simfs_truncate(f, 100), 0);
	CHECK(filemap_get_entry(m, 1) == NULL);
	CHECK_EQ(pte_read(k, entry), 0); /* zapped */
	CHECK_EQ(get_mm_counter(mm, MM_FILEPAGES), 0);
	CHECK_EQ(m->nrpages, 0);
	CHECK(filemap_check_all(k));
	mm_free(mm);
	mm_machine_destroy(mach);
}

TEST(drop_caches_frees_clean_pages_and_nodes)
{
	struct mm_machine *mach = boot("x86_64");
	struct mm_kernel *k = &mach->k;
	struct simfile *f = mkfile(k, "dc", 4 * MM_MB);
	struct address_space *m = simfile_mapping(f);
	uint64_t nodes0 = radix_objs(k);
	uint8_t buf[PAGE];
	for (uint64_t i = 0; i < 200; i++)
		filemap_read(m, i * PAGE, buf, PAGE);
	CHECK_EQ(filemap_write(m, 0, "x", 1), 1); /* page 0 dirty: kept */
	CHECK(m->nrpages >= 200);
	CHECK(radix_objs(k) > nodes0);
	int64_t v = 1;
	char err[128];
	CHECK_EQ(mm_sysctl_set(k, "vm.drop_caches", &v, 1, err, sizeof(err)), 0);
	CHECK_EQ(m->nrpages, 1);
	CHECK_EQ(m->nr_nodes, 0); /* page 0 alone: back in xa_head */
	CHECK_EQ(radix_objs(k), nodes0);
	CHECK_EQ(k->vm.item[VM_drop_pagecache], 1);
	int64_t got;
	CHECK_EQ(mm_sysctl_get(k, "vm.drop_caches", &got, 1, NULL, 0), 1);
	CHECK_EQ(got, 1);
	v = 5;
	CHECK_EQ(mm_sysctl_set(k, "vm.drop_caches", &v, 1, err, sizeof(err)), -EINVAL);
	/* After sync, the last page goes too; free memory is back where it
	 * was (per-CPU lists aside: compare with the pcp pages added back). */
	simfs_fsync(f);
	v = 3;
	CHECK_EQ(mm_sysctl_set(k, "vm.drop_caches", &v, 1, err, sizeof(err)), 0);
	CHECK_EQ(m->nrpages, 0);
	CHECK_EQ(k->vm.item[VM_drop_slab], 1);
	CHECK_EQ(k->vm.item[VM_nr_file_pages], 0);
	CHECK_EQ(radix_objs(k), nodes0);
	mm_machine_destroy(mach);
}

TEST(toy_machine_has_a_page_cache_too)
{
	struct mm_machine_config cfg;
	char err[256];
	mm_machine_config_default(&cfg);
	snprintf(cfg.arch, sizeof(cfg.arch), "toy");
	cfg.toy_va_bits = 16;
	cfg.toy_pa_bits = 16;
	cfg.toy_page_bytes = 256;
	cfg.toy_levels = 2;
	struct mm_machine *mach = mm_machine_create(&cfg, err, sizeof(err));
	CHECK(mach != NULL);
	if (!mach) {
		printf("  %s\n", err);
		return;
	}
	struct mm_kernel *k = &mach->k;
	struct simfile *f = mkfile(k, "toy", 4096); /* 16 pages of 256 bytes */
	struct address_space *m = simfile_mapping(f);
	/* ra_pages = 128K / 256 = 512, capped at a quarter of RAM. */
	CHECK(m->ra.ra_pages <= k->totalram_pages / 4);
	struct vm_area_struct vma = fake_vma(f, VM_READ);
	struct page *p;
	bool major;
	uint64_t in0 = k->vm.item[VM_pgpgin];
	CHECK_EQ(filemap_fault(&vma, 3, &p, &major), 0);
	CHECK(major);
	put_page(k, p);
	/* The whole 16-page file fits the window: 16 pages of 256 bytes =
	 * 4096 bytes = 8 sectors. */
	CHECK_EQ(m->nrpages, 16);
	CHECK_EQ(k->vm.item[VM_pgpgin] - in0, 8);
	CHECK(filemap_check_all(k));
	mm_machine_destroy(mach);
}

TEST(out_of_memory_leaves_the_cache_consistent)
{
	struct mm_machine_config cfg;
	char err[256];
	mm_machine_config_default(&cfg);
	cfg.ram_bytes = 24 * MM_MB; /* near the smallest x86_64 machine that boots */
	struct mm_machine *mach = mm_machine_create(&cfg, err, sizeof(err));
	CHECK(mach != NULL);
	if (!mach)
		return;
	struct mm_kernel *k = &mach->k;
	struct simfile *f = mkfile(k, "huge", 64 * MM_MB);
	struct address_space *m = simfile_mapping(f);
	struct vm_area_struct vma = fake_vma(f, VM_READ);
	int last = 0;
	uint64_t i;
	/* Fault page after page (random order: every fault reads around)
	 * until the 24M machine has no page left. */
	for (i = 0; i < 16384 && !last; i++) {
		struct page *p;
		bool major;
		last = filemap_fault(&vma, (i * 7919) % 16384, &p, &major);
		if (!last)
			put_page(k, p);
	}
	CHECK_EQ(last, -ENOMEM);
	CHECK(m->nrpages > 100);
	CHECK(filemap_check_all(k));
	/* Everything is clean and unmapped: drop_caches gives it all back. */
	uint64_t cached = m->nrpages;
	CHECK_EQ(drop_pagecache(k), cached);
	CHECK_EQ(m->nrpages, 0);
	CHECK_EQ(m->nr_nodes, 0);
	CHECK(filemap_check_all(k));
	mm_machine_destroy(mach);
}

int main(void)
{
	RUN(tree_nodes_grow_and_shrink);
	RUN(tree_random_against_a_bitmap);
	RUN(fault_read_around_and_async);
	RUN(fault_random_reads_stop_read_around);
	RUN(short_file_tail_is_zero_and_sigbus);
	RUN(read_ondemand_sequential);
	RUN(read_ondemand_ramps_x4_then_x2_up_to_ra_pages);
	RUN(willneed_is_capped_at_ra_pages);
	RUN(write_dirty_then_writeback);
	RUN(page_mkclean_through_a_shared_mapping);
	RUN(drop_caches_frees_clean_pages_and_nodes);
	RUN(toy_machine_has_a_page_cache_too);
	RUN(out_of_memory_leaves_the_cache_consistent);
	return test_summary();
}
