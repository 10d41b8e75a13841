/* How a report says numbers to a person: counts ("once", "twice", "3 times"), spans of time
 * ("1d", "3h", "45s": never "86400s") and ages ("3h ago"). Every report line that says "N
 * times" or "in the last N seconds" goes through here, so the wording is one thing. */
#ifndef NR_REPORT_WORDS_H
#define NR_REPORT_WORDS_H
#include <stddef.h>

/* "once", "twice", "3 times" (n = 0: "0 times"). */
const char *words_count(unsigned long long n, char *buf, size_t cap);
/* "45s", "12m", "3h", "2d" (the largest whole unit; "1h30m", "1d2h" when not whole). */
const char *words_span(unsigned long long secs, char *buf, size_t cap);
/* "3h ago" for a moment at when_us seen from now_us (µs since the epoch): one unit, rounded
 * down; "just now" within a second; "in the future" when the clock went back. */
const char *words_age(long long when_us, long long now_us, char *buf, size_t cap);

#endif
