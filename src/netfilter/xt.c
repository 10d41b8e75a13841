/* x_tables: the legacy iptables reader (getsockopt IPT_SO_GET_INFO/GET_ENTRIES and the IPv6
 * variants) and the decoders of xt match/target blobs, which iptables-nft rules carry too.
 * Every blob is length-checked before a field is read; a blob of an unknown extension or of an
 * unexpected size is shown by name, never guessed. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <linux/netfilter/nf_nat.h>
#include <linux/netfilter/x_tables.h>
#include <linux/netfilter/xt_LOG.h>
#include <linux/netfilter/xt_NFLOG.h>
#include <linux/netfilter/xt_addrtype.h>
#include <linux/netfilter/xt_comment.h>
#include <linux/netfilter/xt_connmark.h>
#include <linux/netfilter/xt_conntrack.h>
#include <linux/netfilter/xt_limit.h>
#include <linux/netfilter/xt_mark.h>
#include <linux/netfilter/xt_multiport.h>
#include <linux/netfilter/xt_physdev.h>
#include <linux/netfilter/xt_set.h>
#include <linux/netfilter/xt_state.h>
#include <linux/netfilter/xt_statistic.h>
#include <linux/netfilter/xt_tcpudp.h>
#include <linux/netfilter_ipv4/ip_tables.h>
#include <linux/netfilter_ipv4/ipt_REJECT.h>
#include <linux/netfilter_ipv6/ip6_tables.h>
#include <linux/netfilter_ipv6/ip6t_REJECT.h>

#include "netfilter/netfilter.h"

/* XT_RETRIES: GET_ENTRIES fails with EAGAIN when the table changed since GET_INFO. */
#define XT_RETRIES 5

/* --- helpers ------------------------------------------------------------------------------ */

/* Appends a string argument the way iptables-save does (xtables_save_string): always quoted,
 * with quotes and backslashes escaped. */
static void tx_str(struct nf_text *t, const char *s, size_t max)
{
	char q[2 * 256 + 8];
	size_t n = strnlen(s, max), i, k = 0;

	/* Escaped into a buffer first: one nf_tx per string, not one per character (80,000
	 * kube-proxy comments). */
	q[k++] = '"';
	for (i = 0; i < n && k + 6 < sizeof q; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '"' || c == '\\')
			q[k++] = '\\', q[k++] = (char)c;
		else if (c < 0x20 || c == 0x7f)
			k += (size_t)snprintf(q + k, sizeof q - k, "\\x%02x", c);
		else
			q[k++] = (char)c;
	}
	q[k++] = '"';
	q[k] = 0;
	nf_tx(t, "%s", q);
}

static void tx_ports(struct nf_text *t, const char *opt, int inv, unsigned lo, unsigned hi)
{
	nf_tx(t, " %s%s %u", inv ? "! " : "", opt, lo);
	if (hi != lo)
		nf_tx(t, ":%u", hi);
}

static void tx_addr(struct nf_text *t, int family, const void *a)
{
	char ip[INET6_ADDRSTRLEN];

	inet_ntop(family, a, ip, sizeof ip);
	nf_tx(t, "%s", ip);
}

/* --- matches ------------------------------------------------------------------------------ */

typedef int (*xt_fn)(struct nf_text *t, struct nf_rule *r, int rev, const unsigned char *d, size_t n);

/* --sport/--dport of tcp and udp: both structs start with spts[2], dpts[2], and their inverse
 * flags share values (XT_TCP_INV_SRCPT == XT_UDP_INV_SRCPT, ..._DSTPT too). */
static void tx_tcpudp(struct nf_text *t, struct nf_rule *r, const uint16_t *spts, const uint16_t *dpts, unsigned inv)
{
	if (spts[0] != 0 || spts[1] != 0xffff) {
		tx_ports(t, "--sport", inv & XT_TCP_INV_SRCPT, spts[0], spts[1]);
		r->flags |= NF_RF_SPORT | (inv & XT_TCP_INV_SRCPT ? NF_RF_SPORT_INV : 0);
		r->sport_lo = spts[0], r->sport_hi = spts[1];
	}
	if (dpts[0] != 0 || dpts[1] != 0xffff) {
		tx_ports(t, "--dport", inv & XT_TCP_INV_DSTPT, dpts[0], dpts[1]);
		r->flags |= NF_RF_DPORT | (inv & XT_TCP_INV_DSTPT ? NF_RF_DPORT_INV : 0);
		r->dport_lo = dpts[0], r->dport_hi = dpts[1];
	}
}

static int m_tcp(struct nf_text *t, struct nf_rule *r, int rev, const unsigned char *d, size_t n)
{
	struct xt_tcp x;

	(void)rev;
	if (n < sizeof x)
		return -1;
	memcpy(&x, d, sizeof x);
	tx_tcpudp(t, r, x.spts, x.dpts, x.invflags);
	if (x.flg_mask)
		nf_tx(t, " %s--tcp-flags 0x%02x 0x%02x", x.invflags & XT_TCP_INV_FLAGS ? "! " : "", x.flg_mask, x.flg_cmp);
	return 0;
}

static int m_udp(struct nf_text *t, struct nf_rule *r, int rev, const unsigned char *d, size_t n)
{
	struct xt_udp x;

	(void)rev;
	if (n < sizeof x)
		return -1;
	memcpy(&x, d, sizeof x);
	tx_tcpudp(t, r, x.spts, x.dpts, x.invflags);
	return 0;
}

static int m_multiport(struct nf_text *t, struct nf_rule *r, int rev, const unsigned char *d, size_t n)
{
	struct xt_multiport_v1 x;
	unsigned i;

	if (rev < 1 || n < sizeof x)
		return -1;
	memcpy(&x, d, sizeof x);
	if (x.count > XT_MULTI_PORTS)
		return -1;
	nf_tx(t, " %s--%s ", x.invert ? "! " : "", x.flags == XT_MULTIPORT_SOURCE ? "sports" :
	      x.flags == XT_MULTIPORT_DESTINATION ? "dports" : "ports");
	for (i = 0; i < x.count; i++) {
		nf_tx(t, "%s%u", i ? "," : "", x.ports[i]);
		if (x.pflags[i] && i + 1 < x.count)
			nf_tx(t, ":%u", x.ports[++i]);
	}
	if (x.flags == XT_MULTIPORT_DESTINATION)
		r->flags |= NF_RF_DPORT | NF_RF_DPORTS;
	return 0;
}

