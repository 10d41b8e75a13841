/* Network namespaces through /proc and setns(2).
 *
 * netns_socket() uses setns + restore on the calling thread rather than a helper thread:
 * netrescue is single-threaded, setns(CLONE_NEWNET) changes only the calling thread, and a
 * socket keeps the namespace it was created in for its whole life (socket(7), netns(7)), so
 * switching for the one socket() call and back is enough and needs no pthreads in a static
 * binary. A failed switch back is reported as an error (the thread is then in the wrong
 * namespace, and the caller must not go on). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/caps.h"
#include "netns/netns.h"

/* PATH_PROC: "/proc/" + a pid (at most 10 digits) + "/ns/net" with room. */
#define PATH_PROC 64

/* A gone process is normal while walking /proc (STYLE.md rule 7). */
static int gone(int err)
{
	return err == ENOENT || err == ESRCH;
}

static int ns_errno(struct nr_err *e, int err, const char *what)
{
	if (gone(err))
		return nr_fail(e, NR_E_NOENT, err, "netns", "%s", what);
	if (err == EPERM || err == EACCES)
		return nr_fail(e, NR_E_PERM, err, "netns", "%s", what);
	return nr_fail(e, NR_E_SYS, err, "netns", "%s", what);
}

int netns_open_pid(int pid, unsigned long long *ino, struct nr_err *e)
{
	char path[PATH_PROC];
	int fd;

	snprintf(path, sizeof path, "/proc/%d/ns/net", pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return ns_errno(e, errno, path);
	if (ino && netns_fd_ino(fd, ino, e) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

int netns_fd_ino(int fd, unsigned long long *ino, struct nr_err *e)
{
	struct stat st;

	if (fstat(fd, &st) < 0)
		return ns_errno(e, errno, "fstat netns");
	*ino = (unsigned long long)st.st_ino;
	return 0;
}

int netns_self_ino(unsigned long long *ino, struct nr_err *e)
{
	struct stat st;

	if (stat("/proc/thread-self/ns/net", &st) < 0)
		return ns_errno(e, errno, "/proc/thread-self/ns/net");
	*ino = (unsigned long long)st.st_ino;
	return 0;
}

int netns_enter(int netns_fd, struct nr_err *e)
{
	if (setns(netns_fd, CLONE_NEWNET) < 0)
		return ns_errno(e, errno, "setns");
	return 0;
}

int netns_socket(int netns_fd, int domain, int type, int protocol, struct nr_err *e)
{
	int self, fd, err;

	self = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
	if (self < 0)
		return ns_errno(e, errno, "/proc/thread-self/ns/net");
	if (setns(netns_fd, CLONE_NEWNET) < 0) {
		err = errno;
		close(self);
		return ns_errno(e, err, "setns");
	}
	fd = socket(domain, type, protocol);
	err = errno;
	if (setns(self, CLONE_NEWNET) < 0) {
		err = errno;
		close(self);
		if (fd >= 0)
			close(fd);
		return nr_fail(e, NR_E_SYS, err, "netns", "setns back to our own namespace");
	}
	close(self);
	if (fd < 0)
		return nr_fail(e, NR_E_SYS, err, "netns", "socket in another namespace");
	return fd;
}

/* --- walking /proc ------------------------------------------------------------------------ */

static int pid_of(const char *name)
{
	char *end;
	long v;

	if (name[0] < '1' || name[0] > '9')
		return 0;
	v = strtol(name, &end, 10);
	return *end || v <= 0 || v > 0x7fffffff ? 0 : (int)v;
}

/* The netns inode of pid: 1, 0 when the process is gone or hidden from us, -1 on error.
 * Relative to an open /proc (dfd): one path component less per process, on nodes where this
 * runs for thousands of them. */
static int pid_ino(int dfd, int pid, unsigned long long *ino, struct nr_err *e)
{
	char path[PATH_PROC];
	struct stat st;

	snprintf(path, sizeof path, "%d/ns/net", pid);
	if (fstatat(dfd, path, &st, 0) == 0) {
		*ino = (unsigned long long)st.st_ino;
		return 1;
	}
	/* EACCES: another user's process when not root: skipped here, counted by the caller
	 * (who must say what it could not see). */
	if ((errno == EACCES || errno == EPERM) && !nr_cap_effective(CAP_SYS_PTRACE))
		return 2;
	if (errno == EACCES || errno == EPERM)
		return 0; /* with CAP_SYS_PTRACE: exiting or changing credentials meanwhile */
	if (gone(errno))
		return 0;
	return ns_errno(e, errno, path);
}

/* Calls fn for every live pid with its netns inode. */
static int proc_each(int (*fn)(int pid, unsigned long long ino, void *arg), void *arg,
		     struct nr_err *e)
{
	DIR *d = opendir("/proc");
	struct dirent *de;
	unsigned long long ino = 0;
	int pid, rc = 1;

	if (!d)
		return ns_errno(e, errno, "/proc");
	while (rc > 0 && (de = readdir(d))) {
		pid = pid_of(de->d_name);
		if (!pid)
			continue;
		rc = pid_ino(dirfd(d), pid, &ino, e);
		if (rc == 1)
			rc = fn(pid, ino, arg);
		else if (rc >= 0)
			rc = rc == 2 ? fn(pid, 0, arg) : 1;
	}
	closedir(d);
	return rc < 0 ? -1 : 0;
}

/* Binary search: index of ino, or where it would go (negative - 1). */
static int list_pos(const struct netns_list *l, unsigned long long ino)
{
	int lo = 0, hi = l->n - 1, mid;

	while (lo <= hi) {
		mid = lo + (hi - lo) / 2;
		if (l->ns[mid].ino == ino)
			return mid;
		if (l->ns[mid].ino < ino)
			lo = mid + 1;
		else
			hi = mid - 1;
	}
	return -lo - 1;
}

static int list_add(int pid, unsigned long long ino, void *arg)
{
	struct netns_list *l = arg;
	int i;

	if (!ino) {
		l->unreadable++;
		return 1;
	}
	i = list_pos(l, ino);

	if (i >= 0) {
		l->ns[i].npids++;
		if (pid < l->ns[i].pid)
			l->ns[i].pid = pid;
		return 1;
	}
	if (l->n >= NETNS_MAX) {
		l->dropped++;
		return 1;
	}
	i = -i - 1;
	memmove(&l->ns[i + 1], &l->ns[i], sizeof l->ns[0] * (size_t)(l->n - i));
	l->ns[i].ino = ino;
	l->ns[i].pid = pid;
	l->ns[i].npids = 1;
	l->n++;
	return 1;
}

int netns_list_all(struct netns_list *l, struct nr_err *e)
{
	l->n = 0;
	l->dropped = 0;
	l->unreadable = 0;
	return proc_each(list_add, l, e);
}

struct pairs {
	struct netns_list *l;
	struct netns_pid *v;
	int cap, n, dropped;
};

static int pair_add(int pid, unsigned long long ino, void *arg)
{
	struct pairs *p = arg;

	if (!ino)
		return list_add(pid, ino, p->l);
	if (p->n < p->cap) {
		p->v[p->n].ino = ino;
		p->v[p->n].pid = pid;
		p->n++;
	} else {
		p->dropped++;
	}
	return list_add(pid, ino, p->l);
}

static int pair_cmp(const void *a, const void *b)
{
	const struct netns_pid *x = a, *y = b;

	if (x->ino != y->ino)
		return x->ino < y->ino ? -1 : 1;
	return (x->pid > y->pid) - (x->pid < y->pid);
}

int netns_list_pids(struct netns_list *l, struct netns_pid *pairs, int cap, int *n,
		    int *dropped, struct nr_err *e)
{
	struct pairs p = { l, pairs, cap, 0, 0 };
	int rc;

	l->n = 0;
	l->dropped = 0;
	l->unreadable = 0;
	rc = proc_each(pair_add, &p, e);
	qsort(pairs, (size_t)p.n, sizeof *pairs, pair_cmp);
	*n = p.n;
	*dropped = p.dropped;
	return rc;
}

int netns_pids_first(const struct netns_pid *pairs, int n, unsigned long long ino)
{
	int lo = 0, hi = n;

	while (lo < hi) { /* lower bound */
		int mid = lo + (hi - lo) / 2;

		if (pairs[mid].ino < ino)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < n && pairs[lo].ino == ino ? lo : -1;
}

const struct netns_info *netns_list_find(const struct netns_list *l, unsigned long long ino)
{
	int i = list_pos(l, ino);

	return i >= 0 ? &l->ns[i] : NULL;
}

struct pid_walk {
	unsigned long long ino;
	int (*cb)(const int *pid, void *arg);
	void *arg;
};

static int pid_match(int pid, unsigned long long ino, void *arg)
{
	struct pid_walk *w = arg;

	return ino && ino == w->ino ? w->cb(&pid, w->arg) : 1;
}

int netns_pid_walk(unsigned long long ino, int (*cb)(const int *pid, void *arg), void *arg,
		   struct nr_err *e)
{
	struct pid_walk w = { ino, cb, arg };

	return proc_each(pid_match, &w, e);
}
