/* A small JSON tokenizer in the manner of jsmn: one pass over the bytes into a caller-owned
 * array of tokens (type, start, end, children), no allocation, strict syntax (RFC 8259), depth
 * bounded. Strings are left escaped in place; jt_str copies one out unescaped (\uXXXX to
 * UTF-8, surrogate pairs joined). For documents from outside: POST policies, runtime state. */
#ifndef NR_BASE_JSONTOK_H
#define NR_BASE_JSONTOK_H
#include <stddef.h>

enum jt_type { JT_OBJECT = 1, JT_ARRAY, JT_STRING, JT_PRIMITIVE };

struct jt_tok {
	enum jt_type type;
	size_t start, end;   /* bytes [start, end): a string's are inside its quotes */
	int size;            /* members of an object (keys), elements of an array */
	int parent;          /* index of the enclosing object/array (or key), -1 at the top */
};

/* JT_DEPTH_MAX: nesting deeper than this is refused (no recursion, but bounded state). */
#define JT_DEPTH_MAX 32

/* Tokenizes one JSON value (surrounding white space allowed) into tok[0..cap). Returns the
 * number of tokens, or -1: malformed, -2: more than cap tokens, -3: nested too deep. */
int jt_parse(const char *js, size_t len, struct jt_tok *tok, int cap);

/* The index of the token after the whole value at i (skipping its children). */
int jt_skip(const struct jt_tok *tok, int n, int i);

/* In the object at obj: the value token of member key, or -1. */
int jt_get(const char *js, const struct jt_tok *tok, int n, int obj, const char *key);

/* The string token i unescaped into out (cap bytes, NUL-terminated). Returns its length, or -1
 * when it is not a string, does not fit, or holds a bad escape or a NUL. */
long jt_str(const char *js, const struct jt_tok *tok, int i, char *out, size_t cap);

/* 1 when string token i equals s (after unescaping), else 0. */
int jt_eq(const char *js, const struct jt_tok *tok, int i, const char *s);

#endif
