/* Which kernel-log records a check of netrescue cares about: the records diagnose shows in its
 * report (conntrack table full, neighbour table overflow, OOM kills, runtime segfaults, SYN
 * floods, links going down, martians, ...). Everything else is noise to a network
 * investigation and only goes into the bundle. Matching is by text, whatever the facility
 * (CONTRACT "Kernel log"), ASCII case ignored. */
#ifndef NR_KMSG_MATCH_H
#define NR_KMSG_MATCH_H
#include <stddef.h>

struct kmsg_kind {
	const char *kind;    /* "conntrack-table-full", "oom-kill", ... (stable: JSON "match") */
	const char *check;   /* the diagnose check it is evidence for: "conntrack", "runtime", ... */
	const char *what;    /* a few words for people: "conntrack table full" */
};

/* The kind of the record whose text is text[0..n) (untrusted, any bytes), or NULL when no check
 * cares about it. */
const struct kmsg_kind *kmsg_match(const char *text, size_t n);

/* "45s", "12m", "3h", "2d" (the largest whole unit; "1h30m" below a day when not whole). */
const char *kmsg_span_str(unsigned long long secs, char *buf, size_t cap);
/* "3h ago" for a record at wall_us seen from now_us; "just now" within a second; "in the
 * future" when the clock went back. */
const char *kmsg_age_str(long long wall_us, long long now_us, char *buf, size_t cap);

/* CLOCK_REALTIME in µs: the "now" ages are counted from. */
long long kmsg_now_us(void);

#endif
