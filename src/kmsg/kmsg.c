#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/klog.h>
#include <time.h>
#include <unistd.h>

#include "kmsg/kmsg.h"
#include "base/parse.h"
#include "report/json.h"

/* klogctl(2) actions (linux/syslog.h is not exported to user space). */
enum { SYSLOG_READ_ALL = 3, SYSLOG_SIZE_BUFFER = 10 };
/* KLOG_MAX: log_buf_len is at most 2^25 in the kernel; anything above is not a log size. */
#define KLOG_MAX (1 << 25)

static const char *const levels[] = { "emerg", "alert", "crit", "err", "warning", "notice", "info", "debug" };
static const char *const facilities[] = {
	"kern", "user", "mail", "daemon", "auth", "syslog", "lpr", "news", "uucp", "cron",
	"authpriv", "ftp", "ntp", "security", "console", "solaris-cron",
	"local0", "local1", "local2", "local3", "local4", "local5", "local6", "local7",
};

const char *kmsg_level_name(int level)
{
	return level >= 0 && level < 8 ? levels[level] : "?";
}

int kmsg_level_parse(const char *s)
{
	int i;

	if (s[0] >= '0' && s[0] <= '7' && !s[1])
		return s[0] - '0';
	for (i = 0; i < 8; i++)
		if (!strcmp(s, levels[i]))
			return i;
	/* dmesg's spellings */
	if (!strcmp(s, "warn"))
		return 4;
	if (!strcmp(s, "error"))
		return 3;
	return -1;
}

const char *kmsg_facility_name(int facility)
{
	return facility >= 0 && facility < (int)(sizeof facilities / sizeof facilities[0]) ? facilities[facility] : "?";
}

static long long clock_us(clockid_t id)
{
	struct timespec ts;

	if (clock_gettime(id, &ts) < 0)
		return 0;
	return (long long)ts.tv_sec * 1000000LL + ts.tv_nsec / 1000;
}

long long kmsg_boot_wall_us(void)
{
	return clock_us(CLOCK_REALTIME) - clock_us(CLOCK_MONOTONIC);
}

const char *kmsg_time_str(long long wall_us, char *buf, size_t cap)
{
	time_t t = (time_t)(wall_us / 1000000LL);
	struct tm tm;

	if (!gmtime_r(&t, &tm) || !strftime(buf, cap, "%Y-%m-%dT%H:%M:%SZ", &tm))
		snprintf(buf, cap, "?");
	return buf;
}

/* --- parsing --------------------------------------------------------------------------------- */


/* Copies s[0..n) into dst (cap > 0), decoding the kernel's \xNN escapes (it escapes
 * non-printable bytes and the backslash itself); NUL-terminates; returns the length. */
static size_t unescape(char *dst, size_t cap, const char *s, size_t n)
{
	size_t i = 0, o = 0;
	int hi, lo;

	while (i < n && o + 1 < cap) {
		if (s[i] == '\\' && i + 4 <= n && s[i + 1] == 'x' &&
		    (hi = hex_digit(s[i + 2])) >= 0 && (lo = hex_digit(s[i + 3])) >= 0) {
			dst[o++] = (char)(hi << 4 | lo);
			i += 4;
		} else {
			dst[o++] = s[i++];
		}
	}
	dst[o] = 0;
	return o;
}

/* A decimal number at *p (before end), advancing *p past it. 0 or -1. */
static int num(const char **p, const char *end, unsigned long long *v)
{
	const char *s = *p;
	unsigned long long x = 0;

	if (s >= end || *s < '0' || *s > '9')
		return -1;
	for (; s < end && *s >= '0' && *s <= '9'; s++) {
		if (x > (~0ULL - 9) / 10)
			return -1;
		x = x * 10 + (unsigned)(*s - '0');
	}
	*p = s;
	*v = x;
	return 0;
}

static void set_prio(struct kmsg_rec *r, unsigned long long prio)
{
	r->level = (int)(prio & 7);
	r->facility = (int)((prio >> 3) & 0xff);
}

static void set_time(struct kmsg_rec *r, unsigned long long us, long long boot_wall_us)
{
	r->mono_us = us;
	r->has_time = 1;
	/* us < 2^63 is guaranteed by the caller's bound. */
	r->wall_us = boot_wall_us + (long long)us;
}

/* The continuation lines after the text: each " KEY=VALUE\n". */
static int parse_dict(const char *p, const char *end, struct kmsg_rec *r)
{
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *le = nl ? nl : end;
		if (*p != ' ')
			return -1;
		p++;
		if (r->dict_len + 2 < sizeof r->dict) {
			r->dict_len += unescape(r->dict + r->dict_len, sizeof r->dict - r->dict_len - 1, p, (size_t)(le - p));
			r->dict[r->dict_len++] = '\n';
			r->dict[r->dict_len] = 0;
		}
		p = nl ? nl + 1 : end;
	}
	return 0;
}

