/* Port holders and the stale verdict. The expensive parts are bounded by what is asked: one
 * listener dump per network namespace (sock_diag, LISTEN/unconnected only), then the fd tables
 * of only those processes that live in a namespace where a matching listener was found. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "base/caps.h"
#include "checks/port.h"
#include "locate/locate.h"
#include "report/escape.h"
#include "report/table.h"
#include "sockets/sockets.h"

#define MOD "port"

/* PORT_NETNS_MAX: GKE allows at most 256 pods per node, plus the host and hostNetwork helpers. */
#define PORT_NETNS_MAX 1024
/* PORT_CANDS_MAX: listeners considered at once; a port has at most a few per netns. */
#define PORT_CANDS_MAX 4096
/* VERDICT_CACHE: distinct containers judged once each (110 pods x 2 containers fit). */
#define VERDICT_CACHE 512

struct nsent {
	unsigned long long ino;
	int pid;      /* a process inside, to enter it */
	int wanted;   /* WANT_*: a listener here is of interest */
};

enum { WANT_NO = 0, WANT_YES, WANT_BATCH, WANT_DONE };

struct cand {
	unsigned long long inode;
	unsigned long long netns;
	unsigned port;
	char addr[PORT_ADDR_MAX];
};

struct vcache {
	char key[PROC_CID_MAX + PROC_UID_MAX];
	int verdict; /* rt_stale() answer */
	char why[192];
};

/* LOG_TAIL: the end of a container's newest log that is searched (a crash loop prints the bind
 * error last; 64 KiB holds many restarts' worth of it). */
#define LOG_TAIL 65536

/* Scratch of one run, owned by check_port_run (one allocation per run). */
struct port_scan {
	struct rt rt;
	const char *host_root;
	struct port_report *r;
	int nns;
	struct nsent ns[PORT_NETNS_MAX];
	int ncand, capcand;
	struct cand *cand;          /* grows: one netns may hold 12,000 listeners */
	int unreadable, unreadable_err; /* namespaces we could not look into, and why */
	int can_ptrace;             /* CAP_SYS_PTRACE: an EACCES is then a race, not a refusal */
	int ns_dropped;             /* namespaces beyond PORT_NETNS_MAX: said, never ignored */
	int nv;
	struct vcache v[VERDICT_CACHE];
	char tail[LOG_TAIL];        /* a container log's end (bind evidence) */
};

/* --- verdicts (cached per pod+container) --------------------------------------------------- */
static int judge(struct port_scan *S, const char *uid, const char *cid, char *why, size_t cap)
{
	char key[sizeof S->v[0].key];
	int i, v;

	snprintf(key, sizeof key, "%s/%s", uid, cid);
	for (i = 0; i < S->nv; i++)
		if (!strcmp(S->v[i].key, key)) {
			snprintf(why, cap, "%s", S->v[i].why);
			return S->v[i].verdict;
		}
	v = rt_stale(&S->rt, uid, cid, why, cap);
	if (S->nv < VERDICT_CACHE) {
		memcpy(S->v[S->nv].key, key, sizeof key);
		snprintf(S->v[S->nv].why, sizeof S->v[S->nv].why, "%s", why);
		S->v[S->nv++].verdict = v;
	}
	return v;
}

/* --- step 1: namespaces (and, for the all-ports scan, stale processes) ---------------------- */
static struct nsent *ns_find(struct port_scan *S, unsigned long long ino)
{
	int lo = 0, hi = S->nns, mid;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (S->ns[mid].ino < ino)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < S->nns && S->ns[lo].ino == ino ? &S->ns[lo] : NULL;
}

static void ns_add(struct port_scan *S, unsigned long long ino, int pid)
{
	int i;

	if (!ino || ns_find(S, ino))
		return;
	if (S->nns >= PORT_NETNS_MAX) {
		S->ns_dropped++;
		return;
	}
	/* Kept sorted by insertion: namespaces are few (<= a few hundred). */
	for (i = S->nns; i > 0 && S->ns[i - 1].ino > ino; i--)
		S->ns[i] = S->ns[i - 1];
	S->ns[i].ino = ino;
	S->ns[i].pid = pid;
	S->ns[i].wanted = WANT_NO;
	S->nns++;
}

static int scan_proc(const struct proc_info *p, void *arg)
{
	struct port_scan *S = arg;
	char why[192];
	struct nsent *n;

	if (!p->netns && (p->netns_err == EACCES || p->netns_err == EPERM)) {
		if (S->can_ptrace)
			return 1; /* exiting or changing credentials meanwhile: gone, in effect */
		S->unreadable++;
		S->unreadable_err = p->netns_err;
		return 1;
	}
	ns_add(S, p->netns, p->pid);
	/* All-ports scan: only namespaces holding a stale process are worth a listener dump. */
	if (S->r->port == 0 && (p->pod_uid[0] || p->container_id[0]) &&
	    judge(S, p->pod_uid, p->container_id, why, sizeof why) == 1 && (n = ns_find(S, p->netns)) &&
	    (!S->r->pod_netns || n->ino == S->r->pod_netns))
		n->wanted = WANT_YES;
	return 1;
}

