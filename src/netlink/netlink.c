/* The NETLINK_ROUTE socket, the request builder and the one reply runner. */
#include <errno.h>
#include <linux/if.h>
#include <linux/if_link.h>
#include <linux/net_namespace.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "netlink/internal.h"
#include "netns/netns.h"

/* REQ_BUF: the largest request we send is a header, an ifinfomsg and two small attributes. */
#define REQ_BUF 256

struct req {
	size_t len;
	unsigned char b[REQ_BUF];
};

static int nl_bind(struct nl *nl, struct nr_err *e)
{
	struct sockaddr_nl sa;
	socklen_t sl = sizeof sa;

	memset(&sa, 0, sizeof sa);
	sa.nl_family = AF_NETLINK;
	if (bind(nl->fd, (struct sockaddr *)&sa, sizeof sa) < 0 ||
	    getsockname(nl->fd, (struct sockaddr *)&sa, &sl) < 0) {
		int err = errno;

		close(nl->fd);
		nl->fd = -1;
		return nr_fail(e, NR_E_SYS, err, "netlink", "bind");
	}
	nl->portid = sa.nl_pid;
	nl->seq = 0;
	return 0;
}

int nl_open(struct nl *nl, struct nr_err *e)
{
	nl->fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
	if (nl->fd < 0)
		return nr_fail(e, NR_E_SYS, errno, "netlink", "socket");
	return nl_bind(nl, e);
}

int nl_open_in(struct nl *nl, int netns_fd, struct nr_err *e)
{
	nl->fd = netns_socket(netns_fd, AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE, e);
	if (nl->fd < 0)
		return -1;
	return nl_bind(nl, e);
}

void nl_close(struct nl *nl)
{
	if (nl->fd >= 0)
		close(nl->fd);
	nl->fd = -1;
}

struct nl *nl_use(struct nl *given, struct nl *own, struct nr_err *e)
{
	if (given)
		return given;
	return nl_open(own, e) < 0 ? NULL : own;
}

void nl_done(struct nl *used, struct nl *own)
{
	if (used && used == own)
		nl_close(own);
}

/* --- requests ----------------------------------------------------------------------------- */

static void req_init(struct req *r, int type, int flags, const void *body, size_t blen)
{
	struct nlmsghdr h;

	memset(r, 0, sizeof *r);
	memset(&h, 0, sizeof h);
	h.nlmsg_type = (uint16_t)type;
	h.nlmsg_flags = (uint16_t)(NLM_F_REQUEST | flags);
	memcpy(r->b, &h, sizeof h);
	memcpy(r->b + NLMSG_HDRLEN, body, blen);
	r->len = NLMSG_HDRLEN + NLMSG_ALIGN(blen);
}

/* Appends an attribute; the caller's sizes are constants well inside REQ_BUF. */
static void req_attr(struct req *r, int type, const void *data, size_t n)
{
	struct rtattr ra;

	ra.rta_type = (unsigned short)type;
	ra.rta_len = (unsigned short)RTA_LENGTH(n);
	memcpy(r->b + r->len, &ra, sizeof ra);
	memcpy(r->b + r->len + sizeof ra, data, n);
	r->len += RTA_ALIGN(ra.rta_len);
}

static int nl_send(struct nl *nl, struct req *r, struct nr_err *e)
{
	struct sockaddr_nl sa;
	struct nlmsghdr h;
	ssize_t n;

	memcpy(&h, r->b, sizeof h);
	h.nlmsg_len = (uint32_t)r->len;
	h.nlmsg_seq = ++nl->seq;
	h.nlmsg_pid = nl->portid;
	memcpy(r->b, &h, sizeof h);
	memset(&sa, 0, sizeof sa);
	sa.nl_family = AF_NETLINK;
	do
		n = sendto(nl->fd, r->b, r->len, 0, (struct sockaddr *)&sa, sizeof sa);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return nr_fail(e, NR_E_SYS, errno, "netlink", "send");
	return 0;
}