int kmsg_parse(const char *buf, size_t n, long long boot_wall_us, struct kmsg_rec *r)
{
	const char *p = buf, *end = buf + n, *semi, *nl;
	unsigned long long prio, us;

	memset(r, 0, offsetof(struct kmsg_rec, text));
	r->text[0] = r->dict[0] = 0;
	r->text_len = r->dict_len = 0;
	semi = memchr(buf, ';', n);
	if (!semi)
		return -1;
	if (num(&p, semi, &prio) < 0 || prio > 0x7ff || p >= semi || *p++ != ',')
		return -1;
	if (num(&p, semi, &r->seq) < 0 || p >= semi || *p++ != ',')
		return -1;
	if (num(&p, semi, &us) < 0 || us > (1ULL << 62))
		return -1;
	/* The flags field and any later ones (caller=T1 on CONFIG_PRINTK_CALLER kernels). */
	if (p < semi) {
		if (*p++ != ',' || p >= semi)
			return -1;
		r->cont = *p == 'c' || *p == '+';
	}
	set_prio(r, prio);
	set_time(r, us, boot_wall_us);
	p = semi + 1;
	nl = memchr(p, '\n', (size_t)(end - p));
	r->text_len = unescape(r->text, sizeof r->text, p, (size_t)((nl ? nl : end) - p));
	return nl ? parse_dict(nl + 1, end, r) : 0;
}

int kmsg_parse_syslog(const char *line, size_t n, long long boot_wall_us, struct kmsg_rec *r)
{
	const char *p = line, *end = line + n, *q;
	unsigned long long prio, sec, frac = 0, us;
	int digits = 0;

	memset(r, 0, offsetof(struct kmsg_rec, text));
	r->text[0] = r->dict[0] = 0;
	r->text_len = r->dict_len = 0;
	if (p >= end || *p++ != '<' || num(&p, end, &prio) < 0 || prio > 0x7ff || p >= end || *p++ != '>')
		return -1;
	set_prio(r, prio);
	/* "[    5.123456] " when CONFIG_PRINTK_TIME; otherwise the text follows directly. */
	if (p < end && *p == '[' && (q = memchr(p, ']', (size_t)(end - p)))) {
		p++;
		while (p < q && *p == ' ')
			p++;
		if (num(&p, q, &sec) < 0 || sec > (1ULL << 40))
			return -1;
		if (p < q && *p == '.') {
			for (p++; p < q && *p >= '0' && *p <= '9' && digits < 6; p++, digits++)
				frac = frac * 10 + (unsigned)(*p - '0');
			for (; digits < 6; digits++)
				frac *= 10;
		}
		if (p != q)
			return -1;
		us = sec * 1000000ULL + frac;
		set_time(r, us, boot_wall_us);
		p = q + 1;
		if (p < end && *p == ' ')
			p++;
	}
	r->text_len = unescape(r->text, sizeof r->text, p, (size_t)(end - p));
	return 0;
}

/* --- walking --------------------------------------------------------------------------------- */

struct walk {
	const struct kmsg_filter *f;
	unsigned long long min_us;   /* records older than this (monotonic) are outside --since */
	unsigned long long stop_us;  /* records newer than this arrived while we read: stop */
	kmsg_cb cb;
	void *arg;
	struct kmsg_info *info;
};

static int contains(const char *hay, size_t n, const char *needle, int icase)
{
	size_t m = strlen(needle), i;

	if (m == 0)
		return 1;
	for (i = 0; i + m <= n; i++)
		if (icase ? !strncasecmp(hay + i, needle, m) : !memcmp(hay + i, needle, m))
			return 1;
	return 0;
}

/* Filters one record and hands it on; returns the callback's verdict (>0 go on). */
static int deliver(struct walk *w, const struct kmsg_rec *r)
{
	w->info->read++;
	if (w->min_us && (!r->has_time || r->mono_us < w->min_us))
		return 1;
	if (w->f && w->f->grep && !contains(r->text, r->text_len, w->f->grep, w->f->icase))
		return 1;
	if (w->f && r->level > w->f->max_level)
		return 1;

	w->info->matched++;
	return w->cb(r, w->arg);
}

static int walk_devkmsg(struct walk *w, int fd, struct nr_err *e)
{
	char buf[KMSG_READ_MAX];
	struct kmsg_rec r;
	long long boot = kmsg_boot_wall_us();
	ssize_t n;
	int rc;

	/* SEEK_SET 0 = the oldest record still in the ring (SEEK_DATA would skip what
	 * `dmesg -c` cleared; the evidence we want may be exactly that). */
	(void)lseek(fd, 0, SEEK_SET);
	for (;;) {
		n = read(fd, buf, sizeof buf);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN)
				return 0;
			if (errno == EPIPE) { /* overwritten under us: the next read resumes */
				w->info->lost++;
				continue;
			}
			return nr_fail(e, NR_E_KMSG, errno, "kmsg", "/dev/kmsg");
		}
		if (n == 0)
			return 0;
		if (kmsg_parse(buf, (size_t)n, boot, &r) < 0)
			continue; /* a record we cannot read is skipped, not fatal */
		if (r.mono_us > w->stop_us)
			return 0;
		rc = deliver(w, &r);
		if (rc <= 0)
			return rc < 0 ? rc : 0;
	}
}

/* One klogctl read: the record being delivered (large: off the stack of a deep walk) and the
 * whole log buffer, one allocation per walk. */
