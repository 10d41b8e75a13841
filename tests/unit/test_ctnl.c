/* ctnetlink parsing on a recorded dump (tests/unit/data/ctnl_dump.bin, taken with a raw
 * NETLINK_NETFILTER socket next to `conntrack -L -o extended` in ctnl_dump.txt), cut and
 * corrupted inputs; the flows summary and finding; the NodePort range arithmetic. */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "checks/flows.h"
#include "checks/portrange.h"
#include "ctnl/ctnl.h"
#include "fixcheck.h"
#include "t.h"

static unsigned char dump[4096];
static size_t dump_len;
static struct ctnl_flow got[16];
static int ngot;

static int collect(const struct ctnl_flow *f, void *arg)
{
	(void)arg;
	if (ngot < 16)
		got[ngot++] = *f;
	return 1;
}

static void load(void)
{
	FILE *f = fopen("tests/unit/data/ctnl_dump.bin", "rb");

	dump_len = f ? fread(dump, 1, sizeof dump, f) : 0;
	if (f)
		fclose(f);
}

static const struct ctnl_flow *find(int proto, unsigned dport)
{
	int i;

	for (i = 0; i < ngot; i++)
		if (got[i].orig.proto == proto && (!dport || got[i].orig.dport == dport))
			return &got[i];
	return NULL;
}

static void recorded_dump(void)
{
	struct nr_err e;
	const struct ctnl_flow *f;
	char a[46];

	ngot = 0;
	CHECK(dump_len > 100);
	CHECK_INT(ctnl_parse_buf(dump, dump_len, collect, NULL, &e), 0);
	CHECK_INT(ngot, 5);
	f = find(6, 9999);
	CHECK(f && f->unreplied && !f->assured);
	CHECK(f && f->tcp_state == 1);
	CHECK_STR(f ? ctnl_tcp_state_name(f->tcp_state) : NULL, "SYN_SENT");
	CHECK_STR(f ? addr_str(&f->orig.src, a, sizeof a) : NULL, "127.0.0.1");
	CHECK(f && f->reply.sport == 9999 && f->has_timeout && f->timeout <= 120);
	f = find(6, 8081);
	CHECK(f && f->orig.src.family == AF_INET6 && !f->unreplied && f->assured);
	CHECK_STR(f ? ctnl_tcp_state_name(f->tcp_state) : NULL, "TIME_WAIT");
	f = find(17, 5000);
	CHECK(f && f->has_mark && f->mark == 42 && f->tcp_state == -1 && f->unreplied);
	f = find(17, 6000);
	CHECK(f && f->zone == 7);
	f = find(1, 0);
	CHECK(f && f->orig.has_icmp && f->orig.icmp_type == 8 && f->reply.icmp_type == 0 && !f->orig.has_ports);
}

/* Every prefix and every single-byte corruption: an error or fewer flows, never a crash. */
static void cut_and_corrupted(void)
{
	static unsigned char b[4096];
	struct nr_err e;
	size_t n, i;

	for (n = 0; n < dump_len; n++) {
		ngot = 0;
		(void)ctnl_parse_buf(dump, n, collect, NULL, &e);
		CHECK(ngot <= 5);
	}
	for (i = 0; i < dump_len; i++) {
		memcpy(b, dump, dump_len);
		b[i] ^= 0xff;
		ngot = 0;
		(void)ctnl_parse_buf(b, dump_len, collect, NULL, &e);
		CHECK(ngot <= 16);
	}
}

static void kernel_error(void)
{
	/* NLMSG_ERROR with -EPERM after the header: the dump failed, not "no flows". */
	unsigned char m[36] = { 36, 0, 0, 0, 2, 0, 0, 0 };
	int32_t err = -1;
	struct nr_err e;

	memcpy(m + 16, &err, 4);
	CHECK_INT(ctnl_parse_buf(m, sizeof m, collect, NULL, &e), -1);
	CHECK_INT(e.code, NR_E_CTNL_DUMP);
	CHECK_INT(e.sys, 1);
}

static void filter_match(void)
{
	struct ctnl_filter f;
	struct nr_err e;
	int i, n = 0;

	ngot = 0;
	ctnl_parse_buf(dump, dump_len, collect, NULL, &e);
	memset(&f, 0, sizeof f);
	f.has_mark = 1;
	f.mark = 42;
	f.mark_mask = 0xffffffff;
	for (i = 0; i < ngot; i++)
		n += ctnl_match(&f, &got[i]);
	CHECK_INT(n, 1);
	memset(&f, 0, sizeof f);
	f.family = AF_INET6;
	for (i = 0, n = 0; i < ngot; i++)
		n += ctnl_match(&f, &got[i]);
	CHECK_INT(n, 1);
}

static struct ctnl_flow mk(const char *src, const char *dst, unsigned dport, int unreplied, int state)
{
	struct ctnl_flow f;

