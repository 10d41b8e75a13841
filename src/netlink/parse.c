/* Parsing of netlink messages and their attributes. Everything here takes an explicit length
 * and checks every field against it: these bytes come from the kernel today, from a recorded
 * file or a fuzzer tomorrow. */
#include <errno.h>
#include <linux/if_link.h>
#include <linux/net_namespace.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "netlink/internal.h"

/* TB_MAX: one more than the highest attribute type we read in any table (IFLA_* today ~60;
 * higher types are skipped, as libmnl's callbacks skip unknown ones). */
#define TB_MAX 64

#define attr nl_attr

int nl_attr_parse(const unsigned char *p, size_t len, struct nl_attr *tb, int max)
{
	struct rtattr ra;
	size_t step;

	memset(tb, 0, sizeof *tb * (size_t)max);
	while (len >= sizeof ra) {
		memcpy(&ra, p, sizeof ra);
		if (ra.rta_len < sizeof ra || ra.rta_len > len)
			return -1;
		if ((ra.rta_type & NLA_TYPE_MASK) < max) {
			tb[ra.rta_type & NLA_TYPE_MASK].p = p + sizeof ra;
			tb[ra.rta_type & NLA_TYPE_MASK].len = ra.rta_len - sizeof ra;
		}
		step = RTA_ALIGN(ra.rta_len);
		if (step >= len)
			break;
		p += step;
		len -= step;
	}
	return 0;
}

static int attr_u32(const struct attr *a, unsigned *v)
{
	uint32_t x;

	if (!a->p || a->len < sizeof x)
		return -1;
	memcpy(&x, a->p, sizeof x);
	*v = x;
	return 0;
}

static int attr_u8(const struct attr *a, int *v)
{
	if (!a->p || a->len < 1)
		return -1;
	*v = a->p[0];
	return 0;
}

void nl_attr_str(const struct nl_attr *a, char *dst, size_t cap)
{
	size_t n = 0;

	if (a->p)
		while (n < a->len && n + 1 < cap && a->p[n])
			n++;
	if (n)
		memcpy(dst, a->p, n);
	dst[n] = 0;
}

/* An address of the family's size (4 or 16 bytes); -1 when absent or of another size. */
static int attr_ip(const struct attr *a, int family, unsigned char *dst)
{
	size_t n = family == AF_INET ? 4 : family == AF_INET6 ? 16 : 0;

	if (!n || !a->p || a->len != n)
		return -1;
	memcpy(dst, a->p, n);
	return 0;
}

static int attr_mac(const struct attr *a, unsigned char *dst, int *len)
{
	*len = 0;
	if (!a->p || !a->len || a->len > NL_HWADDR)
		return -1;
	memcpy(dst, a->p, a->len);
	*len = (int)a->len;
	return 0;
}

/* --- objects ------------------------------------------------------------------------------ */

static void link_info(struct nl_link *l, const struct attr *li)
{
	struct attr tb[TB_MAX], sd[TB_MAX];

	if (!li->p || nl_attr_parse(li->p, li->len, tb, TB_MAX) < 0)
		return;
	nl_attr_str(&tb[IFLA_INFO_KIND], l->kind, sizeof l->kind);
	nl_attr_str(&tb[IFLA_INFO_SLAVE_KIND], l->slave_kind, sizeof l->slave_kind);
	if (strcmp(l->slave_kind, "bridge") || !tb[IFLA_INFO_SLAVE_DATA].p)
		return;
	if (nl_attr_parse(tb[IFLA_INFO_SLAVE_DATA].p, tb[IFLA_INFO_SLAVE_DATA].len, sd, TB_MAX) < 0)
		return;
	attr_u8(&sd[IFLA_BRPORT_STATE], &l->brport_state);
	attr_u8(&sd[IFLA_BRPORT_LEARNING], &l->brport_learning);
}

/* The drop and error counters of struct rtnl_link_stats64 (its first eight u64s). */
static void link_stats(struct nl_link *l, const struct attr *a)
{
	uint64_t v[8];

	if (!a->p || a->len < sizeof v)
		return;
	memcpy(v, a->p, sizeof v);
	l->has_stats = 1;
	l->rx_packets = v[0];
	l->tx_packets = v[1];
	l->rx_errors = v[4];
	l->tx_errors = v[5];
	l->rx_dropped = v[6];
	l->tx_dropped = v[7];
}

/* The fixed header of an rtnetlink message (hlen bytes) into hdr and the attributes after it
 * (at NLMSG_ALIGN(hlen)) into tb; 0, or -1 when the message is too short or malformed. */
