/* Sockets of a network namespace through sock_diag (NETLINK_SOCK_DIAG, inet_diag_req_v2), with
 * the netlink socket created inside the target namespace: a netlink socket belongs to the
 * namespace it was created in for its whole life, so this thread enters the namespace only
 * for socket() and comes straight back. */
#include <errno.h>
#include <fcntl.h>
#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "netns/netns.h"
#include "proc/proc.h"
#include "sockets/sockets.h"

#define MOD "sockets"

/* DIAG_BUF: one recv of a dump; the kernel fills up to ~32 KB per batch (about 150 sockets). */
#define DIAG_BUF 32768
/* PROCNET_BUF: /proc/PID/net/tcp is produced in page-sized reads; one page holds ~27 lines. */
#define PROCNET_BUF 16384

/* TCP states as include/net/tcp_states.h numbers them. */
enum { ST_ESTABLISHED = 1, ST_CLOSE = 7, ST_LISTEN = 10 };

const char *sock_state_name(const struct sock_entry *s)
{
	static const char *const names[] = { "UNKNOWN", "ESTAB", "SYN-SENT", "SYN-RECV", "FIN-WAIT-1",
		"FIN-WAIT-2", "TIME-WAIT", "UNCONN", "CLOSE-WAIT", "LAST-ACK", "LISTEN", "CLOSING",
		"NEW-SYN-RECV" };

	if (s->state < 0 || (size_t)s->state >= sizeof names / sizeof names[0])
		return "UNKNOWN";
	return names[s->state];
}

const char *sock_proto_name(const struct sock_entry *s, int v6)
{
	if (s->proto == IPPROTO_TCP)
		return v6 && s->family == AF_INET6 ? "tcp6" : "tcp";
	return v6 && s->family == AF_INET6 ? "udp6" : "udp";
}

int sock_is_listener(const struct sock_entry *s)
{
	if (s->proto == IPPROTO_TCP)
		return s->state == ST_LISTEN;
	return s->state == ST_CLOSE && s->lport != 0;
}

/* --- entering the namespace --------------------------------------------------------------- */
static int socket_in_netns_of(int pid, int domain, int type, int proto, struct nr_err *e)
{
	int nsfd, fd;

	if (pid <= 0 || pid == getpid())
		return socket(domain, type | SOCK_CLOEXEC, proto);
	nsfd = netns_open_pid(pid, NULL, e);
	if (nsfd < 0) {
		if (e && e->code == NR_E_NOENT)
			nr_fail(e, NR_E_PROC_NOPID, 0, MOD, "pid %d", pid);
		else if (e && e->code != NR_E_PERM)
			nr_fail(e, NR_E_PROC_NONETNS, e->sys, MOD, "pid %d", pid);
		return -1;
	}
	fd = netns_socket(nsfd, domain, type | SOCK_CLOEXEC, proto, e);
	close(nsfd);
	return fd;
}

/* --- sock_diag dump ------------------------------------------------------------------------ */
static void from_diag(const struct inet_diag_msg *m, int proto, struct sock_entry *s)
{
	memset(s, 0, sizeof *s);
	s->family = m->idiag_family;
	s->proto = proto;
	s->state = m->idiag_state;
	s->local.family = s->remote.family = m->idiag_family;
	memcpy(s->local.a, m->id.idiag_src, m->idiag_family == AF_INET6 ? 16 : 4);
	memcpy(s->remote.a, m->id.idiag_dst, m->idiag_family == AF_INET6 ? 16 : 4);
	s->lport = ntohs(m->id.idiag_sport);
	s->rport = ntohs(m->id.idiag_dport);
	s->inode = m->idiag_inode;
	s->uid = m->idiag_uid;
}

/* Handles one batch; returns 1 more to come, 0 done, <0 cb's error, -2 kernel error (errno). */
static int diag_batch(const char *buf, size_t size, unsigned seq, int proto,
		      int (*cb)(const struct sock_entry *s, void *arg), void *arg)
{
	/* int, as NLMSG_OK/NLMSG_NEXT expect: an unaligned last length must not wrap around. */
	int len = (int)size;
	const struct nlmsghdr *h;
	struct sock_entry s;
	int r;

	for (h = (const void *)buf; NLMSG_OK(h, len); h = NLMSG_NEXT(h, len)) {
		if (h->nlmsg_seq != seq)
			continue;
		if (h->nlmsg_type == NLMSG_DONE)
			return 0;
		if (h->nlmsg_type == NLMSG_ERROR) {
			const struct nlmsgerr *ne = NLMSG_DATA(h);
			errno = h->nlmsg_len >= NLMSG_LENGTH(sizeof *ne) ? -ne->error : EPROTO;
			return -2;
		}
		if (h->nlmsg_type != SOCK_DIAG_BY_FAMILY || h->nlmsg_len < NLMSG_LENGTH(sizeof(struct inet_diag_msg)))
			continue;
		from_diag(NLMSG_DATA(h), proto, &s);
		r = cb(&s, arg);
		if (r <= 0)
			return r < 0 ? r : -3;
	}
	return 1;
}

