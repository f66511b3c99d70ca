/*
 * simfs.c - the simulated file system: named files whose bytes live in
 * host memory, the "disk" under the page cache.
 *
 *   simfile "data" (i_size 200000)
 *     chunks[]: [ 64K ][ NULL ][ 64K ][ 4K.. ]    64K pieces of the disk,
 *                 0      1       2      3         allocated on first write;
 *                                                  a NULL chunk is a hole
 *                                                  and reads as zeros
 *
 * Three kinds of traffic, kept apart:
 *   - the page cache reads and writes the disk with simfs_disk_read/write:
 *     that is the machine's disk I/O, counted in vmstat pgpgin/pgpgout
 *     (512-byte sectors, as submit_bio counts them);
 *   - `file create ... from=HOSTPATH` fills a new file from the host and
 *     `file export` copies one out: the outside world, not counted;
 *   - everything a process does goes through the page cache (filemap.c).
 *
 * The sandbox: the only host paths ever opened are the one named by
 * from= (read only) and the one named by export (written). No other host
 * file is read, written, listed or created. With MMSIM_NO_HOST_FILES set
 * in the environment (fuzzing), not even those.
 *
 * Lifetime: refcount = 1 for the name + 1 per VMA mapping the file
 * (simfs_file_get/put, the mm_operations hooks) + temporary holders. The
 * last put frees the page cache and the bytes. simfs_fini (machine
 * teardown) drops every name and the page cache of every file; files still
 * mapped linger, without pages, until their last VMA goes, and the fs
 * struct goes with the last file.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fs/simfs.h"
#include "include/strbuf.h"
#include "mm/internal.h"
#include "mm/mm_struct.h"

#define SIMFS_DEFAULT_DISK_LIMIT (4 * MM_GB) /* host bytes all files may hold */

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

/* A harness that runs untrusted scenarios (the fuzzer) sets this in the
 * environment: from= and export then refuse, so no input can reach the
 * host's files at all. */
#define SIMFS_NO_HOST_ENV "MMSIM_NO_HOST_FILES"

static int host_files_allowed(char *err, size_t err_len)
{
	const char *v = getenv(SIMFS_NO_HOST_ENV);
	if (v && *v && strcmp(v, "0") != 0) {
		set_err(err, err_len, "host file access is disabled (%s is set)", SIMFS_NO_HOST_ENV);
		return -EPERM;
	}
	return 0;
}

/* ---- the file system ------------------------------------------------------------ */

struct simfs *simfs_get(struct mm_kernel *k)
{
	if (k->fs)
		return k->fs;
	struct simfs *fs = calloc(1, sizeof(*fs));
	if (!fs)
		return NULL;
	fs->k = k;
	INIT_LIST_HEAD(&fs->files);
	fs->next_ino = SIMFS_FIRST_INO;
	fs->disk_limit_bytes = SIMFS_DEFAULT_DISK_LIMIT;
	k->fs = fs;
	return fs;
}

int simfs_check_name(const char *name, char *why, size_t why_len)
{
	size_t len = name ? strlen(name) : 0;
	if (!len) {
		set_err(why, why_len, "empty file name");
		return -EINVAL;
	}
	if (len > SIMFS_NAME_MAX) {
		set_err(why, why_len, "file name longer than %d bytes", SIMFS_NAME_MAX);
		return -EINVAL;
	}
	for (const char *p = name; *p; p++) {
		char c = *p;
		bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
			  c == '.' || c == '_' || c == '-' || c == '+' || c == '/';
		if (!ok) {
			set_err(why, why_len, "file name '%s' has a character other than letters, digits and . _ - + /",
				name);
			return -EINVAL;
		}
	}
	/* Components: none empty (except a leading '/'), none "." or "..". */
	const char *p = name[0] == '/' ? name + 1 : name;
	for (;;) {
		size_t n = strcspn(p, "/");
		if (n == 0 || (n == 1 && p[0] == '.') || (n == 2 && p[0] == '.' && p[1] == '.')) {
			set_err(why, why_len, "file name '%s' has an empty, '.' or '..' component", name);
			return -EINVAL;
		}
		if (!p[n])
			break;
		p += n + 1;
	}
	return 0;
}

struct simfile *simfs_lookup(struct mm_kernel *k, const char *name)
{
	struct simfs *fs = k->fs;
	if (!fs || !name)
		return NULL;
	struct list_head *p;
	list_for_each(p, &fs->files) {
		struct simfile *f = list_entry(p, struct simfile, list);
		if (f->linked && strcmp(f->name, name) == 0)
			return f;
	}
	return NULL;
}

