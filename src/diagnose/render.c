/* The report, as JSON (the contract's document) and as text (an expert's note: verdict first,
 * then what is wrong with the evidence and the fix, then what could not be checked, then the
 * data each check saw). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "capture/capture.h"
#include "checks/bridge.h"
#include "checks/conntrack.h"
#include "checks/links.h"
#include "checks/neigh_overflow.h"
#include "diagnose/diagnose.h"
#include "diagnose/private.h"
#include "kmsg/kmsg.h"
#include "kmsg/match.h"
#include "locate/locate.h"
#include "report/escape.h"
#include "report/table.h"

static const char *const check_names[DC_N] = {
	"node", "links", "bridges", "pods", "mtu", "conntrack", "flows", "kmsg", "neighbours", "ports", "stale", "runtime",
	"rules", "watch", "capture", "probe",
};

const char *diag_check_name(enum diag_check_id id)
{
	return id < DC_N ? check_names[id] : "?";
}

const char *diag_status_name(enum diag_status s)
{
	static const char *const n[] = { "not-run", "ok", "partial", "error", "skipped" };

	return (unsigned)s < sizeof n / sizeof n[0] ? n[s] : "?";
}

static const char *verdict(const struct diag_report *r)
{
	enum sev w = findings_worst(&r->fs);

	if (r->fs.n && w == SEV_FAIL)
		return "fail";
	return r->fs.n && w == SEV_WARN ? "warn" : "ok";
}

static void utc(long long t, char *buf, size_t cap)
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (!gmtime_r(&tt, &tm) || !strftime(buf, cap, "%Y-%m-%dT%H:%M:%SZ", &tm))
		snprintf(buf, cap, "%lld", t);
}

/* --- JSON -------------------------------------------------------------------------------- */

static void json_node(struct jw *w, const struct diag_report *r)
{
	char *p, caps[sizeof r->caps_missing];

	jw_key(w, "node");
	jw_obj(w);
	jw_kstr(w, "hostname", r->hostname);
	jw_kstr(w, "kernel", r->kernel);
	jw_kstr(w, "cni", r->cni);
	jw_kstr(w, "cni_evidence", r->cni_why[0] ? r->cni_why : NULL);
	jw_kstr(w, "uplink", r->uplink[0] ? r->uplink : NULL);
	if (r->uplink_mtu)
		jw_kuint(w, "uplink_mtu", r->uplink_mtu);
	else
		jw_knull(w, "uplink_mtu");
	jw_kint(w, "uid", r->uid);
	jw_key(w, "capabilities_missing");
	jw_arr(w);
	memcpy(caps, r->caps_missing, sizeof caps);
	for (p = strtok(caps, ","); p; p = strtok(NULL, ","))
		jw_str(w, p);
	jw_arr_end(w);
	jw_kstr(w, "runtime_state", r->runtime_sources[0] ? r->runtime_sources : NULL);
	jw_obj_end(w);
}

static void json_pod(struct jw *w, const struct diag_pod *p)
{
	char ip[46];
	int i;

	jw_obj(w);
	jw_kstr(w, "status", diag_status_name(p->status));
	if (p->status != DIAG_OK) {
		jw_kstr(w, "ip", addr_str(&p->ip, ip, sizeof ip));
		jw_kstr(w, "error", p->detail);
		jw_obj_end(w);
		return;
	}
	locate_json(w, &p->loc);
	jw_kstr(w, "pod", p->name[0] ? p->name : NULL);
	if (p->host_mtu)
		jw_kuint(w, "host_mtu", p->host_mtu);
	else
		jw_knull(w, "host_mtu");
	jw_key(w, "neighbours");
	jw_arr(w);
	for (i = 0; i < p->nneigh; i++) {
		jw_obj(w);
		jw_kstr(w, "ip", p->neigh[i].ip);
		jw_kstr(w, "mac", p->neigh[i].mac[0] ? p->neigh[i].mac : NULL);
		jw_kstr(w, "dev", p->neigh[i].dev);
		jw_kstr(w, "state", p->neigh[i].state);
		jw_obj_end(w);
	}
	jw_arr_end(w);
	jw_obj_end(w);
}

