/* nf_tables over NFNETLINK: chains, sets and their elements, rules with their expressions and
 * counters. Expressions are read through a small register file (what each register holds:
 * "ip daddr", "meta l4proto", a constant, ...) so that a cmp or lookup says what it compares.
 * Rules iptables-nft wrote come out iptables-save-like ("-s 10.0.0.0/8 -p tcp -m tcp --dport 80
 * -j KUBE-SVC-X", xt matches and targets decoded by xt.c); native nft constructs keep nft words
 * ("ip daddr . meta l4proto . th dport vmap @service-ips"). Unknown expressions are named. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <linux/netfilter.h>
#include <linux/netfilter/nf_nat.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nf_tables_compat.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netlink.h>

#include "netfilter/netfilter.h"
#include "netlink/netlink.h"

/* TB: one more than the highest attribute number read in any nf_tables table (~20). */
#define TB 24
/* NREG: 32-bit registers NFT_REG32_00..15 (NFT_REG_1..4 alias groups of four). */
#define NREG 16
/* NFT_ONE_DUMP: up to this many chains, one rule dump for all; beyond, one per chain. */
#define NFT_ONE_DUMP 64
/* REQ: a GETSETELEM request: header, nfgenmsg, two names of up to 256 bytes. */
#define REQ 768

enum { R_NONE, R_PAYLOAD, R_META, R_CT, R_IMM, R_NUMGEN, R_FIB };

struct reg {
	int kind, a, b, len;      /* payload: a=base b=offset; meta/ct: a=key; numgen: a=mod; fib: a=flags b=result */
	int masked;               /* bitwise applied: mask holds it */
	unsigned char val[16], mask[16];
};

struct xr {                   /* one rule being read */
	struct nf_ruleset *rs;
	struct nf_rule *r;
	int family;
	const char *table;
	struct reg reg[NREG];
	struct nf_text m, t;
	int l4;                   /* protocol seen in a cmp, for "-m tcp" */
	/* iptables-save prints -s -d -i -o -p first, whatever order the expressions came in. */
	char hs[64], hd[64], hi[48], ho[48], hp[24];
};

static uint32_t be32(const struct nl_attr *a)
{
	uint32_t v = 0;

	if (a->p && a->len >= 4)
		memcpy(&v, a->p, 4);
	return ntohl(v);
}

static uint64_t be64(const struct nl_attr *a)
{
	uint32_t hi, lo;

	if (!a->p || a->len < 8)
		return 0;
	memcpy(&hi, a->p, 4);
	memcpy(&lo, a->p + 4, 4);
	return ((uint64_t)ntohl(hi) << 32) | ntohl(lo);
}

/* Register number (be32 attribute) to 32-bit register index; -1 for the verdict register. */
static int reg_idx(const struct nl_attr *a)
{
	uint32_t r = be32(a);

	if (r >= NFT_REG32_00 && r < NFT_REG32_00 + NREG)
		return (int)(r - NFT_REG32_00);
	if (r >= NFT_REG_1 && r <= NFT_REG_4)
		return (int)(r - NFT_REG_1) * 4;
	return -1;
}

/* NFTA_DATA_VALUE inside a nested data attribute. */
static int data_value(const struct nl_attr *a, unsigned char *v, int cap)
{
	struct nl_attr tb[TB];

	if (!a->p || nl_attr_parse(a->p, a->len, tb, TB) < 0 || !tb[NFTA_DATA_VALUE].p)
		return -1;
	if ((int)tb[NFTA_DATA_VALUE].len > cap)
		return -1;
	memcpy(v, tb[NFTA_DATA_VALUE].p, tb[NFTA_DATA_VALUE].len);
	return (int)tb[NFTA_DATA_VALUE].len;
}

/* Iterates the attributes of a list (NFTA_LIST_ELEM...). */
static int list_next(const unsigned char **p, size_t *left, struct nl_attr *out)
{
	struct nlattr na;
	size_t step;

	if (*left < sizeof na)
		return 0;
	memcpy(&na, *p, sizeof na);
	if (na.nla_len < sizeof na || na.nla_len > *left)
		return -1;
	out->p = *p + sizeof na;
	out->len = na.nla_len - sizeof na;
	step = NLA_ALIGN(na.nla_len);
	*p += step < *left ? step : *left;
	*left -= step < *left ? step : *left;
	return 1;
}

/* --- what a register holds, in words ------------------------------------------------------ */

static const char *meta_name(int key)
{
	switch (key) {
	case NFT_META_LEN: return "meta length";
	case NFT_META_PROTOCOL: return "meta protocol";
	case NFT_META_MARK: return "meta mark";
	case NFT_META_IIF: return "meta iif";
	case NFT_META_OIF: return "meta oif";
	case NFT_META_IIFNAME: return "meta iifname";
	case NFT_META_OIFNAME: return "meta oifname";
	case NFT_META_NFPROTO: return "meta nfproto";
	case NFT_META_L4PROTO: return "meta l4proto";
	case NFT_META_SKUID: return "meta skuid";
	case NFT_META_PKTTYPE: return "meta pkttype";
	case NFT_META_NFTRACE: return "meta nftrace";
	default: return "meta";
	}
}

static void reg_desc(const struct xr *x, const struct reg *g, char *b, size_t cap)
{
	if (g->kind == R_PAYLOAD && g->a == NFT_PAYLOAD_NETWORK_HEADER) {
		int v6 = g->len == 16 || x->family == NFPROTO_IPV6;
		const char *f = v6 ? "ip6" : "ip";

		if ((!v6 && g->b == 12) || (v6 && g->b == 8))
			snprintf(b, cap, "%s saddr", f);
		else if ((!v6 && g->b == 16) || (v6 && g->b == 24))
			snprintf(b, cap, "%s daddr", f);
		else if ((!v6 && g->b == 9) || (v6 && g->b == 6))
			snprintf(b, cap, "%s %s", f, v6 ? "nexthdr" : "protocol");
		else
			snprintf(b, cap, "@nh,%lld,%lld", (long long)g->b * 8, (long long)g->len * 8);
	} else if (g->kind == R_PAYLOAD && g->a == NFT_PAYLOAD_TRANSPORT_HEADER && g->len == 2 && g->b <= 2)
		snprintf(b, cap, "%s %s", x->l4 == 6 ? "tcp" : x->l4 == 17 ? "udp" : "th", g->b ? "dport" : "sport");
	else if (g->kind == R_PAYLOAD)
		snprintf(b, cap, "@%s,%lld,%lld", g->a == 0 ? "ll" : g->a == 1 ? "nh" : "th", (long long)g->b * 8, (long long)g->len * 8);
	else if (g->kind == R_META)
		snprintf(b, cap, "%s", meta_name(g->a));
	else if (g->kind == R_CT)
		snprintf(b, cap, "ct %s", g->a == NFT_CT_STATE ? "state" : g->a == NFT_CT_MARK ? "mark" :
			 g->a == NFT_CT_STATUS ? "status" : g->a == NFT_CT_DIRECTION ? "direction" : "key");
	else if (g->kind == R_NUMGEN)
		snprintf(b, cap, "numgen %s mod %d", g->b ? "random" : "inc", g->a);
	else if (g->kind == R_FIB)
		snprintf(b, cap, "fib %s type", g->a & NFTA_FIB_F_SADDR ? "saddr" : "daddr");
	else
		snprintf(b, cap, "?");
}

