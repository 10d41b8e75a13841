/* The DNS codec (query build, reply parse with compression), resolv.conf parsing and the
 * search list, reverse names; the ICMP classifier of the path-MTU search; certificate
 * subject/issuer/expiry from a recorded DER certificate. Table-driven. */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dns/dns.h"
#include "probe/probe.h"
#include "tls/tls.h"
#include "t.h"

static struct dns_reply rep;

static void query_build(void)
{
	static const unsigned char want[] = {
		0x12, 0x34, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0,
		3, 'w', 'e', 'b', 7, 'd', 'e', 'f', 'a', 'u', 'l', 't', 0, 0, 28, 0, 1,
	};
	static const char *const bad[] = { "a..b", ".a", "a..",
		"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.b" };
	unsigned char buf[600];
	char longname[300];
	size_t i;

	CHECK_INT(dns_query_build(buf, sizeof buf, 0x1234, "web.default", DNS_T_AAAA), sizeof want);
	CHECK(!memcmp(buf, want, sizeof want));
	CHECK_INT(dns_query_build(buf, sizeof buf, 0x1234, "web.default.", DNS_T_AAAA), sizeof want);
	CHECK(!memcmp(buf, want, sizeof want));
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++)
		CHECK_INT(dns_query_build(buf, sizeof buf, 1, bad[i], DNS_T_A), -1);
	memset(longname, 'a', sizeof longname);
	for (i = 50; i < sizeof longname; i += 51)
		longname[i] = '.';
	longname[sizeof longname - 1] = 0;
	CHECK_INT(dns_query_build(buf, sizeof buf, 1, longname, DNS_T_A), -1);
	CHECK_INT(dns_query_build(buf, 20, 1, "web.default", DNS_T_A), -1);
}

/* A reply to "web.default A": a CNAME to "x.default" (compressed) and its A record. */
static const unsigned char reply[] = {
	0x12, 0x34, 0x81, 0x80, 0, 1, 0, 3, 0, 0, 0, 0,
	3, 'w', 'e', 'b', 7, 'd', 'e', 'f', 'a', 'u', 'l', 't', 0, 0, 1, 0, 1,
	/* web.default CNAME x.default */
	0xc0, 12, 0, 5, 0, 1, 0, 0, 0, 30, 0, 4, 1, 'x', 0xc0, 16,
	/* x.default A 10.9.9.9 */
	0xc0, 41, 0, 1, 0, 1, 0, 0, 0, 30, 0, 4, 10, 9, 9, 9,
	/* SRV 0 5 80 web.default */
	0xc0, 12, 0, 33, 0, 1, 0, 0, 0, 30, 0, 8, 0, 0, 0, 5, 0, 80, 0xc0, 12,
};

static void reply_parse(void)
{
	size_t n;

	CHECK_INT(dns_reply_parse(reply, sizeof reply, &rep), 0);
	CHECK_INT(rep.id, 0x1234);
	CHECK_INT(rep.rcode, DNS_R_NOERROR);
	CHECK_INT(rep.tc, 0);
	CHECK_STR(rep.qname, "web.default");
	CHECK_INT(rep.qtype, DNS_T_A);
	CHECK_INT(rep.nans, 3);
	CHECK_STR(rep.an[0].data, "x.default");
	CHECK_STR(rep.an[1].name, "x.default");
	CHECK_STR(rep.an[1].data, "10.9.9.9");
	CHECK_INT(rep.an[1].ttl, 30);
	CHECK_STR(rep.an[2].data, "0 5 80 web.default");
	CHECK_INT(dns_reply_count(&rep, DNS_T_A), 1);
	/* Every cut of it is refused, never read past. */
	for (n = 0; n < sizeof reply; n++)
		CHECK_INT(dns_reply_parse(reply, n, &rep), -1);
}

static void reply_malformed(void)
{
	static const struct { const char *why; unsigned char b[40]; size_t n; } c[] = {
		{ "pointer to itself", { 0, 1, 0x81, 0x80, 0, 1, 0, 0, 0, 0, 0, 0, 0xc0, 12, 0, 1, 0, 1 }, 18 },
		{ "pointer forward", { 0, 1, 0x81, 0x80, 0, 1, 0, 0, 0, 0, 0, 0, 0xc0, 14, 0, 0, 1, 0, 1 }, 19 },
		{ "label past the end", { 0, 1, 0x81, 0x80, 0, 1, 0, 0, 0, 0, 0, 0, 9, 'a', 0, 0, 1, 0, 1 }, 19 },
		{ "extended label type", { 0, 1, 0x81, 0x80, 0, 1, 0, 0, 0, 0, 0, 0, 0x41, 'a', 0, 0, 1, 0, 1 }, 19 },
		{ "a query, not a reply", { 0, 1, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0, 1, 'a', 0, 0, 1, 0, 1 }, 19 },
		{ "answer count beyond the data", { 0, 1, 0x81, 0x80, 0, 1, 0, 1, 0, 0, 0, 0, 1, 'a', 0, 0, 1, 0, 1 }, 19 },
		{ "A with 3 bytes", { 0, 1, 0x81, 0x80, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 1, 0, 1, 0, 0, 0, 1, 0, 3, 1, 2, 3 }, 26 },
	};
	size_t i;

	for (i = 0; i < sizeof c / sizeof c[0]; i++)
		if (dns_reply_parse(c[i].b, c[i].n, &rep) != -1) {
			printf("# accepted: %s\n", c[i].why);
			CHECK(0);
		}
}