/* ---- the disk ---------------------------------------------------------------------- */

static uint64_t chunks_for(uint64_t size)
{
	return size / SIMFS_CHUNK_BYTES + (size % SIMFS_CHUNK_BYTES ? 1 : 0);
}

static void free_chunk(struct simfile *f, uint64_t i)
{
	if (f->chunks[i]) {
		free(f->chunks[i]);
		f->chunks[i] = NULL;
		f->fs->disk_bytes -= SIMFS_CHUNK_BYTES;
	}
}

int simfs_set_size(struct simfile *f, uint64_t size)
{
	if (size > SIMFS_MAX_FILE_BYTES)
		return -EFBIG;
	uint64_t want = chunks_for(size);
	if (want < f->nr_chunks) {
		for (uint64_t i = want; i < f->nr_chunks; i++)
			free_chunk(f, i);
	}
	if (want != f->nr_chunks) {
		uint8_t **c = want ? realloc(f->chunks, want * sizeof(*c)) : NULL;
		if (want && !c)
			return -ENOMEM;
		if (!want)
			free(f->chunks);
		for (uint64_t i = f->nr_chunks; i < want; i++)
			c[i] = NULL;
		f->chunks = c;
		f->nr_chunks = want;
	}
	/* Bytes past the new end in the last chunk become zeros: a later
	 * extension must read them as a hole. */
	if (size < f->i_size && want && size % SIMFS_CHUNK_BYTES) {
		uint8_t *last = f->chunks[want - 1];
		uint64_t off = size % SIMFS_CHUNK_BYTES;
		if (last)
			memset(last + off, 0, SIMFS_CHUNK_BYTES - off);
	}
	f->i_size = size;
	return 0;
}

/* Count I/O in 512-byte sectors, carrying the remainder (toy pages are
 * smaller than a sector). */
static void count_sectors(struct simfs *fs, bool in, uint64_t bytes)
{
	if (!fs->k)
		return;
	uint32_t *rem = in ? &fs->sector_rem_in : &fs->sector_rem_out;
	uint64_t total = *rem + bytes;
	if (in)
		count_vm_events(fs->k, pgpgin, total / 512);
	else
		count_vm_events(fs->k, pgpgout, total / 512);
	*rem = (uint32_t)(total % 512);
}

/* Copy without counting (the host side and the I/O paths share it). */
static void disk_copy_out(const struct simfile *f, uint64_t pos, uint8_t *buf, uint64_t len)
{
	while (len) {
		uint64_t ci = pos / SIMFS_CHUNK_BYTES, off = pos % SIMFS_CHUNK_BYTES;
		uint64_t n = MM_MIN(len, SIMFS_CHUNK_BYTES - off);
		if (pos >= f->i_size) {
			memset(buf, 0, (size_t)len);
			return;
		}
		n = MM_MIN(n, f->i_size - pos);
		if (ci < f->nr_chunks && f->chunks[ci])
			memcpy(buf, f->chunks[ci] + off, (size_t)n);
		else
			memset(buf, 0, (size_t)n);
		buf += n;
		pos += n;
		len -= n;
	}
}

static bool all_zero(const uint8_t *p, uint64_t n)
{
	for (uint64_t i = 0; i < n; i++)
		if (p[i])
			return false;
	return true;
}

static int disk_copy_in(struct simfile *f, uint64_t pos, const uint8_t *buf, uint64_t len)
{
	while (len) {
		uint64_t ci = pos / SIMFS_CHUNK_BYTES, off = pos % SIMFS_CHUNK_BYTES;
		uint64_t n = MM_MIN(len, SIMFS_CHUNK_BYTES - off);
		if (!f->chunks[ci]) {
			if (all_zero(buf, n))
				goto next; /* zeros into a hole: it stays a hole */
			if (f->fs->disk_bytes + SIMFS_CHUNK_BYTES > f->fs->disk_limit_bytes)
				return -ENOSPC;
			f->chunks[ci] = calloc(1, SIMFS_CHUNK_BYTES);
			if (!f->chunks[ci])
				return -ENOSPC;
			f->fs->disk_bytes += SIMFS_CHUNK_BYTES;
		}
		memcpy(f->chunks[ci] + off, buf, (size_t)n);
next:
		buf += n;
		pos += n;
		len -= n;
	}
	return 0;
}

