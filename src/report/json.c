#include <math.h>
#include <stdio.h>
#include <string.h>

#include "report/escape.h"
#include "report/json.h"
#include "version.h"

void jw_init(struct jw *w, FILE *f)
{
	memset(w, 0, sizeof *w);
	w->f = f;
}

static void indent(struct jw *w)
{
	int i;

	fputc('\n', w->f);
	for (i = 0; i < w->depth; i++)
		fputs("  ", w->f);
}

/* Before any value or key: a comma when the level already has items, then a new line. */
static void pre(struct jw *w)
{
	if (w->after_key) {
		w->after_key = 0;
		return;
	}
	if (w->depth > 0) {
		if (w->has_items[w->depth])
			fputc(',', w->f);
		w->has_items[w->depth] = 1;
		indent(w);
	}
}

static void open(struct jw *w, char c)
{
	pre(w);
	fputc(c, w->f);
	if (w->depth + 1 >= JW_MAX_DEPTH) {
		w->err = 1;
		return;
	}
	w->depth++;
	w->has_items[w->depth] = 0;
}

static void close_(struct jw *w, char c)
{
	int had;

	if (w->depth <= 0) {
		w->err = 1;
		return;
	}
	had = w->has_items[w->depth];
	w->depth--;
	if (had)
		indent(w);
	fputc(c, w->f);
}

void jw_obj(struct jw *w) { open(w, '{'); }
void jw_obj_end(struct jw *w) { close_(w, '}'); }
void jw_arr(struct jw *w) { open(w, '['); }
void jw_arr_end(struct jw *w) { close_(w, ']'); }

static void put_string(struct jw *w, const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, l;

	fputc('"', w->f);
	while (i < n) {
		unsigned c = p[i];
		if (c == '"' || c == '\\') {
			fputc('\\', w->f);
			fputc((int)c, w->f);
			i++;
			continue;
		}
		if (c < 0x20 || c == 0x7f) {
			switch (c) {
			case '\n': fputs("\\n", w->f); break;
			case '\t': fputs("\\t", w->f); break;
			case '\r': fputs("\\r", w->f); break;
			default: fprintf(w->f, "\\u%04x", c);
			}
			i++;
			continue;
		}
		l = utf8_seq_len(p + i, n - i);
		if (l == 0) {
			fprintf(w->f, "\\\\x%02x", c);
			i++;
			continue;
		}
		fwrite(p + i, 1, l, w->f);
		i += l;
	}
	fputc('"', w->f);
}

void jw_key(struct jw *w, const char *key)
{
	pre(w);
	put_string(w, key, strlen(key));
	fputs(": ", w->f);
	w->after_key = 1;
}

void jw_strn(struct jw *w, const char *s, size_t n)
{
	pre(w);
	put_string(w, s, n);
}

void jw_str(struct jw *w, const char *s)
{
	if (!s)
		jw_null(w);
	else
		jw_strn(w, s, strlen(s));
}

void jw_int(struct jw *w, long long v) { pre(w); fprintf(w->f, "%lld", v); }
void jw_uint(struct jw *w, unsigned long long v) { pre(w); fprintf(w->f, "%llu", v); }
void jw_bool(struct jw *w, int v) { pre(w); fputs(v ? "true" : "false", w->f); }
void jw_null(struct jw *w) { pre(w); fputs("null", w->f); }

void jw_double(struct jw *w, double v)
{
	if (!isfinite(v)) {
		jw_null(w);
		return;
	}
	pre(w);
	fprintf(w->f, "%.6g", v);
}

void jw_kstr(struct jw *w, const char *k, const char *s) { jw_key(w, k); jw_str(w, s); }
void jw_kint(struct jw *w, const char *k, long long v) { jw_key(w, k); jw_int(w, v); }
void jw_kuint(struct jw *w, const char *k, unsigned long long v) { jw_key(w, k); jw_uint(w, v); }
void jw_kbool(struct jw *w, const char *k, int v) { jw_key(w, k); jw_bool(w, v); }
void jw_knull(struct jw *w, const char *k) { jw_key(w, k); jw_null(w); }

void jw_begin_doc(struct jw *w, const char *command)
{
	jw_obj(w);
	jw_kstr(w, "tool", "netrescue");
	jw_kstr(w, "version", NR_VERSION);
	jw_kstr(w, "command", command);
}

int jw_end(struct jw *w)
{
	jw_obj_end(w);
	fputc('\n', w->f);
	if (fflush(w->f) != 0 || ferror(w->f))
		return -1;
	return w->err || w->depth != 0 ? -1 : 0;
}