	memset(&f, 0, sizeof f);
	parse_ip(src, &f.orig.src);
	parse_ip(dst, &f.orig.dst);
	f.reply.src = f.orig.dst;
	f.reply.dst = f.orig.src;
	f.orig.proto = f.reply.proto = 6;
	f.orig.has_ports = 1;
	f.orig.dport = (uint16_t)dport;
	f.unreplied = unreplied;
	f.assured = !unreplied;
	f.tcp_state = state;
	return f;
}

static void summary_and_finding(void)
{
	static struct flows_report r;
	static struct findings fs;
	struct ctnl_flow f;
	int i;

	memset(&r, 0, sizeof r);
	findings_init(&fs);
	r.npods = 1;
	parse_ip("10.4.0.12", &r.pods[0]);
	for (i = 0; i < 41; i++) {
		f = mk("10.128.0.1", "10.4.0.12", 8080, i < 39, i < 39 ? 1 : 3);
		flows_add(&r, &f, 0);
	}
	f = mk("10.128.0.1", "10.4.0.12", 9090, 0, 3);
	flows_add(&r, &f, 0);
	flows_finish(&r, &fs);
	CHECK(!strncmp(r.summary, "41 flows to 10.4.0.12:8080 (tcp), 39 unreplied SYN_SENT", 55));
	CHECK(r.flows[0].f.unreplied && !r.flows[r.n - 1].f.unreplied);
	CHECK_INT(fs.n, 1);
	CHECK_STR(fs.f[0].id, "conntrack-unreplied");
	CHECK_STR(fs.f[0].subject, "pod 10.4.0.12");
	/* The commands that show the flows and the rules, as fix lines that paste. */
	CHECK(fix_check(fs.f[0].fix, "<flows>\n<--pod-ip>\n<10.4.0.12>\n") == NULL);
	CHECK(strstr(fs.f[0].fix, "\nnetrescue rules --pod-ip 10.4.0.12") != NULL);
	/* One fresh unreplied flow beside replied ones is no finding. */
	memset(&r, 0, sizeof r);
	findings_init(&fs);
	r.npods = 1;
	parse_ip("10.4.0.12", &r.pods[0]);
	f = mk("10.128.0.1", "10.4.0.12", 8080, 1, 1);
	flows_add(&r, &f, 0);
	f = mk("10.128.0.1", "10.4.0.12", 8080, 0, 3);
	flows_add(&r, &f, 0);
	flows_finish(&r, &fs);
	CHECK_INT(fs.n, 0);
}

/* More flows than FLOWS_KEEP: all counted, unreplied ones kept first. */
static void bounded(void)
{
	static struct flows_report r;
	struct ctnl_flow f;
	int i, unrep = 0;

	memset(&r, 0, sizeof r);
	for (i = 0; i < FLOWS_KEEP * 3; i++) {
		f = mk("10.0.0.1", "10.0.0.2", (unsigned)(1 + i % 100), i % 3 == 0, 1);
		flows_add(&r, &f, -1);
	}
	flows_finish(&r, NULL);
	CHECK_INT(r.total, FLOWS_KEEP * 3);
	CHECK_INT(r.n, FLOWS_KEEP);
	CHECK_INT(r.not_kept, FLOWS_KEEP * 2);
	for (i = 0; i < r.n; i++)
		unrep += r.flows[i].f.unreplied;
	CHECK_INT(unrep, FLOWS_KEEP);
	CHECK_INT(r.ngroups, FLOWS_GROUPS);
	CHECK(r.groups_dropped > 0);
}

static void port_range(void)
{
	unsigned lo, hi;

	CHECK_INT(portrange_parse_range("1024\t65535\n", 11, &lo, &hi), 0);
	CHECK(lo == 1024 && hi == 65535);
	CHECK_INT(portrange_parse_range("32768 60999", 11, &lo, &hi), 0);
	CHECK_INT(portrange_parse_range("9 8\n", 4, &lo, &hi), -1);
	CHECK_INT(portrange_parse_range("70000 80000", 11, &lo, &hi), -1);
	CHECK_INT(portrange_parse_range("", 0, &lo, &hi), -1);
	CHECK_INT(portrange_unreserved("\n", 1, 30000, 32767), 2768);
	CHECK_INT(portrange_unreserved("30000-32767\n", 12, 30000, 32767), 0);
	CHECK_INT(portrange_unreserved("30000-31000\n", 12, 30000, 32767), 1767);
	CHECK_INT(portrange_unreserved("22,30000-30009,40000", 20, 30000, 32767), 2758);
	CHECK_INT(portrange_unreserved("1-65535", 7, 30000, 32767), 0);
	CHECK_INT(portrange_unreserved("30000-x", 7, 30000, 32767), -1);
	CHECK_INT(portrange_unreserved("5-1", 3, 30000, 32767), -1);
}

int main(void)
{
	load();
	RUN(recorded_dump);
	RUN(cut_and_corrupted);
	RUN(kernel_error);
	RUN(filter_match);
	RUN(summary_and_finding);
	RUN(bounded);
	RUN(port_range);
	return T_EXIT();
}