int simfs_disk_read(struct simfile *f, uint64_t pos, void *buf, uint64_t len)
{
	if (!f || !buf || pos + len < pos)
		return -EINVAL;
	disk_copy_out(f, pos, buf, len);
	count_sectors(f->fs, true, len);
	return 0;
}

int simfs_disk_write(struct simfile *f, uint64_t pos, const void *buf, uint64_t len)
{
	if (!f || !buf || pos + len < pos || pos + len > f->i_size)
		return -EINVAL;
	int err = disk_copy_in(f, pos, buf, len);
	if (err)
		return err;
	count_sectors(f->fs, false, len);
	return 0;
}

/* ---- files ---------------------------------------------------------------------------- */

static struct simfile *simfile_alloc(struct simfs *fs, const char *name)
{
	struct simfile *f = calloc(1, sizeof(*f));
	if (!f)
		return NULL;
	f->name = strdup(name);
	size_t plen = strlen(name) + 2;
	f->path = malloc(plen);
	if (!f->name || !f->path) {
		free(f->name);
		free(f->path);
		free(f);
		return NULL;
	}
	snprintf(f->path, plen, "%s%s", name[0] == '/' ? "" : "/", name);
	f->fs = fs;
	return f;
}

static void simfile_destroy(struct simfile *f)
{
	struct simfs *fs = f->fs;
	address_space_fini(&f->mapping);
	for (uint64_t i = 0; i < f->nr_chunks; i++)
		free_chunk(f, i);
	free(f->chunks);
	list_del(&f->list);
	free(f->name);
	free(f->path);
	free(f);
	fs->nr_alive--;
	if (!fs->k && !fs->nr_alive)
		free(fs); /* the machine let go earlier: the last file takes the fs */
}

/* Link a new file (refcount 1: its name). */
static void simfile_link(struct simfs *fs, struct simfile *f)
{
	f->ino = fs->next_ino++;
	f->refcount = 1;
	f->linked = true;
	address_space_init(&f->mapping, fs->k, f);
	list_add_tail(&f->list, &fs->files);
	fs->nr_files++;
	fs->nr_alive++;
}

static int create_common(struct mm_kernel *k, const char *name, struct simfs **fsp,
			 struct simfile **fp, char *err, size_t err_len)
{
	int rc = simfs_check_name(name, err, err_len);
	if (rc)
		return rc;
	struct simfs *fs = simfs_get(k);
	if (!fs) {
		set_err(err, err_len, "out of host memory");
		return -ENOMEM;
	}
	if (simfs_lookup(k, name)) {
		set_err(err, err_len, "file '%s' exists", name);
		return -EEXIST;
	}
	struct simfile *f = simfile_alloc(fs, name);
	if (!f) {
		set_err(err, err_len, "out of host memory");
		return -ENOMEM;
	}
	*fsp = fs;
	*fp = f;
	return 0;
}

static void simfile_free_unlinked(struct simfile *f)
{
	for (uint64_t i = 0; i < f->nr_chunks; i++)
		free_chunk(f, i);
	free(f->chunks);
	free(f->name);
	free(f->path);
	free(f);
}

int simfs_create(struct mm_kernel *k, const char *name, uint64_t size, struct simfile **out,
		 char *err, size_t err_len)
{
	struct simfs *fs;
	struct simfile *f;
	int rc = create_common(k, name, &fs, &f, err, err_len);
	if (rc)
		return rc;
	rc = simfs_set_size(f, size);
	if (rc) {
		set_err(err, err_len, rc == -EFBIG ? "size %" PRIu64 " is larger than the %lluG a simfs file may hold"
						    : "out of host memory for %" PRIu64 " bytes",
			size, (unsigned long long)(SIMFS_MAX_FILE_BYTES / MM_GB));
		simfile_free_unlinked(f);
		return rc;
	}
	simfile_link(fs, f);
	if (out)
		*out = f;
	return 0;
}

