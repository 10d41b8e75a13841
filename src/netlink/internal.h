/* Private to src/netlink: the message walker shared by the socket runner (netlink.c) and the
 * parsers of recorded bytes (parse.c). Not a public header. */
#ifndef NR_NETLINK_INTERNAL_H
#define NR_NETLINK_INTERNAL_H
#include <stddef.h>
#include <stdint.h>

#include "netlink/netlink.h"

/* Kinds beyond the public enum nl_obj: replies the runner handles itself. */
enum { NL_OBJ_NSID = 100, NL_OBJ_ACK = 101, NL_OBJ_RAW = 102 };

struct nl_walk {
	int kind;                                   /* enum nl_obj or NL_OBJ_* above */
	int family;                                 /* keep only this family; AF_UNSPEC = all */
	/* Typed callbacks, so that no function is called through a cast pointer type; `any`
	 * is nl_parse_buf's generic one (used when set). */
	nl_link_cb link_cb;
	nl_addr_cb addr_cb;
	nl_route_cb route_cb;
	nl_neigh_cb neigh_cb;
	int (*any)(const void *item, void *arg);
	nl_raw_cb raw;                              /* NL_OBJ_RAW: every message as it is */
	void *arg;
	int stopped;                                /* cb returned 0: drain the rest */
	int check;                                  /* check seq and portid */
	uint32_t seq, portid;
	int nsid;                                   /* NL_OBJ_NSID result */
};

/* Walks one received buffer: 1 = more parts follow, 0 = done, -1 = error (e filled). */
int nl_walk_buf(struct nl_walk *w, const unsigned char *buf, size_t len, struct nr_err *e);

#endif
