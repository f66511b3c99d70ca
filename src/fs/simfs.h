/*
 * simfs.h - the simulated file system: files kept in host memory, by name,
 * that mappings, exec (ELF) and the page cache read and write. It is the
 * machine's "disk": every transfer between it and the page cache is disk
 * I/O (vmstat pgpgin / pgpgout, in 512-byte sectors).
 *
 *   k->fs ──▶ struct simfs   ("/dev/sda1", 08:01)
 *               files: [data.bin ino 12] ─▶ [true ino 13] ─▶ ...
 *                         │
 *                         ├── disk bytes: sparse 64K chunks (holes read as 0)
 *                         ├── i_size
 *                         └── i_mapping: struct address_space (the page cache)
 *
 * The sandbox rule: the host file system is touched only by `file create
 * ... from=HOSTPATH` (reads that one file) and `file export ... HOSTPATH`
 * (writes that one file). Nothing else ever opens a host path. A harness
 * running untrusted input sets MMSIM_NO_HOST_FILES=1 in the environment:
 * both then fail with -EPERM.
 *
 * Names: 1..255 bytes of [A-Za-z0-9._+-/], not "." or ".." components.
 * /proc/PID/maps prints a file as "/" + name (a name starting with '/'
 * prints as is), device 08:01, its inode number.
 *
 * Lifetime: a file holds one reference for its name and one per VMA that
 * maps it (the mm_operations file_get/file_put hooks below); it is freed
 * with the last. simfs_fini unlinks every name; the fs itself goes when
 * its last file does, so the teardown order with processes is free.
 */
#ifndef MMSIM_FS_SIMFS_H
#define MMSIM_FS_SIMFS_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "include/list.h"
#include "mm/filemap.h"
#include "mm/mm_types.h"

struct vm_file_info;

#define SIMFS_NAME_MAX 255
#define SIMFS_CHUNK_BYTES (64 * 1024)
#define SIMFS_MAX_FILE_BYTES (64 * MM_GB) /* MAX_LFS_FILESIZE is larger; the host is not */
#define SIMFS_DEV_MAJOR 8                 /* SCSI disk sda */
#define SIMFS_DEV_MINOR 1                 /* its first partition */
#define SIMFS_FIRST_INO 12                /* ext4's first inode after lost+found (11) */

struct simfile {
	struct simfs *fs;
	struct list_head list;      /* fs->files, creation order (while named) */
	char *name;
	char *path;                 /* what maps prints: "/" + name */
	uint64_t ino;
	uint64_t i_size;            /* file size in bytes */
	uint8_t **chunks;           /* the disk: chunk i holds bytes [i*64K, (i+1)*64K), NULL = hole */
	uint64_t nr_chunks;         /* slots in chunks[] */
	int refcount;               /* the name + VMAs + temporary users */
	bool linked;                /* still has its name */
	uint64_t disk_reads, disk_writes; /* pages moved to/from the page cache */
	struct address_space mapping;     /* i_mapping: the page cache */
};

struct simfs {
	struct mm_kernel *k;        /* NULL once the machine let go of it (simfs_fini) */
	struct list_head files;
	unsigned nr_files;          /* named files */
	unsigned nr_alive;          /* files not yet freed (named or still referenced) */
	uint64_t next_ino;
	uint64_t disk_bytes;        /* host bytes held in chunks, all files */
	uint64_t disk_limit_bytes;  /* refuse (-ENOSPC) above this */
	uint32_t sector_rem_in, sector_rem_out; /* bytes short of a whole 512-byte sector */
	uint64_t wb_last_wake_ns;   /* the flusher's last wake-up (filemap.c) */
};

/* ---- the file system ---------------------------------------------------------- */

/* k->fs, created on first use; NULL only when the host is out of memory. */
struct simfs *simfs_get(struct mm_kernel *k);
/* Let go of k->fs at machine teardown (any order with processes): every
 * name is removed, files nobody maps are freed with their page cache,
 * the rest when their last VMA goes. Then k->fs = NULL. */
