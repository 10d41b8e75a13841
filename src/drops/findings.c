/* Drops folded into findings: one per (kind, pod), with the reason, count, location and the
 * busiest flows as evidence and the next command. */
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "drops/private.h"
#include "report/shell.h"

/* BUCKETS_MAX: (kind, pod) pairs in one report. */
#define BUCKETS_MAX 64

static const struct {
	const char *prefix;      /* a reason name, or a prefix of several ("NEIGH_") */
	const char *id;
	enum sev sev;
} kinds[] = {
	{ "NETFILTER_DROP", "drops-netfilter", SEV_FAIL },
	{ "NO_SOCKET", "drops-no-socket", SEV_WARN },
	{ "TCP_LISTEN_OVERFLOW", "drops-listen-overflow", SEV_WARN },
	{ "IP_RPFILTER", "drops-rp-filter", SEV_FAIL },
	{ "NEIGH_", "drops-neigh", SEV_FAIL },
	{ "PKT_TOO_BIG", "drops-mtu", SEV_FAIL },
};

static int kind_of(const char *reason)
{
	size_t i;

	for (i = 0; i < sizeof kinds / sizeof kinds[0]; i++)
		if (!strncmp(reason, kinds[i].prefix, strlen(kinds[i].prefix)))
			return (int)i;
	return -1;
}

const char *drops_finding_id(const char *reason)
{
	int k = kind_of(reason);

	return k < 0 ? "drops-other" : kinds[k].id;
}

const char *drops_proto_name(unsigned proto, char *buf, size_t cap)
{
	switch (proto) {
	case 1: return "icmp";
	case 6: return "tcp";
	case 17: return "udp";
	case 58: return "icmpv6";
	case 132: return "sctp";
	default: snprintf(buf, cap, "%u", proto); return buf;
	}
}

struct bucket {
	const char *id;
	enum sev sev;
	char pod_ip[46];         /* "" node-wide */
	char pod[DROPS_POD];
	const struct drops_reason *reason;   /* the first (busiest) reason of this kind */
	const struct drops_flow *flow;       /* its busiest flow for this pod */
	unsigned long long count;
	char reasons[160];       /* every reason name folded in */
};

static struct bucket *bucket(struct bucket *b, int *n, const char *id, const char *pod_ip)
{
	int i;

	for (i = 0; i < *n; i++)
		if (b[i].id == id && !strcmp(b[i].pod_ip, pod_ip))
			return &b[i];
	if (*n >= BUCKETS_MAX)
		return NULL;
	memset(&b[*n], 0, sizeof b[*n]);
	b[*n].id = id;
	snprintf(b[*n].pod_ip, sizeof b[*n].pod_ip, "%s", pod_ip);
	return &b[(*n)++];
}

static void fold(struct bucket *b, const struct drops_reason *d, const struct drops_flow *fl,
		 unsigned long long n, enum sev sev)
{
	size_t len = strlen(b->reasons);

	if (!b->reason) {
		b->reason = d;
		b->sev = sev;
	}
	if (!b->flow && fl) {
		b->flow = fl;
		snprintf(b->pod, sizeof b->pod, "%s", fl->pod);
	}
	if (!strstr(b->reasons, d->name))
		snprintf(b->reasons + len, sizeof b->reasons - len, "%s%s", len ? "," : "", d->name);
	b->count += n;
}

/* The pod a flow counts for: an asked pod at either end, or (none asked) the pod locate found
 * at either end; 0 when none. */
static int flow_pod(const struct drops_report *r, const struct drops_flow *f, char *ip, size_t cap)
{
	int i, len;

	if (!r->npods) {
		snprintf(ip, cap, "%s", f->pod_ip);
		return f->pod_ip[0] != 0;
	}
	for (i = 0; i < r->npods; i++) {
		const struct nr_addr *a = &r->pods[i];
		len = a->family == AF_INET ? 4 : 16;
		if ((a->family == f->dst.family && !memcmp(a->a, f->dst.a, (size_t)len)) ||
		    (a->family == f->src.family && !memcmp(a->a, f->src.a, (size_t)len))) {
			addr_str(a, ip, cap);
			return 1;
		}
	}
	return 0;
}

