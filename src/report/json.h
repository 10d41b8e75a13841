/* A streaming JSON writer: one document, written as it is built, always valid JSON.
 * Strings are byte strings from anywhere: control characters are escaped (\n, \u0001) and
 * bytes that are not valid UTF-8 come out as the text \xNN (so "et\xffh0" stays readable and
 * matches the human output), never raw. The writer owns no memory; the caller owns it. */
#ifndef NR_REPORT_JSON_H
#define NR_REPORT_JSON_H
#include <stdio.h>
#include <stddef.h>

/* JW_MAX_DEPTH: nesting we ever emit is < 10; deeper is a bug, reported via jw.err. */
#define JW_MAX_DEPTH 32

struct jw {
	FILE *f;
	int depth;
	int err;                              /* set when nesting was misused */
	unsigned char has_items[JW_MAX_DEPTH];/* per level: a comma is due before the next item */
	int after_key;                        /* a key was written; the value follows directly */
};

void jw_init(struct jw *w, FILE *f);
void jw_obj(struct jw *w);
void jw_obj_end(struct jw *w);
void jw_arr(struct jw *w);
void jw_arr_end(struct jw *w);
void jw_key(struct jw *w, const char *key);
void jw_str(struct jw *w, const char *s);          /* NULL writes null */
void jw_strn(struct jw *w, const char *s, size_t n);
void jw_int(struct jw *w, long long v);
void jw_uint(struct jw *w, unsigned long long v);
void jw_double(struct jw *w, double v);            /* non-finite writes null */
void jw_bool(struct jw *w, int v);
void jw_null(struct jw *w);

/* key + value in one call */
void jw_kstr(struct jw *w, const char *key, const char *s);
void jw_kint(struct jw *w, const char *key, long long v);
void jw_kuint(struct jw *w, const char *key, unsigned long long v);
void jw_kbool(struct jw *w, const char *key, int v);
void jw_knull(struct jw *w, const char *key);

/* Opens the top-level object with the fields every document has:
 * "tool": "netrescue", "version", "command". Close it with jw_end(). */
void jw_begin_doc(struct jw *w, const char *command);
/* Closes the document's object and writes the final newline. Returns 0, or -1 on misuse or
 * a write error. */
int jw_end(struct jw *w);

#endif