/* --- step 2: listeners of interest ---------------------------------------------------------- */
struct lctx {
	struct port_scan *S;
	unsigned long long netns;
};

static int add_listener(const struct sock_entry *s, void *arg)
{
	struct lctx *l = arg;
	struct port_scan *S = l->S;
	struct cand *c;
	char a[PORT_ADDR_MAX - 8];

	if (S->r->port && s->lport != S->r->port)
		return 1;
	if (!s->inode)
		return 1;
	if (S->ncand >= S->capcand) {
		int cap = S->capcand ? S->capcand * 2 : PORT_CANDS_MAX;
		struct cand *nc = realloc(S->cand, (size_t)cap * sizeof *nc);

		if (!nc) {
			S->unreadable++;
			S->unreadable_err = ENOMEM;
			return -1;
		}
		S->cand = nc;
		S->capcand = cap;
	}
	c = &S->cand[S->ncand++];
	c->inode = s->inode;
	c->netns = l->netns;
	c->port = s->lport;
	addr_port_str(&s->local, s->lport, a, sizeof a);
	snprintf(c->addr, sizeof c->addr, "%s %s", sock_proto_name(s, 1), a);
	return 1;
}

static int cand_cmp(const void *a, const void *b)
{
	const struct cand *x = a, *y = b;

	return (x->inode > y->inode) - (x->inode < y->inode);
}

static const struct cand *cand_find(struct port_scan *S, unsigned long long inode)
{
	struct cand key;

	key.inode = inode;
	return S->ncand ? bsearch(&key, S->cand, (size_t)S->ncand, sizeof S->cand[0], cand_cmp) : NULL;
}

/* Dumps the listeners of the next wanted namespaces, from *next on, until the candidate table
 * is half full (so a namespace with thousands of listeners elsewhere on the node cannot crowd
 * out the rest: the caller runs one owner scan per batch). Marks them WANT_BATCH. */
static void dump_listeners(struct port_scan *S, struct port_report *r, int *next)
{
	struct lctx l = { S, 0 };
	struct nr_err e;
	int i, diag;

	S->ncand = 0;
	for (i = *next; i < S->nns && S->ncand < PORT_CANDS_MAX / 2; i++) {
		if (S->ns[i].wanted != WANT_YES)
			continue;
		S->ns[i].wanted = WANT_BATCH;
		l.netns = S->ns[i].ino;
		diag = 1;
		nr_err_clear(&e);
		/* A namespace whose last process exited meanwhile just has no listeners; one we
		 * may not enter is counted, never taken for "nothing listens". */
		if (sock_walk_netns(S->ns[i].pid, SOCK_F_TCP | SOCK_F_UDP | SOCK_F_LISTEN, add_listener, &l,
				    &diag, &e) < 0) {
			if (e.code == NR_E_PERM || e.sys == EACCES || e.sys == EPERM) {
				S->unreadable++;
				S->unreadable_err = e.sys ? e.sys : EPERM;
			}
			continue;
		}
		r->netns_scanned++;
		if (!diag)
			r->sockdiag_fallbacks++;
	}
	*next = i;
	qsort(S->cand, (size_t)S->ncand, sizeof S->cand[0], cand_cmp);
}

/* --- step 3: owners -------------------------------------------------------------------------- */
static struct port_holder *holder_for(struct port_report *r, int pid, unsigned long long netns)
{
	int i;

	for (i = 0; i < r->n; i++)
		if (r->h[i].pid == pid)
			return &r->h[i];
	if (r->n >= PORT_HOLDERS_MAX) {
		r->dropped++;
		return NULL;
	}
	memset(&r->h[r->n], 0, sizeof r->h[0]);
	r->h[r->n].pid = pid;
	r->h[r->n].netns = netns;
	return &r->h[r->n++];
}

static int owner_ref(const struct proc_sock_ref *ref, void *arg)
{
	struct port_scan *S = arg;
	struct port_report *r = S->r;
	const struct cand *c = cand_find(S, ref->inode);
	struct port_holder *h;
	int i;

	if (!c || !(h = holder_for(r, ref->pid, c->netns)))
		return 1;
	if (!h->port)
		h->port = c->port;
	for (i = 0; i < h->nsocks; i++)
		if (!strcmp(h->socks[i], c->addr))
			return 1;
	if (h->nsocks < PORT_SOCKS_PER_HOLDER)
		memcpy(h->socks[h->nsocks++], c->addr, sizeof c->addr);
	return 1;
}

