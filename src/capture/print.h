/* Internal to src/capture: the one-line decoder, one file per protocol family as tcpdump keeps
 * print-*.c (print-ether.c, print-ip.c, print-tcp.c, ...). Every printer reads only p[0..cap)
 * (the bytes captured) and takes len (what the headers claim) only for what it prints. Nothing
 * allocates or keeps state; struct out is the caller's line buffer. Not a public header. */
#ifndef NR_CAPTURE_PRINT_H
#define NR_CAPTURE_PRINT_H
#include <stddef.h>

#include "capture/capture.h"

/* Link types as libpcap numbers them (pcap/dlt.h), so the decoder needs no libpcap header. */
enum {
	LT_NULL = 0, LT_EN10MB = 1, LT_RAW = 12, LT_RAW_FILE = 101, LT_LINUX_SLL = 113,
	LT_IPV4 = 228, LT_IPV6 = 229, LT_LINUX_SLL2 = 276,
};

enum {
	ET_IPV4 = 0x0800, ET_ARP = 0x0806, ET_VLAN = 0x8100, ET_QINQ = 0x88a8, ET_IPV6 = 0x86dd,
	ET_TEB = 0x6558, /* transparent Ethernet bridging: an Ethernet frame inside GRE/Geneve */
	ET_MAXLEN = 1500, /* IEEE 802.3: a type field this small is a length (LLC follows) */
};

/* PRINT_MAX_DEPTH: encapsulations followed (VXLAN in IPIP in GRE ...); real overlays nest one
 * or two deep, a crafted packet could nest until the stack runs out. */
#define PRINT_MAX_DEPTH 4

struct out {
	char *p;
	size_t cap, n;
	int hbh;            /* IPv6 hop-by-hop header seen: tcpdump writes "HBH " before the payload */
	int link;           /* -e: the link header was printed, so no "IP "/"ARP, " protocol word */
	int flags;          /* CAPTURE_DECODE_* */
	int depth;          /* encapsulations entered */
	const struct capture_dec *d;
};

void outf(struct out *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Bytes from a packet as text: printable ASCII as is, anything else \xNN. */
void out_bytes(struct out *o, const unsigned char *s, size_t n);
/* "SRC.SPORT > DST.DPORT: " (ports only when >= 0), then "HBH " where tcpdump puts it. */
void out_addrs(struct out *o, const char *src, const char *dst, int sport, int dport);
void ip4_str(const unsigned char *a, char *buf);  /* buf: 16 bytes */
void ip6_str(const unsigned char *a, char *buf);  /* buf: INET6_ADDRSTRLEN */

static inline unsigned be16(const unsigned char *p) { return (unsigned)p[0] << 8 | p[1]; }
static inline unsigned long be24(const unsigned char *p)
{
	return (unsigned long)p[0] << 16 | (unsigned long)p[1] << 8 | p[2];
}
static inline unsigned long be32(const unsigned char *p)
{
	return (unsigned long)p[0] << 24 | (unsigned long)p[1] << 16 | (unsigned long)p[2] << 8 | p[3];
}

/* print-ether.c: Ethernet (with VLAN tags and 802.3/LLC), Linux cooked v1/v2, and the
 * ethertype dispatch every encapsulation comes back to. */
void pr_ether(struct out *o, const unsigned char *p, size_t cap, size_t len);
void pr_sll(struct out *o, const unsigned char *p, size_t cap, size_t len, int v2);
void pr_ethertype(struct out *o, unsigned type, const unsigned char *p, size_t cap, size_t len);
/* "IPv4", "TEB", ... ("Unknown"), as tcpdump names ethertypes. */
const char *pr_ether_name(unsigned type);
/* print-llc.c: IEEE 802.2 LLC (STP, SNAP, ...) of an 802.3 frame. */
void pr_llc(struct out *o, const unsigned char *p, size_t cap, size_t len);
/* print-arp.c */
void pr_arp(struct out *o, const unsigned char *p, size_t cap, size_t len);
/* print-ip.c: IPv4, IPv6 and the protocol dispatch (IP-in-IP too). */
void pr_ipv4(struct out *o, const unsigned char *p, size_t cap);
void pr_ipv6(struct out *o, const unsigned char *p, size_t cap);
/* print-icmp.c */
void pr_icmp4(struct out *o, const char *src, const char *dst, const unsigned char *p, size_t cap, size_t len);
void pr_icmp6(struct out *o, const char *src, const char *dst, const unsigned char *p, size_t cap, size_t len);
/* print-tcp.c, print-udp.c, print-sctp.c (SCTP and DCCP: ports and chunk/packet types) */
void pr_tcp(struct out *o, const char *src, const char *dst, const unsigned char *p, size_t cap, size_t len);
void pr_udp(struct out *o, const char *src, const char *dst, const unsigned char *p, size_t cap, size_t len);
void pr_sctp(struct out *o, const char *src, const char *dst, const unsigned char *p, size_t cap, size_t len);
void pr_dccp(struct out *o, const char *src, const char *dst, const unsigned char *p, size_t cap, size_t len);
/* print-dns.c: m[0..n) is the DNS message (after the TCP length prefix). */
void pr_dns(struct out *o, const unsigned char *m, size_t n);
/* print-tls.c: names the TLS record starting a TCP segment, if it is one. */
void pr_tls(struct out *o, const unsigned char *p, size_t n);
/* print-http.c */
int pr_http_port(unsigned port);
void pr_http(struct out *o, const unsigned char *p, size_t n);
/* print-overlay.c: VXLAN (RFC 7348), Geneve (RFC 8926), GRE (RFC 2784/2890); each prints its
 * header and then the inner packet on the same line. */
void pr_vxlan(struct out *o, const unsigned char *p, size_t cap, size_t len);
void pr_geneve(struct out *o, const unsigned char *p, size_t cap, size_t len);
void pr_gre(struct out *o, const unsigned char *p, size_t cap, size_t len);

#endif
