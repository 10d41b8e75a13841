/* Private to src/drops: what the watch, the counters and the renderers share. */
#ifndef NR_DROPS_PRIVATE_H
#define NR_DROPS_PRIVATE_H

#include "drops/drops.h"

/* SNAP_MAX: counters read per snapshot (drop-related SNMP names of the node and each pod,
 * four per link, softnet, conntrack): a node with 110 pods has ~600. */
#define SNAP_MAX 2048

struct drops_snap_val {
	char scope[48];
	char name[48];
	unsigned long long v;
};

struct drops_snap {
	int n, dropped;
	struct drops_snap_val c[SNAP_MAX];
	char unread[DROPS_WHY];             /* sources that could not be read */
};

/* Reads every counter source into s. */
void drops_snap_take(const struct drops_opts *o, struct drops_snap *s);
/* The counters that rose from a to b go to r->c, biggest first. */
void drops_snap_delta(const struct drops_snap *a, const struct drops_snap *b, struct drops_report *r);

/* Symbolizes every location of r from /proc/kallsyms. */
void drops_symbolize(struct drops_report *r);
/* Maps each flow's addresses to pods on this node (locate + the runtime's names); lc: the
 * caller's locate context (NULL: one of its own). */
void drops_map_pods(struct drops_report *r, const char *host_root, struct locate_ctx *lc);

/* Text of an address/port as the contract writes them. */
const char *drops_proto_name(unsigned proto, char *buf, size_t cap);

#endif