static int owner_scan(const struct proc_info *p, void *arg)
{
	struct port_scan *S = arg;
	const struct nsent *n = ns_find(S, p->netns);
	char why[192];

	if (!n || n->wanted != WANT_BATCH)
		return 1;
	/* All-ports scan: only stale processes' sockets. */
	if (S->r->port == 0 && (!(p->pod_uid[0] || p->container_id[0]) ||
			       judge(S, p->pod_uid, p->container_id, why, sizeof why) != 1))
		return 1;
	proc_sock_walk(p->pid, owner_ref, arg);
	return 1;
}

/* Listeners whose holder could not be found (fds unreadable, or the socket passed to a
 * process in another netns) are still listed: pid 0, verdict unknown. */
static void add_unowned(struct port_scan *S, struct port_report *r)
{
	struct port_holder *h;
	int i, j, k, seen;

	for (i = 0; i < S->ncand; i++) {
		for (seen = 0, j = 0; j < r->n && !seen; j++)
			for (k = 0; k < r->h[j].nsocks; k++)
				if (r->h[j].netns == S->cand[i].netns && !strcmp(r->h[j].socks[k], S->cand[i].addr))
					seen = 1;
		if (seen || r->n >= PORT_HOLDERS_MAX)
			continue;
		h = &r->h[r->n++];
		memset(h, 0, sizeof *h);
		h->netns = S->cand[i].netns;
		h->port = S->cand[i].port;
		snprintf(h->why, sizeof h->why, "no process found holding it (fds unreadable?)");
		memcpy(h->socks[h->nsocks++], S->cand[i].addr, sizeof S->cand[i].addr);
	}
}

/* --- step 4: facts and verdict per holder ----------------------------------------------------- */
static void describe(struct port_scan *S, struct port_holder *h)
{
	struct proc_info p;
	struct rt_container c;
	struct rt_pod pod;
	int v;

	if (proc_read(h->pid, PROC_F_ARGS | PROC_F_CGROUP, &p, NULL) == 0) {
		h->ppid = p.ppid;
		memcpy(h->comm, p.comm, sizeof h->comm);
		memcpy(h->args, p.args, sizeof h->args);
		memcpy(h->pod_uid, p.pod_uid, sizeof h->pod_uid);
		memcpy(h->container_id, p.container_id, sizeof h->container_id);
	}
	if (h->container_id[0] && rt_container_info(&S->rt, h->container_id, &c) == 0) {
		snprintf(h->container_name, sizeof h->container_name, "%s", c.name);
		snprintf(h->pod_name, sizeof h->pod_name, "%s", c.pod_name);
		snprintf(h->pod_namespace, sizeof h->pod_namespace, "%s", c.pod_namespace);
	}
	if (h->pod_uid[0] && !h->pod_name[0] && rt_pod_by_uid(&S->rt, h->pod_uid, &pod) == 0) {
		snprintf(h->pod_name, sizeof h->pod_name, "%s", pod.name);
		snprintf(h->pod_namespace, sizeof h->pod_namespace, "%s", pod.namespace_);
	}
	if (!h->pod_uid[0] && !h->container_id[0]) {
		h->verdict = PORT_HOST;
		return;
	}
	v = judge(S, h->pod_uid, h->container_id, h->why, sizeof h->why);
	h->verdict = v == 1 ? PORT_STALE : v == 0 ? PORT_LIVE : PORT_UNKNOWN;
}

static void pod_label(const struct port_holder *h, char *buf, size_t cap)
{
	if (h->pod_name[0])
		snprintf(buf, cap, "%s/%s", h->pod_namespace[0] ? h->pod_namespace : "?", h->pod_name);
	else if (h->pod_uid[0])
		snprintf(buf, cap, "pod %s", h->pod_uid);
	else
		snprintf(buf, cap, "the node");
}

/* diagnose runs a per-port check and the all-ports scan into one findings list: one
 * stale-listener per process is enough. */
/* pid < 0: any finding with that id. */
static int has_finding(const struct findings *fs, const char *id, int pid)
{
	char lead[32];
	int i;

	snprintf(lead, sizeof lead, "pid %d ", pid);
	for (i = 0; i < fs->n; i++)
		if (!strcmp(fs->f[i].id, id) && (pid < 0 || !strncmp(fs->f[i].message, lead, strlen(lead))))
			return 1;
	return 0;
}

