/* The netfilter readers on recorded kernel bytes (tests/unit/data/netfilter/, made by
 * record.py from the rules of tests/integration/data/): x_tables blobs of iptables-legacy and
 * nf_tables dumps of iptables-nft and kube-proxy's nftables mode, each rule's text checked
 * against what iptables-save printed; truncated and corrupted bytes; the model's caps; the
 * traffic filter; Service lookups and argument parsing. */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "checks/service.h"
#include "netfilter/netfilter.h"
#include "fixcheck.h"
#include "t.h"

static unsigned char buf[65536];

static size_t load(const char *name)
{
	char path[256];
	FILE *f;
	size_t n;

	snprintf(path, sizeof path, "tests/unit/data/netfilter/%s.bin", name);
	f = fopen(path, "rb");
	if (!f)
		return 0;
	n = fread(buf, 1, sizeof buf, f);
	fclose(f);
	return n;
}

static int load_xt(struct nf_ruleset *rs, const char *table)
{
	char name[32];
	struct nf_xt_info info;
	size_t n;
	struct nr_err e;

	snprintf(name, sizeof name, "xt-%s", table);
	n = load(name);
	if (n < 44)
		return -1;
	memcpy(&info.valid_hooks, buf, 4);
	memcpy(info.hook_entry, buf + 4, 20);
	memcpy(info.underflow, buf + 24, 20);
	return nf_xt_parse(rs, AF_INET, table, &info, buf + 44, n - 44, &e);
}

static const struct nf_rule *rule_at(const struct nf_ruleset *rs, const char *table, const char *chain,
				     unsigned pos)
{
	uint32_t i;

	for (i = 0; i < rs->nrules; i++) {
		const struct nf_rule *r = &rs->rules[i];
		const struct nf_chain *c = &rs->chains[r->chain];

		if (r->position == pos && !strcmp(nf_str(rs, c->name), chain) && !strcmp(nf_str(rs, c->table), table))
			return r;
	}
	return NULL;
}

/* What iptables-save printed for these rules (tests/integration/data/kube-proxy-iptables.rules). */
static const struct { const char *table, *chain; unsigned pos; const char *text; } want[] = {
	{ "raw", "PREROUTING", 1, "-d 10.4.0.99/32 -p udp -m udp --dport 9 -j TRACE" },
	{ "mangle", "PREROUTING", 1, "-i eth0 -p tcp -m tcp --dport 22 -j CONNMARK --set-xmark 0x10/0xff" },
	{ "mangle", "FORWARD", 1, "-m connmark --mark 0x10/0xff -j MARK --set-xmark 0x20/0xff" },
	{ "nat", "KUBE-POSTROUTING", 1, "-m mark ! --mark 0x4000/0x4000 -j RETURN" },
	{ "nat", "KUBE-POSTROUTING", 3, "-m comment --comment \"kubernetes service traffic requiring SNAT\" -j MASQUERADE --random-fully" },
	{ "nat", "KUBE-SERVICES", 3, "-m comment --comment \"kubernetes service nodeports; NOTE: this must be the last rule in this chain\" -m addrtype --dst-type LOCAL -j KUBE-NODEPORTS" },
	{ "nat", "KUBE-SVC-WEBWEBWEBWEBWEBW", 1, "! -s 10.4.0.0/16 -d 10.96.0.10/32 -p tcp -m comment --comment \"default/web:http cluster IP\" -m tcp --dport 80 -j KUBE-MARK-MASQ" },
	{ "nat", "KUBE-SVC-WEBWEBWEBWEBWEBW", 2, "-m comment --comment \"default/web:http -> 10.4.0.5:8080\" -m statistic --mode random --probability 0.50000000000 -j KUBE-SEP-WEBEP1AAAAAAAAAA" },
	{ "nat", "KUBE-SEP-WEBEP2AAAAAAAAAA", 2, "-p tcp -m comment --comment \"default/web:http\" -m tcp -j DNAT --to-destination 10.4.0.6:8080" },
	{ "filter", "FORWARD", 4, "-p udp -m multiport --dports 53,5353:5355 -m limit --limit 5/min --limit-burst 7 -j LOG --log-prefix \"nr dns: \" --log-level 6" },
	{ "filter", "FORWARD", 5, "-p udp -m udp --dport 514 -j NFLOG --nflog-prefix nrlog --nflog-group 5" },
	{ "filter", "KUBE-FORWARD", 3, "-m comment --comment \"kubernetes forwarding conntrack rule\" -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT" },
	{ "filter", "KUBE-SERVICES", 1, "-d 10.96.0.20/32 -p tcp -m comment --comment \"default/empty:http has no endpoints\" -m tcp --dport 80 -j REJECT --reject-with icmp-port-unreachable" },
	{ "filter", "cali-FORWARD", 1, "-d 10.4.0.7/32 -m comment --comment \"cali:to-wl-dispatch\" -g cali-tw-calidrop0" },
	{ "filter", "cali-pi-_deny-web", 1, "-p tcp -m comment --comment \"cali:deny default/deny-web ingress\" -m tcp --dport 8080 -j DROP" },
};

