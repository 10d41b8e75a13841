/* The pod bridge check: bridges, ports, pods behind them, learned MACs; --fix sets bridges up. */
#include <errno.h>
#include <stddef.h>
#include <linux/if.h>
#include <linux/neighbour.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "checks/bridge.h"
#include "checks/cni.h"
#include "locate/locate.h"
#include "report/escape.h"
#include "report/shell.h"
#include "report/table.h"

#define MOD "bridge"

struct bwalk {
	struct bridge_report *r;
	const char *only;
};

static int br_index(const struct bridge_report *r, int ifindex)
{
	int i;

	for (i = 0; i < r->nbr; i++)
		if (r->br[i].ifindex == ifindex)
			return i;
	return -1;
}

static void br_set(struct bridge_info *b, const struct nl_link *l)
{
	memcpy(b->name, l->name, sizeof b->name);
	b->ifindex = l->ifindex;
	b->flags = l->flags;
	b->operstate = l->operstate;
	b->mtu = l->mtu;
	if (l->mac_len == 6)
		memcpy(b->mac, l->mac, 6);
}

static int add_bridge(const struct nl_link *l, void *arg)
{
	struct bwalk *w = arg;
	struct bridge_info *b;

	if (strcmp(l->kind, "bridge") || (w->only && strcmp(w->only, l->name)))
		return 1;
	if (w->r->nbr >= BRIDGE_MAX)
		return 1;
	b = &w->r->br[w->r->nbr++];
	memset(b, 0, sizeof *b);
	br_set(b, l);
	b->was_up = (l->flags & IFF_UP) != 0;
	return 1;
}

static int add_port(const struct nl_link *l, void *arg)
{
	struct bridge_report *r = arg;
	struct bridge_port *p;
	int bi = l->master ? br_index(r, l->master) : -1;

	if (bi < 0)
		return 1;
	r->br[bi].nports++;
	if (r->nports >= BRIDGE_PORTS_MAX) {
		r->ports_dropped++;
		return 1;
	}
	p = &r->ports[r->nports++];
	memset(p, 0, sizeof *p);
	memcpy(p->name, l->name, sizeof p->name);
	p->ifindex = l->ifindex;
	p->br = bi;
	p->flags = l->flags;
	p->operstate = l->operstate;
	p->stp_state = l->brport_state;
	p->learning = l->brport_learning;
	p->peer_ifindex = l->link;
	p->peer_netnsid = l->link_netnsid;
	return 1;
}

static int add_fdb(const struct nl_neigh *n, void *arg)
{
	struct bridge_report *r = arg;
	struct bridge_fdb *f;
	int bi = n->master ? br_index(r, n->master) : -1;

	/* Only the bridges' own tables (NDA_MASTER): ports also list their multicast filters. */
	if (bi < 0 || n->mac_len != 6)
		return 1;
	if (!(n->state & NUD_PERMANENT) && n->ifindex != r->br[bi].ifindex)
		r->br[bi].nlearned++;
	if (r->nfdb >= BRIDGE_FDB_MAX) {
		r->fdb_dropped++;
		return 1;
	}
	f = &r->fdb[r->nfdb++];
	f->port = n->ifindex;
	f->bridge = n->master;
	memcpy(f->mac, n->mac, 6);
	f->state = n->state;
	f->flags = n->flags;
	f->vlan = n->vlan;
	return 1;
}

static int neigh_match(const struct nl_neigh *n, void *arg)
{
	struct bridge_report *r = arg;
	struct nr_addr a;
	char ip[64];
	int i;

	if (!n->has_ip || n->mac_len != 6 || (n->state & (NUD_FAILED | NUD_INCOMPLETE | NUD_NOARP)))
		return 1;
	a.family = n->family;
	memcpy(a.a, n->ip, sizeof a.a);
	addr_str(&a, ip, sizeof ip);
	for (i = 0; i < r->nports; i++)
		if (r->ports[i].has_pod && !strcmp(ip, r->ports[i].pod_ip) &&
		    !memcmp(n->mac, r->ports[i].pod_mac, 6))
			r->ports[i].neigh_known = 1;
	return 1;
}

/* --- the pod behind a port ---------------------------------------------------------------- */

struct first_addr {
	int ifindex;
	struct bridge_port *p;
};

