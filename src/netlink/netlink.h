/* rtnetlink, in-process (replaces `ip link/addr/route/neigh`, `bridge fdb`, `ip netns`).
 * libmnl-like: one caller-owned context holding the socket and its receive buffer; requests are
 * built in a stack buffer; every reply goes through one runner that checks sequence number and
 * port id, turns NLMSG_ERROR into errno and follows multipart dumps to NLMSG_DONE; attributes
 * are parsed into tb[TYPE] with unknown types skipped and known ones length-checked.
 * Nothing here allocates or prints. Walkers call `int cb(const T *item, void *arg)`:
 * <0 error (returned as is), 0 stop (the rest of the dump is drained), >0 go on. */
#ifndef NR_NETLINK_NETLINK_H
#define NR_NETLINK_NETLINK_H
#include <stddef.h>
#include <stdint.h>

#include "base/err.h"
#include "base/parse.h"

/* NL_BUF: the kernel builds dump skbs of at most 32 KiB (NLMSG_GOODSIZE is one page, but
 * netlink_dump() may use a 32 KiB skb when the reader's buffer allows); a smaller buffer
 * would truncate messages (MSG_TRUNC, reported as NR_E_TOOBIG). */
#define NL_BUF 32768
/* NL_IFNAMSIZ: IFNAMSIZ, the kernel's limit on interface names (15 bytes + NUL). */
#define NL_IFNAMSIZ 16
/* NL_KINDSIZ: link kinds ("veth", "bridge", "vxlan", "ipvlan", "wireguard") are short. */
#define NL_KINDSIZ 16
/* NL_HWADDR: MAX_ADDR_LEN in the kernel (32); Ethernet uses 6, InfiniBand 20. */
#define NL_HWADDR 32

struct nl {
	int fd;
	uint32_t portid;    /* our port id (bound by the kernel) */
	uint32_t seq;       /* last sequence number sent */
	unsigned char buf[NL_BUF];
};

/* Opens a NETLINK_ROUTE socket in this thread's network namespace. 0 or -1. */
int nl_open(struct nl *nl, struct nr_err *e);
/* Opens it inside the network namespace netns_fd (from netns_open_pid); this thread's own
 * namespace is unchanged afterwards. 0 or -1. */
int nl_open_in(struct nl *nl, int netns_fd, struct nr_err *e);
void nl_close(struct nl *nl);
/* The caller's socket (a whole run shares one, as iproute2 passes rth), or, when given is
 * NULL, one opened into *own. NULL on failure (e set). nl_done closes only what nl_use opened. */
struct nl *nl_use(struct nl *given, struct nl *own, struct nr_err *e);
void nl_done(struct nl *used, struct nl *own);

/* --- links (RTM_GETLINK) ------------------------------------------------------------------- */
struct nl_link {
	int ifindex;
	char name[NL_IFNAMSIZ];   /* raw bytes from the kernel (may hold odd bytes; escape on output) */
	unsigned flags;           /* IFF_UP, IFF_LOWER_UP, ... */
	int operstate;            /* IF_OPER_* (RFC 2863); -1 when absent */
	unsigned mtu;
	char kind[NL_KINDSIZ];    /* IFLA_INFO_KIND ("veth", "bridge"); "" for physical/loopback */
	char slave_kind[NL_KINDSIZ]; /* IFLA_INFO_SLAVE_KIND ("bridge" for a bridge port) */
	int master;               /* IFLA_MASTER ifindex, 0 = none */
	int link;                 /* IFLA_LINK: the peer's ifindex for a veth, 0 = none */
	int link_netnsid;         /* IFLA_LINK_NETNSID: peer's netns id as seen here; -1 = same netns */
	int brport_state;         /* BR_STATE_* (IFLA_BRPORT_STATE) for bridge ports; -1 otherwise */
	int brport_learning;      /* IFLA_BRPORT_LEARNING for bridge ports; -1 otherwise */
	int mac_len;              /* bytes in mac, 0 = none */
	unsigned char mac[NL_HWADDR];
	int has_stats;            /* IFLA_STATS64 was there: the counters below are valid */
	unsigned long long rx_packets, tx_packets, rx_errors, tx_errors, rx_dropped, tx_dropped;
};
typedef int (*nl_link_cb)(const struct nl_link *l, void *arg);
int nl_link_dump(struct nl *nl, nl_link_cb cb, void *arg, struct nr_err *e);
/* One link by name; NR_E_NOIF (ctx = the name) when there is none. */
int nl_link_get(struct nl *nl, const char *name, struct nl_link *out, struct nr_err *e);
int nl_link_get_index(struct nl *nl, int ifindex, struct nl_link *out, struct nr_err *e);
/* Sets IFF_UP (RTM_NEWLINK, change mask IFF_UP). Needs CAP_NET_ADMIN (NR_E_PERM otherwise). */
int nl_link_set_up(struct nl *nl, int ifindex, struct nr_err *e);
/* "UP", "DOWN", "UNKNOWN", "LOWERLAYERDOWN", ... as `ip -br` prints operstate. */
const char *nl_operstate_name(int operstate);

