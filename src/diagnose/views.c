/* The raw views a bundle carries beside the report: what `ip link/route/neigh`, `bridge fdb`,
 * conntrack counters, `dmesg`, `ps` and `ss` per netns would have shown, taken now. Each view
 * is rendered into memory (open_memstream: one growing buffer per view) and added as a
 * member; a view that cannot be made becomes a file that says why, so the bundle is always
 * complete about what it holds. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "checks/bridge.h"
#include "checks/conntrack.h"
#include "checks/links.h"
#include "base/err.h"
#include "diagnose/diagnose.h"
#include "diagnose/private.h"
#include "kmsg/kmsg.h"
#include "kmsg/match.h"
#include "netlink/netlink.h"
#include "netns/netns.h"
#include "proc/proc.h"
#include "report/escape.h"
#include "url/url.h"

struct view {
	char *buf;
	size_t len;
	FILE *f;
};

static int view_open(struct view *v)
{
	v->buf = NULL;
	v->len = 0;
	v->f = open_memstream(&v->buf, &v->len);
	return v->f ? 0 : -1;
}

/* Closes the view and adds it to the bundle as name. */
static int view_add(struct bundle *b, struct view *v, const char *name, struct nr_err *e)
{
	int rc;

	if (fclose(v->f) != 0) {
		int err = errno; /* free may change errno */

		free(v->buf);
		return nr_fail(e, NR_E_NOMEM, err, "diagnose", "view %s", name);
	}
	rc = bundle_add(b, name, v->buf, v->len, e);
	free(v->buf);
	return rc;
}

static void esc_line(FILE *f, const char *s, size_t n)
{
	char buf[8192];

	esc_text(buf, sizeof buf, s, n);
	fputs(buf, f);
}

static const char *ifname(const struct diag_report *r, int ifindex, char *buf, size_t cap)
{
	const char *n = links_name(&r->links, ifindex);

	if (n)
		return n;
	snprintf(buf, cap, "if%d", ifindex);
	return buf;
}

static const char *ipstr(int family, const unsigned char *a, char *buf, size_t cap)
{
	if (!inet_ntop(family == AF_INET6 ? AF_INET6 : AF_INET, a, buf, (socklen_t)cap))
		snprintf(buf, cap, "?");
	return buf;
}

/* --- netlink views ----------------------------------------------------------------------- */

struct vw {
	FILE *f;
	const struct diag_report *r;
};

/* RTNH_F_* and RTM_F_* as `ip route` names them. */
static void route_flags(FILE *f, unsigned fl)
{
	static const struct { unsigned bit; const char *n; } t[] = {
		{ 1, "dead" }, { 4, "onlink" }, { 2, "pervasive" }, { 8, "offload" }, { 64, "trap" },
		{ 0x100, "notify" }, { 16, "linkdown" }, { 32, "unresolved" }, { 0x2000, "rt_offload" },
		{ 0x4000, "rt_trap" }, { 0x20000000, "rt_offload_failed" },
	};
	size_t i;

	for (i = 0; i < sizeof t / sizeof t[0]; i++)
		if (fl & t[i].bit)
			fprintf(f, " %s", t[i].n);
}

/* Names as iproute2 spells them (its rt_protos, rt_scopes, rt_tables files and route types);
 * a number without a name is printed as the number, as `ip` does. */
static const char *route_type(int t)
{
	static const char *const n[] = { "unspec", "unicast", "local", "broadcast", "anycast", "multicast",
		"blackhole", "unreachable", "prohibit", "throw", "nat", "xresolve" };

	return t >= 0 && t < (int)(sizeof n / sizeof n[0]) ? n[t] : NULL;
}

static const char *route_proto(int p)
{
	static const struct { int v; const char *n; } t[] = {
		{ 0, "unspec" }, { 1, "redirect" }, { 2, "kernel" }, { 3, "boot" }, { 4, "static" },
		{ 8, "gated" }, { 9, "ra" }, { 10, "mrt" }, { 11, "zebra" }, { 12, "bird" },
		{ 13, "dnrouted" }, { 14, "xorp" }, { 15, "ntk" }, { 16, "dhcp" }, { 18, "keepalived" },
		{ 42, "babel" }, { 99, "openr" }, { 186, "bgp" }, { 187, "isis" }, { 188, "ospf" },
		{ 189, "rip" }, { 192, "eigrp" },
	};
	size_t i;

	for (i = 0; i < sizeof t / sizeof t[0]; i++)
		if (t[i].v == p)
			return t[i].n;
	return NULL;
}

