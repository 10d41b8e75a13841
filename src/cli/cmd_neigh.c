/* neigh [IFACE]: `ip neigh show` (IPv4 and IPv6) plus the MACs bridges learned
 * (`bridge fdb show`), through rtnetlink. */
#include <linux/neighbour.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "cli/cli.h"
#include "netlink/netlink.h"
#include "report/json.h"
#include "report/table.h"

/* NEIGH_LINKS: names of the node's links, to print devices by name (256 pods + the rest). */
#define NEIGH_LINKS 1024

struct names {
	int n;
	struct { int ifindex; int master; char kind[NL_KINDSIZ]; char name[NL_IFNAMSIZ]; } l[NEIGH_LINKS];
};

struct view {
	struct cli *c;
	struct names *nm;
	int only;           /* ifindex asked for, 0 = all */
	int all;            /* --all: also NOARP entries (multicast maps), as `nud all` */
	struct jw w;
	struct tbl t;
	struct tbl vt;      /* overlay FDB (VXLAN remote VTEPs), a table of its own in text */
	int count;
};

static int add_name(const struct nl_link *l, void *arg)
{
	struct names *nm = arg;

	if (nm->n < NEIGH_LINKS) {
		nm->l[nm->n].ifindex = l->ifindex;
		nm->l[nm->n].master = l->master;
		memcpy(nm->l[nm->n].kind, l->kind, sizeof l->kind);
		memcpy(nm->l[nm->n].name, l->name, sizeof l->name);
		nm->n++;
	}
	return 1;
}

static const char *name_of(const struct names *nm, int ifindex, char *buf, size_t cap)
{
	int i;

	for (i = 0; i < nm->n; i++)
		if (nm->l[i].ifindex == ifindex)
			return nm->l[i].name;
	snprintf(buf, cap, "if%d", ifindex);
	return buf;
}

static int master_of(const struct names *nm, int ifindex)
{
	int i;

	for (i = 0; i < nm->n; i++)
		if (nm->l[i].ifindex == ifindex)
			return nm->l[i].master;
	return 0;
}

static int on_neigh(const struct nl_neigh *n, void *arg)
{
	struct view *v = arg;
	struct nr_addr a;
	char ip[64], mac[3 * NL_HWADDR], dev[32];
	const char *cells[4];

	if ((v->only && n->ifindex != v->only) || (!v->all && (n->state & NUD_NOARP)))
		return 1;
	a.family = n->family;
	memcpy(a.a, n->ip, sizeof a.a);
	addr_str(&a, ip, sizeof ip);
	nl_mac_str(n->mac, n->mac_len, mac, sizeof mac);
	cells[0] = ip;
	cells[1] = name_of(v->nm, n->ifindex, dev, sizeof dev);
	cells[2] = n->mac_len ? mac : NULL;
	cells[3] = nl_neigh_state_name(n->state);
	v->count++;
	if (!v->c->json) {
		tbl_add(&v->t, cells);
		return 1;
	}
	jw_obj(&v->w);
	jw_kstr(&v->w, "ip", cells[0]);
	jw_kstr(&v->w, "mac", cells[2]);
	jw_kstr(&v->w, "dev", cells[1]);
	jw_kstr(&v->w, "state", cells[3]);
	jw_kbool(&v->w, "router", (n->flags & NTF_ROUTER) != 0);
	jw_obj_end(&v->w);
	return 1;
}

/* The bridge's own view: entries it forwards by (NDA_MASTER set); the ports' own
 * multicast/self entries are not learned MACs. A VXLAN device's own entries (flannel.1,
 * vxlan.calico) are shown too: each maps a remote VTEP's MAC to that node's IP (NDA_DST),
 * the overlay's cross-node evidence (`bridge fdb show dev flannel.1`). */
