/* UDP, and what rides on it: DNS, and the overlays (VXLAN, Geneve). */
#include "capture/print.h"

/* Overlay ports: VXLAN 4789 (IANA) and 8472 (Linux's default, Flannel and Cilium), Geneve 6081. */
enum { PORT_VXLAN = 4789, PORT_VXLAN_LINUX = 8472, PORT_GENEVE = 6081 };

static int port(unsigned sport, unsigned dport, unsigned p) { return sport == p || dport == p; }

void pr_udp(struct out *o, const char *src, const char *dst, const unsigned char *p,
	    size_t cap, size_t len)
{
	unsigned sport, dport, ulen;
	size_t dn, wn;

	if (cap < 8 || len < 8) {
		out_addrs(o, src, dst, -1, -1);
		outf(o, "udp [truncated]");
		return;
	}
	sport = be16(p), dport = be16(p + 2), ulen = be16(p + 4);
	out_addrs(o, src, dst, (int)sport, (int)dport);
	if (ulen < 8) {
		outf(o, "UDP, bad length %u", ulen);
		return;
	}
	dn = cap - 8 < (size_t)ulen - 8 ? cap - 8 : (size_t)ulen - 8;
	wn = (size_t)ulen - 8;
	if (o->flags & CAPTURE_DECODE_QUICK) {
		outf(o, "UDP, length %u", ulen - 8);
	} else if (port(sport, dport, 53) || port(sport, dport, 5353)) {
		if (o->n && o->p[o->n - 1] == ' ') /* pr_dns() starts with its own space */
			o->p[--o->n] = 0;
		pr_dns(o, p + 8, dn);
	} else if ((port(sport, dport, PORT_VXLAN) || port(sport, dport, PORT_VXLAN_LINUX)) &&
		   o->depth < PRINT_MAX_DEPTH) {
		o->depth++;
		pr_vxlan(o, p + 8, dn, wn);
	} else if (dport == PORT_GENEVE && o->depth < PRINT_MAX_DEPTH) {
		o->depth++;
		pr_geneve(o, p + 8, dn, wn);
	} else {
		outf(o, "UDP, length %u", ulen - 8);
	}
}