static const char *route_scope(int s)
{
	switch (s) {
	case 0: return "global";
	case 200: return "site";
	case 253: return "link";
	case 254: return "host";
	case 255: return "nowhere";
	}
	return NULL;
}

static const char *route_table(unsigned t)
{
	switch (t) {
	case 0: return "unspec";
	case 253: return "default";
	case 254: return "main";
	case 255: return "local";
	}
	return NULL;
}

/* "KEY name" (KEY "" for the route type, which comes first and ends with a space), or the
 * number when it has no name. */
static void named(FILE *f, const char *key, const char *name, int v)
{
	if (!*key) {
		if (name)
			fprintf(f, "%s ", name);
		else
			fprintf(f, "%d ", v);
	} else if (name) {
		fprintf(f, "%s %s", key, name);
	} else {
		fprintf(f, "%s %d", key, v);
	}
}

/* One route as `ip route show table all` prints it: the type unless unicast, the prefix
 * ("default", the address alone when it is a host route), via, dev, the table unless main,
 * proto unless boot, scope unless global, src, metric (IPv4: when set; IPv6: always), flags,
 * pref (IPv6). */
static int route_line(const struct nl_route *rt, void *arg)
{
	struct vw *w = arg;
	char a[64], g[64], d[24];
	int host = rt->family == AF_INET6 ? 128 : 32;

	if (rt->flags & 0x200) /* RTM_F_CLONED: a cache entry, which `ip route show` leaves out */
		return 1;
	if (rt->type != 1)
		named(w->f, "", route_type(rt->type), rt->type);
	if (rt->dst_len == 0)
		fprintf(w->f, "default");
	else if (rt->dst_len == host)
		fprintf(w->f, "%s", ipstr(rt->family, rt->dst, a, sizeof a));
	else
		fprintf(w->f, "%s/%d", ipstr(rt->family, rt->dst, a, sizeof a), rt->dst_len);
	if (rt->has_gw)
		fprintf(w->f, " via %s", ipstr(rt->family, rt->gw, g, sizeof g));
	if (rt->oif)
		fprintf(w->f, " dev %s", ifname(w->r, rt->oif, d, sizeof d));
	if (rt->table != 254)
		named(w->f, " table", route_table(rt->table), (int)rt->table);
	if (rt->protocol != 3)
		named(w->f, " proto", route_proto(rt->protocol), rt->protocol);
	if (rt->scope != 0)
		named(w->f, " scope", route_scope(rt->scope), rt->scope);
	if (rt->has_prefsrc)
		fprintf(w->f, " src %s", ipstr(rt->family, rt->prefsrc, g, sizeof g));
	if (rt->priority || rt->family == AF_INET6)
		fprintf(w->f, " metric %u", rt->priority);
	route_flags(w->f, rt->flags);
	if (rt->pref >= 0)
		fprintf(w->f, " pref %s", rt->pref == 0 ? "medium" : rt->pref == 1 ? "high" : rt->pref == 3 ? "low" : "?");
	fputc('\n', w->f);
	return 1;
}

static int neigh_line(const struct nl_neigh *n, void *arg)
{
	struct vw *w = arg;
	char a[64], m[3 * NL_HWADDR], d[24], br[24];

	if (n->has_ip)
		fprintf(w->f, "%s ", ipstr(n->family, n->ip, a, sizeof a));
	fprintf(w->f, "dev %s", ifname(w->r, n->ifindex, d, sizeof d));
	if (n->mac_len)
		fprintf(w->f, " lladdr %s", nl_mac_str(n->mac, n->mac_len, m, sizeof m));
	if (n->master)
		fprintf(w->f, " master %s", ifname(w->r, n->master, br, sizeof br));
	if (n->vlan >= 0)
		fprintf(w->f, " vlan %d", n->vlan);
	fprintf(w->f, " %s\n", nl_neigh_state_name(n->state));
	return 1;
}

static int view_netlink(struct bundle *b, const struct diag_report *r, const char *name,
			int what, struct nr_err *e)
{
	struct nl *nl = malloc(sizeof *nl); /* 32 KiB receive buffer: not on the stack */
	struct nr_err ve;
	struct view v;
	struct vw w;
	char why[DIAG_TEXT];
	int rc = 0;

	if (!nl || view_open(&v) < 0) {
		int err = errno; /* free may change errno */

		free(nl);
		return nr_fail(e, NR_E_NOMEM, err, "diagnose", "view %s", name);
	}
	w.f = v.f;
	w.r = r;
	if (nl_open(nl, &ve) < 0) {
		nr_err_text(&ve, why, sizeof why);
		fprintf(v.f, "# not available: %s\n", why);
	} else {
		if (what == 0)
			rc = nl_route_dump(nl, AF_UNSPEC, route_line, &w, &ve);
		else if (what == 1)
			rc = nl_neigh_dump(nl, AF_UNSPEC, neigh_line, &w, &ve);
		else
			rc = nl_fdb_dump(nl, 0, neigh_line, &w, &ve);
		if (rc < 0) {
			nr_err_text(&ve, why, sizeof why);
			fprintf(v.f, "# incomplete: %s\n", why);
		}
		nl_close(nl);
	}
	free(nl);
	return view_add(b, &v, name, e);
}

