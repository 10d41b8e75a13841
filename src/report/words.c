#include <stdio.h>

#include "report/words.h"

const char *words_count(unsigned long long n, char *buf, size_t cap)
{
	if (n == 1)
		snprintf(buf, cap, "once");
	else if (n == 2)
		snprintf(buf, cap, "twice");
	else
		snprintf(buf, cap, "%llu times", n);
	return buf;
}

const char *words_span(unsigned long long secs, char *buf, size_t cap)
{
	if (secs >= 86400 && secs % 86400 == 0)
		snprintf(buf, cap, "%llud", secs / 86400);
	else if (secs >= 86400)
		snprintf(buf, cap, "%llud%lluh", secs / 86400, secs % 86400 / 3600);
	else if (secs >= 3600 && secs % 3600 == 0)
		snprintf(buf, cap, "%lluh", secs / 3600);
	else if (secs >= 3600)
		snprintf(buf, cap, "%lluh%llum", secs / 3600, secs % 3600 / 60);
	else if (secs >= 60 && secs % 60 == 0)
		snprintf(buf, cap, "%llum", secs / 60);
	else if (secs >= 60)
		snprintf(buf, cap, "%llum%llus", secs / 60, secs % 60);
	else
		snprintf(buf, cap, "%llus", secs);
	return buf;
}

const char *words_age(long long when_us, long long now_us, char *buf, size_t cap)
{
	unsigned long long s;

	if (when_us > now_us + 1000000LL) {
		snprintf(buf, cap, "in the future");
		return buf;
	}
	s = when_us >= now_us ? 0 : (unsigned long long)(now_us - when_us) / 1000000ULL;
	if (!s)
		snprintf(buf, cap, "just now");
	else if (s >= 86400) /* one unit is enough for an age: "3h ago", not "3h12m ago" */
		snprintf(buf, cap, "%llud ago", s / 86400);
	else if (s >= 3600)
		snprintf(buf, cap, "%lluh ago", s / 3600);
	else if (s >= 60)
		snprintf(buf, cap, "%llum ago", s / 60);
	else
		snprintf(buf, cap, "%llus ago", s);
	return buf;
}