void nf_tx_ctstate(struct nf_text *t, unsigned mask, int untracked_bit, int snat_bits)
{
	/* libxt_conntrack's print order; bits 1 << (ctinfo + 1) with ESTABLISHED 0, RELATED 1,
	 * NEW 2, INVALID bit 0 (nf_tables' ct state uses the same bits, UNTRACKED 6). */
	static const struct { unsigned bit; const char *name; } st[] = {
		{ 0, "INVALID" }, { 3, "NEW" }, { 2, "RELATED" }, { 1, "ESTABLISHED" } };
	const char *sep = " ";
	unsigned i;

	for (i = 0; i < 4; i++)
		if (mask & (1u << st[i].bit)) {
			nf_tx(t, "%s%s", sep, st[i].name);
			sep = ",";
		}
	if (mask & (1u << untracked_bit))
		nf_tx(t, "%sUNTRACKED", sep), sep = ",";
	if (snat_bits && mask & XT_CONNTRACK_STATE_SNAT)
		nf_tx(t, "%sSNAT", sep), sep = ",";
	if (snat_bits && mask & XT_CONNTRACK_STATE_DNAT)
		nf_tx(t, "%sDNAT", sep);
}

static int m_state(struct nf_text *t, struct nf_rule *r, int rev, const unsigned char *d, size_t n)
{
	struct xt_state_info x;

	(void)r, (void)rev;
	if (n < sizeof x)
		return -1;
	memcpy(&x, d, sizeof x);
	nf_tx(t, " --state");
	nf_tx_ctstate(t, x.statemask, IP_CT_NUMBER + 1, 0);
	return 0;
}

static int m_conntrack(struct nf_text *t, struct nf_rule *r, int rev, const unsigned char *d, size_t n)
{
	struct xt_conntrack_mtinfo3 x;
	size_t need = rev == 1 ? sizeof(struct xt_conntrack_mtinfo1) :
		      rev == 2 ? sizeof(struct xt_conntrack_mtinfo2) : sizeof x;
	unsigned state;

	if (rev < 1 || rev > 3 || n < need)
		return -1;
	memset(&x, 0, sizeof x);
	memcpy(&x, d, need);
	/* state_mask sits after the addresses and before expires in all three revisions, as a u8
	 * in rev 1 and a u16 afterwards; read it by revision. */
	if (rev == 1) {
		struct xt_conntrack_mtinfo1 y;

		memcpy(&y, d, sizeof y);
		state = y.state_mask, x.match_flags = y.match_flags, x.invert_flags = y.invert_flags;
		x.status_mask = y.status_mask;
	} else
		state = x.state_mask;
	if (x.match_flags & XT_CONNTRACK_STATE) {
		nf_tx(t, " %s--ctstate", x.invert_flags & XT_CONNTRACK_STATE ? "! " : "");
		nf_tx_ctstate(t, state, IP_CT_NUMBER + 3, 1);
	}
	if (x.match_flags & XT_CONNTRACK_STATUS)
		nf_tx(t, " %s--ctstatus 0x%x", x.invert_flags & XT_CONNTRACK_STATUS ? "! " : "", x.status_mask);
	if (x.match_flags & ~(unsigned)(XT_CONNTRACK_STATE | XT_CONNTRACK_STATUS | XT_CONNTRACK_STATE_ALIAS)) {
		nf_tx(t, " [more conntrack conditions not decoded]");
		r->flags |= NF_RF_UNDECODED;
	}
	return 0;
}

static int m_mark(struct nf_text *t, struct nf_rule *r, int rev, const unsigned char *d, size_t n)
{
	struct xt_mark_mtinfo1 x;

	(void)r;
	if (rev < 1 || n < sizeof x)
		return -1;
	memcpy(&x, d, sizeof x);
	nf_tx(t, " %s--mark 0x%x", x.invert ? "! " : "", x.mark);
	if (x.mask != 0xffffffffu)
		nf_tx(t, "/0x%x", x.mask);
	return 0;
}

static void tx_addrtypes(struct nf_text *t, unsigned m)
{
	static const char *const names[] = { "UNSPEC", "UNICAST", "LOCAL", "BROADCAST", "ANYCAST",
		"MULTICAST", "BLACKHOLE", "UNREACHABLE", "PROHIBIT", "THROW", "NAT", "XRESOLVE" };
	const char *sep = " ";
	unsigned i;

	for (i = 0; i < 12; i++)
		if (m & (1u << i)) {
			nf_tx(t, "%s%s", sep, names[i]);
			sep = ",";
		}
}

static int m_addrtype(struct nf_text *t, struct nf_rule *r, int rev, const unsigned char *d, size_t n)
{
	struct xt_addrtype_info_v1 x;

	if (rev < 1 || n < sizeof x)
		return -1;
	memcpy(&x, d, sizeof x);
	if (x.source) {
		nf_tx(t, " %s--src-type", x.flags & XT_ADDRTYPE_INVERT_SOURCE ? "! " : "");
		tx_addrtypes(t, x.source);
	}
	if (x.dest) {
		nf_tx(t, " %s--dst-type", x.flags & XT_ADDRTYPE_INVERT_DEST ? "! " : "");
		tx_addrtypes(t, x.dest);
		if (x.dest == XT_ADDRTYPE_LOCAL && !(x.flags & XT_ADDRTYPE_INVERT_DEST))
			r->flags |= NF_RF_LOCAL;
	}
	if (x.flags & XT_ADDRTYPE_LIMIT_IFACE_IN)
		nf_tx(t, " --limit-iface-in");
	if (x.flags & XT_ADDRTYPE_LIMIT_IFACE_OUT)
		nf_tx(t, " --limit-iface-out");
	return 0;
}

