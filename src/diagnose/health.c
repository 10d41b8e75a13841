/* The runtime stage: zombies, PID limits, OOM kills and runtime restarts (checks/health.c), and,
 * next to each stale listener found before it, the likely reason the runtime lost it. */
#include <stdio.h>
#include <string.h>

#include "base/err.h"
#include "checks/health.h"
#include "diagnose/private.h"

static void stale_causes(struct diag_report *r)
{
	char cause[192];
	int i;

	check_health_cause(&r->health, cause, sizeof cause);
	for (i = 0; i < r->fs.n; i++) {
		struct finding *f = &r->fs.f[i];
		size_t n = strlen(f->message);

		if (strcmp(f->id, "stale-listener") || n + 16 >= sizeof f->message)
			continue;
		snprintf(f->message + n, sizeof f->message - n, "; likely cause: %s",
			 cause[0] ? cause : "none seen (no runtime restart, zombie build-up, PID limit or OOM kill)");
	}
}

void diag_st_health(const struct diag_opts *o, struct diag_report *r, struct diag_ctx *x)
{
	struct diag_check *c = &r->checks[DC_RUNTIME];
	struct health_opts ho = { o->since_secs };
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
	char cause[192];

	check_health_cause(&r->health, cause, sizeof cause);
	jw_kstr(w, "likely_cause", cause[0] ? cause : NULL);
	check_health_json(w, &r->health);
}

void diag_health_text(FILE *f, const struct diag_report *r)
{
	char cause[192];

	check_health_cause(&r->health, cause, sizeof cause);
	if (cause[0])
		fprintf(f, "likely cause   %s\n", cause);
	check_health_text(f, &r->health);
}
