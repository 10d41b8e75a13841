/* Connections for HTTP: TCP to an address (pinned, or each one DNS gives), optionally through
 * an HTTP proxy's CONNECT tunnel, then TLS. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include "http/http.h"

static int wait_io(int fd, short ev, unsigned ms, struct nr_err *e)
{
	struct pollfd p = { .fd = fd, .events = ev };
	int r;

	do
		r = poll(&p, 1, (int)ms);
	while (r < 0 && errno == EINTR);
	if (r < 0)
		return nr_fail(e, NR_E_SYS, errno, "http", "poll");
	if (!r)
		return nr_fail(e, NR_E_HTTP_TIMEOUT, 0, "http", "no progress for %u ms", ms);
	return 0;
}

/* Non-blocking connect bounded by ms; the socket stays non-blocking (all I/O polls). */
static int tcp_to(const struct sockaddr *sa, socklen_t len, unsigned ms, struct nr_err *e)
{
	int fd = socket(sa->sa_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0), err = 0, one = 1;
	socklen_t el = sizeof err;

	if (fd < 0)
		return nr_fail(e, NR_E_SYS, errno, "http", "socket");
	if (connect(fd, sa, len) && errno != EINPROGRESS) {
		err = errno;
	} else if (wait_io(fd, POLLOUT, ms, e)) {
		close(fd);
		return -1;
	} else if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &el)) {
		err = errno;
	}
	if (err) {
		close(fd);
		errno = err;
		return -1;
	}
	/* Request heads go out at once; the body is written in 16 KiB records anyway. */
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	return fd;
}

static int tcp_addr(const struct nr_addr *a, unsigned port, unsigned ms, struct nr_err *e)
{
	struct sockaddr_in s4;
	struct sockaddr_in6 s6;

	if (a->family == AF_INET) {
		memset(&s4, 0, sizeof s4);
		s4.sin_family = AF_INET;
		s4.sin_port = htons((uint16_t)port);
		memcpy(&s4.sin_addr, a->a, 4);
		return tcp_to((struct sockaddr *)&s4, sizeof s4, ms, e);
	}
	memset(&s6, 0, sizeof s6);
	s6.sin6_family = AF_INET6;
	s6.sin6_port = htons((uint16_t)port);
	memcpy(&s6.sin6_addr, a->a, 16);
	return tcp_to((struct sockaddr *)&s6, sizeof s6, ms, e);
}

/* Every address of host in turn (IPv6 and IPv4 as the resolver orders them). */
static int tcp_host(const char *host, unsigned port, unsigned ms, struct nr_err *e)
{
	struct addrinfo hints, *res, *ai;
	char ps[8], as[64] = "";
	int fd = -1, r, err = 0;

	memset(&hints, 0, sizeof hints);
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	snprintf(ps, sizeof ps, "%u", port);
	r = getaddrinfo(host, ps, &hints, &res);
	if (r)
		return nr_fail(e, NR_E_HTTP_RESOLVE, 0, "http", "%s: %s", host, gai_strerror(r));
	for (ai = res; ai; ai = ai->ai_next) {
		fd = tcp_to(ai->ai_addr, ai->ai_addrlen, ms, e);
		if (fd >= 0)
			break;
		err = errno;
		if (e && e->code == NR_E_HTTP_TIMEOUT)
			err = ETIMEDOUT;
		getnameinfo(ai->ai_addr, ai->ai_addrlen, as, sizeof as, NULL, 0, NI_NUMERICHOST);
	}
	freeaddrinfo(res);
	if (fd < 0)
		return nr_fail(e, NR_E_HTTP_CONNECT, err, "http", "%s port %u (%s)", host, port, as);
	return fd;
}

static long raw_read(int fd, void *buf, size_t n, unsigned ms, struct nr_err *e)
{
	ssize_t r;

	for (;;) {
		r = recv(fd, buf, n, MSG_DONTWAIT);
		if (r >= 0)
			return (long)r;
		if (errno != EAGAIN && errno != EINTR)
			return nr_fail(e, NR_E_HTTP_CLOSED, errno, "http", "recv");
		if (wait_io(fd, POLLIN, ms, e))
			return -1;
	}
}

