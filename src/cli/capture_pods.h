/* capture's view of which pod each host interface leads to: a veth's peer netns
 * (IFLA_LINK_NETNSID, opened through locate) matched with the processes living in it (ps) and
 * their pod names from the runtime. Used by capture -D, the "[pod ns/name]" note on -i any
 * lines and pcapng if_description. Best effort: unknown stays unknown, nothing fails. */
#ifndef NR_CLI_CAPTURE_PODS_H
#define NR_CLI_CAPTURE_PODS_H
#include "capture/capture.h"

/* CAP_PODS_MAX: host-side pod interfaces remembered (one veth per pod; a node runs <= 256). */
#define CAP_PODS_MAX 512

struct cap_pod {
	char ifname[CAPTURE_IFNAME_MAX];
	unsigned long long netns;        /* the peer's netns inode */
	char desc[CAPTURE_DESC_MAX];     /* "namespace/name", or "pod UID" when unnamed; "" unknown */
};

struct cap_pods {
	int n;
	struct cap_pod v[CAP_PODS_MAX];
};

/* Fills m from the node's netns and host_root's runtime state. */
void cap_pods_load(struct cap_pods *m, const char *host_root);
/* "namespace/name" for ifname, or NULL. */
const char *cap_pods_find(const struct cap_pods *m, const char *ifname);

#endif
