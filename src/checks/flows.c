#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "checks/flows.h"
#include "ctnl/ctnl.h"
#include "report/shell.h"

static int same(const struct nr_addr *a, const struct nr_addr *b)
{
	return a->family && a->family == b->family && !memcmp(a->a, b->a, a->family == AF_INET ? 4 : 16);
}

/* A pod's flow: it opened it (orig src), or it answers it (reply src: the orig dst itself, or
 * the pod a Service's DNAT chose). */
static int belongs(const struct ctnl_flow *fl, const struct nr_addr *pod)
{
	return same(&fl->orig.src, pod) || same(&fl->reply.src, pod);
}

static int state_slot(const struct ctnl_flow *fl)
{
	return fl->tcp_state >= 0 && fl->tcp_state < FLOWS_STATES - 1 ? fl->tcp_state : FLOWS_STATES - 1;
}

/* --- collecting ------------------------------------------------------------------------------ */

static struct flows_group *group_of(struct flows_report *r, const struct ctnl_flow *fl, int pod)
{
	struct flows_group *g;
	unsigned dport = fl->orig.has_ports ? fl->orig.dport : 0;
	int i;

	for (i = 0; i < r->ngroups; i++) {
		g = &r->groups[i];
		if (g->pod == pod && g->proto == fl->orig.proto && g->dport == dport && same(&g->dst, &fl->orig.dst))
			return g;
	}
	if (r->ngroups >= FLOWS_GROUPS)
		return NULL;
	g = &r->groups[r->ngroups++];
	memset(g, 0, sizeof *g);
	g->pod = pod;
	g->proto = fl->orig.proto;
	g->dst = fl->orig.dst;
	g->dport = dport;
	return g;
}

/* Keeps fl when there is room; when full, an unreplied flow takes the place of a replied one
 * (the cursor only moves forward: amortised O(1) per flow). */
static void keep(struct flows_report *r, const struct ctnl_flow *fl, int pod)
{
	struct flows_entry *slot = NULL;

	if (r->n < FLOWS_KEEP) {
		slot = &r->flows[r->n++];
	} else {
		r->not_kept++;
		if (!fl->unreplied)
			return;
		while (r->cursor < FLOWS_KEEP && r->flows[r->cursor].f.unreplied)
			r->cursor++;
		if (r->cursor == FLOWS_KEEP)
			return;
		slot = &r->flows[r->cursor++];
	}
	slot->f = *fl;
	slot->pod = pod;
}

void flows_add(struct flows_report *r, const struct ctnl_flow *fl, int pod)
{
	struct flows_group *g;

	r->total++;
	r->unreplied += fl->unreplied;
	r->assured += fl->assured;
	if (pod >= 0 && pod < FLOWS_PODS) {
		r->pod_flows[pod]++;
		r->pod_unreplied[pod] += fl->unreplied;
	}
	keep(r, fl, pod);
	g = group_of(r, fl, pod);
	if (!g) {
		r->groups_dropped++;
		return;
	}
	g->flows++;
	g->unreplied += fl->unreplied;
	g->assured += fl->assured;
	if (fl->unreplied)
		g->unreplied_state[state_slot(fl)]++;
}

struct dump_arg {
	struct flows_report *r;
	int pod;                          /* -1: every flow */
	int second;                       /* the reply-src dump of that pod */
};

static int dump_cb(const struct ctnl_flow *fl, void *arg)
{
	const struct dump_arg *d = arg;
	int i;

	/* A flow between two asked pods counts for the first of them; the second dump of a pod
	 * (reply src) skips what its first (orig src) gave. */
	for (i = 0; i < d->pod; i++)
		if (belongs(fl, &d->r->pods[i]))
			return 1;
	if (d->second && same(&fl->orig.src, &d->r->pods[d->pod]))
		return 1;
	flows_add(d->r, fl, d->pod);
	return 1;
}

static int dump(struct ctnl *c, struct flows_report *r, int pod, int second, struct nr_err *e)
{
	struct dump_arg d = { r, pod, second };
	struct ctnl_filter f;
	struct ctnl_stats st;

	memset(&f, 0, sizeof f);
	if (pod >= 0) {
		f.family = r->pods[pod].family;
		f.has_addr = 1;
		f.field = second ? CTNL_REPLY_SRC : CTNL_ORIG_SRC;
		f.addr = r->pods[pod];
	}
	if (ctnl_dump(c, pod >= 0 ? &f : NULL, dump_cb, &d, &st, e) < 0)
		return -1;
	r->seen += st.seen;
	if (pod >= 0 && !st.kernel_filter)
		r->kernel_filter = 0;
	return 0;
}

