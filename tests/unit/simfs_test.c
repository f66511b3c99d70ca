/*
 * simfs_test.c - the simulated file system: names, sizes, the sparse
 * disk, host import and export (the sandbox: only the named paths), the
 * I/O counters, references and teardown in either order.
 *
 * Host files used: one temporary directory made with mkdtemp under
 * $TMPDIR (or /tmp), removed at the end.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fs/simfs.h"
#include "mm/filemap.h"
#include "mm/internal.h"
#include "mm/mm_struct.h"
#include "sim/machine.h"
#include "fixtures.h"
#include "test.h"

static char tmpdir[256];

static struct mm_machine *boot(void)
{
	return test_try_boot(NULL, 0, 0, 1);
}

static void host_path(char *buf, size_t len, const char *name)
{
	snprintf(buf, len, "%s/%s", tmpdir, name);
}

static int write_host(const char *path, const void *data, size_t len)
{
	FILE *fp = fopen(path, "wb");
	if (!fp)
		return -1;
	size_t n = fwrite(data, 1, len, fp);
	fclose(fp);
	return n == len ? 0 : -1;
}

static long read_host(const char *path, void *buf, size_t cap)
{
	FILE *fp = fopen(path, "rb");
	if (!fp)
		return -1;
	size_t n = fread(buf, 1, cap, fp);
	fclose(fp);
	return (long)n;
}

TEST(names_and_sizes)
{
	struct mm_machine *m = boot();
	struct mm_kernel *k = &m->k;
	char err[256];
	struct simfile *f = NULL;
	CHECK_EQ(simfs_create(k, "data", 12345, &f, err, sizeof(err)), 0);
	CHECK(f && simfs_lookup(k, "data") == f);
	CHECK_EQ(simfile_size(f), 12345);
	CHECK_EQ(f->ino, SIMFS_FIRST_INO);
	CHECK(strcmp(f->path, "/data") == 0);
	CHECK_EQ(simfs_create(k, "data", 1, NULL, err, sizeof(err)), -EEXIST);
	CHECK_EQ(simfs_create(k, "", 1, NULL, err, sizeof(err)), -EINVAL);
	CHECK_EQ(simfs_create(k, "a b", 1, NULL, err, sizeof(err)), -EINVAL);
	CHECK_EQ(simfs_create(k, "../x", 1, NULL, err, sizeof(err)), -EINVAL);
	CHECK_EQ(simfs_create(k, "x//y", 1, NULL, err, sizeof(err)), -EINVAL);
	CHECK_EQ(simfs_create(k, "lib/", 1, NULL, err, sizeof(err)), -EINVAL);
	CHECK_EQ(simfs_create(k, "big", SIMFS_MAX_FILE_BYTES + 1, NULL, err, sizeof(err)), -EFBIG);
	struct simfile *g = NULL;
	CHECK_EQ(simfs_create(k, "/usr/lib/libc.so.6", 0, &g, err, sizeof(err)), 0);
	CHECK(g && strcmp(g->path, "/usr/lib/libc.so.6") == 0);
	CHECK_EQ(g->ino, SIMFS_FIRST_INO + 1);
	/* maps' view of a file. */
	struct vm_file_info fi;
	CHECK(simfs_vm_file_info(f, &fi));
	CHECK_EQ(fi.dev_major, 8);
	CHECK_EQ(fi.dev_minor, 1);
	CHECK_EQ(fi.ino, 12);
	CHECK(simfs_lookup(k, "nope") == NULL);
	mm_machine_destroy(m);
}