static void socks_text(const struct port_holder *h, char *buf, size_t cap)
{
	size_t n = 0;
	int i;

	buf[0] = 0;
	for (i = 0; i < h->nsocks && n < cap; i++)
		n += (size_t)snprintf(buf + n, cap - n, "%s%s", i ? ", " : "", h->socks[i]);
}

/* --- evidence that a container of the asked pod fails to bind ------------------------------ */

/* LOG_PATH: --host-root + /var/log/pods/<ns>_<name>_<uid>/<container>/<n>.log. */
#define LOG_PATH 1024

struct bind_fail {
	int found;
	char container[PORT_NAME_MAX];
	char what[192];
};

/* Case-insensitive search in n bytes (logs are not NUL-terminated text). */
static int has_text(const char *buf, size_t n, const char *needle)
{
	size_t k = strlen(needle), i, j;

	for (i = 0; i + k <= n; i++) {
		for (j = 0; j < k && (buf[i + j] | 0x20) == (needle[j] | 0x20); j++)
			;
		if (j == k)
			return 1;
	}
	return 0;
}

/* The restart count of a kubelet log file name ("3.log"), -1 for other names. */
static long log_number(const char *name)
{
	char *end;
	long v;

	if (name[0] < '0' || name[0] > '9')
		return -1;
	v = strtol(name, &end, 10);
	return strcmp(end, ".log") || v < 0 ? -1 : v;
}

/* One container's log directory: its newest log says "address already in use", or it has
 * restarted (the kubelet names logs by restart count: 0.log, 1.log, ...). */
static void container_logs(struct port_scan *S, const char *dir, const char *cname, struct bind_fail *b)
{
	char *tail = S->tail;
	char path[LOG_PATH];
	struct dirent *de;
	long n, top = -1;
	ssize_t got;
	DIR *d = opendir(dir);

	if (!d)
		return;
	while ((de = readdir(d)))
		if ((n = log_number(de->d_name)) > top)
			top = n;
	closedir(d);
	if (top < 0 || (size_t)snprintf(path, sizeof path, "%s/%ld.log", dir, top) >= sizeof path)
		return;
	got = locate_read_regular(path, tail, LOG_TAIL, 1);
	if (got > 0 && has_text(tail, (size_t)got, "address already in use")) {
		b->found = 1;
		snprintf(b->container, sizeof b->container, "%s", cname);
		snprintf(b->what, sizeof b->what, "its log %ld.log says \"address already in use\"", top);
	} else if (top > 0 && !b->found) {
		b->found = 1;
		snprintf(b->container, sizeof b->container, "%s", cname);
		snprintf(b->what, sizeof b->what, "it is restarting (%ld restarts: log %ld.log)", top, top);
	}
}

/* Looks under --host-root/var/log/pods/<ns>_<name>_<uid>/ for a container of pod uid that
 * fails to bind. A bind error beats a mere restart as evidence. */
static void bind_evidence(struct port_scan *S, const char *uid, struct bind_fail *b)
{
	const char *host_root = S->host_root;
	char dir[LOG_PATH], sub[LOG_PATH];
	struct dirent *de, *ce;
	size_t ul = strlen(uid), nl;
	DIR *d, *pd;

	memset(b, 0, sizeof *b);
	if (!ul || path_under(host_root ? host_root : "/", "/var/log/pods", dir, sizeof dir) < 0 ||
	    !(d = opendir(dir)))
		return;
	while ((de = readdir(d))) {
		nl = strlen(de->d_name);
		if (nl <= ul || de->d_name[nl - ul - 1] != '_' || strcmp(de->d_name + nl - ul, uid))
			continue;
		if ((size_t)snprintf(sub, sizeof sub, "%s/%s", dir, de->d_name) >= sizeof sub ||
		    !(pd = opendir(sub)))
			continue;
		while ((ce = readdir(pd))) {
			char cdir[LOG_PATH];

			if (ce->d_name[0] == '.' ||
			    (size_t)snprintf(cdir, sizeof cdir, "%s/%s", sub, ce->d_name) >= sizeof cdir)
				continue;
			container_logs(S, cdir, ce->d_name, b);
		}
		closedir(pd);
		break;
	}
	closedir(d);
}

/* The pod UID of the asked netns, from a process in it ("" when none is left). */
static void pod_of_netns(struct port_scan *S, unsigned long long ino, char *uid, size_t cap)
{
	const struct nsent *n = ns_find(S, ino);
	struct proc_info p;

	uid[0] = 0;
	if (n && proc_read(n->pid, PROC_F_CGROUP, &p, NULL) == 0)
		snprintf(uid, cap, "%s", p.pod_uid);
}

/* Findings about the asked pod's own netns: port-not-listening when nothing holds the port,
 * port-listening for its own server, port-in-use only with evidence that one of its
 * containers fails to bind while a stale process or another container holds it. */
