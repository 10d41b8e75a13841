/* The NETLINK_NETFILTER socket, the dump request (with its kernel-side filter) and the runner. */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/nfnetlink_conntrack.h>
#include <linux/netlink.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "ctnl/ctnl.h"
#include "ctnl/internal.h"

/* REQ_BUF: header, nfgenmsg, a filter of two u32 flags and one tuple holding an IPv6 address,
 * mark and mask: well under 256 bytes. */
#define REQ_BUF 256
/* The kernel's CTA_FILTER_FLAG(CTA_IP_SRC) / (CTA_IP_DST) bits (nf_internals.h, 5.9+): which
 * tuple fields the dump compares. */
#define FILTER_IP_SRC (1u << 0)
#define FILTER_IP_DST (1u << 1)

struct req {
	size_t len;
	unsigned char b[REQ_BUF];
};

int ctnl_open(struct ctnl *c, struct nr_err *e)
{
	struct sockaddr_nl sa;
	socklen_t sl = sizeof sa;

	c->fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_NETFILTER);
	if (c->fd < 0)
		return nr_fail(e, errno == EPROTONOSUPPORT ? NR_E_CTNL_NOMOD : NR_E_SYS, errno, "ctnl", "socket");
	memset(&sa, 0, sizeof sa);
	sa.nl_family = AF_NETLINK;
	if (bind(c->fd, (struct sockaddr *)&sa, sizeof sa) < 0 ||
	    getsockname(c->fd, (struct sockaddr *)&sa, &sl) < 0) {
		int err = errno;

		close(c->fd);
		c->fd = -1;
		return nr_fail(e, NR_E_SYS, err, "ctnl", "bind");
	}
	c->portid = sa.nl_pid;
	c->seq = 0;
	return 0;
}

void ctnl_close(struct ctnl *c)
{
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
}

/* --- the request ---------------------------------------------------------------------------- */

/* Opens a (nested) attribute; returns its offset so nest_end can fix its length. */
static size_t attr_put(struct req *r, int type, const void *data, size_t n)
{
	struct nlattr na;
	size_t at = r->len;

	na.nla_type = (uint16_t)type;
	na.nla_len = (uint16_t)(NLA_HDRLEN + n);
	memcpy(r->b + r->len, &na, sizeof na);
	if (n)
		memcpy(r->b + r->len + NLA_HDRLEN, data, n);
	r->len += NLA_ALIGN(na.nla_len);
	return at;
}

static void nest_end(struct req *r, size_t at)
{
	uint16_t len = (uint16_t)(r->len - at);

	memcpy(r->b + at, &len, sizeof len);
}

/* CTA_FILTER + the tuple holding the one address the kernel must compare. */
static void req_filter(struct req *r, const struct ctnl_filter *f)
{
	int reply = f->field == CTNL_REPLY_SRC || f->field == CTNL_REPLY_DST;
	int src = f->field == CTNL_ORIG_SRC || f->field == CTNL_REPLY_SRC;
	int v4 = f->addr.family == AF_INET;
	uint32_t flags = src ? FILTER_IP_SRC : FILTER_IP_DST, none = 0;
	size_t nest, tup, ip;

	nest = attr_put(r, CTA_FILTER | NLA_F_NESTED, NULL, 0);
	attr_put(r, CTA_FILTER_ORIG_FLAGS, reply ? &none : &flags, 4);
	attr_put(r, CTA_FILTER_REPLY_FLAGS, reply ? &flags : &none, 4);
	nest_end(r, nest);
	tup = attr_put(r, (reply ? CTA_TUPLE_REPLY : CTA_TUPLE_ORIG) | NLA_F_NESTED, NULL, 0);
	ip = attr_put(r, CTA_TUPLE_IP | NLA_F_NESTED, NULL, 0);
	attr_put(r, v4 ? (src ? CTA_IP_V4_SRC : CTA_IP_V4_DST) : (src ? CTA_IP_V6_SRC : CTA_IP_V6_DST),
		 f->addr.a, v4 ? 4 : 16);
	nest_end(r, ip);
	nest_end(r, tup);
}

static void req_build(struct ctnl *c, struct req *r, const struct ctnl_filter *f, int with_filter)
{
	struct nlmsghdr h;
	struct nfgenmsg g;

	memset(r, 0, sizeof *r);
	memset(&g, 0, sizeof g);
	g.nfgen_family = (uint8_t)(f ? f->family : 0);
	g.version = NFNETLINK_V0;
	r->len = NLMSG_HDRLEN;
	memcpy(r->b + r->len, &g, sizeof g);
	r->len += NLMSG_ALIGN(sizeof g);
	if (f && f->has_mark) {
		uint32_t m = htonl(f->mark), mask = htonl(f->mark_mask);

		attr_put(r, CTA_MARK, &m, 4);
		attr_put(r, CTA_MARK_MASK, &mask, 4);
	}
	if (f && f->has_addr && with_filter)
		req_filter(r, f);
	memset(&h, 0, sizeof h);
	h.nlmsg_len = (uint32_t)r->len;
	h.nlmsg_type = (NFNL_SUBSYS_CTNETLINK << 8) | IPCTNL_MSG_CT_GET;
	h.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	h.nlmsg_seq = ++c->seq;
	h.nlmsg_pid = c->portid;
	memcpy(r->b, &h, sizeof h);
}