static void json_kmsg(struct jw *w, const struct diag_report *r)
{
	char t[32];
	int i;

	jw_kstr(w, "source", r->kmsg_source);
	if (r->since_secs)
		jw_kuint(w, "since_seconds", r->since_secs);
	else
		jw_knull(w, "since_seconds");
	jw_kuint(w, "records", r->kmsg_records);
	jw_kuint(w, "warnings", r->kmsg_warnings);
	jw_kuint(w, "conntrack_table_full", r->kmsg_conntrack_full);
	jw_kuint(w, "neighbour_table_overflow", r->kmsg_neigh_overflow);
	jw_kuint(w, "matched", r->kmsg_matched);
	jw_kuint(w, "unmatched", r->kmsg_unmatched);
	jw_kuint(w, "unmatched_warnings", r->kmsg_unmatched_warnings);
	jw_kuint(w, "matched_not_listed", r->kmsg_dropped);
	jw_kstr(w, "unmatched_in", r->bundle[0] ? "views/kmsg.txt" : NULL);
	if (r->neigh_ok) { /* also under checks.neighbours, its own section */
		jw_key(w, "neighbour_table");
		jw_obj(w);
		check_neigh_overflow_json(w, &r->neigh);
		jw_obj_end(w);
	}
	/* Only the records a check matched; the whole window is the bundle's views/kmsg.txt. */
	jw_key(w, "lines");
	jw_arr(w);
	for (i = 0; i < r->nkmsg; i++) {
		const struct diag_kmsg_line *l = &r->kmsg[i];

		jw_obj(w);
		if (l->wall_us) {
			jw_kstr(w, "time", kmsg_time_str(l->wall_us, t, sizeof t));
			jw_kint(w, "age_seconds", l->wall_us / 1000000 <= r->started ? r->started - l->wall_us / 1000000 : 0);
			jw_kstr(w, "first", kmsg_time_str(l->first_us, t, sizeof t));
		} else {
			jw_knull(w, "time");
			jw_knull(w, "age_seconds");
			jw_knull(w, "first");
		}
		jw_kint(w, "level", l->level);
		jw_kstr(w, "text", l->text);
		jw_kuint(w, "count", l->count);
		jw_kstr(w, "match", l->kind ? l->kind->kind : NULL);
		jw_kstr(w, "check", l->kind ? l->kind->check : NULL);
		jw_obj_end(w);
	}
	jw_arr_end(w);
}

/* The capture's result with each file named where it really is (diag_capture_name). */
static void capture_json_named(struct jw *w, const struct diag_report *r, const struct capture_result *c)
{
	struct capture_result *named = malloc(sizeof *named); /* ~70 KiB of paths */
	char buf[CAPTURE_PATH_MAX];
	int i;

	if (!named) {
		capture_json(w, c);
		return;
	}
	*named = *c;
	for (i = 0; i < named->nfiles; i++)
		snprintf(named->files[i], sizeof named->files[i], "%s",
			 diag_capture_name(r, c->files[i], buf, sizeof buf));
	capture_json(w, named);
	free(named);
}

static void json_capture(struct jw *w, const struct diag_report *r)
{
	char ip[46];
	int i;

	jw_kstr(w, "directory", r->capture_dir[0] && !r->capture_dir_tmp ? r->capture_dir : NULL);
	jw_kstr(w, "directory_why", r->capture_dir_why[0] ? r->capture_dir_why : NULL);
	jw_kstr(w, "bundle", r->bundle[0] ? r->bundle : NULL);
	jw_key(w, "captures");
	jw_arr(w);
	for (i = 0; i < r->npods; i++) {
		const struct diag_pod *p = &r->pods[i];
		if (p->cap_status == DIAG_NOT_RUN)
			continue;
		jw_obj(w);
		jw_kstr(w, "pod_ip", addr_str(&p->ip, ip, sizeof ip));
		jw_kstr(w, "status", diag_status_name(p->cap_status));
		jw_kstr(w, "filter", p->cap_filter[0] ? p->cap_filter : NULL);
		if (p->cap_status == DIAG_OK)
			capture_json_named(w, r, &p->cap);
		else
			jw_kstr(w, "error", p->cap_detail);
		jw_obj_end(w);
	}
	jw_arr_end(w);
}

