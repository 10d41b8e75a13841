/* The node's links with their addresses and veth peers (`ip address show` plus the peer's
 * namespace): the data behind `netrescue links`, and the "links" object diagnose puts under
 * "checks". The report is one caller-owned struct (allocate it once; it is large). */
#ifndef NR_CHECKS_LINKS_H
#define NR_CHECKS_LINKS_H
#include <stdio.h>

#include "base/err.h"
#include "netlink/netlink.h"
#include "report/json.h"

/* LINKS_MAX: 256 pods (GKE's maximum) x a veth each, plus overlays and helpers, with room. */
#define LINKS_MAX 1024
/* LINKS_ADDR_MAX: a few addresses per link (IPv4, IPv6 link-local, global). */
#define LINKS_ADDR_MAX 4096

struct links_entry {
	struct nl_link l;
	unsigned long long peer_netns; /* inode of the veth peer's netns; 0 = unknown/none */
	int peer_netns_known;          /* 1 when peer_netns was resolved (IFLA_LINK_NETNSID) */
};

struct links_report {
	int n, dropped;
	struct links_entry links[LINKS_MAX];  /* in ifindex order */
	int naddr, addr_dropped;
	struct nl_ifaddr addrs[LINKS_ADDR_MAX];
	unsigned long long self_netns;        /* the netns these links live in */
};

/* Collects every link (or only ifname; NR_E_NOIF when it does not exist) of this thread's
 * netns, their addresses, and each veth peer's netns inode (IFLA_LINK_NETNSID mapped through
 * RTM_GETNSID over the namespaces of all processes). Namespaces vanishing meanwhile are
 * skipped. nl: the caller's route socket (NULL: one of its own). 0 or -1. */
int links_collect(struct nl *nl, const char *ifname, struct links_report *r, struct nr_err *e);
/* Writes "links": [{"name","ifindex","state","flags","mtu","kind","master","mac",
 * "addresses","peer"}] as a member of the current JSON object. */
void links_json(struct jw *w, const struct links_report *r);
/* `ip -br address` style: NAME STATE MTU KIND MASTER MAC PEER ADDRESSES, one line per link. */
void links_text(FILE *f, const struct links_report *r);
/* Name of ifindex in r, or NULL. */
const char *links_name(const struct links_report *r, int ifindex);

#endif
