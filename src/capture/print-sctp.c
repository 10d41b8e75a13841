/* SCTP (RFC 9260) and DCCP (RFC 4340): ports and what kind of packet, so a filter on a port
 * shows something true; the payload is not decoded. */
#include "capture/print.h"

/* SCTP_MAX_CHUNKS: chunk types named per packet (bundled DATA/SACK run long). */
#define SCTP_MAX_CHUNKS 8

static const char *sctp_chunk(unsigned t)
{
	static const char *const n[] = {
		"DATA", "INIT", "INIT ACK", "SACK", "HB REQ", "HB ACK", "ABORT", "SHUTDOWN",
		"SHUTDOWN ACK", "OP ERR", "COOKIE ECHO", "COOKIE ACK", "ECN ECHO", "CWR",
		"SHUTDOWN COMPLETE",
	};

	return t < sizeof n / sizeof n[0] ? n[t] : NULL;
}

/* tcpdump's frame: "SRC.SPORT > DST.DPORT: sctp (1) [INIT] ..." (chunk numbers and types). */
void pr_sctp(struct out *o, const char *src, const char *dst, const unsigned char *p, size_t cap, size_t len)
{
	size_t off = 12, cl;
	unsigned i;
	const char *t;

	if (cap < 12 || len < 12) {
		out_addrs(o, src, dst, -1, -1);
		outf(o, "sctp [truncated]");
		return;
	}
	out_addrs(o, src, dst, (int)be16(p), (int)be16(p + 2));
	outf(o, "sctp");
	for (i = 0; off + 4 <= cap && i < SCTP_MAX_CHUNKS; i++) {
		cl = be16(p + off + 2);
		t = sctp_chunk(p[off]);
		if (t)
			outf(o, " (%u) [%s]", i + 1, t);
		else
			outf(o, " (%u) [chunk type 0x%02x]", i + 1, p[off]);
		if (cl < 4) {
			outf(o, " [bad chunk length %zu]", cl);
			return;
		}
		off += (cl + 3) & ~(size_t)3; /* chunks are padded to 4 bytes */
	}
	if (off + 4 <= cap)
		outf(o, " ...");
	outf(o, ", length %zu", len - 12);
}

void pr_dccp(struct out *o, const char *src, const char *dst, const unsigned char *p, size_t cap, size_t len)
{
	static const char *const n[] = {
		"Request", "Response", "Data", "Ack", "DataAck", "CloseReq", "Close", "Reset",
		"Sync", "SyncAck",
	};
	unsigned type;

	if (cap < 12 || len < 12) {
		out_addrs(o, src, dst, -1, -1);
		outf(o, "dccp [truncated]");
		return;
	}
	out_addrs(o, src, dst, (int)be16(p), (int)be16(p + 2));
	type = (p[8] >> 1) & 0xf;
	if (type < sizeof n / sizeof n[0])
		outf(o, "DCCP-%s", n[type]);
	else
		outf(o, "DCCP packet-type-%u", type);
	outf(o, ", length %zu", len);
}
