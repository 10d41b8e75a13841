/* TLS (RFC 8446 / 5246): only the cleartext start of a handshake is named: ClientHello with
 * its SNI (RFC 6066), ServerHello, alerts. */
#include "capture/print.h"


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
void pr_tls(struct out *o, const unsigned char *p, size_t n)
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