/* --- the filter in process ------------------------------------------------------------------ */

static int same(const struct nr_addr *a, const struct nr_addr *b)
{
	return a->family == b->family && !memcmp(a->a, b->a, a->family == AF_INET ? 4 : 16);
}

int ctnl_match(const struct ctnl_filter *f, const struct ctnl_flow *fl)
{
	const struct nr_addr *a;

	if (!f)
		return 1;
	if (f->family && fl->orig.src.family && fl->orig.src.family != f->family)
		return 0;
	if (f->has_mark && (!fl->has_mark || (fl->mark & f->mark_mask) != (f->mark & f->mark_mask)))
		return 0;
	if (f->has_zone && fl->zone != f->zone)
		return 0;
	if (!f->has_addr)
		return 1;
	switch (f->field) {
	case CTNL_ORIG_SRC: a = &fl->orig.src; break;
	case CTNL_ORIG_DST: a = &fl->orig.dst; break;
	case CTNL_REPLY_SRC: a = &fl->reply.src; break;
	default: a = &fl->reply.dst; break;
	}
	return same(a, &f->addr);
}

/* --- the runner ----------------------------------------------------------------------------- */

struct run {
	const struct ctnl_filter *f;
	ctnl_flow_cb cb;
	void *arg;
	struct ctnl_stats *st;
	int stopped;               /* cb said stop: the rest of the dump is read and dropped */
	struct nr_err *e;
};

static int run_cb(const struct ctnl_flow *fl, void *arg)
{
	struct run *r = arg;
	int rc;

	r->st->seen++;
	if (r->stopped || !ctnl_match(r->f, fl))
		return 1;
	r->st->passed++;
	rc = r->cb(fl, r->arg);
	if (rc < 0)
		return rc;
	if (rc == 0)
		r->stopped = 1;
	return 1;
}

static int send_req(struct ctnl *c, const struct req *r, struct nr_err *e)
{
	struct sockaddr_nl sa;
	ssize_t n;

	memset(&sa, 0, sizeof sa);
	sa.nl_family = AF_NETLINK;
	do
		n = sendto(c->fd, r->b, r->len, 0, (struct sockaddr *)&sa, sizeof sa);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return nr_fail(e, NR_E_CTNL_DUMP, errno, "ctnl", "send");
	return 0;
}

static ssize_t recv_part(struct ctnl *c, struct nr_err *e)
{
	struct sockaddr_nl sa;
	struct iovec iov = { c->buf, sizeof c->buf };
	struct msghdr m;
	ssize_t n;

	memset(&m, 0, sizeof m);
	m.msg_name = &sa;
	m.msg_namelen = sizeof sa;
	m.msg_iov = &iov;
	m.msg_iovlen = 1;
	do
		n = recvmsg(c->fd, &m, 0);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return nr_fail(e, NR_E_CTNL_DUMP, errno, "ctnl", "receive");
	if (m.msg_flags & MSG_TRUNC)
		return nr_fail(e, NR_E_TOOBIG, 0, "ctnl", "reply of %zd bytes", n);
	if (sa.nl_pid != 0)
		return 0; /* not from the kernel: ignore */
	return n;
}

static int dump_once(struct ctnl *c, const struct ctnl_filter *f, int with_filter, struct run *ru,
		     struct nr_err *e)
{
	struct ctnl_check chk;
	struct req r;
	ssize_t n;
	int rc;

	req_build(c, &r, f, with_filter);
	if (send_req(c, &r, e) < 0)
		return -1;
	chk.seq = c->seq;
	chk.portid = c->portid;
	do {
		n = recv_part(c, e);
		if (n < 0)
			return -1;
		rc = ctnl_walk_buf(c->buf, (size_t)n, &chk, run_cb, ru, e);
	} while (rc > 0);
	return rc;
}

int ctnl_dump(struct ctnl *c, const struct ctnl_filter *f, ctnl_flow_cb cb, void *arg,
	      struct ctnl_stats *st, struct nr_err *e)
{
	struct ctnl_stats none;
	struct run ru;
	int with_filter = f && f->has_addr && (f->addr.family == AF_INET || f->addr.family == AF_INET6);

	if (!st)
		st = &none;
	memset(st, 0, sizeof *st);
	memset(&ru, 0, sizeof ru);
	ru.f = f;
	ru.cb = cb;
	ru.arg = arg;
	ru.st = st;
	ru.e = e;
	if (with_filter) {
		if (dump_once(c, f, 1, &ru, e) == 0) {
			st->kernel_filter = 1;
			return 0;
		}
		/* Kernels before 5.9 know no CTA_FILTER (EINVAL/EOPNOTSUPP before any entry):
		 * dump everything and filter here. Anything else is a real failure. */
		if (e->code != NR_E_CTNL_DUMP || (e->sys != EINVAL && e->sys != EOPNOTSUPP) || st->seen)
			return -1;
	}
	if (dump_once(c, f, 0, &ru, e) == 0)
		return 0;
	if (e->code == NR_E_CTNL_DUMP && (e->sys == EOPNOTSUPP || e->sys == EPROTONOSUPPORT) && !st->seen)
		return nr_fail(e, NR_E_CTNL_NOMOD, e->sys, "ctnl", NULL);
	return -1;
}
