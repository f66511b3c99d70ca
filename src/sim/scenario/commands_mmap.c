/*
 * commands_mmap.c - the address-space system calls as a scenario drives
 * them: mmap, munmap, mprotect, mremap, brk, madvise, mlock, munlock.
 *
 *   mmap A 8M prot=rw flags=private -> $buf
 *       mmap: 0x7ffff77ff000
 *   mprotect A $buf+4K 4K r
 *       mprotect: 0
 *   mmap A 4K addr=$buf flags=private,fixed_noreplace
 *       mmap: -EEXIST (File exists)
 *
 * A call that the kernel refuses is not an input error: the line prints
 * the errno as Linux names it, the result (-> $v) is the negative errno,
 * and the scenario goes on (expect $v == -17). Input errors (a bad prot
 * letter, an unknown flag, no such process) stop the run as every other
 * command's do.
 *
 * NAME is a process: scenario_find_mm looks it up among the machine's
 * address spaces by owner name (mm->ops->owner_name, which the process
 * layer sets). brk's argument is an address, or +DELTA / -DELTA from the
 * current break; its result is the break brk returned (the old one when
 * the request failed, as on Linux).
 */
#include <errno.h>
#include <string.h>

#include "fs/simfs.h"
#include "mm/filemap.h"
#include "mm/internal.h"
#include "mm/mm_struct.h"
#include "sim/machine.h"
#include "sim/scenario/scenario.h"

struct mm_struct *scenario_find_mm(struct scenario *sc, const char *name)
{
	if (!sc->m)
		return NULL;
	return mm_find_by_owner(&sc->m->k, name);
}

/* The process named by positional argument 0. */
static struct mm_struct *need_mm(struct scn_ctx *c)
{
	const struct scn_arg *a = scn_need_pos(c, 0, "NAME");
	if (!a)
		return NULL;
	struct strbuf name = STRBUF_INIT;
	struct mm_struct *mm = NULL;
	if (scn_arg_text(c, a, &name) == SCN_OK) {
		mm = scenario_find_mm(c->s, sb_str(&name));
		if (!mm)
			scn_error(c, a->val_off, "%s: no process named '%s' (spawn it first)", c->cmd->name,
				  sb_str(&name));
	}
	sb_free(&name);
	return mm;
}

static int need_u64(struct scn_ctx *c, int i, const char *what, uint64_t *out)
{
	const struct scn_arg *a = scn_need_pos(c, i, what);
	if (!a || scn_arg_u64(c, a, what, 0, UINT64_MAX, out))
		return SCN_ERROR;
	return SCN_OK;
}

/* Print "CMD: VALUE" or "CMD: -ENAME (text)" and store the result. */
static void report(struct scn_ctx *c, int64_t ret, bool address)
{
	if (ret < 0 && ret > -4096) {
		int err = (int)-ret;
		const char *name = mm_errno_name(err);
		fprintf(c->out, "%s: -%s (%s)\n", c->cmd->name, name ? name : "E?", strerror(err));
		scn_result_s64(c, ret);
	} else if (address) {
		fprintf(c->out, "%s: 0x%llx\n", c->cmd->name, (unsigned long long)ret);
		scn_result_num(c, (uint64_t)ret, true);
	} else {
		fprintf(c->out, "%s: %lld\n", c->cmd->name, (long long)ret);
		scn_result_s64(c, ret);
	}
}

/* "rwx", "rw", "r-x", "none": PROT_* bits; -1 after reporting. */
static long parse_prot(struct scn_ctx *c, const struct scn_arg *a)
{
	struct strbuf sb = STRBUF_INIT;
	long prot = 0;
	if (scn_arg_text(c, a, &sb)) {
		sb_free(&sb);
		return -1;
	}
	const char *s = sb_str(&sb);
	if (strcmp(s, "none") != 0) {
		for (const char *p = s; *p; p++) {
			if (*p == 'r')
				prot |= PROT_READ;
			else if (*p == 'w')
				prot |= PROT_WRITE;
			else if (*p == 'x')
				prot |= PROT_EXEC;
			else if (*p != '-') {
				scn_error(c, a->val_off, "%s: bad protection '%s' (letters r w x, or none)",
					  c->cmd->name, s);
				prot = -1;
				break;
			}
		}
		if (!*s) {
			scn_error(c, a->val_off, "%s: empty protection (letters r w x, or none)", c->cmd->name);
			prot = -1;
		}
	}
	sb_free(&sb);
	return prot;
}

