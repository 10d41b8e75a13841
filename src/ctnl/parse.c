/* Parsing of ctnetlink messages. Every length is checked: these bytes come from the kernel
 * today, from a recorded file or a fuzzer tomorrow. Multi-byte values are big endian on the
 * wire (ctnetlink's convention), attributes are nested with NLA_F_NESTED. */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/nfnetlink_conntrack.h>
#include <linux/netfilter/nf_conntrack_common.h>
#include <linux/netlink.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "ctnl/ctnl.h"
#include "ctnl/internal.h"

/* TB_MAX: one more than the highest attribute type read in any table (CTA_* is ~30 on 6.x);
 * higher types are skipped, as libmnl's callbacks skip unknown ones. */
#define TB_MAX 40

struct attr {
	const unsigned char *p;
	size_t len;
};

/* Fills tb[type] for each attribute of [p, p+len); -1 when a header lies about its length. */
static int attrs(const unsigned char *p, size_t len, struct attr *tb)
{
	struct nlattr na;
	size_t step;
	int t;

	memset(tb, 0, sizeof *tb * TB_MAX);
	while (len >= sizeof na) {
		memcpy(&na, p, sizeof na);
		if (na.nla_len < sizeof na || na.nla_len > len)
			return -1;
		t = na.nla_type & NLA_TYPE_MASK;
		if (t < TB_MAX) {
			tb[t].p = p + NLA_HDRLEN;
			tb[t].len = na.nla_len - NLA_HDRLEN;
		}
		step = NLA_ALIGN(na.nla_len);
		if (step >= len)
			break;
		p += step;
		len -= step;
	}
	return 0;
}

static int be32(const struct attr *a, uint32_t *v)
{
	uint32_t x;

	if (!a->p || a->len < 4)
		return -1;
	memcpy(&x, a->p, 4);
	*v = ntohl(x);
	return 0;
}

static int be16(const struct attr *a, uint16_t *v)
{
	uint16_t x;

	if (!a->p || a->len < 2)
		return -1;
	memcpy(&x, a->p, 2);
	*v = ntohs(x);
	return 0;
}

static int u8(const struct attr *a, uint8_t *v)
{
	if (!a->p || a->len < 1)
		return -1;
	*v = a->p[0];
	return 0;
}

static int addr(const struct attr *a, int family, struct nr_addr *out)
{
	size_t n = family == AF_INET ? 4 : 16;

	if (!a->p)
		return 0;
	if (a->len < n)
		return -1;
	out->family = family;
	memcpy(out->a, a->p, n);
	return 0;
}

static int tuple_ip(const struct attr *nest, struct ctnl_tuple *t)
{
	struct attr tb[TB_MAX];

	if (attrs(nest->p, nest->len, tb) < 0)
		return -1;
	if (addr(&tb[CTA_IP_V4_SRC], AF_INET, &t->src) < 0 || addr(&tb[CTA_IP_V4_DST], AF_INET, &t->dst) < 0 ||
	    addr(&tb[CTA_IP_V6_SRC], AF_INET6, &t->src) < 0 || addr(&tb[CTA_IP_V6_DST], AF_INET6, &t->dst) < 0)
		return -1;
	return 0;
}

static int tuple_proto(const struct attr *nest, struct ctnl_tuple *t)
{
	struct attr tb[TB_MAX];
	uint8_t num;
	int v6;

	if (attrs(nest->p, nest->len, tb) < 0 || u8(&tb[CTA_PROTO_NUM], &num) < 0)
		return -1;
	t->proto = num;
	if (tb[CTA_PROTO_SRC_PORT].p || tb[CTA_PROTO_DST_PORT].p) {
		if (be16(&tb[CTA_PROTO_SRC_PORT], &t->sport) < 0 || be16(&tb[CTA_PROTO_DST_PORT], &t->dport) < 0)
			return -1;
		t->has_ports = 1;
	}
	v6 = tb[CTA_PROTO_ICMPV6_TYPE].p != NULL;
	if (tb[CTA_PROTO_ICMP_TYPE].p || v6) {
		if (u8(&tb[v6 ? CTA_PROTO_ICMPV6_TYPE : CTA_PROTO_ICMP_TYPE], &t->icmp_type) < 0 ||
		    u8(&tb[v6 ? CTA_PROTO_ICMPV6_CODE : CTA_PROTO_ICMP_CODE], &t->icmp_code) < 0 ||
		    be16(&tb[v6 ? CTA_PROTO_ICMPV6_ID : CTA_PROTO_ICMP_ID], &t->icmp_id) < 0)
			return -1;
		t->has_icmp = 1;
	}
	return 0;
}

