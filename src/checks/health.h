/* The runtime health check: why a container runtime can lose track of a container (what leaves
 * a stale listener behind). Zombies per parent, pod, PID namespace and node; each pod cgroup's
 * pids.current/max/events (v2 or v1 pids controller) and memory OOM-kill counters; the node's
 * kernel.pid_max / threads-max against its tasks; PSI; kernel-log OOM kills mapped to pod and
 * container; start times of containerd/dockerd/CRI-O against the pods' processes. Findings:
 * zombies-accumulating, pids-near-limit, oom-killed, runtime-restarted. Data that cannot be
 * read is "unknown" and never a finding. */
#ifndef NR_CHECKS_HEALTH_H
#define NR_CHECKS_HEALTH_H
#include <stdio.h>

#include "base/err.h"
#include "checks/sysval.h"
#include "proc/proc.h"
#include "report/findings.h"
#include "report/json.h"

/* HEALTH_PODS: pods on one node (GKE's max is 110; kubelet's hard limit 256). */
#define HEALTH_PODS 256
/* HEALTH_PARENTS: distinct zombie parents listed; more are counted. */
#define HEALTH_PARENTS 32
/* HEALTH_OOMS: OOM kills of the window listed (newest kept). */
#define HEALTH_OOMS 16
/* HEALTH_RUNTIMES: runtime daemons and shims listed (a shim per pod: 110 + a few). */
#define HEALTH_RUNTIMES 128
/* HEALTH_ZOMBIE_PARENT_MIN: one parent holding this many zombies is accumulating them
 * (the threshold: a few are normal between exit and reap). */
#define HEALTH_ZOMBIE_PARENT_MIN 100
/* HEALTH_DEFAULT_SINCE: kernel-log window for OOM kills (as conntrack's: a day). */
#define HEALTH_DEFAULT_SINCE (24ULL * 3600)

struct health_parent {
	int pid;
	char comm[PROC_COMM_MAX];       /* "" when it exited meanwhile */
	char pod_uid[PROC_UID_MAX];
	unsigned long long pidns;       /* 0 unknown */
	unsigned long long zombies;
};

struct health_pod {
	char uid[PROC_UID_MAX];
	char cgroup[PROC_CGROUP_MAX];   /* the pod's cgroup path (container level stripped) */
	unsigned long long procs, zombies;
	int oldest_pid;                 /* its oldest process (start time below) */
	char oldest_comm[PROC_COMM_MAX];
	unsigned long long oldest_start;/* clock ticks after boot; 0 unknown */
	/* pids controller: ok = read; why = what could not be read */
	int pids_ok;
	unsigned long long pids_current, pids_max, pids_events_max; /* pids_max 0 = "max" */
	int mem_ok;
	unsigned long long oom_kills;
	char why[96];
};

struct health_oom {
	long long wall_us;              /* 0 without a timestamp */
	int pid;
	char comm[PROC_COMM_MAX];
	char pod_uid[PROC_UID_MAX];
	char container_id[PROC_CID_MAX];
	char memcg[PROC_CGROUP_MAX];
};

struct health_runtime {
	int pid;
	char comm[PROC_COMM_MAX];
	int shim;                       /* a containerd shim or conmon, not the daemon */
	unsigned long long start;       /* clock ticks after boot */
};

struct health_opts {
	unsigned long long since_secs;  /* kernel-log window; 0 = HEALTH_DEFAULT_SINCE */
};

struct health_report {
	unsigned long long since_secs;
	int proc_ok;
	unsigned long long procs, zombies, zombies_in_pods;
	unsigned long long pidns_self;  /* our PID namespace (the node's when run on the node) */
	int nparents;
	unsigned long long parents_dropped;
	struct health_parent parents[HEALTH_PARENTS];
	int npods;
	unsigned long long pods_dropped;
	struct health_pod pods[HEALTH_PODS];
	/* node-wide */
	struct sysval pid_max, threads_max, tasks; /* tasks: /proc/loadavg's total */
	/* PSI: some/full avg10 of memory, cpu, io; ok per resource */
	int psi_ok[3];
	double psi_some[3], psi_full[3];
	/* kernel log */
	int klog_ok;
	char klog_err[160];
	unsigned long long nooms_total;
	unsigned long long ooms_untimed;/* OOM records without a timestamp: window unknown, not counted */
	int nooms;
	struct health_oom ooms[HEALTH_OOMS];
	/* runtimes */
	int nrt;
	struct health_runtime rt[HEALTH_RUNTIMES];
	unsigned long long ticks;       /* clock ticks per second */
	double uptime;                  /* seconds, for ages */
	char cg2[128], cgpids[128], cgmem[128]; /* mount points found ("" none) */
};

int check_health_run(const struct health_opts *o, struct health_report *r, struct findings *fs,
		     struct nr_err *e);
void check_health_json(struct jw *w, const struct health_report *r);
void check_health_text(FILE *f, const struct health_report *r);
/* One line on what most likely made the runtime lose a container ("" when nothing seen). */
void check_health_cause(const struct health_report *r, char *buf, size_t cap);

/* Exposed for tests and fuzzing: an OOM-kill kernel-log text into o. 1 when it is one. */
int health_parse_oom(const char *text, size_t n, struct health_oom *o);
/* The start time (field 22) and state of a /proc/PID/stat text. 0 or -1. */
int health_parse_stat(const char *buf, size_t n, unsigned long long *start, char *state);

#endif
