#include <errno.h>
#include <linux/rtnetlink.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "checks/mtu.h"
#include "netns/netns.h"
#include "proc/proc.h"
#include "report/shell.h"
#include "report/table.h"

unsigned mtu_overlay_overhead(const char *kind, const char *name)
{
	/* Outer headers on an IPv4 underlay: VXLAN/Geneve 14 (inner Ethernet) + 8 UDP + 8 + 20 IP;
	 * WireGuard 20 IP + 8 UDP + 32 (header + tag); IP-in-IP/SIT 20; GRE 24; GRETAP 38. */
	static const struct { const char *kind; unsigned overhead; } tab[] = {
		{ "vxlan", 50 }, { "geneve", 50 }, { "wireguard", 60 }, { "ipip", 20 }, { "sit", 20 },
		{ "gre", 24 }, { "gretap", 38 }, { "ip6tnl", 40 }, { "ip6gre", 44 },
	};
	size_t i;

	for (i = 0; i < sizeof tab / sizeof tab[0]; i++)
		if (!strcmp(kind, tab[i].kind))
			return tab[i].overhead;
	/* Weave Net's fastdp: an Open vSwitch datapath named "datapath" that encapsulates in VXLAN. */
	if (!strcmp(kind, "openvswitch") && !strcmp(name, "datapath"))
		return 50;
	return 0;
}

/* Flow-based (collect-metadata) tunnel devices carry every tunnel at once and take the MTU
 * from routes (Cilium, OVS, Weave fastdp): their own MTU says nothing, so it is not checked. */
static int flow_based(const char *name)
{
	static const char *const prefix[] = { "cilium_vxlan", "cilium_geneve", "vxlan_sys_", "genev_sys_",
					      "vxlan-6784", "vxlan-", "datapath" };
	size_t i;

	for (i = 0; i < sizeof prefix / sizeof prefix[0]; i++)
		if (!strncmp(name, prefix[i], strlen(prefix[i])))
			return 1;
	return 0;
}

/* Cilium's tunnel devices do not lower the pods' device MTU: cilium-cni gives the pod's eth0
 * the device MTU and puts the tunnel overhead into the MTU of the pod's routes (RouteMTU). */
static int lowers_pod_mtu(const struct mtu_overlay *o)
{
	return strncmp(o->name, "cilium_", 7) != 0;
}

/* --- the uplink: the default route's interface ----------------------------------------------- */

struct dflt {
	int oif;
	unsigned prio;
};

static int default_cb(const struct nl_route *rt, void *arg)
{
	struct dflt *d = arg;

	if (rt->dst_len == 0 && rt->table == RT_TABLE_MAIN && rt->type == RTN_UNICAST && rt->oif > 0 &&
	    (!d->oif || rt->priority < d->prio)) {
		d->oif = rt->oif;
		d->prio = rt->priority;
	}
	return 1;
}

static int find_uplink(struct nl *nl, struct dflt *d, struct nr_err *e)
{
	memset(d, 0, sizeof *d);
	if (nl_route_dump(nl, AF_INET, default_cb, d, e) < 0)
		return -1;
	if (!d->oif && nl_route_dump(nl, AF_INET6, default_cb, d, e) < 0)
		return -1;
	return 0;
}

/* --- collecting ------------------------------------------------------------------------------- */

/* MTU_LINKS_MAX: 256 pods (GKE's maximum) x a veth each, plus overlays and helpers, with room. */
#define MTU_LINKS_MAX 1024

struct linkset {
	int n, dropped;
	struct nl_link l[MTU_LINKS_MAX];
};

/* One run's working state: hundreds of KiB of links, the netns list and two 32 KiB netlink
 * receive buffers; one allocation per run, owned by check_mtu_run. */
struct mtu_work {
	struct linkset s;
	struct nl own;         /* the node's netns, when the caller gave no socket */
	struct nl *nl;         /* the caller's, or &own */
	struct nl pnl;         /* inside one pod's netns at a time */
	struct netns_list ns;
};

static int add_link(const struct nl_link *l, void *arg)
{
	struct linkset *s = arg;

	if (s->n >= MTU_LINKS_MAX)
		s->dropped++;
	else
		s->l[s->n++] = *l;
	return 1;
}

/* A pod's host side: a veth whose peer lives in another netns (IFLA_LINK_NETNSID present).
 * The uplink may itself be a veth (a node in a sandbox, our simulated node): never a pod. */