static int raw_write(int fd, const void *buf, size_t n, unsigned ms, struct nr_err *e)
{
	const char *p = buf;
	ssize_t w;

	while (n) {
		w = send(fd, p, n, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (w < 0 && errno != EAGAIN && errno != EINTR)
			return nr_fail(e, NR_E_HTTP_CLOSED, errno, "http", "send");
		if (w < 0) {
			if (wait_io(fd, POLLOUT, ms, e))
				return -1;
			continue;
		}
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/* CONNECT host:port through the proxy on fd (RFC 9110 9.3.6). */
static int tunnel(int fd, const struct http_dest *d, unsigned ms, struct nr_err *e)
{
	static struct http_resp r; /* 15 KiB of line/body buffers: not on the stack */
	char req[URL_HOST_MAX * 2 + 128], buf[1024], hp[URL_HOST_MAX + 8];
	int v6 = strchr(d->host, ':') != NULL;
	long n, k;

	snprintf(hp, sizeof hp, "%s%s%s:%u", v6 ? "[" : "", d->host, v6 ? "]" : "", d->port);
	n = snprintf(req, sizeof req, "CONNECT %s HTTP/1.1\r\nHost: %s\r\n\r\n", hp, hp);
	if (raw_write(fd, req, (size_t)n, ms, e))
		return -1;
	http_resp_init(&r, 1);
	while (r.state != HTTP_DONE) {
		n = raw_read(fd, buf, sizeof buf, ms, e);
		if (n < 0)
			return -1;
		if (!n)
			return nr_fail(e, NR_E_HTTP_PROXY, 0, "http", "%s: proxy closed the connection", d->proxy->host);
		k = http_resp_feed(&r, buf, (size_t)n, e);
		if (k < 0)
			return -1;
		if (k != n)
			return nr_fail(e, NR_E_HTTP_PROXY, 0, "http", "%s: proxy sent data before TLS", d->proxy->host);
	}
	if (r.status / 100 != 2)
		return nr_fail(e, NR_E_HTTP_PROXY, 0, "http", "%s: CONNECT %s: HTTP %d", d->proxy->host, hp, r.status);
	return 0;
}

int http_connect(struct http_conn *c, const struct http_dest *d, struct nr_err *e)
{
	unsigned ms = d->timeout_ms ? d->timeout_ms : 30000;
	int fd;

	c->fd = -1;
	c->tls_on = 0;
	if (d->proxy)
		fd = tcp_host(d->proxy->host, d->proxy->port, ms, e);
	else if (d->addr)
		fd = tcp_addr(d->addr, d->port, ms, e);
	else
		fd = tcp_host(d->host, d->port, ms, e);
	if (fd < 0 && d->addr && !d->proxy && (!e || e->code != NR_E_HTTP_TIMEOUT)) {
		char as[64];

		return nr_fail(e, NR_E_HTTP_CONNECT, errno, "http", "%s port %u (%s)", d->host, d->port,
			       addr_str(d->addr, as, sizeof as));
	}
	if (fd < 0)
		return -1;
	if (d->proxy && tunnel(fd, d, ms, e)) {
		close(fd);
		return -1;
	}
	c->fd = fd;
	if (!d->anchors)
		return 0;
	c->tls_on = 1;
	if (tls_connect(&c->tls, fd, d->host, d->anchors, ms, e)) {
		tls_close(&c->tls);
		c->fd = -1;
		return -1;
	}
	return 0;
}

int http_write(struct http_conn *c, const void *buf, size_t n, struct nr_err *e)
{
	if (c->tls_on)
		return tls_write(&c->tls, buf, n, e);
	return raw_write(c->fd, buf, n, 30000, e);
}

int http_flush(struct http_conn *c, struct nr_err *e)
{
	return c->tls_on ? tls_flush(&c->tls, e) : 0;
}

long http_read(struct http_conn *c, void *buf, size_t n, struct nr_err *e)
{
	if (c->tls_on)
		return tls_read(&c->tls, buf, n, e);
	return raw_read(c->fd, buf, n, 30000, e);
}

int http_read_resp(struct http_conn *c, struct http_resp *r, struct nr_err *e)
{
	char buf[4096];
	long n, k;

	while (r->state != HTTP_DONE) {
		n = http_read(c, buf, sizeof buf, e);
		if (n < 0)
			return -1;
		if (!n)
			return http_resp_eof(r, e);
		k = http_resp_feed(r, buf, (size_t)n, e);
		if (k < 0)
			return -1;
	}
	return 0;
}

void http_close(struct http_conn *c)
{
	if (c->tls_on)
		tls_close(&c->tls);
	else if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
	c->tls_on = 0;
}

/* NO_PROXY as curl and Go read it: "*", exact names, and suffixes with or without a dot. */
int http_no_proxy(const char *no_proxy, const char *host)
{
	size_t hl = strlen(host), l;
	const char *p = no_proxy, *end;

	if (!p)
		return 0;
	while (*p) {
		p += strspn(p, ", ");
		end = p + strcspn(p, ", ");
		l = (size_t)(end - p);
		if (l && *p == '.') {
			p++;
			l--;
		}
		if (l == 1 && *p == '*')
			return 1;
		if (l && l <= hl && !strncasecmp(host + hl - l, p, l) && (l == hl || host[hl - l - 1] == '.'))
			return 1;
		p = end;
	}
	return 0;
}
