/* A Service as the node's data plane implements it: kube-proxy's iptables chains (KUBE-SERVICES
 * -> KUBE-SVC-* with statistic probabilities -> KUBE-SEP-* DNAT; KUBE-NODEPORTS; KUBE-EXT-*;
 * the filter table's "has no endpoints" REJECTs), in either iptables backend, or kube-proxy's
 * nftables mode (table kube-proxy: maps service-ips, service-nodeports, no-endpoint-services;
 * chains service-*, external-*, endpoint-*). Lists frontends and endpoints, which endpoints
 * are pods on this node and whether they listen on their target port. */
#ifndef NR_CHECKS_SERVICE_H
#define NR_CHECKS_SERVICE_H
#include <stdio.h>

#include "base/err.h"
#include "base/parse.h"
#include "netfilter/netfilter.h"
#include "report/findings.h"
#include "report/json.h"

/* SVC_FE_MAX: a Service port has a cluster IP, a NodePort, a few external/LB IPs, per family. */
#define SVC_FE_MAX 64
/* SVC_EP_MAX: endpoints listed (kube-proxy programs every ready endpoint; more are counted). */
#define SVC_EP_MAX 512
/* SVC_NAME: "namespace/name:port" (63 + 253 + 15). */
#define SVC_NAME 336

struct svc_query {
	int by_name;
	char name[SVC_NAME];   /* NS/NAME or NS/NAME:PORT */
	struct nr_addr ip;
	unsigned port;         /* 0 = any */
};

struct svc_frontend {
	struct nr_addr ip;
	int has_ip;            /* 0 for a NodePort (any local address) */
	unsigned port;
	char proto[8];
	const char *kind;      /* "cluster-ip", "external", "nodeport" */
	int no_endpoints;      /* a "has no endpoints" REJECT / no-endpoint-services element */
	char name[SVC_NAME];
};

struct svc_endpoint {
	struct nr_addr ip;
	unsigned port;
	double probability;    /* share of new connections this endpoint gets */
	int local;             /* a pod on this node */
	char pod[64];          /* its pod UID, or its host interface */
	char host_if[16];
	int listening;         /* 1 yes, 0 no, -1 not checked (not local, or unreadable) */
	char name[SVC_NAME];
};

struct svc_report {
	char name[SVC_NAME];   /* the first frontend's "ns/name:port" ("" unknown) */
	const char *mode;      /* "iptables" or "nftables" */
	const char *backend;   /* "iptables-legacy", "nf_tables" */
	int nfe, nep, ep_dropped;
	struct svc_frontend fe[SVC_FE_MAX];
	struct svc_endpoint ep[SVC_EP_MAX];
	int truncated;
	char why[160];         /* truncation, or what could not be read */
};

/* Parses "IP", "IP:PORT", "[IPv6]:PORT" or "NS/NAME[:PORT]". -1 with a message in err. */
int service_parse(const char *arg, struct svc_query *q, char *err, size_t cap);
/* Reads the rules (rs, caller-owned, filled here) and builds r; findings service-no-endpoints
 * and service-endpoint-down go to fs. NR_E_NF_NOSERVICE when nothing matches q. */
int check_service_run(const struct svc_query *q, struct nf_ruleset *rs, struct svc_report *r,
		      struct findings *fs, struct nr_err *e);
/* From rules already read (diagnose): the same without reading. */
int check_service_from(const struct svc_query *q, const struct nf_ruleset *rs, struct svc_report *r,
		       struct findings *fs, struct nr_err *e);
void check_service_json(struct jw *w, const struct svc_report *r);
void check_service_text(FILE *f, const struct svc_report *r);

#endif
