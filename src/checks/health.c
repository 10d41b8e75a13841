#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "checks/health.h"
#include "kmsg/kmsg.h"
#include "report/words.h"
#include "runtime/runtime.h"

/* HEALTH_FILE: a cgroup or /proc file we read is < 1 KiB; mountinfo of a busy node ~100 KiB. */
#define HEALTH_FILE 1024
#define MOUNTINFO_MAX (512 * 1024)

/* --- small readers --------------------------------------------------------------------------- */

static long slurp(const char *path, char *buf, size_t cap)
{
	return sysval_slurp(path, buf, cap);
}

/* "KEY N" lines (memory.events, pids.events, oom_control): N of key, -1 when absent. */
static long long keyed(const char *buf, const char *key)
{
	size_t k = strlen(key);
	const char *p = buf;

	while (p && *p) {
		if (!strncmp(p, key, k) && p[k] == ' ')
			return strtoll(p + k + 1, NULL, 10);
		p = strchr(p, '\n');
		if (p)
			p++;
	}
	return -1;
}

int health_parse_stat(const char *buf, size_t n, unsigned long long *start, char *state)
{
	return shim_parse_stat(buf, n, start, state);
}

static int proc_start(int pid, unsigned long long *start)
{
	*start = shim_proc_start(pid);
	return *start ? 0 : -1;
}

static unsigned long long ns_inode(int pid, const char *ns)
{
	char path[64];
	struct stat st;

	if (pid)
		snprintf(path, sizeof path, "/proc/%d/ns/%s", pid, ns);
	else
		snprintf(path, sizeof path, "/proc/self/ns/%s", ns);
	return stat(path, &st) < 0 ? 0 : (unsigned long long)st.st_ino;
}

/* --- cgroup mounts ----------------------------------------------------------------------------- */

/* Mount points of cgroup2 and of the v1 pids and memory hierarchies (/proc/self/mountinfo:
 * "ID PARENT MAJ:MIN ROOT MOUNTPOINT OPTS ... - FSTYPE SOURCE SUPEROPTS"). */
static void mounts(struct health_report *r)
{
	static char buf[MOUNTINFO_MAX];
	char *line, *save = NULL, mp[128], fstype[32], super[256];
	long n = slurp("/proc/self/mountinfo", buf, sizeof buf);

	if (n < 0)
		return;
	for (line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *dash = strstr(line, " - ");

		if (!dash || sscanf(line, "%*s %*s %*s %*s %127s", mp) != 1 ||
		    sscanf(dash + 3, "%31s %*s %255s", fstype, super) != 2)
			continue;
		if (!strcmp(fstype, "cgroup2") && !r->cg2[0])
			snprintf(r->cg2, sizeof r->cg2, "%s", mp);
		else if (!strcmp(fstype, "cgroup") && strstr(super, "pids") && !r->cgpids[0])
			snprintf(r->cgpids, sizeof r->cgpids, "%s", mp);
		else if (!strcmp(fstype, "cgroup") && strstr(super, "memory") && !r->cgmem[0])
			snprintf(r->cgmem, sizeof r->cgmem, "%s", mp);
	}
}

static long cg_read(const char *root, const char *path, const char *file, char *buf, size_t cap)
{
	char p[1024];

	if (!root[0])
		return -1;
	if (snprintf(p, sizeof p, "%s%s/%s", root, path, file) >= (int)sizeof p)
		return -1;
	return slurp(p, buf, cap);
}

/* v1 counts a refused fork in the forking task's cgroup (a container's), not at the limit:
 * the pod's own pids.events plus its children's. */
static unsigned long long v1_pids_events(const char *root, const char *path)
{
	char dir[1024], sub[PROC_CGROUP_MAX + 300], buf[HEALTH_FILE];
	unsigned long long sum = 0;
	struct dirent *d;
	DIR *dp;

	if (snprintf(dir, sizeof dir, "%s%s", root, path) >= (int)sizeof dir)
		return 0;
	dp = opendir(dir);
	if (!dp)
		return 0;
	while ((d = readdir(dp)))
		if (d->d_type == DT_DIR && d->d_name[0] != '.') {
			if (snprintf(sub, sizeof sub, "%s/%s", path, d->d_name) >= (int)sizeof sub)
				continue;
			if (cg_read(root, sub, "pids.events", buf, sizeof buf) >= 0 && keyed(buf, "max") > 0)
				sum += (unsigned long long)keyed(buf, "max");
		}
	closedir(dp);
	return sum;
}

static int pids_of(struct health_pod *pod, const char *root, int v1)
{
	char cur[64], max[64], ev[HEALTH_FILE];

	if (cg_read(root, pod->cgroup, "pids.current", cur, sizeof cur) < 0 ||
	    cg_read(root, pod->cgroup, "pids.max", max, sizeof max) < 0)
		return -1;
	pod->pids_current = strtoull(cur, NULL, 10);
	pod->pids_max = strncmp(max, "max", 3) ? strtoull(max, NULL, 10) : 0;
	/* v2's pids.events of the pod counts the forks its limit refused in the whole pod. */
	if (cg_read(root, pod->cgroup, "pids.events", ev, sizeof ev) >= 0 && keyed(ev, "max") >= 0)
		pod->pids_events_max = (unsigned long long)keyed(ev, "max");
	if (v1)
		pod->pids_events_max += v1_pids_events(root, pod->cgroup);
	pod->pids_ok = 1;
	return 0;
}

/* v1 counts an OOM kill in the memcg where it happened only: the pod's and its containers'. */
static unsigned long long v1_oom_kills(const char *root, const char *path, int *ok)
{
	char dir[1024], sub[PROC_CGROUP_MAX + 300], buf[HEALTH_FILE];
	unsigned long long sum = 0;
	struct dirent *d;
	DIR *dp;

	if (cg_read(root, path, "memory.oom_control", buf, sizeof buf) < 0 || keyed(buf, "oom_kill") < 0)
		return 0;
	*ok = 1;
	sum = (unsigned long long)keyed(buf, "oom_kill");
	if (snprintf(dir, sizeof dir, "%s%s", root, path) >= (int)sizeof dir)
		return sum;
	dp = opendir(dir);
	if (!dp)
		return sum;
	while ((d = readdir(dp)))
		if (d->d_type == DT_DIR && d->d_name[0] != '.') {
			if (snprintf(sub, sizeof sub, "%s/%s", path, d->d_name) >= (int)sizeof sub)
				continue;
			if (cg_read(root, sub, "memory.oom_control", buf, sizeof buf) >= 0 && keyed(buf, "oom_kill") > 0)
				sum += (unsigned long long)keyed(buf, "oom_kill");
		}
	closedir(dp);
	return sum;
}

static void pod_cgroup(struct health_report *r, struct health_pod *pod)
{
	char buf[HEALTH_FILE];

	if (pids_of(pod, r->cg2, 0) < 0 && pids_of(pod, r->cgpids, 1) < 0)
		snprintf(pod->why, sizeof pod->why, "no readable pids controller for the pod's cgroup");
	/* v2 memory.events is hierarchical: the pod's own file counts its containers. */
	if (cg_read(r->cg2, pod->cgroup, "memory.events", buf, sizeof buf) >= 0 && keyed(buf, "oom_kill") >= 0) {
		pod->mem_ok = 1;
		pod->oom_kills = (unsigned long long)keyed(buf, "oom_kill");
	} else {
		pod->oom_kills = v1_oom_kills(r->cgmem, pod->cgroup, &pod->mem_ok);
	}
}

