/* The MTU stage: every pod interface against what the uplink (minus overlay overhead) carries. */
#include <stdio.h>

#include "checks/mtu.h"
#include "base/err.h"
#include "diagnose/private.h"

void diag_st_mtu(const struct diag_opts *o, struct diag_report *r, struct diag_ctx *x)
{
	struct diag_check *c = &r->checks[DC_MTU];
	struct nr_err e;
	int i;

	(void)o, (void)x;
	if (check_mtu_run(&r->mtu, &r->fs, &e) < 0) {
		c->status = DIAG_ERROR;
		nr_err_text(&e, c->detail, sizeof c->detail);
		return;
	}
	r->mtu_ok = 1;
	c->status = DIAG_OK;
	for (i = 0; i < r->mtu.n; i++)
		if (r->mtu.ifs[i].role == MTU_ROLE_POD && !r->mtu.ifs[i].pod_known) {
			c->status = DIAG_PARTIAL;
			snprintf(c->detail, sizeof c->detail, "pod side of %s not read: %s", r->mtu.ifs[i].name,
				 r->mtu.ifs[i].why_unknown);
			break;
		}
}

void diag_mtu_json(struct jw *w, const struct diag_report *r)
{
	if (r->mtu_ok)
		check_mtu_json(w, &r->mtu);
}

void diag_mtu_text(FILE *f, const struct diag_report *r)
{
	if (r->mtu_ok)
		check_mtu_text(f, &r->mtu);
}