static void check_texts(const struct nf_ruleset *rs)
{
	char line[2 * NF_TEXT];
	size_t i;

	for (i = 0; i < sizeof want / sizeof want[0]; i++) {
		const struct nf_rule *r = rule_at(rs, want[i].table, want[i].chain, want[i].pos);

		CHECK(r != NULL);
		if (!r)
			continue;
		snprintf(line, sizeof line, "%s %s", nf_str(rs, r->match), nf_str(rs, r->tgt));
		CHECK_STR(line, want[i].text);
	}
}

static void check_fields(const struct nf_ruleset *rs)
{
	const struct nf_rule *r;
	const struct nf_chain *c;

	r = rule_at(rs, "nat", "KUBE-SVC-WEBWEBWEBWEBWEBW", 2);
	CHECK(r && (r->flags & NF_RF_PROB) && r->prob == 0x40000000u && r->target == NF_T_JUMP);
	CHECK(r && !strcmp(nf_str(rs, r->jump), "KUBE-SEP-WEBEP1AAAAAAAAAA"));
	r = rule_at(rs, "nat", "KUBE-SEP-WEBEP2AAAAAAAAAA", 2);
	CHECK(r && r->target == NF_T_DNAT && (r->flags & NF_RF_NAT) && r->nat_port_lo == 8080);
	CHECK(r && !memcmp(r->nat_addr, "\x0a\x04\x00\x06", 4));
	r = rule_at(rs, "filter", "KUBE-SERVICES", 1);
	CHECK(r && r->target == NF_T_REJECT && (r->flags & NF_RF_NOEP) && (r->flags & NF_RF_DPORT) && r->dport_lo == 80);
	CHECK(r && r->dst_len == 32 && !memcmp(r->dst, "\x0a\x60\x00\x14", 4));
	r = rule_at(rs, "filter", "cali-FORWARD", 1);
	CHECK(r && r->target == NF_T_GOTO);
	c = nf_chain_find(rs, rs->chains[0].backend, AF_INET, "filter", "FORWARD");
	CHECK(c && c->hook == NF_HK_FWD && c->policy == NF_T_ACCEPT);
}

static void legacy_blobs(void)
{
	static struct nf_ruleset rs;

	nf_init(&rs);
	CHECK_INT(load_xt(&rs, "raw"), 0);
	CHECK_INT(load_xt(&rs, "mangle"), 0);
	CHECK_INT(load_xt(&rs, "nat"), 0);
	CHECK_INT(load_xt(&rs, "filter"), 0);
	CHECK_INT(rs.nrules, 42);
	check_texts(&rs);
	check_fields(&rs);
	nf_free(&rs);
}

static void nft_iptables(void)
{
	static struct nf_ruleset rs;
	struct nr_err e;
	size_t n = load("nft-iptables");

	nf_init(&rs);
	CHECK(n > 0);
	CHECK_INT(nf_nft_parse_buf(&rs, buf, n, &e), 0);
	CHECK_INT(rs.nrules, 42);
	check_texts(&rs);
	check_fields(&rs);
	nf_free(&rs);
}

