#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "proc/shim.h"

/* SHIM_STAT_MAX: /proc/PID/stat is < 400 bytes (a 64-byte comm at most). */
#define SHIM_STAT_MAX 1024
#define NO_POD 0xffffffffu

int shim_is(const char *comm, const char *args)
{
	/* comm is cut at 15 bytes: containerd-shim-runc-v2 reads "containerd-shim", and Docker's
	 * docker-containerd-shim "docker-containe" like its daemon docker-containerd. */
	if (!strncmp(comm, "containerd-shim", 15) || !strcmp(comm, "conmon"))
		return 1;
	if (!strcmp(comm, "docker-containe") && args) {
		const char *sp = strchr(args, ' ');
		size_t n = sp ? (size_t)(sp - args) : strlen(args);
		const char *s = memmem(args, n, "shim", 4);

		return s != NULL;
	}
	return 0;
}

/* The word after flag (a whole word of args) into dst. */
static void arg_after(const char *args, size_t n, const char *flag, char *dst, size_t cap)
{
	size_t k = strlen(flag), i, j;

	for (i = 0; i + k < n; i++) {
		if ((i && args[i - 1] != ' ') || memcmp(args + i, flag, k) || args[i + k] != ' ')
			continue;
		for (i += k + 1, j = 0; i < n && args[i] != ' ' && args[i] && j + 1 < cap; i++)
			dst[j++] = args[i];
		dst[j] = 0;
		return;
	}
}

void shim_parse_args(const char *args, size_t n, char *id, size_t idcap, char *ns, size_t nscap)
{
	id[0] = ns[0] = 0;
	arg_after(args, n, "-id", id, idcap);
	if (!id[0])
		arg_after(args, n, "--id", id, idcap);
	if (!id[0]) /* conmon */
		arg_after(args, n, "-c", id, idcap);
	if (!id[0])
		arg_after(args, n, "--cid", id, idcap);
	arg_after(args, n, "-namespace", ns, nscap);
	if (!ns[0])
		arg_after(args, n, "--namespace", ns, nscap);
}

int shim_parse_stat(const char *buf, size_t n, unsigned long long *start, char *state)
{
	const char *p = NULL, *end = buf + n;
	int field = 2;
	size_t i;

	/* comm may hold spaces and ')': the last ')' ends it. */
	for (i = 0; i < n; i++)
		if (buf[i] == ')')
			p = buf + i;
	if (!p || p + 2 >= end)
		return -1;
	*state = p[2];
	for (p++; p < end && field < 22; p++)
		if (*p == ' ')
			field++;
	if (field != 22 || p >= end || *p < '0' || *p > '9')
		return -1;
	*start = 0;
	for (; p < end && *p >= '0' && *p <= '9'; p++)
		*start = *start * 10 + (unsigned)(*p - '0');
	return 0;
}