static void tx_hex(struct nf_text *t, const unsigned char *v, int n)
{
	int i;

	nf_tx(t, "0x");
	for (i = 0; i < n; i++)
		nf_tx(t, "%02x", v[i]);
}

static uint32_t host32(const unsigned char *v, int n)
{
	uint32_t x = 0;

	memcpy(&x, v, n < 4 ? (size_t)n : 4);
	return x;
}

/* --- expressions -------------------------------------------------------------------------- */

static void e_payload(struct xr *x, struct nl_attr *tb)
{
	int d = reg_idx(&tb[NFTA_PAYLOAD_DREG]);
	struct reg *g;

	if (d < 0 || !tb[NFTA_PAYLOAD_DREG].p) {
		nf_tx(&x->m, " [payload write]");
		return;
	}
	g = &x->reg[d];
	memset(g, 0, sizeof *g);
	g->kind = R_PAYLOAD;
	g->a = (int)be32(&tb[NFTA_PAYLOAD_BASE]);
	g->b = (int)be32(&tb[NFTA_PAYLOAD_OFFSET]);
	g->len = (int)be32(&tb[NFTA_PAYLOAD_LEN]);
}

static void e_meta(struct xr *x, struct nl_attr *tb)
{
	int d = reg_idx(&tb[NFTA_META_DREG]), s;
	char desc[64];

	if (tb[NFTA_META_DREG].p && d >= 0) {
		struct reg *g = &x->reg[d];

		memset(g, 0, sizeof *g);
		g->kind = R_META;
		g->a = (int)be32(&tb[NFTA_META_KEY]);
		g->len = g->a == NFT_META_IIFNAME || g->a == NFT_META_OIFNAME ? 16 : g->a == NFT_META_L4PROTO ||
			 g->a == NFT_META_NFPROTO ? 1 : 4;
		return;
	}
	s = reg_idx(&tb[NFTA_META_SREG]);
	if (s < 0)
		return;
	if (be32(&tb[NFTA_META_KEY]) == NFT_META_NFTRACE) { /* iptables-nft's -j TRACE */
		x->r->target = NF_T_OTHER;
		nf_tx(&x->t, "%s-j TRACE", x->t.n ? " " : "");
		return;
	}
	/* meta mark set ...: kube-proxy's mark-for-masquerade. (mark & M) ^ X is x_tables'
	 * --set-xmark X/~M; a constant is --set-xmark V/0xffffffff. */
	if (be32(&tb[NFTA_META_KEY]) == NFT_META_MARK && (x->reg[s].kind == R_IMM ||
	    (x->reg[s].kind == R_META && x->reg[s].a == NFT_META_MARK && x->reg[s].masked))) {
		uint32_t v = host32(x->reg[s].val, 4), m = x->reg[s].kind == R_IMM ? 0 : host32(x->reg[s].mask, 4);

		nf_tx(&x->t, "%s-j MARK --set-xmark 0x%x/0x%x", x->t.n ? " " : "", v, ~m);
	} else {
		nf_tx(&x->t, "%s%s set ", x->t.n ? " " : "", meta_name((int)be32(&tb[NFTA_META_KEY])));
		reg_desc(x, &x->reg[s], desc, sizeof desc);
		nf_tx(&x->t, "%s", desc);
	}
	if (be32(&tb[NFTA_META_KEY]) == NFT_META_MARK && !x->r->target)
		x->r->target = NF_T_MARK;
}

static void e_ct(struct xr *x, struct nl_attr *tb)
{
	int d = reg_idx(&tb[NFTA_CT_DREG]);

	if (!tb[NFTA_CT_DREG].p || d < 0) {
		nf_tx(&x->m, " [ct set]");
		return;
	}
	memset(&x->reg[d], 0, sizeof x->reg[d]);
	x->reg[d].kind = R_CT;
	x->reg[d].a = (int)be32(&tb[NFTA_CT_KEY]);
	x->reg[d].len = 4;
}

static void e_imm(struct xr *x, struct nl_attr *tb)
{
	struct nl_attr dt[TB], vt[TB];
	char chain[256];
	int d = reg_idx(&tb[NFTA_IMMEDIATE_DREG]), code;

	if (!tb[NFTA_IMMEDIATE_DATA].p ||
	    nl_attr_parse(tb[NFTA_IMMEDIATE_DATA].p, tb[NFTA_IMMEDIATE_DATA].len, dt, TB) < 0)
		return;
	if (d >= 0) {
		struct reg *g = &x->reg[d];

		memset(g, 0, sizeof *g);
		g->kind = R_IMM;
		g->len = data_value(&tb[NFTA_IMMEDIATE_DATA], g->val, 16);
		if (g->len < 0)
			g->len = 0;
		return;
	}
	if (!dt[NFTA_DATA_VERDICT].p || nl_attr_parse(dt[NFTA_DATA_VERDICT].p, dt[NFTA_DATA_VERDICT].len, vt, TB) < 0)
		return;
	code = (int)be32(&vt[NFTA_VERDICT_CODE]);
	nl_attr_str(&vt[NFTA_VERDICT_CHAIN], chain, sizeof chain);
	switch (code) {
	case NF_ACCEPT: x->r->target = NF_T_ACCEPT; nf_tx(&x->t, "-j ACCEPT"); break;
	case NF_DROP: x->r->target = NF_T_DROP; nf_tx(&x->t, "-j DROP"); break;
	case NFT_RETURN: x->r->target = NF_T_RETURN; nf_tx(&x->t, "-j RETURN"); break;
	case NFT_JUMP:
	case NFT_GOTO:
		x->r->target = code == NFT_JUMP ? NF_T_JUMP : NF_T_GOTO;
		x->r->jump = nf_intern(x->rs, chain);
		nf_tx(&x->t, "%s%s %s", x->t.n ? " " : "", code == NFT_JUMP ? "-j" : "-g", chain);
		break;
	default: break; /* continue / break: no target */
	}
}

