/* Port holders for each --port (in each asked pod's netns: port-in-use; without --pod-ip in
 * every netns) and the all-ports scan for listeners of stale processes. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "checks/port.h"
#include "base/err.h"
#include "diagnose/private.h"

static void error(struct diag_check *c, const struct nr_err *e)
{
	c->status = DIAG_ERROR;
	nr_err_text(e, c->detail, sizeof c->detail);
}

/* CAP_SYS_PTRACE (19) opens other processes' fds and namespaces: without it holders are unseen. */
static void partial_caps(const struct diag_report *r, struct diag_check *c)
{
	if (!((r->cap_eff >> 19) & 1) && c->status == DIAG_OK) {
		c->status = DIAG_PARTIAL;
		snprintf(c->detail, sizeof c->detail, "without CAP_SYS_PTRACE: sockets of other users' processes and pod namespaces");
	}
}

/* Adds the holders of one scan to the port's merged report. */
static void merge(struct port_report *into, const struct port_report *from)
{
	int i;

	for (i = 0; i < from->n; i++) {
		if (into->n >= PORT_HOLDERS_MAX) {
			into->dropped++;
			continue;
		}
		into->h[into->n++] = from->h[i];
	}
	into->dropped += from->dropped;
	into->netns_scanned += from->netns_scanned;
	into->sockdiag_fallbacks += from->sockdiag_fallbacks;
}

/* With --pod-ip, a port's holders are looked for in each asked pod's netns (the module then
 * judges port-in-use itself); without, in every netns of the node. */
static int scan_port(const struct diag_opts *o, struct diag_report *r, int i, struct port_report *one,
		     struct nr_err *e)
{
	struct port_report *pr = &r->port[i];
	int j, scanned = 0;

	for (j = 0; j < r->npods; j++) {
		if (r->pods[j].status != DIAG_OK || !r->pods[j].loc.netns)
			continue;
		if (check_port_run(o->host_root, o->ports[i], r->pods[j].loc.netns, one, &r->fs, e) < 0)
			return -1;
		if (!scanned++) {
			*pr = *one;
			pr->pod_netns = 0;
		} else {
			merge(pr, one);
		}
	}
	if (scanned)
		return 0;
	return check_port_run(o->host_root, o->ports[i], 0, pr, &r->fs, e);
}

void diag_st_ports(const struct diag_opts *o, struct diag_report *r, struct diag_ctx *x)
{
	struct diag_check *c = &r->checks[DC_PORTS];
	struct port_report *one; /* one pod's scan: large, one allocation per stage */
	struct nr_err e;
	int i, rc = 0;

	(void)x;
	if (!o->nports) {
		c->status = DIAG_SKIPPED;
		snprintf(c->detail, sizeof c->detail, "no --port given");
		return;
	}
	if (!(one = malloc(sizeof *one))) {
		nr_fail(&e, NR_E_NOMEM, ENOMEM, "port", NULL);
		return error(c, &e);
	}
	for (i = 0; i < o->nports && !rc; i++)
		rc = scan_port(o, r, i, one, &e);
	free(one);
	if (rc < 0)
		return error(c, &e);
	c->status = DIAG_OK;
	partial_caps(r, c);
}

void diag_st_stale(const struct diag_opts *o, struct diag_report *r, struct diag_ctx *x)
{
	struct diag_check *c = &r->checks[DC_STALE];
	struct nr_err e;

	(void)x;
	if (check_port_run(o->host_root, 0, 0, &r->stale, &r->fs, &e) < 0)
		return error(c, &e);
	c->status = DIAG_OK;
	partial_caps(r, c);
}

static void json_ports(struct jw *w, const struct diag_report *r)
{
	int i;

	jw_key(w, "ports");
	jw_arr(w);
	for (i = 0; i < r->nports; i++) {
		jw_obj(w);
		check_port_json(w, &r->port[i]);
		jw_obj_end(w);
	}
	jw_arr_end(w);
}

void diag_json_extra(struct jw *w, const struct diag_report *r, enum diag_check_id id)
{
	if (id == DC_PORTS)
		json_ports(w, r);
	else if (id == DC_STALE)
		check_port_json(w, &r->stale);
	else if (id == DC_MTU)
		diag_mtu_json(w, r);
	else if (id == DC_WATCH)
		diag_watch_json(w, r);
}

void diag_text_extra(FILE *f, const struct diag_report *r, enum diag_check_id id)
{
	int i;

	if (id == DC_PORTS)
		for (i = 0; i < r->nports; i++)
			check_port_text(f, &r->port[i]);
	else if (id == DC_STALE)
		check_port_text(f, &r->stale);
	else if (id == DC_MTU)
		diag_mtu_text(f, r);
	else if (id == DC_WATCH)
		diag_watch_text(f, r);
}