/* --- ordering and summary -------------------------------------------------------------------- */

static int addr_cmp(const struct nr_addr *a, const struct nr_addr *b)
{
	if (a->family != b->family)
		return a->family - b->family;
	return memcmp(a->a, b->a, 16);
}

/* Unreplied first, then by TCP state, destination, port, source. */
static int flow_cmp(const void *pa, const void *pb)
{
	const struct flows_entry *a = pa, *b = pb;
	int c;

	if (a->f.unreplied != b->f.unreplied)
		return b->f.unreplied - a->f.unreplied;
	if (a->pod != b->pod)
		return a->pod - b->pod;
	if (a->f.orig.proto != b->f.orig.proto)
		return a->f.orig.proto - b->f.orig.proto;
	if (a->f.tcp_state != b->f.tcp_state)
		return a->f.tcp_state - b->f.tcp_state;
	if ((c = addr_cmp(&a->f.orig.dst, &b->f.orig.dst)))
		return c;
	if (a->f.orig.dport != b->f.orig.dport)
		return (int)a->f.orig.dport - (int)b->f.orig.dport;
	if ((c = addr_cmp(&a->f.orig.src, &b->f.orig.src)))
		return c;
	return (int)a->f.orig.sport - (int)b->f.orig.sport;
}

/* Most unreplied first, then most flows. */
static int group_cmp(const void *pa, const void *pb)
{
	const struct flows_group *a = pa, *b = pb;

	if (a->unreplied != b->unreplied)
		return a->unreplied > b->unreplied ? -1 : 1;
	if (a->flows != b->flows)
		return a->flows > b->flows ? -1 : 1;
	return a->pod - b->pod;
}

/* The state most unreplied flows of g are in ("SYN_SENT"), or NULL when they have none. */
static const char *group_state(const struct flows_group *g)
{
	int i, best = -1;

	for (i = 0; i < FLOWS_STATES; i++)
		if (g->unreplied_state[i] && (best < 0 || g->unreplied_state[i] > g->unreplied_state[best]))
			best = i;
	return best < 0 || best == FLOWS_STATES - 1 ? NULL : ctnl_tcp_state_name(best);
}

static const char *group_dst(const struct flows_group *g, char *buf, size_t cap)
{
	char ip[46];

	if (!g->dst.family)
		return "?";
	if (!g->dport)
		return addr_str(&g->dst, buf, cap);
	return addr_port_str(&g->dst, g->dport, buf, cap) ? buf : addr_str(&g->dst, ip, sizeof ip);
}

/* "41 flows to 10.4.0.12:8080 (tcp), 39 unreplied SYN_SENT" */
static void group_line(const struct flows_group *g, char *buf, size_t cap)
{
	char dst[64], pn[16];
	const char *st = group_state(g);

	snprintf(buf, cap, "%llu flow%s to %s (%s)", g->flows, g->flows == 1 ? "" : "s", group_dst(g, dst, sizeof dst),
		 ctnl_proto_name(g->proto, pn, sizeof pn));
	if (g->unreplied) {
		size_t n = strlen(buf);

		snprintf(buf + n, cap - n, ", %llu unreplied%s%s", g->unreplied, st ? " " : "", st ? st : "");
	}
}

static void summary(struct flows_report *r)
{
	char line[160];

	if (!r->total) {
		snprintf(r->summary, sizeof r->summary, "no flows%s in conntrack (%llu entries read)",
			 r->npods ? " of the asked pods" : "", r->seen);
		return;
	}
	group_line(&r->groups[0], line, sizeof line);
	if (r->ngroups == 1)
		snprintf(r->summary, sizeof r->summary, "%s", line);
	else
		snprintf(r->summary, sizeof r->summary, "%s; %llu flows in all, %llu unreplied, %llu assured", line,
			 r->total, r->unreplied, r->assured);
}

/* A destination of an asked pod where flows sit without a reply: two or more unreplied, or
 * one and not a single replied flow beside it (a flow a few ms old is unreplied too). */
static int suspicious(const struct flows_group *g)
{
	return g->unreplied >= 2 || (g->unreplied && g->unreplied == g->flows);
}

