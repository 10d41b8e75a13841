/* Stages whose modules have not published their interface yet: reported as absent, so the
 * report says plainly that the check was not made. Replaced as each module lands. */
#include <stdio.h>

#include "diagnose/private.h"

static void absent(struct diag_check *c, const char *module)
{
	c->status = DIAG_ABSENT;
	snprintf(c->detail, sizeof c->detail, "the %s module is not part of this build", module);
}

void diag_st_mtu(const struct diag_opts *o, struct diag_report *r, struct diag_ctx *x)
{
	(void)o, (void)x;
	absent(&r->checks[DC_MTU], "mtu");
}

void diag_st_ports(const struct diag_opts *o, struct diag_report *r, struct diag_ctx *x)
{
	(void)x;
	if (!o->nports) {
		r->checks[DC_PORTS].status = DIAG_SKIPPED;
		snprintf(r->checks[DC_PORTS].detail, sizeof r->checks[DC_PORTS].detail, "no --port given");
		return;
	}
	absent(&r->checks[DC_PORTS], "port");
}

void diag_st_stale(const struct diag_opts *o, struct diag_report *r, struct diag_ctx *x)
{
	(void)o, (void)x;
	absent(&r->checks[DC_STALE], "port");
}

void diag_json_extra(struct jw *w, const struct diag_report *r, enum diag_check_id id)
{
	(void)w, (void)r, (void)id;
}

void diag_text_extra(FILE *f, const struct diag_report *r, enum diag_check_id id)
{
	(void)f, (void)r, (void)id;
}
