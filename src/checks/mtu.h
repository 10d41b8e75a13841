/* The MTU check: can every pod send a full-sized packet through the node?
 * The uplink is the interface of the default route (not a fixed name: eth0, ens4, bond0...).
 * Overlay devices on the node take their encapsulation out of the uplink's MTU (VXLAN and
 * Flannel's flannel.1: 50 bytes, Geneve 50, WireGuard 60, IP-in-IP 20, GRE 24, Weave's
 * fastdp VXLAN 50). A pod may use at most uplink MTU minus the largest overhead present.
 * Each pod's host-side veth, and its eth0 seen from inside the pod's netns, are compared with
 * that; so are the overlay devices themselves (an overlay with no reduction drops or
 * fragments every full-size packet). Finding: mtu-mismatch (fail), with the exact commands. */
#ifndef NR_CHECKS_MTU_H
#define NR_CHECKS_MTU_H
#include <stdio.h>

#include "base/err.h"
#include "netlink/netlink.h"
#include "report/findings.h"
#include "report/json.h"

/* MTU_IFACES_MAX: 256 pods (GKE's maximum per node) plus bridges, with room. */
#define MTU_IFACES_MAX 512
/* MTU_OVERLAYS_MAX: a node has one or two overlays; more are counted, not kept. */
#define MTU_OVERLAYS_MAX 16

enum mtu_role { MTU_ROLE_POD = 0, MTU_ROLE_BRIDGE = 1, MTU_ROLE_NOTPOD = 2 /* dropped */ };

struct mtu_iface {
	char name[NL_IFNAMSIZ];
	char kind[NL_KINDSIZ];
	int ifindex;
	unsigned mtu;
	enum mtu_role role;
	int nsid;                      /* the peer's netns id as the node sees it; -1 none */
	int peer_ifindex;              /* the peer's ifindex inside that netns */
	int master;                    /* IFLA_MASTER (a pod veth's bridge), 0 none */
	/* pod side (role POD): the veth peer inside the pod's netns */
	unsigned long long netns;      /* inode; 0 = unknown */
	int pid;                       /* a process in it (the sandbox); 0 = none found */
	int pod_known;                 /* pod_mtu/pod_ifname were read from inside */
	char pod_ifname[NL_IFNAMSIZ];
	unsigned pod_mtu;
	char pod_uid[40];              /* "" when unknown */
	char pod_name[256];            /* "namespace/name", filled by a caller that knows it (diagnose) */
	char why_unknown[96];          /* why the pod side could not be read */
};

struct mtu_overlay {
	char name[NL_IFNAMSIZ];
	char kind[NL_KINDSIZ];
	unsigned mtu;
	unsigned overhead;             /* encapsulation bytes */
	unsigned max_mtu;              /* uplink MTU - overhead; 0 when no uplink */
	int flow_based;                /* cilium_vxlan, vxlan_sys_*, genev_sys_*, weave's vxlan-6784:
					  MTU set per route, the device's own is not checked */
};

struct mtu_report {
	int have_uplink;
	char uplink[NL_IFNAMSIZ];
	int uplink_ifindex;
	unsigned uplink_mtu;
	int noverlay, overlays_dropped;
	struct mtu_overlay overlays[MTU_OVERLAYS_MAX];
	unsigned pod_max_mtu;          /* what a pod can use; 0 when there is no uplink */
	int n, dropped;
	struct mtu_iface ifs[MTU_IFACES_MAX];
};

/* Reads this thread's netns (the node): default route, links, overlays, pod veths, and the
 * pod side of each veth by entering its netns (needs CAP_SYS_ADMIN; without it the pod side
 * is named unknown). Adds mtu-mismatch findings. 0, or -1 with e filled when the links
 * cannot be listed at all. nl: the caller's route socket in the node's netns (NULL: one of
 * its own). */
int check_mtu_run(struct nl *nl, struct mtu_report *r, struct findings *fs, struct nr_err *e);
/* "uplink": {"name","mtu"} (null without a default route), "pod_max_mtu", "overlays": [...],
 * "interfaces": [{"name","mtu","pod_uid","pod_mtu","pod_ifname","netns","pid","kind","role"}],
 * as members of the current JSON object (no findings). */
void check_mtu_json(struct jw *w, const struct mtu_report *r);
/* `ip -br` style lines (no findings). */
void check_mtu_text(FILE *f, const struct mtu_report *r);
/* Encapsulation overhead of a link kind/name (0 when it is not an overlay). Exposed for tests. */
unsigned mtu_overlay_overhead(const char *kind, const char *name);

#endif
