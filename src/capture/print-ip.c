/* IPv4 (RFC 791) and IPv6 (RFC 8200) headers and the protocol dispatch, IP-in-IP included. */
#include <arpa/inet.h>

#include "capture/print.h"

/* V6_MAX_EXT: IPv6 extension headers walked before giving up (RFC 8200 packets carry few). */
#define V6_MAX_EXT 8

/* IANA protocol numbers this decoder follows. */
enum {
	P_ICMP = 1, P_IPIP = 4, P_TCP = 6, P_UDP = 17, P_DCCP = 33, P_IPV6 = 41, P_GRE = 47,
	P_ICMP6 = 58, P_SCTP = 132,
};

static void l4(struct out *o, unsigned proto, const char *src, const char *dst,
	       const unsigned char *p, size_t cap, size_t len, int v6)
{
	if (proto == P_TCP)
		pr_tcp(o, src, dst, p, cap, len);
	else if (proto == P_UDP)
		pr_udp(o, src, dst, p, cap, len);
	else if (proto == P_ICMP && !v6)
		pr_icmp4(o, src, dst, p, cap, len);
	else if (proto == P_ICMP6 && v6)
		pr_icmp6(o, src, dst, p, cap, len);
	else if (proto == P_SCTP)
		pr_sctp(o, src, dst, p, cap, len);
	else if (proto == P_DCCP)
		pr_dccp(o, src, dst, p, cap, len);
	else if ((proto == P_IPIP || proto == P_IPV6 || proto == P_GRE) && o->depth < PRINT_MAX_DEPTH) {
		/* Tunnels (IP-in-IP as Calico uses it, 6in4, GRE): the inner packet on the same
		 * line, as tcpdump does. */
		out_addrs(o, src, dst, -1, -1);
		o->depth++;
		o->hbh = 0;
		if (proto == P_GRE)
			pr_gre(o, p, cap, len);
		else if (proto == P_IPIP)
			pr_ipv4(o, p, cap);
		else
			pr_ipv6(o, p, cap);
	} else {
		out_addrs(o, src, dst, -1, -1), outf(o, "ip-proto-%u %zu", proto, len);
	}
}

/* --- network ------------------------------------------------------------------------------- */

void pr_ipv4(struct out *o, const unsigned char *p, size_t cap)
{
	char s[16], d[16];
	unsigned ihl, tot, frag;
	size_t len;

	if (cap < 20 || (p[0] >> 4) != 4) {
		outf(o, "IP [truncated or bad version]");
		return;
	}
	ihl = (unsigned)(p[0] & 0xf) * 4;
	tot = be16(p + 2);
	if (ihl < 20 || ihl > cap || tot < ihl) {
		outf(o, "IP [bad header length %u, total %u]", ihl, tot);
		return;
	}
	ip4_str(p + 12, s);
	ip4_str(p + 16, d);
	if (!o->link)
		outf(o, "IP ");
	frag = be16(p + 6);
	len = tot - ihl;
	if (frag & 0x1fff) {
		outf(o, "%s > %s: ip-proto-%u, fragment offset %u, length %zu", s, d, p[9],
		     (frag & 0x1fff) * 8, len);
		return;
	}
	l4(o, p[9], s, d, p + ihl, (cap < tot ? cap : tot) - ihl, len, 0);
	if (frag & 0x2000)
		outf(o, " (first fragment)");
}

void pr_ipv6(struct out *o, const unsigned char *p, size_t cap)
{
	char s[INET6_ADDRSTRLEN], d[INET6_ADDRSTRLEN];
	unsigned nh, i;
	size_t off = 40, len, end;

	if (cap < 40 || (p[0] >> 4) != 6) {
		outf(o, "IP6 [truncated or bad version]");
		return;
	}
	ip6_str(p + 8, s);
	ip6_str(p + 24, d);
	len = be16(p + 4);
	end = 40 + len < cap ? 40 + len : cap;
	nh = p[6];
	o->hbh = nh == 0;
	if (!o->link)
		outf(o, "IP6 ");
	/* Hop-by-hop, routing, fragment, destination options: skip to the transport header. */
	for (i = 0; i < V6_MAX_EXT && (nh == 0 || nh == 43 || nh == 44 || nh == 60); i++) {
		size_t el;

		if (off + 8 > end) {
			outf(o, "%s > %s: [truncated extension header]", s, d);
			return;
		}
		if (nh == 44 && (be16(p + off + 2) & 0xfff8)) {
			outf(o, "%s > %s: fragment, length %zu", s, d, len);
			return;
		}
		el = nh == 44 ? 8 : ((size_t)p[off + 1] + 1) * 8;
		nh = p[off];
		off += el;
	}
	if (off > end || off > 40 + len) {
		outf(o, "%s > %s: [bad extension headers]", s, d);
		return;
	}
	l4(o, nh, s, d, p + off, end - off, 40 + len - off, 1);
}