static void pod_port_findings(struct port_scan *S, struct port_report *r, struct findings *fs)
{
	char subj[64], fix[64], pod[PORT_NAME_MAX * 2 + 8], comm[PROC_COMM_MAX * 4], uid[PROC_UID_MAX];
	char cause[48];
	struct finding *f;
	struct bind_fail b;
	int i, held = 0;

	snprintf(subj, sizeof subj, "port %u", r->port);
	snprintf(fix, sizeof fix, "netrescue port %u --kill", r->port);
	pod_of_netns(S, r->pod_netns, uid, sizeof uid);
	bind_evidence(S, uid, &b);
	for (i = 0; i < r->n; i++) {
		const struct port_holder *h = &r->h[i];

		if (h->netns != r->pod_netns)
			continue;
		held++;
		esc_text(comm, sizeof comm, h->comm, strlen(h->comm));
		pod_label(h, pod, sizeof pod);
		snprintf(cause, sizeof cause, "pid %d", h->pid);
		/* A stale holder is port-in-use only with evidence that a container of the pod
		 * fails to bind (CONTRACT): without it, stale-listener alone says what is wrong. */
		if (h->verdict == PORT_STALE && b.found)
			f = findings_add(fs, "port-in-use", SEV_FAIL, subj, fix,
					 "port %u is already held in the pod's netns by pid %d (%s, %s, stale): "
					 "container %s cannot bind it (%s)", h->port, h->pid, comm, pod,
					 b.container, b.what);
		else if (h->verdict == PORT_STALE)
			continue;
		else if (b.found && strcmp(b.container, h->container_name))
			f = findings_add(fs, "port-in-use", SEV_FAIL, subj, NULL,
					 "port %u is already held in the pod's netns by pid %d (%s, %s, container "
					 "%s, %s), while container %s of the pod fails to bind it: %s", h->port,
					 h->pid, comm, pod, h->container_name[0] ? h->container_name : "?",
					 port_verdict_name(h->verdict), b.container, b.what);
		else
			f = findings_add(fs, "port-listening", SEV_INFO, subj, NULL,
					 "port %u is served in the pod's netns by pid %d (%s, %s, container %s, %s)",
					 h->port, h->pid, comm, pod, h->container_name[0] ? h->container_name : "?",
					 port_verdict_name(h->verdict));
		finding_cause(f, cause);
		finding_pod(f, h->pod_uid);
		if (f && !f->fix[0] && strcmp(f->id, "port-listening"))
			finding_advice(f, "pid %d belongs to a live container (%s): fix the pod's spec so only one "
				       "container listens on port %u", h->pid,
				       h->container_name[0] ? h->container_name : "?", h->port);
	}
	if (held)
		return;
	if (!ns_find(S, r->pod_netns))
		findings_add(fs, "port-not-listening", SEV_FAIL, subj, NULL,
			     "nothing listens on port %u in the pod's netns %llu: no process is left in it "
			     "(connections are refused)", r->port, r->pod_netns);
	else if (r->netns_scanned)
		findings_add(fs, "port-not-listening", SEV_FAIL, subj, NULL,
			     "nothing listens on port %u (TCP or UDP) in the pod's netns %llu%s%s: connections "
			     "to it are refused%s%s%s%s", r->port, r->pod_netns, uid[0] ? " of pod " : "", uid,
			     b.found ? "; container " : "", b.found ? b.container : "", b.found ? ": " : "",
			     b.found ? b.what : "");
}

static void add_findings(struct port_scan *S, struct port_report *r, struct findings *fs)
{
	char socks[PORT_SOCKS_PER_HOLDER * (PORT_ADDR_MAX + 2)];
	char subj[64], fix[64], pod[PORT_NAME_MAX * 2 + 8], comm[PROC_COMM_MAX * 4], cause[48];
	struct finding *f;
	int i;

	if (!r->runtime_known && !has_finding(fs, "runtime-unknown", -1))
		findings_add(fs, "runtime-unknown", SEV_WARN, "runtime", NULL,
			     "no container runtime state readable under the host root (containerd task dirs, "
			     "Docker, CRI-O): no listener can be judged stale; pass --host-root /host under "
			     "kubectl debug");
	for (i = 0; i < r->n; i++) {
		const struct port_holder *h = &r->h[i];

		esc_text(comm, sizeof comm, h->comm, strlen(h->comm));
		pod_label(h, pod, sizeof pod);
		snprintf(subj, sizeof subj, "port %u", h->port);
		snprintf(fix, sizeof fix, "netrescue port %u --kill", h->port);
		if (h->verdict == PORT_STALE && !has_finding(fs, "stale-listener", h->pid)) {
			socks_text(h, socks, sizeof socks);
			f = findings_add(fs, "stale-listener", SEV_FAIL, subj, fix,
					 "pid %d (%s) listens on %s in netns %llu of %s: %s", h->pid, comm,
					 socks, h->netns, pod, h->why);
			snprintf(cause, sizeof cause, "pid %d", h->pid);
			finding_cause(f, cause);
			finding_pod(f, h->pod_uid);
		}
	}
	if (r->pod_netns && r->port)
		pod_port_findings(S, r, fs);
}

