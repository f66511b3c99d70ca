/*
 * view.h - how `show VIEW` and `expect VIEW.PATH ...` see the machine.
 *
 * A view renders twice at once: the text a person reads (Linux's exact
 * layout for Linux files) and a flat list of named fields, which `expect`
 * looks up ("meminfo.MemFree" -> view "meminfo", field "MemFree") and
 * `--json` turns into nested objects by splitting paths at dots.
 *
 * Memory quantities are stored as bytes (view_field_bytes), whatever unit the
 * text prints, so `expect meminfo.MemFree == 100M` means what it says.
 */
#ifndef MMSIM_PROC_VIEW_H
#define MMSIM_PROC_VIEW_H

#include "include/strbuf.h"
#include "mmsim/types.h"

enum view_field_kind { VF_NUM, VF_UNUM, VF_STR };

struct view_field {
	char *path;        /* "MemFree", "Normal.3", "cpu0.hits" */
	enum view_field_kind kind;
	int64_t num;       /* VF_NUM (bytes for memory quantities); VF_UNUM: the
			    * bits of a uint64_t (addresses, PTE words) */
	char *str;         /* VF_STR */
};

struct view_out {
	struct strbuf text;
	struct view_field *fields;
	size_t nr_fields, cap_fields;
};

void view_out_init(struct view_out *o);
void view_out_free(struct view_out *o);
void view_printf(struct view_out *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Record a field; path is printf-formatted. */
void view_field_num(struct view_out *o, int64_t v, const char *path_fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Record an unsigned number (a kernel address or PTE word with bit 63 set
 * stays positive in JSON and in expect). */
void view_field_u64(struct view_out *o, uint64_t v, const char *path_fmt, ...)
	__attribute__((format(printf, 3, 4)));
void view_field_str(struct view_out *o, const char *v, const char *path_fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Find a field by exact path; NULL if absent. */
const struct view_field *view_find(const struct view_out *o, const char *path);
/* The fields as one JSON object (paths split at '.' into nested objects). */
void view_to_json(const struct view_out *o, struct strbuf *json);

struct mm_machine;

/* A view's renderer: argv are the words after the view's name. Returns 0, or
 * -1 with a message in err (the interpreter adds the place). */
typedef int (*view_render_fn)(struct mm_machine *m, int argc, const char *const *argv,
			      struct view_out *out, char *err, size_t err_len);

struct view_def {
	const char *name;
	const char *usage;   /* "pagetable kernel ADDR" */
	const char *help;    /* one line */
	view_render_fn render;
};

/* The renderers, one file each in src/proc/ (NAME.c defines view_NAME). */
int view_meminfo(struct mm_machine *, int, const char *const *, struct view_out *, char *, size_t);
int view_vmstat(struct mm_machine *, int, const char *const *, struct view_out *, char *, size_t);
int view_buddyinfo(struct mm_machine *, int, const char *const *, struct view_out *, char *, size_t);
int view_pagetypeinfo(struct mm_machine *, int, const char *const *, struct view_out *, char *, size_t);
int view_zoneinfo(struct mm_machine *, int, const char *const *, struct view_out *, char *, size_t);
int view_dmesg(struct mm_machine *, int, const char *const *, struct view_out *, char *, size_t);
int view_slabinfo(struct mm_machine *, int, const char *const *, struct view_out *, char *, size_t);
int view_pagetable(struct mm_machine *, int, const char *const *, struct view_out *, char *, size_t);
int view_vmallocinfo(struct mm_machine *, int, const char *const *, struct view_out *, char *, size_t);
/* tlb.c: `show tlb [cpuN] [entries]`; reaches the CPUs via machine_cpu(). */
int view_tlb(struct mm_machine *, int, const char *const *, struct view_out *, char *, size_t);

/* Processes (issue 4): one file each in src/proc/. NAME is a process. */
int view_status(struct mm_machine *, int, const char *const *, struct view_out *, char *, size_t);
int view_smaps(struct mm_machine *, int, const char *const *, struct view_out *, char *, size_t);
int view_ps(struct mm_machine *, int, const char *const *, struct view_out *, char *, size_t);
int view_layout(struct mm_machine *, int, const char *const *, struct view_out *, char *, size_t);
int view_translate(struct mm_machine *, int, const char *const *, struct view_out *, char *, size_t);
struct task_struct;
struct mm_kernel;
/* status.c: /proc/PID/status of t (fields by Linux's names, bytes for
 * memory); also what `expect NAME.VmRSS` reads. */
void status_render_task(struct mm_kernel *k, struct task_struct *t, struct view_out *out);

/* NULL if there is no such view. */
const struct view_def *view_lookup(const char *name);
/* All views, NULL-name terminated. */
extern const struct view_def view_table[];

/* ---- src/proc/vmstat.c: the counters as the views print them ----------- */
struct mm_kernel;
struct zone;
/* Fill v[NR_VM_ITEMS] with every /proc/vmstat value as printed: state
 * counters recomputed from zones and page flags, events from k->vm. */
void vmstat_snapshot(const struct mm_kernel *k, uint64_t *v);
/* Fill v[NR_VM_ITEMS] with zone z's own counters (the zone and NUMA items
 * zoneinfo prints per zone); the other entries are 0. */
void zone_vmstat_snapshot(const struct mm_kernel *k, const struct zone *z, uint64_t *v);
/* Base pages in one PMD-level huge page (HPAGE_PMD_NR: 512 on x86_64 and
 * PAE, 1024 on i386); 0 when the arch has no such leaf (toy). */
uint64_t vmstat_hpage_pmd_nr(const struct mm_kernel *k);

#endif
