/* The runtime health check: why a container runtime can lose track of a container (what leaves
 * a stale listener behind). Zombies per parent, pod, PID namespace and node; each pod cgroup's
 * pids.current/max/events (v2 or v1 pids controller) and memory OOM-kill counters; the node's
 * kernel.pid_max / threads-max against its tasks; PSI; kernel-log OOM kills mapped to pod and
 * container; start times of containerd/dockerd/CRI-O against the pods' processes. Findings:
 * zombies-accumulating, pids-near-limit, oom-killed, runtime-restarted. Data that cannot be
 * read is "unknown" and never a finding. */
#ifndef NR_CHECKS_HEALTH_H
#define NR_CHECKS_HEALTH_H
#include <signal.h>
#include <stdio.h>

#include "base/err.h"
#include "checks/sysval.h"
#include "proc/proc.h"
#include "report/findings.h"
#include "report/json.h"
#include "proc/shim.h"

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
/* HEALTH_PIDNS: PID namespaces with zombies listed (one per pod at most: 110 + the node). */
#define HEALTH_PIDNS 128
/* HEALTH_CRASHES: runtime crash records kept (newest). */
#define HEALTH_CRASHES 16
/* HEALTH_WATCH_MAX: health --watch is bounded to an hour. */
#define HEALTH_WATCH_MAX 3600
/* HEALTH_DEFAULT_SINCE: kernel-log window for OOM kills (as conntrack's: a day). */
#define HEALTH_DEFAULT_SINCE (24ULL * 3600)

struct health_parent {
	int pid;
	char comm[PROC_COMM_MAX];       /* "" when it exited meanwhile */
	char pod_uid[PROC_UID_MAX];
	unsigned long long pidns;       /* 0 unknown */
	unsigned long long zpidns;      /* PID namespace of its (first) zombie; 0 unknown */
	unsigned long long zombies;
};

struct health_pidns {
	unsigned long long pidns;
	unsigned long long zombies;
	char pod_uid[PROC_UID_MAX];     /* of its first zombie in a pod; "" none */
	int parents;                    /* distinct parents of its zombies (listed ones) */
};

/* A runtime's crash in the kernel log (segfault, general protection, trap, OOM kill). */
struct health_crash {
	long long wall_us;
	unsigned long long mono_us;     /* µs since boot, to compare with start times */
	int pid;
	char comm[PROC_COMM_MAX];
	char what[24];                  /* "segfault", "general protection", "trap", "oom-kill" */
};

struct health_zparent {
	int pid;
	char comm[PROC_COMM_MAX];
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
	char name[128];                 /* "namespace/name" from var/log/pods; "" unknown */
	/* --watch: the recount at its end (watched 0: the pod was not recounted) */
	int watched;
	unsigned long long zombies_after;
	struct health_zparent zparent_after; /* its top zombie parent then (pid 0 none) */
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
	const char *host_root;          /* for pod names (var/log/pods); NULL = "/" */
};

struct health_report {
	unsigned long long since_secs;
	int proc_ok;
	unsigned long long procs, zombies, zombies_in_pods;
	unsigned long long pidns_self;  /* our PID namespace (the node's when run on the node) */
	int nparents;
	unsigned long long parents_dropped;
	struct health_parent parents[HEALTH_PARENTS];
	int npidns;
	unsigned long long pidns_dropped;
	struct health_pidns pidns[HEALTH_PIDNS];
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
	/* runtime crashes followed by a restart of a same-name runtime */
	unsigned long long ncrash_total, crashes_untimed;
	int ncrashes;
	struct health_crash crashes[HEALTH_CRASHES];
	/* --watch: seconds watched (0: no watch) */
	unsigned watch_secs;
	/* runtimes */
	struct shim_report shims;       /* shims, their pods, orphans */
	int shims_ok;
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
/* The same for one pod ("" when nothing seen about it): its shim gone, the runtime restarted
 * after its processes, its zombies, forks refused at its pids.max, its OOM kills. */
void check_health_pod_cause(const struct health_report *r, const char *pod_uid, char *buf, size_t cap);
/* --watch: sleeps secs (ends early when *stop is set), then check_health_recount(.., 1, ..). */
void check_health_watch(struct health_report *r, unsigned secs, volatile sig_atomic_t *stop,
			struct findings *fs);
/* Recounts the zombies of each pod of r (the report of check_health_run) after a watch of
 * watched_secs: a pod whose count grew by min_growth or more is zombies-accumulating. */
void check_health_recount(struct health_report *r, unsigned watched_secs, unsigned min_growth,
			  struct findings *fs);
/* "45s", "12m", "3h", "2d". */

/* Exposed for tests and fuzzing: an OOM-kill kernel-log text into o. 1 when it is one. */
int health_parse_oom(const char *text, size_t n, struct health_oom *o);
/* The start time (field 22) and state of a /proc/PID/stat text. 0 or -1. */
int health_parse_stat(const char *buf, size_t n, unsigned long long *start, char *state);
/* A kernel-log line of a runtime's crash ("containerd[12]: segfault at 0 ...", "traps:
 * dockerd[3] general protection fault ...", an oom-kill of task=crio) into c (comm, pid, what).
 * 1 when it is one, 0 when not (also a crash of another program). */
int health_parse_crash(const char *text, size_t n, struct health_crash *c);

#endif