/* One dump of (family, proto); 0 done, -1 with errno on kernel refusal, <-1 cb stop/error. */
static int diag_dump(int fd, unsigned seq, int family, int proto, unsigned states,
		     int (*cb)(const struct sock_entry *s, void *arg), void *arg)
{
	char buf[DIAG_BUF] __attribute__((aligned(8)));
	struct {
		struct nlmsghdr h;
		struct inet_diag_req_v2 r;
	} req;
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
	ssize_t n;
	int r;

	memset(&req, 0, sizeof req);
	req.h.nlmsg_len = sizeof req;
	req.h.nlmsg_type = SOCK_DIAG_BY_FAMILY;
	req.h.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	req.h.nlmsg_seq = seq; /* distinct per dump on this socket */
	req.r.sdiag_family = (unsigned char)family;
	req.r.sdiag_protocol = (unsigned char)proto;
	req.r.idiag_states = states;
	if (sendto(fd, &req, sizeof req, 0, (struct sockaddr *)&sa, sizeof sa) < 0)
		return -1;
	for (;;) {
		n = recv(fd, buf, sizeof buf, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		r = diag_batch(buf, (size_t)n, req.h.nlmsg_seq, proto, cb, arg);
		if (r == 0)
			return 0;
		if (r == -2)
			return -1;
		if (r < 0)
			return r == -3 ? -3 : -4;
	}
}

/* --- /proc/PID/net fallback ---------------------------------------------------------------- */
struct filter_ctx {
	unsigned flags;
	int (*cb)(const struct sock_entry *s, void *arg);
	void *arg;
	int ret;
};

static int filter_cb(const struct sock_entry *s, void *arg)
{
	struct filter_ctx *f = arg;
	int r;

	if ((f->flags & SOCK_F_LISTEN) && !sock_is_listener(s))
		return 1;
	r = f->cb(s, f->arg);
	if (r <= 0)
		f->ret = r < 0 ? r : 1;
	return r;
}

static int procnet_read(int pid, const char *file, int family, int proto, struct filter_ctx *f)
{
	char path[64], buf[PROCNET_BUF], carry[PROCNET_BUF];
	size_t keep = 0;
	ssize_t n;
	int fd, r;

	if (pid > 0)
		snprintf(path, sizeof path, "/proc/%d/net/%s", pid, file);
	else
		snprintf(path, sizeof path, "/proc/self/net/%s", file);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	/* Stream line by line: carry holds an incomplete last line to the next read. The header
	 * line is skipped by the parser on the first chunk only, so later chunks get a dummy one. */
	memcpy(carry, "h\n", 2);
	keep = 2;
	for (;;) {
		n = read(fd, buf, sizeof buf - keep);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		memcpy(carry + keep, buf, (size_t)n);
		keep += (size_t)n;
		{
			char *last = memrchr(carry, '\n', keep);
			size_t upto = last ? (size_t)(last - carry) + 1 : 0;

			r = sock_parse_proc_net(carry, upto, family, proto, filter_cb, f);
			if (r < 0 || f->ret) {
				close(fd);
				return 0;
			}
			memmove(carry + 2, carry + upto, keep - upto);
			memcpy(carry, "h\n", 2);
			keep = keep - upto + 2;
			if (keep >= sizeof buf) /* a single line longer than the buffer: drop it */
				keep = 2;
		}
	}
	close(fd);
	return 0;
}

int sock_walk_netns(int pid, unsigned flags, int (*cb)(const struct sock_entry *s, void *arg),
		    void *arg, int *used_diag, struct nr_err *e)
{
	static const struct { int family, proto; unsigned bit; const char *file; } kinds[] = {
		{ AF_INET, IPPROTO_TCP, SOCK_F_TCP, "tcp" }, { AF_INET6, IPPROTO_TCP, SOCK_F_TCP, "tcp6" },
		{ AF_INET, IPPROTO_UDP, SOCK_F_UDP, "udp" }, { AF_INET6, IPPROTO_UDP, SOCK_F_UDP, "udp6" },
	};
	struct filter_ctx f = { flags, cb, arg, 0 };
	unsigned states;
	size_t i;
	int fd = -1, r, diag = 1;

	if (!(flags & (SOCK_F_TCP | SOCK_F_UDP)))
		flags |= SOCK_F_TCP | SOCK_F_UDP;
	if (pid > 0 && !proc_netns_of(pid)) {
		if (kill(pid, 0) < 0 && errno == ESRCH)
			return nr_fail(e, NR_E_PROC_NOPID, 0, MOD, "pid %d", pid);
		return nr_fail(e, NR_E_PROC_NONETNS, EACCES, MOD, "pid %d", pid);
	}
	if (!(flags & SOCK_F_NO_DIAG)) {
		fd = socket_in_netns_of(pid, AF_NETLINK, SOCK_RAW, NETLINK_SOCK_DIAG, e);
		if (fd < 0 && e && e->code == NR_E_PROC_NOPID)
			return -1;
	}
	for (i = 0; i < sizeof kinds / sizeof kinds[0]; i++) {
		if (!(flags & kinds[i].bit))
			continue;
		if (fd >= 0) {
			if (kinds[i].proto == IPPROTO_TCP)
				states = flags & SOCK_F_LISTEN ? 1u << ST_LISTEN : ~0u;
			else
				states = flags & SOCK_F_LISTEN ? 1u << ST_CLOSE : ~0u;
			r = diag_dump(fd, (unsigned)i + 1, kinds[i].family, kinds[i].proto, states, filter_cb, &f);
			if (r == 0)
				continue;
			if (r < -1)
				break; /* the callback stopped or failed */
		}
		/* sock_diag refused (no udp_diag, say): read this kind from /proc/PID/net. */
		diag = 0;
		if (procnet_read(pid, kinds[i].file, kinds[i].family, kinds[i].proto, &f) < 0) {
			int err = errno;

			/* No tcp6/udp6 file: IPv6 is off on this node, so there are no such sockets. */
			if (err == ENOENT && kinds[i].family == AF_INET6 && (pid <= 0 || kill(pid, 0) == 0))
				continue;
			if (fd >= 0)
				close(fd);
			if (pid > 0 && kill(pid, 0) < 0 && errno == ESRCH)
				return nr_fail(e, NR_E_PROC_NOPID, 0, MOD, "pid %d", pid);
			return nr_fail(e, NR_E_PROC_SOCKDIAG, err, MOD, "pid %d", pid);
		}
		if (f.ret)
			break;
	}
	if (fd >= 0)
		close(fd);
	if (used_diag)
		*used_diag = diag && fd >= 0;
	return f.ret < 0 ? f.ret : 0;
}

/* --- owners -------------------------------------------------------------------------------- */
void sock_owners_init(struct sock_owners *o, struct sock_owner *buf, size_t cap)
{
	o->v = buf;
	o->cap = cap;
	o->n = 0;
	o->dropped = 0;
}

static int add_ref(const struct proc_sock_ref *r, void *arg)
{
	struct sock_owners *o = arg;

	if (o->n >= o->cap) {
		o->dropped++;
		return 1;
	}
	o->v[o->n].inode = r->inode;
	o->v[o->n].pid = r->pid;
	o->n++;
	return 1;
}

void sock_owners_add_pid(struct sock_owners *o, int pid)
{
	proc_sock_walk(pid, add_ref, o);
}

static int owner_cmp(const void *a, const void *b)
{
	const struct sock_owner *x = a, *y = b;

	if (x->inode != y->inode)
		return x->inode < y->inode ? -1 : 1;
	return (x->pid > y->pid) - (x->pid < y->pid);
}

void sock_owners_sort(struct sock_owners *o)
{
	if (o->n > 1)
		qsort(o->v, o->n, sizeof o->v[0], owner_cmp);
}

struct collect_ctx {
	struct sock_owners *o;
	unsigned long long netns;
};

static int collect_one(const struct proc_info *p, void *arg)
{
	struct collect_ctx *c = arg;

	if (!c->netns || p->netns == c->netns)
		sock_owners_add_pid(c->o, p->pid);
	return 1;
}

int sock_owners_collect(struct sock_owners *o, unsigned long long netns, struct nr_err *e)
{
	struct collect_ctx c = { o, netns };

	if (proc_walk_some(netns ? PROC_F_NETNS | PROC_F_NOSTAT : 0, collect_one, &c, e) < 0)
		return -1;
	sock_owners_sort(o);
	return 0;
}

size_t sock_owners_find(const struct sock_owners *o, unsigned long long inode, int *pids, size_t max)
{
	size_t lo = 0, hi = o->n, mid, found = 0;
	int last = 0;

	if (!inode)
		return 0;
	while (lo < hi) { /* first entry with inode >= wanted */
		mid = lo + (hi - lo) / 2;
		if (o->v[mid].inode < inode)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (; lo < o->n && o->v[lo].inode == inode; lo++) {
		if (found && o->v[lo].pid == last)
			continue; /* one process holding the socket in several fds */
		last = o->v[lo].pid;
		if (found < max)
			pids[found] = last;
		found++;
	}
	return found;
}