static void nft_kube_proxy(void)
{
	static struct nf_ruleset rs;
	static struct svc_report r;
	static struct findings fs;
	struct svc_query q;
	struct nr_err e;
	const struct nf_rule *x;
	char err[128];
	size_t n = load("nft-kube-proxy");

	nf_init(&rs);
	CHECK(n > 0);
	CHECK_INT(nf_nft_parse_buf(&rs, buf, n, &e), 0);
	x = rule_at(&rs, "kube-proxy", "services", 1);
	CHECK(x && x->target == NF_T_VMAP);
	CHECK_STR(x ? nf_str(&rs, x->tgt) : "", "ip daddr . meta l4proto . th dport vmap @service-ips");
	x = rule_at(&rs, "kube-proxy", "endpoint-WEB2AAAA-default/web/tcp/http__10.4.0.6/8080", 2);
	CHECK_STR(x ? nf_str(&rs, x->tgt) : "", "-j DNAT --to-destination 10.4.0.6:8080");
	x = rule_at(&rs, "kube-proxy", "mark-for-masquerade", 1);
	CHECK_STR(x ? nf_str(&rs, x->tgt) : "", "-j MARK --set-xmark 0x4000/0x4000");
	x = rule_at(&rs, "kube-proxy", "cluster-ips-check", 2);
	CHECK_STR(x ? nf_str(&rs, x->match) : "", "-d 10.96.0.0/16 -m comment --comment \"Drop traffic to unallocated ClusterIPs\"");
	findings_init(&fs);
	CHECK_INT(service_parse("10.96.0.10:80", &q, err, sizeof err), 0);
	CHECK_INT(check_service_from(&q, &rs, &r, &fs, &e), 0);
	CHECK_STR(r.name, "default/web:http");
	CHECK_INT(r.nep, 2);
	CHECK(r.nep == 2 && r.ep[0].probability == 0.5 && r.ep[1].port == 8080);
	CHECK_INT(service_parse("default/empty", &q, err, sizeof err), 0);
	CHECK_INT(check_service_from(&q, &rs, &r, &fs, &e), 0);
	CHECK(r.nfe == 1 && r.fe[0].no_endpoints && r.nep == 0);
	CHECK(findings_has(&fs, "service-no-endpoints", "default/empty:http"));
	/* Its fix is the command with the Service's own namespace and name, no NAME to fill in. */
	CHECK(fs.n > 0 && fix_check(fs.f[fs.n - 1].fix, "<-n>\n<default>\n<get>\n<endpointslices>\n<-l>\n"
				   "<kubernetes.io/service-name=empty>\n") == NULL);
	CHECK(fs.n > 0 && fs.f[fs.n - 1].advice[0]);
	CHECK_INT(service_parse("default/nothere", &q, err, sizeof err), 0);
	CHECK_INT(check_service_from(&q, &rs, &r, &fs, &e), -1);
	CHECK_INT(e.code, NR_E_NF_NOSERVICE);
	nf_free(&rs);
}

/* Every prefix of each recording, and bytes flipped: never a crash or a read past the end. */
static void damaged_bytes(void)
{
	static const char *const names[] = { "xt-filter", "xt-nat", "nft-iptables", "nft-kube-proxy" };
	static unsigned char copy[65536];
	static struct nf_ruleset rs;
	struct nf_xt_info info;
	struct nr_err e;
	size_t i, n, k;

	for (i = 0; i < sizeof names / sizeof names[0]; i++) {
		int xt = names[i][0] == 'x';

		n = load(names[i]);
		CHECK(n > 44);
		memcpy(&info.valid_hooks, buf, 4);
		memcpy(info.hook_entry, buf + 4, 20);
		memcpy(info.underflow, buf + 24, 20);
		for (k = xt ? 44 : 0; k < n; k += 7) {
			unsigned char *p = malloc(k + 1);

			memcpy(p, buf, k);
			nf_init(&rs);
			if (xt)
				nf_xt_parse(&rs, AF_INET, "filter", &info, p + 44, k - 44, &e);
			else
				nf_nft_parse_buf(&rs, p, k, &e);
			nf_free(&rs);
			free(p);
		}
		for (k = 0; k < n; k += 13) {
			memcpy(copy, buf, n);
			copy[k] ^= 0xa5;
			nf_init(&rs);
			if (xt)
				nf_xt_parse(&rs, AF_INET, "filter", &info, copy + 44, n - 44, &e);
			else
				nf_nft_parse_buf(&rs, copy, n, &e);
			nf_free(&rs);
		}
	}
}