static void flow_text(const struct drops_flow *f, char *buf, size_t cap)
{
	char s[56], d[56], p[8];

	if (f->sport || f->dport)
		snprintf(buf, cap, "%s -> %s %s", addr_port_str(&f->src, f->sport, s, sizeof s),
			 addr_port_str(&f->dst, f->dport, d, sizeof d), drops_proto_name(f->proto, p, sizeof p));
	else
		snprintf(buf, cap, "%s -> %s %s", addr_str(&f->src, s, sizeof s), addr_str(&f->dst, d, sizeof d),
			 drops_proto_name(f->proto, p, sizeof p));
	if (f->ifname[0]) {
		size_t n = strlen(buf);
		snprintf(buf + n, cap - n, " in %s", f->ifname);
	}
}

/* Where in netfilter: nf_hook_slow is every hook's verdict loop (x_tables), nft_do_chain the
 * nf_tables evaluator (iptables-nft, kube-proxy nftables); the path is told by the flow:
 * traffic to or from a pod in its own netns crosses the node on the forward path. */
static void nf_where(const struct bucket *b, char *buf, size_t cap)
{
	const char *sym = b->reason->nlocs ? b->reason->locs[0].symbol : "";
	size_t n = strcspn(sym, "+");

	if (strncmp(sym, "nf_hook_slow", 12) && strncmp(sym, "nft_do_chain", 12)) {
		snprintf(buf, cap, "in netfilter (%.*s)", (int)n, sym);
		return;
	}
	snprintf(buf, cap, "by a netfilter rule (%.*s, %s)%s", (int)n, sym,
		 sym[2] == 't' ? "nf_tables" : "a netfilter hook",
		 b->flow && b->flow->pod_ip[0] ? " on the node's forward path to/from the pod: the filter FORWARD "
		 "chain (or raw/mangle PREROUTING, or a network policy chain)" : "");
}

/* The next command for a bucket: only commands, every outside word (an interface name) quoted
 * so the line pastes as printed. */
static void fix_for(const struct bucket *b, char *fix, size_t cap)
{
	const char *ip = b->pod_ip[0] ? b->pod_ip : NULL;
	const char *ifn = b->flow && b->flow->ifname[0] ? b->flow->ifname : "all";

	fix[0] = 0;
	if (!strcmp(b->id, "drops-netfilter")) {
		if (ip && b->flow && b->flow->dport)
			sh_printf(fix, cap, "netrescue rules --pod-ip %s --port %u", ip, b->flow->dport);
		else if (ip)
			sh_printf(fix, cap, "netrescue rules --pod-ip %s", ip);
		else
			sh_printf(fix, cap, "netrescue rules");
	} else if (!strcmp(b->id, "drops-no-socket") || !strcmp(b->id, "drops-listen-overflow")) {
		if (ip)
			sh_printf(fix, cap, "netrescue sockets --pod-ip %s --listen", ip);
	} else if (!strcmp(b->id, "drops-rp-filter")) {
		/* The interface is part of the sysctl's key: quote the whole assignment; a dot in
		 * its name (eth0.100, a VLAN) is written '/', as sysctl(8) reads it. */
		char key[80], *c;

		snprintf(key, sizeof key, "net.ipv4.conf.%s.rp_filter=2", ifn);
		for (c = key + strlen("net.ipv4.conf."); *c && strcmp(c, ".rp_filter=2"); c++)
			if (*c == '.')
				*c = '/';
		sh_printf(fix, cap, "sysctl -w %s", key);
	} else if (!strcmp(b->id, "drops-neigh")) {
		if (b->flow && b->flow->ifname[0])
			sh_printf(fix, cap, "netrescue neigh %s", ifn);
		else
			sh_printf(fix, cap, "netrescue neigh");
	} else if (!strcmp(b->id, "drops-mtu")) {
		sh_printf(fix, cap, "netrescue mtu");
	} else if (ip) {
		sh_printf(fix, cap, "netrescue drops --pod-ip %s --duration 30", ip);
	} else {
		sh_printf(fix, cap, "netrescue drops --duration 30");
	}
}

