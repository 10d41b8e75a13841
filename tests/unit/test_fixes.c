/* Fix lines that paste: the findings the drop watch makes from a recorded report (interface
 * names a user can give a link: a VLAN's dot, shell metacharacters, a quote) have fixes whose
 * every line a real shell parses and runs with the meant words, without prose or PLACEHOLDER
 * words. The checker itself is tested on lines it must refuse. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "drops/drops.h"
#include "fixcheck.h"
#include "t.h"

static struct drops_report rep;
static struct findings fs;

/* One reason with one flow 10.4.0.5 -> 10.4.0.9:8080 tcp in ifname, the pod 10.4.0.5. */
static void one_reason(const char *reason, const char *ifname)
{
	struct drops_reason *d = &rep.r[rep.nreasons++];
	struct drops_flow *f = &d->flows[0];

	snprintf(d->name, sizeof d->name, "%s", reason);
	d->count = 3;
	d->nlocs = 1;
	snprintf(d->locs[0].symbol, sizeof d->locs[0].symbol, "ip_rcv_finish_core+0x1a");
	d->nflows = 1;
	parse_ip("10.4.0.5", &f->src);
	parse_ip("10.4.0.9", &f->dst);
	f->proto = 6;
	f->sport = 40000;
	f->dport = 8080;
	f->count = 3;
	snprintf(f->ifname, sizeof f->ifname, "%s", ifname);
	snprintf(f->pod_ip, sizeof f->pod_ip, "10.4.0.5");
	snprintf(f->pod, sizeof f->pod, "default/web");
}

static const struct finding *run_one(const char *reason, const char *ifname)
{
	memset(&rep, 0, sizeof rep);
	rep.seconds = 5;
	rep.flows = 1;
	rep.method = "bpf";
	one_reason(reason, ifname);
	findings_init(&fs);
	drops_findings(&rep, NULL, 0, &fs);
	return fs.n == 1 ? &fs.f[0] : NULL;
}

static void checker_refuses(void)
{
	CHECK(fix_check("netrescue probe --from POD_IP 10.0.0.1 --mtu", NULL) != NULL);
	CHECK(fix_check("sysctl -w net.ipv4.conf.IFACE.rp_filter=2", NULL) != NULL);
	CHECK(fix_check("sysctl -w net.ipv4.conf.e;(x.rp_filter=2", NULL) != NULL);
	CHECK(fix_check("add 'options single-request-reopen' to the pod's dnsConfig", NULL) != NULL);
	CHECK(fix_check("ip link set a b up", "<link>\n<set>\n<a b>\n<up>\n") != NULL);
	CHECK(fix_check("ip link set 'a b' up", "<link>\n<set>\n<a b>\n<up>\n") == NULL);
	CHECK(fix_check("netrescue mtu\nnetrescue rules --pod-ip 10.4.0.5", NULL) == NULL);
}

static void rp_filter_quoted(void)
{
	static const struct { const char *ifn, *word; } c[] = {
		{ "eth0", "net.ipv4.conf.eth0.rp_filter=2" },
		{ "eth0.100", "net.ipv4.conf.eth0/100.rp_filter=2" }, /* sysctl(8) reads '/' for a dot */
		{ "e;x", "net.ipv4.conf.e;x.rp_filter=2" },
		{ "x$(id)", "net.ipv4.conf.x$(id).rp_filter=2" },
		{ "a'b c", "net.ipv4.conf.a'b c.rp_filter=2" },
	};
	char want[256];
	const struct finding *f;
	const char *why;
	size_t i;

	for (i = 0; i < sizeof c / sizeof c[0]; i++) {
		f = run_one("IP_RPFILTER", c[i].ifn);
		CHECK(f != NULL);
		if (!f)
			continue;
		CHECK_STR(f->id, "drops-rp-filter");
		snprintf(want, sizeof want, "<-w>\n<%s>\n", c[i].word);
		why = fix_check(f->fix, want);
		if (why)
			printf("# %s\n", why);
		CHECK(why == NULL);
	}
}

static void every_drop_fix(void)
{
	static const char *const reasons[] = { "NETFILTER_DROP", "NO_SOCKET", "TCP_LISTEN_OVERFLOW",
		"IP_RPFILTER", "NEIGH_FAILED", "PKT_TOO_BIG", "SOCKET_RCVBUFF", "NOT_SPECIFIED" };
	static const char *const ifs[] = { "cbr0", "veth$(id)", "a b;c" };
	const struct finding *f;
	const char *why;
	size_t i, j;

	for (i = 0; i < sizeof reasons / sizeof reasons[0]; i++)
		for (j = 0; j < sizeof ifs / sizeof ifs[0]; j++) {
			f = run_one(reasons[i], ifs[j]);
			CHECK(f != NULL);
			if (!f)
				continue;
			CHECK(f->fix[0] != 0);
			why = fix_check(f->fix, NULL);
			if (why)
				printf("# %s: %s\n", f->id, why);
			CHECK(why == NULL);
		}
	/* drops-neigh names the interface as one word */
	f = run_one("NEIGH_FAILED", "a b;c");
	CHECK(f && fix_check(f->fix, "<neigh>\n<a b;c>\n") == NULL);
}

int main(void)
{
	RUN(checker_refuses);
	RUN(rp_filter_quoted);
	RUN(every_drop_fix);
	return T_EXIT();
}
