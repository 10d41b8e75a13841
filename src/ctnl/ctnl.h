/* ctnl: conntrack entries over ctnetlink (NETLINK_NETFILTER, NFNL_SUBSYS_CTNETLINK), in-process
 * (replaces `conntrack -L`). Named apart from checks/conntrack.c, which checks the table's size.
 * One caller-owned context holds the socket and its receive buffer; nothing here allocates or
 * prints. A dump asks the kernel to filter (nfgen family, CTA_FILTER on one address, CTA_MARK,
 * CTA_ZONE) and applies the same filter again in process, so an older kernel that ignores a
 * filter attribute gives the same answer, only slower. Conntrack is per network namespace: the
 * socket sees the netns it was opened in. Walkers: `int cb(const T *item, void *arg)`, <0 error,
 * 0 stop (the rest of the dump is drained), >0 go on. */
#ifndef NR_CTNL_CTNL_H
#define NR_CTNL_CTNL_H
#include <stddef.h>
#include <stdint.h>

#include "base/err.h"
#include "base/parse.h"

/* CTNL_BUF: the kernel fills dump skbs of up to 32 KiB when the reader's buffer allows (as for
 * rtnetlink); a smaller buffer would truncate a message (reported, never silently cut). */
#define CTNL_BUF 32768

struct ctnl {
	int fd;
	uint32_t portid;
	uint32_t seq;
	unsigned char buf[CTNL_BUF];
};

/* Opens a NETLINK_NETFILTER socket in this thread's network namespace. 0 or -1. */
int ctnl_open(struct ctnl *c, struct nr_err *e);
void ctnl_close(struct ctnl *c);

/* One direction of a flow. Ports are host order; for ICMP, type/code/id instead. */
struct ctnl_tuple {
	struct nr_addr src, dst;   /* family 0 when the kernel gave none */
	int proto;                 /* IPPROTO_*; -1 unknown */
	int has_ports;
	uint16_t sport, dport;
	int has_icmp;
	uint8_t icmp_type, icmp_code;
	uint16_t icmp_id;
};

struct ctnl_flow {
	struct ctnl_tuple orig, reply;
	int has_status;
	uint32_t status;           /* IPS_* bits */
	int tcp_state;             /* TCP_CONNTRACK_*; -1 when not TCP or not given */
	int has_mark;
	uint32_t mark;
	uint16_t zone;             /* 0 when absent (the default zone) */
	int has_timeout;
	uint32_t timeout;          /* seconds left */
	int has_id;
	uint32_t id;
	int unreplied;             /* !IPS_SEEN_REPLY: `conntrack -L` prints [UNREPLIED] */
	int assured;               /* IPS_ASSURED: [ASSURED] */
};
typedef int (*ctnl_flow_cb)(const struct ctnl_flow *f, void *arg);

/* Which address a filter's `addr` must be. */
enum ctnl_field { CTNL_ORIG_SRC, CTNL_ORIG_DST, CTNL_REPLY_SRC, CTNL_REPLY_DST };

struct ctnl_filter {
	int family;                /* AF_INET, AF_INET6, or 0 for both */
	int has_addr;
	enum ctnl_field field;
	struct nr_addr addr;
	int has_mark;
	uint32_t mark, mark_mask;
	int has_zone;
	uint16_t zone;
};

struct ctnl_stats {
	unsigned long long seen;   /* entries the kernel sent */
	unsigned long long passed; /* entries that passed the filter (given to cb) */
	int kernel_filter;         /* the kernel accepted the CTA_FILTER request */
};

/* Dumps the conntrack table (IPCTNL_MSG_CT_GET with NLM_F_DUMP) through f (NULL = all).
 * st (may be NULL) counts what came and what passed. NR_E_CTNL_NOMOD when the kernel has no
 * ctnetlink; NR_E_CTNL_DUMP (sys = errno) when the dump could not be read to its end: the
 * caller must say so, never "no flows". */
int ctnl_dump(struct ctnl *c, const struct ctnl_filter *f, ctnl_flow_cb cb, void *arg,
	      struct ctnl_stats *st, struct nr_err *e);

/* Does fl pass f? (The in-process half of the filter.) */
int ctnl_match(const struct ctnl_filter *f, const struct ctnl_flow *fl);

/* Parses one conntrack message's payload (after the nlmsghdr: nfgenmsg + attributes, len
 * bytes, untrusted) into out. 0, or -1 when malformed. */
int ctnl_flow_parse(const void *payload, size_t len, struct ctnl_flow *out);
/* Walks a buffer of netlink messages as recv() returned them (recorded bytes, fuzzing; the
 * dump uses the same code): cb per conntrack message. 1 = more parts follow, 0 = NLMSG_DONE
 * or cb stopped, -1 = malformed (NR_E_PARSE) or an NLMSG_ERROR (NR_E_CTNL_DUMP, sys = errno). */
int ctnl_parse_buf(const void *buf, size_t len, ctnl_flow_cb cb, void *arg, struct nr_err *e);

/* "SYN_SENT", "ESTABLISHED", ... as `conntrack -L` prints them; NULL for -1. */
const char *ctnl_tcp_state_name(int state);
/* "tcp", "udp", "icmp", "icmpv6", "sctp", or the number in buf. */
const char *ctnl_proto_name(int proto, char *buf, size_t cap);

#endif
