/* DNS (RFC 1035) as tcpdump -n prints it: query "ID+ A? name.", answer "ID 1/0/0 A 1.2.3.4".
 * Names follow compression pointers a bounded number of times; bytes are shown escaped. */
#include <arpa/inet.h>

#include "capture/print.h"

/* DNS_MAX_HOPS: compression pointers followed per name; real names need a handful, a loop
 * would need infinitely many. DNS_MAX_RR: answers shown per packet (the line stays short). */
#define DNS_MAX_HOPS 16
#define DNS_MAX_RR 4


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
	struct out skip = { NULL, 0, 0, 0, 0, 0, 0, NULL };
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
void pr_dns(struct out *o, const unsigned char *m, size_t n)
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
		struct out q = { NULL, 0, 0, 0, 0, 0, 0, NULL };
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
		struct out q = { NULL, 0, 0, 0, 0, 0, 0, NULL };

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