/* --- the process walk -------------------------------------------------------------------------- */

static struct health_pod *pod_of(struct health_report *r, const struct proc_info *p)
{
	struct health_pod *pod;
	char *slash;
	int i;

	for (i = 0; i < r->npods; i++)
		if (!strcmp(r->pods[i].uid, p->pod_uid))
			return &r->pods[i];
	if (r->npods >= HEALTH_PODS) {
		r->pods_dropped++;
		return NULL;
	}
	pod = &r->pods[r->npods++];
	memset(pod, 0, sizeof *pod);
	snprintf(pod->uid, sizeof pod->uid, "%s", p->pod_uid);
	snprintf(pod->cgroup, sizeof pod->cgroup, "%s", p->cgroup);
	/* The pod's cgroup is the container's parent. */
	slash = strrchr(pod->cgroup, '/');
	if (p->container_id[0] && slash && slash != pod->cgroup)
		*slash = 0;
	return pod;
}

static void add_parent(struct health_report *r, int ppid, unsigned long long zpidns)
{
	int i;

	for (i = 0; i < r->nparents; i++)
		if (r->parents[i].pid == ppid) {
			r->parents[i].zombies++;
			return;
		}
	if (r->nparents >= HEALTH_PARENTS) {
		r->parents_dropped++;
		return;
	}
	memset(&r->parents[r->nparents], 0, sizeof r->parents[0]);
	r->parents[r->nparents].pid = ppid;
	r->parents[r->nparents].zpidns = zpidns;
	r->parents[r->nparents++].zombies = 1;
}

/* Zombies per PID namespace: each namespace has its own PID space (and pod's pids.max), so
 * many zombies spread over parents exhaust it as surely as one parent's. */
static void add_pidns(struct health_report *r, unsigned long long ns, const char *pod_uid)
{
	struct health_pidns *n;
	int i;

	for (i = 0; i < r->npidns; i++)
		if (r->pidns[i].pidns == ns) {
			r->pidns[i].zombies++;
			if (!r->pidns[i].pod_uid[0] && pod_uid[0])
				snprintf(r->pidns[i].pod_uid, sizeof r->pidns[i].pod_uid, "%s", pod_uid);
			return;
		}
	if (r->npidns >= HEALTH_PIDNS) {
		r->pidns_dropped++;
		return;
	}
	n = &r->pidns[r->npidns++];
	memset(n, 0, sizeof *n);
	n->pidns = ns;
	n->zombies = 1;
	snprintf(n->pod_uid, sizeof n->pod_uid, "%s", pod_uid);
}

/* 1 daemon, 2 shim, 0 neither. Docker's old docker-containerd and its shim share the comm
 * "docker-containe": the command line tells them apart (pid 0: no process to ask, a daemon). */
static int runtime_kind(const char *comm, int pid)
{
	static const char *const daemons[] = { "containerd", "dockerd", "crio", "docker-containe", NULL };
	struct proc_info pi;
	struct nr_err e;
	int i;

	if (!strcmp(comm, "docker-containe") && pid > 0)
		return proc_read(pid, PROC_F_ARGS, &pi, &e) == 0 && shim_is(comm, pi.args) ? 2 : 1;
	if (shim_is(comm, NULL))
		return 2;
	for (i = 0; daemons[i]; i++)
		if (!strcmp(comm, daemons[i]))
			return 1;
	return 0;
}

static void add_runtime(struct health_report *r, const struct proc_info *p, int kind)
{
	struct health_runtime *rt;

	/* The node's runtime lives in the node's PID namespace: a containerd inside a pod
	 * (kind, docker-in-docker) is not it. */
	if (r->nrt >= HEALTH_RUNTIMES || ns_inode(p->pid, "pid") != r->pidns_self)
		return;
	rt = &r->rt[r->nrt];
	memset(rt, 0, sizeof *rt);
	if (proc_start(p->pid, &rt->start) < 0)
		return;
	rt->pid = p->pid;
	rt->shim = kind == 2;
	snprintf(rt->comm, sizeof rt->comm, "%s", p->comm);
	r->nrt++;
}

static int walk_cb(const struct proc_info *p, void *arg)
{
	struct health_report *r = arg;
	struct health_pod *pod = NULL;
	unsigned long long start;
	int kind;

	r->procs++;
	if (p->pod_uid[0])
		pod = pod_of(r, p);
	if (p->state == 'Z') {
		unsigned long long zns = ns_inode(p->pid, "pid");

		r->zombies++;
		if (!zns) /* not readable for a zombie: its parent's */
			zns = ns_inode(p->ppid, "pid");
		add_parent(r, p->ppid, zns);
		if (zns)
			add_pidns(r, zns, p->pod_uid);
		if (pod) {
			pod->zombies++;
			r->zombies_in_pods++;
		}
	}
	if (pod) {
		pod->procs++;
		if (p->state != 'Z' && proc_start(p->pid, &start) == 0 &&
		    (!pod->oldest_start || start < pod->oldest_start)) {
			pod->oldest_start = start;
			pod->oldest_pid = p->pid;
			snprintf(pod->oldest_comm, sizeof pod->oldest_comm, "%s", p->comm);
		}
	}
	kind = runtime_kind(p->comm, p->pid);
	if (kind && p->state != 'Z')
		add_runtime(r, p, kind);
	return 1;
}

static void parents_info(struct health_report *r)
{
	struct proc_info pi;
	struct nr_err e;
	int i, j;

	for (i = 0; i < r->npidns; i++)
		for (j = 0; j < r->nparents; j++)
			r->pidns[i].parents += r->parents[j].zpidns == r->pidns[i].pidns;

	for (i = 0; i < r->nparents; i++) {
		struct health_parent *h = &r->parents[i];

		h->pidns = ns_inode(h->pid, "pid");
		if (proc_read(h->pid, PROC_F_CGROUP, &pi, &e) < 0)
			continue;
		snprintf(h->comm, sizeof h->comm, "%s", pi.comm);
		snprintf(h->pod_uid, sizeof h->pod_uid, "%s", pi.pod_uid);
	}
}

/* --- node-wide ------------------------------------------------------------------------------- */

static void node_limits(struct health_report *r)
{
	char buf[128], *slash;
	long n;

	sysval_read("/proc/sys/kernel/pid_max", &r->pid_max);
	sysval_read("/proc/sys/kernel/threads-max", &r->threads_max);
	/* /proc/loadavg: "0.00 0.01 0.05 RUNNING/TOTAL LASTPID": TOTAL counts every task. */
	n = slurp("/proc/loadavg", buf, sizeof buf);
	slash = n > 0 ? strchr(buf, '/') : NULL;
	if (slash && slash[1] >= '0' && slash[1] <= '9') {
		r->tasks.ok = 1;
		r->tasks.v = strtoull(slash + 1, NULL, 10);
	} else {
		r->tasks.err = n < 0 ? errno : EINVAL;
	}
}

