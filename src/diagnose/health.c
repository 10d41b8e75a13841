/* The runtime stage: zombies, PID limits, OOM kills and runtime restarts (checks/health.c), and,
 * next to each stale listener found before it, the likely reason the runtime lost it. */
#include <stdio.h>
#include <string.h>

#include "base/err.h"
#include "checks/health.h"
#include "diagnose/private.h"

/* The stale holders found before this stage: every --port's and the all-ports scan's. */
static const struct port_holder *stale_holder(const struct diag_report *r, int k)
{
	int i, j;

	for (j = 0; j <= r->nports; j++) {
		const struct port_report *p = j < r->nports ? &r->port[j] : &r->stale;

		for (i = 0; i < p->n; i++)
			if (p->h[i].verdict == PORT_STALE && k-- == 0)
				return &p->h[i];
	}
	return NULL;
}

/* The likely cause for one holder's pod, else the node-wide one. */
static void holder_cause(const struct diag_report *r, const struct port_holder *h, char *buf, size_t cap)
{
	check_health_pod_cause(&r->health, h->pod_uid, buf, cap);
	if (!buf[0])
		check_health_cause(&r->health, buf, cap);
}

static void stale_causes(struct diag_report *r)
{
	const struct port_holder *h;
	char cause[384], lead[32];
	int i, k;

	for (k = 0; (h = stale_holder(r, k)); k++) {
		holder_cause(r, h, cause, sizeof cause);
		snprintf(lead, sizeof lead, "pid %d ", h->pid);
		for (i = 0; i < r->fs.n; i++) {
			struct finding *f = &r->fs.f[i];
			size_t n = strlen(f->message);

			if (strcmp(f->id, "stale-listener") || strncmp(f->message, lead, strlen(lead)) ||
			    strstr(f->message, "; likely cause: ") || n + 16 >= sizeof f->message)
				continue;
			snprintf(f->message + n, sizeof f->message - n, "; likely cause: %s",
				 cause[0] ? cause : "none seen (no runtime restart or crash, lost shim, zombie build-up, PID limit or OOM kill)");
		}
	}
}

void diag_st_health(const struct diag_opts *o, struct diag_report *r, struct diag_ctx *x)
{
	struct diag_check *c = &r->checks[DC_RUNTIME];
	struct health_opts ho = { o->since_secs, o->host_root };
	struct nr_err e;
	int i, unknown = 0;

	(void)x;
	nr_err_clear(&e);
	if (check_health_run(&ho, &r->health, &r->fs, &e) < 0) {
		c->status = DIAG_ERROR;
		nr_err_text(&e, c->detail, sizeof c->detail);
		return;
	}
	c->status = DIAG_OK;
	for (i = 0; i < r->health.npods; i++)
		unknown += !r->health.pods[i].pids_ok;
	if (!r->health.klog_ok || unknown) {
		c->status = DIAG_PARTIAL;
		snprintf(c->detail, sizeof c->detail, "%s%s%s", r->health.klog_ok ? "" : "kernel log: ",
			 r->health.klog_ok ? "" : r->health.klog_err,
			 unknown ? (r->health.klog_ok ? "pids of some pods unknown (no pids controller readable)" :
				    "; pids of some pods unknown") : "");
	}
	stale_causes(r);
}

void diag_health_json(struct jw *w, const struct diag_report *r)
{
	const struct port_holder *h;
	char cause[384], label[2 * PORT_NAME_MAX + 4];
	int k;

	check_health_cause(&r->health, cause, sizeof cause);
	jw_kstr(w, "likely_cause", cause[0] ? cause : NULL);
	jw_key(w, "stale_listener_causes");
	jw_arr(w);
	for (k = 0; (h = stale_holder(r, k)); k++) {
		holder_cause(r, h, cause, sizeof cause);
		if (h->pod_name[0])
			snprintf(label, sizeof label, "%s/%s", h->pod_namespace[0] ? h->pod_namespace : "?", h->pod_name);
		jw_obj(w);
		jw_kint(w, "pid", h->pid);
		jw_kuint(w, "port", h->port);
		jw_kstr(w, "pod", h->pod_name[0] ? label : NULL);
		jw_kstr(w, "pod_uid", h->pod_uid[0] ? h->pod_uid : NULL);
		jw_kstr(w, "likely_cause", cause[0] ? cause : NULL);
		jw_obj_end(w);
	}
	jw_arr_end(w);
	check_health_json(w, &r->health);
}

void diag_health_text(FILE *f, const struct diag_report *r)
{
	const struct port_holder *h;
	char cause[384];
	int k;

	check_health_cause(&r->health, cause, sizeof cause);
	if (cause[0])
		fprintf(f, "likely cause   %s\n", cause);
	for (k = 0; (h = stale_holder(r, k)); k++) {
		holder_cause(r, h, cause, sizeof cause);
		fprintf(f, "stale pid %d   %s%s%s: %s\n", h->pid, h->pod_namespace, h->pod_name[0] ? "/" : "",
			h->pod_name[0] ? h->pod_name : h->pod_uid, cause[0] ? cause : "no cause seen");
	}
	check_health_text(f, &r->health);
}
