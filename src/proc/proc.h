/* Processes from /proc: a walker that reads each process's stat, cmdline, wchan, network
 * namespace and cgroup, and turns the cgroup path into the Kubernetes pod UID and container
 * ID (cgroup v1 and v2; cgroupfs and systemd drivers; containerd, Docker and CRI-O scopes).
 * Also the map from socket inodes to the processes that hold them (/proc/PID/fd).
 *
 * Nothing here allocates: each process is read into one caller-visible struct on the walker's
 * stack and handed to a callback. Processes that exit while they are read (ENOENT, ESRCH) are
 * skipped silently: on a busy node that is normal, not an error. */
#ifndef NR_PROC_PROC_H
#define NR_PROC_PROC_H
#include <stddef.h>

#include "base/err.h"

/* PROC_COMM_MAX: the kernel's TASK_COMM_LEN is 16 (15 bytes + NUL). */
#define PROC_COMM_MAX 16
/* PROC_ARGS_MAX: enough of a command line to recognise it; longer ones are cut. */
#define PROC_ARGS_MAX 256
/* PROC_CGROUP_MAX: a systemd pod scope path is ~200 bytes; PATH_MAX-long ones are cut. */
#define PROC_CGROUP_MAX 320
/* PROC_UID_MAX: a pod UID in its 36-byte dashed form (static pods use a 32-hex hash) + NUL. */
#define PROC_UID_MAX 40
/* PROC_CID_MAX: a container ID is 64 hex digits + NUL. */
#define PROC_CID_MAX 72
/* PROC_WCHAN_MAX: kernel symbol names (KSYM_NAME_LEN is 512, real wait channels < 40). */
#define PROC_WCHAN_MAX 64

/* What to read per process (a bit set); pid, ppid, state and comm are read unless
 * PROC_F_NOSTAT. Reading
 * less makes a walk over thousands of processes cheaper. */
enum {
	PROC_F_ARGS = 1 << 0,   /* /proc/PID/cmdline */
	PROC_F_WCHAN = 1 << 1,  /* /proc/PID/wchan */
	PROC_F_NETNS = 1 << 2,  /* /proc/PID/ns/net inode */
	PROC_F_CGROUP = 1 << 3, /* /proc/PID/cgroup: cgroup path, pod UID, container ID */
	PROC_F_ALL = 0xf,
	/* Skip /proc/PID/stat (comm, ppid, state stay empty): for walks that only need the netns
	 * or cgroup of every process, one syscall in three. Not part of PROC_F_ALL. */
	PROC_F_NOSTAT = 1 << 4,
};

struct proc_info {
	int pid;
	int ppid;
	char state;                     /* R, S, D, Z, T, I, ... ('?' when unknown) */
	char comm[PROC_COMM_MAX];       /* raw bytes as the kernel keeps them: may hold control
					   bytes or invalid UTF-8; escape before showing */
	char args[PROC_ARGS_MAX];       /* argv joined by spaces, raw; "" for kernel threads */
	char wchan[PROC_WCHAN_MAX];     /* "" when running or unreadable */
	unsigned long long netns;       /* inode of the network namespace; 0 when unreadable */
	int netns_err;                  /* why netns is 0: errno (EACCES without CAP_SYS_PTRACE) */
	char cgroup[PROC_CGROUP_MAX];   /* the path that names the pod, else the v2 (0::) path */
	char pod_uid[PROC_UID_MAX];     /* dashed form; "" when not in a pod cgroup */
	char container_id[PROC_CID_MAX];/* "" when not in a container cgroup */
	unsigned want;                  /* the PROC_F_* bits that were asked for */
};

/* Calls cb once per process in /proc, in pid order, reading what `want` asks for.
 * cb returns <0 (error: the walk stops and returns that), 0 (stop, walk returns 0) or >0 (go on).
 * Returns 0, or -1 with e filled when /proc cannot be read at all. */
int proc_walk_some(unsigned want, int (*cb)(const struct proc_info *p, void *arg), void *arg,
		   struct nr_err *e);
/* proc_walk_some(PROC_F_ALL, ...). */
int proc_walk(int (*cb)(const struct proc_info *p, void *arg), void *arg, struct nr_err *e);

/* Reads one process. Returns 0, or -1 with e = NR_E_PROC_NOPID when it does not exist (or
 * exited while being read). */
int proc_read(int pid, unsigned want, struct proc_info *out, struct nr_err *e);

/* --- cgroups --------------------------------------------------------------------------------
 * The pod and container of a /proc/PID/cgroup text (len bytes, need not be NUL-terminated).
 * Understood paths (the lines of v1 controllers and the v2 "0::" line alike):
 *   cgroupfs: /kubepods[/burstable|/besteffort]/pod<UID>/<CID>
 *   systemd:  /kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod<UID_>.slice/
 *             {cri-containerd-,docker-,crio-}<CID>.scope
 *   plain Docker: /docker/<CID>, /system.slice/docker-<CID>.scope
 * UIDs written with '_' by systemd come back with '-'. */
struct proc_cgroup {
	char path[PROC_CGROUP_MAX];
	char pod_uid[PROC_UID_MAX];
	char container_id[PROC_CID_MAX];
};
/* Returns 1 when a pod or container was found, 0 when not (path then holds the v2 path or the
 * first line's), -1 when the text is not a cgroup file at all. */
int proc_parse_cgroup(const char *buf, size_t len, struct proc_cgroup *out);
/* The pod and container of one cgroup path (no "N:ctrl:" prefix). Same returns. */
int proc_parse_cgroup_path(const char *path, size_t len, struct proc_cgroup *out);

/* --- socket owners --------------------------------------------------------------------------
 * Every socket fd of a process: /proc/PID/fd/N -> "socket:[INODE]". */
struct proc_sock_ref {
	int pid;
	unsigned long long inode;
};
/* Calls cb for each socket fd of process pid (same callback rules). A process that is gone
 * gives no call and returns 0. Returns <0 only when cb does. */
int proc_sock_walk(int pid, int (*cb)(const struct proc_sock_ref *r, void *arg), void *arg);

/* Inode of a process's network namespace (0 when it is gone or unreadable). */
unsigned long long proc_netns_of(int pid);

#endif