static int m_set(struct nf_text *t, struct nf_rule *r, int rev, const unsigned char *d, size_t n)
{
	struct xt_set_info x;
	const char *sep = " ";
	unsigned i;

	(void)r;
	if (rev < 1 || n < sizeof x)
		return -1;
	memcpy(&x, d, sizeof x);
	if (x.dim > IPSET_DIM_MAX)
		return -1;
	/* The blob names the set by its kernel index only; the name lives in ipset's own table. */
	nf_tx(t, " %s--match-set ipset#%u", x.flags & IPSET_INV_MATCH ? "! " : "", x.index);
	for (i = 1; i <= x.dim; i++) {
		nf_tx(t, "%s%s", sep, x.flags & (1 << i) ? "src" : "dst");
		sep = ",";
	}
	return 0;
}

static int m_statistic(struct nf_text *t, struct nf_rule *r, int rev, const unsigned char *d, size_t n)
{
	struct xt_statistic_info x;

	(void)rev;
	if (n < offsetof(struct xt_statistic_info, master))
		return -1;
	memset(&x, 0, sizeof x);
	memcpy(&x, d, offsetof(struct xt_statistic_info, master));
	if (x.mode == XT_STATISTIC_MODE_RANDOM) {
		/* iptables prints the probability with 11 decimals (libxt_statistic.c). */
		nf_tx(t, " --mode random %s--probability %.11f", x.flags & XT_STATISTIC_INVERT ? "! " : "",
		      (double)x.u.random.probability / 2147483648.0);
		r->flags |= NF_RF_PROB;
		r->prob = x.u.random.probability;
	} else if (x.mode == XT_STATISTIC_MODE_NTH)
		nf_tx(t, " --mode nth %s--every %u --packet %u", x.flags & XT_STATISTIC_INVERT ? "! " : "",
		      x.u.nth.every + 1, x.u.nth.packet);
	else
		return -1;
	return 0;
}

static int m_physdev(struct nf_text *t, struct nf_rule *r, int rev, const unsigned char *d, size_t n)
{
	struct xt_physdev_info x;

	(void)r, (void)rev;
	if (n < sizeof x)
		return -1;
	memcpy(&x, d, sizeof x);
	if (x.bitmask & XT_PHYSDEV_OP_IN)
		nf_tx(t, " %s--physdev-in %.16s", x.invert & XT_PHYSDEV_OP_IN ? "! " : "", x.physindev);
	if (x.bitmask & XT_PHYSDEV_OP_OUT)
		nf_tx(t, " %s--physdev-out %.16s", x.invert & XT_PHYSDEV_OP_OUT ? "! " : "", x.physoutdev);
	if (x.bitmask & XT_PHYSDEV_OP_ISIN)
		nf_tx(t, " %s--physdev-is-in", x.invert & XT_PHYSDEV_OP_ISIN ? "! " : "");
	if (x.bitmask & XT_PHYSDEV_OP_ISOUT)
		nf_tx(t, " %s--physdev-is-out", x.invert & XT_PHYSDEV_OP_ISOUT ? "! " : "");
	if (x.bitmask & XT_PHYSDEV_OP_BRIDGED)
		nf_tx(t, " %s--physdev-is-bridged", x.invert & XT_PHYSDEV_OP_BRIDGED ? "! " : "");
	return 0;
}

static int m_limit(struct nf_text *t, struct nf_rule *r, int rev, const unsigned char *d, size_t n)
{
	/* libxt_limit's print_rate: the largest unit in which the rate is a whole number. */
	static const struct { const char *name; uint32_t mult; } rates[] = {
		{ "day", XT_LIMIT_SCALE * 24 * 60 * 60 }, { "hour", XT_LIMIT_SCALE * 60 * 60 },
		{ "min", XT_LIMIT_SCALE * 60 }, { "sec", XT_LIMIT_SCALE } };
	uint32_t avg, burst;
	unsigned i;

	(void)r, (void)rev;
	if (n < 8)
		return -1;
	memcpy(&avg, d, 4);
	memcpy(&burst, d + 4, 4);
	if (!avg)
		return -1;
	for (i = 1; i < 4; i++)
		if (avg > rates[i].mult || rates[i].mult / avg < rates[i].mult % avg)
			break;
	nf_tx(t, " --limit %u/%s --limit-burst %u", rates[i - 1].mult / avg, rates[i - 1].name, burst);
	return 0;
}

static int m_icmp(struct nf_text *t, struct nf_rule *r, int rev, const unsigned char *d, size_t n)
{
	(void)r, (void)rev;
	if (n < 4)
		return -1;
	nf_tx(t, " %s--icmp-type %u", d[3] & 1 ? "! " : "", d[0]);
	if (d[1] != 0 || d[2] != 0xff)
		nf_tx(t, "/%u", d[1]);
	return 0;
}

static const struct { const char *name; xt_fn fn; } matches[] = {
	{ "tcp", m_tcp }, { "udp", m_udp }, { "multiport", m_multiport },
	{ "state", m_state }, { "conntrack", m_conntrack }, { "mark", m_mark }, { "connmark", m_mark },
	{ "addrtype", m_addrtype }, { "set", m_set }, { "statistic", m_statistic },
	{ "physdev", m_physdev }, { "limit", m_limit }, { "icmp", m_icmp },
};

/* -m comment: kept as the rule's comment too (kube-proxy names Services there). */
static void comment(struct nf_ruleset *rs, struct nf_text *t, struct nf_rule *r,
		    const unsigned char *d, size_t n)
{
	char c[XT_MAX_COMMENT_LEN + 1];
	size_t len = n < XT_MAX_COMMENT_LEN ? n : XT_MAX_COMMENT_LEN;

	if (len)
		memcpy(c, d, len);
	c[len] = 0;
	nf_tx(t, " -m comment --comment ");
	tx_str(t, c, sizeof c);
	nf_set_comment(rs, r, c);
}

