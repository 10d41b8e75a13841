/* DNS from a pod for the commands that need it (probe, dns, diagnose --probe): the node's
 * conntrack insert_failed counter for dns-parallel-loss, and a name resolved the pod's way. */
#ifndef NR_CLI_POD_DNS_H
#define NR_CLI_POD_DNS_H
#include "base/err.h"
#include "base/parse.h"

/* Sum over CPUs of insert_failed in this netns's /proc/net/stat/nf_conntrack. 0 or -1. */
int cli_ct_insert_failed(unsigned long long *v, void *arg);
/* Resolves name through the pod's resolv.conf and nameservers (netns_fd, pid as from
 * probe_pod_open). NR_E_PROBE_RESOLVE when no address came back. 0 or -1. */
int cli_pod_resolve(int netns_fd, int pid, const char *from, const char *name,
		    struct nr_addr *out, struct nr_err *e);

#endif
