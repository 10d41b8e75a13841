/* The /proc walker. Directory entries are read with getdents64 into a stack buffer (opendir
 * would allocate), files with one read() each into bounded stack buffers. */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "proc/proc.h"

#define MOD "proc"

/* DENTS_BUF: one getdents64 batch; /proc of 5,000 processes takes ~40 batches. */
#define DENTS_BUF 8192
/* STAT_MAX: /proc/PID/stat is < 400 bytes even with a 15-byte odd comm. */
#define STAT_MAX 1024
/* CGROUP_FILE_MAX: a v1 hybrid node lists ~13 controllers, each with a ~200-byte pod path. */
#define CGROUP_FILE_MAX 4096
/* LINK_MAX_: "socket:[4294967295]", "net:[4026531840]" and the like. */
#define LINK_MAX_ 64

struct dirent64_ {
	uint64_t d_ino;
	int64_t d_off;
	unsigned short d_reclen;
	unsigned char d_type;
	char d_name[];
};

/* Calls fn for each entry name of the open directory fd that is a decimal number. */
static int each_number(int fd, int (*fn)(long n, const char *name, void *arg), void *arg)
{
	char buf[DENTS_BUF] __attribute__((aligned(8)));
	long got, off;
	int r;

	for (;;) {
		got = syscall(SYS_getdents64, fd, buf, sizeof buf);
		if (got <= 0)
			return got < 0 ? -1 : 1;
		for (off = 0; off < got;) {
			const struct dirent64_ *d = (const void *)(buf + off);
			const char *s = d->d_name;
			long n = 0;

			off += d->d_reclen;
			if (*s < '0' || *s > '9')
				continue;
			for (; *s >= '0' && *s <= '9' && n < 100000000; s++)
				n = n * 10 + (*s - '0');
			if (*s)
				continue;
			r = fn(n, d->d_name, arg);
			if (r <= 0)
				return r;
		}
	}
}

/* Reads at most cap-1 bytes of dir/rel; returns the length (NUL-terminated) or -1 with errno. */
static ssize_t read_at(int dir, const char *rel, char *buf, size_t cap)
{
	int fd = openat(dir, rel, O_RDONLY | O_CLOEXEC);
	ssize_t n, got = 0;

	if (fd < 0)
		return -1;
	/* /proc files are produced per read(); loop so a long cmdline or cgroup list is whole. */
	while ((size_t)got < cap - 1) {
		n = read(fd, buf + got, cap - 1 - (size_t)got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			int s = errno;
			close(fd);
			errno = s;
			return -1;
		}
		if (n == 0)
			break;
		got += n;
	}
	close(fd);
	buf[got] = 0;
	return got;
}

/* "net:[4026531840]" -> 4026531840; 0 when not that shape. */
static unsigned long long link_inode(const char *s, const char *prefix)
{
	size_t pl = strlen(prefix);
	unsigned long long v = 0;

	if (strncmp(s, prefix, pl) || s[pl] != '[')
		return 0;
	for (s += pl + 1; *s >= '0' && *s <= '9'; s++)
		v = v * 10 + (unsigned long long)(*s - '0');
	return *s == ']' ? v : 0;
}

static unsigned long long netns_at(int procfd, int pid)
{
	char rel[40], lnk[LINK_MAX_];
	ssize_t n;

	snprintf(rel, sizeof rel, "%d/ns/net", pid);
	errno = 0;
	n = readlinkat(procfd, rel, lnk, sizeof lnk - 1);
	if (n <= 0) {
		if (!errno)
			errno = EINVAL;
		return 0;
	}
	lnk[n] = 0;
	return link_inode(lnk, "net:");
}

/* "PID (comm) S PPID ...": comm may hold ')' and spaces, so the last ')' ends it. */
static int parse_stat(const char *s, size_t n, struct proc_info *p)
{
	const char *open = memchr(s, '(', n), *close = NULL, *q;
	size_t cl;
	long v = 0;
	int neg = 0;

	for (q = s + n; q > s; q--)
		if (q[-1] == ')') {
			close = q - 1;
			break;
		}
	if (!open || !close || close < open || close + 4 > s + n)
		return -1;
	cl = (size_t)(close - open - 1);
	if (cl >= PROC_COMM_MAX)
		cl = PROC_COMM_MAX - 1;
	memcpy(p->comm, open + 1, cl);
	p->comm[cl] = 0;
	p->state = close[2];
	q = close + 4;
	if (*q == '-') {
		neg = 1;
		q++;
	}
	for (; q < s + n && *q >= '0' && *q <= '9' && v < 100000000; q++)
		v = v * 10 + (*q - '0');
	p->ppid = neg ? -(int)v : (int)v;
	return 0;
}

static void read_args(int procfd, int pid, struct proc_info *p)
{
	char rel[40];
	ssize_t n, i;

	snprintf(rel, sizeof rel, "%d/cmdline", pid);
	n = read_at(procfd, rel, p->args, sizeof p->args);
	if (n <= 0) {
		p->args[0] = 0;
		return;
	}
	/* argv is NUL-separated; a trailing NUL ends the last one. */
	while (n > 0 && p->args[n - 1] == 0)
		n--;
	for (i = 0; i < n; i++)
		if (p->args[i] == 0)
			p->args[i] = ' ';
	p->args[n] = 0;
}

static void read_wchan(int procfd, int pid, struct proc_info *p)
{
	char rel[40];

	snprintf(rel, sizeof rel, "%d/wchan", pid);
	if (read_at(procfd, rel, p->wchan, sizeof p->wchan) < 0 || !strcmp(p->wchan, "0"))
		p->wchan[0] = 0;
}

