/* Network namespaces: open one by pid, make a socket inside one, switch into one, and list
 * the distinct namespaces of all processes (inode -> one pid), like `ip netns identify` and
 * `nsenter --net` without running either. Reads /proc (always the live kernel's). */
#ifndef NR_NETNS_NETNS_H
#define NR_NETNS_NETNS_H
#include <stddef.h>

#include "base/err.h"

/* Opens /proc/PID/ns/net (O_RDONLY|O_CLOEXEC) and returns the fd; *ino (may be NULL) gets the
 * namespace's inode number (what `readlink /proc/PID/ns/net` shows as net:[INO]). A process
 * that is gone gives NR_E_NOENT (normal while walking); -1 on error. */
int netns_open_pid(int pid, unsigned long long *ino, struct nr_err *e);
/* Inode of the network namespace of this thread. 0 or -1. */
int netns_self_ino(unsigned long long *ino, struct nr_err *e);
/* Inode of the namespace behind an fd from netns_open_pid. 0 or -1. */
int netns_fd_ino(int fd, unsigned long long *ino, struct nr_err *e);

/* socket(domain, type, protocol) created inside netns_fd; this thread's namespace is restored
 * before returning. The socket stays in that namespace for its whole life. Returns the fd or -1. */
int netns_socket(int netns_fd, int domain, int type, int protocol, struct nr_err *e);
/* Moves this thread into netns_fd for good (`capture --inside`, sock_diag inside a pod).
 * To come back, keep netns_open_pid(getpid()) from before and netns_enter() it. 0 or -1. */
int netns_enter(int netns_fd, struct nr_err *e);

/* --- the distinct namespaces of all processes ------------------------------------------- */
/* NETNS_MAX: GKE allows at most 256 pods per node (110 by default); plus the host and a few
 * hostNetwork helpers. Namespaces beyond it are counted in `dropped`. */
#define NETNS_MAX 1024

struct netns_info {
	unsigned long long ino; /* namespace inode */
	int pid;                /* the lowest pid found in it */
	int npids;              /* how many processes live in it */
};

struct netns_list {
	int n;
	int dropped;
	int unreadable;         /* processes whose namespace we may not read (EACCES, EPERM) */
	struct netns_info ns[NETNS_MAX]; /* sorted by ino */
};

/* Fills l from /proc/[0-9]* /ns/net; processes that vanish meanwhile are skipped. 0 or -1. */
int netns_list_all(struct netns_list *l, struct nr_err *e);
/* The same walk, also keeping every (netns inode, pid) pair in pairs (cap entries; the
 * rest counted in *dropped), sorted by inode then pid: one /proc walk answers "which pids
 * live in netns X" for any number of X (a stat per process is the dominant cost on a node
 * with thousands of processes). *n gets the number of pairs. 0 or -1. */
struct netns_pid {
	unsigned long long ino;
	int pid;
};
int netns_list_pids(struct netns_list *l, struct netns_pid *pairs, int cap, int *n,
		    int *dropped, struct nr_err *e);
/* Index of the first pair of netns ino in pairs (sorted as above), or -1. */
int netns_pids_first(const struct netns_pid *pairs, int n, unsigned long long ino);

/* The entry for ino, or NULL. */
const struct netns_info *netns_list_find(const struct netns_list *l, unsigned long long ino);

/* Calls cb(&pid, arg) for every pid whose network namespace is ino (ascending pid order). */
int netns_pid_walk(unsigned long long ino, int (*cb)(const int *pid, void *arg), void *arg,
		   struct nr_err *e);

#endif
