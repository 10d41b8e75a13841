/* Reading single values from /proc and /sys for the node checks, remembering why a value
 * could not be read (so a report names it instead of guessing). */
#ifndef NR_CHECKS_SYSVAL_H
#define NR_CHECKS_SYSVAL_H
#include <stddef.h>

struct sysval {
	int ok;                  /* 1 when v was read */
	int err;                 /* errno when not (ENOENT: absent, EACCES: not allowed, EINVAL: junk) */
	unsigned long long v;
};

/* Reads the unsigned decimal at the start of the file path (a sysctl). Returns 0 when read,
 * -1 otherwise (v->err says why). */
int sysval_read(const char *path, struct sysval *v);
/* Reads a whole small file into buf (cap bytes, NUL-terminated); returns its length, or -1
 * with errno set (EFBIG when it does not fit). */
long sysval_slurp(const char *path, char *buf, size_t cap);
/* MemTotal from /proc/meminfo, in KiB. */
int sysval_memtotal_kib(struct sysval *v);
/* Writes key: v, or key: null when the value could not be read. */
struct jw;
void sysval_json(struct jw *w, const char *key, const struct sysval *v);
/* The value as text, or "? (why)" when it could not be read; returns buf. */
const char *sysval_str(const struct sysval *v, char *buf, size_t cap);
/* "permission denied", "absent", ... for a value that could not be read. */
const char *sysval_why(const struct sysval *v);

#endif
