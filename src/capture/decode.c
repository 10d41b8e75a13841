/* One line per packet, in `tcpdump -n` style, naming what connectivity work looks for.
 * Every byte comes from the wire: each read is checked against the bytes captured (caplen),
 * never against lengths the packet claims. Nothing here allocates or keeps state. */
#include <arpa/inet.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "capture/capture.h"

/* Link types as libpcap numbers them on Linux (pcap/dlt.h), kept here so the decoder does not
 * need libpcap's headers (fuzz and unit builds link it anyway, but the decoder is pure). */
enum {
	LT_NULL = 0, LT_EN10MB = 1, LT_RAW = 12, LT_RAW_FILE = 101, LT_LINUX_SLL = 113,
	LT_IPV4 = 228, LT_IPV6 = 229, LT_LINUX_SLL2 = 276,
};

enum { ET_IPV4 = 0x0800, ET_ARP = 0x0806, ET_VLAN = 0x8100, ET_QINQ = 0x88a8, ET_IPV6 = 0x86dd };

/* DNS_MAX_HOPS: compression pointers followed per name; real names need a handful, a loop
 * would need infinitely many. DNS_MAX_RR: answers shown per packet (the line stays short). */
#define DNS_MAX_HOPS 16
#define DNS_MAX_RR 4
/* V6_MAX_EXT: IPv6 extension headers walked before giving up (RFC 8200 packets carry few). */
#define V6_MAX_EXT 8

struct out {
	char *p;
	size_t cap, n;
	int hbh;            /* IPv6 hop-by-hop header seen: tcpdump writes "HBH " before the payload */
	int link;           /* -e: the link header was printed, so no "IP "/"ARP, " protocol word */
};

__attribute__((format(printf, 2, 3)))
static void outf(struct out *o, const char *fmt, ...)
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

/* Bytes from a packet as text: printable ASCII as is, anything else \xNN. */
static void out_bytes(struct out *o, const unsigned char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (s[i] > 0x20 && s[i] < 0x7f && s[i] != '\\')
			outf(o, "%c", s[i]);
		else
			outf(o, "\\x%02x", s[i]);
}

static unsigned be16(const unsigned char *p) { return (unsigned)p[0] << 8 | p[1]; }
static unsigned long be32(const unsigned char *p)
{
	return (unsigned long)p[0] << 24 | (unsigned long)p[1] << 16 | (unsigned long)p[2] << 8 | p[3];
}

static void ip4_str(const unsigned char *a, char *buf)
{
	snprintf(buf, 16, "%u.%u.%u.%u", a[0], a[1], a[2], a[3]);
}

/* "SRC.SPORT > DST.DPORT: " (ports only when given), then "HBH " where tcpdump puts it. */
static void addrs(struct out *o, const char *src, const char *dst, int sport, int dport)
{
	if (sport >= 0)
		outf(o, "%s.%d > %s.%d: ", src, sport, dst, dport);
	else
		outf(o, "%s > %s: ", src, dst);
	if (o->hbh)
		outf(o, "HBH ");
}

static void ip6_str(const unsigned char *a, char *buf)
{
	if (!inet_ntop(AF_INET6, a, buf, INET6_ADDRSTRLEN))
		snprintf(buf, INET6_ADDRSTRLEN, "?");
}

/* --- DNS (RFC 1035) ------------------------------------------------------------------------ */

/* Writes the name at off (following compression pointers) and returns the offset just past
 * it in the original position, or 0 when malformed. */
static size_t dns_name(struct out *o, const unsigned char *m, size_t n, size_t off)
{
	size_t end = 0, hops = 0, l;
	int any = 0;

	for (;;) {
		if (off >= n)
			return 0;
		l = m[off];
		if ((l & 0xc0) == 0xc0) {
			if (off + 1 >= n || ++hops > DNS_MAX_HOPS)
				return 0;
			if (!end)
				end = off + 2;
			off = (l & 0x3f) << 8 | m[off + 1];
			continue;
		}
		if (l & 0xc0)
			return 0;
		if (l == 0)
			break;
		if (off + 1 + l > n)
			return 0;
		out_bytes(o, m + off + 1, l);
		outf(o, ".");
		any = 1;
		off += 1 + l;
	}
	if (!any)
		outf(o, ".");
	return end ? end : off + 1;
}

