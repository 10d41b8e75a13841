/* The process list as `ps` and diagnose show it: every process with its netns, pod (UID and
 * namespace/name) and container (ID and name), optionally in tree order; and the --pod filter
 * that takes a UID or namespace/name. This is a result, so it is one growing allocation owned by
 * the caller's struct ps_list (ps_free releases it); the walk under it allocates nothing. */
#ifndef NR_PROC_PSVIEW_H
#define NR_PROC_PSVIEW_H
#include <stdio.h>

#include "base/err.h"
#include "proc/proc.h"
#include "report/json.h"
#include "runtime/runtime.h"

/* PS_META_MAX: distinct containers named at once (a node runs <= 256 pods x a few containers). */
#define PS_META_MAX 2048

struct ps_meta {                 /* names of one container, from the runtime */
	char id[PROC_CID_MAX];
	char pod_uid[PROC_UID_MAX];
	char name[RT_NAME_MAX];
	char pod_name[RT_NAME_MAX];
	char pod_namespace[RT_NAME_MAX];
};

struct ps_row {
	struct proc_info p;
	int meta;                    /* index into ps_list.meta, -1 when no names known */
	int depth;                   /* tree depth (0 for roots); 0 unless ps_tree() ran */
	char parent_comm[PROC_COMM_MAX]; /* of a zombie's parent (who does not reap it); "" unknown */
	int context;                 /* kept only as the parent of a listed zombie (ps --state) */
};

struct ps_list {
	struct ps_row *v;
	size_t n, cap;
	int nmeta;
	struct ps_meta *meta;        /* PS_META_MAX entries, allocated with the list */
	int tree;                    /* ps_tree() ran: rows are in tree order */
	int oom;
};

/* Walks /proc (PROC_F_ALL) into l, keeping only processes of pod_uid when it is non-NULL and
 * non-empty, and names pods/containers from the runtime state under host_root. 0 or -1. */
int ps_collect(struct ps_list *l, const char *host_root, const char *pod_uid, struct nr_err *e);
/* Reorders rows parent-before-children (children by pid) and sets depth, like `ps -H`. */
void ps_tree(struct ps_list *l);
/* Keeps only processes whose state letter is in states ("Z", "DZ"), plus the parent of each
 * zombie kept (marked context: the process that does not reap it), and names each zombie's
 * parent. Call on the pid-ordered list, before ps_tree. */
void ps_filter_state(struct ps_list *l, const char *states);
void ps_free(struct ps_list *l);

/* Resolves a --pod argument (UID, or namespace/name, or a name unique across namespaces) to a
 * pod UID. Returns 0; or -1 with NR_E_PROC_NOPOD whose ctx lists the closest known pods. */
int ps_resolve_pod(const char *host_root, const char *arg, char *uid, size_t cap, struct nr_err *e);

/* Writes "processes": [...] into the current JSON object. */
void ps_json(struct jw *w, const struct ps_list *l);
/* PID PPID STAT WCHAN NETNS POD CONTAINER COMM ARGS; comm indented by depth in tree order. */
void ps_text(FILE *f, const struct ps_list *l);

#endif
