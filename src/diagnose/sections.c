/* What the report says beside the checks' own data: which kernel-log records a check matched
 * (the rest only go into the bundle), pod-no-traffic after the capture window, and the list
 * of what this run did not examine (derived from what ran: a quiet report never reads as "all clear" for what nobody looked at). */
#include <arpa/inet.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "diagnose/private.h"
#include "kmsg/kmsg.h"
#include "kmsg/match.h"

/* --- kernel log -------------------------------------------------------------------------- */

/* The kept line with this text, or NULL. */
static struct diag_kmsg_line *same_text(struct diag_report *r, const char *text)
{
	int i;

	for (i = r->nkmsg - 1; i >= 0; i--)
		if (!strncmp(r->kmsg[i].text, text, sizeof r->kmsg[i].text - 1))
			return &r->kmsg[i];
	return NULL;
}

int diag_kmsg_rec(const struct kmsg_rec *k, void *arg)
{
	struct diag_report *r = arg;
	const struct kmsg_kind *kind;
	struct diag_kmsg_line *l;
	long long t = k->has_time ? k->wall_us : 0;

	/* The window is applied here, not through struct kmsg_filter: only the record's own
	 * wall-clock time decides (records without a time, from klogctl, are all kept). */
	if (k->has_time && k->wall_us < r->kmsg_cutoff_us)
		return 1;
	r->kmsg_records++;
	r->kmsg_warnings += k->level <= 4;
	/* Checks match records by text whatever their facility (CONTRACT "Kernel log"). */
	kind = kmsg_match(k->text, k->text_len);
	if (!kind) {
		r->kmsg_unmatched++;
		r->kmsg_unmatched_warnings += k->level <= 4;
		return 1;
	}
	r->kmsg_matched++;
	r->kmsg_neigh_overflow += !strcmp(kind->kind, "neigh-table-overflow");
	r->kmsg_conntrack_full += !strcmp(kind->kind, "conntrack-table-full");
	/* A repeated record (table full, once per dropped packet) is one line with a count. */
	l = same_text(r, k->text);
	if (l) {
		l->count++;
		l->wall_us = t;
		return 1;
	}
	if (r->nkmsg == DIAG_KMSG_KEEP) { /* the report shows the end of the window */
		r->kmsg_dropped += r->kmsg[0].count;
		memmove(r->kmsg, r->kmsg + 1, sizeof r->kmsg - sizeof r->kmsg[0]);
		r->nkmsg--;
	}
	l = &r->kmsg[r->nkmsg++];
	memset(l, 0, sizeof *l);
	l->wall_us = l->first_us = t;
	l->count = 1;
	l->level = k->level;
	l->kind = kind;
	snprintf(l->text, sizeof l->text, "%.199s", k->text);
	return 1;
}

/* --- pod-no-traffic ---------------------------------------------------------------------- */

static int asked_port(const struct diag_opts *o, unsigned port)
{
	int i;

	for (i = 0; i < o->nports; i++)
		if (o->ports[i] == port)
			return 1;
	return !o->nports;
}

static int same_addr(const struct nr_addr *a, const struct nr_addr *b)
{
	return a->family == b->family && !memcmp(a->a, b->a, a->family == AF_INET ? 4 : 16);
}

/* Packets to the pod (its IP, an asked port) that the drop watch saw the kernel drop; the
 * busiest such flow in *best. */
static unsigned long long dropped_to(const struct diag_opts *o, const struct diag_report *r,
				     const struct nr_addr *ip, const struct drops_flow **best,
				     const char **reason)
{
	unsigned long long n = 0;
	int i, j;

	if (!r->drops.flows)
		return 0;
	for (i = 0; i < r->drops.nreasons; i++)
		for (j = 0; j < r->drops.r[i].nflows; j++) {
			const struct drops_flow *f = &r->drops.r[i].flows[j];

			if (!same_addr(&f->dst, ip) || !asked_port(o, f->dport))
				continue;
			n += f->count;
			if (!*best || f->count > (*best)->count) {
				*best = f;
				*reason = r->drops.r[i].name;
			}
		}
	return n;
}

