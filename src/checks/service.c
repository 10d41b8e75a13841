/* Services from kube-proxy's rules: frontends, endpoints, local pods and their listeners. */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "checks/service.h"
#include "locate/locate.h"
#include "report/shell.h"
#include "sockets/sockets.h"

/* SVC_DEPTH: KUBE-EXT -> KUBE-SVC/SVL -> KUBE-SEP is three levels; external- -> service- ->
 * endpoint- too. */
#define SVC_DEPTH 4

int service_parse(const char *arg, struct svc_query *q, char *err, size_t cap)
{
	char buf[SVC_NAME], *colon;
	unsigned long long port;

	memset(q, 0, sizeof *q);
	if (strlen(arg) >= sizeof buf) {
		snprintf(err, cap, "'%.40s...' is too long", arg);
		return -1;
	}
	if (strchr(arg, '/')) {
		q->by_name = 1;
		snprintf(q->name, sizeof q->name, "%s", arg);
		return 0;
	}
	snprintf(buf, sizeof buf, "%s", arg);
	if (buf[0] == '[') {
		char *end = strchr(buf, ']');

		if (!end || (end[1] && end[1] != ':')) {
			snprintf(err, cap, "'%s' is not IP, IP:PORT, [IPv6]:PORT or NS/NAME", arg);
			return -1;
		}
		*end = 0;
		colon = end[1] ? end + 1 : NULL;
		memmove(buf, buf + 1, strlen(buf + 1) + 1);
	} else {
		colon = strchr(buf, ':');
		if (colon && strchr(colon + 1, ':'))
			colon = NULL; /* a bare IPv6 address */
	}
	if (colon) {
		*colon = 0;
		if (parse_uint(colon + 1, 1, 65535, &port) < 0) {
			snprintf(err, cap, "'%s' is not a port (1-65535)", colon + 1);
			return -1;
		}
		q->port = (unsigned)port;
	}
	if (parse_ip(buf, &q->ip) < 0) {
		snprintf(err, cap, "'%s' is not an IP address", buf);
		return -1;
	}
	return 0;
}

/* --- building the report ------------------------------------------------------------------ */

struct ctx {
	const struct svc_query *q;
	const struct nf_ruleset *rs;
	struct svc_report *r;
};

static const char *proto_word(int p)
{
	return p == 6 ? "tcp" : p == 17 ? "udp" : p == 132 ? "sctp" : "any";
}

/* "ns/name:port cluster IP" -> "ns/name:port". */
static void svc_name_of(const char *comment, char *out, size_t cap)
{
	size_t n = strcspn(comment, " ");

	snprintf(out, cap, "%.*s", (int)n, comment);
}

static int name_matches(const struct svc_query *q, const char *name)
{
	size_t n = strlen(q->name);

	if (!strcmp(name, q->name))
		return 1;
	return !strncmp(name, q->name, n) && name[n] == ':' && !strchr(q->name, ':');
}

static int addr_eq(const struct nr_addr *a, int family, const unsigned char *b)
{
	return a->family == family && !memcmp(a->a, b, family == AF_INET6 ? 16 : 4);
}

static int fe_matches(const struct svc_query *q, const struct svc_frontend *f)
{
	if (q->by_name)
		return name_matches(q, f->name);
	if (q->port && f->port != q->port)
		return 0;
	if (!f->has_ip)
		return q->port != 0; /* a NodePort answers on every node address */
	return f->ip.family == q->ip.family && !memcmp(f->ip.a, q->ip.a, q->ip.family == AF_INET6 ? 16 : 4);
}

static struct svc_frontend *fe_add(struct ctx *x, const struct svc_frontend *f)
{
	int i;

	for (i = 0; i < x->r->nfe; i++) {
		struct svc_frontend *o = &x->r->fe[i];

		if (o->has_ip == f->has_ip && o->port == f->port && !strcmp(o->proto, f->proto) &&
		    (!f->has_ip || !memcmp(&o->ip, &f->ip, sizeof o->ip))) {
			o->no_endpoints |= f->no_endpoints;
			return o;
		}
	}
	if (x->r->nfe >= SVC_FE_MAX)
		return NULL;
	x->r->fe[x->r->nfe] = *f;
	if (!x->r->name[0])
		snprintf(x->r->name, sizeof x->r->name, "%s", f->name);
	return &x->r->fe[x->r->nfe++];
}

