#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "report/escape.h"
#include "report/findings.h"

void findings_init(struct findings *fs)
{
	fs->n = 0;
	fs->dropped = 0;
}

void findings_add(struct findings *fs, const char *id, enum sev sev, const char *subject,
		  const char *fix, const char *fmt, ...)
{
	struct finding *f;
	va_list ap;

	if (fs->n >= FINDINGS_MAX) {
		fs->dropped++;
		return;
	}
	f = &fs->f[fs->n++];
	f->id = id;
	f->sev = sev;
	snprintf(f->subject, sizeof f->subject, "%s", subject ? subject : "");
	snprintf(f->fix, sizeof f->fix, "%s", fix ? fix : "");
	va_start(ap, fmt);
	vsnprintf(f->message, sizeof f->message, fmt, ap);
	va_end(ap);
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
	static struct finding tmp;
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

void findings_json(struct jw *w, const struct findings *fs)
{
	int i;

	jw_key(w, "findings");
	jw_arr(w);
	for (i = 0; i < fs->n; i++) {
		const struct finding *f = &fs->f[i];
		jw_obj(w);
		jw_kstr(w, "id", f->id);
		jw_kstr(w, "severity", sev_name(f->sev));
		jw_kstr(w, "subject", f->subject);
		jw_kstr(w, "message", f->message);
		jw_kstr(w, "fix", f->fix[0] ? f->fix : NULL);
		jw_obj_end(w);
	}
	jw_arr_end(w);
}

void findings_text(FILE *out, const struct findings *fs)
{
	char a[sizeof fs->f[0].message * 4], b[sizeof fs->f[0].subject * 4];
	int i;

	for (i = 0; i < fs->n; i++) {
		const struct finding *f = &fs->f[i];
		esc_text(b, sizeof b, f->subject, strlen(f->subject));
		esc_text(a, sizeof a, f->message, strlen(f->message));
		fprintf(out, "%-4s %s  %s: %s\n", f->sev == SEV_FAIL ? "FAIL" : f->sev == SEV_WARN ? "WARN" : "INFO",
			f->id, b, a);
		if (f->fix[0]) {
			esc_text(a, sizeof a, f->fix, strlen(f->fix));
			fprintf(out, "     fix: %s\n", a);
		}
	}
	if (fs->dropped)
		fprintf(out, "(%d more findings not shown)\n", fs->dropped);
}

int findings_exit(const struct findings *fs)
{
	return findings_worst(fs) == SEV_FAIL ? 1 : 0;
}
