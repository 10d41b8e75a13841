/* The counters a person diffs by hand over a window: /proc/net/snmp and /proc/net/netstat (the
 * node's, and each asked pod's through /proc/PID/net), /proc/net/softnet_stat, conntrack's
 * per-CPU stats (/proc/net/stat/nf_conntrack), and each link's stats64 drops and errors
 * (netlink). Only drop-related names are kept; only those that rose are reported. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "drops/private.h"
#include "netlink/netlink.h"

/* FILE_MAX: /proc/net/netstat is ~4 KiB; softnet_stat ~ 100 B per CPU. */
#define FILE_MAX 65536
/* LINE_MAX_: one header or value line of /proc/net/netstat (~2 KiB for TcpExt). */
#define LINE_MAX_ 8192
/* NAMES_MAX: counters on one SNMP line (TcpExt has ~130). */
#define NAMES_MAX 256

/* One line [p, end) split at spaces; the first token is the "Prefix:". */
static int tokens(const char *p, const char *end, const char **tok, size_t *len, int max)
{
	int n = 0;

	while (p < end) {
		while (p < end && *p == ' ')
			p++;
		if (p >= end)
			break;
		if (n >= max)
			return -1;
		tok[n] = p;
		while (p < end && *p != ' ')
			p++;
		len[n] = (size_t)(p - tok[n]);
		n++;
	}
	return n;
}

static int parse_u64(const char *p, size_t n, unsigned long long *v)
{
	size_t i;

	*v = 0;
	if (!n)
		return -1;
	/* /proc/net/snmp has signed fields (Tcp MaxConn -1): such a value is simply skipped. */
	for (i = 0; i < n; i++) {
		if (p[i] < '0' || p[i] > '9' || *v > (~0ULL - 9) / 10)
			return -1;
		*v = *v * 10 + (unsigned long long)(p[i] - '0');
	}
	return 0;
}

static const char *line_end(const char *p, const char *end)
{
	const char *nl = memchr(p, '\n', (size_t)(end - p));

	return nl ? nl : end;
}

int drops_snmp_parse(const char *text, size_t len, void (*cb)(const char *name, unsigned long long v, void *arg),
		     void *arg)
{
	const char *hn[NAMES_MAX], *vn[NAMES_MAX]; /* 8 KiB with the lengths: a shallow stack */
	size_t hl[NAMES_MAX], vl[NAMES_MAX];
	const char *p = text, *end = text + len, *e1, *e2;
	char name[96];
	unsigned long long v;
	int nh, nv, i;

	while (p < end) {
		e1 = line_end(p, end);
		if (e1 >= end)
			break;
		e2 = line_end(e1 + 1, end);
		nh = tokens(p, e1, hn, hl, NAMES_MAX);
		nv = tokens(e1 + 1, e2, vn, vl, NAMES_MAX);
		if (nh < 1 || nh != nv || hl[0] != vl[0] || memcmp(hn[0], vn[0], hl[0]) || hl[0] < 2 ||
		    hn[0][hl[0] - 1] != ':')
			return -1;
		for (i = 1; i < nh; i++) {
			if (parse_u64(vn[i], vl[i], &v) < 0 || hl[0] + hl[i] >= sizeof name)
				continue;
			snprintf(name, sizeof name, "%.*s.%.*s", (int)hl[0] - 1, hn[0], (int)hl[i], hn[i]);
			cb(name, v, arg);
		}
		p = e2 < end ? e2 + 1 : end;
	}
	return 0;
}

/* --- the snapshot --------------------------------------------------------------------------- */

static void put(struct drops_snap *s, const char *scope, const char *name, unsigned long long v)
{
	struct drops_snap_val *c;

	if (s->n >= SNAP_MAX) {
		s->dropped++;
		return;
	}
	c = &s->c[s->n++];
	snprintf(c->scope, sizeof c->scope, "%s", scope);
	snprintf(c->name, sizeof c->name, "%s", name);
	c->v = v;
}

static void unread(struct drops_snap *s, const char *what)
{
	size_t n = strlen(s->unread);

	if (strstr(s->unread, what))
		return;
	snprintf(s->unread + n, sizeof s->unread - n, "%s%s (%s)", n ? ", " : "", what, strerror(errno));
}

/* Names that count dropped or refused packets. */
static int droppy(const char *name)
{
	static const char *const words[] = { "Drop", "Err", "Fail", "Overflow", "NoPorts", "NoRoute",
					     "Discard", "ReversePath", "Unknown", "Prune" };
	size_t i;

	for (i = 0; i < sizeof words / sizeof words[0]; i++)
		if (strstr(name, words[i]))
			return 1;
	return 0;
}

struct snmp_arg {
	struct drops_snap *s;
	const char *scope;
};

static void snmp_cb(const char *name, unsigned long long v, void *arg)
{
	struct snmp_arg *a = arg;

	if (droppy(name))
		put(a->s, a->scope, name, v);
}

static void snmp(struct drops_snap *s, char *buf, const char *dir, const char *scope)
{
	static const char *const files[] = { "snmp", "netstat" };
	struct snmp_arg a = { s, scope };
	char path[96];
	ssize_t n;
	size_t i;

	for (i = 0; i < 2; i++) {
		snprintf(path, sizeof path, "%s/%s", dir, files[i]);
		if ((n = trace_slurp(path, buf, FILE_MAX)) < 0) {
			unread(s, path);
			continue;
		}
		drops_snmp_parse(buf, (size_t)n, snmp_cb, &a);
	}
}

/* softnet_stat: one line of hex columns per CPU; the 2nd is packets dropped because the
 * backlog was full (netdev_max_backlog), the 3rd time_squeeze. */