/* Each check's raw data, keyed by the check's name. */
static void json_check_data(struct jw *w, const struct diag_report *r, enum diag_check_id id)
{
	int i;

	switch (id) {
	case DC_LINKS:
		links_json(w, &r->links);
		break;
	case DC_BRIDGES:
		check_bridge_json(w, &r->bridges);
		break;
	case DC_PODS:
		jw_key(w, "pods");
		jw_arr(w);
		for (i = 0; i < r->npods; i++)
			json_pod(w, &r->pods[i]);
		jw_arr_end(w);
		break;
	case DC_CONNTRACK:
		check_conntrack_json(w, &r->ct);
		break;
	case DC_KMSG:
		json_kmsg(w, r);
		break;
	case DC_NEIGH:
		if (r->neigh_ok)
			check_neigh_overflow_json(w, &r->neigh);
		break;
	case DC_FLOWS:
		diag_flows_json(w, r);
		break;
	case DC_RUNTIME:
		diag_health_json(w, r);
		break;
	case DC_CAPTURE:
		json_capture(w, r);
		break;
	case DC_PROBE:
		diag_probe_json(w, r);
		break;
	case DC_RULES:
		diag_rules_json(w, r);
		break;
	default:
		diag_json_extra(w, r, id);
		break;
	}
}

static void json_checks(struct jw *w, const struct diag_report *r)
{
	int i;

	jw_key(w, "checks");
	jw_obj(w);
	for (i = 0; i < DC_N; i++) {
		const struct diag_check *c = &r->checks[i];
		jw_key(w, check_names[i]);
		jw_obj(w);
		jw_kstr(w, "status", diag_status_name(c->status));
		jw_kstr(w, "detail", c->detail[0] ? c->detail : NULL);
		jw_kint(w, "ms", (long long)(c->ms + 0.5));
		if (c->status == DIAG_OK || c->status == DIAG_PARTIAL || i == DC_CAPTURE)
			json_check_data(w, r, (enum diag_check_id)i);
		jw_obj_end(w);
	}
	jw_obj_end(w);
}

/* "fixes": each --fix action, done or refused, with the finding it was for. */
static void json_fixes(struct jw *w, const struct diag_report *r)
{
	int i;

	jw_key(w, "fixes");
	jw_arr(w);
	for (i = 0; i < r->nchanges; i++) {
		const struct diag_fixrec *x = &r->fixrec[i];

		jw_obj(w);
		jw_kstr(w, "result", x->refused ? "refused" : "changed");
		jw_kstr(w, "action", x->what);
		jw_kstr(w, "finding", x->finding[0] ? x->finding : NULL);
		jw_kstr(w, "subject", x->subject[0] ? x->subject : NULL);
		jw_kstr(w, "why", x->refused ? x->why : NULL);
		jw_obj_end(w);
	}
	jw_arr_end(w);
}

void diag_json(struct jw *w, const struct diag_report *r)
{
	char t[32];
	int i;

	json_node(w, r);
	utc(r->started, t, sizeof t);
	jw_kstr(w, "started", t);
	jw_kstr(w, "verdict", verdict(r));
	jw_key(w, "summary");
	jw_obj(w);
	jw_kint(w, "fail", findings_count(&r->fs, SEV_FAIL));
	jw_kint(w, "warn", findings_count(&r->fs, SEV_WARN));
	jw_kint(w, "info", findings_count(&r->fs, SEV_INFO));
	jw_obj_end(w);
	findings_json(w, &r->fs);
	jw_key(w, "could_not_check");
	jw_arr(w);
	for (i = 0; i < DC_N; i++) {
		const struct diag_check *c = &r->checks[i];
		if (c->status != DIAG_ERROR && c->status != DIAG_PARTIAL)
			continue;
		jw_obj(w);
		jw_kstr(w, "check", check_names[i]);
		jw_kstr(w, "status", diag_status_name(c->status));
		jw_kstr(w, "detail", c->detail);
		jw_obj_end(w);
	}
	jw_arr_end(w);
	jw_key(w, "not_examined");
	jw_arr(w);
	for (i = 0; i < r->nnotex; i++) {
		jw_obj(w);
		jw_kstr(w, "what", r->notex[i].what);
		jw_kstr(w, "why", r->notex[i].why);
		jw_obj_end(w);
	}
	jw_arr_end(w);
	jw_kbool(w, "fix", r->fix);
	jw_key(w, "changes");
	jw_arr(w);
	for (i = 0; i < r->nchanges; i++)
		jw_str(w, r->changes[i]);
	jw_arr_end(w);
	json_fixes(w, r);
	jw_key(w, "ports");
	jw_arr(w);
	for (i = 0; i < r->nports; i++)
		jw_uint(w, r->ports[i]);
	jw_arr_end(w);
	json_checks(w, r);
	jw_key(w, "seconds");
	jw_double(w, r->seconds);
}

