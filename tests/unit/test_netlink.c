/* Netlink parsing on recorded kernel replies (tests/unit/data/netlink/KIND.bin, made by record.py
 * in a netns with cbr0, a bridged veth, a routed veth and a neighbour), on crafted malformed
 * messages, and a few live reads; plus netns helpers and CNI classification. */
#include <errno.h>
#include <linux/neighbour.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "checks/cni.h"
#include "netlink/netlink.h"
#include "netns/netns.h"
#include "t.h"

static unsigned char buf[65536];

static size_t load(const char *kind)
{
	char path[256];
	FILE *f;
	size_t n;

	snprintf(path, sizeof path, "tests/unit/data/netlink/%s.bin", kind);
	f = fopen(path, "rb");
	if (!f)
		return 0;
	n = fread(buf, 1, sizeof buf, f);
	fclose(f);
	return n;
}

#define MAXI 32
static struct nl_link links[MAXI];
static int nlinks;
static int on_link(const void *item, void *arg)
{
	(void)arg;
	if (nlinks < MAXI)
		links[nlinks++] = *(const struct nl_link *)item;
	return 1;
}

static const struct nl_link *link_named(const char *n)
{
	int i;

	for (i = 0; i < nlinks; i++)
		if (!strcmp(links[i].name, n))
			return &links[i];
	return NULL;
}

static void recorded_links(void)
{
	size_t n = load("link");
	struct nr_err e;
	const struct nl_link *l;
	char mac[64];

	CHECK(n > 0);
	nlinks = 0;
	CHECK_INT(nl_parse_buf(buf, n, NL_OBJ_LINK, on_link, NULL, &e), 0);
	CHECK_INT(nlinks, 4);
	l = link_named("lo");
	CHECK(l && l->ifindex == 1 && l->mtu == 65536 && l->kind[0] == 0 && l->master == 0);
	l = link_named("cbr0");
	CHECK(l && !strcmp(l->kind, "bridge") && l->mac_len == 6 && l->brport_state == -1);
	l = link_named("veth1");
	CHECK(l && !strcmp(l->kind, "veth") && !strcmp(l->slave_kind, "bridge"));
	CHECK(l && l->master == link_named("cbr0")->ifindex && l->link_netnsid == 0 && l->link > 0);
	CHECK(l && l->brport_state >= 0 && l->brport_learning == 1);
	l = link_named("gke1");
	CHECK(l && l->master == 0 && l->link_netnsid == 0 && !strcmp(l->kind, "veth"));
	CHECK(l && (l->flags & 1)); /* IFF_UP */
	CHECK_STR(nl_mac_str((const unsigned char *)"\x0a\x58\x0a\x04\x00\x05", 6, mac, sizeof mac),
		  "0a:58:0a:04:00:05");
}

static int count_cb(const void *item, void *arg)
{
	(void)item;
	(*(int *)arg)++;
	return 1;
}

static int stop_cb(const void *item, void *arg)
{
	(void)item;
	(*(int *)arg)++;
	return 0;
}

static void prefixes_never_overread(void)
{
	size_t n = load("link"), cut;
	struct nr_err e;
	int cnt, rc;

	/* Every prefix: either a clean partial buffer (1) or malformed (-1); never "done". */
	for (cut = 0; cut < n; cut++) {
		cnt = 0;
		rc = nl_parse_buf(buf, cut, NL_OBJ_LINK, count_cb, &cnt, &e);
		if (rc == 0) {
			CHECK(rc != 0);
			break;
		}
	}
	cnt = 0;
	CHECK_INT(nl_parse_buf(buf, n, NL_OBJ_LINK, stop_cb, &cnt, &e), 0);
	CHECK_INT(cnt, 1); /* stopped after the first: the rest is drained, not delivered */
}

struct addrs { int n; char s[8][64]; };
static int on_addr(const void *item, void *arg)
{
	const struct nl_ifaddr *a = item;
	struct addrs *x = arg;
	struct nr_addr na;
	char ip[64];

	na.family = a->family;
	memcpy(na.a, a->addr, 16);
	if (x->n < 8)
		snprintf(x->s[x->n++], 64, "%d %s/%d", a->ifindex, addr_str(&na, ip, sizeof ip), a->prefixlen);
	return 1;
}

static void recorded_addrs(void)
{
	size_t n = load("addr");
	struct addrs x = { 0 };
	struct nr_err e;
	int i, lo = 0, br = 0;

	CHECK_INT(nl_parse_buf(buf, n, NL_OBJ_ADDR, on_addr, &x, &e), 0);
	for (i = 0; i < x.n; i++) {
		lo |= !strcmp(x.s[i], "1 127.0.0.1/8");
		br |= !strcmp(x.s[i], "2 10.4.0.1/24");
	}
	CHECK(lo);
	CHECK(br);
}

