/* ARP for IPv4 over Ethernet (RFC 826), as tcpdump -n prints it. */
#include "capture/print.h"

void pr_arp(struct out *o, const unsigned char *p, size_t cap, size_t len)
{
	const char *w = o->link ? "" : "ARP, ";
	char spa[16], tpa[16];
	unsigned op;

	if (cap < 28 || be16(p) != 1 || be16(p + 2) != ET_IPV4 || p[4] != 6 || p[5] != 4) {
		outf(o, "%s[not Ethernet/IPv4 or truncated], length %zu", w, len);
		return;
	}
	op = be16(p + 6);
	ip4_str(p + 14, spa);
	ip4_str(p + 24, tpa);
	if (op == 1)
		outf(o, "%sRequest who-has %s tell %s, length %zu", w, tpa, spa, len);
	else if (op == 2)
		outf(o, "%sReply %s is-at %02x:%02x:%02x:%02x:%02x:%02x, length %zu", w, spa,
		     p[8], p[9], p[10], p[11], p[12], p[13], len);
	else
		outf(o, "%sop %u, length %zu", w, op, len);
}
