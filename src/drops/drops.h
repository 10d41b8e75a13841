/* drops: where packets die (replaces dropwatch, `perf record -e skb:kfree_skb`, bpftrace
 * scripts). Over one window, every packet the kernel frees as dropped, counted by its drop
 * reason (names from the running kernel's tracepoint format file), by code location (the
 * `location` address symbolized through /proc/kallsyms) and, when BTF and BPF allow, by flow
 * (addresses, protocol, ports, input device) mapped to pods as `locate` does; plus the counters
 * a person would diff by hand over the same window (interface stats64, /proc/net/snmp and
 * netstat, softnet, conntrack per-CPU stats). Folded into findings drops-*.
 *
 * Methods, best first: "bpf" (a BPF program aggregates in the kernel: flows when BTF gives the
 * sk_buff offsets, else reasons and locations), "perf" (raw samples through per-CPU rings:
 * reasons and locations), "none" (only counters; unwatched says why). Nothing stays attached
 * after exit. Nothing here prints. */
#ifndef NR_DROPS_DROPS_H
#define NR_DROPS_DROPS_H
#include <signal.h>
#include <stdio.h>

#include "base/err.h"
#include "base/parse.h"
#include "report/findings.h"
#include "report/json.h"
#include "trace/trace.h"

/* DROPS_REASONS_MAX: distinct reasons in one window (the kernel has ~130). */
#define DROPS_REASONS_MAX 64
/* DROPS_LOCS_MAX: code locations kept per reason (usually 1-3). */
#define DROPS_LOCS_MAX 8
/* DROPS_FLOWS_MAX: flows kept per reason, the busiest; the rest are counted in flows_other. */
#define DROPS_FLOWS_MAX 16
/* DROPS_KEYS: (reason, location, flow) keys the kernel map holds (72 B x CPUs each). */
#define DROPS_KEYS 16384
/* DROPS_PODS_MAX: --pod-ip given (as diagnose). */
#define DROPS_PODS_MAX 16
/* DROPS_COUNTERS_MAX: counters that moved in the window. */
#define DROPS_COUNTERS_MAX 128
/* DROPS_SYM: "function+0x1ab [module]". */
#define DROPS_SYM 96
/* DROPS_POD: "namespace/name" (bounded for display; a pod UID fits). */
#define DROPS_POD 128
/* DROPS_WHY: a reason something could not be watched or read. */
#define DROPS_WHY 320

struct nl;
struct locate_ctx;

struct drops_opts {
	unsigned secs;                      /* the window */
	volatile sig_atomic_t *stop;        /* set by a signal: the window ends early */
	int npods;
	struct nr_addr pods[DROPS_PODS_MAX];/* only drops to or from these (when flows are read) */
	int pod_pids[DROPS_PODS_MAX];       /* a process in each pod's netns (its SNMP counters), 0 */
	const char *host_root;              /* where the runtime's files are (pod names) */
	int no_bpf;                         /* use perf rings even when BPF works (tests, bench) */
	/* A run's shared contexts (diagnose's), NULL: drops opens its own. lc has host_root set. */
	struct nl *nl;                      /* route socket in the node's netns (link counters) */
	struct locate_ctx *lc;              /* flow addresses -> pods */
};

struct drops_flow {
	struct nr_addr src, dst;
	unsigned proto, sport, dport;
	char ifname[16];
	char pod[DROPS_POD];                /* pod of src or dst ("" none) */
	char pod_ip[46];                    /* which address is the pod's */
	unsigned long long count;
};

struct drops_loc {
	unsigned long long addr;
	char symbol[DROPS_SYM];             /* "" until symbolized; "0x..." when unknown */
	unsigned long long count;
};

