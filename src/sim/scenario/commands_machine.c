/*
 * commands_machine.c - the machine itself: boot it, tune it, let time pass.
 *
 *   machine arch=x86_64 ram=128M cpus=2     boot (must come first; else the first
 *                                           command that needs a machine boots
 *                                           the default: x86_64, 128M, 1 cpu)
 *   sysctl vm.min_free_kbytes=2048          set a tunable, as /proc/sys/vm does
 *   sysctl vm.lowmem_reserve_ratio="256 256 32 0 0"   (or 256,256,32,0,0)
 *   sysctl vm.min_free_kbytes               print it: "vm.min_free_kbytes = 2048"
 *   tick [N]                                N milliseconds pass (default 1)
 *
 * Boot errors (arch= unknown, ram= too small for the kernel, bad toy
 * parameters) are input errors at the machine line: the scenario cannot go
 * on without its machine.
 */
#include <errno.h>
#include <string.h>

#include "mm/filemap.h"
#include "mm/internal.h"
#include "sim/machine.h"
#include "sim/scenario/scenario.h"

#define NS_PER_TICK 1000000ULL /* 1 tick = 1 ms */
#define SYSCTL_MAX_VALUES 32

static int arch_arg(struct scn_ctx *c, const struct scn_arg *a, struct mm_machine_config *cfg)
{
	struct strbuf sb = STRBUF_INIT, list = STRBUF_INIT;
	int rc = scn_arg_text(c, a, &sb);
	if (rc)
		goto out;
	size_t nr = 0;
	for (; arch_names[nr]; nr++) {
		sb_printf(&list, "%s%s", nr ? " " : "", arch_names[nr]);
		if (strcmp(arch_names[nr], sb_str(&sb)) == 0)
			goto found;
	}
	const char *near = scn_suggest(sb_str(&sb), (const char *const *)arch_names, nr);
	if (near)
		rc = scn_error(c, a->val_off, "machine: unknown arch '%s' (did you mean '%s'? arches: %s)",
			       sb_str(&sb), near, sb_str(&list));
	else
		rc = scn_error(c, a->val_off, "machine: unknown arch '%s' (arches: %s)", sb_str(&sb),
			       sb_str(&list));
	goto out;
found:
	snprintf(cfg->arch, sizeof(cfg->arch), "%s", sb_str(&sb));
out:
	sb_free(&sb);
	sb_free(&list);
	return rc;
}

/* A u64 key, stored into *dst when present. */
static int u64_key(struct scn_ctx *c, const char *key, uint64_t min, uint64_t max, uint64_t *dst)
{
	const struct scn_arg *a = scn_opt_key(c, key);
	return a ? scn_arg_u64(c, a, key, min, max, dst) : SCN_OK;
}

static int unsigned_key(struct scn_ctx *c, const char *key, unsigned min, unsigned max,
			unsigned *dst)
{
	uint64_t v = *dst;
	int rc = u64_key(c, key, min, max, &v);
	*dst = (unsigned)v;
	return rc;
}

/* A text key copied into dst (bounded). */
static int text_key(struct scn_ctx *c, const struct scn_arg *a, char *dst, size_t len)
{
	struct strbuf sb = STRBUF_INIT;
	int rc = scn_arg_text(c, a, &sb);
	if (!rc && sb.len >= len)
		rc = scn_error(c, a->val_off, "machine: %s= is too long (at most %zu characters)",
			       a->key, len - 1);
	if (!rc)
		snprintf(dst, len, "%s", sb_str(&sb));
	sb_free(&sb);
	return rc;
}