static int tuple(const struct attr *nest, struct ctnl_tuple *t)
{
	struct attr tb[TB_MAX];

	memset(t, 0, sizeof *t);
	t->proto = -1;
	if (!nest->p)
		return 0;
	if (attrs(nest->p, nest->len, tb) < 0)
		return -1;
	if (tb[CTA_TUPLE_IP].p && tuple_ip(&tb[CTA_TUPLE_IP], t) < 0)
		return -1;
	if (tb[CTA_TUPLE_PROTO].p && tuple_proto(&tb[CTA_TUPLE_PROTO], t) < 0)
		return -1;
	return 0;
}

static int tcp_state(const struct attr *nest, int *state)
{
	struct attr tb[TB_MAX], tcp[TB_MAX];
	uint8_t s;

	if (!nest->p)
		return 0;
	if (attrs(nest->p, nest->len, tb) < 0)
		return -1;
	if (!tb[CTA_PROTOINFO_TCP].p)
		return 0;
	if (attrs(tb[CTA_PROTOINFO_TCP].p, tb[CTA_PROTOINFO_TCP].len, tcp) < 0)
		return -1;
	if (tcp[CTA_PROTOINFO_TCP_STATE].p) {
		if (u8(&tcp[CTA_PROTOINFO_TCP_STATE], &s) < 0)
			return -1;
		*state = s;
	}
	return 0;
}

int ctnl_flow_parse(const void *payload, size_t len, struct ctnl_flow *out)
{
	const unsigned char *p = payload;
	struct attr tb[TB_MAX];

	memset(out, 0, sizeof *out);
	out->tcp_state = -1;
	if (len < sizeof(struct nfgenmsg))
		return -1;
	if (attrs(p + NLMSG_ALIGN(sizeof(struct nfgenmsg)), len - NLMSG_ALIGN(sizeof(struct nfgenmsg)), tb) < 0)
		return -1;
	if (tuple(&tb[CTA_TUPLE_ORIG], &out->orig) < 0 || tuple(&tb[CTA_TUPLE_REPLY], &out->reply) < 0 ||
	    tcp_state(&tb[CTA_PROTOINFO], &out->tcp_state) < 0)
		return -1;
	if (tb[CTA_STATUS].p) {
		if (be32(&tb[CTA_STATUS], &out->status) < 0)
			return -1;
		out->has_status = 1;
		out->unreplied = !(out->status & IPS_SEEN_REPLY);
		out->assured = !!(out->status & IPS_ASSURED);
	}
	if (tb[CTA_MARK].p && (out->has_mark = be32(&tb[CTA_MARK], &out->mark) == 0) == 0)
		return -1;
	if (tb[CTA_TIMEOUT].p && (out->has_timeout = be32(&tb[CTA_TIMEOUT], &out->timeout) == 0) == 0)
		return -1;
	if (tb[CTA_ID].p && (out->has_id = be32(&tb[CTA_ID], &out->id) == 0) == 0)
		return -1;
	if (tb[CTA_ZONE].p && be16(&tb[CTA_ZONE], &out->zone) < 0)
		return -1;
	if (out->orig.proto != IPPROTO_TCP)
		out->tcp_state = -1;
	return 0;
}

