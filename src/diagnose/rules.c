/* The netfilter stage: for each --pod-ip, the DROP/REJECT rules its traffic can meet (both
 * iptables backends and nf_tables), their counters read before and after the watch window,
 * and policy-drop for each one whose counters rose (a Calico policy chain, a firewall rule). */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "diagnose/private.h"
#include "netfilter/netfilter.h"

static void keep(struct diag_rules *dr, int pod, const struct nf_ruleset *rs, const struct nf_rule *r,
		 unsigned long long dp, unsigned long long db)
{
	const struct nf_chain *c = &rs->chains[r->chain];
	struct diag_rule_kept *k;
	int i;

	for (i = 0; i < dr->nkept; i++)
		if (dr->kept[i].pod == pod && dr->kept[i].position == r->position &&
		    !strcmp(dr->kept[i].chain, nf_str(rs, c->name)) && !strcmp(dr->kept[i].table, nf_str(rs, c->table)))
			return;
	if (dr->nkept >= DIAG_RULES_KEEP) {
		dr->kept_dropped++;
		return;
	}
	k = &dr->kept[dr->nkept++];
	memset(k, 0, sizeof *k);
	k->pod = pod;
	snprintf(k->backend, sizeof k->backend, "%s", nf_backend_name(r->backend));
	snprintf(k->family, sizeof k->family, "%s", nf_family_name(r->family));
	snprintf(k->table, sizeof k->table, "%s", nf_str(rs, c->table));
	snprintf(k->chain, sizeof k->chain, "%s", nf_str(rs, c->name));
	snprintf(k->comment, sizeof k->comment, "%s", nf_str(rs, r->comment));
	snprintf(k->text, sizeof k->text, "%s%s%s", nf_str(rs, r->match), r->match ? " " : "", nf_str(rs, r->tgt));
	k->position = r->position;
	k->packets = r->packets, k->bytes = r->bytes;
	k->rose_packets = dp, k->rose_bytes = db;
}

struct pod_walk {
	struct diag_rules *dr;
	int pod;
	const struct nf_ruleset *rs;
};

static int drop_rule(const struct nf_rule *r, void *arg)
{
	struct pod_walk *w = arg;

	if (r->target == NF_T_DROP || r->target == NF_T_REJECT)
		keep(w->dr, w->pod, w->rs, r, 0, 0);
	return 1;
}

struct hit_walk {
	int pod;
	struct diag_report *r;
};

static int hit(const struct nf_hit *h, void *arg)
{
	struct hit_walk *w = arg;
	const struct nf_chain *c = &h->rs->chains[h->r->chain];
	const char *cm = nf_str(h->rs, h->r->comment);
	char ip[64], subj[96];

	keep(&w->r->rules, w->pod, h->rs, h->r, h->packets, h->bytes);
	addr_str(&w->r->pods[w->pod].ip, ip, sizeof ip);
	snprintf(subj, sizeof subj, "pod %s", ip);
	findings_add(&w->r->fs, "policy-drop", SEV_FAIL, subj, NULL,
		     "%s rule %s %s/%s #%u%s%s%s dropped %llu packets (%llu bytes) during the %u s watch: %s %s",
		     nf_backend_name(h->r->backend), nf_family_name(h->r->family), nf_str(h->rs, c->table),
		     nf_str(h->rs, c->name), h->r->position, *cm ? " (\"" : "", cm, *cm ? "\")" : "",
		     (unsigned long long)h->packets, (unsigned long long)h->bytes, w->r->rules.window,
		     nf_str(h->rs, h->r->match), nf_str(h->rs, h->r->tgt));
	return 1;
}

/* Waits ms in short steps so that SIGINT ends it early. */
static void wait_window(const struct diag_opts *o, long long ms)
{
	struct timespec ts = { 0, 100 * 1000 * 1000 };
	long long i;

	for (i = 0; i < (ms + 99) / 100 && !(o->stop && *o->stop); i++)
		nanosleep(&ts, NULL);
}

/* Before the window (the drop watch, the capture and the probes run inside it): the first
 * snapshot of every counter. */
void diag_st_rules_begin(const struct diag_opts *o, struct diag_report *r, struct diag_ctx *x)
{
	struct diag_check *c = &r->checks[DC_RULES];
	struct nr_err e;

	if (!o->npods) {
		c->status = DIAG_SKIPPED;
		snprintf(c->detail, sizeof c->detail, "no --pod-ip given");
		return;
	}
	r->rules.window = o->watch_secs ? o->watch_secs : 3;
	if (nf_snapshot(&x->rules_before, &e) < 0) {
		c->status = DIAG_ERROR;
		nr_err_text(&e, c->detail, sizeof c->detail);
		return;
	}
	clock_gettime(CLOCK_MONOTONIC, &x->rules_t0);
	x->rules_began = 1;
}

