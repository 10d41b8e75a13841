/* The investigation: every check in turn, each one's failure recorded and the rest still run. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "capture/capture.h"
#include "checks/bridge.h"
#include "checks/conntrack.h"
#include "checks/links.h"
#include "checks/neigh_overflow.h"
#include "base/err.h"
#include "diagnose/diagnose.h"
#include "diagnose/node.h"
#include "diagnose/private.h"
#include "kmsg/kmsg.h"
#include "locate/locate.h"
#include "netlink/netlink.h"
#include "runtime/runtime.h"

/* Capability bits (linux/capability.h numbering). */
enum { CAP_NET_ADMIN_ = 12, CAP_NET_RAW_ = 13, CAP_SYS_PTRACE_ = 19, CAP_SYS_ADMIN_ = 21, CAP_SYSLOG_ = 34 };

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static void progress(const struct diag_opts *o, const char *what)
{
	if (o->progress)
		o->progress(what, o->arg);
}

static void set_error(struct diag_check *c, const struct nr_err *e)
{
	c->status = DIAG_ERROR;
	nr_err_text(e, c->detail, sizeof c->detail);
}

/* A check ran without some capability: say what it could not see. */
static void note_missing(struct diag_report *r, struct diag_check *c, int bit, const char *cap,
			 const char *unseen)
{
	size_t n = strlen(c->detail);

	if (diag_has_cap(r, bit) || (c->status != DIAG_OK && c->status != DIAG_PARTIAL))
		return;
	c->status = DIAG_PARTIAL;
	snprintf(c->detail + n, sizeof c->detail - n, "%swithout %s: %s", n ? "; " : "", cap, unseen);
}

void diag_change(struct diag_report *r, const char *finding, const char *subject, const char *refused,
		 const char *fmt, ...)
{
	struct diag_fixrec *x;
	char what[DIAG_TEXT];
	va_list ap;

	if (r->nchanges >= DIAG_CHANGES_MAX)
		return;
	va_start(ap, fmt);
	vsnprintf(what, sizeof what, fmt, ap);
	va_end(ap);
	x = &r->fixrec[r->nchanges];
	x->refused = refused != NULL;
	x->finding = finding ? finding : "";
	snprintf(x->subject, sizeof x->subject, "%s", subject ? subject : "");
	snprintf(x->why, sizeof x->why, "%s", refused ? refused : "");
	snprintf(x->what, sizeof x->what, "%s", what);
	if (refused)
		snprintf(r->changes[r->nchanges++], DIAG_TEXT, "refused: %.150s: %.200s", what, refused);
	else
		snprintf(r->changes[r->nchanges++], DIAG_TEXT, "%s", what);
}

/* --- links and bridges ------------------------------------------------------------------- */

static void run_links(struct diag_report *r, struct nl *nl)
{
	struct diag_check *c = &r->checks[DC_LINKS];
	struct nr_err e;

	if (links_collect(nl, NULL, &r->links, &e) < 0)
		return set_error(c, &e);
	c->status = DIAG_OK;
	note_missing(r, c, CAP_SYS_PTRACE_, "CAP_SYS_PTRACE", "the namespaces of veth peers");
}

static void run_bridges(const struct diag_opts *o, struct diag_report *r, struct locate_ctx *lc)
{
	struct diag_check *c = &r->checks[DC_BRIDGES];
	struct nr_err e;
	int i;

	if (check_bridge_run_in(o->host_root, lc, NULL, o->fix, &r->bridges, &r->fs, &e) < 0) {
		char why[DIAG_TEXT];

		if (!o->fix)
			return set_error(c, &e);
		/* --fix refused (no CAP_NET_ADMIN): still report the bridges, say the fix failed. */
		nr_err_text(&e, why, sizeof why);
		diag_change(r, "bridge-down", NULL, why, "set down pod bridges up (bridge --fix)");
		if (check_bridge_run_in(o->host_root, lc, NULL, 0, &r->bridges, &r->fs, &e) < 0)
			return set_error(c, &e);
	}
	c->status = DIAG_OK;
	for (i = 0; i < r->bridges.nbr; i++)
		if (r->bridges.br[i].fixed)
			diag_change(r, "bridge-down", r->bridges.br[i].name, NULL, "set bridge %s up (was down)",
				    r->bridges.br[i].name);
	note_missing(r, c, CAP_SYS_PTRACE_, "CAP_SYS_PTRACE", "pod-side addresses of bridge ports");
}