static ssize_t nl_recv(struct nl *nl, struct nr_err *e)
{
	struct sockaddr_nl sa;
	struct iovec iov = { nl->buf, sizeof nl->buf };
	struct msghdr m;
	ssize_t n;

	memset(&m, 0, sizeof m);
	m.msg_name = &sa;
	m.msg_namelen = sizeof sa;
	m.msg_iov = &iov;
	m.msg_iovlen = 1;
	do
		n = recvmsg(nl->fd, &m, 0);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return nr_fail(e, NR_E_SYS, errno, "netlink", "receive");
	if (m.msg_flags & MSG_TRUNC)
		return nr_fail(e, NR_E_TOOBIG, 0, "netlink", "reply of %zd bytes", n);
	if (sa.nl_pid != 0)
		return 0; /* not from the kernel: ignore */
	return n;
}

/* Sends r and feeds every reply to w until the request is answered. */
static int nl_run(struct nl *nl, struct req *r, struct nl_walk *w, struct nr_err *e)
{
	ssize_t n;
	int rc;

	if (nl_send(nl, r, e) < 0)
		return -1;
	w->check = 1;
	w->seq = nl->seq;
	w->portid = nl->portid;
	do {
		n = nl_recv(nl, e);
		if (n < 0)
			return -1;
		rc = nl_walk_buf(w, nl->buf, (size_t)n, e);
	} while (rc > 0);
	return rc;
}

/* w holds the kind, family filter and callback; this sends the dump request. */
static int nl_dump(struct nl *nl, int type, const void *body, size_t blen, struct nl_walk *w,
		   struct nr_err *e)
{
	struct req r;

	req_init(&r, type, NLM_F_DUMP, body, blen);
	return nl_run(nl, &r, w, e);
}

static void walk_init(struct nl_walk *w, int kind, int family, void *arg)
{
	memset(w, 0, sizeof *w);
	w->kind = kind;
	w->family = family;
	w->arg = arg;
}

/* A dump of every object of one kind: rtnetlink's dump requests all start with the family
 * byte (struct rtgenmsg), the rest of the header (hlen bytes) zero: no filter. */
static int dump_all(struct nl *nl, int type, size_t hlen, int family, struct nl_walk *w, struct nr_err *e)
{
	union {
		struct rtgenmsg g;
		struct ifinfomsg ifi;
		struct ifaddrmsg ifa;
		struct rtmsg rtm;
		struct ndmsg nd;
	} h;

	memset(&h, 0, sizeof h);
	h.g.rtgen_family = (unsigned char)family;
	return nl_dump(nl, type, &h, hlen, w, e);
}

/* --- links -------------------------------------------------------------------------------- */

int nl_link_dump(struct nl *nl, nl_link_cb cb, void *arg, struct nr_err *e)
{
	struct nl_walk w;

	walk_init(&w, NL_OBJ_LINK, AF_UNSPEC, arg);
	w.link_cb = cb;
	return dump_all(nl, RTM_GETLINK, sizeof(struct ifinfomsg), AF_UNSPEC, &w, e);
}

static int copy_link(const struct nl_link *item, void *arg)
{
	memcpy(arg, item, sizeof *item);
	return 0;
}

static int link_get(struct nl *nl, int ifindex, const char *name, struct nl_link *out,
		    struct nr_err *e)
{
	struct ifinfomsg ifi;
	struct req r;
	struct nl_walk w;

	memset(&ifi, 0, sizeof ifi);
	ifi.ifi_index = ifindex;
	req_init(&r, RTM_GETLINK, 0, &ifi, sizeof ifi);
	if (name)
		req_attr(&r, IFLA_IFNAME, name, strlen(name) + 1);
	walk_init(&w, NL_OBJ_LINK, AF_UNSPEC, out);
	w.link_cb = copy_link;
	out->ifindex = 0;
	if (nl_run(nl, &r, &w, e) < 0) {
		if (e && e->code == NR_E_NL_KERNEL && (e->sys == ENODEV || e->sys == EINVAL))
			goto noif;
		return -1;
	}
	if (out->ifindex)
		return 0;
noif:
	if (name)
		return nr_fail(e, NR_E_NOIF, 0, "netlink", "%s", name);
	return nr_fail(e, NR_E_NOIF, 0, "netlink", "ifindex %d", ifindex);
}

