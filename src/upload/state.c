/* The resumable session between runs: ".NAME.netrescue-upload" beside the input file, mode
 * 0600, holding a key (SHA-256 of the URL's host, port and object path and of the file's
 * identity: device, inode, size, mtime) and the session URI. The URL's signature is never
 * written; the session URI itself is a credential, hence 0600 and removal on success. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "upload/private.h"

#define STATE_MAGIC "netrescue upload state 1\n"
/* STATE_MAX: the magic, a 64-digit key and a session URI. */
#define STATE_MAX (HTTP_LOCATION_MAX + 256)

void up_state_path(struct up *s, const char *file)
{
	const char *slash = strrchr(file, '/');
	int n;

	s->state_path[0] = 0;
	if (!s->o->keep_state)
		return;
	if (slash)
		n = snprintf(s->state_path, sizeof s->state_path, "%.*s/.%s.netrescue-upload",
			     (int)(slash - file), file, slash + 1);
	else
		n = snprintf(s->state_path, sizeof s->state_path, ".%s.netrescue-upload", file);
	if (n < 0 || (size_t)n >= sizeof s->state_path)
		s->state_path[0] = 0;
}

static int state_key(const struct up *s, char hex[65])
{
	br_sha256_context h;
	unsigned char d[32];
	char id[128];
	struct stat st;
	int i;

	if (fstat(s->fd, &st))
		return -1;
	br_sha256_init(&h);
	br_sha256_update(&h, s->u.host, strlen(s->u.host) + 1);
	br_sha256_update(&h, &s->u.port, sizeof s->u.port);
	br_sha256_update(&h, s->u.target, s->u.path_len);
	snprintf(id, sizeof id, "\n%llu %llu %llu %lld.%09ld", (unsigned long long)st.st_dev,
		 (unsigned long long)st.st_ino, (unsigned long long)st.st_size, (long long)st.st_mtim.tv_sec,
		 st.st_mtim.tv_nsec);
	br_sha256_update(&h, id, strlen(id));
	br_sha256_out(&h, d);
	for (i = 0; i < 32; i++)
		snprintf(hex + 2 * i, 3, "%02x", d[i]);
	return 0;
}

/* 1 with the session URI in uri when the state file is for this file and URL; 0 otherwise. */
int up_state_load(struct up *s, char *uri, size_t cap)
{
	char buf[STATE_MAX + 1], key[65], *k, *u, *end;
	struct stat st;
	ssize_t n;
	int fd;

	if (!s->state_path[0] || state_key(s, key))
		return 0;
	fd = open(s->state_path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return 0;
	/* Ours only: a regular file of this user that nobody else could have written. */
	if (fstat(fd, &st) || !S_ISREG(st.st_mode) || st.st_uid != geteuid() || (st.st_mode & 077)) {
		close(fd);
		return 0;
	}
	n = read(fd, buf, STATE_MAX);
	close(fd);
	if (n <= 0)
		return 0;
	buf[n] = 0;
	if (strncmp(buf, STATE_MAGIC, strlen(STATE_MAGIC)))
		return 0;
	k = buf + strlen(STATE_MAGIC);
	if (strncmp(k, "key ", 4) || strncmp(k + 4, key, 64) || k[68] != '\n')
		return 0;
	u = k + 69;
	if (strncmp(u, "session ", 8))
		return 0;
	u += 8;
	end = strchr(u, '\n');
	if (!end || (size_t)(end - u) >= cap)
		return 0;
	memcpy(uri, u, (size_t)(end - u));
	uri[end - u] = 0;
	return 1;
}

void up_state_save(struct up *s, const char *uri)
{
	char key[65], tmp[UP_PATH_MAX + 8], buf[STATE_MAX];
	int fd, n, err, ok;

	if (!s->state_path[0] || state_key(s, key))
		return;
	n = snprintf(buf, sizeof buf, STATE_MAGIC "key %s\nsession %s\n", key, uri);
	if (n < 0 || (size_t)n >= sizeof buf || snprintf(tmp, sizeof tmp, "%s.tmp", s->state_path) >= (int)sizeof tmp)
		return;
	unlink(tmp);
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	err = errno;
	ok = fd >= 0;
	if (ok) {
		ok = write(fd, buf, (size_t)n) == n && !fsync(fd);
		err = errno;
		if (close(fd) && ok)
			ok = 0, err = errno;
		if (ok && rename(tmp, s->state_path))
			ok = 0, err = errno;
		if (!ok)
			unlink(tmp);
	}
	if (!ok) {
		up_warnf(s, "cannot keep the session in %s (%s): an interrupted upload will start over",
			 s->state_path, strerror(err));
		s->state_path[0] = 0;
	}
}

void up_state_drop(struct up *s)
{
	if (s->state_path[0])
		unlink(s->state_path);
}