/* --- pods -------------------------------------------------------------------------------- */

struct neigh_walk {
	struct diag_pod *p;
	const struct links_report *links;
};

static int neigh_cb(const struct nl_neigh *n, void *arg)
{
	struct neigh_walk *w = arg;
	struct diag_pod *p = w->p;
	struct diag_neigh *d;
	const char *dev;
	size_t len = p->ip.family == AF_INET ? 4 : 16;

	if (!n->has_ip || n->family != p->ip.family || memcmp(n->ip, p->ip.a, len))
		return 1;
	if (p->nneigh >= DIAG_NEIGH_MAX)
		return 0;
	d = &p->neigh[p->nneigh++];
	addr_str(&p->ip, d->ip, sizeof d->ip);
	if (n->mac_len)
		nl_mac_str(n->mac, n->mac_len, d->mac, sizeof d->mac);
	dev = links_name(w->links, n->ifindex);
	if (dev)
		snprintf(d->dev, sizeof d->dev, "%s", dev);
	else
		snprintf(d->dev, sizeof d->dev, "if%d", n->ifindex);
	d->state = nl_neigh_state_name(n->state);
	return 1;
}

static void pod_neighbours(struct diag_report *r, struct diag_pod *p, struct nl *nl)
{
	struct neigh_walk w = { p, &r->links };
	struct nr_err e;

	if (nl)
		nl_neigh_dump(nl, p->ip.family, neigh_cb, &w, &e);
}

static void host_mtu(struct diag_report *r, struct diag_pod *p)
{
	int i;

	for (i = 0; i < r->links.n; i++)
		if (p->loc.ifindex && r->links.links[i].l.ifindex == p->loc.ifindex)
			p->host_mtu = r->links.links[i].l.mtu;
}

static void run_pods(const struct diag_opts *o, struct diag_report *r, struct diag_ctx *x)
{
	struct locate_ctx *lc = &x->lc;
	struct diag_check *c = &r->checks[DC_PODS];
	char what[96], ip[46];
	struct nr_err e;
	int i, ran = 0;

	if (!o->npods) {
		c->status = DIAG_SKIPPED;
		snprintf(c->detail, sizeof c->detail, "no --pod-ip given");
		return;
	}
	if (!x->lc_ok)
		return set_error(c, &x->lc_err);
	for (i = 0; i < o->npods; i++) {
		struct diag_pod *p = &r->pods[r->npods++];

		p->ip = o->pods[i];
		snprintf(what, sizeof what, "locating %s", addr_str(&p->ip, ip, sizeof ip));
		progress(o, what);
		if (locate_run(lc, &p->ip, &p->loc, &r->fs, &e) < 0) {
			p->status = DIAG_ERROR;
			nr_err_text(&e, p->detail, sizeof p->detail);
			continue;
		}
		ran++;
		p->status = DIAG_OK;
		host_mtu(r, p);
		pod_neighbours(r, p, x->nl);
	}
	if (!ran) {
		c->status = DIAG_ERROR;
		snprintf(c->detail, sizeof c->detail, "%s", r->pods[0].detail);
		return;
	}
	c->status = ran == o->npods ? DIAG_OK : DIAG_PARTIAL;
	if (ran < o->npods)
		snprintf(c->detail, sizeof c->detail, "%d of %d pods could not be located", o->npods - ran, o->npods);
	note_missing(r, c, CAP_SYS_PTRACE_, "CAP_SYS_PTRACE", "pod processes, namespaces and containers");
}

/* --- conntrack and the kernel log --------------------------------------------------------- */

/* The conntrack finding (near-full or table-full) of this run, before any fix; NULL none. */
static const char *conntrack_finding(const struct findings *fs, int from)
{
	int i;

	for (i = from; i < fs->n; i++)
		if (!strcmp(fs->f[i].id, "conntrack-near-full") || !strcmp(fs->f[i].id, "conntrack-table-full"))
			return fs->f[i].id;
	return NULL;
}