/* --- text -------------------------------------------------------------------------------- */

static void text_header(FILE *f, const struct diag_report *r)
{
	char t[32];
	int nf = findings_count(&r->fs, SEV_FAIL), nw = findings_count(&r->fs, SEV_WARN), i, ran = 0;

	for (i = 0; i < DC_N; i++)
		ran += r->checks[i].status == DIAG_OK || r->checks[i].status == DIAG_PARTIAL;
	utc(r->started, t, sizeof t);
	fprintf(f, "node %s, kernel %s, CNI %s, uplink %s", r->hostname, r->kernel, r->cni,
		r->uplink[0] ? r->uplink : "unknown");
	if (r->uplink_mtu)
		fprintf(f, " (MTU %u)", r->uplink_mtu);
	fprintf(f, ", %s\n", t);
	if (!strcmp(verdict(r), "fail"))
		fprintf(f, "verdict: FAIL: %d problem%s", nf, nf == 1 ? "" : "s");
	else if (nw)
		fprintf(f, "verdict: WARN: no failure, %d warning%s", nw, nw == 1 ? "" : "s");
	else if (r->nnotex)
		fprintf(f, "verdict: OK: nothing wrong found in what was examined (%d things were not: see \"not examined\")",
			r->nnotex);
	else
		fprintf(f, "verdict: OK: nothing wrong found");
	if (nf && nw)
		fprintf(f, " and %d warning%s", nw, nw == 1 ? "" : "s");
	fprintf(f, " (%d checks ran in %.2f s)\n", ran, r->seconds);
	if (r->caps_missing[0])
		fprintf(f, "running as uid %d without %s: some checks saw less (see below)\n", r->uid, r->caps_missing);
}

static void text_checks(FILE *f, const struct diag_report *r)
{
	static const char *const h[] = { "CHECK", "STATUS", "MS", "DETAIL" };
	char ms[32];
	struct tbl t;
	int i;

	fputs("\nchecks:\n", f);
	tbl_init(&t, 4, h);
	for (i = 0; i < DC_N; i++) {
		const struct diag_check *c = &r->checks[i];
		const char *row[4];
		snprintf(ms, sizeof ms, "%.0f", c->ms);
		row[0] = check_names[i];
		row[1] = diag_status_name(c->status);
		row[2] = ms;
		row[3] = c->detail[0] ? c->detail : "";
		tbl_add(&t, row);
	}
	tbl_print(&t, f);
}

/* One line per asked pod, `ip -br` style; pods that could not be located say why below. */
static void text_pods(FILE *f, const struct diag_report *r)
{
	static const char *const h[] = { "IP", "HOST_IF", "STATE", "MTU", "WIRING", "NETNS", "PIDS",
		"POD", "NEIGHBOUR" };
	char ip[46], mtu[16], ns[32], pids[16], nb[96];
	struct tbl t;
	int i;

	tbl_init(&t, 9, h);
	for (i = 0; i < r->npods; i++) {
		const struct diag_pod *p = &r->pods[i];
		const struct locate_report *l = &p->loc;
		const char *row[9];
		if (p->status != DIAG_OK)
			continue;
		snprintf(mtu, sizeof mtu, "%u", p->host_mtu);
		snprintf(ns, sizeof ns, "%llu", l->netns);
		snprintf(pids, sizeof pids, "%d", l->npids);
		if (p->nneigh)
			snprintf(nb, sizeof nb, "%s %s", p->neigh[0].mac[0] ? p->neigh[0].mac : "-",
				 p->neigh[0].state ? p->neigh[0].state : "-");
		else
			snprintf(nb, sizeof nb, "none");
		row[0] = addr_str(&p->ip, ip, sizeof ip);
		row[1] = l->host_if[0] ? l->host_if : NULL;
		row[2] = !l->ifindex ? NULL : (l->host_flags & 1) ? "UP" : "DOWN"; /* IFF_UP */
		row[3] = p->host_mtu ? mtu : NULL;
		row[4] = locate_wiring_name(l->wiring);
		row[5] = l->netns ? ns : NULL;
		row[6] = pids;
		row[7] = p->name[0] ? p->name : l->pod_uid[0] ? l->pod_uid : NULL; /* namespace/name; UID in JSON */
		row[8] = nb;
		tbl_add(&t, row);
	}
	if (t.nrows > 1)
		tbl_print(&t, f);
	else
		tbl_free(&t);
	for (i = 0; i < r->npods; i++)
		if (r->pods[i].status != DIAG_OK)
			fprintf(f, "%s  could not be located: %s\n", addr_str(&r->pods[i].ip, ip, sizeof ip),
				r->pods[i].detail);
}