/* ip saddr/daddr (and ip6) against a prefix: iptables-nft compares only the prefix's bytes
 * (payload length < address length), with a bitwise mask for the last partial byte. */
static int addr_cmp(struct xr *x, const struct reg *g, int op, const unsigned char *v, int n)
{
	struct nf_rule *r = x->r;
	unsigned char a[16], mask[16];
	int v6, src, plen, i;
	struct nf_text t = { .n = 0 };

	if (g->kind != R_PAYLOAD || g->a != NFT_PAYLOAD_NETWORK_HEADER || (op != NFT_CMP_EQ && op != NFT_CMP_NEQ))
		return 0;
	v6 = x->family == NFPROTO_IPV6 || (x->family == NFPROTO_INET && g->len == 16 && (g->b == 8 || g->b == 24));
	if (v6 ? (g->b != 8 && g->b != 24) : (g->b != 12 && g->b != 16))
		return 0;
	if (n != g->len || n < 1 || n > (v6 ? 16 : 4))
		return 0;
	src = g->b == 12 || g->b == 8;
	memset(a, 0, sizeof a);
	memcpy(a, v, (size_t)n);
	memset(mask, 0, sizeof mask);
	for (i = 0; i < n; i++)
		mask[i] = g->masked ? g->mask[i] : 0xff;
	plen = nf_mask_len(v6 ? AF_INET6 : AF_INET, mask);
	if (plen < 0)
		return 0;
	memcpy(src ? r->src : r->dst, a, v6 ? 16 : 4);
	*(src ? &r->src_len : &r->dst_len) = (uint8_t)plen;
	r->flags |= src ? NF_RF_SRC | (op == NFT_CMP_NEQ ? NF_RF_SRC_INV : 0) : NF_RF_DST | (op == NFT_CMP_NEQ ? NF_RF_DST_INV : 0);
	t.b[0] = 0;
	nf_tx(&t, " %s%s ", op == NFT_CMP_NEQ ? "! " : "", src ? "-s" : "-d");
	nf_tx_addr(&t, v6 ? AF_INET6 : AF_INET, a, plen);
	snprintf(src ? x->hs : x->hd, sizeof x->hs, "%.63s", t.b);
	return 1;
}

/* A cmp against what a register holds: iptables words when there are some. */
static void cmp_text(struct xr *x, const struct reg *g, int op, const unsigned char *v, int n)
{
	struct nf_rule *r = x->r;
	const char *inv = op == NFT_CMP_NEQ ? "! " : "";
	char desc[64];

	if (addr_cmp(x, g, op, v, n))
		return;
	if (((g->kind == R_META && g->a == NFT_META_L4PROTO) ||
	     (g->kind == R_PAYLOAD && g->a == NFT_PAYLOAD_NETWORK_HEADER && g->len == 1 && (g->b == 9 || g->b == 6))) && n == 1) {
		r->proto = v[0];
		r->flags |= NF_RF_PROTO | (*inv ? NF_RF_PROTO_INV : 0);
		x->l4 = *inv ? 0 : v[0];
		if (v[0] == 6 || v[0] == 17 || v[0] == 1 || v[0] == 58 || v[0] == 132)
			snprintf(x->hp, sizeof x->hp, " %s-p %s", inv, v[0] == 6 ? "tcp" : v[0] == 17 ? "udp" :
				 v[0] == 1 ? "icmp" : v[0] == 58 ? "ipv6-icmp" : "sctp");
		else
			snprintf(x->hp, sizeof x->hp, " %s-p %u", inv, v[0]);
		return;
	}
	if (g->kind == R_PAYLOAD && g->a == NFT_PAYLOAD_TRANSPORT_HEADER && g->len == 2 && g->b <= 2 && n == 2 &&
	    (op == NFT_CMP_EQ || op == NFT_CMP_NEQ)) {
		unsigned port = (unsigned)v[0] << 8 | v[1];
		int d = g->b == 2;

		if (d)
			r->dport_lo = r->dport_hi = (uint16_t)port, r->flags |= NF_RF_DPORT | (*inv ? NF_RF_DPORT_INV : 0);
		else
			r->sport_lo = r->sport_hi = (uint16_t)port, r->flags |= NF_RF_SPORT | (*inv ? NF_RF_SPORT_INV : 0);
		if (x->l4 == 6 || x->l4 == 17)
			nf_tx(&x->m, " -m %s", x->l4 == 6 ? "tcp" : "udp");
		nf_tx(&x->m, " %s--%s %u", inv, d ? "dport" : "sport", port);
		return;
	}
	if (g->kind == R_META && (g->a == NFT_META_IIFNAME || g->a == NFT_META_OIFNAME)) {
		int len = (int)strnlen((const char *)v, (size_t)n);

		snprintf(g->a == NFT_META_IIFNAME ? x->hi : x->ho, sizeof x->hi, " %s%s %.*s%s", inv,
			 g->a == NFT_META_IIFNAME ? "-i" : "-o", len < 16 ? len : 16, (const char *)v, len == n ? "+" : "");
		return;
	}
	if (g->kind == R_META && g->a == NFT_META_MARK && n == 4) {
		nf_tx(&x->m, " -m mark %s--mark 0x%x", inv, host32(v, 4));
		if (g->masked)
			nf_tx(&x->m, "/0x%x", host32(g->mask, 4));
		return;
	}
	if (g->kind == R_CT && g->a == NFT_CT_STATE && g->masked && op == NFT_CMP_NEQ && !host32(v, n)) {
		nf_tx(&x->m, " -m conntrack --ctstate");
		nf_tx_ctstate(&x->m, host32(g->mask, 4), 6, 0);
		return;
	}
	if (g->kind == R_FIB && g->b == NFT_FIB_RESULT_ADDRTYPE && n == 4) {
		uint32_t t = host32(v, 4);

		if (t == 2 /* RTN_LOCAL */ && !(g->a & NFTA_FIB_F_SADDR) && op == NFT_CMP_EQ)
			r->flags |= NF_RF_LOCAL;
		nf_tx(&x->m, " fib %s type %s%s", g->a & NFTA_FIB_F_SADDR ? "saddr" : "daddr", *inv ? "!= " : "",
		      t == 2 ? "local" : t == 1 ? "unicast" : t == 3 ? "broadcast" : t == 5 ? "multicast" : "other");
		return;
	}
	reg_desc(x, g, desc, sizeof desc);
	nf_tx(&x->m, " %s %s ", desc, op == NFT_CMP_EQ ? "==" : op == NFT_CMP_NEQ ? "!=" : op == NFT_CMP_LT ? "<" :
	      op == NFT_CMP_LTE ? "<=" : op == NFT_CMP_GT ? ">" : ">=");
	if (g->masked) {
		nf_tx(&x->m, "(& ");
		tx_hex(&x->m, g->mask, n);
		nf_tx(&x->m, ") ");
	}
	tx_hex(&x->m, v, n);
}

