/* Ethernet (DIX and 802.3), 802.1Q/802.1ad tags, Linux cooked headers v1 and v2, and the
 * ethertype dispatch that the overlays come back to (print-ether.c/print-sll.c in tcpdump). */
#include "capture/print.h"

const char *pr_ether_name(unsigned type)
{
	switch (type) {
	case ET_IPV4: return "IPv4";
	case ET_IPV6: return "IPv6";
	case ET_ARP: return "ARP";
	case ET_VLAN: return "802.1Q";
	case ET_QINQ: return "802.1Q-QinQ";
	case ET_TEB: return "TEB";
	}
	return "Unknown";
}

void pr_ethertype(struct out *o, unsigned type, const unsigned char *p, size_t cap, size_t len)
{
	if (type == ET_IPV4)
		pr_ipv4(o, p, cap);
	else if (type == ET_IPV6)
		pr_ipv6(o, p, cap);
	else if (type == ET_ARP)
		pr_arp(o, p, cap, len);
	else if (type == ET_TEB && o->depth < PRINT_MAX_DEPTH)
		o->depth++, pr_ether(o, p, cap, len);
	else
		outf(o, "ethertype %s (0x%04x), length %zu", pr_ether_name(type), type, len);
}

static void mac(struct out *o, const unsigned char *m)
{
	outf(o, "%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2], m[3], m[4], m[5]);
}

/* tcpdump -e: "SRC > DST, ethertype IPv4 (0x0800), length 98: " (MACs matter on a bridge);
 * an 802.3 frame: "SRC > DST, 802.3, length 60: ". */
static void ether_hdr(struct out *o, const unsigned char *p, size_t cap, size_t len)
{
	size_t off = 12;
	unsigned type = be16(p + off);

	mac(o, p + 6);
	outf(o, " > ");
	mac(o, p);
	outf(o, ", ");
	while ((type == ET_VLAN || type == ET_QINQ) && off + 6 <= cap) {
		outf(o, "ethertype %s (0x%04x), vlan %u, p %u, ", pr_ether_name(type), type,
		     be16(p + off + 2) & 0xfff, p[off + 2] >> 5);
		off += 4;
		type = be16(p + off);
	}
	if (type <= ET_MAXLEN) /* tcpdump shows the 802.3 length field itself */
		outf(o, "802.3, length %u: ", type);
	else
		outf(o, "ethertype %s (0x%04x), length %zu: ", pr_ether_name(type), type, len);
}

void pr_ether(struct out *o, const unsigned char *p, size_t cap, size_t len)
{
	size_t off = 12, rest;
	unsigned type;
	int tags = 0;

	if (cap < 14) {
		outf(o, "[truncated ethernet]");
		return;
	}
	/* The inner frame of an overlay shows its MACs only with -e, like the outer one. */
	if (o->flags & CAPTURE_DECODE_LINK)
		ether_hdr(o, p, cap, len);
	type = be16(p + off);
	/* 802.1Q / 802.1ad tags (at most two: QinQ). */
	while ((type == ET_VLAN || type == ET_QINQ) && tags < 2 && off + 6 <= cap) {
		if (!o->link)
			outf(o, "vlan %u, ", be16(p + off + 2) & 0xfff);
		off += 4;
		type = be16(p + off);
		tags++;
	}
	off += 2;
	rest = len > off ? len - off : 0;
	if (type <= ET_MAXLEN) /* 802.3: a length, then LLC (STP, SNAP) */
		pr_llc(o, p + off, cap - off, type < rest ? type : rest);
	else
		pr_ethertype(o, type, p + off, cap - off, rest);
}

/* Linux's PACKET_* pkttype names, as tcpdump prints them. */
static const char *const sll_dir[] = { "In", "B", "M", "P", "Out" };

/* SLL protocol values below 1536 are ARPHRD-specific (include/uapi/linux/if_ether.h). */
enum { SLL_P_802_3 = 1, SLL_P_802_2 = 4 };

void pr_sll(struct out *o, const unsigned char *p, size_t cap, size_t len, int v2)
{
	size_t hl = v2 ? 20 : 16;
	unsigned pkttype, proto, halen;
	const char *dir, *ifn;
	char ifnum[16];

	if (cap < hl) {
		outf(o, "[truncated cooked header]");
		return;
	}
	pkttype = v2 ? p[10] : be16(p);
	proto = be16(v2 ? p : p + 14);
	halen = v2 ? p[11] : be16(p + 4);
	dir = pkttype < 5 ? sll_dir[pkttype] : "?";
	if (v2) {
		/* tcpdump: "%-5s %-3s " interface and direction, always. */
		ifn = o->d->ifname ? o->d->ifname((unsigned)be32(p + 4), o->d->arg) : NULL;
		if (!ifn) {
			snprintf(ifnum, sizeof ifnum, "%s", "?");
			ifn = ifnum;
		}
		outf(o, "%-5s %-3s ", ifn, dir);
	}
	if (o->flags & CAPTURE_DECODE_LINK) {
		if (!v2)
			outf(o, "%3s ", dir);
		if (halen == 6)
			outf(o, "%02x:%02x:%02x:%02x:%02x:%02x ", p[v2 ? 12 : 6], p[v2 ? 13 : 7],
			     p[v2 ? 14 : 8], p[v2 ? 15 : 9], p[v2 ? 16 : 10], p[v2 ? 17 : 11]);
		if (proto == SLL_P_802_3)
			outf(o, "802.3");
		else if (proto == SLL_P_802_2)
			outf(o, "802.2");
		else
			outf(o, "ethertype %s (0x%04x)", pr_ether_name(proto), proto);
		outf(o, ", length %zu: ", len);
		o->link = 1;
	}
	if (proto == SLL_P_802_2)
		pr_llc(o, p + hl, cap - hl, len > hl ? len - hl : 0);
	else if (proto <= ET_MAXLEN)
		outf(o, "cooked protocol 0x%04x, length %zu", proto, len > hl ? len - hl : 0);
	else
		pr_ethertype(o, proto, p + hl, cap - hl, len > hl ? len - hl : 0);
}