/* DIAG_KMSG_TEXT: matched kernel-log lines the text report lists (the newest); JSON has all
 * that were kept. */
#define DIAG_KMSG_TEXT 20

static void text_kmsg(FILE *f, const struct diag_report *r)
{
	char age[32], first[32], span[32], line[sizeof r->kmsg[0].text * 4];
	long long now = r->started * 1000000LL;
	int i;

	if (r->since_secs)
		fprintf(f, "last %s (%s): %llu records, %llu matched a check%s\n", kmsg_span_str(r->since_secs, span, sizeof span),
			r->kmsg_source ? r->kmsg_source : "?", r->kmsg_records, r->kmsg_matched, r->kmsg_matched ? ":" : "");
	else
		fprintf(f, "whole log (%s): %llu records, %llu matched a check%s\n", r->kmsg_source ? r->kmsg_source : "?",
			r->kmsg_records, r->kmsg_matched, r->kmsg_matched ? ":" : "");
	if (r->kmsg_dropped)
		fprintf(f, "  (%llu older matched records not kept: %s)\n", r->kmsg_dropped,
			r->bundle[0] ? "in the bundle's views/kmsg.txt" : "use `netrescue kmsg`");
	if (r->nkmsg > DIAG_KMSG_TEXT)
		fprintf(f, "  (%d older matched lines not listed here: in --json)\n", r->nkmsg - DIAG_KMSG_TEXT);
	for (i = r->nkmsg > DIAG_KMSG_TEXT ? r->nkmsg - DIAG_KMSG_TEXT : 0; i < r->nkmsg; i++) {
		const struct diag_kmsg_line *l = &r->kmsg[i];

		esc_text(line, sizeof line, l->text, strlen(l->text));
		if (!l->wall_us)
			snprintf(age, sizeof age, "-");
		else
			kmsg_age_str(l->wall_us, now, age, sizeof age);
		fprintf(f, "  %-12s %-11s %s", age, l->kind ? l->kind->check : "?", line);
		if (l->count > 1)
			fprintf(f, "  (x%llu since %s)", l->count,
				l->first_us ? kmsg_age_str(l->first_us, now, first, sizeof first) : "-");
		fputc('\n', f);
	}
	if (r->kmsg_unmatched)
		fprintf(f, "%llu other record%s in the window (%llu warnings or worse), unrelated to any check: %s\n",
			r->kmsg_unmatched, r->kmsg_unmatched == 1 ? "" : "s", r->kmsg_unmatched_warnings,
			r->bundle[0] ? "in the bundle's views/kmsg.txt" : "use `netrescue kmsg`");
}

static const char *pod_subject(const struct diag_pod *p, char *buf, size_t cap)
{
	char ip[46];

	snprintf(buf, cap, "pod %s", addr_str(&p->ip, ip, sizeof ip));
	return buf;
}

