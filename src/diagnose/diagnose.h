/* diagnose: the whole investigation in one pass. Runs every check of the other modules (node
 * facts and CNI; links and bridges; each asked pod located with its interfaces, MTU and
 * neighbours; MTU; conntrack; kernel log; stale listeners and port holders; a short capture),
 * keeps each one's raw data, its findings and, when it could not run, the reason, so that one
 * check failing never loses the others. The report (one caller-owned struct, allocated once:
 * it is large) is then written as JSON, as text, and into a bundle. Nothing here prints. */
#ifndef NR_DIAGNOSE_DIAGNOSE_H
#define NR_DIAGNOSE_DIAGNOSE_H
#include <signal.h>
#include <stdio.h>

#include "base/err.h"
#include "base/parse.h"
#include "bundle/bundle.h"
#include "capture/capture.h"
#include "checks/bridge.h"
#include "checks/conntrack.h"
#include "checks/flows.h"
#include "checks/health.h"
#include "checks/links.h"
#include "checks/mtu.h"
#include "checks/neigh_overflow.h"
#include "checks/port.h"
#include "drops/drops.h"
#include "kmsg/match.h"
#include "locate/locate.h"
#include "probe/probe.h"
#include "report/findings.h"
#include "report/json.h"

/* DIAG_MAX_PODS / DIAG_MAX_PORTS: an investigation names a few pods and ports; more is a
 * usage error rather than a silently cut report. */
#define DIAG_MAX_PODS 16
#define DIAG_MAX_PORTS 16
/* DIAG_MAX_PROBES: --probe targets; each is probed from every asked pod. */
#define DIAG_MAX_PROBES 8
/* DIAG_TEXT: an error or note line (nr_err_text output fits NR_ERR_CTX + the message). */
#define DIAG_TEXT 384
/* DIAG_NEIGH_MAX: neighbour entries kept per pod (IPv4 + IPv6 on a few devices). */
#define DIAG_NEIGH_MAX 8
/* DIAG_CHANGES_MAX: --fix changes reported (bridges + conntrack). */
#define DIAG_CHANGES_MAX 32
/* DIAG_KMSG_KEEP: kernel-log lines a check matched kept for the report (the newest; repeats
 * of one text fold into one line); the bundle view keeps the whole window. */
#define DIAG_KMSG_KEEP 50
/* DIAG_NOTEX_MAX: "not examined" entries (one per skipped or failed check, plus what lies
 * outside the node). */
#define DIAG_NOTEX_MAX 32

/* The checks, in the order they run and appear under "checks". */
enum diag_check_id {
	DC_NODE, DC_LINKS, DC_BRIDGES, DC_PODS, DC_MTU, DC_CONNTRACK, DC_FLOWS, DC_KMSG, DC_NEIGH, DC_PORTS,
	DC_STALE, DC_RUNTIME, DC_RULES, DC_WATCH, DC_CAPTURE, DC_PROBE, DC_N
};

enum diag_status {
	DIAG_NOT_RUN = 0, /* not reached */
	DIAG_OK,          /* ran (its data is in the report) */
	DIAG_PARTIAL,     /* ran, but saw less than all (detail says what it could not see) */
	DIAG_ERROR,       /* could not run: detail is the error text */
	DIAG_SKIPPED,     /* not asked for (no --capture, no --port) */
};

struct diag_check {
	enum diag_status status;
	char detail[DIAG_TEXT];
	double ms;        /* wall time it took */
};

struct diag_opts {
	const char *host_root;            /* --host-root ("/") */
	int npods;
	struct nr_addr pods[DIAG_MAX_PODS];
	int nports;
	unsigned ports[DIAG_MAX_PORTS];
	unsigned capture_secs;            /* 0: no capture */
	unsigned watch_secs;              /* drop watch window (--watch); 0: none */
	const char *capture_dir;          /* where capture files go (must exist) */
	const char *capture_dir_why;      /* why that directory (the report says it) */
	unsigned long long since_secs;    /* kernel-log window; 0: the whole log */
	int fix;
	volatile sig_atomic_t *stop;      /* set by SIGINT/SIGTERM: captures end early */
	int nprobes;                      /* --probe TARGET[:PORT], from each --pod-ip */
	const char *probes[DIAG_MAX_PROBES];
	/* Progress ("locating 10.4.0.5") for the CLI to show on stderr; may be NULL. */
	void (*progress)(const char *what, void *arg);
	void *arg;
};