static struct nl_route routes[32];
static int nroutes;
static int on_route(const void *item, void *arg)
{
	(void)arg;
	if (nroutes < 32)
		routes[nroutes++] = *(const struct nl_route *)item;
	return 1;
}

static void recorded_routes(void)
{
	size_t n = load("route");
	struct nr_err e;
	int i, pod = 0, net = 0;

	nroutes = 0;
	CHECK_INT(nl_parse_buf(buf, n, NL_OBJ_ROUTE, on_route, NULL, &e), 0);
	for (i = 0; i < nroutes; i++) {
		if (routes[i].dst_len == 32 && !memcmp(routes[i].dst, "\x0a\x04\x01\x07", 4) &&
		    routes[i].oif == 4 && routes[i].table == 254 && !routes[i].has_gw)
			pod = 1;
		if (routes[i].dst_len == 24 && !memcmp(routes[i].dst, "\x0a\x04\x00\x00", 4) &&
		    routes[i].oif == 2 && routes[i].scope == RT_SCOPE_LINK)
			net = 1;
	}
	CHECK(pod);
	CHECK(net);
}

static struct nl_neigh neighs[32];
static int nneigh;
static int on_neigh(const void *item, void *arg)
{
	(void)arg;
	if (nneigh < 32)
		neighs[nneigh++] = *(const struct nl_neigh *)item;
	return 1;
}

static void recorded_neigh_and_fdb(void)
{
	static const unsigned char mac[6] = { 0x0a, 0x58, 0x0a, 0x04, 0x00, 0x05 };
	size_t n = load("neigh");
	struct nr_err e;
	int i, ok = 0;

	nneigh = 0;
	CHECK_INT(nl_parse_buf(buf, n, NL_OBJ_NEIGH, on_neigh, NULL, &e), 0);
	for (i = 0; i < nneigh; i++)
		ok |= neighs[i].has_ip && !memcmp(neighs[i].ip, "\x0a\x04\x00\x05", 4) &&
		      neighs[i].mac_len == 6 && !memcmp(neighs[i].mac, mac, 6) && neighs[i].ifindex == 2;
	CHECK(ok);
	n = load("fdb");
	nneigh = 0;
	ok = 0;
	CHECK_INT(nl_parse_buf(buf, n, NL_OBJ_NEIGH, on_neigh, NULL, &e), 0);
	for (i = 0; i < nneigh; i++)
		ok |= neighs[i].family == AF_BRIDGE && !memcmp(neighs[i].mac, mac, 6) &&
		      neighs[i].ifindex == 3 && neighs[i].master == 2 && !(neighs[i].state & NUD_PERMANENT);
	CHECK(ok);
	CHECK_STR(nl_neigh_state_name(NUD_REACHABLE), "REACHABLE");
	CHECK_STR(nl_neigh_state_name(NUD_PERMANENT | NUD_NOARP), "PERMANENT");
	CHECK_STR(nl_operstate_name(6), "UP");
	CHECK_STR(nl_operstate_name(99), "UNKNOWN");
}

/* --- crafted messages ---------------------------------------------------------------------- */

static size_t msg(unsigned char *b, int type, int flags, const void *body, size_t blen,
		  const void *attrs, size_t alen)
{
	struct nlmsghdr h = { 0 };
	size_t n = NLMSG_HDRLEN + NLMSG_ALIGN(blen) + alen;

	h.nlmsg_len = (uint32_t)n;
	h.nlmsg_type = (uint16_t)type;
	h.nlmsg_flags = (uint16_t)flags;
	memset(b, 0, n);
	memcpy(b, &h, sizeof h);
	memcpy(b + NLMSG_HDRLEN, body, blen);
	if (alen)
		memcpy(b + NLMSG_HDRLEN + NLMSG_ALIGN(blen), attrs, alen);
	return n;
}