void nf_xt_match(struct nf_ruleset *rs, struct nf_text *t, struct nf_rule *r, const char *name,
		 int rev, const unsigned char *data, size_t len)
{
	size_t i, mark = t->n;

	if (!strcmp(name, "comment"))
		return comment(rs, t, r, data, len);
	nf_tx(t, " -m %s", name);
	for (i = 0; i < sizeof matches / sizeof matches[0]; i++)
		if (!strcmp(matches[i].name, name)) {
			if (matches[i].fn(t, r, rev, data, len) == 0)
				return;
			t->n = mark; /* malformed: only the name, below */
			t->b[mark] = 0;
			nf_tx(t, " -m %s", name);
			break;
		}
	nf_tx(t, " [rev %d, %zu bytes not decoded]", rev, len);
	r->flags |= NF_RF_UNDECODED;
}

/* --- targets ------------------------------------------------------------------------------ */

static int t_reject(struct nf_text *t, struct nf_rule *r, int rev, const unsigned char *d, size_t n)
{
	static const char *const v4[] = { "icmp-net-unreachable", "icmp-host-unreachable",
		"icmp-proto-unreachable", "icmp-port-unreachable", "icmp-echo-reply", "icmp-net-prohibited",
		"icmp-host-prohibited", "tcp-reset", "icmp-admin-prohibited" };
	static const char *const v6[] = { "icmp6-no-route", "icmp6-adm-prohibited", "icmp6-not-neighbour",
		"icmp6-addr-unreachable", "icmp6-port-unreachable", "icmp6-echo-reply", "tcp-reset",
		"icmp6-policy-fail", "icmp6-reject-route" };
	uint32_t with;

	(void)rev;
	r->target = NF_T_REJECT;
	if (n < 4)
		return -1;
	memcpy(&with, d, 4);
	if (with >= 9)
		return -1;
	nf_tx(t, " --reject-with %s", r->family == AF_INET6 ? v6[with] : v4[with]);
	return 0;
}

/* One NAT range: "IP[-IP][:PORT[-PORT]]" into the text and the rule. */
static void tx_nat_range(struct nf_text *t, struct nf_rule *r, unsigned flags, int family,
			 const void *min, const void *max, uint16_t pmin_be, uint16_t pmax_be)
{
	int br = family == AF_INET6 && (flags & NF_NAT_RANGE_PROTO_SPECIFIED);
	size_t alen = family == AF_INET6 ? 16 : 4;

	if (flags & NF_NAT_RANGE_MAP_IPS) {
		nf_tx(t, "%s", br ? "[" : "");
		tx_addr(t, family, min);
		if (memcmp(min, max, alen)) {
			nf_tx(t, "-");
			tx_addr(t, family, max);
		}
		nf_tx(t, "%s", br ? "]" : "");
		memcpy(r->nat_addr, min, alen);
		r->flags |= NF_RF_NAT;
	}
	if (flags & NF_NAT_RANGE_PROTO_SPECIFIED) {
		nf_tx(t, ":%u", ntohs(pmin_be));
		if (pmax_be != pmin_be)
			nf_tx(t, "-%u", ntohs(pmax_be));
		r->nat_port_lo = ntohs(pmin_be), r->nat_port_hi = ntohs(pmax_be);
	}
}

static void tx_nat_flags(struct nf_text *t, unsigned flags)
{
	if (flags & NF_NAT_RANGE_PROTO_RANDOM)
		nf_tx(t, " --random");
	if (flags & NF_NAT_RANGE_PROTO_RANDOM_FULLY)
		nf_tx(t, " --random-fully");
	if (flags & NF_NAT_RANGE_PERSISTENT)
		nf_tx(t, " --persistent");
}

/* DNAT, SNAT and MASQUERADE: rev 0 is IPv4's multi-range compat struct (IPv6 MASQUERADE rev 0
 * already uses nf_nat_range); rev 1 nf_nat_range; rev 2 nf_nat_range2. */
static int t_nat(struct nf_text *t, struct nf_rule *r, int rev, const unsigned char *d, size_t n,
		 const char *opt)
{
	struct nf_nat_range2 x;
	int masq = !strcmp(opt, "--to-ports");

	memset(&x, 0, sizeof x);
	if (rev == 0 && r->family == AF_INET) {
		struct nf_nat_ipv4_multi_range_compat c;

		if (n < sizeof c)
			return -1;
		memcpy(&c, d, sizeof c);
		x.flags = c.range[0].flags;
		memcpy(&x.min_addr, &c.range[0].min_ip, 4);
		memcpy(&x.max_addr, &c.range[0].max_ip, 4);
		x.min_proto = c.range[0].min, x.max_proto = c.range[0].max;
	} else {
		size_t need = rev == 2 ? sizeof(struct nf_nat_range2) : sizeof(struct nf_nat_range);

		if (n < need || rev > 2)
			return -1;
		memcpy(&x, d, need);
	}
	if (masq && (x.flags & NF_NAT_RANGE_PROTO_SPECIFIED)) {
		nf_tx(t, " --to-ports %u", ntohs(x.min_proto.all));
		if (x.max_proto.all != x.min_proto.all)
			nf_tx(t, "-%u", ntohs(x.max_proto.all));
	} else if (!masq && (x.flags & (NF_NAT_RANGE_MAP_IPS | NF_NAT_RANGE_PROTO_SPECIFIED))) {
		nf_tx(t, " %s ", opt);
		tx_nat_range(t, r, x.flags, r->family, &x.min_addr, &x.max_addr, x.min_proto.all,
			     x.max_proto.all);
	}
	tx_nat_flags(t, x.flags);
	return 0;
}

static int t_dnat(struct nf_text *t, struct nf_rule *r, int rev, const unsigned char *d, size_t n)
{
	r->target = NF_T_DNAT;
	return t_nat(t, r, rev, d, n, "--to-destination");
}

static int t_snat(struct nf_text *t, struct nf_rule *r, int rev, const unsigned char *d, size_t n)
{
	r->target = NF_T_SNAT;
	return t_nat(t, r, rev, d, n, "--to-source");
}

