/*
 * commands_file.c - the simulated file system as a scenario drives it.
 *
 *   file create data size=1M fill=0x41          # 1M of 'A' on the disk
 *       file: created data (1048576 bytes, inode 12)
 *   file create true from="/bin/true"           # a host file, read once
 *   file read data 4096 16                      # read(2) through the page cache
 *       00001000: 41 41 41 41 ...
 *   file write data 0 "hello"                   # write(2): the page becomes dirty
 *   file sync data                              # fsync(2): dirty pages to disk
 *   file fadvise data 0 256K willneed           # readahead now
 *   file truncate data size=10K
 *   file export data "out.bin"                  # the file's bytes, to the host
 *   file show [data]
 *   file delete data
 *
 * The sandbox rule: the only host paths touched are from= (read) and the
 * export path (written), both named by the scenario.
 *
 * Input errors (no such file, a name taken, a host file that cannot be
 * read or written) stop the run; what the kernel refuses at run time
 * (-ENOMEM, -ENOSPC on a write) prints the errno and the run goes on.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "fs/simfs.h"
#include "mm/internal.h"
#include "mm/mm_struct.h"
#include "sim/machine.h"
#include "sim/scenario/scenario.h"

#define FILE_IO_MAX (16 * MM_MB) /* bytes one file read/write command moves */

enum file_action {
	FA_CREATE, FA_EXPORT, FA_SYNC, FA_SHOW, FA_READ, FA_WRITE, FA_TRUNCATE, FA_FADVISE, FA_DELETE
};
static const char *const file_actions[] = { "create", "export", "sync", "show", "read",
					    "write", "truncate", "fadvise", "delete" };

static int arg_text(struct scn_ctx *c, int i, const char *what, struct strbuf *sb)
{
	const struct scn_arg *a = scn_need_pos(c, i, what);
	if (!a || scn_arg_text(c, a, sb))
		return SCN_ERROR;
	return SCN_OK;
}

static int arg_u64(struct scn_ctx *c, int i, const char *what, uint64_t min, uint64_t max,
		   uint64_t *out)
{
	const struct scn_arg *a = scn_need_pos(c, i, what);
	if (!a || scn_arg_u64(c, a, what, min, max, out))
		return SCN_ERROR;
	return SCN_OK;
}

/* The file named by positional argument 1. */
static struct simfile *need_file(struct scn_ctx *c)
{
	struct strbuf name = STRBUF_INIT;
	struct simfile *f = NULL;
	if (arg_text(c, 1, "SIMFILE", &name) == SCN_OK) {
		f = simfs_lookup(&c->m->k, sb_str(&name));
		if (!f)
			scn_error(c, c->pos[1].val_off, "file: no simulated file named '%s' (file create it first)",
				  sb_str(&name));
	}
	sb_free(&name);
	return f;
}

static void print_errno(struct scn_ctx *c, const char *what, int err)
{
	const char *name = mm_errno_name(err);
	fprintf(c->out, "file %s: -%s (%s)\n", what, name ? name : "E?", strerror(err));
	scn_result_s64(c, -err);
}