static void text_capture(FILE *f, const struct diag_report *r)
{
	char subj[64], ip[46], name[CAPTURE_PATH_MAX + 8], base[CAPTURE_PATH_MAX + 8];
	int i, j;

	if (r->bundle[0] && r->capture_dir_tmp)
		fprintf(f, "files are inside the bundle %s under capture/ (tar -xzf %s capture/)\n", r->bundle, r->bundle);
	else if (r->capture_dir[0])
		fprintf(f, "files in %s: %s\n", r->capture_dir, r->capture_dir_why[0] ? r->capture_dir_why : "--capture-dir");
	for (i = 0; i < r->npods; i++) {
		const struct diag_pod *p = &r->pods[i];
		if (p->cap_status == DIAG_NOT_RUN)
			continue;
		fprintf(f, "%s  ", addr_str(&p->ip, ip, sizeof ip));
		if (p->cap_status != DIAG_OK) {
			fprintf(f, "%s\n", p->cap_detail);
			continue;
		}
		fprintf(f, "%s  '%s'  %llu packets, %llu dropped, stopped: %s\n", p->cap.interface, p->cap_filter,
			p->cap.packets_captured, p->cap.packets_dropped,
			capture_stop_name(p->cap.stop));
		if (!p->cap.packets_captured && !findings_has(&r->fs, "pod-no-traffic", pod_subject(p, subj, sizeof subj)))
			fputs("  0 packets, and no packet aimed at the pod was seen dropped in the window either: "
			      "nothing was sent to it, or it was lost before the node\n", f);
		for (j = 0; j < p->cap.nfiles; j++) {
			const char *b = strrchr(p->cap.files[j], '/');

			fprintf(f, "  file %s", diag_capture_name(r, p->cap.files[j], name, sizeof name));
			if (r->bundle[0] && !r->capture_dir_tmp) {
				snprintf(base, sizeof base, "%s", b ? b + 1 : p->cap.files[j]);
				fprintf(f, " (also in the bundle as capture/%s)", base);
			}
			fputc('\n', f);
		}
	}
}

/* The bridges as the bridge check shows them, less its own "--fix" lines: diagnose says what
 * --fix did in one place ("changes (--fix)"). */
static void text_bridges(FILE *f, const struct diag_report *r)
{
	struct bridge_report *b = malloc(sizeof *b);
	int i;

	if (!b) {
		check_bridge_text(f, &r->bridges);
		return;
	}
	*b = r->bridges;
	b->fix = 0;
	for (i = 0; i < b->nbr; i++)
		b->br[i].fixed = 0;
	check_bridge_text(f, b);
	free(b);
}

static void text_section(FILE *f, const struct diag_report *r, enum diag_check_id id)
{
	const struct diag_check *c = &r->checks[id];

	if (c->status != DIAG_OK && c->status != DIAG_PARTIAL)
		return;
	fprintf(f, "\n== %s ==\n", check_names[id]);
	switch (id) {
	case DC_LINKS:
		links_text(f, &r->links);
		break;
	case DC_BRIDGES:
		text_bridges(f, r);
		break;
	case DC_PODS:
		text_pods(f, r);
		break;
	case DC_CONNTRACK:
		check_conntrack_text(f, &r->ct);
		break;
	case DC_KMSG:
		text_kmsg(f, r);
		break;
	case DC_NEIGH:
		if (r->neigh_ok)
			check_neigh_overflow_text(f, &r->neigh);
		break;
	case DC_FLOWS:
		diag_flows_text(f, r);
		break;
	case DC_RUNTIME:
		diag_health_text(f, r);
		break;
	case DC_CAPTURE:
		text_capture(f, r);
		break;
	case DC_PROBE:
		diag_probe_text(f, r);
		break;
	case DC_RULES:
		diag_rules_text(f, r);
		break;
	default:
		diag_text_extra(f, r, id);
		break;
	}
}

/* The findings in the order a person reads them: about what was asked first (--pod-ip,
 * --port), then the rest of the node, worst first in each; one plain list when nothing was
 * asked. A fix --fix tried and was refused is not proposed again (finding_text). */
static void text_findings(FILE *f, const struct diag_report *r)
{
	long long now = r->started * 1000000LL;
	int i, asked = 0, node = 0;

	for (i = 0; i < r->fs.n; i++) {
		asked += r->fs.f[i].scope == FS_ASKED;
		node += r->fs.f[i].scope != FS_ASKED;
	}
	if (!r->npods && !r->nports) {
		fputs("\nfindings, worst first:\n", f);
		findings_text(f, &r->fs);
		return;
	}
	if (asked) {
		fputs("\nfindings about what was asked (--pod-ip, --port), worst first:\n", f);
		for (i = 0; i < r->fs.n; i++)
			if (r->fs.f[i].scope == FS_ASKED)
				finding_text(f, &r->fs.f[i], now);
	} else {
		fputs("\nfindings about what was asked (--pod-ip, --port): none\n", f);
	}
	if (node) {
		fputs("\nfindings elsewhere on the node, worst first:\n", f);
		for (i = 0; i < r->fs.n; i++)
			if (r->fs.f[i].scope != FS_ASKED)
				finding_text(f, &r->fs.f[i], now);
	}
	if (r->fs.dropped)
		fprintf(f, "(%d more findings not shown)\n", r->fs.dropped);
}

