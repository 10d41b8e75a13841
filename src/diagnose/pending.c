/* The MTU stage, until the mtu module publishes its interface: reported as absent, so the
 * report says plainly that the check was not made. */
#include <stdio.h>

#include "diagnose/private.h"

void diag_st_mtu(const struct diag_opts *o, struct diag_report *r, struct diag_ctx *x)
{
	(void)o, (void)x;
	r->checks[DC_MTU].status = DIAG_ABSENT;
	snprintf(r->checks[DC_MTU].detail, sizeof r->checks[DC_MTU].detail, "the mtu module is not part of this build");
}

void diag_mtu_json(struct jw *w, const struct diag_report *r)
{
	(void)w, (void)r;
}

void diag_mtu_text(FILE *f, const struct diag_report *r)
{
	(void)f, (void)r;
}