static void crafted_attrs(void)
{
	struct ifinfomsg ifi = { 0 };
	unsigned char b[256];
	/* IFLA_IFNAME (3) of 20 bytes without NUL, then an unknown type 300, then IFLA_MTU */
	unsigned char at[] = { 24, 0, 3, 0, 'a','b','c','d','e','f','g','h','i','j','k','l','m','n',
			       'o','p','q','r','s','t', 8, 0, 0x2c, 0x01, 1, 2, 3, 4,
			       8, 0, 4, 0, 0xdc, 0x05, 0, 0 };
	struct nr_err e;
	size_t n;

	ifi.ifi_index = 7;
	nlinks = 0;
	n = msg(b, RTM_NEWLINK, NLM_F_MULTI, &ifi, sizeof ifi, at, sizeof at);
	CHECK_INT(nl_parse_buf(b, n, NL_OBJ_LINK, on_link, NULL, &e), 1);
	CHECK_INT(nlinks, 1);
	CHECK_STR(links[0].name, "abcdefghijklmno"); /* cut to IFNAMSIZ - 1 */
	CHECK_INT(links[0].mtu, 1500);
	/* an attribute claiming more than the message holds */
	at[0] = 200;
	n = msg(b, RTM_NEWLINK, NLM_F_MULTI, &ifi, sizeof ifi, at, sizeof at);
	CHECK_INT(nl_parse_buf(b, n, NL_OBJ_LINK, on_link, NULL, &e), -1);
	CHECK_INT(e.code, NR_E_PARSE);
	/* an attribute shorter than its own header */
	at[0] = 2;
	n = msg(b, RTM_NEWLINK, NLM_F_MULTI, &ifi, sizeof ifi, at, sizeof at);
	CHECK_INT(nl_parse_buf(b, n, NL_OBJ_LINK, on_link, NULL, &e), -1);
	/* a body shorter than ifinfomsg */
	n = msg(b, RTM_NEWLINK, NLM_F_MULTI, &ifi, 8, NULL, 0);
	CHECK_INT(nl_parse_buf(b, n, NL_OBJ_LINK, on_link, NULL, &e), -1);
	/* a message length below the header, and one beyond the buffer */
	n = msg(b, RTM_NEWLINK, NLM_F_MULTI, &ifi, sizeof ifi, NULL, 0);
	b[0] = 8;
	CHECK_INT(nl_parse_buf(b, n, NL_OBJ_LINK, on_link, NULL, &e), -1);
	b[0] = 250;
	CHECK_INT(nl_parse_buf(b, n, NL_OBJ_LINK, on_link, NULL, &e), -1);
	/* a wrong-size address attribute is ignored, not misread */
	{
		struct ndmsg nd = { 0 };
		unsigned char na[] = { 7, 0, 1, 0, 10, 4, 0, 0 }; /* NDA_DST of 3 bytes */

		nd.ndm_family = AF_INET;
		nneigh = 0;
		n = msg(b, RTM_NEWNEIGH, NLM_F_MULTI, &nd, sizeof nd, na, sizeof na);
		CHECK_INT(nl_parse_buf(b, n, NL_OBJ_NEIGH, on_neigh, NULL, &e), 1);
		CHECK_INT(nneigh, 1);
		CHECK_INT(neighs[0].has_ip, 0);
	}
}

static void crafted_errors(void)
{
	unsigned char b[64];
	struct nlmsgerr err = { 0 };
	struct nr_err e;
	size_t n;

	err.error = -ENODEV;
	n = msg(b, NLMSG_ERROR, 0, &err, sizeof err, NULL, 0);
	CHECK_INT(nl_parse_buf(b, n, NL_OBJ_LINK, on_link, NULL, &e), -1);
	CHECK_INT(e.code, NR_E_NL_KERNEL);
	CHECK_INT(e.sys, ENODEV);
	err.error = 0; /* an ACK ends the reply */
	n = msg(b, NLMSG_ERROR, 0, &err, sizeof err, NULL, 0);
	CHECK_INT(nl_parse_buf(b, n, NL_OBJ_LINK, on_link, NULL, &e), 0);
	n = msg(b, NLMSG_ERROR, 0, &err, 2, NULL, 0);
	b[0] = NLMSG_HDRLEN + 2; /* too short to hold the error */
	CHECK_INT(nl_parse_buf(b, n, NL_OBJ_LINK, on_link, NULL, &e), -1);
	n = msg(b, NLMSG_DONE, NLM_F_MULTI, &err, 4, NULL, 0);
	CHECK_INT(nl_parse_buf(b, n, NL_OBJ_LINK, on_link, NULL, &e), 0);
	CHECK_INT(nl_parse_buf(b, 3, NL_OBJ_LINK, on_link, NULL, &e), -1); /* trailing bytes */
}

/* --- live: this process's own netns (read-only) ------------------------------------------- */

static int find_lo(const struct nl_link *l, void *arg)
{
	if (!strcmp(l->name, "lo"))
		*(int *)arg = l->ifindex;
	return 1;
}

