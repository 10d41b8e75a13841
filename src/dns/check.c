/* The dns check: what the pod's resolver would do, one nameserver at a time, and why it
 * fails when it does. */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include "dns/check.h"
#include "report/table.h"

/* The resolver uses the first 3 nameservers (glibc MAXNS, musl MAXNS). */
#define DNS_RESOLVER_NS 3

static struct dns_query *q_new(struct dns_report *r, int server, const char *name, unsigned type)
{
	struct dns_query *q;

	if (r->nq >= DNS_QUERIES_MAX) {
		r->q_dropped++;
		return NULL;
	}
	q = &r->q[r->nq++];
	memset(q, 0, sizeof *q - sizeof q->ask);
	q->server = server;
	snprintf(q->ask.name, sizeof q->ask.name, "%s", name);
	q->ask.type = type;
	return q;
}

static const char *ns_kind(const struct dns_resolv *rc, const struct nr_addr *a)
{
	char s[64];
	int i;

	addr_str(a, s, sizeof s);
	if (!strcmp(s, DNS_NODELOCAL))
		return "nodelocal-dnscache";
	for (i = 0; i < rc->nsearch; i++)
		if (strstr(rc->search[i], "svc."))
			return "kube-dns";
	return "other";
}

static unsigned pair_type(unsigned t)
{
	return t == DNS_T_A ? DNS_T_AAAA : t == DNS_T_AAAA ? DNS_T_A : 0;
}

/* The UDP query (or A+AAAA pair) for one candidate. Returns the ask of the asked type, NULL
 * when the query table is full. */
static struct dns_ask *udp_step(const struct dns_opts *o, struct dns_report *r, int si,
				const char *name, struct dns_server *s, struct nr_err *e, int *rc)
{
	unsigned pt = pair_type(r->type);
	struct dns_query *a = q_new(r, si, name, r->type), *b;

	*rc = 0;
	if (!a)
		return NULL;
	if (!pt) {
		*rc = dns_ask_one(o->netns_fd, &r->rc.ns[si], 0, o->timeout_ms, &a->ask, e);
		return &a->ask;
	}
	b = q_new(r, si, name, pt);
	if (!b)
		return NULL;
	a->parallel = b->parallel = 1;
	*rc = dns_ask_pair(o->netns_fd, &r->rc.ns[si], o->timeout_ms, &a->ask, &b->ask, e);
	if (!*rc && a->ask.answered != b->ask.answered)
		s->pair_lost = 1;
	return &a->ask;
}

/* One lost half of a pair: ask both again one at a time, each from a fresh socket (glibc's
 * single-request-reopen). Both answering means the loss comes from sending them together. */
static int seq_retry(const struct dns_opts *o, struct dns_report *r, int si, const char *name,
		     struct dns_server *s, unsigned long long before, struct nr_err *e)
{
	unsigned t[2] = { DNS_T_A, DNS_T_AAAA };
	unsigned long long after = 0;
	struct dns_query *q;
	int i, ok = 0;

	for (i = 0; i < 2; i++) {
		q = q_new(r, si, name, t[i]);
		if (!q)
			return 0;
		q->sequential = 1;
		if (dns_ask_one(o->netns_fd, &r->rc.ns[si], 0, o->timeout_ms, &q->ask, e))
			return -1;
		ok += q->ask.answered;
	}
	s->seq_ok = ok == 2;
	if (s->ct_ok && !o->insert_failed(&after, o->arg))
		s->ct_delta = after >= before ? after - before : 0;
	else
		s->ct_ok = 0;
	return 0;
}