static const struct {
	const char *name;
	unsigned long flag;
} mmap_flag_names[] = {
	{ "private", MAP_PRIVATE },
	{ "shared", MAP_SHARED },
	{ "shared_validate", MAP_SHARED_VALIDATE },
	{ "fixed", MAP_FIXED },
	{ "fixed_noreplace", MAP_FIXED_NOREPLACE },
	{ "populate", MAP_POPULATE },
	{ "noreserve", MAP_NORESERVE },
	{ "hugetlb", MAP_HUGETLB },
	{ "growsdown", MAP_GROWSDOWN },
	{ "locked", MAP_LOCKED },
	{ "stack", MAP_STACK },
	{ "anonymous", MAP_ANONYMOUS },
	{ "32bit", MAP_32BIT },
};

/* "private,fixed": MAP_* bits; 0 and *bad after reporting. */
static int parse_mmap_flags(struct scn_ctx *c, const struct scn_arg *a, unsigned long *out)
{
	struct strbuf sb = STRBUF_INIT;
	if (scn_arg_text(c, a, &sb)) {
		sb_free(&sb);
		return SCN_ERROR;
	}
	unsigned long flags = 0;
	const char *p = sb_str(&sb);
	int rc = SCN_OK;
	while (*p) {
		size_t n = strcspn(p, ",|");
		bool found = false;
		for (size_t i = 0; i < MM_ARRAY_SIZE(mmap_flag_names); i++) {
			if (strlen(mmap_flag_names[i].name) == n && strncmp(p, mmap_flag_names[i].name, n) == 0) {
				flags |= mmap_flag_names[i].flag;
				found = true;
			}
		}
		if (!found) {
			rc = scn_error(c, a->val_off + (a->quoted ? 1 : 0) + (size_t)(p - sb_str(&sb)),
				       "mmap: unknown flag '%.*s' (private, shared, fixed, fixed_noreplace, "
				       "populate, noreserve, hugetlb, growsdown, locked, stack)",
				       (int)n, p);
			break;
		}
		p += n;
		if (*p)
			p++;
	}
	/* Default: a private mapping. */
	if (!(flags & MAP_TYPE))
		flags |= MAP_PRIVATE;
	*out = flags;
	sb_free(&sb);
	return rc;
}

/* Populating LEN bytes within one command's page budget; SCN_ERROR after
 * reporting (a populate of the whole of a big machine runs for minutes). */
static int check_populate(struct scn_ctx *c, uint64_t len)
{
	uint64_t pages = len / c->m->k.page_size;
	if (pages > SCN_MAX_PAGES_PER_CMD)
		return scn_error(c, c->cmd_off, "%s: populating %llu pages; at most %llu per command",
				 c->cmd->name, (unsigned long long)pages,
				 (unsigned long long)SCN_MAX_PAGES_PER_CMD);
	return SCN_OK;
}

