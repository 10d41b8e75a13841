/* The conntrack check: is the node's connection-tracking table full or filling up?
 * Reads the current netns' count (/proc/sys/net/netfilter/nf_conntrack_count), the max and
 * bucket count, the per-CPU counters of /proc/net/stat/nf_conntrack (summed), and the
 * kernel log for "nf_conntrack: table full, dropping packet" within a window. Legacy
 * ip_conntrack paths (pre-2.6.20 naming, still on some old kernels) are read when the
 * nf_ ones are absent. With fix set it raises nf_conntrack_max to MemTotal(KiB)/32 (GKE's
 * guidance) and persists the value in HOST_ROOT/etc/sysctl.conf, once. */
#ifndef NR_CHECKS_CONNTRACK_H
#define NR_CHECKS_CONNTRACK_H
#include <stdio.h>

#include "base/err.h"
#include "checks/portrange.h"
#include "checks/sysval.h"
#include "kmsg/kmsg.h"
#include "report/findings.h"
#include "report/json.h"

/* CT_STAT_COLS: 6.x kernels print 17 columns; room for more in later ones. */
#define CT_STAT_COLS 32
/* CT_UNREAD_MAX: every value the check reads, each named once when unreadable. */
#define CT_UNREAD_MAX 16
/* CT_DEFAULT_SINCE: kernel-log window of the check: a day covers "it broke overnight"
 * while older table-full episodes (already mended) do not keep failing the check. */
#define CT_DEFAULT_SINCE (24ULL * 3600)

struct nl;

struct conntrack_opts {
	unsigned long long since_secs; /* kernel-log window; 0 = CT_DEFAULT_SINCE */
	int fix;                       /* raise + persist nf_conntrack_max */
	const char *host_root;         /* where etc/sysctl.conf is ("/" on the node) */
	struct nl *nl;                 /* the caller's route socket (NULL: the check opens one) */
};

struct conntrack_change {
	char what[64];                 /* "nf_conntrack_max", "/host/etc/sysctl.conf" */
	char detail[192];              /* "262144 -> 771377", "replaced line 3" */
};

struct conntrack_report {
	unsigned long long since_secs;
	int loaded;                    /* nf_conntrack (or ip_conntrack) is in the kernel */
	int legacy;                    /* values came from the ip_conntrack paths */
	struct sysval count, max, buckets, memtotal_kib;
	unsigned long long recommended_max;   /* 0 when MemTotal is unknown */
	/* /proc/net/stat/nf_conntrack: columns named by its header, summed over CPUs */
	int stat_ok, stat_err, ncpu, ncols;
	char col[CT_STAT_COLS][24];
	unsigned long long sum[CT_STAT_COLS];
	struct sysval drop, early_drop, insert_failed;
	/* kernel log */
	int klog_ok;
	char klog_err[160];
	struct kmsg_match full;
	/* NodeLocal DNSCache (its dummy interface or its 169.254.20.10 address) */
	int nodelocal_ok;
	int nodelocal;
	char nodelocal_how[64];
	/* the ephemeral port range against NodePorts (nodeport-range-conflict) */
	struct portrange_report ports;
	/* --fix */
	int fix;
	int nchanges;
	struct conntrack_change changes[4];
	/* values that could not be read, each "NAME: why" */
	int nunread;
	char unread[CT_UNREAD_MAX][160];
};

/* Runs the check; adds conntrack-near-full / conntrack-table-full (and the informational
 * conntrack-insert-failed) to fs. Unreadable values are named in r->unread, not errors.
 * Returns 0, or -1 with e filled when --fix was asked and could not be done (nf_conntrack_max
 * read-only: NR_E_CT_RO, sysctl.conf not updatable: NR_E_CT_CONF); sysctl.conf is never
 * touched when the live value cannot be set. */
int check_conntrack_run(const struct conntrack_opts *o, struct conntrack_report *r,
			struct findings *fs, struct nr_err *e);
/* Writes the report's fields as keys of the current JSON object (no findings). */
void check_conntrack_json(struct jw *w, const struct conntrack_report *r);
/* Human form, a few aligned lines (no findings). */
void check_conntrack_text(FILE *f, const struct conntrack_report *r);

/* Exposed for tests and fuzzing: parses /proc/net/stat/nf_conntrack text (n bytes, untrusted)
 * into r->col/sum/ncols/ncpu (r zeroed by the caller). 0, or -1 when malformed. */
int conntrack_stat_parse(const char *buf, size_t n, struct conntrack_report *r);
/* Exposed for tests: rewrites sysctl.conf text in (n bytes) so that it sets key to at least
 * value exactly once (replacing the first setting line, dropping later ones, or appending).
 * Writes the result to out (cap bytes). Returns the new length, or -1 when it does not fit;
 * *changed tells whether anything differs and *line the 1-based line now holding it. */
long conntrack_conf_edit(const char *in, size_t n, const char *key, unsigned long long value,
			 char *out, size_t cap, int *changed, int *line);

#endif