static void run_conntrack(const struct diag_opts *o, struct diag_report *r, struct findings *after, struct nl *nl)
{
	struct diag_check *c = &r->checks[DC_CONNTRACK];
	struct conntrack_opts co = { .since_secs = o->since_secs, .host_root = o->host_root, .nl = nl };
	struct nr_err e;
	int i, first = r->fs.n;

	if (check_conntrack_run(&co, &r->ct, &r->fs, &e) < 0)
		return set_error(c, &e);
	c->status = DIAG_OK;
	/* --fix raises nf_conntrack_max only when this run found the table full or filling up:
	 * diagnose applies the fixes of what it found, nothing else. */
	if (o->fix && conntrack_finding(&r->fs, first)) {
		co.fix = 1;
		findings_init(after);
		if (check_conntrack_run(&co, &r->ct, after, &e) < 0) {
			char why[DIAG_TEXT];

			nr_err_text(&e, why, sizeof why);
			/* The check itself saw everything: the refusal is the changes section's. */
			snprintf(c->detail, sizeof c->detail, "--fix refused (see changes)");
			diag_change(r, conntrack_finding(&r->fs, first), "conntrack", why,
				    "raise nf_conntrack_max to %llu (conntrack --fix)", r->ct.recommended_max);
		}
		for (i = 0; i < r->ct.nchanges; i++)
			diag_change(r, conntrack_finding(&r->fs, first), "conntrack", NULL, "%s: %s",
				    r->ct.changes[i].what, r->ct.changes[i].detail);
	}
	if (r->ct.nunread && c->status == DIAG_OK) {
		c->status = DIAG_PARTIAL;
		snprintf(c->detail, sizeof c->detail, "could not read: %s%s", r->ct.unread[0],
			 r->ct.nunread > 1 ? " (and more)" : "");
	}
}

static void run_kmsg(const struct diag_opts *o, struct diag_report *r)
{
	struct diag_check *c = &r->checks[DC_KMSG];
	struct kmsg_info info = { 0 };
	struct nr_err e;

	r->kmsg_cutoff_us = diag_cutoff_us(o->since_secs);
	if (kmsg_walk(NULL, diag_kmsg_rec, r, &info, &e) < 0)
		return set_error(c, &e);
	r->kmsg_source = info.source;
	c->status = DIAG_OK;
}

/* The neighbour table: its own section (gc_thresh, counts, overflow records). */
static void run_neigh(const struct diag_opts *o, struct diag_report *r, struct nl *nl)
{
	struct diag_check *c = &r->checks[DC_NEIGH];
	struct nr_err e;

	nr_err_clear(&e);
	r->neigh_ok = check_neigh_overflow_run(nl, o->since_secs, &r->neigh, &r->fs, &e) == 0;
	if (!r->neigh_ok)
		return set_error(c, &e);
	c->status = DIAG_OK;
	if (!r->neigh.klog_ok) {
		c->status = DIAG_PARTIAL;
		snprintf(c->detail, sizeof c->detail, "kernel log: %s", r->neigh.klog_err);
	}
}

/* --- capture ----------------------------------------------------------------------------- */

static void capture_filter(const struct diag_opts *o, struct diag_pod *p)
{
	char ip[46];
	size_t n;
	int i;

	n = (size_t)snprintf(p->cap_filter, sizeof p->cap_filter, "host %s", addr_str(&p->ip, ip, sizeof ip));
	for (i = 0; i < o->nports && n < sizeof p->cap_filter; i++)
		n += (size_t)snprintf(p->cap_filter + n, sizeof p->cap_filter - n, "%s port %u%s",
				      i ? " or" : " and (", o->ports[i], i + 1 == o->nports ? ")" : "");
}

static void capture_pod(const struct diag_opts *o, struct diag_pod *p)
{
	struct capture_opts co;
	char path[CAPTURE_PATH_MAX], ip[46], ts[32];
	struct tm tm;
	time_t now;
	struct nr_err e;

	if (p->status != DIAG_OK || !p->loc.host_if[0]) {
		p->cap_status = DIAG_SKIPPED;
		snprintf(p->cap_detail, sizeof p->cap_detail, "pod %s has no host interface to capture on",
			 addr_str(&p->ip, ip, sizeof ip));
		return;
	}
	capture_filter(o, p);
	/* The time in the name: a second diagnose into the same directory never collides. */
	now = time(NULL);
	if (!gmtime_r(&now, &tm) || !strftime(ts, sizeof ts, "%Y%m%dT%H%M%SZ", &tm))
		snprintf(ts, sizeof ts, "%lld", (long long)now);
	snprintf(path, sizeof path, "%s/pod-%s-%s-%s.pcap", o->capture_dir, addr_str(&p->ip, ip, sizeof ip),
		 p->loc.host_if, ts);
	memset(&co, 0, sizeof co);
	co.ifname = p->loc.host_if;
	co.netns_fd = -1;
	co.filter = p->cap_filter;
	co.path = path;
	co.duration = o->capture_secs;
	co.stop = o->stop;
	if (capture_run(&co, &p->cap, &e) < 0) {
		p->cap_status = DIAG_ERROR;
		nr_err_text(&e, p->cap_detail, sizeof p->cap_detail);
		return;
	}
	p->cap_status = DIAG_OK;
}