static void live_reads(void)
{
	static struct nl nl;
	struct nl_link l;
	struct nl_route rt;
	struct nr_addr a;
	struct nr_err e;
	int lo = 0;

	if (nl_open(&nl, &e) < 0) {
		CHECK(0);
		return;
	}
	CHECK_INT(nl_link_dump(&nl, find_lo, &lo, &e), 0);
	CHECK(lo > 0);
	CHECK_INT(nl_link_get(&nl, "lo", &l, &e), 0);
	CHECK_INT(l.ifindex, lo);
	CHECK_INT(nl_link_get(&nl, "nosuchif-nrt", &l, &e), -1);
	CHECK_INT(e.code, NR_E_NOIF);
	CHECK_STR(e.ctx, "nosuchif-nrt");
	CHECK_INT(nl_link_get(&nl, "abcdefghijklmnopqrstu", &l, &e), -1);
	CHECK_INT(e.code, NR_E_NOIF);
	parse_ip("127.0.0.1", &a);
	CHECK_INT(nl_route_get(&nl, &a, &rt, &e), 0);
	CHECK_INT(rt.type, RTN_LOCAL);
	parse_ip("127.0.0.2", &a);
	CHECK_INT(nl_route_match(&nl, &a, &rt, &e), 0);
	CHECK_INT(rt.dst_len, 8); /* the local table's 127.0.0.0/8 */
	/* the same socket serves request after request (sequence numbers move on) */
	CHECK_INT(nl_link_dump(&nl, find_lo, &lo, &e), 0);
	nl_close(&nl);
}

static int count_pid(const int *pid, void *arg)
{
	if (*pid == getpid())
		(*(int *)arg)++;
	return 1;
}

static void netns_self(void)
{
	static struct netns_list l;
	unsigned long long ino, ino2;
	struct stat st;
	struct nr_err e;
	int fd, s, seen = 0;

	CHECK_INT(netns_self_ino(&ino, &e), 0);
	CHECK_INT(stat("/proc/self/ns/net", &st), 0);
	CHECK(ino == (unsigned long long)st.st_ino);
	fd = netns_open_pid(getpid(), &ino2, &e);
	CHECK(fd >= 0);
	CHECK(ino2 == ino);
	s = netns_socket(fd, AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE, &e);
	CHECK(s >= 0);
	if (s >= 0)
		close(s);
	CHECK_INT(netns_self_ino(&ino2, &e), 0);
	CHECK(ino2 == ino); /* back in our own namespace */
	close(fd);
	CHECK_INT(netns_open_pid(0x7ffffff0, NULL, &e), -1);
	CHECK_INT(e.code, NR_E_NOENT);
	CHECK_INT(netns_list_all(&l, &e), 0);
	CHECK(netns_list_find(&l, ino) != NULL);
	CHECK_INT(netns_pid_walk(ino, count_pid, &seen, &e), 0);
	CHECK_INT(seen, 1);
}

static void cni_table(void)
{
	static const char *const none[] = { "lo", "eth0" };
	static const char *const cil[] = { "lo", "eth0", "cilium_host", "lxc12ab" };
	static const char *const cal[] = { "lo", "eth0", "cali1234abcd" };
	static const char *const kub[] = { "lo", "eth0", "cbr0", "veth1" };
	static const char *const gke[] = { "lo", "eth0", "gke1a2b3c4d" };
	static const char *const fl[] = { "lo", "eth0", "flannel.1", "cni0" };

	CHECK_STR(cni_classify(NULL, none, 2), "unknown");
	CHECK_STR(cni_classify(NULL, cil, 4), "cilium");
	CHECK_STR(cni_classify(NULL, cal, 3), "calico");
	CHECK_STR(cni_classify(NULL, kub, 4), "kubenet");
	CHECK_STR(cni_classify(NULL, gke, 3), "gke-ptp");
	CHECK_STR(cni_classify(NULL, fl, 4), "flannel");
	CHECK_STR(cni_classify("{\"name\":\"cbr0\",\"plugins\":[{\"type\" : \"flannel\"}]}", kub, 4), "flannel");
	CHECK_STR(cni_classify("{\"type\":\"bridge\",\"bridge\":\"cbr0\",\"name\":\"kubenet\"}", none, 2), "kubenet");
	CHECK_STR(cni_classify("{\"plugins\":[{\"type\":\"ptp\"},{\"type\":\"portmap\"}]}", none, 2), "gke-ptp");
	CHECK_STR(cni_classify("{\"plugins\":[{\"type\":\"weave-net\"}]}", none, 2), "weave");
	CHECK_STR(cni_classify("{\"type\":\"calicoX\"}", none, 2), "unknown");
	CHECK_STR(cni_classify("{\"type\":\"", none, 2), "unknown");
}

int main(void)
{
	RUN(recorded_links);
	RUN(prefixes_never_overread);
	RUN(recorded_addrs);
	RUN(recorded_routes);
	RUN(recorded_neigh_and_fdb);
	RUN(crafted_attrs);
	RUN(crafted_errors);
	RUN(live_reads);
	RUN(netns_self);
	RUN(cni_table);
	return T_EXIT();
}