static const char *dns_type(unsigned t)
{
	switch (t) {
	case 1: return "A";
	case 2: return "NS";
	case 5: return "CNAME";
	case 6: return "SOA";
	case 12: return "PTR";
	case 15: return "MX";
	case 16: return "TXT";
	case 28: return "AAAA";
	case 33: return "SRV";
	case 65: return "HTTPS";
	case 255: return "ANY";
	}
	return NULL;
}

static void dns_type_out(struct out *o, unsigned t)
{
	const char *s = dns_type(t);

	if (s)
		outf(o, "%s", s);
	else
		outf(o, "TYPE%u", t);
}

static const char *const rcodes[16] = {
	"", "FormErr", "ServFail", "NXDomain", "NotImp", "Refused", "YXDomain", "YXRRSet",
	"NXRRSet", "NotAuth", "NotZone", "RCODE11", "RCODE12", "RCODE13", "RCODE14", "RCODE15",
};

/* One answer record: "A 1.2.3.4", "CNAME x.example." Returns the offset after it, 0 if bad. */
static size_t dns_rr(struct out *o, const unsigned char *m, size_t n, size_t off)
{
	struct out skip = { NULL, 0, 0, 0, 0 };
	char a[INET6_ADDRSTRLEN];
	unsigned type, rdlen;

	off = dns_name(&skip, m, n, off);
	if (!off || off + 10 > n)
		return 0;
	type = be16(m + off);
	rdlen = be16(m + off + 8);
	off += 10;
	if (off + rdlen > n)
		return 0;
	outf(o, " ");
	dns_type_out(o, type);
	if (type == 1 && rdlen == 4) {
		ip4_str(m + off, a);
		outf(o, " %s", a);
	} else if (type == 28 && rdlen == 16) {
		ip6_str(m + off, a);
		outf(o, " %s", a);
	} else if (type == 5 || type == 12 || type == 2) {
		outf(o, " ");
		if (!dns_name(o, m, off + rdlen, off))
			return 0;
	}
	return off + rdlen;
}

/* tcpdump's form: query "ID+ A? name. (len)", answer "ID 1/0/0 A 1.2.3.4 (len)". */
static void dns(struct out *o, const unsigned char *m, size_t n)
{
	unsigned id, flags, qd, an, ns, ar, i, qtype = 0;
	size_t off = 12;

	if (n < 12) {
		outf(o, " DNS [truncated]");
		return;
	}
	id = be16(m), flags = be16(m + 2);
	qd = be16(m + 4), an = be16(m + 6), ns = be16(m + 8), ar = be16(m + 10);
	outf(o, " DNS %u", id);
	if (flags & 0x8000) {
		if (flags & 0xf)
			outf(o, " %s", rcodes[flags & 0xf]);
		outf(o, " %u/%u/%u", an, ns, ar);
	} else {
		outf(o, "%s", flags & 0x0100 ? "+" : "");
	}
	for (i = 0; i < qd && i < 1; i++) {
		struct out q = { NULL, 0, 0, 0, 0 };
		size_t qoff = off;

		off = dns_name(&q, m, n, off);
		if (!off || off + 4 > n) {
			outf(o, " [malformed]");
			return;
		}
		qtype = be16(m + off);
		off += 4;
		if (!(flags & 0x8000)) {
			outf(o, " ");
			dns_type_out(o, qtype);
			outf(o, "? ");
			dns_name(o, m, n, qoff);
		}
	}
	for (; i < qd; i++) { /* further questions: skip */
		struct out q = { NULL, 0, 0, 0, 0 };

		off = dns_name(&q, m, n, off);
		if (!off || off + 4 > n)
			return;
		off += 4;
	}
	if (flags & 0x8000) {
		for (i = 0; i < an && i < DNS_MAX_RR; i++) {
			off = dns_rr(o, m, n, off);
			if (!off) {
				outf(o, " [malformed]");
				return;
			}
			if (i + 1 < an && i + 1 < DNS_MAX_RR)
				outf(o, ",");
		}
		if (an > DNS_MAX_RR)
			outf(o, " ...");
	}
	outf(o, " (%zu)", n);
}

/* --- TLS (RFC 8446 / 5246): only the cleartext handshake start ------------------------------ */

