#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "report/escape.h"
#include "report/findings.h"
#include "report/words.h"

void findings_init(struct findings *fs)
{
	fs->n = 0;
	fs->dropped = 0;
}

struct finding *findings_add(struct findings *fs, const char *id, enum sev sev, const char *subject,
			     const char *fix, const char *fmt, ...)
{
	struct finding *f;
	va_list ap;

	if (fs->n >= FINDINGS_MAX) {
		fs->dropped++;
		return NULL;
	}
	f = &fs->f[fs->n++];
	memset(f, 0, offsetof(struct finding, subject));
	f->id = id;
	f->sev = sev;
	snprintf(f->subject, sizeof f->subject, "%s", subject ? subject : "");
	snprintf(f->fix, sizeof f->fix, "%s", fix ? fix : "");
	va_start(ap, fmt);
	vsnprintf(f->message, sizeof f->message, fmt, ap);
	va_end(ap);
	f->advice[0] = f->pod_uid[0] = f->cause[0] = 0;
	return f;
}

void finding_advice(struct finding *f, const char *fmt, ...)
{
	va_list ap;

	if (!f)
		return;
	va_start(ap, fmt);
	vsnprintf(f->advice, sizeof f->advice, fmt, ap);
	va_end(ap);
}

void finding_cause(struct finding *f, const char *cause)
{
	if (f)
		snprintf(f->cause, sizeof f->cause, "%s", cause ? cause : "");
}

void finding_pod(struct finding *f, const char *pod_uid)
{
	if (f)
		snprintf(f->pod_uid, sizeof f->pod_uid, "%s", pod_uid ? pod_uid : "");
}

int findings_has(const struct findings *fs, const char *id, const char *subject)
{
	int i;

	for (i = 0; i < fs->n; i++)
		if (!strcmp(fs->f[i].id, id) && !strcmp(fs->f[i].subject, subject))
			return 1;
	return 0;
}

enum sev findings_worst(const struct findings *fs)
{
	enum sev w = SEV_INFO;
	int i;

	for (i = 0; i < fs->n; i++)
		if (fs->f[i].sev > w)
			w = fs->f[i].sev;
	return w;
}

int findings_count(const struct findings *fs, enum sev sev)
{
	int i, c = 0;

	for (i = 0; i < fs->n; i++)
		c += fs->f[i].sev == sev;
	return c;
}

void findings_sort(struct findings *fs)
{
	/* Insertion sort: stable, and n is small. */
	struct finding tmp;
	int i, j;

	for (i = 1; i < fs->n; i++) {
		tmp = fs->f[i];
		for (j = i; j > 0 && fs->f[j - 1].sev < tmp.sev; j--)
			fs->f[j] = fs->f[j - 1];
		fs->f[j] = tmp;
	}
}

const char *sev_name(enum sev s)
{
	return s == SEV_FAIL ? "fail" : s == SEV_WARN ? "warn" : "info";
}

const char *finding_scope_name(enum finding_scope s)
{
	return s == FS_ASKED ? "asked" : s == FS_NODE ? "node" : NULL;
}

static long long now_us(void)
{
	struct timespec ts;

	if (clock_gettime(CLOCK_REALTIME, &ts) < 0)
		return 0;
	return (long long)ts.tv_sec * 1000000LL + ts.tv_nsec / 1000;
}

static const char *rfc3339(long long us, char *buf, size_t cap)
{
	time_t t = (time_t)(us / 1000000);
	struct tm tm;

	if (!gmtime_r(&t, &tm) || !strftime(buf, cap, "%Y-%m-%dT%H:%M:%SZ", &tm))
		snprintf(buf, cap, "%lld", us / 1000000);
	return buf;
}