/* --- addresses (RTM_GETADDR) ---------------------------------------------------------------- */
struct nl_ifaddr {
	int ifindex;
	int family;               /* AF_INET, AF_INET6 */
	int prefixlen;
	int scope;                /* RT_SCOPE_* */
	unsigned char addr[16];   /* IFA_LOCAL for IPv4 (IFA_ADDRESS when absent), IFA_ADDRESS for v6 */
};
typedef int (*nl_addr_cb)(const struct nl_ifaddr *a, void *arg);
/* family: AF_UNSPEC (both), AF_INET or AF_INET6. */
int nl_addr_dump(struct nl *nl, int family, nl_addr_cb cb, void *arg, struct nr_err *e);

/* --- routes (RTM_GETROUTE) ------------------------------------------------------------------ */
struct nl_route {
	int family;
	int dst_len;              /* prefix length; 0 for a default route */
	unsigned char dst[16];
	int has_gw;
	unsigned char gw[16];
	int has_prefsrc;
	unsigned char prefsrc[16];
	int oif;                  /* output ifindex, 0 = none (blackhole, multipath) */
	unsigned table;           /* RT_TABLE_MAIN = 254, local = 255 */
	int type;                 /* RTN_UNICAST, RTN_LOCAL, RTN_BLACKHOLE, RTN_UNREACHABLE, ... */
	int scope;
	int protocol;
	unsigned priority;
	unsigned flags;           /* rtm_flags (RTNH_F_LINKDOWN, RTNH_F_ONLINK, ...) */
	int pref;                 /* RTA_PREF (IPv6 router preference), -1 = absent */
};
typedef int (*nl_route_cb)(const struct nl_route *r, void *arg);
int nl_route_dump(struct nl *nl, int family, nl_route_cb cb, void *arg, struct nr_err *e);
/* The kernel's answer to "where does a packet to dst go" (`ip route get`). NR_E_NL_NOROUTE when
 * the kernel says there is no way there; sys keeps its errno: ENETUNREACH (no route at all),
 * EHOSTUNREACH (an unreachable route), EINVAL (a blackhole route), EACCES (a prohibit route). */
int nl_route_get(struct nl *nl, const struct nr_addr *dst, struct nl_route *out, struct nr_err *e);
/* The FIB entry that matches dst (`ip route get fibmatch`): dst/dst_len are the route's prefix
 * (dst_len 0 = the default route), oif/gw its next hop. Same errors as nl_route_get. */
int nl_route_match(struct nl *nl, const struct nr_addr *dst, struct nl_route *out, struct nr_err *e);

