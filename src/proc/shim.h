/* Container shims seen as processes: containerd-shim(-runc-v2), conmon and Docker's old
 * docker-containerd-shim. Each is matched to the pod its children belong to (their cgroup's pod
 * UID, or the shim's -id naming a pod's container), and each pod's top processes (whose parent is
 * not in the pod) are judged: owned by a shim, orphaned (the shim is gone, so the process was
 * reparented to init: nothing tracks that container any more), or owner unknown.
 *
 * An orphan is claimed only when a shim runs in the PID namespace the process was reparented in:
 * with no shim there (a runtime without shims, or netrescue without the node's PID namespace)
 * every top process is "unknown", never an orphan. */
#ifndef NR_PROC_SHIM_H
#define NR_PROC_SHIM_H
#include <stddef.h>

#include "base/err.h"
#include "proc/proc.h"

/* SHIM_MAX: one shim per pod (containerd) or per container (conmon): 110 pods x a few. */
#define SHIM_MAX 512
/* SHIM_PROCS: pod processes remembered for the judgement; beyond, judgement is "unknown". */
#define SHIM_PROCS 16384
/* SHIM_ORPHANS: orphans listed (more are counted). */
#define SHIM_ORPHANS 32
#define SHIM_ID_MAX 72
#define SHIM_NS_MAX 64

struct shim {
	int pid;
	char comm[PROC_COMM_MAX];
	char id[SHIM_ID_MAX];            /* -id (containerd) / -c (conmon); "" unknown */
	char ns[SHIM_NS_MAX];            /* -namespace (containerd: "k8s.io", "moby"); "" unknown */
	char pod_uid[PROC_UID_MAX];      /* "" when no child or id names a pod */
	unsigned long long start;        /* clock ticks after boot (0 unknown) */
	unsigned long long pidns;        /* its PID namespace inode (0 unknown) */
	unsigned long long children;     /* direct children (not zombies) */
	unsigned long long oldest_child; /* start of its oldest child (0 none) */
	int younger_than_container;      /* started after its oldest child (1 s slack) */
};

struct shim_orphan {
	int pid, ppid;
	char comm[PROC_COMM_MAX];
	char pod_uid[PROC_UID_MAX];
	char container_id[PROC_CID_MAX];
};

struct shim_report {
	int n;
	unsigned long long dropped;      /* shims beyond SHIM_MAX */
	struct shim s[SHIM_MAX];
	/* the orphan judgement */
	int judged;                      /* some top process could be judged */
	char unknown[160];               /* why (some) processes were not judged; "" none */
	unsigned long long tops;         /* pod processes whose parent is not in their pod */
	unsigned long long unjudged;     /* of them, in a PID namespace without a shim */
	unsigned long long count;        /* orphans */
	unsigned long long owner_unknown;/* parent neither a shim nor init */
	int norphans;
	struct shim_orphan orphans[SHIM_ORPHANS];
	/* scratch for the walk: pod processes by pid (the walk is in pid order) */
	size_t nprocs;
	unsigned long long procs_dropped;
	struct shim_proc { int pid, ppid; unsigned pod; char state; } procs[SHIM_PROCS];
	int npods;
	char pods[SHIM_MAX][PROC_UID_MAX];
	char pod_cids[SHIM_MAX][PROC_CID_MAX]; /* one container of each pod, for -id matching */
};

/* 1 when a process with this comm and command line is a shim (args may be NULL: then the
 * ambiguous "docker-containe" comm is not one). */
int shim_is(const char *comm, const char *args);
/* The -id/-namespace (containerd shim) or -c/--cid (conmon) of a shim's command line (argv
 * joined by spaces, n bytes). Each out "" when absent. */
void shim_parse_args(const char *args, size_t n, char *id, size_t idcap, char *ns, size_t nscap);
/* The start time (field 22, clock ticks after boot) and state of a /proc/PID/stat text, n bytes,
 * untrusted. 0, or -1 when malformed. */
int shim_parse_stat(const char *buf, size_t n, unsigned long long *start, char *state);
/* The start time of a process (0 when unknown). */
unsigned long long shim_proc_start(int pid);
/* The PID namespace inode of a process (pid 0: our own); 0 when unreadable. */
unsigned long long shim_pidns(int pid);

/* Walks /proc: the shims in our PID namespace, their pods, and the orphan judgement. r is
 * caller-owned (large). 0, or -1 with e filled when /proc cannot be walked. */
int shim_scan(struct shim_report *r, struct nr_err *e);
/* The shim of pod uid (NULL none). */
const struct shim *shim_of_pod(const struct shim_report *r, const char *uid);
/* The shim with this pid (NULL none). */
const struct shim *shim_by_pid(const struct shim_report *r, int pid);

#endif