static void e_cmp(struct xr *x, struct nl_attr *tb)
{
	unsigned char v[16];
	int s = reg_idx(&tb[NFTA_CMP_SREG]), n = data_value(&tb[NFTA_CMP_DATA], v, 16);

	if (s < 0 || n < 0) {
		nf_tx(&x->m, " [cmp]");
		return;
	}
	cmp_text(x, &x->reg[s], (int)be32(&tb[NFTA_CMP_OP]), v, n);
}

static void e_range(struct xr *x, struct nl_attr *tb)
{
	unsigned char lo[16], hi[16];
	int s = reg_idx(&tb[NFTA_RANGE_SREG]), a = data_value(&tb[NFTA_RANGE_FROM_DATA], lo, 16);
	int b = data_value(&tb[NFTA_RANGE_TO_DATA], hi, 16);
	const struct reg *g;

	if (s < 0 || a != 2 || b != 2) {
		nf_tx(&x->m, " [range]");
		return;
	}
	g = &x->reg[s];
	if (g->kind == R_PAYLOAD && g->a == NFT_PAYLOAD_TRANSPORT_HEADER && g->len == 2 && g->b <= 2) {
		unsigned l = (unsigned)lo[0] << 8 | lo[1], h = (unsigned)hi[0] << 8 | hi[1];
		int inv = be32(&tb[NFTA_RANGE_OP]) == NFT_RANGE_NEQ;

		if (g->b == 2)
			x->r->dport_lo = (uint16_t)l, x->r->dport_hi = (uint16_t)h,
			x->r->flags |= NF_RF_DPORT | (inv ? NF_RF_DPORT_INV : 0);
		if (x->l4 == 6 || x->l4 == 17)
			nf_tx(&x->m, " -m %s", x->l4 == 6 ? "tcp" : "udp");
		nf_tx(&x->m, " %s--%s %u:%u", inv ? "! " : "", g->b ? "dport" : "sport", l, h);
		return;
	}
	nf_tx(&x->m, " [range]");
}

static void e_bitwise(struct xr *x, struct nl_attr *tb)
{
	int s = reg_idx(&tb[NFTA_BITWISE_SREG]), d = reg_idx(&tb[NFTA_BITWISE_DREG]);
	struct reg g;

	if (s < 0 || d < 0)
		return;
	g = x->reg[s];
	memset(g.mask, 0, sizeof g.mask);
	memset(g.val, 0, sizeof g.val);
	if (data_value(&tb[NFTA_BITWISE_MASK], g.mask, 16) < 0)
		memset(g.mask, 0xff, sizeof g.mask);
	data_value(&tb[NFTA_BITWISE_XOR], g.val, 16);
	g.masked = 1;
	x->reg[d] = g;
}

static const struct nf_set *set_find(const struct nf_ruleset *rs, int family, const char *table, const char *name)
{
	uint32_t i;

	for (i = rs->nsets; i-- > 0;)
		if (rs->sets[i].family == family && !strcmp(nf_str(rs, rs->sets[i].name), name) &&
		    !strcmp(nf_str(rs, rs->sets[i].table), table))
			return &rs->sets[i];
	return NULL;
}

/* "ip daddr . meta l4proto . th dport": the registers a set key of key_len bytes spans. */
static void key_desc(struct xr *x, int s, int key_len, char *b, size_t cap)
{
	size_t n = 0;
	int used = 0;

	b[0] = 0;
	while (s < NREG && n + 2 < cap) {
		const struct reg *g = &x->reg[s];
		int w = (g->len > 0 ? g->len : 4 + 0);

		w = (w + 3) / 4;
		if (n)
			n += (size_t)snprintf(b + n, cap - n, " . ");
		if (n < cap)
			reg_desc(x, g, b + n, cap - n);
		n = strlen(b);
		used += w * 4;
		s += w;
		if (used >= key_len)
			break;
	}
}

static void e_lookup(struct xr *x, struct nl_attr *tb)
{
	char set[256], desc[200];
	const struct nf_set *st;
	int s = reg_idx(&tb[NFTA_LOOKUP_SREG]), inv = be32(&tb[NFTA_LOOKUP_FLAGS]) & NFT_LOOKUP_F_INV;

	nl_attr_str(&tb[NFTA_LOOKUP_SET], set, sizeof set);
	st = set_find(x->rs, x->family, x->table, set);
	if (s < 0) {
		nf_tx(&x->m, " [lookup @%s]", set);
		return;
	}
	key_desc(x, s, st ? st->key_len : 4, desc, sizeof desc);
	if (tb[NFTA_LOOKUP_DREG].p && be32(&tb[NFTA_LOOKUP_DREG]) == NFT_REG_VERDICT) {
		x->r->target = NF_T_VMAP;
		x->r->jump = nf_intern(x->rs, set);
		nf_tx(&x->t, "%s%s vmap @%s", x->t.n ? " " : "", desc, set);
		return;
	}
	nf_tx(&x->m, " %s %s@%s", desc, inv ? "!= " : "", set);
	if (tb[NFTA_LOOKUP_DREG].p)
		nf_tx(&x->m, " [map data]");
}

