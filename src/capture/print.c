/* The decoder's entry (tcpdump's print.c): picks the printer for the link type, and the helpers
 * every printer shares. Every byte comes from the wire: each read is checked against the bytes
 * captured (caplen), never against lengths the packet claims. Nothing here allocates. */
#include <arpa/inet.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "capture/print.h"

void outf(struct out *o, const char *fmt, ...)
{
	va_list ap;
	int k;

	if (o->n + 1 >= o->cap)
		return;
	va_start(ap, fmt);
	k = vsnprintf(o->p + o->n, o->cap - o->n, fmt, ap);
	va_end(ap);
	if (k > 0)
		o->n = o->n + (size_t)k < o->cap ? o->n + (size_t)k : o->cap - 1;
}

void out_bytes(struct out *o, const unsigned char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (s[i] > 0x20 && s[i] < 0x7f && s[i] != '\\')
			outf(o, "%c", s[i]);
		else
			outf(o, "\\x%02x", s[i]);
}

void ip4_str(const unsigned char *a, char *buf)
{
	snprintf(buf, 16, "%u.%u.%u.%u", a[0], a[1], a[2], a[3]);
}

void ip6_str(const unsigned char *a, char *buf)
{
	if (!inet_ntop(AF_INET6, a, buf, INET6_ADDRSTRLEN))
		snprintf(buf, INET6_ADDRSTRLEN, "?");
}

void out_addrs(struct out *o, const char *src, const char *dst, int sport, int dport)
{
	if (sport >= 0)
		outf(o, "%s.%d > %s.%d: ", src, sport, dst, dport);
	else
		outf(o, "%s > %s: ", src, dst);
	if (o->hbh)
		outf(o, "HBH ");
}

size_t capture_decode(char *buf, size_t cap, int linktype, const struct capture_dec *d,
		      const unsigned char *pkt, size_t caplen, size_t wirelen)
{
	static const struct capture_dec none;
	struct out o = { buf, cap, 0, 0, 0, 0, 0, d ? d : &none };

	if (!cap)
		return 0;
	buf[0] = 0;
	o.flags = o.d->flags;
	switch (linktype) {
	case LT_EN10MB:
		o.link = (o.flags & CAPTURE_DECODE_LINK) != 0;
		pr_ether(&o, pkt, caplen, wirelen);
		break;
	case LT_LINUX_SLL: pr_sll(&o, pkt, caplen, wirelen, 0); break;
	case LT_LINUX_SLL2: pr_sll(&o, pkt, caplen, wirelen, 1); break;
	case LT_RAW:
	case LT_RAW_FILE:
	case LT_IPV4:
	case LT_IPV6:
		if (caplen && (pkt[0] >> 4) == 6)
			pr_ipv6(&o, pkt, caplen);
		else
			pr_ipv4(&o, pkt, caplen);
		break;
	case LT_NULL:
		if (caplen >= 4)
			pr_ethertype(&o, (pkt[0] == 2 || pkt[3] == 2) ? ET_IPV4 : ET_IPV6, pkt + 4, caplen - 4,
				     wirelen > 4 ? wirelen - 4 : 0);
		break;
	default:
		outf(&o, "linktype %d, length %zu", linktype, wirelen);
	}
	return o.n;
}

/* --- payload views (tcpdump -A / -X), from the network header on -------------------------- */

size_t capture_link_hdrlen(int linktype, const unsigned char *pkt, size_t caplen)
{
	size_t off = 12;

	switch (linktype) {
	case LT_EN10MB:
		while (off + 2 <= caplen && (be16(pkt + off) == ET_VLAN || be16(pkt + off) == ET_QINQ))
			off += 4;
		off += 2;
		break;
	case LT_LINUX_SLL: off = 16; break;
	case LT_LINUX_SLL2: off = 20; break;
	case LT_NULL: off = 4; break;
	default: off = 0;
	}
	return off < caplen ? off : caplen;
}

/* tcpdump's ND_ASCII_ISGRAPH: '!'..'~'. */
static int graph(unsigned c) { return c > 0x20 && c < 0x7f; }

void capture_ascii(FILE *f, const unsigned char *p, size_t n)
{
	size_t i;

	/* tcpdump's ascii_print: a CR before LF is dropped, other non-printables become '.'. */
	fputc('\n', f);
	for (i = 0; i < n; i++) {
		if (p[i] == '\r')
			fputs(i + 1 < n && p[i + 1] == '\n' ? "" : ".", f);
		else
			fputc(graph(p[i]) || p[i] == '\t' || p[i] == ' ' || p[i] == '\n' ? p[i] : '.', f);
	}
}

void capture_hex(FILE *f, const unsigned char *p, size_t n)
{
	/* tcpdump's hex_and_ascii_print: "\n\t0x0000:  4500 0054 ...  E..T..", 16 bytes a line. */
	char hex[48], asc[17];
	size_t off, i, h, k;

	for (off = 0; off < n; off += 16) {
		k = n - off < 16 ? n - off : 16;
		for (i = 0, h = 0; i < k; i++) {
			h += (size_t)snprintf(hex + h, sizeof hex - h, i % 2 ? "%02x" : " %02x", p[off + i]);
			asc[i] = graph(p[off + i]) ? (char)p[off + i] : '.';
		}
		asc[k] = 0;
		fprintf(f, "\n\t0x%04zx: %-40s  %s", off, hex, asc);
	}
}