int simfs_create_from_host(struct mm_kernel *k, const char *name, const char *hostpath,
			   int64_t size, struct simfile **out, char *err, size_t err_len)
{
	struct simfs *fs;
	struct simfile *f;
	if (!hostpath || !*hostpath) {
		set_err(err, err_len, "empty host path");
		return -EINVAL;
	}
	int rc = host_files_allowed(err, err_len);
	if (rc)
		return rc;
	rc = create_common(k, name, &fs, &f, err, err_len);
	if (rc)
		return rc;
	uint8_t *buf = NULL;
	int fd = open(hostpath, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0) {
		rc = -errno;
		set_err(err, err_len, "cannot open host file '%s': %s", hostpath, strerror(errno));
		goto fail;
	}
	struct stat st;
	if (fstat(fd, &st) < 0) {
		rc = -errno;
		set_err(err, err_len, "cannot stat host file '%s': %s", hostpath, strerror(errno));
		goto fail;
	}
	if (S_ISDIR(st.st_mode)) {
		rc = -EISDIR;
		set_err(err, err_len, "host path '%s' is a directory", hostpath);
		goto fail;
	}
	if (!S_ISREG(st.st_mode)) {
		rc = -EINVAL;
		set_err(err, err_len, "host path '%s' is not a regular file", hostpath);
		goto fail;
	}
	uint64_t host_size = (uint64_t)st.st_size;
	uint64_t final = size < 0 ? host_size : (uint64_t)size;
	uint64_t to_read = MM_MIN(host_size, final);
	if (final > SIMFS_MAX_FILE_BYTES || to_read > fs->disk_limit_bytes - fs->disk_bytes) {
		rc = final > SIMFS_MAX_FILE_BYTES ? -EFBIG : -ENOSPC;
		set_err(err, err_len, "'%s' (%" PRIu64 " bytes) does not fit in the simulated disk",
			hostpath, final);
		goto fail;
	}
	rc = simfs_set_size(f, final);
	if (rc) {
		set_err(err, err_len, "out of host memory");
		goto fail;
	}
	buf = malloc(SIMFS_CHUNK_BYTES);
	if (!buf) {
		rc = -ENOMEM;
		set_err(err, err_len, "out of host memory");
		goto fail;
	}
	uint64_t pos = 0;
	while (pos < to_read) {
		size_t want = (size_t)MM_MIN((uint64_t)SIMFS_CHUNK_BYTES, to_read - pos);
		ssize_t n = read(fd, buf, want);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			rc = -errno;
			set_err(err, err_len, "reading host file '%s': %s", hostpath, strerror(errno));
			goto fail;
		}
		if (n == 0)
			break; /* the file shrank under us: the rest reads as zeros */
		rc = disk_copy_in(f, pos, buf, (uint64_t)n);
		if (rc) {
			set_err(err, err_len, "the simulated disk is full");
			goto fail;
		}
		pos += (uint64_t)n;
	}
	free(buf);
	close(fd);
	simfile_link(fs, f);
	if (out)
		*out = f;
	return 0;
fail:
	free(buf);
	if (fd >= 0)
		close(fd);
	f->fs = fs;
	simfile_free_unlinked(f);
	return rc;
}

void simfs_file_get(struct simfile *f)
{
	if (f)
		f->refcount++;
}

void simfs_file_put(struct simfile *f)
{
	if (!f)
		return;
	if (f->refcount <= 0) {
		if (f->fs->k)
			printk(f->fs->k, "simfs: put of file '%s' with no references (ignored)", f->name);
		return;
	}
	if (--f->refcount == 0)
		simfile_destroy(f);
}

int simfs_unlink(struct mm_kernel *k, const char *name)
{
	struct simfile *f = simfs_lookup(k, name);
	if (!f)
		return -ENOENT;
	f->linked = false;
	k->fs->nr_files--;
	simfs_file_put(f);
	return 0;
}

void simfs_fini(struct mm_kernel *k)
{
	struct simfs *fs = k->fs;
	if (!fs)
		return;
	struct list_head *p, *n;
	/* Files nobody maps go now; mapped ones lose their pages (their PTEs
	 * keep the frames until unmapped) and wait for their last VMA. */
	list_for_each_safe(p, n, &fs->files) {
		struct simfile *f = list_entry(p, struct simfile, list);
		address_space_fini(&f->mapping);
		f->mapping.k = NULL;
	}
	list_for_each_safe(p, n, &fs->files) {
		struct simfile *f = list_entry(p, struct simfile, list);
		if (f->linked) {
			f->linked = false;
			fs->nr_files--;
			simfs_file_put(f);
		}
	}
	fs->k = NULL;
	k->fs = NULL;
	if (!fs->nr_alive)
		free(fs);
}

/* ---- sync, export, truncate ----------------------------------------------------------- */

int simfs_fsync(struct simfile *f)
{
	if (!f)
		return -EBADF;
	return filemap_write_and_wait(&f->mapping);
}

