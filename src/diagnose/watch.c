/* --watch S: the drop watch inside the investigation. It begins before the capture and ends
 * after it, so that with --capture both see one window (the window is then the longer of the
 * two); its drops become findings drops-* for the asked pods. At its end each pod's zombies are
 * recounted against the runtime stage's count (which ran before the watch began). */
#include <stdio.h>
#include <string.h>

#include "diagnose/private.h"
#include "drops/drops.h"

void diag_st_watch_begin(const struct diag_opts *o, struct diag_report *r, struct diag_ctx *x)
{
	struct drops_opts d;
	int i;

	if (!o->watch_secs) {
		r->checks[DC_WATCH].status = DIAG_SKIPPED;
		snprintf(r->checks[DC_WATCH].detail, DIAG_TEXT, "no --watch (default 3 s with --pod-ip)");
		return;
	}
	memset(&d, 0, sizeof d);
	d.secs = o->watch_secs;
	d.stop = o->stop;
	d.host_root = o->host_root;
	d.nl = x->nl;
	d.lc = x->lc_ok ? &x->lc : NULL;
	for (i = 0; i < r->npods && i < DROPS_PODS_MAX; i++) {
		d.pods[d.npods] = r->pods[i].ip;
		d.pod_pids[d.npods++] = r->pods[i].status == DIAG_OK && r->pods[i].loc.npids ? r->pods[i].loc.pids[0] : 0;
	}
	x->watch = drops_begin(&d, &r->drops);
}

/* DIAG_ZOMBIE_GROWTH: zombies a pod gains over the watch before it is zombies-accumulating
 * (a few come and go between exit and reap in a busy pod). */
#define DIAG_ZOMBIE_GROWTH 10

/* The seam for rule counters over the same window (the netfilter reader): start_us and
 * end_us are wall-clock µs. A rule whose DROP/REJECT counters rose between them becomes
 * policy-drop and names the rule in drops-netfilter. Nothing to do until that reader is in. */
static void watch_rules(const struct diag_opts *o, struct diag_report *r, long long start_us, long long end_us)
{
	(void)o, (void)r, (void)start_us, (void)end_us;
}

void diag_st_watch_end(const struct diag_opts *o, struct diag_report *r, struct diag_ctx *x)
{
	struct diag_check *c = &r->checks[DC_WATCH];
	char what[64];

	if (!x->watch)
		return;
	snprintf(what, sizeof what, "watching drops for %u s", o->watch_secs);
	if (o->progress)
		o->progress(what, o->arg);
	drops_wait(x->watch, o->watch_secs, o->stop);
	drops_end(x->watch, &r->drops);
	x->watch = NULL;
	watch_rules(o, r, r->drops.start_us, r->drops.end_us);
	drops_findings(&r->drops, o->ports, o->nports, &r->fs);
	if (r->checks[DC_RUNTIME].status == DIAG_OK || r->checks[DC_RUNTIME].status == DIAG_PARTIAL)
		check_health_recount(&r->health, o->watch_secs, DIAG_ZOMBIE_GROWTH, &r->fs);
	c->status = DIAG_OK;
	if (r->drops.unwatched[0]) {
		c->status = DIAG_PARTIAL;
		snprintf(c->detail, sizeof c->detail, "%.300s; counters only", r->drops.unwatched);
	} else if (!r->drops.flows && r->drops.noflows[0]) {
		c->status = DIAG_PARTIAL;
		snprintf(c->detail, sizeof c->detail, "%.300s; reasons node-wide", r->drops.noflows);
	}
}

void diag_watch_json(struct jw *w, const struct diag_report *r)
{
	drops_json(w, &r->drops);
}

void diag_watch_text(FILE *f, const struct diag_report *r)
{
	drops_text(f, &r->drops);
}