static void psi(struct health_report *r)
{
	static const char *const res[3] = { "memory", "cpu", "io" };
	char path[64], buf[512], *p;
	int i;

	for (i = 0; i < 3; i++) {
		snprintf(path, sizeof path, "/proc/pressure/%s", res[i]);
		if (slurp(path, buf, sizeof buf) < 0 || !(p = strstr(buf, "some avg10=")))
			continue;
		r->psi_ok[i] = 1;
		r->psi_some[i] = strtod(p + 11, NULL);
		p = strstr(buf, "full avg10=");
		r->psi_full[i] = p ? strtod(p + 11, NULL) : 0;
	}
}

/* --- kernel-log OOM kills ---------------------------------------------------------------------- */

/* Copies the value of "key=" up to ',' or the end into dst. 1 when found. */
static int field(const char *text, size_t n, const char *key, char *dst, size_t cap)
{
	size_t k = strlen(key), i, j;

	for (i = 0; i + k <= n; i++)
		if ((i == 0 || text[i - 1] == ',' || text[i - 1] == ':' || text[i - 1] == ' ') && !memcmp(text + i, key, k)) {
			for (j = 0; i + k + j < n && text[i + k + j] != ',' && text[i + k + j] != '\n' && j + 1 < cap; j++)
				dst[j] = text[i + k + j];
			dst[j] = 0;
			return 1;
		}
	return 0;
}

int health_parse_oom(const char *text, size_t n, struct health_oom *o)
{
	char pid[16];
	struct proc_cgroup cg;
	const char *at = NULL;
	size_t i;

	for (i = 0; i + 9 <= n && !at; i++)
		if (!memcmp(text + i, "oom-kill:", 9))
			at = text + i;
	if (!at)
		return 0;
	n -= (size_t)(at - text);
	memset(o, 0, sizeof *o);
	field(at, n, "task=", o->comm, sizeof o->comm);
	if (field(at, n, "pid=", pid, sizeof pid))
		o->pid = atoi(pid);
	if (field(at, n, "task_memcg=", o->memcg, sizeof o->memcg) &&
	    proc_parse_cgroup_path(o->memcg, strlen(o->memcg), &cg) == 1) {
		snprintf(o->pod_uid, sizeof o->pod_uid, "%s", cg.pod_uid);
		snprintf(o->container_id, sizeof o->container_id, "%s", cg.container_id);
	}
	return 1;
}

/* "comm[pid]" ending at text[end] (the ']'), comm from the start of the line at most. */
static int comm_pid(const char *text, size_t from, size_t end, struct health_crash *c)
{
	size_t open = end, k;

	while (open > from && text[open] != '[')
		open--;
	if (text[open] != '[' || open == from || end - open < 2)
		return 0;
	for (k = open + 1; k < end; k++)
		if (text[k] < '0' || text[k] > '9')
			return 0;
	c->pid = atoi(text + open + 1);
	k = open - from < sizeof c->comm - 1 ? open - from : sizeof c->comm - 1;
	memcpy(c->comm, text + from, k);
	c->comm[k] = 0;
	return 1;
}

static const char *find(const char *text, size_t n, const char *needle)
{
	return memmem(text, n, needle, strlen(needle));
}

int health_parse_crash(const char *text, size_t n, struct health_crash *c)
{
	struct health_oom o;
	const char *at;

	memset(c, 0, sizeof *c);
	if ((at = find(text, n, "]: segfault at ")) != NULL) {
		/* "containerd[12]: segfault at 0 ip ... error 4 in ..." (show_signal_msg) */
		if (!comm_pid(text, 0, (size_t)(at - text), c))
			return 0;
		snprintf(c->what, sizeof c->what, "segfault");
	} else if (n > 7 && !memcmp(text, "traps: ", 7) && (at = find(text + 7, n - 7, "] ")) != NULL) {
		/* "traps: dockerd[3] general protection fault ip:..." / "... trap invalid opcode ..." */
		size_t end = (size_t)(at - text), rest = n - end - 2;

		if (!comm_pid(text, 7, end, c))
			return 0;
		if (rest >= 18 && !memcmp(at + 2, "general protection", 18))
			snprintf(c->what, sizeof c->what, "general protection");
		else if (rest >= 5 && !memcmp(at + 2, "trap ", 5))
			snprintf(c->what, sizeof c->what, "trap");
		else
			return 0;
	} else if (health_parse_oom(text, n, &o)) {
		c->pid = o.pid;
		snprintf(c->comm, sizeof c->comm, "%s", o.comm);
		snprintf(c->what, sizeof c->what, "oom-kill");
	} else {
		return 0;
	}
	return runtime_kind(c->comm, 0) != 0;
}

struct klog_walk {
	struct health_report *r;
	long long cutoff_us;
};

/* A crash counts when a runtime of that name started after it: it was restarted. */
static const struct health_runtime *restarted_after(const struct health_report *r, const struct health_crash *c)
{
	int i;

	for (i = 0; i < r->nrt; i++)
		if (!strcmp(r->rt[i].comm, c->comm) &&
		    (double)r->rt[i].start * 1e6 / (double)r->ticks > (double)c->mono_us)
			return &r->rt[i];
	return NULL;
}

static void klog_crash(struct health_report *r, const struct kmsg_rec *k, long long cutoff_us)
{
	struct health_crash c;

	/* Kernel records only: anyone may write a "segfault" line to /dev/kmsg (facility user). */
	if (k->facility != 0 || !health_parse_crash(k->text, k->text_len, &c))
		return;
	if (!k->has_time) {
		r->crashes_untimed++;
		return;
	}
	if (k->wall_us < cutoff_us)
		return;
	c.wall_us = k->wall_us;
	c.mono_us = k->mono_us;
	if (!restarted_after(r, &c))
		return;
	r->ncrash_total++;
	if (r->ncrashes == HEALTH_CRASHES)
		memmove(r->crashes, r->crashes + 1, sizeof r->crashes - sizeof r->crashes[0]);
	else
		r->ncrashes++;
	r->crashes[r->ncrashes - 1] = c;
}

static int klog_cb(const struct kmsg_rec *k, void *arg)
{
	struct klog_walk *w = arg;
	struct health_report *r = w->r;
	struct health_oom o;

	klog_crash(r, k, w->cutoff_us);
	if (!health_parse_oom(k->text, k->text_len, &o))
		return 1;
	/* A record without a time cannot be placed in the window: said, not counted. */
	if (!k->has_time) {
		r->ooms_untimed++;
		return 1;
	}
	if (k->wall_us < w->cutoff_us)
		return 1;
	o.wall_us = k->wall_us;
	r->nooms_total++;
	if (r->nooms == HEALTH_OOMS) /* keep the newest */
		memmove(r->ooms, r->ooms + 1, sizeof r->ooms - sizeof r->ooms[0]);
	else
		r->nooms++;
	r->ooms[r->nooms - 1] = o;
	return 1;
}

static void klog(struct health_report *r)
{
	struct klog_walk w = { r, 0 };
	struct kmsg_filter f;
	struct nr_err e;
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	w.cutoff_us = ((long long)ts.tv_sec - (long long)r->since_secs) * 1000000LL;
	memset(&f, 0, sizeof f);
	f.max_level = 7;
	if (kmsg_walk(&f, klog_cb, &w, NULL, &e) == 0) {
		r->klog_ok = 1;
		return;
	}
	snprintf(r->klog_err, sizeof r->klog_err, "%s", e.code == NR_E_KMSG_PERM ?
		 "permission denied (kernel.dmesg_restrict: run as root)" : e.sys ? strerror(e.sys) : "cannot read it");
}

