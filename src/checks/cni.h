/* Which CNI wires this node's pods: from --host-root/etc/cni/net.d (every *.conf, *.conflist,
 * *.json there, in the lexical order kubelet/containerd use: the first file wins) and from the
 * interfaces present (cbr0, cilium_host, flannel.1, weave, cali*, gke*). */
#ifndef NR_CHECKS_CNI_H
#define NR_CHECKS_CNI_H
#include <stddef.h>

#include "base/err.h"
#include "netlink/netlink.h"

/* CNI_NAMESZ: the longest name returned ("unknown", "gke-ptp") with room to spare. */
#define CNI_NAMESZ 32

/* Writes one of "kubenet", "gke-ptp", "calico", "cilium", "flannel", "weave", "unknown" into
 * name (cap >= CNI_NAMESZ). why (may be NULL) gets the evidence: the config file (for Multus,
 * "00-multus.conf (multus) delegates to FILE"), or the interface that told. Interfaces are read in this thread's netns. Returns 0
 * (an unreadable or missing net.d is not an error: the interfaces still tell), -1 on error.
 * nl: the caller's route socket (NULL: one of its own). */
int cni_detect(struct nl *nl, const char *host_root, char *name, size_t cap, char *why,
	       size_t why_cap, struct nr_err *e);

/* The bridges the CNI config names as pod bridges ("bridge": "X" in the first config, or in
 * the file Multus delegates to), plus the default names cbr0 (kubenet) and cni0 (the bridge
 * plugin's, Flannel's). Writes up to max names; returns how many. */
int cni_pod_bridges(const char *host_root, char (*names)[NL_IFNAMSIZ], int max);

/* The same from inputs already at hand (unit tests; diagnose): conf is the text of the first
 * CNI config file (NULL when none), ifnames the names of the node's links. */
const char *cni_classify(const char *conf, const char *const *ifnames, int nifs);

#endif
