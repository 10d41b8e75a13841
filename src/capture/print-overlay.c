/* Overlays: the pod-to-pod packet inside is what the user is after, so each prints its own
 * header in tcpdump's words and then the inner packet on the same line (tcpdump puts a VXLAN
 * inner frame on a second line; netrescue keeps one line per packet and writes ": " there).
 * VXLAN (RFC 7348), Geneve (RFC 8926), GRE (RFC 2784, keys and sequence numbers RFC 2890). */
#include "capture/print.h"

enum { VXLAN_HDR = 8, GENEVE_HDR = 8, VXLAN_I = 0x08 };

void pr_vxlan(struct out *o, const unsigned char *p, size_t cap, size_t len)
{
	if (cap < VXLAN_HDR || len < VXLAN_HDR) {
		outf(o, "VXLAN [truncated], length %zu", len);
		return;
	}
	outf(o, "VXLAN, flags [%s] (0x%02x), ", p[0] & VXLAN_I ? "I" : "invalid", p[0]);
	if (!(p[0] & VXLAN_I)) { /* RFC 7348: the I flag MUST be set */
		outf(o, "ERROR: I flag not set");
		return;
	}
	outf(o, "vni %lu: ", be24(p + 4));
	pr_ether(o, p + VXLAN_HDR, cap - VXLAN_HDR, len - VXLAN_HDR);
}

void pr_geneve(struct out *o, const unsigned char *p, size_t cap, size_t len)
{
	size_t opts;
	unsigned proto;

	if (cap < GENEVE_HDR || len < GENEVE_HDR) {
		outf(o, "Geneve [truncated], length %zu", len);
		return;
	}
	if (p[0] >> 6) {
		outf(o, "Geneve ERROR: unknown-version %u", p[0] >> 6);
		return;
	}
	proto = be16(p + 2);
	opts = (size_t)(p[0] & 0x3f) * 4;
	outf(o, "Geneve, Flags [%s%s%s]", p[1] & 0x80 ? "O" : "", p[1] & 0x40 ? "C" : "",
	     p[1] & 0xc0 ? "" : "none");
	outf(o, ", vni 0x%lx", be24(p + 4));
	if (p[7])
		outf(o, ", rsvd 0x%x", p[7]);
	if (o->flags & CAPTURE_DECODE_LINK)
		outf(o, ", proto %s (0x%04x)", pr_ether_name(proto), proto);
	if (GENEVE_HDR + opts > len || GENEVE_HDR + opts > cap) {
		outf(o, " (opts_len %zu > %zu) [truncated]", opts, len - GENEVE_HDR);
		return;
	}
	if (opts)
		outf(o, ", options [%zu bytes]", opts);
	outf(o, ": ");
	p += GENEVE_HDR + opts, cap -= GENEVE_HDR + opts, len -= GENEVE_HDR + opts;
	if (proto == ET_TEB)
		pr_ether(o, p, cap, len);
	else if (proto == ET_IPV4 || proto == ET_IPV6)
		pr_ethertype(o, proto, p, cap, len);
	else
		outf(o, "geneve-proto-0x%x", proto);
}

enum { GRE_CP = 0x8000, GRE_RP = 0x4000, GRE_KP = 0x2000, GRE_SP = 0x1000 };

void pr_gre(struct out *o, const unsigned char *p, size_t cap, size_t len)
{
	size_t off = 4;
	unsigned flags, proto;

	if (cap < 4 || len < 4) {
		outf(o, "GRE [truncated], length %zu", len);
		return;
	}
	flags = be16(p);
	proto = be16(p + 2);
	outf(o, "GREv%u", flags & 7);
	if ((flags & 7) != 0 || (flags & GRE_RP)) { /* PPTP (v1) and source routes: header only */
		outf(o, ", length %zu", len);
		return;
	}
	if (flags & GRE_CP) {
		if (off + 4 > cap)
			goto trunc;
		outf(o, ", off 0x%x", be16(p + off + 2));
		off += 4;
	}
	if (flags & GRE_KP) {
		if (off + 4 > cap)
			goto trunc;
		outf(o, ", key=0x%lx", be32(p + off));
		off += 4;
	}
	if (flags & GRE_SP) {
		if (off + 4 > cap)
			goto trunc;
		outf(o, ", seq %lu", be32(p + off));
		off += 4;
	}
	if (o->flags & CAPTURE_DECODE_LINK)
		outf(o, ", proto %s (0x%04x)", pr_ether_name(proto), proto);
	outf(o, ", length %zu: ", len);
	if (off > len)
		goto trunc;
	if (proto == ET_IPV4 || proto == ET_IPV6 || proto == ET_TEB)
		pr_ethertype(o, proto, p + off, cap - off, len - off);
	else if (proto == 0)
		outf(o, "keep-alive");
	else
		outf(o, "gre-proto-0x%x", proto);
	return;
trunc:
	outf(o, " [truncated]");
}
