/* Whole-file reads with a total deadline, and whole writes: the one copy of each loop. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "base/io.h"

#define MOD "io"

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Waits until fd is readable or the deadline passes: 1 readable, 0 timed out, -1 error. */
static int wait_readable(int fd, long long deadline)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	long long left;
	int r;

	for (;;) {
		left = deadline - now_ms();
		if (left <= 0)
			return 0;
		r = poll(&p, 1, (int)left);
		if (r >= 0 || errno != EINTR)
			return r > 0 ? 1 : r;
	}
}

int io_read_fd(int fd, char *buf, size_t cap, size_t *len, int deadline_ms, const char *what,
	       struct nr_err *e)
{
	long long deadline = now_ms() + deadline_ms;
	size_t got = 0;
	ssize_t n;
	char extra;
	int w;

	*len = 0;
	if (cap)
		buf[0] = 0;
	for (;;) {
		/* One byte past the buffer tells "exactly full" from "too big". */
		if (got + 1 >= cap)
			n = read(fd, &extra, 1);
		else
			n = read(fd, buf + got, cap - 1 - got);
		if (n > 0 && got + 1 >= cap)
			return nr_fail(e, NR_E_TOOBIG, 0, MOD, "%s", what);
		if (n > 0) {
			got += (size_t)n;
			continue;
		}
		if (n == 0)
			break;
		if (errno == EINTR)
			continue;
		if (errno != EAGAIN)
			return nr_fail(e, NR_E_IO_READ, errno, MOD, "%s", what);
		w = wait_readable(fd, deadline);
		if (w == 0)
			return nr_fail(e, NR_E_IO_TIMEOUT, 0, MOD, "%s", what);
		if (w < 0)
			return nr_fail(e, NR_E_IO_READ, errno, MOD, "%s", what);
	}
	if (cap)
		buf[got] = 0;
	*len = got;
	return 0;
}

int io_read_file(const char *root, const char *path, char *buf, size_t cap, size_t *len,
		 struct nr_err *e)
{
	struct stat st;
	int fd, rc, err;

	*len = 0;
	fd = hostfs_open(root, path, O_RDONLY | O_NONBLOCK | O_NOCTTY);
	if (fd < 0)
		return nr_fail(e, errno == ENOENT || errno == ENOTDIR ? NR_E_NOENT : NR_E_IO_OPEN, errno,
			       MOD, "%s", path);
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		err = errno;
		close(fd);
		return nr_fail(e, NR_E_IO_NOTREG, S_ISREG(st.st_mode) ? err : 0, MOD, "%s", path);
	}
	rc = io_read_fd(fd, buf, cap, len, IO_DEADLINE_MS, path, e);
	close(fd);
	return rc;
}

long long io_mount_id(int fd)
{
	char path[48], buf[512], *p;
	struct nr_err e;
	size_t n;

	snprintf(path, sizeof path, "/proc/self/fdinfo/%d", fd);
	if (io_read_file(NULL, path, buf, sizeof buf, &n, &e) < 0 || !(p = strstr(buf, "mnt_id:")))
		return -1;
	return strtoll(p + 7, NULL, 10);
}

int io_write_all(int fd, const void *buf, size_t n)
{
	const char *p = buf;
	ssize_t w;

	while (n) {
		w = write(fd, p, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return -1;
		if (w == 0) {
			errno = EIO;
			return -1;
		}
		p += w;
		n -= (size_t)w;
	}
	return 0;
}