static int file_create(struct scn_ctx *c)
{
	struct mm_kernel *k = &c->m->k;
	struct strbuf name = STRBUF_INIT, host = STRBUF_INIT;
	const struct scn_arg *size_a = scn_opt_key(c, "size"), *from_a = scn_opt_key(c, "from");
	const struct scn_arg *fill_a = scn_opt_key(c, "fill");
	uint64_t size = 0, fill = 0;
	int rc = SCN_ERROR;
	char err[512];
	struct simfile *f = NULL;
	if (arg_text(c, 1, "SIMFILE", &name))
		goto out;
	if (!size_a && !from_a) {
		scn_error(c, c->cmd_off, "file create: needs size=LEN (or from=HOSTPATH)");
		goto out;
	}
	if (size_a && scn_arg_u64(c, size_a, "size", 0, SIMFS_MAX_FILE_BYTES, &size))
		goto out;
	if (fill_a && scn_arg_u64(c, fill_a, "fill", 0, 255, &fill))
		goto out;
	if (from_a && fill_a) {
		scn_error(c, fill_a->off, "file create: fill= and from= exclude each other");
		goto out;
	}
	int e;
	if (from_a) {
		if (scn_arg_text(c, from_a, &host))
			goto out;
		e = simfs_create_from_host(k, sb_str(&name), sb_str(&host), size_a ? (int64_t)size : -1,
					   &f, err, sizeof(err));
	} else {
		e = simfs_create(k, sb_str(&name), size, &f, err, sizeof(err));
	}
	if (e) {
		scn_error(c, from_a && e != -EEXIST && e != -EINVAL ? from_a->val_off : c->pos[1].val_off,
			  "file create: %s", err);
		goto out;
	}
	if (fill && f->i_size) {
		/* Refuse a fill the disk cannot hold before writing any of it:
		 * filling 4G and then failing took seconds and 4G of host RAM. */
		uint64_t need = MM_ALIGN_UP(f->i_size, (uint64_t)SIMFS_CHUNK_BYTES);
		if (need > f->fs->disk_limit_bytes - f->fs->disk_bytes) {
			simfs_unlink(k, f->name);
			scn_error(c, fill_a->off, "file create: the simulated disk is full");
			goto out;
		}
		/* The disk is written directly: the file "was there before". */
		uint8_t *buf = xmalloc(SIMFS_CHUNK_BYTES);
		memset(buf, (int)fill, SIMFS_CHUNK_BYTES);
		for (uint64_t pos = 0; pos < f->i_size; pos += SIMFS_CHUNK_BYTES) {
			uint64_t n = MM_MIN((uint64_t)SIMFS_CHUNK_BYTES, f->i_size - pos);
			uint64_t in = k->vm.item[VM_pgpgout];
			e = simfs_disk_write(f, pos, buf, n);
			k->vm.item[VM_pgpgout] = in; /* not I/O of the machine */
			if (e) {
				free(buf);
				simfs_unlink(k, f->name);
				scn_error(c, fill_a->off, "file create: the simulated disk is full");
				goto out;
			}
		}
		free(buf);
	}
	fprintf(c->out, "file: created %s (%llu bytes, inode %llu)\n", f->name,
		(unsigned long long)f->i_size, (unsigned long long)f->ino);
	scn_result_num(c, f->i_size, false);
	rc = SCN_OK;
out:
	sb_free(&name);
	sb_free(&host);
	return rc;
}

static int file_export(struct scn_ctx *c, struct simfile *f)
{
	struct strbuf host = STRBUF_INIT;
	char err[512];
	int rc = SCN_ERROR;
	if (arg_text(c, 2, "HOSTPATH", &host))
		goto out;
	if (simfs_export(f, sb_str(&host), err, sizeof(err))) {
		scn_error(c, c->pos[2].val_off, "file export: %s", err);
		goto out;
	}
	fprintf(c->out, "file: exported %s (%llu bytes) to %s\n", f->name,
		(unsigned long long)f->i_size, sb_str(&host));
	scn_result_num(c, f->i_size, false);
	rc = SCN_OK;
out:
	sb_free(&host);
	return rc;
}

static void hexdump(struct scn_ctx *c, uint64_t base, const uint8_t *buf, uint64_t len)
{
	for (uint64_t i = 0; i < len; i += 16) {
		uint64_t n = MM_MIN(16u, len - i);
		fprintf(c->out, "%08llx: ", (unsigned long long)(base + i));
		for (uint64_t j = 0; j < 16; j++) {
			if (j < n)
				fprintf(c->out, "%02x ", buf[i + j]);
			else
				fputs("   ", c->out);
		}
		fputc(' ', c->out);
		for (uint64_t j = 0; j < n; j++)
			fputc(buf[i + j] >= 0x20 && buf[i + j] < 0x7f ? buf[i + j] : '.', c->out);
		fputc('\n', c->out);
	}
}

static int file_read(struct scn_ctx *c, struct simfile *f)
{
	uint64_t off, len;
	if (arg_u64(c, 2, "OFFSET", 0, UINT64_MAX, &off) ||
	    arg_u64(c, 3, "LEN", 1, FILE_IO_MAX, &len))
		return SCN_ERROR;
	uint8_t *buf = xmalloc(len);
	int64_t n = filemap_read(simfile_mapping(f), off, buf, len);
	if (n < 0) {
		free(buf);
		print_errno(c, "read", (int)-n);
		return SCN_OK;
	}
	fprintf(c->out, "file: read %lld bytes of %s at %llu\n", (long long)n, f->name,
		(unsigned long long)off);
	/* Long reads are for the page cache's sake: dump at most 256 bytes. */
	hexdump(c, off, buf, MM_MIN((uint64_t)n, 256u));
	free(buf);
	scn_result_num(c, (uint64_t)n, false);
	return SCN_OK;
}