static void ep_add(struct ctx *x, int family, const unsigned char *ip, unsigned port, double prob, const char *name)
{
	struct svc_endpoint *p;
	int i;

	for (i = 0; i < x->r->nep; i++)
		if (x->r->ep[i].port == port && addr_eq(&x->r->ep[i].ip, family, ip))
			return;
	if (x->r->nep >= SVC_EP_MAX) {
		x->r->ep_dropped++;
		return;
	}
	p = &x->r->ep[x->r->nep++];
	memset(p, 0, sizeof *p);
	p->ip.family = family;
	memcpy(p->ip.a, ip, family == AF_INET6 ? 16 : 4);
	p->port = port;
	p->probability = prob;
	p->listening = -1;
	snprintf(p->name, sizeof p->name, "%s", name);
}

/* A KUBE-SEP-* / endpoint-* chain: its DNAT rule names the endpoint. */
static void follow_sep(struct ctx *x, const struct nf_chain *c, double prob, const char *name)
{
	uint32_t i;

	for (i = c->first; i < c->first + c->n; i++) {
		const struct nf_rule *r = &x->rs->rules[i];

		if (r->target == NF_T_DNAT && (r->flags & NF_RF_NAT))
			ep_add(x, r->family == 1 ? AF_INET : r->family, r->nat_addr, r->nat_port_lo, prob, name);
	}
}

static const struct nf_chain *jumped(const struct ctx *x, const struct nf_chain *from, const char *name)
{
	return nf_chain_find(x->rs, from->backend, from->family, nf_str(x->rs, from->table), name);
}

static void follow(struct ctx *x, const struct nf_chain *c, const char *name, int depth);

/* The endpoints of an anonymous "numgen random mod N vmap { i : goto endpoint-... }". */
static void follow_vmap(struct ctx *x, const struct nf_chain *c, const char *set, const char *name, int depth)
{
	uint32_t i, k;

	for (i = 0; i < x->rs->nsets; i++) {
		const struct nf_set *s = &x->rs->sets[i];

		if (s->family != c->family || strcmp(nf_str(x->rs, s->name), set) ||
		    strcmp(nf_str(x->rs, s->table), nf_str(x->rs, c->table)))
			continue;
		for (k = s->first; k < s->first + s->n; k++) {
			const struct nf_chain *to = jumped(x, c, nf_str(x->rs, x->rs->elems[k].chain));

			if (to && !strncmp(nf_str(x->rs, to->name), "endpoint-", 9))
				follow_sep(x, to, 1.0 / s->n, name);
			else if (to)
				follow(x, to, name, depth + 1);
		}
	}
}

/* KUBE-SVC-*, KUBE-SVL-*, KUBE-EXT-*, KUBE-FW-*, service-*, external-*: where they lead. */
static void follow(struct ctx *x, const struct nf_chain *c, const char *name, int depth)
{
	double left = 1.0;
	uint32_t i;

	if (depth > SVC_DEPTH)
		return;
	for (i = c->first; i < c->first + c->n; i++) {
		const struct nf_rule *r = &x->rs->rules[i];
		const char *to = nf_str(x->rs, r->jump);
		const struct nf_chain *tc;

		if (r->target == NF_T_VMAP) {
			follow_vmap(x, c, to, name, depth);
			continue;
		}
		if ((r->target != NF_T_JUMP && r->target != NF_T_GOTO) || !(tc = jumped(x, c, to)))
			continue;
		if (!strncmp(to, "KUBE-SEP-", 9) || !strncmp(to, "endpoint-", 9)) {
			/* statistic: each rule takes its probability of what the earlier ones left. */
			double p = r->flags & NF_RF_PROB ? (double)r->prob / 2147483648.0 : 1.0;

			if (!strncmp(to, "endpoint-", 9) && r->flags & NF_RF_SRC)
				continue; /* session affinity: "ip saddr @affinity-... goto endpoint-" */
			follow_sep(x, tc, left * p, name);
			left -= left * p;
		} else if (!strncmp(to, "KUBE-SVC-", 9) || !strncmp(to, "KUBE-SVL-", 9) || !strncmp(to, "KUBE-EXT-", 9) ||
			   !strncmp(to, "KUBE-FW-", 8) || !strncmp(to, "service-", 8) || !strncmp(to, "external-", 9))
			follow(x, tc, name, depth + 1);
	}
}