static void read_cgroup(int procfd, int pid, struct proc_info *p)
{
	char rel[40], buf[CGROUP_FILE_MAX];
	struct proc_cgroup cg;
	ssize_t n;

	snprintf(rel, sizeof rel, "%d/cgroup", pid);
	n = read_at(procfd, rel, buf, sizeof buf);
	if (n <= 0 || proc_parse_cgroup(buf, (size_t)n, &cg) < 0)
		return;
	memcpy(p->cgroup, cg.path, sizeof p->cgroup);
	memcpy(p->pod_uid, cg.pod_uid, sizeof p->pod_uid);
	memcpy(p->container_id, cg.container_id, sizeof p->container_id);
}

/* 0 read, -1 gone (or unreadable stat: nothing useful to show). */
static int read_one(int procfd, int pid, unsigned want, struct proc_info *p)
{
	char rel[40], buf[STAT_MAX];
	ssize_t n;

	memset(p, 0, sizeof *p);
	p->pid = pid;
	p->state = '?';
	p->want = want;
	if (!(want & PROC_F_NOSTAT)) {
		snprintf(rel, sizeof rel, "%d/stat", pid);
		n = read_at(procfd, rel, buf, sizeof buf);
		if (n <= 0 || parse_stat(buf, (size_t)n, p) < 0)
			return -1;
	}
	if (want & PROC_F_ARGS)
		read_args(procfd, pid, p);
	if (want & PROC_F_WCHAN)
		read_wchan(procfd, pid, p);
	if (want & PROC_F_NETNS) {
		p->netns = netns_at(procfd, pid);
		p->netns_err = p->netns ? 0 : errno;
		/* Without stat, a vanished process shows only here; one we may not look into is
		 * still there (its caller must say what it could not see). */
		if (!p->netns && (want & PROC_F_NOSTAT) && p->netns_err != EACCES && p->netns_err != EPERM)
			return -1;
	}
	if (want & PROC_F_CGROUP)
		read_cgroup(procfd, pid, p);
	return 0;
}

struct walk_ctx {
	int procfd;
	unsigned want;
	int (*cb)(const struct proc_info *p, void *arg);
	void *arg;
	int ret;
};

static int walk_one(long pid, const char *name, void *arg)
{
	struct walk_ctx *w = arg;
	struct proc_info p;
	int r;

	(void)name;
	if (read_one(w->procfd, (int)pid, w->want, &p) < 0)
		return 1; /* exited mid-walk: normal */
	r = w->cb(&p, w->arg);
	if (r <= 0)
		w->ret = r < 0 ? r : 0;
	return r;
}

int proc_walk_some(unsigned want, int (*cb)(const struct proc_info *p, void *arg), void *arg,
		   struct nr_err *e)
{
	struct walk_ctx w = { -1, want, cb, arg, 0 };
	int r;

	w.procfd = open("/proc", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (w.procfd < 0)
		return nr_fail(e, NR_E_SYS, errno, MOD, "/proc");
	r = each_number(w.procfd, walk_one, &w);
	if (r < 0 && !w.ret) {
		int s = errno;
		close(w.procfd);
		return nr_fail(e, NR_E_SYS, s, MOD, "/proc");
	}
	close(w.procfd);
	return w.ret;
}

int proc_walk(int (*cb)(const struct proc_info *p, void *arg), void *arg, struct nr_err *e)
{
	return proc_walk_some(PROC_F_ALL, cb, arg, e);
}

int proc_read(int pid, unsigned want, struct proc_info *out, struct nr_err *e)
{
	int fd = open("/proc", O_RDONLY | O_DIRECTORY | O_CLOEXEC), r;

	if (fd < 0)
		return nr_fail(e, NR_E_SYS, errno, MOD, "/proc");
	r = pid > 0 ? read_one(fd, pid, want, out) : -1;
	close(fd);
	if (r < 0)
		return nr_fail(e, NR_E_PROC_NOPID, 0, MOD, "pid %d", pid);
	return 0;
}

unsigned long long proc_netns_of(int pid)
{
	int fd = open("/proc", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	unsigned long long ino;

	if (fd < 0)
		return 0;
	ino = netns_at(fd, pid);
	close(fd);
	return ino;
}

/* --- socket owners ------------------------------------------------------------------------ */
struct fd_ctx {
	int fddir;
	int pid;
	int (*cb)(const struct proc_sock_ref *r, void *arg);
	void *arg;
	int ret;
};

static int fd_one(long n, const char *name, void *arg)
{
	struct fd_ctx *c = arg;
	struct proc_sock_ref ref;
	char lnk[LINK_MAX_];
	ssize_t l;
	int r;

	(void)n;
	l = readlinkat(c->fddir, name, lnk, sizeof lnk - 1);
	if (l <= 0 || lnk[0] != 's')
		return 1;
	lnk[l] = 0;
	ref.pid = c->pid;
	ref.inode = link_inode(lnk, "socket:");
	if (!ref.inode)
		return 1;
	r = c->cb(&ref, c->arg);
	if (r <= 0)
		c->ret = r < 0 ? r : 0;
	return r;
}

int proc_sock_walk(int pid, int (*cb)(const struct proc_sock_ref *r, void *arg), void *arg)
{
	struct fd_ctx c = { -1, pid, cb, arg, 0 };
	char path[40];

	snprintf(path, sizeof path, "/proc/%d/fd", pid);
	c.fddir = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (c.fddir < 0)
		return 0; /* gone, or a kernel thread we may not look into */
	each_number(c.fddir, fd_one, &c);
	close(c.fddir);
	return c.ret;
}
