/* Private to diagnose: node facts and capabilities. */
#ifndef NR_DIAGNOSE_NODE_H
#define NR_DIAGNOSE_NODE_H

#include "diagnose/diagnose.h"
#include "netlink/netlink.h"

/* CapEff of this process (0 when unreadable). 0 or -1. */
int diag_caps_read(unsigned long long *eff);
int diag_has_cap(const struct diag_report *r, int bit);
/* Host name, kernel, uid, capabilities, uplink (nl may be NULL: /proc/net/route), CNI. */
void diag_node_facts(struct diag_report *r, const char *host_root, struct nl *nl);

#endif