static int is_pod_veth(const struct nl_link *l, int uplink)
{
	return !strcmp(l->kind, "veth") && l->link_netnsid >= 0 && l->ifindex != uplink;
}

static struct mtu_iface *add_iface(struct mtu_report *r, const struct nl_link *l, enum mtu_role role)
{
	struct mtu_iface *f;

	if (r->n >= MTU_IFACES_MAX) {
		r->dropped++;
		return NULL;
	}
	f = &r->ifs[r->n++];
	memset(f, 0, sizeof *f);
	memcpy(f->name, l->name, sizeof f->name);
	memcpy(f->kind, l->kind, sizeof f->kind);
	f->ifindex = l->ifindex;
	f->mtu = l->mtu;
	f->role = role;
	f->nsid = role == MTU_ROLE_POD ? l->link_netnsid : -1;
	f->peer_ifindex = l->link;
	f->master = l->master;
	return f;
}

static void add_overlay(struct mtu_report *r, const struct nl_link *l, unsigned oh)
{
	struct mtu_overlay *o;

	if (r->noverlay >= MTU_OVERLAYS_MAX) {
		r->overlays_dropped++;
		return;
	}
	o = &r->overlays[r->noverlay++];
	memcpy(o->name, l->name, sizeof o->name);
	memcpy(o->kind, l->kind, sizeof o->kind);
	o->mtu = l->mtu;
	o->overhead = oh;
	o->max_mtu = r->have_uplink && r->uplink_mtu > oh ? r->uplink_mtu - oh : 0;
	o->flow_based = flow_based(o->name);
}

static void collect(struct mtu_report *r, const struct linkset *s)
{
	int i, j, up = r->have_uplink ? r->uplink_ifindex : 0, is_master;
	unsigned oh;

	for (i = 0; i < s->n; i++) {
		const struct nl_link *l = &s->l[i];
		if ((oh = mtu_overlay_overhead(l->kind, l->name)))
			add_overlay(r, l, oh);
		else if (is_pod_veth(l, up))
			add_iface(r, l, MTU_ROLE_POD);
		else if (!strcmp(l->kind, "bridge")) {
			/* A pod bridge has a pod veth among its ports (cbr0, cni0, weave). */
			for (j = 0, is_master = 0; j < s->n && !is_master; j++)
				is_master = s->l[j].master == l->ifindex && is_pod_veth(&s->l[j], up);
			if (is_master)
				add_iface(r, l, MTU_ROLE_BRIDGE);
		}
	}
}

/* --- the pod side of each veth ----------------------------------------------------------------- */

/* Reads, inside the netns behind fd (id nsid as the node sees it), the peer of every pod veth
 * that points there, and the pod UID of the process pid found in it. */
static void read_inside(struct mtu_report *r, struct mtu_work *w, int fd, int nsid, unsigned long long ino,
			int pid)
{
	struct nl *pnl = &w->pnl;
	struct proc_info pi;
	struct nl_link peer;
	struct nr_err e;
	int i, opened = 0, uid = 0;

	nr_err_clear(&e);
	for (i = 0; i < r->n; i++) {
		struct mtu_iface *f = &r->ifs[i];
		if (f->role != MTU_ROLE_POD || f->nsid != nsid || f->netns)
			continue;
		f->netns = ino;
		f->pid = pid;
		if (!uid && proc_read(pid, PROC_F_CGROUP, &pi, &e) == 0)
			uid = pi.pod_uid[0] ? 1 : -1;
		if (uid < 0) {
			f->role = MTU_ROLE_NOTPOD; /* docker, libvirt, a test netns: not judged */
			continue;
		}
		if (uid > 0)
			snprintf(f->pod_uid, sizeof f->pod_uid, "%s", pi.pod_uid);
		if (!opened && nl_open_in(pnl, fd, &e) < 0) {
			snprintf(f->why_unknown, sizeof f->why_unknown, "cannot enter the pod netns: %s",
				 e.sys ? strerror(e.sys) : "netlink");
			continue;
		}
		opened = 1;
		if (nl_link_get_index(pnl, f->peer_ifindex, &peer, &e) == 0) {
			f->pod_known = 1;
			f->pod_mtu = peer.mtu;
			memcpy(f->pod_ifname, peer.name, sizeof f->pod_ifname);
		} else {
			snprintf(f->why_unknown, sizeof f->why_unknown, "peer ifindex %d not in the pod netns", f->peer_ifindex);
		}
	}
	if (opened)
		nl_close(pnl);
}