static void emit(const struct drops_report *r, const struct bucket *b, struct findings *fs)
{
	char subject[128], flow[200], fix[256], extra[600];
	const struct drops_reason *d = b->reason;

	if (b->pod_ip[0])
		snprintf(subject, sizeof subject, "pod %s", b->pod_ip);
	else
		snprintf(subject, sizeof subject, "node");
	extra[0] = 0;
	if (!strcmp(b->id, "drops-netfilter")) {
		char where[400];
		nf_where(b, where, sizeof where);
		snprintf(extra, sizeof extra, "; dropped %s", where);
	}
	flow[0] = 0;
	if (b->flow)
		flow_text(b->flow, flow, sizeof flow);
	fix_for(b, fix, sizeof fix);
	findings_add(fs, b->id, b->sev, subject, fix[0] ? fix : NULL,
		     "%s: %llu packets dropped in %.1f s at %s%s%s%s%s%s",
		     b->reasons, b->count, r->seconds, d->nlocs ? d->locs[0].symbol : "?",
		     flow[0] ? "; busiest flow " : "", flow, b->pod[0] ? " (pod " : "", b->pod[0] ? b->pod : "",
		     b->pod[0] ? ")" : "");
	if (extra[0]) {
		struct finding *f = &fs->f[fs->n - 1];
		size_t n = strlen(f->message);
		if (fs->n > 0 && !strcmp(f->id, b->id))
			snprintf(f->message + n, sizeof f->message - n, "%s", extra);
	}
	if (!b->pod_ip[0] && r->noflows[0]) {
		struct finding *f = &fs->f[fs->n - 1];
		size_t n = strlen(f->message);
		if (fs->n > 0 && !strcmp(f->id, b->id))
			snprintf(f->message + n, sizeof f->message - n, " (node-wide: %s)", r->noflows);
	}
}

/* A listen queue overflow seen only in the counters (no reason: older kernels, or no watch). */
static void counter_findings(const struct drops_report *r, struct findings *fs)
{
	int i;

	for (i = 0; i < r->ncounters; i++) {
		const struct drops_counter *c = &r->c[i];
		if (strcmp(c->name, "TcpExt.ListenOverflows"))
			continue;
		if (findings_has(fs, "drops-listen-overflow", c->scope[0] == 'p' ? c->scope : "node"))
			continue;
		if (r->npods && strncmp(c->scope, "pod ", 4))
			continue;
		findings_add(fs, "drops-listen-overflow", SEV_WARN, c->scope[0] == 'p' ? c->scope : "node", NULL,
			     "TcpExt.ListenOverflows rose by %llu in %.1f s in %s: a listener's accept queue was full "
			     "(the application accepts too slowly, or its backlog is too small)", c->delta, r->seconds, c->scope);
	}
}

void drops_findings(const struct drops_report *r, const unsigned *ports, int nports, struct findings *fs)
{
	static struct bucket b[BUCKETS_MAX];
	int n = 0, i, j, k;

	(void)ports, (void)nports;
	for (i = 0; i < r->nreasons; i++) {
		const struct drops_reason *d = &r->r[i];
		const char *id = drops_finding_id(d->name);
		enum sev sev = (k = kind_of(d->name)) < 0 ? (strcmp(d->name, "NOT_SPECIFIED") ? SEV_WARN : SEV_INFO) :
			       kinds[k].sev;
		struct bucket *bk;

		if (!r->flows) {                       /* no flows: node-wide, at most a warning */
			if ((bk = bucket(b, &n, id, "")))
				fold(bk, d, NULL, d->count, sev == SEV_FAIL ? SEV_WARN : sev);
			continue;
		}
		for (j = 0; j < d->nflows; j++) {
			const struct drops_flow *f = &d->flows[j];
			char ip[46];
			if (!flow_pod(r, f, ip, sizeof ip))
				continue;
			if ((bk = bucket(b, &n, id, ip)))
				fold(bk, d, f, f->count, sev);
		}
	}
	for (i = 0; i < n; i++)
		emit(r, &b[i], fs);
	counter_findings(r, fs);
}