static int cmd_machine(struct scn_ctx *c)
{
	static const char *const toy_keys[] = { "va_bits", "pa_bits", "page", "levels" };
	static const char *const onoff[] = { "off", "on" };
	struct mm_machine_config cfg;
	const struct scn_arg *a;
	int rc;

	if (c->s->m)
		return scn_error(c, c->cmd_off,
				 "machine: must come first, but a machine is already running (booted at %s:%u)",
				 c->s->boot_file, c->s->boot_line);
	mm_machine_config_default(&cfg);
	if ((a = scn_opt_key(c, "arch")) && (rc = arch_arg(c, a, &cfg)))
		return rc;
	bool toy = strcmp(cfg.arch, "toy") == 0;
	for (size_t i = 0; i < MM_ARRAY_SIZE(toy_keys); i++)
		if (!toy && (a = scn_opt_key(c, toy_keys[i])))
			return scn_error(c, a->off, "machine: %s= applies only to arch=toy", toy_keys[i]);
	if (toy && (a = scn_opt_key(c, "ram")))
		return scn_error(c, a->off,
				 "machine: ram= does not apply to arch=toy (its RAM is 2^pa_bits bytes)");
	if ((rc = u64_key(c, "ram", 1, UINT64_MAX, &cfg.ram_bytes)) ||
	    (rc = unsigned_key(c, "cpus", 1, MM_MAX_CPUS, &cfg.nr_cpus)) ||
	    (rc = u64_key(c, "swap", 0, UINT64_MAX, &cfg.swap_bytes)) ||
	    (rc = u64_key(c, "cma", 0, UINT64_MAX, &cfg.cma_bytes)) ||
	    (rc = u64_key(c, "seed", 0, UINT64_MAX, &cfg.seed)) ||
	    (rc = unsigned_key(c, "va_bits", 1, 64, &cfg.toy_va_bits)) ||
	    (rc = unsigned_key(c, "pa_bits", 1, 64, &cfg.toy_pa_bits)) ||
	    (rc = unsigned_key(c, "page", 1, 1u << 30, &cfg.toy_page_bytes)) ||
	    (rc = unsigned_key(c, "levels", 1, ARCH_MAX_LEVELS, &cfg.toy_levels)))
		return rc;
	if ((a = scn_opt_key(c, "debug"))) {
		int on = scn_arg_choice(c, a, "debug", onoff, 2);
		if (on < 0)
			return SCN_ERROR;
		cfg.debug_checks = on;
	}
	if ((a = scn_opt_key(c, "pcid"))) {
		int on = scn_arg_choice(c, a, "pcid", onoff, 2);
		if (on < 0)
			return SCN_ERROR;
		cfg.pcid = on;
	}
	if ((a = scn_opt_key(c, "tlb")) && (rc = text_key(c, a, cfg.tlb, sizeof(cfg.tlb))))
		return rc;
	if ((a = scn_opt_key(c, "slub_debug")) &&
	    (rc = text_key(c, a, cfg.slub_debug, sizeof(cfg.slub_debug))))
		return rc;
	return scn_boot(c, &cfg, c->cmd_off);
}

/* ---- sysctl --------------------------------------------------------------- */

static bool is_sep(char ch)
{
	return ch == ' ' || ch == '\t' || ch == ',';
}

/* Split a's value into numbers: "256 256 32 0 0", 256,256,32,0,0 or one
 * expression. Returns the count, or -1 after reporting. */
static int sysctl_values(struct scn_ctx *c, const struct scn_arg *a, int64_t *vals)
{
	const char *v = a->val;
	size_t base = a->val_off + (a->quoted ? 1 : 0);
	int n = 0;
	for (size_t i = 0; v[i];) {
		while (v[i] && is_sep(v[i]))
			i++;
		if (!v[i])
			break;
		size_t s = i;
		int depth = 0;
		while (v[i] && (depth > 0 || !is_sep(v[i]))) {
			depth += v[i] == '(';
			depth -= v[i] == ')' && depth > 0;
			i++;
		}
		if (n == SYSCTL_MAX_VALUES) {
			scn_error(c, base + s, "sysctl: %s: more than %d values", a->key,
				  SYSCTL_MAX_VALUES);
			return -1;
		}
		struct scn_num num;
		if (scn_eval_at(c, v + s, i - s, base + s, &num))
			return -1;
		if (!scn_num_to_s64(num, &vals[n])) {
			char buf[32];
			scn_error(c, base + s, "sysctl: %s: %s is out of range (a 64-bit signed value)",
				  a->key, scn_num_str(num, buf, sizeof(buf)));
			return -1;
		}
		n++;
	}
	if (n == 0) {
		scn_error(c, a->val_off, "sysctl: %s= needs a value", a->key);
		return -1;
	}
	return n;
}

static int sysctl_write(struct scn_ctx *c, const struct scn_arg *a)
{
	int64_t vals[SYSCTL_MAX_VALUES];
	char why[256] = "";
	/* Word-valued settings (transparent_hugepage=always): huge_memory.c. */
	int rs = mm_sysctl_set_str(&c->m->k, a->key, a->val, why, sizeof(why));
	if (rs != -ENOENT)
		return rs ? scn_error(c, a->val_off, "sysctl: %s: %s", a->key, why) : SCN_OK;
	int n = sysctl_values(c, a, vals);
	if (n < 0)
		return SCN_ERROR;
	int rc = mm_sysctl_set(&c->m->k, a->key, vals, n, why, sizeof(why));
	if (rc == -ENOENT)
		return scn_error(c, a->off, "sysctl: unknown sysctl '%s'%s%s", a->key, why[0] ? ": " : "",
				 why);
	if (rc < 0)
		return scn_error(c, a->val_off, "sysctl: %s: %s", a->key, why[0] ? why : "invalid value");
	return SCN_OK;
}