/* After the window: waits what is left of it (when the drop watch could not run, it is ours
 * alone), then the second snapshot and the deltas. */
void diag_st_rules(const struct diag_opts *o, struct diag_report *r, struct diag_ctx *x)
{
	struct diag_check *c = &r->checks[DC_RULES];
	struct nf_ruleset *before = &x->rules_before, *after = &x->rules_after;
	struct timespec now;
	struct nr_err e;
	long long left_ms;
	int i;

	if (!x->rules_began)
		return;
	x->rules_began = 0;
	clock_gettime(CLOCK_MONOTONIC, &now);
	left_ms = (long long)r->rules.window * 1000 - ((now.tv_sec - x->rules_t0.tv_sec) * 1000LL +
						       (now.tv_nsec - x->rules_t0.tv_nsec) / 1000000);
	if (left_ms > 0)
		wait_window(o, left_ms);
	if (nf_snapshot(after, &e) < 0) {
		c->status = DIAG_ERROR;
		nr_err_text(&e, c->detail, sizeof c->detail);
		nf_free(before);
		return;
	}
	r->rules.watched = 1;
	for (i = 0; i < o->npods && i < r->npods; i++) {
		struct nf_traffic t = { o->pods[i], 0, NULL };
		struct pod_walk pw = { &r->rules, i, after };
		struct hit_walk hw = { i, r };

		nf_delta(before, after, &t, hit, &hw);
		nf_walk_traffic(after, &t, drop_rule, &pw);
	}
	c->status = DIAG_OK;
	if (after->truncated || after->unread[0]) {
		c->status = DIAG_PARTIAL;
		snprintf(c->detail, sizeof c->detail, "%.150s%s%.200s", after->truncated ? after->trunc_why : "",
			 after->truncated && after->unread[0] ? "; " : "", after->unread[0] ? after->unread : "");
	}
	nf_free(before);
	nf_free(after);
}

void diag_rules_json(struct jw *w, const struct diag_report *r)
{
	char ip[64];
	int i;

	const struct diag_rules *dr = &r->rules;

	if (!dr->watched)
		return;
	jw_kuint(w, "watch_seconds", dr->window);
	jw_key(w, "drop_rules");
	jw_arr(w);
	for (i = 0; i < dr->nkept; i++) {
		const struct diag_rule_kept *k = &dr->kept[i];

		jw_obj(w);
		jw_kstr(w, "pod_ip", addr_str(&r->pods[k->pod].ip, ip, sizeof ip));
		jw_kstr(w, "backend", k->backend);
		jw_kstr(w, "family", k->family);
		jw_kstr(w, "table", k->table);
		jw_kstr(w, "chain", k->chain);
		jw_kuint(w, "position", k->position);
		jw_kstr(w, "rule", k->text);
		k->comment[0] ? jw_kstr(w, "comment", k->comment) : jw_knull(w, "comment");
		jw_kuint(w, "packets", k->packets);
		jw_kuint(w, "bytes", k->bytes);
		jw_kuint(w, "packets_during_watch", k->rose_packets);
		jw_obj_end(w);
	}
	jw_arr_end(w);
	jw_kuint(w, "drop_rules_not_listed", (unsigned)dr->kept_dropped);
}

void diag_rules_text(FILE *f, const struct diag_report *r)
{
	char ip[64];
	int i;

	const struct diag_rules *dr = &r->rules;

	if (!dr->watched)
		return;
	fprintf(f, "DROP/REJECT rules the pods' traffic can meet (counters over a %u s watch):%s\n", dr->window,
		dr->nkept ? "" : " none");
	for (i = 0; i < dr->nkept; i++) {
		const struct diag_rule_kept *k = &dr->kept[i];

		fprintf(f, "  %-15s %s %s %s/%s #%u [%llu:%llu] +%llu  %s\n", addr_str(&r->pods[k->pod].ip, ip, sizeof ip),
			k->backend, k->family, k->table, k->chain, k->position, k->packets, k->bytes,
			k->rose_packets, k->text);
	}
	if (dr->kept_dropped)
		fprintf(f, "  (%d more not listed)\n", dr->kept_dropped);
}