/* --- report sections as views ------------------------------------------------------------ */

static int view_section(struct bundle *b, const struct diag_report *r, enum diag_check_id id,
			const char *name, struct nr_err *e)
{
	const struct diag_check *c = &r->checks[id];
	struct view v;

	if (view_open(&v) < 0)
		return nr_fail(e, NR_E_NOMEM, errno, "diagnose", "view %s", name);
	if (c->status != DIAG_OK && c->status != DIAG_PARTIAL)
		fprintf(v.f, "# %s: %s\n", diag_status_name(c->status), c->detail);
	else if (id == DC_LINKS)
		links_text(v.f, &r->links);
	else if (id == DC_BRIDGES)
		check_bridge_text(v.f, &r->bridges);
	else if (id == DC_CONNTRACK)
		check_conntrack_text(v.f, &r->ct);
	return view_add(b, &v, name, e);
}

/* COPY_CHUNK: a few pages per read(). Each open of /proc/PID/net/tcp walks the kernel's
 * machine-wide socket hash (every bucket, whatever the netns): that, not the copy, is what a
 * sockets view costs, ~ms per file. */
#define COPY_CHUNK 65536

/* Copies a /proc file as it is into the view (the counters' own format is the evidence). */
static void copy_file(FILE *out, const char *path)
{
	char *buf = malloc(COPY_CHUNK); /* one per file copied */
	ssize_t n;
	int fd = buf ? open(path, O_RDONLY | O_CLOEXEC) : (errno = ENOMEM, -1);

	if (fd < 0) {
		fprintf(out, "# %s: %s\n", path, strerror(errno));
		free(buf);
		return;
	}
	fprintf(out, "# %s\n", path);
	while ((n = read(fd, buf, COPY_CHUNK)) > 0 || (n < 0 && errno == EINTR))
		if (n > 0)
			fwrite(buf, 1, (size_t)n, out);
	close(fd);
	free(buf);
}

static int view_conntrack(struct bundle *b, const struct diag_report *r, struct nr_err *e)
{
	struct view v;

	if (view_section(b, r, DC_CONNTRACK, "views/conntrack.txt", e) < 0 || view_open(&v) < 0)
		return -1;
	copy_file(v.f, "/proc/sys/net/netfilter/nf_conntrack_count");
	copy_file(v.f, "/proc/sys/net/netfilter/nf_conntrack_max");
	copy_file(v.f, "/proc/sys/net/netfilter/nf_conntrack_buckets");
	copy_file(v.f, "/proc/net/stat/nf_conntrack");
	return view_add(b, &v, "views/conntrack-raw.txt", e);
}

/* --- kernel log and processes ------------------------------------------------------------ */

struct kw {
	FILE *f;
	long long cutoff_us;
};

static int kmsg_line(const struct kmsg_rec *k, void *arg)
{
	struct kw *w = arg;
	FILE *f = w->f;
	char t[32];

	if (k->has_time && k->wall_us < w->cutoff_us)
		return 1;

	fprintf(f, "%s %-7s ", k->has_time ? kmsg_time_str(k->wall_us, t, sizeof t) : "-", kmsg_level_name(k->level));
	esc_line(f, k->text, k->text_len);
	fputc('\n', f);
	return 1;
}

static int view_kmsg(struct bundle *b, const struct diag_report *r, struct nr_err *e)
{
	struct nr_err ve;
	struct kw w;
	struct view v;
	char why[DIAG_TEXT], span[32];

	if (view_open(&v) < 0)
		return nr_fail(e, NR_E_NOMEM, errno, "diagnose", "view kmsg");
	if (r->since_secs)
		fprintf(v.f, "# kernel log, last %s, every record (the report lists only those a check matched)\n",
			kmsg_span_str(r->since_secs, span, sizeof span));
	w.f = v.f;
	w.cutoff_us = r->kmsg_cutoff_us ? r->kmsg_cutoff_us : diag_cutoff_us(r->since_secs);
	if (kmsg_walk(NULL, kmsg_line, &w, NULL, &ve) < 0) {
		nr_err_text(&ve, why, sizeof why);
		fprintf(v.f, "# not available: %s\n", why);
	}
	return view_add(b, &v, "views/kmsg.txt", e);
}

