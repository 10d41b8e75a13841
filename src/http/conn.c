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
#include <time.h>
#include <unistd.h>

#include "http/http.h"

static long long mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Waits for ev on fd: at most c->timeout_ms without progress, never past c->deadline_ms, and
 * not at all once *c->stop is set (a signal interrupts poll with EINTR). */
static int wait_io(const struct http_conn *c, int fd, short ev, struct nr_err *e)
{
	struct pollfd p = { .fd = fd, .events = ev };
	long long ms = c->timeout_ms, left;
	int r;

	do {
		if (c->stop && *c->stop)
			return nr_fail(e, NR_E_HTTP_STOPPED, 0, "http", NULL);
		left = c->deadline_ms ? c->deadline_ms - mono_ms() : ms;
		if (left <= 0)
			return nr_fail(e, NR_E_HTTP_TIMEOUT, 0, "http", "time budget spent");
		r = poll(&p, 1, (int)(left < ms ? left : ms));
	} while (r < 0 && errno == EINTR);
	if (r < 0)
		return nr_fail(e, NR_E_SYS, errno, "http", "poll");
	if (!r && c->deadline_ms && mono_ms() >= c->deadline_ms)
		return nr_fail(e, NR_E_HTTP_TIMEOUT, 0, "http", "time budget spent");
	if (!r)
		return nr_fail(e, NR_E_HTTP_TIMEOUT, 0, "http", "no progress for %u s", c->timeout_ms / 1000);
	return 0;
}

/* Non-blocking connect bounded by the conn's limits; the socket stays non-blocking (all I/O
 * polls). -1 with errno set when the connect itself failed (e untouched), or -2 with e filled
 * (timeout, interrupted). */
static int tcp_to(const struct http_conn *c, const struct sockaddr *sa, socklen_t len, struct nr_err *e)
{
	int fd = socket(sa->sa_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0), err = 0, one = 1;
	socklen_t el = sizeof err;

	if (fd < 0)
		return nr_fail(e, NR_E_SYS, errno, "http", "socket"), -2;
	if (connect(fd, sa, len) && errno != EINPROGRESS) {
		err = errno;
	} else if (wait_io(c, fd, POLLOUT, e)) {
		close(fd);
		return -2;
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

/* A failed connect as one error: refused (nothing listens, or a REJECT rule) is not a lost
 * connection and another attempt a second later will not change it. */
static int connect_fail(int err, const char *host, unsigned port, const char *addr, struct nr_err *e)
{
	return nr_fail(e, err == ECONNREFUSED ? NR_E_HTTP_REFUSED : NR_E_HTTP_CONNECT,
		       err == ECONNREFUSED ? 0 : err, "http", "%s port %u (%s)", host, port, addr);
}

static int tcp_addr(const struct http_conn *c, const struct nr_addr *a, const char *host, unsigned port,
		    struct nr_err *e)
{
	struct sockaddr_in s4;
	struct sockaddr_in6 s6;
	char as[64];
	int fd;

	if (a->family == AF_INET) {
		memset(&s4, 0, sizeof s4);
		s4.sin_family = AF_INET;
		s4.sin_port = htons((uint16_t)port);
		memcpy(&s4.sin_addr, a->a, 4);
		fd = tcp_to(c, (struct sockaddr *)&s4, sizeof s4, e);
	} else {
		memset(&s6, 0, sizeof s6);
		s6.sin6_family = AF_INET6;
		s6.sin6_port = htons((uint16_t)port);
		memcpy(&s6.sin6_addr, a->a, 16);
		fd = tcp_to(c, (struct sockaddr *)&s6, sizeof s6, e);
	}
	if (fd == -1)
		return connect_fail(errno, host, port, addr_str(a, as, sizeof as), e);
	return fd < 0 ? -1 : fd;
}

/* Every address of host in turn (IPv6 and IPv4 as the resolver orders them). */
static int tcp_host(const struct http_conn *c, const char *host, unsigned port, struct nr_err *e)
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
		fd = tcp_to(c, ai->ai_addr, ai->ai_addrlen, e);
		if (fd >= 0 || fd == -2)
			break;
		err = errno;
		getnameinfo(ai->ai_addr, ai->ai_addrlen, as, sizeof as, NULL, 0, NI_NUMERICHOST);
	}
	freeaddrinfo(res);
	if (fd == -1)
		return connect_fail(err, host, port, as, e);
	return fd < 0 ? -1 : fd;
}

static long raw_read(const struct http_conn *c, void *buf, size_t n, struct nr_err *e)
{
	ssize_t r;

	for (;;) {
		r = recv(c->fd, buf, n, MSG_DONTWAIT);
		if (r >= 0)
			return (long)r;
		if (errno != EAGAIN && errno != EINTR)
			return nr_fail(e, NR_E_HTTP_CLOSED, errno, "http", "recv");
		if (wait_io(c, c->fd, POLLIN, e))
			return -1;
	}
}

