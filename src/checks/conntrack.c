#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "base/io.h"
#include "base/parse.h"
#include "checks/conntrack.h"
#include "netlink/netlink.h"
#include "report/words.h"

struct ct_paths {
	const char *count, *max, *buckets, *stat;
	const char *key;   /* the sysctl.conf name of max */
};
static const struct ct_paths nf_paths = {
	"/proc/sys/net/netfilter/nf_conntrack_count", "/proc/sys/net/netfilter/nf_conntrack_max",
	"/proc/sys/net/netfilter/nf_conntrack_buckets", "/proc/net/stat/nf_conntrack",
	"net.netfilter.nf_conntrack_max",
};
/* Kernels before 2.6.20 (and some vendor ones) named it ip_conntrack. */
static const struct ct_paths ip_paths = {
	"/proc/sys/net/ipv4/netfilter/ip_conntrack_count", "/proc/sys/net/ipv4/netfilter/ip_conntrack_max",
	"/proc/sys/net/ipv4/netfilter/ip_conntrack_buckets", "/proc/net/stat/ip_conntrack",
	"net.ipv4.netfilter.ip_conntrack_max",
};

/* CT_STAT_BUF: /proc/net/stat/nf_conntrack is ~150 bytes per CPU; 128 KiB covers 800 CPUs. */
#define CT_STAT_BUF (128 * 1024)
/* CT_CONF_MAX: a sysctl.conf is a few KiB; a bigger one is not what we think it is. */
#define CT_CONF_MAX (256 * 1024)
/* NodeLocal DNSCache listens on this link-local address on a dummy "nodelocaldns" device. */
#define NODELOCAL_IF "nodelocaldns"
#define NODELOCAL_IP "169.254.20.10"

static void unread(struct conntrack_report *r, const char *name, const char *why)
{
	if (r->nunread < CT_UNREAD_MAX)
		snprintf(r->unread[r->nunread++], sizeof r->unread[0], "%s: %s", name, why);
}

static void read_val(struct conntrack_report *r, const char *path, const char *name, struct sysval *v)
{
	if (sysval_read(path, v) < 0)
		unread(r, name, sysval_why(v));
}

/* --- /proc/net/stat/nf_conntrack ------------------------------------------------------------- */

static int stat_col(const struct conntrack_report *r, const char *name)
{
	int i;

	for (i = 0; i < r->ncols; i++)
		if (!strcmp(r->col[i], name))
			return i;
	return -1;
}

/* Header "entries clashres found ..." then one row of hex columns per CPU. Untrusted text:
 * every field is length-checked; a row with the wrong column count is malformed. */
int conntrack_stat_parse(const char *buf, size_t n, struct conntrack_report *r)
{
	const char *p = buf, *end = buf + n, *nl, *q;
	int i, row = 0;

	nl = memchr(p, '\n', n);
	if (!nl)
		return -1;
	for (r->ncols = 0; p < nl;) {
		while (p < nl && *p == ' ')
			p++;
		for (q = p; q < nl && *q != ' '; q++)
			;
		if (q == p)
			break;
		if (r->ncols >= CT_STAT_COLS || q - p >= (long)sizeof r->col[0])
			return -1;
		memcpy(r->col[r->ncols], p, (size_t)(q - p));
		r->col[r->ncols++][q - p] = 0;
		p = q;
	}
	for (p = nl + 1; p < end; p = nl + 1) {
		nl = memchr(p, '\n', (size_t)(end - p));
		if (!nl)
			nl = end;
		for (i = 0; i < r->ncols; i++) {
			unsigned long long v = 0;
			while (p < nl && *p == ' ')
				p++;
			for (q = p; q < nl && *q != ' '; q++) {
				int d = *q >= '0' && *q <= '9' ? *q - '0' : *q >= 'a' && *q <= 'f' ? *q - 'a' + 10 : -1;
				if (d < 0 || q - p >= 16)
					return -1;
				v = v << 4 | (unsigned)d;
			}
			if (q == p)
				return -1;
			/* "entries" is the netns-wide count repeated on every row, not a per-CPU one. */
			if (strcmp(r->col[i], "entries") || row == 0)
				r->sum[i] += v;
			p = q;
		}
		row++;
		if (nl == end)
			break;
	}
	r->ncpu = row;
	return r->ncols ? 0 : -1;
}