static void e_nat(struct xr *x, struct nl_attr *tb, int masq)
{
	int type = (int)be32(&tb[NFTA_NAT_TYPE]);
	int amin = reg_idx(&tb[masq ? 0 : NFTA_NAT_REG_ADDR_MIN]);
	int pmin = reg_idx(&tb[masq ? NFTA_MASQ_REG_PROTO_MIN : NFTA_NAT_REG_PROTO_MIN]);
	uint32_t flags = be32(&tb[masq ? NFTA_MASQ_FLAGS : NFTA_NAT_FLAGS]);
	struct nf_rule *r = x->r;
	int fam = x->family == NFPROTO_IPV6 || (tb[NFTA_NAT_FAMILY].p && be32(&tb[NFTA_NAT_FAMILY]) == NFPROTO_IPV6)
		  ? AF_INET6 : AF_INET;

	if (masq) {
		r->target = NF_T_MASQ;
		nf_tx(&x->t, "-j MASQUERADE");
	} else {
		r->target = type == NFT_NAT_DNAT ? NF_T_DNAT : NF_T_SNAT;
		nf_tx(&x->t, "-j %s %s ", type == NFT_NAT_DNAT ? "DNAT" : "SNAT",
		      type == NFT_NAT_DNAT ? "--to-destination" : "--to-source");
		if (tb[NFTA_NAT_REG_ADDR_MIN].p && amin >= 0 && x->reg[amin].kind == R_IMM) {
			char ip[INET6_ADDRSTRLEN];

			memcpy(r->nat_addr, x->reg[amin].val, fam == AF_INET6 ? 16 : 4);
			r->flags |= NF_RF_NAT;
			inet_ntop(fam, r->nat_addr, ip, sizeof ip);
			nf_tx(&x->t, fam == AF_INET6 && pmin >= 0 ? "[%s]" : "%s", ip);
		}
	}
	if (tb[masq ? NFTA_MASQ_REG_PROTO_MIN : NFTA_NAT_REG_PROTO_MIN].p && pmin >= 0 && x->reg[pmin].kind == R_IMM) {
		unsigned p = (unsigned)x->reg[pmin].val[0] << 8 | x->reg[pmin].val[1];

		r->nat_port_lo = r->nat_port_hi = (uint16_t)p;
		nf_tx(&x->t, masq ? " --to-ports %u" : ":%u", p);
	}
	if (flags & NF_NAT_RANGE_PROTO_RANDOM_FULLY)
		nf_tx(&x->t, " --random-fully");
	else if (flags & NF_NAT_RANGE_PROTO_RANDOM)
		nf_tx(&x->t, " --random");
}

static void e_reject(struct xr *x, struct nl_attr *tb)
{
	static const char *const icmpx[] = { "icmpx-no-route", "icmpx-port-unreachable",
					     "icmpx-host-unreachable", "icmpx-admin-prohibited" };
	int type = (int)be32(&tb[NFTA_REJECT_TYPE]), code = tb[NFTA_REJECT_ICMP_CODE].p ? tb[NFTA_REJECT_ICMP_CODE].p[0] : -1;

	x->r->target = NF_T_REJECT;
	nf_tx(&x->t, "-j REJECT");
	if (type == NFT_REJECT_TCP_RST)
		nf_tx(&x->t, " --reject-with tcp-reset");
	else if (type == NFT_REJECT_ICMPX_UNREACH && code >= 0 && code < 4)
		nf_tx(&x->t, " --reject-with %s", icmpx[code]);
	else if (code == 3 && x->family != NFPROTO_IPV6)
		nf_tx(&x->t, " --reject-with icmp-port-unreachable");
	else if (code >= 0)
		nf_tx(&x->t, " --reject-with icmp-code-%d", code);
}

static void e_xt(struct xr *x, struct nl_attr *tb, int target)
{
	char name[64];

	/* NFTA_MATCH_NAME/REV/INFO and NFTA_TARGET_NAME/REV/INFO share numbers 1/2/3. */
	nl_attr_str(&tb[NFTA_MATCH_NAME], name, sizeof name);
	if (target) {
		struct nf_text t = { .n = 0 };

		t.b[0] = 0;
		nf_xt_target(x->rs, &t, x->r, name, (int)be32(&tb[NFTA_TARGET_REV]), tb[NFTA_TARGET_INFO].p,
			     tb[NFTA_TARGET_INFO].len);
		nf_tx(&x->t, "%s%s", x->t.n ? " " : "", t.b);
	} else
		nf_xt_match(x->rs, &x->m, x->r, name, (int)be32(&tb[NFTA_MATCH_REV]), tb[NFTA_MATCH_INFO].p,
			    tb[NFTA_MATCH_INFO].len);
}

static void e_limit(struct xr *x, struct nl_attr *tb)
{
	uint64_t rate = be64(&tb[NFTA_LIMIT_RATE]), unit = be64(&tb[NFTA_LIMIT_UNIT]);

	nf_tx(&x->m, " -m limit --limit %llu/%s --limit-burst %u", (unsigned long long)rate,
	      unit == 1 ? "sec" : unit == 60 ? "min" : unit == 3600 ? "hour" : unit == 86400 ? "day" : "?",
	      be32(&tb[NFTA_LIMIT_BURST]));
}

static void e_log(struct xr *x, struct nl_attr *tb)
{
	char p[128];

	nl_attr_str(&tb[NFTA_LOG_PREFIX], p, sizeof p);
	x->r->target = NF_T_LOG;
	if (tb[NFTA_LOG_GROUP].p && tb[NFTA_LOG_GROUP].len >= 2) {
		uint16_t g;

		memcpy(&g, tb[NFTA_LOG_GROUP].p, 2);
		nf_tx(&x->t, "-j NFLOG");
		if (p[0])
			nf_tx(&x->t, " --nflog-prefix %s", p);
		nf_tx(&x->t, " --nflog-group %u", ntohs(g));
		return;
	}
	nf_tx(&x->t, "-j LOG");
	if (p[0])
		nf_tx(&x->t, " --log-prefix \"%s\"", p);
	if (tb[NFTA_LOG_LEVEL].p && be32(&tb[NFTA_LOG_LEVEL]) != 4)
		nf_tx(&x->t, " --log-level %u", be32(&tb[NFTA_LOG_LEVEL]));
}