static int one_server(const struct dns_opts *o, struct dns_report *r, int si, struct nr_err *e)
{
	struct dns_server *s = &r->s[si];
	struct dns_ask *x = NULL;
	struct dns_query *t;
	unsigned long long ct0 = 0;
	int i, rc, lost_at = -1;

	/* insert_failed before the first pair: the delta spans the lost one and its retry. */
	s->ct_ok = o->insert_failed && !o->insert_failed(&ct0, o->arg);
	s->kind = ns_kind(&r->rc, &r->rc.ns[si]);
	s->found = -1;
	for (i = 0; i < r->ncand; i++) {
		x = udp_step(o, r, si, r->cand[i], s, e, &rc);
		if (rc)
			return -1;
		if (!x)
			break;
		if (s->pair_lost && lost_at < 0)
			lost_at = i;
		if (!x->answered) {
			/* Its pair partner answered: the server lives, the pair lost one half. */
			s->answered |= s->pair_lost;
			s->timeout = !s->pair_lost && x->timeout;
			break;
		}
		s->answered = 1;
		s->rcode = x->reply.rcode;
		if (x->reply.rcode == DNS_R_SERVFAIL || x->reply.rcode == DNS_R_REFUSED) {
			s->servfail = 1;
			break;
		}
		if (x->reply.rcode == DNS_R_NOERROR && dns_reply_count(&x->reply, r->type)) {
			s->found = i;
			break;
		}
		/* NXDOMAIN or no data of this type: the resolver goes on to the next name. */
		s->nxdomain = i == r->ncand - 1;
	}
	if (lost_at >= 0 && seq_retry(o, r, si, r->cand[lost_at], s, ct0, e))
		return -1;
	if (lost_at >= 0 && s->found < 0 && s->seq_ok)
		s->found = lost_at;
	/* TCP for the name that answered (or the last one tried): the fallback after TC=1. */
	t = q_new(r, si, r->cand[s->found >= 0 ? s->found : (i < r->ncand ? i : r->ncand - 1)], r->type);
	if (t) {
		t->tcp = 1;
		s->tcp_tried = 1;
		if (dns_ask_one(o->netns_fd, &r->rc.ns[si], 1, o->timeout_ms, &t->ask, e))
			return -1;
		s->tcp_ok = t->ask.answered;
	}
	return 0;
}

static void server_findings(const struct dns_opts *o, const struct dns_report *r, int si,
			    struct findings *fs)
{
	const struct dns_server *s = &r->s[si];
	char ns[64], subj[128];

	addr_str(&r->rc.ns[si], ns, sizeof ns);
	snprintf(subj, sizeof subj, "%s nameserver %s", o->subject ? o->subject : "pod", ns);
	if (s->timeout && !s->answered)
		findings_add(fs, "dns-timeout", SEV_FAIL, subj,
			     !strcmp(s->kind, "nodelocal-dnscache") ?
			     "kubectl -n kube-system get pods -l k8s-app=node-local-dns -o wide" :
			     "kubectl -n kube-system get pods,endpoints -l k8s-app=kube-dns -o wide",
			     "%s (%s) did not answer %s %s over UDP within %u ms%s", ns, s->kind, r->cand[0],
			     dns_type_name(r->type), o->timeout_ms,
			     s->tcp_ok ? "; TCP works: UDP is dropped on the way (policy, conntrack)" : "");
	else if (s->timeout)
		findings_add(fs, "dns-timeout", SEV_FAIL, subj, NULL,
			     "%s (%s) answered some queries but not the one for a later search name within %u ms",
			     ns, s->kind, o->timeout_ms);
	if (s->servfail)
		findings_add(fs, "dns-servfail", SEV_FAIL, subj,
			     "kubectl -n kube-system logs -l k8s-app=kube-dns --tail=50",
			     "%s (%s) answers %s for %s: it cannot reach its upstream or the zone is broken",
			     ns, s->kind, dns_rcode_name(s->rcode), r->name);
	if (s->nxdomain)
		findings_add(fs, "dns-nxdomain", SEV_WARN, subj, NULL,
			     "%s does not exist on %s after the search list (%d name%s tried, ndots %d)",
			     r->name, ns, r->ncand, r->ncand == 1 ? "" : "s", r->rc.ndots);
	if (s->pair_lost && s->seq_ok) {
		finding_advice(findings_add(fs, "dns-parallel-loss", SEV_FAIL, subj, NULL,
			     "of the A and AAAA queries sent together from one socket to %s only one was "
			     "answered, while the same queries one at a time both were (the conntrack insert "
			     "race of parallel UDP queries); node conntrack insert_failed %s%llu",
			     ns, s->ct_ok ? "+" : "", s->ct_ok ? s->ct_delta : 0ULL),
			       "add 'options single-request-reopen' to the pod's dnsConfig, or deploy NodeLocal "
			       "DNSCache");
	}
	if (s->answered && !s->servfail && s->tcp_tried && !s->tcp_ok)
		findings_add(fs, "dns-tcp-failed", SEV_WARN, subj, NULL,
			     "%s answers over UDP but not over TCP: truncated (large) replies will fail", ns);
}

