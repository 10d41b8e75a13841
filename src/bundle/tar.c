/* The bundle file: POSIX ustar members (pax/IEEE 1003.1-1988 layout) streamed through gz. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bundle/bundle.h"

/* TAR_RECORD: GNU tar's default blocking factor (20 x 512); padding to it keeps every reader
 * happy about the archive's end. */
#define TAR_BLOCK 512
#define TAR_RECORD 10240

static int fd_sink(void *arg, const unsigned char *p, size_t n, struct nr_err *e)
{
	struct bundle *b = arg;
	ssize_t w;

	while (n) {
		w = write(b->fd, p, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return nr_fail(e, NR_E_BUNDLE_WRITE, w < 0 ? errno : EIO, "bundle", "%s", b->path);
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

static void octal(unsigned char *dst, size_t width, unsigned long long v)
{
	/* width-1 octal digits, zero-padded, then NUL (ustar numeric fields). */
	char tmp[24];

	snprintf(tmp, sizeof tmp, "%0*llo", (int)(width - 1), v);
	memcpy(dst, tmp, width - 1);
	dst[width - 1] = 0;
}

/* Splits name into ustar's prefix (155) and name (100) at a '/'. */
static int split_name(unsigned char *hdr, const char *name, struct nr_err *e)
{
	size_t n = strlen(name), i;

	if (n == 0 || name[0] == '/' || n > BUNDLE_NAME_MAX)
		return nr_fail(e, NR_E_BUNDLE_NAME, 0, "bundle", "%.64s", name);
	if (n <= 100) {
		memcpy(hdr, name, n);
		return 0;
	}
	for (i = n - 1; i > 0; i--)
		if (name[i] == '/' && i <= 155 && n - i - 1 <= 100 && n - i - 1 > 0) {
			memcpy(hdr + 345, name, i);
			memcpy(hdr, name + i + 1, n - i - 1);
			return 0;
		}
	return nr_fail(e, NR_E_BUNDLE_NAME, 0, "bundle", "%.64s", name);
}

int bundle_tar_header(unsigned char hdr[512], const char *name, unsigned long long size,
		      long long mtime, char type, struct nr_err *e)
{
	unsigned sum = 0;
	size_t i;

	memset(hdr, 0, TAR_BLOCK);
	if (split_name(hdr, name, e) < 0)
		return -1;
	/* 11 octal digits: sizes up to 8 GiB, more than any capture we bundle. */
	if (size > 077777777777ULL)
		return nr_fail(e, NR_E_TOOBIG, 0, "bundle", "%.64s", name);
	octal(hdr + 100, 8, type == '5' ? 0755 : 0644);
	octal(hdr + 108, 8, 0);
	octal(hdr + 116, 8, 0);
	octal(hdr + 124, 12, size);
	octal(hdr + 136, 12, mtime > 0 ? (unsigned long long)mtime : 0);
	hdr[156] = (unsigned char)type;
	memcpy(hdr + 257, "ustar", 6);
	memcpy(hdr + 263, "00", 2);
	memcpy(hdr + 265, "root", 4);
	memcpy(hdr + 297, "root", 4);
	/* The checksum counts its own field as eight spaces; written as 6 digits, NUL, space. */
	memset(hdr + 148, ' ', 8);
	for (i = 0; i < TAR_BLOCK; i++)
		sum += hdr[i];
	octal(hdr + 148, 7, sum);
	hdr[155] = ' ';
	return 0;
}

static int put(struct bundle *b, const void *p, size_t n, struct nr_err *e)
{
	b->tar_bytes += n;
	return gz_write(&b->z, p, n, e);
}

static int pad(struct bundle *b, unsigned long long size, struct nr_err *e)
{
	static const unsigned char zero[TAR_BLOCK];
	size_t r = (size_t)(size % TAR_BLOCK);

	return r ? put(b, zero, TAR_BLOCK - r, e) : 0;
}

static int member(struct bundle *b, const char *name, unsigned long long size, char type,
		  struct nr_err *e)
{
	unsigned char hdr[TAR_BLOCK];

	if (bundle_tar_header(hdr, name, size, b->mtime, type, e) < 0)
		return -1;
	return put(b, hdr, sizeof hdr, e);
}

int bundle_open(struct bundle *b, const char *path, int force, long long mtime, struct nr_err *e)
{
	/* O_NONBLOCK: a FIFO without a reader must be refused, not waited on; no O_TRUNC until
	 * the file is known to be a regular one. */
	int flags = O_WRONLY | O_CREAT | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC | (force ? 0 : O_EXCL);
	struct stat st;

	b->fd = -1;
	b->mtime = mtime;
	b->tar_bytes = 0;
	if (snprintf(b->path, sizeof b->path, "%s", path) >= (int)sizeof b->path)
		return nr_fail(e, NR_E_TOOBIG, 0, "bundle", "%.64s...", path);
	b->fd = open(path, flags, 0600);
	if (b->fd < 0) {
		if (errno == EEXIST)
			return nr_fail(e, NR_E_EXISTS, 0, "bundle", "%s", path);
		if (errno == ELOOP)
			return nr_fail(e, NR_E_BUNDLE_WRITE, errno, "bundle", "%s: is a symlink, not followed", path);
		if (errno == ENXIO)
			return nr_fail(e, NR_E_BUNDLE_WRITE, 0, "bundle", "%s: not a regular file", path);
		return nr_fail(e, NR_E_BUNDLE_WRITE, errno, "bundle", "%s", path);
	}
	/* --force replaces a regular file only: never write into a device or FIFO. */
	if (fstat(b->fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		close(b->fd);
		b->fd = -1;
		return nr_fail(e, NR_E_BUNDLE_WRITE, 0, "bundle", "%s: not a regular file", path);
	}
	if ((force && ftruncate(b->fd, 0) < 0) || fcntl(b->fd, F_SETFL, 0) < 0) {
		int err = errno;

		close(b->fd);
		b->fd = -1;
		return nr_fail(e, NR_E_BUNDLE_WRITE, err, "bundle", "%s", path);
	}
	if (gz_init(&b->z, 0, fd_sink, b, e) < 0) {
		bundle_abort(b);
		return -1;
	}
	return 0;
}

int bundle_add(struct bundle *b, const char *name, const void *data, size_t n, struct nr_err *e)
{
	if (member(b, name, n, '0', e) < 0 || put(b, data, n, e) < 0)
		return -1;
	return pad(b, n, e);
}

int bundle_add_dir(struct bundle *b, const char *name, struct nr_err *e)
{
	return member(b, name, 0, '5', e);
}

int bundle_add_file(struct bundle *b, const char *name, const char *path, struct nr_err *e)
{
	unsigned long long left;
	struct stat st;
	ssize_t r;
	int fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC); /* a FIFO is refused, not waited on */

	if (fd < 0)
		return nr_fail(e, errno == ENOENT ? NR_E_NOENT : NR_E_SYS, errno, "bundle", "%s", path);
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return nr_fail(e, NR_E_BUNDLE_WRITE, 0, "bundle", "%s: not a regular file", path);
	}
	/* The header promised st_size bytes: copy exactly that many, even if the file grows. */
	left = (unsigned long long)st.st_size;
	if (member(b, name, left, '0', e) < 0)
		goto fail;
	while (left) {
		r = read(fd, b->buf, left < sizeof b->buf ? (size_t)left : sizeof b->buf);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			nr_fail(e, NR_E_BUNDLE_WRITE, r < 0 ? errno : EIO, "bundle", "%s: shrank while read", path);
			goto fail;
		}
		if (put(b, b->buf, (size_t)r, e) < 0)
			goto fail;
		left -= (unsigned long long)r;
	}
	close(fd);
	return pad(b, (unsigned long long)st.st_size, e);
fail:
	close(fd);
	return -1;
}

int bundle_close(struct bundle *b, struct nr_err *e)
{
	static const unsigned char zero[TAR_BLOCK];
	unsigned long long rest;

	/* Two zero blocks end the archive, then zeros up to a whole record. */
	if (put(b, zero, TAR_BLOCK, e) < 0 || put(b, zero, TAR_BLOCK, e) < 0)
		goto fail;
	rest = (TAR_RECORD - b->tar_bytes % TAR_RECORD) % TAR_RECORD;
	while (rest) {
		if (put(b, zero, TAR_BLOCK, e) < 0)
			goto fail;
		rest -= TAR_BLOCK;
	}
	if (gz_finish(&b->z, e) < 0)
		goto fail;
	if (fsync(b->fd) < 0 && errno != EINVAL) {
		nr_fail(e, NR_E_BUNDLE_WRITE, errno, "bundle", "%s", b->path);
		goto fail;
	}
	if (close(b->fd) < 0) {
		b->fd = -1;
		nr_fail(e, NR_E_BUNDLE_WRITE, errno, "bundle", "%s", b->path);
		unlink(b->path);
		return -1;
	}
	b->fd = -1;
	return 0;
fail:
	bundle_abort(b);
	return -1;
}

void bundle_abort(struct bundle *b)
{
	if (b->fd >= 0) {
		close(b->fd);
		b->fd = -1;
		unlink(b->path);
	}
}