/* SNI (RFC 6066 section 3) from a ClientHello body h[0..n). */
static void tls_sni(struct out *o, const unsigned char *h, size_t n)
{
	size_t off = 2 + 32, l, end;

	if (off + 1 > n)
		return;
	off += 1 + h[off];                   /* session id */
	if (off + 2 > n)
		return;
	off += 2 + be16(h + off);            /* cipher suites */
	if (off + 1 > n)
		return;
	off += 1 + h[off];                   /* compression methods */
	if (off + 2 > n)
		return;
	end = off + 2 + be16(h + off);
	off += 2;
	if (end > n)
		end = n;
	while (off + 4 <= end) {
		unsigned type = be16(h + off);

		l = be16(h + off + 2);
		off += 4;
		if (off + l > end)
			return;
		/* server_name_list: len(2) type(1)=host_name len(2) name */
		if (type == 0 && l >= 5 && h[off + 2] == 0 && (size_t)5 + be16(h + off + 3) <= l) {
			outf(o, " sni=");
			out_bytes(o, h + off + 5, be16(h + off + 3));
			return;
		}
		off += l;
	}
}

static const char *tls_alert(unsigned d)
{
	switch (d) {
	case 0: return "close_notify";
	case 40: return "handshake_failure";
	case 42: return "bad_certificate";
	case 45: return "certificate_expired";
	case 46: return "certificate_unknown";
	case 48: return "unknown_ca";
	case 70: return "protocol_version";
	case 80: return "internal_error";
	case 112: return "unrecognized_name";
	}
	return NULL;
}

/* Names the TLS record starting a segment, if it is one. */
static void tls(struct out *o, const unsigned char *p, size_t n)
{
	if (n < 6 || p[1] != 3 || p[2] > 4)
		return;
	if (p[0] == 0x16 && p[5] == 1) {
		outf(o, " TLS ClientHello");
		if (n >= 9)
			tls_sni(o, p + 9, n - 9);
	} else if (p[0] == 0x16 && p[5] == 2) {
		outf(o, " TLS ServerHello");
	} else if (p[0] == 0x15 && be16(p + 3) == 2 && n >= 7) {
		const char *d = tls_alert(p[6]);

		outf(o, " TLS Alert %s", p[5] == 2 ? "fatal" : "warning");
		if (d)
			outf(o, " %s", d);
		else
			outf(o, " %u", p[6]);
	}
}

/* --- HTTP: tcpdump names it on its ports and shows a request or status line ---------------- */

static int http_port(unsigned p)
{
	return p == 80 || p == 8080 || p == 3128 || p == 8000;
}

static void http(struct out *o, const unsigned char *p, size_t n)
{
	static const char *const starts[] = {
		"GET ", "POST ", "PUT ", "HEAD ", "DELETE ", "OPTIONS ", "PATCH ", "CONNECT ", "HTTP/1.",
	};
	size_t i, l;

	outf(o, ": HTTP");
	for (i = 0; i < sizeof starts / sizeof starts[0]; i++) {
		l = strlen(starts[i]);
		if (n >= l && !memcmp(p, starts[i], l))
			break;
	}
	if (i == sizeof starts / sizeof starts[0])
		return;
	for (l = 0; l < n && p[l] != '\r' && p[l] != '\n'; l++)
		;
	outf(o, ": ");
	for (i = 0; i < l; i++)
		outf(o, p[i] >= 0x20 && p[i] < 0x7f ? "%c" : "\\x%02x", p[i]);
}

/* --- transport ----------------------------------------------------------------------------- */

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

static void tcp(struct out *o, const char *src, const char *dst, const unsigned char *p,
		size_t cap, size_t len)
{
	static const char fl[] = "FSRP.UEW";
	unsigned flags, doff, sport, dport, i;
	unsigned long seq;
	size_t pay;

	if (cap < 20 || len < 20) {
		addrs(o, src, dst, -1, -1);
		outf(o, "tcp [truncated]");
		return;
	}
	sport = be16(p), dport = be16(p + 2);
	seq = be32(p + 4);
	flags = p[13];
	doff = (unsigned)(p[12] >> 4) * 4;
	addrs(o, src, dst, (int)sport, (int)dport);
	outf(o, "Flags [");
	for (i = 0; i < 8; i++)
		if (flags & (1u << i))
			outf(o, "%c", fl[i]);
	outf(o, "]");
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
				dns(o, d + 2, dn - 2 < be16(d) ? dn - 2 : be16(d));
		} else if (http_port(sport) || http_port(dport)) {
			http(o, d, dn);
		} else {
			tls(o, d, dn);
		}
	}
}