static int file_write(struct scn_ctx *c, struct simfile *f)
{
	uint64_t off, len = 0, fill = 0;
	struct strbuf text = STRBUF_INIT;
	const struct scn_arg *fill_a = scn_opt_key(c, "fill");
	if (arg_u64(c, 2, "OFFSET", 0, UINT64_MAX, &off))
		return SCN_ERROR;
	if (fill_a) {
		if (arg_u64(c, 3, "LEN", 1, FILE_IO_MAX, &len) ||
		    scn_arg_u64(c, fill_a, "fill", 0, 255, &fill))
			return SCN_ERROR;
	} else {
		const struct scn_arg *a = scn_need_pos(c, 3, "\"TEXT\" (or LEN fill=BYTE)");
		if (!a || scn_arg_text(c, a, &text)) {
			sb_free(&text);
			return SCN_ERROR;
		}
		len = text.len;
		if (!len) {
			sb_free(&text);
			return scn_error(c, a->val_off, "file write: empty text");
		}
	}
	uint8_t *buf = xmalloc(len);
	if (fill_a)
		memset(buf, (int)fill, (size_t)len);
	else
		memcpy(buf, sb_str(&text), (size_t)len);
	sb_free(&text);
	int64_t n = filemap_write(simfile_mapping(f), off, buf, len);
	free(buf);
	if (n < 0) {
		print_errno(c, "write", (int)-n);
		return SCN_OK;
	}
	fprintf(c->out, "file: wrote %lld bytes to %s at %llu\n", (long long)n, f->name,
		(unsigned long long)off);
	scn_result_num(c, (uint64_t)n, false);
	return SCN_OK;
}

static int file_fadvise(struct scn_ctx *c, struct simfile *f)
{
	static const char *const advice[] = { "willneed", "dontneed" };
	uint64_t off, len;
	if (arg_u64(c, 2, "OFFSET", 0, UINT64_MAX, &off) || arg_u64(c, 3, "LEN", 0, UINT64_MAX, &len))
		return SCN_ERROR;
	const struct scn_arg *a = scn_need_pos(c, 4, "ADVICE");
	int which = a ? scn_arg_choice(c, a, "ADVICE", advice, MM_ARRAY_SIZE(advice)) : -1;
	if (which < 0)
		return SCN_ERROR;
	struct address_space *m = simfile_mapping(f);
	unsigned shift = c->m->k.page_shift;
	/* generic_fadvise: len 0 means to the end of the file. */
	uint64_t endbyte = (!len || off + len < off) ? UINT64_MAX : off + len - 1;
	pgoff_t start = off >> shift, end = endbyte >> shift;
	uint64_t n;
	if (which == 0) {
		int64_t r = force_page_cache_readahead(m, start, end - start + 1);
		n = r > 0 ? (uint64_t)r : 0;
		fprintf(c->out, "file: fadvise %s willneed: %llu pages read\n", f->name,
			(unsigned long long)n);
	} else {
		/* DONTNEED: start writeback, then drop what is clean and
		 * unmapped (only whole pages inside the range). */
		filemap_write_and_wait_range(m, off, endbyte);
		pgoff_t first = (off + c->m->k.page_size - 1) >> shift;
		pgoff_t last = endbyte == UINT64_MAX ? UINT64_MAX : ((endbyte + 1) >> shift);
		n = last > first ? invalidate_mapping_pages(m, first, last - 1) : 0;
		fprintf(c->out, "file: fadvise %s dontneed: %llu pages dropped\n", f->name,
			(unsigned long long)n);
	}
	scn_result_num(c, n, false);
	return SCN_OK;
}

