/* The flows stage: the asked pods' conntrack entries (or the whole table's summary without
 * --pod-ip), unreplied ones first, and conntrack-unreplied. */
#include <stdio.h>

#include "base/err.h"
#include "checks/flows.h"
#include "diagnose/private.h"

/* DIAG_FLOW_LINES: flows the text report lists (the JSON keeps all that were kept). */
#define DIAG_FLOW_LINES 20

void diag_st_flows(const struct diag_opts *o, struct diag_report *r, struct diag_ctx *x)
{
	struct diag_check *c = &r->checks[DC_FLOWS];
	struct nr_err e;

	(void)x;
	nr_err_clear(&e);
	if (check_flows_run(o->pods, o->npods, &r->flows, &r->fs, &e) < 0) {
		c->status = DIAG_ERROR;
		nr_err_text(&e, c->detail, sizeof c->detail);
		return;
	}
	c->status = DIAG_OK;
	snprintf(c->detail, sizeof c->detail, "%s", r->flows.summary);
}

void diag_flows_json(struct jw *w, const struct diag_report *r)
{
	check_flows_json(w, &r->flows);
}

void diag_flows_text(FILE *f, const struct diag_report *r)
{
	check_flows_text(f, &r->flows, DIAG_FLOW_LINES);
}
