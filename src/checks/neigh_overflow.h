/* The neighbour-table check: did the kernel log "neighbour table overflow" (ARP/NDISC cache
 * full: new neighbours are refused, pods on the node lose connectivity at random)? Reports
 * the gc_thresh1..3 sysctls and the current neighbour count with the evidence. */
#ifndef NR_CHECKS_NEIGH_OVERFLOW_H
#define NR_CHECKS_NEIGH_OVERFLOW_H
#include <stdio.h>

#include "base/err.h"
#include "checks/sysval.h"
#include "kmsg/kmsg.h"
#include "report/findings.h"
#include "report/json.h"

/* NEIGH_DEFAULT_SINCE: the same one-day window as the conntrack check. */
#define NEIGH_DEFAULT_SINCE (24ULL * 3600)

struct neigh_overflow_report {
	unsigned long long since_secs;
	int klog_ok;
	char klog_err[160];
	struct kmsg_match overflow;
	struct sysval thresh[3];    /* net.ipv4.neigh.default.gc_thresh1..3 (initial netns only) */
	struct sysval thresh6[3];   /* net.ipv6.neigh.default.gc_thresh1..3 */
	struct sysval count;        /* IPv4 neighbours of this netns (/proc/net/arp) */
	struct sysval count6;       /* IPv6 neighbours of this netns (netlink dump) */
	int ipv6;                   /* the newest overflow record names ndisc_cache (IPv6) */
};

/* Runs the check (since_secs 0 = NEIGH_DEFAULT_SINCE); adds neigh-table-overflow (fail).
 * Unreadable values stay !ok with their errno. nl: the caller's route socket (NULL: one of its
 * own). Returns 0 (nothing here is fatal). */
struct nl;
int check_neigh_overflow_run(struct nl *nl, unsigned long long since_secs, struct neigh_overflow_report *r,
			     struct findings *fs, struct nr_err *e);
void check_neigh_overflow_json(struct jw *w, const struct neigh_overflow_report *r);
void check_neigh_overflow_text(FILE *f, const struct neigh_overflow_report *r);

#endif