static void run_capture(const struct diag_opts *o, struct diag_report *r)
{
	struct diag_check *c = &r->checks[DC_CAPTURE];
	char what[96];
	int i, ok = 0;

	if (!o->capture_secs) {
		c->status = DIAG_SKIPPED;
		snprintf(c->detail, sizeof c->detail, "no --capture given");
		return;
	}
	if (!o->npods) {
		c->status = DIAG_SKIPPED;
		snprintf(c->detail, sizeof c->detail, "--capture needs --pod-ip");
		return;
	}
	/* One pod after another: a few seconds each, and libpcap handles stay simple. */
	for (i = 0; i < r->npods; i++) {
		if (o->stop && *o->stop)
			break;
		snprintf(what, sizeof what, "capturing %u s on pod %d of %d", o->capture_secs, i + 1, r->npods);
		progress(o, what);
		capture_pod(o, &r->pods[i]);
		ok += r->pods[i].cap_status == DIAG_OK;
	}
	if (!ok) {
		c->status = DIAG_ERROR;
		snprintf(c->detail, sizeof c->detail, "%s", r->pods[0].cap_detail);
		return;
	}
	c->status = ok == r->npods ? DIAG_OK : DIAG_PARTIAL;
	note_missing(r, c, CAP_NET_RAW_, "CAP_NET_RAW", "packets");
}

/* --- the whole run ----------------------------------------------------------------------- */

/* Stages can report the same fact twice (a stale holder of an asked port is also found by the
 * all-ports scan): keep the first of each identical finding. */
static void dedupe(struct findings *fs)
{
	int i, j, n = 0;

	for (i = 0; i < fs->n; i++) {
		for (j = 0; j < n; j++)
			if (!strcmp(fs->f[j].id, fs->f[i].id) && !strcmp(fs->f[j].subject, fs->f[i].subject) &&
			    !strcmp(fs->f[j].message, fs->f[i].message))
				break;
		if (j == n)
			fs->f[n++] = fs->f[i];
	}
	fs->n = n;
}

typedef void (*stage_fn)(const struct diag_opts *o, struct diag_report *r, struct diag_ctx *x);

static void st_links(const struct diag_opts *o, struct diag_report *r, struct diag_ctx *x)
{
	(void)o;
	run_links(r, x->nl);
}
static void st_bridges(const struct diag_opts *o, struct diag_report *r, struct diag_ctx *x)
{
	run_bridges(o, r, x->lc_ok ? &x->lc : NULL);
}
static void st_pods(const struct diag_opts *o, struct diag_report *r, struct diag_ctx *x)
{
	run_pods(o, r, x);
}
static void st_conntrack(const struct diag_opts *o, struct diag_report *r, struct diag_ctx *x)
{
	run_conntrack(o, r, &x->fix_fs, x->nl);
}
static void st_kmsg(const struct diag_opts *o, struct diag_report *r, struct diag_ctx *x)
{
	(void)x;
	run_kmsg(o, r);
}
static void st_neigh(const struct diag_opts *o, struct diag_report *r, struct diag_ctx *x)
{
	run_neigh(o, r, x->nl);
}
static void st_capture(const struct diag_opts *o, struct diag_report *r, struct diag_ctx *x)
{
	(void)x;
	run_capture(o, r);
}

static const struct {
	enum diag_check_id id;
	const char *what;
	stage_fn fn;
} stages[] = {
	{ DC_LINKS, "reading links", st_links },
	{ DC_BRIDGES, "checking bridges", st_bridges },
	{ DC_PODS, "locating pods", st_pods },
	{ DC_MTU, "checking MTUs", diag_st_mtu },
	{ DC_CONNTRACK, "checking conntrack", st_conntrack },
	{ DC_FLOWS, "reading conntrack flows", diag_st_flows },
	{ DC_KMSG, "reading the kernel log", st_kmsg },
	{ DC_NEIGH, "checking the neighbour table", st_neigh },
	{ DC_PORTS, "finding port holders", diag_st_ports },
	{ DC_STALE, "looking for stale listeners", diag_st_stale },
	{ DC_RUNTIME, "checking runtime health", diag_st_health },
	{ DC_RULES, "reading netfilter rules", diag_st_rules_begin },
	{ DC_WATCH, "starting the drop watch", diag_st_watch_begin },
	{ DC_CAPTURE, "capturing", st_capture },
	{ DC_PROBE, "probing from the pods", diag_st_probe },
	{ DC_WATCH, "watching drops", diag_st_watch_end },
	{ DC_RULES, "comparing rule counters", diag_st_rules },
};