int dns_check_run(const struct dns_opts *o, struct dns_report *r, struct findings *fs,
		  struct nr_err *e)
{
	int i;

	memset(r, 0, offsetof(struct dns_report, q));
	r->nq = r->q_dropped = 0;
	snprintf(r->name, sizeof r->name, "%s", o->name);
	r->type = o->type ? o->type : DNS_T_A;
	r->pid = o->pid;
	if (dns_resolv_read(o->pid, &r->rc, e))
		return -1;
	r->ncand = dns_search_list(&r->rc, r->name, r->cand, DNS_SEARCH_MAX + 1);
	r->nservers = r->rc.nns < DNS_RESOLVER_NS ? r->rc.nns : DNS_RESOLVER_NS;
	for (i = 0; i < r->nservers; i++)
		if (one_server(o, r, i, e))
			return -1;
	for (i = 0; i < r->nservers; i++)
		server_findings(o, r, i, fs);
	return 0;
}

int dns_check_addr(const struct dns_report *r, struct nr_addr *out)
{
	unsigned want[2] = { DNS_T_A, DNS_T_AAAA };
	int k, i, j;

	for (k = 0; k < 2; k++)
		for (i = 0; i < r->nq; i++) {
			const struct dns_reply *rp = &r->q[i].ask.reply;

			if (!r->q[i].ask.answered || rp->rcode)
				continue;
			for (j = 0; j < rp->nans; j++)
				if (rp->an[j].type == want[k] && !parse_ip(rp->an[j].data, out))
					return 0;
		}
	return -1;
}

/* --- output --------------------------------------------------------------------------------- */

static void answers_json(struct jw *w, const struct dns_reply *rp)
{
	int i;

	jw_arr(w);
	for (i = 0; i < rp->nans; i++) {
		jw_obj(w);
		jw_kstr(w, "name", rp->an[i].name);
		jw_kstr(w, "type", dns_type_name(rp->an[i].type));
		jw_kuint(w, "ttl", rp->an[i].ttl);
		jw_kstr(w, "data", rp->an[i].data);
		jw_obj_end(w);
	}
	jw_arr_end(w);
}

static void query_json(struct jw *w, const struct dns_report *r, const struct dns_query *q)
{
	char ns[64];

	jw_obj(w);
	jw_kstr(w, "server", addr_str(&r->rc.ns[q->server], ns, sizeof ns));
	jw_kstr(w, "transport", q->tcp ? "tcp" : "udp");
	jw_kstr(w, "name", q->ask.name);
	jw_kstr(w, "type", dns_type_name(q->ask.type));
	jw_kbool(w, "parallel", q->parallel);
	jw_kbool(w, "sequential", q->sequential);
	if (q->ask.answered) {
		jw_kstr(w, "rcode", dns_rcode_name(q->ask.reply.rcode));
		jw_key(w, "answers");
		answers_json(w, &q->ask.reply);
		jw_kbool(w, "truncated", (int)q->ask.reply.tc);
		jw_key(w, "ms");
		jw_double(w, (double)(long)(q->ask.ms * 100) / 100);
		jw_knull(w, "error");
	} else {
		jw_knull(w, "rcode");
		jw_key(w, "answers");
		jw_arr(w);
		jw_arr_end(w);
		jw_kbool(w, "truncated", 0);
		jw_knull(w, "ms");
		jw_kstr(w, "error", q->ask.error);
	}
	jw_kbool(w, "timeout", q->ask.timeout);
	jw_obj_end(w);
}

static void resolv_json(struct jw *w, const struct dns_resolv *rc)
{
	char s[64];
	int i;

	jw_obj(w);
	jw_key(w, "nameservers");
	jw_arr(w);
	for (i = 0; i < rc->nns; i++)
		jw_str(w, addr_str(&rc->ns[i], s, sizeof s));
	jw_arr_end(w);
	jw_key(w, "search");
	jw_arr(w);
	for (i = 0; i < rc->nsearch; i++)
		jw_str(w, rc->search[i]);
	jw_arr_end(w);
	jw_kint(w, "ndots", rc->ndots);
	jw_kuint(w, "timeout", rc->timeout_s);
	jw_kuint(w, "attempts", rc->attempts);
	jw_kbool(w, "single_request_reopen", rc->single_request_reopen);
	jw_kbool(w, "defaulted", rc->defaulted);
	jw_obj_end(w);
}