TEST(sparse_disk_and_sectors)
{
	struct mm_machine *m = boot();
	struct mm_kernel *k = &m->k;
	char err[256];
	struct simfile *f = NULL;
	CHECK_EQ(simfs_create(k, "sparse", MM_GB, &f, err, sizeof(err)), 0);
	CHECK_EQ(k->fs->disk_bytes, 0); /* a 1G hole costs nothing */
	uint8_t page[4096];
	memset(page, 7, sizeof(page));
	uint64_t out0 = k->vm.item[VM_pgpgout], in0 = k->vm.item[VM_pgpgin];
	CHECK_EQ(simfs_disk_write(f, 512 * MM_MB, page, sizeof(page)), 0);
	CHECK_EQ(k->fs->disk_bytes, SIMFS_CHUNK_BYTES); /* one 64K chunk */
	CHECK_EQ(k->vm.item[VM_pgpgout] - out0, 8);     /* 4096 / 512 */
	/* Zeros into a hole keep it a hole. */
	memset(page, 0, sizeof(page));
	CHECK_EQ(simfs_disk_write(f, 0, page, sizeof(page)), 0);
	CHECK_EQ(k->fs->disk_bytes, SIMFS_CHUNK_BYTES);
	/* Reads: 6 x 100 bytes = 600 = one sector and 88 bytes carried. */
	for (int i = 0; i < 6; i++)
		CHECK_EQ(simfs_disk_read(f, 512 * MM_MB, page, 100), 0);
	CHECK_EQ(k->vm.item[VM_pgpgin] - in0, 1);
	CHECK_EQ(page[99], 7);
	/* Past EOF: reads zeros, writes refused. */
	CHECK_EQ(simfs_disk_read(f, MM_GB - 10, page, 20), 0);
	CHECK_EQ(page[15], 0);
	CHECK_EQ(simfs_disk_write(f, MM_GB - 10, page, 20), -EINVAL);
	/* Shrinking frees chunks and zeros the cut tail. */
	CHECK_EQ(simfs_truncate(f, 512 * MM_MB + 10), 0);
	CHECK_EQ(simfs_truncate(f, MM_GB), 0);
	CHECK_EQ(simfs_disk_read(f, 512 * MM_MB, page, 20), 0);
	CHECK_EQ(page[9], 7);
	CHECK_EQ(page[10], 0);
	mm_machine_destroy(m);
}

TEST(from_host_and_export)
{
	struct mm_machine *m = boot();
	struct mm_kernel *k = &m->k;
	char err[256], in[300], out[300];
	host_path(in, sizeof(in), "in.bin");
	host_path(out, sizeof(out), "out.bin");
	static uint8_t data[200000];
	for (size_t i = 0; i < sizeof(data); i++)
		data[i] = (uint8_t)(i * 7 + 3);
	CHECK_EQ(write_host(in, data, sizeof(data)), 0);
	struct simfile *f = NULL;
	uint64_t in0 = k->vm.item[VM_pgpgin];
	CHECK_EQ(simfs_create_from_host(k, "in", in, -1, &f, err, sizeof(err)), 0);
	CHECK_EQ(k->vm.item[VM_pgpgin], in0); /* importing is not machine I/O */
	CHECK_EQ(simfile_size(f), sizeof(data));
	uint8_t buf[1000];
	CHECK_EQ(filemap_read(simfile_mapping(f), 150000, buf, 1000), 1000);
	CHECK(memcmp(buf, data + 150000, 1000) == 0);
	/* Change it through the cache; export writes back first. */
	CHECK_EQ(filemap_write(simfile_mapping(f), 100, "EXPORTED", 8), 8);
	CHECK_EQ(simfs_export(f, out, err, sizeof(err)), 0);
	CHECK_EQ(k->vm.item[VM_nr_dirty], 0);
	static uint8_t back[250000];
	CHECK_EQ(read_host(out, back, sizeof(back)), (long)sizeof(data));
	CHECK(memcmp(back + 100, "EXPORTED", 8) == 0);
	CHECK(memcmp(back, data, 100) == 0);
	CHECK(memcmp(back + 108, data + 108, sizeof(data) - 108) == 0);
	/* size= cuts or extends the host file's bytes. */
	struct simfile *g = NULL;
	CHECK_EQ(simfs_create_from_host(k, "cut", in, 10, &g, err, sizeof(err)), 0);
	CHECK_EQ(simfile_size(g), 10);
	CHECK_EQ(simfs_create_from_host(k, "ext", in, 300000, &g, err, sizeof(err)), 0);
	CHECK_EQ(simfs_disk_read(g, 199999, buf, 2), 0);
	CHECK_EQ(buf[0], data[199999]);
	CHECK_EQ(buf[1], 0);
	/* Errors name the host path. */
	char missing[300];
	host_path(missing, sizeof(missing), "missing");
	CHECK_EQ(simfs_create_from_host(k, "m", missing, -1, NULL, err, sizeof(err)), -ENOENT);
	CHECK(strstr(err, "missing") != NULL);
	CHECK_EQ(simfs_create_from_host(k, "d", tmpdir, -1, NULL, err, sizeof(err)), -EISDIR);
	CHECK(simfs_lookup(k, "m") == NULL && simfs_lookup(k, "d") == NULL);
	char nodir[300];
	host_path(nodir, sizeof(nodir), "no/such/dir/x");
	CHECK(simfs_export(f, nodir, err, sizeof(err)) < 0);
	/* A fuzzing harness switches the host off altogether. */
	setenv("MMSIM_NO_HOST_FILES", "1", 1);
	CHECK_EQ(simfs_create_from_host(k, "env", in, -1, NULL, err, sizeof(err)), -EPERM);
	CHECK_EQ(simfs_export(f, out, err, sizeof(err)), -EPERM);
	CHECK(strstr(err, "MMSIM_NO_HOST_FILES") != NULL);
	unsetenv("MMSIM_NO_HOST_FILES");
	unlink(in);
	unlink(out);
	mm_machine_destroy(m);
}