static int cmd_mmap(struct scn_ctx *c)
{
	struct mm_struct *mm = need_mm(c);
	uint64_t len, addr = 0, offset = 0;
	long prot = PROT_READ | PROT_WRITE;
	unsigned long flags = MAP_PRIVATE;
	const struct scn_arg *a;
	if (!mm || need_u64(c, 1, "LEN", &len))
		return SCN_ERROR;
	if ((a = scn_opt_key(c, "addr")) && scn_arg_u64(c, a, "addr", 0, UINT64_MAX, &addr))
		return SCN_ERROR;
	if ((a = scn_opt_key(c, "prot")) && (prot = parse_prot(c, a)) < 0)
		return SCN_ERROR;
	if ((a = scn_opt_key(c, "flags")) && parse_mmap_flags(c, a, &flags))
		return SCN_ERROR;
	if ((a = scn_opt_key(c, "offset")) && scn_arg_u64(c, a, "offset", 0, UINT64_MAX, &offset))
		return SCN_ERROR;
	struct simfile *file = NULL;
	if ((a = scn_opt_key(c, "file"))) {
		struct strbuf name = STRBUF_INIT;
		if (scn_arg_text(c, a, &name)) {
			sb_free(&name);
			return SCN_ERROR;
		}
		file = simfs_lookup(&c->m->k, sb_str(&name));
		if (!file)
			scn_error(c, a->val_off, "mmap: no simulated file named '%s' (file create it first)",
				  sb_str(&name));
		sb_free(&name);
		if (!file)
			return SCN_ERROR;
	}
	/* Anonymous unless file= (its offset= is then ignored, as Linux's). */
	if (!file)
		flags |= MAP_ANONYMOUS;
	if ((flags & MAP_POPULATE) && check_populate(c, len))
		return SCN_ERROR;
	report(c, vm_mmap(mm, addr, len, (unsigned long)prot, flags, file, offset), true);
	return SCN_OK;
}

static int cmd_munmap(struct scn_ctx *c)
{
	struct mm_struct *mm = need_mm(c);
	uint64_t addr, len;
	if (!mm || need_u64(c, 1, "ADDR", &addr) || need_u64(c, 2, "LEN", &len))
		return SCN_ERROR;
	report(c, vm_munmap(mm, addr, len), false);
	return SCN_OK;
}

static int cmd_mprotect(struct scn_ctx *c)
{
	struct mm_struct *mm = need_mm(c);
	uint64_t addr, len;
	const struct scn_arg *a;
	long prot;
	if (!mm || need_u64(c, 1, "ADDR", &addr) || need_u64(c, 2, "LEN", &len))
		return SCN_ERROR;
	if (!(a = scn_need_pos(c, 3, "PROT")) || (prot = parse_prot(c, a)) < 0)
		return SCN_ERROR;
	report(c, do_mprotect(mm, addr, len, (unsigned long)prot), false);
	return SCN_OK;
}

static int cmd_mremap(struct scn_ctx *c)
{
	static const char *const words[] = { "maymove", "dontunmap" };
	struct mm_struct *mm = need_mm(c);
	uint64_t addr, old_len, new_len, new_addr = 0;
	unsigned long flags = 0;
	const struct scn_arg *a;
	if (!mm || need_u64(c, 1, "ADDR", &addr) || need_u64(c, 2, "OLD", &old_len) ||
	    need_u64(c, 3, "NEW", &new_len))
		return SCN_ERROR;
	for (int i = 4; (a = scn_opt_pos(c, i)); i++) {
		int w = scn_arg_choice(c, a, "flag", words, MM_ARRAY_SIZE(words));
		if (w < 0)
			return SCN_ERROR;
		flags |= w == 0 ? MREMAP_MAYMOVE : (MREMAP_MAYMOVE | MREMAP_DONTUNMAP);
	}
	if ((a = scn_opt_key(c, "fixed"))) {
		if (scn_arg_u64(c, a, "fixed", 0, UINT64_MAX, &new_addr))
			return SCN_ERROR;
		flags |= MREMAP_FIXED | MREMAP_MAYMOVE;
	}
	report(c, do_mremap(mm, addr, old_len, new_len, flags, new_addr), true);
	return SCN_OK;
}