static int sysctl_read(struct scn_ctx *c, const struct scn_arg *a)
{
	int64_t vals[SYSCTL_MAX_VALUES];
	char why[256] = "";
	struct strbuf name = STRBUF_INIT;
	int rc = scn_arg_text(c, a, &name);
	if (rc)
		goto out;
	const char *word = mm_sysctl_get_str(&c->m->k, sb_str(&name));
	if (word) { /* huge_memory.c's transparent_hugepage */
		fprintf(c->out, "%s = %s\n", sb_str(&name), word);
		goto out;
	}
	int n = mm_sysctl_get(&c->m->k, sb_str(&name), vals, SYSCTL_MAX_VALUES, why, sizeof(why));
	if (n == -ENOENT) {
		rc = scn_error(c, a->val_off, "sysctl: unknown sysctl '%s'", sb_str(&name));
		goto out;
	}
	if (n < 0) {
		rc = scn_error(c, a->val_off, "sysctl: %s: %s", sb_str(&name), why[0] ? why : "cannot read");
		goto out;
	}
	/* procfs prints a vector separated by tabs; sysctl(8) shows "NAME = VALUE". */
	fprintf(c->out, "%s =", sb_str(&name));
	for (int i = 0; i < n && i < SYSCTL_MAX_VALUES; i++)
		fprintf(c->out, "%s%lld", i ? "\t" : " ", (long long)vals[i]);
	fputc('\n', c->out);
out:
	sb_free(&name);
	return rc;
}

static int cmd_sysctl(struct scn_ctx *c)
{
	int rc;
	if (c->nr_keys == 0 && c->nr_pos == 0)
		return scn_error(c, c->cmd_off, "sysctl: missing NAME=VALUE or NAME (usage: %s)",
				 c->cmd->usage);
	for (int i = 0; i < c->nr_keys; i++)
		if ((rc = sysctl_write(c, &c->keys[i])))
			return rc;
	for (int i = 0; i < c->nr_pos; i++)
		if ((rc = sysctl_read(c, &c->pos[i])))
			return rc;
	return SCN_OK;
}

/* ---- tick ----------------------------------------------------------------- */

static int cmd_tick(struct scn_ctx *c)
{
	uint64_t n = 1;
	const struct scn_arg *a = scn_opt_pos(c, 0);
	struct mm_kernel *k = &c->m->k;
	if (a && scn_arg_u64(c, a, "N", 0, UINT64_MAX / NS_PER_TICK, &n))
		return SCN_ERROR;
	uint64_t ns = n * NS_PER_TICK;
	if (k->clock_ns > UINT64_MAX - ns)
		return scn_error(c, a ? a->val_off : c->cmd_off,
				 "tick: the clock would pass 2^64 ns (it is at %llu ns)",
				 (unsigned long long)k->clock_ns);
	/* Later layers run their periodic work here, one tick at a time:
	 * kswapd, kcompactd, khugepaged, writeback. */
	k->clock_ns += ns;
	wb_writeback_tick(k); /* the flusher (filemap.c) */
	return SCN_OK;
}

const struct scn_cmd scn_cmds_machine[] = {
	{ "machine",
	  "machine [arch=x86_64|x86_64-la57|i386|i386-pae|toy] [ram=SIZE] [cpus=N] [swap=SIZE] "
	  "[cma=SIZE] [seed=N] [va_bits=N pa_bits=N page=BYTES levels=N (toy)] [debug=on|off] "
	  "[tlb=GEOMETRY] [pcid=on|off] [slub_debug=FZPU]",
	  "boot the machine (first command; default: x86_64, 128M, 1 cpu)", cmd_machine,
	  "arch ram cpus swap cma seed va_bits pa_bits page levels debug tlb pcid slub_debug", 0,
	  SCN_F_NO_MACHINE },
	{ "sysctl", "sysctl NAME=VALUE... | sysctl NAME",
	  "set a kernel tunable (vm.min_free_kbytes, ...), or print it", cmd_sysctl, "*", -1, 0 },
	{ "tick", "tick [N]", "let N ticks of 1 ms pass (default 1)", cmd_tick, NULL, 1, 0 },
	{ NULL, NULL, NULL, NULL, NULL, 0, 0 },
};