static int pods_left(const struct mtu_report *r)
{
	int i, n = 0;

	for (i = 0; i < r->n; i++)
		n += r->ifs[i].role == MTU_ROLE_POD && !r->ifs[i].netns;
	return n;
}

/* IFLA_LINK_NETNSID is an id local to the node's netns: the way back to a namespace is to ask
 * RTM_GETNSID about each namespace that has a process (one /proc walk for all pods). */
static void pod_sides(struct mtu_report *r, struct mtu_work *w)
{
	struct netns_list *ns = &w->ns;
	struct nl *nl = w->nl;
	unsigned long long self = 0;
	struct nr_err e;
	int i, fd, nsid, denied = 0;
	const char *why;

	nr_err_clear(&e);
	netns_self_ino(&self, &e);
	if (netns_list_all(ns, &e) < 0)
		ns->n = 0;
	for (i = 0; i < ns->n && pods_left(r); i++) {
		if (ns->ns[i].ino == self)
			continue;
		fd = netns_open_pid(ns->ns[i].pid, NULL, &e);
		if (fd < 0) {
			denied += e.sys == EACCES || e.sys == EPERM;
			continue; /* gone meanwhile, or not ours to see */
		}
		if (nl_nsid_get(nl, fd, &nsid, &e) == 0 && nsid >= 0)
			read_inside(r, w, fd, nsid, ns->ns[i].ino, ns->ns[i].pid);
		close(fd);
	}
	why = denied || geteuid() != 0 ? "permission denied entering namespaces (run as root)" :
		       "no process in the peer netns (cannot enter it)";
	for (i = 0; i < r->n; i++)
		if (r->ifs[i].role == MTU_ROLE_POD && !r->ifs[i].netns)
			snprintf(r->ifs[i].why_unknown, sizeof r->ifs[i].why_unknown, "%s", why);
}

/* Veths into namespaces of processes outside any pod (docker0's containers, libvirt, test
 * namespaces) are not pod interfaces; a bridge is a pod bridge only with a pod port left. */
static void drop_not_pods(struct mtu_report *r)
{
	int i, j, n = 0, keep;

	for (i = 0; i < r->n; i++) {
		keep = r->ifs[i].role == MTU_ROLE_POD;
		for (j = 0; j < r->n && r->ifs[i].role == MTU_ROLE_BRIDGE && !keep; j++)
			keep = r->ifs[j].role == MTU_ROLE_POD && r->ifs[j].master == r->ifs[i].ifindex;
		if (keep)
			r->ifs[n++] = r->ifs[i];
	}
	r->n = n;
}

/* --- findings --------------------------------------------------------------------------------- */

/* "uplink eth0 1460 - 50 (vxlan flannel.1)" into buf. */
static const char *path_str(const struct mtu_report *r, char *buf, size_t cap)
{
	const struct mtu_overlay *worst = NULL;
	int i;

	for (i = 0; i < r->noverlay; i++)
		if (lowers_pod_mtu(&r->overlays[i]) && (!worst || r->overlays[i].overhead > worst->overhead))
			worst = &r->overlays[i];
	if (worst)
		snprintf(buf, cap, "uplink %s %u - %u for %s %s", r->uplink, r->uplink_mtu, worst->overhead,
			 worst->kind, worst->name);
	else
		snprintf(buf, cap, "uplink %s %u", r->uplink, r->uplink_mtu);
	return buf;
}