struct diag_neigh {
	char ip[46];
	char mac[3 * NL_HWADDR];
	char dev[NL_IFNAMSIZ];
	const char *state;
};

/* DIAG_POD_NAME: "namespace/name" (two names of up to 253 bytes). */
#define DIAG_POD_NAME 520

struct diag_pod {
	struct nr_addr ip;
	enum diag_status status;
	char detail[DIAG_TEXT];
	struct locate_report loc;
	char name[DIAG_POD_NAME];         /* "namespace/name" from the kubelet's pod logs ("" unknown) */
	unsigned host_mtu;                /* of the host-side interface, 0 unknown */
	int nneigh;
	struct diag_neigh neigh[DIAG_NEIGH_MAX];
	enum diag_status cap_status;
	char cap_detail[DIAG_TEXT];
	char cap_filter[256];
	struct capture_result cap;
};

/* One --probe target from one pod (diagnose/probe.c). */
struct diag_probe {
	int pod;                          /* index into pods[] */
	char target[PROBE_HOST_MAX + 8];  /* as given */
	enum diag_status status;
	char detail[DIAG_TEXT];
	int dns;                          /* a name: resolved through the pod's own DNS first */
	struct probe_report pr;
};

struct diag_probes {
	int n;
	struct diag_probe p[DIAG_MAX_PODS * DIAG_MAX_PROBES];
};

struct diag_kmsg_line {
	long long wall_us;                /* of the newest record with this text; 0 untimed */
	long long first_us;               /* of the first one */
	unsigned long long count;         /* records with this text */
	int level;
	const struct kmsg_kind *kind;     /* what matched it (kmsg/match.h) */
	char text[200];
};

/* Something this run did not look at, and why (skipped, could not read, outside the node). */
struct diag_notex {
	char what[96];
	char why[DIAG_TEXT];
};

/* One --fix action: done or refused, and the finding it was for. */
struct diag_fixrec {
	int refused;
	const char *finding;              /* finding id it mends ("" none) */
	char subject[64];                 /* that finding's subject ("" any) */
	char what[DIAG_TEXT];             /* the action */
	char why[DIAG_TEXT];              /* refused: the reason */
};

/* DIAG_RULES_KEEP: DROP/REJECT rules listed per run (a Calico node has dozens per pod). */
#define DIAG_RULES_KEEP 64

/* One DROP/REJECT rule a pod's traffic can meet, with its counters (diagnose/rules.c). */
struct diag_rule_kept {
	int pod;                          /* index in o->pods */
	char backend[16], family[8], table[32], chain[64], comment[128], text[256];
	unsigned position;
	unsigned long long packets, bytes, rose_packets, rose_bytes;
};

/* The netfilter stage's result (diagnose/rules.c). */
struct diag_rules {
	int watched;                      /* both snapshots were read */
	unsigned window;                  /* seconds between them */
	int nkept, kept_dropped;
	struct diag_rule_kept kept[DIAG_RULES_KEEP];
};

struct diag_report {
	long long started;                /* Unix seconds */
	double seconds;                   /* total run time */
	/* node facts */
	char hostname[65];
	char kernel[65];
	char cni[32];
	char cni_why[256];
	char uplink[NL_IFNAMSIZ];
	unsigned uplink_mtu;
	int uid;
	unsigned long long cap_eff;       /* CapEff from /proc/self/status */
	char caps_missing[128];           /* "CAP_NET_ADMIN,CAP_NET_RAW", "" when none */
	char runtime_sources[128];        /* what runtime state could be read */

	struct findings fs;
	struct diag_check checks[DC_N];
	int fix;
	int nchanges;
	char changes[DIAG_CHANGES_MAX][DIAG_TEXT];
	struct diag_fixrec fixrec[DIAG_CHANGES_MAX]; /* per change: done or refused */
	int nports;
	unsigned ports[DIAG_MAX_PORTS];
	unsigned long long since_secs;