int nl_link_get(struct nl *nl, const char *name, struct nl_link *out, struct nr_err *e)
{
	/* Longer names cannot exist; the kernel would say EINVAL, we say which name. */
	if (!name[0] || strlen(name) >= NL_IFNAMSIZ)
		return nr_fail(e, NR_E_NOIF, 0, "netlink", "%.*s", NR_ERR_CTX - 16, name);
	return link_get(nl, 0, name, out, e);
}

int nl_link_get_index(struct nl *nl, int ifindex, struct nl_link *out, struct nr_err *e)
{
	return link_get(nl, ifindex, NULL, out, e);
}

int nl_link_set_up(struct nl *nl, int ifindex, struct nr_err *e)
{
	struct ifinfomsg ifi;
	struct req r;
	struct nl_walk w;

	memset(&ifi, 0, sizeof ifi);
	ifi.ifi_index = ifindex;
	ifi.ifi_flags = IFF_UP;
	ifi.ifi_change = IFF_UP;
	req_init(&r, RTM_NEWLINK, NLM_F_ACK, &ifi, sizeof ifi);
	walk_init(&w, NL_OBJ_ACK, AF_UNSPEC, NULL);
	if (nl_run(nl, &r, &w, e) == 0)
		return 0;
	if (e && e->code == NR_E_NL_KERNEL && (e->sys == EPERM || e->sys == EACCES))
		return nr_fail(e, NR_E_PERM, e->sys, "netlink",
			       "setting ifindex %d up needs CAP_NET_ADMIN", ifindex);
	return -1;
}

/* --- addresses, routes, neighbours --------------------------------------------------------- */

int nl_addr_dump(struct nl *nl, int family, nl_addr_cb cb, void *arg, struct nr_err *e)
{
	struct nl_walk w;

	walk_init(&w, NL_OBJ_ADDR, family, arg);
	w.addr_cb = cb;
	return dump_all(nl, RTM_GETADDR, sizeof(struct ifaddrmsg), family, &w, e);
}

int nl_route_dump(struct nl *nl, int family, nl_route_cb cb, void *arg, struct nr_err *e)
{
	struct nl_walk w;

	walk_init(&w, NL_OBJ_ROUTE, family, arg);
	w.route_cb = cb;
	return dump_all(nl, RTM_GETROUTE, sizeof(struct rtmsg), family, &w, e);
}

static int copy_route(const struct nl_route *item, void *arg)
{
	memcpy(arg, item, sizeof *item);
	return 0;
}

static int route_get(struct nl *nl, const struct nr_addr *dst, unsigned flags, struct nl_route *out,
		     struct nr_err *e)
{
	struct rtmsg rtm;
	struct req r;
	struct nl_walk w;
	size_t alen = dst->family == AF_INET ? 4 : 16;

	memset(&rtm, 0, sizeof rtm);
	rtm.rtm_family = (unsigned char)dst->family;
	rtm.rtm_dst_len = (unsigned char)(alen * 8);
	rtm.rtm_flags = flags;
	req_init(&r, RTM_GETROUTE, 0, &rtm, sizeof rtm);
	req_attr(&r, RTA_DST, dst->a, alen);
	walk_init(&w, NL_OBJ_ROUTE, AF_UNSPEC, out);
	w.route_cb = copy_route;
	memset(out, 0, sizeof *out);
	out->family = -1;
	if (nl_run(nl, &r, &w, e) < 0) {
		if (e && e->code == NR_E_NL_KERNEL &&
		    (e->sys == ENETUNREACH || e->sys == EHOSTUNREACH || e->sys == ESRCH ||
		     e->sys == EINVAL || e->sys == EACCES))
			return nr_fail(e, NR_E_NL_NOROUTE, e->sys, "netlink", NULL);
		return -1;
	}
	if (out->family < 0)
		return nr_fail(e, NR_E_NL_PROTO, 0, "netlink", "no reply to RTM_GETROUTE");
	return 0;
}

int nl_route_get(struct nl *nl, const struct nr_addr *dst, struct nl_route *out, struct nr_err *e)
{
	return route_get(nl, dst, 0, out, e);
}

int nl_route_match(struct nl *nl, const struct nr_addr *dst, struct nl_route *out, struct nr_err *e)
{
	/* RTM_F_FIB_MATCH (Linux 4.13): answer with the matching route, not the resolved one. */
	return route_get(nl, dst, RTM_F_FIB_MATCH, out, e);
}