static void findings(const struct mtu_report *r, struct findings *fs)
{
	char path[128], fix[256], subj[64];
	unsigned max = r->pod_max_mtu;
	struct finding *g;
	int i;

	if (!r->have_uplink)
		return;
	for (i = 0; i < r->noverlay; i++) {
		const struct mtu_overlay *o = &r->overlays[i];
		if (!o->max_mtu || o->mtu <= o->max_mtu || o->flow_based)
			continue;
		sh_printf(fix, sizeof fix, "ip link set dev %s mtu %u", o->name, o->max_mtu);
		findings_add(fs, "mtu-mismatch", SEV_FAIL, o->name, fix,
			     "%s device MTU %u leaves no room for its %u-byte encapsulation over uplink %s (MTU %u): "
			     "full-size packets are dropped or fragmented; it should be at most %u",
			     o->kind, o->mtu, o->overhead, r->uplink, r->uplink_mtu, o->max_mtu);
	}
	for (i = 0; i < r->n; i++) {
		const struct mtu_iface *f = &r->ifs[i];
		int host_bad = f->mtu > max, pod_bad = f->pod_known && f->pod_mtu > max;
		size_t n = 0;

		if (!host_bad && !pod_bad)
			continue;
		fix[0] = 0;
		if (host_bad)
			n += (size_t)sh_printf(fix + n, sizeof fix - n, "ip link set dev %s mtu %u", f->name, max);
		if (pod_bad && n && n < sizeof fix)
			n += (size_t)snprintf(fix + n, sizeof fix - n, "\n"); /* one command a line */
		if (pod_bad && n < sizeof fix)
			n += (size_t)sh_printf(fix + n, sizeof fix - n, "nsenter -t %d -n ip link set dev %s mtu %u",
					       f->pid, f->pod_ifname, max);
		snprintf(subj, sizeof subj, "%s", f->name);
		if (f->role == MTU_ROLE_BRIDGE)
			g = findings_add(fs, "mtu-mismatch", SEV_FAIL, subj, fix,
					 "pod bridge %s MTU %u exceeds what the path carries: %u (%s)",
					 f->name, f->mtu, max, path_str(r, path, sizeof path));
		else if (f->pod_known)
			g = findings_add(fs, "mtu-mismatch", SEV_FAIL, subj, fix,
					 "pod %s: host side %s MTU %u, pod side %s MTU %u; the path carries %u (%s)",
					 f->pod_uid[0] ? f->pod_uid : "(uid unknown)", f->name, f->mtu,
					 f->pod_ifname, f->pod_mtu, max, path_str(r, path, sizeof path));
		else
			g = findings_add(fs, "mtu-mismatch", SEV_FAIL, subj, fix,
					 "pod %s: host side %s MTU %u (pod side unknown: %s); the path carries %u (%s)",
					 f->pod_uid[0] ? f->pod_uid : "(uid unknown)", f->name, f->mtu,
					 f->why_unknown, max, path_str(r, path, sizeof path));
		finding_pod(g, f->pod_uid);
		/* The fix mends the running pod; new pods take their MTU from the CNI's config
		 * (diagnose names the file it found, or what sets the MTU under kubenet). */
		if (f->role == MTU_ROLE_POD)
			finding_advice(g, "the fix lasts until the pod is recreated: set \"mtu\": %u in the CNI "
				       "config under /etc/cni/net.d so new pods get it", max);
	}
}

/* --- the check -------------------------------------------------------------------------------- */

/* The node's links and the pod side of each veth into r; returns 0 or -1 (e set). */
static int read_node(struct nl *given, struct mtu_report *r, struct mtu_work *w, struct nr_err *e)
{
	struct linkset *s = &w->s;
	struct dflt d;
	int i;

	if (!(w->nl = nl_use(given, &w->own, e)))
		return -1;
	if (nl_link_dump(w->nl, add_link, s, e) < 0 || find_uplink(w->nl, &d, e) < 0) {
		nl_done(w->nl, &w->own);
		return -1;
	}
	for (i = 0; i < s->n && d.oif; i++)
		if (s->l[i].ifindex == d.oif) {
			r->have_uplink = 1;
			r->uplink_ifindex = d.oif;
			r->uplink_mtu = s->l[i].mtu;
			memcpy(r->uplink, s->l[i].name, sizeof r->uplink);
		}
	collect(r, s);
	pod_sides(r, w);
	nl_done(w->nl, &w->own);
	return 0;
}

int check_mtu_run(struct nl *nl, struct mtu_report *r, struct findings *fs, struct nr_err *e)
{
	struct mtu_work *w;
	unsigned worst = 0;
	int i, rc;

	memset(r, 0, offsetof(struct mtu_report, ifs));
	if (!(w = malloc(sizeof *w)))
		return nr_fail(e, NR_E_NOMEM, ENOMEM, "mtu", NULL);
	w->s.n = w->s.dropped = 0;
	rc = read_node(nl, r, w, e);
	free(w);
	if (rc < 0)
		return -1;
	drop_not_pods(r);
	for (i = 0; i < r->noverlay; i++)
		if (lowers_pod_mtu(&r->overlays[i]) && r->overlays[i].overhead > worst)
			worst = r->overlays[i].overhead;
	if (r->have_uplink)
		r->pod_max_mtu = r->uplink_mtu > worst ? r->uplink_mtu - worst : 0;
	findings(r, fs);
	return 0;
}

/* --- output ----------------------------------------------------------------------------------- */