static int on_fdb(const struct nl_neigh *n, void *arg)
{
	struct view *v = arg;
	int br = n->master ? n->master : master_of(v->nm, n->ifindex);
	char mac[3 * NL_HWADDR], dev[32], brn[32], vlan[16], dst[64];
	const char *cells[6], *vcells[4];
	struct nr_addr a;

	if (!n->master && !(n->flags & NTF_MASTER) && !n->dst_family)
		return 1;
	if (v->only && n->ifindex != v->only && br != v->only)
		return 1;
	nl_mac_str(n->mac, n->mac_len, mac, sizeof mac);
	snprintf(vlan, sizeof vlan, "%d", n->vlan);
	cells[0] = mac;
	cells[1] = name_of(v->nm, n->ifindex, dev, sizeof dev);
	cells[2] = br ? name_of(v->nm, br, brn, sizeof brn) : NULL;
	cells[3] = n->state & NUD_PERMANENT ? "permanent" : n->flags & NTF_EXT_LEARNED ?
		   "extern_learn" : n->state & NUD_NOARP ? "static" : "learned";
	cells[4] = n->vlan >= 0 ? vlan : NULL;
	cells[5] = NULL;
	if (n->dst_family) {
		a.family = n->dst_family;
		memcpy(a.a, n->dst, sizeof a.a);
		cells[5] = addr_str(&a, dst, sizeof dst);
	}
	if (!v->c->json && n->dst_family && !n->master) {
		vcells[0] = cells[0];
		vcells[1] = cells[1];
		vcells[2] = cells[5];
		vcells[3] = cells[3];
		tbl_add(&v->vt, vcells);
		return 1;
	}
	if (!v->c->json) {
		tbl_add(&v->t, cells);
		return 1;
	}
	jw_obj(&v->w);
	jw_kstr(&v->w, "mac", cells[0]);
	jw_kstr(&v->w, "dev", cells[1]);
	jw_kstr(&v->w, "bridge", cells[2]);
	jw_kstr(&v->w, "state", cells[3]);
	jw_key(&v->w, "vlan");
	if (n->vlan >= 0)
		jw_int(&v->w, n->vlan);
	else
		jw_null(&v->w);
	jw_kstr(&v->w, "dst", cells[5]);
	jw_kbool(&v->w, "self", (n->flags & NTF_SELF) != 0);
	jw_obj_end(&v->w);
	return 1;
}

static int dump_text(struct view *v, struct nl *nl, struct nr_err *e)
{
	static const char *const hn[] = { "IP", "DEV", "MAC", "STATE" };
	static const char *const hf[] = { "MAC", "PORT", "BRIDGE", "STATE", "VLAN" };
	static const char *const hv[] = { "MAC", "DEV", "DST", "STATE" };

	tbl_init(&v->t, 4, hn);
	if (nl_neigh_dump(nl, AF_UNSPEC, on_neigh, v, e) < 0) {
		tbl_free(&v->t);
		return -1;
	}
	tbl_print(&v->t, stdout);
	tbl_init(&v->t, 5, hf);
	tbl_init(&v->vt, 4, hv);
	if (nl_fdb_dump(nl, 0, on_fdb, v, e) < 0) {
		tbl_free(&v->t);
		tbl_free(&v->vt);
		return -1;
	}
	if (v->t.nrows > 1) {
		printf("\nlearned MACs (FDB):\n");
		tbl_print(&v->t, stdout);
	} else {
		tbl_free(&v->t);
	}
	if (v->vt.nrows > 1) {
		printf("\noverlay FDB (remote VTEPs: MAC -> remote node):\n");
		tbl_print(&v->vt, stdout);
	} else {
		tbl_free(&v->vt);
	}
	return 0;
}

/* A dump that fails half-way still leaves one whole document: the list so far, closed, and
 * "error" saying why it stops there (the same line goes to stderr, exit 3). */
static int json_fail(struct view *v, const struct nr_err *e)
{
	jw_arr_end(&v->w);
	cli_fail(v->c, e);
	cli_json_end(v->c, &v->w);
	return -1;
}

static int dump_json(struct view *v, struct nl *nl, struct nr_err *e)
{
	cli_json_begin(v->c, &v->w, "neigh");
	jw_key(&v->w, "neighbours");
	jw_arr(&v->w);
	if (nl_neigh_dump(nl, AF_UNSPEC, on_neigh, v, e) < 0)
		return json_fail(v, e);
	jw_arr_end(&v->w);
	jw_key(&v->w, "fdb");
	jw_arr(&v->w);
	if (nl_fdb_dump(nl, 0, on_fdb, v, e) < 0)
		return json_fail(v, e);
	jw_arr_end(&v->w);
	return cli_json_end(v->c, &v->w);
}