struct klog_work {
	struct kmsg_rec r;
	char buf[];
};

static int walk_klogctl(struct walk *w, struct nr_err *e)
{
	long long boot = kmsg_boot_wall_us();
	int size, n, rc = 0;
	struct klog_work *k;
	char *p, *end, *nl;

	size = klogctl(SYSLOG_SIZE_BUFFER, NULL, 0);
	if (size < 0)
		return nr_fail(e, errno == EPERM ? NR_E_KMSG_PERM : NR_E_KMSG, errno, "kmsg", "klogctl");
	if (size == 0 || size > KLOG_MAX)
		size = KLOG_MAX;
	k = malloc(sizeof *k + (size_t)size);
	if (!k)
		return nr_fail(e, NR_E_NOMEM, ENOMEM, "kmsg", "klogctl");
	n = klogctl(SYSLOG_READ_ALL, k->buf, size);
	if (n < 0) {
		rc = nr_fail(e, errno == EPERM ? NR_E_KMSG_PERM : NR_E_KMSG, errno, "kmsg", "klogctl");
		free(k);
		return rc;
	}
	w->info->source = "klogctl";
	for (p = k->buf, end = k->buf + n; p < end; p = nl + 1) {
		nl = memchr(p, '\n', (size_t)(end - p));
		if (!nl)
			nl = end;
		if (kmsg_parse_syslog(p, (size_t)(nl - p), boot, &k->r) < 0)
			continue;
		k->r.seq = w->info->read;
		rc = deliver(w, &k->r);
		if (rc <= 0)
			break;
	}
	free(k);
	return rc < 0 ? rc : 0;
}

int kmsg_walk(const struct kmsg_filter *f, kmsg_cb cb, void *arg, struct kmsg_info *info,
	      struct nr_err *e)
{
	struct kmsg_info dummy;
	struct walk w;
	long long now;
	int fd, rc;

	memset(&dummy, 0, sizeof dummy);
	if (!info)
		info = &dummy;
	memset(info, 0, sizeof *info);
	w.f = f;
	w.cb = cb;
	w.arg = arg;
	w.info = info;
	w.min_us = 0;
	now = clock_us(CLOCK_MONOTONIC);
	/* A flooding kernel must not keep us reading forever: records stamped more than 5 s after
	 * we started are left for the next run (5 s of slack, since printk's local_clock and
	 * CLOCK_MONOTONIC may drift apart a little). */
	w.stop_us = (unsigned long long)now + 5000000ULL;
	if (f && f->since_secs) {
		if ((unsigned long long)now > f->since_secs * 1000000ULL)
			w.min_us = (unsigned long long)now - f->since_secs * 1000000ULL;
	}
	fd = open("/dev/kmsg", O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0) {
		/* No /dev (a minimal container) or not allowed: klogctl may still work. */
		if (errno != ENOENT && errno != EPERM && errno != EACCES && errno != ENXIO)
			return nr_fail(e, NR_E_KMSG, errno, "kmsg", "/dev/kmsg");
		return walk_klogctl(&w, e);
	}
	info->source = "/dev/kmsg";
	rc = walk_devkmsg(&w, fd, e);
	close(fd);
	return rc;
}

/* --- evidence for checks --------------------------------------------------------------------- */

struct find {
	const char *const *needles;
	struct kmsg_match *m;
};

static int find_cb(const struct kmsg_rec *r, void *arg)
{
	struct find *fd = arg;
	const char *const *n;

	for (n = fd->needles; *n; n++) {
		if (!contains(r->text, r->text_len, *n, 1))
			continue;
		fd->m->count++;
		if (r->has_time && r->wall_us >= fd->m->last_wall_us)
			fd->m->last_wall_us = r->wall_us;
		snprintf(fd->m->last_text, sizeof fd->m->last_text, "%.*s", (int)(sizeof fd->m->last_text - 1), r->text);
		break;
	}
	return 1;
}

int kmsg_find(const char *const *needles, unsigned long long since_secs, struct kmsg_match *m,
	      struct nr_err *e)
{
	struct kmsg_filter f = { .since_secs = since_secs, .max_level = 7 };
	struct find fd = { needles, m };

	memset(m, 0, sizeof *m);
	return kmsg_walk(&f, find_cb, &fd, NULL, e) < 0 ? -1 : 0;
}

void kmsg_match_json(struct jw *w, const char *what, unsigned long long since_secs, int ok,
		     const struct kmsg_match *m, const char *err)
{
	char count[48], last[48], t[32];

	snprintf(count, sizeof count, "%s_count", what);
	snprintf(last, sizeof last, "%s_last", what);
	jw_key(w, "kernel_log");
	jw_obj(w);
	jw_kuint(w, "since_seconds", since_secs);
	if (ok) {
		jw_kuint(w, count, m->count);
		jw_kstr(w, last, m->count ? kmsg_time_str(m->last_wall_us, t, sizeof t) : NULL);
		jw_knull(w, "error");
	} else {
		jw_knull(w, count);
		jw_knull(w, last);
		jw_kstr(w, "error", err);
	}
	jw_obj_end(w);
}