int nl_neigh_dump(struct nl *nl, int family, nl_neigh_cb cb, void *arg, struct nr_err *e)
{
	struct nl_walk w;

	if (family == AF_UNSPEC) {
		/* Two dumps, so that each table's entries are the ones of its family. */
		if (nl_neigh_dump(nl, AF_INET, cb, arg, e) < 0)
			return -1;
		return nl_neigh_dump(nl, AF_INET6, cb, arg, e);
	}
	walk_init(&w, NL_OBJ_NEIGH, family, arg);
	w.neigh_cb = cb;
	return dump_all(nl, RTM_GETNEIGH, sizeof(struct ndmsg), family, &w, e);
}

int nl_fdb_dump(struct nl *nl, int br_ifindex, nl_neigh_cb cb, void *arg, struct nr_err *e)
{
	struct ifinfomsg ifi;
	struct req r;
	struct nl_walk w;
	uint32_t br = (uint32_t)br_ifindex;

	/* The kernel parses a legacy FDB dump request as an ifinfomsg (rtnl_fdb_dump,
	 * valid_fdb_dump_legacy), filtering on IFLA_MASTER; `bridge fdb show` sends the same. */
	memset(&ifi, 0, sizeof ifi);
	ifi.ifi_family = AF_BRIDGE;
	req_init(&r, RTM_GETNEIGH, NLM_F_DUMP, &ifi, sizeof ifi);
	if (br_ifindex > 0)
		req_attr(&r, IFLA_MASTER, &br, sizeof br);
	walk_init(&w, NL_OBJ_NEIGH, AF_BRIDGE, arg);
	w.neigh_cb = cb;
	return nl_run(nl, &r, &w, e);
}

int nl_nsid_get(struct nl *nl, int netns_fd, int *nsid, struct nr_err *e)
{
	struct rtgenmsg g;
	struct req r;
	struct nl_walk w;
	uint32_t fd = (uint32_t)netns_fd;

	memset(&g, 0, sizeof g);
	g.rtgen_family = AF_UNSPEC;
	req_init(&r, RTM_GETNSID, 0, &g, sizeof g);
	req_attr(&r, NETNSA_FD, &fd, sizeof fd);
	walk_init(&w, NL_OBJ_NSID, AF_UNSPEC, NULL);
	w.nsid = -1;
	if (nl_run(nl, &r, &w, e) < 0)
		return -1;
	*nsid = w.nsid;
	return 0;
}

/* --- any protocol ------------------------------------------------------------------------- */

int nl_open_proto(struct nl *nl, int proto, struct nr_err *e)
{
	nl->fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, proto);
	if (nl->fd < 0)
		return nr_fail(e, errno == EPROTONOSUPPORT ? NR_E_UNSUPPORTED : NR_E_SYS, errno, "netlink",
			       "socket (protocol %d)", proto);
	return nl_bind(nl, e);
}

int nl_talk(struct nl *nl, void *req, size_t len, nl_raw_cb cb, void *arg, struct nr_err *e)
{
	struct sockaddr_nl sa;
	struct nlmsghdr h;
	struct nl_walk w;
	ssize_t n;
	int rc;

	if (len < sizeof h)
		return nr_fail(e, NR_E_USAGE, 0, "netlink", "short request");
	memcpy(&h, req, sizeof h);
	h.nlmsg_len = (uint32_t)len;
	h.nlmsg_flags |= NLM_F_REQUEST;
	h.nlmsg_seq = ++nl->seq;
	h.nlmsg_pid = nl->portid;
	memcpy(req, &h, sizeof h);
	memset(&sa, 0, sizeof sa);
	sa.nl_family = AF_NETLINK;
	do
		n = sendto(nl->fd, req, len, 0, (struct sockaddr *)&sa, sizeof sa);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return nr_fail(e, NR_E_SYS, errno, "netlink", "send");
	walk_init(&w, NL_OBJ_RAW, AF_UNSPEC, arg);
	w.raw = cb;
	w.check = 1;
	w.seq = nl->seq;
	w.portid = nl->portid;
	do {
		n = nl_recv(nl, e);
		if (n < 0)
			return -1;
		rc = nl_walk_buf(&w, nl->buf, (size_t)n, e);
	} while (rc > 0);
	return rc;
}
