/* A drops report as JSON members and as text a person reads in five seconds: the top reasons
 * with counts and rates, each with its code locations and busiest flows; then the counters. */
#include <stdio.h>
#include <string.h>

#include "drops/private.h"

/* TEXT_FLOWS: flows shown per reason in text (JSON has all that were kept). */
#define TEXT_FLOWS 5
/* TEXT_COUNTERS: counters shown in text. */
#define TEXT_COUNTERS 20

static double rate(const struct drops_report *r, unsigned long long n)
{
	return r->seconds > 0 ? (double)n / r->seconds : 0;
}

static void json_flow(struct jw *w, const struct drops_flow *f)
{
	char a[46], p[8];

	jw_obj(w);
	jw_kstr(w, "src", addr_str(&f->src, a, sizeof a));
	jw_kstr(w, "dst", addr_str(&f->dst, a, sizeof a));
	jw_kstr(w, "proto", drops_proto_name(f->proto, p, sizeof p));
	if (f->sport || f->dport) {
		jw_kuint(w, "sport", f->sport);
		jw_kuint(w, "dport", f->dport);
	} else {
		jw_knull(w, "sport");
		jw_knull(w, "dport");
	}
	jw_kstr(w, "ifname", f->ifname[0] ? f->ifname : NULL);
	jw_kstr(w, "pod", f->pod[0] ? f->pod : NULL);
	jw_kstr(w, "pod_ip", f->pod_ip[0] ? f->pod_ip : NULL);
	jw_kuint(w, "count", f->count);
	jw_obj_end(w);
}

static void json_reason(struct jw *w, const struct drops_report *r, const struct drops_reason *d)
{
	int i;

	jw_obj(w);
	jw_kstr(w, "reason", d->name);
	jw_kuint(w, "code", d->code);
	jw_kstr(w, "finding", drops_finding_id(d->name));
	jw_kuint(w, "count", d->count);
	jw_key(w, "rate");
	jw_double(w, rate(r, d->count));
	jw_key(w, "locations");
	jw_arr(w);
	for (i = 0; i < d->nlocs; i++) {
		jw_obj(w);
		jw_kstr(w, "symbol", d->locs[i].symbol);
		jw_kuint(w, "count", d->locs[i].count);
		jw_obj_end(w);
	}
	jw_arr_end(w);
	jw_kuint(w, "locations_other", d->locs_other);
	jw_key(w, "flows");
	jw_arr(w);
	for (i = 0; i < d->nflows; i++)
		json_flow(w, &d->flows[i]);
	jw_arr_end(w);
	jw_kuint(w, "flows_other", d->flows_other);
	jw_obj_end(w);
}

void drops_json(struct jw *w, const struct drops_report *r)
{
	char ip[46];
	int i;

	jw_key(w, "duration");
	jw_double(w, r->seconds);
	jw_kint(w, "window_start_us", r->start_us);
	jw_kint(w, "window_end_us", r->end_us);
	jw_kstr(w, "method", r->method);
	jw_kstr(w, "attribution", r->flows ? "flows" : "reasons");
	jw_kstr(w, "unwatched", r->unwatched[0] ? r->unwatched : NULL);
	jw_kstr(w, "flows_unread", !r->flows && r->noflows[0] ? r->noflows : NULL);
	jw_key(w, "pods");
	jw_arr(w);
	for (i = 0; i < r->npods; i++)
		jw_str(w, addr_str(&r->pods[i], ip, sizeof ip));
	jw_arr_end(w);
	jw_kuint(w, "total", r->total);
	jw_kuint(w, "lost", r->lost);
	jw_kuint(w, "other_traffic", r->other_traffic);
	jw_kbool(w, "kallsyms", r->kallsyms_ok);
	jw_key(w, "reasons");
	jw_arr(w);
	for (i = 0; i < r->nreasons; i++)
		json_reason(w, r, &r->r[i]);
	jw_arr_end(w);
	jw_key(w, "counters");
	jw_arr(w);
	for (i = 0; i < r->ncounters; i++) {
		jw_obj(w);
		jw_kstr(w, "scope", r->c[i].scope);
		jw_kstr(w, "name", r->c[i].name);
		jw_kuint(w, "delta", r->c[i].delta);
		jw_obj_end(w);
	}
	jw_arr_end(w);
	jw_kstr(w, "counters_unread", r->counters_unread[0] ? r->counters_unread : NULL);
}

static void text_flow(FILE *f, const struct drops_flow *fl)
{
	char s[56], d[56], p[8];

	if (fl->sport || fl->dport)
		fprintf(f, "    flow %s -> %s %s", addr_port_str(&fl->src, fl->sport, s, sizeof s),
			addr_port_str(&fl->dst, fl->dport, d, sizeof d), drops_proto_name(fl->proto, p, sizeof p));
	else
		fprintf(f, "    flow %s -> %s %s", addr_str(&fl->src, s, sizeof s), addr_str(&fl->dst, d, sizeof d),
			drops_proto_name(fl->proto, p, sizeof p));
	if (fl->ifname[0])
		fprintf(f, " in %s", fl->ifname);
	if (fl->pod[0])
		fprintf(f, "  pod %s", fl->pod);
	fprintf(f, "  %llu\n", fl->count);
}

void drops_text(FILE *f, const struct drops_report *r)
{
	int i, j;

	fprintf(f, "drops over %.1f s (%s, attribution by %s): %llu packets dropped (%.1f/s), %llu lost",
		r->seconds, r->method, r->flows ? "flow" : "reason only", r->total, rate(r, r->total), r->lost);
	if (r->npods && r->flows)
		fprintf(f, ", %llu more of other traffic", r->other_traffic);
	fputc('\n', f);
	if (r->unwatched[0])
		fprintf(f, "  could not watch: %s\n", r->unwatched);
	else if (!r->flows && r->noflows[0])
		fprintf(f, "  %s: reasons and locations only%s\n", r->noflows, r->npods ? " (node-wide, not filtered by pod)" : "");
	if (r->nreasons)
		fprintf(f, "\n%-28s %10s %10s\n", "REASON", "COUNT", "PER SEC");
	for (i = 0; i < r->nreasons; i++) {
		const struct drops_reason *d = &r->r[i];
		fprintf(f, "%-28s %10llu %10.1f\n", d->name, d->count, rate(r, d->count));
		for (j = 0; j < d->nlocs; j++)
			fprintf(f, "    at   %-40s %llu\n", d->locs[j].symbol, d->locs[j].count);
		for (j = 0; j < d->nflows && j < TEXT_FLOWS; j++)
			text_flow(f, &d->flows[j]);
		if (d->nflows > TEXT_FLOWS || d->flows_other)
			fprintf(f, "    (%d more flows)\n", d->nflows > TEXT_FLOWS ? d->nflows - TEXT_FLOWS : 0);
	}
	if (!r->nreasons && !r->unwatched[0])
		fprintf(f, "no packet%s dropped in the window\n", r->npods ? " of these pods was" : " was");
	if (r->ncounters)
		fprintf(f, "\ncounters that rose:\n");
	for (i = 0; i < r->ncounters && i < TEXT_COUNTERS; i++)
		fprintf(f, "  %-16s %-32s +%llu\n", r->c[i].scope, r->c[i].name, r->c[i].delta);
	if (r->counters_unread[0])
		fprintf(f, "  could not read: %s\n", r->counters_unread);
}