static void findings(struct flows_report *r, struct findings *fs)
{
	char subject[64], ip[46], line[160], fix[160];
	int p, i;

	for (p = 0; p < r->npods; p++) {
		const struct flows_group *g = NULL;

		for (i = 0; i < r->ngroups && !g; i++)
			if (r->groups[i].pod == p && suspicious(&r->groups[i]))
				g = &r->groups[i];
		if (!g)
			continue;
		group_line(g, line, sizeof line);
		snprintf(subject, sizeof subject, "pod %s", addr_str(&r->pods[p], ip, sizeof ip));
		/* The commands that show the flows and the rules that may drop them. */
		sh_printf(fix, sizeof fix, "netrescue flows --pod-ip %s\nnetrescue rules --pod-ip %s", ip, ip);
		findings_add(fs, "conntrack-unreplied", SEV_WARN, subject, fix,
			     "%s; %llu of the pod's %llu flows have seen no reply: packets are dropped on the way "
			     "(network policy, firewall, routing) or nothing answers",
			     line, r->pod_unreplied[p], r->pod_flows[p]);
	}
}

void flows_finish(struct flows_report *r, struct findings *fs)
{
	qsort(r->flows, (size_t)r->n, sizeof r->flows[0], flow_cmp);
	qsort(r->groups, (size_t)r->ngroups, sizeof r->groups[0], group_cmp);
	summary(r);
	if (fs)
		findings(r, fs);
}

int check_flows_run(const struct nr_addr *pods, int npods, struct flows_report *r,
		    struct findings *fs, struct nr_err *e)
{
	struct ctnl *c = malloc(sizeof *c); /* 32 KiB receive buffer: one per run */
	int i, rc = 0;

	memset(r, 0, sizeof *r);
	r->npods = npods < FLOWS_PODS ? npods : FLOWS_PODS;
	if (r->npods)
		memcpy(r->pods, pods, sizeof pods[0] * (size_t)r->npods);
	if (!c)
		return nr_fail(e, NR_E_NOMEM, ENOMEM, "flows", NULL);
	if (ctnl_open(c, e) < 0) {
		free(c);
		return -1;
	}
	r->kernel_filter = r->npods > 0;
	if (!r->npods)
		rc = dump(c, r, -1, 0, e);
	for (i = 0; i < r->npods && rc == 0; i++)
		rc = dump(c, r, i, 0, e) < 0 || dump(c, r, i, 1, e) < 0 ? -1 : 0;
	ctnl_close(c);
	free(c);
	if (rc < 0)
		return -1;
	flows_finish(r, fs);
	return 0;
}

/* --- output ---------------------------------------------------------------------------------- */

static void json_tuple(struct jw *w, const char *key, const struct ctnl_tuple *t)
{
	char a[46];

	jw_key(w, key);
	jw_obj(w);
	jw_kstr(w, "src", t->src.family ? addr_str(&t->src, a, sizeof a) : NULL);
	jw_kstr(w, "dst", t->dst.family ? addr_str(&t->dst, a, sizeof a) : NULL);
	if (t->has_ports) {
		jw_kint(w, "sport", t->sport);
		jw_kint(w, "dport", t->dport);
	} else {
		jw_knull(w, "sport");
		jw_knull(w, "dport");
	}
	if (t->has_icmp) {
		jw_kint(w, "icmp_type", t->icmp_type);
		jw_kint(w, "icmp_code", t->icmp_code);
		jw_kint(w, "icmp_id", t->icmp_id);
	}
	jw_obj_end(w);
}

static void json_flow(struct jw *w, const struct flows_report *r, const struct flows_entry *fe)
{
	const struct ctnl_flow *f = &fe->f;
	char pn[16], ip[46];

	jw_obj(w);
	jw_kstr(w, "proto", ctnl_proto_name(f->orig.proto, pn, sizeof pn));
	jw_kstr(w, "state", ctnl_tcp_state_name(f->tcp_state));
	jw_kbool(w, "unreplied", f->unreplied);
	jw_kbool(w, "assured", f->assured);
	json_tuple(w, "orig", &f->orig);
	json_tuple(w, "reply", &f->reply);
	if (f->has_mark)
		jw_kuint(w, "mark", f->mark);
	else
		jw_knull(w, "mark");
	jw_kint(w, "zone", f->zone);
	if (f->has_timeout)
		jw_kuint(w, "timeout", f->timeout);
	else
		jw_knull(w, "timeout");
	if (f->has_id)
		jw_kuint(w, "id", f->id);
	jw_kstr(w, "pod", fe->pod >= 0 ? addr_str(&r->pods[fe->pod], ip, sizeof ip) : NULL);
	jw_obj_end(w);
}

