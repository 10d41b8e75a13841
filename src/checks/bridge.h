/* Pod bridge health (kubenet's cbr0, flannel's cni0): the bridge's state, its ports with their
 * pods, the MACs it learned. Every Linux bridge is listed; only pod bridges (named by the CNI
 * config, or carrying a pod's veth) are judged and fixed. Findings: bridge-down (fail, fix
 * `netrescue bridge NAME --fix`), pod-mac-not-learned (warn), link-down (fail: a pod's port
 * is down). With fix, a down bridge is set up through netlink (idempotent, reported). */
#ifndef NR_CHECKS_BRIDGE_H
#define NR_CHECKS_BRIDGE_H
#include <stdio.h>

#include "base/err.h"
#include "netlink/netlink.h"
#include "report/findings.h"
#include "report/json.h"

/* BRIDGE_MAX: nodes have one pod bridge, sometimes docker0 and a test bridge besides. */
#define BRIDGE_MAX 16
/* BRIDGE_PORTS_MAX: 256 pods (GKE's maximum) on one bridge, with room. */
#define BRIDGE_PORTS_MAX 512
/* BRIDGE_FDB_MAX: each port's pod MAC plus the bridge's own permanent entries (~3/port). */
#define BRIDGE_FDB_MAX 4096

struct bridge_info {
	char name[NL_IFNAMSIZ];
	int ifindex;
	unsigned flags;
	int operstate;
	unsigned mtu;
	unsigned char mac[6];
	int nports;
	int nlearned;       /* dynamic FDB entries (learned MACs) */
	int pod;            /* a pod bridge: the CNI config names it, or a port leads to a pod's
			       netns; only pod bridges are judged and fixed (docker0, libvirt's
			       virbr0, test bridges are listed, never judged) */
	int was_up;         /* IFF_UP before any fix */
	int fixed;          /* --fix set it up in this run */
};

struct bridge_port {
	char name[NL_IFNAMSIZ];
	int ifindex;
	int br;              /* index into report.br */
	unsigned flags;
	int operstate;
	int stp_state;       /* BR_STATE_*; -1 unknown */
	int learning;        /* -1 unknown */
	int peer_ifindex;    /* veth peer ifindex (IFLA_LINK), 0 none */
	int peer_netnsid;    /* IFLA_LINK_NETNSID, -1 same netns */
	unsigned long long peer_netns; /* 0 unknown */
	int has_pod;         /* the peer side was read: pod_ip/pod_mac are valid */
	char pod_ip[46];     /* the pod's first IPv4 (or IPv6) address, "" when none */
	unsigned char pod_mac[6];
	int mac_learned;     /* an FDB entry for pod_mac exists on this port */
	int neigh_known;     /* the node has a usable neighbour entry pod_ip -> pod_mac */
	int is_pod;          /* the peer netns is a pod's (kubepods process, or a CNI sandbox) */
};

struct bridge_fdb {
	int port;            /* ifindex of the port it was learned on */
	int bridge;          /* ifindex of the bridge (NDA_MASTER), 0 unknown */
	unsigned char mac[6];
	int state;           /* NUD_* (NUD_PERMANENT for the bridge's own addresses) */
	int flags;           /* NTF_* */
	int vlan;
};

struct bridge_report {
	int nbr;
	struct bridge_info br[BRIDGE_MAX];
	int nports, ports_dropped;
	struct bridge_port ports[BRIDGE_PORTS_MAX];
	int nfdb, fdb_dropped;
	struct bridge_fdb fdb[BRIDGE_FDB_MAX];
	int fix;             /* --fix was asked */
	int changed;         /* bridges set up by this run */
};

/* Checks the bridge name (NULL: every bridge) in this thread's netns. A named bridge that
 * does not exist (or is not a bridge) is NR_E_NOIF. fix: set down bridges up (needs
 * CAP_NET_ADMIN; without it NR_E_PERM and nothing changes). Findings go to fs. 0 or -1. */
int check_bridge_run(const char *name, int fix, struct bridge_report *r, struct findings *fs,
		     struct nr_err *e);
/* The same, reading the CNI config under host_root (NULL: "/") for the pod bridges it names.
 * lc: the caller's locate context (its route socket and netns map, host_root set), shared
 * with the rest of a run; NULL: one of its own. */
struct locate_ctx;
int check_bridge_run_in(const char *host_root, struct locate_ctx *lc, const char *name, int fix,
			struct bridge_report *r, struct findings *fs, struct nr_err *e);
/* "bridges": [...], "ports": [...], "fdb": [...], "changed": N as members of the current
 * JSON object. */
void check_bridge_json(struct jw *w, const struct bridge_report *r);
/* `ip -br` style: one line per bridge, then one per port, then what --fix changed. */
void check_bridge_text(FILE *f, const struct bridge_report *r);

#endif