static void reply_truncated_and_rcode(void)
{
	/* TC=1, SERVFAIL, one answer announced but cut: accepted with what is there. */
	static const unsigned char b[] = { 0, 7, 0x83, 0x82, 0, 1, 0, 1, 0, 0, 0, 0, 1, 'a', 0, 0, 28, 0, 1, 0xc0 };

	CHECK_INT(dns_reply_parse(b, sizeof b, &rep), 0);
	CHECK_INT(rep.tc, 1);
	CHECK_INT(rep.rcode, DNS_R_SERVFAIL);
	CHECK_STR(dns_rcode_name(rep.rcode), "SERVFAIL");
	CHECK_INT(rep.qtype, DNS_T_AAAA);
	CHECK_INT(rep.nans, 0);
}

static void names(void)
{
	static const unsigned char b[] = { 0, 7, 0x81, 0x80, 0, 1, 0, 0, 0, 0, 0, 0, 3, 'a', '.', 0x01, 0, 0, 1, 0, 1 };
	struct nr_addr a;
	char buf[DNS_NAME_MAX];

	CHECK_INT(dns_reply_parse(b, sizeof b, &rep), 0);
	CHECK_STR(rep.qname, "a\\046\\001");
	parse_ip("10.4.0.5", &a);
	dns_ptr_name(&a, buf, sizeof buf);
	CHECK_STR(buf, "5.0.4.10.in-addr.arpa");
	parse_ip("fd00::9", &a);
	dns_ptr_name(&a, buf, sizeof buf);
	CHECK_STR(buf, "9.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.d.f.ip6.arpa");
	CHECK_INT(dns_type_parse("aaaa"), DNS_T_AAAA);
	CHECK_INT(dns_type_parse("SRV"), DNS_T_SRV);
	CHECK_INT(dns_type_parse("MX"), 0);
	CHECK_STR(dns_type_name(DNS_T_PTR), "PTR");
}

static struct dns_resolv rc;

static void resolv(void)
{
	static const char conf[] =
		"# kubelet\r\n"
		"nameserver 10.8.0.10\r\n"
		"domain old.example\n"
		"search default.svc.cluster.local svc.cluster.local cluster.local\n"
		"nameserver not-an-ip\n"
		"nameserver fe80::1%eth0\n"
		"; comment\n"
		"options ndots:5 timeout:1 attempts:3 single-request-reopen ndots:99x\n"
		"options use-vc";
	char s[64];

	CHECK_INT(dns_resolv_parse(conf, sizeof conf - 1, &rc), 0);
	CHECK_INT(rc.nns, 2);
	CHECK_STR(addr_str(&rc.ns[0], s, sizeof s), "10.8.0.10");
	CHECK_STR(addr_str(&rc.ns[1], s, sizeof s), "fe80::1");
	CHECK_INT(rc.nsearch, 3);
	CHECK_STR(rc.search[2], "cluster.local");
	CHECK_INT(rc.ndots, 5);
	CHECK_INT(rc.timeout_s, 1);
	CHECK_INT(rc.attempts, 3);
	CHECK_INT(rc.single_request_reopen, 1);
	CHECK_INT(rc.use_vc, 1);
	CHECK_INT(rc.defaulted, 0);
}

static void resolv_limits(void)
{
	char conf[2048], s[64];
	size_t o = 0;
	int i;

	CHECK_INT(dns_resolv_parse("", 0, &rc), 0);
	CHECK_INT(rc.defaulted, 1);
	CHECK_STR(addr_str(&rc.ns[0], s, sizeof s), "127.0.0.1");
	CHECK_INT(rc.ndots, 1);
	for (i = 0; i < 12; i++)
		o += (size_t)snprintf(conf + o, sizeof conf - o, "nameserver 10.0.0.%d\n", i + 1);
	o += (size_t)snprintf(conf + o, sizeof conf - o, "options ndots:99\nsearch a b c d e f g h i j\n");
	CHECK_INT(dns_resolv_parse(conf, o, &rc), 0);
	CHECK_INT(rc.nns, DNS_NS_MAX);
	CHECK_INT(rc.ns_dropped, 12 - DNS_NS_MAX);
	CHECK_INT(rc.ndots, 15);
	CHECK_INT(rc.nsearch, DNS_SEARCH_MAX);
	CHECK_INT(rc.search_dropped, 10 - DNS_SEARCH_MAX);
	/* A NUL byte inside a line: the line is skipped, the rest still read. */
	CHECK_INT(dns_resolv_parse("nameserver 1.2.3.4\0x\nnameserver 5.6.7.8\n", 40, &rc), 0);
	CHECK_INT(rc.nns, 1);
	CHECK_STR(addr_str(&rc.ns[0], s, sizeof s), "5.6.7.8");
}