static void stat_pick(struct conntrack_report *r, const char *name, struct sysval *v)
{
	int i = stat_col(r, name);

	memset(v, 0, sizeof *v);
	if (r->stat_ok && i >= 0) {
		v->ok = 1;
		v->v = r->sum[i];
	} else {
		v->err = r->stat_ok ? ENOENT : r->stat_err;
	}
}

static void read_stat(struct conntrack_report *r, const char *path)
{
	char *buf = malloc(CT_STAT_BUF); /* one per run */
	long n = buf ? sysval_slurp(path, buf, CT_STAT_BUF) : (errno = ENOMEM, -1);

	if (n < 0) {
		r->stat_err = errno;
	} else if (conntrack_stat_parse(buf, (size_t)n, r) < 0) {
		r->stat_err = EINVAL;
		memset(r->sum, 0, sizeof r->sum);
		r->ncols = 0;
	} else {
		r->stat_ok = 1;
	}
	free(buf);
	if (!r->stat_ok) {
		struct sysval v = { 0, r->stat_err, 0 };
		unread(r, path, sysval_why(&v));
	}
	stat_pick(r, "drop", &r->drop);
	stat_pick(r, "early_drop", &r->early_drop);
	stat_pick(r, "insert_failed", &r->insert_failed);
}

/* --- NodeLocal DNSCache ----------------------------------------------------------------------- */

static int nodelocal_addr(const struct nl_ifaddr *a, void *arg)
{
	struct in_addr want;

	inet_pton(AF_INET, NODELOCAL_IP, &want);
	if (a->family != AF_INET || memcmp(a->addr, &want, 4))
		return 1;
	*(int *)arg = a->ifindex;
	return 0;
}

/* NodeLocal DNSCache: its interface, or its address on any link. given: the caller's route
 * socket (NULL: one of its own). */
static void nodelocal(struct conntrack_report *r, struct nl *given)
{
	struct nl own, *nl;
	struct nl_link l;
	struct nr_err e;
	int ifindex = 0;

	if (!(nl = nl_use(given, &own, &e))) {
		unread(r, "NodeLocal DNSCache", strerror(e.sys ? e.sys : EIO));
		return;
	}
	if (nl_link_get(nl, NODELOCAL_IF, &l, &e) == 0) {
		r->nodelocal = 1;
		snprintf(r->nodelocal_how, sizeof r->nodelocal_how, "interface " NODELOCAL_IF);
	} else if (e.code != NR_E_NOIF) {
		unread(r, "NodeLocal DNSCache", strerror(e.sys ? e.sys : EIO));
		nl_done(nl, &own);
		return;
	} else if (nl_addr_dump(nl, AF_INET, nodelocal_addr, &ifindex, &e) < 0) {
		unread(r, "NodeLocal DNSCache", strerror(e.sys ? e.sys : EIO));
		nl_done(nl, &own);
		return;
	} else if (ifindex) {
		r->nodelocal = 1;
		if (nl_link_get_index(nl, ifindex, &l, &e) < 0)
			snprintf(l.name, sizeof l.name, "ifindex %d", ifindex);
		snprintf(r->nodelocal_how, sizeof r->nodelocal_how, NODELOCAL_IP " on %.32s", l.name);
	}
	r->nodelocal_ok = 1;
	nl_done(nl, &own);
}

/* --- sysctl.conf ------------------------------------------------------------------------------ */

/* Is line (len bytes) a setting of key? Accepts "key = v", "key=v", "-key = v" (sysctl's
 * ignore-errors prefix) and the slash form "net/netfilter/...". Sets *val to its value. */
static int conf_line_is(const char *l, size_t len, const char *key, unsigned long long *val)
{
	const char *end = l + len, *k;
	size_t i, klen = strlen(key);

	while (l < end && (*l == ' ' || *l == '\t'))
		l++;
	if (l < end && *l == '-')
		l++;
	if ((size_t)(end - l) < klen)
		return 0;
	for (i = 0, k = key; i < klen; i++)
		if (l[i] != k[i] && !(k[i] == '.' && l[i] == '/'))
			return 0;
	l += klen;
	while (l < end && (*l == ' ' || *l == '\t'))
		l++;
	if (l >= end || *l++ != '=')
		return 0;
	while (l < end && (*l == ' ' || *l == '\t'))
		l++;
	*val = 0;
	for (; l < end && *l >= '0' && *l <= '9'; l++)
		*val = *val > ~0ULL / 10 - 10 ? ~0ULL : *val * 10 + (unsigned)(*l - '0');
	return 1;
}