static void server_json(struct jw *w, const struct dns_report *r, int i)
{
	const struct dns_server *s = &r->s[i];
	char ns[64];

	jw_obj(w);
	jw_kstr(w, "server", addr_str(&r->rc.ns[i], ns, sizeof ns));
	jw_kstr(w, "kind", s->kind);
	jw_kbool(w, "answered", s->answered);
	jw_kbool(w, "tcp_ok", s->tcp_ok);
	if (s->found >= 0)
		jw_kstr(w, "resolved_as", r->cand[s->found]);
	else
		jw_knull(w, "resolved_as");
	jw_kbool(w, "parallel_loss", s->pair_lost && s->seq_ok);
	if (s->ct_ok && s->pair_lost)
		jw_kuint(w, "insert_failed_delta", s->ct_delta);
	else
		jw_knull(w, "insert_failed_delta");
	jw_obj_end(w);
}

void dns_check_json(struct jw *w, const struct dns_report *r)
{
	int i;

	jw_kstr(w, "name", r->name);
	jw_kstr(w, "type", dns_type_name(r->type));
	jw_kint(w, "pid", r->pid);
	jw_key(w, "resolv_conf");
	resolv_json(w, &r->rc);
	jw_key(w, "candidates");
	jw_arr(w);
	for (i = 0; i < r->ncand; i++)
		jw_str(w, r->cand[i]);
	jw_arr_end(w);
	jw_key(w, "nameservers");
	jw_arr(w);
	for (i = 0; i < r->nservers; i++)
		server_json(w, r, i);
	jw_arr_end(w);
	jw_key(w, "queries");
	jw_arr(w);
	for (i = 0; i < r->nq; i++)
		query_json(w, r, &r->q[i]);
	jw_arr_end(w);
}

static void answers_text(char *buf, size_t cap, const struct dns_reply *rp)
{
	size_t o = 0;
	int i, w;

	buf[0] = 0;
	for (i = 0; i < rp->nans && o < cap; i++) {
		w = snprintf(buf + o, cap - o, "%s%s", i ? " " : "", rp->an[i].data);
		if (w < 0)
			break;
		o += (size_t)w;
	}
	if (!rp->nans)
		snprintf(buf, cap, "-");
}

void dns_check_text(FILE *f, const struct dns_report *r)
{
	struct tbl t;
	char ns[64], ms[32], ans[512], srch[512] = "";
	size_t o = 0;
	int i;

	for (i = 0; i < r->rc.nsearch && o < sizeof srch; i++)
		o += (size_t)snprintf(srch + o, sizeof srch - o, "%s%s", i ? " " : "", r->rc.search[i]);
	fprintf(f, "resolv.conf (pid %d): nameserver", r->pid);
	for (i = 0; i < r->rc.nns; i++)
		fprintf(f, " %s (%s)", addr_str(&r->rc.ns[i], ns, sizeof ns),
			i < r->nservers ? r->s[i].kind : "unused");
	fprintf(f, "\n  search %s  ndots %d\n\n", *srch ? srch : "-", r->rc.ndots);
	static const char *const hdr[] = { "SERVER", "PROTO", "NAME", "TYPE", "RCODE", "MS", "ANSWERS" };

	tbl_init(&t, 7, hdr);
	for (i = 0; i < r->nq; i++) {
		const struct dns_query *q = &r->q[i];

		snprintf(ms, sizeof ms, "%.1f", q->ask.ms);
		if (q->ask.answered)
			answers_text(ans, sizeof ans, &q->ask.reply);
		else
			snprintf(ans, sizeof ans, "%s", q->ask.error);
		const char *cells[7] = { addr_str(&r->rc.ns[q->server], ns, sizeof ns),
					 q->tcp ? "tcp" : q->parallel ? "udp||" : "udp", q->ask.name,
					 dns_type_name(q->ask.type),
					 q->ask.answered ? dns_rcode_name(q->ask.reply.rcode) : "-",
					 q->ask.answered ? ms : "-", ans };

		tbl_add(&t, cells);
	}
	tbl_print(&t, f);
	fputc('\n', f);
}