static void caps_truncate(void)
{
	static struct nf_ruleset rs;
	struct nf_chain *c;
	uint32_t i;

	nf_init(&rs);
	c = nf_add_chain(&rs, NF_LEGACY, AF_INET, "filter", "BIG");
	CHECK(c != NULL);
	for (i = 0; i < NF_RULES_MAX + 10; i++)
		if (!nf_add_rule(&rs, 0))
			break;
	CHECK_INT(rs.nrules, NF_RULES_MAX);
	CHECK(rs.truncated && strstr(rs.trunc_why, "150000"));
	nf_free(&rs);
}

static void traffic_filter(void)
{
	static struct nf_ruleset rs;
	struct nf_traffic t;
	struct nf_rule *r;

	nf_init(&rs);
	nf_add_chain(&rs, NF_LEGACY, AF_INET, "filter", "X");
	memset(&t, 0, sizeof t);
	parse_ip("10.4.0.7", &t.pod);
	t.port = 8080;
	r = nf_add_rule(&rs, 0); /* -d 10.4.0.0/24 --dport 8080 */
	r->flags = NF_RF_DST | NF_RF_DPORT;
	memcpy(r->dst, "\x0a\x04\x00\x00", 4), r->dst_len = 24, r->dport_lo = r->dport_hi = 8080;
	CHECK(nf_rule_can_match(&rs, r, &t));
	r->dport_lo = r->dport_hi = 80; /* another port: a reply could (to a client's port 80) */
	CHECK(nf_rule_can_match(&rs, r, &t));
	r->flags |= NF_RF_SRC; /* ... unless it must come from elsewhere: -s 10.96.0.0/16 */
	memcpy(r->src, "\x0a\x60\x00\x00", 4), r->src_len = 16;
	CHECK(!nf_rule_can_match(&rs, r, &t));
	r->flags = NF_RF_DST | NF_RF_DST_INV; /* ! -d 10.4.0.0/24 */
	r->dport_lo = r->dport_hi = 0;
	CHECK(nf_rule_can_match(&rs, r, &t)); /* replies go elsewhere */
	r->flags = NF_RF_SRC | NF_RF_DST;
	memcpy(r->src, "\x0a\x60\x00\x01", 4), r->src_len = 32;
	memcpy(r->dst, "\x0a\x60\x00\x02", 4), r->dst_len = 32;
	CHECK(!nf_rule_can_match(&rs, r, &t));
	r->family = AF_INET6;
	r->flags = 0;
	CHECK(!nf_rule_can_match(&rs, r, &t));
	nf_free(&rs);
}

static void service_args(void)
{
	static const struct { const char *arg; int ok, by_name; unsigned port; } cases[] = {
		{ "10.96.0.10", 0, 0, 0 }, { "10.96.0.10:80", 0, 0, 80 }, { "[fd00::1]:53", 0, 0, 53 },
		{ "fd00::1", 0, 0, 0 }, { "kube-system/kube-dns:dns", 0, 1, 0 }, { "default/web", 0, 1, 0 },
		{ "10.96.0.10:99999", -1, 0, 0 }, { "10.96.0.10:0", -1, 0, 0 }, { "web:80", -1, 0, 0 },
		{ "[fd00::1", -1, 0, 0 }, { "10.96.0.300:80", -1, 0, 0 },
	};
	struct svc_query q;
	char err[128];
	size_t i;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		int rc = service_parse(cases[i].arg, &q, err, sizeof err);

		CHECK_INT(rc, cases[i].ok);
		if (rc == 0) {
			CHECK_INT(q.by_name, cases[i].by_name);
			CHECK_INT(q.port, cases[i].port);
		}
	}
}

int main(void)
{
	RUN(legacy_blobs);
	RUN(nft_iptables);
	RUN(nft_kube_proxy);
	RUN(damaged_bytes);
	RUN(caps_truncate);
	RUN(traffic_filter);
	RUN(service_args);
	return T_EXIT();
}