/* One section for --fix: what changed, what was refused and why. */
static void text_changes(FILE *f, const struct diag_report *r)
{
	int i;

	fputs("\nchanges (--fix):\n", f);
	for (i = 0; i < r->nchanges; i++) {
		const struct diag_fixrec *x = &r->fixrec[i];

		if (x->refused)
			fprintf(f, "  refused  %s%s%s%s: %s\n", x->what, x->finding[0] ? " [for " : "", x->finding,
				x->finding[0] ? "]" : "", x->why);
		else
			fprintf(f, "  changed  %s%s%s%s\n", x->what, x->finding[0] ? " [for " : "", x->finding,
				x->finding[0] ? "]" : "");
	}
	if (!r->nchanges)
		fputs("  none: no finding of this run has a fix --fix applies (it sets pod bridges up and "
		      "raises nf_conntrack_max)\n", f);
}

static void text_not_examined(FILE *f, const struct diag_report *r)
{
	int i;

	if (!r->nnotex)
		return;
	fputs("\nnot examined (no finding above speaks for these):\n", f);
	for (i = 0; i < r->nnotex; i++)
		fprintf(f, "  - %s: %s\n", r->notex[i].what, r->notex[i].why);
}

void diag_text(FILE *f, const struct diag_report *r)
{
	int i;

	text_header(f, r);
	if (r->fs.n)
		text_findings(f, r);
	if (r->fix)
		text_changes(f, r);
	text_not_examined(f, r);
	text_checks(f, r);
	for (i = DC_LINKS; i < DC_N; i++)
		text_section(f, r, (enum diag_check_id)i);
}

/* One line a fleet run sorts (kubectl logs ... | sort -k2): node, verdict, counts, the worst
 * finding. Tabs separate the fields; the finding's message is cut to keep it one short line. */
void diag_summary_line(FILE *f, const struct diag_report *r)
{
	const struct finding *top = NULL;
	int i, nc = 0;

	for (i = 0; i < r->fs.n; i++)
		if (!top || r->fs.f[i].sev > top->sev)
			top = &r->fs.f[i];
	for (i = 0; i < DC_N; i++)
		nc += r->checks[i].status == DIAG_ERROR || r->checks[i].status == DIAG_PARTIAL;
	fprintf(f, "%s\t%s\t%d fail, %d warn, %d check%s incomplete\t", r->hostname[0] ? r->hostname : "-",
		verdict(r), findings_count(&r->fs, SEV_FAIL), findings_count(&r->fs, SEV_WARN), nc, nc == 1 ? "" : "s");
	if (top && top->sev > SEV_INFO)
		fprintf(f, "%s %s: %.100s\n", top->id, top->subject, top->message);
	else
		fprintf(f, "-\n");
}

void diag_summary_json(struct jw *w, const struct diag_report *r)
{
	const struct finding *top = NULL;
	int i;

	for (i = 0; i < r->fs.n; i++)
		if (!top || r->fs.f[i].sev > top->sev)
			top = &r->fs.f[i];
	jw_kstr(w, "node", r->hostname);
	jw_kstr(w, "verdict", verdict(r));
	jw_kint(w, "fail", findings_count(&r->fs, SEV_FAIL));
	jw_kint(w, "warn", findings_count(&r->fs, SEV_WARN));
	jw_key(w, "top");
	if (top && top->sev > SEV_INFO) {
		jw_obj(w);
		jw_kstr(w, "id", top->id);
		jw_kstr(w, "severity", sev_name(top->sev));
		jw_kstr(w, "subject", top->subject);
		jw_kstr(w, "message", top->message);
		jw_obj_end(w);
	} else {
		jw_null(w);
	}
}
