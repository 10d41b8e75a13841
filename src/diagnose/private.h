/* Private to diagnose: what the stages share. */
#ifndef NR_DIAGNOSE_PRIVATE_H
#define NR_DIAGNOSE_PRIVATE_H

#include <stdio.h>
#include <time.h>

#include "diagnose/diagnose.h"
#include "locate/locate.h"
#include "netfilter/netfilter.h"
#include "netlink/netlink.h"
#include "runtime/runtime.h"

struct diag_ctx {
	const struct diag_opts *o;
	/* One route socket and one map of namespaces and processes for every check of the run
	 * (as iproute2 passes rth): the locate context holds both; nl is &lc.nl, NULL when it could
	 * not be opened (then each check opens its own and says why it could not). */
	struct locate_ctx lc;
	int lc_ok;
	struct nr_err lc_err;        /* why lc could not be opened */
	struct nl *nl;
	struct rt rt;                /* what the runtime and kubelet know */
	int rt_ok;
	struct drops_watch *watch;   /* the --watch window, begun before the capture */
	struct findings fix_fs;      /* findings of conntrack's --fix pass: the report keeps the "before" */
	/* The netfilter stage's two counter snapshots, around the watch window (rules.c). */
	struct nf_ruleset rules_before, rules_after;
	struct timespec rules_t0;
	int rules_began;
};

/* Start of the kernel-log window in µs since the epoch (0: the whole log). */
long long diag_cutoff_us(unsigned long long since_secs);

/* Records one change --fix made, or (refused != NULL: the reason) could not make, for the
 * finding id finding (NULL: none) about subject (NULL: any of that id). */
void diag_change(struct diag_report *r, const char *finding, const char *subject, const char *refused,
		 const char *fmt, ...) __attribute__((format(printf, 5, 6)));

/* The kernel-log walk's callback (sections.c): counts the window's records, keeps those a check
 * matched. arg is the diag_report. */
struct kmsg_rec;
int diag_kmsg_rec(const struct kmsg_rec *k, void *arg);
/* After every stage (sections.c): pod-no-traffic, the not-examined list. */
void diag_after(const struct diag_opts *o, struct diag_report *r);

/* Relevance (relevance.c), after diag_after: pods named namespace/name (rt may be NULL),
 * scope, kernel-log findings weighed by age, one finding per fault, the --fix outcome on
 * each finding, asked first then worst first. */
void diag_relevance(struct diag_report *r, const struct rt *rt);
/* Its parts, for tests: w a whole word of s; the scope of f; findings sharing a cause merged
 * (worst severity kept, the others' IDs in also[]); asked first, then worst first (stable). */
int diag_has_word(const char *s, const char *w);
enum finding_scope diag_scope(const struct diag_report *r, const struct finding *f);
void diag_merge(struct findings *fs);
void diag_order(struct findings *fs);

/* Raw data and text of the checks that live in their own files (mtu, ports, stale). */
void diag_json_extra(struct jw *w, const struct diag_report *r, enum diag_check_id id);
void diag_text_extra(FILE *f, const struct diag_report *r, enum diag_check_id id);

void diag_mtu_json(struct jw *w, const struct diag_report *r);
void diag_mtu_text(FILE *f, const struct diag_report *r);

/* Stages that live in their own files. */
void diag_st_mtu(const struct diag_opts *o, struct diag_report *r, struct diag_ctx *x);
void diag_st_ports(const struct diag_opts *o, struct diag_report *r, struct diag_ctx *x);
void diag_st_stale(const struct diag_opts *o, struct diag_report *r, struct diag_ctx *x);
void diag_st_probe(const struct diag_opts *o, struct diag_report *r, struct diag_ctx *x);
void diag_probe_json(struct jw *w, const struct diag_report *r);
void diag_probe_text(FILE *f, const struct diag_report *r);
/* The drop watch (watch.c): begun before the capture, ended after it (one window for both). */
void diag_st_watch_begin(const struct diag_opts *o, struct diag_report *r, struct diag_ctx *x);
void diag_st_watch_end(const struct diag_opts *o, struct diag_report *r, struct diag_ctx *x);
void diag_watch_json(struct jw *w, const struct diag_report *r);
void diag_watch_text(FILE *f, const struct diag_report *r);
/* The netfilter stage (rules.c): DROP/REJECT rules a pod's traffic can meet, counters read before the
 * watch window (begin) and after it, policy-drop. */
void diag_st_rules_begin(const struct diag_opts *o, struct diag_report *r, struct diag_ctx *x);
void diag_st_rules(const struct diag_opts *o, struct diag_report *r, struct diag_ctx *x);
void diag_rules_json(struct jw *w, const struct diag_report *r);
void diag_rules_text(FILE *f, const struct diag_report *r);
void diag_st_flows(const struct diag_opts *o, struct diag_report *r, struct diag_ctx *x);
void diag_flows_json(struct jw *w, const struct diag_report *r);
void diag_flows_text(FILE *f, const struct diag_report *r);
void diag_st_health(const struct diag_opts *o, struct diag_report *r, struct diag_ctx *x);
void diag_health_json(struct jw *w, const struct diag_report *r);
void diag_health_text(FILE *f, const struct diag_report *r);

#endif
