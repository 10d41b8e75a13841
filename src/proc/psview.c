/* The ps view: collection, pod/container names, tree order, --pod resolution, output. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "proc/psview.h"
#include "report/escape.h"
#include "report/table.h"
#include "url/url.h"

#define MOD "ps"

/* PS_INITIAL: rows allocated first; a node has a few hundred to a few thousand processes. */
#define PS_INITIAL 1024
/* CLOSEST_MAX: pods suggested when --pod matches nothing. */
#define CLOSEST_MAX 3
/* NAME_CMP_MAX: names compared by edit distance are cut here (a row of the DP table). */
#define NAME_CMP_MAX 128

static void scopy(char *d, size_t cap, const char *s)
{
	size_t n = strnlen(s, cap - 1);

	memcpy(d, s, n);
	d[n] = 0;
}

struct collect {
	struct ps_list *l;
	struct rt rt;
	const char *uid;
	struct rt_pod_index ix;  /* pod names by UID: loaded at the first process in a pod */
	int ix_loaded;
};

static int meta_for(struct collect *c, const struct proc_info *p)
{
	struct ps_list *l = c->l;
	struct rt_container rc;
	struct rt_pod pod;
	struct ps_meta *m;
	int i;

	if (!p->container_id[0] && !p->pod_uid[0])
		return -1;
	for (i = 0; i < l->nmeta; i++)
		if (!strcmp(l->meta[i].id, p->container_id) && !strcmp(l->meta[i].pod_uid, p->pod_uid))
			return i;
	if (l->nmeta >= PS_META_MAX)
		return -1;
	m = &l->meta[l->nmeta];
	memset(m, 0, sizeof *m);
	scopy(m->id, sizeof m->id, p->container_id);
	scopy(m->pod_uid, sizeof m->pod_uid, p->pod_uid);
	if (p->container_id[0] && rt_container_info(&c->rt, p->container_id, &rc) == 0) {
		scopy(m->name, sizeof m->name, rc.name);
		scopy(m->pod_name, sizeof m->pod_name, rc.pod_name);
		scopy(m->pod_namespace, sizeof m->pod_namespace, rc.pod_namespace);
	}
	if (!m->pod_name[0] && p->pod_uid[0] && !c->ix_loaded)
		c->ix_loaded = rt_pod_index_load(&c->rt, &c->ix) == 0 ? 1 : -1;
	if (!m->pod_name[0] && p->pod_uid[0] && c->ix_loaded > 0 &&
	    rt_pod_index_find(&c->ix, p->pod_uid, &pod) == 0) {
		scopy(m->pod_name, sizeof m->pod_name, pod.name);
		scopy(m->pod_namespace, sizeof m->pod_namespace, pod.namespace_);
	}
	return l->nmeta++;
}

static int collect_one(const struct proc_info *p, void *arg)
{
	struct collect *c = arg;
	struct ps_list *l = c->l;
	struct ps_row *nv;

	if (c->uid && c->uid[0] && strcmp(p->pod_uid, c->uid))
		return 1;
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : PS_INITIAL;

		nv = realloc(l->v, cap * sizeof *nv);
		if (!nv) {
			l->oom = 1;
			return -1;
		}
		l->v = nv;
		l->cap = cap;
	}
	l->v[l->n].p = *p;
	l->v[l->n].meta = meta_for(c, p);
	l->v[l->n].depth = 0;
	l->n++;
	return 1;
}

int ps_collect(struct ps_list *l, const char *host_root, const char *pod_uid, struct nr_err *e)
{
	struct collect c;
	int rc;

	memset(l, 0, sizeof *l);
	l->meta = calloc(PS_META_MAX, sizeof *l->meta);
	if (!l->meta)
		return nr_fail(e, NR_E_NOMEM, 0, MOD, "process list");
	memset(&c, 0, sizeof c);
	c.l = l;
	c.uid = pod_uid;
	rt_open(&c.rt, host_root);
	rc = proc_walk(collect_one, &c, e);
	rt_close(&c.rt);
	rt_pod_index_free(&c.ix);
	if (rc < 0 && l->oom)
		nr_fail(e, NR_E_NOMEM, 0, MOD, "process list");
	return rc < 0 ? -1 : 0;
}

void ps_free(struct ps_list *l)
{
	free(l->v);
	free(l->meta);
	memset(l, 0, sizeof *l);
}

/* --- state filter --------------------------------------------------------------------------- */