static int first_addr(const struct nl_ifaddr *a, void *arg)
{
	struct first_addr *f = arg;
	struct nr_addr x;

	/* The first IPv4 address, else the first global IPv6 one (link-local is not the pod IP). */
	if (a->ifindex != f->ifindex || (a->family == AF_INET6 && a->scope != 0))
		return 1;
	if (f->p->pod_ip[0] && !(a->family == AF_INET && strchr(f->p->pod_ip, ':')))
		return 1;
	x.family = a->family;
	memcpy(x.a, a->addr, sizeof x.a);
	addr_str(&x, f->p->pod_ip, sizeof f->p->pod_ip);
	return 1;
}

/* pods_behind's working state: locate's context and a socket (32 KiB receive buffer) for one
 * pod netns at a time; one allocation per run. */
struct pods_work {
	struct locate_ctx lc;
	struct nl pn;
};

static void pod_behind(struct locate_ctx *c, struct nl *pn, struct bridge_port *p)
{
	struct nl_link pl;
	struct first_addr fa;
	struct nr_err ign;
	int fd;

	if (p->peer_netnsid < 0 || !p->peer_ifindex)
		return;
	fd = locate_nsid_open(c, p->peer_netnsid, &p->peer_netns, &ign);
	if (fd < 0)
		return; /* no process in it, or it vanished: the pod is gone, not our error */
	if (nl_open_in(pn, fd, &ign) == 0) {
		if (nl_link_get_index(pn, p->peer_ifindex, &pl, &ign) == 0 && pl.mac_len == 6) {
			memcpy(p->pod_mac, pl.mac, 6);
			fa.ifindex = pl.ifindex;
			fa.p = p;
			if (nl_addr_dump(pn, AF_UNSPEC, first_addr, &fa, &ign) == 0)
				p->has_pod = 1;
		}
		nl_close(pn);
	}
	close(fd);
}

/* CNI_BRIDGES: bridge names a CNI config gives (one, plus the defaults, with room). */
#define CNI_BRIDGES 8

/* Reads the pod behind every port, and tells pod bridges from the rest. given: the caller's
 * locate context (its host_root set), NULL: one of its own for this call. */
static void pods_behind(const char *host_root, struct locate_ctx *given, struct bridge_report *r)
{
	struct pods_work *pw = NULL;
	struct locate_ctx *c = given;
	struct nl *pn = given ? &given->podnl : NULL;
	char names[CNI_BRIDGES][NL_IFNAMSIZ];
	struct nr_err ign;
	int i, j, n = cni_pod_bridges(host_root, names, CNI_BRIDGES);

	for (i = 0; i < r->nbr; i++)
		for (j = 0; j < n; j++)
			if (!strcmp(r->br[i].name, names[j]))
				r->br[i].pod = 1;
	if (!c) {
		if (!(pw = calloc(1, sizeof *pw)) || locate_init(&pw->lc, &ign) < 0) {
			free(pw);
			return; /* ports still get checked; pods are just not named */
		}
		c = &pw->lc;
		pn = &pw->pn;
		c->host_root = host_root;
	}
	for (i = 0; i < r->nports; i++) {
		pod_behind(c, pn, &r->ports[i]);
		r->ports[i].is_pod = locate_netns_is_pod(c, r->ports[i].peer_netns);
		if (r->ports[i].is_pod)
			r->br[r->ports[i].br].pod = 1;
	}
	if (pw) {
		locate_fini(c);
		free(pw);
	}
}

static void macs_learned(struct bridge_report *r)
{
	int i, j;

	for (i = 0; i < r->nports; i++)
		for (j = 0; j < r->nfdb && r->ports[i].has_pod; j++)
			if (r->fdb[j].port == r->ports[i].ifindex &&
			    !memcmp(r->fdb[j].mac, r->ports[i].pod_mac, 6) &&
			    !(r->fdb[j].state & NUD_PERMANENT))
				r->ports[i].mac_learned = 1;
}

/* --- fix and findings -------------------------------------------------------------------- */