/* --- iptables mode ------------------------------------------------------------------------ */

static int is_svc_chain(const char *n)
{
	return !strncmp(n, "KUBE-SVC-", 9) || !strncmp(n, "KUBE-EXT-", 9) || !strncmp(n, "KUBE-FW-", 8) ||
	       !strncmp(n, "KUBE-SVL-", 9);
}

static void ipt_frontend(struct ctx *x, const struct nf_chain *c, const struct nf_rule *r, int nodeport)
{
	struct svc_frontend f;
	struct svc_frontend *got;
	const char *cm = nf_str(x->rs, r->comment);

	memset(&f, 0, sizeof f);
	svc_name_of(cm, f.name, sizeof f.name);
	if (r->flags & NF_RF_DST && !nodeport) {
		f.has_ip = 1;
		f.ip.family = r->family;
		memcpy(f.ip.a, r->dst, r->family == AF_INET6 ? 16 : 4);
	}
	f.port = r->flags & NF_RF_DPORT ? r->dport_lo : 0;
	snprintf(f.proto, sizeof f.proto, "%s", proto_word(r->proto));
	f.kind = nodeport ? "nodeport" : strstr(cm, "external") || strstr(cm, "loadbalancer") ? "external" : "cluster-ip";
	f.no_endpoints = (r->flags & NF_RF_NOEP) != 0;
	if (!fe_matches(x->q, &f) || !(got = fe_add(x, &f)))
		return;
	if (!x->r->backend)
		x->r->backend = nf_backend_name(c->backend);
	x->r->mode = "iptables";
	if (r->target == NF_T_JUMP || r->target == NF_T_GOTO) {
		const struct nf_chain *to = jumped(x, c, nf_str(x->rs, r->jump));

		if (to)
			follow(x, to, f.name, 0);
	}
}

static void ipt_scan(struct ctx *x)
{
	uint32_t i, k;

	for (i = 0; i < x->rs->nchains; i++) {
		const struct nf_chain *c = &x->rs->chains[i];
		const char *t = nf_str(x->rs, c->table), *n = nf_str(x->rs, c->name);
		int nat = !strcmp(t, "nat"), filt = !strcmp(t, "filter");
		int np = !strcmp(n, "KUBE-NODEPORTS");

		if (!(nat || filt) || (strcmp(n, "KUBE-SERVICES") && !np && strcmp(n, "KUBE-EXTERNAL-SERVICES")))
			continue;
		for (k = c->first; k < c->first + c->n; k++) {
			const struct nf_rule *r = &x->rs->rules[k];

			if (!r->comment)
				continue;
			if (nat && (r->target == NF_T_JUMP || r->target == NF_T_GOTO) && is_svc_chain(nf_str(x->rs, r->jump)))
				ipt_frontend(x, c, r, np);
			else if (filt && (r->flags & NF_RF_NOEP))
				ipt_frontend(x, c, r, np || (r->flags & NF_RF_LOCAL && !(r->flags & NF_RF_DST)));
		}
	}
}

/* --- nftables mode ------------------------------------------------------------------------ */