struct drops_reason {
	unsigned code;
	char name[TRACE_SYM_NAME];          /* the kernel's name, or "reason N" */
	unsigned long long count;
	int nlocs;
	struct drops_loc locs[DROPS_LOCS_MAX];
	unsigned long long locs_other;
	int nflows;
	struct drops_flow flows[DROPS_FLOWS_MAX];
	unsigned long long flows_other;
};

struct drops_counter {
	char scope[48];                     /* "node", an interface, "pod 10.4.0.5" */
	char name[48];                      /* "TcpExt.ListenOverflows", "rx_dropped" */
	unsigned long long delta;
};

struct drops_report {
	double seconds;                     /* the window as it ran */
	long long start_us, end_us;         /* wall clock µs: the window (for rule deltas) */
	const char *method;                 /* "bpf", "perf", "none" */
	int flows;                          /* 1 each drop's addresses were read */
	char unwatched[DROPS_WHY];          /* why drops could not be watched ("" watched) */
	char noflows[DROPS_WHY];            /* why flows could not be read ("" read) */
	unsigned long long total;           /* drops counted (after the pod filter) */
	unsigned long long lost;            /* drops seen but not counted (ring or map full) */
	unsigned long long other_traffic;   /* drops of traffic not to/from the asked pods */
	int npods;
	struct nr_addr pods[DROPS_PODS_MAX];
	int nreasons;
	struct drops_reason r[DROPS_REASONS_MAX];
	unsigned long long reasons_other;   /* beyond DROPS_REASONS_MAX */
	int ncounters;
	struct drops_counter c[DROPS_COUNTERS_MAX];
	char counters_unread[DROPS_WHY];    /* counter sources that could not be read */
	int kallsyms_ok;                    /* locations could be symbolized */
};

/* A watch in progress (begin, then end: diagnose runs its capture in between). Large. */
struct drops_watch;

/* Starts watching (attach, first counter snapshot). Returns the watch (one allocation, freed
 * by drops_end). What could not be watched is said in r (unwatched, noflows) and the counters
 * still come; NULL only when the watch cannot be allocated (r->unwatched says so; drops_wait
 * and drops_end then do nothing). */
struct drops_watch *drops_begin(const struct drops_opts *o, struct drops_report *r);
/* Waits until secs since begin have passed (or *stop), reading perf rings meanwhile. */
void drops_wait(struct drops_watch *w, unsigned secs, volatile sig_atomic_t *stop);
/* Ends the window: detaches, reads the map/rings and the counters, symbolizes, maps flows to
 * pods, sorts; frees w. */
void drops_end(struct drops_watch *w, struct drops_report *r);

/* Findings drops-* from a report: one per (kind, pod) for drops that touched an asked pod (or
 * any pod on the node when none was asked); node-wide drops without flows are warnings. */
void drops_findings(const struct drops_report *r, const unsigned *ports, int nports, struct findings *fs);
/* The finding id a reason name folds into ("drops-netfilter", ..., "drops-other"). */
const char *drops_finding_id(const char *reason);

/* "duration", "method", "attribution", "reasons", "counters", "lost", ... as members of the
 * current JSON object (findings not included). */
void drops_json(struct jw *w, const struct drops_report *r);
void drops_text(FILE *f, const struct drops_report *r);

/* --- pieces exposed for tests ----------------------------------------------------------- */
/* Symbolizes addrs[0..n) against a /proc/kallsyms text of len bytes: out[i] gets
 * "sym+0xoff" (or "sym+0xoff [mod]"), "" when no symbol is at or below. Returns how many
 * were found. */
int drops_kallsyms(const char *text, size_t len, const unsigned long long *addrs, int n,
		   char (*out)[DROPS_SYM]);
/* Pairs of "Prefix: name name ..." / "Prefix: v v ..." lines (/proc/net/snmp, netstat):
 * calls cb(prefix.name, value) for each. 0, or -1 when malformed. */
int drops_snmp_parse(const char *text, size_t len, void (*cb)(const char *name, unsigned long long v, void *arg),
		     void *arg);

#endif