void check_mtu_json(struct jw *w, const struct mtu_report *r)
{
	int i;

	jw_key(w, "uplink");
	if (r->have_uplink) {
		jw_obj(w);
		jw_kstr(w, "name", r->uplink);
		jw_kuint(w, "mtu", r->uplink_mtu);
		jw_kint(w, "ifindex", r->uplink_ifindex);
		jw_obj_end(w);
		jw_kuint(w, "pod_max_mtu", r->pod_max_mtu);
	} else {
		jw_null(w);
		jw_knull(w, "pod_max_mtu");
	}
	jw_key(w, "overlays");
	jw_arr(w);
	for (i = 0; i < r->noverlay; i++) {
		const struct mtu_overlay *o = &r->overlays[i];
		jw_obj(w);
		jw_kstr(w, "name", o->name);
		jw_kstr(w, "kind", o->kind);
		jw_kuint(w, "mtu", o->mtu);
		jw_kuint(w, "overhead", o->overhead);
		jw_kbool(w, "flow_based", o->flow_based);
		if (o->max_mtu)
			jw_kuint(w, "max_mtu", o->max_mtu);
		else
			jw_knull(w, "max_mtu");
		jw_obj_end(w);
	}
	jw_arr_end(w);
	jw_key(w, "interfaces");
	jw_arr(w);
	for (i = 0; i < r->n; i++) {
		const struct mtu_iface *f = &r->ifs[i];
		jw_obj(w);
		jw_kstr(w, "name", f->name);
		jw_kuint(w, "mtu", f->mtu);
		jw_kstr(w, "pod_uid", f->pod_uid[0] ? f->pod_uid : NULL);
		jw_kstr(w, "role", f->role == MTU_ROLE_BRIDGE ? "bridge" : "pod");
		jw_kstr(w, "kind", f->kind);
		if (f->role == MTU_ROLE_POD) {
			if (f->pod_known) {
				jw_kuint(w, "pod_mtu", f->pod_mtu);
				jw_kstr(w, "pod_ifname", f->pod_ifname);
			} else {
				jw_knull(w, "pod_mtu");
				jw_knull(w, "pod_ifname");
			}
			if (f->netns)
				jw_kuint(w, "netns", f->netns);
			else
				jw_knull(w, "netns");
			if (f->pid)
				jw_kint(w, "pid", f->pid);
			else
				jw_knull(w, "pid");
			jw_kstr(w, "pod_side_unknown", f->pod_known ? NULL : f->why_unknown);
		}
		jw_obj_end(w);
	}
	jw_arr_end(w);
	if (r->dropped)
		jw_kint(w, "interfaces_not_shown", r->dropped);
}

void check_mtu_text(FILE *f, const struct mtu_report *r)
{
	static const char *const head[] = { "INTERFACE", "ROLE", "MTU", "POD-SIDE", "POD-MTU", "POD" };
	char mtu[16], pmtu[16];
	struct tbl t;
	int i;

	if (r->have_uplink)
		fprintf(f, "uplink   %s mtu %u; a pod can use at most %u\n", r->uplink, r->uplink_mtu, r->pod_max_mtu);
	else
		fprintf(f, "uplink   none (no default route in this netns): nothing to compare with\n");
	for (i = 0; i < r->noverlay; i++)
		fprintf(f, "overlay  %s (%s) mtu %u, overhead %u, at most %u\n", r->overlays[i].name,
			r->overlays[i].kind, r->overlays[i].mtu, r->overlays[i].overhead, r->overlays[i].max_mtu);
	if (!r->n)
		return;
	tbl_init(&t, 6, head);
	for (i = 0; i < r->n; i++) {
		const struct mtu_iface *x = &r->ifs[i];
		const char *cells[6];
		snprintf(mtu, sizeof mtu, "%u", x->mtu);
		snprintf(pmtu, sizeof pmtu, "%u", x->pod_mtu);
		cells[0] = x->name;
		cells[1] = x->role == MTU_ROLE_BRIDGE ? "bridge" : "pod";
		cells[2] = mtu;
		cells[3] = x->role == MTU_ROLE_POD ? (x->pod_known ? x->pod_ifname : "?") : NULL;
		cells[4] = x->pod_known ? pmtu : NULL;
		cells[5] = x->pod_name[0] ? x->pod_name : x->pod_uid[0] ? x->pod_uid : NULL; /* UID in JSON */
		tbl_add(&t, cells);
	}
	tbl_print(&t, f);
}