static int holder_cmp(const void *a, const void *b)
{
	const struct port_holder *x = a, *y = b;

	if (x->netns != y->netns)
		return x->netns < y->netns ? -1 : 1;
	return (x->pid > y->pid) - (x->pid < y->pid);
}

static int scan(struct port_scan *S, const char *host_root, unsigned port, unsigned long long pod_netns, struct port_report *r,
		struct findings *fs, struct nr_err *e)
{
	int i, next;

	memset(r, 0, sizeof *r);
	r->port = port;
	r->pod_netns = pod_netns;
	S->r = r;
	S->host_root = host_root;
	S->nns = S->ncand = S->nv = S->unreadable = S->ns_dropped = 0;
	S->can_ptrace = nr_cap_effective(CAP_SYS_PTRACE);
	rt_open(&S->rt, host_root);
	r->runtime_known = rt_have_runtime(&S->rt);
	rt_sources(&S->rt, r->sources, sizeof r->sources);

	if (proc_walk_some(PROC_F_NETNS | PROC_F_NOSTAT | (port ? 0 : PROC_F_CGROUP), scan_proc, S, e) < 0)
		return -1;
	if (port)
		for (i = 0; i < S->nns; i++)
			S->ns[i].wanted = !pod_netns || S->ns[i].ino == pod_netns ? WANT_YES : WANT_NO;
	for (next = 0; next < S->nns;) {
		dump_listeners(S, r, &next);
		if (S->ncand && proc_walk_some(PROC_F_NETNS | PROC_F_NOSTAT | (port ? 0 : PROC_F_CGROUP),
					      owner_scan, S, e) < 0) {
			free(S->cand);
			S->cand = NULL;
			S->capcand = 0;
			return -1;
		}
		if (port)
			add_unowned(S, r);
		for (i = 0; i < S->nns; i++)
			if (S->ns[i].wanted == WANT_BATCH)
				S->ns[i].wanted = WANT_DONE;
	}
	free(S->cand);
	S->cand = NULL;
	S->capcand = 0;
	if (S->ns_dropped)
		return nr_fail(e, NR_E_TOOBIG, 0, "port", "%d processes live in network namespaces beyond the %d this scan holds",
			       S->ns_dropped, PORT_NETNS_MAX);
	if (S->unreadable)
		return nr_fail(e, S->unreadable_err == ENOMEM ? NR_E_NOMEM : NR_E_PERM, S->unreadable_err, "port",
			       "the network namespaces of %d processes could not be read, so a listener there "
			       "would be missed (reading /proc/PID/ns/net needs CAP_SYS_PTRACE, entering a netns "
			       "CAP_SYS_ADMIN)",
			       S->unreadable);
	for (i = 0; i < r->n; i++)
		if (r->h[i].pid > 0)
			describe(S, &r->h[i]);
		else
			r->h[i].verdict = PORT_UNKNOWN;
	qsort(r->h, (size_t)r->n, sizeof r->h[0], holder_cmp);
	if (fs)
		add_findings(S, r, fs);
	return 0;
}

int check_port_run(const char *host_root, unsigned port, unsigned long long pod_netns,
		   struct port_report *r, struct findings *fs, struct nr_err *e)
{
	struct port_scan *S = calloc(1, sizeof *S);
	int rc;

	if (!S)
		return nr_fail(e, NR_E_NOMEM, ENOMEM, "port", NULL);
	rc = scan(S, host_root, port, pod_netns, r, fs, e);
	rt_close(&S->rt);
	free(S->cand);
	free(S);
	return rc;
}

/* --- --kill ------------------------------------------------------------------------------------ */
#ifndef SYS_pidfd_open
#define SYS_pidfd_open 434
#endif
#ifndef SYS_pidfd_send_signal
#define SYS_pidfd_send_signal 424
#endif

/* Waits until the process behind pidfd exits; 1 exited, 0 still there after ms. */
static int wait_exit(int pidfd, int pid, unsigned ms)
{
	struct pollfd pf = { pidfd, POLLIN, 0 };
	unsigned waited = 0;

	if (pidfd >= 0)
		return poll(&pf, 1, (int)ms) > 0;
	/* No pidfd (kernel < 5.3): poll the pid; it may be reused, a race we accept there. */
	for (; waited < ms; waited += 50) {
		if (kill(pid, 0) < 0 && errno == ESRCH)
			return 1;
		usleep(50000);
	}
	return 0;
}

