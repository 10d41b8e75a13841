/* Node facts for the report header: host name, kernel, uplink, CNI, capabilities. */
#include <errno.h>
#include <fcntl.h>
#include <linux/rtnetlink.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "checks/cni.h"
#include "diagnose/diagnose.h"
#include "diagnose/node.h"
#include "netlink/netlink.h"

/* Capabilities netrescue uses, with what each one lets it see (README "Most commands need
 * root"); CAP_SYSLOG reads the kernel log when kernel.dmesg_restrict is set. */
static const struct {
	int bit;
	const char *name;
} caps[] = {
	{ 12, "CAP_NET_ADMIN" },
	{ 13, "CAP_NET_RAW" },
	{ 19, "CAP_SYS_PTRACE" },
	{ 21, "CAP_SYS_ADMIN" },
	{ 34, "CAP_SYSLOG" },
};

int diag_caps_read(unsigned long long *eff)
{
	char buf[4096];
	ssize_t n;
	int fd = open("/proc/self/status", O_RDONLY | O_CLOEXEC);
	char *p;

	*eff = 0;
	if (fd < 0)
		return -1;
	n = read(fd, buf, sizeof buf - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = 0;
	p = strstr(buf, "\nCapEff:");
	if (!p)
		return -1;
	*eff = strtoull(p + 8, NULL, 16);
	return 0;
}

int diag_has_cap(const struct diag_report *r, int bit)
{
	return (r->cap_eff >> bit) & 1;
}

static void caps_missing(struct diag_report *r)
{
	size_t i, n = 0;

	r->caps_missing[0] = 0;
	for (i = 0; i < sizeof caps / sizeof caps[0]; i++)
		if (!diag_has_cap(r, caps[i].bit) && n < sizeof r->caps_missing)
			n += (size_t)snprintf(r->caps_missing + n, sizeof r->caps_missing - n, "%s%s",
					      n ? "," : "", caps[i].name);
}

/* The default route's device from /proc/net/route (this netns), when netlink gave none. */
static void uplink_proc(struct diag_report *r)
{
	char line[256], ifn[32];
	unsigned long dst, mask;
	FILE *f = fopen("/proc/net/route", "re");

	if (!f)
		return;
	while (fgets(line, sizeof line, f))
		if (sscanf(line, "%31s %lx %*x %*x %*d %*d %*d %lx", ifn, &dst, &mask) == 3 && !dst && !mask) {
			snprintf(r->uplink, sizeof r->uplink, "%.15s", ifn);
			break;
		}
	fclose(f);
}

struct uplink_walk {
	int oif;
	unsigned prio;
};

static int route_cb(const struct nl_route *rt, void *arg)
{
	struct uplink_walk *u = arg;

	/* The uplink is the main table's default route with the lowest metric. */
	if (rt->dst_len == 0 && rt->table == RT_TABLE_MAIN && rt->type == RTN_UNICAST && rt->oif &&
	    (!u->oif || rt->priority < u->prio)) {
		u->oif = rt->oif;
		u->prio = rt->priority;
	}
	return 1;
}

static void uplink_nl(struct diag_report *r, struct nl *nl)
{
	struct uplink_walk u = { 0, 0 };
	struct nl_link l;
	struct nr_err e;

	if (nl_route_dump(nl, AF_INET, route_cb, &u, &e) < 0 || !u.oif)
		if (nl_route_dump(nl, AF_INET6, route_cb, &u, &e) < 0 || !u.oif)
			return;
	if (nl_link_get_index(nl, u.oif, &l, &e) == 0) {
		snprintf(r->uplink, sizeof r->uplink, "%s", l.name);
		r->uplink_mtu = l.mtu;
	}
}

static void uplink_mtu_sys(struct diag_report *r)
{
	char path[128], buf[32];
	FILE *f;

	snprintf(path, sizeof path, "/sys/class/net/%s/mtu", r->uplink);
	f = fopen(path, "re");
	if (f) {
		if (fgets(buf, sizeof buf, f))
			r->uplink_mtu = (unsigned)strtoul(buf, NULL, 10);
		fclose(f);
	}
}

void diag_node_facts(struct diag_report *r, const char *host_root, struct nl *nl)
{
	struct utsname u;
	struct nr_err e;

	if (uname(&u) == 0) {
		snprintf(r->hostname, sizeof r->hostname, "%s", u.nodename);
		snprintf(r->kernel, sizeof r->kernel, "%s", u.release);
	}
	r->uid = (int)geteuid();
	diag_caps_read(&r->cap_eff);
	caps_missing(r);
	if (nl)
		uplink_nl(r, nl);
	if (!r->uplink[0])
		uplink_proc(r);
	if (r->uplink[0] && !r->uplink_mtu)
		uplink_mtu_sys(r);
	snprintf(r->cni, sizeof r->cni, "unknown");
	if (cni_detect(nl, host_root, r->cni, sizeof r->cni, r->cni_why, sizeof r->cni_why, &e) < 0)
		snprintf(r->cni, sizeof r->cni, "unknown");
}