void simfs_fini(struct mm_kernel *k);

/* 0 if name is a valid simfs file name, else -EINVAL with why. */
int simfs_check_name(const char *name, char *why, size_t why_len);
/* A new empty file of size bytes (zeros). 0 and *out, -EEXIST, -EINVAL
 * (name), -EFBIG (size > SIMFS_MAX_FILE_BYTES), -ENOSPC, -ENOMEM; err says. */
int simfs_create(struct mm_kernel *k, const char *name, uint64_t size, struct simfile **out,
		 char *err, size_t err_len);
/* A new file holding the host file hostpath's bytes (the sandbox rule: only
 * that path is read). size < 0: the host file's size; else truncated or
 * zero-extended to size. 0 and *out, or -errno with err (-ENOENT, -EACCES,
 * -EISDIR, -EFBIG ... from the host, with its path). */
int simfs_create_from_host(struct mm_kernel *k, const char *name, const char *hostpath,
			   int64_t size, struct simfile **out, char *err, size_t err_len);
/* The file called name, or NULL. */
struct simfile *simfs_lookup(struct mm_kernel *k, const char *name);
/* Remove name; the file lives on while mapped. 0 or -ENOENT. */
int simfs_unlink(struct mm_kernel *k, const char *name);
/* Write the file's current contents to hostpath (created or replaced; the
 * only host path written). Dirty cached pages are written back first, as
 * sync(1) would before a copy. 0 or -errno with err. */
int simfs_export(struct simfile *f, const char *hostpath, char *err, size_t err_len);
/* fsync(2): write back the file's dirty pages. 0 or -errno. */
int simfs_fsync(struct simfile *f);
/* truncate(2): set i_size; pages past the new end are unmapped and dropped,
 * the tail of the last page zeroed on disk and in the cache. 0, -EFBIG,
 * -ENOSPC. */
int simfs_truncate(struct simfile *f, uint64_t size);

/* ---- references (the mm_operations file hooks) -------------------------------- */

/* Linux's get_file / fput. */
void simfs_file_get(struct simfile *f);
void simfs_file_put(struct simfile *f);
/* Describe f for the address-space code (maps' path, dev, inode; readable
 * and writable). False if f is NULL. */
bool simfs_vm_file_info(const struct simfile *f, struct vm_file_info *out);
/* The three hooks, for a designated initializer in the process layer's
 * struct mm_operations:  { .populate = ..., SIMFS_MM_FILE_OPS, ... } */
#define SIMFS_MM_FILE_OPS                                                       \
	.file_info = simfs_vm_file_info, .file_get = simfs_file_get,            \
	.file_put = simfs_file_put

/* ---- file facts ---------------------------------------------------------------- */

static inline uint64_t simfile_size(const struct simfile *f) { return f->i_size; }
static inline struct address_space *simfile_mapping(struct simfile *f) { return &f->mapping; }

/* ---- the disk: transfers between the page cache and the file's bytes ----------- */

/* Copy len bytes at pos from the disk into buf (bytes at or past i_size and
 * holes read as zeros). Counts pgpgin (512-byte sectors). 0 or -EINVAL. */
int simfs_disk_read(struct simfile *f, uint64_t pos, void *buf, uint64_t len);
/* Copy buf to the disk at pos (never past i_size: the caller grows the file
 * first). Counts pgpgout. 0, -EINVAL, -ENOSPC. */
int simfs_disk_write(struct simfile *f, uint64_t pos, const void *buf, uint64_t len);
/* Set i_size only (no page-cache work: filemap_write grows files with it).
 * 0, -EFBIG, -ENOSPC. */
int simfs_set_size(struct simfile *f, uint64_t size);

/* ---- views ---------------------------------------------------------------------- */

/* `file show [NAME]`: one line per file (name, size, inode, cached and
 * dirty pages, disk reads and writes, mappers), appended to sb. */
void simfs_describe(struct mm_kernel *k, struct simfile *only, struct strbuf *sb);

#endif