static void expr(struct xr *x, const struct nl_attr *el)
{
	struct nl_attr et[TB], tb[TB];
	char name[32];

	if (nl_attr_parse(el->p, el->len, et, TB) < 0)
		return;
	nl_attr_str(&et[NFTA_EXPR_NAME], name, sizeof name);
	memset(tb, 0, sizeof tb);
	if (et[NFTA_EXPR_DATA].p && nl_attr_parse(et[NFTA_EXPR_DATA].p, et[NFTA_EXPR_DATA].len, tb, TB) < 0)
		return;
	if (!strcmp(name, "payload")) e_payload(x, tb);
	else if (!strcmp(name, "meta")) e_meta(x, tb);
	else if (!strcmp(name, "ct")) e_ct(x, tb);
	else if (!strcmp(name, "immediate")) e_imm(x, tb);
	else if (!strcmp(name, "cmp")) e_cmp(x, tb);
	else if (!strcmp(name, "range")) e_range(x, tb);
	else if (!strcmp(name, "bitwise")) e_bitwise(x, tb);
	else if (!strcmp(name, "lookup")) e_lookup(x, tb);
	else if (!strcmp(name, "nat")) e_nat(x, tb, 0);
	else if (!strcmp(name, "masq")) e_nat(x, tb, 1);
	else if (!strcmp(name, "reject")) e_reject(x, tb);
	else if (!strcmp(name, "match")) e_xt(x, tb, 0);
	else if (!strcmp(name, "target")) e_xt(x, tb, 1);
	else if (!strcmp(name, "limit")) e_limit(x, tb);
	else if (!strcmp(name, "log")) e_log(x, tb);
	else if (!strcmp(name, "counter")) {
		x->r->packets = be64(&tb[NFTA_COUNTER_PACKETS]);
		x->r->bytes = be64(&tb[NFTA_COUNTER_BYTES]);
	} else if (!strcmp(name, "numgen") || !strcmp(name, "fib")) {
		int d = reg_idx(&tb[1]); /* NFTA_NUMGEN_DREG and NFTA_FIB_DREG are both 1 */

		if (d >= 0) {
			memset(&x->reg[d], 0, sizeof x->reg[d]);
			x->reg[d].kind = name[0] == 'n' ? R_NUMGEN : R_FIB;
			x->reg[d].len = 4;
			x->reg[d].a = (int)be32(&tb[name[0] == 'n' ? NFTA_NG_MODULUS : NFTA_FIB_FLAGS]);
			x->reg[d].b = (int)be32(&tb[name[0] == 'n' ? NFTA_NG_TYPE : NFTA_FIB_RESULT]);
		}
	} else if (!strcmp(name, "notrack")) {
		x->r->target = NF_T_OTHER;
		nf_tx(&x->t, "-j NOTRACK");
	} else if (!strcmp(name, "dynset")) {
		char set[256];

		nl_attr_str(&tb[NFTA_DYNSET_SET_NAME], set, sizeof set);
		nf_tx(&x->m, " [update @%s]", set);
	} else {
		nf_tx(&x->m, " [%s]", name);
		x->r->flags |= NF_RF_UNDECODED;
	}
}

/* --- messages ----------------------------------------------------------------------------- */

static void udata_comment(struct nf_ruleset *rs, struct nf_rule *r, const struct nl_attr *a, struct nf_text *m)
{
	size_t off = 0;

	/* libnftnl's TLVs: u8 type, u8 length, value; type 0 is the comment (NUL-terminated). */
	while (a->p && off + 2 <= a->len) {
		unsigned type = a->p[off], len = a->p[off + 1];
		char c[256];

		if (off + 2 + len > a->len)
			return;
		if (type == 0 && len) {
			memcpy(c, a->p + off + 2, len < sizeof c ? len : sizeof c - 1);
			c[len < sizeof c ? len : sizeof c - 1] = 0;
			nf_tx(m, " -m comment --comment \"%s\"", c);
			nf_set_comment(rs, r, c);
		}
		off += 2 + len;
	}
}

static int msg_rule(struct nf_ruleset *rs, int family, const unsigned char *p, size_t len)
{
	struct nl_attr tb[TB], el;
	char table[256], chain[256];
	const struct nf_chain *c;
	const unsigned char *lp;
	size_t left;
	struct xr x; /* ~3 KiB of text buffers: on the stack, one rule at a time (no allocation per message) */
	int rc;

	if (nl_attr_parse(p, len, tb, TB) < 0)
		return -1;
	nl_attr_str(&tb[NFTA_RULE_TABLE], table, sizeof table);
	nl_attr_str(&tb[NFTA_RULE_CHAIN], chain, sizeof chain);
	c = nf_chain_find(rs, NF_NFT, family, table, chain);
	if (!c)
		return 0; /* a chain added after our chain dump */
	memset(&x, 0, sizeof x);
	x.rs = rs;
	x.family = family;
	x.table = table;
	x.r = nf_add_rule(rs, (uint32_t)(c - rs->chains));
	if (!x.r)
		return 0;
	rs->backends |= NF_NFT;
	lp = tb[NFTA_RULE_EXPRESSIONS].p;
	left = lp ? tb[NFTA_RULE_EXPRESSIONS].len : 0;
	while ((rc = list_next(&lp, &left, &el)) > 0)
		expr(&x, &el);
	if (rc < 0)
		return -1;
	if (tb[NFTA_RULE_USERDATA].p)
		udata_comment(rs, x.r, &tb[NFTA_RULE_USERDATA], &x.m);
	{
		struct nf_text all = { .n = 0 };

		all.b[0] = 0;
		nf_tx(&all, "%s%s%s%s%s%s", x.hs, x.hd, x.hi, x.ho, x.hp, x.m.b);
		x.r->match = nf_intern(rs, all.n && all.b[0] == ' ' ? all.b + 1 : all.b);
	}
	x.r->tgt = nf_intern(rs, x.t.b);
	return 0;
}

static int msg_chain(struct nf_ruleset *rs, int family, const unsigned char *p, size_t len)
{
	struct nl_attr tb[TB], hk[TB], ct[TB];
	char table[256], name[256], type[32];
	struct nf_chain *c;

	if (nl_attr_parse(p, len, tb, TB) < 0)
		return -1;
	nl_attr_str(&tb[NFTA_CHAIN_TABLE], table, sizeof table);
	nl_attr_str(&tb[NFTA_CHAIN_NAME], name, sizeof name);
	nl_attr_str(&tb[NFTA_CHAIN_TYPE], type, sizeof type);
	if (!(c = nf_add_chain(rs, NF_NFT, family, table, name)))
		return 0;
	c->type = nf_intern(rs, type);
	if (tb[NFTA_CHAIN_HOOK].p && nl_attr_parse(tb[NFTA_CHAIN_HOOK].p, tb[NFTA_CHAIN_HOOK].len, hk, TB) == 0) {
		uint32_t h = be32(&hk[NFTA_HOOK_HOOKNUM]);

		c->hook = h < NF_HK_N && family != NFPROTO_NETDEV ? (int8_t)h : -1;
		c->prio = (int32_t)be32(&hk[NFTA_HOOK_PRIORITY]);
		c->policy = tb[NFTA_CHAIN_POLICY].p && be32(&tb[NFTA_CHAIN_POLICY]) == NF_DROP ? NF_T_DROP : NF_T_ACCEPT;
	}
	if (tb[NFTA_CHAIN_COUNTERS].p &&
	    nl_attr_parse(tb[NFTA_CHAIN_COUNTERS].p, tb[NFTA_CHAIN_COUNTERS].len, ct, TB) == 0) {
		c->packets = be64(&ct[NFTA_COUNTER_PACKETS]);
		c->bytes = be64(&ct[NFTA_COUNTER_BYTES]);
		c->has_counters = 1;
	}
	return 0;
}