/* "service-ULMVA6XW-ns1/svc1/tcp/p80" -> "ns1/svc1:p80" (kube-proxy's servicePortChainName). */
static void nft_chain_svc(const char *chain, char *out, size_t cap)
{
	const char *p = strchr(chain, '-'), *s1, *s2, *s3;

	out[0] = 0;
	if (!p || !(p = strchr(p + 1, '-')))
		return;
	p++;
	if (!(s1 = strchr(p, '/')) || !(s2 = strchr(s1 + 1, '/')) || !(s3 = strchr(s2 + 1, '/')))
		return;
	snprintf(out, cap, "%.*s%s%.*s", (int)(s2 - p), p, s3[1] ? ":" : "", (int)strcspn(s3 + 1, "_"), s3 + 1);
}

static void nft_elem(struct ctx *x, const struct nf_set *s, const struct nf_elem *el, int nodeport, int noep)
{
	struct svc_frontend f;
	int alen = s->family == 10 ? 16 : 4, off = nodeport ? 0 : alen;
	const struct nf_chain *to = NULL;

	memset(&f, 0, sizeof f);
	if (el->key_len < off + 8)
		return;
	if (!nodeport) {
		f.has_ip = 1;
		f.ip.family = s->family == 10 ? AF_INET6 : AF_INET;
		memcpy(f.ip.a, el->key, (size_t)alen);
	}
	snprintf(f.proto, sizeof f.proto, "%s", proto_word(el->key[off]));
	f.port = (unsigned)el->key[off + 4] << 8 | el->key[off + 5];
	if (el->chain)
		to = nf_chain_find(x->rs, NF_NFT, s->family, nf_str(x->rs, s->table), nf_str(x->rs, el->chain));
	if (noep)
		svc_name_of(nf_str(x->rs, el->comment), f.name, sizeof f.name);
	else if (to)
		nft_chain_svc(nf_str(x->rs, to->name), f.name, sizeof f.name);
	f.kind = nodeport ? "nodeport" : to && !strncmp(nf_str(x->rs, to->name), "external-", 9) ? "external" : "cluster-ip";
	f.no_endpoints = noep;
	if (!fe_matches(x->q, &f) || !fe_add(x, &f))
		return;
	x->r->mode = "nftables";
	x->r->backend = "nf_tables";
	if (to && !noep)
		follow(x, to, f.name, 0);
}

static void nft_scan(struct ctx *x)
{
	uint32_t i, k;

	for (i = 0; i < x->rs->nsets; i++) {
		const struct nf_set *s = &x->rs->sets[i];
		const char *n = nf_str(x->rs, s->name);
		int np = !strcmp(n, "service-nodeports") || !strcmp(n, "no-endpoint-nodeports");
		int noep = !strncmp(n, "no-endpoint-", 12);

		if (strcmp(nf_str(x->rs, s->table), "kube-proxy") ||
		    (strcmp(n, "service-ips") && !np && strcmp(n, "no-endpoint-services")))
			continue;
		for (k = s->first; k < s->first + s->n; k++)
			nft_elem(x, s, &x->rs->elems[k], np, noep);
	}
}

/* --- local pods and listeners --------------------------------------------------------------- */

struct listen_q {
	unsigned port;
	int found;
};

static int listen_cb(const struct sock_entry *s, void *arg)
{
	struct listen_q *l = arg;

	if (sock_is_listener(s) && s->lport == l->port) {
		l->found = 1;
		return 0;
	}
	return 1;
}

/* check_local's state: locate's context (every process's netns) and one report, one
 * allocation per run. */
struct local_work {
	struct locate_ctx lc;
	struct locate_report lr;
};

