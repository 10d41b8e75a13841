/* Pod IP -> host interface -> netns -> processes -> pod UID and containers. */
#include <errno.h>
#include <fcntl.h>
#include <linux/if.h>
#include <linux/neighbour.h>
#include <linux/rtnetlink.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "locate/locate.h"
#include "proc/proc.h"
#include "report/shell.h"

#define MOD "locate"

int locate_init(struct locate_ctx *c, struct nr_err *e)
{
	c->ns_ready = 0;
	c->ns.n = 0;
	c->nmnt = 0;
	c->index_ready = 0;
	c->host_root = NULL;
	return nl_open(&c->nl, e);
}

void locate_fini(struct locate_ctx *c)
{
	nl_close(&c->nl);
}

/* The nsid this netns gives every process namespace, read once: RTM_GETNSID per namespace. */
static int ns_prepare(struct locate_ctx *c, struct nr_err *e)
{
	struct nr_err ign;
	int i, fd;

	if (c->ns_ready)
		return 0;
	if (netns_list_pids(&c->ns, c->pairs, LOCATE_PROCS, &c->npairs, &c->pairs_dropped, e) < 0)
		return -1;
	for (i = 0; i < c->ns.n; i++) {
		c->nsid[i] = -1;
		fd = netns_open_pid(c->ns.ns[i].pid, NULL, &ign);
		if (fd < 0)
			continue; /* gone meanwhile */
		if (nl_nsid_get(&c->nl, fd, &c->nsid[i], &ign) < 0)
			c->nsid[i] = -1;
		close(fd);
	}
	/* Sandboxes whose processes are gone keep their netns through the CNI's bind mount. */
	if (locate_mounts_read(c, e) < 0)
		return -1;
	c->ns_ready = 1;
	return 0;
}