struct buf {
	char *p;
	size_t len, cap;
	int over;
};

static void put(struct buf *b, const char *s, size_t n)
{
	if (b->over || b->len + n >= b->cap) {
		b->over = 1;
		return;
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = 0;
}

static const char conf_comment[] = "# raised by netrescue conntrack --fix (MemTotal KiB / 32)\n";

long conntrack_conf_edit(const char *in, size_t n, const char *key, unsigned long long value,
			 char *out, size_t cap, int *changed, int *line)
{
	const char *p, *end = in + n, *nl;
	unsigned long long v, last = 0;
	struct buf b = { out, 0, cap, 0 };
	char set[128];
	int matches = 0, lineno = 0, first = 0, setlen;

	/* First pass: what the file sets now (sysctl applies lines in order: the last wins). */
	for (p = in; p < end; p = nl + 1) {
		nl = memchr(p, '\n', (size_t)(end - p));
		if (!nl)
			nl = end;
		lineno++;
		if (conf_line_is(p, (size_t)(nl - p), key, &v)) {
			matches++;
			last = v;
			if (!first)
				first = lineno;
		}
		if (nl == end)
			break;
	}
	if (matches && last > value)
		value = last;  /* only raise, never lower */
	setlen = snprintf(set, sizeof set, "%s = %llu", key, value);
	*changed = !(matches == 1 && last == value);
	*line = first;
	if (cap)
		out[0] = 0;
	lineno = 0;
	for (p = in; p < end; p = nl + 1) {
		nl = memchr(p, '\n', (size_t)(end - p));
		if (!nl)
			nl = end;
		lineno++;
		if (!conf_line_is(p, (size_t)(nl - p), key, &v) || !*changed)
			put(&b, p, (size_t)(nl - p));
		else if (lineno == first)
			put(&b, set, (size_t)setlen);
		else
			goto next; /* a later duplicate: dropped, and its newline with it */
		if (nl < end)
			put(&b, "\n", 1);
next:
		if (nl == end)
			break;
	}
	if (!matches) {
		if (b.len && out[b.len - 1] != '\n')
			put(&b, "\n", 1);
		put(&b, conf_comment, sizeof conf_comment - 1);
		put(&b, set, (size_t)setlen);
		put(&b, "\n", 1);
		*line = 0;
		for (p = out; p < out + b.len; p++)
			*line += *p == '\n';
	}
	return b.over ? -1 : (long)b.len;
}

/* sysctl.conf is reached through its directory, opened inside --host-root (an absolute
 * symlink such as etc -> /etc stays in the node's tree); the file itself is never followed
 * when it is a symlink (a planted link must not redirect our write). */
struct conf_meta {
	mode_t mode;
	int exists;       /* owner below is meaningful */
	uid_t uid;
	gid_t gid;
};

/* sysctl.conf, read and checked before anything changes; its new content is staged in a
 * temporary file beside it before the live value changes, and renamed over it after. */
struct conf_plan {
	char path[4096];   /* for messages: as the node names it, under --host-root */
	int dirfd;         /* HOST_ROOT/etc, or -1 */
	struct conf_meta meta;
	long len;          /* of the current content in in */
	char tmp[64];      /* the staged file's name in dirfd; "" when none */
	char in[CT_CONF_MAX], out[CT_CONF_MAX + 256]; /* the file now, and as it will be */
};
#define CONF_DIR "/etc"
#define CONF_NAME "sysctl.conf"

static int conf_fail(const struct conf_plan *pl, int err, struct nr_err *e)
{
	return nr_fail(e, NR_E_CT_CONF, err, "conntrack", "%s", pl->path);
}

static long conf_read(struct conf_plan *pl, char *buf, size_t cap, struct nr_err *e)
{
	struct conf_meta *mt = &pl->meta;
	struct stat st;
	size_t len;
	int fd, err;

	mt->mode = 0644;
	mt->exists = 0;
	fd = openat(pl->dirfd, CONF_NAME, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? 0 : conf_fail(pl, errno, e);
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return nr_fail(e, NR_E_CT_CONF, EINVAL, "conntrack", "%s: not a regular file", pl->path);
	}
	mt->mode = st.st_mode & 07777;
	mt->exists = 1;
	mt->uid = st.st_uid;
	mt->gid = st.st_gid;
	if (io_read_fd(fd, buf, cap, &len, IO_DEADLINE_MS, pl->path, e) < 0) {
		err = e && e->code == NR_E_TOOBIG ? EFBIG : e ? e->sys : EIO;
		close(fd);
		return conf_fail(pl, err, e);
	}
	close(fd);
	return (long)len;
}

/* What would make the final rename fail, found before anything changes: a directory we may
 * not write, a read-only file system, a file that is a mount point of its own (a bind mount
 * cannot be renamed over: EBUSY). */
static int conf_writable(struct conf_plan *pl, struct nr_err *e)
{
	long long dm, fm;
	int fd;

	if (faccessat(pl->dirfd, ".", W_OK, AT_EACCESS) < 0)
		return conf_fail(pl, errno, e);
	if (!pl->meta.exists)
		return 0;
	if (faccessat(pl->dirfd, CONF_NAME, W_OK, AT_EACCESS | AT_SYMLINK_NOFOLLOW) < 0)
		return conf_fail(pl, errno, e);
	fd = openat(pl->dirfd, CONF_NAME, O_PATH | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return conf_fail(pl, errno, e);
	dm = io_mount_id(pl->dirfd);
	fm = io_mount_id(fd);
	close(fd);
	if (dm >= 0 && fm >= 0 && dm != fm)
		return conf_fail(pl, EBUSY, e);
	return 0;
}

static int conf_prepare(const struct conntrack_opts *o, struct conf_plan *pl, struct nr_err *e)
{
	const char *root = o->host_root ? o->host_root : "/";

	pl->tmp[0] = 0;
	if (path_under(root, CONF_DIR "/" CONF_NAME, pl->path, sizeof pl->path) < 0)
		return nr_fail(e, NR_E_TOOBIG, 0, "conntrack", "--host-root");
	pl->dirfd = hostfs_open(root, CONF_DIR, O_RDONLY | O_DIRECTORY);
	if (pl->dirfd < 0)
		return conf_fail(pl, errno, e);
	pl->len = conf_read(pl, pl->in, sizeof pl->in, e);
	if (pl->len < 0)
		return -1;
	return conf_writable(pl, e);
}

/* The new content, written whole and synced under a fresh name beside sysctl.conf. */
static int conf_stage(struct conf_plan *pl, const char *s, size_t n, struct nr_err *e)
{
	struct timespec ts;
	int fd, err, i;

	for (i = 0, fd = -1; fd < 0 && i < 8; i++) {
		clock_gettime(CLOCK_MONOTONIC, &ts);
		snprintf(pl->tmp, sizeof pl->tmp, ".%s.netrescue.%d.%ld", CONF_NAME, (int)getpid(),
			 (long)(ts.tv_nsec + i));
		/* O_EXCL: never follows or reuses a planted name. */
		fd = openat(pl->dirfd, pl->tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
		if (fd < 0 && errno != EEXIST)
			break;
	}
	if (fd < 0) {
		pl->tmp[0] = 0;
		return conf_fail(pl, errno, e);
	}
	/* Same mode and owner as the file it replaces. */
	if (io_write_all(fd, s, n) < 0 || fchmod(fd, pl->meta.mode) < 0 ||
	    (pl->meta.exists && fchown(fd, pl->meta.uid, pl->meta.gid) < 0) || fsync(fd) < 0) {
		err = errno;
		close(fd);
		unlinkat(pl->dirfd, pl->tmp, 0);
		pl->tmp[0] = 0;
		return conf_fail(pl, err, e);
	}
	close(fd);
	return 0;
}

/* The rename, then an fsync of the directory so that the rename itself survives a crash. */
static int conf_commit(struct conf_plan *pl, struct nr_err *e)
{
	int err;

	if (renameat(pl->dirfd, pl->tmp, pl->dirfd, CONF_NAME) < 0) {
		err = errno;
		unlinkat(pl->dirfd, pl->tmp, 0);
		pl->tmp[0] = 0;
		return conf_fail(pl, err, e);
	}
	pl->tmp[0] = 0;
	(void)fsync(pl->dirfd);
	return 0;
}

static void conf_done(struct conf_plan *pl)
{
	if (pl->tmp[0])
		unlinkat(pl->dirfd, pl->tmp, 0);
	pl->tmp[0] = 0;
	if (pl->dirfd >= 0)
		close(pl->dirfd);
	pl->dirfd = -1;
}

static void change(struct conntrack_report *r, const char *what, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void change(struct conntrack_report *r, const char *what, const char *fmt, ...)
{
	struct conntrack_change *c;
	va_list ap;

	if (r->nchanges >= (int)(sizeof r->changes / sizeof r->changes[0]))
		return;
	c = &r->changes[r->nchanges++];
	snprintf(c->what, sizeof c->what, "%s", what);
	va_start(ap, fmt);
	vsnprintf(c->detail, sizeof c->detail, fmt, ap);
	va_end(ap);
}

static int ro_code(int err)
{
	return err == EACCES || err == EPERM || err == EROFS ? NR_E_CT_RO : NR_E_SYS;
}

/* Writes v to the open sysctl; 0 or -1 with errno. */
static int set_live(int fd, unsigned long long v)
{
	char num[32];
	int len = snprintf(num, sizeof num, "%llu\n", v);

	return pwrite(fd, num, (size_t)len, 0) == len ? 0 : -1;
}

/* --fix: everything that can refuse is checked first (the sysctl opens for writing,
 * sysctl.conf is a readable regular file in a writable place, its new content is staged),
 * then the live value is set, then the staged file replaces sysctl.conf. Should that last
 * step still fail, the live value is put back: the node is left as it was found. */
static int fix(const struct conntrack_opts *o, struct conntrack_report *r, const struct ct_paths *cp,
	       struct nr_err *e)
{
	struct conf_plan *pl; /* 0.5 MiB of file text: one allocation per --fix */
	unsigned long long target = r->recommended_max, old = r->max.v, keep;
	long m;
	int fd, changed = 0, line = 0, rc = -1, err;

	if (!r->loaded)
		return 0; /* nothing to raise: said in the report */
	if (!target)
		return nr_fail(e, NR_E_NOENT, r->memtotal_kib.err, "conntrack", "MemTotal in /proc/meminfo (needed for the recommended max)");
	if (!r->max.ok)
		return nr_fail(e, r->max.err == EACCES ? NR_E_PERM : NR_E_SYS, r->max.err, "conntrack", "%s", cp->max);
	/* Opening for writing tells whether we may, without changing anything yet. */
	fd = open(cp->max, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return nr_fail(e, geteuid() != 0 ? NR_E_PERM : ro_code(errno), errno, "conntrack", "%s", cp->max);
	if (!(pl = malloc(sizeof *pl))) {
		close(fd);
		return nr_fail(e, NR_E_NOMEM, ENOMEM, "conntrack", NULL);
	}
	pl->dirfd = -1;
	pl->tmp[0] = 0; /* conf_done removes a staged file only once there is one */
	if (conf_prepare(o, pl, e) < 0)
		goto out;
	/* Persist what will be live: --fix never lowers anything. */
	keep = old > target ? old : target;
	m = conntrack_conf_edit(pl->in, (size_t)pl->len, cp->key, keep, pl->out, sizeof pl->out, &changed,
				&line);
	if (m < 0) {
		nr_fail(e, NR_E_TOOBIG, 0, "conntrack", "%s", pl->path);
		goto out;
	}
	if (changed && conf_stage(pl, pl->out, (size_t)m, e) < 0)
		goto out;
	if (old < target) {
		if (set_live(fd, target) < 0) {
			err = errno;
			nr_fail(e, ro_code(err), err, "conntrack", "%s", cp->max);
			goto out;
		}
		change(r, "nf_conntrack_max", "%llu -> %llu", old, target);
		r->max.v = target;
	}
	if (changed && conf_commit(pl, e) < 0) {
		if (old < target && set_live(fd, old) == 0) {
			r->nchanges--;
			r->max.v = old;
		}
		goto out;
	}
	if (changed)
		change(r, "sysctl.conf", "%.120s line %d: %s = %llu", pl->path, line, cp->key, keep);
	rc = 0;
out:
	conf_done(pl);
	free(pl);
	close(fd);
	return rc;
}

/* --- findings --------------------------------------------------------------------------------- */

static void findings(struct conntrack_report *r, struct findings *fs)
{
	char when[32], times[32], span[32];
	int can_raise = r->recommended_max && r->max.ok && r->recommended_max > r->max.v;
	const char *fixcmd = can_raise ? "netrescue conntrack --fix" : NULL;
	struct finding *f;

	if (r->count.ok && r->max.ok && r->max.v && r->count.v * 10 >= r->max.v * 9)
		findings_add(fs, "conntrack-near-full", SEV_WARN, "conntrack", fixcmd,
			     "%llu of %llu entries in use (%llu %%)%s", r->count.v, r->max.v,
			     r->count.v * 100 / r->max.v,
			     can_raise ? "" : "; the max is already at or above MemTotal/32: find what opens so many flows");
	if (r->full.count) {
		f = findings_add(fs, "conntrack-table-full", SEV_FAIL, "conntrack", fixcmd,
				 "kernel log: 'nf_conntrack: table full, dropping packet' %s in the last %s, last at %s",
				 words_count(r->full.count, times, sizeof times),
				 words_span(r->since_secs, span, sizeof span),
				 kmsg_time_str(r->full.last_wall_us, when, sizeof when));
		if (f)
			f->last_seen_us = r->full.last_wall_us;
	} else if (r->drop.ok && r->drop.v) {
		findings_add(fs, "conntrack-table-full", SEV_FAIL, "conntrack", fixcmd,
			     "%llu packets dropped because the table was full (per-CPU 'drop' counters since boot or netns creation)",
			     r->drop.v);
	}
	if (!can_raise && (r->full.count || (r->drop.ok && r->drop.v)) && fs->n)
		finding_advice(&fs->f[fs->n - 1], "nf_conntrack_max is already at or above MemTotal/32: find what "
			       "opens so many flows (netrescue flows)");
	if (r->insert_failed.ok && r->insert_failed.v)
		findings_add(fs, "conntrack-insert-failed", SEV_INFO, "conntrack", NULL,
			     "%llu inserts failed (since boot): racing UDP flows, typically DNS 5 s timeouts%s",
			     r->insert_failed.v, r->nodelocal ? "" : "; NodeLocal DNSCache avoids them");
}

/* --- the check -------------------------------------------------------------------------------- */

int check_conntrack_run(const struct conntrack_opts *o, struct conntrack_report *r,
			struct findings *fs, struct nr_err *e)
{
	static const char *const full[] = { "nf_conntrack: table full, dropping packet",
					    "ip_conntrack: table full, dropping packet", NULL };
	const struct ct_paths *cp = &nf_paths;
	struct nr_err ke;

	memset(r, 0, sizeof *r);
	r->since_secs = o->since_secs ? o->since_secs : CT_DEFAULT_SINCE;
	r->fix = o->fix;
	sysval_read(cp->count, &r->count);
	if (!r->count.ok && r->count.err == ENOENT) {
		sysval_read(ip_paths.count, &r->count);
		if (r->count.ok || r->count.err != ENOENT) {
			cp = &ip_paths;
			r->legacy = 1;
		}
	}
	r->loaded = r->count.ok || r->count.err != ENOENT;
	if (r->loaded) {
		if (!r->count.ok)
			unread(r, "count", sysval_why(&r->count));
		read_val(r, cp->max, "max", &r->max);
		read_val(r, cp->buckets, "buckets", &r->buckets);
		read_stat(r, cp->stat);
	}
	if (sysval_memtotal_kib(&r->memtotal_kib) < 0)
		unread(r, "MemTotal", sysval_why(&r->memtotal_kib));
	else
		r->recommended_max = r->memtotal_kib.v / 32;
	nr_err_clear(&ke);
	if (kmsg_find(full, r->since_secs, &r->full, &ke) == 0)
		r->klog_ok = 1;
	else {
		snprintf(r->klog_err, sizeof r->klog_err, "%s", ke.code == NR_E_KMSG_PERM ?
			 "permission denied (kernel.dmesg_restrict: run as root)" :
			 ke.sys ? strerror(ke.sys) : "cannot read it");
		unread(r, "kernel log", r->klog_err);
	}
	nodelocal(r, o->nl);
	check_portrange_run(&r->ports, fs);
	if (o->fix && fix(o, r, cp, e) < 0) {
		findings(r, fs);
		return -1;
	}
	findings(r, fs);
	return 0;
}

/* --- output ----------------------------------------------------------------------------------- */

void check_conntrack_json(struct jw *w, const struct conntrack_report *r)
{
	int i;

	jw_kbool(w, "loaded", r->loaded);
	jw_kbool(w, "legacy_ip_conntrack", r->legacy);
	sysval_json(w, "count", &r->count);
	sysval_json(w, "max", &r->max);
	sysval_json(w, "buckets", &r->buckets);
	if (r->count.ok && r->max.ok && r->max.v)
		jw_kint(w, "percent_used", (long long)(r->count.v * 100 / r->max.v));
	else
		jw_knull(w, "percent_used");
	sysval_json(w, "memtotal_kib", &r->memtotal_kib);
	if (r->recommended_max)
		jw_kuint(w, "recommended_max", r->recommended_max);
	else
		jw_knull(w, "recommended_max");
	sysval_json(w, "drops", &r->drop);
	sysval_json(w, "insert_failed", &r->insert_failed);
	sysval_json(w, "early_drop", &r->early_drop);
	if (r->stat_ok) {
		jw_kint(w, "cpus", r->ncpu);
		jw_key(w, "stats");
		jw_obj(w);
		for (i = 0; i < r->ncols; i++)
			jw_kuint(w, r->col[i], r->sum[i]);
		jw_obj_end(w);
	} else {
		jw_knull(w, "cpus");
		jw_knull(w, "stats");
	}
	kmsg_match_json(w, "table_full", r->since_secs, r->klog_ok, &r->full, r->klog_err);
	if (r->nodelocal_ok)
		jw_kbool(w, "nodelocaldns", r->nodelocal);
	else
		jw_knull(w, "nodelocaldns");
	jw_kstr(w, "nodelocaldns_evidence", r->nodelocal ? r->nodelocal_how : NULL);
	check_portrange_json(w, &r->ports);
	jw_key(w, "changes");
	jw_arr(w);
	for (i = 0; i < r->nchanges; i++) {
		jw_obj(w);
		jw_kstr(w, "what", r->changes[i].what);
		jw_kstr(w, "change", r->changes[i].detail);
		jw_obj_end(w);
	}
	jw_arr_end(w);
	jw_key(w, "unreadable");
	jw_arr(w);
	for (i = 0; i < r->nunread; i++)
		jw_str(w, r->unread[i]);
	jw_arr_end(w);
}

void check_conntrack_text(FILE *f, const struct conntrack_report *r)
{
	char a[64], b[64], c[64], t[32], times[32], span[32];
	int i;

	if (!r->loaded) {
		fprintf(f, "conntrack      not loaded (no nf_conntrack or ip_conntrack in this kernel/netns): nothing to check\n");
	} else {
		fprintf(f, "conntrack      %s / %s entries", sysval_str(&r->count, a, sizeof a), sysval_str(&r->max, b, sizeof b));
		if (r->count.ok && r->max.ok && r->max.v)
			fprintf(f, " (%llu %%)", r->count.v * 100 / r->max.v);
		fprintf(f, ", buckets %s%s\n", sysval_str(&r->buckets, c, sizeof c), r->legacy ? " (legacy ip_conntrack)" : "");
		fprintf(f, "per-cpu        drop %s  early_drop %s  insert_failed %s",
			sysval_str(&r->drop, a, sizeof a), sysval_str(&r->early_drop, b, sizeof b), sysval_str(&r->insert_failed, c, sizeof c));
		fprintf(f, r->stat_ok ? " (summed over %d CPUs, since boot)\n" : "\n", r->ncpu);
	}
	if (r->recommended_max)
		fprintf(f, "recommended    max %llu (MemTotal %llu KiB / 32)\n", r->recommended_max, r->memtotal_kib.v);
	if (r->klog_ok && r->full.count)
		fprintf(f, "kernel log     'table full, dropping packet' %s in the last %s, last %s\n",
			words_count(r->full.count, times, sizeof times), words_span(r->since_secs, span, sizeof span),
			kmsg_time_str(r->full.last_wall_us, t, sizeof t));
	else if (r->klog_ok)
		fprintf(f, "kernel log     no 'table full' in the last %s\n", words_span(r->since_secs, span, sizeof span));
	else
		fprintf(f, "kernel log     ? (%s)\n", r->klog_err);
	if (r->nodelocal_ok)
		fprintf(f, "nodelocaldns   %s\n", r->nodelocal ? r->nodelocal_how : "absent (every pod DNS query is a conntrack entry)");
	check_portrange_text(f, &r->ports);
	for (i = 0; i < r->nchanges; i++)
		fprintf(f, "changed        %s: %s\n", r->changes[i].what, r->changes[i].detail);
	for (i = 0; i < r->nunread; i++)
		fprintf(f, "unreadable     %s\n", r->unread[i]);
}