static int msg_parse(const unsigned char *p, size_t len, void *hdr, size_t hlen, struct attr *tb)
{
	if (len < NLMSG_ALIGN(hlen))
		return -1;
	memcpy(hdr, p, hlen);
	return nl_attr_parse(p + NLMSG_ALIGN(hlen), len - NLMSG_ALIGN(hlen), tb, TB_MAX) < 0 ? -1 : 0;
}

static int parse_link(const unsigned char *p, size_t len, struct nl_link *l)
{
	struct ifinfomsg ifi;
	struct attr tb[TB_MAX];
	unsigned v;

	if (msg_parse(p, len, &ifi, sizeof ifi, tb) < 0)
		return -1;
	memset(l, 0, sizeof *l);
	l->ifindex = ifi.ifi_index;
	l->flags = ifi.ifi_flags;
	l->operstate = l->brport_state = l->brport_learning = l->link_netnsid = -1;
	nl_attr_str(&tb[IFLA_IFNAME], l->name, sizeof l->name);
	if (!attr_u32(&tb[IFLA_MTU], &v))
		l->mtu = v;
	if (!attr_u32(&tb[IFLA_MASTER], &v))
		l->master = (int)v;
	if (!attr_u32(&tb[IFLA_LINK], &v))
		l->link = (int)v;
	if (!attr_u32(&tb[IFLA_LINK_NETNSID], &v))
		l->link_netnsid = (int)v;
	attr_u8(&tb[IFLA_OPERSTATE], &l->operstate);
	attr_mac(&tb[IFLA_ADDRESS], l->mac, &l->mac_len);
	link_info(l, &tb[IFLA_LINKINFO]);
	link_stats(l, &tb[IFLA_STATS64]);
	return 0;
}

static int parse_addr(const unsigned char *p, size_t len, struct nl_ifaddr *a)
{
	struct ifaddrmsg ifa;
	struct attr tb[TB_MAX];

	if (msg_parse(p, len, &ifa, sizeof ifa, tb) < 0)
		return -1;
	memset(a, 0, sizeof *a);
	a->family = ifa.ifa_family;
	a->prefixlen = ifa.ifa_prefixlen;
	a->scope = ifa.ifa_scope;
	a->ifindex = (int)ifa.ifa_index;
	/* On point-to-point links IFA_ADDRESS is the peer; IFA_LOCAL is ours (rtnetlink(7)). */
	if (attr_ip(&tb[IFA_LOCAL], a->family, a->addr) < 0 &&
	    attr_ip(&tb[IFA_ADDRESS], a->family, a->addr) < 0)
		return 1; /* no address of its family: not one we can show */
	return 0;
}

static void route_multipath(struct nl_route *r, const struct attr *mp)
{
	struct rtnexthop nh;

	/* The first hop's device stands for the route, as `ip route get` reports one. */
	if (!r->oif && mp->p && mp->len >= sizeof nh) {
		memcpy(&nh, mp->p, sizeof nh);
		r->oif = nh.rtnh_ifindex;
	}
}

static int parse_route(const unsigned char *p, size_t len, struct nl_route *r)
{
	struct rtmsg rtm;
	struct attr tb[TB_MAX];
	unsigned v;

	if (msg_parse(p, len, &rtm, sizeof rtm, tb) < 0)
		return -1;
	memset(r, 0, sizeof *r);
	r->family = rtm.rtm_family;
	r->dst_len = rtm.rtm_dst_len;
	r->table = rtm.rtm_table;
	r->type = rtm.rtm_type;
	r->scope = rtm.rtm_scope;
	r->protocol = rtm.rtm_protocol;
	r->flags = rtm.rtm_flags;
	r->pref = -1;
	attr_ip(&tb[RTA_DST], r->family, r->dst);
	r->has_gw = !attr_ip(&tb[RTA_GATEWAY], r->family, r->gw);
	r->has_prefsrc = !attr_ip(&tb[RTA_PREFSRC], r->family, r->prefsrc);
	if (!attr_u32(&tb[RTA_OIF], &v))
		r->oif = (int)v;
	if (!attr_u32(&tb[RTA_TABLE], &v))
		r->table = v;
	if (!attr_u32(&tb[RTA_PRIORITY], &v))
		r->priority = v;
	attr_u8(&tb[RTA_PREF], &r->pref);
	route_multipath(r, &tb[RTA_MULTIPATH]);
	return 0;
}

