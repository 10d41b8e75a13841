/* DNS messages (RFC 1035 4.1): building a query, parsing a reply. Replies are untrusted bytes:
 * every read is checked against the message length, compression pointers must point strictly
 * backwards (so a chain always ends) and are followed at most DNS_PTR_MAX times, and a decoded
 * name never exceeds 255 wire octets. */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "dns/dns.h"

#define DNS_HDR 12
/* DNS_PTR_MAX: a 255-octet name has at most 127 labels, so more jumps than that is a loop. */
#define DNS_PTR_MAX 128
#define DNS_WIRE_NAME 255

static unsigned get16(const unsigned char *p)
{
	return (unsigned)p[0] << 8 | p[1];
}

static unsigned long get32(const unsigned char *p)
{
	return (unsigned long)p[0] << 24 | (unsigned long)p[1] << 16 | (unsigned long)p[2] << 8 | p[3];
}

static void put16(unsigned char *p, unsigned v)
{
	p[0] = (unsigned char)(v >> 8);
	p[1] = (unsigned char)v;
}

/* Appends one label byte as text: plain for host-name characters, escaped otherwise. */
static int txt_byte(char *out, size_t cap, size_t *o, unsigned char c)
{
	int plain = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		    c == '-' || c == '_' || c == '*';
	int w;

	if (plain) {
		if (*o + 1 >= cap)
			return -1;
		out[(*o)++] = (char)c;
		return 0;
	}
	w = snprintf(out + *o, cap - *o, "\\%03u", c);
	if (w < 0 || (size_t)w >= cap - *o)
		return -1;
	*o += (size_t)w;
	return 0;
}

/* Decodes the name at *off into out (text, no trailing dot; "." for the root). *off moves past
 * the name as it appears at that place (a pointer ends it). 0 or -1. */
static int name_read(const unsigned char *m, size_t n, size_t *off, char *out, size_t cap)
{
	size_t p = *off, o = 0, wire = 1, end = 0, i;
	int jumps = 0, jumped = 0;
	unsigned len;

	for (;;) {
		if (p >= n)
			return -1;
		len = m[p];
		if ((len & 0xc0) == 0xc0) {
			size_t to;

			if (p + 1 >= n || ++jumps > DNS_PTR_MAX)
				return -1;
			to = (len & 0x3f) << 8 | m[p + 1];
			if (!jumped)
				end = p + 2;
			jumped = 1;
			if (to >= p) /* only backwards: every chain ends */
				return -1;
			p = to;
			continue;
		}
		if (len & 0xc0) /* 0x40, 0x80: extended label types, obsolete */
			return -1;
		if (!len)
			break;
		if (p + 1 + len > n || (wire += len + 1) > DNS_WIRE_NAME)
			return -1;
		if (o && (o + 1 >= cap || (out[o++] = '.', 0)))
			return -1;
		for (i = 0; i < len; i++)
			if (txt_byte(out, cap, &o, m[p + 1 + i]))
				return -1;
		p += 1 + len;
	}
	if (!o) {
		if (cap < 2)
			return -1;
		out[o++] = '.';
	}
	out[o] = 0;
	*off = jumped ? end : p + 1;
	return 0;
}

long dns_query_build(unsigned char *buf, size_t cap, unsigned id, const char *name, unsigned type)
{
	size_t o = DNS_HDR, l, nl = strlen(name);
	const char *p = name, *dot;

	if (nl && name[nl - 1] == '.')
		nl--;
	if (nl > 253 || cap < DNS_HDR + nl + 2 + 4)
		return -1;
	memset(buf, 0, DNS_HDR);
	put16(buf, id & 0xffff);
	buf[2] = 0x01;           /* RD: ask for recursion, as stub resolvers do */
	put16(buf + 4, 1);       /* QDCOUNT */
	while (p < name + nl) {
		dot = memchr(p, '.', (size_t)(name + nl - p));
		l = dot ? (size_t)(dot - p) : (size_t)(name + nl - p);
		if (!l || l > 63)
			return -1;
		buf[o++] = (unsigned char)l;
		memcpy(buf + o, p, l);
		o += l;
		p += l + (dot ? 1 : 0);
		if (dot && p == name + nl)
			return -1; /* "a..": an empty last label */
	}
	buf[o++] = 0;
	put16(buf + o, type);
	put16(buf + o + 2, 1);   /* class IN */
	return (long)(o + 4);
}