/* --- findings -------------------------------------------------------------------------------- */

static long long age(const struct health_report *r, unsigned long long start)
{
	return (long long)(r->uptime - (double)start / (double)r->ticks + 0.5);
}

/* How long ago a process started, in words ("3h12m"); 0s when the clock ticks round past now. */
static const char *age_words(const struct health_report *r, unsigned long long start, char *buf, size_t cap)
{
	long long a = age(r, start);

	return words_span(a > 0 ? (unsigned long long)a : 0, buf, cap);
}

static const struct health_pod *pod_by_uid(const struct health_report *r, const char *uid)
{
	int i;

	for (i = 0; uid[0] && i < r->npods; i++)
		if (!strcmp(r->pods[i].uid, uid))
			return &r->pods[i];
	return NULL;
}

/* "ns/name" when the kubelet's pod logs name it, else the UID ("?" none): what messages and
 * text call a pod (JSON keeps the UID in pod_uid). */
static const char *pod_name(const struct health_report *r, const char *uid)
{
	const struct health_pod *p = pod_by_uid(r, uid);

	return p && p->name[0] ? p->name : uid[0] ? uid : "?";
}

/* "ns/name" when the kubelet's pod logs name it, else "pod UID". */
static const char *pod_label(const struct health_report *r, const char *uid, char *buf, size_t cap)
{
	const struct health_pod *p = pod_by_uid(r, uid);

	if (p && p->name[0])
		snprintf(buf, cap, "%s", p->name);
	else
		snprintf(buf, cap, "pod %s", uid);
	return buf;
}

static void zombie_findings(const struct health_report *r, struct findings *fs)
{
	char subj[64];
	int i;

	for (i = 0; i < r->nparents; i++) {
		const struct health_parent *h = &r->parents[i];

		if (h->zombies < HEALTH_ZOMBIE_PARENT_MIN)
			continue;
		snprintf(subj, sizeof subj, "pid %d (%s)", h->pid, h->comm[0] ? h->comm : "?");
		finding_pod(findings_add(fs, "zombies-accumulating", SEV_WARN, subj, NULL,
			     "process %d (%s)%s%s holds %llu zombie children it never reaps (PID namespace %llu): "
			     "they use PIDs until the pod's pids.max or the node's pid_max is reached and the "
			     "runtime cannot start or track processes; fix or restart that process (an init like "
			     "tini, or shareProcessNamespace, reaps them)",
			     h->pid, h->comm[0] ? h->comm : "?", h->pod_uid[0] ? " of pod " : "",
			     h->pod_uid[0] ? pod_name(r, h->pod_uid) : "", h->zombies, h->pidns), h->pod_uid);
	}
	for (i = 0; i < r->npidns; i++) {
		const struct health_pidns *n = &r->pidns[i];
		char pod[160] = "";
		int j, big = 0;

		for (j = 0; j < r->nparents; j++)
			big |= r->parents[j].zpidns == n->pidns && r->parents[j].zombies >= HEALTH_ZOMBIE_PARENT_MIN;
		if (n->zombies < HEALTH_ZOMBIE_PARENT_MIN || big)
			continue;
		if (n->pod_uid[0]) {
			char l[140];
			snprintf(pod, sizeof pod, " (%s)", pod_label(r, n->pod_uid, l, sizeof l));
		}
		snprintf(subj, sizeof subj, "pid namespace %llu", n->pidns);
		finding_pod(findings_add(fs, "zombies-accumulating", SEV_WARN, subj, NULL,
			     "%llu zombies in PID namespace %llu%s, spread over %s%d parents none of which holds %d: "
			     "together they use PIDs until the pod's pids.max or the node's pid_max is reached; "
			     "an init that reaps (tini, shareProcessNamespace) ends them",
			     n->zombies, n->pidns, pod, r->parents_dropped ? "at least " : "", n->parents,
			     HEALTH_ZOMBIE_PARENT_MIN), n->pod_uid);
	}
}

static void pids_findings(const struct health_report *r, struct findings *fs)
{
	char subj[64];
	int i;

	for (i = 0; i < r->npods; i++) {
		const struct health_pod *p = &r->pods[i];

		if (!p->pids_ok || !p->pids_max || p->pids_current * 10 < p->pids_max * 9)
			continue;
		snprintf(subj, sizeof subj, "pod %s", p->uid);
		finding_pod(findings_add(fs, "pids-near-limit", SEV_FAIL, subj, NULL,
			     "pod %s: pids.current %llu of pids.max %llu (%llu %%), %llu forks refused (pids.events "
			     "max) in %s", pod_name(r, p->uid), p->pids_current, p->pids_max,
			     p->pids_current * 100 / p->pids_max, p->pids_events_max, p->cgroup), p->uid);
	}
	if (r->tasks.ok && r->pid_max.ok && r->pid_max.v && r->tasks.v * 10 >= r->pid_max.v * 9)
		findings_add(fs, "pids-near-limit", SEV_FAIL, "node", NULL,
			     "%llu tasks of kernel.pid_max %llu", r->tasks.v, r->pid_max.v);
	if (r->tasks.ok && r->threads_max.ok && r->threads_max.v && r->tasks.v * 10 >= r->threads_max.v * 9)
		findings_add(fs, "pids-near-limit", SEV_FAIL, "node", NULL,
			     "%llu tasks of kernel.threads-max %llu", r->tasks.v, r->threads_max.v);
}

static void oom_findings(const struct health_report *r, struct findings *fs)
{
	char subj[64], t[32];
	struct finding *f;
	int i;

	for (i = 0; i < r->nooms; i++) {
		const struct health_oom *o = &r->ooms[i];

		if (!o->pod_uid[0])
			continue;
		snprintf(subj, sizeof subj, "pod %s", o->pod_uid);
		f = findings_add(fs, "oom-killed", SEV_WARN, subj, NULL,
				 "kernel OOM killer ended process %d (%s) of container %.12s of pod %s at %s (memcg "
				 "%s): the container hit its memory limit; raise resources.limits.memory or fix the "
				 "leak", o->pid, o->comm, o->container_id[0] ? o->container_id : "?",
				 pod_name(r, o->pod_uid), kmsg_time_str(o->wall_us, t, sizeof t), o->memcg);
		finding_pod(f, o->pod_uid);
		/* A kernel-log record: its time is the evidence's age ("last seen 3h ago"). */
		if (f && o->wall_us > 0)
			f->last_seen_us = o->wall_us;
	}
	for (i = 0; i < r->npods; i++) {
		const struct health_pod *p = &r->pods[i];

		snprintf(subj, sizeof subj, "pod %s", p->uid);
		if (p->mem_ok && p->oom_kills && !findings_has(fs, "oom-killed", subj))
			finding_pod(findings_add(fs, "oom-killed", SEV_WARN, subj, NULL,
						 "pod %s: memory cgroup %s counts %llu OOM kills (memory.events / "
						 "oom_control)", pod_name(r, p->uid), p->cgroup, p->oom_kills), p->uid);
	}
}

/* Seconds for words_span: never negative (clock ticks round). */
static unsigned long long secs_of(double s)
{
	return s > 0 ? (unsigned long long)(s + 0.5) : 0;
}