void finding_json(struct jw *w, const struct finding *f)
{
	char t[32];
	int i;

	jw_obj(w);
	jw_kstr(w, "id", f->id);
	jw_kstr(w, "severity", sev_name(f->sev));
	if (f->scope != FS_NONE)
		jw_kstr(w, "scope", finding_scope_name(f->scope));
	jw_kstr(w, "subject", f->subject);
	jw_kstr(w, "message", f->message);
	jw_kstr(w, "fix", f->fix[0] ? f->fix : NULL);
	jw_kstr(w, "advice", f->advice[0] ? f->advice : NULL);
	jw_kstr(w, "pod_uid", f->pod_uid[0] ? f->pod_uid : NULL);
	if (f->last_seen_us) {
		long long age = (now_us() - f->last_seen_us) / 1000000;

		jw_kstr(w, "last_seen", rfc3339(f->last_seen_us, t, sizeof t));
		jw_kint(w, "age_seconds", age < 0 ? 0 : age);
	}
	jw_key(w, "also");
	jw_arr(w);
	for (i = 0; i < f->nalso; i++)
		jw_str(w, f->also[i]);
	jw_arr_end(w);
	if (f->fix_status) {
		jw_kstr(w, "fix_status", f->fix_status);
		jw_kstr(w, "fix_reason", f->fix_reason);
	}
	jw_obj_end(w);
}

void findings_json(struct jw *w, const struct findings *fs)
{
	int i;

	jw_key(w, "findings");
	jw_arr(w);
	for (i = 0; i < fs->n; i++)
		finding_json(w, &fs->f[i]);
	jw_arr_end(w);
}

/* Each line of a multi-line field (fix: one command a line) behind its label. */
static void lines(FILE *out, const char *label, const char *s)
{
	char a[sizeof ((struct finding *)0)->fix * 4];
	const char *nl;

	while (*s) {
		size_t n;

		nl = strchr(s, '\n');
		n = nl ? (size_t)(nl - s) : strlen(s);
		if (n) {
			esc_text(a, sizeof a, s, n);
			fprintf(out, "     %s %s\n", label, a);
		}
		s += n + (nl != NULL);
	}
}

void finding_text(FILE *out, const struct finding *f, long long now)
{
	char a[sizeof f->message * 4], b[sizeof f->subject * 4], age[32], t[32];
	int i;

	esc_text(b, sizeof b, f->subject, strlen(f->subject));
	esc_text(a, sizeof a, f->message, strlen(f->message));
	fprintf(out, "%-4s %s  %s: %s\n", f->sev == SEV_FAIL ? "FAIL" : f->sev == SEV_WARN ? "WARN" : "INFO",
		f->id, b, a);
	if (f->nalso) {
		fputs("     one fault, also reported as:", out);
		for (i = 0; i < f->nalso; i++)
			fprintf(out, "%s %s", i ? "," : "", f->also[i]);
		fputc('\n', out);
	}
	if (f->last_seen_us)
		fprintf(out, "     last seen %s (%s)\n", words_age(f->last_seen_us, now ? now : now_us(), age, sizeof age),
			rfc3339(f->last_seen_us, t, sizeof t));
	/* A fix --fix tried and was refused is not proposed again as if nobody had tried. */
	if (f->fix[0] && !(f->fix_status && !strcmp(f->fix_status, "refused")))
		lines(out, "fix:", f->fix);
	if (f->advice[0])
		lines(out, "advice:", f->advice);
	if (f->fix_status && !strcmp(f->fix_status, "refused"))
		fprintf(out, "     --fix tried this and was refused: %s\n", f->fix_reason ? f->fix_reason : "?");
	else if (f->fix_status && !strcmp(f->fix_status, "applied"))
		fputs("     --fix applied it (see changes)\n", out);
}

void findings_text(FILE *out, const struct findings *fs)
{
	long long now = now_us();
	int i;

	for (i = 0; i < fs->n; i++)
		finding_text(out, &fs->f[i], now);
	if (fs->dropped)
		fprintf(out, "(%d more findings not shown)\n", fs->dropped);
}

int findings_exit(const struct findings *fs)
{
	return findings_worst(fs) == SEV_FAIL ? 1 : 0;
}