static int t_masq(struct nf_text *t, struct nf_rule *r, int rev, const unsigned char *d, size_t n)
{
	r->target = NF_T_MASQ;
	return t_nat(t, r, rev, d, n, "--to-ports");
}

static int t_mark(struct nf_text *t, struct nf_rule *r, int rev, const unsigned char *d, size_t n)
{
	struct xt_mark_tginfo2 x;

	r->target = NF_T_MARK;
	if (rev != 2 || n < sizeof x)
		return -1;
	memcpy(&x, d, sizeof x);
	nf_tx(t, " --set-xmark 0x%x/0x%x", x.mark, x.mask);
	return 0;
}

static int t_connmark(struct nf_text *t, struct nf_rule *r, int rev, const unsigned char *d, size_t n)
{
	struct xt_connmark_tginfo1 x;

	r->target = NF_T_MARK;
	if (rev < 1 || n < sizeof x)
		return -1;
	memcpy(&x, d, sizeof x);
	if (x.mode == XT_CONNMARK_SET)
		nf_tx(t, " --set-xmark 0x%x/0x%x", x.ctmark, x.ctmask);
	else if (x.mode == XT_CONNMARK_SAVE)
		nf_tx(t, " --save-mark --nfmask 0x%x --ctmask 0x%x", x.nfmask, x.ctmask);
	else if (x.mode == XT_CONNMARK_RESTORE)
		nf_tx(t, " --restore-mark --nfmask 0x%x --ctmask 0x%x", x.nfmask, x.ctmask);
	else
		return -1;
	return 0;
}

static int t_log(struct nf_text *t, struct nf_rule *r, int rev, const unsigned char *d, size_t n)
{
	struct xt_log_info x;

	(void)rev;
	r->target = NF_T_LOG;
	if (n < sizeof x)
		return -1;
	memcpy(&x, d, sizeof x);
	if (x.prefix[0]) {
		nf_tx(t, " --log-prefix ");
		tx_str(t, x.prefix, sizeof x.prefix);
	}
	if (x.level != 4)
		nf_tx(t, " --log-level %u", x.level);
	return 0;
}

static int t_nflog(struct nf_text *t, struct nf_rule *r, int rev, const unsigned char *d, size_t n)
{
	struct xt_nflog_info x;

	(void)rev;
	r->target = NF_T_LOG;
	if (n < sizeof x)
		return -1;
	memcpy(&x, d, sizeof x);
	if (x.prefix[0]) /* libxt_NFLOG prints it without quotes */
		nf_tx(t, " --nflog-prefix %.*s", (int)strnlen(x.prefix, sizeof x.prefix), x.prefix);
	if (x.group)
		nf_tx(t, " --nflog-group %u", x.group);
	if (x.flags & XT_NFLOG_F_COPY_LEN)
		nf_tx(t, " --nflog-size %u", x.len);
	if (x.threshold > 1)
		nf_tx(t, " --nflog-threshold %u", x.threshold);
	return 0;
}

static int t_none(struct nf_text *t, struct nf_rule *r, int rev, const unsigned char *d, size_t n)
{
	(void)t, (void)rev, (void)d, (void)n;
	r->target = NF_T_OTHER;
	return 0;
}

static const struct { const char *name; xt_fn fn; } targets[] = {
	{ "REJECT", t_reject }, { "DNAT", t_dnat }, { "SNAT", t_snat }, { "MASQUERADE", t_masq },
	{ "MARK", t_mark }, { "CONNMARK", t_connmark }, { "LOG", t_log }, { "NFLOG", t_nflog },
	{ "TRACE", t_none }, { "NOTRACK", t_none }, { "CT", NULL },
};

void nf_xt_target(struct nf_ruleset *rs, struct nf_text *t, struct nf_rule *r, const char *name,
		  int rev, const unsigned char *data, size_t len)
{
	size_t i, mark = t->n;

	(void)rs;
	nf_tx(t, "-j %s", name);
	r->target = NF_T_OTHER;
	for (i = 0; i < sizeof targets / sizeof targets[0]; i++)
		if (targets[i].fn && !strcmp(targets[i].name, name)) {
			if (targets[i].fn(t, r, rev, data, len) == 0)
				return;
			t->n = mark;
			t->b[mark] = 0;
			nf_tx(t, "-j %s", name);
			break;
		}
	nf_tx(t, " [rev %d, %zu bytes not decoded]", rev, len);
	r->flags |= NF_RF_UNDECODED;
}

/* --- the legacy reader -------------------------------------------------------------------- */

/* The fixed hook priorities of the legacy tables (NF_IP_PRI_*), for evaluation order. */
static int legacy_prio(const char *table, int hook)
{
	if (!strcmp(table, "raw"))
		return -300;
	if (!strcmp(table, "mangle"))
		return -150;
	if (!strcmp(table, "nat"))
		return hook == NF_HK_PRE || hook == NF_HK_OUT ? -100 : 100;
	if (!strcmp(table, "security"))
		return 50;
	return 0;
}

/* The family-independent view of one entry. */
struct xent {
	unsigned target_offset, next_offset, flags, invflags;
	uint64_t pcnt, bcnt;
	size_t hdr;               /* sizeof ipt_entry / ip6t_entry: matches start here */
};