/* Text form of one answer's RDATA (rd at off, rdlen bytes). */
static int rdata_text(const unsigned char *m, size_t n, size_t off, unsigned rdlen, unsigned type,
		      char *out, size_t cap)
{
	char nm[DNS_NAME_MAX];
	size_t p = off;

	out[0] = 0;
	switch (type) {
	case DNS_T_A:
		if (rdlen != 4 || !inet_ntop(AF_INET, m + off, out, (socklen_t)cap))
			return -1;
		return 0;
	case DNS_T_AAAA:
		if (rdlen != 16 || !inet_ntop(AF_INET6, m + off, out, (socklen_t)cap))
			return -1;
		return 0;
	case DNS_T_CNAME:
	case DNS_T_PTR:
	case DNS_T_NS:
		if (name_read(m, off + rdlen, &p, out, cap) || p != off + rdlen)
			return -1;
		return 0;
	case DNS_T_SRV:
		if (rdlen < 7)
			return -1;
		p = off + 6;
		if (name_read(m, off + rdlen, &p, nm, sizeof nm) || p != off + rdlen)
			return -1;
		snprintf(out, cap, "%u %u %u %s", get16(m + off), get16(m + off + 2),
			 get16(m + off + 4), nm);
		return 0;
	default:
		snprintf(out, cap, "(%u bytes)", rdlen);
		(void)n;
		return 0;
	}
}

static int parse_rr(const unsigned char *m, size_t n, size_t *off, struct dns_reply *r)
{
	struct dns_rr tmp, *rr = r->nans < DNS_ANS_MAX ? &r->an[r->nans] : &tmp;
	unsigned rdlen;
	size_t p = *off;

	if (name_read(m, n, &p, rr->name, sizeof rr->name) || p + 10 > n)
		return -1;
	rr->type = get16(m + p);
	rr->ttl = (unsigned)get32(m + p + 4);
	rdlen = get16(m + p + 8);
	p += 10;
	if (p + rdlen > n)
		return -1;
	if (rdata_text(m, n, p, rdlen, rr->type, rr->data, sizeof rr->data))
		return -1;
	*off = p + rdlen;
	if (rr == &tmp)
		r->ans_dropped++;
	else
		r->nans++;
	return 0;
}

int dns_reply_parse(const unsigned char *m, size_t n, struct dns_reply *r)
{
	size_t off = DNS_HDR;
	unsigned i;

	memset(r, 0, offsetof(struct dns_reply, an));
	if (n < DNS_HDR)
		return -1;
	r->id = get16(m);
	r->flags = get16(m + 2);
	r->rcode = r->flags & 0xf;
	r->tc = (r->flags >> 9) & 1;
	r->qdcount = get16(m + 4);
	r->ancount = get16(m + 6);
	if (!(r->flags & 0x8000) || r->qdcount > 1) /* not a response; we ask one question */
		return -1;
	if (r->qdcount) {
		if (name_read(m, n, &off, r->qname, sizeof r->qname) || off + 4 > n)
			return -1;
		r->qtype = get16(m + off);
		off += 4;
	}
	/* A truncated reply may stop anywhere after the question. */
	for (i = 0; i < r->ancount; i++)
		if (parse_rr(m, n, &off, r))
			return r->tc ? 0 : -1;
	return 0;
}

int dns_reply_count(const struct dns_reply *r, unsigned type)
{
	int i, k = 0;

	for (i = 0; i < r->nans; i++)
		k += r->an[i].type == type;
	return k;
}

static const struct { unsigned t; const char *name; } types[] = {
	{ DNS_T_A, "A" }, { DNS_T_AAAA, "AAAA" }, { DNS_T_SRV, "SRV" }, { DNS_T_PTR, "PTR" },
	{ DNS_T_CNAME, "CNAME" }, { DNS_T_NS, "NS" }, { DNS_T_SOA, "SOA" },
};

unsigned dns_type_parse(const char *s)
{
	size_t i;

	for (i = 0; i < sizeof types / sizeof types[0]; i++)
		if (!strcasecmp(s, types[i].name) && i < 4)
			return types[i].t;
	return 0;
}

const char *dns_type_name(unsigned type)
{
	size_t i;

	for (i = 0; i < sizeof types / sizeof types[0]; i++)
		if (types[i].t == type)
			return types[i].name;
	return "OTHER";
}

const char *dns_rcode_name(unsigned rcode)
{
	static const char *const names[] = { "NOERROR", "FORMERR", "SERVFAIL", "NXDOMAIN",
					     "NOTIMP", "REFUSED" };

	return rcode < sizeof names / sizeof names[0] ? names[rcode] : "OTHER";
}

void dns_ptr_name(const struct nr_addr *a, char *buf, size_t cap)
{
	size_t o = 0;
	int i, w;

	buf[0] = 0;
	if (a->family == AF_INET) {
		snprintf(buf, cap, "%u.%u.%u.%u.in-addr.arpa", a->a[3], a->a[2], a->a[1], a->a[0]);
		return;
	}
	for (i = 15; i >= 0 && o < cap; i--) {
		w = snprintf(buf + o, cap - o, "%x.%x.", a->a[i] & 0xf, a->a[i] >> 4);
		if (w < 0)
			return;
		o += (size_t)w;
	}
	if (o < cap)
		snprintf(buf + o, cap - o, "ip6.arpa");
}