static int fix_bridges(struct nl *nl, struct bridge_report *r, struct nr_err *e)
{
	struct nl_link l;
	int i;

	for (i = 0; i < r->nbr; i++) {
		if ((r->br[i].flags & IFF_UP) || !r->br[i].pod)
			continue; /* a fix touches only what a finding names: down pod bridges */
		if (nl_link_set_up(nl, r->br[i].ifindex, e) < 0) {
			if (e && e->code == NR_E_PERM)
				nr_fail(e, NR_E_PERM, e->sys, MOD,
					"%s: setting the bridge up needs CAP_NET_ADMIN; nothing changed",
					r->br[i].name);
			return -1;
		}
		r->br[i].fixed = 1;
		r->changed++;
		if (nl_link_get_index(nl, r->br[i].ifindex, &l, e) < 0)
			return -1;
		br_set(&r->br[i], &l);
	}
	return 0;
}

static void port_subject(const struct bridge_report *r, const struct bridge_port *p, char *s,
			 size_t cap)
{
	(void)r;
	if (p->has_pod && p->pod_ip[0])
		snprintf(s, cap, "%s", p->pod_ip);
	else
		snprintf(s, cap, "%s", p->name);
}

static void findings(const struct bridge_report *r, struct findings *fs)
{
	char subj[64], fix[128], mac[32], cause[48];
	int i;

	for (i = 0; i < r->nbr; i++) {
		if ((r->br[i].flags & IFF_UP) || !r->br[i].pod ||
		    findings_has(fs, "bridge-down", r->br[i].name))
			continue;
		sh_printf(fix, sizeof fix, "netrescue bridge %s --fix", r->br[i].name);
		snprintf(cause, sizeof cause, "link %s", r->br[i].name);
		finding_cause(findings_add(fs, "bridge-down", SEV_FAIL, r->br[i].name, fix,
					   "bridge %s is down: its %d pod port%s cannot reach the node or each other",
					   r->br[i].name, r->br[i].nports, r->br[i].nports == 1 ? "" : "s"), cause);
	}
	for (i = 0; i < r->nports; i++) {
		const struct bridge_port *p = &r->ports[i];

		if (!r->br[p->br].pod)
			continue;
		port_subject(r, p, subj, sizeof subj);
		if (!(p->flags & IFF_UP)) {
			sh_printf(fix, sizeof fix, "ip link set %s up", p->name);
			snprintf(cause, sizeof cause, "link %s", p->name);
			finding_cause(findings_add(fs, "link-down", SEV_FAIL, subj, fix,
						   "port %s of bridge %s (the pod's host side) is down", p->name,
						   r->br[p->br].name), cause);
		}
		if (p->has_pod && (r->br[p->br].flags & IFF_UP) && (p->flags & IFF_UP) &&
		    !p->mac_learned && !p->neigh_known)
			findings_add(fs, "pod-mac-not-learned", SEV_WARN, subj, NULL,
				     "the pod's MAC %s (behind port %s of %s) has no FDB entry and no "
				     "neighbour entry on the node: it has not sent a frame the bridge "
				     "saw%s", nl_mac_str(p->pod_mac, 6, mac, sizeof mac), p->name,
				     r->br[p->br].name, p->learning == 0 ? " (learning is off on the port)" : "");
	}
}

int check_bridge_run_in(const char *host_root, struct locate_ctx *lc, const char *name, int fix,
			struct bridge_report *r, struct findings *fs, struct nr_err *e)
{
	struct bwalk w = { r, name };
	struct nl_link l;
	struct nl own, *nl;
	int rc = -1, i, pod[BRIDGE_MAX];

	memset(r, 0, offsetof(struct bridge_report, br));
	r->nports = r->ports_dropped = r->nfdb = r->fdb_dropped = r->changed = 0;
	r->fix = fix;
	if (!(nl = nl_use(lc ? &lc->nl : NULL, &own, e)))
		return -1;
	if (name && nl_link_get(nl, name, &l, e) < 0)
		goto out;
	if (name && strcmp(l.kind, "bridge")) {
		nr_fail(e, NR_E_NL_NOTBRIDGE, 0, MOD, "%s (a %s)", name, l.kind[0] ? l.kind : "device");
		goto out;
	}
	if (nl_link_dump(nl, add_bridge, &w, e) < 0 || nl_link_dump(nl, add_port, r, e) < 0)
		goto out;
	pods_behind(host_root, lc, r);
	if (fix && fix_bridges(nl, r, e) < 0)
		goto out;
	if (r->changed) { /* ports leave the disabled STP state once their bridge is up */
		for (i = 0; i < r->nbr; i++) {
			pod[i] = r->br[i].pod;
			r->br[i].nports = 0;
		}
		r->nports = r->ports_dropped = 0;
		if (nl_link_dump(nl, add_port, r, e) < 0)
			goto out;
		pods_behind(host_root, lc, r);
		for (i = 0; i < r->nbr; i++)
			r->br[i].pod |= pod[i];
	}
	if (nl_fdb_dump(nl, 0, add_fdb, r, e) < 0)
		goto out;
	macs_learned(r);
	if (nl_neigh_dump(nl, AF_UNSPEC, neigh_match, r, e) < 0)
		goto out;
	if (fs)
		findings(r, fs);
	rc = 0;
out:
	nl_done(nl, &own);
	if (rc < 0 && e && e->code == NR_E_NOIF && name)
		nr_fail(e, NR_E_NOIF, 0, MOD, "%s", name);
	return rc;
}