static int xent_read(int family, const unsigned char *p, size_t left, struct xent *x, struct nf_rule *r,
		     struct nf_text *t)
{
	if (family == AF_INET) {
		struct ipt_entry e;
		int l;

		if (left < sizeof e)
			return -1;
		memcpy(&e, p, sizeof e);
		x->target_offset = e.target_offset, x->next_offset = e.next_offset;
		x->pcnt = e.counters.pcnt, x->bcnt = e.counters.bcnt;
		x->hdr = sizeof e;
		if (!r)
			return 0;
		x->flags = e.ip.flags, x->invflags = e.ip.invflags;
		if (e.ip.smsk.s_addr) {
			l = nf_mask_len(AF_INET, (const unsigned char *)&e.ip.smsk);
			memcpy(r->src, &e.ip.src, 4);
			r->src_len = (uint8_t)(l < 0 ? 32 : l);
			r->flags |= NF_RF_SRC | (e.ip.invflags & IPT_INV_SRCIP ? NF_RF_SRC_INV : 0);
		}
		if (e.ip.dmsk.s_addr) {
			l = nf_mask_len(AF_INET, (const unsigned char *)&e.ip.dmsk);
			memcpy(r->dst, &e.ip.dst, 4);
			r->dst_len = (uint8_t)(l < 0 ? 32 : l);
			r->flags |= NF_RF_DST | (e.ip.invflags & IPT_INV_DSTIP ? NF_RF_DST_INV : 0);
		}
		r->proto = (uint8_t)e.ip.proto;
		if (e.ip.proto)
			r->flags |= NF_RF_PROTO | (e.ip.invflags & XT_INV_PROTO ? NF_RF_PROTO_INV : 0);
		(void)t;
		return 0;
	} else {
		struct ip6t_entry e;
		int l;

		if (left < sizeof e)
			return -1;
		memcpy(&e, p, sizeof e);
		x->target_offset = e.target_offset, x->next_offset = e.next_offset;
		x->pcnt = e.counters.pcnt, x->bcnt = e.counters.bcnt;
		x->hdr = sizeof e;
		if (!r)
			return 0;
		x->flags = e.ipv6.flags, x->invflags = e.ipv6.invflags;
		l = nf_mask_len(AF_INET6, e.ipv6.smsk.s6_addr);
		if (l) {
			memcpy(r->src, &e.ipv6.src, 16);
			r->src_len = (uint8_t)(l < 0 ? 128 : l);
			r->flags |= NF_RF_SRC | (e.ipv6.invflags & IP6T_INV_SRCIP ? NF_RF_SRC_INV : 0);
		}
		l = nf_mask_len(AF_INET6, e.ipv6.dmsk.s6_addr);
		if (l) {
			memcpy(r->dst, &e.ipv6.dst, 16);
			r->dst_len = (uint8_t)(l < 0 ? 128 : l);
			r->flags |= NF_RF_DST | (e.ipv6.invflags & IP6T_INV_DSTIP ? NF_RF_DST_INV : 0);
		}
		r->proto = (uint8_t)e.ipv6.proto;
		if (e.ipv6.flags & IP6T_F_PROTO)
			r->flags |= NF_RF_PROTO | (e.ipv6.invflags & XT_INV_PROTO ? NF_RF_PROTO_INV : 0);
		return 0;
	}
}

static const char *proto_name(unsigned p)
{
	switch (p) {
	case 1: return "icmp";
	case 6: return "tcp";
	case 17: return "udp";
	case 58: return "ipv6-icmp";
	case 132: return "sctp";
	case 47: return "gre";
	case 50: return "esp";
	case 4: return "ipip";
	default: return NULL;
	}
}

static void tx_iface(struct nf_text *t, const char *opt, int inv, const char *name, const unsigned char *mask)
{
	size_t n = strnlen(name, IFNAMSIZ);

	if (!n)
		return;
	/* iptables stores "eth+" as "eth" with a mask that does not cover the NUL. */
	nf_tx(t, " %s%s %.*s%s", inv ? "! " : "", opt, (int)n, name, n < IFNAMSIZ && mask[n] != 0xff ? "+" : "");
}

/* "-s A -d B -i X -o Y -p P" of an entry, as iptables-save orders them. */
static void tx_ipheader(struct nf_text *t, int family, const unsigned char *p, struct nf_rule *r)
{
	const char *pn;

	if (r->flags & NF_RF_SRC) {
		nf_tx(t, " %s-s ", r->flags & NF_RF_SRC_INV ? "! " : "");
		nf_tx_addr(t, family, r->src, r->src_len);
	}
	if (r->flags & NF_RF_DST) {
		nf_tx(t, " %s-d ", r->flags & NF_RF_DST_INV ? "! " : "");
		nf_tx_addr(t, family, r->dst, r->dst_len);
	}
	if (family == AF_INET) {
		struct ipt_entry e;

		memcpy(&e, p, sizeof e);
		tx_iface(t, "-i", e.ip.invflags & IPT_INV_VIA_IN, e.ip.iniface, e.ip.iniface_mask);
		tx_iface(t, "-o", e.ip.invflags & IPT_INV_VIA_OUT, e.ip.outiface, e.ip.outiface_mask);
	} else {
		struct ip6t_entry e;

		memcpy(&e, p, sizeof e);
		tx_iface(t, "-i", e.ipv6.invflags & IP6T_INV_VIA_IN, e.ipv6.iniface, e.ipv6.iniface_mask);
		tx_iface(t, "-o", e.ipv6.invflags & IP6T_INV_VIA_OUT, e.ipv6.outiface, e.ipv6.outiface_mask);
	}
	if (r->flags & NF_RF_PROTO) {
		pn = proto_name(r->proto);
		nf_tx(t, " %s-p ", r->flags & NF_RF_PROTO_INV ? "! " : "");
		if (pn)
			nf_tx(t, "%s", pn);
		else
			nf_tx(t, "%u", r->proto);
	}
}

/* The name of the chain starting at offset off (hook or user chain head), or NULL. */
struct xchain {
	unsigned start;          /* offset of its first rule */
	uint32_t idx;            /* index in rs->chains */
};

/* XT_CHAINS_MAX: chains of one table tracked by offset while parsing. */
#define XT_CHAINS_MAX NF_CHAINS_MAX

static int chain_at(const struct xchain *cs, int n, unsigned off)
{
	int lo = 0, hi = n - 1;

	while (lo <= hi) {
		int mid = (lo + hi) / 2;

		if (cs[mid].start == off)
			return mid;
		if (cs[mid].start < off)
			lo = mid + 1;
		else
			hi = mid - 1;
	}
	return -1;
}

