/* The dns check: a name looked up from inside a pod the way its resolver would, against each
 * of its nameservers, over UDP (A and AAAA in parallel from one socket, as glibc) and TCP.
 * Findings: dns-timeout, dns-servfail, dns-nxdomain, dns-parallel-loss, dns-tcp-failed. */
#ifndef NR_DNS_CHECK_H
#define NR_DNS_CHECK_H
#include <stdio.h>

#include "dns/dns.h"
#include "report/findings.h"
#include "report/json.h"

/* DNS_QUERIES_MAX: per nameserver 2 per search candidate (9) + TCP + 2 sequential retries;
 * 3 nameservers are what the resolver uses. Beyond it queries are not sent. */
#define DNS_QUERIES_MAX 72
/* The NodeLocal DNSCache link-local address (GKE, kubernetes/dns nodelocaldns). */
#define DNS_NODELOCAL "169.254.20.10"

struct dns_opts {
	const char *name;
	unsigned type;                 /* DNS_T_A by default */
	unsigned timeout_ms;           /* per query (default 2000) */
	int pid;                       /* a process of the pod: its resolv.conf */
	int netns_fd;                  /* the pod's netns (-1: ours) */
	const char *subject;           /* "pod 10.4.0.5" */
	/* The node's conntrack insert_failed counter (summed over CPUs), or NULL: read around
	 * a lost parallel pair. Returns 0 or -1. */
	int (*insert_failed)(unsigned long long *v, void *arg);
	void *arg;
};

struct dns_query {
	int server;                    /* index into resolv.ns */
	int tcp, parallel, sequential;
	struct dns_ask ask;
};

struct dns_server {
	const char *kind;              /* "nodelocal-dnscache", "kube-dns", "other" */
	int answered, timeout, servfail, nxdomain, tcp_ok, tcp_tried;
	int pair_lost, seq_ok;         /* one of a parallel pair lost; sequential both answered */
	int ct_ok;
	unsigned long long ct_delta;   /* insert_failed delta across the pair and its retry */
	int found;                     /* index into cand of the name that answered, -1 none */
	unsigned rcode;                /* rcode of the last answered UDP query */
};

struct dns_report {
	char name[DNS_NAME_MAX];
	unsigned type;
	int pid;
	struct dns_resolv rc;
	int ncand;
	char cand[DNS_SEARCH_MAX + 1][DNS_NAME_MAX];
	int nservers;                  /* servers tried (the resolver's first 3) */
	struct dns_server s[DNS_NS_MAX];
	int nq, q_dropped;
	struct dns_query q[DNS_QUERIES_MAX];
};

/* Reads the pod's resolv.conf and runs every query; findings to fs. 0, or -1 when the
 * resolv.conf cannot be read or no socket can be made in the pod's namespace. */
int dns_check_run(const struct dns_opts *o, struct dns_report *r, struct findings *fs,
		  struct nr_err *e);
/* "resolv_conf", "name", "type", "candidates", "nameservers", "queries" keys. */
void dns_check_json(struct jw *w, const struct dns_report *r);
void dns_check_text(FILE *f, const struct dns_report *r);
/* The first address (A, else AAAA) a run found for its name, for callers that resolve a
 * target through the pod's DNS. 0, or -1 when none. */
int dns_check_addr(const struct dns_report *r, struct nr_addr *out);

#endif