int check_bridge_run(const char *name, int fix, struct bridge_report *r, struct findings *fs,
		     struct nr_err *e)
{
	return check_bridge_run_in(NULL, NULL, name, fix, r, fs, e);
}

/* --- output ------------------------------------------------------------------------------- */

static const char *stp_name(int s)
{
	/* BR_STATE_* of <linux/if_bridge.h> (not included: it clashes with musl's netinet/in.h). */
	static const char *const n[] = { "disabled", "listening", "learning", "forwarding",
					 "blocking" };

	return s >= 0 && s < 5 ? n[s] : NULL;
}

static const char *up_name(unsigned flags, int operstate)
{
	if (!(flags & IFF_UP))
		return "DOWN";
	return nl_operstate_name(operstate);
}

static void port_json(struct jw *w, const struct bridge_report *r, const struct bridge_port *p)
{
	char mac[32];

	jw_obj(w);
	jw_kstr(w, "name", p->name);
	jw_kint(w, "ifindex", p->ifindex);
	jw_kstr(w, "bridge", r->br[p->br].name);
	jw_kstr(w, "state", up_name(p->flags, p->operstate));
	jw_kstr(w, "stp_state", stp_name(p->stp_state));
	jw_key(w, "learning");
	p->learning < 0 ? jw_null(w) : jw_bool(w, p->learning);
	jw_key(w, "peer");
	if (p->peer_ifindex) {
		jw_obj(w);
		jw_kint(w, "ifindex", p->peer_ifindex);
		jw_key(w, "netns");
		p->peer_netns ? jw_uint(w, p->peer_netns) : jw_null(w);
		jw_obj_end(w);
	} else {
		jw_null(w);
	}
	jw_kstr(w, "pod_ip", p->has_pod && p->pod_ip[0] ? p->pod_ip : NULL);
	jw_kstr(w, "pod_mac", p->has_pod ? nl_mac_str(p->pod_mac, 6, mac, sizeof mac) : NULL);
	jw_kbool(w, "mac_learned", p->mac_learned);
	jw_kbool(w, "neigh_known", p->neigh_known);
	jw_obj_end(w);
}

static void fdb_json(struct jw *w, const struct bridge_report *r, const struct bridge_fdb *f)
{
	char mac[32];
	int pi, bi = br_index(r, f->bridge);

	jw_obj(w);
	jw_kstr(w, "mac", nl_mac_str(f->mac, 6, mac, sizeof mac));
	jw_key(w, "port");
	for (pi = 0; pi < r->nports && r->ports[pi].ifindex != f->port; pi++)
		;
	if (pi < r->nports)
		jw_str(w, r->ports[pi].name);
	else if (bi >= 0 && r->br[bi].ifindex == f->port)
		jw_str(w, r->br[bi].name);
	else
		jw_null(w);
	jw_kint(w, "port_ifindex", f->port);
	jw_kstr(w, "bridge", bi >= 0 ? r->br[bi].name : NULL);
	jw_kstr(w, "state", f->state & NUD_PERMANENT ? "permanent" : "learned");
	jw_obj_end(w);
}