/* Reads an entry's target: its name, revision and data. -1 when malformed. */
static int xent_target(const unsigned char *p, const struct xent *x, char *name, int *rev,
		       const unsigned char **data, size_t *dlen)
{
	struct xt_entry_target tg;

	if (x->target_offset < x->hdr || x->target_offset + sizeof tg > x->next_offset)
		return -1;
	memcpy(&tg, p + x->target_offset, sizeof tg);
	if (tg.u.target_size < sizeof tg || x->target_offset + tg.u.target_size > x->next_offset)
		return -1;
	memcpy(name, tg.u.user.name, XT_EXTENSION_MAXNAMELEN);
	name[XT_EXTENSION_MAXNAMELEN - 1] = 0;
	*rev = tg.u.user.revision;
	*data = p + x->target_offset + sizeof tg;
	*dlen = tg.u.target_size - sizeof tg;
	return 0;
}

/* Pass 1: the chains (hooks and ERROR-headed user chains) in offset order. */
static int xt_chains(struct nf_ruleset *rs, int family, const char *table, const struct nf_xt_info *info,
		     const unsigned char *blob, size_t len, struct xchain *cs, int *ncs)
{
	size_t off = 0;
	int h, n = 0;

	while (off < len) {
		struct xent x;
		char name[XT_EXTENSION_MAXNAMELEN];
		const unsigned char *d;
		size_t dl;
		int rev;

		if (xent_read(family, blob + off, len - off, &x, NULL, NULL) < 0 || x.next_offset < x.hdr ||
		    x.next_offset > len - off || xent_target(blob + off, &x, name, &rev, &d, &dl) < 0)
			return -1;
		for (h = 0; h < NF_HK_N; h++)
			if ((info->valid_hooks & (1u << h)) && info->hook_entry[h] == off && n < XT_CHAINS_MAX) {
				struct nf_chain *c = nf_add_chain(rs, NF_LEGACY, family, table, nf_hook_name(h));

				if (!c)
					return 0;
				c->hook = (int8_t)h;
				c->prio = legacy_prio(table, h);
				c->policy = NF_T_ACCEPT;
				c->type = nf_intern(rs, !strcmp(table, "nat") ? "nat" : "filter");
				cs[n].start = (unsigned)off;
				cs[n++].idx = rs->nchains - 1;
			}
		if (!strcmp(name, XT_ERROR_TARGET) && off + x.next_offset < len && n < XT_CHAINS_MAX) {
			char cn[XT_FUNCTION_MAXNAMELEN];
			struct nf_chain *c;

			memset(cn, 0, sizeof cn);
			memcpy(cn, d, dl < sizeof cn - 1 ? dl : sizeof cn - 1);
			if (!(c = nf_add_chain(rs, NF_LEGACY, family, table, cn)))
				return 0;
			c->type = nf_intern(rs, !strcmp(table, "nat") ? "nat" : "filter");
			cs[n].start = (unsigned)(off + x.next_offset);
			cs[n++].idx = rs->nchains - 1;
		}
		off += x.next_offset;
	}
	*ncs = n;
	return 0;
}

static const char *verdict_name(int v, uint8_t *kind)
{
	switch (-v - 1) {
	case 0: *kind = NF_T_DROP; return "DROP";
	case 1: *kind = NF_T_ACCEPT; return "ACCEPT";
	case 3: *kind = NF_T_QUEUE; return "QUEUE";
	case 4: *kind = NF_T_RETURN; return "RETURN"; /* XT_RETURN = -NF_REPEAT - 1 */
	default: *kind = NF_T_OTHER; return "UNKNOWN-VERDICT";
	}
}

/* One rule: header, matches, target. */
static int xt_rule(struct nf_ruleset *rs, int family, const unsigned char *p, const struct xent *x,
		   struct nf_rule *r, const struct xchain *cs, int ncs, unsigned off)
{
	struct nf_text m = { .n = 0 }, tg = { .n = 0 };
	char name[XT_EXTENSION_MAXNAMELEN];
	const unsigned char *d;
	size_t dl, mo;
	struct xent y;
	int rev;

	m.b[0] = tg.b[0] = 0;
	xent_read(family, p, x->next_offset, &y, r, &m);
	r->packets = x->pcnt, r->bytes = x->bcnt;
	tx_ipheader(&m, family, p, r);
	if (family == AF_INET && (y.flags & IPT_F_FRAG))
		nf_tx(&m, " %s-f", y.invflags & IPT_INV_FRAG ? "! " : "");
	for (mo = x->hdr; mo < x->target_offset;) {
		struct xt_entry_match em;
		char mn[XT_EXTENSION_MAXNAMELEN];

		if (mo + sizeof em > x->target_offset)
			return -1;
		memcpy(&em, p + mo, sizeof em);
		if (em.u.match_size < sizeof em || mo + em.u.match_size > x->target_offset)
			return -1;
		memcpy(mn, em.u.user.name, sizeof mn);
		mn[sizeof mn - 1] = 0;
		nf_xt_match(rs, &m, r, mn, em.u.user.revision, p + mo + sizeof em, em.u.match_size - sizeof em);
		mo += em.u.match_size;
	}
	if (xent_target(p, x, name, &rev, &d, &dl) < 0)
		return -1;
	if (!name[0]) { /* the standard target: a verdict or a jump */
		int v, c;

		if (dl < sizeof v)
			return -1;
		memcpy(&v, d, sizeof v);
		if (v < 0)
			nf_tx(&tg, "-j %s", verdict_name(v, &r->target));
		else if ((unsigned)v != off + x->next_offset) {
			c = chain_at(cs, ncs, (unsigned)v);
			r->target = (y.flags & IPT_F_GOTO) ? NF_T_GOTO : NF_T_JUMP;
			if (c < 0) {
				nf_tx(&tg, "-j offset-%d", v);
			} else {
				const char *cn = nf_str(rs, rs->chains[cs[c].idx].name);

				nf_tx(&tg, "-%c %s", r->target == NF_T_GOTO ? 'g' : 'j', cn);
				r->jump = rs->chains[cs[c].idx].name;
			}
		}
	} else
		nf_xt_target(rs, &tg, r, name, rev, d, dl);
	r->match = nf_intern(rs, m.n && m.b[0] == ' ' ? m.b + 1 : m.b);
	r->tgt = nf_intern(rs, tg.b);
	return 0;
}