static int sig(int pidfd, int pid, int s)
{
	if (pidfd >= 0)
		return (int)syscall(SYS_pidfd_send_signal, pidfd, s, NULL, 0);
	return kill(pid, s);
}

/* Still the process we judged? (same container): a pid reused meanwhile must not be hit. */
static int same_process(const struct port_holder *h)
{
	struct proc_info p;

	if (proc_read(h->pid, PROC_F_CGROUP, &p, NULL) < 0)
		return 0;
	return !strcmp(p.container_id, h->container_id) && !strcmp(p.pod_uid, h->pod_uid) &&
	       !strcmp(p.comm, h->comm);
}

static void end_one(struct port_holder *h, unsigned wait_ms)
{
	int fd = (int)syscall(SYS_pidfd_open, h->pid, 0);

	if (fd < 0 && errno == ESRCH) {
		h->action = PORT_ACT_GONE;
		return;
	}
	if (!same_process(h)) {
		h->action = PORT_ACT_GONE;
		snprintf(h->action_note, sizeof h->action_note, "exited before it was signalled");
	} else if (sig(fd, h->pid, SIGTERM) < 0) {
		h->action = errno == ESRCH ? PORT_ACT_GONE : PORT_ACT_FAILED;
		snprintf(h->action_note, sizeof h->action_note, "SIGTERM: %s", strerror(errno));
	} else if (wait_exit(fd, h->pid, wait_ms)) {
		h->action = PORT_ACT_TERM;
		snprintf(h->action_note, sizeof h->action_note, "ended by SIGTERM");
	} else if (sig(fd, h->pid, SIGKILL) < 0 && errno != ESRCH) {
		h->action = PORT_ACT_FAILED;
		snprintf(h->action_note, sizeof h->action_note, "SIGKILL: %s", strerror(errno));
	} else if (wait_exit(fd, h->pid, 2000)) {
		h->action = PORT_ACT_KILL;
		snprintf(h->action_note, sizeof h->action_note,
			 "ignored SIGTERM for %u ms, ended by SIGKILL", wait_ms);
	} else {
		h->action = PORT_ACT_FAILED;
		snprintf(h->action_note, sizeof h->action_note, "still running after SIGKILL (state D?)");
	}
	if (fd >= 0)
		close(fd);
}

/* An ended holder no longer holds the port: its stale-listener and port-in-use findings go,
 * and an info finding records what was done. */
static void rewrite_finding(struct findings *fs, const struct port_holder *h)
{
	char lead[32], mid[40], subj[64];
	int i, j;

	snprintf(lead, sizeof lead, "pid %d ", h->pid);
	snprintf(mid, sizeof mid, "by pid %d ", h->pid);
	for (i = j = 0; i < fs->n; i++) {
		if (!strcmp(fs->f[i].id, "stale-listener") && !strncmp(fs->f[i].message, lead, strlen(lead)))
			continue;
		if (!strcmp(fs->f[i].id, "port-in-use") && strstr(fs->f[i].message, mid))
			continue;
		fs->f[j++] = fs->f[i];
	}
	fs->n = j;
	snprintf(subj, sizeof subj, "port %u", h->port);
	findings_add(fs, "stale-listener-ended", SEV_INFO, subj, NULL, "pid %d: %s", h->pid,
		     h->action_note);
}

int check_port_kill(struct port_report *r, int force, unsigned wait_ms, struct findings *fs)
{
	int i;

	r->kill_run = 1;
	for (i = 0; i < r->n; i++) {
		struct port_holder *h = &r->h[i];

		if (h->pid <= 1 || h->pid == getpid()) {
			h->action = PORT_ACT_KEPT;
			snprintf(h->action_note, sizeof h->action_note, h->pid > 0 ? "never signalled (init or netrescue)" : "holder unknown: nothing to signal");
			continue;
		}
		if (h->verdict != PORT_STALE && !force) {
			h->action = PORT_ACT_KEPT;
			snprintf(h->action_note, sizeof h->action_note, "not stale (%s): kept; --force ends it",
				 port_verdict_name(h->verdict));
			continue;
		}
		end_one(h, wait_ms);
		if (h->action == PORT_ACT_TERM || h->action == PORT_ACT_KILL) {
			r->killed++;
			if (fs)
				rewrite_finding(fs, h);
		}
	}
	return r->killed;
}

