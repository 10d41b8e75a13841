/* The MTU stage: every pod interface against what the uplink (minus overlay overhead) carries. */
#include <stdio.h>

#include "checks/mtu.h"
#include "base/err.h"
#include "diagnose/private.h"

/* The report is large (512 interfaces): kept here, once per process, not in every diag_report
 * user's struct. */
static struct mtu_report mtu;
static int mtu_ok;

void diag_st_mtu(const struct diag_opts *o, struct diag_report *r, struct diag_ctx *x)
{
	struct diag_check *c = &r->checks[DC_MTU];
	struct rt_pod_index ix;
	struct rt_pod p;
	struct nr_err e;
	int i;

	(void)o;
	if (check_mtu_run(&mtu, &r->fs, &e) < 0) {
		c->status = DIAG_ERROR;
		nr_err_text(&e, c->detail, sizeof c->detail);
		return;
	}
	mtu_ok = 1;
	c->status = DIAG_OK;
	/* The table names pods namespace/name (the kubelet's pod log directories), UIDs in JSON. */
	if (x->rt_ok && rt_pod_index_load(&x->rt, &ix) == 0) {
		for (i = 0; i < mtu.n; i++)
			if (mtu.ifs[i].pod_uid[0] && rt_pod_index_find(&ix, mtu.ifs[i].pod_uid, &p) == 0 && p.name[0])
				snprintf(mtu.ifs[i].pod_name, sizeof mtu.ifs[i].pod_name, "%.120s/%.120s", p.namespace_, p.name);
		rt_pod_index_free(&ix);
	}
	for (i = 0; i < mtu.n; i++)
		if (mtu.ifs[i].role == MTU_ROLE_POD && !mtu.ifs[i].pod_known) {
			c->status = DIAG_PARTIAL;
			snprintf(c->detail, sizeof c->detail, "pod side of %s not read: %s", mtu.ifs[i].name,
				 mtu.ifs[i].why_unknown);
			break;
		}
}

void diag_mtu_json(struct jw *w, const struct diag_report *r)
{
	(void)r;
	if (mtu_ok)
		check_mtu_json(w, &mtu);
}

void diag_mtu_text(FILE *f, const struct diag_report *r)
{
	(void)r;
	if (mtu_ok)
		check_mtu_text(f, &mtu);
}
