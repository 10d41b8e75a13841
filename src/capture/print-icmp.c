/* ICMP (RFC 792) and ICMPv6 (RFC 4443, 4861): what could not be reached and why, the MTU a
 * router asks for. */
#include <arpa/inet.h>

#include "capture/print.h"

/* tcpdump: "10.4.0.3 udp port 5000 unreachable", from the quoted datagram. */
static void port_unreach(struct out *o, const char *in, const unsigned char *ip, size_t cap)
{
	size_t ihl = cap >= 20 ? (size_t)(ip[0] & 0xf) * 4 : 0;

	if (ihl >= 20 && cap >= ihl + 4 && (ip[9] == 17 || ip[9] == 6))
		outf(o, "%s %s port %u unreachable", in, ip[9] == 17 ? "udp" : "tcp", be16(ip + ihl + 2));
	else
		outf(o, "%s port unreachable", in);
}

void pr_icmp4(struct out *o, const char *src, const char *dst, const unsigned char *p,
		  size_t cap, size_t len)
{
	char in[16];

	out_addrs(o, src, dst, -1, -1);
	outf(o, "ICMP ");
	if (cap < 8) {
		outf(o, "[truncated]");
		return;
	}
	switch (p[0]) {
	case 0:
	case 8:
		outf(o, "echo %s, id %u, seq %u", p[0] ? "request" : "reply", be16(p + 4), be16(p + 6));
		break;
	case 3:
		/* The original datagram's destination is what could not be reached. */
		if (cap >= 8 + 20)
			ip4_str(p + 8 + 16, in);
		else
			snprintf(in, sizeof in, "?");
		if (p[1] == 4)
			outf(o, "%s unreachable - need to frag (mtu %u)", in, be16(p + 6));
		else if (p[1] == 0 || p[1] == 1)
			outf(o, "%s %s unreachable", p[1] ? "host" : "net", in);
		else if (p[1] == 2)
			outf(o, "%s protocol %u unreachable", in, cap >= 8 + 20 ? p[8 + 9] : 0);
		else if (p[1] == 3)
			port_unreach(o, in, p + 8, cap - 8);
		else
			outf(o, "%s unreachable, code %u", in, p[1]);
		break;
	case 11:
		outf(o, "time exceeded %s", p[1] ? "in-reassembly" : "in-transit");
		break;
	case 5:
		outf(o, "redirect");
		break;
	default:
		outf(o, "type %u, code %u", p[0], p[1]);
	}
	outf(o, ", length %zu", len);
}

void pr_icmp6(struct out *o, const char *src, const char *dst, const unsigned char *p,
		  size_t cap, size_t len)
{
	char a[INET6_ADDRSTRLEN];

	out_addrs(o, src, dst, -1, -1);
	outf(o, "ICMP6, ");
	if (cap < 8) {
		outf(o, "[truncated]");
		return;
	}
	switch (p[0]) {
	case 1: outf(o, "destination unreachable, code %u", p[1]); break;
	case 2: outf(o, "packet too big, mtu %lu", be32(p + 4)); break;
	case 3: outf(o, "time exceeded"); break;
	case 128:
	case 129:
		outf(o, "echo %s, id %u, seq %u", p[0] == 128 ? "request" : "reply", be16(p + 4), be16(p + 6));
		break;
	case 130: outf(o, "multicast listener query"); break;
	case 131: outf(o, "multicast listener report"); break;
	case 143: outf(o, "multicast listener report v2, %u group record(s)", be16(p + 6)); break;
	case 133: outf(o, "router solicitation"); break;
	case 134: outf(o, "router advertisement"); break;
	case 135:
	case 136:
		if (cap >= 24) {
			ip6_str(p + 8, a);
			outf(o, p[0] == 135 ? "neighbor solicitation, who has %s" :
			     "neighbor advertisement, tgt is %s", a);
		} else {
			outf(o, "neighbor %s", p[0] == 135 ? "solicitation" : "advertisement");
		}
		break;
	default: outf(o, "type %u, code %u", p[0], p[1]);
	}
	outf(o, ", length %zu", len);
}

