/* Reading the node's files and writing ours, safely: one place for the things every reader
 * must get right.
 *  - Paths under --host-root resolve inside it: an absolute symlink in the node's tree
 *    (/var/run -> /run, a planted /etc/cni/net.d/x -> /etc/shadow) means the node's /run, never
 *    netrescue's own root (openat2 RESOLVE_IN_ROOT; a component walk where the kernel lacks it).
 *  - A node file is opened O_NONBLOCK and must be a regular file: a FIFO or a device planted
 *    as config.json or sysctl.conf is refused, never waited on.
 *  - Every read has a total deadline, not a per-read one: a peer that trickles a byte a second
 *    cannot hold netrescue for longer than the deadline.
 *  - Writes are written whole or fail with the errno.
 * Errors: the io range of base/err.h, with errno in sys and the path in ctx. */
#ifndef NR_BASE_IO_H
#define NR_BASE_IO_H
#include <dirent.h>
#include <stddef.h>
#include <sys/stat.h>

#include "base/err.h"

/* IO_DEADLINE_MS: the longest any one file or socket read may take (a wedged dockerd, a hung
 * NFS-backed /var/log). Two seconds keeps a diagnose of 100 pods interactive. */
#define IO_DEADLINE_MS 2000
/* IO_PATH_MAX: a node path under --host-root (PATH_MAX is the kernel's own limit). */
#define IO_PATH_MAX 4096

/* Opens path (absolute, as the node sees it) inside root ("/" or NULL: the live root), with
 * flags (O_CLOEXEC added). Symlinks and ".." resolve inside root. Returns the fd, or -1 with
 * errno set (ENOENT, EACCES, ...): callers decide whether absence is an error. */
int hostfs_open(const char *root, const char *path, int flags);
/* The walk hostfs_open falls back to on kernels without openat2 (exposed for its unit test):
 * path relative to the directory rootfd, resolved inside it. */
int hostfs_walk(int rootfd, const char *path, int flags);
/* fstat of path inside root (following symlinks inside root); 0 or -1 with errno. */
int hostfs_stat(const char *root, const char *path, struct stat *st);
/* opendir of path inside root; NULL with errno. */
DIR *hostfs_opendir(const char *root, const char *path);

/* Reads all of fd into buf (cap bytes, NUL-terminated, so at most cap - 1 of data) within
 * deadline_ms in total. *len gets the byte count. 0, or -1 with e: NR_E_IO_TIMEOUT,
 * NR_E_IO_READ (sys), NR_E_TOOBIG (more than cap - 1 bytes). what names the source in e. */
int io_read_fd(int fd, char *buf, size_t cap, size_t *len, int deadline_ms, const char *what,
	       struct nr_err *e);
/* Reads the regular file path (inside root as hostfs_open) into buf as io_read_fd. A missing
 * file is NR_E_NOENT, a refused one NR_E_IO_OPEN with sys = EACCES/EPERM, anything but a
 * regular file NR_E_IO_NOTREG. */
int io_read_file(const char *root, const char *path, char *buf, size_t cap, size_t *len,
		 struct nr_err *e);
/* The id of the mount fd lives on (/proc/self/fdinfo's mnt_id): a file bind-mounted over
 * itself has its own, which st_dev does not show. -1 when unknown. */
long long io_mount_id(int fd);
/* Writes all n bytes (retrying short writes and EINTR). 0, or -1 with errno set. */
int io_write_all(int fd, const void *buf, size_t n);

#endif
