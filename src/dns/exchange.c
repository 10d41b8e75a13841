/* DNS queries sent from a socket made inside a pod's network namespace (netns_socket: the
 * socket keeps that namespace for its life, so routes, policy and conntrack see the pod's own
 * traffic). Timeouts are results, not errors: "the server never answered" is what we report. */
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "base/clock.h"
#include "base/sockaddr.h"
#include "dns/dns.h"
#include "netns/netns.h"

static unsigned new_id(void)
{
	unsigned short v = 0;

	if (getrandom(&v, sizeof v, 0) != (ssize_t)sizeof v)
		v = (unsigned short)(nr_now_ms() * 1000.0);
	return v;
}

static int sock_in(int netns_fd, int family, int type, struct nr_err *e)
{
	int fd;

	if (netns_fd < 0) {
		fd = socket(family, type | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
		return fd < 0 ? nr_fail(e, NR_E_SYS, errno, "dns", "socket") : fd;
	}
	return netns_socket(netns_fd, family, type | SOCK_CLOEXEC | SOCK_NONBLOCK, 0, e);
}

static void ask_reset(struct dns_ask *a)
{
	a->answered = a->timeout = a->broken = 0;
	a->ms = 0;
	a->error[0] = 0;
}

/* A datagram matching a pending ask: same id, same question. 1 matched, 0 not ours. */
static int take(struct dns_ask *a, unsigned id, const unsigned char *buf, size_t n, double t0)
{
	struct dns_reply *r = &a->reply;

	if (a->answered || n < 2 || (unsigned)(buf[0] << 8 | buf[1]) != id)
		return 0;
	if (dns_reply_parse(buf, n, r)) {
		a->broken = 1;
		snprintf(a->error, sizeof a->error, "malformed reply (%zu bytes)", n);
		return 0;
	}
	if (r->qtype != a->type)
		return 0;
	a->answered = 1;
	a->broken = 0;
	a->error[0] = 0;
	a->ms = nr_now_ms() - t0;
	return 1;
}

/* Waits for the replies of up to two asks on a UDP socket, until both came or ms passed. */
static void udp_wait(int fd, struct dns_ask **as, const unsigned *ids, int n, double t0,
		     unsigned ms)
{
	unsigned char buf[DNS_UDP_MAX]; /* 4 KiB: the stack holds it */
	struct pollfd p = { .fd = fd, .events = POLLIN };
	int left = n, i;
	ssize_t k;
	double rest;

	while (left > 0 && (rest = (double)ms - (nr_now_ms() - t0)) > 0) {
		if (poll(&p, 1, (int)rest + 1) <= 0)
			continue;
		k = recv(fd, buf, sizeof buf, 0);
		if (k < 0) {
			if (errno == ECONNREFUSED) /* ICMP port unreachable: nobody listens */
				for (i = 0; i < n; i++)
					if (!as[i]->answered)
						snprintf(as[i]->error, sizeof as[i]->error, "port 53 unreachable (ICMP)");
			if (errno != EAGAIN && errno != EINTR)
				break;
			continue;
		}
		for (i = 0; i < n; i++)
			if (take(as[i], ids[i], buf, (size_t)k, t0))
				left--;
	}
	for (i = 0; i < n; i++)
		if (!as[i]->answered) {
			as[i]->timeout = !as[i]->error[0] || as[i]->broken;
			if (!as[i]->error[0])
				snprintf(as[i]->error, sizeof as[i]->error, "no reply within %u ms", ms);
		}
}

static int udp_asks(int netns_fd, const struct nr_addr *server, unsigned ms, struct dns_ask **as,
		    int n, struct nr_err *e)
{
	unsigned char q[2][DNS_NAME_MAX + 32];
	long ql[2];
	unsigned ids[2];
	struct sockaddr_storage ss;
	socklen_t sl = nr_sockaddr(server, 53, &ss);
	double t0;
	int fd, i;

	for (i = 0; i < n; i++) {
		ask_reset(as[i]);
		ids[i] = new_id();
		if (i && ids[i] == ids[0])
			ids[i] ^= 1;
		ql[i] = dns_query_build(q[i], sizeof q[i], ids[i], as[i]->name, as[i]->type);
		if (ql[i] < 0)
			return nr_fail(e, NR_E_USAGE, 0, "dns", "'%s' is not a valid DNS name", as[i]->name);
	}
	fd = sock_in(netns_fd, server->family, SOCK_DGRAM, e);
	if (fd < 0)
		return -1;
	/* connect(): ICMP errors come back to us and replies from other addresses are filtered. */
	if (connect(fd, (struct sockaddr *)&ss, sl) < 0) {
		int err = errno;

		for (i = 0; i < n; i++)
			snprintf(as[i]->error, sizeof as[i]->error, "cannot send: %s", strerror(err));
		close(fd);
		return 0;
	}
	t0 = nr_now_ms();
	for (i = 0; i < n; i++)
		if (send(fd, q[i], (size_t)ql[i], 0) < 0)
			snprintf(as[i]->error, sizeof as[i]->error, "send: %s", strerror(errno));
	udp_wait(fd, as, ids, n, t0, ms);
	close(fd);
	return 0;
}

static int io_wait(int fd, short ev, double t0, unsigned ms)
{
	struct pollfd p = { .fd = fd, .events = ev };
	double rest = (double)ms - (nr_now_ms() - t0);

	return rest > 0 && poll(&p, 1, (int)rest + 1) == 1 ? 0 : -1;
}

/* Reads exactly n bytes before the deadline. 0, or -1 with a->error said. */
static int tcp_read(int fd, unsigned char *buf, size_t n, double t0, unsigned ms, struct dns_ask *a)
{
	size_t got = 0;
	ssize_t k;

	while (got < n) {
		if (io_wait(fd, POLLIN, t0, ms)) {
			a->timeout = 1;
			snprintf(a->error, sizeof a->error, "no reply within %u ms", ms);
			return -1;
		}
		k = recv(fd, buf + got, n - got, 0);
		if (k <= 0 && !(k < 0 && (errno == EAGAIN || errno == EINTR))) {
			snprintf(a->error, sizeof a->error, "connection closed: %s", k ? strerror(errno) : "EOF");
			return -1;
		}
		if (k > 0)
			got += (size_t)k;
	}
	return 0;
}

static int tcp_ask(int netns_fd, const struct nr_addr *server, unsigned ms, struct dns_ask *a,
		   struct nr_err *e)
{
	unsigned char *buf, q[DNS_NAME_MAX + 34], hdr[2];
	struct sockaddr_storage ss;
	socklen_t sl = nr_sockaddr(server, 53, &ss);
	unsigned id = new_id(), len;
	int fd, err = 0;
	socklen_t el = sizeof err;
	double t0;
	long ql;

	ask_reset(a);
	ql = dns_query_build(q + 2, sizeof q - 2, id, a->name, a->type);
	if (ql < 0)
		return nr_fail(e, NR_E_USAGE, 0, "dns", "'%s' is not a valid DNS name", a->name);
	q[0] = (unsigned char)(ql >> 8);
	q[1] = (unsigned char)ql;
	fd = sock_in(netns_fd, server->family, SOCK_STREAM, e);
	if (fd < 0)
		return -1;
	t0 = nr_now_ms();
	if (connect(fd, (struct sockaddr *)&ss, sl) && errno != EINPROGRESS)
		err = errno;
	else if (io_wait(fd, POLLOUT, t0, ms))
		err = ETIMEDOUT;
	else if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &el))
		err = errno;
	if (err) {
		a->timeout = err == ETIMEDOUT;
		snprintf(a->error, sizeof a->error, "TCP connect: %s",
			 err == ECONNREFUSED ? "refused" : strerror(err));
		close(fd);
		return 0;
	}
	if (send(fd, q, (size_t)ql + 2, MSG_NOSIGNAL) != ql + 2) {
		snprintf(a->error, sizeof a->error, "send: %s", strerror(errno));
	} else if (!tcp_read(fd, hdr, 2, t0, ms, a)) {
		len = (unsigned)hdr[0] << 8 | hdr[1];
		if (!(buf = malloc(len ? len : 1))) /* the reply's own length: one allocation per ask */
			snprintf(a->error, sizeof a->error, "reply of %u bytes: out of memory", len);
		else if (!tcp_read(fd, buf, len, t0, ms, a) && !take(a, id, buf, len, t0) && !a->error[0])
			snprintf(a->error, sizeof a->error, "reply does not match the query");
		free(buf);
	}
	close(fd);
	return 0;
}

int dns_ask_one(int netns_fd, const struct nr_addr *server, int tcp, unsigned timeout_ms,
		struct dns_ask *a, struct nr_err *e)
{
	struct dns_ask *as[1] = { a };

	if (tcp)
		return tcp_ask(netns_fd, server, timeout_ms, a, e);
	return udp_asks(netns_fd, server, timeout_ms, as, 1, e);
}

int dns_ask_pair(int netns_fd, const struct nr_addr *server, unsigned timeout_ms,
		 struct dns_ask *a, struct dns_ask *b, struct nr_err *e)
{
	struct dns_ask *as[2] = { a, b };

	return udp_asks(netns_fd, server, timeout_ms, as, 2, e);
}