static int cmd_file(struct scn_ctx *c)
{
	static const int max_pos[] = { 2, 3, 2, 2, 4, 4, 2, 5, 2 };
	const struct scn_arg *a = scn_need_pos(c, 0, "ACTION");
	if (!a)
		return SCN_ERROR;
	int which = scn_arg_choice(c, a, "ACTION", file_actions, MM_ARRAY_SIZE(file_actions));
	if (which < 0)
		return SCN_ERROR;
	if (c->nr_pos > max_pos[which])
		return scn_error(c, c->pos[max_pos[which]].off, "file %s: too many arguments",
				 file_actions[which]);
	/* Keys belong to one action each. */
	static const struct { const char *key; int action, action2; } key_owner[] = {
		{ "size", FA_CREATE, FA_TRUNCATE }, { "from", FA_CREATE, -1 },
		{ "fill", FA_CREATE, FA_WRITE },
	};
	for (size_t i = 0; i < MM_ARRAY_SIZE(key_owner); i++) {
		const struct scn_arg *ka = scn_opt_key(c, key_owner[i].key);
		if (ka && which != key_owner[i].action && which != key_owner[i].action2)
			return scn_error(c, ka->off, "file %s does not take %s=", file_actions[which],
					 key_owner[i].key);
	}
	if (which == FA_CREATE)
		return file_create(c);
	if (which == FA_SHOW && c->nr_pos < 2) {
		struct strbuf sb = STRBUF_INIT;
		simfs_describe(&c->m->k, NULL, &sb);
		fputs(sb_str(&sb), c->out);
		sb_free(&sb);
		return SCN_OK;
	}
	struct simfile *f = need_file(c);
	if (!f)
		return SCN_ERROR;
	switch (which) {
	case FA_EXPORT:
		return file_export(c, f);
	case FA_SYNC: {
		uint64_t before = c->m->k.vm.item[VM_nr_written];
		int e = simfs_fsync(f);
		if (e) {
			print_errno(c, "sync", -e);
			return SCN_OK;
		}
		uint64_t n = c->m->k.vm.item[VM_nr_written] - before;
		fprintf(c->out, "file: sync %s: %llu pages written\n", f->name, (unsigned long long)n);
		scn_result_num(c, n, false);
		return SCN_OK;
	}
	case FA_SHOW: {
		struct strbuf sb = STRBUF_INIT;
		simfs_describe(&c->m->k, f, &sb);
		fputs(sb_str(&sb), c->out);
		sb_free(&sb);
		scn_result_num(c, f->mapping.nrpages, false);
		return SCN_OK;
	}
	case FA_READ:
		return file_read(c, f);
	case FA_WRITE:
		return file_write(c, f);
	case FA_TRUNCATE: {
		uint64_t size;
		const struct scn_arg *sa = scn_opt_key(c, "size");
		if (!sa)
			return scn_error(c, c->cmd_off, "file truncate: needs size=LEN");
		if (scn_arg_u64(c, sa, "size", 0, SIMFS_MAX_FILE_BYTES, &size))
			return SCN_ERROR;
		int e = simfs_truncate(f, size);
		if (e) {
			print_errno(c, "truncate", -e);
			return SCN_OK;
		}
		fprintf(c->out, "file: %s truncated to %llu bytes\n", f->name, (unsigned long long)size);
		scn_result_num(c, size, false);
		return SCN_OK;
	}
	case FA_FADVISE:
		return file_fadvise(c, f);
	case FA_DELETE: {
		char *name = xstrdup(f->name);
		simfs_unlink(&c->m->k, name);
		fprintf(c->out, "file: deleted %s\n", name);
		free(name);
		return SCN_OK;
	}
	default:
		return SCN_ERROR;
	}
}

const struct scn_cmd scn_cmds_file[] = {
	{ "file",
	  "file create SIMFILE size=LEN [fill=BYTE] | file create SIMFILE from=HOSTPATH [size=LEN]"
	  " | file export SIMFILE HOSTPATH | file sync SIMFILE | file show [SIMFILE]"
	  " | file read SIMFILE OFFSET LEN | file write SIMFILE OFFSET \"TEXT\""
	  " | file write SIMFILE OFFSET LEN fill=BYTE | file truncate SIMFILE size=LEN"
	  " | file fadvise SIMFILE OFFSET LEN willneed|dontneed | file delete SIMFILE",
	  "the simulated file system: files that mappings and exec read, through the page cache",
	  cmd_file, "size from fill", 5, SCN_F_RESULT },
	{ NULL, NULL, NULL, NULL, NULL, 0, 0 },
};
