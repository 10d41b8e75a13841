/* The links view: every link of this netns with addresses and veth peers. */
#include <errno.h>
#include <linux/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "base/parse.h"
#include "checks/links.h"
#include "netns/netns.h"
#include "report/table.h"

static int add_link(const struct nl_link *l, void *arg)
{
	struct links_report *r = arg;

	if (r->n >= LINKS_MAX) {
		r->dropped++;
		return 1;
	}
	memset(&r->links[r->n], 0, sizeof r->links[0]);
	r->links[r->n++].l = *l;
	return 1;
}

static struct links_entry *find(struct links_report *r, int ifindex)
{
	int i;

	for (i = 0; i < r->n; i++)
		if (r->links[i].l.ifindex == ifindex)
			return &r->links[i];
	return NULL;
}

const char *links_name(const struct links_report *r, int ifindex)
{
	int i;

	for (i = 0; i < r->n; i++)
		if (r->links[i].l.ifindex == ifindex)
			return r->links[i].l.name;
	return NULL;
}

static int add_addr(const struct nl_ifaddr *a, void *arg)
{
	struct links_report *r = arg;

	if (!find(r, a->ifindex))
		return 1;
	if (r->naddr >= LINKS_ADDR_MAX) {
		r->addr_dropped++;
		return 1;
	}
	r->addrs[r->naddr++] = *a;
	return 1;
}

/* Gives each link whose peer lives in netns nsid that netns's inode. */
static int assign_nsid(struct links_report *r, int nsid, unsigned long long ino)
{
	int i, left = 0;

	for (i = 0; i < r->n; i++) {
		if (r->links[i].l.link_netnsid == nsid) {
			r->links[i].peer_netns = ino;
			r->links[i].peer_netns_known = 1;
		}
		left += r->links[i].l.link_netnsid >= 0 && !r->links[i].peer_netns_known;
	}
	return left;
}

/* IFLA_LINK_NETNSID is an id local to this netns; the only way back to a namespace is to ask
 * RTM_GETNSID about each candidate (the namespaces of all processes). Namespaces with no
 * process (an `ip netns add` with nothing in it) stay unknown. */
static int map_peers(struct nl *nl, struct links_report *r, struct nr_err *e)
{
	struct netns_list *ns; /* 16 KiB: one allocation per run, only when a peer is unknown */
	struct nr_err ign;
	int i, fd, nsid, left = assign_nsid(r, -2, 0);

	if (!left)
		return 0;
	if (!(ns = malloc(sizeof *ns)))
		return nr_fail(e, NR_E_NOMEM, ENOMEM, "links", NULL);
	if (netns_list_all(ns, e) < 0) {
		free(ns);
		return -1;
	}
	for (i = 0; i < ns->n && left; i++) {
		fd = netns_open_pid(ns->ns[i].pid, NULL, &ign);
		if (fd < 0)
			continue; /* gone meanwhile, or not ours to see */
		if (nl_nsid_get(nl, fd, &nsid, &ign) == 0 && nsid >= 0)
			left = assign_nsid(r, nsid, ns->ns[i].ino);
		close(fd);
	}
	free(ns);
	return 0;
}

/* Same-netns veth pairs: the peer is here. */
static void local_peers(struct links_report *r)
{
	int i;

	for (i = 0; i < r->n; i++)
		if (r->links[i].l.link > 0 && r->links[i].l.link_netnsid < 0) {
			r->links[i].peer_netns = r->self_netns;
			r->links[i].peer_netns_known = 1;
		}
}

int links_collect(struct nl *given, const char *ifname, struct links_report *r, struct nr_err *e)
{
	struct nl own, *nl;
	int rc = -1;

	r->n = r->dropped = r->naddr = r->addr_dropped = 0;
	if (netns_self_ino(&r->self_netns, e) < 0 || !(nl = nl_use(given, &own, e)))
		return -1;
	if (ifname) {
		if (nl_link_get(nl, ifname, &r->links[0].l, e) < 0)
			goto out;
		r->links[0].peer_netns = 0;
		r->links[0].peer_netns_known = 0;
		r->n = 1;
	} else if (nl_link_dump(nl, add_link, r, e) < 0) {
		goto out;
	}
	if (nl_addr_dump(nl, AF_UNSPEC, add_addr, r, e) < 0 || map_peers(nl, r, e) < 0)
		goto out;
	local_peers(r);
	rc = 0;
out:
	nl_done(nl, &own);
	if (rc < 0 && e && e->code == NR_E_NOIF)
		nr_fail(e, NR_E_NOIF, 0, "links", "%s", ifname);
	return rc;
}

/* --- output ------------------------------------------------------------------------------- */

static const char *kind_of(const struct nl_link *l)
{
	if (l->kind[0])
		return l->kind;
	return l->flags & IFF_LOOPBACK ? "loopback" : NULL;
}

static const char *addr_text(const struct nl_ifaddr *a, char *buf, size_t cap)
{
	struct nr_addr x;
	char ip[64];

	x.family = a->family;
	memcpy(x.a, a->addr, sizeof x.a);
	snprintf(buf, cap, "%s/%d", addr_str(&x, ip, sizeof ip), a->prefixlen);
	return buf;
}