static struct ps_row *row_by_pid(struct ps_list *l, int pid)
{
	size_t lo = 0, hi = l->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (l->v[mid].p.pid == pid)
			return &l->v[mid];
		if (l->v[mid].p.pid < pid)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

void ps_filter_state(struct ps_list *l, const char *states)
{
	size_t i, n = 0;
	struct ps_row *par;

	/* keep: 1 matches, 2 kept as a zombie's parent (depth is unused before ps_tree). */
	for (i = 0; i < l->n; i++)
		l->v[i].depth = 0;
	for (i = 0; i < l->n; i++) {
		if (!strchr(states, l->v[i].p.state) || !l->v[i].p.state)
			continue;
		l->v[i].depth = 1;
		if (l->v[i].p.state != 'Z' || !(par = row_by_pid(l, l->v[i].p.ppid)))
			continue;
		snprintf(l->v[i].parent_comm, sizeof l->v[i].parent_comm, "%s", par->p.comm);
		if (!par->depth)
			par->depth = 2;
	}
	for (i = 0; i < l->n; i++)
		if (l->v[i].depth) {
			l->v[i].context = l->v[i].depth == 2;
			l->v[i].depth = 0;
			l->v[n++] = l->v[i];
		}
	l->n = n;
}

/* --- tree order ----------------------------------------------------------------------------- */
static int row_pid_cmp(const void *a, const void *b)
{
	const struct ps_row *x = a, *y = b;

	return (x->p.pid > y->p.pid) - (x->p.pid < y->p.pid);
}

static size_t find_pid(const struct ps_row *v, size_t n, int pid)
{
	size_t lo = 0, hi = n, mid;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (v[mid].p.pid < pid)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < n && v[lo].p.pid == pid ? lo : n;
}

struct kid {
	int ppid, pid;
	size_t idx;   /* row index */
};

static int kid_cmp(const void *a, const void *b)
{
	const struct kid *x = a, *y = b;

	if (x->ppid != y->ppid)
		return x->ppid < y->ppid ? -1 : 1;
	return (x->pid > y->pid) - (x->pid < y->pid);
}

/* First kid whose parent is ppid (n when none). */
static size_t first_kid(const struct kid *k, size_t n, int ppid)
{
	size_t lo = 0, hi = n, mid;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (k[mid].ppid < ppid)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* Depth-first with an explicit stack (no recursion: a fork bomb makes deep trees); children
 * come from an index sorted by (ppid, pid), so each is found in O(log n). */
void ps_tree(struct ps_list *l)
{
	struct ps_row *out;
	struct kid *kids;
	size_t *stack, *next, sp = 0, k = 0, i, j;
	unsigned char *done;

	if (l->n < 2) {
		l->tree = 1;
		return;
	}
	qsort(l->v, l->n, sizeof l->v[0], row_pid_cmp);
	out = malloc(l->n * sizeof *out);
	kids = malloc(l->n * sizeof *kids);
	stack = malloc(l->n * sizeof *stack);
	next = malloc(l->n * sizeof *next);
	done = calloc(l->n, 1);
	if (!out || !kids || !stack || !next || !done) {
		free(out), free(kids), free(stack), free(next), free(done);
		return; /* pid order stays: still correct, only not indented */
	}
	for (i = 0; i < l->n; i++)
		kids[i] = (struct kid){ l->v[i].p.ppid, l->v[i].p.pid, i };
	qsort(kids, l->n, sizeof kids[0], kid_cmp);
	for (i = 0; i < l->n; i++) {
		/* Roots: no parent in the list (pid 1, kthreadd, or a --pod filter's top). */
		if (done[i] || (find_pid(l->v, l->n, l->v[i].p.ppid) != l->n && l->v[i].p.ppid != l->v[i].p.pid))
			continue;
		stack[sp] = i;
		next[sp++] = first_kid(kids, l->n, l->v[i].p.pid);
		done[i] = 1;
		out[k] = l->v[i];
		out[k++].depth = 0;
		while (sp) {
			int pid = l->v[stack[sp - 1]].p.pid;

			for (j = next[sp - 1]; j < l->n && kids[j].ppid == pid && done[kids[j].idx]; j++)
				;
			if (j >= l->n || kids[j].ppid != pid) {
				sp--;
				continue;
			}
			next[sp - 1] = j + 1;
			done[kids[j].idx] = 1;
			out[k] = l->v[kids[j].idx];
			out[k++].depth = (int)sp;
			stack[sp] = kids[j].idx;
			next[sp++] = first_kid(kids, l->n, kids[j].pid);
		}
	}
	/* Cycles cannot happen in a live tree, but a pid reused mid-walk could fake one. */
	for (i = 0; i < l->n; i++)
		if (!done[i])
			out[k++] = l->v[i];
	memcpy(l->v, out, l->n * sizeof *out);
	free(out), free(kids), free(stack), free(next), free(done);
	l->tree = 1;
}

/* --- --pod ----------------------------------------------------------------------------------- */
static size_t edit_distance(const char *a, const char *b)
{
	size_t la = strnlen(a, NAME_CMP_MAX), lb = strnlen(b, NAME_CMP_MAX), i, j;
	size_t row[NAME_CMP_MAX + 1], diag, up;

	for (j = 0; j <= lb; j++)
		row[j] = j;
	for (i = 1; i <= la; i++) {
		diag = row[0];
		row[0] = i;
		for (j = 1; j <= lb; j++) {
			up = row[j];
			row[j] = diag + (a[i - 1] != b[j - 1]);
			if (up + 1 < row[j])
				row[j] = up + 1;
			if (row[j - 1] + 1 < row[j])
				row[j] = row[j - 1] + 1;
			diag = up;
		}
	}
	return row[lb];
}

struct resolve {
	const char *arg;
	char uid[PROC_UID_MAX];
	int matches;
	char best[CLOSEST_MAX][RT_NAME_MAX * 2 + PROC_UID_MAX + 8];
	size_t bestd[CLOSEST_MAX];
	int nbest;
};

static void consider(struct resolve *r, const char *label)
{
	size_t d = edit_distance(r->arg, label);
	int i, k;

	for (i = 0; i < r->nbest; i++)
		if (!strcmp(r->best[i], label))
			return;
	for (i = 0; i < r->nbest && r->bestd[i] <= d; i++)
		;
	if (i >= CLOSEST_MAX)
		return;
	for (k = r->nbest < CLOSEST_MAX ? r->nbest : CLOSEST_MAX - 1; k > i; k--) {
		memcpy(r->best[k], r->best[k - 1], sizeof r->best[k]);
		r->bestd[k] = r->bestd[k - 1];
	}
	scopy(r->best[i], sizeof r->best[i], label);
	r->bestd[i] = d;
	if (r->nbest < CLOSEST_MAX)
		r->nbest++;
}

static int pod_cb(const struct rt_pod *p, void *arg)
{
	struct resolve *r = arg;
	char full[RT_NAME_MAX * 2 + 2];
	const char *slash = strchr(r->arg, '/');

	snprintf(full, sizeof full, "%s/%s", p->namespace_, p->name);
	if (!strcmp(r->arg, p->uid) || (p->name[0] && (slash ? !strcmp(r->arg, full) : !strcmp(r->arg, p->name)))) {
		if (!r->matches || strcmp(r->uid, p->uid))
			r->matches++;
		scopy(r->uid, sizeof r->uid, p->uid);
		return 1;
	}
	consider(r, p->name[0] ? full : p->uid);
	return 1;
}

static int proc_uid_cb(const struct proc_info *p, void *arg)
{
	struct resolve *r = arg;

	if (!p->pod_uid[0])
		return 1;
	if (!strcmp(p->pod_uid, r->arg)) {
		scopy(r->uid, sizeof r->uid, p->pod_uid);
		r->matches = 1;
		return 0;
	}
	consider(r, p->pod_uid);
	return 1;
}

/* The suggestions found while matching arg: ~1.6 KB, one allocation per call. */
static int resolve(const char *host_root, struct resolve *r, char *uid, size_t cap, struct nr_err *e)
{
	struct rt rt;
	char list[NR_ERR_CTX - 64];
	size_t n = 0;
	int i;

	rt_open(&rt, host_root);
	rt_pod_walk(&rt, pod_cb, r);
	rt_close(&rt);
	if (!r->matches && proc_walk_some(PROC_F_CGROUP, proc_uid_cb, r, e) < 0)
		return -1;
	if (r->matches == 1) {
		scopy(uid, cap, r->uid);
		return 0;
	}
	list[0] = 0;
	for (i = 0; i < r->nbest && n < sizeof list; i++)
		n += (size_t)snprintf(list + n, sizeof list - n, "%s%s", i ? ", " : "", r->best[i]);
	if (r->matches > 1)
		return nr_fail(e, NR_E_PROC_NOPOD, 0, MOD, "'%.40s' names several pods: use namespace/name or the UID", r->arg);
	return nr_fail(e, NR_E_PROC_NOPOD, 0, MOD, "'%.40s' matches no pod (closest: %s)", r->arg,
		       r->nbest ? list : "none known");
}

int ps_resolve_pod(const char *host_root, const char *arg, char *uid, size_t cap, struct nr_err *e)
{
	struct resolve *r = calloc(1, sizeof *r);
	int rc;

	if (!r)
		return nr_fail(e, NR_E_NOMEM, ENOMEM, MOD, NULL);
	r->arg = arg;
	rc = resolve(host_root, r, uid, cap, e);
	free(r);
	return rc;
}

/* --- output ------------------------------------------------------------------------------------ */
/* Command lines hold signed URLs, proxy passwords and tokens (curl -H 'Authorization: ...',
 * our own argv before main could wipe it): never into a view or a bundle. */
static const char *ps_args_redacted(const struct proc_info *p, char *buf, size_t cap)
{
	url_redact_args(p->args, buf, cap);
	return buf;
}

static void kstr_or_null(struct jw *w, const char *k, const char *v)
{
	if (v && *v)
		jw_kstr(w, k, v);
	else
		jw_knull(w, k);
}

void ps_json(struct jw *w, const struct ps_list *l)
{
	size_t i;

	jw_key(w, "processes");
	jw_arr(w);
	for (i = 0; i < l->n; i++) {
		const struct proc_info *p = &l->v[i].p;
		const struct ps_meta *m = l->v[i].meta >= 0 ? &l->meta[l->v[i].meta] : NULL;
		char st[2] = { p->state, 0 }, args[PROC_ARGS_MAX + 64];

		jw_obj(w);
		jw_kint(w, "pid", p->pid);
		jw_kint(w, "ppid", p->ppid);
		jw_kstr(w, "state", st);
		jw_kstr(w, "comm", p->comm);
		if (p->state == 'Z')
			kstr_or_null(w, "parent_comm", l->v[i].parent_comm);
		if (l->v[i].context)
			jw_kbool(w, "zombie_parent", 1);
		
		jw_kstr(w, "args", ps_args_redacted(p, args, sizeof args));
		kstr_or_null(w, "wchan", p->wchan);
		if (p->netns)
			jw_kuint(w, "netns", p->netns);
		else
			jw_knull(w, "netns");
		kstr_or_null(w, "pod_uid", p->pod_uid);
		kstr_or_null(w, "pod_namespace", m ? m->pod_namespace : NULL);
		kstr_or_null(w, "pod_name", m ? m->pod_name : NULL);
		kstr_or_null(w, "container_id", p->container_id);
		kstr_or_null(w, "container_name", m ? m->name : NULL);
		kstr_or_null(w, "cgroup", p->cgroup);
		if (l->tree)
			jw_kint(w, "depth", l->v[i].depth);
		jw_obj_end(w);
	}
	jw_arr_end(w);
}

void ps_text(FILE *f, const struct ps_list *l)
{
	static const char *const hdr[] = { "PID", "PPID", "S", "WCHAN", "NETNS", "POD", "CONTAINER", "COMM", "ARGS" };
	char args[PROC_ARGS_MAX + 64];
	char pid[16], ppid[16], st[2], ns[24], pod[RT_NAME_MAX * 2 + 2], ctr[RT_NAME_MAX + 16];
	char comm[2 * 32 + PROC_COMM_MAX];
	struct tbl t;
	size_t i;

	tbl_init(&t, 9, hdr);
	for (i = 0; i < l->n; i++) {
		const struct proc_info *p = &l->v[i].p;
		const struct ps_meta *m = l->v[i].meta >= 0 ? &l->meta[l->v[i].meta] : NULL;
		const char *cells[9];
		int d = l->v[i].depth > 32 ? 32 : l->v[i].depth;

		snprintf(pid, sizeof pid, "%d", p->pid);
		snprintf(ppid, sizeof ppid, "%d", p->ppid);
		st[0] = p->state;
		st[1] = 0;
		snprintf(ns, sizeof ns, "%llu", p->netns);
		if (m && m->pod_name[0])
			snprintf(pod, sizeof pod, "%s/%s", m->pod_namespace, m->pod_name);
		else
			scopy(pod, sizeof pod, p->pod_uid);
		if (p->container_id[0])
			snprintf(ctr, sizeof ctr, "%.12s%s%s", p->container_id, m && m->name[0] ? " " : "",
				 m ? m->name : "");
		else
			ctr[0] = 0;
		/* ps -H indents the command by two spaces per level. */
		memset(comm, ' ', (size_t)d * 2);
		scopy(comm + d * 2, sizeof comm - (size_t)d * 2, p->comm);
		cells[0] = pid;
		cells[1] = ppid;
		cells[2] = st;
		cells[3] = p->wchan[0] ? p->wchan : NULL;
		cells[4] = p->netns ? ns : NULL;
		cells[5] = pod[0] ? pod : NULL;
		cells[6] = ctr[0] ? ctr : NULL;
		cells[7] = comm;
		cells[8] = p->args[0] ? ps_args_redacted(p, args, sizeof args) : NULL;
		tbl_add(&t, cells);
	}
	tbl_print(&t, f);
}
