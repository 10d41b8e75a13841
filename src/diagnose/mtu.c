/* The MTU stage: every pod interface against what the uplink (minus overlay overhead) carries. */
#include <stdio.h>

#include "checks/mtu.h"
#include "base/err.h"
#include "diagnose/private.h"

void diag_st_mtu(const struct diag_opts *o, struct diag_report *r, struct diag_ctx *x)
{
	struct diag_check *c = &r->checks[DC_MTU];
	struct rt_pod_index ix;
	struct rt_pod p;
	struct nr_err e;
	int i;

	(void)o;
	if (check_mtu_run(x->nl, &r->mtu, &r->fs, &e) < 0) {
		c->status = DIAG_ERROR;
		nr_err_text(&e, c->detail, sizeof c->detail);
		return;
	}
	r->mtu_ok = 1;
	c->status = DIAG_OK;
	/* The table names pods namespace/name (the kubelet's pod log directories), UIDs in JSON. */
	if (x->rt_ok && rt_pod_index_load(&x->rt, &ix) == 0) {
		for (i = 0; i < r->mtu.n; i++)
			if (r->mtu.ifs[i].pod_uid[0] && rt_pod_index_find(&ix, r->mtu.ifs[i].pod_uid, &p) == 0 &&
			    p.name[0])
				snprintf(r->mtu.ifs[i].pod_name, sizeof r->mtu.ifs[i].pod_name, "%.120s/%.120s",
					 p.namespace_, p.name);
		rt_pod_index_free(&ix);
	}
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
