/* The kernel log, read in-process: /dev/kmsg from the start of the ring buffer without
 * blocking, or klogctl(2) when /dev/kmsg cannot be opened. Records carry the kernel's own
 * sequence number, priority and monotonic timestamp, plus the wall-clock time computed from
 * the current CLOCK_REALTIME - CLOCK_MONOTONIC offset (what `dmesg -T` does too: exact unless
 * the clock was stepped or the machine suspended since the record was written).
 * Nothing here allocates except the klogctl fallback (one buffer the size of the log). */
#ifndef NR_KMSG_KMSG_H
#define NR_KMSG_KMSG_H
#include <stddef.h>

#include "base/err.h"

/* KMSG_READ_MAX: CONSOLE_EXT_LOG_MAX (8192), the largest record one read of /dev/kmsg returns;
 * a smaller buffer makes read() fail with EINVAL. */
#define KMSG_READ_MAX 8192
/* KMSG_TEXT_MAX: printk caps a message at 1024 bytes; unescaping \xNN only shrinks it. Room
 * to spare for kernels with a larger limit (longer text is cut, never overflowed). */
#define KMSG_TEXT_MAX 2048
/* KMSG_DICT_MAX: the SUBSYSTEM=/DEVICE= continuation lines are a few dozen bytes. */
#define KMSG_DICT_MAX 512

struct kmsg_rec {
	unsigned long long seq;     /* kernel sequence number (klogctl: line number) */
	unsigned long long mono_us; /* µs since boot, printk's clock */
	long long wall_us;          /* µs since the Unix epoch (boot offset + mono_us) */
	int has_time;               /* 0 when the record had no timestamp (klogctl, no PRINTK_TIME) */
	int level;                  /* 0 emerg .. 7 debug */
	int facility;               /* 0 kern, 1 user (what writes to /dev/kmsg get), ... */
	int cont;                   /* flag 'c'/'+': a fragment of a continued line */
	size_t text_len;
	char text[KMSG_TEXT_MAX];   /* unescaped, NUL-terminated; may hold any byte */
	size_t dict_len;
	char dict[KMSG_DICT_MAX];   /* continuation lines, "KEY=value\n" each, unescaped */
};

struct kmsg_filter {
	unsigned long long since_secs; /* only records of the last since_secs; 0 = all */
	const char *grep;              /* only records whose text contains this; NULL = all */
	int icase;                     /* grep ignores ASCII case */
	int max_level;                 /* only records this severe or worse: 0 emerg .. 7 debug.
					  Set 7 for all records (0 keeps only emerg). */
};

struct kmsg_info {
	const char *source;            /* "/dev/kmsg" or "klogctl" */
	unsigned long long lost;       /* records overwritten while we read (EPIPE) */
	unsigned long long read;       /* records read, before filtering */
	unsigned long long matched;    /* records handed to the callback */
};

/* <0 error (the walk stops and returns it), 0 stop, >0 go on. */
typedef int (*kmsg_cb)(const struct kmsg_rec *r, void *arg);

/* Parses one /dev/kmsg record ("PRI,SEQ,USEC,FLAGS[,...];TEXT\n[ KEY=VAL\n]..."), n bytes,
 * untrusted. Fills r (wall_us from boot_wall_us). 0, or -1 when malformed. */
int kmsg_parse(const char *buf, size_t n, long long boot_wall_us, struct kmsg_rec *r);
/* Parses one klogctl line ("<PRI>[SECS.USECS] TEXT" or "<PRI>TEXT"), n bytes without the
 * newline, untrusted. 0, or -1 when malformed. */
int kmsg_parse_syslog(const char *line, size_t n, long long boot_wall_us, struct kmsg_rec *r);

/* Reads every record of the kernel log, oldest first, and calls cb for each one f lets
 * through (f may be NULL). info may be NULL; its source is set before the first callback.
 * Returns 0 (also when cb stopped), cb's negative value, or -1 with e filled
 * (NR_E_KMSG_PERM when neither /dev/kmsg nor klogctl is permitted). */
int kmsg_walk(const struct kmsg_filter *f, kmsg_cb cb, void *arg, struct kmsg_info *info,
	      struct nr_err *e);

/* Kernel-log evidence for checks: records of the window whose text contains needle. */
struct kmsg_match {
	unsigned long long count;
	long long last_wall_us;      /* of the newest match; 0 when none */
	char last_text[256];         /* its text (cut) */
};
/* Counts matches of any of the NULL-terminated needles (ASCII case ignored) in the last
 * since_secs (0 = all). 0, or -1 with e filled. */
int kmsg_find(const char *const *needles, unsigned long long since_secs, struct kmsg_match *m,
	      struct nr_err *e);

/* CLOCK_REALTIME - CLOCK_MONOTONIC now, in µs: the wall-clock time of boot. */
long long kmsg_boot_wall_us(void);
/* "2026-11-25T12:00:01Z" into buf (>= 21 bytes). */
const char *kmsg_time_str(long long wall_us, char *buf, size_t cap);
/* Writes "kernel_log": {"since_seconds", "WHAT_count", "WHAT_last", "error"} for a check's
 * evidence: m when ok, else the counts null and err saying why the log could not be read. */
struct jw;
void kmsg_match_json(struct jw *w, const char *what, unsigned long long since_secs, int ok,
		     const struct kmsg_match *m, const char *err);
/* "emerg".."debug" (syslog names), "kern", "user", ... ; "?" when out of range. */
const char *kmsg_level_name(int level);
const char *kmsg_facility_name(int facility);
/* "emerg".."debug" (also "warn", "error") or a digit 0-7 -> level; -1 when unknown. */
int kmsg_level_parse(const char *s);

#endif
