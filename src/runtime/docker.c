/* The Docker Engine API over the node's unix socket (var/run/docker.sock under --host-root):
 * one GET per question, HTTP/1.0 so that the daemon closes after its answer, the answer read
 * whole within one deadline and framed by http/'s response parser (Content-Length, chunked,
 * until close), its body parsed in place. */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#include "base/io.h"
#include "runtime/private.h"

#define DOCKER_SOCK "/var/run/docker.sock"
/* DOCKER_TIMEOUT_S: a wedged dockerd must not hang the investigation. */
#define DOCKER_TIMEOUT_S 2

/* The socket's address: the node path itself under the live root; else the socket found
 * inside the host root (symlinks such as /var/run -> /run resolved there), reached through
 * its O_PATH descriptor's /proc/self/fd link. *pathfd is -1 or that descriptor. */
static int docker_addr(const struct rt *rt, struct sockaddr_un *sa, int *pathfd)
{
	struct stat st;

	*pathfd = -1;
	if (!strcmp(rt->root, "/")) {
		snprintf(sa->sun_path, sizeof sa->sun_path, "%s", DOCKER_SOCK);
		return 0;
	}
	*pathfd = hostfs_open(rt->root, DOCKER_SOCK, O_PATH);
	if (*pathfd < 0 || fstat(*pathfd, &st) < 0 || !S_ISSOCK(st.st_mode))
		return -1;
	snprintf(sa->sun_path, sizeof sa->sun_path, "/proc/self/fd/%d", *pathfd);
	return 0;
}

/* Sends the request and reads the whole answer into buf (cap - 1 bytes at most); 0 or -1. */
static int exchange(const struct sockaddr_un *sa, const char *what, char *buf, size_t cap, size_t *got)
{
	struct timeval tv = { DOCKER_TIMEOUT_S, 0 };
	char req[RT_PATH_MAX + 64];
	int fd, len, rc = -1;

	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
	len = snprintf(req, sizeof req, "GET %s HTTP/1.0\r\nHost: docker\r\n\r\n", what);
	/* Too big or too slow is no answer: the container counts as not known to Docker. */
	if (connect(fd, (const struct sockaddr *)sa, sizeof *sa) == 0 && len > 0 && (size_t)len < sizeof req &&
	    io_write_all(fd, req, (size_t)len) == 0 && fcntl(fd, F_SETFL, O_NONBLOCK) == 0 &&
	    io_read_fd(fd, buf, cap, got, DOCKER_TIMEOUT_S * 1000, DOCKER_SOCK, NULL) == 0)
		rc = 0;
	close(fd);
	return rc;
}

int rt_docker_get(const struct rt *rt, const char *what, char *buf, size_t cap, size_t *len,
		  struct http_resp *resp)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct nr_err e;
	size_t got = 0;
	int pathfd, rc;

	*len = 0;
	if (cap < 2)
		return -1;
	rc = docker_addr(rt, &sa, &pathfd);
	if (rc == 0)
		rc = exchange(&sa, what, buf, cap, &got);
	if (pathfd >= 0)
		close(pathfd);
	if (rc < 0)
		return -1;
	http_resp_init(resp, 0);
	http_resp_sink(resp, buf, cap - 1);
	if (http_resp_feed(resp, buf, got, &e) < 0 || http_resp_eof(resp, &e) < 0 || resp->sink_over)
		return -1;
	buf[resp->sink_len] = 0;
	*len = resp->sink_len;
	return resp->status;
}