static int parse_neigh(const unsigned char *p, size_t len, struct nl_neigh *n)
{
	struct ndmsg nd;
	struct attr tb[TB_MAX];
	unsigned v;

	if (msg_parse(p, len, &nd, sizeof nd, tb) < 0)
		return -1;
	memset(n, 0, sizeof *n);
	n->family = nd.ndm_family;
	n->ifindex = nd.ndm_ifindex;
	n->state = nd.ndm_state;
	n->flags = nd.ndm_flags;
	n->vlan = -1;
	n->has_ip = !attr_ip(&tb[NDA_DST], n->family, n->ip);
	/* An FDB entry of a VXLAN device carries its remote VTEP in NDA_DST (vxlan_fdb_info),
	 * 4 or 16 bytes by the underlay's family. */
	if (n->family == AF_BRIDGE && tb[NDA_DST].p) {
		if (!attr_ip(&tb[NDA_DST], AF_INET, n->dst))
			n->dst_family = AF_INET;
		else if (!attr_ip(&tb[NDA_DST], AF_INET6, n->dst))
			n->dst_family = AF_INET6;
	}
	attr_mac(&tb[NDA_LLADDR], n->mac, &n->mac_len);
	if (!attr_u32(&tb[NDA_MASTER], &v))
		n->master = (int)v;
	if (tb[NDA_VLAN].p && tb[NDA_VLAN].len >= 2) {
		uint16_t vl;

		memcpy(&vl, tb[NDA_VLAN].p, sizeof vl);
		n->vlan = vl;
	}
	return 0;
}

static int parse_nsid(const unsigned char *p, size_t len, int *nsid)
{
	struct rtgenmsg g;
	struct attr tb[TB_MAX];
	unsigned v;

	if (msg_parse(p, len, &g, sizeof g, tb) < 0)
		return -1;
	*nsid = attr_u32(&tb[NETNSA_NSID], &v) ? -1 : (int)v;
	return 0;
}

/* --- the walker --------------------------------------------------------------------------- */

/* Which message type carries each kind of object. */
static int kind_type(int kind)
{
	switch (kind) {
	case NL_OBJ_LINK: return RTM_NEWLINK;
	case NL_OBJ_ADDR: return RTM_NEWADDR;
	case NL_OBJ_ROUTE: return RTM_NEWROUTE;
	case NL_OBJ_NEIGH: return RTM_NEWNEIGH;
	case NL_OBJ_NSID: return RTM_NEWNSID;
	default: return -1;
	}
}

/* Parses one object message and hands it to the callback. */
static int walk_obj(struct nl_walk *w, const unsigned char *p, size_t len, struct nr_err *e)
{
	union { struct nl_link l; struct nl_ifaddr a; struct nl_route r; struct nl_neigh n; } o;
	int rc, fam;

	switch (w->kind) {
	case NL_OBJ_LINK: rc = parse_link(p, len, &o.l); fam = AF_UNSPEC; break;
	case NL_OBJ_ADDR: rc = parse_addr(p, len, &o.a); fam = o.a.family; break;
	case NL_OBJ_ROUTE: rc = parse_route(p, len, &o.r); fam = o.r.family; break;
	case NL_OBJ_NEIGH: rc = parse_neigh(p, len, &o.n); fam = o.n.family; break;
	case NL_OBJ_NSID: return parse_nsid(p, len, &w->nsid) < 0 ?
		nr_fail(e, NR_E_PARSE, 0, "netlink", "RTM_NEWNSID") : 0;
	default: return 0;
	}
	if (rc < 0)
		return nr_fail(e, NR_E_PARSE, 0, "netlink", "message type %d", kind_type(w->kind));
	if (rc > 0 || w->stopped || (w->family != AF_UNSPEC && fam != w->family))
		return 0;
	if (w->any)
		rc = w->any(&o, w->arg);
	else if (w->kind == NL_OBJ_LINK)
		rc = w->link_cb(&o.l, w->arg);
	else if (w->kind == NL_OBJ_ADDR)
		rc = w->addr_cb(&o.a, w->arg);
	else if (w->kind == NL_OBJ_ROUTE)
		rc = w->route_cb(&o.r, w->arg);
	else
		rc = w->neigh_cb(&o.n, w->arg);
	if (rc < 0) {
		if (e && e->code == NR_OK)
			nr_fail(e, NR_E_NL_PROTO, 0, "netlink", "walk stopped by an error");
		return -1;
	}
	if (rc == 0)
		w->stopped = 1;
	return 0;
}

static int walk_error(const unsigned char *p, size_t len, struct nr_err *e)
{
	struct nlmsgerr err;

	if (len < sizeof err.error)
		return nr_fail(e, NR_E_PARSE, 0, "netlink", "short NLMSG_ERROR");
	memcpy(&err.error, p, sizeof err.error);
	if (err.error == 0)
		return 0; /* an ACK */
	return nr_fail(e, NR_E_NL_KERNEL, -err.error, "netlink", NULL);
}