unsigned long long shim_proc_start(int pid)
{
	char path[64], buf[SHIM_STAT_MAX], st;
	unsigned long long start = 0;
	ssize_t n;
	int fd;

	snprintf(path, sizeof path, "/proc/%d/stat", pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	n = read(fd, buf, sizeof buf);
	close(fd);
	if (n <= 0 || shim_parse_stat(buf, (size_t)n, &start, &st) < 0)
		return 0;
	return start;
}

unsigned long long shim_pidns(int pid)
{
	char path[64];
	struct stat st;

	if (pid)
		snprintf(path, sizeof path, "/proc/%d/ns/pid", pid);
	else
		snprintf(path, sizeof path, "/proc/self/ns/pid");
	return stat(path, &st) < 0 ? 0 : (unsigned long long)st.st_ino;
}

struct walk {
	struct shim_report *r;
	unsigned long long self_ns;
};

static unsigned pod_index(struct shim_report *r, const struct proc_info *p)
{
	int i;

	for (i = 0; i < r->npods; i++)
		if (!strcmp(r->pods[i], p->pod_uid)) {
			if (!r->pod_cids[i][0])
				snprintf(r->pod_cids[i], sizeof r->pod_cids[i], "%s", p->container_id);
			return (unsigned)i;
		}
	if (r->npods >= SHIM_MAX)
		return NO_POD;
	snprintf(r->pods[r->npods], sizeof r->pods[0], "%s", p->pod_uid);
	snprintf(r->pod_cids[r->npods], sizeof r->pod_cids[0], "%s", p->container_id);
	return (unsigned)r->npods++;
}

/* The command line is read only for the few processes whose name can be a shim's: reading every
 * process's cmdline made the walk half again as slow on a node of 5,000 processes. full gets
 * the process with its args. */
static int shim_candidate(const struct proc_info *p, struct proc_info *full)
{
	struct nr_err e;

	/* shim_is knows the names; only Docker's "docker-containe" needs the command line to tell. */
	if (!shim_is(p->comm, NULL) && strcmp(p->comm, "docker-containe"))
		return 0;
	return proc_read(p->pid, PROC_F_ARGS, full, &e) == 0 && shim_is(full->comm, full->args);
}

static int walk_cb(const struct proc_info *p, void *arg)
{
	struct walk *w = arg;
	struct shim_report *r = w->r;
	struct proc_info full;

	if (p->state == 'Z')
		return 1;
	/* A shim inside a pod (kind, docker-in-docker) is not the node's. */
	if (shim_candidate(p, &full) && shim_pidns(p->pid) == w->self_ns) {
		struct shim *s;

		if (r->n >= SHIM_MAX) {
			r->dropped++;
		} else {
			s = &r->s[r->n++];
			memset(s, 0, sizeof *s);
			s->pid = p->pid;
			snprintf(s->comm, sizeof s->comm, "%s", p->comm);
			shim_parse_args(full.args, strlen(full.args), s->id, sizeof s->id, s->ns, sizeof s->ns);
			s->start = shim_proc_start(p->pid);
			s->pidns = w->self_ns;
		}
	}
	if (p->pod_uid[0]) {
		struct shim_proc *q;

		if (r->nprocs >= SHIM_PROCS) {
			r->procs_dropped++;
			return 1;
		}
		q = &r->procs[r->nprocs++];
		q->pid = p->pid;
		q->ppid = p->ppid;
		q->state = p->state;
		q->pod = pod_index(r, p);
	}
	return 1;
}

static const struct shim_proc *proc_find(const struct shim_report *r, int pid)
{
	size_t lo = 0, hi = r->nprocs;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (r->procs[mid].pid == pid)
			return &r->procs[mid];
		if (r->procs[mid].pid < pid)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

static struct shim *shim_mut(struct shim_report *r, int pid)
{
	int i;

	for (i = 0; i < r->n; i++)
		if (r->s[i].pid == pid)
			return &r->s[i];
	return NULL;
}

const struct shim *shim_by_pid(const struct shim_report *r, int pid)
{
	int i;

	for (i = 0; i < r->n; i++)
		if (r->s[i].pid == pid)
			return &r->s[i];
	return NULL;
}

const struct shim *shim_of_pod(const struct shim_report *r, const char *uid)
{
	int i;

	for (i = 0; uid[0] && i < r->n; i++)
		if (!strcmp(r->s[i].pod_uid, uid))
			return &r->s[i];
	return NULL;
}

static int shim_in_ns(const struct shim_report *r, unsigned long long ns)
{
	int i;

	for (i = 0; ns && i < r->n; i++)
		if (r->s[i].pidns == ns)
			return 1;
	return 0;
}

static void add_orphan(struct shim_report *r, const struct shim_proc *q)
{
	struct shim_orphan *o;
	struct proc_info pi;
	struct nr_err e;

	r->count++;
	if (r->norphans >= SHIM_ORPHANS)
		return;
	o = &r->orphans[r->norphans++];
	memset(o, 0, sizeof *o);
	o->pid = q->pid;
	o->ppid = q->ppid;
	if (q->pod != NO_POD)
		memcpy(o->pod_uid, r->pods[q->pod], sizeof o->pod_uid);
	if (proc_read(q->pid, PROC_F_CGROUP, &pi, &e) == 0) {
		snprintf(o->comm, sizeof o->comm, "%s", pi.comm);
		snprintf(o->container_id, sizeof o->container_id, "%s", pi.container_id);
	}
}

/* Children of each shim, and its pod: the children's, else the pod whose container -id names. */
static void match(struct shim_report *r)
{
	size_t i;
	int j, k;

	for (i = 0; i < r->nprocs; i++) {
		const struct shim_proc *q = &r->procs[i];
		struct shim *s = shim_mut(r, q->ppid);
		unsigned long long st;

		if (!s)
			continue;
		s->children++;
		if (!s->pod_uid[0] && q->pod != NO_POD)
			memcpy(s->pod_uid, r->pods[q->pod], sizeof s->pod_uid);
		st = shim_proc_start(q->pid);
		if (st && (!s->oldest_child || st < s->oldest_child))
			s->oldest_child = st;
	}
	for (j = 0; j < r->n; j++) {
		struct shim *s = &r->s[j];
		long ticks = sysconf(_SC_CLK_TCK);

		for (k = 0; !s->pod_uid[0] && s->id[0] && k < r->npods; k++)
			if (!strcmp(r->pod_cids[k], s->id))
				memcpy(s->pod_uid, r->pods[k], sizeof s->pod_uid);
		s->younger_than_container = s->start && s->oldest_child &&
			s->start > s->oldest_child + (unsigned long long)(ticks > 0 ? ticks : 100);
	}
}

static void judge(struct shim_report *r)
{
	size_t i;

	for (i = 0; i < r->nprocs; i++) {
		const struct shim_proc *q = &r->procs[i];
		const struct shim_proc *parent = proc_find(r, q->ppid);

		if (parent && parent->pod == q->pod && q->pod != NO_POD)
			continue;
		r->tops++;
		if (shim_by_pid(r, q->ppid))
			continue;
		/* Reparented: to init of the PID namespace it lives in (as we see it: our pid 1), or to
		 * a subreaper. Judged only where a shim runs: there, init owning it means its shim died. */
		if (q->ppid <= 0 || !shim_in_ns(r, shim_pidns(q->ppid))) {
			r->unjudged++;
			continue;
		}
		if (q->ppid == 1)
			add_orphan(r, q);
		else
			r->owner_unknown++;
	}
	r->judged = r->tops > r->unjudged;
	if (!r->n)
		snprintf(r->unknown, sizeof r->unknown,
			 "no containerd-shim, conmon or docker shim process in this PID namespace: orphans cannot be told");
	else if (r->unjudged)
		snprintf(r->unknown, sizeof r->unknown,
			 "%llu pod processes have a parent in a PID namespace without a shim", r->unjudged);
	else if (r->procs_dropped)
		snprintf(r->unknown, sizeof r->unknown, "%llu pod processes beyond %d not judged",
			 r->procs_dropped, SHIM_PROCS);
}

int shim_scan(struct shim_report *r, struct nr_err *e)
{
	struct walk w = { r, 0 };

	r->n = 0;
	r->dropped = 0;
	r->judged = 0;
	r->unknown[0] = 0;
	r->tops = r->unjudged = r->count = r->owner_unknown = 0;
	r->norphans = 0;
	r->nprocs = 0;
	r->procs_dropped = 0;
	r->npods = 0;
	w.self_ns = shim_pidns(0);
	if (proc_walk_some(PROC_F_CGROUP, walk_cb, &w, e) < 0)
		return -1;
	match(r);
	judge(r);
	return 0;
}