static void flags_json(struct jw *w, unsigned f)
{
	static const struct { unsigned bit; const char *name; } names[] = {
		{ IFF_BROADCAST, "BROADCAST" }, { IFF_POINTOPOINT, "POINTOPOINT" },
		{ IFF_LOOPBACK, "LOOPBACK" }, { IFF_MULTICAST, "MULTICAST" },
		{ IFF_NOARP, "NOARP" }, { IFF_PROMISC, "PROMISC" }, { IFF_UP, "UP" },
		{ IFF_LOWER_UP, "LOWER_UP" },
	};
	size_t i;

	jw_key(w, "flags");
	jw_arr(w);
	for (i = 0; i < sizeof names / sizeof names[0]; i++)
		if (f & names[i].bit)
			jw_str(w, names[i].name);
	jw_arr_end(w);
}

static void peer_json(struct jw *w, const struct links_entry *le)
{
	jw_key(w, "peer");
	if (le->l.link <= 0) {
		jw_null(w);
		return;
	}
	jw_obj(w);
	jw_kint(w, "ifindex", le->l.link);
	jw_key(w, "netns");
	if (le->peer_netns_known)
		jw_uint(w, le->peer_netns);
	else
		jw_null(w);
	jw_key(w, "netnsid");
	if (le->l.link_netnsid >= 0)
		jw_int(w, le->l.link_netnsid);
	else
		jw_null(w);
	jw_obj_end(w);
}

static void link_json(struct jw *w, const struct links_report *r, const struct links_entry *le)
{
	char b[3 * NL_HWADDR];
	int i;

	jw_obj(w);
	jw_kstr(w, "name", le->l.name);
	jw_kint(w, "ifindex", le->l.ifindex);
	jw_kstr(w, "state", nl_operstate_name(le->l.operstate));
	flags_json(w, le->l.flags);
	jw_kuint(w, "mtu", le->l.mtu);
	jw_kstr(w, "kind", kind_of(&le->l));
	jw_kstr(w, "master", le->l.master ? links_name(r, le->l.master) : NULL);
	jw_kstr(w, "mac", le->l.mac_len ? nl_mac_str(le->l.mac, le->l.mac_len, b, sizeof b) : NULL);
	jw_key(w, "addresses");
	jw_arr(w);
	for (i = 0; i < r->naddr; i++)
		if (r->addrs[i].ifindex == le->l.ifindex)
			jw_str(w, addr_text(&r->addrs[i], b, sizeof b));
	jw_arr_end(w);
	peer_json(w, le);
	jw_obj_end(w);
}

void links_json(struct jw *w, const struct links_report *r)
{
	int i;

	jw_key(w, "links");
	jw_arr(w);
	for (i = 0; i < r->n; i++)
		link_json(w, r, &r->links[i]);
	jw_arr_end(w);
	if (r->dropped || r->addr_dropped) {
		jw_kint(w, "links_dropped", r->dropped);
		jw_kint(w, "addresses_dropped", r->addr_dropped);
	}
}

/* LINE_ADDRS: the addresses column of one line (ip -br prints them all on the line). */
#define LINE_ADDRS 1024

static void addrs_text(const struct links_report *r, int ifindex, char *out, size_t cap)
{
	char b[64];
	size_t n = 0;
	int i;

	out[0] = 0;
	for (i = 0; i < r->naddr && n + 1 < cap; i++)
		if (r->addrs[i].ifindex == ifindex)
			n += (size_t)snprintf(out + n, cap - n, "%s%s", n ? " " : "",
					      addr_text(&r->addrs[i], b, sizeof b));
}

static void peer_text(const struct links_entry *le, char *out, size_t cap)
{
	if (le->l.link <= 0)
		snprintf(out, cap, "-");
	else if (le->peer_netns_known)
		snprintf(out, cap, "if%d@net:[%llu]", le->l.link, le->peer_netns);
	else if (le->l.link_netnsid >= 0)
		snprintf(out, cap, "if%d@nsid%d", le->l.link, le->l.link_netnsid);
	else
		snprintf(out, cap, "if%d", le->l.link);
}

void links_text(FILE *f, const struct links_report *r)
{
	static const char *const h[] = { "NAME", "STATE", "MTU", "KIND", "MASTER", "MAC",
					 "PEER", "ADDRESSES" };
	char mtu[16], mac[3 * NL_HWADDR], peer[64], addrs[LINE_ADDRS];
	const char *cells[8];
	struct tbl t;
	int i;

	tbl_init(&t, 8, h);
	for (i = 0; i < r->n; i++) {
		const struct links_entry *le = &r->links[i];

		snprintf(mtu, sizeof mtu, "%u", le->l.mtu);
		nl_mac_str(le->l.mac, le->l.mac_len, mac, sizeof mac);
		peer_text(le, peer, sizeof peer);
		addrs_text(r, le->l.ifindex, addrs, sizeof addrs);
		cells[0] = le->l.name;
		cells[1] = nl_operstate_name(le->l.operstate);
		cells[2] = mtu;
		cells[3] = kind_of(&le->l);
		cells[4] = le->l.master ? links_name(r, le->l.master) : NULL;
		cells[5] = le->l.mac_len ? mac : NULL;
		cells[6] = peer;
		cells[7] = addrs[0] ? addrs : NULL;
		tbl_add(&t, cells);
	}
	tbl_print(&t, f);
}
