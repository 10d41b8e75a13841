/* diagnose --probe TARGET[:PORT]: from each asked pod, the name through the pod's own DNS
 * (the dns check: every nameserver, UDP/TCP, the parallel A/AAAA pair), then TCP connects,
 * a TLS handshake when the port is 443, and the path-MTU search; the findings go with the
 * others (tcp-*, tls-handshake-failed, pmtu-blackhole, dns-*). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "checks/ct_insert.h"
#include "diagnose/private.h"
#include "dns/check.h"
#include "probe/probe.h"

/* DIAG_PROBE_MS: per step; a diagnose is a quick look at many things. */
#define DIAG_PROBE_MS 3000
/* DIAG_PROBE_COUNT: TCP connects per target: enough to see an intermittent refusal. */
#define DIAG_PROBE_COUNT 3

/* The stage's working state: large (the DNS check's query buffers, the trust anchors), one
 * allocation per stage, reused for every probe. */
struct probe_work {
	struct dns_report dr;
	struct probe_opts po;
	struct tls_anchors anchors;
};

static void fail(struct diag_probe *p, const struct nr_err *e)
{
	p->status = DIAG_ERROR;
	nr_err_text(e, p->detail, sizeof p->detail);
}

/* The name through the pod's resolver; its dns-* findings join the report. 0 or -1. */
static int resolve(struct diag_report *r, struct probe_work *pw, int fd, int pid, const char *subj,
		   struct nr_err *e)
{
	struct probe_opts *po = &pw->po;
	struct dns_opts d;

	memset(&d, 0, sizeof d);
	d.name = po->host;
	d.type = DNS_T_A;
	d.timeout_ms = 2000;
	d.pid = pid;
	d.netns_fd = fd;
	d.subject = subj;
	d.insert_failed = check_ct_insert_failed;
	if (dns_check_run(&d, &pw->dr, &r->fs, e))
		return -1;
	if (dns_check_addr(&pw->dr, &po->addr))
		return nr_fail(e, NR_E_PROBE_RESOLVE, 0, "probe", "%s (from %s)", po->host, subj);
	return 0;
}

static void one(struct diag_report *r, struct diag_probe *p, const char *target, struct probe_work *pw)
{
	struct probe_opts *po = &pw->po;
	const struct diag_pod *pod = &r->pods[p->pod];
	char ip[64], subj[80];
	struct nr_err e;
	int has_port, fd, pid;

	nr_err_clear(&e);
	memset(po, 0, sizeof *po);
	snprintf(p->target, sizeof p->target, "%s", target);
	addr_str(&pod->ip, ip, sizeof ip);
	snprintf(subj, sizeof subj, "pod %s", ip);
	if (probe_target_parse(target, po->host, sizeof po->host, &po->port, &has_port)) {
		nr_fail(&e, NR_E_PROBE_TARGET, 0, "probe", "%s", target);
		fail(p, &e);
		return;
	}
	if (!has_port)
		po->port = 443;
	fd = probe_pod_open(&pod->loc, &pid, &e);
	if (fd < 0) {
		fail(p, &e);
		return;
	}
	p->dns = parse_ip(po->host, &po->addr) != 0;
	if (p->dns && resolve(r, pw, fd, pid, subj, &e)) {
		close(fd);
		fail(p, &e);
		return;
	}
	po->count = DIAG_PROBE_COUNT;
	po->timeout_ms = DIAG_PROBE_MS;
	po->tls = po->port == 443;
	po->anchors = &pw->anchors;
	po->mtu = 1;
	po->pod_if = pod->loc.pod_if;
	po->subject = subj;
	snprintf(p->pr.from, sizeof p->pr.from, "%s", ip);
	p->pr.netns = pod->loc.netns;
	snprintf(p->pr.target, sizeof p->pr.target, "%s", target);
	if ((po->tls && tls_anchors_init(&pw->anchors, NULL, &e)) || probe_run(fd, po, &p->pr, &r->fs, &e))
		fail(p, &e);
	else
		p->status = DIAG_OK;
	close(fd);
}

void diag_st_probe(const struct diag_opts *o, struct diag_report *r, struct diag_ctx *x)
{
	struct diag_check *c = &r->checks[DC_PROBE];
	struct probe_work *pw;
	struct nr_err e;
	int i, j, errors = 0;

	(void)x;
	if (!o->nprobes || !r->npods) {
		c->status = DIAG_SKIPPED;
		snprintf(c->detail, sizeof c->detail, o->nprobes ? "--probe needs --pod-ip" : "no --probe given");
		return;
	}
	if (!(pw = malloc(sizeof *pw))) {
		nr_fail(&e, NR_E_NOMEM, ENOMEM, "probe", NULL);
		c->status = DIAG_ERROR;
		nr_err_text(&e, c->detail, sizeof c->detail);
		return;
	}
	r->probes.n = 0;
	for (i = 0; i < r->npods; i++)
		for (j = 0; j < o->nprobes && r->probes.n < DIAG_MAX_PODS * DIAG_MAX_PROBES; j++) {
			struct diag_probe *p = &r->probes.p[r->probes.n++];

			memset(p, 0, sizeof *p);
			p->pod = i;
			if (r->pods[i].status != DIAG_OK || !r->pods[i].loc.netns) {
				p->status = DIAG_SKIPPED;
				snprintf(p->target, sizeof p->target, "%s", o->probes[j]);
				snprintf(p->detail, sizeof p->detail, "the pod was not located on this node");
				errors++;
				continue;
			}
			if (o->progress)
				o->progress(o->probes[j], o->arg);
			one(r, p, o->probes[j], pw);
			errors += p->status != DIAG_OK;
		}
	free(pw);
	c->status = errors == r->probes.n ? DIAG_ERROR : errors ? DIAG_PARTIAL : DIAG_OK;
	if (errors)
		snprintf(c->detail, sizeof c->detail, "%d of %d probes could not run (each says why)",
			 errors, r->probes.n);
}

void diag_probe_json(struct jw *w, const struct diag_report *r)
{
	char ip[64];
	int i;

	jw_key(w, "probes");
	jw_arr(w);
	for (i = 0; i < r->probes.n; i++) {
		const struct diag_probe *p = &r->probes.p[i];

		jw_obj(w);
		jw_kstr(w, "from", addr_str(&r->pods[p->pod].ip, ip, sizeof ip));
		jw_kstr(w, "probe", p->target);
		jw_kstr(w, "status", diag_status_name(p->status));
		jw_kstr(w, "detail", p->detail[0] ? p->detail : NULL);
		jw_kbool(w, "resolved_by_pod_dns", p->dns);
		if (p->status == DIAG_OK)
			probe_json(w, &p->pr);
		jw_obj_end(w);
	}
	jw_arr_end(w);
}

void diag_probe_text(FILE *f, const struct diag_report *r)
{
	char ip[64];
	int i;

	for (i = 0; i < r->probes.n; i++) {
		const struct diag_probe *p = &r->probes.p[i];

		if (p->status == DIAG_OK)
			probe_text(f, &p->pr);
		else
			fprintf(f, "probe from %s to %s: %s\n", addr_str(&r->pods[p->pod].ip, ip, sizeof ip),
				p->target, p->detail);
	}
}