static void check_local(struct svc_report *r)
{
	struct local_work *w;
	struct nr_err e;
	int i;

	if (!r->nep || !(w = malloc(sizeof *w)))
		return;
	if (locate_init(&w->lc, &e) < 0) {
		free(w);
		return;
	}
	for (i = 0; i < r->nep; i++) {
		struct svc_endpoint *p = &r->ep[i];
		struct listen_q l = { p->port, 0 };

		memset(&w->lr, 0, sizeof w->lr);
		if (locate_run(&w->lc, &p->ip, &w->lr, NULL, &e) < 0 || !w->lr.host_if[0] ||
		    (w->lr.wiring != LOCATE_ROUTED && w->lr.wiring != LOCATE_BRIDGED))
			continue;
		p->local = 1;
		snprintf(p->host_if, sizeof p->host_if, "%s", w->lr.host_if);
		snprintf(p->pod, sizeof p->pod, "%s", w->lr.pod_uid[0] ? w->lr.pod_uid : w->lr.host_if);
		if (w->lr.npids && sock_walk_netns(w->lr.pids[0], SOCK_F_TCP | SOCK_F_UDP | SOCK_F_LISTEN, listen_cb, &l,
						NULL, &e) == 0)
			p->listening = l.found;
	}
	locate_fini(&w->lc);
	free(w);
}

/* The command that lists a Service's endpoint slices, from its "ns/name[:port]"; "" when the
 * name is unknown (kube-proxy's comment lacked it). */
static void svc_fix(const char *name, char *fix, size_t cap)
{
	char ns[SVC_NAME], svc[SVC_NAME], sel[SVC_NAME + 40];
	const char *slash = strchr(name, '/');

	fix[0] = 0;
	if (!slash || slash == name || !slash[1])
		return;
	snprintf(ns, sizeof ns, "%.*s", (int)(slash - name), name);
	snprintf(svc, sizeof svc, "%.*s", (int)strcspn(slash + 1, ":"), slash + 1);
	snprintf(sel, sizeof sel, "kubernetes.io/service-name=%s", svc);
	sh_printf(fix, cap, "kubectl -n %s get endpointslices -l %s", ns, sel);
}

static void findings(const struct svc_report *r, struct findings *fs)
{
	char ip[64], subj[128], fix[2 * SVC_NAME + 80];
	int i, live = 0;

	for (i = 0; i < r->nfe; i++) {
		const struct svc_frontend *f = &r->fe[i];

		if (!f->no_endpoints)
			continue;
		if (f->has_ip)
			addr_port_str(&f->ip, f->port, ip, sizeof ip);
		else
			snprintf(ip, sizeof ip, "NodePort %u", f->port);
		svc_fix(f->name, fix, sizeof fix);
		finding_advice(findings_add(fs, "service-no-endpoints", SEV_FAIL, f->name[0] ? f->name : ip,
					    fix[0] ? fix : NULL,
					    "kube-proxy rejects %s %s: the Service \"%s\" has no ready endpoints",
					    f->proto, ip, f->name),
			       "check the readiness and the labels of the pods the Service's selector should match");
	}
	for (i = 0; i < r->nep; i++) {
		const struct svc_endpoint *p = &r->ep[i];

		live += p->listening != 0;
		if (!p->local || p->listening != 0)
			continue;
		addr_port_str(&p->ip, p->port, ip, sizeof ip);
		snprintf(subj, sizeof subj, "%s", ip);
		findings_add(fs, "service-endpoint-down", SEV_FAIL, subj, NULL,
			     "endpoint %s of %s is a pod on this node (%s) but nothing listens on port %u in its "
			     "network namespace: connections through the Service are refused",
			     ip, p->name, p->host_if, p->port);
	}
	(void)live;
}

int check_service_from(const struct svc_query *q, const struct nf_ruleset *rs, struct svc_report *r,
		       struct findings *fs, struct nr_err *e)
{
	struct ctx x = { q, rs, r };
	char what[SVC_NAME + 64];

	memset(r, 0, sizeof *r);
	ipt_scan(&x);
	nft_scan(&x);
	if (rs->truncated) {
		r->truncated = 1;
		snprintf(r->why, sizeof r->why, "%s", rs->trunc_why);
	}
	if (!r->nfe) {
		if (q->by_name)
			snprintf(what, sizeof what, "%s", q->name);
		else
			addr_port_str(&q->ip, q->port, what, sizeof what);
		return nr_fail(e, NR_E_NF_NOSERVICE, 0, "service", "%s%s", what,
			       rs->truncated ? " (the rules were truncated)" : "");
	}
	check_local(r);
	if (fs)
		findings(r, fs);
	return 0;
}

