/* A TCP connect from inside a pod, timed: established, refused (an RST came back) or
 * unanswered (nothing within the timeout: a drop on the way or a silent firewall). */
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "netns/netns.h"
#include "probe/probe.h"

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1000.0 + (double)ts.tv_nsec / 1e6;
}

static socklen_t sa_of(const struct nr_addr *a, unsigned port, struct sockaddr_storage *ss)
{
	memset(ss, 0, sizeof *ss);
	if (a->family == AF_INET) {
		struct sockaddr_in *s4 = (struct sockaddr_in *)ss;

		s4->sin_family = AF_INET;
		s4->sin_port = htons((unsigned short)port);
		memcpy(&s4->sin_addr, a->a, 4);
		return sizeof *s4;
	}
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;

	s6->sin6_family = AF_INET6;
	s6->sin6_port = htons((unsigned short)port);
	memcpy(&s6->sin6_addr, a->a, 16);
	return sizeof *s6;
}

void probe_tcp_connect(int netns_fd, const struct nr_addr *a, unsigned port, unsigned timeout_ms,
		       struct probe_tcp *t, int *fd_out)
{
	struct sockaddr_storage ss;
	socklen_t sl = sa_of(a, port, &ss), el = sizeof t->err;
	struct pollfd p;
	double t0;
	int fd, one = 1, r;

	memset(t, 0, sizeof *t);
	if (fd_out)
		*fd_out = -1;
	fd = netns_socket(netns_fd, a->family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0, NULL);
	if (fd < 0) {
		t->err = errno ? errno : EBADF;
		return;
	}
	t0 = now_ms();
	if (connect(fd, (struct sockaddr *)&ss, sl) && errno != EINPROGRESS) {
		t->err = errno;
	} else {
		p.fd = fd;
		p.events = POLLOUT;
		do
			r = poll(&p, 1, (int)timeout_ms);
		while (r < 0 && errno == EINTR);
		if (r == 0)
			t->err = ETIMEDOUT;
		else if (r < 0)
			t->err = errno;
		else if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &t->err, &el))
			t->err = errno;
	}
	t->ms = now_ms() - t0;
	t->ok = !t->err;
	if (t->ok && fd_out) {
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
		*fd_out = fd;
		return;
	}
	close(fd);
}

int probe_target_parse(const char *s, char *host, size_t cap, unsigned *port, int *has_port)
{
	const char *colon = strrchr(s, ':'), *close = strchr(s, ']');
	size_t n;

	*has_port = 0;
	if (s[0] == '[') {
		if (!close || (close[1] && close[1] != ':'))
			return -1;
		n = (size_t)(close - s - 1);
		colon = close[1] ? close + 1 : NULL;
		s++;
	} else if (colon && strchr(s, ':') != colon) {
		colon = NULL; /* a bare IPv6 address */
		n = strlen(s);
	} else {
		n = colon ? (size_t)(colon - s) : strlen(s);
	}
	if (!n || n >= cap)
		return -1;
	memcpy(host, s, n);
	host[n] = 0;
	if (colon) {
		*has_port = 1;
		if (parse_port(colon + 1, port))
			return -1;
	}
	return 0;
}