static void runtime_findings(const struct health_report *r, struct findings *fs)
{
	char subj[64], sa[32], sb[32];
	int i, j;

	for (i = 0; i < r->nrt; i++) {
		const struct health_runtime *rt = &r->rt[i];
		const struct health_pod *older = NULL;

		if (rt->shim)
			continue;
		/* One second of slack: at boot the runtime and the first sandboxes start together. */
		for (j = 0; j < r->npods; j++)
			if (r->pods[j].oldest_start && r->pods[j].oldest_start + r->ticks < rt->start &&
			    (!older || r->pods[j].oldest_start < older->oldest_start))
				older = &r->pods[j];
		if (!older)
			continue;
		snprintf(subj, sizeof subj, "%s (pid %d)", rt->comm, rt->pid);
		finding_pod(findings_add(fs, "runtime-restarted", SEV_WARN, subj, NULL,
			     "%s (pid %d) started %s ago, %s after process %d (%s) of pod %s: the runtime "
			     "restarted (crash, OOM or upgrade) and may have lost track of containers it started "
			     "before: that is how a container becomes stale; check its logs (journalctl -u %s)",
			     rt->comm, rt->pid, age_words(r, rt->start, sa, sizeof sa),
			     words_span(secs_of((double)(rt->start - older->oldest_start) / (double)r->ticks), sb, sizeof sb),
			     older->oldest_pid, older->oldest_comm, pod_name(r, older->uid), rt->comm), older->uid);
	}
	for (i = 0; i < r->ncrashes; i++) {
		const struct health_crash *c = &r->crashes[i];
		const struct health_runtime *rt = restarted_after(r, c);
		char t[32], a[32];

		if (!rt || rt->shim)
			continue;
		snprintf(subj, sizeof subj, "%s (pid %d)", rt->comm, rt->pid);
		if (findings_has(fs, "runtime-restarted", subj))
			continue;
		findings_add(fs, "runtime-restarted", SEV_WARN, subj, NULL,
			     "%s (pid %d) crashed (%s, kernel log at %s) and was restarted: pid %d started %s ago; "
			     "containers it started before may no longer be tracked (stale); check its logs "
			     "(journalctl -u %s)", c->comm, c->pid, c->what, kmsg_time_str(c->wall_us, t, sizeof t),
			     rt->pid, age_words(r, rt->start, a, sizeof a),
			     rt->comm);
	}
}

/* --- the check ------------------------------------------------------------------------------- */

/* Pod names from var/log/pods/<namespace>_<name>_<uid> (one directory scan). */
static void pod_names(struct health_report *r, const char *host_root)
{
	struct rt_pod_index ix;
	struct rt_pod rp;
	struct rt rt;
	int i;

	if (!r->npods)
		return;
	rt_open(&rt, host_root && host_root[0] ? host_root : "/");
	if (rt_pod_index_load(&rt, &ix) < 0) {
		rt_close(&rt);
		return;
	}
	for (i = 0; i < r->npods; i++)
		if (rt_pod_index_find(&ix, r->pods[i].uid, &rp) == 0 && rp.name[0])
			snprintf(r->pods[i].name, sizeof r->pods[i].name, "%.60s/%.60s", rp.namespace_, rp.name);
	rt_pod_index_free(&ix);
	rt_close(&rt);
}

int check_health_run(const struct health_opts *o, struct health_report *r, struct findings *fs,
		     struct nr_err *e)
{
	char up[64];
	int i;

	memset(r, 0, sizeof *r);
	r->since_secs = o && o->since_secs ? o->since_secs : HEALTH_DEFAULT_SINCE;
	r->ticks = (unsigned long long)sysconf(_SC_CLK_TCK);
	if (!r->ticks)
		r->ticks = 100;
	if (slurp("/proc/uptime", up, sizeof up) > 0)
		r->uptime = strtod(up, NULL);
	r->pidns_self = ns_inode(0, "pid");
	mounts(r);
	if (proc_walk_some(PROC_F_CGROUP, walk_cb, r, e) < 0)
		return nr_fail(e, NR_E_HEALTH_PROC, e->sys, "health", "/proc");
	r->proc_ok = 1;
	parents_info(r);
	for (i = 0; i < r->npods; i++)
		pod_cgroup(r, &r->pods[i]);
	pod_names(r, o ? o->host_root : NULL);
	{
		struct nr_err se;
		r->shims_ok = shim_scan(&r->shims, &se) == 0;
	}
	node_limits(r);
	psi(r);
	klog(r);
	zombie_findings(r, fs);
	pids_findings(r, fs);
	oom_findings(r, fs);
	runtime_findings(r, fs);
	return 0;
}

void check_health_cause(const struct health_report *r, char *buf, size_t cap)
{
	char span[32];
	int i;

	buf[0] = 0;
	if (r->shims.count) {
		snprintf(buf, cap, "%llu pod processes lost their shim (reparented to init)", r->shims.count);
		return;
	}
	for (i = r->ncrashes - 1; i >= 0; i--) {
		const struct health_runtime *rt = restarted_after(r, &r->crashes[i]);

		if (rt && !rt->shim) {
			snprintf(buf, cap, "%s crashed (%s) and was restarted (runtime-restarted)", r->crashes[i].comm,
				 r->crashes[i].what);
			return;
		}
	}
	for (i = 0; i < r->nrt; i++)
		if (!r->rt[i].shim) {
			int j;
			for (j = 0; j < r->npods; j++)
				if (r->pods[j].oldest_start && r->pods[j].oldest_start + r->ticks < r->rt[i].start) {
					snprintf(buf, cap, "%s restarted after the pods' processes started (runtime-restarted)", r->rt[i].comm);
					return;
				}
		}
	for (i = 0; i < r->nparents; i++)
		if (r->parents[i].zombies >= HEALTH_ZOMBIE_PARENT_MIN) {
			snprintf(buf, cap, "process %d (%s) accumulates %llu zombies (zombies-accumulating)",
				 r->parents[i].pid, r->parents[i].comm, r->parents[i].zombies);
			return;
		}
	for (i = 0; i < r->npods; i++)
		if (r->pods[i].pids_ok && r->pods[i].pids_max && r->pods[i].pids_current * 10 >= r->pods[i].pids_max * 9) {
			snprintf(buf, cap, "pod %s is at its pids.max (pids-near-limit)", pod_name(r, r->pods[i].uid));
			return;
		}
	if (r->nooms)
		snprintf(buf, cap, "OOM kills in the last %s (oom-killed)", words_span(r->since_secs, span, sizeof span));
}

