/* What a probe shows of a server certificate: subject, issuer, validity, read from DER
 * (X.690) of untrusted bytes: every TLV is checked against the bytes that enclose it. Also
 * the names of protocol versions and the suites BearSSL offers. */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "tls/tls.h"

struct der {
	const unsigned char *p;
	size_t n;
};

/* Reads one TLV from d into tag/v and advances d. 0, or -1 when malformed. */
static int der_next(struct der *d, unsigned *tag, struct der *v)
{
	size_t len, i, k;

	if (d->n < 2 || (d->p[0] & 0x1f) == 0x1f) /* multi-byte tags: not in what we read */
		return -1;
	*tag = d->p[0];
	len = d->p[1];
	i = 2;
	if (len & 0x80) {
		k = len & 0x7f;
		if (!k || k > 4 || d->n < 2 + k)
			return -1;
		for (len = 0; k; k--)
			len = len << 8 | d->p[i++];
	}
	if (len > d->n - i)
		return -1;
	v->p = d->p + i;
	v->n = len;
	d->p += i + len;
	d->n -= i + len;
	return 0;
}

static int der_expect(struct der *d, unsigned want, struct der *v)
{
	unsigned tag;

	return der_next(d, &tag, v) || tag != want ? -1 : 0;
}

static const char *attr_name(const struct der *oid)
{
	static const struct { unsigned char last; const char *name; } at[] = {
		{ 3, "CN" }, { 6, "C" }, { 7, "L" }, { 8, "ST" }, { 10, "O" }, { 11, "OU" },
	};
	size_t i;

	if (oid->n == 3 && oid->p[0] == 0x55 && oid->p[1] == 0x04)
		for (i = 0; i < sizeof at / sizeof at[0]; i++)
			if (oid->p[2] == at[i].last)
				return at[i].name;
	return NULL;
}

/* Name ::= SEQUENCE OF SET OF { OID, value }: "CN=a, O=b" in encoded order; printable bytes
 * only (anything else as '?'), cut at cap. */
static int dn_text(struct der name, char *out, size_t cap)
{
	struct der set, atv, oid, val;
	unsigned tag;
	size_t o = 0, i;
	const char *an;
	int w;

	out[0] = 0;
	while (name.n) {
		if (der_expect(&name, 0x31, &set))
			return -1;
		while (set.n) {
			if (der_expect(&set, 0x30, &atv) || der_expect(&atv, 0x06, &oid) ||
			    der_next(&atv, &tag, &val))
				return -1;
			an = attr_name(&oid);
			if (!an)
				continue;
			w = snprintf(out + o, cap - o, "%s%s=", o ? ", " : "", an);
			if (w < 0 || (size_t)w >= cap - o - 1)
				return 0; /* full: the text stays cut where snprintf left it */
			o += (size_t)w;
			for (i = 0; i < val.n && o + 1 < cap; i++)
				out[o++] = val.p[i] >= 0x20 && val.p[i] < 0x7f ? (char)val.p[i] : '?';
			out[o < cap ? o : cap - 1] = 0;
			if (o >= cap - 1)
				return 0;
		}
	}
	return 0;
}

static int digits(const unsigned char *p, int n)
{
	int v = 0, i;

	for (i = 0; i < n; i++) {
		if (p[i] < '0' || p[i] > '9')
			return -1;
		v = v * 10 + (p[i] - '0');
	}
	return v;
}

/* UTCTime YYMMDDHHMMSSZ or GeneralizedTime YYYYMMDDHHMMSSZ (RFC 5280 4.1.2.5). */
static int time_text(unsigned tag, struct der v, char *out, size_t cap, long long *epoch)
{
	int y, mo, d, h, mi, s, off;
	struct tm tm;

	if (tag == 0x17 && v.n == 13) {
		y = digits(v.p, 2);
		y += y < 50 ? 2000 : 1900;
		off = 2;
	} else if (tag == 0x18 && v.n == 15) {
		y = digits(v.p, 4);
		off = 4;
	} else {
		return -1;
	}
	mo = digits(v.p + off, 2);
	d = digits(v.p + off + 2, 2);
	h = digits(v.p + off + 4, 2);
	mi = digits(v.p + off + 6, 2);
	s = digits(v.p + off + 8, 2);
	if (y < 0 || mo < 1 || mo > 12 || d < 1 || d > 31 || h < 0 || h > 23 || mi < 0 || mi > 59 ||
	    s < 0 || s > 60 || v.p[v.n - 1] != 'Z')
		return -1;
	snprintf(out, cap, "%04d-%02d-%02dT%02d:%02d:%02dZ", y, mo, d, h, mi, s);
	memset(&tm, 0, sizeof tm);
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = s;
	if (epoch)
		*epoch = (long long)timegm(&tm);
	return 0;
}

int tls_cert_info(const unsigned char *der, size_t n, struct tls_cert_info *ci)
{
	struct der d = { der, n }, cert, tbs, x, validity, t;
	unsigned tag;

	memset(ci, 0, sizeof *ci);
	if (der_expect(&d, 0x30, &cert) || der_expect(&cert, 0x30, &tbs))
		return -1;
	if (tbs.n && tbs.p[0] == 0xa0 && der_next(&tbs, &tag, &x)) /* [0] version */
		return -1;
	if (der_expect(&tbs, 0x02, &x) || der_expect(&tbs, 0x30, &x)) /* serial, signature alg */
		return -1;
	if (der_expect(&tbs, 0x30, &x) || dn_text(x, ci->issuer, sizeof ci->issuer))
		return -1;
	if (der_expect(&tbs, 0x30, &validity) || der_next(&validity, &tag, &t) ||
	    time_text(tag, t, ci->not_before, sizeof ci->not_before, NULL) ||
	    der_next(&validity, &tag, &t) ||
	    time_text(tag, t, ci->not_after, sizeof ci->not_after, &ci->not_after_epoch))
		return -1;
	if (der_expect(&tbs, 0x30, &x) || dn_text(x, ci->subject, sizeof ci->subject))
		return -1;
	return 0;
}

const char *tls_version_name(unsigned v, char *buf, size_t cap)
{

	switch (v) {
	case BR_TLS10: return "TLSv1.0";
	case BR_TLS11: return "TLSv1.1";
	case BR_TLS12: return "TLSv1.2";
	default:
		snprintf(buf, cap, "TLS 0x%04x", v & 0xffff);
		return buf;
	}
}

const char *tls_suite_name(unsigned suite, char *buf, size_t cap)
{
	static const struct { unsigned s; const char *name; } names[] = {
		{ BR_TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256, "ECDHE-ECDSA-AES128-GCM-SHA256" },
		{ BR_TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256, "ECDHE-RSA-AES128-GCM-SHA256" },
		{ BR_TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384, "ECDHE-ECDSA-AES256-GCM-SHA384" },
		{ BR_TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384, "ECDHE-RSA-AES256-GCM-SHA384" },
		{ BR_TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256, "ECDHE-ECDSA-CHACHA20-POLY1305" },
		{ BR_TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256, "ECDHE-RSA-CHACHA20-POLY1305" },
	};
	size_t i;

	for (i = 0; i < sizeof names / sizeof names[0]; i++)
		if (names[i].s == suite)
			return names[i].name;
	snprintf(buf, cap, "0x%04x", suite & 0xffff);
	return buf;
}