int locate_nsid_open(struct locate_ctx *c, int nsid, unsigned long long *ino, struct nr_err *e)
{
	unsigned long long got;
	int i, fd;

	if (ns_prepare(c, e) < 0)
		return -1;
	for (i = 0; i < c->ns.n; i++) {
		if (c->nsid[i] != nsid || nsid < 0)
			continue;
		/* The pid we remembered may have exited: the namespace may still live (other
		 * processes), but then we cannot tell which; a fresh list would. Check the inode. */
		fd = netns_open_pid(c->ns.ns[i].pid, &got, NULL);
		if (fd >= 0 && got == c->ns.ns[i].ino) {
			if (ino)
				*ino = got;
			return fd;
		}
		if (fd >= 0)
			close(fd);
	}
	for (i = 0; i < c->nmnt && nsid >= 0; i++) {
		if (c->mnt[i].nsid != nsid || c->mnt[i].has_proc)
			continue;
		fd = open(c->mnt[i].path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
		if (fd >= 0 && netns_fd_ino(fd, &got, NULL) == 0 && got == c->mnt[i].ino) {
			if (ino)
				*ino = got;
			return fd;
		}
		if (fd >= 0)
			close(fd);
	}
	/* Not found among what we could read is not "gone" when some was unreadable. */
	if (c->ns.unreadable)
		return nr_fail(e, NR_E_PERM, EACCES, MOD, "netns id %d: the network namespaces of %d "
			       "processes could not be read (needs CAP_SYS_PTRACE and CAP_SYS_ADMIN)", nsid,
			       c->ns.unreadable);
	return nr_fail(e, NR_E_NL_NONETNS, 0, MOD, "netns id %d", nsid);
}

/* --- the route -------------------------------------------------------------------------- */

static void ip_text(const struct nr_addr *a, char *b, size_t cap)
{
	addr_str(a, b, cap);
}

static void raw_text(int family, const unsigned char *raw, char *b, size_t cap)
{
	struct nr_addr a;

	a.family = family;
	memcpy(a.a, raw, sizeof a.a);
	addr_str(&a, b, cap);
}

/* Says why a route does not lead to a pod; NULL when it does. */
static const char *route_fault(const struct nl_route *rt, const struct nl_link *dev, char *why,
			       size_t cap)
{
	char gw[64];

	if (rt->type != RTN_UNICAST) {
		snprintf(why, cap, "the route is of type %s",
			 rt->type == RTN_BLACKHOLE ? "blackhole" : rt->type == RTN_UNREACHABLE ?
			 "unreachable" : rt->type == RTN_PROHIBIT ? "prohibit" : "non-unicast");
		return why;
	}
	if (rt->dst_len == 0 || rt->has_gw) {
		raw_text(rt->family, rt->gw, gw, sizeof gw);
		snprintf(why, cap, "it falls to %s%s%s dev %s, off the node",
			 rt->dst_len ? "a route" : "the default route", rt->has_gw ? " via " : "",
			 rt->has_gw ? gw : "", dev->name);
		return why;
	}
	return NULL;
}

static int neigh_find(const struct nl_neigh *n, void *arg)
{
	struct locate_report *r = arg;
	size_t alen = r->ip.family == AF_INET ? 4 : 16;

	if (!n->has_ip || memcmp(n->ip, r->ip.a, alen) || n->mac_len != 6 ||
	    (n->state & (NUD_FAILED | NUD_INCOMPLETE)))
		return 1;
	memcpy(r->mac, n->mac, 6);
	r->has_mac = 1;
	return 0;
}

struct fdb_find {
	const unsigned char *mac;
	int bridge, port;
};

static int fdb_find(const struct nl_neigh *n, void *arg)
{
	struct fdb_find *f = arg;

	if (n->mac_len != 6 || memcmp(n->mac, f->mac, 6) || (n->state & NUD_PERMANENT) ||
	    (n->master && n->master != f->bridge) || n->ifindex == f->bridge)
		return 1;
	f->port = n->ifindex;
	return 0;
}

/* kubenet: IP -> MAC (neighbour table of the bridge) -> port (FDB). 0 = port found. */
static int bridged_port(struct locate_ctx *c, const struct nl_link *br, struct locate_report *r,
			struct nl_link *port, struct nr_err *e)
{
	struct fdb_find f = { r->mac, br->ifindex, 0 };

	if (nl_neigh_dump(&c->nl, r->ip.family, neigh_find, r, e) < 0)
		return -1;
	if (!r->has_mac)
		return 1;
	if (nl_fdb_dump(&c->nl, br->ifindex, fdb_find, &f, e) < 0)
		return -1;
	if (!f.port)
		return 1;
	return nl_link_get_index(&c->nl, f.port, port, e);
}

/* --- the pod side ----------------------------------------------------------------------- */

struct addr_find {
	int ifindex;
	const struct nr_addr *ip;
	int found;
};

static int addr_find(const struct nl_ifaddr *a, void *arg)
{
	struct addr_find *f = arg;
	size_t alen = f->ip->family == AF_INET ? 4 : 16;

	if (a->family == f->ip->family && !memcmp(a->addr, f->ip->a, alen) &&
	    (!f->ifindex || a->ifindex == f->ifindex)) {
		f->found = a->ifindex;
		return 0;
	}
	return 1;
}

/* Reads the veth's other end inside its netns: name, iflink (cross-check), and whether it
 * holds the IP. 0, or -1 when the namespace could not be read. */
static int pod_side(struct locate_ctx *c, const struct nl_link *host, struct locate_report *r,
		    int *has_ip, struct nr_err *e)
{
	struct nl *podnl = &c->podnl;
	struct nl_link pl;
	struct addr_find f = { 0, &r->ip, 0 };
	int fd, rc = -1;

	fd = locate_nsid_open(c, host->link_netnsid, &r->netns, e);
	if (fd < 0)
		return -1;
	if (nl_open_in(podnl, fd, e) < 0)
		goto out;
	if (nl_link_get_index(podnl, host->link, &pl, e) == 0) {
		memcpy(r->pod_if, pl.name, sizeof r->pod_if);
		r->crosscheck = pl.link == host->ifindex;
		f.ifindex = pl.ifindex;
		if (nl_addr_dump(podnl, r->ip.family, addr_find, &f, e) == 0)
			rc = 0;
	}
	*has_ip = f.found != 0;
	nl_close(podnl);
out:
	close(fd);
	return rc;
}

static int denied(const struct nr_err *e)
{
	return e->code == NR_E_PERM || e->sys == EACCES || e->sys == EPERM;
}

/* --- processes, pod, containers ---------------------------------------------------------- */

static struct locate_container *container(struct locate_report *r, const char *id)
{
	int i;

	for (i = 0; i < r->ncontainers; i++)
		if (!strcmp(r->containers[i].id, id))
			return &r->containers[i];
	if (r->ncontainers >= LOCATE_MAX_CONTAINERS)
		return NULL;
	snprintf(r->containers[r->ncontainers].id, LOCATE_CID, "%s", id);
	r->containers[r->ncontainers].npids = 0;
	return &r->containers[r->ncontainers++];
}

static int add_pid(const int *pid, void *arg)
{
	struct locate_report *r = arg;
	struct locate_container *k;
	struct proc_info pi;

	if (r->npids >= LOCATE_MAX_PIDS) {
		r->pids_dropped++;
		return 1;
	}
	r->pids[r->npids++] = *pid;
	if (proc_read(*pid, PROC_F_CGROUP, &pi, NULL) < 0)
		return 1; /* exited meanwhile */
	if (pi.pod_uid[0] && !r->pod_uid[0])
		snprintf(r->pod_uid, sizeof r->pod_uid, "%s", pi.pod_uid);
	if (pi.container_id[0] && (k = container(r, pi.container_id)) && k->npids < LOCATE_MAX_PIDS)
		k->pids[k->npids++] = *pid;
	return 1;
}

/* --- findings ---------------------------------------------------------------------------- */

static void link_down(const struct locate_report *r, struct findings *fs)
{
	char ip[64], fix[128], cause[48];
	struct finding *f;

	if (!fs || !r->ifindex || ((r->host_flags & IFF_UP) && (r->host_flags & IFF_LOWER_UP)))
		return;
	ip_text(&r->ip, ip, sizeof ip);
	sh_printf(fix, sizeof fix, "ip link set %s up", r->host_if);
	snprintf(cause, sizeof cause, "link %s", r->host_if);
	if (!(r->host_flags & IFF_UP)) {
		f = findings_add(fs, "link-down", SEV_FAIL, ip, fix,
				 "the pod's host-side interface %s (ifindex %d) is administratively down",
				 r->host_if, r->ifindex);
	} else {
		f = findings_add(fs, "link-down", SEV_FAIL, ip, NULL,
				 "the pod's host-side interface %s (ifindex %d) is up but has no carrier "
				 "(its pod-side peer %s is down)", r->host_if, r->ifindex,
				 r->pod_if[0] ? r->pod_if : "interface");
		finding_advice(f, "the pod-side end is down inside the pod: restart the pod (kubectl delete pod; "
			       "its controller recreates it)");
	}
	finding_cause(f, cause);
}

/* Reports why the pod behind host lost its route, when a link on its way is down: its veth
 * (link-down) or the bridge the veth is a port of (bridge-down). 1 when it did, 0 when the
 * links are up and the route is missing for another reason. */
static int down_cause(struct locate_ctx *c, const struct nl_link *host, struct locate_report *r,
		      struct findings *fs)
{
	struct nl_link br;
	char ip[64], fix[160], cause[48];

	if (!(host->flags & IFF_UP) || !(host->flags & IFF_LOWER_UP)) {
		link_down(r, fs);
		return 1;
	}
	if (!host->master || nl_link_get_index(&c->nl, host->master, &br, NULL) < 0 ||
	    (br.flags & IFF_UP))
		return 0;
	snprintf(r->bridge, sizeof r->bridge, "%s", br.name);
	if (fs && !findings_has(fs, "bridge-down", br.name)) {
		ip_text(&r->ip, ip, sizeof ip);
		sh_printf(fix, sizeof fix, "netrescue bridge %s --fix", br.name);
		snprintf(cause, sizeof cause, "link %s", br.name);
		finding_cause(findings_add(fs, "bridge-down", SEV_FAIL, br.name, fix,
					   "bridge %s is down, so the kernel dropped the route to its pods: "
					   "pod %s behind port %s is unreachable", br.name, ip, host->name), cause);
	}
	return 1;
}

static void route_missing(const struct nr_addr *ip, const char *why, struct findings *fs)
{
	char b[64];

	if (!fs)
		return;
	ip_text(ip, b, sizeof b);
	findings_add(fs, "route-missing", SEV_FAIL, b, NULL,
		     "no route on the node leads to pod %s: %s", b, why);
}

/* --- the walk ---------------------------------------------------------------------------- */

/* The host interface of the pod behind route device dev. 0 found, 1 not, -1 error. */
static int host_iface(struct locate_ctx *c, const struct nl_link *dev, struct locate_report *r,
		      struct nl_link *host, struct nr_err *e)
{
	int rc;

	if (strcmp(dev->kind, "bridge")) {
		r->wiring = LOCATE_ROUTED;
		*host = *dev;
		return 0;
	}
	r->wiring = LOCATE_BRIDGED;
	memcpy(r->bridge, dev->name, sizeof r->bridge);
	rc = bridged_port(c, dev, r, host, e);
	/* The neighbour/FDB chain is broken when the node never talked to the pod: ask the
	 * index of pod addresses which port's pod holds the IP. */
	if (rc == 1)
		rc = locate_index_find(c, &r->ip, dev->ifindex, host, e);
	return rc;
}

static void route_missing(const struct nr_addr *ip, const char *why, struct findings *fs);

/* A route that leads to a veth whose pod does not hold the IP (a stale /32 after the IP was
 * reused, a wrong ARP answer) delivers the pod's traffic elsewhere: no route to the pod. */
static void wrong_pod(const struct locate_report *r, struct findings *fs)
{
	char why[160];

	if (r->pod_has_ip != 0)
		return;
	snprintf(why, sizeof why, "the route leads to %s, but the pod behind it (net:[%llu]) does "
		 "not hold this IP", r->host_if, r->netns);
	route_missing(&r->ip, why, fs);
}

static int locate_pod(struct locate_ctx *c, const struct nl_link *host, struct locate_report *r,
		      struct nr_err *e)
{
	int has_ip = 0, i;
	const char *mnt;
	struct nr_err ign;

	memcpy(r->host_if, host->name, sizeof r->host_if);
	r->ifindex = host->ifindex;
	r->host_flags = host->flags;
	r->peer_ifindex = host->link;
	if (host->link_netnsid < 0 || !host->link)
		return 0; /* not a veth into another netns: nothing more to read */
	if (pod_side(c, host, r, &has_ip, &ign) < 0) {
		/* Could not look is an error; a netns with no process (or gone) is host side only. */
		if (denied(&ign)) {
			*e = ign;
			return -1;
		}
		return 0;
	}
	r->pod_has_ip = has_ip;
	(void)e; /* a pid that exits meanwhile is normal: nothing here fails */
	i = netns_pids_first(c->pairs, c->npairs, r->netns);
	for (; i >= 0 && i < c->npairs && c->pairs[i].ino == r->netns; i++)
		add_pid(&c->pairs[i].pid, r);
	if (!r->npids && (mnt = locate_mount_only(c, r->netns))) {
		r->sandbox_empty = 1;
		snprintf(r->netns_path, sizeof r->netns_path, "%s", mnt);
		locate_sandbox_owner(c, r);
	}
	return 0;
}

/* The pod's netns is held only by a bind mount: its sandbox (pause) process died and nothing
 * recreated it, so no container can run there although the network still answers ARP. */
static void sandbox_empty(const struct locate_report *r, struct findings *fs)
{
	char ip[64];

	if (!fs || !r->sandbox_empty)
		return;
	ip_text(&r->ip, ip, sizeof ip);
	findings_add(fs, "pod-sandbox-empty", SEV_WARN, ip, NULL,
		     "pod %s%s%s%s behind %s: its network namespace net:[%llu] is held only by the "
		     "bind mount %s; no process is left in it (the sandbox died): the kubelet must "
		     "recreate the pod sandbox (check the runtime: crictl pods, its log)", ip,
		     r->sandbox_pod[0] ? " (" : "", r->sandbox_pod, r->sandbox_pod[0] ? ")" : "",
		     r->host_if, r->netns, r->netns_path);
}

/* The route keeps the IP on the node, but no pod here holds it. */
/* "Not here" is only said when every pod namespace could be looked into: otherwise the
 * refusal is the answer (exit 3, naming what is needed), never an absence. */
static int unreadable(const struct locate_ctx *c, const struct locate_report *r, struct nr_err *e)
{
	char ip[64];

	if (!c->ns.unreadable)
		return 0;
	addr_str(&r->ip, ip, sizeof ip);
	return nr_fail(e, NR_E_PERM, EACCES, MOD, "%s: the network namespaces of %d processes could not be "
		       "read (needs CAP_SYS_PTRACE and CAP_SYS_ADMIN)", ip, c->ns.unreadable);
}

static void not_here(struct locate_report *r, const char *where, struct findings *fs)
{
	char ip[64];

	r->not_here = 1;
	if (!fs)
		return;
	ip_text(&r->ip, ip, sizeof ip);
	findings_add(fs, "pod-not-found", SEV_FAIL, ip, NULL,
		     "no pod on this node holds %s: %s, but no pod network namespace behind the "
		     "node's veths has this IP (the pod runs on another node, or is gone)", ip, where);
}

/* Dataplane V2 / Cilium: the pod CIDR goes via the router IP on cilium_host (no per-pod
 * route); eBPF on the pod's lxc* veth delivers. The index of pod addresses finds the pod. */
static int is_cilium(const struct nl_route *rt, const struct nl_link *dev)
{
	return rt->type == RTN_UNICAST && rt->dst_len && !strncmp(dev->name, "cilium_", 7);
}

static int locate_cilium(struct locate_ctx *c, const struct nl_route *rt, const struct nl_link *dev,
			 struct locate_report *r, struct findings *fs, struct nr_err *e)
{
	struct nl_link host;
	char where[160], net[64];
	int rc;

	r->wiring = LOCATE_CILIUM;
	rc = locate_index_find(c, &r->ip, 0, &host, e);
	if (rc < 0)
		return -1;
	if (rc == 0) {
		if (locate_pod(c, &host, r, e) < 0)
			return -1;
		link_down(r, fs);
		sandbox_empty(r, fs);
		return 0;
	}
	if (unreadable(c, r, e))
		return -1;
	raw_text(rt->family, rt->dst, net, sizeof net);
	snprintf(where, sizeof where, "the route %s/%d leads to Cilium's datapath (%s)", net,
		 rt->dst_len, dev->name);
	not_here(r, where, fs);
	return 0;
}

/* The kernel refuses the IP (no route, or a blackhole/unreachable/prohibit one such as
 * Calico's per-block blackhole): when the pod is here after all, its own route is what is
 * missing (or its link is down), and the finding says where it is. */
static int no_route(struct locate_ctx *c, struct locate_report *r, int sys, struct findings *fs,
		    struct nr_err *e)
{
	const char *why = sys == EINVAL ? "a blackhole route swallows it" :
			  sys == EACCES ? "a prohibit route refuses it" :
			  sys == EHOSTUNREACH ? "an unreachable route refuses it" :
			  "the kernel has no route to it";
	char more[256];
	struct nl_link host;

	nr_err_clear(e);
	if (locate_index_find(c, &r->ip, 0, &host, e) == 0 && locate_pod(c, &host, r, e) == 0) {
		if (down_cause(c, &host, r, fs))
			return 0;
		snprintf(more, sizeof more, "%s, although the pod is here behind %s (its own route is "
			 "gone)", why, host.name);
		why = more;
	}
	route_missing(&r->ip, why, fs);
	return 0;
}

int locate_run(struct locate_ctx *c, const struct nr_addr *ip, struct locate_report *r,
	       struct findings *fs, struct nr_err *e)
{
	struct nl_route rt;
	struct nl_link dev, host;
	char why[256];
	int rc;

	memset(r, 0, sizeof *r);
	r->ip = *ip;
	r->crosscheck = -1;
	r->pod_has_ip = -1;
	if (nl_route_match(&c->nl, ip, &rt, e) < 0) {
		if (e->code != NR_E_NL_NOROUTE)
			return -1;
		return no_route(c, r, e->sys, fs, e);
	}
	if (rt.type == RTN_LOCAL) {
		r->wiring = LOCATE_LOCAL; /* one of the node's own addresses */
		return 0;
	}
	if (!rt.oif || nl_link_get_index(&c->nl, rt.oif, &dev, e) < 0) {
		if (rt.oif)
			return -1;
		memset(&dev, 0, sizeof dev);
	}
	memcpy(r->route_dev, dev.name, sizeof r->route_dev);
	r->route_default = rt.dst_len == 0;
	if (is_cilium(&rt, &dev))
		return locate_cilium(c, &rt, &dev, r, fs, e);
	if (route_fault(&rt, &dev, why, sizeof why)) {
		/* The kernel drops a route when its device goes down: look for the pod behind
		 * any veth. When its veth or its bridge is down, that is the fault to report
		 * (link-down, bridge-down), and the missing route only its consequence. */
		if (locate_index_find(c, ip, 0, &host, e) == 0 && locate_pod(c, &host, r, e) == 0 &&
		    down_cause(c, &host, r, fs))
			return 0;
		route_missing(ip, why, fs);
		return 0;
	}
	rc = host_iface(c, &dev, r, &host, e);
	if (rc < 0)
		return -1;
	if (rc == 1) {
		if (unreadable(c, r, e))
			return -1;
		snprintf(why, sizeof why, "the route leads to bridge %s", dev.name);
		not_here(r, why, fs);
		return 0;
	}
	if (locate_pod(c, &host, r, e) < 0)
		return -1;
	wrong_pod(r, fs);
	link_down(r, fs);
	sandbox_empty(r, fs);
	return 0;
}

int locate_once(const struct nr_addr *ip, struct locate_report *r, struct nr_err *e)
{
	struct locate_ctx *c = calloc(1, sizeof *c); /* every netns and process of the node */
	int rc;

	if (!c)
		return nr_fail(e, NR_E_NOMEM, ENOMEM, "locate", NULL);
	if (locate_init(c, e) < 0) {
		free(c);
		return -1;
	}
	rc = locate_run(c, ip, r, NULL, e);
	locate_fini(c);
	free(c);
	return rc;
}

/* --- output ------------------------------------------------------------------------------- */

const char *locate_wiring_name(enum locate_wiring w)
{
	static const char *const n[] = { "none", "routed", "bridged", "local", "cilium" };

	return (unsigned)w < sizeof n / sizeof n[0] ? n[w] : "none";
}

static void pids_json(struct jw *w, const int *pids, int n)
{
	int i;

	jw_arr(w);
	for (i = 0; i < n; i++)
		jw_int(w, pids[i]);
	jw_arr_end(w);
}

void locate_json(struct jw *w, const struct locate_report *r)
{
	char b[64];
	int i;

	ip_text(&r->ip, b, sizeof b);
	jw_kstr(w, "ip", b);
	jw_kstr(w, "host_interface", r->ifindex ? r->host_if : NULL);
	jw_key(w, "ifindex");
	r->ifindex ? jw_int(w, r->ifindex) : jw_null(w);
	jw_key(w, "netns");
	r->netns ? jw_uint(w, r->netns) : jw_null(w);
	jw_key(w, "pids");
	pids_json(w, r->pids, r->npids);
	jw_kstr(w, "pod_uid", r->pod_uid[0] ? r->pod_uid : NULL);
	jw_key(w, "containers");
	jw_arr(w);
	for (i = 0; i < r->ncontainers; i++) {
		jw_obj(w);
		jw_kstr(w, "id", r->containers[i].id);
		jw_key(w, "pids");
		pids_json(w, r->containers[i].pids, r->containers[i].npids);
		jw_obj_end(w);
	}
	jw_arr_end(w);
	jw_kstr(w, "wiring", locate_wiring_name(r->wiring));
	jw_kstr(w, "route_dev", r->route_dev[0] ? r->route_dev : NULL);
	jw_kstr(w, "bridge", r->bridge[0] ? r->bridge : NULL);
	jw_kstr(w, "mac", r->has_mac ? nl_mac_str(r->mac, 6, b, sizeof b) : NULL);
	jw_kstr(w, "host_state", !r->ifindex ? NULL : !(r->host_flags & IFF_UP) ? "DOWN" :
		!(r->host_flags & IFF_LOWER_UP) ? "NO-CARRIER" : "UP");
	jw_kstr(w, "pod_interface", r->pod_if[0] ? r->pod_if : NULL);
	jw_key(w, "crosscheck");
	r->crosscheck < 0 ? jw_null(w) : jw_bool(w, r->crosscheck);
	jw_key(w, "pod_has_ip");
	r->pod_has_ip < 0 ? jw_null(w) : jw_bool(w, r->pod_has_ip);
	jw_kbool(w, "sandbox_empty", r->sandbox_empty);
	jw_kstr(w, "netns_path", r->netns_path[0] ? r->netns_path : NULL);
	jw_kstr(w, "sandbox_pod", r->sandbox_pod[0] ? r->sandbox_pod : NULL);
}

/* LOCATE_LINE: pids or containers of one pod on one line. */
#define LOCATE_LINE 512

static void list_text(char *out, size_t cap, const int *pids, int n)
{
	size_t k = 0;
	int i;

	out[0] = 0;
	for (i = 0; i < n && k + 12 < cap; i++)
		k += (size_t)snprintf(out + k, cap - k, "%s%d", i ? "," : "", pids[i]);
}

void locate_text_begin(struct tbl *t)
{
	static const char *const h[] = { "IP", "HOST_IF", "STATE", "WIRING", "NETNS", "PIDS",
					 "POD_UID", "CONTAINERS" };

	tbl_init(t, 8, h);
}

void locate_text_add(struct tbl *t, const struct locate_report *r)
{
	char ip[64], ns[32], pids[LOCATE_LINE], cids[LOCATE_LINE];
	const char *cells[8];
	size_t k = 0;
	int i;

	ip_text(&r->ip, ip, sizeof ip);
	snprintf(ns, sizeof ns, "net:[%llu]", r->netns);
	list_text(pids, sizeof pids, r->pids, r->npids);
	cids[0] = 0;
	for (i = 0; i < r->ncontainers && k + 14 < sizeof cids; i++)
		k += (size_t)snprintf(cids + k, sizeof cids - k, "%s%.12s", i ? "," : "",
				      r->containers[i].id);
	cells[0] = ip;
	cells[1] = r->ifindex ? r->host_if : NULL;
	cells[2] = !r->ifindex ? NULL : !(r->host_flags & IFF_UP) ? "DOWN" :
		   !(r->host_flags & IFF_LOWER_UP) ? "NO-CARRIER" : "UP";
	cells[3] = locate_wiring_name(r->wiring);
	cells[4] = r->netns ? ns : NULL;
	cells[5] = r->npids ? pids : NULL;
	cells[6] = r->pod_uid[0] ? r->pod_uid : NULL;
	cells[7] = r->ncontainers ? cids : NULL;
	tbl_add(t, cells);
}

void locate_text(FILE *f, const struct locate_report *r)
{
	struct tbl t;

	locate_text_begin(&t);
	locate_text_add(&t, r);
	tbl_print(&t, f);
}