/* Is the entry at off an ERROR entry (the next chain's head, or the table's end marker)? Then
 * the entry before it is the RETURN that closes a user chain. */
static int user_tail(int family, const unsigned char *blob, size_t len, size_t off)
{
	char name[XT_EXTENSION_MAXNAMELEN];
	const unsigned char *d;
	struct xent x;
	size_t dl;
	int rev;

	if (off >= len || xent_read(family, blob + off, len - off, &x, NULL, NULL) < 0 ||
	    x.next_offset > len - off || xent_target(blob + off, &x, name, &rev, &d, &dl) < 0)
		return 1;
	return !strcmp(name, XT_ERROR_TARGET);
}

int nf_xt_parse(struct nf_ruleset *rs, int family, const char *table, const struct nf_xt_info *info,
		const unsigned char *blob, size_t len, struct nr_err *e)
{
	struct xchain *cs;
	unsigned underflow[NF_HK_N];
	size_t off;
	int ncs = 0, cur = -1, h;

	cs = malloc(sizeof *cs * XT_CHAINS_MAX);
	if (!cs)
		return nr_fail(e, NR_E_NOMEM, 0, "netfilter", "%s", table);
	memcpy(underflow, info->underflow, sizeof underflow);
	if (xt_chains(rs, family, table, info, blob, len, cs, &ncs) < 0) {
		free(cs);
		return nr_fail(e, NR_E_PARSE, 0, "netfilter", "iptables-legacy table %s", table);
	}
	for (off = 0; off < len;) {
		struct xent x;
		char name[XT_EXTENSION_MAXNAMELEN];
		const unsigned char *d;
		size_t dl;
		int rev, c = chain_at(cs, ncs, (unsigned)off), policy = -1;

		xent_read(family, blob + off, len - off, &x, NULL, NULL);
		if (c >= 0)
			cur = c;
		xent_target(blob + off, &x, name, &rev, &d, &dl);
		for (h = 0; h < NF_HK_N; h++)
			if ((info->valid_hooks & (1u << h)) && underflow[h] == off)
				policy = h;
		if (policy >= 0 && cur >= 0) { /* a base chain's policy, not a rule */
			struct nf_chain *ch = &rs->chains[cs[cur].idx];
			int v = 0;

			if (dl >= sizeof v)
				memcpy(&v, d, sizeof v);
			verdict_name(v, &ch->policy);
			ch->packets = x.pcnt, ch->bytes = x.bcnt, ch->has_counters = 1;
		} else if (cur >= 0 && rs->chains[cs[cur].idx].hook < 0 && user_tail(family, blob, len, off + x.next_offset)) {
			/* a user chain's closing RETURN: part of the chain, not a rule */
		} else if (strcmp(name, XT_ERROR_TARGET) && cur >= 0) {
			struct nf_rule *r = nf_add_rule(rs, cs[cur].idx);

			if (!r)
				break;
			if (xt_rule(rs, family, blob + off, &x, r, cs, ncs, (unsigned)off) < 0) {
				free(cs);
				return nr_fail(e, NR_E_PARSE, 0, "netfilter", "iptables-legacy table %s", table);
			}
			rs->backends |= NF_LEGACY;
		}
		off += x.next_offset;
	}
	free(cs);
	return 0;
}

/* getsockopt of one table: info, then the entries (retried when the table changed between). */
int nf_read_legacy(struct nf_ruleset *rs, int family, const char *table, struct nr_err *e)
{
	struct ipt_getinfo gi;
	struct ipt_get_entries *ge = NULL;
	struct nf_xt_info info;
	int fd, lvl = family == AF_INET6 ? SOL_IPV6 : SOL_IP, tries, rc = -1, err = 0;
	socklen_t sl;

	fd = socket(family, SOCK_RAW | SOCK_CLOEXEC, IPPROTO_RAW);
	if (fd < 0)
		return nr_fail(e, errno == EPERM || errno == EACCES ? NR_E_PERM : NR_E_SYS, errno, "netfilter",
			       "iptables-legacy %s", table);
	for (tries = 0; tries < XT_RETRIES; tries++) {
		memset(&gi, 0, sizeof gi);
		snprintf(gi.name, sizeof gi.name, "%s", table);
		sl = sizeof gi;
		/* IPT_SO_GET_INFO and IP6T_SO_GET_INFO share number and layout. */
		if (getsockopt(fd, lvl, IPT_SO_GET_INFO, &gi, &sl) < 0) {
			err = errno;
			break;
		}
		free(ge);
		ge = malloc(sizeof *ge + gi.size);
		if (!ge) {
			err = ENOMEM;
			break;
		}
		memset(ge, 0, sizeof *ge);
		snprintf(ge->name, sizeof ge->name, "%s", table);
		ge->size = gi.size;
		sl = (socklen_t)(sizeof *ge + gi.size);
		if (getsockopt(fd, lvl, IPT_SO_GET_ENTRIES, ge, &sl) == 0) {
			err = 0;
			rc = 0;
			break;
		}
		err = errno;
		if (err != EAGAIN)
			break;
	}
	close(fd);
	if (rc == 0) {
		info.valid_hooks = gi.valid_hooks;
		memcpy(info.hook_entry, gi.hook_entry, sizeof info.hook_entry);
		memcpy(info.underflow, gi.underflow, sizeof info.underflow);
		rc = nf_xt_parse(rs, family, table, &info, (const unsigned char *)ge->entrytable, ge->size, e);
	} else
		nr_fail(e, err == EPERM || err == EACCES ? NR_E_PERM : NR_E_SYS, err, "netfilter",
			"iptables-legacy %s %s", family == AF_INET6 ? "ip6" : "ip", table);
	free(ge);
	return rc;
}