static int rule_drops(const struct diag_report *r, const char *subject)
{
	int i, n = 0;

	for (i = 0; i < r->fs.n; i++)
		n += !strcmp(r->fs.f[i].id, "policy-drop") && !strcmp(r->fs.f[i].subject, subject);
	return n;
}

/* A capture that saw nothing on the pod's interface while packets aimed at the pod were
 * dropped on the node in the same window: the traffic never reached the pod's veth. */
static void no_traffic(const struct diag_opts *o, struct diag_report *r)
{
	char ip[46], subj[64], src[46], dst[46], flow[160];
	int i;

	for (i = 0; i < r->npods; i++) {
		struct diag_pod *p = &r->pods[i];
		const struct drops_flow *best = NULL;
		const char *reason = NULL;
		unsigned long long dropped;
		int rules;

		if (p->cap_status != DIAG_OK || p->cap.packets_captured)
			continue;
		addr_str(&p->ip, ip, sizeof ip);
		snprintf(subj, sizeof subj, "pod %s", ip);
		dropped = dropped_to(o, r, &p->ip, &best, &reason);
		rules = rule_drops(r, subj);
		if (!dropped && !rules)
			continue;
		flow[0] = 0;
		if (best)
			snprintf(flow, sizeof flow, " (%s, busiest %s:%u -> %s:%u)", reason,
				 addr_str(&best->src, src, sizeof src), best->sport,
				 addr_str(&best->dst, dst, sizeof dst), best->dport);
		findings_add(&r->fs, "pod-no-traffic", SEV_FAIL, subj, NULL,
			     "the %.1f s capture on %s ('%s') saw 0 packets while traffic aimed at the pod was "
			     "stopped on the node in the same window: %llu packets to it dropped%s; %d DROP/REJECT "
			     "rule%s matching it counted packets. The traffic never reached the pod's interface",
			     p->cap.seconds, p->cap.interface, p->cap_filter, dropped, flow, rules,
			     rules == 1 ? "" : "s");
	}
}

/* --- not examined ------------------------------------------------------------------------ */

