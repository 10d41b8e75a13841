/* TCP (RFC 9293) as tcpdump -n -S prints it, plus the names connectivity work looks for:
 * [SYN], [SYN-ACK], [RST]; the payload is named when it is DNS, HTTP or a TLS handshake. */
#include "capture/print.h"


/* One TCP option as tcpdump writes it. The MSS says what MTU the peer believes in. */
static void tcp_opt(struct out *o, unsigned k, const unsigned char *v, unsigned l)
{
	unsigned i;

	if (k == 2 && l == 2)
		outf(o, "mss %u", be16(v));
	else if (k == 3 && l == 1)
		outf(o, "wscale %u", v[0]);
	else if (k == 4 && l == 0)
		outf(o, "sackOK");
	else if (k == 8 && l == 8)
		outf(o, "TS val %lu ecr %lu", be32(v), be32(v + 4));
	else if (k == 5 && l % 8 == 0) {
		outf(o, "sack %u", l / 8);
		for (i = 0; i < l; i += 8)
			outf(o, " {%lu:%lu}", be32(v + i), be32(v + i + 4));
	} else if (k == 34)
		outf(o, "tfo%s", l ? " cookie" : "  cookiereq");
	else
		outf(o, "opt-%u:%u", k, l);
}

static void tcp_opts(struct out *o, const unsigned char *p, size_t n)
{
	size_t off = 0;
	unsigned l;

	if (!n)
		return;
	outf(o, ", options [");
	while (off < n) {
		unsigned k = p[off];

		if (off)
			outf(o, ",");
		if (k == 0 || k == 1) {
			outf(o, k ? "nop" : "eol");
			off++;
			if (!k)
				break;
			continue;
		}
		if (off + 2 > n || (l = p[off + 1]) < 2 || off + l > n) {
			outf(o, "bad opt");
			break;
		}
		tcp_opt(o, k, p + off + 2, l - 2);
		off += l;
	}
	outf(o, "]");
}

void pr_tcp(struct out *o, const char *src, const char *dst, const unsigned char *p,
		size_t cap, size_t len)
{
	static const char fl[] = "FSRP.UEW";
	unsigned flags, doff, sport, dport, i;
	unsigned long seq;
	size_t pay;

	if (cap < 20 || len < 20) {
		out_addrs(o, src, dst, -1, -1);
		outf(o, "tcp [truncated]");
		return;
	}
	sport = be16(p), dport = be16(p + 2);
	seq = be32(p + 4);
	flags = p[13];
	doff = (unsigned)(p[12] >> 4) * 4;
	out_addrs(o, src, dst, (int)sport, (int)dport);
	if (o->flags & CAPTURE_DECODE_QUICK) { /* tcpdump -q: "tcp PAYLOAD-LENGTH" */
		outf(o, "tcp %zu", doff >= 20 && doff <= len ? len - doff : 0);
		return;
	}
	outf(o, "Flags [");
	for (i = 0; i < 8; i++)
		if (flags & (1u << i))
			outf(o, "%c", fl[i]);
	outf(o, "%s]", flags ? "" : "none");
	if (doff < 20 || doff > len) {
		outf(o, " [bad hdr length %u]", doff);
		return;
	}
	pay = len - doff;
	/* tcpdump shows seq only where it means something: data, SYN, FIN, RST. */
	if (pay)
		outf(o, ", seq %lu:%lu", seq, (seq + pay) & 0xffffffffUL);
	else if (flags & 0x07)
		outf(o, ", seq %lu", seq);
	if (flags & 0x10)
		outf(o, ", ack %lu", be32(p + 8));
	outf(o, ", win %u", be16(p + 14));
	if (flags & 0x20)
		outf(o, ", urg %u", be16(p + 18));
	tcp_opts(o, p + 20, (doff <= cap ? doff : cap) - 20);
	outf(o, ", length %zu", pay);
	if ((flags & 0x12) == 0x02)
		outf(o, " [SYN]");
	else if ((flags & 0x12) == 0x12)
		outf(o, " [SYN-ACK]");
	else if (flags & 0x04)
		outf(o, " [RST]");
	if (pay && cap > doff) {
		const unsigned char *d = p + doff;
		size_t dn = cap - doff < pay ? cap - doff : pay;

		if (sport == 53 || dport == 53) {
			if (dn >= 2)
				pr_dns(o, d + 2, dn - 2 < be16(d) ? dn - 2 : be16(d));
		} else if (pr_http_port(sport) || pr_http_port(dport)) {
			pr_http(o, d, dn);
		} else {
			pr_tls(o, d, dn);
		}
	}
}

