/* Paths of the node's tree resolved inside --host-root. The kernel does it with openat2's
 * RESOLVE_IN_ROOT (Linux 5.6): absolute symlinks and ".." stop at the root, as chroot would.
 * Older kernels get the same rule from a walk: one component at a time with O_NOFOLLOW, a
 * symlink read and spliced into the rest of the path, an absolute one restarting at the root. */
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "base/io.h"

#ifndef SYS_openat2
#define SYS_openat2 437
#endif
/* LINKS_MAX: the kernel's own limit on symlinks followed in one lookup (MAXSYMLINKS). */
#define LINKS_MAX 40

static int is_live_root(const char *root)
{
	return !root || !root[0] || !strcmp(root, "/");
}

/* Copies the path that remains after a symlink's target: target + "/" + rest. */
static int join_rest(char *buf, size_t cap, const char *target, size_t tl, const char *rest)
{
	char tmp[IO_PATH_MAX];
	int n = snprintf(tmp, sizeof tmp, "%.*s/%s", (int)tl, target, rest);

	if (n < 0 || (size_t)n >= sizeof tmp || (size_t)n >= cap) {
		errno = ENAMETOOLONG;
		return -1;
	}
	memcpy(buf, tmp, (size_t)n + 1);
	return 0;
}

static int same_file(int a, int b)
{
	struct stat x, y;

	return fstat(a, &x) == 0 && fstat(b, &y) == 0 && x.st_dev == y.st_dev && x.st_ino == y.st_ino;
}

/* Moves to the next directory: closes the old one. */
static void step(int *dir, int fd)
{
	close(*dir);
	*dir = fd;
}

/* The next component of rest into comp; rest keeps what follows. 0 when none is left. */
static int next_comp(char *rest, char *comp, size_t cap)
{
	const char *p = rest;
	size_t n;

	while (*p == '/')
		p++;
	n = strcspn(p, "/");
	if (n >= cap) {
		errno = ENAMETOOLONG;
		return -1;
	}
	memcpy(comp, p, n);
	comp[n] = 0;
	p += n;
	while (*p == '/')
		p++;
	memmove(rest, p, strlen(p) + 1);
	return n > 0;
}

/* The walk: dir is an O_PATH fd of the directory reached so far; rootfd stays the root. */
int hostfs_walk(int rootfd, const char *path, int flags)
{
	char rest[IO_PATH_MAX], comp[256], target[IO_PATH_MAX];
	int dir = dup(rootfd), links = 0, fd = -1, r, err;
	struct stat st;
	ssize_t tl;

	if (dir < 0 || join_rest(rest, sizeof rest, "", 0, path) < 0)
		goto out;
	while ((r = next_comp(rest, comp, sizeof comp)) > 0) {
		if (!strcmp(comp, "."))
			continue;
		if (!strcmp(comp, "..")) { /* ".." at the root stays at the root */
			if (!same_file(dir, rootfd) && (fd = openat(dir, "..", O_PATH | O_DIRECTORY | O_CLOEXEC)) >= 0)
				step(&dir, fd);
			fd = -1;
			continue;
		}
		fd = openat(dir, comp, O_PATH | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0 || fstat(fd, &st) < 0)
			goto out;
		if (!S_ISLNK(st.st_mode)) {
			if (!*rest)
				break;
			step(&dir, fd);
			fd = -1;
			continue;
		}
		if (!*rest && (flags & O_NOFOLLOW)) {
			if (!(flags & O_PATH)) {
				close(fd);
				fd = -1;
				errno = ELOOP;
			}
			goto out;
		}
		/* A symlink: its target, then what remained; an absolute one starts at the root. */
		tl = readlinkat(fd, "", target, sizeof target - 1);
		close(fd);
		fd = -1;
		if (tl < 0 || ++links > LINKS_MAX) {
			errno = tl < 0 ? errno : ELOOP;
			goto out;
		}
		target[tl] = 0;
		if (join_rest(rest, sizeof rest, target, (size_t)tl, rest) < 0)
			goto out;
		if (target[0] == '/') {
			close(dir);
			if ((dir = dup(rootfd)) < 0)
				goto out;
		}
	}
	if (r < 0)
		goto out;
	if (fd < 0) /* the path ended at a directory ("", ".", "..", "a/") */
		fd = openat(dir, ".", flags | O_CLOEXEC);
	else if (!(flags & O_PATH)) { /* reopen the last component for real */
		close(fd);
		fd = openat(dir, comp, flags | O_NOFOLLOW | O_CLOEXEC);
	}
out:
	err = errno;
	if (dir >= 0)
		close(dir);
	errno = err;
	return fd;
}

int hostfs_open(const char *root, const char *path, int flags)
{
	struct open_how how;
	int rootfd, fd, err;

	if (is_live_root(root))
		return open(path, flags | O_CLOEXEC, 0);
	rootfd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (rootfd < 0)
		return -1;
	memset(&how, 0, sizeof how);
	how.flags = (unsigned long long)(flags | O_CLOEXEC);
	how.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS;
	while (*path == '/')
		path++;
	fd = (int)syscall(SYS_openat2, rootfd, *path ? path : ".", &how, sizeof how);
	if (fd < 0 && errno == ENOSYS)
		fd = hostfs_walk(rootfd, path, flags);
	err = errno;
	close(rootfd);
	errno = err;
	return fd;
}

int hostfs_stat(const char *root, const char *path, struct stat *st)
{
	int fd = hostfs_open(root, path, O_PATH), rc, err;

	if (fd < 0)
		return -1;
	rc = fstat(fd, st);
	err = errno;
	close(fd);
	errno = err;
	return rc;
}

DIR *hostfs_opendir(const char *root, const char *path)
{
	int fd = hostfs_open(root, path, O_RDONLY | O_DIRECTORY | O_NONBLOCK), err;
	DIR *d;

	if (fd < 0)
		return NULL;
	d = fdopendir(fd);
	if (!d) {
		err = errno;
		close(fd);
		errno = err;
	}
	return d;
}