static void udp(struct out *o, const char *src, const char *dst, const unsigned char *p,
		size_t cap, size_t len)
{
	unsigned sport, dport, ulen;
	size_t dn;

	if (cap < 8 || len < 8) {
		addrs(o, src, dst, -1, -1);
		outf(o, "udp [truncated]");
		return;
	}
	sport = be16(p), dport = be16(p + 2), ulen = be16(p + 4);
	addrs(o, src, dst, (int)sport, (int)dport);
	if (ulen < 8) {
		outf(o, "UDP, bad length %u", ulen);
		return;
	}
	dn = cap - 8 < (size_t)ulen - 8 ? cap - 8 : (size_t)ulen - 8;
	if (sport == 53 || dport == 53 || sport == 5353 || dport == 5353) {
		if (o->n && o->p[o->n - 1] == ' ') /* dns() starts with its own space */
			o->p[--o->n] = 0;
		dns(o, p + 8, dn);
	}
	else
		outf(o, "UDP, length %u", ulen - 8);
}

/* tcpdump: "10.4.0.3 udp port 5000 unreachable", from the quoted datagram. */
static void port_unreach(struct out *o, const char *in, const unsigned char *ip, size_t cap)
{
	size_t ihl = cap >= 20 ? (size_t)(ip[0] & 0xf) * 4 : 0;

	if (ihl >= 20 && cap >= ihl + 4 && (ip[9] == 17 || ip[9] == 6))
		outf(o, "%s %s port %u unreachable", in, ip[9] == 17 ? "udp" : "tcp", be16(ip + ihl + 2));
	else
		outf(o, "%s port unreachable", in);
}

