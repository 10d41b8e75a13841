/* DNS as a pod's resolver does it: the pod's /etc/resolv.conf read through /proc/PID/root
 * (nameservers, search, ndots, options), the candidate names glibc/musl try for a name, a
 * query builder and a reply parser for the untrusted bytes a server sends back (RFC 1035,
 * compression pointers bounded), and queries over UDP and TCP from inside a network namespace:
 * one at a time, or A and AAAA in parallel from one socket the way glibc sends them. */
#ifndef NR_DNS_DNS_H
#define NR_DNS_DNS_H
#include <stddef.h>

#include "base/err.h"
#include "base/parse.h"

/* DNS_NAME_MAX: a name is at most 255 octets on the wire (RFC 1035 2.3.4), fewer as text
 * unless labels hold escaped bytes; 4x room for "\DDD" escapes plus the NUL. */
#define DNS_NAME_MAX 1024
/* DNS_NS_MAX: glibc uses the first 3 nameservers (MAXNS); we read up to 8 and say so. */
#define DNS_NS_MAX 8
/* DNS_SEARCH_MAX: glibc < 2.26 kept 6 search domains; Kubernetes writes 3-6. */
#define DNS_SEARCH_MAX 8
/* DNS_ANS_MAX: answers kept per reply; more are counted in ans_dropped. */
#define DNS_ANS_MAX 16
/* DNS_UDP_MAX: classic DNS over UDP is 512 bytes; EDNS servers may send up to 4096. */
#define DNS_UDP_MAX 4096
/* DNS_TCP_MAX: a TCP reply carries a 16-bit length. */
#define DNS_TCP_MAX 65535
/* DNS_RDATA_TXT: "priority weight port target" of an SRV, or an IPv6 address, as text. */
#define DNS_RDATA_TXT (DNS_NAME_MAX + 32)

enum dns_type { DNS_T_A = 1, DNS_T_NS = 2, DNS_T_CNAME = 5, DNS_T_SOA = 6, DNS_T_PTR = 12,
		DNS_T_AAAA = 28, DNS_T_SRV = 33 };
enum dns_rcode { DNS_R_NOERROR = 0, DNS_R_FORMERR = 1, DNS_R_SERVFAIL = 2, DNS_R_NXDOMAIN = 3,
		 DNS_R_NOTIMP = 4, DNS_R_REFUSED = 5 };

/* --- resolv.conf --------------------------------------------------------------------------- */
struct dns_resolv {
	int nns, ns_dropped;
	struct nr_addr ns[DNS_NS_MAX];
	int nsearch, search_dropped;
	char search[DNS_SEARCH_MAX][DNS_NAME_MAX];
	int ndots;                /* options ndots:N (default 1, at most 15 as glibc) */
	unsigned timeout_s;       /* options timeout:N (default 5) */
	unsigned attempts;        /* options attempts:N (default 2) */
	int rotate, single_request, single_request_reopen, use_vc;
	int defaulted;            /* no nameserver line: 127.0.0.1 as the resolver assumes */
};

/* Parses resolv.conf text (n bytes, untrusted: the pod's own file). Unknown lines are
 * skipped, as the resolver does. Always 0 (a broken file still gives the defaults). */
int dns_resolv_parse(const char *buf, size_t n, struct dns_resolv *r);
/* Reads /proc/PID/root/etc/resolv.conf (the file the pod's resolver reads, through its own
 * mount namespace). NR_E_DNS_RESOLV with errno (ENOENT also when the process is gone). 0 or -1. */
int dns_resolv_read(int pid, struct dns_resolv *r, struct nr_err *e);
/* The names the resolver tries for name, in its order: a trailing dot means only the name;
 * with at least ndots dots the name itself first, then name.SEARCH for each search domain;
 * otherwise the search domains first and the bare name last. Returns how many were written
 * (at most max). */
int dns_search_list(const struct dns_resolv *r, const char *name, char (*out)[DNS_NAME_MAX],
		    int max);

/* --- messages ------------------------------------------------------------------------------- */
struct dns_rr {
	char name[DNS_NAME_MAX];
	unsigned type, ttl;
	char data[DNS_RDATA_TXT];   /* A/AAAA address, CNAME/PTR/NS target, SRV "p w port target" */
};

struct dns_reply {
	unsigned id, flags, rcode, tc, qdcount, ancount;
	char qname[DNS_NAME_MAX];
	unsigned qtype;
	int nans, ans_dropped;
	struct dns_rr an[DNS_ANS_MAX];
};

/* Writes a recursive query for name/type with the given id into buf. Returns its length, or
 * -1 when the name is not a valid DNS name or buf is too small. */
long dns_query_build(unsigned char *buf, size_t cap, unsigned id, const char *name, unsigned type);
/* Parses a reply of n bytes (untrusted) into r: header, the question, answers. 0, or -1 when
 * the bytes are not a well-formed DNS message. */
int dns_reply_parse(const unsigned char *buf, size_t n, struct dns_reply *r);
/* Answers of type `type` in r (CNAMEs leading to them are not counted). */
int dns_reply_count(const struct dns_reply *r, unsigned type);
/* "A" / "AAAA" / "SRV" / "PTR" -> type; 0 when unknown. */
unsigned dns_type_parse(const char *s);
const char *dns_type_name(unsigned type);     /* "A", "AAAA", ...; "OTHER" when unknown */
const char *dns_rcode_name(unsigned rcode);   /* "NOERROR", "SERVFAIL", ... */
/* The reverse name of an address ("5.0.4.10.in-addr.arpa"); buf of DNS_NAME_MAX. */
void dns_ptr_name(const struct nr_addr *a, char *buf, size_t cap);

/* --- exchanges from a network namespace ------------------------------------------------- */
struct dns_ask {
	char name[DNS_NAME_MAX];
	unsigned type;
	/* results */
	int answered;             /* a reply matching id and question came back */
	int timeout;              /* nothing came back in time */
	double ms;                /* from send to reply */
	int broken;               /* a reply came but was malformed */
	char error[160];          /* why not answered ("" when answered) */
	struct dns_reply reply;
};

/* One query over UDP (tcp 0) or TCP (tcp 1) to server:53 from a socket made inside
 * netns_fd (-1: this thread's namespace). A timeout is a result (a->timeout), not an error;
 * -1 only when no socket could be made (NR_E_NL_NONETNS... as netns_socket says). */
int dns_ask_one(int netns_fd, const struct nr_addr *server, int tcp, unsigned timeout_ms,
		struct dns_ask *a, struct nr_err *e);
/* Two queries sent back to back from one UDP socket (glibc's A+AAAA), each answered or
 * timed out on its own. 0 or -1 as dns_ask_one. */
int dns_ask_pair(int netns_fd, const struct nr_addr *server, unsigned timeout_ms,
		 struct dns_ask *a, struct dns_ask *b, struct nr_err *e);

#endif
