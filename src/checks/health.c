#include <dirent.h>
#include <errno.h>
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

static int proc_start(int pid, unsigned long long *start)
{
	char path[64], buf[HEALTH_FILE], st;
	long n;

	snprintf(path, sizeof path, "/proc/%d/stat", pid);
	n = slurp(path, buf, sizeof buf);
	return n < 0 ? -1 : health_parse_stat(buf, (size_t)n, start, &st);
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

static int pids_of(const struct health_report *r, struct health_pod *pod, const char *root)
{
	char cur[64], max[64], ev[HEALTH_FILE];

	if (cg_read(root, pod->cgroup, "pids.current", cur, sizeof cur) < 0 ||
	    cg_read(root, pod->cgroup, "pids.max", max, sizeof max) < 0)
		return -1;
	(void)r;
	pod->pids_current = strtoull(cur, NULL, 10);
	pod->pids_max = strncmp(max, "max", 3) ? strtoull(max, NULL, 10) : 0;
	if (cg_read(root, pod->cgroup, "pids.events", ev, sizeof ev) >= 0 && keyed(ev, "max") >= 0)
		pod->pids_events_max = (unsigned long long)keyed(ev, "max");
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

	if (pids_of(r, pod, r->cg2) < 0 && pids_of(r, pod, r->cgpids) < 0)
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

static void add_parent(struct health_report *r, int ppid)
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
	r->parents[r->nparents++].zombies = 1;
}

static int runtime_kind(const char *comm)
{
	static const char *const daemons[] = { "containerd", "dockerd", "crio", NULL };
	static const char *const shims[] = { "containerd-shim", "conmon", "docker-containerd-shim", NULL };
	int i;

	for (i = 0; daemons[i]; i++)
		if (!strcmp(comm, daemons[i]))
			return 1;
	for (i = 0; shims[i]; i++)
		if (!strncmp(comm, shims[i], PROC_COMM_MAX - 1))
			return 2;
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
		r->zombies++;
		add_parent(r, p->ppid);
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
	kind = runtime_kind(p->comm);
	if (kind && p->state != 'Z')
		add_runtime(r, p, kind);
	return 1;
}

static void parents_info(struct health_report *r)
{
	struct proc_info pi;
	struct nr_err e;
	int i;

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

struct klog_walk {
	struct health_report *r;
	long long cutoff_us;
};

static int klog_cb(const struct kmsg_rec *k, void *arg)
{
	struct klog_walk *w = arg;
	struct health_report *r = w->r;
	struct health_oom o;

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
	f.grep = "oom-kill:";
	f.max_level = 7;
	if (kmsg_walk(&f, klog_cb, &w, NULL, &e) == 0) {
		r->klog_ok = 1;
		return;
	}
	snprintf(r->klog_err, sizeof r->klog_err, "%s", e.code == NR_E_KMSG_PERM ?
		 "permission denied (kernel.dmesg_restrict: run as root)" : e.sys ? strerror(e.sys) : "cannot read it");
}

/* --- findings -------------------------------------------------------------------------------- */

static void zombie_findings(const struct health_report *r, struct findings *fs)
{
	char subj[64];
	int i;

	for (i = 0; i < r->nparents; i++) {
		const struct health_parent *h = &r->parents[i];

		if (h->zombies < HEALTH_ZOMBIE_PARENT_MIN)
			continue;
		snprintf(subj, sizeof subj, "pid %d (%s)", h->pid, h->comm[0] ? h->comm : "?");
		findings_add(fs, "zombies-accumulating", SEV_WARN, subj, NULL,
			     "process %d (%s)%s%s holds %llu zombie children it never reaps (PID namespace %llu): "
			     "they use PIDs until the pod's pids.max or the node's pid_max is reached and the "
			     "runtime cannot start or track processes; fix or restart that process (an init like "
			     "tini, or shareProcessNamespace, reaps them)",
			     h->pid, h->comm[0] ? h->comm : "?", h->pod_uid[0] ? " of pod " : "", h->pod_uid,
			     h->zombies, h->pidns);
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
		findings_add(fs, "pids-near-limit", SEV_FAIL, subj, NULL,
			     "pids.current %llu of pids.max %llu (%llu %%), %llu forks refused (pids.events max) in %s",
			     p->pids_current, p->pids_max, p->pids_current * 100 / p->pids_max, p->pids_events_max, p->cgroup);
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
	int i;

	for (i = 0; i < r->nooms; i++) {
		const struct health_oom *o = &r->ooms[i];

		if (!o->pod_uid[0])
			continue;
		snprintf(subj, sizeof subj, "pod %s", o->pod_uid);
		findings_add(fs, "oom-killed", SEV_WARN, subj, NULL,
			     "kernel OOM killer ended process %d (%s) of container %.12s at %s (memcg %s): the "
			     "container hit its memory limit; raise resources.limits.memory or fix the leak",
			     o->pid, o->comm, o->container_id[0] ? o->container_id : "?",
			     kmsg_time_str(o->wall_us, t, sizeof t), o->memcg);
	}
	for (i = 0; i < r->npods; i++) {
		const struct health_pod *p = &r->pods[i];

		snprintf(subj, sizeof subj, "pod %s", p->uid);
		if (p->mem_ok && p->oom_kills && !findings_has(fs, "oom-killed", subj))
			findings_add(fs, "oom-killed", SEV_WARN, subj, NULL,
				     "memory cgroup %s counts %llu OOM kills (memory.events / oom_control)", p->cgroup, p->oom_kills);
	}
}

static void runtime_findings(const struct health_report *r, struct findings *fs)
{
	char subj[64];
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
		findings_add(fs, "runtime-restarted", SEV_WARN, subj, NULL,
			     "%s (pid %d) started %.0f s ago, %.0f s after process %d (%s) of pod %s: the runtime "
			     "restarted (crash, OOM or upgrade) and may have lost track of containers it started "
			     "before: that is how a container becomes stale; check its logs (journalctl -u %s)",
			     rt->comm, rt->pid, r->uptime - (double)rt->start / (double)r->ticks,
			     (double)(rt->start - older->oldest_start) / (double)r->ticks, older->oldest_pid,
			     older->oldest_comm, older->uid, rt->comm);
	}
}

/* --- the check ------------------------------------------------------------------------------- */

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
			snprintf(buf, cap, "pod %s is at its pids.max (pids-near-limit)", r->pods[i].uid);
			return;
		}
	if (r->nooms)
		snprintf(buf, cap, "OOM kills in the last %s (oom-killed)", words_span(r->since_secs, span, sizeof span));
}

/* --- output ---------------------------------------------------------------------------------- */

static long long age(const struct health_report *r, unsigned long long start)
{
	return (long long)(r->uptime - (double)start / (double)r->ticks + 0.5);
}

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
		jw_kstr(w, "unknown", p->why[0] ? p->why : NULL);
		jw_obj_end(w);
	}
	jw_arr_end(w);
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
		jw_obj_end(w);
	}
	jw_arr_end(w);
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
			r->parents[i].pod_uid, r->parents[i].zombies, r->parents[i].pidns);
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
		fprintf(f, "pod %s  procs %llu zombies %llu", p->uid, p->procs, p->zombies);
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
			r->ooms[i].pid, r->ooms[i].comm, r->ooms[i].pod_uid[0] ? r->ooms[i].pod_uid : "?",
			r->ooms[i].container_id[0] ? r->ooms[i].container_id : "?");
	for (i = 0; i < r->nrt; i++)
		fprintf(f, "runtime        %s pid %d (%s), started %lld s ago\n", r->rt[i].comm, r->rt[i].pid,
			r->rt[i].shim ? "shim" : "daemon", age(r, r->rt[i].start));
	if (!r->nrt)
		fputs("runtime        no containerd/dockerd/crio process in this PID namespace\n", f);
}