void check_bridge_json(struct jw *w, const struct bridge_report *r)
{
	char mac[32];
	int i;

	jw_key(w, "bridges");
	jw_arr(w);
	for (i = 0; i < r->nbr; i++) {
		jw_obj(w);
		jw_kstr(w, "name", r->br[i].name);
		jw_kint(w, "ifindex", r->br[i].ifindex);
		jw_kstr(w, "state", up_name(r->br[i].flags, r->br[i].operstate));
		jw_kbool(w, "up", (r->br[i].flags & IFF_UP) != 0);
		jw_kbool(w, "pod_bridge", r->br[i].pod);
		jw_kuint(w, "mtu", r->br[i].mtu);
		jw_kstr(w, "mac", nl_mac_str(r->br[i].mac, 6, mac, sizeof mac));
		jw_kint(w, "ports", r->br[i].nports);
		jw_kint(w, "learned", r->br[i].nlearned);
		jw_obj_end(w);
	}
	jw_arr_end(w);
	jw_key(w, "ports");
	jw_arr(w);
	for (i = 0; i < r->nports; i++)
		port_json(w, r, &r->ports[i]);
	jw_arr_end(w);
	jw_key(w, "fdb");
	jw_arr(w);
	for (i = 0; i < r->nfdb; i++)
		fdb_json(w, r, &r->fdb[i]);
	jw_arr_end(w);
	jw_key(w, "changed");
	jw_arr(w);
	for (i = 0; i < r->nbr; i++) {
		if (!r->br[i].fixed)
			continue;
		jw_obj(w);
		jw_kstr(w, "interface", r->br[i].name);
		jw_kstr(w, "action", "set up");
		jw_obj_end(w);
	}
	jw_arr_end(w);
}

static void bridges_text(FILE *f, const struct bridge_report *r)
{
	static const char *const h[] = { "BRIDGE", "STATE", "MTU", "PORTS", "LEARNED", "MAC", "POD_BRIDGE" };
	char mtu[16], np[16], nl_[16], mac[32];
	const char *cells[7];
	struct tbl t;
	int i;

	tbl_init(&t, 7, h);
	for (i = 0; i < r->nbr; i++) {
		snprintf(mtu, sizeof mtu, "%u", r->br[i].mtu);
		snprintf(np, sizeof np, "%d", r->br[i].nports);
		snprintf(nl_, sizeof nl_, "%d", r->br[i].nlearned);
		cells[0] = r->br[i].name;
		cells[1] = up_name(r->br[i].flags, r->br[i].operstate);
		cells[2] = mtu;
		cells[3] = np;
		cells[4] = nl_;
		cells[5] = nl_mac_str(r->br[i].mac, 6, mac, sizeof mac);
		cells[6] = r->br[i].pod ? "yes" : "no (not judged)";
		tbl_add(&t, cells);
	}
	tbl_print(&t, f);
}

static void ports_text(FILE *f, const struct bridge_report *r)
{
	static const char *const h[] = { "PORT", "BRIDGE", "STATE", "STP", "POD_IP", "POD_MAC",
					 "LEARNED", "NETNS" };
	char mac[32], ns[32];
	const char *cells[8];
	struct tbl t;
	int i;

	tbl_init(&t, 8, h);
	for (i = 0; i < r->nports; i++) {
		const struct bridge_port *p = &r->ports[i];

		snprintf(ns, sizeof ns, "net:[%llu]", p->peer_netns);
		cells[0] = p->name;
		cells[1] = r->br[p->br].name;
		cells[2] = up_name(p->flags, p->operstate);
		cells[3] = stp_name(p->stp_state);
		cells[4] = p->has_pod && p->pod_ip[0] ? p->pod_ip : NULL;
		cells[5] = p->has_pod ? nl_mac_str(p->pod_mac, 6, mac, sizeof mac) : NULL;
		cells[6] = !p->has_pod ? NULL : p->mac_learned ? "fdb" : p->neigh_known ? "neigh" : "no";
		cells[7] = p->peer_netns ? ns : NULL;
		tbl_add(&t, cells);
	}
	tbl_print(&t, f);
}

void check_bridge_text(FILE *f, const struct bridge_report *r)
{
	int i;

	if (!r->nbr) {
		fprintf(f, "no bridges on this node (routed pod wiring: see `netrescue links`)\n");
		return;
	}
	bridges_text(f, r);
	if (r->nports) {
		fputc('\n', f);
		ports_text(f, r);
	}
	for (i = 0; i < r->nbr; i++) {
		char name[4 * NL_IFNAMSIZ + 1]; /* every byte may become \xNN */

		if (!r->br[i].fixed)
			continue;
		esc_text(name, sizeof name, r->br[i].name, strlen(r->br[i].name));
		fprintf(f, "\nfixed: %s was down; set it up\n", name);
	}
	if (r->fix && !r->changed)
		fprintf(f, "\n--fix: nothing to change\n");
}