static void json_groups(struct jw *w, const struct flows_report *r)
{
	char dst[64], pn[16], ip[46];
	int i;

	jw_key(w, "destinations");
	jw_arr(w);
	for (i = 0; i < r->ngroups; i++) {
		const struct flows_group *g = &r->groups[i];

		jw_obj(w);
		jw_kstr(w, "pod", g->pod >= 0 ? addr_str(&r->pods[g->pod], ip, sizeof ip) : NULL);
		jw_kstr(w, "proto", ctnl_proto_name(g->proto, pn, sizeof pn));
		jw_kstr(w, "dst", g->dst.family ? addr_str(&g->dst, dst, sizeof dst) : NULL);
		if (g->dport)
			jw_kint(w, "dport", g->dport);
		else
			jw_knull(w, "dport");
		jw_kuint(w, "flows", g->flows);
		jw_kuint(w, "unreplied", g->unreplied);
		jw_kuint(w, "assured", g->assured);
		jw_kstr(w, "unreplied_state", group_state(g));
		jw_obj_end(w);
	}
	jw_arr_end(w);
}

void check_flows_json(struct jw *w, const struct flows_report *r)
{
	int i;

	jw_key(w, "summary");
	jw_obj(w);
	jw_kstr(w, "text", r->summary);
	jw_kuint(w, "flows", r->total);
	jw_kuint(w, "unreplied", r->unreplied);
	jw_kuint(w, "assured", r->assured);
	jw_kuint(w, "entries_read", r->seen);
	jw_kstr(w, "filtered_in", !r->npods ? NULL : r->kernel_filter ? "kernel" : "process");
	jw_kint(w, "listed", r->n);
	jw_kuint(w, "not_listed", r->not_kept);
	jw_kuint(w, "destinations_not_listed", r->groups_dropped);
	json_groups(w, r);
	jw_obj_end(w);
	jw_key(w, "flows");
	jw_arr(w);
	for (i = 0; i < r->n; i++)
		json_flow(w, r, &r->flows[i]);
	jw_arr_end(w);
}

static void text_tuple(FILE *f, const struct ctnl_tuple *t)
{
	char a[46], b[46];

	fprintf(f, "src=%s dst=%s", t->src.family ? addr_str(&t->src, a, sizeof a) : "?",
		t->dst.family ? addr_str(&t->dst, b, sizeof b) : "?");
	if (t->has_ports)
		fprintf(f, " sport=%u dport=%u", t->sport, t->dport);
	if (t->has_icmp)
		fprintf(f, " type=%u code=%u id=%u", t->icmp_type, t->icmp_code, t->icmp_id);
}

/* One line in `conntrack -L` form. */
static void text_flow(FILE *f, const struct ctnl_flow *fl)
{
	char pn[16];
	const char *st = ctnl_tcp_state_name(fl->tcp_state);

	fprintf(f, "%-8s %u ", ctnl_proto_name(fl->orig.proto, pn, sizeof pn), (unsigned)(fl->orig.proto & 0xff));
	if (fl->has_timeout)
		fprintf(f, "%u ", fl->timeout);
	if (st)
		fprintf(f, "%s ", st);
	text_tuple(f, &fl->orig);
	fputs(fl->unreplied ? " [UNREPLIED] " : " ", f);
	text_tuple(f, &fl->reply);
	if (fl->assured)
		fputs(" [ASSURED]", f);
	if (fl->has_mark)
		fprintf(f, " mark=%u", fl->mark);
	if (fl->zone)
		fprintf(f, " zone=%u", fl->zone);
	fputc('\n', f);
}

void check_flows_summary_text(FILE *f, const struct flows_report *r)
{
	char line[160];
	int i;

	fprintf(f, "%s\n", r->summary);
	for (i = 1; i < r->ngroups && i < 8; i++) {
		group_line(&r->groups[i], line, sizeof line);
		fprintf(f, "  %s\n", line);
	}
	if (r->ngroups > 8)
		fprintf(f, "  ... %d more destinations\n", r->ngroups - 8);
}

void check_flows_text(FILE *f, const struct flows_report *r, int max_lines)
{
	int i;

	check_flows_summary_text(f, r);
	for (i = 0; i < r->n && (max_lines < 0 || i < max_lines); i++)
		text_flow(f, &r->flows[i].f);
	if (i < r->n || r->not_kept)
		fprintf(f, "(%llu more flows not listed)\n", (unsigned long long)(r->n - i) + r->not_kept);
}