/* --- neighbours and bridge FDB (RTM_GETNEIGH) ----------------------------------------------- */
struct nl_neigh {
	int family;               /* AF_INET, AF_INET6, or AF_BRIDGE for FDB entries */
	int ifindex;              /* the device (for FDB: the bridge port) */
	int state;                /* NUD_* */
	int flags;                /* NTF_* */
	int has_ip;
	unsigned char ip[16];     /* NDA_DST (absent on FDB entries) */
	int mac_len;
	unsigned char mac[NL_HWADDR];
	int master;               /* NDA_MASTER: the bridge of an FDB entry, 0 = unknown */
	int vlan;                 /* NDA_VLAN, -1 = none */
	int dst_family;           /* FDB of a VXLAN device: the remote VTEP's family, 0 = none */
	unsigned char dst[16];    /* NDA_DST of that entry (the remote node's IP) */
};
typedef int (*nl_neigh_cb)(const struct nl_neigh *n, void *arg);
/* family: AF_UNSPEC (IPv4 and IPv6), AF_INET or AF_INET6. */
int nl_neigh_dump(struct nl *nl, int family, nl_neigh_cb cb, void *arg, struct nr_err *e);
/* FDB (`bridge fdb show`): every entry of every bridge, or of bridge br_ifindex when > 0. */
int nl_fdb_dump(struct nl *nl, int br_ifindex, nl_neigh_cb cb, void *arg, struct nr_err *e);
/* "REACHABLE", "STALE", "PERMANENT", "NOARP", "FAILED", "INCOMPLETE", ... */
const char *nl_neigh_state_name(int state);

/* --- namespace ids (RTM_GETNSID) ------------------------------------------------------------ */
/* The id this socket's netns gives to the netns netns_fd (what IFLA_LINK_NETNSID refers to);
 * *nsid = -1 when none is assigned. */
int nl_nsid_get(struct nl *nl, int netns_fd, int *nsid, struct nr_err *e);

/* --- parsing of recorded bytes (unit tests, fuzzing; the dumps above use the same code) --- */
enum nl_obj { NL_OBJ_LINK, NL_OBJ_ADDR, NL_OBJ_ROUTE, NL_OBJ_NEIGH };
/* Walks a buffer of netlink messages (as recv() returned them) and calls cb with a
 * struct nl_link / nl_ifaddr / nl_route / nl_neigh per message of that kind. Returns 1 when
 * the buffer ended before NLMSG_DONE (a multipart dump continues), 0 at NLMSG_DONE or after
 * cb stopped, -1 on malformed bytes (NR_E_PARSE) or an NLMSG_ERROR. Sequence numbers are not
 * checked here. */
int nl_parse_buf(const void *buf, size_t len, enum nl_obj kind,
		 int (*cb)(const void *item, void *arg), void *arg, struct nr_err *e);

/* --- any netlink protocol (nfnetlink: nf_tables, ctnetlink) -------------------------------- */
/* A netlink attribute's payload; p == NULL when absent. */
struct nl_attr {
	const unsigned char *p;
	size_t len;
};
/* Fills tb[type] for every attribute in [p, p+len) (tb zeroed first); last one wins, types
 * >= max are skipped, NLA_F_NESTED/NLA_F_NET_BYTEORDER bits ignored. -1 when an attribute
 * header lies about its length. */
int nl_attr_parse(const unsigned char *p, size_t len, struct nl_attr *tb, int max);
/* Copies a string attribute (NUL inside or not) into dst, cut to cap-1 bytes ("" if absent). */
void nl_attr_str(const struct nl_attr *a, char *dst, size_t cap);

/* One reply message of nl_talk: type/flags from its header, the payload after it. e is the
 * caller's error, for the callback to fill when it returns < 0. */
struct nl_msg {
	unsigned type, flags;
	const unsigned char *p;
	size_t len;
	struct nr_err *e;
};
typedef int (*nl_raw_cb)(const struct nl_msg *m, void *arg);
/* Opens a socket of netlink protocol proto (NETLINK_NETFILTER, ...) in this netns. */
int nl_open_proto(struct nl *nl, int proto, struct nr_err *e);
/* Sends req (len bytes: a struct nlmsghdr whose type and flags the caller set, then the body;
 * length, sequence and port id are filled here) and calls cb with each reply message other
 * than NLMSG_DONE/NLMSG_ERROR until the request is answered (a dump to its end; after cb
 * returns 0 the rest is drained). An NLMSG_ERROR gives NR_E_NL_KERNEL with its errno. */
int nl_talk(struct nl *nl, void *req, size_t len, nl_raw_cb cb, void *arg, struct nr_err *e);

/* Text form of a hardware address ("0a:58:0a:04:00:05"); buf >= 3 * NL_HWADDR. */
const char *nl_mac_str(const unsigned char *mac, int len, char *buf, size_t cap);

#endif