static int msg_set(struct nf_ruleset *rs, int family, const unsigned char *p, size_t len)
{
	struct nl_attr tb[TB];
	char table[256], name[256];
	struct nf_set *s;

	if (nl_attr_parse(p, len, tb, TB) < 0)
		return -1;
	if (rs->nsets >= rs->capsets) {
		uint32_t nc = rs->capsets ? rs->capsets * 2 : 64;
		void *q;

		if (rs->nsets >= NF_SETS_MAX || !(q = realloc(rs->sets, nc * sizeof *s))) {
			nf_truncate(rs, "more than 16384 sets");
			return 0;
		}
		rs->sets = q;
		rs->capsets = nc;
	}
	nl_attr_str(&tb[NFTA_SET_TABLE], table, sizeof table);
	nl_attr_str(&tb[NFTA_SET_NAME], name, sizeof name);
	s = &rs->sets[rs->nsets++];
	memset(s, 0, sizeof *s);
	s->family = (uint8_t)family;
	s->table = nf_intern(rs, table);
	s->name = nf_intern(rs, name);
	s->flags = be32(&tb[NFTA_SET_FLAGS]);
	s->key_len = (uint16_t)be32(&tb[NFTA_SET_KEY_LEN]);
	s->is_map = (s->flags & NFT_SET_MAP) && be32(&tb[NFTA_SET_DATA_TYPE]) == NFT_DATA_VERDICT;
	s->first = rs->nelems;
	return 0;
}

static void elem_verdict(struct nf_ruleset *rs, struct nf_elem *el, const struct nl_attr *a)
{
	struct nl_attr dt[TB], vt[TB];
	char chain[256];
	int code;

	if (!a->p || nl_attr_parse(a->p, a->len, dt, TB) < 0 || !dt[NFTA_DATA_VERDICT].p ||
	    nl_attr_parse(dt[NFTA_DATA_VERDICT].p, dt[NFTA_DATA_VERDICT].len, vt, TB) < 0)
		return;
	code = (int)be32(&vt[NFTA_VERDICT_CODE]);
	nl_attr_str(&vt[NFTA_VERDICT_CHAIN], chain, sizeof chain);
	el->verdict = code == NF_ACCEPT ? NF_T_ACCEPT : code == NF_DROP ? NF_T_DROP : code == NFT_JUMP ? NF_T_JUMP :
		      code == NFT_GOTO ? NF_T_GOTO : code == NFT_RETURN ? NF_T_RETURN : NF_T_OTHER;
	el->chain = nf_intern(rs, chain);
}

static int msg_elems(struct nf_ruleset *rs, int family, const unsigned char *p, size_t len)
{
	struct nl_attr tb[TB], it, et[TB];
	char table[256], name[256];
	struct nf_set *s = NULL;
	const unsigned char *lp;
	size_t left;
	uint32_t i;
	int rc;

	if (nl_attr_parse(p, len, tb, TB) < 0)
		return -1;
	nl_attr_str(&tb[NFTA_SET_ELEM_LIST_TABLE], table, sizeof table);
	nl_attr_str(&tb[NFTA_SET_ELEM_LIST_SET], name, sizeof name);
	for (i = rs->nsets; i-- > 0 && !s;)
		if (rs->sets[i].family == family && !strcmp(nf_str(rs, rs->sets[i].name), name) &&
		    !strcmp(nf_str(rs, rs->sets[i].table), table))
			s = &rs->sets[i];
	/* Elements of a set stay contiguous: only the set whose elements come last may grow. */
	if (s && !s->n)
		s->first = rs->nelems;
	if (!s || s->first + s->n != rs->nelems)
		return 0;
	lp = tb[NFTA_SET_ELEM_LIST_ELEMENTS].p;
	left = lp ? tb[NFTA_SET_ELEM_LIST_ELEMENTS].len : 0;
	while ((rc = list_next(&lp, &left, &it)) > 0) {
		struct nf_elem *el;
		unsigned char key[64];
		int kl;

		if (nl_attr_parse(it.p, it.len, et, TB) < 0)
			return -1;
		if (rs->nelems >= rs->capelems) {
			uint32_t nc = rs->capelems ? rs->capelems * 2 : 256;
			void *q;

			if (rs->nelems >= NF_ELEMS_MAX || !(q = realloc(rs->elems, nc * sizeof *el))) {
				nf_truncate(rs, "more than 150000 set elements");
				return 0;
			}
			rs->elems = q;
			rs->capelems = nc;
		}
		el = &rs->elems[rs->nelems];
		memset(el, 0, sizeof *el);
		kl = data_value(&et[NFTA_SET_ELEM_KEY], key, sizeof key);
		if (kl > 0) {
			el->key_len = (uint8_t)(kl < NF_KEY_MAX ? kl : NF_KEY_MAX);
			memcpy(el->key, key, el->key_len);
		}
		elem_verdict(rs, el, &et[NFTA_SET_ELEM_DATA]);
		if (et[NFTA_SET_ELEM_USERDATA].p) {
			struct nf_rule tmp;
			struct nf_text m = { .n = 0 };

			memset(&tmp, 0, sizeof tmp);
			udata_comment(rs, &tmp, &et[NFTA_SET_ELEM_USERDATA], &m);
			el->comment = tmp.comment;
		}
		rs->nelems++;
		s->n++;
	}
	return rc < 0 ? -1 : 0;
}

int nf_nft_parse_msg(struct nf_ruleset *rs, unsigned type, const unsigned char *p, size_t len,
		     struct nr_err *e)
{
	struct nfgenmsg g;
	int rc = 0;