	struct links_report links;
	struct bridge_report bridges;
	struct conntrack_report ct;
	struct flows_report flows;        /* conntrack entries of the asked pods (diagnose/flows.c) */
	struct health_report health;      /* zombies, pids, OOM, runtime restarts (diagnose/health.c) */
	struct neigh_overflow_report neigh;
	int neigh_ok;
	struct port_report port[DIAG_MAX_PORTS];  /* holders of each --port, every netns */
	struct port_report stale;                 /* every listener of a stale process */
	int npods;
	struct diag_pod pods[DIAG_MAX_PODS];

	struct diag_probes probes;        /* --probe results (diagnose/probe.c) */

	/* kernel log window */
	long long kmsg_cutoff_us;         /* records older than this are outside the window */
	unsigned long long kmsg_records, kmsg_warnings;
	const char *kmsg_source;
	unsigned long long kmsg_conntrack_full, kmsg_neigh_overflow;
	unsigned long long kmsg_matched;  /* records a check matched (kmsg/match.h) */
	unsigned long long kmsg_unmatched, kmsg_unmatched_warnings; /* the rest: only in the bundle */
	int nkmsg;                        /* ring of the newest matched lines, repeats folded */
	unsigned long long kmsg_dropped;  /* matched lines that fell out of the ring */
	struct diag_kmsg_line kmsg[DIAG_KMSG_KEEP];

	/* What was not looked at (diagnose/examined.c), derived from what ran. */
	int nnotex;
	struct diag_notex notex[DIAG_NOTEX_MAX];

	/* Captures: where the files went and why; with --bundle, the bundle they are in (set by the
	 * caller before rendering: the files are then named BUNDLE:capture/NAME). */
	char capture_dir[CAPTURE_PATH_MAX];
	char capture_dir_why[DIAG_TEXT];
	char bundle[CAPTURE_PATH_MAX];
	int capture_dir_tmp;              /* the directory is removed after bundling */

	struct drops_report drops;        /* the --watch window (diagnose/watch.c) */

	struct mtu_report mtu;            /* the MTU stage (diagnose/mtu.c); mtu_ok: it ran */
	int mtu_ok;
	struct diag_rules rules;          /* the netfilter stage (diagnose/rules.c) */
};

/* Runs every check into r (zeroed by the caller). Returns 0 when at least one check ran
 * (each failure is recorded in r->checks), -1 with NR_E_DIAG_NOTHING when none could. */
int diag_run(const struct diag_opts *o, struct diag_report *r, struct nr_err *e);

/* The report as the contract's document: "node", "findings", "checks" and the rest, written as
 * members of the current JSON object (the caller opens it with jw_begin_doc). */
void diag_json(struct jw *w, const struct diag_report *r);
/* The report as an expert's note: verdict, findings (asked first, then the node's; worst
 * first in each) with evidence, fix and advice, what could not be checked, then each section. */
void diag_text(FILE *f, const struct diag_report *r);

/* Adds the raw views (links, routes, neighbours, FDB, kernel log, processes, sockets per
 * netns) and every capture file to an open bundle under "views/" and "capture/". A view that
 * cannot be made is written as a file saying why; only bundle write errors fail (-1). */
int diag_bundle_views(struct bundle *b, const struct diag_report *r, struct nr_err *e);

/* --summary-only: one tab-separated line per node (node, verdict, counts, worst finding), and
 * its JSON form ("node", "verdict", "fail", "warn", "top") as members of the current object. */
void diag_summary_line(FILE *f, const struct diag_report *r);
void diag_summary_json(struct jw *w, const struct diag_report *r);

/* How a capture file is named in the report: BUNDLE:capture/NAME when it went into the bundle
 * (its temporary copy is gone), else its path. */
const char *diag_capture_name(const struct diag_report *r, const char *path, char *buf, size_t cap);

/* Exit code per contract: 1 when any fail finding, else 0. */
int diag_exit(const struct diag_report *r);
const char *diag_check_name(enum diag_check_id id);
const char *diag_status_name(enum diag_status s);

#endif