static void search_list(void)
{
	static char out[DNS_SEARCH_MAX + 1][DNS_NAME_MAX];
	static const char k8s[] = "nameserver 10.8.0.10\nsearch ns1.svc.cluster.local svc.cluster.local cluster.local\noptions ndots:5\n";
	static const char dot[] = "nameserver 10.8.0.10\nsearch . corp\n";

	dns_resolv_parse(k8s, sizeof k8s - 1, &rc);
	CHECK_INT(dns_search_list(&rc, "web", out, DNS_SEARCH_MAX + 1), 4);
	CHECK_STR(out[0], "web.ns1.svc.cluster.local");
	CHECK_STR(out[3], "web");
	CHECK_INT(dns_search_list(&rc, "a.b.c.d.e.f", out, DNS_SEARCH_MAX + 1), 4);
	CHECK_STR(out[0], "a.b.c.d.e.f");
	CHECK_STR(out[1], "a.b.c.d.e.f.ns1.svc.cluster.local");
	CHECK_INT(dns_search_list(&rc, "storage.googleapis.com.", out, DNS_SEARCH_MAX + 1), 1);
	CHECK_STR(out[0], "storage.googleapis.com.");
	CHECK_INT(dns_search_list(&rc, "web", out, 2), 2);
	dns_resolv_parse(dot, sizeof dot - 1, &rc);
	CHECK_INT(dns_search_list(&rc, "x.y", out, DNS_SEARCH_MAX + 1), 2);
	CHECK_STR(out[0], "x.y");
	CHECK_STR(out[1], "x.y.corp");
}

/* An ICMP error quoting our echo request (id 0x4242, seq 7). */
static void icmp_classify(void)
{
	unsigned char p[20 + 8 + 20 + 8];
	int mtu = 0;

	memset(p, 0, sizeof p);
	p[0] = 0x45;
	p[9] = 1;
	p[20] = 3;
	p[21] = 4;
	p[26] = 1400 >> 8;
	p[27] = 1400 & 0xff;
	p[28] = 0x45;
	p[37] = 1;
	p[48] = 8;
	p[52] = 0x42;
	p[53] = 0x42;
	p[55] = 7;
	CHECK_INT(probe_icmp_classify(p, sizeof p, 0x4242, 7, &mtu), 2);
	CHECK_INT(mtu, 1400);
	CHECK_INT(probe_icmp_classify(p, sizeof p, 0x4242, 8, &mtu), 0);
	CHECK_INT(probe_icmp_classify(p, sizeof p - 1, 0x4242, 7, &mtu), 0);
	p[21] = 3;
	CHECK_INT(probe_icmp_classify(p, sizeof p, 0x4242, 7, &mtu), 3);
	/* An echo reply. */
	p[20] = 0;
	p[21] = 0;
	p[24] = 0x42;
	p[25] = 0x42;
	p[26] = 0;
	p[27] = 7;
	CHECK_INT(probe_icmp_classify(p, 28, 0x4242, 7, &mtu), 1);
	CHECK_INT(probe_icmp_classify(p, 27, 0x4242, 7, &mtu), 0);
}

static void cert_info(void)
{
	static unsigned char der[4096];
	struct tls_cert_info ci;
	char num[16];
	FILE *f = fopen("tests/unit/data/tls/leaf.der", "rb");
	size_t n, k;

	CHECK(f != NULL);
	if (!f)
		return;
	n = fread(der, 1, sizeof der, f);
	fclose(f);
	CHECK_INT(tls_cert_info(der, n, &ci), 0);
	CHECK_STR(ci.subject, "C=US, O=Acme Corp, CN=a.test");
	CHECK_STR(ci.issuer, "C=US, O=Acme Corp, CN=a.test");
	CHECK_STR(ci.not_after, "2027-01-05T03:00:23Z");
	CHECK_STR(ci.not_before, "2026-12-06T03:00:23Z");
	CHECK_INT(ci.not_after_epoch, 1799118023LL);
	for (k = 0; k < n; k++)
		CHECK_INT(tls_cert_info(der, k, &ci), -1);
	CHECK_STR(tls_version_name(0x0303, num, sizeof num), "TLSv1.2");
	CHECK_STR(tls_version_name(0x0399, num, sizeof num), "TLS 0x0399");
	CHECK_STR(tls_suite_name(0xc02f, num, sizeof num), "ECDHE-RSA-AES128-GCM-SHA256");
	CHECK_STR(tls_suite_name(0x1234, num, sizeof num), "0x1234");
}

int main(void)
{
	RUN(query_build);
	RUN(reply_parse);
	RUN(reply_malformed);
	RUN(reply_truncated_and_rcode);
	RUN(names);
	RUN(resolv);
	RUN(resolv_limits);
	RUN(search_list);
	RUN(icmp_classify);
	RUN(cert_info);
	return T_EXIT();
}