/* One message: a conntrack entry, NLMSG_DONE, an NLMSG_ERROR, or something to skip. */
static int one_msg(const struct nlmsghdr *h, const unsigned char *body, size_t blen,
		   ctnl_flow_cb cb, void *arg, struct nr_err *e)
{
	struct ctnl_flow fl;
	int32_t err;
	int rc;

	if (h->nlmsg_type == NLMSG_DONE)
		return 0;
	if (h->nlmsg_type == NLMSG_ERROR) {
		if (blen < sizeof err)
			return nr_fail(e, NR_E_PARSE, 0, "ctnl", "short NLMSG_ERROR");
		memcpy(&err, body, sizeof err);
		if (err == 0)
			return 0; /* an ACK */
		return nr_fail(e, NR_E_CTNL_DUMP, -err, "ctnl", "the kernel refused the dump");
	}
	if (h->nlmsg_type >> 8 != NFNL_SUBSYS_CTNETLINK || (h->nlmsg_type & 0xff) != IPCTNL_MSG_CT_NEW)
		return 2; /* not a conntrack entry (NLMSG_NOOP, ...): skip */
	if (ctnl_flow_parse(body, blen, &fl) < 0)
		return nr_fail(e, NR_E_PARSE, 0, "ctnl", "malformed conntrack entry");
	rc = cb(&fl, arg);
	return rc < 0 ? -1 : rc == 0 ? 0 : 2;
}

int ctnl_walk_buf(const void *buf, size_t len, const struct ctnl_check *chk, ctnl_flow_cb cb,
		  void *arg, struct nr_err *e)
{
	const unsigned char *p = buf;
	struct nlmsghdr h;
	int rc;

	while (len >= sizeof h) {
		memcpy(&h, p, sizeof h);
		if (h.nlmsg_len < NLMSG_HDRLEN || h.nlmsg_len > len)
			return nr_fail(e, NR_E_PARSE, 0, "ctnl", "message length %u of %zu bytes", h.nlmsg_len, len);
		/* Another request's answer (or a stray sender) on our socket breaks the dump. */
		if (chk && (h.nlmsg_seq != chk->seq || h.nlmsg_pid != chk->portid))
			return nr_fail(e, NR_E_NL_PROTO, 0, "ctnl", "reply seq %u port %u, want %u/%u",
				       h.nlmsg_seq, h.nlmsg_pid, chk->seq, chk->portid);
		rc = one_msg(&h, p + NLMSG_HDRLEN, h.nlmsg_len - NLMSG_HDRLEN, cb, arg, e);
		if (rc <= 0)
			return rc;
		if (NLMSG_ALIGN(h.nlmsg_len) >= len)
			break;
		p += NLMSG_ALIGN(h.nlmsg_len);
		len -= NLMSG_ALIGN(h.nlmsg_len);
	}
	return 1;
}

int ctnl_parse_buf(const void *buf, size_t len, ctnl_flow_cb cb, void *arg, struct nr_err *e)
{
	return ctnl_walk_buf(buf, len, NULL, cb, arg, e);
}

const char *ctnl_tcp_state_name(int state)
{
	/* The kernel's tcp_conntrack_names[], as `conntrack -L` prints them. */
	static const char *const n[] = { "NONE", "SYN_SENT", "SYN_RECV", "ESTABLISHED", "FIN_WAIT",
					 "CLOSE_WAIT", "LAST_ACK", "TIME_WAIT", "CLOSE", "SYN_SENT2" };

	if (state < 0)
		return NULL;
	return (size_t)state < sizeof n / sizeof n[0] ? n[state] : "UNKNOWN";
}

const char *ctnl_proto_name(int proto, char *buf, size_t cap)
{
	switch (proto) {
	case IPPROTO_TCP: return "tcp";
	case IPPROTO_UDP: return "udp";
	case IPPROTO_ICMP: return "icmp";
	case IPPROTO_ICMPV6: return "icmpv6";
	case IPPROTO_SCTP: return "sctp";
	case IPPROTO_UDPLITE: return "udplite";
	case IPPROTO_DCCP: return "dccp";
	case IPPROTO_GRE: return "gre";
	default:
		snprintf(buf, cap, "%d", proto);
		return buf;
	}
}