TEST(references_and_teardown_order)
{
	struct mm_machine *m = boot();
	struct mm_kernel *k = &m->k;
	char err[256];
	struct simfile *f = NULL, *g = NULL;
	CHECK_EQ(simfs_create(k, "kept", 8192, &f, err, sizeof(err)), 0);
	CHECK_EQ(simfs_create(k, "gone", 8192, &g, err, sizeof(err)), 0);
	/* A mapping's reference keeps an unlinked file alive. */
	simfs_file_get(g);
	CHECK_EQ(simfs_unlink(k, "gone"), 0);
	CHECK(simfs_lookup(k, "gone") == NULL);
	CHECK_EQ(k->fs->nr_alive, 2);
	CHECK_EQ(simfs_unlink(k, "gone"), -ENOENT);
	uint8_t b[16];
	CHECK_EQ(filemap_read(simfile_mapping(g), 0, b, 16), 16); /* still readable */
	simfs_file_put(g);
	CHECK_EQ(k->fs->nr_alive, 1);
	CHECK_EQ(k->vm.item[VM_nr_file_pages], 0); /* its cache went with it */
	/* Machine teardown first, mapping last: the file outlives k->fs. */
	simfs_file_get(f);
	CHECK_EQ(filemap_read(simfile_mapping(f), 0, b, 16), 16);
	simfs_fini(k);
	CHECK(k->fs == NULL);
	CHECK_EQ(f->mapping.nrpages, 0);
	simfs_file_put(f); /* frees f and the fs (ASan checks) */
	mm_machine_destroy(m);
}

TEST(truncate_zeroes_the_cached_tail)
{
	struct mm_machine *m = boot();
	struct mm_kernel *k = &m->k;
	char err[256];
	struct simfile *f = NULL;
	CHECK_EQ(simfs_create(k, "t", 3 * 4096, &f, err, sizeof(err)), 0);
	uint8_t full[3 * 4096];
	memset(full, 0xee, sizeof(full));
	CHECK_EQ(filemap_write(simfile_mapping(f), 0, full, sizeof(full)), (int64_t)sizeof(full));
	CHECK_EQ(f->mapping.nrpages, 3);
	/* 5000: page 1 holds EOF (904 bytes kept), page 2 dropped. */
	CHECK_EQ(simfs_truncate(f, 5000), 0);
	CHECK_EQ(f->mapping.nrpages, 2);
	CHECK_EQ(k->vm.item[VM_nr_dirty], 2); /* page 2's dirt was discarded */
	/* Growing back shows zeros past 5000, in the cache and on disk. */
	CHECK_EQ(simfs_truncate(f, 3 * 4096), 0);
	uint8_t b[8];
	CHECK_EQ(filemap_read(simfile_mapping(f), 4999, b, 2), 2);
	CHECK_EQ(b[0], 0xee);
	CHECK_EQ(b[1], 0);
	CHECK_EQ(filemap_read(simfile_mapping(f), 9000, b, 1), 1);
	CHECK_EQ(b[0], 0);
	CHECK(filemap_check_all(k));
	mm_machine_destroy(m);
}

int main(void)
{
	const char *t = getenv("TMPDIR");
	snprintf(tmpdir, sizeof(tmpdir), "%s/simfs_test.XXXXXX", t && *t ? t : "/tmp");
	if (!mkdtemp(tmpdir)) {
		printf("cannot create a temporary directory\n");
		return 1;
	}
	RUN(names_and_sizes);
	RUN(sparse_disk_and_sectors);
	RUN(from_host_and_export);
	RUN(references_and_teardown_order);
	RUN(truncate_zeroes_the_cached_tail);
	rmdir(tmpdir);
	return test_summary();
}