static int proc_line(const struct proc_info *p, void *arg)
{
	FILE *f = arg;
	char red[PROC_ARGS_MAX + 64];

	fprintf(f, "%d\t%d\t%c\t%llu\t%s\t%.12s\t", p->pid, p->ppid, p->state, p->netns,
		p->pod_uid[0] ? p->pod_uid : "-", p->container_id[0] ? p->container_id : "-");
	esc_line(f, p->comm, strlen(p->comm));
	fputc('\t', f);
	/* Command lines hold signed URLs, proxy passwords, tokens: never into a bundle. */
	url_redact_args(p->args, red, sizeof red);
	esc_line(f, red, strlen(red));
	fputc('\n', f);
	return 1;
}

static int view_processes(struct bundle *b, struct nr_err *e)
{
	struct nr_err ve;
	struct view v;
	char why[DIAG_TEXT];

	if (view_open(&v) < 0)
		return nr_fail(e, NR_E_NOMEM, errno, "diagnose", "view processes");
	fputs("PID\tPPID\tSTATE\tNETNS\tPOD_UID\tCONTAINER\tCOMM\tARGS\n", v.f);
	if (proc_walk_some(PROC_F_ARGS | PROC_F_NETNS | PROC_F_CGROUP, proc_line, v.f, &ve) < 0) {
		nr_err_text(&ve, why, sizeof why);
		fprintf(v.f, "# incomplete: %s\n", why);
	}
	return view_add(b, &v, "views/processes.txt", e);
}

/* Sockets per netns: /proc/PID/net/{tcp,tcp6,udp,udp6} of one process in each namespace, as
 * the kernel writes them (ss reads the same tables through sock_diag). */
static int view_sockets(struct bundle *b, struct nr_err *e)
{
	static const char *const files[] = { "tcp", "tcp6", "udp", "udp6" };
	struct netns_list *l;
	struct nr_err ve;
	char name[96], path[64];
	struct view v;
	int i, k;

	l = malloc(sizeof *l);
	if (!l)
		return nr_fail(e, NR_E_NOMEM, errno, "diagnose", "view sockets");
	if (netns_list_all(l, &ve) < 0) {
		free(l);
		return 0;
	}
	for (i = 0; i < l->n; i++) {
		if (view_open(&v) < 0)
			break;
		fprintf(v.f, "# netns %llu, read through pid %d (%d processes)\n", l->ns[i].ino, l->ns[i].pid,
			l->ns[i].npids);
		for (k = 0; k < 4; k++) {
			snprintf(path, sizeof path, "/proc/%d/net/%s", l->ns[i].pid, files[k]);
			copy_file(v.f, path);
		}
		snprintf(name, sizeof name, "views/sockets/netns-%llu.txt", l->ns[i].ino);
		if (view_add(b, &v, name, e) < 0) {
			free(l);
			return -1;
		}
	}
	free(l);
	return 0;
}

/* --- captures ---------------------------------------------------------------------------- */

static int add_captures(struct bundle *b, const struct diag_report *r, struct nr_err *e)
{
	char name[BUNDLE_NAME_MAX + 1];
	const char *base;
	int i, j;

	for (i = 0; i < r->npods; i++) {
		const struct diag_pod *p = &r->pods[i];
		if (p->cap_status != DIAG_OK)
			continue;
		for (j = 0; j < p->cap.nfiles; j++) {
			base = strrchr(p->cap.files[j], '/');
			base = base ? base + 1 : p->cap.files[j];
			snprintf(name, sizeof name, "capture/%.200s", base);
			if (bundle_add_file(b, name, p->cap.files[j], e) < 0)
				return -1;
		}
	}
	return 0;
}

int diag_bundle_views(struct bundle *b, const struct diag_report *r, struct nr_err *e)
{
	if (view_section(b, r, DC_LINKS, "views/links.txt", e) < 0 ||
	    view_netlink(b, r, "views/routes.txt", 0, e) < 0 ||
	    view_netlink(b, r, "views/neighbours.txt", 1, e) < 0 ||
	    view_netlink(b, r, "views/fdb.txt", 2, e) < 0 ||
	    view_section(b, r, DC_BRIDGES, "views/bridges.txt", e) < 0 ||
	    view_conntrack(b, r, e) < 0 ||
	    view_kmsg(b, r, e) < 0 ||
	    view_processes(b, e) < 0 ||
	    view_sockets(b, e) < 0)
		return -1;
	return add_captures(b, r, e);
}