static void notex(struct diag_report *r, const char *what, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void notex(struct diag_report *r, const char *what, const char *fmt, ...)
{
	struct diag_notex *n;
	va_list ap;

	if (r->nnotex >= DIAG_NOTEX_MAX)
		return;
	n = &r->notex[r->nnotex++];
	snprintf(n->what, sizeof n->what, "%s", what);
	va_start(ap, fmt);
	vsnprintf(n->why, sizeof n->why, fmt, ap);
	va_end(ap);
}

/* What each check would have looked at, in a reader's words. */
static const char *const covers[DC_N] = {
	[DC_LINKS] = "links", [DC_BRIDGES] = "pod bridges", [DC_PODS] = "the asked pods",
	[DC_MTU] = "MTUs", [DC_CONNTRACK] = "the conntrack table", [DC_FLOWS] = "conntrack flows",
	[DC_KMSG] = "the kernel log", [DC_NEIGH] = "the neighbour table",
	[DC_PORTS] = "holders of asked ports", [DC_STALE] = "stale listeners",
	[DC_RUNTIME] = "runtime health (zombies, PIDs, OOM kills, restarts)",
	[DC_RULES] = "netfilter rules (iptables, nftables DROP/REJECT and their counters)",
	[DC_WATCH] = "packets the kernel drops", [DC_CAPTURE] = "packets on the pods' interfaces",
	[DC_PROBE] = "connections and DNS from inside the pods",
};

/* How to get what a skipped check would have shown. */
static const char *const hint[DC_N] = {
	[DC_PODS] = "add --pod-ip IP",
	[DC_PORTS] = "add --port N",
	[DC_RULES] = "a rule dropping traffic is not looked for: add --pod-ip IP, or run `netrescue rules`",
	[DC_WATCH] = "add --pod-ip IP (3 s by default) or --watch SECONDS",
	[DC_CAPTURE] = "add --capture SECONDS",
	[DC_PROBE] = "add --probe TARGET[:PORT]",
};

static void checks_not_examined(struct diag_report *r)
{
	int i;

	for (i = DC_LINKS; i < DC_N; i++) {
		const struct diag_check *c = &r->checks[i];
		char what[96];

		switch (c->status) {
		case DIAG_OK:
			break;
		case DIAG_SKIPPED:
			notex(r, covers[i], "not looked at: %s%s%s", c->detail, hint[i] ? "; " : "", hint[i] ? hint[i] : "");
			break;
		case DIAG_ERROR:
			notex(r, covers[i], "could not be read: %s", c->detail);
			break;
		case DIAG_PARTIAL:
			snprintf(what, sizeof what, "part of %s", covers[i]);
			notex(r, what, "%s", c->detail);
			break;
		default:
			notex(r, covers[i], "not reached (interrupted)");
			break;
		}
	}
}

static int asked_ipv6(const struct diag_opts *o)
{
	int i;

	for (i = 0; i < o->npods; i++)
		if (o->pods[i].family == AF_INET6)
			return 1;
	return 0;
}

/* What netrescue never reads, or reads only with options this run did not have. */
static void outside(const struct diag_opts *o, struct diag_report *r)
{
	char span[32];
	int rules = r->checks[DC_RULES].status == DIAG_OK;

	notex(r, "cloud firewall rules and routes (VPC)", "they live in the cloud project, not on the node: "
	      "gcloud compute firewall-rules list / routes list");
	notex(r, "NetworkPolicy objects", "API objects are not visible from the node; %s",
	      rules ? "only the netfilter rules the CNI programmed here were read" :
	      "nor were the netfilter rules the CNI programmed here read this run");
	notex(r, "qdisc (tc) drops and tc filters", "not read by diagnose (`tc -s qdisc` on the node)");
	notex(r, "eBPF datapath verdicts (Cilium, tc/XDP programs)", "their maps and policies are not read; "
	      "their drops show only as kernel drop reasons in the drop watch%s",
	      r->checks[DC_WATCH].status == DIAG_OK ? "" : ", which did not run");
	notex(r, "IPVS virtual servers (kube-proxy IPVS mode), Service frontends and endpoints",
	      "not read by diagnose: `netrescue service IP:PORT`");
	if (o->npods && !asked_ipv6(o))
		notex(r, "IPv6 paths", "no IPv6 --pod-ip: pods, rules, drops and captures were looked at for IPv4 only");
	else if (!o->npods)
		notex(r, "IPv6 paths", "no --pod-ip: no pod's paths were followed, IPv4 or IPv6");
	if (o->since_secs)
		notex(r, "kernel-log records older than the window",
		      "only the last %s were read (--since)", kmsg_span_str(o->since_secs, span, sizeof span));
	notex(r, "other nodes and the network beyond the uplink", "only this node is examined%s",
	      r->checks[DC_PROBE].status == DIAG_OK ? "; --probe tried the path from the pods" :
	      "; --probe TARGET tries the path from a pod");
	if (r->caps_missing[0])
		notex(r, "whatever needs the missing capabilities", "running as uid %d without %s (each check above "
		      "says what it could not see)", r->uid, r->caps_missing);
}

void diag_after(const struct diag_opts *o, struct diag_report *r)
{
	no_traffic(o, r);
	r->nnotex = 0;
	checks_not_examined(r);
	outside(o, r);
}

const char *diag_capture_name(const struct diag_report *r, const char *path, char *buf, size_t cap)
{
	const char *base;

	if (!r->bundle[0] || !r->capture_dir_tmp) {
		snprintf(buf, cap, "%s", path);
		return buf;
	}
	base = strrchr(path, '/');
	snprintf(buf, cap, "%s:capture/%s", r->bundle, base ? base + 1 : path);
	return buf;
}