static void icmp4(struct out *o, const char *src, const char *dst, const unsigned char *p,
		  size_t cap, size_t len)
{
	char in[16];

	addrs(o, src, dst, -1, -1);
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

static void icmp6(struct out *o, const char *src, const char *dst, const unsigned char *p,
		  size_t cap, size_t len)
{
	char a[INET6_ADDRSTRLEN];

	addrs(o, src, dst, -1, -1);
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

static void l4(struct out *o, unsigned proto, const char *src, const char *dst,
	       const unsigned char *p, size_t cap, size_t len, int v6)
{
	if (proto == 6)
		tcp(o, src, dst, p, cap, len);
	else if (proto == 17)
		udp(o, src, dst, p, cap, len);
	else if (proto == 1 && !v6)
		icmp4(o, src, dst, p, cap, len);
	else if (proto == 58 && v6)
		icmp6(o, src, dst, p, cap, len);
	else
		addrs(o, src, dst, -1, -1), outf(o, "ip-proto-%u %zu", proto, len);
}

/* --- network ------------------------------------------------------------------------------- */

static void ipv4(struct out *o, const unsigned char *p, size_t cap)
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

static void ipv6(struct out *o, const unsigned char *p, size_t cap)
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

static void arp(struct out *o, const unsigned char *p, size_t cap, size_t len)
{
	char spa[16], tpa[16];
	unsigned op;

	if (cap < 28 || be16(p) != 1 || be16(p + 2) != ET_IPV4 || p[4] != 6 || p[5] != 4) {
		outf(o, "%s[not Ethernet/IPv4 or truncated], length %zu", o->link ? "" : "ARP, ", len);
		return;
	}
	op = be16(p + 6);
	ip4_str(p + 14, spa);
	ip4_str(p + 24, tpa);
	if (op == 1)
		outf(o, "%sRequest who-has %s tell %s, length %zu", o->link ? "" : "ARP, ", tpa, spa, len);
	else if (op == 2)
		outf(o, "%sReply %s is-at %02x:%02x:%02x:%02x:%02x:%02x, length %zu", o->link ? "" : "ARP, ", spa,
		     p[8], p[9], p[10], p[11], p[12], p[13], len);
	else
		outf(o, "%sop %u, length %zu", o->link ? "" : "ARP, ", op, len);
}

static void l3(struct out *o, unsigned type, const unsigned char *p, size_t cap, size_t len)
{
	if (type == ET_IPV4)
		ipv4(o, p, cap);
	else if (type == ET_IPV6)
		ipv6(o, p, cap);
	else if (type == ET_ARP)
		arp(o, p, cap, len);
	else
		outf(o, "ethertype 0x%04x, length %zu", type, len);
}

/* --- link ---------------------------------------------------------------------------------- */

static const char *ether_name(unsigned type)
{
	switch (type) {
	case ET_IPV4: return "IPv4";
	case ET_IPV6: return "IPv6";
	case ET_ARP: return "ARP";
	case ET_VLAN: return "802.1Q";
	case ET_QINQ: return "802.1Q-QinQ";
	}
	return "Unknown";
}

/* tcpdump -e: "SRC > DST, ethertype IPv4 (0x0800), length 98: " (MACs matter on a bridge). */
static void ether_hdr(struct out *o, const unsigned char *p, size_t cap, size_t len)
{
	size_t off = 12;
	unsigned type = be16(p + off);

	outf(o, "%02x:%02x:%02x:%02x:%02x:%02x > %02x:%02x:%02x:%02x:%02x:%02x, ", p[6], p[7], p[8],
	     p[9], p[10], p[11], p[0], p[1], p[2], p[3], p[4], p[5]);
	while ((type == ET_VLAN || type == ET_QINQ) && off + 6 <= cap) {
		outf(o, "ethertype %s (0x%04x), vlan %u, p %u, ", ether_name(type), type,
		     be16(p + off + 2) & 0xfff, p[off + 2] >> 5);
		off += 4;
		type = be16(p + off);
	}
	outf(o, "ethertype %s (0x%04x), length %zu: ", ether_name(type), type, len);
}

static void ether(struct out *o, const unsigned char *p, size_t cap, size_t len)
{
	size_t off = 12;
	unsigned type;
	int tags = 0;

	if (cap < 14) {
		outf(o, "[truncated ethernet]");
		return;
	}
	if (o->link)
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
	l3(o, type, p + off, cap - off, len > off ? len - off : 0);
}

static const char *const sll_dir[] = { "In", "In", "B", "M", "Out" };

static void sll(struct out *o, const unsigned char *p, size_t cap, size_t len, int v2)
{
	size_t hl = v2 ? 20 : 16;
	unsigned pkttype, proto;

	if (cap < hl) {
		outf(o, "[truncated cooked header]");
		return;
	}
	pkttype = v2 ? p[10] : be16(p);
	proto = be16(v2 ? p : p + 14);
	if (pkttype < 5)
		outf(o, "%s ", sll_dir[pkttype]);
	l3(o, proto, p + hl, cap - hl, len > hl ? len - hl : 0);
}

size_t capture_decode(char *buf, size_t cap, int linktype, int flags, const unsigned char *pkt,
		      size_t caplen, size_t wirelen)
{
	struct out o = { buf, cap, 0, 0, 0 };

	if (!cap)
		return 0;
	buf[0] = 0;
	switch (linktype) {
	case LT_EN10MB:
		o.link = (flags & CAPTURE_DECODE_LINK) != 0;
		ether(&o, pkt, caplen, wirelen);
		break;
	case LT_LINUX_SLL: sll(&o, pkt, caplen, wirelen, 0); break;
	case LT_LINUX_SLL2: sll(&o, pkt, caplen, wirelen, 1); break;
	case LT_RAW:
	case LT_RAW_FILE:
	case LT_IPV4:
	case LT_IPV6:
		if (caplen && (pkt[0] >> 4) == 6)
			ipv6(&o, pkt, caplen);
		else
			ipv4(&o, pkt, caplen);
		break;
	case LT_NULL:
		if (caplen >= 4)
			l3(&o, (pkt[0] == 2 || pkt[3] == 2) ? ET_IPV4 : ET_IPV6, pkt + 4, caplen - 4,
			   wirelen > 4 ? wirelen - 4 : 0);
		break;
	default:
		outf(&o, "linktype %d, length %zu", linktype, wirelen);
	}
	return o.n;
}