static int run(const struct diag_opts *o, struct diag_report *r, struct diag_ctx *x, struct nr_err *e)
{
	double t0 = now_ms(), t;
	size_t i;
	int ran = 0;

	r->started = (long long)time(NULL);
	r->fix = o->fix;
	r->since_secs = o->since_secs;
	r->nports = o->nports;
	snprintf(r->capture_dir, sizeof r->capture_dir, "%s", o->capture_secs && o->capture_dir ? o->capture_dir : "");
	snprintf(r->capture_dir_why, sizeof r->capture_dir_why, "%s", o->capture_dir_why ? o->capture_dir_why : "");
	memcpy(r->ports, o->ports, sizeof r->ports);
	findings_init(&r->fs);
	x->o = o;
	if ((x->lc_ok = locate_init(&x->lc, &x->lc_err) == 0)) {
		x->lc.host_root = o->host_root;
		x->nl = &x->lc.nl;
	}
	progress(o, "reading node facts");
	diag_node_facts(r, o->host_root, x->nl);
	r->checks[DC_NODE].status = DIAG_OK;
	r->checks[DC_NODE].ms = now_ms() - t0;
	if (!r->uplink[0]) {
		r->checks[DC_NODE].status = DIAG_PARTIAL;
		snprintf(r->checks[DC_NODE].detail, sizeof r->checks[DC_NODE].detail, "no default route: uplink unknown");
	}
	rt_open(&x->rt, o->host_root);
	rt_sources(&x->rt, r->runtime_sources, sizeof r->runtime_sources);
	x->rt_ok = 1;
	for (i = 0; i < sizeof stages / sizeof stages[0]; i++) {
		struct diag_check *c = &r->checks[stages[i].id];
		t = now_ms();
		progress(o, stages[i].what);
		stages[i].fn(o, r, x);
		c->ms += now_ms() - t; /* a stage may run in two parts (watch) */
		ran += c->status == DIAG_OK || c->status == DIAG_PARTIAL;
	}
	note_missing(r, &r->checks[DC_KMSG], CAP_SYSLOG_, "CAP_SYSLOG", "the kernel log when kernel.dmesg_restrict=1");
	if (o->fix)
		note_missing(r, &r->checks[DC_BRIDGES], CAP_NET_ADMIN_, "CAP_NET_ADMIN", "--fix cannot set bridges up");
	(void)CAP_SYS_ADMIN_;
	diag_after(o, r);
	dedupe(&r->fs);
	/* Relevance names pods from the runtime's state: before the reader is closed. */
	diag_relevance(r, x->rt_ok ? &x->rt : NULL);
	if (x->rt_ok)
		rt_close(&x->rt);
	if (x->lc_ok)
		locate_fini(&x->lc);
	r->seconds = (now_ms() - t0) / 1e3;
	if (!ran)
		return nr_fail(e, NR_E_DIAG_NOTHING, 0, "diagnose", NULL);
	return 0;
}

/* The context holds locate's map of every netns and process and the findings of a --fix pass:
 * large, so one allocation per run, owned here. */
int diag_run(const struct diag_opts *o, struct diag_report *r, struct nr_err *e)
{
	struct diag_ctx *x = calloc(1, sizeof *x);
	int rc;

	if (!x)
		return nr_fail(e, NR_E_NOMEM, ENOMEM, "diagnose", NULL);
	rc = run(o, r, x, e);
	free(x);
	return rc;
}

long long diag_cutoff_us(unsigned long long since_secs)
{
	struct timespec ts;

	if (!since_secs)
		return 0;
	clock_gettime(CLOCK_REALTIME, &ts);
	return ((long long)ts.tv_sec - (long long)since_secs) * 1000000LL + ts.tv_nsec / 1000;
}

int diag_exit(const struct diag_report *r)
{
	return findings_exit(&r->fs);
}
