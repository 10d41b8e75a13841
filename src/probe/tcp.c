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

#include "base/clock.h"
#include "base/sockaddr.h"
#include "netns/netns.h"
#include "probe/probe.h"

void probe_tcp_connect(int netns_fd, const struct nr_addr *a, unsigned port, unsigned timeout_ms,
		       struct probe_tcp *t, int *fd_out)
{
	struct sockaddr_storage ss;
	socklen_t sl = nr_sockaddr(a, port, &ss), el = sizeof t->err;
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
	t0 = nr_now_ms();
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
	t->ms = nr_now_ms() - t0;
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