/* Appends "; " + text to buf. */
static void cause_add(char *buf, size_t cap, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void cause_add(char *buf, size_t cap, const char *fmt, ...)
{
	size_t n = strlen(buf);
	va_list ap;

	if (n && n + 2 < cap) {
		memcpy(buf + n, "; ", 3);
		n += 2;
	}
	if (n + 1 >= cap)
		return;
	va_start(ap, fmt);
	vsnprintf(buf + n, cap - n, fmt, ap);
	va_end(ap);
}

void check_health_pod_cause(const struct health_report *r, const char *pod_uid, char *buf, size_t cap)
{
	const struct health_pod *p = pod_by_uid(r, pod_uid);
	char a[32], b[32], t[32];
	int i;

	buf[0] = 0;
	if (!pod_uid[0])
		return;
	for (i = 0; i < r->shims.norphans; i++)
		if (!strcmp(r->shims.orphans[i].pod_uid, pod_uid)) {
			cause_add(buf, cap, "its shim is gone: pid %d (%s) was reparented to init, no runtime tracks it",
				  r->shims.orphans[i].pid, r->shims.orphans[i].comm);
			break;
		}
	for (i = 0; p && i < r->nrt; i++) {
		const struct health_runtime *rt = &r->rt[i];

		if (rt->shim || !p->oldest_start || p->oldest_start + r->ticks >= rt->start)
			continue;
		cause_add(buf, cap, "%s restarted %s ago, after the pod's processes (started %s ago)", rt->comm,
			  age_words(r, rt->start, a, sizeof a),
			  age_words(r, p->oldest_start, b, sizeof b));
		break;
	}
	for (i = r->ncrashes - 1; i >= 0; i--) {
		const struct health_runtime *rt = restarted_after(r, &r->crashes[i]);

		if (!rt || rt->shim || !p || !p->oldest_start || (double)p->oldest_start * 1e6 / (double)r->ticks >
		    (double)r->crashes[i].mono_us)
			continue;
		cause_add(buf, cap, "%s crashed (%s) at %s", r->crashes[i].comm, r->crashes[i].what,
			  kmsg_time_str(r->crashes[i].wall_us, t, sizeof t));
		break;
	}
	if (!p)
		return;
	if (p->zombies >= HEALTH_ZOMBIE_PARENT_MIN || (p->watched && p->zombies_after > p->zombies))
		cause_add(buf, cap, "%llu zombies in the pod%s", p->watched ? p->zombies_after : p->zombies,
			  p->watched && p->zombies_after > p->zombies ? " (growing)" : "");
	if (p->pids_ok && p->pids_events_max)
		cause_add(buf, cap, "%llu forks refused at its pids.max", p->pids_events_max);
	else if (p->pids_ok && p->pids_max && p->pids_current * 10 >= p->pids_max * 9)
		cause_add(buf, cap, "pids.current %llu of pids.max %llu", p->pids_current, p->pids_max);
	if (p->mem_ok && p->oom_kills)
		cause_add(buf, cap, "%llu OOM kills", p->oom_kills);
	else
		for (i = 0; i < r->nooms; i++)
			if (!strcmp(r->ooms[i].pod_uid, pod_uid)) {
				cause_add(buf, cap, "OOM kill of %s at %s", r->ooms[i].comm,
					  kmsg_time_str(r->ooms[i].wall_us, t, sizeof t));
				break;
			}
}

/* --- --watch ------------------------------------------------------------------------------- */

/* HEALTH_RECOUNT_PAIRS: (pod, parent) pairs of zombies counted in the recount. */
#define HEALTH_RECOUNT_PAIRS 1024

struct recount {
	struct health_report *r;
	int n;
	struct { int pod, ppid; unsigned long long zombies; } pair[HEALTH_RECOUNT_PAIRS];
};

static int recount_cb(const struct proc_info *p, void *arg)
{
	struct recount *c = arg;
	struct health_report *r = c->r;
	int i, pod = -1;

	if (p->state != 'Z' || !p->pod_uid[0])
		return 1;
	for (i = 0; i < r->npods && pod < 0; i++)
		if (!strcmp(r->pods[i].uid, p->pod_uid))
			pod = i;
	if (pod < 0) /* a pod not there at the first count: nothing to compare with */
		return 1;
	r->pods[pod].zombies_after++;
	for (i = 0; i < c->n; i++)
		if (c->pair[i].pod == pod && c->pair[i].ppid == p->ppid) {
			c->pair[i].zombies++;
			return 1;
		}
	if (c->n < HEALTH_RECOUNT_PAIRS) {
		c->pair[c->n].pod = pod;
		c->pair[c->n].ppid = p->ppid;
		c->pair[c->n++].zombies = 1;
	}
	return 1;
}

void check_health_recount(struct health_report *r, unsigned watched_secs, unsigned min_growth,
			  struct findings *fs)
{
	struct recount rc, *c = &rc; /* 16 KiB: stack, no allocation on the /proc path */
	char subj[64], l[140];
	struct proc_info pi;
	struct nr_err e;
	int i;

	c->r = r;
	c->n = 0;
	r->watch_secs = watched_secs;
	for (i = 0; i < r->npods; i++) {
		r->pods[i].zombies_after = 0;
		memset(&r->pods[i].zparent_after, 0, sizeof r->pods[i].zparent_after);
	}
	if (proc_walk_some(PROC_F_CGROUP, recount_cb, c, &e) < 0)
		return;
	for (i = 0; i < r->npods; i++)
		r->pods[i].watched = 1;
	for (i = 0; i < c->n; i++) {
		struct health_zparent *z = &r->pods[c->pair[i].pod].zparent_after;

		if (c->pair[i].zombies > z->zombies) {
			z->pid = c->pair[i].ppid;
			z->zombies = c->pair[i].zombies;
		}
	}
	for (i = 0; i < r->npods; i++) {
		struct health_pod *p = &r->pods[i];
		struct health_zparent *z = &p->zparent_after;

		if (z->pid && proc_read(z->pid, 0, &pi, &e) == 0)
			snprintf(z->comm, sizeof z->comm, "%s", pi.comm);
		if (p->zombies_after < p->zombies + (min_growth ? min_growth : 1))
			continue;
		snprintf(subj, sizeof subj, "pod %s", p->uid);
		findings_add(fs, "zombies-accumulating", SEV_WARN, subj, NULL,
			     "%s: zombies grew from %llu to %llu during the %u s watch; process %d (%s) holds %llu "
			     "of them and does not reap them: they use PIDs until the pod's pids.max or the node's "
			     "pid_max is reached; fix or restart it (an init like tini reaps them)",
			     pod_label(r, p->uid, l, sizeof l), p->zombies, p->zombies_after, watched_secs, z->pid,
			     z->comm[0] ? z->comm : "?", z->zombies);
	}
}

void check_health_watch(struct health_report *r, unsigned secs, volatile sig_atomic_t *stop,
			struct findings *fs)
{
	struct timespec t0, now, nap = { 0, 100 * 1000 * 1000 };
	double gone = 0;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (;;) {
		clock_gettime(CLOCK_MONOTONIC, &now);
		gone = (double)(now.tv_sec - t0.tv_sec) + (double)(now.tv_nsec - t0.tv_nsec) / 1e9;
		if (gone >= (double)secs || (stop && *stop))
			break;
		nanosleep(&nap, NULL);
	}
	/* Stopped early (Ctrl-C): the window is what was watched. */
	check_health_recount(r, gone >= (double)secs ? secs : (unsigned)(gone + 0.5), 1, fs);
}

/* --- output ---------------------------------------------------------------------------------- */

static void json_pods(struct jw *w, const struct health_report *r)
{
	int i;

	jw_key(w, "pods");
	jw_arr(w);
	for (i = 0; i < r->npods; i++) {
		const struct health_pod *p = &r->pods[i];

		jw_obj(w);
		jw_kstr(w, "pod_uid", p->uid);
		jw_kstr(w, "cgroup", p->cgroup);
		jw_kuint(w, "processes", p->procs);
		jw_kuint(w, "zombies", p->zombies);
		if (p->pids_ok) {
			jw_kuint(w, "pids_current", p->pids_current);
			if (p->pids_max)
				jw_kuint(w, "pids_max", p->pids_max);
			else
				jw_kstr(w, "pids_max", "max");
			jw_kuint(w, "pids_events_max", p->pids_events_max);
		} else {
			jw_knull(w, "pids_current");
			jw_knull(w, "pids_max");
			jw_knull(w, "pids_events_max");
		}
		if (p->mem_ok)
			jw_kuint(w, "oom_kills", p->oom_kills);
		else
			jw_knull(w, "oom_kills");
		if (p->oldest_start) {
			jw_key(w, "oldest_process");
			jw_obj(w);
			jw_kint(w, "pid", p->oldest_pid);
			jw_kstr(w, "comm", p->oldest_comm);
			jw_kint(w, "age_seconds", age(r, p->oldest_start));
			jw_obj_end(w);
		}
		jw_kstr(w, "pod", p->name[0] ? p->name : NULL);
		if (p->watched) {
			jw_kuint(w, "zombies_after_watch", p->zombies_after);
			jw_key(w, "zombie_parent_after_watch");
			if (p->zparent_after.pid) {
				jw_obj(w);
				jw_kint(w, "pid", p->zparent_after.pid);
				jw_kstr(w, "comm", p->zparent_after.comm[0] ? p->zparent_after.comm : NULL);
				jw_kuint(w, "zombies", p->zparent_after.zombies);
				jw_obj_end(w);
			} else {
				jw_null(w);
			}
		} else {
			jw_knull(w, "zombies_after_watch");
			jw_knull(w, "zombie_parent_after_watch");
		}
		jw_kstr(w, "unknown", p->why[0] ? p->why : NULL);
		jw_obj_end(w);
	}
	jw_arr_end(w);
}

/* A shim's id, containerd namespace, pod and children; null for daemons. */
static void json_shim(struct jw *w, const struct shim *s)
{
	jw_kstr(w, "id", s && s->id[0] ? s->id : NULL);
	jw_kstr(w, "namespace", s && s->ns[0] ? s->ns : NULL);
	jw_kstr(w, "pod_uid", s && s->pod_uid[0] ? s->pod_uid : NULL);
	if (s) {
		jw_kuint(w, "children", s->children);
		jw_kbool(w, "younger_than_container", s->younger_than_container);
	} else {
		jw_knull(w, "children");
		jw_knull(w, "younger_than_container");
	}
}

static void json_orphans(struct jw *w, const struct health_report *r)
{
	const struct shim_report *s = &r->shims;
	int i;

	jw_key(w, "orphans");
	jw_obj(w);
	jw_kbool(w, "judged", r->shims_ok && s->judged);
	jw_kstr(w, "unknown", !r->shims_ok ? "/proc could not be walked" : s->unknown[0] ? s->unknown : NULL);
	if (r->shims_ok && s->judged)
		jw_kuint(w, "count", s->count);
	else
		jw_knull(w, "count");
	jw_kuint(w, "owner_unknown", s->owner_unknown);
	jw_key(w, "processes");
	jw_arr(w);
	for (i = 0; r->shims_ok && i < s->norphans; i++) {
		jw_obj(w);
		jw_kint(w, "pid", s->orphans[i].pid);
		jw_kint(w, "ppid", s->orphans[i].ppid);
		jw_kstr(w, "comm", s->orphans[i].comm);
		jw_kstr(w, "pod_uid", s->orphans[i].pod_uid[0] ? s->orphans[i].pod_uid : NULL);
		jw_kstr(w, "container_id", s->orphans[i].container_id[0] ? s->orphans[i].container_id : NULL);
		jw_obj_end(w);
	}
	jw_arr_end(w);
	jw_obj_end(w);
}

static void json_crashes(struct jw *w, const struct health_report *r)
{
	char t[32];
	int i;

	jw_key(w, "runtime_crashes");
	jw_obj(w);
	if (r->klog_ok)
		jw_kuint(w, "count", r->ncrash_total);
	else
		jw_knull(w, "count");
	jw_kuint(w, "untimed", r->crashes_untimed);
	jw_kstr(w, "last", r->ncrashes ? kmsg_time_str(r->crashes[r->ncrashes - 1].wall_us, t, sizeof t) : NULL);
	jw_key(w, "records");
	jw_arr(w);
	for (i = 0; i < r->ncrashes; i++) {
		jw_obj(w);
		jw_kstr(w, "time", kmsg_time_str(r->crashes[i].wall_us, t, sizeof t));
		jw_kint(w, "pid", r->crashes[i].pid);
		jw_kstr(w, "comm", r->crashes[i].comm);
		jw_kstr(w, "what", r->crashes[i].what);
		jw_obj_end(w);
	}
	jw_arr_end(w);
	jw_obj_end(w);
}

static void json_sysval_or_null(struct jw *w, const char *k, const struct sysval *v)
{
	sysval_json(w, k, v);
}

void check_health_json(struct jw *w, const struct health_report *r)
{
	static const char *const res[3] = { "memory", "cpu", "io" };
	char t[32];
	int i;

	jw_kuint(w, "processes", r->procs);
	jw_kuint(w, "zombies", r->zombies);
	jw_kuint(w, "zombies_in_pods", r->zombies_in_pods);
	jw_key(w, "zombie_parents");
	jw_arr(w);
	for (i = 0; i < r->nparents; i++) {
		jw_obj(w);
		jw_kint(w, "pid", r->parents[i].pid);
		jw_kstr(w, "comm", r->parents[i].comm[0] ? r->parents[i].comm : NULL);
		jw_kstr(w, "pod_uid", r->parents[i].pod_uid[0] ? r->parents[i].pod_uid : NULL);
		jw_kuint(w, "pid_namespace", r->parents[i].pidns);
		jw_kuint(w, "zombies", r->parents[i].zombies);
		jw_obj_end(w);
	}
	jw_arr_end(w);
	jw_key(w, "zombie_pid_namespaces");
	jw_arr(w);
	for (i = 0; i < r->npidns; i++) {
		jw_obj(w);
		jw_kuint(w, "pid_namespace", r->pidns[i].pidns);
		jw_kuint(w, "zombies", r->pidns[i].zombies);
		jw_kstr(w, "pod_uid", r->pidns[i].pod_uid[0] ? r->pidns[i].pod_uid : NULL);
		jw_kint(w, "parents", r->pidns[i].parents);
		jw_obj_end(w);
	}
	jw_arr_end(w);
	if (r->watch_secs)
		jw_kuint(w, "watch_seconds", r->watch_secs);
	else
		jw_knull(w, "watch_seconds");
	json_pods(w, r);
	json_sysval_or_null(w, "pid_max", &r->pid_max);
	json_sysval_or_null(w, "threads_max", &r->threads_max);
	json_sysval_or_null(w, "tasks", &r->tasks);
	jw_key(w, "pressure");
	jw_obj(w);
	for (i = 0; i < 3; i++) {
		jw_key(w, res[i]);
		if (!r->psi_ok[i]) {
			jw_null(w);
			continue;
		}
		jw_obj(w);
		jw_key(w, "some_avg10");
		jw_double(w, r->psi_some[i]);
		jw_key(w, "full_avg10");
		jw_double(w, r->psi_full[i]);
		jw_obj_end(w);
	}
	jw_obj_end(w);
	jw_key(w, "oom_kills");
	jw_obj(w);
	jw_kbool(w, "kernel_log_read", r->klog_ok);
	jw_kstr(w, "error", r->klog_ok ? NULL : r->klog_err);
	jw_kuint(w, "since_seconds", r->since_secs);
	jw_kuint(w, "count", r->nooms_total);
	jw_kuint(w, "untimed", r->ooms_untimed);
	jw_key(w, "records");
	jw_arr(w);
	for (i = 0; i < r->nooms; i++) {
		const struct health_oom *o = &r->ooms[i];
		jw_obj(w);
		jw_kstr(w, "time", kmsg_time_str(o->wall_us, t, sizeof t));
		jw_kint(w, "pid", o->pid);
		jw_kstr(w, "comm", o->comm);
		jw_kstr(w, "pod_uid", o->pod_uid[0] ? o->pod_uid : NULL);
		jw_kstr(w, "container_id", o->container_id[0] ? o->container_id : NULL);
		jw_kstr(w, "memcg", o->memcg);
		jw_obj_end(w);
	}
	jw_arr_end(w);
	jw_obj_end(w);
	jw_key(w, "runtimes");
	jw_arr(w);
	for (i = 0; i < r->nrt; i++) {
		jw_obj(w);
		jw_kint(w, "pid", r->rt[i].pid);
		jw_kstr(w, "comm", r->rt[i].comm);
		jw_kstr(w, "kind", r->rt[i].shim ? "shim" : "daemon");
		jw_kint(w, "age_seconds", age(r, r->rt[i].start));
		json_shim(w, r->shims_ok && r->rt[i].shim ? shim_by_pid(&r->shims, r->rt[i].pid) : NULL);
		jw_obj_end(w);
	}
	jw_arr_end(w);
	json_orphans(w, r);
	json_crashes(w, r);
}

static void text_more(FILE *f, const struct health_report *r)
{
	const struct shim_report *s = &r->shims;
	char t[32], span[32];
	int i;

	for (i = 0; i < r->npidns; i++)
		fprintf(f, "zombies        %llu in pid ns %llu%s%s (%d parents)\n", r->pidns[i].zombies, r->pidns[i].pidns,
			r->pidns[i].pod_uid[0] ? " pod " : "", r->pidns[i].pod_uid[0] ? pod_name(r, r->pidns[i].pod_uid) : "",
			r->pidns[i].parents);
	for (i = 0; r->shims_ok && i < s->n; i++)
		fprintf(f, "shim           pid %d %s id %.12s ns %s pod %s: %llu children%s\n", s->s[i].pid, s->s[i].comm,
			s->s[i].id[0] ? s->s[i].id : "?", s->s[i].ns[0] ? s->s[i].ns : "?",
			pod_name(r, s->s[i].pod_uid), s->s[i].children,
			s->s[i].younger_than_container ? ", younger than its container" : "");
	if (!r->shims_ok || !s->judged)
		fprintf(f, "orphans        ? (%s)\n", r->shims_ok ? s->unknown : "/proc could not be walked");
	else
		fprintf(f, "orphans        %llu pod processes without their shim%s%s\n", s->count,
			s->owner_unknown ? ", owner unknown for some" : "", s->unknown[0] ? " (partly unknown)" : "");
	for (i = 0; r->shims_ok && i < s->norphans; i++)
		fprintf(f, "  orphan pid %d (%s) pod %s, parent %d\n", s->orphans[i].pid, s->orphans[i].comm,
			pod_name(r, s->orphans[i].pod_uid), s->orphans[i].ppid);
	if (r->klog_ok)
		fprintf(f, "runtime crashes %llu followed by a restart in the last %s\n", r->ncrash_total,
			words_span(r->since_secs, span, sizeof span));
	for (i = 0; i < r->ncrashes; i++)
		fprintf(f, "  %s %s[%d] %s\n", kmsg_time_str(r->crashes[i].wall_us, t, sizeof t), r->crashes[i].comm,
			r->crashes[i].pid, r->crashes[i].what);
	for (i = 0; r->watch_secs && i < r->npods; i++)
		if (r->pods[i].watched)
			fprintf(f, "watch %us      pod %s zombies %llu -> %llu\n", r->watch_secs, pod_name(r, r->pods[i].uid),
				r->pods[i].zombies, r->pods[i].zombies_after);
}

void check_health_text(FILE *f, const struct health_report *r)
{
	static const char *const res[3] = { "memory", "cpu", "io" };
	char a[64], b[64], c[64], t[32], span[32];
	int i;

	fprintf(f, "processes      %llu, zombies %llu (%llu in pods)\n", r->procs, r->zombies, r->zombies_in_pods);
	for (i = 0; i < r->nparents; i++)
		fprintf(f, "zombie parent  pid %d (%s)%s%s: %llu zombies, pid ns %llu\n", r->parents[i].pid,
			r->parents[i].comm[0] ? r->parents[i].comm : "?", r->parents[i].pod_uid[0] ? " pod " : "",
			r->parents[i].pod_uid[0] ? pod_name(r, r->parents[i].pod_uid) : "", r->parents[i].zombies,
			r->parents[i].pidns);
	fprintf(f, "node tasks     %s of pid_max %s, threads-max %s\n", sysval_str(&r->tasks, a, sizeof a),
		sysval_str(&r->pid_max, b, sizeof b), sysval_str(&r->threads_max, c, sizeof c));
	fputs("pressure       ", f);
	for (i = 0; i < 3; i++)
		if (r->psi_ok[i])
			fprintf(f, "%s some %.2f full %.2f  ", res[i], r->psi_some[i], r->psi_full[i]);
		else
			fprintf(f, "%s ?  ", res[i]);
	fputc('\n', f);
	for (i = 0; i < r->npods; i++) {
		const struct health_pod *p = &r->pods[i];
		fprintf(f, "pod %s  procs %llu zombies %llu", pod_name(r, p->uid), p->procs, p->zombies);
		if (p->pids_ok)
			fprintf(f, "  pids %llu/%s%s (max hit %llu)", p->pids_current, p->pids_max ? "" : "max",
				p->pids_max ? (snprintf(a, sizeof a, "%llu", p->pids_max), a) : "", p->pids_events_max);
		else
			fputs("  pids ?", f);
		if (p->mem_ok)
			fprintf(f, "  oom_kills %llu", p->oom_kills);
		fputc('\n', f);
	}
	if (!r->klog_ok)
		fprintf(f, "OOM kills      ? (kernel log: %s)\n", r->klog_err);
	else
		fprintf(f, "OOM kills      %llu in the last %s%s\n", r->nooms_total, words_span(r->since_secs, span, sizeof span),
			r->ooms_untimed ? " (and OOM records without a time: window unknown)" : "");
	for (i = 0; i < r->nooms; i++)
		fprintf(f, "  %s pid %d (%s) pod %s container %.12s\n", kmsg_time_str(r->ooms[i].wall_us, t, sizeof t),
			r->ooms[i].pid, r->ooms[i].comm, pod_name(r, r->ooms[i].pod_uid),
			r->ooms[i].container_id[0] ? r->ooms[i].container_id : "?");
	for (i = 0; i < r->nrt; i++)
		fprintf(f, "runtime        %s pid %d (%s), started %s ago\n", r->rt[i].comm, r->rt[i].pid,
			r->rt[i].shim ? "shim" : "daemon",
			age_words(r, r->rt[i].start, span, sizeof span));
	if (!r->nrt)
		fputs("runtime        no containerd/dockerd/crio process in this PID namespace\n", f);
	text_more(f, r);
}