static int cmd_brk(struct scn_ctx *c)
{
	struct mm_struct *mm = need_mm(c);
	const struct scn_arg *a;
	if (!mm || !(a = scn_need_pos(c, 1, "ADDR|+DELTA|-DELTA")))
		return SCN_ERROR;
	uint64_t target;
	if (!a->quoted && (a->val[0] == '+' || a->val[0] == '-')) {
		struct scn_num d;
		const char *rest = a->val + 1;
		if (scn_eval_at(c, rest, strlen(rest), a->val_off + 1, &d))
			return SCN_ERROR;
		uint64_t delta;
		if (d.neg || !scn_num_to_u64(d, &delta))
			return scn_error(c, a->val_off, "brk: bad delta '%s'", a->val);
		target = a->val[0] == '+' ? mm->brk + delta : (delta > mm->brk ? 0 : mm->brk - delta);
	} else if (scn_arg_u64(c, a, "ADDR", 0, UINT64_MAX, &target)) {
		return SCN_ERROR;
	}
	mm_va_t got = sys_brk(mm, target);
	fprintf(c->out, "brk: 0x%llx%s\n", (unsigned long long)got,
		got != target ? " (refused: the break stays)" : "");
	scn_result_num(c, got, true);
	return SCN_OK;
}

static const struct {
	const char *name;
	int advice;
} advice_names[] = {
	{ "dontneed", MADV_DONTNEED },   { "free", MADV_FREE },
	{ "willneed", MADV_WILLNEED },   { "cold", MADV_COLD },
	{ "pageout", MADV_PAGEOUT },     { "hugepage", MADV_HUGEPAGE },
	{ "nohugepage", MADV_NOHUGEPAGE }, { "normal", MADV_NORMAL },
	{ "random", MADV_RANDOM },       { "sequential", MADV_SEQUENTIAL },
	{ "dontfork", MADV_DONTFORK },   { "dofork", MADV_DOFORK },
	{ "dontdump", MADV_DONTDUMP },   { "dodump", MADV_DODUMP },
	{ "wipeonfork", MADV_WIPEONFORK }, { "keeponfork", MADV_KEEPONFORK },
	{ "remove", MADV_REMOVE },       { "dontneed_locked", MADV_DONTNEED_LOCKED },
	{ "populate_read", MADV_POPULATE_READ }, { "populate_write", MADV_POPULATE_WRITE },
	{ "mergeable", MADV_MERGEABLE }, { "unmergeable", MADV_UNMERGEABLE },
};

static int cmd_madvise(struct scn_ctx *c)
{
	const char *names[MM_ARRAY_SIZE(advice_names)];
	for (size_t i = 0; i < MM_ARRAY_SIZE(advice_names); i++)
		names[i] = advice_names[i].name;
	struct mm_struct *mm = need_mm(c);
	uint64_t addr, len;
	const struct scn_arg *a;
	if (!mm || need_u64(c, 1, "ADDR", &addr) || need_u64(c, 2, "LEN", &len))
		return SCN_ERROR;
	if (!(a = scn_need_pos(c, 3, "ADVICE")))
		return SCN_ERROR;
	int w = scn_arg_choice(c, a, "ADVICE", names, MM_ARRAY_SIZE(names));
	if (w < 0)
		return SCN_ERROR;
	if ((advice_names[w].advice == MADV_POPULATE_READ ||
	     advice_names[w].advice == MADV_POPULATE_WRITE) && check_populate(c, len))
		return SCN_ERROR;
	report(c, do_madvise(mm, addr, len, advice_names[w].advice), false);
	return SCN_OK;
}

static int cmd_mlock(struct scn_ctx *c)
{
	static const char *const words[] = { "onfault" };
	struct mm_struct *mm = need_mm(c);
	uint64_t addr, len;
	const struct scn_arg *a;
	unsigned flags = 0;
	if (!mm || need_u64(c, 1, "ADDR", &addr) || need_u64(c, 2, "LEN", &len))
		return SCN_ERROR;
	if ((a = scn_opt_pos(c, 3))) {
		if (scn_arg_choice(c, a, "flag", words, MM_ARRAY_SIZE(words)) < 0)
			return SCN_ERROR;
		flags |= MLOCK_ONFAULT;
	}
	report(c, do_mlock(mm, addr, len, flags), false);
	return SCN_OK;
}