	if (len < sizeof g)
		return nr_fail(e, NR_E_PARSE, 0, "netfilter", "short nf_tables message");
	memcpy(&g, p, sizeof g);
	p += NLMSG_ALIGN(sizeof g);
	len -= NLMSG_ALIGN(sizeof g);
	switch (type & 0xff) {
	case NFT_MSG_NEWCHAIN: rc = msg_chain(rs, g.nfgen_family, p, len); break;
	case NFT_MSG_NEWRULE: rc = msg_rule(rs, g.nfgen_family, p, len); break;
	case NFT_MSG_NEWSET: rc = msg_set(rs, g.nfgen_family, p, len); break;
	case NFT_MSG_NEWSETELEM: rc = msg_elems(rs, g.nfgen_family, p, len); break;
	default: break;
	}
	if (rc < 0)
		return nr_fail(e, NR_E_PARSE, 0, "netfilter", "nf_tables message %u", type & 0xff);
	return 0;
}

/* --- the dump ----------------------------------------------------------------------------- */

struct dump {
	struct nf_ruleset *rs;
};

static int dump_cb(const struct nl_msg *m, void *arg)
{
	struct dump *d = arg;

	if ((m->type >> 8) != NFNL_SUBSYS_NFTABLES)
		return 1;
	return nf_nft_parse_msg(d->rs, m->type, m->p, m->len, m->e) < 0 ? -1 : 1;
}

static size_t req_attr(unsigned char *b, size_t n, int type, const char *s)
{
	struct nlattr a;
	size_t l = strlen(s) + 1;

	a.nla_type = (uint16_t)type;
	a.nla_len = (uint16_t)(sizeof a + l);
	memcpy(b + n, &a, sizeof a);
	memcpy(b + n + sizeof a, s, l);
	memset(b + n + sizeof a + l, 0, NLA_ALIGN(a.nla_len) - a.nla_len);
	return n + NLA_ALIGN(a.nla_len);
}

/* msg's dump, of everything (table NULL) or filtered: GETSETELEM by table and set, GETRULE by
 * table and chain (the attribute numbers are 1 and 2 in both). */
static int dump(struct nl *nl, int msg, int family, const char *table, const char *set, struct dump *d,
		struct nr_err *e)
{
	unsigned char b[REQ];
	struct nlmsghdr h;
	struct nfgenmsg g;
	size_t n = NLMSG_HDRLEN + NLMSG_ALIGN(sizeof g);

	memset(b, 0, sizeof b);
	memset(&h, 0, sizeof h);
	h.nlmsg_type = (uint16_t)(NFNL_SUBSYS_NFTABLES << 8 | msg);
	h.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	memset(&g, 0, sizeof g);
	g.nfgen_family = (uint8_t)family;
	g.version = NFNETLINK_V0;
	memcpy(b, &h, sizeof h);
	memcpy(b + NLMSG_HDRLEN, &g, sizeof g);
	if (table && strlen(table) < 256 && set && strlen(set) < 256) {
		n = req_attr(b, n, NFTA_SET_ELEM_LIST_TABLE, table);
		n = req_attr(b, n, NFTA_SET_ELEM_LIST_SET, set);
	}
	return nl_talk(nl, b, n, dump_cb, d, e);
}

int nf_read_nft(struct nf_ruleset *rs, int elems, struct nr_err *e)
{
	struct nl nl;
	struct dump d = { rs };
	uint32_t i, nsets, chains0 = rs->nchains;
	int rc;

	if (nl_open_proto(&nl, NETLINK_NETFILTER, e) < 0)
		return -1;
	rc = dump(&nl, NFT_MSG_GETCHAIN, NFPROTO_UNSPEC, NULL, NULL, &d, e);
	if (rc == 0)
		rc = dump(&nl, NFT_MSG_GETSET, NFPROTO_UNSPEC, NULL, NULL, &d, e);
	nsets = rs->nsets;
	for (i = 0; rc == 0 && elems && i < nsets; i++) {
		char table[256], set[256];

		snprintf(table, sizeof table, "%s", nf_str(rs, rs->sets[i].table));
		snprintf(set, sizeof set, "%s", nf_str(rs, rs->sets[i].name));
		rs->sets[i].first = rs->nelems;
		rc = dump(&nl, NFT_MSG_GETSETELEM, rs->sets[i].family, table, set, &d, e);
		if (rc < 0 && e && e->code == NR_E_NL_KERNEL && e->sys == ENOENT)
			rc = 0; /* the set went away meanwhile */
	}
	if (rc == 0 && rs->nchains - chains0 <= NFT_ONE_DUMP)
		rc = dump(&nl, NFT_MSG_GETRULE, NFPROTO_UNSPEC, NULL, NULL, &d, e);
	/* A rule dump restarts its walk from the first rule for every 32 KiB reply, which is
	 * quadratic in the ruleset (16 s for 80,000 iptables-nft rules); one dump per chain goes
	 * straight to the chain. */
	for (i = chains0; rc == 0 && rs->nchains - chains0 > NFT_ONE_DUMP && i < rs->nchains; i++) {
		char table[256], chain[256];

		snprintf(table, sizeof table, "%s", nf_str(rs, rs->chains[i].table));
		snprintf(chain, sizeof chain, "%s", nf_str(rs, rs->chains[i].name));
		rc = dump(&nl, NFT_MSG_GETRULE, rs->chains[i].family, table, chain, &d, e);
		if (rc < 0 && e && e->code == NR_E_NL_KERNEL && e->sys == ENOENT)
			rc = 0; /* the chain went away meanwhile */
	}
	nl_close(&nl);
	if (rc < 0 && e && e->code == NR_E_NL_KERNEL && (e->sys == EPERM || e->sys == EACCES))
		e->code = NR_E_PERM;
	if (rc == 0)
		rs->read_ok |= NF_NFT;
	return rc;
}

int nf_nft_parse_buf(struct nf_ruleset *rs, const unsigned char *buf, size_t len, struct nr_err *e)
{
	struct nlmsghdr h;

	while (len >= NLMSG_HDRLEN) {
		memcpy(&h, buf, sizeof h);
		if (h.nlmsg_len < NLMSG_HDRLEN || h.nlmsg_len > len)
			return nr_fail(e, NR_E_PARSE, 0, "netfilter", "netlink message length %u of %zu", h.nlmsg_len, len);
		if ((h.nlmsg_type >> 8) == NFNL_SUBSYS_NFTABLES &&
		    nf_nft_parse_msg(rs, h.nlmsg_type, buf + NLMSG_HDRLEN, h.nlmsg_len - NLMSG_HDRLEN, e) < 0)
			return -1;
		if (NLMSG_ALIGN(h.nlmsg_len) >= len)
			break;
		buf += NLMSG_ALIGN(h.nlmsg_len);
		len -= NLMSG_ALIGN(h.nlmsg_len);
	}
	return 0;
}