/* --- output --------------------------------------------------------------------------------- */
const char *port_verdict_name(enum port_verdict v)
{
	switch (v) {
	case PORT_HOST: return "host";
	case PORT_LIVE: return "live";
	case PORT_STALE: return "stale";
	default: return "unknown";
	}
}

static const char *action_name(enum port_action a)
{
	static const char *const n[] = { NULL, "kept", "sigterm", "sigkill", "gone", "failed" };
	return n[a];
}

static void kstr_or_null(struct jw *w, const char *k, const char *v)
{
	if (v && *v)
		jw_kstr(w, k, v);
	else
		jw_knull(w, k);
}

void check_port_json(struct jw *w, const struct port_report *r)
{
	int i, j;

	jw_kuint(w, "port", r->port);
	jw_key(w, "runtime");
	jw_obj(w);
	jw_kbool(w, "known", r->runtime_known);
	jw_kstr(w, "sources", r->sources);
	jw_obj_end(w);
	jw_kint(w, "netns_scanned", r->netns_scanned);
	jw_key(w, "holders");
	jw_arr(w);
	for (i = 0; i < r->n; i++) {
		const struct port_holder *h = &r->h[i];

		jw_obj(w);
		if (h->pid > 0) {
			jw_kint(w, "pid", h->pid);
			jw_kint(w, "ppid", h->ppid);
		} else {
			jw_knull(w, "pid");
			jw_knull(w, "ppid");
		}
		jw_kstr(w, "comm", h->comm);
		jw_kstr(w, "args", h->args);
		jw_kuint(w, "netns", h->netns);
		jw_kuint(w, "port", h->port);
		kstr_or_null(w, "pod_uid", h->pod_uid);
		kstr_or_null(w, "pod_namespace", h->pod_namespace);
		kstr_or_null(w, "pod_name", h->pod_name);
		kstr_or_null(w, "container_id", h->container_id);
		kstr_or_null(w, "container_name", h->container_name);
		jw_key(w, "sockets");
		jw_arr(w);
		for (j = 0; j < h->nsocks; j++)
			jw_str(w, h->socks[j]);
		jw_arr_end(w);
		jw_kbool(w, "stale", h->verdict == PORT_STALE);
		jw_kstr(w, "verdict", port_verdict_name(h->verdict));
		kstr_or_null(w, "stale_reason", h->verdict == PORT_STALE ? h->why : NULL);
		if (r->kill_run) {
			kstr_or_null(w, "action", action_name(h->action));
			kstr_or_null(w, "action_note", h->action_note);
		}
		jw_obj_end(w);
	}
	jw_arr_end(w);
	if (r->dropped)
		jw_kint(w, "holders_dropped", r->dropped);
}

void check_port_text(FILE *f, const struct port_report *r)
{
	static const char *const hdr[] = { "PID", "COMM", "NETNS", "POD", "CONTAINER", "LISTEN", "VERDICT", "ACTION" };
	char pid[16], ns[24], pod[PORT_NAME_MAX * 2 + 8], ctr[PORT_NAME_MAX + 24], socks[PORT_ADDR_MAX * 2 + 2];
	struct tbl t;
	int i, nc = r->kill_run ? 8 : 7;

	if (!r->n) {
		if (r->port)
			fprintf(f, "nothing listens on port %u in any of %d network namespaces\n", r->port,
				r->netns_scanned);
		else
			fprintf(f, "no stale process listens (%d network namespaces with stale processes)\n",
				r->netns_scanned);
		return;
	}
	tbl_init(&t, nc, hdr);
	for (i = 0; i < r->n; i++) {
		const struct port_holder *h = &r->h[i];
		const char *cells[8];

		snprintf(pid, sizeof pid, h->pid > 0 ? "%d" : "?", h->pid);
		snprintf(ns, sizeof ns, "%llu", h->netns);
		pod_label(h, pod, sizeof pod);
		if (h->container_id[0])
			snprintf(ctr, sizeof ctr, "%.12s%s%s", h->container_id, h->container_name[0] ? " " : "",
				 h->container_name);
		else
			ctr[0] = 0;
		snprintf(socks, sizeof socks, "%s%s%s", h->nsocks ? h->socks[0] : "", h->nsocks > 1 ? "," : "",
			 h->nsocks > 1 ? h->socks[1] : "");
		cells[0] = pid;
		cells[1] = h->comm;
		cells[2] = ns;
		cells[3] = pod;
		cells[4] = ctr[0] ? ctr : NULL;
		cells[5] = socks;
		cells[6] = port_verdict_name(h->verdict);
		cells[7] = r->kill_run ? (h->action_note[0] ? h->action_note : action_name(h->action)) : NULL;
		tbl_add(&t, cells);
	}
	tbl_print(&t, f);
}