int check_service_run(const struct svc_query *q, struct nf_ruleset *rs, struct svc_report *r,
		      struct findings *fs, struct nr_err *e)
{
	if (nf_read(rs, NF_ALL | NF_ELEMS, e) < 0)
		return -1;
	return check_service_from(q, rs, r, fs, e);
}

/* --- output ------------------------------------------------------------------------------- */

void check_service_json(struct jw *w, const struct svc_report *r)
{
	char ip[64];
	int i;

	r->name[0] ? jw_kstr(w, "name", r->name) : jw_knull(w, "name");
	jw_kstr(w, "mode", r->mode ? r->mode : "iptables");
	jw_kstr(w, "backend", r->backend ? r->backend : "");
	jw_key(w, "frontends");
	jw_arr(w);
	for (i = 0; i < r->nfe; i++) {
		const struct svc_frontend *f = &r->fe[i];

		jw_obj(w);
		f->has_ip ? jw_kstr(w, "ip", addr_str(&f->ip, ip, sizeof ip)) : jw_knull(w, "ip");
		jw_kuint(w, "port", f->port);
		jw_kstr(w, "proto", f->proto);
		jw_kstr(w, "kind", f->kind);
		jw_kstr(w, "service", f->name);
		jw_kbool(w, "no_endpoints", f->no_endpoints);
		jw_obj_end(w);
	}
	jw_arr_end(w);
	jw_key(w, "endpoints");
	jw_arr(w);
	for (i = 0; i < r->nep; i++) {
		const struct svc_endpoint *p = &r->ep[i];

		jw_obj(w);
		jw_kstr(w, "ip", addr_str(&p->ip, ip, sizeof ip));
		jw_kuint(w, "port", p->port);
		jw_key(w, "probability");
		jw_double(w, p->probability);
		jw_kbool(w, "local", p->local);
		p->local ? jw_kstr(w, "pod", p->pod) : jw_knull(w, "pod");
		p->listening < 0 ? jw_knull(w, "listening") : jw_kbool(w, "listening", p->listening);
		jw_kstr(w, "service", p->name);
		jw_obj_end(w);
	}
	jw_arr_end(w);
	jw_kuint(w, "endpoints_not_listed", (unsigned)r->ep_dropped);
	jw_kbool(w, "truncated", r->truncated);
}

void check_service_text(FILE *f, const struct svc_report *r)
{
	char ip[64];
	int i;

	fprintf(f, "service %s (kube-proxy %s mode, %s)\n", r->name[0] ? r->name : "(unnamed)",
		r->mode ? r->mode : "iptables", r->backend ? r->backend : "");
	fprintf(f, "frontends:\n");
	for (i = 0; i < r->nfe; i++) {
		const struct svc_frontend *fe = &r->fe[i];

		if (fe->has_ip)
			addr_port_str(&fe->ip, fe->port, ip, sizeof ip);
		else
			snprintf(ip, sizeof ip, "*:%u", fe->port);
		fprintf(f, "  %-10s %-4s %-24s %s%s\n", fe->kind, fe->proto, ip, fe->name,
			fe->no_endpoints ? "  NO ENDPOINTS (rejected)" : "");
	}
	fprintf(f, "endpoints:%s\n", r->nep ? "" : " none");
	for (i = 0; i < r->nep; i++) {
		const struct svc_endpoint *p = &r->ep[i];

		addr_port_str(&p->ip, p->port, ip, sizeof ip);
		fprintf(f, "  %-24s %5.1f%%  %s%s%s\n", ip, p->probability * 100, p->local ? "local pod " : "remote",
			p->local ? p->pod : "",
			p->listening == 1 ? "  listening" : p->listening == 0 ? "  NOT LISTENING" : "");
	}
	if (r->ep_dropped)
		fprintf(f, "  (%d more endpoints not listed)\n", r->ep_dropped);
	if (r->truncated)
		fprintf(f, "warning: the rules were truncated (%s): the Service may be incomplete\n", r->why);
}