static int raw_write(const struct http_conn *c, const void *buf, size_t n, struct nr_err *e)
{
	const char *p = buf;
	ssize_t w;

	while (n) {
		w = send(c->fd, p, n, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (w < 0 && errno != EAGAIN && errno != EINTR)
			return nr_fail(e, NR_E_HTTP_CLOSED, errno, "http", "send");
		if (w < 0) {
			if (wait_io(c, c->fd, POLLOUT, e))
				return -1;
			continue;
		}
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/* The proxy's refusal, named by what the user can do about it. */
static int proxy_refused(const struct http_dest *d, const char *hp, int status, struct nr_err *e)
{
	int code = status == 407 ? NR_E_HTTP_PROXY_AUTH : status == 403 ? NR_E_HTTP_PROXY_DENIED : NR_E_HTTP_PROXY;

	return nr_fail(e, code, 0, "http", "proxy %s:%u: CONNECT %s: HTTP %d%s", d->proxy->host, d->proxy->port, hp,
		       status, status == 407 && d->proxy_auth ? " (user name and password given, refused)" : "");
}

/* CONNECT host:port through the proxy on c->fd (RFC 9110 9.3.6), with Basic credentials
 * (RFC 7617) when the proxy URL held them. */
static int tunnel(struct http_conn *c, const struct http_dest *d, struct nr_err *e)
{
	struct http_resp *r = d->scratch;
	char req[URL_HOST_MAX * 2 + 1024], buf[1024], hp[URL_HOST_MAX + 8];
	int v6 = strchr(d->host, ':') != NULL, n;
	long k, got;

	snprintf(hp, sizeof hp, "%s%s%s:%u", v6 ? "[" : "", d->host, v6 ? "]" : "", d->port);
	n = snprintf(req, sizeof req, "CONNECT %s HTTP/1.1\r\nHost: %s\r\n%s%s%s\r\n", hp, hp,
		     d->proxy_auth ? "Proxy-Authorization: " : "", d->proxy_auth ? d->proxy_auth : "",
		     d->proxy_auth ? "\r\n" : "");
	if (n < 0 || (size_t)n >= sizeof req)
		return nr_fail(e, NR_E_TOOBIG, 0, "http", "CONNECT request");
	if (raw_write(c, req, (size_t)n, e))
		return -1;
	http_resp_init(r, 1);
	while (r->state != HTTP_DONE) {
		got = raw_read(c, buf, sizeof buf, e);
		if (got < 0)
			return -1;
		if (!got)
			return nr_fail(e, NR_E_HTTP_PROXY, 0, "http", "proxy %s: closed the connection", d->proxy->host);
		k = http_resp_feed(r, buf, (size_t)got, e);
		if (k < 0)
			return -1;
		/* A refusal comes with an error page: the status is what matters. */
		if (r->state == HTTP_DONE && r->status / 100 != 2)
			return proxy_refused(d, hp, r->status, e);
		if (k != got)
			return nr_fail(e, NR_E_HTTP_PROXY, 0, "http", "proxy %s: sent data before TLS", d->proxy->host);
	}
	return 0;
}

void http_set_deadline(struct http_conn *c, unsigned ms)
{
	c->deadline_ms = ms ? mono_ms() + ms : 0;
	c->tls.deadline_ms = c->deadline_ms;
}

const char *http_phase_name(enum http_phase p)
{
	static const char *const names[] = { "connecting", "the proxy's CONNECT", "the TLS handshake", "" };

	return (unsigned)p < 4 ? names[p] : "";
}

int http_connect(struct http_conn *c, const struct http_dest *d, struct nr_err *e)
{
	int fd;

	c->fd = -1;
	c->tls_on = 0;
	c->phase = HTTP_PH_CONNECT;
	c->timeout_ms = d->timeout_ms ? d->timeout_ms : 30000;
	c->stop = d->stop;
	c->deadline_ms = d->setup_ms ? mono_ms() + d->setup_ms : 0;
	if (d->proxy) {
		fd = tcp_host(c, d->proxy->host, d->proxy->port, e);
		if (fd < 0 && e && (e->code == NR_E_HTTP_REFUSED || e->code == NR_E_HTTP_CONNECT ||
				    e->code == NR_E_HTTP_RESOLVE)) {
			char ctx[NR_ERR_CTX];

			snprintf(ctx, sizeof ctx, "proxy %.*s", NR_ERR_CTX - 7, e->ctx);
			memcpy(e->ctx, ctx, sizeof ctx);
		}
	}
	else if (d->addr)
		fd = tcp_addr(c, d->addr, d->host, d->port, e);
	else
		fd = tcp_host(c, d->host, d->port, e);
	if (fd < 0)
		return -1;
	c->fd = fd;
	c->phase = HTTP_PH_PROXY;
	if (d->proxy && tunnel(c, d, e)) {
		close(fd);
		c->fd = -1;
		return -1;
	}
	c->phase = HTTP_PH_TLS;
	if (d->anchors) {
		c->tls_on = 1;
		if (tls_connect_ex(&c->tls, fd, d->host, d->anchors, c->timeout_ms, c->stop, c->deadline_ms, e)) {
			tls_close(&c->tls);
			c->tls_on = 0;
			c->fd = -1;
			return -1;
		}
	}
	c->phase = HTTP_PH_READY;
	http_set_deadline(c, 0);
	return 0;
}

int http_write(struct http_conn *c, const void *buf, size_t n, struct nr_err *e)
{
	if (c->tls_on)
		return tls_write(&c->tls, buf, n, e);
	return raw_write(c, buf, n, e);
}

int http_flush(struct http_conn *c, struct nr_err *e)
{
	return c->tls_on ? tls_flush(&c->tls, e) : 0;
}

long http_read(struct http_conn *c, void *buf, size_t n, struct nr_err *e)
{
	if (c->tls_on)
		return tls_read(&c->tls, buf, n, e);
	return raw_read(c, buf, n, e);
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