/* One message: 1 = go on, 0 = done, -1 = error. */
static int walk_msg(struct nl_walk *w, const struct nlmsghdr *h, const unsigned char *p,
		    struct nr_err *e)
{
	size_t plen = h->nlmsg_len - NLMSG_HDRLEN;

	if (w->check && (h->nlmsg_seq != w->seq || (h->nlmsg_pid && h->nlmsg_pid != w->portid)))
		return 1; /* left over from an earlier request that ended early: not ours */
	if (h->nlmsg_type == NLMSG_DONE)
		return 0;
	if (h->nlmsg_type == NLMSG_ERROR)
		return walk_error(p, plen, e) < 0 ? -1 : 0;
	if (h->nlmsg_type == NLMSG_OVERRUN)
		return nr_fail(e, NR_E_NL_PROTO, ENOBUFS, "netlink", "overrun");
	if (w->kind == NL_OBJ_RAW && !w->stopped) {
		struct nl_msg m = { h->nlmsg_type, h->nlmsg_flags, p, plen, e };
		int rc = w->raw(&m, w->arg);

		if (rc < 0)
			return -1;
		w->stopped = rc == 0;
	} else if (h->nlmsg_type == kind_type(w->kind) && walk_obj(w, p, plen, e) < 0)
		return -1;
	/* A reply to a plain (non-dump) request is one message without NLM_F_MULTI. */
	return (h->nlmsg_flags & NLM_F_MULTI) || h->nlmsg_type == NLMSG_NOOP ? 1 : 0;
}

int nl_walk_buf(struct nl_walk *w, const unsigned char *buf, size_t len, struct nr_err *e)
{
	struct nlmsghdr h;
	int rc;

	while (len >= NLMSG_HDRLEN) {
		memcpy(&h, buf, sizeof h);
		if (h.nlmsg_len < NLMSG_HDRLEN || h.nlmsg_len > len)
			return nr_fail(e, NR_E_PARSE, 0, "netlink", "message length %u of %zu",
				       h.nlmsg_len, len);
		rc = walk_msg(w, &h, buf + NLMSG_HDRLEN, e);
		if (rc <= 0)
			return rc;
		if (NLMSG_ALIGN(h.nlmsg_len) >= len)
			return 1;
		buf += NLMSG_ALIGN(h.nlmsg_len);
		len -= NLMSG_ALIGN(h.nlmsg_len);
	}
	if (len)
		return nr_fail(e, NR_E_PARSE, 0, "netlink", "%zu trailing bytes", len);
	return 1;
}

int nl_parse_buf(const void *buf, size_t len, enum nl_obj kind,
		 int (*cb)(const void *item, void *arg), void *arg, struct nr_err *e)
{
	struct nl_walk w;

	memset(&w, 0, sizeof w);
	w.kind = kind;
	w.any = cb;
	w.arg = arg;
	return nl_walk_buf(&w, buf, len, e);
}

/* --- names -------------------------------------------------------------------------------- */

const char *nl_operstate_name(int s)
{
	/* RFC 2863 ifOperStatus, as the kernel's IF_OPER_* and `ip -br` print them. */
	static const char *const names[] = { "UNKNOWN", "NOTPRESENT", "DOWN", "LOWERLAYERDOWN",
					     "TESTING", "DORMANT", "UP" };

	if (s < 0 || s >= (int)(sizeof names / sizeof names[0]))
		return "UNKNOWN";
	return names[s];
}

const char *nl_neigh_state_name(int s)
{
	/* NUD_* bits; an entry has one state, NOARP/PERMANENT flavour static ones. */
	if (s & NUD_PERMANENT) return "PERMANENT";
	if (s & NUD_NOARP) return "NOARP";
	if (s & NUD_REACHABLE) return "REACHABLE";
	if (s & NUD_STALE) return "STALE";
	if (s & NUD_DELAY) return "DELAY";
	if (s & NUD_PROBE) return "PROBE";
	if (s & NUD_FAILED) return "FAILED";
	if (s & NUD_INCOMPLETE) return "INCOMPLETE";
	return "NONE";
}

const char *nl_mac_str(const unsigned char *mac, int len, char *buf, size_t cap)
{
	size_t n = 0;
	int i;

	if (cap)
		buf[0] = 0;
	for (i = 0; i < len && n + 4 <= cap; i++)
		n += (size_t)snprintf(buf + n, cap - n, i ? ":%02x" : "%02x", mac[i]);
	return buf;
}