static int view(struct cli *c, const char *ifname, int all, struct names *nm, struct nl *nl,
		struct nr_err *e)
{
	struct view v;
	struct nl_link l;

	memset(&v, 0, sizeof v);
	v.c = c;
	v.all = all;
	v.nm = nm;
	if (ifname) {
		if (nl_link_get(nl, ifname, &l, e) < 0) {
			if (e->code == NR_E_NOIF)
				nr_fail(e, NR_E_NOIF, 0, "neigh", "%s", ifname);
			return -1;
		}
		v.only = l.ifindex;
	}
	if (nl_link_dump(nl, add_name, nm, e) < 0)
		return -1;
	return c->json ? dump_json(&v, nl, e) : dump_text(&v, nl, e);
}

static int run(struct cli *c, int argc, char **argv)
{
	enum { O_ALL = 1 };
	static const struct cli_opt opts[] = { { "all", 'a', CLI_ARG_NONE, O_ALL }, { 0, 0, 0, 0 } };
	struct names *nm;
	struct cli_parse p;
	struct nl nl;
	struct nr_err e;
	int id, rc, all = 0;

	cli_parse_init(&p, c, argc, argv);
	while ((id = cli_next(&p, opts)) != CLI_END) {
		if (id < 0)
			return cli_parse_end(&p, id);
		all = 1;
	}
	if (p.npos > 1)
		return cli_usage(c, "takes at most one interface name");
	nr_err_clear(&e);
	nm = calloc(1, sizeof *nm);
	if (!nm)
		return cli_fail(c, &(struct nr_err){ .code = NR_E_NOMEM, .module = "neigh" });
	if (nl_open(&nl, &e) < 0) {
		free(nm);
		return cli_fail(c, &e);
	}
	rc = EXIT_OK;
	/* A JSON dump that failed half-way has reported its error already (in its document). */
	if (view(c, p.npos ? p.pos[0] : NULL, all, nm, &nl, &e) < 0)
		rc = c->err_exit ? c->err_exit : cli_fail(c, &e);
	nl_close(&nl);
	free(nm);
	return rc;
}

const struct cli_cmd cmd_neigh = {
	"neigh", "neigh [--all] [IFACE]",
	"neighbour table (IPv4, IPv6) and MACs learned by bridges (arp -an, bridge fdb)",
	"Lists the node's neighbour (ARP/NDP) entries: IP, device, MAC, state (REACHABLE, STALE,\n"
	"PERMANENT, FAILED, INCOMPLETE, ...), then the forwarding database of every bridge: each\n"
	"MAC with the port it was learned on (\"learned\") or configured (\"permanent\", \"static\").\n"
	"A pod on cbr0 whose MAC is missing there has not sent a frame the bridge saw. VXLAN devices\n"
	"(flannel.1, vxlan.calico) list their remote VTEPs: MAC -> the remote node's IP (\"dst\"),\n"
	"what `bridge fdb show dev flannel.1` prints as `MAC dst 10.128.0.3 self permanent`.\n\n"
	"options:\n"
	"  -a, --all also NOARP entries (the kernel's multicast address maps), which `ip neigh`\n"
	"            hides too unless given `nud all`\n\n"
	"arguments:\n"
	"  IFACE     only entries on this device; for a bridge, also the MACs of all its ports\n"
	"            (exit 3 when it does not exist)\n\n"
	"JSON: \"neighbours\": [{\"ip\", \"mac\", \"dev\", \"state\", \"router\"}],\n"
	"      \"fdb\": [{\"mac\", \"dev\", \"bridge\", \"state\", \"vlan\", \"dst\", \"self\"}]\n\n"
	"examples:\n"
	"  netrescue neigh\n"
	"  netrescue neigh cbr0\n"
	"  netrescue --json neigh flannel.1 | jq '.fdb[] | {mac, dst}'\n"
	"  netrescue neigh --all eth0\n"
	"  netrescue --json neigh | jq -r '.neighbours[] | select(.ip == \"10.4.0.5\") | .mac'\n",
	run,
};