int simfs_export(struct simfile *f, const char *hostpath, char *err, size_t err_len)
{
	if (!f || !hostpath || !*hostpath) {
		set_err(err, err_len, "no file or empty host path");
		return -EINVAL;
	}
	int rc = host_files_allowed(err, err_len);
	if (rc)
		return rc;
	rc = simfs_fsync(f);
	if (rc) {
		set_err(err, err_len, "writeback of '%s' failed: %s", f->name, strerror(-rc));
		return rc;
	}
	int fd = open(hostpath, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOCTTY, 0644);
	if (fd < 0) {
		rc = -errno;
		set_err(err, err_len, "cannot create host file '%s': %s", hostpath, strerror(errno));
		return rc;
	}
	uint8_t *buf = malloc(SIMFS_CHUNK_BYTES);
	if (!buf) {
		close(fd);
		set_err(err, err_len, "out of host memory");
		return -ENOMEM;
	}
	uint64_t pos = 0;
	while (pos < f->i_size) {
		uint64_t n = MM_MIN((uint64_t)SIMFS_CHUNK_BYTES, f->i_size - pos);
		disk_copy_out(f, pos, buf, n);
		uint64_t off = 0;
		while (off < n) {
			ssize_t w = write(fd, buf + off, (size_t)(n - off));
			if (w < 0 && errno == EINTR)
				continue;
			if (w <= 0) {
				rc = w < 0 ? -errno : -EIO;
				set_err(err, err_len, "writing host file '%s': %s", hostpath,
					strerror(-rc));
				free(buf);
				close(fd);
				return rc;
			}
			off += (uint64_t)w;
		}
		pos += n;
	}
	free(buf);
	if (close(fd) < 0) {
		rc = -errno;
		set_err(err, err_len, "closing host file '%s': %s", hostpath, strerror(errno));
		return rc;
	}
	return 0;
}

int simfs_truncate(struct simfile *f, uint64_t size)
{
	if (!f)
		return -EBADF;
	if (size > SIMFS_MAX_FILE_BYTES)
		return -EFBIG;
	uint64_t old = f->i_size;
	int rc = simfs_set_size(f, size);
	if (rc || size >= old || !f->mapping.k)
		return rc;
	/* truncate_pagecache: unmap and drop every page past the new end,
	 * zero the tail of the page that holds it. */
	struct address_space *m = &f->mapping;
	unsigned shift = m->k->page_shift;
	uint64_t page = m->k->page_size;
	pgoff_t hole = size / page + (size % page ? 1 : 0);
	unmap_mapping_pages(m, hole, UINT64_MAX - hole);
	truncate_inode_pages(m, hole);
	if (size % page) {
		struct page *pg = find_get_page(m, size >> shift);
		if (pg) {
			uint64_t off = size % page;
			memset((uint8_t *)page_to_host(m->k, pg) + off, 0, (size_t)(page - off));
			put_page(m->k, pg);
		}
	}
	return 0;
}

/* ---- the address-space hooks and views ------------------------------------------------ */

bool simfs_vm_file_info(const struct simfile *f, struct vm_file_info *out)
{
	if (!f)
		return false;
	out->path = f->path;
	out->dev_major = SIMFS_DEV_MAJOR;
	out->dev_minor = SIMFS_DEV_MINOR;
	out->ino = f->ino;
	out->readable = true;
	out->writable = true;
	out->deleted = !f->linked;
	return true;
}

static unsigned count_vmas(struct simfile *f)
{
	unsigned n = 0;
	struct vm_area_struct *vma;
	if (!f->mapping.k)
		return 0;
	mapping_for_each_vma(&f->mapping, 0, UINT64_MAX, vma)
		n++;
	return n;
}

void simfs_describe(struct mm_kernel *k, struct simfile *only, struct strbuf *sb)
{
	struct simfs *fs = k->fs;
	sb_printf(sb, "%-20s %12s %6s %8s %8s %8s %8s %5s\n", "name", "size", "inode", "cached",
		  "dirty", "reads", "writes", "vmas");
	if (!fs)
		return;
	struct list_head *p;
	list_for_each(p, &fs->files) {
		struct simfile *f = list_entry(p, struct simfile, list);
		if (!f->linked || (only && f != only))
			continue;
		sb_printf(sb, "%-20s %12" PRIu64 " %6" PRIu64 " %8" PRIu64 " %8" PRIu64 " %8" PRIu64
			      " %8" PRIu64 " %5u\n",
			  f->name, f->i_size, f->ino, f->mapping.nrpages, f->mapping.nrdirty,
			  f->disk_reads, f->disk_writes, count_vmas(f));
	}
}