static int cmd_munlock(struct scn_ctx *c)
{
	struct mm_struct *mm = need_mm(c);
	uint64_t addr, len;
	if (!mm || need_u64(c, 1, "ADDR", &addr) || need_u64(c, 2, "LEN", &len))
		return SCN_ERROR;
	report(c, do_munlock(mm, addr, len), false);
	return SCN_OK;
}

/* msync NAME ADDR LEN [sync|async|invalidate]...: default MS_SYNC, the
 * flag that writes dirty shared file pages back. */
static int cmd_msync(struct scn_ctx *c)
{
	static const char *const words[] = { "async", "invalidate", "sync" };
	static const int bits[] = { MS_ASYNC, MS_INVALIDATE, MS_SYNC };
	struct mm_struct *mm = need_mm(c);
	uint64_t addr, len;
	const struct scn_arg *a;
	int flags = 0;
	if (!mm || need_u64(c, 1, "ADDR", &addr) || need_u64(c, 2, "LEN", &len))
		return SCN_ERROR;
	for (int i = 3; (a = scn_opt_pos(c, i)); i++) {
		int w = scn_arg_choice(c, a, "flag", words, MM_ARRAY_SIZE(words));
		if (w < 0)
			return SCN_ERROR;
		flags |= bits[w];
	}
	if (!flags)
		flags = MS_SYNC;
	report(c, do_msync(mm, addr, len, flags), false);
	return SCN_OK;
}

const struct scn_cmd scn_cmds_mmap[] = {
	{ "mmap",
	  "mmap NAME LEN [addr=A] [prot=rwx|none] [flags=private|shared,fixed,fixed_noreplace,"
	  "populate,noreserve,hugetlb,growsdown,locked,stack] [file=SIMFILE offset=OFF] [-> $v]",
	  "map memory into a process (anonymous unless file=); prints the address or the errno",
	  cmd_mmap, "addr prot flags file offset", 2, SCN_F_RESULT },
	{ "munmap", "munmap NAME ADDR LEN [-> $r]", "unmap [ADDR, ADDR+LEN) of a process", cmd_munmap,
	  NULL, 3, SCN_F_RESULT },
	{ "mprotect", "mprotect NAME ADDR LEN rwx|none [-> $r]",
	  "change the protection of a range (splits and merges VMAs)", cmd_mprotect, NULL, 4,
	  SCN_F_RESULT },
	{ "mremap", "mremap NAME ADDR OLD NEW [maymove] [dontunmap] [fixed=NEWADDR] [-> $v]",
	  "shrink, grow in place, or move a mapping", cmd_mremap, "fixed", 6, SCN_F_RESULT },
	{ "brk", "brk NAME ADDR|+DELTA|-DELTA [-> $v]",
	  "move the program break; a refused request returns the old break", cmd_brk, NULL, 2,
	  SCN_F_RESULT },
	{ "madvise",
	  "madvise NAME ADDR LEN dontneed|free|willneed|cold|pageout|hugepage|nohugepage|... [-> $r]",
	  "advise the kernel about a range", cmd_madvise, NULL, 4, SCN_F_RESULT },
	{ "mlock", "mlock NAME ADDR LEN [onfault] [-> $r]", "lock a range in memory (VmLck)", cmd_mlock,
	  NULL, 4, SCN_F_RESULT },
	{ "munlock", "munlock NAME ADDR LEN [-> $r]", "unlock a range", cmd_munlock, NULL, 3,
	  SCN_F_RESULT },
	{ "msync", "msync NAME ADDR LEN [sync|async|invalidate] [-> $r]",
	  "write a shared file mapping's dirty pages back (default: sync)", cmd_msync, NULL, 5,
	  SCN_F_RESULT },
	{ NULL, NULL, NULL, NULL, NULL, 0, 0 },
};
