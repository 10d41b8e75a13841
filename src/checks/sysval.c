#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/io.h"
#include "checks/sysval.h"
#include "report/json.h"

long sysval_slurp(const char *path, char *buf, size_t cap)
{
	struct nr_err e;
	size_t len;

	if (io_read_file(NULL, path, buf, cap, &len, &e) == 0)
		return (long)len;
	errno = e.code == NR_E_TOOBIG ? EFBIG : e.code == NR_E_IO_TIMEOUT ? ETIMEDOUT :
		e.code == NR_E_IO_NOTREG ? EINVAL : e.sys ? e.sys : EIO;
	return -1;
}

int sysval_read(const char *path, struct sysval *v)
{
	/* A sysctl number is at most 20 digits plus a newline. */
	char buf[64], *end;

	memset(v, 0, sizeof *v);
	if (sysval_slurp(path, buf, sizeof buf) < 0) {
		v->err = errno;
		return -1;
	}
	if (buf[0] < '0' || buf[0] > '9') {
		v->err = EINVAL;
		return -1;
	}
	errno = 0;
	v->v = strtoull(buf, &end, 10);
	if (errno || (*end && *end != '\n' && *end != '\t' && *end != ' ')) {
		v->err = EINVAL;
		return -1;
	}
	v->ok = 1;
	return 0;
}

int sysval_memtotal_kib(struct sysval *v)
{
	/* /proc/meminfo is ~1.5 KB; MemTotal is its first line. */
	char buf[8192], *p, *end;

	memset(v, 0, sizeof *v);
	if (sysval_slurp("/proc/meminfo", buf, sizeof buf) < 0 && errno != EFBIG) {
		v->err = errno;
		return -1;
	}
	p = strstr(buf, "MemTotal:");
	if (!p) {
		v->err = EINVAL;
		return -1;
	}
	p += 9;
	while (*p == ' ')
		p++;
	errno = 0;
	v->v = strtoull(p, &end, 10);
	if (errno || end == p || strncmp(end, " kB", 3)) {
		v->err = EINVAL;
		return -1;
	}
	v->ok = 1;
	return 0;
}

const char *sysval_why(const struct sysval *v)
{
	switch (v->err) {
	case 0: return "ok";
	case ENOENT: return "absent";
	case EACCES: case EPERM: return "permission denied";
	case EINVAL: return "unreadable format";
	default: return strerror(v->err);
	}
}

void sysval_json(struct jw *w, const char *key, const struct sysval *v)
{
	if (v->ok)
		jw_kuint(w, key, v->v);
	else
		jw_knull(w, key);
}

const char *sysval_str(const struct sysval *v, char *buf, size_t cap)
{
	if (v->ok)
		snprintf(buf, cap, "%llu", v->v);
	else
		snprintf(buf, cap, "? (%s)", sysval_why(v));
	return buf;
}
