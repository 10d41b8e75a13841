/* The flows check: conntrack entries of the asked pods (or of the whole netns), read over
 * ctnetlink, unreplied ones first, with a summary by destination ("41 flows to
 * 10.4.0.12:8080, 39 unreplied SYN_SENT") and the conntrack-unreplied finding. Memory is
 * bounded: FLOWS_KEEP entries are kept (unreplied ones preferred), every entry is counted. A
 * dump that cannot be read is an error, never "no flows". */
#ifndef NR_CHECKS_FLOWS_H
#define NR_CHECKS_FLOWS_H
#include <stdio.h>

#include "base/err.h"
#include "base/parse.h"
#include "ctnl/ctnl.h"
#include "report/findings.h"
#include "report/json.h"

/* FLOWS_KEEP: entries listed; a busy node holds 10^5 or more, an operator reads the first
 * screens (unreplied first). Everything is counted, the cut is said. */
#define FLOWS_KEEP 1024
/* FLOWS_GROUPS: destinations summarised; the rest are counted in groups_dropped. */
#define FLOWS_GROUPS 64
/* FLOWS_PODS: pods one run asks about (diagnose's DIAG_MAX_PODS). */
#define FLOWS_PODS 16
/* FLOWS_STATES: TCP_CONNTRACK_* values (NONE..SYN_SENT2) plus one slot for "no TCP state". */
#define FLOWS_STATES 11

struct flows_group {
	int pod;                          /* index into pods[], -1 without --pod-ip */
	int proto;
	struct nr_addr dst;               /* orig dst: what the client asked for */
	unsigned dport;                   /* 0 for protocols without ports */
	unsigned long long flows, unreplied, assured;
	unsigned long long unreplied_state[FLOWS_STATES];
};

struct flows_entry {
	struct ctnl_flow f;
	int pod;                          /* index into pods[], -1 without --pod-ip */
};

struct flows_report {
	int npods;
	struct nr_addr pods[FLOWS_PODS];
	int kernel_filter;                /* the kernel filtered the dumps (CTA_FILTER) */
	unsigned long long seen;          /* entries the kernel sent */
	unsigned long long total, unreplied, assured;
	unsigned long long pod_flows[FLOWS_PODS], pod_unreplied[FLOWS_PODS];
	int n;                            /* kept, sorted: unreplied first */
	unsigned long long not_kept;      /* matched but not kept (FLOWS_KEEP) */
	int cursor;                       /* next kept slot an unreplied flow may take */
	struct flows_entry flows[FLOWS_KEEP];
	int ngroups;
	unsigned long long groups_dropped;/* flows of destinations beyond FLOWS_GROUPS */
	struct flows_group groups[FLOWS_GROUPS];
	char summary[256];                /* the first line of the output */
};

/* Dumps this netns's conntrack table for pods (npods may be 0: every entry) into r and adds
 * conntrack-unreplied per asked pod whose flows sit without a reply. 0, or -1 with e filled
 * (the table could not be read: say so). */
int check_flows_run(const struct nr_addr *pods, int npods, struct flows_report *r,
		    struct findings *fs, struct nr_err *e);
/* "flows": [...] and "summary": {...} as keys of the current JSON object. */
void check_flows_json(struct jw *w, const struct flows_report *r);
/* The summary, then one line per kept flow in `conntrack -L` form. max_lines < 0: all. */
void check_flows_text(FILE *f, const struct flows_report *r, int max_lines);
/* The summary only (for diagnose's one-line mentions). */
void check_flows_summary_text(FILE *f, const struct flows_report *r);

/* Exposed for tests: adds one flow as the dump would (pod = index or -1). */
void flows_add(struct flows_report *r, const struct ctnl_flow *fl, int pod);
/* Exposed for tests: sorts kept flows and groups, writes r->summary, adds the findings. */
void flows_finish(struct flows_report *r, struct findings *fs);

#endif