static void softnet(struct drops_snap *s, char *buf)
{
	unsigned long long drop = 0, squeeze = 0;
	const char *p, *end;
	ssize_t n = trace_slurp("/proc/net/softnet_stat", buf, FILE_MAX);

	if (n < 0)
		return unread(s, "/proc/net/softnet_stat");
	for (p = buf, end = buf + n; p < end; p = line_end(p, end) + 1) {
		char *q;
		strtoull(p, &q, 16);
		drop += strtoull(q, &q, 16);
		squeeze += strtoull(q, &q, 16);
	}
	put(s, "node", "softnet.dropped", drop);
	put(s, "node", "softnet.time_squeeze", squeeze);
}

/* /proc/net/stat/nf_conntrack: a header of names, then hex values per CPU (the first column,
 * entries, is global and repeated). */
static void conntrack(struct drops_snap *s, char *buf)
{
	static const char *const want[] = { "drop", "early_drop", "insert_failed", "invalid" };
	const char *hn[64], *vn[64], *p, *end, *e1;
	size_t hl[64], vl[64], w;
	unsigned long long sum[4] = { 0 };
	char name[48];
	ssize_t n = trace_slurp("/proc/net/stat/nf_conntrack", buf, FILE_MAX);
	int nh, nv, i;

	if (n < 0)
		return;                                   /* no conntrack module: nothing to count */
	end = buf + n;
	e1 = line_end(buf, end);
	nh = tokens(buf, e1, hn, hl, 64);
	for (p = e1 + 1; p < end; p = line_end(p, end) + 1) {
		nv = tokens(p, line_end(p, end), vn, vl, 64);
		for (i = 0; i < nh && i < nv; i++)
			for (w = 0; w < 4; w++)
				if (hl[i] == strlen(want[w]) && !memcmp(hn[i], want[w], hl[i]))
					sum[w] += strtoull(vn[i], NULL, 16);
	}
	for (w = 0; w < 4; w++) {
		snprintf(name, sizeof name, "conntrack.%s", want[w]);
		put(s, "node", name, sum[w]);
	}
}

static int link_cb(const struct nl_link *l, void *arg)
{
	struct drops_snap *s = arg;
	char scope[NL_IFNAMSIZ + 1];

	if (!l->has_stats)
		return 1;
	snprintf(scope, sizeof scope, "%s", l->name);
	put(s, scope, "rx_dropped", l->rx_dropped);
	put(s, scope, "tx_dropped", l->tx_dropped);
	put(s, scope, "rx_errors", l->rx_errors);
	put(s, scope, "tx_errors", l->tx_errors);
	return 1;
}

/* given: the caller's route socket; NULL: one of its own (its 32 KiB buffer on the heap). */
static void links(struct nl *given, struct drops_snap *s)
{
	struct nl *own = given ? NULL : malloc(sizeof *own), *nl;
	struct nr_err e;

	if (!given && !own) {
		errno = ENOMEM;
		return unread(s, "netlink links");
	}
	if (!(nl = nl_use(given, own, &e))) {
		free(own);
		errno = e.sys;
		return unread(s, "netlink links");
	}
	if (nl_link_dump(nl, link_cb, s, &e) < 0) {
		errno = e.sys;
		unread(s, "netlink links");
	}
	nl_done(nl, own);
	free(own);
}

void drops_snap_take(const struct drops_opts *o, struct drops_snap *s)
{
	char dir[64], scope[48], ip[46];
	char *buf = malloc(FILE_MAX); /* one file at a time: one allocation per snapshot */
	int i;

	s->n = s->dropped = 0;
	s->unread[0] = 0;
	if (!buf) {
		errno = ENOMEM;
		unread(s, "counters");
		return;
	}
	snmp(s, buf, "/proc/net", "node");
	for (i = 0; i < o->npods; i++) {
		if (!o->pod_pids[i])
			continue;
		snprintf(dir, sizeof dir, "/proc/%d/net", o->pod_pids[i]);
		snprintf(scope, sizeof scope, "pod %s", addr_str(&o->pods[i], ip, sizeof ip));
		snmp(s, buf, dir, scope);
	}
	softnet(s, buf);
	conntrack(s, buf);
	links(o->nl, s);
	free(buf);
}

static int cmp_counter(const void *a, const void *b)
{
	const struct drops_counter *x = a, *y = b;

	return x->delta < y->delta ? 1 : x->delta > y->delta ? -1 : strcmp(x->name, y->name);
}

/* The index of b's counter in a: both snapshots read the sources in one order, so the same
 * index is tried first; -1 when a does not have it (a link that appeared). */
static int match(const struct drops_snap *a, const struct drops_snap_val *v, int hint)
{
	int i;

	if (hint < a->n && !strcmp(a->c[hint].name, v->name) && !strcmp(a->c[hint].scope, v->scope))
		return hint;
	for (i = 0; i < a->n; i++)
		if (!strcmp(a->c[i].name, v->name) && !strcmp(a->c[i].scope, v->scope))
			return i;
	return -1;
}

void drops_snap_delta(const struct drops_snap *a, const struct drops_snap *b, struct drops_report *r)
{
	int i, j;

	snprintf(r->counters_unread, sizeof r->counters_unread, "%s", b->unread);
	for (j = 0; j < b->n; j++) {
		struct drops_counter *c;

		i = match(a, &b->c[j], j);
		if (i < 0 || b->c[j].v <= a->c[i].v || r->ncounters >= DROPS_COUNTERS_MAX)
			continue;
		c = &r->c[r->ncounters++];
		snprintf(c->scope, sizeof c->scope, "%s", b->c[j].scope);
		snprintf(c->name, sizeof c->name, "%s", b->c[j].name);
		c->delta = b->c[j].v - a->c[i].v;
	}
	qsort(r->c, (size_t)r->ncounters, sizeof r->c[0], cmp_counter);
}
